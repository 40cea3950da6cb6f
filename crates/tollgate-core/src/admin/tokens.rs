//! The token operations: create, duplicate, reset (the three that issue an auth token),
//! edit, upgrade, disable, enable, delete and reveal, each with its audit entry, its event
//! for the people on the token, its replica rows and its answer.

use std::collections::HashMap;

use super::{Answer, Body, Caller, Outcome, precondition};
use crate::account::UserRecord;
use crate::api::{IssuedToken, ResetRequest, TokenEdit, TokenPage, TokenView, UpgradeRequest};
use crate::audit::{AuditAction, Detail};
use crate::change::{Change, KeptAnswer};
use crate::credential::{AccountSid, CredentialSeed, TOKEN_ENTROPY_BYTES};
use crate::error_code::{ErrorCode, Failure};
use crate::filter::Cursor;
use crate::idempotency::Keyed;
use crate::notify::{self, Event};
use crate::replica::Tombstone;
use crate::session::SessionRecord;
use crate::throttle::Limiter;
use crate::time::Timestamp;
use crate::token::{self, Issued, TokenChanges, TokenRecord, TokenSpec};

/// What every token operation gets besides its own inputs.
#[derive(Debug, Clone, Copy)]
pub struct Act<'a> {
    pub caller: &'a Caller,
    pub now: Timestamp,
    /// The request's `If-Match`: a change made against an older revision is refused.
    pub if_match: Option<&'a str>,
    /// The request's `Idempotency-Key`, scoped to the caller, with its fingerprint.
    pub keyed: Option<&'a Keyed>,
    /// When the edge last saw the token used (shown in answers, never decided on).
    pub last_used: Option<Timestamp>,
}

/// The limit on new tokens per account (create and duplicate): the account's object holds
/// the counts, since it is the account's only instance.
#[derive(Debug)]
pub struct Flood<'a> {
    pub limiter: &'a mut Limiter,
    /// New tokens allowed per [`token::NEW_TOKEN_WINDOW`].
    pub max: u32,
}

impl Flood<'_> {
    fn admit(&mut self, account_id: &str, now: Timestamp) -> Result<(), Failure> {
        self.limiter
            .admit(account_id, now, self.max)
            .map_err(Failure::rate_limited)
    }
}

/// The ids of the account's enabled users: the possible primary contacts.
pub fn contacts(users: &[UserRecord]) -> Vec<String> {
    users
        .iter()
        .filter(|u| u.enabled)
        .map(|u| u.id.clone())
        .collect()
}

/// The SID in a route (404 when it has no SID's form: nothing there).
pub fn sid(text: &str) -> Result<AccountSid, Failure> {
    AccountSid::parse(text).map_err(|_| Failure::not_found())
}

/// The caller's token `record` (404 for none, or another account's).
pub fn mine(caller: &Caller, record: Option<TokenRecord>) -> Result<TokenRecord, Failure> {
    record
        .filter(|t| t.account_id == caller.account.id)
        .ok_or_else(Failure::not_found)
}

/// `GET /api/tokens/{sid}`.
pub fn get(a: &Act<'_>, record: &TokenRecord) -> Answer {
    let view = a.caller.view(record, a.last_used, a.now);
    Answer::tagged(200, Body::Token(view), record.revision)
}

/// A page of the list: the records of the page, the cursor of the next, how many match in
/// all, and per SID the last use and the requests of the last 24 hours.
#[derive(Debug)]
pub struct Listed<'a> {
    pub records: Vec<TokenRecord>,
    pub next: Option<Cursor>,
    pub total: usize,
    pub last_used: &'a HashMap<String, Timestamp>,
    pub requests_24h: &'a HashMap<String, u64>,
}

/// `GET /api/tokens`: the page as the API shows it.
pub fn page(caller: &Caller, l: Listed<'_>, now: Timestamp) -> TokenPage {
    let tokens = l
        .records
        .iter()
        .map(|r| {
            let sid = r.sid.as_str();
            let mut v = caller.view(r, l.last_used.get(sid).copied(), now);
            v.requests_24h = Some(l.requests_24h.get(sid).copied().unwrap_or(0));
            v
        })
        .collect();
    TokenPage {
        tokens,
        next_cursor: l.next.map(|c| c.encode()),
        total: l.total,
    }
}

/// `POST /api/tokens`.
pub fn create(
    a: &Act<'_>,
    users: &[UserRecord],
    draft: &crate::api::TokenDraft,
    seed: &CredentialSeed,
    mut flood: Flood<'_>,
) -> Result<Outcome, Failure> {
    let ids = contacts(users);
    let issued = token::create(
        &TokenSpec::from(draft),
        &a.caller.token_context(&ids),
        seed,
        a.now,
    )?;
    flood.admit(&a.caller.account.id, a.now)?;
    Ok(issue(a, issued, AuditAction::TokenCreated, 201))
}

/// `POST /api/tokens/{sid}/duplicate`.
pub fn duplicate(
    a: &Act<'_>,
    users: &[UserRecord],
    record: &TokenRecord,
    seed: &CredentialSeed,
    mut flood: Flood<'_>,
) -> Result<Outcome, Failure> {
    checked(a, record)?;
    let ids = contacts(users);
    let issued = token::duplicate(record, &a.caller.token_context(&ids), seed, a.now)?;
    flood.admit(&a.caller.account.id, a.now)?;
    Ok(issue(a, issued, AuditAction::TokenDuplicated, 201))
}

/// `POST /api/tokens/{sid}/reset`.
pub fn reset(
    a: &Act<'_>,
    record: &TokenRecord,
    r: &ResetRequest,
    entropy: &[u8; TOKEN_ENTROPY_BYTES],
) -> Result<Outcome, Failure> {
    checked(a, record)?;
    let ctx = a.caller.token_context(&[]);
    let issued = token::reset_with_expiry(record, &ctx, entropy, r.grace, r.expires_at, a.now)?;
    Ok(issue(a, issued, AuditAction::TokenReset, 200))
}

/// The `If-Match` check of a change to `record` (412 with the token as it is now).
fn checked(a: &Act<'_>, record: &TokenRecord) -> Result<(), Failure> {
    precondition(a.if_match, record.revision, || {
        a.caller.view(record, a.last_used, a.now)
    })
}

/// A new auth token, issued: the record (its secret kept sealed unless the account shows
/// auth tokens once), the audit entry, the event, and the answer — kept under the request's
/// idempotency key, so a retry gets this same auth token and nothing happens twice.
fn issue(a: &Act<'_>, issued: Issued, action: AuditAction, status: u16) -> Outcome {
    let Issued { record, auth_token } = issued;
    let keep = !a.caller.account.show_tokens_once;
    // A new token has never been used; a reset one keeps its history.
    let used = (action == AuditAction::TokenReset)
        .then_some(a.last_used)
        .flatten();
    let mut view = a.caller.view(&record, used, a.now);
    view.revealable = keep;
    let answer = IssuedToken {
        token: view,
        auth_token: auth_token.expose().to_owned(),
    };
    let mut change = Change::new();
    let event = if action == AuditAction::TokenReset {
        Event::Reset
    } else {
        Event::Created
    };
    change
        .audit(a.caller.audit(
            a.now,
            action,
            (record.sid.as_str(), &record.name),
            Detail::None,
        ))
        .event(event, &record, &a.caller.user.email);
    let revision = record.revision;
    change.issue_token(record, auth_token, keep);
    let answer = Answer::tagged(status, Body::Issued(answer), revision);
    if let Some(k) = a.keyed {
        change.kept_answer = Some(KeptAnswer {
            key: k.key.clone(),
            fingerprint: k.fingerprint.clone(),
            status,
            body: answer.json(),
        });
    }
    Outcome::answered(change, answer)
}

/// `DELETE /api/tokens/{sid}`: the record goes, its tombstone reaches the edge.
pub fn delete(a: &Act<'_>, record: &TokenRecord) -> Result<Outcome, Failure> {
    checked(a, record)?;
    let gone = token::delete(record, &a.caller.token_context(&[]), a.now)?;
    let mut change = Change::new();
    change
        .delete_token(&Tombstone::from(&gone))
        .audit(a.caller.audit(
            a.now,
            AuditAction::TokenDeleted,
            (gone.sid.as_str(), &gone.name),
            Detail::None,
        ))
        .event(Event::Deleted, record, &a.caller.user.email);
    Ok(Outcome::answered(change, Answer::no_content()))
}

/// A change of a token that issues no auth token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adjustment {
    Edit(TokenEdit),
    Upgrade(UpgradeRequest),
    Disable,
    Enable,
}

/// `PATCH /api/tokens/{sid}`, and `POST …/upgrade`, `…/disable`, `…/enable`. A change that
/// changes nothing answers the token as it is and writes nothing.
pub fn adjust(
    a: &Act<'_>,
    users: &[UserRecord],
    record: &TokenRecord,
    adjustment: &Adjustment,
) -> Result<Outcome, Failure> {
    checked(a, record)?;
    let ids = match adjustment {
        Adjustment::Edit(_) => contacts(users),
        _ => Vec::new(),
    };
    let ctx = a.caller.token_context(&ids);
    let (next, action, detail) = match adjustment {
        Adjustment::Edit(e) => {
            let changes = TokenChanges::from(e);
            let next = token::edit(record, &changes, &ctx, a.now)?;
            (
                next,
                AuditAction::TokenEdited,
                Detail::Fields(changes.fields()),
            )
        }
        Adjustment::Upgrade(u) => {
            let next = token::upgrade(record, &ctx, u.api_version, a.now)?;
            let detail = Detail::Upgrade {
                from: record.api_version,
                to: next.api_version,
            };
            (next, AuditAction::TokenUpgraded, detail)
        }
        Adjustment::Disable => (
            token::disable(record, &ctx, a.now)?,
            AuditAction::TokenDisabled,
            Detail::None,
        ),
        Adjustment::Enable => (
            token::enable(record, &ctx, a.now)?,
            AuditAction::TokenEnabled,
            Detail::None,
        ),
    };
    if next == *record {
        return Ok(Outcome::answered(Change::new(), get(a, record)));
    }
    let mut change = Change::new();
    change.audit(
        a.caller
            .audit(a.now, action, (next.sid.as_str(), &next.name), detail),
    );
    if let Some(event) = event_of(action, record, &next) {
        change.event(event, &next, &a.caller.user.email);
    }
    let answer = get(a, &next);
    change.put_token(next);
    Ok(Outcome::answered(change, answer))
}

/// What the people on a token hear about a change (an edit only when its scopes changed).
fn event_of(action: AuditAction, before: &TokenRecord, after: &TokenRecord) -> Option<Event> {
    match action {
        AuditAction::TokenEdited => notify::scope_change(before, after),
        AuditAction::TokenUpgraded => Some(Event::Upgraded {
            from: before.api_version,
            to: after.api_version,
        }),
        AuditAction::TokenDisabled => Some(Event::Disabled),
        AuditAction::TokenEnabled => Some(Event::Enabled),
        _ => None,
    }
}

/// A stored auth token to reveal: its sealed copy (the store opens it) and the audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reveal {
    pub sealed: String,
    pub change: Change,
}

/// `POST /api/tokens/{sid}/reveal`: only for an account that keeps auth tokens, a token that
/// kept one, and a session in its sudo window (`session` as stored now, not as the request
/// found it).
pub fn reveal(
    a: &Act<'_>,
    record: &TokenRecord,
    session: Option<&SessionRecord>,
) -> Result<Reveal, Failure> {
    if a.caller.account.show_tokens_once {
        return Err(Failure::new(
            ErrorCode::ShowOnce,
            "this account shows auth tokens only once: reset the token to get a new one",
        ));
    }
    let sealed = record.sealed_auth_token.clone().ok_or_else(|| {
        Failure::new(
            ErrorCode::NotRevealable,
            "this auth token was not kept: reset the token to get a new one",
        )
    })?;
    if !session.is_some_and(|s| s.sudo_active(a.now)) {
        return Err(Failure::new(
            ErrorCode::ReauthenticationRequired,
            "enter your password again to reveal an auth token",
        ));
    }
    let mut change = Change::new();
    change.audit(a.caller.audit(
        a.now,
        AuditAction::TokenRevealed,
        (record.sid.as_str(), &record.name),
        Detail::None,
    ));
    Ok(Reveal { sealed, change })
}

/// The view of a token after `outcome`, for callers that want it (tests, the package).
pub fn view_after(outcome: &Outcome) -> Option<&TokenView> {
    match outcome.answer.as_ref().ok().map(|a| &a.body) {
        Some(Body::Token(v)) => Some(v),
        Some(Body::Issued(i)) => Some(&i.token),
        _ => None,
    }
}

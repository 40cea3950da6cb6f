//! Who is asking: the session check every admin request passes (the session cookie, the
//! user's generation and state, the idle and absolute timeouts, CSRF on changes), and what
//! the caller's role permits.

use super::Outcome;
use crate::account::{AccountRecord, Permission, UserRecord};
use crate::api::TokenView;
use crate::audit::{Actor, Audit, AuditAction, Detail};
use crate::change::{Change, SessionWrite};
use crate::credential::Digest;
use crate::error_code::{ErrorCode, Failure};
use crate::session::{SessionRecord, SessionState, session_id_from_cookies};
use crate::time::Timestamp;
use crate::token::{AccountContext, TokenRecord};

/// The signed-in caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: UserRecord,
    pub account: AccountRecord,
    pub session: SessionRecord,
    /// The digest the session is stored under.
    pub digest: String,
    /// The session id, kept for this request only (to answer `GET /api/session` with its
    /// CSRF token); never stored.
    pub session_id: String,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor::new(&self.user.id, &self.user.email)
    }

    /// Refuses a caller whose role does not hold `permission` (deny by default).
    pub fn require(&self, permission: Option<Permission>) -> Result<(), Failure> {
        match permission {
            Some(p) if !self.user.role.permits(p) => {
                Err(Failure::forbidden("your role does not allow this"))
            }
            _ => Ok(()),
        }
    }

    /// An audit entry by this caller at `now`.
    pub fn audit(
        &self,
        now: Timestamp,
        action: AuditAction,
        (target, target_name): (&str, &str),
        detail: Detail,
    ) -> Audit {
        Audit {
            at: now,
            actor: self.actor(),
            action,
            target: target.to_owned(),
            target_name: target_name.to_owned(),
            detail,
        }
    }

    /// The token rules' view of the caller's account, with `users` (ids of its enabled users).
    pub fn token_context<'a>(&'a self, users: &'a [String]) -> AccountContext<'a> {
        AccountContext::of(&self.account, users)
    }

    /// How the API shows `record` to this caller.
    pub fn view(
        &self,
        record: &TokenRecord,
        last_used: Option<Timestamp>,
        now: Timestamp,
    ) -> TokenView {
        TokenView::from_record(
            record,
            last_used,
            (
                self.account.account_type,
                self.account.max_token_lifetime_days,
            ),
            now,
        )
    }
}

/// The session a request presents: its id (from the `Cookie` header) and the digest it is
/// stored under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    pub id: String,
    pub digest: String,
}

/// The session id in a `Cookie` header (401 without one).
pub fn presented(cookie_header: Option<&str>) -> Result<Presented, Failure> {
    let id = session_id_from_cookies(cookie_header.unwrap_or_default())
        .ok_or_else(Failure::unauthenticated)?;
    Ok(Presented {
        id: id.to_owned(),
        digest: Digest::of(id.as_bytes()).to_hex(),
    })
}

/// What the store holds for a presented session: the session, its user and the account.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub session: Option<SessionRecord>,
    pub user: Option<UserRecord>,
    pub account: Option<AccountRecord>,
}

/// The request as the session check sees it.
#[derive(Debug, Clone, Copy)]
pub struct Knock<'a> {
    /// The `X-CSRF-Token` header.
    pub csrf: Option<&'a str>,
    /// Whether the request changes state (and so needs the CSRF token).
    pub changes_state: bool,
    pub now: Timestamp,
}

/// The session check of a request: the caller, with the session's refresh to commit (at
/// most once a minute), or the refusal, with the dead session's removal.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Admission {
    Admitted(Caller, Change),
    Refused(Outcome),
}

/// Checks a presented session against what the store holds.
pub fn admit(p: Presented, found: Found, knock: Knock<'_>) -> Admission {
    let refused = |change: Change, f: Failure| Admission::Refused(Outcome::refused(change, f));
    let Some(mut session) = found.session else {
        return refused(Change::new(), Failure::unauthenticated());
    };
    let state = found
        .user
        .as_ref()
        .map(|u| session.state(knock.now, u.generation));
    let user = match (found.user, state) {
        (Some(u), Some(s))
            if s != SessionState::Expired && u.enabled && u.account_id == session.account_id =>
        {
            u
        }
        _ => {
            let mut end = Change::new();
            end.session(SessionWrite::Delete { digest: p.digest });
            return refused(end, Failure::unauthenticated());
        }
    };
    if knock.changes_state && !session.csrf_ok(knock.csrf) {
        return refused(
            Change::new(),
            Failure::new(
                ErrorCode::Csrf,
                "send the X-CSRF-Token from sign-in with this request",
            ),
        );
    }
    let Some(account) = found.account else {
        return refused(Change::new(), Failure::unauthenticated());
    };
    let mut touch = Change::new();
    if state == Some(SessionState::ActiveTouch) {
        session.last_seen = knock.now;
        touch.session(SessionWrite::Touch {
            digest: p.digest.clone(),
            record: session.clone(),
        });
    }
    let caller = Caller {
        user,
        account,
        session,
        digest: p.digest,
        session_id: p.id,
    };
    Admission::Admitted(caller, touch)
}

//! What the people on a token decide by themselves (an unsubscribe link) and what time
//! decides for them (the "expires soon" notice).

use serde::{Deserialize, Serialize};

use super::{Answer, Outcome};
use crate::account::is_account_id;
use crate::audit::{Actor, Audit, AuditAction, Detail};
use crate::change::Change;
use crate::credential::AccountSid;
use crate::error_code::{ErrorCode, Failure};
use crate::language::Language;
use crate::notify::{EXPIRY_NOTICE, Event, unsubscribe_tag_valid};
use crate::time::Timestamp;
use crate::token::{TokenRecord, unsubscribe as unsubscribed};

/// An unsubscribe link, as its page posts it to the account's object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeRequest {
    pub sid: String,
    pub email: String,
    pub tag: String,
}

/// An unsubscribe link as its page reads it: the account, what to ask its object, and the
/// language to answer in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeLink {
    pub account: String,
    pub request: UnsubscribeRequest,
    pub language: Language,
}

/// Reads an unsubscribe link's query (`a`, `s`, `e`, `l`, `t`); `None` when it names no
/// account or is not percent-encoded.
pub fn unsubscribe_link(query: &str) -> Option<UnsubscribeLink> {
    let mut link = UnsubscribeLink {
        account: String::new(),
        request: UnsubscribeRequest {
            sid: String::new(),
            email: String::new(),
            tag: String::new(),
        },
        language: Language::En,
    };
    for (k, v) in crate::percent::query_pairs(query).ok()? {
        match k.as_str() {
            "a" => link.account = v,
            "s" => link.request.sid = v,
            "e" => link.request.email = v,
            "t" => link.request.tag = v,
            "l" => link.language = v.parse().unwrap_or_default(),
            _ => {}
        }
    }
    is_account_id(&link.account).then_some(link)
}

/// The SID a signed unsubscribe link names, if its signature (made with `link_key`) holds.
pub fn unsubscribe_sid(
    link_key: &[u8],
    account_id: &str,
    r: &UnsubscribeRequest,
) -> Result<AccountSid, Failure> {
    let invalid = || {
        Failure::new(
            ErrorCode::InvalidValue,
            "this unsubscribe link is not valid",
        )
        .at("t")
    };
    if !unsubscribe_tag_valid(link_key, account_id, &r.sid, &r.email, &r.tag) {
        return Err(invalid());
    }
    AccountSid::parse(&r.sid).map_err(|_| invalid())
}

/// A developer e-mail stops the token's notifications. A deleted token, an address that is
/// not on it or one already unsubscribed: nothing left to do.
pub fn unsubscribe(token: Option<TokenRecord>, email: &str, now: Timestamp) -> Outcome {
    let mut change = Change::new();
    let next = token.and_then(|t| unsubscribed(&t, email, now).map(|n| (t, n)));
    if let Some((before, next)) = next {
        change
            .audit(Audit {
                at: now,
                actor: Actor::new("unsubscribe", email),
                action: AuditAction::TokenUnsubscribed,
                target: before.sid.as_str().to_owned(),
                target_name: before.name.clone(),
                detail: Detail::None,
            })
            .put_token(next);
    }
    Outcome::answered(change, Answer::no_content())
}

/// Until when the expiry sweep looks ahead from `now`.
pub fn notice_horizon(now: Timestamp) -> Timestamp {
    now.plus(EXPIRY_NOTICE)
}

/// The "expires soon" notices of `due` (the tokens expiring within [`EXPIRY_NOTICE`] that
/// have not had one for their expiry), each marked as warned for that expiry.
pub fn expiring(due: &[TokenRecord]) -> Change {
    let mut change = Change::new();
    let tollgate = Actor::tollgate();
    for t in due {
        let Some(at) = t.expires_at else { continue };
        change.event(Event::Expiring { at }, t, &tollgate.name);
        change.expiry_warnings.push((t.sid.clone(), at));
    }
    change
}

/// When the next sweep is due, given the earliest expiry past the horizon.
pub fn next_sweep(next_expiry: Option<Timestamp>) -> Option<Timestamp> {
    next_expiry.map(|e| e.minus(EXPIRY_NOTICE))
}

//! The account's settings.

use super::{Answer, Body, Caller, Outcome, precondition};
use crate::account::{AccountChanges, AccountRecord};
use crate::api::{AccountPatch, AccountView};
use crate::audit::{AuditAction, Detail};
use crate::change::Change;
use crate::error_code::Failure;
use crate::time::Timestamp;
use crate::token::{TokenRecord, drop_sealed};

/// `GET /api/account`.
pub fn view(caller: &Caller) -> Answer {
    let a = &caller.account;
    Answer::tagged(200, Body::Account(AccountView::from(a)), a.revision)
}

/// A settings change, as a request makes it.
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    pub patch: &'a AccountPatch,
    /// The request's `If-Match`.
    pub if_match: Option<&'a str>,
    pub now: Timestamp,
}

/// `PATCH /api/account`. `current` is the account as stored now (the caller's copy may be
/// older). Switching to show-once drops every kept auth token (`tokens` reads them, only
/// then).
pub fn patch(
    caller: &Caller,
    current: &AccountRecord,
    e: Edit<'_>,
    tokens: &mut dyn FnMut() -> Result<Vec<TokenRecord>, Failure>,
) -> Result<Outcome, Failure> {
    precondition(e.if_match, current.revision, || AccountView::from(current))?;
    let next = current.apply(&AccountChanges::from(e.patch))?;
    let answer = Answer::tagged(200, Body::Account(AccountView::from(&next)), next.revision);
    if next == *current {
        return Ok(Outcome::answered(Change::new(), answer));
    }
    let mut change = Change::new();
    if next.show_tokens_once && !current.show_tokens_once {
        for t in tokens()?.iter().filter_map(drop_sealed) {
            change.put_token(t);
        }
    }
    change.audit(caller.audit(
        e.now,
        AuditAction::AccountEdited,
        (&next.id, &next.name),
        Detail::Fields(current.changed(&next)),
    ));
    change.put_account(next);
    Ok(Outcome::answered(change, answer))
}

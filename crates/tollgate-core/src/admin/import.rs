//! The one-time import of an account written by the KV-only layout (before account objects):
//! its records as one change, every revision at least 1 (the legacy layout had none) and the
//! tokens one above, so their replica rows replace what KV holds.

use crate::account::{AccountRecord, UserRecord};
use crate::change::Change;
use crate::revision::successor;
use crate::token::TokenRecord;

/// The change that stores an imported account, its users and tokens.
pub fn imported(
    mut account: AccountRecord,
    users: &[UserRecord],
    tokens: &[TokenRecord],
) -> Change {
    let mut change = Change::new();
    account.revision = account.revision.max(1);
    change.put_account(account);
    for u in users {
        let mut u = u.clone();
        u.revision = u.revision.max(1);
        change.put_user(u);
    }
    for t in tokens {
        let mut t = t.clone();
        t.revision = successor(t.revision);
        change.put_token(t);
    }
    change
}

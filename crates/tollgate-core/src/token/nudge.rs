//! Advice shown beside a token: rotation due, every scope, never used, expiring, no expiry.

use serde::{Deserialize, Serialize};

use super::{ROTATION_ADVICE, TokenRecord};
use crate::account::AccountType;
use crate::scope::all_scope_ids;
use crate::time::{Span, Timestamp};

/// Advice the token list shows beside a token.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nudge {
    /// Not reset for [`ROTATION_ADVICE`].
    RotationDue,
    /// Holds every scope its account type can grant at its version.
    EveryScope,
    /// Never used in the [`NEVER_USED_AFTER`] since it was created.
    NeverUsed,
    /// Expires within [`crate::policy::EXPIRING_SOON`].
    ExpiresSoon,
    /// Never expires although the account limits token lifetimes.
    NoExpiry,
}

/// A token unused for this long after its creation is nudged.
pub const NEVER_USED_AFTER: Span = Span::days(30);

/// The nudges that apply to a token now.
pub fn nudges(
    record: &TokenRecord,
    last_used_at: Option<Timestamp>,
    account: (AccountType, Option<u32>),
    now: Timestamp,
) -> Vec<Nudge> {
    let (account_type, max_lifetime_days) = account;
    let mut out = Vec::new();
    if now.since(record.rotated_at) >= ROTATION_ADVICE {
        out.push(Nudge::RotationDue);
    }
    if record.scopes == all_scope_ids(account_type, record.api_version) {
        out.push(Nudge::EveryScope);
    }
    if last_used_at.is_none() && now.since(record.created_at) >= NEVER_USED_AFTER {
        out.push(Nudge::NeverUsed);
    }
    if crate::policy::expiring_soon(record.expires_at, now) {
        out.push(Nudge::ExpiresSoon);
    }
    if record.expires_at.is_none() && max_lifetime_days.is_some() {
        out.push(Nudge::NoExpiry);
    }
    out
}

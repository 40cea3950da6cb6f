//! The stored token record and every operation on it, as pure functions.
//!
//! Each operation ([`ops`]) takes the current record (or a [`TokenSpec`]), the account's
//! context, `now` and, where new credentials are made, caller-supplied random bytes; it
//! returns the new record or a [`TokenError`] that says what to fix. Nothing here stores
//! anything; what a change means beyond the record is `crate::admin`'s.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::account::{AccountRecord, AccountType};
use crate::credential::{AccountSid, AuthToken, Digest};
use crate::leak_mark::LeakMark;
use crate::policy::RateLimit;
use crate::revision::Revision;
use crate::time::{Span, Timestamp};
use crate::version::ApiVersion;

mod checks;
mod error;
mod nudge;
mod ops;
pub use checks::{check_description, check_emails, check_name, check_scopes, copy_name};
pub use error::TokenError;
pub use nudge::{NEVER_USED_AFTER, Nudge, nudges};
pub use ops::{
    Deleted, create, delete, disable, drop_sealed, duplicate, edit, enable, reset,
    reset_with_expiry, should_record_use, unsubscribe, upgrade,
};

/// Version of the stored record layout. Bump it, and teach [`TokenRecord::from_json`]
/// to read the old layout, whenever the layout changes.
pub const SCHEMA_VERSION: u32 = 1;
pub const MAX_TOKEN_NAME_LEN: usize = 100;
pub const MAX_DESCRIPTION_LEN: usize = 500;
pub const MAX_DEVELOPER_EMAILS: usize = 20;
/// A token's last-used time is written at most this often.
pub const LAST_USED_RESOLUTION: Span = Span::MINUTE;
/// Tokens not reset for this long are nudged towards rotation.
pub const ROTATION_ADVICE: Span = Span::days(90);
/// New tokens (created or duplicated) an account may add per [`NEW_TOKEN_WINDOW`]: far
/// above what people do by hand, low enough to stop a flood. Resets are not counted.
pub const MAX_NEW_TOKENS: u32 = 120;
pub const NEW_TOKEN_WINDOW: Span = Span::MINUTE;

/// How long a reset token's previous auth token keeps verifying.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum GracePeriod {
    #[default]
    #[serde(rename = "none")]
    None,
    #[serde(rename = "1m")]
    OneMinute,
    #[serde(rename = "15m")]
    FifteenMinutes,
    #[serde(rename = "1h")]
    OneHour,
    #[serde(rename = "6h")]
    SixHours,
    #[serde(rename = "24h")]
    TwentyFourHours,
}

impl GracePeriod {
    pub const ALL: [GracePeriod; 6] = [
        GracePeriod::None,
        GracePeriod::OneMinute,
        GracePeriod::FifteenMinutes,
        GracePeriod::OneHour,
        GracePeriod::SixHours,
        GracePeriod::TwentyFourHours,
    ];

    /// The name the API uses (`"1h"`), as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            GracePeriod::None => "none",
            GracePeriod::OneMinute => "1m",
            GracePeriod::FifteenMinutes => "15m",
            GracePeriod::OneHour => "1h",
            GracePeriod::SixHours => "6h",
            GracePeriod::TwentyFourHours => "24h",
        }
    }

    pub fn span(self) -> Span {
        match self {
            GracePeriod::None => Span(0),
            GracePeriod::OneMinute => Span::minutes(1),
            GracePeriod::FifteenMinutes => Span::minutes(15),
            GracePeriod::OneHour => Span::hours(1),
            GracePeriod::SixHours => Span::hours(6),
            GracePeriod::TwentyFourHours => Span::hours(24),
        }
    }
}

/// The previous auth token's digest, valid until a deadline after a reset with grace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviousSecret {
    pub digest: Digest,
    pub valid_until: Timestamp,
}

/// What verification needs of the secret: digests only, never the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredSecret {
    pub digest: Digest,
    pub previous: Option<PreviousSecret>,
}

impl StoredSecret {
    /// Whether `presented` is the current token, or the previous one within its grace.
    /// Both digests are always compared, in constant time.
    pub fn accepts(&self, presented: &Digest, now: Timestamp) -> bool {
        let current = self.digest.ct_eq(presented);
        let previous = match &self.previous {
            Some(p) => p.digest.ct_eq(presented) & (now < p.valid_until),
            None => false,
        };
        current | previous
    }
}

/// A token as stored (one record per SID).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRecord {
    pub schema: u32,
    pub sid: AccountSid,
    pub account_id: String,
    pub name: String,
    pub description: String,
    pub api_version: ApiVersion,
    /// User id of the primary contact (a user of the account).
    pub primary_contact: String,
    pub developer_emails: Vec<String>,
    pub scopes: BTreeSet<String>,
    pub enabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the auth token was last issued (creation or reset).
    pub rotated_at: Timestamp,
    pub secret: StoredSecret,
    /// The auth token sealed by the storage shell (AES-256-GCM), or `None` for
    /// show-once accounts. Opaque to the core; every operation that issues a new auth
    /// token clears it, so a stale ciphertext can never be revealed.
    pub sealed_auth_token: Option<String>,
    /// Counts the record's changes (1 at creation); records written before revisions
    /// existed read as 0. See [`crate::revision`].
    #[serde(default)]
    pub revision: Revision,
    /// When the token stops verifying (`None`: never). See [`crate::policy`].
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// Client addresses and ranges allowed to use the token (empty: any).
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    /// At most so many allowed requests per period, per verifier isolate.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// The last leak a secret scanner reported of a live secret, until the token is reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leak: Option<LeakMark>,
    /// Developer e-mails that unsubscribed from this token's notifications (lowercase).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsubscribed: Vec<String>,
}

/// A record together with the auth token just issued for it: the only moment the
/// plaintext token exists.
#[derive(Debug, Clone)]
pub struct Issued {
    pub record: TokenRecord,
    pub auth_token: AuthToken,
}

/// What a token operation needs to know about the account.
#[derive(Debug, Clone, Copy)]
pub struct AccountContext<'a> {
    pub account_id: &'a str,
    pub account_type: AccountType,
    /// Ids of the account's enabled users: the possible primary contacts.
    pub users: &'a [String],
    /// The account's `max_token_lifetime_days`, if it sets one.
    pub max_lifetime_days: Option<u32>,
}

impl<'a> AccountContext<'a> {
    /// The context of `account`, whose enabled users are `users`.
    pub fn of(account: &'a AccountRecord, users: &'a [String]) -> AccountContext<'a> {
        AccountContext {
            account_id: &account.id,
            account_type: account.account_type,
            users,
            max_lifetime_days: account.max_token_lifetime_days,
        }
    }
}

/// A new token's settings, as the create wizard gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenSpec {
    pub name: String,
    pub description: String,
    /// `None`: the latest version.
    pub api_version: Option<ApiVersion>,
    /// User id of the primary contact.
    pub primary_contact: String,
    pub developer_emails: Vec<String>,
    pub scopes: Vec<String>,
    pub expires_at: Option<Timestamp>,
    pub allowed_ips: Vec<String>,
    pub rate_limit: Option<RateLimit>,
}

/// A change of a token's settings: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub primary_contact: Option<String>,
    pub developer_emails: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    /// A new expiry, or `Some(None)` for never.
    pub expires_at: Option<Option<Timestamp>>,
    pub allowed_ips: Option<Vec<String>>,
    /// A new rate limit, or `Some(None)` for none.
    pub rate_limit: Option<Option<RateLimit>>,
}

impl TokenChanges {
    /// The settings this change names (the audit log's record of an edit).
    pub fn fields(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("description", self.description.is_some()),
            ("primary_contact", self.primary_contact.is_some()),
            ("developer_emails", self.developer_emails.is_some()),
            ("scopes", self.scopes.is_some()),
            ("expires_at", self.expires_at.is_some()),
            ("allowed_ips", self.allowed_ips.is_some()),
            ("rate_limit", self.rate_limit.is_some()),
        ]
        .into_iter()
        .filter_map(|(n, present)| present.then_some(n))
        .collect()
    }
}

impl TokenRecord {
    /// The spec of a token with the same access and settings (a duplicate's).
    pub fn spec(&self) -> TokenSpec {
        TokenSpec {
            name: self.name.clone(),
            description: self.description.clone(),
            api_version: Some(self.api_version),
            primary_contact: self.primary_contact.clone(),
            developer_emails: self.developer_emails.clone(),
            scopes: self.scopes.iter().cloned().collect(),
            expires_at: self.expires_at,
            allowed_ips: self.allowed_ips.clone(),
            rate_limit: self.rate_limit,
        }
    }

    /// Whether the current auth token is on record as leaked (it must be reset first).
    pub fn current_secret_leaked(&self) -> bool {
        self.leak.as_ref().is_some_and(LeakMark::of_current)
    }
}

crate::filter::listed_by_fields!(TokenRecord, |record| record.enabled);

impl TokenRecord {
    /// Reads a stored record, refusing unknown layouts.
    pub fn from_json(json: &str) -> Result<TokenRecord, serde_json::Error> {
        let record: TokenRecord = serde_json::from_str(json)?;
        if record.schema != SCHEMA_VERSION {
            return Err(serde::de::Error::custom(format!(
                "token record schema {} is not {SCHEMA_VERSION}",
                record.schema
            )));
        }
        Ok(record)
    }
}

#[cfg(test)]
pub(crate) mod tests;

//! The stored token record and every operation on it, as pure functions.
//!
//! Each operation takes the current record (or a draft), the caller's context, `now` and,
//! where new credentials are made, caller-supplied random bytes; it returns the new
//! record or a [`TokenError`] that says what to fix. Nothing here stores anything.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::account::AccountType;
use crate::api::{TokenDraft, TokenEdit};
use crate::credential::{AccountSid, AuthToken, CredentialSeed, Digest, TOKEN_ENTROPY_BYTES};
use crate::email::{email_key, normalize_email};
use crate::policy::{RateLimit, check_allowed_ips, check_expiry, check_rate_limit};
use crate::revision::successor;
use crate::scope::find_scope;
use crate::time::{Span, Timestamp};
use crate::version::ApiVersion;

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
    pub revision: crate::revision::Revision,
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
    pub leak: Option<crate::leak::LeakMark>,
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
    pub fn of(
        account: &'a crate::account::AccountRecord,
        users: &'a [String],
    ) -> AccountContext<'a> {
        AccountContext {
            account_id: &account.id,
            account_type: account.account_type,
            users,
            max_lifetime_days: account.max_token_lifetime_days,
        }
    }
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Checks a token name (trimmed, 1 to 100 characters, no control characters).
pub fn check_name(raw: &str) -> Result<String, TokenError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(TokenError::NameEmpty);
    }
    if name.chars().count() > MAX_TOKEN_NAME_LEN {
        return Err(TokenError::NameTooLong {
            max: MAX_TOKEN_NAME_LEN,
        });
    }
    if name.chars().any(char::is_control) {
        return Err(TokenError::NameControlCharacter);
    }
    Ok(name.to_owned())
}

/// Checks a description (at most 500 characters; line breaks and tabs allowed).
pub fn check_description(raw: &str) -> Result<String, TokenError> {
    let text = raw.trim();
    if text.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(TokenError::DescriptionTooLong {
            max: MAX_DESCRIPTION_LEN,
        });
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(TokenError::DescriptionControlCharacter);
    }
    Ok(text.to_owned())
}

fn check_contact(contact: &str, ctx: &AccountContext<'_>) -> Result<String, TokenError> {
    if ctx.users.iter().any(|u| u == contact) {
        Ok(contact.to_owned())
    } else {
        Err(TokenError::UnknownContact)
    }
}

/// Checks developer e-mails: valid, not repeated (case-insensitively), at most 20.
pub fn check_emails(raw: &[String]) -> Result<Vec<String>, TokenError> {
    if raw.len() > MAX_DEVELOPER_EMAILS {
        return Err(TokenError::TooManyEmails {
            max: MAX_DEVELOPER_EMAILS,
        });
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for email in raw {
        let normalized = normalize_email(email).map_err(|reason| TokenError::EmailInvalid {
            email: clip(email.trim(), 80),
            reason,
        })?;
        if !seen.insert(email_key(&normalized)) {
            return Err(TokenError::EmailRepeated { email: normalized });
        }
        out.push(normalized);
    }
    Ok(out)
}

/// Checks scopes against the catalog of an account type and version; at least one.
pub fn check_scopes(
    raw: &[String],
    account_type: AccountType,
    version: ApiVersion,
) -> Result<BTreeSet<String>, TokenError> {
    let mut out = BTreeSet::new();
    for scope in raw {
        match find_scope(account_type, version, scope) {
            Some(def) => {
                out.insert(def.id.to_owned());
            }
            None => {
                return Err(TokenError::UnknownScope {
                    scope: clip(scope, 64),
                    version,
                });
            }
        }
    }
    if out.is_empty() {
        return Err(TokenError::NoScopes);
    }
    Ok(out)
}

fn new_secret(bytes: &[u8; TOKEN_ENTROPY_BYTES]) -> (AuthToken, StoredSecret) {
    let token = AuthToken::from_entropy(bytes);
    let secret = StoredSecret {
        digest: token.digest(),
        previous: None,
    };
    (token, secret)
}

/// The name of a duplicate: "X (copy)", shortened so it stays within the limit.
pub fn copy_name(name: &str) -> String {
    const SUFFIX: &str = " (copy)";
    let room = MAX_TOKEN_NAME_LEN - SUFFIX.chars().count();
    let base: String = name.chars().take(room).collect();
    format!("{}{SUFFIX}", base.trim_end())
}

/// Creates a token from the wizard's draft.
pub fn create(
    draft: &TokenDraft,
    ctx: &AccountContext<'_>,
    seed: &CredentialSeed,
    now: Timestamp,
) -> Result<Issued, TokenError> {
    let api_version = draft.api_version.unwrap_or_default();
    let name = check_name(&draft.name)?;
    let description = check_description(&draft.description)?;
    let primary_contact = check_contact(&draft.primary_contact, ctx)?;
    let developer_emails = check_emails(&draft.developer_emails)?;
    let scopes = check_scopes(&draft.scopes, ctx.account_type, api_version)?;
    let expires_at = check_expiry(draft.expires_at, now, ctx.max_lifetime_days)?;
    let allowed_ips = check_allowed_ips(&draft.allowed_ips)?;
    let rate_limit = check_rate_limit(draft.rate_limit)?;
    let (auth_token, secret) = new_secret(&seed.token);
    let record = TokenRecord {
        schema: SCHEMA_VERSION,
        sid: AccountSid::from_entropy(&seed.sid),
        account_id: ctx.account_id.to_owned(),
        name,
        description,
        api_version,
        primary_contact,
        developer_emails,
        scopes,
        enabled: true,
        created_at: now,
        updated_at: now,
        rotated_at: now,
        secret,
        sealed_auth_token: None,
        revision: 1,
        expires_at,
        allowed_ips,
        rate_limit,
        leak: None,
        unsubscribed: Vec::new(),
    };
    Ok(Issued { record, auth_token })
}

fn own(record: &TokenRecord, ctx: &AccountContext<'_>) -> Result<(), TokenError> {
    if record.account_id == ctx.account_id {
        Ok(())
    } else {
        Err(TokenError::WrongAccount)
    }
}

/// Applies an edit: only the fields present change. An empty edit changes nothing.
pub fn edit(
    record: &TokenRecord,
    changes: &TokenEdit,
    ctx: &AccountContext<'_>,
    now: Timestamp,
) -> Result<TokenRecord, TokenError> {
    own(record, ctx)?;
    let mut next = record.clone();
    if let Some(name) = &changes.name {
        next.name = check_name(name)?;
    }
    if let Some(description) = &changes.description {
        next.description = check_description(description)?;
    }
    if let Some(contact) = &changes.primary_contact {
        next.primary_contact = check_contact(contact, ctx)?;
    }
    if let Some(emails) = &changes.developer_emails {
        next.developer_emails = check_emails(emails)?;
    }
    if let Some(scopes) = &changes.scopes {
        next.scopes = check_scopes(scopes, ctx.account_type, record.api_version)?;
    }
    // An expiry set now must fit the account's lifetime limit, counted from now.
    if let Some(expires_at) = changes.expires_at {
        next.expires_at = check_expiry(expires_at, now, ctx.max_lifetime_days)?;
    }
    if let Some(ips) = &changes.allowed_ips {
        next.allowed_ips = check_allowed_ips(ips)?;
    }
    if let Some(limit) = changes.rate_limit {
        next.rate_limit = check_rate_limit(limit)?;
    }
    if next != *record {
        next.updated_at = now;
        next.revision = successor(record.revision);
    }
    Ok(next)
}

/// A new token with the same access and settings, new credentials and a "(copy)" name.
pub fn duplicate(
    record: &TokenRecord,
    ctx: &AccountContext<'_>,
    seed: &CredentialSeed,
    now: Timestamp,
) -> Result<Issued, TokenError> {
    own(record, ctx)?;
    let draft = TokenDraft {
        name: copy_name(&record.name),
        description: record.description.clone(),
        api_version: Some(record.api_version),
        primary_contact: record.primary_contact.clone(),
        developer_emails: record.developer_emails.clone(),
        scopes: record.scopes.iter().cloned().collect(),
        expires_at: record.expires_at,
        allowed_ips: record.allowed_ips.clone(),
        rate_limit: record.rate_limit,
    };
    create(&draft, ctx, seed, now)
}

/// Issues a new auth token. With a grace period the previous token keeps verifying
/// until `now + grace`; a token older than that (from an earlier reset) stops at once.
pub fn reset(
    record: &TokenRecord,
    ctx: &AccountContext<'_>,
    token_entropy: &[u8; TOKEN_ENTROPY_BYTES],
    grace: GracePeriod,
    now: Timestamp,
) -> Result<Issued, TokenError> {
    own(record, ctx)?;
    let current_leaked = record
        .leak
        .as_ref()
        .is_some_and(|l| l.secret == crate::leak::LeakedSecret::Current);
    if current_leaked && grace != GracePeriod::None {
        return Err(TokenError::LeakedGrace);
    }
    let (auth_token, mut secret) = new_secret(token_entropy);
    if grace != GracePeriod::None {
        secret.previous = Some(PreviousSecret {
            digest: record.secret.digest,
            valid_until: now.plus(grace.span()),
        });
    }
    let mut next = record.clone();
    next.secret = secret;
    // Whichever secret leaked is gone now: the previous one (if any) is the one just replaced.
    next.leak = None;
    next.sealed_auth_token = None;
    next.rotated_at = now;
    next.updated_at = now;
    next.revision = successor(record.revision);
    Ok(Issued {
        record: next,
        auth_token,
    })
}

/// [`reset`], also setting a new expiry when `expires_at` is given (`Some(None)`: never),
/// checked against the account's lifetime limit.
pub fn reset_with_expiry(
    record: &TokenRecord,
    ctx: &AccountContext<'_>,
    token_entropy: &[u8; TOKEN_ENTROPY_BYTES],
    grace: GracePeriod,
    expires_at: Option<Option<Timestamp>>,
    now: Timestamp,
) -> Result<Issued, TokenError> {
    let mut issued = reset(record, ctx, token_entropy, grace, now)?;
    if let Some(e) = expires_at {
        issued.record.expires_at = check_expiry(e, now, ctx.max_lifetime_days)?;
    }
    Ok(issued)
}

/// Moves the token to a newer API version (the latest when `target` is `None`).
pub fn upgrade(
    record: &TokenRecord,
    ctx: &AccountContext<'_>,
    target: Option<ApiVersion>,
    now: Timestamp,
) -> Result<TokenRecord, TokenError> {
    own(record, ctx)?;
    let to = target.unwrap_or_else(ApiVersion::latest);
    if to < record.api_version {
        return Err(TokenError::Downgrade {
            from: record.api_version,
            to,
        });
    }
    if to == record.api_version {
        return Err(TokenError::AlreadyAtVersion { version: to });
    }
    // Later versions only add scopes, but check anyway so a catalog change that removed
    // one would be caught here rather than at the edge.
    let scopes: Vec<String> = record.scopes.iter().cloned().collect();
    let scopes = check_scopes(&scopes, ctx.account_type, to)?;
    let mut next = record.clone();
    next.api_version = to;
    next.scopes = scopes;
    next.updated_at = now;
    next.revision = successor(record.revision);
    Ok(next)
}

/// Turns a token off: it fails verification from the next request on.
pub fn disable(
    record: &TokenRecord,
    ctx: &AccountContext<'_>,
    now: Timestamp,
) -> Result<TokenRecord, TokenError> {
    own(record, ctx)?;
    if !record.enabled {
        return Err(TokenError::AlreadyDisabled);
    }
    let mut next = record.clone();
    next.enabled = false;
    next.updated_at = now;
    next.revision = successor(record.revision);
    Ok(next)
}

/// Turns a disabled token back on.
pub fn enable(
    record: &TokenRecord,
    ctx: &AccountContext<'_>,
    now: Timestamp,
) -> Result<TokenRecord, TokenError> {
    own(record, ctx)?;
    if record.enabled {
        return Err(TokenError::AlreadyEnabled);
    }
    if record
        .leak
        .as_ref()
        .is_some_and(|l| l.secret == crate::leak::LeakedSecret::Current)
    {
        return Err(TokenError::Leaked);
    }
    let mut next = record.clone();
    next.enabled = true;
    next.updated_at = now;
    next.revision = successor(record.revision);
    Ok(next)
}

/// Stops a developer e-mail's notifications about the token; `None` when `email` is not
/// one of its developer e-mails or already unsubscribed (the primary contact cannot).
pub fn unsubscribe(record: &TokenRecord, email: &str, now: Timestamp) -> Option<TokenRecord> {
    let key = email_key(email.trim());
    let listed = record.developer_emails.iter().any(|e| email_key(e) == key);
    if !listed || record.unsubscribed.iter().any(|e| email_key(e) == key) {
        return None;
    }
    let mut next = record.clone();
    next.unsubscribed.push(key);
    next.updated_at = now;
    next.revision = successor(record.revision);
    Some(next)
}

/// What remains of a deleted token: enough for the audit log, no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub sid: AccountSid,
    pub account_id: String,
    pub name: String,
    pub deleted_at: Timestamp,
    /// The revision the deletion is (the record's next): the tombstone's in the replica.
    pub revision: crate::revision::Revision,
}

/// Deletes a token. The storage shell removes the record; verification then finds no
/// record and denies.
pub fn delete(
    record: &TokenRecord,
    ctx: &AccountContext<'_>,
    now: Timestamp,
) -> Result<Deleted, TokenError> {
    own(record, ctx)?;
    Ok(Deleted {
        sid: record.sid.clone(),
        account_id: record.account_id.clone(),
        name: record.name.clone(),
        deleted_at: now,
        revision: successor(record.revision),
    })
}

/// The record without its sealed auth token (an account switched to show-once keeps no
/// ciphertext), or `None` when it had none.
pub fn drop_sealed(record: &TokenRecord) -> Option<TokenRecord> {
    record.sealed_auth_token.as_ref()?;
    let mut next = record.clone();
    next.sealed_auth_token = None;
    next.revision = successor(record.revision);
    Some(next)
}

/// Whether a use at `now` should be written, given when the last use was written.
///
/// Last use is kept apart from the token record (so recording it can never overwrite a
/// concurrent admin change) and written at most once per [`LAST_USED_RESOLUTION`].
pub fn should_record_use(last_written: Option<Timestamp>, now: Timestamp) -> bool {
    match last_written {
        None => true,
        Some(t) => now.since(t) >= LAST_USED_RESOLUTION,
    }
}

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

mod error;
mod nudge;
pub use error::TokenError;
pub use nudge::{NEVER_USED_AFTER, Nudge, nudges};

#[cfg(test)]
pub(crate) mod tests;

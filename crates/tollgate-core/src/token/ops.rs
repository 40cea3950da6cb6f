//! Every operation on a token record, as a pure function.

use super::checks::{check_contact, check_description, check_emails, check_name, check_scopes};
use super::{
    AccountContext, GracePeriod, Issued, LAST_USED_RESOLUTION, PreviousSecret, SCHEMA_VERSION,
    StoredSecret, TokenChanges, TokenError, TokenRecord, TokenSpec, copy_name,
};
use crate::credential::{AccountSid, AuthToken, CredentialSeed, TOKEN_ENTROPY_BYTES};
use crate::email::email_key;
use crate::policy::{check_allowed_ips, check_expiry, check_rate_limit};
use crate::revision::{Revision, successor};
use crate::time::Timestamp;
use crate::version::ApiVersion;

fn new_secret(bytes: &[u8; TOKEN_ENTROPY_BYTES]) -> (AuthToken, StoredSecret) {
    let token = AuthToken::from_entropy(bytes);
    let secret = StoredSecret {
        digest: token.digest(),
        previous: None,
    };
    (token, secret)
}

/// Creates a token from the wizard's settings.
pub fn create(
    draft: &TokenSpec,
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
    changes: &TokenChanges,
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
    let mut spec = record.spec();
    spec.name = copy_name(&record.name);
    create(&spec, ctx, seed, now)
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
    if record.current_secret_leaked() && grace != GracePeriod::None {
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
    if record.current_secret_leaked() {
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
    pub revision: Revision,
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

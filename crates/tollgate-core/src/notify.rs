//! Notifications to the people on a token: its primary contact (a user of the account) and
//! its developer e-mails, each once, each in their language.
//!
//! The account's object decides the events and the recipients ([`recipients`]) and writes
//! one message per recipient ([`compose`], texts in [`text`]) in the same transaction as the
//! change. After the commit they go to a queue whose consumer posts each to an HTTP mail
//! API ([`MailMessage`]); the object's row is the message's state ([`Delivery`]), claimed
//! before each send ([`may_send`]) so that no event's e-mail goes out twice.

use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::account::{AccountRecord, UserRecord};
use crate::email::email_key;
use crate::language::Language;
use crate::time::{Span, Timestamp};
use crate::token::TokenRecord;
use crate::version::ApiVersion;
use crate::wire_name::named_enum;

mod letters;
pub mod text;
pub use letters::{Letter, Occasion, Postage, letters, unsubscribe_link};

/// Tokens expiring within this span get their "expires soon" notice (once per expiry).
pub const EXPIRY_NOTICE: Span = Span::days(7);
/// Sends of one message (the first and the retries) before it is dead-lettered; the queue's
/// `max_retries` in `wrangler.toml` is this minus one.
pub const MAX_ATTEMPTS: u32 = 4;
/// A claimed message whose sender has not reported back for this long may be sent again.
pub const CLAIM_LEASE: Span = Span::minutes(2);
/// The most notifications one page lists.
pub const PAGE_LIMIT: usize = 50;

/// The seconds before retry `attempt` (1 after the first failure): 2, 4, 8, … at most 300.
pub fn retry_delay_secs(attempt: u32) -> u32 {
    2u32.saturating_pow(attempt.clamp(1, 9)).min(300)
}

/// What happened to a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Created,
    Reset,
    Disabled,
    Enabled,
    Deleted,
    Upgraded {
        from: ApiVersion,
        to: ApiVersion,
    },
    Leaked {
        url: String,
        source: String,
        stopped: bool,
    },
    Expiring {
        at: Timestamp,
    },
    ScopesChanged {
        added: Vec<String>,
        removed: Vec<String>,
    },
}

named_enum! {
    /// The kind of an [`Event`], as the Notifications page lists it.
    #[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum EventKind {
        TokenCreated,
        TokenReset,
        TokenDisabled,
        TokenEnabled,
        TokenDeleted,
        TokenUpgraded,
        TokenLeaked,
        TokenExpiring,
        ScopesChanged,
    }
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Created => EventKind::TokenCreated,
            Event::Reset => EventKind::TokenReset,
            Event::Disabled => EventKind::TokenDisabled,
            Event::Enabled => EventKind::TokenEnabled,
            Event::Deleted => EventKind::TokenDeleted,
            Event::Upgraded { .. } => EventKind::TokenUpgraded,
            Event::Leaked { .. } => EventKind::TokenLeaked,
            Event::Expiring { .. } => EventKind::TokenExpiring,
            Event::ScopesChanged { .. } => EventKind::ScopesChanged,
        }
    }
}

/// The scope change between two versions of a token, if its scopes changed.
pub fn scope_change(before: &TokenRecord, after: &TokenRecord) -> Option<Event> {
    let added: Vec<String> = after.scopes.difference(&before.scopes).cloned().collect();
    let removed: Vec<String> = before.scopes.difference(&after.scopes).cloned().collect();
    (!added.is_empty() || !removed.is_empty()).then_some(Event::ScopesChanged { added, removed })
}

named_enum! {
    /// Why someone gets a token's notifications.
    #[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "typescript", ts(rename = "RecipientRole"))]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        /// The account's contact of record for the token: cannot unsubscribe.
        PrimaryContact,
        /// A developer e-mail on the token: may unsubscribe.
        Developer,
    }
}

/// One person to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    pub language: Language,
    pub role: Role,
}

/// The token's primary contact (in the user's language, else the account's) and each of its
/// developer e-mails that did not unsubscribe (in the account's language), each address once.
pub fn recipients(
    token: &TokenRecord,
    users: &[UserRecord],
    account: &AccountRecord,
) -> Vec<Recipient> {
    let mut out: Vec<Recipient> = Vec::new();
    if let Some(u) = users
        .iter()
        .find(|u| u.id == token.primary_contact && u.enabled)
    {
        out.push(Recipient {
            email: u.email.clone(),
            language: u.locale.unwrap_or(account.language),
            role: Role::PrimaryContact,
        });
    }
    for e in &token.developer_emails {
        let key = email_key(e);
        let muted = token.unsubscribed.iter().any(|m| email_key(m) == key);
        if muted || out.iter().any(|r| email_key(&r.email) == key) {
            continue;
        }
        out.push(Recipient {
            email: e.clone(),
            language: account.language,
            role: Role::Developer,
        });
    }
    out
}

/// What every message about a change names.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub account_name: &'a str,
    pub token_name: &'a str,
    pub sid: &'a str,
    /// Who made the change (an e-mail, or the scanner's name).
    pub actor: &'a str,
    pub at: Timestamp,
}

/// One e-mail, written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub language: Language,
    pub subject: String,
    pub text: String,
}

/// The message for `to` about `event`; `unsubscribe` is the developer's signed link.
pub fn compose(
    event: &Event,
    facts: &Facts<'_>,
    to: &Recipient,
    unsubscribe: Option<&str>,
) -> Mail {
    let (subject, what) = text::describe(event, facts, to.language);
    let text = text::body(&what, facts, to, unsubscribe);
    Mail {
        to: to.email.clone(),
        language: to.language,
        subject,
        text,
    }
}

named_enum! {
    /// Where a message is.
    #[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Delivery {
        /// No mail API is configured: kept in the account's outbox, shown in the admin app.
        Kept,
        /// Written with the change, not yet handed to the queue.
        Pending,
        /// On the queue.
        Queued,
        /// A sender claimed it and is posting it.
        Sending,
        /// The mail API took it.
        Sent,
        /// Every attempt failed; it went to the dead-letter queue.
        Failed,
    }
}

/// Whether a sender may post a message now: it is on its way and nobody else is sending it
/// (or whoever claimed it has been silent for longer than [`CLAIM_LEASE`]).
pub fn may_send(state: Delivery, claimed_at: Option<Timestamp>, now: Timestamp) -> bool {
    match state {
        Delivery::Pending | Delivery::Queued => true,
        Delivery::Sending => claimed_at.is_none_or(|t| now.since(t) >= CLAIM_LEASE),
        Delivery::Kept | Delivery::Sent | Delivery::Failed => false,
    }
}

/// The JSON posted to `MAIL_API_URL` (with `Authorization: Bearer MAIL_API_TOKEN` and
/// `Idempotency-Key: {id}`): a plain-text transactional e-mail.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailMessage {
    /// The message's id: the same on every retry, so a provider can drop a repeat.
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// `en`, `ja` or `zh`.
    pub language: Language,
    /// Headers for the message: `List-Unsubscribe` and `List-Unsubscribe-Post` for
    /// developer e-mails (RFC 8058 one-click), nothing for the primary contact.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
}

/// A notification as the admin app lists it.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationView {
    pub id: String,
    pub at: Timestamp,
    pub event: EventKind,
    pub sid: String,
    pub token_name: String,
    pub recipient: String,
    pub role: Role,
    pub language: Language,
    pub subject: String,
    pub text: String,
    pub actor: String,
    pub delivery: Delivery,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub updated_at: Timestamp,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationPage {
    pub entries: Vec<NotificationView>,
    pub next_cursor: Option<String>,
    /// Whether a mail API is configured (otherwise every message is kept here).
    pub mail_configured: bool,
}

// ---------------------------------------------------------------- unsubscribe links

/// The signature of an unsubscribe link: HMAC-SHA256 over account, SID and e-mail, in
/// base64url. `key` is the deployment's link key (derived by the Worker from its secrets).
pub fn unsubscribe_tag(key: &[u8], account_id: &str, sid: &str, email: &str) -> String {
    use base64::Engine as _;
    let tag = link_mac(key, account_id, sid, email)
        .finalize()
        .into_bytes();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag)
}

/// Whether `tag` signs this account, SID and e-mail (constant-time).
pub fn unsubscribe_tag_valid(
    key: &[u8],
    account_id: &str,
    sid: &str,
    email: &str,
    tag: &str,
) -> bool {
    use base64::Engine as _;
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag.trim()) else {
        return false;
    };
    link_mac(key, account_id, sid, email)
        .verify_slice(&bytes)
        .is_ok()
}

fn link_mac(key: &[u8], account_id: &str, sid: &str, email: &str) -> Hmac<Sha256> {
    // A key of any length is accepted by HMAC.
    let mut mac =
        <Hmac<Sha256> as hmac::Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_mac());
    for part in [
        "tollgate-unsubscribe-v1",
        account_id,
        sid,
        &email_key(email),
    ] {
        mac.update(&(part.len() as u32).to_be_bytes());
        mac.update(part.as_bytes());
    }
    mac
}

/// HMAC takes keys of every length, so this is never reached; it keeps `new_from_slice`'s
/// error path free of a panic.
fn unreachable_mac() -> Hmac<Sha256> {
    <Hmac<Sha256> as hmac::digest::KeyInit>::new(&Default::default())
}

/// Derives the unsubscribe-link key from a deployment secret (`TOKEN_ENCRYPTION_KEY`'s
/// bytes), so the links need no secret of their own and never reuse the key itself.
pub fn link_key(secret: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as hmac::Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable_mac());
    mac.update(b"tollgate unsubscribe link key");
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests;

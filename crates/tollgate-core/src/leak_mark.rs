//! What a token keeps of a reported leak, and what an account does about one: the types a
//! token record and an account record hold (the report protocol itself is [`crate::leak`]).

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// What an account does when one of its tokens is reported leaked.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakPolicy {
    /// Stop the leaked secret at once (the token is disabled; a leaked previous secret loses
    /// its grace), and tell the people on the token.
    #[default]
    Disable,
    /// Only mark the token and tell the people on it.
    Notify,
}

/// Which of a token's secrets leaked.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakedSecret {
    Current,
    /// The previous auth token, still in its grace period after a reset.
    Previous,
}

/// A leak on record: where the scanner found the token and what was done.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeakMark {
    pub reported_at: Timestamp,
    /// The public URL the scanner reported (cut to `leak::MAX_URL_LEN`).
    pub url: String,
    /// Where in that place it was found (`content`, `commit`, …).
    pub source: String,
    pub secret: LeakedSecret,
    /// Whether the leaked secret was stopped (policy `disable`).
    pub stopped: bool,
}

impl LeakMark {
    /// The URL, when it is safe to offer as a link (`https:` or `http:` only).
    pub fn link(&self) -> Option<&str> {
        safe_link(&self.url)
    }

    /// Whether the current auth token is the one that leaked (it must be reset before the
    /// token works again).
    pub fn of_current(&self) -> bool {
        self.secret == LeakedSecret::Current
    }
}

/// `url` when it is an `https:` or `http:` URL, the only ones shown as links.
pub fn safe_link(url: &str) -> Option<&str> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

//! Leaked auth tokens: the reports of a secret scanner (GitHub's secret-scanning partner
//! protocol), what each reported string is, and what a leak does to a token.
//!
//! A report is a JSON array of matches (`token`, `type`, `url`, `source`), signed by the
//! scanner (see [`signature`]). A string that fails the Auth Token format or its CRC-32
//! checksum is a false positive without any lookup; otherwise its SHA-256 digest is looked
//! up and, if it is a live secret of a token (current, or previous within its grace), the
//! account's [`LeakPolicy`] is applied by [`respond`]. The answer is the protocol's
//! feedback: per match its SHA-256 hex, its type and `true_positive` or `false_positive` —
//! nothing that says which account, if any, the string belongs to.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::credential::{AuthToken, Digest};
use crate::error_code::{ErrorCode, Refusal};
use crate::leak_mark::{LeakMark, LeakPolicy, LeakedSecret};
use crate::revision::successor;
use crate::time::Timestamp;
use crate::token::TokenRecord;

pub mod signature;

/// The largest report body read, in bytes.
pub const MAX_REPORT_BYTES: usize = 1 << 20;
/// The most matches one report may carry (GitHub batches far fewer).
pub const MAX_MATCHES: usize = 1_000;
/// Longest kept reported URL and source (longer ones are cut).
pub const MAX_URL_LEN: usize = 2_048;
pub const MAX_SOURCE_LEN: usize = 64;
/// Who the audit log names as the actor of a leak report.
pub const REPORTER_ID: &str = "github_secret_scanning";
pub const REPORTER_NAME: &str = "GitHub secret scanning";
/// The token type Tollgate registers with the scanner.
pub const TOKEN_TYPE: &str = "tollgate_auth_token";

/// One match of a report, as the scanner sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReportedMatch {
    pub token: String,
    #[serde(rename = "type", default)]
    pub token_type: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub source: String,
}

/// Why a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReportError {
    #[error("a report has at most {max} bytes")]
    TooLarge { max: usize },
    #[error("a report is a JSON array of {{token, type, url, source}} objects: {0}")]
    Malformed(String),
    #[error("a report has at most {max} matches; send the rest in another request")]
    TooMany { max: usize },
}

impl Refusal for ReportError {
    fn code(&self) -> ErrorCode {
        match self {
            ReportError::TooLarge { .. } => ErrorCode::ReportTooLarge,
            ReportError::Malformed(_) => ErrorCode::InvalidReport,
            ReportError::TooMany { .. } => ErrorCode::TooManyMatches,
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            ReportError::TooLarge { max } | ReportError::TooMany { max } => {
                vec![("max", max.to_string())]
            }
            ReportError::Malformed(_) => Vec::new(),
        }
    }
}

/// Reads a report body.
pub fn parse_report(body: &[u8]) -> Result<Vec<ReportedMatch>, ReportError> {
    if body.len() > MAX_REPORT_BYTES {
        return Err(ReportError::TooLarge {
            max: MAX_REPORT_BYTES,
        });
    }
    let matches: Vec<ReportedMatch> =
        serde_json::from_slice(body).map_err(|e| ReportError::Malformed(e.to_string()))?;
    if matches.len() > MAX_MATCHES {
        return Err(ReportError::TooMany { max: MAX_MATCHES });
    }
    Ok(matches)
}

/// The digest to look up for a reported string, or `None` when it cannot be an Auth Token
/// (wrong format or checksum): a false positive without any lookup.
pub fn candidate(reported: &str) -> Option<Digest> {
    AuthToken::parse(reported).ok().map(|t| t.digest())
}

/// The protocol's verdict on one match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    TruePositive,
    FalsePositive,
}

/// The feedback on one match: its SHA-256 hex, its type and the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub token_hash: String,
    pub token_type: String,
    pub label: Label,
}

/// The feedback on `m`, a true positive when it matched a live secret.
pub fn feedback(m: &ReportedMatch, live: bool) -> Feedback {
    Feedback {
        token_hash: Digest::of(m.token.as_bytes()).to_hex(),
        token_type: m.token_type.clone(),
        label: if live {
            Label::TruePositive
        } else {
            Label::FalsePositive
        },
    }
}

/// Which live secret of `record` has `digest`, if any.
pub fn leaked_secret(
    record: &TokenRecord,
    digest: &Digest,
    now: Timestamp,
) -> Option<LeakedSecret> {
    if record.secret.digest.ct_eq(digest) {
        return Some(LeakedSecret::Current);
    }
    match &record.secret.previous {
        Some(p) if p.digest.ct_eq(digest) && now < p.valid_until => Some(LeakedSecret::Previous),
        _ => None,
    }
}

/// What a report does to a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// The digest is no live secret of the token: a false positive.
    NotLive,
    /// The same leak (secret and URL) is on record already: nothing changes.
    Known,
    /// The record to store, and the leak now on it.
    Marked(Box<TokenRecord>, LeakMark),
}

/// One report of `digest` against `record` under `policy`.
pub fn respond(
    record: &TokenRecord,
    digest: &Digest,
    m: &ReportedMatch,
    policy: LeakPolicy,
    now: Timestamp,
) -> Response {
    let Some(secret) = leaked_secret(record, digest, now) else {
        return Response::NotLive;
    };
    let url = clip(&m.url, MAX_URL_LEN);
    if record
        .leak
        .as_ref()
        .is_some_and(|l| l.secret == secret && l.url == url)
    {
        return Response::Known;
    }
    let stop = policy == LeakPolicy::Disable;
    let mut next = record.clone();
    if stop {
        match secret {
            LeakedSecret::Current => next.enabled = false,
            LeakedSecret::Previous => next.secret.previous = None,
        }
    }
    let mark = LeakMark {
        reported_at: now,
        url,
        source: clip(&m.source, MAX_SOURCE_LEN),
        secret,
        stopped: stop,
    };
    next.leak = Some(mark.clone());
    next.updated_at = now;
    next.revision = successor(record.revision);
    Response::Marked(Box::new(next), mark)
}

/// `s` without control characters, at most `max` bytes (cut on a character boundary).
fn clip(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;

//! Idempotent retries of `POST` create, duplicate and reset: a client that sends an
//! `Idempotency-Key` and retries (after a timeout, a dropped connection) gets exactly the
//! first answer again — the same SID and Auth Token — and nothing happens twice.

use crate::credential::Digest;
use crate::time::{Span, Timestamp};
use thiserror::Error;

use crate::error_code::{ErrorCode, Refusal};

/// How long an answer is kept for replay.
pub const KEEP_FOR: Span = Span::hours(24);
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdempotencyError {
    #[error("Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID")]
    InvalidKey,
    #[error(
        "this Idempotency-Key was used for a different request: use a new key for a new request"
    )]
    KeyReused,
}

impl Refusal for IdempotencyError {
    fn code(&self) -> ErrorCode {
        match self {
            IdempotencyError::InvalidKey => ErrorCode::InvalidIdempotencyKey,
            IdempotencyError::KeyReused => ErrorCode::IdempotencyKeyReused,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some("Idempotency-Key")
    }
}

/// Checks an `Idempotency-Key` header value (a structured-field string in the IETF draft;
/// quotes around it are accepted and removed).
pub fn check_key(raw: &str) -> Result<String, IdempotencyError> {
    let key = raw.trim();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(key);
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(IdempotencyError::InvalidKey);
    }
    Ok(key.to_owned())
}

/// A keyed request: the key it is kept under (scoped to the user who sent it) and its
/// fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed {
    pub key: String,
    pub fingerprint: String,
}

/// The request's key and fingerprint when it carries an `Idempotency-Key` header.
pub fn keyed(
    header: Option<&str>,
    user_id: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<Option<Keyed>, IdempotencyError> {
    let Some(raw) = header else { return Ok(None) };
    let key = check_key(raw)?;
    Ok(Some(Keyed {
        key: format!("{user_id}:{key}"),
        fingerprint: fingerprint(user_id, method, path, body),
    }))
}

/// What identifies a request for replay: who sent it, the method, the path and the body.
pub fn fingerprint(user_id: &str, method: &str, path: &str, body: &[u8]) -> String {
    let mut data = Vec::with_capacity(body.len() + 96);
    for part in [user_id.as_bytes(), method.as_bytes(), path.as_bytes()] {
        data.extend_from_slice(&(part.len() as u64).to_be_bytes());
        data.extend_from_slice(part);
    }
    data.extend_from_slice(body);
    Digest::of(&data).to_hex()
}

/// What to do with a keyed request, given what is kept under its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// First time (or the kept answer has expired): run it and keep the answer.
    Run,
    /// A retry of the same request: answer what was kept.
    Replay,
}

/// Decides for a keyed request. `kept` is the fingerprint and time of the kept answer.
pub fn decide(
    kept: Option<(&str, Timestamp)>,
    fingerprint: &str,
    now: Timestamp,
) -> Result<Outcome, IdempotencyError> {
    match kept {
        Some((_, at)) if now.since(at) >= KEEP_FOR => Ok(Outcome::Run),
        Some((f, _)) if f == fingerprint => Ok(Outcome::Replay),
        Some(_) => Err(IdempotencyError::KeyReused),
        None => Ok(Outcome::Run),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(check_key("\"abc-1\""), Ok("abc-1".into()));
        assert_eq!(check_key(" 5f0c "), Ok("5f0c".into()));
        assert_eq!(check_key(""), Err(IdempotencyError::InvalidKey));
        assert_eq!(check_key("a b"), Err(IdempotencyError::InvalidKey));
        assert_eq!(
            check_key(&"k".repeat(256)),
            Err(IdempotencyError::InvalidKey)
        );
    }

    #[test]
    fn replay_same_refuse_different_expire_after_a_day() {
        let f = fingerprint("u", "POST", "/api/tokens", b"{}");
        let g = fingerprint("u", "POST", "/api/tokens", b"{ }");
        assert_ne!(f, g);
        assert_ne!(
            fingerprint("u", "POST", "/a", b"b"),
            fingerprint("u", "POST", "/ab", b"")
        );
        let t = Timestamp(1_000);
        assert_eq!(decide(None, &f, t), Ok(Outcome::Run));
        assert_eq!(
            decide(Some((&f, t)), &f, t.plus(Span::HOUR)),
            Ok(Outcome::Replay)
        );
        assert_eq!(
            decide(Some((&f, t)), &g, t.plus(Span::HOUR)),
            Err(IdempotencyError::KeyReused)
        );
        assert_eq!(
            decide(Some((&f, t)), &g, t.plus(KEEP_FOR)),
            Ok(Outcome::Run)
        );
    }
}

//! Auth tokens at rest: AES-256-GCM under the `TOKEN_ENCRYPTION_KEY` secret, with the
//! token's SID as associated data so a ciphertext cannot be moved to another token.
//! Stored as `v1.` + base64(nonce || ciphertext).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tollgate_core::credential::AuthToken;
use worker::Env;

use crate::error::{ApiError, ApiResult};
use crate::random;

fn cipher(env: &Env) -> ApiResult<Aes256Gcm> {
    let raw = env
        .secret("TOKEN_ENCRYPTION_KEY")
        .map(|s| s.to_string())
        .map_err(|_| {
            worker::console_error!("TOKEN_ENCRYPTION_KEY is not set");
            ApiError::unavailable()
        })?;
    let key = STANDARD
        .decode(raw.trim())
        .map_err(|_| ApiError::unavailable())?;
    Aes256Gcm::new_from_slice(&key).map_err(|_| {
        worker::console_error!("TOKEN_ENCRYPTION_KEY must be 32 bytes, base64-encoded");
        ApiError::unavailable()
    })
}

pub fn seal(env: &Env, sid: &str, token: &AuthToken) -> ApiResult<String> {
    seal_text(env, sid, token.expose())
}

/// Seals any secret-bearing text (a kept idempotent answer) with `context` as associated data.
pub fn seal_text(env: &Env, context: &str, text: &str) -> ApiResult<String> {
    let nonce = random::bytes::<12>()?;
    let ct = cipher(env)?
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: text.as_bytes(),
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| ApiError::unavailable())?;
    let mut blob = nonce.to_vec();
    blob.extend_from_slice(&ct);
    Ok(format!("v1.{}", STANDARD.encode(blob)))
}

pub fn open(env: &Env, sid: &str, sealed: &str) -> ApiResult<String> {
    let blob = sealed
        .strip_prefix("v1.")
        .and_then(|b| STANDARD.decode(b).ok())
        .filter(|b| b.len() > 12)
        .ok_or_else(ApiError::unavailable)?;
    let (nonce, ct) = blob.split_at(12);
    let pt = cipher(env)?
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: sid.as_bytes(),
            },
        )
        .map_err(|_| ApiError::unavailable())?;
    String::from_utf8(pt).map_err(|_| ApiError::unavailable())
}

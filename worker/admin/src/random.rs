//! Random bytes and identifiers from the platform's CSPRNG (`crypto.getRandomValues`).

use tollgate_core::credential::CredentialSeed;

use crate::error::{ApiError, ApiResult};

pub fn bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::getrandom(&mut out).map_err(|_| ApiError::unavailable())?;
    Ok(out)
}

pub fn seed() -> ApiResult<CredentialSeed> {
    Ok(CredentialSeed::from_bytes(&bytes::<48>()?))
}

/// A random identifier: `prefix` + 20 lowercase hex characters (80 bits).
pub fn id(prefix: &str) -> ApiResult<String> {
    let b = bytes::<10>()?;
    let mut s = String::from(prefix);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    Ok(s)
}

/// A random URL-safe secret of 32 bytes (session ids, CSRF tokens).
pub fn secret_string() -> ApiResult<String> {
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes::<32>()?))
}

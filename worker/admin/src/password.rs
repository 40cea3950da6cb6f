//! Password hashing with Argon2id (m = 19 MiB, t = 2, p = 1), stored as a PHC string.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{ApiError, ApiResult};
use crate::random;

fn hasher() -> ApiResult<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|_| ApiError::unavailable())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash(password: &str) -> ApiResult<String> {
    let salt =
        SaltString::encode_b64(&random::bytes::<16>()?).map_err(|_| ApiError::unavailable())?;
    let phc = hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| ApiError::unavailable())?;
    Ok(phc.to_string())
}

/// Checks a password. With no stored hash (unknown user) a dummy hash is still computed,
/// so the answer takes as long either way.
pub fn verify(password: &str, stored: Option<&str>) -> ApiResult<bool> {
    let h = hasher()?;
    match stored.and_then(|s| PasswordHash::new(s).ok()) {
        Some(parsed) => Ok(h.verify_password(password.as_bytes(), &parsed).is_ok()),
        None => {
            let _ = hash(password)?;
            Ok(false)
        }
    }
}

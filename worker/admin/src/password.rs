//! Password hashing with Argon2id (m = 19 MiB, t = 2, p = 1), stored as a PHC string: the
//! platform side of the core's `Passwords` (the core decides when, this does how).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tollgate_core::admin::sign_in::Passwords;
use tollgate_core::error_code::Failure;

use crate::random;

/// Argon2id with the platform's CSPRNG for salts.
#[derive(Debug, Clone, Copy)]
pub struct Argon;

fn hasher() -> Result<Argon2<'static>, Failure> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|_| Failure::unavailable())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

impl Passwords for Argon {
    /// With no stored hash (an unknown user) a hash is still computed, so the answer takes
    /// as long either way.
    fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, Failure> {
        let h = hasher()?;
        match stored.and_then(|s| PasswordHash::new(s).ok()) {
            Some(parsed) => Ok(h.verify_password(password.as_bytes(), &parsed).is_ok()),
            None => {
                let _ = self.hash(password)?;
                Ok(false)
            }
        }
    }

    fn hash(&self, password: &str) -> Result<String, Failure> {
        let bytes = random::bytes::<16>().map_err(|e| *e.0)?;
        let salt = SaltString::encode_b64(&bytes).map_err(|_| Failure::unavailable())?;
        let phc = hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map_err(|_| Failure::unavailable())?;
        Ok(phc.to_string())
    }
}

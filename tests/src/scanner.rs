//! A stand-in for GitHub's secret scanning in tests: a P-256 key pair made for the run, its
//! public key in GitHub's key-list JSON (for `SECRET_SCANNING_KEYS`), and reports signed as
//! GitHub signs them (ECDSA P-256 with SHA-256 over the raw body, DER, base64).

use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use serde_json::{Value, json};

use crate::{Answer, Result, send};

/// The key identifier the tests' key list uses.
pub const KEY_ID: &str = "tollgate-test-key";

#[derive(Debug, Clone)]
pub struct Scanner {
    key: SigningKey,
}

impl Scanner {
    /// A new key pair from the OS's random bytes.
    pub fn new() -> Result<Scanner> {
        use std::io::Read as _;
        let mut f = std::fs::File::open("/dev/urandom").map_err(|e| e.to_string())?;
        loop {
            let mut bytes = [0u8; 32];
            f.read_exact(&mut bytes).map_err(|e| e.to_string())?;
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                return Ok(Scanner { key });
            }
        }
    }

    /// The key list, in GitHub's format, on one line (for an env file).
    pub fn key_list(&self) -> Result<String> {
        let pem = self.key.verifying_key().to_public_key_pem(LineEnding::LF).map_err(|e| e.to_string())?;
        Ok(json!({ "public_keys": [{ "key_identifier": KEY_ID, "key": pem, "is_current": true }] }).to_string())
    }

    /// The private key as PKCS#8 PEM (for a test in another language that signs too).
    pub fn private_pem(&self) -> Result<String> {
        use p256::pkcs8::EncodePrivateKey as _;
        Ok(self.key.to_pkcs8_pem(LineEnding::LF).map_err(|e| e.to_string())?.to_string())
    }

    /// The signature header's value for `body`.
    pub fn sign(&self, body: &str) -> String {
        let sig: Signature = self.key.sign(body.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(sig.to_der().as_bytes())
    }

    /// Posts `body` to the admin host's endpoint with `signature` (and the test key's id).
    pub fn post(base: &str, body: &str, key_id: &str, signature: &str) -> Result<Answer> {
        send(
            "POST",
            &format!("{base}/secret-scanning/github"),
            &[
                ("Content-Type", "application/json"),
                ("Github-Public-Key-Identifier", key_id),
                ("Github-Public-Key-Signature", signature),
            ],
            Some(body),
        )
    }

    /// Reports `tokens` found at `url`, signed.
    pub fn report(&self, base: &str, tokens: &[&str], url: &str) -> Result<Answer> {
        let body = report_body(tokens, url);
        Scanner::post(base, &body, KEY_ID, &self.sign(&body))
    }
}

/// A report body in GitHub's format.
pub fn report_body(tokens: &[&str], url: &str) -> String {
    let matches: Vec<Value> = tokens
        .iter()
        .map(|t| json!({ "token": t, "type": "tollgate_auth_token", "url": url, "source": "content" }))
        .collect();
    Value::Array(matches).to_string()
}

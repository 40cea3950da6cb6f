//! The scanner's signature on a report: `Github-Public-Key-Identifier` names a key of the
//! scanner's published key list, `Github-Public-Key-Signature` is the base64 of an ASN.1
//! DER ECDSA P-256 signature with SHA-256 over the raw request body.
//!
//! The key list is GitHub's JSON format:
//! `{"public_keys": [{"key_identifier": "…", "key": "-----BEGIN PUBLIC KEY-----…", "is_current": true}]}`.
//! Every listed key is accepted (a key that is no longer current still signs reports sent
//! during a rotation).

use crate::error_code::{ErrorCode, Refusal};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde::Deserialize;
use thiserror::Error;

/// The header naming the signing key.
pub const KEY_ID_HEADER: &str = "Github-Public-Key-Identifier";
/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Github-Public-Key-Signature";
/// Where GitHub publishes the key list (production; fetched and cached for an hour).
pub const KEY_LIST_URL: &str = "https://api.github.com/meta/public_keys/secret_scanning";
/// How long a fetched key list is trusted, in seconds.
pub const KEY_LIST_TTL_SECS: u32 = 3_600;

/// The published key list.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyList {
    pub public_keys: Vec<PublishedKey>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PublishedKey {
    pub key_identifier: String,
    /// The key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub key: String,
    #[serde(default)]
    pub is_current: bool,
}

/// Why a report's signature was refused. Every case answers 401 and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error(
        "sign the report: send the Github-Public-Key-Identifier and Github-Public-Key-Signature headers"
    )]
    Missing,
    #[error("the key that signed the report is not in the published key list")]
    UnknownKey,
    #[error("the Github-Public-Key-Signature header is not a base64 DER ECDSA signature")]
    Malformed,
    #[error("the signature does not match the report's body")]
    Invalid,
    #[error("the scanner's key list could not be read: {0}")]
    KeyList(String),
}

impl Refusal for SignatureError {
    fn code(&self) -> ErrorCode {
        match self {
            SignatureError::KeyList(_) => ErrorCode::KeyListUnavailable,
            _ => ErrorCode::InvalidSignature,
        }
    }
}

/// Reads a key list (the JSON the scanner publishes).
pub fn parse_key_list(json: &str) -> Result<KeyList, SignatureError> {
    serde_json::from_str(json).map_err(|e| SignatureError::KeyList(e.to_string()))
}

/// The key of a PEM `PUBLIC KEY` block.
fn public_key(pem: &str) -> Result<VerifyingKey, SignatureError> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    let der = STANDARD
        .decode(body)
        .map_err(|_| SignatureError::KeyList("a key is not base64 PEM".into()))?;
    VerifyingKey::from_public_key_der(&der)
        .map_err(|_| SignatureError::KeyList("a key is not an ECDSA P-256 key".into()))
}

/// Checks that `body` was signed by the key `key_id` names in `keys`.
pub fn verify(
    keys: &KeyList,
    key_id: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let (Some(key_id), Some(signature)) = (key_id.map(str::trim), signature.map(str::trim)) else {
        return Err(SignatureError::Missing);
    };
    if key_id.is_empty() || signature.is_empty() {
        return Err(SignatureError::Missing);
    }
    let listed = keys
        .public_keys
        .iter()
        .find(|k| k.key_identifier == key_id)
        .ok_or(SignatureError::UnknownKey)?;
    let key = public_key(&listed.key)?;
    let der = STANDARD
        .decode(signature)
        .map_err(|_| SignatureError::Malformed)?;
    let sig = Signature::from_der(&der).map_err(|_| SignatureError::Malformed)?;
    // Signers need not produce low-S signatures; both forms are the same signature.
    let sig = sig.normalize_s().unwrap_or(sig);
    key.verify(body, &sig).map_err(|_| SignatureError::Invalid)
}

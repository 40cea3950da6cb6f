//! Account SIDs and Auth Tokens.
//!
//! ## Formats
//!
//! | credential  | shape                                             | length |
//! |-------------|---------------------------------------------------|--------|
//! | Account SID | `TGSID` + 22 base62 characters (16 random bytes)  | 27     |
//! | Auth Token  | `tgat_` + 43 base62 characters (32 random bytes) + 6 base62 characters of checksum | 54 |
//!
//! *base62* is the alphabet `0-9A-Za-z`; the random bytes are read as one big-endian
//! number and written with a fixed number of digits (leading zeros kept), so every
//! credential of a kind has the same length.
//!
//! The checksum is the CRC-32 (IEEE) of the token's first 48 characters (prefix and
//! body), written as 6 base62 digits. A token with a wrong checksum is rejected before
//! any store lookup, and the fixed `tgat_` prefix plus a checksum let secret scanners
//! recognise a leaked token with almost no false positives. The SID is public (it is the
//! Basic-auth *username*); the auth token is the secret (the *password*) and carries
//! 256 bits of entropy.
//!
//! At rest only the SHA-256 [`Digest`] of a token is used for verification, and digests
//! are compared in constant time.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;

/// Prefix of every Account SID.
pub const SID_PREFIX: &str = "TGSID";
/// Base62 characters after the SID prefix.
pub const SID_BODY_LEN: usize = 22;
/// Total SID length.
pub const SID_LEN: usize = SID_PREFIX.len() + SID_BODY_LEN;
/// Random bytes behind a SID.
pub const SID_ENTROPY_BYTES: usize = 16;

/// Prefix of every Auth Token.
pub const TOKEN_PREFIX: &str = "tgat_";
/// Base62 characters of the token's random body.
pub const TOKEN_BODY_LEN: usize = 43;
/// Base62 characters of the token's checksum.
pub const TOKEN_CHECKSUM_LEN: usize = 6;
/// Total Auth Token length.
pub const TOKEN_LEN: usize = TOKEN_PREFIX.len() + TOKEN_BODY_LEN + TOKEN_CHECKSUM_LEN;
/// Random bytes behind an Auth Token.
pub const TOKEN_ENTROPY_BYTES: usize = 32;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a string is not a valid Account SID or Auth Token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CredentialError {
    #[error("an Account SID starts with \"TGSID\"")]
    SidPrefix,
    #[error("an Account SID is 27 characters long")]
    SidLength,
    #[error("an Account SID holds only the letters A-Z, a-z and the digits 0-9 after its prefix")]
    SidAlphabet,
    #[error("an Auth Token starts with \"tgat_\"")]
    TokenPrefix,
    #[error("an Auth Token is 54 characters long")]
    TokenLength,
    #[error("an Auth Token holds only the letters A-Z, a-z and the digits 0-9 after its prefix")]
    TokenAlphabet,
    #[error("this Auth Token's checksum does not match: it was mistyped or truncated")]
    TokenChecksum,
}

impl CredentialError {
    /// Stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            CredentialError::SidPrefix => "sid_prefix",
            CredentialError::SidLength => "sid_length",
            CredentialError::SidAlphabet => "sid_alphabet",
            CredentialError::TokenPrefix => "token_prefix",
            CredentialError::TokenLength => "token_length",
            CredentialError::TokenAlphabet => "token_alphabet",
            CredentialError::TokenChecksum => "token_checksum",
        }
    }
}

/// Writes `bytes` (a big-endian number) as exactly `width` base62 digits.
/// Returns `None` when the number needs more digits than `width`.
fn base62_fixed(bytes: &[u8], width: usize) -> Option<String> {
    let mut number: Vec<u8> = bytes.to_vec();
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        let mut remainder: u32 = 0;
        for byte in number.iter_mut() {
            let acc = (remainder << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            remainder = acc % 62;
        }
        *slot = BASE62[remainder as usize];
    }
    if number.iter().any(|b| *b != 0) {
        return None;
    }
    Some(digits.into_iter().map(char::from).collect())
}

fn is_base62(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn base62_value(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some(u64::from(c - b'0')),
        b'A'..=b'Z' => Some(u64::from(c - b'A') + 10),
        b'a'..=b'z' => Some(u64::from(c - b'a') + 36),
        _ => None,
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the checksum secret scanners
/// know. A 1 KiB table built at compile time: the verifier's bundle has no room for the
/// 16 KiB tables of a slice-by-16 implementation, and tokens are 48 bytes long.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

pub fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |c, b| {
        CRC_TABLE[((c ^ u32::from(*b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

fn checksum_of(head: &str) -> String {
    let crc = crc32(head.as_bytes());
    // 62^6 > 2^32, so six digits always suffice.
    base62_fixed(&crc.to_be_bytes(), TOKEN_CHECKSUM_LEN).unwrap_or_default()
}

fn checksum_matches(head: &str, checksum: &str) -> bool {
    let mut value: u64 = 0;
    for c in checksum.bytes() {
        match base62_value(c) {
            Some(v) => value = value * 62 + v,
            None => return false,
        }
    }
    value == u64::from(crc32(head.as_bytes()))
}

/// A well-formed Account SID: the token's public identifier and Basic-auth username.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountSid(String);

impl AccountSid {
    /// Builds a SID from caller-supplied random bytes.
    pub fn from_entropy(bytes: &[u8; SID_ENTROPY_BYTES]) -> AccountSid {
        let body = base62_fixed(bytes, SID_BODY_LEN).unwrap_or_default();
        AccountSid(format!("{SID_PREFIX}{body}"))
    }

    /// Checks the SID's shape.
    pub fn parse(s: &str) -> Result<AccountSid, CredentialError> {
        let body = s
            .strip_prefix(SID_PREFIX)
            .ok_or(CredentialError::SidPrefix)?;
        if s.len() != SID_LEN {
            return Err(CredentialError::SidLength);
        }
        if !is_base62(body) {
            return Err(CredentialError::SidAlphabet);
        }
        Ok(AccountSid(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AccountSid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccountSid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AccountSid::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A well-formed Auth Token (the secret). Its `Debug` output never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthToken(String);

impl AuthToken {
    /// Builds a token from caller-supplied random bytes.
    pub fn from_entropy(bytes: &[u8; TOKEN_ENTROPY_BYTES]) -> AuthToken {
        let body = base62_fixed(bytes, TOKEN_BODY_LEN).unwrap_or_default();
        let head = format!("{TOKEN_PREFIX}{body}");
        let checksum = checksum_of(&head);
        AuthToken(format!("{head}{checksum}"))
    }

    /// Checks prefix, length, alphabet and checksum. No store lookup is needed to reject
    /// a token that fails here.
    pub fn parse(s: &str) -> Result<AuthToken, CredentialError> {
        let rest = s
            .strip_prefix(TOKEN_PREFIX)
            .ok_or(CredentialError::TokenPrefix)?;
        if s.len() != TOKEN_LEN {
            return Err(CredentialError::TokenLength);
        }
        if !is_base62(rest) {
            return Err(CredentialError::TokenAlphabet);
        }
        let (head, checksum) = s.split_at(TOKEN_LEN - TOKEN_CHECKSUM_LEN);
        if !checksum_matches(head, checksum) {
            return Err(CredentialError::TokenChecksum);
        }
        Ok(AuthToken(s.to_owned()))
    }

    /// The secret itself. Handle with care: never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 digest kept at rest.
    pub fn digest(&self) -> Digest {
        Digest::of(self.0.as_bytes())
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(<redacted>)")
    }
}

/// A SHA-256 digest, shown and stored as 64 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &Digest) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }

    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        out
    }

    pub fn from_hex(s: &str) -> Option<Digest> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Some(Digest(out))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.to_hex())
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::from_hex(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hex characters"))
    }
}

/// The random bytes a new pair of credentials is made from (the caller's RNG fills it).
#[derive(Clone)]
pub struct CredentialSeed {
    pub sid: [u8; SID_ENTROPY_BYTES],
    pub token: [u8; TOKEN_ENTROPY_BYTES],
}

impl CredentialSeed {
    /// Builds a seed from 48 random bytes (16 for the SID, 32 for the token).
    pub fn from_bytes(bytes: &[u8; SID_ENTROPY_BYTES + TOKEN_ENTROPY_BYTES]) -> CredentialSeed {
        let mut sid = [0u8; SID_ENTROPY_BYTES];
        let mut token = [0u8; TOKEN_ENTROPY_BYTES];
        sid.copy_from_slice(&bytes[..SID_ENTROPY_BYTES]);
        token.copy_from_slice(&bytes[SID_ENTROPY_BYTES..]);
        CredentialSeed { sid, token }
    }
}

impl fmt::Debug for CredentialSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialSeed(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        // The CRC-32 catalogue's check value for "123456789", and the empty input.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }
    use proptest::prelude::*;

    #[test]
    fn token_has_documented_shape() {
        let t = AuthToken::from_entropy(&[0xAB; 32]);
        assert_eq!(t.expose().len(), TOKEN_LEN);
        assert!(t.expose().starts_with("tgat_"));
        assert_eq!(AuthToken::parse(t.expose()), Ok(t.clone()));
    }

    #[test]
    fn extreme_entropy_values_fit() {
        for b in [0u8, 1, 0x7f, 0xff] {
            let t = AuthToken::from_entropy(&[b; 32]);
            assert!(AuthToken::parse(t.expose()).is_ok(), "{b}");
            let s = AccountSid::from_entropy(&[b; 16]);
            assert_eq!(s.as_str().len(), SID_LEN);
            assert!(AccountSid::parse(s.as_str()).is_ok());
        }
        assert_eq!(
            AccountSid::from_entropy(&[0; 16]).as_str(),
            "TGSID0000000000000000000000"
        );
    }

    #[test]
    fn base62_matches_known_values() {
        assert_eq!(base62_fixed(&[0, 61], 2).as_deref(), Some("0z"));
        assert_eq!(base62_fixed(&[0, 62], 2).as_deref(), Some("10"));
        assert_eq!(base62_fixed(&[1, 0], 3).as_deref(), Some("048"));
        assert_eq!(base62_fixed(&[0xff, 0xff], 2), None);
    }

    #[test]
    fn parse_reports_the_first_problem() {
        let good = AuthToken::from_entropy(&[7; 32]).expose().to_owned();
        assert_eq!(
            AuthToken::parse("ghp_abc"),
            Err(CredentialError::TokenPrefix)
        );
        assert_eq!(
            AuthToken::parse("tgat_abc"),
            Err(CredentialError::TokenLength)
        );
        let mut bad = good.clone();
        bad.replace_range(10..11, "-");
        assert_eq!(AuthToken::parse(&bad), Err(CredentialError::TokenAlphabet));
        assert_eq!(
            AuthToken::parse(&good[..53]),
            Err(CredentialError::TokenLength)
        );
        assert_eq!(AccountSid::parse("AC123"), Err(CredentialError::SidPrefix));
        assert_eq!(
            AccountSid::parse("TGSID123"),
            Err(CredentialError::SidLength)
        );
        assert_eq!(
            AccountSid::parse("TGSID000000000000000000000_"),
            Err(CredentialError::SidAlphabet)
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let t = AuthToken::from_entropy(&[9; 32]);
        assert!(!format!("{t:?}").contains(&t.expose()[5..20]));
    }

    #[test]
    fn digest_hex_round_trips() {
        let d = Digest::of(b"abc");
        assert_eq!(
            d.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Digest::from_hex(&d.to_hex()), Some(d));
        assert_eq!(Digest::from_hex("zz"), None);
        assert!(d.ct_eq(&Digest::of(b"abc")));
        assert!(!d.ct_eq(&Digest::of(b"abd")));
    }

    proptest! {
        #[test]
        fn any_entropy_makes_a_valid_token(bytes in proptest::array::uniform32(any::<u8>())) {
            let t = AuthToken::from_entropy(&bytes);
            prop_assert_eq!(AuthToken::parse(t.expose()), Ok(t));
        }

        #[test]
        fn any_one_character_change_fails(
            bytes in proptest::array::uniform32(any::<u8>()),
            pos in 0usize..TOKEN_LEN,
            replacement in proptest::char::any(),
        ) {
            let t = AuthToken::from_entropy(&bytes);
            let original = t.expose().chars().nth(pos).unwrap_or('?');
            prop_assume!(replacement != original);
            let changed: String = t.expose().chars().enumerate()
                .map(|(i, c)| if i == pos { replacement } else { c })
                .collect();
            prop_assert!(AuthToken::parse(&changed).is_err());
        }

        #[test]
        fn any_one_base62_substitution_fails_the_checksum(
            bytes in proptest::array::uniform32(any::<u8>()),
            pos in TOKEN_PREFIX.len()..TOKEN_LEN,
            digit in 0usize..62,
        ) {
            let t = AuthToken::from_entropy(&bytes);
            let mut changed = t.expose().as_bytes().to_vec();
            prop_assume!(changed[pos] != BASE62[digit]);
            changed[pos] = BASE62[digit];
            let changed = String::from_utf8(changed).unwrap_or_default();
            prop_assert_eq!(AuthToken::parse(&changed), Err(CredentialError::TokenChecksum));
        }

        #[test]
        fn parse_never_panics(s in ".{0,80}") {
            let _ = AuthToken::parse(&s);
            let _ = AccountSid::parse(&s);
        }
    }
}

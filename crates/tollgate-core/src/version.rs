//! Dated API versions. Versions are ordered by date; the newest is the default for new
//! tokens, and a token can only move forward.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// Every API version, oldest first.
pub const VERSIONS: [&str; 3] = ["2024-04-01", "2025-04-01", "2026-04-01"];

/// One of [`VERSIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion(u8);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown API version \"{0}\": use one of 2024-04-01, 2025-04-01, 2026-04-01")]
pub struct UnknownVersion(pub String);

impl ApiVersion {
    pub const V2024_04_01: ApiVersion = ApiVersion(0);
    pub const V2025_04_01: ApiVersion = ApiVersion(1);
    pub const V2026_04_01: ApiVersion = ApiVersion(2);

    /// The newest version: the default for new tokens.
    pub const fn latest() -> ApiVersion {
        ApiVersion((VERSIONS.len() - 1) as u8)
    }

    /// Every version, oldest first.
    pub fn all() -> impl Iterator<Item = ApiVersion> {
        (0..VERSIONS.len() as u8).map(ApiVersion)
    }

    pub fn parse(s: &str) -> Result<ApiVersion, UnknownVersion> {
        VERSIONS
            .iter()
            .position(|v| *v == s)
            .map(|i| ApiVersion(i as u8))
            .ok_or_else(|| UnknownVersion(s.chars().take(40).collect()))
    }

    pub fn as_str(self) -> &'static str {
        VERSIONS[usize::from(self.0)]
    }

    pub fn is_latest(self) -> bool {
        self == ApiVersion::latest()
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = UnknownVersion;

    fn from_str(s: &str) -> Result<ApiVersion, UnknownVersion> {
        ApiVersion::parse(s)
    }
}

impl crate::error_code::Refusal for UnknownVersion {
    fn code(&self) -> crate::error_code::ErrorCode {
        crate::error_code::ErrorCode::UnknownVersion
    }
}

impl Default for ApiVersion {
    fn default() -> Self {
        ApiVersion::latest()
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ApiVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApiVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ApiVersion::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_dated_and_ascending() {
        for pair in VERSIONS.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        for v in VERSIONS {
            assert_eq!(v.len(), 10);
            assert_eq!(ApiVersion::parse(v).map(ApiVersion::as_str), Ok(v));
        }
    }

    #[test]
    fn latest_is_default_and_newest() {
        assert_eq!(ApiVersion::default(), ApiVersion::latest());
        assert!(ApiVersion::all().all(|v| v <= ApiVersion::latest()));
        assert!(ApiVersion::latest().is_latest());
        assert!(!ApiVersion::V2024_04_01.is_latest());
    }

    #[test]
    fn unknown_versions_are_named() {
        let e = ApiVersion::parse("2023-01-01").unwrap_err();
        assert!(e.to_string().contains("2023-01-01"));
        assert!(serde_json::from_str::<ApiVersion>("\"v2\"").is_err());
    }
}

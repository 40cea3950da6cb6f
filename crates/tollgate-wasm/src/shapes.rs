//! The package's own JavaScript shapes (the admin API's types come from the core).

use serde::{Deserialize, Serialize};
use tollgate_core::api::TokenState;
use tollgate_core::scope::Access;
use tollgate_core::time::Timestamp;

/// The answer of `checkAuthToken` and `checkAccountSid`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormatCheck {
    pub valid: bool,
    /// A stable code such as `token_checksum` (or `rate_limit_period` for a policy), when
    /// not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub code: Option<String>,
    /// What is wrong, in English, when not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub reason: Option<String>,
}

impl FormatCheck {
    pub fn passed() -> FormatCheck {
        FormatCheck {
            valid: true,
            code: None,
            reason: None,
        }
    }

    pub fn failed(code: &str, reason: String) -> FormatCheck {
        FormatCheck {
            valid: false,
            code: Some(code.to_owned()),
            reason: Some(reason),
        }
    }
}

/// The credentials of a Basic `Authorization` header.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub sid: String,
    pub auth_token: String,
}

/// The scope a request needs.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredScope {
    /// `category.access`, for example `actions.read`.
    pub scope: String,
    pub access: Access,
}

/// What the list filter reads of a token: any object with these fields (a `TokenView`
/// from the admin API has them); other fields are ignored.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedToken {
    pub sid: String,
    pub name: String,
    pub state: TokenState,
    pub created_at: Timestamp,
}

/// Positions of the matching tokens in list order, and paging.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenOrder {
    pub indices: Vec<u32>,
    pub next_cursor: Option<String>,
    /// How many tokens match the filter in all.
    pub total: usize,
}

/// The answer of `checkRateLimit` and `checkExpiry`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyCheck {
    /// Whether it is valid, and when not, a code such as `rate_limit_period` and why.
    #[serde(flatten)]
    #[cfg_attr(feature = "typescript", ts(flatten))]
    pub check: FormatCheck,
    /// The admin API field at fault, when not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub field: Option<String>,
}

/// The answer of `checkAllowedIps`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowedIpsCheck {
    #[serde(flatten)]
    #[cfg_attr(feature = "typescript", ts(flatten))]
    pub check: PolicyCheck,
    /// The entries as stored (canonical), when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub ips: Option<Vec<String>>,
}

/// One of the wizard's expiry presets.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiryPreset {
    pub days: u32,
    pub expires_at: Timestamp,
}

/// The declarations of these shapes.
#[cfg(feature = "typescript")]
pub fn declarations() -> String {
    use tollgate_core::typescript::{config, export};
    let cfg = config();
    let mut out = String::new();
    export::<FormatCheck>(&cfg, &mut out);
    export::<Credentials>(&cfg, &mut out);
    export::<RequiredScope>(&cfg, &mut out);
    export::<ListedToken>(&cfg, &mut out);
    export::<TokenOrder>(&cfg, &mut out);
    export::<PolicyCheck>(&cfg, &mut out);
    export::<AllowedIpsCheck>(&cfg, &mut out);
    export::<ExpiryPreset>(&cfg, &mut out);
    out
}

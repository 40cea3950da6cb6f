//! The admin API's token and catalog types.

use serde::{Deserialize, Serialize};

use crate::account::AccountType;
use crate::credential::AccountSid;
use crate::policy::RateLimit;
use crate::scope::{Access, CategoryView, Route};
use crate::time::Timestamp;
use crate::token::{GracePeriod, Nudge, TokenChanges, TokenRecord, TokenSpec, nudges};
use crate::version::ApiVersion;

use super::present;
// ---------------------------------------------------------------- tokens

/// `POST /api/tokens`: the create wizard's fields.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenDraft {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Defaults to the latest version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<ApiVersion>,
    /// User id of the primary contact.
    pub primary_contact: String,
    #[serde(default)]
    pub developer_emails: Vec<String>,
    pub scopes: Vec<String>,
    /// When the token stops working (ms since the epoch); absent or `null`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// IPv4/IPv6 addresses and CIDR ranges allowed to use it; empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_ips: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
}

impl From<&TokenDraft> for TokenSpec {
    fn from(d: &TokenDraft) -> TokenSpec {
        TokenSpec {
            name: d.name.clone(),
            description: d.description.clone(),
            api_version: d.api_version,
            primary_contact: d.primary_contact.clone(),
            developer_emails: d.developer_emails.clone(),
            scopes: d.scopes.clone(),
            expires_at: d.expires_at,
            allowed_ips: d.allowed_ips.clone(),
            rate_limit: d.rate_limit,
        }
    }
}

/// `PATCH /api/tokens/{sid}`: only the fields present change.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", ts(optional_fields = nullable))]
#[serde(default, deny_unknown_fields)]
pub struct TokenEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_emails: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// A new expiry, or `null` for never.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional, type = "number | null"))]
    pub expires_at: Option<Option<Timestamp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_ips: Option<Vec<String>>,
    /// A new rate limit, or `null` for none.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional, type = "RateLimit | null"))]
    pub rate_limit: Option<Option<RateLimit>>,
}

impl From<&TokenEdit> for TokenChanges {
    fn from(e: &TokenEdit) -> TokenChanges {
        TokenChanges {
            name: e.name.clone(),
            description: e.description.clone(),
            primary_contact: e.primary_contact.clone(),
            developer_emails: e.developer_emails.clone(),
            scopes: e.scopes.clone(),
            expires_at: e.expires_at,
            allowed_ips: e.allowed_ips.clone(),
            rate_limit: e.rate_limit,
        }
    }
}

/// `POST /api/tokens/{sid}/reset`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", ts(optional_fields = nullable))]
#[serde(default, deny_unknown_fields)]
pub struct ResetRequest {
    pub grace: GracePeriod,
    /// A new expiry for the token (or `null` for never); absent: keep it.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional, type = "number | null"))]
    pub expires_at: Option<Option<Timestamp>>,
}

/// `POST /api/tokens/{sid}/upgrade`: to `api_version`, or the latest when absent.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<ApiVersion>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Enabled,
    Disabled,
}

/// A token as the admin API shows it: never a digest, a ciphertext or a secret.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenView {
    pub sid: AccountSid,
    pub name: String,
    pub description: String,
    pub api_version: ApiVersion,
    pub latest_version: bool,
    pub primary_contact: String,
    pub developer_emails: Vec<String>,
    pub scopes: Vec<String>,
    pub state: TokenState,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub rotated_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    /// Until when the previous auth token still verifies after a reset with grace.
    pub previous_valid_until: Option<Timestamp>,
    /// Whether `reveal` can show the auth token (false for show-once accounts).
    pub revealable: bool,
    pub nudges: Vec<Nudge>,
    /// The revision (also the `ETag`): send it back as `If-Match` to change this record.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub revision: u64,
    pub expires_at: Option<Timestamp>,
    /// Expires within 7 days.
    pub expiring_soon: bool,
    pub allowed_ips: Vec<String>,
    pub rate_limit: Option<RateLimit>,
    /// Requests (allowed and denied) in the last 24 hours, on the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional, type = "number"))]
    pub requests_24h: Option<u64>,
    /// A leak a secret scanner reported (until the token is reset).
    #[serde(default)]
    pub leak: Option<crate::leak_mark::LeakMark>,
    /// Developer e-mails that unsubscribed from the token's notifications.
    #[serde(default)]
    pub unsubscribed: Vec<String>,
}

impl TokenView {
    pub fn from_record(
        record: &TokenRecord,
        last_used_at: Option<Timestamp>,
        account: (AccountType, Option<u32>),
        now: Timestamp,
    ) -> TokenView {
        TokenView {
            sid: record.sid.clone(),
            name: record.name.clone(),
            description: record.description.clone(),
            api_version: record.api_version,
            latest_version: record.api_version.is_latest(),
            primary_contact: record.primary_contact.clone(),
            developer_emails: record.developer_emails.clone(),
            scopes: record.scopes.iter().cloned().collect(),
            state: if record.enabled {
                TokenState::Enabled
            } else {
                TokenState::Disabled
            },
            created_at: record.created_at,
            updated_at: record.updated_at,
            rotated_at: record.rotated_at,
            last_used_at,
            previous_valid_until: record
                .secret
                .previous
                .map(|p| p.valid_until)
                .filter(|t| *t > now),
            revealable: record.sealed_auth_token.is_some(),
            nudges: nudges(record, last_used_at, account, now),
            revision: record.revision,
            expires_at: record.expires_at,
            expiring_soon: crate::policy::expiring_soon(record.expires_at, now),
            allowed_ips: record.allowed_ips.clone(),
            rate_limit: record.rate_limit,
            requests_24h: None,
            leak: record.leak.clone(),
            unsubscribed: record.unsubscribed.clone(),
        }
    }
}

crate::filter::listed_by_fields!(TokenView, |view| view.state == TokenState::Enabled);

/// Create, duplicate and reset answer with the token and, this once, its secret.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuedToken {
    pub token: TokenView,
    pub auth_token: String,
}

/// `POST /api/tokens/{sid}/reveal`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevealedToken {
    pub auth_token: String,
}

/// `GET /api/tokens`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenPage {
    pub tokens: Vec<TokenView>,
    pub next_cursor: Option<String>,
    /// How many tokens match the filter in all.
    pub total: usize,
}

// ---------------------------------------------------------------- catalog

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteView {
    pub method: String,
    pub pattern: String,
}

impl From<&Route> for RouteView {
    fn from(r: &Route) -> RouteView {
        RouteView {
            method: r.method.as_str().to_owned(),
            pattern: r.pattern.to_owned(),
        }
    }
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeView {
    pub id: String,
    pub access: Access,
    pub routes: Vec<RouteView>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryJson {
    pub key: String,
    pub name: String,
    pub description: String,
    pub scopes: Vec<ScopeView>,
}

impl From<&CategoryView> for CategoryJson {
    fn from(c: &CategoryView) -> CategoryJson {
        CategoryJson {
            key: c.def.key.to_owned(),
            name: c.def.name.to_owned(),
            description: c.def.description.to_owned(),
            scopes: c
                .scopes
                .iter()
                .map(|s| ScopeView {
                    id: s.id.to_owned(),
                    access: s.access,
                    routes: s.routes.iter().map(RouteView::from).collect(),
                })
                .collect(),
        }
    }
}

/// `GET /api/catalog[?version=...]`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogResponse {
    pub versions: Vec<ApiVersion>,
    pub latest: ApiVersion,
    pub account_type: AccountType,
    pub api_version: ApiVersion,
    pub categories: Vec<CategoryJson>,
}

impl CatalogResponse {
    pub fn build(account_type: AccountType, api_version: ApiVersion) -> CatalogResponse {
        CatalogResponse {
            versions: ApiVersion::all().collect(),
            latest: ApiVersion::latest(),
            account_type,
            api_version,
            categories: crate::scope::catalog(account_type, api_version)
                .iter()
                .map(CategoryJson::from)
                .collect(),
        }
    }
}

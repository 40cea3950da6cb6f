//! The admin API's JSON types, shared by the Worker and the admin app so they cannot
//! drift. Every request type rejects unknown fields, so a client cannot smuggle in
//! server-owned ones (`sid`, `account`, `digest`, `created_at`, ...).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::account::{AccountType, Role};
use crate::credential::AccountSid;
use crate::policy::RateLimit;
use crate::scope::{Access, CategoryView, Route};
use crate::time::Timestamp;
use crate::token::{GracePeriod, Nudge, TokenRecord, nudges};
use crate::version::ApiVersion;

/// The body of every error answer: `{"error": {"code", "message", "field"?}}`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The values the message names (`max`, `email`, `scope`, ...), so that a client can
    /// say the same in its own language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>, field: Option<&str>) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message: message.into(),
                field: field.map(str::to_owned),
                params: BTreeMap::new(),
            },
        }
    }

    pub fn with_params(mut self, params: Vec<(&'static str, String)>) -> ErrorBody {
        self.error.params = params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        self
    }
}

// ---------------------------------------------------------------- setup and session

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    pub account: NewAccount,
    pub admin: NewAdmin,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub name: String,
    #[serde(rename = "type")]
    pub account_type: AccountType,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAdmin {
    pub email: String,
    pub password: String,
    pub name: String,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupResponse {
    pub account: AccountView,
    pub admin: UserView,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionView {
    pub user: UserView,
    pub account: AccountView,
    /// Send as `X-CSRF-Token` with every state-changing request.
    pub csrf_token: String,
    pub expires_at: Timestamp,
    /// Where the API answers (the verifier Worker, e.g. `https://api.example.com`): the base
    /// of the `curl` lines the admin app shows. Empty: the admin app's own origin.
    #[serde(default)]
    pub api_url: String,
}

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

/// A field that may be absent (no change), `null` (clear it) or a value.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /api/tokens/{sid}`: only the fields present change.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEdit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_emails: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// A new expiry, or `null` for never.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional, type = "number | null"))]
    pub expires_at: Option<Option<Timestamp>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_ips: Option<Vec<String>>,
    /// A new rate limit, or `null` for none.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional, type = "RateLimit | null"))]
    pub rate_limit: Option<Option<RateLimit>>,
}

/// `POST /api/tokens/{sid}/reset`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[serde(default)]
    pub grace: GracePeriod,
    /// A new expiry for the token (or `null` for never); absent: keep it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
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
    pub leak: Option<crate::leak::LeakMark>,
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
            state: if record.enabled { TokenState::Enabled } else { TokenState::Disabled },
            created_at: record.created_at,
            updated_at: record.updated_at,
            rotated_at: record.rotated_at,
            last_used_at,
            previous_valid_until: record.secret.previous.map(|p| p.valid_until).filter(|t| *t > now),
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

impl crate::filter::Listed for TokenView {
    fn name(&self) -> &str {
        &self.name
    }
    fn sid(&self) -> &str {
        self.sid.as_str()
    }
    fn created_at(&self) -> Timestamp {
        self.created_at
    }
    fn enabled(&self) -> bool {
        self.state == TokenState::Enabled
    }
}

impl crate::filter::Listed for TokenRecord {
    fn name(&self) -> &str {
        &self.name
    }
    fn sid(&self) -> &str {
        self.sid.as_str()
    }
    fn created_at(&self) -> Timestamp {
        self.created_at
    }
    fn enabled(&self) -> bool {
        self.enabled
    }
}

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
        RouteView { method: r.method.as_str().to_owned(), pattern: r.pattern.to_owned() }
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
            categories: crate::scope::catalog(account_type, api_version).iter().map(CategoryJson::from).collect(),
        }
    }
}

// ---------------------------------------------------------------- users and account

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    pub created_at: Timestamp,
    /// The revision (also the `ETag`): send it back as `If-Match` to change this record.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub revision: u64,
    /// The language the user chose (their notifications'); `null`: the account's.
    #[serde(default)]
    pub locale: Option<crate::notify::Language>,
}

/// `PATCH /api/session`: the signed-in user's own language.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPatch {
    pub locale: crate::notify::Language,
}

/// `POST /api/users`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// `PATCH /api/users/{id}`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Required with `password` when users change their own password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub account_type: AccountType,
    pub contact_name: String,
    pub contact_email: String,
    pub api_access_enabled: bool,
    pub show_tokens_once: bool,
    pub created_at: Timestamp,
    /// The revision (also the `ETag`): send it back as `If-Match` to change this record.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub revision: u64,
    /// New tokens, edits and duplicates may not outlive this many days (`null`: no limit).
    pub max_token_lifetime_days: Option<u32>,
    /// The language of notifications to developer e-mails.
    pub language: crate::notify::Language,
    /// What a reported leak does: `disable` (default) or `notify`.
    pub leak_policy: crate::leak::LeakPolicy,
}

/// `PATCH /api/account`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_access_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_tokens_once: Option<bool>,
    /// A lifetime limit in days, or `null` for none.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional, type = "number | null"))]
    pub max_token_lifetime_days: Option<Option<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<crate::notify::Language>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leak_policy: Option<crate::leak::LeakPolicy>,
}

// ---------------------------------------------------------------- audit and edge

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    TokenCreated,
    TokenEdited,
    TokenDuplicated,
    TokenReset,
    TokenUpgraded,
    TokenDisabled,
    TokenEnabled,
    TokenDeleted,
    TokenRevealed,
    /// A secret scanner reported the token's auth token in public; `detail` names where.
    TokenLeaked,
    /// A developer e-mail stopped the token's notifications (by its signed link).
    TokenUnsubscribed,
    UserCreated,
    UserEdited,
    UserDisabled,
    AccountEdited,
    SignedIn,
    SignedOut,
    /// A wrong password (or a disabled user) at sign-in; `detail` names the client address.
    SignInFailed,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub id: String,
    pub at: Timestamp,
    pub actor_id: String,
    pub actor_email: String,
    pub action: AuditAction,
    /// SID of the token or id of the user acted on.
    pub target: String,
    pub target_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// `GET|POST /v1/verify` on success.
pub type VerifyResponse = crate::verify::Identity;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tests::issued;

    #[test]
    fn requests_refuse_server_owned_fields() {
        let ok = r#"{"name":"n","primary_contact":"u","scopes":["actions.read"]}"#;
        assert!(serde_json::from_str::<TokenDraft>(ok).is_ok());
        for extra in ["sid", "account", "digest", "created_at", "enabled", "secret"] {
            let body = format!(r#"{{"name":"n","primary_contact":"u","scopes":[],"{extra}":"x"}}"#);
            assert!(serde_json::from_str::<TokenDraft>(&body).is_err(), "{extra}");
            let patch = format!(r#"{{"{extra}":"x"}}"#);
            assert!(serde_json::from_str::<TokenEdit>(&patch).is_err(), "{extra}");
        }
        assert!(serde_json::from_str::<UserPatch>(r#"{"account":"a"}"#).is_err());
        assert!(serde_json::from_str::<ResetRequest>(r#"{"grace":"2h"}"#).is_err());
        assert_eq!(
            serde_json::from_str::<ResetRequest>(r#"{"grace":"15m"}"#).map(|r| r.grace).ok(),
            Some(GracePeriod::FifteenMinutes)
        );
    }

    #[test]
    fn a_token_view_holds_no_secret_material() {
        let mut i = issued(1);
        i.record.sealed_auth_token = Some("ciphertext".into());
        let view = TokenView::from_record(&i.record, None, (AccountType::Partner, None), Timestamp(2_000));
        let json = serde_json::to_string(&view).expect("serializes");
        assert!(!json.contains(i.auth_token.expose()));
        assert!(!json.contains(&i.record.secret.digest.to_hex()));
        assert!(!json.contains("ciphertext"));
        assert!(view.revealable);
        let back: TokenView = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, view);
    }

    #[test]
    fn catalog_response_lists_versions_and_categories() {
        let c = CatalogResponse::build(AccountType::Brand, ApiVersion::latest());
        assert_eq!(c.versions.len(), crate::version::VERSIONS.len());
        assert!(c.categories.iter().any(|c| c.key == "invoices"));
        assert!(!c.categories.iter().any(|c| c.key == "payments"));
        let json = serde_json::to_string(&c).expect("serializes");
        assert!(json.contains("\"GET\""));
    }

    #[test]
    fn error_body_shape() {
        let e = ErrorBody::new("name_empty", "give the token a name", Some("name"));
        assert_eq!(
            serde_json::to_string(&e).expect("serializes"),
            r#"{"error":{"code":"name_empty","message":"give the token a name","field":"name"}}"#
        );
    }
}

//! The admin API's JSON types, shared by the Worker and the admin app so they cannot
//! drift. Every request type rejects unknown fields, so a client cannot smuggle in
//! server-owned ones (`sid`, `account`, `digest`, `created_at`, ...).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod body;
mod people;
pub mod query;
pub mod route;
mod token;

pub use people::*;
pub use token::*;

use crate::account::AccountType;
use crate::error_code::{ErrorCode, Failure};
use crate::time::Timestamp;
/// The body of every error answer: `{"error": {"code", "message", "field"?, "params"?},
/// "current"?}`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// With `stale_revision` (412): the record as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "typescript",
        ts(optional, type = "TokenView | UserView | AccountView")
    )]
    pub current: Option<serde_json::Value>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The values the message names (`max`, `email`, `scope`, ...), so that a client can
    /// say the same in its own language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

impl From<&Failure> for ErrorBody {
    fn from(f: &Failure) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: f.code,
                message: f.message.clone(),
                field: f.field.clone(),
                params: f.params.clone(),
            },
            current: f
                .current
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok()),
        }
    }
}

impl From<ErrorBody> for Failure {
    /// An error answer relayed from another object, as it was decided there.
    fn from(b: ErrorBody) -> Failure {
        Failure {
            field: b.error.field,
            params: b.error.params,
            current: b.current.map(|c| c.to_string()),
            ..Failure::new(b.error.code, b.error.message)
        }
    }
}

/// A field that may be absent (no change), `null` (clear it) or a value.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
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

/// `POST /api/session/sudo`: the signed-in user's password again, before a stored auth
/// token may be revealed.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SudoRequest {
    pub password: String,
}

/// The answer to [`SudoRequest`]: until when the session may reveal stored auth tokens.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SudoView {
    pub sudo_until: Timestamp,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::GracePeriod;
    use crate::token::tests::issued;
    use crate::version::ApiVersion;

    #[test]
    fn requests_refuse_server_owned_fields() {
        let ok = r#"{"name":"n","primary_contact":"u","scopes":["actions.read"]}"#;
        assert!(serde_json::from_str::<TokenDraft>(ok).is_ok());
        for extra in [
            "sid",
            "account",
            "digest",
            "created_at",
            "enabled",
            "secret",
        ] {
            let body = format!(r#"{{"name":"n","primary_contact":"u","scopes":[],"{extra}":"x"}}"#);
            assert!(
                serde_json::from_str::<TokenDraft>(&body).is_err(),
                "{extra}"
            );
            let patch = format!(r#"{{"{extra}":"x"}}"#);
            assert!(
                serde_json::from_str::<TokenEdit>(&patch).is_err(),
                "{extra}"
            );
        }
        assert!(serde_json::from_str::<UserPatch>(r#"{"account":"a"}"#).is_err());
        assert!(serde_json::from_str::<ResetRequest>(r#"{"grace":"2h"}"#).is_err());
        assert_eq!(
            serde_json::from_str::<ResetRequest>(r#"{"grace":"15m"}"#)
                .map(|r| r.grace)
                .ok(),
            Some(GracePeriod::FifteenMinutes)
        );
    }

    #[test]
    fn a_token_view_holds_no_secret_material() {
        let mut i = issued(1);
        i.record.sealed_auth_token = Some("ciphertext".into());
        let view = TokenView::from_record(
            &i.record,
            None,
            (AccountType::Partner, None),
            Timestamp(2_000),
        );
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
        let f = Failure::new(ErrorCode::NameEmpty, "give the token a name").at("name");
        assert_eq!(
            serde_json::to_string(&ErrorBody::from(&f)).expect("serializes"),
            r#"{"error":{"code":"name_empty","message":"give the token a name","field":"name"}}"#
        );
    }
}

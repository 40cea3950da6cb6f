//! The admin API's user, account and audit types.

use serde::{Deserialize, Serialize};

use crate::account::{AccountType, Role};
use crate::time::Timestamp;

use super::present;
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
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
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
    /// The password was given again to open the sudo window (see `session::SUDO_WINDOW`).
    Reauthenticated,
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

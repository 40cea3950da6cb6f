//! The admin API's user, account and audit types.

use serde::{Deserialize, Serialize};

use crate::account::{AccountChanges, AccountRecord, AccountType, Role, UserRecord};
use crate::language::Language;
use crate::leak_mark::LeakPolicy;
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
    pub locale: Option<Language>,
}

/// `PATCH /api/session`: the signed-in user's own language.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPatch {
    pub locale: Language,
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
#[cfg_attr(feature = "typescript", ts(optional_fields = nullable))]
#[serde(default, deny_unknown_fields)]
pub struct UserPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Required with `password` when users change their own password.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    pub language: Language,
    /// What a reported leak does: `disable` (default) or `notify`.
    pub leak_policy: LeakPolicy,
}

/// `PATCH /api/account`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", ts(optional_fields = nullable))]
#[serde(default, deny_unknown_fields)]
pub struct AccountPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_access_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_tokens_once: Option<bool>,
    /// A lifetime limit in days, or `null` for none.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional, type = "number | null"))]
    pub max_token_lifetime_days: Option<Option<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leak_policy: Option<LeakPolicy>,
}

// ---------------------------------------------------------------- audit and edge

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    pub entries: Vec<crate::audit::AuditEntry>,
    pub next_cursor: Option<String>,
}

/// `GET|POST /v1/verify` on success.
pub type VerifyResponse = crate::verify::Identity;

impl From<&AccountRecord> for AccountView {
    fn from(a: &AccountRecord) -> AccountView {
        AccountView {
            id: a.id.clone(),
            name: a.name.clone(),
            account_type: a.account_type,
            contact_name: a.contact_name.clone(),
            contact_email: a.contact_email.clone(),
            api_access_enabled: a.api_access_enabled,
            show_tokens_once: a.show_tokens_once,
            created_at: a.created_at,
            revision: a.revision,
            max_token_lifetime_days: a.max_token_lifetime_days,
            language: a.language,
            leak_policy: a.leak_policy,
        }
    }
}

impl From<&UserRecord> for UserView {
    fn from(u: &UserRecord) -> UserView {
        UserView {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            enabled: u.enabled,
            created_at: u.created_at,
            revision: u.revision,
            locale: u.locale,
        }
    }
}

impl From<&AccountPatch> for AccountChanges {
    fn from(p: &AccountPatch) -> AccountChanges {
        AccountChanges {
            name: p.name.clone(),
            contact_name: p.contact_name.clone(),
            contact_email: p.contact_email.clone(),
            api_access_enabled: p.api_access_enabled,
            show_tokens_once: p.show_tokens_once,
            max_token_lifetime_days: p.max_token_lifetime_days,
            language: p.language,
            leak_policy: p.leak_policy,
        }
    }
}

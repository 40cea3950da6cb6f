//! The stored account and user records and their validated changes.

use serde::{Deserialize, Serialize};

use super::{
    AccountError, AccountRefusal, AccountType, MAX_ACCOUNT_NAME_LEN, MAX_PERSON_NAME_LEN, Role,
    check_email, clean_name,
};
use crate::language::Language;
use crate::leak_mark::LeakPolicy;
use crate::revision::{Revision, successor};
use crate::time::Timestamp;

/// Version of the stored account and user layouts.
pub const ACCOUNT_SCHEMA_VERSION: u32 = 1;

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRecord {
    pub schema: u32,
    pub id: String,
    pub name: String,
    pub account_type: AccountType,
    pub contact_name: String,
    pub contact_email: String,
    /// Off: every token of the account fails verification.
    pub api_access_enabled: bool,
    /// On: auth tokens are shown once at issue and never stored encrypted.
    pub show_tokens_once: bool,
    pub created_at: Timestamp,
    /// Counts the record's changes (see [`crate::revision`]); 0 when written before revisions.
    #[serde(default)]
    pub revision: Revision,
    /// New tokens, edits and duplicates may not outlive this many days.
    #[serde(default)]
    pub max_token_lifetime_days: Option<u32>,
    /// The language of notifications to developer e-mails (and users who chose none).
    #[serde(default)]
    pub language: Language,
    /// What a reported leak does to a token (disable by default).
    #[serde(default)]
    pub leak_policy: LeakPolicy,
}

/// A user as stored. The password is kept only as an Argon2id PHC string.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    pub schema: u32,
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    pub password_hash: String,
    pub created_at: Timestamp,
    /// Bumped whenever the password changes or the user is disabled; sessions from
    /// an older generation are dead.
    pub generation: u32,
    /// Counts the record's changes (see [`crate::revision`]); 0 when written before revisions.
    #[serde(default)]
    pub revision: Revision,
    /// The language the user chose in the admin app (their notifications' language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Language>,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("role", &self.role)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// A change of the account's settings: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub api_access_enabled: Option<bool>,
    pub show_tokens_once: Option<bool>,
    /// A lifetime limit, or `Some(None)` for none.
    pub max_token_lifetime_days: Option<Option<u32>>,
    pub language: Option<Language>,
    pub leak_policy: Option<LeakPolicy>,
}

/// A change of a user: only the fields present change. A new password arrives hashed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub enabled: Option<bool>,
    pub password_hash: Option<String>,
}

impl AccountRecord {
    /// A new account; its technical contact starts as the first admin.
    pub fn new(
        id: String,
        name: &str,
        account_type: AccountType,
        contact_name: &str,
        contact_email: &str,
        now: Timestamp,
    ) -> Result<AccountRecord, AccountRefusal> {
        Ok(AccountRecord {
            schema: ACCOUNT_SCHEMA_VERSION,
            id,
            name: clean_name(name, MAX_ACCOUNT_NAME_LEN).map_err(|e| e.at("account.name"))?,
            account_type,
            contact_name: clean_name(contact_name, MAX_PERSON_NAME_LEN)
                .map_err(|e| e.at("admin.name"))?,
            contact_email: check_email(contact_email).map_err(|e| e.at("admin.email"))?,
            api_access_enabled: true,
            show_tokens_once: false,
            created_at: now,
            revision: 1,
            max_token_lifetime_days: None,
            language: Language::En,
            leak_policy: LeakPolicy::Disable,
        })
    }

    /// The settings that differ in `next` (for the audit log).
    pub fn changed(&self, next: &AccountRecord) -> Vec<&'static str> {
        [
            ("name", self.name != next.name),
            ("contact_name", self.contact_name != next.contact_name),
            ("contact_email", self.contact_email != next.contact_email),
            (
                "api_access_enabled",
                self.api_access_enabled != next.api_access_enabled,
            ),
            (
                "show_tokens_once",
                self.show_tokens_once != next.show_tokens_once,
            ),
            (
                "max_token_lifetime_days",
                self.max_token_lifetime_days != next.max_token_lifetime_days,
            ),
            ("language", self.language != next.language),
            ("leak_policy", self.leak_policy != next.leak_policy),
        ]
        .into_iter()
        .filter_map(|(f, c)| c.then_some(f))
        .collect()
    }

    /// Applies a settings change; only the fields present change.
    pub fn apply(&self, p: &AccountChanges) -> Result<AccountRecord, AccountRefusal> {
        let mut next = self.clone();
        if let Some(n) = &p.name {
            next.name = clean_name(n, MAX_ACCOUNT_NAME_LEN).map_err(|e| e.at("name"))?;
        }
        if let Some(n) = &p.contact_name {
            next.contact_name =
                clean_name(n, MAX_PERSON_NAME_LEN).map_err(|e| e.at("contact_name"))?;
        }
        if let Some(e) = &p.contact_email {
            next.contact_email = check_email(e).map_err(|e| e.at("contact_email"))?;
        }
        if let Some(b) = p.api_access_enabled {
            next.api_access_enabled = b;
        }
        if let Some(b) = p.show_tokens_once {
            next.show_tokens_once = b;
        }
        if let Some(d) = p.max_token_lifetime_days {
            next.max_token_lifetime_days = crate::policy::check_lifetime_limit(d)
                .map_err(|e| AccountError::LifetimeLimit(e).at("max_token_lifetime_days"))?;
        }
        if let Some(l) = p.language {
            next.language = l;
        }
        if let Some(l) = p.leak_policy {
            next.leak_policy = l;
        }
        if next != *self {
            next.revision = successor(self.revision);
        }
        Ok(next)
    }
}

impl UserRecord {
    /// A new user (the caller validated the e-mail and name and hashed the password):
    /// enabled, at generation 0 and revision 1.
    pub fn new(
        id: String,
        account_id: &str,
        email: String,
        name: String,
        role: Role,
        password_hash: String,
        now: Timestamp,
    ) -> UserRecord {
        UserRecord {
            schema: ACCOUNT_SCHEMA_VERSION,
            id,
            account_id: account_id.to_owned(),
            email,
            name,
            role,
            enabled: true,
            password_hash,
            created_at: now,
            generation: 0,
            revision: 1,
            locale: None,
        }
    }

    /// Whether this user is an enabled account admin.
    pub fn is_active_admin(&self) -> bool {
        self.enabled && self.role == Role::AccountAdmin
    }

    /// Applies a change of this user made by `actor_id`. `other_enabled_admins` is how many
    /// *other* enabled account admins the account has.
    pub fn apply(
        &self,
        p: &UserChanges,
        actor_id: &str,
        other_enabled_admins: usize,
    ) -> Result<UserRecord, AccountRefusal> {
        let mut next = self.clone();
        let is_self = self.id == actor_id;
        if let Some(n) = &p.name {
            next.name = clean_name(n, MAX_PERSON_NAME_LEN).map_err(|e| e.at("name"))?;
        }
        if let Some(role) = p.role {
            if is_self && role != self.role {
                return Err(AccountError::SelfChange.at("role"));
            }
            next.role = role;
        }
        if let Some(enabled) = p.enabled {
            if is_self && !enabled {
                return Err(AccountError::SelfChange.at("enabled"));
            }
            next.enabled = enabled;
        }
        if let Some(h) = &p.password_hash {
            next.password_hash = h.clone();
            next.generation = next.generation.wrapping_add(1);
        }
        if self.is_active_admin() && !next.is_active_admin() && other_enabled_admins == 0 {
            return Err(AccountError::LastAdmin.at("role"));
        }
        if self.enabled && !next.enabled {
            next.generation = next.generation.wrapping_add(1);
        }
        if next != *self {
            next.revision = successor(self.revision);
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, role: Role) -> UserRecord {
        UserRecord::new(
            id.into(),
            "a",
            format!("{id}@example.com"),
            id.into(),
            role,
            "$argon2id$secret".into(),
            Timestamp(0),
        )
    }

    #[test]
    fn account_ids() {
        assert!(crate::account::is_account_id("acc_0123456789abcdef0123"));
        assert!(!crate::account::is_account_id("acc_0123456789ABCDEF0123"));
        assert!(!crate::account::is_account_id("acc_0123"));
        assert!(!crate::account::is_account_id("usr_0123456789abcdef0123"));
    }

    #[test]
    fn the_last_admin_stays() {
        let admin = user("a1", Role::AccountAdmin);
        let demote = UserChanges {
            role: Some(Role::StandardUser),
            ..Default::default()
        };
        let refused = admin.apply(&demote, "a2", 0).unwrap_err();
        assert_eq!(refused.error, AccountError::LastAdmin);
        assert!(admin.apply(&demote, "a2", 1).is_ok());
        let off = UserChanges {
            enabled: Some(false),
            ..Default::default()
        };
        let refused = admin.apply(&off, "a1", 1).unwrap_err();
        assert_eq!(
            (refused.error, refused.field),
            (AccountError::SelfChange, "enabled")
        );
    }

    #[test]
    fn disabling_or_a_new_password_ends_sessions() {
        let u = user("u1", Role::StandardUser);
        let off = UserChanges {
            enabled: Some(false),
            ..Default::default()
        };
        assert_eq!(u.apply(&off, "a1", 1).expect("ok").generation, 1);
        let pw = UserChanges {
            password_hash: Some("$argon2id$new".into()),
            ..Default::default()
        };
        let changed = u.apply(&pw, "a1", 1).expect("ok");
        assert_eq!(changed.generation, 1);
        assert_eq!(changed.password_hash, "$argon2id$new");
        assert!(!format!("{changed:?}").contains("argon2"));
    }

    #[test]
    fn account_changes_validate_the_contact() {
        let a = AccountRecord::new(
            "a".into(),
            "Acme",
            AccountType::Brand,
            "Ann",
            "ann@example.com",
            Timestamp(0),
        )
        .expect("ok");
        let bad = AccountChanges {
            contact_email: Some("nope".into()),
            ..Default::default()
        };
        assert_eq!(a.apply(&bad).unwrap_err().field, "contact_email");
        let limit = AccountChanges {
            max_token_lifetime_days: Some(Some(90)),
            ..Default::default()
        };
        let limited = a.apply(&limit).expect("a lifetime limit");
        assert_eq!(a.changed(&limited), vec!["max_token_lifetime_days"]);
        assert_eq!(limited.revision, 2);
        let off = AccountChanges {
            api_access_enabled: Some(false),
            ..Default::default()
        };
        assert!(!a.apply(&off).expect("ok").api_access_enabled);
        assert_eq!(
            a.apply(&AccountChanges::default()),
            Ok(a.clone()),
            "no change, same revision"
        );
    }
}

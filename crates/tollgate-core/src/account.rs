//! Accounts, users and roles: who may do what.
//!
//! Deny by default: a role holds exactly the permissions listed in [`Role::permits`].

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::email::{EmailError, normalize_email};

/// The kinds of impact.com-style accounts.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    Partner,
    Brand,
    Agency,
}

impl AccountType {
    pub const ALL: [AccountType; 3] = [
        AccountType::Partner,
        AccountType::Brand,
        AccountType::Agency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Partner => "partner",
            AccountType::Brand => "brand",
            AccountType::Agency => "agency",
        }
    }

    pub fn parse(s: &str) -> Option<AccountType> {
        AccountType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's role within one account.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including users and account settings.
    AccountAdmin,
    /// Views and manages API access tokens.
    ImplementationSpecialist,
    /// No access to tokens or settings.
    StandardUser,
}

/// Things a signed-in user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ViewTokens,
    ManageTokens,
    RevealTokens,
    ViewUsers,
    ManageUsers,
    ViewAccount,
    ManageAccount,
    ViewAudit,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::ViewTokens,
        Permission::ManageTokens,
        Permission::RevealTokens,
        Permission::ViewUsers,
        Permission::ManageUsers,
        Permission::ViewAccount,
        Permission::ManageAccount,
        Permission::ViewAudit,
    ];
}

impl Role {
    pub const ALL: [Role; 3] = [
        Role::AccountAdmin,
        Role::ImplementationSpecialist,
        Role::StandardUser,
    ];

    /// Whether this role holds `permission`. Anything not listed is denied.
    pub fn permits(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::AccountAdmin => true,
            Role::ImplementationSpecialist => {
                matches!(
                    permission,
                    ViewTokens | ManageTokens | RevealTokens | ViewUsers | ViewAudit
                )
            }
            Role::StandardUser => false,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::AccountAdmin => "account_admin",
            Role::ImplementationSpecialist => "implementation_specialist",
            Role::StandardUser => "standard_user",
        }
    }
}

/// Limits on human-entered text.
pub const MAX_ACCOUNT_NAME_LEN: usize = 100;
pub const MAX_PERSON_NAME_LEN: usize = 100;
pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 256;

/// Why account or user input was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountError {
    #[error("enter a name")]
    NameEmpty,
    #[error("a name has at most {max} characters")]
    NameTooLong { max: usize },
    #[error("a name cannot contain control characters")]
    NameControlCharacter,
    #[error("{0}")]
    Email(#[from] EmailError),
    #[error("a password has at least 12 characters")]
    PasswordTooShort,
    #[error("a password has at most 256 characters")]
    PasswordTooLong,
    #[error("a user with this e-mail address already exists")]
    EmailTaken,
    #[error("an account keeps at least one enabled account admin")]
    LastAdmin,
    #[error("you cannot change your own role or disable yourself")]
    SelfChange,
    #[error(transparent)]
    LifetimeLimit(crate::policy::PolicyError),
}

impl AccountError {
    /// The values the message names, by the names a translation uses.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            AccountError::NameTooLong { max } => vec![("max", max.to_string())],
            AccountError::LifetimeLimit(p) => p.params(),
            _ => Vec::new(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AccountError::NameEmpty => "name_empty",
            AccountError::NameTooLong { .. } => "name_too_long",
            AccountError::NameControlCharacter => "name_control_character",
            AccountError::Email(_) => "email_invalid",
            AccountError::PasswordTooShort => "password_too_short",
            AccountError::PasswordTooLong => "password_too_long",
            AccountError::EmailTaken => "email_taken",
            AccountError::LifetimeLimit(p) => p.code(),
            AccountError::LastAdmin => "last_admin",
            AccountError::SelfChange => "self_change",
        }
    }
}

/// Whether `s` has the form of an account id (`acc_` + 20 lowercase hex characters), the
/// name of the account's Durable Object.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 24
        && s.starts_with("acc_")
        && s[4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Trims and checks a human name (account, user, contact, token).
pub fn clean_name(raw: &str, max: usize) -> Result<String, AccountError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AccountError::NameEmpty);
    }
    if name.chars().count() > max {
        return Err(AccountError::NameTooLong { max });
    }
    if name.chars().any(char::is_control) {
        return Err(AccountError::NameControlCharacter);
    }
    Ok(name.to_owned())
}

/// Checks a new password's length (counted in characters).
pub fn check_password(password: &str) -> Result<(), AccountError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(AccountError::PasswordTooShort);
    }
    if n > MAX_PASSWORD_LEN {
        return Err(AccountError::PasswordTooLong);
    }
    Ok(())
}

/// Checks a user's e-mail, returning its canonical form.
pub fn check_email(raw: &str) -> Result<String, AccountError> {
    Ok(normalize_email(raw)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_by_default() {
        for p in Permission::ALL {
            assert!(Role::AccountAdmin.permits(p));
            assert!(!Role::StandardUser.permits(p));
        }
        let s = Role::ImplementationSpecialist;
        assert!(s.permits(Permission::ViewTokens) && s.permits(Permission::ManageTokens));
        assert!(!s.permits(Permission::ManageUsers) && !s.permits(Permission::ManageAccount));
    }

    #[test]
    fn names_are_trimmed_and_bounded_in_characters() {
        assert_eq!(
            clean_name("  本番トークン ", 10).as_deref(),
            Ok("本番トークン")
        );
        assert_eq!(clean_name("   ", 10), Err(AccountError::NameEmpty));
        assert_eq!(
            clean_name("あいうえおかきくけこさ", 10),
            Err(AccountError::NameTooLong { max: 10 })
        );
        assert_eq!(
            clean_name("a\u{7}b", 10),
            Err(AccountError::NameControlCharacter)
        );
    }

    #[test]
    fn passwords_have_bounds() {
        assert_eq!(check_password("short"), Err(AccountError::PasswordTooShort));
        assert!(check_password("correct horse battery").is_ok());
        assert_eq!(
            check_password(&"x".repeat(300)),
            Err(AccountError::PasswordTooLong)
        );
    }

    #[test]
    fn account_types_round_trip() {
        for t in AccountType::ALL {
            assert_eq!(AccountType::parse(t.as_str()), Some(t));
        }
        assert_eq!(AccountType::parse("advertiser"), None);
    }
}

pub use records::*;

mod records {
    use serde::{Deserialize, Serialize};

    use super::{
        AccountError, AccountType, MAX_ACCOUNT_NAME_LEN, MAX_PERSON_NAME_LEN, Role, check_email,
        check_password, clean_name,
    };
    use crate::api::{AccountPatch, AccountView, NewUser, UserPatch, UserView};
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
        pub revision: crate::revision::Revision,
        /// New tokens, edits and duplicates may not outlive this many days.
        #[serde(default)]
        pub max_token_lifetime_days: Option<u32>,
        /// The language of notifications to developer e-mails (and users who chose none).
        #[serde(default)]
        pub language: crate::notify::Language,
        /// What a reported leak does to a token (disable by default).
        #[serde(default)]
        pub leak_policy: crate::leak::LeakPolicy,
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
        pub revision: crate::revision::Revision,
        /// The language the user chose in the admin app (their notifications' language).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub locale: Option<crate::notify::Language>,
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

    impl AccountRecord {
        /// A new account; its technical contact starts as the first admin.
        pub fn new(
            id: String,
            name: &str,
            account_type: AccountType,
            contact_name: &str,
            contact_email: &str,
            now: Timestamp,
        ) -> Result<AccountRecord, AccountError> {
            Ok(AccountRecord {
                schema: ACCOUNT_SCHEMA_VERSION,
                id,
                name: clean_name(name, MAX_ACCOUNT_NAME_LEN)?,
                account_type,
                contact_name: clean_name(contact_name, MAX_PERSON_NAME_LEN)?,
                contact_email: check_email(contact_email)?,
                api_access_enabled: true,
                show_tokens_once: false,
                created_at: now,
                revision: 1,
                max_token_lifetime_days: None,
                language: crate::notify::Language::En,
                leak_policy: crate::leak::LeakPolicy::Disable,
            })
        }

        pub fn view(&self) -> AccountView {
            AccountView {
                id: self.id.clone(),
                name: self.name.clone(),
                account_type: self.account_type,
                contact_name: self.contact_name.clone(),
                contact_email: self.contact_email.clone(),
                api_access_enabled: self.api_access_enabled,
                show_tokens_once: self.show_tokens_once,
                created_at: self.created_at,
                revision: self.revision,
                max_token_lifetime_days: self.max_token_lifetime_days,
                language: self.language,
                leak_policy: self.leak_policy,
            }
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
        pub fn patch(
            &self,
            p: &AccountPatch,
        ) -> Result<AccountRecord, (AccountError, &'static str)> {
            let mut next = self.clone();
            if let Some(n) = &p.name {
                next.name = clean_name(n, MAX_ACCOUNT_NAME_LEN).map_err(|e| (e, "name"))?;
            }
            if let Some(n) = &p.contact_name {
                next.contact_name =
                    clean_name(n, MAX_PERSON_NAME_LEN).map_err(|e| (e, "contact_name"))?;
            }
            if let Some(e) = &p.contact_email {
                next.contact_email = check_email(e).map_err(|e| (e, "contact_email"))?;
            }
            if let Some(b) = p.api_access_enabled {
                next.api_access_enabled = b;
            }
            if let Some(b) = p.show_tokens_once {
                next.show_tokens_once = b;
            }
            if let Some(d) = p.max_token_lifetime_days {
                next.max_token_lifetime_days = crate::policy::check_lifetime_limit(d)
                    .map_err(|e| (AccountError::LifetimeLimit(e), "max_token_lifetime_days"))?;
            }
            if let Some(l) = p.language {
                next.language = l;
            }
            if let Some(l) = p.leak_policy {
                next.leak_policy = l;
            }
            if next != *self {
                next.revision = crate::revision::successor(self.revision);
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

        /// Validates a new user; the caller hashes the (already checked) password.
        pub fn validate_new(u: &NewUser) -> Result<(String, String), (AccountError, &'static str)> {
            let email = check_email(&u.email).map_err(|e| (e, "email"))?;
            let name = clean_name(&u.name, MAX_PERSON_NAME_LEN).map_err(|e| (e, "name"))?;
            check_password(&u.password).map_err(|e| (e, "password"))?;
            Ok((email, name))
        }

        pub fn view(&self) -> UserView {
            UserView {
                id: self.id.clone(),
                email: self.email.clone(),
                name: self.name.clone(),
                role: self.role,
                enabled: self.enabled,
                created_at: self.created_at,
                revision: self.revision,
                locale: self.locale,
            }
        }

        /// Applies a user change made by `actor`. `admins_left` is how many *other*
        /// enabled account admins the account has. The new password, if any, is hashed
        /// by the caller and passed as `new_hash`.
        pub fn patch(
            &self,
            p: &UserPatch,
            actor_id: &str,
            other_enabled_admins: usize,
            new_hash: Option<String>,
        ) -> Result<UserRecord, (AccountError, &'static str)> {
            let mut next = self.clone();
            let is_self = self.id == actor_id;
            if let Some(n) = &p.name {
                next.name = clean_name(n, MAX_PERSON_NAME_LEN).map_err(|e| (e, "name"))?;
            }
            if let Some(role) = p.role {
                if is_self && role != self.role {
                    return Err((AccountError::SelfChange, "role"));
                }
                next.role = role;
            }
            if let Some(enabled) = p.enabled {
                if is_self && !enabled {
                    return Err((AccountError::SelfChange, "enabled"));
                }
                next.enabled = enabled;
            }
            if let Some(pw) = &p.password {
                check_password(pw).map_err(|e| (e, "password"))?;
                if let Some(h) = new_hash {
                    next.password_hash = h;
                }
                next.generation = next.generation.wrapping_add(1);
            }
            let was_admin = self.enabled && self.role == Role::AccountAdmin;
            let is_admin = next.enabled && next.role == Role::AccountAdmin;
            if was_admin && !is_admin && other_enabled_admins == 0 {
                return Err((AccountError::LastAdmin, "role"));
            }
            if self.enabled && !next.enabled {
                next.generation = next.generation.wrapping_add(1);
            }
            if next != *self {
                next.revision = crate::revision::successor(self.revision);
            }
            Ok(next)
        }

        /// Whether this change must be confirmed with the actor's current password: users
        /// changing their own password (an admin resetting someone else's does not).
        pub fn needs_current_password(&self, p: &UserPatch, actor_id: &str) -> bool {
            self.id == actor_id && p.password.is_some()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn user(id: &str, role: Role) -> UserRecord {
            UserRecord {
                schema: 1,
                id: id.into(),
                account_id: "a".into(),
                email: format!("{id}@example.com"),
                name: id.into(),
                role,
                enabled: true,
                password_hash: "$argon2id$secret".into(),
                created_at: Timestamp(0),
                generation: 0,
                revision: 1,
                locale: None,
            }
        }

        #[test]
        fn own_password_changes_need_the_current_one() {
            let u = user("a1", Role::AccountAdmin);
            let pw = UserPatch {
                password: Some("a much longer password".into()),
                ..Default::default()
            };
            assert!(u.needs_current_password(&pw, "a1"));
            assert!(!u.needs_current_password(&pw, "other-admin"));
            assert!(!u.needs_current_password(
                &UserPatch {
                    name: Some("N".into()),
                    ..Default::default()
                },
                "a1"
            ));
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
            let demote = UserPatch {
                role: Some(Role::StandardUser),
                ..Default::default()
            };
            assert_eq!(
                admin.patch(&demote, "a2", 0, None).unwrap_err().0,
                AccountError::LastAdmin
            );
            assert!(admin.patch(&demote, "a2", 1, None).is_ok());
            let off = UserPatch {
                enabled: Some(false),
                ..Default::default()
            };
            assert_eq!(
                admin.patch(&off, "a1", 1, None).unwrap_err().0,
                AccountError::SelfChange
            );
        }

        #[test]
        fn disabling_or_a_new_password_ends_sessions() {
            let u = user("u1", Role::StandardUser);
            let off = u
                .patch(
                    &UserPatch {
                        enabled: Some(false),
                        ..Default::default()
                    },
                    "a1",
                    1,
                    None,
                )
                .expect("ok");
            assert_eq!(off.generation, 1);
            let pw = UserPatch {
                password: Some("a much longer password".into()),
                ..Default::default()
            };
            let changed = u
                .patch(&pw, "a1", 1, Some("$argon2id$new".into()))
                .expect("ok");
            assert_eq!(changed.generation, 1);
            assert_eq!(changed.password_hash, "$argon2id$new");
            assert!(!format!("{changed:?}").contains("argon2"));
        }

        #[test]
        fn account_patch_validates_contact() {
            let a = AccountRecord::new(
                "a".into(),
                "Acme",
                AccountType::Brand,
                "Ann",
                "ann@example.com",
                Timestamp(0),
            )
            .expect("ok");
            let bad = AccountPatch {
                contact_email: Some("nope".into()),
                ..Default::default()
            };
            assert_eq!(a.patch(&bad).unwrap_err().1, "contact_email");
            let limit = AccountPatch {
                max_token_lifetime_days: Some(Some(90)),
                ..Default::default()
            };
            let limited = a.patch(&limit).expect("a lifetime limit");
            assert_eq!(a.changed(&limited), vec!["max_token_lifetime_days"]);
            let off = AccountPatch {
                api_access_enabled: Some(false),
                ..Default::default()
            };
            assert!(!a.patch(&off).expect("ok").api_access_enabled);
        }
    }
}

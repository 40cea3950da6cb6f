//! Accounts, users and roles: who may do what.
//!
//! Deny by default: a role holds exactly the permissions listed in [`Role::permits`].

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::email::{EmailError, normalize_email};
use crate::error_code::{ErrorCode, Refusal};

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

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
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
    /// This error, about `field` of the request.
    pub fn at(self, field: &'static str) -> AccountRefusal {
        AccountRefusal { error: self, field }
    }
}

/// An [`AccountError`] about one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{error}")]
pub struct AccountRefusal {
    pub error: AccountError,
    pub field: &'static str,
}

impl Refusal for AccountRefusal {
    fn code(&self) -> ErrorCode {
        match &self.error {
            AccountError::NameEmpty => ErrorCode::NameEmpty,
            AccountError::NameTooLong { .. } => ErrorCode::NameTooLong,
            AccountError::NameControlCharacter => ErrorCode::NameControlCharacter,
            AccountError::Email(_) => ErrorCode::EmailInvalid,
            AccountError::PasswordTooShort => ErrorCode::PasswordTooShort,
            AccountError::PasswordTooLong => ErrorCode::PasswordTooLong,
            AccountError::EmailTaken => ErrorCode::EmailTaken,
            AccountError::LifetimeLimit(p) => p.code(),
            AccountError::LastAdmin => ErrorCode::LastAdmin,
            AccountError::SelfChange => ErrorCode::SelfChange,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some(self.field)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match &self.error {
            AccountError::NameTooLong { max } => vec![("max", max.to_string())],
            AccountError::LifetimeLimit(p) => p.params(),
            _ => Vec::new(),
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
    fn roles_round_trip_as_serialized() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_string(&r).ok(),
                Some(format!("\"{}\"", r.as_str()))
            );
        }
    }

    #[test]
    fn account_types_round_trip() {
        for t in AccountType::ALL {
            assert_eq!(AccountType::parse(t.as_str()), Some(t));
        }
        assert_eq!(AccountType::parse("advertiser"), None);
    }
}

mod records;
pub use records::{ACCOUNT_SCHEMA_VERSION, AccountChanges, AccountRecord, UserChanges, UserRecord};

//! Why a token operation was refused: every message says what to do, every error has a
//! stable code and, where one input is at fault, its field.

use thiserror::Error;

use crate::email::EmailError;
use crate::error_code::{ErrorCode, Refusal};
use crate::policy::PolicyError;
use crate::version::ApiVersion;

/// Why a token operation was refused. Every message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    #[error("give the token a name")]
    NameEmpty,
    #[error("a token name has at most {max} characters")]
    NameTooLong { max: usize },
    #[error("a token name cannot contain control characters")]
    NameControlCharacter,
    #[error("a description has at most {max} characters")]
    DescriptionTooLong { max: usize },
    #[error("a description cannot contain control characters other than line breaks and tabs")]
    DescriptionControlCharacter,
    #[error("choose a primary contact from the account's users")]
    UnknownContact,
    #[error("\"{email}\" is not a valid e-mail address: {reason}")]
    EmailInvalid { email: String, reason: EmailError },
    #[error("\"{email}\" is listed more than once")]
    EmailRepeated { email: String },
    #[error("list at most {max} developer e-mails")]
    TooManyEmails { max: usize },
    #[error("select at least one API scope")]
    NoScopes,
    #[error("\"{scope}\" is not a scope of API version {version} for this account type")]
    UnknownScope { scope: String, version: ApiVersion },
    #[error("a token cannot move back from API version {from} to {to}")]
    Downgrade { from: ApiVersion, to: ApiVersion },
    #[error("the token already uses API version {version}")]
    AlreadyAtVersion { version: ApiVersion },
    #[error("the token is already disabled")]
    AlreadyDisabled,
    #[error("the token is already enabled")]
    AlreadyEnabled,
    #[error("this token belongs to another account")]
    WrongAccount,
    #[error("this token's auth token was found in public: reset the token before you enable it")]
    Leaked,
    #[error("the leaked auth token cannot keep working: reset the token without a grace period")]
    LeakedGrace,
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

impl TokenError {
    /// Whether the error is a conflict with the token's current state (HTTP 409) rather
    /// than bad input (HTTP 422).
    pub fn is_conflict(&self) -> bool {
        self.code().status() == 409
    }
}

impl Refusal for TokenError {
    /// The values the message names, by the names a translation uses.
    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            TokenError::NameTooLong { max }
            | TokenError::DescriptionTooLong { max }
            | TokenError::TooManyEmails { max } => vec![("max", max.to_string())],
            TokenError::EmailInvalid { email, .. } | TokenError::EmailRepeated { email } => {
                vec![("email", email.clone())]
            }
            TokenError::UnknownScope { scope, version } => {
                vec![("scope", scope.clone()), ("version", version.to_string())]
            }
            TokenError::Downgrade { from, to } => {
                vec![("from", from.to_string()), ("to", to.to_string())]
            }
            TokenError::AlreadyAtVersion { version } => vec![("version", version.to_string())],
            TokenError::Policy(p) => p.params(),
            _ => Vec::new(),
        }
    }

    fn code(&self) -> ErrorCode {
        match self {
            TokenError::NameEmpty => ErrorCode::NameEmpty,
            TokenError::NameTooLong { .. } => ErrorCode::NameTooLong,
            TokenError::NameControlCharacter => ErrorCode::NameControlCharacter,
            TokenError::DescriptionTooLong { .. } => ErrorCode::DescriptionTooLong,
            TokenError::DescriptionControlCharacter => ErrorCode::DescriptionControlCharacter,
            TokenError::UnknownContact => ErrorCode::UnknownContact,
            TokenError::EmailInvalid { .. } => ErrorCode::EmailInvalid,
            TokenError::EmailRepeated { .. } => ErrorCode::EmailRepeated,
            TokenError::TooManyEmails { .. } => ErrorCode::TooManyEmails,
            TokenError::NoScopes => ErrorCode::NoScopes,
            TokenError::UnknownScope { .. } => ErrorCode::UnknownScope,
            TokenError::Downgrade { .. } => ErrorCode::Downgrade,
            TokenError::AlreadyAtVersion { .. } => ErrorCode::AlreadyAtVersion,
            TokenError::AlreadyDisabled => ErrorCode::AlreadyDisabled,
            TokenError::AlreadyEnabled => ErrorCode::AlreadyEnabled,
            TokenError::WrongAccount => ErrorCode::NotFound,
            TokenError::Leaked => ErrorCode::TokenLeaked,
            TokenError::LeakedGrace => ErrorCode::LeakedGrace,
            TokenError::Policy(p) => p.code(),
        }
    }

    /// The request field the error is about, if any.
    fn field(&self) -> Option<&'static str> {
        match self {
            TokenError::NameEmpty
            | TokenError::NameTooLong { .. }
            | TokenError::NameControlCharacter => Some("name"),
            TokenError::DescriptionTooLong { .. } | TokenError::DescriptionControlCharacter => {
                Some("description")
            }
            TokenError::UnknownContact => Some("primary_contact"),
            TokenError::EmailInvalid { .. }
            | TokenError::EmailRepeated { .. }
            | TokenError::TooManyEmails { .. } => Some("developer_emails"),
            TokenError::NoScopes | TokenError::UnknownScope { .. } => Some("scopes"),
            TokenError::Downgrade { .. } | TokenError::AlreadyAtVersion { .. } => {
                Some("api_version")
            }
            TokenError::AlreadyDisabled
            | TokenError::AlreadyEnabled
            | TokenError::WrongAccount
            | TokenError::Leaked => None,
            TokenError::LeakedGrace => Some("grace"),
            TokenError::Policy(p) => p.field(),
        }
    }
}

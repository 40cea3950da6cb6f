//! Validation of a token's settings, each with the error that says what to fix.

use std::collections::BTreeSet;

use super::{
    AccountContext, MAX_DESCRIPTION_LEN, MAX_DEVELOPER_EMAILS, MAX_TOKEN_NAME_LEN, TokenError,
};
use crate::account::AccountType;
use crate::email::{email_key, normalize_email};
use crate::scope::find_scope;
use crate::version::ApiVersion;

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Checks a token name (trimmed, 1 to 100 characters, no control characters).
pub fn check_name(raw: &str) -> Result<String, TokenError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(TokenError::NameEmpty);
    }
    if name.chars().count() > MAX_TOKEN_NAME_LEN {
        return Err(TokenError::NameTooLong {
            max: MAX_TOKEN_NAME_LEN,
        });
    }
    if name.chars().any(char::is_control) {
        return Err(TokenError::NameControlCharacter);
    }
    Ok(name.to_owned())
}

/// Checks a description (at most 500 characters; line breaks and tabs allowed).
pub fn check_description(raw: &str) -> Result<String, TokenError> {
    let text = raw.trim();
    if text.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(TokenError::DescriptionTooLong {
            max: MAX_DESCRIPTION_LEN,
        });
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(TokenError::DescriptionControlCharacter);
    }
    Ok(text.to_owned())
}

pub(super) fn check_contact(contact: &str, ctx: &AccountContext<'_>) -> Result<String, TokenError> {
    if ctx.users.iter().any(|u| u == contact) {
        Ok(contact.to_owned())
    } else {
        Err(TokenError::UnknownContact)
    }
}

/// Checks developer e-mails: valid, not repeated (case-insensitively), at most 20.
pub fn check_emails(raw: &[String]) -> Result<Vec<String>, TokenError> {
    if raw.len() > MAX_DEVELOPER_EMAILS {
        return Err(TokenError::TooManyEmails {
            max: MAX_DEVELOPER_EMAILS,
        });
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for email in raw {
        let normalized = normalize_email(email).map_err(|reason| TokenError::EmailInvalid {
            email: clip(email.trim(), 80),
            reason,
        })?;
        if !seen.insert(email_key(&normalized)) {
            return Err(TokenError::EmailRepeated { email: normalized });
        }
        out.push(normalized);
    }
    Ok(out)
}

/// Checks scopes against the catalog of an account type and version; at least one.
pub fn check_scopes(
    raw: &[String],
    account_type: AccountType,
    version: ApiVersion,
) -> Result<BTreeSet<String>, TokenError> {
    let mut out = BTreeSet::new();
    for scope in raw {
        match find_scope(account_type, version, scope) {
            Some(def) => {
                out.insert(def.id.to_owned());
            }
            None => {
                return Err(TokenError::UnknownScope {
                    scope: clip(scope, 64),
                    version,
                });
            }
        }
    }
    if out.is_empty() {
        return Err(TokenError::NoScopes);
    }
    Ok(out)
}

/// The name of a duplicate: "X (copy)", shortened so it stays within the limit.
pub fn copy_name(name: &str) -> String {
    const SUFFIX: &str = " (copy)";
    let room = MAX_TOKEN_NAME_LEN - SUFFIX.chars().count();
    let base: String = name.chars().take(room).collect();
    format!("{}{SUFFIX}", base.trim_end())
}

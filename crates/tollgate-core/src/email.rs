//! E-mail address validation for developer e-mails, user logins and contacts.
//!
//! A pragmatic subset of RFC 5321 that real mail systems accept: `local@domain`, at most
//! 254 characters, a dot-atom local part of at most 64 characters, and a domain of at
//! least two DNS labels (letters, digits, hyphens; no leading or trailing hyphen). Addresses are
//! compared case-insensitively.

use thiserror::Error;

pub const MAX_EMAIL_LEN: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("enter an e-mail address")]
    Empty,
    #[error("an e-mail address has at most 254 characters")]
    TooLong,
    #[error("an e-mail address looks like name@example.com")]
    Shape,
}

fn atom_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c)
}

/// Validates an address and returns its canonical form (trimmed, domain lower-cased).
pub fn normalize_email(raw: &str) -> Result<String, EmailError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(EmailError::Empty);
    }
    if s.len() > MAX_EMAIL_LEN {
        return Err(EmailError::TooLong);
    }
    let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Shape)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(atom_char));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()));
    if !local_ok || !domain_ok {
        return Err(EmailError::Shape);
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// The key under which two addresses are "the same" (the whole address lower-cased).
pub fn email_key(normalized: &str) -> String {
    normalized.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_addresses() {
        for a in [
            "dev@example.com",
            "first.last+api@mail.example.co.jp",
            "o'brien@x-y.io",
        ] {
            assert!(normalize_email(a).is_ok(), "{a}");
        }
        assert_eq!(
            normalize_email("  Dev@Example.COM ").as_deref(),
            Ok("Dev@example.com")
        );
    }

    #[test]
    fn rejects_the_rest() {
        for a in [
            "plain",
            "@example.com",
            "dev@",
            "dev@localhost",
            "dev@@example.com",
            "a..b@example.com",
            ".a@example.com",
            "dev@-example.com",
            "dev@example.123",
            "dev @example.com",
            "dev@exa_mple.com",
            "<dev@example.com>",
            "開発@example.com",
        ] {
            assert_eq!(normalize_email(a), Err(EmailError::Shape), "{a}");
        }
        assert_eq!(normalize_email(" "), Err(EmailError::Empty));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(normalize_email(&long), Err(EmailError::TooLong));
    }
}

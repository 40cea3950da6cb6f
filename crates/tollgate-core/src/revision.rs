//! Revisions: every token, user and account record counts its changes. The admin API
//! answers a record's revision as its `ETag` and takes `If-Match` on changes, so that a
//! person acting on a page they loaded earlier never overwrites someone else's change; the
//! KV replica carries the same number, so a replayed write never moves the edge's copy
//! back to an older state.

use thiserror::Error;

use crate::error_code::{ErrorCode, Refusal};

/// A record's revision: 1 when created, one more with every change.
pub type Revision = u64;

/// The revision a changed record gets.
pub fn successor(current: Revision) -> Revision {
    current.saturating_add(1)
}

/// The `ETag` of a revision (a strong validator).
pub fn etag(revision: Revision) -> String {
    format!("\"{revision}\"")
}

/// Why an `If-Match` precondition failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PreconditionError {
    #[error(
        "someone else changed this since you loaded it (your revision {presented}, now {current}): review the current state and try again"
    )]
    Stale {
        presented: String,
        current: Revision,
    },
    #[error("If-Match must be an entity tag such as \"3\" (from the ETag header) or *")]
    Malformed,
}

impl Refusal for PreconditionError {
    fn code(&self) -> ErrorCode {
        match self {
            PreconditionError::Stale { .. } => ErrorCode::StaleRevision,
            PreconditionError::Malformed => ErrorCode::InvalidPrecondition,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some("If-Match")
    }
}

/// Checks an `If-Match` header (RFC 9110 §13.1.1) against the current revision. No header
/// means no precondition; `*` matches any existing record; a list matches when one of its
/// tags does. Weak tags never match (strong comparison).
pub fn check_if_match(header: Option<&str>, current: Revision) -> Result<(), PreconditionError> {
    let Some(header) = header.map(str::trim) else {
        return Ok(());
    };
    if header == "*" {
        return Ok(());
    }
    let mut any = false;
    for tag in header.split(',').map(str::trim) {
        let strong = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"'));
        let weak = tag
            .strip_prefix("W/")
            .is_some_and(|t| t.starts_with('"') && t.ends_with('"') && t.len() >= 2);
        if strong.is_none() && !weak {
            return Err(PreconditionError::Malformed);
        }
        any = true;
        if strong.and_then(|t| t.parse::<Revision>().ok()) == Some(current) {
            return Ok(());
        }
    }
    if !any {
        return Err(PreconditionError::Malformed);
    }
    Err(PreconditionError::Stale {
        presented: header.chars().take(40).collect(),
        current,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn absent_and_star_match() {
        assert_eq!(check_if_match(None, 4), Ok(()));
        assert_eq!(check_if_match(Some("*"), 4), Ok(()));
    }

    #[test]
    fn strong_tags_compare_exactly() {
        assert_eq!(check_if_match(Some("\"4\""), 4), Ok(()));
        assert_eq!(check_if_match(Some("\"1\", \"4\""), 4), Ok(()));
        assert!(matches!(
            check_if_match(Some("\"3\""), 4),
            Err(PreconditionError::Stale { current: 4, .. })
        ));
        assert!(matches!(
            check_if_match(Some("W/\"4\""), 4),
            Err(PreconditionError::Stale { .. })
        ));
    }

    #[test]
    fn malformed_tags_are_refused() {
        for h in ["4", "", "\"4", "abc", ","] {
            assert_eq!(
                check_if_match(Some(h), 4),
                Err(PreconditionError::Malformed),
                "{h}"
            );
        }
    }

    proptest! {
        #[test]
        fn etag_round_trips(r in 0u64..u64::MAX) {
            prop_assert_eq!(check_if_match(Some(&etag(r)), r), Ok(()));
            prop_assert!(check_if_match(Some(&etag(r)), successor(r)).is_err() || r == u64::MAX);
        }
    }
}

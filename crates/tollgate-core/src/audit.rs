//! The audit log: what was done, by whom, to what. An operation decides its entries as
//! [`Audit`] values (the action, the actor, the subject, the changed fields as data); the
//! store gives each an id when it writes it ([`Audit::entry`]), which is what the log
//! answers ([`AuditEntry`]).

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::version::ApiVersion;
use crate::wire_name::named_enum;

named_enum! {
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
}

impl AuditAction {
    /// Whether the entry's detail lists changed fields (`name,scopes`).
    pub fn lists_fields(self) -> bool {
        matches!(self, AuditAction::TokenEdited | AuditAction::AccountEdited)
    }
}

/// An entry of the audit log, as stored and answered.
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

/// Who did something: a user (id and e-mail), or a system acting on the account (a secret
/// scanner, an unsubscribe link, Tollgate itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    /// The e-mail of a user, or the name of a system.
    pub name: String,
}

impl Actor {
    pub fn new(id: &str, name: &str) -> Actor {
        Actor {
            id: id.to_owned(),
            name: name.to_owned(),
        }
    }

    /// Tollgate itself (the "expires soon" sweep).
    pub fn tollgate() -> Actor {
        Actor::new("tollgate", "Tollgate")
    }
}

/// What an entry says besides its action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    None,
    /// The settings a change named, by their API names.
    Fields(Vec<&'static str>),
    /// An API version upgrade.
    Upgrade {
        from: ApiVersion,
        to: ApiVersion,
    },
    /// Anything else, in words (where a leak was found, the client of a failed sign-in).
    Text(String),
}

impl Detail {
    /// The entry's `detail` text.
    pub fn text(&self) -> Option<String> {
        match self {
            Detail::None => None,
            Detail::Fields(fields) => Some(fields.join(",")),
            Detail::Upgrade { from, to } => Some(format!("{from} -> {to}")),
            Detail::Text(t) => Some(t.clone()),
        }
    }
}

/// An entry an operation decided: everything but the id the store gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub at: Timestamp,
    pub actor: Actor,
    pub action: AuditAction,
    /// SID of the token, or id of the user or account, acted on.
    pub target: String,
    pub target_name: String,
    pub detail: Detail,
}

impl Audit {
    /// The entry as stored, under `id`.
    pub fn entry(&self, id: String) -> AuditEntry {
        AuditEntry {
            id,
            at: self.at,
            actor_id: self.actor.id.clone(),
            actor_email: self.actor.name.clone(),
            action: self.action,
            target: self.target.clone(),
            target_name: self.target_name.clone(),
            detail: self.detail.text(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_read_as_the_log_shows_them() {
        assert_eq!(
            Detail::Fields(vec!["name", "scopes"]).text().as_deref(),
            Some("name,scopes")
        );
        let up = Detail::Upgrade {
            from: ApiVersion::V2025_04_01,
            to: ApiVersion::V2026_04_01,
        };
        assert_eq!(up.text().as_deref(), Some("2025-04-01 -> 2026-04-01"));
        assert_eq!(Detail::None.text(), None);
    }
}

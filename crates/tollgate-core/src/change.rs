//! What one operation means, as a value: the records to store, the audit entries, the
//! events for the people on a token, the sessions and counters it touches, the edge's replica
//! rows, and the answer to keep for a retry. An operation of [`crate::admin`] decides one
//! `Change`; the account's object turns it into SQL statements of one transaction, and after
//! the commit sends its replica rows to KV and the revocation feed and its events' messages
//! to the queue. Nothing here is stored by the core.
//!
//! The builders keep a record and its replica together: [`Change::put_token`] also queues
//! the token's `tok:` row, [`Change::put_account`] the account's `acct:` row, so no caller can
//! store one without the other.

use crate::account::{AccountRecord, UserRecord};
use crate::audit::Audit;
use crate::credential::{AccountSid, AuthToken};
use crate::notify::Event;
use crate::replica::{ReplicaWrite, Tombstone};
use crate::session::SessionRecord;
use crate::throttle::Counter;
use crate::time::Timestamp;
use crate::token::TokenRecord;

/// A token to store or remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenWrite {
    /// Store the record. With `keep_secret`, the auth token just issued is kept too, sealed
    /// by the store (an account that shows auth tokens once keeps none).
    Put {
        record: Box<TokenRecord>,
        keep_secret: Option<AuthToken>,
    },
    Delete {
        sid: AccountSid,
    },
}

/// A session to write (keyed by the digest of its id) or end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionWrite {
    Put {
        digest: String,
        record: SessionRecord,
    },
    /// Refresh a session only while it still exists: an ended session is never written back.
    Touch {
        digest: String,
        record: SessionRecord,
    },
    Delete {
        digest: String,
    },
    /// End every session of a user (a password change, a disable).
    EndAllOf {
        user_id: String,
    },
    /// Forget sessions that ended before this time.
    DropExpired {
        before: Timestamp,
    },
}

/// A failure counter of the sign-in throttle to write or clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterWrite {
    Put { key: String, counter: Counter },
    Clear { key: String },
}

/// Something that happened to a token, for the people on it: the token as it is after the
/// event (before it, for a deletion) and who made it happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEvent {
    pub event: Event,
    pub token: TokenRecord,
    /// The e-mail of the user, or the name of the system, that made the change.
    pub actor: String,
}

/// An answer to keep under a request's `Idempotency-Key`: a retry within a day gets it
/// again. It can hold an auth token, so the store keeps it sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    pub key: String,
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

/// Everything one operation means (see the module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub account: Option<AccountRecord>,
    pub users: Vec<UserRecord>,
    pub tokens: Vec<TokenWrite>,
    pub sessions: Vec<SessionWrite>,
    pub counters: Vec<CounterWrite>,
    pub audit: Vec<Audit>,
    pub events: Vec<TokenEvent>,
    pub replica: Vec<ReplicaWrite>,
    /// Tokens whose "expires soon" notice was written, with the expiry it was for.
    pub expiry_warnings: Vec<(AccountSid, Timestamp)>,
    pub kept_answer: Option<KeptAnswer>,
}

impl Change {
    pub fn new() -> Change {
        Change::default()
    }

    /// Whether the operation changes nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == Change::default()
    }

    /// Stores `record` and queues its replica row.
    pub fn put_token(&mut self, record: TokenRecord) -> &mut Change {
        self.replica.push(ReplicaWrite::token(&record));
        self.tokens.push(TokenWrite::Put {
            record: Box::new(record),
            keep_secret: None,
        });
        self
    }

    /// Stores a record with an auth token just issued: its replica row, the index from the
    /// new secret's digest to the token (for leak reports), and — unless the account shows
    /// auth tokens once — the auth token, sealed by the store.
    pub fn issue_token(
        &mut self,
        record: TokenRecord,
        token: AuthToken,
        keep: bool,
    ) -> &mut Change {
        self.replica.push(ReplicaWrite::token(&record));
        self.replica.push(ReplicaWrite::digest_index(&record));
        self.tokens.push(TokenWrite::Put {
            record: Box::new(record),
            keep_secret: keep.then_some(token),
        });
        self
    }

    /// Removes a token and queues its tombstone.
    pub fn delete_token(&mut self, tombstone: &Tombstone) -> &mut Change {
        self.replica.push(ReplicaWrite::tombstone(tombstone));
        self.tokens.push(TokenWrite::Delete {
            sid: tombstone.sid.clone(),
        });
        self
    }

    /// Stores the account and queues its replica row (the edge reads its API switch).
    pub fn put_account(&mut self, record: AccountRecord) -> &mut Change {
        self.replica.push(ReplicaWrite::account(&record));
        self.account = Some(record);
        self
    }

    pub fn put_user(&mut self, record: UserRecord) -> &mut Change {
        self.users.push(record);
        self
    }

    pub fn audit(&mut self, entry: Audit) -> &mut Change {
        self.audit.push(entry);
        self
    }

    pub fn event(&mut self, event: Event, token: &TokenRecord, actor: &str) -> &mut Change {
        self.events.push(TokenEvent {
            event,
            token: token.clone(),
            actor: actor.to_owned(),
        });
        self
    }

    pub fn session(&mut self, write: SessionWrite) -> &mut Change {
        self.sessions.push(write);
        self
    }

    pub fn counter(&mut self, write: CounterWrite) -> &mut Change {
        self.counters.push(write);
        self
    }

    /// Whether committing this change leaves replica rows to send (the edge must hear it).
    pub fn reaches_the_edge(&self) -> bool {
        !self.replica.is_empty()
    }

    /// The token as this change leaves it, if it stores one with `sid`.
    pub fn token(&self, sid: &str) -> Option<&TokenRecord> {
        self.tokens.iter().rev().find_map(|w| match w {
            TokenWrite::Put { record, .. } if record.sid.as_str() == sid => Some(&**record),
            _ => None,
        })
    }
}

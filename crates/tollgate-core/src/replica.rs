//! The edge's replica in Workers KV. The account's Durable Object is the only writer; the
//! edge only reads. `tok:{sid}` holds either the token's edge copy (the record without its
//! sealed auth token) or, once deleted, a tombstone, each with the record's revision, so
//! that a replayed write can be recognised as older and a location whose KV still holds
//! the record sees the deletion as soon as the tombstone arrives.

use serde::{Deserialize, Serialize};

use crate::account::AccountRecord;
use crate::credential::AccountSid;
use crate::policy::IpRange;
use crate::revision::Revision;
use crate::time::{Span, Timestamp};
use crate::token::TokenRecord;

/// How long a tombstone stays in KV: long after every location has seen it.
pub const TOMBSTONE_TTL: Span = Span::days(7);

/// A deleted token as the replica keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tombstone {
    pub sid: AccountSid,
    pub account_id: String,
    pub revision: Revision,
    pub deleted_at: Timestamp,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TombstoneDoc {
    tombstone: Tombstone,
}

/// One row of the replica to write: a KV key, its value and revision (a write never moves a
/// key back to an older revision), and how long KV keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaWrite {
    pub key: String,
    pub value: String,
    pub revision: Revision,
    pub ttl_secs: Option<i64>,
}

impl ReplicaWrite {
    /// `tok:{sid}`: the token's edge copy.
    pub fn token(record: &TokenRecord) -> ReplicaWrite {
        let replica = TokenReplica::live(record);
        ReplicaWrite {
            key: token_key(record.sid.as_str()),
            value: replica.to_json(),
            revision: record.revision,
            ttl_secs: None,
        }
    }

    /// `tok:{sid}`: a deleted token's tombstone, kept [`TOMBSTONE_TTL`].
    pub fn tombstone(t: &Tombstone) -> ReplicaWrite {
        ReplicaWrite {
            key: token_key(t.sid.as_str()),
            value: TokenReplica::Deleted(t.clone()).to_json(),
            revision: t.revision,
            ttl_secs: Some(TOMBSTONE_TTL.millis() / 1000),
        }
    }

    /// `acct:{id}`: the account (the edge reads its type and API switch).
    pub fn account(record: &AccountRecord) -> ReplicaWrite {
        ReplicaWrite {
            key: account_key(&record.id),
            value: serde_json::to_string(record).unwrap_or_default(),
            revision: record.revision,
            ttl_secs: None,
        }
    }

    /// `dig:{sha256}`: the index from the current secret's digest to its token.
    pub fn digest_index(record: &TokenRecord) -> ReplicaWrite {
        let (key, value) = digest_index(record);
        ReplicaWrite {
            key,
            value,
            revision: 1,
            ttl_secs: None,
        }
    }

    /// Whether the verifier reads this row (and so the revocation feed carries it).
    pub fn on_feed(&self) -> bool {
        on_feed(&self.key)
    }
}

/// The KV key of a token's replica.
pub fn token_key(sid: &str) -> String {
    format!("tok:{sid}")
}

/// The KV key of an account's replica.
pub fn account_key(account_id: &str) -> String {
    format!("acct:{account_id}")
}

impl From<&crate::token::Deleted> for Tombstone {
    fn from(d: &crate::token::Deleted) -> Tombstone {
        Tombstone {
            sid: d.sid.clone(),
            account_id: d.account_id.clone(),
            revision: d.revision,
            deleted_at: d.deleted_at,
        }
    }
}

/// One `tok:{sid}` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenReplica {
    Live(Box<TokenRecord>),
    Deleted(Tombstone),
}

impl TokenReplica {
    /// The edge's copy of a record: no sealed auth token leaves the object.
    pub fn live(record: &TokenRecord) -> TokenReplica {
        let mut copy = record.clone();
        copy.sealed_auth_token = None;
        TokenReplica::Live(Box::new(copy))
    }

    pub fn revision(&self) -> Revision {
        match self {
            TokenReplica::Live(r) => r.revision,
            TokenReplica::Deleted(t) => t.revision,
        }
    }

    pub fn to_json(&self) -> String {
        let out = match self {
            TokenReplica::Live(r) => serde_json::to_string(r),
            TokenReplica::Deleted(t) => serde_json::to_string(&TombstoneDoc {
                tombstone: t.clone(),
            }),
        };
        out.unwrap_or_default()
    }

    /// Reads a `tok:{sid}` value (a record of any version, or a tombstone).
    pub fn from_json(json: &str) -> Result<TokenReplica, serde_json::Error> {
        if json.starts_with("{\"tombstone\"") {
            let doc: TombstoneDoc = serde_json::from_str(json)?;
            return Ok(TokenReplica::Deleted(doc.tombstone));
        }
        TokenRecord::from_json(json).map(|r| TokenReplica::Live(Box::new(r)))
    }

    /// The record the edge verifies against: none for a tombstone.
    pub fn into_record(self) -> Option<TokenRecord> {
        match self {
            TokenReplica::Live(r) => Some(*r),
            TokenReplica::Deleted(_) => None,
        }
    }
}

/// What verification needs of a token: its verification state. Read from a replica value
/// (any other field is skipped), so the verifier carries no code for the rest of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeToken {
    pub sid: AccountSid,
    pub account_id: String,
    pub api_version: crate::version::ApiVersion,
    pub scopes: std::collections::BTreeSet<String>,
    pub enabled: bool,
    pub secret: crate::token::StoredSecret,
    #[serde(default)]
    pub revision: Revision,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// The allowlist, parsed once when the replica is read (never per request).
    #[serde(default, with = "crate::policy::ranges")]
    pub allowed_ips: Vec<IpRange>,
    #[serde(default)]
    pub rate_limit: Option<crate::policy::RateLimit>,
}

impl From<&TokenRecord> for EdgeToken {
    fn from(r: &TokenRecord) -> EdgeToken {
        EdgeToken {
            sid: r.sid.clone(),
            account_id: r.account_id.clone(),
            api_version: r.api_version,
            scopes: r.scopes.clone(),
            enabled: r.enabled,
            secret: r.secret,
            revision: r.revision,
            expires_at: r.expires_at,
            allowed_ips: r
                .allowed_ips
                .iter()
                .map(|e| IpRange::parse_or_nothing(e))
                .collect(),
            rate_limit: r.rate_limit,
        }
    }
}

/// What verification needs of an account (`acct:{id}`): its type and API switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct EdgeAccount {
    pub account_type: crate::account::AccountType,
    pub api_access_enabled: bool,
    #[serde(default)]
    pub revision: Revision,
}

/// A `tok:{sid}` value as the verifier reads it: the verification state, or a tombstone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeReplica {
    Live(Box<EdgeToken>),
    Deleted { revision: Revision },
}

#[derive(Deserialize)]
struct TombstoneRevision {
    tombstone: RevisionOnly,
}

#[derive(Deserialize)]
struct RevisionOnly {
    revision: Revision,
}

impl EdgeReplica {
    pub fn from_json(json: &str) -> Result<EdgeReplica, serde_json::Error> {
        if json.starts_with("{\"tombstone\"") {
            let doc: TombstoneRevision = serde_json::from_str(json)?;
            return Ok(EdgeReplica::Deleted {
                revision: doc.tombstone.revision,
            });
        }
        serde_json::from_str(json).map(|t| EdgeReplica::Live(Box::new(t)))
    }

    pub fn revision(&self) -> Revision {
        match self {
            EdgeReplica::Live(t) => t.revision,
            EdgeReplica::Deleted { revision } => *revision,
        }
    }

    /// The state to verify against: none for a tombstone.
    pub fn live(&self) -> Option<&EdgeToken> {
        match self {
            EdgeReplica::Live(t) => Some(t),
            EdgeReplica::Deleted { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tests::issued;

    #[test]
    fn the_edge_reads_the_verification_state_of_every_replica_value() {
        let mut r = sample();
        r.revision = 4;
        let live = EdgeReplica::from_json(&TokenReplica::live(&r).to_json()).expect("reads");
        assert_eq!(live, EdgeReplica::Live(Box::new(EdgeToken::from(&r))));
        let t = TokenReplica::Deleted(Tombstone {
            sid: r.sid.clone(),
            account_id: r.account_id.clone(),
            revision: 5,
            deleted_at: Timestamp(1),
        });
        let dead = EdgeReplica::from_json(&t.to_json()).expect("reads");
        assert_eq!((dead.revision(), dead.live()), (5, None));
    }

    fn sample() -> TokenRecord {
        issued(3).record
    }

    #[test]
    fn live_copies_drop_the_sealed_token_and_round_trip() {
        let mut r = sample();
        r.sealed_auth_token = Some("sealed".into());
        r.revision = 7;
        let live = TokenReplica::live(&r);
        let back = TokenReplica::from_json(&live.to_json()).expect("reads");
        assert_eq!(back.revision(), 7);
        let rec = back.into_record().expect("live");
        assert_eq!(rec.sealed_auth_token, None);
        assert_eq!(rec.sid, r.sid);
    }

    #[test]
    fn tombstones_round_trip_and_hide_the_record() {
        let r = sample();
        let t = TokenReplica::Deleted(Tombstone {
            sid: r.sid.clone(),
            account_id: r.account_id.clone(),
            revision: 9,
            deleted_at: Timestamp(5),
        });
        let back = TokenReplica::from_json(&t.to_json()).expect("reads");
        assert_eq!(back, t);
        assert_eq!(back.into_record(), None);
    }

    #[test]
    fn records_without_revision_read_as_zero() {
        let r = sample();
        let mut v = serde_json::to_value(&r).expect("json");
        v.as_object_mut().expect("object").remove("revision");
        let back = TokenReplica::from_json(&v.to_string()).expect("legacy record");
        assert_eq!(back.revision(), 0);
    }
}

/// The KV prefix of the index from a secret's digest to its token (`dig:{sha256 hex}`),
/// written when a secret is issued and read by the secret-scanning endpoint. Not part of the
/// revocation feed: the verifier never reads it.
pub const DIGEST_INDEX_PREFIX: &str = "dig:";

/// Where a secret's digest leads: the account (whose object decides) and the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestIndex {
    pub account_id: String,
    pub sid: String,
}

/// The KV key of `digest`'s index entry.
pub fn digest_index_key(digest: &crate::credential::Digest) -> String {
    format!("{DIGEST_INDEX_PREFIX}{}", digest.to_hex())
}

/// The index entry (key and JSON value) of `t`'s current secret.
pub fn digest_index(t: &TokenRecord) -> (String, String) {
    let value = DigestIndex {
        account_id: t.account_id.clone(),
        sid: t.sid.as_str().to_owned(),
    };
    (
        digest_index_key(&t.secret.digest),
        serde_json::to_string(&value).unwrap_or_default(),
    )
}

/// Whether a replica key is one the verifier reads (and the feed carries).
pub fn on_feed(key: &str) -> bool {
    !key.starts_with(DIGEST_INDEX_PREFIX)
}

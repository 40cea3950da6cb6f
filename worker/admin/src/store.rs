//! Workers KV: the edge's replica, and the only code of the admin Worker that touches KV
//! (the verifier, `worker/verifier/`, reads it).
//!
//! The account's Durable Object is the source of truth (see `account/`); KV holds what the
//! verifier reads, written only by the objects' outboxes (which also publish every change
//! on the revocation feed, [`crate::feed`]):
//!
//! | key              | value                                                      | writer        |
//! |------------------|------------------------------------------------------------|---------------|
//! | `tok:{sid}`      | `TokenReplica`: the record without its sealed token, or a tombstone (expires after 7 days), with its revision | account object |
//! | `acct:{account}` | `AccountRecord` (the edge reads the type and the API switch) | account object |
//! | `used:{sid}`     | last-used time (ms), written at most once a minute per isolate | verifier   |
//!
//! Keys of the earlier KV-only layout (`user:`, `email:`, `members:`, `idx:`, `idxver:`,
//! `audit:`, `sess:`, `usess:`) are only read, once, when an account's object imports them
//! ([`legacy`]). No key or value holds a plaintext auth token, password or session id.

use serde::de::DeserializeOwned;
use tollgate_core::replica::TokenReplica;
use tollgate_core::time::Timestamp;
use worker::kv::KvStore;

use crate::error::{ApiError, ApiResult};

pub const BINDING: &str = "TOLLGATE_KV";

/// How many KV operations this isolate has made (a list call counts as one read). Shown by
/// `GET /__tollgate/stats` only when the `EXPOSE_STATS` variable is `"true"` (benchmarks
/// use it to show that malformed credentials cost no read); never exposed otherwise.
pub mod counters {
    use std::sync::atomic::{AtomicU64, Ordering};

    static READS: AtomicU64 = AtomicU64::new(0);
    static WRITES: AtomicU64 = AtomicU64::new(0);

    pub fn read() {
        READS.fetch_add(1, Ordering::Relaxed);
    }

    pub fn write() {
        WRITES.fetch_add(1, Ordering::Relaxed);
    }

    /// (reads, writes) so far.
    pub fn snapshot() -> (u64, u64) {
        (
            READS.load(Ordering::Relaxed),
            WRITES.load(Ordering::Relaxed),
        )
    }
}

pub struct Store {
    kv: KvStore,
}

fn decode<T: DeserializeOwned>(key: &str, text: Option<String>) -> ApiResult<Option<T>> {
    match text {
        None => Ok(None),
        Some(t) => serde_json::from_str(&t).map(Some).map_err(|e| {
            worker::console_error!(
                "unreadable record at {}: {e}",
                key.split(':').next().unwrap_or("")
            );
            ApiError::unavailable()
        }),
    }
}

impl Store {
    pub fn open(env: &worker::Env) -> ApiResult<Store> {
        Ok(Store {
            kv: env.kv(BINDING).map_err(ApiError::from)?,
        })
    }

    async fn text(&self, key: &str) -> ApiResult<Option<String>> {
        counters::read();
        Ok(self.kv.get(key).text().await?)
    }

    async fn get<T: DeserializeOwned>(&self, key: &str) -> ApiResult<Option<T>> {
        let text = self.text(key).await?;
        decode(key, text)
    }

    // ------------------------------------------------------------ the edge's reads

    /// The replica of a token (a record or a tombstone).
    pub async fn token(&self, sid: &str) -> ApiResult<Option<TokenReplica>> {
        match self.text(&format!("tok:{sid}")).await? {
            None => Ok(None),
            Some(t) => TokenReplica::from_json(&t).map(Some).map_err(|e| {
                worker::console_error!("unreadable token replica: {e}");
                ApiError::unavailable()
            }),
        }
    }

    /// Where a secret's digest leads (see [`tollgate_core::replica::digest_index`]).
    pub async fn digest_index(
        &self,
        digest: &tollgate_core::credential::Digest,
    ) -> ApiResult<Option<tollgate_core::replica::DigestIndex>> {
        self.get(&tollgate_core::replica::digest_index_key(digest))
            .await
    }

    pub async fn last_used(&self, sid: &str) -> ApiResult<Option<Timestamp>> {
        Ok(self
            .text(&format!("used:{sid}"))
            .await?
            .and_then(|t| t.parse().ok())
            .map(Timestamp))
    }

    /// Last-used times of many tokens (a page of the list): one bulk read of up to 100
    /// keys per call, falling back to single reads where bulk reads are not available.
    pub async fn last_used_many(
        &self,
        sids: &[&str],
    ) -> ApiResult<std::collections::HashMap<String, Timestamp>> {
        let mut out = std::collections::HashMap::new();
        for chunk in sids.chunks(100) {
            let keys: Vec<String> = chunk.iter().map(|s| format!("used:{s}")).collect();
            counters::read();
            match self.kv.get_bulk(&keys).text().await {
                Ok(found) => {
                    for (k, v) in found {
                        if let (Some(sid), Some(t)) =
                            (k.strip_prefix("used:"), v.and_then(|v| v.parse().ok()))
                        {
                            out.insert(sid.to_owned(), Timestamp(t));
                        }
                    }
                }
                Err(_) => {
                    let each =
                        futures_util::future::join_all(chunk.iter().map(|s| self.last_used(s)))
                            .await;
                    for (sid, t) in chunk.iter().zip(each) {
                        if let Some(t) = t? {
                            out.insert((*sid).to_owned(), t);
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    // ------------------------------------------------------------ the objects' writes

    /// Writes one replica value (from an account object's outbox), expiring after
    /// `ttl_secs` when given.
    pub async fn put_replica(
        &self,
        key: &str,
        value: &str,
        ttl_secs: Option<u64>,
    ) -> ApiResult<()> {
        counters::write();
        let mut put = self.kv.put(key, value)?;
        if let Some(ttl) = ttl_secs {
            put = put.expiration_ttl(ttl.max(60));
        }
        put.execute().await?;
        Ok(())
    }

    /// Every key under `prefix` (following cursors).
    async fn keys(&self, prefix: &str) -> ApiResult<Vec<String>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut b = self.kv.list().prefix(prefix.to_owned()).limit(1000);
            if let Some(c) = cursor.take() {
                b = b.cursor(c);
            }
            counters::read();
            let page = b.execute().await?;
            out.extend(page.keys.into_iter().map(|k| k.name));
            match page.cursor {
                Some(c) if !page.list_complete && !c.is_empty() => cursor = Some(c),
                _ => return Ok(out),
            }
        }
    }
}

/// Reading the earlier KV-only layout, for the one-time import into an account's object.
pub mod legacy {
    use futures_util::future::join_all;
    use tollgate_core::account::{AccountRecord, UserRecord};
    use tollgate_core::audit::AuditEntry;
    use tollgate_core::replica::TokenReplica;
    use tollgate_core::token::TokenRecord;

    use super::Store;
    use crate::error::ApiResult;

    /// Everything an account had in the KV-only layout.
    #[derive(Debug, Default)]
    pub struct Legacy {
        pub account: Option<AccountRecord>,
        pub users: Vec<UserRecord>,
        pub tokens: Vec<TokenRecord>,
        /// Oldest first.
        pub audit: Vec<AuditEntry>,
    }

    impl Store {
        /// The account a legacy e-mail lookup names (`email:{e}` → `user:{id}`).
        pub async fn legacy_account_of(&self, email: &str) -> ApiResult<Option<String>> {
            let Some(user_id) = self
                .text(&format!("email:{}", email.to_lowercase()))
                .await?
            else {
                return Ok(None);
            };
            let user: Option<UserRecord> = self.get(&format!("user:{user_id}")).await?;
            Ok(user.map(|u| u.account_id))
        }

        /// Reads an account's legacy records (nothing when it has none).
        pub async fn legacy(&self, account: &str) -> ApiResult<Legacy> {
            let Some(record) = self
                .get::<AccountRecord>(&format!("acct:{account}"))
                .await?
            else {
                return Ok(Legacy::default());
            };
            let members = format!("members:{account}:");
            let user_ids: Vec<String> = self
                .keys(&members)
                .await?
                .iter()
                .filter_map(|k| k.strip_prefix(&members).map(str::to_owned))
                .collect();
            let mut users = Vec::new();
            let user_keys: Vec<String> = user_ids.iter().map(|id| format!("user:{id}")).collect();
            for u in join_all(user_keys.iter().map(|k| self.get::<UserRecord>(k))).await {
                users.extend(u?);
            }
            let idx = format!("idx:{account}:");
            let sids: Vec<String> = self
                .keys(&idx)
                .await?
                .iter()
                .filter_map(|k| k.strip_prefix(&idx).map(str::to_owned))
                .collect();
            let mut tokens = Vec::new();
            for t in join_all(sids.iter().map(|s| self.token(s))).await {
                if let Some(TokenReplica::Live(r)) = t? {
                    tokens.push(*r);
                }
            }
            let audit_keys = self.keys(&format!("audit:{account}:")).await?;
            let mut audit = Vec::new();
            for chunk in audit_keys.chunks(50) {
                for e in join_all(chunk.iter().map(|k| self.get::<AuditEntry>(k))).await {
                    audit.extend(e?);
                }
            }
            // Keys sort newest first.
            audit.reverse();
            Ok(Legacy {
                account: Some(record),
                users,
                tokens,
                audit,
            })
        }
    }
}

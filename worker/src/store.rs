//! Workers KV layout. Every key of the namespace, and the only code that reads or writes it.
//!
//! | key                                   | value                                   |
//! |---------------------------------------|-----------------------------------------|
//! | `tok:{sid}`                           | `TokenRecord` — the single read of verification |
//! | `idx:{account}:{sid}`                 | empty; metadata `{n, c, e}` (name, created, enabled) for listing and filtering |
//! | `idxver:{account}`                    | a random version, rewritten whenever the account's index changes |
//! | `used:{sid}`                          | last-used time (ms), written at most once a minute |
//! | `acct:{account}`                      | `AccountRecord`                         |
//! | `user:{user}`                         | `UserRecord` (Argon2id hash only)       |
//! | `email:{lowercased e-mail}`           | user id (sign-in lookup)                |
//! | `members:{account}:{user}`            | empty (an account's users)              |
//! | `sess:{sha256(session id)}`           | `SessionRecord` (CSRF token as digest), expiring |
//! | `usess:{user}:{sha256(session id)}`   | empty, expiring (to end a user's sessions) |
//! | `audit:{account}:{inverted ms}:{id}`  | `AuditEntry`, newest first by key order |
//!
//! Every record carries a `schema` number. No key or value holds a plaintext auth token,
//! password or session id.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use tollgate_core::account::{AccountRecord, UserRecord};
use tollgate_core::api::AuditEntry;
use tollgate_core::filter::Listed;
use tollgate_core::session::SessionRecord;
use tollgate_core::time::Timestamp;
use tollgate_core::token::TokenRecord;
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
        (READS.load(Ordering::Relaxed), WRITES.load(Ordering::Relaxed))
    }
}

pub struct Store {
    kv: KvStore,
}

/// How many accounts' token indexes an isolate keeps (each about 100 bytes per token).
const CACHED_INDEXES: usize = 8;

/// A token index read by this isolate, and the index version it was read at.
struct CachedIndex {
    account: String,
    version: String,
    entries: Rc<Vec<IndexEntry>>,
}

thread_local! {
    /// Token indexes read by this isolate, most recent last. One serves a list request only
    /// while `idxver:{account}` still holds its version, so a listing costs one KV read
    /// instead of one list call per 1,000 tokens.
    static INDEXES: RefCell<Vec<CachedIndex>> = const { RefCell::new(Vec::new()) };
}

fn cached_index(account: &str, version: &str) -> Option<Rc<Vec<IndexEntry>>> {
    INDEXES.with(|c| {
        c.borrow().iter().find(|i| i.account == account && i.version == version).map(|i| Rc::clone(&i.entries))
    })
}

fn remember_index(account: &str, version: String, entries: Rc<Vec<IndexEntry>>) {
    INDEXES.with(|c| {
        let mut c = c.borrow_mut();
        c.retain(|i| i.account != account);
        if c.len() >= CACHED_INDEXES {
            c.remove(0);
        }
        c.push(CachedIndex { account: account.to_owned(), version, entries });
    });
}

fn forget_index(account: &str) {
    INDEXES.with(|c| c.borrow_mut().retain(|i| i.account != account));
}

/// What the account's token index keeps of each token: enough to filter and order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexEntry {
    #[serde(skip)]
    pub sid: String,
    pub n: String,
    pub c: i64,
    pub e: bool,
}

impl Listed for IndexEntry {
    fn name(&self) -> &str {
        &self.n
    }
    fn sid(&self) -> &str {
        &self.sid
    }
    fn created_at(&self) -> Timestamp {
        Timestamp(self.c)
    }
    fn enabled(&self) -> bool {
        self.e
    }
}

fn decode<T: for<'de> Deserialize<'de>>(key: &str, text: Option<String>) -> ApiResult<Option<T>> {
    match text {
        None => Ok(None),
        Some(t) => serde_json::from_str(&t).map(Some).map_err(|e| {
            worker::console_error!("unreadable record at {}: {e}", key.split(':').next().unwrap_or(""));
            ApiError::unavailable()
        }),
    }
}

fn encode<T: Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|_| ApiError::unavailable())
}

impl Store {
    pub fn open(env: &worker::Env) -> ApiResult<Store> {
        Ok(Store { kv: env.kv(BINDING).map_err(ApiError::from)? })
    }

    async fn get<T: for<'de> Deserialize<'de>>(&self, key: &str) -> ApiResult<Option<T>> {
        counters::read();
        let text = self.kv.get(key).text().await?;
        decode(key, text)
    }

    async fn put<T: Serialize>(&self, key: &str, value: &T) -> ApiResult<()> {
        counters::write();
        self.kv.put(key, encode(value)?)?.execute().await?;
        Ok(())
    }

    /// All keys under a prefix, with their metadata, following cursors.
    async fn list_all(&self, prefix: &str) -> ApiResult<Vec<worker::kv::Key>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut b = self.kv.list().prefix(prefix.to_owned()).limit(1000);
            if let Some(c) = cursor.take() {
                b = b.cursor(c);
            }
            counters::read();
            let page = b.execute().await?;
            out.extend(page.keys);
            match page.cursor {
                Some(c) if !page.list_complete && !c.is_empty() => cursor = Some(c),
                _ => return Ok(out),
            }
        }
    }

    // ------------------------------------------------------------ tokens

    pub async fn token(&self, sid: &str) -> ApiResult<Option<TokenRecord>> {
        counters::read();
        match self.kv.get(&format!("tok:{sid}")).text().await? {
            None => Ok(None),
            Some(t) => TokenRecord::from_json(&t).map(Some).map_err(|e| {
                worker::console_error!("unreadable token record: {e}");
                ApiError::unavailable()
            }),
        }
    }

    pub async fn put_token(&self, t: &TokenRecord) -> ApiResult<()> {
        self.put(&format!("tok:{}", t.sid), t).await?;
        let meta = IndexEntry { sid: String::new(), n: t.name.clone(), c: t.created_at.0, e: t.enabled };
        counters::write();
        self.kv.put(&format!("idx:{}:{}", t.account_id, t.sid), "")?.metadata(meta)?.execute().await?;
        self.index_changed(&t.account_id).await
    }

    /// Marks the account's index as changed (after the change is written).
    async fn index_changed(&self, account: &str) -> ApiResult<()> {
        forget_index(account);
        counters::write();
        self.kv.put(&format!("idxver:{account}"), crate::random::id("v")?)?.execute().await?;
        Ok(())
    }

    pub async fn delete_token(&self, t: &TokenRecord) -> ApiResult<()> {
        counters::write();
        self.kv.delete(&format!("tok:{}", t.sid)).await?;
        counters::write();
        self.kv.delete(&format!("idx:{}:{}", t.account_id, t.sid)).await?;
        counters::write();
        self.kv.delete(&format!("used:{}", t.sid)).await?;
        self.index_changed(&t.account_id).await
    }

    /// The account's token index: this isolate's copy while `idxver:{account}` is unchanged
    /// (one KV read), otherwise read afresh (one list call per 1,000 tokens).
    pub async fn token_index(&self, account: &str) -> ApiResult<Rc<Vec<IndexEntry>>> {
        counters::read();
        let version = self.kv.get(&format!("idxver:{account}")).text().await?;
        if let Some(entries) = version.as_deref().and_then(|v| cached_index(account, v)) {
            return Ok(entries);
        }
        let prefix = format!("idx:{account}:");
        let keys = self.list_all(&prefix).await?;
        let entries: Rc<Vec<IndexEntry>> = Rc::new(
            keys.into_iter()
                .filter_map(|k| {
                    let sid = k.name.strip_prefix(&prefix)?.to_owned();
                    let mut e: IndexEntry = serde_json::from_value(k.metadata?).ok()?;
                    e.sid = sid;
                    Some(e)
                })
                .collect(),
        );
        // An account whose index predates versions gets one at its next change.
        if let Some(v) = version {
            remember_index(account, v, Rc::clone(&entries));
        }
        Ok(entries)
    }

    pub async fn tokens(&self, sids: &[String]) -> ApiResult<Vec<TokenRecord>> {
        let found = join_all(sids.iter().map(|s| self.token(s))).await;
        let mut out = Vec::with_capacity(found.len());
        for f in found {
            if let Some(t) = f? {
                out.push(t);
            }
        }
        Ok(out)
    }

    pub async fn last_used(&self, sid: &str) -> ApiResult<Option<Timestamp>> {
        counters::read();
        Ok(self.kv.get(&format!("used:{sid}")).text().await?.and_then(|t| t.parse().ok()).map(Timestamp))
    }

    pub async fn put_last_used(&self, sid: &str, at: Timestamp) -> ApiResult<()> {
        counters::write();
        self.kv.put(&format!("used:{sid}"), at.0.to_string())?.execute().await?;
        Ok(())
    }

    // ------------------------------------------------------------ accounts and users

    pub async fn account(&self, id: &str) -> ApiResult<Option<AccountRecord>> {
        self.get(&format!("acct:{id}")).await
    }

    pub async fn put_account(&self, a: &AccountRecord) -> ApiResult<()> {
        self.put(&format!("acct:{}", a.id), a).await
    }

    pub async fn user(&self, id: &str) -> ApiResult<Option<UserRecord>> {
        self.get(&format!("user:{id}")).await
    }

    pub async fn user_id_by_email(&self, email: &str) -> ApiResult<Option<String>> {
        counters::read();
        Ok(self.kv.get(&format!("email:{}", email.to_lowercase())).text().await?)
    }

    pub async fn put_user(&self, u: &UserRecord) -> ApiResult<()> {
        self.put(&format!("user:{}", u.id), u).await?;
        counters::write();
        self.kv.put(&format!("email:{}", u.email.to_lowercase()), u.id.clone())?.execute().await?;
        counters::write();
        self.kv.put(&format!("members:{}:{}", u.account_id, u.id), "")?.execute().await?;
        Ok(())
    }

    pub async fn users(&self, account: &str) -> ApiResult<Vec<UserRecord>> {
        let prefix = format!("members:{account}:");
        let ids: Vec<String> = self
            .list_all(&prefix)
            .await?
            .into_iter()
            .filter_map(|k| k.name.strip_prefix(&prefix).map(str::to_owned))
            .collect();
        let found = join_all(ids.iter().map(|id| self.user(id))).await;
        let mut out = Vec::new();
        for f in found {
            if let Some(u) = f? {
                out.push(u);
            }
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    // ------------------------------------------------------------ sessions

    pub async fn session(&self, digest_hex: &str) -> ApiResult<Option<SessionRecord>> {
        self.get(&format!("sess:{digest_hex}")).await
    }

    pub async fn put_session(&self, digest_hex: &str, s: &SessionRecord, ttl_secs: u64) -> ApiResult<()> {
        let ttl = ttl_secs.max(60);
        counters::write();
        self.kv.put(&format!("sess:{digest_hex}"), encode(s)?)?.expiration_ttl(ttl).execute().await?;
        counters::write();
        self.kv.put(&format!("usess:{}:{digest_hex}", s.user_id), "")?.expiration_ttl(ttl).execute().await?;
        Ok(())
    }

    pub async fn delete_session(&self, user_id: &str, digest_hex: &str) -> ApiResult<()> {
        counters::write();
        self.kv.delete(&format!("sess:{digest_hex}")).await?;
        counters::write();
        self.kv.delete(&format!("usess:{user_id}:{digest_hex}")).await?;
        Ok(())
    }

    /// Ends every session of a user (on disable and password change).
    pub async fn end_sessions(&self, user_id: &str) -> ApiResult<()> {
        let prefix = format!("usess:{user_id}:");
        for k in self.list_all(&prefix).await? {
            if let Some(d) = k.name.strip_prefix(&prefix) {
                counters::write();
                self.kv.delete(&format!("sess:{d}")).await?;
            }
            counters::write();
            self.kv.delete(&k.name).await?;
        }
        Ok(())
    }

    // ------------------------------------------------------------ audit

    pub async fn append_audit(&self, account: &str, e: &AuditEntry) -> ApiResult<()> {
        let inverted = i64::MAX - e.at.0;
        self.put(&format!("audit:{account}:{inverted:020}:{}", e.id), e).await
    }

    /// Newest first, optionally only about one target; `cursor` is the last key seen.
    pub async fn audit(
        &self,
        account: &str,
        target: Option<&str>,
        cursor: Option<&str>,
        limit: usize,
    ) -> ApiResult<(Vec<AuditEntry>, Option<String>)> {
        let prefix = format!("audit:{account}:");
        let keys = self.list_all(&prefix).await?;
        let start = match cursor {
            Some(c) => keys.iter().position(|k| k.name.as_str() > c).unwrap_or(keys.len()),
            None => 0,
        };
        let mut out = Vec::new();
        let mut last = None;
        let mut i = start;
        while i < keys.len() && out.len() < limit {
            let batch: Vec<&worker::kv::Key> = keys[i..].iter().take(limit - out.len()).collect();
            let found = join_all(batch.iter().map(|k| self.get::<AuditEntry>(&k.name))).await;
            for (k, f) in batch.iter().zip(found) {
                i += 1;
                last = Some(k.name.clone());
                if let Some(e) = f?
                    && target.is_none_or(|t| e.target == t)
                {
                    out.push(e);
                }
            }
        }
        let next = if i < keys.len() { last } else { None };
        Ok((out, next))
    }
}

//! The account object's SQLite database: the source of truth for one account. The only code
//! that touches the object's storage.
//!
//! Every change is one [`Db::atomic`] call: a list of statements run in one
//! `transactionSync`, so either all of them are committed or none. Callers read, decide
//! (with the core's rules) and call `atomic` without any `await` in between, so no other
//! request of the account can interleave between the read and the write.
//!
//! | table         | rows                                                               |
//! |---------------|--------------------------------------------------------------------|
//! | `meta`        | `schema` (the migration level), `account_id`, `imported`            |
//! | `account`     | the one `AccountRecord` (JSON) and its revision                     |
//! | `users`       | `UserRecord`s (JSON), e-mail unique                                  |
//! | `tokens`      | `TokenRecord`s (JSON) with the columns the list filters and orders by: `name_key` (the core's search key), `created_at`, `enabled` |
//! | `sessions`    | `SessionRecord`s by SHA-256 of the session id, with their expiry   |
//! | `audit`       | `AuditEntry`s (JSON) by sequence number, indexed by target          |
//! | `outbox`      | replica writes not yet confirmed by KV: key, value, revision, TTL   |
//! | `idempotency` | kept answers of keyed `POST`s (sealed, 24 hours)                    |
//! | `throttle`    | failed sign-in counters (per e-mail and client, per client)         |
//! | `notifications` | one row per message to a person on a token: its view, the mail, where it is (see [`notices`]) |
//!
//! `tokens` also keeps `expires_at` (indexed) and `warned_for`, the expiry whose "expires
//! soon" notice was written, so the expiry sweep is one indexed query.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tollgate_core::account::{AccountRecord, UserRecord};
use tollgate_core::audit::AuditEntry;
use tollgate_core::filter::{Bounds, Cursor};
use tollgate_core::session::SessionRecord;
use tollgate_core::throttle::Counter;
use tollgate_core::time::Timestamp;
use tollgate_core::token::TokenRecord;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use worker::js_sys::{Array, Function, Reflect};
use worker::{SqlStorage, SqlStorageValue as V, Storage};

use crate::error::{ApiError, ApiResult};

pub mod notices;
mod writes;
pub use writes::*;

/// The schema, one migration per entry; `meta.schema` says how many have run.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE IF NOT EXISTS account (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS tokens (sid TEXT PRIMARY KEY, name_key TEXT NOT NULL, created_at INTEGER NOT NULL, enabled INTEGER NOT NULL, record TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS tokens_newest_first ON tokens (created_at DESC, sid ASC);
    CREATE TABLE IF NOT EXISTS sessions (digest TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL, record TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);
    CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, entry TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS audit_by_target ON audit (target, seq);
    CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, value TEXT NOT NULL, revision INTEGER NOT NULL, ttl_secs INTEGER);
    CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL, status INTEGER NOT NULL, sealed_body TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS throttle (key TEXT PRIMARY KEY, window_start INTEGER NOT NULL, failures INTEGER NOT NULL)
", "
    CREATE TABLE IF NOT EXISTS notifications (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, delivery TEXT NOT NULL, attempts INTEGER NOT NULL, claimed_at INTEGER, updated_at INTEGER NOT NULL, last_error TEXT, view TEXT NOT NULL, message TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS notifications_by_delivery ON notifications (delivery, seq);
    ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
    ALTER TABLE tokens ADD COLUMN warned_for INTEGER;
    UPDATE tokens SET expires_at = json_extract(record, '$.expires_at');
    CREATE INDEX IF NOT EXISTS tokens_by_expiry ON tokens (expires_at) WHERE expires_at IS NOT NULL
"];

/// One SQL statement with its bound values.
#[derive(Debug, Clone)]
pub struct Stmt {
    sql: String,
    binds: Vec<V>,
}

pub fn stmt(sql: &str, binds: Vec<V>) -> Stmt {
    Stmt {
        sql: sql.to_owned(),
        binds,
    }
}

/// Integers as SQL values (JavaScript numbers: every value here is far below 2^53).
pub fn int(n: impl TryInto<i64>) -> V {
    V::Integer(n.try_into().unwrap_or(i64::MAX))
}

pub fn text(s: impl Into<String>) -> V {
    V::String(s.into())
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> ApiResult<V> {
    serde_json::to_string(value)
        .map(V::String)
        .map_err(|_| ApiError::unavailable())
}

pub(crate) fn parse<T: DeserializeOwned>(what: &str, text: &str) -> ApiResult<T> {
    serde_json::from_str(text).map_err(|e| {
        worker::console_error!("unreadable {what} row: {e}");
        ApiError::unavailable()
    })
}

#[derive(Deserialize)]
struct Record {
    record: String,
}

#[derive(Deserialize)]
struct Count {
    n: f64,
}

/// A pending replica write.
#[derive(Debug, Clone, Deserialize)]
pub struct OutboxRow {
    pub key: String,
    pub value: String,
    pub revision: f64,
    pub ttl_secs: Option<f64>,
}

/// A kept idempotent answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Kept {
    pub fingerprint: String,
    pub created_at: f64,
    pub status: f64,
    pub sealed_body: String,
}

pub struct Db {
    sql: SqlStorage,
    storage: JsValue,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

impl Db {
    pub fn new(storage: &Storage) -> Db {
        let raw: &JsValue = storage.as_raw().as_ref();
        Db {
            sql: storage.sql(),
            storage: raw.clone(),
        }
    }

    pub(crate) fn rows<T: DeserializeOwned>(
        &self,
        query: &str,
        binds: Vec<V>,
    ) -> ApiResult<Vec<T>> {
        Ok(self
            .sql
            .exec(query, binds)
            .map_err(ApiError::from)?
            .to_array()?)
    }

    pub(crate) fn records<T: DeserializeOwned>(
        &self,
        what: &str,
        query: &str,
        binds: Vec<V>,
    ) -> ApiResult<Vec<T>> {
        self.rows::<Record>(query, binds)?
            .iter()
            .map(|r| parse(what, &r.record))
            .collect()
    }

    fn one<T: DeserializeOwned>(
        &self,
        what: &str,
        query: &str,
        binds: Vec<V>,
    ) -> ApiResult<Option<T>> {
        Ok(self.records(what, query, binds)?.into_iter().next())
    }

    /// Runs the migrations not yet applied (each in its own transaction).
    pub fn migrate(&self) -> ApiResult<()> {
        self.sql.exec(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            None,
        )?;
        let level: usize = self
            .meta("schema")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(level) {
            let mut stmts: Vec<Stmt> = migration
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| stmt(s, Vec::new()))
                .collect();
            stmts.push(set_meta("schema", &(i + 1).to_string()));
            self.atomic(stmts)?;
        }
        Ok(())
    }

    /// Runs `stmts` in one transaction (`storage.transactionSync`): all or nothing.
    pub fn atomic(&self, stmts: Vec<Stmt>) -> ApiResult<()> {
        if stmts.is_empty() {
            return Ok(());
        }
        let sql: JsValue = self.sql.as_ref().clone();
        let body = Closure::once_into_js(move || -> Result<(), JsValue> {
            let exec: Function = Reflect::get(&sql, &JsValue::from_str("exec"))?.dyn_into()?;
            for s in stmts {
                let args = Array::new();
                args.push(&JsValue::from_str(&s.sql));
                for b in s.binds {
                    args.push(&JsValue::from(b));
                }
                exec.apply(&sql, &args)?;
            }
            Ok(())
        });
        let run = Reflect::get(&self.storage, &JsValue::from_str("transactionSync"))
            .and_then(|f| f.dyn_into::<Function>())
            .map_err(|_| ApiError::unavailable())?;
        run.call1(&self.storage, &body).map_err(|e| {
            worker::console_error!(
                "transaction failed: {:?}",
                e.as_string().or_else(|| {
                    Reflect::get(&e, &JsValue::from_str("message"))
                        .ok()
                        .and_then(|m| m.as_string())
                })
            );
            ApiError::unavailable()
        })?;
        Ok(())
    }

    // ------------------------------------------------------------ meta

    pub fn meta(&self, key: &str) -> ApiResult<Option<String>> {
        #[derive(Deserialize)]
        struct Row {
            value: String,
        }
        Ok(self
            .rows::<Row>("SELECT value FROM meta WHERE key = ?", vec![text(key)])?
            .into_iter()
            .next()
            .map(|r| r.value))
    }

    // ------------------------------------------------------------ account and users

    pub fn account(&self) -> ApiResult<Option<AccountRecord>> {
        self.one("account", "SELECT record FROM account LIMIT 1", vec![])
    }

    /// Every user, oldest first.
    pub fn users(&self) -> ApiResult<Vec<UserRecord>> {
        self.records(
            "user",
            "SELECT record FROM users ORDER BY created_at, id",
            vec![],
        )
    }

    pub fn user(&self, id: &str) -> ApiResult<Option<UserRecord>> {
        self.one(
            "user",
            "SELECT record FROM users WHERE id = ?",
            vec![text(id)],
        )
    }

    pub fn user_by_email(&self, email: &str) -> ApiResult<Option<UserRecord>> {
        self.one(
            "user",
            "SELECT record FROM users WHERE email = ?",
            vec![text(email.to_lowercase())],
        )
    }

    // ------------------------------------------------------------ tokens

    pub fn token(&self, sid: &str) -> ApiResult<Option<TokenRecord>> {
        self.one(
            "token",
            "SELECT record FROM tokens WHERE sid = ?",
            vec![text(sid)],
        )
    }

    pub fn all_tokens(&self) -> ApiResult<Vec<TokenRecord>> {
        self.records("token", "SELECT record FROM tokens", vec![])
    }

    /// One page of the list (newest first, ties by SID) after `cursor`, at most `limit`
    /// tokens plus one (to tell whether a next page exists), and how many match in all.
    /// Only the conditions a filter has are written into the SQL, so an unfiltered count is
    /// SQLite's plain `COUNT(*)` and a cursor is a range seek on `tokens_newest_first`.
    pub fn list_tokens(
        &self,
        b: &Bounds,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> ApiResult<(Vec<TokenRecord>, usize)> {
        let mut conditions: Vec<&str> = Vec::new();
        let mut binds: Vec<V> = Vec::new();
        if let Some(n) = &b.needle {
            conditions.push("instr(name_key, ?) > 0");
            binds.push(text(n.clone()));
        }
        if let Some(from) = b.created_from {
            conditions.push("created_at >= ?");
            binds.push(V::Integer(from.0));
        }
        if let Some(before) = b.created_before {
            conditions.push("created_at < ?");
            binds.push(V::Integer(before.0));
        }
        if let Some(e) = b.enabled {
            conditions.push("enabled = ?");
            binds.push(int(i64::from(e)));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let total = self
            .rows::<Count>(
                &format!("SELECT COUNT(*) AS n FROM tokens{filter}"),
                binds.clone(),
            )?
            .first()
            .map(|c| c.n as usize)
            .unwrap_or(0);
        if let Some(c) = cursor {
            // In list order, after the cursor: older, or as old with a greater SID.
            conditions.push("(created_at < ? OR (created_at = ? AND sid > ?))");
            binds.extend([
                V::Integer(c.created_at.0),
                V::Integer(c.created_at.0),
                text(c.sid.clone()),
            ]);
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        binds.push(int(limit + 1));
        let page = self.records(
            "token",
            &format!("SELECT record FROM tokens{filter} ORDER BY created_at DESC, sid ASC LIMIT ?"),
            binds,
        )?;
        Ok((page, total))
    }

    // ------------------------------------------------------------ sessions, audit, outbox

    pub fn session(&self, digest: &str) -> ApiResult<Option<SessionRecord>> {
        self.one(
            "session",
            "SELECT record FROM sessions WHERE digest = ?",
            vec![text(digest)],
        )
    }

    /// Audit entries newest first, optionally about one target, before sequence `before`;
    /// at most `limit`, and the cursor of the next page.
    pub fn audit(
        &self,
        target: Option<&str>,
        before: Option<i64>,
        limit: usize,
    ) -> ApiResult<(Vec<AuditEntry>, Option<i64>)> {
        #[derive(Deserialize)]
        struct Row {
            seq: f64,
            entry: String,
        }
        let rows = self.rows::<Row>(
            "SELECT seq, entry FROM audit WHERE (? IS NULL OR target = ?) AND (? IS NULL OR seq < ?) ORDER BY seq DESC LIMIT ?",
            vec![V::from(target), V::from(target), V::from(before), V::from(before), int(limit + 1)],
        )?;
        let next = (rows.len() > limit).then(|| rows[limit - 1].seq as i64);
        let entries = rows
            .iter()
            .take(limit)
            .map(|r| parse("audit", &r.entry))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok((entries, next))
    }

    pub fn outbox(&self) -> ApiResult<Vec<OutboxRow>> {
        self.rows(
            "SELECT key, value, revision, ttl_secs FROM outbox ORDER BY key",
            vec![],
        )
    }

    pub fn kept(&self, key: &str) -> ApiResult<Option<Kept>> {
        Ok(self
            .rows::<Kept>(
                "SELECT fingerprint, created_at, status, sealed_body FROM idempotency WHERE key = ?",
                vec![text(key)],
            )?
            .into_iter()
            .next())
    }

    pub fn counter(&self, key: &str) -> ApiResult<Option<Counter>> {
        #[derive(Deserialize)]
        struct Row {
            window_start: f64,
            failures: f64,
        }
        Ok(self
            .rows::<Row>(
                "SELECT window_start, failures FROM throttle WHERE key = ?",
                vec![text(key)],
            )?
            .into_iter()
            .next()
            .map(|r| Counter {
                window_start: Timestamp(r.window_start as i64),
                failures: r.failures as u32,
            }))
    }
}

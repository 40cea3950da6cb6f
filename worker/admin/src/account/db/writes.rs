//! The statements every change is written with: one builder per row kind, bound values
//! only. The account's object turns a `Change` into these (see `super::super::persist`).

use tollgate_core::account::{AccountRecord, UserRecord};
use tollgate_core::audit::AuditEntry;
use tollgate_core::filter::search_key;
use tollgate_core::replica::ReplicaWrite;
use tollgate_core::session::SessionRecord;
use tollgate_core::throttle::Counter;
use tollgate_core::time::Timestamp;
use tollgate_core::token::TokenRecord;
use worker::SqlStorageValue as V;

use super::{Stmt, int, json, stmt, text};
use crate::error::ApiResult;

pub fn set_meta(key: &str, value: &str) -> Stmt {
    stmt(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vec![text(key), text(value)],
    )
}

pub fn put_account(a: &AccountRecord) -> ApiResult<Stmt> {
    Ok(stmt(
        "INSERT INTO account (id, revision, record) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET revision = excluded.revision, record = excluded.record",
        vec![text(a.id.clone()), int(a.revision), json(a)?],
    ))
}

pub fn put_user(u: &UserRecord) -> ApiResult<Stmt> {
    Ok(stmt(
        "INSERT INTO users (id, email, created_at, record) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET record = excluded.record",
        vec![
            text(u.id.clone()),
            text(u.email.to_lowercase()),
            int(u.created_at.0),
            json(u)?,
        ],
    ))
}

/// Writes a token with the columns the list filters and orders by.
pub fn put_token(t: &TokenRecord) -> ApiResult<Stmt> {
    Ok(stmt(
        "INSERT INTO tokens (sid, name_key, created_at, enabled, record, expires_at) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT(sid) DO UPDATE SET name_key = excluded.name_key, enabled = excluded.enabled, \
         record = excluded.record, expires_at = excluded.expires_at",
        vec![
            text(t.sid.as_str()),
            text(search_key(&t.name)),
            int(t.created_at.0),
            int(i64::from(t.enabled)),
            json(t)?,
            V::from(t.expires_at.map(|e| e.0)),
        ],
    ))
}

pub fn delete_token(sid: &str) -> Stmt {
    stmt("DELETE FROM tokens WHERE sid = ?", vec![text(sid)])
}

/// Queues a replica row, unless a newer revision of its key is queued already.
pub fn outbox(r: &ReplicaWrite) -> Stmt {
    stmt(
        "INSERT INTO outbox (key, value, revision, ttl_secs) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET \
         value = excluded.value, revision = excluded.revision, ttl_secs = excluded.ttl_secs WHERE excluded.revision >= outbox.revision",
        vec![
            text(r.key.clone()),
            text(r.value.clone()),
            int(r.revision),
            V::from(r.ttl_secs),
        ],
    )
}

/// Forgets a replica write once KV has it (unless a newer one was queued meanwhile).
pub fn sent(key: &str, revision: f64) -> Stmt {
    stmt(
        "DELETE FROM outbox WHERE key = ? AND revision = ?",
        vec![text(key), V::Float(revision)],
    )
}

pub fn put_session(digest: &str, s: &SessionRecord) -> ApiResult<Stmt> {
    Ok(stmt(
        "INSERT INTO sessions (digest, user_id, expires_at, record) VALUES (?, ?, ?, ?) \
         ON CONFLICT(digest) DO UPDATE SET expires_at = excluded.expires_at, record = excluded.record",
        vec![
            text(digest),
            text(s.user_id.clone()),
            int(s.expires_at().0),
            json(s)?,
        ],
    ))
}

/// Refreshes a session only while it still exists: an ended session is never written back.
pub fn touch_session(digest: &str, s: &SessionRecord) -> ApiResult<Stmt> {
    Ok(stmt(
        "UPDATE sessions SET record = ? WHERE digest = ?",
        vec![json(s)?, text(digest)],
    ))
}

pub fn delete_session(digest: &str) -> Stmt {
    stmt("DELETE FROM sessions WHERE digest = ?", vec![text(digest)])
}

pub fn end_sessions_of(user_id: &str) -> Stmt {
    stmt(
        "DELETE FROM sessions WHERE user_id = ?",
        vec![text(user_id)],
    )
}

pub fn drop_expired_sessions(now: Timestamp) -> Stmt {
    stmt(
        "DELETE FROM sessions WHERE expires_at < ?",
        vec![int(now.0)],
    )
}

pub fn audit(e: &AuditEntry) -> ApiResult<Stmt> {
    Ok(stmt(
        "INSERT INTO audit (target, entry) VALUES (?, ?)",
        vec![text(e.target.clone()), json(e)?],
    ))
}

pub fn keep_answer(
    key: &str,
    fingerprint: &str,
    now: Timestamp,
    status: u16,
    sealed_body: String,
) -> Vec<Stmt> {
    let oldest = now.minus(tollgate_core::idempotency::KEEP_FOR);
    vec![
        stmt(
            "DELETE FROM idempotency WHERE created_at < ?",
            vec![int(oldest.0)],
        ),
        stmt(
            "INSERT INTO idempotency (key, fingerprint, created_at, status, sealed_body) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT(key) DO UPDATE SET fingerprint = excluded.fingerprint, created_at = excluded.created_at, \
             status = excluded.status, sealed_body = excluded.sealed_body",
            vec![
                text(key),
                text(fingerprint),
                int(now.0),
                int(status),
                text(sealed_body),
            ],
        ),
    ]
}

pub fn put_counter(key: &str, c: Counter) -> Stmt {
    stmt(
        "INSERT INTO throttle (key, window_start, failures) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET \
         window_start = excluded.window_start, failures = excluded.failures",
        vec![text(key), int(c.window_start.0), int(c.failures)],
    )
}

pub fn clear_counter(key: &str) -> Stmt {
    stmt("DELETE FROM throttle WHERE key = ?", vec![text(key)])
}

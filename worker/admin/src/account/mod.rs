//! `AccountObject`: one SQLite-backed Durable Object per account (named by the account id),
//! the single source of truth and the only writer of everything that belongs to the account:
//! the account record, its users, tokens, sessions and audit log (see [`db`]).
//!
//! Every admin request of the account runs here. A change reads the current state, applies
//! the core's rule and writes — all synchronously, in one transaction, with no `await` in
//! between — so two changes can never undo one another. The same transaction queues the
//! edge's replica writes in the outbox and arms the object's alarm; after the commit the
//! request writes the outbox to KV and publishes it on the revocation feed
//! ([`AccountObject::flush`], [`crate::feed`]) before it answers, and if either fails (or
//! the isolate dies first) the alarm retries until both took it.

use std::cell::Cell;

use tollgate_core::account::is_account_id;
use tollgate_core::feed::Change;
use tollgate_core::time::Timestamp;
use worker::{Date, Delay, DurableObject, Env, Request, Response, Result, State, durable_object};

use crate::error::{ApiError, ApiResult};
use crate::store::Store;

pub mod db;
mod import;
pub mod leaks;
pub mod notices;
mod router;
pub mod session;
mod settings;
mod tokens;
mod users;

/// The header that names the account (set by the front door and other objects only).
pub const ACCOUNT_HEADER: &str = "X-Tollgate-Account";
/// The header that carries the client's address (from `CF-Connecting-IP`).
pub const CLIENT_HEADER: &str = "X-Tollgate-Client";
/// The binding of the account objects' namespace.
pub const BINDING: &str = "ACCOUNTS";
/// When the alarm retries replica writes that have not reached KV.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(2);
/// A flush that has not finished after this long is taken over by the next request.
const FLUSH_STALE_MS: f64 = 10_000.0;

#[durable_object]
pub struct AccountObject {
    state: State,
    env: Env,
    db: db::Db,
    /// When the running flush started, if one runs.
    flushing: Cell<Option<f64>>,
}

impl std::fmt::Debug for AccountObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountObject").finish_non_exhaustive()
    }
}

/// What every request handler gets: the object, the time, the request and the client.
pub struct Ctx<'a> {
    pub obj: &'a AccountObject,
    pub now: Timestamp,
    pub req: Request,
    pub method: String,
    pub account_id: String,
    pub client: String,
}

impl Ctx<'_> {
    pub fn db(&self) -> &db::Db {
        &self.obj.db
    }
    pub fn env(&self) -> &Env {
        &self.obj.env
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.req.headers().get(name).ok().flatten()
    }
    /// Refuses a change made against an older revision than `current`: 412 `stale_revision`
    /// with `view`, the record as it is now (from the request's `If-Match`).
    pub fn precondition<T: serde::Serialize>(
        &self,
        current: u64,
        view: impl FnOnce() -> T,
    ) -> ApiResult<()> {
        tollgate_core::revision::check_if_match(self.header("If-Match").as_deref(), current)
            .map_err(|e| ApiError::stale(&e, serde_json::to_value(view()).unwrap_or_default()))
    }

    /// Commits `stmts` (one transaction) and arms the alarm that retries the replica.
    pub async fn commit(&self, stmts: Vec<db::Stmt>) -> ApiResult<()> {
        self.obj.commit(stmts).await
    }
}

impl DurableObject for AccountObject {
    fn new(state: State, env: Env) -> Self {
        let db = db::Db::new(&state.storage());
        if db.migrate().is_err() {
            worker::console_error!("account object: migration failed");
        }
        AccountObject {
            state,
            env,
            db,
            flushing: Cell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let now = Timestamp(Date::now().as_millis() as i64);
        let answer = self.serve(req, now).await;
        // Whatever the answer, what was committed reaches KV before it is sent.
        self.flush().await;
        if !self.queue_notifications().await {
            self.arm_alarm().await;
        }
        match answer {
            Ok(r) => Ok(r),
            Err(e) => e.into_response(),
        }
    }

    /// Retries what did not reach KV, the feed or the queue, and writes the "expires soon"
    /// notices that fell due; then sleeps until the next one does.
    async fn alarm(&self) -> Result<Response> {
        self.flush().await;
        let now = Timestamp(Date::now().as_millis() as i64);
        let next_notice = match notices::sweep_expiring(self, now) {
            Ok(next) => next,
            Err(_) => Some(now.plus(tollgate_core::time::Span::MINUTE)),
        };
        let queued = self.queue_notifications().await;
        let retry = !queued || self.db.outbox().map(|o| !o.is_empty()).unwrap_or(true);
        if retry {
            self.arm_alarm().await;
        } else if let Some(at) = next_notice {
            let wait = (at.0 - now.0).max(1_000) as u64;
            if self
                .state
                .storage()
                .set_alarm(std::time::Duration::from_millis(wait))
                .await
                .is_err()
            {
                worker::console_error!("account object: could not arm the expiry alarm");
            }
        }
        Response::empty()
    }
}

impl AccountObject {
    async fn serve(&self, req: Request, now: Timestamp) -> ApiResult<Response> {
        let account_id = req
            .headers()
            .get(ACCOUNT_HEADER)
            .ok()
            .flatten()
            .unwrap_or_default();
        if !is_account_id(&account_id) {
            return Err(ApiError::not_found());
        }
        // An object serves the one account it was set up (or imported) for. Nothing is
        // written for a request to an account that does not exist.
        if self
            .db
            .meta("account_id")?
            .is_some_and(|bound| bound != account_id)
        {
            return Err(ApiError::not_found());
        }
        let client = req
            .headers()
            .get(CLIENT_HEADER)
            .ok()
            .flatten()
            .unwrap_or_else(|| "unknown".into());
        let method = req.method().to_string();
        let path = req.path();
        let mut ctx = Ctx {
            obj: self,
            now,
            req,
            method,
            account_id,
            client,
        };
        match path.as_str() {
            "/internal/setup" => session::setup(&mut ctx).await,
            _ => {
                import::ensure(&ctx).await?;
                match path.as_str() {
                    "/internal/import" => crate::reply::no_content(),
                    "/internal/has-user" => users::has_user(&mut ctx).await,
                    "/internal/login" => session::login(&mut ctx).await,
                    "/internal/leaked" => leaks::report(&mut ctx).await,
                    "/internal/unsubscribe" => notices::unsubscribe(&mut ctx).await,
                    "/internal/notifications/claim" => notices::claim(&mut ctx).await,
                    "/internal/notifications/result" => notices::result(&mut ctx).await,
                    _ => router::route(&mut ctx, &path).await,
                }
            }
        }
    }

    async fn commit(&self, stmts: Vec<db::Stmt>) -> ApiResult<()> {
        self.db.atomic(stmts)?;
        // The first await after the writes: setting the alarm joins the same write batch.
        self.arm_alarm().await;
        Ok(())
    }

    async fn arm_alarm(&self) {
        // A `Duration` is an offset from now.
        if self.state.storage().set_alarm(RETRY_AFTER).await.is_err() {
            worker::console_error!("account object: could not arm the replica alarm");
        }
    }

    /// Hands written notifications to the queue (see [`notices::to_queue`]).
    async fn queue_notifications(&self) -> bool {
        let Ok(Some(account_id)) = self.db.meta("account_id") else {
            return true;
        };
        notices::to_queue(&self.env, &self.db, &account_id).await
    }

    /// Writes the outbox to KV. One flush runs at a time (so writes of one key reach KV in
    /// revision order); a request that finds one running waits for it and then flushes
    /// what is left, so its own change is in KV before it answers. A row leaves the outbox
    /// only when KV confirmed it and no newer revision was queued meanwhile.
    pub async fn flush(&self) {
        while let Some(since) = self.flushing.get() {
            if Date::now().as_millis() as f64 - since > FLUSH_STALE_MS {
                break;
            }
            Delay::from(std::time::Duration::from_millis(5)).await;
        }
        let rows = match self.db.outbox() {
            Ok(rows) if !rows.is_empty() => rows,
            _ => return,
        };
        self.flushing.set(Some(Date::now().as_millis() as f64));
        let outcome = self.write_replica(&rows).await;
        self.flushing.set(None);
        if !outcome {
            worker::console_error!(
                "account object: KV did not take every replica write; the alarm retries"
            );
            self.arm_alarm().await;
        }
    }

    /// Writes the rows to KV and publishes them on the revocation feed, at the same time.
    /// A row is done when both took it; otherwise the alarm sends it again (both writes are
    /// idempotent: KV gets the same value, and the verifiers keep the higher revision).
    async fn write_replica(&self, rows: &[db::OutboxRow]) -> bool {
        let Ok(store) = Store::open(&self.env) else {
            return false;
        };
        let changes: Vec<Change> = rows
            .iter()
            .filter(|r| tollgate_core::replica::on_feed(&r.key))
            .map(|r| Change {
                key: r.key.clone(),
                revision: r.revision as u64,
                value: r.value.clone(),
            })
            .collect();
        let kv = futures_util::future::join_all(
            rows.iter()
                .map(|r| store.put_replica(&r.key, &r.value, r.ttl_secs.map(|t| t as u64))),
        );
        let (results, published) =
            futures_util::future::join(kv, crate::feed::publish(&self.env, &changes)).await;
        if published.is_err() {
            worker::console_error!(
                "account object: the revocation feed did not take the changes; the alarm retries"
            );
            return false;
        }
        let mut all = true;
        let mut sent = Vec::new();
        for (row, result) in rows.iter().zip(results) {
            match result {
                Ok(()) => sent.push(db::sent(&row.key, row.revision)),
                Err(_) => all = false,
            }
        }
        all && self.db.atomic(sent).is_ok()
    }
}

/// The account's record (every request past setup has one).
pub fn stored_account(obj: &AccountObject) -> ApiResult<tollgate_core::account::AccountRecord> {
    obj.db.account()?.ok_or_else(ApiError::not_found)
}

/// Sends a request to an account's object (from the front door or another object).
pub async fn call(env: &Env, account_id: &str, req: Request) -> ApiResult<Response> {
    let ns = env.durable_object(BINDING)?;
    let stub = ns.id_from_name(account_id)?.get_stub()?;
    Ok(stub.fetch_with_request(req).await?)
}

/// Whether the account `holder` names has the user it names, with that e-mail.
pub async fn has_user(
    env: &Env,
    holder: &crate::directory::Holder,
    email: &str,
) -> ApiResult<bool> {
    let body = serde_json::json!({ "user_id": holder.user_id, "email": email });
    let mut resp = call(
        env,
        &holder.account_id,
        internal_request(&holder.account_id, "/internal/has-user", &body)?,
    )
    .await?;
    if resp.status_code() != 200 {
        return Err(ApiError::unavailable());
    }
    let v: serde_json::Value = resp.json().await?;
    Ok(v["exists"].as_bool().unwrap_or(true))
}

/// A JSON request to an account object's internal endpoint.
pub fn internal_request(
    account_id: &str,
    path: &str,
    body: &serde_json::Value,
) -> ApiResult<Request> {
    internal_request_from(account_id, path, body.to_string().as_bytes(), None)
}

/// A request to an account object's internal endpoint with a raw JSON body and, when the
/// object needs it, the client's address.
pub fn internal_request_from(
    account_id: &str,
    path: &str,
    body: &[u8],
    client: Option<&str>,
) -> ApiResult<Request> {
    let headers = worker::Headers::new();
    headers.set(ACCOUNT_HEADER, account_id)?;
    headers.set("Content-Type", "application/json")?;
    if let Some(c) = client {
        headers.set(CLIENT_HEADER, c)?;
    }
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_body(Some(worker::js_sys::Uint8Array::from(body).into()));
    Ok(Request::new_with_init(
        &format!("https://account.internal{path}"),
        &init,
    )?)
}

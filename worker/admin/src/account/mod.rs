//! `AccountObject`: one SQLite-backed Durable Object per account (named by the account id),
//! the single source of truth and the only writer of everything that belongs to the account:
//! the account record, its users, tokens, sessions and audit log (see [`db`]).
//!
//! Every admin request of the account runs here. A handler reads what it needs, asks the
//! core's operation (`tollgate_core::admin`) what the request means, and commits the
//! returned `Change` ([`persist`]) — all synchronously, in one transaction, with no `await`
//! between the reads and the commit — so two changes can never undo one another. The same
//! transaction queues the edge's replica rows in the outbox and the commit arms the object's
//! alarm; the request then writes the outbox to KV and publishes it on the revocation feed
//! ([`AccountObject::flush`], [`crate::feed`]) before it answers, and if either fails (or the
//! isolate dies first) the alarm retries until both took it.

use std::cell::{Cell, RefCell};

use tollgate_core::account::is_account_id;
use tollgate_core::admin::Outcome;
use tollgate_core::admin::leaks::LeakRequest;
use tollgate_core::admin::notices::UnsubscribeRequest;
use tollgate_core::change::Change;
use tollgate_core::feed::Update;
use tollgate_core::throttle::Limiter;
use tollgate_core::time::Timestamp;
use tollgate_core::token::{MAX_NEW_TOKENS, NEW_TOKEN_WINDOW};
use worker::{Date, Delay, DurableObject, Env, Request, Response, Result, State, durable_object};

use crate::error::{ApiError, ApiResult};
use crate::reply;
use crate::store::Store;

pub mod claim;
pub mod db;
mod import;
mod leaks;
pub mod notices;
mod people;
mod persist;
pub mod protocol;
mod router;
mod session;
mod settings;
mod tokens;

use protocol::{
    ACCOUNT_HEADER, CLIENT_HEADER, Call, Claim, Delivered, HasUser, Import, Login, Setup,
};

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
    /// New tokens per account (create and duplicate): exact, since this object is the
    /// account's only instance.
    new_tokens: RefCell<Limiter>,
    /// The core's limit, unless the deployment sets `NEW_TOKENS_PER_MINUTE` (the benchmark
    /// raises it to create 10,000 tokens).
    new_token_limit: u32,
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

    /// Commits `change` (one transaction) at this request's time.
    pub async fn commit(&self, change: &Change) -> ApiResult<()> {
        self.obj.commit(change, self.now).await
    }

    /// Commits an outcome's change and answers it (or its failure).
    pub async fn settle(&self, outcome: Outcome) -> ApiResult<Response> {
        self.commit(&outcome.change).await?;
        match outcome.answer {
            Ok(a) => reply::answer(&a),
            Err(f) => Err(f.into()),
        }
    }

    /// Reads a typed internal request's body.
    pub async fn call<C: Call>(&mut self) -> ApiResult<C> {
        crate::body::json(&mut self.req, false).await
    }
}

impl DurableObject for AccountObject {
    fn new(state: State, env: Env) -> Self {
        let db = db::Db::new(&state.storage());
        if db.migrate().is_err() {
            worker::console_error!("account object: migration failed");
        }
        let limit = crate::vars::optional(&env, "NEW_TOKENS_PER_MINUTE")
            .and_then(|v| v.parse().ok())
            .unwrap_or(MAX_NEW_TOKENS);
        AccountObject {
            state,
            env,
            db,
            flushing: Cell::new(None),
            new_tokens: RefCell::new(Limiter::new(NEW_TOKEN_WINDOW, limit)),
            new_token_limit: limit,
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
            let later = std::time::Duration::from_millis(wait);
            if self.state.storage().set_alarm(later).await.is_err() {
                worker::console_error!("account object: could not arm the expiry alarm");
            }
        }
        Response::empty()
    }
}

impl AccountObject {
    async fn serve(&self, req: Request, now: Timestamp) -> ApiResult<Response> {
        let header = |name: &str| req.headers().get(name).ok().flatten();
        let account_id = header(ACCOUNT_HEADER).unwrap_or_default();
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
        let client = header(CLIENT_HEADER).unwrap_or_else(|| "unknown".into());
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
        if path == Setup::PATH {
            return session::setup(&mut ctx).await;
        }
        import::ensure(&ctx).await?;
        match path.as_str() {
            Import::PATH => reply::json(200, &protocol::Done {}),
            HasUser::PATH => people::has_user(&mut ctx).await,
            Login::PATH => session::login(&mut ctx).await,
            LeakRequest::PATH => leaks::report(&mut ctx).await,
            UnsubscribeRequest::PATH => notices::unsubscribe(&mut ctx).await,
            Claim::PATH => notices::claim(&mut ctx).await,
            Delivered::PATH => notices::delivered(&mut ctx).await,
            _ => router::route(&mut ctx, &path).await,
        }
    }

    /// Commits `change` in one transaction; when it leaves replica rows or messages to send,
    /// the first await after it arms the alarm that retries them (joining the same write).
    async fn commit(&self, change: &Change, now: Timestamp) -> ApiResult<()> {
        self.commit_with(change, Vec::new(), now).await
    }

    /// [`AccountObject::commit`] with statements of the store's own in the same transaction
    /// (the import's legacy audit rows and marker).
    async fn commit_with(
        &self,
        change: &Change,
        extra: Vec<db::Stmt>,
        now: Timestamp,
    ) -> ApiResult<()> {
        if change.is_empty() && extra.is_empty() {
            return Ok(());
        }
        let mut stmts = persist::statements(&self.env, &self.db, change, now)?;
        stmts.extend(extra);
        self.db.atomic(stmts)?;
        if change.reaches_the_edge() || !change.events.is_empty() {
            self.arm_alarm().await;
        }
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
        let updates: Vec<Update> = rows
            .iter()
            .filter(|r| tollgate_core::replica::on_feed(&r.key))
            .map(|r| Update {
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
            futures_util::future::join(kv, crate::feed::publish(&self.env, &updates)).await;
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

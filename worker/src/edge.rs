//! The edge: `/v1/verify` and the `/v1/` gateway.
//!
//! 1. `screen` (core) parses the header and checks formats and the checksum: malformed
//!    credentials are refused here, before any KV read.
//! 2. One KV read by SID fetches the token record; the account's switch comes from an
//!    in-isolate cache refreshed from KV at most every [`ACCOUNT_CACHE`].
//! 3. `decide` (core) allows or denies. Failures count against the SID; past the limit
//!    failures answer 429, while the right token keeps working.

use std::cell::RefCell;
use std::collections::HashMap;

use tollgate_core::account::AccountRecord;
use tollgate_core::api::ErrorBody;
use tollgate_core::error_code::ErrorCode;
use tollgate_core::gateway;
use tollgate_core::scope::Method;
use tollgate_core::time::{Span, Timestamp};
use tollgate_core::token::should_record_use;
use tollgate_core::verify::{
    Denial, FAILURE_WINDOW, Identity, MAX_FAILED_VERIFICATIONS, Target, decide, screen, secret_matches,
};
use worker::{Context, Env, Fetch, Headers, Request, RequestInit, RequestRedirect, Response, Result};

use crate::error::{ApiError, ApiResult};
use crate::limiter::Limiter;
use crate::store::Store;

/// How long an account record is trusted from memory at the edge.
pub const ACCOUNT_CACHE: Span = Span(10_000);
const REALM: &str = "Basic realm=\"Tollgate API\", charset=\"UTF-8\"";

thread_local! {
    static FAILURES: Limiter = Limiter::new(FAILURE_WINDOW, MAX_FAILED_VERIFICATIONS);
    static ACCOUNTS: RefCell<HashMap<String, (Timestamp, AccountRecord)>> = RefCell::new(HashMap::new());
    static LAST_USED: RefCell<HashMap<String, Timestamp>> = RefCell::new(HashMap::new());
}

/// Drops this isolate's cached copy of an account (the front door calls it after the
/// account's settings changed through it).
pub fn forget_account(id: &str) {
    ACCOUNTS.with(|a| a.borrow_mut().remove(id));
}

async fn account(store: &Store, id: &str, now: Timestamp) -> ApiResult<Option<AccountRecord>> {
    let cached =
        ACCOUNTS.with(|a| a.borrow().get(id).filter(|(at, _)| now.since(*at) < ACCOUNT_CACHE).map(|(_, r)| r.clone()));
    if let Some(r) = cached {
        return Ok(Some(r));
    }
    let fresh = store.account(id).await?;
    if let Some(r) = &fresh {
        ACCOUNTS.with(|a| {
            let mut a = a.borrow_mut();
            if a.len() > 10_000 {
                a.clear();
            }
            a.insert(id.to_owned(), (now, r.clone()));
        });
    }
    Ok(fresh)
}

fn unauthenticated() -> ApiResult<Response> {
    let body = ErrorBody::new(ErrorCode::Unauthenticated.as_str(), "the Account SID or Auth Token is not valid", None);
    let mut r = Response::from_json(&body).map_err(ApiError::from)?.with_status(401);
    r.headers_mut().set("WWW-Authenticate", REALM).map_err(ApiError::from)?;
    Ok(r)
}

pub async fn handle(req: Request, env: &Env, ctx: &Context, now: Timestamp) -> Result<Response> {
    match run(req, env, ctx, now).await {
        Ok(r) => Ok(r),
        Err(e) => e.into_response(),
    }
}

async fn run(mut req: Request, env: &Env, ctx: &Context, now: Timestamp) -> ApiResult<Response> {
    let path = req.path();
    let method_name = req.method().to_string();
    let target = if path == "/v1/verify" {
        if method_name != "GET" && method_name != "POST" {
            return Err(ApiError::method_not_allowed());
        }
        Target::CredentialsOnly
    } else {
        let Some(method) = Method::parse(&method_name) else {
            return Err(ApiError::method_not_allowed());
        };
        // Before any scope is matched: the origin must get the very path that was checked.
        if let Err(e) = gateway::check_path(&raw_path(&req)) {
            return Err(ApiError::code(ErrorCode::InvalidPath, e.to_string(), Some("path")));
        }
        Target::Route { method, path: &path }
    };

    // Two Authorization headers arrive joined by ", ", which fails strict parsing.
    let header = req.headers().get("Authorization").map_err(ApiError::from)?;
    let Ok(screened) = screen(header.as_deref()) else {
        return unauthenticated();
    };
    let sid = screened.sid.as_str().to_owned();

    let store = Store::open(env)?;
    let record = store.token(&sid).await?.and_then(tollgate_core::replica::TokenReplica::into_record);
    // The account only once the secret matched: a wrong token on a real SID costs what an
    // unknown SID costs (no KV read, no timing difference to learn from).
    let account = match &record {
        Some(r) if secret_matches(&screened, r, now) => {
            account(&store, &r.account_id, now).await?.map(|a| (a.account_type, a.api_access_enabled))
        }
        _ => None,
    };
    let decision = decide(&screened, record.as_ref(), account, now, target);
    let identity = match decision {
        Ok(identity) => identity,
        Err(Denial::Unauthenticated(_)) => {
            return match failed_attempt(env, &sid, now).await? {
                Some(secs) => Err(ApiError::too_many(secs)),
                None => unauthenticated(),
            };
        }
        Err(Denial::LacksScope { required, .. }) => {
            return Err(ApiError::code(
                ErrorCode::InsufficientScope,
                format!("this token lacks the scope {required} that this route requires"),
                None,
            ));
        }
        Err(Denial::NoSuchRoute { .. }) => {
            return Err(ApiError::code(ErrorCode::NoSuchRoute, "no API route of this token's version matches", None));
        }
    };
    record_use(env, ctx, &sid, now);
    if matches!(target, Target::CredentialsOnly) {
        return crate::reply::json(200, &identity);
    }
    forward(&mut req, env, &identity).await
}

/// Counts a failed attempt on `sid`; says how long to wait once the SID is over its limit.
/// Uses the Workers rate-limiting binding (`FAILED_AUTH_LIMITER`, 20 failures a minute per
/// SID) where the runtime provides it, else this isolate's own counters.
async fn failed_attempt(env: &Env, sid: &str, now: Timestamp) -> ApiResult<Option<i64>> {
    if let Ok(limiter) = env.rate_limiter("FAILED_AUTH_LIMITER") {
        let outcome = limiter.limit(sid.to_owned()).await.map_err(ApiError::from)?;
        return Ok((!outcome.success).then_some(60));
    }
    Ok(FAILURES.with(|f| {
        f.fail(sid, now);
        f.blocked(sid, now)
    }))
}

fn record_use(env: &Env, ctx: &Context, sid: &str, now: Timestamp) {
    let last = LAST_USED.with(|m| m.borrow().get(sid).copied());
    if !should_record_use(last, now) {
        return;
    }
    LAST_USED.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 10_000 {
            m.clear();
        }
        m.insert(sid.to_owned(), now);
    });
    let key = sid.to_owned();
    let env = env.clone();
    ctx.wait_until(async move {
        let written = match Store::open(&env) {
            Ok(store) => store.put_last_used(&key, now).await.is_ok(),
            Err(_) => false,
        };
        if !written {
            worker::console_error!("could not record a token's last use");
        }
    });
}

/// The request's path as sent (still percent-encoded).
fn raw_path(req: &Request) -> String {
    req.url().map(|u| u.path().to_owned()).unwrap_or_default()
}

/// Sends the request on to `ORIGIN_URL` without its Authorization header and with the
/// caller's identity; with no origin configured, answers with the identity (echo mode).
async fn forward(req: &mut Request, env: &Env, identity: &Identity) -> ApiResult<Response> {
    let origin = env.var("ORIGIN_URL").map(|v| v.to_string()).unwrap_or_default();
    if origin.trim().is_empty() {
        return crate::reply::json(200, &serde_json::json!({ "echo": true, "identity": identity }));
    }
    let url = req.url().map_err(ApiError::from)?;
    let target = format!(
        "{}{}{}",
        origin.trim_end_matches('/'),
        url.path(),
        url.query().map(|q| format!("?{q}")).unwrap_or_default()
    );
    let headers = Headers::new();
    let connection = req.headers().get("Connection").ok().flatten();
    for (k, v) in req.headers().entries() {
        if gateway::forwards(&k, connection.as_deref()) {
            headers.append(&k, &v).map_err(ApiError::from)?;
        }
    }
    let set = |k: &str, v: &str| headers.set(k, v).map_err(ApiError::from);
    // Forwarding information from Cloudflare's view of the client, never the client's own.
    if let Some(ip) = req.headers().get("CF-Connecting-IP").ok().flatten() {
        set("X-Forwarded-For", &ip)?;
        set("X-Real-IP", &ip)?;
    }
    set("X-Tollgate-Account", &identity.account)?;
    set("X-Tollgate-Sid", identity.sid.as_str())?;
    set("X-Tollgate-Api-Version", identity.api_version.as_str())?;
    set("X-Tollgate-Scopes", &identity.scopes.join(" "))?;
    let mut init = RequestInit::new();
    // The origin's redirects go back to the client as they are, never followed here.
    init.with_method(req.method()).with_headers(headers).with_redirect(RequestRedirect::Manual);
    if !matches!(req.method(), worker::Method::Get | worker::Method::Head)
        && let Some(body) = req.inner().body()
    {
        // Streamed through, never buffered whole.
        init.with_body(Some(body.into()));
    }
    let out = Request::new_with_init(&target, &init).map_err(ApiError::from)?;
    Fetch::Request(out).send().await.map_err(ApiError::from)
}

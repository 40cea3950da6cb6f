//! Tollgate's Cloudflare Worker: the I/O shell around `tollgate-core`.
//!
//! * the admin API under `/api/`: [`front`], which hands each request to the account's
//!   Durable Object ([`account::AccountObject`], the source of truth), and the sign-in
//!   [`directory`];
//! * the revocation feed ([`feed::RevocationFeed`]), which the account objects publish to
//!   and the verifier Worker (`worker/verifier/`, which serves `/v1/`) subscribes to;
//! * `POST /secret-scanning/github`, GitHub's secret-scanning partner endpoint ([`scanning`]);
//! * notifications: the queue's consumer ([`mail`]) and the unsubscribe link ([`unsubscribe`]);
//! * everything else: the admin app's static assets, served through the `ASSETS` binding.
//!
//! Only this crate touches storage: Workers KV (the edge's replica, [`store`]) and the
//! objects' SQLite ([`account::db`], [`directory`]). Every rule it applies comes from
//! `tollgate-core`.

use tollgate_core::time::Timestamp;
use worker::{Context, Date, Env, Request, Response, Result, event};

mod account;
mod body;
mod directory;
mod error;
mod feed;
mod front;
mod mail;
mod password;
mod random;
mod reply;
mod scanning;
mod seal;
mod store;
mod unsubscribe;
mod usage;
mod vars;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let now = Timestamp(Date::now().as_millis() as i64);
    let path = req.path();
    let response = if path.starts_with("/__tollgate/")
        && env
            .var("EXPOSE_STATS")
            .is_ok_and(|v| v.to_string() == "true")
    {
        stats(&path, &env).await
    } else if path == "/v1" || path.starts_with("/v1/") {
        // The API is verified by its own Worker (worker/verifier/), on its own host.
        error::ApiError::from(tollgate_core::error_code::Failure::new(
            tollgate_core::error_code::ErrorCode::NotFound,
            "the API is served by the verifier Worker (locally http://localhost:8788/v1/), not the admin host",
        ))
        .into_response()
    } else if path == "/api" || path.starts_with("/api/") {
        front::handle(req, &env, now).await
    } else if path == "/secret-scanning/github" {
        match scanning::handle(req, &env).await {
            Ok(r) => Ok(r),
            Err(e) => e.into_response(),
        }
    } else if path == "/unsubscribe" {
        unsubscribe::handle(req, &env).await
    } else {
        serve_asset(req, &env).await
    };
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            // A failure of the platform itself (never of input): say so without details.
            worker::console_error!("internal error: {}", error::describe(&e));
            error::ApiError::unavailable().into_response()?
        }
    };
    reply::with_security_headers(response)
}

/// Benchmark and test introspection (only with `EXPOSE_STATS = "true"`): the isolate's KV
/// operation counts, and the revision of a token's replica in KV as this location sees it.
async fn stats(path: &str, env: &Env) -> Result<Response> {
    if let Some(sid) = path.strip_prefix("/__tollgate/replica/") {
        let store =
            store::Store::open(env).map_err(|_| worker::Error::RustError("no KV".into()))?;
        let replica = store
            .token(sid)
            .await
            .map_err(|_| worker::Error::RustError("unreadable".into()))?;
        return Response::from_json(&serde_json::json!({
            "revision": replica.as_ref().map(|r| r.revision()),
            "deleted": replica.as_ref().map(|r| matches!(r, tollgate_core::replica::TokenReplica::Deleted(_))),
        }));
    }
    let (reads, writes) = store::counters::snapshot();
    Response::from_json(&serde_json::json!({ "kv_reads": reads, "kv_writes": writes }))
}

async fn serve_asset(req: Request, env: &Env) -> Result<Response> {
    let assets = env.assets("ASSETS")?;
    assets.fetch_request(req).await
}

//! Tollgate's Cloudflare Worker: the I/O shell around `tollgate-core`.
//!
//! * `/v1/verify` and the `/v1/` gateway: [`edge`];
//! * the admin API under `/api/`: [`admin`];
//! * everything else: the admin app's static assets, served through the `ASSETS` binding.
//!
//! Only this crate touches Workers KV ([`store`]) and HTTP. Every rule it applies comes
//! from `tollgate-core`.

use tollgate_core::time::Timestamp;
use worker::{Context, Date, Env, Request, Response, Result, event};

mod admin;
mod edge;
mod error;
mod limiter;
mod password;
mod random;
mod reply;
mod seal;
mod store;

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let now = Timestamp(Date::now().as_millis() as i64);
    let path = req.path();
    let response = if path == "/__tollgate/stats" && env.var("EXPOSE_STATS").is_ok_and(|v| v.to_string() == "true") {
        let (reads, writes) = store::counters::snapshot();
        Response::from_json(&serde_json::json!({ "kv_reads": reads, "kv_writes": writes }))
    } else if path == "/v1" || path.starts_with("/v1/") {
        edge::handle(req, &env, &ctx, now).await
    } else if path == "/api" || path.starts_with("/api/") {
        admin::handle(req, &env, now).await
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

async fn serve_asset(req: Request, env: &Env) -> Result<Response> {
    let assets = env.assets("ASSETS")?;
    assets.fetch_request(req).await
}

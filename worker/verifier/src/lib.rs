//! Tollgate's edge verifier: `/v1/verify` and the `/v1/` gateway as a Worker of its own.
//!
//! * [`verify`]: screen the `Authorization` header (parse, checksum, SHA-256), find the
//!   token in this isolate's memory ([`records`]), decide with the core's rule, count
//!   failures with the rate-limiting binding, and answer or forward ([`gateway`]).
//! * [`records`]: the tokens and accounts this isolate has read, bounded, read from KV
//!   (with `cacheTtl`) only on a miss or while the feed is silent.
//! * [`subscription`]: the isolate's stream from the revocation feed, which applies every
//!   change to [`records`] as it is published; if it goes silent for a second, memory is
//!   no longer trusted.
//!
//! * [`usage`]: per-token rate-limit windows and usage counts, flushed every 10 s at most.
//!
//! Bound to the KV namespace, the feed object, the usage objects and the failed-auth limiter
//! only: no encryption key, no setup secret, no password hashing, no static assets.

use tollgate_core::error_code::ErrorCode;
use tollgate_core::time::Timestamp;
use worker::{Context, Date, Env, Request, Response, Result, event};

mod answer;
mod gateway;
mod records;
mod subscription;
mod usage;
mod verify;

/// This isolate's clock (the core takes `now` as an argument).
pub(crate) fn now() -> Timestamp {
    Timestamp(Date::now().as_millis() as i64)
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let now = now();
    let path = req.path();
    if path == "/v1" || path.starts_with("/v1/") {
        return verify::handle(req, &env, &ctx, now).await;
    }
    if path == "/__tollgate/stats"
        && env
            .var("EXPOSE_STATS")
            .is_ok_and(|v| v.to_string() == "true")
    {
        return answer::json(200, &records::stats(now));
    }
    answer::error(ErrorCode::NotFound, "the API lives under /v1/", None)
}

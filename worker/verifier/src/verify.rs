//! `/v1/verify` and the `/v1/` gateway.
//!
//! 1. `screen` (core) parses the header, checks the formats and the checksum and computes
//!    the SHA-256 once: malformed credentials are refused before anything else is looked at.
//! 2. [`subscription::ensure`] says whether memory may be trusted (the feed is heard).
//! 3. The token's record comes from memory, or from KV on a miss; the account only once
//!    the secret matched, so a wrong token on a real SID costs what an unknown SID costs.
//! 4. `decide` (core) allows or denies. Failures count against the SID with the
//!    rate-limiting binding; past the limit they answer 429, while the right token works.

use tollgate_core::error_code::ErrorCode;
use tollgate_core::feed::Trust;
use tollgate_core::gateway;
use tollgate_core::replica::EdgeReplica;
use tollgate_core::scope::Method;
use tollgate_core::time::Timestamp;
use tollgate_core::verify::{Denial, Target, decide, screen, secret_matches};
use worker::{Context, Env, Request, Response, Result};

use crate::records::{self, AccountEdge};
use crate::{answer, subscription};

const REALM: &str = "Basic realm=\"Tollgate API\", charset=\"UTF-8\"";

fn unauthenticated() -> Result<Response> {
    answer::error_with(
        ErrorCode::Unauthenticated,
        "the Account SID or Auth Token is not valid",
        &[("WWW-Authenticate", REALM)],
    )
}

pub async fn handle(mut req: Request, env: &Env, ctx: &Context, now: Timestamp) -> Result<Response> {
    records::started(now);
    let path = req.path();
    let method_name = req.method();
    let target = if path == "/v1/verify" {
        if !matches!(method_name, worker::Method::Get | worker::Method::Post) {
            return answer::error(ErrorCode::MethodNotAllowed, "this method is not allowed here", None);
        }
        Target::CredentialsOnly
    } else {
        let Some(method) = Method::parse(method_name.as_ref()) else {
            return answer::error(ErrorCode::MethodNotAllowed, "this method is not allowed here", None);
        };
        // Before any scope is matched: the origin must get the very path that was checked.
        if let Err(e) = gateway::check_path(&path) {
            return answer::error(ErrorCode::InvalidPath, &e.to_string(), Some("path"));
        }
        Target::Route { method, path: &path }
    };

    // Two Authorization headers arrive joined by ", ", which fails strict parsing.
    let header = req.headers().get("Authorization")?;
    let Ok(screened) = screen(header.as_deref()) else {
        return unauthenticated();
    };
    let sid = screened.sid.as_str();

    let (trust, read) =
        futures_util::future::join(subscription::ensure(env, ctx, now), records::prefetch(env, sid, now)).await;
    // A record just read from KV (and merged with whatever the feed delivered) is as fresh as
    // reading it again.
    let token_trust = if read { Trust::Memory } else { trust };
    let owner = records::with_token(env, sid, token_trust, now, |replica| {
        let record = replica.and_then(EdgeReplica::live)?;
        secret_matches(&screened, record, now).then(|| record.account_id.clone())
    })
    .await;
    let owner = match owner {
        Ok(o) => o,
        Err(_) => return unavailable(),
    };
    let account: Option<AccountEdge> = match &owner {
        Some(id) => match records::account(env, id, trust, now).await {
            Ok(a) => a,
            Err(_) => return unavailable(),
        },
        None => None,
    };
    let decision = records::with_token(env, sid, Trust::Memory, now, |replica| {
        let record = replica.and_then(EdgeReplica::live);
        // The record checked above: a feed entry that arrived meanwhile is not mixed in.
        let record = record.filter(|r| owner.as_deref() == Some(r.account_id.as_str()));
        decide(&screened, record, account, now, target)
    })
    .await;
    let identity = match decision {
        Ok(Ok(identity)) => identity,
        Ok(Err(Denial::Unauthenticated(_))) => return failed_attempt(env, sid).await,
        Ok(Err(Denial::LacksScope { required, .. })) => {
            let message = format!("this token lacks the scope {required} that this route requires");
            return answer::error(ErrorCode::InsufficientScope, &message, None);
        }
        Ok(Err(Denial::NoSuchRoute { .. })) => {
            return answer::error(ErrorCode::NoSuchRoute, "no API route of this token's version matches", None);
        }
        Err(_) => return unavailable(),
    };
    if records::due_use(sid, now) {
        let env = env.clone();
        let sid = sid.to_owned();
        ctx.wait_until(async move {
            if records::write_use(&env, &sid, now).await.is_err() {
                worker::console_error!("could not record a token's last use");
            }
        });
    }
    if matches!(target, Target::CredentialsOnly) {
        return answer::json(200, &identity);
    }
    crate::gateway::forward(&mut req, env, &identity).await
}

fn unavailable() -> Result<Response> {
    answer::error(ErrorCode::Unavailable, "the service is briefly unavailable: try again", None)
}

/// Counts a failed attempt on `sid` with the Workers rate-limiting binding
/// (`FAILED_AUTH_LIMITER`, 20 failures a minute per SID); past it, 429.
async fn failed_attempt(env: &Env, sid: &str) -> Result<Response> {
    let over = match env.rate_limiter("FAILED_AUTH_LIMITER") {
        Ok(limiter) => limiter.limit(sid.to_owned()).await.is_ok_and(|o| !o.success),
        Err(_) => {
            worker::console_error!("the FAILED_AUTH_LIMITER binding is missing: failures are not limited");
            false
        }
    };
    if over {
        return answer::error_with(
            ErrorCode::RateLimited,
            "too many attempts: wait before trying again",
            &[("Retry-After", "60")],
        );
    }
    unauthenticated()
}

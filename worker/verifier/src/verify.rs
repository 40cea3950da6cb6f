//! `/v1/verify` and the `/v1/` gateway.
//!
//! 1. `screen` (core) parses the header, checks the formats and the checksum and computes
//!    the SHA-256 once: malformed credentials are refused before anything else is looked at.
//! 2. [`subscription::ensure`] says whether memory may be trusted (the feed is heard).
//! 3. The token's record comes from memory, or from KV on a miss; the account only once
//!    the secret matched, so a wrong token on a real SID costs what an unknown SID costs.
//! 4. `decide` (core) allows or denies: credentials, expiry, the account's switch, the
//!    client's address (`CF-Connecting-IP`, 403 `ip_not_allowed`), the route's scope.
//!    Failures count against the SID with the rate-limiting binding; past the limit they
//!    answer 429, while the right token works.
//! 5. A token with a rate limit is counted in this isolate's window (`usage::admit`); over
//!    it, 429 with `Retry-After`, `RateLimit-Policy` and `RateLimit`.
//! 6. The outcome is counted for the token's usage (flushed at most every 10 s).

use tollgate_core::error_code::ErrorCode;
use tollgate_core::feed::Trust;
use tollgate_core::gateway;
use tollgate_core::policy::{Admission, RateLimit};
use tollgate_core::replica::EdgeReplica;
use tollgate_core::scope::Method;
use tollgate_core::time::Timestamp;
use tollgate_core::usage::Outcome;
use tollgate_core::verify::{Denial, Screened, Target, decide, screen, secret_matches};
use worker::{Context, Env, Request, Response, Result};

use crate::records::{self, AccountEdge};
use crate::{answer, subscription, usage};

const REALM: &str = "Basic realm=\"Tollgate API\", charset=\"UTF-8\"";

fn unauthenticated() -> Result<Response> {
    answer::error_with(
        ErrorCode::Unauthenticated,
        "the Account SID or Auth Token is not valid",
        &[("WWW-Authenticate", REALM)],
    )
}

/// What a request to `path` asks for: the credentials alone (`/v1/verify`), or a gateway
/// route; a method or path the API does not take is answered at once.
fn target_of<'a>(
    path: &'a str,
    method: &worker::Method,
) -> std::result::Result<Target<'a>, Result<Response>> {
    let not_allowed = || {
        answer::error(
            ErrorCode::MethodNotAllowed,
            "this method is not allowed here",
            None,
        )
    };
    if path == "/v1/verify" {
        return match method {
            worker::Method::Get | worker::Method::Post => Ok(Target::CredentialsOnly),
            _ => Err(not_allowed()),
        };
    }
    let Some(method) = Method::parse(method.as_ref()) else {
        return Err(not_allowed());
    };
    // Before any scope is matched: the origin must get the very path that was checked.
    if let Err(e) = gateway::check_path(path) {
        return Err(answer::error(
            ErrorCode::InvalidPath,
            &e.to_string(),
            Some("path"),
        ));
    }
    Ok(Target::Route { method, path })
}

pub async fn handle(
    mut req: Request,
    env: &Env,
    ctx: &Context,
    now: Timestamp,
) -> Result<Response> {
    records::started(now);
    let path = req.path();
    let target = match target_of(&path, &req.method()) {
        Ok(t) => t,
        Err(answered) => return answered,
    };
    // Two Authorization headers arrive joined by ", ", which fails strict parsing.
    let header = req.headers().get("Authorization")?;
    let Ok(screened) = screen(header.as_deref()) else {
        return unauthenticated();
    };
    let sid = screened.sid.as_str().to_owned();
    let client = req.headers().get("CF-Connecting-IP")?;
    let looked = match look_up(env, ctx, &screened, target, client.as_deref(), now).await {
        Ok(l) => l,
        Err(_) => return unavailable(),
    };
    let count = |outcome| {
        if let Some(account) = &looked.holder {
            usage::count(account, &sid, outcome, now);
        }
        usage::flush_if_due(env, ctx, now);
    };
    let identity = match looked.decision {
        Ok(identity) => identity,
        Err(Denial::Unauthenticated(_)) => {
            count(Outcome::Unauthenticated);
            return failed_attempt(env, &sid).await;
        }
        Err(denial) => {
            if let Some(o) = outcome_of(&denial) {
                count(o);
            }
            return refusal(denial);
        }
    };
    // Only requests that would be allowed count against the token's rate limit.
    let admission = looked
        .rate_limit
        .map(|limit| usage::admit(&sid, limit, now));
    if let Some(a) = admission.filter(|a| !a.allowed) {
        count(Outcome::RateLimited);
        return over_limit(&a);
    }
    count(Outcome::Allowed);
    record_use(env, ctx, sid, now);
    let response = if matches!(target, Target::CredentialsOnly) {
        answer::json(200, &identity)?
    } else {
        crate::gateway::forward(&mut req, env, &identity).await?
    };
    Ok(with_rate_headers(response, admission))
}

/// Writes the token's last use, at most once a minute per isolate, after the response.
fn record_use(env: &Env, ctx: &Context, sid: String, now: Timestamp) {
    if records::due_use(&sid, now) {
        let env = env.clone();
        ctx.wait_until(async move {
            if records::write_use(&env, &sid, now).await.is_err() {
                worker::console_error!("could not record a token's last use");
            }
        });
    }
}

/// The rate limit's state on the verifier's own answer (the origin's answer has immutable
/// headers: only the verifier's say it).
fn with_rate_headers(mut response: Response, admission: Option<Admission>) -> Response {
    if let Some(a) = admission {
        let h = response.headers_mut();
        let _ = h
            .set("RateLimit-Policy", &a.policy_header())
            .and_then(|()| h.set("RateLimit", &a.state_header()));
    }
    response
}

/// What a valid token's refusal counts as in its usage.
fn outcome_of(denial: &Denial) -> Option<Outcome> {
    match denial {
        Denial::IpNotAllowed { .. } => Some(Outcome::IpNotAllowed),
        Denial::LacksScope { .. } => Some(Outcome::LacksScope),
        _ => None,
    }
}

/// A valid token's refusal, answered (each code a constant, see `answer::error`).
fn refusal(denial: Denial) -> Result<Response> {
    match denial {
        Denial::IpNotAllowed { .. } => answer::error(
            ErrorCode::IpNotAllowed,
            "this token may not be used from this address",
            None,
        ),
        Denial::LacksScope { required, .. } => answer::error(
            ErrorCode::InsufficientScope,
            &format!("this token lacks the scope {required} that this route requires"),
            None,
        ),
        _ => answer::error(
            ErrorCode::NoSuchRoute,
            "no API route of this token's version matches",
            None,
        ),
    }
}

/// 429 for a token over its rate limit, with when to retry and the limit's state.
fn over_limit(a: &Admission) -> Result<Response> {
    let retry = a.reset_secs.to_string();
    let (policy, state) = (a.policy_header(), a.state_header());
    answer::error_with(
        ErrorCode::RateLimited,
        "this token's rate limit is reached: wait before trying again",
        &[
            ("Retry-After", &retry),
            ("RateLimit-Policy", &policy),
            ("RateLimit", &state),
        ],
    )
}

/// What the lookup found: the decision, the account that holds the SID (for usage, also
/// when the secret was wrong) and the token's rate limit.
struct Looked {
    decision: std::result::Result<tollgate_core::verify::Identity, Denial>,
    holder: Option<String>,
    rate_limit: Option<RateLimit>,
}

async fn look_up(
    env: &Env,
    ctx: &Context,
    screened: &Screened,
    target: Target<'_>,
    client: Option<&str>,
    now: Timestamp,
) -> Result<Looked> {
    let sid = screened.sid.as_str();
    let (trust, read) = futures_util::future::join(
        subscription::ensure(env, ctx, now),
        records::prefetch(env, sid, now),
    )
    .await;
    // A record just read from KV (and merged with whatever the feed delivered) is as fresh as
    // reading it again.
    let token_trust = if read { Trust::Memory } else { trust };
    let (holder, owner) = records::with_token(env, sid, token_trust, now, |replica| {
        let Some(record) = replica.and_then(EdgeReplica::live) else {
            return (None, None);
        };
        let matched = secret_matches(screened, record, now);
        (
            Some(record.account_id.clone()),
            matched.then(|| record.account_id.clone()),
        )
    })
    .await?;
    let account: Option<AccountEdge> = match &owner {
        Some(id) => records::account(env, id, trust, now).await?,
        None => None,
    };
    records::with_token(env, sid, Trust::Memory, now, |replica| {
        let record = replica.and_then(EdgeReplica::live);
        // The record checked above: a feed entry that arrived meanwhile is not mixed in.
        let record = record.filter(|r| owner.as_deref() == Some(r.account_id.as_str()));
        let rate_limit = record.and_then(|r| r.rate_limit);
        Looked {
            decision: decide(screened, record, account, now, target, client),
            holder,
            rate_limit,
        }
    })
    .await
}

fn unavailable() -> Result<Response> {
    answer::error(
        ErrorCode::Unavailable,
        "the service is briefly unavailable: try again",
        None,
    )
}

/// Counts a failed attempt on `sid` with the Workers rate-limiting binding
/// (`FAILED_AUTH_LIMITER`, 20 failures a minute per SID); past it, 429.
async fn failed_attempt(env: &Env, sid: &str) -> Result<Response> {
    let over = match env.rate_limiter("FAILED_AUTH_LIMITER") {
        Ok(limiter) => limiter
            .limit(sid.to_owned())
            .await
            .is_ok_and(|o| !o.success),
        Err(_) => {
            worker::console_error!(
                "the FAILED_AUTH_LIMITER binding is missing: failures are not limited"
            );
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

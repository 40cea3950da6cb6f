//! Setup of a new account, sign-in, the sudo window and the user's language, inside the
//! account's object — so a session that sign-out, a disable or a password change ended can
//! never be written back by a request in flight. Every decision is the core's
//! (`tollgate_core::admin::sign_in`); these read, hash through [`Argon`] and commit.

use tollgate_core::admin::Caller;
use tollgate_core::admin::sign_in::{self, Attempt, Counters, Guess, Sudo};
use tollgate_core::api::{SessionPatch, SudoRequest};
use worker::{Env, Response};

use super::Ctx;
use super::protocol::{Login, Setup};
use crate::error::ApiResult;
use crate::password::Argon;
use crate::{body, random};

/// `/internal/setup` (from the front door): the account and its first admin.
pub async fn setup(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let s: Setup = ctx.call().await?;
    // From here on: no await until the commit.
    let existing = ctx.db().account()?;
    let outcome = sign_in::setup(
        &ctx.account_id,
        existing.as_ref(),
        s.account,
        s.admin,
        ctx.now,
    )?;
    ctx.settle(outcome).await
}

/// The throttle's counters of an attempt of `email` from the request's client.
fn counters(ctx: &Ctx<'_>, email: &str) -> ApiResult<Counters> {
    let mut out = Vec::new();
    for (key, max) in sign_in::throttle_keys(email, &ctx.client) {
        let counter = ctx.db().counter(&key)?;
        out.push((key, max, counter));
    }
    Ok(out)
}

/// `/internal/login` (from the front door, which found this account by the e-mail).
pub async fn login(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let Login { request, client } = ctx.call().await?;
    ctx.client = client;
    // From here on: no await until the commit.
    let secret = random::secret_string()?;
    let api_url = api_url(ctx.env());
    let attempt = Attempt {
        request: &request,
        user: ctx.db().user_by_email(request.email.trim())?,
        account: ctx.db().account()?,
        secret: &secret,
        api_url: &api_url,
        guess: Guess {
            counters: counters(ctx, &request.email)?,
            client: &ctx.client,
            now: ctx.now,
        },
    };
    let outcome = sign_in::login(attempt, &Argon).inspect_err(|f| {
        worker::console_warn!("sign-in refused for a client: {}", f.code);
    })?;
    if outcome.answer.is_err() {
        worker::console_warn!("failed sign-in from {}", ctx.client);
    }
    ctx.settle(outcome).await
}

/// The verifier Worker's address (`API_URL`), for the admin app's `curl` lines.
pub fn api_url(env: &Env) -> String {
    crate::vars::optional(env, "API_URL")
        .map(|v| v.trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

/// `PATCH /api/session` `{"locale": "ja"}`: anyone signed in may set their own.
pub async fn set_locale(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let p: SessionPatch = body::json(&mut ctx.req, false).await?;
    // The stored user (the caller's copy may be older), decided and written: no await between.
    let outcome = sign_in::set_locale(ctx.db().user(&c.user.id)?, p.locale)?;
    ctx.settle(outcome).await
}

/// `POST /api/session/sudo` `{"password": …}`.
pub async fn sudo(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let r: SudoRequest = body::json(&mut ctx.req, false).await?;
    // From here on: no await until the commit. Re-read what the body's await may have changed.
    let s = Sudo {
        password: &r.password,
        user: ctx.db().user(&c.user.id)?,
        session: ctx.db().session(&c.digest)?,
        guess: Guess {
            counters: counters(ctx, &c.user.email)?,
            client: &ctx.client,
            now: ctx.now,
        },
    };
    let outcome = sign_in::sudo(c, s, &Argon)?;
    if outcome.answer.is_err() {
        worker::console_warn!("failed re-authentication from {}", ctx.client);
    }
    ctx.settle(outcome).await
}

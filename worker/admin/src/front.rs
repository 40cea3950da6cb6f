//! The admin API's front door under `/api/`: refuses cross-site requests, creates accounts
//! (`POST /api/setup`), finds the account of a sign-in by its e-mail, and hands every other
//! request to the account's object, named by the session cookie. It holds no state: every
//! decision about an account is made inside that account's object.

use std::cell::RefCell;

use tollgate_core::admin::sign_in::{self, NewIds};
use tollgate_core::api::body::parse;
use tollgate_core::api::{LoginRequest, SetupRequest};
use tollgate_core::credential::Digest;
use tollgate_core::error_code::{ErrorCode, Failure};
use tollgate_core::session::{changes_state, session_account, session_id_from_cookies};
use tollgate_core::throttle::{self, Limiter};
use tollgate_core::time::Timestamp;
use worker::{Env, Request, Response, Result};

use crate::account::claim;
use crate::account::protocol::{AccountClient, Import, Login, Setup};
use crate::error::{ApiError, ApiResult};
use crate::password::Argon;
use crate::store::Store;
use crate::{body, directory, random};

thread_local! {
    /// Failed sign-ins for e-mails that belong to no account, per client (the account
    /// objects count the others).
    static UNKNOWN_SIGN_INS: RefCell<Limiter> =
        RefCell::new(Limiter::new(throttle::WINDOW, throttle::MAX_FAILURES_PER_CLIENT));
    /// Wrong setup secrets per client.
    static SETUP_FAILURES: RefCell<Limiter> =
        RefCell::new(Limiter::new(throttle::WINDOW, throttle::MAX_SETUP_FAILURES));
}

pub async fn handle(req: Request, env: &Env, now: Timestamp) -> Result<Response> {
    match route(req, env, now).await {
        Ok(r) => Ok(r),
        Err(e) => e.into_response(),
    }
}

/// The client's address, as Cloudflare reports it.
pub fn client(req: &Request) -> String {
    req.headers()
        .get("CF-Connecting-IP")
        .ok()
        .flatten()
        .filter(|a| a.len() <= 64)
        .unwrap_or_else(|| "unknown".into())
}

/// Refuses cross-site requests: `Sec-Fetch-Site: cross-site` always, and a foreign or
/// `null` Origin on state-changing requests.
fn same_site(req: &Request, method: &str) -> ApiResult<()> {
    let h = req.headers();
    if h.get("Sec-Fetch-Site").ok().flatten().as_deref() == Some("cross-site") {
        return Err(Failure::forbidden("cross-site requests are refused").into());
    }
    if changes_state(method)
        && let Some(origin) = h.get("Origin").ok().flatten()
    {
        let own = req
            .url()
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        if origin != own {
            return Err(Failure::forbidden("requests from another origin are refused").into());
        }
    }
    Ok(())
}

async fn route(mut req: Request, env: &Env, now: Timestamp) -> ApiResult<Response> {
    let method = req.method().to_string();
    same_site(&req, &method)?;
    let path = req.path();
    let segments: Vec<&str> = path
        .trim_start_matches("/api")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["setup"]) => setup(&mut req, env, now).await,
        ("POST", ["session"]) => login(&mut req, env, now).await,
        (_, ["setup"]) | (_, ["session"])
            if !matches!(method.as_str(), "GET" | "DELETE" | "PATCH") =>
        {
            Err(ApiError::method_not_allowed())
        }
        _ => {
            let cookies = req
                .headers()
                .get("Cookie")
                .ok()
                .flatten()
                .unwrap_or_default();
            let account_id = session_id_from_cookies(&cookies)
                .and_then(session_account)
                .ok_or_else(Failure::unauthenticated)?
                .to_owned();
            let who = client(&req);
            AccountClient::new(env, &account_id)?
                .forward(req, &who)
                .await
        }
    }
}

/// The scheme and credentials of an `Authorization` header; the scheme compared without
/// regard to case (RFC 9110 §11.1).
fn bearer(req: &Request) -> Option<String> {
    let h = req.headers().get("Authorization").ok().flatten()?;
    let (scheme, token) = h.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Refuses a wrong setup secret (limited per client, logged).
fn setup_secret(req: &Request, env: &Env, now: Timestamp) -> ApiResult<()> {
    let who = client(req);
    if let Some(secs) = SETUP_FAILURES.with(|l| l.borrow().blocked(&who, now)) {
        worker::console_warn!("setup refused: too many wrong secrets from {who}");
        return Err(Failure::rate_limited(secs).into());
    }
    let expected = env
        .secret("SETUP_SECRET")
        .map(|s| s.to_string())
        .unwrap_or_default();
    let presented = bearer(req).unwrap_or_default();
    let ok = expected.len() >= 16
        && Digest::of(expected.as_bytes()).ct_eq(&Digest::of(presented.as_bytes()));
    if !ok {
        SETUP_FAILURES.with(|l| l.borrow_mut().count(&who, now));
        worker::console_warn!("setup refused: wrong or missing setup secret from {who}");
        let f = Failure::new(
            ErrorCode::Unauthenticated,
            "setup needs Authorization: Bearer <SETUP_SECRET>",
        );
        return Err(f.into());
    }
    Ok(())
}

async fn setup(req: &mut Request, env: &Env, now: Timestamp) -> ApiResult<Response> {
    setup_secret(req, env, now)?;
    let s: SetupRequest = body::json(req, false).await?;
    let ids = NewIds {
        account_id: random::id("acc_")?,
        admin_id: random::id("usr_")?,
    };
    let (account, admin) = sign_in::new_account(&s, ids, &Argon, now)?;
    if Store::open(env)?
        .legacy_account_of(&admin.email)
        .await?
        .is_some()
    {
        let taken = tollgate_core::account::AccountError::EmailTaken.at("admin.email");
        return Err(Failure::from(taken).into());
    }
    claim::claim(env, &admin.email, &account.id, &admin.id, "admin.email").await?;
    let (email, account_id, admin_id) = (admin.email.clone(), account.id.clone(), admin.id.clone());
    let answer = AccountClient::new(env, &account_id)?
        .relay(&Setup { account, admin })
        .await;
    if !answer.as_ref().is_ok_and(|r| r.status_code() == 201) {
        claim::release(env, &email, &account_id, &admin_id).await?;
    }
    answer
}

async fn login(req: &mut Request, env: &Env, now: Timestamp) -> ApiResult<Response> {
    let raw = body::bytes(req).await?;
    let content_type = req.headers().get("Content-Type").ok().flatten();
    let l: LoginRequest = parse(content_type.as_deref(), &raw, false)?;
    let who = client(req);
    let email = l.email.trim().to_lowercase();
    let mut holder = directory::lookup(env, &email).await?;
    if holder.is_none()
        && let Some(account_id) = Store::open(env)?.legacy_account_of(&email).await?
    {
        // An account of the KV-only layout: its object imports it (and fills the directory).
        if AccountClient::new(env, &account_id)?
            .call(&Import {})
            .await
            .is_ok()
        {
            holder = directory::lookup(env, &email).await?;
        }
    }
    let Some(holder) = holder else {
        if let Some(secs) = UNKNOWN_SIGN_INS.with(|l| l.borrow().blocked(&who, now)) {
            return Err(Failure::rate_limited(secs).into());
        }
        // The same work as a wrong password, so the answer does not tell the cases apart.
        let _ = tollgate_core::admin::sign_in::Passwords::verify(&Argon, &l.password, None)?;
        UNKNOWN_SIGN_INS.with(|l| l.borrow_mut().count(&who, now));
        worker::console_warn!("failed sign-in for an unknown e-mail from {who}");
        return Err(sign_in::invalid_credentials().into());
    };
    let login = Login {
        request: l,
        client: who,
    };
    AccountClient::new(env, &holder.account_id)?
        .relay(&login)
        .await
}

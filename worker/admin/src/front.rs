//! The admin API's front door under `/api/`: refuses cross-site requests, creates accounts
//! (`POST /api/setup`), finds the account of a sign-in by its e-mail, and hands every other
//! request to the account's object, named by the session cookie. It holds no state: every
//! decision about an account is made inside that account's object.

use tollgate_core::account::{
    AccountRecord, MAX_PERSON_NAME_LEN, Role, UserRecord, check_email, check_password, clean_name,
};
use tollgate_core::api::{LoginRequest, SetupRequest};
use tollgate_core::credential::Digest;
use tollgate_core::error_code::ErrorCode;
use tollgate_core::session::{changes_state, session_account, session_id_from_cookies};
use tollgate_core::throttle;
use tollgate_core::time::Timestamp;
use worker::{Env, Headers, Request, RequestInit, Response, Result};

use crate::account::{self, ACCOUNT_HEADER, CLIENT_HEADER, session::NewAccount};
use crate::error::{ApiError, ApiResult};
use crate::limiter::Limiter;
use crate::store::Store;
use crate::{body, directory, password, random};

thread_local! {
    /// Failed sign-ins for e-mails that belong to no account, per client (the account
    /// objects count the others).
    static UNKNOWN_SIGN_INS: Limiter = Limiter::new(throttle::WINDOW, throttle::MAX_FAILURES_PER_CLIENT);
    /// Wrong setup secrets per client.
    static SETUP_FAILURES: Limiter = Limiter::new(throttle::WINDOW, throttle::MAX_SETUP_FAILURES);
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
        return Err(ApiError::forbidden("cross-site requests are refused"));
    }
    if changes_state(method)
        && let Some(origin) = h.get("Origin").ok().flatten()
    {
        let own = req
            .url()
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        if origin != own {
            return Err(ApiError::forbidden(
                "requests from another origin are refused",
            ));
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
                .ok_or_else(ApiError::unauthenticated)?
                .to_owned();
            forward(req, env, &account_id).await
        }
    }
}

/// Hands the request (method, URL, headers, streamed body) to the account's object, with
/// the account and the client address in headers only the front door sets.
async fn forward(req: Request, env: &Env, account_id: &str) -> ApiResult<Response> {
    let headers = Headers::new();
    for (k, v) in req.headers().entries() {
        let lower = k.to_ascii_lowercase();
        if lower == ACCOUNT_HEADER.to_ascii_lowercase()
            || lower == CLIENT_HEADER.to_ascii_lowercase()
        {
            continue;
        }
        headers.append(&k, &v)?;
    }
    headers.set(ACCOUNT_HEADER, account_id)?;
    headers.set(CLIENT_HEADER, &client(&req))?;
    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(headers);
    if let Some(stream) = req.inner().body() {
        init.with_body(Some(stream.into()));
    }
    let url = req.url()?.to_string();
    account::call(env, account_id, Request::new_with_init(&url, &init)?).await
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

async fn setup(req: &mut Request, env: &Env, now: Timestamp) -> ApiResult<Response> {
    let who = client(req);
    if let Some(secs) = SETUP_FAILURES.with(|l| l.blocked(&who, now)) {
        worker::console_warn!("setup refused: too many wrong secrets from {who}");
        return Err(ApiError::too_many(secs));
    }
    let expected = env
        .secret("SETUP_SECRET")
        .map(|s| s.to_string())
        .unwrap_or_default();
    let presented = bearer(req).unwrap_or_default();
    let ok = expected.len() >= 16
        && Digest::of(expected.as_bytes()).ct_eq(&Digest::of(presented.as_bytes()));
    if !ok {
        SETUP_FAILURES.with(|l| l.fail(&who, now));
        worker::console_warn!("setup refused: wrong or missing setup secret from {who}");
        return Err(ApiError::code(
            ErrorCode::Unauthenticated,
            "setup needs Authorization: Bearer <SETUP_SECRET>",
            None,
        ));
    }
    let s: SetupRequest = body::json(req, false).await?;
    let account_name =
        clean_name(&s.account.name, 100).map_err(|e| ApiError::from((e, "account.name")))?;
    let email = check_email(&s.admin.email).map_err(|e| ApiError::from((e, "admin.email")))?;
    let name = clean_name(&s.admin.name, MAX_PERSON_NAME_LEN)
        .map_err(|e| ApiError::from((e, "admin.name")))?;
    check_password(&s.admin.password).map_err(|e| ApiError::from((e, "admin.password")))?;
    let account = AccountRecord::new(
        random::id("acc_")?,
        &account_name,
        s.account.account_type,
        &name,
        &email,
        now,
    )
    .map_err(|e| ApiError::from((e, "account")))?;
    let hash = password::hash(&s.admin.password)?;
    let admin = UserRecord::new(
        random::id("usr_")?,
        &account.id,
        email,
        name,
        Role::AccountAdmin,
        hash,
        now,
    );
    if Store::open(env)?
        .legacy_account_of(&admin.email)
        .await?
        .is_some()
    {
        return Err(ApiError::from((
            tollgate_core::account::AccountError::EmailTaken,
            "admin.email",
        )));
    }
    directory::claim(env, &admin.email, &account.id, &admin.id)
        .await
        .map_err(|mut e| {
            if e.body.error.field.is_some() {
                e.body.error.field = Some("admin.email".into());
            }
            e
        })?;
    let (email, account_id, admin_id) = (admin.email.clone(), account.id.clone(), admin.id.clone());
    let body =
        serde_json::to_value(NewAccount { account, admin }).map_err(|_| ApiError::unavailable())?;
    let answer = account::call(
        env,
        &account_id,
        account::internal_request(&account_id, "/internal/setup", &body)?,
    )
    .await;
    if !answer.as_ref().is_ok_and(|r| r.status_code() == 201) {
        directory::release(env, &email, &account_id, &admin_id).await?;
    }
    answer
}

async fn login(req: &mut Request, env: &Env, now: Timestamp) -> ApiResult<Response> {
    let raw = body::bytes(req).await?;
    let l: LoginRequest = body::parse(req, &raw, false)?;
    let who = client(req);
    let email = l.email.trim().to_lowercase();
    let mut holder = directory::lookup(env, &email).await?;
    if holder.is_none()
        && let Some(account_id) = Store::open(env)?.legacy_account_of(&email).await?
    {
        // An account of the KV-only layout: its object imports it (and fills the directory).
        let r = account::call(
            env,
            &account_id,
            account::internal_request(&account_id, "/internal/import", &serde_json::json!({}))?,
        )
        .await?;
        if r.status_code() == 204 {
            holder = directory::lookup(env, &email).await?;
        }
    }
    let Some(holder) = holder else {
        if let Some(secs) = UNKNOWN_SIGN_INS.with(|l| l.blocked(&who, now)) {
            return Err(ApiError::too_many(secs));
        }
        // The same work as a wrong password, so the answer does not tell the cases apart.
        let _ = password::verify(&l.password, None)?;
        UNKNOWN_SIGN_INS.with(|l| l.fail(&who, now));
        worker::console_warn!("failed sign-in for an unknown e-mail from {who}");
        return Err(ApiError::code(
            ErrorCode::InvalidCredentials,
            "the e-mail address or password is not right",
            None,
        ));
    };
    let inner =
        account::internal_request_from(&holder.account_id, "/internal/login", &raw, Some(&who))?;
    account::call(env, &holder.account_id, inner).await
}

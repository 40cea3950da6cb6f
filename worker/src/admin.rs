//! The admin API under `/api/`. Every handler checks the session, the CSRF token on
//! state-changing requests, the caller's role, and that every id belongs to the
//! caller's account (anything else answers 404).

use serde::de::DeserializeOwned;
use tollgate_core::account::{
    ACCOUNT_SCHEMA_VERSION, AccountError, AccountRecord, MAX_PERSON_NAME_LEN, Permission, Role, UserRecord,
    check_email, check_password, clean_name,
};
use tollgate_core::api::{
    AccountPatch, AuditAction, AuditEntry, AuditPage, CatalogResponse, IssuedToken, LoginRequest, NewUser,
    ResetRequest, RevealedToken, SessionView, SetupRequest, SetupResponse, TokenDraft, TokenEdit, TokenPage, TokenView,
    UpgradeRequest, UserPatch, UserView,
};
use tollgate_core::credential::{AccountSid, Digest};
use tollgate_core::filter::{MAX_PAGE_SIZE, TokenFilter, list_counted};
use tollgate_core::session::{
    ABSOLUTE_TIMEOUT, MAX_SIGN_IN_FAILURES, SIGN_IN_WINDOW, SessionRecord, SessionState, clear_cookie, csrf_token_for,
    session_cookie, session_id_from_cookies,
};
use tollgate_core::time::Timestamp;
use tollgate_core::token::{self, AccountContext, Issued, TokenRecord};
use tollgate_core::version::ApiVersion;
use worker::{Env, Request, Response, Result};

use crate::error::{ApiError, ApiResult};
use crate::limiter::Limiter;
use crate::store::Store;
use crate::{edge, password, random, reply, seal};

/// Largest JSON body accepted.
pub const MAX_BODY: usize = 64 * 1024;

thread_local! {
    static LOGIN_FAILURES: Limiter = Limiter::new(SIGN_IN_WINDOW, MAX_SIGN_IN_FAILURES);
    /// New tokens per account (create and duplicate).
    static NEW_TOKENS: Limiter = Limiter::new(token::NEW_TOKEN_WINDOW, token::MAX_NEW_TOKENS);
}

/// The flood limit on new tokens per account: the core's, unless the deployment sets
/// `NEW_TOKENS_PER_MINUTE` (the benchmark raises it to create 10,000 tokens).
fn new_token_limit(env: &Env) -> u32 {
    env.var("NEW_TOKENS_PER_MINUTE").ok().and_then(|v| v.to_string().parse().ok()).unwrap_or(token::MAX_NEW_TOKENS)
}

pub async fn handle(req: Request, env: &Env, now: Timestamp) -> Result<Response> {
    match route(req, env, now).await {
        Ok(r) => Ok(r),
        Err(e) => e.into_response(),
    }
}

/// The signed-in caller.
struct Caller {
    user: UserRecord,
    account: AccountRecord,
    session: SessionRecord,
    session_digest: String,
    /// Kept in memory for this request only, to answer `GET /api/session` with its CSRF token.
    session_id: String,
}

impl Caller {
    fn require(&self, p: Permission) -> ApiResult<()> {
        if self.user.role.permits(p) { Ok(()) } else { Err(ApiError::forbidden("your role does not allow this")) }
    }
}

fn is_write(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Refuses cross-site requests: `Sec-Fetch-Site: cross-site` always, and a foreign or
/// `null` Origin on state-changing requests.
fn same_site(req: &Request, method: &str) -> ApiResult<()> {
    let h = req.headers();
    if h.get("Sec-Fetch-Site").ok().flatten().as_deref() == Some("cross-site") {
        return Err(ApiError::forbidden("cross-site requests are refused"));
    }
    if is_write(method)
        && let Some(origin) = h.get("Origin").ok().flatten()
    {
        let own = req.url().map(|u| u.origin().ascii_serialization()).unwrap_or_default();
        if origin != own {
            return Err(ApiError::forbidden("requests from another origin are refused"));
        }
    }
    Ok(())
}

/// Reads a JSON body of type `T`; an absent body reads as `{}` when `empty_ok`.
async fn body<T: DeserializeOwned>(req: &mut Request, empty_ok: bool) -> ApiResult<T> {
    let length: Option<usize> = req.headers().get("Content-Length").ok().flatten().and_then(|l| l.parse().ok());
    if length.is_some_and(|l| l > MAX_BODY) {
        return Err(ApiError::new(413, "body_too_large", "the request body is larger than 64 KiB", None));
    }
    let bytes =
        req.bytes().await.map_err(|_| ApiError::bad_request("unreadable_body", "the body could not be read", None))?;
    if bytes.len() > MAX_BODY {
        return Err(ApiError::new(413, "body_too_large", "the request body is larger than 64 KiB", None));
    }
    if bytes.is_empty() && empty_ok {
        return serde_json::from_str("{}")
            .map_err(|_| ApiError::bad_request("body_required", "send a JSON body", None));
    }
    let content_type = req.headers().get("Content-Type").ok().flatten().unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media != "application/json" {
        return Err(ApiError::new(415, "unsupported_media_type", "send the body as application/json", None));
    }
    serde_json::from_slice(&bytes).map_err(|e| json_error(&e))
}

fn json_error(e: &serde_json::Error) -> ApiError {
    let msg = e.to_string();
    let field = msg.split('`').nth(1).filter(|f| f.len() <= 40).map(str::to_owned);
    let code = if msg.starts_with("unknown field") {
        "unknown_field"
    } else if msg.starts_with("missing field") {
        "missing_field"
    } else if e.is_syntax() || e.is_eof() {
        "invalid_json"
    } else {
        "invalid_value"
    };
    let message: String = msg.split(" at line ").next().unwrap_or(&msg).chars().take(300).collect();
    let message = if code == "unknown_field" {
        format!("{message}; server-owned and unknown fields are not accepted")
    } else {
        message
    };
    ApiError::bad_request(code, message, field.as_deref())
}

fn query(req: &Request) -> String {
    req.url().ok().and_then(|u| u.query().map(str::to_owned)).unwrap_or_default()
}

async fn route(mut req: Request, env: &Env, now: Timestamp) -> ApiResult<Response> {
    let method = req.method().to_string();
    same_site(&req, &method)?;
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches("/api").split('/').filter(|s| !s.is_empty()).collect();
    let store = Store::open(env)?;
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["setup"]) => setup(&mut req, env, &store, now).await,
        ("POST", ["session"]) => login(&mut req, &store, now).await,
        (_, ["setup"]) | (_, ["session"]) if !matches!(method.as_str(), "GET" | "DELETE") => {
            Err(ApiError::method_not_allowed())
        }
        _ => {
            let caller = authenticate(&req, &store, now, is_write(&method)).await?;
            authed(&mut req, env, &store, &caller, &method, &segments, now).await
        }
    }
}

async fn authed(
    req: &mut Request,
    env: &Env,
    store: &Store,
    c: &Caller,
    method: &str,
    segments: &[&str],
    now: Timestamp,
) -> ApiResult<Response> {
    match (method, segments) {
        ("GET", ["session"]) => session_view(c),
        ("DELETE", ["session"]) => logout(store, c, now).await,
        ("GET", ["catalog"]) => {
            c.require(Permission::ViewTokens)?;
            catalog(req, c)
        }
        ("GET", ["tokens"]) => {
            c.require(Permission::ViewTokens)?;
            list_tokens(req, store, c, now).await
        }
        ("POST", ["tokens"]) => {
            c.require(Permission::ManageTokens)?;
            create_token(req, env, store, c, now).await
        }
        (_, ["tokens", sid, rest @ ..]) => {
            let needed = match (method, rest) {
                ("GET", []) => Permission::ViewTokens,
                ("POST", ["reveal"]) => Permission::RevealTokens,
                _ => Permission::ManageTokens,
            };
            c.require(needed)?;
            let record = owned_token(store, c, sid).await?;
            token_action(req, env, store, c, record, method, rest, now).await
        }
        ("GET", ["users"]) => {
            c.require(Permission::ViewUsers)?;
            let users: Vec<UserView> = store.users(&c.account.id).await?.iter().map(UserRecord::view).collect();
            reply::json(200, &users)
        }
        ("POST", ["users"]) => {
            c.require(Permission::ManageUsers)?;
            create_user(req, store, c, now).await
        }
        ("PATCH", ["users", id]) | ("DELETE", ["users", id]) => {
            c.require(Permission::ManageUsers)?;
            let patch = if method == "DELETE" {
                UserPatch { enabled: Some(false), ..UserPatch::default() }
            } else {
                body(req, false).await?
            };
            patch_user(store, c, id, patch, now).await
        }
        ("GET", ["account"]) => {
            c.require(Permission::ViewAccount)?;
            reply::json(200, &c.account.view())
        }
        ("PATCH", ["account"]) => {
            c.require(Permission::ManageAccount)?;
            patch_account(req, store, c, now).await
        }
        ("GET", ["audit"]) => {
            c.require(Permission::ViewAudit)?;
            audit(req, store, c).await
        }
        (_, ["catalog" | "tokens" | "users" | "account" | "audit" | "session", ..]) => {
            Err(ApiError::method_not_allowed())
        }
        _ => Err(ApiError::not_found()),
    }
}

// ------------------------------------------------------------------ setup and sessions

async fn setup(req: &mut Request, env: &Env, store: &Store, now: Timestamp) -> ApiResult<Response> {
    let expected = env.secret("SETUP_SECRET").map(|s| s.to_string()).unwrap_or_default();
    let presented = req
        .headers()
        .get("Authorization")
        .ok()
        .flatten()
        .and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned))
        .unwrap_or_default();
    let ok = expected.len() >= 16 && Digest::of(expected.as_bytes()).ct_eq(&Digest::of(presented.as_bytes()));
    if !ok {
        return Err(ApiError::new(401, "unauthenticated", "setup needs Authorization: Bearer <SETUP_SECRET>", None));
    }
    let s: SetupRequest = body(req, false).await?;
    let account_name = clean_name(&s.account.name, 100).map_err(|e| ApiError::from((e, "account.name")))?;
    let email = check_email(&s.admin.email).map_err(|e| ApiError::from((e, "admin.email")))?;
    let name = clean_name(&s.admin.name, MAX_PERSON_NAME_LEN).map_err(|e| ApiError::from((e, "admin.name")))?;
    check_password(&s.admin.password).map_err(|e| ApiError::from((e, "admin.password")))?;
    if store.user_id_by_email(&email).await?.is_some() {
        return Err(ApiError::from((AccountError::EmailTaken, "admin.email")));
    }
    let account = AccountRecord::new(random::id("acc_")?, &account_name, s.account.account_type, &name, &email, now)
        .map_err(|e| ApiError::from((e, "account")))?;
    let admin = UserRecord {
        schema: ACCOUNT_SCHEMA_VERSION,
        id: random::id("usr_")?,
        account_id: account.id.clone(),
        email,
        name,
        role: Role::AccountAdmin,
        enabled: true,
        password_hash: password::hash(&s.admin.password)?,
        created_at: now,
        generation: 0,
    };
    store.put_account(&account).await?;
    store.put_user(&admin).await?;
    audit_entry(store, &account.id, &admin, AuditAction::UserCreated, &admin.id, &admin.name, Some("setup"), now)
        .await?;
    reply::json(201, &SetupResponse { account: account.view(), admin: admin.view() })
}

async fn login(req: &mut Request, store: &Store, now: Timestamp) -> ApiResult<Response> {
    let l: LoginRequest = body(req, false).await?;
    let key = l.email.trim().to_lowercase();
    if let Some(secs) = LOGIN_FAILURES.with(|f| f.blocked(&key, now)) {
        return Err(ApiError::too_many(secs));
    }
    let user = match store.user_id_by_email(&key).await? {
        Some(id) => store.user(&id).await?,
        None => None,
    };
    let valid = password::verify(&l.password, user.as_ref().map(|u| u.password_hash.as_str()))?;
    let user = match user {
        Some(u) if valid && u.enabled => u,
        _ => {
            LOGIN_FAILURES.with(|f| f.fail(&key, now));
            return Err(ApiError::new(401, "invalid_credentials", "the e-mail address or password is not right", None));
        }
    };
    LOGIN_FAILURES.with(|f| f.forget(&key));
    let account = store.account(&user.account_id).await?.ok_or_else(ApiError::unauthenticated)?;
    let session_id = random::secret_string()?;
    let csrf = csrf_token_for(&session_id);
    let digest = Digest::of(session_id.as_bytes()).to_hex();
    let record = SessionRecord {
        schema: 1,
        user_id: user.id.clone(),
        account_id: account.id.clone(),
        generation: user.generation,
        csrf_digest: Digest::of(csrf.as_bytes()),
        created_at: now,
        last_seen: now,
    };
    store.put_session(&digest, &record, (ABSOLUTE_TIMEOUT.millis() / 1000) as u64).await?;
    audit_entry(store, &account.id, &user, AuditAction::SignedIn, &user.id, &user.name, None, now).await?;
    let view =
        SessionView { user: user.view(), account: account.view(), csrf_token: csrf, expires_at: record.expires_at() };
    let mut r = reply::json(201, &view)?;
    r.headers_mut().set("Set-Cookie", &session_cookie(&session_id)).map_err(ApiError::from)?;
    Ok(r)
}

async fn authenticate(req: &Request, store: &Store, now: Timestamp, needs_csrf: bool) -> ApiResult<Caller> {
    let cookies = req.headers().get("Cookie").ok().flatten().unwrap_or_default();
    let id = session_id_from_cookies(&cookies).ok_or_else(ApiError::unauthenticated)?;
    let digest = Digest::of(id.as_bytes()).to_hex();
    let mut session = store.session(&digest).await?.ok_or_else(ApiError::unauthenticated)?;
    let user = store.user(&session.user_id).await?.ok_or_else(ApiError::unauthenticated)?;
    let state = session.state(now, user.generation);
    if state == SessionState::Expired || !user.enabled || user.account_id != session.account_id {
        store.delete_session(&session.user_id, &digest).await?;
        return Err(ApiError::unauthenticated());
    }
    if needs_csrf {
        let presented = req.headers().get("X-CSRF-Token").ok().flatten();
        if !session.csrf_ok(presented.as_deref()) {
            return Err(ApiError::new(403, "csrf", "send the X-CSRF-Token from sign-in with this request", None));
        }
    }
    let account = store.account(&user.account_id).await?.ok_or_else(ApiError::unauthenticated)?;
    if state == SessionState::ActiveTouch {
        session.last_seen = now;
        let left = session.created_at.plus(ABSOLUTE_TIMEOUT).since(now).millis() / 1000;
        store.put_session(&digest, &session, left.max(60) as u64).await?;
    }
    Ok(Caller { user, account, session, session_digest: digest, session_id: id.to_owned() })
}

/// The current session and its CSRF token (the same for every tab of the session).
fn session_view(c: &Caller) -> ApiResult<Response> {
    let view = SessionView {
        user: c.user.view(),
        account: c.account.view(),
        csrf_token: csrf_token_for(&c.session_id),
        expires_at: c.session.expires_at(),
    };
    reply::json(200, &view)
}

async fn logout(store: &Store, c: &Caller, now: Timestamp) -> ApiResult<Response> {
    store.delete_session(&c.user.id, &c.session_digest).await?;
    audit_entry(store, &c.account.id, &c.user, AuditAction::SignedOut, &c.user.id, &c.user.name, None, now).await?;
    let mut r = reply::no_content()?;
    r.headers_mut().set("Set-Cookie", &clear_cookie()).map_err(ApiError::from)?;
    Ok(r)
}

// ------------------------------------------------------------------ tokens

fn catalog(req: &Request, c: &Caller) -> ApiResult<Response> {
    let q = query(req);
    let mut version = ApiVersion::latest();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("version", v)) => {
                version = ApiVersion::parse(v)
                    .map_err(|e| ApiError::bad_request("unknown_version", e.to_string(), Some("version")))?
            }
            _ => return Err(ApiError::bad_request("unknown_parameter", "use ?version=YYYY-MM-DD", Some("query"))),
        }
    }
    reply::json(200, &CatalogResponse::build(c.account.account_type, version))
}

async fn owned_token(store: &Store, c: &Caller, sid: &str) -> ApiResult<TokenRecord> {
    let sid = AccountSid::parse(sid).map_err(|_| ApiError::not_found())?;
    match store.token(sid.as_str()).await? {
        Some(t) if t.account_id == c.account.id => Ok(t),
        _ => Err(ApiError::not_found()),
    }
}

async fn view(store: &Store, c: &Caller, t: &TokenRecord, now: Timestamp) -> ApiResult<TokenView> {
    let used = store.last_used(t.sid.as_str()).await?;
    Ok(TokenView::from_record(t, used, c.account.account_type, now))
}

async fn list_tokens(req: &Request, store: &Store, c: &Caller, now: Timestamp) -> ApiResult<Response> {
    let (filter, page) = TokenFilter::from_query(&query(req))?;
    let index = store.token_index(&c.account.id).await?;
    let (entries, next, total) = list_counted(&index, &filter, &page, now);
    let sids: Vec<String> = entries.iter().map(|e| e.sid.clone()).collect();
    let records = store.tokens(&sids).await?;
    let used = futures_util::future::join_all(records.iter().map(|r| store.last_used(r.sid.as_str()))).await;
    let mut tokens = Vec::with_capacity(records.len());
    for (r, u) in records.iter().zip(used) {
        tokens.push(TokenView::from_record(r, u?, c.account.account_type, now));
    }
    reply::json(200, &TokenPage { tokens, next_cursor: next.map(|c| c.encode()), total })
}

async fn enabled_user_ids(store: &Store, account: &str) -> ApiResult<Vec<String>> {
    Ok(store.users(account).await?.into_iter().filter(|u| u.enabled).map(|u| u.id).collect())
}

/// Seals the new auth token unless the account shows tokens only once.
fn keep_sealed(env: &Env, c: &Caller, issued: &mut Issued) -> ApiResult<()> {
    issued.record.sealed_auth_token = if c.account.show_tokens_once {
        None
    } else {
        Some(seal::seal(env, issued.record.sid.as_str(), &issued.auth_token)?)
    };
    Ok(())
}

async fn issue(
    env: &Env,
    store: &Store,
    c: &Caller,
    mut issued: Issued,
    action: AuditAction,
    status: u16,
    now: Timestamp,
) -> ApiResult<Response> {
    let new_token = matches!(action, AuditAction::TokenCreated | AuditAction::TokenDuplicated);
    if new_token && let Some(secs) = NEW_TOKENS.with(|l| l.blocked_over(&c.account.id, now, new_token_limit(env))) {
        return Err(ApiError::too_many(secs));
    }
    keep_sealed(env, c, &mut issued)?;
    store.put_token(&issued.record).await?;
    if new_token {
        NEW_TOKENS.with(|l| l.fail(&c.account.id, now));
    }
    let t = &issued.record;
    audit_entry(store, &c.account.id, &c.user, action, t.sid.as_str(), &t.name, None, now).await?;
    let token = view(store, c, t, now).await?;
    reply::json(status, &IssuedToken { token, auth_token: issued.auth_token.expose().to_owned() })
}

async fn create_token(req: &mut Request, env: &Env, store: &Store, c: &Caller, now: Timestamp) -> ApiResult<Response> {
    let draft: TokenDraft = body(req, false).await?;
    let users = enabled_user_ids(store, &c.account.id).await?;
    let ctx = AccountContext { account_id: &c.account.id, account_type: c.account.account_type, users: &users };
    let issued = token::create(&draft, &ctx, &random::seed()?, now)?;
    issue(env, store, c, issued, AuditAction::TokenCreated, 201, now).await
}

#[allow(clippy::too_many_arguments)]
async fn token_action(
    req: &mut Request,
    env: &Env,
    store: &Store,
    c: &Caller,
    record: TokenRecord,
    method: &str,
    rest: &[&str],
    now: Timestamp,
) -> ApiResult<Response> {
    let users = match (method, rest) {
        ("PATCH", []) | ("POST", ["duplicate"]) => enabled_user_ids(store, &c.account.id).await?,
        _ => Vec::new(),
    };
    let ctx = AccountContext { account_id: &c.account.id, account_type: c.account.account_type, users: &users };
    let (next, action, detail) = match (method, rest) {
        ("GET", []) => return reply::json(200, &view(store, c, &record, now).await?),
        ("DELETE", []) => {
            let gone = token::delete(&record, &ctx, now)?;
            store.delete_token(&record).await?;
            audit_entry(
                store,
                &c.account.id,
                &c.user,
                AuditAction::TokenDeleted,
                gone.sid.as_str(),
                &gone.name,
                None,
                now,
            )
            .await?;
            return reply::no_content();
        }
        ("PATCH", []) => {
            let e: TokenEdit = body(req, false).await?;
            let fields: Vec<&str> = [
                ("name", e.name.is_some()),
                ("description", e.description.is_some()),
                ("primary_contact", e.primary_contact.is_some()),
                ("developer_emails", e.developer_emails.is_some()),
                ("scopes", e.scopes.is_some()),
            ]
            .into_iter()
            .filter_map(|(n, p)| p.then_some(n))
            .collect();
            (token::edit(&record, &e, &ctx, now)?, AuditAction::TokenEdited, Some(fields.join(",")))
        }
        ("POST", ["duplicate"]) => {
            let _: serde_json::Map<String, serde_json::Value> = empty_body(req).await?;
            let issued = token::duplicate(&record, &ctx, &random::seed()?, now)?;
            return issue(env, store, c, issued, AuditAction::TokenDuplicated, 201, now).await;
        }
        ("POST", ["reset"]) => {
            let r: ResetRequest = body(req, true).await?;
            let issued = token::reset(&record, &ctx, &random::bytes::<32>()?, r.grace, now)?;
            return issue(env, store, c, issued, AuditAction::TokenReset, 200, now).await;
        }
        ("POST", ["upgrade"]) => {
            let u: UpgradeRequest = body(req, true).await?;
            let next = token::upgrade(&record, &ctx, u.api_version, now)?;
            let detail = format!("{} -> {}", record.api_version, next.api_version);
            (next, AuditAction::TokenUpgraded, Some(detail))
        }
        ("POST", ["disable"]) => {
            let _: serde_json::Map<String, serde_json::Value> = empty_body(req).await?;
            (token::disable(&record, &ctx, now)?, AuditAction::TokenDisabled, None)
        }
        ("POST", ["enable"]) => {
            let _: serde_json::Map<String, serde_json::Value> = empty_body(req).await?;
            (token::enable(&record, &ctx, now)?, AuditAction::TokenEnabled, None)
        }
        ("POST", ["reveal"]) => {
            if c.account.show_tokens_once {
                return Err(ApiError::conflict(
                    "show_once",
                    "this account shows auth tokens only once: reset the token to get a new one",
                    None,
                ));
            }
            let sealed = record.sealed_auth_token.as_deref().ok_or_else(|| {
                ApiError::conflict(
                    "not_revealable",
                    "this auth token was not kept: reset the token to get a new one",
                    None,
                )
            })?;
            let auth_token = seal::open(env, record.sid.as_str(), sealed)?;
            audit_entry(
                store,
                &c.account.id,
                &c.user,
                AuditAction::TokenRevealed,
                record.sid.as_str(),
                &record.name,
                None,
                now,
            )
            .await?;
            return reply::json(200, &RevealedToken { auth_token });
        }
        (_, [] | ["duplicate" | "reset" | "upgrade" | "disable" | "enable" | "reveal"]) => {
            return Err(ApiError::method_not_allowed());
        }
        _ => return Err(ApiError::not_found()),
    };
    if next != record {
        store.put_token(&next).await?;
        audit_entry(store, &c.account.id, &c.user, action, next.sid.as_str(), &next.name, detail.as_deref(), now)
            .await?;
    }
    reply::json(200, &view(store, c, &next, now).await?)
}

/// Actions without parameters accept no body or `{}`, and nothing else.
async fn empty_body(req: &mut Request) -> ApiResult<serde_json::Map<String, serde_json::Value>> {
    let m: serde_json::Map<String, serde_json::Value> = body(req, true).await?;
    if let Some(k) = m.keys().next() {
        return Err(ApiError::bad_request(
            "unknown_field",
            format!("unknown field `{k}`: this action takes no fields"),
            Some(k),
        ));
    }
    Ok(m)
}

// ------------------------------------------------------------------ users and account

async fn create_user(req: &mut Request, store: &Store, c: &Caller, now: Timestamp) -> ApiResult<Response> {
    let n: NewUser = body(req, false).await?;
    let (email, name) = UserRecord::validate_new(&n)?;
    if store.user_id_by_email(&email).await?.is_some() {
        return Err(ApiError::from((AccountError::EmailTaken, "email")));
    }
    let user = UserRecord {
        schema: ACCOUNT_SCHEMA_VERSION,
        id: random::id("usr_")?,
        account_id: c.account.id.clone(),
        email,
        name,
        role: n.role,
        enabled: true,
        password_hash: password::hash(&n.password)?,
        created_at: now,
        generation: 0,
    };
    store.put_user(&user).await?;
    audit_entry(
        store,
        &c.account.id,
        &c.user,
        AuditAction::UserCreated,
        &user.id,
        &user.name,
        Some(user.role.as_str()),
        now,
    )
    .await?;
    reply::json(201, &user.view())
}

async fn patch_user(store: &Store, c: &Caller, id: &str, patch: UserPatch, now: Timestamp) -> ApiResult<Response> {
    let users = store.users(&c.account.id).await?;
    let target = users.iter().find(|u| u.id == id).ok_or_else(ApiError::not_found)?;
    let other_admins = users.iter().filter(|u| u.id != id && u.enabled && u.role == Role::AccountAdmin).count();
    let new_hash = match &patch.password {
        Some(p) => {
            check_password(p).map_err(|e| ApiError::from((e, "password")))?;
            Some(password::hash(p)?)
        }
        None => None,
    };
    let next = target.patch(&patch, &c.user.id, other_admins, new_hash)?;
    if next != *target {
        store.put_user(&next).await?;
        if next.generation != target.generation {
            store.end_sessions(&next.id).await?;
        }
        let action = if target.enabled && !next.enabled { AuditAction::UserDisabled } else { AuditAction::UserEdited };
        audit_entry(store, &c.account.id, &c.user, action, &next.id, &next.name, None, now).await?;
    }
    reply::json(200, &next.view())
}

async fn patch_account(req: &mut Request, store: &Store, c: &Caller, now: Timestamp) -> ApiResult<Response> {
    let p: AccountPatch = body(req, false).await?;
    let next = c.account.patch(&p)?;
    if next != c.account {
        store.put_account(&next).await?;
        edge::forget_account(&next.id);
        if next.show_tokens_once && !c.account.show_tokens_once {
            // Show-once keeps no ciphertext: drop what was kept.
            let index = store.token_index(&next.id).await?;
            let sids: Vec<String> = index.iter().map(|e| e.sid.clone()).collect();
            for mut t in store.tokens(&sids).await? {
                if t.sealed_auth_token.take().is_some() {
                    store.put_token(&t).await?;
                }
            }
        }
        audit_entry(store, &c.account.id, &c.user, AuditAction::AccountEdited, &next.id, &next.name, None, now).await?;
    }
    reply::json(200, &next.view())
}

async fn audit(req: &Request, store: &Store, c: &Caller) -> ApiResult<Response> {
    let mut target = None;
    let mut cursor = None;
    let mut limit = 50usize;
    for pair in query(req).split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("token", v)) => {
                target = Some(
                    AccountSid::parse(v).map_err(|e| ApiError::bad_request(e.code(), e.to_string(), Some("token")))?,
                )
            }
            Some(("cursor", v)) if v.len() <= 200 && v.starts_with("audit:") => cursor = Some(v.to_owned()),
            Some(("limit", v)) => {
                limit = v.parse().ok().filter(|n| (1..=MAX_PAGE_SIZE).contains(n)).ok_or_else(|| {
                    ApiError::bad_request("invalid_limit", "limit must be a whole number from 1 to 100", Some("limit"))
                })?
            }
            _ => return Err(ApiError::bad_request("unknown_parameter", "use token, cursor or limit", Some("query"))),
        }
    }
    let own_prefix = format!("audit:{}:", c.account.id);
    if cursor.as_deref().is_some_and(|c| !c.starts_with(&own_prefix)) {
        return Err(ApiError::bad_request("invalid_cursor", "this cursor is not valid", Some("cursor")));
    }
    let (entries, next_cursor) =
        store.audit(&c.account.id, target.as_ref().map(AccountSid::as_str), cursor.as_deref(), limit).await?;
    reply::json(200, &AuditPage { entries, next_cursor })
}

#[allow(clippy::too_many_arguments)]
async fn audit_entry(
    store: &Store,
    account: &str,
    actor: &UserRecord,
    action: AuditAction,
    target: &str,
    target_name: &str,
    detail: Option<&str>,
    now: Timestamp,
) -> ApiResult<()> {
    let e = AuditEntry {
        id: random::id("aud_")?,
        at: now,
        actor_id: actor.id.clone(),
        actor_email: actor.email.clone(),
        action,
        target: target.to_owned(),
        target_name: target_name.to_owned(),
        detail: detail.map(str::to_owned),
    };
    store.append_audit(account, &e).await
}

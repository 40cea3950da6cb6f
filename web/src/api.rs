//! The admin API client. Requests carry the session cookie (same origin) and, when they
//! change something, the CSRF token from sign-in.

use std::cell::RefCell;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tollgate_core::api::{
    AccountPatch, AccountView, AuditPage, CatalogResponse, IssuedToken, LoginRequest, NewUser, ResetRequest,
    RevealedToken, SessionView, TokenDraft, TokenEdit, TokenPage, TokenView, UpgradeRequest, UserPatch, UserView,
};

thread_local! {
    static BASE: RefCell<String> = const { RefCell::new(String::new()) };
    static CSRF: RefCell<String> = const { RefCell::new(String::new()) };
    static ON_SIGNED_OUT: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// What to do when the API says the session is gone (expired, ended elsewhere).
pub fn on_signed_out(f: impl Fn() + 'static) {
    ON_SIGNED_OUT.with(|h| *h.borrow_mut() = Some(Box::new(f)));
}

/// Sets the origin that serves `/api/` (empty: the page's own origin).
pub fn set_base(base: &str) {
    BASE.with(|b| *b.borrow_mut() = base.to_owned());
}

pub fn base() -> String {
    BASE.with(|b| b.borrow().clone())
}

fn url(path: &str) -> String {
    format!("{}{path}", base())
}

/// An error answer of the API, or a network failure (status 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    fn network(e: impl std::fmt::Display) -> ApiError {
        ApiError { status: 0, code: "network".into(), message: e.to_string(), field: None }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

async fn read<T: DeserializeOwned>(r: Response) -> ApiResult<T> {
    if r.ok() {
        return r.json::<T>().await.map_err(ApiError::network);
    }
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    if status == 401 && body["error"]["code"] == "unauthenticated" {
        ON_SIGNED_OUT.with(|h| h.borrow().as_ref().map(|f| f()));
    }
    Err(ApiError {
        status,
        code: body["error"]["code"].as_str().unwrap_or("error").to_owned(),
        message: body["error"]["message"].as_str().unwrap_or("").to_owned(),
        field: body["error"]["field"].as_str().map(str::to_owned),
    })
}

async fn read_empty(r: Response) -> ApiResult<()> {
    if r.ok() { Ok(()) } else { read::<serde_json::Value>(r).await.map(|_| ()) }
}

fn with_csrf(b: RequestBuilder) -> RequestBuilder {
    let token = CSRF.with(|c| c.borrow().clone());
    b.header("X-CSRF-Token", &token)
}

async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    read(Request::get(&url(path)).send().await.map_err(ApiError::network)?).await
}

async fn send<B: Serialize, T: DeserializeOwned>(method: &str, path: &str, body: &B) -> ApiResult<T> {
    let b = match method {
        "PATCH" => Request::patch(&url(path)),
        "DELETE" => Request::delete(&url(path)),
        _ => Request::post(&url(path)),
    };
    let req = with_csrf(b).json(body).map_err(ApiError::network)?;
    read(req.send().await.map_err(ApiError::network)?).await
}

fn remember(s: &SessionView) {
    CSRF.with(|c| *c.borrow_mut() = s.csrf_token.clone());
}

pub async fn login(email: &str, password: &str) -> ApiResult<SessionView> {
    let body = LoginRequest { email: email.to_owned(), password: password.to_owned() };
    let req = Request::post(&url("/api/session")).json(&body).map_err(ApiError::network)?;
    let s: SessionView = read(req.send().await.map_err(ApiError::network)?).await?;
    remember(&s);
    Ok(s)
}

pub async fn session() -> ApiResult<SessionView> {
    let s: SessionView = get("/api/session").await?;
    remember(&s);
    Ok(s)
}

pub async fn logout() -> ApiResult<()> {
    let r = with_csrf(Request::delete(&url("/api/session"))).send().await.map_err(ApiError::network)?;
    read_empty(r).await
}

pub async fn tokens(cursor: Option<&str>) -> ApiResult<TokenPage> {
    let c = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
    get(&format!("/api/tokens?limit=100{c}")).await
}

pub async fn token(sid: &str) -> ApiResult<TokenView> {
    get(&format!("/api/tokens/{sid}")).await
}

pub async fn create(d: &TokenDraft) -> ApiResult<IssuedToken> {
    send("POST", "/api/tokens", d).await
}

pub async fn edit(sid: &str, e: &TokenEdit) -> ApiResult<TokenView> {
    send("PATCH", &format!("/api/tokens/{sid}"), e).await
}

pub async fn delete(sid: &str) -> ApiResult<()> {
    let r = with_csrf(Request::delete(&url(&format!("/api/tokens/{sid}")))).send().await.map_err(ApiError::network)?;
    read_empty(r).await
}

pub async fn duplicate(sid: &str) -> ApiResult<IssuedToken> {
    send("POST", &format!("/api/tokens/{sid}/duplicate"), &serde_json::json!({})).await
}

pub async fn reset(sid: &str, r: &ResetRequest) -> ApiResult<IssuedToken> {
    send("POST", &format!("/api/tokens/{sid}/reset"), r).await
}

pub async fn upgrade(sid: &str) -> ApiResult<TokenView> {
    send("POST", &format!("/api/tokens/{sid}/upgrade"), &UpgradeRequest::default()).await
}

pub async fn set_enabled(sid: &str, enabled: bool) -> ApiResult<TokenView> {
    let action = if enabled { "enable" } else { "disable" };
    send("POST", &format!("/api/tokens/{sid}/{action}"), &serde_json::json!({})).await
}

pub async fn reveal(sid: &str) -> ApiResult<RevealedToken> {
    send("POST", &format!("/api/tokens/{sid}/reveal"), &serde_json::json!({})).await
}

pub async fn catalog(version: &str) -> ApiResult<CatalogResponse> {
    get(&format!("/api/catalog?version={version}")).await
}

pub async fn users() -> ApiResult<Vec<UserView>> {
    get("/api/users").await
}

pub async fn add_user(u: &NewUser) -> ApiResult<UserView> {
    send("POST", "/api/users", u).await
}

pub async fn patch_user(id: &str, p: &UserPatch) -> ApiResult<UserView> {
    send("PATCH", &format!("/api/users/{id}"), p).await
}

pub async fn account() -> ApiResult<AccountView> {
    get("/api/account").await
}

pub async fn patch_account(p: &AccountPatch) -> ApiResult<AccountView> {
    send("PATCH", "/api/account", p).await
}

pub async fn audit(token: Option<&str>, cursor: Option<&str>) -> ApiResult<AuditPage> {
    let mut q = vec!["limit=50".to_owned()];
    if let Some(t) = token {
        q.push(format!("token={t}"));
    }
    if let Some(c) = cursor {
        q.push(format!("cursor={c}"));
    }
    get(&format!("/api/audit?{}", q.join("&"))).await
}

//! The admin API client. Requests carry the session cookie (same origin) and, when they
//! change something, the CSRF token from sign-in.

use std::cell::RefCell;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tollgate_core::api::{
    AccountPatch, AccountView, AuditPage, CatalogResponse, IssuedToken, LoginRequest, NewUser,
    ResetRequest, RevealedToken, SessionView, TokenDraft, TokenEdit, TokenPage, TokenView,
    UpgradeRequest, UserPatch, UserView,
};
use tollgate_core::error_code::{ErrorCode, Failure};

thread_local! {
    static API_URL: RefCell<String> = const { RefCell::new(String::new()) };
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

/// An error answer of the API, or a failure to reach it (status 0, no code).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    /// The API's code; none when no error answer of the API came (the network failed, or an
    /// answer this app cannot read).
    pub code: Option<ErrorCode>,
    pub message: String,
    pub field: Option<String>,
    /// The values the message names (`max`, `email`, ...), for the translation.
    pub params: std::collections::BTreeMap<String, String>,
    /// With `stale_revision` (412): the answer, which holds the record as it is now.
    current: Option<String>,
}

/// What an error answer is read as: the core's error (and, on demand, the `current` record
/// of a 412, see [`ApiError::current`]); no generic JSON values in the app.
#[derive(serde::Deserialize)]
struct ErrorAnswer {
    error: tollgate_core::api::ErrorDetail,
}

#[derive(serde::Deserialize)]
struct Current<T> {
    current: T,
}

/// An empty JSON object, the body of the token actions that take none.
#[derive(Debug, Serialize)]
struct Empty {}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(c) => write!(f, "{} ({c})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ApiError {}

/// A refusal decided here (the core's rule, run in the browser) as the API would answer it.
impl From<Failure> for ApiError {
    fn from(f: Failure) -> ApiError {
        ApiError {
            status: f.status(),
            code: Some(f.code),
            message: f.message,
            field: f.field,
            params: f.params,
            current: None,
        }
    }
}

impl ApiError {
    fn network(e: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: 0,
            code: None,
            message: e.to_string(),
            field: None,
            params: Default::default(),
            current: None,
        }
    }

    /// What went wrong, in the admin's language: the translation of the code with the
    /// error's values filled in (the server's English message only for a code this app
    /// does not know).
    pub fn text(&self, i: crate::i18n::I18n) -> String {
        let key = match self.code {
            Some(c) => format!("error.{c}"),
            None if self.status == 0 => "error.network".to_owned(),
            None => String::new(),
        };
        let Some(mut text) = i.find(&key) else {
            return if self.message.is_empty() {
                i.t("app.error")
            } else {
                self.message.clone()
            };
        };
        for (name, value) in &self.params {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        // A value the message names is missing (an older server): the wording without it.
        if text.contains('{') {
            return i.find(&format!("{key}.plain")).unwrap_or(text);
        }
        text
    }

    /// Whether the API answered with `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == Some(code)
    }

    /// Someone else changed the record since this page loaded it (412 `stale_revision`).
    pub fn is_stale(&self) -> bool {
        self.is(ErrorCode::StaleRevision)
    }

    /// The current state carried by a `stale_revision` answer.
    pub fn current<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str::<Current<T>>(self.current.as_deref()?)
            .ok()
            .map(|c| c.current)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

async fn read<T: DeserializeOwned>(r: Response) -> ApiResult<T> {
    if r.ok() {
        return r.json::<T>().await.map_err(ApiError::network);
    }
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    let Ok(answer) = serde_json::from_str::<ErrorAnswer>(&body) else {
        // No error answer of the API: the app's own words for a failure.
        return Err(ApiError {
            status,
            ..ApiError::network("")
        });
    };
    let d = answer.error;
    let e = ApiError {
        status,
        code: Some(d.code),
        message: d.message,
        field: d.field,
        params: d.params,
        // The record as it is now, read from the answer only when asked for (`current`).
        current: (status == 412).then_some(body),
    };
    if status == 401 && e.is(ErrorCode::Unauthenticated) {
        ON_SIGNED_OUT.with(|h| h.borrow().as_ref().map(|f| f()));
    }
    Err(e)
}

async fn read_empty(r: Response) -> ApiResult<()> {
    if r.ok() {
        Ok(())
    } else {
        read::<serde::de::IgnoredAny>(r).await.map(|_| ())
    }
}

fn with_csrf(b: RequestBuilder) -> RequestBuilder {
    let token = CSRF.with(|c| c.borrow().clone());
    b.header("X-CSRF-Token", &token)
}

async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    read(
        Request::get(&url(path))
            .send()
            .await
            .map_err(ApiError::network)?,
    )
    .await
}

async fn send<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &B,
) -> ApiResult<T> {
    send_with(method, path, body, None, None).await
}

/// `If-Match` for a change made from a page that shows `revision`.
fn if_match(revision: u64) -> String {
    format!("\"{revision}\"")
}

/// A change with an optional `If-Match` revision and `Idempotency-Key`.
async fn send_with<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &B,
    revision: Option<u64>,
    key: Option<&str>,
) -> ApiResult<T> {
    let mut b = match method {
        "PATCH" => Request::patch(&url(path)),
        "DELETE" => Request::delete(&url(path)),
        _ => Request::post(&url(path)),
    };
    if let Some(r) = revision {
        b = b.header("If-Match", &if_match(r));
    }
    if let Some(k) = key {
        b = b.header("Idempotency-Key", k);
    }
    let req = with_csrf(b).json(body).map_err(ApiError::network)?;
    read(req.send().await.map_err(ApiError::network)?).await
}

/// A new idempotency key for one admin intent (a click that issues credentials), from the
/// browser's CSPRNG; none where it is unavailable (a fixed key would replay other intents).
fn intent_key() -> Option<String> {
    let mut bytes = [0u8; 16];
    let c = web_sys::window().and_then(|w| w.crypto().ok())?;
    c.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Issues credentials with an idempotency key, retrying once with the same key when the
/// network failed: a retry never issues a second token.
async fn issue<B: Serialize>(
    path: &str,
    body: &B,
    revision: Option<u64>,
) -> ApiResult<IssuedToken> {
    let Some(key) = intent_key() else {
        // Without a key a retry could issue twice: no retry.
        return send_with("POST", path, body, revision, None).await;
    };
    match send_with("POST", path, body, revision, Some(&key)).await {
        Err(e) if e.status == 0 => send_with("POST", path, body, revision, Some(&key)).await,
        other => other,
    }
}

fn remember(s: &SessionView) {
    CSRF.with(|c| *c.borrow_mut() = s.csrf_token.clone());
    API_URL.with(|a| *a.borrow_mut() = s.api_url.clone());
}

/// Where the API (the verifier Worker) answers, as the session said; empty if not known.
pub fn api_url() -> String {
    API_URL.with(|a| a.borrow().clone())
}

pub async fn login(email: &str, password: &str) -> ApiResult<SessionView> {
    let body = LoginRequest {
        email: email.to_owned(),
        password: password.to_owned(),
    };
    let req = Request::post(&url("/api/session"))
        .json(&body)
        .map_err(ApiError::network)?;
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
    let r = with_csrf(Request::delete(&url("/api/session")))
        .send()
        .await
        .map_err(ApiError::network)?;
    read_empty(r).await
}

/// A page of the tokens that match `filter` (a query string of `TokenFilter::to_query`;
/// empty: every token), after `cursor`.
pub async fn tokens(filter: &str, cursor: Option<&str>) -> ApiResult<TokenPage> {
    let f = if filter.is_empty() {
        String::new()
    } else {
        format!("&{filter}")
    };
    let c = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
    get(&format!("/api/tokens?limit=100{f}{c}")).await
}

pub async fn token(sid: &str) -> ApiResult<TokenView> {
    get(&format!("/api/tokens/{sid}")).await
}

pub async fn create(d: &TokenDraft) -> ApiResult<IssuedToken> {
    issue("/api/tokens", d, None).await
}

// Every change of a token carries the revision the page shows (`If-Match`): a change made
// by someone else meanwhile answers 412 with the current state instead of being overwritten.

pub async fn edit(sid: &str, e: &TokenEdit, revision: u64) -> ApiResult<TokenView> {
    send_with(
        "PATCH",
        &format!("/api/tokens/{sid}"),
        e,
        Some(revision),
        None,
    )
    .await
}

pub async fn delete(sid: &str, revision: u64) -> ApiResult<()> {
    let b = with_csrf(Request::delete(&url(&format!("/api/tokens/{sid}"))))
        .header("If-Match", &if_match(revision));
    read_empty(b.send().await.map_err(ApiError::network)?).await
}

pub async fn duplicate(sid: &str, revision: u64) -> ApiResult<IssuedToken> {
    issue(
        &format!("/api/tokens/{sid}/duplicate"),
        &Empty {},
        Some(revision),
    )
    .await
}

pub async fn reset(sid: &str, r: &ResetRequest, revision: u64) -> ApiResult<IssuedToken> {
    issue(&format!("/api/tokens/{sid}/reset"), r, Some(revision)).await
}

pub async fn upgrade(sid: &str, revision: u64) -> ApiResult<TokenView> {
    send_with(
        "POST",
        &format!("/api/tokens/{sid}/upgrade"),
        &UpgradeRequest::default(),
        Some(revision),
        None,
    )
    .await
}

pub async fn set_enabled(sid: &str, enabled: bool, revision: u64) -> ApiResult<TokenView> {
    let action = if enabled { "enable" } else { "disable" };
    send_with(
        "POST",
        &format!("/api/tokens/{sid}/{action}"),
        &Empty {},
        Some(revision),
        None,
    )
    .await
}

pub async fn reveal(sid: &str) -> ApiResult<RevealedToken> {
    send("POST", &format!("/api/tokens/{sid}/reveal"), &Empty {}).await
}

/// The password again: opens the session's sudo window (revealing stored Auth Tokens).
pub async fn sudo(password: &str) -> ApiResult<()> {
    let req = tollgate_core::api::SudoRequest {
        password: password.to_owned(),
    };
    send::<_, tollgate_core::api::SudoView>("POST", "/api/session/sudo", &req)
        .await
        .map(|_| ())
}

pub async fn usage(sid: &str, days: u32) -> ApiResult<tollgate_core::usage::UsageView> {
    get(&format!("/api/tokens/{sid}/usage?days={days}")).await
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

pub async fn patch_user(id: &str, p: &UserPatch, revision: u64) -> ApiResult<UserView> {
    send_with(
        "PATCH",
        &format!("/api/users/{id}"),
        p,
        Some(revision),
        None,
    )
    .await
}

pub async fn account() -> ApiResult<AccountView> {
    get("/api/account").await
}

pub async fn patch_account(p: &AccountPatch, revision: u64) -> ApiResult<AccountView> {
    send_with("PATCH", "/api/account", p, Some(revision), None).await
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

pub async fn notifications(
    cursor: Option<&str>,
) -> ApiResult<tollgate_core::notify::NotificationPage> {
    let c = cursor.map(|c| format!("?cursor={c}")).unwrap_or_default();
    get(&format!("/api/notifications{c}")).await
}

/// Saves the signed-in user's language (the app's and their notifications').
pub async fn set_locale(locale: tollgate_core::language::Language) -> ApiResult<UserView> {
    send(
        "PATCH",
        "/api/session",
        &tollgate_core::api::SessionPatch { locale },
    )
    .await
}

//! The admin API client. Requests carry the session cookie (same origin) and, when they
//! change something, the CSRF token from sign-in. The endpoints are in [`calls`].

mod calls;

use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tollgate_core::api::{IssuedToken, SessionView};
use tollgate_core::error_code::{ErrorCode, Failure};

/// What the client keeps between requests: where the API answers, the session's CSRF token,
/// where the verifier answers (the `curl` lines), and what to do when the session is gone.
#[derive(Default)]
struct State {
    base: String,
    csrf: String,
    api_url: String,
    signed_out: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
}

/// The admin API client, held in the app's context ([`use_api`]): a handle that every
/// component and action copies. A request made after the app was unmounted (its state gone)
/// goes to the page's own origin without a CSRF token and is refused; it never panics.
#[derive(Clone, Copy)]
pub struct Api(StoredValue<State>);

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Api")
    }
}

/// The app's API client.
pub fn use_api() -> Api {
    expect_context::<Api>()
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

async fn answer<T: DeserializeOwned>(r: Response) -> ApiResult<T> {
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
    Err(e)
}

async fn answer_empty(r: Response) -> ApiResult<()> {
    if r.ok() {
        Ok(())
    } else {
        answer::<serde::de::IgnoredAny>(r).await.map(|_| ())
    }
}

/// `If-Match` for a change made from a page that shows `revision`.
fn if_match(revision: u64) -> String {
    format!("\"{revision}\"")
}

/// A new idempotency key for one admin intent (a click that issues credentials), from the
/// browser's CSPRNG; none where it is unavailable (a fixed key would replay other intents).
fn intent_key() -> Option<String> {
    let mut bytes = [0u8; 16];
    let c = web_sys::window().and_then(|w| w.crypto().ok())?;
    c.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Api {
    /// A client of the API at `base` (empty: the page's own origin).
    pub fn new(base: &str) -> Api {
        Api(StoredValue::new(State {
            base: base.to_owned(),
            ..State::default()
        }))
    }

    /// What to do when the API says the session is gone (expired, ended elsewhere).
    pub fn on_signed_out(self, f: impl Fn() + Send + Sync + 'static) {
        self.0
            .update_value(|s| s.signed_out = Some(std::sync::Arc::new(f)));
    }

    fn state<T>(self, f: impl FnOnce(&State) -> T) -> Option<T> {
        self.0.try_with_value(f)
    }

    /// The origin that serves `/api/` (empty: the page's own).
    pub fn base(self) -> String {
        self.state(|s| s.base.clone()).unwrap_or_default()
    }

    /// Where the API (the verifier Worker) answers, as the session said; empty if not known.
    pub fn api_url(self) -> String {
        self.state(|s| s.api_url.clone()).unwrap_or_default()
    }

    fn url(self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    fn remember(self, s: &SessionView) {
        self.0.try_update_value(|st| {
            st.csrf.clone_from(&s.csrf_token);
            st.api_url.clone_from(&s.api_url);
        });
    }

    /// An answer, read; a 401 `unauthenticated` also tells the app the session is gone.
    async fn read<T: DeserializeOwned>(self, r: Response) -> ApiResult<T> {
        let result = answer(r).await;
        if let Err(e) = &result
            && e.status == 401
            && e.is(ErrorCode::Unauthenticated)
            && let Some(f) = self.state(|s| s.signed_out.clone()).flatten()
        {
            f();
        }
        result
    }

    fn with_csrf(self, b: RequestBuilder) -> RequestBuilder {
        let token = self.state(|s| s.csrf.clone()).unwrap_or_default();
        b.header("X-CSRF-Token", &token)
    }

    pub(crate) async fn get<T: DeserializeOwned>(self, path: &str) -> ApiResult<T> {
        self.read(
            Request::get(&self.url(path))
                .send()
                .await
                .map_err(ApiError::network)?,
        )
        .await
    }

    pub(crate) async fn send<B: Serialize, T: DeserializeOwned>(
        self,
        method: &str,
        path: &str,
        body: &B,
    ) -> ApiResult<T> {
        self.send_with(method, path, body, None, None).await
    }

    /// A change with an optional `If-Match` revision and `Idempotency-Key`.
    pub(crate) async fn send_with<B: Serialize, T: DeserializeOwned>(
        self,
        method: &str,
        path: &str,
        body: &B,
        revision: Option<u64>,
        key: Option<&str>,
    ) -> ApiResult<T> {
        let mut b = match method {
            "PATCH" => Request::patch(&self.url(path)),
            "DELETE" => Request::delete(&self.url(path)),
            _ => Request::post(&self.url(path)),
        };
        if let Some(r) = revision {
            b = b.header("If-Match", &if_match(r));
        }
        if let Some(k) = key {
            b = b.header("Idempotency-Key", k);
        }
        let req = self.with_csrf(b).json(body).map_err(ApiError::network)?;
        self.read(req.send().await.map_err(ApiError::network)?)
            .await
    }

    /// Issues credentials with an idempotency key, retrying once with the same key when the
    /// network failed: a retry never issues a second token.
    pub(crate) async fn issue<B: Serialize>(
        self,
        path: &str,
        body: &B,
        revision: Option<u64>,
    ) -> ApiResult<IssuedToken> {
        let Some(key) = intent_key() else {
            // Without a key a retry could issue twice: no retry.
            return self.send_with("POST", path, body, revision, None).await;
        };
        match self
            .send_with("POST", path, body, revision, Some(&key))
            .await
        {
            Err(e) if e.status == 0 => {
                self.send_with("POST", path, body, revision, Some(&key))
                    .await
            }
            other => other,
        }
    }
}

//! What the rest of the Worker asks an account's object, typed: each request a struct that
//! names its path and its answer ([`Call`]), shared by the caller ([`AccountClient`]) and the
//! object (which reads the request and writes the answer with the same types). The admin API
//! itself reaches the object by [`AccountClient::forward`], unchanged.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tollgate_core::account::{AccountRecord, UserRecord};
use tollgate_core::admin::leaks::{LeakAnswer, LeakRequest};
use tollgate_core::admin::notices::UnsubscribeRequest;
use tollgate_core::api::{ErrorBody, LoginRequest};
use tollgate_core::notify::Delivery;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Stub};

use crate::error::{ApiError, ApiResult};

/// The header that names the account (set by the front door and the clients only).
pub const ACCOUNT_HEADER: &str = "X-Tollgate-Account";
/// The header that carries the client's address (from `CF-Connecting-IP`).
pub const CLIENT_HEADER: &str = "X-Tollgate-Client";
/// The binding of the account objects' namespace.
pub const BINDING: &str = "ACCOUNTS";

/// A request to an account's object: its path and the answer it gets.
pub trait Call: Serialize + DeserializeOwned {
    const PATH: &'static str;
    type Answer: Serialize + DeserializeOwned;
}

/// Each request's path and answer, in one table.
macro_rules! calls {
    ($($request:ty => $path:literal, $answer:ty;)*) => {
        $(impl Call for $request {
            const PATH: &'static str = $path;
            type Answer = $answer;
        })*
    };
}

calls! {
    Setup => "/internal/setup", tollgate_core::api::SetupResponse;
    Import => "/internal/import", Done;
    HasUser => "/internal/has-user", HasUserAnswer;
    Login => "/internal/login", tollgate_core::api::SessionView;
    LeakRequest => "/internal/leaked", LeakAnswer;
    UnsubscribeRequest => "/internal/unsubscribe", Done;
    Claim => "/internal/notifications/claim", Claimed;
    Delivered => "/internal/notifications/result", Done;
}

/// An answer that says only that it was done.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Done {}

/// A new account and its first admin (checked, the password hashed, the e-mail claimed).
#[derive(Debug, Serialize, Deserialize)]
pub struct Setup {
    pub account: AccountRecord,
    pub admin: UserRecord,
}

/// Import the account from the KV-only layout if it is there.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Import {}

/// Whether the account has this user, with this e-mail.
#[derive(Debug, Serialize, Deserialize)]
pub struct HasUser {
    pub user_id: String,
    pub email: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct HasUserAnswer {
    pub exists: bool,
}

/// A sign-in for an e-mail the directory says is this account's.
#[derive(Debug, Serialize, Deserialize)]
pub struct Login {
    pub request: LoginRequest,
    /// The client's address (`CF-Connecting-IP`), for the throttle and the audit log.
    pub client: String,
}

/// A sender asks to post a notification.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claim {
    pub id: String,
}

/// What a sender may do with a message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claimed {
    pub send: bool,
    /// The attempt this send is (1 for the first).
    pub attempt: u32,
}

/// How a send ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivered {
    pub id: String,
    /// `sent`, `queued` (a retry follows) or `failed` (dead-lettered).
    pub delivery: Delivery,
    #[serde(default)]
    pub error: Option<String>,
}

/// A client of one account's object.
pub struct AccountClient {
    stub: Stub,
    account_id: String,
}

impl std::fmt::Debug for AccountClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountClient")
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

impl AccountClient {
    pub fn new(env: &Env, account_id: &str) -> ApiResult<AccountClient> {
        let ns = env.durable_object(BINDING)?;
        Ok(AccountClient {
            stub: ns.id_from_name(account_id)?.get_stub()?,
            account_id: account_id.to_owned(),
        })
    }

    /// Sends `c` and reads its answer; an error answer is relayed as the object decided it.
    pub async fn call<C: Call>(&self, c: &C) -> ApiResult<C::Answer> {
        let mut resp = self.relay(c).await?;
        if (200..300).contains(&resp.status_code()) {
            return resp.json().await.map_err(|_| ApiError::unavailable());
        }
        let body: ErrorBody = resp.json().await.map_err(|_| ApiError::unavailable())?;
        Err(tollgate_core::error_code::Failure::from(body).into())
    }

    /// Sends `c` and hands back the object's response as it is (sign-in's carries a cookie).
    pub async fn relay<C: Call>(&self, c: &C) -> ApiResult<Response> {
        let headers = Headers::new();
        headers.set(ACCOUNT_HEADER, &self.account_id)?;
        headers.set("Content-Type", "application/json")?;
        let body = serde_json::to_string(c).map_err(|_| ApiError::unavailable())?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(body.into()));
        let url = format!("https://account.internal{}", C::PATH);
        Ok(self
            .stub
            .fetch_with_request(Request::new_with_init(&url, &init)?)
            .await?)
    }

    /// Hands an admin API request (method, URL, headers, streamed body) to the object, with
    /// the account and the client's address in headers only the front door sets.
    pub async fn forward(&self, req: Request, client: &str) -> ApiResult<Response> {
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
        headers.set(ACCOUNT_HEADER, &self.account_id)?;
        headers.set(CLIENT_HEADER, client)?;
        let mut init = RequestInit::new();
        init.with_method(req.method()).with_headers(headers);
        if let Some(stream) = req.inner().body() {
            init.with_body(Some(stream.into()));
        }
        let url = req.url()?.to_string();
        Ok(self
            .stub
            .fetch_with_request(Request::new_with_init(&url, &init)?)
            .await?)
    }
}

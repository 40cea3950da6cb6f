//! The admin API's and the edge's error answers: `{"error": {"code", "message", "field"?}}`.

use tollgate_core::account::AccountError;
use tollgate_core::api::ErrorBody;
use tollgate_core::filter::FilterError;
use tollgate_core::token::TokenError;
use worker::Response;

/// An error answer: an HTTP status and the JSON body.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub body: ErrorBody,
    pub headers: Vec<(&'static str, String)>,
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>, field: Option<&str>) -> ApiError {
        ApiError { status, body: ErrorBody::new(code, message, field), headers: Vec::new() }
    }
    pub fn with_header(mut self, name: &'static str, value: String) -> ApiError {
        self.headers.push((name, value));
        self
    }
    pub fn bad_request(code: &str, message: impl Into<String>, field: Option<&str>) -> ApiError {
        ApiError::new(400, code, message, field)
    }
    pub fn unauthenticated() -> ApiError {
        ApiError::new(401, "unauthenticated", "sign in to continue", None)
    }
    pub fn forbidden(message: &str) -> ApiError {
        ApiError::new(403, "forbidden", message, None)
    }
    pub fn not_found() -> ApiError {
        ApiError::new(404, "not_found", "there is nothing here, or it belongs to another account", None)
    }
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(405, "method_not_allowed", "this method is not allowed here", None)
    }
    pub fn conflict(code: &str, message: impl Into<String>, field: Option<&str>) -> ApiError {
        ApiError::new(409, code, message, field)
    }
    pub fn too_many(retry_after_secs: i64) -> ApiError {
        ApiError::new(429, "rate_limited", "too many attempts: wait before trying again", None)
            .with_header("Retry-After", retry_after_secs.max(1).to_string())
    }
    pub fn unavailable() -> ApiError {
        ApiError::new(503, "unavailable", "the service is briefly unavailable: try again", None)
    }

    pub fn into_response(self) -> worker::Result<Response> {
        let mut r = Response::from_json(&self.body)?.with_status(self.status);
        for (k, v) in &self.headers {
            r.headers_mut().set(k, v)?;
        }
        Ok(r)
    }
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> ApiError {
        let status = match e {
            TokenError::WrongAccount => return ApiError::not_found(),
            ref e if e.is_conflict() => 409,
            _ => 422,
        };
        ApiError::new(status, e.code(), e.to_string(), e.field())
    }
}

impl From<(AccountError, &'static str)> for ApiError {
    fn from((e, field): (AccountError, &'static str)) -> ApiError {
        let status = match e {
            AccountError::EmailTaken | AccountError::LastAdmin => 409,
            AccountError::SelfChange => 403,
            _ => 422,
        };
        ApiError::new(status, e.code(), e.to_string(), Some(field))
    }
}

impl From<FilterError> for ApiError {
    fn from(e: FilterError) -> ApiError {
        ApiError::bad_request(e.code(), e.to_string(), Some(e.field()))
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> ApiError {
        worker::console_error!("platform error: {}", describe(&e));
        ApiError::unavailable()
    }
}

impl From<worker::kv::KvError> for ApiError {
    fn from(e: worker::kv::KvError) -> ApiError {
        worker::console_error!("storage error: {e}");
        ApiError::unavailable()
    }
}

/// A short description of a platform error for the log (never request data).
pub fn describe(e: &worker::Error) -> String {
    let s = e.to_string();
    s.chars().take(200).collect()
}

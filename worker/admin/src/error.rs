//! The admin API's and the edge's error answers: `{"error": {"code", "message", "field"?}}`
//! (plus `"current"`, the record as it is now, with `stale_revision`). Codes and their
//! statuses come from the core ([`ErrorCode`] and the domain errors' own codes).

use tollgate_core::account::AccountError;
use tollgate_core::api::ErrorBody;
use tollgate_core::error_code::ErrorCode;
use tollgate_core::filter::FilterError;
use tollgate_core::idempotency::IdempotencyError;
use tollgate_core::revision::PreconditionError;
use tollgate_core::token::TokenError;
use worker::Response;

/// An error answer: an HTTP status and the JSON body.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub body: ErrorBody,
    pub headers: Vec<(&'static str, String)>,
    /// The current state of the record, answered with `stale_revision`.
    pub current: Option<serde_json::Value>,
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

impl ApiError {
    /// An answer with one of the API's codes (the status is the code's).
    pub fn code(code: ErrorCode, message: impl Into<String>, field: Option<&str>) -> ApiError {
        ApiError::with_status(code.status(), code.as_str(), message, field)
    }
    /// An answer with a domain error's own code and the status given.
    fn with_status(
        status: u16,
        code: &str,
        message: impl Into<String>,
        field: Option<&str>,
    ) -> ApiError {
        ApiError {
            status,
            body: ErrorBody::new(code, message, field),
            headers: Vec::new(),
            current: None,
        }
    }
    /// The values the message names (see `ErrorDetail::params`).
    fn with_params(mut self, params: Vec<(&'static str, String)>) -> ApiError {
        self.body = self.body.with_params(params);
        self
    }
    pub fn with_header(mut self, name: &'static str, value: String) -> ApiError {
        self.headers.push((name, value));
        self
    }
    pub fn unauthenticated() -> ApiError {
        ApiError::code(ErrorCode::Unauthenticated, "sign in to continue", None)
    }
    pub fn forbidden(message: &str) -> ApiError {
        ApiError::code(ErrorCode::Forbidden, message, None)
    }
    pub fn not_found() -> ApiError {
        ApiError::code(
            ErrorCode::NotFound,
            "there is nothing here, or it belongs to another account",
            None,
        )
    }
    pub fn method_not_allowed() -> ApiError {
        ApiError::code(
            ErrorCode::MethodNotAllowed,
            "this method is not allowed here",
            None,
        )
    }
    pub fn too_many(retry_after_secs: i64) -> ApiError {
        ApiError::code(
            ErrorCode::RateLimited,
            "too many attempts: wait before trying again",
            None,
        )
        .with_header("Retry-After", retry_after_secs.max(1).to_string())
    }
    pub fn unavailable() -> ApiError {
        ApiError::code(
            ErrorCode::Unavailable,
            "the service is briefly unavailable: try again",
            None,
        )
    }
    pub fn body_too_large() -> ApiError {
        ApiError::code(
            ErrorCode::BodyTooLarge,
            "the request body is larger than 64 KiB",
            None,
        )
    }
    /// 412 `stale_revision` with the record as it is now.
    pub fn stale(e: &PreconditionError, current: serde_json::Value) -> ApiError {
        let mut out = ApiError::from(e.clone());
        out.current = Some(current);
        out
    }

    pub fn into_response(self) -> worker::Result<Response> {
        let mut body = serde_json::to_value(&self.body)
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        if let (Some(current), Some(obj)) = (self.current, body.as_object_mut()) {
            obj.insert("current".into(), current);
        }
        let mut r = Response::from_json(&body)?.with_status(self.status);
        for (k, v) in &self.headers {
            r.headers_mut().set(k, v)?;
        }
        Ok(r)
    }
}

impl From<tollgate_core::leak::signature::SignatureError> for ApiError {
    fn from(e: tollgate_core::leak::signature::SignatureError) -> ApiError {
        use tollgate_core::leak::signature::SignatureError as S;
        let status = if matches!(e, S::KeyList(_)) { 503 } else { 401 };
        ApiError::with_status(status, e.code(), e.to_string(), None)
    }
}

impl From<tollgate_core::leak::ReportError> for ApiError {
    fn from(e: tollgate_core::leak::ReportError) -> ApiError {
        use tollgate_core::leak::ReportError as R;
        let status = match e {
            R::TooLarge { .. } => 413,
            R::Malformed(_) => 400,
            R::TooMany { .. } => 422,
        };
        ApiError::with_status(status, e.code(), e.to_string(), None)
    }
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> ApiError {
        let status = match e {
            TokenError::WrongAccount => return ApiError::not_found(),
            ref e if e.is_conflict() => 409,
            _ => 422,
        };
        let params = e.params();
        ApiError::with_status(status, e.code(), e.to_string(), e.field()).with_params(params)
    }
}

impl From<(AccountError, &'static str)> for ApiError {
    fn from((e, field): (AccountError, &'static str)) -> ApiError {
        let status = match e {
            AccountError::EmailTaken | AccountError::LastAdmin => 409,
            AccountError::SelfChange => 403,
            _ => 422,
        };
        let params = e.params();
        ApiError::with_status(status, e.code(), e.to_string(), Some(field)).with_params(params)
    }
}

impl From<FilterError> for ApiError {
    fn from(e: FilterError) -> ApiError {
        ApiError::with_status(400, e.code(), e.to_string(), Some(e.field()))
    }
}

impl From<PreconditionError> for ApiError {
    fn from(e: PreconditionError) -> ApiError {
        let code = match e {
            PreconditionError::Stale { .. } => ErrorCode::StaleRevision,
            PreconditionError::Malformed => ErrorCode::InvalidPrecondition,
        };
        ApiError::code(code, e.to_string(), Some("If-Match"))
    }
}

impl From<IdempotencyError> for ApiError {
    fn from(e: IdempotencyError) -> ApiError {
        let code = match e {
            IdempotencyError::InvalidKey => ErrorCode::InvalidIdempotencyKey,
            IdempotencyError::KeyReused => ErrorCode::IdempotencyKeyReused,
        };
        ApiError::code(code, e.to_string(), Some("Idempotency-Key"))
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

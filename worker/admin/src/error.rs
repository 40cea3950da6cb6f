//! Error answers: the core's [`Failure`] (every code, its status, message, field and values)
//! as `{"error": {...}, "current"?}`, with `Retry-After` when it says so. The one conversion
//! from the core's contract is `From<Failure>`; platform errors (the runtime, KV) answer
//! 503 `unavailable` and are logged without request data.

use tollgate_core::api::ErrorBody;
use tollgate_core::error_code::Failure;
use worker::Response;

/// An error answer of this Worker.
#[derive(Debug)]
pub struct ApiError(pub Box<Failure>);

pub type ApiResult<T> = std::result::Result<T, ApiError>;

impl ApiError {
    pub fn not_found() -> ApiError {
        Failure::not_found().into()
    }

    pub fn unavailable() -> ApiError {
        Failure::unavailable().into()
    }

    pub fn method_not_allowed() -> ApiError {
        Failure::method_not_allowed().into()
    }

    pub fn into_response(self) -> worker::Result<Response> {
        let f = *self.0;
        let mut r = Response::from_json(&ErrorBody::from(&f))?.with_status(f.status());
        if let Some(secs) = f.retry_after {
            r.headers_mut().set("Retry-After", &secs.to_string())?;
        }
        Ok(r)
    }
}

impl From<Failure> for ApiError {
    fn from(f: Failure) -> ApiError {
        ApiError(Box::new(f))
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

/// Turns a core result into this Worker's (domain errors convert through [`Failure`]).
pub trait Decided<T> {
    fn decided(self) -> ApiResult<T>;
}

impl<T, E: Into<Failure>> Decided<T> for Result<T, E> {
    fn decided(self) -> ApiResult<T> {
        self.map_err(|e| ApiError::from(e.into()))
    }
}

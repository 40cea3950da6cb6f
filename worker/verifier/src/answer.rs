//! The verifier's own answers: JSON bodies with `Cache-Control: no-store` and `nosniff`,
//! errors as `{"error": {"code", "message", "field"?}}` with the core's codes.

use serde::Serialize;
use tollgate_core::error_code::ErrorCode;
use worker::{Response, Result};

pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    let mut r = Response::from_json(body)?.with_status(status);
    let h = r.headers_mut();
    h.set("Cache-Control", "no-store")?;
    h.set("X-Content-Type-Options", "nosniff")?;
    Ok(r)
}

/// `tollgate_core::api::ErrorBody`'s shape, borrowed: the verifier's errors name no values
/// (`params`), and this keeps the map's serializer out of its bundle.
#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

/// An error answer with one of the core's codes. Inlined, so that each call site's code
/// (always a constant here) is resolved to its name and status at compile time: the
/// verifier carries only the codes it answers, not the API's whole table.
#[inline(always)]
pub fn error(code: ErrorCode, message: &str, field: Option<&str>) -> Result<Response> {
    error_as(code.status(), code.as_str(), message, field)
}

fn error_as(status: u16, code: &str, message: &str, field: Option<&str>) -> Result<Response> {
    json(
        status,
        &Body {
            error: Detail {
                code,
                message,
                field,
            },
        },
    )
}

/// An error with extra headers (`WWW-Authenticate`, `Retry-After`).
#[inline(always)]
pub fn error_with(code: ErrorCode, message: &str, headers: &[(&str, &str)]) -> Result<Response> {
    with_headers(
        error_as(code.status(), code.as_str(), message, None)?,
        headers,
    )
}

fn with_headers(mut r: Response, headers: &[(&str, &str)]) -> Result<Response> {
    for (k, v) in headers {
        r.headers_mut().set(k, v)?;
    }
    Ok(r)
}

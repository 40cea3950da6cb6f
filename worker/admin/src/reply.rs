//! Building responses: JSON bodies and the security headers every answer carries.

use serde::Serialize;
use worker::{Headers, Response, Result};

use tollgate_core::admin::Answer;
use tollgate_core::revision::etag;

use crate::error::{ApiError, ApiResult};

/// Content-Security-Policy for everything served: scripts only from this origin (plus
/// WebAssembly compilation), no framing, no plugins.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

pub fn json<T: Serialize>(status: u16, body: &T) -> ApiResult<Response> {
    let r = Response::from_json(body)
        .map_err(ApiError::from)?
        .with_status(status);
    Ok(r)
}

pub fn no_content() -> ApiResult<Response> {
    Ok(Response::empty().map_err(ApiError::from)?.with_status(204))
}

/// JSON text already written (a kept answer, an answer of the core's).
pub fn json_text(status: u16, text: String) -> ApiResult<Response> {
    let mut r = Response::from_bytes(text.into_bytes())?.with_status(status);
    r.headers_mut().set("Content-Type", "application/json")?;
    Ok(r)
}

/// The response of an answer the core decided: its body, `ETag` and session cookie.
pub fn answer(a: &Answer) -> ApiResult<Response> {
    let mut r = if a.status == 204 {
        no_content()?
    } else {
        json_text(a.status, a.json())?
    };
    let h = r.headers_mut();
    if let Some(rev) = a.etag {
        h.set("ETag", &etag(rev))?;
    }
    if let Some(c) = &a.set_cookie {
        h.set("Set-Cookie", c)?;
    }
    Ok(r)
}

/// Adds the security headers. Responses from `fetch` have immutable headers, so the
/// response is rebuilt with a copy of them.
pub fn with_security_headers(response: Response) -> Result<Response> {
    let headers = Headers::new();
    for (k, v) in response.headers().entries() {
        headers.append(&k, &v)?;
    }
    headers.set("Content-Security-Policy", CSP)?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("X-Frame-Options", "DENY")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    headers.set(
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains",
    )?;
    headers.set("Cross-Origin-Opener-Policy", "same-origin")?;
    headers.set("Cross-Origin-Resource-Policy", "same-origin")?;
    headers.set(
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    )?;
    let content_type = headers.get("Content-Type")?.unwrap_or_default();
    if content_type.starts_with("application/json") {
        headers.set("Cache-Control", "no-store")?;
    }
    Ok(response.with_headers(headers))
}

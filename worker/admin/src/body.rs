//! Reading request bodies: at most [`MAX_BODY`] bytes are ever read (a body without
//! `Content-Length` is read chunk by chunk and refused with 413 as soon as it passes the
//! limit), JSON only, and every parse error answered with a code and the field it names.

use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use tollgate_core::error_code::ErrorCode;
use worker::Request;

use crate::error::{ApiError, ApiResult};

/// Largest body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// The raw body, refused with 413 past [`MAX_BODY`] without reading further.
pub async fn bytes(req: &mut Request) -> ApiResult<Vec<u8>> {
    bytes_up_to(req, MAX_BODY, ApiError::body_too_large).await
}

/// The raw body, refused with `too_large()` past `max` bytes without reading further.
pub async fn bytes_up_to(
    req: &mut Request,
    max: usize,
    too_large: fn() -> ApiError,
) -> ApiResult<Vec<u8>> {
    let length: Option<usize> = req
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|l| l.parse().ok());
    if length.is_some_and(|l| l > max) {
        return Err(too_large());
    }
    let unreadable = || {
        ApiError::code(
            ErrorCode::UnreadableBody,
            "the body could not be read",
            None,
        )
    };
    let mut stream = match req.stream() {
        Ok(s) => s,
        // No body at all.
        Err(_) => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        if out.len() + chunk.len() > max {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Parses a JSON body of type `T` from `bytes`; an empty body reads as `{}` when `empty_ok`.
pub fn parse<T: DeserializeOwned>(req: &Request, bytes: &[u8], empty_ok: bool) -> ApiResult<T> {
    if bytes.is_empty() && empty_ok {
        return serde_json::from_str("{}")
            .map_err(|_| ApiError::code(ErrorCode::BodyRequired, "send a JSON body", None));
    }
    let content_type = req
        .headers()
        .get("Content-Type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media != "application/json" {
        return Err(ApiError::code(
            ErrorCode::UnsupportedMediaType,
            "send the body as application/json",
            None,
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| json_error(&e))
}

/// Reads and parses a JSON body in one step.
pub async fn json<T: DeserializeOwned>(req: &mut Request, empty_ok: bool) -> ApiResult<T> {
    let raw = bytes(req).await?;
    parse(req, &raw, empty_ok)
}

/// Actions without parameters accept no body or `{}`, and nothing else.
pub fn empty(req: &Request, bytes: &[u8]) -> ApiResult<()> {
    let m: serde_json::Map<String, serde_json::Value> = parse(req, bytes, true)?;
    if let Some(k) = m.keys().next() {
        return Err(ApiError::code(
            ErrorCode::UnknownField,
            format!("unknown field `{k}`: this action takes no fields"),
            Some(k),
        ));
    }
    Ok(())
}

fn json_error(e: &serde_json::Error) -> ApiError {
    let msg = e.to_string();
    let field = msg
        .split('`')
        .nth(1)
        .filter(|f| f.len() <= 40)
        .map(str::to_owned);
    let code = if msg.starts_with("unknown field") {
        ErrorCode::UnknownField
    } else if msg.starts_with("missing field") {
        ErrorCode::MissingField
    } else if e.is_syntax() || e.is_eof() {
        ErrorCode::InvalidJson
    } else {
        ErrorCode::InvalidValue
    };
    let message: String = msg
        .split(" at line ")
        .next()
        .unwrap_or(&msg)
        .chars()
        .take(300)
        .collect();
    let message = if code == ErrorCode::UnknownField {
        format!("{message}; server-owned and unknown fields are not accepted")
    } else {
        message
    };
    ApiError::code(code, message, field.as_deref())
}

/// The query string of a request (without `?`).
pub fn query(req: &Request) -> String {
    req.url()
        .ok()
        .and_then(|u| u.query().map(str::to_owned))
        .unwrap_or_default()
}

//! Reading request bodies (the I/O; the rules are `tollgate_core::api::body`): at most
//! `MAX_BODY` bytes are ever read — a body without `Content-Length` is read chunk by chunk
//! and refused with 413 as soon as it passes the limit.

use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use tollgate_core::api::body::{self as rules, MAX_BODY};
use tollgate_core::error_code::Failure;
use worker::Request;

use crate::error::{ApiError, ApiResult};

/// The raw body, refused with 413 past `MAX_BODY` without reading further.
pub async fn bytes(req: &mut Request) -> ApiResult<Vec<u8>> {
    bytes_up_to(req, MAX_BODY, rules::too_large).await
}

/// The raw body, refused with `too_large()` past `max` bytes without reading further.
pub async fn bytes_up_to(
    req: &mut Request,
    max: usize,
    too_large: fn() -> Failure,
) -> ApiResult<Vec<u8>> {
    let length: Option<usize> = header(req, "Content-Length").and_then(|l| l.parse().ok());
    if length.is_some_and(|l| l > max) {
        return Err(too_large().into());
    }
    let mut stream = match req.stream() {
        Ok(s) => s,
        // No body at all.
        Err(_) => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::from(rules::unreadable()))?;
        if out.len() + chunk.len() > max {
            return Err(too_large().into());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// Parses a JSON body of type `T` from `bytes` (see `tollgate_core::api::body::parse`).
pub fn parse<T: DeserializeOwned>(req: &Request, bytes: &[u8], empty_ok: bool) -> ApiResult<T> {
    Ok(rules::parse(
        header(req, "Content-Type").as_deref(),
        bytes,
        empty_ok,
    )?)
}

/// Reads and parses a JSON body in one step.
pub async fn json<T: DeserializeOwned>(req: &mut Request, empty_ok: bool) -> ApiResult<T> {
    let raw = bytes(req).await?;
    parse(req, &raw, empty_ok)
}

/// Actions without parameters accept no body or `{}`, and nothing else.
pub fn empty(req: &Request, bytes: &[u8]) -> ApiResult<()> {
    Ok(rules::empty(header(req, "Content-Type").as_deref(), bytes)?)
}

/// The query string of a request (without `?`).
pub fn query(req: &Request) -> String {
    req.url()
        .ok()
        .and_then(|u| u.query().map(str::to_owned))
        .unwrap_or_default()
}

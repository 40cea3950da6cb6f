//! The `/v1/` gateway: what a verified request takes to the origin (`ORIGIN_URL`).
//!
//! Only the core's allow-list of request headers goes through (`gateway::FORWARDED`: no
//! hop-by-hop header, nothing named in `Connection`, no `Authorization`, `Cookie`,
//! `Proxy-Authorization`, client-sent forwarding headers, or `x-tollgate-*` spelled with
//! `_`); `X-Forwarded-For` and `X-Real-IP` come from `CF-Connecting-IP`; the caller's
//! identity goes in `X-Tollgate-*`. Bodies are streamed both ways, and the origin's
//! redirects go back to the client unfollowed.

use tollgate_core::gateway;
use tollgate_core::verify::Identity;
thread_local! {
    /// `ORIGIN_URL`, read once per isolate (variables do not change while it lives).
    static ORIGIN: std::cell::OnceCell<String> = const { std::cell::OnceCell::new() };
}

/// The answer in echo mode (no origin configured).
#[derive(serde::Serialize)]
struct Echo<'a> {
    echo: bool,
    identity: &'a Identity,
}

use worker::worker_sys::web_sys;
use worker::{Env, Fetch, Headers, Request, Response, Result};

/// The request's query (with its `?`), as sent; read from the serialized URL, where the
/// first `?` always starts it (no URL parser in this bundle).
fn query(req: &Request) -> String {
    let url = req.inner().url();
    let without_fragment = url.split('#').next().unwrap_or_default();
    without_fragment
        .find('?')
        .map(|i| without_fragment[i..].to_owned())
        .unwrap_or_default()
}

/// Sends the request on to `ORIGIN_URL` without its Authorization header and with the
/// caller's identity; with no origin configured, answers with the identity (echo mode).
pub async fn forward(req: &mut Request, env: &Env, identity: &Identity) -> Result<Response> {
    let origin = ORIGIN.with(|o| {
        o.get_or_init(|| {
            env.var("ORIGIN_URL")
                .map(|v| v.to_string())
                .unwrap_or_default()
        })
        .clone()
    });
    if origin.trim().is_empty() {
        return crate::answer::json(
            200,
            &Echo {
                echo: true,
                identity,
            },
        );
    }
    // The path as sent (still percent-encoded): the one whose scope was checked.
    let target = format!(
        "{}{}{}",
        origin.trim_end_matches('/'),
        req.path(),
        query(req)
    );
    let headers = Headers::new();
    let connection = req.headers().get("Connection").ok().flatten();
    for (k, v) in req.headers().entries() {
        if gateway::forwards(&k, connection.as_deref()) {
            headers.append(&k, &v)?;
        }
    }
    let set = |k: &str, v: &str| headers.set(k, v);
    // Forwarding information from Cloudflare's view of the client, never the client's own.
    if let Some(ip) = req.headers().get("CF-Connecting-IP").ok().flatten() {
        set("X-Forwarded-For", &ip)?;
        set("X-Real-IP", &ip)?;
    }
    set("X-Tollgate-Account", &identity.account)?;
    set("X-Tollgate-Sid", identity.sid.as_str())?;
    set("X-Tollgate-Api-Version", identity.api_version.as_str())?;
    set("X-Tollgate-Scopes", &identity.scopes.join(" "))?;
    // Built with web_sys directly: worker's RequestInit carries Cloudflare's image and cache
    // options, whose conversion code the verifier's bundle does not need.
    let init = web_sys::RequestInit::new();
    init.set_method(req.method().as_ref());
    init.set_headers(headers.as_ref());
    // The origin's redirects go back to the client as they are, never followed here.
    init.set_redirect(web_sys::RequestRedirect::Manual);
    if !matches!(req.method(), worker::Method::Get | worker::Method::Head)
        && let Some(body) = req.inner().body()
    {
        // Streamed through, never buffered whole.
        init.set_body(&body);
    }
    let out: Request = web_sys::Request::new_with_str_and_init(&target, &init)
        .map_err(|_| worker::Error::RustError("the origin URL is not valid".into()))?
        .into();
    Fetch::Request(out).send().await
}

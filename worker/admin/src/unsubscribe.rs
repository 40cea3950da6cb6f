//! `/unsubscribe?a=&s=&e=&l=&t=`: the signed link in notifications to developer e-mails.
//! `GET` shows a page with one button (so that a mail scanner following links changes
//! nothing); `POST` — the button, or a mail client's RFC 8058 one-click request — asks the
//! account's object to stop the token's notifications to that address. The link's HMAC
//! ([`tollgate_core::notify::unsubscribe_tag`]) is its only authority.

use tollgate_core::account::is_account_id;
use tollgate_core::notify::{self, Language, text::unsubscribe_page};
use worker::{Env, Method, Request, Response, Result};

use crate::account::{self, internal_request};

struct Link {
    account: String,
    sid: String,
    email: String,
    language: Language,
    tag: String,
}

fn decode(v: &str) -> String {
    worker::js_sys::decode_uri_component(&v.replace('+', " "))
        .map(String::from)
        .unwrap_or_default()
}

fn link(req: &Request) -> Option<Link> {
    let url = req.url().ok()?;
    let mut l = Link {
        account: String::new(),
        sid: String::new(),
        email: String::new(),
        language: Language::En,
        tag: String::new(),
    };
    for (k, v) in url.query()?.split('&').filter_map(|p| p.split_once('=')) {
        match k {
            "a" => l.account = decode(v),
            "s" => l.sid = decode(v),
            "e" => l.email = decode(v),
            "t" => l.tag = decode(v),
            "l" => {
                l.language =
                    serde_json::from_value(serde_json::Value::String(decode(v))).unwrap_or_default()
            }
            _ => {}
        }
    }
    is_account_id(&l.account).then_some(l)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: u16, lang: Language, title: &str, body: &str) -> Result<Response> {
    let html = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>",
        lang.code()
    );
    let mut r = Response::from_html(html)?.with_status(status);
    r.headers_mut().set("Cache-Control", "no-store")?;
    Ok(r)
}

const INVALID: &str =
    "<p>This unsubscribe link is not valid. / この配信停止リンクは無効です。/ 此退订链接无效。</p>";

pub async fn handle(req: Request, env: &Env) -> Result<Response> {
    let Some(l) = link(&req) else {
        return page(400, Language::En, "Unsubscribe", INVALID);
    };
    let [title, question, button, done] = unsubscribe_page(l.language);
    let Ok(key) = account::notices::link_key(env) else {
        return page(503, l.language, title, "");
    };
    if !notify::unsubscribe_tag_valid(&key, &l.account, &l.sid, &l.email, &l.tag) {
        return page(400, l.language, title, INVALID);
    }
    if req.method() != Method::Post {
        let body = format!(
            "<p>{question} <strong>{}</strong></p><form method=\"post\"><button type=\"submit\">{button}</button></form>",
            escape(&l.email)
        );
        return page(200, l.language, title, &body);
    }
    let body = serde_json::json!({ "sid": l.sid, "email": l.email, "tag": l.tag });
    let told = match internal_request(&l.account, "/internal/unsubscribe", &body) {
        Ok(r) => account::call(env, &l.account, r)
            .await
            .map(|r| r.status_code()),
        Err(e) => Err(e),
    };
    match told {
        Ok(204) => page(
            200,
            l.language,
            title,
            &format!("<p role=\"status\">{done}</p>"),
        ),
        _ => page(503, l.language, title, "<p>Try again in a minute.</p>"),
    }
}

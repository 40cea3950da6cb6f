//! `/unsubscribe?a=&s=&e=&l=&t=`: the signed link in notifications to developer e-mails.
//! `GET` shows a page with one button (so that a mail scanner following links changes
//! nothing); `POST` — the button, or a mail client's RFC 8058 one-click request — asks the
//! account's object to stop the token's notifications to that address. The link's HMAC
//! ([`tollgate_core::notify::unsubscribe_tag`]) is its only authority.

use tollgate_core::admin::notices::unsubscribe_link;
use tollgate_core::language::Language;
use tollgate_core::notify::{self, text::unsubscribe_page};
use worker::{Env, Method, Request, Response, Result};

use crate::account::protocol::AccountClient;

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
    let query = req.url().ok().and_then(|u| u.query().map(str::to_owned));
    let Some(l) = query.as_deref().and_then(unsubscribe_link) else {
        return page(400, Language::En, "Unsubscribe", INVALID);
    };
    let [title, question, button, done] = unsubscribe_page(l.language);
    let Ok(key) = crate::account::notices::link_key(env) else {
        return page(503, l.language, title, "");
    };
    let r = &l.request;
    if !notify::unsubscribe_tag_valid(&key, &l.account, &r.sid, &r.email, &r.tag) {
        return page(400, l.language, title, INVALID);
    }
    if req.method() != Method::Post {
        let body = format!(
            "<p>{question} <strong>{}</strong></p><form method=\"post\"><button type=\"submit\">{button}</button></form>",
            escape(&r.email)
        );
        return page(200, l.language, title, &body);
    }
    let told = match AccountClient::new(env, &l.account) {
        Ok(client) => client.call(r).await.map(drop),
        Err(e) => Err(e),
    };
    match told {
        Ok(()) => page(
            200,
            l.language,
            title,
            &format!("<p role=\"status\">{done}</p>"),
        ),
        _ => page(503, l.language, title, "<p>Try again in a minute.</p>"),
    }
}

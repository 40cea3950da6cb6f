//! Notifications to the people on a token, inside the account's object.
//!
//! A change's handler adds [`written`]'s statements to its transaction: one row per
//! recipient, the message already written in the recipient's language. After the commit,
//! [`to_queue`] hands the `pending` rows to the `NOTIFICATIONS` queue (with a mail API
//! configured; without one, rows are `kept` and only shown in the admin app). The queue's
//! consumer ([`crate::mail`]) claims each message here before it posts it and reports the
//! outcome, so a message redelivered by the queue is never posted twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tollgate_core::account::{AccountRecord, Permission};
use tollgate_core::credential::AccountSid;
use tollgate_core::error_code::ErrorCode;
use tollgate_core::notify::{
    self, Delivery, Event, Facts, MailMessage, NotificationPage, NotificationView, Recipient, Role,
};
use tollgate_core::time::Timestamp;
use tollgate_core::token::TokenRecord;
use worker::{Env, Response};

use super::db::{self, notices as ndb};
use super::session::Caller;
use super::{AccountObject, Ctx, stored_account};
use crate::error::{ApiError, ApiResult};
use crate::{body, random, reply};

/// The queue notifications go through (its consumer is [`crate::mail`]).
pub const QUEUE_BINDING: &str = "NOTIFICATIONS";

/// What the queue carries: the account (whose object keeps the message's state) and the
/// mail as its JSON text (kept as text: the queue's structured encoding would turn the
/// headers map into a JavaScript `Map`, which JSON drops).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedMail {
    pub account_id: String,
    pub message: String,
}

impl QueuedMail {
    pub fn mail(&self) -> Option<MailMessage> {
        serde_json::from_str(&self.message).ok()
    }
}

/// Whether a mail API is configured (`MAIL_API_URL`); without one, messages are kept.
pub fn mail_configured(env: &Env) -> bool {
    crate::vars::optional(env, "MAIL_API_URL").is_some()
}

/// The key that signs unsubscribe links, derived from `TOKEN_ENCRYPTION_KEY`.
pub fn link_key(env: &Env) -> ApiResult<[u8; 32]> {
    let secret = env
        .secret("TOKEN_ENCRYPTION_KEY")
        .map(|s| s.to_string())
        .map_err(|_| ApiError::unavailable())?;
    Ok(notify::link_key(secret.as_bytes()))
}

/// The admin host's origin (`ADMIN_URL`), where unsubscribe links point.
fn admin_url(env: &Env) -> String {
    crate::vars::optional(env, "ADMIN_URL")
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned()
}

fn unsubscribe_link(env: &Env, key: &[u8], account_id: &str, sid: &str, to: &Recipient) -> String {
    let tag = notify::unsubscribe_tag(key, account_id, sid, &to.email);
    let email: String = worker::js_sys::encode_uri_component(&to.email).into();
    format!(
        "{}/unsubscribe?a={account_id}&s={sid}&e={email}&l={}&t={tag}",
        admin_url(env),
        to.language.code()
    )
}

/// A change to tell the people on a token about.
pub struct Notice<'a> {
    /// The token as it is after the change (before it, for a deletion).
    pub token: &'a TokenRecord,
    pub event: Event,
    /// Who made the change.
    pub actor: &'a str,
}

/// The rows of `n`'s messages, one per recipient, for the change's transaction.
pub fn written(
    obj: &AccountObject,
    now: Timestamp,
    account: &AccountRecord,
    n: Notice<'_>,
) -> ApiResult<Vec<db::Stmt>> {
    let users = obj.db.users()?;
    let recipients = notify::recipients(n.token, &users, account);
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let env = &obj.env;
    let key = link_key(env)?;
    let delivery = if mail_configured(env) {
        Delivery::Pending
    } else {
        Delivery::Kept
    };
    let sid = n.token.sid.as_str();
    let facts = Facts {
        account_name: &account.name,
        token_name: &n.token.name,
        sid,
        actor: n.actor,
        at: now,
    };
    let mut stmts = Vec::with_capacity(recipients.len());
    for to in &recipients {
        let link =
            (to.role == Role::Developer).then(|| unsubscribe_link(env, &key, &account.id, sid, to));
        let mail = notify::compose(&n.event, &facts, to, link.as_deref());
        let id = random::id("ntf_")?;
        let mut headers = BTreeMap::new();
        if let Some(l) = &link {
            headers.insert("List-Unsubscribe".to_owned(), format!("<{l}>"));
            headers.insert(
                "List-Unsubscribe-Post".to_owned(),
                "List-Unsubscribe=One-Click".to_owned(),
            );
        }
        let view = NotificationView {
            id: id.clone(),
            at: now,
            event: n.event.kind(),
            sid: sid.to_owned(),
            token_name: n.token.name.clone(),
            recipient: to.email.clone(),
            role: to.role,
            language: to.language,
            subject: mail.subject.clone(),
            text: mail.text.clone(),
            actor: n.actor.to_owned(),
            delivery,
            attempts: 0,
            last_error: None,
            updated_at: now,
        };
        let message = MailMessage {
            id,
            to: mail.to,
            subject: mail.subject,
            text: mail.text,
            language: mail.language,
            headers,
        };
        stmts.push(ndb::put_notification(&view, &message)?);
    }
    Ok(stmts)
}

/// `GET /api/notifications?cursor=`: the account's messages, newest first.
pub fn list(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    c.require(Permission::ViewTokens)?;
    let mut before = None;
    for pair in body::query(&ctx.req).split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("cursor", v)) => {
                before = Some(v.parse::<i64>().map_err(|_| {
                    ApiError::code(
                        ErrorCode::InvalidValue,
                        "the cursor is not one this list gave",
                        Some("cursor"),
                    )
                })?)
            }
            _ => {
                return Err(ApiError::code(
                    ErrorCode::InvalidValue,
                    "only cursor is accepted",
                    None,
                ));
            }
        }
    }
    let (entries, next) = ctx.db().notifications(before, notify::PAGE_LIMIT)?;
    let page = NotificationPage {
        entries,
        next_cursor: next.map(|n| n.to_string()),
        mail_configured: mail_configured(ctx.env()),
    };
    reply::json(200, &page)
}

/// Hands the `pending` messages to the queue and marks them `queued`. Called after every
/// commit and by the alarm; a failed send leaves them pending for the alarm's retry.
pub async fn to_queue(env: &Env, db: &db::Db, account_id: &str) -> bool {
    let Ok(waiting) = db.waiting_notifications(100) else {
        return false;
    };
    if waiting.is_empty() {
        return true;
    }
    let Ok(queue) = env.queue(QUEUE_BINDING) else {
        worker::console_error!("notifications: the NOTIFICATIONS queue is not bound");
        return false;
    };
    let bodies: Vec<QueuedMail> = waiting
        .iter()
        .map(|w| QueuedMail {
            account_id: account_id.to_owned(),
            message: w.message.clone(),
        })
        .collect();
    if queue.send_batch(bodies).await.is_err() {
        worker::console_error!(
            "notifications: the queue did not take {} messages; the alarm retries",
            waiting.len()
        );
        return false;
    }
    let now = Timestamp(worker::Date::now().as_millis() as i64);
    // A message already claimed by a sender (a redelivery raced this) keeps its state.
    let marks = waiting
        .iter()
        .map(|w| {
            db::stmt(
                "UPDATE notifications SET delivery = 'queued', updated_at = ? WHERE id = ? AND delivery = 'pending'",
                vec![db::int(now.0), db::text(w.id.clone())],
            )
        })
        .collect();
    db.atomic(marks).is_ok()
}

#[derive(Deserialize)]
struct ClaimRequest {
    id: String,
}

/// What a sender may do with a message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claim {
    pub send: bool,
    /// The attempt this send is (1 for the first).
    pub attempt: u32,
}

/// `/internal/notifications/claim`: a sender asks to post a message.
pub async fn claim(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let r: ClaimRequest = body::json(&mut ctx.req, false).await?;
    let Some(state) = ctx.db().notification_state(&r.id)? else {
        return reply::json(
            200,
            &Claim {
                send: false,
                attempt: 0,
            },
        );
    };
    let delivery = Delivery::parse(&state.delivery).unwrap_or(Delivery::Failed);
    let claimed_at = state.claimed_at.map(|t| Timestamp(t as i64));
    if !notify::may_send(delivery, claimed_at, ctx.now) {
        return reply::json(
            200,
            &Claim {
                send: false,
                attempt: state.attempts as u32,
            },
        );
    }
    ctx.db().atomic(vec![ndb::set_delivery(
        &r.id,
        Delivery::Sending,
        ctx.now,
        true,
        None,
    )])?;
    reply::json(
        200,
        &Claim {
            send: true,
            attempt: state.attempts as u32 + 1,
        },
    )
}

/// How a send ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub id: String,
    /// `sent`, `queued` (a retry follows) or `failed` (dead-lettered).
    pub delivery: Delivery,
    #[serde(default)]
    pub error: Option<String>,
}

/// `/internal/notifications/result`: a sender reports back.
pub async fn result(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let o: Outcome = body::json(&mut ctx.req, false).await?;
    let Some(state) = ctx.db().notification_state(&o.id)? else {
        return reply::no_content();
    };
    // A message that went out stays sent, whatever a late report says.
    if Delivery::parse(&state.delivery) != Some(Delivery::Sent) {
        let error = o
            .error
            .as_deref()
            .map(|e| e.chars().take(300).collect::<String>());
        ctx.db().atomic(vec![ndb::set_delivery(
            &o.id,
            o.delivery,
            ctx.now,
            false,
            error.as_deref(),
        )])?;
    }
    reply::no_content()
}

/// Writes the "expires soon" notices that fell due and returns when the next one does.
pub fn sweep_expiring(obj: &AccountObject, now: Timestamp) -> ApiResult<Option<Timestamp>> {
    let until = now.plus(notify::EXPIRY_NOTICE);
    let due = obj.db.tokens_expiring(now, until)?;
    if !due.is_empty() {
        let account = stored_account(obj)?;
        let mut stmts = Vec::new();
        for t in &due {
            let Some(at) = t.expires_at else { continue };
            let notice = Notice {
                token: t,
                event: Event::Expiring { at },
                actor: "Tollgate",
            };
            stmts.extend(written(obj, now, &account, notice)?);
            stmts.push(ndb::warned(t.sid.as_str(), at));
        }
        obj.db.atomic(stmts)?;
    }
    Ok(obj
        .db
        .next_expiry_after(until)?
        .map(|e| e.minus(notify::EXPIRY_NOTICE)))
}

#[derive(Deserialize)]
struct UnsubscribeRequest {
    sid: String,
    email: String,
    tag: String,
}

/// `/internal/unsubscribe`: a developer e-mail stops the token's notifications (signed link).
pub async fn unsubscribe(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let r: UnsubscribeRequest = body::json(&mut ctx.req, false).await?;
    let key = link_key(ctx.env())?;
    let invalid = || {
        ApiError::code(
            ErrorCode::InvalidValue,
            "this unsubscribe link is not valid",
            Some("t"),
        )
    };
    if !notify::unsubscribe_tag_valid(&key, &ctx.account_id, &r.sid, &r.email, &r.tag) {
        return Err(invalid());
    }
    let sid = AccountSid::parse(&r.sid).map_err(|_| invalid())?;
    // A deleted token sends nothing any more: the link has nothing left to do.
    let Some(t) = ctx.db().token(sid.as_str())? else {
        return reply::no_content();
    };
    let Some(next) = tollgate_core::token::unsubscribe(&t, &r.email, ctx.now) else {
        return reply::no_content();
    };
    let mut stmts = db::put_token(&next)?;
    stmts.push(super::session::entry(
        ctx,
        "unsubscribe",
        &r.email,
        tollgate_core::api::AuditAction::TokenUnsubscribed,
        sid.as_str(),
        &t.name,
        None,
    )?);
    ctx.commit(stmts).await?;
    reply::no_content()
}

//! Notifications to the people on a token, inside the account's object.
//!
//! A change's events are written into its own transaction (`super::persist`): one row per
//! recipient, the message already written in the recipient's language. After the commit,
//! [`to_queue`] hands the `pending` rows to the `NOTIFICATIONS` queue (with a mail API
//! configured; without one, rows are `kept` and only shown in the admin app). The queue's
//! consumer ([`crate::mail`]) claims each message here before it posts it and reports the
//! outcome, so a message redelivered by the queue is never posted twice.

use serde::{Deserialize, Serialize};
use tollgate_core::admin::notices::{self as ops, UnsubscribeRequest};
use tollgate_core::api::query::notifications_cursor;
use tollgate_core::notify::{self, Delivery, MailMessage, NotificationPage};
use tollgate_core::time::Timestamp;
use worker::{Env, Response};

use super::db::{self, notices as ndb};
use super::protocol::{Claim, Claimed, Delivered, Done};
use super::{AccountObject, Ctx};
use crate::error::{ApiError, ApiResult};
use crate::{body, reply};

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

/// `GET /api/notifications?cursor=`: the account's messages, newest first.
pub fn list(ctx: &Ctx<'_>) -> ApiResult<Response> {
    let before = notifications_cursor(&body::query(&ctx.req))?;
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

/// `/internal/notifications/claim`: a sender asks to post a message.
pub async fn claim(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let r: Claim = ctx.call().await?;
    let Some(state) = ctx.db().notification_state(&r.id)? else {
        return reply::json(
            200,
            &Claimed {
                send: false,
                attempt: 0,
            },
        );
    };
    let delivery = Delivery::from_name(&state.delivery).unwrap_or(Delivery::Failed);
    let claimed_at = state.claimed_at.map(|t| Timestamp(t as i64));
    let attempt = state.attempts as u32;
    if !notify::may_send(delivery, claimed_at, ctx.now) {
        return reply::json(
            200,
            &Claimed {
                send: false,
                attempt,
            },
        );
    }
    let claiming = ndb::set_delivery(&r.id, Delivery::Sending, ctx.now, true, None);
    ctx.db().atomic(vec![claiming])?;
    reply::json(
        200,
        &Claimed {
            send: true,
            attempt: attempt + 1,
        },
    )
}

/// `/internal/notifications/result`: a sender reports back.
pub async fn delivered(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let o: Delivered = ctx.call().await?;
    let Some(state) = ctx.db().notification_state(&o.id)? else {
        return reply::json(200, &Done {});
    };
    // A message that went out stays sent, whatever a late report says.
    if Delivery::from_name(&state.delivery) != Some(Delivery::Sent) {
        let error = o
            .error
            .as_deref()
            .map(|e| e.chars().take(300).collect::<String>());
        let write = ndb::set_delivery(&o.id, o.delivery, ctx.now, false, error.as_deref());
        ctx.db().atomic(vec![write])?;
    }
    reply::json(200, &Done {})
}

/// Writes the "expires soon" notices that fell due and returns when the next one does.
pub fn sweep_expiring(obj: &AccountObject, now: Timestamp) -> ApiResult<Option<Timestamp>> {
    let horizon = ops::notice_horizon(now);
    let due = obj.db.tokens_expiring(now, horizon)?;
    if !due.is_empty() {
        let change = ops::expiring(&due);
        obj.db
            .atomic(super::persist::statements(&obj.env, &obj.db, &change, now)?)?;
    }
    Ok(ops::next_sweep(obj.db.next_expiry_after(horizon)?))
}

/// `/internal/unsubscribe`: a developer e-mail stops the token's notifications (its
/// signed link is the only authority).
pub async fn unsubscribe(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let r: UnsubscribeRequest = ctx.call().await?;
    let key = link_key(ctx.env())?;
    let sid = ops::unsubscribe_sid(&key, &ctx.account_id, &r)?;
    // A deleted token sends nothing any more: the link has nothing left to do.
    let token = ctx.db().token(sid.as_str())?;
    let outcome = ops::unsubscribe(token, &r.email, ctx.now);
    ctx.commit(&outcome.change).await?;
    reply::json(200, &Done {})
}

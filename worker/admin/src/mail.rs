//! The notifications queue's consumer: posts each message to the HTTP mail API.
//!
//! For each message it asks the account's object to claim it ([`crate::account::notices`]):
//! a message already sent, or being sent by another consumer, is acknowledged without a
//! post, so the queue's at-least-once delivery never sends an event's e-mail twice. The post
//! is `POST MAIL_API_URL` with `Authorization: Bearer MAIL_API_TOKEN`, `Idempotency-Key` (the
//! message id) and the JSON [`tollgate_core::notify::MailMessage`]; any 2xx is success.
//! A failure is retried with backoff (2, 4, 8 s); after [`notify::MAX_ATTEMPTS`] the queue
//! moves the message to the dead-letter queue, whose consumer (this one too) marks it
//! `failed`, which the admin app's Notifications page shows.

use tollgate_core::notify::{self, Delivery, MailMessage};
use worker::{
    Context, Env, Fetch, Headers, MessageBatch, MessageExt, Method, QueueRetryOptionsBuilder,
    Request, RequestInit, event,
};

use crate::account::notices::QueuedMail;
use crate::account::protocol::{AccountClient, Claim, Claimed, Delivered};
use crate::error::ApiResult;

#[event(queue)]
pub async fn consume(
    batch: MessageBatch<QueuedMail>,
    env: Env,
    _ctx: Context,
) -> worker::Result<()> {
    let dead = batch.queue().ends_with("-dlq");
    for m in batch.messages()? {
        let q = m.body();
        let Some(mail) = q.mail() else {
            worker::console_error!("notifications: an unreadable message was dropped");
            m.ack();
            continue;
        };
        if dead {
            let error = format!("gave up after {} attempts", notify::MAX_ATTEMPTS);
            match report(&env, q, &mail, Delivery::Failed, Some(error)).await {
                Ok(()) => m.ack(),
                Err(_) => m.retry(),
            }
            continue;
        }
        let claim = match claim(&env, q, &mail).await {
            Ok(c) => c,
            Err(_) => {
                m.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(notify::retry_delay_secs(1))
                        .build(),
                );
                continue;
            }
        };
        if !claim.send {
            m.ack();
            continue;
        }
        match post(&env, &mail).await {
            Ok(()) => {
                // If the report is lost the claim's lease keeps others from sending it again
                // for a while, and the provider sees the same Idempotency-Key.
                let _ = report(&env, q, &mail, Delivery::Sent, None).await;
                m.ack();
            }
            Err(why) => {
                worker::console_warn!(
                    "notifications: the mail API refused message {}: {why}",
                    mail.id
                );
                let _ = report(&env, q, &mail, Delivery::Queued, Some(why)).await;
                let delay = notify::retry_delay_secs(claim.attempt);
                m.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(delay)
                        .build(),
                );
            }
        }
    }
    Ok(())
}

async fn claim(env: &Env, q: &QueuedMail, mail: &MailMessage) -> ApiResult<Claimed> {
    let ask = Claim {
        id: mail.id.clone(),
    };
    AccountClient::new(env, &q.account_id)?.call(&ask).await
}

async fn report(
    env: &Env,
    q: &QueuedMail,
    mail: &MailMessage,
    delivery: Delivery,
    error: Option<String>,
) -> ApiResult<()> {
    let outcome = Delivered {
        id: mail.id.clone(),
        delivery,
        error,
    };
    AccountClient::new(env, &q.account_id)?
        .call(&outcome)
        .await
        .map(drop)
}

/// Posts one message; the error says why it did not go (never the token: there is none).
async fn post(env: &Env, message: &MailMessage) -> Result<(), String> {
    let Some(url) = crate::vars::optional(env, "MAIL_API_URL") else {
        return Err("MAIL_API_URL is not set".into());
    };
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("Content-Type", "application/json")?;
    set("Idempotency-Key", &message.id)?;
    if let Ok(token) = env.secret("MAIL_API_TOKEN") {
        set("Authorization", &format!("Bearer {token}"))?;
    }
    let body = serde_json::to_string(message).map_err(|e| e.to_string())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let req = Request::new_with_init(url.trim(), &init).map_err(|e| e.to_string())?;
    let resp = Fetch::Request(req)
        .send()
        .await
        .map_err(|e| format!("the mail API could not be reached: {e}"))?;
    match resp.status_code() {
        200..=299 => Ok(()),
        s => Err(format!("the mail API answered {s}")),
    }
}

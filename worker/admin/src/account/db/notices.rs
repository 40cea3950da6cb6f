//! The `notifications` table and the tokens' expiry columns: the account's outbox of
//! messages to the people on its tokens, and the "expires soon" sweep.

use serde::Deserialize;
use tollgate_core::notify::{Delivery, MailMessage, NotificationView};
use tollgate_core::time::Timestamp;
use tollgate_core::token::TokenRecord;
use worker::SqlStorageValue as V;

use super::{Db, Stmt, int, json, parse, stmt, text};
use crate::error::ApiResult;

#[derive(Deserialize)]
struct Row {
    seq: f64,
    delivery: String,
    attempts: f64,
    updated_at: f64,
    last_error: Option<String>,
    view: String,
}

impl Row {
    fn view(&self) -> ApiResult<NotificationView> {
        let mut v: NotificationView = parse("notification", &self.view)?;
        v.delivery = Delivery::from_name(&self.delivery).unwrap_or(v.delivery);
        v.attempts = self.attempts as u32;
        v.updated_at = Timestamp(self.updated_at as i64);
        v.last_error = self.last_error.clone();
        Ok(v)
    }
}

/// A message's delivery state, as a sender claims it.
#[derive(Debug, Clone, Deserialize)]
pub struct State {
    pub delivery: String,
    pub attempts: f64,
    pub claimed_at: Option<f64>,
}

/// A message waiting for the queue: its id and the mail.
#[derive(Debug, Clone, Deserialize)]
pub struct Waiting {
    pub id: String,
    pub message: String,
}

impl Db {
    /// Notifications newest first, before sequence `before`; at most `limit`, and the cursor
    /// of the next page.
    pub fn notifications(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> ApiResult<(Vec<NotificationView>, Option<i64>)> {
        let rows: Vec<Row> = match before {
            Some(b) => self.rows(
                "SELECT seq, delivery, attempts, updated_at, last_error, view FROM notifications WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                vec![int(b), int(limit + 1)],
            )?,
            None => self.rows(
                "SELECT seq, delivery, attempts, updated_at, last_error, view FROM notifications ORDER BY seq DESC LIMIT ?",
                vec![int(limit + 1)],
            )?,
        };
        let next = (rows.len() > limit).then(|| rows[limit - 1].seq as i64);
        let views = rows
            .iter()
            .take(limit)
            .map(Row::view)
            .collect::<ApiResult<Vec<_>>>()?;
        Ok((views, next))
    }

    /// Messages written but not yet on the queue, oldest first.
    pub fn waiting_notifications(&self, limit: usize) -> ApiResult<Vec<Waiting>> {
        self.rows(
            "SELECT id, message FROM notifications WHERE delivery = 'pending' ORDER BY seq LIMIT ?",
            vec![int(limit)],
        )
    }

    pub fn notification_state(&self, id: &str) -> ApiResult<Option<State>> {
        Ok(self
            .rows::<State>(
                "SELECT delivery, attempts, claimed_at FROM notifications WHERE id = ?",
                vec![text(id)],
            )?
            .into_iter()
            .next())
    }

    /// Tokens whose expiry falls in (`now`, `until`] and whose notice for that expiry was not
    /// written yet.
    pub fn tokens_expiring(&self, now: Timestamp, until: Timestamp) -> ApiResult<Vec<TokenRecord>> {
        self.records(
            "token",
            "SELECT record FROM tokens WHERE expires_at > ? AND expires_at <= ? AND (warned_for IS NULL OR warned_for != expires_at)",
            vec![int(now.0), int(until.0)],
        )
    }

    /// The earliest expiry after `after`, if any (when the next notice falls due).
    pub fn next_expiry_after(&self, after: Timestamp) -> ApiResult<Option<Timestamp>> {
        #[derive(Deserialize)]
        struct Next {
            at: Option<f64>,
        }
        Ok(self
            .rows::<Next>(
                "SELECT MIN(expires_at) AS at FROM tokens WHERE expires_at > ?",
                vec![int(after.0)],
            )?
            .first()
            .and_then(|n| n.at)
            .map(|a| Timestamp(a as i64)))
    }
}

/// Writes a new message with its view and mail.
pub fn put_notification(view: &NotificationView, message: &MailMessage) -> ApiResult<Stmt> {
    Ok(stmt(
        "INSERT INTO notifications (id, delivery, attempts, claimed_at, updated_at, last_error, view, message) VALUES (?, ?, 0, NULL, ?, NULL, ?, ?)",
        vec![
            text(view.id.clone()),
            text(view.delivery.as_str()),
            int(view.at.0),
            json(view)?,
            json(message)?,
        ],
    ))
}

/// Moves a message to `delivery`. `claim` records the sender's start (and counts an
/// attempt); `error` keeps the last failure.
pub fn set_delivery(
    id: &str,
    delivery: Delivery,
    now: Timestamp,
    claim: bool,
    error: Option<&str>,
) -> Stmt {
    let sql = if claim {
        "UPDATE notifications SET delivery = ?, updated_at = ?, claimed_at = ?, attempts = attempts + 1 WHERE id = ?"
    } else {
        "UPDATE notifications SET delivery = ?, updated_at = ?, last_error = COALESCE(?, last_error) WHERE id = ?"
    };
    let third = if claim {
        int(now.0)
    } else {
        V::from(error.map(str::to_owned))
    };
    stmt(
        sql,
        vec![text(delivery.as_str()), int(now.0), third, text(id)],
    )
}

/// Records that `sid`'s "expires soon" notice for `expires_at` was written.
pub fn warned(sid: &str, expires_at: Timestamp) -> Stmt {
    stmt(
        "UPDATE tokens SET warned_for = ? WHERE sid = ?",
        vec![int(expires_at.0), text(sid)],
    )
}

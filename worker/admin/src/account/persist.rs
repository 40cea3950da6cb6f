//! A `Change` as SQL statements: the one place where what an operation decided becomes rows.
//! Nothing is decided here — the records, audit entries, events, sessions and replica rows
//! are the core's; this seals what is kept encrypted, gives new rows their ids and writes
//! each event's messages in the recipients' languages.

use tollgate_core::account::{AccountRecord, UserRecord};
use tollgate_core::change::{Change, CounterWrite, SessionWrite, TokenEvent, TokenWrite};
use tollgate_core::notify::{self, Occasion, Postage};
use tollgate_core::time::Timestamp;
use worker::Env;

use super::db::{self, Db, Stmt, notices as ndb};
use super::notices::{link_key, mail_configured};
use crate::error::{ApiError, ApiResult};
use crate::{random, seal};

/// The statements of `change`, committed at `now`, for one transaction.
pub fn statements(env: &Env, db: &Db, change: &Change, now: Timestamp) -> ApiResult<Vec<Stmt>> {
    let mut out = Vec::new();
    if let Some(a) = &change.account {
        // The object serves this one account from now on.
        out.push(db::set_meta("account_id", &a.id));
        out.push(db::put_account(a)?);
    }
    for u in &change.users {
        out.push(db::put_user(u)?);
    }
    for w in &change.tokens {
        out.push(token(env, w)?);
    }
    for s in &change.sessions {
        out.push(session(s)?);
    }
    for c in &change.counters {
        out.push(match c {
            CounterWrite::Put { key, counter } => db::put_counter(key, *counter),
            CounterWrite::Clear { key } => db::clear_counter(key),
        });
    }
    for a in &change.audit {
        out.push(db::audit(&a.entry(random::id("aud_")?))?);
    }
    out.extend(change.replica.iter().map(db::outbox));
    for (sid, at) in &change.expiry_warnings {
        out.push(ndb::warned(sid.as_str(), *at));
    }
    if !change.events.is_empty() {
        out.extend(letters(env, db, change, now)?);
    }
    if let Some(k) = &change.kept_answer {
        let sealed = seal::seal_text(env, &k.key, &k.body)?;
        out.extend(db::keep_answer(
            &k.key,
            &k.fingerprint,
            now,
            k.status,
            sealed,
        ));
    }
    Ok(out)
}

fn token(env: &Env, w: &TokenWrite) -> ApiResult<Stmt> {
    match w {
        TokenWrite::Put {
            record,
            keep_secret: Some(secret),
        } => {
            let mut kept = record.clone();
            kept.sealed_auth_token = Some(seal::seal(env, record.sid.as_str(), secret)?);
            db::put_token(&kept)
        }
        TokenWrite::Put { record, .. } => db::put_token(record),
        TokenWrite::Delete { sid } => Ok(db::delete_token(sid.as_str())),
    }
}

fn session(s: &SessionWrite) -> ApiResult<Stmt> {
    Ok(match s {
        SessionWrite::Put { digest, record } => db::put_session(digest, record)?,
        SessionWrite::Touch { digest, record } => db::touch_session(digest, record)?,
        SessionWrite::Delete { digest } => db::delete_session(digest),
        SessionWrite::EndAllOf { user_id } => db::end_sessions_of(user_id),
        SessionWrite::DropExpired { before } => db::drop_expired_sessions(*before),
    })
}

/// Each event's messages, one row per recipient (the account and users as this change
/// leaves them).
fn letters(env: &Env, db: &Db, change: &Change, now: Timestamp) -> ApiResult<Vec<Stmt>> {
    let account: AccountRecord = match &change.account {
        Some(a) => a.clone(),
        None => db.account()?.ok_or_else(ApiError::not_found)?,
    };
    let mut users: Vec<UserRecord> = db.users()?;
    for u in &change.users {
        users.retain(|x| x.id != u.id);
        users.push(u.clone());
    }
    let key = link_key(env)?;
    let admin_url = crate::vars::optional(env, "ADMIN_URL").unwrap_or_default();
    let postage = Postage {
        link_key: &key,
        admin_url: admin_url.trim_end_matches('/'),
        mail_configured: mail_configured(env),
    };
    let mut out = Vec::new();
    for TokenEvent {
        event,
        token,
        actor,
    } in &change.events
    {
        let occasion = Occasion {
            event,
            token,
            actor,
            at: now,
        };
        for letter in notify::letters(occasion, &users, &account, &postage) {
            let letter = letter.stamped(random::id("ntf_")?);
            out.push(ndb::put_notification(&letter.view, &letter.message)?);
        }
    }
    Ok(out)
}

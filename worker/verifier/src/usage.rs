//! What this isolate counts per token: the rate-limit windows (`tollgate_core::policy::admit`)
//! and the usage counts (`tollgate_core::usage`), added to the account's usage object at most
//! every 10 s — never a storage write per request.
//!
//! A flush runs in the `waitUntil` of the request that finds it due (or, when not yet due,
//! of one request that waits until it is), on the feed stream, or when the stream ends. Counts
//! stay until their usage object acknowledged them, so a failed or cut-off send loses
//! nothing. An isolate that dies loses at most the counts of its last 10 s.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use tollgate_core::policy::{Admission, RateLimit, Window, admit as admit_in};
use tollgate_core::time::Timestamp;
use tollgate_core::usage::{Counts, FLUSH_EVERY, Outcome, UsageRecord, hour_of};
use worker::worker_sys::web_sys;
use worker::{Context, Delay, Env};

const BINDING: &str = "USAGE";
/// Rate-limit windows kept per isolate before the oldest are forgotten.
const MAX_WINDOWS: usize = 50_000;

type Key = (String, String, i64);

thread_local! {
    /// (account, sid, hour start) → counts not yet flushed.
    static COUNTS: RefCell<HashMap<Key, Counts>> = RefCell::new(HashMap::new());
    static LAST_FLUSH: Cell<Option<Timestamp>> = const { Cell::new(None) };
    /// Until when a request waits to flush (the next flush's due time).
    static SCHEDULED: Cell<Option<Timestamp>> = const { Cell::new(None) };
    /// When the send under way started.
    static SENDING: Cell<Option<Timestamp>> = const { Cell::new(None) };
    static WINDOWS: RefCell<HashMap<String, Window>> = RefCell::new(HashMap::new());
}

/// Counts one request on `sid` against its limit in this isolate.
pub fn admit(sid: &str, limit: RateLimit, now: Timestamp) -> Admission {
    WINDOWS.with(|w| {
        let mut w = w.borrow_mut();
        if w.len() > MAX_WINDOWS {
            // Windows older than an hour (the longest period) no longer count anything.
            w.retain(|_, win| now.0 - win.start < 3_600_000);
        }
        let (admission, next) = admit_in(w.get(sid).copied().unwrap_or_default(), limit, now);
        w.insert(sid.to_owned(), next);
        admission
    })
}

pub fn count(account: &str, sid: &str, outcome: Outcome, now: Timestamp) {
    COUNTS.with(|c| {
        c.borrow_mut()
            .entry((account.to_owned(), sid.to_owned(), hour_of(now).0))
            .or_default()
            .count(outcome);
    });
}

/// Whether counts are waiting and the last flush is [`FLUSH_EVERY`] old; marks a flush as
/// started when so.
fn due(now: Timestamp) -> bool {
    let waiting = COUNTS.with(|c| !c.borrow().is_empty());
    let last = LAST_FLUSH.with(Cell::get);
    let due = waiting && last.is_none_or(|l| now.since(l) >= FLUSH_EVERY);
    if due {
        LAST_FLUSH.with(|l| l.set(Some(now)));
    }
    due
}

/// Flushes in the background if due (from a request); otherwise one request at a time waits
/// in its `waitUntil` until the flush is due and flushes then, so the counts of a burst
/// arrive within [`FLUSH_EVERY`] even when no feed stream is open to flush them. A wait cut
/// off with its context is replaced once it is overdue.
pub fn flush_if_due(env: &Env, ctx: &Context, now: Timestamp) {
    if due(now) {
        let env = env.clone();
        ctx.wait_until(async move { flush(&env).await });
        return;
    }
    let waiting = SCHEDULED
        .with(Cell::get)
        .is_some_and(|until| now.0 < until.0 + FLUSH_EVERY.0);
    if waiting {
        return;
    }
    let wait = until_due(now);
    SCHEDULED.with(|s| s.set(Some(Timestamp(now.0 + wait))));
    let env = env.clone();
    ctx.wait_until(async move {
        let mut wait = wait;
        for _ in 0..2 {
            Delay::from(std::time::Duration::from_millis(wait as u64)).await;
            let now = crate::now();
            if due(now) {
                SCHEDULED.with(|s| s.set(None));
                flush(&env).await;
                return;
            }
            if COUNTS.with(|c| c.borrow().is_empty()) {
                break;
            }
            // Flushed meanwhile by someone else, with newer counts since: wait again.
            wait = until_due(now);
            SCHEDULED.with(|s| s.set(Some(Timestamp(now.0 + wait))));
        }
        SCHEDULED.with(|s| s.set(None));
    });
}

/// Milliseconds until the next flush is due.
fn until_due(now: Timestamp) -> i64 {
    LAST_FLUSH
        .with(Cell::get)
        .map_or(0, |l| (FLUSH_EVERY.0 - now.since(l).0).max(0))
}

/// Flushes if due, from the feed stream's reader (already in a `waitUntil`): spawned, so a
/// slow usage object never holds up the feed's entries.
pub fn flush_when_due(env: &Env, now: Timestamp) {
    if due(now) {
        let env = env.clone();
        worker::wasm_bindgen_futures::spawn_local(async move { flush(&env).await });
    }
}

/// Sends every waiting count to its account's usage object. Counts leave this isolate only
/// when their object acknowledged them: a send that fails, or never finishes because its
/// request context ended, leaves them for the next flush. One send at a time; one that has
/// not finished within [`FLUSH_EVERY`] is taken as lost.
pub async fn flush(env: &Env) {
    let started = crate::now();
    if SENDING
        .with(Cell::get)
        .is_some_and(|s| started.since(s) < FLUSH_EVERY)
    {
        return;
    }
    SENDING.with(|s| s.set(Some(started)));
    let waiting: Vec<(Key, Counts)> =
        COUNTS.with(|c| c.borrow().iter().map(|(k, v)| (k.clone(), *v)).collect());
    let mut accounts: Vec<&str> = Vec::new();
    for ((account, _, _), _) in &waiting {
        if !accounts.contains(&account.as_str()) {
            accounts.push(account);
        }
    }
    for account in accounts {
        let batch: Vec<&(Key, Counts)> = waiting.iter().filter(|(k, _)| k.0 == account).collect();
        let records: Vec<UsageRecord> = batch
            .iter()
            .map(|((_, sid, hour), counts)| UsageRecord {
                sid: sid.clone(),
                hour: Timestamp(*hour),
                counts: *counts,
            })
            .collect();
        if send(env, account, &records).await.is_err() {
            worker::console_error!("usage counts could not be sent; kept for the next flush");
            continue;
        }
        COUNTS.with(|c| {
            let mut c = c.borrow_mut();
            for (key, sent) in batch {
                if let Some(left) = c.get_mut(key) {
                    left.remove(sent);
                    if left.total() == 0 {
                        c.remove(key);
                    }
                }
            }
        });
    }
    SENDING.with(|s| {
        if s.get() == Some(started) {
            s.set(None);
        }
    });
}

/// The last flush of a feed stream: waits (up to 2 s) for a send under way in the same
/// context to finish, then sends what is left before the context ends.
pub async fn flush_at_end(env: &Env) {
    for _ in 0..40 {
        if SENDING.with(Cell::get).is_none() {
            break;
        }
        Delay::from(std::time::Duration::from_millis(50)).await;
    }
    flush(env).await;
}

async fn send(env: &Env, account: &str, records: &[UsageRecord]) -> worker::Result<()> {
    let body =
        serde_json::to_string(records).map_err(|e| worker::Error::RustError(e.to_string()))?;
    // web_sys directly: worker's RequestInit carries conversion code this bundle does not need.
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&worker::wasm_bindgen::JsValue::from_str(&body));
    let req = web_sys::Request::new_with_str_and_init("https://usage.internal/record", &init)
        .map_err(|_| worker::Error::RustError("usage request".into()))?;
    let stub = env
        .durable_object(BINDING)?
        .id_from_name(account)?
        .get_stub()?;
    let resp = stub.fetch_with_request(req.into()).await?;
    if resp.status_code() < 300 {
        Ok(())
    } else {
        Err(worker::Error::RustError(format!(
            "usage object answered {}",
            resp.status_code()
        )))
    }
}

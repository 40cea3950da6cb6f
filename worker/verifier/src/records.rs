//! What this isolate knows about tokens and accounts (`tollgate_core::edge_cache`), and
//! the only code of the verifier that touches KV.
//!
//! A record is read from KV (with `cacheTtl`, so the location's KV cache answers) only when
//! the isolate does not hold it, or while the feed is silent ([`Trust::Kv`]); a KV answer
//! never replaces a newer revision that the feed delivered.
//!
//! `KV_HOLD_SECONDS` (tests and benchmarks only) makes this isolate keep every KV answer for
//! that long, as a remote location's KV cache does, so that a single local process shows
//! what the feed must overcome.

use std::cell::RefCell;
use std::collections::HashMap;

use tollgate_core::account::AccountType;
use tollgate_core::edge_cache::{EdgeCache, Entry};
use tollgate_core::feed::{FeedEntry, KV_CACHE_TTL_SECS, Trust};
use tollgate_core::replica::{EdgeAccount, EdgeReplica};
use tollgate_core::time::{Span, Timestamp};
use tollgate_core::token::should_record_use;
use worker::Env;

const BINDING: &str = "TOLLGATE_KV";

/// The account facts verification needs: its type and whether API access is on.
pub type AccountEdge = (AccountType, bool);

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Counters {
    kv_reads: u64,
    account_lookups: u64,
    kv_writes: u64,
    feed_subscribes: u64,
    feed_lines: u64,
    feed_entries: u64,
    kv_fallbacks: u64,
    /// Times the feed went silent (each logged once).
    feed_outages: u64,
}

/// A held record: a token's replica (keyed by its SID) or an account's facts (keyed by the
/// account id; the two kinds of key never collide). One cache, so its code is in the
/// bundle once.
#[derive(Debug)]
pub enum Known {
    Token(EdgeReplica),
    Account(AccountEdge),
}

fn token_of(k: &Known) -> Option<&EdgeReplica> {
    match k {
        Known::Token(r) => Some(r),
        Known::Account(_) => None,
    }
}

thread_local! {
    static RECORDS: RefCell<EdgeCache<Known>> = RefCell::new(EdgeCache::default());
    static HELD: RefCell<HashMap<String, (Timestamp, Option<String>)>> = RefCell::new(HashMap::new());
    static LAST_USED: RefCell<HashMap<String, Timestamp>> = RefCell::new(HashMap::new());
    static COUNTERS: RefCell<Counters> = RefCell::new(Counters::default());
    static STARTED: std::cell::Cell<Option<Timestamp>> = const { std::cell::Cell::new(None) };
}

fn count(f: impl FnOnce(&mut Counters)) {
    COUNTERS.with(|c| f(&mut c.borrow_mut()));
}

pub fn note_subscribe() {
    count(|c| c.feed_subscribes += 1);
}

pub fn note_fallback() {
    count(|c| c.kv_fallbacks += 1);
}

pub fn note_outage() {
    count(|c| c.feed_outages += 1);
}

/// Reads `key` from KV, through the simulated remote cache when one is configured.
async fn read(env: &Env, key: &str, now: Timestamp) -> worker::Result<Option<String>> {
    let hold = env
        .var("KV_HOLD_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse::<i64>().ok())
        .unwrap_or(0);
    if hold > 0
        && let Some(text) = HELD.with(|h| {
            h.borrow()
                .get(key)
                .filter(|(at, _)| now.since(*at) < Span(hold * 1000))
                .map(|(_, t)| t.clone())
        })
    {
        return Ok(text);
    }
    count(|c| c.kv_reads += 1);
    let text = env
        .kv(BINDING)?
        .get(key)
        .cache_ttl(KV_CACHE_TTL_SECS)
        .text()
        .await?;
    if hold > 0 {
        HELD.with(|h| h.borrow_mut().insert(key.to_owned(), (now, text.clone())));
    }
    Ok(text)
}

/// Reads `sid`'s record from KV unless the isolate holds it; says whether it read. Run at
/// the same time as the feed's catch-up on a cold isolate (the merge by revision does not
/// depend on which arrives first), so a first request waits for one round trip, not two.
pub async fn prefetch(env: &Env, sid: &str, now: Timestamp) -> bool {
    if RECORDS.with(|c| c.borrow_mut().get(sid).is_some()) {
        return false;
    }
    with_token(env, sid, Trust::Kv, now, |_| ()).await.is_ok()
}

/// Makes sure the isolate holds `sid`'s record (reading KV on a miss, or always when memory
/// is not trusted), then runs `f` on it.
pub async fn with_token<R>(
    env: &Env,
    sid: &str,
    trust: Trust,
    now: Timestamp,
    f: impl FnOnce(Option<&EdgeReplica>) -> R,
) -> worker::Result<R> {
    let held = trust == Trust::Memory && RECORDS.with(|c| c.borrow_mut().get(sid).is_some());
    if !held {
        let text = read(env, &format!("tok:{sid}"), now).await?;
        let replica = match text.as_deref().map(EdgeReplica::from_json) {
            None => None,
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => {
                worker::console_error!("unreadable token replica: {e}");
                return Err(worker::Error::RustError("unreadable replica".into()));
            }
        };
        let revision = replica.as_ref().map_or(0, EdgeReplica::revision);
        let bytes = text.as_ref().map_or(0, String::len);
        RECORDS.with(|c| {
            c.borrow_mut().from_kv(
                sid,
                Entry::new(revision, replica.map(Known::Token), bytes),
                now,
            );
        });
    }
    Ok(RECORDS.with(|c| {
        f(c.borrow_mut()
            .get(sid)
            .and_then(|s| s.value.as_ref())
            .and_then(token_of))
    }))
}

/// The account's type and API switch (read like a token).
pub async fn account(
    env: &Env,
    id: &str,
    trust: Trust,
    now: Timestamp,
) -> worker::Result<Option<AccountEdge>> {
    count(|c| c.account_lookups += 1);
    let account_of = |k: &Known| match k {
        Known::Account(a) => Some(*a),
        Known::Token(_) => None,
    };
    if trust == Trust::Memory
        && let Some(found) = RECORDS.with(|c| {
            c.borrow_mut()
                .get(id)
                .map(|s| s.value.as_ref().and_then(account_of))
        })
    {
        return Ok(found);
    }
    let text = read(env, &format!("acct:{id}"), now).await?;
    let record: Option<EdgeAccount> = text.as_deref().and_then(|t| serde_json::from_str(t).ok());
    let revision = record.as_ref().map_or(0, |r| r.revision);
    let edge = record.map(|r| (r.account_type, r.api_access_enabled));
    let bytes = text.as_ref().map_or(0, String::len);
    Ok(RECORDS.with(|c| {
        c.borrow_mut()
            .from_kv(
                id,
                Entry::new(revision, edge.map(Known::Account), bytes),
                now,
            )
            .value
            .as_ref()
            .and_then(account_of)
    }))
}

/// Applies feed entries (newest revision wins).
pub fn apply(entries: &[FeedEntry], now: Timestamp) {
    count(|c| {
        c.feed_lines += 1;
        c.feed_entries += entries.len() as u64;
    });
    for e in entries {
        if let Some(sid) = e.key.strip_prefix("tok:") {
            match EdgeReplica::from_json(&e.value) {
                Ok(r) => RECORDS.with(|c| {
                    c.borrow_mut().from_feed(
                        sid,
                        Entry::new(e.revision, Some(Known::Token(r)), e.value.len()),
                        now,
                    )
                }),
                Err(err) => worker::console_error!("unreadable feed entry: {err}"),
            }
        } else if let Some(id) = e.key.strip_prefix("acct:") {
            match serde_json::from_str::<EdgeAccount>(&e.value) {
                Ok(r) => {
                    let edge = Some(Known::Account((r.account_type, r.api_access_enabled)));
                    RECORDS.with(|c| {
                        c.borrow_mut().from_feed(
                            id,
                            Entry::new(e.revision, edge, e.value.len()),
                            now,
                        )
                    });
                }
                Err(err) => worker::console_error!("unreadable feed entry: {err}"),
            }
        }
    }
}

/// A heartbeat or other line without entries.
pub fn note_line() {
    count(|c| c.feed_lines += 1);
}

/// After a gap in the feed: forget every record that did not come from it.
pub fn drop_unpinned(now: Timestamp) {
    RECORDS.with(|c| c.borrow_mut().drop_unpinned(now));
}

/// Whether a use of `sid` now should be written (at most once a minute per token and
/// isolate); remembers it.
pub fn due_use(sid: &str, now: Timestamp) -> bool {
    LAST_USED.with(|m| {
        let mut m = m.borrow_mut();
        if !should_record_use(m.get(sid).copied(), now) {
            return false;
        }
        if m.len() > 10_000 {
            m.clear();
        }
        m.insert(sid.to_owned(), now);
        true
    })
}

pub async fn write_use(env: &Env, sid: &str, at: Timestamp) -> worker::Result<()> {
    count(|c| c.kv_writes += 1);
    env.kv(BINDING)?
        .put_bytes(&format!("used:{sid}"), at.0.to_string().as_bytes())?
        .execute()
        .await?;
    Ok(())
}

/// The isolate's counters and caches (only with `EXPOSE_STATS = "true"`).
#[derive(serde::Serialize)]
pub struct Stats {
    isolate_age_ms: i64,
    #[serde(flatten)]
    counters: Counters,
    /// Tokens and accounts held.
    cached_records: usize,
    cached_bytes: usize,
    subscription: crate::subscription::Described,
}

pub fn stats(now: Timestamp) -> Stats {
    started(now);
    let started = STARTED.with(|s| s.get().unwrap_or(now));
    let (cached_records, cached_bytes) = RECORDS.with(|c| (c.borrow().len(), c.borrow().bytes()));
    Stats {
        isolate_age_ms: now.since(started).0,
        counters: COUNTERS.with(|c| c.borrow().clone()),
        cached_records,
        cached_bytes,
        subscription: crate::subscription::describe(now),
    }
}

/// Marks the isolate's start (for the stats' rates).
pub fn started(now: Timestamp) {
    STARTED.with(|s| {
        if s.get().is_none() {
            s.set(Some(now));
        }
    });
}

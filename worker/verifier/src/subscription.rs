//! The isolate's subscription to the revocation feed (`tollgate_core::feed` has the rules).
//!
//! Before a request is answered, [`ensure`] makes sure the isolate hears the feed:
//! nothing to do while a stream is live; the next stream is opened in the background
//! (`waitUntil`) once the current one is 20 s old; with no live stream, a request opens one
//! and waits (at most a second) for its first line, which carries everything the isolate
//! missed. The rest of a stream is read in the `waitUntil` of the request that opened it,
//! applying each entry to [`crate::records`] the moment it arrives.
//!
//! When no line has arrived for [`SILENCE_LIMIT`], memory is not trusted: requests read KV
//! (logged once per outage) until a stream is live again.

use std::cell::{Cell, RefCell};

use futures_util::StreamExt as _;
use futures_util::future::{Either, select};
use tollgate_core::feed::{CONNECT_TIMEOUT, FeedLine, Need, SILENCE_LIMIT, Subscription, Trust};
use tollgate_core::time::Timestamp;
use worker::{ByteStream, Context, Delay, Env};

use crate::{now, records};

const FEED_BINDING: &str = "FEED";
const FEED_NAME: &str = "global";

thread_local! {
    static SUB: RefCell<Subscription> = RefCell::new(Subscription::default());
    static IN_OUTAGE: Cell<bool> = const { Cell::new(false) };
}

/// The subscription as the stats show it.
#[derive(serde::Serialize)]
pub struct Described {
    cursor: Option<u64>,
    streams: u32,
    trusted: bool,
    silent_ms: Option<i64>,
}

pub fn describe(now: Timestamp) -> Described {
    SUB.with(|s| {
        let s = s.borrow();
        Described {
            cursor: s.cursor,
            streams: s.streams,
            trusted: s.trust(now) == Trust::Memory,
            silent_ms: s.last_heard.map(|t| now.since(t).0),
        }
    })
}

/// Whether this request may answer from memory; opens or renews the stream as needed.
pub async fn ensure(env: &Env, ctx: &Context, at: Timestamp) -> Trust {
    match SUB.with(|s| s.borrow().need(at)) {
        Need::Nothing => return Trust::Memory,
        Need::Renew => {
            SUB.with(|s| s.borrow_mut().attempt(at));
            let env = env.clone();
            ctx.wait_until(async move {
                if let Some(stream) = open(&env).await {
                    stream.follow(&env).await;
                }
            });
            return Trust::Memory;
        }
        Need::Connect => {
            SUB.with(|s| s.borrow_mut().attempt(at));
            let env = env.clone();
            let first = Box::pin(open(&env));
            let timeout = Box::pin(Delay::from(std::time::Duration::from_millis(
                CONNECT_TIMEOUT.0 as u64,
            )));
            match select(first, timeout).await {
                Either::Left((Some(stream), _)) => {
                    let env = env.clone();
                    ctx.wait_until(async move { stream.follow(&env).await });
                }
                _ => SUB.with(|s| s.borrow_mut().failed()),
            }
        }
        Need::Wait => {
            // Another request of this isolate is opening the stream: wait for its first line.
            while SUB.with(|s| s.borrow().need(now()) == Need::Wait) {
                Delay::from(std::time::Duration::from_millis(2)).await;
            }
        }
        Need::FallBack => {}
    }
    let trust = SUB.with(|s| s.borrow().trust(now()));
    let was_out = IN_OUTAGE.with(|o| o.replace(trust == Trust::Kv));
    if trust == Trust::Kv {
        records::note_fallback();
        if !was_out {
            records::note_outage();
            worker::console_warn!(
                "revocation feed silent for over {} ms: reading KV for every request until it is heard again",
                SILENCE_LIMIT.0
            );
        }
    } else if was_out {
        worker::console_log!("revocation feed heard again: answering from memory");
    }
    trust
}

/// A stream whose first line has been applied.
struct Open {
    body: ByteStream,
    buffer: Vec<u8>,
}

/// Subscribes from the isolate's cursor and applies the first line.
async fn open(env: &Env) -> Option<Open> {
    records::note_subscribe();
    let cursor = SUB.with(|s| s.borrow().cursor);
    let url = match cursor {
        Some(c) => format!("https://feed.internal/subscribe?after={c}"),
        None => "https://feed.internal/subscribe".to_owned(),
    };
    let attempt = async {
        let stub = env
            .durable_object(FEED_BINDING)?
            .id_from_name(FEED_NAME)?
            .get_stub()?;
        let mut resp = stub.fetch_with_str(&url).await?;
        if resp.status_code() != 200 {
            return Err(worker::Error::RustError(format!(
                "feed answered {}",
                resp.status_code()
            )));
        }
        resp.stream()
    };
    let body = match attempt.await {
        Ok(b) => b,
        Err(e) => {
            worker::console_error!("could not subscribe to the revocation feed: {e}");
            SUB.with(|s| s.borrow_mut().failed());
            return None;
        }
    };
    let mut open = Open {
        body,
        buffer: Vec::new(),
    };
    match open.next_line().await {
        Some(line @ FeedLine::Hello { .. }) => apply(&line),
        _ => {
            worker::console_error!("the revocation feed's stream did not start with its catch-up");
            SUB.with(|s| s.borrow_mut().failed());
            return None;
        }
    }
    // A long catch-up continues over more lines: all of it is applied before answering.
    while !SUB.with(|s| s.borrow().caught_up()) {
        match open.next_line().await {
            Some(line) => apply(&line),
            None => {
                SUB.with(|s| {
                    let mut s = s.borrow_mut();
                    s.closed();
                    s.failed();
                });
                return None;
            }
        }
    }
    Some(open)
}

fn apply(line: &FeedLine) {
    let at = now();
    let gap = SUB.with(|s| s.borrow_mut().heard(line, at));
    if gap {
        worker::console_warn!("revocation feed: missed changes; dropping the records read from KV");
        records::drop_unpinned(at);
    }
    match line {
        FeedLine::Hello { entries, .. } | FeedLine::Entries { entries } => {
            records::apply(entries, at)
        }
        FeedLine::Beat => records::note_line(),
    }
}

impl Open {
    /// The next complete line, or `None` when the stream ended or broke.
    async fn next_line(&mut self) -> Option<FeedLine> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                return match serde_json::from_slice::<FeedLine>(&line) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        worker::console_error!("unreadable line from the revocation feed: {e}");
                        None
                    }
                };
            }
            match self.body.next().await {
                Some(Ok(chunk)) => self.buffer.extend_from_slice(&chunk),
                _ => return None,
            }
        }
    }

    /// Reads the rest of the stream, applying each line as it arrives; flushes the usage
    /// counts when due and once more when the stream ends.
    async fn follow(mut self, env: &Env) {
        while let Some(line) = self.next_line().await {
            apply(&line);
            crate::usage::flush_when_due(env, now());
        }
        SUB.with(|s| s.borrow_mut().closed());
        crate::usage::flush_at_end(env).await;
    }
}

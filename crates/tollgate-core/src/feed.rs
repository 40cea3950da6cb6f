//! The revocation feed: how a change to a token or an account reaches every verifier
//! within a second, whatever the location's KV still holds.
//!
//! * Every replica write of an account's object (`tok:{sid}`, `acct:{id}`) is also
//!   published, after its commit, to the feed object, which gives it the next global
//!   sequence number ([`FeedEntry`]). Every change is published, not only the narrowing
//!   ones, so a verifier's cached copy is never older than the feed.
//! * A verifier isolate subscribes with its cursor and gets one NDJSON stream
//!   ([`FeedLine`]): first what it missed (or, when its cursor is too old or absent, every
//!   entry of the last [`REPLAY_WINDOW`]), then each entry as it is published and a
//!   heartbeat every [`HEARTBEAT`], until the stream ends after [`STREAM_LIFETIME`]; the
//!   isolate opens the next one after [`RENEW_AFTER`] (see [`Subscription`]).
//! * **Fail-safe:** an isolate that has heard nothing for [`SILENCE_LIMIT`] stops trusting
//!   the records it holds in memory and reads KV for every request (logging that it does),
//!   still overruled by any newer revision the feed delivered ([`newest`]).
//!
//! So a change is in force at every verifier that hears the feed as soon as the entry
//! arrives; a verifier that cannot hear it trusts its memory for at most
//! [`SILENCE_LIMIT`] and then falls back to KV, whose own propagation bound (60 s,
//! [`KV_CACHE_TTL_SECS`]) applies.

use serde::{Deserialize, Serialize};

use crate::revision::Revision;
use crate::time::{Span, Timestamp};

/// Entries replayed to a subscriber without a usable cursor: twice KV's propagation
/// bound, so that any KV value a new isolate reads is checked against every change that
/// KV may not show yet.
pub const REPLAY_WINDOW: Span = Span(120_000);
/// How long the feed object keeps entries (a reconnecting isolate resumes from its cursor).
pub const RETENTION: Span = Span::minutes(10);
/// At most this many entries are kept (the oldest go first).
pub const MAX_RETAINED: u64 = 100_000;
/// At most this many entries go out in one line of a stream.
pub const MAX_ENTRIES_PER_LINE: usize = 500;
/// A heartbeat goes out this often on every stream.
pub const HEARTBEAT: Span = Span(250);
/// The feed object ends a stream after this long (inside the 30 s that a Worker's
/// `waitUntil` may run after its response).
pub const STREAM_LIFETIME: Span = Span(25_000);
/// A verifier opens its next stream once the current one is this old (the two overlap).
pub const RENEW_AFTER: Span = Span(20_000);
/// The fail-safe bound: after this long without a line from the feed, a verifier stops
/// trusting the records in its memory.
pub const SILENCE_LIMIT: Span = Span(1_000);
/// A verifier waits at most this long for a stream's first line before answering from KV.
pub const CONNECT_TIMEOUT: Span = Span(1_000);
/// A failed subscription is retried at most this often per isolate.
pub const RETRY_EVERY: Span = Span(1_000);
/// KV reads at the edge are cached at the location for this long (KV's minimum `cacheTtl`,
/// also its documented propagation bound).
pub const KV_CACHE_TTL_SECS: u64 = 60;

/// One published change: the replica key and its new value (a token record, a tombstone,
/// or an account record, as JSON), with its revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub key: String,
    pub revision: Revision,
    pub value: String,
}

/// A replica row as an account's object publishes it (the feed numbers it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    pub key: String,
    pub revision: Revision,
    pub value: String,
}

/// One line of a subscription stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FeedLine {
    /// The first line. With `reset`, the subscriber's cursor was absent or older than what
    /// the feed keeps, and the entries are those of the last [`REPLAY_WINDOW`]. At most
    /// [`MAX_ENTRIES_PER_LINE`] come in this line; the rest of the catch-up follows in
    /// `Entries` lines, up to `head`.
    Hello {
        head: u64,
        reset: bool,
        entries: Vec<FeedEntry>,
    },
    /// Newly published entries.
    Entries { entries: Vec<FeedEntry> },
    /// Nothing new; the feed is alive.
    Beat,
}

impl FeedLine {
    pub fn to_line(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// What a subscriber gets first, given its cursor and the oldest sequence number kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// Every entry after this sequence number.
    After(u64),
    /// Every entry published since this time (a reset).
    Since(Timestamp),
}

pub fn catch_up(
    cursor: Option<u64>,
    oldest_kept: Option<u64>,
    head: u64,
    now: Timestamp,
) -> CatchUp {
    match cursor {
        // Nothing was lost: everything after the cursor is still kept (or nothing is new).
        Some(c) if c <= head && oldest_kept.is_none_or(|o| c + 1 >= o) => CatchUp::After(c),
        _ => CatchUp::Since(now.minus(REPLAY_WINDOW)),
    }
}

/// Of two copies of a record, the one to believe: the higher revision (the first on a tie).
pub fn newest<T>(a: Option<(Revision, T)>, b: Option<(Revision, T)>) -> Option<(Revision, T)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.0 > x.0 { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// What the verifier must do about the feed before it answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The isolate hears the feed: answer from memory.
    Nothing,
    /// The stream is due for renewal: open the next one in the background, answer now.
    Renew,
    /// No live stream: open one and wait (up to [`CONNECT_TIMEOUT`]) for its first line.
    Connect,
    /// No live stream and an attempt is under way: wait for it (up to [`CONNECT_TIMEOUT`]).
    Wait,
    /// No live stream and a recent attempt failed: read KV.
    FallBack,
}

/// Whether the records in memory may be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    Memory,
    /// The feed has been silent past [`SILENCE_LIMIT`]: read KV.
    Kv,
}

/// An isolate's view of its subscription (pure state; the verifier does the I/O).
#[derive(Debug, Clone, Default)]
pub struct Subscription {
    /// The last sequence number applied.
    pub cursor: Option<u64>,
    /// When the last line arrived.
    pub last_heard: Option<Timestamp>,
    /// When the newest stream was opened (its first line arrived).
    pub opened: Option<Timestamp>,
    /// When the last attempt to open a stream started.
    pub attempted: Option<Timestamp>,
    /// Streams currently being read.
    pub streams: u32,
    /// Whether an attempt waits for its first line.
    pub connecting: bool,
    /// The head the newest stream's catch-up reaches.
    pub catching_up_to: Option<u64>,
}

impl Subscription {
    pub fn trust(&self, now: Timestamp) -> Trust {
        match self.last_heard {
            Some(t) if self.streams > 0 && self.caught_up() && now.since(t) <= SILENCE_LIMIT => {
                Trust::Memory
            }
            _ => Trust::Kv,
        }
    }

    pub fn need(&self, now: Timestamp) -> Need {
        let recently_tried = self.attempted.is_some_and(|t| now.since(t) < RETRY_EVERY);
        let waiting = self.connecting
            && self
                .attempted
                .is_some_and(|t| now.since(t) < CONNECT_TIMEOUT);
        match self.trust(now) {
            Trust::Memory
                if self.opened.is_some_and(|o| now.since(o) >= RENEW_AFTER) && !recently_tried =>
            {
                Need::Renew
            }
            Trust::Memory => Need::Nothing,
            Trust::Kv if waiting => Need::Wait,
            Trust::Kv if recently_tried => Need::FallBack,
            Trust::Kv => Need::Connect,
        }
    }

    /// Records the start of an attempt.
    pub fn attempt(&mut self, now: Timestamp) {
        self.attempted = Some(now);
        self.connecting = true;
    }

    /// An attempt failed before its first line.
    pub fn failed(&mut self) {
        self.connecting = false;
    }

    /// Records a line; returns whether the cached records must be dropped (a reset after a
    /// gap: the isolate may have missed changes to records it holds).
    pub fn heard(&mut self, line: &FeedLine, now: Timestamp) -> bool {
        self.last_heard = Some(now);
        match line {
            FeedLine::Hello {
                head,
                reset,
                entries,
            } => {
                self.opened = Some(now);
                self.connecting = false;
                self.streams += 1;
                let gap = *reset && self.cursor.is_some();
                // A long catch-up continues in `Entries` lines up to `head`.
                let last = entries.last().map_or(*head, |e| e.seq);
                self.cursor = Some(
                    self.cursor
                        .map_or(last, |c| if *reset { last } else { c.max(last) }),
                );
                self.catching_up_to = Some(*head);
                gap
            }
            FeedLine::Entries { entries } => {
                if let Some(e) = entries.last() {
                    self.cursor = Some(self.cursor.map_or(e.seq, |c| c.max(e.seq)));
                }
                false
            }
            FeedLine::Beat => false,
        }
    }

    /// Whether the newest stream's catch-up has been applied in full.
    pub fn caught_up(&self) -> bool {
        match (self.catching_up_to, self.cursor) {
            (Some(head), Some(c)) => c >= head,
            (None, _) => true,
            (Some(_), None) => false,
        }
    }

    /// A stream ended (cleanly or not).
    pub fn closed(&mut self) {
        self.streams = self.streams.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64) -> FeedEntry {
        FeedEntry {
            seq,
            at: Timestamp(0),
            key: format!("tok:{seq}"),
            revision: 1,
            value: "{}".into(),
        }
    }

    #[test]
    fn catch_up_resumes_from_a_kept_cursor_and_replays_the_window_otherwise() {
        let now = Timestamp(1_000_000);
        assert_eq!(catch_up(Some(10), Some(5), 20, now), CatchUp::After(10));
        assert_eq!(catch_up(Some(4), Some(5), 20, now), CatchUp::After(4));
        assert_eq!(
            catch_up(Some(3), Some(5), 20, now),
            CatchUp::Since(now.minus(REPLAY_WINDOW))
        );
        assert_eq!(
            catch_up(None, Some(5), 20, now),
            CatchUp::Since(now.minus(REPLAY_WINDOW))
        );
        // A cursor from the future (the feed lost its state): start over.
        assert_eq!(
            catch_up(Some(30), Some(5), 20, now),
            CatchUp::Since(now.minus(REPLAY_WINDOW))
        );
        assert_eq!(catch_up(Some(0), None, 0, now), CatchUp::After(0));
    }

    #[test]
    fn the_higher_revision_wins() {
        assert_eq!(
            newest(Some((2, "kv")), Some((3, "feed"))),
            Some((3, "feed"))
        );
        assert_eq!(newest(Some((3, "kv")), Some((3, "feed"))), Some((3, "kv")));
        assert_eq!(newest(None, Some((1, "feed"))), Some((1, "feed")));
        assert_eq!(newest::<&str>(None, None), None);
    }

    #[test]
    fn memory_is_trusted_only_while_the_feed_is_heard() {
        let mut s = Subscription::default();
        let t0 = Timestamp(10_000);
        assert_eq!(s.need(t0), Need::Connect);
        s.attempt(t0);
        assert_eq!(
            s.need(t0.plus(Span(10))),
            Need::Wait,
            "one attempt at a time"
        );
        let mut failed = s.clone();
        failed.failed();
        assert_eq!(
            failed.need(t0.plus(Span(10))),
            Need::FallBack,
            "KV until the retry"
        );
        assert_eq!(failed.need(t0.plus(RETRY_EVERY)), Need::Connect);
        assert!(!s.heard(
            &FeedLine::Hello {
                head: 7,
                reset: true,
                entries: vec![entry(7)]
            },
            t0.plus(Span(20))
        ));
        assert_eq!(s.cursor, Some(7));
        assert_eq!(s.trust(t0.plus(Span(500))), Trust::Memory);
        assert_eq!(s.need(t0.plus(Span(500))), Need::Nothing);
        // Silence past the limit: KV, and a new connection.
        let late = t0.plus(Span(20 + SILENCE_LIMIT.0 + 1));
        assert_eq!(s.trust(late), Trust::Kv);
        assert_eq!(s.need(late), Need::Connect);
        // A heartbeat keeps it trusted.
        s.heard(&FeedLine::Beat, late);
        assert_eq!(s.trust(late), Trust::Memory);
        // Renewal after RENEW_AFTER, in the background.
        let renew = t0.plus(Span(20 + RENEW_AFTER.0));
        s.heard(&FeedLine::Beat, renew);
        assert_eq!(s.need(renew), Need::Renew);
        s.closed();
        assert_eq!(s.trust(renew), Trust::Kv, "no stream left");
    }

    #[test]
    fn a_reset_after_a_gap_drops_the_cache_and_entries_advance_the_cursor() {
        let mut s = Subscription::default();
        s.heard(
            &FeedLine::Hello {
                head: 3,
                reset: false,
                entries: vec![],
            },
            Timestamp(1),
        );
        assert_eq!(s.cursor, Some(3));
        s.heard(
            &FeedLine::Entries {
                entries: vec![entry(4), entry(5)],
            },
            Timestamp(2),
        );
        assert_eq!(s.cursor, Some(5));
        assert!(s.heard(
            &FeedLine::Hello {
                head: 900,
                reset: true,
                entries: vec![entry(899)]
            },
            Timestamp(3)
        ));
        assert_eq!(s.cursor, Some(899));
        assert!(!s.caught_up(), "one more entry to come");
        s.heard(
            &FeedLine::Entries {
                entries: vec![entry(900)],
            },
            Timestamp(4),
        );
        assert!(s.caught_up());
        s.heard(
            &FeedLine::Hello {
                head: 905,
                reset: false,
                entries: vec![],
            },
            Timestamp(5),
        );
        assert_eq!(s.cursor, Some(905));
        assert!(s.caught_up());
    }

    #[test]
    fn lines_round_trip() {
        let l = FeedLine::Hello {
            head: 2,
            reset: false,
            entries: vec![entry(2)],
        };
        let text = l.to_line();
        assert!(text.ends_with('\n'));
        assert_eq!(
            serde_json::from_str::<FeedLine>(text.trim_end()).expect("parses"),
            l
        );
    }
}

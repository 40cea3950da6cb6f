//! `RevocationFeed`: the Durable Object that numbers every replica change with a global
//! sequence number and streams it to every verifier isolate (rules and wire format:
//! `tollgate_core::feed`).
//!
//! * `POST /publish` (from an account object's outbox, after its commit): a JSON array of
//!   [`Update`]s. They get the next sequence numbers in one synchronous batch of SQL (no
//!   await in between, so the batch is atomic and two publishers never share a number),
//!   are written to every open stream, and the answer says the last number.
//! * `GET /subscribe?after=N` (from a verifier): an NDJSON stream — what the subscriber
//!   missed, then every entry as it is published and a heartbeat every 250 ms, for 25 s.
//!
//! One object serves every location (see ARCHITECTURE.md for the numbers).

use std::cell::RefCell;

use futures_channel::mpsc::{UnboundedSender, unbounded};
use futures_util::StreamExt as _;
use serde::Deserialize;
use tollgate_core::error_code::{ErrorCode, Failure};
use tollgate_core::feed::{
    CatchUp, FeedEntry, FeedLine, HEARTBEAT, MAX_ENTRIES_PER_LINE, MAX_RETAINED, RETENTION,
    STREAM_LIFETIME, Update, catch_up,
};
use tollgate_core::time::Timestamp;
use worker::{
    Date, Delay, DurableObject, Env, Request, RequestInit, Response, Result, SqlStorage,
    SqlStorageValue as V, State, durable_object,
};

use crate::error::{ApiError, ApiResult};

pub const BINDING: &str = "FEED";

/// The answer to a publish: the sequence number of its last entry.
#[derive(Debug, serde::Serialize, Deserialize)]
pub struct Published {
    pub head: u64,
}
/// The one feed object's name.
pub const NAME: &str = "global";

#[durable_object]
pub struct RevocationFeed {
    sql: SqlStorage,
    /// The open streams (a closed one is dropped at the next write).
    subscribers: RefCell<Vec<UnboundedSender<String>>>,
}

impl std::fmt::Debug for RevocationFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevocationFeed")
    }
}

#[derive(Deserialize)]
struct Row {
    seq: f64,
    at: f64,
    key: String,
    revision: f64,
    value: String,
}

#[derive(Deserialize)]
struct Number {
    n: Option<f64>,
}

fn now() -> Timestamp {
    Timestamp(Date::now().as_millis() as i64)
}

impl DurableObject for RevocationFeed {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        let schema = "CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, key TEXT NOT NULL, revision INTEGER NOT NULL, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL)";
        if sql.exec(schema, None).is_err() {
            worker::console_error!("revocation feed: could not create its tables");
        }
        RevocationFeed {
            sql,
            subscribers: RefCell::new(Vec::new()),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let outcome = match (req.method(), req.path().as_str()) {
            (worker::Method::Post, "/publish") => match req.json::<Vec<Update>>().await {
                Ok(updates) => self.publish(updates),
                Err(_) => Err(Failure::new(
                    ErrorCode::InvalidJson,
                    "the body is not a list of replica updates",
                )
                .into()),
            },
            (worker::Method::Get, "/subscribe") => {
                let after = req.url().ok().and_then(|u| {
                    u.query_pairs()
                        .find(|(k, _)| k == "after")
                        .and_then(|(_, v)| v.parse::<u64>().ok())
                });
                self.subscribe(after)
            }
            _ => Err(ApiError::not_found()),
        };
        outcome.or_else(ApiError::into_response)
    }
}

impl RevocationFeed {
    fn number(&self, query: &str) -> ApiResult<Option<u64>> {
        let rows: Vec<Number> = self
            .sql
            .exec(query, None)
            .map_err(ApiError::from)?
            .to_array()?;
        Ok(rows.into_iter().next().and_then(|r| r.n).map(|n| n as u64))
    }

    fn head(&self) -> ApiResult<u64> {
        Ok(self
            .number("SELECT seq AS n FROM head WHERE id = 0")?
            .unwrap_or(0))
    }

    fn entries(&self, query: &str, bind: i64) -> ApiResult<Vec<FeedEntry>> {
        let rows: Vec<Row> = self
            .sql
            .exec(query, vec![V::Integer(bind)])
            .map_err(ApiError::from)?
            .to_array()?;
        Ok(rows
            .into_iter()
            .map(|r| FeedEntry {
                seq: r.seq as u64,
                at: Timestamp(r.at as i64),
                key: r.key,
                revision: r.revision as u64,
                value: r.value,
            })
            .collect())
    }

    /// Numbers and stores `changes` (synchronously: one atomic batch), then writes them to
    /// every open stream.
    fn publish(&self, changes: Vec<Update>) -> ApiResult<Response> {
        let at = now();
        let mut seq = self.head()?;
        let mut entries = Vec::with_capacity(changes.len());
        for c in changes {
            seq += 1;
            self.sql
                .exec(
                    "INSERT INTO entries (seq, at, key, revision, value) VALUES (?, ?, ?, ?, ?)",
                    vec![
                        V::Integer(seq as i64),
                        V::Integer(at.0),
                        V::String(c.key.clone()),
                        V::Integer(c.revision as i64),
                        V::String(c.value.clone()),
                    ],
                )
                .map_err(ApiError::from)?;
            entries.push(FeedEntry {
                seq,
                at,
                key: c.key,
                revision: c.revision,
                value: c.value,
            });
        }
        self.sql
            .exec(
                "INSERT INTO head (id, seq) VALUES (0, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq",
                vec![V::Integer(seq as i64)],
            )
            .map_err(ApiError::from)?;
        let oldest_kept = at.minus(RETENTION).0;
        let lowest_kept = seq.saturating_sub(MAX_RETAINED) as i64;
        self.sql
            .exec(
                "DELETE FROM entries WHERE at < ? OR seq <= ?",
                vec![V::Integer(oldest_kept), V::Integer(lowest_kept)],
            )
            .map_err(ApiError::from)?;
        for chunk in entries.chunks(MAX_ENTRIES_PER_LINE) {
            let line = FeedLine::Entries {
                entries: chunk.to_vec(),
            }
            .to_line();
            self.subscribers
                .borrow_mut()
                .retain(|s| s.unbounded_send(line.clone()).is_ok());
        }
        crate::reply::json(200, &Published { head: seq })
    }

    /// Opens a stream: the catch-up line now, then live entries and heartbeats.
    fn subscribe(&self, after: Option<u64>) -> ApiResult<Response> {
        let at = now();
        let head = self.head()?;
        let oldest = self.number("SELECT MIN(seq) AS n FROM entries")?;
        let (reset, entries) = match catch_up(after, oldest, head, at) {
            CatchUp::After(c) => (
                false,
                self.entries("SELECT * FROM entries WHERE seq > ? ORDER BY seq", c as i64)?,
            ),
            CatchUp::Since(t) => (
                true,
                self.entries("SELECT * FROM entries WHERE at >= ? ORDER BY seq", t.0)?,
            ),
        };
        // The catch-up: its first chunk in the hello line, the rest in entries lines.
        let mut chunks = entries.chunks(MAX_ENTRIES_PER_LINE);
        let first = chunks.next().map(<[FeedEntry]>::to_vec).unwrap_or_default();
        let mut catch_up_lines = vec![
            FeedLine::Hello {
                head,
                reset,
                entries: first,
            }
            .to_line(),
        ];
        catch_up_lines.extend(chunks.map(|c| {
            FeedLine::Entries {
                entries: c.to_vec(),
            }
            .to_line()
        }));
        let (tx, rx) = unbounded::<String>();
        let mut subscribers = self.subscribers.borrow_mut();
        // Streams that ended (their reader gone, or their lifetime over) are forgotten here
        // too, not only when a publish finds them closed.
        subscribers.retain(|s| !s.is_closed());
        subscribers.push(tx.clone());
        drop(subscribers);
        let ends = at.plus(STREAM_LIFETIME);
        // Heartbeats come from the stream itself; live entries from `publish` through `rx`.
        let beats = futures_util::stream::unfold((), move |()| async move {
            Delay::from(std::time::Duration::from_millis(HEARTBEAT.0 as u64)).await;
            (now() < ends).then_some((FeedLine::Beat.to_line(), ()))
        });
        let live = futures_util::stream::select(rx, beats).take_while(move |_| {
            let open = now() < ends;
            async move { open }
        });
        let body = futures_util::stream::iter(catch_up_lines)
            .chain(live)
            .map(|line| Ok::<Vec<u8>, worker::Error>(line.into_bytes()));
        drop(tx);
        let mut r = Response::from_stream(body)?;
        r.headers_mut()
            .set("Content-Type", "application/x-ndjson")?;
        r.headers_mut().set("Cache-Control", "no-store")?;
        Ok(r)
    }
}

/// Publishes `changes` to the feed (from an account object's outbox flush).
pub async fn publish(env: &Env, changes: &[Update]) -> ApiResult<()> {
    let stub = env
        .durable_object(BINDING)?
        .id_from_name(NAME)?
        .get_stub()?;
    let body = serde_json::to_string(changes).map_err(|_| ApiError::unavailable())?;
    let headers = worker::Headers::new();
    headers.set("Content-Type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let req = Request::new_with_init("https://feed.internal/publish", &init)?;
    let resp = stub.fetch_with_request(req).await?;
    if resp.status_code() == 200 {
        Ok(())
    } else {
        Err(ApiError::unavailable())
    }
}

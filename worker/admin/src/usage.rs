//! `UsageObject`: one per account (named by the account id), the per-token usage counts
//! (`tollgate_core::usage`). Verifier isolates add their aggregates here at most every 10 s;
//! the account's object reads the series for the admin API.
//!
//! * `POST /record`: a JSON list of `UsageRecord`s (token, hour, counts), added to the
//!   hourly and the daily tables in one synchronous batch (from the verifier).
//! * `POST /series` [`SeriesAsk`]: the token's last 48 hours and last N days.
//! * `POST /totals` [`TotalsAsk`]: each token's requests since then.
//!
//! The account's object asks through [`UsageClient`], with the same types.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tollgate_core::time::{Span, Timestamp};
use tollgate_core::usage::{
    Counts, DAYS_KEPT, HOURS_KEPT, UsageRecord, UsageView, day_of, hour_of, series,
};
use worker::{
    Date, DurableObject, Env, Request, RequestInit, Response, Result, SqlStorage,
    SqlStorageValue as V, State, durable_object,
};

use crate::error::{ApiError, ApiResult};

pub const BINDING: &str = "USAGE";

#[durable_object]
pub struct UsageObject {
    sql: SqlStorage,
}

impl std::fmt::Debug for UsageObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UsageObject")
    }
}

const COLUMNS: &str = "allowed, unauthenticated, lacks_scope, ip_not_allowed, rate_limited";

#[derive(Deserialize)]
struct Row {
    start: f64,
    allowed: f64,
    unauthenticated: f64,
    lacks_scope: f64,
    ip_not_allowed: f64,
    rate_limited: f64,
}

impl Row {
    fn point(&self) -> (Timestamp, Counts) {
        let n = |v: f64| v as u64;
        (
            Timestamp(self.start as i64),
            Counts {
                allowed: n(self.allowed),
                unauthenticated: n(self.unauthenticated),
                lacks_scope: n(self.lacks_scope),
                ip_not_allowed: n(self.ip_not_allowed),
                rate_limited: n(self.rate_limited),
            },
        )
    }
}

/// A token's series: its last 48 hours and last `days` days.
#[derive(Debug, Serialize, Deserialize)]
pub struct SeriesAsk {
    pub sid: String,
    pub days: u32,
}

/// Each token's requests since `since`.
#[derive(Debug, Serialize, Deserialize)]
pub struct TotalsAsk {
    pub sids: Vec<String>,
    pub since: Timestamp,
}

#[derive(Deserialize)]
struct Total {
    sid: String,
    n: f64,
}

fn now() -> Timestamp {
    Timestamp(Date::now().as_millis() as i64)
}

impl DurableObject for UsageObject {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        let schema = format!(
            "CREATE TABLE IF NOT EXISTS hourly (sid TEXT NOT NULL, start INTEGER NOT NULL, {c}, PRIMARY KEY (sid, start));
             CREATE TABLE IF NOT EXISTS daily (sid TEXT NOT NULL, start INTEGER NOT NULL, {c}, PRIMARY KEY (sid, start))",
            c = "allowed INTEGER NOT NULL, unauthenticated INTEGER NOT NULL, lacks_scope INTEGER NOT NULL, \
                 ip_not_allowed INTEGER NOT NULL, rate_limited INTEGER NOT NULL"
        );
        if sql.exec(&schema, None).is_err() {
            worker::console_error!("usage object: could not create its tables");
        }
        UsageObject { sql }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let outcome = match (req.method(), req.path().as_str()) {
            (worker::Method::Post, "/record") => match req.json::<Vec<UsageRecord>>().await {
                Ok(records) => self.record(&records),
                Err(_) => Err(ApiError::unavailable()),
            },
            (worker::Method::Post, "/series") => match req.json::<SeriesAsk>().await {
                Ok(ask) => self.series(&ask.sid, ask.days.clamp(1, DAYS_KEPT)),
                Err(_) => Err(ApiError::unavailable()),
            },
            (worker::Method::Post, "/totals") => match req.json::<TotalsAsk>().await {
                Ok(ask) => self.totals(&ask),
                Err(_) => Err(ApiError::unavailable()),
            },
            _ => Err(ApiError::not_found()),
        };
        outcome.or_else(ApiError::into_response)
    }
}

impl UsageObject {
    fn exec(&self, query: &str, binds: Vec<V>) -> ApiResult<()> {
        self.sql
            .exec(query, binds)
            .map(|_| ())
            .map_err(ApiError::from)
    }

    /// Adds the aggregates (synchronously: one atomic batch) and drops what is past keeping.
    fn record(&self, records: &[UsageRecord]) -> ApiResult<Response> {
        for r in records {
            let c = &r.counts;
            for (table, start) in [("hourly", hour_of(r.hour)), ("daily", day_of(r.hour))] {
                let n = |v: u64| V::Integer(v as i64);
                self.exec(
                    &format!(
                        "INSERT INTO {table} (sid, start, {COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) \
                         ON CONFLICT(sid, start) DO UPDATE SET allowed = allowed + excluded.allowed, \
                         unauthenticated = unauthenticated + excluded.unauthenticated, \
                         lacks_scope = lacks_scope + excluded.lacks_scope, \
                         ip_not_allowed = ip_not_allowed + excluded.ip_not_allowed, \
                         rate_limited = rate_limited + excluded.rate_limited"
                    ),
                    vec![
                        V::String(r.sid.clone()),
                        V::Integer(start.0),
                        n(c.allowed),
                        n(c.unauthenticated),
                        n(c.lacks_scope),
                        n(c.ip_not_allowed),
                        n(c.rate_limited),
                    ],
                )?;
            }
        }
        let t = now();
        self.exec(
            "DELETE FROM hourly WHERE start < ?",
            vec![V::Integer(t.0 - HOURS_KEPT * Span::HOUR.0)],
        )?;
        self.exec(
            "DELETE FROM daily WHERE start < ?",
            vec![V::Integer(t.0 - i64::from(DAYS_KEPT) * Span::DAY.0)],
        )?;
        crate::reply::no_content()
    }

    fn rows(
        &self,
        table: &str,
        sid: &str,
        since: Timestamp,
    ) -> ApiResult<Vec<(Timestamp, Counts)>> {
        let rows: Vec<Row> = self
            .sql
            .exec(
                &format!("SELECT start, {COLUMNS} FROM {table} WHERE sid = ? AND start >= ?"),
                vec![V::String(sid.to_owned()), V::Integer(since.0)],
            )
            .map_err(ApiError::from)?
            .to_array()?;
        Ok(rows.iter().map(Row::point).collect())
    }

    fn series(&self, sid: &str, days: u32) -> ApiResult<Response> {
        let t = now();
        let (hour, day) = (hour_of(t), day_of(t));
        let hourly = self.rows(
            "hourly",
            sid,
            Timestamp(hour.0 - (HOURS_KEPT - 1) * Span::HOUR.0),
        )?;
        let daily = self.rows(
            "daily",
            sid,
            Timestamp(day.0 - (i64::from(days) - 1) * Span::DAY.0),
        )?;
        let view = UsageView {
            sid: sid.to_owned(),
            hourly: series(&hourly, hour, Span::HOUR, HOURS_KEPT as usize),
            daily: series(&daily, day, Span::DAY, days as usize),
        };
        crate::reply::json(200, &view)
    }

    fn totals(&self, ask: &TotalsAsk) -> ApiResult<Response> {
        let mut out: HashMap<String, u64> = HashMap::new();
        for chunk in ask.sids.chunks(50) {
            let marks = vec!["?"; chunk.len()].join(",");
            let mut binds = vec![V::Integer(hour_of(ask.since).0)];
            binds.extend(chunk.iter().map(|s| V::String(s.clone())));
            let rows: Vec<Total> = self
                .sql
                .exec(
                    &format!(
                        "SELECT sid, SUM(allowed + unauthenticated + lacks_scope + ip_not_allowed + rate_limited) AS n \
                         FROM hourly WHERE start >= ? AND sid IN ({marks}) GROUP BY sid"
                    ),
                    binds,
                )
                .map_err(ApiError::from)?
                .to_array()?;
            for r in rows {
                out.insert(r.sid, r.n as u64);
            }
        }
        crate::reply::json(200, &out)
    }
}

/// A client of one account's usage object.
pub struct UsageClient {
    stub: worker::Stub,
}

impl std::fmt::Debug for UsageClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UsageClient")
    }
}

impl UsageClient {
    pub fn new(env: &Env, account_id: &str) -> ApiResult<UsageClient> {
        let ns = env.durable_object(BINDING)?;
        Ok(UsageClient {
            stub: ns.id_from_name(account_id)?.get_stub()?,
        })
    }

    async fn ask<T: Serialize, A: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &T,
    ) -> ApiResult<A> {
        let text = serde_json::to_string(body).map_err(|_| ApiError::unavailable())?;
        let headers = worker::Headers::new();
        headers.set("Content-Type", "application/json")?;
        let mut init = RequestInit::new();
        init.with_method(worker::Method::Post)
            .with_headers(headers)
            .with_body(Some(text.into()));
        let req = Request::new_with_init(&format!("https://usage.internal{path}"), &init)?;
        let mut resp = self.stub.fetch_with_request(req).await?;
        if resp.status_code() != 200 {
            return Err(ApiError::unavailable());
        }
        resp.json().await.map_err(|_| ApiError::unavailable())
    }

    /// A token's series (for `GET /api/tokens/{sid}/usage`).
    pub async fn series(&self, sid: &str, days: u32) -> ApiResult<UsageView> {
        let ask = SeriesAsk {
            sid: sid.to_owned(),
            days,
        };
        self.ask("/series", &ask).await
    }

    /// Requests per token since `since` (for the list); empty when usage cannot be read.
    pub async fn totals(&self, sids: &[String], since: Timestamp) -> HashMap<String, u64> {
        let ask = TotalsAsk {
            sids: sids.to_vec(),
            since,
        };
        self.ask("/totals", &ask)
            .await
            .unwrap_or_else(|_: ApiError| {
                worker::console_error!("usage totals could not be read");
                HashMap::new()
            })
    }
}

//! Per-token usage: requests allowed and denied (by reason), per hour for 48 hours and per
//! day for 90 days. The verifier counts in memory and flushes aggregates at most every
//! [`FLUSH_EVERY`] per isolate; the account's usage object adds them up.

use serde::{Deserialize, Serialize};

use crate::time::{Span, Timestamp};

/// An isolate flushes its counts at most this often (and when its feed stream ends).
pub const FLUSH_EVERY: Span = Span(10_000);
/// Hourly counts are kept this long.
pub const HOURS_KEPT: i64 = 48;
/// Daily counts are kept this many days (the most `days` a usage query may ask for).
pub const DAYS_KEPT: u32 = 90;
/// The chart's default span.
pub const DEFAULT_DAYS: u32 = 30;

/// What happened to one request made with a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    /// Wrong or expired credentials for a real SID, a disabled token or account.
    Unauthenticated,
    LacksScope,
    IpNotAllowed,
    RateLimited,
}

/// Counts of requests by outcome.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub allowed: u64,
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub unauthenticated: u64,
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub lacks_scope: u64,
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub ip_not_allowed: u64,
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub rate_limited: u64,
}

impl Counts {
    pub fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Allowed => self.allowed += 1,
            Outcome::Unauthenticated => self.unauthenticated += 1,
            Outcome::LacksScope => self.lacks_scope += 1,
            Outcome::IpNotAllowed => self.ip_not_allowed += 1,
            Outcome::RateLimited => self.rate_limited += 1,
        }
    }

    pub fn add(&mut self, o: &Counts) {
        self.allowed += o.allowed;
        self.unauthenticated += o.unauthenticated;
        self.lacks_scope += o.lacks_scope;
        self.ip_not_allowed += o.ip_not_allowed;
        self.rate_limited += o.rate_limited;
    }

    /// Takes away counts that were delivered (what arrived meanwhile stays).
    pub fn remove(&mut self, o: &Counts) {
        self.allowed = self.allowed.saturating_sub(o.allowed);
        self.unauthenticated = self.unauthenticated.saturating_sub(o.unauthenticated);
        self.lacks_scope = self.lacks_scope.saturating_sub(o.lacks_scope);
        self.ip_not_allowed = self.ip_not_allowed.saturating_sub(o.ip_not_allowed);
        self.rate_limited = self.rate_limited.saturating_sub(o.rate_limited);
    }

    pub fn denied(&self) -> u64 {
        self.unauthenticated + self.lacks_scope + self.ip_not_allowed + self.rate_limited
    }

    pub fn total(&self) -> u64 {
        self.allowed + self.denied()
    }
}

/// The start of the hour (UTC) that `t` falls in.
pub fn hour_of(t: Timestamp) -> Timestamp {
    Timestamp(t.0.div_euclid(Span::HOUR.0) * Span::HOUR.0)
}

/// The start of the day (UTC) that `t` falls in.
pub fn day_of(t: Timestamp) -> Timestamp {
    Timestamp(t.0.div_euclid(Span::DAY.0) * Span::DAY.0)
}

/// One flushed aggregate: a token's counts in one hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageRecord {
    pub sid: String,
    pub hour: Timestamp,
    pub counts: Counts,
}

/// One point of a series.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsagePoint {
    /// The start of the hour or day.
    pub start: Timestamp,
    pub counts: Counts,
}

/// `GET /api/tokens/{sid}/usage?days=N`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageView {
    pub sid: String,
    /// The last 48 hours, oldest first (the current hour last).
    pub hourly: Vec<UsagePoint>,
    /// The last `days` days, oldest first (today last).
    pub daily: Vec<UsagePoint>,
}

/// `n` consecutive points of `step` ending with the one holding `now`, filled from `rows`
/// (start → counts); missing points are zero.
pub fn series(
    rows: &[(Timestamp, Counts)],
    last_start: Timestamp,
    step: Span,
    n: usize,
) -> Vec<UsagePoint> {
    (0..n)
        .map(|i| {
            let start = Timestamp(last_start.0 - step.0 * (n - 1 - i) as i64);
            let counts = rows.iter().filter(|(t, _)| *t == start).fold(
                Counts::default(),
                |mut acc, (_, c)| {
                    acc.add(c);
                    acc
                },
            );
            UsagePoint { start, counts }
        })
        .collect()
}

/// The `days` query parameter: 1 to 90, 30 when absent.
pub fn check_days(raw: Option<&str>) -> Result<u32, String> {
    match raw {
        None => Ok(DEFAULT_DAYS),
        Some(v) => match v.parse::<u32>() {
            Ok(d) if (1..=DAYS_KEPT).contains(&d) => Ok(d),
            _ => Err(format!("days is a whole number from 1 to {DAYS_KEPT}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_series() {
        let t = Timestamp(Span::DAY.0 * 3 + Span::HOUR.0 * 5 + 1234);
        assert_eq!(hour_of(t), Timestamp(Span::DAY.0 * 3 + Span::HOUR.0 * 5));
        assert_eq!(day_of(t), Timestamp(Span::DAY.0 * 3));
        let mut c = Counts::default();
        c.count(Outcome::Allowed);
        c.count(Outcome::RateLimited);
        c.count(Outcome::IpNotAllowed);
        assert_eq!((c.allowed, c.denied(), c.total()), (1, 2, 3));
        let rows = vec![
            (hour_of(t), c),
            (hour_of(t), c),
            (Timestamp(hour_of(t).0 - 2 * Span::HOUR.0), c),
        ];
        let s = series(&rows, hour_of(t), Span::HOUR, 48);
        assert_eq!(s.len(), 48);
        assert_eq!(s[47].start, hour_of(t));
        assert_eq!(s[47].counts.allowed, 2);
        assert_eq!(s[46].counts.total(), 0);
        assert_eq!(s[45].counts.total(), 3);
        assert_eq!(check_days(None), Ok(30));
        assert_eq!(check_days(Some("90")), Ok(90));
        assert!(
            check_days(Some("0")).is_err()
                && check_days(Some("91")).is_err()
                && check_days(Some("x")).is_err()
        );
    }

    #[test]
    fn delivered_counts_are_taken_away_and_later_ones_stay() {
        let mut sent = Counts::default();
        sent.count(Outcome::Allowed);
        sent.count(Outcome::Unauthenticated);
        let mut waiting = sent;
        waiting.count(Outcome::Allowed);
        waiting.count(Outcome::RateLimited);
        waiting.remove(&sent);
        assert_eq!(
            (
                waiting.allowed,
                waiting.unauthenticated,
                waiting.rate_limited
            ),
            (1, 0, 1)
        );
        waiting.remove(&sent);
        waiting.remove(&sent);
        assert_eq!(waiting.allowed, 0, "never below zero");
        assert_eq!(waiting.total(), 1);
    }
}

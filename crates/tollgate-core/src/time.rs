//! Instants and spans of time, as plain integers. The core never reads a clock:
//! callers pass `now`.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// A span of time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span(pub i64);

impl Span {
    pub const MINUTE: Span = Span(60_000);
    pub const HOUR: Span = Span(3_600_000);
    pub const DAY: Span = Span(86_400_000);

    pub const fn minutes(n: i64) -> Span {
        Span(n * 60_000)
    }
    pub const fn hours(n: i64) -> Span {
        Span(n * 3_600_000)
    }
    pub const fn days(n: i64) -> Span {
        Span(n * 86_400_000)
    }
    pub const fn millis(self) -> i64 {
        self.0
    }
}

impl Timestamp {
    /// `self + span`, saturating instead of overflowing.
    pub fn plus(self, span: Span) -> Timestamp {
        Timestamp(self.0.saturating_add(span.0))
    }
    /// `self - span`, saturating instead of overflowing.
    pub fn minus(self, span: Span) -> Timestamp {
        Timestamp(self.0.saturating_sub(span.0))
    }
    /// How long ago `earlier` was, seen from `self` (negative when `earlier` is in the future).
    pub fn since(self, earlier: Timestamp) -> Span {
        Span(self.0.saturating_sub(earlier.0))
    }
}

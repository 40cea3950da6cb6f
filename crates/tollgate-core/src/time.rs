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

impl Timestamp {
    /// The instant as UTC text, `YYYY-MM-DD HH:MM UTC` (what notifications show).
    pub fn utc_text(self) -> String {
        let secs = self.0.div_euclid(1000);
        let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
            rest / 3600,
            rest % 3600 / 60
        )
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod text_tests {
    use super::Timestamp;

    #[test]
    fn utc_text_names_the_calendar_day() {
        assert_eq!(Timestamp(0).utc_text(), "1970-01-01 00:00 UTC");
        // 2026-11-25 06:50:00 UTC
        assert_eq!(
            Timestamp(1_795_589_400_000).utc_text(),
            "2026-11-25 06:50 UTC"
        );
        // 2024-02-29 23:59 UTC (a leap day)
        assert_eq!(
            Timestamp(1_709_251_140_000).utc_text(),
            "2024-02-29 23:59 UTC"
        );
    }
}

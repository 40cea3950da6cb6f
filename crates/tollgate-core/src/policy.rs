//! Token policies, enforced by the verifier: expiry, an IP allowlist and a per-token rate
//! limit. Validation for the admin API and the npm package; decisions for the edge.

use core::net::IpAddr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::{ErrorCode, Refusal};
use crate::time::{Span, Timestamp};

/// The wizard's expiry presets, in days (besides a date and "never").
pub const EXPIRY_PRESETS_DAYS: [u32; 4] = [7, 30, 90, 365];
/// Tokens expiring within this span are marked on the list and nudged.
pub const EXPIRING_SOON: Span = Span::days(7);
/// At most this many entries in an IP allowlist.
pub const MAX_ALLOWED_IPS: usize = 100;
/// The periods a rate limit may count over, in seconds.
pub const RATE_PERIODS: [u32; 3] = [1, 60, 3600];
/// The most requests a rate limit may allow per period.
pub const MAX_RATE_REQUESTS: u32 = 1_000_000;
/// The longest `max_token_lifetime_days` an account may set (ten years).
pub const MAX_LIFETIME_DAYS: u32 = 3650;

/// At most `requests` allowed requests per `period_seconds` (1, 60 or 3600).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub requests: u32,
    pub period_seconds: u32,
}

/// Why a policy was refused. Every message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    #[error("the expiry must be in the future")]
    ExpiryInPast,
    #[error("this account allows tokens to live at most {max_days} days: choose an earlier expiry")]
    ExpiryBeyondLimit { max_days: u32 },
    #[error("this account allows tokens to live at most {max_days} days: choose an expiry")]
    ExpiryRequired { max_days: u32 },
    #[error("\"{entry}\" is not an IPv4 or IPv6 address or CIDR range (such as 203.0.113.0/24)")]
    IpInvalid { entry: String },
    #[error("\"{entry}\" is listed more than once")]
    IpRepeated { entry: String },
    #[error("list at most {max} addresses or ranges")]
    TooManyIps { max: usize },
    #[error("a rate limit allows between 1 and {max} requests per period")]
    RateRequests { max: u32 },
    #[error("a rate limit counts per second (1), minute (60) or hour (3600)")]
    RatePeriod,
    #[error("a token lifetime limit is between 1 and {max} days")]
    LifetimeLimit { max: u32 },
}

impl Refusal for PolicyError {
    /// The values the message names, by the names a translation uses.
    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            PolicyError::ExpiryBeyondLimit { max_days }
            | PolicyError::ExpiryRequired { max_days } => {
                vec![("max_days", max_days.to_string())]
            }
            PolicyError::IpInvalid { entry } | PolicyError::IpRepeated { entry } => {
                vec![("entry", entry.clone())]
            }
            PolicyError::TooManyIps { max } => vec![("max", max.to_string())],
            PolicyError::RateRequests { max } | PolicyError::LifetimeLimit { max } => {
                vec![("max", max.to_string())]
            }
            PolicyError::ExpiryInPast | PolicyError::RatePeriod => Vec::new(),
        }
    }

    fn code(&self) -> ErrorCode {
        match self {
            PolicyError::ExpiryInPast => ErrorCode::ExpiryInPast,
            PolicyError::ExpiryBeyondLimit { .. } => ErrorCode::ExpiryBeyondLimit,
            PolicyError::ExpiryRequired { .. } => ErrorCode::ExpiryRequired,
            PolicyError::IpInvalid { .. } => ErrorCode::IpInvalid,
            PolicyError::IpRepeated { .. } => ErrorCode::IpRepeated,
            PolicyError::TooManyIps { .. } => ErrorCode::TooManyIps,
            PolicyError::RateRequests { .. } => ErrorCode::RateLimitRequests,
            PolicyError::RatePeriod => ErrorCode::RateLimitPeriod,
            PolicyError::LifetimeLimit { .. } => ErrorCode::LifetimeLimit,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some(match self {
            PolicyError::ExpiryInPast
            | PolicyError::ExpiryBeyondLimit { .. }
            | PolicyError::ExpiryRequired { .. } => "expires_at",
            PolicyError::IpInvalid { .. }
            | PolicyError::IpRepeated { .. }
            | PolicyError::TooManyIps { .. } => "allowed_ips",
            PolicyError::RateRequests { .. } | PolicyError::RatePeriod => "rate_limit",
            PolicyError::LifetimeLimit { .. } => "max_token_lifetime_days",
        })
    }
}

// ---------------------------------------------------------------- expiry

/// When a preset of `days` ends, counted from `now`.
pub fn preset(days: u32, now: Timestamp) -> Timestamp {
    now.plus(Span::days(i64::from(days)))
}

/// Checks an expiry for a token issued (or changed) at `now` under the account's lifetime
/// limit: in the future, and within the limit when there is one (then "never" is refused).
pub fn check_expiry(
    expires_at: Option<Timestamp>,
    now: Timestamp,
    max_days: Option<u32>,
) -> Result<Option<Timestamp>, PolicyError> {
    match (expires_at, max_days) {
        (Some(t), _) if t <= now => Err(PolicyError::ExpiryInPast),
        (Some(t), Some(max)) if t > preset(max, now) => {
            Err(PolicyError::ExpiryBeyondLimit { max_days: max })
        }
        (None, Some(max)) => Err(PolicyError::ExpiryRequired { max_days: max }),
        (t, _) => Ok(t),
    }
}

/// Whether a token with this expiry has expired at `now` (expiry is exclusive: a token
/// expiring at `t` is refused from `t` on).
pub fn expired(expires_at: Option<Timestamp>, now: Timestamp) -> bool {
    expires_at.is_some_and(|t| now >= t)
}

/// Whether the token expires within [`EXPIRING_SOON`] (and has not yet).
pub fn expiring_soon(expires_at: Option<Timestamp>, now: Timestamp) -> bool {
    expires_at.is_some_and(|t| now < t && t.since(now) <= EXPIRING_SOON)
}

/// Checks an account's `max_token_lifetime_days`.
pub fn check_lifetime_limit(days: Option<u32>) -> Result<Option<u32>, PolicyError> {
    match days {
        Some(d) if d == 0 || d > MAX_LIFETIME_DAYS => Err(PolicyError::LifetimeLimit {
            max: MAX_LIFETIME_DAYS,
        }),
        d => Ok(d),
    }
}

// ---------------------------------------------------------------- IP allowlist

/// An address or CIDR range, in the IPv6 space (IPv4 as IPv4-mapped, `::ffff:a.b.c.d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    base: u128,
    prefix: u8,
}

fn to_v6(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(v4.to_ipv6_mapped()), 96),
        IpAddr::V6(v6) => (u128::from(v6), 0),
    }
}

fn mask(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    }
}

impl IpRange {
    /// Parses `203.0.113.5`, `203.0.113.0/24`, `2001:db8::1`, `2001:db8::/32`. Host bits set
    /// under the prefix are refused (say `203.0.113.0/24`, not `203.0.113.7/24`).
    pub fn parse(text: &str) -> Option<IpRange> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let ip: IpAddr = addr.parse().ok()?;
        let (base, offset) = to_v6(ip);
        let width = 128 - offset;
        let prefix = match prefix {
            None => width,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 => {
                p.parse().ok()?
            }
            Some(_) => return None,
        };
        if prefix > width {
            return None;
        }
        let full = offset + prefix;
        if base & !mask(full) != 0 {
            return None;
        }
        Some(IpRange { base, prefix: full })
    }

    /// A range that holds no address: what an allowlist entry that cannot be read stands
    /// for, so that a list with a broken entry never allows more than it says.
    pub const fn nothing() -> IpRange {
        IpRange { base: 1, prefix: 0 }
    }

    /// [`IpRange::parse`], or [`IpRange::nothing`] for text that is no address or range.
    pub fn parse_or_nothing(text: &str) -> IpRange {
        IpRange::parse(text).unwrap_or(IpRange::nothing())
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let (addr, _) = to_v6(ip);
        // An IPv6 client written as IPv4-mapped is the IPv4 client.
        addr & mask(self.prefix) == self.base
    }

    /// The canonical text: an IPv4 range as IPv4, a single address without a prefix.
    pub fn canonical(&self) -> String {
        let v6 = core::net::Ipv6Addr::from(self.base);
        match v6.to_ipv4_mapped() {
            Some(v4) if self.prefix >= 96 => {
                if self.prefix == 128 {
                    v4.to_string()
                } else {
                    format!("{v4}/{}", self.prefix - 96)
                }
            }
            _ if self.prefix == 128 => v6.to_string(),
            _ => format!("{v6}/{}", self.prefix),
        }
    }
}

/// Checks an allowlist: each entry an address or range (canonicalised), none repeated, at
/// most [`MAX_ALLOWED_IPS`]. Empty means any address.
pub fn check_allowed_ips(raw: &[String]) -> Result<Vec<String>, PolicyError> {
    if raw.len() > MAX_ALLOWED_IPS {
        return Err(PolicyError::TooManyIps {
            max: MAX_ALLOWED_IPS,
        });
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for entry in raw {
        let shown: String = entry.trim().chars().take(60).collect();
        let range = IpRange::parse(entry).ok_or(PolicyError::IpInvalid {
            entry: shown.clone(),
        })?;
        let canonical = range.canonical();
        if out.contains(&canonical) {
            return Err(PolicyError::IpRepeated { entry: shown });
        }
        out.push(canonical);
    }
    Ok(out)
}

/// Whether `client` (from `CF-Connecting-IP`) may use a token with this allowlist. An
/// empty list allows any address; an unreadable client address is allowed by none.
pub fn ip_allowed(allowed: &[String], client: Option<&str>) -> bool {
    let ranges: Vec<IpRange> = allowed
        .iter()
        .map(|r| IpRange::parse_or_nothing(r))
        .collect();
    ranges_allow(&ranges, client)
}

/// [`ip_allowed`] over an allowlist parsed once (the verifier's records hold it so).
pub fn ranges_allow(ranges: &[IpRange], client: Option<&str>) -> bool {
    if ranges.is_empty() {
        return true;
    }
    let Some(ip) = client.and_then(|c| c.trim().parse::<IpAddr>().ok()) else {
        return false;
    };
    ranges.iter().any(|r| r.contains(ip))
}

/// Serde for an allowlist held parsed: written as its canonical texts, read by parsing each
/// (an entry that does not parse, which the admin API never writes, allows nothing).
pub mod ranges {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::IpRange;

    pub fn serialize<S: Serializer>(ranges: &[IpRange], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(ranges.iter().map(IpRange::canonical))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpRange>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        Ok(texts.iter().map(|t| IpRange::parse_or_nothing(t)).collect())
    }
}

// ---------------------------------------------------------------- rate limit

/// Checks a rate limit's shape.
pub fn check_rate_limit(limit: Option<RateLimit>) -> Result<Option<RateLimit>, PolicyError> {
    match limit {
        Some(l) if !RATE_PERIODS.contains(&l.period_seconds) => Err(PolicyError::RatePeriod),
        Some(l) if l.requests == 0 || l.requests > MAX_RATE_REQUESTS => {
            Err(PolicyError::RateRequests {
                max: MAX_RATE_REQUESTS,
            })
        }
        l => Ok(l),
    }
}

/// One fixed window's count (windows are aligned to multiples of the period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    pub start: i64,
    pub allowed: u32,
}

/// The rate limiter's answer, with what the `RateLimit` headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub allowed: bool,
    pub limit: RateLimit,
    pub remaining: u32,
    /// Seconds until the window resets (at least 1).
    pub reset_secs: i64,
}

impl Admission {
    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): the quota and window.
    pub fn policy_header(&self) -> String {
        format!(
            "\"token\";q={};w={}",
            self.limit.requests, self.limit.period_seconds
        )
    }

    /// `RateLimit`: what remains of the quota and when it resets.
    pub fn state_header(&self) -> String {
        format!("\"token\";r={};t={}", self.remaining, self.reset_secs)
    }
}

/// Counts one request against `window` under `limit` at `now`; only allowed requests count.
pub fn admit(window: Window, limit: RateLimit, now: Timestamp) -> (Admission, Window) {
    let period_ms = i64::from(limit.period_seconds) * 1000;
    let start = now.0.div_euclid(period_ms) * period_ms;
    let mut w = if window.start == start {
        window
    } else {
        Window { start, allowed: 0 }
    };
    let allowed = w.allowed < limit.requests;
    if allowed {
        w.allowed += 1;
    }
    let reset_ms = start + period_ms - now.0;
    let admission = Admission {
        allowed,
        limit,
        remaining: limit.requests - w.allowed,
        reset_secs: ((reset_ms + 999) / 1000).max(1),
    };
    (admission, w)
}

#[cfg(test)]
mod tests;

//! Throttling password guessing without locking anyone out.
//!
//! Failed sign-ins are counted in fixed windows under two keys: the pair (e-mail, client
//! address) and the client address alone. A client over either limit is refused before its
//! password is even checked; every other client — in particular the holder of the right
//! password on their own network — is unaffected. An attacker can therefore slow only
//! themselves down: guessing one e-mail's password from one address stops after
//! [`MAX_FAILURES_PER_PAIR`] tries a window, and spraying many e-mails from one address
//! stops after [`MAX_FAILURES_PER_CLIENT`]. A successful sign-in clears its pair.

use crate::time::{Span, Timestamp};

/// Failed sign-ins for one e-mail from one client address within [`WINDOW`].
pub const MAX_FAILURES_PER_PAIR: u32 = 10;
/// Failed sign-ins from one client address (any e-mails) within [`WINDOW`].
pub const MAX_FAILURES_PER_CLIENT: u32 = 50;
/// The counting window.
pub const WINDOW: Span = Span::minutes(15);
/// Wrong `SETUP_SECRET`s accepted from one client address within [`WINDOW`].
pub const MAX_SETUP_FAILURES: u32 = 5;

/// A failure counter: when its window started and how many failures it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub window_start: Timestamp,
    pub failures: u32,
}

/// The counter keys a sign-in attempt is judged by, with their limits.
pub fn keys(email: &str, client: &str) -> [(String, u32); 2] {
    let email = email.trim().to_lowercase();
    [
        (format!("pair:{email}|{client}"), MAX_FAILURES_PER_PAIR),
        (format!("client:{client}"), MAX_FAILURES_PER_CLIENT),
    ]
}

/// Seconds to wait when `counter` is at `max` within its window, else `None`.
pub fn retry_after(counter: Option<Counter>, max: u32, now: Timestamp) -> Option<i64> {
    let c = counter?;
    let end = c.window_start.plus(WINDOW);
    (now < end && c.failures >= max).then(|| ((end.0 - now.0) + 999) / 1000)
}

/// The counter after one more failure at `now` (a new window once the old one is over).
pub fn after_failure(counter: Option<Counter>, now: Timestamp) -> Counter {
    match counter {
        Some(c) if now < c.window_start.plus(WINDOW) => Counter {
            failures: c.failures.saturating_add(1),
            ..c
        },
        _ => Counter {
            window_start: now,
            failures: 1,
        },
    }
}

/// Counts failures (or events) per key in fixed windows, in memory: the limits a Worker keeps
/// in an isolate or an object (wrong setup secrets and unknown e-mails per client, new tokens
/// per account). At most `MAX_KEYS` keys are held; past that, finished windows are dropped.
#[derive(Debug, Clone)]
pub struct Limiter {
    window: Span,
    max: u32,
    counters: std::collections::HashMap<String, Counter>,
}

const MAX_KEYS: usize = 10_000;

impl Limiter {
    pub fn new(window: Span, max: u32) -> Limiter {
        Limiter {
            window,
            max,
            counters: std::collections::HashMap::new(),
        }
    }

    /// Seconds to wait if `key` has used up its count in the current window.
    pub fn blocked(&self, key: &str, now: Timestamp) -> Option<i64> {
        self.blocked_over(key, now, self.max)
    }

    /// [`Limiter::blocked`] with another limit (a configured one).
    pub fn blocked_over(&self, key: &str, now: Timestamp, max: u32) -> Option<i64> {
        let c = self.counters.get(key)?;
        let end = c.window_start.plus(self.window);
        (now < end && c.failures >= max).then(|| (end.0 - now.0 + 999) / 1000)
    }

    /// Counts one more for `key` at `now`.
    pub fn count(&mut self, key: &str, now: Timestamp) {
        if self.counters.len() >= MAX_KEYS && !self.counters.contains_key(key) {
            let window = self.window;
            self.counters
                .retain(|_, c| now < c.window_start.plus(window));
            if self.counters.len() >= MAX_KEYS {
                self.counters.clear();
            }
        }
        let window = self.window;
        let c = self.counters.entry(key.to_owned()).or_insert(Counter {
            window_start: now,
            failures: 0,
        });
        if now >= c.window_start.plus(window) {
            *c = Counter {
                window_start: now,
                failures: 0,
            };
        }
        c.failures = c.failures.saturating_add(1);
    }

    /// Admits one more for `key` under `max`, counting it; `Err(seconds)` when blocked.
    pub fn admit(&mut self, key: &str, now: Timestamp, max: u32) -> Result<(), i64> {
        if let Some(secs) = self.blocked_over(key, now, max) {
            return Err(secs);
        }
        self.count(key, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pair_and_client_keys() {
        let [(pair, a), (client, b)] = keys(" Admin@Example.com ", "203.0.113.9");
        assert_eq!(pair, "pair:admin@example.com|203.0.113.9");
        assert_eq!(client, "client:203.0.113.9");
        assert_eq!((a, b), (MAX_FAILURES_PER_PAIR, MAX_FAILURES_PER_CLIENT));
    }

    #[test]
    fn a_limiter_blocks_at_its_count_until_the_window_ends() {
        let mut l = Limiter::new(Span::MINUTE, 2);
        let t = Timestamp(1_000);
        assert_eq!(l.admit("k", t, 2), Ok(()));
        assert_eq!(l.admit("k", t, 2), Ok(()));
        assert_eq!(l.admit("k", t, 2), Err(60));
        assert_eq!(l.blocked("other", t), None);
        assert_eq!(l.admit("k", t.plus(Span::MINUTE), 2), Ok(()));
    }

    proptest! {
        #[test]
        fn blocks_exactly_at_the_limit_within_the_window(n in 1u32..30, start in 0i64..1_000_000, dt in 0i64..1_800_000) {
            let mut c = None;
            for _ in 0..n {
                c = Some(after_failure(c, Timestamp(start)));
            }
            let now = Timestamp(start + dt);
            let blocked = retry_after(c, MAX_FAILURES_PER_PAIR, now).is_some();
            prop_assert_eq!(blocked, n >= MAX_FAILURES_PER_PAIR && dt < WINDOW.millis());
        }
    }
}

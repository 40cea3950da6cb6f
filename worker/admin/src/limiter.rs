//! In-isolate fixed-window counters for failed attempts (per SID at the edge, per e-mail
//! at sign-in), and for new tokens per account (a flood limit). Only failures count, so the holder of the right credentials is never
//! locked out. Counters live in this isolate's memory: each isolate limits on its own.

use std::cell::RefCell;
use std::collections::HashMap;

use tollgate_core::time::{Span, Timestamp};

const MAX_KEYS: usize = 10_000;

pub struct Limiter {
    window: Span,
    max_failures: u32,
    counters: RefCell<HashMap<String, (Timestamp, u32)>>,
}

impl Limiter {
    pub fn new(window: Span, max_failures: u32) -> Limiter {
        Limiter {
            window,
            max_failures,
            counters: RefCell::new(HashMap::new()),
        }
    }

    /// Seconds to wait if `key` has used up its failures in the current window.
    pub fn blocked(&self, key: &str, now: Timestamp) -> Option<i64> {
        self.blocked_over(key, now, self.max_failures)
    }

    /// Like [`Limiter::blocked`] with another limit (a configured one).
    pub fn blocked_over(&self, key: &str, now: Timestamp, max: u32) -> Option<i64> {
        let counters = self.counters.borrow();
        let (start, n) = counters.get(key)?;
        let end = start.plus(self.window);
        (now < end && *n >= max).then(|| (end.0 - now.0 + 999) / 1000)
    }

    pub fn fail(&self, key: &str, now: Timestamp) {
        let mut counters = self.counters.borrow_mut();
        if counters.len() >= MAX_KEYS && !counters.contains_key(key) {
            let window = self.window;
            counters.retain(|_, (start, _)| now < start.plus(window));
            if counters.len() >= MAX_KEYS {
                counters.clear();
            }
        }
        let entry = counters.entry(key.to_owned()).or_insert((now, 0));
        if now >= entry.0.plus(self.window) {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

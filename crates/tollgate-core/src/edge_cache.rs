//! The verifier's in-isolate copy of the records it has read: bounded by count and bytes,
//! always holding the newest revision it has seen of each key, from KV or from the feed.
//!
//! * A KV read never replaces a newer copy: a remote location's KV may be up to a minute
//!   behind the feed ([`crate::feed::newest`]).
//! * Entries from the feed are **pinned** for [`crate::feed::REPLAY_WINDOW`]: they are kept
//!   even over the bounds, so that no stale KV value read in that window can win over them.
//! * Over the bounds, the least recently used unpinned entries go first, down to 90 %.

use std::collections::HashMap;

use crate::feed::REPLAY_WINDOW;
use crate::revision::Revision;
use crate::time::Timestamp;

/// At most this many records per isolate (pinned feed entries aside).
pub const MAX_RECORDS: usize = 20_000;
/// At most this many bytes of records per isolate (pinned feed entries aside).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// One key's copy. `value: None` means KV had nothing under the key (an unknown SID).
#[derive(Debug, Clone)]
pub struct Slot<T> {
    pub revision: Revision,
    pub value: Option<T>,
    pinned_until: Option<Timestamp>,
    bytes: usize,
    used: u64,
}

/// A copy of a key's record from KV or the feed: its revision, its value (`None`: nothing is
/// stored under the key) and its size in bytes.
#[derive(Debug, Clone)]
pub struct Entry<T> {
    pub revision: Revision,
    pub value: Option<T>,
    pub bytes: usize,
}

impl<T> Entry<T> {
    pub fn new(revision: Revision, value: Option<T>, bytes: usize) -> Entry<T> {
        Entry {
            revision,
            value,
            bytes,
        }
    }

    fn slot(self, pinned_until: Option<Timestamp>) -> Slot<T> {
        Slot {
            revision: self.revision,
            value: self.value,
            pinned_until,
            bytes: self.bytes,
            used: 0,
        }
    }
}

#[derive(Debug)]
pub struct EdgeCache<T> {
    map: HashMap<String, Slot<T>>,
    bytes: usize,
    tick: u64,
    max_records: usize,
    max_bytes: usize,
}

impl<T> Default for EdgeCache<T> {
    fn default() -> Self {
        EdgeCache::with_bounds(MAX_RECORDS, MAX_BYTES)
    }
}

impl<T> EdgeCache<T> {
    pub fn with_bounds(max_records: usize, max_bytes: usize) -> Self {
        EdgeCache {
            map: HashMap::new(),
            bytes: 0,
            tick: 0,
            max_records,
            max_bytes,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The copy held for `key`, marking it used.
    pub fn get(&mut self, key: &str) -> Option<&Slot<T>> {
        self.tick += 1;
        let tick = self.tick;
        let slot = self.map.get_mut(key)?;
        slot.used = tick;
        Some(&*slot)
    }

    /// Stores what KV answered for `key` unless a newer copy is held; returns the copy to
    /// believe.
    pub fn from_kv(&mut self, key: &str, entry: Entry<T>, now: Timestamp) -> &Slot<T> {
        self.put(key, entry.slot(None), now)
    }

    /// Applies a feed entry (pinned for the replay window) unless a newer copy is held.
    pub fn from_feed(&mut self, key: &str, entry: Entry<T>, now: Timestamp) {
        self.put(key, entry.slot(Some(now.plus(REPLAY_WINDOW))), now);
    }

    fn put(&mut self, key: &str, mut slot: Slot<T>, now: Timestamp) -> &Slot<T> {
        self.tick += 1;
        slot.used = self.tick;
        let keep_old = self
            .map
            .get(key)
            .is_some_and(|old| old.revision > slot.revision);
        if keep_old {
            if let Some(old) = self.map.get_mut(key) {
                old.used = slot.used;
            }
        } else {
            let new_bytes = slot.bytes + key.len();
            if let Some(old) = self.map.get(key) {
                self.bytes -= old.bytes + key.len();
                // A pin outlives a newer unpinned copy of the same key.
                if slot.pinned_until.is_none() {
                    slot.pinned_until = old.pinned_until;
                }
            }
            self.bytes += new_bytes;
            self.map.insert(key.to_owned(), slot);
            if self.map.len() > self.max_records || self.bytes > self.max_bytes {
                self.evict(now, key);
            }
        }
        // The key was just stored or kept, and eviction spares it.
        &self.map[key]
    }

    /// Drops every unpinned copy (after a gap in the feed: any of them may be stale).
    pub fn drop_unpinned(&mut self, now: Timestamp) {
        let pinned = |s: &Slot<T>| s.pinned_until.is_some_and(|p| p > now);
        self.map.retain(|_, s| pinned(s));
        self.bytes = self.map.iter().map(|(k, s)| k.len() + s.bytes).sum();
    }

    fn evict(&mut self, now: Timestamp, spare: &str) {
        let mut candidates: Vec<(u64, String)> = self
            .map
            .iter()
            .filter(|(k, s)| k.as_str() != spare && s.pinned_until.is_none_or(|p| p <= now))
            .map(|(k, s)| (s.used, k.clone()))
            .collect();
        candidates.sort_unstable();
        let records_goal = self.max_records * 9 / 10;
        let bytes_goal = self.max_bytes * 9 / 10;
        for (_, key) in candidates {
            if self.map.len() <= records_goal && self.bytes <= bytes_goal {
                break;
            }
            if let Some(s) = self.map.remove(&key) {
                self.bytes -= s.bytes + key.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_stale_kv_read_never_replaces_a_feed_entry() {
        let mut c = EdgeCache::default();
        let now = Timestamp(1000);
        c.from_feed("tok:a", Entry::new(5, Some("disabled"), 10), now);
        let believed = c.from_kv("tok:a", Entry::new(4, Some("enabled"), 10), now);
        assert_eq!((believed.revision, believed.value), (5, Some("disabled")));
        let believed = c.from_kv("tok:a", Entry::new(6, Some("later"), 10), now);
        assert_eq!(believed.value, Some("later"));
    }

    #[test]
    fn dropping_after_a_gap_keeps_the_pinned_entries() {
        let mut c = EdgeCache::default();
        let now = Timestamp(1000);
        c.from_kv("tok:kv", Entry::new(1, Some(1), 10), now);
        c.from_feed("tok:feed", Entry::new(1, Some(2), 10), now);
        c.drop_unpinned(now);
        assert!(c.get("tok:kv").is_none());
        assert!(c.get("tok:feed").is_some());
        c.drop_unpinned(now.plus(REPLAY_WINDOW));
        assert!(c.is_empty());
        assert_eq!(c.bytes(), 0);
    }

    proptest! {
        /// Whatever the order of reads and feed entries, the cache holds the highest
        /// revision seen for each key still held, stays within its bounds (pins aside),
        /// and counts its bytes exactly.
        #[test]
        fn newest_wins_and_bounds_hold(ops in proptest::collection::vec((0u8..40, 0u64..6, any::<bool>(), 1usize..50), 1..300)) {
            let mut c = EdgeCache::with_bounds(16, 600);
            let mut best: HashMap<String, u64> = HashMap::new();
            for (i, (k, rev, feed, bytes)) in ops.into_iter().enumerate() {
                let key = format!("k{k}");
                // Pins expire quickly so that the bounds can be checked.
                let now = Timestamp(i as i64 * REPLAY_WINDOW.0);
                if feed { c.from_feed(&key, Entry::new(rev, Some(rev), bytes), now); } else { c.from_kv(&key, Entry::new(rev, Some(rev), bytes), now); }
                let b = best.entry(key.clone()).or_insert(rev);
                *b = (*b).max(rev);
                if let Some(s) = c.get(&key) {
                    prop_assert_eq!(s.revision, *b);
                    prop_assert_eq!(s.value, Some(*b));
                }
                prop_assert!(c.len() <= 16);
                let counted: usize = c.map.iter().map(|(k, s)| k.len() + s.bytes).sum();
                prop_assert_eq!(counted, c.bytes());
                prop_assert!(c.bytes() <= 600 + 50 + 3);
                // Evicted keys forget their best revision (a later read may be older).
                best.retain(|k, _| c.map.contains_key(k));
            }
        }
    }
}

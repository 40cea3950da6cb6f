//! Paging the token list: its one order (newest first, ties by SID), cursors, page sizes,
//! and cutting pages from an in-memory list or from rows a store read in list order.

use super::{DEFAULT_PAGE_SIZE, FilterError, Listed, MAX_PAGE_SIZE, TokenFilter};
use crate::time::Timestamp;

/// Orders tokens newest first (ties broken by SID) — the list's one order.
pub fn sort_newest_first<T: Listed>(tokens: &mut [T]) {
    tokens.sort_by(|a, b| {
        b.created_at()
            .cmp(&a.created_at())
            .then_with(|| a.sid().cmp(b.sid()))
    });
}

/// Where a page starts: just after the token with this creation time and SID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: Timestamp,
    pub sid: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at.0, self.sid)
    }

    pub fn parse(s: &str) -> Result<Cursor, FilterError> {
        let (t, sid) = s.split_once('.').ok_or(FilterError::Cursor)?;
        let created_at = Timestamp(t.parse().map_err(|_| FilterError::Cursor)?);
        if sid.is_empty() || sid.len() > 64 || !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(FilterError::Cursor);
        }
        Ok(Cursor {
            created_at,
            sid: sid.to_owned(),
        })
    }

    fn is_after<T: Listed>(&self, t: &T) -> bool {
        // In newest-first order, `t` comes after the cursor when it is older, or equally
        // old with a greater SID.
        t.created_at() < self.created_at
            || (t.created_at() == self.created_at && t.sid() > self.sid.as_str())
    }
}

/// Which page to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub cursor: Option<Cursor>,
    pub limit: usize,
}

impl PageRequest {
    /// A page size the list takes: 1 to [`MAX_PAGE_SIZE`].
    pub fn checked_limit(limit: usize) -> Result<usize, FilterError> {
        if (1..=MAX_PAGE_SIZE).contains(&limit) {
            Ok(limit)
        } else {
            Err(FilterError::Limit)
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            cursor: None,
            limit: DEFAULT_PAGE_SIZE,
        }
    }
}

/// The tokens that match `filter`, in list order (newest first).
pub fn matching<T: Listed + Clone>(tokens: &[T], filter: &TokenFilter, now: Timestamp) -> Vec<T> {
    let matcher = filter.matcher(now);
    let mut hits: Vec<T> = tokens
        .iter()
        .filter(|t| matcher.matches(*t))
        .cloned()
        .collect();
    sort_newest_first(&mut hits);
    hits
}

/// Cuts a page from `rows`, which a store read in list order with one row more than
/// `limit` when it could: the page, and the cursor of the next page when that extra row came.
pub fn cut_page<T: Listed>(mut rows: Vec<T>, limit: usize) -> (Vec<T>, Option<Cursor>) {
    if rows.len() <= limit || limit == 0 {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(|l| Cursor {
        created_at: l.created_at(),
        sid: l.sid().to_owned(),
    });
    (rows, next)
}

/// Filters, sorts and pages `tokens`; returns the page and the cursor of the next one.
pub fn list<T: Listed + Clone>(
    tokens: &[T],
    filter: &TokenFilter,
    page: &PageRequest,
    now: Timestamp,
) -> (Vec<T>, Option<Cursor>) {
    let (items, next, _) = list_counted(tokens, filter, page, now);
    (items, next)
}

/// [`list`], and how many tokens match in all (the list's count).
pub fn list_counted<T: Listed + Clone>(
    tokens: &[T],
    filter: &TokenFilter,
    page: &PageRequest,
    now: Timestamp,
) -> (Vec<T>, Option<Cursor>, usize) {
    let hits = matching(tokens, filter, now);
    let start = match &page.cursor {
        Some(c) => hits
            .iter()
            .position(|t| c.is_after(t))
            .unwrap_or(hits.len()),
        None => 0,
    };
    let limit = page.limit.clamp(1, MAX_PAGE_SIZE);
    let end = (start + limit).min(hits.len());
    let next = (end < hits.len()).then(|| {
        let last = &hits[end - 1];
        Cursor {
            created_at: last.created_at(),
            sid: last.sid().to_owned(),
        }
    });
    (hits[start..end].to_vec(), next, hits.len())
}

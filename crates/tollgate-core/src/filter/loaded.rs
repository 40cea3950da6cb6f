//! What a client holds of the token list: the pages of the server's filtered list it has
//! loaded, the server's count, and its own changes since — so the rows shown and the count
//! stay true after a change without loading the list again.

use super::{Listed, Matcher, Nfkc};

/// The pages a client loaded of one filter's list, kept current by the answers of the
/// changes it made (a change elsewhere shows on the next load).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedList<T> {
    /// In list order; a row that no longer matches the filter is kept (a change may bring
    /// it back) but not shown.
    rows: Vec<T>,
    /// How many tokens match the filter: the server's count, plus or minus what this
    /// client's changes did to it.
    count: usize,
    next: Option<String>,
}

impl<T: Listed + Clone> LoadedList<T> {
    /// The first page: its rows (all matching), the server's count, the next page's cursor.
    pub fn new(rows: Vec<T>, total: usize, next: Option<String>) -> LoadedList<T> {
        LoadedList {
            rows,
            count: total,
            next,
        }
    }

    /// A further page: its rows after the ones held (a token held already is not listed
    /// twice), and the server's count as of now, which already counts this client's changes.
    pub fn extend(&mut self, rows: Vec<T>, total: usize, next: Option<String>) {
        for r in rows {
            if !self.rows.iter().any(|x| x.sid() == r.sid()) {
                self.rows.push(r);
            }
        }
        self.count = total;
        self.next = next;
    }

    /// A token as a change answered it: in its row, counted if it now matches.
    pub fn changed<N: Nfkc>(&mut self, token: T, m: &Matcher<N>) {
        match self.rows.iter_mut().find(|x| x.sid() == token.sid()) {
            Some(row) => {
                let (before, after) = (m.matches(row), m.matches(&token));
                *row = token;
                self.recount(before, after);
            }
            None => self.added(token, m),
        }
    }

    /// A new token (a duplicate): the newest, so first.
    pub fn added<N: Nfkc>(&mut self, token: T, m: &Matcher<N>) {
        if self.rows.iter().any(|x| x.sid() == token.sid()) {
            return self.changed(token, m);
        }
        let counted = m.matches(&token);
        self.rows.insert(0, token);
        self.recount(false, counted);
    }

    /// A deleted token.
    pub fn removed<N: Nfkc>(&mut self, sid: &str, m: &Matcher<N>) {
        if let Some(at) = self.rows.iter().position(|x| x.sid() == sid) {
            let row = self.rows.remove(at);
            self.recount(m.matches(&row), false);
        }
    }

    fn recount(&mut self, before: bool, after: bool) {
        match (before, after) {
            (false, true) => self.count += 1,
            (true, false) => self.count = self.count.saturating_sub(1),
            _ => {}
        }
    }

    /// The rows to show: those that match the filter, in list order.
    pub fn shown<N: Nfkc>(&self, m: &Matcher<N>) -> Vec<T> {
        self.rows
            .iter()
            .filter(|r| m.matches(*r))
            .cloned()
            .collect()
    }

    /// How many tokens match the filter in all (loaded or not).
    pub fn count(&self) -> usize {
        self.count
    }

    /// The cursor of the next page, if there is one.
    pub fn next_cursor(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// Whether no token is held at all.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{Row, StateFilter, TokenFilter};
    use crate::time::Timestamp;

    fn row(sid: &str, enabled: bool) -> Row {
        Row {
            sid: sid.into(),
            name: sid.into(),
            created_at: Timestamp(0),
            enabled,
        }
    }

    fn sids(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|r| r.sid.as_str()).collect()
    }

    fn enabled_only() -> Matcher {
        TokenFilter {
            state: Some(StateFilter::Enabled),
            ..Default::default()
        }
        .matcher(Timestamp(0))
    }

    #[test]
    fn a_change_that_leaves_the_filter_hides_the_row_and_counts_it_out() {
        let m = enabled_only();
        // 120 enabled tokens, of which the first 2 are loaded.
        let mut l = LoadedList::new(vec![row("a", true), row("b", true)], 120, Some("c1".into()));
        l.changed(row("a", false), &m);
        assert_eq!(sids(&l.shown(&m)), ["b"]);
        assert_eq!(l.count(), 119);
        // Enabled again: back in place, counted again.
        l.changed(row("a", true), &m);
        assert_eq!(sids(&l.shown(&m)), ["a", "b"]);
        assert_eq!(l.count(), 120);
        // A change that keeps it in the filter counts nothing.
        l.changed(row("b", true), &m);
        assert_eq!(l.count(), 120);
    }

    #[test]
    fn duplicates_come_first_and_deletions_go_counted_only_if_they_were() {
        let m = enabled_only();
        let mut l = LoadedList::new(vec![row("a", true)], 1, None);
        l.added(row("n", true), &m);
        assert_eq!(sids(&l.shown(&m)), ["n", "a"]);
        assert_eq!(l.count(), 2);
        l.added(row("x", false), &m);
        assert_eq!(
            l.count(),
            2,
            "a new token outside the filter is not counted"
        );
        l.removed("x", &m);
        assert_eq!(l.count(), 2, "nor is its deletion");
        l.removed("a", &m);
        l.removed("a", &m);
        assert_eq!(l.count(), 1, "a deletion counts once");
        assert_eq!(sids(&l.shown(&m)), ["n"]);
    }

    #[test]
    fn a_further_page_takes_the_servers_count_and_skips_rows_held() {
        let m = enabled_only();
        let mut l = LoadedList::new(vec![row("a", true), row("b", true)], 4, Some("b".into()));
        l.removed("a", &m);
        assert_eq!(l.count(), 3);
        l.extend(vec![row("b", true), row("c", true)], 3, None);
        assert_eq!(sids(&l.shown(&m)), ["b", "c"]);
        assert_eq!(l.count(), 3);
        assert_eq!(l.next_cursor(), None);
        assert!(!l.is_empty());
    }
}

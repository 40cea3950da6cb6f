//! The token list filter, sort order and paging: one implementation for the Worker
//! (`GET /api/tokens`) and the browser (which keeps the pages it loaded current after its
//! own changes: [`LoadedList`]).
//!
//! * **Name search**: a case-insensitive substring match after Unicode NFKC
//!   normalisation, so `ｶﾀｶﾅ` finds `カタカナ`, `ＡＰＩ` finds `api`, and Japanese or
//!   Chinese names match on whole characters.
//! * **Created**: within the last 7 days, within the last 30 days, or more than 30
//!   days ago, measured from `now`.
//! * **State**: enabled or disabled.
//! * **Clear all**: [`TokenFilter::default`], which matches everything.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::{ErrorCode, Refusal};
use crate::time::{Span, Timestamp};

mod loaded;
mod page;
mod query;
mod search;
pub use loaded::LoadedList;
pub use page::{Cursor, PageRequest, cut_page, list, list_counted, matching, sort_newest_first};
pub use search::{Nfkc, UnicodeNfkc, name_contains, search_key, search_key_of_nfkc};

/// Longest search text looked at, in characters.
pub const MAX_QUERY_LEN: usize = 100;
/// Default and largest page sizes.
pub const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 100;

/// What the list shows of a token, whatever its representation.
pub trait Listed {
    fn name(&self) -> &str;
    fn sid(&self) -> &str;
    fn created_at(&self) -> Timestamp;
    fn enabled(&self) -> bool;
}

/// Implements [`Listed`] for a type with the fields `name`, `sid` and `created_at`, given how
/// to tell whether it is enabled.
macro_rules! listed_by_fields {
    ($ty:ty, |$it:ident| $enabled:expr) => {
        impl $crate::filter::Listed for $ty {
            fn name(&self) -> &str {
                &self.name
            }
            fn sid(&self) -> &str {
                self.sid.as_str()
            }
            fn created_at(&self) -> $crate::time::Timestamp {
                self.created_at
            }
            fn enabled(&self) -> bool {
                let $it = self;
                $enabled
            }
        }
    };
}

pub(crate) use listed_by_fields;

/// A row of the list and nothing else: for a host's own rows, tests and benchmarks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub sid: String,
    pub name: String,
    pub created_at: Timestamp,
    pub enabled: bool,
}

listed_by_fields!(Row, |row| row.enabled);

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CreatedWithin {
    #[serde(rename = "7d")]
    Last7Days,
    #[serde(rename = "30d")]
    Last30Days,
    #[serde(rename = "older")]
    OlderThan30Days,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateFilter {
    Enabled,
    Disabled,
}

/// The filters of the token list. The default (Clear all) matches every token.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<CreatedWithin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<StateFilter>,
}

/// Why a list query was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FilterError {
    #[error("created must be 7d, 30d or older")]
    Created,
    #[error("state must be enabled or disabled")]
    State,
    #[error("search text has at most 100 characters")]
    QueryTooLong,
    #[error("limit must be a whole number from 1 to 100")]
    Limit,
    #[error("this cursor is not valid: start again from the first page")]
    Cursor,
    #[error("\"{0}\" is not a known list parameter: use q, created, state, cursor or limit")]
    UnknownParameter(String),
    #[error("the query string is not valid percent-encoded UTF-8")]
    Encoding,
}

impl Refusal for FilterError {
    fn code(&self) -> ErrorCode {
        match self {
            FilterError::Created => ErrorCode::InvalidCreated,
            FilterError::State => ErrorCode::InvalidState,
            FilterError::QueryTooLong => ErrorCode::QueryTooLong,
            FilterError::Limit => ErrorCode::InvalidLimit,
            FilterError::Cursor => ErrorCode::InvalidCursor,
            FilterError::UnknownParameter(_) => ErrorCode::UnknownParameter,
            FilterError::Encoding => ErrorCode::InvalidEncoding,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some(match self {
            FilterError::Created => "created",
            FilterError::State => "state",
            FilterError::QueryTooLong => "q",
            FilterError::Limit => "limit",
            FilterError::Cursor => "cursor",
            FilterError::UnknownParameter(_) | FilterError::Encoding => "query",
        })
    }
}

/// A filter prepared for matching many tokens (the search text normalised once).
/// `N` is the NFKC in use: the core's own tables ([`UnicodeNfkc`]) unless the caller has
/// its platform's (see [`Nfkc`]).
#[derive(Debug, Clone)]
pub struct Matcher<N: Nfkc = UnicodeNfkc> {
    needle: Option<String>,
    created: Option<CreatedWithin>,
    state: Option<StateFilter>,
    now: Timestamp,
    nfkc: std::marker::PhantomData<N>,
}

impl TokenFilter {
    /// Whether nothing is filtered (the state after Clear all).
    pub fn is_clear(&self) -> bool {
        self.q.as_deref().is_none_or(|q| q.trim().is_empty())
            && self.created.is_none()
            && self.state.is_none()
    }

    /// Refuses a filter the list does not take (search text over [`MAX_QUERY_LEN`]).
    pub fn check(&self) -> Result<(), FilterError> {
        match &self.q {
            Some(q) if q.chars().count() > MAX_QUERY_LEN => Err(FilterError::QueryTooLong),
            _ => Ok(()),
        }
    }

    pub fn matcher(&self, now: Timestamp) -> Matcher {
        self.matcher_with(now)
    }

    /// [`TokenFilter::matcher`] with another NFKC (the same rule, the platform's tables).
    pub fn matcher_with<N: Nfkc>(&self, now: Timestamp) -> Matcher<N> {
        let needle = self
            .q
            .as_deref()
            .map(|q| search_key_of_nfkc(&N::nfkc(q.trim())))
            .filter(|q| !q.is_empty());
        Matcher {
            needle,
            created: self.created,
            state: self.state,
            now,
            nfkc: std::marker::PhantomData,
        }
    }
}

/// A filter as plain bounds, for a store that filters itself (the account object's SQL):
/// exactly the tokens that [`Matcher::matches`] accepts are those with
/// `search_key(name)` containing `needle`, `created_from <= created_at < created_before`
/// (each bound only when present) and `enabled` equal to `enabled` (when present).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounds {
    pub needle: Option<String>,
    pub created_from: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
    pub enabled: Option<bool>,
}

impl<N: Nfkc> Matcher<N> {
    /// The same filter as bounds (see [`Bounds`]).
    pub fn bounds(&self) -> Bounds {
        let (created_from, created_before) = match self.created {
            None => (None, None),
            Some(CreatedWithin::Last7Days) => (Some(self.now.minus(Span::days(7))), None),
            Some(CreatedWithin::Last30Days) => (Some(self.now.minus(Span::days(30))), None),
            Some(CreatedWithin::OlderThan30Days) => (None, Some(self.now.minus(Span::days(30)))),
        };
        Bounds {
            needle: self.needle.clone(),
            created_from,
            created_before,
            enabled: self.state.map(|s| s == StateFilter::Enabled),
        }
    }

    pub fn matches<T: Listed + ?Sized>(&self, token: &T) -> bool {
        if let Some(state) = self.state
            && token.enabled() != (state == StateFilter::Enabled)
        {
            return false;
        }
        if let Some(created) = self.created {
            let age = self.now.since(token.created_at());
            let ok = match created {
                CreatedWithin::Last7Days => age <= Span::days(7),
                CreatedWithin::Last30Days => age <= Span::days(30),
                CreatedWithin::OlderThan30Days => age > Span::days(30),
            };
            if !ok {
                return false;
            }
        }
        match &self.needle {
            Some(needle) => search::name_contains_in::<N>(token.name(), needle),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type T = Row;

    const NOW: i64 = 100 * 86_400_000;

    fn t(name: &str, days_ago: i64, enabled: bool) -> T {
        T {
            name: name.into(),
            sid: format!("S{name}{days_ago}").replace(|c: char| !c.is_ascii_alphanumeric(), ""),
            created_at: Timestamp(NOW - days_ago * 86_400_000),
            enabled,
        }
    }

    fn names(v: &[T]) -> Vec<&str> {
        v.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn search_is_case_insensitive_and_width_insensitive() {
        let tokens = [
            t("Reporting API", 1, true),
            t("本番トークン", 2, true),
            t("ｶﾀｶﾅ", 3, true),
            t("数据同步", 4, true),
        ];
        let find = |q: &str| {
            let f = TokenFilter {
                q: Some(q.into()),
                ..TokenFilter::default()
            };
            names(&list(&tokens, &f, &PageRequest::default(), Timestamp(NOW)).0).join(",")
        };
        assert_eq!(find("api"), "Reporting API");
        assert_eq!(find("ＲＥＰＯＲＴ"), "Reporting API");
        assert_eq!(find("トークン"), "本番トークン");
        assert_eq!(find("カタ"), "ｶﾀｶﾅ");
        assert_eq!(find("同步"), "数据同步");
        assert_eq!(find("  "), "Reporting API,本番トークン,ｶﾀｶﾅ,数据同步");
    }

    #[test]
    fn created_and_state_filters() {
        let tokens = [
            t("a", 0, true),
            t("b", 7, false),
            t("c", 8, true),
            t("d", 30, true),
            t("e", 31, false),
        ];
        let run = |f: TokenFilter| {
            names(&list(&tokens, &f, &PageRequest::default(), Timestamp(NOW)).0).join("")
        };
        assert_eq!(
            run(TokenFilter {
                created: Some(CreatedWithin::Last7Days),
                ..Default::default()
            }),
            "ab"
        );
        assert_eq!(
            run(TokenFilter {
                created: Some(CreatedWithin::Last30Days),
                ..Default::default()
            }),
            "abcd"
        );
        assert_eq!(
            run(TokenFilter {
                created: Some(CreatedWithin::OlderThan30Days),
                ..Default::default()
            }),
            "e"
        );
        assert_eq!(
            run(TokenFilter {
                state: Some(StateFilter::Disabled),
                ..Default::default()
            }),
            "be"
        );
        assert_eq!(run(TokenFilter::default()), "abcde");
        assert!(TokenFilter::default().is_clear());
    }

    #[test]
    fn paging_walks_every_match_once() {
        let tokens: Vec<T> = (0..23)
            .map(|i| t(&format!("tok{i}"), i % 5, i % 2 == 0))
            .collect();
        let mut seen = Vec::new();
        let mut page = PageRequest {
            cursor: None,
            limit: 5,
        };
        loop {
            let (items, next) = list(&tokens, &TokenFilter::default(), &page, Timestamp(NOW));
            assert!(items.len() <= 5);
            seen.extend(items.into_iter().map(|t| t.sid));
            match next {
                Some(c) => {
                    page.cursor = Some(Cursor::parse(&c.encode()).expect("own cursor parses"))
                }
                None => break,
            }
        }
        let mut all: Vec<String> = tokens.iter().map(|t| t.sid.clone()).collect();
        all.sort();
        let mut got = seen.clone();
        got.sort();
        assert_eq!(got, all);
    }

    fn naive(tokens: &[T], f: &TokenFilter, now: i64) -> Vec<String> {
        let day = 86_400_000i64;
        let mut out: Vec<&T> = tokens
            .iter()
            .filter(|t| match f.state {
                Some(StateFilter::Enabled) => t.enabled,
                Some(StateFilter::Disabled) => !t.enabled,
                None => true,
            })
            .filter(|t| {
                let age = now.saturating_sub(t.created_at.0);
                match f.created {
                    Some(CreatedWithin::Last7Days) => age <= 7 * day,
                    Some(CreatedWithin::Last30Days) => age <= 30 * day,
                    Some(CreatedWithin::OlderThan30Days) => age > 30 * day,
                    None => true,
                }
            })
            .filter(|t| {
                let q: Vec<char> = search_key(f.q.as_deref().unwrap_or("").trim())
                    .chars()
                    .collect();
                let n: Vec<char> = search_key(&t.name).chars().collect();
                q.is_empty() || n.windows(q.len()).any(|w| w == q.as_slice())
            })
            .collect();
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.sid.cmp(&b.sid)));
        out.into_iter().map(|t| t.sid.clone()).collect()
    }

    fn arb_token() -> impl Strategy<Value = T> {
        (
            "[a-cA-Cあア本ｱ ]{0,6}",
            "[A-Za-z0-9]{1,8}",
            0i64..(60 * 86_400_000),
            any::<bool>(),
        )
            .prop_map(|(name, sid, created, enabled)| T {
                name,
                sid,
                created_at: Timestamp(created),
                enabled,
            })
    }

    pub(super) fn arb_filter() -> impl Strategy<Value = TokenFilter> {
        (
            proptest::option::of("[a-cA-Cあア本ｱ ]{0,3}"),
            proptest::option::of(prop_oneof![
                Just(CreatedWithin::Last7Days),
                Just(CreatedWithin::Last30Days),
                Just(CreatedWithin::OlderThan30Days)
            ]),
            proptest::option::of(prop_oneof![
                Just(StateFilter::Enabled),
                Just(StateFilter::Disabled)
            ]),
        )
            .prop_map(|(q, created, state)| TokenFilter { q, created, state })
    }

    proptest! {
        #[test]
        fn agrees_with_a_naive_reference(tokens in proptest::collection::vec(arb_token(), 0..40), f in arb_filter()) {
            let now = 45 * 86_400_000;
            let page = PageRequest { cursor: None, limit: MAX_PAGE_SIZE };
            let (got, _) = list(&tokens, &f, &page, Timestamp(now));
            let got: Vec<String> = got.into_iter().map(|t| t.sid).collect();
            prop_assert_eq!(got, naive(&tokens, &f, now));
        }

        #[test]
        fn the_fast_search_agrees_with_the_normalised_one(
            name in "([a-zA-Z0-9 _-]|[ＡＰＩａｐｉ]|[éÉ]|e\u{301}|[ﬁ]|[ſK]|[連携接口同步]|İ){0,24}",
            q in "([a-zA-Z0-9 _-]|[ＡＰＩａｐｉ]|[éÉ]|e\u{301}|[ﬁ]|[ſK]|[連携接口同步]|İ){1,6}",
        ) {
            let needle = search_key(&q);
            prop_assume!(!needle.is_empty());
            prop_assert_eq!(name_contains(&name, &needle), search_key(&name).contains(needle.as_str()));
        }

        #[test]
        fn bounds_accept_exactly_what_the_matcher_accepts(tokens in proptest::collection::vec(arb_token(), 0..40), f in arb_filter()) {
            let now = Timestamp(45 * 86_400_000);
            let m = f.matcher(now);
            let b = m.bounds();
            for t in &tokens {
                let by_bounds = b.needle.as_deref().is_none_or(|n| search_key(&t.name).contains(n))
                    && b.created_from.is_none_or(|from| t.created_at() >= from)
                    && b.created_before.is_none_or(|before| t.created_at() < before)
                    && b.enabled.is_none_or(|e| t.enabled == e);
                prop_assert_eq!(by_bounds, m.matches(t));
            }
        }

        #[test]
        fn cutting_store_pages_agrees_with_list(tokens in proptest::collection::vec(arb_token(), 0..40), f in arb_filter(), limit in 1usize..10) {
            let now = Timestamp(45 * 86_400_000);
            let page = PageRequest { cursor: None, limit };
            let (want, want_next, _) = list_counted(&tokens, &f, &page, now);
            let mut rows = matching(&tokens, &f, now);
            rows.truncate(limit + 1);
            let (got, next) = cut_page(rows, limit);
            prop_assert_eq!(got.iter().map(|t| t.sid.clone()).collect::<Vec<_>>(), want.iter().map(|t| t.sid.clone()).collect::<Vec<_>>());
            prop_assert_eq!(next, want_next);
        }
    }
}

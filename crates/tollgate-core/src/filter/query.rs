//! The filter and paging as a URL query string (`GET /api/tokens?q=…&created=7d&state=enabled
//! &limit=50&cursor=…`), read with [`percent::query_pairs`] and written back for the address
//! bar.

use std::str::FromStr;

use super::{CreatedWithin, Cursor, FilterError, PageRequest, StateFilter, TokenFilter};
use crate::percent;

impl CreatedWithin {
    pub fn as_str(self) -> &'static str {
        match self {
            CreatedWithin::Last7Days => "7d",
            CreatedWithin::Last30Days => "30d",
            CreatedWithin::OlderThan30Days => "older",
        }
    }
}

impl FromStr for CreatedWithin {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, FilterError> {
        match s {
            "7d" => Ok(CreatedWithin::Last7Days),
            "30d" => Ok(CreatedWithin::Last30Days),
            "older" => Ok(CreatedWithin::OlderThan30Days),
            _ => Err(FilterError::Created),
        }
    }
}

impl StateFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            StateFilter::Enabled => "enabled",
            StateFilter::Disabled => "disabled",
        }
    }
}

impl FromStr for StateFilter {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, FilterError> {
        match s {
            "enabled" => Ok(StateFilter::Enabled),
            "disabled" => Ok(StateFilter::Disabled),
            _ => Err(FilterError::State),
        }
    }
}

/// An empty value means "no filter" for the optional parameters.
fn optional<T: FromStr>(value: &str) -> Result<Option<T>, T::Err> {
    (!value.is_empty()).then(|| value.parse()).transpose()
}

impl TokenFilter {
    /// Reads `q`, `created` and `state` from a URL query string (without `?`), plus the
    /// paging parameters `cursor` and `limit`.
    pub fn from_query(query: &str) -> Result<(TokenFilter, PageRequest), FilterError> {
        let mut filter = TokenFilter::default();
        let mut page = PageRequest::default();
        let pairs = percent::query_pairs(query).map_err(|_| FilterError::Encoding)?;
        for (key, value) in pairs {
            match key.as_str() {
                "q" => {
                    filter.q = (!value.trim().is_empty()).then_some(value);
                    filter.check()?;
                }
                "created" => filter.created = optional(&value)?,
                "state" => filter.state = optional(&value)?,
                "limit" => {
                    let limit = value.parse().map_err(|_| FilterError::Limit)?;
                    page.limit = PageRequest::checked_limit(limit)?;
                }
                "cursor" => {
                    page.cursor = (!value.is_empty())
                        .then(|| Cursor::parse(&value))
                        .transpose()?
                }
                _ => {
                    return Err(FilterError::UnknownParameter(
                        key.chars().take(32).collect(),
                    ));
                }
            }
        }
        Ok((filter, page))
    }

    /// Writes the filter as a URL query string (without `?`).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(q) = self.q.as_deref().filter(|q| !q.trim().is_empty()) {
            parts.push(format!("q={}", percent::encode(q)));
        }
        if let Some(c) = self.created {
            parts.push(format!("created={}", c.as_str()));
        }
        if let Some(s) = self.state {
            parts.push(format!("state={}", s.as_str()));
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::arb_filter;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn query_strings_round_trip_and_reject_garbage() {
        let f = TokenFilter {
            q: Some("本番 token".into()),
            created: Some(CreatedWithin::Last30Days),
            state: Some(StateFilter::Enabled),
        };
        let q = f.to_query();
        let (back, page) = TokenFilter::from_query(&q).expect("parses");
        assert_eq!(back, f);
        assert_eq!(page, PageRequest::default());
        assert_eq!(
            TokenFilter::from_query("created=1y").unwrap_err(),
            FilterError::Created
        );
        assert_eq!(
            TokenFilter::from_query("state=on").unwrap_err(),
            FilterError::State
        );
        assert_eq!(
            TokenFilter::from_query("limit=1000000000").unwrap_err(),
            FilterError::Limit
        );
        assert_eq!(
            TokenFilter::from_query("limit=0").unwrap_err(),
            FilterError::Limit
        );
        assert_eq!(
            TokenFilter::from_query("cursor=zzz").unwrap_err(),
            FilterError::Cursor
        );
        assert_eq!(
            TokenFilter::from_query("q=%E3%81").unwrap_err(),
            FilterError::Encoding
        );
        assert_eq!(
            TokenFilter::from_query("q=%").unwrap_err(),
            FilterError::Encoding
        );
        assert!(matches!(
            TokenFilter::from_query("admin=1"),
            Err(FilterError::UnknownParameter(_))
        ));
        assert_eq!(
            TokenFilter::from_query("").expect("empty").0,
            TokenFilter::default()
        );
    }

    proptest! {
        #[test]
        fn from_query_never_panics(s in "\\PC{0,120}") {
            let _ = TokenFilter::from_query(&s);
        }

        #[test]
        fn query_round_trip(f in arb_filter()) {
            let (back, _) = TokenFilter::from_query(&f.to_query()).expect("own query parses");
            let clean = TokenFilter { q: f.q.clone().filter(|q| !q.trim().is_empty()), ..f.clone() };
            prop_assert_eq!(back, clean);
        }
    }
}

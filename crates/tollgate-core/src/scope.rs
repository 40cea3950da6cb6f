//! The scope catalog and the route map.
//!
//! Scopes are grouped in categories (actions, reports, campaigns, ...). Each scope grants
//! a set of routes, an HTTP method plus a path pattern under `/v1/` in which `{name}`
//! stands for one non-empty path segment. Which scopes exist depends on the account type
//! (partner, brand, agency) and on the API version: later versions only ever add scopes,
//! so upgrading a token never takes access away.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::AccountType;
use crate::version::ApiVersion;

/// The HTTP methods the route map knows. `HEAD` is treated as `GET`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Parses an HTTP method name (case-sensitive, as HTTP methods are).
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "GET" | "HEAD" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a scope reads or changes data.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
}

/// One route: a method and a path pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Route {
    pub method: Method,
    pub pattern: &'static str,
}

/// One scope of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct ScopeDef {
    /// `category.access`, for example `actions.read`.
    pub id: &'static str,
    pub access: Access,
    /// Account types that can grant this scope.
    pub types: &'static [AccountType],
    /// First API version that has this scope.
    pub since: ApiVersion,
    pub routes: &'static [Route],
}

impl ScopeDef {
    pub fn available(&self, account_type: AccountType, version: ApiVersion) -> bool {
        self.types.contains(&account_type) && self.since <= version
    }
}

/// One category of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct CategoryDef {
    pub key: &'static str,
    /// English name; the admin app translates by `key`.
    pub name: &'static str,
    pub description: &'static str,
    pub scopes: &'static [ScopeDef],
}

mod catalog;

pub use catalog::CATALOG;

/// A category as seen by one account type at one version.
#[derive(Debug, Clone)]
pub struct CategoryView {
    pub def: &'static CategoryDef,
    pub scopes: Vec<&'static ScopeDef>,
}

/// The categories and scopes an account type can grant at a version, in catalog order.
pub fn catalog(account_type: AccountType, version: ApiVersion) -> Vec<CategoryView> {
    CATALOG
        .iter()
        .filter_map(|def| {
            let scopes: Vec<&'static ScopeDef> = def
                .scopes
                .iter()
                .filter(|s| s.available(account_type, version))
                .collect();
            (!scopes.is_empty()).then_some(CategoryView { def, scopes })
        })
        .collect()
}

fn available_scopes(
    account_type: AccountType,
    version: ApiVersion,
) -> impl Iterator<Item = &'static ScopeDef> {
    CATALOG
        .iter()
        .flat_map(|c| c.scopes.iter())
        .filter(move |s| s.available(account_type, version))
}

/// Looks a scope up by id, if the account type can grant it at that version.
pub fn find_scope(
    account_type: AccountType,
    version: ApiVersion,
    id: &str,
) -> Option<&'static ScopeDef> {
    available_scopes(account_type, version).find(|s| s.id == id)
}

/// Every scope id the account type can grant at that version.
pub fn all_scope_ids(account_type: AccountType, version: ApiVersion) -> BTreeSet<String> {
    available_scopes(account_type, version)
        .map(|s| s.id.to_owned())
        .collect()
}

/// Why a path is not in the route map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RouteError {
    #[error("no API route matches this method and path")]
    NotFound,
}

/// Matches a path against a pattern; returns the number of literal segments on success.
fn match_pattern(pattern: &str, path: &str) -> Option<usize> {
    let mut literals = 0;
    let mut pattern_segments = pattern.split('/');
    let mut path_segments = path.split('/');
    loop {
        match (pattern_segments.next(), path_segments.next()) {
            (None, None) => return Some(literals),
            (Some(p), Some(s)) => {
                if p.starts_with('{') && p.ends_with('}') {
                    if s.is_empty() || s == "." || s == ".." {
                        return None;
                    }
                } else if p == s {
                    literals += 1;
                } else {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// The scope that `method path` requires for a token of this account type and version.
/// `path` excludes the query string. The most specific pattern wins (most literal
/// segments); the catalog has no two routes of equal specificity for one path.
pub fn required_scope(
    account_type: AccountType,
    version: ApiVersion,
    method: Method,
    path: &str,
) -> Result<&'static ScopeDef, RouteError> {
    let mut best: Option<(usize, &'static ScopeDef)> = None;
    for scope in available_scopes(account_type, version) {
        for route in scope.routes.iter().filter(|r| r.method == method) {
            if let Some(score) = match_pattern(route.pattern, path)
                && best.is_none_or(|(b, _)| score > b)
            {
                best = Some((score, scope));
            }
        }
    }
    best.map(|(_, s)| s).ok_or(RouteError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountType::{Agency as A, Brand as B, Partner as P};
    use Method::{Get, Put};
    use std::collections::HashSet;

    const TYPES: [AccountType; 3] = [P, B, A];

    #[test]
    fn catalog_is_realistic() {
        assert!(CATALOG.len() >= 12);
        for t in TYPES {
            let cats = catalog(t, ApiVersion::latest());
            assert!(cats.len() >= 10, "{t:?} has {} categories", cats.len());
            assert!(cats.iter().all(|c| !c.scopes.is_empty()));
        }
    }

    #[test]
    fn scope_ids_are_unique_and_named_after_their_category() {
        let mut seen = HashSet::new();
        for c in CATALOG {
            for s in c.scopes {
                assert!(seen.insert(s.id), "duplicate {}", s.id);
                let suffix = match s.access {
                    Access::Read => "read",
                    Access::Write => "write",
                };
                assert_eq!(s.id, format!("{}.{suffix}", c.key));
                assert!(!s.routes.is_empty(), "{} grants nothing", s.id);
            }
        }
    }

    #[test]
    fn no_route_is_granted_twice_for_one_account_type() {
        for t in TYPES {
            let mut seen = HashSet::new();
            for s in available_scopes(t, ApiVersion::latest()) {
                for route in s.routes {
                    assert!(route.pattern.starts_with("/v1/"));
                    assert_ne!(route.pattern, "/v1/verify");
                    assert!(
                        seen.insert((route.method, route.pattern)),
                        "{route:?} twice"
                    );
                }
            }
        }
    }

    #[test]
    fn later_versions_only_add_scopes() {
        for t in TYPES {
            let versions: Vec<ApiVersion> = ApiVersion::all().collect();
            for pair in versions.windows(2) {
                let old = all_scope_ids(t, pair[0]);
                let new = all_scope_ids(t, pair[1]);
                assert!(old.is_subset(&new), "{t:?} {:?} -> {:?}", pair[0], pair[1]);
            }
        }
    }

    #[test]
    fn routes_resolve_to_their_scopes() {
        let v = ApiVersion::latest();
        assert_eq!(
            required_scope(P, v, Get, "/v1/actions").map(|s| s.id),
            Ok("actions.read")
        );
        assert_eq!(
            required_scope(B, v, Put, "/v1/actions/42").map(|s| s.id),
            Ok("actions.write")
        );
        assert_eq!(
            required_scope(B, v, Put, "/v1/catalogs/7/items/9").map(|s| s.id),
            Ok("catalogs.write")
        );
        assert_eq!(
            required_scope(A, v, Get, "/v1/reports/1/runs/2").map(|s| s.id),
            Ok("reports.read")
        );
        // Partners cannot change actions at all: the route does not exist for them.
        assert_eq!(
            required_scope(P, v, Put, "/v1/actions/42").err(),
            Some(RouteError::NotFound)
        );
        // Webhooks arrived in 2026-04-01.
        assert!(required_scope(P, ApiVersion::V2025_04_01, Get, "/v1/webhooks").is_err());
        assert!(required_scope(P, v, Get, "/v1/webhooks").is_ok());
    }

    #[test]
    fn odd_paths_match_nothing() {
        let v = ApiVersion::latest();
        for path in [
            "",
            "/",
            "/v1",
            "/v1/",
            "/v1/actions/",
            "/v1//actions",
            "/v1/actions/1/2",
            "/v1/actions/..",
            "/v2/actions",
            "/V1/actions",
            "/v1/verify",
        ] {
            assert!(required_scope(P, v, Get, path).is_err(), "{path:?}");
        }
    }

    #[test]
    fn method_names_parse() {
        assert_eq!(Method::parse("HEAD"), Some(Get));
        assert_eq!(Method::parse("get"), None);
        assert_eq!(Method::parse("OPTIONS"), None);
    }
}

//! The query strings the admin API reads besides the token list's (`filter::TokenFilter`):
//! the audit log's, the catalog's, the notifications' and a token's usage. Each is read from
//! decoded pairs ([`crate::percent::query_pairs`]) and refused with the parameter at fault.

use crate::credential::AccountSid;
use crate::error_code::{ErrorCode, Failure};
use crate::filter::MAX_PAGE_SIZE;
use crate::percent::query_pairs;
use crate::version::ApiVersion;

/// The decoded pairs of a raw query string (`invalid_encoding` when it is not).
fn pairs(query: &str) -> Result<Vec<(String, String)>, Failure> {
    query_pairs(query).map_err(|_| {
        Failure::new(
            ErrorCode::InvalidEncoding,
            "the query string is not valid percent-encoded UTF-8",
        )
        .at("query")
    })
}

/// `GET /api/audit?token=&cursor=&limit=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only the entries about this token.
    pub token: Option<AccountSid>,
    /// Entries before this sequence number (the previous page's cursor).
    pub before: Option<i64>,
    pub limit: usize,
}

/// How many audit entries a page holds unless the query says.
pub const AUDIT_PAGE: usize = 50;

impl AuditQuery {
    pub fn parse(query: &str) -> Result<AuditQuery, Failure> {
        let mut q = AuditQuery {
            token: None,
            before: None,
            limit: AUDIT_PAGE,
        };
        for (k, v) in pairs(query)? {
            match k.as_str() {
                "token" => {
                    let sid = AccountSid::parse(&v).map_err(|e| {
                        Failure::new(ErrorCode::InvalidValue, e.to_string()).at("token")
                    })?;
                    q.token = Some(sid);
                }
                "cursor" => q.before = Some(cursor(&v).filter(|n| *n > 0).ok_or_else(bad_cursor)?),
                "limit" => {
                    q.limit = v
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                        .ok_or_else(|| {
                            Failure::new(
                                ErrorCode::InvalidLimit,
                                "limit must be a whole number from 1 to 100",
                            )
                            .at("limit")
                        })?;
                }
                _ => {
                    return Err(Failure::new(
                        ErrorCode::UnknownParameter,
                        "use token, cursor or limit",
                    )
                    .at("query"));
                }
            }
        }
        Ok(q)
    }
}

fn cursor(v: &str) -> Option<i64> {
    v.parse::<i64>().ok()
}

fn bad_cursor() -> Failure {
    Failure::new(ErrorCode::InvalidCursor, "this cursor is not valid").at("cursor")
}

/// `GET /api/catalog?version=YYYY-MM-DD` (the latest when absent).
pub fn catalog_version(query: &str) -> Result<ApiVersion, Failure> {
    let mut version = ApiVersion::latest();
    for (k, v) in pairs(query)? {
        match k.as_str() {
            "version" => {
                version = ApiVersion::parse(&v).map_err(|e| Failure::from(e).at("version"))?
            }
            _ => {
                return Err(
                    Failure::new(ErrorCode::UnknownParameter, "use ?version=YYYY-MM-DD")
                        .at("query"),
                );
            }
        }
    }
    Ok(version)
}

/// `GET /api/notifications?cursor=`: the sequence number to list before.
pub fn notifications_cursor(query: &str) -> Result<Option<i64>, Failure> {
    let mut before = None;
    for (k, v) in pairs(query)? {
        match k.as_str() {
            "cursor" => {
                before = Some(cursor(&v).ok_or_else(|| {
                    Failure::new(
                        ErrorCode::InvalidValue,
                        "the cursor is not one this list gave",
                    )
                    .at("cursor")
                })?);
            }
            _ => {
                return Err(Failure::new(
                    ErrorCode::InvalidValue,
                    "only cursor is accepted",
                ));
            }
        }
    }
    Ok(before)
}

/// `GET /api/tokens/{sid}/usage?days=N`: 1 to 90 days, 30 when absent.
pub fn usage_days(query: &str) -> Result<u32, Failure> {
    let mut days = None;
    for (k, v) in pairs(query)? {
        match k.as_str() {
            "days" => days = Some(v),
            _ => {
                return Err(Failure::new(
                    ErrorCode::InvalidValue,
                    "the usage query takes only days=N",
                )
                .at("query"));
            }
        }
    }
    crate::usage::check_days(days.as_deref())
        .map_err(|m| Failure::new(ErrorCode::InvalidValue, m).at("days"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code<T: std::fmt::Debug>(r: Result<T, Failure>) -> (ErrorCode, Option<String>) {
        let f = r.expect_err("refused");
        (f.code, f.field)
    }

    #[test]
    fn each_query_reads_its_parameters() {
        let q = AuditQuery::parse("cursor=12&limit=5").expect("reads");
        assert_eq!((q.before, q.limit, q.token), (Some(12), 5, None));
        assert_eq!(AuditQuery::parse("").expect("empty").limit, AUDIT_PAGE);
        assert_eq!(
            catalog_version("version=2025-04-01"),
            Ok(ApiVersion::V2025_04_01)
        );
        assert_eq!(catalog_version(""), Ok(ApiVersion::latest()));
        assert_eq!(notifications_cursor("cursor=7"), Ok(Some(7)));
        assert_eq!(usage_days(""), Ok(30));
        assert_eq!(usage_days("days=7"), Ok(7));
    }

    /// What is read, its result, the code it must be refused with, the field it must name.
    type Case = (
        &'static str,
        Result<(), Failure>,
        ErrorCode,
        Option<&'static str>,
    );

    #[test]
    fn bad_parameters_name_themselves() {
        let table: [Case; 9] = [
            (
                "audit token",
                AuditQuery::parse("token=x").map(drop),
                ErrorCode::InvalidValue,
                Some("token"),
            ),
            (
                "audit cursor",
                AuditQuery::parse("cursor=0").map(drop),
                ErrorCode::InvalidCursor,
                Some("cursor"),
            ),
            (
                "audit limit",
                AuditQuery::parse("limit=101").map(drop),
                ErrorCode::InvalidLimit,
                Some("limit"),
            ),
            (
                "audit other",
                AuditQuery::parse("q=1").map(drop),
                ErrorCode::UnknownParameter,
                Some("query"),
            ),
            (
                "catalog",
                catalog_version("version=1999-01-01").map(drop),
                ErrorCode::UnknownVersion,
                Some("version"),
            ),
            (
                "catalog other",
                catalog_version("v=1").map(drop),
                ErrorCode::UnknownParameter,
                Some("query"),
            ),
            (
                "notifications",
                notifications_cursor("cursor=x").map(drop),
                ErrorCode::InvalidValue,
                Some("cursor"),
            ),
            (
                "usage",
                usage_days("days=91").map(drop),
                ErrorCode::InvalidValue,
                Some("days"),
            ),
            (
                "encoding",
                usage_days("days=%").map(drop),
                ErrorCode::InvalidEncoding,
                Some("query"),
            ),
        ];
        for (what, got, want, field) in table {
            assert_eq!(code(got), (want, field.map(str::to_owned)), "{what}");
        }
    }
}

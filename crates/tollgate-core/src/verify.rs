//! The edge's decision: may this request through?
//!
//! Verification runs in two steps so that garbage costs no store read:
//!
//! 1. [`screen`] parses the `Authorization` header and checks the SID's shape and the
//!    auth token's checksum. Failing requests are denied without touching storage.
//! 2. [`decide`] takes the screened credentials, the stored record for the SID (or
//!    `None`), whether the account's API access is on, `now`, and the request's method
//!    and path, and allows with the caller's identity or denies.
//!
//! An unknown SID, a wrong token, a disabled token, a disabled account and an expired
//! grace period all produce [`Denial::Unauthenticated`]: one outward answer, so a caller
//! learns nothing about which SIDs exist. The finer [`Why`] is for metrics only.

use serde::{Deserialize, Serialize};

use crate::account::AccountType;
use crate::authorization::{BasicAuthError, parse_basic};
use crate::credential::{AccountSid, AuthToken, CredentialError, Digest};
use crate::replica::EdgeToken;
use crate::scope::{Method, required_scope};
use crate::time::Timestamp;
use crate::version::ApiVersion;

/// Failed verifications allowed per Account SID within [`FAILURE_WINDOW`]; past that,
/// failures answer 429 (the right token keeps working). `wrangler.toml`'s rate-limiting
/// binding states the same numbers.
pub const MAX_FAILED_VERIFICATIONS: u32 = 20;
pub const FAILURE_WINDOW: crate::time::Span = crate::time::Span::MINUTE;

/// Credentials that passed the offline checks.
#[derive(Debug, Clone)]
pub struct Screened {
    pub sid: AccountSid,
    pub token: AuthToken,
    /// The token's SHA-256, computed once.
    pub digest: Digest,
}

/// Why credentials failed the offline checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    Missing,
    Header(BasicAuthError),
    Credential(CredentialError),
}

/// Parses and checks credentials without any store lookup.
pub fn screen(authorization: Option<&str>) -> Result<Screened, Malformed> {
    let header = authorization.ok_or(Malformed::Missing)?;
    let basic = parse_basic(header).map_err(Malformed::Header)?;
    let sid = AccountSid::parse(&basic.username).map_err(Malformed::Credential)?;
    let token = AuthToken::parse(&basic.password).map_err(Malformed::Credential)?;
    let digest = token.digest();
    Ok(Screened { sid, token, digest })
}

/// Who is calling, once allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub account: String,
    pub sid: AccountSid,
    pub api_version: ApiVersion,
    pub scopes: Vec<String>,
}

/// The finer reason behind an unauthenticated answer; never shown to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Malformed,
    UnknownSid,
    WrongToken,
    TokenDisabled,
    AccountDisabled,
    /// Past the token's `expires_at`: answered like an unknown token.
    Expired,
}

/// A refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// 401, always with the same body.
    Unauthenticated(Why),
    /// 403 `ip_not_allowed`: the token is valid, the client's address is not on its list.
    IpNotAllowed { identity: Identity },
    /// 403: the token is valid but lacks the scope the route requires.
    LacksScope {
        identity: Identity,
        required: &'static str,
    },
    /// 404: no route of the token's API version matches the method and path.
    NoSuchRoute { identity: Identity },
}

/// What the request is for.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// `/v1/verify`: only the credentials are checked.
    CredentialsOnly,
    /// A gateway route: the token needs the scope the route map requires.
    Route { method: Method, path: &'a str },
}

/// Decides on screened credentials and what the store holds for their SID.
/// Whether the presented token is the record's (current, or previous within its grace).
/// The edge reads the account only after this holds, so an existing SID with a wrong token
/// costs exactly what an unknown SID costs.
pub fn secret_matches(screened: &Screened, record: &EdgeToken, now: Timestamp) -> bool {
    record.sid == screened.sid && record.secret.accepts(&screened.digest, now)
}

pub fn decide(
    screened: &Screened,
    record: Option<&EdgeToken>,
    account: Option<(AccountType, bool)>,
    now: Timestamp,
    target: Target<'_>,
    client: Option<&str>,
) -> Result<Identity, Denial> {
    let Some(record) = record else {
        // The digest was computed by `screen`, so an unknown SID costs what a known one does.
        return Err(Denial::Unauthenticated(Why::UnknownSid));
    };
    if !secret_matches(screened, record, now) {
        return Err(Denial::Unauthenticated(Why::WrongToken));
    }
    if !record.enabled {
        return Err(Denial::Unauthenticated(Why::TokenDisabled));
    }
    if crate::policy::expired(record.expires_at, now) {
        return Err(Denial::Unauthenticated(Why::Expired));
    }
    let account_type = match account {
        Some((account_type, true)) => account_type,
        _ => return Err(Denial::Unauthenticated(Why::AccountDisabled)),
    };
    let identity = Identity {
        account: record.account_id.clone(),
        sid: record.sid.clone(),
        api_version: record.api_version,
        scopes: record.scopes.iter().cloned().collect(),
    };
    // After the credentials, before anything about the route is said.
    if !crate::policy::ranges_allow(&record.allowed_ips, client) {
        return Err(Denial::IpNotAllowed { identity });
    }
    match target {
        Target::CredentialsOnly => Ok(identity),
        Target::Route { method, path } => {
            match required_scope(account_type, record.api_version, method, path) {
                Err(_) => Err(Denial::NoSuchRoute { identity }),
                Ok(scope) if record.scopes.contains(scope.id) => Ok(identity),
                Ok(scope) => Err(Denial::LacksScope {
                    identity,
                    required: scope.id,
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorization::encode_basic;
    use crate::time::Span;
    use crate::token::tests::{ctx, issued, users};
    use crate::token::{GracePeriod, disable, reset};

    const P: Option<(AccountType, bool)> = Some((AccountType::Partner, true));

    fn edge(r: &crate::token::TokenRecord) -> EdgeToken {
        EdgeToken::from(r)
    }

    pub(super) fn header(i: &crate::token::Issued) -> String {
        encode_basic(i.record.sid.as_str(), i.auth_token.expose())
    }

    /// The credentials alone, for a partner account that is active, from no known address.
    pub(super) fn check(
        s: &Screened,
        record: Option<&EdgeToken>,
        now: Timestamp,
    ) -> Result<Identity, Denial> {
        decide(s, record, P, now, Target::CredentialsOnly, None)
    }

    #[test]
    fn allows_the_right_token_and_names_the_caller() {
        let i = issued(1);
        let s = screen(Some(&header(&i))).expect("well formed");
        let id = check(&s, Some(&edge(&i.record)), Timestamp(5)).expect("allowed");
        assert_eq!(id.sid, i.record.sid);
        assert_eq!(id.account, "acc_1");
        assert_eq!(
            id.scopes,
            vec!["actions.read".to_owned(), "reports.read".to_owned()]
        );
    }

    #[test]
    fn every_failure_looks_the_same_from_outside() {
        let i = issued(1);
        let other = issued(2);
        let u = users();
        let s = screen(Some(&header(&i))).expect("well formed");
        let disabled = disable(&i.record, &ctx(&u), Timestamp(1)).expect("disables");
        let cases = [
            check(&s, None, Timestamp(5)),
            check(&s, Some(&edge(&other.record)), Timestamp(5)),
            check(&s, Some(&edge(&disabled)), Timestamp(5)),
            decide(
                &s,
                Some(&edge(&i.record)),
                Some((AccountType::Partner, false)),
                Timestamp(5),
                Target::CredentialsOnly,
                None,
            ),
            decide(
                &s,
                Some(&edge(&i.record)),
                None,
                Timestamp(5),
                Target::CredentialsOnly,
                None,
            ),
        ];
        for c in cases {
            assert!(matches!(c, Err(Denial::Unauthenticated(_))), "{c:?}");
        }
    }

    #[test]
    fn a_real_token_with_another_sid_is_refused() {
        let a = issued(1);
        let b = issued(2);
        let mixed = encode_basic(b.record.sid.as_str(), a.auth_token.expose());
        let s = screen(Some(&mixed)).expect("well formed");
        assert_eq!(
            check(&s, Some(&edge(&b.record)), Timestamp(5)),
            Err(Denial::Unauthenticated(Why::WrongToken))
        );
    }

    #[test]
    fn grace_expiry_denies_the_old_token() {
        let i = issued(1);
        let u = users();
        let now = Timestamp(10_000);
        let r = reset(
            &i.record,
            &ctx(&u),
            &[77; 32],
            GracePeriod::FifteenMinutes,
            now,
        )
        .expect("resets");
        let old = screen(Some(&header(&i))).expect("well formed");
        assert!(check(&old, Some(&edge(&r.record)), now.plus(Span::minutes(14))).is_ok());
        assert!(check(&old, Some(&edge(&r.record)), now.plus(Span::minutes(15))).is_err());
    }

    #[test]
    fn routes_need_their_scope() {
        let i = issued(1);
        let s = screen(Some(&header(&i))).expect("well formed");
        let go = |m, p| {
            decide(
                &s,
                Some(&edge(&i.record)),
                P,
                Timestamp(5),
                Target::Route { method: m, path: p },
                None,
            )
        };
        assert!(go(Method::Get, "/v1/reports/9").is_ok());
        assert!(matches!(
            go(Method::Get, "/v1/campaigns"),
            Err(Denial::LacksScope {
                required: "campaigns.read",
                ..
            })
        ));
        assert!(matches!(
            go(Method::Get, "/v1/nothing"),
            Err(Denial::NoSuchRoute { .. })
        ));
    }

    #[test]
    fn screen_rejects_malformed_credentials_offline() {
        let i = issued(1);
        let mut bad = i.auth_token.expose().to_owned();
        let last = bad.pop().unwrap_or('0');
        bad.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(screen(None).unwrap_err(), Malformed::Missing);
        assert!(matches!(
            screen(Some(&encode_basic(i.record.sid.as_str(), &bad))),
            Err(Malformed::Credential(CredentialError::TokenChecksum))
        ));
        assert!(matches!(
            screen(Some("Bearer x")),
            Err(Malformed::Header(BasicAuthError::Scheme))
        ));
        // A Unicode look-alike of the SID prefix (Cyrillic S) is not a SID.
        let lookalike = i.record.sid.as_str().replacen('S', "Ѕ", 1);
        assert!(matches!(
            screen(Some(&encode_basic(&lookalike, i.auth_token.expose()))),
            Err(Malformed::Credential(_))
        ));
    }
}

#[cfg(test)]
mod policy_tests {
    use super::tests::{check, header};
    use super::*;
    use crate::authorization::encode_basic;
    use crate::token::tests::issued;

    const P: Option<(AccountType, bool)> = Some((AccountType::Partner, true));

    #[test]
    fn an_expired_token_is_refused_like_an_unknown_one() {
        let i = issued(1);
        let s = screen(Some(&header(&i))).expect("well formed");
        let mut e = EdgeToken::from(&i.record);
        e.expires_at = Some(Timestamp(100));
        assert!(check(&s, Some(&e), Timestamp(99)).is_ok());
        assert_eq!(
            check(&s, Some(&e), Timestamp(100)),
            Err(Denial::Unauthenticated(Why::Expired))
        );
    }

    #[test]
    fn the_client_address_is_checked_after_the_credentials() {
        let i = issued(1);
        let s = screen(Some(&header(&i))).expect("well formed");
        let mut e = EdgeToken::from(&i.record);
        e.allowed_ips = vec![crate::policy::IpRange::parse_or_nothing("203.0.113.0/24")];
        let at = |ip| decide(&s, Some(&e), P, Timestamp(5), Target::CredentialsOnly, ip);
        assert!(at(Some("203.0.113.9")).is_ok());
        assert!(matches!(
            at(Some("198.51.100.1")),
            Err(Denial::IpNotAllowed { .. })
        ));
        assert!(matches!(at(None), Err(Denial::IpNotAllowed { .. })));
        // A wrong token from outside the list is still just unauthenticated.
        let other = issued(2);
        let wrong = screen(Some(&encode_basic(
            i.record.sid.as_str(),
            other.auth_token.expose(),
        )))
        .expect("formed");
        assert!(matches!(
            decide(
                &wrong,
                Some(&e),
                P,
                Timestamp(5),
                Target::CredentialsOnly,
                Some("198.51.100.1")
            ),
            Err(Denial::Unauthenticated(_))
        ));
    }
}

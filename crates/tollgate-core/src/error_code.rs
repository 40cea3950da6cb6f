//! The one error contract of the HTTP API: every failure the admin API or the edge can
//! answer is an [`ErrorCode`] (with its one HTTP status), a message a person can act on, the
//! field at fault and the values the message names. Domain errors ([`Refusal`]s such as
//! `TokenError`) turn into a [`Failure`] with one conversion; the Workers turn a `Failure`
//! into a response with one conversion; clients match on the typed code.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::wire_name::named_enum;

/// Declares the codes once, each with its HTTP status: the enum, [`ErrorCode::ALL`],
/// [`ErrorCode::as_str`] (the name in snake case) and [`ErrorCode::status`] are made from the
/// one table below.
macro_rules! error_codes {
    ($(#[$meta:meta])* $($code:ident = $status:literal,)*) => {
        named_enum! {
            $(#[$meta])*
            #[cfg_attr(
                feature = "typescript",
                derive(ts_rs::TS),
                ts(rename_all = "snake_case")
            )]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum ErrorCode {
                $($code,)*
            }
        }

        impl ErrorCode {
            /// The HTTP status that goes with the code.
            #[inline]
            pub fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$code => $status,)*
                }
            }
        }
    };
}

error_codes! {
    /// An error code of the HTTP API. Serialized as its snake-case name (`"stale_revision"`),
    /// through [`ErrorCode::as_str`] and its `FromStr` (one table of names, which the admin app
    /// also reads its translations by).
    // who is asking
    Unauthenticated = 401,
    InvalidCredentials = 401,
    Forbidden = 403,
    Csrf = 403,
    SelfChange = 403,
    CurrentPasswordWrong = 403,
    ReauthenticationRequired = 403,
    InsufficientScope = 403,
    IpNotAllowed = 403,
    InvalidSignature = 401,
    // what is asked for
    NotFound = 404,
    NoSuchRoute = 404,
    MethodNotAllowed = 405,
    RateLimited = 429,
    Unavailable = 503,
    KeyListUnavailable = 503,
    // the request's shape
    BodyTooLarge = 413,
    ReportTooLarge = 413,
    UnreadableBody = 400,
    BodyRequired = 400,
    UnsupportedMediaType = 415,
    UnknownField = 400,
    MissingField = 400,
    InvalidJson = 400,
    InvalidValue = 400,
    UnknownParameter = 400,
    UnknownVersion = 400,
    InvalidLimit = 400,
    InvalidCursor = 400,
    InvalidCreated = 400,
    InvalidState = 400,
    QueryTooLong = 400,
    InvalidEncoding = 400,
    InvalidPrecondition = 400,
    InvalidIdempotencyKey = 400,
    InvalidPath = 400,
    InvalidReport = 400,
    // the state of the record
    StaleRevision = 412,
    ShowOnce = 409,
    NotRevealable = 409,
    AlreadyAtVersion = 409,
    AlreadyDisabled = 409,
    AlreadyEnabled = 409,
    TokenLeaked = 409,
    EmailTaken = 409,
    LastAdmin = 409,
    // the values sent
    IdempotencyKeyReused = 422,
    CurrentPasswordRequired = 422,
    NameEmpty = 422,
    NameTooLong = 422,
    NameControlCharacter = 422,
    DescriptionTooLong = 422,
    DescriptionControlCharacter = 422,
    UnknownContact = 422,
    EmailInvalid = 422,
    EmailRepeated = 422,
    TooManyEmails = 422,
    NoScopes = 422,
    UnknownScope = 422,
    Downgrade = 422,
    LeakedGrace = 422,
    PasswordTooShort = 422,
    PasswordTooLong = 422,
    ExpiryInPast = 422,
    ExpiryBeyondLimit = 422,
    ExpiryRequired = 422,
    IpInvalid = 422,
    IpRepeated = 422,
    TooManyIps = 422,
    RateLimitRequests = 422,
    RateLimitPeriod = 422,
    LifetimeLimit = 422,
    TooManyMatches = 422,
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ErrorCode, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        name.parse()
            .map_err(|()| serde::de::Error::custom(format!("unknown error code {name}")))
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = ();

    fn from_str(s: &str) -> Result<ErrorCode, ()> {
        ErrorCode::from_name(s).ok_or(())
    }
}

/// A domain error that the API answers: its code, the field at fault and the values its
/// message (`Display`) names, by the names a translation uses.
pub trait Refusal: fmt::Display {
    fn code(&self) -> ErrorCode;
    fn field(&self) -> Option<&'static str> {
        None
    }
    fn params(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

/// An error answer, decided: the code (and so the status), a message a person can act on,
/// the field at fault, the values the message names, and what some codes carry besides
/// (`Retry-After` with `rate_limited`, the current record with `stale_revision`).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    pub params: BTreeMap<String, String>,
    /// Seconds until trying again can succeed (`Retry-After`).
    pub retry_after: Option<i64>,
    /// With `stale_revision`: the record as it is now (its API view, as JSON).
    pub current: Option<String>,
}

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            field: None,
            params: BTreeMap::new(),
            retry_after: None,
            current: None,
        }
    }

    /// The same failure, about `field`.
    pub fn at(mut self, field: &str) -> Failure {
        self.field = Some(field.to_owned());
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    pub fn unauthenticated() -> Failure {
        Failure::new(ErrorCode::Unauthenticated, "sign in to continue")
    }

    pub fn forbidden(message: &str) -> Failure {
        Failure::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found() -> Failure {
        Failure::new(
            ErrorCode::NotFound,
            "there is nothing here, or it belongs to another account",
        )
    }

    pub fn method_not_allowed() -> Failure {
        Failure::new(
            ErrorCode::MethodNotAllowed,
            "this method is not allowed here",
        )
    }

    pub fn unavailable() -> Failure {
        Failure::new(
            ErrorCode::Unavailable,
            "the service is briefly unavailable: try again",
        )
    }

    /// 429: too many attempts; try again in `seconds` (at least 1).
    pub fn rate_limited(seconds: i64) -> Failure {
        Failure {
            retry_after: Some(seconds.max(1)),
            ..Failure::new(
                ErrorCode::RateLimited,
                "too many attempts: wait before trying again",
            )
        }
    }
}

impl<E: Refusal> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure {
            field: e.field().map(str::to_owned),
            params: e
                .params()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            ..Failure::new(e.code(), e.to_string())
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_with_error_statuses() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c}"
            );
            assert!((400..600).contains(&c.status()), "{c}");
            let json = serde_json::to_string(&c).expect("serializes");
            assert_eq!(json, format!("\"{c}\""), "serde and as_str agree");
            assert_eq!(c.as_str().parse::<ErrorCode>(), Ok(c));
        }
        assert!("no_such_code".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn a_refusal_becomes_a_failure_with_its_code_field_and_values() {
        #[derive(Debug)]
        struct TooLong;
        impl fmt::Display for TooLong {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("at most 3")
            }
        }
        impl Refusal for TooLong {
            fn code(&self) -> ErrorCode {
                ErrorCode::NameTooLong
            }
            fn field(&self) -> Option<&'static str> {
                Some("name")
            }
            fn params(&self) -> Vec<(&'static str, String)> {
                vec![("max", "3".into())]
            }
        }
        let f = Failure::from(TooLong);
        assert_eq!((f.code, f.status()), (ErrorCode::NameTooLong, 422));
        assert_eq!(f.field.as_deref(), Some("name"));
        assert_eq!(f.params.get("max").map(String::as_str), Some("3"));
        assert_eq!(f.message, "at most 3");
        assert_eq!(Failure::rate_limited(0).retry_after, Some(1));
    }
}

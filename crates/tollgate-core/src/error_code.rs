//! The one error contract of the HTTP API: every failure the admin API or the edge can
//! answer is an [`ErrorCode`] (with its one HTTP status), a message a person can act on, the
//! field at fault and the values the message names. Domain errors ([`Refusal`]s such as
//! `TokenError`) turn into a [`Failure`] with one conversion; the Workers turn a `Failure`
//! into a response with one conversion; clients match on the typed code.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// An error code of the HTTP API. Serialized as its snake-case name (`"stale_revision"`),
/// through [`ErrorCode::as_str`] and its `FromStr` (one table of names, which the admin app
/// also reads its translations by).
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "snake_case")
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // ------------------------------------------------ who is asking
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    Csrf,
    SelfChange,
    CurrentPasswordWrong,
    ReauthenticationRequired,
    InsufficientScope,
    IpNotAllowed,
    InvalidSignature,
    // ------------------------------------------------ what is asked for
    NotFound,
    NoSuchRoute,
    MethodNotAllowed,
    RateLimited,
    Unavailable,
    KeyListUnavailable,
    // ------------------------------------------------ the request's shape
    BodyTooLarge,
    ReportTooLarge,
    UnreadableBody,
    BodyRequired,
    UnsupportedMediaType,
    UnknownField,
    MissingField,
    InvalidJson,
    InvalidValue,
    UnknownParameter,
    UnknownVersion,
    InvalidLimit,
    InvalidCursor,
    InvalidCreated,
    InvalidState,
    QueryTooLong,
    InvalidEncoding,
    InvalidPrecondition,
    InvalidIdempotencyKey,
    InvalidPath,
    InvalidReport,
    // ------------------------------------------------ the state of the record
    StaleRevision,
    ShowOnce,
    NotRevealable,
    AlreadyAtVersion,
    AlreadyDisabled,
    AlreadyEnabled,
    TokenLeaked,
    EmailTaken,
    LastAdmin,
    // ------------------------------------------------ the values sent
    IdempotencyKeyReused,
    CurrentPasswordRequired,
    NameEmpty,
    NameTooLong,
    NameControlCharacter,
    DescriptionTooLong,
    DescriptionControlCharacter,
    UnknownContact,
    EmailInvalid,
    EmailRepeated,
    TooManyEmails,
    NoScopes,
    UnknownScope,
    Downgrade,
    LeakedGrace,
    PasswordTooShort,
    PasswordTooLong,
    ExpiryInPast,
    ExpiryBeyondLimit,
    ExpiryRequired,
    IpInvalid,
    IpRepeated,
    TooManyIps,
    RateLimitRequests,
    RateLimitPeriod,
    LifetimeLimit,
    TooManyMatches,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 73] = {
        use ErrorCode::*;
        [
            Unauthenticated,
            InvalidCredentials,
            Forbidden,
            Csrf,
            SelfChange,
            CurrentPasswordWrong,
            ReauthenticationRequired,
            InsufficientScope,
            IpNotAllowed,
            InvalidSignature,
            NotFound,
            NoSuchRoute,
            MethodNotAllowed,
            RateLimited,
            Unavailable,
            KeyListUnavailable,
            BodyTooLarge,
            ReportTooLarge,
            UnreadableBody,
            BodyRequired,
            UnsupportedMediaType,
            UnknownField,
            MissingField,
            InvalidJson,
            InvalidValue,
            UnknownParameter,
            UnknownVersion,
            InvalidLimit,
            InvalidCursor,
            InvalidCreated,
            InvalidState,
            QueryTooLong,
            InvalidEncoding,
            InvalidPrecondition,
            InvalidIdempotencyKey,
            InvalidPath,
            InvalidReport,
            StaleRevision,
            ShowOnce,
            NotRevealable,
            AlreadyAtVersion,
            AlreadyDisabled,
            AlreadyEnabled,
            TokenLeaked,
            EmailTaken,
            LastAdmin,
            IdempotencyKeyReused,
            CurrentPasswordRequired,
            NameEmpty,
            NameTooLong,
            NameControlCharacter,
            DescriptionTooLong,
            DescriptionControlCharacter,
            UnknownContact,
            EmailInvalid,
            EmailRepeated,
            TooManyEmails,
            NoScopes,
            UnknownScope,
            Downgrade,
            LeakedGrace,
            PasswordTooShort,
            PasswordTooLong,
            ExpiryInPast,
            ExpiryBeyondLimit,
            ExpiryRequired,
            IpInvalid,
            IpRepeated,
            TooManyIps,
            RateLimitRequests,
            RateLimitPeriod,
            LifetimeLimit,
            TooManyMatches,
        ]
    };

    /// The code as it appears in `{"error": {"code": …}}`.
    #[inline]
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            Unauthenticated => "unauthenticated",
            InvalidCredentials => "invalid_credentials",
            Forbidden => "forbidden",
            Csrf => "csrf",
            SelfChange => "self_change",
            CurrentPasswordWrong => "current_password_wrong",
            ReauthenticationRequired => "reauthentication_required",
            InsufficientScope => "insufficient_scope",
            IpNotAllowed => "ip_not_allowed",
            InvalidSignature => "invalid_signature",
            NotFound => "not_found",
            NoSuchRoute => "no_such_route",
            MethodNotAllowed => "method_not_allowed",
            RateLimited => "rate_limited",
            Unavailable => "unavailable",
            KeyListUnavailable => "key_list_unavailable",
            BodyTooLarge => "body_too_large",
            ReportTooLarge => "report_too_large",
            UnreadableBody => "unreadable_body",
            BodyRequired => "body_required",
            UnsupportedMediaType => "unsupported_media_type",
            UnknownField => "unknown_field",
            MissingField => "missing_field",
            InvalidJson => "invalid_json",
            InvalidValue => "invalid_value",
            UnknownParameter => "unknown_parameter",
            UnknownVersion => "unknown_version",
            InvalidLimit => "invalid_limit",
            InvalidCursor => "invalid_cursor",
            InvalidCreated => "invalid_created",
            InvalidState => "invalid_state",
            QueryTooLong => "query_too_long",
            InvalidEncoding => "invalid_encoding",
            InvalidPrecondition => "invalid_precondition",
            InvalidIdempotencyKey => "invalid_idempotency_key",
            InvalidPath => "invalid_path",
            InvalidReport => "invalid_report",
            StaleRevision => "stale_revision",
            ShowOnce => "show_once",
            NotRevealable => "not_revealable",
            AlreadyAtVersion => "already_at_version",
            AlreadyDisabled => "already_disabled",
            AlreadyEnabled => "already_enabled",
            TokenLeaked => "token_leaked",
            EmailTaken => "email_taken",
            LastAdmin => "last_admin",
            IdempotencyKeyReused => "idempotency_key_reused",
            CurrentPasswordRequired => "current_password_required",
            NameEmpty => "name_empty",
            NameTooLong => "name_too_long",
            NameControlCharacter => "name_control_character",
            DescriptionTooLong => "description_too_long",
            DescriptionControlCharacter => "description_control_character",
            UnknownContact => "unknown_contact",
            EmailInvalid => "email_invalid",
            EmailRepeated => "email_repeated",
            TooManyEmails => "too_many_emails",
            NoScopes => "no_scopes",
            UnknownScope => "unknown_scope",
            Downgrade => "downgrade",
            LeakedGrace => "leaked_grace",
            PasswordTooShort => "password_too_short",
            PasswordTooLong => "password_too_long",
            ExpiryInPast => "expiry_in_past",
            ExpiryBeyondLimit => "expiry_beyond_limit",
            ExpiryRequired => "expiry_required",
            IpInvalid => "ip_invalid",
            IpRepeated => "ip_repeated",
            TooManyIps => "too_many_ips",
            RateLimitRequests => "rate_limit_requests",
            RateLimitPeriod => "rate_limit_period",
            LifetimeLimit => "lifetime_limit",
            TooManyMatches => "too_many_matches",
        }
    }

    /// The HTTP status that goes with the code.
    #[inline]
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            Unauthenticated | InvalidCredentials | InvalidSignature => 401,
            Forbidden
            | Csrf
            | SelfChange
            | CurrentPasswordWrong
            | ReauthenticationRequired
            | InsufficientScope
            | IpNotAllowed => 403,
            NotFound | NoSuchRoute => 404,
            MethodNotAllowed => 405,
            ShowOnce | NotRevealable | AlreadyAtVersion | AlreadyDisabled | AlreadyEnabled
            | TokenLeaked | EmailTaken | LastAdmin => 409,
            StaleRevision => 412,
            BodyTooLarge | ReportTooLarge => 413,
            UnsupportedMediaType => 415,
            RateLimited => 429,
            Unavailable | KeyListUnavailable => 503,
            UnreadableBody
            | BodyRequired
            | UnknownField
            | MissingField
            | InvalidJson
            | InvalidValue
            | UnknownParameter
            | UnknownVersion
            | InvalidLimit
            | InvalidCursor
            | InvalidCreated
            | InvalidState
            | QueryTooLong
            | InvalidEncoding
            | InvalidPrecondition
            | InvalidIdempotencyKey
            | InvalidPath
            | InvalidReport => 400,
            IdempotencyKeyReused
            | CurrentPasswordRequired
            | NameEmpty
            | NameTooLong
            | NameControlCharacter
            | DescriptionTooLong
            | DescriptionControlCharacter
            | UnknownContact
            | EmailInvalid
            | EmailRepeated
            | TooManyEmails
            | NoScopes
            | UnknownScope
            | Downgrade
            | LeakedGrace
            | PasswordTooShort
            | PasswordTooLong
            | ExpiryInPast
            | ExpiryBeyondLimit
            | ExpiryRequired
            | IpInvalid
            | IpRepeated
            | TooManyIps
            | RateLimitRequests
            | RateLimitPeriod
            | LifetimeLimit
            | TooManyMatches => 422,
        }
    }
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
        ErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or(())
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

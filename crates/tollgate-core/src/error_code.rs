//! Every error code the admin API and the edge answer that is not a field-validation code
//! of a domain error (those live with their error types: [`crate::token::TokenError`],
//! [`crate::account::AccountError`], [`crate::filter::FilterError`]). Each code has one
//! HTTP status, so the Worker never pairs them by hand.

/// An error code of the HTTP API, with its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    Csrf,
    NotFound,
    MethodNotAllowed,
    RateLimited,
    Unavailable,
    BodyTooLarge,
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
    ShowOnce,
    NotRevealable,
    InsufficientScope,
    NoSuchRoute,
    StaleRevision,
    InvalidPrecondition,
    InvalidIdempotencyKey,
    IdempotencyKeyReused,
    CurrentPasswordRequired,
    CurrentPasswordWrong,
    InvalidPath,
    IpNotAllowed,
    /// Revealing a stored secret needs the password again (the sudo window ended).
    ReauthenticationRequired,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 33] = [
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::Forbidden,
        ErrorCode::Csrf,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::BodyTooLarge,
        ErrorCode::UnreadableBody,
        ErrorCode::BodyRequired,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::UnknownField,
        ErrorCode::MissingField,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidValue,
        ErrorCode::UnknownParameter,
        ErrorCode::UnknownVersion,
        ErrorCode::InvalidLimit,
        ErrorCode::InvalidCursor,
        ErrorCode::ShowOnce,
        ErrorCode::NotRevealable,
        ErrorCode::InsufficientScope,
        ErrorCode::NoSuchRoute,
        ErrorCode::StaleRevision,
        ErrorCode::InvalidPrecondition,
        ErrorCode::InvalidIdempotencyKey,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::CurrentPasswordRequired,
        ErrorCode::CurrentPasswordWrong,
        ErrorCode::InvalidPath,
        ErrorCode::IpNotAllowed,
        ErrorCode::ReauthenticationRequired,
    ];

    /// The code as it appears in `{"error": {"code": …}}`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Csrf => "csrf",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::UnreadableBody => "unreadable_body",
            ErrorCode::BodyRequired => "body_required",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::MissingField => "missing_field",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidValue => "invalid_value",
            ErrorCode::UnknownParameter => "unknown_parameter",
            ErrorCode::UnknownVersion => "unknown_version",
            ErrorCode::InvalidLimit => "invalid_limit",
            ErrorCode::InvalidCursor => "invalid_cursor",
            ErrorCode::ShowOnce => "show_once",
            ErrorCode::NotRevealable => "not_revealable",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::IpNotAllowed => "ip_not_allowed",
            ErrorCode::NoSuchRoute => "no_such_route",
            ErrorCode::StaleRevision => "stale_revision",
            ErrorCode::InvalidPrecondition => "invalid_precondition",
            ErrorCode::InvalidIdempotencyKey => "invalid_idempotency_key",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::CurrentPasswordRequired => "current_password_required",
            ErrorCode::CurrentPasswordWrong => "current_password_wrong",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::ReauthenticationRequired => "reauthentication_required",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => 401,
            ErrorCode::Forbidden
            | ErrorCode::Csrf
            | ErrorCode::InsufficientScope
            | ErrorCode::IpNotAllowed
            | ErrorCode::CurrentPasswordWrong
            | ErrorCode::ReauthenticationRequired => 403,
            ErrorCode::NotFound | ErrorCode::NoSuchRoute => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::ShowOnce | ErrorCode::NotRevealable => 409,
            ErrorCode::StaleRevision => 412,
            ErrorCode::BodyTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::IdempotencyKeyReused | ErrorCode::CurrentPasswordRequired => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::UnreadableBody
            | ErrorCode::BodyRequired
            | ErrorCode::UnknownField
            | ErrorCode::MissingField
            | ErrorCode::InvalidJson
            | ErrorCode::InvalidValue
            | ErrorCode::UnknownParameter
            | ErrorCode::UnknownVersion
            | ErrorCode::InvalidLimit
            | ErrorCode::InvalidCursor
            | ErrorCode::InvalidPrecondition
            | ErrorCode::InvalidIdempotencyKey
            | ErrorCode::InvalidPath => 400,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
        }
    }
}

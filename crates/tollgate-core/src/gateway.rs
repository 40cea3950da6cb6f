//! What the `/v1/` gateway hands the origin: only a path whose scope was checked, and only
//! headers the client may set. Rules for the edge's forwarding (RFC 9110 §7.6.1 hop-by-hop
//! headers, spoofable identity and forwarding headers).

use thiserror::Error;

/// The request headers the gateway forwards: end-to-end headers of content negotiation,
/// conditional and range requests, caching, idempotency and tracing. Everything else stays
/// behind — credentials, cookies, hop-by-hop headers (RFC 9110 §7.6.1; a hop's `Connection`
/// header is consumed by the platform before the Worker sees it, so a header it names can
/// only be kept out by not being on this list), forwarding headers (the gateway sets its own
/// from `CF-Connecting-IP`), and any spelling of the identity headers the gateway sets.
pub const FORWARDED: [&str; 27] = [
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "content-digest",
    "content-encoding",
    "content-language",
    "content-type",
    "date",
    "digest",
    "idempotency-key",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "pragma",
    "prefer",
    "range",
    "repr-digest",
    "traceparent",
    "tracestate",
    "user-agent",
    "want-content-digest",
    "x-correlation-id",
    "x-request-id",
];

/// The prefix of the identity headers the gateway sets.
pub const IDENTITY_PREFIX: &str = "x-tollgate-";

/// Whether the gateway forwards a client's request header `name` to the origin.
/// `connection` is the request's `Connection` header, where the runtime still shows it
/// (the headers it names are hop-by-hop).
pub fn forwards(name: &str, connection: Option<&str>) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    let named =
        connection.is_some_and(|c| c.split(',').any(|t| t.trim().eq_ignore_ascii_case(&lower)));
    FORWARDED.contains(&lower.as_str()) && !named
}

/// Why a gateway path is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PathError {
    #[error(
        "a path segment may not encode '/', '\\\\', '.' or '..': send the path as the API defines it"
    )]
    EncodedSeparator,
    #[error("the path is not valid percent-encoding")]
    Encoding,
}

impl crate::error_code::Refusal for PathError {
    fn code(&self) -> crate::error_code::ErrorCode {
        crate::error_code::ErrorCode::InvalidPath
    }

    fn field(&self) -> Option<&'static str> {
        Some("path")
    }
}

/// Refuses a path the origin could read differently from the path whose scope was checked:
/// a segment that decodes to `/` or `\` inside it, or to `.` or `..`.
pub fn check_path(path: &str) -> Result<(), PathError> {
    for segment in path.split('/') {
        if !segment.contains('%') {
            if segment == "." || segment == ".." || segment.contains('\\') {
                return Err(PathError::EncodedSeparator);
            }
            continue;
        }
        let decoded = percent_decode(segment).ok_or(PathError::Encoding)?;
        // Twice, for origins that decode twice (`%252F`).
        let twice = if decoded.contains('%') {
            percent_decode(&decoded)
        } else {
            None
        };
        if separates(&decoded) || twice.as_deref().is_some_and(separates) {
            return Err(PathError::EncodedSeparator);
        }
    }
    Ok(())
}

/// Whether a decoded segment would change the path an origin sees.
fn separates(decoded: &str) -> bool {
    decoded.contains(['/', '\\']) || decoded == "." || decoded == ".."
}

/// A segment decoded (bytes that are not UTF-8 become U+FFFD), or `None` when an escape
/// is broken.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = crate::percent::decode_bytes(s.as_bytes(), false).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_what_a_client_must_not_set() {
        for h in [
            "Authorization",
            "Cookie",
            "Connection",
            "Keep-Alive",
            "TE",
            "Trailer",
            "Transfer-Encoding",
            "Upgrade",
            "Proxy-Authorization",
            "X-Forwarded-For",
            "x-forwarded-host",
            "Forwarded",
            "X-Real-IP",
            "X-Tollgate-Sid",
            "x_tollgate_sid",
            "X_Tollgate-Account",
            "CF-Connecting-IP",
        ] {
            assert!(!forwards(h, None), "{h}");
        }
        assert!(!forwards("X-Secret-Hop", Some("keep-alive, X-Secret-Hop")));
        assert!(!forwards("X-Secret-Hop", None));
        assert!(!forwards("Accept", Some("Accept")));
        for h in [
            "Accept",
            "Content-Type",
            "User-Agent",
            "X-Request-Id",
            "Idempotency-Key",
            "If-None-Match",
        ] {
            assert!(forwards(h, Some("keep-alive")), "{h}");
        }
    }

    #[test]
    fn refuses_encoded_separators_and_dot_segments() {
        for p in [
            "/v1/reports/42",
            "/v1/reports",
            "/v1/a%20b",
            "/v1/reports/%41",
        ] {
            assert_eq!(check_path(p), Ok(()), "{p}");
        }
        for p in [
            "/v1/reports%2F..%2Fadmin",
            "/v1/reports/%2e%2e/admin",
            "/v1/reports/%2E",
            "/v1/a%5Cb",
            "/v1/a%2fb",
            "/v1/a/./b",
            "/v1/a/../b",
            "/v1/a\\b",
            "/v1/%252F",
        ] {
            assert!(check_path(p).is_err(), "{p}");
        }
        assert_eq!(check_path("/v1/%zz"), Err(PathError::Encoding));
    }
}

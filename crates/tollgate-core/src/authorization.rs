//! `Authorization: Basic` header values (RFC 7617, RFC 9110 §11).
//!
//! Accepted: the scheme `Basic` in any letter case, one or more spaces (SP only), then a
//! strict standard-alphabet base64 token68 with canonical padding and nothing after it.
//! The decoded bytes must be UTF-8 without control characters; they are split at the
//! first colon, so a password may itself contain `:`. Neither part may be empty, and the
//! whole header value may be at most [`MAX_HEADER_LEN`] bytes. The parser never panics.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use thiserror::Error;

/// Longest header value looked at; anything longer is rejected unread.
pub const MAX_HEADER_LEN: usize = 1024;

/// Why a header value is not acceptable Basic credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum BasicAuthError {
    #[error("the Authorization header is empty")]
    Empty,
    #[error("the Authorization header is longer than 1024 bytes")]
    TooLong,
    #[error("the Authorization scheme must be Basic")]
    Scheme,
    #[error("Basic must be followed by one or more spaces and the base64 credentials")]
    Separator,
    #[error("the Basic credentials are not valid standard base64")]
    Base64,
    #[error("the decoded Basic credentials are not valid UTF-8")]
    Utf8,
    #[error("the decoded Basic credentials contain a control character")]
    ControlCharacter,
    #[error("the decoded Basic credentials have no ':' between username and password")]
    NoColon,
    #[error("the username (Account SID) is empty")]
    EmptyUsername,
    #[error("the password (Auth Token) is empty")]
    EmptyPassword,
}

impl BasicAuthError {
    pub fn code(self) -> &'static str {
        match self {
            BasicAuthError::Empty => "authorization_empty",
            BasicAuthError::TooLong => "authorization_too_long",
            BasicAuthError::Scheme => "authorization_scheme",
            BasicAuthError::Separator => "authorization_separator",
            BasicAuthError::Base64 => "authorization_base64",
            BasicAuthError::Utf8 => "authorization_utf8",
            BasicAuthError::ControlCharacter => "authorization_control_character",
            BasicAuthError::NoColon => "authorization_no_colon",
            BasicAuthError::EmptyUsername => "authorization_empty_username",
            BasicAuthError::EmptyPassword => "authorization_empty_password",
        }
    }
}

/// A username and password taken from a Basic header. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Parses an `Authorization` header value.
pub fn parse_basic(header: &str) -> Result<BasicCredentials, BasicAuthError> {
    if header.is_empty() {
        return Err(BasicAuthError::Empty);
    }
    if header.len() > MAX_HEADER_LEN {
        return Err(BasicAuthError::TooLong);
    }
    let scheme_end = header
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(header.len());
    let (scheme, rest) = header.split_at(scheme_end);
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(BasicAuthError::Scheme);
    }
    let token68 = rest.trim_start_matches(' ');
    if token68.len() == rest.len() || token68.is_empty() {
        return Err(BasicAuthError::Separator);
    }
    // `STANDARD` is strict: standard alphabet, canonical padding, no stray bits, no spaces.
    let decoded = STANDARD
        .decode(token68)
        .map_err(|_| BasicAuthError::Base64)?;
    let text = String::from_utf8(decoded).map_err(|_| BasicAuthError::Utf8)?;
    if text.chars().any(char::is_control) {
        return Err(BasicAuthError::ControlCharacter);
    }
    let (username, password) = text.split_once(':').ok_or(BasicAuthError::NoColon)?;
    if username.is_empty() {
        return Err(BasicAuthError::EmptyUsername);
    }
    if password.is_empty() {
        return Err(BasicAuthError::EmptyPassword);
    }
    Ok(BasicCredentials {
        username: username.to_owned(),
        password: password.to_owned(),
    })
}

/// Builds the header value `Basic base64(username:password)`.
pub fn encode_basic(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{username}:{password}"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc7617_example() {
        let c = parse_basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==").expect("valid");
        assert_eq!(c.username, "Aladdin");
        assert_eq!(c.password, "open sesame");
    }

    #[test]
    fn scheme_is_case_insensitive_and_spaces_may_repeat() {
        let v = STANDARD.encode("u:p");
        for h in [
            format!("basic {v}"),
            format!("BASIC   {v}"),
            format!("bAsIc {v}"),
        ] {
            assert!(parse_basic(&h).is_ok(), "{h}");
        }
    }

    #[test]
    fn password_may_contain_colons() {
        let c = parse_basic(&encode_basic("TGSIDx", "a:b:c")).expect("valid");
        assert_eq!(c.username, "TGSIDx");
        assert_eq!(c.password, "a:b:c");
    }

    #[test]
    fn malformed_headers_say_why() {
        let ok = STANDARD.encode("u:p");
        let cases: Vec<(String, BasicAuthError)> = vec![
            (String::new(), BasicAuthError::Empty),
            ("Basic".into(), BasicAuthError::Separator),
            ("Basic ".into(), BasicAuthError::Separator),
            (format!("Basic\t{ok}"), BasicAuthError::Separator),
            (format!("Bearer {ok}"), BasicAuthError::Scheme),
            (format!("Basic Basic {ok}"), BasicAuthError::Base64),
            (format!("Basic{ok}"), BasicAuthError::Scheme),
            ("Basic dTpwcQ".into(), BasicAuthError::Base64),
            ("Basic dTpwcQ=".into(), BasicAuthError::Base64),
            (
                format!("Basic {}", STANDARD.encode("u:~~~").replace('+', "-")),
                BasicAuthError::Base64,
            ),
            (format!("Basic {ok} "), BasicAuthError::Base64),
            (
                format!("Basic {}", STANDARD.encode("nocolon")),
                BasicAuthError::NoColon,
            ),
            (
                format!("Basic {}", STANDARD.encode(":p")),
                BasicAuthError::EmptyUsername,
            ),
            (
                format!("Basic {}", STANDARD.encode("u:")),
                BasicAuthError::EmptyPassword,
            ),
            (
                format!("Basic {}", STANDARD.encode("u:p\0")),
                BasicAuthError::ControlCharacter,
            ),
            (
                format!("Basic {}", STANDARD.encode("u:p\r\n")),
                BasicAuthError::ControlCharacter,
            ),
            (
                format!("Basic {}", STANDARD.encode([b'u', b':', 0xff])),
                BasicAuthError::Utf8,
            ),
            (
                format!("Basic {}", "A".repeat(2000)),
                BasicAuthError::TooLong,
            ),
        ];
        for (header, want) in cases {
            assert_eq!(parse_basic(&header), Err(want), "{header:?}");
        }
    }

    #[test]
    fn base64url_alphabet_is_refused() {
        // 0xfb 0xff encodes to "+/8=" in standard and "-_8=" in URL-safe base64.
        let url = format!(
            "Basic {}",
            base64::engine::general_purpose::URL_SAFE.encode([b'u', b':', 0xfb, 0xff])
        );
        assert!(url.contains('-') || url.contains('_'));
        assert_eq!(parse_basic(&url), Err(BasicAuthError::Base64));
    }

    #[test]
    fn debug_hides_the_password() {
        let c = BasicCredentials {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    proptest! {
        #[test]
        fn parse_inverts_encode(u in "[^:\\p{Cc}]{1,40}", p in "[^\\p{Cc}]{1,60}") {
            let header = encode_basic(&u, &p);
            prop_assume!(header.len() <= MAX_HEADER_LEN);
            let c = parse_basic(&header).expect("round trip");
            prop_assert_eq!(c.username, u);
            prop_assert_eq!(c.password, p);
        }

        #[test]
        fn never_panics_on_text(s in "\\PC{0,200}") {
            let _ = parse_basic(&s);
        }

        #[test]
        fn never_panics_on_basic_prefixed_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let header = format!("Basic {}", String::from_utf8_lossy(&bytes));
            let _ = parse_basic(&header);
            let _ = parse_basic(&format!("Basic {}", STANDARD.encode(&bytes)));
        }
    }
}

//! Request bodies: JSON only, at most [`MAX_BODY`] bytes, and every parse error answered with
//! a code, a message and the field it names. The Worker reads the bytes; these rules decide.

use serde::de::DeserializeOwned;

use crate::error_code::{ErrorCode, Failure};

/// The largest body the admin API reads.
pub const MAX_BODY: usize = 64 * 1024;

/// 413 for a body past [`MAX_BODY`].
pub fn too_large() -> Failure {
    Failure::new(
        ErrorCode::BodyTooLarge,
        "the request body is larger than 64 KiB",
    )
}

/// 400 for a body that could not be read.
pub fn unreadable() -> Failure {
    Failure::new(ErrorCode::UnreadableBody, "the body could not be read")
}

/// Parses a JSON body of type `T`, sent with `content_type`; an empty body reads as `{}`
/// when `empty_ok` (actions whose fields are all optional).
pub fn parse<T: DeserializeOwned>(
    content_type: Option<&str>,
    bytes: &[u8],
    empty_ok: bool,
) -> Result<T, Failure> {
    if bytes.is_empty() && empty_ok {
        return serde_json::from_str("{}")
            .map_err(|_| Failure::new(ErrorCode::BodyRequired, "send a JSON body"));
    }
    let media = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media != "application/json" {
        return Err(Failure::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as application/json",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| json_error(&e))
}

/// Actions without parameters accept no body or `{}`, and nothing else.
pub fn empty(content_type: Option<&str>, bytes: &[u8]) -> Result<(), Failure> {
    let m: serde_json::Map<String, serde_json::Value> = parse(content_type, bytes, true)?;
    match m.keys().next() {
        Some(k) => Err(Failure::new(
            ErrorCode::UnknownField,
            format!("unknown field `{k}`: this action takes no fields"),
        )
        .at(k)),
        None => Ok(()),
    }
}

/// What was wrong with a JSON body: an unknown or missing field (named), broken JSON, or a
/// value of the wrong kind.
fn json_error(e: &serde_json::Error) -> Failure {
    let msg = e.to_string();
    let field = msg.split('`').nth(1).filter(|f| f.len() <= 40);
    let code = if msg.starts_with("unknown field") {
        ErrorCode::UnknownField
    } else if msg.starts_with("missing field") {
        ErrorCode::MissingField
    } else if e.is_syntax() || e.is_eof() {
        ErrorCode::InvalidJson
    } else {
        ErrorCode::InvalidValue
    };
    let message: String = msg
        .split(" at line ")
        .next()
        .unwrap_or(&msg)
        .chars()
        .take(300)
        .collect();
    let message = if code == ErrorCode::UnknownField {
        format!("{message}; server-owned and unknown fields are not accepted")
    } else {
        message
    };
    let f = Failure::new(code, message);
    // Only these messages name a field between backticks (others quote a value there).
    match field {
        Some(name) if matches!(code, ErrorCode::UnknownField | ErrorCode::MissingField) => {
            f.at(name)
        }
        _ => f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ResetRequest;

    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    /// Content type, body, the code refused with, the field named.
    type Case<'a> = (Option<&'a str>, &'a [u8], ErrorCode, Option<&'a str>);

    #[test]
    fn bodies_are_json_with_named_faults() {
        let r: ResetRequest = parse(JSON, b"", true).expect("empty is {}");
        assert_eq!(r, ResetRequest::default());
        let table: [Case<'_>; 5] = [
            (
                Some("text/plain"),
                b"{}",
                ErrorCode::UnsupportedMediaType,
                None,
            ),
            (JSON, b"{", ErrorCode::InvalidJson, None),
            (JSON, br#"{"grace":"2h"}"#, ErrorCode::InvalidValue, None),
            (
                JSON,
                br#"{"sid":"x"}"#,
                ErrorCode::UnknownField,
                Some("sid"),
            ),
            (None, b"{}", ErrorCode::UnsupportedMediaType, None),
        ];
        for (ct, body, code, field) in table {
            let f = parse::<ResetRequest>(ct, body, false).expect_err("refused");
            assert_eq!((f.code, f.field.as_deref()), (code, field), "{body:?}");
        }
        let missing = parse::<crate::api::LoginRequest>(JSON, br#"{"email":"a"}"#, false)
            .expect_err("refused");
        assert_eq!(
            (missing.code, missing.field.as_deref()),
            (ErrorCode::MissingField, Some("password"))
        );
        assert_eq!(empty(JSON, b"{}"), Ok(()));
        assert_eq!(
            empty(JSON, br#"{"x":1}"#).map_err(|f| f.code),
            Err(ErrorCode::UnknownField)
        );
    }
}

//! The known-answer vectors in `vectors.json`, which the npm package's consumer test checks
//! against the built package too: the core and the package must give the same answers.

use serde::Deserialize;
use serde_json::Value;
use tollgate_core::authorization::encode_basic;
use tollgate_core::credential::{AccountSid, AuthToken};
use tollgate_core::filter::{Cursor, PageRequest, Row, TokenFilter, list};
use tollgate_core::scope::{Method, required_scope};
use tollgate_core::time::Timestamp;
use tollgate_core::verify::{Malformed, screen};

fn vectors() -> Value {
    serde_json::from_str(include_str!("../vectors.json")).expect("vectors.json is JSON")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn code(m: Malformed) -> &'static str {
    match m {
        Malformed::Missing => "missing",
        Malformed::Header(e) => e.code(),
        Malformed::Credential(e) => e.code(),
    }
}

#[test]
fn credentials_from_fixed_entropy() {
    for case in vectors()["credentials_from_entropy"]
        .as_array()
        .expect("array")
    {
        let sid: [u8; 16] = hex(case["sid_entropy_hex"].as_str().expect("hex"))
            .try_into()
            .expect("16 bytes");
        let token: [u8; 32] = hex(case["token_entropy_hex"].as_str().expect("hex"))
            .try_into()
            .expect("32 bytes");
        assert_eq!(AccountSid::from_entropy(&sid).as_str(), case["sid"]);
        assert_eq!(AuthToken::from_entropy(&token).expose(), case["auth_token"]);
    }
}

#[test]
fn auth_token_and_sid_formats() {
    let v = vectors();
    for case in v["auth_tokens"].as_array().expect("array") {
        let got = AuthToken::parse(case["input"].as_str().expect("input")).map_err(|e| e.code());
        match case["valid"].as_bool() {
            Some(true) => assert!(got.is_ok(), "{case}"),
            _ => assert_eq!(got.err(), case["code"].as_str(), "{case}"),
        }
    }
    for case in v["account_sids"].as_array().expect("array") {
        let got = AccountSid::parse(case["input"].as_str().expect("input")).map_err(|e| e.code());
        match case["valid"].as_bool() {
            Some(true) => assert!(got.is_ok(), "{case}"),
            _ => assert_eq!(got.err(), case["code"].as_str(), "{case}"),
        }
    }
}

#[test]
fn authorization_headers() {
    let v = vectors();
    for case in v["headers"].as_array().expect("array") {
        match screen(Some(case["header"].as_str().expect("header"))) {
            Ok(s) => {
                assert_eq!(s.sid.as_str(), case["sid"], "{case}");
                assert_eq!(s.token.expose(), case["auth_token"], "{case}");
            }
            Err(m) => assert_eq!(Some(code(m)), case["code"].as_str(), "{case}"),
        }
    }
    for case in v["encode"].as_array().expect("array") {
        let header = encode_basic(
            case["sid"].as_str().expect("sid"),
            case["auth_token"].as_str().expect("token"),
        );
        assert_eq!(header, case["header"].as_str().expect("header"));
    }
}

#[test]
fn required_scopes() {
    for case in vectors()["required_scopes"].as_array().expect("array") {
        let account_type =
            serde_json::from_value(case["account_type"].clone()).expect("account type");
        let version = serde_json::from_value(case["api_version"].clone()).expect("version");
        let method = Method::parse(case["method"].as_str().expect("method")).expect("method");
        let got = required_scope(
            account_type,
            version,
            method,
            case["path"].as_str().expect("path"),
        )
        .ok()
        .map(|s| s.id);
        assert_eq!(got, case["scope"].as_str(), "{case}");
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Plain {
    sid: String,
    name: String,
    state: String,
    created_at: i64,
}

impl From<Plain> for Row {
    fn from(p: Plain) -> Row {
        Row {
            enabled: p.state == "enabled",
            sid: p.sid,
            name: p.name,
            created_at: Timestamp(p.created_at),
        }
    }
}

#[test]
fn list_filter_and_pages() {
    let v = vectors();
    let f = &v["filter"];
    let now = Timestamp(f["now"].as_i64().expect("now"));
    let plain: Vec<Plain> = serde_json::from_value(f["tokens"].clone()).expect("tokens");
    let tokens: Vec<Row> = plain.into_iter().map(Row::from).collect();
    let sids = |ts: &[Row]| ts.iter().map(|t| t.sid.clone()).collect::<Vec<_>>();
    for case in f["cases"].as_array().expect("array") {
        let filter: TokenFilter = serde_json::from_value(case["filter"].clone()).expect("filter");
        let (hits, next) = list(
            &tokens,
            &filter,
            &PageRequest {
                cursor: None,
                limit: 100,
            },
            now,
        );
        let want: Vec<String> = serde_json::from_value(case["expect"].clone()).expect("expect");
        assert_eq!(sids(&hits), want, "{case}");
        assert!(next.is_none());
    }
    for case in f["pages"].as_array().expect("array") {
        let filter: TokenFilter = serde_json::from_value(case["filter"].clone()).expect("filter");
        let limit = case["limit"].as_u64().expect("limit") as usize;
        let mut cursor: Option<Cursor> = None;
        for want in case["pages"].as_array().expect("pages") {
            let (hits, next) = list(
                &tokens,
                &filter,
                &PageRequest {
                    cursor: cursor.clone(),
                    limit,
                },
                now,
            );
            let want: Vec<String> = serde_json::from_value(want.clone()).expect("page");
            assert_eq!(sids(&hits), want);
            cursor = next;
        }
        assert!(cursor.is_none(), "the last page has no next cursor");
    }
}

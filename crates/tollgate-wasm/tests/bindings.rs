//! The bindings under wasm-bindgen-test in Node: JavaScript values in, JavaScript values
//! out, against the known-answer vectors the core's tests use.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect};
use serde_json::Value;
use tollgate_wasm::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../tollgate-core/vectors.json"))
        .expect("vectors.json is JSON")
}

fn js(v: &Value) -> JsValue {
    let s = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(v, &s).expect("JSON to JS")
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).expect("property")
}

fn code_of(e: JsValue) -> String {
    assert_eq!(
        get(&e, "name").as_string().as_deref(),
        Some("TollgateError")
    );
    assert!(
        get(&e, "message")
            .as_string()
            .is_some_and(|m| !m.is_empty())
    );
    get(&e, "code").as_string().expect("code")
}

#[wasm_bindgen_test]
fn format_checks_return_the_reason() {
    let v = vectors();
    for (list, f) in [
        ("auth_tokens", check_auth_token as fn(&str) -> _),
        ("account_sids", check_account_sid),
    ] {
        for case in v[list].as_array().expect("array") {
            let r = f(case["input"].as_str().expect("input")).expect("a result");
            let valid = get(&r, "valid").as_bool().expect("valid");
            assert_eq!(valid, case["valid"].as_bool().unwrap_or(false), "{case}");
            if valid {
                assert!(get(&r, "code").is_undefined());
            } else {
                assert_eq!(
                    get(&r, "code").as_string().as_deref(),
                    case["code"].as_str(),
                    "{case}"
                );
                assert!(get(&r, "reason").as_string().is_some_and(|m| m.len() > 10));
            }
        }
    }
}

#[wasm_bindgen_test]
fn headers_parse_and_build() {
    let v = vectors();
    for case in v["headers"].as_array().expect("array") {
        match parse_authorization(case["header"].as_str().expect("header")) {
            Ok(c) => {
                assert_eq!(get(&c, "sid").as_string().as_deref(), case["sid"].as_str());
                assert_eq!(
                    get(&c, "authToken").as_string().as_deref(),
                    case["auth_token"].as_str()
                );
            }
            Err(e) => assert_eq!(Some(code_of(e).as_str()), case["code"].as_str(), "{case}"),
        }
    }
    for case in v["encode"].as_array().expect("array") {
        let h = build_authorization(
            case["sid"].as_str().expect("sid"),
            case["auth_token"].as_str().expect("token"),
        );
        assert_eq!(h.ok().as_deref(), case["header"].as_str());
    }
    let bad = build_authorization("TGSID7Kdo78noNisU1pGoydvnd3", "tgat_short")
        .expect_err("malformed token");
    assert_eq!(get(&bad, "field").as_string().as_deref(), Some("authToken"));
    assert_eq!(code_of(bad), "token_length");
}

#[wasm_bindgen_test]
fn scopes_and_versions() {
    for case in vectors()["required_scopes"].as_array().expect("array") {
        let r = required_scope(
            js(&case["account_type"]),
            case["method"].as_str().expect("method"),
            case["path"].as_str().expect("path"),
            case["api_version"].as_str().map(str::to_owned),
        )
        .expect("a result");
        match case["scope"].as_str() {
            Some(scope) => assert_eq!(
                get(&r, "scope").as_string().as_deref(),
                Some(scope),
                "{case}"
            ),
            None => assert!(r.is_null(), "{case}"),
        }
    }
    let versions = Array::from(&api_versions().expect("versions"));
    assert_eq!(
        versions.get(versions.length() - 1).as_string(),
        Some(latest_api_version())
    );
    let catalog = scope_catalog("brand".into(), None).expect("catalog");
    assert_eq!(
        get(&catalog, "api_version").as_string(),
        Some(latest_api_version())
    );
    assert!(Array::from(&get(&catalog, "categories")).length() > 5);
    assert_eq!(
        code_of(scope_catalog("brand".into(), Some("2019-01-01".into())).expect_err("old")),
        "unknown_version"
    );
    assert_eq!(
        code_of(scope_catalog("publisher".into(), None).expect_err("type")),
        "invalid_argument",
        "unknown account types are refused"
    );
    assert_eq!(
        code_of(required_scope("brand".into(), "TRACE", "/v1/x", None).expect_err("method")),
        "unknown_method"
    );
}

#[wasm_bindgen_test]
fn the_list_filter_orders_and_pages_like_the_worker() {
    let v = vectors();
    let f = &v["filter"];
    let now = f["now"].as_f64().expect("now");
    let tokens = js(&f["tokens"]);
    let sids = |order: &JsValue| -> Vec<String> {
        Array::from(&get(order, "indices"))
            .iter()
            .map(|i| {
                f["tokens"][i.as_f64().expect("index") as usize]["sid"]
                    .as_str()
                    .expect("sid")
                    .to_owned()
            })
            .collect()
    };
    for case in f["cases"].as_array().expect("array") {
        let order =
            token_order(tokens.clone(), js(&case["filter"]), now, None, None).expect("order");
        let want: Vec<String> = serde_json::from_value(case["expect"].clone()).expect("expect");
        assert_eq!(sids(&order), want, "{case}");
        assert_eq!(get(&order, "total").as_f64(), Some(want.len() as f64));
    }
    for case in f["pages"].as_array().expect("array") {
        let limit = case["limit"].as_u64().expect("limit") as u32;
        let mut cursor = None;
        for want in case["pages"].as_array().expect("pages") {
            let order = token_order(
                tokens.clone(),
                js(&case["filter"]),
                now,
                Some(limit),
                cursor,
            )
            .expect("page");
            let want: Vec<String> = serde_json::from_value(want.clone()).expect("page");
            assert_eq!(sids(&order), want);
            cursor = get(&order, "next_cursor").as_string();
        }
        assert_eq!(cursor, None);
    }
    let long = serde_json::json!({ "q": "x".repeat(101) });
    assert_eq!(
        code_of(token_order(tokens.clone(), js(&long), now, None, None).expect_err("long")),
        "query_too_long"
    );
    let unknown = serde_json::json!({ "name": "x" });
    assert_eq!(
        code_of(token_order(tokens.clone(), js(&unknown), now, None, None).expect_err("field")),
        "invalid_argument"
    );
    assert_eq!(
        code_of(
            token_order(
                tokens.clone(),
                js(&serde_json::json!({})),
                now,
                Some(0),
                None
            )
            .expect_err("0")
        ),
        "invalid_limit"
    );
    assert_eq!(
        code_of(
            token_order(
                tokens,
                js(&serde_json::json!({})),
                now,
                Some(10),
                Some("junk".into())
            )
            .expect_err("cursor")
        ),
        "invalid_cursor"
    );
    let not_tokens = token_order(
        JsValue::from(7),
        js(&serde_json::json!({})),
        now,
        None,
        None,
    )
    .expect_err("not a list");
    assert_eq!(code_of(not_tokens), "invalid_argument");
}

//! # tollgate-wasm
//!
//! The rules of `tollgate-core` for JavaScript, as the `@tollgate/core` npm package: the
//! same checks the Worker runs, so a frontend never re-implements them. Every function here
//! is a thin conversion between JavaScript values and the core's types; the rules stay in
//! the core. `cargo xtask package` builds the package (see `npm/README.md` for its use).
//!
//! The TypeScript names in `unchecked_*_type` are declared by the generated `types` (the
//! core's API types plus [`shapes`]), so the package's declarations have no `any`.

use serde::Serialize;
use tollgate_core::account::AccountType;
use tollgate_core::api::CatalogResponse;
use tollgate_core::authorization::encode_basic;
use tollgate_core::credential::{AccountSid, AuthToken};
use tollgate_core::error_code::Refusal as _;
use tollgate_core::filter::{
    Cursor, FilterError, Listed, PageRequest, TokenFilter, list_counted, matching,
};
use tollgate_core::scope::{Method, required_scope as core_required_scope};
use tollgate_core::time::Timestamp;
use tollgate_core::verify::{Malformed, screen};
use tollgate_core::version::ApiVersion;
use wasm_bindgen::prelude::*;

pub mod policy;
pub mod shapes;

use shapes::{Credentials, FormatCheck, ListedToken, RequiredScope, TokenOrder};

/// A JavaScript `Error` named `TollgateError` with a stable `code` (and `field` when one
/// input is at fault), so callers can branch on the code and show the message.
fn error(code: &str, field: Option<&str>, message: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    e.set_name("TollgateError");
    let _ = js_sys::Reflect::set(&e, &"code".into(), &code.into());
    if let Some(field) = field {
        let _ = js_sys::Reflect::set(&e, &"field".into(), &field.into());
    }
    e.into()
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // Plain objects (not Maps) and `undefined` for missing optionals, as JSON would give.
    let s = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&s)
        .map_err(|e| error("internal", None, &e.to_string()))
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, field: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        error(
            "invalid_argument",
            Some(field),
            &format!("{field} is not valid: {e}"),
        )
    })
}

/// Reads a value through JSON, so the core's `deny_unknown_fields` applies: a misspelt
/// filter field is refused rather than ignored (`serde-wasm-bindgen` reads only the fields
/// it knows). `undefined` and `null` read as `{}`.
fn from_json<T: serde::de::DeserializeOwned>(value: &JsValue, field: &str) -> Result<T, JsValue> {
    let text = if value.is_undefined() || value.is_null() {
        "{}".to_owned()
    } else {
        js_sys::JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| {
                error(
                    "invalid_argument",
                    Some(field),
                    &format!("{field} must be a plain object"),
                )
            })?
    };
    serde_json::from_str(&text).map_err(|e| {
        error(
            "invalid_argument",
            Some(field),
            &format!("{field} is not valid: {e}"),
        )
    })
}

fn version_or_latest(version: Option<String>) -> Result<ApiVersion, JsValue> {
    match version {
        None => Ok(ApiVersion::latest()),
        Some(v) => ApiVersion::parse(&v)
            .map_err(|e| error("unknown_version", Some("version"), &e.to_string())),
    }
}

fn check(result: Result<(), tollgate_core::credential::CredentialError>) -> FormatCheck {
    match result {
        Ok(()) => FormatCheck::passed(),
        Err(e) => FormatCheck::failed(e.code(), e.to_string()),
    }
}

/// Whether `value` is a well-formed Auth Token (prefix, length, alphabet, checksum); when
/// not, why. A well-formed token may still be wrong: only the Worker can tell.
#[wasm_bindgen(js_name = checkAuthToken, unchecked_return_type = "FormatCheck")]
pub fn check_auth_token(value: &str) -> Result<JsValue, JsValue> {
    to_js(&check(AuthToken::parse(value).map(drop)))
}

/// Whether `value` is a well-formed Account SID; when not, why.
#[wasm_bindgen(js_name = checkAccountSid, unchecked_return_type = "FormatCheck")]
pub fn check_account_sid(value: &str) -> Result<JsValue, JsValue> {
    to_js(&check(AccountSid::parse(value).map(drop)))
}

/// `Basic base64(SID:token)` for well-formed credentials; throws `TollgateError` otherwise.
#[wasm_bindgen(js_name = buildAuthorization)]
pub fn build_authorization(
    sid: &str,
    #[wasm_bindgen(js_name = authToken)] auth_token: &str,
) -> Result<String, JsValue> {
    let sid = AccountSid::parse(sid).map_err(|e| error(e.code(), Some("sid"), &e.to_string()))?;
    let token = AuthToken::parse(auth_token)
        .map_err(|e| error(e.code(), Some("authToken"), &e.to_string()))?;
    Ok(encode_basic(sid.as_str(), token.expose()))
}

/// The credentials of an `Authorization` header value, checked exactly as the Worker
/// checks them before any lookup; throws `TollgateError` with the reason otherwise.
#[wasm_bindgen(js_name = parseAuthorization, unchecked_return_type = "Credentials")]
pub fn parse_authorization(header: &str) -> Result<JsValue, JsValue> {
    match screen(Some(header)) {
        Ok(s) => to_js(&Credentials {
            sid: s.sid.as_str().to_owned(),
            auth_token: s.token.expose().to_owned(),
        }),
        Err(Malformed::Missing) => Err(error(
            "authorization_empty",
            None,
            "the Authorization header is missing",
        )),
        Err(Malformed::Header(e)) => Err(error(e.code(), None, &e.to_string())),
        Err(Malformed::Credential(e)) => Err(error(e.code(), None, &e.to_string())),
    }
}

/// Every API version, oldest first.
#[wasm_bindgen(js_name = apiVersions, unchecked_return_type = "ApiVersion[]")]
pub fn api_versions() -> Result<JsValue, JsValue> {
    to_js(&ApiVersion::all().collect::<Vec<_>>())
}

/// The newest API version: the default for new tokens.
#[wasm_bindgen(js_name = latestApiVersion, unchecked_return_type = "ApiVersion")]
pub fn latest_api_version() -> String {
    ApiVersion::latest().as_str().to_owned()
}

/// The scopes an account type can grant at an API version (default: the latest), grouped
/// in categories — the same answer as the admin API's `GET /api/catalog`.
#[wasm_bindgen(js_name = scopeCatalog, unchecked_return_type = "CatalogResponse")]
pub fn scope_catalog(
    #[wasm_bindgen(js_name = accountType, unchecked_param_type = "AccountType")]
    account_type: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ApiVersion")] version: Option<String>,
) -> Result<JsValue, JsValue> {
    let account_type: AccountType = from_js(account_type, "accountType")?;
    to_js(&CatalogResponse::build(
        account_type,
        version_or_latest(version)?,
    ))
}

/// The scope that a request needs (`method` and `path` without the query string), or
/// `null` when no route of that version matches — what the Worker answers with 404.
#[wasm_bindgen(js_name = requiredScope, unchecked_return_type = "RequiredScope | null")]
pub fn required_scope(
    #[wasm_bindgen(js_name = accountType, unchecked_param_type = "AccountType")]
    account_type: JsValue,
    method: &str,
    path: &str,
    #[wasm_bindgen(unchecked_param_type = "ApiVersion")] version: Option<String>,
) -> Result<JsValue, JsValue> {
    let account_type: AccountType = from_js(account_type, "accountType")?;
    let version = version_or_latest(version)?;
    let method = Method::parse(&method.to_ascii_uppercase()).ok_or_else(|| {
        error(
            "unknown_method",
            Some("method"),
            "method must be GET, HEAD, POST, PUT, PATCH or DELETE",
        )
    })?;
    match core_required_scope(account_type, version, method, path) {
        Ok(scope) => to_js(&RequiredScope {
            scope: scope.id.to_owned(),
            access: scope.access,
        }),
        Err(_) => Ok(JsValue::NULL),
    }
}

/// The list filter over plain objects (at least `sid`, `name`, `state`, `created_at`):
/// the positions of the matching tokens in list order (newest first) — all of them, or
/// one page of `limit` after `cursor` with the next page's cursor, as the Worker pages. The npm package's `filterTokens` and
/// `listTokens` wrap this and hand back the caller's own objects.
#[wasm_bindgen(js_name = tokenOrder, unchecked_return_type = "TokenOrder")]
pub fn token_order(
    #[wasm_bindgen(unchecked_param_type = "ListedToken[]")] tokens: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TokenFilter")] filter: JsValue,
    now: f64,
    limit: Option<u32>,
    cursor: Option<String>,
) -> Result<JsValue, JsValue> {
    let tokens: Vec<ListedToken> = from_js(tokens, "tokens")?;
    let filter: TokenFilter = from_json(&filter, "filter")?;
    let refused = |e: FilterError| error(e.code().as_str(), e.field(), &e.to_string());
    filter.check().map_err(refused)?;
    if !now.is_finite() {
        return Err(error(
            "invalid_argument",
            Some("now"),
            "now must be milliseconds since the Unix epoch",
        ));
    }
    let limit = limit
        .map(|l| PageRequest::checked_limit(l as usize))
        .transpose()
        .map_err(refused)?;
    let cursor = cursor
        .map(|c| Cursor::parse(&c))
        .transpose()
        .map_err(refused)?;
    let now = Timestamp(now as i64);
    let indexed: Vec<Indexed> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, t)| Indexed(i as u32, t))
        .collect();
    let (page, next, total) = match limit {
        // One page, exactly as the Worker pages.
        Some(limit) => list_counted(&indexed, &filter, &PageRequest { cursor, limit }, now),
        // The whole filtered list, in the list's order.
        None => {
            let hits = matching(&indexed, &filter, now);
            let total = hits.len();
            (hits, None, total)
        }
    };
    to_js(&TokenOrder {
        indices: page.iter().map(|t| t.0).collect(),
        next_cursor: next.map(|c| c.encode()),
        total,
    })
}

#[derive(Debug, Clone)]
struct Indexed(u32, ListedToken);

impl Listed for Indexed {
    fn name(&self) -> &str {
        &self.1.name
    }
    fn sid(&self) -> &str {
        &self.1.sid
    }
    fn created_at(&self) -> Timestamp {
        self.1.created_at
    }
    fn enabled(&self) -> bool {
        self.1.state == tollgate_core::api::TokenState::Enabled
    }
}

// The generated declarations name these types; bring them into the bindings' module.
#[wasm_bindgen(typescript_custom_section)]
const TYPE_IMPORTS: &str = r#"import type { AccountType, AllowedIpsCheck, ApiVersion, CatalogResponse, Credentials, ExpiryPreset, FormatCheck, ListedToken, PolicyCheck, RateLimit, RequiredScope, TokenFilter, TokenOrder } from "./types.js";"#;

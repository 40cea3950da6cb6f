//! The token policies' validation for JavaScript: the same checks the admin API runs on
//! `expires_at`, `allowed_ips` and `rate_limit`.

use tollgate_core::error_code::Refusal as _;
use tollgate_core::policy::{
    EXPIRY_PRESETS_DAYS, PolicyError, RateLimit, check_allowed_ips as core_check_allowed_ips,
    check_expiry, check_rate_limit as core_check_rate_limit, ip_allowed as core_ip_allowed, preset,
};
use tollgate_core::time::Timestamp;
use wasm_bindgen::prelude::*;

use crate::shapes::{AllowedIpsCheck, ExpiryPreset, FormatCheck, PolicyCheck};
use crate::{from_js, to_js};

fn policy_check(r: Result<(), PolicyError>) -> PolicyCheck {
    match r {
        Ok(()) => PolicyCheck {
            check: FormatCheck::passed(),
            field: None,
        },
        Err(e) => PolicyCheck {
            check: FormatCheck::failed(e.code().as_str(), e.to_string()),
            field: e.field().map(str::to_owned),
        },
    }
}

fn now_or(now: Option<f64>) -> Timestamp {
    Timestamp(now.unwrap_or_else(js_sys::Date::now) as i64)
}

/// Checks an IP allowlist (IPv4/IPv6 addresses and CIDR ranges, at most 100, none
/// repeated); when valid, `ips` holds the entries as the admin API stores them.
#[wasm_bindgen(js_name = checkAllowedIps, unchecked_return_type = "AllowedIpsCheck")]
pub fn check_allowed_ips(
    #[wasm_bindgen(unchecked_param_type = "string[]")] ips: JsValue,
) -> Result<JsValue, JsValue> {
    let list: Vec<String> = from_js(ips, "ips")?;
    let out = match core_check_allowed_ips(&list) {
        Ok(ips) => AllowedIpsCheck {
            check: policy_check(Ok(())),
            ips: Some(ips),
        },
        Err(e) => AllowedIpsCheck {
            check: policy_check(Err(e)),
            ips: None,
        },
    };
    to_js(&out)
}

/// Whether a client address may use a token with this allowlist (empty: any address).
#[wasm_bindgen(js_name = ipAllowed)]
pub fn ip_allowed(
    #[wasm_bindgen(unchecked_param_type = "string[]")] ips: JsValue,
    client: &str,
) -> Result<bool, JsValue> {
    let list: Vec<String> = from_js(ips, "ips")?;
    Ok(core_ip_allowed(&list, Some(client)))
}

/// Checks a rate limit's shape: `null`, or `{ requests: 1…1000000, period_seconds: 1 | 60 | 3600 }`.
#[wasm_bindgen(js_name = checkRateLimit, unchecked_return_type = "PolicyCheck")]
pub fn check_rate_limit(
    #[wasm_bindgen(js_name = rateLimit, unchecked_param_type = "RateLimit | null")]
    rate_limit: JsValue,
) -> Result<JsValue, JsValue> {
    let limit: Option<RateLimit> = if rate_limit.is_null() || rate_limit.is_undefined() {
        None
    } else {
        Some(from_js(rate_limit, "rateLimit")?)
    };
    to_js(&policy_check(core_check_rate_limit(limit).map(drop)))
}

/// Checks an expiry (ms since the epoch, or `null` for never) at `now` (default: the
/// clock) under an account's `max_token_lifetime_days`.
#[wasm_bindgen(js_name = checkExpiry, unchecked_return_type = "PolicyCheck")]
pub fn check_expiry_js(
    #[wasm_bindgen(js_name = expiresAt)] expires_at: Option<f64>,
    now: Option<f64>,
    #[wasm_bindgen(js_name = maxLifetimeDays)] max_lifetime_days: Option<u32>,
) -> Result<JsValue, JsValue> {
    let at = expires_at.map(|t| Timestamp(t as i64));
    to_js(&policy_check(
        check_expiry(at, now_or(now), max_lifetime_days).map(drop),
    ))
}

/// The wizard's expiry presets (7, 30, 90 and 365 days) and when each ends from `now`.
#[wasm_bindgen(js_name = expiryPresets, unchecked_return_type = "ExpiryPreset[]")]
pub fn expiry_presets(now: Option<f64>) -> Result<JsValue, JsValue> {
    let now = now_or(now);
    let presets: Vec<ExpiryPreset> = EXPIRY_PRESETS_DAYS
        .iter()
        .map(|d| ExpiryPreset {
            days: *d,
            expires_at: preset(*d, now),
        })
        .collect();
    to_js(&presets)
}

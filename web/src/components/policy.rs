//! Token policies in the admin app: expiry (presets, a date, or never), the IP allowlist,
//! the rate limit, and the usage chart with its table. Validation is the core's.

use leptos::prelude::*;
use tollgate_core::policy::{EXPIRY_PRESETS_DAYS, RATE_PERIODS, RateLimit, preset};
use tollgate_core::time::Timestamp;
use tollgate_core::usage::{DEFAULT_DAYS, UsagePoint};

use crate::api::ApiError;
use crate::components::FieldError;
use crate::i18n::use_i18n;

fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64)
}

/// The end of a chosen day (UTC), from an `<input type="date">` value.
fn end_of_day(value: &str) -> Option<Timestamp> {
    let ms = js_sys::Date::parse(&format!("{value}T23:59:59Z"));
    (!ms.is_nan()).then_some(Timestamp(ms as i64))
}

fn date_value(t: Timestamp) -> String {
    let d = js_sys::Date::new(&(t.0 as f64).into());
    d.to_iso_string()
        .as_string()
        .unwrap_or_default()
        .chars()
        .take(10)
        .collect()
}

/// The expiry choice: never, a preset number of days, or a date.
#[component]
pub fn ExpiryField(
    expires_at: RwSignal<Option<Timestamp>>,
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let i = use_i18n();
    let choice = RwSignal::new(if expires_at.get_untracked().is_some() {
        "date".to_owned()
    } else {
        "never".to_owned()
    });
    let date = RwSignal::new(
        expires_at
            .get_untracked()
            .map(date_value)
            .unwrap_or_default(),
    );
    Effect::new(move |_| {
        // Follow the token when the page refills it (after a save or a 412).
        let e = expires_at.get();
        if choice.get_untracked() == "date" || e.is_some() {
            date.set(e.map(date_value).unwrap_or_default());
            if e.is_some() && choice.get_untracked() == "never" {
                choice.set("date".into());
            }
        }
    });
    let pick = move |v: String| {
        let at = match v.as_str() {
            "never" => None,
            "date" => end_of_day(&date.get_untracked()),
            days => days.parse::<u32>().ok().map(|d| preset(d, now())),
        };
        choice.set(v);
        expires_at.set(at);
    };
    view! {
        <label for="expiry">{move || i.t("policy.expiry")}</label>
        <p class="hint" id="expiry-hint">{move || i.t("policy.expiry_hint")}</p>
        <select id="expiry" aria-describedby="expiry-hint err-expires_at" on:change=move |ev| pick(event_target_value(&ev))>
            <option value="never" selected=move || choice.get() == "never">{move || i.t("policy.never")}</option>
            {EXPIRY_PRESETS_DAYS.iter().map(|d| {
                let v = d.to_string();
                let v2 = v.clone();
                view! { <option value=v selected=move || choice.get() == v2>{move || i.tn("policy.days", *d as usize)}</option> }
            }).collect_view()}
            <option value="date" selected=move || choice.get() == "date">{move || i.t("policy.on_date")}</option>
        </select>
        <Show when=move || choice.get() == "date">
            <label for="expiry-date" class="inline">{move || i.t("policy.date")}</label>
            <input id="expiry-date" type="date" prop:value=move || date.get() on:change=move |ev| {
                let v = event_target_value(&ev);
                expires_at.set(end_of_day(&v));
                date.set(v);
            } />
        </Show>
        <Show when=move || expires_at.get().is_some()>
            <p class="hint">{move || i.t("policy.ends")}" "{move || expires_at.get().map(|t| i.datetime(t.0)).unwrap_or_default()}</p>
        </Show>
        <FieldError error=error field="expires_at" />
    }
}

/// The IP allowlist: one address or CIDR range per line.
#[component]
pub fn IpField(ips: RwSignal<String>, error: RwSignal<Option<ApiError>>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <label for="allowed-ips">{move || i.t("policy.ips")}</label>
        <p class="hint" id="ips-hint">{move || i.t("policy.ips_hint")}</p>
        <textarea id="allowed-ips" rows="3" aria-describedby="ips-hint err-allowed_ips" placeholder="203.0.113.0/24"
            prop:value=move || ips.get() on:input=move |ev| ips.set(event_target_value(&ev))></textarea>
        <FieldError error=error field="allowed_ips" />
    }
}

/// The allowlist's lines as the API takes them.
pub fn ip_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The rate limit: off, or N requests per second, minute or hour.
#[component]
pub fn RateField(
    rate: RwSignal<Option<RateLimit>>,
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let i = use_i18n();
    let on = move || rate.with(Option::is_some);
    view! {
        <fieldset class="rate">
            <legend>{move || i.t("policy.rate")}</legend>
            <label class="check">
                <input type="checkbox" id="rate-on" prop:checked=on on:change=move |ev| {
                    let checked = event_target_checked(&ev);
                    rate.set(checked.then_some(RateLimit { requests: 100, period_seconds: 60 }));
                } />
                {move || i.t("policy.rate_on")}
            </label>
            <Show when=on>
                <label for="rate-requests" class="inline">{move || i.t("policy.rate_requests")}</label>
                <input id="rate-requests" type="number" min="1" inputmode="numeric"
                    prop:value=move || rate.get().map(|r| r.requests.to_string()).unwrap_or_default()
                    on:input=move |ev| {
                        let n = event_target_value(&ev).parse::<u32>().unwrap_or(0);
                        rate.update(|r| if let Some(r) = r { r.requests = n });
                    } />
                <label for="rate-period" class="inline">{move || i.t("policy.rate_per")}</label>
                <select id="rate-period" on:change=move |ev| {
                    let p = event_target_value(&ev).parse::<u32>().unwrap_or(60);
                    rate.update(|r| if let Some(r) = r { r.period_seconds = p });
                }>
                    {RATE_PERIODS.iter().map(|p| {
                        let key = match p { 1 => "policy.second", 60 => "policy.minute", _ => "policy.hour" };
                        view! { <option value=p.to_string() selected=move || rate.get().is_some_and(|r| r.period_seconds == *p)>{move || i.t(key)}</option> }
                    }).collect_view()}
                </select>
            </Show>
        </fieldset>
        <FieldError error=error field="rate_limit" />
    }
}

/// The last 30 days of a token's requests: a chart (allowed vs denied per day) and, for
/// screen readers and exact numbers, the same data as a table. Loaded through a resource;
/// when it cannot be loaded the section says so (the page works without it).
#[component]
pub fn UsageChart(sid: String) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let usage = LocalResource::new(move || {
        let sid = sid.clone();
        async move { api.usage(&sid, DEFAULT_DAYS).await }
    });
    view! {
        <section class="card usage" data-testid="usage">
            <h2 id="usage-title">{move || i.t("usage.title")}</h2>
            <Suspense fallback=crate::components::load::Loading>
                {move || Suspend::new(async move {
                    match usage.await {
                        Ok(v) => untrack(|| view! { <UsageFigures points=v.daily /> }).into_any(),
                        Err(_) => view! { <p class="hint">{move || i.t("usage.unavailable")}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The chart, its legend with the totals, and the table of the same numbers.
#[component]
fn UsageFigures(points: Vec<UsagePoint>) -> impl IntoView {
    let i = use_i18n();
    let pts = points;
    let max = pts
        .iter()
        .map(|p| p.counts.total())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let w = 10.0;
    let bars = pts
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let x = n as f64 * w;
            let ha = p.counts.allowed as f64 / max * 100.0;
            let hd = p.counts.denied() as f64 / max * 100.0;
            view! {
                <rect class="bar-allowed" x=x + 1.0 y=100.0 - ha width=w - 2.0 height=ha />
                <rect class="bar-denied" x=x + 1.0 y=100.0 - ha - hd width=w - 2.0 height=hd />
            }
        })
        .collect_view();
    let width = pts.len() as f64 * w;
    let (a, d): (u64, u64) = pts.iter().fold((0, 0), |(a, d), p| {
        (a + p.counts.allowed, d + p.counts.denied())
    });
    view! {
        <svg class="usage-chart" viewBox=format!("0 0 {width} 100") preserveAspectRatio="none" role="img" aria-labelledby="usage-title usage-summary">
            {bars}
        </svg>
        <p id="usage-summary" class="legend">
            <span class="key key-allowed"></span>{move || i.t("usage.allowed")}" "
            <span class="key key-denied"></span>{move || i.t("usage.denied")}" — "
            {move || format!("{}: {a} / {}: {d}", i.t("usage.allowed"), i.t("usage.denied"))}
        </p>
        <details class="usage-table">
            <summary>{move || i.t("usage.table")}</summary>
            <table>
                <caption>{move || i.t("usage.title")}</caption>
                <thead><tr>
                    <th scope="col">{move || i.t("usage.day")}</th>
                    <th scope="col">{move || i.t("usage.allowed")}</th>
                    <th scope="col">{move || i.t("usage.unauthenticated")}</th>
                    <th scope="col">{move || i.t("usage.lacks_scope")}</th>
                    <th scope="col">{move || i.t("usage.ip_not_allowed")}</th>
                    <th scope="col">{move || i.t("usage.rate_limited")}</th>
                </tr></thead>
                <tbody>
                    {pts.iter().rev().map(|p| {
                        let c = p.counts;
                        let day = p.start.0;
                        view! { <tr>
                            <th scope="row">{move || i.date(day)}</th>
                            <td>{c.allowed}</td><td>{c.unauthenticated}</td><td>{c.lacks_scope}</td>
                            <td>{c.ip_not_allowed}</td><td>{c.rate_limited}</td>
                        </tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}

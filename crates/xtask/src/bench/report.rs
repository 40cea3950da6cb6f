//! The benchmark's report: `bench/results/latest.md` written from `latest.json`, with the
//! before/after against `bench/results/baseline.json`.

use serde_json::{Value, json};

use crate::root;

fn f(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) if x >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.2}"),
        None => v.to_string(),
    }
}

fn met(v: &Value) -> &'static str {
    if v.as_bool() == Some(true) {
        "met"
    } else {
        "not met"
    }
}

fn ratio(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

pub fn markdown(r: &Value) -> String {
    let m = &r["machine"];
    let mut s = format!(
        "# Tollgate benchmark\n\n{} on {} ({} cores, {} GiB, Linux {}), {}. Release builds, wasm-opt applied; \
         local workerd (`wrangler dev --local`), loopback only; medians of rounds run in turns. \
         A noisy 2-core box: compare ratios, not absolute numbers.\n\n",
        r["date"].as_str().unwrap_or(""),
        m["cpu"].as_str().unwrap_or(""),
        m["cores"],
        m["memory_gib"],
        m["kernel"].as_str().unwrap_or(""),
        m["rustc"].as_str().unwrap_or(""),
    );
    s += &edge(&r["edge"]);
    s += &rejections(r);
    s += &cpu(&r["cpu"]);
    s += &scale(&r["scale"], &r["cpu"]);
    s += &weight(&r["weight"], &r["scale"]);
    s += &edge_extras(r);
    s += &before_after(r);
    s += &format!("\nThe whole run took {} s.\n", r["seconds"]);
    s
}

/// 1. The verifier against a no-op Worker.
fn edge(e: &Value) -> String {
    let row = |name: &str, v: &Value| {
        format!(
            "| {name} | {} | {} | {} |\n",
            f(&v["rps"]),
            f(&v["p50_ms"]),
            f(&v["p99_ms"])
        )
    };
    format!(
        "## 1. The verifier against a no-op Worker ({} requests × {} rounds each, concurrency {})\n\n\
         | Worker | req/s | p50 ms | p99 ms |\n|---|---|---|---|\n{}{}{}\n\
         Throughput ratio **{:.2}×** the no-op (goal ≥ 0.95×: {}); with every policy **{:.2}×** (goal ≥ 0.95×: {}); \
         p99 ratio **{:.2}×** (goal ≤ 1.1×: {}).\n\n",
        e["requests"],
        e["tollgate"]["rounds"],
        e["concurrency"],
        row(
            "Tollgate verifier, `/v1/` gateway, valid token, echo",
            &e["tollgate"]
        ),
        row(
            "… a token with an expiry, an IP allowlist and a rate limit",
            &e["policies"]
        ),
        row("no-op Rust Worker (constant 200)", &e["noop"]),
        ratio(&e["throughput_ratio"]),
        met(&e["goal_throughput"]),
        ratio(&e["policy_throughput_ratio"]),
        met(&e["goal_policy_throughput"]),
        ratio(&e["p99_ratio"]),
        met(&e["goal_p99"]),
    )
}

/// 2. What a refused request costs.
fn rejections(r: &Value) -> String {
    let mut s = "## 2. Rejection cost\n\n| Case | req/s | ratio to no-op | p50 ms | p99 ms | statuses | KV reads / request |\n|---|---|---|---|---|---|---|\n".to_owned();
    for (name, c) in r["rejections"].as_object().into_iter().flatten() {
        s += &format!(
            "| {name} | {} | {:.2}× | {} | {} | `{}` | {} |\n",
            f(&c["rps"]),
            ratio(&c["ratio_to_noop"]),
            f(&c["p50_ms"]),
            f(&c["p99_ms"]),
            c["statuses"],
            f(&c["kv_reads_per_request"])
        );
    }
    s + &format!(
        "\nKV reads are counted by the verifier itself (`GET /__tollgate/stats`, on only with `EXPOSE_STATS`). \
         A valid token it holds costs {} KV reads per request; an unknown SID is remembered after one read. \
         Past 20 failures a minute per SID the rate-limiting binding answers 429.\n\n",
        f(&r["rejections_valid_kv_reads_per_request"])
    )
}

/// 3. In-isolate CPU of one verification.
fn cpu(c: &Value) -> String {
    let wasm = &c["wasm_node"];
    let goal = wasm["ns_per_verification"]
        .as_f64()
        .is_some_and(|x| x < 20_000.0);
    format!(
        "## 3. In-isolate CPU of one verification (parse + checksum + SHA-256 + constant-time compare)\n\n\
         | | ns / verification |\n|---|---|\n| native (criterion, median) | {} |\n| wasm under Node ({} iterations × {} runs, median) | {} |\n\n\
         Goal under 20 µs in wasm: {}. Native parts: Basic parse {} ns, token format + checksum {} ns, SHA-256 {} ns.\n\n",
        f(&c["native"]["verify_ns"]),
        wasm["iterations"],
        wasm["runs"],
        f(&wasm["ns_per_verification"]),
        met(&json!(goal)),
        f(&c["native"]["parse_basic_ns"]),
        f(&c["native"]["token_checksum_ns"]),
        f(&c["native"]["sha256_ns"]),
    )
}

/// 4. One account with many tokens.
fn scale(sc: &Value, c: &Value) -> String {
    let (creation, list, side) = (&sc["creation"], &sc["list"], &sc["side_by_side"]);
    let filter = sc["browser"]["filter_ms"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k} {} ms", f(v)))
        .collect::<Vec<_>>()
        .join(", ");
    let native_filter = json!(c["native"]["filter_10000_ns"].as_f64().unwrap_or(f64::NAN) / 1e6);
    let mut s = format!(
        "## 4. Scale: one account with {} tokens\n\n\
         - Creation through the admin API at concurrency {}: **{} tokens/s** (p50 {} ms, p99 {} ms).\n\
         - `GET /api/tokens?limit=100` p50: first page **{} ms** (right after a change to the index: {} ms), page {} of {} **{} ms**, search `q=nightly` first page **{} ms**.\n\
         - The npm package's `filterTokens` over all {} `TokenView`s in headless Chromium (median): {filter}.\n\
         - Native core filter over 10,000 tokens (search, first page): {} ms.\n",
        creation["tokens"],
        creation["concurrency"],
        f(&creation["per_second"]),
        f(&creation["p50_ms"]),
        f(&creation["p99_ms"]),
        f(&list["first_page_p50_ms"]),
        f(&list["first_page_after_change_p50_ms"]),
        list["deep_page"],
        list["pages"],
        f(&list["deep_page_p50_ms"]),
        f(&list["search_first_page_p50_ms"]),
        creation["tokens"],
        f(&native_filter),
    );
    s += &format!(
        "- Side by side in turns ({} rounds), each answered by its account's object from indexed SQL: a page of 100 tokens p50 **{} ms** with {} tokens vs **{} ms** with 1 token: **{:.2}×** (goal ≤ 1.5×: {}); a page of 100 audit entries **{} ms** vs **{} ms**: **{:.2}×** (goal ≤ 1.5×: {}); the same page size from both (`limit=1`): **{} ms** vs **{} ms**: **{:.2}×** (what the account's size alone costs).\n\n",
        side["rounds"],
        f(&side["list_big_p50_ms"]),
        creation["tokens"],
        f(&side["list_small_p50_ms"]),
        ratio(&side["list_ratio"]),
        met(&side["goal_list"]),
        f(&side["audit_big_p50_ms"]),
        f(&side["audit_small_p50_ms"]),
        ratio(&side["audit_ratio"]),
        met(&side["goal_audit"]),
        f(&side["page_of_one_big_p50_ms"]),
        f(&side["page_of_one_small_p50_ms"]),
        ratio(&side["page_of_one_ratio"]),
    );
    s
}

/// 5. What ships, and what a browser fetches to show the sign-in page.
fn weight(w: &Value, sc: &Value) -> String {
    let fetched = &sc["browser"]["sign_in_fetch"];
    format!(
        "## 5. Weight\n\n| What ships | gzipped KiB |\n|---|---|\n\
         | Verifier Worker bundle (wasm + JS; budget 150 KiB) | {} |\n\
         | Admin Worker bundle: wasm ({} KiB raw) + `index.js` | {} + {} |\n\
         | Admin app, every file needed to show the sign-in page (HTML + JS + CSS + wasm, the sign-in part included; budget 300 KiB) | {} (first-load wasm {}) |\n\
         | … the same, counted from the responses headless Chromium received opening `/login` | {} |\n\
         | npm package `.wasm` ({} KiB raw) | {} |\n\
         | npm package token manager `.wasm` (loaded by `mountTokenManager`) | {} |\n\n\
         Navigation to a rendered token list in headless Chromium (fresh context, median of {} runs): {} ms with 1 token, {} ms with {} tokens.\n\n",
        f(&w["verifier_bundle_gz_kib"]),
        f(&w["worker_wasm_raw_kib"]),
        f(&w["worker_wasm_gz_kib"]),
        f(&w["worker_js_gz_kib"]),
        f(&w["admin_first_load_gz_kib"]),
        f(&w["admin_wasm_gz_kib"]),
        f(&fetched["gz_kib"]),
        f(&w["npm_wasm_raw_kib"]),
        f(&w["npm_wasm_gz_kib"]),
        f(&w["npm_manager_wasm_gz_kib"]),
        sc["browser"]["navigation_runs"],
        f(&sc["browser"]["navigation_ms"]["demo"]),
        f(&sc["browser"]["navigation_ms"]["scale"]),
        sc["creation"]["tokens"],
    )
}

/// 6–8: cold start, revocation, the feed's cost.
fn edge_extras(r: &Value) -> String {
    let (c, v, fd) = (&r["cold_start"], &r["revocation"], &r["feed"]);
    format!(
        "## 6. Cold start: the first request to a fresh isolate (median of {} new processes each)\n\n\
         Verifier **{} ms**, no-op **{} ms** ({:.2}×). Measured from the client, including wrangler's local proxy.\n\n\
         ## 7. Revocation: from the admin API's answer to the first 401 at the verifier\n\n\
         {} resets, disables and deletes of tokens the verifier holds, its KV answers held for 60 s as at a remote \
         location: median **{} ms**, p90 {} ms, p99 **{} ms**, max {} ms; {} of {} refused within 5 s \
         (goal p99 ≤ 1 s, median ≤ 500 ms, none later: {}).\n\n\
         ## 8. The revocation feed's cost (this location, one isolate, over {} s)\n\n\
         {} subscriptions to the feed object per second (one stream per isolate, renewed every 20 s), \
         {} lines per second on it (heartbeats every 250 ms and entries), {} entries applied; {} requests answered from KV \
         because the feed was silent.\n\n",
        c["each_verifier_ms"].as_array().map_or(0, Vec::len),
        f(&c["verifier_ms"]),
        f(&c["noop_ms"]),
        c["ratio"].as_f64().unwrap_or(f64::NAN),
        v["count"],
        f(&v["p50_ms"]),
        f(&v["p90_ms"]),
        f(&v["p99_ms"]),
        f(&v["max_ms"]),
        v["refused"],
        v["count"],
        if v["goal"].as_bool() == Some(true) {
            "met"
        } else {
            "not met"
        },
        f(&fd["seconds"]),
        f(&fd["subscribes_per_s"]),
        f(&fd["lines_per_s"]),
        fd["entries"],
        fd["kv_fallbacks"],
    )
}

/// The rows of the before/after table: what, where in the report, unit, the factor from the
/// stored unit to the shown one, and whether higher is better.
type Row = (
    &'static str,
    &'static [&'static str],
    &'static str,
    f64,
    bool,
);

const BEFORE_AFTER: [Row; 9] = [
    (
        "`GET /api/tokens` first page, 10,000 tokens (p50)",
        &["scale", "list", "first_page_p50_ms"],
        "ms",
        1.0,
        false,
    ),
    (
        "… page 51 of 100 (p50)",
        &["scale", "list", "deep_page_p50_ms"],
        "ms",
        1.0,
        false,
    ),
    (
        "… search `q=nightly` (p50)",
        &["scale", "list", "search_first_page_p50_ms"],
        "ms",
        1.0,
        false,
    ),
    (
        "core filter, search over 10,000, native (median)",
        &["cpu", "native", "filter_10000_ns"],
        "ms",
        1e-6,
        false,
    ),
    (
        "`filterTokens` search in Chromium (median)",
        &["scale", "browser", "filter_ms", "search"],
        "ms",
        1.0,
        false,
    ),
    (
        "`filterTokens` full-width search in Chromium",
        &["scale", "browser", "filter_ms", "search (full-width, NFKC)"],
        "ms",
        1.0,
        false,
    ),
    (
        "navigation to a rendered list, 10,000 tokens",
        &["scale", "browser", "navigation_ms", "scale"],
        "ms",
        1.0,
        false,
    ),
    (
        "token creation",
        &["scale", "creation", "per_second"],
        "tokens/s",
        1.0,
        true,
    ),
    (
        "edge: gateway throughput, ratio to the no-op Worker",
        &["edge", "throughput_ratio"],
        "×",
        1.0,
        true,
    ),
];

/// The improvement section: this run against `bench/results/baseline.json`, a run of the
/// same benchmark before the change (see its `note`).
fn before_after(r: &Value) -> String {
    let Ok(text) = std::fs::read_to_string(root().join("bench/results/baseline.json")) else {
        return String::new();
    };
    let Ok(b) = serde_json::from_str::<Value>(&text) else {
        return String::new();
    };
    // `scale` converts the stored unit for display; `higher_is_better` for rates.
    let row = |what: &str, path: &[&str], unit: &str, scale: f64, higher_is_better: bool| {
        let get = |v: &Value| {
            path.iter()
                .fold(v.clone(), |acc, k| acc[*k].clone())
                .as_f64()
                .map(|x| x * scale)
        };
        let (x, y) = (get(&b), get(r));
        let change = match (x, y) {
            (Some(x), Some(y)) if x > 0.0 && y > 0.0 => {
                let (better, factor) = if higher_is_better {
                    (y >= x, y / x)
                } else {
                    (y <= x, x / y)
                };
                let factor = if better { factor } else { 1.0 / factor };
                format!("{factor:.2}× {}", if better { "better" } else { "worse" })
            }
            _ => "—".into(),
        };
        let show = |v: Option<f64>| v.map_or("—".to_owned(), |v| f(&json!(v)));
        format!(
            "| {what} | {} {unit} | {} {unit} | {change} |\n",
            show(x),
            show(y)
        )
    };
    let mut s = format!(
        "\n## Before and after: the slowest item\n\n{}\n\n| | before | after | change |\n|---|---|---|---|\n",
        b["note"]
            .as_str()
            .unwrap_or("Before: the baseline run in bench/results/baseline.json.")
    );
    for (what, path, unit, scale, higher_is_better) in BEFORE_AFTER {
        s += &row(what, path, unit, scale, higher_is_better);
    }
    s
}

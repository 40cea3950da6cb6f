//! Section 4, scale: an account with 10,000 tokens — how fast they are created, what a page
//! of the list costs (first, deep, searched, right after a change), the same pages against
//! a 1-token account in turns, and in Chromium the package's filter over all of them, the
//! navigation to a rendered list and what the sign-in page fetches.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};
use tollgate_tests::{Sandbox, Server, Session, node_and_wrangler, random_b64};

use super::{Load, median, oha};
use crate::{Result, root, step};

/// Tokens in the scale account.
const SCALE_TOKENS: u32 = 10_000;
/// The names the scale account's tokens get (a quarter each).
const SCALE_NAMES: [&str; 4] = [
    "Reporting sync",
    "Nightly export",
    "ＡＰＩ 連携",
    "接口同步",
];
/// Rounds of the side-by-side list and audit comparison.
const SIDE_BY_SIDE_ROUNDS: usize = 5;

pub fn scale(
    oha_bin: &Path,
    server: &Server,
    sandbox: &Sandbox,
    demo_password: &str,
) -> Result<Value> {
    step(&format!("4. scale: an account with {SCALE_TOKENS} tokens"));
    let base = &server.base;
    let password = format!("pw-{}", random_b64(12));
    let a = tollgate_tests::setup_account(
        base,
        &sandbox.setup_secret,
        "Scale Brand",
        "brand",
        "admin@scale.test",
        &password,
    )?;
    if a.status != 201 {
        return Err(format!("scale account: {} {}", a.status, a.body));
    }
    let s = Session::login(base, "admin@scale.test", &password)?;
    let creation = create_tokens(oha_bin, base, &s)?;
    let walk = walk(&s)?;
    let list = list_timings(oha_bin, base, &s, &walk)?;
    let side_by_side = side_by_side(oha_bin, base, &s, demo_password)?;
    let tokens_file = sandbox.dir.join("tokens.json");
    std::fs::write(&tokens_file, Value::Array(walk.tokens).to_string())
        .map_err(|e| e.to_string())?;
    let browser = browser(base, &tokens_file, &password, demo_password)?;
    Ok(json!({
        "creation": creation,
        "list": list,
        "side_by_side": side_by_side,
        "browser": browser,
    }))
}

/// Creates the tokens through the admin API at concurrency 16, a quarter per name.
fn create_tokens(oha_bin: &Path, base: &str, s: &Session) -> Result<Value> {
    let headers = [
        ("Cookie", s.cookie.as_str()),
        ("X-CSRF-Token", s.csrf.as_str()),
        ("Content-Type", "application/json"),
    ];
    let per_name = SCALE_TOKENS / SCALE_NAMES.len() as u32;
    let created = Instant::now();
    let mut runs: Vec<Load> = Vec::new();
    for name in SCALE_NAMES {
        let body = json!({
            "name": name,
            "primary_contact": s.user["id"],
            "scopes": ["reports.read"],
        })
        .to_string();
        let url = format!("{base}/api/tokens");
        let r = oha(oha_bin, &url, per_name, 16, "POST", &headers, Some(&body))?;
        if r.statuses.get("201").and_then(Value::as_u64) != Some(u64::from(per_name)) {
            return Err(format!("creating tokens: statuses {}", r.statuses));
        }
        runs.push(r);
    }
    let seconds = created.elapsed().as_secs_f64();
    println!("    created {SCALE_TOKENS} tokens in {seconds:.1} s");
    Ok(json!({
        "tokens": SCALE_TOKENS,
        "concurrency": 16,
        "per_second": f64::from(SCALE_TOKENS) / seconds,
        "p50_ms": median(runs.iter().map(|r| r.p50_ms).collect()),
        "p99_ms": median(runs.iter().map(|r| r.p99_ms).collect()),
    }))
}

/// Every token, read page by page, and each page's cursor.
struct Walk {
    tokens: Vec<Value>,
    cursors: Vec<String>,
}

fn walk(s: &Session) -> Result<Walk> {
    let mut w = Walk {
        tokens: Vec::new(),
        cursors: Vec::new(),
    };
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/tokens?limit=100&cursor={c}"),
            None => "/api/tokens?limit=100".to_owned(),
        };
        let page = s.call("GET", &path, None)?;
        if page.status != 200 {
            return Err(format!("listing: {} {}", page.status, page.body));
        }
        let v = page.json();
        w.tokens
            .extend(v["tokens"].as_array().cloned().unwrap_or_default());
        cursor = v["next_cursor"].as_str().map(str::to_owned);
        match &cursor {
            Some(c) => w.cursors.push(c.clone()),
            None => break,
        }
    }
    if w.tokens.len() != SCALE_TOKENS as usize {
        return Err(format!("the walk found {} tokens", w.tokens.len()));
    }
    Ok(w)
}

/// A page of the list: the first, one deep in, a searched one, and the first right after
/// a change.
fn list_timings(oha_bin: &Path, base: &str, s: &Session, w: &Walk) -> Result<Value> {
    let deep = w
        .cursors
        .get(w.cursors.len() / 2)
        .cloned()
        .unwrap_or_default();
    let auth = [("Cookie", s.cookie.as_str())];
    let page = |path: &str| oha(oha_bin, &format!("{base}{path}"), 30, 1, "GET", &auth, None);
    let first = page("/api/tokens?limit=100")?;
    let deep_page = page(&format!("/api/tokens?limit=100&cursor={deep}"))?;
    let search = page("/api/tokens?limit=100&q=nightly")?;
    let changed = w
        .tokens
        .first()
        .and_then(|t| t["sid"].as_str())
        .unwrap_or_default();
    let after_change = after_change(s, changed)?;
    let deep_at = w.cursors.len() / 2 + 2;
    println!(
        "    list page p50: first {:.1} ms (right after a change {after_change:.1} ms), page {deep_at} {:.1} ms, search {:.1} ms",
        first.p50_ms, deep_page.p50_ms, search.p50_ms
    );
    Ok(json!({
        "pages": w.cursors.len() + 1,
        "first_page_p50_ms": first.p50_ms,
        "first_page_after_change_p50_ms": after_change,
        "deep_page": deep_at,
        "deep_page_p50_ms": deep_page.p50_ms,
        "search_first_page_p50_ms": search.p50_ms,
    }))
}

/// The first page right after each of ten edits (median, ms).
fn after_change(s: &Session, sid: &str) -> Result<f64> {
    let mut each = Vec::new();
    for i in 0..10 {
        let edit = s.call(
            "PATCH",
            &format!("/api/tokens/{sid}"),
            Some(&json!({ "description": format!("bench {i}") })),
        )?;
        if edit.status != 200 {
            return Err(format!("edit: {} {}", edit.status, edit.body));
        }
        let t = Instant::now();
        let a = s.call("GET", "/api/tokens?limit=100", None)?;
        each.push(t.elapsed().as_secs_f64() * 1000.0);
        if a.status != 200 {
            return Err(format!("list: {} {}", a.status, a.body));
        }
    }
    Ok(median(each))
}

/// The same requests to the 10,000-token account and to the demo account (1 token), in
/// turns: a page of 100 tokens and a page of 100 audit entries. Each account's object
/// answers from indexed SQL, so the big account should cost about what the small one does
/// (goal: at most 1.5×).
fn side_by_side(oha_bin: &Path, base: &str, big: &Session, demo_password: &str) -> Result<Value> {
    step("4. list and audit: the 10,000-token account against a 1-token account, in turns");
    let small = Session::login(base, "admin@demo.tollgate.test", demo_password)?;
    let mut m: [Vec<f64>; 6] = Default::default();
    for _ in 0..SIDE_BY_SIDE_ROUNDS {
        for (i, (s, path)) in [
            (big, "/api/tokens?limit=100"),
            (&small, "/api/tokens?limit=100"),
            (big, "/api/audit?limit=100"),
            (&small, "/api/audit?limit=100"),
            // The same page size from both: what the account's size alone costs.
            (big, "/api/tokens?limit=1"),
            (&small, "/api/tokens?limit=1"),
        ]
        .into_iter()
        .enumerate()
        {
            let auth = [("Cookie", s.cookie.as_str())];
            m[i].push(oha(oha_bin, &format!("{base}{path}"), 30, 1, "GET", &auth, None)?.p50_ms);
        }
    }
    let [bl, sl, ba, sa, b1, s1] = m.map(median);
    println!(
        "    list p50 {bl:.1} ms (10,000 tokens) vs {sl:.1} ms (1 token): {:.2}×; audit p50 {ba:.1} vs {sa:.1} ms: {:.2}×; a page of 1 from each: {b1:.1} vs {s1:.1} ms: {:.2}×",
        bl / sl,
        ba / sa,
        b1 / s1
    );
    Ok(json!({
        "rounds": SIDE_BY_SIDE_ROUNDS,
        "list_big_p50_ms": bl, "list_small_p50_ms": sl, "list_ratio": bl / sl, "goal_list": bl / sl <= 1.5,
        "audit_big_p50_ms": ba, "audit_small_p50_ms": sa, "audit_ratio": ba / sa, "goal_audit": ba / sa <= 1.5,
        "page_of_one_big_p50_ms": b1, "page_of_one_small_p50_ms": s1, "page_of_one_ratio": b1 / s1,
    }))
}

/// In headless Chromium (`bench/browser.mjs`): the package's filter over the 10,000 tokens,
/// navigation to a rendered list, and what a browser fetches to show the sign-in page.
fn browser(
    base: &str,
    tokens_file: &Path,
    scale_password: &str,
    demo_password: &str,
) -> Result<Value> {
    step(
        "4/5. headless Chromium: the filter over 10,000 tokens, navigation to a rendered list, the sign-in page's weight",
    );
    let (node, _) = node_and_wrangler();
    let out = Command::new(node)
        .arg(root().join("bench/browser.mjs"))
        .current_dir(root())
        .env("BASE", base.replace("127.0.0.1", "localhost"))
        .env("PKG", crate::package::package_dir())
        .env("TOKENS_FILE", tokens_file)
        .env("SCALE_EMAIL", "admin@scale.test")
        .env("SCALE_PASSWORD", scale_password)
        .env("DEMO_EMAIL", "admin@demo.tollgate.test")
        .env("DEMO_PASSWORD", demo_password)
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "bench/browser.mjs failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("browser.mjs output: {e}"))
}

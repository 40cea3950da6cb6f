//! `cargo xtask bench`: what verification costs at the edge against a no-op Worker, what a
//! rejection costs, the in-isolate CPU of one verification, an account with 10,000 tokens,
//! and the weight of what ships. Release builds, wasm-opt applied; loopback only; bounded
//! (about 10 minutes here). Writes `bench/results/latest.{md,json}` and prints the report.
//!
//! The box is small and noisy, so every load runs in turns (Tollgate, no-op, Tollgate, …)
//! and the report gives medians of the rounds and ratios, and names the machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};
use tollgate_tests::{
    Output, Sandbox, Server, Session, bootstrap_demo, free_port, node_and_wrangler, random_b64,
    send,
};

mod edge;
mod report;

use crate::tools::Tools;
use crate::{Result, gzipped_size, root, run, step, target_dir, wasm_opt};

/// Requests per load run, and clients at once.
pub(crate) const REQUESTS: u32 = 4000;
pub(crate) const CONCURRENCY: u32 = 32;
/// Tokens in the scale account.
const SCALE_TOKENS: u32 = 10_000;

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// One oha run: requests/s, p50 and p99 in ms, and the status codes seen.
#[derive(Debug, Clone)]
pub(crate) struct Load {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) statuses: Value,
}

pub(crate) fn oha(
    oha: &Path,
    url: &str,
    n: u32,
    c: u32,
    method: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<Load> {
    let mut cmd = Command::new(oha);
    cmd.args([
        "--no-tui",
        "--output-format",
        "json",
        "-n",
        &n.to_string(),
        "-c",
        &c.to_string(),
        "-m",
        method,
    ]);
    for (k, v) in headers {
        cmd.arg("-H").arg(format!("{k}: {v}"));
    }
    if let Some(b) = body {
        cmd.arg("-d").arg(b);
    }
    cmd.arg(url);
    let out = cmd
        .output()
        .map_err(|e| format!("could not run oha: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "oha failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("oha's JSON: {e}"))?;
    let ms = |key: &str| v["latencyPercentiles"][key].as_f64().unwrap_or(f64::NAN) * 1000.0;
    if v["summary"]["successRate"].as_f64() != Some(1.0) {
        return Err(format!(
            "{method} {url}: some requests failed to complete: {}",
            v["errorDistribution"]
        ));
    }
    Ok(Load {
        rps: v["summary"]["requestsPerSec"].as_f64().unwrap_or(f64::NAN),
        p50_ms: ms("p50"),
        p99_ms: ms("p99"),
        statuses: v["statusCodeDistribution"].clone(),
    })
}

pub(crate) fn summarise(runs: &[Load]) -> Value {
    json!({
        "rounds": runs.len(),
        "rps": median(runs.iter().map(|r| r.rps).collect()),
        "p50_ms": median(runs.iter().map(|r| r.p50_ms).collect()),
        "p99_ms": median(runs.iter().map(|r| r.p99_ms).collect()),
        "statuses": runs.last().map(|r| r.statuses.clone()).unwrap_or(Value::Null),
        "each_rps": runs.iter().map(|r| (r.rps * 10.0).round() / 10.0).collect::<Vec<_>>(),
    })
}

pub(crate) fn kv_reads(base: &str) -> Result<u64> {
    let a = send("GET", &format!("{base}/__tollgate/stats"), &[], None)?;
    a.json()["kv_reads"]
        .as_u64()
        .ok_or_else(|| format!("stats: {} {}", a.status, a.body))
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kib| (kib / 1024.0 / 1024.0 * 10.0).round() / 10.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    json!({ "cpu": cpu, "cores": cores, "memory_gib": mem_gib, "kernel": kernel, "rustc": rustc.unwrap_or_default() })
}

fn build_noop(t: &Tools) -> Result<()> {
    step("building the no-op baseline Worker (worker-build --release, like Tollgate's)");
    let status = Command::new(&t.worker_build)
        .arg("--release")
        .env("WASM_BINDGEN_BIN", &t.wasm_bindgen)
        .env("ESBUILD_BIN", &t.esbuild)
        .env("WASM_OPT_BIN", &t.wasm_opt)
        .current_dir(root().join("crates/bench-noop-worker"))
        .status()
        .map_err(|e| format!("could not start worker-build: {e}"))?;
    if !status.success() {
        return Err("worker-build (no-op Worker) failed".into());
    }
    // Treated exactly like the verifier's bundle.
    wasm_opt(
        t,
        &root().join("crates/bench-noop-worker/build/index_bg.wasm"),
    )
}

/// The verification microbenchmark as wasm for Node (release, wasm-opt -O3).
fn build_verify_wasm(t: &Tools) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    step("building the verification microbenchmark for wasm (release)");
    run(Command::new(&cargo).args([
        "build",
        "-p",
        "tollgate-bench-verify-wasm",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    let out = target_dir().join("bench/verify-wasm");
    let _ = std::fs::remove_dir_all(&out);
    run(Command::new(&t.wasm_bindgen)
        .arg(target_dir().join("wasm32-unknown-unknown/release/tollgate_bench_verify_wasm.wasm"))
        .args(["--target", "nodejs", "--no-typescript", "--out-dir"])
        .arg(&out))?;
    let bg = out.join("tollgate_bench_verify_wasm_bg.wasm");
    wasm_opt(t, &bg)?;
    Ok(out)
}

/// Criterion's median estimate (ns) of one benchmark.
fn criterion_median(id: &str) -> Result<f64> {
    let path = target_dir()
        .join("criterion")
        .join(id)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    v["median"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| format!("no median in {}", path.display()))
}

fn sizes(t: &Tools) -> Result<Value> {
    let _ = t;
    let kib = |p: &Path| gzipped_size(p).map(|b| (b as f64 / 1024.0 * 10.0).round() / 10.0);
    let raw_kib = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| (m.len() as f64 / 1024.0 * 10.0).round() / 10.0)
            .unwrap_or(f64::NAN)
    };
    let worker = root().join("worker/admin/build");
    let worker_wasm = std::fs::read_dir(&worker)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .ok_or("no .wasm in worker/admin/build")?;
    let worker_js = worker.join("index.js");
    let dist = root().join("web/dist");
    let app = crate::first_load_files(&dist);
    let mut app_total = 0.0;
    for f in &app {
        app_total += kib(f)?;
    }
    let pkg = crate::package::package_dir();
    let verifier = crate::bundle_size(&root().join("worker/verifier/build"))? as f64 / 1024.0;
    Ok(json!({
        "verifier_bundle_gz_kib": (verifier * 10.0).round() / 10.0,
        "worker_wasm_gz_kib": kib(&worker_wasm)?,
        "worker_wasm_raw_kib": raw_kib(&worker_wasm),
        "worker_js_gz_kib": kib(&worker_js)?,
        "admin_first_load_gz_kib": (app_total * 10.0f64).round() / 10.0,
        "admin_wasm_gz_kib": kib(&app[0])?,
        "npm_wasm_gz_kib": kib(&pkg.join("tollgate_wasm_bg.wasm"))?,
        "npm_wasm_raw_kib": raw_kib(&pkg.join("tollgate_wasm_bg.wasm")),
        "npm_manager_wasm_gz_kib": kib(&pkg.join("manager/tollgate_web_bg.wasm"))?,
    }))
}

/// Writes `latest.md` again from `latest.json` (after a change to the report's wording).
pub fn report_only() -> Result<()> {
    let dir = root().join("bench/results");
    let text = std::fs::read_to_string(dir.join("latest.json"))
        .map_err(|e| format!("bench/results/latest.json: {e}"))?;
    let report: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let md = report::markdown(&report);
    std::fs::write(dir.join("latest.md"), &md).map_err(|e| e.to_string())?;
    println!("{md}");
    Ok(())
}

pub fn bench() -> Result<()> {
    let started = Instant::now();
    let t = Tools::ensure(true)?;
    let oha_bin = crate::tools::ensure_oha()?;
    crate::build(&t)?;
    crate::package::package(&t)?;
    build_noop(&t)?;
    let verify_wasm = build_verify_wasm(&t)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut report = json!({ "machine": machine(), "date": today() });

    // 3. In-isolate CPU.
    step("3. in-isolate CPU: criterion (native)");
    run(Command::new(&cargo).args([
        "bench",
        "-p",
        "tollgate-core",
        "--bench",
        "verify",
        "--",
        "--noplot",
    ]))?;
    let native = json!({
        "verify_ns": criterion_median("verify_screen+sha256+compare")?,
        "parse_basic_ns": criterion_median("verify_parse_basic")?,
        "token_checksum_ns": criterion_median("verify_token_checksum")?,
        "sha256_ns": criterion_median("verify_sha256")?,
        "filter_10000_ns": criterion_median("filter_10000 tokens, search, first page")?,
    });
    step("3. in-isolate CPU: wasm under Node");
    let (node, _) = node_and_wrangler();
    let out = Command::new(&node)
        .arg(root().join("crates/bench-verify-wasm/run.mjs"))
        .env(
            "VERIFY_WASM",
            verify_wasm.join("tollgate_bench_verify_wasm.js"),
        )
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the wasm microbenchmark failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let wasm: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("run.mjs output: {e}"))?;
    report["cpu"] = json!({ "native": native, "wasm_node": wasm });

    // 5. Weight.
    report["weight"] = sizes(&t)?;

    // Servers: Tollgate (with the stats endpoint) and the no-op baseline, side by side.
    step(
        "starting Tollgate (admin Worker + verifier) and the no-op Worker on wrangler dev --local",
    );
    // The verifier keeps KV answers for a minute, as a remote location's KV cache does (the
    // revocation distribution is measured against that).
    let sandbox = Sandbox::with_vars(
        "bench",
        &[
            ("EXPOSE_STATS", "true"),
            ("NEW_TOKENS_PER_MINUTE", "1000000"),
            ("KV_HOLD_SECONDS", "60"),
        ],
    )?;
    let server = sandbox.start()?;
    let noop_state = sandbox.dir.join("noop-state");
    let noop = Server::start_with(
        Some(&root().join("crates/bench-noop-worker/wrangler.toml")),
        &noop_state,
        free_port()?,
        None,
        Output::File(sandbox.dir.join("noop.log")),
    )?;
    let password = format!("pw-{}", random_b64(12));
    let demo = bootstrap_demo(&server.base, &sandbox.setup_secret, &password)?;

    // 1, 2, 6, 7, 8: the verifier against the no-op, rejections, cold starts, revocation
    // and the feed's cost.
    let ctx = edge::EdgeBench {
        oha: &oha_bin,
        server: &server,
        noop: &noop,
        sandbox: &sandbox,
        demo: &demo,
    };
    edge::run(&ctx, &mut report)?;

    // 4. Scale: an account with 10,000 tokens.
    report["scale"] = scale(&oha_bin, &server, &sandbox, &node, &password)?;

    drop(noop);
    drop(server);
    report["seconds"] = json!(started.elapsed().as_secs());
    let md = report::markdown(&report);
    let dir = root().join("bench/results");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("latest.json"),
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n",
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(dir.join("latest.md"), &md).map_err(|e| e.to_string())?;
    println!("\n{md}");
    step(&format!(
        "report written to bench/results/latest.md and latest.json ({} s)",
        started.elapsed().as_secs()
    ));
    Ok(())
}

pub(crate) fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn today() -> String {
    Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

const SCALE_NAMES: [&str; 4] = [
    "Reporting sync",
    "Nightly export",
    "ＡＰＩ 連携",
    "接口同步",
];

fn scale(
    oha_bin: &Path,
    server: &Server,
    sandbox: &Sandbox,
    node: &Path,
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
    let headers = [
        ("Cookie", s.cookie.as_str()),
        ("X-CSRF-Token", s.csrf.as_str()),
        ("Content-Type", "application/json"),
    ];
    let per_name = SCALE_TOKENS / SCALE_NAMES.len() as u32;
    let created = Instant::now();
    let mut create_runs = Vec::new();
    for name in SCALE_NAMES {
        let body = json!({
            "name": name,
            "description": "",
            "primary_contact": s.user["id"],
            "developer_emails": [],
            "scopes": ["reports.read"],
        })
        .to_string();
        let r = oha(
            oha_bin,
            &format!("{base}/api/tokens"),
            per_name,
            16,
            "POST",
            &headers,
            Some(&body),
        )?;
        if r.statuses.get("201").and_then(Value::as_u64) != Some(u64::from(per_name)) {
            return Err(format!("creating tokens: statuses {}", r.statuses));
        }
        create_runs.push(r);
    }
    let create_seconds = created.elapsed().as_secs_f64();
    let creation = json!({
        "tokens": SCALE_TOKENS,
        "concurrency": 16,
        "per_second": f64::from(SCALE_TOKENS) / create_seconds,
        "p50_ms": median(create_runs.iter().map(|r| r.p50_ms).collect()),
        "p99_ms": median(create_runs.iter().map(|r| r.p99_ms).collect()),
    });
    println!("    created {SCALE_TOKENS} tokens in {create_seconds:.1} s");

    // Walk every page once: the tokens for the browser filter, and a deep page's cursor.
    let mut tokens: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut cursors = Vec::new();
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
        tokens.extend(v["tokens"].as_array().cloned().unwrap_or_default());
        cursor = v["next_cursor"].as_str().map(str::to_owned);
        match &cursor {
            Some(c) => cursors.push(c.clone()),
            None => break,
        }
    }
    if tokens.len() != SCALE_TOKENS as usize {
        return Err(format!("the walk found {} tokens", tokens.len()));
    }
    let deep = cursors.get(cursors.len() / 2).cloned().unwrap_or_default();
    let auth = [("Cookie", s.cookie.as_str())];
    let page = |path: &str| oha(oha_bin, &format!("{base}{path}"), 30, 1, "GET", &auth, None);
    let first = page("/api/tokens?limit=100")?;
    let deep_page = page(&format!("/api/tokens?limit=100&cursor={deep}"))?;
    let search = page("/api/tokens?limit=100&q=nightly")?;
    // The first page right after a change (the index version moved: read afresh).
    let changed_sid = tokens
        .first()
        .and_then(|t| t["sid"].as_str())
        .unwrap_or_default()
        .to_owned();
    let mut after_change = Vec::new();
    for i in 0..10 {
        let edit = s.call(
            "PATCH",
            &format!("/api/tokens/{changed_sid}"),
            Some(&json!({ "description": format!("bench {i}") })),
        )?;
        if edit.status != 200 {
            return Err(format!("edit: {} {}", edit.status, edit.body));
        }
        let t = Instant::now();
        let a = s.call("GET", "/api/tokens?limit=100", None)?;
        after_change.push(t.elapsed().as_secs_f64() * 1000.0);
        if a.status != 200 {
            return Err(format!("list: {} {}", a.status, a.body));
        }
    }
    let after_change = median(after_change);
    println!(
        "    list page p50: first {:.1} ms (right after a change {after_change:.1} ms), page {} {:.1} ms, search {:.1} ms",
        first.p50_ms,
        cursors.len() / 2 + 2,
        deep_page.p50_ms,
        search.p50_ms
    );

    let side_by_side = side_by_side(oha_bin, base, &s, demo_password)?;

    // The browser: the package's filter over the 10,000 tokens, and navigation to a rendered list.
    let tokens_file = sandbox.dir.join("tokens.json");
    std::fs::write(&tokens_file, Value::Array(tokens).to_string()).map_err(|e| e.to_string())?;
    step(
        "4/5. headless Chromium: the filter over 10,000 tokens, and navigation to a rendered token list",
    );
    let out = Command::new(node)
        .arg(root().join("bench/browser.mjs"))
        .current_dir(root())
        .env("BASE", base.replace("127.0.0.1", "localhost"))
        .env("PKG", crate::package::package_dir())
        .env("TOKENS_FILE", &tokens_file)
        .env("SCALE_EMAIL", "admin@scale.test")
        .env("SCALE_PASSWORD", &password)
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
    let browser: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("browser.mjs output: {e}"))?;
    Ok(json!({
        "creation": creation,
        "list": {
            "pages": cursors.len() + 1,
            "first_page_p50_ms": first.p50_ms,
            "first_page_after_change_p50_ms": after_change,
            "deep_page": cursors.len() / 2 + 2,
            "deep_page_p50_ms": deep_page.p50_ms,
            "search_first_page_p50_ms": search.p50_ms,
        },
        "side_by_side": side_by_side,
        "browser": browser,
    }))
}

/// Rounds of the side-by-side list and audit comparison.
const SIDE_BY_SIDE_ROUNDS: usize = 5;

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

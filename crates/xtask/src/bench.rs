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
    Output, Sandbox, Server, bootstrap_demo, free_port, node_and_wrangler, random_b64, send,
};

mod edge;
mod report;
mod scale;

use crate::tools::Tools;
use crate::{Result, gzipped_size, root, run, step, target_dir, wasm_opt};

/// Requests per load run, and clients at once.
pub(crate) const REQUESTS: u32 = 4000;
pub(crate) const CONCURRENCY: u32 = 32;

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
    let mut app_total = 0.0;
    for f in &crate::sign_in_files(&dist)? {
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
        "admin_wasm_gz_kib": kib(&dist.join("pkg/tollgate_web_bg.wasm"))?,
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
    let mut report = json!({ "machine": machine(), "date": today() });
    report["cpu"] = cpu(&verify_wasm)?;
    // 5. Weight.
    report["weight"] = sizes(&t)?;
    servers(&oha_bin, &mut report)?;
    report["seconds"] = json!(started.elapsed().as_secs());
    write_report(&report)?;
    step(&format!(
        "report written to bench/results/latest.md and latest.json ({} s)",
        started.elapsed().as_secs()
    ));
    Ok(())
}

/// 3. In-isolate CPU: criterion natively, and the verification loop as wasm under Node.
fn cpu(verify_wasm: &Path) -> Result<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    step("3. in-isolate CPU: criterion (native)");
    run(Command::new(&cargo)
        .args(["bench", "-p", "tollgate-core", "--bench", "verify"])
        .args(["--", "--noplot"]))?;
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
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!("the wasm microbenchmark failed: {why}"));
    }
    let wasm: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("run.mjs output: {e}"))?;
    Ok(json!({ "native": native, "wasm_node": wasm }))
}

/// Tollgate (with the stats endpoint) and the no-op baseline side by side: the edge (1, 2,
/// 6, 7, 8: the verifier against the no-op, rejections, cold starts, revocation, the feed's
/// cost) and 4, an account with 10,000 tokens.
fn servers(oha_bin: &Path, report: &mut Value) -> Result<()> {
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
    let noop = Server::start_with(
        Some(&root().join("crates/bench-noop-worker/wrangler.toml")),
        &sandbox.dir.join("noop-state"),
        free_port()?,
        None,
        Output::File(sandbox.dir.join("noop.log")),
    )?;
    let password = format!("pw-{}", random_b64(12));
    let demo = bootstrap_demo(&server.base, &sandbox.setup_secret, &password)?;
    let ctx = edge::EdgeBench {
        oha: oha_bin,
        server: &server,
        noop: &noop,
        sandbox: &sandbox,
        demo: &demo,
    };
    edge::run(&ctx, report)?;
    report["scale"] = scale::scale(oha_bin, &server, &sandbox, &password)?;
    Ok(())
}

/// Writes `latest.json` and `latest.md` and prints the report.
fn write_report(report: &Value) -> Result<()> {
    let md = report::markdown(report);
    let dir = root().join("bench/results");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())? + "\n";
    std::fs::write(dir.join("latest.json"), json).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("latest.md"), &md).map_err(|e| e.to_string())?;
    println!("\n{md}");
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

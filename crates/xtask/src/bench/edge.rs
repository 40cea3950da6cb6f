//! The verifier Worker against the no-op Worker, measured side by side in turns: throughput
//! and p99 of a valid token through the `/v1/` gateway, rejections (with the KV reads each
//! costs), the first request to a fresh isolate of each, the revocation distribution (the
//! verifier holding KV answers for a minute, as a remote location does), and what the
//! revocation feed costs.

use std::time::Duration;

use serde_json::{Value, json};
use tollgate_tests::revocation::{self, percentile};
use tollgate_tests::{Demo, Output, Sandbox, Server, Session, free_port, send, verifier_config};

use super::{CONCURRENCY, REQUESTS, b64, kv_reads, median, oha, summarise};
use crate::{Result, root, step};

/// Load rounds per Worker (A B A B …), and per rejection case.
const ROUNDS: usize = 7;
const REJECTION_ROUNDS: usize = 3;
/// Fresh isolates started per Worker for the cold start.
const COLD_STARTS: usize = 3;
/// Revocations measured.
const REVOCATIONS: usize = 120;

/// What the edge measurements run against.
pub struct EdgeBench<'a> {
    pub oha: &'a std::path::Path,
    pub server: &'a Server,
    pub noop: &'a Server,
    pub sandbox: &'a Sandbox,
    pub demo: &'a Demo,
}

pub fn run(c: &EdgeBench<'_>, report: &mut Value) -> Result<()> {
    let noop_rps = overhead(c, report)?;
    rejections(c, report, noop_rps)?;
    report["cold_start"] = cold_start(c)?;
    report["revocation"] = revocations(c)?;
    report["feed"] = feed_cost(c)?;
    Ok(())
}

/// A token of the demo account with all three policies set (a far expiry, an allowlist
/// holding the benchmark's client address, a rate limit it never reaches).
fn policy_token(c: &EdgeBench<'_>) -> Result<String> {
    let s = Session::login(&c.server.base, &c.demo.email, &c.demo.password)?;
    let in_30_days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64 + 30 * 86_400_000)
        .unwrap_or(0);
    let a = s.call(
        "POST",
        "/api/tokens",
        Some(&json!({
            "name": "Benchmark: every policy",
            "primary_contact": s.user["id"],
            "scopes": ["reports.read"],
            "expires_at": in_30_days,
            "allowed_ips": ["203.0.113.0/24", "2001:db8::/32"],
            "rate_limit": { "requests": 1_000_000, "period_seconds": 1 },
        })),
    )?;
    if a.status != 201 {
        return Err(format!("the policy token: {} {}", a.status, a.body));
    }
    let v = a.json();
    let (sid, token) = (
        v["token"]["sid"].as_str().unwrap_or_default(),
        v["auth_token"].as_str().unwrap_or_default(),
    );
    Ok(format!("Basic {}", b64(&format!("{sid}:{token}"))))
}

/// Section 1: a valid token through the verifier's gateway (echo mode) vs the no-op, and a
/// token with every policy set.
fn overhead(c: &EdgeBench<'_>, report: &mut Value) -> Result<f64> {
    step(&format!(
        "1. verifier vs no-op: {ROUNDS} rounds each of {REQUESTS} requests at concurrency {CONCURRENCY}, in turns \
         (plain token, token with every policy, no-op)"
    ));
    let good = format!(
        "Basic {}",
        b64(&format!("{}:{}", c.demo.sid, c.demo.auth_token))
    );
    let policed = policy_token(c)?;
    let client = ("CF-Connecting-IP", "203.0.113.7");
    let tollgate_url = format!("{}/v1/reports", c.server.edge);
    let noop_url = format!("{}/v1/reports", c.noop.base);
    let targets: [(&str, Vec<(&str, &str)>); 3] = [
        (&tollgate_url, vec![("Authorization", &good)]),
        (&tollgate_url, vec![("Authorization", &policed), client]),
        (&noop_url, vec![]),
    ];
    let run = |(url, headers): &(&str, Vec<(&str, &str)>), requests| {
        oha(c.oha, url, requests, CONCURRENCY, "GET", headers, None)
    };
    for target in &targets {
        run(target, 500)?;
    }
    let (mut a, mut p, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        a.push(run(&targets[0], REQUESTS)?);
        p.push(run(&targets[1], REQUESTS)?);
        b.push(run(&targets[2], REQUESTS)?);
        println!(
            "    round {}: verifier {:.0} req/s p99 {:.2} ms | with every policy {:.0} req/s p99 {:.2} ms | no-op {:.0} req/s p99 {:.2} ms",
            round + 1,
            a[round].rps,
            a[round].p99_ms,
            p[round].rps,
            p[round].p99_ms,
            b[round].rps,
            b[round].p99_ms
        );
    }
    let (ta, tp, tb) = (summarise(&a), summarise(&p), summarise(&b));
    let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let ratio = num(&ta["rps"]) / num(&tb["rps"]);
    let policy_ratio = num(&tp["rps"]) / num(&tb["rps"]);
    let p99_ratio = num(&ta["p99_ms"]) / num(&tb["p99_ms"]);
    report["edge"] = json!({
        "requests": REQUESTS, "concurrency": CONCURRENCY,
        "tollgate": ta, "policies": tp, "noop": tb,
        "throughput_ratio": ratio, "policy_throughput_ratio": policy_ratio, "p99_ratio": p99_ratio,
        "p99_delta_ms": num(&ta["p99_ms"]) - num(&tb["p99_ms"]),
        "goal_throughput": ratio >= 0.95, "goal_policy_throughput": policy_ratio >= 0.95, "goal_p99": p99_ratio <= 1.1,
    });
    Ok(num(&tb["rps"]))
}

/// 2. Malformed credentials, a wrong token on a real SID, an unknown SID.
fn rejections(c: &EdgeBench<'_>, report: &mut Value, noop_rps: f64) -> Result<()> {
    step("2. rejections: malformed (bad checksum), wrong token on a real SID, unknown SID");
    let url = format!("{}/v1/reports", c.server.edge);
    let mut bad_checksum = c.demo.auth_token.clone();
    let last = bad_checksum.pop().unwrap_or('0');
    bad_checksum.push(if last == 'A' { 'B' } else { 'A' });
    let other = "tgat_000000000000000000000000000000000000000000031AabC";
    let cases = [
        ("malformed (bad checksum)", c.demo.sid.clone(), bad_checksum),
        (
            "wrong token, real SID",
            c.demo.sid.clone(),
            other.to_owned(),
        ),
        (
            "unknown SID",
            "TGSID0000000000000000000000".to_owned(),
            other.to_owned(),
        ),
    ];
    let mut out = serde_json::Map::new();
    for (name, sid, token) in &cases {
        let header = format!("Basic {}", b64(&format!("{sid}:{token}")));
        let mut runs = Vec::new();
        let mut reads = Vec::new();
        for _ in 0..REJECTION_ROUNDS {
            let before = kv_reads(&c.server.edge)?;
            runs.push(oha(
                c.oha,
                &url,
                REQUESTS,
                CONCURRENCY,
                "GET",
                &[("Authorization", &header)],
                None,
            )?);
            reads.push((kv_reads(&c.server.edge)? - before) as f64 / f64::from(REQUESTS));
        }
        let mut s = summarise(&runs);
        s["kv_reads_per_request"] = json!(median(reads));
        s["ratio_to_noop"] = json!(s["rps"].as_f64().unwrap_or(0.0) / noop_rps);
        println!(
            "    {name}: {:.0} req/s ({:.2}× no-op), p99 {:.2} ms, {} KV reads/request",
            s["rps"].as_f64().unwrap_or(0.0),
            s["ratio_to_noop"].as_f64().unwrap_or(0.0),
            s["p99_ms"].as_f64().unwrap_or(0.0),
            s["kv_reads_per_request"]
        );
        out.insert((*name).to_owned(), s);
    }
    let good = format!(
        "Basic {}",
        b64(&format!("{}:{}", c.demo.sid, c.demo.auth_token))
    );
    let before = kv_reads(&c.server.edge)?;
    oha(
        c.oha,
        &url,
        1000,
        CONCURRENCY,
        "GET",
        &[("Authorization", &good)],
        None,
    )?;
    report["rejections"] = Value::Object(out);
    report["rejections_valid_kv_reads_per_request"] =
        json!((kv_reads(&c.server.edge)? - before) as f64 / 1000.0);
    Ok(())
}

/// 6. The first request to a fresh isolate (a new `wrangler dev` process) of each Worker.
fn cold_start(c: &EdgeBench<'_>) -> Result<Value> {
    step(&format!(
        "6. cold start: {COLD_STARTS} fresh processes of each Worker, in turns"
    ));
    let state = c.sandbox.dir.join("state");
    let env = c.sandbox.dir.join("verifier.env");
    let (mut verifier, mut noop) = (Vec::new(), Vec::new());
    for i in 0..COLD_STARTS {
        let log = Output::File(c.sandbox.dir.join(format!("cold-{i}.log")));
        let v = Server::start_with(
            Some(&verifier_config()),
            &state,
            free_port()?,
            Some(&env),
            log.clone(),
        )?;
        verifier.push(v.cold_start_ms());
        drop(v);
        let n = Server::start_with(
            Some(&root().join("crates/bench-noop-worker/wrangler.toml")),
            &c.sandbox.dir.join("noop-state"),
            free_port()?,
            None,
            log,
        )?;
        noop.push(n.cold_start_ms());
        drop(n);
        println!(
            "    round {}: verifier {:.1} ms | no-op {:.1} ms",
            i + 1,
            verifier[i],
            noop[i]
        );
    }
    let (v, n) = (median(verifier.clone()), median(noop.clone()));
    Ok(
        json!({ "verifier_ms": v, "noop_ms": n, "ratio": v / n, "each_verifier_ms": verifier, "each_noop_ms": noop }),
    )
}

/// Section 7: from the admin API's answer to the first 401 at the verifier, over 120
/// revocations of tokens it holds.
fn revocations(c: &EdgeBench<'_>) -> Result<Value> {
    step(&format!(
        "7. revocation: {REVOCATIONS} resets, disables and deletes of tokens the verifier holds"
    ));
    let s = Session::login(&c.server.base, &c.demo.email, &c.demo.password)?;
    let tokens = revocation::prepare(&s, &c.server.edge, REVOCATIONS)?;
    let measured = revocation::measure(&s, &c.server.edge, &tokens, Duration::from_secs(5))?;
    let ms = revocation::millis(&measured);
    let p = |q: f64| percentile(&ms, q);
    let out = json!({
        "count": measured.len(),
        "p50_ms": p(50.0), "p90_ms": p(90.0), "p99_ms": p(99.0), "max_ms": p(100.0),
        "refused": measured.iter().filter(|r| r.refused).count(),
        "goal": p(99.0) <= 1000.0 && p(50.0) <= 500.0 && measured.iter().all(|r| r.refused),
    });
    println!(
        "    median {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        p(50.0),
        p(99.0),
        p(100.0)
    );
    Ok(out)
}

/// Section 8: requests to the feed object and lines it wrote, per second, for this
/// (one-isolate) location over the whole run.
fn feed_cost(c: &EdgeBench<'_>) -> Result<Value> {
    let v = send(
        "GET",
        &format!("{}/__tollgate/stats", c.server.edge),
        &[],
        None,
    )?
    .json();
    let secs = v["isolate_age_ms"].as_f64().unwrap_or(f64::NAN) / 1000.0;
    let per_s = |k: &str| v[k].as_f64().unwrap_or(f64::NAN) / secs;
    Ok(json!({
        "seconds": secs,
        "subscribes_per_s": per_s("feed_subscribes"),
        "lines_per_s": per_s("feed_lines"),
        "entries": v["feed_entries"],
        "kv_fallbacks": v["kv_fallbacks"],
    }))
}

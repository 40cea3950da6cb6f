//! The revocation prober (used by the edge suite and `cargo xtask bench`): how long after
//! the admin API answers a reset, disable or delete does the verifier refuse the old
//! credentials?
//!
//! Each token is verified first, so the verifier holds it (and, when the verifier runs
//! with `KV_HOLD_SECONDS`, its location's KV copy is held as a remote location's would be).
//! Then, one token at a time and after a random pause (so revocations fall anywhere
//! relative to the feed's heartbeats), the admin API revokes it and the prober asks the
//! verifier every few milliseconds until it answers 401.

use std::time::{Duration, Instant};

use serde_json::json;
use tollgate_core::authorization::encode_basic;

use crate::{Result, Session, send};

/// How the old credentials were revoked.
pub const KINDS: [&str; 3] = ["reset", "disable", "delete"];

/// One measured revocation.
#[derive(Debug, Clone)]
pub struct Revocation {
    pub kind: &'static str,
    /// From the admin API's answer to the first 401 at the verifier.
    pub latency: Duration,
    /// Whether the old credentials were refused within `give_up`.
    pub refused: bool,
}

/// A token the prober made.
#[derive(Debug, Clone)]
pub struct Probed {
    pub sid: String,
    pub token: String,
}

fn verify_status(edge: &str, sid: &str, token: &str) -> Result<u16> {
    let h = encode_basic(sid, token);
    Ok(send(
        "GET",
        &format!("{edge}/v1/verify"),
        &[("Authorization", &h)],
        None,
    )?
    .status)
}

/// Creates `count` tokens and verifies each once at `edge` (so the verifier holds them).
pub fn prepare(s: &Session, edge: &str, count: usize) -> Result<Vec<Probed>> {
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let a = s.call(
            "POST",
            "/api/tokens",
            Some(&json!({
                "name": format!("Revocation probe {i}"),
                "primary_contact": s.user["id"],
                "scopes": ["reports.read"],
            })),
        )?;
        if a.status != 201 {
            return Err(format!("creating a probe token: {} {}", a.status, a.body));
        }
        let v = a.json();
        let sid = v["token"]["sid"].as_str().unwrap_or_default().to_owned();
        let token = v["auth_token"].as_str().unwrap_or_default().to_owned();
        let status = verify_status(edge, &sid, &token)?;
        if status != 200 {
            return Err(format!("a new probe token does not verify: {status}"));
        }
        out.push(Probed { sid, token });
    }
    Ok(out)
}

/// A small deterministic generator for the pauses (no RNG crate needed).
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Revokes each token in turn (reset without grace, disable, delete, in rotation) and
/// measures the time to the first 401. `give_up` bounds each wait.
pub fn measure(
    s: &Session,
    edge: &str,
    tokens: &[Probed],
    give_up: Duration,
) -> Result<Vec<Revocation>> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ tokens.len() as u64;
    let mut out = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        // Still accepted right before: the verifier holds it.
        let before = verify_status(edge, &t.sid, &t.token)?;
        if before != 200 {
            return Err(format!(
                "probe token {i} no longer verifies before its revocation: {before}"
            ));
        }
        std::thread::sleep(Duration::from_millis(next(&mut seed) % 300));
        let kind = KINDS[i % KINDS.len()];
        let (method, path, body) = match kind {
            "reset" => (
                "POST",
                format!("/api/tokens/{}/reset", t.sid),
                Some(json!({ "grace": "none" })),
            ),
            "disable" => ("POST", format!("/api/tokens/{}/disable", t.sid), None),
            _ => ("DELETE", format!("/api/tokens/{}", t.sid), None),
        };
        let a = s.call(method, &path, body.as_ref())?;
        let answered = Instant::now();
        if !(a.status == 200 || a.status == 204) {
            return Err(format!(
                "{kind} of probe token {i}: {} {}",
                a.status, a.body
            ));
        }
        let mut refused = false;
        while answered.elapsed() < give_up {
            if verify_status(edge, &t.sid, &t.token)? == 401 {
                refused = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(3));
        }
        out.push(Revocation {
            kind,
            latency: answered.elapsed(),
            refused,
        });
    }
    Ok(out)
}

/// The `p`-th percentile (0–100) of `values`, nearest rank.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    v[rank.min(v.len()) - 1]
}

/// Milliseconds of each revocation.
pub fn millis(r: &[Revocation]) -> Vec<f64> {
    r.iter().map(|x| x.latency.as_secs_f64() * 1000.0).collect()
}

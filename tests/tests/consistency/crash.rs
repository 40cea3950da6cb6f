//! The replica and crashes: KV follows every change with the object's revision (a
//! tombstone for a delete), and killing wrangler in a burst of admin writes loses no
//! acknowledged write while KV agrees with the objects within 5 seconds of the restart.

use std::time::{Duration, Instant};

use serde_json::json;
use tollgate_tests::{Result, Session, send};

use super::{Ctx, new_token, verify};

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

pub fn replica_revision(base: &str, sid: &str) -> Result<(Option<u64>, bool)> {
    let v = send("GET", &format!("{base}/__tollgate/replica/{sid}"), &[], None)?.json();
    Ok((v["revision"].as_u64(), v["deleted"] == true))
}

pub fn crash_during_writes(c: &mut Ctx) -> Result<()> {
    let tokens: Vec<(String, String)> =
        (0..6).map(|i| new_token(&c.admin, &format!("crash {i}"), "2026-04-01")).collect::<Result<_>>()?;
    // Writers toggle their token and rename it, recording each acknowledged revision.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let acked: Vec<Vec<u64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = tokens
            .iter()
            .map(|(sid, _)| {
                let (s, stop) = (&c.admin, &stop);
                scope.spawn(move || {
                    let mut revisions = Vec::new();
                    let mut i = 0u32;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 400 {
                        let a = match i % 3 {
                            0 => s.call("POST", &format!("/api/tokens/{sid}/disable"), None),
                            1 => s.call("POST", &format!("/api/tokens/{sid}/enable"), None),
                            _ => s.call(
                                "PATCH",
                                &format!("/api/tokens/{sid}"),
                                Some(&json!({"description": format!("write {i}")})),
                            ),
                        };
                        if let Ok(a) = a
                            && a.status == 200
                            && let Some(r) = a.json()["revision"].as_u64()
                        {
                            revisions.push(r);
                        }
                        i += 1;
                    }
                    revisions
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        c.server.kill();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    let acknowledged: usize = acked.iter().map(Vec::len).sum();
    ensure!(acknowledged > 0, "no write was acknowledged before the kill");
    c.server = c.sandbox.start()?;
    c.base = c.server.base.clone();
    let restarted = Instant::now();
    c.admin = Session::login(&c.base, "admin@acme.test", &c.admin_password)?;
    for ((sid, _), revs) in tokens.iter().zip(&acked) {
        let v = c.admin.call("GET", &format!("/api/tokens/{sid}"), None)?.json();
        let now = v["revision"].as_u64().unwrap_or(0);
        let last = revs.iter().max().copied().unwrap_or(1);
        ensure!(now >= last, "{sid}: acknowledged revision {last} lost (now {now})");
    }
    // KV agrees with the objects within 5 seconds of the restart, for every token.
    let mut all: Vec<(String, u64)> = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = c.admin.call("GET", &format!("/api/tokens?limit=100&cursor={cursor}"), None)?.json();
        if let Some(a) = page["tokens"].as_array() {
            all.extend(
                a.iter()
                    .map(|t| (t["sid"].as_str().unwrap_or_default().to_owned(), t["revision"].as_u64().unwrap_or(0))),
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    loop {
        let mut behind = Vec::new();
        for (sid, rev) in &all {
            if replica_revision(&c.base, sid)?.0 != Some(*rev) {
                behind.push(sid.clone());
            }
        }
        if behind.is_empty() {
            break;
        }
        ensure!(
            restarted.elapsed() < Duration::from_secs(5),
            "KV still behind 5 s after restart for {} tokens: {behind:?}",
            behind.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "    {acknowledged} acknowledged writes over {} tokens, wrangler killed mid-burst: none lost; KV agreed for all {} tokens {:.1} s after restart",
        tokens.len(),
        all.len(),
        restarted.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn replica_follows_every_change(c: &mut Ctx) -> Result<()> {
    let (sid, token) = new_token(&c.admin, "replica", "2025-04-01")?;
    ensure!(replica_revision(&c.base, &sid)? == (Some(1), false), "replica of a new token");
    c.admin.call("POST", &format!("/api/tokens/{sid}/upgrade"), None)?;
    ensure!(replica_revision(&c.base, &sid)? == (Some(2), false), "replica after upgrade");
    let d = c.admin.call("DELETE", &format!("/api/tokens/{sid}"), None)?;
    ensure!(d.status == 204, "delete: {}", d.status);
    ensure!(replica_revision(&c.base, &sid)? == (Some(3), true), "a tombstone with the next revision");
    ensure!(verify(&c.base, &sid, &token)? == 401, "a deleted token verifies");
    Ok(())
}

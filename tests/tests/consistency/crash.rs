//! The replica and crashes: KV follows every change with the object's revision (a
//! tombstone for a delete), and killing wrangler in a burst of admin writes loses no
//! acknowledged write while KV agrees with the objects within 5 seconds of the restart.

use std::time::{Duration, Instant};

use serde_json::json;
use tollgate_tests::{Result, Session, send};

use super::{Ctx, new_token, verify};

use tollgate_tests::ensure;

pub fn replica_revision(base: &str, sid: &str) -> Result<(Option<u64>, bool)> {
    let v = send(
        "GET",
        &format!("{base}/__tollgate/replica/{sid}"),
        &[],
        None,
    )?
    .json();
    Ok((v["revision"].as_u64(), v["deleted"] == true))
}

pub fn crash_during_writes(c: &mut Ctx) -> Result<()> {
    let tokens: Vec<(String, String)> = (0..6)
        .map(|i| new_token(&c.admin, &format!("crash {i}"), "2026-04-01"))
        .collect::<Result<_>>()?;
    // Writers toggle their token and rename it, recording each acknowledged revision.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let admin = c.admin.clone();
    let acked: Vec<Vec<u64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = tokens
            .iter()
            .map(|(sid, _)| {
                let (s, stop) = (&admin, &stop);
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
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let acknowledged: usize = acked.iter().map(Vec::len).sum();
    ensure!(
        acknowledged > 0,
        "no write was acknowledged before the kill"
    );
    c.server = c.sandbox.start()?;
    c.base = c.server.base.clone();
    c.edge = c.server.edge.clone();
    let restarted = Instant::now();
    // First without any request to the objects: only their alarms can write KV now. The
    // burst's tokens are polled for 2.5 s; their replicas are judged once the objects'
    // revisions are known.
    let replicas = |base: &str| -> Result<Vec<Option<u64>>> {
        tokens
            .iter()
            .map(|(sid, _)| Ok(replica_revision(base, sid)?.0))
            .collect()
    };
    let mut polls: Vec<(Duration, Vec<Option<u64>>)> = Vec::new();
    while restarted.elapsed() < Duration::from_millis(2500) {
        polls.push((restarted.elapsed(), replicas(&c.base)?));
        std::thread::sleep(Duration::from_millis(200));
    }
    c.admin = Session::login(&c.base, "admin@acme.test", &c.admin_password)?;
    let mut objects = Vec::new();
    for ((sid, _), revs) in tokens.iter().zip(&acked) {
        let v = c
            .admin
            .call("GET", &format!("/api/tokens/{sid}"), None)?
            .json();
        let now = v["revision"].as_u64().unwrap_or(0);
        let last = revs.iter().max().copied().unwrap_or(1);
        ensure!(
            now >= last,
            "{sid}: acknowledged revision {last} lost (now {now})"
        );
        objects.push(Some(now));
    }
    let behind_at_restart = polls
        .first()
        .map(|(_, v)| v.iter().zip(&objects).filter(|(a, b)| a != b).count())
        .unwrap_or(0);
    // When KV agreed with the objects for every token the burst wrote: in a poll made before
    // any request reached the objects (their alarms wrote it), or else now (the requests
    // above flushed what was left).
    let agreed = polls.iter().find(|(_, v)| *v == objects).map(|(t, _)| *t);
    let agreed = match agreed {
        Some(t) => t,
        None => loop {
            if replicas(&c.base)? == objects {
                break restarted.elapsed();
            }
            ensure!(
                restarted.elapsed() < Duration::from_secs(5),
                "KV still behind the objects 5 s after restart"
            );
            std::thread::sleep(Duration::from_millis(100));
        },
    };
    ensure!(
        agreed < Duration::from_secs(5),
        "KV agreed with the objects only {:.1} s after restart",
        agreed.as_secs_f64()
    );
    // And every other token of the account agrees too.
    let mut all: Vec<(String, u64)> = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = c
            .admin
            .call(
                "GET",
                &format!("/api/tokens?limit=100&cursor={cursor}"),
                None,
            )?
            .json();
        if let Some(a) = page["tokens"].as_array() {
            all.extend(a.iter().map(|t| {
                (
                    t["sid"].as_str().unwrap_or_default().to_owned(),
                    t["revision"].as_u64().unwrap_or(0),
                )
            }));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    for (sid, rev) in &all {
        ensure!(
            replica_revision(&c.base, sid)?.0 == Some(*rev),
            "{sid}: KV differs from the object"
        );
    }
    println!(
        "    {acknowledged} acknowledged writes over {} tokens, wrangler killed mid-burst: none lost; {behind_at_restart} replicas behind at restart, \
         KV agreed with the objects {:.1} s after restart ({}); all {} tokens of the account agree",
        tokens.len(),
        agreed.as_secs_f64(),
        if agreed < Duration::from_millis(2500) {
            "written by the objects' alarms, before any request reached them"
        } else {
            "after the first requests"
        },
        all.len()
    );
    Ok(())
}

pub fn replica_follows_every_change(c: &mut Ctx) -> Result<()> {
    let (sid, token) = new_token(&c.admin, "replica", "2025-04-01")?;
    ensure!(
        replica_revision(&c.base, &sid)? == (Some(1), false),
        "replica of a new token"
    );
    c.admin
        .call("POST", &format!("/api/tokens/{sid}/upgrade"), None)?;
    ensure!(
        replica_revision(&c.base, &sid)? == (Some(2), false),
        "replica after upgrade"
    );
    let d = c
        .admin
        .call("DELETE", &format!("/api/tokens/{sid}"), None)?;
    ensure!(d.status == 204, "delete: {}", d.status);
    ensure!(
        replica_revision(&c.base, &sid)? == (Some(3), true),
        "a tombstone with the next revision"
    );
    ensure!(
        verify(&c.edge, &sid, &token)? == 401,
        "a deleted token verifies"
    );
    Ok(())
}

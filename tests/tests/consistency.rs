//! The consistency suite: the account objects as the only writer, against the real Worker
//! on `wrangler dev --local` (its own server and state). Every pair of token mutations fired
//! at the same instant ends in a state that some serial order of the two gives; sign-out
//! racing a session refresh never revives the session; `If-Match` and `Idempotency-Key`
//! behave as documented; the sign-in throttle never stops the right password from another
//! client; a crash in a burst of writes loses nothing acknowledged and KV converges; the
//! earlier KV-only layout is imported on first use. A small runner (no libtest) owns the
//! server; the output ends with libtest's summary line.

#[path = "consistency/model.rs"]
mod model;

use std::sync::Barrier;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tollgate_core::authorization::encode_basic;
use tollgate_tests::{Answer, Result, Sandbox, Server, Session, send, setup_account};

use model::{Model, Op};

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

struct Ctx {
    sandbox: Sandbox,
    server: Server,
    base: String,
    admin: Session,
    admin_password: String,
    /// Sessions signed in at the start, for the sign-out race once they are due a refresh.
    old_sessions: Vec<Session>,
    started: Instant,
}

type Case = fn(&mut Ctx) -> Result<()>;

fn password() -> String {
    format!("pw-{}", tollgate_tests::random_b64(12))
}

fn verify(base: &str, sid: &str, token: &str) -> Result<u16> {
    let h = encode_basic(sid, token);
    Ok(send("GET", &format!("{base}/v1/verify"), &[("Authorization", &h)], None)?.status)
}

/// `call` with extra headers (If-Match, Idempotency-Key).
fn call_with(s: &Session, method: &str, path: &str, body: Option<&Value>, extra: &[(&str, &str)]) -> Result<Answer> {
    let text = body.map(Value::to_string);
    let mut headers = vec![("Cookie", s.cookie.as_str()), ("X-CSRF-Token", s.csrf.as_str())];
    if text.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    headers.extend_from_slice(extra);
    send(method, &format!("{}{path}", s.base), &headers, text.as_deref())
}

fn new_token(s: &Session, name: &str, version: &str) -> Result<(String, String)> {
    let a = s.call(
        "POST",
        "/api/tokens",
        Some(&json!({
            "name": name,
            "description": "original",
            "api_version": version,
            "primary_contact": s.user["id"],
            "developer_emails": [],
            "scopes": ["reports.read", "actions.read"],
        })),
    )?;
    ensure!(a.status == 201, "create: {} {}", a.status, a.body);
    let v = a.json();
    Ok((
        v["token"]["sid"].as_str().unwrap_or_default().to_owned(),
        v["auth_token"].as_str().unwrap_or_default().to_owned(),
    ))
}

// ------------------------------------------------------------------ races

/// Fires `a` and `b` on the same token at the same instant; returns both answers.
fn fire(s: &Session, sid: &str, a: Op, b: Op) -> Result<[Answer; 2]> {
    let barrier = Barrier::new(2);
    let (ra, rb) = std::thread::scope(|scope| {
        let ha = scope.spawn(|| {
            barrier.wait();
            a.send(s, sid, 'A')
        });
        let hb = scope.spawn(|| {
            barrier.wait();
            b.send(s, sid, 'B')
        });
        (ha.join(), hb.join())
    });
    let ra = ra.map_err(|_| "thread A panicked".to_owned())??;
    let rb = rb.map_err(|_| "thread B panicked".to_owned())??;
    Ok([ra, rb])
}

/// What the system shows after a race, to compare with the model.
#[derive(Debug, PartialEq)]
struct Seen {
    statuses: [u16; 2],
    exists: bool,
    enabled: bool,
    latest: bool,
    description: String,
    scopes: Vec<String>,
    /// Whether the edge accepts the original token, A's new one and B's new one.
    edge: [bool; 3],
    copies: Vec<String>,
}

fn observe(c: &Ctx, sid: &str, original: &str, answers: &[Answer; 2]) -> Result<Seen> {
    let get = c.admin.call("GET", &format!("/api/tokens/{sid}"), None)?;
    ensure!(get.status == 200 || get.status == 404, "GET after race: {} {}", get.status, get.body);
    let v = get.json();
    let mut edge = [verify(&c.base, sid, original)? == 200, false, false];
    let mut copies = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        ensure!(a.status < 500, "a racer got {} {}", a.status, a.body);
        let body = a.json();
        if let Some(tok) = body["auth_token"].as_str() {
            if body["token"]["sid"].as_str() == Some(sid) {
                edge[i + 1] = verify(&c.base, sid, tok)? == 200;
            } else {
                copies.push(body["token"]["description"].as_str().unwrap_or_default().to_owned());
            }
        }
    }
    let mut scopes: Vec<String> = v["scopes"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    scopes.sort();
    Ok(Seen {
        statuses: [answers[0].status, answers[1].status],
        exists: get.status == 200,
        enabled: v["state"] == "enabled",
        latest: v["latest_version"] == true,
        description: v["description"].as_str().unwrap_or_default().to_owned(),
        scopes,
        edge,
        copies,
    })
}

fn expected(m: &Model, statuses: [u16; 2], copies: Vec<String>) -> Seen {
    Seen {
        statuses,
        exists: m.exists,
        enabled: m.exists && m.enabled,
        latest: m.exists && m.latest,
        description: if m.exists { m.description.clone() } else { String::new() },
        scopes: if m.exists { m.scopes.clone() } else { Vec::new() },
        edge: [m.accepts("orig"), m.accepts("A"), m.accepts("B")],
        copies,
    }
}

fn races(c: &mut Ctx) -> Result<()> {
    let rounds: usize = std::env::var("TOLLGATE_RACE_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(6);
    let oldest = "2024-04-01";
    let mut trials = 0;
    // Outcomes only A-then-B gives, only B-then-A gives, and both give (commuting pairs).
    let mut orders = [0usize; 3];
    for (i, a) in Op::ALL.iter().enumerate() {
        for b in &Op::ALL[i..] {
            for round in 0..rounds {
                // Half the rounds start from a disabled token, so enable has something to do.
                let start_enabled = round % 2 == 0;
                let (sid, original) = new_token(&c.admin, &format!("race {a:?}/{b:?} {round}"), oldest)?;
                if !start_enabled {
                    let d = c.admin.call("POST", &format!("/api/tokens/{sid}/disable"), None)?;
                    ensure!(d.status == 200, "disable before race: {} {}", d.status, d.body);
                }
                let answers = fire(&c.admin, &sid, *a, *b)?;
                let seen = observe(c, &sid, &original, &answers)?;
                let mut matched = Vec::new();
                for (k, (first, second)) in [((*a, 'A'), (*b, 'B')), ((*b, 'B'), (*a, 'A'))].into_iter().enumerate() {
                    let mut m = Model::new(start_enabled);
                    let s1 = m.apply(first.0, first.1);
                    let s2 = m.apply(second.0, second.1);
                    let statuses = if first.1 == 'A' { [s1, s2] } else { [s2, s1] };
                    if seen == expected(&m, statuses, m.copies.clone()) {
                        matched.push(k);
                    }
                }
                if matched.is_empty() {
                    return Err(format!(
                        "{a:?} ∥ {b:?} (start {}) ended in a state no serial order gives: {seen:?}",
                        if start_enabled { "enabled" } else { "disabled" }
                    ));
                }
                orders[if matched.len() == 2 { 2 } else { matched[0] }] += 1;
                trials += 1;
            }
        }
    }
    println!(
        "    {trials} races over {} pairs of token mutations: every outcome serial (only A-then-B {}, only B-then-A {}, either {})",
        Op::ALL.len() * (Op::ALL.len() + 1) / 2,
        orders[0],
        orders[1],
        orders[2]
    );
    Ok(())
}

fn sign_out_races_refresh(c: &mut Ctx) -> Result<()> {
    // The sessions were signed in at the start; a refresh writes only after a minute.
    let due = Duration::from_secs(62);
    if let Some(wait) = due.checked_sub(c.started.elapsed()) {
        std::thread::sleep(wait);
    }
    let sessions = std::mem::take(&mut c.old_sessions);
    let mut refreshed_first = 0;
    for s in &sessions {
        let barrier = Barrier::new(2);
        let (out, refresh) = std::thread::scope(|scope| {
            let h1 = scope.spawn(|| {
                barrier.wait();
                s.call("DELETE", "/api/session", None)
            });
            let h2 = scope.spawn(|| {
                barrier.wait();
                s.call("GET", "/api/tokens?limit=1", None)
            });
            (h1.join(), h2.join())
        });
        let out = out.map_err(|_| "sign-out thread panicked".to_owned())??;
        let refresh = refresh.map_err(|_| "refresh thread panicked".to_owned())??;
        ensure!(out.status == 204, "sign-out: {} {}", out.status, out.body);
        ensure!(refresh.status == 200 || refresh.status == 401, "refresh: {} {}", refresh.status, refresh.body);
        refreshed_first += usize::from(refresh.status == 200);
        for _ in 0..3 {
            let after = s.call("GET", "/api/session", None)?;
            ensure!(after.status == 401, "a signed-out session came back: {} {}", after.status, after.body);
        }
    }
    println!(
        "    {} sign-outs raced refreshes ({refreshed_first} refreshes answered first): no session revived",
        sessions.len()
    );
    Ok(())
}

// ------------------------------------------------------------------ If-Match and retries

fn if_match(c: &mut Ctx) -> Result<()> {
    let (sid, _) = new_token(&c.admin, "etag", "2026-04-01")?;
    let get = c.admin.call("GET", &format!("/api/tokens/{sid}"), None)?;
    let etag = get.header("etag").unwrap_or_default().to_owned();
    ensure!(etag == "\"1\"", "ETag of a new token: {etag:?}");
    let path = format!("/api/tokens/{sid}");
    let edit = call_with(&c.admin, "PATCH", &path, Some(&json!({"name": "renamed"})), &[("If-Match", &etag)])?;
    ensure!(
        edit.status == 200 && edit.header("etag") == Some("\"2\""),
        "edit with the right revision: {} {:?}",
        edit.status,
        edit.header("etag")
    );
    let before = c.admin.call("GET", &path, None)?.body;
    for (method, suffix, body) in [
        ("PATCH", "", Some(json!({"name": "stale"}))),
        ("POST", "/disable", None),
        ("POST", "/reset", None),
        ("POST", "/upgrade", None),
        ("POST", "/duplicate", None),
        ("DELETE", "", None),
    ] {
        let a = call_with(&c.admin, method, &format!("{path}{suffix}"), body.as_ref(), &[("If-Match", &etag)])?;
        ensure!(
            a.status == 412 && a.code() == "stale_revision",
            "{method} {suffix} with a stale revision: {} {}",
            a.status,
            a.body
        );
        ensure!(a.json()["current"]["name"] == "renamed", "412 carries the current view: {}", a.body);
    }
    ensure!(c.admin.call("GET", &path, None)?.body == before, "a stale change changed something");
    let total = c.admin.call("GET", "/api/tokens?q=renamed&limit=100", None)?.json()["total"].clone();
    ensure!(total == 1, "a stale duplicate made a token: {total}");
    let bad = call_with(&c.admin, "PATCH", &path, Some(&json!({"name": "x"})), &[("If-Match", "2")])?;
    ensure!(
        bad.status == 400 && bad.code() == "invalid_precondition",
        "unquoted If-Match: {} {}",
        bad.status,
        bad.body
    );
    // Users and the account carry revisions too.
    let acct = c.admin.call("GET", "/api/account", None)?;
    let tag = acct.header("etag").unwrap_or_default().to_owned();
    let ok =
        call_with(&c.admin, "PATCH", "/api/account", Some(&json!({"name": "Acme Partners"})), &[("If-Match", &tag)])?;
    ensure!(ok.status == 200, "account change with its revision: {} {}", ok.status, ok.body);
    let stale =
        call_with(&c.admin, "PATCH", "/api/account", Some(&json!({"name": "Stale"})), &[("If-Match", "\"0\"")])?;
    ensure!(stale.status == 412, "stale account change: {} {}", stale.status, stale.body);
    Ok(())
}

fn idempotent_retries(c: &mut Ctx) -> Result<()> {
    let key = format!("create-{}", tollgate_tests::random_b64(9));
    let body = json!({
        "name": "idempotent", "description": "once", "primary_contact": c.admin.user["id"],
        "developer_emails": [], "scopes": ["reports.read"],
    });
    let first = call_with(&c.admin, "POST", "/api/tokens", Some(&body), &[("Idempotency-Key", &key)])?;
    ensure!(first.status == 201, "create: {} {}", first.status, first.body);
    for _ in 0..3 {
        let again = call_with(&c.admin, "POST", "/api/tokens", Some(&body), &[("Idempotency-Key", &key)])?;
        ensure!(again.status == 201 && again.body == first.body, "replay differs: {} {}", again.status, again.body);
    }
    let list = c.admin.call("GET", "/api/tokens?q=idempotent&limit=100", None)?;
    ensure!(list.json()["total"] == 1, "retries made more tokens: {}", list.body);
    let other = json!({"name": "something else", "description": "", "primary_contact": c.admin.user["id"], "developer_emails": [], "scopes": ["reports.read"]});
    let reused = call_with(&c.admin, "POST", "/api/tokens", Some(&other), &[("Idempotency-Key", &key)])?;
    ensure!(
        reused.status == 422 && reused.code() == "idempotency_key_reused",
        "key reused for another body: {} {}",
        reused.status,
        reused.body
    );

    let sid = first.json()["token"]["sid"].as_str().unwrap_or_default().to_owned();
    let rkey = format!("reset-{}", tollgate_tests::random_b64(9));
    let reset = call_with(&c.admin, "POST", &format!("/api/tokens/{sid}/reset"), None, &[("Idempotency-Key", &rkey)])?;
    ensure!(reset.status == 200, "reset: {} {}", reset.status, reset.body);
    let again = call_with(&c.admin, "POST", &format!("/api/tokens/{sid}/reset"), None, &[("Idempotency-Key", &rkey)])?;
    ensure!(again.body == reset.body, "reset replay differs");
    let token = reset.json()["auth_token"].as_str().unwrap_or_default().to_owned();
    ensure!(
        verify(&c.base, &sid, &token)? == 200,
        "the replayed reset's token does not work (a second reset happened)"
    );
    let audit = c.admin.call("GET", &format!("/api/audit?token={sid}&limit=100"), None)?.json();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    ensure!(actions == ["token_reset", "token_created"], "one audit entry per request, not per retry: {actions:?}");
    let bad = call_with(&c.admin, "POST", "/api/tokens", Some(&body), &[("Idempotency-Key", "has space")])?;
    ensure!(bad.status == 400 && bad.code() == "invalid_idempotency_key", "bad key: {} {}", bad.status, bad.body);
    Ok(())
}

// ------------------------------------------------------------------ sign-in and admin security

fn sign_in_throttle(c: &mut Ctx) -> Result<()> {
    let email = "throttled@acme.test";
    let pw = password();
    let a = c.admin.call(
        "POST",
        "/api/users",
        Some(&json!({"email": email, "name": "Target", "role": "account_admin", "password": pw})),
    )?;
    ensure!(a.status == 201, "add user: {} {}", a.status, a.body);
    let login = |ip: &str, password: &str| -> Result<Answer> {
        let body = json!({"email": email, "password": password}).to_string();
        send(
            "POST",
            &format!("{}/api/session", c.base),
            &[("Content-Type", "application/json"), ("CF-Connecting-IP", ip)],
            Some(&body),
        )
    };
    let mut limited = 0;
    for _ in 0..15 {
        let a = login("203.0.113.66", "wrong password!!")?;
        ensure!(a.status == 401 || a.status == 429, "guess: {} {}", a.status, a.body);
        limited += usize::from(a.status == 429);
    }
    ensure!(limited >= 5, "guesses past 10 were not limited ({limited} of 15)");
    ensure!(
        login("203.0.113.66", &pw)?.status == 429,
        "the attacker's address is still limited, even with the right password"
    );
    let owner = login("198.51.100.20", &pw)?;
    ensure!(owner.status == 201, "the owner from another address was refused: {} {}", owner.status, owner.body);
    let audit = c.admin.call("GET", "/api/audit?limit=100", None)?.json();
    let failed =
        audit["entries"].as_array().map(|a| a.iter().filter(|e| e["action"] == "sign_in_failed").count()).unwrap_or(0);
    ensure!(failed >= 10, "failed sign-ins are in the audit log ({failed})");
    let text = audit.to_string();
    ensure!(
        !text.contains("wrong password!!") && text.contains("203.0.113.66"),
        "audit names the address, never the password"
    );
    Ok(())
}

fn admin_security_findings(c: &mut Ctx) -> Result<()> {
    // Own password change needs the current password.
    let me = c.admin.user["id"].as_str().unwrap_or_default().to_owned();
    let new_pw = password();
    let a = c.admin.call("PATCH", &format!("/api/users/{me}"), Some(&json!({"password": new_pw})))?;
    ensure!(
        a.status == 422 && a.code() == "current_password_required",
        "own password without the current one: {} {}",
        a.status,
        a.body
    );
    let a = c.admin.call(
        "PATCH",
        &format!("/api/users/{me}"),
        Some(&json!({"password": new_pw, "current_password": "not it at all"})),
    )?;
    ensure!(a.status == 403 && a.code() == "current_password_wrong", "wrong current password: {} {}", a.status, a.body);
    let a = c.admin.call(
        "PATCH",
        &format!("/api/users/{me}"),
        Some(&json!({"password": new_pw, "current_password": c.admin_password})),
    )?;
    ensure!(a.status == 200, "own password with the current one: {} {}", a.status, a.body);
    c.admin_password = new_pw;
    c.admin = Session::login(&c.base, "admin@acme.test", &c.admin_password)?;
    // A body without Content-Length is cut at the limit.
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(70 * 1024));
    let a = chunked_post(&c.base, &c.admin, &big)?;
    ensure!(a.starts_with("HTTP/1.1 413"), "a chunked body over 64 KiB: {}", a.lines().next().unwrap_or_default());
    // Setup: the scheme in any case; wrong secrets limited.
    let lower = send(
        "POST",
        &format!("{}/api/setup", c.base),
        &[("Authorization", &format!("bearer {}", c.sandbox.setup_secret)), ("Content-Type", "application/json")],
        Some("{}"),
    )?;
    ensure!(
        lower.status == 400,
        "lower-case bearer is accepted (then the body is checked): {} {}",
        lower.status,
        lower.body
    );
    let mut limited = false;
    for _ in 0..8 {
        let a = send(
            "POST",
            &format!("{}/api/setup", c.base),
            &[("Authorization", "Bearer wrong-secret-value"), ("CF-Connecting-IP", "192.0.2.99")],
            Some("{}"),
        )?;
        limited |= a.status == 429;
    }
    ensure!(limited, "wrong setup secrets are not limited");
    let log = std::fs::read_to_string(c.sandbox.dir.join("wrangler.log")).unwrap_or_default();
    ensure!(
        log.contains("setup refused") && log.contains("failed sign-in"),
        "refused setups and failed sign-ins are logged"
    );
    ensure!(!log.contains("wrong-secret-value"), "the presented secret was logged");
    Ok(())
}

/// Sends a chunked (no Content-Length) JSON body over a raw socket; returns the answer.
fn chunked_post(base: &str, s: &Session, body: &str) -> Result<String> {
    use std::io::{Read as _, Write as _};
    let addr = base.trim_start_matches("http://");
    let mut sock = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let head = format!(
        "POST /api/tokens HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nX-CSRF-Token: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        s.cookie, s.csrf
    );
    sock.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    for chunk in body.as_bytes().chunks(8192) {
        if sock
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .and_then(|()| sock.write_all(chunk))
            .and_then(|()| sock.write_all(b"\r\n"))
            .is_err()
        {
            break;
        }
    }
    let _ = sock.write_all(b"0\r\n\r\n");
    let mut out = String::new();
    let _ = sock.read_to_string(&mut out);
    Ok(out)
}

// ------------------------------------------------------------------ crash and convergence

fn replica_revision(base: &str, sid: &str) -> Result<(Option<u64>, bool)> {
    let v = send("GET", &format!("{base}/__tollgate/replica/{sid}"), &[], None)?.json();
    Ok((v["revision"].as_u64(), v["deleted"] == true))
}

fn crash_during_writes(c: &mut Ctx) -> Result<()> {
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

fn replica_follows_every_change(c: &mut Ctx) -> Result<()> {
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

fn main() {
    let started = Instant::now();
    let cases: &[(&str, Case)] = &[
        ("if_match", if_match),
        ("idempotent_retries", idempotent_retries),
        ("replica_follows_every_change", replica_follows_every_change),
        ("races", races),
        ("sign_in_throttle", sign_in_throttle),
        ("sign_out_races_refresh", sign_out_races_refresh),
        ("admin_security_findings", admin_security_findings),
        ("crash_during_writes", crash_during_writes),
        ("legacy_import", legacy::import),
    ];
    let only: Option<Vec<String>> =
        std::env::var("TOLLGATE_CASES").ok().map(|v| v.split(',').map(str::to_owned).collect());
    let all = cases.len();
    let cases: Vec<(&str, Case)> =
        cases.iter().copied().filter(|(n, _)| only.as_ref().is_none_or(|o| o.iter().any(|x| x == n))).collect();
    let filtered = all - cases.len();
    let mut ctx = match boot() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("could not start the Worker: {e}");
            println!("test result: FAILED. 0 passed; {} failed; 0 ignored; 0 measured; 0 filtered out", cases.len());
            std::process::exit(1);
        }
    };
    println!(
        "\nrunning {} tests against {} (log: {})",
        cases.len(),
        ctx.base,
        ctx.sandbox.dir.join("wrangler.log").display()
    );
    let mut failed = Vec::new();
    for (name, case) in &cases {
        let t = Instant::now();
        match case(&mut ctx) {
            Ok(()) => println!("test {name} ... ok ({:.1} s)", t.elapsed().as_secs_f64()),
            Err(e) => {
                println!("test {name} ... FAILED\n    {e}");
                failed.push(name.to_owned());
            }
        }
    }
    ctx.server.kill();
    let passed = cases.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {} failed; 0 ignored; 0 measured; {filtered} filtered out; finished in {:.2}s\n",
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}

#[path = "consistency/legacy.rs"]
mod legacy;

fn boot() -> Result<Ctx> {
    let sandbox = Sandbox::with_vars("consistency", &[("EXPOSE_STATS", "true"), ("NEW_TOKENS_PER_MINUTE", "100000")])?;
    legacy::seed(&sandbox)?;
    let server = sandbox.start()?;
    let base = server.base.clone();
    let admin_password = password();
    let a =
        setup_account(&base, &sandbox.setup_secret, "Acme Partners", "partner", "admin@acme.test", &admin_password)?;
    ensure!(a.status == 201, "setup: {} {}", a.status, a.body);
    let admin = Session::login(&base, "admin@acme.test", &admin_password)?;
    let old_sessions =
        (0..6).map(|_| Session::login(&base, "admin@acme.test", &admin_password)).collect::<Result<_>>()?;
    Ok(Ctx { sandbox, server, base, admin, admin_password, old_sessions, started: Instant::now() })
}

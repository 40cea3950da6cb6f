//! Load with faults, brute force from many clients, secrets that must never appear in
//! answers or logs, and a flood of new tokens.

#[allow(unused_imports)]
use super::*;

/// One verification of the load: which token, with which auth token, sent and answered
/// when, and the status.
type Answered = (usize, String, Instant, Instant, u16);

/// One token's credentials and state over time, as the admin changed them.
pub(crate) struct Version {
    /// When the change that made this version was sent, and when it was answered.
    sent: Instant,
    answered: Instant,
    token: String,
    enabled: bool,
}

/// How long after its answer a change may take to reach the verifier: the revocation feed's
/// bound (ARCHITECTURE.md, "The bound"; the edge suite measures the real delay, milliseconds).
fn feed_bound() -> Duration {
    Duration::from_millis(tollgate_core::feed::SILENCE_LIMIT.0 as u64)
}

/// Whether `status` for `token`, asked between `sent` and `answered`, fits some state the
/// token may have had in that time at the verifier: a change applies somewhere between its
/// own send and answer, and is in force there within the feed's bound after its answer.
/// `strict` leaves the bound out (the answer fits the state at the admin's answer).
pub(crate) fn consistent(
    v: &[Version],
    token: &str,
    sent: Instant,
    answered: Instant,
    status: u16,
    strict: bool,
) -> bool {
    let lag = if strict { Duration::ZERO } else { feed_bound() };
    v.iter().enumerate().any(|(i, version)| {
        let until = v.get(i + 1).map(|n| n.answered + lag);
        let overlaps = version.sent <= answered && until.is_none_or(|u| u >= sent);
        let valid = version.enabled && version.token == token;
        overlaps
            && if valid {
                status == 200
            } else {
                status == 401 || status == 429
            }
    })
}

/// Verifications at concurrency 32 while the admin resets, disables, enables and edits the
/// same tokens: no 5xx, and every answer fits the token's state at that moment. Returns the
/// number of verifications.
pub(crate) fn load_round(
    c: &Ctx,
    tokens: &std::sync::Mutex<Vec<(String, String)>>,
    versions: &std::sync::Mutex<Vec<Vec<Version>>>,
    requests: usize,
) -> Result<usize> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    const CLIENTS: usize = 32;
    let done = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let base = c.edge.clone();
    let results = std::thread::scope(|scope| -> Result<Vec<Answered>> {
        let admin = scope.spawn(|| -> Result<usize> {
            let mut changes = 0;
            let mut i = 0usize;
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(150));
                let n = tokens.lock().map_err(|_| "lock")?.len();
                let k = i % n;
                let sid = tokens.lock().map_err(|_| "lock")?[k].0.clone();
                // In turn per token: disable or enable (whichever changes it), reset, edit.
                let op = (i / n) % 3;
                i += 1;
                let enabled_now = versions.lock().map_err(|_| "lock")?[k]
                    .last()
                    .is_some_and(|v| v.enabled);
                let sent = Instant::now();
                let (method, path, body) = match op {
                    0 if enabled_now => ("POST", format!("/api/tokens/{sid}/disable"), None),
                    0 => ("POST", format!("/api/tokens/{sid}/enable"), None),
                    1 => (
                        "POST",
                        format!("/api/tokens/{sid}/reset"),
                        Some(json!({"grace": "none"})),
                    ),
                    _ => (
                        "PATCH",
                        format!("/api/tokens/{sid}"),
                        Some(json!({"description": format!("load {i}")})),
                    ),
                };
                let a = c.admin.call(method, &path, body.as_ref())?;
                let answered = Instant::now();
                expect(&a, 200, &format!("admin {method} {path}"))?;
                changes += 1;
                let mut vs = versions.lock().map_err(|_| "lock")?;
                let last = vs[k]
                    .last()
                    .map(|v| (v.token.clone(), v.enabled))
                    .ok_or("no version")?;
                let (token, enabled) = match op {
                    0 => (last.0, !last.1),
                    1 => (
                        a.json()["auth_token"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        last.1,
                    ),
                    _ => continue,
                };
                vs[k].push(Version {
                    sent,
                    answered,
                    token: token.clone(),
                    enabled,
                });
                drop(vs);
                tokens.lock().map_err(|_| "lock")?[k].1 = token;
            }
            Ok(changes)
        });
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                scope.spawn(|| -> Result<Vec<Answered>> {
                    let mut out = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= requests {
                            return Ok(out);
                        }
                        let (k, sid, token) = {
                            let t = tokens.lock().map_err(|_| "lock")?;
                            let k = n % t.len();
                            (k, t[k].0.clone(), t[k].1.clone())
                        };
                        let sent = Instant::now();
                        let a = verify(&base, &sid, &token)?;
                        out.push((k, token, sent, Instant::now(), a.status));
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        let mut first_error = None;
        for h in clients {
            match h.join() {
                Ok(Ok(r)) => all.extend(r),
                Ok(Err(e)) => first_error = first_error.or(Some(e)),
                Err(_) => first_error = first_error.or(Some("a client thread panicked".to_owned())),
            }
        }
        done.store(true, Ordering::Relaxed);
        let changes = admin.join().map_err(|_| "the admin thread panicked")??;
        if let Some(e) = first_error {
            return Err(e);
        }
        ensure!(
            changes >= 10,
            "only {changes} admin changes during the load"
        );
        Ok(all)
    })?;
    let vs = versions.lock().map_err(|_| "lock")?;
    let server_errors = results.iter().filter(|r| r.4 >= 500).count();
    ensure!(server_errors == 0, "{server_errors} answers were 5xx");
    let vs = &*vs;
    let fits = |strict: bool| {
        results
            .iter()
            .filter(|(k, t, s, a, st)| !consistent(&vs[*k], t, *s, *a, *st, strict))
            .collect::<Vec<_>>()
    };
    let wrong = fits(false);
    ensure!(
        wrong.is_empty(),
        "{} of {} answers do not fit any state the token had within the feed's bound (first: status {})",
        wrong.len(),
        results.len(),
        wrong[0].4
    );
    let in_flight = fits(true).len();
    let ok = results.iter().filter(|r| r.4 == 200).count();
    println!(
        "    {} verifications at concurrency 32 during admin changes: {ok} allowed, {} refused, 0 5xx, all consistent \
         ({in_flight} answered the state before a change whose feed entry was still on its way)",
        results.len(),
        results.len() - ok
    );
    Ok(results.len())
}

/// Load with admin changes, then wrangler killed (SIGKILL) and restarted on the same state
/// directory: every token survives and answers as its last state says; then load again.
pub(crate) fn load_and_faults(c: &mut Ctx) -> Result<()> {
    const TOKENS: usize = 8;
    const PER_ROUND: usize = 10_000;
    let start = Instant::now();
    let mut list = Vec::new();
    let mut versions = Vec::new();
    for i in 0..TOKENS {
        let (sid, token, _) = create(&c.admin, &format!("Load {i}"), &["reports.read"])?;
        versions.push(vec![Version {
            sent: start,
            answered: Instant::now(),
            token: token.clone(),
            enabled: true,
        }]);
        list.push((sid, token));
    }
    let tokens = std::sync::Mutex::new(list);
    let versions = std::sync::Mutex::new(versions);
    let mut served = load_round(c, &tokens, &versions, PER_ROUND)?;

    c.server.kill();
    c.server = c.sandbox.start()?;
    c.base = c.server.base.clone();
    c.edge = c.server.edge.clone();
    c.admin = Session::login(&c.base, "admin@acme.test", &c.admin_password)?;
    // Sessions live in KV, so the other account's session survives the kill too.
    c.other.base = c.base.clone();
    {
        let t = tokens.lock().map_err(|_| "lock")?;
        let vs = versions.lock().map_err(|_| "lock")?;
        for (k, (sid, token)) in t.iter().enumerate() {
            let enabled = vs[k].last().is_some_and(|v| v.enabled);
            let a = verify(&c.edge, sid, token)?;
            // A disabled token is refused: 401, or 429 once its failures passed the limit.
            let fits = if enabled {
                a.status == 200
            } else {
                a.status == 401 || a.status == 429
            };
            ensure!(
                fits,
                "{sid} after the kill: {} (enabled: {enabled})",
                a.status
            );
        }
    }
    println!(
        "    wrangler killed and restarted: all {TOKENS} tokens there, each as its last state says"
    );
    served += load_round(c, &tokens, &versions, PER_ROUND)?;
    println!("    {served} verifications in all");
    Ok(())
}

/// Brute force on one SID from many clients at once: past the limit every guess gets 429
/// (with `Retry-After` and the error body), the right token keeps working meanwhile, and
/// no guess changes anything stored.
pub(crate) fn brute_force_many_clients(c: &mut Ctx) -> Result<()> {
    let (sid, token, _) = create(&c.admin, "Many clients target", &["reports.read"])?;
    let base = c.edge.clone();
    let before = stored_state(c);
    let statuses: Vec<(u16, String, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|client| {
                let (base, sid) = (base.clone(), sid.clone());
                scope.spawn(move || -> Result<Vec<(u16, String, Option<String>)>> {
                    let mut out = Vec::new();
                    for guess in 0..8 {
                        let wrong = tollgate_core::credential::AuthToken::from_entropy(
                            &[(client * 8 + guess) as u8; 32],
                        );
                        let a = verify(&base, &sid, wrong.expose())?;
                        out.push((
                            a.status,
                            a.code(),
                            a.header("retry-after").map(str::to_owned),
                        ));
                    }
                    Ok(out)
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.join().map_err(|_| "a client panicked")??);
        }
        Ok::<_, String>(all)
    })?;
    let limited: Vec<_> = statuses.iter().filter(|s| s.0 == 429).collect();
    ensure!(
        statuses.iter().all(|s| s.0 == 401 || s.0 == 429),
        "unexpected statuses: {:?}",
        statuses.iter().map(|s| s.0).collect::<Vec<_>>()
    );
    ensure!(
        limited.len() >= 64,
        "only {} of 128 guesses were limited",
        limited.len()
    );
    ensure!(
        limited
            .iter()
            .all(|s| s.1 == "rate_limited" && s.2.is_some()),
        "429 without its code or Retry-After: {:?}",
        limited.first()
    );
    ensure!(stored_state(c) == before, "guesses changed stored state");
    expect(
        &verify(&c.edge, &sid, &token)?,
        200,
        "the right token during the limit",
    )?;
    println!(
        "    128 guesses from 16 clients: {} limited (429), the right token still 200",
        limited.len()
    );
    Ok(())
}

/// At the end of the run: every auth token, password, CSRF token and session id the run
/// issued or sent is absent from the Worker's stored state and from everything it logged.
pub(crate) fn no_secret_leaked(c: &mut Ctx) -> Result<()> {
    let secrets: Vec<String> = tollgate_tests::issued_secrets()
        .into_iter()
        .filter(|s| s.len() >= 12)
        .collect();
    ensure!(
        secrets.len() >= 50,
        "only {} secrets were recorded",
        secrets.len()
    );
    let files = tollgate_tests::files_below(&c.sandbox.dir);
    let mut bytes = 0;
    let mut hits = Vec::new();
    let mut saw_sid = false;
    let probe = c.admin.user["id"].as_str().unwrap_or_default().to_owned();
    for f in &files {
        let data = std::fs::read(f).unwrap_or_default();
        bytes += data.len();
        let text = String::from_utf8_lossy(&data);
        saw_sid |= text.contains(&probe);
        for s in &secrets {
            if text.contains(s.as_str()) {
                hits.push(format!("{} in {}", &s[..6], f.display()));
            }
        }
    }
    ensure!(
        saw_sid,
        "the scan does not see stored data (positive control)"
    );
    ensure!(hits.is_empty(), "secrets found in plaintext: {hits:?}");
    println!(
        "    {} secrets searched for in {} files ({} KiB of state and logs): none found",
        secrets.len(),
        files.len(),
        bytes / 1024
    );
    Ok(())
}

/// A flood of new tokens (create, then duplicate) stops at the account's limit with 429 and
/// `Retry-After`; the refused requests add nothing, and other accounts are not affected.
pub(crate) fn new_token_flood(c: &mut Ctx) -> Result<()> {
    let limit = tollgate_core::token::MAX_NEW_TOKENS as usize;
    let contact = c.other.user["id"].clone();
    let body = json!({"name": "Flood", "primary_contact": contact, "scopes": ["reports.read"]});
    let mut made = 0;
    let mut refused = None;
    for _ in 0..limit + 5 {
        let a = c.other.call("POST", "/api/tokens", Some(&body))?;
        match a.status {
            201 => made += 1,
            429 => {
                refused = Some(a);
                break;
            }
            other => return Err(format!("flood: {other} {}", a.body)),
        }
    }
    let a = refused.ok_or_else(|| format!("{made} new tokens in a row were all accepted"))?;
    ensure!(
        made + 10 >= limit && made <= limit,
        "limited after {made} (limit {limit})"
    );
    expect_error(&a, 429, "rate_limited", "flood")?;
    ensure!(
        a.header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| (1..=60).contains(&s)),
        "Retry-After"
    );
    let before = snapshot(c)?;
    let listed = c.other.call("GET", "/api/tokens?limit=1", None)?;
    let sid = listed.json()["tokens"][0]["sid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    expect_error(
        &c.other
            .call("POST", &format!("/api/tokens/{sid}/duplicate"), None)?,
        429,
        "rate_limited",
        "duplicate flood",
    )?;
    expect_error(
        &c.other.call("POST", "/api/tokens", Some(&body))?,
        429,
        "rate_limited",
        "still limited",
    )?;
    ensure!(
        snapshot(c)? == before,
        "a refused new token changed something"
    );
    // Other accounts and other actions go on.
    create(&c.admin, "Unaffected", &["reports.read"])?;
    expect(
        &c.other
            .call("POST", &format!("/api/tokens/{sid}/disable"), None)?,
        200,
        "other actions",
    )?;
    println!(
        "    {made} new tokens, then 429 with Retry-After for create and duplicate; other accounts unaffected"
    );
    Ok(())
}

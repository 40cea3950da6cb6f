//! Leaked tokens and notifications against `wrangler dev`: both Workers, a real Queue (with
//! its dead-letter queue), a loopback mail API ([`Mailbox`]) as `MAIL_API_URL`, and a key
//! pair made for the run, published as GitHub publishes its secret-scanning key list, on a
//! loopback [`KeyServer`] (`SECRET_SCANNING_KEYS_URL`). The browser suite gives the same
//! kind of list through the `SECRET_SCANNING_KEYS` variable instead.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tollgate_core::credential::{AuthToken, Digest};
use tollgate_tests::fixture::{
    Account, Fixture, create_token, expect, expect_error, expect_one_of,
};
use tollgate_tests::mailbox::Mailbox;
use tollgate_tests::scanner::{self, KEY_ID, KeyServer, Scanner};
use tollgate_tests::suite::World;
use tollgate_tests::{Result, Sandbox, Session, ensure, send};

mod notices;

tollgate_tests::suite!(
    Ctx on fx,
    [
        bad_signatures_change_nothing,
        non_tokens_are_false_positives,
        a_leak_is_stopped_within_the_bound,
        notify_policy_only_marks,
        notices::once_each_in_their_language,
        notices::leak_notifications,
        notices::unsubscribe,
        notices::expiry_notice,
        notices::dead_letter,
        the_key_list_is_fetched_once_and_cached,
        reports_are_rate_limited,
    ]
);

/// Both Workers with a real Queue, a loopback mail API and a published key list, and a
/// partner account.
pub(crate) struct Ctx {
    fx: Fixture,
    scanner: Scanner,
    keys: KeyServer,
    mail: Mailbox,
}

impl World for Ctx {
    fn boot() -> Result<Ctx> {
        let scanner = Scanner::new()?;
        let mail = Mailbox::start()?;
        let keys = KeyServer::start(scanner.key_list()?)?;
        let sandbox = Sandbox::with_vars(
            "leaks",
            &[
                ("SECRET_SCANNING_KEYS_URL", &keys.url),
                ("MAIL_API_URL", &mail.url),
                ("MAIL_API_TOKEN", "mail-test-token"),
            ],
        )?;
        let account = Account {
            name: "Leak Partner",
            kind: "partner",
            email: "admin@leaks.test",
        };
        Ok(Ctx {
            fx: Fixture::boot(sandbox, account)?,
            scanner,
            keys,
            mail,
        })
    }
}

/// The bound on a leak's response: the report's arrival to the verifier's first 401.
const LEAK_BOUND: Duration = Duration::from_secs(2);

pub(crate) fn verify(edge: &str, sid: &str, token: &str) -> Result<u16> {
    Ok(tollgate_tests::fixture::verify(edge, sid, token)?.status)
}

pub(crate) fn create(s: &Session, name: &str, emails: &[&str]) -> Result<(String, String)> {
    let t = create_token(
        s,
        name,
        &["reports.read"],
        json!({ "developer_emails": emails }),
    )?;
    Ok((t.sid, t.token))
}

pub(crate) fn token(s: &Session, sid: &str) -> Result<Value> {
    let a = s.call("GET", &format!("/api/tokens/{sid}"), None)?;
    ensure!(a.status == 200, "token: {} {}", a.status, a.body);
    Ok(a.json())
}

fn audit_of(s: &Session, sid: &str) -> Result<Vec<Value>> {
    let a = s.call("GET", &format!("/api/audit?token={sid}"), None)?;
    ensure!(a.status == 200, "audit: {} {}", a.status, a.body);
    Ok(a.json()["entries"].as_array().cloned().unwrap_or_default())
}

/// Waits up to `limit` for `f` to hold.
pub(crate) fn eventually(
    what: &str,
    limit: Duration,
    mut f: impl FnMut() -> Result<bool>,
) -> Result<Duration> {
    let started = Instant::now();
    loop {
        if f()? {
            return Ok(started.elapsed());
        }
        ensure!(
            started.elapsed() < limit,
            "{what}: not within {} s",
            limit.as_secs_f64()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn labels(a: &tollgate_tests::Answer) -> Vec<String> {
    a.json()
        .as_array()
        .map(|v| {
            v.iter()
                .map(|f| f["label"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A missing, unknown-key, foreign-key or replayed signature answers 401 and changes nothing.
fn bad_signatures_change_nothing(c: &mut Ctx) -> Result<()> {
    let (sid, secret) = create(&c.admin, "Signed reports only", &[])?;
    let base = c.server.base.clone();
    let body = scanner::report_body(&[&secret], "https://github.com/o/r/blob/main/.env");
    let other = Scanner::new()?;
    let earlier = scanner::report_body(&[&secret], "https://github.com/o/r/blob/main/other");
    let tries = [
        (
            "no signature",
            send(
                "POST",
                &format!("{base}/secret-scanning/github"),
                &[("Content-Type", "application/json")],
                Some(&body),
            )?,
        ),
        (
            "unknown key",
            Scanner::post(&base, &body, "another-key", &c.scanner.sign(&body))?,
        ),
        (
            "another key pair",
            Scanner::post(&base, &body, KEY_ID, &other.sign(&body))?,
        ),
        (
            "signature of another body",
            Scanner::post(&base, &body, KEY_ID, &c.scanner.sign(&earlier))?,
        ),
        ("not base64", Scanner::post(&base, &body, KEY_ID, "%%%")?),
    ];
    for (what, a) in &tries {
        expect_error(a, 401, "invalid_signature", what)?;
        ensure!(!a.body.contains(&sid), "{what}: the answer names the token");
    }
    ensure!(
        token(&c.admin, &sid)?["state"] == "enabled",
        "a refused report changed the token"
    );
    ensure!(
        verify(&c.server.edge, &sid, &secret)? == 200,
        "a refused report stopped the token"
    );
    ensure!(
        !audit_of(&c.admin, &sid)?
            .iter()
            .any(|e| e["action"] == "token_leaked"),
        "a refused report wrote an audit entry"
    );
    // A malformed body that is correctly signed is refused as such.
    let junk = "{not json";
    let a = Scanner::post(&base, junk, KEY_ID, &c.scanner.sign(junk))?;
    expect_error(&a, 400, "invalid_report", "malformed report")?;
    Ok(())
}

/// Strings that are not live tokens (another format, a broken checksum, a well-formed token
/// nobody issued) are false positives, with their SHA-256, and change nothing.
fn non_tokens_are_false_positives(c: &mut Ctx) -> Result<()> {
    let (sid, secret) = create(&c.admin, "Near misses", &[])?;
    let mut broken = secret.clone();
    let last = broken
        .pop()
        .map(|ch| if ch == 'A' { 'B' } else { 'A' })
        .unwrap_or('A');
    broken.push(last);
    let unknown = AuthToken::from_entropy(&[7u8; 32]);
    let strings = [
        "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
        broken.as_str(),
        unknown.expose(),
    ];
    let a = c.scanner.report(
        &c.server.base,
        &strings,
        "https://github.com/o/r/blob/main/a.txt",
    )?;
    ensure!(a.status == 200, "report: {} {}", a.status, a.body);
    ensure!(labels(&a) == ["false_positive"; 3], "labels: {}", a.body);
    for (f, s) in a
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .zip(strings)
    {
        ensure!(
            f["token_hash"] == Digest::of(s.as_bytes()).to_hex(),
            "token_hash of {s}: {f}"
        );
        ensure!(f["token_type"] == "tollgate_auth_token", "token_type: {f}");
    }
    ensure!(
        token(&c.admin, &sid)?["state"] == "enabled"
            && verify(&c.server.edge, &sid, &secret)? == 200,
        "changed"
    );
    Ok(())
}

/// A signed report of a live token: the verifier refuses it within 2 s of the report's
/// arrival, the token shows where it was found, the audit log says so, and the token comes
/// back only through a reset without grace. The same report again changes nothing.
fn a_leak_is_stopped_within_the_bound(c: &mut Ctx) -> Result<()> {
    let (sid, secret) = create(&c.admin, "Pushed to GitHub", &["leak-dev@example.com"])?;
    let edge = c.server.edge.clone();
    ensure!(
        verify(&edge, &sid, &secret)? == 200,
        "the verifier holds the token"
    );
    let unknown = AuthToken::from_entropy(&[9u8; 32]);
    let url = "https://github.com/octo/app/blob/abc123/config/.env";
    let sent = Instant::now();
    let a = c
        .scanner
        .report(&c.server.base, &[unknown.expose(), &secret], url)?;
    ensure!(a.status == 200, "report: {} {}", a.status, a.body);
    ensure!(
        labels(&a) == ["false_positive", "true_positive"],
        "labels: {}",
        a.body
    );
    eventually("the leaked token refused at the edge", LEAK_BOUND, || {
        Ok(verify(&edge, &sid, &secret)? == 401)
    })?;
    let took = sent.elapsed();
    println!(
        "    report sent → first 401 at the verifier: {} ms",
        took.as_millis()
    );
    ensure!(
        took <= LEAK_BOUND,
        "{} ms over the 2 s bound",
        took.as_millis()
    );
    let t = token(&c.admin, &sid)?;
    ensure!(
        t["state"] == "disabled" && t["leak"]["url"] == url && t["leak"]["source"] == "content",
        "token: {t}"
    );
    ensure!(
        t["leak"]["stopped"] == true && t["leak"]["secret"] == "current",
        "leak mark: {}",
        t["leak"]
    );
    let entries = audit_of(&c.admin, &sid)?;
    let entry = entries
        .iter()
        .find(|e| e["action"] == "token_leaked")
        .ok_or("no token_leaked audit entry")?;
    ensure!(
        entry["actor_email"] == "GitHub secret scanning"
            && entry["detail"]
                .as_str()
                .is_some_and(|d| d.contains(url) && d.contains("content")),
        "audit entry: {entry}"
    );
    // Reported again: still a true positive, nothing new.
    let again = c.scanner.report(&c.server.base, &[&secret], url)?;
    ensure!(labels(&again) == ["true_positive"], "again: {}", again.body);
    let count = audit_of(&c.admin, &sid)?
        .iter()
        .filter(|e| e["action"] == "token_leaked")
        .count();
    ensure!(count == 1, "the same report made {count} audit entries");
    // The way back: enabling is refused, a reset with grace too; a reset without grace works.
    let rev = t["revision"].as_u64().unwrap_or(0);
    let enable = c
        .admin
        .call("POST", &format!("/api/tokens/{sid}/enable"), None)?;
    expect_error(&enable, 409, "token_leaked", "enable a leaked token")?;
    let grace = c.admin.call(
        "POST",
        &format!("/api/tokens/{sid}/reset"),
        Some(&json!({ "grace": "1h" })),
    )?;
    expect_error(&grace, 422, "leaked_grace", "reset with grace")?;
    let reset = c.admin.call(
        "POST",
        &format!("/api/tokens/{sid}/reset"),
        Some(&json!({})),
    )?;
    expect(&reset, 200, &format!("reset (revision {rev})"))?;
    let fresh = reset.json()["auth_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        reset.json()["token"]["leak"].is_null(),
        "the reset kept the leak mark"
    );
    let enable = c
        .admin
        .call("POST", &format!("/api/tokens/{sid}/enable"), None)?;
    expect(&enable, 200, "enable after the reset")?;
    eventually("the new auth token passes", Duration::from_secs(2), || {
        Ok(verify(&edge, &sid, &fresh)? == 200)
    })?;
    ensure!(
        verify(&edge, &sid, &secret)? == 401,
        "the leaked auth token passes again"
    );
    Ok(())
}

/// Under the `notify` policy a leak marks the token and tells its people, and the token
/// keeps working.
fn notify_policy_only_marks(c: &mut Ctx) -> Result<()> {
    let a = c.admin.call(
        "PATCH",
        "/api/account",
        Some(&json!({ "leak_policy": "notify" })),
    )?;
    ensure!(
        a.status == 200 && a.json()["leak_policy"] == "notify",
        "policy: {} {}",
        a.status,
        a.body
    );
    let (sid, secret) = create(&c.admin, "Notify only", &[])?;
    let r = c
        .scanner
        .report(&c.server.base, &[&secret], "https://gist.github.com/x/1")?;
    ensure!(labels(&r) == ["true_positive"], "labels: {}", r.body);
    let t = token(&c.admin, &sid)?;
    ensure!(
        t["state"] == "enabled" && t["leak"]["stopped"] == false,
        "token: {t}"
    );
    ensure!(
        verify(&c.server.edge, &sid, &secret)? == 200,
        "the notify policy stopped the token"
    );
    let bad = c.admin.call(
        "PATCH",
        "/api/account",
        Some(&json!({ "leak_policy": "ignore" })),
    )?;
    expect_one_of(&bad, &[400, 422], "an unknown policy")?;
    let a = c.admin.call(
        "PATCH",
        "/api/account",
        Some(&json!({ "leak_policy": "disable" })),
    )?;
    ensure!(a.status == 200, "policy back: {} {}", a.status, a.body);
    Ok(())
}

/// The published key list was fetched for the first report and kept in the Cache API: the
/// reports since did not ask again, and signatures still verify while it cannot be reached.
fn the_key_list_is_fetched_once_and_cached(c: &mut Ctx) -> Result<()> {
    let empty = Scanner::post(&c.server.base, "[]", KEY_ID, &c.scanner.sign("[]"))?;
    expect(&empty, 200, "a signed empty report")?;
    ensure!(
        c.keys.fetches() == 1,
        "the key list was fetched {} times over the suite's reports",
        c.keys.fetches()
    );
    c.keys.go_down();
    let (sid, secret) = create(&c.admin, "Reported while GitHub is down", &[])?;
    let a = c.scanner.report(
        &c.server.base,
        &[&secret],
        "https://github.com/o/r/blob/main/k",
    )?;
    ensure!(
        a.status == 200 && labels(&a) == ["true_positive"],
        "report: {} {}",
        a.status,
        a.body
    );
    ensure!(
        token(&c.admin, &sid)?["state"] == "disabled",
        "the report did not stop the token"
    );
    ensure!(c.keys.fetches() == 1, "the cached list was fetched again");
    Ok(())
}

/// Reports are rate limited per client (the rate-limiting binding): past the limit, 429.
fn reports_are_rate_limited(c: &mut Ctx) -> Result<()> {
    let body = "[]";
    let sig = c.scanner.sign(body);
    for n in 0..200 {
        let a = Scanner::post(&c.server.base, body, KEY_ID, &sig)?;
        if a.status == 429 {
            ensure!(
                a.code() == "rate_limited" && a.header("retry-after").is_some(),
                "429: {a:?}"
            );
            println!("    limited after {n} reports");
            return Ok(());
        }
        ensure!(a.status == 200, "report {n}: {} {}", a.status, a.body);
    }
    Err("200 reports in a row were never limited".into())
}

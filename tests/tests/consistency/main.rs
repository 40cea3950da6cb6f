//! The consistency suite: the account objects as the only writer, against the real Worker
//! on `wrangler dev --local` (its own server and state). Every pair of token mutations fired
//! at the same instant ends in a state that some serial order of the two gives; sign-out
//! racing a session refresh never revives the session; `If-Match` and `Idempotency-Key`
//! behave as documented; the sign-in throttle never stops the right password from another
//! client; a crash in a burst of writes loses nothing acknowledged and KV converges; the
//! earlier KV-only layout is imported on first use. A small runner (no libtest) owns the
//! server; the output ends with libtest's summary line.

mod crash;
mod legacy;
mod model;
mod races;
mod security;

use std::time::Instant;

use serde_json::json;
pub use tollgate_tests::fixture::password;
use tollgate_tests::fixture::{Account, Fixture, create_token, expect, expect_error};
use tollgate_tests::suite::World;
use tollgate_tests::{Result, Sandbox, Session};

use tollgate_tests::ensure;

tollgate_tests::suite!(
    Ctx on fx,
    [
        if_match,
        idempotent_retries,
        crash::replica_follows_every_change,
        races::races,
        races::same_email_at_once,
        security::sign_in_throttle,
        races::sign_out_races_refresh,
        security::admin_security_findings,
        crash::crash_during_writes,
        legacy::import,
    ]
);

/// Both Workers (an account of the earlier KV-only layout seeded in their state), a
/// partner account, and sessions signed in at the start.
struct Ctx {
    fx: Fixture,
    /// Sessions signed in at the start, for the sign-out race once they are due a refresh.
    old_sessions: Vec<Session>,
    started: Instant,
}

impl World for Ctx {
    fn boot() -> Result<Ctx> {
        let sandbox = Sandbox::with_vars(
            "consistency",
            &[
                ("EXPOSE_STATS", "true"),
                ("NEW_TOKENS_PER_MINUTE", "100000"),
            ],
        )?;
        legacy::seed(&sandbox)?;
        let account = Account {
            name: "Acme Partners",
            kind: "partner",
            email: "admin@acme.test",
        };
        let fx = Fixture::boot(sandbox, account)?;
        let old_sessions = (0..6)
            .map(|_| Session::login(&fx.base, account.email, &fx.admin_password))
            .collect::<Result<_>>()?;
        Ok(Ctx {
            fx,
            old_sessions,
            started: Instant::now(),
        })
    }
}

pub fn verify(edge: &str, sid: &str, token: &str) -> Result<u16> {
    Ok(tollgate_tests::fixture::verify(edge, sid, token)?.status)
}

pub fn new_token(s: &Session, name: &str, version: &str) -> Result<(String, String)> {
    let more = json!({ "description": "original", "api_version": version, "developer_emails": [] });
    let t = create_token(s, name, &["reports.read", "actions.read"], more)?;
    Ok((t.sid, t.token))
}

// ------------------------------------------------------------------ If-Match and retries

fn if_match(c: &mut Ctx) -> Result<()> {
    let (sid, _) = new_token(&c.admin, "etag", "2026-04-01")?;
    let get = c.admin.call("GET", &format!("/api/tokens/{sid}"), None)?;
    let etag = get.header("etag").unwrap_or_default().to_owned();
    ensure!(etag == "\"1\"", "ETag of a new token: {etag:?}");
    let path = format!("/api/tokens/{sid}");
    let edit = c.admin.call_with(
        "PATCH",
        &path,
        Some(&json!({"name": "renamed"})),
        &[("If-Match", &etag)],
    )?;
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
        let a = c.admin.call_with(
            method,
            &format!("{path}{suffix}"),
            body.as_ref(),
            &[("If-Match", &etag)],
        )?;
        expect_error(
            &a,
            412,
            "stale_revision",
            &format!("{method} {suffix} with a stale revision"),
        )?;
        ensure!(
            a.json()["current"]["name"] == "renamed",
            "412 carries the current view: {}",
            a.body
        );
    }
    ensure!(
        c.admin.call("GET", &path, None)?.body == before,
        "a stale change changed something"
    );
    let total = c
        .admin
        .call("GET", "/api/tokens?q=renamed&limit=100", None)?
        .json()["total"]
        .clone();
    ensure!(total == 1, "a stale duplicate made a token: {total}");
    let bad = c.admin.call_with(
        "PATCH",
        &path,
        Some(&json!({"name": "x"})),
        &[("If-Match", "2")],
    )?;
    expect_error(&bad, 400, "invalid_precondition", "unquoted If-Match")?;
    // Users and the account carry revisions too.
    let acct = c.admin.call("GET", "/api/account", None)?;
    let tag = acct.header("etag").unwrap_or_default().to_owned();
    let ok = c.admin.call_with(
        "PATCH",
        "/api/account",
        Some(&json!({"name": "Acme Partners"})),
        &[("If-Match", &tag)],
    )?;
    expect(&ok, 200, "account change with its revision")?;
    let stale = c.admin.call_with(
        "PATCH",
        "/api/account",
        Some(&json!({"name": "Stale"})),
        &[("If-Match", "\"0\"")],
    )?;
    expect(&stale, 412, "stale account change")?;
    Ok(())
}

fn idempotent_retries(c: &mut Ctx) -> Result<()> {
    let key = format!("create-{}", tollgate_tests::random_b64(9));
    let body = json!({
        "name": "idempotent", "description": "once", "primary_contact": c.admin.user["id"],
        "developer_emails": [], "scopes": ["reports.read"],
    });
    let first = c.admin.call_with(
        "POST",
        "/api/tokens",
        Some(&body),
        &[("Idempotency-Key", &key)],
    )?;
    expect(&first, 201, "create")?;
    for _ in 0..3 {
        let again = c.admin.call_with(
            "POST",
            "/api/tokens",
            Some(&body),
            &[("Idempotency-Key", &key)],
        )?;
        ensure!(
            again.status == 201 && again.body == first.body,
            "replay differs: {} {}",
            again.status,
            again.body
        );
    }
    let list = c
        .admin
        .call("GET", "/api/tokens?q=idempotent&limit=100", None)?;
    ensure!(
        list.json()["total"] == 1,
        "retries made more tokens: {}",
        list.body
    );
    let other = json!({"name": "something else", "description": "", "primary_contact": c.admin.user["id"], "developer_emails": [], "scopes": ["reports.read"]});
    let reused = c.admin.call_with(
        "POST",
        "/api/tokens",
        Some(&other),
        &[("Idempotency-Key", &key)],
    )?;
    expect_error(
        &reused,
        422,
        "idempotency_key_reused",
        "key reused for another body",
    )?;

    let sid = first.json()["token"]["sid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let rkey = format!("reset-{}", tollgate_tests::random_b64(9));
    let reset = c.admin.call_with(
        "POST",
        &format!("/api/tokens/{sid}/reset"),
        None,
        &[("Idempotency-Key", &rkey)],
    )?;
    expect(&reset, 200, "reset")?;
    let again = c.admin.call_with(
        "POST",
        &format!("/api/tokens/{sid}/reset"),
        None,
        &[("Idempotency-Key", &rkey)],
    )?;
    ensure!(again.body == reset.body, "reset replay differs");
    let token = reset.json()["auth_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        verify(&c.edge, &sid, &token)? == 200,
        "the replayed reset's token does not work (a second reset happened)"
    );
    let audit = c
        .admin
        .call("GET", &format!("/api/audit?token={sid}&limit=100"), None)?
        .json();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        actions == ["token_reset", "token_created"],
        "one audit entry per request, not per retry: {actions:?}"
    );
    let bad = c.admin.call_with(
        "POST",
        "/api/tokens",
        Some(&body),
        &[("Idempotency-Key", "has space")],
    )?;
    expect_error(&bad, 400, "invalid_idempotency_key", "bad key")?;
    Ok(())
}

//! Integration tests of both Workers on `wrangler dev --local`, with a fresh state directory
//! per run and two accounts; the cases run in order against one world
//! (`tollgate_tests::suite`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tollgate_core::authorization::encode_basic;
use tollgate_tests::fixture::{Account, Fixture, case_flipped, create_token, verify};
pub(crate) use tollgate_tests::fixture::{expect, expect_error, password};
use tollgate_tests::suite::World;
use tollgate_tests::{Answer, Result, Sandbox, Session, send, setup_account};

mod abuse;
mod forgery;
mod gateway;
mod input;
mod load;
mod people;
mod tokens;
use abuse::*;
use forgery::*;
use input::*;
use load::*;
use people::*;
use tokens::*;

use tollgate_tests::ensure;

tollgate_tests::suite!(
    Ctx on fx,
    [
        setup_is_guarded,
        grace_begin,
        lifecycle,
        one_answer_for_every_failure,
        duplicate_and_upgrade,
        filters_and_paging,
        roles,
        tenant_isolation,
        bad_input_changes_nothing,
        bad_requests_change_nothing,
        edit_and_reveal,
        sessions,
        malformed_authorization,
        authorization_matrix,
        mass_assignment,
        csrf,
        session_fixation,
        edge_abuse,
        brute_force_many_clients,
        catalog_and_users,
        gateway::forwards_to_origin,
        gateway::hygiene,
        no_plaintext_secret_at_rest,
        grace_end,
        restart_keeps_everything,
        load_and_faults,
        new_token_flood,
        no_secret_leaked,
    ]
);

/// Both Workers, a partner account (its admin signed in) and a brand account.
struct Ctx {
    fx: Fixture,
    other: Session,
    /// (deadline, sid, old token, new token) of a reset with grace, checked at the end.
    grace: Option<(Instant, String, String, String)>,
}

impl World for Ctx {
    fn boot() -> Result<Ctx> {
        let account = Account {
            name: "Acme Partners",
            kind: "partner",
            email: "admin@acme.test",
        };
        let fx = Fixture::boot(Sandbox::new("worker")?, account)?;
        let other_password = password();
        let b = setup_account(
            &fx.base,
            &fx.sandbox.setup_secret,
            "Other Brand",
            "brand",
            "admin@other.test",
            &other_password,
        )?;
        expect(&b, 201, "setup B")?;
        let other = Session::login(&fx.base, "admin@other.test", &other_password)?;
        Ok(Ctx {
            fx,
            other,
            grace: None,
        })
    }
}

fn gateway(base: &str, method: &str, path: &str, sid: &str, token: &str) -> Result<Answer> {
    let h = encode_basic(sid, token);
    send(
        method,
        &format!("{base}{path}"),
        &[("Authorization", &h)],
        None,
    )
}

pub(crate) fn create(s: &Session, name: &str, scopes: &[&str]) -> Result<(String, String, Value)> {
    let more =
        json!({ "description": "integration test", "developer_emails": ["dev@example.com"] });
    let t = create_token(s, name, scopes, more)?;
    Ok((t.sid, t.token, t.body))
}

fn count_tokens(s: &Session) -> Result<u64> {
    let a = s.call("GET", "/api/tokens?limit=100", None)?;
    expect(&a, 200, "list")?;
    Ok(a.json()["total"].as_u64().unwrap_or(u64::MAX))
}

fn add_user(admin: &Session, email: &str, role: &str, pw: &str) -> Result<Value> {
    let a = admin.call(
        "POST",
        "/api/users",
        Some(&json!({"email": email, "name": "Test User", "role": role, "password": pw})),
    )?;
    expect(&a, 201, "add user")?;
    Ok(a.json())
}

// ------------------------------------------------------------------ cases

fn one_answer_for_every_failure(c: &mut Ctx) -> Result<()> {
    let (sid, token, _) = create(&c.admin, "Uniform", &["reports.read"])?;
    let (sid2, token2, _) = create(&c.admin, "Uniform 2", &["reports.read"])?;
    expect(
        &c.admin
            .call("POST", &format!("/api/tokens/{sid2}/disable"), None)?,
        200,
        "disable",
    )?;
    let unknown_sid = format!("TGSID{}", "Z".repeat(22));
    let answers = [
        verify(&c.edge, &unknown_sid, &token)?,
        verify(&c.edge, &sid, &token2)?,
        verify(&c.edge, &sid2, &token2)?,
        send("GET", &format!("{}/v1/verify", c.edge), &[], None)?,
        send(
            "GET",
            &format!("{}/v1/verify", c.edge),
            &[("Authorization", "Basic !!!")],
            None,
        )?,
    ];
    for a in &answers {
        ensure!(
            a.status == 401 && a.body == answers[0].body,
            "uniform 401: {} {}",
            a.status,
            a.body
        );
    }
    Ok(())
}

fn edge_abuse(c: &mut Ctx) -> Result<()> {
    let (sid, token, _) = create(&c.admin, "Brute force target", &["reports.read"])?;
    let wrong = {
        let other = create(&c.admin, "Other", &["reports.read"])?;
        other.1
    };
    let mut limited = None;
    for i in 0..40 {
        let a = verify(&c.edge, &sid, &wrong)?;
        if a.status == 429 {
            limited = Some((i, a));
            break;
        }
        expect(&a, 401, "wrong token")?;
    }
    let (after, a) = limited.ok_or("no 429 after 40 wrong tokens")?;
    ensure!(after >= 10, "limited too early ({after})");
    ensure!(
        a.header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| (1..=60).contains(&s)),
        "Retry-After {:?}",
        a.headers
    );
    expect(
        &verify(&c.edge, &sid, &token)?,
        200,
        "the right token still works",
    )?;
    // The same password with a look-alike or case-flipped SID is not the token.
    expect(
        &verify(&c.edge, &sid.replacen('S', "Ѕ", 1), &token)?,
        401,
        "look-alike SID",
    )?;
    expect(
        &verify(&c.edge, &sid.to_lowercase(), &token)?,
        401,
        "lower-cased SID",
    )?;
    let flipped = case_flipped(&token);
    expect(&verify(&c.edge, &sid, &flipped)?, 401, "case-flipped token")?;
    // Last use is recorded.
    let v = c.admin.call("GET", &format!("/api/tokens/{sid}"), None)?;
    ensure!(
        v.json()["last_used_at"].is_number(),
        "last use recorded: {}",
        v.body
    );
    Ok(())
}

fn catalog_and_users(c: &mut Ctx) -> Result<()> {
    let a = c.admin.call("GET", "/api/catalog", None)?;
    expect(&a, 200, "catalog")?;
    let v = a.json();
    ensure!(
        v["latest"] == json!("2026-04-01") && v["account_type"] == json!("partner"),
        "catalog head"
    );
    ensure!(
        v["categories"].as_array().is_some_and(|c| c.len() >= 10),
        "categories"
    );
    ensure!(a.body.contains("/v1/reports/{id}"), "routes listed");
    let old = c
        .admin
        .call("GET", "/api/catalog?version=2024-04-01", None)?;
    ensure!(!old.body.contains("webhooks"), "old version lacks webhooks");
    expect_error(
        &c.admin
            .call("GET", "/api/catalog?version=1999-01-01", None)?,
        400,
        "unknown_version",
        "bad version",
    )?;
    let users = c.admin.call("GET", "/api/users", None)?;
    expect(&users, 200, "users")?;
    ensure!(
        !users.body.contains("argon2") && !users.body.contains("password"),
        "no hashes in users"
    );
    let dup = c.admin.call(
        "POST",
        "/api/users",
        Some(&json!({"email": "ADMIN@acme.test", "name": "Dup", "role": "standard_user", "password": password()})),
    )?;
    expect_error(&dup, 409, "email_taken", "duplicate e-mail")
}

fn setup_is_guarded(c: &mut Ctx) -> Result<()> {
    let a = setup_account(
        &c.base,
        "wrong-secret-wrong-secret",
        "X",
        "brand",
        "x@x.test",
        &password(),
    )?;
    expect_error(&a, 401, "unauthenticated", "wrong setup secret")?;
    let b = setup_account(
        &c.base,
        &c.sandbox.setup_secret,
        "X",
        "advertiser",
        "x@x.test",
        &password(),
    )?;
    expect_error(&b, 400, "invalid_value", "bad account type")?;
    let weak = setup_account(
        &c.base,
        &c.sandbox.setup_secret,
        "X",
        "brand",
        "x@x.test",
        "short",
    )?;
    expect_error(&weak, 422, "password_too_short", "weak password")
}

fn restart_keeps_everything(c: &mut Ctx) -> Result<()> {
    let (sid, token, _) = create(&c.admin, "Survives restarts", &["reports.read"])?;
    let before = count_tokens(&c.admin)?;
    c.server.kill();
    c.server = c.sandbox.start()?;
    c.base = c.server.base.clone();
    c.edge = c.server.edge.clone();
    expect(
        &verify(&c.edge, &sid, &token)?,
        200,
        "verifies after restart",
    )?;
    let s = Session::login(&c.base, "admin@acme.test", &c.admin_password)?;
    ensure!(count_tokens(&s)? == before, "token count after restart");
    c.admin = s;
    c.other.base = c.base.clone();
    Ok(())
}

fn no_plaintext_secret_at_rest(c: &mut Ctx) -> Result<()> {
    let (sid, first, _) = create(&c.admin, "Dump check", &["reports.read"])?;
    let r = c.admin.call(
        "POST",
        &format!("/api/tokens/{sid}/reset"),
        Some(&json!({"grace": "1h"})),
    )?;
    expect(&r, 200, "reset")?;
    let second = r.json()["auth_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let pw = password();
    add_user(&c.admin, "dump@acme.test", "standard_user", &pw)?;
    let s = Session::login(&c.base, "dump@acme.test", &pw)?;
    let session_id = s
        .cookie
        .split_once('=')
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default();
    let state = c.sandbox.dir.clone();
    // Positive controls: the scan does see stored data (the public SID and the token's name).
    ensure!(
        !tollgate_tests::files_containing(&state, &sid).is_empty(),
        "the scan finds no stored SID"
    );
    ensure!(
        !tollgate_tests::files_containing(&state, "Dump check").is_empty(),
        "the scan finds no stored value"
    );
    for (what, secret) in [
        ("auth token", first.as_str()),
        ("reset auth token", second.as_str()),
        ("password", pw.as_str()),
        ("admin password", c.admin_password.as_str()),
        ("session id", session_id.as_str()),
        ("CSRF token", s.csrf.as_str()),
    ] {
        ensure!(secret.len() >= 16, "{what} too short to search for");
        let hits = tollgate_tests::files_containing(&state, secret);
        ensure!(
            hits.is_empty(),
            "{what} stored or logged in plaintext: {hits:?}"
        );
    }
    Ok(())
}

//! Integration tests of both Workers on `wrangler dev --local`, with a fresh state directory
//! per run and two accounts; the cases run in order against one world
//! (`tollgate_tests::suite`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tollgate_core::authorization::encode_basic;
use tollgate_tests::fixture::{Account, Fixture, create_token, verify};
pub(crate) use tollgate_tests::fixture::{expect, expect_error, password};
use tollgate_tests::suite::World;
use tollgate_tests::{Answer, Result, Sandbox, Session, send, setup_account};

mod abuse;
mod gateway;
mod input;
mod load;
mod people;
use abuse::*;
use input::*;
use load::*;
use people::*;

use tollgate_tests::ensure;

tollgate_tests::suite!(
    Ctx,
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

impl std::ops::Deref for Ctx {
    type Target = Fixture;
    fn deref(&self) -> &Fixture {
        &self.fx
    }
}

impl std::ops::DerefMut for Ctx {
    fn deref_mut(&mut self) -> &mut Fixture {
        &mut self.fx
    }
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

    fn stop(&mut self) {
        self.fx.stop();
    }

    fn describe(&self) -> String {
        self.fx.describe()
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

fn lifecycle(c: &mut Ctx) -> Result<()> {
    let (sid, token, v) = create(&c.admin, "Lifecycle", &["reports.read", "actions.read"])?;
    ensure!(
        sid.starts_with("TGSID") && token.starts_with("tgat_"),
        "credential formats: {sid} {token}"
    );
    ensure!(
        v["token"]["api_version"] == json!("2026-04-01"),
        "latest version by default"
    );
    let ok = verify(&c.edge, &sid, &token)?;
    expect(&ok, 200, "verify")?;
    ensure!(
        ok.json()["sid"] == json!(sid)
            && ok.json()["scopes"] == json!(["actions.read", "reports.read"]),
        "identity {}",
        ok.body
    );
    ensure!(
        ok.json()["account"] == c.admin.account["id"],
        "account in identity"
    );
    let granted = gateway(&c.edge, "GET", "/v1/reports/42", &sid, &token)?;
    expect(&granted, 200, "gateway granted")?;
    ensure!(
        granted.json()["identity"]["sid"] == json!(sid),
        "echo identity"
    );
    expect_error(
        &gateway(&c.edge, "GET", "/v1/campaigns", &sid, &token)?,
        403,
        "insufficient_scope",
        "ungranted",
    )?;
    expect_error(
        &gateway(&c.edge, "GET", "/v1/nowhere", &sid, &token)?,
        404,
        "no_such_route",
        "unknown route",
    )?;

    let r = c.admin.call(
        "POST",
        &format!("/api/tokens/{sid}/reset"),
        Some(&json!({})),
    )?;
    expect(&r, 200, "reset")?;
    let new = r.json()["auth_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(new != token && new.starts_with("tgat_"), "new token");
    expect(
        &verify(&c.edge, &sid, &token)?,
        401,
        "old token after reset",
    )?;
    expect(&verify(&c.edge, &sid, &new)?, 200, "new token after reset")?;

    expect(
        &c.admin
            .call("POST", &format!("/api/tokens/{sid}/disable"), None)?,
        200,
        "disable",
    )?;
    let denied = verify(&c.edge, &sid, &new)?;
    expect(&denied, 401, "disabled")?;
    ensure!(
        denied
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Basic realm=") && h.contains("charset=\"UTF-8\"")),
        "WWW-Authenticate"
    );
    expect_error(
        &c.admin
            .call("POST", &format!("/api/tokens/{sid}/disable"), None)?,
        409,
        "already_disabled",
        "disable twice",
    )?;
    expect(
        &c.admin
            .call("POST", &format!("/api/tokens/{sid}/enable"), None)?,
        200,
        "enable",
    )?;
    expect(&verify(&c.edge, &sid, &new)?, 200, "enabled again")?;

    expect(
        &c.admin.call(
            "PATCH",
            "/api/account",
            Some(&json!({"api_access_enabled": false})),
        )?,
        200,
        "API access off",
    )?;
    expect(&verify(&c.edge, &sid, &new)?, 401, "account API access off")?;
    expect(
        &c.admin.call(
            "PATCH",
            "/api/account",
            Some(&json!({"api_access_enabled": true})),
        )?,
        200,
        "API access on",
    )?;
    expect(&verify(&c.edge, &sid, &new)?, 200, "account API access on")?;

    expect(
        &c.admin
            .call("DELETE", &format!("/api/tokens/{sid}"), None)?,
        204,
        "delete",
    )?;
    expect(&verify(&c.edge, &sid, &new)?, 401, "deleted")?;
    expect_error(
        &c.admin.call("GET", &format!("/api/tokens/{sid}"), None)?,
        404,
        "not_found",
        "deleted token",
    )?;
    Ok(())
}

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

/// A digest of what Workers KV holds locally (its SQLite files and blobs, but SQLite's
/// shared-memory index, which readers touch too). The rate limiter's counters live
/// elsewhere: counting failures is the one effect a failure is meant to have.
fn grace_begin(c: &mut Ctx) -> Result<()> {
    let (sid, token, _) = create(&c.admin, "Grace", &["reports.read"])?;
    let r = c.admin.call(
        "POST",
        &format!("/api/tokens/{sid}/reset"),
        Some(&json!({"grace": "1m"})),
    )?;
    expect(&r, 200, "reset with grace")?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let new = r.json()["auth_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        r.json()["token"]["previous_valid_until"].is_number(),
        "grace deadline shown: {}",
        r.body
    );
    expect(
        &verify(&c.edge, &sid, &token)?,
        200,
        "old token within grace",
    )?;
    expect(&verify(&c.edge, &sid, &new)?, 200, "new token within grace")?;
    expect_error(
        &c.admin.call(
            "POST",
            &format!("/api/tokens/{sid}/reset"),
            Some(&json!({"grace": "2h"})),
        )?,
        400,
        "invalid_value",
        "unknown grace",
    )?;
    c.grace = Some((deadline, sid, token, new));
    Ok(())
}

fn grace_end(c: &mut Ctx) -> Result<()> {
    let (deadline, sid, old, new) = c.grace.take().ok_or("grace_begin did not run")?;
    let now = Instant::now();
    if deadline > now {
        std::thread::sleep(deadline - now + Duration::from_millis(1500));
    }
    expect(
        &verify(&c.edge, &sid, &old)?,
        401,
        "old token after the grace",
    )?;
    expect(
        &verify(&c.edge, &sid, &new)?,
        200,
        "new token after the grace",
    )
}

fn duplicate_and_upgrade(c: &mut Ctx) -> Result<()> {
    let (sid, token, v) = create(&c.admin, "Original", &["reports.read", "media.read"])?;
    let d = c
        .admin
        .call("POST", &format!("/api/tokens/{sid}/duplicate"), None)?;
    expect(&d, 201, "duplicate")?;
    let dv = d.json();
    ensure!(
        dv["token"]["name"] == json!("Original (copy)"),
        "copy name {}",
        d.body
    );
    ensure!(dv["token"]["scopes"] == v["token"]["scopes"], "same scopes");
    let (dsid, dtoken) = (
        dv["token"]["sid"].as_str().unwrap_or_default(),
        dv["auth_token"].as_str().unwrap_or_default(),
    );
    ensure!(dsid != sid && dtoken != token, "new credentials");
    expect(&verify(&c.edge, dsid, dtoken)?, 200, "duplicate verifies")?;
    expect(
        &verify(&c.edge, &sid, &token)?,
        200,
        "original still verifies",
    )?;

    let old = c.admin.call(
        "POST",
        "/api/tokens",
        Some(&json!({"name": "Old version", "api_version": "2024-04-01", "primary_contact": c.admin.user["id"], "scopes": ["reports.read"]})),
    )?;
    expect(&old, 201, "create on an old version")?;
    let osid = old.json()["token"]["sid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        old.json()["token"]["latest_version"] == json!(false),
        "marked old"
    );
    let u = c
        .admin
        .call("POST", &format!("/api/tokens/{osid}/upgrade"), None)?;
    expect(&u, 200, "upgrade")?;
    ensure!(
        u.json()["api_version"] == json!("2026-04-01") && u.json()["latest_version"] == json!(true),
        "upgraded {}",
        u.body
    );
    expect_error(
        &c.admin
            .call("POST", &format!("/api/tokens/{osid}/upgrade"), None)?,
        409,
        "already_at_version",
        "upgrade twice",
    )?;
    expect_error(
        &c.admin.call(
            "POST",
            &format!("/api/tokens/{osid}/upgrade"),
            Some(&json!({"api_version": "2025-04-01"})),
        )?,
        422,
        "downgrade",
        "downgrade",
    )
}

fn filters_and_paging(c: &mut Ctx) -> Result<()> {
    let s = &c.other;
    for name in [
        "本番トークン",
        "ステージング",
        "Reporting ETL",
        "reporting backup",
        "数据同步",
    ] {
        create(s, name, &["reports.read"])?;
    }
    let list = s.call("GET", "/api/tokens?limit=100", None)?;
    let sid_of = |name: &str| {
        list.json()["tokens"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|t| t["name"] == json!(name))
                    .map(|t| t["sid"].as_str().unwrap_or("").to_owned())
            })
            .unwrap_or_default()
    };
    let sid = sid_of("ステージング");
    expect(
        &s.call("POST", &format!("/api/tokens/{sid}/disable"), None)?,
        200,
        "disable",
    )?;
    let names = |q: &str| -> Result<Vec<String>> {
        let a = s.call("GET", &format!("/api/tokens?{q}"), None)?;
        expect(&a, 200, q)?;
        Ok(a.json()["tokens"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| t["name"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default())
    };
    ensure!(names("q=REPORTING")?.len() == 2, "case-insensitive search");
    ensure!(
        names("q=%E3%83%88%E3%83%BC%E3%82%AF%E3%83%B3")? == vec!["本番トークン"],
        "Japanese search"
    );
    ensure!(
        names("q=%E5%90%8C%E6%AD%A5")? == vec!["数据同步"],
        "Chinese search"
    );
    ensure!(
        names("state=disabled")? == vec!["ステージング"],
        "state filter"
    );
    ensure!(names("state=enabled")?.len() == 4, "enabled filter");
    ensure!(
        names("created=7d")?.len() == 5 && names("created=30d")?.len() == 5,
        "recent"
    );
    ensure!(names("created=older")?.is_empty(), "older than 30 days");
    ensure!(
        names("q=reporting&state=enabled&created=7d")?.len() == 2,
        "combined"
    );
    ensure!(names("")?.len() == 5, "clear all");
    // Paging walks every token once, newest first.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let a = s.call("GET", &format!("/api/tokens?limit=2{cursor}"), None)?;
        expect(&a, 200, "page")?;
        let v = a.json();
        ensure!(
            v["tokens"].as_array().map_or(0, Vec::len) <= 2 && v["total"] == json!(5),
            "page size and total"
        );
        seen.extend(
            v["tokens"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| t["sid"].as_str().unwrap_or("").to_owned()),
        );
        match v["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    ensure!(seen.len() == 5 && unique.len() == 5, "paging saw {seen:?}");
    expect_error(
        &s.call("GET", "/api/tokens?limit=1000000000", None)?,
        400,
        "invalid_limit",
        "huge limit",
    )?;
    expect_error(
        &s.call("GET", "/api/tokens?created=yesterday", None)?,
        400,
        "invalid_created",
        "bad created",
    )?;
    expect_error(
        &s.call("GET", "/api/tokens?cursor=garbage", None)?,
        400,
        "invalid_cursor",
        "bad cursor",
    )?;
    expect_error(
        &s.call("GET", "/api/tokens?account=x", None)?,
        400,
        "unknown_parameter",
        "unknown parameter",
    )
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
    let flipped: String = token
        .chars()
        .map(|ch| {
            if ch.is_ascii_lowercase() {
                ch.to_ascii_uppercase()
            } else {
                ch.to_ascii_lowercase()
            }
        })
        .collect();
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

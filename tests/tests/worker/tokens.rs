//! A token's life through the admin API and at the edge: create, edit, reset (with and
//! without grace), disable, delete, duplicate, upgrade, and the list's filters and paging.

#[allow(unused_imports)]
use super::*;

pub(crate) fn lifecycle(c: &mut Ctx) -> Result<()> {
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

/// A reset with a grace period: both the old and the new token pass until it ends (checked
/// by `grace_end`, after the other cases).
pub(crate) fn grace_begin(c: &mut Ctx) -> Result<()> {
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

pub(crate) fn grace_end(c: &mut Ctx) -> Result<()> {
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

pub(crate) fn duplicate_and_upgrade(c: &mut Ctx) -> Result<()> {
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

pub(crate) fn filters_and_paging(c: &mut Ctx) -> Result<()> {
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

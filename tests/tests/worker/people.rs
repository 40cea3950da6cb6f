//! Who may do what: roles, tenant isolation, editing and revealing tokens, sessions.

#[allow(unused_imports)]
use super::*;

pub(crate) fn roles(c: &mut Ctx) -> Result<()> {
    let spw = password();
    let upw = password();
    add_user(
        &c.admin,
        "specialist@acme.test",
        "implementation_specialist",
        &spw,
    )?;
    add_user(&c.admin, "standard@acme.test", "standard_user", &upw)?;
    let spec = Session::login(&c.base, "specialist@acme.test", &spw)?;
    let std = Session::login(&c.base, "standard@acme.test", &upw)?;
    let (sid, _, _) = create(&c.admin, "Role target", &["reports.read"])?;

    // The implementation specialist manages tokens, not users or settings.
    expect(
        &spec.call("GET", "/api/tokens", None)?,
        200,
        "specialist lists",
    )?;
    let (ssid, _, _) = create(&spec, "Specialist's token", &["reports.read"])?;
    expect(
        &spec.call("POST", &format!("/api/tokens/{ssid}/disable"), None)?,
        200,
        "specialist disables",
    )?;
    expect(
        &spec.call("GET", "/api/users", None)?,
        200,
        "specialist sees users (contacts)",
    )?;
    expect(
        &spec.call("GET", "/api/catalog", None)?,
        200,
        "specialist sees the catalog",
    )?;
    expect(
        &spec.call("GET", "/api/audit", None)?,
        200,
        "specialist sees the audit log",
    )?;
    expect_error(
        &spec.call(
            "POST",
            "/api/users",
            Some(&json!({"email": "x@acme.test", "name": "X", "role": "account_admin", "password": password()})),
        )?,
        403,
        "forbidden",
        "specialist adds user",
    )?;
    expect_error(
        &spec.call(
            "PATCH",
            &format!("/api/users/{}", spec.user["id"].as_str().unwrap_or("")),
            Some(&json!({"role": "account_admin"})),
        )?,
        403,
        "forbidden",
        "specialist promotes self",
    )?;
    expect_error(
        &spec.call(
            "PATCH",
            "/api/account",
            Some(&json!({"show_tokens_once": true})),
        )?,
        403,
        "forbidden",
        "specialist edits account",
    )?;
    expect_error(
        &spec.call("GET", "/api/account", None)?,
        403,
        "forbidden",
        "specialist reads account",
    )?;

    // A standard user has no access to tokens or settings.
    let denied: [(&str, String, Option<Value>); 12] = [
        ("GET", "/api/tokens".into(), None),
        (
            "POST",
            "/api/tokens".into(),
            Some(json!({"name": "x", "primary_contact": "x", "scopes": ["reports.read"]})),
        ),
        ("GET", format!("/api/tokens/{sid}"), None),
        (
            "PATCH",
            format!("/api/tokens/{sid}"),
            Some(json!({"name": "pwned"})),
        ),
        ("DELETE", format!("/api/tokens/{sid}"), None),
        ("POST", format!("/api/tokens/{sid}/reset"), None),
        ("POST", format!("/api/tokens/{sid}/reveal"), None),
        ("GET", "/api/catalog".into(), None),
        ("GET", "/api/users".into(), None),
        ("GET", "/api/account".into(), None),
        (
            "PATCH",
            "/api/account".into(),
            Some(json!({"api_access_enabled": false})),
        ),
        ("GET", "/api/audit".into(), None),
    ];
    for (m, p, b) in &denied {
        expect_error(
            &std.call(m, p, b.as_ref())?,
            403,
            "forbidden",
            &format!("standard user {m} {p}"),
        )?;
    }
    expect(
        &std.call("GET", "/api/session", None)?,
        200,
        "standard user sees own session",
    )?;
    expect(
        &c.admin.call("GET", &format!("/api/tokens/{sid}"), None)?,
        200,
        "token untouched",
    )?;
    Ok(())
}

pub(crate) fn tenant_isolation(c: &mut Ctx) -> Result<()> {
    let (sid, token, _) = create(&c.admin, "A's token", &["reports.read"])?;
    let b = &c.other;
    let attempts: [(&str, String, Option<Value>); 10] = [
        ("GET", format!("/api/tokens/{sid}"), None),
        (
            "PATCH",
            format!("/api/tokens/{sid}"),
            Some(json!({"name": "stolen"})),
        ),
        ("DELETE", format!("/api/tokens/{sid}"), None),
        ("POST", format!("/api/tokens/{sid}/duplicate"), None),
        ("POST", format!("/api/tokens/{sid}/reset"), None),
        ("POST", format!("/api/tokens/{sid}/upgrade"), None),
        ("POST", format!("/api/tokens/{sid}/disable"), None),
        ("POST", format!("/api/tokens/{sid}/reveal"), None),
        (
            "PATCH",
            format!("/api/users/{}", c.admin.user["id"].as_str().unwrap_or("")),
            Some(json!({"role": "standard_user"})),
        ),
        (
            "DELETE",
            format!("/api/users/{}", c.admin.user["id"].as_str().unwrap_or("")),
            None,
        ),
    ];
    for (m, p, body) in &attempts {
        expect_error(
            &b.call(m, p, body.as_ref())?,
            404,
            "not_found",
            &format!("B {m} {p}"),
        )?;
    }
    // B cannot name A's user as a primary contact, nor see A's tokens in its list or audit.
    let a = b.call(
        "POST",
        "/api/tokens",
        Some(&json!({"name": "x", "primary_contact": c.admin.user["id"], "scopes": ["reports.read"]})),
    )?;
    expect_error(&a, 422, "unknown_contact", "foreign contact")?;
    let listed = b.call("GET", "/api/tokens?limit=100", None)?;
    ensure!(!listed.body.contains(&sid), "B's list shows A's token");
    let audit = b.call("GET", &format!("/api/audit?token={sid}"), None)?;
    ensure!(
        audit.json()["entries"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "B's audit shows A's token"
    );
    expect(&verify(&c.edge, &sid, &token)?, 200, "A's token unharmed")?;
    expect(
        &c.admin.call("GET", &format!("/api/tokens/{sid}"), None)?,
        200,
        "A still sees it",
    )?;
    Ok(())
}

pub(crate) fn edit_and_reveal(c: &mut Ctx) -> Result<()> {
    let s = &c.admin;
    let (sid, token, _) = create(s, "Editable", &["reports.read"])?;
    let e = s.call(
        "PATCH",
        &format!("/api/tokens/{sid}"),
        Some(&json!({"name": "Edited", "description": "new", "developer_emails": ["a@example.com", "b@example.com"], "scopes": ["campaigns.read", "reports.read"]})),
    )?;
    expect(&e, 200, "edit")?;
    ensure!(
        e.json()["name"] == json!("Edited")
            && e.json()["scopes"] == json!(["campaigns.read", "reports.read"]),
        "edited {}",
        e.body
    );
    expect(
        &gateway(&c.edge, "GET", "/v1/campaigns", &sid, &token)?,
        200,
        "new scope takes effect",
    )?;
    // Revealing needs the password again (sudo), and a wrong one opens nothing.
    let reveal = format!("/api/tokens/{sid}/reveal");
    let r = s.call("POST", &reveal, None)?;
    expect_error(&r, 403, "reauthentication_required", "reveal before sudo")?;
    ensure!(!r.body.contains(&token), "no secret before sudo");
    let wrong = s.call(
        "POST",
        "/api/session/sudo",
        Some(&json!({"password": "not-the-password"})),
    )?;
    expect_error(
        &wrong,
        403,
        "current_password_wrong",
        "sudo with a wrong password",
    )?;
    expect_error(
        &s.call("POST", &reveal, None)?,
        403,
        "reauthentication_required",
        "reveal after a wrong password",
    )?;
    expect_error(
        &s.call(
            "POST",
            "/api/session/sudo",
            Some(&json!({"password": c.admin_password, "until": 0})),
        )?,
        400,
        "unknown_field",
        "sudo refuses a chosen window",
    )?;
    let sudo = s.call(
        "POST",
        "/api/session/sudo",
        Some(&json!({"password": c.admin_password})),
    )?;
    expect(&sudo, 200, "sudo")?;
    let until = sudo.json()["sudo_until"].as_i64().unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    ensure!(
        (until - now - 300_000).abs() < 60_000,
        "sudo lasts five minutes: until {until}, now {now}"
    );
    let r = s.call("POST", &reveal, None)?;
    expect(&r, 200, "reveal")?;
    ensure!(
        r.json()["auth_token"] == json!(token),
        "revealed token matches"
    );
    // Another session of the same user is not in sudo mode.
    let other = Session::login(&c.base, "admin@acme.test", &c.admin_password)?;
    expect_error(
        &other.call("POST", &reveal, None)?,
        403,
        "reauthentication_required",
        "sudo is per session",
    )?;
    let all = s.call("GET", "/api/audit?limit=20", None)?;
    let log: Vec<(String, String)> = all.json()["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_owned(),
                e["detail"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    ensure!(
        log.iter().any(|(a, _)| a == "reauthenticated"),
        "sudo is audited: {log:?}"
    );
    ensure!(
        log.iter()
            .any(|(a, d)| a == "sign_in_failed" && d.contains("re-authenticate")),
        "a wrong sudo password is audited: {log:?}"
    );
    let audit = s.call("GET", &format!("/api/audit?token={sid}"), None)?;
    expect(&audit, 200, "audit")?;
    let actions: Vec<String> = audit.json()["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["action"].as_str().unwrap_or("").to_owned())
        .collect();
    ensure!(
        actions == ["token_revealed", "token_edited", "token_created"],
        "audit newest first: {actions:?}"
    );
    ensure!(
        !audit.body.contains(&token),
        "the audit log holds no secret"
    );
    // Show-once: the copy goes away, and no ciphertext is kept for new tokens.
    expect(
        &s.call(
            "PATCH",
            "/api/account",
            Some(&json!({"show_tokens_once": true})),
        )?,
        200,
        "show once on",
    )?;
    expect_error(
        &s.call("POST", &format!("/api/tokens/{sid}/reveal"), None)?,
        409,
        "show_once",
        "reveal on show-once",
    )?;
    let (sid2, _, v2) = create(s, "Shown once", &["reports.read"])?;
    ensure!(v2["token"]["revealable"] == json!(false), "not revealable");
    expect(
        &s.call(
            "PATCH",
            "/api/account",
            Some(&json!({"show_tokens_once": false})),
        )?,
        200,
        "show once off",
    )?;
    expect_error(
        &s.call("POST", &format!("/api/tokens/{sid}/reveal"), None)?,
        409,
        "not_revealable",
        "old ciphertext dropped",
    )?;
    expect_error(
        &s.call("POST", &format!("/api/tokens/{sid2}/reveal"), None)?,
        409,
        "not_revealable",
        "never kept",
    )?;
    Ok(())
}

pub(crate) fn sessions(c: &mut Ctx) -> Result<()> {
    let pw = password();
    let u = add_user(
        &c.admin,
        "sessions@acme.test",
        "implementation_specialist",
        &pw,
    )?;
    let id = u["id"].as_str().unwrap_or("").to_owned();
    let first = Session::login(&c.base, "sessions@acme.test", &pw)?;
    ensure!(
        first.cookie.starts_with("__Host-tollgate_session="),
        "cookie name"
    );
    // Every tab of a session gets the same CSRF token, and it keeps working.
    let again = first.call("GET", "/api/session", None)?;
    expect(&again, 200, "session view")?;
    ensure!(
        again.json()["csrf_token"] == json!(first.csrf),
        "CSRF token changed between tabs"
    );
    let s2 = Session::login(&c.base, "sessions@acme.test", &pw)?;
    ensure!(s2.csrf != first.csrf, "two sessions share a CSRF token");
    expect(&s2.call("DELETE", "/api/session", None)?, 204, "logout")?;
    expect_error(
        &s2.call("GET", "/api/tokens", None)?,
        401,
        "unauthenticated",
        "after logout",
    )?;
    expect(
        &first.call("GET", "/api/tokens", None)?,
        200,
        "other session lives",
    )?;
    // A password change ends the user's sessions.
    expect(
        &c.admin.call(
            "PATCH",
            &format!("/api/users/{id}"),
            Some(&json!({"password": "another long password"})),
        )?,
        200,
        "password change",
    )?;
    expect_error(
        &first.call("GET", "/api/tokens", None)?,
        401,
        "unauthenticated",
        "after password change",
    )?;
    let third = Session::login(&c.base, "sessions@acme.test", "another long password")?;
    expect(
        &third.call("GET", "/api/tokens", None)?,
        200,
        "new password works",
    )?;
    // Disabling the user ends them too, and sign-in is refused.
    expect(
        &c.admin.call("DELETE", &format!("/api/users/{id}"), None)?,
        200,
        "disable user",
    )?;
    expect_error(
        &third.call("GET", "/api/tokens", None)?,
        401,
        "unauthenticated",
        "after disable",
    )?;
    ensure!(
        Session::login(&c.base, "sessions@acme.test", "another long password").is_err(),
        "disabled user signs in"
    );
    // Wrong passwords: one answer, then a limit.
    let bad = json!({"email": "nobody@acme.test", "password": "wrong password!"}).to_string();
    let a = send(
        "POST",
        &format!("{}/api/session", c.base),
        &[("Content-Type", "application/json")],
        Some(&bad),
    )?;
    expect_error(&a, 401, "invalid_credentials", "unknown user")?;
    // The session cookie's attributes.
    let body = json!({"email": "admin@acme.test", "password": c.admin_password}).to_string();
    let a = send(
        "POST",
        &format!("{}/api/session", c.base),
        &[("Content-Type", "application/json")],
        Some(&body),
    )?;
    let cookie = a.header("set-cookie").unwrap_or("");
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        ensure!(cookie.contains(attr), "cookie lacks {attr}: {cookie}");
    }
    ensure!(
        !a.body.contains(
            cookie
                .split(';')
                .next()
                .unwrap_or("-")
                .split('=')
                .nth(1)
                .unwrap_or("-")
        ),
        "session id in body"
    );
    // The last admin cannot be demoted, and nobody changes their own role.
    expect_error(
        &c.admin.call(
            "PATCH",
            &format!("/api/users/{}", c.admin.user["id"].as_str().unwrap_or("")),
            Some(&json!({"role": "standard_user"})),
        )?,
        403,
        "self_change",
        "self demotion",
    )?;
    Ok(())
}

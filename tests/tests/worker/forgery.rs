//! Requests forged against the admin API: mass assignment of server-owned fields, CSRF in
//! every shape a browser can send, session fixation.

#[allow(unused_imports)]
use super::*;

/// Server-owned and unknown fields in every body are refused (400 `unknown_field`), and
/// nothing changes.
pub(crate) fn mass_assignment(c: &mut Ctx) -> Result<()> {
    let (sid, _, _) = create(&c.admin, "Mass assignment target", &["reports.read"])?;
    let user = c.admin.user["id"].as_str().unwrap_or_default().to_owned();
    let contact = c.admin.user["id"].clone();
    let bodies: Vec<(&str, String, Value)> = vec![
        (
            "POST",
            "/api/tokens".into(),
            json!({"name": "m", "primary_contact": contact, "scopes": ["reports.read"]}),
        ),
        (
            "PATCH",
            format!("/api/tokens/{sid}"),
            json!({"name": "renamed"}),
        ),
        (
            "POST",
            format!("/api/tokens/{sid}/reset"),
            json!({"grace": "none"}),
        ),
        ("POST", format!("/api/tokens/{sid}/upgrade"), json!({})),
        ("POST", format!("/api/tokens/{sid}/duplicate"), json!({})),
        (
            "POST",
            "/api/users".into(),
            json!({"email": "ma@acme.test", "name": "M", "role": "standard_user", "password": password()}),
        ),
        (
            "PATCH",
            format!("/api/users/{user}"),
            json!({"name": "Still me"}),
        ),
        ("PATCH", "/api/account".into(), json!({"name": "Acme"})),
    ];
    let owned = [
        ("sid", json!("TGSID0000000000000000000000")),
        ("account", json!("acct_other")),
        ("account_id", json!("acct_other")),
        ("digest", json!("00".repeat(32))),
        (
            "auth_token",
            json!("tgat_000000000000000000000000000000000000000000031AabC"),
        ),
        ("sealed_auth_token", json!("x")),
        ("created_at", json!(1)),
        ("updated_at", json!(1)),
        ("id", json!("usr_x")),
        ("schema", json!(99)),
        ("generation", json!(0)),
        ("state", json!("enabled")),
        ("is_admin", json!(true)),
    ];
    let before = snapshot(c)?;
    let mut tried = 0;
    for (m, p, body) in &bodies {
        for (field, value) in &owned {
            let mut b = body.clone();
            if b.get(*field).is_some() {
                continue;
            }
            b[*field] = value.clone();
            tried += 1;
            let a = c.admin.call(m, p, Some(&b))?;
            expect_error(&a, 400, "unknown_field", &format!("{m} {p} with {field}"))?;
            ensure!(
                a.json()["error"]["field"] == json!(field),
                "{m} {p}: the error names {} not {field}",
                a.json()["error"]["field"]
            );
        }
    }
    // Role is a real field of users, but not one a user may give themselves.
    expect_error(
        &c.admin.call(
            "PATCH",
            &format!("/api/users/{user}"),
            Some(&json!({"role": "standard_user"})),
        )?,
        403,
        "self_change",
        "own role",
    )?;
    ensure!(snapshot(c)? == before, "a refused body changed something");
    println!("    {tried} bodies with server-owned fields refused, nothing changed");
    Ok(())
}

/// Cross-site requests in every shape a browser can send are refused before anything runs.
pub(crate) fn csrf(c: &mut Ctx) -> Result<()> {
    let s = &c.admin;
    let contact = s.user["id"].as_str().unwrap_or_default();
    let body =
        json!({"name": "csrf", "primary_contact": contact, "scopes": ["reports.read"]}).to_string();
    let url = format!("{}/api/tokens", c.base);
    let form = format!("name=csrf&primary_contact={contact}");
    let cookie = s.cookie.as_str();
    let csrf = s.csrf.as_str();
    type Shape<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, u16, &'a str);
    let cases: Vec<Shape<'_>> = vec![
        (
            "cross-site form post",
            vec![
                ("Cookie", cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Sec-Fetch-Site", "cross-site"),
                ("Origin", "https://evil.example"),
            ],
            form.as_str(),
            403,
            "forbidden",
        ),
        (
            "form post without fetch metadata",
            vec![
                ("Cookie", cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", "https://evil.example"),
            ],
            form.as_str(),
            403,
            "forbidden",
        ),
        (
            "text/plain body with a foreign Origin",
            vec![
                ("Cookie", cookie),
                ("Content-Type", "text/plain"),
                ("Origin", "https://evil.example"),
            ],
            body.as_str(),
            403,
            "forbidden",
        ),
        (
            "Origin: null",
            vec![
                ("Cookie", cookie),
                ("X-CSRF-Token", csrf),
                ("Content-Type", "application/json"),
                ("Origin", "null"),
            ],
            body.as_str(),
            403,
            "forbidden",
        ),
        (
            "missing X-CSRF-Token",
            vec![("Cookie", cookie), ("Content-Type", "application/json")],
            body.as_str(),
            403,
            "csrf",
        ),
        (
            "another session's X-CSRF-Token",
            vec![
                ("Cookie", cookie),
                ("X-CSRF-Token", c.other.csrf.as_str()),
                ("Content-Type", "application/json"),
            ],
            body.as_str(),
            403,
            "csrf",
        ),
        (
            "same-site text/plain with the token",
            vec![
                ("Cookie", cookie),
                ("X-CSRF-Token", csrf),
                ("Content-Type", "text/plain"),
            ],
            body.as_str(),
            415,
            "unsupported_media_type",
        ),
    ];
    let before = snapshot(c)?;
    for (what, headers, b, status, code) in &cases {
        expect_error(&send("POST", &url, headers, Some(b))?, *status, code, what)?;
    }
    ensure!(
        snapshot(c)? == before,
        "a cross-site request changed something"
    );
    println!(
        "    {} cross-site request shapes refused, nothing changed",
        cases.len()
    );
    Ok(())
}

/// Session fixation: a session id chosen by someone else is never adopted, and signing in
/// always issues a fresh one.
pub(crate) fn session_fixation(c: &mut Ctx) -> Result<()> {
    let planted = "__Host-tollgate_session=attacker-chosen-session-id-0000000000000";
    expect_error(
        &send(
            "GET",
            &format!("{}/api/tokens", c.base),
            &[("Cookie", planted)],
            None,
        )?,
        401,
        "unauthenticated",
        "planted id",
    )?;
    let body = json!({"email": "admin@acme.test", "password": c.admin_password}).to_string();
    let a = send(
        "POST",
        &format!("{}/api/session", c.base),
        &[("Content-Type", "application/json"), ("Cookie", planted)],
        Some(&body),
    )?;
    expect(&a, 201, "sign-in with a planted cookie")?;
    let set = a.header("set-cookie").unwrap_or_default();
    ensure!(
        !set.contains("attacker-chosen"),
        "the planted id was adopted: {set}"
    );
    let fresh = set.split(';').next().unwrap_or_default().to_owned();
    let again = send(
        "POST",
        &format!("{}/api/session", c.base),
        &[("Content-Type", "application/json"), ("Cookie", &fresh)],
        Some(&body),
    )?;
    expect(&again, 201, "second sign-in")?;
    ensure!(
        again
            .header("set-cookie")
            .unwrap_or_default()
            .split(';')
            .next()
            != Some(fresh.as_str()),
        "sign-in reused the session id"
    );
    Ok(())
}

//! Bad input of every kind gets a 4xx with a clear error and changes nothing stored: each
//! kind a row of a table.

#[allow(unused_imports)]
use super::*;

/// One bad request: method, path, headers besides the session's, body, and the answer.
struct Bad {
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<String>,
    status: u16,
    code: &'static str,
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// A JSON request that must be refused with `status` and `code`.
fn bad(method: &'static str, path: &str, body: &str, status: u16, code: &'static str) -> Bad {
    Bad {
        method,
        path: path.to_owned(),
        headers: vec![JSON],
        body: Some(body.to_owned()),
        status,
        code,
    }
}

/// What the table's state checks compare: the token count and one token's view.
fn state(s: &Session, sid: &str) -> Result<(u64, String)> {
    Ok((
        count_tokens(s)?,
        s.call("GET", &format!("/api/tokens/{sid}"), None)?.body,
    ))
}

/// Sends each row with the session's cookie and CSRF token, and checks its answer.
fn refused(s: &Session, rows: &[Bad]) -> Result<()> {
    for r in rows {
        let mut h = vec![
            ("Cookie", s.cookie.as_str()),
            ("X-CSRF-Token", s.csrf.as_str()),
        ];
        h.extend_from_slice(&r.headers);
        let url = format!("{}{}", s.base, r.path);
        let a = send(r.method, &url, &h, r.body.as_deref())?;
        let shown: String = r.body.as_deref().unwrap_or("").chars().take(60).collect();
        expect_error(
            &a,
            r.status,
            r.code,
            &format!("{} {} {shown}", r.method, r.path),
        )?;
    }
    Ok(())
}

pub(crate) fn bad_input_changes_nothing(c: &mut Ctx) -> Result<()> {
    let s = &c.admin;
    let (sid, _, _) = create(s, "Input target", &["reports.read"])?;
    let before = state(s, &sid)?;
    // A valid draft with the fields of `over` added or replaced.
    let draft = |over: Value| {
        let mut d =
            json!({ "name": "x", "primary_contact": s.user["id"], "scopes": ["reports.read"] });
        if let (Some(d), Some(o)) = (d.as_object_mut(), over.as_object()) {
            d.extend(o.clone());
        }
        d.to_string()
    };
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let (tokens, token) = ("/api/tokens", format!("/api/tokens/{sid}"));
    let disable = format!("{token}/disable");
    let mut plain = bad(
        "POST",
        tokens,
        &draft(json!({})),
        415,
        "unsupported_media_type",
    );
    plain.headers = vec![("Content-Type", "text/plain")];
    let rows = vec![
        bad("POST", tokens, "{not json", 400, "invalid_json"),
        bad("POST", tokens, &deep, 400, "invalid_value"),
        bad(
            "POST",
            &disable,
            &format!(r#"{{"a":{deep}}}"#),
            400,
            "invalid_json",
        ),
        bad(
            "POST",
            tokens,
            &draft(json!({ "name": "x".repeat(70_000) })),
            413,
            "body_too_large",
        ),
        bad(
            "POST",
            tokens,
            &draft(json!({ "sid": "TGSID0000000000000000000000" })),
            400,
            "unknown_field",
        ),
        bad(
            "POST",
            tokens,
            &draft(json!({ "account": "acc_x" })),
            400,
            "unknown_field",
        ),
        bad(
            "POST",
            tokens,
            &draft(json!({ "name": 5 })),
            400,
            "invalid_value",
        ),
        bad(
            "POST",
            tokens,
            &draft(json!({ "name": "  " })),
            422,
            "name_empty",
        ),
        bad(
            "POST",
            tokens,
            &draft(json!({ "scopes": ["invoices.read"] })),
            422,
            "unknown_scope",
        ),
        bad(
            "POST",
            tokens,
            &draft(json!({ "developer_emails": ["not-an-email"] })),
            422,
            "email_invalid",
        ),
        plain,
        bad("PATCH", &token, r#"{"digest":"00"}"#, 400, "unknown_field"),
        bad("PATCH", &token, r#"{"created_at":1}"#, 400, "unknown_field"),
        bad(
            "PATCH",
            &token,
            r#"{"scopes":["nope.read"]}"#,
            422,
            "unknown_scope",
        ),
        bad(
            "PATCH",
            &token,
            r#"{"developer_emails":["a@b.co","A@B.CO"]}"#,
            422,
            "email_repeated",
        ),
        bad(
            "POST",
            &disable,
            r#"{"enabled":false}"#,
            400,
            "unknown_field",
        ),
        bad(
            "POST",
            "/api/users",
            r#"{"email":"x@acme.test","name":"X","role":"root","password":"long enough pass"}"#,
            400,
            "invalid_value",
        ),
        bad(
            "POST",
            "/api/users",
            r#"{"email":"x@acme.test","name":"X","role":"standard_user","password":"short"}"#,
            422,
            "password_too_short",
        ),
        bad(
            "PATCH",
            "/api/account",
            r#"{"type":"brand"}"#,
            400,
            "unknown_field",
        ),
        bad(
            "PATCH",
            "/api/account",
            r#"{"contact_email":"nope"}"#,
            422,
            "email_invalid",
        ),
    ];
    refused(s, &rows)?;
    ensure!(
        state(s, &sid)? == before,
        "a refused request changed the account"
    );
    Ok(())
}

pub(crate) fn bad_requests_change_nothing(c: &mut Ctx) -> Result<()> {
    let s = &c.admin;
    let (sid, _, _) = create(s, "Request target", &["reports.read"])?;
    let before = state(s, &sid)?;
    let body = format!(
        r#"{{"name":"x","primary_contact":"{}","scopes":["reports.read"]}}"#,
        s.user["id"].as_str().unwrap_or("")
    );
    let url = format!("{}/api/tokens", c.base);
    // Without a session, and with its cookie but no (or a forged) CSRF token.
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let anonymous: [(Headers<'_>, u16, &str); 3] = [
        (&[JSON], 401, "unauthenticated"),
        (&[("Cookie", &s.cookie), JSON], 403, "csrf"),
        (
            &[("Cookie", &s.cookie), ("X-CSRF-Token", "forged"), JSON],
            403,
            "csrf",
        ),
    ];
    for (headers, status, code) in anonymous {
        let a = send("POST", &url, headers, Some(&body))?;
        expect_error(&a, status, code, &format!("POST without {code}"))?;
    }
    let with = |headers: &[(&'static str, &'static str)], method, path: &str, status, code| Bad {
        method,
        path: path.to_owned(),
        headers: headers.to_vec(),
        body: (method != "GET").then(|| body.clone()),
        status,
        code,
    };
    let rows = vec![
        with(
            &[JSON, ("Sec-Fetch-Site", "cross-site")],
            "POST",
            "/api/tokens",
            403,
            "forbidden",
        ),
        with(
            &[JSON, ("Origin", "null")],
            "POST",
            "/api/tokens",
            403,
            "forbidden",
        ),
        with(
            &[JSON, ("Origin", "https://evil.example")],
            "POST",
            "/api/tokens",
            403,
            "forbidden",
        ),
        with(&[JSON], "PUT", "/api/tokens", 405, "method_not_allowed"),
        with(&[], "GET", "/api/nothing", 404, "not_found"),
        with(&[], "GET", "/api/tokens/not-a-sid", 404, "not_found"),
    ];
    refused(s, &rows)?;
    ensure!(
        state(s, &sid)? == before,
        "a refused request changed the account"
    );
    Ok(())
}

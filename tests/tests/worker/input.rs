//! Bad input of every kind gets a 4xx with a clear error and changes nothing stored.

#[allow(unused_imports)]
use super::*;

pub(crate) fn bad_input_changes_nothing(c: &mut Ctx) -> Result<()> {
    let s = &c.admin;
    let (sid, _, _) = create(s, "Input target", &["reports.read"])?;
    let before_count = count_tokens(s)?;
    let before = s.call("GET", &format!("/api/tokens/{sid}"), None)?.body;
    let raw = |method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>| {
        let mut h = vec![
            ("Cookie", s.cookie.as_str()),
            ("X-CSRF-Token", s.csrf.as_str()),
        ];
        h.extend_from_slice(headers);
        send(method, &format!("{}{path}", s.base), &h, body)
    };
    let json_h = [("Content-Type", "application/json")];
    let contact = s.user["id"].as_str().unwrap_or("").to_owned();
    let huge = format!(
        r#"{{"name":"{}","primary_contact":"{contact}","scopes":["reports.read"]}}"#,
        "x".repeat(70_000)
    );
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    type BadInput<'a> = (
        &'a str,
        String,
        Vec<(&'a str, &'a str)>,
        Option<String>,
        u16,
        &'a str,
    );
    let cases: Vec<BadInput<'_>> = vec![
        (
            "POST",
            "/api/tokens".into(),
            json_h.to_vec(),
            Some("{not json".into()),
            400,
            "invalid_json",
        ),
        (
            "POST",
            "/api/tokens".into(),
            json_h.to_vec(),
            Some(deep.clone()),
            400,
            "invalid_value",
        ),
        (
            "POST",
            format!("/api/tokens/{sid}/disable"),
            json_h.to_vec(),
            Some(format!(r#"{{"a":{deep}}}"#)),
            400,
            "invalid_json",
        ),
        (
            "POST",
            "/api/tokens".into(),
            json_h.to_vec(),
            Some(huge),
            413,
            "body_too_large",
        ),
        (
            "POST",
            "/api/tokens".into(),
            json_h.to_vec(),
            Some(format!(
                r#"{{"name":"x","primary_contact":"{contact}","scopes":["reports.read"],"sid":"TGSID0000000000000000000000"}}"#
            )),
            400,
            "unknown_field",
        ),
        (
            "POST",
            "/api/tokens".into(),
            json_h.to_vec(),
            Some(format!(
                r#"{{"name":"x","primary_contact":"{contact}","scopes":["reports.read"],"account":"acc_x"}}"#
            )),
            400,
            "unknown_field",
        ),
        (
            "POST",
            "/api/tokens".into(),
            json_h.to_vec(),
            Some(format!(
                r#"{{"name":5,"primary_contact":"{contact}","scopes":["reports.read"]}}"#
            )),
            400,
            "invalid_value",
        ),
        (
            "POST",
            "/api/tokens".into(),
            json_h.to_vec(),
            Some(format!(
                r#"{{"name":"x","primary_contact":"{contact}","scopes":["invoices.read"]}}"#
            )),
            422,
            "unknown_scope",
        ),
        (
            "POST",
            "/api/tokens".into(),
            json_h.to_vec(),
            Some(format!(
                r#"{{"name":"x","primary_contact":"{contact}","scopes":["reports.read"],"developer_emails":["not-an-email"]}}"#
            )),
            422,
            "email_invalid",
        ),
        (
            "POST",
            "/api/tokens".into(),
            json_h.to_vec(),
            Some(format!(
                r#"{{"name":"  ","primary_contact":"{contact}","scopes":["reports.read"]}}"#
            )),
            422,
            "name_empty",
        ),
        (
            "POST",
            "/api/tokens".into(),
            vec![("Content-Type", "text/plain")],
            Some(format!(
                r#"{{"name":"x","primary_contact":"{contact}","scopes":["reports.read"]}}"#
            )),
            415,
            "unsupported_media_type",
        ),
        (
            "PATCH",
            format!("/api/tokens/{sid}"),
            json_h.to_vec(),
            Some(r#"{"digest":"00"}"#.into()),
            400,
            "unknown_field",
        ),
        (
            "PATCH",
            format!("/api/tokens/{sid}"),
            json_h.to_vec(),
            Some(r#"{"created_at":1}"#.into()),
            400,
            "unknown_field",
        ),
        (
            "PATCH",
            format!("/api/tokens/{sid}"),
            json_h.to_vec(),
            Some(r#"{"scopes":["nope.read"]}"#.into()),
            422,
            "unknown_scope",
        ),
        (
            "PATCH",
            format!("/api/tokens/{sid}"),
            json_h.to_vec(),
            Some(r#"{"developer_emails":["a@b.co","A@B.CO"]}"#.into()),
            422,
            "email_repeated",
        ),
        (
            "POST",
            format!("/api/tokens/{sid}/disable"),
            json_h.to_vec(),
            Some(r#"{"enabled":false}"#.into()),
            400,
            "unknown_field",
        ),
        (
            "POST",
            "/api/users".into(),
            json_h.to_vec(),
            Some(
                r#"{"email":"x@acme.test","name":"X","role":"root","password":"long enough pass"}"#
                    .into(),
            ),
            400,
            "invalid_value",
        ),
        (
            "POST",
            "/api/users".into(),
            json_h.to_vec(),
            Some(
                r#"{"email":"x@acme.test","name":"X","role":"standard_user","password":"short"}"#
                    .into(),
            ),
            422,
            "password_too_short",
        ),
        (
            "PATCH",
            "/api/account".into(),
            json_h.to_vec(),
            Some(r#"{"type":"brand"}"#.into()),
            400,
            "unknown_field",
        ),
        (
            "PATCH",
            "/api/account".into(),
            json_h.to_vec(),
            Some(r#"{"contact_email":"nope"}"#.into()),
            422,
            "email_invalid",
        ),
    ];
    for (m, p, h, b, status, code) in &cases {
        let a = raw(m, p, h, b.as_deref())?;
        expect_error(
            &a,
            *status,
            code,
            &format!(
                "{m} {p} {}",
                b.as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect::<String>()
            ),
        )?;
    }
    // Session and CSRF.
    let body = format!(r#"{{"name":"x","primary_contact":"{contact}","scopes":["reports.read"]}}"#);
    expect_error(
        &send(
            "POST",
            &format!("{}/api/tokens", c.base),
            &json_h,
            Some(&body),
        )?,
        401,
        "unauthenticated",
        "no session",
    )?;
    expect_error(
        &send(
            "POST",
            &format!("{}/api/tokens", c.base),
            &[("Cookie", &s.cookie), ("Content-Type", "application/json")],
            Some(&body),
        )?,
        403,
        "csrf",
        "no CSRF token",
    )?;
    expect_error(
        &send(
            "POST",
            &format!("{}/api/tokens", c.base),
            &[
                ("Cookie", &s.cookie),
                ("X-CSRF-Token", "forged"),
                ("Content-Type", "application/json"),
            ],
            Some(&body),
        )?,
        403,
        "csrf",
        "forged CSRF token",
    )?;
    expect_error(
        &raw(
            "POST",
            "/api/tokens",
            &[
                ("Content-Type", "application/json"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
            Some(&body),
        )?,
        403,
        "forbidden",
        "cross-site",
    )?;
    expect_error(
        &raw(
            "POST",
            "/api/tokens",
            &[("Content-Type", "application/json"), ("Origin", "null")],
            Some(&body),
        )?,
        403,
        "forbidden",
        "Origin null",
    )?;
    expect_error(
        &raw(
            "POST",
            "/api/tokens",
            &[
                ("Content-Type", "application/json"),
                ("Origin", "https://evil.example"),
            ],
            Some(&body),
        )?,
        403,
        "forbidden",
        "foreign Origin",
    )?;
    expect_error(
        &raw("PUT", "/api/tokens", &json_h, Some(&body))?,
        405,
        "method_not_allowed",
        "PUT",
    )?;
    expect_error(
        &raw("GET", "/api/nothing", &[], None)?,
        404,
        "not_found",
        "unknown path",
    )?;
    expect_error(
        &raw("GET", "/api/tokens/not-a-sid", &[], None)?,
        404,
        "not_found",
        "malformed sid",
    )?;

    ensure!(count_tokens(s)? == before_count, "token count changed");
    let after = s.call("GET", &format!("/api/tokens/{sid}"), None)?.body;
    ensure!(after == before, "token changed:\n{before}\n{after}");
    Ok(())
}

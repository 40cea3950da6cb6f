//! Abuse of the admin API and the edge: malformed `Authorization` headers and the role ×
//! route matrix.

#[allow(unused_imports)]
use super::*;

/// A digest of what Workers KV holds locally (its SQLite files and blobs, but SQLite's
/// shared-memory index, which readers touch too). The rate limiter's counters live
/// elsewhere: counting failures is the one effect a failure is meant to have.
pub(crate) fn stored_state(c: &Ctx) -> String {
    let kv = c.sandbox.dir.join("state/v3/kv");
    let mut files: Vec<_> = tollgate_tests::files_below(&kv)
        .into_iter()
        .filter(|f| !f.to_string_lossy().ends_with("-shm"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for f in files {
        all.extend_from_slice(f.to_string_lossy().as_bytes());
        all.extend_from_slice(&std::fs::read(&f).unwrap_or_default());
    }
    tollgate_core::credential::Digest::of(&all).to_hex()
}

/// Every malformed `Authorization` an attacker or a broken client sends: each gets the one
/// uniform 401 (never a 400 that tells the cases apart, never a 5xx), and none changes any
/// stored state. The right token keeps working, including with a ':' appended to nothing.
pub(crate) fn malformed_authorization(c: &mut Ctx) -> Result<()> {
    use base64::Engine as _;
    let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
    let url_b64 = |s: &[u8]| base64::engine::general_purpose::URL_SAFE.encode(s);
    let (sid, token, _) = create(&c.admin, "Malformed target", &["reports.read"])?;
    let (sid2, token2, _) = create(&c.admin, "Malformed other", &["reports.read"])?;
    let good = encode_basic(&sid, &token);
    let creds = format!("{sid}:{token}");
    let url = format!("{}/v1/verify", c.edge);
    // Find bytes whose standard base64 has '+' or '/', so the URL-safe alphabet differs.
    let odd = [&[0xfb, 0xff, 0xbf][..], creds.as_bytes()].concat();
    let long = format!(
        "Basic {}",
        b64(format!("{sid}:{}", "a".repeat(8 * 1024)).as_bytes())
    );
    let lookalike = sid.replacen('S', "\u{0405}", 1);
    let flipped = case_flipped(&token);
    let unknown_with_checksum = "tgat_000000000000000000000000000000000000000000031AabC";
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("missing", vec![]),
        ("empty", vec![("Authorization", String::new())]),
        ("Basic alone", vec![("Authorization", "Basic".into())]),
        (
            "Basic and a space",
            vec![("Authorization", "Basic ".into())],
        ),
        (
            "a tab after the scheme",
            vec![("Authorization", format!("Basic\t{}", b64(creds.as_bytes())))],
        ),
        (
            "a doubled scheme",
            vec![(
                "Authorization",
                format!("Basic Basic {}", b64(creds.as_bytes())),
            )],
        ),
        (
            "Bearer instead of Basic",
            vec![("Authorization", format!("Bearer {token}"))],
        ),
        (
            "two Authorization headers",
            vec![
                ("Authorization", good.clone()),
                ("Authorization", good.clone()),
            ],
        ),
        (
            "bad padding",
            vec![(
                "Authorization",
                format!(
                    "Basic {}",
                    b64(creds.as_bytes()).trim_end_matches('=').to_owned() + "==="
                ),
            )],
        ),
        (
            "missing padding",
            vec![(
                "Authorization",
                format!(
                    "Basic {}",
                    b64(format!("{creds}x").as_bytes()).trim_end_matches('=')
                ),
            )],
        ),
        (
            "base64url alphabet",
            vec![("Authorization", format!("Basic {}", url_b64(&odd)))],
        ),
        ("over 8 KB", vec![("Authorization", long)]),
        (
            "no colon",
            vec![(
                "Authorization",
                format!("Basic {}", b64(format!("{sid}{token}").as_bytes())),
            )],
        ),
        (
            "empty user",
            vec![(
                "Authorization",
                format!("Basic {}", b64(format!(":{token}").as_bytes())),
            )],
        ),
        (
            "empty password",
            vec![(
                "Authorization",
                format!("Basic {}", b64(format!("{sid}:").as_bytes())),
            )],
        ),
        (
            "a password with ':' appended",
            vec![(
                "Authorization",
                format!("Basic {}", b64(format!("{creds}:").as_bytes())),
            )],
        ),
        (
            "a password with ':' inside",
            vec![(
                "Authorization",
                format!(
                    "Basic {}",
                    b64(format!("{sid}:{}:{}", &token[..20], &token[20..]).as_bytes())
                ),
            )],
        ),
        (
            "NUL",
            vec![(
                "Authorization",
                format!("Basic {}", b64(format!("{creds}\0").as_bytes())),
            )],
        ),
        (
            "CR LF",
            vec![(
                "Authorization",
                format!("Basic {}", b64(format!("{sid}\r\n:{token}").as_bytes())),
            )],
        ),
        (
            "invalid UTF-8",
            vec![(
                "Authorization",
                format!(
                    "Basic {}",
                    b64(&[sid.as_bytes(), b":\xff\xfe", token.as_bytes()].concat())
                ),
            )],
        ),
        (
            "a look-alike SID",
            vec![("Authorization", encode_basic(&lookalike, &token))],
        ),
        (
            "a case-flipped token",
            vec![("Authorization", encode_basic(&sid, &flipped))],
        ),
        (
            "a valid checksum on an unknown token",
            vec![("Authorization", encode_basic(&sid, unknown_with_checksum))],
        ),
        (
            "a real token with another token's SID",
            vec![("Authorization", encode_basic(&sid2, &token))],
        ),
        (
            "the other real token with this SID",
            vec![("Authorization", encode_basic(&sid, &token2))],
        ),
    ];
    ensure!(
        url_b64(&odd) != b64(&odd),
        "the base64url case must differ from standard base64"
    );
    let uniform = send("GET", &url, &[], None)?;
    expect_error(&uniform, 401, uniform.code().as_str(), "missing")?;
    ensure!(
        uniform
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Basic")),
        "WWW-Authenticate"
    );
    let before = stored_state(c);
    for (what, headers) in &cases {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = send("GET", &url, &h, None)?;
        expect(&a, 401, &format!("{what}: expected 401, got"))?;
        ensure!(
            a.body == uniform.body,
            "{what}: the body tells the cases apart: {}",
            a.body
        );
    }
    ensure!(
        stored_state(c) == before,
        "a malformed Authorization changed stored state"
    );
    expect(
        &send("GET", &url, &[("Authorization", &good)], None)?,
        200,
        "the right token still works",
    )?;
    // Positive control: a real write does change the digest.
    create(&c.admin, "Malformed control", &["reports.read"])?;
    ensure!(
        stored_state(c) != before,
        "the state digest does not see writes"
    );
    println!(
        "    {} malformed Authorization cases: 401, one body, no state change",
        cases.len()
    );
    Ok(())
}

/// What both accounts hold, as their admins see it through the API: tokens, users,
/// account settings and the newest audit entries.
pub(crate) fn snapshot(c: &Ctx) -> Result<String> {
    let mut out = String::new();
    for s in [&c.admin, &c.other] {
        for path in [
            "/api/tokens?limit=100",
            "/api/users",
            "/api/account",
            "/api/audit?limit=50",
        ] {
            let a = s.call("GET", path, None)?;
            ensure!(a.status == 200, "snapshot {path}: {} {}", a.status, a.body);
            out.push_str(&a.body);
        }
    }
    Ok(out)
}

/// Role × account × endpoint × method: every call a role may not make is refused with 403
/// on its own account, every call on another account's token or user is refused (404 for a
/// role that may act, 403 otherwise), and none of them changes anything.
pub(crate) fn authorization_matrix(c: &mut Ctx) -> Result<()> {
    let spw = password();
    let upw = password();
    add_user(
        &c.admin,
        "matrix-spec@acme.test",
        "implementation_specialist",
        &spw,
    )?;
    add_user(&c.admin, "matrix-std@acme.test", "standard_user", &upw)?;
    let spec = Session::login(&c.base, "matrix-spec@acme.test", &spw)?;
    let std = Session::login(&c.base, "matrix-std@acme.test", &upw)?;
    let (own_sid, _, _) = create(&c.admin, "Matrix own", &["reports.read"])?;
    let (other_sid, _, _) = create(&c.other, "Matrix other", &["reports.read"])?;
    let own_user = spec.user["id"].as_str().unwrap_or_default().to_owned();
    let other_user = c.other.user["id"].as_str().unwrap_or_default().to_owned();
    let contact = c.admin.user["id"].clone();
    // (method, path template, body, which roles may: admin, specialist, standard)
    let endpoints: Vec<(&str, String, Option<Value>, [bool; 3])> = vec![
        ("GET", "/api/tokens".into(), None, [true, true, false]),
        (
            "POST",
            "/api/tokens".into(),
            Some(json!({"name": "m", "primary_contact": contact, "scopes": ["reports.read"]})),
            [true, true, false],
        ),
        ("GET", "/api/tokens/{sid}".into(), None, [true, true, false]),
        (
            "PATCH",
            "/api/tokens/{sid}".into(),
            Some(json!({"name": "renamed"})),
            [true, true, false],
        ),
        (
            "DELETE",
            "/api/tokens/{sid}".into(),
            None,
            [true, true, false],
        ),
        (
            "POST",
            "/api/tokens/{sid}/duplicate".into(),
            None,
            [true, true, false],
        ),
        (
            "POST",
            "/api/tokens/{sid}/reset".into(),
            None,
            [true, true, false],
        ),
        (
            "POST",
            "/api/tokens/{sid}/upgrade".into(),
            None,
            [true, true, false],
        ),
        (
            "POST",
            "/api/tokens/{sid}/disable".into(),
            None,
            [true, true, false],
        ),
        (
            "POST",
            "/api/tokens/{sid}/enable".into(),
            None,
            [true, true, false],
        ),
        (
            "POST",
            "/api/tokens/{sid}/reveal".into(),
            None,
            [true, true, false],
        ),
        ("GET", "/api/catalog".into(), None, [true, true, false]),
        ("GET", "/api/users".into(), None, [true, true, false]),
        (
            "POST",
            "/api/users".into(),
            Some(
                json!({"email": "m@acme.test", "name": "M", "role": "account_admin", "password": password()}),
            ),
            [true, false, false],
        ),
        (
            "PATCH",
            "/api/users/{user}".into(),
            Some(json!({"role": "account_admin"})),
            [true, false, false],
        ),
        (
            "DELETE",
            "/api/users/{user}".into(),
            None,
            [true, false, false],
        ),
        ("GET", "/api/account".into(), None, [true, false, false]),
        (
            "PATCH",
            "/api/account".into(),
            Some(json!({"api_access_enabled": false})),
            [true, false, false],
        ),
        ("GET", "/api/audit".into(), None, [true, true, false]),
    ];
    let before = snapshot(c)?;
    let mut tried = 0;
    for (role, s) in [
        ("admin", &c.admin),
        ("specialist", &spec),
        ("standard user", &std),
    ] {
        let r = match role {
            "admin" => 0,
            "specialist" => 1,
            _ => 2,
        };
        for (m, template, body, may) in &endpoints {
            let targets_something = template.contains('{');
            // Own account: only what the role may not do (allowed calls are the other cases' subject).
            if !may[r] {
                let p = template
                    .replace("{sid}", &own_sid)
                    .replace("{user}", &own_user);
                tried += 1;
                expect_error(
                    &s.call(m, &p, body.as_ref())?,
                    403,
                    "forbidden",
                    &format!("{role} {m} {p}"),
                )?;
            }
            // Another account's token or user: never found, never touched.
            if targets_something {
                let p = template
                    .replace("{sid}", &other_sid)
                    .replace("{user}", &other_user);
                let (status, code) = if may[r] {
                    (404, "not_found")
                } else {
                    (403, "forbidden")
                };
                tried += 1;
                expect_error(
                    &s.call(m, &p, body.as_ref())?,
                    status,
                    code,
                    &format!("{role} {m} {p} (other account)"),
                )?;
            }
        }
    }
    ensure!(snapshot(c)? == before, "a refused call changed something");
    // Users managing users: a specialist cannot promote itself; an admin cannot demote itself.
    expect_error(
        &spec.call(
            "PATCH",
            &format!("/api/users/{own_user}"),
            Some(&json!({"role": "account_admin"})),
        )?,
        403,
        "forbidden",
        "self-promotion",
    )?;
    println!(
        "    {tried} refused calls (3 roles × 2 accounts × {} endpoints), nothing changed",
        endpoints.len()
    );
    Ok(())
}

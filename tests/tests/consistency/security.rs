//! The admin-side security findings: the sign-in throttle that never locks the owner out,
//! own password changes that need the current password, bodies without `Content-Length`
//! cut at the limit, and the setup endpoint's scheme, limit and log.

use std::time::Duration;

use serde_json::json;
use tollgate_tests::fixture::{expect, expect_error, expect_one_of};
use tollgate_tests::{Answer, Result, Session, send};

use super::{Ctx, password};

use tollgate_tests::ensure;

pub fn sign_in_throttle(c: &mut Ctx) -> Result<()> {
    let email = "throttled@acme.test";
    let pw = password();
    let a = c.admin.call(
        "POST",
        "/api/users",
        Some(&json!({"email": email, "name": "Target", "role": "account_admin", "password": pw})),
    )?;
    ensure!(a.status == 201, "add user: {} {}", a.status, a.body);
    let login = |ip: &str, password: &str| -> Result<Answer> {
        let body = json!({"email": email, "password": password}).to_string();
        send(
            "POST",
            &format!("{}/api/session", c.base),
            &[
                ("Content-Type", "application/json"),
                ("CF-Connecting-IP", ip),
            ],
            Some(&body),
        )
    };
    let mut limited = 0;
    for _ in 0..15 {
        let a = login("203.0.113.66", "wrong password!!")?;
        expect_one_of(&a, &[401, 429], "guess")?;
        limited += usize::from(a.status == 429);
    }
    ensure!(
        limited >= 5,
        "guesses past 10 were not limited ({limited} of 15)"
    );
    ensure!(
        login("203.0.113.66", &pw)?.status == 429,
        "the attacker's address is still limited, even with the right password"
    );
    let owner = login("198.51.100.20", &pw)?;
    expect(&owner, 201, "the owner from another address was refused")?;
    let audit = c.admin.call("GET", "/api/audit?limit=100", None)?.json();
    let failed = audit["entries"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["action"] == "sign_in_failed").count())
        .unwrap_or(0);
    ensure!(
        failed >= 10,
        "failed sign-ins are in the audit log ({failed})"
    );
    let text = audit.to_string();
    ensure!(
        !text.contains("wrong password!!") && text.contains("203.0.113.66"),
        "audit names the address, never the password"
    );
    Ok(())
}

pub fn admin_security_findings(c: &mut Ctx) -> Result<()> {
    // Own password change needs the current password.
    let me = c.admin.user["id"].as_str().unwrap_or_default().to_owned();
    let new_pw = password();
    let a = c.admin.call(
        "PATCH",
        &format!("/api/users/{me}"),
        Some(&json!({"password": new_pw})),
    )?;
    expect_error(
        &a,
        422,
        "current_password_required",
        "own password without the current one",
    )?;
    let a = c.admin.call(
        "PATCH",
        &format!("/api/users/{me}"),
        Some(&json!({"password": new_pw, "current_password": "not it at all"})),
    )?;
    expect_error(&a, 403, "current_password_wrong", "wrong current password")?;
    let a = c.admin.call(
        "PATCH",
        &format!("/api/users/{me}"),
        Some(&json!({"password": new_pw, "current_password": c.admin_password})),
    )?;
    expect(&a, 200, "own password with the current one")?;
    c.admin_password = new_pw;
    c.admin = Session::login(&c.base, "admin@acme.test", &c.admin_password)?;
    // A body without Content-Length is cut at the limit.
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(70 * 1024));
    let a = chunked_post(&c.base, &c.admin, &big)?;
    ensure!(
        a.starts_with("HTTP/1.1 413"),
        "a chunked body over 64 KiB: {}",
        a.lines().next().unwrap_or_default()
    );
    // Setup: the scheme in any case; wrong secrets limited.
    let lower = send(
        "POST",
        &format!("{}/api/setup", c.base),
        &[
            (
                "Authorization",
                &format!("bearer {}", c.sandbox.setup_secret),
            ),
            ("Content-Type", "application/json"),
        ],
        Some("{}"),
    )?;
    expect(
        &lower,
        400,
        "lower-case bearer is accepted (then the body is checked)",
    )?;
    let mut limited = false;
    for _ in 0..8 {
        let a = send(
            "POST",
            &format!("{}/api/setup", c.base),
            &[
                ("Authorization", "Bearer wrong-secret-value"),
                ("CF-Connecting-IP", "192.0.2.99"),
            ],
            Some("{}"),
        )?;
        limited |= a.status == 429;
    }
    ensure!(limited, "wrong setup secrets are not limited");
    let log = std::fs::read_to_string(c.sandbox.dir.join("wrangler.log")).unwrap_or_default();
    ensure!(
        log.contains("setup refused") && log.contains("failed sign-in"),
        "refused setups and failed sign-ins are logged"
    );
    ensure!(
        !log.contains("wrong-secret-value"),
        "the presented secret was logged"
    );
    Ok(())
}

/// Sends a chunked (no Content-Length) JSON body over a raw socket; returns the answer.
fn chunked_post(base: &str, s: &Session, body: &str) -> Result<String> {
    use std::io::{Read as _, Write as _};
    let addr = base.trim_start_matches("http://");
    let mut sock = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let head = format!(
        "POST /api/tokens HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nX-CSRF-Token: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        s.cookie, s.csrf
    );
    sock.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    for chunk in body.as_bytes().chunks(8192) {
        if sock
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .and_then(|()| sock.write_all(chunk))
            .and_then(|()| sock.write_all(b"\r\n"))
            .is_err()
        {
            break;
        }
    }
    let _ = sock.write_all(b"0\r\n\r\n");
    let mut out = String::new();
    let _ = sock.read_to_string(&mut out);
    Ok(out)
}

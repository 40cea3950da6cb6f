//! The `/v1/` gateway against a loopback origin that records what it receives: what is
//! forwarded (and what never is), redirects handed back rather than followed, paths that
//! could reach the origin as another path refused, and a wrong token on a real SID costing
//! what an unknown SID costs.

use serde_json::Value;
use std::io::{Read as _, Write as _};
use std::time::Duration;

use tollgate_core::authorization::encode_basic;
use tollgate_tests::fixture::{Account, Fixture};
use tollgate_tests::{Result, Sandbox, send};

use super::{Ctx, create, expect, expect_error};

use tollgate_tests::ensure;

/// A loopback origin that answers `answers` (one raw HTTP response per connection, in
/// order) and returns every request it received.
fn origin(answers: Vec<&'static [u8]>) -> Result<(String, std::thread::JoinHandle<Vec<String>>)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let url = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().map_err(|e| e.to_string())?.port()
    );
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for answer in answers {
            let Ok((mut conn, _)) = listener.accept() else {
                break;
            };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(20)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while let Ok(n) = conn.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let len = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    let chunked = text[..head_end]
                        .to_ascii_lowercase()
                        .contains("transfer-encoding: chunked");
                    if (!chunked && buf.len() >= head_end + 4 + len)
                        || (chunked && text.ends_with("0\r\n\r\n"))
                    {
                        break;
                    }
                }
            }
            let _ = conn.write_all(answer);
            seen.push(String::from_utf8_lossy(&buf).into_owned());
        }
        seen
    });
    Ok((url, handle))
}

pub fn forwards_to_origin(_c: &mut Ctx) -> Result<()> {
    let (origin_url, seen) = origin(vec![
        b"HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-Origin: yes\r\nContent-Length: 8\r\nConnection: close\r\n\r\nfrom-api",
    ])?;
    let sandbox = Sandbox::with_vars("forward", &[("ORIGIN_URL", &origin_url)])?;
    let account = Account {
        name: "Fwd",
        kind: "brand",
        email: "fwd@brand.test",
    };
    let fx = Fixture::boot(sandbox, account)?;
    let (s, edge) = (&fx.admin, fx.edge.as_str());
    let (sid, token, _) = create(s, "Forwarded", &["conversions.write"])?;
    let h = encode_basic(&sid, &token);
    let a = send(
        "POST",
        &format!("{edge}/v1/conversions?source=test"),
        &[
            ("Authorization", &h),
            ("Content-Type", "application/json"),
            ("X-Tollgate-Sid", "forged"),
        ],
        Some(r#"{"order":"A-1"}"#),
    )?;
    let request = seen
        .join()
        .map_err(|_| "origin thread failed".to_owned())?
        .concat();
    expect(&a, 201, "origin's answer relayed")?;
    ensure!(
        a.body == "from-api" && a.header("x-origin") == Some("yes"),
        "origin body and headers: {a:?}"
    );
    let lower = request.to_ascii_lowercase();
    ensure!(
        lower.starts_with("post /v1/conversions?source=test "),
        "method, path and query: {request}"
    );
    ensure!(
        !lower.contains("authorization:"),
        "Authorization removed: {request}"
    );
    ensure!(
        lower.contains(&format!("x-tollgate-sid: {}", sid.to_ascii_lowercase())),
        "SID added: {request}"
    );
    ensure!(
        !lower.contains("x-tollgate-sid: forged"),
        "client's X-Tollgate header dropped"
    );
    ensure!(
        lower.contains("x-tollgate-scopes: conversions.write")
            && lower.contains("x-tollgate-api-version: 2026-04-01"),
        "identity headers: {request}"
    );
    ensure!(lower.contains("x-tollgate-account: acc_"), "account header");
    ensure!(
        request.contains(r#"{"order":"A-1"}"#),
        "body forwarded: {request}"
    );
    Ok(())
}

pub fn hygiene(_c: &mut Ctx) -> Result<()> {
    let (origin_url, seen) = origin(vec![
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ])?;
    let sandbox = Sandbox::with_vars(
        "hygiene",
        &[("ORIGIN_URL", &origin_url), ("EXPOSE_STATS", "true")],
    )?;
    let account = Account {
        name: "Hyg",
        kind: "brand",
        email: "hyg@brand.test",
    };
    let fx = Fixture::boot(sandbox, account)?;
    let (s, edge) = (&fx.admin, fx.edge.as_str());
    let (sid, token, _) = create(s, "Hygiene", &["conversions.write", "reports.read"])?;
    let h = encode_basic(&sid, &token);

    // 1. Headers a client must not hand the origin.
    let spoofed: &[(&str, &str)] = &[
        ("Authorization", h.as_str()),
        ("Connection", "keep-alive, X-Secret-Hop"),
        ("X-Secret-Hop", "hop"),
        ("Proxy-Authorization", "Basic c3B5OnNweQ=="),
        ("Cookie", "session=stolen"),
        ("X-Forwarded-For", "6.6.6.6"),
        ("X-Forwarded-Host", "evil.example"),
        ("Forwarded", "for=6.6.6.6"),
        ("X-Real-IP", "6.6.6.6"),
        ("X_Tollgate_Sid", "forged-underscore"),
        ("X-Tollgate_Account", "acc_forged"),
        ("CF-Connecting-IP", "203.0.113.5"),
        ("X-Request-Id", "kept-123"),
        ("Content-Type", "application/json"),
    ];
    let a = send(
        "POST",
        &format!("{edge}/v1/conversions"),
        spoofed,
        Some(r#"{"n":1}"#),
    )?;
    expect(&a, 200, "forwarded")?;
    // 2. A redirect from the origin reaches the client, unfollowed.
    let r = send(
        "GET",
        &format!("{edge}/v1/reports/7"),
        &[("Authorization", &h)],
        None,
    )?;
    expect(&r, 302, "the origin's redirect is handed back")?;
    ensure!(
        r.header("location") == Some("http://127.0.0.1:9/elsewhere"),
        "Location kept: {r:?}"
    );
    // 3. Paths that an origin could read as another path never reach it.
    for p in [
        "/v1/reports%2F..%2Fadmin",
        "/v1/reports/%2F",
        "/v1/reports/a%5Cb",
        "/v1/reports/%252F",
        "/v1/reports/%zz",
    ] {
        let a = send("GET", &format!("{edge}{p}"), &[("Authorization", &h)], None)?;
        expect_error(&a, 400, "invalid_path", p)?;
    }
    let requests = seen.join().map_err(|_| "origin thread failed".to_owned())?;
    ensure!(
        requests.len() == 2,
        "the origin got {} requests (refused paths must not reach it)",
        requests.len()
    );
    let lower = requests[0].to_ascii_lowercase();
    for banned in [
        "authorization:",
        "x-secret-hop",
        "proxy-authorization",
        "cookie:",
        "6.6.6.6",
        "evil.example",
        "forwarded:",
        "forged",
        "acc_forged",
        "keep-alive",
    ] {
        ensure!(
            !lower.contains(banned),
            "{banned} reached the origin:\n{:?}",
            requests[0]
        );
    }
    ensure!(
        lower.contains("x-forwarded-for: 203.0.113.5"),
        "X-Forwarded-For from CF-Connecting-IP:\n{}",
        requests[0]
    );
    ensure!(
        lower.contains("x-request-id: kept-123"),
        "ordinary headers kept:\n{}",
        requests[0]
    );
    ensure!(
        requests[0].contains(r#"{"n":1}"#),
        "body streamed through:\n{}",
        requests[0]
    );
    ensure!(
        requests[1].starts_with("GET /v1/reports/7 "),
        "second request: {}",
        requests[1]
    );

    // 4. The account is consulted only once the secret matched: a wrong token on a real SID
    //    costs what an unknown SID costs.
    let stats = || -> Result<Value> {
        Ok(send("GET", &format!("{edge}/__tollgate/stats"), &[], None)?.json())
    };
    let wrong = encode_basic(
        &sid,
        "tgat_000000000000000000000000000000000000000000031AabC",
    );
    let unknown = encode_basic(
        "TGSID0000000000000000000000",
        "tgat_000000000000000000000000000000000000000000031AabC",
    );
    let mut cost = Vec::new();
    for (header, status) in [(&wrong, 401), (&unknown, 401), (&wrong, 401), (&h, 200)] {
        let before = stats()?;
        let a = send(
            "GET",
            &format!("{edge}/v1/verify"),
            &[("Authorization", header)],
            None,
        )?;
        expect(&a, status, "verify")?;
        let after = stats()?;
        cost.push(
            after["account_lookups"].as_u64().unwrap_or(0)
                - before["account_lookups"].as_u64().unwrap_or(0),
        );
    }
    ensure!(
        cost == [0, 0, 0, 1],
        "account lookups (wrong, unknown, wrong, right): {cost:?}"
    );
    // An unknown SID is remembered: asking again reads nothing.
    let before = stats()?["kv_reads"].as_u64().unwrap_or(0);
    expect(
        &send(
            "GET",
            &format!("{edge}/v1/verify"),
            &[("Authorization", &unknown)],
            None,
        )?,
        401,
        "unknown again",
    )?;
    ensure!(
        stats()?["kv_reads"].as_u64().unwrap_or(0) == before,
        "an unknown SID read KV twice"
    );
    Ok(())
}

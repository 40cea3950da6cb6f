//! Token policies at the edge: expiry, IP allowlists, per-token rate limits, tightening
//! them on a token the verifier holds, and the usage counts (before and after a restart).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tollgate_core::authorization::encode_basic;
use tollgate_tests::fixture::{expect, expect_error, expect_one_of};
use tollgate_tests::{Answer, Result, Session, ensure, send};

use super::{Ctx, status, within_bound};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn create(s: &Session, name: &str, extra: Value) -> Result<Answer> {
    let mut body =
        json!({ "name": name, "primary_contact": s.user["id"], "scopes": ["reports.read"] });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    s.call("POST", "/api/tokens", Some(&body))
}

fn created(s: &Session, name: &str, extra: Value) -> Result<(String, String)> {
    let a = create(s, name, extra)?;
    ensure!(a.status == 201, "create {name}: {} {}", a.status, a.body);
    let v = a.json();
    Ok((
        v["token"]["sid"].as_str().unwrap_or_default().to_owned(),
        v["auth_token"].as_str().unwrap_or_default().to_owned(),
    ))
}

fn from(edge: &str, path: &str, sid: &str, token: &str, ip: &str) -> Result<Answer> {
    let h = encode_basic(sid, token);
    send(
        "GET",
        &format!("{edge}{path}"),
        &[("Authorization", &h), ("CF-Connecting-IP", ip)],
        None,
    )
}

fn refused(a: &Answer, status: u16, code: &str, field: &str, what: &str) -> Result<()> {
    ensure!(
        a.status == status && a.code() == code,
        "{what}: expected {status} {code}, got {} {}",
        a.status,
        a.body
    );
    ensure!(
        a.json()["error"]["field"] == field,
        "{what}: field {field} expected: {}",
        a.body
    );
    Ok(())
}

fn token_count(s: &Session) -> Result<u64> {
    Ok(s.call("GET", "/api/tokens?limit=1", None)?.json()["total"]
        .as_u64()
        .unwrap_or(0))
}

/// Bad policies are refused with the entry or the limit named, and change nothing.
pub fn validation(c: &mut Ctx) -> Result<()> {
    let s = &c.admin;
    let before = token_count(s)?;
    let a = create(
        s,
        "Bad IP",
        json!({ "allowed_ips": ["203.0.113.0/24", "10.0.0.999"] }),
    )?;
    refused(&a, 422, "ip_invalid", "allowed_ips", "invalid IP")?;
    ensure!(
        a.body.contains("10.0.0.999"),
        "the bad entry is named: {}",
        a.body
    );
    let many: Vec<String> = (0..101)
        .map(|i| format!("10.1.{}.{}", i / 256, i % 256))
        .collect();
    refused(
        &create(s, "Many IPs", json!({ "allowed_ips": many }))?,
        422,
        "too_many_ips",
        "allowed_ips",
        "101 IPs",
    )?;
    let bad_period = json!({ "rate_limit": { "requests": 5, "period_seconds": 30 } });
    refused(
        &create(s, "Bad period", bad_period)?,
        422,
        "rate_limit_period",
        "rate_limit",
        "period",
    )?;
    let past = json!({ "expires_at": now_ms() - 1000 });
    refused(
        &create(s, "Past", past)?,
        422,
        "expiry_in_past",
        "expires_at",
        "past expiry",
    )?;

    // The account's lifetime limit.
    let a = s.call(
        "PATCH",
        "/api/account",
        Some(&json!({ "max_token_lifetime_days": 30 })),
    )?;
    ensure!(
        a.status == 200 && a.json()["max_token_lifetime_days"] == 30,
        "set the limit: {} {}",
        a.status,
        a.body
    );
    let never = create(s, "Never", json!({}))?;
    refused(
        &never,
        422,
        "expiry_required",
        "expires_at",
        "no expiry under a limit",
    )?;
    ensure!(
        never.body.contains("30 days"),
        "the limit is said: {}",
        never.body
    );
    let long = json!({ "expires_at": now_ms() + 60 * 86_400_000 });
    refused(
        &create(s, "Long", long)?,
        422,
        "expiry_beyond_limit",
        "expires_at",
        "60 days under 30",
    )?;
    let (sid, _) = created(
        s,
        "Within the limit",
        json!({ "expires_at": now_ms() + 7 * 86_400_000 }),
    )?;
    let a = s.call(
        "PATCH",
        &format!("/api/tokens/{sid}"),
        Some(&json!({ "expires_at": null })),
    )?;
    refused(
        &a,
        422,
        "expiry_required",
        "expires_at",
        "edit to never under a limit",
    )?;
    let a = s.call(
        "PATCH",
        "/api/account",
        Some(&json!({ "max_token_lifetime_days": 0 })),
    )?;
    refused(
        &a,
        422,
        "lifetime_limit",
        "max_token_lifetime_days",
        "a zero limit",
    )?;
    let a = s.call(
        "PATCH",
        "/api/account",
        Some(&json!({ "max_token_lifetime_days": null })),
    )?;
    ensure!(
        a.status == 200 && a.json()["max_token_lifetime_days"].is_null(),
        "limit removed: {}",
        a.body
    );
    ensure!(
        token_count(s)? == before + 1,
        "only the valid token was created"
    );
    Ok(())
}

/// A token past its expiry answers the same 401 as an unknown token, with no admin action.
pub fn expiry(c: &mut Ctx) -> Result<()> {
    let edge = c.server.edge.clone();
    let ends = now_ms() + 2500;
    let (sid, token) = created(&c.admin, "Short-lived", json!({ "expires_at": ends }))?;
    ensure!(
        status(&edge, "/v1/verify", &sid, &token)? == 200,
        "valid before its expiry"
    );
    let v = c
        .admin
        .call("GET", &format!("/api/tokens/{sid}"), None)?
        .json();
    ensure!(
        v["expires_at"] == ends && v["expiring_soon"] == true,
        "the view shows the expiry: {v}"
    );
    std::thread::sleep(Duration::from_millis((ends - now_ms()).max(0) as u64 + 50));
    let a = send(
        "GET",
        &format!("{edge}/v1/verify"),
        &[("Authorization", &encode_basic(&sid, &token))],
        None,
    )?;
    let unknown = send(
        "GET",
        &format!("{edge}/v1/verify"),
        &[(
            "Authorization",
            &encode_basic("TGSID0000000000000000000000", &token),
        )],
        None,
    )?;
    ensure!(
        a.status == 401 && a.body == unknown.body,
        "expired: {} {} (unknown: {})",
        a.status,
        a.body,
        unknown.body
    );
    Ok(())
}

/// An address outside the list gets 403 `ip_not_allowed`; inside, 200 (IPv4, IPv6, mapped).
pub fn ip_allowlist(c: &mut Ctx) -> Result<()> {
    let edge = c.server.edge.clone();
    let list = json!({ "allowed_ips": ["203.0.113.0/24", "2001:db8::/32"] });
    let (sid, token) = created(&c.admin, "Office only", list)?;
    for ip in ["203.0.113.7", "2001:db8:5::1", "::ffff:203.0.113.9"] {
        let a = from(&edge, "/v1/reports/1", &sid, &token, ip)?;
        expect(&a, 200, &format!("{ip} is on the list"))?;
    }
    for ip in ["198.51.100.1", "2001:db9::1"] {
        let a = from(&edge, "/v1/reports/1", &sid, &token, ip)?;
        expect_error(
            &a,
            403,
            "ip_not_allowed",
            &format!("{ip} is not on the list"),
        )?;
    }
    // The credentials come first: a wrong token from outside the list is just unauthenticated.
    let wrong = "tgat_000000000000000000000000000000000000000000031AabC";
    let a = from(&edge, "/v1/verify", &sid, wrong, "198.51.100.1")?;
    expect(&a, 401, "wrong token from outside")?;
    Ok(())
}

/// Waits until just after a whole second (so a burst falls in one window of 1 s).
fn start_of_second() {
    let rest = 1000 - now_ms().rem_euclid(1000);
    std::thread::sleep(Duration::from_millis(rest as u64 + 5));
}

/// The N+1st request in a period answers 429 with `Retry-After` and the RateLimit headers,
/// and the token works again in the next period.
pub fn rate_limit(c: &mut Ctx) -> Result<()> {
    let edge = c.server.edge.clone();
    let (sid, token) = created(
        &c.admin,
        "Limited",
        json!({ "rate_limit": { "requests": 3, "period_seconds": 1 } }),
    )?;
    ensure!(status(&edge, "/v1/verify", &sid, &token)? == 200, "warm");
    let mut tries = 0;
    loop {
        tries += 1;
        start_of_second();
        let started = Instant::now();
        let answers: Vec<Answer> = (0..4)
            .map(|_| {
                send(
                    "GET",
                    &format!("{edge}/v1/verify"),
                    &[("Authorization", &encode_basic(&sid, &token))],
                    None,
                )
            })
            .collect::<Result<_>>()?;
        if started.elapsed() > Duration::from_millis(900) && tries < 3 {
            continue; // the burst straddled two windows on a slow moment: measure again
        }
        let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
        ensure!(
            statuses == [200, 200, 200, 429],
            "3 per second: {statuses:?}"
        );
        ensure!(
            answers[0].header("ratelimit-policy") == Some("\"token\";q=3;w=1"),
            "policy header: {:?}",
            answers[0]
        );
        ensure!(
            answers[1]
                .header("ratelimit")
                .is_some_and(|v| v.contains("r=1")),
            "remaining: {:?}",
            answers[1]
        );
        let over = &answers[3];
        ensure!(over.code() == "rate_limited", "429 body: {}", over.body);
        ensure!(
            over.header("retry-after") == Some("1"),
            "Retry-After: {:?}",
            over.header("retry-after")
        );
        ensure!(
            over.header("ratelimit").is_some_and(|v| v.contains("r=0")),
            "RateLimit: {:?}",
            over.headers
        );
        break;
    }
    std::thread::sleep(Duration::from_millis(1000));
    ensure!(
        status(&edge, "/v1/verify", &sid, &token)? == 200,
        "allowed again in the next period"
    );
    Ok(())
}

/// Tightening each policy of a token the verifier holds is in force within the feed's bound.
pub fn tightening(c: &mut Ctx) -> Result<()> {
    let edge = c.server.edge.clone();
    let (sid, token) = created(&c.admin, "Tightened", json!({}))?;
    ensure!(
        from(&edge, "/v1/verify", &sid, &token, "198.51.100.1")?.status == 200,
        "held"
    );
    let patch = |body: Value| -> Result<()> {
        let a = c
            .admin
            .call("PATCH", &format!("/api/tokens/{sid}"), Some(&body))?;
        ensure!(a.status == 200, "patch {body}: {} {}", a.status, a.body);
        Ok(())
    };
    patch(json!({ "allowed_ips": ["203.0.113.0/24"] }))?;
    let ip = within_bound("IP allowlist", || {
        Ok(from(&edge, "/v1/verify", &sid, &token, "198.51.100.1")?.status == 403)
    })?;
    patch(json!({ "allowed_ips": [], "rate_limit": { "requests": 1, "period_seconds": 3600 } }))?;
    let rate = within_bound("rate limit", || {
        Ok(from(&edge, "/v1/verify", &sid, &token, "198.51.100.1")?.status == 429)
    })?;
    patch(json!({ "rate_limit": null, "expires_at": now_ms() + 400 }))?;
    let expiry = within_bound("expiry", || {
        Ok(status(&edge, "/v1/verify", &sid, &token)? == 401)
    })?;
    println!(
        "    in force after: IP list {} ms, rate limit {} ms, expiry (400 ms ahead) {} ms",
        ip.as_millis(),
        rate.as_millis(),
        expiry.as_millis()
    );
    Ok(())
}

fn usage_of(s: &Session, sid: &str) -> Result<Value> {
    let a = s.call("GET", &format!("/api/tokens/{sid}/usage?days=2"), None)?;
    ensure!(a.status == 200, "usage: {} {}", a.status, a.body);
    Ok(a.json())
}

fn sums(v: &Value, series: &str) -> (u64, u64, u64, u64) {
    let mut out = (0, 0, 0, 0);
    for p in v[series].as_array().into_iter().flatten() {
        let n = |k: &str| p["counts"][k].as_u64().unwrap_or(0);
        out.0 += n("allowed");
        out.1 += n("unauthenticated");
        out.2 += n("lacks_scope");
        out.3 += n("ip_not_allowed");
    }
    out
}

/// After a burst the counts equal what was sent (allowed and denied by reason), also per
/// day and on the list, and they survive a restart of both Workers once flushed.
pub fn usage(c: &mut Ctx) -> Result<()> {
    let edge = c.server.edge.clone();
    let (sid, token) = created(
        &c.admin,
        "Counted",
        json!({ "allowed_ips": ["203.0.113.0/24"] }),
    )?;
    let wrong = "tgat_000000000000000000000000000000000000000000031AabC";
    for _ in 0..6 {
        ensure!(
            from(&edge, "/v1/reports/1", &sid, &token, "203.0.113.1")?.status == 200,
            "allowed"
        );
    }
    for _ in 0..2 {
        ensure!(
            from(&edge, "/v1/campaigns", &sid, &token, "203.0.113.1")?.status == 403,
            "lacks scope"
        );
    }
    for _ in 0..3 {
        ensure!(
            from(&edge, "/v1/verify", &sid, wrong, "203.0.113.1")?.status == 401,
            "wrong token"
        );
    }
    ensure!(
        from(&edge, "/v1/verify", &sid, &token, "198.51.100.1")?.status == 403,
        "outside the list"
    );
    let expected = (6, 3, 2, 1);
    let started = Instant::now();
    let mut v = usage_of(&c.admin, &sid)?;
    while sums(&v, "hourly") != expected {
        ensure!(
            started.elapsed() < Duration::from_secs(30),
            "usage after 30 s: {:?}, sent {expected:?}",
            sums(&v, "hourly")
        );
        std::thread::sleep(Duration::from_millis(500));
        v = usage_of(&c.admin, &sid)?;
    }
    println!(
        "    counts arrived {:.1} s after the burst",
        started.elapsed().as_secs_f64()
    );
    ensure!(
        v["hourly"].as_array().map(Vec::len) == Some(48),
        "48 hourly points"
    );
    ensure!(
        v["daily"].as_array().map(Vec::len) == Some(2),
        "days=2 gives 2 daily points"
    );
    ensure!(
        sums(&v, "daily") == expected,
        "daily counts: {:?}",
        sums(&v, "daily")
    );
    let page = c.admin.call("GET", "/api/tokens?q=Counted", None)?.json();
    ensure!(
        page["tokens"][0]["requests_24h"] == 12,
        "the list's last 24 h: {}",
        page["tokens"][0]
    );
    let bad = c
        .admin
        .call("GET", &format!("/api/tokens/{sid}/usage?days=91"), None)?;
    expect_one_of(&bad, &[422, 400], "days=91 refused")?;

    c.server.kill();
    c.server = c.sandbox.start()?;
    c.admin = Session::login(&c.server.base, "admin@edge.test", &c.admin_password)?;
    let after = usage_of(&c.admin, &sid)?;
    ensure!(
        sums(&after, "hourly") == expected,
        "after the restart: {:?}",
        sums(&after, "hourly")
    );
    Ok(())
}

//! Notifications: through the Queue to the loopback mail API, once per person and event, in
//! each person's language; unsubscribe links; the expiry notice; the dead-letter queue.

use std::time::Duration;

use serde_json::{Value, json};
use tollgate_tests::fixture::{expect, expect_one_of};
use tollgate_tests::mailbox::Received;
use tollgate_tests::{Result, ensure, send};

use super::{Ctx, create, eventually, token};

const MAIL_WAIT: Duration = Duration::from_secs(20);

fn subjects(r: &[Received]) -> Vec<String> {
    r.iter()
        .map(|m| m.message["subject"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Waits until `to` got a message whose subject contains `word`; returns those messages.
fn mail_to(c: &Ctx, to: &str, word: &str) -> Result<Vec<Received>> {
    let matching = || {
        c.mail.to(to).into_iter().filter(|m| {
            m.message["subject"]
                .as_str()
                .is_some_and(|s| s.contains(word))
        })
    };
    eventually(
        &format!("a message to {to} about \"{word}\""),
        MAIL_WAIT,
        || Ok(matching().next().is_some()),
    )
    .map_err(|e| format!("{e}; {to} got {:?}", subjects(&c.mail.to(to))))?;
    Ok(matching().collect())
}

fn notifications(c: &Ctx) -> Result<Vec<Value>> {
    let a = c.admin.call("GET", "/api/notifications", None)?;
    ensure!(a.status == 200, "notifications: {} {}", a.status, a.body);
    ensure!(
        a.json()["mail_configured"] == true,
        "mail_configured: {}",
        a.body
    );
    Ok(a.json()["entries"].as_array().cloned().unwrap_or_default())
}

/// The contact (who chose Japanese) and a developer e-mail (the account's Chinese) each get
/// one message per event in their language, naming the token, never its Auth Token; the
/// contact's own e-mail listed as a developer e-mail too is told once.
pub fn once_each_in_their_language(c: &mut Ctx) -> Result<()> {
    let me = c
        .admin
        .call("PATCH", "/api/session", Some(&json!({ "locale": "ja" })))?;
    ensure!(
        me.status == 200 && me.json()["locale"] == "ja",
        "locale: {} {}",
        me.status,
        me.body
    );
    let bad = c
        .admin
        .call("PATCH", "/api/session", Some(&json!({ "locale": "fr" })))?;
    expect_one_of(&bad, &[400, 422], "an unknown locale")?;
    let a = c
        .admin
        .call("PATCH", "/api/account", Some(&json!({ "language": "zh" })))?;
    ensure!(
        a.status == 200 && a.json()["language"] == "zh",
        "language: {} {}",
        a.status,
        a.body
    );
    let admin_email = c.admin.user["email"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (sid, first) = create(&c.admin, "Languages", &["dev-zh@example.com", &admin_email])?;
    let ja = mail_to(c, &admin_email, "が作成されました")?;
    let zh = mail_to(c, "dev-zh@example.com", "已创建")?;
    let reset = c.admin.call(
        "POST",
        &format!("/api/tokens/{sid}/reset"),
        Some(&json!({})),
    )?;
    expect(&reset, 200, "reset")?;
    let second = reset.json()["auth_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    mail_to(c, &admin_email, "リセット")?;
    mail_to(c, "dev-zh@example.com", "已重置")?;
    // Time for any duplicate to arrive.
    std::thread::sleep(Duration::from_secs(3));
    for to in [admin_email.as_str(), "dev-zh@example.com"] {
        let got: Vec<Received> = c
            .mail
            .to(to)
            .into_iter()
            .filter(|m| m.message["text"].as_str().is_some_and(|t| t.contains(&sid)))
            .collect();
        ensure!(
            got.len() == 2,
            "{to} got {} messages about the token: {:?}",
            got.len(),
            subjects(&got)
        );
        for m in &got {
            let text = m.message.to_string();
            ensure!(
                !text.contains(&first) && !text.contains(&second),
                "a message carries an Auth Token"
            );
            ensure!(
                m.idempotency_key == m.message["id"],
                "Idempotency-Key {} for message {}",
                m.idempotency_key,
                m.message["id"]
            );
            ensure!(
                m.authorization == "Bearer mail-test-token",
                "Authorization: {}",
                m.authorization
            );
        }
    }
    ensure!(
        ja[0].message["language"] == "ja" && zh[0].message["language"] == "zh",
        "languages"
    );
    ensure!(
        ja[0].message["headers"].get("List-Unsubscribe").is_none(),
        "the primary contact got an unsubscribe link"
    );
    ensure!(
        zh[0].message["headers"]["List-Unsubscribe"].is_string(),
        "no unsubscribe link for a developer e-mail"
    );
    // The admin app's list shows them delivered.
    let listed: Vec<Value> = notifications(c)?
        .into_iter()
        .filter(|n| n["sid"] == sid.as_str())
        .collect();
    ensure!(listed.len() == 4, "listed {}: {listed:?}", listed.len());
    ensure!(
        listed
            .iter()
            .all(|n| n["delivery"] == "sent" && n["attempts"] == 1),
        "not all delivered once: {listed:?}"
    );
    Ok(())
}

/// The leak (reported in an earlier case) was told to the token's developer e-mail, with
/// where it was found.
pub fn leak_notifications(c: &mut Ctx) -> Result<()> {
    let got = mail_to(c, "leak-dev@example.com", "found in public")?;
    ensure!(got.len() == 1, "told {} times", got.len());
    let text = got[0].message["text"].as_str().unwrap_or_default();
    ensure!(
        text.contains("https://github.com/octo/app/blob/abc123/config/.env")
            && text.contains("GitHub secret scanning"),
        "{text}"
    );
    Ok(())
}

/// A developer e-mail stops a token's notifications with its signed link (GET shows a page,
/// POST does it); a changed link is refused; the primary contact has no link.
pub fn unsubscribe(c: &mut Ctx) -> Result<()> {
    let admin_email = c.admin.user["email"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (sid, _) = create(&c.admin, "Unsubscribe", &["leaving@example.com"])?;
    let created = mail_to(c, "leaving@example.com", "已创建")?;
    let header = created[0].message["headers"]["List-Unsubscribe"]
        .as_str()
        .unwrap_or_default();
    let link = header
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    ensure!(link.contains("/unsubscribe?"), "link: {header}");
    // Served by the admin host that runs in this test (ADMIN_URL names the configured one).
    let path = &link[link.find("/unsubscribe").unwrap_or(0)..];
    let url = format!("{}{path}", c.server.base);
    let page = send("GET", &url, &[], None)?;
    ensure!(
        page.status == 200 && page.body.contains("<form"),
        "GET: {} {}",
        page.status,
        page.body
    );
    ensure!(
        token(&c.admin, &sid)?["unsubscribed"] == json!([]),
        "GET changed something"
    );
    let forged = url.replace("leaving%40example.com", &admin_email.replace('@', "%40"));
    let f = send("POST", &forged, &[], None)?;
    ensure!(f.status == 400, "a changed link: {} {}", f.status, f.body);
    let done = send(
        "POST",
        &url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some("List-Unsubscribe=One-Click"),
    )?;
    ensure!(done.status == 200, "POST: {} {}", done.status, done.body);
    ensure!(
        token(&c.admin, &sid)?["unsubscribed"] == json!(["leaving@example.com"]),
        "not unsubscribed"
    );
    let off = c
        .admin
        .call("POST", &format!("/api/tokens/{sid}/disable"), None)?;
    ensure!(off.status == 200, "disable: {} {}", off.status, off.body);
    mail_to(c, &admin_email, "が無効になりました")?;
    std::thread::sleep(Duration::from_secs(3));
    let after: Vec<String> = subjects(&c.mail.to("leaving@example.com"));
    ensure!(
        after.len() == 1,
        "an unsubscribed address got more mail: {after:?}"
    );
    Ok(())
}

/// A token expiring within 7 days gets one "expires soon" notice (the object's alarm).
pub fn expiry_notice(c: &mut Ctx) -> Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?;
    let in_three_days = now.as_millis() as i64 + 3 * 86_400_000;
    let a = c.admin.call(
        "POST",
        "/api/tokens",
        Some(&json!({ "name": "Short-lived", "primary_contact": c.admin.user["id"], "scopes": ["reports.read"],
                      "developer_emails": ["expiry@example.com"], "expires_at": in_three_days })),
    )?;
    ensure!(a.status == 201, "create: {} {}", a.status, a.body);
    let got = mail_to(c, "expiry@example.com", "即将过期")?;
    ensure!(got.len() == 1, "told {} times", got.len());
    std::thread::sleep(Duration::from_secs(3));
    ensure!(
        mail_to(c, "expiry@example.com", "即将过期")?.len() == 1,
        "the notice was sent again"
    );
    Ok(())
}

/// A mail API that keeps failing: the message is tried 4 times (2, 4, 8 s apart) with one
/// Idempotency-Key, then dead-lettered and shown as failed in the admin app.
pub fn dead_letter(c: &mut Ctx) -> Result<()> {
    let (sid, _) = create(&c.admin, "Bouncing", &["bounce@example.com"])?;
    let failed = eventually(
        "the failed message shown as failed",
        Duration::from_secs(60),
        || {
            Ok(notifications(c)?.iter().any(|n| {
                n["sid"] == sid.as_str()
                    && n["recipient"] == "bounce@example.com"
                    && n["delivery"] == "failed"
            }))
        },
    )?;
    let posts = c.mail.to("bounce@example.com");
    ensure!(
        posts.len() == 4,
        "{} posts to the failing address (want 4)",
        posts.len()
    );
    ensure!(
        posts
            .iter()
            .all(|p| p.idempotency_key == posts[0].idempotency_key),
        "retries changed the Idempotency-Key"
    );
    let entry = notifications(c)?
        .into_iter()
        .find(|n| n["sid"] == sid.as_str() && n["recipient"] == "bounce@example.com")
        .ok_or("no entry")?;
    ensure!(
        entry["attempts"] == 4 && entry["last_error"].as_str().is_some(),
        "entry: {entry}"
    );
    println!("    dead-lettered after {:.1} s", failed.as_secs_f64());
    Ok(())
}

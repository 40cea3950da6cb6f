//! What every suite's world starts with: a sandbox (a state directory and fresh secrets),
//! both Workers running on it, and an account with its admin signed in — and the helpers
//! every suite's cases use (a token, a verification, an expectation on an answer).

use serde_json::{Value, json};
use tollgate_core::authorization::encode_basic;

use crate::{Answer, Result, Sandbox, Server, Session, ensure, random_b64, send, setup_account};

/// The account a fixture sets up: its name, type and admin e-mail.
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub email: &'a str,
}

/// A sandbox, both Workers running on it, and an account's admin signed in.
#[derive(Debug)]
pub struct Fixture {
    pub sandbox: Sandbox,
    pub server: Server,
    /// The admin Worker (`/api/`).
    pub base: String,
    /// The verifier Worker (`/v1/`).
    pub edge: String,
    pub admin: Session,
    pub admin_password: String,
}

impl Fixture {
    /// Starts both Workers on `sandbox`, sets up `account` and signs its admin in.
    pub fn boot(sandbox: Sandbox, account: Account<'_>) -> Result<Fixture> {
        let server = sandbox.start()?;
        let base = server.base.clone();
        let admin_password = password();
        let a = setup_account(
            &base,
            &sandbox.setup_secret,
            account.name,
            account.kind,
            account.email,
            &admin_password,
        )?;
        ensure!(a.status == 201, "setup: {} {}", a.status, a.body);
        let admin = Session::login(&base, account.email, &admin_password)?;
        Ok(Fixture {
            edge: server.edge.clone(),
            sandbox,
            server,
            base,
            admin,
            admin_password,
        })
    }

    /// Where the admin Worker answers and where its log is.
    pub fn describe(&self) -> String {
        format!(
            "{} (log: {})",
            self.base,
            self.sandbox.dir.join("wrangler.log").display()
        )
    }

    pub fn stop(&mut self) {
        self.server.kill();
    }
}

/// A fresh random password.
pub fn password() -> String {
    format!("pw-{}", random_b64(12))
}

/// `s` with the case of every ASCII letter flipped (a token that differs only in case).
pub fn case_flipped(s: &str) -> String {
    s.chars()
        .map(|ch| {
            if ch.is_ascii_lowercase() {
                ch.to_ascii_uppercase()
            } else {
                ch.to_ascii_lowercase()
            }
        })
        .collect()
}

/// `GET /v1/verify` with Basic credentials.
pub fn verify(edge: &str, sid: &str, token: &str) -> Result<Answer> {
    let h = encode_basic(sid, token);
    send(
        "GET",
        &format!("{edge}/v1/verify"),
        &[("Authorization", &h)],
        None,
    )
}

/// The status of a request to `path` on the verifier with Basic credentials.
pub fn status(edge: &str, path: &str, sid: &str, token: &str) -> Result<u16> {
    let h = encode_basic(sid, token);
    Ok(send(
        "GET",
        &format!("{edge}{path}"),
        &[("Authorization", &h)],
        None,
    )?
    .status)
}

/// A token just created: its SID, its auth token and the whole answer.
#[derive(Debug, Clone)]
pub struct Created {
    pub sid: String,
    pub token: String,
    pub revision: u64,
    pub body: Value,
}

/// Creates a token named `name` with `scopes`, the signed-in user as its primary contact,
/// and the other settings of `more` (merged over those).
pub fn create_token(s: &Session, name: &str, scopes: &[&str], more: Value) -> Result<Created> {
    let mut draft = json!({ "name": name, "primary_contact": s.user["id"], "scopes": scopes });
    if let (Some(d), Some(m)) = (draft.as_object_mut(), more.as_object()) {
        d.extend(m.clone());
    }
    let a = s.call("POST", "/api/tokens", Some(&draft))?;
    ensure!(a.status == 201, "create {name}: {} {}", a.status, a.body);
    let v = a.json();
    Ok(Created {
        sid: v["token"]["sid"].as_str().unwrap_or_default().to_owned(),
        token: v["auth_token"].as_str().unwrap_or_default().to_owned(),
        revision: v["token"]["revision"].as_u64().unwrap_or(0),
        body: v,
    })
}

/// An answer with `status`.
pub fn expect(a: &Answer, status: u16, what: &str) -> Result<()> {
    ensure!(
        a.status == status,
        "{what}: expected {status}, got {} {}",
        a.status,
        a.body
    );
    Ok(())
}

/// An answer with one of `statuses` (where a race may end either way).
pub fn expect_one_of(a: &Answer, statuses: &[u16], what: &str) -> Result<()> {
    ensure!(
        statuses.contains(&a.status),
        "{what}: expected one of {statuses:?}, got {} {}",
        a.status,
        a.body
    );
    Ok(())
}

/// An error answer with `status` and `code`, and a message a person can act on.
pub fn expect_error(a: &Answer, status: u16, code: &str, what: &str) -> Result<()> {
    expect(a, status, what)?;
    ensure!(
        a.code() == code,
        "{what}: expected code {code}, got {}",
        a.body
    );
    ensure!(
        a.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: no message"
    );
    Ok(())
}

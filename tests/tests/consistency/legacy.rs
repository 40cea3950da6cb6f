//! The upgrade path: KV records in the layout the Worker wrote before account objects
//! existed (no revisions, e-mail and member keys, per-account index and audit keys) are
//! written into the sandbox's local KV before the server starts; the first sign-in imports
//! the account into its object.

use std::process::Command;

use argon2::password_hash::{PasswordHasher as _, SaltString};
use serde_json::{Value, json};
use tollgate_core::account::{AccountRecord, AccountType, Role, UserRecord};
use tollgate_core::api::TokenDraft;
use tollgate_core::audit::{AuditAction, AuditEntry};
use tollgate_core::credential::CredentialSeed;
use tollgate_core::time::Timestamp;
use tollgate_core::token::{self, AccountContext};
use tollgate_tests::fixture::{expect, expect_error};
use tollgate_tests::{Result, Sandbox, Session};

use super::crash::replica_revision;
use super::{Ctx, verify};

use tollgate_tests::ensure;

const ACCOUNT: &str = "acc_00000000000000001e9a";
const USER: &str = "usr_00000000000000001e9a";
const EMAIL: &str = "legacy@old.test";
const PASSWORD: &str = "legacy password 2025";
const SID_ENTROPY: u8 = 7;

fn legacy_token() -> Result<token::Issued> {
    let users = vec![USER.to_owned()];
    let ctx = AccountContext {
        account_id: ACCOUNT,
        account_type: AccountType::Brand,
        users: &users,
        max_lifetime_days: None,
    };
    let draft = TokenDraft {
        name: "Legacy export".into(),
        description: "made before account objects".into(),
        api_version: None,
        primary_contact: USER.into(),
        developer_emails: vec![],
        scopes: vec!["reports.read".into()],
        ..TokenDraft::default()
    };
    let seed = CredentialSeed {
        sid: [SID_ENTROPY; 16],
        token: [SID_ENTROPY + 1; 32],
    };
    token::create(&(&draft).into(), &ctx, &seed, Timestamp(1_700_000_000_000))
        .map_err(|e| e.to_string())
}

/// A record as the old layout wrote it: without `revision`.
fn old(v: impl serde::Serialize) -> Result<String> {
    let mut v = serde_json::to_value(v).map_err(|e| e.to_string())?;
    if let Some(o) = v.as_object_mut() {
        // Fields later layouts added (each read with its default).
        for added in ["revision", "language", "leak_policy"] {
            o.remove(added);
        }
    }
    Ok(v.to_string())
}

/// Writes the legacy account into the sandbox's local KV (before the server starts).
pub fn seed(sandbox: &Sandbox) -> Result<()> {
    let created = Timestamp(1_700_000_000_000);
    let account = AccountRecord::new(
        ACCOUNT.into(),
        "Old Brand",
        AccountType::Brand,
        "Old Admin",
        EMAIL,
        created,
    )
    .map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(b"legacy-fixture-salt").map_err(|e| e.to_string())?;
    let hash = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &salt)
        .map_err(|e| e.to_string())?
        .to_string();
    let user = UserRecord {
        schema: 1,
        id: USER.into(),
        account_id: ACCOUNT.into(),
        email: EMAIL.into(),
        name: "Old Admin".into(),
        role: Role::AccountAdmin,
        enabled: true,
        password_hash: hash,
        created_at: created,
        generation: 0,
        revision: 0,
        locale: None,
    };
    let t = legacy_token()?.record;
    let sid = t.sid.as_str().to_owned();
    let audit = AuditEntry {
        id: "aud_legacy".into(),
        at: created,
        actor_id: USER.into(),
        actor_email: EMAIL.into(),
        action: AuditAction::TokenCreated,
        target: sid.clone(),
        target_name: t.name.clone(),
        detail: None,
    };
    let entries: Vec<Value> = vec![
        json!({"key": format!("acct:{ACCOUNT}"), "value": old(&account)?}),
        json!({"key": format!("user:{USER}"), "value": old(&user)?}),
        json!({"key": format!("email:{EMAIL}"), "value": USER}),
        json!({"key": format!("members:{ACCOUNT}:{USER}"), "value": ""}),
        json!({"key": format!("tok:{sid}"), "value": old(&t)?}),
        json!({"key": format!("idx:{ACCOUNT}:{sid}"), "value": "", "metadata": {"n": t.name, "c": t.created_at.0, "e": true}}),
        json!({"key": format!("audit:{ACCOUNT}:{:020}:aud_legacy", i64::MAX - created.0), "value": serde_json::to_string(&audit).map_err(|e| e.to_string())?}),
    ];
    let file = sandbox.dir.join("legacy-kv.json");
    std::fs::write(&file, Value::Array(entries).to_string()).map_err(|e| e.to_string())?;
    let (node, wrangler) = tollgate_tests::node_and_wrangler();
    let out = Command::new(node)
        .arg(wrangler)
        .args(["kv", "bulk", "put"])
        .arg(&file)
        .args(["--binding", "TOLLGATE_KV", "--local", "--persist-to"])
        .arg(sandbox.dir.join("state"))
        .current_dir(tollgate_tests::root())
        .env("WRANGLER_SEND_METRICS", "false")
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "wrangler kv bulk put: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

pub fn import(c: &mut Ctx) -> Result<()> {
    let issued = legacy_token()?;
    let sid = issued.record.sid.as_str().to_owned();
    let secret = issued.auth_token.expose().to_owned();
    ensure!(
        verify(&c.edge, &sid, &secret)? == 200,
        "the legacy token verifies before any import"
    );
    let s = Session::login(&c.base, EMAIL, PASSWORD)?;
    let list = s.call("GET", "/api/tokens?limit=100", None)?.json();
    ensure!(
        list["total"] == 1 && list["tokens"][0]["sid"] == sid.as_str(),
        "the imported token list: {list}"
    );
    ensure!(
        list["tokens"][0]["name"] == "Legacy export",
        "the imported token keeps its name"
    );
    let rev = list["tokens"][0]["revision"].as_u64().unwrap_or(0);
    ensure!(rev >= 1, "an imported token has a revision");
    let audit = s.call("GET", "/api/audit?limit=100", None)?.json();
    ensure!(
        audit.to_string().contains("aud_legacy"),
        "the legacy audit entry was imported: {audit}"
    );
    let users = s.call("GET", "/api/users", None)?.json();
    ensure!(
        users
            .as_array()
            .is_some_and(|u| u.len() == 1 && u[0]["email"] == EMAIL),
        "the legacy user: {users}"
    );
    let d = s.call_with(
        "POST",
        &format!("/api/tokens/{sid}/disable"),
        None,
        &[("If-Match", &format!("\"{rev}\""))],
    )?;
    expect(&d, 200, "disable the imported token")?;
    ensure!(
        verify(&c.edge, &sid, &secret)? == 401,
        "the disabled imported token still verifies"
    );
    let now = d.json()["revision"].as_u64();
    ensure!(
        replica_revision(&c.base, &sid)?.0 == now,
        "the replica follows the imported token"
    );
    // Its e-mail is taken for every other account.
    let taken = c.admin.call(
        "POST",
        "/api/users",
        Some(
            &json!({"email": EMAIL, "name": "Squatter", "role": "standard_user", "password": "another long password"}),
        ),
    )?;
    expect_error(&taken, 409, "email_taken", "a legacy e-mail reused")?;
    println!(
        "    legacy account imported on first sign-in: 1 user, 1 token, 1 audit entry; the token then follows the object"
    );
    Ok(())
}

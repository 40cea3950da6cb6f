//! The local stand-in for GitHub's secret scanning under `cargo xtask dev`: a P-256 key pair
//! made once, its public half in `.dev.vars` as `SECRET_SCANNING_KEYS` (the admin Worker
//! checks reports against it instead of GitHub's list), its private half in
//! `.wrangler/secret-scanning-key.pem` (git-ignored), so the dev command can print a signed
//! report to try the leak response with.

use std::path::PathBuf;

use tollgate_tests::scanner::{self, KEY_ID, Scanner};

use crate::{Result, root, step};

fn key_path() -> PathBuf {
    root().join(".wrangler/secret-scanning-key.pem")
}

/// Makes the key pair and adds its list to `.dev.vars`, unless `.dev.vars` has a list.
pub fn ensure_local_keys() -> Result<()> {
    let vars = root().join(".dev.vars");
    let text = std::fs::read_to_string(&vars).map_err(|e| format!(".dev.vars: {e}"))?;
    if text
        .lines()
        .any(|l| l.trim_start().starts_with("SECRET_SCANNING_KEYS="))
    {
        return Ok(());
    }
    step(
        "making a local secret-scanning key pair (public key list in .dev.vars, private key in .wrangler/)",
    );
    let scanner = Scanner::new()?;
    let path = key_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(&path, scanner.private_pem()?)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = text;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("SECRET_SCANNING_KEYS='{}'\n", scanner.key_list()?));
    std::fs::write(&vars, text).map_err(|e| format!(".dev.vars: {e}"))
}

/// A `curl` line that reports `auth_token` as GitHub would (signed with the local key), or
/// `None` when the private key is not there.
pub fn report_line(base: &str, auth_token: &str) -> Option<String> {
    let scanner = Scanner::from_pem(&std::fs::read_to_string(key_path()).ok()?).ok()?;
    let body = scanner::report_body(
        &[auth_token],
        "https://github.com/example/app/blob/main/.env",
    );
    Some(format!(
        "curl -X POST {base}/secret-scanning/github -H 'Content-Type: application/json' \
         -H 'Github-Public-Key-Identifier: {KEY_ID}' -H 'Github-Public-Key-Signature: {}' --data '{body}'",
        scanner.sign(&body)
    ))
}

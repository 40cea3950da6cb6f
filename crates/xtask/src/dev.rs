//! `cargo xtask dev`: build, run both Workers with persisted local state, bootstrap a demo
//! account and print how to use it.

use crate::{Result, build, root, scanning, step, tools};

fn random_b64(n: usize) -> Result<String> {
    use base64::Engine as _;
    use std::io::Read as _;
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| e.to_string())?;
    Ok(base64::engine::general_purpose::STANDARD.encode(buf))
}

fn random_password() -> Result<String> {
    let raw = random_b64(18)?;
    Ok(raw.replace(['+', '/'], "x"))
}

/// Writes `.dev.vars` with fresh secrets unless it exists.
fn ensure_dev_vars() -> Result<()> {
    let path = root().join(".dev.vars");
    if path.exists() {
        step(".dev.vars exists: keeping its SETUP_SECRET and TOKEN_ENCRYPTION_KEY");
        return Ok(());
    }
    step("writing .dev.vars with a random SETUP_SECRET and TOKEN_ENCRYPTION_KEY (git-ignored)");
    let body = format!(
        "SETUP_SECRET=\"{}\"\nTOKEN_ENCRYPTION_KEY=\"{}\"\n",
        random_b64(32)?.replace(['+', '/', '='], ""),
        random_b64(32)?
    );
    std::fs::write(&path, body).map_err(|e| format!(".dev.vars: {e}"))
}

fn dev_var(name: &str) -> Result<String> {
    let text = std::fs::read_to_string(root().join(".dev.vars")).map_err(|e| e.to_string())?;
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .ok_or_else(|| format!("{name} missing from .dev.vars"))
}

pub fn dev(reset: bool) -> Result<()> {
    let t = tools::Tools::ensure(false)?;
    build(&t)?;
    ensure_dev_vars()?;
    scanning::ensure_local_keys()?;
    let state = root().join(".wrangler/state");
    if reset && state.exists() {
        step("--reset: removing local state (.wrangler/state)");
        std::fs::remove_dir_all(&state).map_err(|e| e.to_string())?;
    }
    let marker = state.join("tollgate-demo-bootstrapped");
    let port = 8787;
    step(&format!(
        "starting both Workers on wrangler dev --local: the admin Worker on http://localhost:{port}, \
         the verifier on http://localhost:8788 (state in .wrangler/state)"
    ));
    let mut server =
        tollgate_tests::Server::start(&state, port, None, tollgate_tests::Output::Inherit)?;
    let base = format!("http://localhost:{port}");
    let edge = "http://localhost:8788";
    if marker.exists() {
        step("the demo account exists already (its password was printed when it was created)");
        println!(
            "    sign in at {base}/ ; run `cargo xtask dev --reset` to start over with a new demo account"
        );
        println!(
            "    the API (verifier): {edge}/v1/verify  (curl -u 'SID:AUTH_TOKEN' {edge}/v1/verify)"
        );
    } else {
        let demo =
            tollgate_tests::bootstrap_demo(&base, &dev_var("SETUP_SECRET")?, &random_password()?)?;
        std::fs::write(&marker, "bootstrapped\n").map_err(|e| e.to_string())?;
        println!();
        println!("Tollgate is running:");
        println!(
            "  admin app:      {base}/   (admin Worker: admin API, account objects, revocation feed)"
        );
        println!("  API:            {edge}/v1/   (verifier Worker)");
        println!(
            "  admin sign-in:  {}  /  {}   (shown only now)",
            demo.email, demo.password
        );
        println!("  demo token:     Account SID {}", demo.sid);
        println!(
            "  try it:         curl -u '{}:{}' {edge}/v1/verify",
            demo.sid, demo.auth_token
        );
        println!(
            "                  curl -u '{}:{}' {edge}/v1/reports",
            demo.sid, demo.auth_token
        );
        if let Some(line) = scanning::report_line(&base, &demo.auth_token) {
            println!(
                "  a leak, as GitHub's secret scanning reports one (signed with the local key; the"
            );
            println!(
                "  token is disabled, its card shows where, Notifications lists who was told):"
            );
            println!("                  {line}");
        }
    }
    println!("\nPress Ctrl-C to stop.");
    server.wait()
}

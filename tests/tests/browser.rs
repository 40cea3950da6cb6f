//! The admin app end to end in headless Chromium: starts the Worker (serving the built
//! app) on `wrangler dev`, makes an account with an admin and a standard user, and runs
//! `tests/browser/e2e.mjs` (playwright-core driving Debian's chromium) against it, including
//! the example host page that embeds the token manager from the built npm package.

use std::process::Command;

use serde_json::json;
use tollgate_tests::scanner::{self, Scanner};
use tollgate_tests::{Sandbox, Session, node_and_wrangler, random_b64, root, setup_account};

fn run() -> Result<(), String> {
    let scanner = Scanner::new()?;
    let keys = format!("'{}'", scanner.key_list()?);
    let sandbox = Sandbox::with_vars("browser", &[("SECRET_SCANNING_KEYS", &keys)])?;
    let server = sandbox.start()?;
    let base = server.base.replace("127.0.0.1", "localhost");
    let admin_password = format!("pw-{}", random_b64(12));
    let a = setup_account(
        &server.base,
        &sandbox.setup_secret,
        "Browser Partners",
        "partner",
        "admin@browser.test",
        &admin_password,
    )?;
    if a.status != 201 {
        return Err(format!("setup: {} {}", a.status, a.body));
    }
    let admin = Session::login(&server.base, "admin@browser.test", &admin_password)?;
    let std_password = format!("pw-{}", random_b64(12));
    let u = admin.call(
        "POST",
        "/api/users",
        Some(&json!({"email": "standard@browser.test", "name": "Stan Dard", "role": "standard_user", "password": std_password})),
    )?;
    if u.status != 201 {
        return Err(format!("add user: {} {}", u.status, u.body));
    }
    let shots = root().join("target/tollgate-test/screenshots");
    println!("screenshots go to {}", shots.display());
    let pkg = root().join("target/npm/tollgate-core");
    if !pkg.join("index.js").exists() {
        return Err(format!(
            "{} is missing: run `cargo xtask package` first",
            pkg.display()
        ));
    }
    let (node, _) = node_and_wrangler();
    let status = Command::new(node)
        .arg(root().join("tests/browser/e2e.mjs"))
        .current_dir(root())
        .env("BASE", &base)
        .env("EDGE", &server.edge)
        .env("ADMIN_EMAIL", "admin@browser.test")
        .env("ADMIN_PASSWORD", &admin_password)
        .env("STD_EMAIL", "standard@browser.test")
        .env("STD_PASSWORD", &std_password)
        .env("SHOTS", &shots)
        .env("PKG", &pkg)
        .env("EXAMPLE", root().join("crates/tollgate-wasm/example"))
        .env("SCANNER_KEY", scanner.private_pem()?)
        .env("SCANNER_KEY_ID", scanner::KEY_ID)
        .status()
        .map_err(|e| format!("could not run node: {e}"))?;
    drop(server);
    if status.success() {
        Ok(())
    } else {
        Err(format!("the browser test failed ({status})"))
    }
}

fn main() {
    match run() {
        Ok(()) => println!(
            "\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n"
        ),
        Err(e) => {
            println!(
                "{e}\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n"
            );
            std::process::exit(1);
        }
    }
}

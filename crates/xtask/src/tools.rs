//! Installs, idempotently, the tools the other commands need, and says what it does:
//! the wasm32 target, the npm tools pinned in package-lock.json (wrangler, Node 22,
//! esbuild, binaryen's wasm-opt, playwright-core), wasm-bindgen-cli at the version in
//! Cargo.lock, worker-build 0.8, wasm-split-cli, and Debian's chromium for the browser tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, root, run, step};

const WORKER_BUILD_VERSION: &str = "0.8.7";
const OHA_VERSION: &str = "1.16.0";
/// The wasm-split CLI; its split format matches the `wasm_split_helpers` Leptos uses.
const WASM_SPLIT_VERSION: &str = "0.2.4";

#[derive(Debug)]
pub struct Tools {
    pub worker_build: PathBuf,
    pub wasm_bindgen: PathBuf,
    /// Installed with wasm-bindgen-cli; runs wasm-bindgen-test suites in Node.
    pub wasm_bindgen_test_runner: PathBuf,
    /// Splits the admin app at its `#[lazy]` pages (`wasm_split_cli_support`).
    pub wasm_split: PathBuf,
    pub esbuild: PathBuf,
    pub wasm_opt: PathBuf,
    pub chromium: Option<PathBuf>,
}

fn output(cmd: &mut Command) -> Option<String> {
    cmd.output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cargo")
        });
    home.join("bin").join(name)
}

/// The `wasm-bindgen` version that Cargo.lock pins.
pub fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

fn newer(a: &Path, b: &Path) -> bool {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (m(a), m(b)) {
        (Some(x), Some(y)) => x > y,
        _ => true,
    }
}

/// Installs a crate's binary with `cargo install` at an exact version.
fn cargo_install(name: &str, version: &str, extra: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(&cargo)
        .args(["install", name, "--version", &format!("={version}")])
        .args(extra))
}

fn ensure_wasm_target() -> Result<()> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        step("rust target wasm32-unknown-unknown: present");
        Ok(())
    } else {
        step("adding rust target wasm32-unknown-unknown");
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
    }
}

fn ensure_npm_tools() -> Result<()> {
    let lock = root().join("package-lock.json");
    let stamp = root().join("node_modules/.package-lock.json");
    if stamp.exists() && !newer(&lock, &stamp) {
        step("npm tools (package-lock.json): present");
        return Ok(());
    }
    // `npm ci`: exactly the committed lock (which lists every platform's optional packages),
    // never a rewrite of it, so a run leaves the working tree clean.
    step("installing npm tools pinned in package-lock.json (npm ci)");
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))
}

fn ensure_wasm_bindgen() -> Result<PathBuf> {
    let want = locked_wasm_bindgen()?;
    let wasm_bindgen = cargo_bin("wasm-bindgen");
    let have = output(Command::new(&wasm_bindgen).arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        step(&format!("wasm-bindgen-cli {want}: present"));
    } else {
        step(&format!(
            "installing wasm-bindgen-cli {want} (matches Cargo.lock; takes a few minutes)"
        ));
        cargo_install("wasm-bindgen-cli", &want, &[])?;
    }
    Ok(wasm_bindgen)
}

fn ensure_worker_build() -> Result<PathBuf> {
    let worker_build = cargo_bin("worker-build");
    let have = output(Command::new(&worker_build).arg("--version")).unwrap_or_default();
    if have.trim() == WORKER_BUILD_VERSION {
        step(&format!("worker-build {WORKER_BUILD_VERSION}: present"));
    } else {
        step(&format!("installing worker-build {WORKER_BUILD_VERSION}"));
        cargo_install("worker-build", WORKER_BUILD_VERSION, &[])?;
    }
    Ok(worker_build)
}

fn ensure_wasm_split() -> Result<PathBuf> {
    let wasm_split = cargo_bin("wasm-split-cli");
    let stamp = cargo_bin(".wasm-split-cli.version");
    let have = std::fs::read_to_string(&stamp).unwrap_or_default();
    if wasm_split.exists() && have.trim() == WASM_SPLIT_VERSION {
        step(&format!("wasm-split-cli {WASM_SPLIT_VERSION}: present"));
        return Ok(wasm_split);
    }
    step(&format!(
        "installing wasm-split-cli {WASM_SPLIT_VERSION} (wasm_split_cli_support)"
    ));
    cargo_install(
        "wasm_split_cli_support",
        WASM_SPLIT_VERSION,
        &["--features", "build-binary"],
    )?;
    std::fs::write(&stamp, WASM_SPLIT_VERSION).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(wasm_split)
}

impl Tools {
    /// Installs what is missing (each step says whether it was present) and says where
    /// each tool is; Chromium only when `browser`.
    pub fn ensure(browser: bool) -> Result<Tools> {
        ensure_wasm_target()?;
        ensure_npm_tools()?;
        let wasm_bindgen = ensure_wasm_bindgen()?;
        let worker_build = ensure_worker_build()?;
        let wasm_split = ensure_wasm_split()?;
        let chromium = if browser {
            Some(ensure_chromium()?)
        } else {
            None
        };
        Ok(Tools {
            worker_build,
            wasm_bindgen_test_runner: cargo_bin("wasm-bindgen-test-runner"),
            wasm_bindgen,
            wasm_split,
            esbuild: root().join("node_modules/@esbuild/linux-x64/bin/esbuild"),
            wasm_opt: root().join("node_modules/binaryen/bin/wasm-opt"),
            chromium,
        })
    }
}

/// `oha`, the load generator of `cargo xtask bench` (from crates.io; not needed by tests).
pub fn ensure_oha() -> Result<PathBuf> {
    let oha = cargo_bin("oha");
    let have = output(Command::new(&oha).arg("--version")).unwrap_or_default();
    if have.contains(OHA_VERSION) {
        step(&format!("oha {OHA_VERSION}: present"));
    } else {
        step(&format!(
            "installing oha {OHA_VERSION} (the benchmark's load generator; takes a few minutes)"
        ));
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        // --locked: oha's newest dependencies need a newer rustc than the pinned 1.95.
        run(Command::new(&cargo).args([
            "install",
            "oha",
            "--locked",
            "--version",
            &format!("={OHA_VERSION}"),
        ]))?;
    }
    Ok(oha)
}

/// Debian's chromium, and CJK fonts so the Japanese and Chinese screenshots show text.
fn ensure_chromium() -> Result<PathBuf> {
    let path = PathBuf::from("/usr/bin/chromium");
    let fonts = Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
    if path.exists() && fonts.exists() {
        step("chromium and CJK fonts (Debian packages): present");
        return Ok(path);
    }
    step("installing chromium and fonts-noto-cjk from Debian's packages (apt-get)");
    let sudo: &[&str] = if output(Command::new("id").arg("-u"))
        .as_deref()
        .map(str::trim)
        == Some("0")
    {
        &[]
    } else {
        &["sudo"]
    };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut cmd = Command::new(all[0]);
        cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-q"])?;
    apt(&["install", "-y", "-q", "chromium", "fonts-noto-cjk"])?;
    if path.exists() {
        Ok(path)
    } else {
        Err("chromium did not install to /usr/bin/chromium".into())
    }
}

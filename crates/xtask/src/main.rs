//! `cargo xtask <command>`: everything needed to build, run and test Tollgate from a fresh
//! clone, installing the tools it needs on the way (idempotently).
//!
//! * `dev`   — build, run the admin Worker and app on http://localhost:8787 and the
//!   verifier Worker on http://localhost:8788 with
//!   local persisted KV, bootstrap a demo account, print how to sign in and curl lines
//!   (the API, and a leak report signed with a local secret-scanning key).
//! * `test`  — fmt, clippy, unit and property tests, the Worker's integration tests
//!   against `wrangler dev`, and the browser tests of the admin app; ends with a summary.
//! * `build` — the Worker bundle and the static assets.
//! * `package` — the `@tollgate/core` npm package (wasm bindings + the token manager).
//! * `bench` — the benchmarks (not part of `test`); see `bench.rs`.
//! * `fuzz` — the cargo-fuzz targets, each for a bounded time (not part of `test`).

mod bench;
mod builds;
mod dev;
mod fuzz;
mod package;
mod scanning;
mod test;
mod tools;

pub use builds::{
    FIRST_LOAD_BUDGET, VERIFIER_BUDGET, app_parts, build, bundle_size, first_load_files,
    sign_in_files, worker_build,
};

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev::dev(args.iter().any(|a| a == "--reset")),
        Some("test") => test::test(),
        Some("build") => tools::Tools::ensure(false).and_then(|t| build(&t)),
        Some("package") => tools::Tools::ensure(false)
            .and_then(|t| builds::build_web(&t).and_then(|()| package::package(&t))),
        Some("package-test") => package::test_consumer(),
        Some("bench") if args.get(1).is_some_and(|a| a == "--report") => bench::report_only(),
        Some("bench") => bench::bench(),
        Some("fuzz") => fuzz::fuzz(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60)),
        Some("setup") => tools::Tools::ensure(true).map(|_| ()),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  dev [--reset]  build and run Tollgate locally (admin :8787, verifier API :8788)\n  test           run every check and test suite\n  build          build the Worker bundle and the static assets\n  package        build the @tollgate/core npm package into target/npm/tollgate-core\n  bench          measure the edge, rejections, CPU, scale and weight (bench/results/)\n  bench --report write bench/results/latest.md again from latest.json\n  fuzz [seconds] run each cargo-fuzz target for a bounded time (default 60 s each)\n  setup          install the tools the other commands need"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of `crates/`).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or(here)
}

pub fn step(msg: &str) {
    println!("==> {msg}");
}

/// Runs a command (in the repository root unless it names a directory), streaming its
/// output; fails on non-zero exit.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}").replace('"', "");
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Where cargo puts its builds (one shared `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"))
}

/// Optimises a wasm file in place for size.
pub fn wasm_opt(t: &tools::Tools, wasm: &Path) -> Result<()> {
    run(Command::new(&t.wasm_opt)
        .arg(wasm)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
            "--enable-mutable-globals",
            // No function names or producer notes in what ships.
            "--strip-debug",
            "--strip-producers",
            "-o",
        ])
        .arg(wasm))
}

/// Size of a file after `gzip -9`.
pub fn gzipped_size(path: &Path) -> Result<u64> {
    let out = Command::new("gzip")
        .arg("-9")
        .arg("-c")
        .arg(path)
        .output()
        .map_err(|e| format!("gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip {} failed", path.display()));
    }
    Ok(out.stdout.len() as u64)
}

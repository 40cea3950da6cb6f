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
mod fuzz;
mod package;
mod scanning;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

pub type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev(args.iter().any(|a| a == "--reset")),
        Some("test") => test(),
        Some("build") => tools::Tools::ensure(false).and_then(|t| build(&t)),
        Some("package") => tools::Tools::ensure(false)
            .and_then(|t| build_web(&t).and_then(|()| package::package(&t))),
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

/// The verifier Worker's bundle may not be larger than this, gzipped.
pub const VERIFIER_BUDGET: u64 = 150 * 1024;
/// What the browser fetches before the admin app shows the token list may not be larger
/// than this, gzipped.
pub const FIRST_LOAD_BUDGET: u64 = 300 * 1024;

/// Builds both Workers (worker-build, release) and the static assets.
pub fn build(t: &tools::Tools) -> Result<()> {
    step("building the admin Worker (worker/admin/, worker-build --release)");
    worker_build(t, &root().join("worker/admin"))?;
    wasm_opt(t, &root().join("worker/admin/build/index_bg.wasm"))?;
    step("building the verifier Worker (worker/verifier/, worker-build --release)");
    let verifier = root().join("worker/verifier");
    worker_build(t, &verifier)?;
    wasm_opt(t, &verifier.join("build/index_bg.wasm"))?;
    let size = bundle_size(&verifier.join("build"))?;
    step(&format!(
        "verifier bundle: {:.1} KiB gzipped (budget {} KiB)",
        size as f64 / 1024.0,
        VERIFIER_BUDGET / 1024
    ));
    if size > VERIFIER_BUDGET {
        return Err(format!(
            "the verifier bundle is {size} bytes gzipped, over its budget of {VERIFIER_BUDGET}"
        ));
    }
    build_web(t)
}

/// Runs worker-build in a Worker crate's directory.
pub fn worker_build(t: &tools::Tools, dir: &Path) -> Result<()> {
    let mut cmd = Command::new(&t.worker_build);
    cmd.arg("--release")
        .env("WASM_BINDGEN_BIN", &t.wasm_bindgen)
        .env("ESBUILD_BIN", &t.esbuild)
        .env("WASM_OPT_BIN", &t.wasm_opt)
        .current_dir(dir);
    let status = cmd
        .status()
        .map_err(|e| format!("could not start worker-build: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("worker-build failed in {}", dir.display()))
    }
}

/// A Worker bundle's size: every file worker-build wrote, each gzipped.
pub fn bundle_size(build: &Path) -> Result<u64> {
    let mut total = 0;
    for f in tollgate_tests::files_below(build) {
        if f.extension()
            .is_some_and(|e| e == "js" || e == "wasm" || e == "mjs")
        {
            total += gzipped_size(&f)?;
        }
    }
    Ok(total)
}

/// Builds the admin app: cargo (wasm32, profile web, with relocations) → wasm-split (the
/// pages behind `#[lazy]` into parts of their own) → wasm-bindgen → wasm-opt → web/dist.
fn build_web(t: &tools::Tools) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    step("building the admin app (tollgate-web, wasm32, profile web: release with opt-level z)");
    run(Command::new(&cargo)
        .args([
            "build",
            "-p",
            "tollgate-web",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "web",
        ])
        // The config's flags for every wasm build, and the relocations wasm-split reads.
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "--cfg erase_components -Clink-args=--emit-relocs",
        ))?;
    let dist = root().join("web/dist");
    let pkg = dist.join("pkg");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&pkg).map_err(|e| format!("web/dist: {e}"))?;
    let wasm = target_dir().join("wasm32-unknown-unknown/web/tollgate_web.wasm");
    step("wasm-split (each lazily loaded page into a part of its own)");
    run(Command::new(&t.wasm_split).arg(&wasm).arg(&pkg).args([
        "--out-name",
        "tollgate_web",
        "--target",
        "web",
    ]))?;
    let split_main = pkg.join("tollgate_web.wasm");
    step("wasm-bindgen --target web");
    run(Command::new(&t.wasm_bindgen)
        .arg(&split_main)
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--keep-lld-exports",
            "--out-dir",
        ])
        .arg(&pkg))?;
    std::fs::remove_file(&split_main).map_err(|e| format!("{}: {e}", split_main.display()))?;
    step("wasm-opt -Oz (the app and each part)");
    let parts = app_parts(&pkg)?;
    for part in &parts {
        wasm_opt(t, part)?;
    }
    for entry in std::fs::read_dir(root().join("web/static")).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        std::fs::copy(entry.path(), dist.join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    step("esbuild --minify (the stylesheet)");
    let css = dist.join("style.css");
    run(Command::new(&t.esbuild)
        .arg(&css)
        .args(["--minify", "--allow-overwrite", "--log-level=warning"])
        .arg(format!("--outfile={}", css.display())))?;
    // The embedded token manager links the stylesheet from beside its wasm.
    std::fs::copy(&css, pkg.join("style.css")).map_err(|e| format!("pkg/style.css: {e}"))?;
    let tables = write_locale_tables(&pkg)?;
    let bg = pkg.join("tollgate_web_bg.wasm");
    let first_load = first_load_files(&dist);
    let mut total = 0;
    for f in &first_load {
        total += gzipped_size(f)?;
    }
    let mut later = 0;
    for part in parts.iter().filter(|p| **p != bg) {
        later += gzipped_size(part)?;
    }
    step(&format!(
        "admin app first load: {:.1} KiB gzipped (wasm {:.1} KiB; budget {} KiB); the other pages' parts, loaded when opened: {:.1} KiB",
        total as f64 / 1024.0,
        gzipped_size(&first_load[0])? as f64 / 1024.0,
        FIRST_LOAD_BUDGET / 1024,
        later as f64 / 1024.0,
    ));
    let mut fetched = Vec::new();
    for t in &tables {
        let name = t
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        fetched.push(format!(
            "{name} {:.1} KiB",
            gzipped_size(t)? as f64 / 1024.0
        ));
    }
    step(&format!(
        "translations fetched when that language is chosen (English is built in): {}",
        fetched.join(", ")
    ));
    if total > FIRST_LOAD_BUDGET {
        return Err(format!(
            "the admin app's first load is {total} bytes gzipped, over its budget of {FIRST_LOAD_BUDGET}"
        ));
    }
    Ok(())
}

/// Writes the Japanese and Chinese translation tables, minified, beside the app's wasm
/// (the app fetches the one it needs; English is built in). Returns the files.
fn write_locale_tables(pkg: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for name in ["ja", "zh"] {
        let source = root().join(format!("web/locales/{name}.json"));
        let text =
            std::fs::read_to_string(&source).map_err(|e| format!("{}: {e}", source.display()))?;
        let table: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", source.display()))?;
        let out = pkg.join(format!("{name}.json"));
        let minified = serde_json::to_string(&table).map_err(|e| e.to_string())?;
        std::fs::write(&out, minified).map_err(|e| format!("{}: {e}", out.display()))?;
        written.push(out);
    }
    Ok(written)
}

/// What the browser fetches before the admin app shows the token list: the page, its
/// script and stylesheet, the wasm-bindgen glue, the split loader it imports, the first-load
/// wasm (the wasm first, for the size report).
pub fn first_load_files(dist: &Path) -> [PathBuf; 6] {
    let pkg = dist.join("pkg");
    [
        pkg.join("tollgate_web_bg.wasm"),
        pkg.join("tollgate_web.js"),
        pkg.join("__wasm_split.js"),
        dist.join("boot.js"),
        dist.join("style.css"),
        dist.join("index.html"),
    ]
}

/// The admin app's wasm files: the first-load module and the parts of the other pages.
pub fn app_parts(pkg: &Path) -> Result<Vec<PathBuf>> {
    let mut parts: Vec<PathBuf> = std::fs::read_dir(pkg)
        .map_err(|e| format!("{}: {e}", pkg.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    parts.sort();
    Ok(parts)
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

fn dev(reset: bool) -> Result<()> {
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

fn test() -> Result<()> {
    let started = Instant::now();
    let mut summary: Vec<(String, Result<()>)> = Vec::new();
    let t = tools::Tools::ensure(true)?;
    let _ = &t.chromium;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());

    fn stage(
        summary: &mut Vec<(String, Result<()>)>,
        name: &str,
        f: &mut dyn FnMut() -> Result<()>,
    ) {
        step(name);
        let r = f();
        if let Err(e) = &r {
            eprintln!("    FAILED: {e}");
        }
        summary.push((name.to_owned(), r));
    }

    stage(&mut summary, "cargo fmt --check", &mut || {
        run(Command::new(&cargo).args(["fmt", "--all", "--", "--check"]))
    });
    stage(&mut summary, "clippy -D warnings (native)", &mut || {
        run(Command::new(&cargo).args([
            "clippy",
            "--workspace",
            "--exclude",
            "tollgate-admin",
            "--exclude",
            "tollgate-verifier",
            "--exclude",
            "tollgate-bench-noop",
            "--all-targets",
            "--features",
            "tollgate-core/typescript,tollgate-wasm/typescript",
            "--",
            "-D",
            "warnings",
        ]))
    });
    stage(
        &mut summary,
        "clippy -D warnings (wasm32: core, both Workers, admin app, wasm package)",
        &mut || {
            run(Command::new(&cargo).args([
                "clippy",
                "-p",
                "tollgate-core",
                "-p",
                "tollgate-admin",
                "-p",
                "tollgate-verifier",
                "-p",
                "tollgate-web",
                "-p",
                "tollgate-wasm",
                "-p",
                "tollgate-bench-noop",
                "-p",
                "tollgate-bench-verify-wasm",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]))
            .and_then(|()| {
                // The wasm-bindgen-test suite only exists on wasm32.
                run(Command::new(&cargo).args([
                    "clippy",
                    "-p",
                    "tollgate-wasm",
                    "--tests",
                    "--target",
                    "wasm32-unknown-unknown",
                    "--",
                    "-D",
                    "warnings",
                ]))
            })
        },
    );
    stage(
        &mut summary,
        "unit, property and vector tests (tollgate-core incl. typescript, tollgate-web, xtask)",
        &mut || {
            run(Command::new(&cargo).args([
                "test",
                "-p",
                "tollgate-core",
                "--features",
                "tollgate-core/typescript",
                "-p",
                "tollgate-web",
                "-p",
                "xtask",
            ]))
        },
    );
    stage(&mut summary, "architecture invariants", &mut || {
        run(Command::new(&cargo).args(["test", "-p", "tollgate-tests", "--test", "architecture"]))
    });
    stage(
        &mut summary,
        "wasm bindings under wasm-bindgen-test (Node)",
        &mut || {
            run(Command::new(&cargo)
                .args([
                    "test",
                    "-p",
                    "tollgate-wasm",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .env(
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    &t.wasm_bindgen_test_runner,
                ))
        },
    );
    stage(
        &mut summary,
        "build (both Workers, the verifier's 150 KiB budget, assets, npm package)",
        &mut || build(&t).and_then(|()| package::package(&t)),
    );
    if summary.last().is_some_and(|(_, r)| r.is_ok()) {
        stage(
            &mut summary,
            "npm package as a consumer uses it (Node 20 and 22, tsc --strict)",
            &mut || package::test_consumer(),
        );
        stage(
            &mut summary,
            "integration tests against wrangler dev",
            &mut || {
                run(Command::new(&cargo).args(["test", "-p", "tollgate-tests", "--test", "worker"]))
            },
        );
        stage(
            &mut summary,
            "consistency tests against wrangler dev (races, If-Match, retries, crash, import)",
            &mut || {
                run(Command::new(&cargo).args([
                    "test",
                    "-p",
                    "tollgate-tests",
                    "--test",
                    "consistency",
                ]))
            },
        );
        stage(
            &mut summary,
            "edge verifier against wrangler dev (two Workers, revocation bound, fail-safe)",
            &mut || {
                run(Command::new(&cargo).args(["test", "-p", "tollgate-tests", "--test", "edge"]))
            },
        );
        stage(
            &mut summary,
            "leaked tokens and notifications against wrangler dev (signed reports, Queue, dead letters)",
            &mut || {
                run(Command::new(&cargo).args(["test", "-p", "tollgate-tests", "--test", "leaks"]))
            },
        );
        stage(
            &mut summary,
            "browser tests (headless chromium, playwright-core)",
            &mut || {
                run(Command::new(&cargo).args([
                    "test",
                    "-p",
                    "tollgate-tests",
                    "--test",
                    "browser",
                ]))
            },
        );
    }

    println!(
        "\n==== summary ({:.0} s) ====",
        started.elapsed().as_secs_f64()
    );
    let mut failed = 0;
    for (name, r) in &summary {
        match r {
            Ok(()) => println!("  ok      {name}"),
            Err(e) => {
                failed += 1;
                println!("  FAILED  {name}: {e}");
            }
        }
    }
    if failed == 0 {
        println!("{} passed, 0 failed", summary.len());
        Ok(())
    } else {
        Err(format!("{failed} of {} stages failed", summary.len()))
    }
}

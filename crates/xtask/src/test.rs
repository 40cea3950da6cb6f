//! `cargo xtask test`: every check and suite as a stage, each timed; the summary lists each
//! stage's time and the total. The budget: a fresh clone (tools installed) under 30 minutes
//! on a 2-core machine (README, "Tests and their time").

use std::process::Command;
use std::time::{Duration, Instant};

use crate::{Result, build, package, run, step, tools};

/// The clippy flags every stage shares.
const DENY: [&str; 3] = ["--", "-D", "warnings"];

/// One stage: what it says and what it runs.
struct Stage {
    name: &'static str,
    run: Box<dyn Fn() -> Result<()>>,
    /// Runs only when the build stage passed (it needs the built Workers or the package).
    needs_build: bool,
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn stage(name: &'static str, run: impl Fn() -> Result<()> + 'static) -> Stage {
    Stage {
        name,
        run: Box::new(run),
        needs_build: false,
    }
}

fn after_build(name: &'static str, run: impl Fn() -> Result<()> + 'static) -> Stage {
    Stage {
        needs_build: true,
        ..stage(name, run)
    }
}

/// A suite of `tests/` (a test binary of its own).
fn suite(name: &'static str) -> Result<()> {
    run(cargo().args(["test", "-p", "tollgate-tests", "--test", name]))
}

/// The checks: formatting, both clippy passes, the unit tests and the invariants.
fn checks() -> Vec<Stage> {
    vec![
        stage("cargo fmt --check", || {
            run(cargo().args(["fmt", "--all", "--", "--check"]))
        }),
        stage("clippy -D warnings (native)", || {
            run(cargo()
                .args(["clippy", "--workspace", "--all-targets"])
                .args([
                    "--exclude",
                    "tollgate-admin",
                    "--exclude",
                    "tollgate-verifier",
                ])
                .args(["--exclude", "tollgate-bench-noop"])
                .args([
                    "--features",
                    "tollgate-core/typescript,tollgate-wasm/typescript",
                ])
                .args(DENY))
        }),
        stage(
            "clippy -D warnings (wasm32: core, both Workers, admin app, wasm package)",
            || {
                run(cargo()
                    .args(["clippy", "--target", "wasm32-unknown-unknown"])
                    .args([
                        "-p",
                        "tollgate-core",
                        "-p",
                        "tollgate-admin",
                        "-p",
                        "tollgate-verifier",
                    ])
                    .args([
                        "-p",
                        "tollgate-web",
                        "-p",
                        "tollgate-wasm",
                        "-p",
                        "tollgate-bench-noop",
                    ])
                    .args(["-p", "tollgate-bench-verify-wasm"])
                    .args(DENY))?;
                // The wasm-bindgen-test suite only exists on wasm32.
                run(cargo()
                    .args(["clippy", "-p", "tollgate-wasm", "--tests"])
                    .args(["--target", "wasm32-unknown-unknown"])
                    .args(DENY))
            },
        ),
        stage(
            "unit, property, vector and sequence tests (core incl. typescript, admin app, xtask)",
            || {
                run(cargo()
                    .args([
                        "test",
                        "-p",
                        "tollgate-core",
                        "--features",
                        "tollgate-core/typescript",
                    ])
                    .args(["-p", "tollgate-web", "-p", "xtask"]))
            },
        ),
        stage(
            "architecture invariants (dependencies, module cycles, file and function sizes)",
            || suite("architecture"),
        ),
    ]
}

/// Every stage, in order.
fn stages(t: &'static tools::Tools) -> Vec<Stage> {
    let mut all = checks();
    all.extend([
        stage("wasm bindings under wasm-bindgen-test (Node)", || {
            run(cargo()
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
        }),
        stage(
            "build (both Workers within their budgets, the admin app, the npm package)",
            || build(t).and_then(|()| package::package(t)),
        ),
        after_build(
            "npm package as a consumer uses it (Node 20 and 22, tsc --strict)",
            package::test_consumer,
        ),
        after_build("integration suite against wrangler dev", || suite("worker")),
        after_build(
            "consistency suite (races, If-Match, retries, crash, import)",
            || suite("consistency"),
        ),
        after_build(
            "edge suite (two Workers, revocation bound, policies, fail-safe)",
            || suite("edge"),
        ),
        after_build(
            "leaks suite (signed reports, the Queue, dead letters)",
            || suite("leaks"),
        ),
        after_build("browser suite (headless chromium, playwright-core)", || {
            suite("browser")
        }),
    ]);
    all
}

/// How a stage ended and how long it took.
struct Done {
    name: &'static str,
    result: Result<()>,
    took: Duration,
}

pub fn test() -> Result<()> {
    let started = Instant::now();
    let tools: &'static tools::Tools = Box::leak(Box::new(tools::Tools::ensure(true)?));
    let setup = started.elapsed();
    let all = stages(tools);
    let count = all.len();
    let mut done: Vec<Done> = Vec::new();
    let mut built = true;
    for (n, s) in all.into_iter().enumerate() {
        if s.needs_build && !built {
            continue;
        }
        step(&format!("[{}/{count}] {}", n + 1, s.name));
        let t = Instant::now();
        let result = (s.run)();
        let took = t.elapsed();
        match &result {
            Ok(()) => println!("    ok in {:.0} s: {}", took.as_secs_f64(), s.name),
            Err(e) => eprintln!("    FAILED in {:.0} s: {e}", took.as_secs_f64()),
        }
        if s.name.starts_with("build") {
            built = result.is_ok();
        }
        done.push(Done {
            name: s.name,
            result,
            took,
        });
    }
    summary(&done, setup, started.elapsed())
}

/// Each stage's outcome and time, the tools' setup and the total; fails when a stage did.
fn summary(done: &[Done], setup: Duration, total: Duration) -> Result<()> {
    let secs = |d: Duration| d.as_secs_f64();
    println!(
        "\n==== summary: {:.0} s in all ({:.1} min) ====",
        secs(total),
        secs(total) / 60.0
    );
    println!("  {:>6.0} s  tools (installed when missing)", secs(setup));
    let mut failed = 0;
    for d in done {
        match &d.result {
            Ok(()) => println!("  {:>6.0} s  ok      {}", secs(d.took), d.name),
            Err(e) => {
                failed += 1;
                println!("  {:>6.0} s  FAILED  {}: {e}", secs(d.took), d.name);
            }
        }
    }
    if failed == 0 {
        println!("{} passed, 0 failed", done.len());
        Ok(())
    } else {
        Err(format!("{failed} of {} stages failed", done.len()))
    }
}

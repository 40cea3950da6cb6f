//! `cargo xtask fuzz [seconds]`: runs each cargo-fuzz target (nightly, libFuzzer) for a
//! bounded time, starting from the seed corpus in `fuzz/corpus/` (copied, so the repository
//! keeps only the seeds), and reports executions per target. A crash is copied to
//! `fuzz/regressions/<target>-<name>`, which the normal test run replays
//! (`crates/tollgate-core/tests/fuzz_corpus.rs`).

use std::path::Path;
use std::process::Command;

use crate::{Result, root, run, step, target_dir};

const TARGETS: [&str; 3] = ["basic_auth", "credentials", "api_json"];
const CARGO_FUZZ_VERSION: &str = "0.13.2";

fn ensure_cargo_fuzz() -> Result<()> {
    let have = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    if have.is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(CARGO_FUZZ_VERSION)) {
        step(&format!("cargo-fuzz {CARGO_FUZZ_VERSION}: present"));
        return Ok(());
    }
    step(&format!("installing cargo-fuzz {CARGO_FUZZ_VERSION}"));
    run(Command::new("cargo").args([
        "install",
        "cargo-fuzz",
        "--locked",
        "--version",
        &format!("={CARGO_FUZZ_VERSION}"),
    ]))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, to.join(name)).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

pub fn fuzz(seconds: u64) -> Result<()> {
    ensure_cargo_fuzz()?;
    let mut total = 0u64;
    let mut lines = Vec::new();
    for target in TARGETS {
        step(&format!(
            "fuzzing {target} for {seconds} s (libFuzzer, nightly)"
        ));
        let corpus = target_dir().join("fuzz-corpus").join(target);
        copy_dir(&root().join("fuzz/corpus").join(target), &corpus)?;
        let artifacts = target_dir().join("fuzz-artifacts").join(target);
        let _ = std::fs::remove_dir_all(&artifacts);
        std::fs::create_dir_all(&artifacts).map_err(|e| e.to_string())?;
        let out = Command::new("cargo")
            .args(["+nightly", "fuzz", "run", "--fuzz-dir", "fuzz", target])
            .arg(&corpus)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .current_dir(root())
            .env("CARGO_TARGET_DIR", target_dir().join("fuzz"))
            .output()
            .map_err(|e| format!("could not run cargo fuzz: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        // libFuzzer ends with "Done N runs in S second(s)".
        let runs = log.lines().rev().find_map(|l| {
            l.strip_prefix("Done ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse::<u64>().ok())
        });
        let crashes: Vec<_> = std::fs::read_dir(&artifacts)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        for crash in &crashes {
            if let Some(name) = crash.file_name() {
                let keep = root()
                    .join("fuzz/regressions")
                    .join(format!("{target}-{}", name.to_string_lossy()));
                std::fs::copy(crash, &keep).map_err(|e| e.to_string())?;
                println!("    crash kept as {}", keep.display());
            }
        }
        if !out.status.success() || runs.is_none() {
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            return Err(format!(
                "{target}: the fuzzer stopped ({}); {} crash file(s); last output:\n{}",
                out.status,
                crashes.len(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        let runs = runs.unwrap_or(0);
        total += runs;
        lines.push(format!("  {target:<12} {runs:>10} executions, 0 crashes"));
    }
    println!(
        "\n==== fuzz summary ====\n{}\n  {:<12} {total:>10} executions",
        lines.join("\n"),
        "total"
    );
    Ok(())
}

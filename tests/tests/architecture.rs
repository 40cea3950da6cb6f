//! The dependency invariant of ARCHITECTURE.md: the core has no I/O, no platform and no
//! DOM dependencies, on any target.

use std::process::Command;

use tollgate_tests::source::{cycles, functions, module_graph, rust_files};

fn tree(target: Option<&str>) -> String {
    tree_of("tollgate-core", target)
}

fn tree_of(package: &str, target: Option<&str>) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["tree", "-p", package, "-e", "normal", "--prefix", "none"])
        .current_dir(tollgate_tests::root());
    if let Some(t) = target {
        cmd.args(["--target", t]);
    }
    let out = cmd.output().expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_core_depends_on_no_platform_crate() {
    for target in [None, Some("wasm32-unknown-unknown")] {
        let t = tree(target);
        assert!(t.contains("tollgate-core"), "{t}");
        for banned in [
            "worker",
            "web-sys",
            "js-sys",
            "leptos",
            "getrandom",
            "wasm-bindgen",
            "rand",
            "tokio",
            "ureq",
        ] {
            assert!(
                !t.lines()
                    .any(|l| l.split_whitespace().next() == Some(banned)),
                "tollgate-core must not depend on {banned} ({target:?}):\n{t}"
            );
        }
    }
}

/// The verifier carries nothing verification does not need: no password hashing, no
/// encryption, no randomness, no admin Worker.
#[test]
fn the_verifier_carries_no_admin_code() {
    let t = tree_of("tollgate-verifier", Some("wasm32-unknown-unknown"));
    assert!(t.contains("tollgate-core"), "{t}");
    for banned in ["argon2", "aes-gcm", "getrandom", "tollgate-admin"] {
        assert!(
            !t.lines()
                .any(|l| l.split_whitespace().next() == Some(banned)),
            "the verifier must not depend on {banned}:\n{t}"
        );
    }
    let config =
        std::fs::read_to_string(tollgate_tests::root().join("worker/verifier/wrangler.toml"))
            .expect("config");
    for banned in [
        "[assets]",
        "TOKEN_ENCRYPTION_KEY =",
        "SETUP_SECRET =",
        "AccountObject",
    ] {
        assert!(
            !config.contains(banned),
            "the verifier's config binds {banned}"
        );
    }
}

#[test]
fn only_the_worker_touches_kv() {
    let root = tollgate_tests::root();
    let core = std::fs::read_to_string(root.join("crates/tollgate-core/Cargo.toml"))
        .expect("core manifest");
    assert!(
        !core.contains("worker"),
        "the core's manifest names no worker crate"
    );
    for file in rust_files(&root.join("crates/tollgate-core/src")) {
        let text = std::fs::read_to_string(&file).expect("readable");
        for banned in [
            "std::fs",
            "std::net",
            "std::time::SystemTime",
            "Instant::now",
            "thread_rng",
        ] {
            assert!(!text.contains(banned), "{} uses {banned}", file.display());
        }
    }
}

/// Where our Rust sources are (the fuzz targets and the tests' own cases aside).
const SOURCES: [&str; 5] = [
    "crates",
    "worker/admin/src",
    "worker/verifier/src",
    "web/src",
    "tests/src",
];

/// Files of one concern: no Rust source of ours grows past 600 lines (split it by concern
/// before it does).
#[test]
fn no_source_file_passes_600_lines() {
    let root = tollgate_tests::root();
    let mut long = Vec::new();
    for dir in SOURCES.iter().chain(&["tests/tests"]) {
        for file in rust_files(&root.join(dir)) {
            let lines = std::fs::read_to_string(&file)
                .expect("readable")
                .lines()
                .count();
            if lines > 600 {
                long.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these by concern: {long:?}");
}

/// No function of ours (outside tests) is longer than 80 lines: split it into functions
/// that each say what they do.
#[test]
fn no_function_passes_80_lines() {
    let root = tollgate_tests::root();
    let mut long = Vec::new();
    for dir in SOURCES {
        for file in rust_files(&root.join(dir)) {
            let in_tests = file
                .components()
                .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches")))
                && !file.starts_with(root.join("tests/src"));
            if in_tests || file.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("readable");
            for f in functions(&text).into_iter().filter(|f| f.lines > 80) {
                let rel = file
                    .strip_prefix(&root)
                    .unwrap_or(&file)
                    .display()
                    .to_string();
                long.push(format!("{rel}:{} {} ({} lines)", f.line, f.name, f.lines));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these functions:\n{}",
        long.join("\n")
    );
}

/// The core's modules form no circle: wire types depend on domain types, leaves on nothing
/// of the core, and every module can be read (and changed) without the ones that use it.
#[test]
fn the_core_has_no_module_cycle() {
    let graph = module_graph(&tollgate_tests::root().join("crates/tollgate-core/src"));
    assert!(
        graph.len() > 20,
        "the core's modules were not found: {graph:?}"
    );
    assert!(
        graph["api"].contains("token") && graph["token"].contains("account"),
        "the graph misses uses it should see: {graph:?}"
    );
    let circles = cycles(&graph);
    assert!(
        circles.is_empty(),
        "modules of the core use each other in a circle: {circles:?}"
    );
}

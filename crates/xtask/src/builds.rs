//! `cargo xtask build`: both Workers' bundles (worker-build, release, wasm-opt) within their
//! budgets, and the admin app (split, bound, optimised) with the weight of what a browser
//! fetches to show its sign-in page.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, gzipped_size, root, run, step, target_dir, tools, wasm_opt};

/// The verifier Worker's bundle may not be larger than this, gzipped.
pub const VERIFIER_BUDGET: u64 = 150 * 1024;
/// What a browser fetches to show the admin app's sign-in page (every JS, wasm, CSS and HTML
/// file, lazily loaded parts included) may not be larger than this, gzipped.
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
/// pages behind `#[lazy]` into parts of their own) → wasm-bindgen → wasm-opt → web/dist; then
/// reports (and holds to its budget) what a browser fetches to show the sign-in page.
pub fn build_web(t: &tools::Tools) -> Result<()> {
    compile_app()?;
    let dist = root().join("web/dist");
    let pkg = dist.join("pkg");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&pkg).map_err(|e| format!("web/dist: {e}"))?;
    split_and_bind(t, &pkg)?;
    step("wasm-opt -Oz (the app and each part)");
    let parts = app_parts(&pkg)?;
    for part in &parts {
        wasm_opt(t, part)?;
    }
    static_files(t, &dist)?;
    let tables = write_locale_tables(&pkg)?;
    report_weight(&dist, &parts, &tables)
}

/// cargo build of the app for wasm32 (profile web: release with opt-level z).
fn compile_app() -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    step("building the admin app (tollgate-web, wasm32, profile web: release with opt-level z)");
    run(Command::new(&cargo)
        .args([
            "build",
            "-p",
            "tollgate-web",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(["--profile", "web"])
        // The config's flags for every wasm build, and the relocations wasm-split reads.
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "--cfg erase_components -Clink-args=--emit-relocs",
        ))
}

/// wasm-split (each lazily loaded page into a part) and wasm-bindgen on the first-load module.
fn split_and_bind(t: &tools::Tools, pkg: &Path) -> Result<()> {
    let wasm = target_dir().join("wasm32-unknown-unknown/web/tollgate_web.wasm");
    step("wasm-split (each lazily loaded page into a part of its own)");
    run(Command::new(&t.wasm_split).arg(&wasm).arg(pkg).args([
        "--out-name",
        "tollgate_web",
        "--target",
        "web",
    ]))?;
    let split_main = pkg.join("tollgate_web.wasm");
    step("wasm-bindgen --target web");
    run(Command::new(&t.wasm_bindgen)
        .arg(&split_main)
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
        .arg("--out-dir")
        .arg(pkg))?;
    std::fs::remove_file(&split_main).map_err(|e| format!("{}: {e}", split_main.display()))
}

/// The page, its script and the stylesheet (minified by esbuild; a copy beside the wasm for
/// the embedded token manager, which links it from there).
fn static_files(t: &tools::Tools, dist: &Path) -> Result<()> {
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
    let copy = dist.join("pkg/style.css");
    std::fs::copy(&css, copy).map_err(|e| format!("pkg/style.css: {e}"))?;
    Ok(())
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

/// Says what a browser fetches to show the sign-in page (held to [`FIRST_LOAD_BUDGET`]), what
/// the other pages' parts weigh and what each fetched translation weighs.
fn report_weight(dist: &Path, parts: &[PathBuf], tables: &[PathBuf]) -> Result<()> {
    let sign_in = sign_in_files(dist)?;
    let mut total = 0;
    for f in &sign_in {
        total += gzipped_size(f)?;
    }
    let mut later = 0;
    for part in parts.iter().filter(|p| !sign_in.contains(p)) {
        later += gzipped_size(part)?;
    }
    let wasm = gzipped_size(&dist.join("pkg/tollgate_web_bg.wasm"))?;
    step(&format!(
        "admin app, everything a browser fetches to show the sign-in page: {:.1} KiB gzipped in {} files (first-load wasm {:.1} KiB; budget {} KiB); the other pages' parts, loaded when opened: {:.1} KiB",
        kib(total),
        sign_in.len(),
        kib(wasm),
        FIRST_LOAD_BUDGET / 1024,
        kib(later),
    ));
    let mut fetched = Vec::new();
    for t in tables {
        let name = t.file_name().map(|n| n.to_string_lossy().into_owned());
        let size = kib(gzipped_size(t)?);
        fetched.push(format!("{} {size:.1} KiB", name.unwrap_or_default()));
    }
    step(&format!(
        "translations fetched when that language is chosen (English is built in): {}",
        fetched.join(", ")
    ));
    if total > FIRST_LOAD_BUDGET {
        return Err(format!(
            "the admin app's sign-in page needs {total} bytes gzipped, over its budget of {FIRST_LOAD_BUDGET}"
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

/// What the browser fetches before the admin app runs: the page, its script and stylesheet,
/// the wasm-bindgen glue, the split loader it imports, the first-load wasm.
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

/// Everything a browser fetches to show the sign-in page: the first load and, should the
/// sign-in page be a lazily loaded part, that part and every chunk it needs (as the split
/// loader, `__wasm_split.js`, lists them).
pub fn sign_in_files(dist: &Path) -> Result<Vec<PathBuf>> {
    let pkg = dist.join("pkg");
    let loader = std::fs::read_to_string(pkg.join("__wasm_split.js"))
        .map_err(|e| format!("__wasm_split.js: {e}"))?;
    let mut files: Vec<PathBuf> = first_load_files(dist).to_vec();
    for name in split_needs(&loader, "__wasm_split_load_login_") {
        files.push(pkg.join(name));
    }
    Ok(files)
}

/// The wasm files the loader whose name starts with `prefix` fetches, with every chunk it
/// needs (transitively). The loader declares each as `const NAME = makeLoad(() => { … fetch(new
/// URL("./FILE", …)) … }, [DEPS]);`.
fn split_needs(loader: &str, prefix: &str) -> Vec<String> {
    let mut loaders = std::collections::BTreeMap::new();
    for block in loader.split("const ").skip(1) {
        let name = block
            .split([' ', '='])
            .next()
            .unwrap_or_default()
            .to_owned();
        let file = block
            .split("new URL(\"./")
            .nth(1)
            .and_then(|r| r.split('"').next());
        let deps: Vec<String> = block
            .rsplit_once(", [")
            .and_then(|(_, d)| d.split(']').next())
            .map(|d| d.split(',').map(|x| x.trim().to_owned()).collect())
            .unwrap_or_default();
        if let Some(file) = file {
            let deps: Vec<String> = deps.into_iter().filter(|x| !x.is_empty()).collect();
            loaders.insert(name, (file.to_owned(), deps));
        }
    }
    let mut todo: Vec<String> = loaders
        .keys()
        .filter(|n| n.starts_with(prefix))
        .cloned()
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    while let Some(n) = todo.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        if let Some((file, deps)) = loaders.get(&n) {
            out.push(file.clone());
            todo.extend(deps.iter().cloned());
        }
    }
    out
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

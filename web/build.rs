//! Minifies the translation tables (`locales/*.json`) into `OUT_DIR`, where `i18n.rs`
//! includes them: the app carries the strings, not the files' indentation.

use std::path::Path;

fn main() {
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    for name in ["en", "ja", "zh"] {
        let source = format!("locales/{name}.json");
        println!("cargo:rerun-if-changed={source}");
        let text = std::fs::read_to_string(&source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let table: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{source} is not a JSON object: {e}"));
        let minified = serde_json::to_string(&table).unwrap_or_else(|e| panic!("{source}: {e}"));
        std::fs::write(Path::new(&out).join(format!("{name}.json")), minified)
            .unwrap_or_else(|e| panic!("{out}/{name}.json: {e}"));
    }
}

//! Replays the fuzz seed corpus (`fuzz/corpus/`) and every input that ever crashed a fuzz
//! target (`fuzz/regressions/<target>-*`) through the fuzz targets' properties, so the
//! normal test run keeps them fixed. The properties are the same as in `fuzz/fuzz_targets/`.

use std::path::{Path, PathBuf};

use tollgate_core::api::{
    AccountPatch, LoginRequest, NewUser, ResetRequest, SetupRequest, TokenDraft, TokenEdit,
    UpgradeRequest, UserPatch,
};
use tollgate_core::authorization::{encode_basic, parse_basic};
use tollgate_core::credential::{AccountSid, AuthToken};
use tollgate_core::filter::TokenFilter;
use tollgate_core::verify::screen;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every input for `target`: its seed corpus and its regressions.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(dir) = std::fs::read_dir(fuzz_dir().join("corpus").join(target)) {
        out.extend(dir.filter_map(Result::ok).map(|e| e.path()));
    }
    if let Ok(dir) = std::fs::read_dir(fuzz_dir().join("regressions")) {
        out.extend(dir.filter_map(Result::ok).map(|e| e.path()).filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{target}-")))
        }));
    }
    out.into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).expect("readable")))
        .collect()
}

#[test]
fn basic_auth_inputs() {
    let all = inputs("basic_auth");
    assert!(all.len() >= 10, "the seed corpus is missing");
    for (path, data) in all {
        let Ok(header) = std::str::from_utf8(&data) else {
            continue;
        };
        match parse_basic(header) {
            Ok(c) => {
                assert!(!c.username.contains(':'), "{}", path.display());
                assert_eq!(
                    parse_basic(&encode_basic(&c.username, &c.password)).as_ref(),
                    Ok(&c),
                    "{}",
                    path.display()
                );
            }
            Err(_) => assert!(screen(Some(header)).is_err(), "{}", path.display()),
        }
    }
}

#[test]
fn credential_inputs() {
    let all = inputs("credentials");
    assert!(all.len() >= 10, "the seed corpus is missing");
    for (path, data) in all {
        let Ok(s) = std::str::from_utf8(&data) else {
            continue;
        };
        if let Ok(sid) = AccountSid::parse(s) {
            assert_eq!(
                AccountSid::parse(sid.as_str()).as_ref(),
                Ok(&sid),
                "{}",
                path.display()
            );
        }
        if let Ok(t) = AuthToken::parse(s) {
            let i = 5 + (data.len() % 43);
            let mut bytes = t.expose().as_bytes().to_vec();
            bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
            let changed = String::from_utf8(bytes).expect("ascii");
            assert!(AuthToken::parse(&changed).is_err(), "{}", path.display());
        }
    }
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug>(
    data: &[u8],
) -> bool {
    match serde_json::from_slice::<T>(data) {
        Ok(v) => {
            let back: T = serde_json::from_str(&serde_json::to_string(&v).expect("serialises"))
                .expect("deserialises");
            assert_eq!(back, v);
            true
        }
        Err(_) => false,
    }
}

#[test]
fn api_json_inputs() {
    let all = inputs("api_json");
    assert!(all.len() >= 10, "the seed corpus is missing");
    let mut accepted = 0;
    for (_, data) in &all {
        let hits = [
            round_trip::<TokenDraft>(data),
            round_trip::<TokenEdit>(data),
            round_trip::<ResetRequest>(data),
            round_trip::<UpgradeRequest>(data),
            round_trip::<NewUser>(data),
            round_trip::<UserPatch>(data),
            round_trip::<AccountPatch>(data),
            round_trip::<LoginRequest>(data),
            round_trip::<SetupRequest>(data),
            round_trip::<TokenFilter>(data),
        ];
        accepted += usize::from(hits.iter().any(|h| *h));
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = TokenFilter::from_query(text);
        }
    }
    // The seeds are real bodies: nearly all of them are accepted by some body type.
    assert!(
        accepted + 1 >= all.len(),
        "only {accepted} of {} seeds are valid bodies",
        all.len()
    );
}

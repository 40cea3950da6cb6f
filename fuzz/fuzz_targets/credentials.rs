//! Account SID and Auth Token parsing: never panics; what parses is ASCII, has the right
//! length and prefix, and parses again to itself; one changed character of a valid token is
//! refused (the checksum) or is a different valid token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_core::credential::{AccountSid, AuthToken};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(sid) = AccountSid::parse(s) {
        assert!(sid.as_str().is_ascii() && sid.as_str().len() == 27 && sid.as_str().starts_with("TGSID"));
        assert_eq!(AccountSid::parse(sid.as_str()).expect("reparse"), sid);
    }
    if let Ok(token) = AuthToken::parse(s) {
        let t = token.expose();
        assert!(t.is_ascii() && t.len() == 54 && t.starts_with("tgat_"));
        assert_eq!(AuthToken::parse(t).expect("reparse").expose(), t);
        // Change one body character (chosen by the input) to another alphanumeric one.
        let i = 5 + (data.len() % 43);
        let mut bytes = t.as_bytes().to_vec();
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(bytes).expect("ascii");
        assert!(AuthToken::parse(&changed).is_err(), "a one-character change kept the checksum: {changed}");
    }
});

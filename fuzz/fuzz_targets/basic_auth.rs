//! The `Authorization` header: parsing never panics; what parses, re-encodes to a header
//! that parses to the same credentials; the edge's offline screen agrees with the parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_core::authorization::{encode_basic, parse_basic};
use tollgate_core::verify::screen;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    let parsed = parse_basic(header);
    let screened = screen(Some(header));
    if let Ok(c) = &parsed {
        assert!(!c.username.is_empty() && !c.password.is_empty());
        assert!(!c.username.contains(':'));
        let again = parse_basic(&encode_basic(&c.username, &c.password)).expect("own encoding parses");
        assert_eq!(&again, c);
    } else {
        assert!(screened.is_err(), "screen accepted what the parser refused");
    }
    if let Ok(s) = screened {
        let c = parsed.expect("screened implies parsed");
        assert_eq!(s.sid.as_str(), c.username);
        assert_eq!(s.token.expose(), c.password);
    }
});

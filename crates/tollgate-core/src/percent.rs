//! Percent-encoding (RFC 3986) of query strings and path pieces: one implementation for the
//! list filter's query, unsubscribe links and the gateway's path check.

/// Why a percent-encoded string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadEncoding;

/// Decodes `%XX` escapes (and, in a query, `+` as a space) into UTF-8 text.
pub fn decode(s: &str, plus_is_space: bool) -> Result<String, BadEncoding> {
    String::from_utf8(decode_bytes(s.as_bytes(), plus_is_space)?).map_err(|_| BadEncoding)
}

/// Decodes `%XX` escapes into bytes (which need not be UTF-8).
pub fn decode_bytes(bytes: &[u8], plus_is_space: bool) -> Result<Vec<u8>, BadEncoding> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(BadEncoding)?;
                let hi = hex_value(hex[0]).ok_or(BadEncoding)?;
                let lo = hex_value(hex[1]).ok_or(BadEncoding)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Encodes every byte but the unreserved ones (`A-Z a-z 0-9 - _ . ~`).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// A query string (without `?`) as decoded `(name, value)` pairs, in order; a pair without
/// `=` has an empty value.
pub fn query_pairs(query: &str) -> Result<Vec<(String, String)>, BadEncoding> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(k, true)?, decode(v, true)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_escapes_and_refuses_broken_ones() {
        assert_eq!(decode("a%20b+c", true).as_deref(), Ok("a b c"));
        assert_eq!(decode("a+b", false).as_deref(), Ok("a+b"));
        assert_eq!(decode("%E6%9C%AC", true).as_deref(), Ok("本"));
        for bad in ["%", "%2", "%zz", "%FF"] {
            assert_eq!(decode(bad, true), Err(BadEncoding), "{bad}");
        }
        assert_eq!(decode_bytes(b"%2F", false), Ok(b"/".to_vec()));
    }

    #[test]
    fn query_pairs_in_order() {
        let pairs = query_pairs("q=a%26b&state=&x").expect("reads");
        let want = [("q", "a&b"), ("state", ""), ("x", "")];
        assert_eq!(pairs.len(), want.len());
        for ((k, v), (wk, wv)) in pairs.iter().zip(want) {
            assert_eq!((k.as_str(), v.as_str()), (wk, wv));
        }
    }

    proptest! {
        #[test]
        fn encoding_round_trips(s in "\\PC{0,40}") {
            prop_assert_eq!(decode(&encode(&s), true), Ok(s));
        }
    }
}

//! The search rule of the token list and the scope picker: NFKC, then lower case, and
//! whether a name's key contains a needle. NFKC comes from a [`Nfkc`]: the core's own
//! Unicode tables, or a platform's (the admin app uses the browser's, which keeps the
//! tables out of its download); the rule is the same either way.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Unicode normalisation form KC.
pub trait Nfkc {
    fn nfkc(text: &str) -> String;

    /// Whether `search_key(name)` contains `needle`, for a non-ASCII `name`.
    fn key_contains(name: &str, needle: &str) -> bool {
        search_key_of_nfkc(&Self::nfkc(name)).contains(needle)
    }
}

/// NFKC from the core's own tables (`unicode-normalization`).
#[derive(Debug, Clone, Copy)]
pub struct UnicodeNfkc;

impl Nfkc for UnicodeNfkc {
    fn nfkc(text: &str) -> String {
        text.nfkc().collect()
    }

    /// Names already in NFKC skip the normalisation.
    fn key_contains(name: &str, needle: &str) -> bool {
        if is_nfkc_quick(name.chars()) == IsNormalized::Yes {
            return search_key_of_nfkc(name).contains(needle);
        }
        search_key(name).contains(needle)
    }
}

/// Normalises text for searching: NFKC, then lower case.
pub fn search_key(text: &str) -> String {
    search_key_of_nfkc(&UnicodeNfkc::nfkc(text))
}

/// [`search_key`] of text already in NFKC.
pub fn search_key_of_nfkc(nfkc: &str) -> String {
    nfkc.chars().flat_map(char::to_lowercase).collect()
}

/// Whether `search_key(name)` contains `needle` (itself a search key), without building
/// the key when that can be avoided: ASCII names (NFKC leaves ASCII unchanged, so only
/// ASCII case folding applies) are searched in place, and names already in NFKC skip the
/// normalisation. Gives exactly the answer of `search_key(name).contains(needle)`.
pub fn name_contains(name: &str, needle: &str) -> bool {
    name_contains_in::<UnicodeNfkc>(name, needle)
}

/// [`name_contains`] with the NFKC of `N`.
pub(crate) fn name_contains_in<N: Nfkc>(name: &str, needle: &str) -> bool {
    if name.is_ascii() {
        let (hay, pin) = (name.as_bytes(), needle.as_bytes());
        // An ASCII name's key is ASCII: a needle with anything else cannot be in it.
        if !needle.is_ascii() || pin.len() > hay.len() {
            return false;
        }
        return pin.is_empty()
            || hay
                .windows(pin.len())
                .any(|w| w.iter().zip(pin).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    N::key_contains(name, needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An NFKC that only gives the normal form, as a platform's would.
    struct Platform;
    impl Nfkc for Platform {
        fn nfkc(text: &str) -> String {
            text.nfkc().collect()
        }
    }

    proptest! {
        #[test]
        fn any_nfkc_gives_the_answers_of_the_core_tables(name in "\\PC{0,12}", q in "\\PC{0,3}") {
            let needle = search_key(&q);
            prop_assert_eq!(name_contains_in::<Platform>(&name, &needle), name_contains(&name, &needle));
            prop_assert_eq!(name_contains(&name, &needle), search_key(&name).contains(needle.as_str()));
        }
    }
}

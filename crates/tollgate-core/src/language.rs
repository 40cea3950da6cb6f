//! The languages Tollgate writes in (the admin app's and the notifications'): English,
//! Japanese and Chinese, with the help pages' wording.

use serde::{Deserialize, Serialize};

/// A language of the admin app and of notifications.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "ja")]
    Ja,
    #[serde(rename = "zh")]
    Zh,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::Ja, Language::Zh];

    /// The language's code (`en`, `ja`, `zh`), as serialized.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ja => "ja",
            Language::Zh => "zh",
        }
    }
}

impl std::str::FromStr for Language {
    type Err = ();

    fn from_str(s: &str) -> Result<Language, ()> {
        Language::ALL.into_iter().find(|l| l.code() == s).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_as_serialized() {
        for l in Language::ALL {
            assert_eq!(l.code().parse(), Ok(l));
            assert_eq!(
                serde_json::to_string(&l).ok(),
                Some(format!("\"{}\"", l.code()))
            );
        }
        assert!("fr".parse::<Language>().is_err());
    }
}

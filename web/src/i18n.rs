//! Translations (English, Japanese, Simplified Chinese) from `web/locales/*.json`, and
//! locale-aware date formatting. Every string the app shows comes from here.
//!
//! English (minified by `build.rs`) is part of the app: it is the fallback of every other
//! table. Japanese and Chinese are fetched when first needed (`{assets}/ja.json`, written by
//! `cargo xtask build` beside the app's wasm), so the first load carries one language, not three.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    Ja,
    Zh,
}

impl Locale {
    /// The notification language of this locale.
    pub fn language(self) -> tollgate_core::language::Language {
        match self {
            Locale::En => tollgate_core::language::Language::En,
            Locale::Ja => tollgate_core::language::Language::Ja,
            Locale::Zh => tollgate_core::language::Language::Zh,
        }
    }

    pub const ALL: [Locale; 3] = [Locale::En, Locale::Ja, Locale::Zh];

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ja => "ja",
            Locale::Zh => "zh-CN",
        }
    }

    /// The language's own name, for the picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Ja => "日本語",
            Locale::Zh => "简体中文",
        }
    }

    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.to_ascii_lowercase();
        if s.starts_with("ja") {
            Some(Locale::Ja)
        } else if s.starts_with("zh") {
            Some(Locale::Zh)
        } else if s.starts_with("en") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// The file name of the table fetched for this locale (English is built in).
    fn file(self) -> Option<&'static str> {
        match self {
            Locale::En => None,
            Locale::Ja => Some("ja.json"),
            Locale::Zh => Some("zh.json"),
        }
    }

    fn index(self) -> usize {
        Locale::ALL.iter().position(|l| *l == self).unwrap_or(0)
    }
}

type Table = HashMap<String, String>;

const ENGLISH: &str = include_str!(concat!(env!("OUT_DIR"), "/en.json"));

thread_local! {
    /// The tables fetched so far (kept for the page's life).
    static FETCHED: RefCell<[Option<&'static Table>; 3]> = const { RefCell::new([None, None, None]) };
    /// Where the fetched tables are: the folder of the app's wasm.
    static ASSETS: RefCell<String> = const { RefCell::new(String::new()) };
}

fn english() -> &'static Table {
    static EN: OnceLock<Table> = OnceLock::new();
    EN.get_or_init(|| serde_json::from_str(ENGLISH).unwrap_or_default())
}

/// The table of `locale`, once it is here.
fn table(locale: Locale) -> Option<&'static Table> {
    match locale {
        Locale::En => Some(english()),
        l => FETCHED.with(|f| f.borrow()[l.index()]),
    }
}

/// Sets the folder (a URL ending in `/`) that holds the fetched tables.
pub fn set_assets(base: &str) {
    ASSETS.with(|a| *a.borrow_mut() = base.to_owned());
}

/// Fetches the table of `locale` unless it is here already; whether it is now. A table that
/// cannot be fetched leaves the app in English (said on the console).
pub async fn load(locale: Locale) -> bool {
    let Some(file) = locale.file() else {
        return true;
    };
    if table(locale).is_some() {
        return true;
    }
    let url = format!("{}{file}", ASSETS.with(|a| a.borrow().clone()));
    let fetched = match gloo_net::http::Request::get(&url).send().await {
        Ok(r) if r.ok() => r.json::<Table>().await.ok(),
        _ => None,
    };
    match fetched {
        Some(t) => {
            let t: &'static Table = Box::leak(Box::new(t));
            FETCHED.with(|f| f.borrow_mut()[locale.index()] = Some(t));
            true
        }
        None => {
            crate::web_sys_log(&format!(
                "the {} translations could not be loaded from {url}",
                locale.tag()
            ));
            false
        }
    }
}

/// Looks a key up; falls back to English, then to the key itself.
pub fn lookup(locale: Locale, key: &str) -> String {
    find(locale, key).unwrap_or_else(|| key.to_owned())
}

fn find(locale: Locale, key: &str) -> Option<String> {
    table(locale)
        .and_then(|t| t.get(key))
        .or_else(|| english().get(key))
        .cloned()
}

/// The current locale, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
}

impl I18n {
    pub fn new(initial: Locale) -> I18n {
        I18n {
            locale: RwSignal::new(initial),
        }
    }

    /// The text for `key` in the current locale (reactive).
    pub fn t(self, key: &str) -> String {
        lookup(self.locale.get(), key)
    }

    /// The text for `key` if some locale has it (reactive).
    pub fn find(self, key: &str) -> Option<String> {
        find(self.locale.get(), key)
    }

    /// Shows the app in `locale` once its table is here (fetched first if need be).
    pub async fn switch(self, locale: Locale) {
        if load(locale).await {
            let _ = self.locale.try_set(locale);
        }
    }

    /// The text for `key` with `{n}` replaced, in the plural form the locale's rules pick
    /// for `n` (`Intl.PluralRules`: `{key}.one` for English "1 token"; Japanese and Chinese
    /// have one form).
    pub fn tn(self, key: &str, n: usize) -> String {
        let locale = self.locale.get();
        let locales = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(locale.tag()));
        let rules = js_sys::Intl::PluralRules::new(&locales, &js_sys::Object::new());
        let category = String::from(rules.select(n as f64));
        let text = self
            .find(&format!("{key}.{category}"))
            .unwrap_or_else(|| self.t(key));
        text.replace("{n}", &n.to_string())
    }

    /// A date and time in the current locale.
    pub fn datetime(self, ms: i64) -> String {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
        let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
        String::from(date.to_locale_string(self.locale.get().tag(), &options))
    }

    /// A date in the current locale.
    pub fn date(self, ms: i64) -> String {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
        String::from(date.to_locale_date_string(self.locale.get().tag(), &options))
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// The browser's preferred locale, or English.
pub fn browser_locale() -> Locale {
    let stored = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item("tollgate.locale").ok().flatten())
        .and_then(|l| Locale::parse(&l));
    stored
        .or_else(|| {
            web_sys::window()
                .and_then(|w| w.navigator().language())
                .and_then(|l| Locale::parse(&l))
        })
        .unwrap_or(Locale::En)
}

pub fn remember_locale(locale: Locale) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item("tollgate.locale", locale.tag());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables as the app has them (Japanese and Chinese fetched, here read from disk).
    fn table(locale: Locale) -> &'static Table {
        match locale.file() {
            None => english(),
            Some(file) => {
                if super::table(locale).is_none() {
                    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("locales")
                        .join(file);
                    let t: Table =
                        serde_json::from_str(&std::fs::read_to_string(path).expect("locale file"))
                            .expect("a JSON object");
                    FETCHED.with(|f| f.borrow_mut()[locale.index()] = Some(Box::leak(Box::new(t))));
                }
                super::table(locale).expect("just read")
            }
        }
    }

    #[test]
    fn every_locale_has_every_key() {
        let en = table(Locale::En);
        assert!(en.len() > 100);
        for l in [Locale::Ja, Locale::Zh] {
            let t = table(l);
            // Plural forms (`.one`) exist only where the locale's plural rules have them.
            let plural = |k: &String| k.ends_with(".one");
            for k in en.keys().filter(|k| !plural(k)) {
                assert!(t.get(k).is_some_and(|v| !v.is_empty()), "{l:?} lacks {k}");
            }
            for k in t.keys() {
                assert!(
                    en.contains_key(k) && !plural(k),
                    "{l:?} has an extra key {k}"
                );
            }
        }
    }

    /// Every error code the API can answer: the core's one list.
    fn core_error_codes() -> Vec<String> {
        tollgate_core::error_code::ErrorCode::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect()
    }

    #[test]
    fn every_error_code_of_the_core_is_translated_with_its_values() {
        let codes = core_error_codes();
        assert!(
            codes.len() > 60,
            "found only {} codes: {codes:?}",
            codes.len()
        );
        for code in [
            "name_empty",
            "stale_revision",
            "ip_invalid",
            "token_leaked",
            "invalid_signature",
        ] {
            assert!(
                codes.iter().any(|c| c == code),
                "{code} not found among the core's codes"
            );
        }
        let placeholders = |text: &str| -> Vec<String> {
            let mut p: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
                .collect();
            p.sort();
            p
        };
        for l in Locale::ALL {
            for code in &codes {
                let key = format!("error.{code}");
                let text = table(l)
                    .get(&key)
                    .unwrap_or_else(|| panic!("{l:?} has no translation of the code {code}"));
                assert_eq!(
                    placeholders(text),
                    placeholders(&table(Locale::En)[&key]),
                    "{l:?}: {key} names other values than English"
                );
            }
        }
    }

    #[test]
    fn the_help_pages_wording_is_used() {
        let _ = (table(Locale::Ja), table(Locale::Zh));
        assert_eq!(lookup(Locale::Ja, "tokens.filters"), "フィルター");
        assert_eq!(lookup(Locale::Ja, "menu.duplicate"), "複製");
        assert_eq!(lookup(Locale::Ja, "menu.reset"), "リセット");
        assert_eq!(lookup(Locale::Zh, "tokens.create"), "创建访问令牌");
        assert_eq!(lookup(Locale::Zh, "edit.reset"), "重置令牌");
    }

    #[test]
    fn every_key_used_in_the_source_exists() {
        let en = table(Locale::En);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![];
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).expect("src").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p)
                } else {
                    files.push(p)
                }
            }
        }
        for f in files {
            let text = std::fs::read_to_string(&f).expect("readable");
            for part in text
                .split(".t(\"")
                .skip(1)
                .chain(text.split(".tn(\"").skip(1))
            {
                let key = part.split('"').next().unwrap_or("");
                assert!(en.contains_key(key), "{}: unknown key {key}", f.display());
            }
        }
    }
}

//! TypeScript declarations of the admin API's JSON types and the list filter, generated
//! from the Rust types (with `ts-rs`) so the npm package's declarations cannot drift from
//! what the Worker accepts and returns. Built only with the `typescript` feature, which the
//! wasm package's declaration generator turns on; the Worker and the admin app never
//! compile it.

use ts_rs::{Config, TS};

use crate::api::*;
use crate::credential::AccountSid;
use crate::filter::{CreatedWithin, StateFilter, TokenFilter};
use crate::version::{ApiVersion, VERSIONS};

impl TS for crate::time::Timestamp {
    type WithoutGenerics = crate::time::Timestamp;
    type OptionInnerType = crate::time::Timestamp;

    fn docs() -> Option<String> {
        Some("/** Milliseconds since the Unix epoch (UTC). */".into())
    }
    fn name(_: &Config) -> String {
        "Timestamp".into()
    }
    fn inline(_: &Config) -> String {
        "number".into()
    }
    fn decl(cfg: &Config) -> String {
        format!("type Timestamp = {};", Self::inline(cfg))
    }
    fn decl_concrete(cfg: &Config) -> String {
        Self::decl(cfg)
    }
}

impl TS for AccountSid {
    type WithoutGenerics = AccountSid;
    type OptionInnerType = AccountSid;

    fn docs() -> Option<String> {
        Some("/** An Account SID: `TGSID` and 22 letters or digits. */".into())
    }
    fn name(_: &Config) -> String {
        "AccountSid".into()
    }
    fn inline(_: &Config) -> String {
        "string".into()
    }
    fn decl(cfg: &Config) -> String {
        format!("type AccountSid = {};", Self::inline(cfg))
    }
    fn decl_concrete(cfg: &Config) -> String {
        Self::decl(cfg)
    }
}

impl TS for ApiVersion {
    type WithoutGenerics = ApiVersion;
    type OptionInnerType = ApiVersion;

    fn docs() -> Option<String> {
        Some("/** A dated API version, oldest first. */".into())
    }
    fn name(_: &Config) -> String {
        "ApiVersion".into()
    }
    fn inline(_: &Config) -> String {
        VERSIONS
            .iter()
            .map(|v| format!("\"{v}\""))
            .collect::<Vec<_>>()
            .join(" | ")
    }
    fn decl(cfg: &Config) -> String {
        format!("type ApiVersion = {};", Self::inline(cfg))
    }
    fn decl_concrete(cfg: &Config) -> String {
        Self::decl(cfg)
    }
}

/// The settings of every declaration: JSON numbers are `number`.
pub fn config() -> Config {
    Config::new().with_large_int("number")
}

/// Appends one exported declaration (with its doc comment) of `T` to `out`.
pub fn export<T: TS>(cfg: &Config, out: &mut String) {
    if let Some(docs) = T::docs() {
        out.push_str(docs.trim_end());
        out.push('\n');
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

/// The declarations, as one TypeScript module body. JSON numbers (timestamps, counts) are
/// `number`: every timestamp is milliseconds since the Unix epoch, well inside 2^53.
pub fn declarations() -> String {
    let cfg = config();
    let mut out = String::new();
    macro_rules! all {
        ($($t:ty),* $(,)?) => { $( export::<$t>(&cfg, &mut out); )* };
    }
    all!(
        crate::time::Timestamp,
        AccountSid,
        ApiVersion,
        crate::account::AccountType,
        crate::account::Role,
        crate::scope::Method,
        crate::scope::Access,
        crate::token::GracePeriod,
        crate::token::Nudge,
        CreatedWithin,
        StateFilter,
        TokenFilter,
        crate::error_code::ErrorCode,
        ErrorBody,
        ErrorDetail,
        SetupRequest,
        NewAccount,
        NewAdmin,
        SetupResponse,
        LoginRequest,
        SudoRequest,
        SudoView,
        SessionView,
        TokenDraft,
        TokenEdit,
        ResetRequest,
        UpgradeRequest,
        TokenState,
        TokenView,
        IssuedToken,
        RevealedToken,
        TokenPage,
        RouteView,
        ScopeView,
        CategoryJson,
        CatalogResponse,
        UserView,
        NewUser,
        UserPatch,
        AccountView,
        AccountPatch,
        crate::audit::AuditAction,
        crate::audit::AuditEntry,
        AuditPage,
        crate::policy::RateLimit,
        crate::usage::Counts,
        crate::usage::UsagePoint,
        crate::usage::UsageView,
        SessionPatch,
        crate::leak_mark::LeakPolicy,
        crate::leak_mark::LeakedSecret,
        crate::leak_mark::LeakMark,
        crate::language::Language,
        crate::notify::EventKind,
        crate::notify::Role,
        crate::notify::Delivery,
        crate::notify::MailMessage,
        crate::notify::NotificationView,
        crate::notify::NotificationPage,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_referenced_type_is_declared_and_nothing_is_any() {
        let d = declarations();
        // Drop the doc comments: only code counts.
        let code: String = d
            .split("/**")
            .map(|part| part.split_once("*/").map_or(part, |(_, rest)| rest))
            .collect();
        // And the string literals (`"GET"` is a value, not a type).
        let d: String = code.split('"').step_by(2).collect();
        let declared: Vec<&str> = d
            .lines()
            .filter_map(|l| l.strip_prefix("export type "))
            .filter_map(|l| l.split([' ', '<']).next())
            .collect();
        let mut unique = declared.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            declared.len(),
            "a type is declared twice: {declared:?}"
        );
        // Every capitalised identifier used in a declaration is itself declared.
        for word in d.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            let builtin = ["Array", "Record", "Partial"].contains(&word);
            if word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && !builtin
                && word.len() > 1
            {
                assert!(declared.contains(&word), "{word} is used but not declared");
            }
        }
        assert!(!d.contains(": any") && !d.contains("unknown"), "{d}");
        assert!(!d.contains("bigint"), "timestamps are JSON numbers");
    }

    #[test]
    fn declarations_follow_the_serde_names() {
        let d = declarations();
        assert!(
            d.contains(
                "export type ApiVersion = \"2024-04-01\" | \"2025-04-01\" | \"2026-04-01\";"
            ),
            "{d}"
        );
        assert!(d.contains("export type GracePeriod = \"none\""), "{d}");
        assert!(
            d.contains("export type CreatedWithin = \"7d\" | \"30d\" | \"older\";"),
            "{d}"
        );
        // `#[serde(rename = "type")]` on the account type field.
        assert!(d.contains("type: AccountType"), "{d}");
        // Optional request fields are optional in TypeScript too.
        assert!(d.contains("q?: string"), "{d}");
    }
}

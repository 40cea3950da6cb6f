//! The Worker's optional variables (`wrangler.toml` `[vars]`, `.dev.vars`): a variable that
//! is missing or blank is not set.

use worker::Env;

/// The variable's value, when set and not blank.
pub fn optional(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.trim().is_empty())
}

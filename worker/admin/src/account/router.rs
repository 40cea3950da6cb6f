//! The admin API inside an account's object: which handler serves which method and path,
//! after the session (and, on changes, the CSRF token) was checked.

use tollgate_core::account::Permission;
use tollgate_core::session::changes_state;
use worker::Response;

use super::{Ctx, notices, session, settings, tokens, users};
use crate::error::{ApiError, ApiResult};

pub async fn route(ctx: &mut Ctx<'_>, path: &str) -> ApiResult<Response> {
    let caller = session::authenticate(ctx, changes_state(&ctx.method))?;
    let c = &caller;
    let method = ctx.method.clone();
    let segments: Vec<&str> = path
        .trim_start_matches("/api")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["session"]) => session::view(ctx, c),
        ("DELETE", ["session"]) => session::logout(ctx, c),
        ("PATCH", ["session"]) => session::set_locale(ctx, c).await,
        ("POST", ["session", "sudo"]) => session::sudo(ctx, c).await,
        ("GET", ["notifications"]) => notices::list(ctx, c),
        ("GET", ["catalog"]) => settings::catalog(ctx, c),
        ("GET", ["tokens"]) => {
            c.require(Permission::ViewTokens)?;
            tokens::list(ctx, c).await
        }
        ("POST", ["tokens"]) => {
            c.require(Permission::ManageTokens)?;
            tokens::create(ctx, c).await
        }
        ("GET", ["tokens", sid, "usage"]) => {
            c.require(Permission::ViewTokens)?;
            tokens::usage(ctx, c, sid).await
        }
        (_, ["tokens", sid, rest @ ..]) => tokens::one(ctx, c, sid, rest).await,
        ("GET", ["users"]) => users::list(ctx, c),
        ("POST", ["users"]) => users::create(ctx, c).await,
        ("PATCH" | "DELETE", ["users", id]) => users::patch(ctx, c, id).await,
        ("GET", ["account"]) => settings::account(c),
        ("PATCH", ["account"]) => settings::patch_account(ctx, c).await,
        ("GET", ["audit"]) => settings::audit(ctx, c),
        (
            _,
            [
                "catalog" | "tokens" | "users" | "account" | "audit" | "session" | "notifications",
                ..,
            ],
        ) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found()),
    }
}

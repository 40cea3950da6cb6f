//! Users of the account: list, add (the e-mail claimed in the sign-in directory first, see
//! [`super::claim`]), change or disable — decided by `tollgate_core::admin::people`.

use tollgate_core::admin::Caller;
use tollgate_core::admin::people::{self as ops, Edit};
use tollgate_core::api::{NewUser, UserPatch};
use worker::Response;

use super::Ctx;
use super::claim;
use super::protocol::{HasUser, HasUserAnswer};
use crate::error::ApiResult;
use crate::password::Argon;
use crate::{body, random, reply};

/// `GET /api/users`.
pub fn list(ctx: &Ctx<'_>) -> ApiResult<Response> {
    reply::json(200, &ops::list(&ctx.db().users()?))
}

/// `POST /api/users`.
pub async fn create(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let n: NewUser = body::json(&mut ctx.req, false).await?;
    let user = ops::new_user(c, &n, random::id("usr_")?, &Argon, ctx.now)?;
    // Unique across Tollgate: the directory holds the e-mail for this user from now on.
    claim::claim(ctx.env(), &user.email, &ctx.account_id, &user.id, "email").await?;
    // No await from here to the commit.
    let outcome = ops::create(c, &ctx.db().users()?, user.clone(), ctx.now);
    let committed = match outcome {
        Ok(o) => ctx.settle(o).await,
        Err(f) => Err(f.into()),
    };
    if committed.is_err() {
        let _ = claim::release(ctx.env(), &user.email, &ctx.account_id, &user.id).await;
    }
    committed
}

/// `PATCH /api/users/{id}`, or `DELETE` (which disables the user).
pub async fn patch(ctx: &mut Ctx<'_>, c: &Caller, id: &str, disable: bool) -> ApiResult<Response> {
    let patch: UserPatch = if disable {
        UserPatch {
            enabled: Some(false),
            ..UserPatch::default()
        }
    } else {
        body::json(&mut ctx.req, false).await?
    };
    // No await from here to the commit.
    let if_match = ctx.header("If-Match");
    let edit = Edit {
        id,
        patch: &patch,
        if_match: if_match.as_deref(),
        now: ctx.now,
    };
    let outcome = ops::patch(c, &ctx.db().users()?, edit, &Argon)?;
    ctx.settle(outcome).await
}

/// `/internal/has-user`: whether this account has the user, with that e-mail (the directory
/// asks before taking over a reservation).
pub async fn has_user(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let a: HasUser = ctx.call().await?;
    let exists = ops::holds(ctx.db().user(&a.user_id)?.as_ref(), &a.email);
    reply::json(200, &HasUserAnswer { exists })
}

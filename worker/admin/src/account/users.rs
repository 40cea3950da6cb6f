//! Users of the account: list, create (the e-mail claimed in the sign-in directory first),
//! change (own password changes need the current password; a change that ends sessions ends
//! them in the same transaction).

use serde::Deserialize;
use tollgate_core::account::{AccountError, Permission, Role, UserRecord, check_password};
use tollgate_core::api::{AuditAction, NewUser, UserPatch, UserView};
use tollgate_core::error_code::ErrorCode;
use tollgate_core::revision::etag;
use worker::Response;

use super::session::Caller;
use super::{Ctx, db};
use crate::error::{ApiError, ApiResult};
use crate::{body, directory, password, random, reply};

fn tagged(status: u16, u: &UserView) -> ApiResult<Response> {
    let mut r = reply::json(status, u)?;
    r.headers_mut()
        .set("ETag", &etag(u.revision))
        .map_err(ApiError::from)?;
    Ok(r)
}

pub fn list(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    c.require(Permission::ViewUsers)?;
    let users: Vec<UserView> = ctx.db().users()?.iter().map(UserRecord::view).collect();
    reply::json(200, &users)
}

pub async fn create(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    c.require(Permission::ManageUsers)?;
    let n: NewUser = body::json(&mut ctx.req, false).await?;
    let (email, name) = UserRecord::validate_new(&n)?;
    let hash = password::hash(&n.password)?;
    let user = UserRecord::new(
        random::id("usr_")?,
        &c.account.id,
        email,
        name,
        n.role,
        hash,
        ctx.now,
    );
    // Unique across Tollgate: the directory holds the e-mail for this user from now on.
    directory::claim(ctx.env(), &user.email, &ctx.account_id, &user.id).await?;
    // No await from here to the commit.
    if ctx.db().user_by_email(&user.email)?.is_some() {
        directory::release(ctx.env(), &user.email, &ctx.account_id, &user.id).await?;
        return Err(ApiError::from((AccountError::EmailTaken, "email")));
    }
    let stmts = vec![
        db::put_user(&user)?,
        c.audit(
            ctx,
            AuditAction::UserCreated,
            &user.id,
            &user.name,
            Some(user.role.as_str().to_owned()),
        )?,
    ];
    if let Err(e) = ctx.commit(stmts).await {
        let _ = directory::release(ctx.env(), &user.email, &ctx.account_id, &user.id).await;
        return Err(e);
    }
    tagged(201, &user.view())
}

pub async fn patch(ctx: &mut Ctx<'_>, c: &Caller, id: &str) -> ApiResult<Response> {
    c.require(Permission::ManageUsers)?;
    let patch: UserPatch = if ctx.method == "DELETE" {
        UserPatch {
            enabled: Some(false),
            ..UserPatch::default()
        }
    } else {
        body::json(&mut ctx.req, false).await?
    };
    // No await from here to the commit.
    let users = ctx.db().users()?;
    let target = users
        .iter()
        .find(|u| u.id == id)
        .ok_or_else(ApiError::not_found)?;
    ctx.precondition(target.revision, || target.view())?;
    if target.needs_current_password(&patch, &c.user.id) {
        let current = patch.current_password.as_deref().ok_or_else(|| {
            ApiError::code(
                ErrorCode::CurrentPasswordRequired,
                "enter your current password to set a new one",
                Some("current_password"),
            )
        })?;
        if !password::verify(current, Some(&target.password_hash))? {
            return Err(ApiError::code(
                ErrorCode::CurrentPasswordWrong,
                "the current password is not right",
                Some("current_password"),
            ));
        }
    }
    let other_admins = users
        .iter()
        .filter(|u| u.id != id && u.enabled && u.role == Role::AccountAdmin)
        .count();
    let new_hash = match &patch.password {
        Some(p) => {
            check_password(p).map_err(|e| ApiError::from((e, "password")))?;
            Some(password::hash(p)?)
        }
        None => None,
    };
    let next = target.patch(&patch, &c.user.id, other_admins, new_hash)?;
    if next == *target {
        return tagged(200, &next.view());
    }
    let mut stmts = vec![db::put_user(&next)?];
    if next.generation != target.generation {
        stmts.push(db::end_sessions_of(&next.id));
    }
    let action = if target.enabled && !next.enabled {
        AuditAction::UserDisabled
    } else {
        AuditAction::UserEdited
    };
    stmts.push(c.audit(ctx, action, &next.id, &next.name, None)?);
    ctx.db().atomic(stmts)?;
    tagged(200, &next.view())
}

/// `POST /internal/has-user`: whether this account has the user, with that e-mail (the
/// directory asks before taking over a reservation).
pub async fn has_user(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    #[derive(Deserialize)]
    struct Ask {
        user_id: String,
        email: String,
    }
    let a: Ask = body::json(&mut ctx.req, false).await?;
    let exists = ctx
        .db()
        .user(&a.user_id)?
        .is_some_and(|u| u.email.eq_ignore_ascii_case(a.email.trim()));
    reply::json(200, &serde_json::json!({ "exists": exists }))
}

//! The account's settings, its audit log and the scope catalog.

use tollgate_core::account::Permission;
use tollgate_core::api::{AccountPatch, AuditAction, AuditPage, CatalogResponse};
use tollgate_core::credential::AccountSid;
use tollgate_core::error_code::ErrorCode;
use tollgate_core::filter::MAX_PAGE_SIZE;
use tollgate_core::revision::etag;
use tollgate_core::token;
use tollgate_core::version::ApiVersion;
use worker::Response;

use super::session::Caller;
use super::{Ctx, db};
use crate::error::{ApiError, ApiResult};
use crate::{body, reply};

pub fn account(c: &Caller) -> ApiResult<Response> {
    c.require(Permission::ViewAccount)?;
    let mut r = reply::json(200, &c.account.view())?;
    r.headers_mut()
        .set("ETag", &etag(c.account.revision))
        .map_err(ApiError::from)?;
    Ok(r)
}

pub async fn patch_account(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    c.require(Permission::ManageAccount)?;
    let p: AccountPatch = body::json(&mut ctx.req, false).await?;
    // No await from here to the commit: the caller's copy may be older than the stored one.
    let current = ctx.db().account()?.ok_or_else(ApiError::not_found)?;
    ctx.precondition(current.revision, || current.view())?;
    let next = current.patch(&p)?;
    if next != current {
        let mut stmts = db::put_account(&next)?;
        if next.show_tokens_once && !current.show_tokens_once {
            // Show-once keeps no ciphertext: drop what was kept.
            for t in ctx.db().all_tokens()?.iter().filter_map(token::drop_sealed) {
                stmts.extend(db::put_token(&t)?);
            }
        }
        let detail = current.changed(&next).join(",");
        stmts.push(c.audit(
            ctx,
            AuditAction::AccountEdited,
            &next.id,
            &next.name,
            Some(detail),
        )?);
        ctx.commit(stmts).await?;
    }
    let mut r = reply::json(200, &next.view())?;
    r.headers_mut()
        .set("ETag", &etag(next.revision))
        .map_err(ApiError::from)?;
    Ok(r)
}

pub fn audit(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    c.require(Permission::ViewAudit)?;
    let mut target = None;
    let mut cursor = None;
    let mut limit = 50usize;
    for pair in body::query(&ctx.req).split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("token", v)) => {
                target = Some(AccountSid::parse(v).map_err(|e| {
                    ApiError::code(ErrorCode::InvalidValue, e.to_string(), Some("token"))
                })?)
            }
            Some(("cursor", v)) => {
                cursor = Some(v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    ApiError::code(
                        ErrorCode::InvalidCursor,
                        "this cursor is not valid",
                        Some("cursor"),
                    )
                })?)
            }
            Some(("limit", v)) => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                    .ok_or_else(|| {
                        ApiError::code(
                            ErrorCode::InvalidLimit,
                            "limit must be a whole number from 1 to 100",
                            Some("limit"),
                        )
                    })?
            }
            _ => {
                return Err(ApiError::code(
                    ErrorCode::UnknownParameter,
                    "use token, cursor or limit",
                    Some("query"),
                ));
            }
        }
    }
    let (entries, next) = ctx
        .db()
        .audit(target.as_ref().map(AccountSid::as_str), cursor, limit)?;
    reply::json(
        200,
        &AuditPage {
            entries,
            next_cursor: next.map(|n| n.to_string()),
        },
    )
}

pub fn catalog(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    c.require(Permission::ViewTokens)?;
    let mut version = ApiVersion::latest();
    for pair in body::query(&ctx.req).split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("version", v)) => {
                version = ApiVersion::parse(v).map_err(|e| {
                    ApiError::code(ErrorCode::UnknownVersion, e.to_string(), Some("version"))
                })?
            }
            _ => {
                return Err(ApiError::code(
                    ErrorCode::UnknownParameter,
                    "use ?version=YYYY-MM-DD",
                    Some("query"),
                ));
            }
        }
    }
    reply::json(
        200,
        &CatalogResponse::build(c.account.account_type, version),
    )
}

//! The account's settings, its audit log and the scope catalog.

use tollgate_core::admin::Caller;
use tollgate_core::admin::settings::{self as ops, Edit};
use tollgate_core::api::query::{AuditQuery, catalog_version};
use tollgate_core::api::{AccountPatch, AuditPage, CatalogResponse};
use tollgate_core::credential::AccountSid;
use worker::Response;

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::{body, reply};

/// `PATCH /api/account`.
pub async fn patch(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let p: AccountPatch = body::json(&mut ctx.req, false).await?;
    // No await from here to the commit: the caller's copy may be older than the stored one.
    let current = ctx.db().account()?.ok_or_else(ApiError::not_found)?;
    let if_match = ctx.header("If-Match");
    let edit = Edit {
        patch: &p,
        if_match: if_match.as_deref(),
        now: ctx.now,
    };
    let db = ctx.db();
    let mut tokens = || db.all_tokens().map_err(|e| *e.0);
    let outcome = ops::patch(c, &current, edit, &mut tokens)?;
    ctx.settle(outcome).await
}

/// `GET /api/audit?token=&cursor=&limit=`: newest first.
pub fn audit(ctx: &Ctx<'_>) -> ApiResult<Response> {
    let q = AuditQuery::parse(&body::query(&ctx.req))?;
    let (entries, next) =
        ctx.db()
            .audit(q.token.as_ref().map(AccountSid::as_str), q.before, q.limit)?;
    let page = AuditPage {
        entries,
        next_cursor: next.map(|n| n.to_string()),
    };
    reply::json(200, &page)
}

/// `GET /api/catalog?version=`: the account type's scopes at that version.
pub fn catalog(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let version = catalog_version(&body::query(&ctx.req))?;
    reply::json(
        200,
        &CatalogResponse::build(c.account.account_type, version),
    )
}

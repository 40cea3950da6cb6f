//! The token endpoints. Each change reads the record, checks `If-Match`, applies the core's
//! rule and commits the record, its replica and the audit entry in one transaction, with no
//! `await` between the read and the commit. Create, duplicate and reset keep their answer
//! under the request's `Idempotency-Key` (sealed) in the same transaction.

use tollgate_core::account::Permission;
use tollgate_core::api::{
    AuditAction, IssuedToken, ResetRequest, RevealedToken, TokenDraft, TokenEdit, TokenPage,
    TokenView, UpgradeRequest,
};
use tollgate_core::credential::AccountSid;
use tollgate_core::error_code::ErrorCode;
use tollgate_core::filter::{TokenFilter, cut_page};
use tollgate_core::idempotency::{self, Outcome};
use tollgate_core::notify::{self, Event};
use tollgate_core::replica::Tombstone;
use tollgate_core::revision::etag;
use tollgate_core::time::Timestamp;
use tollgate_core::token::{self, AccountContext, Issued, TokenRecord};
use worker::Response;

use super::notices::{self, Notice};
use super::session::Caller;
use super::{Ctx, db};
use crate::error::{ApiError, ApiResult};
use crate::limiter::Limiter;
use crate::store::Store;
use crate::{body, random, reply, seal};

thread_local! {
    /// New tokens per account (create and duplicate). The object is the account's only
    /// instance, so this count is exact for the account.
    static NEW_TOKENS: Limiter = Limiter::new(token::NEW_TOKEN_WINDOW, token::MAX_NEW_TOKENS);
}

/// The flood limit on new tokens per account: the core's, unless the deployment sets
/// `NEW_TOKENS_PER_MINUTE` (the benchmark raises it to create 10,000 tokens).
fn new_token_limit(ctx: &Ctx<'_>) -> u32 {
    ctx.env()
        .var("NEW_TOKENS_PER_MINUTE")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(token::MAX_NEW_TOKENS)
}

async fn last_used(ctx: &Ctx<'_>, sid: &str) -> ApiResult<Option<Timestamp>> {
    Store::open(ctx.env())?.last_used(sid).await
}

fn view_of(c: &Caller, t: &TokenRecord, used: Option<Timestamp>, now: Timestamp) -> TokenView {
    TokenView::from_record(
        t,
        used,
        (c.account.account_type, c.account.max_token_lifetime_days),
        now,
    )
}

fn tagged(status: u16, v: &TokenView) -> ApiResult<Response> {
    let mut r = reply::json(status, v)?;
    r.headers_mut()
        .set("ETag", &etag(v.revision))
        .map_err(ApiError::from)?;
    Ok(r)
}

fn owned(ctx: &Ctx<'_>, sid: &str) -> ApiResult<TokenRecord> {
    let sid = AccountSid::parse(sid).map_err(|_| ApiError::not_found())?;
    match ctx.db().token(sid.as_str())? {
        Some(t) if t.account_id == ctx.account_id => Ok(t),
        _ => Err(ApiError::not_found()),
    }
}

fn enabled_users(ctx: &Ctx<'_>) -> ApiResult<Vec<String>> {
    Ok(ctx
        .db()
        .users()?
        .into_iter()
        .filter(|u| u.enabled)
        .map(|u| u.id)
        .collect())
}

pub async fn list(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let (filter, page) = TokenFilter::from_query(&body::query(&ctx.req))?;
    let bounds = filter.matcher(ctx.now).bounds();
    let (rows, total) = ctx
        .db()
        .list_tokens(&bounds, page.cursor.as_ref(), page.limit)?;
    let (records, next) = cut_page(rows, page.limit);
    let sids: Vec<&str> = records.iter().map(|r| r.sid.as_str()).collect();
    let owned_sids: Vec<String> = sids.iter().map(|s| (*s).to_owned()).collect();
    let store = Store::open(ctx.env())?;
    let day_ago = Timestamp(ctx.now.0 - tollgate_core::time::Span::DAY.0);
    let (used, requests) = futures_util::future::join(
        store.last_used_many(&sids),
        crate::usage::totals(ctx.env(), &c.account.id, &owned_sids, day_ago),
    )
    .await;
    let used = used?;
    let tokens: Vec<TokenView> = records
        .iter()
        .map(|r| {
            let mut v = view_of(c, r, used.get(r.sid.as_str()).copied(), ctx.now);
            v.requests_24h = Some(requests.get(r.sid.as_str()).copied().unwrap_or(0));
            v
        })
        .collect();
    reply::json(
        200,
        &TokenPage {
            tokens,
            next_cursor: next.map(|c| c.encode()),
            total,
        },
    )
}

/// The request's idempotency key (scoped to the caller) and fingerprint, if it has one.
fn idempotency_key(
    ctx: &Ctx<'_>,
    c: &Caller,
    raw_body: &[u8],
) -> ApiResult<Option<(String, String)>> {
    let Some(raw) = ctx.header("Idempotency-Key") else {
        return Ok(None);
    };
    let key = idempotency::check_key(&raw)?;
    let path = ctx.req.path();
    Ok(Some((
        format!("{}:{key}", c.user.id),
        idempotency::fingerprint(&c.user.id, &ctx.method, &path, raw_body),
    )))
}

/// The kept answer of a retried request, if this is one (checked inside the sync section).
fn replay(ctx: &Ctx<'_>, key: &Option<(String, String)>) -> ApiResult<Option<Response>> {
    let Some((key, fingerprint)) = key else {
        return Ok(None);
    };
    let kept = ctx.db().kept(key)?;
    let outcome = idempotency::decide(
        kept.as_ref()
            .map(|k| (k.fingerprint.as_str(), Timestamp(k.created_at as i64))),
        fingerprint,
        ctx.now,
    )?;
    match (outcome, kept) {
        (Outcome::Replay, Some(k)) => {
            let text = seal::open(ctx.env(), key, &k.sealed_body)?;
            let mut r = Response::from_bytes(text.into_bytes())
                .map_err(ApiError::from)?
                .with_status(k.status as u16);
            r.headers_mut()
                .set("Content-Type", "application/json")
                .map_err(ApiError::from)?;
            r.headers_mut()
                .set("Idempotent-Replayed", "true")
                .map_err(ApiError::from)?;
            Ok(Some(r))
        }
        _ => Ok(None),
    }
}

/// A newly issued secret to commit and answer: what happened, and how to answer it.
struct Issue {
    issued: Issued,
    action: AuditAction,
    status: u16,
    /// The token's last use, for the answer's view.
    used: Option<Timestamp>,
    /// The request's idempotency key and fingerprint: the answer is kept under it.
    key: Option<(String, String)>,
}

/// Commits a newly issued secret (create, duplicate, reset) and answers it.
async fn issue(ctx: &Ctx<'_>, c: &Caller, i: Issue) -> ApiResult<Response> {
    let Issue {
        mut issued,
        action,
        status,
        used,
        key,
    } = i;
    issued.record.sealed_auth_token = if c.account.show_tokens_once {
        None
    } else {
        Some(seal::seal(
            ctx.env(),
            issued.record.sid.as_str(),
            &issued.auth_token,
        )?)
    };
    let t = &issued.record;
    let answer = IssuedToken {
        token: view_of(c, t, used, ctx.now),
        auth_token: issued.auth_token.expose().to_owned(),
    };
    let text = serde_json::to_string(&answer).map_err(|_| ApiError::unavailable())?;
    let mut stmts = db::put_token(t)?;
    stmts.push(db::index_digest(t));
    stmts.push(c.audit(ctx, action, t.sid.as_str(), &t.name, None)?);
    let event = if action == AuditAction::TokenReset {
        Event::Reset
    } else {
        Event::Created
    };
    stmts.extend(notices::written(
        ctx.obj,
        ctx.now,
        &c.account,
        Notice {
            token: t,
            event,
            actor: &c.user.email,
        },
    )?);
    if let Some((key, fingerprint)) = &key {
        stmts.extend(db::keep_answer(
            key,
            fingerprint,
            ctx.now,
            status,
            seal::seal_text(ctx.env(), key, &text)?,
        ));
    }
    ctx.commit(stmts).await?;
    let mut r = Response::from_bytes(text.into_bytes())
        .map_err(ApiError::from)?
        .with_status(status);
    r.headers_mut()
        .set("Content-Type", "application/json")
        .map_err(ApiError::from)?;
    r.headers_mut()
        .set("ETag", &etag(t.revision))
        .map_err(ApiError::from)?;
    Ok(r)
}

fn flood_check(ctx: &Ctx<'_>) -> ApiResult<()> {
    if let Some(secs) =
        NEW_TOKENS.with(|l| l.blocked_over(&ctx.account_id, ctx.now, new_token_limit(ctx)))
    {
        return Err(ApiError::too_many(secs));
    }
    NEW_TOKENS.with(|l| l.fail(&ctx.account_id, ctx.now));
    Ok(())
}

pub async fn create(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let raw = body::bytes(&mut ctx.req).await?;
    let draft: TokenDraft = body::parse(&ctx.req, &raw, false)?;
    let key = idempotency_key(ctx, c, &raw)?;
    if let Some(r) = replay(ctx, &key)? {
        return Ok(r);
    }
    let users = enabled_users(ctx)?;
    let actx = AccountContext::of(&c.account, &users);
    let issued = token::create(&draft, &actx, &random::seed()?, ctx.now)?;
    flood_check(ctx)?;
    issue(
        ctx,
        c,
        Issue {
            issued,
            action: AuditAction::TokenCreated,
            status: 201,
            used: None,
            key,
        },
    )
    .await
}

/// `GET /api/tokens/{sid}/usage?days=N`: the token's requests, allowed and denied by
/// reason, per hour for 48 hours and per day for N days (30 by default, at most 90).
pub async fn usage(ctx: &Ctx<'_>, c: &Caller, sid: &str) -> ApiResult<Response> {
    let days = tollgate_core::usage::days_from_query(&body::query(&ctx.req))
        .map_err(|(m, field)| ApiError::code(ErrorCode::InvalidValue, m, Some(field)))?;
    // Only a token of this account (404 otherwise, as for every token route).
    owned(ctx, sid)?;
    let view = crate::usage::series_of(ctx.env(), &c.account.id, sid, days).await?;
    reply::json(200, &view)
}

/// `GET|PATCH|DELETE /api/tokens/{sid}` and `POST /api/tokens/{sid}/{action}`.
pub async fn one(ctx: &mut Ctx<'_>, c: &Caller, sid: &str, rest: &[&str]) -> ApiResult<Response> {
    let method = ctx.method.clone();
    let needed = match (method.as_str(), rest) {
        ("GET", []) => Permission::ViewTokens,
        ("POST", ["reveal"]) => Permission::RevealTokens,
        _ => Permission::ManageTokens,
    };
    c.require(needed)?;
    // Read the body and the edge's last-use time (every answer but reveal's shows the token,
    // a 412 included) first: after `owned` nothing awaits until the commit.
    let raw = match method.as_str() {
        "GET" | "DELETE" | "HEAD" => Vec::new(),
        _ => body::bytes(&mut ctx.req).await?,
    };
    let shows_use = !matches!((method.as_str(), rest), ("POST", ["reveal"]));
    // Last use is shown, never decided on: a failed read shows none rather than failing the change.
    let used = if shows_use {
        last_used(ctx, sid).await.unwrap_or(None)
    } else {
        None
    };
    let record = owned(ctx, sid)?;
    let precondition = || ctx.precondition(record.revision, || view_of(c, &record, used, ctx.now));
    match (method.as_str(), rest) {
        ("GET", []) => tagged(200, &view_of(c, &record, used, ctx.now)),
        ("POST", ["reveal"]) => reveal(ctx, c, &record, &raw).await,
        ("POST", ["duplicate"]) => {
            body::empty(&ctx.req, &raw)?;
            let key = idempotency_key(ctx, c, &raw)?;
            if let Some(r) = replay(ctx, &key)? {
                return Ok(r);
            }
            precondition()?;
            let users = enabled_users(ctx)?;
            let actx = AccountContext::of(&c.account, &users);
            let issued = token::duplicate(&record, &actx, &random::seed()?, ctx.now)?;
            flood_check(ctx)?;
            issue(
                ctx,
                c,
                Issue {
                    issued,
                    action: AuditAction::TokenDuplicated,
                    status: 201,
                    used: None,
                    key,
                },
            )
            .await
        }
        ("POST", ["reset"]) => {
            let r: ResetRequest = body::parse(&ctx.req, &raw, true)?;
            let key = idempotency_key(ctx, c, &raw)?;
            if let Some(r) = replay(ctx, &key)? {
                return Ok(r);
            }
            precondition()?;
            let actx = AccountContext::of(&c.account, &[]);
            let issued = token::reset_with_expiry(
                &record,
                &actx,
                &random::bytes::<32>()?,
                r.grace,
                r.expires_at,
                ctx.now,
            )?;
            issue(
                ctx,
                c,
                Issue {
                    issued,
                    action: AuditAction::TokenReset,
                    status: 200,
                    used,
                    key,
                },
            )
            .await
        }
        ("DELETE", []) => {
            precondition()?;
            let actx = AccountContext::of(&c.account, &[]);
            let gone = token::delete(&record, &actx, ctx.now)?;
            let mut stmts = db::delete_token(&Tombstone::from(&gone));
            stmts.push(c.audit(
                ctx,
                AuditAction::TokenDeleted,
                gone.sid.as_str(),
                &gone.name,
                None,
            )?);
            let notice = Notice {
                token: &record,
                event: Event::Deleted,
                actor: &c.user.email,
            };
            stmts.extend(notices::written(ctx.obj, ctx.now, &c.account, notice)?);
            ctx.commit(stmts).await?;
            reply::no_content()
        }
        ("PATCH", []) | ("POST", ["upgrade" | "disable" | "enable"]) => {
            precondition()?;
            let (next, action, detail) = decide_change(ctx, c, &record, rest, &raw)?;
            if next == record {
                return tagged(200, &view_of(c, &record, used, ctx.now));
            }
            let mut stmts = db::put_token(&next)?;
            stmts.push(c.audit(ctx, action, next.sid.as_str(), &next.name, detail)?);
            if let Some(event) = event_of(action, &record, &next) {
                let notice = Notice {
                    token: &next,
                    event,
                    actor: &c.user.email,
                };
                stmts.extend(notices::written(ctx.obj, ctx.now, &c.account, notice)?);
            }
            ctx.commit(stmts).await?;
            tagged(200, &view_of(c, &next, used, ctx.now))
        }
        (_, [] | ["duplicate" | "reset" | "upgrade" | "disable" | "enable" | "reveal"]) => {
            Err(ApiError::method_not_allowed())
        }
        _ => Err(ApiError::not_found()),
    }
}

/// What the people on a token hear about a change (an edit only when its scopes changed).
fn event_of(action: AuditAction, before: &TokenRecord, after: &TokenRecord) -> Option<Event> {
    match action {
        AuditAction::TokenEdited => notify::scope_change(before, after),
        AuditAction::TokenUpgraded => Some(Event::Upgraded {
            from: before.api_version,
            to: after.api_version,
        }),
        AuditAction::TokenDisabled => Some(Event::Disabled),
        AuditAction::TokenEnabled => Some(Event::Enabled),
        _ => None,
    }
}

/// The record after an edit, upgrade, disable or enable, with its audit action and detail.
fn decide_change(
    ctx: &Ctx<'_>,
    c: &Caller,
    record: &TokenRecord,
    rest: &[&str],
    raw: &[u8],
) -> ApiResult<(TokenRecord, AuditAction, Option<String>)> {
    let users = if rest.is_empty() {
        enabled_users(ctx)?
    } else {
        Vec::new()
    };
    let actx = AccountContext::of(&c.account, &users);
    Ok(match rest {
        [] => {
            let e: TokenEdit = body::parse(&ctx.req, raw, false)?;
            let fields: Vec<&str> = [
                ("name", e.name.is_some()),
                ("description", e.description.is_some()),
                ("primary_contact", e.primary_contact.is_some()),
                ("developer_emails", e.developer_emails.is_some()),
                ("scopes", e.scopes.is_some()),
                ("expires_at", e.expires_at.is_some()),
                ("allowed_ips", e.allowed_ips.is_some()),
                ("rate_limit", e.rate_limit.is_some()),
            ]
            .into_iter()
            .filter_map(|(n, p)| p.then_some(n))
            .collect();
            (
                token::edit(record, &e, &actx, ctx.now)?,
                AuditAction::TokenEdited,
                Some(fields.join(",")),
            )
        }
        ["upgrade"] => {
            let u: UpgradeRequest = body::parse(&ctx.req, raw, true)?;
            let next = token::upgrade(record, &actx, u.api_version, ctx.now)?;
            let detail = format!("{} -> {}", record.api_version, next.api_version);
            (next, AuditAction::TokenUpgraded, Some(detail))
        }
        ["disable"] => {
            body::empty(&ctx.req, raw)?;
            (
                token::disable(record, &actx, ctx.now)?,
                AuditAction::TokenDisabled,
                None,
            )
        }
        _ => {
            body::empty(&ctx.req, raw)?;
            (
                token::enable(record, &actx, ctx.now)?,
                AuditAction::TokenEnabled,
                None,
            )
        }
    })
}

async fn reveal(
    ctx: &Ctx<'_>,
    c: &Caller,
    record: &TokenRecord,
    raw: &[u8],
) -> ApiResult<Response> {
    body::empty(&ctx.req, raw)?;
    if c.account.show_tokens_once {
        return Err(ApiError::code(
            ErrorCode::ShowOnce,
            "this account shows auth tokens only once: reset the token to get a new one",
            None,
        ));
    }
    let sealed = record.sealed_auth_token.as_deref().ok_or_else(|| {
        ApiError::code(
            ErrorCode::NotRevealable,
            "this auth token was not kept: reset the token to get a new one",
            None,
        )
    })?;
    if !super::session::in_sudo(ctx, c)? {
        return Err(ApiError::code(
            ErrorCode::ReauthenticationRequired,
            "enter your password again to reveal an auth token",
            None,
        ));
    }
    let auth_token = seal::open(ctx.env(), record.sid.as_str(), sealed)?;
    ctx.db().atomic(vec![c.audit(
        ctx,
        AuditAction::TokenRevealed,
        record.sid.as_str(),
        &record.name,
        None,
    )?])?;
    reply::json(200, &RevealedToken { auth_token })
}

//! The token endpoints. Each reads the body and the edge's last-use time first (the only
//! awaits), then reads the record, asks the core's operation (`tollgate_core::admin::tokens`)
//! and commits its change — no `await` between the read and the commit. Create, duplicate
//! and reset with an `Idempotency-Key` first look for the answer kept under it.

use tollgate_core::admin::Caller;
use tollgate_core::admin::tokens::{self as ops, Act, Adjustment, Flood, Listed};
use tollgate_core::api::query::usage_days;
use tollgate_core::api::route::TokenAction;
use tollgate_core::api::{ResetRequest, RevealedToken, TokenDraft, TokenEdit, UpgradeRequest};
use tollgate_core::filter::{TokenFilter, cut_page};
use tollgate_core::idempotency::{self, Keyed, Outcome as Retry};
use tollgate_core::time::{Span, Timestamp};
use tollgate_core::token::TokenRecord;
use worker::Response;

use super::Ctx;
use crate::error::{ApiResult, Decided as _};
use crate::store::Store;
use crate::{body, random, reply, seal};

/// What a token request read before its synchronous part: the body, the token's last use
/// and its `If-Match`.
struct Read {
    raw: Vec<u8>,
    last_used: Option<Timestamp>,
    if_match: Option<String>,
}

async fn read(ctx: &mut Ctx<'_>, sid: Option<&str>) -> ApiResult<Read> {
    let raw = match ctx.method.as_str() {
        "GET" | "DELETE" | "HEAD" => Vec::new(),
        _ => body::bytes(&mut ctx.req).await?,
    };
    // Last use is shown, never decided on: a failed read shows none rather than failing.
    let last_used = match sid {
        Some(s) => last_used(ctx, s).await.unwrap_or(None),
        None => None,
    };
    Ok(Read {
        raw,
        last_used,
        if_match: ctx.header("If-Match"),
    })
}

/// The request's idempotency key (scoped to the caller) and fingerprint, if it has one.
fn keyed(ctx: &Ctx<'_>, c: &Caller, raw: &[u8]) -> ApiResult<Option<Keyed>> {
    let key = ctx.header("Idempotency-Key");
    let path = ctx.req.path();
    idempotency::keyed(key.as_deref(), &c.user.id, &ctx.method, &path, raw).decided()
}

async fn last_used(ctx: &Ctx<'_>, sid: &str) -> ApiResult<Option<Timestamp>> {
    Store::open(ctx.env())?.last_used(sid).await
}

fn acting<'a>(ctx: &Ctx<'_>, c: &'a Caller, r: &'a Read, keyed: Option<&'a Keyed>) -> Act<'a> {
    Act {
        caller: c,
        now: ctx.now,
        if_match: r.if_match.as_deref(),
        keyed,
        last_used: r.last_used,
    }
}

/// The caller's token `sid` (404 for none, a malformed SID, or another account's).
fn token(ctx: &Ctx<'_>, c: &Caller, sid: &str) -> ApiResult<TokenRecord> {
    let sid = ops::sid(sid)?;
    Ok(ops::mine(c, ctx.db().token(sid.as_str())?)?)
}

/// The kept answer of a retried request, if this is one (in the synchronous part).
fn replay(ctx: &Ctx<'_>, keyed: Option<&Keyed>) -> ApiResult<Option<Response>> {
    let Some(k) = keyed else { return Ok(None) };
    let kept = ctx.db().kept(&k.key)?;
    let seen = kept
        .as_ref()
        .map(|k| (k.fingerprint.as_str(), Timestamp(k.created_at as i64)));
    match (
        idempotency::decide(seen, &k.fingerprint, ctx.now).decided()?,
        kept,
    ) {
        (Retry::Replay, Some(kept)) => {
            let text = seal::open(ctx.env(), &k.key, &kept.sealed_body)?;
            let mut r = reply::json_text(kept.status as u16, text)?;
            r.headers_mut().set("Idempotent-Replayed", "true")?;
            Ok(Some(r))
        }
        _ => Ok(None),
    }
}

/// `GET /api/tokens`: one page of the filtered list, newest first.
pub async fn list(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let (filter, page) = TokenFilter::from_query(&body::query(&ctx.req)).decided()?;
    let bounds = filter.matcher(ctx.now).bounds();
    let (rows, total) = ctx
        .db()
        .list_tokens(&bounds, page.cursor.as_ref(), page.limit)?;
    let (records, next) = cut_page(rows, page.limit);
    let sids: Vec<String> = records.iter().map(|r| r.sid.as_str().to_owned()).collect();
    let refs: Vec<&str> = sids.iter().map(String::as_str).collect();
    let store = Store::open(ctx.env())?;
    let day_ago = ctx.now.minus(Span::DAY);
    let (used, requests) = futures_util::future::join(
        store.last_used_many(&refs),
        crate::usage::UsageClient::new(ctx.env(), &c.account.id)?.totals(&sids, day_ago),
    )
    .await;
    let listed = Listed {
        records,
        next,
        total,
        last_used: &used?,
        requests_24h: &requests,
    };
    reply::json(200, &ops::page(c, listed, ctx.now))
}

/// `POST /api/tokens`.
pub async fn create(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let r = read(ctx, None).await?;
    let draft: TokenDraft = body::parse(&ctx.req, &r.raw, false)?;
    let keyed = keyed(ctx, c, &r.raw)?;
    if let Some(kept) = replay(ctx, keyed.as_ref())? {
        return Ok(kept);
    }
    let users = ctx.db().users()?;
    let seed = random::seed()?;
    let outcome = {
        let mut limiter = ctx.obj.new_tokens.borrow_mut();
        let flood = Flood {
            limiter: &mut limiter,
            max: ctx.obj.new_token_limit,
        };
        ops::create(
            &acting(ctx, c, &r, keyed.as_ref()),
            &users,
            &draft,
            &seed,
            flood,
        )?
    };
    ctx.settle(outcome).await
}

/// `GET /api/tokens/{sid}`.
pub async fn get(ctx: &mut Ctx<'_>, c: &Caller, sid: &str) -> ApiResult<Response> {
    let r = read(ctx, Some(sid)).await?;
    let record = token(ctx, c, sid)?;
    reply::answer(&ops::get(&acting(ctx, c, &r, None), &record))
}

/// `PATCH /api/tokens/{sid}`.
pub async fn edit(ctx: &mut Ctx<'_>, c: &Caller, sid: &str) -> ApiResult<Response> {
    let r = read(ctx, Some(sid)).await?;
    let record = token(ctx, c, sid)?;
    let e: TokenEdit = body::parse(&ctx.req, &r.raw, false)?;
    let users = ctx.db().users()?;
    let outcome = ops::adjust(
        &acting(ctx, c, &r, None),
        &users,
        &record,
        &Adjustment::Edit(e),
    )?;
    ctx.settle(outcome).await
}

/// `DELETE /api/tokens/{sid}`.
pub async fn delete(ctx: &mut Ctx<'_>, c: &Caller, sid: &str) -> ApiResult<Response> {
    let r = read(ctx, Some(sid)).await?;
    let record = token(ctx, c, sid)?;
    let outcome = ops::delete(&acting(ctx, c, &r, None), &record)?;
    ctx.settle(outcome).await
}

/// `GET /api/tokens/{sid}/usage?days=N`: the token's requests, allowed and denied by
/// reason, per hour for 48 hours and per day for N days (30 by default, at most 90).
pub async fn usage(ctx: &mut Ctx<'_>, c: &Caller, sid: &str) -> ApiResult<Response> {
    let days = usage_days(&body::query(&ctx.req))?;
    // Only a token of this account (404 otherwise, as for every token route).
    token(ctx, c, sid)?;
    let client = crate::usage::UsageClient::new(ctx.env(), &c.account.id)?;
    reply::json(200, &client.series(sid, days).await?)
}

/// `POST /api/tokens/{sid}/{action}`.
pub async fn act(
    ctx: &mut Ctx<'_>,
    c: &Caller,
    sid: &str,
    action: TokenAction,
) -> ApiResult<Response> {
    let shows_use = action != TokenAction::Reveal;
    let r = read(ctx, shows_use.then_some(sid)).await?;
    // From here on: no await until the commit.
    let record = token(ctx, c, sid)?;
    let a = acting(ctx, c, &r, None);
    let outcome = match action {
        TokenAction::Reveal => return reveal(ctx, c, &record, &r).await,
        TokenAction::Duplicate => {
            body::empty(&ctx.req, &r.raw)?;
            let keyed = keyed(ctx, c, &r.raw)?;
            if let Some(kept) = replay(ctx, keyed.as_ref())? {
                return Ok(kept);
            }
            let users = ctx.db().users()?;
            let seed = random::seed()?;
            let mut limiter = ctx.obj.new_tokens.borrow_mut();
            let flood = Flood {
                limiter: &mut limiter,
                max: ctx.obj.new_token_limit,
            };
            let a = Act {
                keyed: keyed.as_ref(),
                ..a
            };
            ops::duplicate(&a, &users, &record, &seed, flood)?
        }
        TokenAction::Reset => {
            let reset: ResetRequest = body::parse(&ctx.req, &r.raw, true)?;
            let keyed = keyed(ctx, c, &r.raw)?;
            if let Some(kept) = replay(ctx, keyed.as_ref())? {
                return Ok(kept);
            }
            let a = Act {
                keyed: keyed.as_ref(),
                ..a
            };
            ops::reset(&a, &record, &reset, &random::bytes::<32>()?)?
        }
        TokenAction::Upgrade => {
            let u: UpgradeRequest = body::parse(&ctx.req, &r.raw, true)?;
            ops::adjust(&a, &[], &record, &Adjustment::Upgrade(u))?
        }
        TokenAction::Disable | TokenAction::Enable => {
            body::empty(&ctx.req, &r.raw)?;
            let adjustment = if action == TokenAction::Disable {
                Adjustment::Disable
            } else {
                Adjustment::Enable
            };
            ops::adjust(&a, &[], &record, &adjustment)?
        }
    };
    ctx.settle(outcome).await
}

/// `POST /api/tokens/{sid}/reveal`: the stored auth token, opened, and the audit entry.
async fn reveal(ctx: &Ctx<'_>, c: &Caller, record: &TokenRecord, r: &Read) -> ApiResult<Response> {
    body::empty(&ctx.req, &r.raw)?;
    let session = ctx.db().session(&c.digest)?;
    let reveal = ops::reveal(&acting(ctx, c, r, None), record, session.as_ref())?;
    let auth_token = seal::open(ctx.env(), record.sid.as_str(), &reveal.sealed)?;
    ctx.commit(&reveal.change).await?;
    reply::json(200, &RevealedToken { auth_token })
}

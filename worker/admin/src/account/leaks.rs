//! `/internal/leaked`: the secret-scanning endpoint ([`crate::scanning`]) hands the account
//! the reported digests that the index says are its tokens'. The tokens they name are read,
//! the core applies the account's leak policy (`tollgate_core::admin::leaks`), and the change
//! is committed — no `await` between the reads and the commit; the flush that follows
//! publishes it on the revocation feed before the answer.

use std::collections::BTreeMap;

use tollgate_core::admin::leaks::{self as ops, LeakRequest};
use tollgate_core::credential::AccountSid;
use worker::Response;

use super::Ctx;
use crate::error::{ApiError, ApiResult};

pub async fn report(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let r: LeakRequest = ctx.call().await?;
    // From here to the commit nothing awaits.
    let account = ctx.db().account()?.ok_or_else(ApiError::not_found)?;
    let mut tokens = BTreeMap::new();
    for rep in &r.reports {
        if let Ok(sid) = AccountSid::parse(&rep.sid)
            && let Some(t) = ctx.db().token(sid.as_str())?
        {
            tokens.insert(sid.as_str().to_owned(), t);
        }
    }
    ctx.settle(ops::report(&account, tokens, &r.reports, ctx.now))
        .await
}

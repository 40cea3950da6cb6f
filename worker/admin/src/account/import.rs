//! The one-time import of an account written by the KV-only layout (before account objects
//! existed): the first request that reaches the object of such an account reads the
//! account, its users, tokens and audit log from KV and writes them into the object in one
//! transaction (`tollgate_core::admin::import`). Old sessions are not imported: their holders
//! sign in again.

use tollgate_core::admin::import::imported;

use super::{Ctx, db};
use crate::error::ApiResult;
use crate::store::Store;

/// Imports the account's legacy records unless the object already holds the account (or
/// found nothing to import before).
pub async fn ensure(ctx: &Ctx<'_>) -> ApiResult<()> {
    if ctx.db().account()?.is_some() || ctx.db().meta("imported")?.is_some() {
        return Ok(());
    }
    let legacy = Store::open(ctx.env())?.legacy(&ctx.account_id).await?;
    // Another request may have imported while this one read KV.
    if ctx.db().account()?.is_some() {
        return Ok(());
    }
    let Some(account) = legacy.account.clone() else {
        return Ok(());
    };
    let change = imported(account, &legacy.users, &legacy.tokens);
    let mut extra = Vec::with_capacity(legacy.audit.len() + 1);
    for e in &legacy.audit {
        extra.push(db::audit(e)?);
    }
    extra.push(db::set_meta("imported", &ctx.now.0.to_string()));
    ctx.obj.commit_with(&change, extra, ctx.now).await?;
    worker::console_log!(
        "account object: imported {} users, {} tokens and {} audit entries from the KV layout",
        legacy.users.len(),
        legacy.tokens.len(),
        legacy.audit.len()
    );
    // The sign-in directory learns the users' e-mails (a missing entry only means a
    // sign-in that looks in KV once more).
    for u in &legacy.users {
        let _ = crate::directory::reserve(ctx.env(), &u.email, &ctx.account_id, &u.id).await;
    }
    Ok(())
}

//! The one-time import of an account written by the KV-only layout (before account objects
//! existed): the first request that reaches the object of such an account reads the
//! account, its users, tokens and audit log from KV and writes them into the object in one
//! transaction. Old sessions are not imported: their holders sign in again.

use tollgate_core::revision::successor;

use super::{Ctx, db};
use crate::directory;
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
    let Some(mut account) = legacy.account else {
        return Ok(());
    };
    account.revision = account.revision.max(1);
    let mut stmts = db::put_account(&account)?;
    for u in &legacy.users {
        let mut u = u.clone();
        u.revision = u.revision.max(1);
        stmts.push(db::put_user(&u)?);
    }
    for t in &legacy.tokens {
        let mut t = t.clone();
        // The replica gets a revision above the legacy record's (0).
        t.revision = successor(t.revision);
        stmts.extend(db::put_token(&t)?);
    }
    for e in &legacy.audit {
        stmts.push(db::audit(e)?);
    }
    stmts.push(db::set_meta("imported", &ctx.now.0.to_string()));
    stmts.push(db::set_meta("account_id", &ctx.account_id));
    ctx.commit(stmts).await?;
    worker::console_log!(
        "account object: imported {} users, {} tokens and {} audit entries from the KV layout",
        legacy.users.len(),
        legacy.tokens.len(),
        legacy.audit.len()
    );
    // The sign-in directory learns the users' e-mails (a missing entry only means a
    // sign-in that looks in KV once more).
    for u in &legacy.users {
        let _ = directory::reserve(ctx.env(), &u.email, &ctx.account_id, &u.id).await;
    }
    Ok(())
}

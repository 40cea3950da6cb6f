//! Claiming an e-mail for a new user: e-mails are unique across Tollgate, so the sign-in
//! directory reserves it first, and a reservation whose user does not exist in the account
//! it names (its creation failed after the reservation) is taken over — which only the
//! account's object can tell ([`HasUser`]). The protocol lives here, with its callers (a new
//! user, a new account), so the directory knows nothing of account objects.

use worker::Env;

use super::protocol::{AccountClient, HasUser};
use crate::directory::{self, Holder};
use crate::error::ApiResult;
use tollgate_core::account::AccountError;
use tollgate_core::error_code::Failure;

/// Reserves `email` for the user `user_id` of `account_id`; `email_taken` (about `field`)
/// when a real user holds it.
pub async fn claim(
    env: &Env,
    email: &str,
    account_id: &str,
    user_id: &str,
    field: &'static str,
) -> ApiResult<()> {
    let Some(holder) = directory::reserve(env, email, account_id, user_id).await? else {
        return Ok(());
    };
    let taken = || Failure::from(AccountError::EmailTaken.at(field)).into();
    if holds(env, &holder, email).await? {
        return Err(taken());
    }
    if directory::replace(env, email, &holder, account_id, user_id).await? {
        return Ok(());
    }
    Err(taken())
}

/// Gives an e-mail back (only if this user still holds it).
pub async fn release(env: &Env, email: &str, account_id: &str, user_id: &str) -> ApiResult<()> {
    directory::release(env, email, account_id, user_id).await
}

/// Whether the account `holder` names has the user it names, with that e-mail.
async fn holds(env: &Env, holder: &Holder, email: &str) -> ApiResult<bool> {
    let client = AccountClient::new(env, &holder.account_id)?;
    let ask = HasUser {
        user_id: holder.user_id.clone(),
        email: email.to_owned(),
    };
    Ok(client.call(&ask).await?.exists)
}

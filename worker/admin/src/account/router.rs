//! The admin API inside an account's object: the session check (the core's `admit`), then
//! the core's route table (the permission first, then the endpoint), then the handler.

use tollgate_core::admin::caller::{self, Admission, Found, Knock};
use tollgate_core::admin::{Caller, sign_in};
use tollgate_core::api::route::{Endpoint, route as table};
use tollgate_core::session::changes_state;
use worker::Response;

use super::{Ctx, notices, people, session, settings, tokens};
use crate::error::ApiResult;
use crate::reply;

pub async fn route(ctx: &mut Ctx<'_>, path: &str) -> ApiResult<Response> {
    let caller = authenticate(ctx).await?;
    let routed = table(&ctx.method, path);
    caller.require(routed.permission)?;
    let c = &caller;
    match routed.endpoint? {
        Endpoint::Session => reply::answer(&sign_in::view(c, &session::api_url(ctx.env()))),
        Endpoint::SignOut => ctx.settle(sign_in::logout(c, ctx.now)).await,
        Endpoint::SetLocale => session::set_locale(ctx, c).await,
        Endpoint::Sudo => session::sudo(ctx, c).await,
        Endpoint::Notifications => notices::list(ctx),
        Endpoint::Catalog => settings::catalog(ctx, c),
        Endpoint::Tokens => tokens::list(ctx, c).await,
        Endpoint::CreateToken => tokens::create(ctx, c).await,
        Endpoint::Token(sid) => tokens::get(ctx, c, &sid).await,
        Endpoint::EditToken(sid) => tokens::edit(ctx, c, &sid).await,
        Endpoint::DeleteToken(sid) => tokens::delete(ctx, c, &sid).await,
        Endpoint::TokenUsage(sid) => tokens::usage(ctx, c, &sid).await,
        Endpoint::Act(sid, action) => tokens::act(ctx, c, &sid, action).await,
        Endpoint::Users => people::list(ctx),
        Endpoint::CreateUser => people::create(ctx, c).await,
        Endpoint::PatchUser { id, disable } => people::patch(ctx, c, &id, disable).await,
        Endpoint::Account => reply::answer(&tollgate_core::admin::settings::view(c)),
        Endpoint::PatchAccount => settings::patch(ctx, c).await,
        Endpoint::Audit => settings::audit(ctx),
    }
}

/// The caller of an admin request, from its session cookie (and, on state-changing
/// requests, its CSRF token). A refresh of the session's idle timer (at most once a minute)
/// or the removal of a dead session is committed here.
async fn authenticate(ctx: &Ctx<'_>) -> ApiResult<Caller> {
    let presented = caller::presented(ctx.header("Cookie").as_deref())?;
    let session = ctx.db().session(&presented.digest)?;
    let user = match &session {
        Some(s) => ctx.db().user(&s.user_id)?,
        None => None,
    };
    let found = Found {
        session,
        user,
        account: ctx.db().account()?,
    };
    let csrf = ctx.header("X-CSRF-Token");
    let knock = Knock {
        csrf: csrf.as_deref(),
        changes_state: changes_state(&ctx.method),
        now: ctx.now,
    };
    match caller::admit(presented, found, knock) {
        Admission::Admitted(caller, touch) => {
            ctx.commit(&touch).await?;
            Ok(caller)
        }
        Admission::Refused(outcome) => {
            ctx.commit(&outcome.change).await?;
            Err(outcome
                .answer
                .err()
                .unwrap_or_else(tollgate_core::error_code::Failure::unauthenticated)
                .into())
        }
    }
}

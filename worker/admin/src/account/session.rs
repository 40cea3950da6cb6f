//! Setup of a new account, sign-in, the session check of every request, and sign-out — all
//! inside the account's object, so a session that sign-out, a disable or a password change
//! ended can never be written back by a request in flight.

use serde::{Deserialize, Serialize};
use tollgate_core::account::{AccountRecord, Permission, UserRecord};
use tollgate_core::api::{
    AuditAction, AuditEntry, LoginRequest, SessionView, SetupResponse, SudoRequest, SudoView,
};
use tollgate_core::credential::Digest;
use tollgate_core::error_code::ErrorCode;
use tollgate_core::session::{
    SessionRecord, SessionState, clear_cookie, csrf_token_for, new_session_id, session_cookie,
    session_id_from_cookies,
};
use tollgate_core::throttle;
use worker::Response;

use super::{Ctx, db};
use crate::error::{ApiError, ApiResult};
use crate::{body, password, random, reply};

/// What the front door sends to create an account (validated, password already hashed).
#[derive(Debug, Serialize, Deserialize)]
pub struct NewAccount {
    pub account: AccountRecord,
    pub admin: UserRecord,
}

/// The signed-in caller of a request.
pub struct Caller {
    pub user: UserRecord,
    pub account: AccountRecord,
    pub session: SessionRecord,
    pub session_digest: String,
    /// Kept in memory for this request only, to answer `GET /api/session` with its CSRF token.
    pub session_id: String,
}

impl Caller {
    pub fn require(&self, p: Permission) -> ApiResult<()> {
        if self.user.role.permits(p) {
            Ok(())
        } else {
            Err(ApiError::forbidden("your role does not allow this"))
        }
    }

    /// An audit entry by this caller.
    pub fn audit(
        &self,
        ctx: &Ctx<'_>,
        action: AuditAction,
        target: &str,
        name: &str,
        detail: Option<String>,
    ) -> ApiResult<db::Stmt> {
        entry(
            ctx,
            &self.user.id,
            &self.user.email,
            action,
            target,
            name,
            detail,
        )
    }
}

/// An audit entry.
pub fn entry(
    ctx: &Ctx<'_>,
    actor_id: &str,
    actor_email: &str,
    action: AuditAction,
    target: &str,
    name: &str,
    detail: Option<String>,
) -> ApiResult<db::Stmt> {
    db::audit(&AuditEntry {
        id: random::id("aud_")?,
        at: ctx.now,
        actor_id: actor_id.to_owned(),
        actor_email: actor_email.to_owned(),
        action,
        target: target.to_owned(),
        target_name: name.to_owned(),
        detail,
    })
}

/// `POST /internal/setup` (from the front door): the account and its first admin.
pub async fn setup(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let n: NewAccount = body::json(&mut ctx.req, false).await?;
    if n.account.id != ctx.account_id
        || n.admin.account_id != ctx.account_id
        || ctx.db().account()?.is_some()
    {
        return Err(ApiError::code(
            ErrorCode::Forbidden,
            "this account exists already",
            None,
        ));
    }
    let mut stmts = vec![db::set_meta("account_id", &ctx.account_id)];
    stmts.extend(db::put_account(&n.account)?);
    stmts.push(db::put_user(&n.admin)?);
    stmts.push(entry(
        ctx,
        &n.admin.id,
        &n.admin.email,
        AuditAction::UserCreated,
        &n.admin.id,
        &n.admin.name,
        Some("setup".into()),
    )?);
    ctx.commit(stmts).await?;
    reply::json(
        201,
        &SetupResponse {
            account: n.account.view(),
            admin: n.admin.view(),
        },
    )
}

/// `POST /internal/login` (from the front door, which found this account by the e-mail).
pub async fn login(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let l: LoginRequest = body::json(&mut ctx.req, false).await?;
    // From here on: no await until the commit.
    let keys = throttle::keys(&l.email, &ctx.client);
    for (key, max) in &keys {
        if let Some(secs) = throttle::retry_after(ctx.db().counter(key)?, *max, ctx.now) {
            worker::console_warn!("sign-in throttled for a client ({} s left)", secs);
            return Err(ApiError::too_many(secs));
        }
    }
    let user = ctx.db().user_by_email(l.email.trim())?;
    let valid = password::verify(&l.password, user.as_ref().map(|u| u.password_hash.as_str()))?;
    let account = ctx.db().account()?;
    let (user, account) = match (user, account) {
        (Some(u), Some(a)) if valid && u.enabled => (u, a),
        (user, _) => {
            let mut stmts = Vec::new();
            for (key, _) in &keys {
                stmts.push(db::put_counter(
                    key,
                    throttle::after_failure(ctx.db().counter(key)?, ctx.now),
                ));
            }
            if let Some(u) = &user {
                let why = if valid {
                    "user disabled"
                } else {
                    "wrong password"
                };
                stmts.push(entry(
                    ctx,
                    "",
                    &u.email,
                    AuditAction::SignInFailed,
                    &u.id,
                    &u.name,
                    Some(format!("{why}, from {}", ctx.client)),
                )?);
            }
            worker::console_warn!("failed sign-in from {}", ctx.client);
            ctx.db().atomic(stmts)?;
            return Err(ApiError::code(
                ErrorCode::InvalidCredentials,
                "the e-mail address or password is not right",
                None,
            ));
        }
    };
    let session_id = new_session_id(&account.id, &random::secret_string()?);
    let csrf = csrf_token_for(&session_id);
    let digest = Digest::of(session_id.as_bytes()).to_hex();
    let record = SessionRecord {
        schema: 1,
        user_id: user.id.clone(),
        account_id: account.id.clone(),
        generation: user.generation,
        csrf_digest: Digest::of(csrf.as_bytes()),
        created_at: ctx.now,
        last_seen: ctx.now,
        sudo_until: None,
    };
    let stmts = vec![
        db::drop_expired_sessions(ctx.now),
        db::put_session(&digest, &record)?,
        db::clear_counter(&keys[0].0),
        entry(
            ctx,
            &user.id,
            &user.email,
            AuditAction::SignedIn,
            &user.id,
            &user.name,
            None,
        )?,
    ];
    ctx.db().atomic(stmts)?;
    let view = SessionView {
        user: user.view(),
        account: account.view(),
        csrf_token: csrf,
        expires_at: record.expires_at(),
        api_url: api_url(ctx.env()),
    };
    let mut r = reply::json(201, &view)?;
    r.headers_mut()
        .set("Set-Cookie", &session_cookie(&session_id))
        .map_err(ApiError::from)?;
    Ok(r)
}

/// The caller of an admin request, from its session cookie (and, on state-changing
/// requests, its CSRF token). Refreshes the session's idle timer at most once a minute.
pub fn authenticate(ctx: &Ctx<'_>, needs_csrf: bool) -> ApiResult<Caller> {
    let cookies = ctx.header("Cookie").unwrap_or_default();
    let id = session_id_from_cookies(&cookies).ok_or_else(ApiError::unauthenticated)?;
    let digest = Digest::of(id.as_bytes()).to_hex();
    let mut session = ctx
        .db()
        .session(&digest)?
        .ok_or_else(ApiError::unauthenticated)?;
    let user = ctx.db().user(&session.user_id)?;
    let state = user.as_ref().map(|u| session.state(ctx.now, u.generation));
    let user = match (user, state) {
        (Some(u), Some(s))
            if s != SessionState::Expired && u.enabled && u.account_id == session.account_id =>
        {
            u
        }
        _ => {
            ctx.db().atomic(vec![db::delete_session(&digest)])?;
            return Err(ApiError::unauthenticated());
        }
    };
    if needs_csrf && !session.csrf_ok(ctx.header("X-CSRF-Token").as_deref()) {
        return Err(ApiError::code(
            ErrorCode::Csrf,
            "send the X-CSRF-Token from sign-in with this request",
            None,
        ));
    }
    let account = ctx.db().account()?.ok_or_else(ApiError::unauthenticated)?;
    if state == Some(SessionState::ActiveTouch) {
        session.last_seen = ctx.now;
        ctx.db()
            .atomic(vec![db::touch_session(&digest, &session)?])?;
    }
    Ok(Caller {
        user,
        account,
        session,
        session_digest: digest,
        session_id: id.to_owned(),
    })
}

/// The verifier Worker's address (`API_URL`), for the admin app's `curl` lines.
fn api_url(env: &worker::Env) -> String {
    env.var("API_URL")
        .map(|v| v.to_string().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

/// The current session and its CSRF token (the same for every tab of the session).
pub fn view(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let view = SessionView {
        user: c.user.view(),
        account: c.account.view(),
        csrf_token: csrf_token_for(&c.session_id),
        expires_at: c.session.expires_at(),
        api_url: api_url(ctx.env()),
    };
    reply::json(200, &view)
}

pub fn logout(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    ctx.db().atomic(vec![
        db::delete_session(&c.session_digest),
        c.audit(ctx, AuditAction::SignedOut, &c.user.id, &c.user.name, None)?,
    ])?;
    let mut r = reply::no_content()?;
    r.headers_mut()
        .set("Set-Cookie", &clear_cookie())
        .map_err(ApiError::from)?;
    Ok(r)
}

/// `PATCH /api/session` `{"locale": "ja"}`: the signed-in user's language (the admin app's,
/// and their notifications'). Anyone signed in may set their own.
pub async fn set_locale(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let p: tollgate_core::api::SessionPatch = crate::body::json(&mut ctx.req, false).await?;
    // Read the stored user (the caller's copy may be older), decide and write: no await between.
    let mut user = ctx
        .db()
        .user(&c.user.id)?
        .ok_or_else(ApiError::unauthenticated)?;
    if user.locale != Some(p.locale) {
        user.locale = Some(p.locale);
        user.revision = tollgate_core::revision::successor(user.revision);
        ctx.commit(vec![db::put_user(&user)?]).await?;
    }
    reply::json(200, &user.view())
}

/// `POST /api/session/sudo` `{"password": …}`: the signed-in user's password again opens the
/// session's sudo window (`SUDO_WINDOW`), in which stored auth tokens may be revealed. A
/// wrong password counts against the sign-in throttle of the user's e-mail and the client
/// and is audited, so the window is no way around sign-in's guessing limits.
pub async fn sudo(ctx: &mut Ctx<'_>, c: &Caller) -> ApiResult<Response> {
    let r: SudoRequest = body::json(&mut ctx.req, false).await?;
    // From here on: no await until the commit. Re-read what the body's await may have changed.
    let keys = throttle::keys(&c.user.email, &ctx.client);
    for (key, max) in &keys {
        if let Some(secs) = throttle::retry_after(ctx.db().counter(key)?, *max, ctx.now) {
            worker::console_warn!("re-authentication throttled for a client ({} s left)", secs);
            return Err(ApiError::too_many(secs));
        }
    }
    let user = ctx
        .db()
        .user(&c.user.id)?
        .ok_or_else(ApiError::unauthenticated)?;
    let mut session = ctx
        .db()
        .session(&c.session_digest)?
        .ok_or_else(ApiError::unauthenticated)?;
    if session.state(ctx.now, user.generation) == SessionState::Expired || !user.enabled {
        return Err(ApiError::unauthenticated());
    }
    if !password::verify(&r.password, Some(&user.password_hash))? {
        let mut stmts = Vec::new();
        for (key, _) in &keys {
            stmts.push(db::put_counter(
                key,
                throttle::after_failure(ctx.db().counter(key)?, ctx.now),
            ));
        }
        let why = format!("wrong password to re-authenticate, from {}", ctx.client);
        stmts.push(c.audit(
            ctx,
            AuditAction::SignInFailed,
            &user.id,
            &user.name,
            Some(why),
        )?);
        ctx.db().atomic(stmts)?;
        worker::console_warn!("failed re-authentication from {}", ctx.client);
        return Err(ApiError::code(
            ErrorCode::CurrentPasswordWrong,
            "that is not your password",
            Some("password"),
        ));
    }
    let sudo_until = session.grant_sudo(ctx.now);
    ctx.db().atomic(vec![
        db::touch_session(&c.session_digest, &session)?,
        db::clear_counter(&keys[0].0),
        c.audit(
            ctx,
            AuditAction::Reauthenticated,
            &user.id,
            &user.name,
            None,
        )?,
    ])?;
    reply::json(200, &SudoView { sudo_until })
}

/// Whether the caller's session is in its sudo window now (read from storage, not from the
/// copy taken when the request arrived).
pub fn in_sudo(ctx: &Ctx<'_>, c: &Caller) -> ApiResult<bool> {
    Ok(ctx
        .db()
        .session(&c.session_digest)?
        .is_some_and(|s| s.sudo_active(ctx.now)))
}

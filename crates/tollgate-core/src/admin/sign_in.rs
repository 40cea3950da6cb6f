//! Setup of a new account, sign-in with the guessing throttle, the sudo window, sign-out and
//! the user's language. The order is the core's: the throttle is checked before a password
//! is, and a wrong password counts and is audited before the refusal is answered.

use super::{Answer, Body, Caller, Outcome};
use crate::account::{
    AccountRecord, MAX_ACCOUNT_NAME_LEN, MAX_PERSON_NAME_LEN, Role, UserRecord, check_email,
    check_password, clean_name,
};
use crate::api::{LoginRequest, SessionView, SetupRequest, SetupResponse, SudoView, UserView};
use crate::audit::{Actor, Audit, AuditAction, Detail};
use crate::change::{Change, CounterWrite, SessionWrite};
use crate::credential::Digest;
use crate::error_code::{ErrorCode, Failure};
use crate::language::Language;
use crate::revision::successor;
use crate::session::{
    SessionRecord, SessionState, clear_cookie, csrf_token_for, new_session_id, session_cookie,
};
use crate::throttle::{self, Counter};
use crate::time::Timestamp;

/// The platform's password hashing (Argon2id in the Worker): the core decides when a
/// password is checked or hashed, never how.
pub trait Passwords {
    /// Whether `password` matches the stored PHC string. With none (an unknown user) the
    /// same work is done and `false` answered, so the time says nothing.
    fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, Failure>;
    /// A PHC string of `password` with a fresh salt.
    fn hash(&self, password: &str) -> Result<String, Failure>;
}

/// The ids a new account is made with (random, from the caller).
#[derive(Debug, Clone)]
pub struct NewIds {
    pub account_id: String,
    pub admin_id: String,
}

/// `POST /api/setup`: the account and its first admin, checked (each field named as the
/// request names it) and with the password hashed.
pub fn new_account(
    s: &SetupRequest,
    ids: NewIds,
    passwords: &dyn Passwords,
    now: Timestamp,
) -> Result<(AccountRecord, UserRecord), Failure> {
    let account_name =
        clean_name(&s.account.name, MAX_ACCOUNT_NAME_LEN).map_err(|e| e.at("account.name"))?;
    let email = check_email(&s.admin.email).map_err(|e| e.at("admin.email"))?;
    let name = clean_name(&s.admin.name, MAX_PERSON_NAME_LEN).map_err(|e| e.at("admin.name"))?;
    check_password(&s.admin.password).map_err(|e| e.at("admin.password"))?;
    let account = AccountRecord::new(
        ids.account_id,
        &account_name,
        s.account.account_type,
        &name,
        &email,
        now,
    )?;
    let hash = passwords.hash(&s.admin.password)?;
    let admin = UserRecord::new(
        ids.admin_id,
        &account.id,
        email,
        name,
        Role::AccountAdmin,
        hash,
        now,
    );
    Ok((account, admin))
}

/// Stores a new account and its first admin in the object named `object` (the account's id),
/// once: `existing` is what the object holds already.
pub fn setup(
    object: &str,
    existing: Option<&AccountRecord>,
    account: AccountRecord,
    admin: UserRecord,
    now: Timestamp,
) -> Result<Outcome, Failure> {
    if existing.is_some() || account.id != object || admin.account_id != account.id {
        return Err(Failure::new(
            ErrorCode::Forbidden,
            "this account exists already",
        ));
    }
    let answer = SetupResponse {
        account: (&account).into(),
        admin: (&admin).into(),
    };
    let mut change = Change::new();
    change
        .put_account(account)
        .audit(Audit {
            at: now,
            actor: Actor::new(&admin.id, &admin.email),
            action: AuditAction::UserCreated,
            target: admin.id.clone(),
            target_name: admin.name.clone(),
            detail: Detail::Text("setup".into()),
        })
        .put_user(admin);
    Ok(Outcome::answered(
        change,
        Answer::new(201, Body::Setup(answer)),
    ))
}

/// The throttle's counters of an attempt: each key with its limit and its stored counter.
pub type Counters = Vec<(String, u32, Option<Counter>)>;

/// The counter keys an attempt of `email` from `client` is judged by, with their limits (the
/// store reads each, and hands them back as [`Counters`]).
pub fn throttle_keys(email: &str, client: &str) -> [(String, u32); 2] {
    throttle::keys(email, client)
}

/// A password guessed, at sign-in or to re-authenticate: the throttle's counters it is judged
/// by, where it came from and when.
#[derive(Debug)]
pub struct Guess<'a> {
    pub counters: Counters,
    /// The client's address (`CF-Connecting-IP`).
    pub client: &'a str,
    pub now: Timestamp,
}

impl Guess<'_> {
    /// Refuses a guess that one of its counters has stopped (before any password is hashed).
    fn throttled(&self) -> Result<(), Failure> {
        for (_, max, counter) in &self.counters {
            if let Some(secs) = throttle::retry_after(*counter, *max, self.now) {
                return Err(Failure::rate_limited(secs));
            }
        }
        Ok(())
    }

    /// A wrong guess: one more failure on each counter.
    fn failed(&self, change: &mut Change) {
        for (key, _, counter) in &self.counters {
            change.counter(CounterWrite::Put {
                key: key.clone(),
                counter: throttle::after_failure(*counter, self.now),
            });
        }
    }

    /// A right guess: the e-mail's counter starts again (the address's stays).
    fn succeeded(&self, change: &mut Change) {
        if let Some((pair, _, _)) = self.counters.first() {
            change.counter(CounterWrite::Clear { key: pair.clone() });
        }
    }
}

/// A sign-in attempt, as the account's object sees it.
#[derive(Debug)]
pub struct Attempt<'a> {
    pub request: &'a LoginRequest,
    /// The user with the e-mail, if the account has one, and the account.
    pub user: Option<UserRecord>,
    pub account: Option<AccountRecord>,
    /// A new random secret, the session id's if the password is right.
    pub secret: &'a str,
    /// Where the API answers (the admin app's `curl` lines).
    pub api_url: &'a str,
    pub guess: Guess<'a>,
}

/// `POST /api/session`: a session for the right password of an enabled user, with its
/// cookie; a wrong one counts against the throttle and is audited (for a known user).
pub fn login(a: Attempt<'_>, passwords: &dyn Passwords) -> Result<Outcome, Failure> {
    let g = &a.guess;
    g.throttled()?;
    let stored = a.user.as_ref().map(|u| u.password_hash.as_str());
    let valid = passwords.verify(&a.request.password, stored)?;
    let (user, account) = match (a.user, a.account) {
        (Some(u), Some(acc)) if valid && u.enabled => (u, acc),
        (user, _) => {
            let mut change = Change::new();
            g.failed(&mut change);
            if let Some(u) = &user {
                let why = if valid {
                    "user disabled"
                } else {
                    "wrong password"
                };
                change.audit(Audit {
                    at: g.now,
                    actor: Actor::new("", &u.email),
                    action: AuditAction::SignInFailed,
                    target: u.id.clone(),
                    target_name: u.name.clone(),
                    detail: Detail::Text(format!("{why}, from {}", g.client)),
                });
            }
            return Ok(Outcome::refused(change, invalid_credentials()));
        }
    };
    let session_id = new_session_id(&account.id, a.secret);
    let csrf = csrf_token_for(&session_id);
    let digest = Digest::of(session_id.as_bytes()).to_hex();
    let record = SessionRecord {
        schema: 1,
        user_id: user.id.clone(),
        account_id: account.id.clone(),
        generation: user.generation,
        csrf_digest: Digest::of(csrf.as_bytes()),
        created_at: g.now,
        last_seen: g.now,
        sudo_until: None,
    };
    let view = SessionView {
        user: (&user).into(),
        account: (&account).into(),
        csrf_token: csrf,
        expires_at: record.expires_at(),
        api_url: a.api_url.to_owned(),
    };
    let mut change = Change::new();
    change
        .session(SessionWrite::DropExpired { before: g.now })
        .session(SessionWrite::Put { digest, record })
        .audit(Audit {
            at: g.now,
            actor: Actor::new(&user.id, &user.email),
            action: AuditAction::SignedIn,
            target: user.id.clone(),
            target_name: user.name.clone(),
            detail: Detail::None,
        });
    g.succeeded(&mut change);
    let mut answer = Answer::new(201, Body::Session(view));
    answer.set_cookie = Some(session_cookie(&session_id));
    Ok(Outcome::answered(change, answer))
}

/// The answer to a wrong e-mail or password (also for an e-mail that belongs to no account).
pub fn invalid_credentials() -> Failure {
    Failure::new(
        ErrorCode::InvalidCredentials,
        "the e-mail address or password is not right",
    )
}

/// `GET /api/session`: the session and its CSRF token (the same for every tab of it).
pub fn view(caller: &Caller, api_url: &str) -> Answer {
    Answer::new(
        200,
        Body::Session(SessionView {
            user: (&caller.user).into(),
            account: (&caller.account).into(),
            csrf_token: csrf_token_for(&caller.session_id),
            expires_at: caller.session.expires_at(),
            api_url: api_url.to_owned(),
        }),
    )
}

/// `DELETE /api/session`.
pub fn logout(caller: &Caller, now: Timestamp) -> Outcome {
    let mut change = Change::new();
    change
        .session(SessionWrite::Delete {
            digest: caller.digest.clone(),
        })
        .audit(caller.audit(
            now,
            AuditAction::SignedOut,
            (&caller.user.id, &caller.user.name),
            Detail::None,
        ));
    let mut answer = Answer::no_content();
    answer.set_cookie = Some(clear_cookie());
    Outcome::answered(change, answer)
}

/// `PATCH /api/session` `{"locale"}`: the signed-in user's language (the admin app's and
/// their notifications'); `stored` is the user as stored now.
pub fn set_locale(stored: Option<UserRecord>, locale: Language) -> Result<Outcome, Failure> {
    let mut user = stored.ok_or_else(Failure::unauthenticated)?;
    let mut change = Change::new();
    if user.locale != Some(locale) {
        user.locale = Some(locale);
        user.revision = successor(user.revision);
        change.put_user(user.clone());
    }
    Ok(Outcome::answered(
        change,
        Answer::new(200, Body::User(UserView::from(&user))),
    ))
}

/// A re-authentication, as the account's object sees it: the user and session as stored now.
#[derive(Debug)]
pub struct Sudo<'a> {
    pub password: &'a str,
    pub user: Option<UserRecord>,
    pub session: Option<SessionRecord>,
    pub guess: Guess<'a>,
}

/// `POST /api/session/sudo`: the password again opens the session's sudo window. A wrong
/// password counts against the sign-in throttle and is audited, so the window is no way
/// around sign-in's guessing limits.
pub fn sudo(caller: &Caller, s: Sudo<'_>, passwords: &dyn Passwords) -> Result<Outcome, Failure> {
    let g = &s.guess;
    g.throttled()?;
    let user = s.user.ok_or_else(Failure::unauthenticated)?;
    let mut session = s.session.ok_or_else(Failure::unauthenticated)?;
    if session.state(g.now, user.generation) == SessionState::Expired || !user.enabled {
        return Err(Failure::unauthenticated());
    }
    let target = (user.id.as_str(), user.name.as_str());
    let mut change = Change::new();
    if !passwords.verify(s.password, Some(&user.password_hash))? {
        g.failed(&mut change);
        let why = format!("wrong password to re-authenticate, from {}", g.client);
        change.audit(caller.audit(g.now, AuditAction::SignInFailed, target, Detail::Text(why)));
        let f = Failure::new(ErrorCode::CurrentPasswordWrong, "that is not your password");
        return Ok(Outcome::refused(change, f.at("password")));
    }
    let sudo_until = session.grant_sudo(g.now);
    change.session(SessionWrite::Touch {
        digest: caller.digest.clone(),
        record: session,
    });
    g.succeeded(&mut change);
    change.audit(caller.audit(g.now, AuditAction::Reauthenticated, target, Detail::None));
    Ok(Outcome::answered(
        change,
        Answer::new(200, Body::Sudo(SudoView { sudo_until })),
    ))
}

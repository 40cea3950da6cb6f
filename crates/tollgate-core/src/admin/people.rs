//! The account's users: add one (its e-mail claimed in the sign-in directory first, by the
//! Worker), change one (own password changes need the current password; a change that ends
//! sessions ends them in the same transaction), disable one.

use super::sign_in::Passwords;
use super::{Answer, Body, Caller, Outcome, precondition};
use crate::account::{
    AccountError, MAX_PERSON_NAME_LEN, Role, UserChanges, UserRecord, check_email, check_password,
    clean_name,
};
use crate::api::{NewUser, UserPatch, UserView};
use crate::audit::{AuditAction, Detail};
use crate::change::{Change, SessionWrite};
use crate::error_code::{ErrorCode, Failure};
use crate::time::Timestamp;

/// `GET /api/users`: every user, oldest first.
pub fn list(users: &[UserRecord]) -> Vec<UserView> {
    users.iter().map(UserView::from).collect()
}

/// A user to add, checked and with the password hashed (before the e-mail is claimed in the
/// sign-in directory, so that a refused request claims nothing).
pub fn new_user(
    caller: &Caller,
    n: &NewUser,
    id: String,
    passwords: &dyn Passwords,
    now: Timestamp,
) -> Result<UserRecord, Failure> {
    let email = check_email(&n.email).map_err(|e| e.at("email"))?;
    let name = clean_name(&n.name, MAX_PERSON_NAME_LEN).map_err(|e| e.at("name"))?;
    check_password(&n.password).map_err(|e| e.at("password"))?;
    let hash = passwords.hash(&n.password)?;
    Ok(UserRecord::new(
        id,
        &caller.account.id,
        email,
        name,
        n.role,
        hash,
        now,
    ))
}

/// `POST /api/users`: adds `user` (its e-mail already claimed for it) unless the account
/// has a user with that e-mail.
pub fn create(
    caller: &Caller,
    users: &[UserRecord],
    user: UserRecord,
    now: Timestamp,
) -> Result<Outcome, Failure> {
    if users
        .iter()
        .any(|u| u.email.eq_ignore_ascii_case(&user.email))
    {
        return Err(AccountError::EmailTaken.at("email").into());
    }
    let mut change = Change::new();
    change.audit(caller.audit(
        now,
        AuditAction::UserCreated,
        (&user.id, &user.name),
        crate::audit::Detail::Text(user.role.as_str().to_owned()),
    ));
    let answer = Answer::tagged(201, Body::User(UserView::from(&user)), user.revision);
    change.put_user(user);
    Ok(Outcome::answered(change, answer))
}

/// Whether `user` (of this account) is the one with `email`: the directory asks before it
/// takes over a reservation.
pub fn holds(user: Option<&UserRecord>, email: &str) -> bool {
    user.is_some_and(|u| u.email.eq_ignore_ascii_case(email.trim()))
}

/// A change of a user, as a request makes it.
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    pub id: &'a str,
    pub patch: &'a UserPatch,
    /// The request's `If-Match`.
    pub if_match: Option<&'a str>,
    pub now: Timestamp,
}

/// `PATCH /api/users/{id}` (and `DELETE`, a patch that disables). Users changing their own
/// password give the current one; an admin resetting someone else's does not.
pub fn patch(
    caller: &Caller,
    users: &[UserRecord],
    e: Edit<'_>,
    passwords: &dyn Passwords,
) -> Result<Outcome, Failure> {
    let target = users
        .iter()
        .find(|u| u.id == e.id)
        .ok_or_else(Failure::not_found)?;
    precondition(e.if_match, target.revision, || UserView::from(target))?;
    let p = e.patch;
    if target.id == caller.user.id && p.password.is_some() {
        current_password(target, p.current_password.as_deref(), passwords)?;
    }
    let password_hash = match &p.password {
        Some(pw) => {
            check_password(pw).map_err(|e| e.at("password"))?;
            Some(passwords.hash(pw)?)
        }
        None => None,
    };
    let changes = UserChanges {
        name: p.name.clone(),
        role: p.role,
        enabled: p.enabled,
        password_hash,
    };
    let others = users
        .iter()
        .filter(|u| u.id != e.id && u.enabled && u.role == Role::AccountAdmin)
        .count();
    let next = target.apply(&changes, &caller.user.id, others)?;
    let answer = Answer::tagged(200, Body::User(UserView::from(&next)), next.revision);
    if next == *target {
        return Ok(Outcome::answered(Change::new(), answer));
    }
    let mut change = Change::new();
    if next.generation != target.generation {
        change.session(SessionWrite::EndAllOf {
            user_id: next.id.clone(),
        });
    }
    let action = if target.enabled && !next.enabled {
        AuditAction::UserDisabled
    } else {
        AuditAction::UserEdited
    };
    change.audit(caller.audit(e.now, action, (&next.id, &next.name), Detail::None));
    change.put_user(next);
    Ok(Outcome::answered(change, answer))
}

fn current_password(
    target: &UserRecord,
    current: Option<&str>,
    passwords: &dyn Passwords,
) -> Result<(), Failure> {
    let current = current.ok_or_else(|| {
        Failure::new(
            ErrorCode::CurrentPasswordRequired,
            "enter your current password to set a new one",
        )
        .at("current_password")
    })?;
    if passwords.verify(current, Some(&target.password_hash))? {
        Ok(())
    } else {
        Err(Failure::new(
            ErrorCode::CurrentPasswordWrong,
            "the current password is not right",
        )
        .at("current_password"))
    }
}

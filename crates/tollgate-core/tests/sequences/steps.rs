//! The steps the sequences are made of: sign in, act, create.

use crate::store::{Plain, Store};
use tollgate_core::account::AccountType;
use tollgate_core::admin::caller::{self, Admission, Knock};
use tollgate_core::admin::sign_in::{self, Attempt, Guess, NewIds};
use tollgate_core::admin::tokens::{self, Act};
use tollgate_core::admin::{Body, Caller};
use tollgate_core::api::{LoginRequest, NewAccount, NewAdmin, SetupRequest, TokenDraft};
use tollgate_core::credential::CredentialSeed;
use tollgate_core::error_code::Failure;
use tollgate_core::time::{Span, Timestamp};
use tollgate_core::token::TokenRecord;

pub const T0: Timestamp = Timestamp(1_800_000_000_000);
pub const PASSWORD: &str = "correct horse battery";

pub fn at(minutes: i64) -> Timestamp {
    T0.plus(Span::minutes(minutes))
}

pub fn seed(n: u8) -> CredentialSeed {
    CredentialSeed::from_bytes(&[n; 48])
}

/// A store with an account made by setup, and its admin signed in.
pub fn signed_in() -> (Store, Caller) {
    let mut store = Store::default();
    let request = SetupRequest {
        account: NewAccount {
            name: "Acme Partners".into(),
            account_type: AccountType::Partner,
        },
        admin: NewAdmin {
            email: "Admin@Example.com".into(),
            password: PASSWORD.into(),
            name: "Ada Admin".into(),
        },
    };
    let ids = NewIds {
        account_id: "acc_00000000000000000001".into(),
        admin_id: "usr_1".into(),
    };
    let (account, admin) = sign_in::new_account(&request, ids, &Plain, T0).expect("valid setup");
    let object = account.id.clone();
    let setup = sign_in::setup(&object, None, account, admin, T0).expect("new");
    store.run(setup).expect("created");
    let caller = sign_in(&mut store, "admin@example.com", PASSWORD, T0).expect("signed in");
    (store, caller)
}

pub fn sign_in(
    store: &mut Store,
    email: &str,
    password: &str,
    now: Timestamp,
) -> Result<Caller, Failure> {
    let request = LoginRequest {
        email: email.into(),
        password: password.into(),
    };
    let counters = sign_in::throttle_keys(email, "203.0.113.7")
        .into_iter()
        .map(|(k, max)| {
            let c = store.counters.get(&k).copied();
            (k, max, c)
        })
        .collect();
    let secret = "S".repeat(43);
    let attempt = Attempt {
        request: &request,
        user: store
            .users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .cloned(),
        account: store.account.clone(),
        secret: &secret,
        api_url: "",
        guess: Guess {
            counters,
            client: "203.0.113.7",
            now,
        },
    };
    let outcome = sign_in::login(attempt, &Plain)?;
    let cookie = outcome
        .answer
        .as_ref()
        .ok()
        .and_then(|a| a.set_cookie.clone());
    store.run(outcome)?;
    let cookie = cookie.expect("a cookie");
    let header = cookie.split(';').next().expect("name=value").to_owned();
    let presented = caller::presented(Some(&header))?;
    let found = store.found(&presented.digest);
    let knock = read_only(now);
    match caller::admit(presented, found, knock) {
        Admission::Admitted(c, touch) => {
            store.commit(touch);
            Ok(c)
        }
        Admission::Refused(o) => Err(o.answer.expect_err("refused")),
    }
}

pub fn act<'a>(caller: &'a Caller, now: Timestamp) -> Act<'a> {
    Act {
        caller,
        now,
        if_match: None,
        keyed: None,
        last_used: None,
    }
}

pub fn draft(caller: &Caller, name: &str) -> TokenDraft {
    TokenDraft {
        name: name.into(),
        primary_contact: caller.user.id.clone(),
        developer_emails: vec!["dev@example.com".into()],
        scopes: vec!["reports.read".into()],
        ..TokenDraft::default()
    }
}

/// Creates a token and returns its SID and auth token.
pub fn create(
    store: &mut Store,
    caller: &Caller,
    name: &str,
    now: Timestamp,
    n: u8,
) -> (String, String) {
    let users = store.users.clone();
    let d = draft(caller, name);
    let outcome =
        tokens::create(&act(caller, now), &users, &d, &seed(n), store.flood()).expect("valid");
    match store.run(outcome) {
        Ok(Body::Issued(i)) => (i.token.sid.as_str().to_owned(), i.auth_token),
        other => panic!("create answered {other:?}"),
    }
}

pub fn token(store: &Store, sid: &str) -> TokenRecord {
    store.tokens.get(sid).cloned().expect("stored")
}

/// A request that changes nothing (no CSRF token needed) at `now`.
pub fn read_only(now: Timestamp) -> Knock<'static> {
    Knock {
        csrf: None,
        changes_state: false,
        now,
    }
}

/// A request that changes state, without a CSRF token, at `now`.
pub fn changing(now: Timestamp) -> Knock<'static> {
    Knock {
        changes_state: true,
        ..read_only(now)
    }
}

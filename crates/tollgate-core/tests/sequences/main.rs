//! Whole sequences of admin operations driven through the core alone, the way a sans-I/O
//! protocol is tested with a simulated peer: a small in-memory store ([`Store`]) applies
//! each operation's `Change` exactly as the account's object commits it, and the edge's
//! decision is taken on the replica rows the changes queued. No Worker, no clock, no RNG.

mod steps;
mod store;

use std::collections::BTreeMap;

use tollgate_core::admin::caller::{self, Admission};
use tollgate_core::admin::leaks::{self, Reported};
use tollgate_core::admin::sign_in::{self};
use tollgate_core::admin::tokens::{self, Adjustment, Flood};
use tollgate_core::admin::{Body, settings};
use tollgate_core::api::{AccountPatch, ResetRequest, TokenDraft, TokenEdit};
use tollgate_core::audit::AuditAction;
use tollgate_core::credential::Digest;
use tollgate_core::error_code::ErrorCode;
use tollgate_core::idempotency::Keyed;
use tollgate_core::notify::EventKind;
use tollgate_core::throttle::Limiter;
use tollgate_core::token::{GracePeriod, NEW_TOKEN_WINDOW, TokenRecord};

use steps::*;

#[test]
fn create_edit_reset_with_grace_leak_and_reset_again() {
    let (mut store, caller) = signed_in();
    let (sid, first) = create(&mut store, &caller, "Reporting", at(1), 1);
    assert_eq!(
        store.edge(&sid, &first, at(1)),
        Ok(()),
        "the edge takes a new token at once"
    );
    assert!(
        token(&store, &sid).sealed_auth_token.is_some(),
        "the auth token is kept, sealed"
    );

    // An edit of the scopes: audited with the fields it named, and the people on the token hear.
    let edit = TokenEdit {
        scopes: Some(vec!["reports.read".into(), "actions.read".into()]),
        description: Some("nightly".into()),
        ..TokenEdit::default()
    };
    let users = store.users.clone();
    let record = token(&store, &sid);
    let o = tokens::adjust(
        &act(&caller, at(2)),
        &users,
        &record,
        &Adjustment::Edit(edit),
    )
    .expect("valid");
    store.run(o).expect("edited");
    let entry = store.audit.last().expect("audited");
    assert_eq!(entry.detail.text().as_deref(), Some("description,scopes"));

    // A reset with an hour's grace: both secrets verify until the grace ends.
    let record = token(&store, &sid);
    let grace = ResetRequest {
        grace: GracePeriod::OneHour,
        expires_at: None,
    };
    let second = match store
        .run(tokens::reset(&act(&caller, at(3)), &record, &grace, &[7; 32]).expect("reset"))
    {
        Ok(Body::Issued(i)) => i.auth_token,
        other => panic!("reset answered {other:?}"),
    };
    assert_eq!(
        store.edge(&sid, &first, at(4)),
        Ok(()),
        "the old secret within its grace"
    );
    assert_eq!(store.edge(&sid, &second, at(4)), Ok(()));
    assert!(store.edge(&sid, &first, at(64)).is_err(), "the grace ends");

    // The new secret is reported leaked: the account's policy disables the token at once.
    let record = token(&store, &sid);
    let report = Reported {
        sid: sid.clone(),
        digest: Digest::of(second.as_bytes()).to_hex(),
        url: "https://github.com/o/r/blob/main/.env".into(),
        source: "content".into(),
    };
    let account = store.account.clone().expect("account");
    let tokens_named = BTreeMap::from([(sid.clone(), record)]);
    let o = leaks::report(&account, tokens_named, std::slice::from_ref(&report), at(5));
    match store.run(o) {
        Ok(Body::Leaks(answer)) => assert_eq!(answer.live, vec![true]),
        other => panic!("report answered {other:?}"),
    }
    assert!(
        store.edge(&sid, &second, at(5)).is_err(),
        "the leaked secret is refused"
    );
    let record = token(&store, &sid);
    let enable = tokens::adjust(&act(&caller, at(6)), &[], &record, &Adjustment::Enable);
    assert_eq!(
        enable.map(drop).map_err(|f| f.code),
        Err(ErrorCode::TokenLeaked)
    );
    let with_grace = tokens::reset(&act(&caller, at(6)), &record, &grace, &[8; 32]);
    assert_eq!(
        with_grace.map(drop).map_err(|f| f.code),
        Err(ErrorCode::LeakedGrace)
    );

    // A reset without grace clears the leak; enabling works again.
    let none = ResetRequest::default();
    let third = match store
        .run(tokens::reset(&act(&caller, at(7)), &record, &none, &[9; 32]).expect("reset"))
    {
        Ok(Body::Issued(i)) => i.auth_token,
        other => panic!("reset answered {other:?}"),
    };
    let record = token(&store, &sid);
    assert!(record.leak.is_none());
    store
        .run(
            tokens::adjust(&act(&caller, at(8)), &[], &record, &Adjustment::Enable)
                .expect("enable"),
        )
        .expect("enabled");
    assert_eq!(store.edge(&sid, &third, at(8)), Ok(()));
    assert!(store.edge(&sid, &second, at(8)).is_err());

    {
        use AuditAction::*;
        assert_eq!(
            store.actions(),
            [
                UserCreated,
                SignedIn,
                TokenCreated,
                TokenEdited,
                TokenReset,
                TokenLeaked,
                TokenReset,
                TokenEnabled
            ]
        );
    }
    {
        use EventKind::*;
        assert_eq!(
            store.event_kinds(),
            [
                TokenCreated,
                ScopesChanged,
                TokenReset,
                TokenLeaked,
                TokenReset,
                TokenEnabled
            ]
        );
    }
    let (revision, _) = store.replica[&format!("tok:{sid}")];
    assert_eq!(
        revision,
        token(&store, &sid).revision,
        "the replica holds the newest revision"
    );
}

#[test]
fn a_keyed_create_keeps_its_answer_and_a_stale_change_is_refused_with_the_current_view() {
    let (mut store, caller) = signed_in();
    let users = store.users.clone();
    let keyed = Keyed {
        key: "usr_1:k1".into(),
        fingerprint: "f".into(),
    };
    let mut a = act(&caller, at(1));
    a.keyed = Some(&keyed);
    let d = draft(&caller, "Keyed");
    let o = tokens::create(&a, &users, &d, &seed(3), store.flood()).expect("valid");
    let answer = o.answer.as_ref().expect("answered").json();
    store.run(o).expect("created");
    assert_eq!(
        store.kept.get("usr_1:k1"),
        Some(&answer),
        "the very answer is kept"
    );

    let (sid, _) = create(&mut store, &caller, "Stale", at(2), 4);
    let record = token(&store, &sid);
    let mut stale = act(&caller, at(3));
    stale.if_match = Some("\"0\"");
    let f = tokens::adjust(&stale, &[], &record, &Adjustment::Disable).expect_err("stale");
    assert_eq!(f.code, ErrorCode::StaleRevision);
    let current: tollgate_core::api::TokenView =
        serde_json::from_str(&f.current.expect("the current view")).expect("a token view");
    assert_eq!(current.revision, 1);
    assert_eq!(current.state, tollgate_core::api::TokenState::Enabled);
}

#[test]
fn a_disable_and_a_delete_reach_the_edge_and_an_empty_edit_changes_nothing() {
    let (mut store, caller) = signed_in();
    let (sid, secret) = create(&mut store, &caller, "Short-lived", at(1), 5);
    let record = token(&store, &sid);
    let nothing = tokens::adjust(
        &act(&caller, at(2)),
        &[],
        &record,
        &Adjustment::Edit(TokenEdit::default()),
    )
    .expect("valid");
    assert!(
        nothing.change.is_empty(),
        "no revision, no audit, no replica row"
    );
    store
        .run(
            tokens::adjust(&act(&caller, at(2)), &[], &record, &Adjustment::Disable)
                .expect("disable"),
        )
        .expect("disabled");
    assert!(store.edge(&sid, &secret, at(2)).is_err());
    let record = token(&store, &sid);
    assert_eq!(
        store.run(tokens::delete(&act(&caller, at(3)), &record).expect("delete")),
        Ok(Body::Empty)
    );
    assert!(!store.tokens.contains_key(&sid));
    let (revision, value) = &store.replica[&format!("tok:{sid}")];
    assert!(
        value.starts_with("{\"tombstone\""),
        "a tombstone at revision {revision}"
    );
    assert_eq!(store.event_kinds().last(), Some(&EventKind::TokenDeleted));
}

#[test]
fn switching_to_show_once_drops_every_kept_auth_token_and_is_audited_with_its_field() {
    let (mut store, caller) = signed_in();
    let (sid, _) = create(&mut store, &caller, "Kept", at(1), 6);
    assert!(token(&store, &sid).sealed_auth_token.is_some());
    let patch = AccountPatch {
        show_tokens_once: Some(true),
        ..AccountPatch::default()
    };
    let current = store.account.clone().expect("account");
    let all: Vec<TokenRecord> = store.tokens.values().cloned().collect();
    let edit = settings::Edit {
        patch: &patch,
        if_match: None,
        now: at(2),
    };
    let o = settings::patch(&caller, &current, edit, &mut || Ok(all.clone())).expect("valid");
    store.run(o).expect("saved");
    assert!(token(&store, &sid).sealed_auth_token.is_none());
    assert!(store.account.as_ref().is_some_and(|a| a.show_tokens_once));
    assert_eq!(
        store.audit.last().and_then(|a| a.detail.text()).as_deref(),
        Some("show_tokens_once")
    );
    // The account's replica row went out with it.
    assert!(store.replica.contains_key(&format!("acct:{}", current.id)));
}

#[test]
fn wrong_passwords_are_counted_and_audited_until_the_throttle_stops_them() {
    let (mut store, _) = signed_in();
    for i in 0..10 {
        let f =
            sign_in(&mut store, "admin@example.com", "not the password", at(i)).expect_err("wrong");
        assert_eq!(f.code, ErrorCode::InvalidCredentials);
    }
    let stopped =
        sign_in(&mut store, "admin@example.com", PASSWORD, at(10)).expect_err("throttled");
    assert_eq!(stopped.code, ErrorCode::RateLimited);
    assert!(stopped.retry_after.is_some_and(|s| s > 0));
    let failures = store
        .actions()
        .iter()
        .filter(|a| **a == AuditAction::SignInFailed)
        .count();
    assert_eq!(failures, 10, "each wrong password is audited");
    // Once the window is over the right password works, and clears the pair's counter.
    sign_in(&mut store, "admin@example.com", PASSWORD, at(30)).expect("signed in");
    assert_eq!(
        store
            .counters
            .keys()
            .filter(|k| k.starts_with("pair:"))
            .count(),
        0
    );
}

#[test]
fn a_session_ends_with_sign_out_and_a_request_without_csrf_changes_nothing() {
    let (mut store, caller) = signed_in();
    let presented = caller::presented(Some(&format!(
        "__Host-tollgate_session={}",
        caller.session_id
    )))
    .expect("presented");
    let found = store.found(&presented.digest);
    let knock = changing(at(1));
    match caller::admit(presented.clone(), found, knock) {
        Admission::Refused(o) => {
            assert_eq!(o.answer.map(drop).map_err(|f| f.code), Err(ErrorCode::Csrf));
            assert!(o.change.is_empty());
        }
        Admission::Admitted(..) => panic!("no CSRF token"),
    }
    store
        .run(sign_in::logout(&caller, at(2)))
        .expect("signed out");
    let found = store.found(&presented.digest);
    let knock = read_only(at(3));
    assert!(matches!(
        caller::admit(presented, found, knock),
        Admission::Refused(_)
    ));
    assert_eq!(store.actions().last(), Some(&AuditAction::SignedOut));
}

#[test]
fn the_flood_limit_counts_new_tokens_per_account_but_not_refused_drafts() {
    let (store, caller) = signed_in();
    let users = store.users.clone();
    let mut limiter = Limiter::new(NEW_TOKEN_WINDOW, 2);
    let bad = TokenDraft {
        name: String::new(),
        ..draft(&caller, "x")
    };
    for _ in 0..3 {
        let flood = Flood {
            limiter: &mut limiter,
            max: 2,
        };
        let f =
            tokens::create(&act(&caller, at(1)), &users, &bad, &seed(9), flood).expect_err("bad");
        assert_eq!(f.code, ErrorCode::NameEmpty);
    }
    for n in 0..3u8 {
        let flood = Flood {
            limiter: &mut limiter,
            max: 2,
        };
        let r = tokens::create(
            &act(&caller, at(1)),
            &users,
            &draft(&caller, "ok"),
            &seed(n),
            flood,
        );
        assert_eq!(r.is_ok(), n < 2, "token {n}");
    }
}

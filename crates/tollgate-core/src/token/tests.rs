//! The token operations' tests (and fixtures other modules' tests use).

use super::*;
use crate::credential::CredentialSeed;
use crate::error_code::Refusal;
use crate::scope::all_scope_ids;
use proptest::prelude::*;

pub(crate) fn users() -> Vec<String> {
    vec!["usr_admin".to_owned(), "usr_dev".to_owned()]
}

pub(crate) fn ctx(users: &[String]) -> AccountContext<'_> {
    AccountContext {
        account_id: "acc_1",
        account_type: AccountType::Partner,
        users,
        max_lifetime_days: None,
    }
}

pub(crate) fn seed(n: u8) -> CredentialSeed {
    CredentialSeed {
        sid: [n; 16],
        token: [n.wrapping_add(1); 32],
    }
}

pub(crate) fn draft() -> TokenSpec {
    TokenSpec {
        name: "Reporting sync".into(),
        description: "Nightly export".into(),
        api_version: None,
        primary_contact: "usr_dev".into(),
        developer_emails: vec!["dev@example.com".into()],
        scopes: vec!["reports.read".into(), "actions.read".into()],
        ..TokenSpec::default()
    }
}

pub(crate) fn issued(n: u8) -> Issued {
    let u = users();
    create(&draft(), &ctx(&u), &seed(n), Timestamp(1_000)).expect("valid draft")
}

#[test]
fn every_change_takes_the_next_revision_and_no_change_keeps_it() {
    let u = users();
    let c = ctx(&u);
    let r = issued(1).record;
    assert_eq!(r.revision, 1);
    assert_eq!(
        edit(&r, &TokenChanges::default(), &c, Timestamp(2_000))
            .expect("no-op")
            .revision,
        1
    );
    let named = TokenChanges {
        name: Some("Renamed".into()),
        ..TokenChanges::default()
    };
    assert_eq!(
        edit(&r, &named, &c, Timestamp(2_000))
            .expect("edit")
            .revision,
        2
    );
    let off = disable(&r, &c, Timestamp(2_000)).expect("disable");
    assert_eq!(off.revision, 2);
    assert_eq!(
        enable(&off, &c, Timestamp(3_000)).expect("enable").revision,
        3
    );
    assert_eq!(
        reset(&r, &c, &[9; 32], GracePeriod::None, Timestamp(2_000))
            .expect("reset")
            .record
            .revision,
        2
    );
    assert_eq!(
        delete(&r, &c, Timestamp(2_000)).expect("delete").revision,
        2
    );
    assert_eq!(drop_sealed(&r), None);
    let sealed = TokenRecord {
        sealed_auth_token: Some("v1.x".into()),
        ..r.clone()
    };
    let dropped = drop_sealed(&sealed).expect("had one");
    assert_eq!((dropped.sealed_auth_token, dropped.revision), (None, 2));
}

#[test]
fn create_defaults_to_the_latest_version_and_stores_only_a_digest() {
    let i = issued(1);
    assert_eq!(i.record.api_version, ApiVersion::latest());
    assert!(i.record.enabled);
    assert_eq!(i.record.secret.digest, i.auth_token.digest());
    let json = serde_json::to_string(&i.record).expect("serializes");
    assert!(!json.contains(i.auth_token.expose()));
    assert_eq!(TokenRecord::from_json(&json).expect("reads back"), i.record);
}

#[test]
fn create_reports_each_problem_on_its_field() {
    let u = users();
    let c = ctx(&u);
    type Change = fn(&mut TokenSpec);
    let cases: Vec<(Change, &str)> = vec![
        (|d| d.name = "  ".into(), "name_empty"),
        (|d| d.name = "x".repeat(101), "name_too_long"),
        (|d| d.description = "x".repeat(501), "description_too_long"),
        (
            |d| d.primary_contact = "usr_other".into(),
            "unknown_contact",
        ),
        (
            |d| d.developer_emails = vec!["nope".into()],
            "email_invalid",
        ),
        (
            |d| d.developer_emails = vec!["a@b.co".into(), "A@B.CO".into()],
            "email_repeated",
        ),
        (
            |d| d.developer_emails = vec!["a@b.co".into(); 21],
            "too_many_emails",
        ),
        (|d| d.scopes = vec![], "no_scopes"),
        (|d| d.scopes = vec!["invoices.read".into()], "unknown_scope"),
        (
            |d| d.scopes = vec!["webhooks.read".into()],
            "unknown_scope_old",
        ),
    ];
    for (change, code) in cases {
        let mut d = draft();
        if code == "unknown_scope_old" {
            d.api_version = Some(ApiVersion::V2024_04_01);
        }
        change(&mut d);
        let err = create(&d, &c, &seed(1), Timestamp(0)).expect_err(code);
        assert_eq!(err.code().as_str(), code.trim_end_matches("_old"));
        assert!(err.field().is_some());
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn edit_changes_only_what_is_given() {
    let i = issued(1);
    let u = users();
    let e = TokenChanges {
        name: Some("Renamed".into()),
        ..TokenChanges::default()
    };
    let next = edit(&i.record, &e, &ctx(&u), Timestamp(2_000)).expect("valid edit");
    assert_eq!(next.name, "Renamed");
    assert_eq!(next.scopes, i.record.scopes);
    assert_eq!(next.updated_at, Timestamp(2_000));
    let same = edit(
        &i.record,
        &TokenChanges::default(),
        &ctx(&u),
        Timestamp(3_000),
    )
    .expect("no-op");
    assert_eq!(same, i.record);
    let bad = TokenChanges {
        scopes: Some(vec!["nope".into()]),
        ..TokenChanges::default()
    };
    assert_eq!(
        edit(&i.record, &bad, &ctx(&u), Timestamp(4))
            .unwrap_err()
            .code(),
        crate::error_code::ErrorCode::UnknownScope
    );
}

#[test]
fn duplicate_copies_access_with_new_credentials() {
    let i = issued(1);
    let u = users();
    let d = duplicate(&i.record, &ctx(&u), &seed(9), Timestamp(5_000)).expect("duplicates");
    assert_eq!(d.record.name, "Reporting sync (copy)");
    assert_eq!(d.record.scopes, i.record.scopes);
    assert_eq!(d.record.api_version, i.record.api_version);
    assert_ne!(d.record.sid, i.record.sid);
    assert_ne!(d.auth_token, i.auth_token);
    assert_eq!(
        copy_name(&"あ".repeat(100)).chars().count(),
        MAX_TOKEN_NAME_LEN
    );
}

#[test]
fn reset_without_grace_retires_the_old_token_at_once() {
    let i = issued(1);
    let u = users();
    let r = reset(
        &i.record,
        &ctx(&u),
        &[42; 32],
        GracePeriod::None,
        Timestamp(10_000),
    )
    .expect("reset");
    assert!(
        !r.record
            .secret
            .accepts(&i.auth_token.digest(), Timestamp(10_000))
    );
    assert!(
        r.record
            .secret
            .accepts(&r.auth_token.digest(), Timestamp(10_000))
    );
    assert_eq!(r.record.sid, i.record.sid);
    assert_eq!(r.record.rotated_at, Timestamp(10_000));
}

#[test]
fn reset_with_grace_keeps_the_old_token_until_the_deadline() {
    let i = issued(1);
    let u = users();
    let now = Timestamp(10_000);
    let r = reset(&i.record, &ctx(&u), &[42; 32], GracePeriod::OneMinute, now).expect("reset");
    let old = i.auth_token.digest();
    assert!(r.record.secret.accepts(&old, now.plus(Span(59_999))));
    assert!(!r.record.secret.accepts(&old, now.plus(Span::MINUTE)));
    // A second reset drops the first token even within its grace.
    let r2 = reset(
        &r.record,
        &ctx(&u),
        &[43; 32],
        GracePeriod::OneHour,
        now.plus(Span(1)),
    )
    .expect("reset");
    assert!(!r2.record.secret.accepts(&old, now.plus(Span(2))));
    assert!(
        r2.record
            .secret
            .accepts(&r.auth_token.digest(), now.plus(Span(2)))
    );
}

#[test]
fn upgrade_moves_forward_only() {
    let u = users();
    let mut d = draft();
    d.api_version = Some(ApiVersion::V2024_04_01);
    let old = create(&d, &ctx(&u), &seed(3), Timestamp(0))
        .expect("valid")
        .record;
    let up = upgrade(&old, &ctx(&u), None, Timestamp(1)).expect("upgrades");
    assert_eq!(up.api_version, ApiVersion::latest());
    assert_eq!(up.scopes, old.scopes);
    assert_eq!(
        upgrade(&up, &ctx(&u), Some(ApiVersion::V2025_04_01), Timestamp(2)).unwrap_err(),
        TokenError::Downgrade {
            from: ApiVersion::latest(),
            to: ApiVersion::V2025_04_01
        }
    );
    assert_eq!(
        upgrade(&up, &ctx(&u), None, Timestamp(2))
            .unwrap_err()
            .code(),
        crate::error_code::ErrorCode::AlreadyAtVersion
    );
}

#[test]
fn disable_and_enable_toggle_and_refuse_repeats() {
    let i = issued(1);
    let u = users();
    let off = disable(&i.record, &ctx(&u), Timestamp(7)).expect("disables");
    assert!(!off.enabled);
    assert_eq!(
        disable(&off, &ctx(&u), Timestamp(8)),
        Err(TokenError::AlreadyDisabled)
    );
    let on = enable(&off, &ctx(&u), Timestamp(9)).expect("enables");
    assert!(on.enabled);
    assert_eq!(
        enable(&on, &ctx(&u), Timestamp(9)),
        Err(TokenError::AlreadyEnabled)
    );
}

#[test]
fn another_accounts_token_is_refused() {
    let i = issued(1);
    let u = users();
    let other = AccountContext {
        account_id: "acc_2",
        ..ctx(&u)
    };
    assert_eq!(
        disable(&i.record, &other, Timestamp(1)),
        Err(TokenError::WrongAccount)
    );
    assert!(delete(&i.record, &other, Timestamp(1)).is_err());
    assert!(delete(&i.record, &ctx(&u), Timestamp(1)).is_ok());
}

#[test]
fn last_used_is_written_at_most_once_a_minute() {
    assert!(should_record_use(None, Timestamp(100_000)));
    assert!(!should_record_use(
        Some(Timestamp(100_000)),
        Timestamp(159_999)
    ));
    assert!(should_record_use(
        Some(Timestamp(100_000)),
        Timestamp(160_000)
    ));
}

#[test]
fn nudges_point_at_risky_tokens() {
    let i = issued(1);
    let t = AccountType::Partner;
    assert_eq!(
        nudges(&i.record, None, (t, None), Timestamp(1_000)),
        vec![],
        "new and unused: no nudge yet"
    );
    let unused_month = i.record.created_at.plus(NEVER_USED_AFTER);
    assert_eq!(
        nudges(&i.record, None, (t, None), unused_month),
        vec![Nudge::NeverUsed]
    );
    assert_eq!(
        nudges(&i.record, None, (t, Some(90)), Timestamp(1_000)),
        vec![Nudge::NoExpiry]
    );
    let mut soon = i.record.clone();
    soon.expires_at = Some(Timestamp(1_000).plus(crate::policy::EXPIRING_SOON));
    assert_eq!(
        nudges(&soon, Some(Timestamp(900)), (t, Some(90)), Timestamp(1_000)),
        vec![Nudge::ExpiresSoon]
    );
    let mut all = i.record.clone();
    all.scopes = all_scope_ids(t, all.api_version);
    let late = Timestamp(1_000).plus(ROTATION_ADVICE);
    assert_eq!(
        nudges(&all, Some(Timestamp(2_000)), (t, None), late),
        vec![Nudge::RotationDue, Nudge::EveryScope]
    );
}

#[test]
fn unknown_record_fields_and_schemas_are_refused() {
    let i = issued(1);
    let mut v = serde_json::to_value(&i.record).expect("serializes");
    v["schema"] = 99.into();
    assert!(TokenRecord::from_json(&v.to_string()).is_err());
    v["schema"] = 1.into();
    v["plaintext"] = "x".into();
    assert!(TokenRecord::from_json(&v.to_string()).is_err());
}

fn arb_edit() -> impl Strategy<Value = TokenChanges> {
    (
        proptest::option::of(".{0,120}"),
        proptest::option::of(".{0,600}"),
        proptest::option::of("usr_[a-z]{0,6}"),
        proptest::option::of(proptest::collection::vec(".{0,30}", 0..25)),
        proptest::option::of(proptest::collection::vec(
            "[a-z_]{0,12}\\.(read|write)",
            0..6,
        )),
    )
        .prop_map(
            |(name, description, primary_contact, developer_emails, scopes)| TokenChanges {
                name,
                description,
                primary_contact,
                developer_emails,
                scopes,
                ..TokenChanges::default()
            },
        )
}

proptest! {
    #[test]
    fn no_operation_panics(e in arb_edit(), n in any::<u8>(), grace in 0usize..6, now in any::<i64>()) {
        let u = users();
        let c = ctx(&u);
        let i = issued(1);
        let now = Timestamp(now);
        let _ = edit(&i.record, &e, &c, now);
        let d = TokenSpec {
            name: e.name.clone().unwrap_or_default(),
            description: e.description.clone().unwrap_or_default(),
            api_version: None,
            primary_contact: e.primary_contact.clone().unwrap_or_default(),
            developer_emails: e.developer_emails.clone().unwrap_or_default(),
            scopes: e.scopes.clone().unwrap_or_default(),
            ..TokenSpec::default()
        };
        let _ = create(&d, &c, &seed(n), now);
        let _ = duplicate(&i.record, &c, &seed(n), now);
        let r = reset(&i.record, &c, &[n; 32], GracePeriod::ALL[grace], now);
        prop_assert!(r.is_ok());
        let _ = upgrade(&i.record, &c, None, now);
        let _ = disable(&i.record, &c, now).and_then(|r| enable(&r, &c, now));
        let _ = should_record_use(Some(now), now);
        let _ = nudges(&i.record, None, (AccountType::Brand, Some(30)), now);
    }

    #[test]
    fn a_successful_edit_yields_a_valid_record(e in arb_edit()) {
        let u = users();
        let c = ctx(&u);
        let i = issued(1);
        if let Ok(next) = edit(&i.record, &e, &c, Timestamp(5)) {
            prop_assert!(!next.name.is_empty() && next.name.chars().count() <= MAX_TOKEN_NAME_LEN);
            prop_assert!(!next.scopes.is_empty());
            prop_assert!(u.contains(&next.primary_contact));
            prop_assert_eq!(next.sid, i.record.sid);
            prop_assert_eq!(next.secret, i.record.secret);
        }
    }
}

#[test]
fn grace_period_names_are_their_json() {
    for g in GracePeriod::ALL {
        assert_eq!(
            serde_json::to_value(g).expect("serializes"),
            serde_json::Value::String(g.as_str().to_owned())
        );
    }
}

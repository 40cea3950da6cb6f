use super::*;
use crate::account::{AccountType, Role as UserRole};
use crate::token::tests::issued;

fn account(language: Language) -> AccountRecord {
    let mut a = AccountRecord::new(
        "acc_1".into(),
        "Acme",
        AccountType::Partner,
        "Ann",
        "ann@example.com",
        Timestamp(0),
    )
    .expect("account");
    a.language = language;
    a
}

fn user(id: &str, email: &str, locale: Option<Language>) -> UserRecord {
    let mut u = UserRecord::new(
        id.into(),
        "acc_1",
        email.into(),
        id.into(),
        UserRole::AccountAdmin,
        "h".into(),
        Timestamp(0),
    );
    u.locale = locale;
    u
}

#[test]
fn the_contact_and_each_developer_e_mail_hear_once_in_their_language() {
    let mut t = issued(1).record;
    t.developer_emails = vec![
        "Dev@Example.com".into(),
        "ops@example.com".into(),
        "muted@example.com".into(),
    ];
    t.unsubscribed = vec!["muted@example.com".into()];
    let users = vec![
        user("usr_dev", "dev@example.com", Some(Language::Ja)),
        user("usr_admin", "a@example.com", None),
    ];
    let r = recipients(&t, &users, &account(Language::Zh));
    let got: Vec<(&str, Language, Role)> = r
        .iter()
        .map(|r| (r.email.as_str(), r.language, r.role))
        .collect();
    // The contact is also a developer e-mail (another case): told once, as the contact.
    assert_eq!(
        got,
        vec![
            ("dev@example.com", Language::Ja, Role::PrimaryContact),
            ("ops@example.com", Language::Zh, Role::Developer)
        ]
    );
    // A contact without a chosen language gets the account's.
    t.primary_contact = "usr_admin".into();
    assert_eq!(
        recipients(&t, &users, &account(Language::Zh))[0].language,
        Language::Zh
    );
}

#[test]
fn a_message_names_the_token_sid_actor_and_time_never_the_secret() {
    let i = issued(1);
    let facts = Facts {
        account_name: "Acme",
        token_name: &i.record.name,
        sid: i.record.sid.as_str(),
        actor: "ann@example.com",
        at: Timestamp(1_795_589_400_000),
    };
    for (lang, word) in [
        (Language::En, "was reset"),
        (Language::Ja, "リセット"),
        (Language::Zh, "已重置"),
    ] {
        let to = Recipient {
            email: "d@example.com".into(),
            language: lang,
            role: Role::Developer,
        };
        let m = compose(
            &Event::Reset,
            &facts,
            &to,
            Some("https://admin/unsubscribe?x"),
        );
        assert!(
            m.subject.contains(word) && m.subject.contains(&i.record.name),
            "{lang:?}: {}",
            m.subject
        );
        for part in [
            i.record.sid.as_str(),
            "ann@example.com",
            "2026-11-25 06:50 UTC",
            "https://admin/unsubscribe?x",
        ] {
            assert!(m.text.contains(part), "{lang:?} lacks {part}: {}", m.text);
        }
        assert!(
            !m.text.contains(i.auth_token.expose()) && !m.subject.contains(i.auth_token.expose())
        );
    }
    let contact = Recipient {
        email: "c@example.com".into(),
        language: Language::En,
        role: Role::PrimaryContact,
    };
    let leak = Event::Leaked {
        url: "https://github.com/o/r".into(),
        source: "commit".into(),
        stopped: true,
    };
    let m = compose(&leak, &facts, &contact, None);
    assert!(
        m.text.contains("https://github.com/o/r")
            && m.text.contains("primary contact")
            && !m.text.contains("Stop these")
    );
}

#[test]
fn every_event_has_words_in_every_language() {
    let i = issued(1);
    let facts = Facts {
        account_name: "A",
        token_name: "T",
        sid: i.record.sid.as_str(),
        actor: "x",
        at: Timestamp(0),
    };
    let events = [
        Event::Created,
        Event::Reset,
        Event::Disabled,
        Event::Enabled,
        Event::Deleted,
        Event::Upgraded {
            from: crate::version::ApiVersion::all().next().expect("a version"),
            to: crate::version::ApiVersion::latest(),
        },
        Event::Leaked {
            url: "u".into(),
            source: "s".into(),
            stopped: false,
        },
        Event::Expiring { at: Timestamp(0) },
        Event::ScopesChanged {
            added: vec!["a.read".into()],
            removed: vec![],
        },
    ];
    for lang in [Language::En, Language::Ja, Language::Zh] {
        let mut subjects = std::collections::BTreeSet::new();
        for e in &events {
            let (subject, what) = text::describe(e, &facts, lang);
            assert!(!what.is_empty());
            subjects.insert(subject);
        }
        assert_eq!(
            subjects.len(),
            events.len(),
            "{lang:?}: every event has its own subject"
        );
    }
}

#[test]
fn scope_changes_list_what_was_added_and_removed() {
    let before = issued(1).record;
    let mut after = before.clone();
    assert_eq!(scope_change(&before, &after), None);
    after.scopes.remove("reports.read");
    after.scopes.insert("campaigns.read".into());
    assert_eq!(
        scope_change(&before, &after),
        Some(Event::ScopesChanged {
            added: vec!["campaigns.read".into()],
            removed: vec!["reports.read".into()]
        })
    );
}

#[test]
fn unsubscribe_links_are_signed_for_one_token_and_address() {
    let key = link_key(b"deployment secret");
    let tag = unsubscribe_tag(&key, "acc_1", "TGSID1", "Dev@Example.com");
    let other_key = link_key(b"other");
    // (key, account, token, address, tag, valid): only the one it was made for passes.
    let cases = [
        (
            &key,
            "acc_1",
            "TGSID1",
            "dev@example.com",
            tag.as_str(),
            true,
        ),
        (&key, "acc_1", "TGSID2", "dev@example.com", &tag, false),
        (&key, "acc_2", "TGSID1", "dev@example.com", &tag, false),
        (&key, "acc_1", "TGSID1", "other@example.com", &tag, false),
        (
            &other_key,
            "acc_1",
            "TGSID1",
            "dev@example.com",
            &tag,
            false,
        ),
        (&key, "acc_1", "TGSID1", "dev@example.com", "%%%", false),
    ];
    for (key, account, sid, email, tag, valid) in cases {
        assert_eq!(
            unsubscribe_tag_valid(key, account, sid, email, tag),
            valid,
            "{account} {sid} {email} {tag}"
        );
    }
    assert_ne!(
        link_key(b"deployment secret"),
        link_key(b"deployment secreT")
    );
}

#[test]
fn a_message_is_sent_by_one_sender_at_a_time_and_never_after_it_went_out() {
    let now = Timestamp(1_000_000);
    assert!(may_send(Delivery::Queued, None, now));
    assert!(may_send(Delivery::Pending, None, now));
    assert!(!may_send(
        Delivery::Sending,
        Some(now.minus(Span::minutes(1))),
        now
    ));
    assert!(may_send(
        Delivery::Sending,
        Some(now.minus(CLAIM_LEASE)),
        now
    ));
    for done in [Delivery::Sent, Delivery::Failed, Delivery::Kept] {
        assert!(!may_send(done, None, now));
    }
    assert_eq!([1, 2, 3, 20].map(retry_delay_secs), [2, 4, 8, 300]);
}

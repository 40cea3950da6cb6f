use super::signature::{KeyList, PublishedKey, SignatureError, verify};
use super::*;
use crate::leak_mark::safe_link;
use crate::token::tests::{ctx, issued, users};

fn sample_record(_: Timestamp) -> (TokenRecord, AuthToken) {
    let i = issued(1);
    (i.record, i.auth_token)
}

#[test]
fn a_report_is_an_array_of_matches() {
    let m = parse_report(br#"[{"token":"x","type":"tollgate_auth_token","url":"https://github.com/o/r/blob/main/a","source":"content","extra":1}]"#)
        .expect("read");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].source, "content");
    assert!(matches!(
        parse_report(b"{}"),
        Err(ReportError::Malformed(_))
    ));
    let many = format!("[{}]", vec![r#"{"token":"x"}"#; MAX_MATCHES + 1].join(","));
    assert_eq!(
        parse_report(many.as_bytes()),
        Err(ReportError::TooMany { max: MAX_MATCHES })
    );
    assert_eq!(
        parse_report(&vec![b' '; MAX_REPORT_BYTES + 1]),
        Err(ReportError::TooLarge {
            max: MAX_REPORT_BYTES
        })
    );
}

#[test]
fn only_well_formed_tokens_are_looked_up_and_feedback_hashes_the_string() {
    let (record, token) = sample_record(Timestamp(1_000));
    assert_eq!(candidate(token.expose()), Some(record.secret.digest));
    // One character changed breaks the checksum: no lookup at all.
    let mut broken = token.expose().to_owned();
    let last = broken
        .pop()
        .map(|c| if c == 'a' { 'b' } else { 'a' })
        .unwrap_or('a');
    broken.push(last);
    assert_eq!(candidate(&broken), None);
    assert_eq!(candidate("ghp_notours"), None);
    let m = ReportedMatch {
        token: "abc".into(),
        token_type: TOKEN_TYPE.into(),
        url: String::new(),
        source: String::new(),
    };
    let f = feedback(&m, false);
    assert_eq!(
        f.token_hash,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        serde_json::to_value(&f).expect("json")["label"],
        "false_positive"
    );
    assert_eq!(
        serde_json::to_value(feedback(&m, true)).expect("json")["label"],
        "true_positive"
    );
}

fn report(url: &str) -> ReportedMatch {
    ReportedMatch {
        token: String::new(),
        token_type: TOKEN_TYPE.into(),
        url: url.into(),
        source: "content\u{7}".into(),
    }
}

#[test]
fn a_leak_of_the_current_secret_disables_the_token_once() {
    let now = Timestamp(5_000);
    let (record, _) = sample_record(Timestamp(1_000));
    let Response::Marked(next, _) = respond(
        &record,
        &record.secret.digest,
        &report("https://x/1"),
        LeakPolicy::Disable,
        now,
    ) else {
        panic!("marked")
    };
    assert!(!next.enabled);
    assert_eq!(next.revision, record.revision + 1);
    let mark = next.leak.clone().expect("mark");
    assert_eq!(
        (mark.secret, mark.stopped, mark.source.as_str()),
        (LeakedSecret::Current, true, "content")
    );
    // The same report again changes nothing; another place is a new leak.
    assert_eq!(
        respond(
            &next,
            &record.secret.digest,
            &report("https://x/1"),
            LeakPolicy::Disable,
            now
        ),
        Response::Known
    );
    assert!(matches!(
        respond(
            &next,
            &record.secret.digest,
            &report("https://x/2"),
            LeakPolicy::Disable,
            now
        ),
        Response::Marked(..)
    ));
    // Notify only marks.
    let Response::Marked(noted, _) = respond(
        &record,
        &record.secret.digest,
        &report("u"),
        LeakPolicy::Notify,
        now,
    ) else {
        panic!("marked")
    };
    assert!(noted.enabled && !noted.leak.as_ref().expect("mark").stopped);
    // An unrelated digest is not live.
    assert_eq!(
        respond(
            &record,
            &Digest::of(b"other"),
            &report("u"),
            LeakPolicy::Disable,
            now
        ),
        Response::NotLive
    );
}

#[test]
fn a_leaked_previous_secret_loses_its_grace_but_the_token_keeps_working() {
    let (record, _) = sample_record(Timestamp(1_000));
    let u = users();
    let ctx = ctx(&u);
    let reset = crate::token::reset(
        &record,
        &ctx,
        &[7; 32],
        crate::token::GracePeriod::OneHour,
        Timestamp(2_000),
    )
    .expect("reset")
    .record;
    let old = record.secret.digest;
    let Response::Marked(next, _) = respond(
        &reset,
        &old,
        &report("u"),
        LeakPolicy::Disable,
        Timestamp(3_000),
    ) else {
        panic!("marked")
    };
    assert!(next.enabled && next.secret.previous.is_none());
    // After the grace the old digest is no live secret.
    assert_eq!(
        respond(
            &reset,
            &old,
            &report("u"),
            LeakPolicy::Disable,
            Timestamp(2_000 + 3_600_001)
        ),
        Response::NotLive
    );
}

#[test]
fn a_leaked_token_is_reset_without_grace_before_it_is_enabled_again() {
    let (record, _) = sample_record(Timestamp(1_000));
    let u = users();
    let ctx = ctx(&u);
    let Response::Marked(leaked, _) = respond(
        &record,
        &record.secret.digest,
        &report("u"),
        LeakPolicy::Disable,
        Timestamp(2_000),
    ) else {
        panic!("marked")
    };
    assert_eq!(
        crate::token::enable(&leaked, &ctx, Timestamp(3_000)),
        Err(crate::token::TokenError::Leaked)
    );
    assert_eq!(
        crate::token::reset(
            &leaked,
            &ctx,
            &[1; 32],
            crate::token::GracePeriod::OneHour,
            Timestamp(3_000)
        )
        .map(|_| ()),
        Err(crate::token::TokenError::LeakedGrace)
    );
    let fresh = crate::token::reset(
        &leaked,
        &ctx,
        &[1; 32],
        crate::token::GracePeriod::None,
        Timestamp(3_000),
    )
    .expect("reset")
    .record;
    assert!(fresh.leak.is_none());
    assert!(crate::token::enable(&fresh, &ctx, Timestamp(4_000)).is_ok());
}

#[test]
fn reported_places_are_cleaned_and_only_web_links_are_links() {
    assert_eq!(
        safe_link("https://github.com/a"),
        Some("https://github.com/a")
    );
    assert_eq!(safe_link("HTTP://x"), Some("HTTP://x"));
    assert_eq!(safe_link("javascript:alert(1)"), None);
    assert_eq!(clip("ab\u{0}c", 10), "abc");
    assert_eq!(clip("ééé", 5), "éé");
}

// ---------------------------------------------------------------- signatures

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};

fn key_pair(seed: u8) -> (SigningKey, KeyList) {
    let signing = SigningKey::from_slice(&[seed; 32]).expect("key");
    let pem = signing
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("pem");
    (
        signing,
        KeyList {
            public_keys: vec![PublishedKey {
                key_identifier: format!("k{seed}"),
                key: pem,
                is_current: true,
            }],
        },
    )
}

fn sign(k: &SigningKey, body: &[u8]) -> String {
    use base64::Engine as _;
    let sig: Signature = k.sign(body);
    base64::engine::general_purpose::STANDARD.encode(sig.to_der().as_bytes())
}

#[test]
fn a_report_passes_only_with_the_listed_keys_signature_over_its_exact_body() {
    let (k, keys) = key_pair(3);
    let body = br#"[{"token":"t","type":"x","url":"u","source":"content"}]"#;
    let sig = sign(&k, body);
    assert_eq!(verify(&keys, Some("k3"), Some(&sig), body), Ok(()));
    assert_eq!(
        verify(&keys, Some("k3"), Some(&sig), b"[]"),
        Err(SignatureError::Invalid)
    );
    assert_eq!(
        verify(&keys, Some("k9"), Some(&sig), body),
        Err(SignatureError::UnknownKey)
    );
    assert_eq!(
        verify(&keys, None, Some(&sig), body),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify(&keys, Some("k3"), Some(""), body),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify(&keys, Some("k3"), Some("not base64!"), body),
        Err(SignatureError::Malformed)
    );
    let (other, _) = key_pair(4);
    assert_eq!(
        verify(&keys, Some("k3"), Some(&sign(&other, body)), body),
        Err(SignatureError::Invalid)
    );
    // The key list's JSON format reads.
    let json = serde_json::json!({"public_keys": [{"key_identifier": "k3", "key": keys.public_keys[0].key, "is_current": false}]});
    let parsed = signature::parse_key_list(&json.to_string()).expect("list");
    assert_eq!(verify(&parsed, Some("k3"), Some(&sig), body), Ok(()));
    assert!(signature::parse_key_list("[]").is_err());
}

//! A secret scanner's reports, in the account whose tokens they name: each live secret gets
//! the account's leak policy ([`crate::leak::respond`]), an audit entry naming where it was
//! found, its replica row and its event — all in one change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Answer, Body, Outcome};
use crate::account::AccountRecord;
use crate::audit::{Actor, Audit, AuditAction, Detail};
use crate::change::Change;
use crate::credential::{AccountSid, Digest};
use crate::leak::{self, ReportedMatch, Response as Verdict};
use crate::leak_mark::{LeakMark, LeakedSecret};
use crate::notify::Event;
use crate::time::Timestamp;
use crate::token::TokenRecord;

/// One reported secret that the digest index leads to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reported {
    pub sid: String,
    /// The SHA-256 hex of the reported string.
    pub digest: String,
    pub url: String,
    pub source: String,
}

/// What the secret-scanning endpoint asks an account's object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakRequest {
    pub reports: Vec<Reported>,
}

/// Per report, in order: whether it was a live secret of one of the account's tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakAnswer {
    pub live: Vec<bool>,
}

/// Applies `reports` to the account's `tokens` (the records they name, by SID). Several
/// reports of one token apply in turn to the newest record.
pub fn report(
    account: &AccountRecord,
    mut tokens: BTreeMap<String, TokenRecord>,
    reports: &[Reported],
    now: Timestamp,
) -> Outcome {
    let mut live = Vec::with_capacity(reports.len());
    let mut change = Change::new();
    let mut marked: BTreeMap<String, ()> = BTreeMap::new();
    for rep in reports {
        let (Ok(sid), Some(digest)) = (AccountSid::parse(&rep.sid), Digest::from_hex(&rep.digest))
        else {
            live.push(false);
            continue;
        };
        let Some(token) = tokens
            .get(sid.as_str())
            .filter(|t| t.account_id == account.id)
        else {
            live.push(false);
            continue;
        };
        let m = ReportedMatch {
            token: String::new(),
            token_type: leak::TOKEN_TYPE.into(),
            url: rep.url.clone(),
            source: rep.source.clone(),
        };
        match leak::respond(token, &digest, &m, account.leak_policy, now) {
            Verdict::NotLive => live.push(false),
            Verdict::Known => live.push(true),
            Verdict::Marked(next, mark) => {
                live.push(true);
                record_leak(&mut change, &next, &mark, now);
                marked.insert(sid.as_str().to_owned(), ());
                tokens.insert(sid.as_str().to_owned(), *next);
            }
        }
    }
    for sid in marked.keys() {
        if let Some(t) = tokens.remove(sid) {
            change.put_token(t);
        }
    }
    Outcome::answered(change, Answer::new(200, Body::Leaks(LeakAnswer { live })))
}

/// The audit entry and the event of one leak.
fn record_leak(change: &mut Change, next: &TokenRecord, mark: &LeakMark, now: Timestamp) {
    let detail = format!(
        "{} ({}); {}{}",
        mark.url,
        mark.source,
        if mark.secret == LeakedSecret::Previous {
            "previous auth token; "
        } else {
            ""
        },
        if mark.stopped {
            "stopped"
        } else {
            "notify only"
        }
    );
    change
        .audit(Audit {
            at: now,
            actor: Actor::new(leak::REPORTER_ID, leak::REPORTER_NAME),
            action: AuditAction::TokenLeaked,
            target: next.sid.as_str().to_owned(),
            target_name: next.name.clone(),
            detail: Detail::Text(detail),
        })
        .event(
            Event::Leaked {
                url: mark.url.clone(),
                source: mark.source.clone(),
                stopped: mark.stopped,
            },
            next,
            leak::REPORTER_NAME,
        );
}

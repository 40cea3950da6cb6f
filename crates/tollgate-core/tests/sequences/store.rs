//! The in-memory store: one account's state, committed from each `Change` as its object
//! commits it.

use std::collections::{BTreeMap, HashMap};

use tollgate_core::account::{AccountRecord, UserRecord};
use tollgate_core::admin::caller::Found;
use tollgate_core::admin::sign_in::Passwords;
use tollgate_core::admin::tokens::Flood;
use tollgate_core::admin::{Body, Outcome};
use tollgate_core::audit::{Audit, AuditAction};
use tollgate_core::authorization::encode_basic;
use tollgate_core::change::{Change, CounterWrite, SessionWrite, TokenEvent, TokenWrite};
use tollgate_core::error_code::Failure;
use tollgate_core::notify::EventKind;
use tollgate_core::replica::EdgeReplica;
use tollgate_core::session::SessionRecord;
use tollgate_core::throttle::{Counter, Limiter};
use tollgate_core::time::Timestamp;
use tollgate_core::token::{MAX_NEW_TOKENS, NEW_TOKEN_WINDOW, TokenRecord};
use tollgate_core::verify::{Denial, Target, decide, screen};

/// Passwords "hashed" as `plain:` + the password: the decisions under test, not Argon2.
pub struct Plain;

impl Passwords for Plain {
    fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, Failure> {
        Ok(stored == Some(&format!("plain:{password}")))
    }
    fn hash(&self, password: &str) -> Result<String, Failure> {
        Ok(format!("plain:{password}"))
    }
}

/// One account's state, as its object would hold it after each commit.
#[derive(Default)]
pub struct Store {
    pub account: Option<AccountRecord>,
    pub users: Vec<UserRecord>,
    pub tokens: BTreeMap<String, TokenRecord>,
    pub sessions: HashMap<String, SessionRecord>,
    pub counters: HashMap<String, Counter>,
    pub audit: Vec<Audit>,
    pub events: Vec<TokenEvent>,
    /// KV as the edge reads it: key → (revision, value).
    pub replica: HashMap<String, (u64, String)>,
    pub kept: HashMap<String, String>,
    pub flood: Option<Limiter>,
}

impl Store {
    /// What the object reads to admit a request presenting the session `digest`.
    pub fn found(&self, digest: &str) -> Found {
        Found {
            session: self.sessions.get(digest).cloned(),
            user: self.users.first().cloned(),
            account: self.account.clone(),
        }
    }

    /// Commits a change as the account's object does (one transaction, then the replica).
    pub fn commit(&mut self, c: Change) {
        if let Some(a) = c.account {
            self.account = Some(a);
        }
        for u in c.users {
            self.users.retain(|x| x.id != u.id);
            self.users.push(u);
        }
        for w in c.tokens {
            match w {
                TokenWrite::Put {
                    mut record,
                    keep_secret,
                } => {
                    if let Some(t) = keep_secret {
                        record.sealed_auth_token = Some(format!("sealed:{}", t.expose()));
                    }
                    self.tokens.insert(record.sid.as_str().to_owned(), *record);
                }
                TokenWrite::Delete { sid } => {
                    self.tokens.remove(sid.as_str());
                }
            }
        }
        for s in c.sessions {
            match s {
                SessionWrite::Put { digest, record } => {
                    self.sessions.insert(digest, record);
                }
                SessionWrite::Touch { digest, record } => {
                    if let Some(s) = self.sessions.get_mut(&digest) {
                        *s = record;
                    }
                }
                SessionWrite::Delete { digest } => {
                    self.sessions.remove(&digest);
                }
                SessionWrite::EndAllOf { user_id } => {
                    self.sessions.retain(|_, s| s.user_id != user_id)
                }
                SessionWrite::DropExpired { before } => {
                    self.sessions.retain(|_, s| s.expires_at() >= before)
                }
            }
        }
        for w in c.counters {
            match w {
                CounterWrite::Put { key, counter } => {
                    self.counters.insert(key, counter);
                }
                CounterWrite::Clear { key } => {
                    self.counters.remove(&key);
                }
            }
        }
        self.audit.extend(c.audit);
        self.events.extend(c.events);
        for r in c.replica {
            let newer = self
                .replica
                .get(&r.key)
                .is_none_or(|(rev, _)| r.revision >= *rev);
            if newer {
                self.replica.insert(r.key, (r.revision, r.value));
            }
        }
        if let Some(k) = c.kept_answer {
            self.kept.insert(k.key, k.body);
        }
    }

    /// Commits an outcome and returns its answer.
    pub fn run(&mut self, o: Outcome) -> Result<Body, Failure> {
        self.commit(o.change);
        o.answer.map(|a| a.body)
    }

    pub fn actions(&self) -> Vec<AuditAction> {
        self.audit.iter().map(|a| a.action).collect()
    }

    pub fn event_kinds(&self) -> Vec<EventKind> {
        self.events.iter().map(|e| e.event.kind()).collect()
    }

    /// What the edge answers for these credentials, from the replica alone.
    pub fn edge(&self, sid: &str, token: &str, now: Timestamp) -> Result<(), Denial> {
        let s = screen(Some(&encode_basic(sid, token))).expect("well formed");
        let replica = self
            .replica
            .get(&format!("tok:{sid}"))
            .map(|(_, v)| EdgeReplica::from_json(v).expect("readable"));
        let account = self
            .account
            .as_ref()
            .map(|a| (a.account_type, a.api_access_enabled));
        let record = replica.as_ref().and_then(EdgeReplica::live);
        decide(&s, record, account, now, Target::CredentialsOnly, None).map(drop)
    }

    pub fn flood(&mut self) -> Flood<'_> {
        Flood {
            limiter: self
                .flood
                .get_or_insert_with(|| Limiter::new(NEW_TOKEN_WINDOW, MAX_NEW_TOKENS)),
            max: MAX_NEW_TOKENS,
        }
    }
}

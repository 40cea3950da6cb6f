//! What each admin API request does, decided here and nowhere else.
//!
//! An operation takes what the account's object read (the caller, the records, the request),
//! `now` and any random bytes, and returns an [`Outcome`]: the [`Change`] to commit (records,
//! audit entries, events, sessions, replica rows, the answer to keep for a retry) and the
//! answer — or the failure, which may itself come with a change (a wrong password still
//! counts against the throttle and is audited). The object's only job is to turn the change
//! into SQL statements of one transaction, flush the replica and answer. Like a sans-I/O
//! protocol state machine, every sequence of operations can be driven without a Worker
//! (`tests/sequences.rs`).
//!
//! * [`caller`]: who is asking (the session check of every request, CSRF, the permission);
//! * [`sign_in`]: setup, sign-in, sudo, sign-out, the user's language;
//! * [`tokens`]: every token operation; [`people`]: users; [`settings`]: the account;
//! * [`leaks`]: a secret scanner's reports; [`notices`]: unsubscribe links and expiry notices.

use serde::Serialize;

use crate::api::{
    AccountView, IssuedToken, SessionView, SetupResponse, SudoView, TokenView, UserView,
};
use crate::change::Change;
use crate::error_code::Failure;
use crate::revision::{PreconditionError, Revision, check_if_match};

pub mod caller;
pub mod import;
pub mod leaks;
pub mod notices;
pub mod people;
pub mod settings;
pub mod sign_in;
pub mod tokens;

pub use caller::Caller;

/// What an operation decided: the change to commit, and the answer or the failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub change: Change,
    pub answer: Result<Answer, Failure>,
}

impl Outcome {
    pub fn answered(change: Change, answer: Answer) -> Outcome {
        Outcome {
            change,
            answer: Ok(answer),
        }
    }

    /// A refusal that still changes something (a failed sign-in's counters and audit entry).
    pub fn refused(change: Change, failure: Failure) -> Outcome {
        Outcome {
            change,
            answer: Err(failure),
        }
    }
}

/// An answer: its status, its body, the `ETag` of the record it shows and the session
/// cookie it sets (sign-in) or clears (sign-out).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Body,
    pub etag: Option<Revision>,
    pub set_cookie: Option<String>,
}

impl Answer {
    pub fn new(status: u16, body: Body) -> Answer {
        Answer {
            status,
            body,
            etag: None,
            set_cookie: None,
        }
    }

    /// 204, no body.
    pub fn no_content() -> Answer {
        Answer::new(204, Body::Empty)
    }

    /// An answer that shows a record at `revision` (sent as its `ETag`).
    pub fn tagged(status: u16, body: Body, revision: Revision) -> Answer {
        Answer {
            etag: Some(revision),
            ..Answer::new(status, body)
        }
    }

    /// The body as JSON text (empty for 204).
    pub fn json(&self) -> String {
        match &self.body {
            Body::Empty => String::new(),
            body => serde_json::to_string(body).unwrap_or_default(),
        }
    }
}

/// What an answer shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Body {
    Empty,
    Token(TokenView),
    Issued(IssuedToken),
    User(UserView),
    Account(AccountView),
    Session(SessionView),
    Sudo(SudoView),
    Setup(SetupResponse),
    Leaks(leaks::LeakAnswer),
}

/// Refuses a change made against an older revision than `current` (from the request's
/// `If-Match`): 412 `stale_revision` carrying `view`, the record as it is now.
pub fn precondition<T: Serialize>(
    if_match: Option<&str>,
    current: Revision,
    view: impl FnOnce() -> T,
) -> Result<(), Failure> {
    check_if_match(if_match, current).map_err(|e| {
        let stale = matches!(e, PreconditionError::Stale { .. });
        let mut f = Failure::from(e);
        if stale {
            f.current = serde_json::to_string(&view()).ok();
        }
        f
    })
}

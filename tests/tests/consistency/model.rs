//! A serial model of one token, to judge races: applying two operations in either order
//! gives the answers and the final state that a serializable system must show.

use serde_json::json;
use tollgate_tests::{Answer, Result, Session};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Edit,
    Disable,
    Enable,
    Reset,
    ResetWithGrace,
    Upgrade,
    Delete,
    Duplicate,
}

impl Op {
    pub const ALL: [Op; 8] = [
        Op::Edit,
        Op::Disable,
        Op::Enable,
        Op::Reset,
        Op::ResetWithGrace,
        Op::Upgrade,
        Op::Delete,
        Op::Duplicate,
    ];

    /// Sends the operation as racer `label` ('A' or 'B').
    pub fn send(self, s: &Session, sid: &str, label: char) -> Result<Answer> {
        let path = format!("/api/tokens/{sid}");
        match self {
            // A rename of the description and a scope removal in one edit.
            Op::Edit => s.call(
                "PATCH",
                &path,
                Some(
                    &json!({"description": format!("edited-{label}"), "scopes": ["reports.read"]}),
                ),
            ),
            Op::Disable => s.call("POST", &format!("{path}/disable"), None),
            Op::Enable => s.call("POST", &format!("{path}/enable"), None),
            Op::Reset => s.call("POST", &format!("{path}/reset"), None),
            Op::ResetWithGrace => s.call(
                "POST",
                &format!("{path}/reset"),
                Some(&json!({"grace": "1h"})),
            ),
            Op::Upgrade => s.call("POST", &format!("{path}/upgrade"), None),
            Op::Delete => s.call("DELETE", &path, None),
            Op::Duplicate => s.call("POST", &format!("{path}/duplicate"), None),
        }
    }
}

/// The token as a serial execution leaves it.
#[derive(Debug, Clone)]
pub struct Model {
    pub exists: bool,
    pub enabled: bool,
    pub latest: bool,
    pub description: String,
    pub scopes: Vec<String>,
    /// Whose auth token is current: "orig", "A" or "B".
    pub current: String,
    /// Whose auth token still verifies in its grace period.
    pub previous: Option<String>,
    /// The descriptions the duplicates were made with.
    pub copies: Vec<String>,
}

impl Model {
    pub fn new(enabled: bool) -> Model {
        Model {
            exists: true,
            enabled,
            latest: false,
            description: "original".into(),
            scopes: vec!["actions.read".into(), "reports.read".into()],
            current: "orig".into(),
            previous: None,
            copies: Vec::new(),
        }
    }

    /// Applies `op` by racer `label`; returns the status it answers.
    pub fn apply(&mut self, op: Op, label: char) -> u16 {
        if !self.exists {
            return 404;
        }
        match op {
            Op::Edit => {
                self.description = format!("edited-{label}");
                self.scopes = vec!["reports.read".into()];
                200
            }
            Op::Disable if self.enabled => {
                self.enabled = false;
                200
            }
            Op::Enable if !self.enabled => {
                self.enabled = true;
                200
            }
            Op::Disable | Op::Enable => 409,
            Op::Reset => {
                self.current = label.to_string();
                self.previous = None;
                200
            }
            Op::ResetWithGrace => {
                self.previous = Some(std::mem::replace(&mut self.current, label.to_string()));
                200
            }
            Op::Upgrade if !self.latest => {
                self.latest = true;
                200
            }
            Op::Upgrade => 409,
            Op::Delete => {
                self.exists = false;
                204
            }
            Op::Duplicate => {
                self.copies.push(self.description.clone());
                201
            }
        }
    }

    /// Whether the edge accepts the auth token of `who` ("orig", "A", "B").
    pub fn accepts(&self, who: &str) -> bool {
        self.exists
            && self.enabled
            && (self.current == who || self.previous.as_deref() == Some(who))
    }
}

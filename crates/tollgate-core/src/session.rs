//! Admin sessions: lifetimes and CSRF rules. The session id and CSRF token are random
//! strings made by the caller; only their SHA-256 digests are stored.

use serde::{Deserialize, Serialize};

use crate::credential::Digest;
use crate::time::{Span, Timestamp};

/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Span = Span::minutes(30);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_TIMEOUT: Span = Span::hours(12);
/// The stored last-seen time is refreshed at most this often.
pub const TOUCH_INTERVAL: Span = Span::MINUTE;
/// Failed sign-ins allowed per e-mail address within [`SIGN_IN_WINDOW`] before 429.
pub const MAX_SIGN_IN_FAILURES: u32 = 10;
pub const SIGN_IN_WINDOW: Span = Span::minutes(15);
/// Name of the session cookie (the `__Host-` prefix pins it to this origin, path `/`, Secure).
pub const COOKIE_NAME: &str = "__Host-tollgate_session";
/// After the password is asked again, a session may reveal stored auth tokens for this
/// long ("sudo mode"): a session left open on someone else's screen reveals nothing.
pub const SUDO_WINDOW: Span = Span::minutes(5);

/// A session as stored, keyed by the digest of its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRecord {
    pub schema: u32,
    pub user_id: String,
    pub account_id: String,
    /// The user's generation at sign-in; a later password change or disable ends it.
    pub generation: u32,
    pub csrf_digest: Digest,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
    /// Until when the session may do what needs the password again (see [`SUDO_WINDOW`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_until: Option<Timestamp>,
}

/// What a stored session is worth now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Active,
    /// Active, and the stored last-seen time should be refreshed.
    ActiveTouch,
    Expired,
}

impl SessionRecord {
    pub fn state(&self, now: Timestamp, user_generation: u32) -> SessionState {
        if user_generation != self.generation
            || now.since(self.last_seen) >= IDLE_TIMEOUT
            || now.since(self.created_at) >= ABSOLUTE_TIMEOUT
            || now < self.created_at
        {
            SessionState::Expired
        } else if now.since(self.last_seen) >= TOUCH_INTERVAL {
            SessionState::ActiveTouch
        } else {
            SessionState::Active
        }
    }

    /// When the session ends if no request comes.
    pub fn expires_at(&self) -> Timestamp {
        let idle = self.last_seen.plus(IDLE_TIMEOUT);
        let absolute = self.created_at.plus(ABSOLUTE_TIMEOUT);
        idle.min(absolute)
    }

    /// Whether the password was given again recently enough to reveal a stored secret.
    /// A window that reaches further than [`SUDO_WINDOW`] from `now` (a clock set back)
    /// counts as ended.
    pub fn sudo_active(&self, now: Timestamp) -> bool {
        self.sudo_until
            .is_some_and(|until| now < until && until <= now.plus(SUDO_WINDOW))
    }

    /// Opens the sudo window after the password was checked again at `now`.
    pub fn grant_sudo(&mut self, now: Timestamp) -> Timestamp {
        let until = now.plus(SUDO_WINDOW);
        self.sudo_until = Some(until);
        until
    }

    /// Whether `presented` (the `X-CSRF-Token` header) matches, in constant time.
    pub fn csrf_ok(&self, presented: Option<&str>) -> bool {
        match presented {
            Some(p) if !p.is_empty() && p.len() <= 128 => {
                self.csrf_digest.ct_eq(&Digest::of(p.as_bytes()))
            }
            _ => false,
        }
    }
}

/// Whether a request method changes state (and so needs the CSRF token and a same-origin
/// `Origin`).
pub fn changes_state(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// The CSRF token of a session: derived from the (secret, HttpOnly) session id, so every
/// tab of one session gets the same token and the server stores only its digest.
pub fn csrf_token_for(session_id: &str) -> String {
    Digest::of(format!("tollgate-csrf-v1:{session_id}").as_bytes()).to_hex()
}

/// The `Set-Cookie` value that installs a session.
pub fn session_cookie(session_id: &str) -> String {
    format!(
        "{COOKIE_NAME}={session_id}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
        ABSOLUTE_TIMEOUT.millis() / 1000
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// A session id names its account (the Durable Object that holds the session) before a
/// dot, then 32 random bytes: `{account_id}.{secret}`. The account part is not a secret;
/// only a digest of the whole id is stored.
pub fn new_session_id(account_id: &str, secret: &str) -> String {
    format!("{account_id}.{secret}")
}

/// The account a session id names, if it has the form of [`new_session_id`].
pub fn session_account(session_id: &str) -> Option<&str> {
    let (account, secret) = session_id.split_once('.')?;
    (crate::account::is_account_id(account) && secret.len() >= 32).then_some(account)
}

/// Finds the session id in a `Cookie` header.
pub fn session_id_from_cookies(cookie_header: &str) -> Option<&str> {
    cookie_header
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v)
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_name_their_account() {
        let secret = "A".repeat(43);
        let id = new_session_id("acc_0123456789abcdef0123", &secret);
        assert_eq!(session_account(&id), Some("acc_0123456789abcdef0123"));
        let header = format!("x=1; {COOKIE_NAME}={id}");
        assert_eq!(session_id_from_cookies(&header), Some(id.as_str()));
        assert_eq!(session_account(&secret), None);
        assert_eq!(session_account(&format!("acc_nothex.{secret}")), None);
        assert_eq!(session_account("acc_0123456789abcdef0123.short"), None);
    }

    fn s() -> SessionRecord {
        SessionRecord {
            schema: 1,
            user_id: "u".into(),
            account_id: "a".into(),
            generation: 3,
            csrf_digest: Digest::of(b"csrf"),
            created_at: Timestamp(0),
            last_seen: Timestamp(0),
            sudo_until: None,
        }
    }

    #[test]
    fn sudo_lasts_its_window_from_the_password_check() {
        let mut s = s();
        let at = Timestamp(1_000_000);
        assert!(!s.sudo_active(at), "a new session is not in sudo mode");
        assert_eq!(s.grant_sudo(at), at.plus(SUDO_WINDOW));
        assert!(s.sudo_active(at));
        assert!(s.sudo_active(Timestamp(at.plus(SUDO_WINDOW).0 - 1)));
        assert!(
            !s.sudo_active(at.plus(SUDO_WINDOW)),
            "ends at the window's end"
        );
        assert!(
            !s.sudo_active(at.minus(Span::MINUTE)),
            "a clock set back does not stretch it"
        );
        // Records stored before sudo existed read as not in sudo mode, and round-trip.
        let json = serde_json::to_string(&self::s()).expect("serializes");
        assert!(!json.contains("sudo_until"));
        let back: SessionRecord = serde_json::from_str(&json).expect("reads");
        assert!(!back.sudo_active(at));
    }

    #[test]
    fn sessions_expire_when_idle_or_old_or_outdated() {
        let s = s();
        assert_eq!(s.state(Timestamp(1), 3), SessionState::Active);
        assert_eq!(
            s.state(Timestamp(0).plus(TOUCH_INTERVAL), 3),
            SessionState::ActiveTouch
        );
        assert_eq!(
            s.state(Timestamp(0).plus(IDLE_TIMEOUT), 3),
            SessionState::Expired
        );
        assert_eq!(s.state(Timestamp(1), 4), SessionState::Expired);
        let mut busy = s.clone();
        busy.last_seen = Timestamp(0).plus(ABSOLUTE_TIMEOUT).minus(Span::MINUTE);
        assert_eq!(
            busy.state(Timestamp(0).plus(ABSOLUTE_TIMEOUT), 3),
            SessionState::Expired
        );
        assert_eq!(s.expires_at(), Timestamp(0).plus(IDLE_TIMEOUT));
    }

    #[test]
    fn csrf_tokens_are_per_session_and_stable() {
        let a = csrf_token_for("session-a");
        assert_eq!(a, csrf_token_for("session-a"));
        assert_ne!(a, csrf_token_for("session-b"));
        assert!(!a.contains("session-a"));
        let mut rec = s();
        rec.csrf_digest = Digest::of(a.as_bytes());
        assert!(rec.csrf_ok(Some(&a)));
        assert!(!rec.csrf_ok(Some(&csrf_token_for("session-b"))));
    }

    #[test]
    fn csrf_and_cookies() {
        let s = s();
        assert!(s.csrf_ok(Some("csrf")));
        assert!(!s.csrf_ok(Some("csrF")));
        assert!(!s.csrf_ok(None));
        let c = session_cookie("abc");
        assert!(c.starts_with("__Host-tollgate_session=abc;"));
        for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(c.contains(attr));
        }
        assert_eq!(
            session_id_from_cookies("a=b; __Host-tollgate_session=xyz_1"),
            Some("xyz_1")
        );
        assert_eq!(
            session_id_from_cookies("__Host-tollgate_session=x;y"),
            Some("x")
        );
        assert_eq!(
            session_id_from_cookies("__Host-tollgate_session=<script>"),
            None
        );
        assert_eq!(session_id_from_cookies("tollgate_session=x"), None);
    }
}

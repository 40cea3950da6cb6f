//! The messages of one event: one per recipient, written in the recipient's language, with a
//! signed unsubscribe link for developer e-mails — what the account's object stores in the
//! event's transaction and hands to the queue after the commit.

use std::collections::BTreeMap;

use super::{
    Delivery, Event, Facts, MailMessage, NotificationView, Recipient, Role, compose, recipients,
    unsubscribe_tag,
};
use crate::account::{AccountRecord, UserRecord};
use crate::time::Timestamp;
use crate::token::TokenRecord;

/// What the deployment puts on every message: the key that signs unsubscribe links, where
/// they point (the admin host) and whether a mail API sends the messages (without one they
/// are kept, shown only in the admin app).
#[derive(Debug, Clone, Copy)]
pub struct Postage<'a> {
    pub link_key: &'a [u8; 32],
    /// The admin host's origin, without a trailing slash.
    pub admin_url: &'a str,
    pub mail_configured: bool,
}

/// One message, written: its view (as the Notifications page lists it) and the mail to post.
/// Both carry the id the store gives it ([`Letter::stamped`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub view: NotificationView,
    pub message: MailMessage,
}

impl Letter {
    /// The letter under `id` (the same on every retry, so a provider can drop a repeat).
    pub fn stamped(mut self, id: String) -> Letter {
        self.view.id.clone_from(&id);
        self.message.id = id;
        self
    }
}

/// The signed unsubscribe link of `to` for the token `sid` of `account_id`.
pub fn unsubscribe_link(
    postage: &Postage<'_>,
    account_id: &str,
    sid: &str,
    to: &Recipient,
) -> String {
    let tag = unsubscribe_tag(postage.link_key, account_id, sid, &to.email);
    format!(
        "{}/unsubscribe?a={account_id}&s={sid}&e={}&l={}&t={tag}",
        postage.admin_url,
        crate::percent::encode(&to.email),
        to.language.code()
    )
}

/// Who hears about a change and what it says (see [`letters`]).
#[derive(Debug, Clone, Copy)]
pub struct Occasion<'a> {
    pub event: &'a Event,
    /// The token as it is after the event (before it, for a deletion).
    pub token: &'a TokenRecord,
    /// Who made the change (an e-mail, or a system's name).
    pub actor: &'a str,
    pub at: Timestamp,
}

/// The messages of `o`: one per recipient of the token ([`recipients`]), each in the
/// recipient's language, developer e-mails with their unsubscribe link (also as
/// `List-Unsubscribe`, RFC 8058 one-click).
pub fn letters(
    o: Occasion<'_>,
    users: &[UserRecord],
    account: &AccountRecord,
    postage: &Postage<'_>,
) -> Vec<Letter> {
    let sid = o.token.sid.as_str();
    let facts = Facts {
        account_name: &account.name,
        token_name: &o.token.name,
        sid,
        actor: o.actor,
        at: o.at,
    };
    let delivery = if postage.mail_configured {
        Delivery::Pending
    } else {
        Delivery::Kept
    };
    let recipients = recipients(o.token, users, account);
    let mut out = Vec::with_capacity(recipients.len());
    for to in &recipients {
        let link =
            (to.role == Role::Developer).then(|| unsubscribe_link(postage, &account.id, sid, to));
        let mail = compose(o.event, &facts, to, link.as_deref());
        let mut headers = BTreeMap::new();
        if let Some(l) = &link {
            headers.insert("List-Unsubscribe".to_owned(), format!("<{l}>"));
            headers.insert(
                "List-Unsubscribe-Post".to_owned(),
                "List-Unsubscribe=One-Click".to_owned(),
            );
        }
        let view = NotificationView {
            id: String::new(),
            at: o.at,
            event: o.event.kind(),
            sid: sid.to_owned(),
            token_name: o.token.name.clone(),
            recipient: to.email.clone(),
            role: to.role,
            language: to.language,
            subject: mail.subject.clone(),
            text: mail.text.clone(),
            actor: o.actor.to_owned(),
            delivery,
            attempts: 0,
            last_error: None,
            updated_at: o.at,
        };
        let message = MailMessage {
            id: String::new(),
            to: mail.to,
            subject: mail.subject,
            text: mail.text,
            language: mail.language,
            headers,
        };
        out.push(Letter { view, message });
    }
    out
}

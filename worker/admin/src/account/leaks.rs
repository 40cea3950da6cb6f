//! `/internal/leaked`: the secret-scanning endpoint ([`crate::scanning`]) hands the account
//! the reported digests that the index says are its tokens'. In one transaction, with no
//! `await` between reading the tokens and the commit, each live secret gets the account's
//! leak policy ([`tollgate_core::leak::respond`]), an audit entry naming where it was found,
//! its replica change (published on the revocation feed by the flush that follows, before
//! the answer) and its notifications.

use serde::{Deserialize, Serialize};
use tollgate_core::api::AuditAction;
use tollgate_core::credential::{AccountSid, Digest};
use tollgate_core::leak::{self, ReportedMatch, Response as Verdict};
use tollgate_core::notify::Event;
use worker::Response;

use super::notices::{self, Notice};
use super::{Ctx, db, session, stored_account};
use crate::error::ApiResult;
use crate::{body, reply};

/// One reported secret the index leads to this account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reported {
    pub sid: String,
    /// The SHA-256 hex of the reported string.
    pub digest: String,
    pub url: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeakRequest {
    pub reports: Vec<Reported>,
}

/// Per report, in order: whether it was a live secret of one of the account's tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeakAnswer {
    pub live: Vec<bool>,
}

pub async fn report(ctx: &mut Ctx<'_>) -> ApiResult<Response> {
    let r: LeakRequest = body::json(&mut ctx.req, false).await?;
    // From here to the commit nothing awaits.
    let account = stored_account(ctx.obj)?;
    let mut live = Vec::with_capacity(r.reports.len());
    let mut stmts = Vec::new();
    // Several reports of one token in one request apply in turn to the newest record.
    let mut changed: std::collections::BTreeMap<String, tollgate_core::token::TokenRecord> =
        Default::default();
    for rep in &r.reports {
        let (Ok(sid), Some(digest)) = (AccountSid::parse(&rep.sid), Digest::from_hex(&rep.digest))
        else {
            live.push(false);
            continue;
        };
        let current = match changed.get(sid.as_str()) {
            Some(t) => Some(t.clone()),
            None => ctx.db().token(sid.as_str())?,
        };
        let Some(token) = current.filter(|t| t.account_id == ctx.account_id) else {
            live.push(false);
            continue;
        };
        let m = ReportedMatch {
            token: String::new(),
            token_type: leak::TOKEN_TYPE.into(),
            url: rep.url.clone(),
            source: rep.source.clone(),
        };
        match leak::respond(&token, &digest, &m, account.leak_policy, ctx.now) {
            Verdict::NotLive => live.push(false),
            Verdict::Known => live.push(true),
            Verdict::Marked(next, mark) => {
                live.push(true);
                let detail = format!(
                    "{} ({}); {}{}",
                    mark.url,
                    mark.source,
                    if mark.secret == leak::LeakedSecret::Previous {
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
                stmts.extend(db::put_token(&next)?);
                stmts.push(session::entry(
                    ctx,
                    leak::REPORTER_ID,
                    leak::REPORTER_NAME,
                    AuditAction::TokenLeaked,
                    next.sid.as_str(),
                    &next.name,
                    Some(detail),
                )?);
                let event = Event::Leaked {
                    url: mark.url.clone(),
                    source: mark.source.clone(),
                    stopped: mark.stopped,
                };
                let notice = Notice {
                    token: &next,
                    event,
                    actor: leak::REPORTER_NAME,
                };
                stmts.extend(notices::written(ctx.obj, ctx.now, &account, notice)?);
                changed.insert(sid.as_str().to_owned(), *next);
            }
        }
    }
    if !stmts.is_empty() {
        ctx.commit(stmts).await?;
    }
    reply::json(200, &LeakAnswer { live })
}

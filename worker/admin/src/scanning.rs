//! `POST /secret-scanning/github`: GitHub's secret-scanning partner endpoint.
//!
//! 1. At most [`LIMIT_BINDING`]'s rate per client (the rate-limiting binding), at most
//!    [`leak::MAX_REPORT_BYTES`] read.
//! 2. The body's signature is checked against the scanner's key list (the
//!    `SECRET_SCANNING_KEYS` variable when set, otherwise the published list — GitHub's, or
//!    the one at `SECRET_SCANNING_KEYS_URL` — fetched and kept in the Cache API for an hour). A bad or missing
//!    signature answers 401 and nothing is read further.
//! 3. Each match that has the Auth Token format and checksum is looked up by digest in the KV
//!    index (`dig:{sha256}`); the ones found go, grouped by account, to the accounts' objects
//!    in one request each ([`crate::account`]'s `/internal/leaked`), all at once. The objects
//!    apply the leak policy and publish on the revocation feed before they answer.
//! 4. The answer is the protocol's feedback, in the report's order. It never says which
//!    account a string belongs to, nor whether one exists: an unknown token and a string of
//!    another format are both a false positive.

use std::collections::BTreeMap;

use tollgate_core::admin::leaks::{LeakAnswer, LeakRequest, Reported};
use tollgate_core::credential::Digest;
use tollgate_core::error_code::{ErrorCode, Failure};
use tollgate_core::leak::signature::{
    self, KEY_ID_HEADER, KeyList, SIGNATURE_HEADER, SignatureError,
};
use tollgate_core::leak::{self, ReportError, ReportedMatch};
use worker::{Cache, Env, Fetch, Headers, Method, Request, RequestInit, Response};

use crate::account::protocol::AccountClient;
use crate::error::{ApiError, ApiResult, Decided as _};
use crate::store::Store;
use crate::{body, front, reply};

/// The rate-limiting binding for reports, per client address.
pub const LIMIT_BINDING: &str = "SCANNING_LIMITER";

pub async fn handle(mut req: Request, env: &Env) -> ApiResult<Response> {
    if req.method() != Method::Post {
        return Err(ApiError::method_not_allowed());
    }
    limit(env, &front::client(&req)).await?;
    let too_large = || {
        Failure::from(ReportError::TooLarge {
            max: leak::MAX_REPORT_BYTES,
        })
    };
    let raw = body::bytes_up_to(&mut req, leak::MAX_REPORT_BYTES, too_large).await?;
    let keys = key_list(env).await?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    signature::verify(
        &keys,
        header(KEY_ID_HEADER).as_deref(),
        header(SIGNATURE_HEADER).as_deref(),
        &raw,
    )
    .inspect_err(|e| worker::console_warn!("secret scanning: refused a report: {e}"))
    .decided()?;
    let matches = leak::parse_report(&raw).decided()?;
    let live = look_up(env, &matches).await?;
    let feedback: Vec<leak::Feedback> = matches
        .iter()
        .zip(&live)
        .map(|(m, l)| leak::feedback(m, *l))
        .collect();
    worker::console_log!(
        "secret scanning: {} matches reported, {} live tokens",
        matches.len(),
        live.iter().filter(|l| **l).count()
    );
    reply::json(200, &feedback)
}

async fn limit(env: &Env, client: &str) -> ApiResult<()> {
    match env.rate_limiter(LIMIT_BINDING) {
        Ok(l) => match l.limit(client.to_owned()).await {
            Ok(o) if !o.success => Err(Failure {
                retry_after: Some(60),
                ..Failure::new(
                    ErrorCode::RateLimited,
                    "too many reports from this client: wait a minute and send them again",
                )
            }
            .into()),
            _ => Ok(()),
        },
        Err(_) => {
            worker::console_error!(
                "the {LIMIT_BINDING} binding is missing: reports are not rate limited"
            );
            Ok(())
        }
    }
}

/// The scanner's key list: the `SECRET_SCANNING_KEYS` variable, else the published list
/// (GitHub's, or `SECRET_SCANNING_KEYS_URL`), kept in the Cache API for
/// [`signature::KEY_LIST_TTL_SECS`].
async fn key_list(env: &Env) -> ApiResult<KeyList> {
    if let Some(text) = crate::vars::optional(env, "SECRET_SCANNING_KEYS") {
        return signature::parse_key_list(&text).decided();
    }
    let url = crate::vars::optional(env, "SECRET_SCANNING_KEYS_URL")
        .unwrap_or_else(|| signature::KEY_LIST_URL.to_owned());
    let cache = Cache::default();
    if let Ok(Some(mut cached)) = cache.get(url.as_str(), false).await
        && let Ok(text) = cached.text().await
        && let Ok(list) = signature::parse_key_list(&text)
    {
        return Ok(list);
    }
    let unavailable =
        |why: &str| ApiError::from(Failure::from(SignatureError::KeyList(why.to_owned())));
    let headers = Headers::new();
    headers
        .set("User-Agent", "tollgate-secret-scanning")
        .map_err(ApiError::from)?;
    headers
        .set("Accept", "application/json")
        .map_err(ApiError::from)?;
    let mut init = RequestInit::new();
    init.with_headers(headers);
    let fetch_req = Request::new_with_init(&url, &init).map_err(ApiError::from)?;
    let mut resp = Fetch::Request(fetch_req)
        .send()
        .await
        .map_err(|_| unavailable("GitHub could not be reached"))?;
    if resp.status_code() != 200 {
        return Err(unavailable("GitHub did not give the key list"));
    }
    let text = resp
        .text()
        .await
        .map_err(|_| unavailable("the key list could not be read"))?;
    let list = signature::parse_key_list(&text).decided()?;
    let mut keep = Response::ok(text).map_err(ApiError::from)?;
    keep.headers_mut()
        .set(
            "Cache-Control",
            &format!("max-age={}", signature::KEY_LIST_TTL_SECS),
        )
        .map_err(ApiError::from)?;
    if cache.put(url.as_str(), keep).await.is_err() {
        worker::console_warn!("secret scanning: the key list could not be cached");
    }
    Ok(list)
}

/// Whether each match is a live secret of some token (in the report's order).
async fn look_up(env: &Env, matches: &[ReportedMatch]) -> ApiResult<Vec<bool>> {
    let digests: Vec<Option<Digest>> = matches.iter().map(|m| leak::candidate(&m.token)).collect();
    let mut unique: Vec<Digest> = digests.iter().flatten().copied().collect();
    unique.sort_by_key(|d| d.0);
    unique.dedup();
    let store = Store::open(env)?;
    let found = futures_util::future::join_all(unique.iter().map(|d| store.digest_index(d))).await;
    let index: BTreeMap<[u8; 32], tollgate_core::replica::DigestIndex> = unique
        .iter()
        .zip(found)
        .filter_map(|(d, r)| match r {
            Ok(Some(i)) => Some((d.0, i)),
            _ => None,
        })
        .collect();
    // Per account: the positions of its matches and what its object is told of each.
    let mut by_account: BTreeMap<String, (Vec<usize>, Vec<Reported>)> = BTreeMap::new();
    for (i, (m, d)) in matches.iter().zip(&digests).enumerate() {
        let Some(entry) = d.and_then(|d| index.get(&d.0)) else {
            continue;
        };
        let slot = by_account.entry(entry.account_id.clone()).or_default();
        slot.0.push(i);
        slot.1.push(Reported {
            sid: entry.sid.clone(),
            digest: d.map(|d| d.to_hex()).unwrap_or_default(),
            url: m.url.clone(),
            source: m.source.clone(),
        });
    }
    let answers = futures_util::future::join_all(
        by_account
            .iter()
            .map(|(id, (_, reports))| tell(env, id, reports)),
    )
    .await;
    let mut live = vec![false; matches.len()];
    for ((_, (positions, _)), answer) in by_account.iter().zip(answers) {
        // An account that could not be told leaves the report unanswered: the scanner retries.
        let answer = answer?;
        for (p, l) in positions.iter().zip(answer.live) {
            live[*p] = l;
        }
    }
    Ok(live)
}

async fn tell(env: &Env, account_id: &str, reports: &[Reported]) -> ApiResult<LeakAnswer> {
    let ask = LeakRequest {
        reports: reports.to_vec(),
    };
    AccountClient::new(env, account_id)?
        .call(&ask)
        .await
        .map_err(|_| ApiError::unavailable())
}

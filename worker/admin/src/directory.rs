//! The sign-in directory: which account a user's e-mail belongs to. E-mail addresses are
//! unique across Tollgate; each lives in one of [`SHARDS`] `Directory` objects (chosen by a
//! hash of the address), whose SQLite table makes the address its primary key, so two users
//! created at the same moment can never share one.
//!
//! The directory is only a lookup: sign-in asks it which account object to go to, and that
//! object alone decides (it holds the user, the password hash and the sessions). A stale or
//! dangling entry therefore never lets anyone in. Taking over a reservation whose user does
//! not exist (its creation failed after the reservation) is its callers' protocol
//! (`account::claim`): the directory knows nothing of account objects.

use serde::{Deserialize, Serialize};
use tollgate_core::credential::Digest;
use worker::{
    DurableObject, Env, Headers, Method, Request, RequestInit, Response, Result, SqlStorage,
    SqlStorageValue as V, State, durable_object,
};

use crate::error::{ApiError, ApiResult};

pub const BINDING: &str = "DIRECTORY";
/// How many directory objects share the e-mails.
pub const SHARDS: u8 = 16;

/// Who holds an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub account_id: String,
    pub user_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Ask {
    email: String,
    #[serde(default)]
    holder: Option<Holder>,
    /// For `replace`: the holder expected now.
    #[serde(default)]
    expected: Option<Holder>,
}

#[durable_object]
pub struct Directory {
    sql: SqlStorage,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Directory")
    }
}

impl DurableObject for Directory {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        if sql
            .exec(
                "CREATE TABLE IF NOT EXISTS emails (email TEXT PRIMARY KEY, account_id TEXT NOT NULL, user_id TEXT NOT NULL)",
                None,
            )
            .is_err()
        {
            worker::console_error!("directory: could not create its table");
        }
        Directory { sql }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let ask: Ask = req.json().await?;
        let email = ask.email.trim().to_lowercase();
        let current = self.holder(&email)?;
        match (req.path().as_str(), ask.holder) {
            ("/lookup", _) => Response::from_json(&current),
            ("/reserve", Some(h)) => match current {
                Some(c) if c != h => Ok(Response::from_json(&c)?.with_status(409)),
                Some(_) => Response::from_json(&h),
                None => {
                    self.sql.exec(
                        "INSERT INTO emails (email, account_id, user_id) VALUES (?, ?, ?)",
                        vec![
                            V::from(email.as_str()),
                            V::from(h.account_id.as_str()),
                            V::from(h.user_id.as_str()),
                        ],
                    )?;
                    Response::from_json(&h)
                }
            },
            ("/replace", Some(h)) if current.is_some() && current == ask.expected => {
                self.sql.exec(
                    "UPDATE emails SET account_id = ?, user_id = ? WHERE email = ?",
                    vec![
                        V::from(h.account_id.as_str()),
                        V::from(h.user_id.as_str()),
                        V::from(email.as_str()),
                    ],
                )?;
                Response::from_json(&h)
            }
            ("/replace", Some(_)) => Ok(Response::from_json(&current)?.with_status(409)),
            ("/release", Some(h)) => {
                if current.as_ref() == Some(&h) {
                    self.sql.exec(
                        "DELETE FROM emails WHERE email = ?",
                        vec![V::from(email.as_str())],
                    )?;
                }
                Ok(Response::empty()?.with_status(204))
            }
            _ => Ok(Response::empty()?.with_status(404)),
        }
    }
}

impl Directory {
    fn holder(&self, email: &str) -> Result<Option<Holder>> {
        Ok(self
            .sql
            .exec(
                "SELECT account_id, user_id FROM emails WHERE email = ?",
                vec![V::from(email)],
            )?
            .to_array::<Holder>()?
            .into_iter()
            .next())
    }
}

fn shard(email: &str) -> String {
    let d = Digest::of(email.trim().to_lowercase().as_bytes()).to_hex();
    let n = u8::from_str_radix(&d[..2], 16).unwrap_or(0) % SHARDS;
    format!("directory-{n}")
}

async fn ask(env: &Env, op: &str, body: &Ask) -> ApiResult<(u16, Option<Holder>)> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    let mut init = RequestInit::new();
    let text = serde_json::to_string(body).map_err(|_| ApiError::unavailable())?;
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(text.into()));
    let req = Request::new_with_init(&format!("https://directory.internal/{op}"), &init)?;
    let stub = env
        .durable_object(BINDING)?
        .id_from_name(&shard(&body.email))?
        .get_stub()?;
    let mut resp = stub.fetch_with_request(req).await?;
    let status = resp.status_code();
    let holder = if status == 204 || status == 404 {
        None
    } else {
        resp.json::<Option<Holder>>().await?
    };
    Ok((status, holder))
}

/// Which account an e-mail belongs to, if any.
pub async fn lookup(env: &Env, email: &str) -> ApiResult<Option<Holder>> {
    Ok(ask(
        env,
        "lookup",
        &Ask {
            email: email.to_owned(),
            holder: None,
            expected: None,
        },
    )
    .await?
    .1)
}

/// Reserves an e-mail for a user: `Ok(None)` when reserved, `Ok(Some(holder))` when
/// someone else holds it.
pub async fn reserve(
    env: &Env,
    email: &str,
    account_id: &str,
    user_id: &str,
) -> ApiResult<Option<Holder>> {
    let h = Holder {
        account_id: account_id.to_owned(),
        user_id: user_id.to_owned(),
    };
    let (status, current) = ask(
        env,
        "reserve",
        &Ask {
            email: email.to_owned(),
            holder: Some(h),
            expected: None,
        },
    )
    .await?;
    Ok(if status == 409 { current } else { None })
}

/// Moves an e-mail from `expected` to a new holder (only while `expected` still holds it).
pub async fn replace(
    env: &Env,
    email: &str,
    expected: &Holder,
    account_id: &str,
    user_id: &str,
) -> ApiResult<bool> {
    let h = Holder {
        account_id: account_id.to_owned(),
        user_id: user_id.to_owned(),
    };
    let body = Ask {
        email: email.to_owned(),
        holder: Some(h),
        expected: Some(expected.clone()),
    };
    Ok(ask(env, "replace", &body).await?.0 == 200)
}

/// Gives an e-mail back (only if this user still holds it).
pub async fn release(env: &Env, email: &str, account_id: &str, user_id: &str) -> ApiResult<()> {
    let h = Holder {
        account_id: account_id.to_owned(),
        user_id: user_id.to_owned(),
    };
    ask(
        env,
        "release",
        &Ask {
            email: email.to_owned(),
            holder: Some(h),
            expected: None,
        },
    )
    .await?;
    Ok(())
}

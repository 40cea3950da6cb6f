//! # tollgate-core
//!
//! Every rule of Tollgate lives here, as pure functions over plain data:
//!
//! * [`credential`]: the Account SID and Auth Token formats, their checksums and digests;
//! * [`authorization`]: parsing and building `Authorization: Basic` header values;
//! * [`version`] and [`scope`]: dated API versions, the scope catalog and the route map;
//! * [`account`]: account types, roles and what each role may do, user and contact validation;
//! * [`token`]: the stored token record and every operation on it;
//! * [`filter`]: the token list filter shared by the Worker and the browser;
//! * [`verify`]: the edge's allow / deny decision; [`gateway`]: what the gateway forwards;
//! * [`api`]: the admin API's JSON types, [`error_code`]: every API error code and its status;
//! * [`revision`]: record revisions, `ETag` and `If-Match`; [`idempotency`]: keyed retries;
//! * [`replica`]: the edge's KV copy of tokens (records and tombstones);
//! * [`feed`]: the revocation feed (wire format, catch-up, the verifier's fail-safe);
//!   [`edge_cache`]: the verifier's bounded in-isolate copy of the records;
//! * [`leak`]: secret scanners' leak reports (signature, verdicts, the leak policy);
//!   [`notify`]: notifications to the people on a token (recipients, texts, delivery);
//! * [`throttle`]: the sign-in guessing throttle.
//!
//! The crate performs no I/O and reads no clock and no random source: the current time
//! ([`time::Timestamp`]) and random bytes are always arguments. It therefore runs the
//! same natively (tests, benchmarks) and on `wasm32-unknown-unknown` (the Worker, the
//! admin app and the npm package).

pub mod account;
pub mod admin;
pub mod api;
pub mod audit;
pub mod authorization;
pub mod change;
pub mod credential;
pub mod edge_cache;
pub mod email;
pub mod error_code;
pub mod feed;
pub mod filter;
pub mod gateway;
pub mod idempotency;
pub mod language;
pub mod leak;
pub mod leak_mark;
pub mod notify;
pub mod percent;
pub mod policy;
pub mod replica;
pub mod revision;
pub mod scope;
pub mod session;
pub mod throttle;
pub mod time;
pub mod token;
#[cfg(feature = "typescript")]
pub mod typescript;
pub mod usage;
pub mod verify;
pub mod version;
mod wire_name;

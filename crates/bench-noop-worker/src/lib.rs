//! A no-op Worker: the baseline that `cargo xtask bench` measures Tollgate's edge against.

use worker::{Context, Env, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    Response::ok("ok")
}

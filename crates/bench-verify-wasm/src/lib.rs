//! One verification's CPU work, as the Worker does it before and after its one KV read:
//! `screen` (Basic parse, SID and token format, checksum), SHA-256 of the token and the
//! constant-time compare with the stored digest. `cargo xtask bench` times `verify_many`
//! from Node with `performance.now()`.

use tollgate_core::credential::Digest;
use tollgate_core::verify::screen;
use wasm_bindgen::prelude::*;

/// Runs `iterations` verifications of `header` against the stored digest `digest_hex`;
/// returns how many matched (so the work cannot be optimised away).
#[wasm_bindgen]
pub fn verify_many(header: &str, digest_hex: &str, iterations: u32) -> u32 {
    let Some(stored) = Digest::from_hex(digest_hex) else {
        return 0;
    };
    let mut ok = 0;
    for _ in 0..iterations {
        if let Ok(s) = screen(Some(std::hint::black_box(header)))
            && s.token.digest().ct_eq(&stored)
        {
            ok += 1;
        }
    }
    ok
}

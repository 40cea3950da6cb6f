//! The in-isolate CPU cost of one verification, natively: `screen` (Basic parse, SID and
//! token format, checksum) + SHA-256 of the token + constant-time compare with the stored
//! digest — everything the Worker computes around its one KV read. Also the parts alone,
//! and the list filter over 10,000 tokens. Run by `cargo xtask bench`
//! (`cargo bench -p tollgate-core --bench verify`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tollgate_core::authorization::{encode_basic, parse_basic};
use tollgate_core::credential::{AccountSid, AuthToken};
use tollgate_core::filter::{PageRequest, Row, TokenFilter, list};
use tollgate_core::time::Timestamp;
use tollgate_core::verify::screen;

fn credentials() -> (String, AuthToken) {
    let sid = AccountSid::from_entropy(&[7; 16]);
    let token = AuthToken::from_entropy(&[42; 32]);
    (encode_basic(sid.as_str(), token.expose()), token)
}

fn verification(c: &mut Criterion) {
    let (header, token) = credentials();
    let stored = token.digest();
    c.bench_function("verify/screen+sha256+compare", |b| {
        b.iter(|| {
            let s = screen(Some(black_box(&header))).expect("well-formed");
            s.token.digest().ct_eq(black_box(&stored))
        })
    });
    c.bench_function("verify/parse_basic", |b| {
        b.iter(|| parse_basic(black_box(&header)).is_ok())
    });
    c.bench_function("verify/token_checksum", |b| {
        b.iter(|| AuthToken::parse(black_box(token.expose())).is_ok())
    });
    c.bench_function("verify/sha256", |b| b.iter(|| black_box(&token).digest()));
}

fn filter(c: &mut Criterion) {
    let now = 1_800_000_000_000;
    let rows: Vec<Row> = (0..10_000)
        .map(|i| Row {
            sid: format!("TGSID{i:022}"),
            name: format!(
                "{} token {i}",
                ["Reporting", "Nightly export", "ＡＰＩ 連携", "接口同步"][i % 4]
            ),
            created_at: Timestamp(now - (i as i64) * 600_000),
            enabled: i % 3 != 0,
        })
        .collect();
    let search = TokenFilter {
        q: Some("report".into()),
        ..TokenFilter::default()
    };
    c.bench_function("filter/10000 tokens, search, first page", |b| {
        b.iter(|| {
            list(
                black_box(&rows),
                &search,
                &PageRequest::default(),
                Timestamp(now),
            )
            .0
            .len()
        })
    });
}

criterion_group!(benches, verification, filter);
criterion_main!(benches);

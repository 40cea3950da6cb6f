//! Races: every pair of token mutations fired at the same instant must end as some serial
//! order of the two ends (judged by [`super::model`]), and sign-out racing a session
//! refresh must never revive the session.

use std::sync::Barrier;
use std::time::Duration;

use serde_json::json;
use tollgate_tests::fixture::{expect, expect_one_of};
use tollgate_tests::{Answer, Result, Session, setup_account};

use super::model::{Model, Op};
use super::{Ctx, new_token, password, verify};

use tollgate_tests::ensure;

/// Fires `a` and `b` on the same token at the same instant; returns both answers.
fn fire(s: &Session, sid: &str, a: Op, b: Op) -> Result<[Answer; 2]> {
    let barrier = Barrier::new(2);
    let (ra, rb) = std::thread::scope(|scope| {
        let ha = scope.spawn(|| {
            barrier.wait();
            a.send(s, sid, 'A')
        });
        let hb = scope.spawn(|| {
            barrier.wait();
            b.send(s, sid, 'B')
        });
        (ha.join(), hb.join())
    });
    let ra = ra.map_err(|_| "thread A panicked".to_owned())??;
    let rb = rb.map_err(|_| "thread B panicked".to_owned())??;
    Ok([ra, rb])
}

/// What the system shows after a race, to compare with the model.
#[derive(Debug, PartialEq)]
struct Seen {
    statuses: [u16; 2],
    exists: bool,
    enabled: bool,
    latest: bool,
    description: String,
    scopes: Vec<String>,
    /// Whether the edge accepts the original token, A's new one and B's new one.
    edge: [bool; 3],
    copies: Vec<String>,
}

fn observe(c: &Ctx, sid: &str, original: &str, answers: &[Answer; 2]) -> Result<Seen> {
    let get = c.admin.call("GET", &format!("/api/tokens/{sid}"), None)?;
    expect_one_of(&get, &[200, 404], "GET after race")?;
    let v = get.json();
    let mut edge = [verify(&c.edge, sid, original)? == 200, false, false];
    let mut copies = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        ensure!(a.status < 500, "a racer got {} {}", a.status, a.body);
        let body = a.json();
        if let Some(tok) = body["auth_token"].as_str() {
            if body["token"]["sid"].as_str() == Some(sid) {
                edge[i + 1] = verify(&c.edge, sid, tok)? == 200;
            } else {
                copies.push(
                    body["token"]["description"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
    }
    let mut scopes: Vec<String> = v["scopes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    scopes.sort();
    Ok(Seen {
        statuses: [answers[0].status, answers[1].status],
        exists: get.status == 200,
        enabled: v["state"] == "enabled",
        latest: v["latest_version"] == true,
        description: v["description"].as_str().unwrap_or_default().to_owned(),
        scopes,
        edge,
        copies,
    })
}

fn expected(m: &Model, statuses: [u16; 2], copies: Vec<String>) -> Seen {
    Seen {
        statuses,
        exists: m.exists,
        enabled: m.exists && m.enabled,
        latest: m.exists && m.latest,
        description: if m.exists {
            m.description.clone()
        } else {
            String::new()
        },
        scopes: if m.exists {
            m.scopes.clone()
        } else {
            Vec::new()
        },
        edge: [m.accepts("orig"), m.accepts("A"), m.accepts("B")],
        copies,
    }
}

pub fn races(c: &mut Ctx) -> Result<()> {
    let rounds: usize = std::env::var("TOLLGATE_RACE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let oldest = "2024-04-01";
    let mut trials = 0;
    // Outcomes only A-then-B gives, only B-then-A gives, and both give (commuting pairs).
    let mut orders = [0usize; 3];
    for (i, a) in Op::ALL.iter().enumerate() {
        for b in &Op::ALL[i..] {
            for round in 0..rounds {
                // Half the rounds start from a disabled token, so enable has something to do.
                let start_enabled = round % 2 == 0;
                let (sid, original) =
                    new_token(&c.admin, &format!("race {a:?}/{b:?} {round}"), oldest)?;
                if !start_enabled {
                    let d = c
                        .admin
                        .call("POST", &format!("/api/tokens/{sid}/disable"), None)?;
                    expect(&d, 200, "disable before race")?;
                }
                let answers = fire(&c.admin, &sid, *a, *b)?;
                let seen = observe(c, &sid, &original, &answers)?;
                let mut matched = Vec::new();
                for (k, (first, second)) in [((*a, 'A'), (*b, 'B')), ((*b, 'B'), (*a, 'A'))]
                    .into_iter()
                    .enumerate()
                {
                    let mut m = Model::new(start_enabled);
                    let s1 = m.apply(first.0, first.1);
                    let s2 = m.apply(second.0, second.1);
                    let statuses = if first.1 == 'A' { [s1, s2] } else { [s2, s1] };
                    if seen == expected(&m, statuses, m.copies.clone()) {
                        matched.push(k);
                    }
                }
                if matched.is_empty() {
                    return Err(format!(
                        "{a:?} ∥ {b:?} (start {}) ended in a state no serial order gives: {seen:?}",
                        if start_enabled { "enabled" } else { "disabled" }
                    ));
                }
                orders[if matched.len() == 2 { 2 } else { matched[0] }] += 1;
                trials += 1;
            }
        }
    }
    println!(
        "    {trials} races over {} pairs of token mutations: every outcome serial (only A-then-B {}, only B-then-A {}, either {})",
        Op::ALL.len() * (Op::ALL.len() + 1) / 2,
        orders[0],
        orders[1],
        orders[2]
    );
    Ok(())
}

pub fn sign_out_races_refresh(c: &mut Ctx) -> Result<()> {
    // The sessions were signed in at the start; a refresh writes only after a minute.
    let due = Duration::from_secs(62);
    if let Some(wait) = due.checked_sub(c.started.elapsed()) {
        std::thread::sleep(wait);
    }
    let sessions = std::mem::take(&mut c.old_sessions);
    let mut refreshed_first = 0;
    for s in &sessions {
        let barrier = Barrier::new(2);
        let (out, refresh) = std::thread::scope(|scope| {
            let h1 = scope.spawn(|| {
                barrier.wait();
                s.call("DELETE", "/api/session", None)
            });
            let h2 = scope.spawn(|| {
                barrier.wait();
                s.call("GET", "/api/tokens?limit=1", None)
            });
            (h1.join(), h2.join())
        });
        let out = out.map_err(|_| "sign-out thread panicked".to_owned())??;
        let refresh = refresh.map_err(|_| "refresh thread panicked".to_owned())??;
        ensure!(out.status == 204, "sign-out: {} {}", out.status, out.body);
        expect_one_of(&refresh, &[200, 401], "refresh")?;
        refreshed_first += usize::from(refresh.status == 200);
        for _ in 0..3 {
            let after = s.call("GET", "/api/session", None)?;
            expect(&after, 401, "a signed-out session came back")?;
        }
    }
    println!(
        "    {} sign-outs raced refreshes ({refreshed_first} refreshes answered first): no session revived",
        sessions.len()
    );
    Ok(())
}

/// Two users created with one e-mail at the same instant — in two accounts, and twice in
/// one — never both exist: exactly one 201, the other 409 `email_taken`, and the e-mail
/// signs in to the one that won.
pub fn same_email_at_once(c: &mut Ctx) -> Result<()> {
    let other_pw = password();
    let a = setup_account(
        &c.base,
        &c.sandbox.setup_secret,
        "Rival Agency",
        "agency",
        "admin@rival.test",
        &other_pw,
    )?;
    ensure!(a.status == 201, "second account: {} {}", a.status, a.body);
    let rival = Session::login(&c.base, "admin@rival.test", &other_pw)?;
    for round in 0..6 {
        let email = format!("contested{round}@race.test");
        let pw = password();
        let body =
            json!({"email": email, "name": "Contested", "role": "standard_user", "password": pw});
        let (first, second) = if round % 2 == 0 {
            (&c.admin, &rival)
        } else {
            (&c.admin, &c.admin)
        };
        let barrier = Barrier::new(2);
        let (x, y) = std::thread::scope(|scope| {
            let hx = scope.spawn(|| {
                barrier.wait();
                first.call("POST", "/api/users", Some(&body))
            });
            let hy = scope.spawn(|| {
                barrier.wait();
                second.call("POST", "/api/users", Some(&body))
            });
            (hx.join(), hy.join())
        });
        let x = x.map_err(|_| "thread panicked".to_owned())??;
        let y = y.map_err(|_| "thread panicked".to_owned())??;
        let mut statuses = [x.status, y.status];
        statuses.sort();
        ensure!(
            statuses == [201, 409],
            "round {round}: {} {} / {} {}",
            x.status,
            x.body,
            y.status,
            y.body
        );
        let loser = if x.status == 409 { &x } else { &y };
        ensure!(
            loser.code() == "email_taken",
            "round {round}: {}",
            loser.body
        );
        let winner_account = if x.status == 201 { first } else { second }.account["id"].clone();
        let s = Session::login(&c.base, &email, &pw)?;
        ensure!(
            s.account["id"] == winner_account,
            "round {round}: the e-mail signs in to another account"
        );
    }
    println!(
        "    6 pairs of same-e-mail user creations at once (3 across accounts, 3 in one): one user each time"
    );
    Ok(())
}

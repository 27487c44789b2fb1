//! The Rust concurrency row of BENCHMARKS.md: many threads ask one shared
//! session for a token at the moment it expires, against the local Makini
//! Link provider over real HTTP on 127.0.0.1.
//!
//! The session is `authflow_examples::SharedSession` (the single-flight
//! driver the examples and end-to-end tests use: one thread sends the
//! refresh, the others wait on a condition variable); the provider is
//! `authflow_test_providers::Providers`, started in this process and
//! stopped before exit. Each round moves the provider's clock and the
//! client's to the access token's expiry, releases every thread at once and
//! measures the time until the last one holds the new access token (then
//! as many rounds with a single caller, for scale). The
//! provider's counters say how many refresh requests it saw and how many
//! presented an already-rotated refresh token (replays).
//!
//! ```sh
//! cargo run --release -p authflow-benches --bin authflow-bench-concurrency -- \
//!     [--callers 1000] [--rounds 5] [--out target/bench/rust-concurrency.json]
//! ```
//!
//! Prints the JSON `scripts/bench-report.py` reads (and writes it to
//! `--out`). Exits non-zero when a round cannot run (no token, a caller
//! failed), never because of a measured figure: the figures are reported,
//! not asserted.

#![allow(clippy::unwrap_used)] // benchmark harness code

use authflow_examples::{local, unix_now, SharedSession, Transport};
use authflow_test_providers::credentials::LINK_CLIENT_ID;
use authflow_test_providers::Providers;
use authflowkit_core::Session;
use serde_json::json;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// What one round saw.
struct Round {
    /// Threads that asked.
    callers: usize,
    /// Refresh requests the provider received.
    refresh_requests: u64,
    /// Successful rotations.
    rotations: u64,
    /// Refresh requests with a rotated-away refresh token.
    replays: u64,
    /// Callers that ended up with the new access token.
    with_new_token: usize,
    /// From the release of every thread until the last one held a token.
    until_all: Duration,
}

struct Options {
    callers: usize,
    rounds: usize,
    out: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        callers: 1000,
        rounds: 5,
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--callers" => options.callers = value()?.parse().map_err(|e| format!("{e}"))?,
            "--rounds" => options.rounds = value()?.parse().map_err(|e| format!("{e}"))?,
            "--out" => options.out = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.callers == 0 || options.rounds == 0 {
        return Err("--callers and --rounds must be at least 1".into());
    }
    Ok(options)
}

fn main() -> ExitCode {
    match options().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("authflow-bench-concurrency: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: Options) -> Result<(), String> {
    let providers = Providers::start().map_err(|e| format!("cannot start the providers: {e}"))?;
    // The rounds with every caller, then as many with one caller: the same
    // refresh with nobody waiting, for scale.
    let mut plan = vec![options.callers; options.rounds];
    plan.extend(std::iter::repeat_n(1, options.rounds));
    let result = rounds(&providers, &plan);
    providers.stop();
    let mut rounds = result?;
    let alone = rounds.split_off(options.rounds);

    let median_ms = |rounds: &[Round]| {
        let mut ms: Vec<f64> = rounds
            .iter()
            .map(|r| r.until_all.as_secs_f64() * 1e3)
            .collect();
        ms.sort_by(f64::total_cmp);
        let mid = ms.len() / 2;
        if ms.len() % 2 == 1 {
            ms[mid]
        } else {
            (ms[mid - 1] + ms[mid]) / 2.0
        }
    };
    let worst_refreshes = rounds.iter().map(|r| r.refresh_requests).max().unwrap_or(0);
    let replays: u64 = rounds.iter().map(|r| r.replays).sum();
    let all_new = rounds.iter().all(|r| r.with_new_token == r.callers);
    let report = json!({
        "title": "Rust: concurrent callers at token expiry (authflowkit-core Session behind SharedSession)",
        "versions": { "authflowkit-core": env!("CARGO_PKG_VERSION") },
        "concurrency": [{
            "runtime": "Rust threads",
            "callers": options.callers,
            "rounds": options.rounds,
            "refreshes": worst_refreshes,
            "replays": replays,
            "ms_until_all": median_ms(&rounds),
            "ms_one_caller": median_ms(&alone),
            "all_hold_new_token": all_new,
            "per_round": rounds.iter().map(|r| json!({
                "refresh_requests": r.refresh_requests,
                "rotations": r.rotations,
                "replays": r.replays,
                "callers_with_new_token": r.with_new_token,
                "ms_until_all": r.until_all.as_secs_f64() * 1e3,
            })).collect::<Vec<_>>(),
            "note": format!(
                "{} OS threads share one SharedSession (cli/src/driver.rs) over ureq to the local Makini Link provider \
                 (tests/providers, in-process on 127.0.0.1). Each of {} rounds moves both clocks to the access token's expiry, \
                 releases all threads at once (a barrier) and times until the last holds the new token. \
                 refreshes: refresh requests the provider saw in the worst round; replays: rotated refresh tokens presented, \
                 all rounds; ms: the median round. For scale, the same refresh with one caller: {:.1} ms (median of {} rounds); the rest is the callers' \
                 scheduling on this machine's cores (every waiter wakes on one notify_all and takes the session's mutex in turn), \
                 not the refresh.",
                options.callers, options.rounds, median_ms(&alone), options.rounds
            ),
        }],
    });
    let text = serde_json::to_string_pretty(&report).unwrap();
    if let Some(out) = &options.out {
        if let Some(dir) = std::path::Path::new(out).parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{out}: {e}"))?;
        }
        std::fs::write(out, format!("{text}\n")).map_err(|e| format!("{out}: {e}"))?;
    }
    println!("{text}");
    Ok(())
}

/// One round per entry of `plan`, with that many callers.
fn rounds(providers: &Providers, plan: &[usize]) -> Result<Vec<Round>, String> {
    let transport = Transport::new(Duration::from_secs(30));
    let client = local::link_client(providers.urls()).map_err(|e| e.to_string())?;
    let tokens = local::code_flow(&transport, &client, unix_now())
        .map_err(|e| format!("the code flow failed: {e}"))?;
    let shared = SharedSession::new(Session::new(client, Some(tokens)), transport, |_| {});
    // How far the client's clock is moved ahead of real time, in step with
    // the provider's.
    let offset = AtomicU64::new(0);
    let now = || unix_now() + offset.load(Ordering::SeqCst);

    let mut rounds = Vec::with_capacity(plan.len());
    for (round, &callers) in (1..).zip(plan) {
        let current = shared.token_set().ok_or("the session lost its tokens")?;
        let expires_at = current.expires_at().ok_or("the token set has no expiry")?;
        let old_token = current.access_token().secret().to_owned();
        let advance = expires_at.saturating_sub(now());
        providers.advance_clock(i64::try_from(advance).map_err(|e| e.to_string())?);
        offset.fetch_add(advance, Ordering::SeqCst);
        let before = providers.stats().client(LINK_CLIENT_ID);

        let ready = AtomicUsize::new(0);
        let go = Barrier::new(callers + 1);
        let (start, results) = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..callers)
                .map(|_| {
                    std::thread::Builder::new()
                        .stack_size(512 * 1024)
                        .spawn_scoped(scope, || {
                            ready.fetch_add(1, Ordering::SeqCst);
                            go.wait();
                            let token = shared.access_token(now);
                            let done = Instant::now();
                            token.map(|t| (t.secret().to_owned(), done))
                        })
                        .unwrap()
                })
                .collect();
            // Every caller is at the barrier: this thread's arrival releases them.
            while ready.load(Ordering::SeqCst) < callers {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(20));
            let start = Instant::now();
            go.wait();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            (start, results)
        });

        let after = providers.stats().client(LINK_CLIENT_ID);
        let new_token = shared
            .token_set()
            .ok_or("the session lost its tokens")?
            .access_token()
            .secret()
            .to_owned();
        if new_token == old_token {
            return Err(format!("round {round}: the session did not refresh"));
        }
        let mut until_all = Duration::ZERO;
        let mut with_new_token = 0;
        for result in results {
            let (token, done) =
                result.map_err(|e| format!("round {round}: a caller got an error: {e}"))?;
            until_all = until_all.max(done.duration_since(start));
            with_new_token += usize::from(token == new_token);
        }
        let delta = |f: fn(&authflow_test_providers::Counters) -> u64| f(&after) - f(&before);
        rounds.push(Round {
            callers,
            refresh_requests: delta(|c| c.token_requests_for("refresh_token")),
            rotations: delta(|c| c.refreshes),
            replays: delta(|c| c.replays),
            with_new_token,
            until_all,
        });
        eprintln!(
            "round {round}: {} refresh request(s), {} replay(s), {with_new_token}/{} callers with the new token, {:.2} ms",
            rounds[round - 1].refresh_requests,
            rounds[round - 1].replays,
            callers,
            until_all.as_secs_f64() * 1e3
        );
    }
    Ok(rounds)
}

//! Fleets: processes (`fleet-worker`) sharing one Makini Link and one Makini
//! Admin connection through a Redis server started here on 127.0.0.1, against
//! the local providers, whose clock the test moves past expiry.
//!
//! Counted at the providers: refreshes per expiry, replays of a rotated
//! refresh token, client-credentials grants; counted by the workers: errors
//! by kind and "authorize again". Figures are printed (`--nocapture`).

#![allow(clippy::unwrap_used, clippy::print_stdout)] // test code

use authflow_examples::local::{admin_client, code_flow, link_client};
use authflow_examples::{unix_now, Transport};
use authflow_test_providers::credentials::{ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, LINK_CLIENT_ID};
use authflow_test_providers::Providers;
use authflowkit_core::fleet::{StoreKey, TokenStore};
use authflowkit_core::{Client, GrantType, TokenSet};
use authflowkit_store::{FileStore, RedisStore};
use serde_json::Value;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Past the access token's 30 days, within the refresh token's 31.
const EXPIRY_STEP: i64 = 30 * 86_400 + 3_600;
const PASSWORD: &str = "fleet-test-redis-password";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A redis-server of its own on 127.0.0.1, no persistence, with a password;
/// killed when dropped.
struct Redis {
    port: u16,
    child: Child,
}

impl Redis {
    fn start() -> Redis {
        Redis::start_on(free_port())
    }

    fn start_on(port: u16) -> Redis {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--requirepass",
                PASSWORD,
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/redis-tools.sh installs it)");
        let redis = Redis { port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis.store().get("ping").is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn url(&self) -> String {
        format!("redis://:{PASSWORD}@127.0.0.1:{}/0", self.port)
    }

    fn store(&self) -> RedisStore {
        RedisStore::open(&self.url()).unwrap()
    }

    /// Killed; its port, to start an empty one there (no persistence).
    fn kill(mut self) -> u16 {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.port
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The providers, a Redis server, a directory the workers read and write,
/// and the workers.
struct Fleet {
    providers: Providers,
    redis: Option<Redis>,
    dir: tempfile::TempDir,
    workers: Vec<Child>,
    offset: i64,
    /// Workers use a file store in this directory instead of Redis.
    store_dir: Option<PathBuf>,
}

impl Fleet {
    fn start() -> Fleet {
        let providers = Providers::start().unwrap();
        // Hundreds of callers: no per-token API budget (429) in the way.
        providers.set_api_budget(u64::MAX);
        let fleet = Fleet {
            providers,
            redis: Some(Redis::start()),
            dir: tempfile::tempdir().unwrap(),
            workers: Vec::new(),
            offset: 0,
            store_dir: None,
        };
        fleet.set_offset_file(0);
        fleet
    }

    fn redis(&self) -> &Redis {
        self.redis.as_ref().unwrap()
    }

    fn link(&self) -> Client {
        link_client(self.providers.urls()).unwrap()
    }

    fn admin(&self) -> Client {
        admin_client(self.providers.urls(), ADMIN_CLIENT_SECRET).unwrap()
    }

    /// Puts a Makini Link connection (the code flow, as a user would) and a
    /// Makini Admin token set in the store, as generation 1.
    fn seed(&self) {
        let transport = Transport::default();
        let now = unix_now();
        let link = self.link();
        let tokens = code_flow(&transport, &link, now).unwrap();
        self.write(&link, &tokens);
        let admin = self.admin();
        let (grant, request) = admin.reauthentication_request().unwrap();
        assert_eq!(grant, GrantType::ClientCredentials);
        let response = transport.send(&request).unwrap();
        let tokens = admin.parse_token_response(grant, now, &response).unwrap();
        self.write(&admin, &tokens);
    }

    fn write(&self, client: &Client, tokens: &TokenSet) {
        let key = StoreKey::for_connection(client, "fleet-test");
        let store: Box<dyn TokenStore> = match &self.store_dir {
            Some(dir) => Box::new(FileStore::new(dir).unwrap()),
            None => Box::new(self.redis().store()),
        };
        assert!(store
            .compare_and_set(key.tokens(), 0, 1, &tokens.to_json())
            .unwrap());
    }

    fn spawn(&mut self, threads: usize, extra: &[&str]) -> u32 {
        let urls = serde_json::to_string(self.providers.urls()).unwrap();
        let store = match &self.store_dir {
            Some(dir) => ["--store-dir".to_owned(), dir.to_str().unwrap().to_owned()],
            None => ["--redis".to_owned(), self.redis().url()],
        };
        let child = Command::new(env!("CARGO_BIN_EXE_fleet-worker"))
            .args(&store)
            .args(["--urls", &urls])
            .args(["--threads", &threads.to_string()])
            .arg("--dir")
            .arg(self.dir.path())
            .args(extra)
            .spawn()
            .unwrap();
        let pid = child.id();
        self.workers.push(child);
        pid
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn set_offset_file(&self, offset: i64) {
        let temporary = self.path(".clock");
        std::fs::write(&temporary, offset.to_string()).unwrap();
        std::fs::rename(&temporary, self.path("clock")).unwrap();
    }

    /// Moves the providers' clock and the workers' together.
    fn advance(&mut self) {
        self.providers.advance_clock(EXPIRY_STEP);
        self.offset += EXPIRY_STEP;
        self.set_offset_file(self.offset);
    }

    fn statuses(&self, pids: &[u32]) -> Vec<Value> {
        pids.iter()
            .map(|pid| {
                let path = self.path(&format!("status-{pid}.json"));
                std::fs::read_to_string(path)
                    .ok()
                    .and_then(|s| serde_json::from_str(&s).ok())
                    .unwrap_or(Value::Null)
            })
            .collect()
    }

    /// Waits until `done` holds for every worker's status; panics with the
    /// statuses after `limit`. Returns how long it took.
    fn wait_for(&self, pids: &[u32], limit: Duration, done: impl Fn(&Value) -> bool) -> Duration {
        let start = Instant::now();
        loop {
            let statuses = self.statuses(pids);
            if statuses.iter().all(&done) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < limit,
                "workers did not get there in {limit:?}: {statuses:#?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn wait_for_file(&self, name: &str, limit: Duration) {
        let start = Instant::now();
        while !self.path(name).exists() {
            assert!(
                start.elapsed() < limit,
                "{name} did not appear in {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Every thread of every worker completed a call with `connection` at
    /// the current clock.
    fn all_hold(&self, pids: &[u32], connection: &str, limit: Duration) -> Duration {
        let offset = self.offset;
        self.wait_for(pids, limit, |s| s["epochs"][connection] == offset)
    }

    /// Stops every worker; each must exit cleanly (no panic).
    fn stop(&mut self) {
        std::fs::write(self.path("stop"), "").unwrap();
        for mut child in self.workers.drain(..) {
            let status = child.wait().unwrap();
            assert!(status.success(), "a worker failed: {status}");
        }
    }

    fn counts(&self, client_id: &str) -> (u64, u64, u64) {
        let counters = self.providers.stats().client(client_id);
        (
            counters.token_requests_for("refresh_token"),
            counters.replays,
            counters.token_requests_for("client_credentials"),
        )
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        std::fs::write(self.path("stop"), "").ok();
        for child in &mut self.workers {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

fn total(statuses: &[Value], field: &str) -> u64 {
    statuses
        .iter()
        .map(|s| s[field].as_u64().unwrap_or(0))
        .sum()
}

/// Pauses every thread, moves the clock past expiry, lets them go, and
/// returns how long until every thread of every worker completed a call
/// with both connections at the new time.
fn expire_once(fleet: &mut Fleet, pids: &[u32], threads: usize) -> Duration {
    std::fs::write(fleet.path("pause"), "").unwrap();
    fleet.wait_for(pids, Duration::from_secs(30), |s| {
        s["paused"].as_u64() == Some(threads as u64)
    });
    fleet.advance();
    std::fs::remove_file(fleet.path("pause")).unwrap();
    let start = Instant::now();
    fleet.all_hold(pids, "link", Duration::from_secs(60));
    fleet.all_hold(pids, "admin", Duration::from_secs(60));
    start.elapsed()
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[test]
fn eight_processes_one_refresh_per_expiry_no_replay() {
    const PROCESSES: usize = 8;
    const THREADS: usize = 25;
    const EXPIRIES: u64 = 20;
    let mut fleet = Fleet::start();
    fleet.seed();
    let pids: Vec<u32> = (0..PROCESSES).map(|_| fleet.spawn(THREADS, &[])).collect();
    fleet.all_hold(&pids, "link", Duration::from_secs(60));
    fleet.all_hold(&pids, "admin", Duration::from_secs(60));

    let mut took = Vec::new();
    for _ in 0..EXPIRIES {
        took.push(expire_once(&mut fleet, &pids, THREADS));
    }
    fleet.stop();
    let statuses = fleet.statuses(&pids);
    let (link_refreshes, link_replays, _) = fleet.counts(LINK_CLIENT_ID);
    let (admin_refreshes, admin_replays, admin_grants) = fleet.counts(ADMIN_CLIENT_ID);
    let worst = took.iter().max().copied().unwrap_or_default();
    let mean = took.iter().sum::<Duration>() / EXPIRIES as u32;
    println!(
        "fleet: {PROCESSES} processes x {THREADS} threads, {EXPIRIES} expiries: \
         Makini Link {link_refreshes} refreshes, {link_replays} replays; \
         Makini Admin {admin_refreshes} refreshes, {admin_replays} replays, \
         {admin_grants} client-credentials grants (1 = the seed); \
         authorize again {}; API calls {}, 401s {} (a token another process replaced); \
         until all {} callers held the new tokens: mean {:.0} ms, worst {:.0} ms",
        total(&statuses, "authorize_again"),
        total(&statuses, "calls"),
        total(&statuses, "unauthorized"),
        PROCESSES * THREADS,
        millis(mean),
        millis(worst),
    );
    assert_eq!(
        link_refreshes, EXPIRIES,
        "one Makini Link refresh per expiry"
    );
    assert_eq!(
        admin_refreshes, EXPIRIES,
        "one Makini Admin refresh per expiry"
    );
    assert_eq!(
        link_replays + admin_replays,
        0,
        "no rotated refresh token sent"
    );
    assert_eq!(
        admin_grants, 1,
        "no re-authentication: only the seed's grant"
    );
    assert_eq!(total(&statuses, "authorize_again"), 0);
    for status in &statuses {
        assert_eq!(status["errors"], serde_json::json!({}), "{status}");
    }
}

#[test]
fn four_processes_through_the_file_store_one_refresh_per_expiry() {
    const THREADS: usize = 10;
    const EXPIRIES: u64 = 5;
    let mut fleet = Fleet::start();
    fleet.store_dir = Some(fleet.path("store"));
    fleet.seed();
    let pids: Vec<u32> = (0..4).map(|_| fleet.spawn(THREADS, &[])).collect();
    fleet.all_hold(&pids, "link", Duration::from_secs(60));
    fleet.all_hold(&pids, "admin", Duration::from_secs(60));
    let took: Vec<Duration> = (0..EXPIRIES)
        .map(|_| expire_once(&mut fleet, &pids, THREADS))
        .collect();
    fleet.stop();
    let statuses = fleet.statuses(&pids);
    let (link_refreshes, link_replays, _) = fleet.counts(LINK_CLIENT_ID);
    let (admin_refreshes, admin_replays, admin_grants) = fleet.counts(ADMIN_CLIENT_ID);
    println!(
        "fleet, file store: 4 processes x {THREADS} threads, {EXPIRIES} expiries: Link \
         {link_refreshes} refreshes, Admin {admin_refreshes}, replays {}, grants {admin_grants}; \
         worst time until all callers held the new tokens {:.0} ms",
        link_replays + admin_replays,
        millis(took.iter().max().copied().unwrap_or_default()),
    );
    assert_eq!((link_refreshes, admin_refreshes), (EXPIRIES, EXPIRIES));
    assert_eq!(link_replays + admin_replays, 0);
    assert_eq!(admin_grants, 1);
    assert_eq!(total(&statuses, "authorize_again"), 0);
    for status in &statuses {
        assert_eq!(status["errors"], serde_json::json!({}), "{status}");
    }
}

#[test]
fn a_lease_holder_killed_before_sending_is_replaced_when_its_lease_expires() {
    let mut fleet = Fleet::start();
    fleet.seed();
    let lease = ["--lease-ttl-ms", "2000"];
    let doomed = fleet.spawn(2, &[&lease[..], &["--die", "before-send"]].concat());
    fleet.advance();
    fleet.wait_for_file(&format!("holding-{doomed}"), Duration::from_secs(30));
    let mut child = fleet.workers.remove(0);
    child.kill().unwrap(); // SIGKILL: no cleanup, the lease stays in Redis
    child.wait().unwrap();
    let killed_at = Instant::now();
    let pids = vec![fleet.spawn(4, &lease), fleet.spawn(4, &lease)];
    fleet.all_hold(&pids, "link", Duration::from_secs(30));
    fleet.all_hold(&pids, "admin", Duration::from_secs(30));
    let recovered = killed_at.elapsed();
    fleet.stop();
    let (link_refreshes, link_replays, _) = fleet.counts(LINK_CLIENT_ID);
    let (admin_refreshes, admin_replays, admin_grants) = fleet.counts(ADMIN_CLIENT_ID);
    println!(
        "fleet, lease holder killed before sending: recovered {:.0} ms after the kill \
         (lease 2000 ms); Link {link_refreshes} refresh, Admin {admin_refreshes} refresh, \
         replays {}, client-credentials grants {admin_grants}",
        millis(recovered),
        link_replays + admin_replays,
    );
    assert_eq!((link_refreshes, admin_refreshes), (1, 1));
    assert_eq!(link_replays + admin_replays, 0);
    assert_eq!(admin_grants, 1);
    assert_eq!(total(&fleet.statuses(&pids), "authorize_again"), 0);
}

#[test]
fn a_process_killed_after_the_provider_answered_costs_admin_a_grant_and_link_the_user() {
    let mut fleet = Fleet::start();
    fleet.seed();
    let lease = ["--lease-ttl-ms", "2000"];
    let die = ["--die", "after-response"];
    let link_doomed = fleet.spawn(2, &[&lease[..], &die, &["--connections", "link"]].concat());
    let admin_doomed = fleet.spawn(2, &[&lease[..], &die, &["--connections", "admin"]].concat());
    fleet.advance();
    for pid in [link_doomed, admin_doomed] {
        fleet.wait_for_file(&format!("answered-{pid}"), Duration::from_secs(30));
    }
    for mut child in fleet.workers.drain(..) {
        child.kill().unwrap(); // SIGKILL after the provider rotated, before the store write
        child.wait().unwrap();
    }
    let killed_at = Instant::now();
    let pids = vec![fleet.spawn(4, &lease), fleet.spawn(4, &lease)];
    // Makini Admin re-authenticates with its client credentials.
    fleet.all_hold(&pids, "admin", Duration::from_secs(30));
    let admin_recovered = killed_at.elapsed();
    // Makini Link can't: the connection is flagged for the user.
    fleet.wait_for(&pids, Duration::from_secs(30), |s| {
        s["errors"]["link:invalid_grant"].as_u64().unwrap_or(0)
            + s["errors"]["link:authorization_required"]
                .as_u64()
                .unwrap_or(0)
            > 0
    });
    fleet.stop();
    let statuses = fleet.statuses(&pids);
    let (link_refreshes, link_replays, _) = fleet.counts(LINK_CLIENT_ID);
    let (admin_refreshes, admin_replays, admin_grants) = fleet.counts(ADMIN_CLIENT_ID);
    println!(
        "fleet, killed after the provider answered: Admin re-authenticated in {:.0} ms \
         ({admin_refreshes} refreshes, {admin_replays} replay, {admin_grants} grants); \
         Link {link_refreshes} refreshes, {link_replays} replay, then authorize again \
         ({} caller errors with action authorize_again)",
        millis(admin_recovered),
        total(&statuses, "authorize_again"),
    );
    // The dead process's refresh, then one refresh with the token it rotated.
    assert_eq!((admin_refreshes, admin_replays), (2, 1));
    assert_eq!(admin_grants, 2, "the seed, then one re-authentication");
    assert_eq!((link_refreshes, link_replays), (2, 1));
    assert!(total(&statuses, "authorize_again") > 0);
    for status in &statuses {
        assert_eq!(status["epochs"]["admin"], fleet.offset, "{status}");
    }
    // The store says so too: the refresh token is gone, for every process.
    let key = StoreKey::for_connection(&fleet.link(), "fleet-test");
    let stored = fleet.redis().store().get(key.tokens()).unwrap().unwrap();
    let tokens = TokenSet::from_json(&stored.value).unwrap();
    assert!(tokens.refresh_token().is_none());
}

#[test]
fn redis_restarted_during_a_renewal_loses_nothing() {
    const THREADS: usize = 10;
    const EXPIRIES: u64 = 6;
    let mut fleet = Fleet::start();
    fleet.seed();
    // The lease must outlast a renewal, here one that waits out the outage
    // (the store is retried after 1 s) on 2 cores busy with other tests:
    // the documented limit (core/src/fleet.rs, "A holder idle for longer
    // than the lease's time to live"). 2 s was too short on a loaded
    // machine. A restored copy holds renewals for one lease, so the round
    // takes about that long. The replays this test saw in full CI runs
    // (7 Link refreshes, 1 replay, with a 10 s and a 30 s lease) were the
    // renewing process's threads all kept waiting out that hold in Admin,
    // so its unwritten Link pair reached the store only after another
    // process had renewed from the restored copy: now the hold answers
    // "retry" at once, and the driver writes that pair from a thread of
    // its own (`store/src/driver.rs`, `core/tests/fleet_properties.rs`).
    const LEASE_MS: u64 = 30_000;
    let lease_ms = LEASE_MS.to_string();
    let lease = ["--lease-ttl-ms", lease_ms.as_str()];
    let pids: Vec<u32> = (0..4).map(|_| fleet.spawn(THREADS, &lease)).collect();
    let mut restart_took = Duration::ZERO;
    let mut held = Vec::new();
    for round in 0..EXPIRIES {
        if round != 3 {
            expire_once(&mut fleet, &pids, THREADS);
            continue;
        }
        // Move the clock (threads paused, so that no process sees the
        // providers' new time before its own) with renewals held after the
        // provider's answer (`hold`); kill Redis once one is held, let it
        // go: the renewing process has new tokens and nowhere to write them.
        // Redis comes back empty once that write has failed (without the
        // hold, the write mostly landed before the kill).
        std::fs::write(fleet.path("hold"), "").unwrap();
        std::fs::write(fleet.path("pause"), "").unwrap();
        fleet.wait_for(&pids, Duration::from_secs(30), |s| {
            s["paused"].as_u64() == Some(THREADS as u64)
        });
        fleet.advance();
        std::fs::remove_file(fleet.path("pause")).unwrap();
        let start = Instant::now();
        held = loop {
            let held = held_pids(&fleet, &pids);
            if !held.is_empty() {
                break held;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no renewal");
            std::thread::sleep(Duration::from_millis(1));
        };
        let port = fleet.redis.take().unwrap().kill();
        std::fs::remove_file(fleet.path("hold")).unwrap();
        fleet.wait_for(&held, Duration::from_secs(30), |s| {
            s["store_failures"]["writes"].as_u64().unwrap_or(0) > 0
        });
        fleet.redis = Some(Redis::start_on(port));
        fleet.all_hold(&pids, "link", Duration::from_secs(60));
        fleet.all_hold(&pids, "admin", Duration::from_secs(60));
        restart_took = start.elapsed();
    }
    fleet.stop();
    let statuses = fleet.statuses(&pids);
    let (link_refreshes, link_replays, _) = fleet.counts(LINK_CLIENT_ID);
    let (admin_refreshes, admin_replays, admin_grants) = fleet.counts(ADMIN_CLIENT_ID);
    let errors = |suffix: &str| {
        statuses
            .iter()
            .filter_map(|s| s["errors"].as_object())
            .flat_map(|e| e.iter())
            .filter(|(k, _)| k.ends_with(suffix))
            .map(|(_, v)| v.as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    println!(
        "fleet, Redis killed and restarted empty during the 4th of {EXPIRIES} renewals (lease {} s): \
         Link {link_refreshes} refreshes, Admin {admin_refreshes} refreshes, replays {}, \
         grants {admin_grants}, authorize again {}; store writes that failed per process {:?} \
         (renewals held then: {}); callers told store_unavailable {}, \
         401s {}; all callers on the new tokens {:.0} ms after the clock moved",
        LEASE_MS / 1000,
        link_replays + admin_replays,
        total(&statuses, "authorize_again"),
        statuses
            .iter()
            .map(|s| s["store_failures"]["writes"].as_u64().unwrap_or(0))
            .collect::<Vec<_>>(),
        held.len(),
        errors("store_unavailable"),
        total(&statuses, "unauthorized"),
        millis(restart_took),
    );
    // What each process saw, for a failure to be read from the log.
    let outcome = (
        link_refreshes,
        admin_refreshes,
        link_replays + admin_replays,
    );
    if outcome != (EXPIRIES, EXPIRIES, 0) {
        for (pid, status) in pids.iter().zip(&statuses) {
            let role = if held.contains(pid) {
                "held a renewal"
            } else {
                ""
            };
            println!("process {pid} {role}: {status}");
        }
        // Every token request of every process in time order: a refresh
        // token sent twice (`sent`), and by whom, is the replay.
        let mut timeline: Vec<(u64, u32, &Value)> = pids
            .iter()
            .zip(&statuses)
            .flat_map(|(pid, status)| {
                status["renewals_sent"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(move |entry| (entry["at_ms"].as_u64().unwrap_or(0), *pid, entry))
            })
            .collect();
        timeline.sort_by_key(|(at, _, _)| *at);
        for (at, pid, entry) in timeline {
            println!("{at} process {pid}: {entry}");
        }
    }
    assert_eq!((link_refreshes, admin_refreshes), (EXPIRIES, EXPIRIES));
    assert_eq!(link_replays + admin_replays, 0);
    assert_eq!(admin_grants, 1);
    assert_eq!(total(&statuses, "authorize_again"), 0);
    // Every process whose renewal was held had its write fail: the outage
    // hit the write this test is about.
    for status in fleet.statuses(&held) {
        assert!(
            status["store_failures"]["writes"].as_u64().unwrap_or(0) > 0,
            "the outage hit no store write: {status}"
        );
    }
}

/// The workers that hold a renewal's answer (`held-<pid>` exists).
fn held_pids(fleet: &Fleet, pids: &[u32]) -> Vec<u32> {
    pids.iter()
        .copied()
        .filter(|pid| fleet.path(&format!("held-{pid}")).exists())
        .collect()
}

#[test]
fn the_redis_store_keeps_the_store_contract_and_never_shows_its_password() {
    let redis = Redis::start();
    let store = redis.store();
    authflowkit_store::conformance::check(&store, "conformance").unwrap();
    let shown = format!("{store:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains(&redis.port.to_string()), "{shown}");
    // A wrong password: a clear error, without either password in it.
    let wrong = format!("redis://:not-the-{PASSWORD}@127.0.0.1:{}/0", redis.port);
    let error = RedisStore::open(&wrong).unwrap().get("k").unwrap_err();
    assert!(!error.contains(PASSWORD), "{error}");
    assert!(error.contains("127.0.0.1"), "{error}");
    // An unreachable server is an error, not a hang.
    let gone = format!("redis://127.0.0.1:{}/0", free_port());
    assert!(RedisStore::open(&gone).unwrap().get("k").is_err());
}

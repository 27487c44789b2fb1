//! One process of a fleet: threads that share a Makini Link and a Makini
//! Admin connection with every other worker through Redis (`--redis URL`)
//! or a directory (`--store-dir DIR`, the file store), calling the local
//! providers' APIs until told to stop. Started by `examples/tests/fleet.rs`;
//! it talks to the test through files in a directory:
//!
//! - `clock`: seconds the providers' clock was moved by (this process's
//!   clock is the system clock plus that);
//! - `pause`: while it exists, threads stop between calls; the status says
//!   how many are paused;
//! - `stop`: threads finish, a last status is written, the process exits;
//! - `hold`: while it exists, a renewal's answer from the provider is held
//!   before the session sees it (so before the store write); `held-<pid>`
//!   (written here) says one is;
//! - `status-<pid>.json` (written here): calls, errors by kind, store
//!   operations that failed (reads, writes, leases), the clock offset at
//!   which every thread last completed a call with each connection, and
//!   every token request sent (the refresh token sent and the one received
//!   as fingerprints, the answer's status), for a failure's log.
//!
//! `--connections link,admin` picks the connections (default both);
//! `--die before-send|after-response` makes the process stop dead (waiting
//! for the test's SIGKILL) at its first renewal: holding the lease before
//! the provider saw the request, or after the provider answered and before
//! the store was written.

use authflow_examples::local::{admin_client, link_client};
use authflow_examples::Transport;
use authflow_test_providers::credentials::ADMIN_CLIENT_SECRET;
use authflow_test_providers::Urls;
use authflowkit_core::fleet::{FleetSession, FleetTimings, StoreKey, StoredRecord, TokenStore};
use authflowkit_core::{
    AccessToken, Action, Client, Error, HttpRequest, HttpResponse, Method, Session,
};
use authflowkit_store::{FileStore, RedisStore, SharedFleetSession};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the test passes on the command line.
struct Options {
    /// A Redis URL, or `file:DIR` for a [`FileStore`] in DIR.
    store: String,
    urls: Urls,
    threads: usize,
    dir: PathBuf,
    lease_ttl_ms: u64,
    die: Option<String>,
    connections: Vec<String>,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let (mut redis, mut urls, mut threads, mut dir, mut lease_ttl_ms, mut die) =
        (None, None, 25, None, 30_000, None);
    let mut connections = vec!["link".to_owned(), "admin".to_owned()];
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--redis" => redis = Some(value()?),
            "--store-dir" => redis = Some(format!("file:{}", value()?)),
            "--urls" => {
                urls = Some(serde_json::from_str(&value()?).map_err(|e| format!("--urls: {e}"))?)
            }
            "--threads" => threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--dir" => dir = Some(PathBuf::from(value()?)),
            "--lease-ttl-ms" => {
                lease_ttl_ms = value()?
                    .parse()
                    .map_err(|e| format!("--lease-ttl-ms: {e}"))?
            }
            "--die" => die = Some(value()?),
            "--connections" => connections = value()?.split(',').map(str::to_owned).collect(),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Options {
        store: redis.ok_or("--redis URL or --store-dir DIR is required")?,
        urls: urls.ok_or("--urls is required")?,
        threads,
        dir: dir.ok_or("--dir is required")?,
        lease_ttl_ms,
        die,
        connections,
    })
}

/// The providers' clock as this process sees it (Unix milliseconds).
fn clock(dir: &Path) -> impl Fn() -> u64 + Send + Sync + Clone + 'static {
    let file = dir.join("clock");
    move || {
        let offset_s = offset(&file);
        authflowkit_store::system_now_ms().saturating_add_signed(offset_s.saturating_mul(1000))
    }
}

fn offset(file: &Path) -> i64 {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// How long one request to the local providers may take, its connection
/// included. Only a guard against a call that never returns: a late answer
/// is not what the fleet tests check, and on a 2-core machine running the
/// test suite, eight workers' 200 threads overflow a local provider's
/// accept queue, so that a connection can wait seconds to be accepted (a
/// `timeout` error in runs that had no replay and one refresh per expiry,
/// while the transport still gave a connection 5 s of its own). A slow call
/// still ends as an error the tests count.
const TRANSPORT_TIMEOUT: Duration = Duration::from_secs(60);

/// One connection shared by the fleet, and what this process saw with it.
struct Connection {
    name: &'static str,
    client: Client,
    api_path: &'static str,
    shared: SharedFleetSession<Counted>,
}

fn connect(
    name: &'static str,
    client: Client,
    api_path: &'static str,
    options: &Options,
    tally: &Arc<Tally>,
) -> Result<Connection, Error> {
    let transport = Transport::new(TRANSPORT_TIMEOUT);
    let dir = options.dir.clone();
    let die = options.die.clone();
    let sent = tally.clone();
    let send = move |request: &HttpRequest| {
        let pid = std::process::id();
        if die.as_deref() == Some("before-send") {
            std::fs::write(dir.join(format!("holding-{pid}")), "").ok();
            loop {
                std::thread::sleep(Duration::from_secs(60));
            }
        }
        let answer = transport.send(request);
        sent.note_renewal(name, request, &answer);
        let hold = dir.join("hold");
        if hold.exists() {
            std::fs::write(dir.join(format!("held-{pid}")), "").ok();
            while hold.exists() {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        if die.as_deref() == Some("after-response") {
            std::fs::write(dir.join(format!("answered-{pid}")), "").ok();
            loop {
                std::thread::sleep(Duration::from_secs(60));
            }
        }
        answer
    };
    let owner = authflow_examples::lease_owner_id()
        .map_err(|e| Error::new(authflowkit_core::ErrorKind::Configuration, e.to_string()))?;
    let fleet = FleetSession::new(
        Session::new(client.clone(), None),
        StoreKey::for_connection(&client, "fleet-test"),
        owner,
    )
    .with_timings(FleetTimings {
        lease_ttl_ms: options.lease_ttl_ms,
        wait_deadline_ms: options.lease_ttl_ms * 3,
        ..FleetTimings::default()
    });
    let store: Box<dyn TokenStore + Send + Sync> =
        match options.store.strip_prefix("file:") {
            Some(dir) => Box::new(FileStore::new(dir).map_err(|e| {
                Error::new(authflowkit_core::ErrorKind::Configuration, e.to_string())
            })?),
            None => Box::new(RedisStore::open(&options.store)?),
        };
    let store = Counted {
        store,
        tally: tally.clone(),
    };
    Ok(Connection {
        name,
        client,
        api_path,
        shared: SharedFleetSession::new(fleet, store, send).with_clock(clock(&options.dir)),
    })
}

/// Counts shared by the threads.
#[derive(Default)]
struct Tally {
    calls: AtomicU64,
    unauthorized: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
    authorize_again: AtomicU64,
    paused: AtomicUsize,
    failed_reads: AtomicU64,
    failed_writes: AtomicU64,
    failed_leases: AtomicU64,
    /// Every renewal this process sent, in order: for a failure to show
    /// which process sent which refresh token, and what came back.
    renewals: Mutex<Vec<serde_json::Value>>,
}

/// The store, counting the operations that failed: what a test of an
/// outage asserts to know that the outage hit them.
struct Counted {
    store: Box<dyn TokenStore + Send + Sync>,
    tally: Arc<Tally>,
}

impl Counted {
    fn count<T>(&self, counter: &AtomicU64, outcome: Result<T, String>) -> Result<T, String> {
        if outcome.is_err() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }
}

impl TokenStore for Counted {
    fn get(&self, key: &str) -> Result<Option<StoredRecord>, String> {
        self.count(&self.tally.failed_reads, self.store.get(key))
    }

    fn compare_and_set(
        &self,
        key: &str,
        expected: u64,
        new_generation: u64,
        value: &str,
    ) -> Result<bool, String> {
        let outcome = self
            .store
            .compare_and_set(key, expected, new_generation, value);
        self.count(&self.tally.failed_writes, outcome)
    }

    fn take_lease(&self, key: &str, owner: &str, ttl_ms: u64) -> Result<bool, String> {
        let outcome = self.store.take_lease(key, owner, ttl_ms);
        self.count(&self.tally.failed_leases, outcome)
    }

    fn release_lease(&self, key: &str, owner: &str) -> Result<(), String> {
        let outcome = self.store.release_lease(key, owner);
        self.count(&self.tally.failed_leases, outcome)
    }
}

/// A refresh token's first 8 hex digits of SHA-256: enough to follow it
/// from the answer that gave it to the requests that sent it, and not the
/// token.
fn fingerprint(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Tally {
    /// Notes a token request and its answer (the refresh token sent and
    /// the one received, by their fingerprints; the status or the failure).
    fn note_renewal(
        &self,
        connection: &str,
        request: &HttpRequest,
        answer: &Result<HttpResponse, Error>,
    ) {
        let param = |name: &str| {
            form_urlencoded::parse(&request.body)
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        };
        let received = answer.as_ref().ok().and_then(|response| {
            let body: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
            body["refresh_token"].as_str().map(fingerprint)
        });
        let entry = json!({
            "connection": connection,
            "at_ms": authflowkit_store::system_now_ms(),
            "grant": param("grant_type"),
            "sent": param("refresh_token").as_deref().map(fingerprint),
            "answer": match answer {
                Ok(response) => json!(response.status),
                Err(error) => json!(error.kind().to_string()),
            },
            "received": received,
        });
        self.renewals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(entry);
    }

    fn error(&self, connection: &str, error: &Error) {
        if error.action() == Action::AuthorizeAgain {
            self.authorize_again.fetch_add(1, Ordering::Relaxed);
        }
        let key = format!("{connection}:{}", error.kind());
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        *errors.entry(key).or_default() += 1;
    }
}

/// Asks `connection` for a token and calls its API once; a 401 tells the
/// session (another process renewed: the next call reads the store).
fn call(connection: &Connection, transport: &Transport, now: u64, tally: &Tally) -> bool {
    let token: AccessToken = match connection.shared.access_token() {
        Ok(token) => token,
        Err(error) => {
            tally.error(connection.name, &error);
            return false;
        }
    };
    let outcome = connection
        .client
        .api_request(&token, Method::Get, connection.api_path, None)
        .and_then(|request| transport.send(&request))
        .and_then(|response| connection.client.check_api_response(now, &response));
    match outcome {
        Ok(()) => {
            tally.calls.fetch_add(1, Ordering::Relaxed);
            true
        }
        Err(error) if error.kind() == authflowkit_core::ErrorKind::Unauthorized => {
            tally.unauthorized.fetch_add(1, Ordering::Relaxed);
            connection.shared.unauthorized(&token);
            false
        }
        Err(error) => {
            tally.error(connection.name, &error);
            false
        }
    }
}

fn write_status(
    dir: &Path,
    names: &[&str],
    tally: &Tally,
    epochs: &[Arc<Vec<AtomicU64>>],
    stopped: bool,
) {
    let pid = std::process::id();
    // Per connection: the clock offset at which the slowest thread last
    // completed a call (-1: some thread has not yet).
    let held: BTreeMap<&str, i64> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let slowest = epochs.iter().map(|e| e[i].load(Ordering::Relaxed)).min();
            (*name, slowest.map_or(-1, |v| v.wrapping_sub(1) as i64))
        })
        .collect();
    let errors = tally
        .errors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let status = json!({
        "pid": pid,
        "calls": tally.calls.load(Ordering::Relaxed),
        "unauthorized": tally.unauthorized.load(Ordering::Relaxed),
        "authorize_again": tally.authorize_again.load(Ordering::Relaxed),
        "errors": errors,
        "store_failures": {
            "reads": tally.failed_reads.load(Ordering::Relaxed),
            "writes": tally.failed_writes.load(Ordering::Relaxed),
            "leases": tally.failed_leases.load(Ordering::Relaxed),
        },
        "paused": tally.paused.load(Ordering::Relaxed),
        "threads": epochs.len(),
        "epochs": held,
        "renewals_sent": tally.renewals.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        "stopped": stopped,
    });
    let path = dir.join(format!("status-{pid}.json"));
    let temporary = dir.join(format!(".status-{pid}.json"));
    if std::fs::write(&temporary, status.to_string()).is_ok() {
        std::fs::rename(&temporary, &path).ok();
    }
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(why) => {
            eprintln!("fleet-worker: {why}");
            return ExitCode::from(2);
        }
    };
    let tally = Arc::new(Tally::default());
    let connections = options
        .connections
        .iter()
        .map(|name| match name.as_str() {
            "link" => connect(
                "link",
                link_client(&options.urls)?,
                "sites",
                &options,
                &tally,
            ),
            "admin" => connect(
                "admin",
                admin_client(&options.urls, ADMIN_CLIENT_SECRET)?,
                "connections",
                &options,
                &tally,
            ),
            other => Err(Error::new(
                authflowkit_core::ErrorKind::Configuration,
                format!("no connection named {other}"),
            )),
        })
        .collect::<Result<Vec<_>, _>>();
    let connections = match connections {
        Ok(c) => Arc::new(c),
        Err(error) => {
            eprintln!("fleet-worker: {error}");
            return ExitCode::from(2);
        }
    };
    let now = clock(&options.dir);
    let offset_file = options.dir.join("clock");
    let (pause, stop) = (options.dir.join("pause"), options.dir.join("stop"));
    // Per thread and connection: 1 + the clock offset of its last good call (0: none).
    let epochs: Vec<Arc<Vec<AtomicU64>>> = (0..options.threads)
        .map(|_| Arc::new(connections.iter().map(|_| AtomicU64::new(0)).collect()))
        .collect();
    let threads: Vec<_> = epochs
        .iter()
        .map(|epoch| {
            let (connections, tally, epoch) = (connections.clone(), tally.clone(), epoch.clone());
            let (now, offset_file, pause, stop) = (
                now.clone(),
                offset_file.clone(),
                pause.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || {
                let transport = Transport::new(TRANSPORT_TIMEOUT);
                while !stop.exists() {
                    if pause.exists() {
                        tally.paused.fetch_add(1, Ordering::SeqCst);
                        while pause.exists() && !stop.exists() {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        tally.paused.fetch_sub(1, Ordering::SeqCst);
                        continue;
                    }
                    let seen = offset(&offset_file);
                    for (i, connection) in connections.iter().enumerate() {
                        if call(connection, &transport, now() / 1000, &tally) {
                            epoch[i].store(seen.wrapping_add(1) as u64, Ordering::Relaxed);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        })
        .collect();
    let names: Vec<&str> = connections.iter().map(|c| c.name).collect();
    while !stop.exists() {
        write_status(&options.dir, &names, &tally, &epochs, false);
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut panicked = false;
    for thread in threads {
        panicked |= thread.join().is_err();
    }
    write_status(&options.dir, &names, &tally, &epochs, true);
    if panicked {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

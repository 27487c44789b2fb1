//! Property test of the fleet protocol: processes on machines whose clocks
//! disagree by up to 10 minutes share one Makini Link connection through a
//! store, against a model provider that keeps the true time (and sends it
//! as `Date`, or not), rotates refresh tokens and counts replays.
//!
//! Whatever the interleaving of polls, store operations (some failing),
//! answers (some lost or 503), APIs refusing a token (a renewal minutes,
//! not days, after the last), clock jumps past expiry, a store that loses
//! everything, processes that crash (a fresh one starts in their place,
//! with no tokens or with the copy they last used) and stalls past the
//! lease's time to live:
//! - a set the provider issued earlier never replaces a later one (nor a
//!   set's refresh token coming back after it was dropped), in the store or
//!   in a process; a set's expiry, in any process's clock, is the
//!   provider's;
//! - no rotated refresh token is sent, and no second renewal starts while
//!   one is outstanding, except in the two windows `fleet.rs` documents: a
//!   process that stalls past the lease inside a renewal (its request out,
//!   or its answer in and not yet written), and a process that crashes
//!   after the provider answered and before the store write (its new pair,
//!   or the news that its refresh token was refused, is lost). Only the
//!   refresh token such a renewal carried (or whose successor was lost) is
//!   sent again, and the provider receives at most one replay per window;
//! - in the end every live process is on the tokens the store holds, and
//!   the store holds the newest pair, or (after a lost pair) a set whose
//!   refresh token the provider's `invalid_grant` made the connection drop:
//!   then every process is told to authorize again.
//!
//! Outside the model, as documented in `fleet.rs`: after the store lost
//! everything, the only holder of the latest set dying or stalling past
//! the lease before it wrote the set back, and a process started from an
//! earlier copy before it did.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use authflowkit_core::fleet::{
    FleetAction, FleetSession, FleetTimings, StoreKey, StoreOperation, StoreOutcome, StoreRequest,
    StoredRecord, TokenStore,
};
use authflowkit_core::{
    format_http_date, Action, Client, ClientSecret, Error, ErrorKind, GrantType, HttpResponse,
    OutgoingRequest, Profile, Session, TokenSet,
};
use proptest::prelude::*;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use zeroize::Zeroizing;

const PROCESSES: usize = 3;
const START_MS: u64 = 1_700_000_000_000;
/// How far a machine's clock may be from the true time.
const MAX_OFFSET_MS: i64 = 10 * 60_000;
/// Makini's access tokens live 30 days (its refresh tokens 31).
const ACCESS_LIFETIME_MS: u64 = 30 * 86_400 * 1000;

fn lease_ttl_ms() -> u64 {
    FleetTimings::default().lease_ttl_ms
}

/// A store with a clock of the test's (the true time), for lease expiry.
#[derive(Default)]
struct ModelStore {
    now_ms: RefCell<u64>,
    values: RefCell<HashMap<String, StoredRecord>>,
    leases: RefCell<HashMap<String, (String, u64)>>,
}

impl TokenStore for ModelStore {
    fn get(&self, key: &str) -> Result<Option<StoredRecord>, String> {
        Ok(self.values.borrow().get(key).cloned())
    }
    fn compare_and_set(
        &self,
        key: &str,
        expected: u64,
        new: u64,
        value: &str,
    ) -> Result<bool, String> {
        let mut values = self.values.borrow_mut();
        if values.get(key).map_or(0, |r| r.generation) != expected {
            return Ok(false);
        }
        values.insert(
            key.into(),
            StoredRecord {
                generation: new,
                value: Zeroizing::new(value.into()),
            },
        );
        Ok(true)
    }
    fn take_lease(&self, key: &str, owner: &str, ttl_ms: u64) -> Result<bool, String> {
        let now = *self.now_ms.borrow();
        let mut leases = self.leases.borrow_mut();
        if leases
            .get(key)
            .is_some_and(|(o, until)| now < *until && o != owner)
        {
            return Ok(false);
        }
        leases.insert(key.into(), (owner.into(), now + ttl_ms));
        Ok(true)
    }
    fn release_lease(&self, key: &str, owner: &str) -> Result<(), String> {
        let mut leases = self.leases.borrow_mut();
        if leases.get(key).is_some_and(|(o, _)| o == owner) {
            leases.remove(key);
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Event {
    /// Process `p` polls after `advance_ms`.
    Poll { p: usize, advance_ms: u64 },
    /// Process `p` runs on its own for up to `steps` polls and store
    /// operations, until it waits for the provider.
    Burst { p: usize, steps: usize },
    /// The clock jumps past the newest access token's expiry.
    Expire,
    /// Process `p`'s store operation is carried out (or fails).
    Store { p: usize, fails: bool },
    /// The provider answers process `p`'s request.
    Answer { p: usize, answer: Answer },
    /// The store loses everything (a restart without persistence).
    Wipe,
    /// An API refuses process `p`'s current access token (401).
    Unauthorized { p: usize },
    /// Process `p` dies: its store operation is lost, its request reaches
    /// the provider (`delivered`) or not, and a fresh process starts on the
    /// same machine, with no tokens or with the copy it last used.
    Crash {
        p: usize,
        delivered: bool,
        with_copy: bool,
    },
    /// Everything stalls (a suspended machine, a long pause) for longer
    /// than the lease's time to live; a renewal request that is out then
    /// reaches the provider whenever it answers, maybe after another's.
    Stall { advance_ms: u64 },
}

#[derive(Debug, Clone, Copy)]
enum Answer {
    Rotate,
    Unavailable,
    /// The provider never saw it (connection refused).
    Refused,
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let p = 0..PROCESSES;
    let ttl = lease_ttl_ms();
    let event = prop_oneof![
        8 => (p.clone(), 0u64..100).prop_map(|(p, advance_ms)| Event::Poll { p, advance_ms }),
        8 => (p.clone(), 1usize..16).prop_map(|(p, steps)| Event::Burst { p, steps }),
        2 => Just(Event::Expire),
        8 => (p.clone(), prop::bool::weighted(0.1)).prop_map(|(p, fails)| Event::Store { p, fails }),
        6 => (p.clone(), prop_oneof![
            4 => Just(Answer::Rotate), 1 => Just(Answer::Unavailable), 1 => Just(Answer::Refused)
        ]).prop_map(|(p, answer)| Event::Answer { p, answer }),
        1 => Just(Event::Wipe),
        3 => p.clone().prop_map(|p| Event::Unauthorized { p }),
        1 => (p.clone(), prop::bool::weighted(0.25), any::<bool>())
            .prop_map(|(p, delivered, with_copy)| Event::Crash { p, delivered, with_copy }),
        1 => (ttl + 1..3 * ttl).prop_map(|advance_ms| Event::Stall { advance_ms }),
    ];
    prop::collection::vec(event, 1..400)
}

/// Each machine's clock offset from the true time, and whether the provider
/// sends its time (`Date`).
fn machines() -> impl Strategy<Value = (Vec<i64>, bool)> {
    (
        prop::collection::vec(-MAX_OFFSET_MS..=MAX_OFFSET_MS, PROCESSES),
        any::<bool>(),
    )
}

fn client() -> Client {
    Client::new(Profile::makini_link(), "link-client")
        .with_client_secret(ClientSecret::new("link-secret"))
}

fn form_value(request: &authflowkit_core::HttpRequest, name: &str) -> Option<String> {
    form_urlencoded::parse(&request.body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Where a set stands in the provider's history: the index of its pair, and
/// whether its refresh token was dropped (refused by the provider) since.
/// Later is greater.
type Order = (u32, bool);

fn order(tokens: &TokenSet) -> Order {
    let index = tokens
        .access_token()
        .secret()
        .trim_start_matches("at-")
        .parse()
        .unwrap();
    (index, tokens.refresh_token().is_none())
}

fn stored_set(store: &ModelStore, key: &StoreKey) -> Option<TokenSet> {
    store
        .get(key.tokens())
        .unwrap()
        .and_then(|r| TokenSet::from_json(&r.value).ok())
}

/// The model provider: the true time, the refresh token that works, and
/// every one it killed.
struct Provider {
    sends_date: bool,
    issued: u32,
    current_refresh: String,
    /// The refresh token the last rotation killed.
    previous_refresh: Option<String>,
    dead: HashSet<String>,
    /// How many dead refresh tokens it received.
    replays: usize,
    /// The true expiry of each pair's access token.
    expiry_ms: Vec<u64>,
}

impl Provider {
    fn headers(&self, now_ms: u64) -> Vec<(String, String)> {
        if self.sends_date {
            vec![("Date".into(), format_http_date(now_ms / 1000))]
        } else {
            Vec::new()
        }
    }

    /// The token endpoint's answer to a refresh with `sent` at `now_ms`.
    fn refresh(&mut self, sent: &str, now_ms: u64) -> HttpResponse {
        if sent != self.current_refresh {
            self.replays += usize::from(self.dead.contains(sent));
            return HttpResponse::new(
                400,
                self.headers(now_ms),
                br#"{"error":"invalid_grant"}"#.to_vec(),
            );
        }
        self.issued += 1;
        self.dead.insert(sent.to_owned());
        self.previous_refresh = Some(sent.to_owned());
        self.current_refresh = format!("rt-{}", self.issued);
        self.token_response(now_ms)
    }

    /// The newest pair, as sent at `now_ms`: Makini's `expires_in` is an
    /// absolute time in the provider's clock.
    fn token_response(&mut self, now_ms: u64) -> HttpResponse {
        let expiry_ms = now_ms + ACCESS_LIFETIME_MS;
        self.expiry_ms.push(expiry_ms);
        let body = format!(
            r#"{{"access_token":"at-{0}","refresh_token":"rt-{0}","token_type":"bearer","expires_in":{1}}}"#,
            self.issued,
            expiry_ms / 1000
        );
        HttpResponse::new(200, self.headers(now_ms), body.into_bytes())
    }
}

/// The connection's store, holding its first tokens (received at the
/// start by a machine whose clock is right), and the provider that issued
/// them.
fn seeded(sends_date: bool) -> (ModelStore, StoreKey, Provider) {
    let store = ModelStore::default();
    *store.now_ms.borrow_mut() = START_MS;
    let key = StoreKey::for_connection(&client(), "user-1");
    let mut provider = Provider {
        sends_date,
        issued: 0,
        current_refresh: "rt-0".into(),
        previous_refresh: None,
        dead: HashSet::new(),
        replays: 0,
        expiry_ms: Vec::new(),
    };
    let first = client()
        .parse_token_response(
            GrantType::AuthorizationCode,
            START_MS / 1000,
            &provider.token_response(START_MS),
        )
        .unwrap();
    assert!(store
        .compare_and_set(key.tokens(), 0, 1, &first.to_json())
        .unwrap());
    (store, key, provider)
}

/// A renewal request that is out.
struct Outstanding {
    out: OutgoingRequest,
    sent: String,
    /// It was out while everything stalled past the lease.
    stalled: bool,
}

/// One process: its fleet session, its machine's clock, and what it was
/// told to do.
struct Process {
    fleet: FleetSession,
    offset_ms: i64,
    store_op: Option<StoreRequest>,
    request: Option<Outstanding>,
    /// The set it last used (what an app saves and starts from again).
    copy: Option<TokenSet>,
    /// The latest set it held.
    highest: Option<Order>,
    restarts: u32,
}

impl Process {
    fn start(p: usize, restarts: u32, offset_ms: i64, tokens: Option<TokenSet>) -> Process {
        let key = StoreKey::for_connection(&client(), "user-1");
        let highest = tokens.as_ref().map(order);
        Process {
            fleet: FleetSession::new(
                Session::new(client(), tokens),
                key,
                format!("owner-{p}-{restarts}"),
            ),
            offset_ms,
            store_op: None,
            request: None,
            copy: None,
            highest,
            restarts,
        }
    }

    /// This machine's clock at true time `now_ms`.
    fn clock(&self, now_ms: u64) -> u64 {
        now_ms.checked_add_signed(self.offset_ms).unwrap()
    }

    fn busy(&self) -> bool {
        self.store_op.is_some() || self.request.is_some()
    }

    /// Checks that the set held now is not earlier than any held before,
    /// and that its times, in this machine's clock, are the provider's
    /// (`expiry_ms`: the true expiry of each pair).
    fn check_held(&mut self, p: usize, expiry_ms: &[u64]) -> Result<(), TestCaseError> {
        if let Some(tokens) = self.fleet.session().token_set() {
            let provider_expiry = tokens
                .expires_at()
                .unwrap()
                .checked_add_signed(tokens.clock_skew())
                .unwrap();
            let index = order(tokens).0 as usize;
            prop_assert_eq!(
                provider_expiry,
                expiry_ms[index] / 1000,
                "process {}: the expiry of pair {} moved in the provider's clock",
                p,
                index
            );
        }
        if let Some(now) = self.fleet.session().token_set().map(order) {
            if let Some(before) = self.highest {
                prop_assert!(
                    now >= before,
                    "process {} went back from {:?} to {:?}",
                    p,
                    before,
                    now
                );
            }
            self.highest = Some(now);
        }
        Ok(())
    }
}

/// The whole model.
struct World {
    store: ModelStore,
    key: StoreKey,
    provider: Provider,
    processes: Vec<Process>,
    /// The true time.
    now_ms: u64,
    /// Refresh tokens a window may replay: carried by a request that
    /// stalled past the lease, or whose successor a crash lost.
    window_tokens: HashSet<String>,
    /// How many times a window opened: each lets one replay through.
    windows: usize,
    /// The latest set the store has held: while it holds an earlier one
    /// (it lost everything), the processes' copies are all there is.
    latest_stored: Order,
}

impl World {
    fn advance(&mut self, millis: u64) {
        self.now_ms += millis;
        *self.store.now_ms.borrow_mut() = self.now_ms;
    }

    fn stored(&self) -> Option<TokenSet> {
        stored_set(&self.store, &self.key)
    }

    /// Process `p` was told to send `out`.
    fn send(&mut self, p: usize, out: OutgoingRequest) -> Result<(), TestCaseError> {
        let sent = form_value(&out.request, "refresh_token").unwrap();
        let others = self
            .processes
            .iter()
            .filter(|q| q.request.as_ref().is_some_and(|r| !r.stalled))
            .count();
        prop_assert_eq!(
            others,
            0,
            "a second renewal while one is outstanding (none stalled)"
        );
        prop_assert!(
            !self.provider.dead.contains(&sent) || self.window_tokens.contains(&sent),
            "rotated refresh token {} sent outside the documented windows",
            sent
        );
        self.processes[p].request = Some(Outstanding {
            out,
            sent,
            stalled: false,
        });
        Ok(())
    }

    /// Process `p` polls; returns what it was told when that ends a call
    /// (a token or a failure), and whether it can go on without waiting.
    fn poll(&mut self, p: usize) -> Result<(Option<FleetAction>, bool), TestCaseError> {
        let now = self.processes[p].clock(self.now_ms);
        let action = self.processes[p].fleet.poll(now);
        let mut ended = None;
        let mut goes_on = false;
        match action {
            FleetAction::Store(op) => {
                self.processes[p].store_op = Some(op);
                goes_on = true;
            }
            FleetAction::Send(out) => self.send(p, out)?,
            FleetAction::UseToken(_) => {
                let process = &mut self.processes[p];
                process.copy = process.fleet.session().token_set().cloned();
                ended = Some(action);
            }
            FleetAction::Fail(_) => ended = Some(action),
            FleetAction::Sleep { .. } | FleetAction::WaitLocal => {}
        }
        self.processes[p].check_held(p, &self.provider.expiry_ms)?;
        Ok((ended, goes_on))
    }

    /// Carries out process `p`'s store operation (or fails it).
    fn store_op(&mut self, p: usize, fails: bool) -> Result<(), TestCaseError> {
        let Some(op) = self.processes[p].store_op.take() else {
            return Ok(());
        };
        let now = self.processes[p].clock(self.now_ms);
        if fails {
            self.processes[p]
                .fleet
                .handle_store_error(op.id, now, "model failure");
            return Ok(());
        }
        if let StoreOperation::CompareAndSet {
            expected,
            new_generation,
            ..
        } = &op.operation
        {
            // A write under the generation it expects would leave the
            // store's generation unchanged with a new value: a process
            // that read the old value's generation could write over it.
            prop_assert_ne!(
                expected,
                new_generation,
                "process {} wrote without a new generation",
                p
            );
        }
        let before = self.stored();
        let outcome: StoreOutcome = self.store.perform(&op).unwrap();
        let after = self.stored();
        if let (StoreOperation::CompareAndSet { .. }, StoreOutcome::Done(true)) =
            (&op.operation, &outcome)
        {
            if let (Some(before), Some(after)) = (&before, &after) {
                prop_assert!(
                    order(after) >= order(before),
                    "process {} stored {:?} over {:?}",
                    p,
                    order(after),
                    order(before)
                );
            }
        }
        if let Some(after) = &after {
            self.latest_stored = self.latest_stored.max(order(after));
        }
        let _ = self.processes[p].fleet.handle_store(op.id, now, outcome);
        self.processes[p].check_held(p, &self.provider.expiry_ms)
    }

    /// The provider answers process `p`'s request.
    fn answer(&mut self, p: usize, answer: Answer) -> Result<(), TestCaseError> {
        let Some(request) = self.processes[p].request.take() else {
            return Ok(());
        };
        let now = self.processes[p].clock(self.now_ms);
        let response = match answer {
            Answer::Refused => {
                let fleet = &mut self.processes[p].fleet;
                let _ = fleet.handle_transport_error(
                    request.out.id,
                    now,
                    &Error::new(ErrorKind::Transport, "refused"),
                );
                return self.processes[p].check_held(p, &self.provider.expiry_ms);
            }
            Answer::Unavailable => {
                HttpResponse::new(503, self.provider.headers(self.now_ms), Vec::new())
            }
            Answer::Rotate => self.provider.refresh(&request.sent, self.now_ms),
        };
        let _ = self.processes[p]
            .fleet
            .handle_response(request.out.id, now, &response);
        self.processes[p].check_held(p, &self.provider.expiry_ms)
    }

    /// The latest set held by the store or a live process other than
    /// `except`.
    fn latest_held(&self, except: usize) -> Option<Order> {
        let processes = self
            .processes
            .iter()
            .enumerate()
            .filter(|(q, _)| *q != except)
            .filter_map(|(_, q)| q.fleet.session().token_set().map(order));
        processes.chain(self.stored().as_ref().map(order)).max()
    }

    /// The store lost everything and has not got the latest set back yet.
    fn recovering(&self) -> bool {
        self.stored().as_ref().map(order) < Some(self.latest_stored)
    }

    fn crash(&mut self, p: usize, delivered: bool, with_copy: bool) {
        let process = &self.processes[p];
        // Started from a copy while the store has lost a later set, a
        // process may renew from it before the holder of the later one
        // writes it back: outside the model, as documented in fleet.rs.
        let copy = if with_copy && !self.recovering() {
            process.copy.clone()
        } else {
            None
        };
        let held = process.fleet.session().token_set().map(order);
        let survives = self.latest_held(p).max(copy.as_ref().map(order));
        if held >= Some(self.latest_stored) && survives < Some(self.latest_stored) {
            // The store lost the latest set it held and its last holder
            // dies: outside the model (give the store persistence).
            return;
        }
        if held.is_some_and(|held| held.1) && survives < held {
            // It alone knew that a refresh token is dead: the next renewal
            // may send it once more.
            self.windows += 1;
        } else if held.is_some_and(|held| held.0 == self.provider.issued) && survives < held {
            // A crash after the provider answered and before the store
            // write: the new pair is lost, and the one it replaced is dead.
            self.windows += 1;
            if let Some(previous) = &self.provider.previous_refresh {
                self.window_tokens.insert(previous.clone());
            }
        }
        if let (true, Some(request)) = (delivered, self.processes[p].request.take()) {
            // The answer goes nowhere: a new pair (the refresh token sent
            // is dead, its successor lost), or the news that the refresh
            // token sent is dead.
            let sent = request.sent;
            let rotated = sent == self.provider.current_refresh;
            let refused = self.provider.dead.contains(&sent);
            let _ = self.provider.refresh(&sent, self.now_ms);
            if rotated || refused {
                self.windows += 1;
                self.window_tokens.insert(sent);
            }
        }
        let process = &self.processes[p];
        let (restarts, offset_ms) = (process.restarts + 1, process.offset_ms);
        self.processes[p] = Process::start(p, restarts, offset_ms, copy);
    }

    fn stall(&mut self, advance_ms: u64) {
        if self.recovering() {
            // The holder of the latest set idle for longer than the lease
            // while the store has lost it: outside the model.
            return;
        }
        self.advance(advance_ms);
        let stored = self.stored().as_ref().map(order);
        let newest = self.provider.issued;
        for process in &mut self.processes {
            if let Some(request) = process.request.as_mut() {
                // Stalled with its renewal request out.
                if !request.stalled {
                    request.stalled = true;
                    self.windows += 1;
                    self.window_tokens.insert(request.sent.clone());
                }
            } else if let Some(held) = process
                .fleet
                .session()
                .token_set()
                .map(order)
                .filter(|held| process.fleet.has_unwritten_tokens() && Some(*held) > stored)
            {
                // Stalled with the answer in, not yet written: a new pair
                // (the refresh token it replaced is dead) or a refusal.
                self.windows += 1;
                if let (true, Some(previous)) = (held.0 == newest, &self.provider.previous_refresh)
                {
                    self.window_tokens.insert(previous.clone());
                }
            }
        }
    }

    /// Process `p` runs on its own for up to `steps` polls and store
    /// operations, until it waits for the provider or the clock.
    fn burst(&mut self, p: usize, steps: usize) -> Result<(), TestCaseError> {
        for _ in 0..steps {
            if self.processes[p].request.is_some() {
                break;
            }
            if self.processes[p].store_op.is_some() {
                self.store_op(p, false)?;
            } else if !self.poll(p)?.1 {
                break;
            }
        }
        Ok(())
    }

    /// Settled, and the store holds the tokens `newest` (all processes read
    /// them at their next use).
    fn quiet(&self, newest: &str) -> bool {
        let stored = self.stored();
        stored.is_some_and(|t| t.access_token().secret() == newest) && self.settled()
    }

    /// No renewal out, no lease held, nothing unwritten, no store operation
    /// out but reads.
    fn settled(&self) -> bool {
        self.processes.iter().all(|q| {
            q.request.is_none()
                && q.store_op
                    .as_ref()
                    .is_none_or(|op| op.operation == StoreOperation::Get)
                && !q.fleet.holds_lease()
                && !q.fleet.has_unwritten_tokens()
        })
    }

    /// Jumps past the expiry of the access token of pair `index`, if the
    /// clock is not already there.
    fn expire(&mut self, index: u32) {
        let expiry_ms = self.provider.expiry_ms[index as usize] + 1_000;
        if self.now_ms < expiry_ms {
            let millis = expiry_ms - self.now_ms;
            self.advance(millis);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn one_renewal_at_a_time_and_no_rotated_token_sent(
        (offsets, sends_date) in machines(),
        events in events(),
    ) {
        let (store, key, provider) = seeded(sends_date);
        let processes = offsets
            .iter()
            .enumerate()
            .map(|(p, offset)| Process::start(p, 0, *offset, None))
            .collect();
        let mut world = World {
            store,
            key,
            provider,
            processes,
            now_ms: START_MS,
            window_tokens: HashSet::new(),
            windows: 0,
            latest_stored: (0, false),
        };

        for event in events {
            match event {
                Event::Poll { p, advance_ms } => {
                    world.advance(advance_ms);
                    if !world.processes[p].busy() {
                        // (else this "thread" is busy; another would get WaitLocal)
                        world.poll(p)?;
                    }
                }
                Event::Expire => {
                    // Only while no process is inside a renewal, and the
                    // store holds the newest tokens (after losing everything,
                    // it gets them back when their holder next polls: within
                    // a lease's time, as documented in fleet.rs).
                    let issued = world.provider.issued;
                    if world.quiet(&format!("at-{issued}")) {
                        world.expire(issued);
                    }
                }
                Event::Wipe => {
                    // Only while some process holds the latest set the
                    // store held: else (just after seeding) the store has
                    // the only copy. Not while a process started from a
                    // copy has not read the store yet (outside the model,
                    // as documented in fleet.rs).
                    let holder = world.processes.iter().any(|q| {
                        q.fleet.session().token_set().map(order) >= Some(world.latest_stored)
                    });
                    let unsynced = world.processes.iter().any(|q| {
                        q.fleet.generation() == 0 && q.fleet.session().token_set().is_some()
                    });
                    if holder && !unsynced {
                        world.store.values.borrow_mut().clear();
                        world.store.leases.borrow_mut().clear();
                    }
                }
                Event::Store { p, fails } => world.store_op(p, fails)?,
                Event::Burst { p, steps } => world.burst(p, steps)?,
                Event::Answer { p, answer } => world.answer(p, answer)?,
                Event::Unauthorized { p } => {
                    let process = &mut world.processes[p];
                    if let Some(token) = process.fleet.session().token_set().map(|t| t.access_token().clone()) {
                        process.fleet.handle_unauthorized(&token);
                    }
                }
                Event::Crash { p, delivered, with_copy } => world.crash(p, delivered, with_copy),
                Event::Stall { advance_ms } => world.stall(advance_ms),
            }
        }

        // Then everything goes well for a while (the provider answers,
        // the store works); once quiet, the clock jumps past the stored
        // access token's expiry, and things settle again.
        let mut last: Vec<Option<FleetAction>> = vec![None; PROCESSES];
        let mut jumped = false;
        for round in 0..4_000 {
            world.advance(100);
            if !jumped && round >= 1_000 {
                let stored = world.stored();
                if let Some(tokens) = stored.filter(|_| world.settled()) {
                    world.expire(order(&tokens).0);
                    jumped = true;
                }
            }
            for (p, last) in last.iter_mut().enumerate() {
                if world.processes[p].store_op.is_some() {
                    world.store_op(p, false)?;
                } else if world.processes[p].request.is_some() {
                    world.answer(p, Answer::Rotate)?;
                } else if let (Some(action), _) = world.poll(p)? {
                    *last = Some(action);
                }
            }
        }
        prop_assert!(jumped, "never quiet enough to jump past the expiry");
        prop_assert!(
            world.provider.replays <= world.windows,
            "{} replays for {} windows", world.provider.replays, world.windows
        );
        let stored = world.stored().unwrap();
        let stored_refresh = stored.refresh_token().map(|r| r.secret().to_owned());
        prop_assert!(
            stored_refresh.is_none() || stored_refresh.as_deref() == Some(world.provider.current_refresh.as_str()),
            "the store ends on a dead refresh token {:?}", stored_refresh
        );
        for (p, action) in last.iter().enumerate() {
            let held = world.processes[p].fleet.session().token_set().map(order);
            prop_assert_eq!(held, Some(order(&stored)), "process {} is not on the stored tokens", p);
            match action {
                Some(FleetAction::UseToken(token)) => {
                    prop_assert_eq!(token.secret(), stored.access_token().secret());
                }
                Some(FleetAction::Fail(error)) => {
                    prop_assert!(
                        error.action() == Action::AuthorizeAgain && stored_refresh.is_none(),
                        "process {} failed with {:?}", p, error
                    );
                }
                other => prop_assert!(false, "process {} ended on {:?}", p, other),
            }
        }
        if world.windows == 0 {
            // Nothing lost: every process is on the newest access token,
            // which the store holds.
            let newest = format!("at-{}", world.provider.issued);
            prop_assert_eq!(stored.access_token().secret(), newest.as_str());
        }
    }
}

/// Drives `fleet` on a machine whose clock is `offset_ms` from the true
/// time `true_ms` until it hands out a token or fails; the store works and
/// the provider answers.
fn use_token(
    fleet: &mut FleetSession,
    store: &ModelStore,
    provider: &mut Provider,
    true_ms: u64,
    offset_ms: i64,
) -> FleetAction {
    let local_ms = true_ms.checked_add_signed(offset_ms).unwrap();
    *store.now_ms.borrow_mut() = true_ms;
    for _ in 0..20 {
        match fleet.poll(local_ms) {
            FleetAction::Store(op) => {
                let outcome = store.perform(&op).unwrap();
                fleet.handle_store(op.id, local_ms, outcome).unwrap();
            }
            FleetAction::Send(out) => {
                let sent = form_value(&out.request, "refresh_token").unwrap();
                let response = provider.refresh(&sent, true_ms);
                fleet.handle_response(out.id, local_ms, &response).unwrap();
            }
            action @ (FleetAction::UseToken(_) | FleetAction::Fail(_)) => return action,
            other => panic!("{other:?}"),
        }
    }
    panic!("no token after 20 steps");
}

/// A set written on a machine whose clock is 5 minutes ahead is read, on a
/// machine 5 minutes behind, in the reader's own clock: through the
/// provider's (`Date`), with the skew the reader measured on its own last
/// renewal, so that it renews when the provider's clock says, not 10
/// minutes late; a reader that never measured its skew takes its clock to
/// agree with the provider's.
#[test]
fn a_set_from_a_machine_whose_clock_is_ahead_is_read_in_the_readers_clock() {
    const AHEAD_MS: i64 = 300_000;
    let (store, key, mut provider) = seeded(true);
    let start = |name: &str| {
        FleetSession::new(
            Session::new(client(), None),
            key.clone(),
            format!("owner-{name}"),
        )
    };
    let (mut ahead, mut behind, mut fresh) = (start("ahead"), start("behind"), start("fresh"));

    // The machine behind renews once (an API refused the token): it knows
    // its skew from then on.
    let now_ms = START_MS + 60_000;
    let FleetAction::UseToken(at_0) =
        use_token(&mut behind, &store, &mut provider, now_ms, -AHEAD_MS)
    else {
        panic!("no token")
    };
    behind.handle_unauthorized(&at_0);
    use_token(&mut behind, &store, &mut provider, now_ms, -AHEAD_MS);
    assert_eq!(behind.session().token_set().unwrap().clock_skew(), 300);

    // The machine ahead renews next.
    let now_ms = START_MS + 120_000;
    let FleetAction::UseToken(at_1) =
        use_token(&mut ahead, &store, &mut provider, now_ms, AHEAD_MS)
    else {
        panic!("no token")
    };
    ahead.handle_unauthorized(&at_1);
    let FleetAction::UseToken(at_2) =
        use_token(&mut ahead, &store, &mut provider, now_ms, AHEAD_MS)
    else {
        panic!("no token")
    };
    assert_eq!(at_2.secret(), "at-2");
    let written = ahead.session().token_set().unwrap().clone();
    let true_expiry = provider.expiry_ms[2] / 1000;
    assert_eq!(written.expires_at(), Some(true_expiry + 300));

    // Read on the machine behind: in its clock, 5 minutes before the
    // provider's, and due 10 minutes before the writer's clock says.
    let now_ms = START_MS + 180_000;
    let FleetAction::UseToken(read) =
        use_token(&mut behind, &store, &mut provider, now_ms, -AHEAD_MS)
    else {
        panic!("no token")
    };
    assert_eq!(read.secret(), "at-2");
    let held = behind.session().token_set().unwrap();
    assert_eq!(held.expires_at(), Some(true_expiry - 300));
    assert_eq!(held.clock_skew(), 300);
    assert_eq!(
        behind.session().poll_timeout().unwrap() + 600,
        ahead.session().poll_timeout().unwrap()
    );

    // A machine that never renewed reads it in the provider's clock.
    use_token(&mut fresh, &store, &mut provider, now_ms, 120_000);
    let held = fresh.session().token_set().unwrap();
    assert_eq!(
        (held.expires_at(), held.clock_skew()),
        (Some(true_expiry), 0)
    );
}

/// Generations restart when the store loses everything, and a process may
/// still expect one from before in its compare-and-set. Two processes that
/// write their copies back never give them the same generation, nor one
/// either of them saw before: else a compare-and-set expecting the first
/// copy's would take the second for it, and write an earlier set over it.
#[test]
fn copies_written_back_after_a_loss_never_share_a_generation() {
    let restored_generation = |owner: &str| {
        let (store, key, mut provider) = seeded(false);
        let mut fleet = FleetSession::new(Session::new(client(), None), key.clone(), owner.into());
        use_token(&mut fleet, &store, &mut provider, START_MS, 0);
        assert_eq!(fleet.generation(), 1);
        // The store loses everything; the process writes its copy back.
        store.values.borrow_mut().clear();
        store.leases.borrow_mut().clear();
        use_token(&mut fleet, &store, &mut provider, START_MS + 1, 0);
        let record = store.get(key.tokens()).unwrap().unwrap();
        assert_eq!(record.generation, fleet.generation());
        record.generation
    };
    let (first, second) = (
        restored_generation("owner-a"),
        restored_generation("owner-b"),
    );
    assert_ne!(first, second);
    assert!(first != 1 && second != 1);
}

/// After the store lost everything, renewals wait a lease's time to live
/// for the holder of later tokens to write them back. A caller with no
/// valid token meanwhile is told to retry, not kept waiting: a thread
/// parked in one connection for the whole hold is a thread that does not
/// use the process's other connections, and their unwritten tokens (the
/// later ones this hold waits for) would reach the store only after it.
#[test]
fn a_renewal_held_after_a_loss_tells_the_caller_to_retry_instead_of_waiting() {
    let (store, key, mut provider) = seeded(false);
    let mut fleet = FleetSession::new(Session::new(client(), None), key.clone(), "owner-a".into());
    use_token(&mut fleet, &store, &mut provider, START_MS, 0);
    store.values.borrow_mut().clear();
    store.leases.borrow_mut().clear();
    let expired_ms = START_MS + ACCESS_LIFETIME_MS + 1_000;
    let FleetAction::Fail(error) = use_token(&mut fleet, &store, &mut provider, expired_ms, 0)
    else {
        panic!("a token from an expired copy");
    };
    assert_eq!(error.kind(), ErrorKind::TemporarilyUnavailable);
    assert_eq!(error.action(), Action::Retry);
    assert_eq!(error.retry_after(), Some(1));
    assert_eq!(provider.issued, 0, "renewed during the hold");
    // The copy is back in the store, marked as restored.
    assert!(stored_set(&store, &key).is_some());
    // Once the hold is over, the same caller's calls renew. (Reading the
    // restored copy back starts one more hold: the next one renews.)
    let after_hold_ms = expired_ms + lease_ttl_ms();
    use_token(&mut fleet, &store, &mut provider, after_hold_ms, 0);
    let action = use_token(
        &mut fleet,
        &store,
        &mut provider,
        after_hold_ms + lease_ttl_ms(),
        0,
    );
    assert!(matches!(action, FleetAction::UseToken(_)), "{action:?}");
    assert_eq!(provider.issued, 1);
}

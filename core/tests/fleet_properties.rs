//! Property test of the fleet protocol: processes sharing one Makini Link
//! connection through a store, against a model provider that rotates
//! refresh tokens and counts replays. Whatever the interleaving of polls,
//! store operations (some failing), answers (some lost or 503) and clock
//! jumps past expiry, no rotated refresh token is ever sent, at most one
//! renewal is outstanding across all processes, and a rotated pair reaches
//! the store before anyone else renews.
//!
//! The store may also lose everything at any point (a restart without
//! persistence). Outside the model, as documented in `fleet.rs`: a process
//! that stalls for longer than a lease's time to live inside a renewal
//! (clock jumps wait until no process is inside one; small steps add up to
//! at most 40 s, below the 60 s lease).

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use authflow_core::fleet::{
    FleetAction, FleetSession, StoreKey, StoreOutcome, StoreRequest, StoredRecord, TokenStore,
};
use authflow_core::{
    Client, ClientSecret, Error, ErrorKind, GrantType, HttpResponse, OutgoingRequest, Profile,
    Session, TokenSet,
};
use proptest::prelude::*;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use zeroize::Zeroizing;

const PROCESSES: usize = 3;
const START_MS: u64 = 1_700_000_000_000;

/// A store with a clock of the test's, for lease expiry.
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
    /// The clock jumps past the access token's expiry.
    Expire,
    /// Process `p`'s store operation is carried out (or fails).
    Store { p: usize, fails: bool },
    /// The provider answers process `p`'s request.
    Answer { p: usize, answer: Answer },
    /// The store loses everything (a restart without persistence).
    Wipe,
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
    let event = prop_oneof![
        6 => (p.clone(), 0u64..100).prop_map(|(p, advance_ms)| Event::Poll { p, advance_ms }),
        1 => Just(Event::Expire),
        6 => (p.clone(), prop::bool::weighted(0.1)).prop_map(|(p, fails)| Event::Store { p, fails }),
        2 => (p.clone(), prop_oneof![
            4 => Just(Answer::Rotate), 1 => Just(Answer::Unavailable), 1 => Just(Answer::Refused)
        ]).prop_map(|(p, answer)| Event::Answer { p, answer }),
        1 => Just(Event::Wipe),
    ];
    prop::collection::vec(event, 1..400)
}

fn client() -> Client {
    Client::new(Profile::makini_link(), "link-client")
        .with_client_secret(ClientSecret::new("link-secret"))
}

fn token_body(issued: u32, now_s: u64) -> Vec<u8> {
    format!(
        r#"{{"access_token":"at-{issued}","refresh_token":"rt-{issued}","token_type":"bearer","expires_in":{}}}"#,
        now_s + 30 * 86_400
    )
    .into_bytes()
}

fn form_value(request: &authflow_core::HttpRequest, name: &str) -> Option<String> {
    form_urlencoded::parse(&request.body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// One process: its fleet session and what it was told to do.
struct Process {
    fleet: FleetSession,
    store_op: Option<StoreRequest>,
    request: Option<OutgoingRequest>,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn one_renewal_at_a_time_and_no_rotated_token_sent(events in events()) {
        let store = ModelStore::default();
        *store.now_ms.borrow_mut() = START_MS;
        let key = StoreKey::for_connection(&client(), "user-1");
        let first = client()
            .parse_token_response(GrantType::AuthorizationCode, START_MS / 1000,
                &HttpResponse::new(200, vec![], token_body(0, START_MS / 1000)))
            .unwrap();
        prop_assert!(store.compare_and_set(key.tokens(), 0, 1, &first.to_json()).unwrap());
        let mut processes: Vec<Process> = (0..PROCESSES)
            .map(|i| Process {
                fleet: FleetSession::new(Session::new(client(), None), key.clone(), format!("owner-{i}")),
                store_op: None,
                request: None,
            })
            .collect();
        let mut current_refresh = "rt-0".to_owned();
        let mut dead: HashSet<String> = HashSet::new();
        let mut issued = 0u32;
        let mut now_ms = START_MS;
        let mut issued_at_ms = START_MS;

        for event in events {
            match event {
                Event::Poll { p, advance_ms } => {
                    now_ms += advance_ms;
                    *store.now_ms.borrow_mut() = now_ms;
                    let process = &mut processes[p];
                    if process.store_op.is_some() || process.request.is_some() {
                        continue; // this "thread" is busy; another would get WaitLocal
                    }
                    match process.fleet.poll(now_ms) {
                        FleetAction::Store(op) => process.store_op = Some(op),
                        FleetAction::Send(out) => {
                            let others = processes.iter().filter(|q| q.request.is_some()).count();
                            prop_assert_eq!(others, 0, "a second renewal while one is outstanding");
                            let sent = form_value(&out.request, "refresh_token").unwrap();
                            prop_assert!(!dead.contains(&sent), "rotated refresh token {} sent", sent);
                            processes[p].request = Some(out);
                        }
                        FleetAction::UseToken(_) | FleetAction::Sleep { .. }
                        | FleetAction::WaitLocal | FleetAction::Fail(_) => {}
                    }
                }
                Event::Expire => {
                    // Only while no process is inside a renewal, and the
                    // store holds the newest tokens (after losing everything,
                    // it gets them back when their holder next polls: within
                    // a lease's time, as documented in fleet.rs).
                    let newest = format!("at-{issued}");
                    let stored = store.get(key.tokens()).unwrap().and_then(|r| TokenSet::from_json(&r.value).ok());
                    let quiet = stored.is_some_and(|t| t.access_token().secret() == newest)
                        && processes.iter().all(|q| {
                            q.request.is_none()
                                && q.store_op.is_none()
                                && !q.fleet.holds_lease()
                                && !q.fleet.has_unwritten_tokens()
                        });
                    // Past the newest access token's expiry, within its
                    // refresh token's (31 days): a renewal is due, and possible.
                    let expiry_ms = issued_at_ms + 30 * 86_400 * 1000 + 1_000;
                    if quiet && now_ms < expiry_ms {
                        now_ms = expiry_ms;
                        *store.now_ms.borrow_mut() = now_ms;
                    }
                }
                Event::Wipe => {
                    // Only once some process holds the newest tokens: before
                    // that (just after seeding) the store has the only copy.
                    let newest = format!("at-{issued}");
                    let held = processes.iter().any(|q| {
                        q.fleet.session().token_set().map(|t| t.access_token().secret())
                            == Some(newest.as_str())
                    });
                    if held {
                        store.values.borrow_mut().clear();
                        store.leases.borrow_mut().clear();
                    }
                }
                Event::Store { p, fails } => {
                    let Some(op) = processes[p].store_op.take() else { continue };
                    if fails {
                        processes[p].fleet.handle_store_error(op.id, now_ms, "model failure");
                    } else {
                        let outcome: StoreOutcome = store.perform(&op).unwrap();
                        let _ = processes[p].fleet.handle_store(op.id, now_ms, outcome);
                    }
                }
                Event::Answer { p, answer } => {
                    let Some(out) = processes[p].request.take() else { continue };
                    let sent = form_value(&out.request, "refresh_token").unwrap();
                    let now_s = now_ms / 1000;
                    let fleet = &mut processes[p].fleet;
                    match answer {
                        Answer::Refused => {
                            let _ = fleet.handle_transport_error(out.id, now_ms, &Error::new(ErrorKind::Transport, "refused"));
                        }
                        Answer::Unavailable => {
                            let response = HttpResponse::new(503, vec![], Vec::new());
                            let _ = fleet.handle_response(out.id, now_ms, &response);
                        }
                        Answer::Rotate => {
                            let response = if sent == current_refresh {
                                issued += 1;
                                issued_at_ms = now_ms;
                                dead.insert(sent);
                                current_refresh = format!("rt-{issued}");
                                HttpResponse::new(200, vec![], token_body(issued, now_s))
                            } else {
                                HttpResponse::new(400, vec![], br#"{"error":"invalid_grant"}"#.to_vec())
                            };
                            let _ = fleet.handle_response(out.id, now_ms, &response);
                        }
                    }
                }
            }
        }
        // Then everything goes well for a while: every process must end up
        // using the newest access token, which the store holds.
        let mut using: Vec<Option<String>> = vec![None; PROCESSES];
        let mut settled = 0;
        for _ in 0..2_000 {
            if using.iter().all(|u| u.as_deref() == Some(format!("at-{issued}").as_str())) {
                // Then a few more seconds: a store that failed is tried
                // again after one, and what a process holds gets written.
                settled += 1;
                if settled > 30 {
                    break;
                }
            }
            now_ms += 100;
            *store.now_ms.borrow_mut() = now_ms;
            for (p, process) in processes.iter_mut().enumerate() {
                if let Some(op) = process.store_op.take() {
                    let outcome = store.perform(&op).unwrap();
                    let _ = process.fleet.handle_store(op.id, now_ms, outcome);
                    continue;
                }
                if let Some(out) = process.request.take() {
                    let sent = form_value(&out.request, "refresh_token").unwrap();
                    prop_assert!(!dead.contains(&sent), "rotated refresh token {} sent", sent);
                    issued += 1;
                    dead.insert(sent);
                    let response = HttpResponse::new(200, vec![], token_body(issued, now_ms / 1000));
                    let _ = process.fleet.handle_response(out.id, now_ms, &response);
                    continue;
                }
                match process.fleet.poll(now_ms) {
                    FleetAction::Store(op) => process.store_op = Some(op),
                    FleetAction::Send(out) => process.request = Some(out),
                    FleetAction::UseToken(token) => using[p] = Some(token.secret().to_owned()),
                    FleetAction::Sleep { .. } | FleetAction::WaitLocal | FleetAction::Fail(_) => {}
                }
            }
        }
        let newest = format!("at-{issued}");
        for (p, token) in using.iter().enumerate() {
            prop_assert_eq!(token.as_deref(), Some(newest.as_str()), "process {} is not on the newest token", p);
        }
        let stored = TokenSet::from_json(&store.get(key.tokens()).unwrap().unwrap().value).unwrap();
        prop_assert_eq!(stored.access_token().secret(), newest.as_str());
    }
}

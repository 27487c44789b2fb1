//! Driving a [`FleetSession`] for every thread of a process.

use authflowkit_core::fleet::{FleetAction, FleetSession, TokenStore};
use authflowkit_core::{AccessToken, Error, HttpRequest, HttpResponse, TokenSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Sends one HTTP request (the caller's HTTP client).
pub type SendFn = dyn Fn(&HttpRequest) -> Result<HttpResponse, Error> + Send + Sync;
/// The current time, Unix milliseconds.
pub type ClockFn = dyn Fn() -> u64 + Send + Sync;

/// A [`FleetSession`] shared by the threads of one process, over a store
/// and the caller's HTTP client. Store operations run under the lock (they
/// are short); the renewal request is sent without it, while the other
/// threads use the still-valid token or wait for the outcome.
///
/// Tokens the store failed to take (it was down when a renewal answered)
/// are written by a thread of their own, every
/// [`FleetTimings::store_retry_ms`](authflowkit_core::fleet::FleetTimings),
/// until the store has them: not at this connection's next use, which may
/// come late (its threads busy elsewhere) or after other processes have
/// renewed from the copy the store still holds, with a refresh token this
/// process already rotated.
pub struct SharedFleetSession<S: TokenStore> {
    shared: Arc<Shared<S>>,
}

/// What the callers' threads and the writer of unwritten tokens share.
struct Shared<S> {
    state: Mutex<FleetSession>,
    changed: Condvar,
    store: S,
    send: Box<SendFn>,
    now_ms: Box<ClockFn>,
    /// A thread is writing tokens the store failed to take.
    writing_back: AtomicBool,
}

/// The system clock in Unix milliseconds.
pub fn system_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl<S: TokenStore + Send + Sync + 'static> SharedFleetSession<S> {
    /// Drives `fleet` with `store`, sending renewals with `send`.
    pub fn new(
        fleet: FleetSession,
        store: S,
        send: impl Fn(&HttpRequest) -> Result<HttpResponse, Error> + Send + Sync + 'static,
    ) -> SharedFleetSession<S> {
        let shared = Shared {
            state: Mutex::new(fleet),
            changed: Condvar::new(),
            store,
            send: Box::new(send),
            now_ms: Box::new(system_now_ms),
            writing_back: AtomicBool::new(false),
        };
        SharedFleetSession {
            shared: Arc::new(shared),
        }
    }

    /// Uses `now_ms` as the clock (a test's provider clock).
    pub fn with_clock(mut self, now_ms: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        // Nothing else holds the shared state before the first call.
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.now_ms = Box::new(now_ms);
        }
        self
    }

    /// A valid access token, renewed first if due and no other process has
    /// renewed it. Errors carry the action (retry after N s, authorize again, …).
    pub fn access_token(&self) -> Result<AccessToken, Error> {
        let shared = &self.shared;
        let mut fleet = shared.lock();
        loop {
            match fleet.poll((shared.now_ms)()) {
                FleetAction::UseToken(token) => return Ok(token),
                FleetAction::Fail(error) => return Err(error),
                action @ (FleetAction::Store(_) | FleetAction::Send(_)) => {
                    fleet = Shared::carry_out(shared, fleet, action);
                }
                FleetAction::Sleep { millis } => {
                    drop(fleet);
                    std::thread::sleep(Duration::from_millis(millis));
                    fleet = shared.lock();
                }
                FleetAction::WaitLocal => {
                    // Bounded, so a lost wake-up costs a second, not a hang.
                    fleet = shared
                        .changed
                        .wait_timeout(fleet, Duration::from_secs(1))
                        .map(|(guard, _)| guard)
                        .unwrap_or_else(|poisoned| poisoned.into_inner().0);
                }
            }
        }
    }

    /// Tells the session an API refused `token` (401): the next call reads
    /// the store and renews only if nothing newer is there.
    pub fn unauthorized(&self, token: &AccessToken) {
        self.shared.lock().handle_unauthorized(token);
    }

    /// This process's copy of the token set.
    pub fn token_set(&self) -> Option<TokenSet> {
        self.shared.lock().session().token_set().cloned()
    }

    /// The generation of this process's copy (0: never stored).
    pub fn generation(&self) -> u64 {
        self.shared.lock().generation()
    }
}

impl<S: TokenStore + Send + Sync + 'static> Shared<S> {
    fn lock(&self) -> MutexGuard<'_, FleetSession> {
        // Every change to the fleet session is made by its own methods,
        // which leave it consistent: a panicking thread cannot corrupt it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Carries out a store operation (under the lock) or sends a renewal
    /// (without it), and hands the outcome back. A store that failed while
    /// tokens wait to be written gets a thread that writes them.
    fn carry_out<'a>(
        this: &'a Arc<Self>,
        mut fleet: MutexGuard<'a, FleetSession>,
        action: FleetAction,
    ) -> MutexGuard<'a, FleetSession> {
        match action {
            FleetAction::Store(request) => {
                let result = this.store.perform(&request);
                let failed = result.is_err();
                // An unreadable stored value is overwritten by the
                // session; nothing for this caller to do.
                let _ = fleet.handle_store_result(request.id, (this.now_ms)(), result);
                if failed && fleet.has_unwritten_tokens() {
                    Shared::start_writing_back(this, fleet.timings().store_retry_ms);
                }
            }
            FleetAction::Send(outgoing) => {
                drop(fleet);
                let answer = (this.send)(&outgoing.request);
                fleet = this.lock();
                // The outcome's error (if any) is what the next poll
                // reports, after the store has been told.
                let _ = fleet.handle_answer(&outgoing, (this.now_ms)(), &answer);
            }
            _ => {}
        }
        this.changed.notify_all();
        fleet
    }

    /// Starts the thread that writes unwritten tokens, unless it runs. It
    /// holds the session weakly: dropping the last handle ends it.
    fn start_writing_back(this: &Arc<Self>, retry_ms: u64) {
        if this.writing_back.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak = Arc::downgrade(this);
        let spawned = std::thread::Builder::new()
            .name("authflow-store-write".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_millis(retry_ms.max(1)));
                let Some(shared) = weak.upgrade() else { return };
                if !shared.write_back() {
                    shared.writing_back.store(false, Ordering::Release);
                    // Unwritten again between the check and the flag
                    // (another failed write that saw the flag set).
                    if !shared.lock().has_unwritten_tokens()
                        || shared.writing_back.swap(true, Ordering::AcqRel)
                    {
                        return;
                    }
                }
            });
        if spawned.is_err() {
            // No thread: the tokens are written at this connection's next use.
            this.writing_back.store(false, Ordering::Release);
        }
    }

    /// One attempt to write unwritten tokens: what the session asks for
    /// while it holds them (store operations, first), up to a token, a
    /// failure, or another thread's work. Says whether some are left.
    fn write_back(self: &Arc<Self>) -> bool {
        let mut fleet = self.lock();
        while fleet.has_unwritten_tokens() {
            match fleet.poll((self.now_ms)()) {
                action @ (FleetAction::Store(_) | FleetAction::Send(_)) => {
                    fleet = Shared::carry_out(self, fleet, action);
                }
                // The store is still down, or a caller's thread is at it.
                _ => break,
            }
        }
        fleet.has_unwritten_tokens()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use authflowkit_core::fleet::{owner_id, FleetTimings, StoreKey, StoredRecord};
    use authflowkit_core::{Client, ClientSecret, Profile, Session};
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    const NOW: u64 = 1_713_082_414;

    /// Makini Admin in memory: a refresh is refused with 401 and
    /// `invalid_client` (seed 004: the refresh token expired, whatever the
    /// code); client credentials give a new pair.
    fn admin_token_endpoint(grants: &Mutex<Vec<String>>, request: &HttpRequest) -> HttpResponse {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let mut grants = grants.lock().unwrap();
        if body.contains("grant_type=refresh_token") {
            grants.push("refresh_token".into());
            HttpResponse::new(401, vec![], br#"{"error":"invalid_client"}"#.to_vec())
        } else {
            grants.push("client_credentials".into());
            let tokens = format!(
                r#"{{"access_token":"at-new-1","refresh_token":"rt-new-1","token_type":"bearer","expires_in":{}}}"#,
                NOW + 30 * 86_400
            );
            HttpResponse::new(200, vec![], tokens.into_bytes())
        }
    }

    /// A Makini Admin client.
    fn admin_client() -> Client {
        Client::new(
            Profile::makini_admin("https://admin.example/oauth/token").unwrap(),
            "admin-client",
        )
        .with_client_secret(ClientSecret::new("admin-secret"))
    }

    /// A stored set whose access token expired at `NOW`.
    fn expired_tokens() -> String {
        format!(
            r#"{{"v":1,"access_token":"at-old-1","token_type":"Bearer","refresh_token":"rt-old-1","issued_at":{},"expires_at":{NOW}}}"#,
            NOW - 30 * 86_400
        )
    }

    #[test]
    fn a_refused_refresh_reauthenticates_within_one_call() {
        let client = admin_client();
        let expired = TokenSet::from_json(&expired_tokens()).unwrap();
        let fleet = FleetSession::new(
            Session::new(client.clone(), Some(expired)),
            StoreKey::for_connection(&client, "default"),
            owner_id(&[7; 16]),
        );
        let grants = Arc::new(Mutex::new(Vec::new()));
        let seen = grants.clone();
        let shared = SharedFleetSession::new(fleet, MemoryStore::new(), move |request| {
            Ok(admin_token_endpoint(&seen, request))
        })
        .with_clock(|| (NOW + 1) * 1000);
        assert_eq!(shared.access_token().unwrap().secret(), "at-new-1");
        assert_eq!(
            *grants.lock().unwrap(),
            ["refresh_token", "client_credentials"]
        );
        let stored = shared.token_set().unwrap();
        assert_eq!(stored.refresh_token().unwrap().secret(), "rt-new-1");
    }
    /// A store whose writes fail while `failing` is set.
    struct WritesFail {
        inner: Arc<MemoryStore>,
        failing: Arc<AtomicBool>,
    }

    impl TokenStore for WritesFail {
        fn get(&self, key: &str) -> Result<Option<StoredRecord>, String> {
            self.inner.get(key)
        }
        fn compare_and_set(
            &self,
            key: &str,
            expected: u64,
            new_generation: u64,
            value: &str,
        ) -> Result<bool, String> {
            if self.failing.load(Ordering::SeqCst) {
                return Err("connection refused".into());
            }
            self.inner
                .compare_and_set(key, expected, new_generation, value)
        }
        fn take_lease(&self, key: &str, owner: &str, ttl_ms: u64) -> Result<bool, String> {
            self.inner.take_lease(key, owner, ttl_ms)
        }
        fn release_lease(&self, key: &str, owner: &str) -> Result<(), String> {
            self.inner.release_lease(key, owner)
        }
    }

    /// The renewal answered and the store was down: the new pair is
    /// written once it is back, with no caller asking for this connection
    /// (its process's threads are all busy elsewhere). Else another
    /// process renews from the stored copy, with a refresh token this one
    /// rotated.
    #[test]
    fn tokens_the_store_failed_to_take_are_written_when_it_is_back_without_a_caller() {
        let client = admin_client();
        let key = StoreKey::for_connection(&client, "default");
        let (memory, failing) = (
            Arc::new(MemoryStore::new()),
            Arc::new(AtomicBool::new(false)),
        );
        let store = WritesFail {
            inner: memory.clone(),
            failing: failing.clone(),
        };
        assert!(memory
            .compare_and_set(key.tokens(), 0, 1, &expired_tokens())
            .unwrap());
        let stored_access_token = || {
            let record = memory.get(key.tokens()).unwrap().unwrap();
            let tokens = TokenSet::from_json(&record.value).unwrap();
            tokens.access_token().secret().to_owned()
        };
        let timings = FleetTimings {
            store_retry_ms: 10,
            ..FleetTimings::default()
        };
        let fleet = FleetSession::new(Session::new(client, None), key.clone(), owner_id(&[7; 16]))
            .with_timings(timings);
        let clock = Arc::new(AtomicU64::new((NOW + 1) * 1000));
        let now = clock.clone();
        let grants = Arc::new(Mutex::new(Vec::new()));
        let seen = grants.clone();
        // The store goes down while the provider answers with new tokens.
        let down = failing.clone();
        let shared = SharedFleetSession::new(fleet, store, move |request| {
            let answer = admin_token_endpoint(&seen, request);
            down.store(seen.lock().unwrap().len() == 2, Ordering::SeqCst);
            Ok(answer)
        })
        .with_clock(move || now.load(Ordering::SeqCst));
        assert_eq!(shared.access_token().unwrap().secret(), "at-new-1");
        assert_eq!(stored_access_token(), "at-old-1", "the write did not fail");
        // The store is back; nobody calls this connection again.
        assert!(failing.load(Ordering::SeqCst));
        failing.store(false, Ordering::SeqCst);
        clock.fetch_add(timings.store_retry_ms, Ordering::SeqCst);
        // Waits for an event, with a bound far above its time (tens of
        // milliseconds) so that a missing write fails instead of hanging.
        for _ in 0..1_000 {
            if stored_access_token() == "at-new-1" {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(stored_access_token(), "at-new-1");
        assert_eq!(
            *grants.lock().unwrap(),
            ["refresh_token", "client_credentials"]
        );
    }
}

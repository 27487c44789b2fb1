//! Driving a [`FleetSession`] for every thread of a process.

use authflowkit_core::fleet::{FleetAction, FleetSession, TokenStore};
use authflowkit_core::{AccessToken, Error, HttpRequest, HttpResponse, TokenSet};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Sends one HTTP request (the caller's HTTP client).
pub type SendFn = dyn Fn(&HttpRequest) -> Result<HttpResponse, Error> + Send + Sync;
/// The current time, Unix milliseconds.
pub type ClockFn = dyn Fn() -> u64 + Send + Sync;

/// A [`FleetSession`] shared by the threads of one process, over a store
/// and the caller's HTTP client. Store operations run under the lock (they
/// are short); the renewal request is sent without it, while the other
/// threads use the still-valid token or wait for the outcome.
pub struct SharedFleetSession<S: TokenStore> {
    state: Mutex<FleetSession>,
    changed: Condvar,
    store: S,
    send: Box<SendFn>,
    now_ms: Box<ClockFn>,
}

/// The system clock in Unix milliseconds.
pub fn system_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl<S: TokenStore> SharedFleetSession<S> {
    /// Drives `fleet` with `store`, sending renewals with `send`.
    pub fn new(
        fleet: FleetSession,
        store: S,
        send: impl Fn(&HttpRequest) -> Result<HttpResponse, Error> + Send + Sync + 'static,
    ) -> SharedFleetSession<S> {
        SharedFleetSession {
            state: Mutex::new(fleet),
            changed: Condvar::new(),
            store,
            send: Box::new(send),
            now_ms: Box::new(system_now_ms),
        }
    }

    /// Uses `now_ms` as the clock (a test's provider clock).
    pub fn with_clock(mut self, now_ms: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.now_ms = Box::new(now_ms);
        self
    }

    fn lock(&self) -> MutexGuard<'_, FleetSession> {
        // Every change to the fleet session is made by its own methods,
        // which leave it consistent: a panicking thread cannot corrupt it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A valid access token, renewed first if due and no other process has
    /// renewed it. Errors carry the action (retry after N s, authorize again, …).
    pub fn access_token(&self) -> Result<AccessToken, Error> {
        let mut fleet = self.lock();
        loop {
            let now = (self.now_ms)();
            match fleet.poll(now) {
                FleetAction::UseToken(token) => return Ok(token),
                FleetAction::Fail(error) => return Err(error),
                FleetAction::Store(request) => {
                    let result = self.store.perform(&request);
                    // An unreadable stored value is overwritten by the
                    // session; nothing for this caller to do.
                    let _ = fleet.handle_store_result(request.id, (self.now_ms)(), result);
                    self.changed.notify_all();
                }
                FleetAction::Send(outgoing) => {
                    drop(fleet);
                    let answer = (self.send)(&outgoing.request);
                    fleet = self.lock();
                    // The outcome's error (if any) is what the next poll
                    // reports, after the store has been told.
                    let _ = fleet.handle_answer(&outgoing, (self.now_ms)(), &answer);
                    self.changed.notify_all();
                }
                FleetAction::Sleep { millis } => {
                    drop(fleet);
                    std::thread::sleep(Duration::from_millis(millis));
                    fleet = self.lock();
                }
                FleetAction::WaitLocal => {
                    // Bounded, so a lost wake-up costs a second, not a hang.
                    fleet = self
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
        self.lock().handle_unauthorized(token);
    }

    /// This process's copy of the token set.
    pub fn token_set(&self) -> Option<TokenSet> {
        self.lock().session().token_set().cloned()
    }

    /// The generation of this process's copy (0: never stored).
    pub fn generation(&self) -> u64 {
        self.lock().generation()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use authflowkit_core::fleet::{owner_id, StoreKey};
    use authflowkit_core::{Client, ClientSecret, Profile, Session};
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

    #[test]
    fn a_refused_refresh_reauthenticates_within_one_call() {
        let client = Client::new(
            Profile::makini_admin("https://admin.example/oauth/token").unwrap(),
            "admin-client",
        )
        .with_client_secret(ClientSecret::new("admin-secret"));
        let expired = TokenSet::from_json(&format!(
            r#"{{"v":1,"access_token":"at-old-1","token_type":"Bearer","refresh_token":"rt-old-1","issued_at":{},"expires_at":{NOW}}}"#,
            NOW - 30 * 86_400
        ))
        .unwrap();
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
}

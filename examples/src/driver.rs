//! A [`Session`] shared by threads: single-flight renewal over a blocking
//! transport, the way a binding drives the core.

use crate::transport::Transport;
use authflow_core::{AccessToken, Error, Session, SessionAction, TokenSet};
use std::sync::{Condvar, Mutex, MutexGuard};

/// A session many threads ask for a token. One of them sends a renewal
/// while the others wait on a condition variable; nothing is sent twice.
pub struct SharedSession {
    state: Mutex<Session>,
    changed: Condvar,
    transport: Transport,
    on_persist: Box<dyn Fn(&TokenSet) + Send + Sync>,
}

impl SharedSession {
    /// Wraps `session`; `on_persist` is called with every token set to store
    /// (a rotated pair before any thread gets the new access token).
    pub fn new(
        session: Session,
        transport: Transport,
        on_persist: impl Fn(&TokenSet) + Send + Sync + 'static,
    ) -> SharedSession {
        SharedSession {
            state: Mutex::new(session),
            changed: Condvar::new(),
            transport,
            on_persist: Box::new(on_persist),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Session> {
        // A thread that panicked holding the lock left the session in a
        // consistent state (every change is one assignment), so go on.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A valid access token at `now()`, renewing first if due. Errors carry
    /// the session's action (retry after N s, authorize again, …).
    pub fn access_token(&self, now: impl Fn() -> u64) -> Result<AccessToken, Error> {
        let mut session = self.lock();
        loop {
            match session.poll_action(now()) {
                SessionAction::UseToken(token) => return Ok(token),
                SessionAction::Stop(error) => return Err(error),
                SessionAction::Wait { until: None } => {
                    session = self
                        .changed
                        .wait(session)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                SessionAction::Wait { until: Some(until) } => {
                    // In a back-off with no valid token: report the failure
                    // behind it rather than spin.
                    return Err(session.last_error().cloned().unwrap_or_else(|| {
                        Error::new(
                            authflow_core::ErrorKind::TemporarilyUnavailable,
                            format!("renewal failed recently; retry at {until}"),
                        )
                    }));
                }
                SessionAction::Send(outgoing) => {
                    // Send without holding the lock: other threads keep
                    // using the current token or wait for this answer.
                    drop(session);
                    let answer = self.transport.send(&outgoing.request);
                    session = self.lock();
                    let handled = match answer {
                        Ok(response) => session.handle_response(outgoing.id, now(), &response),
                        Err(error) => {
                            session.handle_transport_error(outgoing.id, now(), error.message())
                        }
                    };
                    if let Some(tokens) = session.poll_persist() {
                        (self.on_persist)(&tokens);
                    }
                    self.changed.notify_all();
                    handled?;
                }
            }
        }
    }

    /// Tells the session an API refused `token` (401), so that the next
    /// request renews it.
    pub fn unauthorized(&self, token: &AccessToken) {
        self.lock().handle_unauthorized(token);
    }

    /// The current token set.
    pub fn token_set(&self) -> Option<TokenSet> {
        self.lock().token_set().cloned()
    }
}

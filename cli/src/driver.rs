//! Driving a [`Session`] over a blocking transport, the way a binding
//! drives the core: alone ([`drive`]) or shared by threads
//! ([`SharedSession`]: single-flight renewal); and a device login's
//! [`DevicePoll`] ([`drive_device`]); the start of an authorization,
//! pushed first where the profile says so ([`start_authorization`]).

use crate::transport::Transport;
use authflowkit_core::{
    AccessToken, AuthorizationOptions, AuthorizationRequest, Client, DevicePoll, DevicePollAction,
    Error, HttpRequest, HttpResponse, IdTokenClaims, IdTokenValidation, JwksCache, OutgoingRequest,
    Session, SessionAction, TokenSet,
};

/// The authorization URL and the pending authorization to keep. Where the
/// profile uses pushed authorization requests (RFC 9126: the server
/// requires them, or they were chosen) the parameters are posted to the
/// PAR endpoint first and the URL carries only `client_id` and the
/// `request_uri` it returned; otherwise no request is sent. `now` reads the
/// clock (the answer is read when it comes); `entropy` as for
/// [`Client::authorization_request`].
pub fn start_authorization(
    client: &Client,
    transport: &Transport,
    options: &AuthorizationOptions,
    now: impl Fn() -> u64,
    entropy: &[u8],
) -> Result<AuthorizationRequest, Error> {
    if !client.profile().uses_pushed_authorization() {
        return client.authorization_request_with(now(), entropy, options);
    }
    // The push is client-authenticated: signed, for a client that signs
    // (with its own entropy, not the authorization request's).
    let push = client
        .at(now(), &crate::assertion_entropy())?
        .pushed_authorization_request_with(now(), entropy, options)?;
    let response = transport
        .send(&push.request)
        .map_err(|e| e.without_secrets_of(&push.request))?;
    client
        .parse_pushed_authorization_response(now(), push.pending, &response)
        .map_err(|e| e.without_secrets_of(&push.request))
}
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Polls the token endpoint for a device authorization (RFC 8628) until
/// the user answers, sending what `poll` asks and sleeping between
/// requests as it says; `now` reads the clock, `on_poll` sees each
/// request before it goes (a progress indicator; a caller's own
/// parameters added). The outcome is the poll's: the tokens, or the error
/// it stopped on (declined, expired, refused).
pub fn drive_device(
    poll: &mut DevicePoll,
    transport: &Transport,
    now: impl Fn() -> u64,
    mut on_poll: impl FnMut(&mut HttpRequest),
) -> Result<TokenSet, Error> {
    loop {
        match poll.poll_action(now()) {
            DevicePollAction::Send(mut out) => {
                on_poll(&mut out.request);
                let handled = match transport.send(&out.request) {
                    Ok(response) => poll.handle_response(out.id, now(), &response),
                    Err(failure) => poll.handle_transport_error(out.id, now(), &failure),
                };
                // A failure is that request's outcome: the next poll says
                // whether it backs off or stops.
                drop(handled);
            }
            DevicePollAction::Wait { until } => {
                let seconds = until.unwrap_or(0).saturating_sub(now()).max(1);
                std::thread::sleep(Duration::from_secs(seconds));
            }
            DevicePollAction::Done(tokens) => return Ok(tokens),
            DevicePollAction::Stop(error) => return Err(error),
        }
    }
}

/// Validates an ID token as `validation` says: the provider's JWK set
/// fetched into `cache` first when it asks (nothing held, stale, or an
/// unknown `kid`), then every check of OpenID Connect Core 1.0 §3.1.3.7.
pub fn check_id_token(
    validation: &IdTokenValidation,
    cache: &mut JwksCache,
    transport: &Transport,
    now: impl Fn() -> u64,
) -> Result<IdTokenClaims, Error> {
    if let Some(request) = validation.keys_request(cache, now())? {
        let answer = transport.send(&request);
        validation.handle_keys_response(cache, now(), answer.as_ref().map_err(Clone::clone))?;
    }
    validation.finish(cache, now())
}

/// What a caller may want to see while a session renews its tokens.
pub trait SessionObserver {
    /// A renewal request went out and this came back.
    fn exchanged(&mut self, _request: &OutgoingRequest, _answer: Result<&HttpResponse, &Error>) {}
    /// Store this token set now (a rotated pair, a refresh token found dead).
    fn persist(&mut self, _tokens: &TokenSet) {}
}

/// Observes nothing.
impl SessionObserver for () {}

/// Hands a request's outcome to the session and passes on what to store.
/// `Ok`: poll again, the session has more to say (new tokens, or a way to
/// recover from the failure: a re-authentication after a refused
/// refresh). `Err`: the call ends with this failure.
fn complete(
    session: &mut Session,
    outgoing: &OutgoingRequest,
    answer: Result<HttpResponse, Error>,
    now: u64,
    observer: &mut dyn SessionObserver,
) -> Result<(), Error> {
    observer.exchanged(outgoing, answer.as_ref());
    let handled = match &answer {
        Ok(response) => session.handle_response(outgoing.id, now, response),
        Err(error) => session.handle_transport_error(outgoing.id, now, error),
    };
    if let Some(tokens) = session.poll_persist(now) {
        observer.persist(&tokens);
    }
    match handled {
        Err(error) if !session.wants_renewal(now) => Err(error),
        _ => Ok(()),
    }
}

/// Drives `session` at `now` until it hands out a token or fails, sending
/// what it asks for (a refused refresh and the re-authentication after it
/// in one call); single-threaded.
pub fn drive(
    session: &mut Session,
    transport: &Transport,
    now: u64,
    observer: &mut dyn SessionObserver,
) -> Result<AccessToken, Error> {
    loop {
        match session.poll_action(now) {
            SessionAction::UseToken(token) => return Ok(token),
            SessionAction::Stop(error) => return Err(error),
            SessionAction::Wait { .. } => return Err(session.wait_error()),
            SessionAction::Send(outgoing) => {
                let answer = transport.send(&outgoing.request);
                complete(session, &outgoing, answer, now, observer)?;
            }
        }
    }
}

/// Calls a closure with every token set to store.
struct PersistWith<'a>(&'a (dyn Fn(&TokenSet) + Send + Sync));

impl SessionObserver for PersistWith<'_> {
    fn persist(&mut self, tokens: &TokenSet) {
        (self.0)(tokens);
    }
}

/// A session many threads ask for a token. One of them sends a renewal
/// while the others keep the still-valid token or wait on a condition
/// variable; nothing is sent twice.
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
                SessionAction::Wait { .. } => return Err(session.wait_error()),
                SessionAction::Send(outgoing) => {
                    // Send without holding the lock: other threads keep
                    // using the current token or wait for this answer.
                    drop(session);
                    let answer = self.transport.send(&outgoing.request);
                    session = self.lock();
                    let mut persist = PersistWith(self.on_persist.as_ref());
                    let handled = complete(&mut session, &outgoing, answer, now(), &mut persist);
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

#[cfg(test)]
mod tests {
    use super::*;
    use authflowkit_core::{Client, Profile};
    use std::time::Duration;

    /// The session records a renewal that timed out as a timeout (kind
    /// `timeout`, action retry), keeps the refresh token and backs off.
    #[test]
    fn a_renewal_that_times_out_is_recorded_as_a_timeout() {
        let (_listener, url) = crate::transport::tests::silent_server();
        let profile = Profile::generic(None, &url).unwrap();
        let client = Client::new(profile, "client-1");
        let tokens = TokenSet::from_json(
            r#"{"v":1,"access_token":"at-123456","token_type":"Bearer","refresh_token":"rt-123456","issued_at":1,"expires_at":2}"#,
        )
        .unwrap();
        let mut session = crate::new_session(client, Some(tokens));
        let transport = Transport::new(Duration::from_millis(300));
        let error = drive(&mut session, &transport, 100, &mut ()).unwrap_err();
        assert_eq!(error.kind().as_str(), "timeout", "{error}");
        assert_eq!(error.action().as_str(), "retry", "{error}");
        assert_eq!(error.retry_after(), Some(1));
        let kept = session
            .token_set()
            .unwrap()
            .refresh_token()
            .map(|t| t.secret().to_owned());
        assert_eq!(kept.as_deref(), Some("rt-123456"));
    }
}

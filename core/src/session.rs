//! The session: a sans-IO state machine that keeps one connection's tokens
//! fresh, for any number of callers.

use crate::client::Client;
use crate::error::{Action, Error, ErrorKind, Result};
use crate::http::HttpResponse;
use crate::profile::{GrantType, Reauthentication};
use crate::secret::{AccessToken, RefreshToken};
use crate::token_info::TokenInfo;
use crate::token_set::TokenSet;

/// The longest back-off after repeated failures without `Retry-After`.
pub(crate) const MAX_BACKOFF: u64 = 300;

/// Seconds to wait after `failures` failures in a row: 1 s, doubling, up
/// to [`MAX_BACKOFF`].
fn backoff(failures: u32) -> u64 {
    1u64.checked_shl(failures.saturating_sub(1))
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF)
}

/// Bounds of the default refresh margin (a tenth of the token's lifetime).
const MIN_MARGIN: u64 = 30;
const MAX_MARGIN: u64 = 3 * 86_400;

/// Identifies a request the session handed out, so that its answer can be
/// matched and a late answer to a superseded request dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId(pub u64);

/// Why the session wants a request sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestPurpose {
    /// A refresh with the current refresh token.
    Refresh,
    /// New tokens without the user (client credentials, MakeShift's password grant).
    Reauthenticate,
}

/// A request the session wants sent; hand its outcome back with
/// [`Session::handle_response`] or [`Session::handle_transport_error`].
#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    /// Its id.
    pub id: RequestId,
    /// Why.
    pub purpose: RequestPurpose,
    /// The grant it carries.
    pub grant: GrantType,
    /// The HTTP request.
    pub request: crate::http::HttpRequest,
}

/// What a caller should do now.
#[derive(Debug, Clone)]
pub enum SessionAction {
    /// Use this access token (as `Authorization: Bearer …`).
    UseToken(AccessToken),
    /// Send this request, then hand the answer back. Only one caller gets
    /// it; the others get `UseToken` (while the current token is still
    /// valid) or `Wait`.
    Send(OutgoingRequest),
    /// No usable token yet: wait for the request in flight (`until: None`)
    /// or until the given time (a back-off after a failure), then ask again.
    Wait {
        /// When to ask again, if not at the in-flight request's completion.
        until: Option<u64>,
    },
    /// No token can be had without outside help; the error's
    /// [`Error::action`] says which (authorize again, fix the configuration).
    Stop(Error),
}

/// What handling an answer changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionUpdate {
    /// New tokens are in place (a rotated refresh token already replaced the
    /// old one); [`Session::poll_persist`] has them for storage.
    Renewed,
    /// The answer was for a request the session no longer waits for, and
    /// was dropped.
    Discarded,
}

/// What [`Session::poll_action`] decides before acting on it.
enum Plan {
    Use(AccessToken),
    Wait(Option<u64>),
    Stopped(Error),
    Renew,
    CannotRenew,
}

#[derive(Debug, Clone)]
struct InFlight {
    id: u64,
    purpose: RequestPurpose,
    grant: GrantType,
    /// Where a DPoP-proved request went and the nonce its proof carried,
    /// and whether it was already the one retry with a server's new nonce.
    #[cfg(feature = "dpop")]
    dpop: Option<(String, Option<String>, bool)>,
}

/// Keeps one connection's token set usable.
///
/// The contract, in the manner of a sans-IO protocol machine:
/// - **getters** (`&self`): [`Session::token_set`], [`Session::client`].
/// - **polls**: [`Session::poll_action`] answers "what now?" for a given
///   `now`; [`Session::poll_timeout`] says when the next proactive renewal
///   is due (for a scheduled job or a timer).
/// - [`Session::poll_persist`] gives the token set to store after every
///   change (new tokens, a refresh token found dead, a corrected expiry):
///   drain it after each handler, before using the new token elsewhere.
/// - **handlers**: [`Session::handle_response`] and
///   [`Session::handle_transport_error`] take the outcome of a request the
///   session handed out; [`Session::handle_unauthorized`] and
///   [`Session::apply_token_info`] take what an API said about the token.
///
/// A driver (the loop that sends what the session asks for) calls a handler,
/// drains [`Session::poll_persist`], then polls again within the same call
/// of its caller. A handler's error is the outcome of that request, not yet
/// of the call: when [`Session::wants_renewal`] says yes after it, the
/// session recovers on its own and the next poll hands out the request to
/// send (a refresh the provider refused, on a profile that can get tokens
/// without the user, is followed by a re-authentication), so the caller
/// gets a token, not the refusal. Otherwise the call ends with that error.
/// Nothing loops: a retryable failure allows the next renewal no sooner
/// than a second later (`Retry-After` is held between
/// [`crate::RETRY_AFTER_FLOOR`] and [`crate::RETRY_AFTER_CEILING`]), a
/// refused refresh leads to at most one re-authentication, a refused
/// re-authentication stops the session (fix the configuration), and new
/// tokens that are already expired count as a failed renewal.
///
/// Guarantees: at most one renewal request is outstanding, whatever the
/// number of callers (single-flight); a rotated refresh token replaces the
/// old one before any caller sees the new access token; a refresh token that
/// was replaced or refused is never sent again; an answer to a superseded
/// request is dropped. Renewal starts a margin before expiry: a tenth of the
/// token's lifetime, between 30 s and 3 days, unless set: Makini's 30-day
/// tokens renew from day 27, so a daily job that fails twice still renews
/// before the 31-day refresh token dies. No margin, set or default, exceeds
/// half the lifetime, so a fresh token is never due at once.
#[derive(Debug, Clone)]
pub struct Session {
    client: Client,
    tokens: Option<TokenSet>,
    in_flight: Option<InFlight>,
    next_id: u64,
    retry_at: Option<u64>,
    failures: u32,
    renew_now: bool,
    stopped: Option<Error>,
    authorization_lost: Option<Error>,
    refresh_margin: Option<u64>,
    unsaved: bool,
    /// The caller failed to store the current set this many times running
    /// ([`Session::persist_failed`]).
    persist_failures: u32,
    /// When [`Session::poll_persist`] hands out the set that failed to store.
    persist_retry_at: Option<u64>,
    last_error: Option<Error>,
    /// Where the entropy of a signing client's renewals comes from
    /// ([`Session::with_entropy`]).
    #[cfg(feature = "signed-requests")]
    entropy: Option<crate::client_assertion::AssertionEntropy>,
    /// The servers' DPoP nonces (RFC 9449 §8, §9) for the proofs of its
    /// renewals and of the caller's API requests.
    #[cfg(feature = "dpop")]
    dpop_nonces: crate::dpop::DpopNonces,
    /// The next renewal is the one retry a server's `use_dpop_nonce` earns.
    #[cfg(feature = "dpop")]
    dpop_retry_next: bool,
}

impl Session {
    /// A session for `client`, starting from stored tokens or none (then a
    /// client-credentials or password flow authenticates on first use).
    /// A DPoP client's nonces ([`Client::with_dpop_nonces`]) are the
    /// session's first.
    pub fn new(client: Client, tokens: Option<TokenSet>) -> Session {
        #[cfg(feature = "dpop")]
        let dpop_nonces = client.held_dpop_nonces();
        Session {
            client,
            tokens,
            in_flight: None,
            next_id: 1,
            retry_at: None,
            failures: 0,
            renew_now: false,
            stopped: None,
            authorization_lost: None,
            refresh_margin: None,
            unsaved: false,
            persist_failures: 0,
            persist_retry_at: None,
            last_error: None,
            #[cfg(feature = "signed-requests")]
            entropy: None,
            #[cfg(feature = "dpop")]
            dpop_nonces,
            #[cfg(feature = "dpop")]
            dpop_retry_next: false,
        }
    }

    /// Gives the session the entropy its renewals need when the client
    /// signs its authentication (`private_key_jwt`, `client_secret_jwt`:
    /// [`Client::at`]; DPoP proofs): bytes from a cryptographically secure
    /// source, taken once and stretched with ChaCha20. Without it, such a
    /// client's renewal fails with a configuration error.
    #[cfg(feature = "signed-requests")]
    pub fn with_entropy(mut self, seed: &[u8; crate::ASSERTION_ENTROPY_LEN]) -> Session {
        self.entropy = Some(crate::client_assertion::AssertionEntropy::new(seed));
        self
    }

    /// The client for a renewal built at `now`: through [`Client::at`]
    /// when it signs its authentication.
    fn client_at(&mut self, now: u64) -> Result<std::borrow::Cow<'_, Client>> {
        #[cfg(feature = "signed-requests")]
        {
            let client = crate::client_assertion::AssertionEntropy::client_at(
                self.entropy.as_mut(),
                &self.client,
                now,
                "Session::with_entropy",
            )?;
            // The nonces servers gave, for the renewal's proof.
            #[cfg(feature = "dpop")]
            let client = match client {
                std::borrow::Cow::Owned(client) => {
                    std::borrow::Cow::Owned(client.with_dpop_nonces(&self.dpop_nonces))
                }
                borrowed => borrowed,
            };
            Ok(client)
        }
        #[cfg(not(feature = "signed-requests"))]
        {
            let _ = now;
            Ok(std::borrow::Cow::Borrowed(&self.client))
        }
    }

    /// The client for a request the caller builds at `now` with the
    /// session's token (an API call): [`Client::at`] with entropy from the
    /// session's, and the servers' DPoP nonces the session holds. A client
    /// that signs nothing is returned as it is.
    pub fn client_for_request(&mut self, now: u64) -> Result<Client> {
        self.client_at(now).map(std::borrow::Cow::into_owned)
    }

    /// The DPoP nonces servers gave (RFC 9449 §8, §9), for the proofs of
    /// the requests the caller builds.
    #[cfg(feature = "dpop")]
    pub fn dpop_nonces(&self) -> &crate::dpop::DpopNonces {
        &self.dpop_nonces
    }

    /// Takes the answer to a DPoP-proved `request` the caller sent (an API
    /// call with the session's token): keeps the server's `DPoP-Nonce`,
    /// and returns whether the server asked for it (RFC 9449 §9), so that
    /// the request is worth building anew and sending once more. Renewals'
    /// answers are read in [`Session::handle_response`].
    #[cfg(feature = "dpop")]
    pub fn handle_dpop_response(
        &mut self,
        request: &crate::http::HttpRequest,
        response: &HttpResponse,
    ) -> bool {
        self.dpop_nonces.handle_response(request, response)
    }

    /// Renews this many seconds before expiry instead of the default margin.
    pub fn with_refresh_margin(mut self, seconds: u64) -> Session {
        self.refresh_margin = Some(seconds);
        self
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The current token set.
    pub fn token_set(&self) -> Option<&TokenSet> {
        self.tokens.as_ref()
    }

    /// The token set to store at `now`: once after each change, and again
    /// once the back-off after [`Session::persist_failed`] has passed;
    /// `None` otherwise. A dropped refresh token counts as a change:
    /// storing it keeps a restarted process from sending it again.
    pub fn poll_persist(&mut self, now: u64) -> Option<TokenSet> {
        if self.persist_retry_at.is_some_and(|at| now >= at) {
            self.persist_retry_at = None;
            self.unsaved = true;
        }
        if std::mem::take(&mut self.unsaved) {
            self.tokens.clone()
        } else {
            None
        }
    }

    /// The caller could not store the set [`Session::poll_persist`] last
    /// handed out (the store was down at `now`): it is handed out again
    /// after a back-off, 1 s doubling up to five minutes, until stored or
    /// superseded. A rotated refresh token kept only in memory is lost with
    /// the process, and a process that renews from the stored copy sends a
    /// refresh token already rotated, which a provider may take for a
    /// replay and revoke the grant (RFC 9700 §4.14.2). Nothing to do when
    /// a newer set is already waiting to be handed out.
    pub fn persist_failed(&mut self, now: u64) {
        if self.unsaved {
            return;
        }
        self.persist_failures = self.persist_failures.saturating_add(1);
        self.persist_retry_at = Some(now.saturating_add(backoff(self.persist_failures)));
    }

    /// The failure behind the current back-off, if any: what a caller told
    /// to [`SessionAction::Wait`] until a time can report.
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }

    /// What to tell a caller the session asked to [`SessionAction::Wait`]
    /// and that cannot wait: the failure behind a back-off, or that a
    /// renewal is in flight.
    pub fn wait_error(&self) -> Error {
        self.last_error.clone().unwrap_or_else(|| {
            Error::new(ErrorKind::TemporarilyUnavailable, "a renewal is in flight")
        })
    }

    /// Whether a renewal request is outstanding.
    pub fn is_renewing(&self) -> bool {
        self.in_flight.is_some()
    }

    /// What to do at `now`.
    pub fn poll_action(&mut self, now: u64) -> SessionAction {
        match self.plan(now) {
            Plan::Use(token) => SessionAction::UseToken(token),
            Plan::Wait(until) => SessionAction::Wait { until },
            Plan::Stopped(error) => SessionAction::Stop(error),
            Plan::Renew => match self.renewal_request(now) {
                Ok(outgoing) => {
                    #[cfg(feature = "dpop")]
                    let retry = std::mem::take(&mut self.dpop_retry_next);
                    self.in_flight = Some(InFlight {
                        id: outgoing.id.0,
                        purpose: outgoing.purpose,
                        grant: outgoing.grant,
                        #[cfg(feature = "dpop")]
                        dpop: outgoing.request.header("DPoP").map(|proof| {
                            (
                                outgoing.request.url.clone(),
                                crate::dpop::proof_nonce(proof),
                                retry,
                            )
                        }),
                    });
                    SessionAction::Send(outgoing)
                }
                Err(error) => {
                    self.stopped = Some(error.clone());
                    SessionAction::Stop(error)
                }
            },
            Plan::CannotRenew => {
                let error = self.authorization_required();
                self.stopped = Some(error.clone());
                SessionAction::Stop(error)
            }
        }
    }

    /// Whether [`Session::poll_action`] at `now` would hand out a renewal
    /// request. Changes nothing: a caller that must first arrange something
    /// (a lease shared by processes, see [`crate::fleet`]) asks this, then
    /// polls.
    pub fn wants_renewal(&self, now: u64) -> bool {
        matches!(self.plan(now), Plan::Renew)
    }

    /// Replaces the token set with one another process stored (already
    /// persisted, so [`Session::poll_persist`] does not return it). What
    /// this session learnt about the old tokens (a back-off, a refused
    /// refresh token) no longer applies and is forgotten, except a 401 for
    /// an access token the new set still holds; a request still in flight
    /// is superseded and its answer will be discarded.
    pub fn adopt(&mut self, tokens: Option<TokenSet>) {
        let same_access = match (&self.tokens, &tokens) {
            (Some(old), Some(new)) => old.access_token == new.access_token,
            _ => false,
        };
        self.tokens = tokens;
        self.in_flight = None;
        self.retry_at = None;
        self.failures = 0;
        self.renew_now = self.renew_now && same_access;
        self.stopped = None;
        self.authorization_lost = None;
        self.unsaved = false;
        self.persist_failures = 0;
        self.persist_retry_at = None;
        self.last_error = None;
    }

    /// The decision behind [`Session::poll_action`], without its effects.
    fn plan(&self, now: u64) -> Plan {
        if let Some(error) = &self.stopped {
            return Plan::Stopped(error.clone());
        }
        let usable = self.usable_token(now);
        if self.in_flight.is_some() {
            return usable.map_or(Plan::Wait(None), Plan::Use);
        }
        if !self.renewal_due(now) {
            if let Some(token) = usable {
                return Plan::Use(token);
            }
        }
        if let Some(at) = self.retry_at.filter(|at| now < *at) {
            return usable.map_or(Plan::Wait(Some(at)), Plan::Use);
        }
        if self.usable_refresh_token(now).is_some()
            || self.client.profile().reauthentication() != Reauthentication::Never
        {
            return Plan::Renew;
        }
        // Nothing can renew it, but it still works until it expires.
        usable.map_or(Plan::CannotRenew, Plan::Use)
    }

    /// When the session next needs to act (Unix seconds): the proactive
    /// renewal time, the end of a back-off, or the expiry of a token that
    /// cannot be renewed. `None`: nothing is scheduled (stopped, waiting for
    /// an answer, or a token without known expiry).
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.stopped.is_some() || self.in_flight.is_some() {
            return None;
        }
        if let Some(at) = self.retry_at {
            return Some(at);
        }
        let Some(tokens) = &self.tokens else {
            return Some(0);
        };
        if self.renew_now {
            return Some(0);
        }
        if self.can_renew(tokens) {
            self.renewal_time(tokens)
        } else {
            // Nothing can renew it: the next event is its expiry.
            tokens.expires_at
        }
    }

    /// Whether the session has a way to renew `tokens` without the user.
    fn can_renew(&self, tokens: &TokenSet) -> bool {
        let profile = self.client.profile();
        (tokens.refresh_token.is_some() && profile.supports_refresh())
            || profile.reauthentication() != Reauthentication::Never
    }

    /// A refresh's token set with the ID token it may hold replaced by
    /// `previous`'s, for an OpenID Provider: a session cannot fetch the
    /// provider's keys to check a new one (OpenID Connect Core 1.0 §12.2),
    /// so it keeps the login's, checked when it came, and nothing
    /// unchecked ever reads as the user's claims. `Client::refresh` with
    /// `Client::id_token_after_refresh` is the way to a new one.
    fn keep_checked_id_token(&self, tokens: TokenSet, previous: &TokenSet) -> TokenSet {
        #[cfg(feature = "openid-claims")]
        if self.client.profile().is_openid() {
            return TokenSet {
                id_token: previous.id_token.clone(),
                ..tokens
            };
        }
        #[cfg(not(feature = "openid-claims"))]
        let _ = (self, previous);
        tokens
    }

    /// Takes the answer to request `id`, received at `now`.
    pub fn handle_response(
        &mut self,
        id: RequestId,
        now: u64,
        response: &HttpResponse,
    ) -> Result<SessionUpdate> {
        let Some(flight) = self.take_in_flight(id) else {
            return Ok(SessionUpdate::Discarded);
        };
        // RFC 9449 §8: keep the server's nonce; a demand for one is met by
        // one more request with it, at once, not counted as a failure. A
        // demand after that one retry is a failure to retry after the
        // back-off (the nonce may have turned over meanwhile), not a
        // refusal of the grant: the tokens stay.
        #[cfg(feature = "dpop")]
        let nonce_again = flight.dpop.is_some() && crate::dpop::asks_for_nonce(response);
        #[cfg(not(feature = "dpop"))]
        let nonce_again = false;
        #[cfg(feature = "dpop")]
        if let Some((url, sent, retried)) = &flight.dpop {
            if self.dpop_nonces.record(url, sent.as_deref(), response) && !retried {
                self.dpop_retry_next = true;
                return Err(self
                    .client
                    .error_from_response(
                        crate::profile::ResponseSource::Token(flight.grant),
                        now,
                        response,
                    )
                    .with_action(Action::Retry));
            }
        }
        let parsed = match (&flight.purpose, &self.tokens) {
            (RequestPurpose::Refresh, Some(previous)) => self
                .client
                .parse_refresh_response(now, response, previous)
                .map(|tokens| self.keep_checked_id_token(tokens, previous)),
            (_, previous) => self
                .client
                .parse_token_response(flight.grant, now, response)
                .map(|mut tokens| {
                    // Re-authenticating renews this connection too: its
                    // answer succeeds the set it replaces, so that copies
                    // of the two are ordered without clocks.
                    if let Some(previous) = previous {
                        tokens.continue_from(previous);
                    }
                    tokens
                }),
        };
        match parsed {
            Ok(tokens) => {
                let dead_on_arrival = !tokens.is_access_valid(now);
                // Kept even when dead on arrival: a rotated refresh token in
                // it is the only live one.
                self.tokens = Some(tokens);
                self.changed();
                self.retry_at = None;
                self.renew_now = false;
                self.authorization_lost = None;
                self.last_error = None;
                if dead_on_arrival {
                    // Renewing again at once would loop as fast as the
                    // provider answers: back off as after any failure.
                    let error = Error::invalid_response(
                        "the provider issued an access token that has already expired",
                    );
                    return Err(self.on_failure(flight.purpose, now, error));
                }
                self.failures = 0;
                Ok(SessionUpdate::Renewed)
            }
            Err(error) if nonce_again => {
                Err(self.on_failure(flight.purpose, now, error.with_action(Action::Retry)))
            }
            Err(error) => Err(self.on_failure(flight.purpose, now, error)),
        }
    }

    /// Takes the news that request `id` got no answer: `failure` is the
    /// transport's error (connection refused or dropped: any kind; timed
    /// out: [`ErrorKind::Timeout`], kept as such). The refresh token is
    /// kept; the error says when to retry.
    pub fn handle_transport_error(
        &mut self,
        id: RequestId,
        now: u64,
        failure: &Error,
    ) -> Result<SessionUpdate> {
        let Some(flight) = self.take_in_flight(id) else {
            return Ok(SessionUpdate::Discarded);
        };
        Err(self.on_failure(flight.purpose, now, Error::from_transport(failure)))
    }

    /// Takes an API's 401 for `token`: if it is still the current token, it
    /// is renewed on the next poll, whatever its recorded expiry.
    pub fn handle_unauthorized(&mut self, token: &AccessToken) {
        if self.is_current(token) {
            self.renew_now = true;
        }
    }

    /// Corrects the current token's expiry from a token-info answer
    /// (MakeShift's `expires_in_seconds`) received at `now` for `token`.
    /// Returns whether the token set changed ([`Session::poll_persist`] then has it).
    pub fn apply_token_info(&mut self, now: u64, token: &AccessToken, info: &TokenInfo) -> bool {
        if !self.is_current(token) {
            return false;
        }
        let corrected = match (self.tokens.as_mut(), info.expires_at(now)) {
            (Some(tokens), Some(at)) if tokens.expires_at != Some(at) => {
                tokens.expires_at = Some(at);
                true
            }
            _ => false,
        };
        if corrected {
            self.changed();
        }
        corrected
    }

    fn is_current(&self, token: &AccessToken) -> bool {
        self.tokens
            .as_ref()
            .is_some_and(|t| &t.access_token == token)
    }

    fn take_in_flight(&mut self, id: RequestId) -> Option<InFlight> {
        if self.in_flight.as_ref().is_some_and(|f| f.id == id.0) {
            self.in_flight.take()
        } else {
            None
        }
    }

    fn usable_token(&self, now: u64) -> Option<AccessToken> {
        let tokens = self.tokens.as_ref()?;
        (tokens.is_access_valid(now) && !self.renew_now).then(|| tokens.access_token.clone())
    }

    fn renewal_due(&self, now: u64) -> bool {
        match &self.tokens {
            None => true,
            Some(_) if self.renew_now => true,
            Some(tokens) => self.renewal_time(tokens).is_some_and(|at| now >= at),
        }
    }

    /// When renewal is due: a margin before the access token expires, or
    /// before the refresh token does if that comes first.
    fn renewal_time(&self, tokens: &TokenSet) -> Option<u64> {
        let before = |expiry: u64| {
            let lifetime = expiry.saturating_sub(tokens.issued_at);
            let margin = self
                .refresh_margin
                .unwrap_or_else(|| (lifetime / 10).clamp(MIN_MARGIN, MAX_MARGIN))
                // A margin as long as the lifetime would make every new
                // token due at once: renew no earlier than half-way.
                .min(lifetime / 2);
            expiry.saturating_sub(margin)
        };
        let access = tokens.expires_at.map(before);
        let refresh = tokens
            .refresh_token
            .as_ref()
            .and(tokens.refresh_expires_at)
            .map(before);
        match (access, refresh) {
            (Some(a), Some(r)) => Some(a.min(r)),
            (a, r) => a.or(r),
        }
    }

    /// The refresh token to renew with at `now`, if the flow refreshes.
    fn usable_refresh_token(&self, now: u64) -> Option<&RefreshToken> {
        self.tokens
            .as_ref()
            .filter(|t| t.can_refresh(now) && self.client.profile().supports_refresh())
            .and_then(|t| t.refresh_token.as_ref())
    }

    /// The request that renews the tokens: a refresh when a refresh token
    /// is usable, else a re-authentication ([`Session::plan`] checked that
    /// one of them applies).
    fn renewal_request(&mut self, now: u64) -> Result<OutgoingRequest> {
        let refresh_token = self.usable_refresh_token(now).cloned();
        let built = self.client_at(now).and_then(|client| match &refresh_token {
            Some(refresh_token) => client
                .refresh_request(refresh_token)
                .map(|request| (RequestPurpose::Refresh, GrantType::RefreshToken, request)),
            None => client
                .reauthentication_request()
                .map(|(grant, request)| (RequestPurpose::Reauthenticate, grant, request)),
        });
        let id = self.next_id;
        self.next_id += 1;
        built.map(|(purpose, grant, request)| OutgoingRequest {
            id: RequestId(id),
            purpose,
            grant,
            request,
        })
    }

    /// Records a failed renewal (a request sent for `purpose`) and says what
    /// the caller should know.
    fn on_failure(&mut self, purpose: RequestPurpose, now: u64, error: Error) -> Error {
        if error.action() == Action::Retry {
            self.failures = self.failures.saturating_add(1);
            let backoff = backoff(self.failures);
            // `Retry-After` was held between its floor and ceiling when
            // read, so a retry is never due at the `now` of the failure.
            let delay = error.retry_after().unwrap_or(backoff);
            self.retry_at = Some(now.saturating_add(delay));
            let error = error.with_retry_after(Some(delay));
            self.last_error = Some(error.clone());
            return error;
        }
        let reauthenticates = self.client.profile().reauthentication() != Reauthentication::Never;
        match (purpose, error.action()) {
            // Refused, whatever the code: Makini Admin answers an expired
            // refresh token with 401 and any code (seed 004), and for every
            // provider new credentials-based tokens settle it. Should the
            // client itself be refused, the re-authentication says so.
            (RequestPurpose::Refresh, _) if reauthenticates => {
                self.drop_refresh_token();
                error.with_action(Action::Reauthenticate)
            }
            (RequestPurpose::Refresh, Action::Reauthenticate | Action::AuthorizeAgain) => {
                self.drop_refresh_token();
                self.authorization_lost = Some(error.clone());
                error
            }
            // The credentials themselves were refused: asking again would
            // loop, and only new configuration helps.
            (RequestPurpose::Reauthenticate, action) if action != Action::Report => {
                let error = error.with_action(Action::FixConfiguration);
                self.stopped = Some(error.clone());
                error
            }
            _ => {
                self.stopped = Some(error.clone());
                error
            }
        }
    }

    /// The token set changed: it is to be stored at the next
    /// [`Session::poll_persist`], and the back-off of a set that failed to
    /// store starts over with it.
    fn changed(&mut self) {
        self.unsaved = true;
        self.persist_failures = 0;
        self.persist_retry_at = None;
    }

    /// Forgets a refresh token the provider refused: it is dead, and sending
    /// it again would look like a replay (RFC 9700 §4.14).
    fn drop_refresh_token(&mut self) {
        let dropped = self.tokens.as_mut().is_some_and(|tokens| {
            tokens.refresh_expires_at = None;
            tokens.refresh_token.take().is_some()
        });
        if dropped {
            self.changed();
        }
        self.retry_at = None;
    }

    fn authorization_required(&self) -> Error {
        self.authorization_lost.clone().unwrap_or_else(|| {
            #[cfg(feature = "confidential")]
            if self.tokens.is_none() && self.client.client_secret().is_some() {
                // The likely mistake: a service meant to use its own
                // credentials, configured without saying so.
                return Error::new(
                    ErrorKind::AuthorizationRequired,
                    "no token yet, and this flow needs the user to authorize; a client acting on \
                     its own behalf gets tokens with client credentials: set that grant (the \
                     profile's reauthentication) in its configuration",
                );
            }
            Error::new(
                ErrorKind::AuthorizationRequired,
                "no usable token, and this flow needs the user to authorize again",
            )
        })
    }
}

#[cfg(all(test, feature = "openid-claims"))]
mod tests {
    use super::*;
    use crate::profile::{GrantType, Profile};

    fn token_response(id_token: &str) -> HttpResponse {
        let body = format!(
            r#"{{"access_token":"at-{id_token}","token_type":"Bearer","expires_in":60,"refresh_token":"rt-{id_token}","id_token":"{id_token}"}}"#
        );
        HttpResponse::new(200, vec![], body.into_bytes())
    }

    /// A session of a generic provider's client holding a set issued at
    /// 1000 for 60 s.
    fn session_of_expired_set() -> Session {
        let profile = Profile::generic(None, "https://op.example/token").expect("a profile");
        let client = Client::new(profile, "rp-1");
        let first = client
            .parse_token_response(GrantType::AuthorizationCode, 1000, &token_response("one"))
            .expect("a token set");
        Session::new(client, Some(first))
    }

    /// Renews `session`'s set at `now` with the answer of [`token_response`].
    fn renew(session: &mut Session, now: u64, id_token: &str) {
        let SessionAction::Send(out) = session.poll_action(now) else {
            panic!("an expired token is refreshed");
        };
        session
            .handle_response(out.id, now, &token_response(id_token))
            .expect("renewed");
    }

    /// A set the caller failed to store is handed out again after a
    /// back-off that doubles; a newer set is handed out at once and starts
    /// the back-off over; a set another process stored cancels the retry.
    #[test]
    fn a_set_that_failed_to_store_is_handed_out_again_after_a_back_off() {
        let mut session = session_of_expired_set();
        let stored = |session: &mut Session, now: u64| {
            session
                .poll_persist(now)
                .map(|tokens| tokens.access_token().secret().to_owned())
        };
        assert_eq!(stored(&mut session, 1000), None, "nothing changed yet");
        renew(&mut session, 2000, "two");
        assert_eq!(stored(&mut session, 2000).as_deref(), Some("at-two"));
        assert_eq!(stored(&mut session, 2000), None, "handed out once");

        session.persist_failed(2000);
        assert_eq!(stored(&mut session, 2000), None, "not before the back-off");
        assert_eq!(stored(&mut session, 2001).as_deref(), Some("at-two"));
        session.persist_failed(2001);
        assert_eq!(stored(&mut session, 2002), None, "the back-off doubled");
        assert_eq!(stored(&mut session, 2003).as_deref(), Some("at-two"));
        assert_eq!(stored(&mut session, 9999), None, "stored: no more retries");
        for failures in 0..20 {
            assert_eq!(stored(&mut session, 10_000 + failures * 300), None);
            session.persist_failed(10_000 + failures * 300);
            assert_eq!(
                stored(&mut session, 10_000 + (failures + 1) * 300).as_deref(),
                Some("at-two"),
                "never longer than {MAX_BACKOFF} s"
            );
        }

        session.persist_failed(20_000);
        renew(&mut session, 20_000, "three");
        assert_eq!(stored(&mut session, 20_000).as_deref(), Some("at-three"));
        session.persist_failed(20_000);
        assert_eq!(
            stored(&mut session, 20_001).as_deref(),
            Some("at-three"),
            "a new set's back-off starts at 1 s"
        );

        session.persist_failed(20_001);
        session.adopt(session.token_set().cloned());
        assert_eq!(
            stored(&mut session, 30_000),
            None,
            "another process stored it"
        );
    }

    /// A set that changed after it was handed out is not held back by the
    /// failure to store the older one.
    #[test]
    fn a_failure_to_store_an_older_set_does_not_delay_the_newer() {
        let mut session = session_of_expired_set();
        renew(&mut session, 2000, "two");
        assert!(session.poll_persist(2000).is_some());
        let token = session.token_set().unwrap().access_token().clone();
        let info = TokenInfo {
            expires_in_seconds: Some(30),
            ..TokenInfo::default()
        };
        assert!(session.apply_token_info(2000, &token, &info));
        session.persist_failed(2000);
        assert!(
            session.poll_persist(2000).is_some(),
            "the newer set at once"
        );
        assert!(
            session.poll_persist(2001).is_none(),
            "the newer set was stored: the older's failure asks for nothing"
        );
    }

    /// A session's refresh keeps the login's ID token at an OpenID
    /// Provider, whatever the refresh brought; elsewhere it takes the new.
    #[test]
    fn a_refresh_in_a_session_keeps_the_checked_id_token() {
        for openid in [true, false] {
            let profile = Profile::generic(None, "https://op.example/token")
                .unwrap()
                .with_openid(openid);
            let client = Client::new(profile, "rp-1");
            let first = client
                .parse_token_response(
                    GrantType::AuthorizationCode,
                    1000,
                    &token_response("login.id.token"),
                )
                .unwrap();
            let mut session = Session::new(client, Some(first));
            let SessionAction::Send(out) = session.poll_action(2000) else {
                panic!("an expired token is refreshed");
            };
            session
                .handle_response(out.id, 2000, &token_response("refresh.id.token"))
                .unwrap();
            let tokens = session.token_set().unwrap();
            assert_eq!(tokens.access_token().secret(), "at-refresh.id.token");
            let kept = tokens.id_token().map(|t| t.secret().to_owned());
            let expected = if openid {
                "login.id.token"
            } else {
                "refresh.id.token"
            };
            assert_eq!(kept.as_deref(), Some(expected), "openid: {openid}");
        }
    }
}

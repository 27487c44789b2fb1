//! The OAuth 2.0 Device Authorization Grant (RFC 8628): the device
//! authorization request (§3.1), its response (§3.2), and the polling of
//! the token endpoint (§3.4, §3.5) as a sans-IO state machine,
//! [`DevicePoll`], in the manner of [`crate::Session`].

use crate::client::{param, Client};
use crate::clock::server_skew;
use crate::endpoint::Endpoint;
use crate::error::{Action, Error, ErrorKind, ProviderError, Result};
use crate::error_response::body_kind;
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{self, Object, Shallow};
use crate::profile::{EndpointRole, GrantType, ResponseSource};
use crate::secret::{DeviceCode, UserCode};
use crate::session::{RequestId, MAX_BACKOFF};
use crate::syntax::is_printable;
use crate::token_response::seconds_field;
use crate::token_set::TokenSet;

/// The polling interval when the provider gives none (RFC 8628 §3.2).
pub const DEFAULT_INTERVAL: u64 = 5;
/// What each `slow_down` adds to the interval (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP: u64 = 5;

/// What the provider answered to a device authorization request (RFC 8628
/// §3.2), with its times made absolute in this machine's clock.
///
/// `Debug` redacts both codes and `verification_uri_complete`, which
/// carries the user code.
#[derive(Clone)]
pub struct DeviceAuthorization {
    /// The device code, sent with every token request; never shown.
    pub device_code: DeviceCode,
    /// The code the user types at the verification URI; show it to the
    /// user and nobody else.
    pub user_code: UserCode,
    /// Where the user goes to enter the user code.
    pub verification_uri: String,
    /// The verification URI with the user code in it (for a QR code), if
    /// the provider sent one (RFC 8628 §3.3.1).
    pub verification_uri_complete: Option<String>,
    /// When the answer was received (this machine's clock, Unix seconds):
    /// it counts as the last request, so the first poll comes an interval
    /// later.
    pub received_at: u64,
    /// When the device code expires (this machine's clock, Unix seconds):
    /// `expires_in` after `received_at`.
    pub expires_at: u64,
    /// Seconds to wait between token requests: `interval`, or 5 when the
    /// provider gives none (RFC 8628 §3.2), at least 1.
    pub interval: u64,
    /// How far the provider's clock is ahead of ours, from its `Date`
    /// header (0 without one); kept for the record, as token sets keep it.
    pub clock_skew: i64,
    /// Every other member of the answer.
    pub extra: Object,
}

impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("device_code", &self.device_code)
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field(
                "verification_uri_complete",
                &self
                    .verification_uri_complete
                    .as_ref()
                    .map(|_| "[redacted]"),
            )
            .field("received_at", &self.received_at)
            .field("expires_at", &self.expires_at)
            .field("interval", &self.interval)
            .field("clock_skew", &self.clock_skew)
            .finish_non_exhaustive()
    }
}

/// A device authorization response's members, read in one pass.
#[derive(Default)]
struct DeviceMembers<'a> {
    device_code: Option<Shallow<'a>>,
    user_code: Option<Shallow<'a>>,
    verification_uri: Option<Shallow<'a>>,
    verification_uri_complete: Option<Shallow<'a>>,
    expires_in: Option<Shallow<'a>>,
    interval: Option<Shallow<'a>>,
    extra: Object,
}

impl<'a> DeviceMembers<'a> {
    /// Reads a body that must be a JSON object without a repeated member.
    fn read(body: &'a [u8]) -> Option<DeviceMembers<'a>> {
        let mut members = DeviceMembers::default();
        json::read_object(body, &mut |name, value| {
            let slot = match &*name {
                "device_code" => &mut members.device_code,
                "user_code" => &mut members.user_code,
                "verification_uri" => &mut members.verification_uri,
                "verification_uri_complete" => &mut members.verification_uri_complete,
                "expires_in" => &mut members.expires_in,
                "interval" => &mut members.interval,
                _ => {
                    return members
                        .extra
                        .insert(name.into_owned(), value.into_value())
                        .is_none()
                        .then_some(());
                }
            };
            json::fill(slot, value)
        })?;
        Some(members)
    }
}

impl Drop for DeviceMembers<'_> {
    /// Wipes a code the reader had to copy (it had escapes).
    fn drop(&mut self) {
        for slot in [
            &mut self.device_code,
            &mut self.user_code,
            &mut self.verification_uri_complete,
        ] {
            slot.take().map(json::wipe);
        }
    }
}

/// A required non-empty string member of printable characters (the codes
/// are sent on and shown; a control character in either is no code).
fn code_member<'b>(name: &str, value: Option<&'b Shallow>) -> Result<&'b str> {
    match value {
        Some(Shallow::String(code)) if !code.is_empty() && is_printable(code) => Ok(code),
        Some(Shallow::String(_)) => Err(Error::invalid_response(format!(
            "{name} is empty or holds a control character"
        ))),
        None | Some(Shallow::Null) => Err(Error::invalid_response(format!(
            "the device authorization response has no {name}"
        ))),
        Some(_) => Err(Error::invalid_response(format!("{name} is not a string"))),
    }
}

/// A verification URI: where the user signs in, so `https` (or `http` to a
/// loopback address, for a server on this machine) as every endpoint
/// (RFC 6749 §3.1, RFC 8628 §3.2). The message names the member only:
/// `verification_uri_complete` holds the user code.
fn uri_member(name: &str, value: Option<&Shallow>) -> Result<Option<String>> {
    match value {
        None | Some(Shallow::Null) => Ok(None),
        Some(Shallow::String(uri)) if Endpoint::parse(name, uri).is_ok() => {
            Ok(Some(uri.to_string()))
        }
        Some(_) => Err(Error::invalid_response(format!(
            "{name} is not an https URL (or http to a loopback address)"
        ))),
    }
}

impl Client {
    /// The device authorization request (RFC 8628 §3.1): a `POST` to the
    /// profile's device authorization endpoint with the client's scopes,
    /// authenticated as the token requests are (`client_id` in the body
    /// unless HTTP Basic carries it, RFC 8628 §3.1, RFC 6749 §2.3.1).
    pub fn device_authorization_request(&self) -> Result<HttpRequest> {
        let endpoint = self
            .profile()
            .required_endpoint(EndpointRole::DeviceAuthorization)?;
        let mut params = Vec::new();
        if let Some(scope) = Client::scope_param(self.scopes())? {
            params.push(param("scope", &scope));
        }
        // Like an authorization request, it asks for a grant: for the
        // client's resources (RFC 8707 §2.1), if it names any.
        #[cfg(feature = "resources")]
        self.push_resources(&mut params);
        self.authenticated_post(endpoint, params, self.profile().body_encoding())
    }

    /// Reads the device authorization response (RFC 8628 §3.2) received at
    /// `now`. Required: `device_code`, `user_code`, `verification_uri`,
    /// `expires_in`; `interval` defaults to 5 s. `expires_in` and
    /// `interval` are durations from the answer, so they are added to
    /// `now` (our clock) and the provider's clock does not enter; the skew
    /// its `Date` shows is recorded. Errors never quote the codes.
    pub fn parse_device_authorization_response(
        &self,
        now: u64,
        response: &HttpResponse,
    ) -> Result<DeviceAuthorization> {
        if !(200..300).contains(&response.status) {
            return Err(self.error_from_response(ResponseSource::TokenManagement, now, response));
        }
        let Some(mut body) = DeviceMembers::read(&response.body) else {
            return Err(Error::invalid_response(format!(
                "the device authorization response (status {}) is {}",
                response.status,
                body_kind(response)
            ))
            .with_status(response.status));
        };
        if matches!(body.extra.get("error"), Some(json::Value::String(_))) {
            return Err(self.error_from_response(ResponseSource::TokenManagement, now, response));
        }
        let device_code = code_member("device_code", body.device_code.as_ref())?;
        let user_code = code_member("user_code", body.user_code.as_ref())?;
        let verification_uri = uri_member("verification_uri", body.verification_uri.as_ref())?
            .ok_or_else(|| {
                Error::invalid_response("the device authorization response has no verification_uri")
            })?;
        let verification_uri_complete = uri_member(
            "verification_uri_complete",
            body.verification_uri_complete.as_ref(),
        )?;
        let expires_in =
            seconds_field("expires_in", body.expires_in.as_ref())?.ok_or_else(|| {
                Error::invalid_response("the device authorization response has no expires_in")
            })?;
        // A zero interval would poll in a tight loop: at least a second.
        let interval = seconds_field("interval", body.interval.as_ref())?
            .unwrap_or(DEFAULT_INTERVAL)
            .max(1);
        Ok(DeviceAuthorization {
            device_code: DeviceCode::new(device_code),
            user_code: UserCode::new(user_code),
            verification_uri,
            verification_uri_complete,
            received_at: now,
            expires_at: now.saturating_add(expires_in),
            interval,
            clock_skew: server_skew(response, now),
            extra: std::mem::take(&mut body.extra),
        })
    }

    /// The device access token request (RFC 8628 §3.4): `grant_type`
    /// `urn:ietf:params:oauth:grant-type:device_code`, the `device_code`,
    /// and the client's authentication as for every token request.
    pub fn device_token_request(&self, device_code: &DeviceCode) -> Result<HttpRequest> {
        self.grant_request(
            GrantType::DeviceCode,
            vec![param("device_code", device_code.secret())],
        )
    }
}

/// A token request [`DevicePoll`] wants sent; hand its outcome back by `id`.
#[derive(Debug, Clone)]
pub struct DeviceTokenRequest {
    /// Its id (ids count from 1 in each poll).
    pub id: RequestId,
    /// The HTTP request.
    pub request: HttpRequest,
}

/// What a device's caller should do now.
#[derive(Debug, Clone)]
pub enum DevicePollAction {
    /// Send this token request now, then hand the answer back.
    Send(DeviceTokenRequest),
    /// Ask again at `until` (the interval, a back-off, or the device
    /// code's expiry), or (`None`) when the request in flight is answered.
    Wait {
        /// When to ask again, if not at the in-flight request's completion.
        until: Option<u64>,
    },
    /// The user authorized: these are the tokens.
    Done(TokenSet),
    /// Polling is over without tokens; the error says why and what to do
    /// (`user_denied`; `expired_token`: authorize again; a provider's
    /// refusal: fix the configuration).
    Stop(Error),
}

/// What handling an answer changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevicePollUpdate {
    /// Tokens came: the next poll is [`DevicePollAction::Done`].
    Authorized,
    /// `authorization_pending`: the user has not answered yet.
    Pending,
    /// `slow_down`: the interval grew by 5 s for the rest of this flow.
    SlowDown,
    /// The answer was for a request the poll does not wait for.
    Discarded,
}

/// Polls the token endpoint until the user answers a device authorization
/// (RFC 8628 §3.4, §3.5).
///
/// The contract, as [`crate::Session`]'s:
/// - **getters**: [`DevicePoll::interval`], [`DevicePoll::expires_at`],
///   [`DevicePoll::last_error`].
/// - **polls**: [`DevicePoll::poll_action`] says what to do at `now`
///   (send this request, wait, done, stop); [`DevicePoll::poll_timeout`]
///   says when to ask next.
/// - **handlers**: [`DevicePoll::handle_response`] and
///   [`DevicePoll::handle_transport_error`] take the outcome of the
///   request handed out. A handler's error is that request's outcome; the
///   next poll says whether polling goes on (a back-off) or stops.
///
/// Guarantees: one request at a time; no request sooner than the interval
/// after the last answer (counted from the answer, so the provider never
/// sees two polls closer than the interval, whatever the latency); a
/// `slow_down` adds 5 s to the interval for every later request (§3.5); no
/// request at or after the device code's expiry; `authorization_pending`
/// waits the interval; `access_denied` and `expired_token` stop; transport
/// failures, 5xx and 429 back off exponentially (the interval doubled per
/// failure, capped at 5 minutes, never sooner than `Retry-After`, §3.5)
/// and polling goes on until expiry. The device code never appears in an
/// error. A DPoP client's polls carry proofs (RFC 9449 §5) with the
/// token endpoint's latest nonce; its `use_dpop_nonce` earns one poll at
/// once with the new nonce (the server has not looked at the device code
/// yet), a second demand backs off like a failure.
#[derive(Debug, Clone)]
pub struct DevicePoll {
    client: Client,
    device_code: DeviceCode,
    expires_at: u64,
    interval: u64,
    next_at: u64,
    in_flight: Option<u64>,
    next_id: u64,
    failures: u32,
    finished: Option<std::result::Result<TokenSet, Error>>,
    last_error: Option<Error>,
    /// Where the entropy of a signing client's polls comes from
    /// ([`DevicePoll::with_entropy`]).
    #[cfg(feature = "signed-requests")]
    entropy: Option<crate::client_assertion::AssertionEntropy>,
    /// The token endpoint's DPoP nonces (RFC 9449 §8), for the polls' proofs.
    #[cfg(feature = "dpop")]
    dpop_nonces: crate::dpop::DpopNonces,
    /// The request in flight's proof: where it went, the nonce it carried,
    /// and whether it was the one retry a `use_dpop_nonce` earns.
    #[cfg(feature = "dpop")]
    dpop_in_flight: Option<(String, Option<String>, bool)>,
    /// The next poll is that one retry: sent at once, with the new nonce.
    #[cfg(feature = "dpop")]
    dpop_retry_next: bool,
}

impl DevicePoll {
    /// Polls for `authorization`, which `client` asked for; the first
    /// request is due an interval after its answer was received.
    pub fn new(client: Client, authorization: &DeviceAuthorization) -> DevicePoll {
        DevicePoll {
            device_code: authorization.device_code.clone(),
            expires_at: authorization.expires_at,
            interval: authorization.interval,
            next_at: authorization
                .received_at
                .saturating_add(authorization.interval),
            in_flight: None,
            next_id: 1,
            failures: 0,
            finished: None,
            last_error: None,
            #[cfg(feature = "signed-requests")]
            entropy: None,
            #[cfg(feature = "dpop")]
            dpop_nonces: client.held_dpop_nonces(),
            #[cfg(feature = "dpop")]
            dpop_in_flight: None,
            #[cfg(feature = "dpop")]
            dpop_retry_next: false,
            client,
        }
    }

    /// Gives the polls the entropy they need when the client signs its
    /// authentication (`private_key_jwt`, `client_secret_jwt`:
    /// [`Client::at`]): bytes from a cryptographically secure source, taken
    /// once and stretched with ChaCha20. Without it, such a client's first
    /// poll stops with a configuration error.
    #[cfg(feature = "signed-requests")]
    pub fn with_entropy(mut self, seed: &[u8; crate::ASSERTION_ENTROPY_LEN]) -> DevicePoll {
        self.entropy = Some(crate::client_assertion::AssertionEntropy::new(seed));
        self
    }

    /// Seconds between requests now (5 more after each `slow_down`).
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// When the device code expires (Unix seconds, our clock).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// The failure behind the current back-off, if any.
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }

    /// What to do at `now`.
    pub fn poll_action(&mut self, now: u64) -> DevicePollAction {
        match &self.finished {
            Some(Ok(tokens)) => return DevicePollAction::Done(tokens.clone()),
            Some(Err(error)) => return DevicePollAction::Stop(error.clone()),
            None => {}
        }
        if self.in_flight.is_some() {
            return DevicePollAction::Wait { until: None };
        }
        if now >= self.expires_at {
            // RFC 8628 §3.2: the code is dead at `expires_in`; a request
            // now could only be answered `expired_token`.
            let error = Error::new(
                ErrorKind::ExpiredToken,
                "the device code expired before the user authorized; start a new device \
                 authorization when the user asks",
            );
            let error = match self.last_error.take() {
                Some(last) => error.with_detail(Some(format!(
                    "the last poll failed ({}: {})",
                    last.kind(),
                    last.message()
                ))),
                None => error,
            };
            self.finished = Some(Err(error.clone()));
            return DevicePollAction::Stop(error);
        }
        if now < self.next_at {
            return DevicePollAction::Wait {
                until: Some(self.next_at.min(self.expires_at)),
            };
        }
        #[cfg(feature = "signed-requests")]
        let client = crate::client_assertion::AssertionEntropy::client_at(
            self.entropy.as_mut(),
            &self.client,
            now,
            "DevicePoll::with_entropy",
        );
        // RFC 9449 §5, §8: a DPoP client proves every poll, with the
        // nonce the token endpoint last gave.
        #[cfg(feature = "dpop")]
        let client = client.map(|client| match client {
            std::borrow::Cow::Owned(client) => {
                std::borrow::Cow::Owned(client.with_dpop_nonces(&self.dpop_nonces))
            }
            borrowed => borrowed,
        });
        #[cfg(not(feature = "signed-requests"))]
        let client: Result<&Client> = Ok(&self.client);
        match client.and_then(|client| client.device_token_request(&self.device_code)) {
            Ok(request) => {
                #[cfg(feature = "dpop")]
                {
                    let retry = std::mem::take(&mut self.dpop_retry_next);
                    self.dpop_in_flight = request
                        .header("DPoP")
                        .map(|proof| (request.url.clone(), crate::dpop::proof_nonce(proof), retry));
                }
                let id = self.next_id;
                self.next_id += 1;
                self.in_flight = Some(id);
                DevicePollAction::Send(DeviceTokenRequest {
                    id: RequestId(id),
                    request,
                })
            }
            Err(error) => {
                self.finished = Some(Err(error.clone()));
                DevicePollAction::Stop(error)
            }
        }
    }

    /// When to ask [`DevicePoll::poll_action`] next (Unix seconds): the
    /// next request's time or the expiry, whichever comes first. `None`:
    /// done, stopped, or waiting for an answer.
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.finished.is_some() || self.in_flight.is_some() {
            return None;
        }
        Some(self.next_at.min(self.expires_at))
    }

    /// Takes the answer to request `id`, received at `now`.
    pub fn handle_response(
        &mut self,
        id: RequestId,
        now: u64,
        response: &HttpResponse,
    ) -> Result<DevicePollUpdate> {
        if !self.take_in_flight(id) {
            return Ok(DevicePollUpdate::Discarded);
        }
        // RFC 9449 §8: the server's nonce is kept from any answer; a
        // demand for one is met by one more poll with it, at once, neither
        // a failure nor the user's answer. A demand after that retry backs
        // off as a failure to retry (the nonce may have turned over).
        #[cfg(feature = "dpop")]
        let nonce_again = match self.dpop_in_flight.take() {
            Some((url, sent, retried)) => {
                if self.dpop_nonces.record(&url, sent.as_deref(), response) && !retried {
                    self.dpop_retry_next = true;
                    self.next_at = now;
                    let error = self
                        .client
                        .error_from_response(
                            ResponseSource::Token(GrantType::DeviceCode),
                            now,
                            response,
                        )
                        .without(&[self.device_code.secret()]);
                    return Err(error.with_action(Action::Retry));
                }
                crate::dpop::asks_for_nonce(response)
            }
            None => false,
        };
        #[cfg(not(feature = "dpop"))]
        let nonce_again = false;
        let parsed = self
            .client
            .parse_token_response(GrantType::DeviceCode, now, response)
            .map_err(|error| error.without(&[self.device_code.secret()]));
        let error = match parsed {
            Ok(tokens) => {
                self.finished = Some(Ok(tokens));
                self.last_error = None;
                return Ok(DevicePollUpdate::Authorized);
            }
            Err(error) => error,
        };
        // RFC 8628 §3.5: this grant's own codes, which RFC 6749 does not
        // know (`access_denied` is the user's answer, as on a redirect: its
        // default action already says so).
        let code = error
            .provider()
            .and_then(ProviderError::code)
            .filter(|_| error.kind() == ErrorKind::OtherOauthError);
        match code {
            Some("expired_token") => {
                let error = error.with_kind(ErrorKind::ExpiredToken);
                Err(self.on_failure(now, error))
            }
            Some("authorization_pending") => {
                self.answered(now);
                Ok(DevicePollUpdate::Pending)
            }
            Some("slow_down") => {
                // RFC 8628 §3.5: "for this and all subsequent requests".
                self.interval = self.interval.saturating_add(SLOW_DOWN_STEP);
                self.answered(now);
                Ok(DevicePollUpdate::SlowDown)
            }
            _ if nonce_again => Err(self.on_failure(now, error.with_action(Action::Retry))),
            _ => Err(self.on_failure(now, error)),
        }
    }

    /// Takes the news that request `id` got no answer: `failure` is the
    /// transport's error (a timeout stays [`ErrorKind::Timeout`]). Polling
    /// backs off and goes on.
    pub fn handle_transport_error(
        &mut self,
        id: RequestId,
        now: u64,
        failure: &Error,
    ) -> Result<DevicePollUpdate> {
        if !self.take_in_flight(id) {
            return Ok(DevicePollUpdate::Discarded);
        }
        #[cfg(feature = "dpop")]
        {
            self.dpop_in_flight = None;
        }
        let error = Error::from_transport(failure).without(&[self.device_code.secret()]);
        Err(self.on_failure(now, error))
    }

    fn take_in_flight(&mut self, id: RequestId) -> bool {
        let ours = self.in_flight == Some(id.0);
        if ours {
            self.in_flight = None;
        }
        ours
    }

    /// The provider answered that the user has not decided yet.
    fn answered(&mut self, now: u64) {
        self.failures = 0;
        self.last_error = None;
        self.next_at = now.saturating_add(self.interval);
    }

    /// A request that brought no tokens: a retryable failure backs off, any
    /// other ends the polling.
    fn on_failure(&mut self, now: u64, error: Error) -> Error {
        if error.action() != Action::Retry {
            self.finished = Some(Err(error.clone()));
            return error;
        }
        // RFC 8628 §3.5: after a connection timeout, poll less often;
        // doubling the interval each time is what it recommends.
        self.failures = self.failures.saturating_add(1);
        let backoff = 1u64
            .checked_shl(self.failures)
            .and_then(|factor| self.interval.checked_mul(factor))
            .unwrap_or(MAX_BACKOFF)
            .min(MAX_BACKOFF)
            .max(self.interval);
        let delay = error
            .retry_after()
            .map_or(backoff, |r| r.max(self.interval));
        self.next_at = now.saturating_add(delay);
        let error = error.with_retry_after(Some(delay));
        self.last_error = Some(error.clone());
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;

    const NOW: u64 = 1_700_000_000;
    const DEVICE_CODE: &str = "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS";

    fn client() -> Client {
        let profile = Profile::generic(None, "https://as.example/token")
            .unwrap()
            .with_endpoint(
                EndpointRole::DeviceAuthorization,
                "https://as.example/device",
            )
            .unwrap();
        Client::new(profile, "device-client").with_scopes(["read", "write"])
    }

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, vec![], body.as_bytes().to_vec())
    }

    fn authorization() -> DeviceAuthorization {
        let body = format!(
            r#"{{"device_code":"{DEVICE_CODE}","user_code":"WDJB-MJHT",
            "verification_uri":"https://as.example/device",
            "verification_uri_complete":"https://as.example/device?user_code=WDJB-MJHT",
            "expires_in":1800,"interval":5,"ui":"x"}}"#
        );
        client()
            .parse_device_authorization_response(NOW, &answer(200, &body))
            .unwrap()
    }

    /// RFC 8628 §3.1: client_id and scope, form-encoded, to the device
    /// authorization endpoint.
    #[test]
    fn the_request_carries_client_id_and_scope() {
        let request = client().device_authorization_request().unwrap();
        assert_eq!(request.url, "https://as.example/device");
        assert_eq!(&*request.body, b"scope=read+write&client_id=device-client");
        let none = Client::new(Profile::generic(None, "https://as.example/t").unwrap(), "c");
        let error = none.device_authorization_request().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Configuration);
    }

    #[test]
    fn a_response_is_read_with_absolute_times_and_redacted_debug() {
        let auth = authorization();
        assert_eq!(auth.device_code.secret(), DEVICE_CODE);
        assert_eq!(auth.user_code.secret(), "WDJB-MJHT");
        assert_eq!(auth.expires_at, NOW + 1800);
        assert_eq!(auth.interval, 5);
        assert!(auth.extra.contains_key("ui"));
        let debug = format!("{auth:?}");
        assert!(!debug.contains(DEVICE_CODE), "{debug}");
        assert!(!debug.contains("WDJB"), "{debug}");
        let no_interval = r#"{"device_code":"d-123456","user_code":"U","verification_uri":"https://as.example/d","expires_in":"600"}"#;
        let auth = client()
            .parse_device_authorization_response(NOW, &answer(200, no_interval))
            .unwrap();
        assert_eq!(auth.interval, DEFAULT_INTERVAL);
        assert_eq!(auth.expires_at, NOW + 600);
    }

    #[test]
    fn missing_or_ill_typed_members_are_refused_without_quoting_codes() {
        let good = [
            ("device_code", r#""dc-secret-1234""#),
            ("user_code", r#""UC-SECRET""#),
            ("verification_uri", r#""https://as.example/d""#),
            ("expires_in", "600"),
        ];
        for (drop, bad) in [
            ("device_code", "7"),
            ("user_code", "[]"),
            ("verification_uri", r#""http://evil.example/d""#),
            ("expires_in", r#""soon""#),
        ] {
            for replace in [None, Some(bad)] {
                let members: Vec<String> = good
                    .iter()
                    .filter_map(|(name, value)| match (*name == drop, replace) {
                        (false, _) => Some(format!(r#""{name}":{value}"#)),
                        (true, Some(bad)) => Some(format!(r#""{name}":{bad}"#)),
                        (true, None) => None,
                    })
                    .collect();
                let body = format!("{{{}}}", members.join(","));
                let error = client()
                    .parse_device_authorization_response(NOW, &answer(200, &body))
                    .unwrap_err();
                assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{body}");
                let text = format!("{error}{error:?}");
                assert!(text.contains(drop), "{text}");
                assert!(
                    !text.contains("dc-secret") && !text.contains("UC-SECRET"),
                    "{text}"
                );
            }
        }
    }

    /// Drives `poll` to its next request at or after `now`.
    fn send(poll: &mut DevicePoll, now: u64) -> RequestId {
        match poll.poll_action(now) {
            DevicePollAction::Send(out) => {
                let body = String::from_utf8(out.request.body.to_vec()).unwrap();
                assert!(body.starts_with(
                    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code="
                ));
                out.id
            }
            other => panic!("expected a request at {now}, got {other:?}"),
        }
    }

    fn wait_until(poll: &mut DevicePoll, now: u64) -> Option<u64> {
        match poll.poll_action(now) {
            DevicePollAction::Wait { until } => until,
            other => panic!("expected a wait at {now}, got {other:?}"),
        }
    }

    #[test]
    fn pending_waits_the_interval_and_slow_down_adds_five_seconds_for_good() {
        let mut poll = DevicePoll::new(client(), &authorization());
        assert_eq!(wait_until(&mut poll, NOW), Some(NOW + 5));
        let id = send(&mut poll, NOW + 5);
        assert_eq!(wait_until(&mut poll, NOW + 6), None);
        let pending = answer(400, r#"{"error":"authorization_pending"}"#);
        assert_eq!(
            poll.handle_response(id, NOW + 6, &pending),
            Ok(DevicePollUpdate::Pending)
        );
        assert_eq!(wait_until(&mut poll, NOW + 10), Some(NOW + 11));
        let id = send(&mut poll, NOW + 11);
        let slow = answer(400, r#"{"error":"slow_down"}"#);
        assert_eq!(
            poll.handle_response(id, NOW + 11, &slow),
            Ok(DevicePollUpdate::SlowDown)
        );
        assert_eq!(poll.interval(), 10);
        assert_eq!(poll.poll_timeout(), Some(NOW + 21));
        let id = send(&mut poll, NOW + 21);
        poll.handle_response(id, NOW + 21, &pending).unwrap();
        // Still 10: the slow_down holds for the rest of the flow.
        assert_eq!(wait_until(&mut poll, NOW + 21), Some(NOW + 31));
        let id = send(&mut poll, NOW + 31);
        let tokens = answer(
            200,
            r#"{"access_token":"at-device","token_type":"Bearer","expires_in":60}"#,
        );
        assert_eq!(
            poll.handle_response(id, NOW + 31, &tokens),
            Ok(DevicePollUpdate::Authorized)
        );
        match poll.poll_action(NOW + 32) {
            DevicePollAction::Done(set) => assert_eq!(set.expires_at(), Some(NOW + 91)),
            other => panic!("{other:?}"),
        }
        assert_eq!(poll.poll_timeout(), None);
    }

    #[test]
    fn denial_and_expiry_stop_and_a_late_answer_is_discarded() {
        let mut poll = DevicePoll::new(client(), &authorization());
        let id = send(&mut poll, NOW + 5);
        let denied = answer(400, r#"{"error":"access_denied"}"#);
        let error = poll.handle_response(id, NOW + 6, &denied).unwrap_err();
        assert_eq!(
            (error.kind(), error.action()),
            (ErrorKind::AccessDenied, Action::UserDenied)
        );
        assert!(matches!(
            poll.poll_action(NOW + 100),
            DevicePollAction::Stop(_)
        ));
        assert_eq!(
            poll.handle_response(id, NOW + 7, &denied),
            Ok(DevicePollUpdate::Discarded)
        );

        let mut poll = DevicePoll::new(client(), &authorization());
        let id = send(&mut poll, NOW + 5);
        let expired = answer(400, r#"{"error":"expired_token"}"#);
        let error = poll.handle_response(id, NOW + 6, &expired).unwrap_err();
        assert_eq!(
            (error.kind(), error.action()),
            (ErrorKind::ExpiredToken, Action::AuthorizeAgain)
        );

        // At expires_in, nothing more is sent; a wait ends there at the latest.
        let mut poll = DevicePoll::new(client(), &authorization());
        let id = send(&mut poll, NOW + 1797);
        let pending = answer(400, r#"{"error":"authorization_pending"}"#);
        poll.handle_response(id, NOW + 1797, &pending).unwrap();
        assert_eq!(wait_until(&mut poll, NOW + 1799), Some(NOW + 1800));
        match poll.poll_action(NOW + 1800) {
            DevicePollAction::Stop(error) => assert_eq!(error.kind(), ErrorKind::ExpiredToken),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn failures_back_off_exponentially_and_never_leak_the_device_code() {
        let mut poll = DevicePoll::new(client(), &authorization());
        let id = send(&mut poll, NOW + 5);
        let reason = Error::new(ErrorKind::Transport, format!("refused: {DEVICE_CODE}"));
        let error = poll
            .handle_transport_error(id, NOW + 5, &reason)
            .unwrap_err();
        assert_eq!(error.retry_after(), Some(10));
        assert!(!format!("{error}{error:?}").contains(DEVICE_CODE));
        assert_eq!(wait_until(&mut poll, NOW + 6), Some(NOW + 15));
        let id = send(&mut poll, NOW + 15);
        let error = poll
            .handle_response(id, NOW + 15, &answer(503, ""))
            .unwrap_err();
        assert_eq!(
            (error.kind(), error.retry_after()),
            (ErrorKind::ServerStatus, Some(20))
        );
        let id = send(&mut poll, NOW + 35);
        let limited = HttpResponse::new(429, vec![("Retry-After".into(), "60".into())], vec![]);
        let error = poll.handle_response(id, NOW + 35, &limited).unwrap_err();
        assert_eq!(error.retry_after(), Some(60));
        assert_eq!(poll.poll_timeout(), Some(NOW + 95));
        let echoed = answer(
            400,
            &format!(r#"{{"error":"invalid_grant","error_description":"bad {DEVICE_CODE}"}}"#),
        );
        let id = send(&mut poll, NOW + 95);
        let error = poll.handle_response(id, NOW + 95, &echoed).unwrap_err();
        assert!(
            !format!("{error}{error:?}").contains(DEVICE_CODE),
            "{error}"
        );
    }
}

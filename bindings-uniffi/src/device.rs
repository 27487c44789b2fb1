//! The device authorization grant (RFC 8628), sans-IO: the core's
//! [`authflowkit_core::DeviceAuthorization`] and [`authflowkit_core::DevicePoll`]
//! one-to-one. The request builders and the response parser are methods
//! of [`Client`].
//!
//! The contract is the core's: `poll_action(now)` says what to do (send
//! this token request, wait, done, stop); hand the answer back with
//! `handle_response` or `handle_transport_error`; `poll_timeout()` says
//! when to ask next.

use crate::client::Client;
use crate::error::{AuthflowError, ErrorDetails, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::token_set::TokenSet;
use authflowkit_core::{json, DeviceCode, DevicePollUpdate, RequestId};
use std::sync::{Arc, Mutex, MutexGuard};

/// What the provider answered to a device authorization request, with
/// absolute times. Its `repr` / `toString` redacts both codes and the
/// complete verification URI (it holds the user code).
#[derive(Debug, Clone, uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct DeviceAuthorization(pub(crate) authflowkit_core::DeviceAuthorization);

impl std::fmt::Display for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

#[uniffi::export]
impl DeviceAuthorization {
    /// The device code, sent with every token request; never show it.
    pub fn device_code(&self) -> String {
        self.0.device_code.secret().to_owned()
    }

    /// The code to show the user (and nobody else).
    pub fn user_code(&self) -> String {
        self.0.user_code.secret().to_owned()
    }

    /// Where the user goes to enter the user code.
    pub fn verification_uri(&self) -> String {
        self.0.verification_uri.clone()
    }

    /// The verification URI with the user code in it (for a QR code).
    pub fn verification_uri_complete(&self) -> Option<String> {
        self.0.verification_uri_complete.clone()
    }

    /// When the answer was received (Unix seconds, our clock).
    pub fn received_at(&self) -> u64 {
        self.0.received_at
    }

    /// When the device code expires (Unix seconds, our clock).
    pub fn expires_at(&self) -> u64 {
        self.0.expires_at
    }

    /// Seconds between token requests (5 when the provider gives none).
    pub fn interval(&self) -> u64 {
        self.0.interval
    }

    /// How far the provider's clock was ahead of ours (seconds).
    pub fn clock_skew(&self) -> i64 {
        self.0.clock_skew
    }

    /// The answer's other members, as a JSON object.
    pub fn extra_json(&self) -> String {
        json::object_to_json(&self.0.extra)
    }
}

#[uniffi::export]
impl Client {
    /// The device authorization request (RFC 8628 §3.1).
    pub fn device_authorization_request(&self) -> Result<HttpRequest> {
        Ok(self.0.device_authorization_request()?.into())
    }

    /// Reads the device authorization response (RFC 8628 §3.2) received at `now`.
    pub fn parse_device_authorization_response(
        &self,
        now: u64,
        response: HttpResponse,
    ) -> Result<Arc<DeviceAuthorization>> {
        let authorization = self
            .0
            .parse_device_authorization_response(now, &response.to_core())?;
        Ok(Arc::new(DeviceAuthorization(authorization)))
    }

    /// The device access token request (RFC 8628 §3.4).
    pub fn device_token_request(&self, device_code: String) -> Result<HttpRequest> {
        Ok(self
            .0
            .device_token_request(&DeviceCode::new(device_code))?
            .into())
    }
}

/// A token request the poll wants sent; hand its outcome back by `id`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeviceTokenRequest {
    /// Its id (ids count from 1 in each poll).
    pub id: u64,
    /// The HTTP request.
    pub request: HttpRequest,
}

/// What a device's caller should do now.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum DevicePollAction {
    /// Send this token request now, then hand the answer back.
    Send {
        /// The request.
        request: DeviceTokenRequest,
    },
    /// Ask again at `until`, or (absent) when the request in flight is answered.
    Wait {
        /// When to ask again.
        until: Option<u64>,
    },
    /// The user authorized: these are the tokens.
    Done {
        /// The tokens.
        tokens: Arc<TokenSet>,
    },
    /// Polling is over without tokens; the error's action says what to do.
    Stop {
        /// Why.
        error: ErrorDetails,
    },
}

impl From<authflowkit_core::DevicePollAction> for DevicePollAction {
    fn from(action: authflowkit_core::DevicePollAction) -> DevicePollAction {
        match action {
            authflowkit_core::DevicePollAction::Send(out) => DevicePollAction::Send {
                request: DeviceTokenRequest {
                    id: out.id.0,
                    request: out.request.into(),
                },
            },
            authflowkit_core::DevicePollAction::Wait { until } => DevicePollAction::Wait { until },
            authflowkit_core::DevicePollAction::Done(tokens) => DevicePollAction::Done {
                tokens: TokenSet::wrap(tokens),
            },
            authflowkit_core::DevicePollAction::Stop(error) => DevicePollAction::Stop {
                error: AuthflowError::from(error).details(),
            },
        }
    }
}

/// What handling an answer changed.
#[uniffi::remote(Enum)]
pub enum DevicePollUpdate {
    /// Tokens came: the next poll is `Done`.
    Authorized,
    /// `authorization_pending`: the user has not answered yet.
    Pending,
    /// `slow_down`: the interval grew by 5 s for the rest of this flow.
    SlowDown,
    /// The answer was for a request the poll does not wait for.
    Discarded,
}

/// Polls the token endpoint until the user answers a device authorization
/// (RFC 8628 §3.4, §3.5), for callers that bring their own HTTP client.
/// Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct DevicePoll(Mutex<authflowkit_core::DevicePoll>);

impl DevicePoll {
    fn lock(&self) -> MutexGuard<'_, authflowkit_core::DevicePoll> {
        // Every change to the poll is one assignment: a panic elsewhere
        // leaves it consistent, so go on with it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[uniffi::export]
impl DevicePoll {
    /// Polls for `authorization`, which `client` asked for. A client that
    /// signs its authentication (`private_key_jwt`, `client_secret_jwt`)
    /// needs `entropy` (32 bytes from a CSPRNG, taken once) for its polls'
    /// assertions; `OAuthClient.device_poll` gives it.
    #[uniffi::constructor(default(entropy = None))]
    pub fn new(
        client: Arc<Client>,
        authorization: Arc<DeviceAuthorization>,
        entropy: Option<Vec<u8>>,
    ) -> Result<Arc<DevicePoll>> {
        let mut poll = authflowkit_core::DevicePoll::new(client.0.clone(), &authorization.0);
        if let Some(entropy) = entropy {
            let entropy = zeroize::Zeroizing::new(entropy);
            let seed = crate::signing::entropy_seed(&entropy, "a device poll")?;
            poll = poll.with_entropy(&seed);
        }
        Ok(Arc::new(DevicePoll(Mutex::new(poll))))
    }

    /// What to do at `now`.
    pub fn poll_action(&self, now: u64) -> DevicePollAction {
        self.lock().poll_action(now).into()
    }

    /// Takes the answer to request `id`, received at `now`.
    pub fn handle_response(
        &self,
        id: u64,
        now: u64,
        response: HttpResponse,
    ) -> Result<DevicePollUpdate> {
        Ok(self
            .lock()
            .handle_response(RequestId(id), now, &response.to_core())?)
    }

    /// Takes the news that request `id` got no answer: `failure` is
    /// `transport_error(reason)` or `timeout_error(reason)`.
    pub fn handle_transport_error(
        &self,
        id: u64,
        now: u64,
        failure: ErrorDetails,
    ) -> Result<DevicePollUpdate> {
        let failure = AuthflowError::from_details(failure).to_core();
        Ok(self
            .lock()
            .handle_transport_error(RequestId(id), now, &failure)?)
    }

    /// When to ask `poll_action` next (Unix seconds), if anything is scheduled.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.lock().poll_timeout()
    }

    /// Seconds between requests now (5 more after each `slow_down`).
    pub fn interval(&self) -> u64 {
        self.lock().interval()
    }

    /// When the device code expires (Unix seconds, our clock).
    pub fn expires_at(&self) -> u64 {
        self.lock().expires_at()
    }

    /// The failure behind the current back-off, if any.
    pub fn last_error(&self) -> Option<ErrorDetails> {
        self.lock()
            .last_error()
            .map(|e| AuthflowError::from(e).details())
    }
}

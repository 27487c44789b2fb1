//! The sans-IO session, for callers that drive it with their own HTTP
//! client: the core's [`authflowkit_core::Session`] behind a lock.
//!
//! The contract is the core's: `poll_action(now)` says what to do (use
//! this token, send this request, wait, stop); hand the answer back with
//! `handle_response` or `handle_transport_error`; drain `poll_persist(now)`
//! after each handler; `poll_timeout()` says when renewal is next due.

use crate::client::Client;
use crate::error::{AuthflowError, ErrorDetails, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::token_set::{TokenInfo, TokenSet};
use authflowkit_core::{GrantType, RequestId, RequestPurpose, SessionUpdate};
use std::sync::{Arc, Mutex, MutexGuard};

/// An access token handed out by a session. `repr` / `toString` redact
/// it; `secret()` reads it.
#[derive(Clone, PartialEq, Eq, uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct AccessToken(authflowkit_core::AccessToken);

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

impl std::fmt::Display for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

#[uniffi::export]
impl AccessToken {
    /// The token itself, for `Authorization: Bearer …`.
    pub fn secret(&self) -> String {
        self.0.secret().to_owned()
    }
}

/// A request the session wants sent; hand its outcome back by `id`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OutgoingRequest {
    /// Its id (ids count from 1 in each session).
    pub id: u64,
    /// Why.
    pub purpose: RequestPurpose,
    /// The grant it carries.
    pub grant: GrantType,
    /// The HTTP request.
    pub request: HttpRequest,
}

/// What a caller should do now.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum SessionAction {
    /// Use this access token.
    UseToken {
        /// The token.
        token: Arc<AccessToken>,
    },
    /// Send this request, then hand the answer back. Only one caller gets it.
    Send {
        /// The request.
        request: OutgoingRequest,
    },
    /// Wait for the request in flight (`until` absent) or until a time.
    Wait {
        /// When to ask again, if not at the in-flight request's completion.
        until: Option<u64>,
    },
    /// No token without outside help; the error's action says which.
    Stop {
        /// Why.
        error: ErrorDetails,
    },
}

/// What handling an answer changed.
#[uniffi::remote(Enum)]
pub enum SessionUpdate {
    /// New tokens are in place; `poll_persist(now)` has them for storage.
    Renewed,
    /// The answer was for a request the session no longer waits for.
    Discarded,
}

/// Keeps one connection's token set usable, single-flight, for callers
/// that bring their own HTTP client. Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct Session(Mutex<authflowkit_core::Session>);

impl Session {
    pub(crate) fn lock(&self) -> MutexGuard<'_, authflowkit_core::Session> {
        // Every change to the session is one assignment: a panic elsewhere
        // leaves it consistent, so go on with it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl From<authflowkit_core::SessionAction> for SessionAction {
    fn from(action: authflowkit_core::SessionAction) -> SessionAction {
        match action {
            authflowkit_core::SessionAction::UseToken(token) => SessionAction::UseToken {
                token: Arc::new(AccessToken(token)),
            },
            authflowkit_core::SessionAction::Send(out) => SessionAction::Send {
                request: OutgoingRequest {
                    id: out.id.0,
                    purpose: out.purpose,
                    grant: out.grant,
                    request: out.request.into(),
                },
            },
            authflowkit_core::SessionAction::Wait { until } => SessionAction::Wait { until },
            authflowkit_core::SessionAction::Stop(error) => SessionAction::Stop {
                error: AuthflowError::from(error).details(),
            },
        }
    }
}

#[uniffi::export]
impl Session {
    /// A session for `client`, from stored tokens or none (then a
    /// client-credentials or password flow authenticates on first use).
    /// `refresh_margin`: renew this many seconds before expiry instead of
    /// the default (a tenth of the lifetime, 30 s to 3 days).
    #[uniffi::constructor(default(tokens = None, refresh_margin = None))]
    pub fn new(
        client: Arc<Client>,
        tokens: Option<Arc<TokenSet>>,
        refresh_margin: Option<u64>,
    ) -> Arc<Session> {
        let mut session =
            authflowkit_core::Session::new(client.0.clone(), tokens.map(|t| t.0.clone()));
        if let Some(margin) = refresh_margin {
            session = session.with_refresh_margin(margin);
        }
        Arc::new(Session(Mutex::new(session)))
    }

    /// What to do at `now`.
    pub fn poll_action(&self, now: u64) -> SessionAction {
        self.lock().poll_action(now).into()
    }

    /// Takes the answer to request `id`, received at `now`.
    pub fn handle_response(
        &self,
        id: u64,
        now: u64,
        response: HttpResponse,
    ) -> Result<SessionUpdate> {
        Ok(self
            .lock()
            .handle_response(RequestId(id), now, &response.to_core())?)
    }

    /// Takes the news that request `id` got no answer: `failure` is what
    /// the transport reported, `transport_error(reason)` or, when the time
    /// ran out, `timeout_error(reason)` (a reason without secrets).
    pub fn handle_transport_error(
        &self,
        id: u64,
        now: u64,
        failure: ErrorDetails,
    ) -> Result<SessionUpdate> {
        let failure = AuthflowError::from_details(failure).to_core();
        Ok(self
            .lock()
            .handle_transport_error(RequestId(id), now, &failure)?)
    }

    /// The token set to store at `now`: once after each change, and again
    /// after `persist_failed` once its back-off is over.
    pub fn poll_persist(&self, now: u64) -> Option<Arc<TokenSet>> {
        self.lock().poll_persist(now).map(TokenSet::wrap)
    }

    /// The set `poll_persist` last gave could not be stored at `now`: it is
    /// given again after a back-off (1 s, doubling up to five minutes).
    pub fn persist_failed(&self, now: u64) {
        self.lock().persist_failed(now);
    }

    /// When the session next needs to act (Unix seconds), if scheduled.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.lock().poll_timeout()
    }

    /// An API refused `access_token` (401): renew it on the next poll.
    pub fn handle_unauthorized(&self, access_token: String) {
        self.lock()
            .handle_unauthorized(&authflowkit_core::AccessToken::new(access_token));
    }

    /// Corrects the expiry from a token-info answer received at `now` for
    /// `access_token`; whether the token set changed.
    pub fn apply_token_info(&self, now: u64, access_token: String, info: TokenInfo) -> bool {
        self.lock().apply_token_info(
            now,
            &authflowkit_core::AccessToken::new(access_token),
            &info.to_core(),
        )
    }

    /// The failure behind the current back-off, if any.
    pub fn last_error(&self) -> Option<ErrorDetails> {
        self.lock()
            .last_error()
            .map(|e| AuthflowError::from(e).details())
    }

    /// The current token set.
    pub fn token_set(&self) -> Option<Arc<TokenSet>> {
        self.lock().token_set().cloned().map(TokenSet::wrap)
    }

    /// Whether a renewal request is outstanding.
    pub fn is_renewing(&self) -> bool {
        self.lock().is_renewing()
    }
}

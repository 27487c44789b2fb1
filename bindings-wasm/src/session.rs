//! `Session`: tokens kept fresh for JavaScript callers, on the core's
//! renewal state machine ([`authflowkit_core::Session`]).
//!
//! The class JavaScript sees is written in JavaScript (`js/token.js`
//! `Session`): it holds the promises (one renewal at a time however many
//! callers ask, the others waiting for its answer; every new token set
//! handed to `onPersist` before any caller gets its access token; one
//! renewal and retry when the API refuses a token). What it asks the module
//! is synchronous: [`SessionMachine`] says what to do next and reads the
//! answers, [`ApiCall`] builds an API request and reads its response. So
//! every decision is the core's, and the module carries no futures
//! machinery (the browser's size budget).

use crate::api::{OAuthClient, TokenSetObject};
use crate::browser;
use crate::convert::{
    error_to_js, failure_kind, request_parts, response_from_js, token_set_from_js,
    token_set_with_claims,
};
use authflowkit_core::{Error, OutgoingRequest, SessionAction};
use js_sys::Array;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const SESSION_TYPES: &str = r#"
/** How a {@link Session} starts. */
export interface SessionInit {
  /** Tokens to start with (e.g. from {@link OAuthClient.exchangeCode}, or stored earlier); none: get them on first use where the client can without the user. */
  tokens?: TokenSet | null;
  /** Called with every new token set, before any caller gets its access token (a returned promise is awaited first): store it here. What it throws or rejects with is its own; the session goes on. */
  onPersist?: ((tokens: TokenSet) => void | Promise<void>) | null;
}
"#;

/// The browser's `Session`: tokens only (API calls cost the module
/// 7 KB gzip, over its budget: `SIZE.md`).
#[cfg(not(feature = "api"))]
#[wasm_bindgen(typescript_custom_section)]
const SESSION_CLASS: &str = r#"
/**
 * Keeps a token set fresh: renews it with its refresh token a margin before
 * it expires, one renewal at a time however many callers ask, and hands
 * every new token set to `onPersist` before any caller sees its access
 * token; when `onPersist` throws or rejects, the set is handed to it again
 * at a later call, after a back-off (1 s, doubling up to five minutes).
 * Errors are {@link AuthflowError}s. (The Node.js entry's `Session`
 * also calls the API: `fetch`.)
 */
export declare class Session {
  /** A session for `client`, starting with `init.tokens` (or none). Throws an {@link AuthflowError} for a malformed token set or option. */
  constructor(client: OAuthClient, init?: SessionInit);
  /** A valid access token, renewing first when due. */
  accessToken(): Promise<string>;
  /** The current token set (it holds secrets), or `null`. */
  readonly tokens: TokenSet | null;
}
"#;

/// The Node.js entry's `Session`: tokens, and API calls with them.
#[cfg(feature = "api")]
#[wasm_bindgen(typescript_custom_section)]
const SESSION_CLASS: &str = r#"
/** An API call through {@link Session.fetch}. */
export interface SessionRequest {
  /** `"GET"` (default), `"POST"`, `"PUT"`, `"PATCH"`, `"DELETE"`. */
  method?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** More headers (not `Authorization`, which is the session's). */
  headers?: Record<string, string>;
}

/**
 * Keeps a token set fresh: renews it a margin before it expires (with its
 * refresh token, or the client's own credentials where the profile
 * allows), one renewal at a time however many callers ask, and hands every
 * new token set to `onPersist` before any caller sees its access token;
 * when `onPersist` throws or rejects, the set is handed to it again at a
 * later call, after a back-off (1 s, doubling up to five minutes).
 * Errors are {@link AuthflowError}s.
 */
export declare class Session {
  /** A session for `client`, starting with `init.tokens` (or none). Throws an {@link AuthflowError} for a malformed token set or option. */
  constructor(client: OAuthClient, init?: SessionInit);
  /** A valid access token, renewing first when due. */
  accessToken(): Promise<string>;
  /** The current token set (it holds secrets), or `null`. */
  readonly tokens: TokenSet | null;
  /**
   * Calls the API with the session's token: `path` relative to the
   * profile's API base (`endpoints.apiBase`), or an absolute URL below it;
   * the token goes nowhere else. Renews once and retries when the API
   * refuses the token. Resolves to a `Response` (any 2xx); rejects with an
   * {@link AuthflowError} for other statuses.
   */
  fetch(path: string, init?: SessionRequest): Promise<Response>;
}
"#;

/// The core session and the renewal it sent, shared with the API calls
/// made from it (a 401 tells it to renew).
pub(crate) struct State {
    pub(crate) session: authflowkit_core::Session,
    /// The renewal JavaScript is sending: its answer is read against it,
    /// and an error about it is cleaned of its secrets.
    renewal: Option<OutgoingRequest>,
    /// An OpenID client's: the ID token of the set the session started
    /// with (checked at its code exchange), whose claims the sets that
    /// keep it show (`idTokenClaims`); a refresh's new one is not checked.
    #[cfg(feature = "openid")]
    checked_id_token: Option<authflowkit_core::IdToken>,
}

impl State {
    /// The set to store at `now` (after a change, or again after a failed
    /// store), as JavaScript's token set object, or `null`.
    fn persist_due(&mut self, now: u64) -> JsValue {
        self.session
            .poll_persist(now)
            .map_or(JsValue::NULL, |tokens| self.to_js(&tokens))
    }

    /// `tokens` as JavaScript's token set object.
    fn to_js(&self, tokens: &authflowkit_core::TokenSet) -> JsValue {
        #[cfg(feature = "openid")]
        let claims =
            tokens.id_token().is_some() && tokens.id_token() == self.checked_id_token.as_ref();
        #[cfg(not(feature = "openid"))]
        let claims = false;
        token_set_with_claims(tokens, claims)
    }
}

/// The module's side of one JavaScript `Session`: what to do next, and
/// what an answer means. Not part of the API.
#[wasm_bindgen(skip_typescript)]
pub struct SessionMachine {
    pub(crate) state: Rc<RefCell<State>>,
    /// The client's DPoP `CryptoKey`, which signs each renewal's proof.
    #[cfg(feature = "dpop")]
    dpop_key: Option<JsValue>,
}

#[wasm_bindgen]
impl OAuthClient {
    /// The machine of a new `Session` on this client, starting with
    /// `tokens` (or none). Not part of the API.
    #[wasm_bindgen(js_name = sessionMachine, skip_typescript)]
    pub fn session_machine(&self, tokens: JsValue) -> Result<SessionMachine, JsValue> {
        let tokens = if tokens.is_null() || tokens.is_undefined() {
            None
        } else {
            Some(token_set_from_js(&tokens).map_err(|e| error_to_js(&e))?)
        };
        #[cfg(feature = "openid")]
        let checked_id_token = tokens
            .as_ref()
            .and_then(|t| t.id_token())
            .filter(|_| self.inner().profile().is_openid())
            .cloned();
        // A DPoP client's session starts from the nonces servers gave it.
        #[cfg(feature = "dpop")]
        let client = match self.dpop() {
            Some(dpop) => dpop.with_nonces(self.inner().clone()),
            None => self.inner().clone(),
        };
        #[cfg(not(feature = "dpop"))]
        let client = self.inner().clone();
        #[allow(unused_mut)] // only a DPoP client's session gets entropy
        let mut session = authflowkit_core::Session::new(client, tokens);
        #[cfg(feature = "dpop")]
        if self.dpop().is_some() {
            // Each renewal's proof draws its jti from this seed (the core
            // does no IO).
            let seed = browser::random_bytes(authflowkit_core::ASSERTION_ENTROPY_LEN)
                .ok()
                .and_then(|bytes| {
                    <[u8; authflowkit_core::ASSERTION_ENTROPY_LEN]>::try_from(bytes).ok()
                })
                .ok_or_else(|| {
                    error_to_js(&Error::new(
                        authflowkit_core::ErrorKind::Configuration,
                        "crypto.getRandomValues gave no entropy",
                    ))
                })?;
            session = session.with_entropy(&seed);
        }
        Ok(SessionMachine {
            #[cfg(feature = "dpop")]
            dpop_key: self.dpop().map(|dpop| dpop.key.clone()),
            state: Rc::new(RefCell::new(State {
                session,
                renewal: None,
                #[cfg(feature = "openid")]
                checked_id_token,
            })),
        })
    }
}

#[wasm_bindgen]
impl SessionMachine {
    /// What a caller who wants a token does now: use it (a string), wait
    /// for the renewal in flight (`null`), or send this renewal (`[method,
    /// url, headers, body]`, or with a DPoP key a promise of them, the
    /// proof signed) and hand its answer to [`Self::answer`].
    /// Throws the `AuthflowError` that stopped the
    /// session.
    pub fn next(&self) -> Result<JsValue, JsValue> {
        let mut state = self.state.borrow_mut();
        match state.session.poll_action(browser::now()) {
            SessionAction::UseToken(token) => Ok(JsValue::from_str(token.secret())),
            SessionAction::Wait { until: None } => Ok(JsValue::NULL),
            // A back-off after a failed renewal: the caller is told why
            // rather than kept waiting.
            SessionAction::Wait { .. } => Err(error_to_js(&state.session.wait_error())),
            SessionAction::Stop(error) => Err(error_to_js(&error)),
            SessionAction::Send(outgoing) => {
                let parts = request_parts(&outgoing.request);
                state.renewal = Some(outgoing);
                // A promise of the parts with the proof signed: `Session`
                // awaits what it sends.
                #[cfg(feature = "dpop")]
                if let Some(key) = &self.dpop_key {
                    return Ok(crate::dpop::sign_proof(parts, key).into());
                }
                Ok(parts)
            }
        }
    }

    /// Reads the renewal's answer (`response`: `[status, headers, body]`,
    /// as `send` resolves) or the news that it got none (`thrown`, what
    /// `send` rejected with, given instead): `[tokens to persist or null,
    /// AuthflowError or null]`. A set can come with an error (an access
    /// token already expired: its rotated refresh token is still the only
    /// live one).
    pub fn answer(&self, response: JsValue, thrown: JsValue) -> Array {
        self.finish_renewal(|session, outgoing, now| {
            if thrown.is_undefined() {
                let response = response_from_js(&response)?;
                session.handle_response(outgoing.id, now, &response)
            } else {
                let failure = Error::new(failure_kind(&thrown), "the renewal got no response");
                session.handle_transport_error(outgoing.id, now, &failure)
            }
            .map(drop)
        })
    }

    /// The set to hand to `onPersist` now, or `null`: a newer set at once,
    /// one it failed to store once its back-off is over. `failed`: it threw
    /// or rejected just now, and the set is handed over again after a
    /// back-off (1 s, doubling up to five minutes).
    #[wasm_bindgen(js_name = persistDue)]
    pub fn persist_due(&self, failed: bool) -> JsValue {
        let mut state = self.state.borrow_mut();
        let now = browser::now();
        if failed {
            state.session.persist_failed(now);
        }
        state.persist_due(now)
    }

    /// The client's DPoP `CryptoKey` (the Node.js entry's `Session.fetch`
    /// signs its API calls' proofs with it), or `undefined`.
    #[cfg(all(feature = "dpop", feature = "api"))]
    #[wasm_bindgen(getter, js_name = dpopKey)]
    pub fn dpop_key(&self) -> JsValue {
        self.dpop_key.clone().unwrap_or_default()
    }

    /// The current token set (it holds secrets), or `null`.
    #[wasm_bindgen(unchecked_return_type = "TokenSet | null")]
    pub fn tokens(&self) -> TokenSetObject {
        let state = self.state.borrow();
        state
            .session
            .token_set()
            .map_or(JsValue::NULL, |tokens| state.to_js(tokens))
            .unchecked_into()
    }
}

impl SessionMachine {
    /// Hands the renewal's outcome to the core (`handle`), and says what to
    /// store and what to tell the caller: the error only when the session
    /// will not renew again at once (else the next caller's poll retries).
    fn finish_renewal(
        &self,
        handle: impl FnOnce(
            &mut authflowkit_core::Session,
            &OutgoingRequest,
            u64,
        ) -> authflowkit_core::Result<()>,
    ) -> Array {
        let mut state = self.state.borrow_mut();
        let now = browser::now();
        let Some(outgoing) = state.renewal.take() else {
            return Array::of2(&JsValue::NULL, &JsValue::NULL);
        };
        let error = match handle(&mut state.session, &outgoing, now) {
            Err(error) if !state.session.wants_renewal(now) => {
                error_to_js(&error.without_secrets_of(&outgoing.request))
            }
            _ => JsValue::NULL,
        };
        let persist = state.persist_due(now);
        Array::of2(&persist, &error)
    }
}

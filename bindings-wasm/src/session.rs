//! `Session`: tokens kept fresh for JavaScript callers, on the core's
//! renewal state machine ([`authflow_core::Session`]), as the UniFFI
//! bindings drive it: one renewal at a time however many callers ask
//! (single flight; the others wait for its answer), every new token set
//! handed to `onPersist` before any caller gets its access token, and one
//! renewal and retry when the API refuses a token.

use crate::api::{send, OAuthClient, TokenSetObject};
use crate::convert::{error_to_js, token_set_from_js, token_set_to_js};
use crate::options::{field, string_field};
use authflow_core::{AccessToken, Error, ErrorKind, Method, OutgoingRequest, SessionAction};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(typescript_custom_section)]
const SESSION_TYPES: &str = r#"
/** How a {@link Session} starts. */
export interface SessionInit {
  /** Tokens to start with (e.g. from {@link OAuthClient.exchangeCode}, or stored earlier); none: get them on first use where the client can without the user. */
  tokens?: TokenSet | null;
  /** Called with every new token set, before any caller gets its access token (a returned promise is awaited first): store it here. What it throws or rejects with is its own; the session goes on. */
  onPersist?: (tokens: TokenSet) => void | Promise<void>;
}

/** An API call through {@link Session.fetch}. */
export interface SessionRequest {
  /** `"GET"` (default), `"POST"`, `"PUT"`, `"PATCH"`, `"DELETE"`. */
  method?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** More headers (not `Authorization`, which is the session's). */
  headers?: Record<string, string>;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `SessionInit` in the types.
    #[wasm_bindgen(typescript_type = "SessionInit")]
    pub type SessionInit;

    /// `SessionRequest` in the types.
    #[wasm_bindgen(typescript_type = "SessionRequest")]
    pub type SessionRequest;
}

struct State {
    session: authflow_core::Session,
    /// Bumped when a renewal's answer was handled.
    generation: u64,
    /// Callers waiting for the renewal in flight.
    waiting: Vec<Function>,
    /// A new token set is with `onPersist`: nobody gets its token yet.
    persisting: bool,
}

/// Keeps a token set fresh: renews it a margin before it expires (refresh
/// token, or the client's own credentials where the profile allows), one
/// renewal at a time however many callers ask, and hands every new token set
/// to `onPersist` before any caller sees its access token. Errors are
/// `AuthflowError`s.
#[wasm_bindgen]
pub struct Session {
    state: Rc<RefCell<State>>,
    on_persist: Option<Function>,
    timeout_ms: f64,
}

enum Next {
    Token(AccessToken),
    Wait(u64),
    Send(OutgoingRequest),
}

#[wasm_bindgen]
impl Session {
    /// A session for `client`, starting with `init.tokens` (or none).
    #[wasm_bindgen(constructor)]
    pub fn new(client: &OAuthClient, init: Option<SessionInit>) -> Result<Session, JsValue> {
        let init: JsValue = init.map(Into::into).unwrap_or_default();
        let tokens = field(&init, "tokens")
            .map(|t| token_set_from_js(&t))
            .transpose()
            .map_err(|e| error_to_js(&e))?;
        let on_persist = match field(&init, "onPersist") {
            Some(f) => Some(f.dyn_into::<Function>().map_err(|_| {
                error_to_js(&Error::new(
                    ErrorKind::Configuration,
                    "option onPersist must be a function",
                ))
            })?),
            None => None,
        };
        Ok(Session {
            state: Rc::new(RefCell::new(State {
                session: authflow_core::Session::new(client.inner().clone(), tokens),
                generation: 0,
                waiting: Vec::new(),
                persisting: false,
            })),
            timeout_ms: client.timeout_ms(),
            on_persist,
        })
    }

    /// A valid access token, renewing first when due.
    #[wasm_bindgen(js_name = accessToken)]
    pub async fn access_token(&self) -> Result<String, JsValue> {
        Ok(self.token().await?.secret().to_owned())
    }

    /// The current token set (it holds secrets), or `null`.
    #[wasm_bindgen(getter, unchecked_return_type = "TokenSet | null")]
    pub fn tokens(&self) -> TokenSetObject {
        let state = self.state.borrow();
        state
            .session
            .token_set()
            .map_or(JsValue::NULL, token_set_to_js)
            .unchecked_into()
    }

    /// Calls the API with the session's token: `path` relative to the
    /// profile's API base (`endpoints.apiBase`), or an absolute URL below
    /// it; the token goes nowhere else. Renews once and retries when the API
    /// refuses the token. Resolves to a `Response` (any 2xx); rejects with
    /// an `AuthflowError` for other statuses.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub async fn fetch(
        &self,
        path: String,
        init: Option<SessionRequest>,
    ) -> Result<JsValue, JsValue> {
        let init: JsValue = init.map(Into::into).unwrap_or_default();
        let js = |e: Error| error_to_js(&e);
        let method = match string_field(&init, "method").map_err(js)? {
            Some(name) => Method::parse(&name.to_ascii_uppercase()).ok_or_else(|| {
                js(Error::new(
                    ErrorKind::Configuration,
                    format!("method \"{name}\" is not one of GET, POST, PUT, PATCH, DELETE"),
                ))
            })?,
            None => Method::Get,
        };
        let body = match field(&init, "json") {
            Some(value) => Some(
                js_sys::JSON::stringify(&value)
                    .ok()
                    .and_then(|s| s.as_string())
                    .ok_or_else(|| js(Error::new(ErrorKind::Configuration, "json is not JSON")))?
                    .into_bytes(),
            ),
            None => None,
        };
        let mut headers = Vec::new();
        if let Some(object) = field(&init, "headers") {
            for entry in js_sys::Object::entries(object.unchecked_ref()).iter() {
                let pair = js_sys::Array::from(&entry);
                let value = pair.get(1).as_string().ok_or_else(|| {
                    js(Error::new(
                        ErrorKind::Configuration,
                        "header values must be strings",
                    ))
                })?;
                headers.push((pair.get(0).as_string().unwrap_or_default(), value));
            }
        }
        for first in [true, false] {
            let token = self.token().await?;
            let request = {
                let state = self.state.borrow();
                state
                    .session
                    .client()
                    .api_request_with_headers(&token, method, &path, body.as_deref(), &headers)
                    .map_err(js)?
            };
            let response = send(&request, self.timeout_ms).await?;
            if response.status == 401 && first {
                self.state.borrow_mut().session.handle_unauthorized(&token);
                continue;
            }
            let state = self.state.borrow();
            state
                .session
                .client()
                .check_api_response(crate::browser::now(), &response)
                .map_err(|e| js(e.without_secrets_of(&request)))?;
            return Ok(web_response(response));
        }
        Err(js(Error::new(
            ErrorKind::Unauthorized,
            "the API refused a renewed token",
        )))
    }
}

impl Session {
    async fn token(&self) -> Result<AccessToken, JsValue> {
        loop {
            match self.next()? {
                Next::Token(token) => return Ok(token),
                Next::Wait(seen) => self.changed(seen).await,
                Next::Send(outgoing) => self.renew(outgoing).await?,
            }
        }
    }

    fn next(&self) -> Result<Next, JsValue> {
        let mut state = self.state.borrow_mut();
        if state.persisting {
            return Ok(Next::Wait(state.generation));
        }
        match state.session.poll_action(crate::browser::now()) {
            SessionAction::UseToken(token) => Ok(Next::Token(token)),
            SessionAction::Stop(error) => Err(error_to_js(&error)),
            SessionAction::Wait { until: None } => Ok(Next::Wait(state.generation)),
            SessionAction::Wait { .. } => Err(error_to_js(&state.session.wait_error())),
            SessionAction::Send(outgoing) => Ok(Next::Send(outgoing)),
        }
    }

    /// Resolves once a renewal's answer was handled after `seen`.
    async fn changed(&self, seen: u64) {
        if self.state.borrow().generation != seen {
            return;
        }
        let state = Rc::clone(&self.state);
        let promise = Promise::new(&mut |resolve, _| state.borrow_mut().waiting.push(resolve));
        let _ = JsFuture::from(promise).await;
    }

    /// Sends a renewal and hands its answer to the core, whatever happens
    /// to the caller: the answer (a rotated pair) is stored either way.
    async fn renew(&self, outgoing: OutgoingRequest) -> Result<(), JsValue> {
        let answer = send(&outgoing.request, self.timeout_ms).await;
        let now = crate::browser::now();
        let (handled, persist) = {
            let mut state = self.state.borrow_mut();
            let handled = match &answer {
                Ok(response) => state.session.handle_response(outgoing.id, now, response),
                Err(thrown) => {
                    let kind = Reflect::get(thrown, &"kind".into())
                        .ok()
                        .and_then(|k| k.as_string())
                        .and_then(|k| ErrorKind::parse(&k))
                        .unwrap_or(ErrorKind::Transport);
                    let failure = Error::new(kind, "the renewal got no response");
                    state
                        .session
                        .handle_transport_error(outgoing.id, now, &failure)
                }
            };
            let handled = match handled {
                Err(error) if !state.session.wants_renewal(now) => {
                    Err(error.without_secrets_of(&outgoing.request))
                }
                _ => Ok(()),
            };
            let persist = state.session.poll_persist();
            state.persisting = persist.is_some() && self.on_persist.is_some();
            (handled, persist)
        };
        if let (Some(tokens), Some(on_persist)) = (persist, &self.on_persist) {
            // Stored before any caller gets the new token: an async
            // persister is awaited. One that throws or rejects must not
            // lose the renewal for the others: the failure is its own.
            if let Ok(returned) = on_persist.call1(&JsValue::NULL, &token_set_to_js(&tokens)) {
                if let Ok(promise) = returned.dyn_into::<Promise>() {
                    let _ = JsFuture::from(promise).await;
                }
            }
        }
        let waiting = {
            let mut state = self.state.borrow_mut();
            state.persisting = false;
            state.generation = state.generation.wrapping_add(1);
            std::mem::take(&mut state.waiting)
        };
        for resolve in waiting {
            let _ = resolve.call0(&JsValue::NULL);
        }
        handled.map_err(|e| error_to_js(&e))
    }
}

/// A `Response` with the API's status, headers and body (none for the
/// statuses that have none: `Response` refuses one there).
fn web_response(response: authflow_core::HttpResponse) -> JsValue {
    let init = js_sys::Object::new();
    let headers: js_sys::Array = response
        .headers
        .iter()
        .map(|(n, v)| JsValue::from(js_sys::Array::of2(&n.into(), &v.into())))
        .collect();
    let _ = Reflect::set(&init, &"status".into(), &response.status.into());
    let _ = Reflect::set(&init, &"headers".into(), &headers);
    let body: JsValue = if matches!(response.status, 101 | 103 | 204 | 205 | 304) {
        JsValue::NULL
    } else {
        Uint8Array::from(response.body.as_slice()).into()
    };
    let class = Reflect::get(&js_sys::global(), &"Response".into()).unwrap_or_default();
    Reflect::construct(
        class.unchecked_ref::<Function>(),
        &js_sys::Array::of2(&body, &init),
    )
    .unwrap_or_default()
}

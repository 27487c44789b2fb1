//! The token endpoint from JavaScript: the code exchange, refresh and (in
//! the Node.js entry) client credentials, each a [`TokenCall`] that
//! JavaScript's `grant` sends. Left out of `authflowkit/browser-authorize`
//! (the feature `token-endpoint` off): a front end that only authorizes and
//! hands the validated redirect to its back end loads none of it.

use crate::api::{js_error, OAuthClient, TokenSetObject, ValidatedCallback};
use crate::browser;
use crate::convert::{
    browser_error, failure_kind, response_from_js, token_set_from_js, token_set_with_claims,
};
use authflowkit_core::{Client, GrantType, HttpRequest, TokenSet};
#[cfg(feature = "openid")]
use authflowkit_core::{IdTokenCheck, JwsAlgorithm};
use js_sys::Promise;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl OAuthClient {
    /// Exchanges the code of a validated redirect for tokens: as a public
    /// client (client id and PKCE verifier) in the browser; in the Node.js
    /// entry with `clientSecret` when given. Reads the response the way the
    /// profile says (e.g. Makini's absolute `expires_in`). Resolves to a
    /// {@link TokenSet}; rejects with an `AuthflowError`. From a page, the
    /// provider's token endpoint must allow this page's origin (CORS).
    #[wasm_bindgen(js_name = exchangeCode, unchecked_return_type = "Promise<TokenSet>")]
    pub fn exchange_code(&self, callback: &ValidatedCallback) -> Promise {
        let request = callback.0.take_for_exchange().and_then(|callback| {
            // An OpenID request (its nonce was sent): the ID token's claims
            // are checked, any alg authflow knows (the alg only chooses
            // at_hash's hash: no signature is checked), never none or a MAC.
            #[cfg(feature = "openid")]
            let reading = match callback.nonce() {
                Some(_) => Reading::Openid(IdTokenCheck::for_callback(
                    &callback,
                    JwsAlgorithm::ALL.to_vec(),
                    0,
                )?),
                None => Reading::Grant(GrantType::AuthorizationCode),
            };
            #[cfg(not(feature = "openid"))]
            let reading = Reading::Grant(GrantType::AuthorizationCode);
            let client = self.request_client()?;
            let request = client.exchange_request(callback)?;
            Ok((reading, client, request))
        });
        self.send_grant(request)
    }

    /// Refreshes a token set. Resolves to the new {@link TokenSet}, which
    /// replaces the old one: where the provider rotates (Makini), the old
    /// refresh token is dead from now on. Rejects with an `AuthflowError`;
    /// `action` `"authorize_again"` means the refresh token is no longer
    /// accepted.
    #[wasm_bindgen(unchecked_return_type = "Promise<TokenSet>")]
    pub fn refresh(&self, tokens: TokenSetObject) -> Promise {
        self.send_grant(token_set_from_js(tokens.as_ref()).and_then(|previous| {
            let client = self.request_client()?;
            let request = client.refresh_request_for(&previous, browser::now())?;
            Ok((Reading::Refresh(previous), client, request))
        }))
    }

    /// The client-credentials grant (RFC 6749 §4.4): tokens for the client
    /// itself, authenticated with `clientSecret`. Node.js entry only (the
    /// browser build has no secret code). Resolves to a {@link TokenSet}.
    #[cfg(feature = "confidential")]
    #[wasm_bindgen(js_name = clientCredentials, unchecked_return_type = "Promise<TokenSet>")]
    pub fn client_credentials(&self) -> Promise {
        let request = self.request_client().and_then(|client| {
            let request = client.client_credentials_request()?;
            Ok((
                Reading::Grant(GrantType::ClientCredentials),
                client,
                request,
            ))
        });
        self.send_grant(request)
    }
}

impl OAuthClient {
    /// Hands a token request to the page's `fetch` (`js/token.js`
    /// `grant`), which gives the answer back to [`TokenCall::finish`] to be
    /// read as `reading` says: the await is JavaScript's, so the module
    /// carries no futures machinery.
    fn send_grant(
        &self,
        prepared: authflowkit_core::Result<(Reading, Rc<Client>, HttpRequest)>,
    ) -> Promise {
        let (reading, client, request) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => return Promise::reject(&js_error(error)),
        };
        let call = TokenCall {
            client,
            reading,
            request: RefCell::new(request),
            #[cfg(feature = "dpop")]
            retry: self.dpop().map(crate::dpop::BrowserDpop::retry),
        };
        #[cfg(feature = "dpop")]
        if let Some(dpop) = self.dpop() {
            return dpop.send(call.into(), self.timeout_ms);
        }
        browser::grant(call, self.timeout_ms)
    }

    /// The client that builds a request now: with a DPoP key, one with the
    /// time, fresh entropy and the nonces for its proof.
    fn request_client(&self) -> authflowkit_core::Result<Rc<Client>> {
        #[cfg(feature = "dpop")]
        if let Some(dpop) = self.dpop() {
            return dpop.client_now(&self.client).map(Rc::new);
        }
        Ok(Rc::clone(&self.client))
    }
}

/// How a token response is read.
enum Reading {
    /// As the answer to a grant request.
    Grant(GrantType),
    /// As the answer to the code exchange of an OpenID request: its ID
    /// token's claims checked (OpenID Connect Core 1.0 §3.1.3.7; not the
    /// signature, item 6: it comes straight from the token endpoint).
    #[cfg(feature = "openid")]
    Openid(IdTokenCheck),
    /// As the answer to the refresh of this set (its refresh token may be
    /// kept).
    Refresh(TokenSet),
}

/// A token request on its way: what reads its answer. JavaScript's
/// `grant` (`js/token.js`) sends [`TokenCall::request`] and calls
/// `finish` with the response or `failed` with what `fetch` threw. Not
/// part of the API.
#[wasm_bindgen(skip_typescript)]
pub struct TokenCall {
    client: Rc<Client>,
    reading: Reading,
    request: RefCell<HttpRequest>,
    /// The one retry a DPoP nonce demand earns.
    #[cfg(feature = "dpop")]
    retry: Option<crate::dpop::NonceRetry>,
}

#[wasm_bindgen]
impl TokenCall {
    /// `[method, url, headers, body]` for `send`.
    pub fn request(&self) -> JsValue {
        crate::convert::request_parts(&self.request.borrow())
    }

    /// The token set in `response` (`[status, headers, body]`, as `send`
    /// resolves); throws the `AuthflowError` the core reads there. With a
    /// DPoP key, `undefined` when the server asked for a nonce: the request
    /// (with a new proof) is to be sent once more.
    pub fn finish(&self, response: JsValue) -> Result<JsValue, JsValue> {
        let response = response_from_js(&response);
        #[cfg(feature = "dpop")]
        if let (Some(retry), Ok(response)) = (&self.retry, &response) {
            let again = retry.again(&self.client, &self.request, response);
            if again.map_err(|e| js_error(e.without_secrets_of(&self.request.borrow())))? {
                return Ok(JsValue::UNDEFINED);
            }
        }
        let now = browser::now();
        let tokens = response.and_then(|response| match &self.reading {
            Reading::Refresh(previous) => {
                let tokens = self
                    .client
                    .parse_refresh_response(now, &response, previous)?;
                // An OpenID client's login ID token, checked when it came,
                // kept: its claims still hold.
                #[cfg(feature = "openid")]
                let claims = self.client.profile().is_openid()
                    && tokens.id_token().is_some()
                    && tokens.id_token() == previous.id_token();
                #[cfg(not(feature = "openid"))]
                let claims = false;
                Ok((tokens, claims))
            }
            Reading::Grant(grant) => self
                .client
                .parse_token_response(*grant, now, &response)
                .map(|tokens| (tokens, false)),
            #[cfg(feature = "openid")]
            Reading::Openid(check) => {
                let tokens = self.client.parse_token_response(
                    GrantType::AuthorizationCode,
                    now,
                    &response,
                )?;
                check.validate_exchange_claims(&tokens, now)?;
                Ok((tokens, true))
            }
        });
        tokens
            .map(|(tokens, claims)| token_set_with_claims(&tokens, claims))
            .map_err(|e| js_error(e.without_secrets_of(&self.request.borrow())))
    }

    /// The `AuthflowError` for a request that got no response.
    pub fn failed(&self, thrown: JsValue) -> JsValue {
        no_response(&thrown, &self.request.borrow())
    }
}

/// The `AuthflowError` for a request that got no response: of the kind
/// the browser glue named (`timeout`, `unexpected_status` for an opaque
/// redirect, else `transport`), without the request's secrets in its words.
pub(crate) fn no_response(thrown: &JsValue, request: &HttpRequest) -> JsValue {
    let kind = failure_kind(thrown);
    js_error(browser_error(kind, "the request got no response", thrown).without_secrets_of(request))
}

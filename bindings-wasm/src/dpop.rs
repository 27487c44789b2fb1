//! DPoP in the browser (RFC 9449; the `dpop` feature, the opt-in entry
//! `authflowkit/browser-dpop`): the option `dpop` (`{ privateKey, publicJwk }`,
//! a WebCrypto ECDSA P-256 key whose private half is non-extractable), the
//! proofs of every token request and of every request that presents a
//! DPoP-bound token (`OAuthClient.fetchResource`), and the servers' nonces
//! with exactly one retry for each demand.
//!
//! The core builds each proof and leaves its signature to the host
//! (`Client::with_dpop_public_key`): the `DPoP` header JavaScript gets holds
//! the JWS signing input, which `js/dpop.js` signs with `crypto.subtle`
//! and completes. So the module carries no crypto crate and the private key
//! never enters WebAssembly memory.

use crate::api::{OAuthClient, TokenSetObject};
use crate::browser;
use crate::convert::{
    browser_error, error_to_js, request_parts, response_from_js, token_set_from_js,
};
use crate::options::{field, read_api_request};
use crate::token_call::no_response;
use authflowkit_core::{
    Client, DpopNonces, Error, ErrorKind, HttpRequest, HttpResponse, Result, SigningAlgorithm,
    ASSERTION_ENTROPY_LEN,
};
use js_sys::Promise;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/dpop.js")]
extern "C" {
    /// Resolves to `parts` (`[method, url, headers, body]`) with the DPoP
    /// proof's signing input signed by `key` and completed.
    #[wasm_bindgen(js_name = signProof)]
    pub(crate) fn sign_proof(parts: JsValue, key: &JsValue) -> Promise;

    /// Sends a `TokenCall`'s request with a signed proof, once more when
    /// its `finish` returns `undefined`; resolves to the token set.
    #[wasm_bindgen(js_name = signedGrant)]
    fn signed_grant(call: JsValue, key: &JsValue, timeout_ms: f64) -> Promise;

    /// The same for a `ResourceCall`: resolves to the answer as a `Response`.
    #[wasm_bindgen(js_name = signedFetch)]
    fn signed_fetch(call: JsValue, key: &JsValue, timeout_ms: f64) -> Promise;
}

#[wasm_bindgen(typescript_custom_section)]
const DPOP_TYPES: &str = r#"
/** A DPoP key (RFC 9449) for the `dpop` option: make one with {@link createDpopKey}, or give a stored pair to {@link dpopKey}. */
export interface DpopKey {
  /** An ECDSA P-256 private key with usage `"sign"`; non-extractable, so that no script can read it. */
  privateKey: CryptoKey;
  /** Its public half, as `crypto.subtle.exportKey("jwk", publicKey)` gives it. */
  publicJwk: JsonWebKey;
  /** The pair, to keep (IndexedDB stores it as it is) and give to {@link dpopKey} after a reload: tokens bound to the key need it. Not read by `OAuthClient`. */
  keyPair?: CryptoKeyPair;
}

export interface ClientOptions {
  /** Proves possession of this key (DPoP, RFC 9449, ES256): every token request carries a proof, so that the provider binds the tokens to the key and a stolen token is useless without it; the tokens' `tokenType` is then `"DPoP"`, and they are presented with {@link OAuthClient.fetchResource}, never as a bearer token. Servers' `DPoP-Nonce` demands are met with one retry. */
  dpop?: DpopKey;
}

/** Options of {@link OAuthClient.fetchResource}. */
export interface ResourceRequest {
  /** `"GET"` (default), `"POST"`, `"PUT"`, `"PATCH"`, `"DELETE"`. */
  method?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** More headers (not `Authorization` nor `DPoP`, which are the token's). */
  headers?: Record<string, string>;
}

/** A new ES256 DPoP key whose private half is non-extractable. Keep the key pair (IndexedDB stores it as it is) to keep the tokens bound to it usable after a reload. */
export declare function createDpopKey(): Promise<DpopKey>;
/** The `dpop` option for a stored WebCrypto ECDSA P-256 key pair. */
export declare function dpopKey(pair: CryptoKeyPair): Promise<DpopKey>;
"#;

/// A client's DPoP key (the private `CryptoKey`, which stays in WebCrypto)
/// and the nonces servers gave, shared by all its requests.
pub(crate) struct BrowserDpop {
    /// The private `CryptoKey`.
    pub(crate) key: JsValue,
    nonces: Rc<RefCell<DpopNonces>>,
}

impl BrowserDpop {
    /// `client` with the key of the `dpop` option, if there is one.
    pub(crate) fn from_options(
        options: &JsValue,
        client: Client,
    ) -> Result<(Client, Option<BrowserDpop>)> {
        let Some(dpop) = field(options, "dpop") else {
            return Ok((client, None));
        };
        let wrong = |what: &str| {
            Error::new(
                ErrorKind::Configuration,
                [
                    "option dpop must be { privateKey, publicJwk } (dpopKey(pair) makes it): ",
                    what,
                ]
                .concat(),
            )
        };
        let key = field(&dpop, "privateKey")
            .filter(JsValue::is_object)
            .ok_or_else(|| wrong("no privateKey"))?;
        let jwk = field(&dpop, "publicJwk")
            .and_then(|jwk| js_sys::JSON::stringify(&jwk).ok())
            .and_then(|jwk| jwk.as_string())
            .ok_or_else(|| wrong("no publicJwk"))?;
        let client = client.with_dpop_public_key(SigningAlgorithm::Es256, &jwk)?;
        let nonces = Rc::new(RefCell::new(DpopNonces::new()));
        Ok((client, Some(BrowserDpop { key, nonces })))
    }

    /// `client` for a request built now: the time and fresh entropy for
    /// the proof, and the nonces servers gave.
    pub(crate) fn client_now(&self, client: &Client) -> Result<Client> {
        let entropy = browser::random_bytes(ASSERTION_ENTROPY_LEN)
            .map_err(|e| browser_error(ErrorKind::Configuration, "crypto.getRandomValues", &e))?;
        Ok(client
            .at(browser::now(), &entropy)?
            .with_dpop_nonces(&self.nonces.borrow()))
    }

    /// `client` with the nonces servers gave so far (a new session's).
    pub(crate) fn with_nonces(&self, client: Client) -> Client {
        client.with_dpop_nonces(&self.nonces.borrow())
    }

    /// A retry of a request this key proves, for its call.
    pub(crate) fn retry(&self) -> NonceRetry {
        NonceRetry {
            nonces: Rc::clone(&self.nonces),
            retried: Cell::new(false),
        }
    }

    /// Sends `call` (a `TokenCall`) with signed proofs.
    pub(crate) fn send(&self, call: JsValue, timeout_ms: f64) -> Promise {
        signed_grant(call, &self.key, timeout_ms)
    }
}

/// The one retry a server's nonce demand earns a call (RFC 9449 §8, §9).
pub(crate) struct NonceRetry {
    nonces: Rc<RefCell<DpopNonces>>,
    retried: Cell<bool>,
}

impl NonceRetry {
    /// Keeps the nonce `response` gives; when it is a demand for one this
    /// call has not retried yet, replaces `request` with the same request
    /// and a new proof, and says to send it again.
    pub(crate) fn again(
        &self,
        client: &Client,
        request: &RefCell<HttpRequest>,
        response: &HttpResponse,
    ) -> Result<bool> {
        let demanded = self
            .nonces
            .borrow_mut()
            .handle_response(&request.borrow(), response);
        if !demanded || self.retried.replace(true) {
            return Ok(false);
        }
        let renewed = client
            .clone()
            .with_dpop_nonces(&self.nonces.borrow())
            .with_new_dpop_proof(request.borrow().clone())?;
        *request.borrow_mut() = renewed;
        Ok(true)
    }
}

#[wasm_bindgen]
impl OAuthClient {
    /// Calls a resource server with the access token of `tokens`:
    /// `path` relative to the API base (`endpoints.apiBase`), or an absolute
    /// URL below it (the token goes nowhere else). A DPoP-bound token
    /// (`tokenType` `"DPoP"`) is presented with a proof of the client's key
    /// (RFC 9449 §7: `Authorization: DPoP`, never `Bearer`), and the call is
    /// made once more when the server asks for a nonce. Resolves to the
    /// server's `Response`, whatever its status; rejects with an
    /// `AuthflowError` when no response came or an option is wrong.
    #[wasm_bindgen(js_name = fetchResource, unchecked_return_type = "Promise<Response>")]
    pub fn fetch_resource(
        &self,
        path: &str,
        tokens: TokenSetObject,
        init: Option<crate::api::ResourceRequest>,
    ) -> Promise {
        let init: JsValue = init.map(Into::into).unwrap_or_default();
        let call = token_set_from_js(tokens.as_ref()).and_then(|tokens| {
            let (client, retry) = match self.dpop() {
                Some(dpop) => (dpop.client_now(self.inner())?, Some(dpop.retry())),
                None => (self.inner().clone(), None),
            };
            let request = read_api_request(&client, tokens.access_token(), path, &init)?;
            Ok(ResourceCall {
                client,
                request: RefCell::new(request),
                retry,
            })
        });
        // A bearer token's request has no proof to sign: no key needed.
        let key = self
            .dpop()
            .map_or(JsValue::UNDEFINED, |dpop| dpop.key.clone());
        match call {
            Ok(call) => signed_fetch(call.into(), &key, self.timeout_ms()),
            Err(error) => Promise::reject(&error_to_js(&error)),
        }
    }
}

/// A resource request on its way. Not part of the API.
#[wasm_bindgen(skip_typescript)]
pub struct ResourceCall {
    client: Client,
    request: RefCell<HttpRequest>,
    retry: Option<NonceRetry>,
}

#[wasm_bindgen]
impl ResourceCall {
    /// `[method, url, headers, body]` for `send`.
    pub fn request(&self) -> JsValue {
        request_parts(&self.request.borrow())
    }

    /// `undefined` to send the request again (a nonce demand), else `true`.
    pub fn finish(&self, response: JsValue) -> Result<Option<bool>, JsValue> {
        let js = |e: Error| error_to_js(&e.without_secrets_of(&self.request.borrow()));
        let response = response_from_js(&response).map_err(js)?;
        match &self.retry {
            Some(retry)
                if retry
                    .again(&self.client, &self.request, &response)
                    .map_err(js)? =>
            {
                Ok(None)
            }
            _ => Ok(Some(true)),
        }
    }

    /// The `AuthflowError` for a call that got no response.
    pub fn failed(&self, thrown: JsValue) -> JsValue {
        no_response(&thrown, &self.request.borrow())
    }
}

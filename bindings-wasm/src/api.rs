//! The functions and the class JavaScript sees. Each one converts its
//! arguments, calls the core, does the browser IO around it, and converts
//! the result or the error back.

use crate::browser;
use crate::convert::{browser_error, error_to_js};
use crate::options::{
    authorization_options, bool_field, client_from_options, storage_key, string_field, timeout_ms,
};
use authflowkit_core::{Client, Error, ErrorKind, PendingAuthorization, AUTHORIZATION_ENTROPY_LEN};
use js_sys::{Object, Reflect};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The option, result and error types of the `.d.ts` (the functions and the
/// class are generated from the Rust items below).
#[allow(dead_code)] // read by the typescript_custom_section below, which rustc does not see
const TYPESCRIPT: &str = r#"
/** A provider profile, by authflowkit-core's name for it (any other string is refused when used). */
export type ProfileName = "makini_link" | "generic" | "makini_admin" | "makeshift" | (string & {});

/** Provider URLs (RFC 8414's `authorization_endpoint` and `token_endpoint`, and the API's base). Each must be https (plain http only to a loopback address); another key is refused. */
export interface Endpoints {
  /** Where the user is sent to authorize. */
  authorization?: string;
  /** Where codes and refresh tokens are exchanged for tokens. */
  token?: string;
  /** The API the access token is for: {@link Session.fetch} paths are relative to it, and the token goes nowhere else. */
  apiBase?: string;
}

/** The provider and this app's registration with it (a public client: no secret). */
export interface ClientOptions {
  /** The provider profile: `"makini_link"` (URLs built in) or `"generic"` (give `endpoints.token`). */
  profile: ProfileName;
  /** URLs that replace or complete the profile's (e.g. a test server's). */
  endpoints?: Endpoints;
  /** The client id registered with the provider. */
  clientId: string;
  /** The redirect URI registered with the provider: an absolute URL without a fragment. */
  redirectUri: string;
  /** Scopes to ask for. */
  scopes?: string[];
  /** Resource indicators (RFC 8707): the APIs the tokens are for, absolute URIs without a fragment (e.g. `"https://api.example/"`). Sent on the authorize URL and on every token request of the grant (code exchange, refresh), so the access tokens are audience-restricted to them; a resource the provider does not know is refused with kind `"invalid_scope"` (the provider's code `invalid_target` kept). */
  resources?: string[];
  /** The provider's issuer identifier, checked against the redirect's `iss` (RFC 9207). */
  issuer?: string;
  /** Refuse a redirect without `iss`. Default `false`. */
  requireIssuer?: boolean;
  /** Seconds the token endpoint has for its whole answer before the call fails with kind `"timeout"`. Default 30. */
  timeout?: number;
}

/** Options of {@link OAuthClient.createAuthorizationUrl}. */
export interface AuthorizationUrlOptions {
  /** More query parameters for the authorize URL, e.g. `{ prompt: "consent" }`; authflow's own (state, PKCE, ...) cannot be replaced. */
  extraParams?: Record<string, string>;
  /** Seconds the pending authorization stays valid. Default 600. */
  maxAge?: number;
  /** The sessionStorage key for the pending authorization (default `"authflow.pending"`), or `null` to have it returned instead. */
  storageKey?: string | null;
}

/** Where to send the user, and the pending authorization when the caller keeps it. */
export interface AuthorizationStart {
  /** The authorize URL: send the user there (`location.assign(url)`). */
  url: string;
  /** With `storageKey: null`: the pending authorization as a string to keep until the redirect (it holds the PKCE verifier: keep it like a session secret). Otherwise `null`. */
  pending: string | null;
}

/** Options of {@link OAuthClient.handleRedirect}. */
export interface HandleRedirectOptions {
  /** The sessionStorage key {@link OAuthClient.createAuthorizationUrl} used. Default `"authflow.pending"`. */
  storageKey?: string;
  /** The pending authorization string, when the caller kept it instead of sessionStorage (`start.pending` as {@link OAuthClient.createAuthorizationUrl} returned it; `null` reads sessionStorage). */
  pending?: string | null;
  /** Replace the address bar's URL with the redirect URI (no code, no state) via `history.replaceState`, so that the code and state stay out of history and `Referer`. Default `true` when the redirect is read from the address bar, `false` when `url` is given. */
  clearUrl?: boolean;
}

/** Tokens with absolute expiry times (Unix seconds, this browser's clock). A plain object: `JSON.stringify` and `JSON.parse` keep it whole. Read back (`refresh`, a `Session`'s `tokens`), each member is checked as the core checks its stored form (strings, whole seconds as numbers JavaScript keeps exactly, a list of scopes, `extra` an object, `null` for an absent one); anything else is an `invalid_stored_value` error naming the member as the stored form does (`issued_at` for `issuedAt`). It holds secrets: keep it out of logs and URLs. */
export interface TokenSet {
  /** The access token. */
  accessToken: string;
  /** `"Bearer"` for bearer tokens, whatever their case on the wire. */
  tokenType: string;
  /** The refresh token, if the provider sent one. After a refresh, only the new one is valid when the provider rotates. */
  refreshToken: string | null;
  /** When the tokens were received. */
  issuedAt: number;
  /** When the access token expires, if known (for Makini, from its absolute `expires_in`). */
  expiresAt: number | null;
  /** When the refresh token expires, if known. */
  refreshExpiresAt: number | null;
  /** The granted scopes, if the provider said. */
  scopes: string[] | null;
  /** How many seconds the provider's clock was ahead of this one (0 when its `Date` header is not readable). */
  clockSkew: number;
  /** Response fields authflow does not interpret, and the ID token as `id_token` when the provider sent one. */
  extra: Record<string, unknown>;
}

/** What went wrong: authflowkit-core's `ErrorKind` names. */
export type ErrorKind =
  | "invalid_request" | "invalid_client" | "invalid_grant" | "unauthorized_client"
  | "unsupported_grant_type" | "invalid_scope" | "access_denied" | "unsupported_response_type"
  | "server_error" | "temporarily_unavailable" | "other_oauth_error" | "state_mismatch"
  | "missing_code" | "missing_state" | "duplicate_parameter" | "pending_expired"
  | "issuer_mismatch" | "missing_issuer" | "token_in_callback" | "pending_already_used"
  | "unauthorized" | "forbidden" | "rate_limited" | "client_status" | "server_status"
  | "unexpected_status" | "transport" | "timeout" | "store_unavailable" | "invalid_response"
  | "configuration" | "authorization_required" | "invalid_stored_value" | "expired_token" | "id_token_invalid";

/** What to do about it: authflowkit-core's `Action` names. */
export type Action =
  | "retry" | "refresh" | "reauthenticate" | "authorize_again" | "user_denied" | "fix_configuration"
  | "report";

/** The one error type authflow throws (or rejects with). Its message never contains a token, code, verifier or secret. */
export declare class AuthflowError extends Error {
  readonly name: "AuthflowError";
  /** What went wrong. */
  readonly kind: ErrorKind;
  /** What to do about it. */
  readonly action: Action;
  /** Seconds to wait before retrying, from the provider's `Retry-After`. */
  readonly retryAfter: number | null;
  /** The HTTP status of the provider's response, when there was one. */
  readonly status: number | null;
  /** The provider's error code (`error`), e.g. `"access_denied"`. */
  readonly providerError: string | null;
  /** The provider's `error_description`. */
  readonly providerErrorDescription: string | null;
  /** The provider's `error_uri`. */
  readonly providerErrorUri: string | null;
  /** The provider's request id, when it sent one. */
  readonly requestId: string | null;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = TYPESCRIPT;

/// The `openid` feature's types (`authflowkit/browser-openid`'s and the
/// Node.js entry's), merged into
/// `ClientOptions` and `TokenSet` (TypeScript merges interfaces of one name).
#[cfg(feature = "openid")]
#[wasm_bindgen(typescript_custom_section)]
const OPENID_TYPES: &str = r#"
export interface ClientOptions {
  /** The provider is an OpenID Provider (give `issuer`, and ask for the `openid` scope): the authorize URL carries a `nonce`, and {@link OAuthClient.exchangeCode} checks the ID token's claims (issuer, audience, azp, expiry, issue time, nonce, auth_time against `max_age`, at_hash; not its signature: it comes straight from the token endpoint over TLS, OpenID Connect Core 1.0 §3.1.3.7 item 6) and hands them out as {@link TokenSet.idTokenClaims}; a token that fails is refused with kind `"id_token_invalid"`. Default `false`. */
  openid?: boolean;
}

export interface TokenSet {
  /** An OpenID client's: the claims of the ID token (`extra.id_token`), checked by {@link OAuthClient.exchangeCode}, and kept while a refresh keeps that token. `null` for an ID token that was not checked (a refresh's new one). */
  idTokenClaims?: IdTokenClaims | null;
}

/** The claims of an ID token (OpenID Connect Core 1.0 §2), as the provider sent them; each checked one is named here. */
export interface IdTokenClaims {
  /** The issuer: the client's `issuer`, exactly. */
  iss: string;
  /** The user, at this issuer. */
  sub: string;
  /** The audiences: they contain the client id. */
  aud: string | string[];
  /** Expiry, Unix seconds (provider's clock). */
  exp: number;
  /** Issue time, Unix seconds (provider's clock). */
  iat: number;
  /** The nonce of the authorize URL. */
  nonce?: string;
  /** When the user authenticated (required when `max_age` was sent, and checked against it). */
  auth_time?: number;
  /** The authorized party: the client id, when present. */
  azp?: string;
  /** Every other claim (`email`, `name`, `acr`, `amr`, `sid`, ...). */
  [claim: string]: unknown;
}
"#;

/// The Node.js build's options: a client with a secret.
#[cfg(feature = "confidential")]
#[wasm_bindgen(typescript_custom_section)]
const NODE_TYPES: &str = r#"
/** A server's registration (the `authflowkit/node` entry only): the client's secret, and how it gets tokens without a user. */
export interface ConfidentialClientOptions extends Omit<ClientOptions, "redirectUri"> {
  /** The redirect URI, for the code flow. */
  redirectUri?: string;
  /** The client secret (never logged, never in an error). */
  clientSecret?: string;
  /** `"client_credentials"`: a {@link Session} gets tokens with the client's own credentials, on first use and when they expire. */
  grant?: "authorization_code" | "client_credentials" | (string & {});
}
"#;

#[cfg(not(feature = "confidential"))]
#[wasm_bindgen]
extern "C" {
    /// The provider and the app's registration (`ClientOptions` in the types).
    #[wasm_bindgen(typescript_type = "ClientOptions")]
    pub type ClientOptions;
}

#[cfg(feature = "confidential")]
#[wasm_bindgen]
extern "C" {
    /// The provider and the server's registration, with its secret
    /// (`ConfidentialClientOptions` in the Node.js types).
    #[wasm_bindgen(typescript_type = "ConfidentialClientOptions")]
    pub type ClientOptions;
}

#[wasm_bindgen]
extern "C" {
    /// `AuthorizationUrlOptions` in the types.
    #[wasm_bindgen(typescript_type = "AuthorizationUrlOptions")]
    pub type AuthorizationUrlOptions;

    /// `HandleRedirectOptions` in the types.
    #[wasm_bindgen(typescript_type = "HandleRedirectOptions")]
    pub type HandleRedirectOptions;

    /// `AuthorizationStart` in the types: `{ url, pending }`.
    #[wasm_bindgen(typescript_type = "AuthorizationStart")]
    pub type AuthorizationStart;

    /// `TokenSet` in the types: see [`crate::token_set_to_js`].
    #[wasm_bindgen(typescript_type = "TokenSet")]
    pub type TokenSetObject;
}

#[cfg(feature = "dpop")]
#[wasm_bindgen]
extern "C" {
    /// `ResourceRequest` in the types (the `dpop` feature's).
    #[wasm_bindgen(typescript_type = "ResourceRequest")]
    pub type ResourceRequest;
}

pub(crate) fn js_error(error: Error) -> JsValue {
    error_to_js(&error)
}

/// One provider registration, read and checked once: the profile, its
/// endpoints (parsed), the client id, redirect URI and scopes. Every flow
/// is one of its methods, so a call reads no options object again.
#[wasm_bindgen]
pub struct OAuthClient {
    pub(crate) client: Rc<Client>,
    pub(crate) timeout_ms: f64,
    /// The DPoP key of the option `dpop`, and the servers' nonces.
    #[cfg(feature = "dpop")]
    dpop: Option<crate::dpop::BrowserDpop>,
}

#[wasm_bindgen]
impl OAuthClient {
    /// The client `options` describe. Throws an `AuthflowError` (`kind`
    /// `"configuration"`) for a wrong option, an unknown profile or
    /// endpoint name, or a URL the core refuses.
    #[wasm_bindgen(constructor)]
    pub fn new(options: ClientOptions) -> Result<OAuthClient, JsValue> {
        let options: &JsValue = options.as_ref();
        let client = client_from_options(options).map_err(js_error)?;
        #[cfg(feature = "dpop")]
        let (client, dpop) =
            crate::dpop::BrowserDpop::from_options(options, client).map_err(js_error)?;
        // Ignored, the option would leave the tokens bearer tokens without
        // a word.
        #[cfg(not(feature = "dpop"))]
        if crate::options::field(options, "dpop").is_some() {
            return Err(js_error(Error::new(
                ErrorKind::Configuration,
                "option dpop needs the entry authflowkit/browser-dpop",
            )));
        }
        Ok(OAuthClient {
            client: Rc::new(client),
            timeout_ms: timeout_ms(options).map_err(js_error)?,
            #[cfg(feature = "dpop")]
            dpop,
        })
    }

    /// Builds the authorize URL with a fresh `state` and PKCE S256 verifier
    /// (entropy from `crypto.getRandomValues`) and keeps the pending
    /// authorization in `sessionStorage` under `storageKey`, or returns it
    /// when `storageKey` is `null`. Throws an `AuthflowError` (`kind`
    /// `"configuration"`) when the options are wrong.
    #[wasm_bindgen(js_name = createAuthorizationUrl)]
    pub fn create_authorization_url(
        &self,
        options: Option<AuthorizationUrlOptions>,
    ) -> Result<AuthorizationStart, JsValue> {
        let options: JsValue = options.map(Into::into).unwrap_or_default();
        let request_options = authorization_options(&options).map_err(js_error)?;
        let key = storage_key(&options).map_err(js_error)?;
        let entropy = browser::random_bytes(AUTHORIZATION_ENTROPY_LEN).map_err(|e| {
            js_error(browser_error(
                ErrorKind::Configuration,
                "crypto.getRandomValues",
                &e,
            ))
        })?;
        let start = self
            .client
            .authorization_request_with(browser::now(), &entropy, &request_options)
            .map_err(js_error)?;
        let stored = start.pending.to_storage_string();
        let pending = match key {
            Some(key) => {
                browser::storage_set(&key, &stored).map_err(|e| {
                    js_error(browser_error(
                        ErrorKind::Configuration,
                        "sessionStorage",
                        &e,
                    ))
                })?;
                JsValue::NULL
            }
            None => stored.into(),
        };
        Ok(browser::authorization_start(&start.url, &pending).unchecked_into())
    }

    /// Checks the redirect the provider sent the user back with (`url`, by
    /// default `location.href`) against the pending authorization (from
    /// `sessionStorage`, or `options.pending`), which is cleared whatever
    /// the outcome. Returns the code, state, PKCE verifier and redirect URI
    /// for the app's back end (or for {@link OAuthClient.exchangeCode});
    /// throws an `AuthflowError` for a refusal by the provider (`kind`
    /// `"access_denied"` with `action` `"user_denied"` when the user
    /// declined: say so, and do not send them back on your own; other codes
    /// likewise, with `providerError` and `providerErrorDescription`), a
    /// state mismatch, an expired or missing pending authorization.
    /// Afterwards the address bar shows the redirect URI without code and
    /// state (RFC 9700 §4.2: they must not stay in history or leak through
    /// `Referer`), when the redirect was read from it or `clearUrl: true` is
    /// given, and the redirect URI is of the page's origin (otherwise the
    /// address is left alone); `clearUrl: false` leaves it as it is. The
    /// pending authorization names its client and server: the exchange
    /// checks they are this client's.
    #[wasm_bindgen(js_name = handleRedirect)]
    pub fn handle_redirect(
        &self,
        url: Option<String>,
        options: Option<HandleRedirectOptions>,
    ) -> Result<ValidatedCallback, JsValue> {
        let options: JsValue = options.map(Into::into).unwrap_or_default();
        let storage_error = |e: JsValue| {
            js_error(browser_error(
                ErrorKind::Configuration,
                "sessionStorage",
                &e,
            ))
        };
        let stored = match string_field(&options, "pending").map_err(js_error)? {
            Some(pending) => pending,
            None => {
                let key = string_field(&options, "storageKey")
                    .map_err(js_error)?
                    .unwrap_or_else(|| crate::DEFAULT_STORAGE_KEY.to_owned());
                let stored = browser::storage_get(&key).map_err(storage_error)?;
                browser::storage_remove(&key).map_err(storage_error)?;
                stored.unwrap_or_default()
            }
        };
        let pending = PendingAuthorization::from_storage_string(&stored).map_err(js_error)?;
        let from_address_bar = url.is_none();
        let url = match url {
            Some(url) => url,
            None => browser::current_url()
                .map_err(|e| js_error(browser_error(ErrorKind::Configuration, "location", &e)))?,
        };
        let result = pending.validate(&url, browser::now());
        let clear_url = bool_field(&options, "clearUrl").map_err(js_error)?;
        if clear_url.unwrap_or(from_address_bar) {
            // Best effort: a redirect URI of another origin than the page's
            // cannot be shown (SecurityError), and that must not cost the
            // app a valid code.
            let _ = browser::replace_url(pending.redirect_uri());
        }
        result.map(ValidatedCallback::new).map_err(js_error)
    }
}

impl OAuthClient {
    /// The core client (for the Node.js entry's `Session`, and tests).
    pub fn inner(&self) -> &Client {
        &self.client
    }

    /// The DPoP key and nonces of the option `dpop`.
    #[cfg(feature = "dpop")]
    pub(crate) fn dpop(&self) -> Option<&crate::dpop::BrowserDpop> {
        self.dpop.as_ref()
    }
}

#[wasm_bindgen]
impl OAuthClient {
    /// The `timeout` option, in milliseconds (for `Session`, which sends
    /// from JavaScript). Not part of the API.
    #[wasm_bindgen(getter, js_name = timeoutMs, skip_typescript)]
    pub fn timeout_ms(&self) -> f64 {
        self.timeout_ms
    }
}

/// A redirect that passed every check: the only value a code exchange can
/// be made from. Send `JSON.stringify(callback)` (code, state, verifier,
/// redirect URI) to the app's back end, or pass it to {@link OAuthClient.exchangeCode}.
/// It holds the code and verifier in WebAssembly memory, wiped by `free()`
/// or when it is garbage-collected. {@link OAuthClient.exchangeCode} takes it once: a
/// code is used once (RFC 6749 §4.1.2), so a second exchange is refused
/// (`pending_already_used`) without a request.
#[wasm_bindgen]
pub struct ValidatedCallback(pub(crate) authflowkit_core::OneUseCallback);

#[wasm_bindgen]
impl ValidatedCallback {
    /// The authorization code.
    #[wasm_bindgen(getter)]
    pub fn code(&self) -> String {
        self.0.callback().code().secret().to_owned()
    }

    /// The state that matched the pending authorization.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.0.callback().state().to_owned()
    }

    /// The PKCE verifier the code exchange must send (absent only for a
    /// profile without PKCE).
    #[wasm_bindgen(getter, js_name = codeVerifier)]
    pub fn code_verifier(&self) -> Option<String> {
        self.0
            .callback()
            .code_verifier()
            .map(|v| v.secret().to_owned())
    }

    /// The redirect URI the code was issued for (the exchange repeats it).
    #[wasm_bindgen(getter, js_name = redirectUri)]
    pub fn redirect_uri(&self) -> String {
        self.0.callback().redirect_uri().to_owned()
    }

    /// The redirect's other parameters (all but `code` and `state`) as
    /// `[name, value]` pairs, in order, repeats included: `iss`, `scope`,
    /// extensions.
    #[wasm_bindgen(getter, unchecked_return_type = "[string, string][]")]
    pub fn params(&self) -> JsValue {
        let pairs = js_sys::Array::new();
        for (name, value) in self.0.callback().params() {
            pairs.push(&js_sys::Array::of2(
                &JsValue::from_str(name),
                &JsValue::from_str(value),
            ));
        }
        pairs.into()
    }

    /// `{ code, state, codeVerifier, redirectUri }` as a plain object, what
    /// `JSON.stringify` writes.
    #[wasm_bindgen(
        js_name = toJSON,
        unchecked_return_type = "{ code: string; state: string; codeVerifier: string | null; redirectUri: string }"
    )]
    pub fn to_json(&self) -> JsValue {
        let object = Object::new();
        let verifier = self.code_verifier().map_or(JsValue::NULL, JsValue::from);
        for (name, value) in [
            ("code", JsValue::from(self.code())),
            ("state", self.state().into()),
            ("codeVerifier", verifier),
            ("redirectUri", self.redirect_uri().into()),
        ] {
            let _ = Reflect::set(&object, &name.into(), &value);
        }
        object.into()
    }
}

impl ValidatedCallback {
    /// Wraps a core callback (for Rust callers and tests).
    pub fn new(callback: authflowkit_core::ValidatedCallback) -> Self {
        ValidatedCallback(authflowkit_core::OneUseCallback::new(callback))
    }

    /// The core callback.
    pub fn inner(&self) -> &authflowkit_core::ValidatedCallback {
        self.0.callback()
    }
}

#[cfg(test)]
mod tests {
    use super::TYPESCRIPT as TYPES;
    use authflowkit_core::{Action, ErrorKind};

    /// The quoted names of the TypeScript union `export type {name} = …;`.
    fn union(name: &str) -> Vec<&'static str> {
        let start = TYPES
            .find(&format!("export type {name} ="))
            .unwrap_or_else(|| panic!("no type {name}"));
        let end = start + TYPES[start..].find(';').unwrap_or_default();
        TYPES[start..end].split('"').skip(1).step_by(2).collect()
    }

    /// The `.d.ts` spells exactly the core's names, so `kind` and `action`
    /// checks in TypeScript match what the core throws.
    #[test]
    fn typescript_error_names_are_the_cores() {
        let kinds = union("ErrorKind");
        assert_eq!(kinds.len(), ErrorKind::ALL.len(), "one name per ErrorKind");
        for kind in kinds {
            assert_eq!(ErrorKind::parse(kind).map(ErrorKind::as_str), Some(kind));
        }
        let actions = union("Action");
        assert_eq!(actions.len(), Action::ALL.len(), "one name per Action");
        for action in actions {
            assert_eq!(Action::parse(action).map(Action::as_str), Some(action));
        }
    }
}

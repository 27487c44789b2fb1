//! Core values ⇄ JavaScript values: token sets, HTTP requests and
//! responses, and errors. Renaming and copying only.

#[cfg(feature = "token-endpoint")]
use crate::browser;
use crate::browser::AuthflowError;
#[cfg(feature = "token-endpoint")]
use authflowkit_core::json::{parse_object, BadMember, Object};
use authflowkit_core::{Error, ErrorKind, HttpRequest, HttpResponse, ProviderError, Result};
#[cfg(feature = "token-endpoint")]
use authflowkit_core::{TokenSet, TokenSetMembers};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

#[cfg(feature = "token-endpoint")]
/// A token set as a plain JavaScript object: `accessToken`, `tokenType`,
/// `refreshToken`, `issuedAt`, `expiresAt`, `refreshExpiresAt` (Unix
/// seconds, absolute), `scopes`, `clockSkew`, `extra` (with the ID token,
/// if any, as `extra.id_token`); `null` where absent. With the `openid`
/// feature, `idTokenClaims` too when there is an ID token (`null` here: see
/// [`token_set_with_claims`]). It survives `JSON.stringify` and
/// `JSON.parse`. Made by one call into JavaScript (`js/token.js`
/// `tokenSet`), an object literal there; only `extra`, when the provider
/// sent fields authflow does not read, goes through JSON.
pub fn token_set_to_js(tokens: &TokenSet) -> JsValue {
    let extra = (!tokens.extra().is_empty())
        .then(|| authflowkit_core::json::object_to_json(tokens.extra()));
    let set = browser::token_set(
        tokens.access_token().secret(),
        tokens.token_type(),
        tokens.refresh_token().map(|t| t.secret()),
        tokens.issued_at() as f64,
        tokens.expires_at().map(|at| at as f64),
        tokens.refresh_expires_at().map(|at| at as f64),
        tokens.scopes().map(|scopes| scopes.join(" ")),
        tokens.clock_skew() as f64,
        extra,
    );
    // The core keeps the ID token apart from `extra` (its `openid-claims`
    // feature); JavaScript finds it where it always was.
    #[cfg(feature = "openid")]
    if let Some(id_token) = tokens.id_token() {
        return browser::with_id_token(set, id_token.secret(), false);
    }
    set
}

#[cfg(feature = "token-endpoint")]
/// [`token_set_to_js`], with `idTokenClaims` read from the set's ID token
/// when `claims` says its claims were checked (OpenID Connect Core 1.0
/// §3.1.3.7, at the code exchange), `null` otherwise.
/// Without the `openid` feature, [`token_set_to_js`].
pub fn token_set_with_claims(tokens: &TokenSet, claims: bool) -> JsValue {
    let set = token_set_to_js(tokens);
    #[cfg(feature = "openid")]
    if let (Some(id_token), true) = (tokens.id_token(), claims) {
        return browser::with_id_token(set, id_token.secret(), true);
    }
    let _ = claims;
    set
}

#[cfg(feature = "token-endpoint")]
/// Reads a token set made by [`token_set_to_js`] (or saved and loaded with
/// JSON) back into the core's type, one property at a time
/// ([`TokenSet::from_members`]: the checks of the core's stored form); a
/// malformed one is an `invalid_stored_value` error.
pub fn token_set_from_js(tokens: &JsValue) -> Result<TokenSet> {
    if !tokens.is_object() {
        return Err(Error::new(
            ErrorKind::InvalidStoredValue,
            "token set: not an object",
        ));
    }
    TokenSet::from_members(&mut JsTokenSet(browser::token_set_members(tokens)))
}

/// The core's names of the members `js/token.js` `tokenSetMembers` hands
/// over, in its order.
#[cfg(feature = "token-endpoint")]
const TOKEN_SET_MEMBERS: [&str; 9] = [
    "access_token",
    "token_type",
    "refresh_token",
    "issued_at",
    "expires_at",
    "refresh_expires_at",
    "scopes",
    "clock_skew",
    "extra",
];

/// A token set object's members (`js/token.js` `tokenSetMembers`), read
/// under the core's names.
#[cfg(feature = "token-endpoint")]
struct JsTokenSet(Array);

#[cfg(feature = "token-endpoint")]
impl JsTokenSet {
    /// The member `name`, unless it is absent or `null` (or a member a
    /// token set object does not have).
    fn member(&self, name: &'static str) -> Option<JsValue> {
        let at = TOKEN_SET_MEMBERS
            .iter()
            .position(|member| *member == name)?;
        Some(self.0.get(at as u32)).filter(|value| !value.is_undefined() && !value.is_null())
    }
}

/// What JSON would hold for a JavaScript number: an integer it keeps
/// exactly.
#[cfg(feature = "token-endpoint")]
fn exact_integer(value: &JsValue) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_991.0;
    let number = value.as_f64()?;
    (number.trunc() == number && number.abs() <= EXACT).then_some(number as i64)
}

#[cfg(feature = "token-endpoint")]
impl TokenSetMembers for JsTokenSet {
    fn string(&mut self, name: &'static str) -> std::result::Result<Option<String>, BadMember> {
        self.member(name)
            .map(|value| value.as_string().ok_or(BadMember(name)))
            .transpose()
    }

    fn strings(
        &mut self,
        name: &'static str,
    ) -> std::result::Result<Option<Vec<String>>, BadMember> {
        self.member(name)
            .map(|value| {
                // Array.isArray, not instanceof: an array made in another
                // realm (an iframe) is one too.
                Array::is_array(&value)
                    .then(|| value.unchecked_into::<Array>())
                    .and_then(|items| items.iter().map(|item| item.as_string()).collect())
                    .ok_or(BadMember(name))
            })
            .transpose()
    }

    fn integer<T: std::str::FromStr + TryFrom<i64>>(
        &mut self,
        name: &'static str,
    ) -> std::result::Result<Option<T>, BadMember> {
        self.member(name)
            .map(|value| {
                exact_integer(&value)
                    .and_then(|n| T::try_from(n).ok())
                    .ok_or(BadMember(name))
            })
            .transpose()
    }

    fn object(&mut self, name: &'static str) -> std::result::Result<Option<Object>, BadMember> {
        // Handed over as JSON (JavaScript values of any depth).
        self.member(name)
            .map(|value| {
                value
                    .as_string()
                    .and_then(|json| parse_object(json.as_bytes()))
                    .ok_or(BadMember(name))
            })
            .transpose()
    }
}

/// The parts of a request the browser's `fetch` takes: method, URL,
/// headers as `[[name, value], ...]`, body bytes.
pub fn request_to_js(request: &HttpRequest) -> (&'static str, &str, JsValue, &[u8]) {
    let headers: Array = request
        .headers
        .iter()
        .map(|(name, value)| Array::of2(&JsValue::from_str(name), &JsValue::from_str(value)).into())
        .collect::<Vec<JsValue>>()
        .into_iter()
        .collect();
    (
        request.method.as_str(),
        request.url.as_str(),
        headers.into(),
        request.body.as_slice(),
    )
}

/// `[method, url, headers, body]`: a request as `js/token.js` `send`
/// takes it. The JS strings and bytes are made from the request where it
/// lies: the body (a code, a refresh token) is not copied in Rust.
pub fn request_parts(request: &HttpRequest) -> JsValue {
    let (method, url, headers, body) = request_to_js(request);
    let parts = Array::of3(&method.into(), &url.into(), &headers);
    parts.push(&Uint8Array::from(body));
    parts.into()
}

/// A response from `[status, [[name, value], ...], Uint8Array]`, the shape
/// `js/token.js` resolves to.
pub fn response_from_js(response: &JsValue) -> Result<HttpResponse> {
    let invalid = || {
        Error::new(
            ErrorKind::Transport,
            "the browser returned no usable response",
        )
    };
    let parts = response.dyn_ref::<Array>().ok_or_else(invalid)?;
    let status = parts
        .get(0)
        .as_f64()
        .filter(|s| (0.0..=999.0).contains(s))
        .ok_or_else(invalid)? as u16;
    let headers = Array::from(&parts.get(1))
        .iter()
        .filter_map(|pair| {
            let pair = Array::from(&pair);
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect();
    let body = parts
        .get(2)
        .dyn_into::<Uint8Array>()
        .map_err(|_| invalid())?
        .to_vec();
    Ok(HttpResponse::new(status, headers, body))
}

/// The `AuthflowError` for a core error: `message` (the core's text, which
/// never holds a secret), `kind`, `action`, `retryAfter`, `status`,
/// `providerError`, `providerErrorDescription`, `providerErrorUri`,
/// `requestId`.
pub fn error_to_js(error: &Error) -> JsValue {
    let provider = error.provider();
    let text = |f: fn(&ProviderError) -> Option<&str>| provider.and_then(f).map(str::to_owned);
    AuthflowError::new(
        &error.summary(),
        error.kind().as_str(),
        error.action().as_str(),
        error.retry_after().map(|s| s as f64),
        error.status(),
        text(ProviderError::code),
        text(ProviderError::description),
        text(ProviderError::uri),
        text(ProviderError::request_id),
    )
    .into()
}

/// The kind of a failure `js/token.js` reported with one (`timeout`,
/// `unexpected_status` for a redirect); `transport` for anything else.
#[cfg(feature = "token-endpoint")]
pub(crate) fn failure_kind(thrown: &JsValue) -> ErrorKind {
    js_sys::Reflect::get(thrown, &"kind".into())
        .ok()
        .and_then(|kind| kind.as_string())
        .and_then(|kind| ErrorKind::parse(&kind))
        .unwrap_or(ErrorKind::Transport)
}

/// The core error for a failure the browser reported (a `fetch` that got no
/// response, unavailable storage): `kind` with the browser's own message.
pub(crate) fn browser_error(kind: ErrorKind, what: &str, thrown: &JsValue) -> Error {
    let detail = thrown
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| "unknown failure".to_owned());
    Error::new(kind, [what, ": ", &detail].concat())
}

//! The browser's IO, imported from `js/browser.js` (entropy, the clock,
//! `sessionStorage`, the address bar and the error class) and, with the
//! token endpoint, `js/token.js` (token set objects and `fetch`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/browser.js")]
extern "C" {
    /// The `AuthflowError` class (a subclass of `Error`).
    pub(crate) type AuthflowError;

    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        message: &str,
        kind: &str,
        action: &str,
        retry_after: Option<f64>,
        status: Option<u16>,
        provider_error: Option<String>,
        provider_error_description: Option<String>,
        provider_error_uri: Option<String>,
        request_id: Option<String>,
    ) -> AuthflowError;

    /// `{ url, pending }`.
    #[wasm_bindgen(js_name = authorizationStart)]
    pub(crate) fn authorization_start(url: &str, pending: &JsValue) -> JsValue;

    /// `length` bytes from `crypto.getRandomValues`.
    #[wasm_bindgen(js_name = randomBytes, catch)]
    pub(crate) fn random_bytes(length: usize) -> Result<Vec<u8>, JsValue>;

    /// The current Unix time in whole seconds.
    #[wasm_bindgen(js_name = nowSeconds)]
    pub(crate) fn now_seconds() -> f64;

    #[wasm_bindgen(js_name = storageGet, catch)]
    pub(crate) fn storage_get(key: &str) -> Result<Option<String>, JsValue>;

    #[wasm_bindgen(js_name = storageSet, catch)]
    pub(crate) fn storage_set(key: &str, value: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(js_name = storageRemove, catch)]
    pub(crate) fn storage_remove(key: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(js_name = currentUrl, catch)]
    pub(crate) fn current_url() -> Result<String, JsValue>;

    #[wasm_bindgen(js_name = replaceUrl, catch)]
    pub(crate) fn replace_url(url: &str) -> Result<(), JsValue>;
}

/// The token endpoint's pieces, from `js/token.js`: a module built without
/// it imports nothing of that file.
#[cfg(feature = "token-endpoint")]
#[wasm_bindgen(module = "/js/token.js")]
extern "C" {
    /// A token set object (see [`crate::token_set_to_js`]): `scopes`
    /// space-separated, `extra` as JSON.
    #[wasm_bindgen(js_name = tokenSet)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn token_set(
        access_token: &str,
        token_type: &str,
        refresh_token: Option<&str>,
        issued_at: f64,
        expires_at: Option<f64>,
        refresh_expires_at: Option<f64>,
        scopes: Option<String>,
        clock_skew: f64,
        extra: Option<String>,
    ) -> JsValue;

    /// A token set object's members, in the order of
    /// `convert::TOKEN_SET_MEMBERS`, `extra` as JSON (`undefined` for
    /// none): one call, then property reads only.
    #[wasm_bindgen(js_name = tokenSetMembers)]
    pub(crate) fn token_set_members(tokens: &JsValue) -> js_sys::Array;

    /// Sends `call`'s token request (`call.request()`) and resolves to
    /// what `call.finish` makes of the answer; rejects with an
    /// `AuthflowError`.
    pub(crate) fn grant(call: crate::token_call::TokenCall, timeout_ms: f64) -> js_sys::Promise;
}

/// The current Unix time in seconds, from the browser's clock.
pub(crate) fn now() -> u64 {
    // Date.now() is never negative or fractional after the floor in JS;
    // `as` saturates anyway.
    now_seconds() as u64
}

#[cfg(feature = "openid")]
#[wasm_bindgen(module = "/js/openid.js")]
extern "C" {
    /// Puts the ID token in `set.extra.id_token` and, when `claims` (the
    /// module checked them), its payload in `set.idTokenClaims`; returns
    /// `set`.
    #[wasm_bindgen(js_name = withIdToken)]
    pub(crate) fn with_id_token(set: JsValue, id_token: &str, claims: bool) -> JsValue;
}

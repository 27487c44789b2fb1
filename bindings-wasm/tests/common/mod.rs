//! What the browser tests share: stand-ins for the browser's clock,
//! entropy and `fetch` (so the exported functions run deterministically and
//! without a network), JSON ⇄ JS conversion, and calls to the exports.
#![allow(dead_code)] // Each test binary uses a different subset.

use authflow_wasm::{OAuthClient, ValidatedCallback};
use js_sys::{Promise, JSON};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = r#"
let recorded = [];
export function setNow(seconds) { Date.now = () => seconds * 1000; }
export function setEntropy(bytes) {
  const copy = bytes.slice();
  crypto.getRandomValues = (array) => { array.set(copy.subarray(0, array.length)); return array; };
}
export function setResponse(status, headers, body) {
  const bytes = body.slice();
  recorded = [];
  globalThis.fetch = async (url, init) => {
    recorded.push({
      method: init.method,
      url,
      headers: init.headers,
      body: init.body === undefined ? "" : new TextDecoder().decode(init.body),
    });
    // A real Response, read as the package reads one (its body stream);
    // statuses that cannot have a body get none.
    const empty = [101, 103, 204, 205, 304].includes(status);
    return new Response(empty ? null : bytes, { status, headers: new Headers(headers) });
  };
}
export function setFetchFailure(message) {
  recorded = [];
  globalThis.fetch = async (url, init) => { recorded.push({ url }); throw new TypeError(message); };
}
export function lastRequest() { return recorded.length ? recorded[recorded.length - 1] : null; }
export function requestCount() { return recorded.length; }
export function storedIssuer(stored) {
  const b64 = stored.trim().slice(5).replace(/-/g, "+").replace(/_/g, "/");
  const json = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return JSON.parse(json).i ?? null;
}
export function isAuthflowError(value) {
  return value instanceof Error && value.name === "AuthflowError"
    && value.constructor.name === "AuthflowError" && typeof value.kind === "string";
}
"#)]
extern "C" {
    /// Makes `Date.now()` return `seconds` (as milliseconds).
    #[wasm_bindgen(js_name = setNow)]
    pub fn set_now(seconds: f64);
    /// Makes `crypto.getRandomValues` fill arrays from `bytes`.
    #[wasm_bindgen(js_name = setEntropy)]
    pub fn set_entropy(bytes: &[u8]);
    /// Makes `fetch` record the request and answer with this response.
    #[wasm_bindgen(js_name = setResponse)]
    fn set_response_js(status: u16, headers: JsValue, body: &[u8]);
    /// Makes `fetch` reject as on a network failure.
    #[wasm_bindgen(js_name = setFetchFailure)]
    pub fn set_fetch_failure(message: &str);
    #[wasm_bindgen(js_name = lastRequest)]
    fn last_request_js() -> JsValue;
    /// How many requests `fetch` got since the last `set_response`.
    #[wasm_bindgen(js_name = requestCount)]
    pub fn request_count() -> u32;
    /// The issuer inside a pending authorization's storage string (test
    /// knowledge of the format, to build a callback it accepts).
    #[wasm_bindgen(js_name = storedIssuer)]
    pub fn stored_issuer(stored: &str) -> Option<String>;
    /// Whether a thrown value is an `AuthflowError` (an `Error` subclass).
    #[wasm_bindgen(js_name = isAuthflowError)]
    pub fn is_authflow_error(value: &JsValue) -> bool;
}

/// A JS value from JSON.
pub fn js(value: &Value) -> JsValue {
    JSON::parse(&value.to_string()).unwrap()
}

/// JSON from a JS value (`undefined` becomes `null`).
pub fn json_of(value: &JsValue) -> Value {
    if value.is_undefined() {
        return Value::Null;
    }
    let text = JSON::stringify(value).unwrap().as_string().unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Makes `fetch` answer with a vector-style response
/// (`{status, headers?, body | body_json}`).
pub fn set_response(response: &Value) {
    let body = match (&response["body"], &response["body_json"]) {
        (Value::String(s), _) => s.clone().into_bytes(),
        (_, Value::Null) => Vec::new(),
        (_, json) => json.to_string().into_bytes(),
    };
    let headers = response
        .get("headers")
        .cloned()
        .unwrap_or_else(|| json!([]));
    set_response_js(
        response["status"].as_u64().unwrap() as u16,
        js(&headers),
        &body,
    );
}

/// The last request `fetch` got, as a vector-style request
/// (`{method, url, headers, body}`), or `null`.
pub fn last_request() -> Value {
    json_of(&last_request_js())
}

/// An `AuthflowError` as the vectors describe errors, plus its message.
pub fn error_json(error: &JsValue) -> Value {
    assert!(is_authflow_error(error), "not an AuthflowError: {error:?}");
    let e = json_of(error);
    let message = js_sys::Reflect::get(error, &"message".into())
        .unwrap()
        .as_string()
        .unwrap();
    json!({
        "kind": e["kind"],
        "action": e["action"],
        "retry_after": e["retryAfter"],
        "status": e["status"],
        "provider_code": e["providerError"],
        "provider_description": e["providerErrorDescription"],
        "provider_uri": e["providerErrorUri"],
        "request_id": e["requestId"],
        "message": message,
    })
}

/// `new OAuthClient(options)`.
pub fn client(options: &Value) -> Result<OAuthClient, JsValue> {
    OAuthClient::new(js(options).unchecked_into())
}

/// `new OAuthClient(options).createAuthorizationUrl(options)`: one object
/// holds the client's options and the request's, as the tests write them.
pub fn create(options: &Value) -> Result<Value, JsValue> {
    create_js(js(options))
}

/// [`create`] with options made in JS.
pub fn create_js(options: JsValue) -> Result<Value, JsValue> {
    OAuthClient::new(options.clone().unchecked_into())?
        .create_authorization_url(Some(options.unchecked_into()))
        .map(|start| json_of(&start))
}

/// `client.handleRedirect(url, options)`, with a client that makes no
/// difference to it (the pending authorization names its own).
pub fn redirect(url: Option<&str>, options: Option<&Value>) -> Result<ValidatedCallback, JsValue> {
    let any_client = client(&json!({
        "profile": "makini_link", "clientId": "any", "redirectUri": "https://app.example/cb"
    }))?;
    any_client.handle_redirect(
        url.map(str::to_owned),
        options.map(|o| js(o).unchecked_into()),
    )
}

async fn settle(promise: Promise) -> Result<Value, JsValue> {
    JsFuture::from(promise).await.map(|v| json_of(&v))
}

/// `await new OAuthClient(options).exchangeCode(callback)`.
pub async fn exchange(options: &Value, callback: &ValidatedCallback) -> Result<Value, JsValue> {
    settle(client(options)?.exchange_code(callback)).await
}

/// `await new OAuthClient(options).refresh(tokens)`.
pub async fn refresh_tokens(options: &Value, tokens: &Value) -> Result<Value, JsValue> {
    settle(client(options)?.refresh(js(tokens).unchecked_into())).await
}

/// A callback's getters as the vectors write a validated callback.
pub fn callback_json(callback: &ValidatedCallback) -> Value {
    json!({
        "code": callback.code(),
        "state": callback.state(),
        "redirect_uri": callback.redirect_uri(),
        "code_verifier": callback.code_verifier(),
        "params": json_of(&callback.params()),
    })
}

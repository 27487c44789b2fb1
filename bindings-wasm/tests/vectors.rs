//! The golden vectors (`tests/vectors/`) that the browser API covers, run
//! in Chromium through the exported functions themselves:
//! `createAuthorizationUrl`, `handleRedirect`, `exchangeCode` and `refresh`,
//! with the browser's clock, entropy and `fetch` replaced by the case's
//! `now`, `entropy` and response.
//!
//! A case applies when its operation maps onto that API (authorization
//! URLs, callbacks, pending authorizations, public-client exchange
//! requests, code-exchange and refresh responses), its profile is one the
//! browser offers (Makini Link, generic) with only endpoint and issuer
//! settings, and, for requests, its client has no secret. Each test asserts
//! how many cases it ran, so none can silently drop out.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

mod common;

use common::*;
use serde_json::{json, Map, Value};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// The fallback redirect URI for cases whose client has none (parsing does
/// not depend on it, but the exchange needs one).
const REDIRECT_URI: &str = "https://app.example/callback";

/// Profile settings the browser API's options carry (the two URLs a
/// browser calls: `endpoints.authorization` and `endpoints.token`).
const OPTION_KEYS: [&str; 5] = [
    "kind",
    "authorization_endpoint",
    "token_endpoint",
    "issuer",
    "require_issuer",
];

/// Every case of `operation`, with its file's name.
fn cases(operation: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (file, text) in VECTOR_FILES {
        let doc: Value = serde_json::from_str(text).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            if case["operation"] == operation {
                let name = format!("{file}::{}", case["name"].as_str().unwrap());
                out.push((name, case.clone()));
            }
        }
    }
    out
}

fn browser_profile(case: &Value) -> bool {
    let profile = case["profile"].as_object().unwrap();
    matches!(profile["kind"].as_str(), Some("makini_link" | "generic"))
        && profile.keys().all(|k| OPTION_KEYS.contains(&k.as_str()))
}

fn public_client(case: &Value) -> bool {
    case["client"].get("client_secret").is_none()
}

/// The browser options for a case's profile and client.
fn options(case: &Value) -> Value {
    let profile = &case["profile"];
    let client = &case["client"];
    // The browser API takes the two URLs a browser calls, by their
    // JavaScript names; the other endpoints play no part in its operations.
    let mut endpoints = Map::new();
    for (key, name) in [
        ("authorization_endpoint", "authorization"),
        ("token_endpoint", "token"),
    ] {
        if let Some(value) = profile.get(key) {
            endpoints.insert(name.to_owned(), value.clone());
        }
    }
    let mut options = json!({
        "profile": profile["kind"],
        "endpoints": endpoints,
        "clientId": client["client_id"],
    });
    if let Some(redirect_uri) = client.get("redirect_uri") {
        options["redirectUri"] = redirect_uri.clone();
    }
    if let Some(scopes) = client.get("scopes") {
        options["scopes"] = scopes.clone();
    }
    if let Some(issuer) = profile.get("issuer") {
        options["issuer"] = issuer.clone();
        options["requireIssuer"] = profile
            .get("require_issuer")
            .cloned()
            .unwrap_or(json!(false));
    }
    options
}

/// The authorization options for a case's input, the pending
/// authorization returned to the caller.
fn authorization_options(case: &Value) -> Value {
    let input = &case["input"];
    let mut options = options(case);
    options["storageKey"] = Value::Null;
    if let Some(scopes) = input.get("scopes") {
        options["scopes"] = scopes.clone();
    }
    if let Some(max_age) = input.get("max_age") {
        options["maxAge"] = max_age.clone();
    }
    options
}

fn entropy(case: &Value) -> Vec<u8> {
    let hex = case["entropy"].as_str().unwrap_or_default();
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// The secrets in a case (the fields the vectors README names, and codes
/// in callback URLs), none of which an error message may show.
fn secrets(value: &Value, out: &mut Vec<String>) {
    const FIELDS: [&str; 6] = [
        "client_secret",
        "refresh_token",
        "access_token",
        "password",
        "token",
        "code_verifier",
    ];
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match v {
                    Value::String(s) if FIELDS.contains(&key.as_str()) && s.len() >= 6 => {
                        out.push(s.clone())
                    }
                    _ => secrets(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| secrets(v, out)),
        Value::String(s) => {
            if let Ok(inner @ Value::Object(_)) = serde_json::from_str::<Value>(s) {
                secrets(&inner, out);
            }
            let query = s.split_once('?').map_or(s.as_str(), |(_, q)| q);
            for pair in query.split('&') {
                if let Some(code) = pair.strip_prefix("code=") {
                    if code.len() >= 6 {
                        out.push(code.to_owned());
                    }
                }
            }
        }
        _ => {}
    }
}

/// Compares an outcome with the case's `expect`; `Err` describes a mismatch.
fn check(case: &Value, actual: Result<Value, wasm_bindgen::JsValue>) -> Result<(), String> {
    let expect = &case["expect"];
    match (actual, expect.get("error")) {
        (Ok(value), None) => (value == expect["result"])
            .then_some(())
            .ok_or_else(|| format!("expected {}\n     got {value}", expect["result"])),
        (Ok(value), Some(error)) => Err(format!("expected error {error}, got {value}")),
        (Err(thrown), expected) => {
            let error = error_json(&thrown);
            let Some(expected) = expected else {
                return Err(format!("expected success, got {error}"));
            };
            for (key, want) in expected.as_object().unwrap() {
                if &error[key] != want {
                    return Err(format!("error.{key}: expected {want}, got {}", error[key]));
                }
            }
            let mut found = Vec::new();
            secrets(case, &mut found);
            let message = error["message"].as_str().unwrap();
            match found.iter().find(|s| message.contains(s.as_str())) {
                Some(secret) => Err(format!(
                    "the message shows the secret {secret:?}: {message}"
                )),
                None => Ok(()),
            }
        }
    }
}

/// Runs every applicable case of `operation` and asserts that exactly
/// `expected` ran and all passed.
async fn run<F, Fut>(operation: &str, applies: fn(&Value) -> bool, expected: usize, mut each: F)
where
    F: FnMut(Value) -> Fut,
    Fut: std::future::Future<Output = Result<Value, wasm_bindgen::JsValue>>,
{
    let mut ran = 0;
    let mut failures = Vec::new();
    for (name, case) in cases(operation) {
        if !applies(&case) {
            continue;
        }
        ran += 1;
        let outcome = each(case.clone()).await;
        if let Err(why) = check(&case, outcome) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(ran, expected, "{operation}: applicable cases");
}

/// A validated callback carries the pending authorization's verifier and
/// redirect URI (the vectors' pending object).
fn assert_matches_pending<P>(callback: &authflow_wasm::ValidatedCallback, pending: &P)
where
    P: std::ops::Index<&'static str, Output = Value> + ?Sized,
{
    assert_eq!(
        callback.code_verifier().as_deref(),
        pending["code_verifier"].as_str()
    );
    assert_eq!(
        callback.redirect_uri(),
        pending["redirect_uri"].as_str().unwrap()
    );
}

/// `createAuthorizationUrl` at `at` with the case's entropy: the start.
fn start_at(case: &Value, at: u64) -> Result<Value, wasm_bindgen::JsValue> {
    set_now(at as f64);
    set_entropy(&entropy(case));
    let options = js(&authorization_options(case));
    if let Some(pairs) = case["input"].get("extra_params") {
        // In the case's order (a JSON map here would sort the keys).
        let extra = js_sys::Object::new();
        for pair in pairs.as_array().unwrap() {
            let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            js_sys::Reflect::set(&extra, &name.into(), &value.into()).unwrap();
        }
        js_sys::Reflect::set(&options, &"extraParams".into(), &extra).unwrap();
    }
    create_js(options)
}

/// Cases whose entropy the browser could give: it always draws the 48
/// bytes the core asks for, so a case about short entropy does not apply.
fn full_entropy(case: &Value) -> bool {
    case.get("entropy").is_none() || entropy(case).len() >= 48
}

#[wasm_bindgen_test]
async fn authorization_request() {
    let applies = |case: &Value| browser_profile(case) && full_entropy(case);
    // 19: the cases whose profiles set only what a browser calls (a case
    // about an http `api_base` is not one); one of them from
    // openid/authorization.json: an OAuth profile that sends a caller's
    // `nonce` as an extra parameter and needs only 48 bytes.
    run("authorization_request", applies, 19, |case| async move {
        let now = case["now"].as_u64().unwrap();
        let start = start_at(&case, now)?;
        let expected = &case["expect"]["result"];
        let Some(pending) = expected.get("pending") else {
            return Ok(start);
        };
        // The pending authorization came back to the caller; the redirect
        // it was made for shows what it holds.
        let state = pending["state"].as_str().unwrap();
        let callback = redirect(
            Some(&format!("?code=c0de-c0de&state={state}")),
            Some(&json!({"pending": start["pending"]})),
        )?;
        assert_matches_pending(&callback, pending);
        Ok(json!({"url": start["url"], "pending": pending}))
    })
    .await;
}

/// Makes the pending authorization of a callback case (at `authorized_at`,
/// or from `pending`) and validates `callback` at `now`.
fn validated(case: &Value) -> Result<authflow_wasm::ValidatedCallback, wasm_bindgen::JsValue> {
    let input = &case["input"];
    let now = case["now"].as_u64().unwrap();
    let pending = match input.get("pending") {
        Some(stored) => stored.clone(),
        None => {
            let at = input["authorized_at"].as_u64().unwrap_or(now);
            start_at(case, at)?["pending"].clone()
        }
    };
    set_now(now as f64);
    redirect(
        Some(input["callback"].as_str().unwrap_or_default()),
        Some(&json!({"pending": pending})),
    )
}

#[wasm_bindgen_test]
async fn validate_callback() {
    run(
        "validate_callback",
        browser_profile,
        71,
        |case| async move { validated(&case).map(|c| callback_json(&c)) },
    )
    .await;
}

#[wasm_bindgen_test]
async fn pending_from_storage() {
    // 21: every case but an OpenID Provider's (the browser package builds
    // the core without the `openid` feature, so it reads no `afp2.` string).
    run(
        "pending_from_storage",
        |case| case["profile"].get("openid").is_none(),
        21,
        |case| async move {
            let stored = &case["input"]["stored"];
            let Some(pending) = case["expect"]["result"].as_object() else {
                set_now(case["now"].as_f64().unwrap());
                // A bad stored value fails before any callback is looked at.
                return redirect(
                    Some("?code=c0de-c0de&state=x"),
                    Some(&json!({"pending": stored})),
                )
                .map(|c| callback_json(&c));
            };
            set_now(pending["created_at"].as_f64().unwrap());
            let state = pending["state"].as_str().unwrap();
            let iss = stored_issuer(stored.as_str().unwrap())
                .map(|i| format!("&iss={}", js_sys::encode_uri_component(&i)))
                .unwrap_or_default();
            let callback = redirect(
                Some(&format!("?code=c0de-c0de&state={state}{iss}")),
                Some(&json!({"pending": stored})),
            )?;
            assert_eq!(callback.state(), state);
            assert_matches_pending(&callback, pending);
            Ok(case["expect"]["result"].clone())
        },
    )
    .await;
}

#[wasm_bindgen_test]
async fn exchange_request() {
    let applies = |case: &Value| browser_profile(case) && public_client(case);
    run("exchange_request", applies, 12, |case| async move {
        let callback = validated(&case)?;
        set_response(&json!({"status": 200, "body_json": {"access_token": "at-123456"}}));
        exchange(&options(&case), &callback).await?;
        Ok(last_request())
    })
    .await;
}

/// A validated callback for the case's client, made at `now`.
fn callback_for(case: &Value, now: u64) -> authflow_wasm::ValidatedCallback {
    set_now(now as f64);
    set_entropy(&[7u8; 48]);
    let mut options = exchange_options(case);
    options["storageKey"] = Value::Null;
    if options["endpoints"].get("authorization").is_none() {
        // Parsing does not depend on it; the redirect needs one.
        options["endpoints"]["authorization"] = json!("https://as.example/authorize");
    }
    let start = create(&options).unwrap();
    let url = start["url"].as_str().unwrap();
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    redirect(
        Some(&format!("?code=c0de-c0de&state={state}")),
        Some(&json!({"pending": start["pending"]})),
    )
    .unwrap()
}

/// The options for a response-parsing case: the redirect URI the exchange
/// needs, when the case's client has none (parsing does not depend on it).
fn exchange_options(case: &Value) -> Value {
    let mut options = options(case);
    if options.get("redirectUri").is_none() {
        options["redirectUri"] = json!(REDIRECT_URI);
    }
    options
}

/// A token set as the browser API writes it, from the vectors' form.
fn browser_token_set(tokens: &Value) -> Value {
    json!({
        "accessToken": tokens["access_token"],
        "tokenType": tokens["token_type"],
        "refreshToken": tokens["refresh_token"],
        "issuedAt": tokens["issued_at"],
        "expiresAt": tokens["expires_at"],
        "refreshExpiresAt": tokens["refresh_expires_at"],
        "scopes": tokens["scopes"],
        "clockSkew": tokens["clock_skew"],
        "extra": tokens["extra"],
    })
}

/// The vectors' form of a browser token set. The browser package builds
/// the core without the `openid` feature, so a response's `id_token` stays
/// among its `extra` members; the vectors name it apart.
fn vector_token_set(tokens: &Value) -> Value {
    let mut extra = tokens["extra"].clone();
    let id_token = extra
        .as_object_mut()
        .and_then(|members| members.remove("id_token"));
    let mut set = json!({
        "access_token": tokens["accessToken"],
        "token_type": tokens["tokenType"],
        "refresh_token": tokens["refreshToken"],
        "issued_at": tokens["issuedAt"],
        "expires_at": tokens["expiresAt"],
        "refresh_expires_at": tokens["refreshExpiresAt"],
        "scopes": tokens["scopes"],
        "clock_skew": tokens["clockSkew"],
        "extra": extra,
    });
    if let Some(id_token) = id_token {
        set["id_token"] = id_token;
    }
    set
}

#[wasm_bindgen_test]
async fn parse_token_response_through_exchange_code() {
    let applies =
        |case: &Value| browser_profile(case) && case["input"]["grant"] == "authorization_code";
    run("parse_token_response", applies, 96, |case| async move {
        let now = case["now"].as_u64().unwrap();
        let callback = callback_for(&case, now);
        set_response(&case["input"]["response"]);
        let tokens = exchange(&exchange_options(&case), &callback).await?;
        assert_eq!(request_count(), 1);
        Ok(vector_token_set(&tokens))
    })
    .await;
}

#[wasm_bindgen_test]
async fn refresh_request_for_through_refresh() {
    let applies = |case: &Value| browser_profile(case) && public_client(case);
    run("refresh_request_for", applies, 2, |case| async move {
        set_now(case["now"].as_f64().unwrap());
        set_response(&json!({"status": 200, "body_json": {"access_token": "at-123456"}}));
        let tokens = browser_token_set(&case["input"]["tokens"]);
        refresh_tokens(&exchange_options(&case), &tokens).await?;
        Ok(last_request())
    })
    .await;
}

#[wasm_bindgen_test]
async fn parse_refresh_response_through_refresh() {
    run(
        "parse_refresh_response",
        browser_profile,
        6,
        |case| async move {
            set_now(case["now"].as_f64().unwrap());
            set_response(&case["input"]["response"]);
            let previous = browser_token_set(&case["input"]["previous"]);
            let tokens = refresh_tokens(&exchange_options(&case), &previous).await?;
            // The refresh request itself: the old refresh token and the client
            // id, never a secret.
            let sent = last_request();
            let body = sent["body"].as_str().unwrap();
            assert!(
                body.starts_with("grant_type=refresh_token&refresh_token="),
                "{body}"
            );
            assert!(!body.contains("client_secret"), "{body}");
            Ok(vector_token_set(&tokens))
        },
    )
    .await;
}

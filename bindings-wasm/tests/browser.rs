//! The browser behaviour around the core, in Chromium: `sessionStorage`
//! (default and custom keys, cleared after every redirect), the address
//! bar, the `AuthflowError` shape, and the public-client exchange and
//! refresh over `fetch` (answered by a stand-in, so no network is needed).

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

mod common;

use common::*;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export const storageGet = (key) => sessionStorage.getItem(key);
export const storageSet = (key, value) => sessionStorage.setItem(key, value);
export const locationHref = () => location.href;
export const setLocation = (url) => history.replaceState(null, "", url);
"#)]
extern "C" {
    #[wasm_bindgen(js_name = storageGet)]
    fn storage_get(key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = storageSet)]
    fn storage_set(key: &str, value: &str);
    #[wasm_bindgen(js_name = locationHref)]
    fn location_href() -> String;
    #[wasm_bindgen(js_name = setLocation)]
    fn set_location(url: &str);
}

const NOW: u64 = 1_713_082_414;
const DEFAULT_KEY: &str = "authflow.pending";

fn link_options(redirect_uri: &str) -> Value {
    json!({
        "profile": "makini_link",
        "clientId": "link-public",
        "redirectUri": redirect_uri,
        "endpoints": {
            "authorization": "http://127.0.0.1:9/link/oauth/authorize",
            "token": "http://127.0.0.1:9/link/token",
        },
    })
}

fn query_param(url: &str, name: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap()
        .to_owned()
}

/// Starts an authorization kept in sessionStorage under `key` (default
/// when `None`); returns the state.
fn start(options: &mut Value, key: Option<&str>) -> String {
    set_now(NOW as f64);
    set_entropy(&(0..48).collect::<Vec<u8>>());
    if let Some(key) = key {
        options["storageKey"] = json!(key);
    }
    let start = create(options).unwrap();
    assert_eq!(start["pending"], Value::Null);
    query_param(start["url"].as_str().unwrap(), "state")
}

#[wasm_bindgen_test]
fn the_pending_authorization_lives_in_session_storage_until_the_redirect() {
    let redirect_uri = "https://app.example/callback";
    let state = start(&mut link_options(redirect_uri), None);
    let stored = storage_get(DEFAULT_KEY).unwrap();
    assert!(stored.starts_with("afp1."), "{stored}");

    let url = format!("{redirect_uri}?code=auth-code-1&state={state}");
    let callback = redirect(Some(&url), None).unwrap();
    assert_eq!(callback.code(), "auth-code-1");
    assert_eq!(callback.state(), state);
    assert_eq!(callback.redirect_uri(), redirect_uri);
    // RFC 7636 Appendix B-style: 32 bytes of entropy make 43 characters.
    assert_eq!(callback.code_verifier().unwrap().len(), 43);
    // What a back end gets from JSON.stringify(callback).
    let sent = json_of(&callback.to_json());
    assert_eq!(sent["code"], "auth-code-1");
    assert_eq!(sent["codeVerifier"], json!(callback.code_verifier()));
    assert_eq!(sent["redirectUri"], redirect_uri);
    // Used once: gone from storage, so a replayed redirect fails.
    assert_eq!(storage_get(DEFAULT_KEY), None);
    let error = error_json(&redirect(Some(&url), None).err().unwrap());
    assert_eq!(error["kind"], "invalid_stored_value");
    assert_eq!(error["action"], "authorize_again");
}

#[wasm_bindgen_test]
fn a_custom_storage_key_is_used_and_cleared_even_when_the_redirect_fails() {
    let state = start(
        &mut link_options("https://app.example/cb"),
        Some("my-app:oauth"),
    );
    assert!(storage_get("my-app:oauth").is_some());
    assert_eq!(storage_get(DEFAULT_KEY), None);
    let options = json!({"storageKey": "my-app:oauth"});
    let url = format!("https://app.example/cb?code=c0de-c0de&state=X{state}");
    let error = error_json(&redirect(Some(&url), Some(&options)).err().unwrap());
    assert_eq!(error["kind"], "state_mismatch");
    assert_eq!(error["action"], "authorize_again");
    assert!(!error["message"].as_str().unwrap().contains("c0de-c0de"));
    assert_eq!(storage_get("my-app:oauth"), None);
}

#[wasm_bindgen_test]
fn a_denied_authorization_is_an_authflow_error_with_the_providers_words() {
    let state = start(&mut link_options("https://app.example/cb"), None);
    let url = format!(
        "https://app.example/cb?error=access_denied&error_description=The+user+denied+access&state={state}"
    );
    let thrown = redirect(Some(&url), None).err().unwrap();
    let error = error_json(&thrown);
    assert_eq!(error["kind"], "access_denied");
    assert_eq!(error["action"], "user_denied");
    assert_eq!(error["provider_code"], "access_denied");
    assert_eq!(error["provider_description"], "The user denied access");
    assert_eq!(error["status"], Value::Null);
    assert_eq!(error["retry_after"], Value::Null);
    assert_eq!(storage_get(DEFAULT_KEY), None);
}

#[wasm_bindgen_test]
fn the_redirect_defaults_to_the_address_bar_and_the_code_is_removed_from_it() {
    let original = location_href();
    let origin = original.split('/').take(3).collect::<Vec<_>>().join("/");
    let redirect_uri = format!("{origin}/callback?tab=2");
    let state = start(&mut link_options(&redirect_uri), None);
    set_location(&format!("{redirect_uri}&code=auth-code-2&state={state}"));
    let callback = redirect(None, Some(&json!({"clearUrl": true}))).unwrap();
    let after = location_href();
    set_location(&original);
    assert_eq!(callback.code(), "auth-code-2");
    assert_eq!(after, redirect_uri);

    // A redirect URI of another origin cannot be shown: the address stays,
    // and the valid callback is still returned.
    let state = start(&mut link_options("https://app.example/cb"), None);
    let url = format!("https://app.example/cb?code=auth-code-4&state={state}");
    let callback = redirect(Some(&url), Some(&json!({"clearUrl": true}))).unwrap();
    assert_eq!(callback.code(), "auth-code-4");
    assert_eq!(location_href(), original);

    // Read from the address bar, the code leaves it without being asked
    // (RFC 9700 §4.2: history, Referer).
    let state = start(&mut link_options(&redirect_uri), None);
    set_location(&format!("{redirect_uri}&code=auth-code-5&state={state}"));
    redirect(None, None).unwrap();
    let after = location_href();
    set_location(&original);
    assert_eq!(after, redirect_uri);

    // With clearUrl: false the address bar is left alone.
    let state = start(&mut link_options(&redirect_uri), None);
    let with_code = format!("{redirect_uri}&code=auth-code-3&state={state}");
    set_location(&with_code);
    redirect(None, Some(&json!({"clearUrl": false}))).unwrap();
    let after = location_href();
    set_location(&original);
    assert_eq!(after, with_code);
}

#[wasm_bindgen_test]
fn wrong_options_are_configuration_errors() {
    for options in [
        json!({"clientId": "c", "redirectUri": "https://app.example/cb"}),
        json!({"profile": "nope", "clientId": "c", "redirectUri": "https://app.example/cb"}),
        json!({"profile": "makini_link", "redirectUri": "https://app.example/cb"}),
        json!({"profile": "makini_link", "clientId": 7, "redirectUri": "https://app.example/cb"}),
        json!({"profile": "makini_link", "clientId": "c", "redirectUri": "not a url"}),
        json!({"profile": "makini_link", "clientId": "c", "redirectUri": "https://app.example/cb",
               "endpoints": {"token": "http://as.example/token"}}),
        json!({"profile": "makini_link", "clientId": "c", "redirectUri": "https://app.example/cb",
               "endpoints": {"token_endpoint": "https://as.example/token"}}),
        json!({"profile": "makini_link", "clientId": "c", "redirectUri": "https://app.example/cb",
               "scopes": "read"}),
        json!({"profile": "makini_link", "clientId": "c", "redirectUri": "https://app.example/cb",
               "extraParams": {"state": "mine"}}),
        json!({"profile": "makini_link", "clientId": "c", "redirectUri": "https://app.example/cb",
               "maxAge": -1}),
        json!({"profile": "generic", "clientId": "c", "redirectUri": "https://app.example/cb"}),
        json!({"profile": "makeshift", "clientId": "c", "redirectUri": "https://app.example/cb"}),
        json!({"profile": "makini_admin", "clientId": "c", "redirectUri": "https://app.example/cb",
               "endpoints": {"token": "https://api.makini.io/admin/token"}}),
    ] {
        let error = error_json(&create(&options).err().unwrap());
        assert_eq!(error["kind"], "configuration", "{options}");
        assert_eq!(error["action"], "fix_configuration", "{options}");
    }
}

/// A callback for the public Makini Link client, ready to exchange.
fn link_callback() -> (Value, authflow_wasm::ValidatedCallback) {
    let mut options = link_options("http://127.0.0.1:8400/callback");
    options["storageKey"] = Value::Null;
    set_now(NOW as f64);
    set_entropy(&[9u8; 48]);
    let start = create(&options).unwrap();
    let state = query_param(start["url"].as_str().unwrap(), "state");
    let url = format!("http://127.0.0.1:8400/callback?code=auth-code-9&state={state}");
    let callback = redirect(Some(&url), Some(&json!({"pending": start["pending"]}))).unwrap();
    (options, callback)
}

/// RFC 6749 §4.1.2: a code is used once. A second `exchangeCode` with the
/// same callback is refused before any request is sent.
#[wasm_bindgen_test]
async fn a_validated_callback_is_exchanged_once() {
    let (options, callback) = link_callback();
    set_response(&json!({
        "status": 200,
        "body_json": {"access_token": "at-123456", "token_type": "bearer"},
    }));
    exchange(&options, &callback).await.unwrap();
    assert_eq!(request_count(), 1);
    let error = error_json(&exchange(&options, &callback).await.err().unwrap());
    assert_eq!(error["kind"], "pending_already_used");
    assert_eq!(error["action"], "authorize_again");
    assert_eq!(request_count(), 1, "nothing was sent the second time");
    // What a back end needs stays readable.
    assert_eq!(callback.code(), "auth-code-9");
}

#[wasm_bindgen_test]
async fn exchange_code_sends_no_secret_and_reads_makinis_absolute_expiry() {
    let (options, callback) = link_callback();
    set_now((NOW + 30) as f64);
    set_response(&json!({
        "status": 200,
        "headers": [["Content-Type", "application/json"]],
        "body_json": {"access_token": "at-123456", "refresh_token": "rt-123456",
                      "token_type": "bearer", "expires_in": 1_715_674_414_u64},
    }));
    let tokens = exchange(&options, &callback).await.unwrap();
    let sent = last_request();
    assert_eq!(sent["method"], "POST");
    assert_eq!(sent["url"], "http://127.0.0.1:9/link/token");
    let body = sent["body"].as_str().unwrap();
    assert!(
        body.starts_with("grant_type=authorization_code&code=auth-code-9&"),
        "{body}"
    );
    assert!(body.contains("&client_id=link-public"), "{body}");
    assert!(body.contains(&format!(
        "code_verifier={}",
        callback.code_verifier().unwrap()
    )));
    assert!(!body.contains("client_secret"), "{body}");
    assert!(
        !sent["headers"].to_string().contains("Authorization"),
        "{sent}"
    );
    assert_eq!(
        tokens,
        json!({
            "accessToken": "at-123456", "tokenType": "Bearer", "refreshToken": "rt-123456",
            "issuedAt": NOW + 30, "expiresAt": 1_715_674_414_u64,
            "refreshExpiresAt": NOW + 30 + 31 * 86_400, "scopes": null, "clockSkew": 0,
            "extra": {},
        })
    );

    // The refresh of that token set rotates the pair.
    set_now((NOW + 60) as f64);
    set_response(&json!({
        "status": 200,
        "body_json": {"access_token": "at-new-123", "refresh_token": "rt-new-123",
                      "token_type": "bearer", "expires_in": 1_718_180_014_u64},
    }));
    // As an app would keep it: through JSON.
    let saved: Value = serde_json::from_str(&tokens.to_string()).unwrap();
    let renewed = refresh_tokens(&options, &saved).await.unwrap();
    let body = last_request()["body"].as_str().unwrap().to_owned();
    assert_eq!(
        body,
        "grant_type=refresh_token&refresh_token=rt-123456&client_id=link-public"
    );
    assert_eq!(renewed["refreshToken"], "rt-new-123");
    assert_eq!(renewed["expiresAt"], 1_718_180_014_u64);
    assert_eq!(renewed["issuedAt"], NOW + 60);
}

#[wasm_bindgen_test]
async fn provider_and_transport_failures_are_authflow_errors() {
    let (options, callback) = link_callback();
    set_response(&json!({
        "status": 400,
        "body_json": {"error": "invalid_grant", "error_description": "The code was already used"},
    }));
    let error = error_json(&exchange(&options, &callback).await.err().unwrap());
    assert_eq!(error["kind"], "invalid_grant");
    assert_eq!(error["action"], "authorize_again");
    assert_eq!(error["status"], 400);
    assert_eq!(error["provider_code"], "invalid_grant");
    assert_eq!(error["provider_description"], "The code was already used");
    assert!(!error["message"].as_str().unwrap().contains("auth-code-9"));

    set_response(&json!({
        "status": 503,
        "headers": [["Retry-After", "120"]],
        "body": "<html>down</html>",
    }));
    // Each attempt spends its callback (a code is used once): a new one.
    let (options, callback) = link_callback();
    let error = error_json(&exchange(&options, &callback).await.err().unwrap());
    assert_eq!(error["kind"], "server_status");
    assert_eq!(error["action"], "retry");
    assert_eq!(error["retry_after"], 120);

    set_fetch_failure("Failed to fetch");
    let (options, callback) = link_callback();
    let error = error_json(&exchange(&options, &callback).await.err().unwrap());
    assert_eq!(error["kind"], "transport");
    assert_eq!(error["action"], "retry");
    assert_eq!(request_count(), 1);

    // A token set without a refresh token cannot be refreshed; nothing is sent.
    set_response(&json!({"status": 200, "body_json": {}}));
    let tokens = json!({"accessToken": "at-1", "tokenType": "Bearer", "issuedAt": NOW});
    let error = error_json(&refresh_tokens(&options, &tokens).await.err().unwrap());
    assert_eq!(error["kind"], "authorization_required");
    assert_eq!(request_count(), 0);
    // Nor can something that is not a token set.
    let error = error_json(
        &refresh_tokens(&options, &json!("tokens"))
            .await
            .err()
            .unwrap(),
    );
    assert_eq!(error["kind"], "invalid_stored_value");
    assert_eq!(request_count(), 0);
}

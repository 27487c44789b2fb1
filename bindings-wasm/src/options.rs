//! JavaScript option objects → core values: a [`Client`] (profile plus
//! registration) and [`AuthorizationOptions`]. Only reading and type
//! checks happen here; the core checks the values themselves (URLs, the
//! HTTPS rule, reserved parameters).

use authflowkit_core::{
    AuthorizationOptions, Client, EndpointRole, Error, ErrorKind, Profile, ProviderKind, Result,
};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// The `sessionStorage` key of the pending authorization when the options
/// name none.
pub const DEFAULT_STORAGE_KEY: &str = "authflow.pending";

/// The URLs `options.endpoints` may set, by their JavaScript names: the
/// only endpoints a browser calls.
const ENDPOINT_KEYS: [(&str, EndpointRole); 3] = [
    ("authorization", EndpointRole::Authorization),
    ("token", EndpointRole::Token),
    ("apiBase", EndpointRole::ApiBase),
];

/// Reads `object[name]`; `None` when absent, `undefined` or `null`.
pub(crate) fn field(object: &JsValue, name: &str) -> Option<JsValue> {
    if !object.is_object() {
        return None;
    }
    Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn wrong_type(name: &str, expected: &str) -> Error {
    Error::new(
        ErrorKind::Configuration,
        ["option ", name, " must be ", expected].concat(),
    )
}

/// An optional string option.
pub(crate) fn string_field(object: &JsValue, name: &str) -> Result<Option<String>> {
    field(object, name)
        .map(|v| v.as_string().ok_or_else(|| wrong_type(name, "a string")))
        .transpose()
}

fn required_string(object: &JsValue, name: &str) -> Result<String> {
    string_field(object, name)?.ok_or_else(|| wrong_type(name, "a string"))
}

/// An optional boolean option.
pub(crate) fn bool_field(object: &JsValue, name: &str) -> Result<Option<bool>> {
    field(object, name)
        .map(|v| v.as_bool().ok_or_else(|| wrong_type(name, "a boolean")))
        .transpose()
}

fn string_list(object: &JsValue, name: &str) -> Result<Option<Vec<String>>> {
    let Some(value) = field(object, name) else {
        return Ok(None);
    };
    let array = value
        .dyn_into::<Array>()
        .map_err(|_| wrong_type(name, "an array of strings"))?;
    array
        .iter()
        .map(|item| {
            item.as_string()
                .ok_or_else(|| wrong_type(name, "an array of strings"))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// The client an options object describes: `profile` (a provider name as
/// authflowkit-core spells it: `makini_link` or `generic`; the other profiles'
/// flows need a client secret), `endpoints` (`authorization` and `token`
/// URLs, replacing or completing the profile's), `clientId`,
/// `redirectUri`, `scopes`, `resources`, `issuer`, `requireIssuer` and `openid`.
pub fn client_from_options(options: &JsValue) -> Result<Client> {
    if !options.is_object() {
        return Err(wrong_type("object", "an object"));
    }
    let name = required_string(options, "profile")?;
    let kind = ProviderKind::parse(&name).ok_or_else(|| {
        Error::new(
            ErrorKind::Configuration,
            ["unknown profile \"", &name, "\""].concat(),
        )
    })?;
    let endpoints = field(options, "endpoints").unwrap_or(JsValue::UNDEFINED);
    if endpoints.is_object() {
        // A misspelt or old name (`token_endpoint`) would otherwise leave
        // the profile's own URL in place without a word.
        if let Some(key) = Object::keys(endpoints.unchecked_ref::<Object>())
            .iter()
            .filter_map(|key| key.as_string())
            .find(|key| !ENDPOINT_KEYS.iter().any(|(name, _)| name == key))
        {
            return Err(Error::new(
                ErrorKind::Configuration,
                [
                    "unknown endpoint \"",
                    &key,
                    "\": endpoints takes authorization, token and apiBase",
                ]
                .concat(),
            ));
        }
    }
    let endpoint = |role: EndpointRole| {
        let key = ENDPOINT_KEYS
            .iter()
            .find(|(_, r)| *r == role)
            .map_or("", |(k, _)| k);
        string_field(&endpoints, key)
    };
    let token = endpoint(EndpointRole::Token)?.unwrap_or_default();
    let mut profile = match kind {
        ProviderKind::MakiniLink => Profile::makini_link(),
        ProviderKind::Generic => {
            Profile::generic(endpoint(EndpointRole::Authorization)?.as_deref(), &token)?
        }
        #[cfg(feature = "confidential")]
        ProviderKind::MakiniAdmin => Profile::makini_admin(&token)?,
        #[cfg(feature = "confidential")]
        ProviderKind::MakeShift => Profile::makeshift(),
        // Their flows need a client secret (client credentials, MakeShift's
        // password grant), which has no place in a browser.
        #[cfg(not(feature = "confidential"))]
        ProviderKind::MakiniAdmin | ProviderKind::MakeShift => {
            return Err(Error::new(
                ErrorKind::Configuration,
                [
                    "profile \"",
                    &name,
                    "\" needs a client secret: not available in the browser",
                ]
                .concat(),
            ))
        }
    };
    #[cfg(feature = "confidential")]
    match string_field(options, "grant")?.as_deref() {
        None | Some("authorization_code") => {}
        Some("client_credentials") => {
            profile = profile
                .with_reauthentication(authflowkit_core::Reauthentication::ClientCredentials);
        }
        Some(other) => {
            return Err(Error::new(
                ErrorKind::Configuration,
                [
                    "grant \"",
                    other,
                    "\" is not one of authorization_code, client_credentials",
                ]
                .concat(),
            ))
        }
    }
    for (_, role) in ENDPOINT_KEYS {
        if let Some(url) = endpoint(role)? {
            profile = profile.with_endpoint(role, &url)?;
        }
    }
    if let Some(issuer) = string_field(options, "issuer")? {
        let require = bool_field(options, "requireIssuer")?.unwrap_or(false);
        profile = profile.with_issuer(&issuer, require);
    }
    // An OpenID Provider: a nonce in the authorize URL, the ID token's
    // claims checked at the code exchange, against the issuer.
    if bool_field(options, "openid")? == Some(true) {
        #[cfg(feature = "openid")]
        if profile.issuer().is_some() {
            profile = profile.with_openid(true);
        } else {
            return Err(wrong_type("issuer", "given with openid"));
        }
        // Not silently ignored: the app would take ID tokens for checked.
        // The default browser entry's module (its size budget): OpenID is
        // the opt-in entry's, built with the feature.
        #[cfg(not(feature = "openid"))]
        return Err(Error::new(
            ErrorKind::Configuration,
            "option openid: import authflowkit/browser-openid (or authflowkit/node) for OpenID",
        ));
    }
    let mut client = Client::new(profile, required_string(options, "clientId")?);
    // A client acting on its own behalf has no redirect URI.
    if let Some(redirect_uri) = string_field(options, "redirectUri")? {
        client = client.with_redirect_uri(&redirect_uri)?;
    } else if cfg!(not(feature = "confidential")) {
        return Err(wrong_type("redirectUri", "a string"));
    }
    #[cfg(feature = "confidential")]
    if let Some(secret) = string_field(options, "clientSecret")? {
        client = client.with_client_secret(authflowkit_core::ClientSecret::new(secret));
    }
    if let Some(scopes) = string_list(options, "scopes")? {
        client = client.with_scopes(scopes);
    }
    // RFC 8707: checked here, sent on the authorization request and every
    // token request of the grant.
    if let Some(resources) = string_list(options, "resources")? {
        client = client.with_resources(resources)?;
    }
    Ok(client)
}

/// The per-request options: `extraParams` (an object of string values, in
/// its key order) and `maxAge` (seconds the pending authorization is kept).
pub fn authorization_options(options: &JsValue) -> Result<AuthorizationOptions> {
    let mut extra_params = Vec::new();
    if let Some(extra) = field(options, "extraParams") {
        let object = extra
            .dyn_into::<Object>()
            .map_err(|_| wrong_type("extraParams", "an object of strings"))?;
        for entry in Object::entries(&object).iter() {
            let pair = Array::from(&entry);
            match (pair.get(0).as_string(), pair.get(1).as_string()) {
                (Some(name), Some(value)) => extra_params.push((name, value)),
                _ => return Err(wrong_type("extraParams", "an object of strings")),
            }
        }
    }
    let max_age = field(options, "maxAge")
        .map(|v| {
            v.as_f64()
                .filter(|n| *n >= 0.0 && n.fract() == 0.0 && *n <= 9_007_199_254_740_991.0)
                .map(|n| n as u64)
                .ok_or_else(|| wrong_type("maxAge", "a whole number of seconds"))
        })
        .transpose()?;
    Ok(AuthorizationOptions {
        scopes: None,
        extra_params,
        max_age,
    })
}

/// Seconds the token endpoint has for its whole answer when the options
/// name none: the native transports' figure.
const DEFAULT_TIMEOUT_SECONDS: f64 = 30.0;

/// The `timeout` option in milliseconds: a positive number of seconds,
/// 30 when absent.
pub(crate) fn timeout_ms(options: &JsValue) -> Result<f64> {
    let seconds = match field(options, "timeout") {
        None => DEFAULT_TIMEOUT_SECONDS,
        Some(value) => value
            .as_f64()
            .filter(|s| s.is_finite() && *s > 0.0)
            .ok_or_else(|| wrong_type("timeout", "a positive number of seconds"))?,
    };
    Ok((seconds * 1000.0).ceil())
}

/// The `storageKey` option: the default key when absent, `None` when
/// `null` (the caller keeps the pending authorization).
pub(crate) fn storage_key(options: &JsValue) -> Result<Option<String>> {
    if !options.is_object() {
        return Ok(Some(DEFAULT_STORAGE_KEY.to_owned()));
    }
    let value = Reflect::get(options, &JsValue::from_str("storageKey")).unwrap_or_default();
    if value.is_undefined() {
        Ok(Some(DEFAULT_STORAGE_KEY.to_owned()))
    } else if value.is_null() {
        Ok(None)
    } else {
        value
            .as_string()
            .map(Some)
            .ok_or_else(|| wrong_type("storageKey", "a string or null"))
    }
}

/// The core's API request presenting `token` at `path` as `init`
/// (`{ method, json, headers }`) says.
#[cfg(any(feature = "api", feature = "dpop"))]
pub(crate) fn read_api_request(
    client: &authflowkit_core::Client,
    token: &authflowkit_core::AccessToken,
    path: &str,
    init: &JsValue,
) -> authflowkit_core::Result<authflowkit_core::HttpRequest> {
    use authflowkit_core::Method;
    let method = match string_field(init, "method")? {
        Some(name) => Method::parse(&name.to_ascii_uppercase()).ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                [
                    "method \"",
                    &name,
                    "\" is not one of GET, POST, PUT, PATCH, DELETE",
                ]
                .concat(),
            )
        })?,
        None => Method::Get,
    };
    let body = match field(init, "json") {
        Some(value) => Some(
            js_sys::JSON::stringify(&value)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| Error::new(ErrorKind::Configuration, "json is not JSON"))?
                .into_bytes(),
        ),
        None => None,
    };
    let mut headers = Vec::new();
    if let Some(object) = field(init, "headers") {
        for entry in Object::entries(object.unchecked_ref()).iter() {
            let pair = Array::from(&entry);
            let value = pair.get(1).as_string().ok_or_else(|| {
                Error::new(ErrorKind::Configuration, "header values must be strings")
            })?;
            headers.push((pair.get(0).as_string().unwrap_or_default(), value));
        }
    }
    client.api_request_with_headers(token, method, path, body.as_deref(), &headers)
}

//! Runs every golden vector in `tests/vectors/` (at the repository root)
//! against the core: one test per case, named `file::case`. The format is
//! documented in `tests/vectors/README.md`; other bindings run the same files.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

#[path = "support/id_token_check_spec.rs"]
mod id_token_check_spec;
use authflowkit_core::{
    discovery_request, parse_discovery_response, parse_jwks_response, AccessToken,
    AssertionAudience, AuthorizationCode, AuthorizationOptions, Client, ClientAuthMethod,
    ClientSecret, DeviceAuthorization, DeviceCode, DevicePoll, DevicePollAction, DevicePollUpdate,
    DiscoveryDocument, DpopNonces, EndpointRole, Error, ErrorKind, GrantType, HttpRequest,
    HttpResponse, IdToken, IdTokenClaims, JwkSet, JwsAlgorithm, LogoutOptions, Method, Password,
    PendingAuthorization, PkceMethod, Profile, ProviderError, ProviderKind, RefreshToken,
    RequestId, SecurityToken, Session, SessionAction, SessionUpdate, SigningAlgorithm, SigningKey,
    TokenExchange, TokenRef, TokenSet,
};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn main() {
    let args = Arguments::from_args();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let mut trials = Vec::new();
    let mut files: Vec<PathBuf> = walk(&dir);
    files.sort();
    assert!(!files.is_empty(), "no vector files under {}", dir.display());
    for file in files {
        let name = file
            .strip_prefix(&dir)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&file).expect("readable vector file");
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not valid JSON: {e}"));
        let cases = doc["cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no cases"));
        for case in cases {
            let case_name = case["name"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: a case has no name"));
            let case = case.clone();
            trials.push(Trial::test(format!("{name}::{case_name}"), move || {
                run_case(&case)
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("tests/vectors exists")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out
}

type Outcome = Result<(), Failed>;

/// A JSON object of the core as serde_json's, for comparison.
fn object_json(object: &authflowkit_core::json::Object) -> Value {
    serde_json::from_str(&authflowkit_core::json::object_to_json(object)).unwrap()
}

fn fail(msg: impl Into<String>) -> Failed {
    Failed::from(msg.into())
}

fn check_eq(what: &str, actual: &Value, expected: &Value) -> Outcome {
    if actual == expected {
        Ok(())
    } else {
        Err(fail(format!(
            "{what} differs\n  expected: {expected}\n  actual:   {actual}"
        )))
    }
}

fn run_case(case: &Value) -> Outcome {
    SECRETS.with(|secrets| {
        let mut secrets = secrets.borrow_mut();
        secrets.clear();
        collect_secrets(case, &mut secrets);
    });
    let client = match client_from(case)? {
        Ok(client) => client,
        // Configuration the core refuses is an outcome the case can expect.
        Err(error) => return compare(Err(error), &case["expect"]),
    };
    let now = case["now"].as_u64().unwrap_or(0);
    let input = &case["input"];
    let expect = &case["expect"];
    let actual: Result<Value, Error> = match str_of(case, "operation")? {
        "authorization_request" => authorization(&client, case, input, now),
        "pending_from_storage" => {
            PendingAuthorization::from_storage_string(str_of(input, "stored")?)
                .map(|p| pending_json(&p))
        }
        "validate_callback" => validated(&client, case, input, now).map(|c| {
            json!({
                "code": c.code().secret(),
                "state": c.state(),
                "redirect_uri": c.redirect_uri(),
                "code_verifier": c.code_verifier().map(|v| v.secret()),
                "params": c.params().iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
            })
        }),
        "exchange_request" => validated(&client, case, input, now)
            .and_then(|c| client.exchange_request(c))
            .map(|r| request_json(&r)),
        "refresh_request" => client
            .refresh_request(&RefreshToken::new(str_of(input, "refresh_token")?))
            .map(|r| request_json(&r)),
        "refresh_request_for" => client
            .refresh_request_for(&token_set_from(&input["tokens"])?, now)
            .map(|r| request_json(&r)),
        "client_credentials_request" => client
            .client_credentials_request()
            .map(|r| request_json(&r)),
        "password_request" => client
            .password_request(
                str_of(input, "username")?,
                &Password::new(str_of(input, "password")?),
            )
            .map(|r| request_json(&r)),
        "reauthentication_request" => client
            .reauthentication_request()
            .map(|(grant, r)| json!({"grant": grant.as_str(), "request": request_json(&r)})),
        "revocation_request" | "introspection_request" => {
            let token = str_of(input, "token")?;
            let (access, refresh) = (AccessToken::new(token), RefreshToken::new(token));
            let token_ref = match str_of(input, "token_type_hint")? {
                "access_token" => TokenRef::Access(&access),
                "refresh_token" => TokenRef::Refresh(&refresh),
                other => return Err(fail(format!("unknown token_type_hint {other}"))),
            };
            if case["operation"] == "revocation_request" {
                client.revocation_request(token_ref)
            } else {
                client.introspection_request(token_ref)
            }
            .map(|r| request_json(&r))
        }
        "token_info_request" => client
            .token_info_request(&AccessToken::new(str_of(input, "access_token")?))
            .map(|r| request_json(&r)),
        "api_request" => {
            let method =
                Method::parse(str_of(input, "method")?).ok_or_else(|| fail("bad method"))?;
            let body = input["body"].as_str().map(str::as_bytes);
            // A DPoP-bound token (RFC 9449 §5) is presented with a proof.
            let value = str_of(input, "access_token")?;
            let token = match input["token_type"].as_str() {
                Some("DPoP") => AccessToken::dpop_bound(value),
                _ => AccessToken::new(value),
            };
            client
                .api_request(
                    &token,
                    method,
                    str_of(input, "path")?,
                    body,
                )
                .map(|r| request_json(&r))
        }
        "discovery_request" => {
            let document = match str_of(input, "document")? {
                "oauth" => DiscoveryDocument::AuthorizationServer,
                "openid" => DiscoveryDocument::OpenidConfiguration,
                other => return Err(fail(format!("unknown document {other}"))),
            };
            discovery_request(str_of(input, "issuer")?, document).map(|r| request_json(&r))
        }
        "parse_token_response" => client
            .parse_token_response(grant_of(input)?, now, &response_from(&input["response"])?)
            .map(|t| token_set_json(&t)),
        "parse_refresh_response" => {
            let previous = token_set_from(&input["previous"])?;
            client
                .parse_refresh_response(now, &response_from(&input["response"])?, &previous)
                .map(|t| token_set_json(&t))
        }
        "check_api_response" => client
            .check_api_response(now, &response_from(&input["response"])?)
            .map(|()| json!({"ok": true})),
        "parse_token_info_response" => client
            .parse_token_info_response(now, &response_from(&input["response"])?)
            .map(|i| {
                json!({
                    "expires_in_seconds": i.expires_in_seconds,
                    "expires_at": i.expires_at(now),
                    "resource_owner_id": i.resource_owner_id.as_ref().map(|v| serde_json::from_str::<Value>(&v.to_json()).unwrap()),
                    "scopes": i.scopes,
                    "created_at": i.created_at,
                    "extra": object_json(&i.extra),
                })
            }),
        "parse_revocation_response" => client
            .parse_revocation_response(now, &response_from(&input["response"])?)
            .map(|()| json!({"ok": true})),
        "parse_introspection_response" => client
            .parse_introspection_response(now, &response_from(&input["response"])?)
            .map(|i| {
                json!({
                    "active": i.active, "scopes": i.scopes, "client_id": i.client_id,
                    "username": i.username, "token_type": i.token_type, "exp": i.exp,
                    "iat": i.iat, "nbf": i.nbf, "sub": i.sub, "iss": i.iss, "extra": object_json(&i.extra),
                })
            }),
        "parse_discovery_response" => parse_discovery_response(
            str_of(input, "issuer")?,
            &response_from(&input["response"])?,
        )
        .and_then(|m| Ok((m.profile()?, m)))
        .map(|(profile, m)| {
            let mut result = json!({
                "issuer": m.issuer,
                "profile": profile_json(&profile),
            });
            if profile.is_openid() {
                result["openid"] = json!({
                    "jwks_uri": m.jwks_uri,
                    "userinfo_endpoint": m.userinfo_endpoint,
                    "end_session_endpoint": m.end_session_endpoint,
                    "id_token_signing_alg_values_supported": m.id_token_signing_alg_values_supported,
                });
            }
            result
        }),
        "handle_dpop_response" => {
            let request = request_from(&input["request"])?;
            let mut nonces = match dpop_nonces_of(input["nonces"].as_array().map_or(&[], |v| v))? {
                Ok(nonces) => nonces,
                Err(error) => return compare(Err(error), expect),
            };
            let retry = nonces.handle_response(&request, &response_from(&input["response"])?);
            Ok(json!({"retry": retry, "nonce": nonces.nonce_for(&request.url)}))
        }
        "token_set_from_json" => {
            TokenSet::from_json(str_of(input, "json")?).map(|t| token_set_json(&t))
        }
        "validate_id_token" => validate_id_token(input, now),
        "validate_refreshed_id_token" => validate_refreshed_id_token(input, now),
        "parse_jwks_response" => parse_jwks(input),
        "userinfo_request" => client
            .userinfo_request(
                str_of(input, "userinfo_endpoint")?,
                &AccessToken::new(str_of(input, "access_token")?),
            )
            .map(|r| request_json(&r)),
        "parse_userinfo_response" => client
            .parse_userinfo_response(now, &response_from(&input["response"])?, str_of(input, "sub")?)
            .map(|u| json!({"sub": u.sub, "claims": object_json(&u.claims)})),
        "end_session_url" => {
            let text = |key: &str| input[key].as_str().map(str::to_owned);
            let options = LogoutOptions {
                id_token_hint: input["id_token_hint"].as_str().map(IdToken::new),
                post_logout_redirect_uri: text("post_logout_redirect_uri"),
                state: text("state"),
                ui_locales: text("ui_locales"),
            };
            client
                .end_session_url(str_of(input, "end_session_endpoint")?, &options)
                .map(|url| json!({"url": url}))
        }
        "session" => return run_session(&client, case),
        "device_authorization_request" => client
            .device_authorization_request()
            .map(|r| request_json(&r)),
        "parse_device_authorization_response" => client
            .parse_device_authorization_response(now, &response_from(&input["response"])?)
            .map(|a| device_authorization_json(&a)),
        "device_token_request" => client
            .device_token_request(&DeviceCode::new(str_of(input, "device_code")?))
            .map(|r| request_json(&r)),
        "device_poll" => return run_device_poll(&client, case),
        "token_exchange_request" => client
            .token_exchange_request(&exchange_of(input)?)
            .map(|r| request_json(&r)),
        "parse_token_exchange_response" => client
            .parse_token_exchange_response(
                &exchange_of(input)?,
                now,
                &response_from(&input["response"])?,
            )
            .map(|t| {
                json!({
                    "access_token": t.token().secret(),
                    "issued_token_type": t.issued_token_type(),
                    "token_type": t.token_type(),
                    "bearer": t.access_token().is_some(),
                    "expires_at": t.expires_at(),
                    "scopes": t.scopes(),
                    "refresh_token": t.refresh_token().map(|r| r.secret()),
                    "extra": object_json(t.extra()),
                })
            }),
        "pushed_authorization_request" => pushed(&client, case, input, now).map(|push| {
            json!({"request": request_json(&push.request), "pending": pending_json(&push.pending)})
        }),
        "parse_pushed_authorization_response" => {
            let at = input["pushed_at"].as_u64().unwrap_or(now);
            let response = response_from(&input["response"])?;
            pushed(&client, case, input, at)
                .and_then(|push| {
                    client.parse_pushed_authorization_response(now, push.pending, &response)
                })
                .map(|r| json!({"url": r.url, "pending": pending_json(&r.pending)}))
        }
        other => return Err(fail(format!("unknown operation {other}"))),
    };
    // `reason`: the phrase an error's message must hold, so that a case
    // about one check cannot pass by failing another.
    if let (Some(reason), Err(error)) = (case["reason"].as_str(), &actual) {
        if !error.message().contains(reason) {
            return Err(fail(format!(
                "the error is not about \"{reason}\": {}",
                error.message()
            )));
        }
    }
    if let (Some(assertion), Ok(request)) = (case.get("assertion"), &actual) {
        check_assertion(request, assertion)?;
    }
    if let (Some(proof), Ok(request)) = (case.get("dpop_proof"), &actual) {
        let request = request.get("request").unwrap_or(request);
        let header = request["headers"]
            .as_array()
            .and_then(|hs| hs.iter().find(|h| h[0] == "DPoP"))
            .and_then(|h| h[1].as_str())
            .ok_or_else(|| fail("the request has no DPoP header"))?;
        check_jws(header, proof)?;
    }
    compare(actual, expect)
}

/// The client assertion in a request's body, decoded, against the case's
/// `assertion`: its header and claims member by member (the signature is
/// in the exact body the case expects).
fn check_assertion(request: &Value, expected: &Value) -> Outcome {
    let body = request["body"].as_str().unwrap_or_default();
    let jwt = form_urlencoded::parse(body.as_bytes())
        .find(|(name, _)| name == "client_assertion")
        .map(|(_, value)| value.into_owned())
        .ok_or_else(|| fail("the request has no client_assertion"))?;
    check_jws(&jwt, expected)
}

/// A compact JWS's header (whole) and claims (member by member, `"jti":
/// "*"` for any value) against `expected`.
fn check_jws(jwt: &str, expected: &Value) -> Outcome {
    let part = |i: usize| -> Result<Value, Failed> {
        use base64::Engine;
        let text = jwt.split('.').nth(i).ok_or_else(|| fail("not a JWS"))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| fail("a JWS part is not base64url"))?;
        serde_json::from_slice(&bytes).map_err(|_| fail("a JWS part is not JSON"))
    };
    check_eq("assertion header", &part(0)?, &expected["header"])?;
    let claims = part(1)?;
    for (name, value) in expected["claims"]
        .as_object()
        .ok_or_else(|| fail("assertion claims is not an object"))?
    {
        if name == "jti" && value == "*" {
            continue;
        }
        check_eq(&format!("claim {name}"), &claims[name], value)?;
    }
    check_eq(
        "claim names",
        &json!(claims.as_object().map(|o| o.keys().collect::<Vec<_>>())),
        &json!(expected["claims"]
            .as_object()
            .map(|o| o.keys().collect::<Vec<_>>())),
    )
}

/// Compares a result with `expect`: `{"error": {...}}` for a failure
/// (kind and action required, other keys checked when present), otherwise
/// `{"result": ...}` compared whole.
fn compare(actual: Result<Value, Error>, expect: &Value) -> Outcome {
    match (actual, expect.get("error")) {
        (Err(error), Some(expected)) => check_error(&error, expected),
        (Err(error), None) => Err(fail(format!("expected success, got error: {error}"))),
        (Ok(value), Some(expected)) => Err(fail(format!(
            "expected error {expected}, got success: {value}"
        ))),
        (Ok(value), None) => check_eq("result", &value, &expect["result"]),
    }
}

fn check_error(error: &Error, expected: &Value) -> Outcome {
    let expected = expected
        .as_object()
        .ok_or_else(|| fail("error expectation is not an object"))?;
    for required in ["kind", "action"] {
        if !expected.contains_key(required) {
            return Err(fail(format!("error expectation lacks {required}")));
        }
    }
    let provider = error.provider();
    let actual = json!({
        "kind": error.kind().as_str(),
        "action": error.action().as_str(),
        "retry_after": error.retry_after(),
        "status": error.status(),
        "provider_code": provider.and_then(ProviderError::code),
        "provider_description": provider.and_then(ProviderError::description),
        "provider_uri": provider.and_then(ProviderError::uri),
        "request_id": provider.and_then(ProviderError::request_id),
    });
    for (key, want) in expected {
        let got = actual
            .get(key)
            .ok_or_else(|| fail(format!("unknown error field {key}")))?;
        check_eq(&format!("error.{key}"), got, want)?;
    }
    // No message may carry a secret the case handed in.
    let shown = format!("{error} {error:?}");
    SECRETS.with(
        |secrets| match secrets.borrow().iter().find(|s| shown.contains(s.as_str())) {
            Some(secret) => Err(fail(format!(
                "error text shows the secret {secret:?}: {shown}"
            ))),
            None => Ok(()),
        },
    )
}

/// Field names whose string values in a case are secrets.
const SECRET_FIELDS: [&str; 11] = [
    "client_secret",
    "refresh_token",
    "access_token",
    "password",
    "token",
    "code_verifier",
    "device_code",
    "id_token",
    "id_token_hint",
    "subject_token",
    "actor_token",
];

thread_local! {
    /// The secrets of the case running on this thread (each trial runs on one thread).
    static SECRETS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Every secret value a case contains, so that no error text may show one.
fn collect_secrets(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match v {
                    // Short values ("a", "x") would match innocent text.
                    Value::String(s) if SECRET_FIELDS.contains(&key.as_str()) && s.len() >= 6 => {
                        out.push(s.clone())
                    }
                    _ => collect_secrets(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_secrets(v, out)),
        Value::String(s) => {
            if let Ok(inner @ Value::Object(_)) = serde_json::from_str::<Value>(s) {
                collect_secrets(&inner, out);
            }
            // Authorization codes travel in callback URLs, not as JSON fields.
            let query = s.split_once('?').map_or(s.as_str(), |(_, q)| q);
            out.extend(
                form_urlencoded::parse(query.as_bytes())
                    .filter(|(k, v)| k == "code" && v.len() >= 6)
                    .map(|(_, v)| v.into_owned()),
            );
        }
        _ => {}
    }
}

fn str_of<'a>(value: &'a Value, key: &str) -> Result<&'a str, Failed> {
    value[key]
        .as_str()
        .ok_or_else(|| fail(format!("missing string {key}")))
}

fn grant_of(input: &Value) -> Result<GrantType, Failed> {
    Ok(match str_of(input, "grant")? {
        "authorization_code" => GrantType::AuthorizationCode,
        "refresh_token" => GrantType::RefreshToken,
        "client_credentials" => GrantType::ClientCredentials,
        "password" => GrantType::Password,
        "urn:ietf:params:oauth:grant-type:device_code" => GrantType::DeviceCode,
        other => return Err(fail(format!("unknown grant {other}"))),
    })
}

fn profile_from(spec: &Value) -> Result<Result<Profile, Error>, Failed> {
    match build_profile(spec) {
        Ok(profile) => Ok(Ok(profile)),
        Err(Setup::Core(error)) => Ok(Err(error)),
        Err(Setup::Bad(failed)) => Err(failed),
    }
}

enum Setup {
    Core(Error),
    Bad(Failed),
}

impl From<Failed> for Setup {
    fn from(f: Failed) -> Setup {
        Setup::Bad(f)
    }
}

fn build_profile(spec: &Value) -> Result<Profile, Setup> {
    let kind =
        ProviderKind::parse(str_of(spec, "kind")?).ok_or_else(|| fail("unknown profile kind"))?;
    let e = |r: Result<Profile, Error>| r.map_err(Setup::Core);
    let mut profile = match kind {
        ProviderKind::MakiniLink => Profile::makini_link(),
        ProviderKind::MakeShift => Profile::makeshift(),
        ProviderKind::MakiniAdmin => e(Profile::makini_admin(str_of(spec, "token_endpoint")?))?,
        ProviderKind::Generic => e(Profile::generic(
            spec["authorization_endpoint"].as_str(),
            str_of(spec, "token_endpoint")?,
        ))?,
    };
    for &role in EndpointRole::ALL {
        if let Some(url) = spec[role.as_str()].as_str() {
            profile = e(profile.with_endpoint(role, url))?;
        }
    }
    if spec["legacy_api"].as_bool() == Some(true) {
        profile = profile.using_legacy_api();
    }
    if let Some(issuer) = spec["issuer"].as_str() {
        profile = profile.with_issuer(issuer, spec["require_issuer"].as_bool().unwrap_or(false));
    }
    if let Some(method) = spec["client_auth"].as_str() {
        profile = profile.with_client_auth(
            ClientAuthMethod::parse(method)
                .ok_or_else(|| fail(format!("unknown client_auth {method}")))?,
        );
    }
    match spec["assertion_audience"].as_str() {
        None => {}
        Some("issuer") => profile = profile.with_assertion_audience(AssertionAudience::Issuer),
        Some("token_endpoint") => {
            profile = profile.with_assertion_audience(AssertionAudience::TokenEndpoint)
        }
        Some(other) => return Err(fail(format!("unknown assertion_audience {other}")).into()),
    }
    if let Some(pkce) = spec.get("pkce") {
        profile = profile.with_pkce(match pkce.as_str() {
            None => None,
            Some(name) => Some(PkceMethod::parse(name).ok_or_else(|| fail("unknown pkce"))?),
        });
    }
    if let Some(rotates) = spec["refresh_rotates"].as_bool() {
        profile = profile.with_refresh_rotation(rotates);
    }
    if let Some(openid) = spec["openid"].as_bool() {
        profile = profile.with_openid(openid);
    }
    if let Some(required) = spec["require_pushed_authorization_requests"].as_bool() {
        profile = e(profile.with_pushed_authorization_required(required))?;
    }
    if let Some(chosen) = spec["pushed_authorization"].as_bool() {
        profile = e(profile.with_pushed_authorization(chosen))?;
    }
    for origin in spec["api_origins"].as_array().into_iter().flatten() {
        let origin = origin
            .as_str()
            .ok_or_else(|| fail("api_origins holds a non-string"))?;
        profile = e(profile.with_api_origin(origin))?;
    }
    Ok(profile)
}

fn client_from(case: &Value) -> Result<Result<Client, Error>, Failed> {
    let profile = match profile_from(&case["profile"])? {
        Ok(profile) => profile,
        Err(error) => return Ok(Err(error)),
    };
    let spec = &case["client"];
    let mut client = Client::new(profile, spec["client_id"].as_str().unwrap_or_default());
    if let Some(secret) = spec["client_secret"].as_str() {
        client = client.with_client_secret(ClientSecret::new(secret));
    }
    if let Some(scopes) = spec["scopes"].as_array() {
        client = client.with_scopes(scopes.iter().filter_map(Value::as_str));
    }
    if let Some(resources) = spec["resources"].as_array() {
        client = match client.with_resources(resources.iter().filter_map(Value::as_str)) {
            Ok(client) => client,
            Err(error) => return Ok(Err(error)),
        };
    }
    // A private JWK (an object) or a PEM text, with `signing_alg` for PS256.
    let key = match &spec["signing_key"] {
        Value::Null => None,
        Value::String(pem) => Some(SigningKey::from_pem(
            pem,
            spec["signing_alg"]
                .as_str()
                .and_then(SigningAlgorithm::parse),
        )),
        jwk => Some(SigningKey::from_jwk(&jwk.to_string())),
    };
    if let Some(key) = key {
        client = match key {
            Ok(key) => client.with_signing_key(key),
            Err(error) => return Ok(Err(error)),
        };
    }
    // DPoP (RFC 9449): the key (a private JWK or a PEM text), `dpop_jkt`
    // on the authorization request, and the nonces servers gave.
    let dpop_key = match &spec["dpop_key"] {
        Value::Null => None,
        Value::String(pem) => Some(SigningKey::from_pem(pem, None)),
        jwk => Some(SigningKey::from_jwk(&jwk.to_string())),
    };
    if let Some(key) = dpop_key {
        client = match key.and_then(|key| client.with_dpop_key(key)) {
            Ok(client) => client,
            Err(error) => return Ok(Err(error)),
        };
    }
    if spec["dpop_jkt"] == json!(true) {
        client = match client.with_dpop_jkt() {
            Ok(client) => client,
            Err(error) => return Ok(Err(error)),
        };
    }
    if let Some(nonces) = spec["dpop_nonces"].as_array() {
        match dpop_nonces_of(nonces)? {
            Ok(nonces) => client = client.with_dpop_nonces(&nonces),
            Err(error) => return Ok(Err(error)),
        }
    }
    // The requests of a case with `assertion_entropy` are built at `now`
    // with it (`Client::at`), as a signing client's must be.
    if let Some(hex) = case["assertion_entropy"].as_str() {
        let entropy = hex_bytes(hex)?;
        client = match client.at(case["now"].as_u64().unwrap_or(0), &entropy) {
            Ok(client) => client,
            Err(error) => return Ok(Err(error)),
        };
    }
    Ok(match spec["redirect_uri"].as_str() {
        Some(uri) => client.with_redirect_uri(uri),
        None => Ok(client),
    })
}

/// Nonces from `[[url, nonce], ...]`.
fn dpop_nonces_of(pairs: &[Value]) -> Result<Result<DpopNonces, Error>, Failed> {
    let mut nonces = DpopNonces::new();
    for pair in pairs {
        let (url, nonce) = (
            pair[0].as_str().ok_or_else(|| fail("nonce url"))?,
            pair[1].as_str().ok_or_else(|| fail("nonce value"))?,
        );
        nonces = match nonces.with_nonce(url, nonce) {
            Ok(nonces) => nonces,
            Err(error) => return Ok(Err(error)),
        };
    }
    Ok(Ok(nonces))
}

/// A request from the object form [`request_json`] writes.
fn request_from(spec: &Value) -> Result<HttpRequest, Failed> {
    let method = Method::parse(str_of(spec, "method")?).ok_or_else(|| fail("bad method"))?;
    let mut request = HttpRequest::new(method, str_of(spec, "url")?.to_owned());
    request.headers = spec["headers"]
        .as_array()
        .map(|hs| {
            hs.iter()
                .filter_map(|h| Some((h[0].as_str()?.to_owned(), h[1].as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(request)
}

fn hex_bytes(hex: &str) -> Result<Vec<u8>, Failed> {
    (0..hex.len() / 2)
        .map(|i| {
            u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| fail("entropy is not hex"))
        })
        .collect()
}

fn entropy_of(case: &Value) -> Result<Vec<u8>, Failed> {
    hex_bytes(case["entropy"].as_str().unwrap_or_default())
}

fn options_of(input: &Value) -> AuthorizationOptions {
    AuthorizationOptions {
        scopes: input["scopes"].as_array().map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        }),
        extra_params: input["extra_params"]
            .as_array()
            .map(|pairs| {
                pairs
                    .iter()
                    .filter_map(|p| Some((p[0].as_str()?.to_owned(), p[1].as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
        max_age: input["max_age"].as_u64(),
    }
}

/// Strings of `input[key]` (none when absent).
fn strings_of(input: &Value, key: &str) -> Vec<String> {
    input[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The RFC 8693 token exchange a case's input describes.
fn exchange_of(input: &Value) -> Result<TokenExchange, Failed> {
    let text = |key: &str| input[key].as_str().map(str::to_owned);
    let mut exchange = TokenExchange::new(
        SecurityToken::new(str_of(input, "subject_token")?),
        str_of(input, "subject_token_type")?,
    );
    exchange.actor_token = text("actor_token").map(SecurityToken::new);
    exchange.actor_token_type = text("actor_token_type");
    exchange.requested_token_type = text("requested_token_type");
    exchange.audiences = strings_of(input, "audiences");
    exchange.resources = strings_of(input, "resources");
    exchange.scopes = strings_of(input, "scopes");
    Ok(exchange)
}

fn authorization(client: &Client, case: &Value, input: &Value, now: u64) -> Result<Value, Error> {
    let entropy = entropy_of(case)
        .map_err(|_| Error::new(authflowkit_core::ErrorKind::Configuration, "bad hex"))?;
    client
        .authorization_request_with(now, &entropy, &options_of(input))
        .map(|r| json!({"url": r.url, "pending": pending_json(&r.pending)}))
}

fn pushed(
    client: &Client,
    case: &Value,
    input: &Value,
    now: u64,
) -> Result<authflowkit_core::PushedAuthorizationRequest, Error> {
    let entropy = entropy_of(case)
        .map_err(|_| Error::new(authflowkit_core::ErrorKind::Configuration, "bad hex"))?;
    client.pushed_authorization_request_with(now, &entropy, &options_of(input))
}

fn pending_json(p: &PendingAuthorization) -> Value {
    let mut pending = json!({
        "provider": p.provider().as_str(),
        "client_id": p.client_id(),
        "redirect_uri": p.redirect_uri(),
        "state": p.state(),
        "code_verifier": p.code_verifier().map(|v| v.secret()),
        "scopes": p.scopes(),
        "created_at": p.created_at(),
        "expires_at": p.expires_at(),
        "token_endpoint": p.token_endpoint(),
    });
    // Only an OpenID request has them: the older cases stay as they are.
    if let Some(nonce) = p.nonce() {
        pending["nonce"] = json!(nonce);
    }
    if let Some(max_age) = p.openid_max_age() {
        pending["openid_max_age"] = json!(max_age);
    }
    pending
}

/// Makes the pending authorization (at `input.authorized_at` with the
/// case's entropy, or from `input.pending` as a storage string), then
/// validates `input.callback` at `now`.
fn validated(
    client: &Client,
    case: &Value,
    input: &Value,
    now: u64,
) -> Result<authflowkit_core::ValidatedCallback, Error> {
    let pending = match input["pending"].as_str() {
        Some(stored) => PendingAuthorization::from_storage_string(stored)?,
        None => {
            let entropy = entropy_of(case).unwrap_or_default();
            let at = input["authorized_at"].as_u64().unwrap_or(now);
            client
                .authorization_request_with(at, &entropy, &options_of(input))?
                .pending
        }
    };
    pending.validate(input["callback"].as_str().unwrap_or_default(), now)
}

fn request_json(r: &HttpRequest) -> Value {
    json!({
        "method": r.method.as_str(),
        "url": r.url,
        "headers": r.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
        "body": String::from_utf8_lossy(&r.body),
    })
}

fn response_from(spec: &Value) -> Result<HttpResponse, Failed> {
    let status = spec["status"]
        .as_u64()
        .ok_or_else(|| fail("response has no status"))?;
    let headers = spec["headers"]
        .as_array()
        .map(|hs| {
            hs.iter()
                .filter_map(|h| Some((h[0].as_str()?.to_owned(), h[1].as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let body = match (&spec["body"], &spec["body_json"]) {
        (Value::String(s), _) => s.as_bytes().to_vec(),
        (_, Value::Null) => Vec::new(),
        (_, json) => serde_json::to_vec(json).map_err(|e| fail(e.to_string()))?,
    };
    Ok(HttpResponse::new(
        u16::try_from(status).map_err(|_| fail("status out of range"))?,
        headers,
        body,
    ))
}

fn token_set_json(t: &TokenSet) -> Value {
    let mut set = json!({
        "access_token": t.access_token().secret(),
        "token_type": t.token_type(),
        "refresh_token": t.refresh_token().map(|r| r.secret()),
        "issued_at": t.issued_at(),
        "expires_at": t.expires_at(),
        "refresh_expires_at": t.refresh_expires_at(),
        "scopes": t.scopes(),
        "clock_skew": t.clock_skew(),
        "extra": object_json(t.extra()),
    });
    // Only a set with an ID token has it: the older cases stay as they are.
    if let Some(id_token) = t.id_token() {
        set["id_token"] = json!(id_token.secret());
    }
    set
}

/// A token set from the same object form [`token_set_json`] writes.
fn token_set_from(spec: &Value) -> Result<TokenSet, Failed> {
    let mut stored: Map<String, Value> = spec
        .as_object()
        .cloned()
        .ok_or_else(|| fail("token set spec"))?;
    stored.insert("v".into(), json!(1));
    stored.retain(|_, v| !v.is_null());
    TokenSet::from_json(&Value::Object(stored).to_string())
        .map_err(|e| fail(format!("token set: {e}")))
}

fn profile_json(p: &Profile) -> Value {
    let url = |e: Option<&authflowkit_core::Endpoint>| e.map(|e| e.as_str().to_owned());
    let mut profile = json!({
        "kind": p.kind().as_str(),
        "issuer": p.issuer(),
        "require_issuer": p.requires_issuer(),
        "authorization_endpoint": url(p.authorization_endpoint()),
        "token_endpoint": url(p.token_endpoint()),
        "revocation_endpoint": url(p.revocation_endpoint()),
        "introspection_endpoint": url(p.introspection_endpoint()),
        "device_authorization_endpoint": url(p.device_authorization_endpoint()),
        "client_auth": p.client_auth().as_str(),
        "pkce": p.pkce().map(PkceMethod::as_str),
    });
    if p.is_openid() {
        profile["openid"] = json!(true);
    }
    // Only a server with a PAR endpoint has them: the older cases stay as they are.
    if let Some(par) = p.pushed_authorization_endpoint() {
        profile["pushed_authorization_request_endpoint"] = json!(par.as_str());
        profile["require_pushed_authorization_requests"] = json!(p.requires_pushed_authorization());
    }
    profile
}

/// Runs `input.steps` in order, `each(step, now, expect)`; a failure
/// names the step.
fn run_steps(input: &Value, mut each: impl FnMut(&Value, u64, &Value) -> Outcome) -> Outcome {
    let steps = input["steps"]
        .as_array()
        .ok_or_else(|| fail("the case has no steps"))?;
    for (index, step) in steps.iter().enumerate() {
        let now = step["now"].as_u64().unwrap_or(0);
        each(step, now, &step["expect"]).map_err(|e| {
            fail(format!(
                "step {index} ({}): {}",
                step["op"],
                e.message().unwrap_or("")
            ))
        })?;
    }
    Ok(())
}

/// Compares what a `poll` step's state machine said with the step's
/// expectation: a stop by its error (`expect.error`), anything else whole.
fn check_action(actual: Result<Value, Error>, expect: &Value) -> Outcome {
    let actual = match actual {
        Ok(action) => action,
        Err(error) => {
            check_error(&error, &expect["error"])?;
            json!({"action": "stop"})
        }
    };
    let mut wanted = expect.clone();
    if let Some(map) = wanted.as_object_mut() {
        map.remove("error");
    }
    check_eq("action", &actual, &wanted)
}

/// What a `respond` or `transport_error` step hands a state machine: the
/// request's id (`request`, or the last sent), and the answer or the
/// transport's failure (`kind`: `transport` by default, or `timeout`).
fn step_answer(
    step: &Value,
    last_sent: Option<RequestId>,
) -> Result<(RequestId, Result<HttpResponse, Error>), Failed> {
    let id = match step["request"].as_u64() {
        Some(id) => RequestId(id),
        None => last_sent.ok_or_else(|| fail("nothing was sent"))?,
    };
    if step["op"] == "respond" {
        return Ok((id, Ok(response_from(&step["response"])?)));
    }
    let kind = match step["kind"].as_str() {
        Some(name) => ErrorKind::parse(name).ok_or_else(|| fail(format!("unknown kind {name}")))?,
        None => ErrorKind::Transport,
    };
    Ok((id, Err(Error::new(kind, "connection refused"))))
}

/// Runs a scripted session: `input.tokens` (or none), then `input.steps`,
/// each an operation with its expectation.
fn run_session(client: &Client, case: &Value) -> Outcome {
    let input = &case["input"];
    let tokens = match &input["tokens"] {
        Value::Null => None,
        spec => Some(token_set_from(spec)?),
    };
    let mut session = Session::new(client.clone(), tokens);
    // A signing client's renewals draw their entropy from the session's.
    if let Some(hex) = input["session_entropy"].as_str() {
        let seed: [u8; 32] = hex_bytes(hex)?
            .try_into()
            .map_err(|_| fail("session_entropy is 32 bytes"))?;
        session = session.with_entropy(&seed);
    }
    if let Some(margin) = input["refresh_margin"].as_u64() {
        session = session.with_refresh_margin(margin);
    }
    let mut last_sent: Option<RequestId> = None;
    run_steps(input, |step, now, expect| {
        match str_of(step, "op")? {
            "poll" => {
                let actual = match session.poll_action(now) {
                    SessionAction::UseToken(t) => {
                        Ok(json!({"action": "use_token", "token": t.secret()}))
                    }
                    SessionAction::Send(out) => {
                        last_sent = Some(out.id);
                        Ok(json!({
                            "action": "send",
                            "purpose": format!("{:?}", out.purpose).to_lowercase(),
                            "grant": out.grant.as_str(),
                            "request": request_json(&out.request),
                        }))
                    }
                    SessionAction::Wait { until } => Ok(json!({"action": "wait", "until": until})),
                    SessionAction::Stop(error) => Err(error),
                };
                check_action(actual, expect)?;
            }
            "respond" | "transport_error" => {
                let (id, answer) = step_answer(step, last_sent)?;
                let result = match &answer {
                    Ok(response) => session.handle_response(id, now, response),
                    Err(failure) => session.handle_transport_error(id, now, failure),
                };
                let result = result.map(|u| {
                    json!(match u {
                        SessionUpdate::Renewed => "renewed",
                        SessionUpdate::Discarded => "discarded",
                    })
                });
                compare(result, expect)?;
            }
            "persist_failed" => session.persist_failed(now),
            "persist" => {
                let actual = session
                    .poll_persist(now)
                    .map(|t| token_set_json(&t))
                    .unwrap_or(Value::Null);
                check_eq("persist", &actual, &expect["result"])?;
            }
            "timeout" => {
                check_eq("timeout", &json!(session.poll_timeout()), &expect["result"])?;
            }
            "unauthorized" => {
                session.handle_unauthorized(&AccessToken::new(str_of(step, "token")?))
            }
            "token_info" => {
                let info = client
                    .parse_token_info_response(now, &response_from(&step["response"])?)
                    .map_err(|e| fail(e.to_string()))?;
                let changed =
                    session.apply_token_info(now, &AccessToken::new(str_of(step, "token")?), &info);
                check_eq("changed", &json!(changed), &expect["result"])?;
            }
            other => return Err(fail(format!("unknown op {other}"))),
        }
        Ok(())
    })
}

fn device_authorization_json(a: &DeviceAuthorization) -> Value {
    json!({
        "device_code": a.device_code.secret(),
        "user_code": a.user_code.secret(),
        "verification_uri": a.verification_uri,
        "verification_uri_complete": a.verification_uri_complete,
        "received_at": a.received_at,
        "expires_at": a.expires_at,
        "interval": a.interval,
        "clock_skew": a.clock_skew,
        "extra": object_json(&a.extra),
    })
}

/// Runs a scripted device poll: `input.authorization` (the device
/// authorization response, read at the case's `now`), then `input.steps`.
fn run_device_poll(client: &Client, case: &Value) -> Outcome {
    let input = &case["input"];
    let now = case["now"].as_u64().unwrap_or(0);
    let authorization = client
        .parse_device_authorization_response(now, &response_from(&input["authorization"])?)
        .map_err(|e| fail(format!("authorization: {e}")))?;
    let mut poll = DevicePoll::new(client.clone(), &authorization);
    // A client that signs (a DPoP key, a client assertion) draws its polls'
    // entropy from the poll's.
    if let Some(hex) = input["poll_entropy"].as_str() {
        let seed: [u8; 32] = hex_bytes(hex)?
            .try_into()
            .map_err(|_| fail("poll_entropy is 32 bytes"))?;
        poll = poll.with_entropy(&seed);
    }
    let mut last_sent: Option<RequestId> = None;
    run_steps(input, |step, now, expect| {
        match str_of(step, "op")? {
            "poll" => {
                let actual = match poll.poll_action(now) {
                    DevicePollAction::Send(out) => {
                        last_sent = Some(out.id);
                        Ok(json!({"action": "send", "request": request_json(&out.request)}))
                    }
                    DevicePollAction::Wait { until } => {
                        Ok(json!({"action": "wait", "until": until}))
                    }
                    DevicePollAction::Done(tokens) => {
                        Ok(json!({"action": "done", "tokens": token_set_json(&tokens)}))
                    }
                    DevicePollAction::Stop(error) => Err(error),
                };
                check_action(actual, expect)?;
            }
            "respond" | "transport_error" => {
                let (id, answer) = step_answer(step, last_sent)?;
                let result = match &answer {
                    Ok(response) => poll.handle_response(id, now, response),
                    Err(failure) => poll.handle_transport_error(id, now, failure),
                };
                let result = result.map(|u| {
                    json!(match u {
                        DevicePollUpdate::Authorized => "authorized",
                        DevicePollUpdate::Pending => "pending",
                        DevicePollUpdate::SlowDown => "slow_down",
                        DevicePollUpdate::Discarded => "discarded",
                    })
                });
                compare(result, expect)?;
            }
            "timeout" => {
                check_eq("timeout", &json!(poll.poll_timeout()), &expect["result"])?;
            }
            "interval" => {
                check_eq("interval", &json!(poll.interval()), &expect["result"])?;
            }
            other => return Err(fail(format!("unknown op {other}"))),
        }
        Ok(())
    })
}

fn jwk_set(input: &Value) -> Result<JwkSet, Error> {
    JwkSet::parse(input["jwks"].to_string().as_bytes())
}

fn validate_id_token(input: &Value, now: u64) -> Result<Value, Error> {
    let access = input["access_token"].as_str().map(AccessToken::new);
    let code = input["code"].as_str().map(AuthorizationCode::new);
    id_token_check_spec::id_token_check(&input["check"])
        .validate(
            &IdToken::new(input["id_token"].as_str().unwrap_or_default()),
            &jwk_set(input)?,
            now,
            access.as_ref(),
            code.as_ref(),
        )
        .map(|c| claims_json(&c))
}

/// Validates `input.original` at `input.original_now`, then the refresh's
/// `input.id_token` against it at `now` (§12.2).
fn validate_refreshed_id_token(input: &Value, now: u64) -> Result<Value, Error> {
    let check = id_token_check_spec::id_token_check(&input["check"]);
    let keys = jwk_set(input)?;
    let original = check.validate(
        &IdToken::new(input["original"].as_str().unwrap_or_default()),
        &keys,
        input["original_now"].as_u64().unwrap_or(now),
        None,
        None,
    )?;
    let access = input["access_token"].as_str().map(AccessToken::new);
    check
        .validate_refreshed(
            &IdToken::new(input["id_token"].as_str().unwrap_or_default()),
            &keys,
            now,
            access.as_ref(),
            &original,
        )
        .map(|c| claims_json(&c))
}

fn claims_json(c: &IdTokenClaims) -> Value {
    json!({
        "iss": c.iss, "sub": c.sub, "aud": c.aud, "exp": c.exp, "iat": c.iat, "nbf": c.nbf,
        "nonce": c.nonce, "azp": c.azp, "auth_time": c.auth_time, "at_hash": c.at_hash,
        "c_hash": c.c_hash, "acr": c.acr, "amr": c.amr, "sid": c.sid, "extra": object_json(&c.extra),
    })
}

/// The set, its lifetime, and the kids `input.select` (`alg`, `kid`?) picks.
fn parse_jwks(input: &Value) -> Result<Value, Error> {
    let response = response_from(&input["response"])
        .map_err(|_| Error::new(ErrorKind::Configuration, "bad response spec"))?;
    let (set, max_age) = parse_jwks_response(&response)?;
    let selected: Vec<Option<&str>> =
        match JwsAlgorithm::parse(input["select"]["alg"].as_str().unwrap_or_default()) {
            Some(alg) => set
                .candidates(alg, input["select"]["kid"].as_str())
                .map(|k| k.kid.as_deref())
                .collect(),
            None => Vec::new(),
        };
    Ok(json!({
        "keys": set.keys.iter().map(|k| json!({
            "kid": k.kid, "kty": k.kty(), "alg": k.alg, "use": k.key_use,
        })).collect::<Vec<_>>(),
        "skipped": set.skipped,
        "max_age": max_age,
        "selected": selected,
    }))
}

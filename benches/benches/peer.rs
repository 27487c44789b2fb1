//! authflowkit-core beside oauth2-rs (`oauth2` 5) on the operations both do,
//! in one run so that the ratio is measured on the same machine state.
//! `scripts/bench.sh` runs this and writes the table in BENCHMARKS.md.
//!
//! Group names are the rows; function names are `authflow` and `oauth2`.

#![allow(missing_docs, clippy::unwrap_used)] // benchmark harness code

use authflowkit_core::{
    Client, ClientSecret, GrantType, HttpResponse, Profile, Session, SessionAction,
    AUTHORIZATION_ENTROPY_LEN,
};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, RedirectUrl, RequestTokenError, TokenUrl,
};

const AUTHORIZE: &str = "https://as.example/oauth/authorize";
const TOKEN: &str = "https://as.example/oauth/token";
const REDIRECT: &str = "https://app.example/callback";
const NOW: u64 = 1_713_082_414;
const TOKEN_BODY: &[u8] = br#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"read write"}"#;
const ERROR_BODY: &[u8] = br#"{"error":"invalid_grant","error_description":"The refresh token has expired","error_uri":"https://as.example/errors/invalid_grant"}"#;

fn authflow_client() -> Client {
    Client::new(
        Profile::generic(Some(AUTHORIZE), TOKEN).unwrap(),
        "bench-client",
    )
    .with_client_secret(ClientSecret::new("bench-secret"))
    .with_redirect_uri(REDIRECT)
    .unwrap()
    .with_scopes(["read", "write"])
}

fn authorization_url(c: &mut Criterion) {
    let mut group = c.benchmark_group("authorization URL with state + PKCE S256");
    let client = authflow_client();
    group.bench_function("authflow", |b| {
        b.iter(|| {
            // authflow takes entropy as an argument; the row includes drawing
            // it, from the generator oauth2 draws from inside (`rand`'s
            // thread-local one, seeded from the OS), as the examples do.
            let mut entropy = [0u8; AUTHORIZATION_ENTROPY_LEN];
            rand::Rng::fill_bytes(&mut rand::rng(), &mut entropy);
            black_box(client.authorization_request(NOW, &entropy).unwrap())
        })
    });
    let peer = BasicClient::new(ClientId::new("bench-client".into()))
        .set_auth_uri(AuthUrl::new(AUTHORIZE.into()).unwrap())
        .set_token_uri(TokenUrl::new(TOKEN.into()).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            let (url, state) = peer
                .authorize_url(CsrfToken::new_random)
                .add_scope(oauth2::Scope::new("read".into()))
                .add_scope(oauth2::Scope::new("write".into()))
                .set_pkce_challenge(challenge)
                .url();
            black_box((url, state, verifier))
        })
    });
    group.finish();
}

fn callback(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate a callback");
    let client = authflow_client();
    let start = client.authorization_request(NOW, &[7u8; 48]).unwrap();
    let redirect = format!(
        "{REDIRECT}?code=SplxlOBeZQQYbYS6WxSbIA&state={}",
        start.pending.state()
    );
    group.bench_function("authflow", |b| {
        b.iter(|| {
            black_box(
                start
                    .pending
                    .validate(black_box(&redirect), NOW + 30)
                    .unwrap(),
            )
        })
    });
    // oauth2 has no callback validation; its examples parse the URL and
    // compare the state themselves. This is that code.
    let expected = CsrfToken::new(start.pending.state().to_owned());
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            let url = url::Url::parse(black_box(&redirect)).unwrap();
            let mut code = None;
            let mut state = None;
            for (name, value) in url.query_pairs() {
                match name.as_ref() {
                    "code" => code = Some(oauth2::AuthorizationCode::new(value.into_owned())),
                    "state" => state = Some(CsrfToken::new(value.into_owned())),
                    _ => {}
                }
            }
            assert_eq!(state.unwrap().secret(), expected.secret());
            black_box(code.unwrap())
        })
    });
    group.finish();
}

fn token_response(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse a token response");
    let client = authflow_client();
    let response = json_answer(200, TOKEN_BODY);
    group.bench_function("authflow", |b| {
        b.iter(|| {
            black_box(
                client
                    .parse_token_response(GrantType::AuthorizationCode, NOW, black_box(&response))
                    .unwrap(),
            )
        })
    });
    let answer = peer_answer(200, TOKEN_BODY);
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            black_box(oauth2_endpoint_response::<BasicTokenResponse>(black_box(&answer)).unwrap())
        })
    });
    group.finish();
}

fn error_response(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse an error response");
    let client = authflow_client();
    let response = json_answer(400, ERROR_BODY);
    group.bench_function("authflow", |b| {
        b.iter(|| {
            black_box(
                client
                    .parse_token_response(GrantType::RefreshToken, NOW, black_box(&response))
                    .unwrap_err(),
            )
        })
    });
    let answer = peer_answer(400, ERROR_BODY);
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            black_box(
                oauth2_endpoint_response::<BasicTokenResponse>(black_box(&answer)).unwrap_err(),
            )
        })
    });
    group.finish();
}

fn refresh(c: &mut Criterion) {
    let mut group = c.benchmark_group("refresh: request built, answer parsed");
    let client = authflow_client();
    let answer = json_answer(200, TOKEN_BODY);
    let previous = client
        .parse_token_response(GrantType::AuthorizationCode, NOW, &answer)
        .unwrap();
    group.bench_function("authflow", |b| {
        b.iter(|| {
            // The transport hands each side an answer of its own.
            let request = client.refresh_request_for(&previous, NOW).unwrap();
            black_box(&request);
            let response = answer.clone();
            black_box(
                client
                    .parse_refresh_response(NOW + 1, &response, &previous)
                    .unwrap(),
            )
        })
    });
    // oauth2's own path, through its public API: the request built (Basic
    // credentials, the form body), handed to the caller's HTTP client (a
    // closure answering at once), and the answer read.
    let peer = BasicClient::new(ClientId::new("bench-client".into()))
        .set_client_secret(oauth2::ClientSecret::new("bench-secret".into()))
        .set_token_uri(TokenUrl::new(TOKEN.into()).unwrap());
    let refresh_token = oauth2::RefreshToken::new("tGzv3JOkF0XG5Qx2TlKWIA".into());
    let peer_answer = peer_answer(200, TOKEN_BODY);
    let transport = |request: oauth2::HttpRequest| {
        black_box(&request);
        Ok::<_, std::io::Error>(peer_answer.clone())
    };
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            black_box(
                peer.exchange_refresh_token(&refresh_token)
                    .request(&transport)
                    .unwrap(),
            )
        })
    });
    group.finish();
}

/// A JSON answer as authflow is handed it.
fn json_answer(status: u16, body: &[u8]) -> HttpResponse {
    HttpResponse::new(
        status,
        vec![("Content-Type".into(), "application/json".into())],
        body.to_vec(),
    )
}

/// The same answer as oauth2 receives it from an HTTP client.
fn peer_answer(status: u16, body: &[u8]) -> oauth2::HttpResponse {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .unwrap()
}

/// What oauth2 5 does with a token endpoint's answer: `endpoint_response`
/// and the two checks it calls (`check_response_status`,
/// `check_response_body`) in its `src/endpoint.rs`, line for line. They
/// are private to oauth2, and its public API reads an answer only as part
/// of sending a request (the refresh row times that whole path), so this is
/// a copy: every token, refresh and error response oauth2 reads goes
/// through it. It takes the answer by reference where oauth2 takes it by
/// value, which spares the peer a copy per call.
fn oauth2_endpoint_response<DO: serde::de::DeserializeOwned>(
    http_response: &oauth2::HttpResponse,
) -> Result<DO, RequestTokenError<std::io::Error, BasicErrorResponse>> {
    // check_response_status
    if http_response.status() != http::StatusCode::OK {
        let reason = http_response.body().as_slice();
        if reason.is_empty() {
            return Err(RequestTokenError::Other(
                "server returned empty error response".to_string(),
            ));
        }
        let error = match serde_path_to_error::deserialize::<_, BasicErrorResponse>(
            &mut serde_json::Deserializer::from_slice(reason),
        ) {
            Ok(error) => RequestTokenError::ServerResponse(error),
            Err(error) => RequestTokenError::Parse(error, reason.to_vec()),
        };
        return Err(error);
    }
    // check_response_body
    if let Some(content_type) = http_response.headers().get(http::header::CONTENT_TYPE) {
        if content_type
            .to_str()
            .ok()
            .filter(|ct| ct.to_lowercase().starts_with("application/json"))
            .is_none()
        {
            return Err(RequestTokenError::Other(format!(
                "unexpected response Content-Type: {content_type:?}, should be `application/json`",
            )));
        }
    }
    if http_response.body().is_empty() {
        return Err(RequestTokenError::Other(
            "server returned empty response body".to_string(),
        ));
    }
    let response_body = http_response.body().as_slice();
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(response_body))
        .map_err(|e| RequestTokenError::Parse(e, response_body.to_vec()))
}

fn session_hot_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("session hot path: valid token to bearer header");
    let client = authflow_client();
    let tokens = client
        .parse_token_response(
            GrantType::AuthorizationCode,
            NOW,
            &HttpResponse::new(200, vec![], TOKEN_BODY.to_vec()),
        )
        .unwrap();
    let mut session = Session::new(client, Some(tokens));
    group.bench_function("authflow", |b| {
        b.iter(|| match session.poll_action(black_box(NOW + 60)) {
            SessionAction::UseToken(token) => black_box(format!("Bearer {}", token.secret())),
            other => panic!("expected a token, got {other:?}"),
        })
    });
    // oauth2 has no session; the row has no peer.
    group.finish();
}

/// Parts of the rows above, timed alone, so that the report can say what
/// dominates a row that falls short of its goal. Group names start with
/// "part:"; the report sets each beside its row.
fn parts(c: &mut Criterion) {
    let mut group = c.benchmark_group("part: 48 bytes from rand::rng()");
    group.bench_function("authflow", |b| {
        b.iter(|| {
            let mut entropy = [0u8; AUTHORIZATION_ENTROPY_LEN];
            rand::Rng::fill_bytes(&mut rand::rng(), &mut entropy);
            black_box(entropy)
        })
    });
    group.finish();
    // The floor of oauth2's reading of an answer: `serde_json` alone into
    // its response types, without the checks and the error paths of
    // `serde_path_to_error` that oauth2 adds (`oauth2_endpoint_response`).
    let mut group = c.benchmark_group("part: serde_json alone into BasicTokenResponse");
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<BasicTokenResponse>(black_box(TOKEN_BODY)).unwrap())
        })
    });
    group.finish();
    let mut group = c.benchmark_group("part: serde_json alone into BasicErrorResponse");
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<BasicErrorResponse>(black_box(ERROR_BODY)).unwrap())
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    authorization_url,
    callback,
    token_response,
    error_response,
    refresh,
    session_hot_path,
    parts
);
criterion_main!(benches);

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
use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, RedirectUrl, TokenUrl};

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
    let response = HttpResponse::new(
        200,
        vec![("Content-Type".into(), "application/json".into())],
        TOKEN_BODY.to_vec(),
    );
    group.bench_function("authflow", |b| {
        b.iter(|| {
            black_box(
                client
                    .parse_token_response(GrantType::AuthorizationCode, NOW, black_box(&response))
                    .unwrap(),
            )
        })
    });
    // What oauth2's request_async/request does with a 200 body.
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<BasicTokenResponse>(black_box(TOKEN_BODY)).unwrap())
        })
    });
    group.finish();
}

fn error_response(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse an error response");
    let client = authflow_client();
    let response = HttpResponse::new(
        400,
        vec![("Content-Type".into(), "application/json".into())],
        ERROR_BODY.to_vec(),
    );
    group.bench_function("authflow", |b| {
        b.iter(|| {
            black_box(
                client
                    .parse_token_response(GrantType::RefreshToken, NOW, black_box(&response))
                    .unwrap_err(),
            )
        })
    });
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<BasicErrorResponse>(black_box(ERROR_BODY)).unwrap())
        })
    });
    group.finish();
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
}

criterion_group!(
    benches,
    authorization_url,
    callback,
    token_response,
    error_response,
    session_hot_path,
    parts
);
criterion_main!(benches);

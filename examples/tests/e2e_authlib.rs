//! End to end against a real authorization server that nobody here wrote:
//! Authlib's Flask `AuthorizationServer` (PyPI `Authlib`, pinned in
//! `tests/peers/authlib/requirements.txt`), configured by
//! `tests/peers/authlib/server.py` with the password, client-credentials and
//! rotating refresh grants, RFC 7009 revocation, RFC 7662 introspection, a
//! bearer-protected `/api/me` and a `/stats` counter.
//!
//! Every test installs the server's venv first (`install.sh`: a no-op when
//! it is current; a failed install fails the test, it never skips), starts
//! its own server on 127.0.0.1 and kills it when done. All traffic goes
//! through `authflowkit_core` requests and parsers and
//! `authflow_examples::Transport`.

#![allow(clippy::unwrap_used)]

use authflow_examples::{unix_now, SharedSession, Transport};
use authflowkit_core::{
    AccessToken, Action, Client, ClientAuthMethod, ClientSecret, EndpointRole, Error, ErrorKind,
    GrantType, HttpRequest, HttpResponse, Introspection, Method, Password, Profile, RequestPurpose,
    Session, SessionAction, SessionUpdate, TokenRef, TokenSet,
};
use std::path::PathBuf;
use std::sync::{Arc, Barrier, Mutex};

mod common;
use common::cli::{authflow, text};
use common::peer::{run_installer, Peer};

/// A client registered on the server (see `CLIENTS` in server.py).
struct Registration {
    id: &'static str,
    secret: &'static str,
    auth: ClientAuthMethod,
}

/// Authenticates with HTTP Basic. Its secret holds `:`, `/`, `+`, `%`, `&`,
/// `=` and `?`, which RFC 6749 §2.3.1's form-encoding must carry intact.
const BASIC: Registration = Registration {
    id: "basic-client",
    secret: "b4sic:s3cret/+%&=?",
    auth: ClientAuthMethod::ClientSecretBasic,
};

/// Authenticates with `client_id` and `client_secret` in the body.
const POST: Registration = Registration {
    id: "post-client",
    secret: "p0st-s3cret",
    auth: ClientAuthMethod::ClientSecretPost,
};

const USER: &str = "alice";
const USER_PASSWORD: &str = "wonderland-pw";
/// `OAUTH2_TOKEN_EXPIRES_IN` in server.py.
const PASSWORD_LIFETIME: u64 = 3600;
const CLIENT_CREDENTIALS_LIFETIME: u64 = 1800;
fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/authlib")
}

/// The running server; dropping it kills the process.
struct AuthlibServer {
    peer: Peer,
    transport: Transport,
}

/// The server's counters (`GET /stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stats {
    /// `grant_type=refresh_token` requests received.
    refresh_attempts: u64,
    /// Refreshes that issued new tokens.
    refreshes: u64,
    /// Refreshes presenting a refresh token the server had revoked.
    replays: u64,
}

impl AuthlibServer {
    /// Installs the server's venv (a failed install fails the test), then
    /// starts it.
    fn start() -> AuthlibServer {
        let dir = peer_dir();
        run_installer(&dir.join("install.sh"));
        let python = dir.join(".venv/bin/python");
        let python = python.to_str().expect("a UTF-8 path");
        AuthlibServer {
            peer: Peer::start("Authlib server", python, &["server.py"], &dir),
            transport: Transport::default(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.peer.issuer, path)
    }

    /// A generic profile pointed at this server, for one client's method.
    fn profile(&self, auth: ClientAuthMethod) -> Profile {
        Profile::generic(None, &self.url("/oauth/token"))
            .unwrap()
            .with_endpoint(EndpointRole::Revocation, &self.url("/oauth/revoke"))
            .unwrap()
            .with_endpoint(EndpointRole::Introspection, &self.url("/oauth/introspect"))
            .unwrap()
            .with_endpoint(EndpointRole::ApiBase, &self.url("/api/"))
            .unwrap()
            .with_client_auth(auth)
            .with_refresh_rotation(true)
    }

    fn client(&self, registration: &Registration, scopes: &[&str]) -> Client {
        self.client_with_secret(registration, registration.secret, scopes)
    }

    fn client_with_secret(
        &self,
        registration: &Registration,
        secret: &str,
        scopes: &[&str],
    ) -> Client {
        Client::new(self.profile(registration.auth), registration.id)
            .with_client_secret(ClientSecret::new(secret))
            .with_scopes(scopes.iter().copied())
    }

    fn send(&self, request: &HttpRequest) -> HttpResponse {
        self.transport.send(request).unwrap()
    }

    fn stats(&self) -> Stats {
        let request = HttpRequest {
            method: Method::Get,
            url: self.url("/stats"),
            headers: vec![("Accept".to_owned(), "application/json".to_owned())],
            body: Default::default(),
        };
        let response = self.send(&request);
        assert_eq!(response.status, 200, "GET /stats");
        let body = String::from_utf8(response.body.to_vec()).unwrap();
        Stats {
            refresh_attempts: json_count(&body, "refresh_attempts"),
            refreshes: json_count(&body, "refreshes"),
            replays: json_count(&body, "replays"),
        }
    }

    /// The password grant for the test user.
    fn password_tokens(&self, client: &Client, now: u64) -> TokenSet {
        let request = client
            .password_request(USER, &Password::new(USER_PASSWORD))
            .unwrap();
        client
            .parse_token_response(GrantType::Password, now, &self.send(&request))
            .unwrap()
    }

    fn introspect(&self, client: &Client, token: TokenRef<'_>) -> Introspection {
        let response = self.send(&client.introspection_request(token).unwrap());
        client
            .parse_introspection_response(unix_now(), &response)
            .unwrap()
    }

    /// `GET /api/me` with the bearer token; the body on success.
    fn api_me(&self, client: &Client, token: &AccessToken) -> Result<String, Error> {
        let request = client.api_request(token, Method::Get, "me", None)?;
        let response = self.send(&request);
        client.check_api_response(unix_now(), &response)?;
        Ok(String::from_utf8(response.body.to_vec()).unwrap())
    }
}

/// The unsigned integer after `"key":` in a flat JSON object (the shape
/// server.py's /stats returns), without a JSON dependency.
fn json_count(body: &str, key: &str) -> u64 {
    let pattern = format!("\"{key}\"");
    let at = body
        .find(&pattern)
        .unwrap_or_else(|| panic!("{key} in {body}"));
    let value = body[at + pattern.len()..]
        .trim_start()
        .strip_prefix(':')
        .unwrap_or_else(|| panic!("{key} in {body}"))
        .trim_start();
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| panic!("{key} in {body}"))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn body_text(request: &HttpRequest) -> String {
    String::from_utf8(request.body.to_vec()).unwrap()
}

/// The password grant through one client: tokens parsed with their expiry
/// and scope, and accepted by the server's protected API.
fn password_grant_works(registration: &Registration) {
    let server = AuthlibServer::start();
    let client = server.client(registration, &["profile"]);
    let request = client
        .password_request(USER, &Password::new(USER_PASSWORD))
        .unwrap();
    let body = body_text(&request);
    match registration.auth {
        ClientAuthMethod::ClientSecretBasic => {
            assert!(request
                .header("Authorization")
                .is_some_and(|h| h.starts_with("Basic ")));
            assert!(!body.contains("client_secret"), "{}", request.url);
        }
        _ => {
            assert!(request.header("Authorization").is_none());
            assert!(body.contains("client_id=post-client"));
            assert!(body.contains("client_secret="));
        }
    }

    let now = unix_now();
    let response = server.send(&request);
    assert_eq!(response.status, 200);
    let tokens = client
        .parse_token_response(GrantType::Password, now, &response)
        .unwrap();
    assert_eq!(tokens.token_type(), "Bearer");
    assert_eq!(tokens.issued_at(), now);
    assert_eq!(tokens.expires_at(), Some(now + PASSWORD_LIFETIME));
    assert_eq!(tokens.scopes(), Some(&strings(&["profile"])[..]));
    assert!(tokens.refresh_token().is_some());
    assert_eq!(tokens.refresh_expires_at(), None);
    assert!(tokens.is_access_valid(now));

    let me = server.api_me(&client, tokens.access_token()).unwrap();
    assert!(me.contains("\"alice\""), "{me}");
    assert!(me.contains(registration.id), "{me}");
}

#[test]
fn password_grant_with_client_secret_basic() {
    password_grant_works(&BASIC);
}

#[test]
fn password_grant_with_client_secret_post() {
    password_grant_works(&POST);
}

#[test]
fn client_credentials_grant_with_both_client_auth_methods() {
    let server = AuthlibServer::start();
    for registration in [&BASIC, &POST] {
        let client = server.client(registration, &["email"]);
        let now = unix_now();
        let response = server.send(&client.client_credentials_request().unwrap());
        let tokens = client
            .parse_token_response(GrantType::ClientCredentials, now, &response)
            .unwrap();
        assert_eq!(tokens.token_type(), "Bearer");
        assert_eq!(tokens.expires_at(), Some(now + CLIENT_CREDENTIALS_LIFETIME));
        assert_eq!(tokens.scopes(), Some(&strings(&["email"])[..]));
        // RFC 6749 §4.4.3: no refresh token for client credentials.
        assert!(tokens.refresh_token().is_none());

        let info = server.introspect(&client, TokenRef::Access(tokens.access_token()));
        assert!(info.active);
        assert_eq!(info.client_id.as_deref(), Some(registration.id));
        assert_eq!(info.username, None, "no user behind client credentials");
    }
}

#[test]
fn refresh_rotates_single_flight_and_never_replays() {
    let server = AuthlibServer::start();
    let client = server.client(&BASIC, &["profile", "email"]);
    let first = server.password_tokens(&client, unix_now());
    let first_refresh = first.refresh_token().unwrap().clone();
    let mut seen_access = vec![first.access_token().clone()];
    let mut seen_refresh = vec![first_refresh.clone()];
    let start = server.stats();
    assert_eq!(start.refresh_attempts, 0);

    // 1. The sans-IO session, told each round that an API refused the
    //    current access token: a renewal is due at once.
    let mut session = Session::new(client.clone(), Some(first.clone()));
    for round in 1..=3u64 {
        let now = unix_now();
        let current = session.token_set().unwrap().access_token().clone();
        session.handle_unauthorized(&current);
        let SessionAction::Send(outgoing) = session.poll_action(now) else {
            panic!("round {round}: a refresh is due");
        };
        assert_eq!(outgoing.purpose, RequestPurpose::Refresh);
        assert_eq!(outgoing.grant, GrantType::RefreshToken);
        // Single flight: while it is out, nobody else is told to send, and
        // the refused token is not handed out again: others wait.
        assert!(matches!(
            session.poll_action(now),
            SessionAction::Wait { until: None }
        ));
        let response = server.send(&outgoing.request);
        assert_eq!(
            session.handle_response(outgoing.id, now, &response),
            Ok(SessionUpdate::Renewed)
        );
        let stored = session
            .poll_persist(now)
            .expect("the rotated pair is to be stored");
        assert_eq!(session.poll_persist(now), None);
        let access = stored.access_token().clone();
        let refresh = stored.refresh_token().expect("rotation").clone();
        assert!(
            !seen_access.contains(&access),
            "round {round}: new access token"
        );
        assert!(!seen_refresh.contains(&refresh), "round {round}: rotated");
        assert_eq!(stored.expires_at(), Some(now + PASSWORD_LIFETIME));
        assert_eq!(stored.scopes(), Some(&strings(&["profile", "email"])[..]));
        assert_eq!(
            server.stats().refreshes,
            start.refreshes + round,
            "one refresh per round"
        );
        server.api_me(&client, &access).unwrap();
        seen_access.push(access);
        seen_refresh.push(refresh);
    }

    // 2. Sixteen threads share a session (default margin: not due yet). The
    //    token is reported refused (what a binding does on an API's 401), and
    //    all sixteen ask at once: exactly one refresh goes out.
    let persisted = Arc::new(Mutex::new(Vec::<TokenSet>::new()));
    let log = Arc::clone(&persisted);
    let shared = SharedSession::new(
        Session::new(client.clone(), session.token_set().cloned()),
        Transport::default(),
        move |tokens| log.lock().unwrap().push(tokens.clone()),
    );
    drop(session);
    let current = shared.access_token(unix_now).unwrap();
    assert_eq!(&current, seen_access.last().unwrap());
    let before = server.stats();
    assert_eq!(before.refresh_attempts, start.refresh_attempts + 3);
    shared.unauthorized(&current);

    let barrier = Barrier::new(16);
    let tokens: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    shared.access_token(unix_now).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let after = server.stats();
    assert_eq!(
        after.refresh_attempts,
        before.refresh_attempts + 1,
        "16 callers, one refresh sent"
    );
    assert_eq!(after.refreshes, before.refreshes + 1);
    let renewed = shared.token_set().unwrap();
    assert!(tokens.iter().all(|t| t == renewed.access_token()));
    assert!(!seen_access.contains(renewed.access_token()));
    let rotated = renewed.refresh_token().unwrap();
    assert!(!seen_refresh.contains(rotated), "rotated once more");
    {
        let persisted = persisted.lock().unwrap();
        assert_eq!(persisted.len(), 1, "one token set to store");
        assert_eq!(persisted[0], renewed);
    }
    server.api_me(&client, renewed.access_token()).unwrap();

    // 3. No refresh token was ever sent twice.
    assert_eq!(after.replays, 0);

    // 4. The first refresh token, long rotated away, sent by hand: refused.
    let now = unix_now();
    let response = server.send(&client.refresh_request(&first_refresh).unwrap());
    let error = client
        .parse_refresh_response(now, &response, &first)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidGrant, "{error}");
    assert_eq!(error.action(), Action::AuthorizeAgain, "{error}");
    assert_eq!(error.status(), Some(400));
    assert_eq!(
        error.provider().and_then(|p| p.code()),
        Some("invalid_grant")
    );
    // The server saw it as the replay it is (so the zero above means something).
    assert_eq!(server.stats().replays, 1);
}

#[test]
fn introspection_and_revocation() {
    let server = AuthlibServer::start();
    for registration in [&BASIC, &POST] {
        let client = server.client(registration, &["profile", "email"]);
        let tokens = server.password_tokens(&client, unix_now());
        let access = tokens.access_token();
        let refresh = tokens.refresh_token().unwrap();

        let info = server.introspect(&client, TokenRef::Access(access));
        assert!(info.active);
        assert_eq!(info.client_id.as_deref(), Some(registration.id));
        assert_eq!(info.scopes, Some(strings(&["profile", "email"])));
        assert_eq!(info.username.as_deref(), Some(USER));
        assert_eq!(info.token_type.as_deref(), Some("Bearer"));
        assert_eq!(info.exp.unwrap() - info.iat.unwrap(), PASSWORD_LIFETIME);
        assert!(
            server
                .introspect(&client, TokenRef::Refresh(refresh))
                .active
        );

        // Another client may not see this client's token: active false.
        let other = if registration.id == BASIC.id {
            &POST
        } else {
            &BASIC
        };
        let stranger = server.client(other, &[]);
        assert!(
            !server
                .introspect(&stranger, TokenRef::Access(access))
                .active
        );

        let response = server.send(
            &client
                .revocation_request(TokenRef::Refresh(refresh))
                .unwrap(),
        );
        assert_eq!(response.status, 200);
        client
            .parse_revocation_response(unix_now(), &response)
            .unwrap();

        let info = server.introspect(&client, TokenRef::Refresh(refresh));
        assert_eq!(
            info,
            Introspection {
                active: false,
                ..Introspection::default()
            }
        );
        // RFC 7009 §2.1: the access token of the same grant went with it.
        assert!(!server.introspect(&client, TokenRef::Access(access)).active);
        let refused = server.api_me(&client, access).unwrap_err();
        assert_eq!(refused.status(), Some(401), "{refused}");

        // The revoked refresh token no longer refreshes.
        let now = unix_now();
        let response = server.send(&client.refresh_request(refresh).unwrap());
        let error = client
            .parse_refresh_response(now, &response, &tokens)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidGrant, "{error}");

        // Revoking an invalid token is still a success (RFC 7009 §2.2).
        let response = server.send(
            &client
                .revocation_request(TokenRef::Refresh(refresh))
                .unwrap(),
        );
        client
            .parse_revocation_response(unix_now(), &response)
            .unwrap();
    }
}

#[test]
fn wrong_client_secret_and_wrong_user_password_are_configuration_errors() {
    let server = AuthlibServer::start();
    for registration in [&BASIC, &POST] {
        let client = server.client_with_secret(registration, "not-the-secret", &["profile"]);
        let now = unix_now();
        let requests = [
            (
                GrantType::Password,
                client
                    .password_request(USER, &Password::new(USER_PASSWORD))
                    .unwrap(),
            ),
            (
                GrantType::ClientCredentials,
                client.client_credentials_request().unwrap(),
            ),
        ];
        for (grant, request) in requests {
            let response = server.send(&request);
            let error = client
                .parse_token_response(grant, now, &response)
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidClient, "{error}");
            assert_eq!(error.action(), Action::FixConfiguration, "{error}");
            // Authlib answers 401 whenever client_secret_basic is allowed.
            assert_eq!(error.status(), Some(401), "{error}");
        }
        let response = server.send(
            &client
                .introspection_request(TokenRef::Access(&AccessToken::new("unknown")))
                .unwrap(),
        );
        let error = client
            .parse_introspection_response(now, &response)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidClient, "{error}");
        assert_eq!(error.action(), Action::FixConfiguration, "{error}");

        // server.py's password grant answers bad user credentials with
        // invalid_grant, as RFC 6749 §5.2 says (stock Authlib: see below).
        let client = server.client(registration, &["profile"]);
        for (user, password) in [(USER, "not-the-password"), ("mallory", USER_PASSWORD)] {
            let request = client
                .password_request(user, &Password::new(password))
                .unwrap();
            let error = client
                .parse_token_response(GrantType::Password, now, &server.send(&request))
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidGrant, "{error}");
            assert_eq!(error.action(), Action::FixConfiguration, "{error}");
            assert_eq!(error.status(), Some(400), "{error}");
            assert_eq!(
                error.provider().and_then(|p| p.code()),
                Some("invalid_grant")
            );
        }
    }
}

/// Authlib's own password grant, unchanged, answers bad user credentials
/// with `invalid_request` (not RFC 6749 §5.2's `invalid_grant`); authflow
/// still tells the caller to fix the configuration.
#[test]
fn stock_authlib_password_grant_refuses_bad_user_credentials_as_invalid_request() {
    let server = AuthlibServer::start();
    let profile = Profile::generic(None, &server.url("/stock/oauth/token")).unwrap();
    let client = Client::new(profile, BASIC.id).with_client_secret(ClientSecret::new(BASIC.secret));
    let now = unix_now();
    let good = client
        .password_request(USER, &Password::new(USER_PASSWORD))
        .unwrap();
    let tokens = client
        .parse_token_response(GrantType::Password, now, &server.send(&good))
        .unwrap();
    assert_eq!(tokens.expires_at(), Some(now + PASSWORD_LIFETIME));

    let bad = client
        .password_request(USER, &Password::new("not-the-password"))
        .unwrap();
    let error = client
        .parse_token_response(GrantType::Password, now, &server.send(&bad))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error}");
    assert_eq!(error.action(), Action::FixConfiguration, "{error}");
    assert_eq!(
        error.provider().and_then(|p| p.code()),
        Some("invalid_request")
    );
}

/// The CLI's password grant at a generic server known by its endpoints
/// alone (no discovery): `--username`, the password from
/// AUTHFLOW_PASSWORD, `--auth-method post`; `call` to the API base given;
/// `introspect` with its endpoint given to the command; `revoke` with the
/// endpoint saved at login. Nothing secret printed.
#[test]
fn cli_password_grant_then_call_introspect_and_revoke() {
    let server = AuthlibServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alice.json");
    let file_arg = file.to_str().unwrap();
    let secret = [("AUTHFLOW_CLIENT_SECRET", POST.secret)];
    let login = authflow(
        &[
            "login",
            "--token-endpoint",
            &server.url("/oauth/token"),
            "--revocation-endpoint",
            &server.url("/oauth/revoke"),
            "--api-base",
            &server.url("/api/"),
            "--grant",
            "password",
            "--username",
            USER,
            "--auth-method",
            "post",
            "--client-id",
            POST.id,
            "--scope",
            "profile",
            "--token-file",
            file_arg,
        ],
        &[secret[0], ("AUTHFLOW_PASSWORD", USER_PASSWORD)],
    );
    assert!(login.status.success(), "{}", text(&login));
    let loaded = authflow_examples::token_file::load(&file, None).unwrap();
    let access = loaded.tokens.access_token().secret().to_owned();
    let refresh = loaded.tokens.refresh_token().unwrap().secret().to_owned();
    let never = |said: &str| {
        for secret in [&access, &refresh, USER_PASSWORD, POST.secret] {
            assert!(!said.contains(secret), "a secret printed: {said}");
        }
    };
    never(&text(&login));

    let me = authflow(&["call", "--token-file", file_arg, "me"], &secret);
    assert!(me.status.success(), "{}", text(&me));
    assert!(text(&me).contains("\"alice\""), "{}", text(&me));

    let introspect = authflow(
        &[
            "introspect",
            "--token-file",
            file_arg,
            "--introspection-endpoint",
            &server.url("/oauth/introspect"),
        ],
        &secret,
    );
    let said = text(&introspect);
    assert!(introspect.status.success(), "{said}");
    assert!(said.contains("\"active\": true"), "{said}");
    assert!(said.contains("\nactive; expires in "), "{said}");
    never(&said);
    // Without the endpoint (the token file has none): an error naming the flag.
    let nowhere = authflow(&["introspect", "--token-file", file_arg], &secret);
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(
        text(&nowhere).contains("--introspection-endpoint URL"),
        "{}",
        text(&nowhere)
    );

    let revoke = authflow(&["revoke", "--token-file", file_arg], &secret);
    let said = text(&revoke);
    assert!(revoke.status.success(), "{said}");
    assert!(said.starts_with("revoked the refresh token at "), "{said}");
    never(&said);
    assert!(!file.exists());
    let client = server.client(&POST, &["profile"]);
    let after = server.introspect(
        &client,
        TokenRef::Refresh(&authflowkit_core::RefreshToken::new(refresh.as_str())),
    );
    assert!(!after.active, "revoked at the server");
}

//! Every value that holds a secret prints without it: `Debug` of clients,
//! requests, responses, callbacks, pending authorizations, token sets,
//! sessions and their actions, and the errors every flow can produce.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use authflowkit_core::{
    AccessToken, Client, ClientSecret, GrantType, HttpResponse, Method, Password, Profile, Session,
    SessionAction, TokenRef, UsedStates,
};

const CLIENT_SECRET: &str = "cs-SECRET-0001";
const ACCESS: &str = "at-SECRET-0002";
const REFRESH: &str = "rt-SECRET-0003";
const CODE: &str = "code-SECRET-0004";
const PASSWORD: &str = "pw-SECRET-0005";

fn assert_clean(what: &str, shown: &str) {
    for secret in [CLIENT_SECRET, ACCESS, REFRESH, CODE, PASSWORD] {
        assert!(!shown.contains(secret), "{what} shows {secret}: {shown}");
    }
}

fn token_response() -> HttpResponse {
    let body = format!(
        r#"{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}","token_type":"bearer","expires_in":3600}}"#
    );
    HttpResponse::new(200, vec![], body.into_bytes())
}

/// A confidential client of a generic server with revocation and an API.
fn confidential_client() -> Client {
    let profile = Profile::generic(
        Some("https://as.example/authorize"),
        "https://as.example/token",
    )
    .unwrap()
    .with_endpoint(
        authflowkit_core::EndpointRole::Revocation,
        "https://as.example/revoke",
    )
    .unwrap()
    .with_endpoint(
        authflowkit_core::EndpointRole::ApiBase,
        "https://api.example/v1/",
    )
    .unwrap();
    Client::new(profile, "client-1")
        .with_client_secret(ClientSecret::new(CLIENT_SECRET))
        .with_redirect_uri("https://app.example/cb")
        .unwrap()
}

#[test]
fn nothing_secret_in_debug_output() {
    let client = confidential_client();
    assert_clean("client", &format!("{client:?}"));

    let start = client
        .authorization_request(1_700_000_000, &[3u8; 48])
        .unwrap();
    let verifier = start.pending.code_verifier().unwrap().secret().to_owned();
    let pending_shown = format!("{:?} {:?}", start, start.pending);
    assert_clean("pending authorization", &pending_shown);
    assert!(
        !pending_shown.contains(&verifier),
        "the PKCE verifier is shown: {pending_shown}"
    );

    let redirect = format!(
        "https://app.example/cb?code={CODE}&state={}",
        start.pending.state()
    );
    let callback = start.pending.validate(&redirect, 1_700_000_001).unwrap();
    assert_clean(
        "callback",
        &format!("{callback:?} {:?} {}", callback.code(), callback.code()),
    );

    for request in [
        client.exchange_request(callback).unwrap(),
        client
            .password_request("ada", &Password::new(PASSWORD))
            .unwrap(),
        client.client_credentials_request().unwrap(),
    ] {
        assert_clean("request", &format!("{request:?}"));
    }

    let tokens = client
        .parse_token_response(
            GrantType::AuthorizationCode,
            1_700_000_002,
            &token_response(),
        )
        .unwrap();
    assert_clean("token set", &format!("{tokens:?}"));
    assert_clean("token response", &format!("{:?}", token_response()));
    let revoke = client
        .revocation_request(TokenRef::Refresh(tokens.refresh_token().unwrap()))
        .unwrap();
    assert_clean("revocation request", &format!("{revoke:?}"));

    let mut session = Session::new(client.clone(), Some(tokens));
    assert_clean("session", &format!("{session:?}"));
    for now in [1_700_000_003, 1_700_003_500] {
        let action = session.poll_action(now);
        assert_clean("session action", &format!("{action:?}"));
        if let SessionAction::Send(outgoing) = action {
            let refused = HttpResponse::new(400, vec![], br#"{"error":"invalid_grant"}"#.to_vec());
            let error = session
                .handle_response(outgoing.id, now, &refused)
                .unwrap_err();
            assert_clean("session error", &format!("{error:?} {error}"));
        }
    }
    assert_clean("session after failure", &format!("{session:?}"));
}

#[test]
fn nothing_secret_in_errors_even_when_the_provider_echoes_it() {
    let client = Client::new(Profile::makini_link(), "client-1")
        .with_client_secret(ClientSecret::new(CLIENT_SECRET));
    // Bodies that contain our secrets in odd places must not leak through
    // the error's own text (a provider that echoes a secret in its own
    // words is `a_provider_that_echoes_what_it_got_gets_it_redacted`).
    for body in [
        format!(r#"{{"access_token":{{"nested":"{ACCESS}"}}}}"#),
        format!(r#"{{"access_token":"{ACCESS}","expires_in":"{REFRESH}"}}"#),
        format!(r#"{{"access_token":"{ACCESS}","refresh_token":5}}"#),
        format!(r#"{{"access_token":"{ACCESS}","scope":{{"x":"{REFRESH}"}}}}"#),
        format!(r#"{{"access_token":"{ACCESS}","#),
        format!("<html>{ACCESS}</html>"),
        // Tokens outside their RFC 6749 / RFC 6750 syntax are refused
        // without quoting them.
        format!(r#"{{"access_token":"{ACCESS}\r\nX-Injected: 1"}}"#),
        format!(r#"{{"access_token":"{ACCESS} x","refresh_token":"{REFRESH}"}}"#),
        format!(r#"{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}\u0000"}}"#),
        format!(r#"{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}","scope":"a\tb"}}"#),
        format!(r#"{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}","token_type":"DPoP"}}"#),
    ] {
        let response = HttpResponse::new(200, vec![], body.into_bytes());
        let error = client
            .parse_token_response(GrantType::RefreshToken, 1, &response)
            .unwrap_err();
        assert_clean("parse error", &format!("{error} {error:?}"));
    }
    for stored in [
        format!(r#"{{"v":1,"access_token":"{ACCESS}\n","token_type":"Bearer","issued_at":1}}"#),
        format!(
            r#"{{"v":1,"access_token":"{ACCESS}","refresh_token":"{REFRESH}\u0001","token_type":"Bearer","issued_at":1}}"#
        ),
    ] {
        let error = authflowkit_core::TokenSet::from_json(&stored).unwrap_err();
        assert_clean("stored token set error", &format!("{error} {error:?}"));
    }
}

/// The refusals of this change: tokens in a callback, a replayed pending
/// authorization, a mixed-up exchange, an API URL out of the base. Each
/// is handed the secrets and shows none of them.
#[test]
fn nothing_secret_in_callback_exchange_and_api_refusals() {
    let client = Client::new(Profile::makini_link(), "client-1")
        .with_client_secret(ClientSecret::new(CLIENT_SECRET))
        .with_redirect_uri("https://app.example/cb")
        .unwrap();
    let start = client
        .authorization_request(1_700_000_000, &[9u8; 48])
        .unwrap();
    let state = start.pending.state().to_owned();
    for redirect in [
        format!("https://app.example/cb?code={CODE}&state={state}&access_token={ACCESS}"),
        format!("https://app.example/cb?code={CODE}&state={state}&refresh_token={REFRESH}"),
        format!("https://app.example/cb?code={CODE}&state={state}#access_token={ACCESS}"),
    ] {
        let error = start
            .pending
            .validate(&redirect, 1_700_000_001)
            .unwrap_err();
        assert_clean("token in callback", &format!("{error} {error:?}"));
    }
    let redirect = format!("https://app.example/cb?code={CODE}&state={state}");
    let mut used = UsedStates::new();
    let callback = used
        .validate(&start.pending, &redirect, 1_700_000_001)
        .unwrap();
    assert_clean("validated callback", &format!("{callback:?}"));
    let replay = used
        .validate(&start.pending, &redirect, 1_700_000_002)
        .unwrap_err();
    assert_clean("replay", &format!("{replay} {replay:?} {used:?}"));
    let elsewhere = Client::new(
        Profile::makini_link()
            .with_endpoint(
                authflowkit_core::EndpointRole::Token,
                "https://attacker.example/token",
            )
            .unwrap(),
        "client-1",
    )
    .with_client_secret(ClientSecret::new(CLIENT_SECRET));
    let mixed_up = elsewhere.exchange_request(callback).unwrap_err();
    assert_clean("mix-up", &format!("{mixed_up} {mixed_up:?}"));
    let token = AccessToken::new(ACCESS);
    for path in [
        "../link/token",
        "https://attacker.example/x",
        "//attacker.example/x",
    ] {
        let error = client
            .api_request(&token, Method::Get, path, None)
            .unwrap_err();
        assert_clean("API refusal", &format!("{error} {error:?}"));
    }
}

/// Error bodies that echo what the provider got, in every field the core
/// keeps (code, description, URI, request id, in RFC 6749, Makini and
/// MakeShift shapes, and the request-id header).
fn echoing_bodies(echo: &str) -> Vec<HttpResponse> {
    let headers = || vec![("X-Request-Id".to_owned(), echo.to_owned())];
    [
        (400, format!(r#"{{"error":"invalid_grant","error_description":"{echo}","error_uri":"https://as.example/e?{echo}"}}"#)),
        (401, format!(r#"{{"error":{{"code":"{echo}","type":"x","message":"{echo}","request_id":"{echo}"}}}}"#)),
        (403, format!(r#"{{"errors":[{{"title":"{echo}","code":"{echo}"}}],"request_id":"{echo}"}}"#)),
        (200, format!(r#"{{"error":"{echo}","error_description":"{echo}"}}"#)),
        (400, format!(r#"{{"code":"{echo}","message":"{echo}"}}"#)),
    ]
    .into_iter()
    .map(|(status, body)| HttpResponse::new(status, headers(), body.into_bytes()))
    .collect()
}

/// A provider may echo what it got: a refresh token in its description, a
/// client secret in a request id. What the core knows it sent (the client's
/// secret, the tokens a refresh sends) never comes back out of an error.
#[test]
fn a_provider_that_echoes_what_it_got_gets_it_redacted() {
    let client = Client::new(Profile::makini_link(), "client-1")
        .with_client_secret(ClientSecret::new(CLIENT_SECRET))
        .with_redirect_uri("https://app.example/cb")
        .unwrap();
    let now = 1_700_000_000;
    let tokens = client
        .parse_token_response(GrantType::AuthorizationCode, now, &token_response())
        .unwrap();
    let echo = format!("refresh token {REFRESH} (access {ACCESS}) for secret {CLIENT_SECRET}");
    for response in echoing_bodies(&echo) {
        let error = client
            .parse_refresh_response(now, &response, &tokens)
            .unwrap_err();
        assert_clean("refresh error", &format!("{error} {error:?}"));
    }
    // Client credentials send the client's secret only.
    for response in echoing_bodies(&format!("client secret {CLIENT_SECRET}")) {
        let error = client
            .parse_token_response(GrantType::ClientCredentials, now, &response)
            .unwrap_err();
        assert_clean("client credentials error", &format!("{error} {error:?}"));
    }

    // HTTP Basic (the generic profile's default) carries it encoded.
    let basic = Client::new(
        Profile::generic(None, "https://as.example/token").unwrap(),
        "client-1",
    )
    .with_client_secret(ClientSecret::new(CLIENT_SECRET));
    let request = basic.client_credentials_request().unwrap();
    let header = request.header("Authorization").unwrap().to_owned();
    for response in echoing_bodies(&header) {
        let error = basic
            .parse_token_response(GrantType::ClientCredentials, now, &response)
            .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains(&header[6..]),
            "Basic credentials shown: {shown}"
        );
    }

    // Through a session: the error handed back, and the one it stops with.
    for response in echoing_bodies(&echo) {
        let mut session = Session::new(client.clone(), Some(tokens.clone()));
        let later = now + 3_500;
        let SessionAction::Send(outgoing) = session.poll_action(later) else {
            panic!("the token is due for renewal");
        };
        let error = session
            .handle_response(outgoing.id, later, &response)
            .unwrap_err();
        assert_clean("session error", &format!("{error} {error:?}"));
        let action = session.poll_action(later + 1);
        assert_clean("session action", &format!("{action:?}"));
        assert_clean("session", &format!("{session:?}"));
    }
}

/// What only the request knows (the code and PKCE verifier of an exchange,
/// a password, a token being revoked, the bearer token of an API call, HTTP
/// Basic credentials) comes out of an error through
/// [`authflowkit_core::Error::without_secrets_of`], which every binding applies
/// where it sends a request and reads the answer; a transport's own words
/// that quote the request go the same way.
#[test]
fn what_a_request_carried_is_redacted_from_errors_about_it() {
    use authflowkit_core::{AccessToken, Error, ErrorKind, Method, RefreshToken};
    let client = confidential_client();
    let start = client.authorization_request(1, &[3u8; 48]).unwrap();
    let verifier = start.pending.code_verifier().unwrap().secret().to_owned();
    let redirect = format!(
        "https://app.example/cb?code={CODE}&state={}",
        start.pending.state()
    );
    let callback = start.pending.validate(&redirect, 2).unwrap();
    let requests = [
        client.exchange_request(callback).unwrap(),
        client
            .password_request("ada", &Password::new(PASSWORD))
            .unwrap(),
        client
            .revocation_request(TokenRef::Refresh(&RefreshToken::new(REFRESH)))
            .unwrap(),
        client
            .api_request(&AccessToken::new(ACCESS), Method::Get, "sites", None)
            .unwrap(),
    ];
    for request in &requests {
        let sent = format!(
            "{} {} {:?}",
            request.url,
            String::from_utf8_lossy(&request.body),
            request.headers
        );
        let mut errors = vec![Error::new(
            ErrorKind::Transport,
            format!("could not send {sent}"),
        )];
        for response in echoing_bodies(&sent) {
            errors.push(
                client
                    .parse_token_response(GrantType::AuthorizationCode, 3, &response)
                    .unwrap_err(),
            );
            errors.extend(client.check_api_response(3, &response).err());
            errors.extend(client.parse_revocation_response(3, &response).err());
        }
        for error in errors {
            let error = error.without_secrets_of(request);
            let shown = format!("{error} {error:?}");
            assert_clean("error about a request", &shown);
            assert!(!shown.contains(&verifier), "the verifier is shown: {shown}");
        }
    }
}

/// RFC 8693: the subject and actor tokens an exchange hands in, and the
/// token it gets, never come out of an error or a `Debug`, whether the
/// parser knows them (it gets the exchange) or only the request does.
#[cfg(feature = "resources")]
#[test]
fn a_token_exchange_quotes_none_of_its_tokens() {
    use authflowkit_core::{Error, ErrorKind, SecurityToken, TokenExchange, TOKEN_TYPE_JWT};
    const SUBJECT: &str = "subject-SECRET-0006";
    const ACTOR: &str = "actor-SECRET-0007";
    let client = confidential_client();
    let mut exchange = TokenExchange::new(SecurityToken::new(SUBJECT), TOKEN_TYPE_JWT);
    exchange.actor_token = Some(SecurityToken::new(ACTOR));
    exchange.actor_token_type = Some(TOKEN_TYPE_JWT.to_owned());
    let request = client.token_exchange_request(&exchange).unwrap();
    let clean = |what: &str, shown: &str| {
        assert_clean(what, shown);
        for secret in [SUBJECT, ACTOR] {
            assert!(!shown.contains(secret), "{what} shows {secret}: {shown}");
        }
    };
    clean("exchange", &format!("{exchange:?} {request:?}"));
    let echo = format!("subject {SUBJECT} actor {ACTOR} secret {CLIENT_SECRET}");
    for response in echoing_bodies(&echo) {
        let error = client
            .parse_token_exchange_response(&exchange, 3, &response)
            .unwrap_err();
        clean("exchange error", &format!("{error} {error:?}"));
        // A parser that does not know the exchange: the request does.
        let error = client
            .parse_token_response(GrantType::ClientCredentials, 3, &response)
            .unwrap_err()
            .without_secrets_of(&request);
        clean("error about the exchange", &format!("{error} {error:?}"));
    }
    let transport = Error::new(ErrorKind::Transport, format!("could not send {echo}"));
    let transport = transport.without_secrets_of(&request);
    clean("transport error", &format!("{transport} {transport:?}"));
    let body = format!(
        r#"{{"access_token":"{ACCESS}","issued_token_type":"{TOKEN_TYPE_JWT}","token_type":"N_A","refresh_token":"{REFRESH}"}}"#
    );
    let issued = client
        .parse_token_exchange_response(&exchange, 3, &HttpResponse::new(200, vec![], body.into()))
        .unwrap();
    clean("issued token", &format!("{issued:?}"));
}

#[test]
fn nothing_secret_in_the_fleet_protocol() {
    use authflowkit_core::fleet::{
        FleetAction, FleetSession, StoreKey, StoreOutcome, StoredRecord,
    };
    let client = Client::new(Profile::makini_link(), "client-1")
        .with_client_secret(ClientSecret::new(CLIENT_SECRET));
    let tokens = client
        .parse_token_response(
            GrantType::AuthorizationCode,
            1_700_000_000,
            &token_response(),
        )
        .unwrap();
    let key = StoreKey::for_connection(&client, "user-1");
    let mut fleet = FleetSession::new(
        Session::new(client, Some(tokens.clone())),
        key,
        "owner".into(),
    );
    // The first poll writes the local tokens: the request carries them.
    let FleetAction::Store(write) = fleet.poll(1_700_000_000_000) else {
        panic!("expected a store write");
    };
    assert_clean("store request", &format!("{write:?}"));
    assert_clean("fleet session", &format!("{fleet:?}"));
    let record = StoredRecord {
        generation: 1,
        value: tokens.to_json(),
    };
    assert_clean("stored record", &format!("{record:?}"));
    assert_clean(
        "store outcome",
        &format!("{:?}", StoreOutcome::Got(Some(record))),
    );
    fleet.handle_store_error(write.id, 1_700_000_000_000, "connection refused");
    let FleetAction::UseToken(_) = fleet.poll(1_700_000_000_001) else {
        panic!("a valid local token serves while the store is down");
    };
    assert_clean("fleet session after an error", &format!("{fleet:?}"));
}

/// A private key given to a client (`private_key_jwt`), and the client
/// assertions it signs: never in `Debug`, nor in an error that echoes the
/// request (an assertion is a credential for its minute).
#[cfg(feature = "jwt-client-auth")]
#[test]
fn nothing_of_a_signing_key_or_an_assertion_in_debug_or_errors() {
    let clean = |shown: &str, secret: &str| {
        assert!(
            secret.len() > 20 && !shown.contains(secret),
            "shows a secret: {shown}"
        )
    };
    const D: &str = "2DErVUlhFwncbLnR8jB1Wk1Qv1xTR5X5ra3uwH4gF6E";
    let jwk = format!(
        r#"{{"kty":"OKP","crv":"Ed25519","x":"MAuCJ7WtkSnzKH1Q7K5kSGjzwXlKVR2E4l4Dg4S7L_s","d":"{D}"}}"#
    );
    let key = authflowkit_core::SigningKey::from_jwk(&jwk).unwrap();
    clean(&format!("{key:?}"), D);
    let profile = Profile::generic(None, "https://as.example/token").unwrap();
    let client = Client::new(profile, "svc").with_signing_key(key);
    clean(&format!("{client:?}"), D);
    let at = client.at(1_713_082_414, &[5; 32]).unwrap();
    clean(&format!("{at:?}"), D);
    let request = at.client_credentials_request().unwrap();
    let body = String::from_utf8(request.body.to_vec()).unwrap();
    let assertion = body.split("client_assertion=").nth(1).unwrap().to_owned();
    clean(&format!("{request:?}"), &assertion);
    let echo = HttpResponse {
        status: 401,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: format!(
            r#"{{"error":"invalid_client","error_description":"bad assertion {assertion}"}}"#
        )
        .into_bytes()
        .into(),
    };
    let error = client
        .parse_token_response(
            authflowkit_core::GrantType::ClientCredentials,
            1_713_082_414,
            &echo,
        )
        .unwrap_err()
        .without_secrets_of(&request);
    clean(&format!("{error} {error:?}"), &assertion);
}

/// RFC 9126: the push carries the client secret (in the body with
/// client_secret_post, in the header with Basic); neither the pushed
/// request nor any error about the PAR endpoint's answer shows it, even
/// when the endpoint echoes it back.
#[test]
#[cfg(feature = "par")]
fn a_pushed_authorization_request_quotes_no_secret() {
    for method in [
        authflowkit_core::ClientAuthMethod::ClientSecretPost,
        authflowkit_core::ClientAuthMethod::ClientSecretBasic,
    ] {
        let profile = confidential_client()
            .profile()
            .clone()
            .with_client_auth(method)
            .with_endpoint(
                authflowkit_core::EndpointRole::PushedAuthorization,
                "https://as.example/par",
            )
            .unwrap()
            .with_pushed_authorization(true)
            .unwrap();
        let client = Client::new(profile, "app")
            .with_client_secret(ClientSecret::new(CLIENT_SECRET))
            .with_redirect_uri("https://app.example/cb")
            .unwrap();
        let push = client
            .pushed_authorization_request(1_000, &[9; 64])
            .unwrap();
        assert_clean("a pushed request", &format!("{:?}", push.request));
        assert_clean("its pending authorization", &format!("{:?}", push.pending));
        let mut answers = echoing_bodies(CLIENT_SECRET);
        answers.push(HttpResponse::new(
            201,
            vec![],
            format!(r#"{{"request_uri":"","expires_in":60,"note":"{CLIENT_SECRET}"}}"#)
                .into_bytes(),
        ));
        for response in answers {
            let error = client
                .parse_pushed_authorization_response(1_001, push.pending.clone(), &response)
                .unwrap_err();
            assert_clean("a PAR error", &format!("{error} {error:?}"));
        }
    }
}

//! Walks every flow of authflow-core in memory: each request the core
//! builds, the answer a provider following the seeds would give, and what
//! the core makes of it. Secrets print redacted. Exits non-zero if any step
//! does not behave as the provider documents say.

#![allow(clippy::print_stdout)]

use authflow_core::{
    discovery_request, parse_discovery_response, Action, Client, ClientSecret, DiscoveryDocument,
    ErrorKind, GrantType, HttpRequest, HttpResponse, Method, Profile, Session, SessionAction,
    TokenRef,
};

/// A fixed clock and entropy: the walk is the same on every run.
const NOW: u64 = 1_713_082_414;
const ENTROPY: [u8; authflow_core::AUTHORIZATION_ENTROPY_LEN] = [42; 48];
const DAY: u64 = 86_400;

type Step = Result<(), String>;
/// A titled part of the walk.
type Walk = (&'static str, fn() -> Step);

fn main() {
    let steps: [Walk; 6] = [
        (
            "Makini Link: authorize, exchange, call, refresh with rotation",
            makini_link,
        ),
        ("Makini Link: the user refuses", makini_link_denied),
        (
            "Makini Admin: client credentials and the seed's error table",
            makini_admin,
        ),
        (
            "MakeShift: password grant (JSON), token info, API",
            makeshift,
        ),
        (
            "Generic OAuth 2.0: discovery, revocation, introspection",
            generic,
        ),
        (
            "Session: 503 with Retry-After, then a rotated refresh",
            session_survives_503,
        ),
    ];
    let mut failed = 0;
    for (title, step) in steps {
        println!("\n=== {title}");
        match step() {
            Ok(()) => println!("--- ok"),
            Err(why) => {
                failed += 1;
                println!("--- FAILED: {why}");
            }
        }
    }
    println!("\n{} passed, {} failed", steps.len() - failed, failed);
    std::process::exit(i32::from(failed > 0));
}

fn show_request(request: &HttpRequest) {
    println!("  -> {} {}", request.method, request.url);
    for (name, value) in &request.headers {
        let shown = if name.eq_ignore_ascii_case("authorization") {
            "[redacted]"
        } else {
            value
        };
        println!("     {name}: {shown}");
    }
    if !request.body.is_empty() {
        println!(
            "     body: [{} bytes, holds secrets: redacted]",
            request.body.len()
        );
    }
}

fn respond(status: u16, body: &str) -> HttpResponse {
    println!(
        "  <- {status} {}",
        if status < 300 {
            "[token body redacted]"
        } else {
            body
        }
    );
    HttpResponse::new(
        status,
        vec![("Content-Type".into(), "application/json".into())],
        body.as_bytes().to_vec(),
    )
}

fn expect(condition: bool, what: &str) -> Step {
    if condition {
        println!("  ✓ {what}");
        Ok(())
    } else {
        Err(what.to_owned())
    }
}

fn err(e: authflow_core::Error) -> String {
    e.to_string()
}

fn makini_link() -> Step {
    let client = Client::new(Profile::makini_link(), "demo-client")
        .with_client_secret(ClientSecret::new("demo-client-secret"))
        .with_redirect_uri("http://127.0.0.1:8400/callback")
        .map_err(err)?;
    let start = client.authorization_request(NOW, &ENTROPY).map_err(err)?;
    println!("  authorize URL: {}", start.url);
    let stored = start.pending.to_storage_string();
    println!(
        "  pending authorization kept in the session store ({} chars)",
        stored.len()
    );

    let pending = authflow_core::PendingAuthorization::from_storage_string(&stored).map_err(err)?;
    let redirect = format!(
        "http://127.0.0.1:8400/callback?code=code-123&state={}",
        pending.state()
    );
    let callback = pending.validate(&redirect, NOW + 20).map_err(err)?;
    expect(
        true,
        "the redirect's state matches; the code may be exchanged",
    )?;

    let exchange = client.exchange_request(&callback).map_err(err)?;
    show_request(&exchange);
    let expires = NOW + 30 * DAY;
    let tokens = client
        .parse_token_response(
            GrantType::AuthorizationCode,
            NOW + 21,
            &respond(200, &format!(r#"{{"access_token":"at-1","refresh_token":"rt-1","token_type":"bearer","expires_in":{expires}}}"#)),
        )
        .map_err(err)?;
    println!("  tokens: {tokens:?}");
    expect(
        tokens.expires_at() == Some(expires),
        "expires_in read as an absolute timestamp (30 days), not seconds",
    )?;

    let call = client
        .api_request(tokens.access_token(), Method::Get, "sites", None)
        .map_err(err)?;
    show_request(&call);
    expect(
        call.url == "https://api.makini.io/v4/sites",
        "API calls go to the v4 base",
    )?;

    let refresh = client
        .refresh_request(tokens.refresh_token().ok_or("no refresh token")?)
        .map_err(err)?;
    show_request(&refresh);
    let rotated = client
        .parse_refresh_response(
            NOW + 27 * DAY,
            &respond(200, &format!(r#"{{"access_token":"at-2","refresh_token":"rt-2","token_type":"bearer","expires_in":{}}}"#, NOW + 57 * DAY)),
            &tokens,
        )
        .map_err(err)?;
    expect(
        rotated.refresh_token().map(|t| t.secret()) == Some("rt-2"),
        "the rotated refresh token replaces the old one",
    )?;

    let replay = client.parse_token_response(
        GrantType::RefreshToken,
        NOW + 27 * DAY,
        &respond(400, r#"{"error":"invalid_grant"}"#),
    );
    let e = replay.err().ok_or("a dead refresh token was accepted")?;
    println!("  old refresh token refused: {e}");
    expect(
        e.action() == Action::AuthorizeAgain,
        "a refused Makini Link refresh means: connect again",
    )
}

fn makini_link_denied() -> Step {
    let client = Client::new(Profile::makini_link(), "demo-client")
        .with_redirect_uri("http://127.0.0.1:8400/callback")
        .map_err(err)?;
    let start = client.authorization_request(NOW, &ENTROPY).map_err(err)?;
    let redirect = format!(
        "http://127.0.0.1:8400/callback?error=access_denied&error_description=The+user+denied+access&state={}",
        start.pending.state()
    );
    let e = start
        .pending
        .validate(&redirect, NOW + 5)
        .err()
        .ok_or("a refusal was accepted")?;
    println!("  {e}");
    expect(
        e.kind() == ErrorKind::AccessDenied && e.action() == Action::AuthorizeAgain,
        "access_denied: ask the user again",
    )
}

fn makini_admin() -> Step {
    let profile = Profile::makini_admin("https://api.makini.io/admin/oauth/token").map_err(err)?;
    let client =
        Client::new(profile, "admin-client").with_client_secret(ClientSecret::new("admin-secret"));
    let request = client.client_credentials_request().map_err(err)?;
    show_request(&request);
    let tokens = client
        .parse_token_response(
            GrantType::ClientCredentials,
            NOW,
            &respond(200, r#"{"access_token":"adm-1","refresh_token":"adm-r1","token_type":"bearer","expires_in":1715674414}"#),
        )
        .map_err(err)?;
    expect(
        tokens.refresh_token().is_some(),
        "client credentials return a refresh token too",
    )?;
    for (status, grant, kind, action) in [
        (
            400,
            GrantType::ClientCredentials,
            ErrorKind::InvalidRequest,
            Action::FixConfiguration,
        ),
        (
            403,
            GrantType::ClientCredentials,
            ErrorKind::InvalidClient,
            Action::FixConfiguration,
        ),
        (
            401,
            GrantType::RefreshToken,
            ErrorKind::InvalidGrant,
            Action::Reauthenticate,
        ),
    ] {
        let e = client
            .parse_token_response(
                grant,
                NOW,
                &respond(status, r#"{"error":{"message":"see the table"}}"#),
            )
            .err()
            .ok_or("an error status was accepted")?;
        expect(
            e.kind() == kind && e.action() == action,
            &format!("{status} on {}: {kind} -> {action}", grant.as_str()),
        )?;
    }
    let (grant, again) = client.reauthentication_request().map_err(err)?;
    show_request(&again);
    expect(
        grant == GrantType::ClientCredentials,
        "re-authentication repeats client credentials",
    )
}

fn makeshift() -> Step {
    let client = Client::new(Profile::makeshift(), "makeshift-key")
        .with_client_secret(ClientSecret::new("makeshift-secret"));
    let mut session = Session::new(client.clone(), None);
    let SessionAction::Send(login) = session.poll_action(NOW) else {
        return Err("a session without tokens did not log in".into());
    };
    show_request(&login.request);
    expect(
        login.request.header("Content-Type") == Some("application/json"),
        "the password grant is JSON",
    )?;
    let seed = r#"{"access_token":"c1230734cc726edc6ae0f8fd00b279dc67f34937d7b8fa8fe5b13a232c11a04b","token_type":"bearer","created_at":1713082400,"user":{"id":7443,"name":"api","role":"company_admin","company_id":269}}"#;
    session
        .handle_response(login.id, NOW, &respond(200, seed))
        .map_err(err)?;
    let tokens = session.poll_persist().ok_or("nothing to persist")?;
    expect(
        tokens.expires_at() == Some(1_713_082_400 + 4 * 3600),
        "4 hours from created_at",
    )?;
    expect(
        tokens.extra().contains_key("user"),
        "the user object is kept",
    )?;

    let info = client
        .token_info_request(tokens.access_token())
        .map_err(err)?;
    show_request(&info);
    let answer = client
        .parse_token_info_response(NOW + 60, &respond(200, r#"{"resource_owner_id":7443,"scopes":[],"expires_in_seconds":14280,"application":{"uid":null},"created_at":1713082400}"#))
        .map_err(err)?;
    session.apply_token_info(NOW + 60, tokens.access_token(), &answer);
    let call = client
        .api_request(tokens.access_token(), Method::Get, "employees", None)
        .map_err(err)?;
    show_request(&call);
    let e = client
        .check_api_response(
            NOW,
            &respond(
                401,
                r#"{"errors":[{"title":"Token is invalid.","status_code":401}]}"#,
            ),
        )
        .err()
        .ok_or("401 accepted")?;
    println!("  {e}");
    expect(
        e.action() == Action::Reauthenticate,
        "an invalid MakeShift token means: log in again",
    )?;
    let SessionAction::Send(again) = session.poll_action(NOW + 4 * 3600 - 60) else {
        return Err("no re-authentication near expiry".into());
    };
    expect(
        again.grant == GrantType::Password,
        "near expiry the session logs in again on its own",
    )
}

fn generic() -> Step {
    let issuer = "https://as.example";
    let request =
        discovery_request(issuer, DiscoveryDocument::OAuthAuthorizationServer).map_err(err)?;
    show_request(&request);
    let document = r#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/authorize","token_endpoint":"https://as.example/token","revocation_endpoint":"https://as.example/revoke","introspection_endpoint":"https://as.example/introspect","code_challenge_methods_supported":["S256"],"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"]}"#;
    let metadata = parse_discovery_response(
        issuer,
        &HttpResponse::new(200, vec![], document.as_bytes().to_vec()),
    )
    .map_err(err)?;
    let client = Client::new(metadata.profile().map_err(err)?, "generic-client")
        .with_client_secret(ClientSecret::new("generic-secret"))
        .with_redirect_uri("https://app.example/cb")
        .map_err(err)?
        .with_scopes(["read_write"]);
    let start = client.authorization_request(NOW, &ENTROPY).map_err(err)?;
    println!("  authorize URL: {}", start.url);
    expect(
        start.url.contains("scope=read_write") && start.url.contains("code_challenge_method=S256"),
        "scope and PKCE S256",
    )?;
    let tokens = client
        .parse_token_response(GrantType::AuthorizationCode, NOW, &respond(200, r#"{"access_token":"g-at","token_type":"Bearer","expires_in":"3600","refresh_token":"g-rt","scope":["read_write"]}"#))
        .map_err(err)?;
    expect(
        tokens.expires_at() == Some(NOW + 3600),
        "expires_in as a string is seconds",
    )?;
    let revoke = client
        .revocation_request(TokenRef::Refresh(
            tokens.refresh_token().ok_or("no refresh token")?,
        ))
        .map_err(err)?;
    show_request(&revoke);
    expect(
        revoke
            .header("Authorization")
            .is_some_and(|h| h.starts_with("Basic ")),
        "client_secret_basic by default",
    )?;
    client
        .parse_revocation_response(NOW, &HttpResponse::new(200, vec![], Vec::new()))
        .map_err(err)?;
    let introspect = client
        .introspection_request(TokenRef::Access(tokens.access_token()))
        .map_err(err)?;
    show_request(&introspect);
    let answer = client
        .parse_introspection_response(NOW, &respond(200, r#"{"active":true,"scope":"read_write","client_id":"generic-client","exp":1713086014}"#))
        .map_err(err)?;
    expect(
        answer.active && answer.exp == Some(1_713_086_014),
        "introspection reads active and exp",
    )
}

fn session_survives_503() -> Step {
    let client = Client::new(Profile::makini_link(), "demo-client")
        .with_client_secret(ClientSecret::new("demo-client-secret"));
    let tokens = client
        .parse_token_response(GrantType::AuthorizationCode, NOW, &HttpResponse::new(200, vec![], format!(r#"{{"access_token":"at-1","refresh_token":"rt-1","token_type":"bearer","expires_in":{}}}"#, NOW + 30 * DAY).into_bytes()))
        .map_err(err)?;
    let mut session = Session::new(client, Some(tokens));
    let due = session.poll_timeout().ok_or("no refresh scheduled")?;
    println!("  next refresh due at {due} (3 days before the 30-day expiry)");
    let SessionAction::Send(first) = session.poll_action(due) else {
        return Err("no refresh at the due time".into());
    };
    let waiting = session.poll_action(due);
    expect(
        matches!(waiting, SessionAction::UseToken(_)),
        "a second caller keeps the valid token: one refresh in flight",
    )?;
    let unavailable = HttpResponse::new(
        503,
        vec![("Retry-After".into(), "7".into())],
        b"<html>down</html>".to_vec(),
    );
    let e = session
        .handle_response(first.id, due, &unavailable)
        .err()
        .ok_or("503 accepted")?;
    println!("  {e}");
    expect(
        e.action() == Action::Retry && e.retry_after() == Some(7),
        "503: retry after 7 s, refresh token kept",
    )?;
    let SessionAction::Send(second) = session.poll_action(due + 7) else {
        return Err("no retry after the back-off".into());
    };
    expect(
        second.request.body == first.request.body,
        "the retry carries the same (still valid) refresh token",
    )?;
    session
        .handle_response(second.id, due + 8, &HttpResponse::new(200, vec![], format!(r#"{{"access_token":"at-2","refresh_token":"rt-2","token_type":"bearer","expires_in":{}}}"#, due + 30 * DAY).into_bytes()))
        .map_err(err)?;
    let saved = session.poll_persist().ok_or("nothing to persist")?;
    expect(
        saved.refresh_token().map(|t| t.secret()) == Some("rt-2"),
        "the rotated pair is handed out for storage",
    )?;
    expect(
        matches!(session.poll_action(due + 9), SessionAction::UseToken(t) if t.secret() == "at-2"),
        "callers get the new token",
    )
}

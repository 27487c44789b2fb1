//! The demo: starts the local providers in-process and walks every flow
//! their documents describe against them over real HTTP, step by step,
//! secrets redacted.

use crate::local::{self, REDIRECT_URI};
use crate::transport::Transport;
use authflow_test_providers::credentials::*;
use authflow_test_providers::{Endpoint, Fault, FaultSpec, Providers};
use authflowkit_core::{
    discovery_request, parse_discovery_response, AccessToken, Action, Client, ClientAuthMethod,
    ClientSecret, DiscoveryDocument, EndpointRole, Error, ErrorKind, GrantType, HttpRequest,
    HttpResponse, Introspection, Method, Session, SessionAction, TokenRef, TokenSet,
};
use std::io::Write;

const DAY: u64 = 86_400;

/// Writes the walk and counts what behaved as the provider documents say.
pub struct Report<'a> {
    out: &'a mut dyn Write,
    passed: u32,
    failed: u32,
}

impl Report<'_> {
    fn line(&mut self, text: &str) {
        // The report goes to a terminal or a test buffer; a failed write
        // has nowhere better to go.
        let _ = writeln!(self.out, "{text}");
    }

    fn check(&mut self, ok: bool, what: &str) {
        if ok {
            self.passed += 1;
            self.line(&format!("  ✓ {what}"));
        } else {
            self.failed += 1;
            self.line(&format!("  ✗ {what}"));
        }
    }

    fn request(&mut self, request: &HttpRequest) {
        self.line(&format!("  → {} {}", request.method, request.url));
        if let Some(content_type) = request.header("Content-Type") {
            self.line(&format!(
                "    {content_type}, {} bytes (secrets inside, not shown)",
                request.body.len()
            ));
        }
    }

    fn response(&mut self, response: &HttpResponse) {
        let kind = response.header("Content-Type").unwrap_or("no content type");
        self.line(&format!(
            "  ← {} ({kind}, {} bytes)",
            response.status,
            response.body.len()
        ));
    }

    fn error(&mut self, error: &Error) {
        self.line(&format!("  ← error: {error}"));
    }

    fn tokens(&mut self, tokens: &TokenSet, now: u64) {
        let days = |at: Option<u64>| match at {
            Some(at) => format!(
                "{} ({})",
                crate::cli::relative(at, now),
                authflowkit_core::format_http_date(at)
            ),
            None => "no expiry".to_owned(),
        };
        self.line(&format!(
            "  tokens: access {} expires {}; refresh {} {}",
            tokens.access_token(),
            days(tokens.expires_at()),
            if tokens.refresh_token().is_some() {
                "[redacted]"
            } else {
                "none"
            },
            if tokens.refresh_token().is_some() {
                days(tokens.refresh_expires_at())
            } else {
                String::new()
            },
        ));
    }
}

/// The result of a walk: how many checks passed and failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Checks that behaved as the provider documents say.
    pub passed: u32,
    /// Checks that did not.
    pub failed: u32,
}

/// Runs the whole walk, writing it to `out`.
pub fn run(out: &mut dyn Write) -> Result<Summary, Box<dyn std::error::Error>> {
    let providers = Providers::start()?;
    let transport = Transport::default();
    let mut report = Report {
        out,
        passed: 0,
        failed: 0,
    };
    report.line(&format!(
        "Local providers on {} (Makini Link, Makini Admin, MakeShift, and a standards-following server)",
        providers.urls().base
    ));
    let walk: [(&str, Part); 7] = [
        (
            "Makini Link: authorize, exchange, API, refresh with rotation",
            makini_link,
        ),
        (
            "Makini Link: the v4 guide's bare token response, and a user who refuses",
            makini_link_edges,
        ),
        (
            "Makini Admin: client credentials, the error table, re-authentication",
            makini_admin,
        ),
        (
            "MakeShift: password grant (JSON), token info, API, log in again after 4 hours",
            makeshift,
        ),
        ("Session: a 503 on refresh, then success", survives_503),
        ("API: a 429 with Retry-After", survives_429),
        (
            "A standards-following server: discovery (RFC 8414), introspection (RFC 7662), revocation (RFC 7009)",
            discovery_introspection_revocation,
        ),
    ];
    for (title, part) in walk {
        report.line(&format!("\n== {title}"));
        providers.reset();
        if let Err(error) = part(&mut report, &providers, &transport) {
            report.failed += 1;
            report.line(&format!("  ✗ stopped: {error}"));
        }
    }
    providers.stop();
    let summary = Summary {
        passed: report.passed,
        failed: report.failed,
    };
    report.line(&format!(
        "\n{} passed, {} failed",
        summary.passed, summary.failed
    ));
    Ok(summary)
}

type Part = fn(&mut Report<'_>, &Providers, &Transport) -> Result<(), Error>;

/// The providers' clock, which the demo moves to expire tokens without waiting.
fn now(providers: &Providers) -> u64 {
    u64::try_from(providers.now()).unwrap_or(0)
}

fn advance_days(providers: &Providers, days: u64) -> u64 {
    providers.advance_clock(i64::try_from(days * DAY).unwrap_or(0));
    now(providers)
}

/// Shows what the session sends and what it asks to store.
impl crate::driver::SessionObserver for Report<'_> {
    fn exchanged(
        &mut self,
        request: &authflowkit_core::OutgoingRequest,
        answer: Result<&HttpResponse, &Error>,
    ) {
        self.line(&format!(
            "  session sends a {:?} ({})",
            request.purpose,
            request.grant.as_str()
        ));
        self.request(&request.request);
        match answer {
            Ok(response) => self.response(response),
            Err(error) => self.error(error),
        }
    }

    fn persist(&mut self, tokens: &TokenSet) {
        self.line("  session: persist the new token set (before anyone uses it)");
        // The report shows expiry relative to when the tokens were issued.
        self.tokens(tokens, tokens.issued_at());
    }
}

/// Drives a session until it hands out a token or fails, reporting each step.
fn bearer(
    report: &mut Report<'_>,
    session: &mut Session,
    transport: &Transport,
    now: u64,
) -> Result<AccessToken, Error> {
    crate::driver::drive(session, transport, now, report)
}

fn api_get(
    report: &mut Report<'_>,
    client: &Client,
    transport: &Transport,
    token: &AccessToken,
    path: &str,
    now: u64,
) -> Result<HttpResponse, Error> {
    let request = client.api_request(token, Method::Get, path, None)?;
    report.request(&request);
    let response = transport.send(&request)?;
    report.response(&response);
    client.check_api_response(now, &response)?;
    Ok(response)
}

fn makini_link(
    report: &mut Report<'_>,
    providers: &Providers,
    transport: &Transport,
) -> Result<(), Error> {
    let client = local::link_client(providers.urls())?;
    let t0 = now(providers);
    let authorized = local::authorize(transport, &client, t0, None)?;
    // The authorize URL holds no secret: the state and the PKCE challenge
    // are public; the verifier stays in the pending authorization.
    report.line(&format!(
        "  authorize URL sent to the browser: {}",
        authorized.url
    ));
    report.line(&format!(
        "  the provider redirects to {REDIRECT_URI}?code=…&state=…"
    ));
    let stored = authorized.pending.to_storage_string();
    report.line(&format!(
        "  pending authorization kept server-side ({} chars)",
        stored.len()
    ));
    let pending = authflowkit_core::PendingAuthorization::from_storage_string(&stored)?;
    let callback = pending.validate(&authorized.redirect, t0)?;
    report.check(
        true,
        "the redirect's state matches the pending authorization",
    );

    let exchange = client.exchange_request(callback)?;
    report.request(&exchange);
    let response = transport.send(&exchange)?;
    report.response(&response);
    let tokens = client.parse_token_response(GrantType::AuthorizationCode, t0, &response)?;
    report.tokens(&tokens, t0);
    let expected = t0 + 30 * DAY;
    report.check(
        tokens
            .expires_at()
            .is_some_and(|at| at.abs_diff(expected) <= 2),
        "expires_in read as an absolute Unix timestamp: the access token lives 30 days",
    );
    report.check(
        tokens
            .refresh_expires_at()
            .is_some_and(|at| at.abs_diff(t0 + 31 * DAY) <= 2),
        "the refresh token lives 31 days",
    );

    let sites = api_get(
        report,
        &client,
        transport,
        tokens.access_token(),
        "sites",
        t0,
    )?;
    report.check(sites.status == 200, "GET /v4/sites with the bearer token");
    let legacy = Client::new(client.profile().clone().using_legacy_api(), LINK_CLIENT_ID);
    let v3 = api_get(
        report,
        &legacy,
        transport,
        tokens.access_token(),
        "sites",
        t0,
    )?;
    report.check(v3.status == 200, "the legacy v3 API answers too");

    let old_refresh = tokens.refresh_token().cloned();
    let mut session = Session::new(client.clone(), Some(tokens));
    let due = session.poll_timeout().unwrap_or(0);
    report.line(&format!(
        "  next refresh due in {:.1} days (the scheduled job both Makini documents recommend)",
        due.saturating_sub(t0) as f64 / DAY as f64
    ));
    let t1 = advance_days(providers, 28);
    let token = bearer(report, &mut session, transport, t1)?;
    let rotated = session.token_set().and_then(|t| t.refresh_token()).cloned();
    report.check(
        rotated.is_some() && rotated != old_refresh,
        "refresh rotated the pair; the session holds the new refresh token",
    );
    let call = api_get(report, &client, transport, &token, "sites", t1)?;
    report.check(call.status == 200, "the new access token works");

    if let Some(old) = old_refresh {
        report.line("  sending the OLD refresh token by hand, to show what rotation means:");
        let replay = client.refresh_request(&old)?;
        let response = transport.send(&replay)?;
        report.response(&response);
        match client.parse_token_response(GrantType::RefreshToken, t1, &response) {
            Err(e) => {
                report.error(&e);
                report.check(
                    e.kind() == ErrorKind::InvalidGrant && e.action() == Action::AuthorizeAgain,
                    "the old refresh token is dead: invalid_grant, authorize again",
                );
            }
            Ok(_) => report.check(false, "the old refresh token was refused"),
        }
    }
    let replays = providers.stats().client(LINK_CLIENT_ID).replays;
    report.check(
        replays == 1,
        "the provider saw exactly one replay: the hand-made one above, none from the session",
    );
    Ok(())
}

fn makini_link_edges(
    report: &mut Report<'_>,
    providers: &Providers,
    transport: &Transport,
) -> Result<(), Error> {
    let bare = local::makini_link(
        providers.urls(),
        LINK_BARE_CLIENT_ID,
        Some(LINK_BARE_CLIENT_SECRET),
    )?;
    let t0 = now(providers);
    let tokens = local::code_flow(transport, &bare, t0)?;
    report.tokens(&tokens, t0);
    report.check(
        tokens.expires_at() == Some(t0 + 30 * DAY)
            && tokens.refresh_expires_at() == Some(t0 + 31 * DAY),
        "a bare {access_token, refresh_token} answer gets the documented 30 / 31 days",
    );
    let client = local::link_client(providers.urls())?;
    let authorized = local::authorize(transport, &client, t0, Some(DENYING_LOGIN_HINT))?;
    match authorized.pending.validate(&authorized.redirect, t0) {
        Err(e) => {
            report.error(&e);
            report.check(
                e.kind() == ErrorKind::AccessDenied && e.action() == Action::UserDenied,
                "the refusal is access_denied: the user declined, do not ask again on our own",
            );
        }
        Ok(_) => report.check(false, "a refused authorization yields no code"),
    }
    Ok(())
}

fn makini_admin(
    report: &mut Report<'_>,
    providers: &Providers,
    transport: &Transport,
) -> Result<(), Error> {
    let urls = providers.urls();
    let client = local::admin_client(urls, ADMIN_CLIENT_SECRET)?;
    let t0 = now(providers);
    let mut session = Session::new(client.clone(), None);
    let token = bearer(report, &mut session, transport, t0)?;
    let connections = api_get(report, &client, transport, &token, "connections", t0)?;
    report.check(connections.status == 200, "GET /admin/v4/connections");

    report.line("  the Makini Admin document's error table, row by row:");
    let mut malformed = client.client_credentials_request()?;
    malformed.body = b"grant_type=authorization_codes".to_vec().into();
    let answer = transport.send(&malformed)?;
    let e = client
        .parse_token_response(GrantType::ClientCredentials, t0, &answer)
        .err();
    report.check(
        e.as_ref().is_some_and(|e| {
            e.status() == Some(400)
                && e.kind() == ErrorKind::InvalidRequest
                && e.action() == Action::FixConfiguration
        }),
        "400 (wrong grant_type / malformed body): invalid_request, fix configuration",
    );
    let wrong = local::admin_client(urls, "not-the-secret")?;
    let answer = transport.send(&wrong.client_credentials_request()?)?;
    let e = wrong
        .parse_token_response(GrantType::ClientCredentials, t0, &answer)
        .err();
    report.check(
        e.as_ref().is_some_and(|e| {
            e.status() == Some(403)
                && e.kind() == ErrorKind::InvalidClient
                && e.action() == Action::FixConfiguration
        }),
        "403 (wrong client id or secret): invalid_client, fix configuration",
    );
    let garbage = client.api_request(
        &AccessToken::new("not-a-token"),
        Method::Get,
        "connections",
        None,
    )?;
    let e = client
        .check_api_response(t0, &transport.send(&garbage)?)
        .err();
    report.check(
        e.as_ref()
            .is_some_and(|e| e.status() == Some(401) && e.action() == Action::Refresh),
        "401 on the API (malformed token): refresh or re-issue",
    );

    report.line("  32 days later, both tokens have expired:");
    let t1 = advance_days(providers, 32);
    let stale = session.token_set().and_then(|t| t.refresh_token()).cloned();
    if let Some(stale) = stale {
        let answer = transport.send(&client.refresh_request(&stale)?)?;
        let e = client
            .parse_token_response(GrantType::RefreshToken, t1, &answer)
            .err();
        report.check(
            e.as_ref()
                .is_some_and(|e| e.status() == Some(401) && e.action() == Action::Reauthenticate),
            "refresh returns 401: the refresh token expired, re-authenticate",
        );
    }
    let token = bearer(report, &mut session, transport, t1)?;
    report.check(
        session.token_set().is_some_and(|t| t.is_access_valid(t1)),
        "the session re-authenticated with client credentials on its own",
    );
    let again = api_get(report, &client, transport, &token, "connections", t1)?;
    report.check(again.status == 200, "and the API answers again");
    Ok(())
}

fn makeshift(
    report: &mut Report<'_>,
    providers: &Providers,
    transport: &Transport,
) -> Result<(), Error> {
    let client = local::makeshift_client(providers.urls())?;
    let t0 = now(providers);
    let mut session = Session::new(client.clone(), None);
    let token = bearer(report, &mut session, transport, t0)?;
    let tokens = session
        .token_set()
        .cloned()
        .ok_or_else(|| Error::new(ErrorKind::AuthorizationRequired, "no tokens"))?;
    report.check(
        tokens.expires_at() == Some(t0 + 4 * 3600),
        "no expires_in: created_at + 4 hours",
    );
    report.check(
        tokens.refresh_token().is_none() && tokens.extra().contains_key("user"),
        "no refresh token; the user object is kept",
    );

    let info_request = client.token_info_request(&token)?;
    report.request(&info_request);
    let info_response = transport.send(&info_request)?;
    report.response(&info_response);
    let info = client.parse_token_info_response(t0, &info_response)?;
    report.line(&format!(
        "  token info: {} s left",
        info.expires_in_seconds.unwrap_or(0)
    ));
    report.check(
        info.expires_in_seconds
            .is_some_and(|s| s.abs_diff(4 * 3600) <= 2),
        "token info says about 4 hours are left",
    );
    session.apply_token_info(t0, &token, &info);
    let employees = api_get(report, &client, transport, &token, "employees", t0)?;
    report.check(employees.status == 200, "GET /api/public/v2/employees");

    report.line("  4 hours later:");
    providers.advance_clock(4 * 3600);
    let t1 = now(providers);
    let e = client
        .check_api_response(
            t1,
            &transport.send(&client.api_request(&token, Method::Get, "employees", None)?)?,
        )
        .err();
    report.check(
        e.as_ref().is_some_and(|e| {
            e.kind() == ErrorKind::Unauthorized && e.action() == Action::Reauthenticate
        }),
        "the old token is refused ({errors: [...]}): log in again",
    );
    let fresh = bearer(report, &mut session, transport, t1)?;
    report.check(fresh != token, "the session logged in again on its own");
    Ok(())
}

fn survives_503(
    report: &mut Report<'_>,
    providers: &Providers,
    transport: &Transport,
) -> Result<(), Error> {
    let client = local::link_client(providers.urls())?;
    let t0 = now(providers);
    let tokens = local::code_flow(transport, &client, t0)?;
    let mut session = Session::new(client, Some(tokens));
    providers.set_fault_spec(
        Endpoint::MakiniLinkToken,
        FaultSpec::new(Fault::Status503).retry_after(7),
    );
    report.line("  the token endpoint answers 503 with Retry-After: 7 once");
    let t1 = advance_days(providers, 30);
    match bearer(report, &mut session, transport, t1) {
        Err(e) => {
            report.error(&e);
            report.check(
                e.action() == Action::Retry && e.retry_after() == Some(7),
                "503: retry after 7 s, the refresh token kept",
            );
        }
        Ok(_) => report.check(false, "the 503 was reported"),
    }
    let waiting = matches!(session.poll_action(t1 + 3), SessionAction::Wait { until: Some(at) } if at == t1 + 7);
    report.check(
        waiting,
        "asked again 3 s later, the session says wait until the 7 s are up",
    );
    let token = bearer(report, &mut session, transport, t1 + 7)?;
    report.check(
        !token.secret().is_empty(),
        "after 7 s the same refresh token works",
    );
    report.check(
        providers.stats().client(LINK_CLIENT_ID).replays == 0,
        "no refresh token was lost or replayed",
    );
    Ok(())
}

fn survives_429(
    report: &mut Report<'_>,
    providers: &Providers,
    transport: &Transport,
) -> Result<(), Error> {
    let client = local::link_client(providers.urls())?;
    let t0 = now(providers);
    let tokens = local::code_flow(transport, &client, t0)?;
    providers.set_api_budget(2);
    let mut last = None;
    for _ in 0..3 {
        let request = client.api_request(tokens.access_token(), Method::Get, "sites", None)?;
        last = Some(client.check_api_response(t0, &transport.send(&request)?));
    }
    match last {
        Some(Err(e)) => {
            report.error(&e);
            report.check(
                e.kind() == ErrorKind::RateLimited
                    && e.action() == Action::Retry
                    && e.retry_after() == Some(30),
                "the third call is rate limited: retry after 30 s",
            );
            report.check(
                e.provider().and_then(|p| p.request_id()).is_some(),
                "the provider's request id is kept",
            );
        }
        _ => report.check(false, "the request budget was enforced"),
    }
    Ok(())
}

/// Discovery, introspection and revocation at the local standard server:
/// the client is made from the server's metadata alone (its issuer and
/// client credentials given), and a revoked token introspects as inactive.
fn discovery_introspection_revocation(
    report: &mut Report<'_>,
    providers: &Providers,
    transport: &Transport,
) -> Result<(), Error> {
    let standard = &providers.urls().standard;
    let t0 = now(providers);
    let request = discovery_request(&standard.issuer, DiscoveryDocument::AuthorizationServer)?;
    report.request(&request);
    let response = transport.send(&request)?;
    report.response(&response);
    let profile = parse_discovery_response(&standard.issuer, &response)?.profile()?;
    let found = |role| profile.endpoint(role).map(|e| e.as_str().to_owned());
    report.check(
        found(EndpointRole::Token).as_deref() == Some(standard.token_endpoint.as_str())
            && found(EndpointRole::Introspection).as_deref()
                == Some(standard.introspection_endpoint.as_str())
            && found(EndpointRole::Revocation).as_deref()
                == Some(standard.revocation_endpoint.as_str()),
        "the metadata names the token, introspection and revocation endpoints",
    );
    let client = Client::new(profile, STANDARD_CLIENT_ID)
        .with_client_secret(ClientSecret::new(STANDARD_CLIENT_SECRET));
    report.check(
        client.client_auth_method().ok() == Some(ClientAuthMethod::ClientSecretBasic),
        "client_secret_basic: the one method the metadata lists",
    );

    let request = client.client_credentials_request()?;
    report.request(&request);
    let response = transport.send(&request)?;
    report.response(&response);
    let tokens = client.parse_token_response(GrantType::ClientCredentials, t0, &response)?;
    report.tokens(&tokens, t0);
    let token = tokens.access_token();

    let introspect = |report: &mut Report<'_>| -> Result<Introspection, Error> {
        let request = client.introspection_request(TokenRef::Access(token))?;
        report.request(&request);
        let response = transport.send(&request)?;
        report.response(&response);
        client.parse_introspection_response(t0, &response)
    };
    let live = introspect(report)?;
    report.line(&format!(
        "  introspection: active {}, client {}, expires in {} s",
        live.active,
        live.client_id.as_deref().unwrap_or("?"),
        live.exp.map_or(0, |exp| exp.saturating_sub(t0))
    ));
    report.check(
        live.active && live.client_id.as_deref() == Some(STANDARD_CLIENT_ID),
        "the new token introspects as active, issued to this client",
    );

    let request = client.revocation_request(TokenRef::Access(token))?;
    report.request(&request);
    let response = transport.send(&request)?;
    report.response(&response);
    client.parse_revocation_response(t0, &response)?;
    let dead = introspect(report)?;
    report.check(
        dead == Introspection::default(),
        "revoked, it introspects as inactive, and nothing more is said about it",
    );
    Ok(())
}

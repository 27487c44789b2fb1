//! CORS on the Makini Link token endpoint: loopback origins only, echoed;
//! preflights answered without counting as token requests or using up a
//! fault; nothing changes for requests without an `Origin`.

mod common;

use authflow_test_providers::credentials::LINK_PUBLIC_CLIENT_ID;
use authflow_test_providers::{Endpoint, Fault, Providers};
use common::*;

const PAGE_ORIGIN: &str = "http://127.0.0.1:5173";

fn preflight(url: &str, origin: &str) -> TestResult<Reply> {
    request(
        "OPTIONS",
        url,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        b"",
    )
}

fn exchange_from(url: &str, origin: Option<&str>) -> TestResult<Reply> {
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(origin) = origin {
        headers.push(("Origin", origin));
    }
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", "no-such-code"),
        ("redirect_uri", REDIRECT_URI),
        ("client_id", LINK_PUBLIC_CLIENT_ID),
        ("code_verifier", "v"),
    ]);
    request("POST", url, &headers, &body)
}

#[test]
fn preflight_from_a_loopback_origin_is_allowed() -> TestResult {
    let p = Providers::start()?;
    let token = &p.urls().makini_link.token_endpoint;
    for origin in [PAGE_ORIGIN, "http://localhost:8080", "http://[::1]:9000"] {
        let reply = preflight(token, origin)?;
        assert_eq!(reply.status, 204, "{origin}");
        assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
        assert_eq!(reply.header("access-control-allow-methods"), Some("POST"));
        let allowed = reply
            .header("access-control-allow-headers")
            .ok_or("no Access-Control-Allow-Headers")?
            .to_ascii_lowercase();
        assert!(allowed.contains("content-type") && allowed.contains("accept"));
        assert_eq!(reply.header("access-control-allow-credentials"), None);
    }
    Ok(())
}

#[test]
fn other_origins_get_no_cors_headers() -> TestResult {
    let p = Providers::start()?;
    let token = &p.urls().makini_link.token_endpoint;
    for origin in [
        "https://127.0.0.1:5173",
        "http://example.com",
        "http://127.0.0.2:80",
        "null",
    ] {
        let reply = preflight(token, origin)?;
        assert_eq!(
            reply.header("access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(
            reply.header("access-control-allow-methods"),
            None,
            "{origin}"
        );
        let reply = exchange_from(token, Some(origin))?;
        assert_eq!(
            reply.header("access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
    Ok(())
}

#[test]
fn token_answers_echo_a_loopback_origin() -> TestResult {
    let p = Providers::start()?;
    let token = &p.urls().makini_link.token_endpoint;
    // An error answer must be readable by the page too.
    let reply = exchange_from(token, Some(PAGE_ORIGIN))?;
    assert_eq!(reply.status, 400);
    assert_eq!(string(&reply.json()?, "error")?, "invalid_grant");
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(PAGE_ORIGIN)
    );
    assert_eq!(reply.header("vary"), Some("Origin"));
    // Without an Origin (every non-browser client) nothing changes.
    let reply = exchange_from(token, None)?;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.header("access-control-allow-origin"), None);
    assert_eq!(reply.header("vary"), None);
    // A fault's canned answer carries the header as well.
    p.set_fault(Endpoint::MakiniLinkToken, Fault::Status503, 1);
    let reply = exchange_from(token, Some(PAGE_ORIGIN))?;
    assert_eq!(reply.status, 503);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(PAGE_ORIGIN)
    );
    Ok(())
}

#[test]
fn preflights_are_not_token_requests() -> TestResult {
    let p = Providers::start()?;
    let token = &p.urls().makini_link.token_endpoint;
    p.set_fault(Endpoint::MakiniLinkToken, Fault::Status500, 1);
    preflight(token, PAGE_ORIGIN)?;
    let stats = p.stats();
    assert!(stats
        .client(LINK_PUBLIC_CLIENT_ID)
        .token_requests
        .is_empty());
    assert!(stats.faults_injected.is_empty());
    // The fault is still armed for the real request.
    assert_eq!(exchange_from(token, Some(PAGE_ORIGIN))?.status, 500);
    Ok(())
}

#[test]
fn only_the_link_token_endpoint_speaks_cors() -> TestResult {
    let p = Providers::start()?;
    let urls = p.urls();
    let api = format!("{}sites", urls.makini_link.api_v4);
    for url in [&api, &urls.makini_admin.token_endpoint] {
        let reply = request("GET", url, &[("Origin", PAGE_ORIGIN)], b"")?;
        assert_eq!(reply.header("access-control-allow-origin"), None, "{url}");
    }
    Ok(())
}

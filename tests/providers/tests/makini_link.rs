//! Makini Link: authorization, code exchange, refresh with rotation, APIs.

mod common;

use authflow_test_providers::credentials::{
    LINK_BARE_CLIENT_ID, LINK_BARE_CLIENT_SECRET, LINK_CLIENT_ID, LINK_CLIENT_SECRET,
    LINK_PUBLIC_CLIENT_ID,
};
use authflow_test_providers::{AuthorizeUser, Providers};
use base64::Engine as _;
use common::*;
use serde_json::json;
use sha2::Digest as _;
use url::Url;

const THIRTY_DAYS: i64 = 30 * 24 * 3600;
const DAY: i64 = 24 * 3600;

fn authorize_url(p: &Providers, pairs: &[(&str, &str)]) -> TestResult<String> {
    let mut url = Url::parse(&p.urls().makini_link.authorization_endpoint)?;
    url.query_pairs_mut().extend_pairs(pairs);
    Ok(url.into())
}

#[test]
fn authorize_redirects_with_code_and_echoed_state() -> TestResult {
    let p = Providers::start()?;
    let url = authorize_url(
        &p,
        &[
            ("response_type", "code"),
            ("client_id", LINK_CLIENT_ID),
            ("redirect_uri", "http://localhost:43123/cb?x=1"),
            ("state", "s t&ate"),
        ],
    )?;
    let reply = get(&url)?;
    assert_eq!(reply.status, 302);
    let location = Url::parse(reply.header("location").ok_or("no Location")?)?;
    assert_eq!(location.host_str(), Some("localhost"));
    assert_eq!(location.port(), Some(43123));
    assert_eq!(location.path(), "/cb");
    assert_eq!(reply.location_param("x")?.as_deref(), Some("1"));
    assert_eq!(reply.location_param("state")?.as_deref(), Some("s t&ate"));
    assert!(reply.location_param("code")?.is_some());

    // No state sent, none echoed.
    let code_only = authorize_url(
        &p,
        &[
            ("response_type", "code"),
            ("client_id", LINK_CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
        ],
    )?;
    let reply = get(&code_only)?;
    assert_eq!(reply.location_param("state")?, None);
    assert_eq!(p.stats().client(LINK_CLIENT_ID).codes_issued, 2);
    Ok(())
}

#[test]
fn authorize_never_redirects_to_an_unvalidated_uri() -> TestResult {
    let p = Providers::start()?;
    for (client, redirect) in [
        ("nobody", REDIRECT_URI),
        (LINK_CLIENT_ID, "http://example.com/cb"),
        (LINK_CLIENT_ID, "https://127.0.0.1:9/cb"),
        (LINK_CLIENT_ID, ""),
    ] {
        let url = authorize_url(
            &p,
            &[
                ("response_type", "code"),
                ("client_id", client),
                ("redirect_uri", redirect),
                ("state", "s"),
            ],
        )?;
        let reply = get(&url)?;
        assert_eq!(reply.status, 400, "{client} {redirect}");
        assert!(reply.header("location").is_none());
        assert!(reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")));
    }
    Ok(())
}

#[test]
fn authorize_errors_are_redirected() -> TestResult {
    let p = Providers::start()?;
    let base = [
        ("client_id", LINK_CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("state", "st"),
    ];
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("response_type", "token")], "unsupported_response_type"),
        (
            &[("response_type", "code"), ("login_hint", "deny")],
            "access_denied",
        ),
        (
            &[
                ("response_type", "code"),
                ("code_challenge", "abc"),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
        (&[], "invalid_request"),
    ];
    for (extra, error) in cases {
        let pairs: Vec<_> = base.iter().chain(extra.iter()).copied().collect();
        let reply = get(&authorize_url(&p, &pairs)?)?;
        assert_eq!(reply.status, 302);
        assert_eq!(reply.location_param("error")?.as_deref(), Some(error));
        assert_eq!(reply.location_param("state")?.as_deref(), Some("st"));
        assert!(reply.location_param("code")?.is_none());
    }
    let denied = get(&authorize_url(
        &p,
        &[
            ("response_type", "code"),
            ("client_id", LINK_CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("login_hint", "deny"),
        ],
    )?)?;
    let location = denied.header("location").ok_or("no Location")?;
    assert!(
        location.ends_with("error=access_denied&error_description=The+user+denied+access"),
        "{location}"
    );
    Ok(())
}

#[test]
fn the_refusing_user_can_be_switched_on() -> TestResult {
    let p = Providers::start()?;
    p.set_authorize_user(AuthorizeUser::Deny);
    let url = authorize_url(
        &p,
        &[
            ("response_type", "code"),
            ("client_id", LINK_CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
        ],
    )?;
    assert_eq!(
        get(&url)?.location_param("error")?.as_deref(),
        Some("access_denied")
    );
    assert_eq!(p.stats().client(LINK_CLIENT_ID).authorizations_denied, 1);
    p.set_authorize_user(AuthorizeUser::Approve);
    assert!(get(&url)?.location_param("code")?.is_some());
    Ok(())
}

#[test]
fn consent_page_posts_back_a_decision() -> TestResult {
    let p = Providers::start()?;
    let pairs = [
        ("response_type", "code"),
        ("client_id", LINK_CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("state", "st"),
    ];
    let mut with_prompt = pairs.to_vec();
    with_prompt.push(("prompt", "consent"));
    let page = get(&authorize_url(&p, &with_prompt)?)?;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains(">Approve</button>") && html.contains(">Deny</button>"));
    assert!(html.contains("method=\"post\""));

    let endpoint = &p.urls().makini_link.authorization_endpoint;
    for (decision, param) in [("approve", "code"), ("deny", "error")] {
        let mut fields = pairs.to_vec();
        fields.push(("decision", decision));
        let reply = post_form(endpoint, &fields)?;
        assert_eq!(reply.status, 302);
        assert!(reply.location_param(param)?.is_some(), "{decision}");
        assert_eq!(reply.location_param("state")?.as_deref(), Some("st"));
    }
    Ok(())
}

#[test]
fn code_exchange_returns_an_absolute_expiry() -> TestResult {
    let p = Providers::start()?;
    let reply = link_code_exchange(&p)?;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("pragma"), Some("no-cache"));
    let body = reply.json()?;
    assert_eq!(body["token_type"], "bearer");
    let expires_in = int(&body, "expires_in")?;
    // An absolute Unix timestamp: the server's clock plus 30 days.
    let expected = p.now() + THIRTY_DAYS;
    assert!(
        (expires_in - expected).abs() < 120,
        "{expires_in} vs {expected}"
    );
    assert!(!string(&body, "access_token")?.is_empty());
    assert!(!string(&body, "refresh_token")?.is_empty());

    let stats = p.stats().client(LINK_CLIENT_ID);
    assert_eq!(stats.codes_redeemed, 1);
    assert_eq!(stats.token_requests_for("authorization_code"), 1);
    Ok(())
}

#[test]
fn the_clock_moves_the_expiry() -> TestResult {
    let p = Providers::start()?;
    let moved = p.advance_clock(1000 * DAY);
    let body = link_login(&p)?;
    let expires_in = int(&body, "expires_in")?;
    assert!((expires_in - (moved + THIRTY_DAYS)).abs() < 120);
    Ok(())
}

#[test]
fn codes_are_single_use_and_bound() -> TestResult {
    let p = Providers::start()?;
    let token_endpoint = p.urls().makini_link.token_endpoint.clone();
    let exchange = |code: &str, redirect: &str, client: &str, secret: &str| {
        post_form(
            &token_endpoint,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect),
                ("client_id", client),
                ("client_secret", secret),
            ],
        )
    };
    let code = authorize(&p, LINK_CLIENT_ID, &[])?;
    let other = exchange(
        &code,
        REDIRECT_URI,
        LINK_BARE_CLIENT_ID,
        LINK_BARE_CLIENT_SECRET,
    )?;
    assert_eq!(other.status, 400);
    assert_eq!(other.json()?["error"], "invalid_grant");
    assert_eq!(
        exchange(&code, REDIRECT_URI, LINK_CLIENT_ID, LINK_CLIENT_SECRET)?.status,
        200
    );
    let again = exchange(&code, REDIRECT_URI, LINK_CLIENT_ID, LINK_CLIENT_SECRET)?;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()?["error"], "invalid_grant");
    assert_eq!(p.stats().client(LINK_CLIENT_ID).code_replays, 1);

    let code = authorize(&p, LINK_CLIENT_ID, &[])?;
    let moved = exchange(
        &code,
        "http://127.0.0.1:9/other",
        LINK_CLIENT_ID,
        LINK_CLIENT_SECRET,
    )?;
    assert_eq!(moved.json()?["error"], "invalid_grant");

    let code = authorize(&p, LINK_CLIENT_ID, &[])?;
    p.advance_clock(11 * 60);
    let late = exchange(&code, REDIRECT_URI, LINK_CLIENT_ID, LINK_CLIENT_SECRET)?;
    assert_eq!(late.json()?["error"], "invalid_grant");
    Ok(())
}

#[test]
fn client_authentication() -> TestResult {
    let p = Providers::start()?;
    let endpoint = &p.urls().makini_link.token_endpoint;
    let code = authorize(&p, LINK_CLIENT_ID, &[])?;
    let wrong = post_form(
        endpoint,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", LINK_CLIENT_ID),
            ("client_secret", "wrong"),
        ],
    )?;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()?["error"], "invalid_client");

    // client_secret_basic works too.
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{LINK_CLIENT_ID}:{LINK_CLIENT_SECRET}"));
    let reply = request(
        "POST",
        endpoint,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", &format!("Basic {basic}")),
        ],
        &form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ]),
    )?;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // A JSON body is refused.
    let json_body = post_json(
        endpoint,
        &json!({"grant_type": "refresh_token", "refresh_token": "x",
                "client_id": LINK_CLIENT_ID, "client_secret": LINK_CLIENT_SECRET}),
    )?;
    assert_eq!(json_body.status, 400);
    assert_eq!(json_body.json()?["error"], "invalid_request");
    Ok(())
}

#[test]
fn public_client_needs_a_matching_s256_verifier() -> TestResult {
    let p = Providers::start()?;
    let verifier = "a-verifier-that-is-long-enough-for-rfc-7636-section-4-1";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];

    // Without PKCE the public client is refused at the authorization step.
    let no_pkce = get(&authorize_url(
        &p,
        &[
            ("response_type", "code"),
            ("client_id", LINK_PUBLIC_CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
        ],
    )?)?;
    assert_eq!(
        no_pkce.location_param("error")?.as_deref(),
        Some("invalid_request")
    );

    let endpoint = &p.urls().makini_link.token_endpoint;
    let exchange = |code: &str, verifier: &str| {
        post_form(
            endpoint,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("client_id", LINK_PUBLIC_CLIENT_ID),
                ("code_verifier", verifier),
            ],
        )
    };
    let code = authorize(&p, LINK_PUBLIC_CLIENT_ID, &pkce)?;
    let wrong = exchange(
        &code,
        "another-verifier-that-is-long-enough-for-rfc-7636-4-1",
    )?;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.json()?["error"], "invalid_grant");

    let code = authorize(&p, LINK_PUBLIC_CLIENT_ID, &pkce)?;
    let missing = exchange(&code, "")?;
    assert_eq!(missing.json()?["error"], "invalid_grant");

    let code = authorize(&p, LINK_PUBLIC_CLIENT_ID, &pkce)?;
    let good = exchange(&code, verifier)?;
    assert_eq!(good.status, 200, "{}", good.text());
    let refresh = string(&good.json()?, "refresh_token")?;

    // The public client refreshes without a secret.
    let refreshed = post_form(
        endpoint,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", LINK_PUBLIC_CLIENT_ID),
        ],
    )?;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text());
    Ok(())
}

#[test]
fn bare_client_gets_only_the_pair() -> TestResult {
    let p = Providers::start()?;
    let code = authorize(&p, LINK_BARE_CLIENT_ID, &[])?;
    let reply = post_form(
        &p.urls().makini_link.token_endpoint,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", LINK_BARE_CLIENT_ID),
            ("client_secret", LINK_BARE_CLIENT_SECRET),
        ],
    )?;
    assert_eq!(reply.status, 200);
    let body = reply.json()?;
    let keys: Vec<&String> = body.as_object().ok_or("not an object")?.keys().collect();
    assert_eq!(keys, ["access_token", "refresh_token"]);
    Ok(())
}

#[test]
fn refresh_rotates_and_counts_replays() -> TestResult {
    let p = Providers::start()?;
    let first = link_login(&p)?;
    let (old_access, old_refresh) = (
        string(&first, "access_token")?,
        string(&first, "refresh_token")?,
    );
    let sites = format!("{}sites", p.urls().makini_link.api_v4);
    assert_eq!(get_bearer(&sites, &old_access)?.status, 200);

    let reply = link_refresh(&p, &old_refresh)?;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let second = reply.json()?;
    let new_access = string(&second, "access_token")?;
    assert_ne!(new_access, old_access);
    assert_ne!(string(&second, "refresh_token")?, old_refresh);

    // The whole old pair is dead at once.
    assert_eq!(get_bearer(&sites, &old_access)?.status, 401);
    let replay = link_refresh(&p, &old_refresh)?;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.json()?["error"], "invalid_grant");
    assert_eq!(get_bearer(&sites, &new_access)?.status, 200);

    let unknown = link_refresh(&p, "never-issued")?;
    assert_eq!(unknown.status, 400);

    let stats = p.stats().client(LINK_CLIENT_ID);
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.replays, 1);
    assert_eq!(stats.token_requests_for("refresh_token"), 3);
    Ok(())
}

#[test]
fn refresh_token_dies_after_31_days() -> TestResult {
    let p = Providers::start()?;
    let body = link_login(&p)?;
    p.advance_clock(31 * DAY);
    let reply = link_refresh(&p, &string(&body, "refresh_token")?)?;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()?["error"], "invalid_grant");
    assert_eq!(p.stats().client(LINK_CLIENT_ID).replays, 0);
    Ok(())
}

#[test]
fn apis_answer_valid_tokens_only() -> TestResult {
    let p = Providers::start()?;
    let access = string(&link_login(&p)?, "access_token")?;
    let v4 = &p.urls().makini_link.api_v4;
    let v3 = &p.urls().makini_link.api_v3;

    let sites = get_bearer(&format!("{v4}sites"), &access)?;
    assert_eq!(sites.status, 200);
    assert_eq!(
        sites.json()?,
        json!({"data": [{"id": "site_1", "name": "Plant 1"}]})
    );
    let other = get_bearer(&format!("{v4}work-orders?page=2"), &access)?;
    assert_eq!(
        other.json()?,
        json!({"data": [], "endpoint": "/v4/work-orders"})
    );
    assert_eq!(get_bearer(&format!("{v3}sites"), &access)?.status, 200);

    for reply in [
        get(&format!("{v4}sites"))?,
        get_bearer(&format!("{v4}sites"), "garbage")?,
    ] {
        assert_eq!(reply.status, 401);
        let body = reply.json()?;
        assert_eq!(body["error"]["code"], "unauthenticated");
        assert_eq!(body["error"]["type"], "authentication_error");
        let request_id = body["error"]["request_id"].as_str().ok_or("no id")?;
        assert!(request_id.starts_with("req_"));
        assert_eq!(reply.header("x-request-id"), Some(request_id));
    }

    p.advance_clock(THIRTY_DAYS);
    assert_eq!(get_bearer(&format!("{v4}sites"), &access)?.status, 401);
    let stats = p.stats().client(LINK_CLIENT_ID);
    assert_eq!(stats.api_calls, 4);
    assert_eq!(stats.api_401, 1);
    assert_eq!(p.stats().provider("makini_link").api_401, 3);
    Ok(())
}

#[test]
fn spent_budget_gives_429() -> TestResult {
    let p = Providers::start()?;
    let access = string(&link_login(&p)?, "access_token")?;
    p.set_api_budget(2);
    let sites = format!("{}sites", p.urls().makini_link.api_v4);
    assert_eq!(get_bearer(&sites, &access)?.status, 200);
    assert_eq!(get_bearer(&sites, &access)?.status, 200);
    let limited = get_bearer(&sites, &access)?;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("30"));
    assert_eq!(limited.json()?["error"]["code"], "rate_limited");
    assert_eq!(limited.json()?["error"]["type"], "rate_limit_error");

    // A new token has a new budget.
    let fresh = string(&link_login(&p)?, "access_token")?;
    assert_eq!(get_bearer(&sites, &fresh)?.status, 200);
    assert_eq!(p.stats().client(LINK_CLIENT_ID).api_429, 1);
    Ok(())
}

#[test]
fn accept_header_is_counted() -> TestResult {
    let p = Providers::start()?;
    let access = string(&link_login(&p)?, "access_token")?;
    let sites = format!("{}sites", p.urls().makini_link.api_v4);
    let reply = request(
        "GET",
        &sites,
        &[("Authorization", &format!("Bearer {access}"))],
        b"",
    )?;
    assert_eq!(reply.status, 200);
    get_bearer(&sites, &access)?;
    assert_eq!(p.stats().client(LINK_CLIENT_ID).api_without_accept_json, 1);
    Ok(())
}

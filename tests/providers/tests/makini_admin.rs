//! Makini Admin API: client credentials, rotation and seed 004's error table.

mod common;

use authflow_test_providers::credentials::{ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
use authflow_test_providers::Providers;
use common::*;
use serde_json::json;

const DAY: i64 = 24 * 3600;

fn client_credentials(p: &Providers) -> TestResult<serde_json::Value> {
    let reply = post_form(
        &p.urls().makini_admin.token_endpoint,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", ADMIN_CLIENT_ID),
            ("client_secret", ADMIN_CLIENT_SECRET),
        ],
    )?;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

fn refresh(p: &Providers, refresh_token: &str) -> TestResult<Reply> {
    post_form(
        &p.urls().makini_admin.token_endpoint,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", ADMIN_CLIENT_ID),
            ("client_secret", ADMIN_CLIENT_SECRET),
        ],
    )
}

/// A Makini error: the status is what counts, the body is an object.
fn assert_makini_error(reply: &Reply, status: u16) -> TestResult {
    assert_eq!(reply.status, status, "{}", reply.text());
    let body = reply.json()?;
    assert!(body["error"].is_object(), "{body}");
    assert!(body["error"]["request_id"].is_string());
    Ok(())
}

#[test]
fn client_credentials_issue_a_pair_with_absolute_expiry() -> TestResult {
    let p = Providers::start()?;
    let body = client_credentials(&p)?;
    assert_eq!(body["token_type"], "bearer");
    let expires_in = int(&body, "expires_in")?;
    let expected = p.now() + 30 * DAY;
    assert!(
        (expires_in - expected).abs() < 120,
        "{expires_in} vs {expected}"
    );
    assert!(body["refresh_token"].is_string());

    // JSON bodies are taken too (the seed speaks of a "JSON/form body").
    let reply = post_json(
        &p.urls().makini_admin.token_endpoint,
        &json!({"grant_type": "client_credentials",
                "client_id": ADMIN_CLIENT_ID, "client_secret": ADMIN_CLIENT_SECRET}),
    )?;
    assert_eq!(reply.status, 200);
    assert_eq!(
        p.stats()
            .client(ADMIN_CLIENT_ID)
            .token_requests_for("client_credentials"),
        2
    );
    Ok(())
}

#[test]
fn error_table_of_seed_004() -> TestResult {
    let p = Providers::start()?;
    let endpoint = &p.urls().makini_admin.token_endpoint;

    // 400: wrong or missing grant_type, malformed body.
    let wrong_grant = post_form(
        endpoint,
        &[
            ("grant_type", "password"),
            ("client_id", ADMIN_CLIENT_ID),
            ("client_secret", ADMIN_CLIENT_SECRET),
        ],
    )?;
    assert_makini_error(&wrong_grant, 400)?;
    let no_grant = post_form(
        endpoint,
        &[
            ("client_id", ADMIN_CLIENT_ID),
            ("client_secret", ADMIN_CLIENT_SECRET),
        ],
    )?;
    assert_makini_error(&no_grant, 400)?;
    let malformed = request(
        "POST",
        endpoint,
        &[("Content-Type", "application/json")],
        b"{\"grant_type\": ",
    )?;
    assert_makini_error(&malformed, 400)?;
    let no_type = request("POST", endpoint, &[], b"grant_type=client_credentials")?;
    assert_makini_error(&no_type, 400)?;

    // 403: bad client id or secret.
    for (id, secret) in [("someone", ADMIN_CLIENT_SECRET), (ADMIN_CLIENT_ID, "wrong")] {
        let reply = post_form(
            endpoint,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ],
        )?;
        assert_makini_error(&reply, 403)?;
    }

    // 401: refresh with an expired refresh token.
    let body = client_credentials(&p)?;
    p.advance_clock(31 * DAY + 1);
    assert_makini_error(&refresh(&p, &string(&body, "refresh_token")?)?, 401)?;
    assert_makini_error(&refresh(&p, "malformed")?, 401)?;
    Ok(())
}

#[test]
fn refresh_rotates_and_counts_replays() -> TestResult {
    let p = Providers::start()?;
    let first = client_credentials(&p)?;
    let old_access = string(&first, "access_token")?;
    let old_refresh = string(&first, "refresh_token")?;
    let second = refresh(&p, &old_refresh)?;
    assert_eq!(second.status, 200);
    let new_access = string(&second.json()?, "access_token")?;

    let connections = format!("{}connections", p.urls().makini_admin.api);
    assert_makini_error(&get_bearer(&connections, &old_access)?, 401)?;
    assert_makini_error(&refresh(&p, &old_refresh)?, 401)?;
    let listed = get_bearer(&connections, &new_access)?;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.json()?,
        json!({"data": [{"id": "conn_1", "status": "active"}]})
    );

    let stats = p.stats().client(ADMIN_CLIENT_ID);
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.replays, 1);
    assert_eq!(stats.api_401, 1);
    Ok(())
}

#[test]
fn api_refuses_expired_and_malformed_tokens() -> TestResult {
    let p = Providers::start()?;
    let access = string(&client_credentials(&p)?, "access_token")?;
    let other = format!("{}tokens", p.urls().makini_admin.api);
    assert_eq!(
        get_bearer(&other, &access)?.json()?,
        json!({"data": [], "endpoint": "/admin/v4/tokens"})
    );
    assert_makini_error(&get_bearer(&other, "not a token")?, 401)?;
    p.advance_clock(30 * DAY);
    assert_makini_error(&get_bearer(&other, &access)?, 401)?;
    Ok(())
}

/// The scope switch: the API wants a scope; a client-credentials token
/// asked with it gets it (echoed, and kept across a refresh), one asked
/// without it gets 403 `insufficient_scope`.
#[test]
fn scope_switch_refuses_tokens_without_the_scope() -> TestResult {
    let p = Providers::start()?;
    p.set_admin_api_scope(Some("connections:read"));
    let connections = format!("{}connections", p.urls().makini_admin.api);

    let unscoped = string(&client_credentials(&p)?, "access_token")?;
    let refused = get_bearer(&connections, &unscoped)?;
    assert_makini_error(&refused, 403)?;
    assert_eq!(
        refused.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\", scope=\"connections:read\"")
    );

    let scoped = post_form(
        &p.urls().makini_admin.token_endpoint,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", ADMIN_CLIENT_ID),
            ("client_secret", ADMIN_CLIENT_SECRET),
            ("scope", "other connections:read"),
        ],
    )?
    .json()?;
    assert_eq!(scoped["scope"], "other connections:read");
    let access = string(&scoped, "access_token")?;
    assert_eq!(get_bearer(&connections, &access)?.status, 200);
    let refreshed = refresh(&p, &string(&scoped, "refresh_token")?)?.json()?;
    assert_eq!(refreshed["scope"], "other connections:read");
    let access = string(&refreshed, "access_token")?;
    assert_eq!(get_bearer(&connections, &access)?.status, 200);

    p.set_admin_api_scope(None);
    assert_eq!(get_bearer(&connections, &unscoped)?.status, 200);
    Ok(())
}

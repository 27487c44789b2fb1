//! MakeShift: JSON password grant, token info, four-hour tokens.

mod common;

use authflow_test_providers::credentials::{MAKESHIFT_KEY, MAKESHIFT_SECRET};
use authflow_test_providers::Providers;
use common::*;
use serde_json::json;

fn login(p: &Providers) -> TestResult<serde_json::Value> {
    let reply = post_json(
        &p.urls().makeshift.token_endpoint,
        &json!({"grant_type": "password", "username": MAKESHIFT_KEY, "password": MAKESHIFT_SECRET}),
    )?;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

fn assert_invalid_token(reply: &Reply) -> TestResult {
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json()?,
        json!({"errors": [{"title": "Token is invalid.", "status_code": 401}]})
    );
    Ok(())
}

#[test]
fn password_grant_in_json() -> TestResult {
    let p = Providers::start()?;
    let body = login(&p)?;
    let token = string(&body, "access_token")?;
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(body["token_type"], "bearer");
    assert!((int(&body, "created_at")? - p.now()).abs() < 120);
    assert_eq!(body["user"]["id"], 7443);
    assert_eq!(body["user"]["company_id"], 269);
    assert!(body.get("expires_in").is_none());
    assert!(body.get("refresh_token").is_none());
    Ok(())
}

#[test]
fn form_bodies_and_wrong_secrets_are_refused() -> TestResult {
    let p = Providers::start()?;
    let endpoint = &p.urls().makeshift.token_endpoint;
    let as_form = post_form(
        endpoint,
        &[
            ("grant_type", "password"),
            ("username", MAKESHIFT_KEY),
            ("password", MAKESHIFT_SECRET),
        ],
    )?;
    assert_eq!(as_form.status, 400);
    assert_eq!(as_form.json()?["error"], "invalid_request");
    assert!(as_form.json()?["error_description"].is_string());

    let wrong = post_json(
        endpoint,
        &json!({"grant_type": "password", "username": MAKESHIFT_KEY, "password": "nope"}),
    )?;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()?["error"], "invalid_grant");
    assert_eq!(
        wrong.json()?["error_description"],
        "The provided authorization grant is invalid, expired, revoked, does not match the \
         redirection URI used in the authorization request, or was issued to another client."
    );
    let stats = p.stats().client(MAKESHIFT_KEY);
    assert_eq!(stats.token_requests_for("password"), 1);
    assert_eq!(stats.token_errors, 1);
    Ok(())
}

#[test]
fn token_info_counts_down_and_the_token_dies_after_four_hours() -> TestResult {
    let p = Providers::start()?;
    let body = login(&p)?;
    let token = string(&body, "access_token")?;
    let info_url = &p.urls().makeshift.token_info_endpoint;

    let info = get_bearer(info_url, &token)?;
    assert_eq!(info.status, 200);
    let info = info.json()?;
    assert_eq!(info["resource_owner_id"], 7443);
    assert_eq!(info["scopes"], json!([]));
    assert_eq!(info["application"], json!({"uid": null}));
    assert_eq!(info["created_at"], body["created_at"]);
    let first = int(&info, "expires_in_seconds")?;
    assert!(first <= 4 * 3600 && first > 4 * 3600 - 120, "{first}");

    p.advance_clock(3 * 3600);
    let later = int(&get_bearer(info_url, &token)?.json()?, "expires_in_seconds")?;
    assert!(later <= first - 3 * 3600, "{later}");
    assert!(later > 0);

    let employees = format!("{}employees", p.urls().makeshift.api);
    assert_eq!(
        get_bearer(&employees, &token)?.json()?,
        json!({"data": [{"id": 1, "name": "Ada"}]})
    );

    p.advance_clock(3600);
    assert_invalid_token(&get_bearer(info_url, &token)?)?;
    assert_invalid_token(&get_bearer(&employees, &token)?)?;
    assert_invalid_token(&get_bearer(&employees, "0123")?)?;

    let stats = p.stats().client(MAKESHIFT_KEY);
    assert_eq!(stats.token_info_calls, 3);
    assert_eq!(stats.token_info_401, 1);
    assert_eq!(stats.api_calls, 2);
    assert_eq!(stats.api_401, 1);
    Ok(())
}

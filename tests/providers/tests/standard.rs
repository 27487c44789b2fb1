//! The standards-following server: RFC 8414 metadata, client credentials
//! with HTTP Basic, RFC 7662 introspection and RFC 7009 revocation.

mod common;

use authflow_test_providers::credentials::{STANDARD_CLIENT_ID, STANDARD_CLIENT_SECRET};
use authflow_test_providers::Providers;
use base64::Engine as _;
use common::*;

fn basic(id: &str, secret: &str) -> String {
    let pair = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// `POST url` with the form and the standard client's Basic credentials
/// (or `authorization` instead).
fn post_authenticated(url: &str, pairs: &[(&str, &str)], authorization: &str) -> TestResult<Reply> {
    request(
        "POST",
        url,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", authorization),
        ],
        &form(pairs),
    )
}

fn client() -> String {
    basic(STANDARD_CLIENT_ID, STANDARD_CLIENT_SECRET)
}

#[test]
fn metadata_sits_at_the_well_known_path_inserted_before_the_issuers_path() -> TestResult {
    let p = Providers::start()?;
    let urls = &p.urls().standard;
    let reply = get(&format!(
        "{}/.well-known/oauth-authorization-server/standard",
        p.urls().base
    ))?;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json()?;
    assert_eq!(body["issuer"], urls.issuer.as_str());
    assert_eq!(body["token_endpoint"], urls.token_endpoint.as_str());
    assert_eq!(
        body["introspection_endpoint"],
        urls.introspection_endpoint.as_str()
    );
    assert_eq!(
        body["revocation_endpoint"],
        urls.revocation_endpoint.as_str()
    );
    // RFC 8414 §3.1 names the other form (appended) OpenID Connect's only.
    assert_eq!(
        get(&format!(
            "{}/.well-known/oauth-authorization-server",
            urls.issuer
        ))?
        .status,
        404
    );
    Ok(())
}

#[test]
fn a_token_is_active_until_revoked_and_its_details_are_its_own() -> TestResult {
    let p = Providers::start()?;
    let urls = p.urls().standard.clone();
    let reply = post_authenticated(
        &urls.token_endpoint,
        &[("grant_type", "client_credentials"), ("scope", "read")],
        &client(),
    )?;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let tokens = reply.json()?;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(int(&tokens, "expires_in")?, 3600);
    assert_eq!(tokens["scope"], "read");
    assert!(
        tokens.get("refresh_token").is_none(),
        "RFC 6749 §4.4.3: none for client credentials"
    );
    let token = string(&tokens, "access_token")?;

    let introspect = |token: &str| -> TestResult<serde_json::Value> {
        let reply =
            post_authenticated(&urls.introspection_endpoint, &[("token", token)], &client())?;
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()
    };
    let active = introspect(&token)?;
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], STANDARD_CLIENT_ID);
    assert_eq!(active["scope"], "read");
    assert_eq!(int(&active, "exp")? - int(&active, "iat")?, 3600);

    let revoked = post_authenticated(&urls.revocation_endpoint, &[("token", &token)], &client())?;
    assert_eq!(revoked.status, 200);
    assert_eq!(introspect(&token)?, serde_json::json!({"active": false}));
    // RFC 7009 §2.2: an unknown (or already revoked) token is no error.
    let again = post_authenticated(
        &urls.revocation_endpoint,
        &[("token", "no-such-token")],
        &client(),
    )?;
    assert_eq!(again.status, 200);
    assert_eq!(
        introspect("no-such-token")?,
        serde_json::json!({"active": false})
    );

    // Expiry ends a token as revocation does.
    let second = post_authenticated(
        &urls.token_endpoint,
        &[("grant_type", "client_credentials")],
        &client(),
    )?;
    let second = string(&second.json()?, "access_token")?;
    p.advance_clock(3600);
    assert_eq!(introspect(&second)?["active"], false);
    Ok(())
}

#[test]
fn every_endpoint_wants_the_client_in_http_basic() -> TestResult {
    let p = Providers::start()?;
    let urls = p.urls().standard.clone();
    for url in [
        &urls.token_endpoint,
        &urls.introspection_endpoint,
        &urls.revocation_endpoint,
    ] {
        let wrong = post_authenticated(
            url,
            &[("grant_type", "client_credentials"), ("token", "t")],
            &basic(STANDARD_CLIENT_ID, "not-the-secret"),
        )?;
        assert_eq!(wrong.status, 401, "{url}");
        assert_eq!(wrong.json()?["error"], "invalid_client");
        assert!(wrong
            .header("WWW-Authenticate")
            .is_some_and(|v| v.starts_with("Basic")));
        let in_body = post_form(
            url,
            &[
                ("grant_type", "client_credentials"),
                ("token", "t"),
                ("client_id", STANDARD_CLIENT_ID),
                ("client_secret", STANDARD_CLIENT_SECRET),
            ],
        )?;
        assert_eq!(
            in_body.status, 401,
            "{url}: client_secret_post is not offered"
        );
    }
    let refresh = post_authenticated(
        &urls.token_endpoint,
        &[("grant_type", "refresh_token")],
        &client(),
    )?;
    assert_eq!(refresh.json()?["error"], "unsupported_grant_type");
    Ok(())
}

//! Text that a provider or a redirect controls never puts control
//! characters into an error's `Display` (RFC 6749 §4.1.2.1, §5.2 charsets;
//! §10.14): a line break there would forge a log line, an escape sequence
//! would rewrite a terminal.
#![allow(clippy::unwrap_used)]

use authflowkit_core::{Client, ErrorKind, GrantType, HttpResponse, Profile};

fn shows_no_control_character(shown: &str) {
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
}

#[test]
fn a_token_endpoints_error_text_never_breaks_a_log_line() {
    let client = Client::new(
        Profile::generic(None, "https://as.example/token").unwrap(),
        "c",
    );
    for body in [
        r#"{"error":"invalid_grant","error_description":"x\r\nFAKE LOG LINE \u001b[31m"}"#,
        r#"{"error":"invalid_grant\r\nX-Injected: 1","error_description":"x"}"#,
        r#"{"error":"invalid_grant","error_uri":"https://as.example/\u001b[2K"}"#,
        r#"{"message":"line one\nline two","request_id":"id\r\nFAKE"}"#,
    ] {
        let response = HttpResponse::new(400, vec![], body.as_bytes().to_vec());
        let error = client
            .parse_token_response(GrantType::AuthorizationCode, 1, &response)
            .unwrap_err();
        shows_no_control_character(&error.to_string());
    }
}

/// RFC 9207: the `iss` of a redirect is the attacker's choice when it does
/// not match; it is quoted escaped.
#[test]
fn a_mismatched_issuer_is_quoted_escaped() {
    let profile = Profile::generic(
        Some("https://as.example/authorize"),
        "https://as.example/token",
    )
    .unwrap()
    .with_issuer("https://as.example", true);
    let client = Client::new(profile, "c")
        .with_redirect_uri("https://app.example/cb")
        .unwrap();
    let entropy: Vec<u8> = (0u8..48).collect();
    let start = client.authorization_request(1, &entropy).unwrap();
    let redirect = format!(
        "https://app.example/cb?code=abc&state={}&iss=https%3A%2F%2Fevil.example%0D%0AFAKE%20LOG%20LINE",
        start.pending.state()
    );
    let error = start.pending.validate(&redirect, 2).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::IssuerMismatch);
    shows_no_control_character(&error.to_string());
    assert!(error.to_string().contains(r"\u{d}\u{a}FAKE"), "{error}");
}

/// The message (`reason` in the bindings) says what the provider said, not
/// only that it refused: its code and description, and for RFC 6750
/// `insufficient_scope` the scope the API asks for.
#[test]
fn the_message_quotes_what_the_provider_said() {
    let client = Client::new(
        Profile::generic(None, "https://as.example/token").unwrap(),
        "c",
    );
    let response = HttpResponse::new(
        401,
        vec![],
        br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#
            .to_vec(),
    );
    let error = client
        .parse_token_response(GrantType::ClientCredentials, 1, &response)
        .unwrap_err();
    assert_eq!(
        error.message(),
        r#"the provider refused the request: invalid_client ("Client authentication failed")"#
    );
    assert_eq!(
        error.to_string(),
        r#"invalid_client: the provider refused the request: invalid_client ("Client authentication failed") (HTTP 401); action: fix_configuration"#
    );

    let forbidden = HttpResponse::new(
        403,
        vec![(
            "WWW-Authenticate".into(),
            r#"Bearer error="insufficient_scope", scope="sites:write""#.into(),
        )],
        Vec::new(),
    );
    let error = client.check_api_response(1, &forbidden).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Forbidden);
    assert!(
        error
            .message()
            .ends_with(r#"insufficient_scope; the API asks for the scope "sites:write""#),
        "{error}"
    );
}

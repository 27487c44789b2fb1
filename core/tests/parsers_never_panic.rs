//! Property tests: every parser answers `Ok` or `Err` for arbitrary input,
//! and never panics.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use authflowkit_core::{
    parse_discovery_response, Challenge, Client, GrantType, HttpResponse, PendingAuthorization,
    Profile, TokenSet,
};
use proptest::prelude::*;

fn clients() -> Vec<Client> {
    vec![
        Client::new(Profile::makini_link(), "link"),
        Client::new(
            Profile::makini_admin("https://api.makini.io/admin/oauth/token").unwrap(),
            "admin",
        ),
        Client::new(Profile::makeshift(), "key"),
        Client::new(
            Profile::generic(None, "https://as.example/token").unwrap(),
            "generic",
        ),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop::sample::select(vec![
                "Date",
                "Retry-After",
                "Content-Type",
                "X-Request-Id",
                "X-Other",
                "WWW-Authenticate",
            ]),
            any::<String>(),
        )
            .prop_map(|(n, v)| (n.to_owned(), v)),
        0..4,
    )
}

/// Bodies that are arbitrary bytes, or JSON-shaped text that reaches the deeper parsing paths.
fn bodies() -> impl Strategy<Value = Vec<u8>> {
    let json_value = prop_oneof![
        Just("null".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        "[a-zA-Z0-9 _.:-]{0,12}".prop_map(|s| format!("\"{s}\"")),
        Just("[\"a\",1,null]".to_owned()),
        Just("{\"code\":\"x\",\"message\":\"y\"}".to_owned()),
        Just("[{\"title\":\"t\",\"status_code\":401}]".to_owned()),
    ];
    let field = prop::sample::select(vec![
        "access_token",
        "token_type",
        "refresh_token",
        "expires_in",
        "created_at",
        "scope",
        "refresh_expires_in",
        "error",
        "error_description",
        "errors",
        "active",
        "issuer",
        "token_endpoint",
        "expires_in_seconds",
        "scopes",
        "exp",
    ]);
    let object = prop::collection::vec((field, json_value), 0..8).prop_map(|fields| {
        let inner: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", inner.join(",")).into_bytes()
    });
    prop_oneof![prop::collection::vec(any::<u8>(), 0..256), object]
}

fn responses() -> impl Strategy<Value = HttpResponse> {
    (any::<u16>(), headers(), bodies())
        .prop_map(|(status, headers, body)| HttpResponse::new(status, headers, body))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn response_parsers_never_panic(response in responses(), now in any::<u64>()) {
        for client in clients() {
            for grant in [GrantType::AuthorizationCode, GrantType::RefreshToken, GrantType::ClientCredentials, GrantType::Password] {
                let _ = client.parse_token_response(grant, now, &response);
            }
            let _ = client.check_api_response(now, &response);
            let _ = client.parse_token_info_response(now, &response);
            let _ = client.parse_revocation_response(now, &response);
            let _ = client.parse_introspection_response(now, &response);
        }
        let _ = parse_discovery_response("https://as.example", &response);
    }

    #[test]
    fn callback_parsing_never_panics(redirect in any::<String>(), now in any::<u64>()) {
        let client = Client::new(Profile::makini_link(), "link").with_redirect_uri("https://app.example/cb").unwrap();
        let pending = client.authorization_request(1_700_000_000, &[9u8; 48]).unwrap().pending;
        let _ = pending.validate(&redirect, now);
        let with_state = format!("https://app.example/cb?state={}&{redirect}", pending.state());
        let _ = pending.validate(&with_state, now);
    }

    #[test]
    fn callback_urls_never_panic(url in "[a-z]{1,5}://[a-z0-9.:\\[\\]@%]{0,20}/?[?&=a-zA-Z0-9%+_.-]{0,60}") {
        let client = Client::new(Profile::makini_link(), "link").with_redirect_uri("https://app.example/cb").unwrap();
        let pending = client.authorization_request(1_700_000_000, &[9u8; 48]).unwrap().pending;
        let _ = pending.validate(&url, 1_700_000_001);
    }

    #[test]
    fn stored_forms_never_panic(text in any::<String>()) {
        let _ = PendingAuthorization::from_storage_string(&text);
        let _ = PendingAuthorization::from_storage_string(&format!("afp1.{text}"));
        let _ = TokenSet::from_json(&text);
    }

    #[test]
    fn challenges_never_panic(
        lines in prop::collection::vec(any::<String>(), 0..3),
        shaped in "([A-Za-z]{1,6}( [A-Za-z0-9+/=]{1,8}| [a-z_]{1,6} ?= ?(\"([^\"\\\\]|\\\\.){0,8}\"|[a-z_]{1,6}))?[ ,]{0,3}){0,4}",
    ) {
        let _ = Challenge::parse_all(lines.iter().map(String::as_str));
        if let Ok(challenges) = Challenge::parse_all([shaped.as_str()]) {
            for challenge in challenges {
                prop_assert!(!challenge.scheme().is_empty());
                prop_assert!(challenge.token68().is_none() || challenge.params().is_empty());
            }
        }
    }

    #[test]
    fn endpoint_urls_never_panic(url in any::<String>()) {
        let _ = Profile::generic(Some(&url), &url);
        let _ = Profile::makini_link().with_endpoint(authflowkit_core::EndpointRole::ApiBase, &url);
    }
}

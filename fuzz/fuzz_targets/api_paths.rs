//! API paths and URLs given to `Client::api_request`: whatever is accepted
//! sends the bearer token below the API base, or to an origin the profile
//! names, as an independent URL parser (WHATWG, the `url` crate, which
//! resolves dot segments the way browsers and most HTTP clients do) reads
//! the URL handed out.
#![no_main]

use authflowkit_core::{AccessToken, Client, Endpoint, Method, Profile};
use libfuzzer_sys::fuzz_target;

/// API bases with and without a path, and one named origin.
const BASES: [&str; 4] = [
    "https://api.makini.io/v4/",
    "https://api.example/base",
    "https://api.example",
    "http://127.0.0.1:8089/api/public/v2/",
];
const NAMED_ORIGIN: &str = "https://files.example";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(path) = std::str::from_utf8(rest) else {
        return;
    };
    // Endpoint parsing on its own: whatever is accepted is https, or http
    // to a loopback host, and has no fragment or credentials. The one thing
    // WHATWG may refuse is a host with an `xn--` label that is not valid
    // IDNA (authflow carries no IDNA tables): such a client then sends
    // nothing, and one without IDNA sends to the host as written.
    if let Ok(endpoint) = Endpoint::parse("fuzz", path) {
        let url = match url::Url::parse(endpoint.as_str()) {
            Ok(url) => url,
            Err(url::ParseError::IdnaError) => {
                assert!(
                    endpoint.as_str().to_ascii_lowercase().contains("xn--"),
                    "refused by IDNA without a punycode label: {path:?}"
                );
                return;
            }
            Err(error) => panic!("an accepted endpoint is not a URL ({error}): {path:?}"),
        };
        assert!(url.fragment().is_none() && url.password().is_none() && url.username().is_empty());
        assert!(
            url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url)),
            "accepted {path:?}"
        );
    }
    let base = BASES[usize::from(selector) % BASES.len()];
    let Ok(profile) = Profile::generic(None, "https://as.example/token")
        .and_then(|p| p.with_endpoint(authflowkit_core::EndpointRole::ApiBase, base))
        .and_then(|p| p.with_api_origin(NAMED_ORIGIN))
    else {
        return;
    };
    let client = Client::new(profile, "fuzz-client");
    let token = AccessToken::new("at-fuzz-123456");
    let Ok(request) = client.api_request(&token, Method::Get, path, None) else {
        return;
    };
    let sent = url::Url::parse(&request.url).expect("a request URL is a URL");
    let named = url::Url::parse(NAMED_ORIGIN).expect("constant");
    if sent.origin() == named.origin() {
        return;
    }
    let base = url::Url::parse(base).expect("constant");
    assert_eq!(sent.origin(), base.origin(), "{path:?} went to {sent}");
    let under = base.path().trim_end_matches('/');
    assert!(
        sent.path() == under || sent.path().starts_with(&format!("{under}/")),
        "{path:?} left the API base: {sent}"
    );
});

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

//! Property test: wherever a caller points an API request, the bearer
//! token goes only below the API base (RFC 6750 §5.3: not leaked to
//! unintended parties). Paths are built from the pieces that have
//! escaped bases elsewhere: dot segments plain, percent-encoded and
//! double-encoded, encoded separators, `//host`, absolute URLs.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use authflowkit_core::{AccessToken, Client, Method, Profile};
use proptest::prelude::*;

/// The Makini profile's API base: origin and path.
const ORIGIN: &str = "https://api.makini.io";
const BASE_PATH: &str = "/v4/";

fn pieces() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "sites", "..", ".", "%2e", "%2E%2e", ".%2e", "%2e.", "%252e%252e", "a%2Fb", "..%2f",
            "..%5c", "%5c", "", "?x=..", "#f", "https:", "api.makini.io", "v4", "evil.example",
            "%", "%2", ":", "@", "\\", "..;", "~",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z0-9%._~:@!$&'()*+,;=-]{0,8}",
    ]
}

fn paths() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec![
        "",
        "/",
        "//",
        "https://api.makini.io/v4/",
        "https://api.makini.io/",
        "https://api.makini.io:443/v4/",
        "https://evil.example/v4/",
        "http://127.0.0.1:8089/v4/",
    ]);
    (prefix, prop::collection::vec(pieces(), 0..6))
        .prop_map(|(prefix, pieces)| format!("{prefix}{}", pieces.join("/")))
}

/// `text` with every `%XX` decoded, once.
fn decode_once(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3
            }
            None => {
                out.push(bytes[i]);
                i += 1
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a server that decodes the path (as often as it likes) and
/// treats `\` as `/` could find a `.` or `..` segment in it.
fn climbs(path: &str) -> bool {
    let mut text = path.to_owned();
    for _ in 0..4 {
        if text
            .split(['/', '\\'])
            .any(|segment| segment == "." || segment == "..")
        {
            return true;
        }
        text = decode_once(&text);
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn the_token_goes_only_below_the_api_base(path in paths()) {
        let client = Client::new(Profile::makini_link(), "link");
        let token = AccessToken::new("at-property-123456");
        if let Ok(request) = client.api_request(&token, Method::Get, &path, None) {
            // The base's origin, its default port written or not.
            let after_origin = request
                .url
                .strip_prefix(ORIGIN)
                .map(|rest| rest.strip_prefix(":443").unwrap_or(rest));
            let url_path = after_origin.and_then(|rest| rest.split(['?', '#']).next());
            prop_assert!(
                url_path.is_some_and(|p| p.starts_with(BASE_PATH) && !climbs(p)),
                "{path} -> {}",
                request.url
            );
        }
    }
}

//! `Retry-After` (seconds or HTTP date) and `Date` (clock skew) headers on
//! rate-limited, unavailable and successful answers; and the core's HTTP
//! date reader against the `httpdate` crate's: the same dates, the same
//! instants.
#![no_main]

use authflowkit_core::{GrantType, HttpResponse};
use libfuzzer_sys::fuzz_target;

#[path = "input.rs"]
mod input;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (retry_after, date) = text.split_once('\n').unwrap_or((&text, ""));
    for value in [retry_after, date] {
        let reference = httpdate::parse_http_date(value.trim())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        // In 2019, two-digit years are read in 1970-2069, as httpdate does.
        let in_2019 = 1_560_000_000;
        assert_eq!(authflowkit_core::parse_http_date(value, in_2019), reference, "{value:?}");
    }
    let headers = vec![
        ("Retry-After".to_owned(), retry_after.to_owned()),
        ("Date".to_owned(), date.to_owned()),
    ];
    let client = input::client(selector);
    let now = input::now(selector);
    for status in [429u16, 503] {
        let response = HttpResponse::new(status, headers.clone(), Vec::new());
        let _ = client.check_api_response(now, &response);
    }
    let body = br#"{"access_token":"a","refresh_token":"r","expires_in":1715674414,"created_at":1713082400}"#;
    let ok = HttpResponse::new(200, headers, body.to_vec());
    let _ = client.parse_token_response(GrantType::AuthorizationCode, now, &ok);
});

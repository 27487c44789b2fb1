//! Error bodies through every reader that takes one: API, revocation,
//! introspection (RFC 6749 / RFC 6750 / Makini / MakeShift shapes).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "input.rs"]
mod input;

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::response(data) else {
        return;
    };
    let client = input::client(input.selector);
    let now = input::now(input.selector);
    if let Err(error) = client.check_api_response(now, &input.response) {
        // Display and Debug must not panic either.
        let _ = format!("{error} {error:?}");
    }
    let _ = client.parse_revocation_response(now, &input.response);
    let _ = client.parse_introspection_response(now, &input.response);
});

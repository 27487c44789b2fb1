//! MakeShift token-info answers.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "input.rs"]
mod input;

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::response(data) else {
        return;
    };
    let client = input::client(2);
    if let Ok(info) = client.parse_token_info_response(input::now(input.selector), &input.response)
    {
        let _ = info.expires_at(input::now(input.selector));
    }
});

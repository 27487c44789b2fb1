//! RFC 8414 / OIDC metadata documents and the profile made from them.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "input.rs"]
mod input;

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::response(data) else {
        return;
    };
    if let Ok(metadata) =
        authflowkit_core::parse_discovery_response("https://as.example", &input.response)
    {
        assert_eq!(metadata.issuer, "https://as.example");
        let _ = metadata.profile();
    }
});

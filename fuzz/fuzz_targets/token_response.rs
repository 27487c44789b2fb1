//! Token responses under every profile and grant, and the refresh merge;
//! the token parser's reader held to the generic one.
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
    if let Ok(tokens) =
        client.parse_token_response(input::grant(input.selector), now, &input.response)
    {
        // The token parser reads the body in one pass of its own: what it
        // accepts, the generic reader accepts too, and what it keeps in
        // `extra` is that object's members, unchanged.
        let object = authflowkit_core::json::parse_object(&input.response.body)
            .expect("the generic reader accepts what the token parser accepts");
        for (name, value) in tokens.extra() {
            assert_eq!(object.get(name), Some(value), "extra member {name} changed");
        }
        // What parses must survive storage unchanged.
        let stored = authflowkit_core::TokenSet::from_json(&tokens.to_json())
            .expect("a parsed token set round-trips");
        assert!(stored == tokens, "the stored form changed the token set");
        let _ = client.parse_refresh_response(now, &input.response, &tokens);
    }
});

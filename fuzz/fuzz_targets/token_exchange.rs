//! Token exchange responses (RFC 8693 §2.2) under every profile: what the
//! parser accepts, the generic reader accepts too, with `extra` holding
//! that object's members unchanged; the issued token is a Bearer access
//! token only when its type says so; no error quotes the subject token.
#![no_main]

use authflowkit_core::{SecurityToken, TokenExchange, TOKEN_TYPE_ACCESS_TOKEN};
use libfuzzer_sys::fuzz_target;

#[path = "input.rs"]
mod input;

const SUBJECT: &str = "fuzz-subject-token-0123";

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::response(data) else {
        return;
    };
    let client = input::client(input.selector);
    let now = input::now(input.selector);
    let mut exchange = TokenExchange::new(SecurityToken::new(SUBJECT), TOKEN_TYPE_ACCESS_TOKEN);
    if input.selector & 16 != 0 {
        exchange.scopes = vec!["read".to_owned()];
    }
    match client.parse_token_exchange_response(&exchange, now, &input.response) {
        Ok(issued) => {
            let object = authflowkit_core::json::parse_object(&input.response.body)
                .expect("the generic reader accepts what the exchange parser accepts");
            for (name, value) in issued.extra() {
                assert_eq!(object.get(name), Some(value), "extra member {name} changed");
            }
            assert!(!issued.token().secret().is_empty());
            assert!(!issued.issued_token_type().is_empty());
            assert_eq!(
                issued.access_token().is_some(),
                issued.token_type() == "Bearer",
                "a Bearer access token exactly when the type is Bearer"
            );
            assert!(issued.scopes().is_some() || exchange.scopes.is_empty());
        }
        Err(error) => {
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(SUBJECT), "the subject token is shown: {shown}");
        }
    }
});

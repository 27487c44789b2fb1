//! The pending-authorization string form and the token-set JSON form: what
//! reads must write back to the same value.
#![no_main]

use authflowkit_core::{PendingAuthorization, TokenSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(pending) = PendingAuthorization::from_storage_string(text) {
        let again = PendingAuthorization::from_storage_string(&pending.to_storage_string())
            .expect("a pending authorization round-trips");
        assert!(
            again == pending,
            "the storage string changed the pending authorization"
        );
        let _ = pending.validate("?code=x&state=y", 0);
    }
    if let Ok(tokens) = TokenSet::from_json(text) {
        let again = TokenSet::from_json(&tokens.to_json()).expect("a token set round-trips");
        assert!(again == tokens, "the JSON form changed the token set");
    }
});

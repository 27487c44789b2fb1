//! Callback URLs (full URLs, request targets, bare queries) against a
//! pending authorization.
#![no_main]

use authflowkit_core::{Client, Profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(redirect) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(client) = Client::new(
        Profile::makini_link().with_issuer("https://link.makini.io", false),
        "fuzz-client",
    )
    .with_redirect_uri("https://app.example/callback") else {
        return;
    };
    // The standard entropy of the golden vectors: state AAECAwQFBgcICQoLDA0ODw.
    let mut entropy = [0u8; 48];
    for (i, b) in entropy.iter_mut().enumerate() {
        *b = i as u8;
    }
    let Ok(start) = client.authorization_request(1_713_082_414, &entropy) else {
        return;
    };
    if let Ok(callback) = start.pending.validate(redirect, 1_713_082_444) {
        assert_eq!(
            callback.state(),
            start.pending.state(),
            "a callback with another state was accepted"
        );
        let _ = client.exchange_request(callback);
    }
});

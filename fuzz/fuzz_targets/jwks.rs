//! JWK set responses (RFC 7517 §5): the parser, the cache lifetime, and
//! key choice for every algorithm.
#![no_main]

use authflowkit_core::{JwsAlgorithm, JwksCache};
use libfuzzer_sys::fuzz_target;

#[path = "input.rs"]
mod input;

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::response(data) else {
        return;
    };
    if let Ok((set, max_age)) = authflowkit_core::parse_jwks_response(&input.response) {
        assert!(max_age <= authflowkit_core::jwks::MAX_JWKS_MAX_AGE);
        for alg in JwsAlgorithm::ALL {
            for key in set.candidates(alg, None) {
                // A key is only offered for an algorithm of its own type.
                assert!(key.key.fits(alg));
            }
        }
    }
    // The cache takes any answer without panicking and keeps a good set.
    let mut cache = JwksCache::new("https://op.example/jwks");
    let now = 1_713_082_414;
    let accepted = cache.handle_response(now, &input.response).is_ok();
    assert_eq!(accepted, cache.keys().is_some());
    assert!(!cache.poll_fetch(now, None) || !accepted);
});

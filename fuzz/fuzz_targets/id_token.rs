//! ID tokens (compact JWS, OpenID Connect Core 1.0 §3.1.3.7) against a JWK
//! set: `[JWK set document] 0x00 [token]`. Nothing panics, and a token
//! that passes names the issuer, the client and the nonce it was checked
//! against.
#![no_main]

use authflowkit_core::{IdToken, IdTokenCheck, JwkSet, JwsAlgorithm};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (jwks, token) = data.split_at(split);
    let token = String::from_utf8_lossy(token.get(1..).unwrap_or_default());
    let keys = JwkSet::parse(jwks).unwrap_or_default();
    let check = IdTokenCheck {
        issuer: "https://op.example".into(),
        client_id: "rp-1".into(),
        nonce: Some("EBESExQVFhcYGRobHB0eHw".into()),
        max_age: None,
        algorithms: JwsAlgorithm::ALL.to_vec(),
        clock_skew: 0,
    };
    let token = IdToken::new(token);
    let _ = authflowkit_core::id_token_key_id(&token);
    if let Ok(claims) = check.validate(&token, &keys, 1_713_082_419, None, None) {
        assert_eq!(claims.iss, check.issuer);
        assert!(claims.aud.contains(&check.client_id));
        assert_eq!(claims.nonce, check.nonce);
    }
});

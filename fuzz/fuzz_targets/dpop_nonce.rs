//! DPoP nonce handling (RFC 9449 §8, §9): the answer to a DPoP-proved
//! request, as a status line, header lines and a body, read by
//! `DpopNonces::handle_response` (the `DPoP-Nonce` header, a token
//! endpoint's `use_dpop_nonce` body, a resource server's `WWW-Authenticate:
//! DPoP` challenge). It must not panic; a nonce it keeps is of the
//! `1*NQCHAR` syntax; it asks for a retry only with a nonce other than the
//! one the proof carried, and never twice for the same nonce; the retried
//! request carries that nonce.
#![no_main]

use authflowkit_core::{AccessToken, Client, DpopNonces, HttpResponse, Method, Profile, SigningKey};
use libfuzzer_sys::fuzz_target;

const EC_JWK: &str = r#"{"kty":"EC","crv":"P-256",
    "x":"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
    "y":"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E",
    "d":"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k"}"#;

/// `status\nName: value\n...\n\nbody`.
fn response(text: &str) -> HttpResponse {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.split('\n');
    let status = lines
        .next()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(400);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    HttpResponse::new(status, headers, body.as_bytes().to_vec())
}

fn is_nqchar(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let answer = response(&text);
    let profile = Profile::generic(None, "https://as.example/token")
        .and_then(|p| p.with_endpoint(authflowkit_core::EndpointRole::ApiBase, "https://rs.example/"))
        .expect("a valid profile");
    let client = Client::new(profile, "c")
        .with_dpop_key(SigningKey::from_jwk(EC_JWK).expect("the test key"))
        .expect("an ES256 key proves");
    let at = client.at(1, &[7; 32]).expect("32 bytes of entropy");
    let token = AccessToken::dpop_bound("at-1");
    for request in [
        at.refresh_request(&authflowkit_core::RefreshToken::new("rt-1"))
            .expect("a refresh request"),
        at.api_request(&token, Method::Get, "data?x=1", None)
            .expect("an API request"),
    ] {
        let mut nonces = DpopNonces::new();
        let retry = nonces.handle_response(&request, &answer);
        let kept = nonces.nonce_for(&request.url).map(str::to_owned);
        if let Some(nonce) = &kept {
            assert!(is_nqchar(nonce), "kept {nonce:?}");
        }
        if retry {
            let nonce = kept.expect("a retry has a nonce");
            let again = at
                .clone()
                .with_dpop_nonces(&nonces)
                .with_new_dpop_proof(request.clone())
                .expect("a new proof");
            assert_eq!(again.url, request.url);
            // The same answer to the retried request asks for nothing more.
            let mut after = nonces.clone();
            assert!(!after.handle_response(&again, &answer), "{nonce:?} twice");
        }
    }
});

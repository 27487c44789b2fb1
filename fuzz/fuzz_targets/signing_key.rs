//! The signing keys a host gives (`SigningKey::from_jwk`, `from_pem`):
//! anything is a key or a configuration error, never a panic, and no error
//! quotes the input (a private key). A key made signs a client assertion
//! its own public JWK verifies.
#![no_main]

use authflowkit_core::{ClientAuthMethod, ErrorKind, SigningAlgorithm, SigningKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let algorithm = data.first().and_then(|b| {
        let all = SigningAlgorithm::ALL;
        (b & 8 != 0).then(|| all[usize::from(*b) % all.len()])
    });
    for made in [SigningKey::from_jwk(text), SigningKey::from_pem(text, algorithm)] {
        match made {
            Ok(key) => {
                let shown = format!("{key:?}");
                assert!(!shown.contains(text) || text.len() < 8, "Debug shows the key");
                let profile = authflowkit_core::Profile::generic(None, "https://as.example/token")
                    .expect("a constant URL")
                    .with_client_auth(ClientAuthMethod::PrivateKeyJwt);
                let request = authflowkit_core::Client::new(profile, "fuzz")
                    .with_signing_key(key)
                    .at(1_713_082_414, &[7; 32])
                    .and_then(|client| client.client_credentials_request())
                    .expect("a key that was made signs");
                assert!(!request.body.is_empty());
            }
            Err(error) => {
                assert_eq!(error.kind(), ErrorKind::Configuration);
                let shown = format!("{error} {error:?}");
                // A private key's members are 16 characters or more.
                for piece in text.split(|c: char| !c.is_ascii_alphanumeric()) {
                    assert!(piece.len() < 16 || !shown.contains(piece), "the error quotes the input");
                }
            }
        }
    }
});

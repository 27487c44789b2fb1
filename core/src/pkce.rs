//! PKCE (RFC 7636): the verifier comes from the caller's entropy, the
//! challenge is its SHA-256, both base64url without padding.

use crate::profile::PkceMethod;
use crate::secret::PkceCodeVerifier;
use sha2::{Digest, Sha256};

/// Bytes of entropy a verifier takes: 32 bytes give the 43-character
/// verifier RFC 7636 §4.1 recommends (256 bits).
pub const VERIFIER_ENTROPY_LEN: usize = 32;

/// A verifier from exactly [`VERIFIER_ENTROPY_LEN`] bytes of entropy.
pub(crate) fn verifier_from_entropy(entropy: &[u8; VERIFIER_ENTROPY_LEN]) -> PkceCodeVerifier {
    PkceCodeVerifier::new(crate::base64url::encode(entropy))
}

/// The `code_challenge` for a verifier (RFC 7636 §4.2).
pub fn code_challenge(verifier: &PkceCodeVerifier, method: PkceMethod) -> String {
    match method {
        PkceMethod::S256 => crate::base64url::encode(Sha256::digest(verifier.secret().as_bytes())),
        PkceMethod::Plain => verifier.secret().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let entropy: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = verifier_from_entropy(&entropy);
        assert_eq!(
            verifier.secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            code_challenge(&verifier, PkceMethod::S256),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            code_challenge(&verifier, PkceMethod::Plain),
            verifier.secret()
        );
    }
}

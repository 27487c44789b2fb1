//! What every JWS authflow signs shares, whoever holds the key: the
//! algorithms (RFC 7518 §3.1, RFC 8037 §3.1) and the signing input of a
//! compact JWS (RFC 7515 §5.1 steps 1 to 6). The core signs it with a
//! [`crate::SigningKey`] (the `signing` feature); a host that keeps its
//! key to itself (a non-extractable WebCrypto key, a hardware keystore)
//! signs it and appends the signature (`Client::with_dpop_public_key`).

use crate::json::ObjectWriter;
use zeroize::Zeroizing;

/// An algorithm authflow signs with (RFC 7518 §3.1, RFC 8037 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    Rs256,
    /// RSASSA-PSS with SHA-256 and a 32-byte salt (RFC 7518 §3.5).
    Ps256,
    /// ECDSA with P-256 and SHA-256 (RFC 7518 §3.4).
    Es256,
    /// EdDSA with Ed25519 (RFC 8037 §3.1).
    EdDsa,
    /// HMAC with SHA-256 (RFC 7518 §3.2): `client_secret_jwt` only, keyed
    /// with the client secret.
    Hs256,
}

impl SigningAlgorithm {
    /// Every algorithm authflow signs with.
    pub const ALL: [SigningAlgorithm; 5] = [
        SigningAlgorithm::Rs256,
        SigningAlgorithm::Ps256,
        SigningAlgorithm::Es256,
        SigningAlgorithm::EdDsa,
        SigningAlgorithm::Hs256,
    ];

    /// The JOSE name, e.g. `"ES256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlgorithm::Rs256 => "RS256",
            SigningAlgorithm::Ps256 => "PS256",
            SigningAlgorithm::Es256 => "ES256",
            SigningAlgorithm::EdDsa => "EdDSA",
            SigningAlgorithm::Hs256 => "HS256",
        }
    }

    /// The algorithm of a JOSE name (case-sensitive, RFC 7515 §4.1.1);
    /// `None` for `none` and every algorithm authflow does not sign with.
    pub fn parse(name: &str) -> Option<SigningAlgorithm> {
        SigningAlgorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

/// The JWS signing input (RFC 7515 §5.1 step 6): the base64url header
/// (`alg`, `typ` when given, `kid` when given, and the public key as `jwk`
/// when given, RFC 9449 §4.2) and claims (a JSON object's text), joined by
/// a dot. The compact JWS is this, a dot and the base64url signature.
pub(crate) fn signing_input(
    algorithm: SigningAlgorithm,
    typ: Option<&str>,
    kid: Option<&str>,
    public_jwk: Option<&str>,
    claims: &str,
) -> Zeroizing<String> {
    let mut header = ObjectWriter::with_capacity(64);
    header.string("alg", algorithm.as_str());
    if let Some(typ) = typ {
        header.string("typ", typ);
    }
    if let Some(kid) = kid {
        header.string("kid", kid);
    }
    let mut header = header.finish();
    if let Some(jwk) = public_jwk {
        // The writer has no raw member: the JWK is spliced in before the
        // closing brace.
        header.pop();
        header.push_str(",\"jwk\":");
        header.push_str(jwk);
        header.push('}');
    }
    let mut input = Zeroizing::new(crate::base64url::encode(header));
    input.push('.');
    input.push_str(&crate::base64url::encode(claims));
    input
}

//! The private key of `private_key_jwt` (RFC 7523 §2.2): the core's
//! [`authflowkit_core::SigningKey`], made from a PEM text or a private JWK.
//! `repr` / `toString` show the algorithm and `kid`, never the key.

use crate::error::Result;
use authflowkit_core::{Error, ErrorKind, SigningAlgorithm};
use std::sync::Arc;

/// A private key the client signs its authentication with.
#[derive(Debug, Clone, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct SigningKey(pub(crate) authflowkit_core::SigningKey);

#[uniffi::export]
impl SigningKey {
    /// A key from a PEM text: PKCS#8 (RSA, P-256 or Ed25519), PKCS#1 or
    /// SEC1. `algorithm` (a JOSE name) picks PS256 for an RSA key; `None`
    /// takes the key type's own (RS256, ES256, EdDSA).
    #[uniffi::constructor(default(algorithm = None))]
    pub fn from_pem(pem: String, algorithm: Option<String>) -> Result<Arc<SigningKey>> {
        let pem = zeroize::Zeroizing::new(pem);
        let algorithm = algorithm.as_deref().map(algorithm_named).transpose()?;
        Ok(Arc::new(SigningKey(
            authflowkit_core::SigningKey::from_pem(&pem, algorithm)?,
        )))
    }

    /// A key from a private JWK (RSA, EC P-256 or OKP Ed25519); its `kid`
    /// and `alg` are kept.
    #[uniffi::constructor]
    pub fn from_jwk(jwk: String) -> Result<Arc<SigningKey>> {
        let jwk = zeroize::Zeroizing::new(jwk);
        Ok(Arc::new(SigningKey(
            authflowkit_core::SigningKey::from_jwk(&jwk)?,
        )))
    }

    /// A key from the text a host keeps it in: a private JWK's JSON text or
    /// a PEM text; `algorithm` (a JOSE name) when the text does not say
    /// (PS256 for an RSA key). A JWK naming another `alg` is refused.
    #[uniffi::constructor(default(algorithm = None))]
    pub fn parse(text: String, algorithm: Option<String>) -> Result<Arc<SigningKey>> {
        let text = zeroize::Zeroizing::new(text);
        let algorithm = algorithm.as_deref().map(algorithm_named).transpose()?;
        Ok(Arc::new(SigningKey(authflowkit_core::SigningKey::parse(
            &text, algorithm,
        )?)))
    }

    /// The same key naming `key_id` as its `kid`.
    pub fn with_key_id(&self, key_id: String) -> Arc<SigningKey> {
        Arc::new(SigningKey(self.0.clone().with_key_id(key_id)))
    }

    /// The algorithm it signs with (a JOSE name, e.g. `ES256`).
    pub fn algorithm(&self) -> String {
        self.0.algorithm().as_str().to_owned()
    }

    /// The `kid` it names, if any.
    pub fn key_id(&self) -> Option<String> {
        self.0.key_id().map(str::to_owned)
    }

    /// The public key as a JWK (its required members), to register with
    /// the provider.
    pub fn public_jwk(&self) -> Option<String> {
        self.0.public_jwk()
    }
}

fn algorithm_named(name: &str) -> authflowkit_core::Result<SigningAlgorithm> {
    SigningAlgorithm::parse(name).ok_or_else(|| {
        Error::new(
            ErrorKind::Configuration,
            format!("unknown signing algorithm {name:?} (RS256, PS256, ES256, EdDSA)"),
        )
    })
}

/// The 32 bytes a client's signatures are seeded with (`Client::at`,
/// `Session::with_entropy`, `DevicePoll::with_entropy`) from what a host
/// gave: at least that many bytes from a CSPRNG, else a configuration
/// error naming `what`.
pub(crate) fn entropy_seed(
    entropy: &[u8],
    what: &str,
) -> authflowkit_core::Result<zeroize::Zeroizing<[u8; authflowkit_core::ASSERTION_ENTROPY_LEN]>> {
    let mut seed = zeroize::Zeroizing::new([0u8; authflowkit_core::ASSERTION_ENTROPY_LEN]);
    let given = entropy.get(..seed.len()).ok_or_else(|| {
        Error::new(
            ErrorKind::Configuration,
            format!(
                "{what} needs {} bytes of entropy, got {}",
                authflowkit_core::ASSERTION_ENTROPY_LEN,
                entropy.len()
            ),
        )
    })?;
    seed.copy_from_slice(given);
    Ok(seed)
}

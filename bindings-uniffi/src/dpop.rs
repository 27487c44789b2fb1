//! DPoP (RFC 9449) for Python, Kotlin and Swift: the sans-IO pieces
//! (`Client.with_dpop_key`, `Client.at`, `DpopNonces`), and the helpers
//! the client and the session run their requests through (a proof on
//! every token request and every use of a bound token, the one retry a
//! server's `use_dpop_nonce` earns). The logic is the core's.

use crate::client::Client;
use crate::error::Result;
use crate::http::{HttpRequest, HttpResponse};
use crate::session::Session;
use std::sync::{Arc, Mutex, MutexGuard};

/// A signing key from the host: a PEM text (`-----BEGIN`) or a private
/// JWK's JSON text (`{`).
pub(crate) fn signing_key(key: &str) -> authflowkit_core::Result<authflowkit_core::SigningKey> {
    authflowkit_core::SigningKey::parse(key, None)
}

/// The `DPoP-Nonce` values servers gave (RFC 9449 §8, §9), one per server:
/// state the caller keeps between requests and hands to the client
/// (`Client.with_dpop_nonces`). Shared by reference: `handle_response`
/// updates it in place.
#[derive(Debug, Default, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct DpopNonces(Mutex<authflowkit_core::DpopNonces>);

impl DpopNonces {
    pub(crate) fn lock(&self) -> MutexGuard<'_, authflowkit_core::DpopNonces> {
        // Each change is one assignment: go on after a panic elsewhere.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[uniffi::export]
impl DpopNonces {
    /// No nonces yet.
    #[uniffi::constructor]
    pub fn new() -> Arc<DpopNonces> {
        Arc::new(DpopNonces::default())
    }

    /// Keeps `nonce` for `url`'s server (one kept from before): a
    /// configuration error for a URL that is not absolute or a nonce
    /// outside the RFC 9449 §8.1 syntax.
    pub fn set_nonce(&self, url: String, nonce: String) -> Result<()> {
        let mut nonces = self.lock();
        *nonces = nonces.clone().with_nonce(&url, &nonce)?;
        Ok(())
    }

    /// The nonce for requests to `url`'s server, if it gave one.
    pub fn nonce_for(&self, url: String) -> Option<String> {
        self.lock().nonce_for(&url).map(str::to_owned)
    }

    /// Reads the answer to a DPoP-proved `request`: keeps its
    /// `DPoP-Nonce`, and says whether the server asked for a nonce it had
    /// not been given, so that the request is worth sending once more with
    /// a new proof (`Client.with_new_dpop_proof`).
    pub fn handle_response(&self, request: HttpRequest, response: HttpResponse) -> bool {
        self.lock()
            .handle_response(&request.to_core(), &response.to_core())
    }
}

#[uniffi::export]
impl Client {
    /// This client proving possession of `key` (RFC 9449): a PEM text or a
    /// private JWK (JSON); ES256 (P-256), EdDSA (Ed25519), RS256. Its
    /// requests are then built through `at(now, entropy)`.
    pub fn with_dpop_key(&self, key: String) -> Result<Arc<Client>> {
        let key = signing_key(&key)?;
        Ok(Arc::new(Client(self.0.clone().with_dpop_key(key)?)))
    }

    /// This client sending `dpop_jkt` (the key's thumbprint) in the
    /// authorization request, binding the code to the DPoP key (RFC 9449
    /// §10).
    pub fn with_dpop_jkt(&self) -> Result<Arc<Client>> {
        Ok(Arc::new(Client(self.0.clone().with_dpop_jkt()?)))
    }

    /// The DPoP key's JWK SHA-256 thumbprint (RFC 7638): the `cnf.jkt` a
    /// server binds the tokens to.
    pub fn dpop_jkt(&self) -> Option<String> {
        self.0.dpop_jkt().map(str::to_owned)
    }

    /// This client with the nonces servers gave, for its next proofs.
    pub fn with_dpop_nonces(&self, nonces: Arc<DpopNonces>) -> Arc<Client> {
        Arc::new(Client(self.0.clone().with_dpop_nonces(&nonces.lock())))
    }

    /// `request` with a new DPoP proof (new `jti`, this client's time and
    /// nonces): the request to send once more after
    /// `DpopNonces.handle_response` said so.
    pub fn with_new_dpop_proof(&self, request: HttpRequest) -> Result<HttpRequest> {
        Ok(self.0.with_new_dpop_proof(request.to_core())?.into())
    }
}

#[uniffi::export]
impl Session {
    /// Gives the session the entropy (32 bytes from a CSPRNG) its renewals
    /// draw from when its client signs them (a DPoP proof, a client
    /// assertion).
    pub fn set_entropy(&self, seed: Vec<u8>) -> Result<()> {
        let seed = crate::signing::entropy_seed(&zeroize::Zeroizing::new(seed), "a session")?;
        let mut session = self.lock();
        *session = session.clone().with_entropy(&seed);
        Ok(())
    }
}

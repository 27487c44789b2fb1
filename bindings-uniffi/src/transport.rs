//! What the host language provides: HTTP (its own stack, so its TLS,
//! proxies and trust store apply), the clock and entropy, and where
//! rotated tokens are stored. Each language ships default implementations
//! from its standard library; tests pass their own.

use crate::error::AuthflowError;
use crate::http::{HttpRequest, HttpResponse};
use crate::token_set::TokenSet;
use rand::Rng;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Sends the core's requests. Implementations must send the request as
/// given (method, URL, headers in order, body), must not follow
/// redirects, and must return every status as a response. A failure to
/// get any answer is thrown as `AuthflowError.Transport`: built from
/// `timeout_error` when no complete answer came in the time allowed, from
/// `transport_error` otherwise; its reason should not quote the request
/// (authflow redacts the request's secrets from it anyway).
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends one request, blocking the calling thread.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, AuthflowError>;
    /// Sends one request without blocking (asyncio, a coroutine, a Swift task).
    async fn send_async(&self, request: HttpRequest) -> Result<HttpResponse, AuthflowError>;
}

/// The clock and the entropy the core takes as arguments.
#[uniffi::export(foreign)]
pub trait Environment: Send + Sync {
    /// The current time, Unix seconds.
    fn now(&self) -> u64;
    /// `len` bytes from a cryptographically secure random source.
    fn random_bytes(&self, len: u32) -> Vec<u8>;
}

/// The environment of a client given none: the system clock, and entropy
/// from `rand`'s thread-local ChaCha generator (seeded once from the OS,
/// reseeded by it). Both stay inside the library: a host implementation
/// costs a call from Rust into the host language each time a session
/// reads the clock, and an OS read costs a syscall per authorization URL.
pub(crate) struct SystemEnvironment;

impl Environment for SystemEnvironment {
    fn now(&self) -> u64 {
        // A clock set before 1970 reads as 1970: the trait has no way to
        // report it, and no provider issues tokens that old.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }

    fn random_bytes(&self, len: u32) -> Vec<u8> {
        let mut bytes = vec![0; len as usize];
        rand::rng().fill_bytes(&mut bytes);
        bytes
    }
}

/// Receives every token set to store: a rotated pair (before any caller
/// sees the new access token), a refresh token found dead, a corrected
/// expiry. Store `tokens.to_json()`; an old refresh token is dead.
#[uniffi::export(foreign)]
pub trait TokenPersister: Send + Sync {
    /// Stores the token set. Raise (any exception) when it could not be
    /// stored: the call that renewed still succeeds, and the session hands
    /// the set over again at a later call, after a back-off (1 s, doubling
    /// up to five minutes), until it is stored or a newer set replaces it.
    /// Nothing of the exception is kept: report it yourself if you wish,
    /// without the tokens.
    fn persist(&self, tokens: Arc<TokenSet>) -> Result<(), AuthflowError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_environment_reads_the_system_clock_and_fresh_entropy() {
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let now = SystemEnvironment.now();
        let after = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(
            before <= now && now <= after,
            "{before} <= {now} <= {after}"
        );
        let first = SystemEnvironment.random_bytes(48);
        let second = SystemEnvironment.random_bytes(48);
        assert_eq!(first.len(), 48);
        assert_ne!(first, second);
        assert_ne!(first, vec![0; 48]);
    }
}

//! Fleets: one connection's token set shared by many processes through a
//! store the host language implements (Python: `authflowkit.RedisStore` over
//! redis-py). The protocol is the core's (`authflowkit_core::fleet`), driven
//! for the threads of a process by `authflowkit-store`; this module only
//! converts.

use crate::connection::OAuthClient;
use crate::error::{AuthflowError, Result};
use crate::http::{HttpHeader, HttpResponse};
use crate::token_set::TokenSet;
use authflowkit_core::fleet::{owner_id, FleetSession, FleetTimings, StoreKey, StoredRecord};
use authflowkit_core::{AccessToken, Error, ErrorKind, Method};
use authflowkit_store::SharedFleetSession;
use std::sync::Arc;
use zeroize::Zeroizing;

/// A token set as a store keeps it: its generation and its JSON form
/// (`TokenSet.to_json()`). `repr` / `toString` redact the value.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Debug)]
pub struct StoredTokens {
    /// 1 for the first write, one more for each write after it.
    pub generation: u64,
    /// The token set's JSON form: a secret.
    pub value: String,
}

impl std::fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTokens")
            .field("generation", &self.generation)
            .field("value", &"[redacted]")
            .finish()
    }
}

/// The four primitive operations of a store shared by processes. Each must
/// be atomic; the library decides when to call which. A failure is raised
/// as the error `store_error(reason)` describes (kind `store_unavailable`),
/// whose reason never quotes a stored value.
#[uniffi::export(foreign)]
pub trait TokenStore: Send + Sync {
    /// The value at `key` and its generation, or none.
    fn get(&self, key: String) -> Result<Option<StoredTokens>>;
    /// Stores `value` with `new_generation` if the generation at `key` is
    /// `expected` (0: no value); returns whether it did.
    fn compare_and_set(
        &self,
        key: String,
        expected: u64,
        new_generation: u64,
        value: String,
    ) -> Result<bool>;
    /// Takes the lease at `key` for `owner` for `ttl_ms` milliseconds unless
    /// another owner holds an unexpired lease there (the holder taking it
    /// again restarts its time to live); returns whether `owner` holds it.
    fn take_lease(&self, key: String, owner: String, ttl_ms: u64) -> Result<bool>;
    /// Releases the lease at `key` if `owner` holds it.
    fn release_lease(&self, key: String, owner: String) -> Result<()>;
}

/// The host's store, as the core's store.
struct HostStore(Arc<dyn TokenStore>);

fn reason(error: AuthflowError) -> String {
    error.details().reason.clone()
}

impl authflowkit_core::fleet::TokenStore for HostStore {
    fn get(&self, key: &str) -> std::result::Result<Option<StoredRecord>, String> {
        let stored = self.0.get(key.to_owned()).map_err(reason)?;
        Ok(stored.map(|s| StoredRecord {
            generation: s.generation,
            value: Zeroizing::new(s.value),
        }))
    }

    fn compare_and_set(
        &self,
        key: &str,
        expected: u64,
        new_generation: u64,
        value: &str,
    ) -> std::result::Result<bool, String> {
        self.0
            .compare_and_set(key.to_owned(), expected, new_generation, value.to_owned())
            .map_err(reason)
    }

    fn take_lease(&self, key: &str, owner: &str, ttl_ms: u64) -> std::result::Result<bool, String> {
        self.0
            .take_lease(key.to_owned(), owner.to_owned(), ttl_ms)
            .map_err(reason)
    }

    fn release_lease(&self, key: &str, owner: &str) -> std::result::Result<(), String> {
        self.0
            .release_lease(key.to_owned(), owner.to_owned())
            .map_err(reason)
    }
}

/// A connection's tokens shared with every process that uses the same store
/// and connection name: renewed once per expiry across all of them, a
/// rotated pair written to the store before anyone uses it. Blocking; share
/// one per process between threads.
#[derive(uniffi::Object)]
pub struct SharedSession {
    shared: SharedFleetSession<HostStore>,
    client: OAuthClient,
}

impl std::fmt::Debug for SharedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSession")
            .field("generation", &self.shared.generation())
            .finish_non_exhaustive()
    }
}

impl SharedSession {
    /// Wraps the core's fleet session for `client`'s connection `connection`.
    pub(crate) fn new(
        client: OAuthClient,
        store: Arc<dyn TokenStore>,
        connection: &str,
        tokens: Option<Arc<TokenSet>>,
        lease_ttl_ms: Option<u64>,
    ) -> Result<SharedSession> {
        let core = client.core().clone();
        let random = client.environment().random_bytes(16);
        let owner: [u8; 16] = random.as_slice().try_into().map_err(|_| {
            Error::new(
                ErrorKind::Configuration,
                "the environment gave fewer than 16 random bytes",
            )
        })?;
        let mut timings = FleetTimings::default();
        if let Some(ttl) = lease_ttl_ms {
            timings.lease_ttl_ms = ttl;
            timings.wait_deadline_ms = ttl.saturating_mul(2);
        }
        let fleet = FleetSession::new(
            client.core_session(tokens.map(|t| t.0.clone())),
            StoreKey::for_connection(&core, connection),
            owner_id(&owner),
        )
        .with_timings(timings);
        let transport = client.transport();
        let send = move |request: &authflowkit_core::HttpRequest| {
            transport
                .send(request.into())
                .map(|response| response.to_core())
                // A timeout stays one; the host's words lose the request's secrets.
                .map_err(|error| error.to_core().without_secrets_of(request))
        };
        // The environment's clock in seconds, with the system's milliseconds:
        // the protocol waits in fractions of a second.
        let environment = client.environment();
        let now_ms = move || {
            let system = authflowkit_store::system_now_ms();
            let offset_s = i64::try_from(environment.now()).unwrap_or(i64::MAX)
                - i64::try_from(system / 1000).unwrap_or(0);
            system.saturating_add_signed(offset_s.saturating_mul(1000))
        };
        Ok(SharedSession {
            shared: SharedFleetSession::new(fleet, HostStore(store), send).with_clock(now_ms),
            client,
        })
    }

    fn token(&self) -> Result<AccessToken> {
        Ok(self.shared.access_token()?)
    }
}

#[uniffi::export]
impl SharedSession {
    /// A valid access token: renewed first if due and no other process has
    /// renewed it (then its tokens are read from the store).
    pub fn access_token(&self) -> Result<String> {
        Ok(self.token()?.secret().to_owned())
    }

    /// A bearer API call; when the API refuses the token (another process
    /// may have renewed it), reads the store, renews only if nothing newer
    /// is there, and retries once. `headers` as in `ClientSession.request`.
    #[uniffi::method(default(body = None, headers = []))]
    pub fn request(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
        headers: Vec<HttpHeader>,
    ) -> Result<HttpResponse> {
        let headers = crate::http::pairs(&headers);
        for first in [true, false] {
            let token = self.token()?;
            // A DPoP-bound token is presented with a proof: the client's
            // time, entropy and nonces (request_client), one retry when
            // the resource server asks for its nonce.
            let request = self.client.request_client()?.api_request_with_headers(
                &token,
                method,
                &path,
                body.as_deref(),
                &headers,
            )?;
            let response = self.client.send_with_nonce_retry(request)?;
            if response.status == 401 && first {
                self.shared.unauthorized(&token);
                continue;
            }
            return Ok(response);
        }
        Err(AuthflowError::from(Error::new(
            ErrorKind::Unauthorized,
            "the API refused a renewed token",
        )))
    }

    /// `GET path` with [`SharedSession::request`].
    pub fn get(&self, path: String) -> Result<HttpResponse> {
        self.request(Method::Get, path, None, Vec::new())
    }

    /// Tells the session an API refused `access_token` (401).
    pub fn unauthorized(&self, access_token: String) {
        self.shared.unauthorized(&AccessToken::new(access_token));
    }

    /// This process's copy of the token set.
    pub fn token_set(&self) -> Option<Arc<TokenSet>> {
        self.shared.token_set().map(TokenSet::wrap)
    }

    /// The store generation of this process's copy (0: never stored).
    pub fn generation(&self) -> u64 {
        self.shared.generation()
    }
}

//! Fleets: one connection's token set shared by many processes through a
//! store the host language implements (Python: `authflowkit.RedisStore` over
//! redis-py, `authflowkit.aio.AsyncRedisStore` over `redis.asyncio`). The
//! protocol is the core's (`authflowkit_core::fleet`): [`SharedSession`]
//! drives it for the threads of a process with `authflowkit-store`'s
//! driver, [`AsyncSharedSession`] for the coroutines of an event loop.
//! Both hand every outcome back through the core's `handle_store_result`
//! and `handle_answer`; this module only converts and waits.

use crate::connection::OAuthClient;
use crate::error::{AuthflowError, Result};
use crate::http::{HttpHeader, HttpResponse};
use crate::task::{lock, sleep, Detached, Signal};
use crate::token_set::TokenSet;
use authflowkit_core::fleet::{
    owner_id, FleetAction, FleetSession, FleetTimings, StoreKey, StoreOperation, StoreOutcome,
    StoreRequest, StoredRecord,
};
use authflowkit_core::{AccessToken, Error, ErrorKind, Method};
use authflowkit_store::SharedFleetSession;
use std::sync::{Arc, Mutex};
use std::time::Duration;
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

/// [`TokenStore`] awaited: the same four operations and contract, for a
/// host whose store client does not block (Python's `redis.asyncio`, a
/// Kotlin store of suspend functions). For [`AsyncSharedSession`].
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait AsyncTokenStore: Send + Sync {
    /// The value at `key` and its generation, or none.
    async fn get(&self, key: String) -> Result<Option<StoredTokens>>;
    /// Stores `value` with `new_generation` if the generation at `key` is
    /// `expected` (0: no value); returns whether it did.
    async fn compare_and_set(
        &self,
        key: String,
        expected: u64,
        new_generation: u64,
        value: String,
    ) -> Result<bool>;
    /// Takes the lease at `key` for `owner` for `ttl_ms` milliseconds unless
    /// another owner holds an unexpired lease there (the holder taking it
    /// again restarts its time to live); returns whether `owner` holds it.
    async fn take_lease(&self, key: String, owner: String, ttl_ms: u64) -> Result<bool>;
    /// Releases the lease at `key` if `owner` holds it.
    async fn release_lease(&self, key: String, owner: String) -> Result<()>;
}

/// The host's store, as the core's store.
struct HostStore(Arc<dyn TokenStore>);

fn reason(error: AuthflowError) -> String {
    error.details().reason.clone()
}

fn record(stored: StoredTokens) -> StoredRecord {
    StoredRecord {
        generation: stored.generation,
        value: Zeroizing::new(stored.value),
    }
}

/// Carries out `request` on the host's async store: [`TokenStore::perform`]
/// of the core, awaited.
async fn perform(
    store: &dyn AsyncTokenStore,
    request: &StoreRequest,
) -> std::result::Result<StoreOutcome, String> {
    let key = request.key.clone();
    let outcome = match &request.operation {
        StoreOperation::Get => store
            .get(key)
            .await
            .map(|s| StoreOutcome::Got(s.map(record))),
        StoreOperation::CompareAndSet {
            expected,
            new_generation,
            value,
        } => store
            .compare_and_set(key, *expected, *new_generation, value.to_string())
            .await
            .map(StoreOutcome::Done),
        StoreOperation::TakeLease { owner, ttl_ms } => store
            .take_lease(key, owner.clone(), *ttl_ms)
            .await
            .map(StoreOutcome::Done),
        StoreOperation::ReleaseLease { owner } => store
            .release_lease(key, owner.clone())
            .await
            .map(|()| StoreOutcome::Done(true)),
    };
    outcome.map_err(reason)
}

impl authflowkit_core::fleet::TokenStore for HostStore {
    fn get(&self, key: &str) -> std::result::Result<Option<StoredRecord>, String> {
        let stored = self.0.get(key.to_owned()).map_err(reason)?;
        Ok(stored.map(record))
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
/// one per process between threads. Tokens a store write failed to take
/// are written from a thread of the library's as soon as the store
/// answers again (the store's methods are then called from that thread).
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

/// The clock of a shared session: the environment's clock in seconds,
/// with the system's milliseconds (the protocol waits in fractions of a
/// second).
pub(crate) type Clock = Box<dyn Fn() -> u64 + Send + Sync>;

/// The core's fleet session for `client`'s connection `connection`, and
/// its clock: what a shared session of either kind drives.
pub(crate) fn fleet_session(
    client: &OAuthClient,
    connection: &str,
    tokens: Option<Arc<TokenSet>>,
    lease_ttl_ms: Option<u64>,
) -> Result<(FleetSession, Clock)> {
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
        StoreKey::for_connection(client.core(), connection),
        owner_id(&owner),
    )
    .with_timings(timings);
    let environment = client.environment();
    let now_ms = move || {
        let system = authflowkit_store::system_now_ms();
        let offset_s = i64::try_from(environment.now()).unwrap_or(i64::MAX)
            - i64::try_from(system / 1000).unwrap_or(0);
        system.saturating_add_signed(offset_s.saturating_mul(1000))
    };
    Ok((fleet, Box::new(now_ms)))
}

/// The bearer request for `path` with `token`: a DPoP-bound token is
/// presented with a proof (the client's time, entropy and nonces).
fn api_request(
    client: &OAuthClient,
    token: &AccessToken,
    method: Method,
    path: &str,
    body: Option<&[u8]>,
    headers: &[(String, String)],
) -> Result<authflowkit_core::HttpRequest> {
    Ok(client
        .request_client()?
        .api_request_with_headers(token, method, path, body, headers)?)
}

/// The error of an API call whose token was refused twice, the second time
/// after a renewal.
fn renewed_token_refused() -> AuthflowError {
    AuthflowError::from(Error::new(
        ErrorKind::Unauthorized,
        "the API refused a renewed token",
    ))
}

impl SharedSession {
    /// Drives `parts` ([`fleet_session`]) over `client` and `store`.
    pub(crate) fn new(
        client: OAuthClient,
        store: Arc<dyn TokenStore>,
        (fleet, now_ms): (FleetSession, Clock),
    ) -> SharedSession {
        let transport = client.transport();
        let send = move |request: &authflowkit_core::HttpRequest| {
            transport
                .send(request.into())
                .map(|response| response.to_core())
                // A timeout stays one; the host's words lose the request's secrets.
                .map_err(|error| error.to_core().without_secrets_of(request))
        };
        SharedSession {
            shared: SharedFleetSession::new(fleet, HostStore(store), send).with_clock(now_ms),
            client,
        }
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
    /// is there, and retries once; a status that is not 2xx raises, as in
    /// `ClientSession.request` (the core's rule, `Client::read_api_answer`).
    /// `headers` as in `ClientSession.request`.
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
            let request = api_request(
                &self.client,
                &token,
                method,
                &path,
                body.as_deref(),
                &headers,
            )?;
            match self.client.send_api_call(request, first)? {
                Some(response) => return Ok(response),
                None => self.shared.unauthorized(&token),
            }
        }
        Err(renewed_token_refused())
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

/// [`SharedSession`] for the coroutines of an event loop (Python asyncio,
/// Kotlin coroutines, Swift tasks), over an [`AsyncTokenStore`]: the same
/// protocol, processes of both kinds (and Rust ones) sharing one
/// connection. Nothing blocks the loop: store operations and the renewal
/// are awaited, a coroutine waiting for another's renewal (in this process
/// or another) is suspended. A store operation or renewal belongs to the
/// session, not to the coroutine that started it: cancelling that
/// coroutine never leaves the protocol half-done or a rotated pair
/// unwritten. One difference from [`SharedSession`]: tokens a store write
/// failed to take are written at this session's next call, not by a
/// writer of its own (a call into the host's store must start on its event
/// loop): keep calling a connection while its store is down.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct AsyncSharedSession {
    shared: Arc<AsyncShared>,
}

/// What the coroutines of one async shared session share; store
/// operations and renewals in flight hold it too.
struct AsyncShared {
    fleet: Mutex<FleetSession>,
    /// Notified after each outcome handed to `fleet`.
    changed: Signal,
    store: Arc<dyn AsyncTokenStore>,
    client: OAuthClient,
    now_ms: Clock,
}

impl std::fmt::Debug for AsyncSharedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSharedSession")
            .field("generation", &lock(&self.shared.fleet).generation())
            .finish_non_exhaustive()
    }
}

impl AsyncShared {
    /// Drives the fleet session until it hands out a token or fails, as
    /// `authflowkit-store`'s driver does for threads.
    async fn token(self: &Arc<Self>) -> Result<AccessToken> {
        loop {
            let (action, seen) = {
                let mut fleet = lock(&self.fleet);
                // Read under the lock, so a change after this poll ends
                // a wait for it at once.
                (fleet.poll((self.now_ms)()), self.changed.seen())
            };
            match action {
                FleetAction::UseToken(token) => return Ok(token),
                FleetAction::Fail(error) => return Err(error.into()),
                // Owned by no coroutine: cancelling this one leaves the
                // round to finish (the answer written, the lease released).
                FleetAction::Store(_) | FleetAction::Send(_) => {
                    Detached::start(self.clone().carry_out(action))
                        .output()
                        .await
                }
                FleetAction::Sleep { millis } => sleep(Duration::from_millis(millis)).await,
                FleetAction::WaitLocal => self.changed.changed(seen).await,
            }
        }
    }

    /// Carries out `action`, then, while a round is under way (the lease
    /// is this process's, or a renewed pair is not yet written), every
    /// store operation and request the protocol asks for next: so a round
    /// that began (a lease taken, a renewal sent) ends with its answer
    /// written and the lease released, whoever still waits for it. Each
    /// step starts when the host completes the one before (in Python, on
    /// the event loop's thread, where a call into the host must start):
    /// the timer never wakes this work, sleeping and waiting are left to
    /// the callers.
    async fn carry_out(self: Arc<Self>, mut action: FleetAction) {
        loop {
            match action {
                FleetAction::Store(request) => {
                    let result = perform(&*self.store, &request).await;
                    let now = (self.now_ms)();
                    // An unreadable stored value is overwritten by the
                    // session; nothing for this caller to do.
                    let _ = lock(&self.fleet).handle_store_result(request.id, now, result);
                }
                FleetAction::Send(outgoing) => {
                    let answer = self
                        .client
                        .transport()
                        .send_async((&outgoing.request).into())
                        .await
                        .map(|response| response.to_core())
                        .map_err(|error| error.to_core());
                    let now = (self.now_ms)();
                    // The outcome's error (if any) is what the next poll
                    // reports, after the store has been told.
                    let _ = lock(&self.fleet).handle_answer(&outgoing, now, &answer);
                }
                _ => return,
            }
            self.changed.notify();
            action = {
                let mut fleet = lock(&self.fleet);
                // Only a round under way is carried on: polling otherwise
                // would use up the read that lets the callers' next poll
                // hand out the token, and they would read again, forever.
                if !fleet.holds_lease() && !fleet.has_unwritten_tokens() {
                    return;
                }
                match fleet.poll((self.now_ms)()) {
                    next @ (FleetAction::Store(_) | FleetAction::Send(_)) => next,
                    // The callers poll again.
                    _ => return,
                }
            };
        }
    }
}

impl AsyncSharedSession {
    /// Drives `parts` ([`fleet_session`]) over `client` and `store`.
    pub(crate) fn new(
        client: OAuthClient,
        store: Arc<dyn AsyncTokenStore>,
        (fleet, now_ms): (FleetSession, Clock),
    ) -> AsyncSharedSession {
        let shared = AsyncShared {
            fleet: Mutex::new(fleet),
            changed: Signal::default(),
            store,
            client,
            now_ms,
        };
        AsyncSharedSession {
            shared: Arc::new(shared),
        }
    }
}

#[uniffi::export]
impl AsyncSharedSession {
    /// A valid access token: renewed first if due and no other process has
    /// renewed it (then its tokens are read from the store).
    pub async fn access_token_async(&self) -> Result<String> {
        Ok(self.shared.token().await?.secret().to_owned())
    }

    /// A bearer API call; when the API refuses the token (another process
    /// may have renewed it), reads the store, renews only if nothing newer
    /// is there, and retries once; a status that is not 2xx raises, as in
    /// `ClientSession.request` (the core's rule, `Client::read_api_answer`).
    /// `headers` as in `ClientSession.request`.
    #[uniffi::method(default(body = None, headers = []))]
    pub async fn request_async(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
        headers: Vec<HttpHeader>,
    ) -> Result<HttpResponse> {
        let headers = crate::http::pairs(&headers);
        let client = &self.shared.client;
        for first in [true, false] {
            let token = self.shared.token().await?;
            let request = api_request(client, &token, method, &path, body.as_deref(), &headers)?;
            match client.send_api_call_async(request, first).await? {
                Some(response) => return Ok(response),
                None => lock(&self.shared.fleet).handle_unauthorized(&token),
            }
        }
        Err(renewed_token_refused())
    }

    /// `GET path` with [`AsyncSharedSession::request_async`].
    pub async fn get_async(&self, path: String) -> Result<HttpResponse> {
        self.request_async(Method::Get, path, None, Vec::new())
            .await
    }

    /// Tells the session an API refused `access_token` (401).
    pub fn unauthorized(&self, access_token: String) {
        lock(&self.shared.fleet).handle_unauthorized(&AccessToken::new(access_token));
    }

    /// This process's copy of the token set.
    pub fn token_set(&self) -> Option<Arc<TokenSet>> {
        lock(&self.shared.fleet)
            .session()
            .token_set()
            .cloned()
            .map(TokenSet::wrap)
    }

    /// The store generation of this process's copy (0: never stored).
    pub fn generation(&self) -> u64 {
        lock(&self.shared.fleet).generation()
    }
}

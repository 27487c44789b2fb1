//! # authflowkit-store
//!
//! Stores for [`authflowkit_core::fleet`]: one connection's token set shared by
//! many processes, renewed once per expiry, no rotated refresh token lost.
//! The protocol (generations, leases, what to do when) lives in the core's
//! [`FleetSession`]; a store here only carries out its four primitive
//! operations ([`TokenStore`]):
//!
//! - [`MemoryStore`]: the threads of one process (and tests).
//! - [`FileStore`]: processes on one host, e.g. a scheduled refresh job
//!   beside a server: atomic replace of the value, a lock file (both in
//!   [`secret_file`], which other files of secrets on the host can use).
//! - [`RedisStore`]: processes anywhere; `rediss://` (TLS, with the system's
//!   trust store or a CA of yours: [`RedisOptions`]) and `redis://` to this
//!   host, with a password or an ACL user.
//!
//! [`SharedFleetSession`] drives a [`FleetSession`] for all threads of a
//! process: one store operation at a time, the renewal request sent without
//! holding the lock, the other threads waiting for its outcome, and a
//! renewed pair the store failed to take written from a thread of its own
//! as soon as the store answers.
//!
//! The README's example, as it compiles:
//!
//! ```no_run
//! # use authflowkit_core::{Error, HttpRequest, HttpResponse};
//! # struct Http;
//! # impl Http { fn send(&self, _: &HttpRequest) -> Result<HttpResponse, Error> {
//! #     Err(Error::new(authflowkit_core::ErrorKind::Transport, "no network in this example"))
//! # } }
//! # fn main() -> Result<(), Error> {
//! # let (http, secret, random_16_bytes) = (std::sync::Arc::new(Http), "s", [0u8; 16]);
//! # const TOKEN_URL: &str = "https://admin.example/oauth/token";
//! # const CLIENT_ID: &str = "id";
//! use authflowkit_core::fleet::{owner_id, FleetSession, StoreKey};
//! use authflowkit_core::{Client, ClientSecret, Method, Profile, Session};
//! use authflowkit_store::{RedisStore, SharedFleetSession};
//!
//! let client = Client::new(Profile::makini_admin(TOKEN_URL)?, CLIENT_ID)
//!     .with_client_secret(ClientSecret::new(secret));
//! let key = StoreKey::for_connection(&client, "default"); // the same in every process
//! let fleet = FleetSession::new(Session::new(client.clone(), None), key, owner_id(&random_16_bytes));
//! let store = RedisStore::open("rediss://:PASSWORD@redis.internal:6380/0")?;
//! let sender = http.clone(); // your HTTP client
//! let tokens = SharedFleetSession::new(fleet, store, move |request| sender.send(request));
//!
//! // In any thread of any process:
//! let token = tokens.access_token()?; // one refresh per expiry, fleet-wide
//! let response = http.send(&client.api_request(&token, Method::Get, "connections", None)?)?;
//! if response.status == 401 {
//!     tokens.unauthorized(&token) // re-read before renewing
//! }
//! # Ok(()) }
//! ```
//!
//! Every store holds tokens: protect it as a secret store (Redis AUTH or an
//! ACL user, TLS when it leaves the host; a file readable by its owner only,
//! which [`FileStore`] creates so).

pub mod conformance;
mod driver;
mod file;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;
pub mod secret_file;

pub use authflowkit_core::fleet::{FleetSession, FleetTimings, StoreKey, StoredRecord, TokenStore};
pub use driver::{system_now_ms, SharedFleetSession};
pub use file::FileStore;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis_store::{RedisOptions, RedisStore};

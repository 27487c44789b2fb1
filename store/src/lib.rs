//! # authflow-store
//!
//! Stores for [`authflow_core::fleet`]: one connection's token set shared by
//! many processes, renewed once per expiry, no rotated refresh token lost.
//! The protocol (generations, leases, what to do when) lives in the core's
//! [`FleetSession`]; a store here only carries out its four primitive
//! operations ([`TokenStore`]):
//!
//! - [`MemoryStore`]: the threads of one process (and tests).
//! - [`FileStore`]: processes on one host, e.g. a scheduled refresh job
//!   beside a server: atomic replace of the value, a lock file.
//! - [`RedisStore`]: processes anywhere; `redis://` and `rediss://` URLs,
//!   with a password or an ACL user.
//!
//! [`SharedFleetSession`] drives a [`FleetSession`] for all threads of a
//! process: one store operation at a time, the renewal request sent without
//! holding the lock, the other threads waiting for its outcome.
//!
//! Every store holds tokens: protect it as a secret store (Redis AUTH or an
//! ACL user, TLS when it leaves the host; a file readable by its owner only,
//! which [`FileStore`] creates so).

pub mod conformance;
mod driver;
mod file;
mod memory;
mod redis_store;

pub use authflow_core::fleet::{FleetSession, FleetTimings, StoreKey, StoredRecord, TokenStore};
pub use driver::{system_now_ms, SharedFleetSession};
pub use file::FileStore;
pub use memory::MemoryStore;
pub use redis_store::RedisStore;

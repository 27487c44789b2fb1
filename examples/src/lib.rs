//! The runnable programs (the demo that walks every flow against the local
//! providers, the fault matrix, the fleet worker) and what the end-to-end
//! tests share with them. The blocking transport, the session driver and
//! the clock and entropy helpers are the CLI crate's (`authflowkit`),
//! re-exported here.
//!
//! None of this is part of the library: the core stays sans-IO, and each
//! binding brings its platform's own HTTP stack.

pub mod demo;
pub mod fault_matrix;
pub mod local;

// The CLI crate's transport, driver and helpers, which the demo, the
// examples and the end-to-end tests run on (one copy: `cli/src/lib.rs`).
pub use authflowkit_cli::{
    assertion_entropy, authorization_entropy, cli, client_now, drive_device, driver,
    lease_owner_id, new_session, token_file, transport, unix_now, SharedSession, Transport,
};

/// `docs/rust.md`, whose code blocks are this crate's doc-tests: they run
/// against the local test providers.
#[cfg(doctest)]
#[doc = include_str!("../../docs/rust.md")]
mod rust_guide {}

//! What the examples and end-to-end tests share: a blocking HTTP transport
//! for the core's requests, the clock and entropy the core takes as
//! arguments, and a thread-safe driver for a [`Session`].
//!
//! None of this is part of the library: the core stays sans-IO, and each
//! binding brings its platform's own HTTP stack.

pub mod cli;
pub mod demo;
pub mod driver;
pub mod fault_matrix;
pub mod local;
pub mod token_file;
pub mod transport;

pub use driver::{drive_device, SharedSession};
pub use transport::Transport;

/// The current Unix time in seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A fleet lease owner id for this process: 16 random bytes in hex.
pub fn lease_owner_id() -> Result<String, getrandom::Error> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random)?;
    Ok(authflow_core::fleet::owner_id(&random))
}

/// Entropy for an authorization request, from `rand`'s thread-local
/// CSPRNG (seeded from the operating system once per thread, reseeded as it
/// goes): a system call per URL costs more than building the URL. Panics
/// only if the operating system has no randomness to seed it with.
pub fn authorization_entropy() -> [u8; authflow_core::AUTHORIZATION_ENTROPY_LEN] {
    random_bytes()
}

/// Entropy for the client assertions of requests built now
/// ([`authflow_core::Client::at`]) or for a session's renewals
/// ([`authflow_core::Session::with_entropy`]), from the same CSPRNG.
pub fn assertion_entropy() -> [u8; authflow_core::ASSERTION_ENTROPY_LEN] {
    random_bytes()
}

/// `client` for the requests built now: its assertions (when it signs its
/// authentication) dated now, with fresh entropy.
pub fn client_now(client: &authflow_core::Client) -> authflow_core::Result<authflow_core::Client> {
    client.at(unix_now(), &assertion_entropy())
}

/// A session for `client` from `tokens`, with entropy for the renewals of
/// a client that signs its authentication: every driver's sessions start here.
pub fn new_session(
    client: authflow_core::Client,
    tokens: Option<authflow_core::TokenSet>,
) -> authflow_core::Session {
    authflow_core::Session::new(client, tokens).with_entropy(&assertion_entropy())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut bytes);
    bytes
}

/// `docs/rust.md`, whose code blocks are this crate's doc-tests: they run
/// against the local test providers.
#[cfg(doctest)]
#[doc = include_str!("../../docs/rust.md")]
mod rust_guide {}

//! The `authflowkit` command-line client's library: what the binary and
//! the workspace's examples and end-to-end tests share. A blocking HTTP
//! transport for the core's requests ([`transport`]), the clock and entropy
//! the core takes as arguments, a thread-safe driver for a
//! [`Session`](authflowkit_core::Session) ([`driver`]), the token file
//! ([`token_file`]) and the commands ([`cli`]).
//!
//! The stable API is the `authflowkit` binary's command line; this
//! library is its implementation, versioned with it. The OAuth library is
//! `authflowkit-core` (sans-IO), with `authflowkit-store` for token sets
//! shared by many processes.

pub mod cli;
pub mod driver;
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
    Ok(authflowkit_core::fleet::owner_id(&random))
}

/// Entropy for an authorization request, from `rand`'s thread-local
/// CSPRNG (seeded from the operating system once per thread, reseeded as it
/// goes): a system call per URL costs more than building the URL. Panics
/// only if the operating system has no randomness to seed it with.
pub fn authorization_entropy() -> [u8; authflowkit_core::AUTHORIZATION_ENTROPY_LEN] {
    random_bytes()
}

/// Entropy for the client assertions of requests built now
/// ([`authflowkit_core::Client::at`]) or for a session's renewals
/// ([`authflowkit_core::Session::with_entropy`]), from the same CSPRNG.
pub fn assertion_entropy() -> [u8; authflowkit_core::ASSERTION_ENTROPY_LEN] {
    random_bytes()
}

/// `client` for the requests built now: its assertions (when it signs its
/// authentication) dated now, with fresh entropy.
pub fn client_now(
    client: &authflowkit_core::Client,
) -> authflowkit_core::Result<authflowkit_core::Client> {
    client.at(unix_now(), &assertion_entropy())
}

/// A session for `client` from `tokens`, with entropy for the renewals of
/// a client that signs its authentication: every driver's sessions start here.
pub fn new_session(
    client: authflowkit_core::Client,
    tokens: Option<authflowkit_core::TokenSet>,
) -> authflowkit_core::Session {
    authflowkit_core::Session::new(client, tokens).with_entropy(&assertion_entropy())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut bytes);
    bytes
}

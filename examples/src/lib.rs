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

pub use driver::SharedSession;
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

/// Entropy for an authorization request, from the operating system.
pub fn authorization_entropy(
) -> Result<[u8; authflow_core::AUTHORIZATION_ENTROPY_LEN], getrandom::Error> {
    let mut bytes = [0u8; authflow_core::AUTHORIZATION_ENTROPY_LEN];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

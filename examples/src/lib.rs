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
    let mut bytes = [0u8; authflow_core::AUTHORIZATION_ENTROPY_LEN];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut bytes);
    bytes
}

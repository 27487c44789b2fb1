//! What an OpenID Connect authorization request adds to an OAuth one
//! (OpenID Connect Core 1.0 §3.1.2.1): the `nonce` that binds the ID token
//! to this browser session, and the `max_age` whose `auth_time` the ID
//! token must then carry. Both are kept in the pending authorization, and
//! the ID token is checked against them (`crate::id_token`).

use crate::error::{Error, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The shortest nonce authflow writes or reads back: 16 bytes of entropy
/// in base64url, as the state.
const MIN_NONCE_LEN: usize = 22;

/// The OpenID part of a pending authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenidRequest {
    /// The `nonce` sent; the ID token's must equal it (§3.1.3.7 item 11).
    /// Not a secret once sent: it is in the URL.
    pub(crate) nonce: String,
    /// The `max_age` sent as an extra parameter, if any: the ID token must
    /// then carry `auth_time` (§3.1.2.1, §3.1.3.7 item 13).
    pub(crate) max_age: Option<u64>,
}

impl OpenidRequest {
    /// The nonce from `entropy` (base64url, as the state), and the
    /// `max_age` the caller put among the extra parameters.
    pub(crate) fn new(entropy: &[u8], extra_params: &[(String, String)]) -> Result<OpenidRequest> {
        let max_age = match extra_params.iter().find(|(name, _)| name == "max_age") {
            None => None,
            // §3.1.2.1: a number of seconds; anything else could not be
            // checked against `auth_time`.
            Some((_, value)) => Some(value.parse::<u64>().map_err(|_| {
                Error::configuration("the max_age parameter is not a number of seconds")
            })?),
        };
        Ok(OpenidRequest {
            nonce: URL_SAFE_NO_PAD.encode(entropy),
            max_age,
        })
    }

    /// Whether a nonce read back from storage is one authflow could have
    /// written: a planted short one would make the replay check guessable.
    pub(crate) fn is_well_formed_nonce(nonce: &str) -> bool {
        let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        nonce.len() >= MIN_NONCE_LEN && nonce.bytes().all(base64url)
    }
}

//! # authflow-uniffi
//!
//! authflow for Python, Kotlin and Swift through UniFFI. A thin layer over
//! `authflowkit-core`: it converts types and errors one-to-one and decides
//! nothing about OAuth itself.
//!
//! Three levels, the same in every language:
//! - **sans-IO**: [`Client`] builds every request as an [`HttpRequest`]
//!   record and parses every [`HttpResponse`] record; [`Session`] is the
//!   core's renewal state machine; [`PendingAuthorization`] resumes in any
//!   runtime from its storage string; [`DevicePoll`] is the core's RFC 8628
//!   device-flow polling state machine; [`TokenExchange`] → [`IssuedToken`]
//!   is RFC 8693 token exchange.
//! - **client**: [`OAuthClient`] runs each flow over an [`HttpTransport`]
//!   the host language implements (each language ships one from its
//!   standard library), blocking and async.
//! - **session**: [`ClientSession`] keeps tokens fresh, single-flight
//!   across threads and coroutines, and hands every token set to store to
//!   a [`TokenPersister`]; [`SharedSession`] does it for many processes
//!   through a [`TokenStore`] the host implements (one renewal per expiry
//!   across all of them), and [`AsyncSharedSession`] for coroutines over an
//!   [`AsyncTokenStore`].
//!
//! Errors are one [`AuthflowError`] whose variants group the core's kinds;
//! every variant carries kind, action, retry-after and the provider's
//! code, description and request id. Values that hold secrets print
//! redacted in every language.

// `AuthflowError` carries its fields flat because that is the shape every
// language sees (`e.kind`, `e.retryAfter`); it is lowered across the FFI
// the moment it is returned, so its size on the Rust stack does not matter.
#![allow(clippy::result_large_err)]

mod client;
mod connection;
mod device;
mod discovery;
mod dpop;
mod enums;
mod error;
mod fleet;
mod http;
mod id_token;
mod pending;
mod profile;
mod session;
mod signing;
mod task;
mod token_exchange;
mod token_set;
mod transport;

pub use client::{
    AuthorizationOptions, AuthorizationRequest, Client, GrantRequest, QueryParam, TokenTypeHint,
};
pub use connection::{discover, discover_async, AuthorizationStart, ClientSession, OAuthClient};
pub use device::{DeviceAuthorization, DevicePoll, DevicePollAction, DeviceTokenRequest};
pub use discovery::{discovery_request, parse_discovery_response, ProviderMetadata};
pub use dpop::DpopNonces;
pub use enums::*;
pub use error::{
    raise_error, store_error, timeout_error, transport_error, AuthflowError, ErrorDetails,
};
pub use fleet::{AsyncSharedSession, AsyncTokenStore, SharedSession, StoredTokens, TokenStore};
pub use http::{HttpHeader, HttpRequest, HttpResponse};
pub use id_token::{
    default_algorithms, jwks_request, jws_algorithm_name, parse_jwks_response, validate_id_token,
    validate_refreshed_id_token, IdTokenCheck, IdTokenClaims, JwkInfo, JwkSet, JwksResponse,
    LogoutOptions, UserInfo,
};
pub use pending::{pkce_method_name, PendingAuthorization, ValidatedCallback};
pub use profile::Profile;
pub use session::{AccessToken, OutgoingRequest, Session, SessionAction};
pub use token_exchange::{
    token_type_access_token, token_type_id_token, token_type_jwt, token_type_refresh_token,
    token_type_saml1, token_type_saml2, IssuedToken, TokenExchange,
};
pub use token_set::{Introspection, TokenInfo, TokenSet};
pub use transport::{Environment, HttpTransport, TokenPersister};

uniffi::setup_scaffolding!("authflow");

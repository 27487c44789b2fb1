//! # authflowkit-core
//!
//! A sans-IO OAuth 2.0 client core: it builds HTTP requests and parses HTTP
//! responses for every flow authflow supports, and never does IO itself.
//! Time (`now`, Unix seconds) and entropy (bytes from a secure source) are
//! arguments, so every operation is deterministic and every behaviour can
//! be a golden vector (see `tests/vectors/` in the repository).
//!
//! ```
//! use authflowkit_core::{Client, Profile, HttpResponse, GrantType};
//!
//! # fn main() -> Result<(), authflowkit_core::Error> {
//! let client = Client::new(Profile::makini_link(), "my-client-id")
//!     .with_redirect_uri("https://app.example/callback")?;
//! let now = 1_713_082_414;
//! let entropy = [7u8; authflowkit_core::AUTHORIZATION_ENTROPY_LEN]; // use a CSPRNG
//! let start = client.authorization_request(now, &entropy)?;
//! // Send the user to start.url; keep start.pending.to_storage_string()
//! // until the redirect comes back, then delete it.
//! let redirect = format!("https://app.example/callback?code=abc&state={}", start.pending.state());
//! let callback = start.pending.validate(&redirect, now + 30)?; // the only way to a code
//! let request = client.exchange_request(callback)?;           // method, url, headers, body
//! # let _ = request;
//! let response = HttpResponse::new(200, vec![], br#"{"access_token":"a","refresh_token":"r",
//!     "token_type":"bearer","expires_in":1715674414}"#.to_vec());
//! let tokens = client.parse_token_response(GrantType::AuthorizationCode, now + 31, &response)?;
//! assert_eq!(tokens.expires_at(), Some(1_715_674_414)); // Makini: an absolute time
//! # Ok(()) }
//! ```
//!
//! The pieces:
//! - [`Profile`]: a provider as data (Makini Link, Makini Admin, MakeShift,
//!   generic, or from [`discovery`]).
//! - [`Client`]: a profile plus the app's registration; builds every request
//!   and parses every response.
//! - [`PendingAuthorization`] → [`ValidatedCallback`]: the redirect checked
//!   before a code can be exchanged, and the code exchanged only at the
//!   server the authorization was made for. A pending authorization is good
//!   for one redirect: delete its stored string on use, or let
//!   [`UsedStates`] refuse a second use.
//! - [`TokenSet`]: tokens with absolute expiry; [`Session`]: the state
//!   machine that keeps them fresh, single-flight.
//! - [`DeviceAuthorization`] → [`DevicePoll`]: the device authorization
//!   grant (RFC 8628) for devices without a browser: show the user code,
//!   poll the token endpoint as the state machine says.
//! - [`fleet`]: one token set shared by many processes through a store
//!   (leases, generations), renewed once per expiry.
//! - [`Error`]: one error type with [`ErrorKind`] and [`Action`].
//! - [`Challenge`]: `WWW-Authenticate` challenges (RFC 9110 §11.6.1), which
//!   carry a resource server's RFC 6750 §3 errors.
//! - With the `resources` feature: resource indicators (RFC 8707,
//!   [`Client::with_resources`]) on the authorization and every token
//!   request, and token exchange (RFC 8693, [`TokenExchange`] →
//!   [`IssuedToken`]).
//! - With the `par` feature: pushed authorization requests (RFC 9126,
//!   [`Client::pushed_authorization_request`] →
//!   [`Client::parse_pushed_authorization_response`]): the request's
//!   parameters posted to the server, the URL carrying only a `request_uri`.
//!
//! Secrets ([`AccessToken`], [`RefreshToken`], [`AuthorizationCode`],
//! [`PkceCodeVerifier`], and with the `confidential` feature `ClientSecret`
//! and `Password`) print redacted and are wiped on drop. Without the
//! `confidential` feature (the browser build) no code that reads, encodes
//! or sends a client secret is compiled; without the `device` feature
//! (the browser build too), nothing of the device authorization grant.
//! OpenID Connect comes in two features: `openid-claims` (the nonce, the
//! ID token in the token set, and its claims checked without the
//! signature, `IdTokenCheck::validate_claims`, for a token received from
//! the token endpoint over TLS; the npm package's Node.js entry builds
//! with it) and `openid` (that, plus signatures against the provider's
//! JWKS, UserInfo and the logout URL; on by default). The browser build
//! has neither.

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod api;
mod authorization;
mod base64url;
mod byte_scan;
mod callback;
mod challenge;
mod client;
// The request context of `Client::at` lives here; DPoP proofs use it too.
#[cfg(feature = "signed-requests")]
mod client_assertion;
mod clock;
#[cfg(feature = "device")]
mod device;
pub mod discovery;
#[cfg(feature = "dpop")]
mod dpop;
mod endpoint;
mod error;
mod error_response;
pub mod fleet;
mod form;
mod grant;
mod http;
#[cfg(feature = "openid-claims")]
mod id_token;
#[cfg(feature = "openid")]
mod id_token_validation;
mod introspection;
#[cfg(feature = "openid-claims")]
mod jose;
pub mod json;
#[cfg(feature = "openid")]
pub mod jwks;
#[cfg(feature = "signed-requests")]
mod jws_signing;
#[cfg(feature = "openid-claims")]
mod oidc;
#[cfg(feature = "par")]
mod par;
mod pending;
mod pkce;
mod profile;
mod redact;
#[cfg(feature = "resources")]
mod resource;
mod revocation;
mod secret;
mod session;
#[cfg(feature = "signing")]
mod signing;
mod syntax;
mod text;
#[cfg(feature = "resources")]
mod token_exchange;
mod token_info;
mod token_response;
mod token_set;
mod used_states;

pub use api::ApiAnswer;
#[cfg(feature = "openid-claims")]
pub use authorization::NONCE_ENTROPY_LEN;
pub use authorization::{
    AuthorizationOptions, AuthorizationRequest, AUTHORIZATION_ENTROPY_LEN, STATE_ENTROPY_LEN,
};
pub use callback::{OneUseCallback, ValidatedCallback};
pub use challenge::Challenge;
pub use client::Client;
#[cfg(feature = "signed-requests")]
pub use client_assertion::ASSERTION_ENTROPY_LEN;
#[cfg(feature = "jwt-client-auth")]
pub use client_assertion::ASSERTION_LIFETIME;
pub use clock::{format_http_date, parse_http_date, RETRY_AFTER_CEILING, RETRY_AFTER_FLOOR};
#[cfg(feature = "device")]
pub use device::{
    DeviceAuthorization, DevicePoll, DevicePollAction, DevicePollUpdate, DeviceTokenRequest,
    DEFAULT_INTERVAL, SLOW_DOWN_STEP,
};
pub use discovery::{
    discovery_request, parse_discovery_response, DiscoveryDocument, ProviderMetadata,
};
#[cfg(feature = "dpop")]
pub use dpop::{DpopNonces, DPOP_JTI_LEN, DPOP_TOKEN_TYPE};
pub use endpoint::Endpoint;
pub use error::{Action, Error, ErrorFamily, ErrorKind, ProviderError, Result};
pub use fleet::{
    FleetAction, FleetSession, FleetTimings, StoreKey, StoreOperation, StoreOutcome, StoreRequest,
    StoreRequestId, StoredRecord, TokenStore,
};
#[doc(hidden)]
pub use form::{encode as form_encoded, form_pairs, form_pairs_of_text};
pub use http::{is_sensitive_header, HttpRequest, HttpResponse, Method};
#[cfg(feature = "openid-claims")]
pub use id_token::{
    default_algorithms, id_token_key_id, unverified_claims, IdTokenCheck, IdTokenClaims,
    ID_TOKEN_LEEWAY,
};
#[cfg(feature = "openid")]
pub use id_token_validation::IdTokenValidation;
pub use introspection::Introspection;
#[cfg(feature = "openid-claims")]
pub use jose::JwsAlgorithm;
#[cfg(feature = "openid")]
pub use jwks::{jwks_request, parse_jwks_response, Jwk, JwkSet, JwksCache, PublicKey};
#[cfg(feature = "signed-requests")]
pub use jws_signing::SigningAlgorithm;
#[cfg(feature = "openid")]
pub use oidc::{LogoutOptions, UserInfo};
#[cfg(feature = "par")]
pub use par::PushedAuthorizationRequest;
pub use pending::{PendingAuthorization, DEFAULT_MAX_AGE, MAX_PENDING_AGE};
pub use pkce::{code_challenge, VERIFIER_ENTROPY_LEN};
pub use profile::*;
pub use revocation::TokenRef;
#[cfg(feature = "openid-claims")]
pub use secret::IdToken;
#[cfg(feature = "resources")]
pub use secret::SecurityToken;
pub use secret::{AccessToken, AuthorizationCode, PkceCodeVerifier, RefreshToken};
#[cfg(feature = "confidential")]
pub use secret::{ClientSecret, Password};
#[cfg(feature = "device")]
pub use secret::{DeviceCode, UserCode};
pub use session::{
    OutgoingRequest, RequestId, RequestPurpose, Session, SessionAction, SessionUpdate,
};
#[cfg(feature = "signing")]
pub use signing::{SigningKey, MIN_HMAC_KEY_LEN};
#[cfg(feature = "resources")]
pub use token_exchange::{
    IssuedToken, TokenExchange, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_ID_TOKEN, TOKEN_TYPE_JWT,
    TOKEN_TYPE_NOT_APPLICABLE, TOKEN_TYPE_REFRESH_TOKEN, TOKEN_TYPE_SAML1, TOKEN_TYPE_SAML2,
};
pub use token_info::TokenInfo;
pub use token_set::{TokenSet, TokenSetMembers};
pub use used_states::UsedStates;

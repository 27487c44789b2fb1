//! # authflow-wasm
//!
//! The browser binding of [`authflowkit_core`]: a thin `wasm-bindgen` layer
//! that turns JavaScript values into core types and back, and does the
//! browser's IO (entropy from `crypto.getRandomValues`, the clock,
//! `sessionStorage`, `history.replaceState`, `fetch`). Every OAuth decision
//! (what goes in the authorize URL, whether a redirect is valid, how a token
//! response or an error is read) is made by the core.
//!
//! The JavaScript API (see `README.md` and the generated `.d.ts`) is one
//! class made once per registration, [`OAuthClient`] (its options read and
//! its endpoints parsed in the constructor), with the flows as methods:
//! - `createAuthorizationUrl(options?)`: the authorize URL with state and
//!   PKCE S256; the pending authorization goes to `sessionStorage` or back
//!   to the caller.
//! - `handleRedirect(url?, options?)`: validates the redirect against the
//!   pending authorization and gives a [`ValidatedCallback`] (code, state,
//!   verifier, redirect URI) for the app's back end, or throws an
//!   `AuthflowError`.
//! - `exchangeCode(callback)` and `refresh(tokens)`: for public clients
//!   (no secret, PKCE), a token set with absolute expiry.
//!
//! and `Session` (tokens kept fresh), a JavaScript class in `js/token.js`
//! over the core's session state machine ([`SessionMachine`]): the promises
//! are JavaScript's, every decision the core's.
//!
//! Features, all off in the browser entry's build and on in the Node.js
//! entry's: `confidential` (client secrets, client credentials), `api`
//! (`Session.fetch`: API calls with the session's token, `ApiCall`) and
//! `openid` (the client option `openid`: the nonce, and the ID token's
//! claims checked at the code exchange without its signature, which the
//! browser entry's size budget has no room for: `SIZE.md`). The opt-in
//! browser entry `authflowkit/browser-openid` is the browser build with
//! `openid` alone; `authflowkit/browser-dpop` the browser build with `dpop`
//! alone (DPoP, RFC 9449: the option `dpop`, a WebCrypto key that signs
//! the proofs the core builds, and `OAuthClient.fetchResource`).
//!
//! The core is built without its `confidential` feature: no function here
//! takes, returns or sends a client secret, and no code that could is in
//! the `.wasm` (the package's tests scan it).
//!
//! The Rust items besides the exports are the same operations with time and
//! entropy as arguments, so the golden vectors can run through this crate's
//! conversions deterministically.

/// The module's allocator instead of std's dlmalloc: −1.9 KB gzip, and
/// constant time per call however long a page lives (`SIZE.md`: measured
/// beside dlmalloc). Declaring it needs no `unsafe`; the size-optimised
/// options (no in-place reallocation, no merging of memory pools) cost no
/// time in the measurements.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: rlsf::SmallGlobalTlsf = rlsf::SmallGlobalTlsf::new();

mod api;
#[cfg(feature = "api")]
mod api_call;
mod browser;
pub mod convert;
#[cfg(feature = "dpop")]
mod dpop;
pub mod options;
#[cfg(feature = "token-endpoint")]
mod session;
#[cfg(feature = "token-endpoint")]
mod token_call;

pub use api::{
    AuthorizationStart, AuthorizationUrlOptions, ClientOptions, HandleRedirectOptions, OAuthClient,
    TokenSetObject, ValidatedCallback,
};
#[cfg(feature = "api")]
pub use api_call::ApiCall;
pub use convert::{error_to_js, request_to_js, response_from_js};
#[cfg(feature = "token-endpoint")]
pub use convert::{token_set_from_js, token_set_to_js};
pub use options::{authorization_options, client_from_options, DEFAULT_STORAGE_KEY};
#[cfg(feature = "token-endpoint")]
pub use session::SessionMachine;

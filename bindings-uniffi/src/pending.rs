//! The pending authorization and the validated callback.

use crate::client::QueryParam;
use crate::error::Result;
use authflowkit_core::{PkceMethod, ProviderKind};
use std::sync::Arc;

/// An authorization in progress: state, PKCE verifier, redirect URI,
/// provider, client, scopes, the token endpoint the code is for, and when
/// it was made. Keep its `to_storage_string()` where the user's session is
/// kept (it holds the PKCE verifier) and delete it when the redirect comes
/// back, whatever the outcome: it is good for one redirect. Any authflow
/// runtime resumes it with `from_storage_string`. `repr` / `toString`
/// redact the verifier.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct PendingAuthorization(pub(crate) authflowkit_core::PendingAuthorization);

impl std::fmt::Display for PendingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

#[uniffi::export]
impl PendingAuthorization {
    /// Reads a storage string back (made by any authflow runtime).
    #[uniffi::constructor]
    pub fn from_storage_string(value: String) -> Result<Arc<PendingAuthorization>> {
        Ok(Arc::new(PendingAuthorization(
            authflowkit_core::PendingAuthorization::from_storage_string(&value)?,
        )))
    }

    /// The compact storage form (`afp1.…`, `afp2.…` with a nonce). It holds the PKCE verifier:
    /// never put it in a URL or a log.
    pub fn to_storage_string(&self) -> String {
        self.0.to_storage_string()
    }

    /// Checks the redirect (the full URL the user came back on, a path with
    /// its query, or the query) at `now`: repeated parameters, tokens where
    /// only a code was asked for, state, issuer, age, provider error, code.
    /// The only way to a code. It does not remember the pending
    /// authorization: delete its stored string now (`OAuthClient.exchange`
    /// also refuses a second use in this process).
    pub fn validate(&self, redirect: String, now: u64) -> Result<Arc<ValidatedCallback>> {
        Ok(Arc::new(ValidatedCallback(
            authflowkit_core::OneUseCallback::new(self.0.validate(&redirect, now)?),
        )))
    }

    /// [`PendingAuthorization::validate`] with the redirect as UTF-8 bytes:
    /// for languages where lowering a string costs more than the check
    /// (Python routes `validate` here); the same checks, the same errors.
    pub fn validate_utf8(&self, redirect: &[u8], now: u64) -> Result<Arc<ValidatedCallback>> {
        let redirect = std::str::from_utf8(redirect).map_err(|_| {
            authflowkit_core::Error::new(
                authflowkit_core::ErrorKind::Configuration,
                "the redirect is not UTF-8",
            )
        })?;
        Ok(Arc::new(ValidatedCallback(
            authflowkit_core::OneUseCallback::new(self.0.validate(redirect, now)?),
        )))
    }

    /// The provider it was made for.
    pub fn provider(&self) -> ProviderKind {
        self.0.provider()
    }

    /// The client id it was made for.
    pub fn client_id(&self) -> String {
        self.0.client_id().to_owned()
    }

    /// The redirect URI sent in the request.
    pub fn redirect_uri(&self) -> String {
        self.0.redirect_uri().to_owned()
    }

    /// The state sent in the request.
    pub fn state(&self) -> String {
        self.0.state().to_owned()
    }

    /// The scopes requested.
    pub fn scopes(&self) -> Vec<String> {
        self.0.scopes().to_vec()
    }

    /// When it was made (Unix seconds).
    pub fn created_at(&self) -> u64 {
        self.0.created_at()
    }

    /// When it stops being accepted (Unix seconds).
    pub fn expires_at(&self) -> u64 {
        self.0.expires_at()
    }

    /// The PKCE verifier (a secret), for a back end that exchanges the code itself.
    pub fn code_verifier(&self) -> Option<String> {
        self.0.code_verifier().map(|v| v.secret().to_owned())
    }

    /// The token endpoint the code may be exchanged at (`None` for a string
    /// written before authflow recorded it).
    pub fn token_endpoint(&self) -> Option<String> {
        self.0.token_endpoint().map(str::to_owned)
    }

    /// The OpenID Connect `nonce` sent, for an OpenID Provider's profile
    /// (not a secret: it was in the URL).
    pub fn nonce(&self) -> Option<String> {
        self.0.nonce().map(str::to_owned)
    }

    /// The `max_age` sent to an OpenID Provider, which makes `auth_time`
    /// required in the ID token.
    pub fn openid_max_age(&self) -> Option<u64> {
        self.0.openid_max_age()
    }
}

/// A callback that passed every check: what a code exchange is built
/// from, once (RFC 6749 §4.1.2: a code is used once; a second
/// `exchange_request` is refused with kind `pending_already_used`).
/// `repr` / `toString` redact the code and verifier.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct ValidatedCallback(pub(crate) authflowkit_core::OneUseCallback);

impl std::fmt::Debug for ValidatedCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0.callback(), f)
    }
}

impl std::fmt::Display for ValidatedCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0.callback(), f)
    }
}

#[uniffi::export]
impl ValidatedCallback {
    /// The authorization code (a secret), for an app that hands it to its back end.
    pub fn code(&self) -> String {
        self.0.callback().code().secret().to_owned()
    }

    /// The PKCE verifier (a secret) that goes with the code.
    pub fn code_verifier(&self) -> Option<String> {
        self.0
            .callback()
            .code_verifier()
            .map(|v| v.secret().to_owned())
    }

    /// The redirect URI the code was issued for.
    pub fn redirect_uri(&self) -> String {
        self.0.callback().redirect_uri().to_owned()
    }

    /// The state that matched.
    pub fn state(&self) -> String {
        self.0.callback().state().to_owned()
    }

    /// The response's other parameters (all but `code` and `state`), in the
    /// order received, repeats included: `iss`, `scope`, extensions.
    pub fn params(&self) -> Vec<QueryParam> {
        self.0
            .callback()
            .params()
            .iter()
            .map(|(name, value)| QueryParam {
                name: name.clone(),
                value: value.clone(),
            })
            .collect()
    }

    /// The first value of the response parameter `name` (e.g. `"scope"`).
    pub fn param(&self, name: String) -> Option<String> {
        self.0.callback().param(&name).map(str::to_owned)
    }
}

/// The name of a PKCE method (`"S256"`).
#[uniffi::export]
pub fn pkce_method_name(method: PkceMethod) -> String {
    method.as_str().to_owned()
}

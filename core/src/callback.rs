//! The redirect back from the authorization endpoint (RFC 6749 §4.1.2):
//! checked against the pending authorization before any code is let out.

use crate::error::{Error, ErrorKind, ProviderError, Result};
use crate::pending::PendingAuthorization;
use crate::profile::ProviderKind;
use crate::secret::{AuthorizationCode, PkceCodeVerifier};
use subtle::ConstantTimeEq;

/// A callback that passed every check: the only value a code exchange
/// request can be built from.
#[derive(Debug, Clone)]
pub struct ValidatedCallback {
    pub(crate) code: AuthorizationCode,
    pub(crate) code_verifier: Option<PkceCodeVerifier>,
    pub(crate) redirect_uri: String,
    pub(crate) client_id: String,
    pub(crate) provider: ProviderKind,
    pub(crate) state: String,
}

impl ValidatedCallback {
    /// The authorization code, for an app that hands it to its own back end.
    pub fn code(&self) -> &AuthorizationCode {
        &self.code
    }
    /// The PKCE verifier that goes with the code.
    pub fn code_verifier(&self) -> Option<&PkceCodeVerifier> {
        self.code_verifier.as_ref()
    }
    /// The redirect URI the code was issued for.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }
    /// The state that matched.
    pub fn state(&self) -> &str {
        &self.state
    }
}

/// The parameters of one callback, each at most once.
#[derive(Default)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    error_uri: Option<String>,
    iss: Option<String>,
}

impl CallbackParams {
    /// Reads the query of a full redirect URL, of a path with its query (an
    /// HTTP request target, `/callback?code=…`), or a bare query string.
    fn parse(redirect: &str) -> Result<CallbackParams> {
        let query = query_of(redirect);
        let mut params = CallbackParams::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                "error_uri" => &mut params.error_uri,
                "iss" => &mut params.iss,
                _ => continue,
            };
            if slot.is_some() {
                // RFC 6749 §3.1: parameters must not be included more than once.
                return Err(Error::new(
                    ErrorKind::DuplicateParameter,
                    format!("the callback repeats the \"{name}\" parameter"),
                ));
            }
            *slot = Some(value.into_owned());
        }
        Ok(params)
    }
}

/// The query of a redirect: what follows the first `?` up to a `#` (the
/// fragment is never part of it), or the whole text when there is no `?`
/// (a bare query). As a URL parser would (WHATWG URL), the ends are
/// trimmed of spaces and controls and tabs and newlines inside are dropped,
/// so a pasted URL reads the same. Only the query matters here: a full URL
/// parse would cost half of the validation for nothing more.
fn query_of(redirect: &str) -> String {
    let trimmed = redirect.trim_matches(|c: char| c <= ' ');
    let mut text: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if let Some(fragment) = text.find('#') {
        text.truncate(fragment);
    }
    match text.split_once('?') {
        Some((_, query)) => query.to_owned(),
        None => text,
    }
}

impl PendingAuthorization {
    /// Checks a redirect (the full URL the user came back on, or its query)
    /// against this pending authorization at time `now`, in this order:
    /// repeated parameters, `state` (constant-time), RFC 9207 `iss`, the
    /// pending authorization's age, an `error` from the provider, the code.
    pub fn validate(&self, redirect: &str, now: u64) -> Result<ValidatedCallback> {
        let mut params = CallbackParams::parse(redirect)?;
        let state = params.state.take().ok_or_else(|| {
            Error::new(
                ErrorKind::MissingState,
                "the callback has no state parameter",
            )
        })?;
        let matches: bool = state.as_bytes().ct_eq(self.state.as_bytes()).into();
        if !matches {
            return Err(Error::new(
                ErrorKind::StateMismatch,
                "the callback's state does not match the pending authorization",
            ));
        }
        match (&params.iss, &self.issuer) {
            (Some(iss), Some(expected)) if iss != expected => {
                return Err(Error::new(
                    ErrorKind::IssuerMismatch,
                    format!("the callback's issuer \"{iss}\" is not the expected \"{expected}\""),
                ))
            }
            (None, _) if self.require_issuer => {
                return Err(Error::new(
                    ErrorKind::MissingIssuer,
                    "the callback has no iss parameter and the profile requires one",
                ))
            }
            _ => {}
        }
        if now > self.expires_at() {
            return Err(Error::new(
                ErrorKind::PendingExpired,
                format!(
                    "the pending authorization is {} s old; it expired after {} s",
                    now.saturating_sub(self.created_at),
                    self.max_age
                ),
            ));
        }
        if let Some(code) = params.error.take() {
            return Err(Error::new(
                ErrorKind::from_oauth_code(&code),
                "the provider refused the authorization",
            )
            .with_provider(ProviderError {
                code: Some(code),
                description: params.error_description.take(),
                uri: params.error_uri.take(),
                request_id: None,
            }));
        }
        let code = params
            .code
            .take()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::new(ErrorKind::MissingCode, "the callback has no code"))?;
        Ok(ValidatedCallback {
            code: AuthorizationCode::new(code),
            code_verifier: self.code_verifier.clone(),
            redirect_uri: self.redirect_uri.clone(),
            client_id: self.client_id.clone(),
            provider: self.provider,
            state,
        })
    }
}

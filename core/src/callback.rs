//! The redirect back from the authorization endpoint (RFC 6749 §4.1.2):
//! checked against the pending authorization before any code is let out.

use crate::client::Client;
use crate::error::{Action, Error, ErrorKind, ProviderError, Result};
use crate::pending::PendingAuthorization;
use crate::profile::ProviderKind;
use crate::secret::{AuthorizationCode, PkceCodeVerifier};
use crate::syntax::{is_error_text, is_error_uri};
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use subtle::ConstantTimeEq;

/// Parameters that carry tokens: in the response to a code request they
/// mean an implicit or hybrid response the client did not ask for
/// (`refresh_token` is in no authorization response at all). Refusing them
/// also keeps their values out of [`ValidatedCallback::params`].
const TOKEN_PARAMETERS: [&str; 4] = ["access_token", "id_token", "token", "refresh_token"];

/// A callback that passed every check: the only value a code exchange
/// request can be built from. It remembers the server its authorization
/// was made for, so that [`Client::exchange_request`] sends the code
/// nowhere else.
#[derive(Debug, Clone)]
pub struct ValidatedCallback {
    pub(crate) code: AuthorizationCode,
    pub(crate) code_verifier: Option<PkceCodeVerifier>,
    pub(crate) redirect_uri: String,
    pub(crate) client_id: String,
    pub(crate) provider: ProviderKind,
    pub(crate) state: String,
    pub(crate) issuer: Option<String>,
    pub(crate) token_endpoint: Option<String>,
    pub(crate) params: Vec<(String, String)>,
    /// The nonce and `max_age` of its OpenID request, which the code
    /// exchange's ID token is checked against.
    #[cfg(feature = "openid-claims")]
    pub(crate) openid: Option<crate::oidc::OpenidRequest>,
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
    /// The response's other parameters (all but `code` and `state`), in the
    /// order received, repeats included: `iss`, `scope` where a server
    /// sends it, extensions. RFC 6749 §4.1.2 has the client ignore the
    /// ones it does not know; they are kept for the app to read.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }
    /// The OpenID Connect `nonce` its authorization sent (OpenID Connect
    /// Core 1.0 §3.1.2.1), when that was an OpenID request: the code
    /// exchange's ID token must carry it (see
    /// [`crate::IdTokenCheck::for_callback`]).
    #[cfg(feature = "openid-claims")]
    pub fn nonce(&self) -> Option<&str> {
        self.openid.as_ref().map(|o| o.nonce.as_str())
    }
    /// The first value of the response parameter `name` (e.g. `"scope"`).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Checks that `client` is the one the authorization was made with, at
    /// the same server (RFC 9700 §4.4.2: the issuer, standing for the
    /// authorization and token endpoints, is bound to each request).
    ///
    /// The client id and provider kind must match (a configuration
    /// mistake otherwise). Then the issuer, recorded or not, must be the
    /// client's, and the recorded token endpoint the client's. A string
    /// written before the token endpoint was recorded is checked against
    /// what it holds: its issuer when it has one; for Makini Link and
    /// MakeShift, whose kind names one provider, the kind; a generic or
    /// Makini Admin string without an issuer names no server and is
    /// refused (the user authorizes again).
    pub(crate) fn check_issued_for(&self, client: &Client) -> Result<()> {
        let profile = client.profile();
        if self.client_id != client.client_id() || self.provider != profile.kind() {
            return Err(Error::configuration(
                "the callback belongs to another client or provider",
            ));
        }
        let mismatch = |why: String| Error::new(ErrorKind::IssuerMismatch, why);
        if self.issuer.as_deref() != profile.issuer() {
            return Err(mismatch(
                [
                    "the authorization was made with issuer ",
                    self.issuer.as_deref().unwrap_or("(none)"),
                    ", this client's is ",
                    profile.issuer().unwrap_or("(none)"),
                ]
                .concat(),
            ));
        }
        let token_endpoint = client.token_endpoint()?.as_str();
        match &self.token_endpoint {
            Some(recorded) if recorded != token_endpoint => Err(mismatch(
                [
                    "the authorization was made for the token endpoint ",
                    recorded,
                    ", not this client's ",
                    token_endpoint,
                ]
                .concat(),
            )),
            Some(_) => Ok(()),
            None if self.issuer.is_none()
                && matches!(
                    self.provider,
                    ProviderKind::Generic | ProviderKind::MakiniAdmin
                ) =>
            {
                Err(mismatch(
                    "the pending authorization was written by an older authflow and names \
                     no issuer or token endpoint"
                        .to_owned(),
                ))
            }
            None => Ok(()),
        }
    }
}

/// The parameters of one callback: the ones authflow reads, each at most
/// once, and all but `code` and `state` in order.
#[derive(Default)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    error_uri: Option<String>,
    iss: Option<String>,
    others: Vec<(String, String)>,
    /// The first token-carrying parameter seen, in the query or the fragment.
    token: Option<&'static str>,
}

impl CallbackParams {
    /// Reads the query of a full redirect URL, of a path with its query (an
    /// HTTP request target, `/callback?code=…`), or a bare query string,
    /// and looks for token parameters in the fragment too.
    fn parse(redirect: &str) -> Result<CallbackParams> {
        let (query, fragment) = split_redirect(redirect);
        let mut params = CallbackParams::default();
        for (name, value) in crate::form::parse_str(&query) {
            if let Some(token) = TOKEN_PARAMETERS.into_iter().find(|t| *t == name) {
                // The value is a credential: not kept, never shown.
                params.token = params.token.or(Some(token));
                continue;
            }
            // RFC 6749 §3.1: a parameter without a value is as if omitted
            // (a token parameter, even empty, still says the response is
            // not a code response).
            if value.is_empty() {
                continue;
            }
            let slot = match name.as_ref() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                "error_uri" => &mut params.error_uri,
                "iss" => &mut params.iss,
                // RFC 6749 §4.1.2: unknown parameters are ignored, so a
                // repeat of one is no reason to refuse the response.
                _ => {
                    params.others.push((name.into_owned(), value.into_owned()));
                    continue;
                }
            };
            if slot.is_some() {
                // RFC 6749 §3.1: parameters must not be included more than once.
                return Err(Error::new(
                    ErrorKind::DuplicateParameter,
                    ["the callback repeats the \"", &name, "\" parameter"].concat(),
                ));
            }
            if !matches!(name.as_ref(), "code" | "state") {
                params.others.push((name.to_string(), value.to_string()));
            }
            *slot = Some(value.into_owned());
        }
        // An implicit or hybrid response puts its tokens in the fragment.
        let in_fragment = crate::form::parse_str(&fragment)
            .find_map(|(name, _)| TOKEN_PARAMETERS.into_iter().find(|t| *t == name));
        params.token = params.token.or(in_fragment);
        Ok(params)
    }
}

/// The query and the fragment of a redirect: the query is what follows the
/// first `?` up to a `#`, or the whole text before any `#` when there is no
/// `?` (a bare query); the fragment is what follows the `#`. As a URL
/// parser would (WHATWG URL), the ends are trimmed of spaces and controls
/// and tabs and newlines inside are dropped, so a pasted URL reads the
/// same. Only these two parts matter here: a full URL parse would cost half
/// of the validation for nothing more.
fn split_redirect(redirect: &str) -> (Cow<'_, str>, Cow<'_, str>) {
    fn split(text: &str) -> (&str, &str) {
        let (text, fragment) = text.split_once('#').unwrap_or((text, ""));
        let query = text.split_once('?').map_or(text, |(_, query)| query);
        (query, fragment)
    }
    let trimmed = redirect.trim_matches(|c: char| c <= ' ');
    // A byte at a time: the same answer (these are ASCII, which no byte of
    // a longer UTF-8 character is), for less than a search for characters.
    if !trimmed.bytes().any(|b| matches!(b, b'\t' | b'\n' | b'\r')) {
        let (query, fragment) = split(trimmed);
        return (Cow::Borrowed(query), Cow::Borrowed(fragment));
    }
    let text: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (query, fragment) = split(&text);
    (query.to_owned().into(), fragment.to_owned().into())
}

impl PendingAuthorization {
    /// Checks a redirect (the full URL the user came back on, or its query)
    /// against this pending authorization at time `now`, in this order:
    /// repeated parameters, tokens in the response (`access_token`,
    /// `id_token`, `token`, `refresh_token`, in the query or the fragment:
    /// an implicit or hybrid response to a code request), `state` (constant-time), RFC 9207
    /// `iss`, the pending authorization's age, an `error` from the
    /// provider, the code.
    ///
    /// It does not remember the pending authorization: delete its stored
    /// form now, whatever the outcome, or validate through
    /// [`crate::UsedStates::validate`], which refuses a second use.
    pub fn validate(&self, redirect: &str, now: u64) -> Result<ValidatedCallback> {
        let mut params = CallbackParams::parse(redirect)?;
        if let Some(token) = params.token {
            return Err(Error::new(
                ErrorKind::TokenInCallback,
                [
                    "the callback carries \"",
                    token,
                    "\": an implicit or hybrid response, where only a code was asked for",
                ]
                .concat(),
            ));
        }
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
                    [
                        "the callback's issuer \"",
                        &crate::syntax::escape_controls(iss),
                        "\" is not the expected \"",
                        expected,
                        "\"",
                    ]
                    .concat(),
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
                [
                    "the pending authorization is ",
                    &crate::text::decimal(now.saturating_sub(self.created_at)),
                    " s old; it expired after ",
                    &crate::text::decimal(self.max_age),
                    " s",
                ]
                .concat(),
            ));
        }
        if let Some(code) = params.error.take() {
            // RFC 6749 §4.1.2.1: the error's words are of a set charset. A
            // code outside it is no OAuth error code (and could forge a log
            // line); a description or URI outside it is dropped.
            if !is_error_text(&code) {
                return Err(Error::invalid_response(
                    "the callback's error is not an OAuth error code (RFC 6749 §4.1.2.1)",
                )
                .with_action(Action::AuthorizeAgain));
            }
            return Err(Error::new(
                ErrorKind::from_oauth_code(&code),
                "the provider refused the authorization",
            )
            .with_provider(ProviderError::new(
                Some(&code),
                params
                    .error_description
                    .as_deref()
                    .filter(|d| is_error_text(d)),
                params.error_uri.as_deref().filter(|u| is_error_uri(u)),
                None,
            )));
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
            issuer: self.issuer.clone(),
            token_endpoint: self.token_endpoint.clone(),
            params: params.others,
            #[cfg(feature = "openid-claims")]
            openid: self.openid.clone(),
        })
    }
}

/// A [`ValidatedCallback`] kept where it cannot be moved out (an object a
/// binding shares with JavaScript, Python, Kotlin or Swift): its fields
/// stay readable, and it builds one code exchange, because a code is used
/// once (RFC 6749 §4.1.2). [`OneUseCallback::take_for_exchange`] gives the
/// callback the first time and [`ErrorKind::PendingAlreadyUsed`] after.
#[derive(Debug)]
pub struct OneUseCallback {
    callback: ValidatedCallback,
    exchanged: AtomicBool,
}

impl OneUseCallback {
    /// Holds `callback` for one exchange.
    pub fn new(callback: ValidatedCallback) -> Self {
        OneUseCallback {
            callback,
            exchanged: AtomicBool::new(false),
        }
    }

    /// The callback, to read (its code, state, parameters).
    pub fn callback(&self) -> &ValidatedCallback {
        &self.callback
    }

    /// The callback for its one code exchange; refused after the first
    /// call, whatever became of that exchange (the code may have reached
    /// the provider: start a new authorization).
    pub fn take_for_exchange(&self) -> Result<ValidatedCallback> {
        if self.exchanged.swap(true, Ordering::SeqCst) {
            return Err(Error::new(
                ErrorKind::PendingAlreadyUsed,
                "this callback was already exchanged: a code is used once (RFC 6749 §4.1.2)",
            ));
        }
        Ok(self.callback.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::OneUseCallback;
    use crate::error::{Action, ErrorKind};
    use crate::pending::tests::pending;

    /// A code response that also carries tokens is an implicit or hybrid
    /// response the client never asked for (RFC 9700 §2.1.2, §4.1.2):
    /// refused, wherever the tokens are, and their values never shown.
    #[test]
    fn tokens_in_a_code_response_are_refused() {
        let pending = pending();
        let state = pending.state().to_owned();
        for extra in [
            "?access_token=at-leaked-123456&token_type=bearer",
            "?id_token=eyJ.leaked.123456",
            "?token=tk-leaked-123456",
            "#access_token=at-leaked-123456",
            "#id_token=eyJ.leaked.123456",
            "?refresh_token=rt-leaked-123456",
        ] {
            let (query, fragment) = match extra.split_once('#') {
                Some((_, fragment)) => (String::new(), format!("#{fragment}")),
                None => (format!("&{}", &extra[1..]), String::new()),
            };
            let redirect =
                format!("https://app.example/cb?code=c0de-123456&state={state}{query}{fragment}");
            let error = pending.validate(&redirect, 1_700_000_010).unwrap_err();
            assert_eq!(
                error.kind().as_str(),
                "token_in_callback",
                "{extra}: {error}"
            );
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains("leaked"), "{shown}");
            assert!(!shown.contains("c0de-123456"), "{shown}");
        }
    }

    /// RFC 6749 §4.1.2: held by a binding, a callback builds one exchange.
    #[test]
    fn a_one_use_callback_is_taken_once() {
        let pending = pending();
        let redirect = format!("?code=c0de-123456&state={}", pending.state());
        let held = OneUseCallback::new(pending.validate(&redirect, pending.created_at()).unwrap());
        assert_eq!(
            held.take_for_exchange().unwrap().code().secret(),
            "c0de-123456"
        );
        let error = held.take_for_exchange().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::PendingAlreadyUsed);
        assert_eq!(error.action(), Action::AuthorizeAgain);
        assert_eq!(
            held.callback().code().secret(),
            "c0de-123456",
            "still readable"
        );
    }
}

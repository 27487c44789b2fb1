//! Reading a failed response into an [`Error`], once for every endpoint and
//! every provider: RFC 6749 §5.2 bodies (also with status 200), RFC 6750 §3
//! `WWW-Authenticate: Bearer` challenges from resource servers, Makini's
//! `{"error":{code,type,message,request_id}}`, MakeShift's
//! `{"errors":[{title,status_code}]}`, HTML, empty and truncated bodies.
//!
//! A response without an OAuth error code is an HTTP-status error (or what
//! the profile's status rules say the status means): no code is made up
//! from the status or from a body that is not an RFC 6749 error.

use crate::challenge::Challenge;
use crate::client::Client;
use crate::clock::retry_after;
use crate::error::{Action, Error, ErrorKind, ProviderError};
use crate::http::HttpResponse;
use crate::json::{Members, Shallow};
use crate::profile::{GrantType, Profile, Reauthentication, ResponseSource};
use crate::redact::{find, json_secrets};
use crate::syntax::{is_error_text, is_error_uri, is_printable};
use std::borrow::Cow;

/// Headers that carry a provider's request id.
const REQUEST_ID_HEADERS: [&str; 3] = ["X-Request-Id", "Request-Id", "X-Correlation-Id"];

/// The RFC 6749 error code in a parsed body, if it has one: `error` as a
/// string of the §5.2 syntax (`1*NQSCHAR`).
pub(crate) fn oauth_error_code<'b>(body: &'b Members<'_>) -> Option<&'b str> {
    body.get("error")
        .and_then(Shallow::as_str)
        .filter(|code| is_error_text(code))
}

/// Reads the body as a JSON object, if it is one.
pub(crate) fn json_object(response: &HttpResponse) -> Option<Members<'_>> {
    Members::parse(&response.body)
}

/// The error a response stands for. `source` says which endpoint answered,
/// so that statuses and codes get the meaning the profile gives them.
pub(crate) fn error_from_response(
    profile: &Profile,
    source: ResponseSource,
    now: u64,
    response: &HttpResponse,
) -> Error {
    let status = response.status;
    let body = json_object(response);
    let mut provider = body.as_ref().map(provider_error).unwrap_or_default();
    if provider.request_id.is_none() {
        provider.request_id = REQUEST_ID_HEADERS
            .iter()
            .find_map(|h| response.header(h))
            .filter(|id| is_printable(id))
            .map(str::to_owned);
    }
    // RFC 6750 §3: resource servers send their errors in the challenge.
    let challenge = match source {
        ResponseSource::Api => bearer_error(response),
        _ => None,
    };
    if let Some(challenge) = &challenge {
        provider.code = provider.code.or_else(|| Some(challenge.code.clone()));
        provider.description = provider
            .description
            .or_else(|| challenge.description.clone());
        provider.uri = provider.uri.or_else(|| challenge.uri.clone());
    }
    let oauth_code = body
        .as_ref()
        .and_then(oauth_error_code)
        .or(challenge.as_ref().map(|c| c.code.as_str()));
    let kind = match oauth_code {
        Some(code) if source == ResponseSource::Api => api_error_kind(code),
        Some(code) => ErrorKind::from_oauth_code(code),
        None if status == 429 => ErrorKind::RateLimited,
        None => profile
            .status_kind(source, status)
            .unwrap_or_else(|| kind_for_status(source, status)),
    };
    let message = describe(status, oauth_code.is_some(), body.is_some(), response);
    let mut needed_scope = None;
    let insufficient_scope =
        source == ResponseSource::Api && oauth_code == Some("insufficient_scope");
    let mut action = action_for(profile, source, kind);
    if insufficient_scope {
        // RFC 6750 §3.1: the token lacks the scope the resource needs, and
        // the challenge may name it. Only a new grant with that scope helps:
        // the user's consent, or, for a client acting on its own behalf, a
        // configuration that asks for it.
        needed_scope = challenge.as_ref().and_then(|c| c.scope.as_deref());
        action = if profile.reauthentication() == Reauthentication::Never {
            Action::AuthorizeAgain
        } else {
            Action::FixConfiguration
        };
    }
    let error = Error::new(kind, message)
        .with_action(action)
        .with_retry_after(retry_after(response, now))
        .with_status(status)
        .with_provider(provider)
        .with_detail(needed_scope.map(|scope| format!("the API asks for the scope \"{scope}\"")));
    // Tokens sent beside the error (a confused server) are secrets too.
    let tokens = body.as_ref().map(json_secrets).unwrap_or_default();
    let tokens: Vec<&str> = tokens.iter().map(|s| s.as_str()).collect();
    error.without(&tokens)
}

impl Client {
    /// The error a response to this client stands for ([`error_from_response`]),
    /// without the client's own secret: a provider may echo it.
    pub(crate) fn error_from_response(
        &self,
        source: ResponseSource,
        now: u64,
        response: &HttpResponse,
    ) -> Error {
        let error = error_from_response(self.profile(), source, now, response);
        #[cfg(feature = "confidential")]
        if let (Some(secret), Some(sent)) = (self.client_secret(), self.secret_as_sent()) {
            // As sent: itself, form-encoded (most secrets read the same
            // that way, and need not be looked for twice), or inside Basic
            // credentials.
            let secrets = [
                sent.form_encoded.secret(),
                sent.basic.secret(),
                secret.secret(),
            ];
            let plain = secrets[0] == secrets[2];
            return error.without(&secrets[..if plain { 2 } else { 3 }]);
        }
        error
    }
}

/// RFC 6750 §3.1 error codes, which resource servers send.
fn api_error_kind(code: &str) -> ErrorKind {
    match code {
        "invalid_token" => ErrorKind::Unauthorized,
        "insufficient_scope" => ErrorKind::Forbidden,
        other => ErrorKind::from_oauth_code(other),
    }
}

/// The RFC 6750 §3 error of a `WWW-Authenticate: Bearer` challenge.
struct BearerError {
    code: String,
    description: Option<String>,
    uri: Option<String>,
    /// The scope the resource needs (RFC 6750 §3, `insufficient_scope`).
    scope: Option<String>,
}

/// The error of the first Bearer challenge (scheme in any case, in any
/// position, on any field line) that carries one of the RFC 6750 §3
/// syntax; a header that is not a valid challenge list carries none.
fn bearer_error(response: &HttpResponse) -> Option<BearerError> {
    let challenges = response.challenges().ok()?;
    // RFC 9449 §7.1: a DPoP challenge carries its errors the same way.
    challenges
        .iter()
        .filter(|c| c.is_scheme("Bearer") || (cfg!(feature = "dpop") && c.is_scheme("DPoP")))
        .find_map(|challenge: &Challenge| {
            let code = challenge.param("error").filter(|c| is_error_text(c))?;
            Some(BearerError {
                code: code.to_owned(),
                description: challenge
                    .param("error_description")
                    .filter(|d| is_error_text(d))
                    .map(str::to_owned),
                uri: challenge
                    .param("error_uri")
                    .filter(|u| is_error_uri(u))
                    .map(str::to_owned),
                scope: challenge
                    .param("scope")
                    .filter(|s| is_error_text(s))
                    .map(str::to_owned),
            })
        })
}

/// What a status means when neither the body nor the profile says: the
/// HTTP-status kinds, never an OAuth code the server did not send.
fn kind_for_status(source: ResponseSource, status: u16) -> ErrorKind {
    let bearer_authenticated = matches!(source, ResponseSource::Api);
    match status {
        200..=299 => ErrorKind::InvalidResponse,
        401 if bearer_authenticated => ErrorKind::Unauthorized,
        403 if bearer_authenticated => ErrorKind::Forbidden,
        429 => ErrorKind::RateLimited,
        400..=499 => ErrorKind::ClientStatus,
        500..=599 => ErrorKind::ServerStatus,
        _ => ErrorKind::UnexpectedStatus,
    }
}

/// What to do about an error of `kind` from `source`, for this provider.
pub(crate) fn action_for(profile: &Profile, source: ResponseSource, kind: ErrorKind) -> Action {
    let reauthenticates = profile.reauthentication() != Reauthentication::Never;
    // access_denied is an authorization-endpoint code (RFC 6749 §4.1.2.1):
    // the user declined. From any other endpoint nobody was asked; the
    // server refuses what this request carries, so it is read like
    // invalid_grant for that grant: the grant behind a code or a refresh
    // token is withdrawn (never sent again), a client may not use client
    // credentials or a password, and an API refuses the call.
    let refused_grant = matches!(kind, ErrorKind::InvalidGrant | ErrorKind::AccessDenied);
    match (kind, source) {
        (_, ResponseSource::Token(GrantType::RefreshToken)) if refused_grant => {
            if reauthenticates {
                Action::Reauthenticate
            } else {
                Action::AuthorizeAgain
            }
        }
        (_, ResponseSource::Token(GrantType::ClientCredentials | GrantType::Password))
            if refused_grant =>
        {
            Action::FixConfiguration
        }
        (ErrorKind::AccessDenied, ResponseSource::Token(GrantType::AuthorizationCode)) => {
            Action::AuthorizeAgain
        }
        (ErrorKind::AccessDenied, ResponseSource::TokenManagement) => Action::FixConfiguration,
        (ErrorKind::AccessDenied, ResponseSource::Api) => Action::Report,
        // A client-authenticated endpoint refusing without saying why: the
        // request or the client's credentials are wrong, as RFC 6749 §5.2
        // says of 400 and 401; sending it again will not help.
        (ErrorKind::ClientStatus, ResponseSource::Token(_) | ResponseSource::TokenManagement) => {
            Action::FixConfiguration
        }
        (ErrorKind::Unauthorized, ResponseSource::Api) => {
            if profile.supports_refresh() {
                Action::Refresh
            } else if reauthenticates {
                Action::Reauthenticate
            } else {
                Action::AuthorizeAgain
            }
        }
        _ => crate::error::default_action(kind),
    }
}

/// The provider's own words, from whichever shape the body has. Only
/// strings of the documented shapes count, and only printable ones (RFC
/// 6749's of its §5.2 syntax): a number or an object where a code belongs
/// is not a code.
fn provider_error(body: &Members) -> ProviderError {
    let printable = |map: &Members, key: &str| -> Option<String> {
        match map.get(key)? {
            Shallow::String(s) if is_printable(s) => Some(s.to_string()),
            Shallow::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    // Makini: {"error": {"code", "type", "message", "request_id"}}.
    if let Some(inner) = body.get("error").and_then(Shallow::members) {
        let inner = &inner;
        return ProviderError {
            code: printable(inner, "code").or_else(|| printable(inner, "type")),
            description: printable(inner, "message"),
            uri: None,
            request_id: printable(inner, "request_id").or_else(|| printable(body, "request_id")),
        };
    }
    // MakeShift: {"errors": [{"title", "status_code"}]}.
    if let Some(errors) = body.get("errors").and_then(Shallow::items) {
        let errors: Vec<Option<Members>> = errors.iter().map(Shallow::members).collect();
        let titles: Vec<String> = errors
            .iter()
            .flatten()
            .filter_map(|e| printable(e, "title").or_else(|| printable(e, "detail")))
            .collect();
        return ProviderError {
            code: errors
                .first()
                .and_then(Option::as_ref)
                .and_then(|e| printable(e, "code")),
            description: (!titles.is_empty()).then(|| titles.join("; ")),
            uri: None,
            request_id: printable(body, "request_id"),
        };
    }
    // RFC 6749 §5.2; a body without a valid `error` has no code, but its
    // `message` (a common framework shape) is still worth showing.
    let rfc_text = |key: &str, valid: fn(&str) -> bool| {
        body.get(key)
            .and_then(Shallow::as_str)
            .filter(|s| valid(s))
            .map(str::to_owned)
    };
    ProviderError {
        code: oauth_error_code(body).map(str::to_owned),
        description: rfc_text("error_description", is_error_text)
            .or_else(|| printable(body, "message")),
        uri: rfc_text("error_uri", is_error_uri),
        request_id: printable(body, "request_id"),
    }
}

/// This crate's words for what came back (nothing of the body's content;
/// the status is shown by the error itself).
fn describe(
    status: u16,
    has_oauth_code: bool,
    is_json: bool,
    response: &HttpResponse,
) -> Cow<'static, str> {
    match (has_oauth_code, is_json) {
        (true, _) if (200..300).contains(&status) => {
            "the provider sent an OAuth error with a success status".into()
        }
        (true, _) | (false, true) => "the provider refused the request".into(),
        (false, false) => format!("the provider answered with {}", body_kind(response)).into(),
    }
}

/// A word on a body that is not a JSON object.
pub(crate) fn body_kind(response: &HttpResponse) -> &'static str {
    let trimmed = response.body.trim_ascii_start();
    let content_type = response.header("Content-Type").unwrap_or_default();
    if trimmed.is_empty() {
        "an empty body"
    } else if trimmed.starts_with(b"<") || find(content_type, "html").is_some() {
        "an HTML page instead of JSON"
    } else if find(content_type, "json").is_some()
        || trimmed.starts_with(b"{")
        || trimmed.starts_with(b"[")
    {
        "a malformed or truncated JSON body"
    } else {
        "a body that is not JSON"
    }
}

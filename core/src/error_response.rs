//! Reading a failed response into an [`Error`], once for every endpoint and
//! every provider: RFC 6749 §5.2 bodies (also with status 200), Makini's
//! `{"error":{code,type,message,request_id}}`, MakeShift's
//! `{"errors":[{title,status_code}]}`, HTML, empty and truncated bodies.

use crate::client::Client;
use crate::clock::retry_after;
use crate::error::{Action, Error, ErrorKind, ProviderError};
use crate::http::HttpResponse;
use crate::json::{Object, Value};
use crate::profile::{GrantType, Profile, Reauthentication, ResponseSource};
use crate::redact::json_secrets;

/// Headers that carry a provider's request id.
const REQUEST_ID_HEADERS: [&str; 3] = ["X-Request-Id", "Request-Id", "X-Correlation-Id"];

/// The RFC 6749 error code in a parsed body, if it has one (`error` as a string).
pub(crate) fn oauth_error_code(body: &Object) -> Option<&str> {
    body.get("error").and_then(Value::as_str)
}

/// Reads the body as a JSON object, if it is one.
pub(crate) fn json_object(response: &HttpResponse) -> Option<Object> {
    crate::json::parse_object(&response.body)
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
            .map(str::to_owned);
    }
    let challenge = bearer_challenge_error(response);
    if provider.code.is_none() {
        provider.code = challenge.clone();
    }
    let oauth_code = body
        .as_ref()
        .and_then(oauth_error_code)
        .or(challenge.as_deref());
    let kind = match oauth_code {
        Some(code) if source == ResponseSource::Api => api_error_kind(code),
        Some(code) => ErrorKind::from_oauth_code(code),
        None if status == 429 => ErrorKind::RateLimited,
        None => profile
            .status_kind(source, status)
            .unwrap_or_else(|| kind_for_status(source, status)),
    };
    let message = describe(status, oauth_code.is_some(), body.is_some(), response);
    let error = Error::new(kind, message)
        .with_action(action_for(profile, source, kind))
        .with_retry_after(retry_after(response, now))
        .with_status(status)
        .with_provider(provider);
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
        if let Some(secret) = self.client_secret() {
            // As sent: itself, form-encoded, or inside Basic credentials.
            let encoded = crate::client::form_encode(secret.secret());
            let basic = self.apply_client_auth(
                crate::profile::ClientAuthMethod::ClientSecretBasic,
                &mut Vec::new(),
            );
            let credentials = basic
                .as_deref()
                .and_then(|header| header.split_once(' '))
                .map_or("", |(_, credentials)| credentials);
            return error.without(&[secret.secret(), &encoded, credentials]);
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

/// The `error` of a `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3).
fn bearer_challenge_error(response: &HttpResponse) -> Option<String> {
    let challenge = response.header("WWW-Authenticate")?;
    let params = challenge.trim_start().strip_prefix("Bearer")?;
    params.split(',').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        (name.trim() == "error").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// What a status means when neither the body nor the profile says.
fn kind_for_status(source: ResponseSource, status: u16) -> ErrorKind {
    let client_authenticated = !matches!(source, ResponseSource::Api);
    match status {
        200..=299 => ErrorKind::InvalidResponse,
        400 if client_authenticated => ErrorKind::InvalidRequest,
        401 if client_authenticated => ErrorKind::InvalidClient,
        401 => ErrorKind::Unauthorized,
        403 if !client_authenticated => ErrorKind::Forbidden,
        429 => ErrorKind::RateLimited,
        400..=499 => ErrorKind::ClientStatus,
        500..=599 => ErrorKind::ServerStatus,
        _ => ErrorKind::UnexpectedStatus,
    }
}

/// What to do about an error of `kind` from `source`, for this provider.
pub(crate) fn action_for(profile: &Profile, source: ResponseSource, kind: ErrorKind) -> Action {
    let reauthenticates = profile.reauthentication() != Reauthentication::None;
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
        (ErrorKind::AccessDenied, ResponseSource::Api) => Action::None,
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

/// The provider's own words, from whichever shape the body has.
fn provider_error(body: &Object) -> ProviderError {
    let text = |map: &Object, key: &str| -> Option<String> {
        match map.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    // Makini: {"error": {"code", "type", "message", "request_id"}}.
    if let Some(Value::Object(inner)) = body.get("error") {
        return ProviderError {
            code: text(inner, "code").or_else(|| text(inner, "type")),
            description: text(inner, "message"),
            uri: None,
            request_id: text(inner, "request_id").or_else(|| text(body, "request_id")),
        };
    }
    // MakeShift: {"errors": [{"title", "status_code"}]}.
    if let Some(Value::Array(errors)) = body.get("errors") {
        let titles: Vec<String> = errors
            .iter()
            .filter_map(|e| {
                e.as_object()
                    .and_then(|e| text(e, "title").or_else(|| text(e, "detail")))
            })
            .collect();
        return ProviderError {
            code: errors
                .first()
                .and_then(Value::as_object)
                .and_then(|e| text(e, "code")),
            description: (!titles.is_empty()).then(|| titles.join("; ")),
            uri: None,
            request_id: text(body, "request_id"),
        };
    }
    // RFC 6749 §5.2, or a flat {"code", "message"} body.
    ProviderError {
        code: text(body, "error").or_else(|| text(body, "code")),
        description: text(body, "error_description").or_else(|| text(body, "message")),
        uri: text(body, "error_uri"),
        request_id: text(body, "request_id"),
    }
}

/// This crate's words for what came back (nothing of the body's content;
/// the status is shown by the error itself).
fn describe(status: u16, has_oauth_code: bool, is_json: bool, response: &HttpResponse) -> String {
    match (has_oauth_code, is_json) {
        (true, _) if (200..300).contains(&status) => {
            "the provider sent an OAuth error with a success status".to_owned()
        }
        (true, _) => "the provider sent an OAuth error".to_owned(),
        (false, true) => "the provider refused the request".to_owned(),
        (false, false) => format!("the provider answered with {}", body_kind(response)),
    }
}

/// A word on a body that is not a JSON object.
pub(crate) fn body_kind(response: &HttpResponse) -> &'static str {
    let trimmed = response.body.trim_ascii_start();
    let content_type = response.header("Content-Type").unwrap_or_default();
    if trimmed.is_empty() {
        "an empty body"
    } else if trimmed.starts_with(b"<") || content_type.contains("html") {
        "an HTML page instead of JSON"
    } else if content_type.contains("json")
        || trimmed.starts_with(b"{")
        || trimmed.starts_with(b"[")
    {
        "a malformed or truncated JSON body"
    } else {
        "a body that is not JSON"
    }
}

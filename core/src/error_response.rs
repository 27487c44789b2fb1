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
use crate::json::{self, Members, Shallow};
use crate::profile::{GrantType, Profile, Reauthentication, ResponseSource};
use crate::redact::{find, is_secret_param};
use crate::syntax::{is_error_text, is_error_uri, is_printable};
use std::borrow::Cow;

/// Headers that carry a provider's request id.
const REQUEST_ID_HEADERS: [&str; 3] = ["X-Request-Id", "Request-Id", "X-Correlation-Id"];

/// The RFC 6749 error code in a parsed body, if it has one: `error` as a
/// string of the §5.2 syntax (`1*NQSCHAR`).
pub(crate) fn oauth_error_code<'b>(body: &'b Members<'_>) -> Option<&'b str> {
    error_code(body.get("error"))
}

/// `error`'s value as an RFC 6749 error code, if it is a string of the
/// §5.2 syntax.
fn error_code<'b>(error: Option<&'b Shallow<'_>>) -> Option<&'b str> {
    error
        .and_then(Shallow::as_str)
        .filter(|code| is_error_text(code))
}

/// Reads the body as a JSON object, if it is one.
pub(crate) fn json_object(response: &HttpResponse) -> Option<Members<'_>> {
    Members::parse(&response.body)
}

/// An error body's members, read in one pass: those the provider's words
/// come from ([`provider_words`]), and the values of members named like
/// secret parameters (tokens a confused server sent beside the error).
/// The other members are checked and dropped: an error is read on every
/// failed response, and a map of them would cost more than the rest.
#[derive(Default)]
struct ErrorMembers<'a> {
    error: Option<Shallow<'a>>,
    error_description: Option<Shallow<'a>>,
    error_uri: Option<Shallow<'a>>,
    message: Option<Shallow<'a>>,
    request_id: Option<Shallow<'a>>,
    errors: Option<Shallow<'a>>,
    /// The values of members named like secret parameters.
    secrets: Vec<Cow<'a, str>>,
    /// The names of the other members, to refuse one named twice.
    others: Vec<Cow<'a, str>>,
}

impl<'a> ErrorMembers<'a> {
    /// Reads a body that must be a JSON object; `None` as
    /// [`Members::parse`] would refuse it (a repeated member name
    /// included).
    fn read(body: &'a [u8]) -> Option<ErrorMembers<'a>> {
        let mut members = ErrorMembers::default();
        json::read_object(body, &mut |name, value| {
            let slot = match &*name {
                "error" => &mut members.error,
                "error_description" => &mut members.error_description,
                "error_uri" => &mut members.error_uri,
                "message" => &mut members.message,
                "request_id" => &mut members.request_id,
                "errors" => &mut members.errors,
                _ => {
                    match value {
                        Shallow::String(secret) if is_secret_param(&name) => {
                            members.secrets.push(secret)
                        }
                        other => json::wipe(other),
                    }
                    members.others.push(name);
                    return Some(());
                }
            };
            json::fill(slot, value)
        })?;
        (!json::repeats(&members.others, |name| name)).then_some(members)
    }

    /// The RFC 6749 error code, as [`oauth_error_code`] reads it.
    fn code(&self) -> Option<&str> {
        error_code(self.error.as_ref())
    }
}

impl Drop for ErrorMembers<'_> {
    /// Wipes what the reader had to copy (it had escapes): a description
    /// may quote a token, and the secrets are tokens.
    fn drop(&mut self) {
        for slot in [
            &mut self.error,
            &mut self.error_description,
            &mut self.error_uri,
            &mut self.message,
            &mut self.request_id,
        ] {
            slot.take().map(json::wipe);
        }
        for secret in self.secrets.drain(..) {
            json::wipe(Shallow::String(secret));
        }
    }
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
    let body = ErrorMembers::read(&response.body);
    let body_code = body.as_ref().and_then(ErrorMembers::code);
    // RFC 6750 §3: resource servers send their errors in the challenge.
    let challenge = match source {
        ResponseSource::Api => bearer_error(response),
        _ => None,
    };
    let mut words = body
        .as_ref()
        .map(|body| provider_words(body, body_code))
        .unwrap_or_default();
    if words.request_id.is_none() {
        words.request_id = REQUEST_ID_HEADERS
            .iter()
            .find_map(|h| response.header(h))
            .filter(|id| is_printable(id))
            .map(Cow::Borrowed);
    }
    if let Some(challenge) = &challenge {
        words.code = words.code.or(Some(Cow::Borrowed(&challenge.code)));
        words.description = words
            .description
            .or_else(|| challenge.description.as_deref().map(Cow::Borrowed));
        words.uri = words
            .uri
            .or_else(|| challenge.uri.as_deref().map(Cow::Borrowed));
    }
    let oauth_code = body_code.or(challenge.as_ref().map(|c| c.code.as_str()));
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
        .with_provider(ProviderError::new(
            words.code.as_deref(),
            words.description.as_deref(),
            words.uri.as_deref(),
            words.request_id.as_deref(),
        ))
        .with_detail(
            needed_scope.map(|scope| ["the API asks for the scope \"", scope, "\""].concat()),
        );
    // Tokens sent beside the error (a confused server) are secrets too.
    match &body {
        Some(body) if !body.secrets.is_empty() => {
            let tokens: Vec<&str> = body.secrets.iter().map(|s| &**s).collect();
            error.without(&tokens)
        }
        _ => error,
    }
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

/// The provider's own words, as [`ProviderError`] keeps them, borrowed
/// from the response where they can be.
#[derive(Default)]
struct ProviderWords<'a> {
    code: Option<Cow<'a, str>>,
    description: Option<Cow<'a, str>>,
    uri: Option<Cow<'a, str>>,
    request_id: Option<Cow<'a, str>>,
}

/// The provider's own words, from whichever shape the body has. Only
/// strings of the documented shapes count, and only printable ones (RFC
/// 6749's of its §5.2 syntax): a number or an object where a code belongs
/// is not a code. `oauth_code` is the body's RFC 6749 code
/// ([`ErrorMembers::code`]).
fn provider_words<'a>(body: &ErrorMembers<'a>, oauth_code: Option<&'a str>) -> ProviderWords<'a> {
    let printable = |value: Option<&Shallow<'a>>| -> Option<Cow<'a, str>> {
        match value? {
            Shallow::String(s) if is_printable(s) => Some(s.clone()),
            Shallow::Number(n) => Some(Cow::Borrowed(n)),
            _ => None,
        }
    };
    let member = |map: &Members<'a>, key: &str| printable(map.get(key));
    let request_id = || printable(body.request_id.as_ref());
    // Makini: {"error": {"code", "type", "message", "request_id"}}.
    if let Some(inner) = body.error.as_ref().and_then(Shallow::members) {
        let inner = &inner;
        return ProviderWords {
            code: member(inner, "code").or_else(|| member(inner, "type")),
            description: member(inner, "message"),
            uri: None,
            request_id: member(inner, "request_id").or_else(request_id),
        };
    }
    // MakeShift: {"errors": [{"title", "status_code"}]}.
    if let Some(errors) = body.errors.as_ref().and_then(Shallow::items) {
        let errors: Vec<Option<Members>> = errors.iter().map(Shallow::members).collect();
        let titles: Vec<Cow<str>> = errors
            .iter()
            .flatten()
            .filter_map(|e| member(e, "title").or_else(|| member(e, "detail")))
            .collect();
        return ProviderWords {
            code: errors
                .first()
                .and_then(Option::as_ref)
                .and_then(|e| member(e, "code")),
            description: (!titles.is_empty()).then(|| Cow::Owned(titles.join("; "))),
            uri: None,
            request_id: request_id(),
        };
    }
    // RFC 6749 §5.2; a body without a valid `error` has no code, but its
    // `message` (a common framework shape) is still worth showing.
    let rfc_text = |value: &Option<Shallow<'a>>, valid: fn(&str) -> bool| match value {
        Some(Shallow::String(s)) if valid(s) => Some(s.clone()),
        _ => None,
    };
    ProviderWords {
        code: oauth_code.map(Cow::Borrowed),
        description: rfc_text(&body.error_description, is_error_text)
            .or_else(|| printable(body.message.as_ref())),
        uri: rfc_text(&body.error_uri, is_error_uri),
        request_id: request_id(),
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
        (false, false) => ["the provider answered with ", body_kind(response)]
            .concat()
            .into(),
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

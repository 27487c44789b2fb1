//! The one error type of the library: what went wrong ([`ErrorKind`]), what
//! the caller should do about it ([`Action`]), and what the provider said.
//!
//! Messages are written by this crate from non-secret facts only (names of
//! fields, statuses, lengths); a secret value never reaches an [`Error`].

use std::borrow::Cow;
use std::fmt;

/// What went wrong. `as_str()` gives the stable snake_case name used in the
/// golden vectors and by every binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// RFC 6749 `invalid_request`.
    InvalidRequest,
    /// RFC 6749 `invalid_client`: client authentication failed.
    InvalidClient,
    /// RFC 6749 `invalid_grant`: the code or refresh token is invalid, expired or revoked.
    InvalidGrant,
    /// RFC 6749 `unauthorized_client`.
    UnauthorizedClient,
    /// RFC 6749 `unsupported_grant_type`.
    UnsupportedGrantType,
    /// RFC 6749 `invalid_scope`; also RFC 8707 §2's `invalid_target` (with
    /// the `resources` feature): the resource or audience asked for is
    /// invalid, unknown or not allowed, which, like a scope, only a new
    /// configuration mends. [`ProviderError::code`] keeps which it was.
    InvalidScope,
    /// RFC 6749 `access_denied`: the user or server refused the authorization.
    AccessDenied,
    /// RFC 6749 `unsupported_response_type`.
    UnsupportedResponseType,
    /// RFC 6749 `server_error`.
    ServerError,
    /// RFC 6749 `temporarily_unavailable`.
    TemporarilyUnavailable,
    /// An OAuth error code outside RFC 6749 (kept in [`ProviderError::code`]).
    OtherOauthError,
    /// The callback's `state` does not match the pending authorization's.
    StateMismatch,
    /// The callback carries neither a `code` nor an `error`.
    MissingCode,
    /// The callback carries no `state` although one was sent.
    MissingState,
    /// A callback parameter appears more than once (RFC 6749 §3.1).
    DuplicateParameter,
    /// The pending authorization is older than its maximum age.
    PendingExpired,
    /// The callback's `iss` is not the expected issuer (RFC 9207), or a code
    /// exchange would go to another server than the one the authorization
    /// was made with (RFC 9700 §4.4, mix-up).
    IssuerMismatch,
    /// The callback has no `iss` although the profile requires it (RFC 9207).
    MissingIssuer,
    /// The callback of a code request carries `access_token`, `id_token`,
    /// `token` or `refresh_token`: an implicit or hybrid response nobody
    /// asked for (RFC 9700 §2.1.2).
    TokenInCallback,
    /// The pending authorization was already used once in this process
    /// (RFC 6749 §4.1.2, RFC 9700 §4.2.4): a replayed redirect.
    PendingAlreadyUsed,
    /// HTTP 401 from an API or token-info endpoint: the access token is not accepted.
    Unauthorized,
    /// HTTP 403 from an API: the token lacks the rights.
    Forbidden,
    /// HTTP 429, or a provider's rate-limit error.
    RateLimited,
    /// Another HTTP 4xx status with no OAuth error code in the body.
    ClientStatus,
    /// An HTTP 5xx status with no OAuth error code in the body.
    ServerStatus,
    /// An HTTP status the flow does not expect (1xx, 3xx).
    UnexpectedStatus,
    /// The request could not be sent or no response came back.
    Transport,
    /// No complete response came back in the time the transport allows.
    /// A transport failure of its own, because the request may have reached
    /// the provider (a renewal may have been carried out there); the action
    /// is still retry.
    Timeout,
    /// The token store shared by several processes (see [`crate::fleet`]) did
    /// not answer.
    StoreUnavailable,
    /// The response could not be understood: not JSON, truncated, a field missing or of the wrong type.
    InvalidResponse,
    /// The caller's configuration or input is wrong: a URL, a missing endpoint, short entropy.
    Configuration,
    /// The session has no usable token and no way to get one without the user.
    AuthorizationRequired,
    /// A stored value (pending authorization, token set) is corrupt, of an unknown version, or not this client's.
    InvalidStoredValue,
    /// RFC 8628 §3.5 `expired_token`: the device code expired before the
    /// user authorized (the provider said so, or its `expires_in` passed).
    ExpiredToken,
    /// An OpenID Connect ID token failed a check of OpenID Connect Core 1.0
    /// §3.1.3.7 or §12.2 (signature, issuer, audience, expiry, nonce, ...):
    /// the message names the check, never the token.
    IdTokenInvalid,
}

/// The groups of kinds a binding maps to its exception classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorFamily {
    /// An RFC 6749 error code from the provider.
    OAuth,
    /// The redirect back from the provider failed its checks.
    Callback,
    /// An HTTP status without an OAuth error code.
    Http,
    /// No answer came back (from the provider, or from a shared token store).
    Transport,
    /// The answer could not be understood.
    InvalidResponse,
    /// The caller's configuration or input is wrong.
    Configuration,
    /// Only the user can grant new tokens.
    AuthorizationRequired,
    /// A stored value could not be read.
    InvalidStoredValue,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 35] = [
        ErrorKind::InvalidRequest,
        ErrorKind::InvalidClient,
        ErrorKind::InvalidGrant,
        ErrorKind::UnauthorizedClient,
        ErrorKind::UnsupportedGrantType,
        ErrorKind::InvalidScope,
        ErrorKind::AccessDenied,
        ErrorKind::UnsupportedResponseType,
        ErrorKind::ServerError,
        ErrorKind::TemporarilyUnavailable,
        ErrorKind::OtherOauthError,
        ErrorKind::StateMismatch,
        ErrorKind::MissingCode,
        ErrorKind::MissingState,
        ErrorKind::DuplicateParameter,
        ErrorKind::PendingExpired,
        ErrorKind::IssuerMismatch,
        ErrorKind::MissingIssuer,
        ErrorKind::TokenInCallback,
        ErrorKind::PendingAlreadyUsed,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::RateLimited,
        ErrorKind::ClientStatus,
        ErrorKind::ServerStatus,
        ErrorKind::UnexpectedStatus,
        ErrorKind::Transport,
        ErrorKind::Timeout,
        ErrorKind::StoreUnavailable,
        ErrorKind::InvalidResponse,
        ErrorKind::Configuration,
        ErrorKind::AuthorizationRequired,
        ErrorKind::InvalidStoredValue,
        ErrorKind::ExpiredToken,
        ErrorKind::IdTokenInvalid,
    ];

    /// The stable snake_case name, e.g. `"invalid_grant"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::InvalidClient => "invalid_client",
            ErrorKind::InvalidGrant => "invalid_grant",
            ErrorKind::UnauthorizedClient => "unauthorized_client",
            ErrorKind::UnsupportedGrantType => "unsupported_grant_type",
            ErrorKind::InvalidScope => "invalid_scope",
            ErrorKind::AccessDenied => "access_denied",
            ErrorKind::UnsupportedResponseType => "unsupported_response_type",
            ErrorKind::ServerError => "server_error",
            ErrorKind::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorKind::OtherOauthError => "other_oauth_error",
            ErrorKind::StateMismatch => "state_mismatch",
            ErrorKind::MissingCode => "missing_code",
            ErrorKind::MissingState => "missing_state",
            ErrorKind::DuplicateParameter => "duplicate_parameter",
            ErrorKind::PendingExpired => "pending_expired",
            ErrorKind::IssuerMismatch => "issuer_mismatch",
            ErrorKind::MissingIssuer => "missing_issuer",
            ErrorKind::TokenInCallback => "token_in_callback",
            ErrorKind::PendingAlreadyUsed => "pending_already_used",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::ClientStatus => "client_status",
            ErrorKind::ServerStatus => "server_status",
            ErrorKind::UnexpectedStatus => "unexpected_status",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::StoreUnavailable => "store_unavailable",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::Configuration => "configuration",
            ErrorKind::AuthorizationRequired => "authorization_required",
            ErrorKind::InvalidStoredValue => "invalid_stored_value",
            ErrorKind::ExpiredToken => "expired_token",
            ErrorKind::IdTokenInvalid => "id_token_invalid",
        }
    }

    /// The kind for a snake_case name, the inverse of [`ErrorKind::as_str`].
    pub fn parse(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The family a binding groups this kind under.
    pub fn family(self) -> ErrorFamily {
        match self {
            kind if kind.is_oauth_code()
                || matches!(kind, ErrorKind::OtherOauthError | ErrorKind::ExpiredToken) =>
            {
                ErrorFamily::OAuth
            }
            ErrorKind::StateMismatch
            | ErrorKind::MissingCode
            | ErrorKind::MissingState
            | ErrorKind::DuplicateParameter
            | ErrorKind::PendingExpired
            | ErrorKind::IssuerMismatch
            | ErrorKind::MissingIssuer
            | ErrorKind::TokenInCallback
            | ErrorKind::PendingAlreadyUsed => ErrorFamily::Callback,
            ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::StoreUnavailable => {
                ErrorFamily::Transport
            }
            ErrorKind::InvalidResponse | ErrorKind::IdTokenInvalid => ErrorFamily::InvalidResponse,
            ErrorKind::Configuration => ErrorFamily::Configuration,
            ErrorKind::AuthorizationRequired => ErrorFamily::AuthorizationRequired,
            ErrorKind::InvalidStoredValue => ErrorFamily::InvalidStoredValue,
            _ => ErrorFamily::Http,
        }
    }

    /// The kind for an RFC 6749 §5.2 / §4.1.2.1 error code; unknown codes
    /// are [`ErrorKind::OtherOauthError`]. With the `resources` feature,
    /// RFC 8707's `invalid_target` is [`ErrorKind::InvalidScope`].
    pub fn from_oauth_code(code: &str) -> ErrorKind {
        // RFC 8707 §2 and RFC 8693 §2.2.2: the target (resource, audience)
        // is refused as a scope can be; the action is the same.
        #[cfg(feature = "resources")]
        if code == "invalid_target" {
            return ErrorKind::InvalidScope;
        }
        match ErrorKind::parse(code) {
            Some(kind) if kind.is_oauth_code() => kind,
            _ => ErrorKind::OtherOauthError,
        }
    }

    fn is_oauth_code(self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidRequest
                | ErrorKind::InvalidClient
                | ErrorKind::InvalidGrant
                | ErrorKind::UnauthorizedClient
                | ErrorKind::UnsupportedGrantType
                | ErrorKind::InvalidScope
                | ErrorKind::AccessDenied
                | ErrorKind::UnsupportedResponseType
                | ErrorKind::ServerError
                | ErrorKind::TemporarilyUnavailable
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the caller should do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Try the same operation again, after [`Error::retry_after`] seconds when given.
    Retry,
    /// Refresh the access token, then try again.
    Refresh,
    /// Get new tokens without the user (client credentials, MakeShift's password grant).
    Reauthenticate,
    /// Send the user through the authorization again.
    AuthorizeAgain,
    /// The user declined the authorization (`access_denied` on the
    /// redirect): tell them, and do not send them back on your own; only
    /// the user's own new attempt may start another authorization.
    UserDenied,
    /// The configuration or input is wrong; retrying will not help.
    FixConfiguration,
    /// Nothing to do automatically: report it.
    Report,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 7] = [
        Action::Retry,
        Action::Refresh,
        Action::Reauthenticate,
        Action::AuthorizeAgain,
        Action::UserDenied,
        Action::FixConfiguration,
        Action::Report,
    ];

    /// The stable snake_case name, e.g. `"authorize_again"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Retry => "retry",
            Action::Refresh => "refresh",
            Action::Reauthenticate => "reauthenticate",
            Action::AuthorizeAgain => "authorize_again",
            Action::UserDenied => "user_denied",
            Action::FixConfiguration => "fix_configuration",
            Action::Report => "report",
        }
    }

    /// The action for a snake_case name, the inverse of [`Action::as_str`].
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the provider said about an error, as it said it: its code,
/// description, URI and request id, each read with its accessor.
///
/// The texts are kept one after another in one string: an error is built
/// for every failed response, most are handled by their kind and dropped
/// unread, and one allocation instead of four is most of what building the
/// provider's words costs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProviderError {
    /// The texts present, one after another.
    texts: String,
    /// Where each text is in `texts` (start, end), in the order code,
    /// description, URI, request id; `None` for an absent one.
    spans: [Option<(usize, usize)>; 4],
}

impl ProviderError {
    /// The provider's words: its code, description, URI and request id,
    /// each kept if given.
    pub(crate) fn new(
        code: Option<&str>,
        description: Option<&str>,
        uri: Option<&str>,
        request_id: Option<&str>,
    ) -> ProviderError {
        let texts = [code, description, uri, request_id];
        let mut provider = ProviderError {
            texts: String::with_capacity(texts.iter().flatten().map(|text| text.len()).sum()),
            spans: [None; 4],
        };
        for (index, text) in texts.into_iter().enumerate() {
            provider.push(index, text);
        }
        provider
    }

    /// Keeps `text`, if given, as the text at `index` of [`Self::spans`].
    fn push(&mut self, index: usize, text: Option<&str>) {
        if let Some(text) = text {
            let start = self.texts.len();
            self.texts.push_str(text);
            self.spans[index] = Some((start, self.texts.len()));
        }
    }

    /// The text at `index` of [`Self::spans`], if given.
    fn text(&self, index: usize) -> Option<&str> {
        let (start, end) = self.spans[index]?;
        self.texts.get(start..end)
    }

    /// The provider's error code (`error` in RFC 6749, `code` in Makini's
    /// API errors).
    pub fn code(&self) -> Option<&str> {
        self.text(0)
    }

    /// The provider's human-readable description.
    pub fn description(&self) -> Option<&str> {
        self.text(1)
    }

    /// RFC 6749 `error_uri`.
    pub fn uri(&self) -> Option<&str> {
        self.text(2)
    }

    /// The provider's request id, from the body or an `X-Request-Id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.text(3)
    }

    fn is_empty(&self) -> bool {
        self.spans.iter().all(Option::is_none)
    }

    /// These words with each of `secrets` replaced wherever a text quotes
    /// it. All the texts are looked at in one scan per secret first: most
    /// quote none. (A match across two texts is only a reason to look at
    /// each text.)
    fn redact(&mut self, secrets: &[&str]) {
        if !crate::redact::quotes_any(&self.texts, secrets) {
            return;
        }
        let mut redacted = ProviderError {
            texts: String::with_capacity(self.texts.len()),
            spans: [None; 4],
        };
        for index in 0..self.spans.len() {
            let mut text = zeroize::Zeroizing::new(self.text(index).map(str::to_owned));
            if let Some(text) = &mut *text {
                crate::redact::redact(text, secrets);
            }
            redacted.push(index, text.as_deref());
        }
        let mut quoting = std::mem::replace(self, redacted);
        zeroize::Zeroize::zeroize(&mut quoting.texts);
    }
}

impl fmt::Debug for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderError")
            .field("code", &self.code())
            .field("description", &self.description())
            .field("uri", &self.uri())
            .field("request_id", &self.request_id())
            .finish()
    }
}

/// The error of every fallible operation in authflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

/// Boxed so that `Result<T, Error>` stays one pointer wide on the error side.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    action: Action,
    retry_after: Option<u64>,
    status: Option<u16>,
    provider: Option<ProviderError>,
    /// The core's own words: a `&'static str` written in this crate, or
    /// text built at run time (a transport's reason, a formatted check).
    message: Cow<'static, str>,
    /// More of the core's words, quoted after the provider's.
    detail: Option<String>,
}

impl Error {
    /// An error with the default action for its kind.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error(Box::new(Inner {
            kind,
            action: default_action(kind),
            retry_after: None,
            status: None,
            provider: None,
            message: message.into(),
            detail: None,
        }))
    }

    pub(crate) fn configuration(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::Configuration, message)
    }

    pub(crate) fn invalid_response(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::InvalidResponse, message)
    }

    /// This error as another kind, with that kind's default action.
    #[cfg(feature = "device")]
    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.0.kind = kind;
        self.0.action = default_action(kind);
        self
    }

    pub(crate) fn with_action(mut self, action: Action) -> Self {
        self.0.action = action;
        self
    }

    pub(crate) fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.0.retry_after = seconds;
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// Keeps what the provider said; [`Error::message`] quotes its code
    /// and description: a reader of the message alone learns what the
    /// provider said, not only that it refused.
    pub(crate) fn with_provider(mut self, provider: ProviderError) -> Self {
        self.0.provider = (!provider.is_empty()).then_some(provider);
        self
    }

    /// This error with `detail` added to its message.
    pub(crate) fn with_detail(mut self, detail: Option<String>) -> Self {
        if let Some(detail) = detail {
            match &mut self.0.detail {
                Some(text) => {
                    text.push_str("; ");
                    text.push_str(&detail);
                }
                none => *none = Some(detail),
            }
        }
        self
    }

    /// This error without the secrets `request` carried: wherever the
    /// provider's words (code, description, URI, request id) or this
    /// error's message (a transport's reason) quote one, it reads
    /// `[redacted]`. The core's own parsers already apply what they know
    /// (the client's secret, the tokens a refresh sends); a caller that
    /// sends a request and parses its answer applies this to the error, as
    /// every binding does.
    pub fn without_secrets_of(self, request: &crate::http::HttpRequest) -> Error {
        let secrets = request.secret_values();
        let secrets: Vec<&str> = secrets.iter().map(|s| s.as_str()).collect();
        self.without(&secrets)
    }

    /// This error with each of `secrets` replaced wherever its texts quote it.
    pub(crate) fn without(mut self, secrets: &[&str]) -> Self {
        if secrets.is_empty() {
            return self;
        }
        let inner = &mut *self.0;
        // A `&'static str` was written in this crate, before any secret
        // existed: only text built at run time can quote one.
        if let Cow::Owned(message) = &mut inner.message {
            crate::redact::redact(message, secrets);
        }
        if let Some(detail) = &mut inner.detail {
            crate::redact::redact(detail, secrets);
        }
        if let Some(provider) = &mut inner.provider {
            provider.redact(secrets);
        }
        self
    }

    /// The error a state machine keeps for a request that got no answer:
    /// only the transport's words and whether it timed out (no answer
    /// came, so nothing else, such as a dead token, can be known).
    pub(crate) fn from_transport(failure: &Error) -> Error {
        let kind = match failure.kind() {
            ErrorKind::Timeout => ErrorKind::Timeout,
            _ => ErrorKind::Transport,
        };
        Error::new(kind, failure.message().into_owned())
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// What the caller should do.
    pub fn action(&self) -> Action {
        self.0.action
    }

    /// Seconds to wait before retrying, from `Retry-After` (held between
    /// [`crate::RETRY_AFTER_FLOOR`] and [`crate::RETRY_AFTER_CEILING`]) or
    /// the session's back-off (1 s, doubling up to 5 minutes).
    pub fn retry_after(&self) -> Option<u64> {
        self.0.retry_after
    }

    /// The HTTP status of the response, when the error came from one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The provider's own code, description, URI and request id.
    pub fn provider(&self) -> Option<&ProviderError> {
        self.0.provider.as_ref()
    }

    /// This crate's description of the error, quoting the provider's code
    /// and description (never a secret: the secrets a request carried are
    /// redacted from the provider's words).
    ///
    /// Put together when asked: most errors are handled by their kind and
    /// action, and their message is never read.
    pub fn message(&self) -> Cow<'_, str> {
        let inner = &*self.0;
        let (code, description) = match &inner.provider {
            Some(provider) => (provider.code(), provider.description()),
            None => (None, None),
        };
        if code.is_none() && description.is_none() && inner.detail.is_none() {
            return Cow::Borrowed(&inner.message);
        }
        let mut message = String::new();
        message.push_str(&inner.message);
        // Pieces pushed rather than formatted: the browser package carries
        // no formatting for this.
        if let Some(code) = code {
            message.push_str(": ");
            message.push_str(code);
        }
        if let Some(description) = description {
            message.push_str(if code.is_some() { " (\"" } else { ": \"" });
            message.push_str(description);
            message.push_str(if code.is_some() { "\")" } else { "\"" });
        }
        if let Some(detail) = &inner.detail {
            message.push_str("; ");
            message.push_str(detail);
        }
        Cow::Owned(message)
    }

    /// The whole text `Display` writes: the kind, the [`message`], the
    /// HTTP status, the provider's request id, the action and when to
    /// retry. Put together without `core::fmt`, which the browser
    /// binding's module leaves out for its size.
    ///
    /// [`message`]: Error::message
    pub fn summary(&self) -> String {
        let inner = &*self.0;
        let mut text = [inner.kind.as_str(), ": ", &self.message()].concat();
        if let Some(status) = inner.status {
            text.push_str(" (HTTP ");
            crate::text::push_decimal(&mut text, u64::from(status));
            text.push(')');
        }
        // The message quotes the provider's code and description already.
        if let Some(request_id) = inner.provider.as_ref().and_then(ProviderError::request_id) {
            text.push_str(" [request id ");
            text.push_str(request_id);
            text.push(']');
        }
        text.push_str("; action: ");
        text.push_str(inner.action.as_str());
        if let Some(seconds) = inner.retry_after {
            text.push_str(" after ");
            crate::text::push_decimal(&mut text, seconds);
            text.push_str(" s");
        }
        text
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

impl std::error::Error for Error {}

/// The action for a kind when nothing more is known about the context;
/// the grant-aware rules live in `error_response::action_for` and `session`.
pub(crate) fn default_action(kind: ErrorKind) -> Action {
    match kind {
        ErrorKind::ServerError
        | ErrorKind::TemporarilyUnavailable
        | ErrorKind::RateLimited
        | ErrorKind::ServerStatus
        | ErrorKind::Transport
        | ErrorKind::Timeout
        | ErrorKind::StoreUnavailable
        | ErrorKind::InvalidResponse => Action::Retry,
        ErrorKind::InvalidRequest
        | ErrorKind::InvalidClient
        | ErrorKind::UnauthorizedClient
        | ErrorKind::UnsupportedGrantType
        | ErrorKind::InvalidScope
        | ErrorKind::UnsupportedResponseType
        | ErrorKind::Configuration
        | ErrorKind::UnexpectedStatus => Action::FixConfiguration,
        // RFC 6749 §4.1.2.1: on the redirect, the resource owner (or the
        // server for them) declined; the token endpoint's own
        // access_denied gets its action in `error_response::action_for`.
        ErrorKind::AccessDenied => Action::UserDenied,
        ErrorKind::InvalidGrant
        | ErrorKind::StateMismatch
        | ErrorKind::MissingCode
        | ErrorKind::MissingState
        | ErrorKind::DuplicateParameter
        | ErrorKind::PendingExpired
        | ErrorKind::IssuerMismatch
        | ErrorKind::MissingIssuer
        | ErrorKind::TokenInCallback
        | ErrorKind::PendingAlreadyUsed
        | ErrorKind::AuthorizationRequired
        | ErrorKind::InvalidStoredValue => Action::AuthorizeAgain,
        // RFC 8628 §3.5: the client may start a new device authorization
        // but should wait for the user to ask: a new user code means the
        // user goes through the authorization again, and nothing is to be
        // retried or renewed on the client's own.
        ErrorKind::ExpiredToken => Action::AuthorizeAgain,
        // The same response cannot pass on a retry, and the user's login is
        // not proven: only a new authorization (a new ID token, a new
        // nonce) can. A provider whose keys or issuer are misconfigured
        // shows as the same error each time, which the message names.
        ErrorKind::IdTokenInvalid => Action::AuthorizeAgain,
        ErrorKind::Unauthorized => Action::Refresh,
        ErrorKind::Forbidden | ErrorKind::ClientStatus | ErrorKind::OtherOauthError => {
            Action::Report
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::parse(kind.as_str()), Some(kind));
        }
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
    }

    #[test]
    fn families_group_the_kinds() {
        assert_eq!(ErrorKind::InvalidGrant.family(), ErrorFamily::OAuth);
        assert_eq!(ErrorKind::OtherOauthError.family(), ErrorFamily::OAuth);
        assert_eq!(ErrorKind::StateMismatch.family(), ErrorFamily::Callback);
        assert_eq!(ErrorKind::TokenInCallback.family(), ErrorFamily::Callback);
        assert_eq!(
            ErrorKind::PendingAlreadyUsed.family(),
            ErrorFamily::Callback
        );
        assert_eq!(ErrorKind::RateLimited.family(), ErrorFamily::Http);
        assert_eq!(ErrorKind::UnexpectedStatus.family(), ErrorFamily::Http);
        assert_eq!(ErrorKind::Transport.family(), ErrorFamily::Transport);
        assert_eq!(ErrorKind::ExpiredToken.family(), ErrorFamily::OAuth);
        assert_eq!(
            ErrorKind::parse("expired_token"),
            Some(ErrorKind::ExpiredToken)
        );
        assert_eq!(
            ErrorKind::InvalidStoredValue.family(),
            ErrorFamily::InvalidStoredValue
        );
    }

    #[test]
    fn oauth_codes_map_to_kinds_and_others_are_kept_apart() {
        assert_eq!(
            ErrorKind::from_oauth_code("invalid_grant"),
            ErrorKind::InvalidGrant
        );
        assert_eq!(
            ErrorKind::from_oauth_code("slow_down"),
            ErrorKind::OtherOauthError
        );
        assert_eq!(
            ErrorKind::from_oauth_code("state_mismatch"),
            ErrorKind::OtherOauthError
        );
    }

    /// RFC 8707 §2 / RFC 8693 §2.2.2: a refused target is fixed like a
    /// refused scope; the provider's code says which it was.
    #[cfg(feature = "resources")]
    #[test]
    fn invalid_target_reads_as_invalid_scope() {
        let kind = ErrorKind::from_oauth_code("invalid_target");
        assert_eq!(kind, ErrorKind::InvalidScope);
        assert_eq!(kind.family(), ErrorFamily::OAuth);
        assert_eq!(default_action(kind), Action::FixConfiguration);
    }

    /// A timeout is told apart from other transport failures, and a user's
    /// refusal from a lost grant (issue 13, items 17 and 18).
    #[test]
    fn timeout_is_a_kind_of_its_own_and_user_denied_an_action_of_its_own() {
        let kind_at = |name: &str| ErrorKind::ALL.iter().position(|k| k.as_str() == name);
        let timeout = ErrorKind::parse("timeout").expect("a timeout kind");
        assert_ne!(timeout, ErrorKind::Transport);
        assert_eq!(kind_at("timeout"), kind_at("transport").map(|at| at + 1));
        assert_eq!(timeout.family(), ErrorFamily::Transport);
        assert_eq!(default_action(timeout), Action::Retry);

        let action_at = |name: &str| Action::ALL.iter().position(|a| a.as_str() == name);
        let denied = Action::parse("user_denied").expect("a user_denied action");
        assert_ne!(denied, Action::AuthorizeAgain);
        assert_eq!(
            action_at("user_denied"),
            action_at("authorize_again").map(|at| at + 1)
        );
        assert_eq!(default_action(ErrorKind::AccessDenied), denied);
    }

    /// The message is put together from the core's words, the provider's
    /// and the detail when asked; every part built at run time is cleared
    /// of the secrets, wherever it sits.
    #[test]
    fn secrets_leave_every_part_of_the_message() {
        let secret = "rt-secret-1";
        let error = Error::new(
            ErrorKind::Transport,
            format!("reset while sending {secret}"),
        )
        .with_provider(ProviderError::new(
            Some("invalid_grant"),
            Some(&format!("token {secret} is dead")),
            Some(&format!("https://as.example/e?t={secret}")),
            Some(secret),
        ))
        .with_detail(Some(format!("the API asks for the scope \"{secret}\"")))
        .without(&[secret]);
        let provider = error.provider().unwrap();
        assert_eq!(
            error.message(),
            "reset while sending [redacted]: invalid_grant (\"token [redacted] is dead\"); \
             the API asks for the scope \"[redacted]\""
        );
        assert_eq!(provider.uri(), Some("https://as.example/e?t=[redacted]"));
        assert_eq!(provider.request_id(), Some("[redacted]"));
        assert!(!error.to_string().contains(secret) && !format!("{error:?}").contains(secret));
        // The core's own words, and no more: nothing is put together.
        let plain = Error::new(ErrorKind::InvalidGrant, "the provider refused the request");
        assert!(matches!(plain.message(), Cow::Borrowed(_)));
    }

    #[test]
    fn display_names_kind_status_provider_and_action() {
        let error = Error::new(ErrorKind::RateLimited, "too many requests")
            .with_status(429)
            .with_retry_after(Some(30))
            .with_provider(ProviderError::new(
                Some("rate_limited"),
                None,
                None,
                Some("req_7"),
            ));
        assert_eq!(
            error.to_string(),
            "rate_limited: too many requests: rate_limited (HTTP 429) [request id req_7]; action: retry after 30 s"
        );
    }
}

//! The binding's one error type. Every variant carries the same fields,
//! read from the core's [`authflowkit_core::Error`]; the variant only groups
//! kinds so that each language can catch a family (`except
//! authflowkit.AuthflowError.Http`, `catch (e: AuthflowException.Http)`,
//! `catch AuthflowError.http`). No field ever holds a secret: the core
//! writes its messages from non-secret facts only.

use authflowkit_core::{Action, Error, ErrorFamily, ErrorKind, ProviderError};

/// An authflow failure: what went wrong (`kind`), what to do about it
/// (`action`), when to retry, and what the provider said.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
pub enum AuthflowError {
    /// The provider answered with an OAuth error code (RFC 6749 §5.2 /
    /// §4.1.2.1, or one of its own).
    OAuth {
        /// What went wrong.
        kind: ErrorKind,
        /// What the caller should do.
        action: Action,
        /// authflow's description (never a secret).
        reason: String,
        /// Seconds to wait before retrying.
        retry_after: Option<u64>,
        /// The HTTP status, when the error came from a response.
        status: Option<u16>,
        /// The provider's error code.
        provider_code: Option<String>,
        /// The provider's description.
        provider_description: Option<String>,
        /// The provider's `error_uri`.
        provider_uri: Option<String>,
        /// The provider's request id.
        request_id: Option<String>,
    },
    /// The redirect back from the provider failed a check (state, issuer,
    /// age, a missing code, a repeated parameter).
    Callback {
        /// What went wrong.
        kind: ErrorKind,
        /// What the caller should do.
        action: Action,
        /// authflow's description (never a secret).
        reason: String,
        /// Seconds to wait before retrying.
        retry_after: Option<u64>,
        /// The HTTP status, when the error came from a response.
        status: Option<u16>,
        /// The provider's error code.
        provider_code: Option<String>,
        /// The provider's description.
        provider_description: Option<String>,
        /// The provider's `error_uri`.
        provider_uri: Option<String>,
        /// The provider's request id.
        request_id: Option<String>,
    },
    /// An HTTP status without an OAuth error code: 401, 403, 429, other
    /// 4xx, 5xx, unexpected statuses.
    Http {
        /// What went wrong.
        kind: ErrorKind,
        /// What the caller should do.
        action: Action,
        /// authflow's description (never a secret).
        reason: String,
        /// Seconds to wait before retrying.
        retry_after: Option<u64>,
        /// The HTTP status, when the error came from a response.
        status: Option<u16>,
        /// The provider's error code.
        provider_code: Option<String>,
        /// The provider's description.
        provider_description: Option<String>,
        /// The provider's `error_uri`.
        provider_uri: Option<String>,
        /// The provider's request id.
        request_id: Option<String>,
    },
    /// No response: the connection failed, was dropped or timed out.
    Transport {
        /// What went wrong.
        kind: ErrorKind,
        /// What the caller should do.
        action: Action,
        /// authflow's description (never a secret).
        reason: String,
        /// Seconds to wait before retrying.
        retry_after: Option<u64>,
        /// The HTTP status, when the error came from a response.
        status: Option<u16>,
        /// The provider's error code.
        provider_code: Option<String>,
        /// The provider's description.
        provider_description: Option<String>,
        /// The provider's `error_uri`.
        provider_uri: Option<String>,
        /// The provider's request id.
        request_id: Option<String>,
    },
    /// A response that could not be understood.
    InvalidResponse {
        /// What went wrong.
        kind: ErrorKind,
        /// What the caller should do.
        action: Action,
        /// authflow's description (never a secret).
        reason: String,
        /// Seconds to wait before retrying.
        retry_after: Option<u64>,
        /// The HTTP status, when the error came from a response.
        status: Option<u16>,
        /// The provider's error code.
        provider_code: Option<String>,
        /// The provider's description.
        provider_description: Option<String>,
        /// The provider's `error_uri`.
        provider_uri: Option<String>,
        /// The provider's request id.
        request_id: Option<String>,
    },
    /// The configuration or an input is wrong.
    Configuration {
        /// What went wrong.
        kind: ErrorKind,
        /// What the caller should do.
        action: Action,
        /// authflow's description (never a secret).
        reason: String,
        /// Seconds to wait before retrying.
        retry_after: Option<u64>,
        /// The HTTP status, when the error came from a response.
        status: Option<u16>,
        /// The provider's error code.
        provider_code: Option<String>,
        /// The provider's description.
        provider_description: Option<String>,
        /// The provider's `error_uri`.
        provider_uri: Option<String>,
        /// The provider's request id.
        request_id: Option<String>,
    },
    /// No usable token, and only the user can grant a new one.
    AuthorizationRequired {
        /// What went wrong.
        kind: ErrorKind,
        /// What the caller should do.
        action: Action,
        /// authflow's description (never a secret).
        reason: String,
        /// Seconds to wait before retrying.
        retry_after: Option<u64>,
        /// The HTTP status, when the error came from a response.
        status: Option<u16>,
        /// The provider's error code.
        provider_code: Option<String>,
        /// The provider's description.
        provider_description: Option<String>,
        /// The provider's `error_uri`.
        provider_uri: Option<String>,
        /// The provider's request id.
        request_id: Option<String>,
    },
    /// A stored value (pending authorization, token set) is corrupt or of
    /// an unknown version.
    InvalidStoredValue {
        /// What went wrong.
        kind: ErrorKind,
        /// What the caller should do.
        action: Action,
        /// authflow's description (never a secret).
        reason: String,
        /// Seconds to wait before retrying.
        retry_after: Option<u64>,
        /// The HTTP status, when the error came from a response.
        status: Option<u16>,
        /// The provider's error code.
        provider_code: Option<String>,
        /// The provider's description.
        provider_description: Option<String>,
        /// The provider's `error_uri`.
        provider_uri: Option<String>,
        /// The provider's request id.
        request_id: Option<String>,
    },
}

/// The fields every variant carries, for building and reading variants.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ErrorDetails {
    /// What went wrong.
    pub kind: ErrorKind,
    /// What the caller should do.
    pub action: Action,
    /// authflow's description (never a secret).
    pub reason: String,
    /// Seconds to wait before retrying.
    pub retry_after: Option<u64>,
    /// The HTTP status, when the error came from a response.
    pub status: Option<u16>,
    /// The provider's error code.
    pub provider_code: Option<String>,
    /// The provider's description.
    pub provider_description: Option<String>,
    /// The provider's `error_uri`.
    pub provider_uri: Option<String>,
    /// The provider's request id.
    pub request_id: Option<String>,
}

/// Builds one variant from the shared fields.
macro_rules! variant {
    ($variant:ident, $d:expr) => {{
        let d = $d;
        AuthflowError::$variant {
            kind: d.kind,
            action: d.action,
            reason: d.reason,
            retry_after: d.retry_after,
            status: d.status,
            provider_code: d.provider_code,
            provider_description: d.provider_description,
            provider_uri: d.provider_uri,
            request_id: d.request_id,
        }
    }};
}

impl ErrorDetails {
    fn from_core(error: &Error) -> ErrorDetails {
        let provider = error.provider();
        ErrorDetails {
            kind: error.kind(),
            action: error.action(),
            reason: error.message().into_owned(),
            retry_after: error.retry_after(),
            status: error.status(),
            provider_code: provider.and_then(ProviderError::code).map(str::to_owned),
            provider_description: provider
                .and_then(ProviderError::description)
                .map(str::to_owned),
            provider_uri: provider.and_then(ProviderError::uri).map(str::to_owned),
            request_id: provider
                .and_then(ProviderError::request_id)
                .map(str::to_owned),
        }
    }
}

impl AuthflowError {
    /// The error for `details`, in the variant its kind belongs to.
    pub fn from_details(details: ErrorDetails) -> AuthflowError {
        match details.kind.family() {
            ErrorFamily::OAuth => variant!(OAuth, details),
            ErrorFamily::Callback => variant!(Callback, details),
            ErrorFamily::Http => variant!(Http, details),
            ErrorFamily::Transport => variant!(Transport, details),
            ErrorFamily::InvalidResponse => variant!(InvalidResponse, details),
            ErrorFamily::Configuration => variant!(Configuration, details),
            ErrorFamily::AuthorizationRequired => variant!(AuthorizationRequired, details),
            ErrorFamily::InvalidStoredValue => variant!(InvalidStoredValue, details),
        }
    }

    /// The shared fields of any variant.
    pub fn details(&self) -> ErrorDetails {
        match self.clone() {
            AuthflowError::OAuth {
                kind,
                action,
                reason,
                retry_after,
                status,
                provider_code,
                provider_description,
                provider_uri,
                request_id,
            }
            | AuthflowError::Callback {
                kind,
                action,
                reason,
                retry_after,
                status,
                provider_code,
                provider_description,
                provider_uri,
                request_id,
            }
            | AuthflowError::Http {
                kind,
                action,
                reason,
                retry_after,
                status,
                provider_code,
                provider_description,
                provider_uri,
                request_id,
            }
            | AuthflowError::Transport {
                kind,
                action,
                reason,
                retry_after,
                status,
                provider_code,
                provider_description,
                provider_uri,
                request_id,
            }
            | AuthflowError::InvalidResponse {
                kind,
                action,
                reason,
                retry_after,
                status,
                provider_code,
                provider_description,
                provider_uri,
                request_id,
            }
            | AuthflowError::Configuration {
                kind,
                action,
                reason,
                retry_after,
                status,
                provider_code,
                provider_description,
                provider_uri,
                request_id,
            }
            | AuthflowError::AuthorizationRequired {
                kind,
                action,
                reason,
                retry_after,
                status,
                provider_code,
                provider_description,
                provider_uri,
                request_id,
            }
            | AuthflowError::InvalidStoredValue {
                kind,
                action,
                reason,
                retry_after,
                status,
                provider_code,
                provider_description,
                provider_uri,
                request_id,
            } => ErrorDetails {
                kind,
                action,
                reason,
                retry_after,
                status,
                provider_code,
                provider_description,
                provider_uri,
                request_id,
            },
        }
    }
}

impl AuthflowError {
    /// This error without the secrets `request` carried, in every text it
    /// holds: a host transport's reason may quote the request.
    pub(crate) fn without_secrets_of(
        self,
        request: &authflowkit_core::HttpRequest,
    ) -> AuthflowError {
        let mut d = self.details();
        d.reason = request.redact_secrets(&d.reason);
        for text in [
            &mut d.provider_code,
            &mut d.provider_description,
            &mut d.provider_uri,
            &mut d.request_id,
        ]
        .into_iter()
        .flatten()
        {
            *text = request.redact_secrets(text);
        }
        AuthflowError::from_details(d)
    }

    /// The core error for a failure a host transport reported: its kind
    /// (a timeout stays one) and reason.
    pub(crate) fn to_core(&self) -> Error {
        let d = self.details();
        Error::new(d.kind, d.reason)
    }
}

impl From<Error> for AuthflowError {
    fn from(error: Error) -> AuthflowError {
        AuthflowError::from_details(ErrorDetails::from_core(&error))
    }
}

impl From<&Error> for AuthflowError {
    fn from(error: &Error) -> AuthflowError {
        AuthflowError::from_details(ErrorDetails::from_core(error))
    }
}

/// A foreign transport, store or persister that raised something other
/// than an [`AuthflowError`] failed as a transport fails (retried later).
/// The foreign exception's text is not kept: it may quote a URL, a header
/// or the tokens it was given.
impl From<uniffi::UnexpectedUniFFICallbackError> for AuthflowError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> AuthflowError {
        AuthflowError::from(Error::new(
            ErrorKind::Transport,
            "a callback (transport, store or persister) raised an unexpected exception, \
             not kept here: it may quote secrets",
        ))
    }
}

impl std::fmt::Display for AuthflowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.details();
        // As the core's: the reason quotes the provider's code and description.
        write!(f, "{}: {}", d.kind.as_str(), d.reason)?;
        if let Some(status) = d.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(request_id) = &d.request_id {
            write!(f, " [request id {request_id}]")?;
        }
        write!(f, "; action: {}", d.action.as_str())?;
        if let Some(seconds) = d.retry_after {
            write!(f, " after {seconds} s")?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthflowError {}

/// The one-line text of an error, as the core writes it: kind, reason
/// (with what the provider said), status, request id, action. What a
/// binding shows as the exception's message (Python's `str(e)`).
#[uniffi::export]
pub fn error_message(details: ErrorDetails) -> String {
    AuthflowError::from_details(details).to_string()
}

/// Raises the error `details` describe as the library raises its own (the
/// exception of its kind's family): for a host-language driver of a
/// sans-IO state machine, whose stop comes as details (a device poll's
/// `Stop`).
#[uniffi::export]
pub fn raise_error(details: ErrorDetails) -> Result<()> {
    Err(AuthflowError::from_details(details))
}

/// The error a transport raises when no response came back, with the
/// kind and action the core gives such failures (transport; retry).
/// `reason` must not quote the request's headers, body or query.
#[uniffi::export]
pub fn transport_error(reason: String) -> ErrorDetails {
    ErrorDetails::from_core(&Error::new(ErrorKind::Transport, reason))
}

/// The error a transport raises when no complete response came back in
/// the time it allows (kind `timeout`, action `retry`): the request may
/// have reached the provider. `reason` must not quote the request's
/// headers, body or query.
#[uniffi::export]
pub fn timeout_error(reason: String) -> ErrorDetails {
    ErrorDetails::from_core(&Error::new(ErrorKind::Timeout, reason))
}

/// The error a `TokenStore` raises when its store cannot be reached (kind
/// `store_unavailable`, action `retry`). `reason` must not quote a stored
/// value.
#[uniffi::export]
pub fn store_error(reason: String) -> ErrorDetails {
    ErrorDetails::from_core(&Error::new(ErrorKind::StoreUnavailable, reason))
}

/// Shorthand for the binding's results.
pub type Result<T, E = AuthflowError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_lands_in_one_variant_and_keeps_its_fields() {
        let kinds = [
            ("invalid_grant", "OAuth"),
            ("other_oauth_error", "OAuth"),
            ("state_mismatch", "Callback"),
            ("token_in_callback", "Callback"),
            ("pending_already_used", "Callback"),
            ("rate_limited", "Http"),
            ("transport", "Transport"),
            ("timeout", "Transport"),
            ("invalid_response", "InvalidResponse"),
            ("configuration", "Configuration"),
            ("authorization_required", "AuthorizationRequired"),
            ("invalid_stored_value", "InvalidStoredValue"),
            ("expired_token", "OAuth"),
            ("id_token_invalid", "InvalidResponse"),
        ];
        for (name, family) in kinds {
            let kind = ErrorKind::parse(name).unwrap();
            let error = AuthflowError::from(Error::new(kind, "what happened"));
            let shown = format!("{error:?}");
            assert!(shown.starts_with(family), "{name}: {shown}");
            let details = error.details();
            assert_eq!(details.kind, kind);
            assert_eq!(details.reason, "what happened");
            assert_eq!(AuthflowError::from_details(details), error);
        }
    }

    #[test]
    fn the_message_is_the_cores_text() {
        let client = authflowkit_core::Client::new(
            authflowkit_core::Profile::generic(None, "https://as.example/token").unwrap(),
            "c",
        );
        let response = authflowkit_core::HttpResponse::new(
            401,
            vec![("X-Request-Id".into(), "req-9".into())],
            br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#
                .to_vec(),
        );
        let core = client
            .parse_token_response(authflowkit_core::GrantType::ClientCredentials, 1, &response)
            .unwrap_err();
        let error = AuthflowError::from(&core);
        assert_eq!(error.to_string(), core.to_string());
        assert_eq!(error_message(error.details()), core.to_string());
        assert!(error.to_string().contains("Client authentication failed"));
    }

    #[test]
    fn display_reads_like_the_core() {
        let error = AuthflowError::from(Error::new(ErrorKind::Transport, "connection refused"));
        assert_eq!(
            error.to_string(),
            "transport: connection refused; action: retry"
        );
        assert_eq!(transport_error("refused".into()).action, Action::Retry);
        let timeout = timeout_error("timed out".into());
        assert_eq!(
            (timeout.kind, timeout.action),
            (ErrorKind::Timeout, Action::Retry)
        );
    }
}

//! OAuth 2.0 Token Exchange (RFC 8693): what an exchange asks for, and the
//! token it gets. Both are objects, not records, so that their `repr` /
//! `toString` never shows the tokens they hold.

use authflowkit_core::{json, SecurityToken};
use std::sync::Arc;

/// A token exchange request (RFC 8693 §2.1): the subject token and its
/// type (a token type URI, e.g. `token_type_access_token()`), and as
/// needed an actor token with its type (both or neither), the token type
/// wanted, audiences, resources (absolute URIs without a fragment) and
/// scopes. The client's own scopes and resources are not sent. Checked
/// when the request is built (`Client.token_exchange_request`).
#[derive(Debug, Clone, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct TokenExchange(pub(crate) authflowkit_core::TokenExchange);

#[uniffi::export]
impl TokenExchange {
    /// An exchange of `subject_token` (of type `subject_token_type`).
    #[uniffi::constructor(default(
        actor_token = None,
        actor_token_type = None,
        requested_token_type = None,
        audiences = [],
        resources = [],
        scopes = []
    ))]
    #[allow(clippy::too_many_arguments)] // RFC 8693 §2.1's parameters, each a keyword
    pub fn new(
        subject_token: String,
        subject_token_type: String,
        actor_token: Option<String>,
        actor_token_type: Option<String>,
        requested_token_type: Option<String>,
        audiences: Vec<String>,
        resources: Vec<String>,
        scopes: Vec<String>,
    ) -> Arc<TokenExchange> {
        let mut exchange = authflowkit_core::TokenExchange::new(
            SecurityToken::new(subject_token),
            subject_token_type,
        );
        exchange.actor_token = actor_token.map(SecurityToken::new);
        exchange.actor_token_type = actor_token_type;
        exchange.requested_token_type = requested_token_type;
        exchange.audiences = audiences;
        exchange.resources = resources;
        exchange.scopes = scopes;
        Arc::new(TokenExchange(exchange))
    }

    /// The subject token's type.
    pub fn subject_token_type(&self) -> String {
        self.0.subject_token_type.clone()
    }

    /// The token type asked for, if any.
    pub fn requested_token_type(&self) -> Option<String> {
        self.0.requested_token_type.clone()
    }

    /// The audiences asked for.
    pub fn audiences(&self) -> Vec<String> {
        self.0.audiences.clone()
    }

    /// The resources asked for.
    pub fn resources(&self) -> Vec<String> {
        self.0.resources.clone()
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> Vec<String> {
        self.0.scopes.clone()
    }
}

/// The token a token exchange issued (RFC 8693 §2.2.1). Its `repr` /
/// `toString` redacts the tokens.
#[derive(Debug, Clone, PartialEq, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct IssuedToken(pub(crate) authflowkit_core::IssuedToken);

#[uniffi::export]
impl IssuedToken {
    /// The issued token (a secret): the response's `access_token`,
    /// whatever its type.
    pub fn token(&self) -> String {
        self.0.token().secret().to_owned()
    }

    /// What it is (`issued_token_type`), a token type URI.
    pub fn issued_token_type(&self) -> String {
        self.0.issued_token_type().to_owned()
    }

    /// How it is used (`token_type`): `Bearer`, `N_A` (not an access
    /// token), or another type as sent.
    pub fn token_type(&self) -> String {
        self.0.token_type().to_owned()
    }

    /// The token as a Bearer access token (a secret), only when its
    /// `token_type` is Bearer: `None` for `N_A` and other types.
    pub fn access_token(&self) -> Option<String> {
        self.0.access_token().map(|t| t.secret().to_owned())
    }

    /// When it expires (Unix seconds, our clock), if the server said.
    pub fn expires_at(&self) -> Option<u64> {
        self.0.expires_at()
    }

    /// Its scopes: the response's, else the requested ones.
    pub fn scopes(&self) -> Option<Vec<String>> {
        self.0.scopes().map(<[String]>::to_vec)
    }

    /// The refresh token (a secret), if one was issued.
    pub fn refresh_token(&self) -> Option<String> {
        self.0.refresh_token().map(|t| t.secret().to_owned())
    }

    /// The response's other members, as a JSON object.
    pub fn extra_json(&self) -> String {
        json::object_to_json(self.0.extra())
    }
}

/// RFC 8693 §3: `urn:ietf:params:oauth:token-type:access_token`.
#[uniffi::export]
pub fn token_type_access_token() -> String {
    authflowkit_core::TOKEN_TYPE_ACCESS_TOKEN.to_owned()
}

/// RFC 8693 §3: `urn:ietf:params:oauth:token-type:refresh_token`.
#[uniffi::export]
pub fn token_type_refresh_token() -> String {
    authflowkit_core::TOKEN_TYPE_REFRESH_TOKEN.to_owned()
}

/// RFC 8693 §3: `urn:ietf:params:oauth:token-type:id_token`.
#[uniffi::export]
pub fn token_type_id_token() -> String {
    authflowkit_core::TOKEN_TYPE_ID_TOKEN.to_owned()
}

/// RFC 8693 §3: `urn:ietf:params:oauth:token-type:jwt`.
#[uniffi::export]
pub fn token_type_jwt() -> String {
    authflowkit_core::TOKEN_TYPE_JWT.to_owned()
}

/// RFC 8693 §3: `urn:ietf:params:oauth:token-type:saml1`.
#[uniffi::export]
pub fn token_type_saml1() -> String {
    authflowkit_core::TOKEN_TYPE_SAML1.to_owned()
}

/// RFC 8693 §3: `urn:ietf:params:oauth:token-type:saml2`.
#[uniffi::export]
pub fn token_type_saml2() -> String {
    authflowkit_core::TOKEN_TYPE_SAML2.to_owned()
}

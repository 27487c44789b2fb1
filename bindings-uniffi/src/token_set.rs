//! Token sets, token info and introspection answers.

use crate::error::Result;
use authflowkit_core::json;
use std::sync::Arc;

/// Tokens from one token response, with absolute expiry times (Unix
/// seconds, our clock). Its `repr` / `toString` redacts the tokens; read
/// them through `access_token()` / `refresh_token()`, and store the set
/// with `to_json()` (a secret: keep it encrypted, never log it).
#[derive(Debug, Clone, PartialEq, uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct TokenSet(pub(crate) authflowkit_core::TokenSet);

impl std::fmt::Display for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

impl TokenSet {
    pub(crate) fn wrap(tokens: authflowkit_core::TokenSet) -> Arc<TokenSet> {
        Arc::new(TokenSet(tokens))
    }
}

#[uniffi::export]
impl TokenSet {
    /// Reads the form `to_json()` wrote (in any language).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<TokenSet>> {
        Ok(TokenSet::wrap(authflowkit_core::TokenSet::from_json(
            &json,
        )?))
    }

    /// The versioned JSON form for storage. It contains the tokens.
    pub fn to_json(&self) -> String {
        self.0.to_json().to_string()
    }

    /// `text` with this set's tokens replaced by `[redacted]`, the longest
    /// first: for an error or a log line about the set that did not come
    /// from authflow (the app's store quoting what it was given).
    pub fn redact_secrets(&self, text: String) -> String {
        self.0.redact_secrets(&text)
    }

    /// The access token (a secret).
    pub fn access_token(&self) -> String {
        self.0.access_token().secret().to_owned()
    }

    /// The token type: `Bearer` for every bearer token, whatever its case on the wire.
    pub fn token_type(&self) -> String {
        self.0.token_type().to_owned()
    }

    /// The refresh token (a secret), if any.
    pub fn refresh_token(&self) -> Option<String> {
        self.0.refresh_token().map(|t| t.secret().to_owned())
    }

    /// When the response was received (Unix seconds).
    pub fn issued_at(&self) -> u64 {
        self.0.issued_at()
    }

    /// When the access token expires (Unix seconds, our clock), if known.
    pub fn expires_at(&self) -> Option<u64> {
        self.0.expires_at()
    }

    /// When the refresh token expires, if known.
    pub fn refresh_expires_at(&self) -> Option<u64> {
        self.0.refresh_expires_at()
    }

    /// The granted scopes, if the response said.
    pub fn scopes(&self) -> Option<Vec<String>> {
        self.0.scopes().map(<[String]>::to_vec)
    }

    /// How far the server's clock was ahead of ours at issue (seconds).
    pub fn clock_skew(&self) -> i64 {
        self.0.clock_skew()
    }

    /// The OpenID Connect ID token (a secret), the last one the provider
    /// sent: kept across a refresh that returns none.
    pub fn id_token(&self) -> Option<String> {
        self.0.id_token().map(|t| t.secret().to_owned())
    }

    /// The claims of the ID token held, read again without a check:
    /// `OAuthClient` validates an OpenID Provider's ID token when it
    /// arrives, so in a set it returned these are the validated claims. A
    /// set parsed from a response by hand holds what the provider sent:
    /// validate it first (`validate_id_token`). `None` without an ID token.
    pub fn id_token_claims(&self) -> Result<Option<crate::id_token::IdTokenClaims>> {
        Ok(self.0.id_token_claims()?.map(Into::into))
    }

    /// Response fields authflow does not interpret (e.g. MakeShift's
    /// `user`), as a JSON object.
    pub fn extra_json(&self) -> String {
        json::object_to_json(self.0.extra())
    }

    /// Whether the access token is unexpired at `now` (unknown expiry: valid).
    pub fn is_access_valid(&self, now: u64) -> bool {
        self.0.is_access_valid(now)
    }

    /// Whether a refresh token is held and unexpired at `now`.
    pub fn can_refresh(&self, now: u64) -> bool {
        self.0.can_refresh(now)
    }
}

/// What MakeShift's token-info endpoint says about the current token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenInfo {
    /// Seconds the token has left.
    pub expires_in_seconds: Option<u64>,
    /// The absolute expiry in our clock, given when the answer arrived.
    pub expires_at: Option<u64>,
    /// The resource owner's id, as JSON (`7443`, `"abc"`), if given.
    pub resource_owner_id_json: Option<String>,
    /// The token's scopes.
    pub scopes: Option<Vec<String>>,
    /// When the token was made (server clock).
    pub created_at: Option<u64>,
    /// Any other members, as a JSON object.
    pub extra_json: String,
}

impl TokenInfo {
    pub(crate) fn from_core(info: &authflowkit_core::TokenInfo, now: u64) -> TokenInfo {
        TokenInfo {
            expires_in_seconds: info.expires_in_seconds,
            expires_at: info.expires_at(now),
            resource_owner_id_json: info.resource_owner_id.as_ref().map(json::Value::to_json),
            scopes: info.scopes.clone(),
            created_at: info.created_at,
            extra_json: json::object_to_json(&info.extra),
        }
    }

    /// The core's value, for a session's expiry correction.
    pub(crate) fn to_core(&self) -> authflowkit_core::TokenInfo {
        authflowkit_core::TokenInfo {
            expires_in_seconds: self.expires_in_seconds,
            resource_owner_id: self
                .resource_owner_id_json
                .as_deref()
                .and_then(|j| json::Value::parse(j.as_bytes())),
            scopes: self.scopes.clone(),
            created_at: self.created_at,
            extra: json::parse_object(self.extra_json.as_bytes()).unwrap_or_default(),
        }
    }
}

/// What an introspection endpoint says about a token (RFC 7662 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Introspection {
    /// Whether the token is active.
    pub active: bool,
    /// Its scopes.
    pub scopes: Option<Vec<String>>,
    /// The client it was issued to.
    pub client_id: Option<String>,
    /// The resource owner's user name.
    pub username: Option<String>,
    /// Its type.
    pub token_type: Option<String>,
    /// Expiry (Unix seconds, server clock).
    pub exp: Option<u64>,
    /// Issue time (Unix seconds, server clock).
    pub iat: Option<u64>,
    /// Not-before time.
    pub nbf: Option<u64>,
    /// Subject.
    pub sub: Option<String>,
    /// Issuer.
    pub iss: Option<String>,
    /// Any other members, as a JSON object.
    pub extra_json: String,
}

impl From<authflowkit_core::Introspection> for Introspection {
    fn from(i: authflowkit_core::Introspection) -> Introspection {
        Introspection {
            active: i.active,
            scopes: i.scopes,
            client_id: i.client_id,
            username: i.username,
            token_type: i.token_type,
            exp: i.exp,
            iat: i.iat,
            nbf: i.nbf,
            sub: i.sub,
            iss: i.iss,
            extra_json: json::object_to_json(&i.extra),
        }
    }
}

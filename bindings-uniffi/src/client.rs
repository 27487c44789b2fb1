//! The sans-IO client: a profile plus this application's registration.
//! Every method builds a request record or parses a response record; the
//! caller's own HTTP client sends them.

use crate::error::Result;
use crate::http::{flat_response, HttpRequest, HttpResponse};
use crate::pending::{PendingAuthorization, ValidatedCallback};
use crate::profile::Profile;
use crate::signing::SigningKey;
use crate::token_exchange::{IssuedToken, TokenExchange};
use crate::token_set::{Introspection, TokenInfo, TokenSet};
use authflowkit_core::{
    AccessToken, ClientAuthMethod, ClientSecret, Error, ErrorKind, GrantType, Method, Password,
    RefreshToken, TokenRef,
};
use std::sync::Arc;

/// Options for one authorization request.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct AuthorizationOptions {
    /// Scopes for this request; `None` uses the client's defaults.
    #[uniffi(default)]
    pub scopes: Option<Vec<String>>,
    /// Extra query parameters (e.g. `prompt`, `login_hint`), in order.
    #[uniffi(default)]
    pub extra_params: Vec<QueryParam>,
    /// Seconds the pending authorization stays valid; `None`: 10 minutes.
    #[uniffi(default)]
    pub max_age: Option<u64>,
}

/// One query parameter.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QueryParam {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl AuthorizationOptions {
    pub(crate) fn to_core(&self) -> authflowkit_core::AuthorizationOptions {
        authflowkit_core::AuthorizationOptions {
            scopes: self.scopes.clone(),
            extra_params: self
                .extra_params
                .iter()
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect(),
            max_age: self.max_age,
        }
    }
}

/// Where to send the user, and what to keep until they come back.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AuthorizationRequest {
    /// The authorization URL.
    pub url: String,
    /// The pending authorization to keep (`to_storage_string()`).
    pub pending: Arc<PendingAuthorization>,
}

/// The `POST` to the PAR endpoint (RFC 9126 §2.1), and the pending
/// authorization to hand back with its answer.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PushedAuthorizationRequest {
    /// The request to send.
    pub request: HttpRequest,
    /// The pending authorization (for `parse_pushed_authorization_response`).
    pub pending: Arc<PendingAuthorization>,
}

/// A request that gets tokens without the user, with the grant it carries.
#[derive(Debug, Clone, uniffi::Record)]
pub struct GrantRequest {
    /// The grant.
    pub grant: GrantType,
    /// The HTTP request.
    pub request: HttpRequest,
}

/// Which kind of token is revoked or introspected (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TokenTypeHint {
    /// An access token.
    AccessToken,
    /// A refresh token.
    RefreshToken,
}

/// Calls `f` with the core's token reference for `token` and `hint`.
fn with_token_ref<T>(token: &str, hint: TokenTypeHint, f: impl FnOnce(TokenRef<'_>) -> T) -> T {
    match hint {
        TokenTypeHint::AccessToken => f(TokenRef::Access(&AccessToken::new(token))),
        TokenTypeHint::RefreshToken => f(TokenRef::Refresh(&RefreshToken::new(token))),
    }
}

/// An OAuth client of one provider: the profile plus the client id,
/// secret (for MakeShift: the API key and secret), redirect URI and
/// default scopes and resources. `repr` / `toString` never show the secret.
#[derive(Debug, Clone, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Client(pub(crate) authflowkit_core::Client);

#[uniffi::export]
impl Client {
    /// A client. Without a secret it is a public client (PKCE only).
    /// `resources` are RFC 8707 resource indicators (absolute URIs without
    /// a fragment), sent on the authorization request and every token
    /// request.
    ///
    /// `signing_key` is the private key of `private_key_jwt` (RFC 7523):
    /// unless the profile's method was chosen, a client with one
    /// authenticates with it. A client that signs (`private_key_jwt`,
    /// `client_secret_jwt`) builds its requests through [`Client::at`].
    #[uniffi::constructor(default(
        client_secret = None,
        redirect_uri = None,
        scopes = [],
        resources = [],
        signing_key = None
    ))]
    pub fn new(
        profile: Arc<Profile>,
        client_id: String,
        client_secret: Option<String>,
        redirect_uri: Option<String>,
        scopes: Vec<String>,
        resources: Vec<String>,
        signing_key: Option<Arc<SigningKey>>,
    ) -> Result<Arc<Client>> {
        let mut client = authflowkit_core::Client::new(profile.0.clone(), client_id)
            .with_scopes(scopes)
            .with_resources(resources)?;
        if let Some(secret) = client_secret {
            client = client.with_client_secret(ClientSecret::new(secret));
        }
        if let Some(key) = signing_key {
            client = client.with_signing_key(key.0.clone());
        }
        if let Some(uri) = redirect_uri {
            client = client.with_redirect_uri(&uri)?;
        }
        Ok(Arc::new(Client(client)))
    }

    /// How this client authenticates: the profile's method when it was
    /// chosen, else `private_key_jwt` for a client with a signing key, else
    /// discovery's pick.
    pub fn client_auth_method(&self) -> Result<ClientAuthMethod> {
        Ok(self.0.client_auth_method()?)
    }

    /// Whether the client signs its requests (JWT client authentication,
    /// DPoP proofs), so that they are built through [`Client::at`].
    pub fn signs_requests(&self) -> bool {
        self.0.signs_requests()
    }

    /// This client for the requests built at `now`: their client
    /// assertions and DPoP proofs get `iat` = `now` and a `jti` each from
    /// `entropy` (at least 32 bytes from a CSPRNG). Always right to call; a
    /// client that does not sign comes back as it is.
    pub fn at(&self, now: u64, entropy: Vec<u8>) -> Result<Arc<Client>> {
        let entropy = zeroize::Zeroizing::new(entropy);
        Ok(Arc::new(Client(self.0.at(now, &entropy)?)))
    }

    /// The provider profile.
    pub fn profile(&self) -> Arc<Profile> {
        Arc::new(Profile(self.0.profile().clone()))
    }

    /// The client id.
    pub fn client_id(&self) -> String {
        self.0.client_id().to_owned()
    }

    /// The redirect URI, if set.
    pub fn redirect_uri(&self) -> Option<String> {
        self.0.redirect_uri().map(str::to_owned)
    }

    /// The default scopes.
    pub fn scopes(&self) -> Vec<String> {
        self.0.scopes().to_vec()
    }

    /// Whether the client has a secret (is confidential).
    pub fn has_client_secret(&self) -> bool {
        self.0.has_client_secret()
    }

    /// The resources its tokens are for (RFC 8707).
    pub fn resources(&self) -> Vec<String> {
        self.0.resources().to_vec()
    }

    /// This client for other resources (RFC 8707 §2: absolute URIs without
    /// a fragment; a query is allowed).
    pub fn with_resources(&self, resources: Vec<String>) -> Result<Arc<Client>> {
        Ok(Arc::new(Client(self.0.clone().with_resources(resources)?)))
    }

    /// The authorization URL and the pending authorization to keep.
    /// `entropy` must be at least `authorization_entropy_len()` bytes from a
    /// secure random source (48 do for a profile that is not OpenID).
    #[uniffi::method(default(options = None))]
    pub fn authorization_request(
        &self,
        now: u64,
        entropy: Vec<u8>,
        options: Option<AuthorizationOptions>,
    ) -> Result<AuthorizationRequest> {
        let options = options.unwrap_or_default().to_core();
        let start = self.0.authorization_request_with(now, &entropy, &options)?;
        Ok(AuthorizationRequest {
            url: start.url,
            pending: Arc::new(PendingAuthorization(start.pending)),
        })
    }

    /// The pushed authorization request (RFC 9126 §2.1): a `POST` to the
    /// profile's PAR endpoint with every parameter the authorization URL
    /// would carry and the client's authentication, and the pending
    /// authorization to hand to `parse_pushed_authorization_response`.
    /// `entropy` as for `authorization_request`.
    #[uniffi::method(default(options = None))]
    pub fn pushed_authorization_request(
        &self,
        now: u64,
        entropy: Vec<u8>,
        options: Option<AuthorizationOptions>,
    ) -> Result<PushedAuthorizationRequest> {
        let options = options.unwrap_or_default().to_core();
        let push = self
            .0
            .pushed_authorization_request_with(now, &entropy, &options)?;
        Ok(PushedAuthorizationRequest {
            request: push.request.into(),
            pending: Arc::new(PendingAuthorization(push.pending)),
        })
    }

    /// Reads the PAR endpoint's answer (RFC 9126 §2.2), received at `now`,
    /// to the push that made `pending`: the authorization URL with
    /// `client_id` and `request_uri` alone (§4), and the pending
    /// authorization to keep, expiring no later than the request URI.
    pub fn parse_pushed_authorization_response(
        &self,
        now: u64,
        pending: Arc<PendingAuthorization>,
        response: HttpResponse,
    ) -> Result<AuthorizationRequest> {
        let start = self.0.parse_pushed_authorization_response(
            now,
            pending.0.clone(),
            &response.to_core(),
        )?;
        Ok(AuthorizationRequest {
            url: start.url,
            pending: Arc::new(PendingAuthorization(start.pending)),
        })
    }

    /// The code exchange for a validated callback, once per callback (a
    /// second one is refused with kind `pending_already_used`): to retry
    /// after a transport failure, send the same request again.
    pub fn exchange_request(&self, callback: Arc<ValidatedCallback>) -> Result<HttpRequest> {
        Ok(self
            .0
            .exchange_request(callback.0.take_for_exchange()?)?
            .into())
    }

    /// A refresh with `refresh_token`.
    pub fn refresh_request(&self, refresh_token: String) -> Result<HttpRequest> {
        Ok(self
            .0
            .refresh_request(&RefreshToken::new(refresh_token))?
            .into())
    }

    /// A refresh with the refresh token of `tokens`, if it holds one that is
    /// unexpired at `now`; otherwise an `AuthorizationRequired` error whose
    /// action says how to get new tokens.
    pub fn refresh_request_for(&self, tokens: Arc<TokenSet>, now: u64) -> Result<HttpRequest> {
        Ok(self.0.refresh_request_for(&tokens.0, now)?.into())
    }

    /// The client-credentials grant (Makini Admin).
    pub fn client_credentials_request(&self) -> Result<HttpRequest> {
        Ok(self.0.client_credentials_request()?.into())
    }

    /// The resource-owner password grant.
    pub fn password_request(&self, username: String, password: String) -> Result<HttpRequest> {
        Ok(self
            .0
            .password_request(&username, &Password::new(password))?
            .into())
    }

    /// The request that gets new tokens without the user, as the profile says.
    pub fn reauthentication_request(&self) -> Result<GrantRequest> {
        let (grant, request) = self.0.reauthentication_request()?;
        Ok(GrantRequest {
            grant,
            request: request.into(),
        })
    }

    /// A token exchange (RFC 8693 §2.1) at the token endpoint, with the
    /// client's authentication.
    pub fn token_exchange_request(&self, exchange: Arc<TokenExchange>) -> Result<HttpRequest> {
        Ok(self.0.token_exchange_request(&exchange.0)?.into())
    }

    /// Parses the answer to `exchange` (RFC 8693 §2.2), received at `now`.
    pub fn parse_token_exchange_response(
        &self,
        exchange: Arc<TokenExchange>,
        now: u64,
        response: HttpResponse,
    ) -> Result<Arc<IssuedToken>> {
        let issued = self
            .0
            .parse_token_exchange_response(&exchange.0, now, &response.to_core())?;
        Ok(Arc::new(IssuedToken(issued)))
    }

    /// An RFC 7009 revocation request.
    pub fn revocation_request(&self, token: String, hint: TokenTypeHint) -> Result<HttpRequest> {
        with_token_ref(&token, hint, |t| self.0.revocation_request(t))
            .map(Into::into)
            .map_err(Into::into)
    }

    /// An RFC 7662 introspection request.
    pub fn introspection_request(&self, token: String, hint: TokenTypeHint) -> Result<HttpRequest> {
        with_token_ref(&token, hint, |t| self.0.introspection_request(t))
            .map(Into::into)
            .map_err(Into::into)
    }

    /// MakeShift's token-info request.
    pub fn token_info_request(&self, access_token: String) -> Result<HttpRequest> {
        Ok(self
            .0
            .token_info_request(&AccessToken::new(access_token))?
            .into())
    }

    /// A request to the API: `path` relative to the API base (`"sites"`)
    /// or an absolute URL; a `body` is sent as JSON. The token goes as
    /// `Authorization: Bearer`, or, when `dpop_bound` (its token type is
    /// `DPoP`), as `Authorization: DPoP` with a proof (RFC 9449 §7.1; the
    /// client is then built through `at` and has the DPoP key).
    #[uniffi::method(default(body = None, dpop_bound = false))]
    pub fn api_request(
        &self,
        access_token: String,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
        dpop_bound: bool,
    ) -> Result<HttpRequest> {
        let token = if dpop_bound {
            AccessToken::dpop_bound(access_token)
        } else {
            AccessToken::new(access_token)
        };
        Ok(self
            .0
            .api_request(&token, method, &path, body.as_deref())?
            .into())
    }

    /// Parses the token endpoint's answer to `grant`, received at `now`.
    pub fn parse_token_response(
        &self,
        grant: GrantType,
        now: u64,
        response: HttpResponse,
    ) -> Result<Arc<TokenSet>> {
        Ok(TokenSet::wrap(self.0.parse_token_response(
            grant,
            now,
            &response.to_core(),
        )?))
    }

    /// [`Client::parse_token_response`] with the response given flat: the
    /// grant by its `grant_type` name (`b"authorization_code"`), the
    /// headers as `name\0value\0` pairs in UTF-8. For languages where
    /// lowering a record costs more than the parse (Python routes
    /// `parse_token_response` here); the same parse, the same errors.
    pub fn parse_token_response_flat(
        &self,
        grant: &[u8],
        now: u64,
        status: u16,
        headers: &[u8],
        body: &[u8],
    ) -> Result<Arc<TokenSet>> {
        let grant = std::str::from_utf8(grant)
            .ok()
            .and_then(GrantType::parse)
            .ok_or_else(|| Error::new(ErrorKind::Configuration, "unknown grant_type name"))?;
        let response = flat_response(status, headers, body)?;
        Ok(TokenSet::wrap(
            self.0.parse_token_response(grant, now, &response)?,
        ))
    }

    /// Parses a refresh answer, keeping what a refresh does not repeat.
    pub fn parse_refresh_response(
        &self,
        now: u64,
        response: HttpResponse,
        previous: Arc<TokenSet>,
    ) -> Result<Arc<TokenSet>> {
        Ok(TokenSet::wrap(self.0.parse_refresh_response(
            now,
            &response.to_core(),
            &previous.0,
        )?))
    }

    /// Checks an API response: nothing for 2xx, else the typed error.
    pub fn check_api_response(&self, now: u64, response: HttpResponse) -> Result<()> {
        Ok(self.0.check_api_response(now, &response.to_core())?)
    }

    /// Parses MakeShift's token-info answer.
    pub fn parse_token_info_response(&self, now: u64, response: HttpResponse) -> Result<TokenInfo> {
        let info = self.0.parse_token_info_response(now, &response.to_core())?;
        Ok(TokenInfo::from_core(&info, now))
    }

    /// Parses a revocation answer (any 200 is success).
    pub fn parse_revocation_response(&self, now: u64, response: HttpResponse) -> Result<()> {
        Ok(self.0.parse_revocation_response(now, &response.to_core())?)
    }

    /// Parses an introspection answer.
    pub fn parse_introspection_response(
        &self,
        now: u64,
        response: HttpResponse,
    ) -> Result<Introspection> {
        Ok(self
            .0
            .parse_introspection_response(now, &response.to_core())?
            .into())
    }
}

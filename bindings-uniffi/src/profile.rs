//! Provider profiles: the core's [`authflowkit_core::Profile`] as an
//! immutable object. Every `with_*` method returns a new profile.

use crate::error::Result;
use authflowkit_core::{
    AssertionAudience, BodyEncoding, ClientAuthMethod, EndpointRole, ExpiryRule, GrantType,
    Lifetimes, PkceMethod, ProviderKind, Reauthentication, StatusRule,
};
use std::sync::Arc;

/// A provider as data: endpoints, client authentication, body encoding,
/// how expiry is read, rotation, re-authentication, PKCE. Start from a
/// built-in (`makini_link()`, `makini_admin(url)`, `makeshift()`,
/// `generic(…)`, or discovery) and adjust it with the `with_*` methods,
/// e.g. to point it at a test server.
#[derive(Debug, Clone, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Profile(pub(crate) authflowkit_core::Profile);

impl Profile {
    fn wrap(profile: authflowkit_core::Profile) -> Arc<Profile> {
        Arc::new(Profile(profile))
    }
}

#[uniffi::export]
impl Profile {
    /// Makini Link: authorization code at `link.makini.io`, exchange and
    /// refresh at `api.makini.io/link/token`, `expires_in` as an absolute
    /// timestamp, rotation on refresh, API v4.
    #[uniffi::constructor]
    pub fn makini_link() -> Arc<Profile> {
        Profile::wrap(authflowkit_core::Profile::makini_link())
    }

    /// The Makini Admin API (client credentials, the seed's status table).
    /// Its token endpoint is not documented, so it is required here.
    #[uniffi::constructor]
    pub fn makini_admin(token_endpoint: String) -> Result<Arc<Profile>> {
        Ok(Profile::wrap(authflowkit_core::Profile::makini_admin(
            &token_endpoint,
        )?))
    }

    /// MakeShift: the password grant with a JSON body (API key and secret),
    /// no refresh token, 4-hour tokens, token info, API v2.
    #[uniffi::constructor]
    pub fn makeshift() -> Arc<Profile> {
        Profile::wrap(authflowkit_core::Profile::makeshift())
    }

    /// A standards-following server (`client_secret_basic`, `expires_in` in
    /// seconds, PKCE S256).
    #[uniffi::constructor(default(authorization_endpoint = None))]
    pub fn generic(
        token_endpoint: String,
        authorization_endpoint: Option<String>,
    ) -> Result<Arc<Profile>> {
        Ok(Profile::wrap(authflowkit_core::Profile::generic(
            authorization_endpoint.as_deref(),
            &token_endpoint,
        )?))
    }

    /// Which provider this is.
    pub fn kind(&self) -> ProviderKind {
        self.0.kind()
    }

    /// The issuer identifier, when known.
    pub fn issuer(&self) -> Option<String> {
        self.0.issuer().map(str::to_owned)
    }

    /// Whether a callback without `iss` is refused (RFC 9207).
    pub fn requires_issuer(&self) -> bool {
        self.0.requires_issuer()
    }

    /// One of the profile's URLs, by role.
    pub fn endpoint(&self, role: EndpointRole) -> Option<String> {
        self.0.endpoint(role).map(|e| e.as_str().to_owned())
    }

    /// How the client authenticates.
    pub fn client_auth(&self) -> ClientAuthMethod {
        self.0.client_auth()
    }

    /// How token-endpoint bodies are encoded.
    pub fn body_encoding(&self) -> BodyEncoding {
        self.0.body_encoding()
    }

    /// How `expires_in` is read.
    pub fn expiry(&self) -> ExpiryRule {
        self.0.expiry()
    }

    /// Documented lifetimes used when a response does not give them.
    pub fn lifetimes(&self) -> Lifetimes {
        self.0.lifetimes()
    }

    /// Whether every refresh returns a new refresh token and kills the old one.
    pub fn refresh_rotates(&self) -> bool {
        self.0.refresh_rotates()
    }

    /// Whether the provider issues refresh tokens at all.
    pub fn supports_refresh(&self) -> bool {
        self.0.supports_refresh()
    }

    /// How tokens are renewed without the user.
    pub fn reauthentication(&self) -> Reauthentication {
        self.0.reauthentication()
    }

    /// The PKCE method sent with authorization requests, if any.
    pub fn pkce(&self) -> Option<PkceMethod> {
        self.0.pkce()
    }

    /// What statuses mean on this provider, beyond RFC 6749.
    pub fn status_rules(&self) -> Vec<StatusRule> {
        self.0.status_rules().to_vec()
    }

    /// This profile with a status rule added (a later rule for the same
    /// scope and status wins).
    pub fn with_status_rule(&self, rule: StatusRule) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_status_rule(rule))
    }

    /// This profile with one URL set (checked: https, or http to loopback).
    pub fn with_endpoint(&self, role: EndpointRole, url: String) -> Result<Arc<Profile>> {
        Ok(Profile::wrap(self.0.clone().with_endpoint(role, &url)?))
    }

    /// Origins besides the API base where API requests may carry the
    /// access token (see `with_api_origin`).
    pub fn api_origins(&self) -> Vec<String> {
        self.0
            .api_origins()
            .iter()
            .map(|o| o.as_str().to_owned())
            .collect()
    }

    /// This profile with one more origin (`https://files.example`, no path)
    /// where absolute API URLs may carry the access token, on any path.
    /// Without it an absolute URL gets the token only below the API base.
    pub fn with_api_origin(&self, origin: String) -> Result<Arc<Profile>> {
        Ok(Profile::wrap(self.0.clone().with_api_origin(&origin)?))
    }

    /// This profile with the issuer set; `require` refuses callbacks without `iss`.
    pub fn with_issuer(&self, issuer: String, require: bool) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_issuer(&issuer, require))
    }

    /// This profile with the legacy API (Makini v3) as the API base.
    pub fn using_legacy_api(&self) -> Arc<Profile> {
        Profile::wrap(self.0.clone().using_legacy_api())
    }

    /// This profile with another client authentication method.
    pub fn with_client_auth(&self, method: ClientAuthMethod) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_client_auth(method))
    }

    /// This profile with the `aud` of client assertions set: the issuer
    /// (the default when known) or the token endpoint.
    pub fn with_assertion_audience(&self, audience: AssertionAudience) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_assertion_audience(audience))
    }

    /// This profile with another body encoding.
    pub fn with_body_encoding(&self, encoding: BodyEncoding) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_body_encoding(encoding))
    }

    /// This profile reading expiry another way, with documented lifetimes.
    pub fn with_expiry(&self, rule: ExpiryRule, lifetimes: Lifetimes) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_expiry(rule, lifetimes))
    }

    /// This profile with refresh rotation declared on or off.
    pub fn with_refresh_rotation(&self, rotates: bool) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_refresh_rotation(rotates))
    }

    /// This profile with the grant its clients get tokens with
    /// (`ClientCredentials`: sessions get and renew tokens on their own).
    pub fn with_grant(&self, grant: GrantType) -> Result<Arc<Profile>> {
        Ok(Profile::wrap(self.0.clone().with_grant(grant)?))
    }

    /// This profile renewing tokens without the user another way.
    pub fn with_reauthentication(&self, how: Reauthentication) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_reauthentication(how))
    }

    /// This profile with another PKCE method (`None`: no challenge).
    pub fn with_pkce(&self, method: Option<PkceMethod>) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_pkce(method))
    }

    /// This profile as an OpenID Provider's (or not): authorization
    /// requests then carry a `nonce` (OpenID Connect Core 1.0 §3.1.2.1).
    pub fn with_openid(&self, openid: bool) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_openid(openid))
    }

    /// Whether the provider is an OpenID Provider.
    pub fn is_openid(&self) -> bool {
        self.0.is_openid()
    }

    /// This profile with pushed authorization requests (RFC 9126) chosen
    /// or not: the authorization request's parameters go to the PAR
    /// endpoint (set it first with `with_endpoint`), and the authorization
    /// URL carries only `client_id` and `request_uri`. Choosing it without
    /// the endpoint, or turning it off where the server requires it, is a
    /// configuration error.
    pub fn with_pushed_authorization(&self, chosen: bool) -> Result<Arc<Profile>> {
        Ok(Profile::wrap(
            self.0.clone().with_pushed_authorization(chosen)?,
        ))
    }

    /// This profile for a server that takes authorization requests only
    /// through its PAR endpoint (RFC 9126 §5; discovery sets it).
    pub fn with_pushed_authorization_required(&self, required: bool) -> Result<Arc<Profile>> {
        Ok(Profile::wrap(
            self.0
                .clone()
                .with_pushed_authorization_required(required)?,
        ))
    }

    /// Whether the server requires pushed authorization requests (RFC 9126 §5).
    pub fn requires_pushed_authorization(&self) -> bool {
        self.0.requires_pushed_authorization()
    }

    /// Whether authorization requests go through the PAR endpoint (the
    /// server requires it or it was chosen): then `authorization_request`
    /// refuses and `pushed_authorization_request` is the way in.
    pub fn uses_pushed_authorization(&self) -> bool {
        self.0.uses_pushed_authorization()
    }

    /// The algorithms an ID token may be signed with (discovery sets those
    /// of the provider's list that authflow verifies; RS256 otherwise).
    pub fn with_id_token_algorithms(
        &self,
        algorithms: Vec<authflowkit_core::JwsAlgorithm>,
    ) -> Arc<Profile> {
        Profile::wrap(self.0.clone().with_id_token_algorithms(algorithms))
    }

    /// The algorithms an ID token may be signed with.
    pub fn id_token_algorithms(&self) -> Vec<authflowkit_core::JwsAlgorithm> {
        self.0.id_token_algorithms()
    }
}

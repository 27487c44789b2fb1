//! Provider profiles: everything that differs between providers, as data.
//!
//! A profile holds endpoints, how the client authenticates, how bodies are
//! encoded, how `expires_in` is read, whether refresh rotates, how tokens
//! are renewed without the user, and what HTTP statuses mean. The flows read
//! these fields; no flow branches on which provider it talks to.

use crate::endpoint::Endpoint;
use crate::error::{ErrorKind, Result};

/// The Makini Link authorization endpoint (seed: Makini authentication).
pub const MAKINI_LINK_AUTHORIZATION_ENDPOINT: &str = "https://link.makini.io/oauth/authorize";
/// The Makini Link token endpoint, for code exchange and refresh.
pub const MAKINI_LINK_TOKEN_ENDPOINT: &str = "https://api.makini.io/link/token";
/// The Makini Unified API, v4 (recommended).
pub const MAKINI_API_V4: &str = "https://api.makini.io/v4/";
/// The Makini Unified API, v3 (legacy, limited support).
pub const MAKINI_API_V3: &str = "https://api.makini.io/api/";
/// MakeShift's token endpoint (password grant with a JSON body).
pub const MAKESHIFT_TOKEN_ENDPOINT: &str = "https://id.makeshift.ca/oauth/token";
/// MakeShift's token-info endpoint.
pub const MAKESHIFT_TOKEN_INFO_ENDPOINT: &str = "https://id.makeshift.ca/oauth/token/info";
/// MakeShift's public API, v2.
pub const MAKESHIFT_API_V2: &str = "https://app.makeshift.ca/api/public/v2/";

const DAY: u64 = 86_400;

/// Which provider a profile describes. Its name travels inside a pending
/// authorization so that any runtime can resume it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    /// Makini Link: a user connects their system (authorization code).
    MakiniLink,
    /// The Makini Admin API (client credentials).
    MakiniAdmin,
    /// MakeShift (password grant with an API key and secret).
    MakeShift,
    /// Any standards-following OAuth 2.0 server.
    Generic,
}

impl ProviderKind {
    /// The stable name: `makini_link`, `makini_admin`, `makeshift` or `generic`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::MakiniLink => "makini_link",
            ProviderKind::MakiniAdmin => "makini_admin",
            ProviderKind::MakeShift => "makeshift",
            ProviderKind::Generic => "generic",
        }
    }

    /// The kind for a stable name.
    pub fn parse(name: &str) -> Option<ProviderKind> {
        [
            ProviderKind::MakiniLink,
            ProviderKind::MakiniAdmin,
            ProviderKind::MakeShift,
            ProviderKind::Generic,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// How the client proves who it is at the token endpoint (RFC 6749 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAuthMethod {
    /// `client_id` and `client_secret` in the request body.
    ClientSecretPost,
    /// HTTP Basic with the form-encoded id and secret.
    ClientSecretBasic,
    /// A public client: `client_id` in the body, no secret (PKCE protects
    /// the code); RFC 8414's `none`.
    PublicClient,
    /// No client identification at all: MakeShift, whose API key and secret
    /// travel as the password grant's `username` and `password`.
    Omitted,
    /// A JWT signed with the client's private key (RFC 7523 §2.2, OpenID
    /// Connect Core 1.0 §9): `private_key_jwt`. The client needs a
    /// [`SigningKey`](crate::SigningKey) (`Client::with_signing_key`).
    #[cfg(feature = "jwt-client-auth")]
    PrivateKeyJwt,
    /// A JWT signed with HMAC SHA-256 keyed by the client secret (OpenID
    /// Connect Core 1.0 §9): `client_secret_jwt`. The secret goes nowhere.
    #[cfg(feature = "jwt-client-auth")]
    ClientSecretJwt,
}

impl ClientAuthMethod {
    /// The registered name (RFC 8414 `token_endpoint_auth_methods_supported`,
    /// RFC 7591 §2): `client_secret_basic`, `none`, ...; `omitted` for
    /// [`ClientAuthMethod::Omitted`], which has none.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuthMethod::ClientSecretPost => "client_secret_post",
            ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
            ClientAuthMethod::PublicClient => "none",
            ClientAuthMethod::Omitted => "omitted",
            #[cfg(feature = "jwt-client-auth")]
            ClientAuthMethod::PrivateKeyJwt => "private_key_jwt",
            #[cfg(feature = "jwt-client-auth")]
            ClientAuthMethod::ClientSecretJwt => "client_secret_jwt",
        }
    }

    /// The method of a registered name (and `omitted`); `None` for others.
    pub fn parse(name: &str) -> Option<ClientAuthMethod> {
        [
            ClientAuthMethod::ClientSecretPost,
            ClientAuthMethod::ClientSecretBasic,
            ClientAuthMethod::PublicClient,
            ClientAuthMethod::Omitted,
            #[cfg(feature = "jwt-client-auth")]
            ClientAuthMethod::PrivateKeyJwt,
            #[cfg(feature = "jwt-client-auth")]
            ClientAuthMethod::ClientSecretJwt,
        ]
        .into_iter()
        .find(|m| m.as_str() == name)
    }
}

/// The `aud` of a client assertion (RFC 7523 §3 item 3).
#[cfg(feature = "jwt-client-auth")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssertionAudience {
    /// The issuer identifier: what current guidance asks (it names one
    /// server whatever endpoint is called, and an assertion meant for one
    /// server cannot be replayed at another that shares an endpoint URL).
    /// The default when the profile knows its issuer.
    Issuer,
    /// The token endpoint's URL (OpenID Connect Core 1.0 §9's SHOULD), for
    /// servers that accept nothing else; the default without an issuer.
    TokenEndpoint,
}

/// How token-endpoint request bodies are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded`, as RFC 6749 requires.
    Form,
    /// `application/json`, as MakeShift requires.
    Json,
}

/// How a token response says when the access token expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpiryRule {
    /// `expires_in` is seconds from now (RFC 6749 §5.1).
    Seconds,
    /// `expires_in` is an absolute Unix timestamp in the server's clock (Makini).
    /// A value too small to be a date (before 2001-09-09) is read as seconds.
    AbsoluteTimestamp,
    /// No `expires_in`: `created_at` (server clock) plus the documented lifetime (MakeShift).
    CreatedAtPlusLifetime,
}

/// Documented token lifetimes, used when a response does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Lifetimes {
    /// Access-token lifetime in seconds.
    pub access: Option<u64>,
    /// Refresh-token lifetime in seconds.
    pub refresh: Option<u64>,
}

/// How a session gets new tokens when refresh is impossible, without the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reauthentication {
    /// Only the user can grant new tokens (authorization code flows).
    Never,
    /// Repeat the client-credentials grant (Makini Admin).
    ClientCredentials,
    /// Repeat the password grant with the client id as `username` and the
    /// client secret as `password` (MakeShift's API key and secret).
    PasswordWithClientCredentials,
}

/// The grants a token-endpoint request can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantType {
    /// `authorization_code`
    AuthorizationCode,
    /// `refresh_token`
    RefreshToken,
    /// `client_credentials`
    ClientCredentials,
    /// `password`
    Password,
    /// `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4).
    DeviceCode,
    /// `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693 §2.1).
    #[cfg(feature = "resources")]
    TokenExchange,
}

impl GrantType {
    /// The `grant_type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::Password => "password",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
            #[cfg(feature = "resources")]
            GrantType::TokenExchange => "urn:ietf:params:oauth:grant-type:token-exchange",
        }
    }

    /// The grant type of a `grant_type` value, the inverse of [`GrantType::as_str`].
    pub fn parse(name: &str) -> Option<GrantType> {
        [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
            GrantType::Password,
            GrantType::DeviceCode,
            #[cfg(feature = "resources")]
            GrantType::TokenExchange,
        ]
        .into_iter()
        .find(|g| g.as_str() == name)
    }
}

/// Where a response came from, for reading its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseSource {
    /// The token endpoint, answering a grant.
    Token(GrantType),
    /// The revocation, introspection or device authorization endpoint
    /// (client-authenticated, like the token endpoint).
    TokenManagement,
    /// A resource API or the token-info endpoint (bearer-authenticated).
    Api,
}

/// What one HTTP status means on one endpoint of one provider, when the body
/// does not carry an RFC 6749 error code of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusRule {
    /// On which endpoint; `Token` with `grant: None` matches every grant.
    pub on: StatusRuleScope,
    /// The HTTP status.
    pub status: u16,
    /// What it means.
    pub kind: ErrorKind,
}

/// The endpoints a [`StatusRule`] applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusRuleScope {
    /// The token endpoint, for one grant or (None) for all.
    Token(Option<GrantType>),
    /// The resource API.
    Api,
}

impl StatusRuleScope {
    fn matches(self, source: ResponseSource) -> bool {
        match (self, source) {
            (StatusRuleScope::Token(None), ResponseSource::Token(_)) => true,
            (StatusRuleScope::Token(Some(g)), ResponseSource::Token(h)) => g == h,
            (StatusRuleScope::Api, ResponseSource::Api) => true,
            _ => false,
        }
    }
}

/// PKCE code challenge method (RFC 7636 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PkceMethod {
    /// `S256`, the default.
    S256,
    /// `plain`, only when explicitly asked for.
    Plain,
}

impl PkceMethod {
    /// The `code_challenge_method` value.
    pub fn as_str(self) -> &'static str {
        match self {
            PkceMethod::S256 => "S256",
            PkceMethod::Plain => "plain",
        }
    }

    /// The method for a `code_challenge_method` value.
    pub fn parse(name: &str) -> Option<PkceMethod> {
        match name {
            "S256" => Some(PkceMethod::S256),
            "plain" => Some(PkceMethod::Plain),
            _ => None,
        }
    }
}

/// The URLs a profile holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointRole {
    /// Where the user is sent to authorize (RFC 6749 §3.1).
    Authorization,
    /// Where grants are exchanged for tokens (RFC 6749 §3.2).
    Token,
    /// RFC 7009 revocation.
    Revocation,
    /// RFC 7662 introspection.
    Introspection,
    /// MakeShift's token info.
    TokenInfo,
    /// The base of the resource API.
    ApiBase,
    /// The base of the legacy resource API (Makini v3).
    LegacyApiBase,
    /// Where a device asks for a device code and a user code (RFC 8628 §3.1).
    #[cfg(feature = "device")]
    DeviceAuthorization,
    /// The provider's JWK set, the keys ID tokens are signed with (OpenID
    /// Connect Discovery 1.0 §3 `jwks_uri`).
    #[cfg(feature = "openid")]
    Jwks,
    /// The OpenID Connect UserInfo endpoint (OpenID Connect Core 1.0 §5.3).
    #[cfg(feature = "openid")]
    Userinfo,
    /// Where the user is sent to log out (OpenID Connect RP-Initiated
    /// Logout 1.0 §2).
    #[cfg(feature = "openid")]
    EndSession,
    /// The pushed authorization request endpoint (RFC 9126 §2): where the
    /// authorization request's parameters are posted before the user is
    /// sent to the authorization endpoint with a `request_uri` alone.
    #[cfg(feature = "par")]
    PushedAuthorization,
}

impl EndpointRole {
    /// Every role, in a fixed order.
    pub const ALL: &'static [EndpointRole] = &[
        EndpointRole::Authorization,
        EndpointRole::Token,
        EndpointRole::Revocation,
        EndpointRole::Introspection,
        EndpointRole::TokenInfo,
        EndpointRole::ApiBase,
        EndpointRole::LegacyApiBase,
        #[cfg(feature = "device")]
        EndpointRole::DeviceAuthorization,
        #[cfg(feature = "openid")]
        EndpointRole::Jwks,
        #[cfg(feature = "openid")]
        EndpointRole::Userinfo,
        #[cfg(feature = "openid")]
        EndpointRole::EndSession,
        #[cfg(feature = "par")]
        EndpointRole::PushedAuthorization,
    ];

    /// The stable name, as in RFC 8414 metadata where it has one
    /// (`token_endpoint`, …; `api_base`, `legacy_api_base` otherwise).
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointRole::Authorization => "authorization_endpoint",
            EndpointRole::Token => "token_endpoint",
            EndpointRole::Revocation => "revocation_endpoint",
            EndpointRole::Introspection => "introspection_endpoint",
            EndpointRole::TokenInfo => "token_info_endpoint",
            EndpointRole::ApiBase => "api_base",
            EndpointRole::LegacyApiBase => "legacy_api_base",
            #[cfg(feature = "device")]
            EndpointRole::DeviceAuthorization => "device_authorization_endpoint",
            #[cfg(feature = "openid")]
            EndpointRole::Jwks => "jwks_uri",
            #[cfg(feature = "openid")]
            EndpointRole::Userinfo => "userinfo_endpoint",
            #[cfg(feature = "openid")]
            EndpointRole::EndSession => "end_session_endpoint",
            #[cfg(feature = "par")]
            EndpointRole::PushedAuthorization => "pushed_authorization_request_endpoint",
        }
    }

    /// Words for messages: `"token endpoint"`.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            EndpointRole::Authorization => "authorization endpoint",
            EndpointRole::Token => "token endpoint",
            EndpointRole::Revocation => "revocation endpoint",
            EndpointRole::Introspection => "introspection endpoint",
            EndpointRole::TokenInfo => "token info endpoint",
            EndpointRole::ApiBase => "API base URL",
            EndpointRole::LegacyApiBase => "legacy API base URL",
            #[cfg(feature = "device")]
            EndpointRole::DeviceAuthorization => "device authorization endpoint",
            #[cfg(feature = "openid")]
            EndpointRole::Jwks => "JWK set URL",
            #[cfg(feature = "openid")]
            EndpointRole::Userinfo => "UserInfo endpoint",
            #[cfg(feature = "openid")]
            EndpointRole::EndSession => "end-session endpoint",
            #[cfg(feature = "par")]
            EndpointRole::PushedAuthorization => "pushed authorization request endpoint",
        }
    }
}

/// A provider profile. Start from a built-in ([`Profile::makini_link`],
/// [`Profile::makini_admin`], [`Profile::makeshift`], [`Profile::generic`],
/// or [`crate::discovery::ProviderMetadata::profile`]) and adjust it with the
/// `with_*` methods, e.g. to point it at a test server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    kind: ProviderKind,
    issuer: Option<String>,
    require_issuer: bool,
    authorization_endpoint: Option<Endpoint>,
    token_endpoint: Option<Endpoint>,
    revocation_endpoint: Option<Endpoint>,
    introspection_endpoint: Option<Endpoint>,
    token_info_endpoint: Option<Endpoint>,
    api_base: Option<Endpoint>,
    legacy_api_base: Option<Endpoint>,
    #[cfg(feature = "device")]
    device_authorization_endpoint: Option<Endpoint>,
    api_origins: Vec<Endpoint>,
    client_auth: ClientAuthMethod,
    /// Whether `client_auth` was set (by a built-in profile or the user)
    /// rather than picked by discovery for a client holding a secret.
    client_auth_set: bool,
    /// The methods the server lists (RFC 8414
    /// `token_endpoint_auth_methods_supported`) that authflow knows;
    /// empty when it said nothing.
    client_auth_offered: Vec<ClientAuthMethod>,
    #[cfg(feature = "jwt-client-auth")]
    assertion_audience: Option<AssertionAudience>,
    /// The algorithms the server takes for client assertions (RFC 8414
    /// `token_endpoint_auth_signing_alg_values_supported`); empty: unknown.
    #[cfg(feature = "jwt-client-auth")]
    assertion_algorithms: Vec<String>,
    /// The algorithms the server takes for DPoP proofs (RFC 9449 §5.1
    /// `dpop_signing_alg_values_supported`); empty: unknown.
    #[cfg(feature = "dpop")]
    dpop_algorithms: Vec<String>,
    body_encoding: BodyEncoding,
    expiry: ExpiryRule,
    lifetimes: Lifetimes,
    refresh_rotates: bool,
    supports_refresh: bool,
    reauthentication: Reauthentication,
    pkce: Option<PkceMethod>,
    status_rules: Vec<StatusRule>,
    #[cfg(feature = "openid-claims")]
    openid: bool,
    #[cfg(feature = "openid")]
    jwks_uri: Option<Endpoint>,
    #[cfg(feature = "openid")]
    userinfo_endpoint: Option<Endpoint>,
    #[cfg(feature = "openid")]
    end_session_endpoint: Option<Endpoint>,
    /// The ID token algorithms accepted; `None`: RS256 alone.
    #[cfg(feature = "openid")]
    id_token_algorithms: Option<Vec<crate::jose::JwsAlgorithm>>,
    #[cfg(feature = "par")]
    pushed_authorization_endpoint: Option<Endpoint>,
    /// The server takes authorization requests only through its PAR
    /// endpoint (RFC 9126 §5 `require_pushed_authorization_requests`).
    #[cfg(feature = "par")]
    pushed_authorization_required: bool,
    /// The user chose PAR although the server does not require it.
    #[cfg(feature = "par")]
    pushed_authorization_chosen: bool,
}

fn builtin(role: EndpointRole, url: &str) -> Option<Endpoint> {
    // The built-in URLs are constants checked by a unit test, so a parse
    // failure here cannot happen; `ok()` keeps it panic-free regardless.
    Endpoint::parse(role.describe(), url).ok()
}

impl Profile {
    pub(crate) fn base(kind: ProviderKind) -> Profile {
        Profile {
            kind,
            issuer: None,
            require_issuer: false,
            authorization_endpoint: None,
            token_endpoint: None,
            revocation_endpoint: None,
            introspection_endpoint: None,
            token_info_endpoint: None,
            api_base: None,
            legacy_api_base: None,
            #[cfg(feature = "device")]
            device_authorization_endpoint: None,
            api_origins: Vec::new(),
            client_auth: ClientAuthMethod::ClientSecretPost,
            client_auth_set: true,
            client_auth_offered: Vec::new(),
            #[cfg(feature = "jwt-client-auth")]
            assertion_audience: None,
            #[cfg(feature = "jwt-client-auth")]
            assertion_algorithms: Vec::new(),
            #[cfg(feature = "dpop")]
            dpop_algorithms: Vec::new(),
            body_encoding: BodyEncoding::Form,
            expiry: ExpiryRule::Seconds,
            lifetimes: Lifetimes::default(),
            refresh_rotates: false,
            supports_refresh: true,
            reauthentication: Reauthentication::Never,
            pkce: Some(PkceMethod::S256),
            status_rules: Vec::new(),
            #[cfg(feature = "openid-claims")]
            openid: false,
            #[cfg(feature = "openid")]
            jwks_uri: None,
            #[cfg(feature = "openid")]
            userinfo_endpoint: None,
            #[cfg(feature = "openid")]
            end_session_endpoint: None,
            #[cfg(feature = "openid")]
            id_token_algorithms: None,
            #[cfg(feature = "par")]
            pushed_authorization_endpoint: None,
            #[cfg(feature = "par")]
            pushed_authorization_required: false,
            #[cfg(feature = "par")]
            pushed_authorization_chosen: false,
        }
    }

    /// What Makini Link and the Makini Admin API share, being one token
    /// service: `expires_in` as an absolute timestamp (30 d access, 31 d
    /// refresh when absent), rotation on refresh, the v4 API (v3 legacy), a
    /// refresh answered 401 meaning the refresh token expired (the Admin
    /// seed's table; the Link seeds give no status), and an API 401 meaning
    /// the access token is not accepted.
    fn makini(kind: ProviderKind) -> Profile {
        Profile {
            api_base: builtin(EndpointRole::ApiBase, MAKINI_API_V4),
            legacy_api_base: builtin(EndpointRole::LegacyApiBase, MAKINI_API_V3),
            expiry: ExpiryRule::AbsoluteTimestamp,
            lifetimes: Lifetimes {
                access: Some(30 * DAY),
                refresh: Some(31 * DAY),
            },
            refresh_rotates: true,
            status_rules: vec![
                StatusRule {
                    on: StatusRuleScope::Token(Some(GrantType::RefreshToken)),
                    status: 401,
                    kind: ErrorKind::InvalidGrant,
                },
                StatusRule {
                    on: StatusRuleScope::Api,
                    status: 401,
                    kind: ErrorKind::Unauthorized,
                },
            ],
            ..Profile::base(kind)
        }
    }

    /// Makini Link: authorization code at `link.makini.io`, token exchange and
    /// refresh at `api.makini.io/link/token` with `client_secret_post`, and
    /// the Makini token service's rules (absolute `expires_in`, rotation).
    pub fn makini_link() -> Profile {
        Profile {
            authorization_endpoint: builtin(
                EndpointRole::Authorization,
                MAKINI_LINK_AUTHORIZATION_ENDPOINT,
            ),
            token_endpoint: builtin(EndpointRole::Token, MAKINI_LINK_TOKEN_ENDPOINT),
            ..Profile::makini(ProviderKind::MakiniLink)
        }
    }

    /// The Makini Admin API: client credentials, the Makini token service's
    /// rules, and the seed's status table on the token endpoint (400
    /// malformed request, 403 wrong client id or secret, 401 on refresh:
    /// the refresh token expired, so authenticate again). The seed gives no
    /// token-endpoint URL, so it is required here.
    pub fn makini_admin(token_endpoint: &str) -> Result<Profile> {
        let shared = Profile::makini(ProviderKind::MakiniAdmin);
        let mut status_rules = vec![
            StatusRule {
                on: StatusRuleScope::Token(None),
                status: 400,
                kind: ErrorKind::InvalidRequest,
            },
            StatusRule {
                on: StatusRuleScope::Token(None),
                status: 403,
                kind: ErrorKind::InvalidClient,
            },
        ];
        status_rules.extend(shared.status_rules.iter().copied());
        Ok(Profile {
            token_endpoint: Some(Endpoint::parse(
                EndpointRole::Token.describe(),
                token_endpoint,
            )?),
            reauthentication: Reauthentication::ClientCredentials,
            pkce: None,
            status_rules,
            ..shared
        })
    }

    /// MakeShift: the password grant with a JSON body (API key as `username`,
    /// API secret as `password`), no client authentication, no refresh
    /// token, tokens that live 4 hours from `created_at`, token info at
    /// `id.makeshift.ca/oauth/token/info`, API v2.
    pub fn makeshift() -> Profile {
        Profile {
            token_endpoint: builtin(EndpointRole::Token, MAKESHIFT_TOKEN_ENDPOINT),
            token_info_endpoint: builtin(EndpointRole::TokenInfo, MAKESHIFT_TOKEN_INFO_ENDPOINT),
            api_base: builtin(EndpointRole::ApiBase, MAKESHIFT_API_V2),
            client_auth: ClientAuthMethod::Omitted,
            body_encoding: BodyEncoding::Json,
            expiry: ExpiryRule::CreatedAtPlusLifetime,
            lifetimes: Lifetimes {
                access: Some(4 * 3600),
                refresh: None,
            },
            supports_refresh: false,
            reauthentication: Reauthentication::PasswordWithClientCredentials,
            pkce: None,
            status_rules: vec![StatusRule {
                on: StatusRuleScope::Api,
                status: 401,
                kind: ErrorKind::Unauthorized,
            }],
            ..Profile::base(ProviderKind::MakeShift)
        }
    }

    /// A standards-following server: RFC 6749 with `client_secret_basic`
    /// (the method every server must support, RFC 6749 §2.3.1), `expires_in`
    /// in seconds, PKCE S256. Set the endpoints it has with the `with_*`
    /// methods, or build it from discovery.
    pub fn generic(authorization_endpoint: Option<&str>, token_endpoint: &str) -> Result<Profile> {
        Ok(Profile {
            authorization_endpoint: authorization_endpoint
                .map(|url| Endpoint::parse(EndpointRole::Authorization.describe(), url))
                .transpose()?,
            token_endpoint: Some(Endpoint::parse(
                EndpointRole::Token.describe(),
                token_endpoint,
            )?),
            client_auth: ClientAuthMethod::ClientSecretBasic,
            client_auth_set: false,
            ..Profile::base(ProviderKind::Generic)
        })
    }

    /// The built-in profile with endpoints at their documented URLs, by
    /// name; Makini Admin and generic have no documented token endpoint and
    /// need one, so they are not available here.
    pub fn builtin(kind: ProviderKind) -> Option<Profile> {
        match kind {
            ProviderKind::MakiniLink => Some(Profile::makini_link()),
            ProviderKind::MakeShift => Some(Profile::makeshift()),
            ProviderKind::MakiniAdmin | ProviderKind::Generic => None,
        }
    }

    // ----- getters -----

    /// Which provider this is.
    pub fn kind(&self) -> ProviderKind {
        self.kind
    }
    /// The issuer identifier, when known (RFC 8414 `issuer`).
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }
    /// Whether a callback without `iss` is refused (RFC 9207).
    pub fn requires_issuer(&self) -> bool {
        self.require_issuer
    }
    /// One of the profile's URLs, by role.
    pub fn endpoint(&self, role: EndpointRole) -> Option<&Endpoint> {
        match role {
            EndpointRole::Authorization => self.authorization_endpoint.as_ref(),
            EndpointRole::Token => self.token_endpoint.as_ref(),
            EndpointRole::Revocation => self.revocation_endpoint.as_ref(),
            EndpointRole::Introspection => self.introspection_endpoint.as_ref(),
            EndpointRole::TokenInfo => self.token_info_endpoint.as_ref(),
            EndpointRole::ApiBase => self.api_base.as_ref(),
            EndpointRole::LegacyApiBase => self.legacy_api_base.as_ref(),
            #[cfg(feature = "device")]
            EndpointRole::DeviceAuthorization => self.device_authorization_endpoint.as_ref(),
            #[cfg(feature = "openid")]
            EndpointRole::Jwks => self.jwks_uri.as_ref(),
            #[cfg(feature = "openid")]
            EndpointRole::Userinfo => self.userinfo_endpoint.as_ref(),
            #[cfg(feature = "openid")]
            EndpointRole::EndSession => self.end_session_endpoint.as_ref(),
            #[cfg(feature = "par")]
            EndpointRole::PushedAuthorization => self.pushed_authorization_endpoint.as_ref(),
        }
    }

    /// One of the profile's URLs, or a configuration error naming the missing one.
    pub fn required_endpoint(&self, role: EndpointRole) -> Result<&Endpoint> {
        self.endpoint(role).ok_or_else(|| {
            crate::error::Error::configuration(["the profile has no ", role.describe()].concat())
        })
    }

    fn endpoint_slot(&mut self, role: EndpointRole) -> &mut Option<Endpoint> {
        match role {
            EndpointRole::Authorization => &mut self.authorization_endpoint,
            EndpointRole::Token => &mut self.token_endpoint,
            EndpointRole::Revocation => &mut self.revocation_endpoint,
            EndpointRole::Introspection => &mut self.introspection_endpoint,
            EndpointRole::TokenInfo => &mut self.token_info_endpoint,
            EndpointRole::ApiBase => &mut self.api_base,
            EndpointRole::LegacyApiBase => &mut self.legacy_api_base,
            #[cfg(feature = "device")]
            EndpointRole::DeviceAuthorization => &mut self.device_authorization_endpoint,
            #[cfg(feature = "openid")]
            EndpointRole::Jwks => &mut self.jwks_uri,
            #[cfg(feature = "openid")]
            EndpointRole::Userinfo => &mut self.userinfo_endpoint,
            #[cfg(feature = "openid")]
            EndpointRole::EndSession => &mut self.end_session_endpoint,
            #[cfg(feature = "par")]
            EndpointRole::PushedAuthorization => &mut self.pushed_authorization_endpoint,
        }
    }

    /// The authorization endpoint.
    pub fn authorization_endpoint(&self) -> Option<&Endpoint> {
        self.authorization_endpoint.as_ref()
    }
    /// The token endpoint.
    pub fn token_endpoint(&self) -> Option<&Endpoint> {
        self.token_endpoint.as_ref()
    }
    /// The RFC 7009 revocation endpoint.
    pub fn revocation_endpoint(&self) -> Option<&Endpoint> {
        self.revocation_endpoint.as_ref()
    }
    /// The RFC 7662 introspection endpoint.
    pub fn introspection_endpoint(&self) -> Option<&Endpoint> {
        self.introspection_endpoint.as_ref()
    }
    /// MakeShift's token-info endpoint.
    pub fn token_info_endpoint(&self) -> Option<&Endpoint> {
        self.token_info_endpoint.as_ref()
    }
    /// The base of the provider's resource API.
    pub fn api_base(&self) -> Option<&Endpoint> {
        self.api_base.as_ref()
    }
    /// The legacy API base (Makini v3).
    pub fn legacy_api_base(&self) -> Option<&Endpoint> {
        self.legacy_api_base.as_ref()
    }
    /// The RFC 8628 device authorization endpoint.
    #[cfg(feature = "device")]
    pub fn device_authorization_endpoint(&self) -> Option<&Endpoint> {
        self.device_authorization_endpoint.as_ref()
    }
    /// Origins besides the API base where API requests may carry the
    /// access token, on any path (see [`Profile::with_api_origin`]).
    pub fn api_origins(&self) -> &[Endpoint] {
        &self.api_origins
    }
    /// How the client authenticates.
    pub fn client_auth(&self) -> ClientAuthMethod {
        self.client_auth
    }
    /// Whether the method was set (a built-in profile's, or
    /// [`Profile::with_client_auth`]) rather than picked by discovery.
    pub fn client_auth_is_set(&self) -> bool {
        self.client_auth_set
    }
    /// The methods the server lists that authflow knows (empty: it said nothing).
    pub fn client_auth_offered(&self) -> &[ClientAuthMethod] {
        &self.client_auth_offered
    }
    /// The algorithms the server lists for client assertions (JOSE
    /// names); empty when it said nothing.
    #[cfg(feature = "jwt-client-auth")]
    pub fn assertion_algorithms(&self) -> &[String] {
        &self.assertion_algorithms
    }
    /// Records the algorithms the server takes for client assertions
    /// (discovery's `token_endpoint_auth_signing_alg_values_supported`): a
    /// key of another algorithm is refused before anything is sent.
    #[cfg(feature = "jwt-client-auth")]
    pub fn with_assertion_algorithms(mut self, algorithms: Vec<String>) -> Profile {
        self.assertion_algorithms = algorithms;
        self
    }
    /// The algorithms the server lists for DPoP proofs (JOSE names);
    /// empty when it said nothing.
    #[cfg(feature = "dpop")]
    pub fn dpop_algorithms(&self) -> &[String] {
        &self.dpop_algorithms
    }
    /// Records the algorithms the server takes for DPoP proofs
    /// (discovery's `dpop_signing_alg_values_supported`): a DPoP key of
    /// another algorithm is refused when it is given.
    #[cfg(feature = "dpop")]
    pub fn with_dpop_algorithms(mut self, algorithms: Vec<String>) -> Profile {
        self.dpop_algorithms = algorithms;
        self
    }
    /// The `aud` of client assertions: the one set, else the issuer when
    /// known, else the token endpoint.
    #[cfg(feature = "jwt-client-auth")]
    pub fn assertion_audience(&self) -> AssertionAudience {
        self.assertion_audience.unwrap_or(if self.issuer.is_some() {
            AssertionAudience::Issuer
        } else {
            AssertionAudience::TokenEndpoint
        })
    }
    /// How token-endpoint bodies are encoded.
    pub fn body_encoding(&self) -> BodyEncoding {
        self.body_encoding
    }
    /// How `expires_in` is read.
    pub fn expiry(&self) -> ExpiryRule {
        self.expiry
    }
    /// Documented lifetimes used when a response does not give them.
    pub fn lifetimes(&self) -> Lifetimes {
        self.lifetimes
    }
    /// Whether every refresh returns a new refresh token and kills the old one.
    pub fn refresh_rotates(&self) -> bool {
        self.refresh_rotates
    }
    /// Whether the provider issues refresh tokens at all.
    pub fn supports_refresh(&self) -> bool {
        self.supports_refresh
    }
    /// How tokens are renewed without the user.
    pub fn reauthentication(&self) -> Reauthentication {
        self.reauthentication
    }
    /// The PKCE method sent with authorization requests, if any.
    pub fn pkce(&self) -> Option<PkceMethod> {
        self.pkce
    }
    /// What statuses mean, beyond RFC 6749.
    pub fn status_rules(&self) -> &[StatusRule] {
        &self.status_rules
    }

    /// The kind a profile rule gives to `status` on `source`, if any.
    pub(crate) fn status_kind(&self, source: ResponseSource, status: u16) -> Option<ErrorKind> {
        // A grant-specific rule wins over an all-grants rule.
        let mut matching = self
            .status_rules
            .iter()
            .filter(|r| r.status == status && r.on.matches(source));
        let first = matching.next()?;
        let specific = std::iter::once(first)
            .chain(matching)
            .find(|r| matches!(r.on, StatusRuleScope::Token(Some(_))));
        Some(specific.unwrap_or(first).kind)
    }

    // ----- builders -----

    /// Sets the issuer identifier; `require` refuses callbacks without `iss`.
    pub fn with_issuer(mut self, issuer: &str, require: bool) -> Profile {
        self.issuer = Some(issuer.to_owned());
        self.require_issuer = require;
        self
    }
    /// Sets one of the profile's URLs, checked by the HTTPS rule.
    pub fn with_endpoint(mut self, role: EndpointRole, url: &str) -> Result<Profile> {
        *self.endpoint_slot(role) = Some(Endpoint::parse(role.describe(), url)?);
        Ok(self)
    }
    /// Names an origin (`https://files.example`, `scheme://host[:port]`
    /// with no path or query) where absolute API URLs may carry the access
    /// token, on any path: for a provider whose API answers on more than
    /// the API base (file downloads, another region). Without it an
    /// absolute URL gets the token only below the API base; a bearer token
    /// is accepted wherever it is shown (RFC 6750 §5.3), so name only
    /// origins of the provider that issued it.
    pub fn with_api_origin(mut self, origin: &str) -> Result<Profile> {
        let endpoint = Endpoint::parse("API origin", origin)?;
        if endpoint.uri().path().as_str() != "/" || endpoint.uri().has_query() {
            return Err(crate::error::Error::configuration(
                "an API origin is scheme://host[:port], without a path or query",
            ));
        }
        if !self.api_origins.contains(&endpoint) {
            self.api_origins.push(endpoint);
        }
        Ok(self)
    }
    /// Makes the legacy API (Makini v3) the one API requests go to.
    pub fn using_legacy_api(mut self) -> Profile {
        if let Some(legacy) = self.legacy_api_base.clone() {
            self.api_base = Some(legacy);
        }
        self
    }
    /// Sets the client authentication method: every client of this
    /// profile uses it, whatever credentials it holds (a client registered
    /// for `client_secret_post` at a server that lists both).
    pub fn with_client_auth(mut self, method: ClientAuthMethod) -> Profile {
        self.client_auth = method;
        self.client_auth_set = true;
        self
    }
    /// Records the methods the server lists, for the choice
    /// [`crate::Client::client_auth_method`] makes; the method stays a
    /// choice (not set) until [`Profile::with_client_auth`].
    pub(crate) fn with_client_auth_offered(
        mut self,
        picked: ClientAuthMethod,
        offered: Vec<ClientAuthMethod>,
    ) -> Profile {
        self.client_auth = picked;
        self.client_auth_set = false;
        self.client_auth_offered = offered;
        self
    }
    /// Sets the `aud` of client assertions (`private_key_jwt`,
    /// `client_secret_jwt`): see [`AssertionAudience`].
    #[cfg(feature = "jwt-client-auth")]
    pub fn with_assertion_audience(mut self, audience: AssertionAudience) -> Profile {
        self.assertion_audience = Some(audience);
        self
    }
    /// Sets the body encoding.
    pub fn with_body_encoding(mut self, encoding: BodyEncoding) -> Profile {
        self.body_encoding = encoding;
        self
    }
    /// Sets how `expires_in` is read and the documented lifetimes.
    pub fn with_expiry(mut self, rule: ExpiryRule, lifetimes: Lifetimes) -> Profile {
        self.expiry = rule;
        self.lifetimes = lifetimes;
        self
    }
    /// Declares that refresh rotates (the old refresh token dies at once).
    pub fn with_refresh_rotation(mut self, rotates: bool) -> Profile {
        self.refresh_rotates = rotates;
        self
    }
    /// Sets the grant a client of this profile gets its tokens with: the
    /// authorization code (the user's, the default) or client credentials
    /// (RFC 6749 §4.4: the client on its own behalf, so a session gets
    /// tokens on first use and again when they expire, without a user).
    /// A refresh token is no grant to start from, and the password grant
    /// needs the user's password (MakeShift's profile has its own rule):
    /// both are configuration errors. The device grant (RFC 8628) is the
    /// user's too, like the authorization code.
    pub fn with_grant(self, grant: GrantType) -> Result<Profile> {
        match grant {
            GrantType::AuthorizationCode | GrantType::DeviceCode => Ok(self),
            GrantType::ClientCredentials => {
                Ok(self.with_reauthentication(Reauthentication::ClientCredentials))
            }
            #[cfg(feature = "resources")]
            GrantType::TokenExchange => Err(crate::error::Error::configuration(
                "a token exchange (RFC 8693) starts from another token: it is no grant a client \
                 starts with",
            )),
            GrantType::RefreshToken | GrantType::Password => {
                Err(crate::error::Error::configuration([
                    "grant ",
                    grant.as_str(),
                    " is not one a client starts with: authorization_code or client_credentials",
                ].concat()))
            }
        }
    }
    /// Sets how tokens are renewed without the user.
    pub fn with_reauthentication(mut self, how: Reauthentication) -> Profile {
        self.reauthentication = how;
        self
    }
    /// Sets the PKCE method; `None` sends no challenge. `plain` must be asked for here.
    pub fn with_pkce(mut self, method: Option<PkceMethod>) -> Profile {
        self.pkce = method;
        self
    }
    /// Marks the provider as an OpenID Provider (OpenID Connect Core 1.0
    /// §2): authorization requests then carry a `nonce` (§3.1.2.1), kept
    /// in the pending authorization to check the ID token against.
    /// [`crate::discovery::ProviderMetadata::profile`] sets it for a
    /// document that describes one.
    #[cfg(feature = "openid-claims")]
    pub fn with_openid(mut self, openid: bool) -> Profile {
        self.openid = openid;
        self
    }
    /// Whether the provider is an OpenID Provider (see [`Profile::with_openid`]).
    #[cfg(feature = "openid-claims")]
    pub fn is_openid(&self) -> bool {
        self.openid
    }
    /// Sets the algorithms an ID token may be signed with (OpenID Connect
    /// Core 1.0 §3.1.3.7 item 7: the client's choice, never the token's).
    /// [`crate::discovery::ProviderMetadata::profile`] sets those of the
    /// provider's `id_token_signing_alg_values_supported` that authflow
    /// verifies (none at all when it lists only others: its tokens are
    /// then refused, never checked with a default).
    #[cfg(feature = "openid")]
    pub fn with_id_token_algorithms(
        mut self,
        algorithms: Vec<crate::jose::JwsAlgorithm>,
    ) -> Profile {
        self.id_token_algorithms = Some(algorithms);
        self
    }
    /// The algorithms an ID token may be signed with: RS256, the default
    /// of §3.1.3.7 item 7, unless others were set.
    #[cfg(feature = "openid")]
    pub fn id_token_algorithms(&self) -> Vec<crate::jose::JwsAlgorithm> {
        self.id_token_algorithms
            .clone()
            .unwrap_or_else(|| crate::id_token::default_algorithms(&[]))
    }
    /// Chooses (or not) pushed authorization requests (RFC 9126): the
    /// authorization request's parameters go to the profile's PAR endpoint
    /// in a client-authenticated `POST`, and the authorization URL carries
    /// only `client_id` and the `request_uri` the server returns (§4), so
    /// nothing of the request shows in the browser, its history or logs.
    /// A server that requires PAR (`require_pushed_authorization_requests`,
    /// [`Profile::with_pushed_authorization_required`]) gets it whatever is
    /// chosen here. Choosing it without a PAR endpoint
    /// ([`EndpointRole::PushedAuthorization`]; set it first), or turning it
    /// off where the server requires it, is a configuration error.
    #[cfg(feature = "par")]
    pub fn with_pushed_authorization(mut self, chosen: bool) -> Result<Profile> {
        if chosen && self.pushed_authorization_endpoint.is_none() {
            return Err(crate::error::Error::configuration(
                "pushed authorization requests (RFC 9126) need the profile's pushed \
                 authorization request endpoint; set it first",
            ));
        }
        if !chosen && self.pushed_authorization_required {
            return Err(crate::error::Error::configuration(
                "the server requires pushed authorization requests \
                 (require_pushed_authorization_requests, RFC 9126 §5): they cannot be turned off",
            ));
        }
        self.pushed_authorization_chosen = chosen;
        Ok(self)
    }
    /// Records that the server accepts authorization requests only through
    /// its PAR endpoint (RFC 9126 §5 `require_pushed_authorization_requests`;
    /// discovery sets it from the metadata). The endpoint must be set
    /// first: a configuration error otherwise.
    #[cfg(feature = "par")]
    pub fn with_pushed_authorization_required(mut self, required: bool) -> Result<Profile> {
        if required && self.pushed_authorization_endpoint.is_none() {
            return Err(crate::error::Error::configuration(
                "a server that requires pushed authorization requests (RFC 9126 §5) needs its \
                 pushed authorization request endpoint in the profile",
            ));
        }
        self.pushed_authorization_required = required;
        Ok(self)
    }
    /// Whether the server requires pushed authorization requests (RFC 9126 §5).
    #[cfg(feature = "par")]
    pub fn requires_pushed_authorization(&self) -> bool {
        self.pushed_authorization_required
    }
    /// Whether authorization requests go through the PAR endpoint: the
    /// server requires it or the user chose it
    /// ([`Profile::with_pushed_authorization`]). Then
    /// [`crate::Client::authorization_request`] refuses, and
    /// [`crate::Client::pushed_authorization_request`] is the way in.
    #[cfg(feature = "par")]
    pub fn uses_pushed_authorization(&self) -> bool {
        self.pushed_authorization_required || self.pushed_authorization_chosen
    }
    /// The RFC 9126 pushed authorization request endpoint.
    #[cfg(feature = "par")]
    pub fn pushed_authorization_endpoint(&self) -> Option<&Endpoint> {
        self.pushed_authorization_endpoint.as_ref()
    }
    /// Adds a status rule; later rules for the same scope and status win.
    pub fn with_status_rule(mut self, rule: StatusRule) -> Profile {
        self.status_rules
            .retain(|r| !(r.on == rule.on && r.status == rule.status));
        self.status_rules.push(rule);
        self
    }
    pub(crate) fn set_discovered(
        mut self,
        issuer: String,
        require_issuer: bool,
        revocation: Option<Endpoint>,
        introspection: Option<Endpoint>,
    ) -> Profile {
        self.issuer = Some(issuer);
        self.require_issuer = require_issuer;
        self.revocation_endpoint = revocation;
        self.introspection_endpoint = introspection;
        self
    }
    /// Sets (or clears) one of the profile's URLs, already checked.
    #[cfg(any(feature = "device", feature = "openid", feature = "par"))]
    pub(crate) fn set_endpoint(
        mut self,
        role: EndpointRole,
        endpoint: Option<Endpoint>,
    ) -> Profile {
        *self.endpoint_slot(role) = endpoint;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Client credentials make a profile's sessions get tokens on their
    /// own; the authorization code leaves it to the user; the others are
    /// no grant to start from.
    #[test]
    fn a_grant_decides_how_sessions_get_tokens() {
        let generic = || Profile::generic(None, "https://as.example/token").unwrap();
        for grant in [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
            GrantType::Password,
            GrantType::DeviceCode,
        ] {
            assert_eq!(GrantType::parse(grant.as_str()), Some(grant));
        }
        assert_eq!(GrantType::parse("implicit"), None);
        let service = generic().with_grant(GrantType::ClientCredentials).unwrap();
        assert_eq!(
            service.reauthentication(),
            Reauthentication::ClientCredentials
        );
        let app = generic().with_grant(GrantType::AuthorizationCode).unwrap();
        assert_eq!(app.reauthentication(), Reauthentication::Never);
        for refused in [GrantType::RefreshToken, GrantType::Password] {
            let error = generic().with_grant(refused).unwrap_err();
            assert_eq!(error.kind().as_str(), "configuration");
        }
    }

    #[test]
    fn builtin_urls_are_valid_endpoints() {
        let link = Profile::makini_link();
        assert_eq!(
            link.authorization_endpoint().unwrap().as_str(),
            MAKINI_LINK_AUTHORIZATION_ENDPOINT
        );
        assert_eq!(
            link.token_endpoint().unwrap().as_str(),
            MAKINI_LINK_TOKEN_ENDPOINT
        );
        assert_eq!(link.api_base().unwrap().as_str(), MAKINI_API_V4);
        assert_eq!(link.legacy_api_base().unwrap().as_str(), MAKINI_API_V3);
        let makeshift = Profile::makeshift();
        assert_eq!(
            makeshift.token_endpoint().unwrap().as_str(),
            MAKESHIFT_TOKEN_ENDPOINT
        );
        assert_eq!(
            makeshift.token_info_endpoint().unwrap().as_str(),
            MAKESHIFT_TOKEN_INFO_ENDPOINT
        );
        assert_eq!(makeshift.api_base().unwrap().as_str(), MAKESHIFT_API_V2);
    }

    #[test]
    fn makini_admin_needs_a_valid_token_endpoint() {
        assert!(Profile::makini_admin("http://admin.example/token").is_err());
        let admin = Profile::makini_admin("https://api.makini.io/admin/token").unwrap();
        assert_eq!(
            admin.reauthentication(),
            Reauthentication::ClientCredentials
        );
    }

    #[test]
    fn grant_specific_status_rules_win() {
        let admin = Profile::makini_admin("https://api.makini.io/admin/token").unwrap();
        let refresh = ResponseSource::Token(GrantType::RefreshToken);
        let credentials = ResponseSource::Token(GrantType::ClientCredentials);
        assert_eq!(
            admin.status_kind(refresh, 401),
            Some(ErrorKind::InvalidGrant)
        );
        assert_eq!(admin.status_kind(credentials, 401), None);
        assert_eq!(
            admin.status_kind(credentials, 403),
            Some(ErrorKind::InvalidClient)
        );
        assert_eq!(
            admin.status_kind(ResponseSource::Api, 401),
            Some(ErrorKind::Unauthorized)
        );
    }

    #[test]
    fn api_origins_are_origins_only() {
        let profile = Profile::makini_link()
            .with_api_origin("https://files.makini.io")
            .unwrap()
            .with_api_origin("https://files.makini.io/")
            .unwrap();
        assert_eq!(profile.api_origins().len(), 1);
        for bad in [
            "https://files.makini.io/exports",
            "https://files.makini.io/?x=1",
            "http://files.makini.io",
            "files.makini.io",
        ] {
            let error = Profile::makini_link().with_api_origin(bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Configuration, "{bad}");
        }
    }

    #[test]
    fn legacy_api_switch() {
        let v3 = Profile::makini_link().using_legacy_api();
        assert_eq!(v3.api_base().unwrap().as_str(), MAKINI_API_V3);
    }
}

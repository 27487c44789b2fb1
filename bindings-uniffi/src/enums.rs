//! The core's plain enums and small records, exposed as they are
//! (`#[uniffi::remote]`): the foreign types mirror the core's one-to-one,
//! variant for variant, so a new variant in the core fails this build
//! until it is listed here.

use authflowkit_core::{
    Action, AssertionAudience, BodyEncoding, ClientAuthMethod, DiscoveryDocument, EndpointRole,
    ErrorKind, ExpiryRule, GrantType, Lifetimes, Method, PkceMethod, ProviderKind,
    Reauthentication, RequestPurpose, StatusRule, StatusRuleScope,
};

/// Which provider a profile describes. Its name travels inside a pending
/// authorization so that any runtime can resume it.
#[uniffi::remote(Enum)]
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

/// The URLs a profile holds.
#[uniffi::remote(Enum)]
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
    DeviceAuthorization,
    /// The provider's JWK set (OpenID Connect Discovery 1.0 §3 `jwks_uri`).
    Jwks,
    /// The OpenID Connect UserInfo endpoint.
    Userinfo,
    /// Where the user is sent to log out (OpenID Connect RP-Initiated Logout).
    EndSession,
    /// The pushed authorization request endpoint (RFC 9126 §2).
    PushedAuthorization,
}

/// How the client proves who it is at the token endpoint (RFC 6749 §2.3).
#[uniffi::remote(Enum)]
pub enum ClientAuthMethod {
    /// `client_id` and `client_secret` in the request body.
    ClientSecretPost,
    /// HTTP Basic with the form-encoded id and secret.
    ClientSecretBasic,
    /// A public client: `client_id` in the body, no secret (PKCE protects the code); RFC 8414's `none`.
    PublicClient,
    /// No client identification at all (MakeShift: the API key and secret
    /// travel as the password grant's `username` and `password`).
    Omitted,
    /// A JWT signed with the client's private key (RFC 7523 §2.2): `private_key_jwt`.
    PrivateKeyJwt,
    /// A JWT signed with HMAC SHA-256 keyed by the client secret: `client_secret_jwt`.
    ClientSecretJwt,
}

/// The `aud` of a client assertion (RFC 7523 §3).
#[uniffi::remote(Enum)]
pub enum AssertionAudience {
    /// The issuer identifier (the default when the profile knows it).
    Issuer,
    /// The token endpoint's URL (for servers that accept nothing else).
    TokenEndpoint,
}

/// PKCE code challenge method (RFC 7636 §4.2).
#[uniffi::remote(Enum)]
pub enum PkceMethod {
    /// `S256`, the default.
    S256,
    /// `plain`, only when explicitly asked for.
    Plain,
}

/// How token-endpoint request bodies are encoded.
#[uniffi::remote(Enum)]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded`, as RFC 6749 requires.
    Form,
    /// `application/json`, as MakeShift requires.
    Json,
}

/// How a token response says when the access token expires.
#[uniffi::remote(Enum)]
pub enum ExpiryRule {
    /// `expires_in` is seconds from now (RFC 6749 §5.1).
    Seconds,
    /// `expires_in` is an absolute Unix timestamp in the server's clock (Makini).
    AbsoluteTimestamp,
    /// No `expires_in`: `created_at` plus the documented lifetime (MakeShift).
    CreatedAtPlusLifetime,
}

/// Documented token lifetimes, used when a response does not say.
#[uniffi::remote(Record)]
pub struct Lifetimes {
    /// Access-token lifetime in seconds.
    pub access: Option<u64>,
    /// Refresh-token lifetime in seconds.
    pub refresh: Option<u64>,
}

/// How a session gets new tokens when refresh is impossible, without the user.
#[uniffi::remote(Enum)]
pub enum Reauthentication {
    /// Only the user can grant new tokens (authorization code flows).
    Never,
    /// Repeat the client-credentials grant (Makini Admin).
    ClientCredentials,
    /// Repeat the password grant with the client id and secret (MakeShift).
    PasswordWithClientCredentials,
}

/// The grants a token-endpoint request can carry.
#[uniffi::remote(Enum)]
pub enum GrantType {
    /// `authorization_code`
    AuthorizationCode,
    /// `refresh_token`
    RefreshToken,
    /// `client_credentials`
    ClientCredentials,
    /// `password`
    Password,
    /// `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628).
    DeviceCode,
    /// `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693).
    TokenExchange,
}

/// The endpoints a status rule applies to.
#[uniffi::remote(Enum)]
pub enum StatusRuleScope {
    /// The token endpoint, for one grant or (none) for all.
    Token(Option<GrantType>),
    /// The resource API.
    Api,
}

/// What one HTTP status means on one endpoint of one provider, when the
/// body carries no OAuth error code of its own.
#[uniffi::remote(Record)]
pub struct StatusRule {
    /// On which endpoint.
    pub on: StatusRuleScope,
    /// The HTTP status.
    pub status: u16,
    /// What it means.
    pub kind: ErrorKind,
}

/// The HTTP methods the flows use.
#[uniffi::remote(Enum)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

/// Why a session wants a request sent.
#[uniffi::remote(Enum)]
pub enum RequestPurpose {
    /// A refresh with the current refresh token.
    Refresh,
    /// New tokens without the user (client credentials, MakeShift's password grant).
    Reauthenticate,
}

/// Which well-known metadata document to fetch.
#[uniffi::remote(Enum)]
pub enum DiscoveryDocument {
    /// RFC 8414: `/.well-known/oauth-authorization-server`.
    AuthorizationServer,
    /// OpenID Connect Discovery 1.0: `/.well-known/openid-configuration`.
    OpenidConfiguration,
}

/// What went wrong; `name` in the vectors is the snake_case of the variant.
#[uniffi::remote(Enum)]
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
    /// RFC 6749 `invalid_scope`.
    InvalidScope,
    /// RFC 6749 `access_denied`: the user or server refused the authorization.
    AccessDenied,
    /// RFC 6749 `unsupported_response_type`.
    UnsupportedResponseType,
    /// RFC 6749 `server_error`.
    ServerError,
    /// RFC 6749 `temporarily_unavailable`.
    TemporarilyUnavailable,
    /// An OAuth error code outside RFC 6749 (kept as the provider code).
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
    /// asked for.
    TokenInCallback,
    /// The pending authorization was already used once in this process: a
    /// replayed redirect, or a stored string that was not deleted on use.
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
    /// No complete response came back in the time the transport allows
    /// (the request may have been carried out); action retry.
    Timeout,
    /// The token store shared by several processes did not answer.
    StoreUnavailable,
    /// The response could not be understood.
    InvalidResponse,
    /// The caller's configuration or input is wrong.
    Configuration,
    /// The session has no usable token and no way to get one without the user.
    AuthorizationRequired,
    /// A stored value (pending authorization, token set) is corrupt or of an unknown version.
    InvalidStoredValue,
    /// RFC 8628 `expired_token`: the device code expired before the user
    /// authorized; start a new device authorization when the user asks.
    ExpiredToken,
    /// An OpenID Connect ID token failed a check (signature, issuer,
    /// audience, expiry, nonce, ...); the message names the check.
    IdTokenInvalid,
}

/// What the caller should do about an error.
#[uniffi::remote(Enum)]
pub enum Action {
    /// Try the same operation again, after `retry_after` seconds when given.
    Retry,
    /// Refresh the access token, then try again.
    Refresh,
    /// Get new tokens without the user (client credentials, MakeShift's password grant).
    Reauthenticate,
    /// Send the user through the authorization again.
    AuthorizeAgain,
    /// The user declined the authorization: tell them, and do not send
    /// them back on your own.
    UserDenied,
    /// The configuration or input is wrong; retrying will not help.
    FixConfiguration,
    /// Nothing to do automatically: report it.
    Report,
}

/// The stable snake_case name of an error kind (`"invalid_grant"`), as in
/// the golden vectors.
#[uniffi::export]
pub fn error_kind_name(kind: ErrorKind) -> String {
    kind.as_str().to_owned()
}

/// The stable snake_case name of an action (`"authorize_again"`).
#[uniffi::export]
pub fn action_name(action: Action) -> String {
    action.as_str().to_owned()
}

/// The `grant_type` value of a grant (`"refresh_token"`).
#[uniffi::export]
pub fn grant_type_name(grant: GrantType) -> String {
    grant.as_str().to_owned()
}

/// The stable name of a provider kind (`"makini_link"`).
#[uniffi::export]
pub fn provider_kind_name(kind: ProviderKind) -> String {
    kind.as_str().to_owned()
}

/// The method as it goes on the wire (`"POST"`).
#[uniffi::export]
pub fn method_name(method: Method) -> String {
    method.as_str().to_owned()
}

/// Bytes of entropy `Client.authorization_request` needs (state, PKCE
/// verifier, then the OpenID nonce; a profile that is not OpenID reads
/// only the first 48).
#[uniffi::export]
pub fn authorization_entropy_len() -> u32 {
    // A small constant (64): the conversion cannot truncate.
    authflowkit_core::AUTHORIZATION_ENTROPY_LEN as u32
}

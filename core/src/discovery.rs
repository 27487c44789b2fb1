//! Authorization server metadata (RFC 8414) and OpenID Connect discovery:
//! the request for the metadata document and a generic profile made from it.

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::error_response::{body_kind, error_from_response, json_object};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json::{Object, Shallow};
use crate::profile::{ClientAuthMethod, EndpointRole, PkceMethod, Profile, ResponseSource};

/// Which well-known document to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryDocument {
    /// RFC 8414: `/.well-known/oauth-authorization-server` inserted before the issuer's path.
    AuthorizationServer,
    /// OpenID Connect Discovery 1.0: `/.well-known/openid-configuration` appended to the issuer.
    OpenidConfiguration,
}

/// The metadata of an authorization server.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderMetadata {
    /// The issuer identifier (checked equal to the one asked for).
    pub issuer: String,
    /// `authorization_endpoint`
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`
    pub token_endpoint: Option<String>,
    /// `revocation_endpoint`
    pub revocation_endpoint: Option<String>,
    /// `introspection_endpoint`
    pub introspection_endpoint: Option<String>,
    /// `device_authorization_endpoint` (RFC 8628 §4)
    pub device_authorization_endpoint: Option<String>,
    /// `token_endpoint_auth_methods_supported`
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// `token_endpoint_auth_signing_alg_values_supported` (RFC 8414 §2):
    /// the algorithms the server takes for client assertions.
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// `dpop_signing_alg_values_supported` (RFC 9449 §5.1): the
    /// algorithms the server takes for DPoP proofs.
    pub dpop_signing_alg_values_supported: Vec<String>,
    /// `code_challenge_methods_supported`
    pub code_challenge_methods_supported: Vec<String>,
    /// `grant_types_supported`
    pub grant_types_supported: Vec<String>,
    /// `scopes_supported`
    pub scopes_supported: Vec<String>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207)
    pub authorization_response_iss_parameter_supported: bool,
    /// `jwks_uri`: the provider's signing keys (OpenID Connect Discovery
    /// 1.0 §3, RFC 8414 §2).
    #[cfg(feature = "openid")]
    pub jwks_uri: Option<String>,
    /// `userinfo_endpoint` (OpenID Connect Discovery 1.0 §3).
    #[cfg(feature = "openid")]
    pub userinfo_endpoint: Option<String>,
    /// `end_session_endpoint` (OpenID Connect RP-Initiated Logout 1.0 §2.1).
    #[cfg(feature = "openid")]
    pub end_session_endpoint: Option<String>,
    /// `id_token_signing_alg_values_supported` (OpenID Connect Discovery
    /// 1.0 §3): REQUIRED of an OpenID Provider, so its presence marks one.
    #[cfg(feature = "openid-claims")]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// `pushed_authorization_request_endpoint` (RFC 9126 §5).
    #[cfg(feature = "par")]
    pub pushed_authorization_request_endpoint: Option<String>,
    /// `require_pushed_authorization_requests` (RFC 9126 §5): the server
    /// takes authorization requests only through its PAR endpoint.
    #[cfg(feature = "par")]
    pub require_pushed_authorization_requests: bool,
    /// Every other member.
    pub extra: Object,
}

/// The request for an issuer's metadata document.
pub fn discovery_request(issuer: &str, document: DiscoveryDocument) -> Result<HttpRequest> {
    let issuer_url = Endpoint::parse("issuer", issuer)?;
    let uri = issuer_url.uri();
    if uri.has_query() {
        return Err(Error::configuration("an issuer must not have a query"));
    }
    let path = uri.path().as_str().trim_end_matches('/');
    let well_known = match document {
        DiscoveryDocument::AuthorizationServer => {
            format!("/.well-known/oauth-authorization-server{path}")
        }
        DiscoveryDocument::OpenidConfiguration => {
            format!("{path}/.well-known/openid-configuration")
        }
    };
    let origin = format!(
        "{}://{}",
        uri.scheme().as_str(),
        uri.authority().map(|a| a.as_str()).unwrap_or_default()
    );
    Ok(HttpRequest::new(Method::Get, origin + &well_known))
}

/// Reads a metadata document; its `issuer` must equal `expected_issuer`
/// (RFC 8414 §3.3), or the document is refused.
pub fn parse_discovery_response(
    expected_issuer: &str,
    response: &HttpResponse,
) -> Result<ProviderMetadata> {
    if response.status != 200 {
        let profile = Profile::base(crate::profile::ProviderKind::Generic);
        return Err(error_from_response(
            &profile,
            ResponseSource::Api,
            0,
            response,
        ));
    }
    let mut body = json_object(response).ok_or_else(|| {
        Error::invalid_response(format!("the metadata document is {}", body_kind(response)))
    })?;
    let issuer = match body.remove("issuer") {
        Some(Shallow::String(s)) => s.into_owned(),
        _ => {
            return Err(Error::invalid_response(
                "the metadata document has no issuer",
            ))
        }
    };
    if issuer != expected_issuer {
        // Retrying will not change the document: the issuer configured or
        // the server's own setting is wrong (RFC 8414 §3.3).
        return Err(Error::invalid_response(format!(
            "the metadata document is for issuer \"{}\", not \"{expected_issuer}\"",
            crate::syntax::escape_controls(&issuer)
        ))
        .with_action(crate::error::Action::FixConfiguration));
    }
    let mut string = |name: &str| match body.remove(name) {
        Some(Shallow::String(s)) => Ok(Some(s.into_owned())),
        None | Some(Shallow::Null) => Ok(None),
        Some(_) => Err(Error::invalid_response(format!("{name} is not a string"))),
    };
    let authorization_endpoint = string("authorization_endpoint")?;
    let token_endpoint = string("token_endpoint")?;
    let revocation_endpoint = string("revocation_endpoint")?;
    let introspection_endpoint = string("introspection_endpoint")?;
    let device_authorization_endpoint = string("device_authorization_endpoint")?;
    #[cfg(feature = "openid")]
    let (jwks_uri, userinfo_endpoint, end_session_endpoint) = (
        string("jwks_uri")?,
        string("userinfo_endpoint")?,
        string("end_session_endpoint")?,
    );
    #[cfg(feature = "par")]
    let pushed_authorization_request_endpoint = string("pushed_authorization_request_endpoint")?;
    let mut list = |name: &str| match body.remove(name) {
        Some(list @ Shallow::Array(_)) => list
            .items()
            .unwrap_or_default()
            .into_iter()
            .map(|v| match v {
                Shallow::String(s) => Ok(s.into_owned()),
                _ => Err(Error::invalid_response(format!(
                    "{name} holds a non-string"
                ))),
            })
            .collect(),
        None | Some(Shallow::Null) => Ok(Vec::new()),
        Some(_) => Err(Error::invalid_response(format!("{name} is not a list"))),
    };
    let token_endpoint_auth_methods_supported = list("token_endpoint_auth_methods_supported")?;
    let token_endpoint_auth_signing_alg_values_supported =
        list("token_endpoint_auth_signing_alg_values_supported")?;
    let dpop_signing_alg_values_supported = list("dpop_signing_alg_values_supported")?;
    let code_challenge_methods_supported = list("code_challenge_methods_supported")?;
    let grant_types_supported = list("grant_types_supported")?;
    let scopes_supported = list("scopes_supported")?;
    #[cfg(feature = "openid-claims")]
    let id_token_signing_alg_values_supported = list("id_token_signing_alg_values_supported")?;
    // RFC 9207 §3: a boolean. Any other type is refused, not read as
    // false: that would turn the issuer check off (fail open).
    let iss_supported = match body.remove("authorization_response_iss_parameter_supported") {
        Some(Shallow::Bool(supported)) => supported,
        None | Some(Shallow::Null) => false,
        Some(_) => {
            return Err(Error::invalid_response(
                "authorization_response_iss_parameter_supported is not a boolean",
            )
            .with_action(crate::error::Action::FixConfiguration))
        }
    };
    // RFC 9126 §5: a boolean. Any other type is refused rather than read
    // as false: authorization requests would then leak their parameters
    // in URLs the server refuses anyway.
    #[cfg(feature = "par")]
    let require_pushed_authorization_requests =
        match body.remove("require_pushed_authorization_requests") {
            Some(Shallow::Bool(required)) => required,
            None | Some(Shallow::Null) => false,
            Some(_) => {
                return Err(Error::invalid_response(
                    "require_pushed_authorization_requests is not a boolean",
                )
                .with_action(crate::error::Action::FixConfiguration))
            }
        };
    Ok(ProviderMetadata {
        issuer,
        authorization_endpoint,
        token_endpoint,
        revocation_endpoint,
        introspection_endpoint,
        device_authorization_endpoint,
        token_endpoint_auth_methods_supported,
        token_endpoint_auth_signing_alg_values_supported,
        dpop_signing_alg_values_supported,
        code_challenge_methods_supported,
        grant_types_supported,
        scopes_supported,
        authorization_response_iss_parameter_supported: iss_supported,
        #[cfg(feature = "openid")]
        jwks_uri,
        #[cfg(feature = "openid")]
        userinfo_endpoint,
        #[cfg(feature = "openid")]
        end_session_endpoint,
        #[cfg(feature = "openid-claims")]
        id_token_signing_alg_values_supported,
        #[cfg(feature = "par")]
        pushed_authorization_request_endpoint,
        #[cfg(feature = "par")]
        require_pushed_authorization_requests,
        extra: body.into_object(&[]),
    })
}

impl ProviderMetadata {
    /// A generic profile for this server: its endpoints (each checked by
    /// the HTTPS rule), `client_secret_basic` unless only
    /// `client_secret_post` is offered, PKCE S256 (a configuration error
    /// if the server lists methods without it), and `iss` required on
    /// callbacks when the server says it sends it (RFC 9207), and (with the
    /// `openid-claims` feature) an OpenID Provider's profile when the document
    /// lists `id_token_signing_alg_values_supported`, which OpenID Connect
    /// Discovery 1.0 §3 requires of one and RFC 8414 metadata only carries
    /// for a server that issues ID tokens. Endpoints use
    /// https, or plain http only when the issuer itself is a loopback http
    /// URL.
    pub fn profile(&self) -> Result<Profile> {
        let token_endpoint = self.token_endpoint.as_deref().ok_or_else(|| {
            Error::invalid_response("the metadata document has no token_endpoint")
        })?;
        let methods = &self.token_endpoint_auth_methods_supported;
        let offers = |m: &str| methods.iter().any(|x| x == m);
        // The pick for a client holding a secret (or nothing); a client
        // holding a signing key takes `private_key_jwt` when it is listed
        // (`Client::client_auth_method`). RFC 8414 §2: an empty list means
        // `client_secret_basic`.
        let client_auth = if methods.is_empty() || offers("client_secret_basic") {
            ClientAuthMethod::ClientSecretBasic
        } else if offers("client_secret_post") {
            ClientAuthMethod::ClientSecretPost
        } else {
            #[cfg(feature = "jwt-client-auth")]
            let jwt = if offers("client_secret_jwt") {
                ClientAuthMethod::ClientSecretJwt
            } else if offers("private_key_jwt") && !offers("none") {
                ClientAuthMethod::PrivateKeyJwt
            } else {
                ClientAuthMethod::PublicClient
            };
            #[cfg(not(feature = "jwt-client-auth"))]
            let jwt = ClientAuthMethod::PublicClient;
            jwt
        };
        let offered = methods
            .iter()
            .filter_map(|m| ClientAuthMethod::parse(m))
            .filter(|m| *m != ClientAuthMethod::Omitted)
            .collect();
        // RFC 7636 §4.2 and RFC 9700 §2.1.1: S256 whenever it can be used.
        // A list without it does not turn PKCE off (nor down to `plain`)
        // by itself: the user chooses, with `Profile::with_pkce`.
        let challenges = &self.code_challenge_methods_supported;
        if !challenges.is_empty() && !challenges.iter().any(|m| m == "S256") {
            return Err(Error::configuration(
                "the server does not list S256 in code_challenge_methods_supported; \
                 choose PKCE explicitly with Profile::with_pkce",
            ));
        }
        // Plain http is for a server on this machine: a remote issuer's
        // document naming a loopback http endpoint would send codes and
        // secrets in clear to whatever listens on that port here.
        let issuer_is_local = Endpoint::parse("issuer", &self.issuer)
            .is_ok_and(|issuer| issuer.uri().scheme().as_str().eq_ignore_ascii_case("http"));
        let endpoint = |role: EndpointRole, url: &str| {
            let endpoint = Endpoint::parse(role.describe(), url)?;
            let plain = endpoint
                .uri()
                .scheme()
                .as_str()
                .eq_ignore_ascii_case("http");
            if plain && !issuer_is_local {
                return Err(Error::invalid_response(format!(
                    "the metadata document of an https issuer names a plain http {}",
                    role.describe()
                ))
                .with_action(crate::error::Action::FixConfiguration));
            }
            Ok(endpoint)
        };
        for (role, url) in [
            (
                EndpointRole::Authorization,
                self.authorization_endpoint.as_deref(),
            ),
            (EndpointRole::Token, Some(token_endpoint)),
        ] {
            url.map(|u| endpoint(role, u)).transpose()?;
        }
        let optional = |role: EndpointRole, url: &Option<String>| {
            url.as_deref().map(|u| endpoint(role, u)).transpose()
        };
        let profile = Profile::generic(self.authorization_endpoint.as_deref(), token_endpoint)?
            .with_client_auth_offered(client_auth, offered);
        #[cfg(feature = "jwt-client-auth")]
        let profile = profile.with_assertion_algorithms(
            self.token_endpoint_auth_signing_alg_values_supported
                .clone(),
        );
        #[cfg(feature = "dpop")]
        let profile = profile.with_dpop_algorithms(self.dpop_signing_alg_values_supported.clone());
        let profile = profile.with_pkce(Some(PkceMethod::S256)).set_discovered(
            self.issuer.clone(),
            self.authorization_response_iss_parameter_supported,
            optional(EndpointRole::Revocation, &self.revocation_endpoint)?,
            optional(EndpointRole::Introspection, &self.introspection_endpoint)?,
        );
        // RFC 8628 §4.
        #[cfg(feature = "device")]
        let profile = profile.set_endpoint(
            EndpointRole::DeviceAuthorization,
            optional(
                EndpointRole::DeviceAuthorization,
                &self.device_authorization_endpoint,
            )?,
        );
        #[cfg(feature = "openid")]
        let profile = {
            let mut profile = profile;
            // OpenID Connect Discovery 1.0 §3 and RP-Initiated Logout §2.1.
            for (role, url) in [
                (EndpointRole::Jwks, &self.jwks_uri),
                (EndpointRole::Userinfo, &self.userinfo_endpoint),
                (EndpointRole::EndSession, &self.end_session_endpoint),
            ] {
                profile = profile.set_endpoint(role, optional(role, url)?);
            }
            let signing_algs = &self.id_token_signing_alg_values_supported;
            if signing_algs.is_empty() {
                profile
            } else {
                profile
                    .with_openid(true)
                    .with_id_token_algorithms(crate::id_token::default_algorithms(signing_algs))
            }
        };
        #[cfg(all(feature = "openid-claims", not(feature = "openid")))]
        let profile = profile.with_openid(!self.id_token_signing_alg_values_supported.is_empty());
        // RFC 9126 §5: the PAR endpoint, and whether the server takes
        // authorization requests only through it (then a configuration
        // error without one: no request could be made).
        #[cfg(feature = "par")]
        let profile = profile
            .set_endpoint(
                EndpointRole::PushedAuthorization,
                optional(
                    EndpointRole::PushedAuthorization,
                    &self.pushed_authorization_request_endpoint,
                )?,
            )
            .with_pushed_authorization_required(self.require_pushed_authorization_requests)
            .map_err(|_| {
                Error::invalid_response(
                    "the metadata document requires pushed authorization requests but names no \
                     pushed_authorization_request_endpoint",
                )
                .with_action(crate::error::Action::FixConfiguration)
            })?;
        Ok(profile)
    }
}

/// The profile discovery makes of the metadata of `https://as.example`
/// (issuer and token endpoint) with `members` added (JSON object members,
/// e.g. `"dpop_signing_alg_values_supported":["EdDSA"]`): for the tests
/// of what each metadata member changes.
#[cfg(all(test, feature = "signing"))]
pub(crate) fn test_profile(members: &str) -> Profile {
    let body = format!(
        r#"{{"issuer":"https://as.example","token_endpoint":"https://as.example/token",{members}}}"#
    );
    let response = HttpResponse {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.into_bytes().into(),
    };
    #[allow(clippy::unwrap_used)] // test code: a panic is a failed test
    parse_discovery_response("https://as.example", &response)
        .unwrap()
        .profile()
        .unwrap()
}

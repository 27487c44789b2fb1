//! The client: a profile plus this application's registration (client id,
//! secret, redirect URI, default scopes), and the one place where requests
//! to client-authenticated endpoints are assembled.

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::http::{HttpRequest, Method};
use crate::json::ObjectWriter;
use crate::profile::{BodyEncoding, ClientAuthMethod, EndpointRole, Profile};
#[cfg(feature = "confidential")]
use crate::secret::ClientSecret;
use zeroize::Zeroizing;

/// One parameter of a request body; values may be secrets and are wiped.
pub(crate) type Param = (&'static str, Zeroizing<String>);

pub(crate) fn param(name: &'static str, value: &str) -> Param {
    (name, Zeroizing::new(value.to_owned()))
}

/// An OAuth client of one provider.
///
/// A client without a secret is a public client: it sends its `client_id`
/// and relies on PKCE, whatever authentication method the profile names.
#[derive(Debug, Clone)]
pub struct Client {
    profile: Profile,
    client_id: String,
    #[cfg(feature = "confidential")]
    client_secret: Option<ClientSecret>,
    /// The secret as it goes out: in HTTP Basic credentials and
    /// form-encoded. Worked out once, as every request with Basic
    /// authentication sends it and every error is cleared of both.
    #[cfg(feature = "confidential")]
    secret_as_sent: Option<SecretAsSent>,
    redirect_uri: Option<String>,
    scopes: Vec<String>,
    /// The resources its tokens are for (RFC 8707), checked when set.
    #[cfg(feature = "resources")]
    pub(crate) resources: Vec<String>,
    /// The key of `private_key_jwt` (RFC 7523 §2.2).
    #[cfg(feature = "jwt-client-auth")]
    pub(crate) signing_key: Option<crate::signing::SigningKey>,
    /// The time and entropy of the requests built now ([`Client::at`]):
    /// a client assertion and a DPoP proof need both.
    #[cfg(feature = "signed-requests")]
    pub(crate) request_context: Option<std::sync::Arc<crate::client_assertion::RequestContext>>,
    /// DPoP (RFC 9449): the key, the nonces, whether to send `dpop_jkt`.
    #[cfg(feature = "dpop")]
    pub(crate) dpop: Option<crate::dpop::DpopConfig>,
}

impl Client {
    /// A client with the given id (for MakeShift: the API key).
    pub fn new(profile: Profile, client_id: impl Into<String>) -> Client {
        Client {
            profile,
            client_id: client_id.into(),
            #[cfg(feature = "confidential")]
            client_secret: None,
            #[cfg(feature = "confidential")]
            secret_as_sent: None,
            redirect_uri: None,
            scopes: Vec::new(),
            #[cfg(feature = "resources")]
            resources: Vec::new(),
            #[cfg(feature = "jwt-client-auth")]
            signing_key: None,
            #[cfg(feature = "signed-requests")]
            request_context: None,
            #[cfg(feature = "dpop")]
            dpop: None,
        }
    }

    /// Adds the client secret (for MakeShift: the API secret).
    #[cfg(feature = "confidential")]
    pub fn with_client_secret(mut self, secret: ClientSecret) -> Client {
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine;
        let encoded = crate::form::encode(secret.secret());
        // RFC 6749 §2.3.1: both parts are form-encoded before Base64.
        let credentials =
            Zeroizing::new([&crate::form::encode(&self.client_id), ":", &encoded].concat());
        self.secret_as_sent = Some(SecretAsSent {
            basic: ClientSecret::new(STANDARD.encode(credentials.as_bytes())),
            form_encoded: ClientSecret::new(encoded),
        });
        self.client_secret = Some(secret);
        self
    }

    /// Sets the redirect URI registered with the provider: an absolute URL
    /// without a fragment (RFC 6749 §3.1.2) that is `https`, `http` to a
    /// loopback address (native apps' listener, RFC 8252 §7.3), or a
    /// private-use scheme such as `com.example.app:/cb` (RFC 8252 §7.1).
    /// Plain `http` to another host (the code would cross the network in
    /// clear, RFC 9700 §2.6) and script schemes are configuration errors.
    pub fn with_redirect_uri(mut self, redirect_uri: &str) -> Result<Client> {
        crate::endpoint::check_redirect_uri(redirect_uri)?;
        self.redirect_uri = Some(redirect_uri.to_owned());
        Ok(self)
    }

    /// Sets the scopes requested by default.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Client
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The provider profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The redirect URI, if set.
    pub fn redirect_uri(&self) -> Option<&str> {
        self.redirect_uri.as_deref()
    }

    /// The default scopes.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether the client has a secret (is confidential).
    pub fn has_client_secret(&self) -> bool {
        #[cfg(feature = "confidential")]
        {
            self.client_secret.is_some()
        }
        #[cfg(not(feature = "confidential"))]
        {
            false
        }
    }

    /// Whether the client has credentials to authenticate with (is
    /// confidential): a secret, or (with `jwt-client-auth`) a signing key.
    pub fn is_confidential(&self) -> bool {
        #[cfg(feature = "jwt-client-auth")]
        if self.signing_key.is_some() {
            return true;
        }
        self.has_client_secret()
    }

    /// Whether the client proves a DPoP key (RFC 9449), so that a token
    /// of type `DPoP` is one it can use.
    pub(crate) fn uses_dpop_proofs(&self) -> bool {
        #[cfg(feature = "dpop")]
        {
            self.uses_dpop()
        }
        #[cfg(not(feature = "dpop"))]
        {
            false
        }
    }

    /// A request presenting `token` to `url`: `Authorization: Bearer`
    /// (RFC 6750 §2.1), or for a DPoP-bound token `Authorization: DPoP`
    /// with a proof (RFC 9449 §7.1), never the bearer scheme.
    pub(crate) fn authorized_request(
        &self,
        method: Method,
        url: String,
        token: &crate::secret::AccessToken,
    ) -> Result<HttpRequest> {
        // Without the feature no token is DPoP-bound: nothing makes one.
        #[cfg(feature = "dpop")]
        if token.is_dpop_bound() {
            return self.dpop_request(method, url, token);
        }
        crate::api::bearer_request(method, url, token)
    }

    #[cfg(feature = "confidential")]
    pub(crate) fn client_secret(&self) -> Option<&ClientSecret> {
        self.client_secret.as_ref()
    }

    #[cfg(feature = "confidential")]
    pub(crate) fn secret_as_sent(&self) -> Option<&SecretAsSent> {
        self.secret_as_sent.as_ref()
    }

    /// The `scope` parameter for `scopes`: `None` for none; a
    /// configuration error if one is not an RFC 6749 §3.3 scope token
    /// (`1*NQCHAR`: empty, a space, `"` or `\` would change what is asked).
    pub(crate) fn scope_param(scopes: &[String]) -> Result<Option<String>> {
        if let Some(bad) = scopes.iter().find(|s| !crate::syntax::is_scope_token(s)) {
            return Err(Error::configuration(
                [
                    "scope \"",
                    &crate::syntax::escape_controls(bad),
                    "\" is not a scope token (RFC 6749 §3.3: printable ASCII, no space, \
                 '\"' or '\\')",
                ]
                .concat(),
            ));
        }
        Ok((!scopes.is_empty()).then(|| scopes.join(" ")))
    }

    pub(crate) fn required_redirect_uri(&self) -> Result<&str> {
        self.redirect_uri
            .as_deref()
            .ok_or_else(|| Error::configuration("the client has no redirect URI"))
    }

    pub(crate) fn token_endpoint(&self) -> Result<&Endpoint> {
        self.profile.required_endpoint(EndpointRole::Token)
    }

    /// A `POST` to a client-authenticated endpoint (token, revocation,
    /// introspection): applies the client authentication and encodes the body.
    pub(crate) fn authenticated_post(
        &self,
        endpoint: &Endpoint,
        mut params: Vec<Param>,
        encoding: BodyEncoding,
    ) -> Result<HttpRequest> {
        let mut request = HttpRequest::new(Method::Post, endpoint.as_str().to_owned());
        match self.client_auth_method()? {
            ClientAuthMethod::Omitted => {}
            method => {
                if let Some(mut header) = self.apply_client_auth(method, &mut params)? {
                    // Moved, not copied: the request wipes it when dropped.
                    request = request.with_header("Authorization", std::mem::take(&mut *header));
                }
            }
        }
        let (content_type, body) = match encoding {
            BodyEncoding::Form => ("application/x-www-form-urlencoded", encode_form(&params)),
            BodyEncoding::Json => ("application/json", encode_json(&params)),
        };
        Ok(request.with_body(content_type, body))
    }

    /// Adds the client's credentials to the parameters, or returns the
    /// `Authorization` header value that carries them.
    #[cfg(feature = "confidential")]
    fn apply_client_auth(
        &self,
        method: ClientAuthMethod,
        params: &mut Vec<Param>,
    ) -> Result<Option<Zeroizing<String>>> {
        Ok(match (method, &self.client_secret, &self.secret_as_sent) {
            (ClientAuthMethod::ClientSecretBasic, Some(_), Some(sent)) => {
                Some(Zeroizing::new(["Basic ", sent.basic.secret()].concat()))
            }
            (ClientAuthMethod::ClientSecretPost, Some(secret), _) => {
                params.push(param("client_id", &self.client_id));
                params.push(param("client_secret", secret.secret()));
                None
            }
            #[cfg(feature = "jwt-client-auth")]
            (ClientAuthMethod::PrivateKeyJwt, _, _)
            | (ClientAuthMethod::ClientSecretJwt, Some(_), _) => {
                let assertion = self.client_assertion(method)?;
                // RFC 7521 §4.2: client_id is optional beside an assertion;
                // sent, it lets the server find the client's keys at once.
                params.push(param("client_id", &self.client_id));
                params.push(param(
                    "client_assertion_type",
                    crate::client_assertion::JWT_BEARER,
                ));
                params.push(("client_assertion", assertion));
                None
            }
            _ => {
                params.push(param("client_id", &self.client_id));
                None
            }
        })
    }

    /// Without the `confidential` feature every client is public.
    #[cfg(not(feature = "confidential"))]
    fn apply_client_auth(
        &self,
        _method: ClientAuthMethod,
        params: &mut Vec<Param>,
    ) -> Result<Option<Zeroizing<String>>> {
        params.push(param("client_id", &self.client_id));
        Ok(None)
    }

    /// How this client authenticates: the profile's method when it was set
    /// (a built-in profile's, or [`Profile::with_client_auth`]); otherwise
    /// `private_key_jwt` for a client holding a signing key (a
    /// configuration error when the server lists methods without it), and
    /// discovery's pick for a client holding a secret or nothing.
    pub fn client_auth_method(&self) -> Result<ClientAuthMethod> {
        let profile = &self.profile;
        #[cfg(feature = "jwt-client-auth")]
        if !profile.client_auth_is_set() && self.signing_key.is_some() {
            let offered = profile.client_auth_offered();
            if !offered.is_empty() && !offered.contains(&ClientAuthMethod::PrivateKeyJwt) {
                return Err(Error::configuration(
                    "the client has a signing key, but the server does not list private_key_jwt \
                     in token_endpoint_auth_methods_supported; choose a method with \
                     Profile::with_client_auth",
                ));
            }
            return Ok(ClientAuthMethod::PrivateKeyJwt);
        }
        Ok(profile.client_auth())
    }
}

/// A client secret as requests carry it.
#[cfg(feature = "confidential")]
#[derive(Debug, Clone)]
pub(crate) struct SecretAsSent {
    /// The credentials of an HTTP Basic `Authorization` header.
    pub(crate) basic: ClientSecret,
    /// The secret form-encoded (also how it goes into Basic credentials).
    pub(crate) form_encoded: ClientSecret,
}

pub(crate) fn encode_form(params: &[Param]) -> Vec<u8> {
    let mut serializer = crate::form::FormWriter::new();
    for (name, value) in params {
        serializer.append_pair(name, value);
    }
    serializer.finish().into_bytes()
}

/// The parameters as one JSON object of strings, in their order. The
/// buffer is sized up front so that no unwiped copy of a secret is left by
/// a reallocation.
fn encode_json(params: &[Param]) -> Vec<u8> {
    let capacity = params
        .iter()
        .map(|(name, value)| name.len() + 2 * value.len() + 8)
        .sum::<usize>()
        + 2;
    let mut json = ObjectWriter::with_capacity(capacity);
    for (name, value) in params {
        json.string(name, value);
    }
    json.finish().into_bytes()
}

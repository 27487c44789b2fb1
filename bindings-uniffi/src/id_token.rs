//! OpenID Connect ID tokens and the provider's keys: the core's
//! `IdTokenCheck`, `IdTokenClaims`, `JwkSet` and JWK set request/parser,
//! converted one-to-one.

use crate::client::Client;
use crate::error::Result;
use crate::http::{HttpRequest, HttpResponse};
use authflowkit_core::JwsAlgorithm;
use std::sync::Arc;

/// A signature algorithm authflow verifies (RFC 7518 §3, RFC 8037).
#[uniffi::remote(Enum)]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// ECDSA with P-256 and SHA-256.
    Es256,
    /// EdDSA with Ed25519.
    EdDsa,
}

/// The JOSE name of an algorithm (`"RS256"`).
#[uniffi::export]
pub fn jws_algorithm_name(algorithm: JwsAlgorithm) -> String {
    algorithm.as_str().to_owned()
}

/// The algorithms to accept from a provider: those of its
/// `id_token_signing_alg_values_supported` authflow verifies; RS256 when
/// it lists none. Never `none`.
#[uniffi::export]
pub fn default_algorithms(supported: Vec<String>) -> Vec<JwsAlgorithm> {
    authflowkit_core::default_algorithms(&supported)
}

/// What an ID token is checked against (OpenID Connect Core 1.0 §3.1.3.7).
#[derive(Debug, Clone, uniffi::Record)]
pub struct IdTokenCheck {
    /// The issuer the token must name exactly.
    pub issuer: String,
    /// The client id its `aud` must contain.
    pub client_id: String,
    /// The nonce sent (the pending authorization's), which it must carry.
    #[uniffi(default = None)]
    pub nonce: Option<String>,
    /// The `max_age` sent: `auth_time` is then required and checked.
    #[uniffi(default = None)]
    pub max_age: Option<u64>,
    /// The algorithms accepted (see `default_algorithms`).
    pub algorithms: Vec<JwsAlgorithm>,
    /// How far the provider's clock is ahead of ours (the token set's `clock_skew`).
    #[uniffi(default = 0)]
    pub clock_skew: i64,
}

impl IdTokenCheck {
    fn to_core(&self) -> authflowkit_core::IdTokenCheck {
        authflowkit_core::IdTokenCheck {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            nonce: self.nonce.clone(),
            max_age: self.max_age,
            algorithms: self.algorithms.clone(),
            clock_skew: self.clock_skew,
        }
    }
}

/// The claims of a validated ID token; every other claim in `extra_json`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IdTokenClaims {
    /// `iss`
    pub iss: String,
    /// `sub`
    pub sub: String,
    /// `aud`
    pub aud: Vec<String>,
    /// `exp`
    pub exp: u64,
    /// `iat`
    pub iat: u64,
    /// `nbf`
    pub nbf: Option<u64>,
    /// `nonce`
    pub nonce: Option<String>,
    /// `azp`
    pub azp: Option<String>,
    /// `auth_time`
    pub auth_time: Option<u64>,
    /// `at_hash`
    pub at_hash: Option<String>,
    /// `c_hash`
    pub c_hash: Option<String>,
    /// `acr`
    pub acr: Option<String>,
    /// `amr`
    pub amr: Vec<String>,
    /// `sid`
    pub sid: Option<String>,
    /// Every other claim, as a JSON object.
    pub extra_json: String,
}

impl From<authflowkit_core::IdTokenClaims> for IdTokenClaims {
    fn from(c: authflowkit_core::IdTokenClaims) -> IdTokenClaims {
        IdTokenClaims {
            extra_json: authflowkit_core::json::object_to_json(&c.extra),
            iss: c.iss,
            sub: c.sub,
            aud: c.aud,
            exp: c.exp,
            iat: c.iat,
            nbf: c.nbf,
            nonce: c.nonce,
            azp: c.azp,
            auth_time: c.auth_time,
            at_hash: c.at_hash,
            c_hash: c.c_hash,
            acr: c.acr,
            amr: c.amr,
            sid: c.sid,
        }
    }
}

impl IdTokenClaims {
    fn to_core(&self) -> Result<authflowkit_core::IdTokenClaims> {
        let extra =
            authflowkit_core::json::parse_object(self.extra_json.as_bytes()).ok_or_else(|| {
                authflowkit_core::Error::new(
                    authflowkit_core::ErrorKind::Configuration,
                    "extra_json is not a JSON object",
                )
            })?;
        Ok(authflowkit_core::IdTokenClaims {
            iss: self.iss.clone(),
            sub: self.sub.clone(),
            aud: self.aud.clone(),
            exp: self.exp,
            iat: self.iat,
            nbf: self.nbf,
            nonce: self.nonce.clone(),
            azp: self.azp.clone(),
            auth_time: self.auth_time,
            at_hash: self.at_hash.clone(),
            c_hash: self.c_hash.clone(),
            acr: self.acr.clone(),
            amr: self.amr.clone(),
            sid: self.sid.clone(),
            extra,
        })
    }
}

/// What a JWK set says about one of its keys.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JwkInfo {
    /// `kid`
    pub kid: Option<String>,
    /// `kty`: `RSA`, `EC` or `OKP`.
    pub kty: String,
    /// `alg`
    pub alg: Option<String>,
    /// `use`
    pub key_use: Option<String>,
}

impl From<&authflowkit_core::Jwk> for JwkInfo {
    fn from(k: &authflowkit_core::Jwk) -> JwkInfo {
        JwkInfo {
            kid: k.kid.clone(),
            kty: k.kty().to_owned(),
            alg: k.alg.clone(),
            key_use: k.key_use.clone(),
        }
    }
}

/// A provider's JWK set: the keys authflow verifies with (others skipped).
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct JwkSet(pub(crate) authflowkit_core::JwkSet);

#[uniffi::export]
impl JwkSet {
    /// Reads a JWK set document (RFC 7517 §5).
    #[uniffi::constructor]
    pub fn parse(document: Vec<u8>) -> Result<Arc<JwkSet>> {
        Ok(Arc::new(JwkSet(authflowkit_core::JwkSet::parse(
            &document,
        )?)))
    }

    /// The usable keys, in document order.
    pub fn keys(&self) -> Vec<JwkInfo> {
        self.0.keys.iter().map(JwkInfo::from).collect()
    }

    /// How many keys were skipped (types and curves authflow does not verify).
    pub fn skipped(&self) -> u64 {
        self.0.skipped as u64
    }

    /// The keys that may verify a token of `algorithm` naming `kid`.
    #[uniffi::method(default(kid = None))]
    pub fn candidates(&self, algorithm: JwsAlgorithm, kid: Option<String>) -> Vec<JwkInfo> {
        self.0
            .candidates(algorithm, kid.as_deref())
            .map(JwkInfo::from)
            .collect()
    }
}

/// A JWK set read from its response, and how long it may be used.
#[derive(uniffi::Record)]
pub struct JwksResponse {
    /// The set.
    pub keys: Arc<JwkSet>,
    /// Seconds it may be used (`Cache-Control: max-age`, else 300; at most a day).
    pub max_age: u64,
}

/// The request for the JWK set at `jwks_uri`.
#[uniffi::export]
pub fn jwks_request(jwks_uri: String) -> Result<HttpRequest> {
    Ok(authflowkit_core::jwks_request(&jwks_uri)?.into())
}

/// Reads the answer to `jwks_request`.
#[uniffi::export]
pub fn parse_jwks_response(response: HttpResponse) -> Result<JwksResponse> {
    let (keys, max_age) = authflowkit_core::parse_jwks_response(&response.to_core())?;
    Ok(JwksResponse {
        keys: Arc::new(JwkSet(keys)),
        max_age,
    })
}

/// Validates an ID token (OpenID Connect Core 1.0 §3.1.3.7) at `now` with
/// `keys`; `at_hash` and `c_hash` are checked against `access_token` and
/// `code` when the token has them. Raises `id_token_invalid` naming the
/// check that failed.
#[uniffi::export(default(access_token = None, code = None))]
pub fn validate_id_token(
    check: IdTokenCheck,
    id_token: String,
    keys: Arc<JwkSet>,
    now: u64,
    access_token: Option<String>,
    code: Option<String>,
) -> Result<IdTokenClaims> {
    let access_token = access_token.map(authflowkit_core::AccessToken::new);
    let code = code.map(authflowkit_core::AuthorizationCode::new);
    Ok(check
        .to_core()
        .validate(
            &authflowkit_core::IdToken::new(id_token),
            &keys.0,
            now,
            access_token.as_ref(),
            code.as_ref(),
        )?
        .into())
}

/// Validates the ID token that came with a refresh against the first one's
/// claims (OpenID Connect Core 1.0 §12.2): same `iss`, `sub`, `aud`; no
/// nonce required.
#[uniffi::export(default(access_token = None))]
pub fn validate_refreshed_id_token(
    check: IdTokenCheck,
    id_token: String,
    keys: Arc<JwkSet>,
    now: u64,
    original: IdTokenClaims,
    access_token: Option<String>,
) -> Result<IdTokenClaims> {
    let access_token = access_token.map(authflowkit_core::AccessToken::new);
    Ok(check
        .to_core()
        .validate_refreshed(
            &authflowkit_core::IdToken::new(id_token),
            &keys.0,
            now,
            access_token.as_ref(),
            &original.to_core()?,
        )?
        .into())
}

/// A UserInfo response: the `sub` and every other claim.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UserInfo {
    /// `sub`, the same as the ID token's.
    pub sub: String,
    /// Every other claim, as a JSON object.
    pub claims_json: String,
}

/// The parameters of an RP-Initiated Logout URL besides `client_id`.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct LogoutOptions {
    /// `id_token_hint`: the login's ID token (a secret; it goes in the URL).
    #[uniffi(default = None)]
    pub id_token_hint: Option<String>,
    /// `post_logout_redirect_uri`, registered with the provider.
    #[uniffi(default = None)]
    pub post_logout_redirect_uri: Option<String>,
    /// `state`, returned on the post-logout redirect.
    #[uniffi(default = None)]
    pub state: Option<String>,
    /// `ui_locales`
    #[uniffi(default = None)]
    pub ui_locales: Option<String>,
}

impl From<authflowkit_core::UserInfo> for UserInfo {
    fn from(info: authflowkit_core::UserInfo) -> UserInfo {
        UserInfo {
            sub: info.sub,
            claims_json: authflowkit_core::json::object_to_json(&info.claims),
        }
    }
}

impl LogoutOptions {
    pub(crate) fn to_core(&self) -> authflowkit_core::LogoutOptions {
        authflowkit_core::LogoutOptions {
            id_token_hint: self
                .id_token_hint
                .clone()
                .map(authflowkit_core::IdToken::new),
            post_logout_redirect_uri: self.post_logout_redirect_uri.clone(),
            state: self.state.clone(),
            ui_locales: self.ui_locales.clone(),
        }
    }
}

#[uniffi::export]
impl Client {
    /// The UserInfo request (OpenID Connect Core 1.0 §5.3.1) to the
    /// metadata's `userinfo_endpoint`, with the access token.
    pub fn userinfo_request(
        &self,
        userinfo_endpoint: String,
        access_token: String,
    ) -> Result<HttpRequest> {
        Ok(self
            .0
            .userinfo_request(
                &userinfo_endpoint,
                &authflowkit_core::AccessToken::new(access_token),
            )?
            .into())
    }

    /// Reads a UserInfo response; its `sub` must equal `id_token_sub`.
    pub fn parse_userinfo_response(
        &self,
        now: u64,
        response: HttpResponse,
        id_token_sub: String,
    ) -> Result<UserInfo> {
        Ok(self
            .0
            .parse_userinfo_response(now, &response.to_core(), &id_token_sub)?
            .into())
    }

    /// The RP-Initiated Logout URL at the metadata's `end_session_endpoint`.
    pub fn end_session_url(
        &self,
        end_session_endpoint: String,
        options: LogoutOptions,
    ) -> Result<String> {
        Ok(self
            .0
            .end_session_url(&end_session_endpoint, &options.to_core())?)
    }
}

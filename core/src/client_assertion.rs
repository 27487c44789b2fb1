//! Client authentication by JWT (RFC 7523 §2.2 and §3, OpenID Connect
//! Core 1.0 §9): `private_key_jwt` signs an assertion with the client's
//! [`SigningKey`], `client_secret_jwt` with HMAC keyed by its secret.
//!
//! An assertion needs the time (`iat`, `exp`) and a fresh `jti`, and the
//! core does no IO: both come in through [`Client::at`], which hands out
//! the client for the requests built at that moment. A JWT-authenticated
//! client used without it refuses to build a request, so the step cannot
//! be forgotten silently. Each assertion's randomness is drawn from
//! ChaCha20 keyed by the caller's entropy, one stream per assertion, so a
//! client handed out once and used for several requests still gives each
//! its own `jti`.

//!
//! DPoP proofs (RFC 9449, `dpop.rs`) need the same two things and take
//! them from the same [`Client::at`]: this module holds the request
//! context with the `signing` feature alone, and the assertions with
//! `jwt-client-auth`.

// With `signing` alone, nothing draws from the request context.
#![cfg_attr(
    not(any(feature = "jwt-client-auth", feature = "dpop")),
    allow(dead_code)
)]

use crate::client::Client;
use crate::error::{Error, Result};
#[cfg(feature = "jwt-client-auth")]
use crate::json::ObjectWriter;
#[cfg(feature = "jwt-client-auth")]
use crate::profile::{AssertionAudience, ClientAuthMethod, EndpointRole};
#[cfg(feature = "jwt-client-auth")]
use crate::signing::SigningKey;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zeroize::Zeroizing;

/// `client_assertion_type` of a JWT (RFC 7523 §2.2).
#[cfg(feature = "jwt-client-auth")]
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Bytes of entropy [`Client::at`] needs: a ChaCha20 key.
pub const ASSERTION_ENTROPY_LEN: usize = 32;

/// Seconds an assertion is valid: long enough for a slow network, short
/// enough that a captured one is soon useless (RFC 7523 §3 item 4 asks
/// for an `exp` that limits the window; servers cap it, often at minutes).
#[cfg(feature = "jwt-client-auth")]
pub const ASSERTION_LIFETIME: u64 = 60;

/// Bytes of randomness in a `jti`: 128 bits, so that two assertions never
/// share one (RFC 7519 §4.1.7).
#[cfg(feature = "jwt-client-auth")]
const JTI_LEN: usize = 16;

/// The time and the key of the randomness for the requests built through
/// one [`Client::at`].
pub(crate) struct RequestContext {
    pub(crate) now: u64,
    seed: Zeroizing<[u8; 32]>,
    /// The next ChaCha20 stream: one per assertion.
    next_stream: AtomicU64,
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl RequestContext {
    /// A generator for the next assertion or proof.
    pub(crate) fn next_rng(&self) -> rand_chacha::ChaCha20Rng {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(*self.seed);
        rng.set_stream(self.next_stream.fetch_add(1, Ordering::Relaxed));
        rng
    }
}

/// ChaCha20 keyed once by the caller's entropy, for the state machines
/// that build requests themselves as time passes (a session's renewals, a
/// device login's polls): each request of a client that signs draws the
/// entropy of its [`Client::at`] from it.
#[derive(Clone)]
pub(crate) struct AssertionEntropy(rand_chacha::ChaCha20Rng);

impl std::fmt::Debug for AssertionEntropy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AssertionEntropy([redacted])")
    }
}

impl AssertionEntropy {
    pub(crate) fn new(seed: &[u8; ASSERTION_ENTROPY_LEN]) -> AssertionEntropy {
        AssertionEntropy(rand_chacha::ChaCha20Rng::from_seed(*seed))
    }

    /// `client` for a request built at `now`: through [`Client::at`] when
    /// it signs its authentication; `setter` names the method that gives
    /// this entropy, for the error when none was given.
    pub(crate) fn client_at<'c>(
        entropy: Option<&mut AssertionEntropy>,
        client: &'c Client,
        now: u64,
        setter: &str,
    ) -> Result<std::borrow::Cow<'c, Client>> {
        if !client.signs_requests() {
            return Ok(std::borrow::Cow::Borrowed(client));
        }
        let Some(AssertionEntropy(rng)) = entropy else {
            return Err(Error::configuration(format!(
                "the client signs its authentication: give it entropy with {setter}"
            )));
        };
        let mut bytes = Zeroizing::new([0u8; ASSERTION_ENTROPY_LEN]);
        rng.fill_bytes(&mut *bytes);
        client.at(now, &*bytes).map(std::borrow::Cow::Owned)
    }
}

impl Client {
    /// Whether this client signs its requests, so that they must be built
    /// through [`Client::at`]: its authentication (`private_key_jwt`,
    /// `client_secret_jwt`), or DPoP proofs (RFC 9449: a client with a
    /// DPoP key proves each token request and each use of a bound token).
    pub fn signs_requests(&self) -> bool {
        #[cfg(feature = "dpop")]
        if self.dpop.is_some() {
            return true;
        }
        #[cfg(feature = "jwt-client-auth")]
        {
            use crate::profile::ClientAuthMethod;
            matches!(
                self.client_auth_method(),
                Ok(ClientAuthMethod::PrivateKeyJwt) | Ok(ClientAuthMethod::ClientSecretJwt)
            ) && (self.signing_key.is_some() || self.has_client_secret())
        }
        #[cfg(not(feature = "jwt-client-auth"))]
        false
    }

    /// This client for the requests built at `now` (seconds since the
    /// epoch): their DPoP proofs get `iat` = `now` and a `jti` from
    /// `entropy`; their client assertions get `iat` = `now`, `exp` =
    /// `now` + [`ASSERTION_LIFETIME`], and a `jti` from `entropy`, which
    /// must hold at least [`ASSERTION_ENTROPY_LEN`] bytes from a
    /// cryptographically secure source. Every request of the client it
    /// returns gets its own `jti`; build them within the minute (the
    /// lifetime of an assertion, and a server's usual window for a proof's
    /// `iat`).
    ///
    /// A client that does not sign (a secret in HTTP Basic or the body, a
    /// public client without a DPoP key) is returned as it is: calling
    /// this for every request is always right.
    ///
    /// ```
    /// # fn demo(client: &authflowkit_core::Client, now: u64, entropy: &[u8; 32]) -> authflowkit_core::Result<()> {
    /// let request = client.at(now, entropy)?.client_credentials_request()?;
    /// # Ok(()) }
    /// ```
    pub fn at(&self, now: u64, entropy: &[u8]) -> Result<Client> {
        let Some(seed) = entropy.get(..ASSERTION_ENTROPY_LEN) else {
            return Err(Error::configuration(format!(
                "a signed request needs {ASSERTION_ENTROPY_LEN} bytes of entropy, got {}",
                entropy.len()
            )));
        };
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(seed);
        let mut client = self.clone();
        client.request_context = Some(Arc::new(RequestContext {
            now,
            seed: key,
            next_stream: AtomicU64::new(0),
        }));
        Ok(client)
    }
}

#[cfg(feature = "jwt-client-auth")]
impl Client {
    /// Adds the private key of `private_key_jwt` (RFC 7523 §2.2). Unless
    /// the profile's method was set, a client with a key authenticates
    /// with it ([`Client::client_auth_method`]). Its requests are built
    /// through [`Client::at`].
    pub fn with_signing_key(mut self, key: SigningKey) -> Client {
        self.signing_key = Some(key);
        self
    }

    /// The `client_assertion` of one request (RFC 7523 §3): `iss` and
    /// `sub` the client id, `aud` the issuer or the token endpoint
    /// ([`AssertionAudience`]), `jti`, `iat` and `exp`.
    pub(crate) fn client_assertion(&self, method: ClientAuthMethod) -> Result<Zeroizing<String>> {
        let hmac_key;
        let key = match method {
            ClientAuthMethod::ClientSecretJwt => {
                let secret = self.client_secret().ok_or_else(|| {
                    Error::configuration("client_secret_jwt needs the client secret")
                })?;
                hmac_key = SigningKey::hmac(secret)?;
                &hmac_key
            }
            _ => self.signing_key.as_ref().ok_or_else(|| {
                Error::configuration(
                    "private_key_jwt needs the client's private key (Client::with_signing_key)",
                )
            })?,
        };
        // RFC 8414 §2: what the server takes; a key it does not would only
        // come back as invalid_client.
        let listed = self.profile().assertion_algorithms();
        if !listed.is_empty() && !listed.iter().any(|a| a == key.algorithm().as_str()) {
            return Err(Error::configuration(format!(
                "the server does not list {} in token_endpoint_auth_signing_alg_values_supported \
                 ({})",
                key.algorithm().as_str(),
                listed.join(", ")
            )));
        }
        let context = self.request_context.as_ref().ok_or_else(|| {
            Error::configuration(format!(
                "{} signs each request with the time and fresh entropy: build it through \
                 Client::at(now, entropy)",
                method.as_str()
            ))
        })?;
        let audience = match self.profile().assertion_audience() {
            AssertionAudience::Issuer => match self.profile().issuer() {
                Some(issuer) => issuer,
                None => {
                    return Err(Error::configuration(
                        "client assertions for the issuer need a profile with an issuer",
                    ))
                }
            },
            AssertionAudience::TokenEndpoint => self
                .profile()
                .required_endpoint(EndpointRole::Token)?
                .as_str(),
        };
        let mut rng = context.next_rng();
        let mut jti = [0u8; JTI_LEN];
        rng.fill_bytes(&mut jti);
        let mut claims = ObjectWriter::with_capacity(256);
        claims
            .string("iss", self.client_id())
            .string("sub", self.client_id())
            .string("aud", audience)
            .string("jti", &crate::base64url::encode(jti))
            .integer("iat", context.now)
            .integer("exp", context.now.saturating_add(ASSERTION_LIFETIME));
        Ok(key.sign_jwt(None, false, &claims.finish(), &mut rng))
    }
}

#[cfg(test)]
#[cfg(feature = "jwt-client-auth")]
mod tests {
    use super::*;
    use crate::session::{Session, SessionAction};

    const EC_JWK: &str = r#"{"kty":"EC","crv":"P-256",
        "x":"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
        "y":"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E",
        "d":"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k"}"#;

    fn discovered(methods: &str) -> crate::Profile {
        crate::discovery::test_profile(&format!(
            r#""token_endpoint_auth_methods_supported":{methods}"#
        ))
    }

    fn key() -> SigningKey {
        SigningKey::from_jwk(EC_JWK).unwrap()
    }

    fn form(request: &crate::HttpRequest) -> Vec<(String, String)> {
        crate::form::parse(&request.body)
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect()
    }

    fn jti(request: &crate::HttpRequest) -> String {
        let (_, jwt) = form(request)
            .into_iter()
            .find(|(n, _)| n == "client_assertion")
            .unwrap();
        let claims = crate::base64url::decode(jwt.split('.').nth(1).unwrap()).unwrap();
        let claims = crate::json::parse_object(&claims).unwrap();
        match claims.get("jti") {
            Some(crate::json::Value::String(s)) => s.clone(),
            other => panic!("jti is {other:?}"),
        }
    }

    #[test]
    fn every_request_of_one_client_at_a_time_gets_its_own_jti() {
        let client = Client::new(discovered(r#"["private_key_jwt"]"#), "c").with_signing_key(key());
        let at = client.at(1_700_000_000, &[9; 32]).unwrap();
        let first = at.client_credentials_request().unwrap();
        let second = at.client_credentials_request().unwrap();
        assert_ne!(jti(&first), jti(&second));
        // The same entropy gives the same first jti: nothing else is drawn.
        let again = client.at(1_700_000_000, &[9; 32]).unwrap();
        assert_eq!(
            jti(&again.client_credentials_request().unwrap()),
            jti(&first)
        );
    }

    #[test]
    fn a_client_with_a_key_takes_private_key_jwt_when_the_server_lists_it() {
        let client = Client::new(
            discovered(r#"["client_secret_basic","private_key_jwt"]"#),
            "c",
        )
        .with_client_secret(crate::ClientSecret::new("s3cr3t-s3cr3t"))
        .with_signing_key(key());
        assert_eq!(
            client.client_auth_method().unwrap(),
            ClientAuthMethod::PrivateKeyJwt
        );
        // Without the key, the same profile picks Basic for the secret.
        let secret_only = Client::new(
            discovered(r#"["client_secret_basic","private_key_jwt"]"#),
            "c",
        )
        .with_client_secret(crate::ClientSecret::new("s3cr3t-s3cr3t"));
        assert_eq!(
            secret_only.client_auth_method().unwrap(),
            ClientAuthMethod::ClientSecretBasic
        );
    }

    #[test]
    fn a_key_the_server_does_not_take_is_a_configuration_error() {
        let client =
            Client::new(discovered(r#"["client_secret_post"]"#), "c").with_signing_key(key());
        let error = client.client_auth_method().unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Configuration);
        assert!(error.to_string().contains("does not list private_key_jwt"));
    }

    #[test]
    fn a_key_of_an_algorithm_the_server_does_not_list_is_refused() {
        let profile = crate::discovery::test_profile(
            r#""token_endpoint_auth_methods_supported":["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported":["RS256","PS256"]"#,
        );
        assert_eq!(profile.assertion_algorithms(), ["RS256", "PS256"]);
        let client = Client::new(profile, "c").with_signing_key(key());
        let error = client
            .at(1_700_000_000, &[1; 32])
            .unwrap()
            .client_credentials_request()
            .unwrap_err();
        assert!(error.to_string().contains("does not list ES256"), "{error}");
    }

    #[test]
    fn discovery_picks_a_jwt_method_only_when_no_secret_method_is_listed() {
        for (methods, picked) in [
            (
                r#"["client_secret_post","client_secret_jwt"]"#,
                ClientAuthMethod::ClientSecretPost,
            ),
            (
                r#"["client_secret_jwt","private_key_jwt"]"#,
                ClientAuthMethod::ClientSecretJwt,
            ),
            (r#"["private_key_jwt"]"#, ClientAuthMethod::PrivateKeyJwt),
            (
                r#"["private_key_jwt","none"]"#,
                ClientAuthMethod::PublicClient,
            ),
            (r#"[]"#, ClientAuthMethod::ClientSecretBasic),
        ] {
            let profile = discovered(methods);
            assert_eq!(profile.client_auth(), picked, "{methods}");
            assert!(!profile.client_auth_is_set());
        }
    }

    #[test]
    fn a_session_of_a_signing_client_signs_each_renewal_with_its_entropy() {
        let profile = discovered(r#"["private_key_jwt"]"#)
            .with_reauthentication(crate::Reauthentication::ClientCredentials);
        let client = Client::new(profile, "c").with_signing_key(key());
        let mut without = Session::new(client.clone(), None);
        match without.poll_action(1_700_000_000) {
            SessionAction::Stop(error) => {
                assert!(
                    error.to_string().contains("Session::with_entropy"),
                    "{error}"
                )
            }
            other => panic!("{other:?}"),
        }
        let mut session = Session::new(client, None).with_entropy(&[3; 32]);
        let SessionAction::Send(request) = session.poll_action(1_700_000_000) else {
            panic!("no renewal request");
        };
        let params = form(&request.request);
        assert!(params.contains(&("grant_type".into(), "client_credentials".into())));
        assert!(params.iter().any(|(n, _)| n == "client_assertion"));
    }
}

//! DPoP: proof of possession of a key for each request (RFC 9449).
//!
//! A client given a key ([`Client::with_dpop_key`]) signs a proof JWT
//! (§4.2: `typ` `dpop+jwt`, the public key as `jwk`; claims `jti`, `htm`,
//! `htu` without query and fragment, `iat`, `ath` when it presents an
//! access token, `nonce` when the server gave one) for every token
//! request, so that the server binds the tokens to the key (§5), and for
//! every request that presents a DPoP-bound access token (§7:
//! `Authorization: DPoP`, never `Bearer`). The time and the randomness of
//! the `jti` come from [`Client::at`], like a client assertion's.
//!
//! Servers may demand a nonce (§8, §9): the answer `use_dpop_nonce` with a
//! `DPoP-Nonce` header. The nonces are state the caller holds
//! ([`DpopNonces`], one per server, which a [`crate::Session`] keeps for
//! its renewals) and hands to the client ([`Client::with_dpop_nonces`]);
//! [`DpopNonces::handle_response`] reads each answer and says when the
//! request is worth sending once more with the new nonce.

use crate::client::Client;
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::error_response::{json_object, oauth_error_code};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json::{Members, ObjectWriter, Shallow};
use crate::jws_signing::SigningAlgorithm;
use crate::secret::AccessToken;
#[cfg(feature = "signing")]
use crate::signing::SigningKey;
use rand_chacha::rand_core::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The `token_type` of a DPoP-bound access token (RFC 9449 §5) and the
/// authentication scheme it is presented with (§7.1).
pub const DPOP_TOKEN_TYPE: &str = "DPoP";

/// Bytes of randomness in a proof's `jti`: 128 bits (RFC 9449 §4.2 asks
/// for at least 96), so that no two proofs share one.
pub const DPOP_JTI_LEN: usize = 16;

/// The `typ` of a proof's header (RFC 9449 §4.2).
const PROOF_TYPE: &str = "dpop+jwt";

/// The error code a server asks for a nonce with (RFC 9449 §8, §9).
const USE_DPOP_NONCE: &str = "use_dpop_nonce";

/// Who signs the proofs.
#[derive(Debug, Clone)]
enum DpopKey {
    /// The core, with this key.
    #[cfg(feature = "signing")]
    Local(SigningKey),
    /// The host, whose private key the core never sees: the proofs come
    /// out as their JWS signing input, and the host appends the signature
    /// ([`Client::complete_dpop_proof`]).
    Host {
        algorithm: SigningAlgorithm,
        /// The public key's required members, in RFC 7638 §3.2 order.
        public_jwk: String,
    },
}

impl DpopKey {
    fn algorithm(&self) -> SigningAlgorithm {
        match self {
            #[cfg(feature = "signing")]
            DpopKey::Local(key) => key.algorithm(),
            DpopKey::Host { algorithm, .. } => *algorithm,
        }
    }
}

/// A client's DPoP settings.
#[derive(Debug, Clone)]
pub(crate) struct DpopConfig {
    key: DpopKey,
    /// The key's JWK SHA-256 thumbprint (RFC 7638), base64url.
    jkt: String,
    /// Whether the authorization request carries `dpop_jkt` (§10).
    send_jkt: bool,
    nonces: DpopNonces,
}

/// The `DPoP-Nonce` values servers gave (RFC 9449 §8, §9): one per
/// server, by origin, the latest kept. The caller holds them between
/// requests (a [`crate::Session`] keeps its own) and gives them to the
/// client that builds the next request ([`Client::with_dpop_nonces`]).
///
/// A nonce is not a secret, but `Debug` shows the origins only: it is of
/// no use in a log.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DpopNonces {
    by_origin: Vec<(String, String)>,
}

impl std::fmt::Debug for DpopNonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.by_origin.iter().map(|(origin, _)| origin))
            .finish()
    }
}

/// The origin of `url`, the key of a nonce: each server has its own
/// (RFC 9449 §8: the authorization server's, §9: each resource server's).
fn origin_of(url: &str) -> Option<String> {
    Endpoint::parse("DPoP URL", url).ok().map(|e| e.origin())
}

/// RFC 9449 §8.1: `nonce = 1*NQCHAR`. Anything else is not kept: it could
/// not be a nonce the server checks.
fn is_nonce(value: &str) -> bool {
    // NQCHAR is the scope token's alphabet (RFC 6749 A.4), space excluded.
    crate::syntax::is_scope_token(value)
}

impl DpopNonces {
    /// No nonces yet.
    pub fn new() -> DpopNonces {
        DpopNonces::default()
    }

    /// These nonces and `nonce` for `url`'s server (one the caller kept,
    /// e.g. across a restart): a configuration error when `url` is not an
    /// absolute URL or `nonce` not of the `1*NQCHAR` syntax (§8.1).
    pub fn with_nonce(mut self, url: &str, nonce: &str) -> Result<DpopNonces> {
        let origin = Endpoint::parse("DPoP nonce URL", url)?.origin();
        if !is_nonce(nonce) {
            return Err(Error::configuration(
                "a DPoP nonce is printable ASCII without space, '\"' or '\\' (RFC 9449 §8.1)",
            ));
        }
        self.keep(origin, nonce);
        Ok(self)
    }

    fn keep(&mut self, origin: String, nonce: &str) {
        match self.by_origin.iter_mut().find(|(o, _)| *o == origin) {
            Some((_, kept)) => nonce.clone_into(kept),
            None => self.by_origin.push((origin, nonce.to_owned())),
        }
    }

    /// The nonce for requests to `url`'s server, if it gave one.
    pub fn nonce_for(&self, url: &str) -> Option<&str> {
        let origin = origin_of(url)?;
        self.by_origin
            .iter()
            .find(|(o, _)| *o == origin)
            .map(|(_, n)| n.as_str())
    }

    /// Reads the answer to `request` (one built with a DPoP proof): keeps
    /// the `DPoP-Nonce` it carries, in any answer (RFC 9449 §8.2: a server
    /// may hand out the next nonce with a success), and returns whether the
    /// server asked for a nonce (§8: `use_dpop_nonce` in a token
    /// endpoint's error body; §9: a resource server's `WWW-Authenticate:
    /// DPoP error="use_dpop_nonce"` challenge) and gave one other than
    /// the request's proof carried: then the request is worth sending
    /// again, built anew with the nonce. Send it again once only: a server
    /// that refuses its own fresh nonce will refuse it again.
    pub fn handle_response(&mut self, request: &HttpRequest, response: &HttpResponse) -> bool {
        let Some(proof) = request.header("DPoP") else {
            return false;
        };
        let sent = proof_nonce(proof);
        self.record(&request.url, sent.as_deref(), response)
    }

    /// [`DpopNonces::handle_response`] for a request to `url` whose proof
    /// carried `sent`.
    pub(crate) fn record(
        &mut self,
        url: &str,
        sent: Option<&str>,
        response: &HttpResponse,
    ) -> bool {
        let Some(origin) = origin_of(url) else {
            return false;
        };
        let Some(nonce) = response.header("DPoP-Nonce").filter(|n| is_nonce(n)) else {
            return false;
        };
        self.keep(origin, nonce);
        asks_for_nonce(response) && sent != Some(nonce)
    }
}

/// Whether `response` is a server's demand for a nonce (RFC 9449 §8, §9).
pub(crate) fn asks_for_nonce(response: &HttpResponse) -> bool {
    if !(400..500).contains(&response.status) {
        return false;
    }
    let in_body = json_object(response)
        .as_ref()
        .and_then(oauth_error_code)
        .is_some_and(|code| code == USE_DPOP_NONCE);
    in_body
        || response.challenges().is_ok_and(|challenges| {
            challenges
                .iter()
                .any(|c| c.is_scheme(DPOP_TOKEN_TYPE) && c.param("error") == Some(USE_DPOP_NONCE))
        })
}

/// The `nonce` claim of a proof the core built, if it has one.
pub(crate) fn proof_nonce(proof: &str) -> Option<String> {
    let claims = crate::base64url::decode(proof.split('.').nth(1)?.as_bytes())?;
    let claims = Members::parse(&claims)?;
    match claims.get("nonce") {
        Some(Shallow::String(nonce)) => Some(nonce.to_string()),
        _ => None,
    }
}

/// The `htu` of a request to `url` (RFC 9449 §4.2): the target URI
/// without its query and fragment.
fn htu(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// `ath` (RFC 9449 §4.2): the base64url SHA-256 of the access token's
/// ASCII bytes.
fn ath(token: &AccessToken) -> String {
    crate::base64url::encode(Sha256::digest(token.secret().as_bytes()))
}

impl Client {
    /// Proves possession of `key` on this client's requests (RFC 9449):
    /// every token request carries a DPoP proof, so that the server binds
    /// the tokens to the key (a refresh of DPoP-bound tokens is proved
    /// with the same key, §5), and a DPoP-bound access token is presented
    /// with a proof. Its requests are built through [`Self::at`].
    ///
    /// The key must be asymmetric (§4.2: never a MAC): ES256 (the one
    /// every DPoP server supports), EdDSA, RS256 or PS256.
    #[cfg(feature = "signing")]
    pub fn with_dpop_key(self, key: SigningKey) -> Result<Client> {
        let jwk = key
            .public_jwk()
            .ok_or_else(|| Error::configuration(HMAC_REFUSED))?;
        self.with_dpop(DpopKey::Local(key), jwk)
    }

    /// Proves possession of a key the host keeps (RFC 9449), as
    /// [`Self::with_dpop_key`] does, for a private key the core never sees:
    /// a non-extractable WebCrypto key, a platform keystore's. `public_jwk`
    /// is its public half (a JWK's text, as `crypto.subtle.exportKey("jwk")`
    /// gives it: `kty` and the key's members; a private member is refused)
    /// and `algorithm` what it signs with (ES256, EdDSA, RS256, PS256).
    ///
    /// Each request's `DPoP` header then holds the proof's JWS signing
    /// input (RFC 7515 §5.1): the host signs those bytes and completes the
    /// proof with [`Self::complete_dpop_proof`] before it sends the request.
    pub fn with_dpop_public_key(
        self,
        algorithm: SigningAlgorithm,
        public_jwk: &str,
    ) -> Result<Client> {
        let jwk = required_public_members(algorithm, public_jwk)?;
        self.with_dpop(
            DpopKey::Host {
                algorithm,
                public_jwk: jwk.clone(),
            },
            jwk,
        )
    }

    /// `request` with its DPoP proof completed by the host's `signature`
    /// over the proof's signing input (the `DPoP` header as built, for a
    /// client of [`Self::with_dpop_public_key`]): ES256's is the 64 bytes
    /// R || S (RFC 7518 §3.4, what WebCrypto's ECDSA gives; not DER).
    pub fn complete_dpop_proof(request: HttpRequest, signature: &[u8]) -> Result<HttpRequest> {
        let proof = request
            .header("DPoP")
            .filter(|proof| proof.split('.').count() == 2)
            .ok_or_else(|| {
                Error::configuration("the request carries no DPoP proof waiting for a signature")
            })?;
        let proof = format!("{proof}.{}", crate::base64url::encode(signature));
        Ok(replace_header(request, "DPoP", proof))
    }

    fn with_dpop(mut self, key: DpopKey, public_jwk: String) -> Result<Client> {
        if key.algorithm() == SigningAlgorithm::Hs256 {
            return Err(Error::configuration(HMAC_REFUSED));
        }
        // RFC 9449 §5.1: what the server takes; a proof of another
        // algorithm would only come back as invalid_dpop_proof.
        let listed = self.profile().dpop_algorithms();
        if !listed.is_empty() && !listed.iter().any(|a| a == key.algorithm().as_str()) {
            return Err(Error::configuration(format!(
                "the server does not list {} in dpop_signing_alg_values_supported ({})",
                key.algorithm().as_str(),
                listed.join(", ")
            )));
        }
        let jkt = crate::base64url::encode(Sha256::digest(public_jwk.as_bytes()));
        let nonces = self.dpop.take().map(|d| d.nonces).unwrap_or_default();
        self.dpop = Some(DpopConfig {
            key,
            jkt,
            send_jkt: false,
            nonces,
        });
        Ok(self)
    }

    /// Sends the DPoP key's thumbprint as `dpop_jkt` in the authorization
    /// request (RFC 9449 §10), so that the server binds the authorization
    /// code to the key and only a proof with it can redeem the code. Needs
    /// the key first ([`Self::with_dpop_key`]).
    pub fn with_dpop_jkt(mut self) -> Result<Client> {
        match self.dpop.as_mut() {
            Some(dpop) => {
                dpop.send_jkt = true;
                Ok(self)
            }
            None => Err(Error::configuration(
                "dpop_jkt names the DPoP key: give the key first (with_dpop_key)",
            )),
        }
    }

    /// The DPoP key's JWK SHA-256 thumbprint (RFC 7638, base64url): the
    /// `jkt` a server binds the tokens to (`cnf.jkt`, RFC 9449 §6).
    pub fn dpop_jkt(&self) -> Option<&str> {
        self.dpop.as_ref().map(|d| d.jkt.as_str())
    }

    /// Whether this client proves possession of a DPoP key.
    pub fn uses_dpop(&self) -> bool {
        self.dpop.is_some()
    }

    /// This client with the nonces servers gave (RFC 9449 §8, §9) for the
    /// proofs of its next requests. No effect without a DPoP key.
    pub fn with_dpop_nonces(mut self, nonces: &DpopNonces) -> Client {
        if let Some(dpop) = self.dpop.as_mut() {
            dpop.nonces = nonces.clone();
        }
        self
    }

    /// `request` (one this client's kind built with a DPoP proof) with a
    /// new proof: a fresh `jti`, this client's time, and the nonce it now
    /// holds for the request's server. The way to send a request once
    /// more after [`DpopNonces::handle_response`] said so, without
    /// building it anew (a code exchange cannot be: its code is used
    /// once). The `ath` is that of the `Authorization: DPoP` token the
    /// request carries, if any.
    pub fn with_new_dpop_proof(&self, mut request: HttpRequest) -> Result<HttpRequest> {
        if request.header("DPoP").is_none() {
            return Err(Error::configuration(
                "the request carries no DPoP proof to renew",
            ));
        }
        request
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("DPoP"));
        let token = request.header("Authorization").and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case(DPOP_TOKEN_TYPE)
                .then(|| AccessToken::dpop_bound(token))
        });
        self.with_dpop_proof(request, token.as_ref())
    }

    /// The nonces this client's proofs carry (a session starts from them).
    pub(crate) fn held_dpop_nonces(&self) -> DpopNonces {
        self.dpop
            .as_ref()
            .map(|d| d.nonces.clone())
            .unwrap_or_default()
    }

    /// The `dpop_jkt` authorization request parameter, when asked for.
    pub(crate) fn dpop_jkt_param(&self) -> Option<&str> {
        self.dpop
            .as_ref()
            .filter(|d| d.send_jkt)
            .map(|d| d.jkt.as_str())
    }

    /// `request` with a `DPoP` proof header when the client has a key; for
    /// a request presenting `token` (bound to the key), `ath` too.
    pub(crate) fn with_dpop_proof(
        &self,
        request: HttpRequest,
        token: Option<&AccessToken>,
    ) -> Result<HttpRequest> {
        let Some(dpop) = &self.dpop else {
            return Ok(request);
        };
        let context = self.request_context.as_ref().ok_or_else(|| {
            Error::configuration(
                "a DPoP proof carries the time and a fresh jti: build the request through \
                 Client::at(now, entropy)",
            )
        })?;
        let mut rng = context.next_rng();
        let mut jti = [0u8; DPOP_JTI_LEN];
        rng.fill_bytes(&mut jti);
        let mut claims = ObjectWriter::with_capacity(256);
        claims
            .string("jti", &crate::base64url::encode(jti))
            .string("htm", method_name(request.method))
            .string("htu", htu(&request.url))
            .integer("iat", context.now);
        if let Some(token) = token {
            claims.string("ath", &ath(token));
        }
        if let Some(nonce) = dpop.nonces.nonce_for(&request.url) {
            claims.string("nonce", nonce);
        }
        let proof: Zeroizing<String> = match &dpop.key {
            #[cfg(feature = "signing")]
            DpopKey::Local(key) => key.sign_jwt(Some(PROOF_TYPE), true, &claims.finish(), &mut rng),
            DpopKey::Host {
                algorithm,
                public_jwk,
            } => crate::jws_signing::signing_input(
                *algorithm,
                Some(PROOF_TYPE),
                None,
                Some(public_jwk),
                &claims.finish(),
            ),
        };
        Ok(request.with_header("DPoP", proof.as_str()))
    }

    /// A request presenting the DPoP-bound `token` (RFC 9449 §7.1):
    /// `Authorization: DPoP`, and a proof with its `ath`.
    pub(crate) fn dpop_request(
        &self,
        method: Method,
        url: String,
        token: &AccessToken,
    ) -> Result<HttpRequest> {
        if self.dpop.is_none() {
            return Err(Error::configuration(
                "the access token is bound to a DPoP key (token_type DPoP) and is never sent \
                 as a bearer token: give the client its DPoP key (with_dpop_key)",
            ));
        }
        if !crate::syntax::is_token68(token.secret()) {
            return Err(Error::configuration(
                "the access token has characters outside the token68 syntax",
            ));
        }
        let request = HttpRequest::new(method, url)
            .with_header("Authorization", format!("DPoP {}", token.secret()));
        self.with_dpop_proof(request, Some(token))
    }
}

/// Why a MAC key cannot sign a proof.
const HMAC_REFUSED: &str =
    "a DPoP proof is signed with a private key, never a shared secret (RFC 9449 §4.2)";

/// `request` with `name`'s value replaced by `value`.
fn replace_header(mut request: HttpRequest, name: &str, value: String) -> HttpRequest {
    request
        .headers
        .retain(|(header, _)| !header.eq_ignore_ascii_case(name));
    request.with_header(name, value)
}

/// The required members (RFC 7638 §3.2, in its order) of a public JWK for
/// `algorithm`; a private member, a member missing or of the wrong kind,
/// a key type or curve `algorithm` does not sign with is refused.
fn required_public_members(algorithm: SigningAlgorithm, jwk: &str) -> Result<String> {
    if algorithm == SigningAlgorithm::Hs256 {
        return Err(Error::configuration(HMAC_REFUSED));
    }
    let refused = |why: &str| Error::configuration(format!("the DPoP public key {why}"));
    let members = Members::parse(jwk.as_bytes()).ok_or_else(|| refused("is not a JSON object"))?;
    let text = |name: &str| match members.get(name) {
        Some(Shallow::String(value)) if !value.is_empty() => Ok(value.to_string()),
        _ => Err(refused(&format!("has no {name}"))),
    };
    if ["d", "p", "q", "dp", "dq", "qi", "k"]
        .iter()
        .any(|private| members.get(private).is_some())
    {
        return Err(refused(
            "holds private key material: give its public half only",
        ));
    }
    // Base64url of `len` bytes, when the size is fixed.
    let coordinate = |name: &str, len: usize| {
        let value = text(name)?;
        match crate::base64url::decode(value.as_bytes()) {
            Some(bytes) if bytes.len() == len => Ok(value),
            _ => Err(refused(&format!("has a malformed {name}"))),
        }
    };
    let kty = text("kty")?;
    let mut out = ObjectWriter::with_capacity(200);
    match (algorithm, kty.as_str()) {
        (SigningAlgorithm::Es256, "EC") => {
            if text("crv")? != "P-256" {
                return Err(refused("is not on P-256, the curve of ES256"));
            }
            out.string("crv", "P-256")
                .string("kty", "EC")
                .string("x", &coordinate("x", 32)?)
                .string("y", &coordinate("y", 32)?);
        }
        (SigningAlgorithm::EdDsa, "OKP") => {
            if text("crv")? != "Ed25519" {
                return Err(refused("is not an Ed25519 key"));
            }
            out.string("crv", "Ed25519")
                .string("kty", "OKP")
                .string("x", &coordinate("x", 32)?);
        }
        (SigningAlgorithm::Rs256 | SigningAlgorithm::Ps256, "RSA") => {
            let modulus = text("n")?;
            // RFC 7518 §3.3: 2048 bits or more.
            if crate::base64url::decode(modulus.as_bytes()).is_none_or(|n| n.len() < 256) {
                return Err(refused("is an RSA key under 2048 bits"));
            }
            out.string("e", &text("e")?)
                .string("kty", "RSA")
                .string("n", &modulus);
        }
        _ => {
            return Err(refused(&format!(
                "is of type {kty}, which does not sign {}",
                algorithm.as_str()
            )))
        }
    }
    Ok(out.finish())
}

/// `htm` (RFC 9449 §4.2): the method's name.
fn method_name(method: Method) -> &'static str {
    method.as_str()
}

#[cfg(test)]
#[cfg(feature = "signing")]
mod tests {
    use super::*;

    const EC_JWK: &str = r#"{"kty":"EC","crv":"P-256",
        "x":"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
        "y":"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E",
        "d":"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k"}"#;

    fn client() -> Client {
        let profile = crate::Profile::generic(None, "https://as.example/token?x=1").unwrap();
        Client::new(profile, "c")
            .with_dpop_key(SigningKey::from_jwk(EC_JWK).unwrap())
            .unwrap()
    }

    fn claims(request: &HttpRequest) -> crate::json::Object {
        let proof = request.header("DPoP").unwrap();
        let claims = crate::base64url::decode(proof.split('.').nth(1).unwrap().as_bytes()).unwrap();
        crate::json::parse_object(&claims).unwrap()
    }

    fn string(claims: &crate::json::Object, name: &str) -> Option<String> {
        match claims.get(name) {
            Some(crate::json::Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_token_request_without_the_time_is_refused() {
        let error = client()
            .refresh_request(&crate::RefreshToken::new("rt-1"))
            .unwrap_err();
        assert!(error.to_string().contains("Client::at"), "{error}");
    }

    #[test]
    fn each_proof_has_its_own_jti_and_an_htu_without_query() {
        let at = client().at(1_700_000_000, &[5; 32]).unwrap();
        let first = claims(
            &at.refresh_request(&crate::RefreshToken::new("rt-1"))
                .unwrap(),
        );
        let second = claims(
            &at.refresh_request(&crate::RefreshToken::new("rt-1"))
                .unwrap(),
        );
        assert_ne!(string(&first, "jti"), string(&second, "jti"));
        assert_eq!(
            string(&first, "htu").as_deref(),
            Some("https://as.example/token")
        );
        assert_eq!(string(&first, "htm").as_deref(), Some("POST"));
        assert_eq!(string(&first, "nonce"), None);
        assert_eq!(string(&first, "ath"), None);
    }

    #[test]
    fn a_nonce_is_taken_once_per_demand_and_per_server() {
        let at = client().at(1_700_000_000, &[5; 32]).unwrap();
        let request = at
            .refresh_request(&crate::RefreshToken::new("rt-1"))
            .unwrap();
        let demand = |nonce: &str| {
            HttpResponse::new(
                400,
                vec![("DPoP-Nonce".into(), nonce.into())],
                br#"{"error":"use_dpop_nonce"}"#.to_vec(),
            )
        };
        let mut nonces = DpopNonces::new();
        assert!(nonces.handle_response(&request, &demand("n-1")));
        assert_eq!(nonces.nonce_for("https://as.example/other"), Some("n-1"));
        assert_eq!(nonces.nonce_for("https://rs.example/"), None);
        let retried = at
            .clone()
            .with_dpop_nonces(&nonces)
            .refresh_request(&crate::RefreshToken::new("rt-1"))
            .unwrap();
        assert_eq!(string(&claims(&retried), "nonce").as_deref(), Some("n-1"));
        // The same nonce refused again: sending it a third time is pointless.
        assert!(!nonces.handle_response(&retried, &demand("n-1")));
        // A nonce with a quote is no nonce (RFC 9449 §8.1).
        assert!(!nonces.handle_response(&retried, &demand("a\"b")));
    }

    #[cfg(feature = "jwt-client-auth")]
    #[test]
    fn a_symmetric_key_is_refused() {
        let profile = crate::Profile::generic(None, "https://as.example/token").unwrap();
        let secret = crate::ClientSecret::new("0123456789abcdef0123456789abcdef");
        let key = SigningKey::hmac(&secret).unwrap();
        let error = Client::new(profile, "c").with_dpop_key(key).unwrap_err();
        assert!(error.to_string().contains("RFC 9449"), "{error}");
    }

    #[test]
    fn a_key_of_an_algorithm_the_server_does_not_list_is_refused() {
        let profile =
            crate::discovery::test_profile(r#""dpop_signing_alg_values_supported":["EdDSA"]"#);
        assert_eq!(profile.dpop_algorithms(), ["EdDSA"]);
        let key = SigningKey::from_jwk(session_tests::EC_JWK).unwrap();
        let error = Client::new(profile.clone(), "c")
            .with_dpop_key(key.clone())
            .unwrap_err();
        assert!(error.to_string().contains("does not list ES256"), "{error}");
        // A server that says nothing takes what the client has.
        let silent = profile.with_dpop_algorithms(Vec::new());
        Client::new(silent, "c").with_dpop_key(key).unwrap();
    }
}

#[cfg(test)]
#[cfg(feature = "signing")]
mod session_tests {
    use super::*;
    use crate::session::{Session, SessionAction};

    pub(super) const EC_JWK: &str = r#"{"kty":"EC","crv":"P-256",
        "x":"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
        "y":"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E",
        "d":"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k"}"#;

    fn expired_session() -> Session {
        let profile = crate::Profile::generic(None, "https://as.example/token").unwrap();
        let client = Client::new(profile, "c")
            .with_dpop_key(SigningKey::from_jwk(EC_JWK).unwrap())
            .unwrap();
        let first = client
            .parse_token_response(
                crate::GrantType::AuthorizationCode,
                1000,
                &HttpResponse::new(
                    200,
                    vec![],
                    br#"{"access_token":"at-1","token_type":"DPoP","expires_in":60,"refresh_token":"rt-1"}"#
                        .to_vec(),
                ),
            )
            .unwrap();
        assert!(first.access_token().is_dpop_bound());
        Session::new(client, Some(first)).with_entropy(&[4; 32])
    }

    fn nonce_of(request: &HttpRequest) -> Option<String> {
        proof_nonce(request.header("DPoP").unwrap())
    }

    fn demand(nonce: &str) -> HttpResponse {
        HttpResponse::new(
            400,
            vec![("DPoP-Nonce".into(), nonce.into())],
            br#"{"error":"use_dpop_nonce","error_description":"nonce required"}"#.to_vec(),
        )
    }

    /// RFC 9449 §8: the refresh is proved, a demand for a nonce is met by
    /// exactly one more request carrying it, and a second demand ends it.
    #[test]
    fn a_renewal_is_sent_once_more_with_the_servers_nonce() {
        let mut session = expired_session();
        let SessionAction::Send(first) = session.poll_action(2000) else {
            panic!("an expired token is refreshed");
        };
        assert_eq!(nonce_of(&first.request), None);
        let error = session
            .handle_response(first.id, 2000, &demand("n-1"))
            .unwrap_err();
        assert_eq!(error.action(), crate::Action::Retry);
        assert!(session.wants_renewal(2000));
        let SessionAction::Send(second) = session.poll_action(2000) else {
            panic!("the retry is due at once");
        };
        assert_eq!(nonce_of(&second.request).as_deref(), Some("n-1"));
        session
            .handle_response(second.id, 2000, &demand("n-2"))
            .unwrap_err();
        // No third request: the one retry was spent.
        assert!(!matches!(session.poll_action(2000), SessionAction::Send(_)));
    }

    /// RFC 9449 §5, §8 for a device login (RFC 8628): every poll is
    /// proved; `use_dpop_nonce` earns one poll at once with the new nonce,
    /// not the interval's wait and not the end of the login; the nonce of
    /// an `authorization_pending` answer goes into the next proof; a second
    /// demand in a row backs off instead of ending the login.
    #[cfg(feature = "device")]
    #[test]
    fn a_device_poll_is_proved_and_sent_once_more_with_the_servers_nonce() {
        use crate::device::{DevicePoll, DevicePollAction};
        let profile = crate::Profile::generic(None, "https://as.example/token")
            .unwrap()
            .with_endpoint(
                crate::EndpointRole::DeviceAuthorization,
                "https://as.example/device",
            )
            .unwrap();
        let client = Client::new(profile, "c")
            .with_dpop_key(SigningKey::from_jwk(EC_JWK).unwrap())
            .unwrap();
        let authorization = client
            .parse_device_authorization_response(
                1000,
                &HttpResponse::new(
                    200,
                    vec![],
                    br#"{"device_code":"dc-secret-0123456789","user_code":"WDJB-MJHT","verification_uri":"https://as.example/device","expires_in":600,"interval":5}"#.to_vec(),
                ),
            )
            .unwrap();
        let mut poll = DevicePoll::new(client, &authorization).with_entropy(&[7; 32]);
        let send = |poll: &mut DevicePoll, now: u64| match poll.poll_action(now) {
            DevicePollAction::Send(out) => out,
            other => panic!("a poll at {now}, not {other:?}"),
        };
        let first = send(&mut poll, 1005);
        assert_eq!(nonce_of(&first.request), None);
        let error = poll
            .handle_response(first.id, 1005, &demand("n-1"))
            .unwrap_err();
        assert_eq!(error.action(), crate::Action::Retry);
        assert!(!format!("{error}{error:?}").contains("dc-secret"));
        let retry = send(&mut poll, 1005);
        assert_eq!(nonce_of(&retry.request).as_deref(), Some("n-1"));
        let pending = HttpResponse::new(
            400,
            vec![("DPoP-Nonce".into(), "n-2".into())],
            br#"{"error":"authorization_pending"}"#.to_vec(),
        );
        poll.handle_response(retry.id, 1005, &pending).unwrap();
        assert!(matches!(
            poll.poll_action(1006),
            DevicePollAction::Wait { until: Some(1010) }
        ));
        let third = send(&mut poll, 1010);
        assert_eq!(nonce_of(&third.request).as_deref(), Some("n-2"));
        poll.handle_response(third.id, 1010, &demand("n-3"))
            .unwrap_err();
        let fourth = send(&mut poll, 1010);
        assert_eq!(nonce_of(&fourth.request).as_deref(), Some("n-3"));
        // The retry refused too: a back-off, polling goes on.
        let error = poll
            .handle_response(fourth.id, 1010, &demand("n-4"))
            .unwrap_err();
        assert_eq!(error.action(), crate::Action::Retry);
        assert!(matches!(
            poll.poll_action(1010),
            DevicePollAction::Wait { until: Some(until) } if until > 1010
        ));
    }

    /// A DPoP-bound token goes out as `Authorization: DPoP` with a proof
    /// naming its hash, never as a bearer token; the API's nonce is kept
    /// for the next proof.
    #[test]
    fn a_bound_token_is_presented_with_a_proof() {
        let mut session = expired_session();
        let token = session.token_set().unwrap().access_token().clone();
        let client = session.client_for_request(1001).unwrap();
        let request = client
            .authorized_request(Method::Get, "https://rs.example/data?q=1".into(), &token)
            .unwrap();
        assert_eq!(request.header("Authorization"), Some("DPoP at-1"));
        let proof = request.header("DPoP").unwrap();
        let claims = crate::base64url::decode(proof.split('.').nth(1).unwrap().as_bytes()).unwrap();
        let claims = String::from_utf8(claims).unwrap();
        assert!(
            claims.contains(r#""htm":"GET","htu":"https://rs.example/data""#),
            "{claims}"
        );
        assert!(
            claims.contains(&format!(r#""ath":"{}""#, ath(&token))),
            "{claims}"
        );
        let challenge = HttpResponse::new(
            401,
            vec![
                (
                    "WWW-Authenticate".into(),
                    r#"DPoP error="use_dpop_nonce", algs="ES256""#.into(),
                ),
                ("DPoP-Nonce".into(), "rs-n".into()),
            ],
            vec![],
        );
        assert!(session.handle_dpop_response(&request, &challenge));
        let again = session
            .client_for_request(1001)
            .unwrap()
            .authorized_request(Method::Get, "https://rs.example/data".into(), &token)
            .unwrap();
        assert_eq!(nonce_of(&again).as_deref(), Some("rs-n"));
        // Without a key, the bound token is refused, not sent as Bearer.
        let plain = Client::new(
            crate::Profile::generic(None, "https://as.example/token").unwrap(),
            "c",
        );
        let error = plain
            .authorized_request(Method::Get, "https://rs.example/data".into(), &token)
            .unwrap_err();
        assert!(
            error.to_string().contains("never sent as a bearer token"),
            "{error}"
        );
    }
}

#[cfg(test)]
#[cfg(feature = "signing")]
mod retry_tests {
    use super::*;

    const ED_JWK: &str = r#"{"kty":"OKP","crv":"Ed25519",
        "d":"2DErVUlhFwncbLnR8jB1Wk1Qv1xTR5X5ra3uwH4gF6E",
        "x":"MAuCJ7WtkSnzKH1Q7K5kSGjzwXlKVR2E4l4Dg4S7L_s"}"#;

    /// The retry of an API request keeps everything but the proof, whose
    /// new one carries the server's nonce, a new jti and the same ath.
    #[test]
    fn a_new_proof_carries_the_nonce_and_the_same_ath() {
        let profile = crate::Profile::generic(None, "https://as.example/token")
            .unwrap()
            .with_endpoint(crate::EndpointRole::ApiBase, "https://rs.example/v1/")
            .unwrap();
        let client = Client::new(profile, "c")
            .with_dpop_key(SigningKey::from_jwk(ED_JWK).unwrap())
            .unwrap();
        let token = AccessToken::dpop_bound("at-bound-1");
        let at = client.at(100, &[1; 32]).unwrap();
        let first = at
            .api_request(&token, Method::Post, "things?x=1", Some(b"{}"))
            .unwrap();
        let nonces = DpopNonces::new()
            .with_nonce("https://rs.example/", "rs-1")
            .unwrap();
        let again = at
            .with_dpop_nonces(&nonces)
            .with_new_dpop_proof(first.clone())
            .unwrap();
        let claims = |r: &HttpRequest| {
            let proof = r.header("DPoP").unwrap();
            let bytes = crate::base64url::decode(proof.split('.').nth(1).unwrap().as_bytes());
            crate::json::parse_object(&bytes.unwrap()).unwrap()
        };
        let (before, after) = (claims(&first), claims(&again));
        assert_eq!(before.get("ath"), after.get("ath"));
        assert_ne!(before.get("jti"), after.get("jti"));
        assert_eq!(
            proof_nonce(again.header("DPoP").unwrap()).as_deref(),
            Some("rs-1")
        );
        assert_eq!(again.url, first.url);
        assert_eq!(again.body, first.body);
        assert_eq!(again.headers.iter().filter(|(n, _)| n == "DPoP").count(), 1);
    }
}

#[cfg(test)]
#[cfg(feature = "signing")]
mod redaction_tests {
    use super::*;

    /// A proof is a credential for its request and carries the token's
    /// hash: `Debug` of the request shows neither it nor the token.
    #[test]
    fn debug_shows_neither_the_proof_nor_the_token() {
        let profile = crate::Profile::generic(None, "https://as.example/token").unwrap();
        let key = SigningKey::generate_es256(&[9; 32]).unwrap();
        let client = Client::new(profile, "c").with_dpop_key(key).unwrap();
        let token = AccessToken::dpop_bound("at-very-secret-1");
        let request = client
            .at(1, &[2; 32])
            .unwrap()
            .authorized_request(Method::Get, "https://rs.example/x".into(), &token)
            .unwrap();
        let proof = request.header("DPoP").unwrap().to_owned();
        let shown = format!("{request:?} {token:?} {token} {client:?}");
        assert!(!shown.contains(&proof[..20]), "{shown}");
        assert!(!shown.contains("at-very-secret-1"), "{shown}");
        assert!(shown.contains("DPoP"));
    }
}

#[cfg(test)]
#[cfg(feature = "signing")]
mod host_key_tests {
    use super::*;

    const EC_JWK: &str = r#"{"kty":"EC","crv":"P-256",
        "x":"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
        "y":"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E",
        "d":"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k"}"#;
    /// EC_JWK's public half, as WebCrypto exports it (with `key_ops` and
    /// `ext`, which are not part of the thumbprint).
    const EC_PUBLIC: &str = r#"{"key_ops":["verify"],"ext":true,"kty":"EC","crv":"P-256",
        "x":"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
        "y":"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E"}"#;

    fn profile() -> crate::Profile {
        crate::Profile::generic(None, "https://as.example/token").unwrap()
    }

    fn host_client() -> Client {
        Client::new(profile(), "c")
            .with_dpop_public_key(SigningAlgorithm::Es256, EC_PUBLIC)
            .unwrap()
    }

    /// ES256 as the host signs: the 64-byte R || S over the signing input.
    fn host_signature(input: &str) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        let d = crate::base64url::decode(b"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k").unwrap();
        let key = p256::ecdsa::SigningKey::from_slice(&d).unwrap();
        let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
        signature.to_bytes().to_vec()
    }

    /// The host-signed proof is the one the core signs with the same key
    /// (ES256 is deterministic here, RFC 6979), byte for byte: same header,
    /// same claims, same thumbprint.
    #[test]
    fn a_host_signed_proof_is_the_core_signed_one() {
        let local = Client::new(profile(), "c")
            .with_dpop_key(SigningKey::from_jwk(EC_JWK).unwrap())
            .unwrap();
        let host = host_client();
        assert_eq!(local.dpop_jkt(), host.dpop_jkt());
        let refresh = crate::RefreshToken::new("rt-1");
        let signed = local
            .at(1_700_000_000, &[7; 32])
            .unwrap()
            .refresh_request(&refresh)
            .unwrap();
        let pending = host
            .at(1_700_000_000, &[7; 32])
            .unwrap()
            .refresh_request(&refresh)
            .unwrap();
        let input = pending.header("DPoP").unwrap().to_owned();
        assert_eq!(input.split('.').count(), 2, "a signing input, not a JWS");
        let completed = Client::complete_dpop_proof(pending, &host_signature(&input)).unwrap();
        assert_eq!(completed.header("DPoP"), signed.header("DPoP"));
        assert_eq!(completed.body, signed.body);
        // A proof is completed once.
        let error = Client::complete_dpop_proof(completed, &[0; 64]).unwrap_err();
        assert!(
            error.to_string().contains("no DPoP proof waiting"),
            "{error}"
        );
    }

    #[test]
    fn a_retry_gets_a_new_signing_input_with_the_nonce() {
        let at = host_client().at(100, &[1; 32]).unwrap();
        let first = at
            .refresh_request(&crate::RefreshToken::new("rt-1"))
            .unwrap();
        let nonces = DpopNonces::new()
            .with_nonce("https://as.example/", "n-1")
            .unwrap();
        let again = at
            .with_dpop_nonces(&nonces)
            .with_new_dpop_proof(first.clone())
            .unwrap();
        let input = again.header("DPoP").unwrap();
        assert_eq!(input.split('.').count(), 2);
        assert_eq!(proof_nonce(input).as_deref(), Some("n-1"));
        assert_ne!(Some(input), first.header("DPoP"));
    }

    #[test]
    fn a_public_key_that_cannot_sign_the_algorithm_is_refused() {
        let refused = |algorithm, jwk: &str| {
            Client::new(profile(), "c")
                .with_dpop_public_key(algorithm, jwk)
                .unwrap_err()
                .to_string()
        };
        assert!(refused(SigningAlgorithm::Es256, EC_JWK).contains("private key material"));
        assert!(refused(SigningAlgorithm::EdDsa, EC_PUBLIC).contains("does not sign EdDSA"));
        assert!(refused(SigningAlgorithm::Hs256, EC_PUBLIC).contains("never a shared secret"));
        let p384 = EC_PUBLIC.replace("P-256", "P-384");
        assert!(refused(SigningAlgorithm::Es256, &p384).contains("P-256"));
        let short = EC_PUBLIC.replace("w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44", "AAAA");
        assert!(refused(SigningAlgorithm::Es256, &short).contains("malformed x"));
        assert!(refused(SigningAlgorithm::Es256, "[]").contains("not a JSON object"));
        let small_rsa = r#"{"kty":"RSA","e":"AQAB","n":"AAAA"}"#;
        assert!(refused(SigningAlgorithm::Rs256, small_rsa).contains("2048"));
    }

    /// The key the host keeps never reaches a log: there is none in the
    /// client, and the public half is not a secret but not shown either.
    #[test]
    fn debug_of_a_host_key_client_shows_no_key() {
        let debug = format!("{:?}", host_client());
        assert!(!debug.contains("2rzlM"), "{debug}");
    }
}

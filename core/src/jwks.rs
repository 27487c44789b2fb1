//! An OpenID Provider's signing keys: the JWK set at its `jwks_uri`
//! (RFC 7517 §5, OpenID Connect Core 1.0 §10.1), the request for it, its
//! parser, the choice of a key for a token, and a cache the caller keeps.
//!
//! # The cache, sans-IO
//!
//! [`JwksCache`] holds the last set read and when it goes stale; it does
//! no IO and reads no clock. The caller drives it:
//!
//! 1. [`JwksCache::poll_fetch`]`(now, kid)` answers whether to fetch the
//!    set now: when none is held, when it is stale (`Cache-Control:
//!    max-age`, else [`DEFAULT_JWKS_MAX_AGE`]), or when the token's `kid`
//!    is not in it — the provider rotated its keys (§10.1.1) — but at most
//!    once per [`JWKS_REFETCH_INTERVAL`], so that tokens naming made-up
//!    keys cannot make the client hammer the provider.
//! 2. The caller sends [`JwksCache::request`] and hands the answer to
//!    [`JwksCache::handle_response`]`(now, response)`; a failed fetch keeps
//!    the set held before.
//! 3. [`crate::IdTokenCheck::validate`] then picks the key from
//!    [`JwksCache::keys`]. A `kid` still unknown after the one refetch is
//!    an `id_token_invalid` error.
//!
//! The set is public data: caching it needs no protection.

use crate::error::{Error, Result};
use crate::error_response::{body_kind, error_from_response};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::jose::JwsAlgorithm;
use crate::json::{self, Object, Value};
use crate::profile::{Profile, ProviderKind, ResponseSource};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// How long a set is used when the response does not say (`Cache-Control:
/// max-age`): 5 minutes.
pub const DEFAULT_JWKS_MAX_AGE: u64 = 300;

/// The longest a set is used, whatever `max-age` says: one day, so that a
/// revoked key stops being trusted within a day.
pub const MAX_JWKS_MAX_AGE: u64 = 86_400;

/// The shortest time between two fetches of the set: a token naming an
/// unknown key makes one refetch at most this often (§10.1.1).
pub const JWKS_REFETCH_INTERVAL: u64 = 60;

/// Members that only a private (or symmetric) key has (RFC 7518 §6.2.2,
/// §6.3.2, §6.4.1; RFC 8037 §2). A published set holding one has leaked a
/// secret, and is refused.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// A public key authflow can verify with.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An RSA key (`kty` `RSA`, RFC 7518 §6.3.1) of at least 2048 bits.
    Rsa(rsa::RsaPublicKey),
    /// A P-256 key (`kty` `EC`, `crv` `P-256`, RFC 7518 §6.2.1).
    P256(p256::ecdsa::VerifyingKey),
    /// An Ed25519 key (`kty` `OKP`, `crv` `Ed25519`, RFC 8037 §2).
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PublicKey::Rsa(_) => "PublicKey::Rsa",
            PublicKey::P256(_) => "PublicKey::P256",
            PublicKey::Ed25519(_) => "PublicKey::Ed25519",
        })
    }
}

impl PublicKey {
    /// Whether this key can verify `alg` (RFC 7518 §3.1: RS256 and PS256
    /// take RSA keys, ES256 P-256 keys, EdDSA Ed25519 keys).
    pub fn fits(&self, alg: JwsAlgorithm) -> bool {
        matches!(
            (self, alg),
            (PublicKey::Rsa(_), JwsAlgorithm::Rs256 | JwsAlgorithm::Ps256)
                | (PublicKey::P256(_), JwsAlgorithm::Es256)
                | (PublicKey::Ed25519(_), JwsAlgorithm::EdDsa)
        )
    }

    /// Checks `signature` over `message` with this key and `alg`.
    pub(crate) fn verify(
        &self,
        alg: JwsAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> std::result::Result<(), ()> {
        use rsa::signature::Verifier;
        let verified = match (self, alg) {
            (PublicKey::Rsa(key), JwsAlgorithm::Rs256) => {
                let signature = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| ())?;
                rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key.clone())
                    .verify(message, &signature)
            }
            (PublicKey::Rsa(key), JwsAlgorithm::Ps256) => {
                let signature = rsa::pss::Signature::try_from(signature).map_err(|_| ())?;
                // The salt is as long as the hash (RFC 7518 §3.5).
                rsa::pss::VerifyingKey::<sha2::Sha256>::new(key.clone()).verify(message, &signature)
            }
            (PublicKey::P256(key), JwsAlgorithm::Es256) => {
                // JWS carries R || S, 32 bytes each (RFC 7518 §3.4), not DER.
                let signature = p256::ecdsa::Signature::from_slice(signature).map_err(|_| ())?;
                key.verify(message, &signature)
            }
            (PublicKey::Ed25519(key), JwsAlgorithm::EdDsa) => {
                let signature = ed25519_dalek::Signature::from_slice(signature).map_err(|_| ())?;
                // Strict: no small-order keys, no malleable signatures.
                key.verify_strict(message, &signature)
            }
            _ => return Err(()),
        };
        verified.map_err(|_| ())
    }
}

/// One key of a set: the key, and what the set says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    /// `kid` (RFC 7517 §4.5).
    pub kid: Option<String>,
    /// `alg` (RFC 7517 §4.4): when given, the only algorithm the key is for.
    pub alg: Option<String>,
    /// `use` (RFC 7517 §4.2): when given, `sig` for a signing key.
    pub key_use: Option<String>,
    /// The public key.
    pub key: PublicKey,
}

impl Jwk {
    /// The kty name (`RSA`, `EC`, `OKP`) of the key.
    pub fn kty(&self) -> &'static str {
        match self.key {
            PublicKey::Rsa(_) => "RSA",
            PublicKey::P256(_) => "EC",
            PublicKey::Ed25519(_) => "OKP",
        }
    }

    /// Whether this key may verify a token signed with `alg`, naming `kid`
    /// (RFC 7517 §4.2, §4.4, §4.5; OpenID Connect Core 1.0 §10.1: with a
    /// `kid` in the header, only the key of that `kid`).
    pub fn matches(&self, alg: JwsAlgorithm, kid: Option<&str>) -> bool {
        self.key.fits(alg)
            && self.key_use.as_deref().is_none_or(|u| u == "sig")
            && self.alg.as_deref().is_none_or(|a| a == alg.as_str())
            && kid.is_none_or(|kid| self.kid.as_deref() == Some(kid))
    }
}

/// A JWK set (RFC 7517 §5): the keys authflow can use. Keys of other types
/// and curves (`oct`, P-384, X25519, ...) are skipped, not refused: a
/// provider may publish keys for other uses beside its signing keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwkSet {
    /// The usable keys, in document order.
    pub keys: Vec<Jwk>,
    /// How many keys of the document were skipped (other types or curves).
    pub skipped: usize,
}

impl JwkSet {
    /// Reads a JWK set document (RFC 7517 §5). Refuses a document that is
    /// not an object with a `keys` array, a usable key with a malformed
    /// member, and any key with private members (`d`, `p`, `k`, ...).
    pub fn parse(document: &[u8]) -> Result<JwkSet> {
        let invalid = |why: &str| Error::invalid_response(format!("the JWK set {why}"));
        let object = json::parse_object(document).ok_or_else(|| invalid("is not a JSON object"))?;
        let Some(Value::Array(keys)) = object.get("keys") else {
            return Err(invalid("has no keys array"));
        };
        let mut set = JwkSet::default();
        for (index, key) in keys.iter().enumerate() {
            let Value::Object(key) = key else {
                return Err(invalid(&format!("key {index} is not an object")));
            };
            if PRIVATE_MEMBERS.iter().any(|m| key.contains_key(*m)) {
                // The value is a secret: only the fact is reported.
                return Err(invalid(&format!(
                    "key {index} has private key members; a provider publishes public keys only"
                )));
            }
            match read_key(key).map_err(|why| invalid(&format!("key {index}: {why}")))? {
                Some(jwk) => set.keys.push(jwk),
                None => set.skipped += 1,
            }
        }
        Ok(set)
    }

    /// The keys that may verify a token of `alg` naming `kid`.
    pub fn candidates(
        &self,
        alg: JwsAlgorithm,
        kid: Option<&str>,
    ) -> impl Iterator<Item = &Jwk> + '_ {
        let kid = kid.map(str::to_owned);
        self.keys
            .iter()
            .filter(move |k| k.matches(alg, kid.as_deref()))
    }
}

/// A key of a type authflow verifies, or `None` for one it skips.
fn read_key(key: &Object) -> std::result::Result<Option<Jwk>, String> {
    let string = |name: &str| match key.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(format!("{name} is not a string")),
    };
    let bytes = |name: &str| -> std::result::Result<Vec<u8>, String> {
        let value = string(name)?.ok_or_else(|| format!("no {name}"))?;
        URL_SAFE_NO_PAD
            .decode(value)
            .map_err(|_| format!("{name} is not base64url"))
    };
    let kty = string("kty")?.ok_or("no kty")?;
    let crv = string("crv")?;
    let public = match (kty, crv) {
        ("RSA", _) => {
            let n = rsa::BigUint::from_bytes_be(&bytes("n")?);
            let e = rsa::BigUint::from_bytes_be(&bytes("e")?);
            let key = rsa::RsaPublicKey::new(n, e).map_err(|_| "not a valid RSA key")?;
            // RFC 7518 §3.3: 2048 bits or larger MUST be used.
            if rsa::traits::PublicKeyParts::size(&key) < 256 {
                return Err("an RSA key shorter than 2048 bits".into());
            }
            PublicKey::Rsa(key)
        }
        ("EC", Some("P-256")) => {
            let (x, y) = (bytes("x")?, bytes("y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err("x and y of a P-256 key are 32 bytes each".into());
            }
            let point = p256::EncodedPoint::from_affine_coordinates(
                p256::FieldBytes::from_slice(&x),
                p256::FieldBytes::from_slice(&y),
                false,
            );
            PublicKey::P256(
                p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map_err(|_| "not a point of P-256")?,
            )
        }
        ("OKP", Some("Ed25519")) => {
            let x: [u8; 32] = bytes("x")?
                .try_into()
                .map_err(|_| "x of an Ed25519 key is 32 bytes")?;
            PublicKey::Ed25519(
                ed25519_dalek::VerifyingKey::from_bytes(&x).map_err(|_| "not an Ed25519 key")?,
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(Jwk {
        kid: string("kid")?.map(str::to_owned),
        alg: string("alg")?.map(str::to_owned),
        key_use: string("use")?.map(str::to_owned),
        key: public,
    }))
}

/// The request for the set at `jwks_uri` (checked by the HTTPS rule).
pub fn jwks_request(jwks_uri: &str) -> Result<HttpRequest> {
    let endpoint = crate::endpoint::Endpoint::parse("jwks_uri", jwks_uri)?;
    // `HttpRequest::new` asks for JSON already.
    Ok(HttpRequest::new(Method::Get, endpoint.as_str().to_owned()))
}

/// Reads the answer to [`jwks_request`]: the set, and how long it may be
/// used (`Cache-Control: max-age`, RFC 9111 §5.2.2.1; `no-store` and
/// `no-cache` make it 0; [`DEFAULT_JWKS_MAX_AGE`] when absent; at most
/// [`MAX_JWKS_MAX_AGE`]).
pub fn parse_jwks_response(response: &HttpResponse) -> Result<(JwkSet, u64)> {
    if response.status != 200 {
        let profile = Profile::base(ProviderKind::Generic);
        return Err(error_from_response(
            &profile,
            ResponseSource::Api,
            0,
            response,
        ));
    }
    if json::parse_object(&response.body).is_none() {
        return Err(Error::invalid_response(format!(
            "the JWK set is {}",
            body_kind(response)
        )));
    }
    Ok((JwkSet::parse(&response.body)?, max_age(response)))
}

/// The freshness lifetime a response gives the set.
fn max_age(response: &HttpResponse) -> u64 {
    let mut max_age = None;
    for directive in response
        .header_values("cache-control")
        .flat_map(|v| v.split(','))
        .map(str::trim)
    {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        match name.to_ascii_lowercase().as_str() {
            "no-store" | "no-cache" => return 0,
            "max-age" => max_age = value.trim_matches('"').parse::<u64>().ok(),
            _ => {}
        }
    }
    max_age
        .unwrap_or(DEFAULT_JWKS_MAX_AGE)
        .min(MAX_JWKS_MAX_AGE)
}

/// The caller's cache of one provider's set (see the module's contract).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksCache {
    jwks_uri: String,
    keys: Option<JwkSet>,
    fresh_until: u64,
    last_fetch: Option<u64>,
}

impl JwksCache {
    /// An empty cache for the set at `jwks_uri` (checked when the request is built).
    pub fn new(jwks_uri: impl Into<String>) -> JwksCache {
        JwksCache {
            jwks_uri: jwks_uri.into(),
            keys: None,
            fresh_until: 0,
            last_fetch: None,
        }
    }

    /// The set held, fresh or not (`None` before the first fetch).
    pub fn keys(&self) -> Option<&JwkSet> {
        self.keys.as_ref()
    }

    /// Whether to fetch the set at `now` before verifying a token whose
    /// header names `kid` (see the module's contract).
    pub fn poll_fetch(&self, now: u64, kid: Option<&str>) -> bool {
        let rate_limited = self
            .last_fetch
            .is_some_and(|at| now < at.saturating_add(JWKS_REFETCH_INTERVAL));
        let Some(keys) = &self.keys else {
            return !rate_limited;
        };
        if now >= self.fresh_until {
            return !rate_limited;
        }
        let known = kid.is_none_or(|kid| keys.keys.iter().any(|k| k.kid.as_deref() == Some(kid)));
        !known && !rate_limited
    }

    /// The request for the set.
    pub fn request(&self) -> Result<HttpRequest> {
        jwks_request(&self.jwks_uri)
    }

    /// Takes the answer to [`JwksCache::request`] sent at `now`. On an
    /// error the set held before is kept (and the error returned), and the
    /// next fetch waits out the refetch interval all the same.
    pub fn handle_response(&mut self, now: u64, response: &HttpResponse) -> Result<()> {
        self.last_fetch = Some(now);
        let (keys, max_age) = parse_jwks_response(response)?;
        self.keys = Some(keys);
        self.fresh_until = now.saturating_add(max_age);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_response(kid: &str, cache_control: Option<&str>) -> HttpResponse {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]).verifying_key();
        let body = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"{kid}","x":"{}"}}]}}"#,
            URL_SAFE_NO_PAD.encode(key.as_bytes())
        );
        let headers = cache_control
            .map(|v| vec![("Cache-Control".to_owned(), v.to_owned())])
            .unwrap_or_default();
        HttpResponse::new(200, headers, body.into_bytes())
    }

    /// §10.1.1: an unknown kid makes one refetch, then waits out the
    /// interval however many tokens name unknown keys.
    #[test]
    fn an_unknown_kid_refetches_once_per_interval() {
        let mut cache = JwksCache::new("https://op.example/jwks");
        assert!(cache.poll_fetch(1000, Some("k1")), "nothing held yet");
        cache
            .handle_response(1000, &set_response("k1", None))
            .unwrap();
        assert!(!cache.poll_fetch(1001, Some("k1")));
        assert!(!cache.poll_fetch(1001, None));
        // Within the interval of the last fetch, an unknown kid waits.
        assert!(!cache.poll_fetch(1059, Some("k2")));
        assert!(cache.poll_fetch(1060, Some("k2")));
        cache
            .handle_response(1060, &set_response("k1", None))
            .unwrap();
        // Still unknown after the refetch: no second fetch for a while.
        assert!(!cache.poll_fetch(1061, Some("k2")));
        assert!(!cache.poll_fetch(1119, Some("k2")));
        assert!(cache.poll_fetch(1120, Some("k2")));
    }

    #[test]
    fn the_set_goes_stale_after_its_max_age() {
        let mut cache = JwksCache::new("https://op.example/jwks");
        cache
            .handle_response(1000, &set_response("k1", Some("max-age=120")))
            .unwrap();
        assert!(!cache.poll_fetch(1119, Some("k1")));
        assert!(cache.poll_fetch(1120, Some("k1")));
        cache
            .handle_response(2000, &set_response("k1", None))
            .unwrap();
        assert!(!cache.poll_fetch(2000 + DEFAULT_JWKS_MAX_AGE - 1, None));
        assert!(cache.poll_fetch(2000 + DEFAULT_JWKS_MAX_AGE, None));
    }

    /// A failed fetch keeps the keys held and still counts for the rate limit.
    #[test]
    fn a_failed_fetch_keeps_the_set_held() {
        let mut cache = JwksCache::new("https://op.example/jwks");
        cache
            .handle_response(1000, &set_response("k1", None))
            .unwrap();
        let failed = cache.handle_response(1100, &HttpResponse::new(503, vec![], Vec::new()));
        assert!(failed.is_err());
        assert_eq!(cache.keys().map(|k| k.keys.len()), Some(1));
        assert!(!cache.poll_fetch(1101, Some("k2")));
        let request = cache.request().unwrap();
        assert_eq!(request.url, "https://op.example/jwks");
        assert_eq!(
            request.headers,
            vec![("Accept".to_owned(), "application/json".to_owned())]
        );
        assert!(jwks_request("http://op.example/jwks").is_err());
    }

    /// A private key's value never reaches the error.
    #[test]
    fn private_members_are_refused_without_their_value() {
        let body =
            br#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"very-secret-d-value"}]}"#;
        let error = JwkSet::parse(body).unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("private key members"), "{shown}");
    }
}

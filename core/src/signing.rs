//! Keys the client signs with, and compact JWS signing (RFC 7515 §5.1,
//! §7.1): the client assertions of `private_key_jwt` and
//! `client_secret_jwt` (RFC 7523 §2.2) are JWTs signed here.
//!
//! The host provides the key: a PKCS#8 (or PKCS#1 / SEC1) PEM text or a
//! private JWK (RFC 7517, RFC 7518 §6, RFC 8037 §2). A key is a secret:
//! `Debug` shows its algorithm and `kid` only, and the key material is
//! wiped when the key is dropped (RustCrypto's keys zeroize themselves).
//! The crypto is RustCrypto's; none is written here. Randomness (RSA's
//! blinding, PSS's salt) comes from the caller's entropy through a seeded
//! ChaCha20, never from the operating system: the core does no IO.

// Client assertions and DPoP proofs (RFC 9449) sign here; with `signing`
// alone nothing does.
#![cfg_attr(
    not(any(feature = "jwt-client-auth", feature = "dpop")),
    allow(dead_code)
)]

use crate::error::{Error, Result};
use crate::json::{Members, ObjectWriter, Shallow};
use crate::jws_signing::SigningAlgorithm;
use rand_chacha::rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// The key material of a [`SigningKey`].
#[derive(Clone)]
enum KeyMaterial {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
    Ed25519(Box<ed25519_dalek::SigningKey>),
    /// An HMAC key: the client secret's bytes (`client_secret_jwt` only).
    #[cfg_attr(not(feature = "jwt-client-auth"), allow(dead_code))]
    Hmac(Zeroizing<Vec<u8>>),
}

/// A private key (or, for HS256, a shared secret) authflow signs with,
/// with the algorithm it signs for and the `kid` its JWS headers name.
///
/// `Debug` never shows the key; there is no way to read it back.
#[derive(Clone)]
pub struct SigningKey {
    material: KeyMaterial,
    algorithm: SigningAlgorithm,
    key_id: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("key", &format_args!("[redacted]"))
            .finish()
    }
}

/// RFC 7518 §3.3 (and §3.5): an RSA key of 2048 bits or larger MUST be used.
const MIN_RSA_BYTES: usize = 256;

/// RFC 7518 §3.2: an HMAC key as long as the hash output or longer MUST
/// be used: 32 bytes for HS256.
pub const MIN_HMAC_KEY_LEN: usize = 32;

fn key_error(why: &str) -> Error {
    Error::configuration(format!("the signing key {why}"))
}

impl SigningKey {
    /// A key from a PEM text: PKCS#8 (`BEGIN PRIVATE KEY`, RSA, P-256 or
    /// Ed25519), PKCS#1 (`BEGIN RSA PRIVATE KEY`) or SEC1 (`BEGIN EC
    /// PRIVATE KEY`, P-256). `algorithm` picks RS256 or PS256 for an RSA
    /// key; `None` takes the key type's own: RS256, ES256, EdDSA. An
    /// encrypted key, another curve or an RSA key under 2048 bits is a
    /// configuration error; no error quotes the key.
    pub fn from_pem(pem: &str, algorithm: Option<SigningAlgorithm>) -> Result<SigningKey> {
        use ed25519_dalek::pkcs8::DecodePrivateKey as _;
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        let label = pem
            .lines()
            .map(str::trim)
            .find(|line| line.starts_with("-----BEGIN "))
            .ok_or_else(|| key_error("is not a PEM text (no -----BEGIN line)"))?;
        let material = match label {
            "-----BEGIN PRIVATE KEY-----" => {
                if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
                    KeyMaterial::Rsa(Box::new(key))
                } else if let Ok(key) = p256::SecretKey::from_pkcs8_pem(pem) {
                    KeyMaterial::P256(key.into())
                } else if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
                    KeyMaterial::Ed25519(Box::new(key))
                } else {
                    return Err(key_error(
                        "is not a PKCS#8 RSA, P-256 or Ed25519 private key",
                    ));
                }
            }
            "-----BEGIN RSA PRIVATE KEY-----" => KeyMaterial::Rsa(Box::new(
                rsa::RsaPrivateKey::from_pkcs1_pem(pem)
                    .map_err(|_| key_error("is not a PKCS#1 RSA private key"))?,
            )),
            "-----BEGIN EC PRIVATE KEY-----" => KeyMaterial::P256(
                p256::SecretKey::from_sec1_pem(pem)
                    .map_err(|_| key_error("is not a SEC1 P-256 private key"))?
                    .into(),
            ),
            "-----BEGIN ENCRYPTED PRIVATE KEY-----" => {
                return Err(key_error(
                    "is encrypted; decrypt it first (openssl pkcs8 -topk8 -nocrypt)",
                ))
            }
            _ => {
                return Err(key_error(
                    "is not a private key PEM (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)",
                ))
            }
        };
        SigningKey::checked(material, algorithm, None)
    }

    /// A key from a private JWK (RFC 7517 §4, RFC 7518 §6.2.2, §6.3.2,
    /// RFC 8037 §2): `kty` `RSA` (with `n`, `e`, `d`, `p`, `q`), `EC` on
    /// `P-256` (`d`, checked against `x`, `y`), or `OKP` `Ed25519` (`d`,
    /// checked against `x`). Its `kid` is kept; its `alg`, when given,
    /// must be one authflow signs with for that key type and is the one
    /// used (RS256 for an RSA key without one). A JWK whose `use` is not
    /// `sig` is refused.
    pub fn from_jwk(jwk: &str) -> Result<SigningKey> {
        SigningKey::from_jwk_for(jwk, None)
    }

    /// A key from the text a host keeps it in: a private JWK's JSON text
    /// (it starts with `{`) or a PEM text. `algorithm` is the one to sign
    /// with when the text does not say (PS256 for an RSA key); a JWK
    /// whose own `alg` is another is refused, not overridden.
    pub fn parse(text: &str, algorithm: Option<SigningAlgorithm>) -> Result<SigningKey> {
        if text.trim_start().starts_with('{') {
            SigningKey::from_jwk_for(text, algorithm)
        } else {
            SigningKey::from_pem(text, algorithm)
        }
    }

    /// [`SigningKey::from_jwk`], signing with `requested` when the JWK names
    /// no `alg` (and refusing one that names another).
    fn from_jwk_for(jwk: &str, requested: Option<SigningAlgorithm>) -> Result<SigningKey> {
        let members = Members::parse(jwk.as_bytes())
            .ok_or_else(|| key_error("is not a JWK (a JSON object)"))?;
        let string = |name: &str| match members.get(name) {
            None => Ok(None),
            Some(Shallow::String(s)) => Ok(Some(s.to_string())),
            Some(_) => Err(key_error(&format!("member {name} is not a string"))),
        };
        let bytes = |name: &str| -> Result<Zeroizing<Vec<u8>>> {
            let text = string(name)?.ok_or_else(|| key_error(&format!("has no {name}")))?;
            crate::base64url::decode(text.as_bytes())
                .map(Zeroizing::new)
                .ok_or_else(|| key_error(&format!("member {name} is not base64url")))
        };
        if string("use")?.is_some_and(|u| u != "sig") {
            return Err(key_error("is not for signatures (its use is not sig)"));
        }
        let kty = string("kty")?.ok_or_else(|| key_error("has no kty"))?;
        let crv = string("crv")?;
        let material = match (&*kty, crv.as_deref()) {
            ("RSA", _) => {
                let int = |name: &str| bytes(name).map(|b| rsa::BigUint::from_bytes_be(&b));
                let key = rsa::RsaPrivateKey::from_components(
                    int("n")?,
                    int("e")?,
                    int("d")?,
                    vec![int("p")?, int("q")?],
                )
                .map_err(|_| key_error("is not a valid RSA private key"))?;
                key.validate()
                    .map_err(|_| key_error("is not a valid RSA private key"))?;
                KeyMaterial::Rsa(Box::new(key))
            }
            ("EC", Some("P-256")) => {
                let d = bytes("d")?;
                let key = p256::ecdsa::SigningKey::from_slice(&d)
                    .map_err(|_| key_error("d is not a P-256 private key"))?;
                let point = key.verifying_key().to_encoded_point(false);
                let x = bytes("x")?;
                let y = bytes("y")?;
                if point.x().map(|v| v.as_slice()) != Some(&x[..])
                    || point.y().map(|v| v.as_slice()) != Some(&y[..])
                {
                    return Err(key_error("has x and y that are not d's public key"));
                }
                KeyMaterial::P256(key)
            }
            ("OKP", Some("Ed25519")) => {
                let d: [u8; 32] = bytes("d")?
                    .as_slice()
                    .try_into()
                    .map_err(|_| key_error("d of an Ed25519 key is not 32 bytes"))?;
                let key = ed25519_dalek::SigningKey::from_bytes(&d);
                if key.verifying_key().as_bytes()[..] != bytes("x")?[..] {
                    return Err(key_error("has an x that is not d's public key"));
                }
                KeyMaterial::Ed25519(Box::new(key))
            }
            ("oct", _) => {
                return Err(key_error(
                    "is a symmetric (oct) key; client_secret_jwt signs with the client secret",
                ))
            }
            _ => {
                return Err(key_error(
                    "is not an RSA, P-256 (EC) or Ed25519 (OKP) private key",
                ))
            }
        };
        let algorithm = match string("alg")? {
            None => None,
            // Not quoted: nothing of a private JWK's text goes into an error.
            Some(name) => Some(SigningAlgorithm::parse(&name).ok_or_else(|| {
                key_error("names an alg authflow does not sign with (RS256, PS256, ES256, EdDSA)")
            })?),
        };
        let algorithm = match (algorithm, requested) {
            (Some(own), Some(requested)) if own != requested => {
                return Err(key_error(&format!(
                    "names alg {}, not the {} asked for",
                    own.as_str(),
                    requested.as_str()
                )))
            }
            (own, requested) => own.or(requested),
        };
        SigningKey::checked(material, algorithm, string("kid")?)
    }

    /// An HS256 key made of `secret` (RFC 7518 §3.2: at least 32 bytes).
    #[cfg(feature = "jwt-client-auth")]
    pub(crate) fn hmac(secret: &crate::secret::ClientSecret) -> Result<SigningKey> {
        let key = secret.secret().as_bytes();
        if key.len() < MIN_HMAC_KEY_LEN {
            return Err(Error::configuration(format!(
                "client_secret_jwt needs a client secret of at least {MIN_HMAC_KEY_LEN} bytes \
                 (RFC 7518 §3.2: an HS256 key is as long as the hash); this one is {}",
                key.len()
            )));
        }
        Ok(SigningKey {
            material: KeyMaterial::Hmac(Zeroizing::new(key.to_vec())),
            algorithm: SigningAlgorithm::Hs256,
            key_id: None,
        })
    }

    /// The key with `algorithm` (or its type's default) after the checks
    /// every constructor shares.
    fn checked(
        material: KeyMaterial,
        algorithm: Option<SigningAlgorithm>,
        key_id: Option<String>,
    ) -> Result<SigningKey> {
        let default = match &material {
            KeyMaterial::Rsa(key) => {
                if rsa::traits::PublicKeyParts::size(key.as_ref()) < MIN_RSA_BYTES {
                    return Err(key_error(
                        "is an RSA key shorter than 2048 bits (RFC 7518 §3.3)",
                    ));
                }
                SigningAlgorithm::Rs256
            }
            KeyMaterial::P256(_) => SigningAlgorithm::Es256,
            KeyMaterial::Ed25519(_) => SigningAlgorithm::EdDsa,
            KeyMaterial::Hmac(_) => SigningAlgorithm::Hs256,
        };
        let algorithm = algorithm.unwrap_or(default);
        let fits = matches!(
            (&material, algorithm),
            (
                KeyMaterial::Rsa(_),
                SigningAlgorithm::Rs256 | SigningAlgorithm::Ps256
            ) | (KeyMaterial::P256(_), SigningAlgorithm::Es256)
                | (KeyMaterial::Ed25519(_), SigningAlgorithm::EdDsa)
        );
        if !fits {
            return Err(key_error(&format!(
                "cannot sign {}: it is a {} key",
                algorithm.as_str(),
                default.as_str()
            )));
        }
        Ok(SigningKey {
            material,
            algorithm,
            key_id,
        })
    }

    /// A new P-256 key (ES256) made from `entropy`: 32 bytes from a
    /// cryptographically secure source (the core draws none itself). For
    /// a key the host generates and keeps, such as a DPoP key; store it
    /// with [`SigningKey::private_jwk`].
    pub fn generate_es256(entropy: &[u8]) -> Result<SigningKey> {
        let seed = entropy.get(..32).ok_or_else(|| {
            key_error(&format!("needs 32 bytes of entropy, got {}", entropy.len()))
        })?;
        // Fails only for a seed of zero or above the group order (odds
        // about 2^-32): the caller draws again.
        let key = p256::ecdsa::SigningKey::from_slice(seed)
            .map_err(|_| key_error("cannot be made from this entropy; draw again"))?;
        SigningKey::checked(KeyMaterial::P256(key), None, None)
    }

    /// The private key as a JWK (RFC 7518 §6.2.2, RFC 8037 §2), to store
    /// it: a secret, wiped when dropped. P-256 and Ed25519 keys only
    /// (`None` for RSA and HMAC keys, which come from the host already).
    pub fn private_jwk(&self) -> Option<Zeroizing<String>> {
        let mut jwk = ObjectWriter::with_capacity(200);
        match &self.material {
            KeyMaterial::P256(key) => {
                let point = key.verifying_key().to_encoded_point(false);
                let d = Zeroizing::new(crate::base64url::encode(key.to_bytes()));
                jwk.string("crv", "P-256")
                    .string("d", &d)
                    .string("kty", "EC")
                    .string("x", &crate::base64url::encode(point.x()?))
                    .string("y", &crate::base64url::encode(point.y()?));
            }
            KeyMaterial::Ed25519(key) => {
                let d = Zeroizing::new(crate::base64url::encode(key.to_bytes()));
                jwk.string("crv", "Ed25519")
                    .string("d", &d)
                    .string("kty", "OKP")
                    .string(
                        "x",
                        &crate::base64url::encode(key.verifying_key().as_bytes()),
                    );
            }
            KeyMaterial::Rsa(_) | KeyMaterial::Hmac(_) => return None,
        }
        Some(Zeroizing::new(jwk.finish()))
    }

    /// The same key with `kid` in the headers it signs (RFC 7515 §4.1.4),
    /// for a server that holds several keys of the client.
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> SigningKey {
        self.key_id = Some(key_id.into());
        self
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    /// The `kid` its headers name, if any.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The public key as a JWK (RFC 7517) with its required members only,
    /// in the lexicographic order of RFC 7638 §3.2 (so that its SHA-256
    /// is the key's thumbprint); `None` for an HMAC key, which has no
    /// public half.
    pub fn public_jwk(&self) -> Option<String> {
        let mut jwk = ObjectWriter::with_capacity(400);
        match &self.material {
            KeyMaterial::Rsa(key) => {
                use rsa::traits::PublicKeyParts as _;
                jwk.string("e", &crate::base64url::encode(key.e().to_bytes_be()))
                    .string("kty", "RSA")
                    .string("n", &crate::base64url::encode(key.n().to_bytes_be()));
            }
            KeyMaterial::P256(key) => {
                let point = key.verifying_key().to_encoded_point(false);
                jwk.string("crv", "P-256")
                    .string("kty", "EC")
                    .string("x", &crate::base64url::encode(point.x()?))
                    .string("y", &crate::base64url::encode(point.y()?));
            }
            KeyMaterial::Ed25519(key) => {
                jwk.string("crv", "Ed25519").string("kty", "OKP").string(
                    "x",
                    &crate::base64url::encode(key.verifying_key().as_bytes()),
                );
            }
            KeyMaterial::Hmac(_) => return None,
        }
        Some(jwk.finish())
    }

    /// The signature of `message` (RFC 7518 §3: R || S for ES256, not DER).
    fn sign(&self, message: &[u8], rng: &mut (impl RngCore + CryptoRng)) -> Vec<u8> {
        use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Signer as _};
        match (&self.material, self.algorithm) {
            (KeyMaterial::Rsa(key), SigningAlgorithm::Ps256) => {
                // Blinded: the private operation's timing does not follow
                // the key (the concern of RUSTSEC-2023-0071).
                rsa::pss::BlindedSigningKey::<sha2::Sha256>::new(key.as_ref().clone())
                    .sign_with_rng(rng, message)
                    .to_vec()
            }
            (KeyMaterial::Rsa(key), _) => {
                rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.as_ref().clone())
                    .sign_with_rng(rng, message)
                    .to_vec()
            }
            (KeyMaterial::P256(key), _) => {
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
            (KeyMaterial::Ed25519(key), _) => key.sign(message).to_bytes().to_vec(),
            (KeyMaterial::Hmac(key), _) => {
                use hmac::Mac as _;
                // Any key length is accepted by HMAC; the minimum was
                // checked when the key was made.
                let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(key)
                    .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
        }
    }

    /// A compact JWS of `claims` (a JSON object's text) with a header of
    /// `alg`, `typ` when given, `kid` when the key has one, and `jwk` (the
    /// public key) when `with_public_key` (RFC 9449 §4.2's DPoP proofs).
    pub(crate) fn sign_jwt(
        &self,
        typ: Option<&str>,
        with_public_key: bool,
        claims: &str,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Zeroizing<String> {
        let jwk = with_public_key.then(|| self.public_jwk()).flatten();
        let mut jwt = crate::jws_signing::signing_input(
            self.algorithm,
            typ,
            self.key_id(),
            jwk.as_deref(),
            claims,
        );
        let signature = self.sign(jwt.as_bytes(), rng);
        jwt.push('.');
        jwt.push_str(&crate::base64url::encode(signature));
        jwt
    }
}

#[cfg(all(test, feature = "openid"))]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    const P256_JWK: &str = r#"{"kty":"EC","crv":"P-256","kid":"k1",
        "x":"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
        "y":"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E",
        "d":"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k"}"#;

    #[test]
    fn a_p256_jwk_signs_es256_that_its_public_key_verifies() {
        let key = SigningKey::from_jwk(P256_JWK).unwrap();
        assert_eq!(key.algorithm(), SigningAlgorithm::Es256);
        assert_eq!(key.key_id(), Some("k1"));
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
        let jwt = key.sign_jwt(Some("x+jwt"), true, r#"{"a":1}"#, &mut rng);
        let jws = crate::jose::CompactJws::parse(&jwt).unwrap();
        assert_eq!(jws.kid.as_deref(), Some("k1"));
        assert_eq!(jws.typ.as_deref(), Some("x+jwt"));
        let public = crate::jwks::JwkSet::parse(
            format!(r#"{{"keys":[{}]}}"#, key.public_jwk().unwrap()).as_bytes(),
        )
        .unwrap();
        jws.verify(&public.keys[0].key).unwrap();
    }

    #[test]
    fn a_generated_key_is_stored_and_read_back_as_a_private_jwk() {
        let key = SigningKey::generate_es256(&[42; 32]).unwrap();
        assert_eq!(key.algorithm(), SigningAlgorithm::Es256);
        let stored = key.private_jwk().unwrap();
        let again = SigningKey::from_jwk(&stored).unwrap();
        assert_eq!(again.public_jwk(), key.public_jwk());
        assert!(
            SigningKey::generate_es256(&[0; 32]).is_err(),
            "zero is no key"
        );
        assert!(SigningKey::generate_es256(&[1; 31]).is_err());
        assert!(!format!("{key:?}").contains(&stored[..]));
    }

    #[test]
    fn a_jwk_whose_public_half_is_another_keys_is_refused() {
        let wrong = P256_JWK.replace("w8pjULNv", "A8pjULNv");
        let error = SigningKey::from_jwk(&wrong).unwrap_err();
        assert!(error.to_string().contains("not d's public key"), "{error}");
    }

    #[test]
    fn debug_and_errors_never_show_the_key() {
        let key = SigningKey::from_jwk(P256_JWK).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("2rzlM-Yf"), "{shown}");
        let bad = P256_JWK.replace("\"kty\":\"EC\"", "\"kty\":\"XX\"");
        let error = SigningKey::from_jwk(&bad).unwrap_err().to_string();
        assert!(!error.contains("2rzlM-Yf"), "{error}");
    }

    #[test]
    fn an_algorithm_of_another_key_type_is_refused() {
        let jwk = P256_JWK.replace("\"kid\"", "\"alg\":\"RS256\",\"kid\"");
        let error = SigningKey::from_jwk(&jwk).unwrap_err();
        assert!(error.to_string().contains("cannot sign RS256"), "{error}");
    }

    #[test]
    fn a_key_text_is_a_jwk_or_a_pem_and_takes_the_algorithm_asked_for() {
        let key = SigningKey::parse(&format!("  {P256_JWK}"), None).unwrap();
        assert_eq!(key.algorithm(), SigningAlgorithm::Es256);
        let with_alg = P256_JWK.replace("\"kid\"", "\"alg\":\"ES256\",\"kid\"");
        let error = SigningKey::parse(&with_alg, Some(SigningAlgorithm::Ps256)).unwrap_err();
        assert!(
            error.to_string().contains("not the PS256 asked for"),
            "{error}"
        );
        // A JWK without alg takes the one asked for, if its key type fits.
        let error = SigningKey::parse(P256_JWK, Some(SigningAlgorithm::Ps256)).unwrap_err();
        assert!(error.to_string().contains("cannot sign PS256"), "{error}");
        let error = SigningKey::parse("not a key", None).unwrap_err();
        assert!(error.to_string().contains("not a PEM text"), "{error}");
    }

    #[test]
    fn an_encrypted_pem_is_named_as_such() {
        let pem =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let error = SigningKey::from_pem(pem, None).unwrap_err();
        assert!(error.to_string().contains("encrypted"), "{error}");
    }
}

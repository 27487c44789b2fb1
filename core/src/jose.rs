//! JSON Web Signatures in compact form (RFC 7515 §7.1): the three parts
//! read, the header's `alg`, `kid` and `typ`, and the signature checked
//! with a public key from a JWK set (`crate::jwks`) for the algorithms
//! authflow verifies (RFC 7518 §3): RS256, PS256, ES256 and EdDSA with
//! Ed25519 (RFC 8037). The crypto is RustCrypto's; none is written here.
//! With the `openid-claims` feature alone the token is read but its
//! signature is never checked (`CompactJws::verify` is `openid`'s): the
//! caller relies on TLS instead (OpenID Connect Core 1.0 §3.1.3.7 item 6).
//!
//! Nothing in this module trusts the header: the caller says which
//! algorithms it accepts, and `none` and the MAC algorithms (`HS256`, ...)
//! are not algorithms this module knows, so a token naming them is refused
//! before any key is looked at (RFC 8725 §3.1, §3.2).

use crate::json::{Members, Shallow};

/// A signature algorithm authflow verifies (RFC 7518 §3.1, RFC 8037 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    Rs256,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518 §3.5).
    Ps256,
    /// ECDSA with P-256 and SHA-256 (RFC 7518 §3.4).
    Es256,
    /// EdDSA with Ed25519 (RFC 8037 §3.1).
    EdDsa,
}

impl JwsAlgorithm {
    /// Every algorithm authflow verifies.
    pub const ALL: [JwsAlgorithm; 4] = [
        JwsAlgorithm::Rs256,
        JwsAlgorithm::Ps256,
        JwsAlgorithm::Es256,
        JwsAlgorithm::EdDsa,
    ];

    /// The JOSE name, e.g. `"RS256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            JwsAlgorithm::Rs256 => "RS256",
            JwsAlgorithm::Ps256 => "PS256",
            JwsAlgorithm::Es256 => "ES256",
            JwsAlgorithm::EdDsa => "EdDSA",
        }
    }

    /// The algorithm of a JOSE name (case-sensitive, RFC 7515 §4.1.1);
    /// `None` for `none` and every algorithm authflow does not verify.
    pub fn parse(name: &str) -> Option<JwsAlgorithm> {
        JwsAlgorithm::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// Why a compact JWS could not be read or verified. The variants name the
/// fault only: never the token, its payload or the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JwsFault {
    /// Not three base64url parts, or a header or payload that is not a JSON object.
    Malformed(&'static str),
    /// `alg` is `none`, a MAC, or another algorithm authflow does not verify.
    UnsupportedAlgorithm(String),
    /// The header has a `crit` member: no extension is understood here (RFC 7515 §4.1.11).
    CriticalHeader,
    /// The signature does not verify with the key.
    #[cfg(feature = "openid")]
    BadSignature,
}

/// A compact JWS, read but not yet verified.
#[derive(Clone)]
pub(crate) struct CompactJws {
    /// `alg` from the protected header.
    pub(crate) alg: JwsAlgorithm,
    /// `kid`, when the header names the key.
    pub(crate) kid: Option<String>,
    /// `typ`, when given.
    pub(crate) typ: Option<String>,
    /// The payload: a JSON object's text (checked to be one).
    pub(crate) payload: Vec<u8>,
    /// The JWS signing input (RFC 7515 §5.2 item 8): header `.` payload, as sent.
    #[cfg(feature = "openid")]
    signing_input: Vec<u8>,
    #[cfg(feature = "openid")]
    signature: Vec<u8>,
}

impl CompactJws {
    /// Reads the three parts of a compact JWS (RFC 7515 §5.2): each
    /// base64url without padding, a header and a payload that are JSON
    /// objects, an `alg` authflow verifies and no `crit`.
    pub(crate) fn parse(token: &str) -> Result<CompactJws, JwsFault> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            // Five parts would be a JWE (RFC 7516 §7.1): encrypted ID
            // tokens are not supported.
            return Err(JwsFault::Malformed("not a compact JWS of three parts"));
        };
        let decode = |part: &str, what: &'static str| {
            crate::base64url::decode(part).ok_or(JwsFault::Malformed(what))
        };
        // The response parsers' one-pass reader: it refuses the documents
        // the generic one refuses (a repeated name too).
        let header_bytes = decode(header, "the header is not base64url")?;
        let mut header = Members::parse(&header_bytes)
            .ok_or(JwsFault::Malformed("the header is not a JSON object"))?;
        let payload = decode(payload, "the payload is not base64url")?;
        if Members::parse(&payload).is_none() {
            return Err(JwsFault::Malformed("the payload is not a JSON object"));
        }
        // Read (and refused when it is not base64url) whether or not it is checked.
        #[cfg_attr(not(feature = "openid"), allow(unused_variables))]
        let signature = decode(signature, "the signature is not base64url")?;
        let crit = header.get("crit").is_some();
        let mut string = |name: &str| match header.remove(name) {
            None => Ok(None),
            Some(Shallow::String(s)) => Ok(Some(s.into_owned())),
            Some(_) => Err(JwsFault::Malformed("a header member is not a string")),
        };
        let alg_name = string("alg")?.ok_or(JwsFault::Malformed("the header has no alg"))?;
        let alg = JwsAlgorithm::parse(&alg_name)
            .ok_or_else(|| JwsFault::UnsupportedAlgorithm(alg_name.clone()))?;
        if crit {
            return Err(JwsFault::CriticalHeader);
        }
        let kid = string("kid")?;
        let typ = string("typ")?;
        Ok(CompactJws {
            alg,
            kid,
            typ,
            payload,
            // Three parts were found, so there is a last dot.
            #[cfg(feature = "openid")]
            signing_input: token
                .rsplit_once('.')
                .map(|(input, _)| input.as_bytes().to_vec())
                .unwrap_or_default(),
            #[cfg(feature = "openid")]
            signature,
        })
    }

    /// Checks the signature with `key` (RFC 7515 §5.2 item 8). The key must
    /// be of the algorithm's type; the caller chose it for this token.
    #[cfg(feature = "openid")]
    pub(crate) fn verify(&self, key: &crate::jwks::PublicKey) -> Result<(), JwsFault> {
        key.verify(self.alg, &self.signing_input, &self.signature)
            .map_err(|()| JwsFault::BadSignature)
    }
}

impl std::fmt::Debug for CompactJws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The payload of an ID token is personal data: only the header shows.
        f.debug_struct("CompactJws")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("typ", &self.typ)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(json: &str) -> String {
        crate::base64url::encode(json)
    }

    #[test]
    fn none_and_mac_algorithms_are_refused_before_any_key() {
        for alg in ["none", "None", "HS256", "rs256", "ES384"] {
            let token = format!(
                "{}.{}.",
                part(&format!(r#"{{"alg":"{alg}"}}"#)),
                part(r#"{"sub":"1"}"#)
            );
            assert_eq!(
                CompactJws::parse(&token).unwrap_err(),
                JwsFault::UnsupportedAlgorithm(alg.into()),
                "{alg}"
            );
        }
    }

    #[test]
    fn malformed_compact_forms_are_faults_not_panics() {
        let header = part(r#"{"alg":"RS256"}"#);
        let payload = part(r#"{"sub":"1"}"#);
        for token in [
            String::new(),
            "a.b".into(),
            "a.b.c.d.e".into(),
            format!("{header}.{payload}.!!"),
            format!("{header}.{}.", part("[1]")),
            format!("{}.{payload}.", part(r#"{"alg":1}"#)),
            format!("{}.{payload}.", part(r#"{"kid":"k"}"#)),
            format!("{header}=.{payload}."),
        ] {
            assert!(
                matches!(CompactJws::parse(&token), Err(JwsFault::Malformed(_))),
                "{token}"
            );
        }
        let crit = format!("{}.{payload}.", part(r#"{"alg":"RS256","crit":["exp"]}"#));
        assert_eq!(
            CompactJws::parse(&crit).unwrap_err(),
            JwsFault::CriticalHeader
        );
    }

    #[test]
    fn debug_shows_the_header_only() {
        let token = format!(
            "{}.{}.",
            part(r#"{"alg":"ES256","kid":"k1"}"#),
            part(r#"{"email":"someone@example.com"}"#)
        );
        let jws = CompactJws::parse(&token).unwrap();
        let shown = format!("{jws:?}");
        assert!(
            shown.contains("k1") && !shown.contains("someone"),
            "{shown}"
        );
    }
}

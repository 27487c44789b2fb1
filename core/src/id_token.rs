//! ID token validation (OpenID Connect Core 1.0 §3.1.3.7, and §12.2 for
//! an ID token that comes with a refresh): the signature against the
//! provider's JWK set, then every claim check, in the order of §3.1.3.7.
//!
//! An [`IdTokenCheck`] holds what the token is checked against (issuer,
//! client id, nonce, `max_age`, the algorithms accepted, the provider's
//! clock skew); [`IdTokenCheck::validate`] gives the [`IdTokenClaims`] or
//! an `id_token_invalid` error whose message names the check that failed,
//! never the token. The keys come from the caller (`crate::jwks`): no IO.
//!
//! Two paths share every check but the signature's. `validate` (feature
//! `openid`) verifies the signature, then reads and checks the claims;
//! [`IdTokenCheck::validate_claims`] (feature `openid-claims`, which the
//! npm package's Node.js entry builds with) reads and checks the same claims with the
//! same code and checks no signature: §3.1.3.7 item 6 lets a client that
//! received the ID token directly from the token endpoint over TLS rely on
//! the TLS server validation instead. Everything else holds on both paths:
//! the header's `alg` must be one authflow knows and one accepted (never
//! `none`, never a MAC), no `crit`, `typ` JWT if any, then items 2 to 5
//! and 9 to 13, and `at_hash` and `c_hash` when present.

use crate::callback::ValidatedCallback;
use crate::clock::to_server;
use crate::error::{Error, ErrorKind, Result};
use crate::jose::{CompactJws, JwsAlgorithm, JwsFault};
use crate::json::{Members, Object, Shallow};
#[cfg(feature = "openid")]
use crate::jwks::JwkSet;
use crate::oidc::OpenidRequest;
use crate::pending::PendingAuthorization;
use crate::secret::{AccessToken, AuthorizationCode, IdToken};
use crate::token_set::TokenSet;
use sha2::Digest;

/// How far the provider's clock may be off from the times in a token, in
/// seconds, beyond the skew measured on the token response (§3.1.3.7
/// items 9 and 10 allow "a small leeway").
pub const ID_TOKEN_LEEWAY: u64 = 60;

/// The longest `sub` may be (§2: "MUST NOT exceed 255 ASCII characters").
const MAX_SUB_LEN: usize = 255;

/// The claims of a validated ID token (§2), typed; every other claim in
/// `extra`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenClaims {
    /// `iss`: the issuer, equal to the one expected.
    pub iss: String,
    /// `sub`: the user at this issuer.
    pub sub: String,
    /// `aud`: the audiences (a single string reads as one).
    pub aud: Vec<String>,
    /// `exp`, Unix seconds in the provider's clock.
    pub exp: u64,
    /// `iat`, Unix seconds in the provider's clock.
    pub iat: u64,
    /// `nbf`, when given.
    pub nbf: Option<u64>,
    /// `nonce`, when given.
    pub nonce: Option<String>,
    /// `azp`, when given.
    pub azp: Option<String>,
    /// `auth_time`, when given.
    pub auth_time: Option<u64>,
    /// `at_hash`, when given.
    pub at_hash: Option<String>,
    /// `c_hash`, when given.
    pub c_hash: Option<String>,
    /// `acr`, when given.
    pub acr: Option<String>,
    /// `amr`, empty when not given.
    pub amr: Vec<String>,
    /// `sid` (OpenID Connect Front-Channel Logout §3), when given.
    pub sid: Option<String>,
    /// Every other claim.
    pub extra: Object,
}

/// What an ID token is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenCheck {
    /// The issuer the token must name exactly (§3.1.3.7 item 2).
    pub issuer: String,
    /// The client id the token's `aud` must contain (items 3 to 5).
    pub client_id: String,
    /// The nonce sent, which the token must carry (item 11).
    pub nonce: Option<String>,
    /// The `max_age` sent: `auth_time` is then required and checked (item 13).
    pub max_age: Option<u64>,
    /// The algorithms accepted (item 7); see [`default_algorithms`].
    pub algorithms: Vec<JwsAlgorithm>,
    /// How far the provider's clock is ahead of ours (the token set's
    /// `clock_skew`, from the token response's `Date` header).
    pub clock_skew: i64,
}

/// The algorithms to accept from a provider: those of its
/// `id_token_signing_alg_values_supported` authflow verifies, in
/// authflow's order; RS256 when it lists none (§3.1.3.7 item 7: the
/// default). Never `none`, never a MAC.
pub fn default_algorithms(supported: &[String]) -> Vec<JwsAlgorithm> {
    if supported.is_empty() {
        return vec![JwsAlgorithm::Rs256];
    }
    JwsAlgorithm::ALL
        .into_iter()
        .filter(|a| supported.iter().any(|s| s == a.as_str()))
        .collect()
}

/// The `kid` an ID token's header names, to pick the key (and to ask
/// [`crate::JwksCache::poll_fetch`] whether to fetch the set first).
pub fn id_token_key_id(id_token: &IdToken) -> Result<Option<String>> {
    let jws = CompactJws::parse(id_token.secret()).map_err(fault)?;
    Ok(jws.kid)
}

/// The claims of an ID token, read without checking it: for a token that
/// was validated when it came (the one a token set holds, which the
/// high-level clients check on arrival) and is read again later. Never
/// for a token just received: validate that with [`IdTokenCheck::validate`].
pub fn unverified_claims(id_token: &IdToken) -> Result<IdTokenClaims> {
    let jws = CompactJws::parse(id_token.secret()).map_err(fault)?;
    read_claims(&jws.payload)
}

fn invalid(why: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::IdTokenInvalid,
        ["the ID token is refused: ", &why.into()].concat(),
    )
}

fn fault(fault: JwsFault) -> Error {
    match fault {
        JwsFault::Malformed(why) => invalid(why),
        JwsFault::UnsupportedAlgorithm(alg) => invalid(
            [
                "its alg \"",
                &crate::syntax::escape_controls(&alg),
                "\" is not one authflow verifies",
            ]
            .concat(),
        ),
        JwsFault::CriticalHeader => invalid("its header has crit extensions"),
        #[cfg(feature = "openid")]
        JwsFault::BadSignature => invalid("the signature does not verify"),
    }
}

impl IdTokenCheck {
    /// The check for the ID token of the code exchange that followed
    /// `pending`: its issuer, client id, nonce and `max_age`.
    pub fn for_pending(
        pending: &PendingAuthorization,
        algorithms: Vec<JwsAlgorithm>,
        clock_skew: i64,
    ) -> Result<IdTokenCheck> {
        IdTokenCheck::of_request(
            pending.issuer.as_deref(),
            &pending.client_id,
            pending.openid.as_ref(),
            algorithms,
            clock_skew,
        )
    }

    /// The check for the ID token of `callback`'s code exchange: the
    /// issuer, client id, nonce and `max_age` of its authorization (as
    /// [`IdTokenCheck::for_pending`] of the pending authorization it was
    /// validated against).
    pub fn for_callback(
        callback: &ValidatedCallback,
        algorithms: Vec<JwsAlgorithm>,
        clock_skew: i64,
    ) -> Result<IdTokenCheck> {
        IdTokenCheck::of_request(
            callback.issuer.as_deref(),
            &callback.client_id,
            callback.openid.as_ref(),
            algorithms,
            clock_skew,
        )
    }

    fn of_request(
        issuer: Option<&str>,
        client_id: &str,
        openid: Option<&OpenidRequest>,
        algorithms: Vec<JwsAlgorithm>,
        clock_skew: i64,
    ) -> Result<IdTokenCheck> {
        let issuer = issuer.ok_or_else(|| {
            Error::configuration("an ID token is checked against the issuer: the profile has none")
        })?;
        Ok(IdTokenCheck {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            nonce: openid.map(|o| o.nonce.clone()),
            max_age: openid.and_then(|o| o.max_age),
            algorithms,
            clock_skew,
        })
    }

    /// Validates `id_token` at `now` (our clock) with `keys`: the
    /// signature, then §3.1.3.7 items 2 to 13, then `at_hash` (§3.1.3.8)
    /// against `access_token` and `c_hash` (§3.3.2.11) against `code` when
    /// the token carries them.
    #[cfg(feature = "openid")]
    pub fn validate(
        &self,
        id_token: &IdToken,
        keys: &JwkSet,
        now: u64,
        access_token: Option<&AccessToken>,
        code: Option<&AuthorizationCode>,
    ) -> Result<IdTokenClaims> {
        let jws = self.read_header(id_token)?;
        let mut candidates = keys.candidates(jws.alg, jws.kid.as_deref()).peekable();
        if candidates.peek().is_none() {
            return Err(invalid(match &jws.kid {
                Some(_) => "no key of the JWK set has its kid for its alg",
                None => "no key of the JWK set fits its alg",
            }));
        }
        // Without a kid every key of the type is tried (§10.1 allows no
        // kid when the provider has one key of the type).
        if !candidates.any(|key| jws.verify(&key.key).is_ok()) {
            return Err(fault(JwsFault::BadSignature));
        }
        self.check_payload(jws, now, access_token, code)
    }

    /// Validates an ID token received directly from the token endpoint
    /// over TLS (the code exchange's, or a refresh's) at `now`, without its
    /// signature: OpenID Connect Core 1.0 §3.1.3.7 item 6 lets such a
    /// client "use the TLS server validation to validate the issuer in
    /// place of checking the token signature". Every other check of
    /// [`IdTokenCheck::validate`] is made, by the same code: the header
    /// (`alg` one of [`IdTokenCheck::algorithms`], never `none` nor a MAC;
    /// no `crit`; `typ` JWT), items 2 to 5 and 9 to 13, `at_hash` and
    /// `c_hash` when the token carries them.
    ///
    /// Only for a token that came over TLS in the response to a request
    /// this client sent to the token endpoint: any other ID token (from a
    /// redirect, a message, storage written by someone else) needs its
    /// signature checked.
    pub fn validate_claims(
        &self,
        id_token: &IdToken,
        now: u64,
        access_token: Option<&AccessToken>,
        code: Option<&AuthorizationCode>,
    ) -> Result<IdTokenClaims> {
        let jws = self.read_header(id_token)?;
        self.check_payload(jws, now, access_token, code)
    }

    /// Validates the ID token of `tokens`, the answer to the code exchange
    /// of an OpenID request, received from the token endpoint over TLS, as
    /// [`IdTokenCheck::validate_claims`] does (no signature): in the
    /// provider's clock as the set measured it (its `clock_skew`), with
    /// `at_hash` against its access token. A set without an ID token is
    /// refused: the answer to an OpenID request carries one (§3.1.3.3).
    pub fn validate_exchange_claims(&self, tokens: &TokenSet, now: u64) -> Result<IdTokenClaims> {
        let id_token = tokens.id_token().ok_or_else(|| {
            Error::new(
                ErrorKind::IdTokenInvalid,
                "the token response of an OpenID request has no id_token (§3.1.3.3)",
            )
        })?;
        IdTokenCheck {
            clock_skew: tokens.clock_skew(),
            ..self.clone()
        }
        .validate_claims(id_token, now, Some(tokens.access_token()), None)
    }

    /// The token read as a compact JWS, with the header checks of both
    /// paths: an `alg` authflow knows (`CompactJws::parse`) and one this
    /// check accepts (item 7), no `crit`, a `typ` of JWT if any.
    fn read_header(&self, id_token: &IdToken) -> Result<CompactJws> {
        let jws = CompactJws::parse(id_token.secret()).map_err(fault)?;
        // Item 7: the algorithm is the client's choice, not the token's.
        if !self.algorithms.contains(&jws.alg) {
            return Err(invalid(
                [
                    "its alg ",
                    jws.alg.as_str(),
                    " is not among the algorithms accepted",
                ]
                .concat(),
            ));
        }
        if let Some(typ) = &jws.typ {
            // An access token in JWT form (RFC 9068 `at+jwt`) or another
            // JWT must not pass for an ID token.
            if !typ.eq_ignore_ascii_case("JWT") && !typ.eq_ignore_ascii_case("application/jwt") {
                return Err(invalid("its typ is not JWT"));
            }
        }
        Ok(jws)
    }

    /// The claims of both paths: §3.1.3.7 items 2 to 5 and 9 to 13, then
    /// `at_hash` (§3.1.3.8) against `access_token` and `c_hash`
    /// (§3.3.2.11) against `code` when the token carries them.
    fn check_payload(
        &self,
        jws: CompactJws,
        now: u64,
        access_token: Option<&AccessToken>,
        code: Option<&AuthorizationCode>,
    ) -> Result<IdTokenClaims> {
        let claims = read_claims(&jws.payload)?;
        self.check_claims(&claims, now)?;
        let hash = |value: &str| half_hash(jws.alg, value);
        if let (Some(at_hash), Some(token)) = (&claims.at_hash, access_token) {
            if !constant_time_eq(at_hash, &hash(token.secret())) {
                return Err(invalid("at_hash does not match the access token"));
            }
        }
        if let (Some(c_hash), Some(code)) = (&claims.c_hash, code) {
            if !constant_time_eq(c_hash, &hash(code.secret())) {
                return Err(invalid("c_hash does not match the code"));
            }
        }
        Ok(claims)
    }

    /// Validates an ID token that came with a refresh (§12.2): as
    /// [`IdTokenCheck::validate`] with no nonce required, and `iss`, `sub`
    /// and `aud` (and `auth_time`, `azp` when the first had them) the
    /// same as in `original`'s; a nonce, if any, the original's.
    #[cfg(feature = "openid")]
    pub fn validate_refreshed(
        &self,
        id_token: &IdToken,
        keys: &JwkSet,
        now: u64,
        access_token: Option<&AccessToken>,
        original: &IdTokenClaims,
    ) -> Result<IdTokenClaims> {
        let claims = self
            .for_refresh()
            .validate(id_token, keys, now, access_token, None)?;
        same_login(claims, original)
    }

    /// [`IdTokenCheck::validate_refreshed`] without the signature, for the
    /// ID token of a refresh response received over TLS (§3.1.3.7 item 6,
    /// as [`IdTokenCheck::validate_claims`]).
    pub fn validate_refreshed_claims(
        &self,
        id_token: &IdToken,
        now: u64,
        access_token: Option<&AccessToken>,
        original: &IdTokenClaims,
    ) -> Result<IdTokenClaims> {
        let claims = self
            .for_refresh()
            .validate_claims(id_token, now, access_token, None)?;
        same_login(claims, original)
    }

    /// The check of a refresh's ID token: no nonce or `max_age` (§12.2).
    fn for_refresh(&self) -> IdTokenCheck {
        IdTokenCheck {
            nonce: None,
            max_age: None,
            ..self.clone()
        }
    }

    /// §3.1.3.7 items 2 to 5 and 9 to 13, in the provider's clock.
    fn check_claims(&self, claims: &IdTokenClaims, now: u64) -> Result<()> {
        // Item 2: exactly, no normalisation (OpenID Connect Discovery §3).
        if claims.iss != self.issuer {
            return Err(invalid("its iss is not the issuer"));
        }
        // Item 3.
        if !claims.aud.contains(&self.client_id) {
            return Err(invalid("its aud does not contain the client id"));
        }
        // Items 4 and 5 (errata set 2): with several audiences azp is
        // expected, and when present it is this client.
        match &claims.azp {
            Some(azp) if *azp != self.client_id => {
                return Err(invalid("its azp is not the client id"));
            }
            None if claims.aud.len() > 1 => {
                return Err(invalid("it has several audiences and no azp"));
            }
            _ => {}
        }
        let provider_now = to_server(now, self.clock_skew);
        // Item 9.
        if provider_now >= claims.exp.saturating_add(ID_TOKEN_LEEWAY) {
            return Err(invalid("it has expired (exp)"));
        }
        // Item 10: a token issued in the future is from a wrong clock or
        // forged in advance.
        if claims.iat > provider_now.saturating_add(ID_TOKEN_LEEWAY) {
            return Err(invalid("it was issued in the future (iat)"));
        }
        if claims
            .nbf
            .is_some_and(|nbf| nbf > provider_now.saturating_add(ID_TOKEN_LEEWAY))
        {
            return Err(invalid("it is not valid yet (nbf)"));
        }
        // Item 11.
        if let Some(nonce) = &self.nonce {
            match &claims.nonce {
                Some(claimed) if constant_time_eq(claimed, nonce) => {}
                Some(_) => return Err(invalid("its nonce is not the one sent")),
                None => return Err(invalid("it has no nonce although one was sent")),
            }
        }
        // Item 13.
        if let Some(max_age) = self.max_age {
            let auth_time = claims
                .auth_time
                .ok_or_else(|| invalid("it has no auth_time although max_age was sent"))?;
            if provider_now
                > auth_time
                    .saturating_add(max_age)
                    .saturating_add(ID_TOKEN_LEEWAY)
            {
                return Err(invalid(
                    "the user authenticated longer ago than max_age (auth_time)",
                ));
            }
        }
        Ok(())
    }
}

/// §12.2: a refreshed ID token's `iss`, `sub` and `aud` (and `auth_time`,
/// `azp` when the first had them) are the original's; a nonce, if any,
/// the original's.
fn same_login(claims: IdTokenClaims, original: &IdTokenClaims) -> Result<IdTokenClaims> {
    if claims.iss != original.iss {
        return Err(invalid("a refreshed ID token names another iss (§12.2)"));
    }
    if claims.sub != original.sub {
        return Err(invalid("a refreshed ID token names another sub (§12.2)"));
    }
    let mut aud = claims.aud.clone();
    let mut original_aud = original.aud.clone();
    aud.sort();
    original_aud.sort();
    if aud != original_aud {
        return Err(invalid("a refreshed ID token names another aud (§12.2)"));
    }
    if original.auth_time.is_some() && claims.auth_time != original.auth_time {
        return Err(invalid(
            "a refreshed ID token names another auth_time (§12.2)",
        ));
    }
    if claims.azp.is_some() && claims.azp != original.azp {
        return Err(invalid("a refreshed ID token names another azp (§12.2)"));
    }
    if claims.nonce.is_some() && claims.nonce != original.nonce {
        return Err(invalid("a refreshed ID token has another nonce (§12.2)"));
    }
    Ok(claims)
}

/// The left half of the hash of `value`'s octets, base64url (§3.1.3.8):
/// SHA-256 for the RSA and P-256 algorithms, SHA-512 for Ed25519 (the
/// Connect working group's answer for EdDSA, connect issue 1125).
fn half_hash(alg: JwsAlgorithm, value: &str) -> String {
    let digest: Vec<u8> = match alg {
        JwsAlgorithm::EdDsa => sha2::Sha512::digest(value.as_bytes()).to_vec(),
        _ => sha2::Sha256::digest(value.as_bytes()).to_vec(),
    };
    crate::base64url::encode(&digest[..digest.len() / 2])
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The typed claims of a payload; a claim of the wrong type is refused.
/// Read with the response parsers' one-pass reader ([`Members`]).
fn read_claims(payload: &[u8]) -> Result<IdTokenClaims> {
    let mut payload =
        Members::parse(payload).ok_or_else(|| invalid("the payload is not a JSON object"))?;
    let mut take = |name: &str| payload.remove(name);
    let string = |value: Option<Shallow>, name: &str| match value {
        None => Ok(None),
        Some(Shallow::String(s)) => Ok(Some(s.into_owned())),
        Some(_) => Err(invalid(["its ", name, " is not a string"].concat())),
    };
    // NumericDate (§2, RFC 7519 §2): whole seconds here; a fraction is refused.
    let time = |value: Option<Shallow>, name: &str| match value {
        None => Ok(None),
        Some(Shallow::Number(n)) => n
            .parse()
            .map(Some)
            .map_err(|_| invalid(["its ", name, " is not a time in whole seconds"].concat())),
        Some(_) => Err(invalid(["its ", name, " is not a number"].concat())),
    };
    let strings = |value: Option<Shallow>, name: &str| match value {
        None => Ok(Vec::new()),
        Some(Shallow::String(s)) => Ok(vec![s.into_owned()]),
        Some(list @ Shallow::Array(_)) => list
            .items()
            .unwrap_or_default()
            .into_iter()
            .map(|v| match v {
                Shallow::String(s) => Ok(s.into_owned()),
                _ => Err(invalid(["its ", name, " holds a non-string"].concat())),
            })
            .collect(),
        Some(_) => Err(invalid(
            ["its ", name, " is not a string or a list"].concat(),
        )),
    };
    let required = |value: Option<String>, name: &str| {
        value.ok_or_else(|| invalid(["it has no ", name].concat()))
    };
    let iss = required(string(take("iss"), "iss")?, "iss")?;
    let sub = required(string(take("sub"), "sub")?, "sub")?;
    if sub.is_empty() || sub.len() > MAX_SUB_LEN {
        return Err(invalid("its sub is empty or longer than 255 characters"));
    }
    let aud = strings(take("aud"), "aud")?;
    if aud.is_empty() {
        return Err(invalid("it has no aud"));
    }
    let exp = time(take("exp"), "exp")?.ok_or_else(|| invalid("it has no exp"))?;
    let iat = time(take("iat"), "iat")?.ok_or_else(|| invalid("it has no iat"))?;
    let claims = IdTokenClaims {
        iss,
        sub,
        aud,
        exp,
        iat,
        nbf: time(take("nbf"), "nbf")?,
        nonce: string(take("nonce"), "nonce")?,
        azp: string(take("azp"), "azp")?,
        auth_time: time(take("auth_time"), "auth_time")?,
        at_hash: string(take("at_hash"), "at_hash")?,
        c_hash: string(take("c_hash"), "c_hash")?,
        acr: string(take("acr"), "acr")?,
        amr: strings(take("amr"), "amr")?,
        sid: string(take("sid"), "sid")?,
        extra: Object::new(),
    };
    Ok(IdTokenClaims {
        extra: payload.into_object(&[]),
        ..claims
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §3.1.3.8's construction, with oidc-token-hash's published values
    /// (RS256 and EdDSA/Ed25519 over the same access token).
    #[test]
    fn half_hashes_follow_the_algorithm() {
        let token = "YmJiZTAwYmYtMzgyOC00NzhkLTkyOTItNjJjNDM3MGYzOWIy9sFhvH8K_x8UIHj1osisS57f5DduL-ar_qw5jl3lthwpMjm283aVMQXDmoqqqydDSqJfbhptzw8rUVwkuQbolw";
        assert_eq!(
            half_hash(JwsAlgorithm::Rs256, token),
            "x7vk7f6BvQj0jQHYFIk4ag"
        );
        assert_eq!(
            half_hash(JwsAlgorithm::EdDsa, token),
            "EGEAhGYyfuwDaVTifvrWSoD5MSy_5hZPy6I7Vm-7pTQ"
        );
    }

    #[test]
    fn default_algorithms_intersect_and_never_allow_none() {
        let listed = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(default_algorithms(&[]), vec![JwsAlgorithm::Rs256]);
        assert_eq!(
            default_algorithms(&listed(&["none", "HS256", "ES256", "RS256"])),
            vec![JwsAlgorithm::Rs256, JwsAlgorithm::Es256]
        );
        assert!(default_algorithms(&listed(&["none"])).is_empty());
    }
}

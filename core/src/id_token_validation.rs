//! The ID token of a token response, checked the way a client that holds
//! the provider's keys does it: which responses need a check (an OpenID
//! request's code exchange, a refresh that brings a new ID token), when
//! to fetch the JWK set first, and the check itself. Every high-level
//! client (the CLI's driver, the UniFFI `OAuthClient`) runs these steps and
//! decides none of them.
//!
//! The contract, sans-IO like the rest of the core:
//! 1. [`Client::id_token_after_exchange`],
//!    [`Client::id_token_after_refresh`] or
//!    [`Client::id_token_after_device_login`] says whether there is an ID
//!    token to check (`None`: nothing to do);
//! 2. [`IdTokenValidation::keys_request`] says whether to fetch the keys
//!    first (the caller keeps one [`JwksCache`] per provider, from
//!    [`Client::jwks_cache`]); the answer goes to
//!    [`IdTokenValidation::handle_keys_response`];
//! 3. [`IdTokenValidation::finish`] validates and gives the claims.

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::id_token::{id_token_key_id, unverified_claims, IdTokenCheck, IdTokenClaims};
use crate::jwks::JwksCache;
use crate::pending::PendingAuthorization;
use crate::profile::EndpointRole;
use crate::secret::{AccessToken, IdToken};
use crate::token_set::TokenSet;

/// One ID token to check, and what it is checked against.
#[derive(Debug, Clone)]
pub struct IdTokenValidation {
    check: IdTokenCheck,
    id_token: IdToken,
    access_token: AccessToken,
    key_id: Option<String>,
    /// The claims of the ID token it follows, for a refresh (§12.2).
    original: Option<IdTokenClaims>,
}

fn missing_id_token() -> Error {
    Error::new(
        ErrorKind::IdTokenInvalid,
        "the ID token is refused: the token response has none although the openid scope was asked for",
    )
}

impl Client {
    /// The JWK set cache for this provider: the profile's `jwks_uri`.
    pub fn jwks_cache(&self) -> Result<JwksCache> {
        let uri = self.profile().required_endpoint(EndpointRole::Jwks)?;
        Ok(JwksCache::new(uri.as_str()))
    }

    /// Whether the ID token of `pending`'s code exchange can be checked:
    /// an OpenID request needs the provider's JWK set URL and the issuer.
    /// Called before the exchange, so that a client set up without them
    /// fails before the code is spent rather than after the tokens came.
    pub fn id_token_check_ready(&self, pending: &PendingAuthorization) -> Result<()> {
        if pending.nonce().is_some() {
            self.jwks_cache()?;
            IdTokenCheck::for_pending(pending, Vec::new(), 0)?;
        }
        Ok(())
    }

    /// The check the ID token of `tokens`, the answer to the code exchange
    /// of `pending`, needs. An OpenID request (one that sent a nonce) must
    /// get an ID token back when it asked for the `openid` scope (OpenID
    /// Connect Core 1.0 §3.1.3.3); a plain OAuth request gets `None`.
    pub fn id_token_after_exchange(
        &self,
        pending: &PendingAuthorization,
        tokens: &TokenSet,
    ) -> Result<Option<IdTokenValidation>> {
        if pending.nonce().is_none() {
            return Ok(None);
        }
        let Some(id_token) = tokens.id_token() else {
            if pending.scopes().iter().any(|s| s == "openid") {
                return Err(missing_id_token());
            }
            return Ok(None);
        };
        let check = IdTokenCheck::for_pending(
            pending,
            self.profile().id_token_algorithms(),
            tokens.clock_skew(),
        )?;
        IdTokenValidation::new(check, id_token, tokens, None).map(Some)
    }

    /// The check a refresh's ID token needs (§12.2): `None` unless the
    /// profile is an OpenID Provider's and the refresh brought a new ID
    /// token; checked against the claims of `previous`'s, which was
    /// checked when it came.
    pub fn id_token_after_refresh(
        &self,
        previous: &TokenSet,
        tokens: &TokenSet,
    ) -> Result<Option<IdTokenValidation>> {
        if !self.profile().is_openid() {
            return Ok(None);
        }
        let Some(id_token) = tokens.id_token() else {
            return Ok(None);
        };
        let original = match previous.id_token() {
            Some(old) if old.secret() == id_token.secret() => return Ok(None),
            Some(old) => Some(unverified_claims(old)?),
            None => None,
        };
        self.id_token_without_nonce(tokens, id_token, original)
            .map(Some)
    }

    /// The check the ID token of a device login's tokens needs (RFC 8628
    /// with OpenID Connect): `None` unless the profile is an OpenID
    /// Provider's and the tokens hold one. No nonce was sent, so none is
    /// required; everything else is checked as at a code exchange.
    pub fn id_token_after_device_login(
        &self,
        tokens: &TokenSet,
    ) -> Result<Option<IdTokenValidation>> {
        match tokens.id_token() {
            Some(id_token) if self.profile().is_openid() => self
                .id_token_without_nonce(tokens, id_token, None)
                .map(Some),
            _ => Ok(None),
        }
    }

    fn id_token_without_nonce(
        &self,
        tokens: &TokenSet,
        id_token: &IdToken,
        original: Option<IdTokenClaims>,
    ) -> Result<IdTokenValidation> {
        let issuer = self.profile().issuer().ok_or_else(|| {
            Error::configuration("an ID token is checked against the issuer: the profile has none")
        })?;
        let check = IdTokenCheck {
            issuer: issuer.to_owned(),
            client_id: self.client_id().to_owned(),
            nonce: None,
            max_age: None,
            algorithms: self.profile().id_token_algorithms(),
            clock_skew: tokens.clock_skew(),
        };
        IdTokenValidation::new(check, id_token, tokens, original)
    }
}

impl IdTokenValidation {
    fn new(
        check: IdTokenCheck,
        id_token: &IdToken,
        tokens: &TokenSet,
        original: Option<IdTokenClaims>,
    ) -> Result<IdTokenValidation> {
        Ok(IdTokenValidation {
            key_id: id_token_key_id(id_token)?,
            check,
            id_token: id_token.clone(),
            access_token: tokens.access_token().clone(),
            original,
        })
    }

    /// The `kid` the token's header names.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The JWK set request to send first, if `cache` needs it at `now`
    /// (nothing held, stale, or no key with this token's `kid`: one
    /// refetch, rate limited by the cache).
    pub fn keys_request(&self, cache: &JwksCache, now: u64) -> Result<Option<HttpRequest>> {
        if cache.poll_fetch(now, self.key_id()) {
            cache.request().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Takes the answer to [`IdTokenValidation::keys_request`] (or the
    /// transport's error) received at `now`. A failed fetch is the error
    /// only when the cache holds no key that could verify this token: a
    /// stale set whose key is still named goes on being used.
    pub fn handle_keys_response(
        &self,
        cache: &mut JwksCache,
        now: u64,
        answer: std::result::Result<&HttpResponse, Error>,
    ) -> Result<()> {
        let outcome = match answer {
            Ok(response) => cache.handle_response(now, response),
            Err(error) => Err(error),
        };
        match outcome {
            Err(error) if !self.key_is_held(cache) => Err(error),
            _ => Ok(()),
        }
    }

    fn key_is_held(&self, cache: &JwksCache) -> bool {
        cache.keys().is_some_and(|keys| match self.key_id() {
            Some(kid) => keys.keys.iter().any(|k| k.kid.as_deref() == Some(kid)),
            None => !keys.keys.is_empty(),
        })
    }

    /// Validates the token at `now` with the keys `cache` holds
    /// (`IdTokenCheck::validate`, or `validate_refreshed` after a refresh).
    pub fn finish(&self, cache: &JwksCache, now: u64) -> Result<IdTokenClaims> {
        let keys = cache.keys().ok_or_else(|| {
            Error::new(
                ErrorKind::IdTokenInvalid,
                "the ID token is refused: the provider's JWK set was not fetched",
            )
        })?;
        match &self.original {
            Some(original) => self.check.validate_refreshed(
                &self.id_token,
                keys,
                now,
                Some(&self.access_token),
                original,
            ),
            None => self
                .check
                .validate(&self.id_token, keys, now, Some(&self.access_token), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::JwsAlgorithm;
    use crate::profile::GrantType;
    use crate::profile::Profile;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use ed25519_dalek::{Signer, SigningKey};

    const ISSUER: &str = "https://op.example";
    const NOW: u64 = 1_800_000_000;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn client() -> Client {
        let profile = Profile::generic(
            Some("https://op.example/authorize"),
            "https://op.example/token",
        )
        .unwrap()
        .with_endpoint(EndpointRole::Jwks, "https://op.example/jwks")
        .unwrap()
        .set_discovered(ISSUER.to_owned(), false, None, None)
        .with_openid(true)
        .with_id_token_algorithms(vec![JwsAlgorithm::EdDsa]);
        Client::new(profile, "rp-1")
            .with_redirect_uri("https://rp.example/cb")
            .unwrap()
            .with_scopes(["openid", "profile"])
    }

    fn sign(claims: serde_json::Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","kid":"k1"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(key().sign(input.as_bytes()).to_bytes());
        format!("{input}.{signature}")
    }

    fn claims(nonce: Option<&str>, sub: &str) -> serde_json::Value {
        let mut claims = serde_json::json!({
            "iss": ISSUER, "sub": sub, "aud": "rp-1", "exp": NOW + 300, "iat": NOW,
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        claims
    }

    fn token_response(client: &Client, id_token: Option<&str>) -> TokenSet {
        let mut body = serde_json::json!({
            "access_token": "at-1", "token_type": "Bearer", "expires_in": 300,
            "refresh_token": "rt-1",
        });
        if let Some(id_token) = id_token {
            body["id_token"] = id_token.into();
        }
        let response = HttpResponse::new(200, vec![], body.to_string().into_bytes());
        client
            .parse_token_response(GrantType::AuthorizationCode, NOW, &response)
            .unwrap()
    }

    fn jwks_response() -> HttpResponse {
        let x = URL_SAFE_NO_PAD.encode(key().verifying_key().as_bytes());
        let body = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"{x}"}}]}}"#);
        HttpResponse::new(200, vec![], body.into_bytes())
    }

    fn pending_of(client: &Client) -> PendingAuthorization {
        client
            .authorization_request(NOW, &[3u8; crate::AUTHORIZATION_ENTROPY_LEN])
            .unwrap()
            .pending
    }

    /// The steps a client runs: fetch the keys the first time, validate.
    fn run(validation: &IdTokenValidation, cache: &mut JwksCache) -> Result<IdTokenClaims> {
        if let Some(request) = validation.keys_request(cache, NOW)? {
            assert_eq!(request.url, "https://op.example/jwks");
            validation.handle_keys_response(cache, NOW, Ok(&jwks_response()))?;
        }
        validation.finish(cache, NOW)
    }

    /// A login's tokens, with alice's ID token carrying the nonce sent, and
    /// the check the core says they need.
    fn alices_login(client: &Client) -> (String, TokenSet, IdTokenValidation) {
        let pending = pending_of(client);
        let nonce = pending.nonce().unwrap().to_owned();
        let tokens = token_response(client, Some(&sign(claims(Some(&nonce), "alice"))));
        let validation = client
            .id_token_after_exchange(&pending, &tokens)
            .unwrap()
            .expect("an OpenID exchange has an ID token to check");
        (nonce, tokens, validation)
    }

    #[test]
    fn an_openid_exchange_fetches_the_keys_once_and_validates() {
        let client = client();
        let (nonce, tokens, validation) = alices_login(&client);
        assert_eq!(validation.key_id(), Some("k1"));
        let mut cache = client.jwks_cache().unwrap();
        let claims = run(&validation, &mut cache).unwrap();
        assert_eq!(claims.sub, "alice");
        assert_eq!(claims.nonce.as_deref(), Some(nonce.as_str()));
        // Held and fresh: no second fetch.
        assert!(validation.keys_request(&cache, NOW + 1).unwrap().is_none());
        assert_eq!(tokens.id_token_claims().unwrap().unwrap().sub, "alice");
    }

    #[test]
    fn another_nonce_or_no_id_token_is_refused() {
        let client = client();
        let pending = pending_of(&client);
        let forged = token_response(
            &client,
            Some(&sign(claims(Some("x".repeat(22).as_str()), "a"))),
        );
        let validation = client
            .id_token_after_exchange(&pending, &forged)
            .unwrap()
            .unwrap();
        let error = run(&validation, &mut client.jwks_cache().unwrap()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::IdTokenInvalid);
        assert!(error.to_string().contains("nonce"), "{error}");

        let without = token_response(&client, None);
        let error = client
            .id_token_after_exchange(&pending, &without)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::IdTokenInvalid);
        // No openid scope asked for: an OAuth answer, nothing to check.
        let oauth = client.clone().with_scopes(["profile"]);
        let pending = pending_of(&oauth);
        assert!(oauth
            .id_token_after_exchange(&pending, &without)
            .unwrap()
            .is_none());
    }

    #[test]
    fn an_openid_client_without_keys_fails_before_the_exchange() {
        let ready = client();
        assert!(ready.id_token_check_ready(&pending_of(&ready)).is_ok());
        let profile = Profile::generic(
            Some("https://op.example/authorize"),
            "https://op.example/token",
        )
        .unwrap()
        .set_discovered(ISSUER.to_owned(), false, None, None)
        .with_openid(true);
        let no_keys = Client::new(profile, "rp-1")
            .with_redirect_uri("https://rp.example/cb")
            .unwrap();
        let error = no_keys
            .id_token_check_ready(&pending_of(&no_keys))
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Configuration);
        assert!(error.to_string().contains("JWK set"), "{error}");
    }

    #[test]
    fn a_plain_oauth_request_has_nothing_to_check() {
        let profile = Profile::generic(
            Some("https://as.example/authorize"),
            "https://as.example/token",
        )
        .unwrap();
        let client = Client::new(profile, "rp-1")
            .with_redirect_uri("https://rp.example/cb")
            .unwrap();
        let pending = client
            .authorization_request(NOW, &[3u8; crate::AUTHORIZATION_ENTROPY_LEN])
            .unwrap()
            .pending;
        let tokens = token_response(&client, Some("a.b.c"));
        assert!(client
            .id_token_after_exchange(&pending, &tokens)
            .unwrap()
            .is_none());
        assert!(client
            .id_token_after_refresh(&tokens, &tokens)
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_refresh_checks_a_new_id_token_against_the_first() {
        let client = client();
        let first = token_response(&client, Some(&sign(claims(Some(&"n".repeat(22)), "alice"))));
        // The same token again (or none): nothing new to check.
        assert!(client
            .id_token_after_refresh(&first, &first)
            .unwrap()
            .is_none());
        let same_user = token_response(&client, Some(&sign(claims(None, "alice"))));
        let validation = client
            .id_token_after_refresh(&first, &same_user)
            .unwrap()
            .unwrap();
        let mut cache = client.jwks_cache().unwrap();
        assert_eq!(run(&validation, &mut cache).unwrap().sub, "alice");
        let other_user = token_response(&client, Some(&sign(claims(None, "mallory"))));
        let validation = client
            .id_token_after_refresh(&first, &other_user)
            .unwrap()
            .unwrap();
        let error = run(&validation, &mut cache).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::IdTokenInvalid);
        assert!(error.to_string().contains("sub"), "{error}");
    }

    #[test]
    fn a_device_login_checks_its_id_token_without_a_nonce() {
        let client = client();
        let tokens = token_response(&client, Some(&sign(claims(None, "alice"))));
        let validation = client
            .id_token_after_device_login(&tokens)
            .unwrap()
            .expect("an OpenID provider's device login has an ID token to check");
        let mut cache = client.jwks_cache().unwrap();
        assert_eq!(run(&validation, &mut cache).unwrap().sub, "alice");
        let mut other = claims(None, "alice");
        other["aud"] = "someone-else".into();
        let forged = token_response(&client, Some(&sign(other)));
        let validation = client
            .id_token_after_device_login(&forged)
            .unwrap()
            .unwrap();
        assert_eq!(
            run(&validation, &mut cache).unwrap_err().kind(),
            ErrorKind::IdTokenInvalid
        );
        assert!(client
            .id_token_after_device_login(&token_response(&client, None))
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_failed_key_fetch_fails_only_without_a_usable_key() {
        let client = client();
        let (_, _, validation) = alices_login(&client);
        let mut cache = client.jwks_cache().unwrap();
        let down = HttpResponse::new(503, vec![], Vec::new());
        assert!(validation
            .handle_keys_response(&mut cache, NOW, Ok(&down))
            .is_err());
        assert_eq!(
            validation.finish(&cache, NOW).unwrap_err().kind(),
            ErrorKind::IdTokenInvalid
        );
        // Keys held, gone stale, and the refetch fails: the held key serves.
        let mut cache = client.jwks_cache().unwrap();
        cache.handle_response(NOW, &jwks_response()).unwrap();
        let later = NOW + 2 * 24 * 3600;
        assert!(validation.keys_request(&cache, later).unwrap().is_some());
        validation
            .handle_keys_response(
                &mut cache,
                later,
                Err(Error::new(ErrorKind::Transport, "refused")),
            )
            .unwrap();
        assert!(cache.keys().is_some());
    }
}

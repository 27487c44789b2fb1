//! Token-endpoint requests, one builder per grant (RFC 6749 §4.1.3, §6,
//! §4.4, §4.3), all assembled by [`Client::authenticated_post`].

use crate::callback::ValidatedCallback;
use crate::client::{param, Client, Param};
use crate::error::{Action, ErrorKind};
use crate::error::{Error, Result};
use crate::http::HttpRequest;
use crate::profile::{GrantType, Reauthentication};
use crate::secret::RefreshToken;

impl Client {
    /// A token-endpoint request for `grant` with `params` after `grant_type`.
    pub(crate) fn grant_request(
        &self,
        grant: GrantType,
        mut params: Vec<Param>,
    ) -> Result<HttpRequest> {
        params.insert(0, param("grant_type", grant.as_str()));
        // RFC 8707 §2.2: every token request of a grant names the
        // client's resources; a token exchange names its own target.
        #[cfg(feature = "resources")]
        if grant != GrantType::TokenExchange {
            self.push_resources(&mut params);
        }
        let endpoint = self.token_endpoint()?;
        let request = self.authenticated_post(endpoint, params, self.profile().body_encoding())?;
        // RFC 9449 §5: every token request of a DPoP client carries a
        // proof, a refresh's with the key its tokens are bound to.
        #[cfg(feature = "dpop")]
        let request = self.with_dpop_proof(request, None)?;
        Ok(request)
    }

    /// The code exchange (RFC 6749 §4.1.3, RFC 7636 §4.5). It takes a
    /// [`ValidatedCallback`], so an unchecked code cannot be exchanged, and
    /// only by the client, at the server, its authorization was made for
    /// (RFC 9700 §4.4, mix-up): another client id or provider is a
    /// configuration error; another issuer or token endpoint than the
    /// pending authorization recorded is
    /// [`ErrorKind::IssuerMismatch`](crate::ErrorKind::IssuerMismatch).
    ///
    /// A pending authorization stored before authflow recorded the token
    /// endpoint is checked against what it holds: its issuer, when it has
    /// one; for Makini Link and MakeShift, whose provider kind names one
    /// server, the kind; a generic or Makini Admin one without an issuer
    /// names no server and is refused (`IssuerMismatch`: authorize again).
    ///
    /// The callback is taken by value: a code is used once (RFC 6749
    /// §4.1.2; a second exchange makes a compliant server revoke the tokens
    /// of the first). To retry after a transport failure, send the same
    /// request again; after the provider answered, start a new
    /// authorization. Using a callback twice does not compile:
    ///
    /// ```compile_fail,E0382
    /// # fn twice(client: &authflowkit_core::Client, callback: authflowkit_core::ValidatedCallback) {
    /// let first = client.exchange_request(callback);
    /// let second = client.exchange_request(callback); // use of a moved value
    /// # }
    /// ```
    pub fn exchange_request(&self, callback: ValidatedCallback) -> Result<HttpRequest> {
        callback.check_issued_for(self)?;
        let mut params = vec![
            param("code", callback.code.secret()),
            param("redirect_uri", &callback.redirect_uri),
        ];
        if let Some(verifier) = &callback.code_verifier {
            params.push(param("code_verifier", verifier.secret()));
        }
        self.grant_request(GrantType::AuthorizationCode, params)
    }

    /// A refresh (RFC 6749 §6). Scopes are not sent: the new tokens keep the
    /// scope of the old ones. The client's resources (RFC 8707 §2.2) are.
    pub fn refresh_request(&self, refresh_token: &RefreshToken) -> Result<HttpRequest> {
        if !self.profile().supports_refresh() {
            return Err(Error::configuration(
                "this provider issues no refresh tokens",
            ));
        }
        self.grant_request(
            GrantType::RefreshToken,
            vec![param("refresh_token", refresh_token.secret())],
        )
    }

    /// A refresh with the refresh token of `tokens`, if it holds one that is
    /// unexpired at `now`; otherwise an [`ErrorKind::AuthorizationRequired`]
    /// error whose action says how to get new tokens (re-authenticate where
    /// the profile can, else authorize again).
    pub fn refresh_request_for(
        &self,
        tokens: &crate::token_set::TokenSet,
        now: u64,
    ) -> Result<HttpRequest> {
        match tokens.refresh_token() {
            Some(refresh_token) if tokens.can_refresh(now) => self.refresh_request(refresh_token),
            held => {
                let action = if self.profile().reauthentication() == Reauthentication::Never {
                    Action::AuthorizeAgain
                } else {
                    Action::Reauthenticate
                };
                let why = if held.is_some() {
                    "the refresh token has expired"
                } else {
                    "no refresh token is held"
                };
                Err(Error::new(ErrorKind::AuthorizationRequired, why).with_action(action))
            }
        }
    }

    /// The client-credentials grant (RFC 6749 §4.4; the Makini Admin API).
    #[cfg(feature = "confidential")]
    pub fn client_credentials_request(&self) -> Result<HttpRequest> {
        if !self.is_confidential() {
            return Err(Error::configuration(
                "client credentials need a client secret or a signing key",
            ));
        }
        let mut params = Vec::new();
        if let Some(scope) = Client::scope_param(self.scopes())? {
            params.push(param("scope", &scope));
        }
        self.grant_request(GrantType::ClientCredentials, params)
    }

    /// The resource-owner password grant (RFC 6749 §4.3).
    #[cfg(feature = "confidential")]
    pub fn password_request(
        &self,
        username: &str,
        password: &crate::secret::Password,
    ) -> Result<HttpRequest> {
        let mut params = vec![
            param("username", username),
            param("password", password.secret()),
        ];
        if let Some(scope) = Client::scope_param(self.scopes())? {
            params.push(param("scope", &scope));
        }
        self.grant_request(GrantType::Password, params)
    }

    /// The request that gets new tokens without the user, as the profile
    /// says: client credentials (Makini Admin), or the password grant with
    /// the API key and secret (MakeShift).
    #[cfg(feature = "confidential")]
    pub fn reauthentication_request(&self) -> Result<(GrantType, HttpRequest)> {
        match self.profile().reauthentication() {
            Reauthentication::ClientCredentials => Ok((
                GrantType::ClientCredentials,
                self.client_credentials_request()?,
            )),
            Reauthentication::PasswordWithClientCredentials => {
                let secret = self.client_secret().ok_or_else(|| {
                    Error::configuration("the password grant needs the API secret")
                })?;
                let password = crate::secret::Password::new(secret.secret());
                Ok((
                    GrantType::Password,
                    self.password_request(self.client_id(), &password)?,
                ))
            }
            Reauthentication::Never => Err(Error::configuration(
                "this provider needs the user to authorize again",
            )),
        }
    }

    /// Without the `confidential` feature no flow can authenticate again
    /// without the user.
    #[cfg(not(feature = "confidential"))]
    pub fn reauthentication_request(&self) -> Result<(GrantType, HttpRequest)> {
        Err(Error::configuration(
            "re-authentication needs a client secret, which this build does not handle",
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::client::Client;
    use crate::profile::Profile;

    /// Without the `confidential` feature a client is public: the exchange
    /// carries the client id and the PKCE verifier, and nothing else.
    #[cfg(not(feature = "confidential"))]
    #[test]
    fn public_build_sends_no_secret() {
        let client = Client::new(Profile::makini_link(), "public-client")
            .with_redirect_uri("https://app.example/cb")
            .unwrap();
        let start = client
            .authorization_request(1_700_000_000, &[5u8; 48])
            .unwrap();
        let redirect = format!(
            "https://app.example/cb?code=c0de&state={}",
            start.pending.state()
        );
        let callback = start.pending.validate(&redirect, 1_700_000_010).unwrap();
        let request = client.exchange_request(callback).unwrap();
        let body = String::from_utf8(request.body.to_vec()).unwrap();
        assert!(body.contains("client_id=public-client"), "{body}");
        assert!(body.contains("code_verifier="), "{body}");
        assert!(!body.contains("client_secret"), "{body}");
        assert!(request.header("Authorization").is_none());
        assert!(client.reauthentication_request().is_err());
    }

    /// RFC 9700 §4.4 (mix-up): a code and verifier issued through server A
    /// are never posted to server B's token endpoint, even when both are
    /// generic servers and the client id is the same.
    #[test]
    fn a_code_is_exchanged_only_where_its_authorization_was_made() {
        let server = |host: &str| {
            let profile = Profile::generic(
                Some(&format!("https://{host}/authorize")),
                &format!("https://{host}/token"),
            )
            .unwrap();
            Client::new(profile, "app")
                .with_redirect_uri("https://app.example/cb")
                .unwrap()
        };
        let (a, b) = (server("a.example"), server("b.example"));
        let start = a.authorization_request(1_700_000_000, &[5u8; 48]).unwrap();
        // As a back end does: the pending authorization kept as a string.
        let pending = crate::pending::PendingAuthorization::from_storage_string(
            &start.pending.to_storage_string(),
        )
        .unwrap();
        let redirect = format!(
            "https://app.example/cb?code=c0de-from-a&state={}",
            pending.state()
        );
        let callback = pending.validate(&redirect, 1_700_000_010).unwrap();
        let error = b.exchange_request(callback.clone()).unwrap_err();
        assert_eq!(error.kind().as_str(), "issuer_mismatch", "{error}");
        assert!(!error.to_string().contains("c0de-from-a"), "{error}");
        let request = a.exchange_request(callback).unwrap();
        assert_eq!(request.url, "https://a.example/token");
    }

    #[test]
    fn refresh_is_refused_where_the_provider_has_none() {
        let client = Client::new(Profile::makeshift(), "key");
        let error = client
            .refresh_request(&crate::secret::RefreshToken::new("rt-123456"))
            .unwrap_err();
        assert_eq!(error.kind(), crate::error::ErrorKind::Configuration);
    }
}

//! What an OpenID Connect authorization request adds to an OAuth one
//! (OpenID Connect Core 1.0 §3.1.2.1): the `nonce` that binds the ID token
//! to this browser session, and the `max_age` whose `auth_time` the ID
//! token must then carry. Both are kept in the pending authorization, and
//! the ID token is checked against them (`crate::id_token`). With the
//! `openid` feature (not `openid-claims` alone), also UserInfo and the
//! logout URL.

use crate::error::{Error, Result};

/// The shortest nonce authflow writes or reads back: 16 bytes of entropy
/// in base64url, as the state.
const MIN_NONCE_LEN: usize = 22;

/// The OpenID part of a pending authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenidRequest {
    /// The `nonce` sent; the ID token's must equal it (§3.1.3.7 item 11).
    /// Not a secret once sent: it is in the URL.
    pub(crate) nonce: String,
    /// The `max_age` sent as an extra parameter, if any: the ID token must
    /// then carry `auth_time` (§3.1.2.1, §3.1.3.7 item 13).
    pub(crate) max_age: Option<u64>,
}

impl OpenidRequest {
    /// The nonce from `entropy` (base64url, as the state), and the
    /// `max_age` the caller put among the extra parameters.
    pub(crate) fn new(entropy: &[u8], extra_params: &[(String, String)]) -> Result<OpenidRequest> {
        let max_age = match extra_params.iter().find(|(name, _)| name == "max_age") {
            None => None,
            // §3.1.2.1: a number of seconds; anything else could not be
            // checked against `auth_time`.
            Some((_, value)) => Some(value.parse::<u64>().map_err(|_| {
                Error::configuration("the max_age parameter is not a number of seconds")
            })?),
        };
        Ok(OpenidRequest {
            nonce: crate::base64url::encode(entropy),
            max_age,
        })
    }

    /// Whether a nonce read back from storage is one authflow could have
    /// written: a planted short one would make the replay check guessable.
    pub(crate) fn is_well_formed_nonce(nonce: &str) -> bool {
        let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        nonce.len() >= MIN_NONCE_LEN && nonce.bytes().all(base64url)
    }
}

/// What a UserInfo response says (OpenID Connect Core 1.0 §5.3.2): the
/// `sub`, equal to the ID token's, and every other claim.
#[cfg(feature = "openid")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// `sub`: the user, the same as the ID token's.
    pub sub: String,
    /// Every other claim (`name`, `email`, ...).
    pub claims: crate::json::Object,
}

/// Where to send the user to log out (OpenID Connect RP-Initiated Logout
/// 1.0 §2): the parameters besides `client_id`, which the client adds.
#[cfg(feature = "openid")]
#[derive(Debug, Clone, Default)]
pub struct LogoutOptions {
    /// `id_token_hint`: the ID token of the login (RECOMMENDED, §2). It goes
    /// in the URL: do not log the URL.
    pub id_token_hint: Option<crate::secret::IdToken>,
    /// `post_logout_redirect_uri`: where the provider sends the user back;
    /// it must have been registered.
    pub post_logout_redirect_uri: Option<String>,
    /// `state`, returned on the post-logout redirect.
    pub state: Option<String>,
    /// `ui_locales`, e.g. `"fr-CA fr en"`.
    pub ui_locales: Option<String>,
}

#[cfg(feature = "openid")]
impl crate::client::Client {
    /// The UserInfo request (OpenID Connect Core 1.0 §5.3.1): `GET` with the
    /// access token as `Authorization: Bearer` (RFC 6750 §2.1), asking for
    /// JSON. `userinfo_endpoint` is the provider metadata's (checked by the
    /// HTTPS rule).
    pub fn userinfo_request(
        &self,
        userinfo_endpoint: &str,
        access_token: &crate::secret::AccessToken,
    ) -> Result<crate::http::HttpRequest> {
        let endpoint = crate::endpoint::Endpoint::parse("userinfo_endpoint", userinfo_endpoint)?;
        // Every request asks for JSON already (`HttpRequest::new`).
        self.authorized_request(
            crate::http::Method::Get,
            endpoint.as_str().to_owned(),
            access_token,
        )
    }

    /// Reads a UserInfo response (§5.3.2): a JSON object whose `sub` must
    /// equal `id_token_sub`, the validated ID token's (§5.3.4: otherwise
    /// the response MUST NOT be used, it may be a token substitution). A
    /// signed or encrypted (`application/jwt`) response is refused: this
    /// client reads JSON only. An error status is read as an API error
    /// (`401` with `WWW-Authenticate`: the access token is not accepted).
    pub fn parse_userinfo_response(
        &self,
        now: u64,
        response: &crate::http::HttpResponse,
        id_token_sub: &str,
    ) -> Result<UserInfo> {
        self.check_api_response(now, response)?;
        let content_type = response.header("content-type").unwrap_or_default();
        if content_type
            .split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/jwt"))
        {
            return Err(Error::invalid_response(
                "the UserInfo response is a JWT; authflow reads JSON UserInfo only",
            )
            .with_action(crate::error::Action::FixConfiguration));
        }
        let mut claims = crate::json::parse_object(&response.body).ok_or_else(|| {
            Error::invalid_response(
                [
                    "the UserInfo response is ",
                    crate::error_response::body_kind(response),
                ]
                .concat(),
            )
        })?;
        let sub = match claims.remove("sub") {
            Some(crate::json::Value::String(sub)) => sub,
            _ => return Err(Error::invalid_response("the UserInfo response has no sub")),
        };
        if sub != id_token_sub {
            // Another user's answer: retrying gives the same, and the
            // tokens in hand do not belong together.
            return Err(Error::invalid_response(
                "the UserInfo response is about another sub than the ID token's",
            )
            .with_action(crate::error::Action::AuthorizeAgain));
        }
        Ok(UserInfo { sub, claims })
    }

    /// The UserInfo request for `tokens` at the profile's UserInfo
    /// endpoint (see [`Self::userinfo_request`]); read the answer with
    /// [`Self::parse_userinfo_response_for`].
    pub fn userinfo_request_for(
        &self,
        tokens: &crate::token_set::TokenSet,
    ) -> Result<crate::http::HttpRequest> {
        let endpoint = self
            .profile()
            .required_endpoint(crate::profile::EndpointRole::Userinfo)?;
        id_token_sub(tokens)?;
        self.userinfo_request(endpoint.as_str(), tokens.access_token())
    }

    /// Reads the answer to [`Self::userinfo_request_for`]: its `sub`
    /// must be the one of the ID token `tokens` hold.
    pub fn parse_userinfo_response_for(
        &self,
        now: u64,
        response: &crate::http::HttpResponse,
        tokens: &crate::token_set::TokenSet,
    ) -> Result<UserInfo> {
        self.parse_userinfo_response(now, response, &id_token_sub(tokens)?)
    }

    /// The RP-Initiated Logout URL at the profile's end-session endpoint
    /// (see [`Self::end_session_url`]).
    pub fn logout_url(&self, options: &LogoutOptions) -> Result<String> {
        let endpoint = self
            .profile()
            .required_endpoint(crate::profile::EndpointRole::EndSession)?;
        self.end_session_url(endpoint.as_str(), options)
    }

    /// The RP-Initiated Logout URL (OpenID Connect RP-Initiated Logout 1.0
    /// §2): `end_session_endpoint` (the metadata's, checked by the HTTPS
    /// rule; its own query kept) with `id_token_hint`, `client_id`,
    /// `post_logout_redirect_uri`, `state` and `ui_locales`. `client_id` is
    /// always sent, so that the provider can check the hint against it.
    /// `state` without `post_logout_redirect_uri` is refused: it would
    /// come back nowhere.
    pub fn end_session_url(
        &self,
        end_session_endpoint: &str,
        options: &LogoutOptions,
    ) -> Result<String> {
        let endpoint =
            crate::endpoint::Endpoint::parse("end_session_endpoint", end_session_endpoint)?;
        if let Some(uri) = &options.post_logout_redirect_uri {
            crate::endpoint::check_redirect_uri(uri)?;
        } else if options.state.is_some() {
            return Err(Error::configuration(
                "state is returned on the post-logout redirect: give post_logout_redirect_uri",
            ));
        }
        let mut query = endpoint.query_builder();
        if let Some(hint) = &options.id_token_hint {
            query.append_pair("id_token_hint", hint.secret());
        }
        query.append_pair("client_id", self.client_id());
        for (name, value) in [
            (
                "post_logout_redirect_uri",
                &options.post_logout_redirect_uri,
            ),
            ("state", &options.state),
            ("ui_locales", &options.ui_locales),
        ] {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        Ok(query.finish())
    }
}

/// The `sub` of the ID token `tokens` hold, which a UserInfo answer must
/// repeat (§5.3.4): without an ID token there is nothing to hold it to.
#[cfg(feature = "openid")]
fn id_token_sub(tokens: &crate::token_set::TokenSet) -> Result<String> {
    match tokens.id_token_claims()? {
        Some(claims) => Ok(claims.sub),
        None => Err(Error::configuration(
            "UserInfo is checked against the ID token's sub: the token set holds no ID token",
        )),
    }
}

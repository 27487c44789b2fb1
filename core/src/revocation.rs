//! Token revocation (RFC 7009).

use crate::client::{param, Client};
use crate::error::Result;
use crate::http::{HttpRequest, HttpResponse};
use crate::profile::{BodyEncoding, EndpointRole, ResponseSource};
use crate::secret::{AccessToken, RefreshToken};

/// A token to revoke or introspect, with its type as the hint.
#[derive(Debug, Clone, Copy)]
pub enum TokenRef<'a> {
    /// An access token.
    Access(&'a AccessToken),
    /// A refresh token.
    Refresh(&'a RefreshToken),
}

impl TokenRef<'_> {
    pub(crate) fn secret(&self) -> &str {
        match self {
            TokenRef::Access(t) => t.secret(),
            TokenRef::Refresh(t) => t.secret(),
        }
    }

    /// The `token_type_hint` value.
    pub fn hint(&self) -> &'static str {
        match self {
            TokenRef::Access(_) => "access_token",
            TokenRef::Refresh(_) => "refresh_token",
        }
    }
}

impl Client {
    /// A revocation request (RFC 7009 §2.1) with the client's authentication.
    pub fn revocation_request(&self, token: TokenRef<'_>) -> Result<HttpRequest> {
        let endpoint = self.profile().required_endpoint(EndpointRole::Revocation)?;
        self.token_management_request(endpoint, token)
    }

    pub(crate) fn token_management_request(
        &self,
        endpoint: &crate::endpoint::Endpoint,
        token: TokenRef<'_>,
    ) -> Result<HttpRequest> {
        let params = vec![
            param("token", token.secret()),
            param("token_type_hint", token.hint()),
        ];
        // RFC 7009 and RFC 7662 define form bodies only.
        self.authenticated_post(endpoint, params, BodyEncoding::Form)
    }

    /// Reads the revocation response: 200 is success (RFC 7009 §2.2, also
    /// for a token that was already invalid; the body is ignored), and so
    /// is any other 2xx (a 204 is common): the token is gone, and retrying
    /// would only revoke it again.
    pub fn parse_revocation_response(&self, now: u64, response: &HttpResponse) -> Result<()> {
        if (200..300).contains(&response.status) {
            Ok(())
        } else {
            Err(self.error_from_response(ResponseSource::TokenManagement, now, response))
        }
    }
}

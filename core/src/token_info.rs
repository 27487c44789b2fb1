//! MakeShift's token info (`GET /oauth/token/info`): how long the token has
//! left, which the seed recommends checking to renew it in time.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::error_response::{body_kind, json_object};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json::{Object, Shallow, Value};
use crate::profile::EndpointRole;
use crate::profile::ResponseSource;
use crate::secret::AccessToken;
use crate::token_response::{scopes_field, seconds_field};

/// What the token-info endpoint says about the current token.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TokenInfo {
    /// Seconds the token has left.
    pub expires_in_seconds: Option<u64>,
    /// The resource owner's id.
    pub resource_owner_id: Option<Value>,
    /// The token's scopes.
    pub scopes: Option<Vec<String>>,
    /// When the token was made (server clock).
    pub created_at: Option<u64>,
    /// Any other members (e.g. `application`).
    pub extra: Object,
}

impl TokenInfo {
    /// The absolute expiry in our clock, given when the answer arrived.
    pub fn expires_at(&self, now: u64) -> Option<u64> {
        self.expires_in_seconds.map(|s| now.saturating_add(s))
    }
}

impl Client {
    /// `GET` the token-info endpoint with the bearer token.
    pub fn token_info_request(&self, token: &AccessToken) -> Result<HttpRequest> {
        let endpoint = self.profile().required_endpoint(EndpointRole::TokenInfo)?;
        Ok(self
            .authorized_request(Method::Get, endpoint.as_str().to_owned(), token)?
            .with_header("Content-Type", "application/json"))
    }

    /// Reads the token-info answer; an invalid token (MakeShift's
    /// `{"errors":[…]}` with 401) is an [`crate::ErrorKind::Unauthorized`] error.
    pub fn parse_token_info_response(
        &self,
        now: u64,
        response: &HttpResponse,
    ) -> Result<TokenInfo> {
        if response.status != 200 {
            return Err(self.error_from_response(ResponseSource::Api, now, response));
        }
        let mut body = json_object(response).ok_or_else(|| {
            Error::invalid_response(format!(
                "the token info response is {}",
                body_kind(response)
            ))
        })?;
        if body.get("errors").is_some() {
            return Err(self.error_from_response(ResponseSource::Api, now, response));
        }
        let info = TokenInfo {
            expires_in_seconds: seconds_field(
                "expires_in_seconds",
                body.get("expires_in_seconds"),
            )?,
            resource_owner_id: body.remove("resource_owner_id").map(Shallow::into_value),
            scopes: scopes_field("scopes", body.get("scopes"))?,
            created_at: seconds_field("created_at", body.get("created_at"))?,
            extra: Object::new(),
        };
        Ok(TokenInfo {
            extra: body.into_object(&["expires_in_seconds", "scopes", "created_at"]),
            ..info
        })
    }
}

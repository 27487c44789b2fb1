//! Token introspection (RFC 7662).

use crate::client::Client;
use crate::clock::{clamp_to_i64, server_skew};
use crate::error::{Error, Result};
use crate::error_response::{body_kind, json_object, oauth_error_code};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{Object, Shallow};
use crate::profile::EndpointRole;
use crate::profile::ResponseSource;
use crate::revocation::TokenRef;
use crate::token_response::{scopes_field, seconds_field};

/// What the introspection endpoint says about a token (RFC 7662 §2.2).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Introspection {
    /// Whether the token is active.
    pub active: bool,
    /// Its scopes.
    pub scopes: Option<Vec<String>>,
    /// The client it was issued to.
    pub client_id: Option<String>,
    /// The resource owner's user name.
    pub username: Option<String>,
    /// Its type.
    pub token_type: Option<String>,
    /// Expiry (Unix seconds, server clock).
    pub exp: Option<u64>,
    /// Issue time (Unix seconds, server clock).
    pub iat: Option<u64>,
    /// Not-before time.
    pub nbf: Option<u64>,
    /// Subject.
    pub sub: Option<String>,
    /// Issuer.
    pub iss: Option<String>,
    /// Any other members.
    pub extra: Object,
}

impl Client {
    /// An introspection request (RFC 7662 §2.1) with the client's authentication.
    pub fn introspection_request(&self, token: TokenRef<'_>) -> Result<HttpRequest> {
        let endpoint = self
            .profile()
            .required_endpoint(EndpointRole::Introspection)?;
        self.token_management_request(endpoint, token)
    }

    /// Reads the introspection response. An inactive token comes back as
    /// `Introspection::default()` (`active: false`, nothing else: RFC 7662
    /// §2.2), and so does an "active" one whose `exp` is past or whose
    /// `nbf` is ahead at `now` in the server's clock (its `Date` header).
    pub fn parse_introspection_response(
        &self,
        now: u64,
        response: &HttpResponse,
    ) -> Result<Introspection> {
        let source = ResponseSource::TokenManagement;
        if response.status != 200 {
            return Err(self.error_from_response(source, now, response));
        }
        let mut body = json_object(response).ok_or_else(|| {
            Error::invalid_response(format!(
                "the introspection response is {}",
                body_kind(response)
            ))
        })?;
        if oauth_error_code(&body).is_some() {
            return Err(self.error_from_response(source, now, response));
        }
        // RFC 7662 §2.2: `active` is REQUIRED and a JSON boolean. Anything
        // else (the strings "true"/"false", 1, null) is an error, so that a
        // malformed answer never reads as an active token (fail closed).
        let Some(Shallow::Bool(active)) = body.get("active") else {
            return Err(Error::invalid_response(
                "the introspection response has no boolean active",
            ));
        };
        // RFC 7662 §2.2: an inactive token's other members mean nothing
        // (the server SHOULD NOT send them); none is passed on, so that a
        // caller reading `scopes` or `sub` cannot take them for a grant.
        if !*active {
            return Ok(Introspection::default());
        }
        let scopes = scopes_field("scope", body.get("scope"))?;
        let exp = seconds_field("exp", body.get("exp"))?;
        let iat = seconds_field("iat", body.get("iat"))?;
        let nbf = seconds_field("nbf", body.get("nbf"))?;
        // Active means within its validity window: an `exp` already past
        // or an `nbf` still ahead, in the server's clock (its `Date`), is
        // an inactive token whatever `active` says.
        let server_now = clamp_to_i64(now).saturating_add(server_skew(response, now));
        let expired = exp.is_some_and(|at| clamp_to_i64(at) <= server_now);
        let not_yet = nbf.is_some_and(|at| clamp_to_i64(at) > server_now);
        if expired || not_yet {
            return Ok(Introspection::default());
        }
        let active = true;
        // A member of another type than string stays in `extra`.
        let mut take_string = |name: &str| match body.get(name)? {
            Shallow::String(_) => body.remove(name)?.as_str().map(str::to_owned),
            _ => None,
        };
        let client_id = take_string("client_id");
        let username = take_string("username");
        let token_type = take_string("token_type");
        let sub = take_string("sub");
        let iss = take_string("iss");
        Ok(Introspection {
            active,
            scopes,
            client_id,
            username,
            token_type,
            exp,
            iat,
            nbf,
            sub,
            iss,
            extra: body.into_object(&["active", "scope", "exp", "iat", "nbf"]),
        })
    }
}

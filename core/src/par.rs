//! Pushed authorization requests (RFC 9126): the authorization request's
//! parameters are posted to the server's PAR endpoint, authenticated as a
//! token request; the server answers with a `request_uri` (201, §2.2), and
//! the user is sent to the authorization endpoint with `client_id` and
//! that `request_uri` alone (§4). Nothing of the request (scopes, state,
//! PKCE challenge, nonce, resources) shows in the browser, its history or
//! a proxy's logs, and the server has checked it, and the client, before
//! the user sees anything.
//!
//! Two steps, sans-IO like every flow:
//! [`Client::pushed_authorization_request`] builds the `POST` and the
//! pending authorization to keep; [`Client::parse_pushed_authorization_response`]
//! reads the answer into the authorization URL, with the pending
//! authorization made to expire no later than the `request_uri` does.

use crate::authorization::{AuthorizationOptions, AuthorizationRequest};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::error_response::{body_kind, json_object, oauth_error_code};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::Shallow;
use crate::pending::PendingAuthorization;
use crate::profile::{BodyEncoding, EndpointRole, ResponseSource};
use crate::token_response::seconds_field;
use zeroize::Zeroizing;

/// The `POST` to the PAR endpoint, and what to keep until the user comes
/// back.
#[derive(Debug, Clone)]
pub struct PushedAuthorizationRequest {
    /// The request to send (RFC 9126 §2.1): every parameter the
    /// authorization URL would carry, form-encoded, with the client's
    /// authentication as at the token endpoint.
    pub request: HttpRequest,
    /// The pending authorization: hand it to
    /// [`Client::parse_pushed_authorization_response`] with the answer,
    /// which returns it again with its expiry bounded by the request URI's.
    pub pending: PendingAuthorization,
}

impl Client {
    /// The pushed authorization request (RFC 9126 §2.1) with the client's
    /// defaults; see [`Self::pushed_authorization_request_with`].
    pub fn pushed_authorization_request(
        &self,
        now: u64,
        entropy: &[u8],
    ) -> Result<PushedAuthorizationRequest> {
        self.pushed_authorization_request_with(now, entropy, &AuthorizationOptions::default())
    }

    /// The pushed authorization request (RFC 9126 §2.1) with per-request
    /// options: a form-encoded `POST` to the profile's PAR endpoint with
    /// the parameters [`Self::authorization_request_with`] would put in
    /// the URL (`response_type`, `client_id`, `redirect_uri`, `scope`,
    /// `state`, `nonce`, the PKCE challenge, `resource`s, the extra
    /// parameters; the same checks and the same entropy layout), plus the
    /// client's authentication as at the token endpoint (§2). `client_id`
    /// is sent also when HTTP Basic authenticates the client: it is a
    /// required authorization request parameter (§2.1). `request_uri` is
    /// no extra parameter here (§2.1: it MUST NOT be pushed).
    ///
    /// `now` and `entropy` are the state's, PKCE's and the nonce's, as for
    /// the authorization URL.
    pub fn pushed_authorization_request_with(
        &self,
        now: u64,
        entropy: &[u8],
        options: &AuthorizationOptions,
    ) -> Result<PushedAuthorizationRequest> {
        let par_endpoint = self
            .profile()
            .required_endpoint(EndpointRole::PushedAuthorization)?;
        if options.extra_params.iter().any(|(n, _)| n == "request_uri") {
            return Err(Error::configuration(
                "extra parameter \"request_uri\" cannot be pushed (RFC 9126 §2.1): the server \
                 makes it",
            ));
        }
        let mut serializer = crate::form::FormWriter::new();
        let pending = self.authorization_parts(now, entropy, options, &mut |name, value| {
            serializer.append_pair(name, value);
        })?;
        let authorization = serializer.finish();
        // The client's authentication, as the token endpoint gets it: a
        // header, or body parameters (which may hold the secret). A method
        // that signs an assertion per request (RFC 7523) needs `now` and
        // entropy here too: this builder takes both for that reason.
        let mut request = self.authenticated_post(par_endpoint, Vec::new(), BodyEncoding::Form)?;
        // The authorization parameters carry `client_id` already; the
        // authentication's own copy (client_secret_post, none) is left out
        // so that the parameter is not sent twice (RFC 6749 §3.1).
        let authentication: Vec<&[u8]> = request
            .body
            .split(|&b| b == b'&')
            .filter(|part| !part.is_empty() && !part.starts_with(b"client_id="))
            .collect();
        // Sized up front: a reallocation would leave an unwiped copy of a
        // secret behind.
        let capacity = authorization.len()
            + authentication
                .iter()
                .map(|part| part.len() + 1)
                .sum::<usize>();
        let mut body = Zeroizing::new(Vec::with_capacity(capacity));
        body.extend_from_slice(authorization.as_bytes());
        for part in authentication {
            body.push(b'&');
            body.extend_from_slice(part);
        }
        request.body = body;
        Ok(PushedAuthorizationRequest { request, pending })
    }

    /// Reads the PAR endpoint's answer (RFC 9126 §2.2), received at `now`,
    /// to the request that made `pending`: `201 Created` with a non-empty
    /// `request_uri` and a positive `expires_in`. Returns the
    /// authorization URL with `client_id` and `request_uri` alone (§4),
    /// and `pending` with its expiry brought forward to the request URI's
    /// when that comes first: after it the server refuses the URL (§4),
    /// so the redirect could not come back.
    ///
    /// An error response (§2.3: RFC 6749 §5.2 bodies, also with another
    /// status; 405, 413, 429 with `Retry-After`) is the typed error the
    /// token endpoint's would be; any other status, or a body without a
    /// usable `request_uri` or `expires_in`, is an invalid response.
    pub fn parse_pushed_authorization_response(
        &self,
        now: u64,
        pending: PendingAuthorization,
        response: &HttpResponse,
    ) -> Result<AuthorizationRequest> {
        if pending.client_id() != self.client_id() {
            return Err(Error::configuration(
                "the pending authorization was made for another client",
            ));
        }
        if !(200..300).contains(&response.status) {
            return Err(self.error_from_response(ResponseSource::TokenManagement, now, response));
        }
        let Some(body) = json_object(response) else {
            return Err(Error::invalid_response(format!(
                "the pushed authorization response (status {}) is {}",
                response.status,
                body_kind(response)
            ))
            .with_status(response.status));
        };
        // An RFC 6749 error sent with a success status is still an error.
        if oauth_error_code(&body).is_some() {
            return Err(self.error_from_response(ResponseSource::TokenManagement, now, response));
        }
        if response.status != 201 {
            return Err(Error::invalid_response(format!(
                "the pushed authorization response has status {}, not 201 Created (RFC 9126 §2.2)",
                response.status
            ))
            .with_status(response.status));
        }
        let request_uri = match body.get("request_uri") {
            Some(Shallow::String(uri)) if crate::syntax::is_printable(uri) => uri.to_string(),
            Some(Shallow::String(_)) => {
                return Err(Error::invalid_response(
                    "the pushed authorization response's request_uri is empty or holds a \
                     control character",
                ))
            }
            None | Some(Shallow::Null) => {
                return Err(Error::invalid_response(
                    "the pushed authorization response has no request_uri",
                ))
            }
            Some(_) => {
                return Err(Error::invalid_response(
                    "the pushed authorization response's request_uri is not a string",
                ))
            }
        };
        let expires_in = seconds_field("expires_in", body.get("expires_in"))?.ok_or_else(|| {
            Error::invalid_response("the pushed authorization response has no expires_in")
        })?;
        // §2.2: a positive integer. Zero (or a negative lifetime, read as
        // zero) is a request URI already dead.
        if expires_in == 0 {
            return Err(Error::invalid_response(
                "the pushed authorization response's expires_in is not positive (RFC 9126 §2.2)",
            ));
        }
        let endpoint = self
            .profile()
            .required_endpoint(EndpointRole::Authorization)?;
        let mut query = endpoint.query_builder();
        query
            .append_pair("client_id", self.client_id())
            .append_pair("request_uri", &request_uri);
        let mut pending = pending;
        let left = now
            .saturating_sub(pending.created_at)
            .saturating_add(expires_in);
        pending.max_age = pending.max_age.min(left);
        Ok(AuthorizationRequest {
            url: query.finish(),
            pending,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Client, ClientSecret, EndpointRole, HttpResponse, Profile};

    fn client() -> Client {
        let profile = Profile::generic(
            Some("https://as.example/authorize"),
            "https://as.example/token",
        )
        .unwrap()
        .with_endpoint(EndpointRole::PushedAuthorization, "https://as.example/par")
        .unwrap()
        .with_pushed_authorization(true)
        .unwrap();
        Client::new(profile, "app")
            .with_client_secret(ClientSecret::new("s3cr=t"))
            .with_redirect_uri("https://app.example/cb")
            .unwrap()
    }

    /// Basic authentication does not carry `client_id` in the body, but
    /// the pushed request must (§2.1); a body method must not send it twice.
    #[test]
    fn client_id_is_sent_once_whatever_the_authentication() {
        for method in [
            crate::ClientAuthMethod::ClientSecretBasic,
            crate::ClientAuthMethod::ClientSecretPost,
            crate::ClientAuthMethod::PublicClient,
        ] {
            let client = Client::new(client().profile().clone().with_client_auth(method), "app")
                .with_client_secret(ClientSecret::new("s3cr=t"))
                .with_redirect_uri("https://app.example/cb")
                .unwrap();
            let push = client.pushed_authorization_request(1, &[0; 64]).unwrap();
            let body = String::from_utf8(push.request.body.to_vec()).unwrap();
            let ids = crate::form::parse(body.as_bytes())
                .filter(|(name, _)| name == "client_id")
                .count();
            assert_eq!(ids, 1, "{method:?}: {body}");
        }
    }

    /// The pending authorization ends when the request URI does, if that
    /// comes before its own expiry, and not later.
    #[test]
    fn the_pending_authorization_expires_with_the_request_uri() {
        let client = client();
        let push = client.pushed_authorization_request(1000, &[0; 64]).unwrap();
        let answer = |expires_in: u64| {
            HttpResponse::new(
                201,
                vec![],
                format!(r#"{{"request_uri":"urn:x:1","expires_in":{expires_in}}}"#).into_bytes(),
            )
        };
        let short = client
            .parse_pushed_authorization_response(1005, push.pending.clone(), &answer(60))
            .unwrap();
        assert_eq!(short.pending.expires_at(), 1065);
        let long = client
            .parse_pushed_authorization_response(1005, push.pending, &answer(6000))
            .unwrap();
        assert_eq!(long.pending.expires_at(), 1600);
        assert_eq!(
            long.url,
            "https://as.example/authorize?client_id=app&request_uri=urn%3Ax%3A1"
        );
    }
}

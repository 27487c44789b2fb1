//! Bearer requests to a provider's resource API (RFC 6750 §2.1).

use crate::client::Client;
use crate::error::Result;
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::profile::EndpointRole;
use crate::profile::ResponseSource;
use crate::secret::AccessToken;

pub(crate) fn bearer_request(method: Method, url: String, token: &AccessToken) -> HttpRequest {
    HttpRequest::new(method, url).with_header("Authorization", format!("Bearer {}", token.secret()))
}

impl Client {
    /// A request to the profile's API: `path` is relative to the API base
    /// (`"sites"` → `…/v4/sites`) or an absolute URL that passes the same
    /// HTTPS rule. A `body` is sent as JSON.
    pub fn api_request(
        &self,
        token: &AccessToken,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<HttpRequest> {
        let url = if path.contains("://") {
            crate::endpoint::Endpoint::parse("API URL", path)?
        } else {
            self.profile()
                .required_endpoint(EndpointRole::ApiBase)?
                .join("API URL", path)?
        };
        let request = bearer_request(method, url.as_str().to_owned(), token);
        Ok(match body {
            Some(body) => request.with_body("application/json", body.to_vec()),
            None => request,
        })
    }

    /// Checks an API response: `Ok` for 2xx, otherwise the typed error
    /// (401 → refresh or re-authenticate, 429 with its `Retry-After`, …).
    pub fn check_api_response(&self, now: u64, response: &HttpResponse) -> Result<()> {
        if (200..300).contains(&response.status) {
            Ok(())
        } else {
            Err(self.error_from_response(ResponseSource::Api, now, response))
        }
    }
}

//! Bearer requests to a provider's resource API (RFC 6750 §2.1).

use crate::client::Client;
use crate::endpoint::{dot_segment_error, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::profile::EndpointRole;
use crate::profile::ResponseSource;
use crate::secret::AccessToken;
use crate::syntax::is_token68;
use fluent_uri::UriRef;

/// A request carrying `token` as `Authorization: Bearer`. Tokens read from
/// a response or a stored set were checked then; this also refuses one the
/// caller hands in that is not a `b64token` (RFC 6750 §2.1), so that no line
/// break can reach a header in a transport that does not check.
pub(crate) fn bearer_request(
    method: Method,
    url: String,
    token: &AccessToken,
) -> Result<HttpRequest> {
    if !is_token68(token.secret()) {
        return Err(Error::configuration(
            "the access token has characters outside the RFC 6750 b64token syntax",
        ));
    }
    Ok(HttpRequest::new(method, url)
        .with_header("Authorization", format!("Bearer {}", token.secret())))
}

impl Client {
    /// A request to the profile's API with the access token: as a bearer
    /// token (RFC 6750 §2.1), or, bound to the client's DPoP key, as
    /// `Authorization: DPoP` with a proof (RFC 9449 §7.1; the client must
    /// then be built through [`Client::at`], with the server's nonce from
    /// [`Client::with_dpop_nonces`] when it gave one).
    /// `path` is relative to the API base (`"sites"` → `…/v4/sites`), or an
    /// absolute URL below the API base (a `next` link) or on an origin the
    /// profile names with [`Profile::with_api_origin`](crate::Profile::with_api_origin).
    /// Anything else is refused with a configuration error, so that the
    /// token goes nowhere else (RFC 6750 §5.3, RFC 9700 §4.9): another
    /// origin, another path of the API's origin, dot segments (also
    /// percent-encoded), a scheme-relative `//host/…`. A `body` is sent as
    /// JSON.
    pub fn api_request(
        &self,
        token: &AccessToken,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<HttpRequest> {
        let url = self.api_url(path)?;
        let request = self.authorized_request(method, url.as_str().to_owned(), token)?;
        Ok(match body {
            Some(body) => request.with_body("application/json", body.to_vec()),
            None => request,
        })
    }

    /// [`Client::api_request`] with the caller's own `headers` added (an
    /// `If-None-Match`, an `Accept`, a `Content-Type` for a body that is
    /// not JSON): a caller's header of the same name replaces the core's.
    /// Names must be RFC 9110 tokens and values may hold no control
    /// character (a line break would start another header). The headers
    /// the flow owns are refused: `Authorization` and `DPoP` (the token is
    /// the session's), `Host`, `Content-Length`, `Transfer-Encoding` and
    /// `Connection` (the transport's).
    pub fn api_request_with_headers(
        &self,
        token: &AccessToken,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        headers: &[(String, String)],
    ) -> Result<HttpRequest> {
        const OWNED: [&str; 6] = [
            "authorization",
            "dpop",
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
        ];
        let mut request = self.api_request(token, method, path, body)?;
        for (name, value) in headers {
            if name.is_empty() || !name.bytes().all(crate::syntax::is_tchar) {
                return Err(Error::configuration(
                    "a header name is not an RFC 9110 token",
                ));
            }
            if OWNED.iter().any(|owned| name.eq_ignore_ascii_case(owned)) {
                return Err(Error::configuration(format!(
                    "the {name} header is set by authflow or the transport, not by the caller"
                )));
            }
            if value.chars().any(char::is_control) {
                return Err(Error::configuration(format!(
                    "the value of the {name} header has a control character"
                )));
            }
            request
                .headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            request.headers.push((name.clone(), value.clone()));
        }
        Ok(request)
    }

    /// Where `path` goes, if the bearer token may go there.
    fn api_url(&self, path: &str) -> Result<Endpoint> {
        const WHAT: &str = "API URL";
        let base = self.profile().endpoint(EndpointRole::ApiBase);
        let absolute = UriRef::parse(path).is_ok_and(|r| r.has_scheme());
        if !absolute {
            return self
                .profile()
                .required_endpoint(EndpointRole::ApiBase)?
                .join(WHAT, path);
        }
        let url = Endpoint::parse(WHAT, path)?;
        if url.has_dot_segment() {
            return Err(dot_segment_error(WHAT));
        }
        let origin = url.origin();
        let named = self
            .profile()
            .api_origins()
            .iter()
            .any(|o| o.origin() == origin);
        if named || base.is_some_and(|base| url.is_under(base)) {
            return Ok(url);
        }
        Err(Error::configuration(match base {
            Some(base) => format!(
                "{WHAT} on {origin} is not below the API base {base}; the access token is \
                 sent only there, or to an origin named with the profile's API origins"
            ),
            None => format!(
                "{WHAT} on {origin}: the profile has no API base URL and does not name this \
                 origin among its API origins"
            ),
        }))
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

    /// What an API answer means for a call made with a session's token,
    /// which every session (one process's, shared through a store, the
    /// browser's) follows: a 2xx is the result; the API refusing the token
    /// (a 401, RFC 6750 §3.1 `invalid_token` or no code) on the call's
    /// first try means renewing and sending once more; anything else, a
    /// refused renewed token included, is the error
    /// ([`Client::check_api_response`]'s).
    ///
    /// A refused token is retried whatever the profile can renew with:
    /// the session says what it can do when asked for a token again, and a
    /// shared session may find there a token another process obtained.
    pub fn read_api_answer(&self, now: u64, response: &HttpResponse, first_try: bool) -> ApiAnswer {
        match self.check_api_response(now, response) {
            Ok(()) => ApiAnswer::Done,
            Err(error) if first_try && error.kind() == ErrorKind::Unauthorized => {
                ApiAnswer::RenewAndRetry
            }
            Err(error) => ApiAnswer::Failed(error),
        }
    }
}

/// What an API answer means for the call that got it
/// ([`Client::read_api_answer`]).
#[derive(Debug)]
pub enum ApiAnswer {
    /// A 2xx: the answer is the call's result.
    Done,
    /// The API refused the token on the first try: tell the session
    /// (`handle_unauthorized`), ask it for a token again (it renews, or
    /// finds another process's) and send the call once more.
    RenewAndRetry,
    /// The call's error.
    Failed(Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    fn makini() -> Client {
        Client::new(Profile::makini_link(), "client")
    }

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// A caller's headers go with the call; the token's header, the
    /// transport's framing and header injection are refused.
    #[test]
    fn caller_headers_never_replace_the_token_or_break_the_framing() {
        let token = AccessToken::new("at-secret-123456");
        let call = |extra: &[(&str, &str)]| {
            makini().api_request_with_headers(
                &token,
                Method::Post,
                "sites",
                Some(b"a=1"),
                &headers(extra),
            )
        };
        let request = call(&[
            ("If-None-Match", "\"v1\""),
            ("content-type", "application/x-www-form-urlencoded"),
        ])
        .unwrap();
        assert_eq!(request.header("If-None-Match"), Some("\"v1\""));
        assert_eq!(
            request.header("Content-Type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            request
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                .count(),
            1
        );
        assert_eq!(
            request.header("Authorization"),
            Some("Bearer at-secret-123456")
        );
        for bad in [
            [("Authorization", "Bearer other")],
            [("dpop", "x")],
            [("Host", "evil.example")],
            [("Content-Length", "0")],
            [("Transfer-Encoding", "chunked")],
            [("X-Trace", "a\r\nAuthorization: Bearer stolen")],
            [("X Trace", "a")],
            [("", "a")],
        ] {
            let error = call(&bad).unwrap_err();
            assert_eq!(error.kind().as_str(), "configuration", "{bad:?}: {error}");
            assert!(!error.to_string().contains("at-secret-123456"));
        }
    }

    /// RFC 6750 §5.3 / RFC 9700 §4.9: the bearer token goes to the API base
    /// and below it, never out of it by dot segments (plain or
    /// percent-encoded), a scheme-relative path, or an absolute URL of
    /// another origin or path.
    #[test]
    fn the_bearer_token_stays_under_the_api_base() {
        let token = AccessToken::new("at-secret-123456");
        for path in [
            "../link/token",
            "sites/../../link/token",
            "%2e%2e/link/token",
            "%2E%2E/link/token",
            ".%2e/link/token",
            "sites/%2e%2e%2f%2e%2e/link/token",
            "./sites",
            "//evil.example/steal",
            "https://evil.example/steal",
            "https://api.makini.io/link/token",
            "https://api.makini.io/v4/../link/token",
            "https://api.makini.io/v4/%2e%2e/link/token",
            "http://127.0.0.1:8089/v4/sites",
            "https://api.makini.io:8443/v4/sites",
        ] {
            let outcome = makini().api_request(&token, Method::Get, path, None);
            let error = match outcome {
                Ok(request) => panic!("{path}: sent to {}", request.url),
                Err(error) => error,
            };
            assert_eq!(error.kind().as_str(), "configuration", "{path}: {error}");
            assert!(!format!("{error} {error:?}").contains("at-secret-123456"));
        }
        for (path, url) in [
            ("sites", "https://api.makini.io/v4/sites"),
            ("/sites", "https://api.makini.io/v4/sites"),
            ("sites/a%2Fb", "https://api.makini.io/v4/sites/a%2Fb"),
            (
                "sites?next=..%2F",
                "https://api.makini.io/v4/sites?next=..%2F",
            ),
            (
                "https://api.makini.io/v4/sites?cursor=abc",
                "https://api.makini.io/v4/sites?cursor=abc",
            ),
        ] {
            let request = makini()
                .api_request(&token, Method::Get, path, None)
                .unwrap();
            assert_eq!(request.url, url, "{path}");
        }
    }

    /// One rule for every session: 2xx done, a refused token retried once,
    /// everything else (a refused renewed token too) the error.
    #[test]
    fn an_api_answer_is_done_retried_once_or_the_error() {
        let answer = |status: u16, challenge: &str, first_try: bool| {
            let headers = headers(&[("WWW-Authenticate", challenge)]);
            let response = HttpResponse::new(status, headers, Vec::new());
            makini().read_api_answer(1_000, &response, first_try)
        };
        assert!(matches!(answer(200, "", true), ApiAnswer::Done));
        assert!(matches!(answer(204, "", false), ApiAnswer::Done));
        let refused = r#"Bearer error="invalid_token""#;
        assert!(matches!(
            answer(401, refused, true),
            ApiAnswer::RenewAndRetry
        ));
        assert!(matches!(answer(401, "", true), ApiAnswer::RenewAndRetry));
        for (status, challenge, first_try, kind) in [
            (401, refused, false, ErrorKind::Unauthorized),
            (
                401,
                r#"Bearer error="invalid_request""#,
                true,
                ErrorKind::InvalidRequest,
            ),
            (
                403,
                r#"Bearer error="insufficient_scope""#,
                true,
                ErrorKind::Forbidden,
            ),
            (404, "", true, ErrorKind::ClientStatus),
            (503, "", true, ErrorKind::ServerStatus),
        ] {
            match answer(status, challenge, first_try) {
                ApiAnswer::Failed(error) => assert_eq!(error.kind(), kind, "{status} {challenge}"),
                other => panic!("{status} {challenge} {first_try}: {other:?}"),
            }
        }
    }
}

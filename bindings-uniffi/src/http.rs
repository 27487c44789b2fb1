//! The HTTP values the core hands out and takes back, as plain records
//! that any HTTP client can send and fill in. Their `repr` / `toString` /
//! `description` redact what may be secret (the body, credentials in
//! headers), as the core's `Debug` does.

use authflow_core::Method;

/// One header line.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct HttpHeader {
    /// The header name.
    pub name: String,
    /// The header value (may be secret: `Authorization`).
    pub value: String,
}

/// Prints the value only where it cannot be a credential (the core's
/// list: `Authorization`, cookies).
impl std::fmt::Debug for HttpHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if authflow_core::is_sensitive_header(&self.name) {
            write!(f, "HttpHeader({}: [redacted])", self.name)
        } else {
            write!(f, "HttpHeader({}: {})", self.name, self.value)
        }
    }
}

impl std::fmt::Display for HttpHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// A request for the caller's HTTP client to send, exactly as given:
/// method, absolute URL (query included), headers in order, body bytes.
/// Redirects must not be followed; every status must come back as a
/// response.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: String,
    /// Header names and values, in the order they should be sent.
    pub headers: Vec<HttpHeader>,
    /// The body, empty for `GET`. It may hold a secret.
    pub body: Vec<u8>,
}

/// A response the caller's HTTP client received: every status, every
/// header, the body bytes.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values as received.
    pub headers: Vec<HttpHeader>,
    /// The body bytes (a token response's body is a secret).
    pub body: Vec<u8>,
}

/// Header records as the core's name-value pairs.
pub(crate) fn pairs(headers: &[HttpHeader]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| (h.name.clone(), h.value.clone()))
        .collect()
}

fn records(headers: &[(String, String)]) -> Vec<HttpHeader> {
    headers
        .iter()
        .map(|(name, value)| HttpHeader {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

impl From<&authflow_core::HttpRequest> for HttpRequest {
    fn from(request: &authflow_core::HttpRequest) -> HttpRequest {
        HttpRequest {
            method: request.method,
            url: request.url.clone(),
            headers: records(&request.headers),
            body: request.body.to_vec(),
        }
    }
}

impl From<authflow_core::HttpRequest> for HttpRequest {
    fn from(request: authflow_core::HttpRequest) -> HttpRequest {
        HttpRequest::from(&request)
    }
}

impl HttpRequest {
    /// The core's value, for its `Debug` (which redacts).
    fn to_core(&self) -> authflow_core::HttpRequest {
        let mut request = authflow_core::HttpRequest::new(self.method, self.url.clone());
        request.headers = pairs(&self.headers);
        request.body = self.body.clone().into();
        request
    }
}

impl HttpResponse {
    /// The core's value.
    pub(crate) fn to_core(&self) -> authflow_core::HttpResponse {
        authflow_core::HttpResponse::new(self.status, pairs(&self.headers), self.body.clone())
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.to_core(), f)
    }
}

impl std::fmt::Display for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.to_core(), f)
    }
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.to_core(), f)
    }
}

impl std::fmt::Display for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.to_core(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_credentials_and_bodies() {
        let request = HttpRequest {
            method: Method::Post,
            url: "https://as.example/token".into(),
            headers: vec![
                HttpHeader {
                    name: "Authorization".into(),
                    value: "Basic c2VjcmV0LXZhbHVl".into(),
                },
                HttpHeader {
                    name: "Content-Type".into(),
                    value: "application/x-www-form-urlencoded".into(),
                },
            ],
            body: b"client_secret=hunter22".to_vec(),
        };
        for shown in [format!("{request:?}"), request.to_string()] {
            assert!(!shown.contains("c2VjcmV0LXZhbHVl"), "{shown}");
            assert!(!shown.contains("hunter22"), "{shown}");
            assert!(
                shown.contains("application/x-www-form-urlencoded"),
                "{shown}"
            );
        }
        assert!(!request.headers[0].to_string().contains("c2VjcmV0"));
        let response = HttpResponse {
            status: 200,
            headers: vec![],
            body: br#"{"access_token":"tok-123456"}"#.to_vec(),
        };
        assert!(!format!("{response:?}{response}").contains("tok-123456"));
        assert_eq!(response.to_core().body.as_slice(), response.body.as_slice());
    }
}

//! The HTTP values the core hands out and takes back, as plain records
//! that any HTTP client can send and fill in. Their `repr` / `toString` /
//! `description` redact what may be secret (the body, credentials in
//! headers), as the core's `Debug` does.

use authflowkit_core::Method;

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
        if authflowkit_core::is_sensitive_header(&self.name) {
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

/// A response given flat, as `parse_token_response_flat` takes it: the
/// header names and values as UTF-8, each followed by a NUL byte
/// (`name\0value\0name\0value\0`, nothing for no headers). A header holding
/// a NUL cannot be given this way; the record form takes any.
pub(crate) fn flat_response(
    status: u16,
    headers: &[u8],
    body: &[u8],
) -> authflowkit_core::Result<authflowkit_core::HttpResponse> {
    let malformed = || {
        authflowkit_core::Error::new(
            authflowkit_core::ErrorKind::Configuration,
            "flat headers must be UTF-8 names and values, each ended by a NUL byte",
        )
    };
    let text = std::str::from_utf8(headers).map_err(|_| malformed())?;
    let mut fields = text.split_terminator('\0');
    let mut pairs = Vec::new();
    while let Some(name) = fields.next() {
        let value = fields.next().ok_or_else(malformed)?;
        pairs.push((name.to_owned(), value.to_owned()));
    }
    if !text.is_empty() && !text.ends_with('\0') {
        return Err(malformed());
    }
    Ok(authflowkit_core::HttpResponse::new(
        status,
        pairs,
        body.to_vec(),
    ))
}

impl From<&authflowkit_core::HttpRequest> for HttpRequest {
    fn from(request: &authflowkit_core::HttpRequest) -> HttpRequest {
        HttpRequest {
            method: request.method,
            url: request.url.clone(),
            headers: records(&request.headers),
            body: request.body.to_vec(),
        }
    }
}

impl From<authflowkit_core::HttpRequest> for HttpRequest {
    fn from(request: authflowkit_core::HttpRequest) -> HttpRequest {
        HttpRequest::from(&request)
    }
}

impl HttpRequest {
    /// The core's value, for its `Debug` (which redacts) and its secrets.
    pub(crate) fn to_core(&self) -> authflowkit_core::HttpRequest {
        let mut request = authflowkit_core::HttpRequest::new(self.method, self.url.clone());
        request.headers = pairs(&self.headers);
        request.body = self.body.clone().into();
        request
    }
}

impl HttpResponse {
    /// The core's value.
    pub(crate) fn to_core(&self) -> authflowkit_core::HttpResponse {
        authflowkit_core::HttpResponse::new(self.status, pairs(&self.headers), self.body.clone())
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
    fn a_flat_response_is_the_record_it_stands_for() {
        let record = HttpResponse {
            status: 400,
            headers: vec![
                HttpHeader {
                    name: "Content-Type".into(),
                    value: "application/json".into(),
                },
                HttpHeader {
                    name: "X-Empty".into(),
                    value: String::new(),
                },
            ],
            body: br#"{"error":"invalid_grant"}"#.to_vec(),
        };
        let flat = flat_response(
            400,
            b"Content-Type\0application/json\0X-Empty\0\0",
            br#"{"error":"invalid_grant"}"#,
        )
        .unwrap();
        assert_eq!(flat.status, 400);
        assert_eq!(flat.headers, pairs(&record.headers));
        assert_eq!(flat.body.as_slice(), record.body.as_slice());
        assert!(flat_response(200, b"", b"").unwrap().headers.is_empty());
        for malformed in [
            &b"Content-Type\0application/json"[..],
            b"Content-Type\0",
            b"\xff\0x\0",
        ] {
            let error = flat_response(200, malformed, b"").unwrap_err();
            assert_eq!(error.kind(), authflowkit_core::ErrorKind::Configuration);
        }
    }

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

//! The HTTP values the core hands out and takes back. The caller's own
//! client sends them; the core never does IO.

use zeroize::Zeroizing;

/// The HTTP methods the flows use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as it goes on the wire, e.g. `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a method name, in any case.
    pub fn parse(name: &str) -> Option<Method> {
        [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request for the caller to send.
///
/// The body and the `Authorization` header may carry secrets (a client
/// secret, a refresh token, a code), so `Debug` shows header names, the
/// `Content-Type` and the body's length only, and the body and the header
/// values are wiped from memory when the request is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: String,
    /// Header names and values, in the order they should be sent.
    pub headers: Vec<(String, String)>,
    /// The body, empty for `GET`.
    pub body: Zeroizing<Vec<u8>>,
}

impl HttpRequest {
    /// A request with `Accept: application/json` and no body; the core's
    /// builders add the rest.
    pub fn new(method: Method, url: String) -> Self {
        // Room for the headers the builders add (credentials, a body's
        // type, a proof) without growing the list.
        let mut headers = Vec::with_capacity(4);
        headers.push(("Accept".to_owned(), "application/json".to_owned()));
        HttpRequest {
            method,
            url,
            headers,
            body: Zeroizing::new(Vec::new()),
        }
    }

    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub(crate) fn with_body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.headers
            .push(("Content-Type".to_owned(), content_type.to_owned()));
        self.body = Zeroizing::new(body);
        self
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl Drop for HttpRequest {
    /// Wipes the header values: `Authorization` holds the client's Basic
    /// credentials or a token, which a freed buffer must not keep (the
    /// body's type sees to the body).
    fn drop(&mut self) {
        for (_, value) in &mut self.headers {
            zeroize::Zeroize::zeroize(value);
        }
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field(
                "body",
                &format_args!("[{} bytes redacted]", self.body.len()),
            )
            .finish()
    }
}

/// A response the caller received, handed back to the core to parse.
///
/// `Debug` shows the status, the headers and the body's length: a token
/// response's body is a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values as received.
    pub headers: Vec<(String, String)>,
    /// The body bytes, wiped from memory when the response is dropped.
    pub body: Zeroizing<Vec<u8>>,
}

impl HttpResponse {
    /// A response from its parts.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            headers,
            body: Zeroizing::new(body),
        }
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Every value of a header, by case-insensitive name, in the order
    /// received: for list headers such as `WWW-Authenticate`, which a
    /// server may send on several field lines.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field(
                "body",
                &format_args!("[{} bytes redacted]", self.body.len()),
            )
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Whether a header's value may be a secret (credentials, cookies), so that
/// whatever prints headers shows its name only.
pub fn is_sensitive_header(name: &str) -> bool {
    // A DPoP proof (RFC 9449 §4) is a credential for the request it is
    // made for, and carries the hash of the access token.
    const SECRET: [&str; 5] = [
        "authorization",
        "cookie",
        "set-cookie",
        "proxy-authorization",
        "dpop",
    ];
    SECRET.iter().any(|s| name.eq_ignore_ascii_case(s))
}

/// Headers whose values may be secret print as names only.
struct RedactedHeaders<'a>(&'a [(String, String)]);

impl std::fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if is_sensitive_header(name) {
                map.entry(name, &"[redacted]");
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_authorization_and_body() {
        let request = HttpRequest::new(Method::Post, "https://as.example/token".into())
            .with_header("Authorization", "Basic c2VjcmV0LXZhbHVl")
            .with_body(
                "application/x-www-form-urlencoded",
                b"client_secret=hunter2".to_vec(),
            );
        let shown = format!("{request:?}");
        assert!(!shown.contains("c2VjcmV0LXZhbHVl"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("application/x-www-form-urlencoded"),
            "{shown}"
        );
        let response = HttpResponse::new(200, vec![], br#"{"access_token":"tok-123"}"#.to_vec());
        assert!(!format!("{response:?}").contains("tok-123"));
    }

    #[test]
    fn methods_round_trip() {
        for m in [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
        ] {
            assert_eq!(Method::parse(&m.as_str().to_lowercase()), Some(m));
        }
        assert_eq!(Method::parse("TRACE"), None);
    }
}

//! Shared helpers for the integration tests: a minimal HTTP/1.1 client on
//! `std::net::TcpStream` (the servers close every connection after one
//! exchange, so a request is "write it, read to EOF"), and the OAuth steps
//! most tests start with.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::error::Error;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use authflow_test_providers::credentials::{LINK_CLIENT_ID, LINK_CLIENT_SECRET};
use authflow_test_providers::Providers;
use serde_json::Value;
use url::Url;

/// What every test returns.
pub type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// A redirect URI on a loopback port nobody listens on: only the Location
/// header is read, never followed.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";

/// A received response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// First value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> TestResult<Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A query parameter of the `Location` header.
    pub fn location_param(&self, name: &str) -> TestResult<Option<String>> {
        let location = self.header("location").ok_or("no Location header")?;
        Ok(Url::parse(location)?
            .query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned()))
    }
}

/// Sends a request; `Ok(None)` when the server closed without answering.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> TestResult<Option<Reply>> {
    let url = Url::parse(url)?;
    let host = url.host_str().ok_or("no host")?;
    let port = url.port_or_known_default().ok_or("no port")?;
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let mut stream = TcpStream::connect((host, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;

    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => {}
        // A close without a response may surface as a reset.
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset && raw.is_empty() => {}
        Err(e) => return Err(e.into()),
    }
    if raw.is_empty() {
        return Ok(None);
    }
    let mut parsed_headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut parsed_headers);
    let head_len = match response.parse(&raw)? {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial => return Err("incomplete response head".into()),
    };
    let headers: Vec<(String, String)> = response
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let mut body = raw[head_len..].to_vec();
    let declared = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>())
        .transpose()?;
    if let Some(length) = declared {
        if body.len() != length {
            return Err(format!("body has {} bytes, Content-Length {length}", body.len()).into());
        }
    }
    body.truncate(declared.unwrap_or(body.len()));
    Ok(Some(Reply {
        status: response.code.ok_or("no status")?,
        headers,
        body,
    }))
}

/// Sends a request that must get a response.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> TestResult<Reply> {
    send(method, url, headers, body)?.ok_or_else(|| "connection closed without a response".into())
}

/// `GET url`.
pub fn get(url: &str) -> TestResult<Reply> {
    request("GET", url, &[], b"")
}

/// `GET url` with a bearer token and `Accept: application/json`.
pub fn get_bearer(url: &str, token: &str) -> TestResult<Reply> {
    let authorization = format!("Bearer {token}");
    request(
        "GET",
        url,
        &[
            ("Authorization", &authorization),
            ("Accept", "application/json"),
        ],
        b"",
    )
}

/// Form-encodes pairs.
pub fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

/// `POST url` with a form body.
pub fn post_form(url: &str, pairs: &[(&str, &str)]) -> TestResult<Reply> {
    request(
        "POST",
        url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &form(pairs),
    )
}

/// `POST url` with a JSON body.
pub fn post_json(url: &str, body: &Value) -> TestResult<Reply> {
    request(
        "POST",
        url,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// A string member of a JSON object.
pub fn string(value: &Value, name: &str) -> TestResult<String> {
    Ok(value[name]
        .as_str()
        .ok_or_else(|| format!("no string {name:?} in {value}"))?
        .to_owned())
}

/// An integer member of a JSON object.
pub fn int(value: &Value, name: &str) -> TestResult<i64> {
    Ok(value[name]
        .as_i64()
        .ok_or_else(|| format!("no integer {name:?} in {value}"))?)
}

/// Runs the authorization request and returns the issued code.
pub fn authorize(p: &Providers, client_id: &str, extra: &[(&str, &str)]) -> TestResult<String> {
    let mut url = Url::parse(&p.urls().makini_link.authorization_endpoint)?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .extend_pairs(extra);
    let reply = get(url.as_str())?;
    assert_eq!(reply.status, 302, "{}", reply.text());
    Ok(reply
        .location_param("code")?
        .ok_or("no code in the redirect")?)
}

/// Code flow for `link-client` up to the token endpoint's reply.
pub fn link_code_exchange(p: &Providers) -> TestResult<Reply> {
    let code = authorize(p, LINK_CLIENT_ID, &[])?;
    post_form(
        &p.urls().makini_link.token_endpoint,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", LINK_CLIENT_ID),
            ("client_secret", LINK_CLIENT_SECRET),
        ],
    )
}

/// Code flow for `link-client`: returns the token response body.
pub fn link_login(p: &Providers) -> TestResult<Value> {
    let reply = link_code_exchange(p)?;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

/// Refreshes `link-client`'s token.
pub fn link_refresh(p: &Providers, refresh_token: &str) -> TestResult<Reply> {
    post_form(
        &p.urls().makini_link.token_endpoint,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", LINK_CLIENT_ID),
            ("client_secret", LINK_CLIENT_SECRET),
        ],
    )
}

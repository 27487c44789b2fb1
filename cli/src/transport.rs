//! A blocking HTTP transport over `ureq` for the core's requests.

use authflowkit_core::{Error, ErrorKind, HttpRequest, HttpResponse, Method};
use std::time::Duration;
use ureq::http;

/// Bodies larger than this are refused: no token or API answer in these
/// flows comes near it, and it bounds what a hostile server can make us hold.
const MAX_BODY: u64 = 4 * 1024 * 1024;

/// Sends [`HttpRequest`]s and returns [`HttpResponse`]s. Redirects are not
/// followed (a token endpoint that redirects is an error to see, not to
/// follow); every status comes back as a response, never as an error.
#[derive(Clone)]
pub struct Transport {
    agent: ureq::Agent,
}

impl Default for Transport {
    fn default() -> Self {
        Transport::new(Duration::from_secs(30))
    }
}

impl Transport {
    /// A transport whose requests give up after `timeout`, the connection's
    /// set-up included.
    pub fn new(timeout: Duration) -> Transport {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            // One limit for all of it, the connection included: a server
            // slow to accept (its queue full under load) is waited for.
            .timeout_global(Some(timeout))
            .user_agent("authflow-examples")
            .build();
        Transport {
            agent: config.into(),
        }
    }

    /// Sends one request. A failure to get any answer is an
    /// [`ErrorKind::Transport`] error, or [`ErrorKind::Timeout`] when the
    /// time ran out (action: retry); its message names the cause but never
    /// the request's headers or body.
    pub fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let mut builder = http::Request::builder()
            .method(match request.method {
                Method::Get => http::Method::GET,
                Method::Post => http::Method::POST,
                Method::Put => http::Method::PUT,
                Method::Patch => http::Method::PATCH,
                Method::Delete => http::Method::DELETE,
            })
            .uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let outgoing = builder
            .body(request.body.to_vec())
            .map_err(|e| Error::new(ErrorKind::Configuration, format!("invalid request: {e}")))?;
        let to = |error| transport_error(error, &request.url);
        let mut response = self.agent.run(outgoing).map_err(to)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(to)?;
        Ok(HttpResponse::new(status, headers, body))
    }
}

fn transport_error(error: ureq::Error, url: &str) -> Error {
    // Told apart: a request that timed out may have been carried out.
    let kind = match &error {
        ureq::Error::Timeout(_) => ErrorKind::Timeout,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
        _ => ErrorKind::Transport,
    };
    Error::new(
        kind,
        format!("no answer from {}: {}", endpoint_of(url), describe(&error)),
    )
}

/// Where a request went, for an error: scheme, host, port and path. The
/// query (which may hold a code or a token) and any user information are
/// left out.
fn endpoint_of(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or_default();
    match without_query.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit('@').next().unwrap_or_default();
            format!("{scheme}://{host}{path}")
        }
        None => "the endpoint".to_owned(),
    }
}

/// Words for a transport failure. ureq's own messages can quote the URL,
/// which may hold a query; this keeps to the kind of failure.
fn describe(error: &ureq::Error) -> &'static str {
    match error {
        ureq::Error::Timeout(_) => "timed out",
        ureq::Error::Io(_) => "the connection failed or was dropped",
        ureq::Error::HostNotFound => "host not found",
        ureq::Error::ConnectionFailed => "connection refused",
        ureq::Error::BodyExceedsLimit(_) => "the body is too large",
        ureq::Error::Protocol(_) => "the answer is not valid HTTP",
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => "TLS failed",
        _ => "the request failed",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn an_endpoint_is_named_without_its_query_or_user_information() {
        assert_eq!(
            endpoint_of("https://user:pw@as.example:8443/oauth/token?code=abc#x"),
            "https://as.example:8443/oauth/token"
        );
        assert_eq!(endpoint_of("http://127.0.0.1:9/"), "http://127.0.0.1:9/");
        assert_eq!(endpoint_of("not a url"), "the endpoint");
    }
    use std::net::TcpListener;

    /// A server on 127.0.0.1 that accepts connections (the kernel's backlog
    /// does, while the listener lives) and never answers.
    pub(crate) fn silent_server() -> (TcpListener, String) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        (listener, url)
    }

    #[test]
    fn a_server_that_never_answers_is_a_timeout_not_another_failure() {
        let (_listener, url) = silent_server();
        let transport = Transport::new(Duration::from_millis(300));
        let error = transport
            .send(&HttpRequest::new(Method::Post, url))
            .unwrap_err();
        assert_eq!(error.kind().as_str(), "timeout", "{error}");
        assert_eq!(error.action().as_str(), "retry", "{error}");

        // A refused connection stays a plain transport failure.
        let closed = {
            let (listener, url) = silent_server();
            drop(listener);
            url
        };
        let error = transport
            .send(&HttpRequest::new(Method::Post, closed))
            .unwrap_err();
        assert_eq!(error.kind().as_str(), "transport", "{error}");
    }

    /// The timeout a transport is made with is the whole request's, its
    /// connection included: a server slow to accept (its queue full, as a
    /// local provider's is under the fleet tests' load) is waited for, as
    /// long as the answer comes in time.
    #[test]
    fn a_connection_slow_to_be_accepted_is_waited_for_within_the_timeout() {
        use socket2::{Domain, Socket, Type};
        use std::io::{Read, Write};
        use std::net::{SocketAddr, TcpStream};
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        let local: SocketAddr = "127.0.0.1:0".parse().unwrap();
        socket.bind(&local.into()).unwrap();
        // A backlog of 0 holds one connection: the one below fills it.
        socket.listen(0).unwrap();
        let listener: TcpListener = socket.into();
        let addr = listener.local_addr().unwrap();
        let filler = TcpStream::connect(addr).unwrap();
        let server = std::thread::spawn(move || {
            // Longer than the 5 s this transport once gave a connection.
            std::thread::sleep(Duration::from_secs(7));
            drop(listener.accept().unwrap());
            // The client's connection, if it is still trying; the wait is
            // bounded, so that a client that gave up fails the test.
            listener.set_nonblocking(true).unwrap();
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            let mut stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(_) if std::time::Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    Err(error) => panic!("no second connection: {error}"),
                }
            };
            stream.set_nonblocking(false).unwrap();
            let mut request = Vec::new();
            let mut buffer = [0; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let read = stream.read(&mut buffer).unwrap();
                assert!(read > 0, "the request ended early");
                request.extend_from_slice(&buffer[..read]);
            }
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                .unwrap();
        });
        let transport = Transport::new(Duration::from_secs(30));
        let answer = transport.send(&HttpRequest::new(
            Method::Get,
            format!("http://{addr}/slow"),
        ));
        drop(filler);
        let response = answer.unwrap();
        server.join().unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (200, b"{}".as_slice())
        );
    }
}

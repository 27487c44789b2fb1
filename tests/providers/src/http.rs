//! HTTP/1.1 plumbing: a blocking server with one thread per connection.
//!
//! Hand-rolled on `std::net` + `httparse` rather than a framework because the
//! fault modes need byte-level control: closing a connection without a
//! reply, sending a cut body, stalling. Every response carries
//! `Connection: close`, so one connection holds exactly one exchange; that
//! keeps a dropped or truncated reply unambiguous for the client under test.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Largest request head (request line + headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted; token requests are tiny.
const MAX_BODY: usize = 1024 * 1024;
/// How often a blocked read wakes up to notice a stop request.
const POLL: Duration = Duration::from_millis(50);
/// A client that sends nothing for this long is disconnected.
const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Method as sent (`GET`, `POST`, ...).
    pub(crate) method: String,
    /// Path part of the request target, without the query.
    pub(crate) path: String,
    /// Raw query string (no `?`), empty when absent.
    pub(crate) query: String,
    /// Header names lower-cased, in arrival order.
    headers: Vec<(String, String)>,
    /// Body bytes (Content-Length or de-chunked).
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// First value of a header (name matched case-insensitively).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type`, lower-cased, without parameters.
    pub(crate) fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The token of an `Authorization: Bearer` header (scheme case-insensitive).
    pub(crate) fn bearer_token(&self) -> Option<&str> {
        let (scheme, token) = self.header("authorization")?.trim().split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    }
}

/// A response to send.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    /// Status code.
    pub(crate) status: u16,
    /// Headers other than Content-Length and Connection (added on write).
    pub(crate) headers: Vec<(String, String)>,
    /// Body bytes.
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// An empty response with `status`.
    pub(crate) fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response.
    pub(crate) fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::new(status)
            .header("Content-Type", "application/json")
            .body(body.to_string().into_bytes())
    }

    /// An HTML response.
    pub(crate) fn html(status: u16, body: String) -> Self {
        Self::new(status)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(body.into_bytes())
    }

    /// A `302 Found` to `location`.
    pub(crate) fn redirect(location: &str) -> Self {
        Self::new(302).header("Location", location)
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a header, replacing any value it had.
    pub(crate) fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// Whether a header is present.
    pub(crate) fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Marks a token response (or its error) as not cacheable (RFC 6749 §5.1).
    pub(crate) fn no_store(self) -> Self {
        self.header("Cache-Control", "no-store")
            .header("Pragma", "no-cache")
    }

    /// Replaces the body.
    pub(crate) fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }
}

/// What the handler wants done with a request.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Send this response.
    Send(Response),
    /// Close the connection without a response (the `drop` fault).
    Drop,
}

/// Turns requests into replies; shared by all connection threads.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, request: Request) -> Reply;
}

/// A running server: an accept thread plus a thread per connection.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Server {
    /// Serves `listener` on background threads until [`Server::shutdown`].
    ///
    /// `stop` is shared with the handler so long operations (the `slow`
    /// fault) can end early on shutdown.
    pub(crate) fn spawn(
        listener: TcpListener,
        handler: Arc<dyn Handler>,
        stop: Arc<AtomicBool>,
    ) -> io::Result<Self> {
        let addr = listener.local_addr()?;
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let stop = Arc::clone(&stop);
            let connections = Arc::clone(&connections);
            thread::Builder::new()
                .name("authflow-providers-accept".into())
                .spawn(move || accept_loop(&listener, &handler, &stop, &connections))?
        };
        Ok(Self {
            addr,
            stop,
            accept: Some(accept),
            connections,
        })
    }

    /// The bound address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, waits for every connection thread, closes the listener.
    pub(crate) fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let Some(accept) = self.accept.take() else {
            return;
        };
        // The accept thread is blocked in accept(); a connection wakes it so
        // it can see the stop flag. A failure only means it is already gone.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let _ = accept.join();
        let handles = std::mem::take(
            &mut *self
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for handle in handles {
            let _ = handle.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(
    listener: &TcpListener,
    handler: &Arc<dyn Handler>,
    stop: &Arc<AtomicBool>,
    connections: &Mutex<Vec<JoinHandle<()>>>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            // Typically EMFILE; back off instead of spinning.
            thread::sleep(POLL);
            continue;
        };
        let handler = Arc::clone(handler);
        let stop = Arc::clone(stop);
        let spawned = thread::Builder::new()
            .name("authflow-providers-conn".into())
            .spawn(move || serve_connection(stream, handler.as_ref(), &stop));
        let mut list = connections.lock().unwrap_or_else(PoisonError::into_inner);
        list.retain(|h| !h.is_finished());
        if let Ok(handle) = spawned {
            list.push(handle);
        }
    }
}

fn serve_connection(mut stream: TcpStream, handler: &dyn Handler, stop: &AtomicBool) {
    if stream.set_read_timeout(Some(POLL)).is_err()
        || stream.set_write_timeout(Some(IDLE_LIMIT)).is_err()
    {
        return;
    }
    let _ = stream.set_nodelay(true);
    let response = match read_request(&mut stream, stop) {
        Ok(Incoming::Request(request)) => match handler.handle(request) {
            Reply::Send(response) => response,
            Reply::Drop => {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        },
        Ok(Incoming::Reject(response)) => response,
        Ok(Incoming::Closed) | Err(_) => return,
    };
    if write_response(&mut stream, &response).is_ok() {
        linger(&mut stream);
    }
}

/// Sends FIN, then reads what the client still sends for a moment, so that
/// closing with unread bytes does not turn into a RST that could destroy the
/// response before the client reads it.
fn linger(stream: &mut TcpStream) {
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let deadline = Instant::now() + Duration::from_millis(500);
    let mut sink = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => return,
        }
    }
}

enum Incoming {
    Request(Request),
    Reject(Response),
    Closed,
}

struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    len: usize,
}

fn read_request(stream: &mut TcpStream, stop: &AtomicBool) -> io::Result<Incoming> {
    let started = Instant::now();
    let mut buf = Vec::with_capacity(4096);
    let head = loop {
        if !buf.is_empty() {
            match parse_head(&buf) {
                Ok(Some(head)) => break head,
                Ok(None) if buf.len() > MAX_HEAD => {
                    return Ok(reject(431, "request head too large"))
                }
                Ok(None) => {}
                Err(response) => return Ok(Incoming::Reject(response)),
            }
        }
        if read_more(stream, &mut buf, stop, started)? == 0 {
            return Ok(Incoming::Closed);
        }
    };
    let header = |name: &'static str| header_values(&head.headers, name);
    let chunked = match header("transfer-encoding").last() {
        None => false,
        Some(te) if te.trim().to_ascii_lowercase().ends_with("chunked") => true,
        Some(_) => return Ok(reject(400, "unsupported Transfer-Encoding")),
    };
    let length = if chunked {
        None
    } else {
        // Repeated Content-Length headers are tolerated only when identical
        // (RFC 9112 §6.3); anything else is a framing error.
        let values: Vec<&str> = header("content-length").map(str::trim).collect();
        match values.first() {
            None => Some(0),
            Some(first)
                if values.iter().all(|v| v == first)
                    && !first.is_empty()
                    && first.bytes().all(|b| b.is_ascii_digit()) =>
            {
                match first.parse::<usize>() {
                    Ok(len) => Some(len),
                    Err(_) => return Ok(reject(413, "request body too large")),
                }
            }
            Some(_) => return Ok(reject(400, "invalid Content-Length")),
        }
    };
    if length.is_some_and(|l| l > MAX_BODY) {
        return Ok(reject(413, "request body too large"));
    }
    let expects_body = chunked || length.is_some_and(|l| l > 0);
    if expects_body
        && header("expect")
            .next()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
    {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = loop {
        let received = &buf[head.len..];
        match length {
            Some(len) if received.len() >= len => break received[..len].to_vec(),
            Some(_) => {}
            None => match decode_chunked(received) {
                Ok(Some(body)) => break body,
                Ok(None) => {}
                Err(status) => return Ok(reject(status, "invalid chunked body")),
            },
        }
        if read_more(stream, &mut buf, stop, started)? == 0 {
            return Ok(Incoming::Closed);
        }
    };
    let (path, query) = match head.target.split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (head.target.clone(), String::new()),
    };
    Ok(Incoming::Request(Request {
        method: head.method,
        path,
        query,
        headers: head.headers,
        body,
    }))
}

/// All values of a header (names already lower-cased).
fn header_values<'a>(
    headers: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn reject(status: u16, message: &str) -> Incoming {
    Incoming::Reject(Response::json(
        status,
        &serde_json::json!({"error": "invalid_request", "error_description": message}),
    ))
}

/// Parses the request head; `Ok(None)` means more bytes are needed.
fn parse_head(buf: &[u8]) -> Result<Option<Head>, Response> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Response::json(
                431,
                &serde_json::json!({"error": "invalid_request", "error_description": "too many headers"}),
            ))
        }
        Err(e) => {
            return Err(Response::json(
                400,
                &serde_json::json!({"error": "invalid_request", "error_description": e.to_string()}),
            ))
        }
    };
    Ok(Some(Head {
        method: request.method.unwrap_or_default().to_owned(),
        target: request.path.unwrap_or_default().to_owned(),
        headers: request
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_ascii_lowercase(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
        len,
    }))
}

/// Decodes a complete chunked body; `Ok(None)` means more bytes are needed,
/// `Err(status)` a malformed or oversized body.
fn decode_chunked(mut data: &[u8]) -> Result<Option<Vec<u8>>, u16> {
    let mut body = Vec::new();
    loop {
        let (start, size) = match httparse::parse_chunk_size(data) {
            Ok(httparse::Status::Complete(found)) => found,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(400),
        };
        let size = usize::try_from(size).map_err(|_| 413u16)?;
        if body.len().saturating_add(size) > MAX_BODY {
            return Err(413);
        }
        data = &data[start..];
        if size == 0 {
            // Trailer fields end with an empty line; their content is ignored.
            let mut rest = data;
            loop {
                let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
                    return Ok(None);
                };
                if end == 0 {
                    return Ok(Some(body));
                }
                rest = &rest[end + 2..];
            }
        }
        if data.len() < size + 2 {
            return Ok(None);
        }
        if &data[size..size + 2] != b"\r\n" {
            return Err(400);
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// Reads some bytes into `buf`; 0 means the peer closed, went idle too long,
/// or the server is stopping.
fn read_more(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    stop: &AtomicBool,
    started: Instant,
) -> io::Result<usize> {
    let mut chunk = [0u8; 8192];
    loop {
        if stop.load(Ordering::SeqCst) || started.elapsed() > IDLE_LIMIT {
            return Ok(0);
        }
        match stream.read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if is_timeout(&e) => {}
            Err(e) => return Err(e),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

fn write_response(stream: &mut TcpStream, response: &Response) -> io::Result<()> {
    use std::fmt::Write as _;
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("connection") {
            continue;
        }
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let _ = write!(
        head,
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_incrementally() {
        let full = b"4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\nX-Trailer: 1\r\n\r\n";
        assert_eq!(decode_chunked(full), Ok(Some(b"abcdefg".to_vec())));
        for cut in 0..full.len() {
            assert_eq!(decode_chunked(&full[..cut]), Ok(None), "cut at {cut}");
        }
        assert_eq!(decode_chunked(b"4\r\nabcdXX"), Err(400));
    }

    #[test]
    fn head_parsing_keeps_query_and_lowercases_names() {
        let head = parse_head(b"GET /a?b=c HTTP/1.1\r\nX-Thing: V\r\n\r\n")
            .ok()
            .flatten();
        let head = head.map(|h| (h.method, h.target, h.headers));
        assert_eq!(
            head,
            Some((
                "GET".into(),
                "/a?b=c".into(),
                vec![("x-thing".into(), "V".into())]
            ))
        );
    }
}

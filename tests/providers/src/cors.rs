//! CORS for the Makini Link token endpoint, so that a page served from a
//! loopback origin (the browser package's end-to-end test) can exchange a
//! code and refresh as a public client with `fetch`.
//!
//! Only loopback origins (`http://127.0.0.1:<port>`, `http://localhost:<port>`,
//! `http://[::1]:<port>`) are allowed, each echoed back as the one allowed
//! origin; requests without an `Origin` (every non-browser client) see no
//! change at all. Credentials (cookies) are never allowed.

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::http::{Request, Response};

/// The `Origin` of a browser request when it is a loopback origin.
fn allowed_origin(req: &Request) -> Option<&str> {
    let origin = req.header("origin")?;
    let url = Url::parse(origin).ok()?;
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        Some(Host::Domain(name)) => name == "localhost",
        None => false,
    };
    (loopback && url.scheme() == "http").then_some(origin)
}

/// Adds `Access-Control-Allow-Origin` (the request's loopback origin) and
/// `Vary: Origin` to a response.
pub(crate) fn allow(req: &Request, response: &mut Response) {
    if let Some(origin) = allowed_origin(req) {
        response.set_header("Access-Control-Allow-Origin", origin);
        response.set_header("Vary", "Origin");
    }
}

/// The answer to a preflight (`OPTIONS`): 204, allowing `POST` with the
/// headers a token request carries, to a loopback origin; without the CORS
/// headers (so the browser refuses) for any other origin.
pub(crate) fn preflight(req: &Request) -> Response {
    let mut response = Response::new(204);
    if allowed_origin(req).is_some() {
        response.set_header("Access-Control-Allow-Methods", "POST");
        response.set_header("Access-Control-Allow-Headers", "Accept, Content-Type");
        response.set_header("Access-Control-Max-Age", "600");
        allow(req, &mut response);
    }
    response
}

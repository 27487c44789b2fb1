//! Fault injection: what a test can make an endpoint do wrong, and for how
//! many requests.
//!
//! A fault is armed per endpoint and consumed by that endpoint's next
//! requests; after `times` of them, normal service resumes by itself, so a
//! test that forgets to clear one only affects the requests it meant to.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::clock::http_date;
use crate::http::Response;

/// An endpoint a fault can be armed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Endpoint {
    /// Makini Link authorization endpoint (`makini_link.authorize`).
    MakiniLinkAuthorize,
    /// Makini Link token endpoint (`makini_link.token`).
    MakiniLinkToken,
    /// Makini v4 and v3 APIs (`makini_link.api`).
    MakiniLinkApi,
    /// Makini Admin token endpoint (`makini_admin.token`).
    MakiniAdminToken,
    /// Makini Admin API (`makini_admin.api`).
    MakiniAdminApi,
    /// MakeShift token endpoint (`makeshift.token`).
    MakeshiftToken,
    /// MakeShift token info endpoint (`makeshift.token_info`).
    MakeshiftTokenInfo,
    /// MakeShift public API (`makeshift.api`).
    MakeshiftApi,
    /// The standard server's metadata (`standard.metadata`, RFC 8414).
    StandardMetadata,
    /// The standard server's token endpoint (`standard.token`).
    StandardToken,
    /// The standard server's introspection endpoint (`standard.introspection`, RFC 7662).
    StandardIntrospection,
    /// The standard server's revocation endpoint (`standard.revocation`, RFC 7009).
    StandardRevocation,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 12] = [
        Endpoint::MakiniLinkAuthorize,
        Endpoint::MakiniLinkToken,
        Endpoint::MakiniLinkApi,
        Endpoint::MakiniAdminToken,
        Endpoint::MakiniAdminApi,
        Endpoint::MakeshiftToken,
        Endpoint::MakeshiftTokenInfo,
        Endpoint::MakeshiftApi,
        Endpoint::StandardMetadata,
        Endpoint::StandardToken,
        Endpoint::StandardIntrospection,
        Endpoint::StandardRevocation,
    ];

    /// The name used by the control API, e.g. `makini_link.token`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::MakiniLinkAuthorize => "makini_link.authorize",
            Endpoint::MakiniLinkToken => "makini_link.token",
            Endpoint::MakiniLinkApi => "makini_link.api",
            Endpoint::MakiniAdminToken => "makini_admin.token",
            Endpoint::MakiniAdminApi => "makini_admin.api",
            Endpoint::MakeshiftToken => "makeshift.token",
            Endpoint::MakeshiftTokenInfo => "makeshift.token_info",
            Endpoint::MakeshiftApi => "makeshift.api",
            Endpoint::StandardMetadata => "standard.metadata",
            Endpoint::StandardToken => "standard.token",
            Endpoint::StandardIntrospection => "standard.introspection",
            Endpoint::StandardRevocation => "standard.revocation",
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Endpoint {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Endpoint::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| UnknownName(format!("unknown endpoint {s:?}")))
    }
}

impl TryFrom<String> for Endpoint {
    type Error = UnknownName;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Endpoint> for String {
    fn from(e: Endpoint) -> Self {
        e.name().to_owned()
    }
}

/// A name that is not a known endpoint or fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName(String);

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnknownName {}

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Fault {
    /// `drop`: read the request, close the connection without a response.
    /// The request is not processed.
    Drop,
    /// `500`: Internal Server Error; the request is not processed.
    Status500,
    /// `503`: Service Unavailable, with `Retry-After` when one is set; not processed.
    Status503,
    /// `429`: Too Many Requests with `Retry-After` (default 30 s); not processed.
    Status429,
    /// `html`: 502 with an HTML error page, as a proxy would; not processed.
    Html,
    /// `truncated`: the request IS processed, then the reply is sent as a 200
    /// `application/json` whose body is the normal body cut in half (the
    /// `Content-Length` matches the cut body, so the client reads invalid JSON).
    Truncated,
    /// `error_200`: status 200 with an RFC 6749 error body; not processed.
    Error200,
    /// `slow`: wait `delay_ms`, then answer normally.
    Slow,
    /// `clock_ahead`: answer normally, from a clock `clock_ahead_secs` ahead
    /// (the `Date` header and every issued time and expiry).
    ClockAhead,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 9] = [
        Fault::Drop,
        Fault::Status500,
        Fault::Status503,
        Fault::Status429,
        Fault::Html,
        Fault::Truncated,
        Fault::Error200,
        Fault::Slow,
        Fault::ClockAhead,
    ];

    /// The name used by the control API, e.g. `503` or `truncated`.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Drop => "drop",
            Fault::Status500 => "500",
            Fault::Status503 => "503",
            Fault::Status429 => "429",
            Fault::Html => "html",
            Fault::Truncated => "truncated",
            Fault::Error200 => "error_200",
            Fault::Slow => "slow",
            Fault::ClockAhead => "clock_ahead",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownName(format!("unknown fault {s:?}")))
    }
}

impl TryFrom<String> for Fault {
    type Error = UnknownName;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Fault> for String {
    fn from(f: Fault) -> Self {
        f.name().to_owned()
    }
}

/// A fault with its options. Build with [`FaultSpec::new`] and the setters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// What goes wrong.
    pub fault: Fault,
    /// How many of the endpoint's next requests get it (default 1).
    pub times: u32,
    /// `Retry-After` seconds for `429` (default 30) and `503` (none by default).
    pub retry_after: Option<u64>,
    /// Send `Retry-After` as an HTTP-date (server clock + seconds) instead.
    pub retry_after_date: bool,
    /// Delay of the `slow` fault, in milliseconds (default 1000).
    pub delay_ms: u64,
    /// Skew of the `clock_ahead` fault, in seconds (default 300).
    pub clock_ahead_secs: i64,
}

impl FaultSpec {
    /// `fault` once, with the default options.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            times: 1,
            retry_after: None,
            retry_after_date: false,
            delay_ms: 1000,
            clock_ahead_secs: 300,
        }
    }

    /// Applies to the next `times` requests.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Sets the `Retry-After` seconds.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// Sends `Retry-After` as an HTTP-date.
    pub fn retry_after_date(mut self, as_date: bool) -> Self {
        self.retry_after_date = as_date;
        self
    }

    /// Sets the `slow` delay.
    pub fn delay_ms(mut self, delay_ms: u64) -> Self {
        self.delay_ms = delay_ms;
        self
    }

    /// Sets the `clock_ahead` skew.
    pub fn clock_ahead_secs(mut self, secs: i64) -> Self {
        self.clock_ahead_secs = secs;
        self
    }

    /// The canned response of a fault that replaces processing, if this is
    /// one (`drop`, `slow`, `truncated` and `clock_ahead` are handled by the
    /// router around normal processing).
    pub(crate) fn canned_response(&self, now: i64) -> Option<Response> {
        let response = match self.fault {
            Fault::Status500 => {
                Response::json(500, &serde_json::json!({"message": "Server Error"}))
            }
            Fault::Status503 => {
                let response =
                    Response::json(503, &serde_json::json!({"message": "Service Unavailable"}));
                match self.retry_after {
                    Some(secs) => self.with_retry_after(response, secs, now),
                    None => response,
                }
            }
            Fault::Status429 => self.with_retry_after(
                Response::json(429, &serde_json::json!({"message": "Too Many Attempts."})),
                self.retry_after.unwrap_or(30),
                now,
            ),
            Fault::Html => Response::html(502, BAD_GATEWAY_PAGE.to_owned()),
            Fault::Error200 => Response::json(
                200,
                &serde_json::json!({
                    "error": "server_error",
                    "error_description": "The authorization server encountered an unexpected condition."
                }),
            ),
            Fault::Drop | Fault::Truncated | Fault::Slow | Fault::ClockAhead => return None,
        };
        Some(response)
    }

    fn with_retry_after(&self, response: Response, secs: u64, now: i64) -> Response {
        let value = if self.retry_after_date {
            http_date(now.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)))
        } else {
            secs.to_string()
        };
        response.header("Retry-After", &value)
    }
}

/// A gateway's error page, as the `html` fault serves it.
const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
</body>\r\n</html>\r\n";

/// Cuts a processed response the way the `truncated` fault sends it.
pub(crate) fn truncate(mut response: Response) -> Response {
    response.status = 200;
    response.headers.retain(|(n, _)| {
        !n.eq_ignore_ascii_case("location") && !n.eq_ignore_ascii_case("content-type")
    });
    response.set_header("Content-Type", "application/json");
    let half = response.body.len() / 2;
    response.body.truncate(half);
    response
}

/// The armed faults, at most one per endpoint.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    armed: HashMap<Endpoint, FaultSpec>,
}

impl FaultTable {
    /// Arms `spec` on `endpoint`, replacing what was armed there
    /// (`times == 0` disarms it).
    pub(crate) fn set(&mut self, endpoint: Endpoint, spec: FaultSpec) {
        if spec.times == 0 {
            self.armed.remove(&endpoint);
        } else {
            self.armed.insert(endpoint, spec);
        }
    }

    /// Disarms one endpoint, or all of them.
    pub(crate) fn clear(&mut self, endpoint: Option<Endpoint>) {
        match endpoint {
            Some(endpoint) => {
                self.armed.remove(&endpoint);
            }
            None => self.armed.clear(),
        }
    }

    /// Consumes one use of the fault armed on `endpoint`, if any.
    pub(crate) fn take(&mut self, endpoint: Endpoint) -> Option<FaultSpec> {
        let spec = self.armed.get_mut(&endpoint)?;
        let taken = *spec;
        spec.times -= 1;
        if spec.times == 0 {
            self.armed.remove(&endpoint);
        }
        Some(taken)
    }

    /// The armed faults with their remaining counts, by endpoint name.
    pub(crate) fn snapshot(&self) -> Vec<(Endpoint, FaultSpec)> {
        let mut list: Vec<_> = self.armed.iter().map(|(e, s)| (*e, *s)).collect();
        list.sort_by_key(|(e, _)| *e);
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for endpoint in Endpoint::ALL {
            assert_eq!(endpoint.name().parse::<Endpoint>(), Ok(endpoint));
        }
        for fault in Fault::ALL {
            assert_eq!(fault.name().parse::<Fault>(), Ok(fault));
        }
        assert!("nope".parse::<Fault>().is_err());
    }

    #[test]
    fn a_fault_runs_out() {
        let mut table = FaultTable::default();
        table.set(
            Endpoint::MakeshiftApi,
            FaultSpec::new(Fault::Status500).times(2),
        );
        assert!(table.take(Endpoint::MakeshiftApi).is_some());
        assert!(table.take(Endpoint::MakiniLinkApi).is_none());
        assert!(table.take(Endpoint::MakeshiftApi).is_some());
        assert!(table.take(Endpoint::MakeshiftApi).is_none());
    }

    #[test]
    fn truncation_halves_the_body() {
        let cut = truncate(Response::json(
            400,
            &serde_json::json!({"error": "invalid_grant"}),
        ));
        assert_eq!(cut.status, 200);
        assert_eq!(cut.body, br#"{"error":"in"#);
    }
}

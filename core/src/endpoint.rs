//! Provider endpoint URLs and the transport-security rule they obey:
//! HTTPS everywhere, plain HTTP only to a loopback address.

use crate::error::{Error, Result};
use fluent_uri::component::Host;
use fluent_uri::resolve::ResolveError;
use fluent_uri::{ParseError, ParseErrorKind, Uri, UriRef};

/// An absolute provider URL that is `https`, or `http` to a loopback IP
/// address (`127.0.0.0/8`, `::1`; not the name `localhost`, which a hosts
/// file, a search domain or a proxy may send elsewhere: RFC 8252 §8.3).
/// Read strictly as RFC 3986 writes
/// URIs (`fluent-uri`): nothing is repaired or normalised, so spaces and
/// non-ASCII characters must be percent-encoded and host names given in
/// punycode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(Uri<String>);

/// Whether `host` is this machine: a loopback IP address, or (where
/// `name_too`) the name `localhost`.
fn is_loopback(host: &Host<'_>, name_too: bool) -> bool {
    match host {
        Host::RegName(name) => name_too && name.as_str().eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        _ => false,
    }
}

/// Checks a redirect URI (RFC 6749 §3.1.2, RFC 9700 §2.6, RFC 8252 §7):
/// absolute, without a fragment, and `https`, or `http` to this machine (a
/// native app's loopback listener; `localhost` too, as RFC 8252 allows it
/// there), or a private-use scheme named after a domain in reverse order
/// (`com.example.app:/cb`). Anything else (plain `http` elsewhere, which
/// sends the code in clear; `javascript:`, `data:`, `file:` and other
/// schemes without a dot) is a configuration error.
pub(crate) fn check_redirect_uri(value: &str) -> Result<()> {
    let uri = Uri::parse(value).map_err(|e| not_absolute("redirect URI", &e))?;
    if uri.has_fragment() {
        return Err(Error::configuration(
            "redirect URI must not have a fragment",
        ));
    }
    let scheme = uri.scheme().as_str();
    let host = uri.authority().map(|a| a.host_parsed());
    let allowed = if scheme.eq_ignore_ascii_case("https") {
        uri.authority().is_some_and(|a| !a.host().is_empty())
    } else if scheme.eq_ignore_ascii_case("http") {
        host.is_some_and(|host| is_loopback(&host, true))
    } else {
        scheme.contains('.')
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::configuration(
            "redirect URI must use https, http to a loopback address (127.0.0.1, [::1], \
             localhost) or a private-use scheme named after a reverse domain (com.example.app:/cb)",
        ))
    }
}

impl Endpoint {
    /// Parses and checks an endpoint URL. `what` names it in the error
    /// (e.g. `"token endpoint"`).
    pub fn parse(what: &str, value: &str) -> Result<Endpoint> {
        let uri = Uri::parse(value).map_err(|e| not_absolute(what, &e))?;
        let scheme = uri.scheme().as_str();
        let invalid = |why: &str| Error::configuration([what, why].concat());
        let Some(authority) = uri.authority() else {
            return Err(invalid(" has no host"));
        };
        if scheme.eq_ignore_ascii_case("https") {
        } else if scheme.eq_ignore_ascii_case("http") {
            if !is_loopback(&authority.host_parsed(), false) {
                return Err(invalid(
                    " must use https (plain http is allowed only for loopback IP \
                     addresses such as 127.0.0.1, not for names)",
                ));
            }
        } else {
            return Err(Error::configuration(
                [what, " has scheme \"", scheme, "\"; only https is allowed"].concat(),
            ));
        }
        if authority.host().is_empty() {
            return Err(invalid(" has no host"));
        }
        // RFC 3986 lets a host name carry percent-encoded bytes, empty
        // labels and sub-delimiters, and reads `1.2.3` or `0x7f.1` as names,
        // where a WHATWG parser (browsers, many HTTP clients) decodes `%2E`
        // to a dot, refuses control bytes and reads numeric names as IPv4
        // addresses. Where the token goes must not depend on the client, so
        // a host name is a plain DNS name (punycode for other characters).
        if let Host::RegName(name) = authority.host_parsed() {
            if !is_plain_dns_name(name.as_str()) {
                return Err(invalid(
                    ": the host must be a plain DNS name (letters, digits, '-', '_' in \
                     dot-separated labels; no percent-encoding; punycode for other characters; \
                     not numeric like an IPv4 address) or an IP address",
                ));
            }
        }
        if authority.port_to_u16().is_err() {
            return Err(invalid(" has a port outside 0-65535"));
        }
        if uri.has_fragment() {
            return Err(invalid(" must not have a fragment"));
        }
        if authority.has_userinfo() {
            return Err(invalid(" must not carry credentials in the URL"));
        }
        // An empty path is `/` (RFC 9110 §4.2.3), the form requests use.
        if uri.path().is_empty() {
            return with_slash_after_path(what, &uri).map(Endpoint);
        }
        Ok(Endpoint(uri.to_owned()))
    }

    /// A query writer that appends to this URL's own query (RFC 6749
    /// §3.1: an endpoint's query is kept): `?` if it has none, `&` between
    /// it and what is appended.
    pub(crate) fn query_builder(&self) -> crate::form::FormWriter {
        crate::form::FormWriter::for_query(self.as_str())
    }

    /// The URL as a string.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub(crate) fn uri(&self) -> &Uri<String> {
        &self.0
    }

    /// The origin (RFC 6454: scheme, host, port), normalised as RFC 3986
    /// §6.2.2 says (lower-case scheme and host, no default port), e.g.
    /// `https://api.makini.io`.
    pub(crate) fn origin(&self) -> String {
        let normal = self.0.normalize();
        let authority = normal.authority().map_or("", |a| a.as_str());
        [normal.scheme().as_str(), "://", authority].concat()
    }

    /// Whether this URL is below `base`: the same origin, and the base's
    /// path, as a directory (`/v1` is `/v1/`, as [`Endpoint::join`] reads
    /// it), a prefix of this one's. Paths are compared as written: a
    /// differently encoded path is not below.
    pub(crate) fn is_under(&self, base: &Endpoint) -> bool {
        let base_path = base.0.path().as_str();
        let path = self.0.path().as_str();
        let below = match base_path.strip_suffix('/') {
            Some(_) => path.starts_with(base_path),
            None => path
                .strip_prefix(base_path)
                .is_some_and(|rest| rest.starts_with('/')),
        };
        below && self.origin() == base.origin()
    }

    /// Resolves a relative `path` below this base: `"sites"` and `"/sites"`
    /// both land under `…/v4/`. Refused: an absolute URL or a
    /// scheme-relative `//host/…` (they name a server, not a path), and
    /// dot segments, plain or percent-encoded (see [`has_dot_segment`]), so
    /// that nothing climbs out of the base.
    pub(crate) fn join(&self, what: &str, path: &str) -> Result<Endpoint> {
        let cannot = |why: &str| {
            Error::configuration([what, ": cannot join \"", path, "\": ", why].concat())
        };
        if path.starts_with("//") {
            return Err(Error::configuration(
                [
                    what,
                    ": a path that starts with // names another host; \
                 paths are relative to the base",
                ]
                .concat(),
            ));
        }
        let reference = UriRef::parse(path.strip_prefix('/').unwrap_or(path))
            .map_err(|e| cannot(&parse_error_text(&e)))?;
        if reference.has_scheme() {
            return Err(cannot("it is an absolute URL, not a path"));
        }
        if has_dot_segment(reference.path().as_str()) {
            return Err(dot_segment_error(what));
        }
        let base = if self.0.path().as_str().ends_with('/') {
            self.0.clone()
        } else {
            with_slash_after_path(what, &self.0.borrow())?
        };
        let joined = reference
            .resolve_against(&base)
            .map_err(|e| cannot(resolve_error_text(e)))?;
        let joined = Endpoint::parse(what, joined.as_str())?;
        // Without dot segments a relative path cannot leave the base; this
        // keeps it so whatever the resolver does.
        if !joined.is_under(&Endpoint(base)) {
            return Err(cannot("the result is not below the base"));
        }
        Ok(joined)
    }

    /// Whether this URL's path has a dot segment (see [`has_dot_segment`]).
    pub(crate) fn has_dot_segment(&self) -> bool {
        has_dot_segment(self.0.path().as_str())
    }
}

/// The error for a path with a dot segment.
pub(crate) fn dot_segment_error(what: &str) -> Error {
    Error::configuration(
        [
            what,
            " has a \".\" or \"..\" segment (perhaps percent-encoded): \
         refused, so that the request stays below the base",
        ]
        .concat(),
    )
}

/// The error for a URL that does not parse: `what` and fluent-uri's words.
fn not_absolute(what: &str, e: &ParseError) -> Error {
    Error::configuration([what, " is not an absolute URL: ", &parse_error_text(e)].concat())
}

/// fluent-uri's words for a parse error, as its `Display` writes them
/// (written here: `Display` would bring `core::fmt` into the browser's
/// module, `crate::text`).
fn parse_error_text(e: &ParseError) -> String {
    let mut text = match e.kind() {
        ParseErrorKind::InvalidPctEncodedOctet => "invalid percent-encoded octet at index ",
        ParseErrorKind::UnexpectedChar => "unexpected character at index ",
        ParseErrorKind::InvalidIpv6Addr => "invalid IPv6 address at index ",
    }
    .to_owned();
    crate::text::push_decimal(&mut text, e.index() as u64);
    text
}

/// fluent-uri's words for a resolution error, as its `Display` writes them.
fn resolve_error_text(e: ResolveError) -> &'static str {
    match e {
        ResolveError::BaseWithFragment => "base should not have fragment",
        ResolveError::InvalidReferenceAgainstOpaqueBase => {
            "when base has a rootless path and no authority, reference should either have \
             scheme, be empty or start with '#'"
        }
        ResolveError::PathUnderflow => "underflow occurred in path resolution",
    }
}

/// Whether a URL path has a `.` or `..` segment, also one a server would
/// see after percent-decoding (`%2e%2e`, `.%2E`, `%252e%252e`) or behind an
/// encoded separator (`..%2f`, `..%5c`). RFC 3986 §5.2.4 removes only the
/// plain ones; a server or proxy that decodes first would follow the
/// others out of the path they were meant to stay in.
pub(crate) fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let mut text = segment.to_owned();
        loop {
            if text
                .split(['/', '\\'])
                .any(|part| part == "." || part == "..")
            {
                return true;
            }
            let decoded = percent_decode(&text);
            if decoded == text {
                return false;
            }
            text = decoded;
        }
    })
}

/// `text` with each `%XX` replaced by its octet (invalid UTF-8 replaced).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|_| bytes[i] == b'%')
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(octet) => {
                out.push(octet);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `name` is a DNS name every URL parser reads alike: non-empty
/// labels of ASCII letters, digits, `-` and `_`, the last of which does not
/// look like a number (WHATWG reads `1.2.3`, `0x7f` and `017` as IPv4).
fn is_plain_dns_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    let plain = labels.iter().all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    });
    let numeric = labels.last().is_some_and(|last| {
        last.bytes().all(|b| b.is_ascii_digit())
            || last
                .strip_prefix("0x")
                .or_else(|| last.strip_prefix("0X"))
                .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    plain && !numeric
}

/// `uri` with `/` appended to its path (an endpoint's path follows
/// `scheme://authority` and ends at `?`, `#` or the end).
fn with_slash_after_path(what: &str, uri: &Uri<&str>) -> Result<Uri<String>> {
    let text = uri.as_str();
    let end = uri.scheme().as_str().len()
        + "://".len()
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path().as_str().len();
    Uri::parse([&text[..end], "/", &text[end..]].concat()).map_err(|(e, _)| not_absolute(what, &e))
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for ok in [
            "https://as.example/token",
            "http://127.0.0.1:8080/token",
            "http://127.5.6.7/token",
            "http://[::1]:9000/token",
        ] {
            assert!(Endpoint::parse("token endpoint", ok).is_ok(), "{ok}");
        }
    }

    /// RFC 9700 §2.6, RFC 8252 §7: what a redirect URI may be.
    #[test]
    fn redirect_uris_are_https_loopback_http_or_private_use_schemes() {
        for ok in [
            "https://app.example/cb",
            "https://app.example/cb?tab=2",
            "http://127.0.0.1:8400/callback",
            "http://[::1]:8400/callback",
            "http://localhost:3000/cb",
            "com.example.app:/oauth2redirect",
            "com.example.app://callback",
        ] {
            assert!(check_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://app.example/cb",
            "http://10.0.0.1/cb",
            "http://localhost.evil.example/cb",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "blob:https://app.example/1",
            "about:blank",
            "myapp://callback",
            "https:///cb",
            "https://app.example/cb#frag",
            "/relative/cb",
        ] {
            let error = check_redirect_uri(bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Configuration, "{bad}");
        }
    }

    #[test]
    fn plain_http_elsewhere_and_odd_urls_are_configuration_errors() {
        for bad in [
            "http://as.example/token",
            "http://10.0.0.1/token",
            "http://localhost.evil.example/token",
            // A name may resolve elsewhere (RFC 8252 §8.3): IP literals only.
            "http://localhost:3000/token",
            "http://LOCALHOST/token",
            "ftp://as.example/token",
            "/relative/token",
            "https://as.example/token#frag",
            "https://user:pw@as.example/token",
            // Hosts that HTTP clients read in different ways.
            "https://as%2Eexample/token",
            "https://ap.xbaan%1E%2Ex",
            "https://as.example%2F@evil.example/token",
            "https://as!example/token",
            "https://.0X/token",
            "https://as..example/token",
            "https://0x7f.1/token",
            "https://1.2.3/token",
            "https://as.example:65536/token",
            "https://as.example:99999999999999999999/token",
        ] {
            let error = Endpoint::parse("token endpoint", bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Configuration, "{bad}");
            assert!(!error.message().contains("pw@"), "{bad}");
        }
    }

    #[test]
    fn join_appends_below_the_base() {
        let base = Endpoint::parse("api", "https://api.makini.io/v4").unwrap();
        assert_eq!(
            base.join("api", "sites").unwrap().as_str(),
            "https://api.makini.io/v4/sites"
        );
        assert_eq!(
            base.join("api", "/sites?x=1").unwrap().as_str(),
            "https://api.makini.io/v4/sites?x=1"
        );
        assert!(base.join("api", "http://evil.example/x").is_err());
        assert!(base.join("api", "https://api.makini.io/v4/x").is_err());
    }

    #[test]
    fn dot_segments_are_found_however_they_are_written() {
        for path in [
            "..",
            "/v4/../x",
            "./x",
            "%2e%2e/x",
            "%2E%2e",
            ".%2e",
            "%2e",
            "a/..%2fb",
            "a/%2e%2e%5cb",
            "%252e%252e/x",
            "..%5C",
        ] {
            assert!(has_dot_segment(path), "{path}");
        }
        for path in [
            "",
            "/v4/sites",
            "a/...",
            "a/.b",
            "a%2Fb",
            "%2e%2ex",
            "..x",
            "%zz/%2",
        ] {
            assert!(!has_dot_segment(path), "{path}");
        }
    }

    #[test]
    fn below_a_base_is_below_its_path_as_a_directory() {
        let url = |u: &str| Endpoint::parse("api", u).unwrap();
        for base in ["https://api.as.example/v1", "https://api.as.example/v1/"] {
            let base = url(base);
            assert!(url("https://api.as.example/v1/users").is_under(&base));
            assert!(!url("https://api.as.example/v10/users").is_under(&base));
            assert!(!url("https://api.as.example/other").is_under(&base));
            assert!(!url("https://api.as.example.evil/v1/users").is_under(&base));
            assert!(!url("https://api.as.example:8443/v1/users").is_under(&base));
        }
    }

    #[test]
    fn origins_are_compared_normalised() {
        let origin = |url: &str| Endpoint::parse("api", url).unwrap().origin();
        assert_eq!(
            origin("HTTPS://API.Makini.io:443/v4/"),
            "https://api.makini.io"
        );
        assert_eq!(origin("http://127.0.0.1:8089/x"), "http://127.0.0.1:8089");
        assert_ne!(
            origin("https://api.makini.io:8443/"),
            origin("https://api.makini.io/")
        );
    }
}

//! Provider endpoint URLs and the transport-security rule they obey:
//! HTTPS everywhere, plain HTTP only to a loopback address.

use crate::error::{Error, Result};
use fluent_uri::component::Host;
use fluent_uri::{Uri, UriRef};

/// An absolute provider URL that is `https`, or `http` to a loopback host
/// (`127.0.0.0/8`, `::1`, `localhost`). Read strictly as RFC 3986 writes
/// URIs (`fluent-uri`): nothing is repaired or normalised, so spaces and
/// non-ASCII characters must be percent-encoded and host names given in
/// punycode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(Uri<String>);

impl Endpoint {
    /// Parses and checks an endpoint URL. `what` names it in the error
    /// (e.g. `"token endpoint"`).
    pub fn parse(what: &str, value: &str) -> Result<Endpoint> {
        let uri = Uri::parse(value)
            .map_err(|e| Error::configuration(format!("{what} is not an absolute URL: {e}")))?;
        let scheme = uri.scheme().as_str();
        let Some(authority) = uri.authority() else {
            return Err(Error::configuration(format!("{what} has no host")));
        };
        if scheme.eq_ignore_ascii_case("https") {
        } else if scheme.eq_ignore_ascii_case("http") {
            let loopback = match authority.host_parsed() {
                Host::RegName(name) => name.as_str().eq_ignore_ascii_case("localhost"),
                Host::Ipv4(ip) => ip.is_loopback(),
                Host::Ipv6(ip) => ip.is_loopback(),
                _ => false,
            };
            if !loopback {
                return Err(Error::configuration(format!(
                    "{what} must use https (plain http is allowed only for loopback addresses)"
                )));
            }
        } else {
            return Err(Error::configuration(format!(
                "{what} has scheme \"{scheme}\"; only https is allowed"
            )));
        }
        if authority.host().is_empty() {
            return Err(Error::configuration(format!("{what} has no host")));
        }
        if uri.has_fragment() {
            return Err(Error::configuration(format!(
                "{what} must not have a fragment"
            )));
        }
        if authority.has_userinfo() {
            return Err(Error::configuration(format!(
                "{what} must not carry credentials in the URL"
            )));
        }
        // An empty path is `/` (RFC 9110 §4.2.3), the form requests use.
        if uri.path().is_empty() {
            return with_slash_after_path(what, &uri).map(Endpoint);
        }
        Ok(Endpoint(uri.to_owned()))
    }

    /// The URL as a string.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub(crate) fn uri(&self) -> &Uri<String> {
        &self.0
    }

    /// Resolves `path` against this base: a relative path is appended below
    /// the base (a leading `/` is ignored, so `"sites"` and `"/sites"` both
    /// land under `…/v4/`); an absolute URL must pass the same checks.
    pub(crate) fn join(&self, what: &str, path: &str) -> Result<Endpoint> {
        if path.contains("://") {
            return Endpoint::parse(what, path);
        }
        let cannot = |e: &dyn std::fmt::Display| {
            Error::configuration(format!("{what}: cannot join \"{path}\": {e}"))
        };
        let base = if self.0.path().as_str().ends_with('/') {
            self.0.clone()
        } else {
            with_slash_after_path(what, &self.0.borrow())?
        };
        let reference = UriRef::parse(path.trim_start_matches('/')).map_err(|e| cannot(&e))?;
        let joined = reference.resolve_against(&base).map_err(|e| cannot(&e))?;
        Endpoint::parse(what, joined.as_str())
    }
}

/// `uri` with `/` appended to its path (an endpoint's path follows
/// `scheme://authority` and ends at `?`, `#` or the end).
fn with_slash_after_path(what: &str, uri: &Uri<&str>) -> Result<Uri<String>> {
    let text = uri.as_str();
    let end = uri.scheme().as_str().len()
        + "://".len()
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path().as_str().len();
    Uri::parse(format!("{}/{}", &text[..end], &text[end..]))
        .map_err(|(e, _)| Error::configuration(format!("{what} is not an absolute URL: {e}")))
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
            "http://localhost:3000/token",
        ] {
            assert!(Endpoint::parse("token endpoint", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn plain_http_elsewhere_and_odd_urls_are_configuration_errors() {
        for bad in [
            "http://as.example/token",
            "http://10.0.0.1/token",
            "http://localhost.evil.example/token",
            "ftp://as.example/token",
            "/relative/token",
            "https://as.example/token#frag",
            "https://user:pw@as.example/token",
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
    }
}

//! Provider endpoint URLs and the transport-security rule they obey:
//! HTTPS everywhere, plain HTTP only to a loopback address.

use crate::error::{Error, Result};
use url::{Host, Url};

/// An absolute provider URL that is `https`, or `http` to a loopback host
/// (`127.0.0.0/8`, `::1`, `localhost`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(Url);

impl Endpoint {
    /// Parses and checks an endpoint URL. `what` names it in the error
    /// (e.g. `"token endpoint"`).
    pub fn parse(what: &str, value: &str) -> Result<Endpoint> {
        let url = Url::parse(value)
            .map_err(|e| Error::configuration(format!("{what} is not an absolute URL: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(Error::configuration(format!(
                    "{what} must use https (plain http is allowed only for loopback addresses)"
                )))
            }
            other => {
                return Err(Error::configuration(format!(
                    "{what} has scheme {other:?}; only https is allowed"
                )))
            }
        }
        if url.host().is_none() {
            return Err(Error::configuration(format!("{what} has no host")));
        }
        if url.fragment().is_some() {
            return Err(Error::configuration(format!(
                "{what} must not have a fragment"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::configuration(format!(
                "{what} must not carry credentials in the URL"
            )));
        }
        Ok(Endpoint(url))
    }

    /// The URL as a string.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub(crate) fn url(&self) -> &Url {
        &self.0
    }

    /// Resolves `path` against this base: a relative path is appended below
    /// the base (a leading `/` is ignored, so `"sites"` and `"/sites"` both
    /// land under `…/v4/`); an absolute URL must pass the same checks.
    pub(crate) fn join(&self, what: &str, path: &str) -> Result<Endpoint> {
        if path.contains("://") {
            return Endpoint::parse(what, path);
        }
        let mut base = self.0.clone();
        if !base.path().ends_with('/') {
            let with_slash = format!("{}/", base.path());
            base.set_path(&with_slash);
        }
        let joined = base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::configuration(format!("{what}: cannot join {path:?}: {e}")))?;
        Endpoint::parse(what, joined.as_str())
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
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

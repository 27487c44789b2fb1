//! Resource indicators (RFC 8707): the protected resources a client asks
//! its tokens for, sent as `resource` parameters (one per resource) on the
//! authorization request (§2.1) and on every token request (§2.2: the code
//! exchange, a refresh, client credentials, the password and device code
//! grants), and on the device authorization request, which asks for a
//! grant as an authorization request does.
//!
//! The resources belong to the client, like its default scopes: a grant
//! is made for them, and its code exchange and every refresh name them
//! again, so that the access tokens are audience-restricted to them (§2.2).
//! A per-request set (as [`crate::AuthorizationOptions`] has scopes) would
//! have to travel with the pending authorization and the token set to
//! reach the exchange and the refreshes; a client per set of resources
//! does the same without a new stored format.

use crate::client::{param, Client, Param};
use crate::error::{Error, Result};
use crate::syntax::escape_controls;

impl Client {
    /// Sets the resources the client's tokens are for (RFC 8707 §2): each
    /// is sent as a `resource` parameter on the authorization request and
    /// on every token request. A resource is an absolute URI (RFC 3986
    /// §4.3) without a fragment, as §2 requires; anything else is a
    /// configuration error. A query is allowed: §2 says a resource SHOULD
    /// NOT have one but recognises that some are needed (a query that
    /// scopes an API to a tenant), and refusing them would leave such
    /// servers out; the client sends the URI as given. RFC 8707 §2 asks for
    /// the most specific URI the client can name, typically the API's base
    /// URI (`https://api.example/`).
    pub fn with_resources<I, S>(mut self, resources: I) -> Result<Client>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let resources: Vec<String> = resources.into_iter().map(Into::into).collect();
        for resource in &resources {
            check_resource("resource", resource)?;
        }
        self.resources = resources;
        Ok(self)
    }

    /// The resources the client's tokens are for (RFC 8707), in order.
    pub fn resources(&self) -> &[String] {
        &self.resources
    }

    /// Adds a `resource` parameter for each of the client's resources.
    pub(crate) fn push_resources(&self, params: &mut Vec<Param>) {
        params.extend(self.resources.iter().map(|r| param("resource", r)));
    }
}

/// Checks a resource indicator (RFC 8707 §2; RFC 8693 §2.1 says the same
/// of its `resource`): an absolute URI (RFC 3986 §4.3: a scheme, no
/// fragment). `what` names the parameter in the error.
pub(crate) fn check_resource(what: &str, value: &str) -> Result<()> {
    let uri = fluent_uri::Uri::parse(value).map_err(|_| {
        Error::configuration(
            [
                what,
                " \"",
                &escape_controls(value),
                "\" is not an absolute URI (RFC 8707 §2)",
            ]
            .concat(),
        )
    })?;
    if uri.has_fragment() {
        return Err(Error::configuration(
            [
                what,
                " \"",
                &escape_controls(value),
                "\" has a fragment, which RFC 8707 §2 forbids",
            ]
            .concat(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, Profile};

    fn client() -> Client {
        Client::new(
            Profile::generic(None, "https://as.example/token").unwrap(),
            "c",
        )
    }

    /// RFC 8707 §2.2: a session's refresh names the resources too, so the
    /// renewed token is for the same audience.
    #[test]
    fn a_session_refresh_names_the_resources() {
        let client = client().with_resources(["https://api.example/"]).unwrap();
        let tokens = client
            .parse_token_response(
                crate::GrantType::AuthorizationCode,
                1_000,
                &crate::HttpResponse::new(
                    200,
                    vec![],
                    br#"{"access_token":"at-1","refresh_token":"rt-1","expires_in":60}"#.to_vec(),
                ),
            )
            .unwrap();
        let mut session = crate::Session::new(client, Some(tokens));
        let crate::SessionAction::Send(outgoing) = session.poll_action(1_059) else {
            panic!("the token is due for renewal");
        };
        let body = String::from_utf8(outgoing.request.body.to_vec()).unwrap();
        assert!(
            body.ends_with("&resource=https%3A%2F%2Fapi.example%2F&client_id=c"),
            "{body}"
        );
    }

    #[test]
    fn absolute_uris_without_fragment_are_resources() {
        for good in [
            "https://api.example/",
            "https://api.example/v1?tenant=7",
            "urn:example:inventory",
            "http://localhost:8080/api",
        ] {
            let client = client().with_resources([good]).unwrap();
            assert_eq!(client.resources(), [good.to_owned()]);
        }
    }

    #[test]
    fn relative_fragment_and_malformed_resources_are_configuration_errors() {
        for (bad, why) in [
            ("/api", "absolute URI"),
            ("api.example", "absolute URI"),
            ("", "absolute URI"),
            ("https://api.example/a b", "absolute URI"),
            ("https://api.example/\r\nX: 1", "absolute URI"),
            ("https://api.example/#top", "fragment"),
            ("https://api.example/#", "fragment"),
        ] {
            let error = client().with_resources([bad]).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Configuration, "{bad:?}");
            assert!(error.message().contains(why), "{bad:?}: {error}");
            assert!(!error.message().contains('\n'), "{error}");
        }
    }
}

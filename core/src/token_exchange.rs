//! OAuth 2.0 Token Exchange (RFC 8693): a client hands the token endpoint
//! a token it holds (the subject's, and for delegation an actor's) and gets
//! another for a named target: the request (§2.1) and its answer (§2.2).
//!
//! The answer is an [`IssuedToken`], not a [`crate::TokenSet`]: the token
//! issued need not be an access token (§2.2.1: `access_token` carries
//! whatever was issued, `issued_token_type` says what, and `token_type` is
//! `N_A` when it is no access token), and a token set holds Bearer access
//! tokens only.

use crate::client::{param, Client, Param};
use crate::error::{Error, Result};
use crate::error_response::{body_kind, oauth_error_code};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{Members, Object, Shallow};
use crate::profile::{GrantType, ResponseSource};
use crate::secret::{AccessToken, RefreshToken, SecurityToken};
use crate::syntax::{escape_controls, is_printable, is_refresh_token, is_token68};
use crate::token_response::{scopes_field, seconds_field};
use crate::token_set::BEARER;

/// RFC 8693 §3: an OAuth 2.0 access token.
pub const TOKEN_TYPE_ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
/// RFC 8693 §3: an OAuth 2.0 refresh token.
pub const TOKEN_TYPE_REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";
/// RFC 8693 §3: an OpenID Connect ID token.
pub const TOKEN_TYPE_ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
/// RFC 8693 §3: a base64url-encoded SAML 1.1 assertion.
pub const TOKEN_TYPE_SAML1: &str = "urn:ietf:params:oauth:token-type:saml1";
/// RFC 8693 §3: a base64url-encoded SAML 2.0 assertion.
pub const TOKEN_TYPE_SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";
/// RFC 8693 §3: a JWT (RFC 7519).
pub const TOKEN_TYPE_JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
/// RFC 8693 §2.2.1: the `token_type` of an issued token that is not an
/// access token (and cannot be used as one).
pub const TOKEN_TYPE_NOT_APPLICABLE: &str = "N_A";

/// What a token exchange asks for (RFC 8693 §2.1). Only the subject token
/// and its type are required; set the other fields as needed. The
/// client's own scopes and resources are not sent: an exchange names its
/// own target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenExchange {
    /// The token that represents the party on whose behalf the request is
    /// made (`subject_token`, REQUIRED).
    pub subject_token: SecurityToken,
    /// Its type (`subject_token_type`, REQUIRED): a token type URI such
    /// as [`TOKEN_TYPE_ACCESS_TOKEN`].
    pub subject_token_type: String,
    /// The acting party's token, for delegation (`actor_token`).
    pub actor_token: Option<SecurityToken>,
    /// Its type: required with an actor token, and not sent without one
    /// (§2.1).
    pub actor_token_type: Option<String>,
    /// The type of token wanted (`requested_token_type`); the server
    /// decides when it is `None`.
    pub requested_token_type: Option<String>,
    /// Logical names of the target services (`audience`, one each).
    pub audiences: Vec<String>,
    /// URIs of the target resources (`resource`, one each): absolute,
    /// without a fragment, as RFC 8707's.
    pub resources: Vec<String>,
    /// The scopes wanted (`scope`).
    pub scopes: Vec<String>,
}

impl TokenExchange {
    /// An exchange of `subject_token`, of type `subject_token_type`, with
    /// nothing else asked.
    pub fn new(subject_token: SecurityToken, subject_token_type: impl Into<String>) -> Self {
        TokenExchange {
            subject_token,
            subject_token_type: subject_token_type.into(),
            actor_token: None,
            actor_token_type: None,
            requested_token_type: None,
            audiences: Vec::new(),
            resources: Vec::new(),
            scopes: Vec::new(),
        }
    }

    /// The tokens the request carries: no error may quote them.
    fn secrets(&self) -> [&str; 2] {
        [
            self.subject_token.secret(),
            self.actor_token.as_ref().map_or("", SecurityToken::secret),
        ]
    }
}

/// The token a token exchange issued (RFC 8693 §2.2.1). `Debug` redacts the
/// tokens and shows only the names of extra members.
#[derive(Clone, PartialEq)]
pub struct IssuedToken {
    token: SecurityToken,
    issued_token_type: String,
    token_type: String,
    expires_at: Option<u64>,
    scopes: Option<Vec<String>>,
    refresh_token: Option<RefreshToken>,
    extra: Object,
}

impl IssuedToken {
    /// The issued token (the response's `access_token`, whatever its type).
    pub fn token(&self) -> &SecurityToken {
        &self.token
    }

    /// What the token is (`issued_token_type`): a token type URI such as
    /// [`TOKEN_TYPE_ACCESS_TOKEN`] or [`TOKEN_TYPE_JWT`].
    pub fn issued_token_type(&self) -> &str {
        &self.issued_token_type
    }

    /// How the token is used (`token_type`): `Bearer` (in that spelling,
    /// whatever case the server used), [`TOKEN_TYPE_NOT_APPLICABLE`]
    /// (`N_A`, in that spelling too) for a token that is not an access
    /// token, or another type as the server sent it.
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// The token as a Bearer access token, when it is one (`token_type`
    /// Bearer): only then may it go into an `Authorization: Bearer`
    /// header. `None` for `N_A` and for other token types (DPoP and the
    /// like, which a Bearer request would misuse).
    pub fn access_token(&self) -> Option<AccessToken> {
        (self.token_type == BEARER).then(|| AccessToken::new(self.token.secret()))
    }

    /// When the token expires (Unix seconds, our clock), from `expires_in`.
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }

    /// The token's scopes: the response's `scope`, or when it sent none
    /// the scopes requested (§2.2.1: `scope` may be left out only when it
    /// is the requested one); `None` when neither names any.
    pub fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }

    /// The refresh token, if one was issued.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The response's other members (`act`, a server's own).
    pub fn extra(&self) -> &Object {
        &self.extra
    }
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &self.token)
            .field("issued_token_type", &self.issued_token_type)
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("refresh_token", &self.refresh_token)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Checks a token type identifier (RFC 8693 §3: a URI) a request sends.
fn check_token_type(what: &str, value: &str) -> Result<()> {
    if fluent_uri::Uri::parse(value).is_ok() {
        return Ok(());
    }
    Err(Error::configuration(format!(
        "{what} \"{}\" is not a token type URI (RFC 8693 §3), such as {TOKEN_TYPE_ACCESS_TOKEN}",
        escape_controls(value)
    )))
}

impl Client {
    /// A token exchange (RFC 8693 §2.1) at the token endpoint, with the
    /// client's authentication as every token request has it. A
    /// configuration error when a required value is missing, the actor
    /// token and its type do not go together, a token type is not a URI,
    /// a resource is not an absolute URI without a fragment, an audience
    /// is empty or a scope outside RFC 6749 §3.3.
    pub fn token_exchange_request(&self, exchange: &TokenExchange) -> Result<HttpRequest> {
        if exchange.subject_token.secret().is_empty() {
            return Err(Error::configuration(
                "subject_token is empty (RFC 8693 §2.1: REQUIRED)",
            ));
        }
        check_token_type("subject_token_type", &exchange.subject_token_type)?;
        let mut params: Vec<Param> = vec![
            param("subject_token", exchange.subject_token.secret()),
            param("subject_token_type", &exchange.subject_token_type),
        ];
        match (&exchange.actor_token, &exchange.actor_token_type) {
            (Some(token), Some(token_type)) if !token.secret().is_empty() => {
                check_token_type("actor_token_type", token_type)?;
                params.push(param("actor_token", token.secret()));
                params.push(param("actor_token_type", token_type));
            }
            (None, None) => {}
            (Some(_), _) => {
                return Err(Error::configuration(
                    "an actor_token needs its actor_token_type, and may not be empty \
                     (RFC 8693 §2.1)",
                ))
            }
            (None, Some(_)) => {
                return Err(Error::configuration(
                    "actor_token_type without an actor_token (RFC 8693 §2.1: it MUST NOT be \
                     sent then)",
                ))
            }
        }
        if let Some(requested) = &exchange.requested_token_type {
            check_token_type("requested_token_type", requested)?;
            params.push(param("requested_token_type", requested));
        }
        for audience in &exchange.audiences {
            if !is_printable(audience) {
                return Err(Error::configuration(
                    "an audience is empty or has a control character (RFC 8693 §2.1)",
                ));
            }
            params.push(param("audience", audience));
        }
        if let Some(scope) = Client::scope_param(&exchange.scopes)? {
            params.push(param("scope", &scope));
        }
        for resource in &exchange.resources {
            crate::resource::check_resource("resource", resource)?;
            params.push(param("resource", resource));
        }
        self.grant_request(GrantType::TokenExchange, params)
    }

    /// Reads the token endpoint's answer to `exchange` (RFC 8693 §2.2),
    /// received at `now`. Required: `access_token` (the issued token),
    /// `issued_token_type` (a URI) and `token_type`; a Bearer token must be
    /// a `b64token` (RFC 6750 §2.1: it goes into a header), any other
    /// printable ASCII. An error (§2.2.2: `invalid_request` for a subject
    /// or actor token the server does not accept, `invalid_target` for a
    /// target it will not issue for, read as
    /// [`crate::ErrorKind::InvalidScope`] with the provider's code kept)
    /// never quotes the tokens the request carried.
    pub fn parse_token_exchange_response(
        &self,
        exchange: &TokenExchange,
        now: u64,
        response: &HttpResponse,
    ) -> Result<IssuedToken> {
        self.read_issued_token(exchange, now, response)
            .map_err(|error| error.without(&exchange.secrets()))
    }

    fn read_issued_token(
        &self,
        exchange: &TokenExchange,
        now: u64,
        response: &HttpResponse,
    ) -> Result<IssuedToken> {
        let source = ResponseSource::Token(GrantType::TokenExchange);
        if !(200..300).contains(&response.status) {
            return Err(self.error_from_response(source, now, response));
        }
        let Some(mut body) = Members::parse(&response.body) else {
            return Err(Error::invalid_response(format!(
                "the token exchange response (status {}) is {}",
                response.status,
                body_kind(response)
            ))
            .with_status(response.status));
        };
        if oauth_error_code(&body).is_some() {
            return Err(self.error_from_response(source, now, response));
        }
        let status = response.status;
        let invalid = |message: &'static str| Error::invalid_response(message).with_status(status);
        let issued_token_type = match body.remove("issued_token_type") {
            Some(Shallow::String(t)) if fluent_uri::Uri::parse(&*t).is_ok() => t.into_owned(),
            Some(_) => {
                return Err(invalid(
                    "issued_token_type is not a token type URI (RFC 8693 §3)",
                ))
            }
            None => {
                return Err(invalid(
                    "the token exchange response has no issued_token_type (RFC 8693 §2.2.1: \
                     REQUIRED)",
                ))
            }
        };
        let token_type = match body.remove("token_type") {
            Some(Shallow::String(t)) if t.eq_ignore_ascii_case(BEARER) => BEARER.to_owned(),
            Some(Shallow::String(t)) if t.eq_ignore_ascii_case(TOKEN_TYPE_NOT_APPLICABLE) => {
                TOKEN_TYPE_NOT_APPLICABLE.to_owned()
            }
            // RFC 6749 A.13 `type-name = 1*name-char`.
            Some(Shallow::String(t))
                if !t.is_empty()
                    && t.len() <= 64
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)) =>
            {
                t.into_owned()
            }
            Some(_) => return Err(invalid("token_type is not a token type name")),
            None => {
                return Err(invalid(
                    "the token exchange response has no token_type (RFC 8693 §2.2.1: REQUIRED)",
                ))
            }
        };
        let token =
            match body.remove("access_token") {
                Some(Shallow::String(t)) => SecurityToken::new(t.into_owned()),
                Some(_) => return Err(invalid("access_token is not a string")),
                None => return Err(invalid(
                    "the token exchange response has no access_token (RFC 8693 §2.2.1: REQUIRED)",
                )),
            };
        let fits = if token_type == BEARER {
            is_token68(token.secret())
        } else {
            is_refresh_token(token.secret())
        };
        if !fits {
            return Err(invalid(if token_type == BEARER {
                "access_token has characters outside the RFC 6750 b64token syntax"
            } else {
                "access_token is empty or not printable ASCII"
            }));
        }
        let refresh_token = match body.remove("refresh_token") {
            None | Some(Shallow::Null) => None,
            Some(Shallow::String(t)) if is_refresh_token(&t) => {
                Some(RefreshToken::new(t.into_owned()))
            }
            Some(other) => {
                crate::json::wipe(other);
                return Err(invalid(
                    "refresh_token has characters outside the RFC 6749 VSCHAR syntax",
                ));
            }
        };
        let expires_in = seconds_field("expires_in", body.get("expires_in"))
            .map_err(|e| e.with_status(status))?;
        let scopes = scopes_field("scope", body.get("scope")).map_err(|e| e.with_status(status))?;
        let requested = (!exchange.scopes.is_empty()).then(|| exchange.scopes.clone());
        Ok(IssuedToken {
            token,
            issued_token_type,
            token_type,
            expires_at: expires_in.map(|seconds| now.saturating_add(seconds)),
            scopes: scopes.or(requested),
            refresh_token,
            extra: body.into_object(&["expires_in", "scope"]),
        })
    }
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

    fn exchange() -> TokenExchange {
        TokenExchange::new(
            SecurityToken::new("subject-secret-123"),
            TOKEN_TYPE_ACCESS_TOKEN,
        )
    }

    fn issued(body: &str) -> IssuedToken {
        let response = HttpResponse::new(200, vec![], body.as_bytes().to_vec());
        client()
            .parse_token_exchange_response(&exchange(), 1_000, &response)
            .unwrap()
    }

    #[test]
    fn debug_shows_no_token() {
        let token = issued(
            r#"{"access_token":"issued-secret-1","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","refresh_token":"refresh-secret-1","act":{"sub":"x"}}"#,
        );
        let shown = format!("{token:?} {:?}", exchange());
        assert!(!shown.contains("secret-"), "{shown}");
        assert!(shown.contains("act"), "{shown}");
        assert_eq!(token.access_token().unwrap().secret(), "issued-secret-1");
    }

    /// §2.2.1: `N_A` says the token is no access token: it is never handed
    /// out as one.
    #[test]
    fn a_token_of_type_n_a_is_no_access_token() {
        let token = issued(
            r#"{"access_token":"eyJ.eyJ.sig","issued_token_type":"urn:ietf:params:oauth:token-type:id_token","token_type":"N_A"}"#,
        );
        assert_eq!(token.token_type(), TOKEN_TYPE_NOT_APPLICABLE);
        assert!(token.access_token().is_none());
        assert_eq!(token.token().secret(), "eyJ.eyJ.sig");
    }

    #[test]
    fn a_repeated_member_is_refused() {
        let response = HttpResponse::new(
            200,
            vec![],
            br#"{"access_token":"a","access_token":"b","issued_token_type":"urn:x","token_type":"Bearer"}"#.to_vec(),
        );
        let error = client()
            .parse_token_exchange_response(&exchange(), 1_000, &response)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    }

    /// The grant is a grant of its own, with its own name, and no grant a
    /// client starts with.
    #[test]
    fn token_exchange_is_a_grant_type() {
        let grant = GrantType::parse("urn:ietf:params:oauth:grant-type:token-exchange");
        assert_eq!(grant, Some(GrantType::TokenExchange));
        let profile = Profile::generic(None, "https://as.example/token").unwrap();
        assert!(profile.with_grant(GrantType::TokenExchange).is_err());
    }
}

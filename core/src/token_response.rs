//! Parsing token responses (RFC 6749 §5.1) into a [`TokenSet`], tolerant
//! once for every provider where tolerance is harmless: `expires_in` as a
//! number, a numeric string or Makini's absolute timestamp; MakeShift's
//! `created_at`; no `token_type`; `token_type` in any case; `scope` as a
//! string or a list; unknown fields kept; an error sent with status 200.
//! Strict where a value is sent on or printed: tokens, scopes and the token
//! type follow RFC 6749 Appendix A / RFC 6750 §2.1, and a token type other
//! than Bearer is refused (RFC 6749 §7.1).

use crate::client::Client;
use crate::clock::{server_skew, to_local, to_server};
use crate::error::{Action, Error, Result};
use crate::error_response::body_kind;
use crate::http::HttpResponse;
use crate::json::{self, number_text, whole_seconds, Object, Shallow, Value};
use crate::profile::{ExpiryRule, GrantType, ResponseSource};
use crate::secret::RefreshToken;
use crate::syntax::is_error_text;
use crate::syntax::is_scope_token;
use crate::token_set::{access_token_of, check_tokens, token_type_of, TokenSet, BEARER};

/// Absolute timestamps below this (2001-09-09) cannot be expiry dates, so
/// a provider profiled as sending timestamps is taken to have sent seconds.
const EARLIEST_TIMESTAMP: u64 = 1_000_000_000;

/// A token response's members, read in one pass: those the token set holds
/// in typed form, and the rest, built whole, for `extra`.
#[derive(Default)]
struct TokenMembers<'a> {
    access_token: Option<Shallow<'a>>,
    token_type: Option<Shallow<'a>>,
    refresh_token: Option<Shallow<'a>>,
    expires_in: Option<Shallow<'a>>,
    refresh_expires_in: Option<Shallow<'a>>,
    scope: Option<Shallow<'a>>,
    created_at: Option<Shallow<'a>>,
    #[cfg(feature = "openid-claims")]
    id_token: Option<Shallow<'a>>,
    extra: Object,
}

impl<'a> TokenMembers<'a> {
    /// Reads a body that must be a JSON object; `None` as
    /// [`crate::json::parse_object`] would refuse it (a repeated member
    /// name included).
    fn read(body: &'a [u8]) -> Option<TokenMembers<'a>> {
        let mut members = TokenMembers::default();
        json::read_object(body, &mut |name, value| {
            let slot = match &*name {
                "access_token" => &mut members.access_token,
                "token_type" => &mut members.token_type,
                "refresh_token" => &mut members.refresh_token,
                "expires_in" => &mut members.expires_in,
                "refresh_expires_in" => &mut members.refresh_expires_in,
                "scope" => &mut members.scope,
                "created_at" => &mut members.created_at,
                #[cfg(feature = "openid-claims")]
                "id_token" => &mut members.id_token,
                _ => {
                    let name = name.into_owned();
                    return members
                        .extra
                        .insert(name, value.into_value())
                        .is_none()
                        .then_some(());
                }
            };
            json::fill(slot, value)
        })?;
        Some(members)
    }

    /// The RFC 6749 error code, if the body has one: `error` as a string of
    /// the §5.2 syntax (`1*NQSCHAR`), as `oauth_error_code` reads it.
    fn error_code(&self) -> Option<&str> {
        match self.extra.get("error") {
            Some(Value::String(code)) if is_error_text(code) => Some(code),
            _ => None,
        }
    }
}

impl Drop for TokenMembers<'_> {
    /// Wipes any token the reader had to copy (it had escapes).
    fn drop(&mut self) {
        #[cfg(feature = "openid-claims")]
        self.id_token.take().map(json::wipe);
        for slot in [&mut self.access_token, &mut self.refresh_token] {
            slot.take().map(json::wipe);
        }
    }
}

impl Client {
    /// Parses the token endpoint's answer to `grant`, received at `now`.
    ///
    /// For a refresh, prefer [`Client::parse_refresh_response`], which keeps
    /// the old refresh token when a non-rotating provider sends none.
    pub fn parse_token_response(
        &self,
        grant: GrantType,
        now: u64,
        response: &HttpResponse,
    ) -> Result<TokenSet> {
        let source = ResponseSource::Token(grant);
        if !(200..300).contains(&response.status) {
            return Err(self.error_from_response(source, now, response));
        }
        let Some(body) = TokenMembers::read(&response.body) else {
            let mut message = "the token response (status ".to_owned();
            crate::text::push_decimal(&mut message, u64::from(response.status));
            message.push_str(") is ");
            message.push_str(body_kind(response));
            return Err(Error::invalid_response(message).with_status(response.status));
        };
        if body.error_code().is_some() {
            return Err(self.error_from_response(source, now, response));
        }
        let skew = server_skew(response, now);
        self.token_set_from(body, now, skew)
            .map_err(|e| e.with_status(response.status))
    }

    /// Parses a refresh response and carries over what a refresh does not
    /// repeat: the old refresh token when the provider does not rotate and
    /// sent none (RFC 6749 §6), the scopes when none are given, and the
    /// history: the answer is `previous`'s successor.
    pub fn parse_refresh_response(
        &self,
        now: u64,
        response: &HttpResponse,
        previous: &TokenSet,
    ) -> Result<TokenSet> {
        let mut tokens = self
            .parse_token_response(GrantType::RefreshToken, now, response)
            .map_err(|error| {
                // The tokens this refresh sent: a provider may echo them.
                let sent = [
                    previous.access_token.secret(),
                    previous.refresh_token.as_ref().map_or("", |t| t.secret()),
                ];
                error.without(&sent)
            })?;
        // OpenID Connect Core 1.0 §12.2: a refresh response may leave the
        // ID token out; the one of the login still names the user.
        #[cfg(feature = "openid-claims")]
        if tokens.id_token.is_none() {
            tokens.id_token = previous.id_token.clone();
        }
        if tokens.refresh_token.is_none() && !self.profile().refresh_rotates() {
            tokens.refresh_token = previous.refresh_token.clone();
            tokens.refresh_expires_at = previous.refresh_expires_at;
        }
        if tokens.scopes.is_none() {
            tokens.scopes = previous.scopes.clone();
        }
        tokens.continue_from(previous);
        Ok(tokens)
    }

    fn token_set_from(&self, mut body: TokenMembers<'_>, now: u64, skew: i64) -> Result<TokenSet> {
        let access_token = match &body.access_token {
            Some(Shallow::String(token)) if !token.is_empty() => &**token,
            Some(_) => {
                return Err(Error::invalid_response(
                    "access_token is not a non-empty string",
                ))
            }
            None => {
                return Err(Error::invalid_response(
                    "the token response has no access_token",
                ))
            }
        };
        let token_type = match &body.token_type {
            None | Some(Shallow::Null) => BEARER,
            // RFC 9449 §5: DPoP when the client proved a key. A server
            // that ignored the proof issues Bearer, which is used as such
            // (§5 lets the client discard it; it stays what it is).
            Some(Shallow::String(t)) => token_type_of(t, self.uses_dpop_proofs())
                .map_err(|e| Error::invalid_response(e).with_action(Action::FixConfiguration))?,
            Some(_) => return Err(Error::invalid_response("token_type is not a string")),
        };
        let refresh_token = match &body.refresh_token {
            None | Some(Shallow::Null) => None,
            Some(Shallow::String(t)) if !t.is_empty() => Some(&**t),
            Some(Shallow::String(_)) => None,
            Some(_) => return Err(Error::invalid_response("refresh_token is not a string")),
        };
        check_tokens(access_token, refresh_token).map_err(Error::invalid_response)?;
        let access_token = access_token_of(access_token, token_type);
        let refresh_token = refresh_token.map(RefreshToken::new);
        let expires_in = seconds_field("expires_in", body.expires_in.as_ref())?;
        let created_at = seconds_field("created_at", body.created_at.as_ref())?;
        let refresh_expires_in =
            seconds_field("refresh_expires_in", body.refresh_expires_in.as_ref())?;
        let scopes = scopes_field("scope", body.scope.as_ref())?;

        let lifetimes = self.profile().lifetimes();
        let expires_at = match (self.profile().expiry(), expires_in, created_at) {
            (ExpiryRule::AbsoluteTimestamp, Some(at), _) if at >= EARLIEST_TIMESTAMP => {
                Some(to_local(at, skew))
            }
            (ExpiryRule::CreatedAtPlusLifetime, None, Some(created)) => lifetimes
                .access
                .map(|lifetime| to_local(created, skew).saturating_add(lifetime)),
            (_, Some(seconds), _) => Some(now.saturating_add(seconds)),
            (_, None, _) => lifetimes
                .access
                .map(|lifetime| now.saturating_add(lifetime)),
        };
        let refresh_expires_at = match (&refresh_token, refresh_expires_in) {
            (None, _) => None,
            (Some(_), Some(seconds)) => Some(now.saturating_add(seconds)),
            (Some(_), None) => lifetimes
                .refresh
                .map(|lifetime| now.saturating_add(lifetime)),
        };

        Ok(TokenSet {
            access_token,
            refresh_token,
            issued_at: now,
            expires_at,
            refresh_expires_at,
            scopes,
            clock_skew: skew,
            // A grant of its own; a renewal's caller continues the history
            // of the set it renewed (`TokenSet::continue_from`).
            authorized_at: to_server(now, skew),
            renewals: 0,
            #[cfg(feature = "openid-claims")]
            id_token: id_token_of(body.id_token.take())?,
            extra: std::mem::take(&mut body.extra),
        })
    }
}

/// The `id_token` of a token response (OpenID Connect Core 1.0 §3.1.3.3),
/// kept apart from the members kept as `extra`: it is a secret.
/// Validating it needs the provider's keys (or, received from the token
/// endpoint over TLS, its claims only): see `crate::IdTokenCheck`.
#[cfg(feature = "openid-claims")]
fn id_token_of(value: Option<Shallow<'_>>) -> Result<Option<crate::secret::IdToken>> {
    match value {
        None | Some(Shallow::Null) => Ok(None),
        Some(Shallow::String(token)) => Ok(Some(crate::secret::IdToken::new(token.into_owned()))),
        Some(_) => Err(Error::invalid_response("id_token is not a string")),
    }
}

/// The `id_token` member of `extra`, taken out (a token set stored before
/// authflow read ID tokens kept it there). `extra` is rebuilt without it
/// rather than removed from: no map removal code for the browser package.
#[cfg(feature = "openid-claims")]
pub(crate) fn take_id_token(
    extra: &mut crate::json::Object,
) -> Result<Option<crate::secret::IdToken>> {
    if !extra.contains_key("id_token") {
        return Ok(None);
    }
    let mut taken = None;
    let mut rest = crate::json::Object::new();
    for (name, value) in std::mem::take(extra) {
        if name == "id_token" {
            taken = Some(value);
        } else {
            rest.insert(name, value);
        }
    }
    *extra = rest;
    match taken {
        None | Some(crate::json::Value::Null) => Ok(None),
        Some(crate::json::Value::String(token)) => Ok(Some(crate::secret::IdToken::new(token))),
        Some(_) => Err(Error::invalid_response("id_token is not a string")),
    }
}

/// A non-negative number of seconds (or a Unix time), sent as a JSON
/// number (integer or float) or a numeric string.
pub(crate) fn seconds_field(name: &str, value: Option<&Shallow>) -> Result<Option<u64>> {
    let invalid = || Error::invalid_response([name, " is not a number of seconds"].concat());
    match value {
        None | Some(Shallow::Null) => Ok(None),
        // A negative lifetime: already expired (0); fractions dropped.
        Some(Shallow::Number(n)) => Ok(Some(whole_seconds(n))),
        Some(Shallow::String(s)) => number_text(s.trim())
            .map(|n| Some(whole_seconds(n)))
            .ok_or_else(invalid),
        Some(_) => Err(invalid()),
    }
}

/// Scopes as a space-separated string (RFC 6749 §3.3) or a list of
/// strings, each scope of the A.4 syntax (`1*NQCHAR`: no control
/// character, no `"` or `\`, ASCII only). Extra spaces between scopes
/// are tolerated; an empty string is no scope.
pub(crate) fn scopes_field(name: &str, value: Option<&Shallow>) -> Result<Option<Vec<String>>> {
    let scopes: Vec<String> = match value {
        None | Some(Shallow::Null) => return Ok(None),
        Some(Shallow::String(s)) => s
            .split(' ')
            .filter(|scope| !scope.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(list @ Shallow::Array(_)) => list
            .items()
            .unwrap_or_default()
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| Error::invalid_response("scope list holds a non-string"))
            })
            .collect::<Result<Vec<_>>>()?,
        Some(_) => {
            return Err(Error::invalid_response(
                "scope is neither a string nor a list",
            ))
        }
    };
    if scopes.iter().all(|scope| is_scope_token(scope)) {
        Ok(Some(scopes))
    } else {
        Err(Error::invalid_response(
            [name, " holds a scope outside the RFC 6749 §3.3 syntax"].concat(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, Profile};

    fn parse(body: &str) -> Result<TokenSet> {
        let client = Client::new(
            Profile::generic(None, "https://as.example/token").unwrap(),
            "client-1",
        );
        let response = HttpResponse::new(200, vec![], body.as_bytes().to_vec());
        client.parse_token_response(GrantType::ClientCredentials, 1_000, &response)
    }

    /// The one-pass reader refuses a repeated member whether the token set
    /// holds it or keeps it in `extra`, under any spelling of its name.
    #[test]
    fn a_repeated_member_is_refused_known_or_not() {
        for body in [
            r#"{"access_token":"at-1","expires_in":1,"expires_in":2}"#,
            r#"{"access_token":"at-1","\u0061ccess_token":"at-2"}"#,
            r#"{"access_token":"at-1","user":1,"user":2}"#,
            r#"{"access_token":"at-1","user":{"id":1,"id":2}}"#,
        ] {
            let error = parse(body).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{body}");
        }
    }

    /// `error` is no member of the set: an RFC 6749 code makes the answer
    /// an error (status 200 or not); anything else stays in `extra`.
    #[test]
    fn error_is_an_error_code_or_an_extra_member() {
        let error = parse(r#"{"error":"invalid_grant","access_token":"at-1"}"#).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidGrant);
        let tokens = parse(r#"{"access_token":"at\/1","error":7,"user":{"id":1}}"#).unwrap();
        assert_eq!(tokens.access_token().secret(), "at/1");
        let extra = crate::json::object_to_json(tokens.extra());
        assert_eq!(extra, r#"{"error":7,"user":{"id":1}}"#);
    }
}

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
use crate::error_response::{body_kind, json_object, oauth_error_code};
use crate::http::HttpResponse;
use crate::json::{number_text, whole_seconds, Members, Shallow};
use crate::profile::{ExpiryRule, GrantType, ResponseSource};
use crate::secret::{AccessToken, RefreshToken};
use crate::syntax::is_scope_token;
use crate::token_set::{bearer_token_type, check_tokens, TokenSet, BEARER};

/// Absolute timestamps below this (2001-09-09) cannot be expiry dates, so
/// a provider profiled as sending timestamps is taken to have sent seconds.
const EARLIEST_TIMESTAMP: u64 = 1_000_000_000;

/// Fields the token set holds in typed form; the rest go to `extra`.
const KNOWN_FIELDS: [&str; 7] = [
    "access_token",
    "token_type",
    "refresh_token",
    "expires_in",
    "refresh_expires_in",
    "scope",
    "created_at",
];

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
        let Some(body) = json_object(response) else {
            return Err(Error::invalid_response(format!(
                "the token response (status {}) is {}",
                response.status,
                body_kind(response)
            ))
            .with_status(response.status));
        };
        if oauth_error_code(&body).is_some() {
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

    fn token_set_from(&self, body: Members<'_>, now: u64, skew: i64) -> Result<TokenSet> {
        let access_token = match body.get("access_token") {
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
        let token_type = match body.get("token_type") {
            None | Some(Shallow::Null) => BEARER,
            Some(Shallow::String(t)) => bearer_token_type(t)
                .map_err(|e| Error::invalid_response(e).with_action(Action::FixConfiguration))?,
            Some(_) => return Err(Error::invalid_response("token_type is not a string")),
        };
        let refresh_token = match body.get("refresh_token") {
            None | Some(Shallow::Null) => None,
            Some(Shallow::String(t)) if !t.is_empty() => Some(&**t),
            Some(Shallow::String(_)) => None,
            Some(_) => return Err(Error::invalid_response("refresh_token is not a string")),
        };
        check_tokens(access_token, refresh_token).map_err(Error::invalid_response)?;
        let access_token = AccessToken::new(access_token);
        let refresh_token = refresh_token.map(RefreshToken::new);
        let expires_in = seconds_field(&body, "expires_in")?;
        let created_at = seconds_field(&body, "created_at")?;
        let refresh_expires_in = seconds_field(&body, "refresh_expires_in")?;
        let scopes = scopes_field(&body, "scope")?;

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
            token_type,
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
            // Any copy of a token the reader made is wiped, not kept.
            extra: body.into_object(&KNOWN_FIELDS),
        })
    }
}

/// A non-negative number of seconds (or a Unix time), sent as a JSON
/// number (integer or float) or a numeric string.
pub(crate) fn seconds_field(body: &Members, name: &str) -> Result<Option<u64>> {
    let invalid = || Error::invalid_response(format!("{name} is not a number of seconds"));
    match body.get(name) {
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
pub(crate) fn scopes_field(body: &Members, name: &str) -> Result<Option<Vec<String>>> {
    let scopes: Vec<String> = match body.get(name) {
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
        Err(Error::invalid_response(format!(
            "{name} holds a scope outside the RFC 6749 §3.3 syntax"
        )))
    }
}

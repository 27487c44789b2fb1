//! The token set: tokens with absolute times, in our clock, so that it
//! survives being saved and loaded again.

use crate::error::{Error, ErrorKind, Result};
use crate::json::{self, BadMember, Object, ObjectReader, ObjectWriter};
use crate::secret::{AccessToken, RefreshToken};
use crate::syntax::{is_refresh_token, is_scope_token, is_token68};
use zeroize::Zeroizing;

/// The version written in [`TokenSet::to_json`].
const FORMAT_VERSION: u32 = 1;

/// The one token type this client can use (RFC 6750).
pub(crate) const BEARER: &str = "Bearer";

/// The token type a `token_type` value names, if this client can use it:
/// Bearer in any case (RFC 6749 §5.1). RFC 6749 §7.1: a client MUST NOT
/// use a token whose type it does not understand, so any other (`DPoP`,
/// `MAC`, `N_A`, ...) is refused rather than sent as a bearer token.
pub(crate) fn bearer_token_type(value: &str) -> std::result::Result<&'static str, String> {
    if value.eq_ignore_ascii_case(BEARER) {
        return Ok(BEARER);
    }
    // RFC 6749 A.13 `type-name = 1*name-char`: safe to show in a message.
    let type_name = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
    Err(if type_name {
        format!("the token type \"{value}\" is not one this client can use (only Bearer)")
    } else {
        "token_type is not a token type name".to_owned()
    })
}

/// Checks the tokens' syntax wherever a token set comes from: the access
/// token is a `b64token` (RFC 6750 §2.1; it goes into an `Authorization`
/// header, so a line break would inject a header), the refresh token
/// `1*VSCHAR` (RFC 6749 A.17). The message names the token, never its value.
pub(crate) fn check_tokens(
    access_token: &str,
    refresh_token: Option<&str>,
) -> std::result::Result<(), &'static str> {
    if !is_token68(access_token) {
        return Err("access_token has characters outside the RFC 6750 b64token syntax");
    }
    if refresh_token.is_some_and(|t| !is_refresh_token(t)) {
        return Err("refresh_token has characters outside the RFC 6749 VSCHAR syntax");
    }
    Ok(())
}

/// Tokens from one token response, with absolute expiry times (Unix
/// seconds, our clock). `Debug` redacts the tokens and shows only the names
/// of extra fields.
#[derive(Clone, PartialEq)]
pub struct TokenSet {
    pub(crate) access_token: AccessToken,
    pub(crate) token_type: String,
    pub(crate) refresh_token: Option<RefreshToken>,
    pub(crate) issued_at: u64,
    pub(crate) expires_at: Option<u64>,
    pub(crate) refresh_expires_at: Option<u64>,
    pub(crate) scopes: Option<Vec<String>>,
    pub(crate) clock_skew: i64,
    pub(crate) extra: Object,
}

impl TokenSet {
    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    /// The token type, `Bearer` for every bearer token whatever its case on the wire.
    pub fn token_type(&self) -> &str {
        &self.token_type
    }
    /// The refresh token, if any.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    /// When the response was received (Unix seconds).
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }
    /// When the access token expires (Unix seconds, our clock); `None` if unknown.
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }
    /// When the refresh token expires, if known.
    pub fn refresh_expires_at(&self) -> Option<u64> {
        self.refresh_expires_at
    }
    /// The granted scopes, if the response said.
    pub fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }
    /// How far the server's clock was ahead of ours when the tokens were issued.
    pub fn clock_skew(&self) -> i64 {
        self.clock_skew
    }
    /// Response fields authflow does not interpret (e.g. MakeShift's `user`, `id_token`).
    pub fn extra(&self) -> &Object {
        &self.extra
    }
    /// Whether the access token is unexpired at `now` (an unknown expiry counts as valid).
    pub fn is_access_valid(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
    /// Whether a refresh token is held and unexpired at `now`.
    pub fn can_refresh(&self, now: u64) -> bool {
        self.refresh_token.is_some() && self.refresh_expires_at.is_none_or(|at| now < at)
    }

    /// The versioned JSON form for storage. It contains the tokens: store it
    /// as a secret (encrypted at rest, never logged).
    pub fn to_json(&self) -> Zeroizing<String> {
        let access_token = self.access_token.secret();
        let refresh_token = self.refresh_token.as_ref().map(|t| t.secret());
        // Room for the tokens escaped and the rest, so that the buffer
        // holding them is written once and wiped once.
        let capacity = 2 * (access_token.len() + refresh_token.map_or(0, str::len)) + 256;
        let mut json = ObjectWriter::with_capacity(capacity);
        json.integer("v", u64::from(FORMAT_VERSION))
            .string("access_token", access_token)
            .string("token_type", &self.token_type);
        if let Some(refresh_token) = refresh_token {
            json.string("refresh_token", refresh_token);
        }
        json.integer("issued_at", self.issued_at);
        if let Some(at) = self.expires_at {
            json.integer("expires_at", at);
        }
        if let Some(at) = self.refresh_expires_at {
            json.integer("refresh_expires_at", at);
        }
        if let Some(scopes) = &self.scopes {
            json.strings("scopes", scopes);
        }
        json.integer("clock_skew", self.clock_skew);
        if !self.extra.is_empty() {
            json.object("extra", &self.extra);
        }
        Zeroizing::new(json.finish())
    }

    /// Reads the form [`TokenSet::to_json`] wrote.
    pub fn from_json(json: &str) -> Result<TokenSet> {
        let object = json::parse_object(json.as_bytes()).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidStoredValue,
                "token set: not a JSON object",
            )
        })?;
        let mut stored = ObjectReader(object);
        let bad = |BadMember(name)| {
            Error::new(
                ErrorKind::InvalidStoredValue,
                format!("token set: {name} is missing or of the wrong type"),
            )
        };
        let version: u64 = stored.required("v", ObjectReader::integer).map_err(bad)?;
        if version != u64::from(FORMAT_VERSION) {
            return Err(Error::new(
                ErrorKind::InvalidStoredValue,
                format!("token set: unknown format version {version}"),
            ));
        }
        let access_token = Zeroizing::new(
            stored
                .required("access_token", ObjectReader::string)
                .map_err(bad)?,
        );
        let refresh_token = stored
            .string("refresh_token")
            .map_err(bad)?
            .map(Zeroizing::new);
        let invalid =
            |what: String| Error::new(ErrorKind::InvalidStoredValue, format!("token set: {what}"));
        check_tokens(&access_token, refresh_token.as_deref().map(String::as_str))
            .map_err(|e| invalid(e.to_owned()))?;
        let token_type = stored
            .required("token_type", ObjectReader::string)
            .map_err(bad)?;
        let token_type = bearer_token_type(&token_type).map_err(invalid)?;
        let scopes = stored.strings("scopes").map_err(bad)?;
        if scopes.iter().flatten().any(|scope| !is_scope_token(scope)) {
            return Err(invalid(
                "scopes holds a scope outside the RFC 6749 §3.3 syntax".to_owned(),
            ));
        }
        Ok(TokenSet {
            access_token: AccessToken::new(access_token.as_str()),
            token_type: token_type.to_owned(),
            refresh_token: refresh_token.map(|t| RefreshToken::new(t.as_str())),
            issued_at: stored
                .required("issued_at", ObjectReader::integer)
                .map_err(bad)?,
            expires_at: stored.integer("expires_at").map_err(bad)?,
            refresh_expires_at: stored.integer("refresh_expires_at").map_err(bad)?,
            scopes,
            clock_skew: stored.integer("clock_skew").map_err(bad)?.unwrap_or(0),
            extra: stored.object("extra").map_err(bad)?.unwrap_or_default(),
        })
    }
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("refresh_token", &self.refresh_token)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("scopes", &self.scopes)
            .field("clock_skew", &self.clock_skew)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TokenSet {
        let extra = json::parse_object(br#"{"user":{"id":7443}}"#).unwrap();
        TokenSet {
            access_token: AccessToken::new("at-secret-1"),
            token_type: "Bearer".into(),
            refresh_token: Some(RefreshToken::new("rt-secret-1")),
            issued_at: 100,
            expires_at: Some(200),
            refresh_expires_at: Some(300),
            scopes: Some(vec!["read".into()]),
            clock_skew: -4,
            extra,
        }
    }

    #[test]
    fn json_round_trip_keeps_everything() {
        let tokens = sample();
        assert_eq!(TokenSet::from_json(&tokens.to_json()).unwrap(), tokens);
    }

    /// Found by the stored_forms fuzz target: an integer too large for u64
    /// in `extra` must come back unchanged; numbers keep their text.
    #[test]
    fn huge_numbers_in_extra_round_trip() {
        let json = r#"{"v":1,"access_token":"at-123456","token_type":"Bearer","issued_at":1,
            "extra":{"user":{"id":488888888003445173350830411302,"f":0.30000000000000004}}}"#;
        let tokens = TokenSet::from_json(json).unwrap();
        let written = tokens.to_json();
        assert!(
            written.contains(
                r#""extra":{"user":{"f":0.30000000000000004,"id":488888888003445173350830411302}}"#
            ),
            "{}",
            written.as_str()
        );
        assert_eq!(TokenSet::from_json(&written).unwrap(), tokens);
    }

    #[test]
    fn debug_redacts_tokens() {
        let shown = format!("{:?}", sample());
        assert!(
            !shown.contains("at-secret-1") && !shown.contains("rt-secret-1"),
            "{shown}"
        );
        assert!(shown.contains("\"user\""));
    }

    #[test]
    fn unknown_versions_and_garbage_are_typed_errors() {
        for bad in [
            "",
            "{}",
            "{\"v\":2,\"access_token\":\"a\",\"token_type\":\"Bearer\",\"issued_at\":1}",
        ] {
            let error = TokenSet::from_json(bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidStoredValue);
        }
    }

    #[test]
    fn validity_at_a_given_time() {
        let tokens = sample();
        assert!(tokens.is_access_valid(199));
        assert!(!tokens.is_access_valid(200));
        assert!(tokens.can_refresh(299));
        assert!(!tokens.can_refresh(300));
    }
}

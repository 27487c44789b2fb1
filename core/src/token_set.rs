//! The token set: tokens with absolute times, in our clock, so that it
//! survives being saved and loaded again, and its place in its
//! authorization's history, so that copies held by many processes can be
//! ordered without comparing their clocks.

use crate::clock::{to_local, to_server};
#[cfg(feature = "dpop")]
use crate::dpop::DPOP_TOKEN_TYPE;
use crate::error::{Error, ErrorKind, Result};
use crate::json::{BadMember, Object, ObjectReader, ObjectWriter};
use crate::secret::{AccessToken, RefreshToken};
use crate::syntax::{is_refresh_token, is_scope_token, is_token68};
use std::str::FromStr;
use zeroize::Zeroizing;

/// The version written in [`TokenSet::to_json`].
const FORMAT_VERSION: u32 = 1;

/// The one token type this client can use (RFC 6750).
pub(crate) const BEARER: &str = "Bearer";

/// What [`token_type_of`] accepts, for its message.
#[cfg(feature = "dpop")]
const USABLE_TYPES: &str = "only Bearer, and DPoP with a DPoP key";
#[cfg(not(feature = "dpop"))]
const USABLE_TYPES: &str = "only Bearer";

/// The token type a `token_type` value names, if this client can use it:
/// Bearer in any case (RFC 6749 §5.1), and `DPoP` (RFC 9449 §5, in any
/// case too) when `dpop` (the client proves possession of a DPoP key).
/// RFC 6749 §7.1: a client MUST NOT use a token whose type it does not
/// understand, so any other (`DPoP` without a key, `MAC`, `N_A`, ...) is
/// refused rather than sent as a bearer token.
pub(crate) fn token_type_of(value: &str, dpop: bool) -> std::result::Result<&'static str, String> {
    if value.eq_ignore_ascii_case(BEARER) {
        return Ok(BEARER);
    }
    #[cfg(feature = "dpop")]
    if dpop && value.eq_ignore_ascii_case(crate::dpop::DPOP_TOKEN_TYPE) {
        return Ok(crate::dpop::DPOP_TOKEN_TYPE);
    }
    let _ = dpop;
    // RFC 6749 A.13 `type-name = 1*name-char`: safe to show in a message.
    let type_name = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
    Err(if type_name {
        [
            "the token type \"",
            value,
            "\" is not one this client can use (",
            USABLE_TYPES,
            ")",
        ]
        .concat()
    } else {
        "token_type is not a token type name".to_owned()
    })
}

/// The access token `value` of type `token_type`, bound to the DPoP key
/// when its type says so.
pub(crate) fn access_token_of(value: &str, token_type: &str) -> AccessToken {
    #[cfg(feature = "dpop")]
    if token_type == DPOP_TOKEN_TYPE {
        return AccessToken::dpop_bound(value);
    }
    let _ = token_type;
    AccessToken::new(value)
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
///
/// Besides its times, a set knows where it stands in its authorization's
/// history ([`TokenSet::authorized_at`], [`TokenSet::renewals`]): a renewal
/// numbers its answer one more than the set it renewed, so two copies of
/// one connection's tokens are ordered without comparing the clocks of the
/// machines that received them (see [`crate::fleet`]).
#[derive(Clone, PartialEq)]
pub struct TokenSet {
    /// The access token, which knows its type: Bearer, or bound to a DPoP
    /// key (then the set's `token_type` is `DPoP`).
    pub(crate) access_token: AccessToken,
    pub(crate) refresh_token: Option<RefreshToken>,
    pub(crate) issued_at: u64,
    pub(crate) expires_at: Option<u64>,
    pub(crate) refresh_expires_at: Option<u64>,
    pub(crate) scopes: Option<Vec<String>>,
    pub(crate) clock_skew: i64,
    pub(crate) authorized_at: u64,
    pub(crate) renewals: u64,
    /// The OpenID Connect ID token of the login, kept across refreshes
    /// that return none (OpenID Connect Core 1.0 §12.2).
    #[cfg(feature = "openid-claims")]
    pub(crate) id_token: Option<crate::secret::IdToken>,
    pub(crate) extra: Object,
}

/// The members of a token set as [`TokenSet::from_members`] reads them,
/// each by its name in the stored form ([`TokenSet::to_json`]:
/// `access_token`, `issued_at`, `extra`, …) whatever the host calls it.
/// A member that is absent or null reads as `None`; one of another type is
/// an error naming it.
pub trait TokenSetMembers {
    /// A string member.
    fn string(&mut self, name: &'static str) -> std::result::Result<Option<String>, BadMember>;
    /// A list of strings.
    fn strings(
        &mut self,
        name: &'static str,
    ) -> std::result::Result<Option<Vec<String>>, BadMember>;
    /// An integer of the type `T`: a value outside `T`, or with a
    /// fraction, is of another type.
    fn integer<T: FromStr + TryFrom<i64>>(
        &mut self,
        name: &'static str,
    ) -> std::result::Result<Option<T>, BadMember>;
    /// An object of JSON values.
    fn object(&mut self, name: &'static str) -> std::result::Result<Option<Object>, BadMember>;
}

impl TokenSetMembers for ObjectReader<'_> {
    fn string(&mut self, name: &'static str) -> std::result::Result<Option<String>, BadMember> {
        ObjectReader::string(self, name)
    }
    fn strings(
        &mut self,
        name: &'static str,
    ) -> std::result::Result<Option<Vec<String>>, BadMember> {
        ObjectReader::strings(self, name)
    }
    fn integer<T: FromStr + TryFrom<i64>>(
        &mut self,
        name: &'static str,
    ) -> std::result::Result<Option<T>, BadMember> {
        ObjectReader::integer(self, name)
    }
    fn object(&mut self, name: &'static str) -> std::result::Result<Option<Object>, BadMember> {
        ObjectReader::object(self, name)
    }
}

/// A member's value, which must be there.
fn required<T>(name: &'static str) -> impl FnOnce(Option<T>) -> std::result::Result<T, BadMember> {
    move |value| value.ok_or(BadMember(name))
}

/// The error for a member of a stored set that is missing or of the
/// wrong type.
fn bad_member(BadMember(name): BadMember) -> Error {
    Error::new(
        ErrorKind::InvalidStoredValue,
        ["token set: ", name, " is missing or of the wrong type"].concat(),
    )
}

impl TokenSet {
    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    /// The token type, `Bearer` for every bearer token whatever its case on
    /// the wire, `DPoP` for a DPoP-bound one (RFC 9449 §5).
    pub fn token_type(&self) -> &str {
        #[cfg(feature = "dpop")]
        if self.access_token.is_dpop_bound() {
            return DPOP_TOKEN_TYPE;
        }
        BEARER
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
    /// When the authorization this set descends from was granted (the code
    /// exchange, or the first client-credentials or password grant), in
    /// the provider's clock as its `Date` header gave it (the receiving
    /// machine's clock when it sent none); every renewal keeps it.
    pub fn authorized_at(&self) -> u64 {
        self.authorized_at
    }
    /// How many renewals (refreshes or re-authentications) lie between that
    /// authorization and this set: one more than the set it renewed.
    pub fn renewals(&self) -> u64 {
        self.renewals
    }
    /// The OpenID Connect ID token, as received (validate it with
    /// `IdTokenCheck::validate`, and a refresh's with
    /// `IdTokenCheck::validate_refreshed`): the last one the provider sent.
    #[cfg(feature = "openid-claims")]
    pub fn id_token(&self) -> Option<&crate::secret::IdToken> {
        self.id_token.as_ref()
    }
    /// The claims of the ID token held, read again without a check:
    /// authflow's clients check an OpenID Provider's ID token when it
    /// arrives (the code exchange, a refresh), so in a set they returned
    /// these are the validated claims. A set built from a response by hand
    /// holds what the provider sent: validate it first
    /// (`IdTokenCheck::validate`). `None` without an ID token.
    #[cfg(feature = "openid")]
    pub fn id_token_claims(&self) -> Result<Option<crate::id_token::IdTokenClaims>> {
        self.id_token
            .as_ref()
            .map(crate::id_token::unverified_claims)
            .transpose()
    }
    /// Response fields authflow does not interpret (e.g. MakeShift's
    /// `user`; `id_token` too when built without the `openid-claims` feature).
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

    /// Makes this set, received as the answer to a renewal of `previous`,
    /// its successor in the authorization's history.
    pub(crate) fn continue_from(&mut self, previous: &TokenSet) {
        self.authorized_at = previous.authorized_at;
        self.renewals = previous.renewals.saturating_add(1);
    }

    /// Whether this set is later than `other` in the history of one
    /// connection: a later authorization, or more renewals since the same
    /// one, or the same set with its refresh token since found dead and
    /// dropped. No clock but the provider's (to tell two authorizations
    /// apart) takes part.
    pub(crate) fn is_later_than(&self, other: &TokenSet) -> bool {
        self.history_position() > other.history_position()
    }

    fn history_position(&self) -> (u64, u64, bool) {
        (
            self.authorized_at,
            self.renewals,
            self.refresh_token.is_none(),
        )
    }

    /// The same set with its times moved to the clock of a machine whose
    /// clock is `skew` seconds behind the provider's: its own times are in
    /// the clock of the machine that received it, `clock_skew` behind.
    pub(crate) fn in_clock(mut self, skew: i64) -> TokenSet {
        let from = self.clock_skew;
        let moved = |at: u64| to_local(to_server(at, from), skew);
        self.expires_at = self.expires_at.map(moved);
        self.refresh_expires_at = self.refresh_expires_at.map(moved);
        self.issued_at = to_local(to_server(self.issued_at, from), skew);
        self.clock_skew = skew;
        self
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
            .string("token_type", self.token_type());
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
        json.integer("clock_skew", self.clock_skew)
            .integer("authorized_at", self.authorized_at)
            .integer("renewals", self.renewals);
        // Still format version 1: earlier readers ignore the member (and
        // lose the ID token, which they never read).
        #[cfg(feature = "openid-claims")]
        if let Some(id_token) = &self.id_token {
            json.string("id_token", id_token.secret());
        }
        if !self.extra.is_empty() {
            json.object("extra", &self.extra);
        }
        Zeroizing::new(json.finish())
    }

    /// Reads the form [`TokenSet::to_json`] wrote.
    pub fn from_json(json: &str) -> Result<TokenSet> {
        let mut stored = ObjectReader::parse(json.as_bytes()).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidStoredValue,
                "token set: not a JSON object",
            )
        })?;
        let version: u64 = stored
            .required("v", ObjectReader::integer)
            .map_err(bad_member)?;
        if version != u64::from(FORMAT_VERSION) {
            return Err(Error::new(
                ErrorKind::InvalidStoredValue,
                [
                    "token set: unknown format version ",
                    &crate::text::decimal(version),
                ]
                .concat(),
            ));
        }
        TokenSet::from_members(&mut stored)
    }

    /// Reads a set from its members wherever a host keeps them (the
    /// browser package reads its plain token set objects this way, with no
    /// JSON in between), with every check [`TokenSet::from_json`] makes:
    /// the same members, types and token syntax, and the same
    /// `invalid_stored_value` errors. The stored form's version is the
    /// caller's to check.
    pub fn from_members(stored: &mut impl TokenSetMembers) -> Result<TokenSet> {
        let access_token = Zeroizing::new(
            stored
                .string("access_token")
                .and_then(required("access_token"))
                .map_err(bad_member)?,
        );
        let refresh_token = stored
            .string("refresh_token")
            .map_err(bad_member)?
            .map(Zeroizing::new);
        let invalid = |what: String| {
            Error::new(
                ErrorKind::InvalidStoredValue,
                ["token set: ", &what].concat(),
            )
        };
        check_tokens(&access_token, refresh_token.as_deref().map(String::as_str))
            .map_err(|e| invalid(e.to_owned()))?;
        let token_type = stored
            .string("token_type")
            .and_then(required("token_type"))
            .map_err(bad_member)?;
        // A stored DPoP-bound set is read as such: only a client with the
        // key can use it, and none sends it as a bearer token.
        let token_type = token_type_of(&token_type, true).map_err(invalid)?;
        let scopes = stored.strings("scopes").map_err(bad_member)?;
        if scopes.iter().flatten().any(|scope| !is_scope_token(scope)) {
            return Err(invalid(
                "scopes holds a scope outside the RFC 6749 §3.3 syntax".to_owned(),
            ));
        }
        let issued_at = stored
            .integer("issued_at")
            .and_then(required("issued_at"))
            .map_err(bad_member)?;
        let clock_skew = stored
            .integer("clock_skew")
            .map_err(bad_member)?
            .unwrap_or(0);
        #[cfg(feature = "openid-claims")]
        let id_token = stored.string("id_token").map_err(bad_member)?;
        #[allow(unused_mut)] // only the openid-claims feature takes from it
        let mut extra = stored
            .object("extra")
            .map_err(bad_member)?
            .unwrap_or_default();
        // Written before authflow read ID tokens: the token was kept among
        // the extra members.
        #[cfg(feature = "openid-claims")]
        let id_token = match id_token {
            Some(token) => Some(crate::secret::IdToken::new(token)),
            None => crate::token_response::take_id_token(&mut extra)
                .map_err(|_| invalid("extra.id_token is not a string".to_owned()))?,
        };
        Ok(TokenSet {
            access_token: access_token_of(access_token.as_str(), token_type),
            refresh_token: refresh_token.map(|t| RefreshToken::new(t.as_str())),
            issued_at,
            expires_at: stored.integer("expires_at").map_err(bad_member)?,
            refresh_expires_at: stored.integer("refresh_expires_at").map_err(bad_member)?,
            scopes,
            clock_skew,
            // Written before sets knew their history: taken as an
            // authorization of their own, received when they were issued.
            authorized_at: stored
                .integer("authorized_at")
                .map_err(bad_member)?
                .unwrap_or_else(|| to_server(issued_at, clock_skew)),
            renewals: stored.integer("renewals").map_err(bad_member)?.unwrap_or(0),
            #[cfg(feature = "openid-claims")]
            id_token,
            extra,
        })
    }
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("TokenSet");
        debug
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type())
            .field("refresh_token", &self.refresh_token)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("scopes", &self.scopes)
            .field("clock_skew", &self.clock_skew)
            .field("authorized_at", &self.authorized_at)
            .field("renewals", &self.renewals);
        #[cfg(feature = "openid-claims")]
        if let Some(id_token) = &self.id_token {
            debug.field("id_token", id_token);
        }
        debug
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TokenSet {
        let extra = crate::json::parse_object(br#"{"user":{"id":7443}}"#).unwrap();
        TokenSet {
            access_token: AccessToken::new("at-secret-1"),
            refresh_token: Some(RefreshToken::new("rt-secret-1")),
            issued_at: 100,
            expires_at: Some(200),
            refresh_expires_at: Some(300),
            scopes: Some(vec!["read".into()]),
            clock_skew: -4,
            authorized_at: 96,
            renewals: 3,
            #[cfg(feature = "openid-claims")]
            id_token: None,
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

    /// Values written before sets knew their history read as an
    /// authorization of their own, received when they were issued.
    #[test]
    fn a_set_without_its_history_reads_as_its_own_authorization() {
        let json = r#"{"v":1,"access_token":"at-123456","token_type":"Bearer","issued_at":1000,"clock_skew":30}"#;
        let tokens = TokenSet::from_json(json).unwrap();
        assert_eq!((tokens.authorized_at(), tokens.renewals()), (1030, 0));
        let written = tokens.to_json();
        assert!(
            written.contains(r#""authorized_at":1030,"renewals":0"#),
            "{}",
            written.as_str()
        );
    }

    #[test]
    fn later_means_a_later_authorization_more_renewals_or_a_dropped_refresh_token() {
        let base = sample();
        let with = |authorized_at: u64, renewals: u64, dropped: bool| {
            let mut tokens = sample();
            tokens.authorized_at = authorized_at;
            tokens.renewals = renewals;
            if dropped {
                tokens.refresh_token = None;
            }
            // Times do not count: a machine's clock may be anywhere.
            tokens.issued_at = 0;
            tokens
        };
        assert!(with(96, 4, false).is_later_than(&base));
        assert!(with(96, 3, true).is_later_than(&base));
        assert!(with(97, 0, false).is_later_than(&base));
        assert!(!with(96, 3, false).is_later_than(&base));
        assert!(!with(96, 2, true).is_later_than(&base));
        assert!(!with(95, 9, true).is_later_than(&base));
        let mut issued_later = sample();
        issued_later.issued_at = base.issued_at + 3600;
        assert!(!issued_later.is_later_than(&base));
    }

    #[test]
    fn moving_to_another_clock_keeps_the_providers_times() {
        // Received on a machine 4 s ahead of the provider; read on one
        // 300 s ahead of it.
        let moved = sample().in_clock(-300);
        assert_eq!(moved.issued_at(), 100 - 4 + 300);
        assert_eq!(moved.expires_at(), Some(200 + 296));
        assert_eq!(moved.refresh_expires_at(), Some(300 + 296));
        assert_eq!(moved.clock_skew(), -300);
        assert_eq!(
            (moved.authorized_at(), moved.renewals()),
            (sample().authorized_at(), 3)
        );
        assert_eq!(moved.in_clock(-4), sample());
    }

    /// A refresh and a re-authentication each number their answer one
    /// more than the set they renewed; a first grant starts a history at
    /// the provider's time.
    #[test]
    #[cfg(feature = "confidential")]
    fn renewals_continue_the_history_of_the_set_they_renew() {
        use crate::{
            Client, ClientSecret, GrantType, HttpResponse, Profile, Session, SessionAction,
        };
        let client = Client::new(
            Profile::makini_admin("https://admin.example/token").unwrap(),
            "admin-client",
        )
        .with_client_secret(ClientSecret::new("admin-secret"));
        let date = vec![("Date".to_owned(), crate::format_http_date(1_000_030))];
        let answer = |n: u32| {
            let body = format!(
                r#"{{"access_token":"at-{n}","refresh_token":"rt-{n}","token_type":"bearer","expires_in":3600}}"#
            );
            HttpResponse::new(200, date.clone(), body.into_bytes())
        };
        let first = client
            .parse_token_response(GrantType::ClientCredentials, 1_000_000, &answer(0))
            .unwrap();
        assert_eq!((first.authorized_at(), first.renewals()), (1_000_030, 0));
        let refreshed = client
            .parse_refresh_response(1_000_100, &answer(1), &first)
            .unwrap();
        assert_eq!(
            (refreshed.authorized_at(), refreshed.renewals()),
            (1_000_030, 1)
        );

        // The refresh token refused, the session re-authenticates.
        let mut session = Session::new(client, Some(refreshed));
        let now = 1_010_000;
        let SessionAction::Send(refresh) = session.poll_action(now) else {
            panic!("expected a refresh")
        };
        let refused = HttpResponse::new(400, vec![], br#"{"error":"invalid_grant"}"#.to_vec());
        assert!(session.handle_response(refresh.id, now, &refused).is_err());
        let SessionAction::Send(again) = session.poll_action(now) else {
            panic!("expected a re-authentication")
        };
        assert_eq!(again.grant, GrantType::ClientCredentials);
        session.handle_response(again.id, now, &answer(2)).unwrap();
        let tokens = session.token_set().unwrap();
        assert_eq!((tokens.authorized_at(), tokens.renewals()), (1_000_030, 2));
    }

    /// The ID token is stored and read back, and never printed.
    #[cfg(feature = "openid-claims")]
    #[test]
    fn the_id_token_is_stored_and_redacted() {
        let json = r#"{"v":1,"access_token":"at-123456","token_type":"Bearer","issued_at":1,"id_token":"very-secret-id-token"}"#;
        let tokens = TokenSet::from_json(json).unwrap();
        assert_eq!(
            tokens.id_token().map(|t| t.secret()),
            Some("very-secret-id-token")
        );
        assert!(!format!("{tokens:?}").contains("very-secret"));
        let again = TokenSet::from_json(&tokens.to_json()).unwrap();
        assert_eq!(again, tokens);
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

//! The pending authorization: what must survive the trip to the provider
//! and back. It serialises to a compact, versioned string so that a server
//! session store, a cookie or a browser's sessionStorage can hold it, and
//! any runtime of authflow can resume it.
//!
//! It is good for one redirect: whoever stores the string deletes it when
//! the redirect comes back, whatever the outcome (RFC 9700 §4.2.4: the
//! state is invalidated after its first use), so that a replayed redirect
//! finds nothing to resume.

use crate::error::{Error, ErrorKind, Result};
use crate::json::{BadMember, ObjectReader, ObjectWriter};
use crate::profile::{PkceMethod, ProviderKind};
use crate::secret::PkceCodeVerifier;
use zeroize::Zeroizing;

/// Default maximum age of a pending authorization: 10 minutes.
pub const DEFAULT_MAX_AGE: u64 = 600;

/// The longest a pending authorization may wait for its redirect: one
/// hour. A longer one (a stored string with any age in it) would keep a
/// state and verifier usable for an attack long after the user left.
pub const MAX_PENDING_AGE: u64 = 3600;

/// The shortest state authflow writes: 16 bytes of entropy in base64url
/// (RFC 6749 §10.10: guessing it must be at most 2^-128 likely).
const MIN_STATE_LEN: usize = 22;

/// The prefix of the storage string; its number is the format version.
const STORAGE_PREFIX: &str = "afp1.";

/// The prefix of a pending OpenID authorization's storage string: version
/// 1 plus the nonce (`n`) and the requested `max_age` (`ma`). A reader of
/// version 1 only says it does not know the version, rather than that the
/// string is malformed; an OAuth authorization is still written as
/// version 1, byte for byte as before.
#[cfg(feature = "openid-claims")]
const OPENID_STORAGE_PREFIX: &str = "afp2.";

/// An authorization in progress: state, PKCE verifier, redirect URI,
/// provider, client, scopes, the server it was sent to (issuer and token
/// endpoint, so that the code goes nowhere else: RFC 9700 §4.4) and when
/// it was made.
///
/// `Debug` redacts the verifier. The only way on to a code exchange is
/// [`PendingAuthorization::validate`] (or [`crate::UsedStates::validate`],
/// which also refuses a second use). Delete the stored form when the
/// redirect comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAuthorization {
    pub(crate) provider: ProviderKind,
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: String,
    pub(crate) code_verifier: Option<PkceCodeVerifier>,
    pub(crate) pkce_method: Option<PkceMethod>,
    pub(crate) scopes: Vec<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) require_issuer: bool,
    /// The token endpoint the code is for; `None` in strings written before
    /// it was recorded (see `Client::exchange_request` for what those are
    /// checked against).
    pub(crate) token_endpoint: Option<String>,
    pub(crate) created_at: u64,
    pub(crate) max_age: u64,
    /// The nonce and `max_age` of an OpenID request (OpenID Connect Core
    /// 1.0 §3.1.2.1).
    #[cfg(feature = "openid-claims")]
    pub(crate) openid: Option<crate::oidc::OpenidRequest>,
}

impl PendingAuthorization {
    pub(crate) fn new(
        client: &crate::client::Client,
        redirect_uri: String,
        state: String,
        pkce: Option<(PkceCodeVerifier, PkceMethod)>,
        scopes: Vec<String>,
        now: u64,
        max_age: u64,
    ) -> PendingAuthorization {
        let (code_verifier, pkce_method) = match pkce {
            Some((verifier, method)) => (Some(verifier), Some(method)),
            None => (None, None),
        };
        PendingAuthorization {
            provider: client.profile().kind(),
            client_id: client.client_id().to_owned(),
            redirect_uri,
            state,
            code_verifier,
            pkce_method,
            scopes,
            issuer: client.profile().issuer().map(str::to_owned),
            require_issuer: client.profile().requires_issuer(),
            token_endpoint: client
                .profile()
                .token_endpoint()
                .map(|e| e.as_str().to_owned()),
            created_at: now,
            max_age,
            #[cfg(feature = "openid-claims")]
            openid: None,
        }
    }

    /// The provider it was made for.
    pub fn provider(&self) -> ProviderKind {
        self.provider
    }
    /// The client id it was made for.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
    /// The redirect URI sent in the request.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }
    /// The state sent in the request (not a secret once sent: it is in the URL).
    pub fn state(&self) -> &str {
        &self.state
    }
    /// The scopes requested.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
    /// When it was made (Unix seconds).
    pub fn created_at(&self) -> u64 {
        self.created_at
    }
    /// When it stops being accepted (Unix seconds).
    pub fn expires_at(&self) -> u64 {
        self.created_at.saturating_add(self.max_age)
    }
    /// The PKCE verifier, for a back end that exchanges the code itself.
    pub fn code_verifier(&self) -> Option<&PkceCodeVerifier> {
        self.code_verifier.as_ref()
    }
    /// The token endpoint the code may be exchanged at (`None` for a string
    /// written before authflow recorded it).
    pub fn token_endpoint(&self) -> Option<&str> {
        self.token_endpoint.as_deref()
    }
    /// The OpenID Connect `nonce` sent (OpenID Connect Core 1.0
    /// §3.1.2.1), when the profile is an OpenID Provider's. Not a secret:
    /// it was in the authorization URL.
    #[cfg(feature = "openid-claims")]
    pub fn nonce(&self) -> Option<&str> {
        self.openid.as_ref().map(|o| o.nonce.as_str())
    }
    /// The `max_age` sent to an OpenID Provider (an extra parameter), which
    /// makes `auth_time` required in the ID token.
    #[cfg(feature = "openid-claims")]
    pub fn openid_max_age(&self) -> Option<u64> {
        self.openid.as_ref().and_then(|o| o.max_age)
    }

    /// The compact storage form: `afp1.` (`afp2.` for an OpenID request,
    /// which adds the nonce) then base64url JSON. It contains
    /// the PKCE verifier, so keep it where the user's session is kept
    /// (server session, sessionStorage), never in a URL or a log, and
    /// delete it when the redirect comes back.
    pub fn to_storage_string(&self) -> String {
        // Short member names: the string often lives in a cookie or a
        // URL-sized store.
        let verifier = self.code_verifier.as_ref().map(|v| v.secret());
        // Room for every value escaped, so that no reallocation leaves an
        // unwiped copy of the verifier behind.
        let texts = [
            Some(self.client_id.as_str()),
            Some(&self.redirect_uri),
            Some(&self.state),
            verifier,
            self.issuer.as_deref(),
            self.token_endpoint.as_deref(),
        ];
        let text_len: usize = texts.iter().flatten().map(|t| t.len()).sum::<usize>()
            + self.scopes.iter().map(|s| s.len() + 3).sum::<usize>();
        let mut json = ObjectWriter::with_capacity(128 + 2 * text_len);
        json.string("p", self.provider.as_str())
            .string("c", &self.client_id)
            .string("r", &self.redirect_uri)
            .string("s", &self.state);
        if let Some(verifier) = verifier {
            json.string("k", verifier);
        }
        if let Some(method) = self.pkce_method {
            json.string("m", method.as_str());
        }
        if !self.scopes.is_empty() {
            json.strings("sc", &self.scopes);
        }
        if let Some(issuer) = &self.issuer {
            json.string("i", issuer);
        }
        if self.require_issuer {
            json.bool("ri", true);
        }
        if let Some(token_endpoint) = &self.token_endpoint {
            json.string("te", token_endpoint);
        }
        json.integer("t", self.created_at)
            .integer("a", self.max_age);
        #[allow(unused_mut)] // only the openid-claims feature changes it
        let mut prefix = STORAGE_PREFIX;
        #[cfg(feature = "openid-claims")]
        if let Some(openid) = &self.openid {
            json.string("n", &openid.nonce);
            if let Some(max_age) = openid.max_age {
                json.integer("ma", max_age);
            }
            prefix = OPENID_STORAGE_PREFIX;
        }
        let json = Zeroizing::new(json.finish());
        [prefix, &crate::base64url::encode(json.as_bytes())].concat()
    }

    /// Reads a storage string back.
    pub fn from_storage_string(value: &str) -> Result<PendingAuthorization> {
        let invalid = |why: &str| {
            Error::new(
                ErrorKind::InvalidStoredValue,
                ["pending authorization: ", why].concat(),
            )
        };
        if value.trim().is_empty() {
            return Err(invalid(
                "none is stored (was the redirect already handled?)",
            ));
        }
        let value = value.trim();
        #[cfg(feature = "openid-claims")]
        let (encoded, is_openid) = match value.strip_prefix(OPENID_STORAGE_PREFIX) {
            Some(encoded) => (Some(encoded), true),
            None => (value.strip_prefix(STORAGE_PREFIX), false),
        };
        #[cfg(not(feature = "openid-claims"))]
        let encoded = value.strip_prefix(STORAGE_PREFIX);
        let encoded = encoded
            .ok_or_else(|| invalid("not an authflow pending authorization of a known version"))?;
        let json = Zeroizing::new(
            crate::base64url::decode(encoded).ok_or_else(|| invalid("not base64url"))?,
        );
        let mut stored = ObjectReader::parse(&json).ok_or_else(|| invalid("malformed content"))?;
        let malformed = |_: BadMember| invalid("malformed content");
        let provider = stored
            .required("p", ObjectReader::string)
            .map_err(malformed)?;
        let client_id = stored
            .required("c", ObjectReader::string)
            .map_err(malformed)?;
        let redirect_uri = stored
            .required("r", ObjectReader::string)
            .map_err(malformed)?;
        let state = stored
            .required("s", ObjectReader::string)
            .map_err(malformed)?;
        let verifier = stored.string("k").map_err(malformed)?.map(Zeroizing::new);
        let method = stored.string("m").map_err(malformed)?;
        let scopes = stored.strings("sc").map_err(malformed)?.unwrap_or_default();
        let issuer = stored.string("i").map_err(malformed)?;
        let require_issuer = stored.bool("ri").map_err(malformed)?.unwrap_or(false);
        let token_endpoint = stored.string("te").map_err(malformed)?;
        let created_at = stored
            .required("t", ObjectReader::integer)
            .map_err(malformed)?;
        let max_age = stored
            .required("a", ObjectReader::integer)
            .map_err(malformed)?;
        #[cfg(feature = "openid-claims")]
        let openid = if is_openid {
            let nonce = stored
                .required("n", ObjectReader::string)
                .map_err(malformed)?;
            if !crate::oidc::OpenidRequest::is_well_formed_nonce(&nonce) {
                return Err(invalid("the nonce is not one authflow makes"));
            }
            let max_age = stored.integer("ma").map_err(malformed)?;
            Some(crate::oidc::OpenidRequest { nonce, max_age })
        } else {
            None
        };
        if !stored.is_empty() {
            // Only authflow writes this form: anything else is not ours.
            return Err(invalid("malformed content"));
        }
        let provider = ProviderKind::parse(&provider).ok_or_else(|| invalid("unknown provider"))?;
        let pkce_method = match &method {
            Some(m) => Some(PkceMethod::parse(m).ok_or_else(|| invalid("unknown PKCE method"))?),
            None => None,
        };
        if pkce_method.is_some() != verifier.is_some() {
            return Err(invalid("PKCE method and verifier do not go together"));
        }
        // Only what authflow itself could have written is used: a string
        // planted in the storage (cookie tossing, a sibling's script) with
        // an empty state or a one-letter verifier would void the CSRF and
        // PKCE checks (RFC 6749 §10.12, RFC 7636 §4.1).
        let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if state.len() < MIN_STATE_LEN || !state.bytes().all(base64url) {
            return Err(invalid("the state is not one authflow makes"));
        }
        if let Some(verifier) = &verifier {
            let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
            if !(43..=128).contains(&verifier.len()) || !verifier.bytes().all(unreserved) {
                return Err(invalid("the PKCE verifier is not of RFC 7636 §4.1's form"));
            }
        }
        if max_age > MAX_PENDING_AGE {
            return Err(invalid("the maximum age is longer than an hour"));
        }
        crate::endpoint::check_redirect_uri(&redirect_uri)
            .map_err(|_| invalid("the redirect URI is not one a client may use"))?;
        Ok(PendingAuthorization {
            provider,
            client_id,
            redirect_uri,
            state,
            code_verifier: verifier.map(|k| PkceCodeVerifier::new(k.as_str())),
            pkce_method,
            scopes,
            issuer,
            require_issuer,
            token_endpoint,
            created_at,
            max_age,
            #[cfg(feature = "openid-claims")]
            openid,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::client::Client;
    use crate::profile::Profile;

    /// A Makini Link pending authorization made with entropy of sevens.
    pub(crate) fn pending() -> PendingAuthorization {
        let client = Client::new(Profile::makini_link(), "client-1")
            .with_redirect_uri("https://app.example/cb")
            .unwrap();
        client
            .authorization_request(1_700_000_000, &[7u8; 48])
            .unwrap()
            .pending
    }

    #[test]
    fn storage_string_round_trips() {
        let pending = pending();
        let stored = pending.to_storage_string();
        assert!(stored.starts_with("afp1."));
        assert_eq!(
            PendingAuthorization::from_storage_string(&stored).unwrap(),
            pending
        );
    }

    /// RFC 9700 §4.4.2: the string records the token endpoint the code is
    /// for, so that whoever resumes it exchanges the code nowhere else.
    #[test]
    fn storage_string_records_the_token_endpoint() {
        let stored = pending().to_storage_string();
        let json = crate::base64url::decode(stored.trim_start_matches(STORAGE_PREFIX)).unwrap();
        let json = String::from_utf8(json).unwrap();
        assert!(
            json.contains(r#""te":"https://api.makini.io/link/token""#),
            "{json}"
        );
        let resumed = PendingAuthorization::from_storage_string(&stored).unwrap();
        assert_eq!(
            resumed.token_endpoint(),
            Some("https://api.makini.io/link/token")
        );
    }

    /// An OpenID request's string is version 2 and keeps its nonce and
    /// `max_age`; an OAuth one stays version 1, as older readers expect.
    #[cfg(feature = "openid-claims")]
    #[test]
    fn openid_storage_string_keeps_the_nonce() {
        let client = Client::new(
            Profile::generic(
                Some("https://op.example/authorize"),
                "https://op.example/token",
            )
            .unwrap()
            .with_openid(true),
            "rp-1",
        )
        .with_redirect_uri("https://app.example/cb")
        .unwrap();
        let options = crate::AuthorizationOptions {
            extra_params: vec![("max_age".into(), "60".into())],
            ..Default::default()
        };
        let start = client
            .authorization_request_with(1_700_000_000, &[7u8; 64], &options)
            .unwrap();
        let stored = start.pending.to_storage_string();
        assert!(stored.starts_with("afp2."), "{stored}");
        let resumed = PendingAuthorization::from_storage_string(&stored).unwrap();
        assert_eq!(resumed, start.pending);
        assert_eq!(resumed.nonce(), Some("BwcHBwcHBwcHBwcHBwcHBw"));
        assert_eq!(resumed.openid_max_age(), Some(60));
        assert!(pending().to_storage_string().starts_with("afp1."));
        assert_eq!(pending().nonce(), None);
    }

    #[test]
    fn debug_hides_the_verifier() {
        let pending = pending();
        let verifier = pending.code_verifier().unwrap().secret().to_owned();
        assert!(!format!("{pending:?}").contains(&verifier));
    }

    #[test]
    fn corrupt_strings_are_typed_errors() {
        for bad in ["", "afp2.abc", "afp1.!!!", "afp1.e30", "afp1.bm90IGpzb24"] {
            let error = PendingAuthorization::from_storage_string(bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidStoredValue, "{bad}");
        }
    }
}

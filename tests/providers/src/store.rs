//! Issued tokens and authorization codes, and the switches tests flip.
//!
//! Dead tokens are kept (marked, not deleted) so a 401 can still be counted
//! against the client that owned the token, and so that presenting a
//! rotated-away refresh token can be told apart from an unknown one: that is
//! the "replay" tests assert on.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The three imitated services, and the standards-following server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Provider {
    MakiniLink,
    MakiniAdmin,
    Makeshift,
    Standard,
}

impl Provider {
    /// Key used in stats.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Provider::MakiniLink => "makini_link",
            Provider::MakiniAdmin => "makini_admin",
            Provider::Makeshift => "makeshift",
            Provider::Standard => "standard",
        }
    }
}

/// Lifetime of Makini access tokens: 30 days (seeds 000 and 004).
pub(crate) const MAKINI_ACCESS_LIFETIME: i64 = 30 * 24 * 3600;
/// Lifetime of Makini refresh tokens: 31 days (seeds 000 and 004).
pub(crate) const MAKINI_REFRESH_LIFETIME: i64 = 31 * 24 * 3600;
/// Lifetime of MakeShift tokens: 4 hours (seed 001).
pub(crate) const MAKESHIFT_LIFETIME: i64 = 4 * 3600;
/// Lifetime of Makini Link authorization codes.
pub(crate) const CODE_LIFETIME: i64 = 10 * 60;
/// Default number of API requests one Makini Link access token may make.
pub(crate) const DEFAULT_API_BUDGET: u64 = 1000;

/// How the Makini Link test user answers authorization requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthorizeUser {
    /// Approves at once (the default).
    #[default]
    Approve,
    /// Refuses: the client gets `error=access_denied`.
    Deny,
}

/// Switches set through `/__control/config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Config {
    /// Requests each Makini Link access token may make before 429s.
    pub(crate) api_budget: u64,
    /// The Makini Link test user's answer.
    pub(crate) authorize_user: AuthorizeUser,
    /// A scope the Makini Admin API requires of every access token (none
    /// by default: the seed names no scopes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) admin_api_scope: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            api_budget: DEFAULT_API_BUDGET,
            authorize_user: AuthorizeUser::Approve,
            admin_api_scope: None,
        }
    }
}

/// Access or refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Access,
    Refresh,
}

/// Why a token stopped working before its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Death {
    /// Its pair was replaced by a refresh.
    Rotated,
    /// Revoked by its client (RFC 7009).
    Revoked,
}

/// One issued token.
#[derive(Debug, Clone)]
pub(crate) struct TokenRecord {
    pub(crate) provider: Provider,
    pub(crate) kind: Kind,
    pub(crate) client_id: String,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: i64,
    /// The other half of the pair, if issued as a pair.
    pub(crate) sibling: Option<String>,
    pub(crate) death: Option<Death>,
    /// API requests made with it (budgeted on Makini Link).
    pub(crate) api_used: u64,
    /// The scope granted (space-separated), as the client asked for it.
    pub(crate) scope: Option<String>,
}

impl TokenRecord {
    /// Whether the granted scope holds `scope`.
    pub(crate) fn has_scope(&self, scope: &str) -> bool {
        self.scope
            .as_deref()
            .is_some_and(|granted| granted.split(' ').any(|s| s == scope))
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    /// Never issued by this provider, or not a token of the asked kind.
    Unknown,
    /// Past its expiry; owned by `client`.
    Expired { client: String },
    /// Rotated away; owned by `client`.
    Dead { client: String },
}

impl TokenProblem {
    /// The owning client, when the token is one we issued.
    pub(crate) fn client(&self) -> Option<&str> {
        match self {
            TokenProblem::Unknown => None,
            TokenProblem::Expired { client } | TokenProblem::Dead { client } => Some(client),
        }
    }
}

impl fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenProblem::Unknown => "the token is unknown",
            TokenProblem::Expired { .. } => "the token has expired",
            TokenProblem::Dead { .. } => "the token was rotated away by a refresh",
        })
    }
}

/// A freshly issued access/refresh pair.
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    pub(crate) access: String,
    pub(crate) refresh: String,
    pub(crate) access_expires_at: i64,
    pub(crate) scope: Option<String>,
}

/// A pending authorization code.
#[derive(Debug, Clone)]
pub(crate) struct CodeRecord {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: Option<String>,
    pub(crate) expires_at: i64,
    pub(crate) redeemed: bool,
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeProblem {
    Unknown,
    AlreadyRedeemed,
    Expired,
    OtherClient,
    RedirectMismatch,
    VerifierMissing,
    VerifierMismatch,
    VerifierWithoutChallenge,
}

impl fmt::Display for CodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodeProblem::Unknown => "The authorization code is invalid.",
            CodeProblem::AlreadyRedeemed => "The authorization code has already been used.",
            CodeProblem::Expired => "The authorization code has expired.",
            CodeProblem::OtherClient => "The authorization code was issued to another client.",
            CodeProblem::RedirectMismatch => {
                "The redirect_uri does not match the one used in the authorization request."
            }
            CodeProblem::VerifierMissing => "code_verifier is required for this code.",
            CodeProblem::VerifierMismatch => "The code_verifier does not match the code_challenge.",
            CodeProblem::VerifierWithoutChallenge => {
                "A code_verifier was sent but the authorization request had no code_challenge."
            }
        })
    }
}

/// The operating system refused random bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoRandomness;

impl fmt::Display for NoRandomness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operating system's random source failed")
    }
}

/// Tokens and codes of all three services.
#[derive(Debug, Default)]
pub(crate) struct Store {
    tokens: HashMap<String, TokenRecord>,
    codes: HashMap<String, CodeRecord>,
}

impl Store {
    /// Issues an access/refresh pair (Makini) with the granted `scope`.
    pub(crate) fn issue_pair(
        &mut self,
        provider: Provider,
        client_id: &str,
        scope: Option<&str>,
        now: i64,
    ) -> Result<Pair, NoRandomness> {
        let access = random_base64url::<32>()?;
        let refresh = random_base64url::<32>()?;
        let record = |kind, expires_at, sibling: &str| TokenRecord {
            provider,
            kind,
            client_id: client_id.to_owned(),
            issued_at: now,
            expires_at,
            sibling: Some(sibling.to_owned()),
            death: None,
            api_used: 0,
            scope: scope.map(str::to_owned),
        };
        let access_expires_at = now + MAKINI_ACCESS_LIFETIME;
        self.tokens.insert(
            access.clone(),
            record(Kind::Access, access_expires_at, &refresh),
        );
        self.tokens.insert(
            refresh.clone(),
            record(Kind::Refresh, now + MAKINI_REFRESH_LIFETIME, &access),
        );
        Ok(Pair {
            access,
            refresh,
            access_expires_at,
            scope: scope.map(str::to_owned),
        })
    }

    /// Issues a lone access token (64 hex digits, like MakeShift's) with
    /// the granted `scope`.
    pub(crate) fn issue_access(
        &mut self,
        provider: Provider,
        client_id: &str,
        scope: Option<&str>,
        now: i64,
        lifetime: i64,
    ) -> Result<String, NoRandomness> {
        let token = random_hex::<32>()?;
        self.tokens.insert(
            token.clone(),
            TokenRecord {
                provider,
                kind: Kind::Access,
                client_id: client_id.to_owned(),
                issued_at: now,
                expires_at: now + lifetime,
                sibling: None,
                death: None,
                api_used: 0,
                scope: scope.map(str::to_owned),
            },
        );
        Ok(token)
    }

    /// Revokes `token` if `client_id` of `provider` owns it, and its
    /// sibling with it (RFC 7009 §2.1: a refresh token's access tokens go
    /// too). An unknown token, or another client's, is left alone.
    pub(crate) fn revoke(&mut self, provider: Provider, client_id: &str, token: &str) {
        let Some(record) = self
            .tokens
            .get_mut(token)
            .filter(|r| r.provider == provider && r.client_id == client_id)
        else {
            return;
        };
        record.death.get_or_insert(Death::Revoked);
        if let Some(sibling) = record.sibling.clone().and_then(|s| self.tokens.get_mut(&s)) {
            sibling.death.get_or_insert(Death::Revoked);
        }
    }

    /// The live access token `token` of `provider`.
    pub(crate) fn access(
        &mut self,
        provider: Provider,
        token: &str,
        now: i64,
    ) -> Result<&mut TokenRecord, TokenProblem> {
        self.live(provider, Kind::Access, token, now)
    }

    fn live(
        &mut self,
        provider: Provider,
        kind: Kind,
        token: &str,
        now: i64,
    ) -> Result<&mut TokenRecord, TokenProblem> {
        let record = self
            .tokens
            .get_mut(token)
            .filter(|r| r.provider == provider && r.kind == kind)
            .ok_or(TokenProblem::Unknown)?;
        let client = record.client_id.clone();
        if record.death.is_some() {
            return Err(TokenProblem::Dead { client });
        }
        // A token is valid strictly before its expiry instant.
        if now >= record.expires_at {
            return Err(TokenProblem::Expired { client });
        }
        Ok(record)
    }

    /// Refreshes with rotation: the presented refresh token and its access
    /// token die, a new pair with the same scope is issued (RFC 6749 §6).
    /// Refusals carry the owning client.
    pub(crate) fn rotate(
        &mut self,
        provider: Provider,
        client_id: &str,
        refresh: &str,
        now: i64,
    ) -> Result<Result<Pair, TokenProblem>, NoRandomness> {
        let (sibling, scope) = match self.live(provider, Kind::Refresh, refresh, now) {
            // Another client's token is treated as unknown to this one.
            Ok(record) if record.client_id != client_id => {
                return Ok(Err(TokenProblem::Unknown));
            }
            Ok(record) => {
                record.death = Some(Death::Rotated);
                (record.sibling.clone(), record.scope.clone())
            }
            Err(problem) => {
                let other_client = problem.client().is_some_and(|c| c != client_id);
                return Ok(Err(if other_client {
                    TokenProblem::Unknown
                } else {
                    problem
                }));
            }
        };
        if let Some(access) = sibling.and_then(|s| self.tokens.get_mut(&s)) {
            access.death = Some(Death::Rotated);
        }
        self.issue_pair(provider, client_id, scope.as_deref(), now)
            .map(Ok)
    }

    /// Stores a new authorization code.
    pub(crate) fn issue_code(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        code_challenge: Option<&str>,
        now: i64,
    ) -> Result<String, NoRandomness> {
        let code = random_base64url::<24>()?;
        self.codes.insert(
            code.clone(),
            CodeRecord {
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                code_challenge: code_challenge.map(str::to_owned),
                expires_at: now + CODE_LIFETIME,
                redeemed: false,
            },
        );
        Ok(code)
    }

    /// Redeems a code. It is burnt by any attempt of its own client, even a
    /// failed one, so a wrong PKCE verifier cannot be retried.
    pub(crate) fn redeem_code(
        &mut self,
        code: &str,
        client_id: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
        now: i64,
    ) -> Result<(), CodeProblem> {
        let record = self.codes.get_mut(code).ok_or(CodeProblem::Unknown)?;
        if record.client_id != client_id {
            return Err(CodeProblem::OtherClient);
        }
        if record.redeemed {
            return Err(CodeProblem::AlreadyRedeemed);
        }
        record.redeemed = true;
        if now >= record.expires_at {
            return Err(CodeProblem::Expired);
        }
        if redirect_uri != Some(record.redirect_uri.as_str()) {
            return Err(CodeProblem::RedirectMismatch);
        }
        match (&record.code_challenge, code_verifier) {
            (None, None) => Ok(()),
            (None, Some(_)) => Err(CodeProblem::VerifierWithoutChallenge),
            (Some(_), None) => Err(CodeProblem::VerifierMissing),
            (Some(challenge), Some(verifier)) if s256(verifier) == *challenge => Ok(()),
            (Some(_), Some(_)) => Err(CodeProblem::VerifierMismatch),
        }
    }
}

/// The PKCE S256 transform: BASE64URL(SHA256(verifier)), unpadded (RFC 7636 §4.2).
pub(crate) fn s256(verifier: &str) -> String {
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

fn random_bytes<const N: usize>() -> Result<[u8; N], NoRandomness> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| NoRandomness)?;
    Ok(bytes)
}

fn random_base64url<const N: usize>() -> Result<String, NoRandomness> {
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<N>()?))
}

fn random_hex<const N: usize>() -> Result<String, NoRandomness> {
    use fmt::Write as _;
    let mut hex = String::with_capacity(2 * N);
    for byte in random_bytes::<N>()? {
        let _ = write!(hex, "{byte:02x}");
    }
    Ok(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn rotation_kills_the_old_pair() {
        let mut store = Store::default();
        let first = store
            .issue_pair(Provider::MakiniLink, "c", None, 100)
            .map_err(|e| e.to_string());
        let Ok(first) = first else {
            panic!("no randomness")
        };
        let second = store.rotate(Provider::MakiniLink, "c", &first.refresh, 101);
        assert!(matches!(second, Ok(Ok(_))));
        assert_eq!(
            store.access(Provider::MakiniLink, &first.access, 102).err(),
            Some(TokenProblem::Dead { client: "c".into() })
        );
        let replay = store.rotate(Provider::MakiniLink, "c", &first.refresh, 103);
        assert!(matches!(replay, Ok(Err(TokenProblem::Dead { .. }))));
        let hex = random_hex::<32>().unwrap_or_default();
        assert_eq!(hex.len(), 64);
    }
}

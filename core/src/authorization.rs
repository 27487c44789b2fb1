//! The authorization request (RFC 6749 §4.1.1): the URL to send the user to,
//! with state and PKCE made from the caller's entropy.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::pending::{PendingAuthorization, DEFAULT_MAX_AGE, MAX_PENDING_AGE};
use crate::pkce::{code_challenge, verifier_from_entropy, VERIFIER_ENTROPY_LEN};
use crate::profile::EndpointRole;

/// Bytes of entropy the state takes: 128 bits, as RFC 6749 §10.10 asks.
pub const STATE_ENTROPY_LEN: usize = 16;

/// Bytes of entropy the OpenID Connect `nonce` takes: 128 bits, like the
/// state, so that it cannot be guessed (OpenID Connect Core 1.0 §15.5.2).
#[cfg(feature = "openid-claims")]
pub const NONCE_ENTROPY_LEN: usize = 16;

/// Bytes of entropy [`Client::authorization_request`] needs: the state's,
/// then the PKCE verifier's, then (with the `openid-claims` feature) the nonce's.
/// A profile that is not an OpenID Provider's uses only the first
/// `STATE_ENTROPY_LEN + VERIFIER_ENTROPY_LEN` bytes and accepts that many.
#[cfg(feature = "openid-claims")]
pub const AUTHORIZATION_ENTROPY_LEN: usize =
    STATE_ENTROPY_LEN + VERIFIER_ENTROPY_LEN + NONCE_ENTROPY_LEN;
/// Bytes of entropy [`Client::authorization_request`] needs: the state's,
/// then the PKCE verifier's.
#[cfg(not(feature = "openid-claims"))]
pub const AUTHORIZATION_ENTROPY_LEN: usize = STATE_ENTROPY_LEN + VERIFIER_ENTROPY_LEN;

/// Entropy an OAuth (not OpenID) authorization request reads.
const OAUTH_ENTROPY_LEN: usize = STATE_ENTROPY_LEN + VERIFIER_ENTROPY_LEN;

/// Parameters the library sets itself and an extra parameter may not replace.
const RESERVED: [&str; 7] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// Options for one authorization request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationOptions {
    /// Scopes for this request; `None` uses the client's defaults.
    pub scopes: Option<Vec<String>>,
    /// Extra query parameters (e.g. `prompt`, `login_hint`), in order.
    pub extra_params: Vec<(String, String)>,
    /// Seconds the pending authorization stays valid; `None`: 10 minutes;
    /// at most [`crate::MAX_PENDING_AGE`] (one hour).
    pub max_age: Option<u64>,
}

/// Where to send the user, and what to keep until they come back.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The authorization URL.
    pub url: String,
    /// The pending authorization to keep (e.g. as [`PendingAuthorization::to_storage_string`]).
    pub pending: PendingAuthorization,
}

impl Client {
    /// Builds the authorization URL with the client's defaults. `entropy`
    /// must hold at least [`AUTHORIZATION_ENTROPY_LEN`] bytes from a
    /// cryptographically secure source.
    pub fn authorization_request(&self, now: u64, entropy: &[u8]) -> Result<AuthorizationRequest> {
        self.authorization_request_with(now, entropy, &AuthorizationOptions::default())
    }

    /// Builds the authorization URL with per-request options.
    ///
    /// A profile that uses pushed authorization requests (RFC 9126,
    /// [`crate::Profile::uses_pushed_authorization`]) refuses: its
    /// parameters go to the PAR endpoint through
    /// [`Self::pushed_authorization_request_with`], never in a URL.
    pub fn authorization_request_with(
        &self,
        now: u64,
        entropy: &[u8],
        options: &AuthorizationOptions,
    ) -> Result<AuthorizationRequest> {
        #[cfg(feature = "par")]
        if self.profile().uses_pushed_authorization() {
            return Err(Error::configuration(
                "the profile uses pushed authorization requests (RFC 9126): build the request \
                 with Client::pushed_authorization_request, not Client::authorization_request",
            ));
        }
        let mut query = self
            .profile()
            .required_endpoint(EndpointRole::Authorization)?
            .query_builder();
        let pending = self.authorization_parts(now, entropy, options, &mut |name, value| {
            query.append_pair(name, value);
        })?;
        Ok(AuthorizationRequest {
            url: query.finish(),
            pending,
        })
    }

    /// An authorization request, wherever its parameters go (the
    /// authorization URL's query, or a PAR body): every check, then each
    /// parameter handed to `add` in order; returns the pending
    /// authorization. Nothing is handed to `add` unless all checks pass.
    pub(crate) fn authorization_parts(
        &self,
        now: u64,
        entropy: &[u8],
        options: &AuthorizationOptions,
        add: &mut dyn FnMut(&str, &str),
    ) -> Result<PendingAuthorization> {
        let endpoint = self
            .profile()
            .required_endpoint(EndpointRole::Authorization)?;
        let redirect_uri = self.required_redirect_uri()?;
        #[cfg(feature = "openid-claims")]
        let openid = self.profile().is_openid();
        #[cfg(not(feature = "openid-claims"))]
        let openid = false;
        let needed = if openid {
            AUTHORIZATION_ENTROPY_LEN
        } else {
            OAUTH_ENTROPY_LEN
        };
        if entropy.len() < needed {
            return Err(Error::configuration(
                [
                    "authorization needs ",
                    &crate::text::decimal(needed as u64),
                    " bytes of entropy, got ",
                    &crate::text::decimal(entropy.len() as u64),
                ]
                .concat(),
            ));
        }
        // An OpenID request's nonce is authflow's to make and check
        // (OpenID Connect Core 1.0 §3.1.2.1); elsewhere `nonce` is just an
        // extension parameter the caller may send.
        #[cfg(feature = "dpop")]
        let sends_jkt = self.dpop_jkt_param().is_some();
        #[cfg(not(feature = "dpop"))]
        let sends_jkt = false;
        let reserved = |name: &str| {
            RESERVED.contains(&name)
                || (openid && name == "nonce")
                || (sends_jkt && name == "dpop_jkt")
        };
        // RFC 8707: `resource` is the client's to send (`with_resources`),
        // checked and repeated at the code exchange and every refresh.
        #[cfg(feature = "resources")]
        let reserved_here = |name: &str| reserved(name) || name == "resource";
        #[cfg(not(feature = "resources"))]
        let reserved_here = reserved;
        if let Some((name, _)) = options
            .extra_params
            .iter()
            .find(|(name, _)| reserved_here(name))
        {
            return Err(Error::configuration(
                ["extra parameter \"", name, "\" is set by authflow itself"].concat(),
            ));
        }
        // The endpoint's query may name a resource when the client names
        // none (a server's fixed audience); otherwise it would be sent twice.
        #[cfg(feature = "resources")]
        let reserved =
            |name: &str| reserved(name) || (name == "resource" && !self.resources().is_empty());
        // RFC 6749 §3.1: a parameter must not appear twice, and some
        // servers read the first one: the endpoint's own query must not
        // name one the client sends.
        if let Some(query) = endpoint.uri().query() {
            let names = crate::form::parse(query.as_str().as_bytes()).map(|(name, _)| name);
            if let Some(name) = names.into_iter().find(|n| reserved(n)) {
                return Err(Error::configuration(
                    [
                        "the authorization endpoint's query sets \"",
                        &name,
                        "\", which authflow sends itself",
                    ]
                    .concat(),
                ));
            }
        }
        // RFC 9700 §2.1.1: public clients MUST use PKCE. Only a confidential
        // client (which authenticates its code exchange) may do without.
        if self.profile().pkce().is_none() && !self.is_confidential() {
            return Err(Error::configuration(
                "a public client (no client secret) must use PKCE (RFC 9700 §2.1.1); \
                 the profile turns it off",
            ));
        }
        if options.max_age.is_some_and(|age| age > MAX_PENDING_AGE) {
            return Err(Error::configuration(
                [
                    "max_age is at most ",
                    &crate::text::decimal(MAX_PENDING_AGE),
                    " s (a pending authorization that waits longer keeps its state and \
                     verifier usable for too long)",
                ]
                .concat(),
            ));
        }
        let (state_bytes, rest) = entropy.split_at(STATE_ENTROPY_LEN);
        let state = crate::base64url::encode(state_bytes);
        let pkce = match self.profile().pkce() {
            Some(method) => {
                let mut verifier_bytes = [0u8; VERIFIER_ENTROPY_LEN];
                verifier_bytes.copy_from_slice(&rest[..VERIFIER_ENTROPY_LEN]);
                let verifier = verifier_from_entropy(&verifier_bytes);
                zeroize::Zeroize::zeroize(&mut verifier_bytes);
                Some((verifier, method))
            }
            None => None,
        };
        let scopes = options
            .scopes
            .clone()
            .unwrap_or_else(|| self.scopes().to_vec());
        let scope = Client::scope_param(&scopes)?;
        #[cfg(feature = "openid-claims")]
        let openid = if openid {
            Some(crate::oidc::OpenidRequest::new(
                &entropy[OAUTH_ENTROPY_LEN..AUTHORIZATION_ENTROPY_LEN],
                &options.extra_params,
            )?)
        } else {
            None
        };

        let push = add;
        push("response_type", "code");
        push("client_id", self.client_id());
        push("redirect_uri", redirect_uri);
        if let Some(scope) = &scope {
            push("scope", scope);
        }
        push("state", &state);
        #[cfg(feature = "openid-claims")]
        if let Some(openid) = &openid {
            push("nonce", &openid.nonce);
        }
        if let Some((verifier, method)) = &pkce {
            push("code_challenge", &code_challenge(verifier, *method));
            push("code_challenge_method", method.as_str());
        }
        // RFC 8707 §2.1: one `resource` per resource.
        #[cfg(feature = "resources")]
        for resource in self.resources() {
            push("resource", resource);
        }
        // RFC 9449 §10: the code is bound to the DPoP key (pushed too,
        // RFC 9449 §10.1, when the request goes through the PAR endpoint).
        #[cfg(feature = "dpop")]
        if let Some(jkt) = self.dpop_jkt_param() {
            push("dpop_jkt", jkt);
        }
        for (name, value) in &options.extra_params {
            push(name, value);
        }

        #[allow(unused_mut)] // only the openid-claims feature adds to it
        let mut pending = PendingAuthorization::new(
            self,
            redirect_uri.to_owned(),
            state,
            pkce,
            scopes,
            now,
            options.max_age.unwrap_or(DEFAULT_MAX_AGE),
        );
        #[cfg(feature = "openid-claims")]
        {
            pending.openid = openid;
        }
        Ok(pending)
    }
}

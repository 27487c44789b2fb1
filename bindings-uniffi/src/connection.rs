//! The client level: the core's flows over the host language's transport,
//! blocking (`exchange`) and async (`exchange_async`), and a session that
//! keeps tokens fresh for any number of threads and coroutines.
//!
//! Nothing here decides anything about OAuth: every request comes from the
//! core and every answer is parsed by it; this module only sends, reads
//! the clock and entropy from the [`Environment`], and, for the session,
//! does what `Session::poll_action` says, the way
//! `cli/src/driver.rs` does: one caller sends the renewal without
//! holding the lock, the others keep the current token or wait on a
//! condition variable (threads) or a waker list (coroutines).

use crate::client::{AuthorizationOptions, Client, TokenTypeHint};
use crate::error::{AuthflowError, Result};
use crate::fleet::{fleet_session, AsyncSharedSession, AsyncTokenStore, SharedSession, TokenStore};
use crate::http::{HttpHeader, HttpRequest as HttpRequestOut, HttpResponse};
use crate::id_token::{LogoutOptions, UserInfo};
use crate::profile::Profile;
use crate::task::Detached;
use crate::token_exchange::{IssuedToken, TokenExchange};
use crate::token_set::{Introspection, TokenInfo, TokenSet};
use crate::transport::{Environment, HttpTransport, SystemEnvironment, TokenPersister};
use authflowkit_core::{
    AccessToken, ApiAnswer, AuthorizationOptions as CoreOptions, DiscoveryDocument, Error,
    ErrorKind, GrantType, HttpResponse as CoreResponse, IdTokenValidation, JwksCache, Method,
    OutgoingRequest, PendingAuthorization, RefreshToken, SessionAction, TokenRef, UsedStates,
    AUTHORIZATION_ENTROPY_LEN,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// Where to send the user, and the pending authorization to keep until
/// they come back. `repr` / `toString` redact `pending` (it holds the
/// PKCE verifier).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct AuthorizationStart {
    /// The authorization URL.
    pub url: String,
    /// `PendingAuthorization.to_storage_string()`: keep it in the user's
    /// session, never in a URL or a log.
    pub pending: String,
}

impl std::fmt::Debug for AuthorizationStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationStart")
            .field("url", &self.url)
            .field("pending", &"[redacted]")
            .finish()
    }
}

impl std::fmt::Display for AuthorizationStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// The pending authorizations this process has used: `exchange` and
/// `exchange_async` take the stored string, so the library refuses a
/// second use of it (a replayed redirect, a string not deleted), whichever
/// client object gets it.
static USED_STATES: Mutex<UsedStates> = Mutex::new(UsedStates::new());

/// How a step reads its answer, received at `now`.
type Parse<T> = Box<dyn FnOnce(u64, &CoreResponse) -> authflowkit_core::Result<T> + Send>;

/// One step of a flow: the request to send and how to read its answer.
struct Step<T> {
    request: authflowkit_core::HttpRequest,
    parse: Parse<T>,
}

impl<T> Step<T> {
    fn new(
        request: authflowkit_core::HttpRequest,
        parse: impl FnOnce(u64, &CoreResponse) -> authflowkit_core::Result<T> + Send + 'static,
    ) -> Step<T> {
        Step {
            request,
            parse: Box::new(parse),
        }
    }
}

/// How an authorization starts: a URL made here, or a push to the PAR
/// endpoint (RFC 9126) whose answer makes it.
enum Start {
    Ready(AuthorizationStart),
    Push(Step<AuthorizationStart>),
}

/// A client over the host language's HTTP stack. Every flow of the core,
/// blocking and async; `session()` for tokens that stay fresh.
#[derive(uniffi::Object)]
pub struct OAuthClient {
    client: Arc<Client>,
    transport: Arc<dyn HttpTransport>,
    environment: Arc<dyn Environment>,
    /// The provider's JWK set, fetched when an ID token first needs it.
    jwks: Arc<Mutex<Option<JwksCache>>>,
    /// DPoP (RFC 9449): the servers' nonces for this client's proofs.
    dpop_nonces: Arc<crate::dpop::DpopNonces>,
}

/// Token sets from a flow, with the check their ID token needs, if any.
type Checked = (Arc<TokenSet>, Option<IdTokenValidation>);

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    pub(crate) fn core(&self) -> &authflowkit_core::Client {
        &self.client.0
    }

    /// The host's transport.
    pub(crate) fn transport(&self) -> Arc<dyn HttpTransport> {
        self.transport.clone()
    }

    /// The host's clock and entropy.
    pub(crate) fn environment(&self) -> Arc<dyn Environment> {
        self.environment.clone()
    }

    /// 32 bytes of the environment's entropy: the key of a client
    /// assertion's randomness ([`authflowkit_core::Client::at`]).
    pub(crate) fn assertion_seed(
        &self,
    ) -> authflowkit_core::Result<zeroize::Zeroizing<[u8; authflowkit_core::ASSERTION_ENTROPY_LEN]>>
    {
        let bytes = zeroize::Zeroizing::new(
            self.environment
                .random_bytes(authflowkit_core::ASSERTION_ENTROPY_LEN as u32),
        );
        crate::signing::entropy_seed(&bytes, "the environment's random_bytes")
    }

    /// Another handle on the same client, transport and environment.
    fn handle(&self) -> OAuthClient {
        OAuthClient {
            client: self.client.clone(),
            transport: self.transport.clone(),
            environment: self.environment.clone(),
            jwks: self.jwks.clone(),
            dpop_nonces: self.dpop_nonces.clone(),
        }
    }

    /// The client for the requests built now: through the core's `at`
    /// with the environment's time and fresh entropy, and the servers'
    /// DPoP nonces, when it signs its requests (DPoP proofs, JWT client
    /// authentication); otherwise as it is.
    pub(crate) fn request_client(&self) -> authflowkit_core::Result<authflowkit_core::Client> {
        if !self.core().signs_requests() {
            return Ok(self.core().clone());
        }
        Ok(self
            .core()
            .at(self.now(), &*self.assertion_seed()?)?
            .with_dpop_nonces(&self.dpop_nonces.lock()))
    }

    /// A core session over this client: starting from the DPoP nonces it
    /// holds and, when its client signs its renewals (DPoP proofs, JWT
    /// client authentication), with entropy from the environment.
    pub(crate) fn core_session(
        &self,
        tokens: Option<authflowkit_core::TokenSet>,
    ) -> authflowkit_core::Session {
        let client = self
            .core()
            .clone()
            .with_dpop_nonces(&self.dpop_nonces.lock());
        let session = authflowkit_core::Session::new(client, tokens);
        if !self.core().signs_requests() {
            return session;
        }
        // A host whose entropy source gave too few bytes: the renewal
        // says so when it is due.
        match self.assertion_seed() {
            Ok(seed) => session.with_entropy(&seed),
            Err(_) => session,
        }
    }

    /// The request to send once more when the answer to `request` is a
    /// server's demand for a DPoP nonce it had not been given (RFC 9449
    /// §8, §9): the same request with a new proof. `None`: no retry.
    fn nonce_retry(
        &self,
        request: &authflowkit_core::HttpRequest,
        answer: &Result<HttpResponse>,
    ) -> Result<Option<authflowkit_core::HttpRequest>> {
        let Ok(response) = answer else {
            return Ok(None);
        };
        if !self
            .dpop_nonces
            .lock()
            .handle_response(request, &response.to_core())
        {
            return Ok(None);
        }
        Ok(Some(
            self.request_client()?
                .with_new_dpop_proof(request.clone())?,
        ))
    }

    /// Keeps the `DPoP-Nonce` of the answer to a retried request (the
    /// next nonce, for the next request); a second demand is not retried.
    fn keep_nonce(&self, request: &authflowkit_core::HttpRequest, answer: &Result<HttpResponse>) {
        if let Ok(response) = answer {
            let _ = self
                .dpop_nonces
                .lock()
                .handle_response(request, &response.to_core());
        }
    }

    /// Sends `request`, and once more with a new proof when the server
    /// asks for a DPoP nonce (never more): the request sent last and its
    /// answer.
    fn send_retrying(
        &self,
        request: authflowkit_core::HttpRequest,
    ) -> Result<(authflowkit_core::HttpRequest, Result<HttpResponse>)> {
        let answer = self.transport.send((&request).into());
        match self.nonce_retry(&request, &answer)? {
            Some(retry) => {
                let answer = self.transport.send((&retry).into());
                self.keep_nonce(&retry, &answer);
                Ok((retry, answer))
            }
            None => Ok((request, answer)),
        }
    }

    /// [`OAuthClient::send_retrying`] through the transport's `send_async`.
    async fn send_retrying_async(
        &self,
        request: authflowkit_core::HttpRequest,
    ) -> Result<(authflowkit_core::HttpRequest, Result<HttpResponse>)> {
        let answer = self.transport.send_async((&request).into()).await;
        match self.nonce_retry(&request, &answer)? {
            Some(retry) => {
                let answer = self.transport.send_async((&retry).into()).await;
                self.keep_nonce(&retry, &answer);
                Ok((retry, answer))
            }
            None => Ok((request, answer)),
        }
    }

    /// Reads the answer to an API call by the core's rule
    /// ([`authflowkit_core::Client::read_api_answer`]): the response, `None`
    /// when the API refused the token on the first try (renew and send
    /// again), or the error. No error shows a secret `request` carried
    /// (the bearer token), whether the API echoes it or the host's
    /// transport quotes it.
    pub(crate) fn read_api_answer(
        &self,
        request: &authflowkit_core::HttpRequest,
        answer: Result<HttpResponse>,
        first: bool,
    ) -> Result<Option<HttpResponse>> {
        let response = answer.map_err(|e| e.without_secrets_of(request))?;
        match self
            .core()
            .read_api_answer(self.now(), &response.to_core(), first)
        {
            ApiAnswer::Done => Ok(Some(response)),
            ApiAnswer::RenewAndRetry => Ok(None),
            ApiAnswer::Failed(error) => Err(error.without_secrets_of(request).into()),
        }
    }

    /// Sends an API call (with one retry when the server asks for a DPoP
    /// nonce) and reads its answer ([`OAuthClient::read_api_answer`]).
    pub(crate) fn send_api_call(
        &self,
        request: authflowkit_core::HttpRequest,
        first: bool,
    ) -> Result<Option<HttpResponse>> {
        let (sent, answer) = self.send_retrying(request)?;
        self.read_api_answer(&sent, answer, first)
    }

    /// Async [`OAuthClient::send_api_call`].
    pub(crate) async fn send_api_call_async(
        &self,
        request: authflowkit_core::HttpRequest,
        first: bool,
    ) -> Result<Option<HttpResponse>> {
        let (sent, answer) = self.send_retrying_async(request).await?;
        self.read_api_answer(&sent, answer, first)
    }

    fn run<T>(&self, step: authflowkit_core::Result<Step<T>>) -> Result<T> {
        let Step { request, parse } = step?;
        let (request, answer) = self.send_retrying(request)?;
        self.read(Step { request, parse }, answer)
    }

    async fn run_async<T>(&self, step: authflowkit_core::Result<Step<T>>) -> Result<T> {
        let Step { request, parse } = step?;
        let (request, answer) = self.send_retrying_async(request).await?;
        self.read(Step { request, parse }, answer)
    }

    /// Reads a step's answer. No error shows a secret the request carried,
    /// whether the provider echoes it or the host's transport quotes it.
    fn read<T>(&self, step: Step<T>, answer: Result<HttpResponse>) -> Result<T> {
        let response = answer.map_err(|e| e.without_secrets_of(&step.request))?;
        (step.parse)(self.now(), &response.to_core())
            .map_err(|e| e.without_secrets_of(&step.request).into())
    }

    /// The start of an authorization: the URL at once, or (RFC 9126) the
    /// push whose answer makes it.
    fn authorization_start(&self, options: Option<AuthorizationOptions>) -> Result<Start> {
        let options: CoreOptions = options.map(|o| o.to_core()).unwrap_or_default();
        let entropy = self
            .environment
            .random_bytes(AUTHORIZATION_ENTROPY_LEN as u32);
        let now = self.now();
        let done = |start: authflowkit_core::AuthorizationRequest| AuthorizationStart {
            url: start.url,
            pending: start.pending.to_storage_string(),
        };
        if !self.core().profile().uses_pushed_authorization() {
            let start = self
                .core()
                .authorization_request_with(now, &entropy, &options)?;
            // Before the user signs in, not after the code is spent.
            self.core().id_token_check_ready(&start.pending)?;
            return Ok(Start::Ready(done(start)));
        }
        // The push is client-authenticated: signed, for a client that signs.
        let push = self
            .request_client()?
            .pushed_authorization_request_with(now, &entropy, &options)?;
        self.core().id_token_check_ready(&push.pending)?;
        let client = self.core().clone();
        let pending = push.pending;
        Ok(Start::Push(Step::new(push.request, move |now, r| {
            client
                .parse_pushed_authorization_response(now, pending, r)
                .map(done)
        })))
    }

    fn exchange_step(
        &self,
        callback_url: &str,
        pending: &str,
    ) -> authflowkit_core::Result<Step<Checked>> {
        let pending = PendingAuthorization::from_storage_string(pending)?;
        self.core().id_token_check_ready(&pending)?;
        let callback = USED_STATES
            .lock()
            // One insert or lookup per use: go on after a panic elsewhere.
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .validate(&pending, callback_url, self.now())?;
        let client = self.request_client()?;
        Ok(Step::new(
            client.exchange_request(callback)?,
            move |now, r| {
                let tokens = client.parse_token_response(GrantType::AuthorizationCode, now, r)?;
                let check = client.id_token_after_exchange(&pending, &tokens)?;
                Ok((TokenSet::wrap(tokens), check))
            },
        ))
    }

    fn refresh_step(&self, tokens: &TokenSet) -> authflowkit_core::Result<Step<Checked>> {
        let client = self.request_client()?;
        let previous = tokens.0.clone();
        Ok(Step::new(
            client.refresh_request_for(&previous, self.now())?,
            move |now, r| {
                let tokens = client.parse_refresh_response(now, r, &previous)?;
                let check = client.id_token_after_refresh(&previous, &tokens)?;
                Ok((TokenSet::wrap(tokens), check))
            },
        ))
    }

    fn userinfo_step(&self, tokens: &TokenSet) -> authflowkit_core::Result<Step<UserInfo>> {
        let client = self.request_client()?;
        let tokens = tokens.0.clone();
        Ok(Step::new(
            client.userinfo_request_for(&tokens)?,
            move |now, r| {
                client
                    .parse_userinfo_response_for(now, r, &tokens)
                    .map(UserInfo::from)
            },
        ))
    }

    /// The provider's JWK set as held (an empty cache before the first fetch).
    fn jwks_cache(&self) -> Result<JwksCache> {
        let mut held = self
            .jwks
            .lock()
            // One assignment per use: go on after a panic elsewhere.
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match &*held {
            Some(cache) => Ok(cache.clone()),
            None => {
                let cache = self.core().jwks_cache()?;
                *held = Some(cache.clone());
                Ok(cache)
            }
        }
    }

    /// The JWK set request `check` needs first, if any, with the cache to fill.
    fn keys_step(&self, check: &IdTokenValidation) -> Result<Option<(HttpRequestOut, JwksCache)>> {
        let cache = self.jwks_cache()?;
        Ok(check
            .keys_request(&cache, self.now())?
            .map(|request| ((&request).into(), cache)))
    }

    /// Takes the JWK set's answer into the shared cache (a failure too:
    /// it counts for the refetch rate limit).
    fn keys_answer(
        &self,
        check: &IdTokenValidation,
        mut cache: JwksCache,
        answer: Result<HttpResponse>,
    ) -> Result<()> {
        let answer = answer.map(|r| r.to_core()).map_err(|e| e.to_core());
        let handled = check.handle_keys_response(
            &mut cache,
            self.now(),
            answer.as_ref().map_err(Clone::clone),
        );
        *self
            .jwks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(cache);
        Ok(handled?)
    }

    /// Validates the ID token `checked` holds, if it needs it (fetching
    /// the keys first when the cache says so), and gives the tokens.
    fn checked(&self, (tokens, check): Checked) -> Result<Arc<TokenSet>> {
        if let Some(check) = check {
            if let Some((request, cache)) = self.keys_step(&check)? {
                let answer = self.transport.send(request);
                self.keys_answer(&check, cache, answer)?;
            }
            check.finish(&self.jwks_cache()?, self.now())?;
        }
        Ok(tokens)
    }

    /// Async [`OAuthClient::checked`].
    async fn checked_async(&self, (tokens, check): Checked) -> Result<Arc<TokenSet>> {
        if let Some(check) = check {
            if let Some((request, cache)) = self.keys_step(&check)? {
                let answer = self.transport.send_async(request).await;
                self.keys_answer(&check, cache, answer)?;
            }
            check.finish(&self.jwks_cache()?, self.now())?;
        }
        Ok(tokens)
    }

    fn grant_step(
        &self,
        built: authflowkit_core::Result<(GrantType, authflowkit_core::HttpRequest)>,
    ) -> authflowkit_core::Result<Step<Arc<TokenSet>>> {
        let (grant, request) = built?;
        let client = self.request_client()?;
        Ok(Step::new(request, move |now, r| {
            client
                .parse_token_response(grant, now, r)
                .map(TokenSet::wrap)
        }))
    }

    fn password_grant(
        &self,
        username: &str,
        password: &str,
    ) -> authflowkit_core::Result<(GrantType, authflowkit_core::HttpRequest)> {
        let password = authflowkit_core::Password::new(password);
        Ok((
            GrantType::Password,
            self.request_client()?
                .password_request(username, &password)?,
        ))
    }

    fn token_exchange_step(
        &self,
        exchange: &TokenExchange,
    ) -> authflowkit_core::Result<Step<Arc<IssuedToken>>> {
        let client = self.request_client()?;
        let exchange = exchange.0.clone();
        Ok(Step::new(
            client.token_exchange_request(&exchange)?,
            move |now, r| {
                client
                    .parse_token_exchange_response(&exchange, now, r)
                    .map(|issued| Arc::new(IssuedToken(issued)))
            },
        ))
    }

    fn revoke_step(&self, token: &str, hint: TokenTypeHint) -> authflowkit_core::Result<Step<()>> {
        let client = self.request_client()?;
        let request = with_token(token, hint, |t| client.revocation_request(t))?;
        Ok(Step::new(request, move |now, r| {
            client.parse_revocation_response(now, r)
        }))
    }

    fn introspect_step(
        &self,
        token: &str,
        hint: TokenTypeHint,
    ) -> authflowkit_core::Result<Step<Introspection>> {
        let client = self.request_client()?;
        let request = with_token(token, hint, |t| client.introspection_request(t))?;
        Ok(Step::new(request, move |now, r| {
            client.parse_introspection_response(now, r).map(Into::into)
        }))
    }

    fn token_info_step(&self, access_token: &str) -> authflowkit_core::Result<Step<TokenInfo>> {
        let client = self.request_client()?;
        let request = client.token_info_request(&AccessToken::new(access_token))?;
        Ok(Step::new(request, move |now, r| {
            client
                .parse_token_info_response(now, r)
                .map(|info| TokenInfo::from_core(&info, now))
        }))
    }

    fn api_step(
        &self,
        access_token: &str,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> authflowkit_core::Result<Step<HttpResponse>> {
        let client = self.request_client()?;
        let request = client.api_request(&AccessToken::new(access_token), method, path, body)?;
        Ok(Step::new(request, move |now, r| {
            client.check_api_response(now, r)?;
            Ok(response_record(r))
        }))
    }
}

fn response_record(response: &CoreResponse) -> HttpResponse {
    HttpResponse {
        status: response.status,
        headers: response
            .headers
            .iter()
            .map(|(name, value)| crate::http::HttpHeader {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        body: response.body.to_vec(),
    }
}

fn with_token<T>(token: &str, hint: TokenTypeHint, f: impl FnOnce(TokenRef<'_>) -> T) -> T {
    match hint {
        TokenTypeHint::AccessToken => f(TokenRef::Access(&AccessToken::new(token))),
        TokenTypeHint::RefreshToken => f(TokenRef::Refresh(&RefreshToken::new(token))),
    }
}

#[uniffi::export]
impl OAuthClient {
    /// A client sending through `transport`, reading time and entropy
    /// from `environment`; without one, from the system clock and an
    /// OS-seeded CSPRNG inside the library (no call into the host
    /// language on the hot path).
    #[uniffi::constructor(default(environment = None))]
    pub fn new(
        client: Arc<Client>,
        transport: Arc<dyn HttpTransport>,
        environment: Option<Arc<dyn Environment>>,
    ) -> Arc<OAuthClient> {
        Arc::new(OAuthClient {
            client,
            transport,
            environment: environment.unwrap_or_else(|| Arc::new(SystemEnvironment)),
            jwks: Arc::new(Mutex::new(None)),
            dpop_nonces: crate::dpop::DpopNonces::new(),
        })
    }

    /// The sans-IO client underneath.
    pub fn client(&self) -> Arc<Client> {
        self.client.clone()
    }

    /// The time by this client's environment (Unix seconds), the clock its
    /// own flows read: for a driver of a sans-IO state machine in the host
    /// language (the device login over `DevicePoll`).
    pub fn now(&self) -> u64 {
        self.environment.now()
    }

    /// Sends `request` as given through this client's transport, blocking:
    /// every status comes back as the response; a failure to get one is
    /// the transport's error, without the request's secrets. For a driver
    /// of a sans-IO state machine in the host language (the device login
    /// over `DevicePoll`), so that it uses the transport this client was
    /// built with.
    pub fn send(&self, request: HttpRequestOut) -> Result<HttpResponse> {
        let outgoing = request.to_core();
        self.transport
            .send(request)
            .map_err(|e| e.without_secrets_of(&outgoing))
    }

    /// The authorization URL, with state and PKCE from the environment's
    /// entropy, and the pending authorization's storage string to keep.
    ///
    /// With a profile that uses pushed authorization requests (RFC 9126:
    /// the server requires them, or `Profile.with_pushed_authorization`),
    /// this makes one request: the parameters are posted to the PAR
    /// endpoint first, and the URL carries only `client_id` and the
    /// `request_uri` the server returned; the pending authorization then
    /// expires no later than that `request_uri`. Otherwise no IO.
    #[uniffi::method(default(options = None))]
    pub fn authorization_url(
        &self,
        options: Option<AuthorizationOptions>,
    ) -> Result<AuthorizationStart> {
        match self.authorization_start(options)? {
            Start::Ready(start) => Ok(start),
            Start::Push(step) => self.run(Ok(step)),
        }
    }

    /// Validates the redirect against `pending` (a storage string) and
    /// exchanges the code. A pending authorization is used once: a second
    /// call with the same string in this process is refused
    /// (`pending_already_used`), whatever the first call's outcome (a code
    /// may have reached the provider; a new authorization is the way on).
    /// Delete the stored string as you call this.
    ///
    /// With an OpenID Provider (a profile that `is_openid`), the ID token
    /// is validated before the tokens are returned (OpenID Connect Core
    /// 1.0 §3.1.3.7: signature against the provider's JWK set, fetched
    /// when needed, then every claim, the nonce included); a token that
    /// fails raises `id_token_invalid`. Its claims: `id_token_claims()` on
    /// the token set.
    pub fn exchange(&self, callback_url: String, pending: String) -> Result<Arc<TokenSet>> {
        self.checked(self.run(self.exchange_step(&callback_url, &pending))?)
    }

    /// Refreshes `tokens` (a rotated refresh token replaces the old one).
    /// A new ID token is validated as at the exchange, and must name the
    /// same user as the one it replaces (OpenID Connect Core 1.0 §12.2).
    pub fn refresh(&self, tokens: Arc<TokenSet>) -> Result<Arc<TokenSet>> {
        self.checked(self.run(self.refresh_step(&tokens))?)
    }

    /// Checks the ID token of a device login's tokens (the `Done` of a
    /// `DevicePoll`) as `exchange` checks a code flow's, without a nonce
    /// (none is sent in the device flow), and gives the tokens back. A
    /// device login driven by hand calls it before using the tokens; the
    /// languages' `device_login` do.
    pub fn check_device_login(&self, tokens: Arc<TokenSet>) -> Result<Arc<TokenSet>> {
        let check = self.core().id_token_after_device_login(&tokens.0)?;
        self.checked((tokens, check))
    }

    /// The user's claims from the UserInfo endpoint (OpenID Connect Core
    /// 1.0 §5.3), with `tokens`' access token; refused unless its `sub` is
    /// the ID token's.
    pub fn userinfo(&self, tokens: Arc<TokenSet>) -> Result<UserInfo> {
        self.run(self.userinfo_step(&tokens))
    }

    /// Where to send the user to log out at the provider (OpenID Connect
    /// RP-Initiated Logout 1.0): the end-session endpoint with
    /// `id_token_hint` (from `tokens` unless `options` gives one),
    /// `client_id` and `options`' other parameters. No IO. The URL holds
    /// the ID token: do not log it.
    #[uniffi::method(default(tokens = None, options = None))]
    pub fn logout_url(
        &self,
        tokens: Option<Arc<TokenSet>>,
        options: Option<LogoutOptions>,
    ) -> Result<String> {
        let mut options = options.unwrap_or_default();
        if options.id_token_hint.is_none() {
            options.id_token_hint = tokens.and_then(|t| t.id_token());
        }
        Ok(self.core().logout_url(&options.to_core())?)
    }

    /// The sans-IO client for the requests built now (dated now, with
    /// fresh entropy, when it signs its authentication): for flows the host
    /// drives itself, such as the device login.
    pub fn client_now(&self) -> Result<Arc<Client>> {
        Ok(Arc::new(Client(self.request_client()?)))
    }

    /// A device poll for `authorization` (which this client asked for),
    /// with the entropy its polls need when the client signs.
    pub fn device_poll(
        &self,
        authorization: Arc<crate::device::DeviceAuthorization>,
    ) -> Result<Arc<crate::device::DevicePoll>> {
        let entropy = if self.core().signs_requests() {
            Some(self.assertion_seed()?.to_vec())
        } else {
            None
        };
        crate::device::DevicePoll::new(self.client.clone(), authorization, entropy)
    }

    /// The client-credentials grant (Makini Admin).
    pub fn client_credentials(&self) -> Result<Arc<TokenSet>> {
        self.run(
            self.grant_step(
                self.request_client()
                    .and_then(|c| c.client_credentials_request())
                    .map(|r| (GrantType::ClientCredentials, r)),
            ),
        )
    }

    /// The resource-owner password grant.
    pub fn password(&self, username: String, password: String) -> Result<Arc<TokenSet>> {
        self.run(self.grant_step(self.password_grant(&username, &password)))
    }

    /// New tokens without the user, as the profile says (client
    /// credentials; MakeShift's password grant with the API key and secret).
    pub fn reauthenticate(&self) -> Result<Arc<TokenSet>> {
        self.run(
            self.grant_step(
                self.request_client()
                    .and_then(|c| c.reauthentication_request()),
            ),
        )
    }

    /// Exchanges a token (RFC 8693) at the token endpoint, with the
    /// client's authentication: the issued token, whatever its type (its
    /// `access_token()` only when it is a Bearer access token).
    pub fn token_exchange(&self, exchange: Arc<TokenExchange>) -> Result<Arc<IssuedToken>> {
        self.run(self.token_exchange_step(&exchange))
    }

    /// Revokes a token (RFC 7009).
    pub fn revoke(&self, token: String, hint: TokenTypeHint) -> Result<()> {
        self.run(self.revoke_step(&token, hint))
    }

    /// Introspects a token (RFC 7662).
    pub fn introspect(&self, token: String, hint: TokenTypeHint) -> Result<Introspection> {
        self.run(self.introspect_step(&token, hint))
    }

    /// MakeShift's token info for `access_token`.
    pub fn token_info(&self, access_token: String) -> Result<TokenInfo> {
        self.run(self.token_info_step(&access_token))
    }

    /// A bearer API call with `access_token`; a non-2xx answer is the typed error.
    #[uniffi::method(default(body = None))]
    pub fn api(
        &self,
        access_token: String,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse> {
        self.run(self.api_step(&access_token, method, &path, body.as_deref()))
    }

    /// Async [`OAuthClient::send`]: through the transport's `send_async`.
    pub async fn send_async(&self, request: HttpRequestOut) -> Result<HttpResponse> {
        let outgoing = request.to_core();
        self.transport
            .send_async(request)
            .await
            .map_err(|e| e.without_secrets_of(&outgoing))
    }

    /// Async [`OAuthClient::authorization_url`]: the push to the PAR
    /// endpoint, when the profile uses one, through `send_async`.
    #[uniffi::method(default(options = None))]
    pub async fn authorization_url_async(
        &self,
        options: Option<AuthorizationOptions>,
    ) -> Result<AuthorizationStart> {
        match self.authorization_start(options)? {
            Start::Ready(start) => Ok(start),
            Start::Push(step) => self.run_async(Ok(step)).await,
        }
    }

    /// Async [`OAuthClient::exchange`].
    pub async fn exchange_async(
        &self,
        callback_url: String,
        pending: String,
    ) -> Result<Arc<TokenSet>> {
        let checked = self
            .run_async(self.exchange_step(&callback_url, &pending))
            .await?;
        self.checked_async(checked).await
    }

    /// Async [`OAuthClient::refresh`].
    pub async fn refresh_async(&self, tokens: Arc<TokenSet>) -> Result<Arc<TokenSet>> {
        let checked = self.run_async(self.refresh_step(&tokens)).await?;
        self.checked_async(checked).await
    }

    /// Async [`OAuthClient::check_device_login`].
    pub async fn check_device_login_async(&self, tokens: Arc<TokenSet>) -> Result<Arc<TokenSet>> {
        let check = self.core().id_token_after_device_login(&tokens.0)?;
        self.checked_async((tokens, check)).await
    }

    /// Async [`OAuthClient::userinfo`].
    pub async fn userinfo_async(&self, tokens: Arc<TokenSet>) -> Result<UserInfo> {
        self.run_async(self.userinfo_step(&tokens)).await
    }

    /// Async [`OAuthClient::client_credentials`].
    pub async fn client_credentials_async(&self) -> Result<Arc<TokenSet>> {
        let built = self
            .request_client()
            .and_then(|c| c.client_credentials_request())
            .map(|r| (GrantType::ClientCredentials, r));
        self.run_async(self.grant_step(built)).await
    }

    /// Async [`OAuthClient::password`].
    pub async fn password_async(
        &self,
        username: String,
        password: String,
    ) -> Result<Arc<TokenSet>> {
        self.run_async(self.grant_step(self.password_grant(&username, &password)))
            .await
    }

    /// Async [`OAuthClient::reauthenticate`].
    pub async fn reauthenticate_async(&self) -> Result<Arc<TokenSet>> {
        self.run_async(
            self.grant_step(
                self.request_client()
                    .and_then(|c| c.reauthentication_request()),
            ),
        )
        .await
    }

    /// Async [`OAuthClient::token_exchange`].
    pub async fn token_exchange_async(
        &self,
        exchange: Arc<TokenExchange>,
    ) -> Result<Arc<IssuedToken>> {
        self.run_async(self.token_exchange_step(&exchange)).await
    }

    /// Async [`OAuthClient::revoke`].
    pub async fn revoke_async(&self, token: String, hint: TokenTypeHint) -> Result<()> {
        self.run_async(self.revoke_step(&token, hint)).await
    }

    /// Async [`OAuthClient::introspect`].
    pub async fn introspect_async(
        &self,
        token: String,
        hint: TokenTypeHint,
    ) -> Result<Introspection> {
        self.run_async(self.introspect_step(&token, hint)).await
    }

    /// Async [`OAuthClient::token_info`].
    pub async fn token_info_async(&self, access_token: String) -> Result<TokenInfo> {
        self.run_async(self.token_info_step(&access_token)).await
    }

    /// Async [`OAuthClient::api`].
    #[uniffi::method(default(body = None))]
    pub async fn api_async(
        &self,
        access_token: String,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse> {
        self.run_async(self.api_step(&access_token, method, &path, body.as_deref()))
            .await
    }

    /// A session that keeps `tokens` fresh (or, with none, authenticates
    /// on first use where the flow allows it), calling `persister` with
    /// every token set to store.
    #[uniffi::method(default(tokens = None, persister = None, refresh_margin = None))]
    pub fn session(
        &self,
        tokens: Option<Arc<TokenSet>>,
        persister: Option<Arc<dyn TokenPersister>>,
        refresh_margin: Option<u64>,
    ) -> Arc<ClientSession> {
        let mut session = self.core_session(tokens.map(|t| t.0.clone()));
        if let Some(margin) = refresh_margin {
            session = session.with_refresh_margin(margin);
        }
        Arc::new(ClientSession {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    session,
                    generation: 0,
                    wakers: Vec::new(),
                }),
                changed: Condvar::new(),
                client: self.handle(),
                persister,
            }),
        })
    }

    /// A session whose tokens are shared, through `store`, with every
    /// process that uses the same provider, client and `connection` name
    /// (e.g. a user id): one renewal per expiry across all of them. `tokens`
    /// (e.g. fresh from `exchange`) go into the store unless it holds newer
    /// ones. `lease_ttl_ms` (default 60 s) must exceed the transport's
    /// timeout: a renewing process that died frees the renewal after it.
    #[uniffi::method(default(connection = "default", tokens = None, lease_ttl_ms = None))]
    pub fn shared_session(
        &self,
        store: Arc<dyn TokenStore>,
        connection: String,
        tokens: Option<Arc<TokenSet>>,
        lease_ttl_ms: Option<u64>,
    ) -> Result<Arc<SharedSession>> {
        let parts = fleet_session(self, &connection, tokens, lease_ttl_ms)?;
        Ok(Arc::new(SharedSession::new(self.handle(), store, parts)))
    }

    /// [`OAuthClient::shared_session`] for coroutines: its calls are
    /// awaited and never block the event loop, over an [`AsyncTokenStore`]
    /// (Python: `authflowkit.aio.AsyncRedisStore`). It shares a connection
    /// with blocking and Rust processes on the same store.
    #[uniffi::method(default(connection = "default", tokens = None, lease_ttl_ms = None))]
    pub fn async_shared_session(
        &self,
        store: Arc<dyn AsyncTokenStore>,
        connection: String,
        tokens: Option<Arc<TokenSet>>,
        lease_ttl_ms: Option<u64>,
    ) -> Result<Arc<AsyncSharedSession>> {
        let parts = fleet_session(self, &connection, tokens, lease_ttl_ms)?;
        Ok(Arc::new(AsyncSharedSession::new(
            self.handle(),
            store,
            parts,
        )))
    }
}

/// Fetches an issuer's metadata through `transport` and makes a profile.
#[uniffi::export]
pub fn discover(
    issuer: String,
    document: DiscoveryDocument,
    transport: Arc<dyn HttpTransport>,
) -> Result<Arc<Profile>> {
    let request = authflowkit_core::discovery_request(&issuer, document)?;
    let response = transport.send((&request).into())?;
    let metadata = authflowkit_core::parse_discovery_response(&issuer, &response.to_core())?;
    Ok(Arc::new(Profile(metadata.profile()?)))
}

/// Async [`discover`].
#[uniffi::export]
pub async fn discover_async(
    issuer: String,
    document: DiscoveryDocument,
    transport: Arc<dyn HttpTransport>,
) -> Result<Arc<Profile>> {
    let request = authflowkit_core::discovery_request(&issuer, document)?;
    let response = transport.send_async((&request).into()).await?;
    let metadata = authflowkit_core::parse_discovery_response(&issuer, &response.to_core())?;
    Ok(Arc::new(Profile(metadata.profile()?)))
}

struct State {
    session: authflowkit_core::Session,
    /// Bumped on every handled answer, so that waiters see a change.
    generation: u64,
    /// Coroutines waiting for the answer in flight.
    wakers: Vec<Waker>,
}

/// What one poll of the session tells a caller to do.
enum Next {
    Done(AccessToken),
    WaitForAnswer(u64),
    Send(OutgoingRequest),
}

/// A session over the client's transport: `access_token()` renews when
/// due, one renewal at a time however many threads or coroutines ask;
/// `get` / `request` call the API and renew once on a 401. Every token
/// set to store goes to the persister before any caller sees the new
/// access token. A refresh the provider refuses is followed, within the
/// same call, by a re-authentication where the profile has one. A
/// renewal sent for a coroutine that is then cancelled still completes,
/// and its answer is handled and stored.
#[derive(uniffi::Object)]
pub struct ClientSession {
    shared: Arc<Shared>,
}

/// What the callers of one session share; renewals in flight hold it too.
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    client: OAuthClient,
    persister: Option<Arc<dyn TokenPersister>>,
}

impl std::fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSession")
            .field("session", &self.shared.lock().session)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change to the state is one assignment: go on after a panic.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Polls the session once at the environment's `now`, after handing
    /// the persister a set that failed to store, if its back-off is over.
    fn next(&self, state: &mut State) -> Result<Next> {
        let now = self.client.now();
        self.persist(state, now);
        match state.session.poll_action(now) {
            SessionAction::UseToken(token) => Ok(Next::Done(token)),
            SessionAction::Stop(error) => Err(error.into()),
            SessionAction::Wait { until: None } => Ok(Next::WaitForAnswer(state.generation)),
            SessionAction::Wait { .. } => Err(state.session.wait_error().into()),
            SessionAction::Send(outgoing) => Ok(Next::Send(outgoing)),
        }
    }

    /// Hands the set the session has to store at `now` to the persister.
    /// One it could not store (it raised) is handed again at a later call,
    /// after a back-off ([`authflowkit_core::Session::persist_failed`]);
    /// its exception is the app's to report (the Python package logs it,
    /// without the tokens): it may quote them, so nothing of it is kept.
    fn persist(&self, state: &mut State, now: u64) {
        let Some(tokens) = state.session.poll_persist(now) else {
            return;
        };
        if let Some(persister) = &self.persister {
            if persister.persist(TokenSet::wrap(tokens)).is_err() {
                state.session.persist_failed(now);
            }
        }
    }

    /// Hands a renewal's outcome to the session, passes on what to store,
    /// and wakes every waiter. `Ok`: poll again (new tokens, or a failure
    /// the session recovers from by itself, such as a refused refresh
    /// followed by a re-authentication); `Err`: the call ends with it.
    fn complete(&self, outgoing: &OutgoingRequest, answer: Result<HttpResponse>) -> Result<()> {
        let mut state = self.lock();
        let now = self.client.now();
        let handled = match &answer {
            Ok(response) => state
                .session
                .handle_response(outgoing.id, now, &response.to_core()),
            Err(error) => {
                let failure = error.to_core().without_secrets_of(&outgoing.request);
                state
                    .session
                    .handle_transport_error(outgoing.id, now, &failure)
            }
        };
        self.persist(&mut state, now);
        let outcome = match handled {
            Err(error) if !state.session.wants_renewal(now) => {
                Err(error.without_secrets_of(&outgoing.request).into())
            }
            _ => Ok(()),
        };
        state.generation = state.generation.wrapping_add(1);
        for waker in state.wakers.drain(..) {
            waker.wake();
        }
        self.changed.notify_all();
        outcome
    }

    fn token_blocking(&self) -> Result<AccessToken> {
        let mut state = self.lock();
        loop {
            match self.next(&mut state)? {
                Next::Done(token) => return Ok(token),
                Next::WaitForAnswer(seen) => {
                    while state.generation == seen {
                        state = self
                            .changed
                            .wait(state)
                            .unwrap_or_else(|poisoned| poisoned.into_inner());
                    }
                }
                Next::Send(outgoing) => {
                    // Send without the lock: the others keep the current
                    // token or wait for this answer.
                    drop(state);
                    let answer = self.client.transport.send((&outgoing.request).into());
                    self.complete(&outgoing, answer)?;
                    state = self.lock();
                }
            }
        }
    }

    async fn token_async(self: &Arc<Self>) -> Result<AccessToken> {
        loop {
            let next = {
                let mut state = self.lock();
                self.next(&mut state)?
            };
            match next {
                Next::Done(token) => return Ok(token),
                Next::WaitForAnswer(seen) => Changed { shared: self, seen }.await,
                // Owned by no coroutine (see `Detached`): cancelling this
                // one leaves the renewal running, its answer stored.
                Next::Send(outgoing) => {
                    let shared = self.clone();
                    let transport = self.client.transport.clone();
                    let request: HttpRequestOut = (&outgoing.request).into();
                    Detached::start(async move {
                        let answer = transport.send_async(request).await;
                        shared.complete(&outgoing, answer)
                    })
                    .output()
                    .await?
                }
            }
        }
    }

    fn mark_unauthorized(&self, token: &AccessToken) {
        self.lock().session.handle_unauthorized(token);
    }

    fn api_request(
        &self,
        token: &AccessToken,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        headers: &[HttpHeader],
    ) -> Result<authflowkit_core::HttpRequest> {
        // A DPoP-bound token needs the session's time, entropy and nonces.
        let client = if token.is_dpop_bound() {
            self.lock().session.client_for_request(self.client.now())?
        } else {
            self.client.core().clone()
        };
        Ok(client.api_request_with_headers(
            token,
            method,
            path,
            body,
            &crate::http::pairs(headers),
        )?)
    }

    /// The API request to send once more when its answer is a resource
    /// server's demand for a DPoP nonce (RFC 9449 §9): the same request
    /// with a new proof carrying it. `None`: no retry.
    fn nonce_retry(
        &self,
        request: &authflowkit_core::HttpRequest,
        answer: &Result<HttpResponse>,
    ) -> Result<Option<authflowkit_core::HttpRequest>> {
        let Ok(response) = answer else {
            return Ok(None);
        };
        let mut state = self.lock();
        if !state
            .session
            .handle_dpop_response(request, &response.to_core())
        {
            return Ok(None);
        }
        let client = state.session.client_for_request(self.client.now())?;
        Ok(Some(client.with_new_dpop_proof(request.clone())?))
    }

    /// Keeps the `DPoP-Nonce` of the answer to a retried API request.
    fn keep_nonce(&self, request: &authflowkit_core::HttpRequest, answer: &Result<HttpResponse>) {
        if let Ok(response) = answer {
            let _ = self
                .lock()
                .session
                .handle_dpop_response(request, &response.to_core());
        }
    }

    /// What to do with an API answer ([`OAuthClient::read_api_answer`]):
    /// return it, or (`None`) renew `token` and send again.
    fn check(
        &self,
        token: &AccessToken,
        request: &authflowkit_core::HttpRequest,
        answer: Result<HttpResponse>,
        first: bool,
    ) -> Result<Option<HttpResponse>> {
        let read = self.client.read_api_answer(request, answer, first)?;
        if read.is_none() {
            self.mark_unauthorized(token);
        }
        Ok(read)
    }

    fn apply_info(&self, token: &AccessToken, info: &TokenInfo) {
        let mut state = self.lock();
        let now = self.client.now();
        state.session.apply_token_info(now, token, &info.to_core());
        self.persist(&mut state, now);
    }
}

/// Waits until the session's state changes (an answer was handled).
struct Changed<'a> {
    shared: &'a Shared,
    seen: u64,
}

impl Future for Changed<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.shared.lock();
        if state.generation != self.seen {
            return Poll::Ready(());
        }
        if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            state.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[uniffi::export]
impl ClientSession {
    /// A valid access token, renewing first when due (blocking).
    pub fn access_token(&self) -> Result<String> {
        Ok(self.shared.token_blocking()?.secret().to_owned())
    }

    /// A bearer API call (`path` relative to the API base, or absolute);
    /// renews once and retries when the API refuses the token. `headers`
    /// go with it (see the core's `api_request_with_headers` for the ones
    /// refused); a `body` is sent as JSON unless they name another
    /// `Content-Type`.
    #[uniffi::method(default(body = None, headers = []))]
    pub fn request(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
        headers: Vec<HttpHeader>,
    ) -> Result<HttpResponse> {
        for first in [true, false] {
            let token = self.shared.token_blocking()?;
            let request =
                self.shared
                    .api_request(&token, method, &path, body.as_deref(), &headers)?;
            let mut answer = self.shared.client.transport.send((&request).into());
            // One retry with the nonce the resource server asked for.
            let request = match self.shared.nonce_retry(&request, &answer)? {
                Some(retry) => {
                    answer = self.shared.client.transport.send((&retry).into());
                    self.shared.keep_nonce(&retry, &answer);
                    retry
                }
                None => request,
            };
            if let Some(response) = self.shared.check(&token, &request, answer, first)? {
                return Ok(response);
            }
        }
        Err(AuthflowError::from(Error::new(
            ErrorKind::Unauthorized,
            "the API refused a renewed token",
        )))
    }

    /// `GET path` with [`ClientSession::request`].
    pub fn get(&self, path: String) -> Result<HttpResponse> {
        self.request(Method::Get, path, None, Vec::new())
    }

    /// Asks MakeShift's token info and corrects the token's expiry from it.
    pub fn token_info(&self) -> Result<TokenInfo> {
        let token = self.shared.token_blocking()?;
        let client = &self.shared.client;
        let info = client.run(client.token_info_step(token.secret()))?;
        self.shared.apply_info(&token, &info);
        Ok(info)
    }

    /// Async [`ClientSession::access_token`].
    pub async fn access_token_async(&self) -> Result<String> {
        Ok(self.shared.token_async().await?.secret().to_owned())
    }

    /// Async [`ClientSession::request`].
    #[uniffi::method(default(body = None, headers = []))]
    pub async fn request_async(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
        headers: Vec<HttpHeader>,
    ) -> Result<HttpResponse> {
        for first in [true, false] {
            let token = self.shared.token_async().await?;
            let request =
                self.shared
                    .api_request(&token, method, &path, body.as_deref(), &headers)?;
            let mut answer = self
                .shared
                .client
                .transport
                .send_async((&request).into())
                .await;
            let request = match self.shared.nonce_retry(&request, &answer)? {
                Some(retry) => {
                    answer = self
                        .shared
                        .client
                        .transport
                        .send_async((&retry).into())
                        .await;
                    self.shared.keep_nonce(&retry, &answer);
                    retry
                }
                None => request,
            };
            if let Some(response) = self.shared.check(&token, &request, answer, first)? {
                return Ok(response);
            }
        }
        Err(AuthflowError::from(Error::new(
            ErrorKind::Unauthorized,
            "the API refused a renewed token",
        )))
    }

    /// Async [`ClientSession::get`].
    pub async fn get_async(&self, path: String) -> Result<HttpResponse> {
        self.request_async(Method::Get, path, None, Vec::new())
            .await
    }

    /// Async [`ClientSession::token_info`].
    pub async fn token_info_async(&self) -> Result<TokenInfo> {
        let token = self.shared.token_async().await?;
        let client = &self.shared.client;
        let info = client
            .run_async(client.token_info_step(token.secret()))
            .await?;
        self.shared.apply_info(&token, &info);
        Ok(info)
    }

    /// The current token set.
    pub fn token_set(&self) -> Option<Arc<TokenSet>> {
        self.shared
            .lock()
            .session
            .token_set()
            .cloned()
            .map(TokenSet::wrap)
    }

    /// When renewal is next due (Unix seconds): for a scheduled job.
    pub fn next_renewal(&self) -> Option<u64> {
        self.shared.lock().session.poll_timeout()
    }

    /// Tells the session an API refused `access_token` (401), so that the
    /// next call renews it.
    pub fn unauthorized(&self, access_token: String) {
        self.shared
            .mark_unauthorized(&AccessToken::new(access_token));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpRequest;
    use crate::task::block_on;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    const NOW: u64 = 1_713_082_414;

    /// A Makini-like token endpoint in memory: every refresh rotates.
    struct Counting {
        refreshes: AtomicUsize,
    }

    impl Counting {
        fn answer(&self, request: &HttpRequest) -> HttpResponse {
            let body = String::from_utf8_lossy(&request.body).into_owned();
            assert!(body.contains("grant_type=refresh_token"), "{body}");
            let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
            // Long enough for the other threads to ask while it is in flight.
            std::thread::sleep(std::time::Duration::from_millis(50));
            ok_tokens(n)
        }
    }

    #[async_trait::async_trait]
    impl HttpTransport for Counting {
        fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
            Ok(self.answer(&request))
        }
        async fn send_async(&self, request: HttpRequest) -> Result<HttpResponse> {
            Ok(self.answer(&request))
        }
    }

    /// A clock (settable) and entropy made of one byte, so that each test
    /// has states of its own (used states are remembered process-wide).
    struct Fixed(AtomicU64, u8);

    impl Environment for Fixed {
        fn now(&self) -> u64 {
            self.0.load(Ordering::SeqCst)
        }
        fn random_bytes(&self, len: u32) -> Vec<u8> {
            vec![self.1; len as usize]
        }
    }

    struct Saved(Mutex<Vec<String>>);

    impl TokenPersister for Saved {
        fn persist(&self, tokens: Arc<TokenSet>) -> Result<()> {
            self.0
                .lock()
                .unwrap()
                .push(tokens.refresh_token().unwrap_or_default());
            Ok(())
        }
    }

    /// A session of `profile`'s client over `transport` at `NOW + 1`,
    /// holding a pair whose access token has just expired.
    fn expired_session(
        profile: Arc<Profile>,
        transport: Arc<dyn HttpTransport>,
        saved: Arc<Saved>,
    ) -> Arc<ClientSession> {
        let client = Client::new(
            profile,
            "client".into(),
            Some("secret".into()),
            None,
            vec![],
            vec![],
            None,
        )
        .unwrap();
        let expired = TokenSet::from_json(format!(
            r#"{{"v":1,"access_token":"at-0","token_type":"Bearer","refresh_token":"rt-0","issued_at":{},"expires_at":{NOW}}}"#,
            NOW - 30 * 86_400
        ))
        .unwrap();
        OAuthClient::new(
            client,
            transport,
            Some(Arc::new(Fixed(AtomicU64::new(NOW + 1), 7))),
        )
        .session(Some(expired), Some(saved), None)
    }

    #[test]
    fn one_refresh_for_many_threads_at_expiry() {
        let transport = Arc::new(Counting {
            refreshes: AtomicUsize::new(0),
        });
        let saved = Arc::new(Saved(Mutex::new(Vec::new())));
        let session = expired_session(Profile::makini_link(), transport.clone(), saved.clone());
        let tokens: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|_| scope.spawn(|| session.access_token().unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(transport.refreshes.load(Ordering::SeqCst), 1);
        assert!(tokens.iter().all(|t| t == "at-1"), "{tokens:?}");
        assert_eq!(*saved.0.lock().unwrap(), vec!["rt-1".to_owned()]);
    }

    /// A token endpoint that demands a DPoP nonce of every request (a new
    /// one each time), noting the nonce each proof carried.
    #[derive(Default)]
    struct DemandingNonces {
        carried: Mutex<Vec<Option<String>>>,
    }

    #[async_trait::async_trait]
    impl HttpTransport for DemandingNonces {
        fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
            let proof = request
                .headers
                .iter()
                .find(|h| h.name == "DPoP")
                .map(|h| h.value.clone())
                .expect("every token request of a DPoP client is proved");
            let claims = proof.split('.').nth(1).unwrap().to_owned();
            let claims = authflowkit_core::json::parse_object(&base64url(&claims)).unwrap();
            let mut carried = self.carried.lock().unwrap();
            carried.push(match claims.get("nonce") {
                Some(authflowkit_core::json::Value::String(n)) => Some(n.clone()),
                _ => None,
            });
            Ok(HttpResponse {
                status: 400,
                headers: vec![crate::http::HttpHeader {
                    name: "DPoP-Nonce".into(),
                    value: format!("n-{}", carried.len()),
                }],
                body: br#"{"error":"use_dpop_nonce"}"#.to_vec(),
            })
        }
        async fn send_async(&self, request: HttpRequest) -> Result<HttpResponse> {
            self.send(request)
        }
    }

    /// base64url without padding, decoded (test support).
    fn base64url(text: &str) -> Vec<u8> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bits = 0u32;
        let mut count = 0;
        let mut out = Vec::new();
        for c in text.bytes() {
            let v = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
            bits = (bits << 6) | v;
            count += 6;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
                bits &= (1 << count) - 1;
            }
        }
        out
    }

    /// RFC 9449 §8: a token request demanded a nonce is sent once more
    /// with it, and no more however often the server asks.
    #[test]
    fn a_dpop_token_request_is_retried_once_with_the_servers_nonce() {
        let profile = Profile::generic("https://as.example/token".into(), None).unwrap();
        let client = Client::new(
            profile,
            "client".into(),
            Some("secret".into()),
            None,
            vec![],
            vec![],
            None,
        )
        .unwrap()
        .with_dpop_key(
            r#"{"kty":"EC","crv":"P-256",
            "x":"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
            "y":"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E",
            "d":"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k"}"#
                .into(),
        )
        .unwrap();
        let transport = Arc::new(DemandingNonces::default());
        let oauth = OAuthClient::new(
            client,
            transport.clone(),
            Some(Arc::new(Fixed(AtomicU64::new(NOW), 5))),
        );
        let error = oauth.client_credentials().unwrap_err();
        assert!(error.to_string().contains("use_dpop_nonce"), "{error}");
        assert_eq!(
            *transport.carried.lock().unwrap(),
            [None, Some("n-1".to_owned())]
        );
    }

    /// A Makini answer with the `n`th pair.
    fn ok_tokens(n: usize) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![],
            body: format!(
                r#"{{"access_token":"at-{n}","refresh_token":"rt-{n}","token_type":"bearer","expires_in":{}}}"#,
                NOW + 40 * 86_400
            )
            .into_bytes(),
        }
    }

    /// Makini Admin in memory: every refresh is refused with 401 and
    /// `invalid_client` (seed 004: the refresh token expired, whatever the
    /// code says); client credentials give a new pair.
    #[derive(Default)]
    struct AdminRefusingRefresh {
        grants: Mutex<Vec<String>>,
    }

    impl AdminRefusingRefresh {
        fn answer(&self, request: &HttpRequest) -> HttpResponse {
            let body = String::from_utf8_lossy(&request.body).into_owned();
            let mut grants = self.grants.lock().unwrap();
            if body.contains("grant_type=refresh_token") {
                grants.push("refresh_token".into());
                HttpResponse {
                    status: 401,
                    headers: vec![],
                    body: br#"{"error":"invalid_client"}"#.to_vec(),
                }
            } else {
                assert!(body.contains("grant_type=client_credentials"), "{body}");
                grants.push("client_credentials".into());
                ok_tokens(grants.len())
            }
        }
    }

    #[async_trait::async_trait]
    impl HttpTransport for AdminRefusingRefresh {
        fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
            Ok(self.answer(&request))
        }
        async fn send_async(&self, request: HttpRequest) -> Result<HttpResponse> {
            Ok(self.answer(&request))
        }
    }

    fn admin_session(
        transport: Arc<AdminRefusingRefresh>,
        saved: Arc<Saved>,
    ) -> Arc<ClientSession> {
        let admin =
            authflowkit_core::Profile::makini_admin("https://admin.example/oauth/token").unwrap();
        expired_session(Arc::new(Profile(admin)), transport, saved)
    }

    #[test]
    fn refused_refresh_reauthenticates_inside_one_access_token_call() {
        let transport = Arc::new(AdminRefusingRefresh::default());
        let saved = Arc::new(Saved(Mutex::new(Vec::new())));
        let session = admin_session(transport.clone(), saved.clone());
        assert_eq!(session.access_token().unwrap(), "at-2");
        assert_eq!(
            *transport.grants.lock().unwrap(),
            ["refresh_token", "client_credentials"]
        );
        // The refused refresh token dropped first, then the new pair.
        assert_eq!(*saved.0.lock().unwrap(), ["", "rt-2"]);
    }

    #[test]
    fn refused_refresh_reauthenticates_inside_one_async_access_token_call() {
        let transport = Arc::new(AdminRefusingRefresh::default());
        let saved = Arc::new(Saved(Mutex::new(Vec::new())));
        let session = admin_session(transport.clone(), saved.clone());
        assert_eq!(block_on(session.access_token_async()).unwrap(), "at-2");
        assert_eq!(
            *transport.grants.lock().unwrap(),
            ["refresh_token", "client_credentials"]
        );
        assert_eq!(*saved.0.lock().unwrap(), ["", "rt-2"]);
    }

    /// A token endpoint whose async answers come when the test delivers
    /// them, from outside the future (as a Python task or a Kotlin
    /// coroutine completes a foreign future).
    #[derive(Default)]
    struct Held(Mutex<HeldState>);

    #[derive(Default)]
    struct HeldState {
        sent: usize,
        answer: Option<HttpResponse>,
        waker: Option<Waker>,
    }

    impl Held {
        fn deliver(&self, response: HttpResponse) {
            let waker = {
                let mut state = self.0.lock().unwrap();
                state.answer = Some(response);
                state.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
        fn sent(&self) -> usize {
            self.0.lock().unwrap().sent
        }
    }

    #[async_trait::async_trait]
    impl HttpTransport for Held {
        fn send(&self, _request: HttpRequest) -> Result<HttpResponse> {
            panic!("only the async path is under test")
        }
        async fn send_async(&self, _request: HttpRequest) -> Result<HttpResponse> {
            self.0.lock().unwrap().sent += 1;
            std::future::poll_fn(|cx| {
                let mut state = self.0.lock().unwrap();
                match state.answer.take() {
                    Some(answer) => Poll::Ready(Ok(answer)),
                    None => {
                        state.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            })
            .await
        }
    }

    #[test]
    fn a_renewal_whose_caller_is_cancelled_still_completes_and_is_stored() {
        let transport = Arc::new(Held::default());
        let saved = Arc::new(Saved(Mutex::new(Vec::new())));
        let session = expired_session(Profile::makini_link(), transport.clone(), saved.clone());

        // The caller's coroutine sends the refresh, then is cancelled (its
        // future dropped) before the answer comes.
        let mut caller = Box::pin(session.access_token_async());
        let waker = Waker::from(Arc::new(Nothing));
        assert!(caller
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        assert_eq!(transport.sent(), 1);
        drop(caller);

        // The provider rotated the pair: its answer is stored all the same.
        transport.deliver(ok_tokens(1));
        assert_eq!(*saved.0.lock().unwrap(), ["rt-1"]);
        assert_eq!(session.access_token().unwrap(), "at-1");
        assert_eq!(
            transport.sent(),
            1,
            "the rotated-away refresh token was sent again"
        );
    }

    struct Nothing;
    impl std::task::Wake for Nothing {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn authorization_start_hides_the_pending_string() {
        let start = AuthorizationStart {
            url: "https://as.example/authorize?state=s".into(),
            pending: "afp1.secret-verifier".into(),
        };
        assert!(!format!("{start:?}{start}").contains("secret-verifier"));
    }

    /// A transport whose failure quotes the request it was given.
    struct Quoting;

    #[async_trait::async_trait]
    impl HttpTransport for Quoting {
        fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
            let quoted = String::from_utf8_lossy(&request.body).into_owned();
            Err(AuthflowError::from_details(crate::error::transport_error(
                format!("reset while sending {quoted}"),
            )))
        }
        async fn send_async(&self, request: HttpRequest) -> Result<HttpResponse> {
            self.send(request)
        }
    }

    /// `now` and `send` are the client's own environment and transport,
    /// for a driver in the host language; a failure hides the request's
    /// secrets as the client's own flows do.
    #[test]
    fn send_and_now_are_the_clients_own_without_secrets_in_errors() {
        let client = Client::new(
            Profile::makini_link(),
            "client".into(),
            Some("secret".into()),
            None,
            vec![],
            vec![],
            None,
        )
        .unwrap();
        let environment = Arc::new(Fixed(AtomicU64::new(NOW), 9));
        let oauth = OAuthClient::new(client.clone(), Arc::new(Quoting), Some(environment));
        assert_eq!(oauth.now(), NOW);
        let request = client.refresh_request("rt-s3cret-654321".into()).unwrap();
        for error in [
            oauth.send(request.clone()).unwrap_err(),
            block_on(oauth.send_async(request)).unwrap_err(),
        ] {
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains("rt-s3cret-654321"), "{shown}");
            assert_eq!(error.details().kind.as_str(), "transport", "{shown}");
        }
    }

    /// A code exchange answered with one access token; counts the requests.
    struct CodeExchange(AtomicUsize);

    #[async_trait::async_trait]
    impl HttpTransport for CodeExchange {
        fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
            let sent = String::from_utf8_lossy(&request.body).into_owned();
            assert!(sent.contains("grant_type=authorization_code"), "{sent}");
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(HttpResponse {
                status: 200,
                headers: vec![],
                body: br#"{"access_token":"at-1","token_type":"bearer","expires_in":3600}"#
                    .to_vec(),
            })
        }
        async fn send_async(&self, request: HttpRequest) -> Result<HttpResponse> {
            self.send(request)
        }
    }

    /// RFC 6749 §4.1.2 / RFC 9700 §4.2.4: a pending authorization is used
    /// once in this process, whichever client object, blocking or async,
    /// is handed its string again; the code never goes out twice.
    #[test]
    fn a_pending_authorization_is_exchanged_once() {
        let transport = Arc::new(CodeExchange(AtomicUsize::new(0)));
        let environment = Arc::new(Fixed(AtomicU64::new(NOW), 0x42));
        let client = Client::new(
            Profile::makini_link(),
            "client".into(),
            Some("secret".into()),
            Some("https://app.example/cb".into()),
            vec![],
            vec![],
            None,
        )
        .unwrap();
        let oauth = OAuthClient::new(client.clone(), transport.clone(), Some(environment.clone()));
        let start = oauth.authorization_url(None).unwrap();
        let pending =
            authflowkit_core::PendingAuthorization::from_storage_string(&start.pending).unwrap();
        let callback = format!(
            "https://app.example/cb?code=c0de-123456&state={}",
            pending.state()
        );
        oauth
            .exchange(callback.clone(), start.pending.clone())
            .unwrap();
        let again = OAuthClient::new(client, transport.clone(), Some(environment));
        for second in [
            oauth.exchange(callback.clone(), start.pending.clone()),
            again.exchange(callback.clone(), start.pending.clone()),
            block_on(again.exchange_async(callback.clone(), start.pending.clone())),
        ] {
            let error = second.unwrap_err();
            assert_eq!(
                error.details().kind.as_str(),
                "pending_already_used",
                "{error}"
            );
            assert!(!format!("{error} {error:?}").contains("c0de-123456"));
        }
        assert_eq!(transport.0.load(Ordering::SeqCst), 1);
    }
}

//! End to end against npm `oidc-provider` (panva, OpenID Certified): a real
//! authorization server nobody here wrote, installed from npm at the version
//! pinned in `tests/peers/oidc-provider/package-lock.json` and started on
//! 127.0.0.1 for each test (`server.mjs` there has its configuration).
//!
//! Every OAuth step goes through `authflowkit_core` and
//! `authflow_examples::Transport`. The only other HTTP is the scripted
//! browser of `common::browser`, which logs in and consents on
//! oidc-provider's own HTML pages (its `devInteractions`) the way a user's
//! browser would, and stops at the redirect to the app's callback URL.
//!
//! ID tokens are checked the way an app checks them: the provider's JWK set
//! in a `JwksCache` fetched over the same transport, an `IdTokenCheck` made
//! from the pending authorization. Two test-only hooks of `server.mjs` make
//! the rest deterministic: `POST /__test/rotate` replaces its signing keys,
//! and `device-slow-client`'s first poll is answered `slow_down`.
//!
//! The tests need `node` and `npm` (with access to the npm registry the
//! first time). If the server cannot be installed, they fail; they never skip.

#![allow(clippy::unwrap_used)]

mod common;

use authflow_examples::{
    assertion_entropy, authorization_entropy, client_now, drive_device, new_session, unix_now,
    SharedSession, Transport,
};
use authflowkit_core::jwks::JWKS_REFETCH_INTERVAL;
use authflowkit_core::{
    default_algorithms, discovery_request, id_token_key_id, parse_discovery_response, Action,
    AssertionAudience, AuthorizationOptions, AuthorizationRequest, Client, ClientAuthMethod,
    ClientSecret, DeviceAuthorization, DevicePoll, DevicePollAction, DevicePollUpdate,
    DeviceTokenRequest, DiscoveryDocument, EndpointRole, Error, ErrorKind, GrantType, HttpRequest,
    HttpResponse, IdToken, IdTokenCheck, IdTokenClaims, Introspection, JwkSet, JwksCache,
    JwsAlgorithm, Method, PendingAuthorization, ProviderMetadata, Reauthentication, RefreshToken,
    Session, SessionAction, SessionUpdate, SigningAlgorithm, SigningKey, TokenRef, TokenSet,
    ValidatedCallback, DEFAULT_INTERVAL, SLOW_DOWN_STEP,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::browser::{self, Browser, Navigation};
use common::peer::{run_installer, Peer};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

// The clients server.mjs registers (keep the two in step).
/// The redirect URI every client registered. Nothing listens on it: the
/// scripted browser stops at the redirect there (see `server.mjs`).
const REDIRECT_URI: &str = "http://127.0.0.1:47613/cb";
const BASIC_CLIENT: (&str, &str) = ("basic-client", "basic-client-secret-0123456789abcdef");
const POST_CLIENT: (&str, &str) = ("post-client", "post-client-secret-0123456789abcdef");
const PUBLIC_CLIENT: &str = "public-client";
const CC_CLIENT: (&str, &str) = ("cc-client", "cc-client-secret-0123456789abcdef");
/// Public, the device grant only (RFC 8628).
const DEVICE_CLIENT: &str = "device-client";
/// As `DEVICE_CLIENT`, but server.mjs answers the first poll of each of its
/// device authorizations with `slow_down` (RFC 8628 §3.5).
const DEVICE_SLOW_CLIENT: &str = "device-slow-client";
/// OpenID clients whose ID tokens oidc-provider signs with its RSA key
/// (RS256) and with its P-256 key (ES256); client_secret_basic.
const RS256_CLIENT: (&str, &str) = (
    "openid-rs256-client",
    "openid-rs256-client-secret-0123456789abcdef",
);
const ES256_CLIENT: (&str, &str) = (
    "openid-es256-client",
    "openid-es256-client-secret-0123456789abcdef",
);
/// server.mjs's test-only endpoint that replaces its signing keys.
/// RFC 8707: may ask for RESOURCE's tokens (server.mjs's RESOURCE_CLIENTS).
const RESOURCE_CLIENT: (&str, &str) =
    ("resource-client", "resource-client-secret-0123456789abcdef");
/// The one resource server server.mjs knows: its access tokens are JWTs
/// with this `aud`.
const RESOURCE: &str = "https://api.example/";
/// RFC 8693: the grant server.mjs registers, for this client only.
const EXCHANGE_CLIENT: (&str, &str) =
    ("exchange-client", "exchange-client-secret-0123456789abcdef");
/// The audience server.mjs's token exchange issues for.
const EXCHANGE_AUDIENCE: &str = "urn:example:billing";
const ROTATE_PATH: &str = "/__test/rotate";
/// devInteractions accept any user name (it becomes the subject) and password.
const USER: &str = "alice";

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/oidc-provider")
}

/// Installs oidc-provider once per test binary (install.sh also locks
/// against other processes). A failed install fails every test.
fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| run_installer(&peer_dir().join("install.sh")));
}

/// A running oidc-provider and what discovery said about it.
struct Op {
    peer: Peer,
    metadata: ProviderMetadata,
    transport: Transport,
}

/// What the user does at the consent screen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Decision {
    Allow,
    /// Follow the page's "[ Cancel ]" link (oidc-provider's abort route).
    Cancel,
}

impl Op {
    /// Installs, starts the server, and reads its OpenID configuration.
    fn start() -> Op {
        install();
        let peer = Peer::start("oidc-provider", "node", &["server.mjs"], &peer_dir());
        let transport = Transport::new(Duration::from_secs(10));
        let request = discovery_request(&peer.issuer, DiscoveryDocument::OpenidConfiguration)
            .expect("the issuer is a loopback http URL");
        let response = transport.send(&request).unwrap();
        let metadata = parse_discovery_response(&peer.issuer, &response).unwrap();
        Op {
            peer,
            metadata,
            transport,
        }
    }

    fn issuer(&self) -> &str {
        &self.peer.issuer
    }

    /// A client on the profile discovery made (client_secret_basic), with
    /// the scopes for a refresh token.
    fn client(&self, id: &str, secret: Option<&str>) -> Client {
        let client = Client::new(self.metadata.profile().unwrap(), id)
            .with_redirect_uri(REDIRECT_URI)
            .unwrap()
            .with_scopes(["openid", "offline_access"]);
        match secret {
            Some(secret) => client.with_client_secret(ClientSecret::new(secret)),
            None => client,
        }
    }

    fn send(&self, request: &HttpRequest) -> HttpResponse {
        self.transport.send(request).unwrap()
    }

    /// The authorization request: the URL and the pending authorization.
    fn start_authorization(&self, client: &Client) -> AuthorizationRequest {
        // OpenID Connect Core §11: oidc-provider drops `offline_access`
        // unless the request also says prompt=consent.
        let options = AuthorizationOptions {
            extra_params: vec![("prompt".to_owned(), "consent".to_owned())],
            ..AuthorizationOptions::default()
        };
        let start = client
            .authorization_request_with(unix_now(), &authorization_entropy(), &options)
            .unwrap();
        assert!(start.url.starts_with(&format!("{}/auth?", self.issuer())));
        assert!(start.url.contains("code_challenge_method=S256"));
        start
    }

    /// The authorization request and the user at the browser: returns the
    /// pending authorization, the URL the browser was sent back to, and the
    /// prompts the user went through, in order.
    fn authorize(
        &self,
        client: &Client,
        decision: Decision,
    ) -> (PendingAuthorization, String, Vec<String>) {
        let start = self.start_authorization(client);
        let (callback, prompts) = user_at_browser(&start.url, decision);
        (start.pending, callback, prompts)
    }

    /// An OpenID Connect sign-in: the authorization URL carries the
    /// pending authorization's nonce; the user logs in and consents; the
    /// code is exchanged. Returns the pending authorization (what the ID
    /// token is checked against) and the token set.
    fn openid_sign_in(&self, client: &Client) -> (PendingAuthorization, TokenSet) {
        let start = self.start_authorization(client);
        let nonce = start
            .pending
            .nonce()
            .expect("a request to an OpenID Provider carries a nonce");
        assert_eq!(
            query_value(&start.url, "nonce"),
            Some(nonce),
            "{}",
            start.url
        );
        let (callback_url, prompts) = user_at_browser(&start.url, Decision::Allow);
        assert_eq!(prompts, ["login", "consent"]);
        let callback = start.pending.validate(&callback_url, unix_now()).unwrap();
        let tokens = self.exchange(client, callback).unwrap();
        (start.pending, tokens)
    }

    /// The check for the ID token of `tokens`, which `pending` led to: the
    /// algorithms discovery lists (those authflow verifies) and the clock
    /// skew the token response measured.
    fn id_token_check(&self, pending: &PendingAuthorization, tokens: &TokenSet) -> IdTokenCheck {
        let algorithms = default_algorithms(&self.metadata.id_token_signing_alg_values_supported);
        IdTokenCheck::for_pending(pending, algorithms, tokens.clock_skew()).unwrap()
    }

    /// server.mjs's test-only key rotation: new signing keys under new
    /// kids, the old ones dropped from the JWK set. Returns the new kids.
    fn rotate_keys(&self) -> Vec<String> {
        let url = format!("{}{ROTATE_PATH}", self.issuer());
        let response = self.send(&HttpRequest::new(Method::Post, url));
        assert_eq!(response.status, 200, "{response:?}");
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        body["kids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|kid| kid.as_str().unwrap().to_owned())
            .collect()
    }

    /// Authorizes with the user's consent and checks the redirect back.
    fn authorized(&self, client: &Client) -> ValidatedCallback {
        let (pending, callback, _) = self.authorize(client, Decision::Allow);
        pending.validate(&callback, unix_now()).unwrap()
    }

    /// Authorizes with the user's consent and exchanges the code.
    fn sign_in(&self, client: &Client) -> TokenSet {
        let callback = self.authorized(client);
        self.exchange(client, callback).unwrap()
    }

    fn exchange(&self, client: &Client, callback: ValidatedCallback) -> Result<TokenSet, Error> {
        let response = self.send(
            &client_now(client)
                .unwrap()
                .exchange_request(callback)
                .unwrap(),
        );
        client.parse_token_response(GrantType::AuthorizationCode, unix_now(), &response)
    }

    /// A refresh sent by hand, outside any session.
    fn refresh_by_hand(
        &self,
        client: &Client,
        refresh_token: &RefreshToken,
        previous: &TokenSet,
    ) -> Result<TokenSet, Error> {
        let response = self.send(
            &client_now(client)
                .unwrap()
                .refresh_request(refresh_token)
                .unwrap(),
        );
        client.parse_refresh_response(unix_now(), &response, previous)
    }

    fn introspect(&self, client: &Client, token: TokenRef<'_>) -> Introspection {
        let response = self.send(
            &client_now(client)
                .unwrap()
                .introspection_request(token)
                .unwrap(),
        );
        client
            .parse_introspection_response(unix_now(), &response)
            .unwrap()
    }

    fn revoke(&self, client: &Client, token: TokenRef<'_>) -> Result<(), Error> {
        let response = self.send(
            &client_now(client)
                .unwrap()
                .revocation_request(token)
                .unwrap(),
        );
        client.parse_revocation_response(unix_now(), &response)
    }
}

/// The user's browser from the authorization URL to the app's callback:
/// oidc-provider redirects to its login page (a form: user name, password),
/// then to its consent page (a form, and a "[ Cancel ]" link), then back to
/// the redirect URI. Returns that callback URL and the prompts seen.
fn user_at_browser(authorization_url: &str, decision: Decision) -> (String, Vec<String>) {
    user_at_browser_until(authorization_url, decision, REDIRECT_URI)
}

/// [`user_at_browser`] for an app whose redirect URI is `redirect_uri`.
fn user_at_browser_until(
    authorization_url: &str,
    decision: Decision,
    redirect_uri: &str,
) -> (String, Vec<String>) {
    let mut browser = Browser::new();
    let mut prompts = Vec::new();
    let mut navigation = browser.navigate(authorization_url, redirect_uri);
    for _ in 0..6 {
        let page = match navigation {
            Navigation::Callback(url) => return (url, prompts),
            Navigation::Page(page) => page,
        };
        assert_eq!(page.status, 200, "{}:\n{}", page.url, page.body);
        let mut form = browser::forms(&page.body)
            .into_iter()
            .find(|f| f.value("prompt").is_some())
            .unwrap_or_else(|| panic!("no interaction form at {}:\n{}", page.url, page.body));
        let prompt = form.value("prompt").unwrap_or_default().to_owned();
        prompts.push(prompt.clone());
        navigation = match (prompt.as_str(), decision) {
            ("login", _) => {
                form.fill("login", USER).fill("password", "any password");
                let answer = browser.submit(&page, &form);
                browser.follow(answer, redirect_uri)
            }
            ("consent", Decision::Allow) => {
                let answer = browser.submit(&page, &form);
                browser.follow(answer, redirect_uri)
            }
            ("consent", Decision::Cancel) => {
                let (href, _) = browser::links(&page.body)
                    .into_iter()
                    .find(|(_, text)| text.contains("Cancel"))
                    .unwrap_or_else(|| panic!("no Cancel link on\n{}", page.body));
                browser.navigate(&browser::resolve(&page.url, &href), redirect_uri)
            }
            (other, _) => panic!("unexpected prompt {other:?} at {}", page.url),
        };
    }
    panic!("no redirect to {redirect_uri} after {prompts:?}")
}

/// The callback URL without its `iss` parameter, and with `iss` naming
/// another issuer.
fn tamper_iss(callback_url: &str) -> (String, String) {
    let (base, query) = callback_url.split_once('?').unwrap();
    let others: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.starts_with("iss="))
        .collect();
    assert_eq!(others.len(), query.split('&').count() - 1, "one iss");
    let without = format!("{base}?{}", others.join("&"));
    let other = format!("{without}&iss=http%3A%2F%2F127.0.0.1%3A1");
    (without, other)
}

/// The value of query parameter `name` of `url` (values without
/// percent-escapes only: the nonce is base64url).
fn query_value<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = url.split_once('?')?;
    let mut values = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| *key == name)
        .map(|(_, value)| value);
    let value = values.next();
    assert!(values.next().is_none(), "{name} appears twice in {url}");
    value
}

fn refresh_of(tokens: &TokenSet) -> RefreshToken {
    tokens
        .refresh_token()
        .cloned()
        .expect("oidc-provider issues a refresh token")
}

/// A [`SharedSession`] that records every token set it is told to persist.
fn shared_session(op: &Op, session: Session) -> (Arc<SharedSession>, Arc<Mutex<Vec<TokenSet>>>) {
    let persisted = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&persisted);
    let shared = SharedSession::new(session, op.transport.clone(), move |tokens| {
        sink.lock().unwrap().push(tokens.clone());
    });
    (Arc::new(shared), persisted)
}

#[test]
fn discovery_reads_the_openid_configuration_into_a_profile() {
    let op = Op::start();
    let issuer = op.issuer();

    // oidc-provider serves OpenID Connect Discovery only; the RFC 8414
    // location is a 404 with an OAuth error body, which authflow reports.
    let rfc8414 = discovery_request(issuer, DiscoveryDocument::AuthorizationServer).unwrap();
    assert_eq!(
        rfc8414.url,
        format!("{issuer}/.well-known/oauth-authorization-server")
    );
    let error = parse_discovery_response(issuer, &op.send(&rfc8414)).unwrap_err();
    assert_eq!(error.status(), Some(404));
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);

    // Another issuer's document is refused (RFC 8414 §3.3).
    let oidc = discovery_request(issuer, DiscoveryDocument::OpenidConfiguration).unwrap();
    assert_eq!(
        oidc.url,
        format!("{issuer}/.well-known/openid-configuration")
    );
    let response = op.send(&oidc);
    let wrong = parse_discovery_response("http://127.0.0.1:1", &response).unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::InvalidResponse);

    let metadata = parse_discovery_response(issuer, &response).unwrap();
    assert_eq!(metadata, op.metadata);
    assert_eq!(metadata.issuer, issuer);
    assert_eq!(
        metadata.authorization_endpoint.as_deref(),
        Some(format!("{issuer}/auth").as_str())
    );
    assert_eq!(
        metadata.token_endpoint.as_deref(),
        Some(format!("{issuer}/token").as_str())
    );
    assert_eq!(
        metadata.revocation_endpoint.as_deref(),
        Some(format!("{issuer}/token/revocation").as_str())
    );
    assert_eq!(
        metadata.introspection_endpoint.as_deref(),
        Some(format!("{issuer}/token/introspection").as_str())
    );
    assert_eq!(metadata.code_challenge_methods_supported, ["S256"]);
    for grant in ["authorization_code", "refresh_token", "client_credentials"] {
        assert!(metadata.grant_types_supported.iter().any(|g| g == grant));
    }
    for method in ["client_secret_basic", "client_secret_post", "none"] {
        assert!(metadata
            .token_endpoint_auth_methods_supported
            .iter()
            .any(|m| m == method));
    }
    assert!(metadata.authorization_response_iss_parameter_supported);
    // OpenID Provider Metadata is read into its own fields, not extra.
    assert_eq!(
        metadata.jwks_uri.as_deref(),
        Some(format!("{issuer}/jwks").as_str())
    );
    assert!(!metadata.extra.contains_key("jwks_uri"));

    let profile = metadata.profile().unwrap();
    assert_eq!(profile.client_auth(), ClientAuthMethod::ClientSecretBasic);
    assert_eq!(profile.pkce(), Some(authflowkit_core::PkceMethod::S256));
    assert_eq!(profile.issuer(), Some(issuer));
    assert!(profile.requires_issuer(), "RFC 9207 iss is advertised");
    assert!(profile.revocation_endpoint().is_some());
    assert!(profile.introspection_endpoint().is_some());
}

#[test]
fn code_flow_with_client_secret_basic_and_pkce() {
    let op = Op::start();
    let client = op.client(BASIC_CLIENT.0, Some(BASIC_CLIENT.1));

    let (pending, callback_url, prompts) = op.authorize(&client, Decision::Allow);
    assert_eq!(prompts, ["login", "consent"]);
    assert!(callback_url.starts_with(&format!("{REDIRECT_URI}?code=")));

    // The redirect is checked before its code can be used. RFC 9207:
    // oidc-provider names itself in `iss`, and the profile from discovery
    // requires it, so a redirect without it or naming another issuer fails.
    let (without_iss, with_other_iss) = tamper_iss(&callback_url);
    let error = pending.validate(&without_iss, unix_now()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MissingIssuer);
    let error = pending.validate(&with_other_iss, unix_now()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::IssuerMismatch);
    // Another authorization's redirect (another state) is refused.
    let other = client
        .authorization_request(unix_now(), &authorization_entropy())
        .unwrap();
    let error = other
        .pending
        .validate(&callback_url, unix_now())
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::StateMismatch);
    let callback = pending.validate(&callback_url, unix_now()).unwrap();

    // Built to be looked at, never sent: the exchange below sends the code.
    let request = client.exchange_request(callback.clone()).unwrap();
    assert!(request
        .header("Authorization")
        .is_some_and(|h| h.starts_with("Basic ")));
    let body = String::from_utf8(request.body.to_vec()).unwrap();
    assert!(body.contains("code_verifier="), "PKCE verifier sent");
    assert!(
        !body.contains("client_secret"),
        "the secret is in the header only"
    );

    let before = unix_now();
    let replay = callback.clone();
    let tokens = op.exchange(&client, callback).unwrap();
    assert_eq!(tokens.token_type(), "Bearer");
    assert!(tokens.refresh_token().is_some());
    let scopes = tokens.scopes().unwrap();
    assert!(scopes.iter().any(|s| s == "openid"));
    assert!(scopes.iter().any(|s| s == "offline_access"));
    // server.mjs sets a 300 s access token lifetime.
    let expires_at = tokens.expires_at().unwrap();
    assert!(expires_at > before && expires_at <= unix_now() + 300);
    // The ID token is kept as such (OpenID Connect Core §12.2), not in extra.
    assert!(tokens.id_token().is_some());
    assert!(!tokens.extra().contains_key("id_token"));

    let introspection = op.introspect(&client, TokenRef::Access(tokens.access_token()));
    assert!(introspection.active);
    assert_eq!(introspection.client_id.as_deref(), Some(BASIC_CLIENT.0));
    assert_eq!(introspection.sub.as_deref(), Some(USER));
    assert_eq!(introspection.iss.as_deref(), Some(op.issuer()));

    // A code works once. oidc-provider answers a second use with
    // invalid_grant and revokes what the code gave. (authflow itself never
    // sends a code twice: this replays a deliberate clone.)
    let again = op.exchange(&client, replay).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::InvalidGrant);
    assert_eq!(again.action(), Action::AuthorizeAgain);
    assert_eq!(again.status(), Some(400));
    let after = op.introspect(&client, TokenRef::Access(tokens.access_token()));
    assert!(!after.active);
}

#[test]
fn code_flow_with_client_secret_post() {
    let op = Op::start();
    let profile = op
        .metadata
        .profile()
        .unwrap()
        .with_client_auth(ClientAuthMethod::ClientSecretPost);
    let client = Client::new(profile, POST_CLIENT.0)
        .with_redirect_uri(REDIRECT_URI)
        .unwrap()
        .with_scopes(["openid", "offline_access"])
        .with_client_secret(ClientSecret::new(POST_CLIENT.1));

    let callback = op.authorized(&client);
    // Built to be looked at, never sent: the exchange below sends the code.
    let request = client.exchange_request(callback.clone()).unwrap();
    assert!(request.header("Authorization").is_none());
    let body = String::from_utf8(request.body.to_vec()).unwrap();
    assert!(body.contains("client_id=post-client"));
    assert!(body.contains("client_secret="));
    let tokens = op.exchange(&client, callback).unwrap();
    let refresh = refresh_of(&tokens);

    // The secret in the body is what authenticates the client: a wrong one
    // is refused, and so is none at all; authflow says both are
    // configuration problems. (Client authentication fails before the
    // refresh token is looked at, so it is not consumed.) oidc-provider
    // takes client_secret_basic and client_secret_post as one family: the
    // same client over HTTP Basic would be accepted too.
    let profile = client.profile().clone();
    let wrong_secret = Client::new(profile.clone(), POST_CLIENT.0)
        .with_client_secret(ClientSecret::new("not-the-secret"));
    let refused = op
        .refresh_by_hand(&wrong_secret, &refresh, &tokens)
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidClient);
    assert_eq!(refused.action(), Action::FixConfiguration);
    let no_secret = Client::new(profile, POST_CLIENT.0);
    let refused = op
        .refresh_by_hand(&no_secret, &refresh, &tokens)
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidClient);

    let renewed = op.refresh_by_hand(&client, &refresh, &tokens).unwrap();
    assert_ne!(refresh_of(&renewed), refresh, "rotated");
    let introspection = op.introspect(&client, TokenRef::Access(renewed.access_token()));
    assert!(introspection.active);
    assert_eq!(introspection.client_id.as_deref(), Some(POST_CLIENT.0));
}

#[test]
fn public_client_with_pkce_only_and_a_sans_io_session() {
    let op = Op::start();
    let client = op.client(PUBLIC_CLIENT, None);
    assert!(!client.has_client_secret());

    let callback = op.authorized(&client);
    // Built to be looked at, never sent: the exchange below sends the code.
    let request = client.exchange_request(callback.clone()).unwrap();
    assert!(request.header("Authorization").is_none());
    let body = String::from_utf8(request.body.to_vec()).unwrap();
    assert!(body.contains("client_id=public-client"));
    assert!(body.contains("code_verifier="));
    assert!(!body.contains("client_secret"));
    let tokens = op.exchange(&client, callback).unwrap();
    let first_refresh = refresh_of(&tokens);

    // The session state machine driven by hand: told the token was refused,
    // it hands out one refresh; the answer puts the rotated pair in place
    // and asks for it to be persisted.
    let mut session = Session::new(client.clone(), Some(tokens.clone()));
    session.handle_unauthorized(tokens.access_token());
    let outgoing = match session.poll_action(unix_now()) {
        SessionAction::Send(outgoing) => outgoing,
        other => panic!("expected a refresh to send, got {other:?}"),
    };
    assert_eq!(outgoing.grant, GrantType::RefreshToken);
    // While it is in flight, nobody gets the refused token or a second request.
    assert!(matches!(
        session.poll_action(unix_now()),
        SessionAction::Wait { until: None }
    ));
    let response = op.send(&outgoing.request);
    assert_eq!(
        session
            .handle_response(outgoing.id, unix_now(), &response)
            .unwrap(),
        SessionUpdate::Renewed
    );
    let stored = session
        .poll_persist(unix_now())
        .expect("the rotated pair to persist");
    assert_ne!(refresh_of(&stored), first_refresh);
    assert_ne!(stored.access_token(), tokens.access_token());
    match session.poll_action(unix_now()) {
        SessionAction::UseToken(token) => assert_eq!(&token, stored.access_token()),
        other => panic!("expected the new token, got {other:?}"),
    }

    // A public client introspects and revokes its own tokens with its client_id.
    let live = op.introspect(&client, TokenRef::Access(stored.access_token()));
    assert!(live.active);
    assert_eq!(live.client_id.as_deref(), Some(PUBLIC_CLIENT));
    let consumed = op.introspect(&client, TokenRef::Refresh(&first_refresh));
    assert!(!consumed.active, "the rotated-away refresh token is spent");
    op.revoke(&client, TokenRef::Refresh(&refresh_of(&stored)))
        .unwrap();
    let revoked = op.introspect(&client, TokenRef::Refresh(&refresh_of(&stored)));
    assert!(!revoked.active);
}

#[test]
fn session_refreshes_rotate_and_never_replay_a_refresh_token() {
    let op = Op::start();
    let client = op.client(BASIC_CLIENT.0, Some(BASIC_CLIENT.1));
    let tokens = op.sign_in(&client);
    let mut seen: HashSet<String> = HashSet::new();
    seen.insert(refresh_of(&tokens).secret().to_owned());

    let (shared, persisted) = shared_session(&op, Session::new(client.clone(), Some(tokens)));
    let count = || persisted.lock().unwrap().len();
    let current = || shared.token_set().unwrap();

    // 1. A forced refresh (the API said 401): the refresh token changes and
    //    the new pair is persisted before the new access token is handed out.
    let old = current();
    shared.unauthorized(old.access_token());
    let token = shared.access_token(unix_now).unwrap();
    assert_ne!(&token, old.access_token());
    assert_eq!(count(), 1);
    let new = current();
    assert_eq!(&persisted.lock().unwrap()[0], &new);
    assert_eq!(new.access_token(), &token);
    assert!(seen.insert(refresh_of(&new).secret().to_owned()), "rotated");

    // 2. Several in a row, each with the refresh token the last one returned.
    for round in 2..=6 {
        let before = current();
        shared.unauthorized(before.access_token());
        let token = shared.access_token(unix_now).unwrap();
        assert_ne!(&token, before.access_token());
        assert_eq!(count(), round);
        assert!(seen.insert(refresh_of(&current()).secret().to_owned()));
    }

    // 3. Sixteen threads ask at once for a token just refused: one refresh
    //    goes out, the others wait for it, and all get the same new token.
    let before = current();
    shared.unauthorized(before.access_token());
    let tokens: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| scope.spawn(|| shared.access_token(unix_now)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    assert_eq!(count(), 7, "exactly one refresh for sixteen callers");
    let after = current();
    assert!(tokens.iter().all(|t| t == after.access_token()));
    assert_ne!(after.access_token(), before.access_token());
    assert!(seen.insert(refresh_of(&after).secret().to_owned()));

    // 4. Sixteen threads, each using a token and being told four times that
    //    it was refused (as if the API said 401 to all of them): refreshes
    //    run one after another, each with the newest refresh token; a 401
    //    for a token already replaced is ignored, and nobody gets an error.
    std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| {
                for _ in 0..4 {
                    let token = shared.access_token(unix_now).unwrap();
                    shared.unauthorized(&token);
                }
            });
        }
    });
    let last = {
        // The last 401 may have left a renewal due: take it, so that every refresh
        // token the session got has been used once, the newest excepted.
        shared.access_token(unix_now).unwrap();
        current()
    };
    let rotations = persisted.lock().unwrap()[7..].to_vec();
    // Each thread got a new token between any two of its turns, so there
    // were at least four refreshes (usually many more).
    assert!(rotations.len() >= 4, "{} refreshes", rotations.len());
    for tokens in &rotations {
        assert!(
            seen.insert(refresh_of(tokens).secret().to_owned()),
            "every refresh returned a refresh token never seen before"
        );
    }

    // 5. The grant is alive: had any refresh token been sent twice,
    //    oidc-provider would have revoked the whole grant.
    assert_eq!(&last, rotations.last().unwrap());
    let live = op.introspect(&client, TokenRef::Access(last.access_token()));
    assert!(
        live.active,
        "the grant survived {} refreshes",
        seen.len() - 1
    );
    let last_refresh = op.introspect(&client, TokenRef::Refresh(&refresh_of(&last)));
    assert!(last_refresh.active);
    let further = op
        .refresh_by_hand(&client, &refresh_of(&last), &last)
        .unwrap();
    assert!(
        op.introspect(&client, TokenRef::Access(further.access_token()))
            .active
    );
}

#[test]
fn replaying_a_rotated_refresh_token_by_hand_kills_the_grant() {
    let op = Op::start();
    let client = op.client(BASIC_CLIENT.0, Some(BASIC_CLIENT.1));
    let tokens = op.sign_in(&client);
    let first = refresh_of(&tokens);

    let rotated = op.refresh_by_hand(&client, &first, &tokens).unwrap();
    let second = refresh_of(&rotated);
    assert_ne!(second, first);
    assert!(
        op.introspect(&client, TokenRef::Access(rotated.access_token()))
            .active
    );

    // What a session never does: send the old refresh token again.
    let replay = op.refresh_by_hand(&client, &first, &tokens).unwrap_err();
    assert_eq!(replay.kind(), ErrorKind::InvalidGrant);
    assert_eq!(replay.action(), Action::AuthorizeAgain);
    assert_eq!(replay.status(), Some(400));
    assert_eq!(
        replay.provider().and_then(|p| p.code()),
        Some("invalid_grant")
    );

    // oidc-provider took the replay for a stolen token and revoked the grant:
    // the legitimate newest refresh token and access token are dead too.
    let dead = op.refresh_by_hand(&client, &second, &rotated).unwrap_err();
    assert_eq!(dead.kind(), ErrorKind::InvalidGrant);
    assert_eq!(dead.action(), Action::AuthorizeAgain);
    assert!(
        !op.introspect(&client, TokenRef::Access(rotated.access_token()))
            .active
    );

    // A session holding the newest pair finds out at its next refresh,
    // drops the refresh token and asks for the user.
    let (shared, persisted) = shared_session(&op, Session::new(client, Some(rotated.clone())));
    shared.unauthorized(rotated.access_token());
    let error = shared.access_token(unix_now).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidGrant);
    assert_eq!(error.action(), Action::AuthorizeAgain);
    let stored = persisted.lock().unwrap().last().cloned().unwrap();
    assert!(
        stored.refresh_token().is_none(),
        "the dead token is forgotten"
    );
    let again = shared.access_token(unix_now).unwrap_err();
    assert_eq!(again.action(), Action::AuthorizeAgain);
}

#[test]
fn revocation_and_introspection() {
    let op = Op::start();
    let client = op.client(BASIC_CLIENT.0, Some(BASIC_CLIENT.1));
    let tokens = op.sign_in(&client);
    let refresh = refresh_of(&tokens);

    let access = op.introspect(&client, TokenRef::Access(tokens.access_token()));
    assert!(access.active);
    assert_eq!(access.client_id.as_deref(), Some(BASIC_CLIENT.0));
    assert_eq!(access.sub.as_deref(), Some(USER));
    assert_eq!(access.token_type.as_deref(), Some("Bearer"));
    let scopes = access.scopes.unwrap();
    assert!(scopes.iter().any(|s| s == "offline_access"));
    assert!(access.exp.unwrap() > access.iat.unwrap());
    assert!(op.introspect(&client, TokenRef::Refresh(&refresh)).active);

    op.revoke(&client, TokenRef::Refresh(&refresh)).unwrap();
    assert!(!op.introspect(&client, TokenRef::Refresh(&refresh)).active);
    // oidc-provider revokes the grant with its refresh token, so the access
    // token from the same grant goes too.
    assert!(
        !op.introspect(&client, TokenRef::Access(tokens.access_token()))
            .active
    );
    // RFC 7009 §2.2: revoking an already invalid token is still a success.
    op.revoke(&client, TokenRef::Refresh(&refresh)).unwrap();
    let refused = op.refresh_by_hand(&client, &refresh, &tokens).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidGrant);

    // Introspection needs client authentication: a wrong secret is refused.
    let impostor = op.client(BASIC_CLIENT.0, Some("not-the-secret"));
    let response = op.send(
        &impostor
            .introspection_request(TokenRef::Access(tokens.access_token()))
            .unwrap(),
    );
    let error = impostor
        .parse_introspection_response(unix_now(), &response)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidClient);
    assert_eq!(error.action(), Action::FixConfiguration);
}

#[test]
fn client_credentials_grant() {
    let op = Op::start();
    let client = Client::new(op.metadata.profile().unwrap(), CC_CLIENT.0)
        .with_client_secret(ClientSecret::new(CC_CLIENT.1))
        .with_scopes(["api:read"]);

    let request = client.client_credentials_request().unwrap();
    let body = String::from_utf8(request.body.to_vec()).unwrap();
    assert_eq!(body, "grant_type=client_credentials&scope=api%3Aread");
    let response = op.send(&request);
    let tokens = client
        .parse_token_response(GrantType::ClientCredentials, unix_now(), &response)
        .unwrap();
    assert!(tokens.refresh_token().is_none());
    assert_eq!(tokens.scopes(), Some(&["api:read".to_owned()][..]));
    assert!(tokens.expires_at().is_some());

    let introspection = op.introspect(&client, TokenRef::Access(tokens.access_token()));
    assert!(introspection.active);
    assert_eq!(introspection.client_id.as_deref(), Some(CC_CLIENT.0));
    assert_eq!(introspection.sub, None, "no user behind it");
    assert_eq!(
        introspection.scopes.as_deref(),
        Some(&["api:read".to_owned()][..])
    );

    // A session that re-authenticates with client credentials: it starts
    // with no token and gets a new one whenever the old one is refused.
    let profile = op
        .metadata
        .profile()
        .unwrap()
        .with_reauthentication(Reauthentication::ClientCredentials);
    let machine = Client::new(profile, CC_CLIENT.0)
        .with_client_secret(ClientSecret::new(CC_CLIENT.1))
        .with_scopes(["api:read"]);
    let (shared, persisted) = shared_session(&op, Session::new(machine, None));
    let first = shared.access_token(unix_now).unwrap();
    shared.unauthorized(&first);
    let second = shared.access_token(unix_now).unwrap();
    assert_ne!(first, second);
    assert_eq!(persisted.lock().unwrap().len(), 2);
    assert!(op.introspect(&client, TokenRef::Access(&second)).active);

    // A wrong secret is a configuration problem, not a retry.
    let wrong = Client::new(op.metadata.profile().unwrap(), CC_CLIENT.0)
        .with_client_secret(ClientSecret::new("wrong-secret"));
    let response = op.send(&wrong.client_credentials_request().unwrap());
    let error = wrong
        .parse_token_response(GrantType::ClientCredentials, unix_now(), &response)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidClient);
    assert_eq!(error.action(), Action::FixConfiguration);
}

/// The claims of a JWT access token, read without checking its signature
/// (the resource server's job): what the token is for.
fn jwt_claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("a JWT access token");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn body_of(request: &HttpRequest) -> String {
    String::from_utf8(request.body.to_vec()).unwrap()
}

/// RFC 8707: the resource named on the authorization request, the code
/// exchange and the refresh makes oidc-provider issue access tokens whose
/// audience is that resource; client credentials too. A resource the server
/// does not serve (or not to this client) is refused with invalid_target,
/// which authflow reads as invalid_scope (fix the configuration), the
/// provider's code kept.
#[test]
fn resource_indicators_restrict_the_access_tokens_audience() {
    let op = Op::start();
    let resource = "resource=https%3A%2F%2Fapi.example%2F";
    let client = op
        .client(RESOURCE_CLIENT.0, Some(RESOURCE_CLIENT.1))
        .with_scopes(["openid", "api:read"])
        .with_resources([RESOURCE])
        .unwrap();
    let start = op.start_authorization(&client);
    assert_eq!(
        query_value(&start.url, "resource"),
        Some(&resource["resource=".len()..])
    );
    let (callback_url, prompts) = user_at_browser(&start.url, Decision::Allow);
    assert_eq!(prompts, ["login", "consent"]);
    let callback = start.pending.validate(&callback_url, unix_now()).unwrap();
    let request = client.exchange_request(callback).unwrap();
    assert!(
        body_of(&request).ends_with(resource),
        "{}",
        body_of(&request)
    );
    let tokens = client
        .parse_token_response(GrantType::AuthorizationCode, unix_now(), &op.send(&request))
        .unwrap();
    let claims = jwt_claims(tokens.access_token().secret());
    assert_eq!(claims["aud"], RESOURCE, "{claims}");
    assert_eq!(claims["sub"], USER, "{claims}");
    assert_eq!(claims["scope"], "api:read", "{claims}");

    // RFC 8707 §2.2: the refresh names the resource again, and gets a token
    // for the same audience.
    let refresh = client.refresh_request(&refresh_of(&tokens)).unwrap();
    assert!(
        body_of(&refresh).ends_with(resource),
        "{}",
        body_of(&refresh)
    );
    let refreshed = client
        .parse_refresh_response(unix_now(), &op.send(&refresh), &tokens)
        .unwrap();
    assert_ne!(refreshed.access_token(), tokens.access_token());
    assert_eq!(
        jwt_claims(refreshed.access_token().secret())["aud"],
        RESOURCE
    );

    // Client credentials: the client's own token for the resource.
    let machine = |id: &str, secret: &str, resource: &str| {
        Client::new(op.metadata.profile().unwrap(), id)
            .with_client_secret(ClientSecret::new(secret))
            .with_scopes(["api:read"])
            .with_resources([resource])
            .unwrap()
    };
    let service = machine(RESOURCE_CLIENT.0, RESOURCE_CLIENT.1, RESOURCE);
    let response = op.send(&service.client_credentials_request().unwrap());
    let tokens = service
        .parse_token_response(GrantType::ClientCredentials, unix_now(), &response)
        .unwrap();
    let claims = jwt_claims(tokens.access_token().secret());
    assert_eq!(claims["aud"], RESOURCE, "{claims}");
    assert_eq!(claims["client_id"], RESOURCE_CLIENT.0, "{claims}");

    // A resource the server does not serve, and one it does not serve to
    // this client: invalid_target (RFC 8707 §2).
    for client in [
        machine(
            RESOURCE_CLIENT.0,
            RESOURCE_CLIENT.1,
            "https://unknown.example/",
        ),
        machine(CC_CLIENT.0, CC_CLIENT.1, RESOURCE),
    ] {
        let response = op.send(&client.client_credentials_request().unwrap());
        let error = client
            .parse_token_response(GrantType::ClientCredentials, unix_now(), &response)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidScope, "{error}");
        assert_eq!(error.action(), Action::FixConfiguration, "{error}");
        assert_eq!(error.status(), Some(400));
        let code = error.provider().and_then(|p| p.code());
        assert_eq!(code, Some("invalid_target"), "{error}");
    }
}

/// RFC 8693 against oidc-provider with server.mjs's token-exchange grant:
/// a user's access token (basic-client's) exchanged by another client for
/// a token of its own, for the same user; a subject token the server does
/// not know is invalid_request, an audience it does not serve
/// invalid_target; no error quotes the subject token.
#[test]
fn token_exchange_with_a_registered_grant_type() {
    use authflowkit_core::{SecurityToken, TokenExchange, TOKEN_TYPE_ACCESS_TOKEN};
    let op = Op::start();
    let user_client = op.client(BASIC_CLIENT.0, Some(BASIC_CLIENT.1));
    let tokens = op.sign_in(&user_client);
    let exchanger = Client::new(op.metadata.profile().unwrap(), EXCHANGE_CLIENT.0)
        .with_client_secret(ClientSecret::new(EXCHANGE_CLIENT.1));
    let exchange_of = |subject: &str, audience: &str| {
        let mut exchange = TokenExchange::new(SecurityToken::new(subject), TOKEN_TYPE_ACCESS_TOKEN);
        exchange.audiences = vec![audience.to_owned()];
        exchange
    };
    let send = |exchange: &TokenExchange| {
        let request = exchanger.token_exchange_request(exchange).unwrap();
        assert!(request
            .header("Authorization")
            .is_some_and(|h| h.starts_with("Basic ")));
        exchanger.parse_token_exchange_response(exchange, unix_now(), &op.send(&request))
    };

    let exchange = exchange_of(tokens.access_token().secret(), EXCHANGE_AUDIENCE);
    let issued = send(&exchange).unwrap();
    assert_eq!(issued.issued_token_type(), TOKEN_TYPE_ACCESS_TOKEN);
    assert_eq!(issued.token_type(), "Bearer");
    let access = issued.access_token().expect("a Bearer access token");
    assert_ne!(&access, tokens.access_token());
    assert!(issued.expires_at().is_some_and(|at| at <= unix_now() + 300));
    assert!(!format!("{issued:?}").contains(access.secret()));
    // The new token is the exchanging client's, for the same user.
    let introspection = op.introspect(&exchanger, TokenRef::Access(&access));
    assert!(introspection.active);
    assert_eq!(introspection.client_id.as_deref(), Some(EXCHANGE_CLIENT.0));
    assert_eq!(introspection.sub.as_deref(), Some(USER));

    // RFC 8693 §2.2.2.
    let unknown = "not-a-token-of-this-provider-0123";
    let error = send(&exchange_of(unknown, EXCHANGE_AUDIENCE)).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error}");
    assert_eq!(error.action(), Action::FixConfiguration);
    assert!(!format!("{error} {error:?}").contains(unknown));
    let error = send(&exchange_of(
        tokens.access_token().secret(),
        "urn:example:payroll",
    ))
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidScope, "{error}");
    let code = error.provider().and_then(|p| p.code());
    assert_eq!(code, Some("invalid_target"), "{error}");
    assert!(!format!("{error} {error:?}").contains(tokens.access_token().secret()));
    // A client not registered for the grant: oidc-provider answers
    // invalid_request ("requested grant type is not allowed for this
    // client"), a configuration to fix.
    let request = user_client.token_exchange_request(&exchange).unwrap();
    let error = user_client
        .parse_token_exchange_response(&exchange, unix_now(), &op.send(&request))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error}");
    assert_eq!(error.action(), Action::FixConfiguration, "{error}");
}

#[test]
fn cancelled_consent_is_access_denied() {
    let op = Op::start();
    let client = op.client(BASIC_CLIENT.0, Some(BASIC_CLIENT.1));
    let (pending, callback_url, prompts) = op.authorize(&client, Decision::Cancel);
    assert_eq!(prompts, ["login", "consent"]);
    assert!(callback_url.contains("error=access_denied"));
    assert!(!callback_url.contains("code="));
    // state and iss are checked first, then the error is reported.
    let error = pending.validate(&callback_url, unix_now()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AccessDenied);
    assert_eq!(error.action(), Action::UserDenied);
    let provider = error.provider().unwrap();
    assert_eq!(provider.code(), Some("access_denied"));
    assert!(provider.description().is_some());
}

/// The provider's JWK set as an app keeps it: a [`JwksCache`], fetched over
/// the same transport whenever its `poll_fetch` says so. Counts the fetches.
struct Keys {
    cache: JwksCache,
    fetches: usize,
}

impl Keys {
    fn new(op: &Op) -> Keys {
        let jwks_uri = op
            .metadata
            .jwks_uri
            .clone()
            .expect("discovery names jwks_uri");
        Keys {
            cache: JwksCache::new(jwks_uri),
            fetches: 0,
        }
    }

    /// The set to check `id_token` with at `now` (a copy of the cache's):
    /// fetched first when the cache says so (none held, stale, or the
    /// token's kid unknown).
    fn for_token(&mut self, op: &Op, now: u64, id_token: &IdToken) -> JwkSet {
        let kid = id_token_key_id(id_token).unwrap();
        if self.cache.poll_fetch(now, kid.as_deref()) {
            let response = op.send(&self.cache.request().unwrap());
            self.cache.handle_response(now, &response).unwrap();
            self.fetches += 1;
        }
        self.cache.keys().cloned().expect("the set was fetched")
    }
}

/// The kids of a set, in document order.
fn kids(keys: &JwkSet) -> Vec<String> {
    keys.keys.iter().filter_map(|k| k.kid.clone()).collect()
}

/// The kid an ID token's header names (oidc-provider always names one).
fn kid_of(id_token: &IdToken) -> String {
    id_token_key_id(id_token)
        .unwrap()
        .expect("oidc-provider names the key")
}

/// The ID token check's refusal, with the kind every refusal has.
fn refused(result: Result<IdTokenClaims, Error>) -> String {
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::IdTokenInvalid, "{error}");
    error.message().into_owned()
}

/// OpenID Connect Core §3.1.3.7 against a real provider: the nonce goes out
/// in the authorization URL and comes back in the ID token; the token is
/// signed with the key of the algorithm the client registered (`kty`,
/// `alg`), fetched from `jwks_uri`; its claims name the user, the client and
/// the nonce; a refresh's ID token validates against the first (§12.2).
fn code_flow_with_a_validated_id_token(
    (client_id, secret): (&str, &str),
    kty: &str,
    alg: JwsAlgorithm,
) {
    let op = Op::start();
    // Discovery lists the two algorithms server.mjs has keys for, and
    // authflow accepts both.
    assert_eq!(
        op.metadata.id_token_signing_alg_values_supported,
        ["RS256", "ES256"]
    );
    let client = op.client(client_id, Some(secret));
    let (pending, tokens) = op.openid_sign_in(&client);
    let check = op.id_token_check(&pending, &tokens);
    assert_eq!(check.algorithms, [JwsAlgorithm::Rs256, JwsAlgorithm::Es256]);
    assert_eq!(check.client_id, client_id);
    assert_eq!(check.issuer, op.issuer());
    assert_eq!(check.nonce.as_deref(), pending.nonce());

    let mut keys = Keys::new(&op);
    let id_token = tokens.id_token().expect("an ID token for the openid scope");
    let now = unix_now();
    let set = keys.for_token(&op, now, id_token);
    let claims = check
        .validate(id_token, &set, now, Some(tokens.access_token()), None)
        .unwrap();
    assert_eq!(claims.iss, op.issuer());
    assert_eq!(claims.sub, USER, "the user name logged in is the subject");
    assert!(
        claims.aud.iter().any(|a| a == client_id),
        "{:?}",
        claims.aud
    );
    assert_eq!(claims.nonce.as_deref(), pending.nonce());
    assert!(claims.exp > claims.iat);

    // Signed with the key of the algorithm this client registered.
    let kid = kid_of(id_token);
    let key = set
        .keys
        .iter()
        .find(|k| k.kid.as_deref() == Some(kid.as_str()))
        .unwrap();
    assert_eq!(key.kty(), kty);
    assert_eq!(key.alg.as_deref(), Some(alg.as_str()));
    // The algorithm is the client's choice (item 7): a check that accepts
    // only the other one refuses the token.
    let other = JwsAlgorithm::ALL
        .into_iter()
        .find(|a| *a != alg && check.algorithms.contains(a))
        .unwrap();
    let narrow = IdTokenCheck {
        algorithms: vec![other],
        ..check.clone()
    };
    let message = refused(narrow.validate(id_token, &set, now, None, None));
    assert!(message.contains("alg"), "{message}");

    // A refresh brings a new ID token: same iss, sub, aud (§12.2), signed
    // with the same key, so no second fetch.
    let refreshed = op
        .refresh_by_hand(&client, &refresh_of(&tokens), &tokens)
        .unwrap();
    let new_id_token = refreshed.id_token().unwrap();
    assert_ne!(new_id_token.secret(), id_token.secret(), "a new ID token");
    let now = unix_now();
    let set = keys.for_token(&op, now, new_id_token);
    let renewed = check
        .validate_refreshed(
            new_id_token,
            &set,
            now,
            Some(refreshed.access_token()),
            &claims,
        )
        .unwrap();
    assert_eq!(renewed.sub, USER);
    assert_eq!(renewed.aud, claims.aud);
    assert_eq!(keys.fetches, 1, "the set is fetched once");
    // §12.2 is checked: against claims of another user it is refused.
    let someone_else = IdTokenClaims {
        sub: "mallory".to_owned(),
        ..claims.clone()
    };
    let message = refused(check.validate_refreshed(new_id_token, &set, now, None, &someone_else));
    assert!(message.contains("sub"), "{message}");
}

#[test]
fn openid_code_flow_with_nonce_and_an_rs256_signature() {
    code_flow_with_a_validated_id_token(RS256_CLIENT, "RSA", JwsAlgorithm::Rs256);
}

#[test]
fn openid_code_flow_with_nonce_and_an_es256_signature() {
    code_flow_with_a_validated_id_token(ES256_CLIENT, "EC", JwsAlgorithm::Es256);
}

/// OpenID Connect Core §10.1.1: the provider rotates its keys; a token
/// naming a kid the cached set lacks makes exactly one refetch (no sooner
/// than the refetch interval after the last fetch), and then validates.
#[test]
fn rotated_signing_keys_are_refetched_once_for_the_unknown_kid() {
    let op = Op::start();
    let client = op.client(RS256_CLIENT.0, Some(RS256_CLIENT.1));
    let mut keys = Keys::new(&op);

    // Before the rotation: one fetch, the token validates.
    let (first_pending, first_tokens) = op.openid_sign_in(&client);
    let first_check = op.id_token_check(&first_pending, &first_tokens);
    let first_id_token = first_tokens.id_token().unwrap().clone();
    let fetched_at = unix_now();
    let set = keys.for_token(&op, fetched_at, &first_id_token);
    let first_claims = first_check
        .validate(&first_id_token, &set, fetched_at, None, None)
        .unwrap();
    let old_kids = kids(&set);
    assert!(old_kids.contains(&kid_of(&first_id_token)));
    assert_eq!(keys.fetches, 1);

    // The provider rotates: new kids only.
    let new_kids = op.rotate_keys();
    assert_eq!(new_kids.len(), 2);
    assert!(
        new_kids.iter().all(|kid| !old_kids.contains(kid)),
        "{new_kids:?}"
    );

    // A sign-in after the rotation (the provider rebuilt with the new keys
    // still logs users in): its ID token names a new kid.
    let (pending, tokens) = op.openid_sign_in(&client);
    let check = op.id_token_check(&pending, &tokens);
    let id_token = tokens.id_token().unwrap();
    let kid = kid_of(id_token);
    assert!(new_kids.contains(&kid), "{kid} not in {new_kids:?}");

    // Without a refetch the token is refused: the set held (still fresh)
    // has no key of its kid.
    let held = keys.cache.keys().unwrap().clone();
    let message = refused(check.validate(id_token, &held, fetched_at + 1, None, None));
    assert!(message.contains("kid"), "{message}");
    // Within the refetch interval of the last fetch the cache waits, even
    // for an unknown kid; at the interval it says to fetch.
    let due = fetched_at + JWKS_REFETCH_INTERVAL;
    assert!(!keys.cache.poll_fetch(due - 1, Some(&kid)));
    assert!(!keys.cache.poll_fetch(due - 1, Some(&old_kids[0])));
    assert!(keys.cache.poll_fetch(due, Some(&kid)));

    // The test's own clock jumps to that time (the tokens live 300 s).
    let now = due.max(unix_now());
    let set = keys.for_token(&op, now, id_token);
    assert_eq!(keys.fetches, 2, "one refetch for the unknown kid");
    assert_eq!(kids(&set), new_kids, "the old keys are gone from the set");
    let claims = check
        .validate(id_token, &set, now, Some(tokens.access_token()), None)
        .unwrap();
    assert_eq!(claims.sub, USER);
    assert_eq!(claims.nonce.as_deref(), pending.nonce());
    assert_ne!(claims.nonce, first_claims.nonce);
    // The kid is known now: no further fetch for it.
    assert!(!keys.cache.poll_fetch(now + 1, Some(&kid)));
    // The token signed with a dropped key no longer verifies.
    let message = refused(first_check.validate(&first_id_token, &set, now, None, None));
    assert!(message.contains("kid"), "{message}");

    // A grant from before the rotation still refreshes (the provider's
    // store outlived the swap); the new ID token is signed with the new
    // key, which the cache already holds.
    let refreshed = op
        .refresh_by_hand(&client, &refresh_of(&first_tokens), &first_tokens)
        .unwrap();
    let refreshed_id_token = refreshed.id_token().unwrap();
    assert!(new_kids.contains(&kid_of(refreshed_id_token)));
    let later = now + 1;
    let set = keys.for_token(&op, later, refreshed_id_token);
    first_check
        .validate_refreshed(refreshed_id_token, &set, later, None, &first_claims)
        .unwrap();
    assert_eq!(keys.fetches, 2, "exactly one refetch in all");
}

/// A compact JWS's three parts.
fn jws_parts(id_token: &IdToken) -> [String; 3] {
    let parts: Vec<String> = id_token.secret().split('.').map(str::to_owned).collect();
    parts.try_into().unwrap()
}

/// Refusals: a changed claim under the original signature, a damaged
/// signature, and a genuine token checked against another client id or
/// another authorization's nonce. Each refusal names what failed.
fn tampered_and_misdirected_id_tokens_are_refused((client_id, secret): (&str, &str)) {
    let op = Op::start();
    let client = op.client(client_id, Some(secret));
    let (pending, tokens) = op.openid_sign_in(&client);
    let check = op.id_token_check(&pending, &tokens);
    let id_token = tokens.id_token().unwrap();
    let mut keys = Keys::new(&op);
    let now = unix_now();
    let set = keys.for_token(&op, now, id_token);
    // The genuine token passes: the refusals below are the tampering's.
    check.validate(id_token, &set, now, None, None).unwrap();

    // The payload changed (another subject), the signature kept.
    let [header, payload, signature] = jws_parts(id_token);
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&payload).unwrap()).unwrap();
    assert_eq!(claims["sub"], USER);
    claims["sub"] = "mallory".into();
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let forged = IdToken::new(format!("{header}.{forged_payload}.{signature}"));
    let message = refused(check.validate(&forged, &set, now, None, None));
    assert!(message.contains("signature"), "{message}");
    assert!(
        !message.contains(&forged_payload),
        "the token is never shown"
    );

    // The signature's bytes flipped, the rest untouched.
    let mut bytes = URL_SAFE_NO_PAD.decode(&signature).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let flipped = IdToken::new(format!(
        "{header}.{payload}.{}",
        URL_SAFE_NO_PAD.encode(&bytes)
    ));
    let message = refused(check.validate(&flipped, &set, now, None, None));
    assert!(message.contains("signature"), "{message}");

    // A genuine token, checked as if it were another client's.
    let other_client = IdTokenCheck {
        client_id: BASIC_CLIENT.0.to_owned(),
        ..check.clone()
    };
    let message = refused(other_client.validate(id_token, &set, now, None, None));
    assert!(message.contains("aud"), "{message}");

    // A genuine token, checked against another authorization's nonce (a
    // token replayed into another login).
    let other = op.start_authorization(&client).pending;
    assert_ne!(other.nonce(), pending.nonce());
    let other_check = op.id_token_check(&other, &tokens);
    let message = refused(other_check.validate(id_token, &set, now, None, None));
    assert!(message.contains("nonce"), "{message}");
    assert_eq!(keys.fetches, 1);
}

#[test]
fn tampered_or_misdirected_rs256_id_tokens_are_refused() {
    tampered_and_misdirected_id_tokens_are_refused(RS256_CLIENT);
}

#[test]
fn tampered_or_misdirected_es256_id_tokens_are_refused() {
    tampered_and_misdirected_id_tokens_are_refused(ES256_CLIENT);
}

/// The user on another screen: opens the verification URI with the code in
/// it, confirms the device (or aborts), logs in and consents on
/// oidc-provider's pages. Returns the prompts seen and the last page.
fn user_at_device_page(
    verification_uri_complete: &str,
    decision: Decision,
) -> (Vec<String>, String) {
    let mut browser = Browser::new();
    let mut prompts = Vec::new();
    // Nothing redirects to the app: the flow ends on the provider's page.
    let mut navigation = browser.navigate(verification_uri_complete, REDIRECT_URI);
    for _ in 0..8 {
        let page = match navigation {
            Navigation::Callback(url) => panic!("the device flow redirected to {url}"),
            Navigation::Page(page) => page,
        };
        let forms = browser::forms(&page.body);
        // The end: a page without a form (success), or the empty code
        // input again (after an abort).
        let Some(mut form) = forms
            .into_iter()
            .next()
            .filter(|f| f.value("user_code") != Some(""))
        else {
            return (prompts, page.body);
        };
        let step = if form.value("prompt").is_some() {
            form.value("prompt").unwrap_or_default().to_owned()
        } else if form.value("confirm").is_some() {
            "confirm".to_owned()
        } else {
            // The page that posts the code from the URL on (form_post).
            "user_code".to_owned()
        };
        prompts.push(step.clone());
        if (step.as_str(), decision) == ("confirm", Decision::Cancel) {
            // The page's "[ Abort ]" button: name=abort value=yes.
            form.inputs.push(browser::Input {
                kind: "hidden".to_owned(),
                name: "abort".to_owned(),
                value: "yes".to_owned(),
            });
        }
        if step == "login" {
            form.fill("login", USER).fill("password", "any password");
        }
        let answer = browser.submit(&page, &form);
        navigation = browser.follow(answer, REDIRECT_URI);
    }
    panic!("the device pages did not end after {prompts:?}")
}

/// RFC 8628 with a real server: the device authorization endpoint from
/// discovery (§4), the code, a poll while the user has not answered
/// (`authorization_pending`), the user's approval on the provider's
/// pages, then tokens.
fn device_authorization(op: &Op) -> (Client, DeviceAuthorization) {
    device_authorization_as(op, DEVICE_CLIENT, unix_now())
}

/// [`device_authorization`] for `client_id`, the answer read at `now`.
fn device_authorization_as(op: &Op, client_id: &str, now: u64) -> (Client, DeviceAuthorization) {
    let profile = op.metadata.profile().unwrap();
    assert_eq!(
        profile
            .endpoint(EndpointRole::DeviceAuthorization)
            .map(|e| e.as_str()),
        Some(format!("{}/device/auth", op.issuer()).as_str())
    );
    let client = Client::new(profile, client_id).with_scopes(["openid", "offline_access"]);
    let request = client.device_authorization_request().unwrap();
    assert_eq!(
        String::from_utf8(request.body.to_vec()).unwrap(),
        format!("scope=openid+offline_access&client_id={client_id}")
    );
    let authorization = client
        .parse_device_authorization_response(now, &op.send(&request))
        .unwrap();
    assert_eq!(
        authorization.verification_uri,
        format!("{}/device", op.issuer())
    );
    let complete = authorization.verification_uri_complete.as_deref().unwrap();
    assert!(complete.contains("user_code="), "{complete}");
    assert!(!format!("{authorization:?}").contains(authorization.device_code.secret()));
    (client, authorization)
}

#[test]
fn device_flow_pending_then_approved() {
    let op = Op::start();
    let (client, authorization) = device_authorization(&op);
    let mut poll = DevicePoll::new(client.clone(), &authorization);
    // One poll before the user answers.
    let out = loop {
        match poll.poll_action(unix_now()) {
            DevicePollAction::Send(out) => break out,
            DevicePollAction::Wait { until } => std::thread::sleep(Duration::from_secs(
                until.unwrap().saturating_sub(unix_now()).max(1),
            )),
            other => panic!("{other:?}"),
        }
    };
    let response = op.send(&out.request);
    assert_eq!(
        poll.handle_response(out.id, unix_now(), &response),
        Ok(DevicePollUpdate::Pending)
    );

    let complete = authorization.verification_uri_complete.clone().unwrap();
    let (prompts, last_page) = user_at_device_page(&complete, Decision::Allow);
    assert_eq!(prompts, ["user_code", "confirm", "login", "consent"]);
    assert!(last_page.contains("Sign-in Success"), "{last_page}");

    let tokens = drive_device(&mut poll, &op.transport, unix_now, |_| {}).unwrap();
    assert!(tokens.refresh_token().is_some());
    let introspection = op.introspect(&client, TokenRef::Access(tokens.access_token()));
    assert!(introspection.active);
    assert_eq!(introspection.sub.as_deref(), Some(USER));
    assert_eq!(introspection.client_id.as_deref(), Some(DEVICE_CLIENT));
}

#[test]
fn device_flow_aborted_by_the_user_is_user_denied() {
    let op = Op::start();
    let (client, authorization) = device_authorization(&op);
    let complete = authorization.verification_uri_complete.clone().unwrap();
    let (prompts, last_page) = user_at_device_page(&complete, Decision::Cancel);
    assert_eq!(prompts, ["user_code", "confirm"]);
    assert!(last_page.contains("interrupted"), "{last_page}");

    let mut poll = DevicePoll::new(client, &authorization);
    let error = drive_device(&mut poll, &op.transport, unix_now, |_| {}).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AccessDenied, "{error}");
    assert_eq!(error.action(), Action::UserDenied);
    assert!(!error
        .to_string()
        .contains(authorization.device_code.secret()));
}

/// The token request a poll hands out, or a panic naming what came instead.
fn to_send(action: DevicePollAction) -> DeviceTokenRequest {
    match action {
        DevicePollAction::Send(out) => out,
        other => panic!("expected a request to send, got {other:?}"),
    }
}

/// When a poll says to ask again, or a panic naming what came instead.
fn wait_until(action: DevicePollAction) -> u64 {
    match action {
        DevicePollAction::Wait { until: Some(until) } => until,
        other => panic!("expected a wait, got {other:?}"),
    }
}

/// RFC 8628 §3.5: after a `slow_down` the interval is 5 s longer for every
/// later request. The test keeps its own clock and moves it instead of
/// sleeping (oidc-provider does not hold the device to its interval).
#[test]
fn device_flow_slow_down_makes_the_poll_wait_five_seconds_longer() {
    let op = Op::start();
    let mut now = unix_now();
    let (client, authorization) = device_authorization_as(&op, DEVICE_SLOW_CLIENT, now);
    // oidc-provider sends no interval: RFC 8628's default.
    let interval = authorization.interval;
    assert_eq!(interval, DEFAULT_INTERVAL);
    let mut poll = DevicePoll::new(client.clone(), &authorization);

    // The first request is due an interval after the answer.
    assert_eq!(wait_until(poll.poll_action(now)), now + interval);
    now += interval;
    let out = to_send(poll.poll_action(now));
    let response = op.send(&out.request);
    assert_eq!(response.status, 400);
    assert_eq!(
        poll.handle_response(out.id, now, &response),
        Ok(DevicePollUpdate::SlowDown)
    );
    assert_eq!(poll.interval(), interval + SLOW_DOWN_STEP);

    // The next request waits the interval plus 5 s, not a second less.
    let due = now + interval + SLOW_DOWN_STEP;
    assert_eq!(wait_until(poll.poll_action(now)), due);
    assert_eq!(poll.poll_timeout(), Some(due));
    assert_eq!(wait_until(poll.poll_action(now + interval)), due);
    assert_eq!(wait_until(poll.poll_action(due - 1)), due);
    now = due;
    let out = to_send(poll.poll_action(now));
    // The provider's own answer from the second poll on.
    assert_eq!(
        poll.handle_response(out.id, now, &op.send(&out.request)),
        Ok(DevicePollUpdate::Pending)
    );
    // The longer interval holds for the rest of the flow.
    assert_eq!(poll.interval(), interval + SLOW_DOWN_STEP);
    let due = now + interval + SLOW_DOWN_STEP;
    assert_eq!(wait_until(poll.poll_action(now)), due);

    let complete = authorization.verification_uri_complete.clone().unwrap();
    let (prompts, last_page) = user_at_device_page(&complete, Decision::Allow);
    assert_eq!(prompts, ["user_code", "confirm", "login", "consent"]);
    assert!(last_page.contains("Sign-in Success"), "{last_page}");

    now = due;
    let out = to_send(poll.poll_action(now));
    assert_eq!(
        poll.handle_response(out.id, now, &op.send(&out.request)),
        Ok(DevicePollUpdate::Authorized)
    );
    let tokens = match poll.poll_action(now) {
        DevicePollAction::Done(tokens) => tokens,
        other => panic!("expected the tokens, got {other:?}"),
    };
    assert!(tokens.refresh_token().is_some());
    let introspection = op.introspect(&client, TokenRef::Access(tokens.access_token()));
    assert!(introspection.active);
    assert_eq!(introspection.sub.as_deref(), Some(USER));
    assert_eq!(introspection.client_id.as_deref(), Some(DEVICE_SLOW_CLIENT));
}

/// A writer that hands each complete line to a channel, so that a test
/// can read what the CLI prints while it runs.
struct Lines(std::sync::mpsc::Sender<String>, Vec<u8>);

impl std::io::Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.1.extend_from_slice(bytes);
        while let Some(end) = self.1.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.1.drain(..=end).collect();
            let _ = self
                .0
                .send(String::from_utf8_lossy(&line).trim_end().to_owned());
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the CLI's `login` of `DEVICE_CLIENT` at `op` (discovery) into
/// `token_file` with `more` flags, a device login: the user opens the
/// complete verification URI the CLI prints and approves on
/// oidc-provider's pages. Returns what the CLI printed before that URI and
/// after it; a failed login fails the test.
fn cli_device_login(op: &Op, token_file: &Path, more: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut args: Vec<String> = [
        "--token-file",
        token_file.to_str().unwrap(),
        "--issuer",
        op.issuer(),
        "--client-id",
        DEVICE_CLIENT,
        "--scope",
        "openid",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend(more.iter().map(|flag| (*flag).to_owned()));
    let (lines, printed) = std::sync::mpsc::channel();
    let login = std::thread::spawn(move || {
        authflow_examples::cli::run("login", &args, &mut Lines(lines, Vec::new()))
    });
    let mut seen = Vec::new();
    let complete = loop {
        let line = printed
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no verification URI printed: {seen:?}"));
        if let Some(url) = line
            .strip_prefix("(or open ")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            break url.to_owned();
        }
        seen.push(line);
    };
    let (prompts, _) = user_at_device_page(&complete, Decision::Allow);
    assert_eq!(prompts, ["user_code", "confirm", "login", "consent"]);
    login.join().unwrap().map_err(|e| e.0).unwrap();
    (seen, printed.try_iter().collect())
}

/// `authflowkit login --device` (discovery from `--issuer`): prints the
/// code and where to enter it, waits while the user approves on
/// oidc-provider's pages, and saves the token set.
#[test]
fn cli_login_with_device_saves_the_tokens() {
    let op = Op::start();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("tokens.json");
    let (seen, saved) = cli_device_login(&op, &token_file, &["--device"]);
    assert!(
        seen[0].starts_with(&format!(
            "on any device, open {}/device and enter the code ",
            op.issuer()
        )),
        "{seen:?}"
    );
    assert!(
        saved
            .iter()
            .any(|l| l.starts_with("saved the token set to")),
        "{saved:?}"
    );
    // The complete verification URI as a QR code (half-block characters),
    // then a dot per poll while the user answered.
    let qr_rows = saved
        .iter()
        .filter(|l| !l.trim().is_empty() && l.chars().all(|c| " █▀▄".contains(c)))
        .count();
    assert!(qr_rows >= 10, "{saved:?}");
    assert!(
        saved
            .iter()
            .any(|l| !l.is_empty() && l.chars().all(|c| c == '.')),
        "{saved:?}"
    );
    // The ID token of an OpenID Provider's device login is checked too.
    assert!(
        saved.contains(&format!(
            "ID token valid: subject {USER} at {}",
            op.issuer()
        )),
        "{saved:?}"
    );
    let loaded = authflow_examples::token_file::load(&token_file, None).unwrap();
    assert!(
        op.introspect(
            &loaded.client,
            TokenRef::Access(loaded.tokens.access_token())
        )
        .active
    );
    assert_eq!(
        loaded
            .client
            .profile()
            .endpoint(EndpointRole::DeviceAuthorization)
            .map(|e| e.as_str().to_owned()),
        Some(format!("{}/device/auth", op.issuer()))
    );
}

/// `authflowkit login --issuer` at an OpenID Provider: the browser login
/// over the CLI's loopback redirect, the ID token checked before the
/// tokens are saved (the subject printed, other claims redacted), then
/// `userinfo` (its sub held to the ID token's) and `logout` (the
/// end-session URL with the ID token as hint).
#[test]
fn cli_openid_login_checks_the_id_token_then_userinfo_and_logout() {
    let op = Op::start();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("tokens.json");
    let file_arg = token_file.to_str().unwrap().to_owned();
    let args: Vec<String> = [
        "--token-file",
        &file_arg,
        "--issuer",
        op.issuer(),
        "--client-id",
        "cli-client",
        "--scope",
        "openid",
        "--port",
        "0",
        "--no-browser",
        "--param",
        "ui_locales=en-GB fr",
    ]
    .map(str::to_owned)
    .to_vec();
    let said = cli_browser_login(&op, args, None, |url| {
        assert!(
            url.contains("nonce="),
            "an OpenID request sends a nonce: {url}"
        );
        // --param goes with the authorization request (and the exchange).
        assert_eq!(query_value(&url, "ui_locales"), Some("en-GB+fr"), "{url}");
        url
    });
    assert!(
        said.contains(&format!(
            "ID token valid: subject {USER} at {}",
            op.issuer()
        )),
        "{said:?}"
    );
    let saved = authflow_examples::token_file::load(&token_file, None).unwrap();
    assert!(saved.client.profile().is_openid());
    assert_eq!(saved.tokens.id_token_claims().unwrap().unwrap().sub, USER);

    let mut out = Vec::new();
    authflow_examples::cli::run(
        "userinfo",
        &["--token-file".into(), file_arg.clone()],
        &mut out,
    )
    .map_err(|e| e.0)
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.starts_with(&format!("subject {USER}\n")), "{out}");

    let mut out = Vec::new();
    authflow_examples::cli::run("logout", &["--token-file".into(), file_arg], &mut out)
        .map_err(|e| e.0)
        .unwrap();
    let out = String::from_utf8(out).unwrap();
    let logout = out.lines().nth(1).unwrap();
    assert_eq!(
        logout.split('?').next(),
        Some(format!("{}/session/end", op.issuer()).as_str())
    );
    // base64url and dots: nothing in an ID token is escaped.
    assert_eq!(
        query_value(logout, "id_token_hint"),
        saved.tokens.id_token().map(|t| t.secret())
    );
    assert_eq!(query_value(logout, "client_id"), Some("cli-client"));
}

/// Runs the CLI's `login` with `args`, a browser login on a loopback
/// listener: `open` gets the URL the CLI prints and returns the one the
/// user's browser opens (a test looks at it, or adds to it); the user signs
/// in and consents, and the browser comes back to `redirect_uri` (`None`:
/// the one the URL names) on the CLI's listener. Returns what the CLI
/// printed after the URL; a failed login fails the test.
fn cli_browser_login(
    op: &Op,
    args: Vec<String>,
    redirect_uri: Option<&str>,
    open: impl FnOnce(String) -> String,
) -> Vec<String> {
    let (lines, printed) = std::sync::mpsc::channel();
    let login = std::thread::spawn(move || {
        authflow_examples::cli::run("login", &args, &mut Lines(lines, Vec::new()))
    });
    let next = || {
        printed
            .recv_timeout(Duration::from_secs(30))
            .expect("the CLI printed nothing more")
    };
    assert_eq!(next(), "open this URL to sign in:");
    let url = open(next());
    let redirect_uri = match redirect_uri {
        Some(uri) => uri.to_owned(),
        None => percent_decoded(query_value(&url, "redirect_uri").unwrap()),
    };
    let (callback, _) = user_at_browser_until(&url, Decision::Allow, &redirect_uri);
    // The CLI's listener takes the redirect as the user's browser sends it.
    let answer = op.send(&HttpRequest::new(Method::Get, callback));
    assert_eq!(answer.status, 200);
    login.join().unwrap().map_err(|e| e.0).unwrap();
    printed.try_iter().collect()
}

/// A query value's percent-escapes decoded (ASCII is all a test URL holds).
fn percent_decoded(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some((before, after)) = rest.split_once('%') {
        out.push_str(before);
        let byte = u8::from_str_radix(&after[..2], 16).unwrap();
        out.push(char::from(byte));
        rest = &after[2..];
    }
    out.push_str(rest);
    out
}

// ----- Client authentication by JWT (RFC 7523 §2.2, OpenID Connect Core §9) -----

/// server.mjs's private_key_jwt client; its keys are client-keys.json's.
const PKJWT_CLIENT: &str = "pkjwt-client";
/// server.mjs's client_secret_jwt client.
const SECRET_JWT_CLIENT: (&str, &str) = (
    "secret-jwt-client",
    "secret-jwt-client-secret-0123456789abcdef",
);

/// A private JWK of client-keys.json: `registered[index]` or `wrong`.
fn client_key(which: &str, index: usize) -> SigningKey {
    let text = std::fs::read_to_string(peer_dir().join("client-keys.json")).unwrap();
    let keys: serde_json::Value = serde_json::from_str(&text).unwrap();
    let jwk = match which {
        "registered" => &keys["registered"][index],
        _ => &keys["wrong"],
    };
    SigningKey::from_jwk(&jwk.to_string()).unwrap()
}

/// pkjwt-client on the discovered profile (whose method it does not set:
/// the key makes it private_key_jwt), with `key`.
fn pkjwt_client(op: &Op, key: SigningKey) -> Client {
    op.client(PKJWT_CLIENT, None).with_signing_key(key)
}

/// A client-credentials request of `client` built at `now` and sent.
fn client_credentials_at(op: &Op, client: &Client, now: u64) -> Result<TokenSet, Error> {
    let request = client
        .at(now, &assertion_entropy())
        .unwrap()
        .client_credentials_request()
        .unwrap();
    let response = op.send(&request);
    client.parse_token_response(GrantType::ClientCredentials, unix_now(), &response)
}

#[test]
fn private_key_jwt_with_every_algorithm_authenticates_the_client() {
    let op = Op::start();
    // Discovery lists client_secret_basic first; a client with a key and
    // no chosen method takes private_key_jwt, which the server lists too.
    assert!(op
        .metadata
        .token_endpoint_auth_methods_supported
        .iter()
        .any(|m| m == "private_key_jwt"));
    for (index, alg) in [
        (0, Some(SigningAlgorithm::Rs256)),
        (0, Some(SigningAlgorithm::Ps256)),
        (1, None),
        (2, None),
    ] {
        let mut key = client_key("registered", index);
        if let Some(alg) = alg {
            let jwk: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(peer_dir().join("client-keys.json")).unwrap(),
            )
            .unwrap();
            let mut jwk = jwk["registered"][index].clone();
            jwk["alg"] = alg.as_str().into();
            key = SigningKey::from_jwk(&jwk.to_string()).unwrap();
        }
        let alg = key.algorithm();
        let client = pkjwt_client(&op, key).with_scopes(Vec::<String>::new());
        assert_eq!(
            client.client_auth_method().unwrap(),
            ClientAuthMethod::PrivateKeyJwt
        );
        let tokens = client_credentials_at(&op, &client, unix_now())
            .unwrap_or_else(|e| panic!("{}: {e}", alg.as_str()));
        let introspection = op.introspect(&client, TokenRef::Access(tokens.access_token()));
        assert!(introspection.active, "{}", alg.as_str());
        assert_eq!(introspection.client_id.as_deref(), Some(PKJWT_CLIENT));
    }
}

#[test]
fn private_key_jwt_code_flow_refresh_revocation_and_a_session() {
    let op = Op::start();
    let client = pkjwt_client(&op, client_key("registered", 1));
    // Without Client::at, a signing client builds nothing: the step
    // cannot be forgotten and found out only as invalid_client.
    let error = client.client_credentials_request().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Configuration);

    let tokens = op.sign_in(&client);
    assert!(tokens.refresh_token().is_some());
    let refreshed = op
        .refresh_by_hand(&client, &refresh_of(&tokens), &tokens)
        .unwrap();
    assert!(
        op.introspect(&client, TokenRef::Access(refreshed.access_token()))
            .active
    );

    // A session renews with its own entropy, one assertion per renewal.
    let (shared, persisted) =
        shared_session(&op, new_session(client.clone(), Some(refreshed.clone())));
    let held = shared.access_token(unix_now).unwrap();
    assert_eq!(&held, refreshed.access_token());
    shared.unauthorized(&held);
    let renewed = shared.access_token(unix_now).unwrap();
    assert_ne!(&renewed, refreshed.access_token());
    assert_eq!(persisted.lock().unwrap().len(), 1);

    op.revoke(&client, TokenRef::Access(&renewed)).unwrap();
    assert!(!op.introspect(&client, TokenRef::Access(&renewed)).active);
}

#[test]
fn a_wrong_key_an_expired_assertion_and_a_replayed_jti_are_refused() {
    let op = Op::start();
    let refused = |result: Result<TokenSet, Error>| {
        let error = result.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidClient, "{error}");
        assert_eq!(error.action(), Action::FixConfiguration);
        error
    };
    // The wrong key names a registered kid: the signature fails.
    refused(client_credentials_at(
        &op,
        &pkjwt_client(&op, client_key("wrong", 0)),
        unix_now(),
    ));
    // An assertion dated two minutes ago expired a minute ago.
    let client = pkjwt_client(&op, client_key("registered", 1));
    refused(client_credentials_at(&op, &client, unix_now() - 120));
    // The same request twice: the second carries a used jti.
    let request = client
        .at(unix_now(), &assertion_entropy())
        .unwrap()
        .client_credentials_request()
        .unwrap();
    let first = op.send(&request);
    client
        .parse_token_response(GrantType::ClientCredentials, unix_now(), &first)
        .unwrap();
    let second = op.send(&request);
    let error =
        refused(client.parse_token_response(GrantType::ClientCredentials, unix_now(), &second));
    // The assertion is a credential: the error does not quote it.
    let assertion = body_of(&request)
        .split('&')
        .find_map(|p| p.strip_prefix("client_assertion="))
        .unwrap()
        .to_owned();
    assert!(!format!("{error} {error:?}").contains(&assertion[..40]));
    // A client whose method is not set but whose key the server does not
    // list would be refused before anything is sent (unit tests); here the
    // audience: the token endpoint instead of the issuer is accepted too.
    let by_endpoint = Client::new(
        op.metadata
            .profile()
            .unwrap()
            .with_assertion_audience(AssertionAudience::TokenEndpoint),
        PKJWT_CLIENT,
    )
    .with_signing_key(client_key("registered", 2));
    client_credentials_at(&op, &by_endpoint, unix_now()).unwrap();
}

#[test]
fn client_secret_jwt_when_chosen_and_its_short_secret_refusal() {
    let op = Op::start();
    let profile = op
        .metadata
        .profile()
        .unwrap()
        .with_client_auth(ClientAuthMethod::ClientSecretJwt);
    let client = Client::new(profile.clone(), SECRET_JWT_CLIENT.0)
        .with_redirect_uri(REDIRECT_URI)
        .unwrap()
        .with_scopes(["openid", "offline_access"])
        .with_client_secret(ClientSecret::new(SECRET_JWT_CLIENT.1));
    let tokens = op.sign_in(&client);
    assert!(
        op.introspect(&client, TokenRef::Access(tokens.access_token()))
            .active
    );
    // Discovery's pick for a secret (client_secret_basic) is refused by a
    // client registered for client_secret_jwt: the user chooses.
    let basic = Client::new(op.metadata.profile().unwrap(), SECRET_JWT_CLIENT.0)
        .with_client_secret(ClientSecret::new(SECRET_JWT_CLIENT.1));
    let error = client_credentials_at(&op, &basic, unix_now()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidClient);
    // A wrong secret signs an assertion the server refuses.
    let wrong = Client::new(profile, SECRET_JWT_CLIENT.0)
        .with_client_secret(ClientSecret::new("not-the-secret-0123456789abcdef-xyz"));
    let error = client_credentials_at(&op, &wrong, unix_now()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidClient);
}

#[test]
fn cli_login_with_a_private_key_keeps_its_path_and_refreshes_with_it() {
    let op = Op::start();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("tokens.json");
    let key_file = dir.path().join("client-key.json");
    let keys: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(peer_dir().join("client-keys.json")).unwrap(),
    )
    .unwrap();
    let jwk = keys["registered"][1].to_string();
    std::fs::write(&key_file, &jwk).unwrap();
    let file_arg = token_file.to_str().unwrap().to_owned();
    let args: Vec<String> = [
        "--token-file",
        &file_arg,
        "--issuer",
        op.issuer(),
        "--client-id",
        "cli-pkjwt-client",
        "--scope",
        "openid",
        "--scope",
        "offline_access",
        "--private-key",
        key_file.to_str().unwrap(),
        "--port",
        "0",
        "--no-browser",
    ]
    .map(str::to_owned)
    .to_vec();
    // prompt=consent: oidc-provider grants offline_access (a refresh token) only then.
    cli_browser_login(&op, args, None, |url| format!("{url}&prompt=consent"));

    // The file names the key's path and the method, never the key.
    let text = std::fs::read_to_string(&token_file).unwrap();
    let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(stored["client_auth"], "private_key_jwt");
    assert_eq!(
        stored["signing_key"]["file"],
        std::fs::canonicalize(&key_file).unwrap().to_str().unwrap()
    );
    let d = keys["registered"][1]["d"].as_str().unwrap();
    assert!(
        !text.contains(d),
        "the private key was copied into the token file"
    );

    // A forced refresh reads the key again and authenticates with it.
    let before = authflow_examples::token_file::load(&token_file, None).unwrap();
    let mut out = Vec::new();
    authflow_examples::cli::run(
        "refresh",
        &["--token-file".into(), file_arg.clone(), "--force".into()],
        &mut out,
    )
    .map_err(|e| e.0)
    .unwrap();
    let after = authflow_examples::token_file::load(&token_file, None).unwrap();
    assert_ne!(after.tokens.access_token(), before.tokens.access_token());
    assert_eq!(after.generation, before.generation + 1);

    // Without the key file, the next run says which file it could not read.
    std::fs::remove_file(&key_file).unwrap();
    let error = authflow_examples::cli::run(
        "refresh",
        &["--token-file".into(), file_arg, "--force".into()],
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(
        error.0.contains("cannot read the private key"),
        "{}",
        error.0
    );
    assert!(error.0.contains("client-key.json"), "{}", error.0);
}

/// The client server.mjs registers with `require_pushed_authorization_requests`.
const PAR_CLIENT: (&str, &str) = ("par-client", "par-client-secret-0123456789abcdef");

impl Op {
    /// [`Op::client`] on the profile discovery made, with pushed
    /// authorization requests chosen (RFC 9126): the server requires them of
    /// this client, not of every client, so its metadata does not say so.
    fn par_client(&self) -> Client {
        let profile = self
            .metadata
            .profile()
            .unwrap()
            .with_pushed_authorization(true)
            .unwrap();
        Client::new(profile, PAR_CLIENT.0)
            .with_redirect_uri(REDIRECT_URI)
            .unwrap()
            .with_scopes(["openid", "offline_access"])
            .with_client_secret(ClientSecret::new(PAR_CLIENT.1))
    }
}

/// The names of a URL's query parameters, in order.
fn query_names(url: &str) -> Vec<String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .map(|pair| pair.split('=').next().unwrap_or_default().to_owned())
        .collect()
}

/// RFC 9126 end to end, through the driver: the parameters are pushed
/// (client_secret_basic, `client_id` in the body too, §2.1), the server
/// answers 201 with a request URI, the URL the user opens carries
/// `client_id` and `request_uri` alone (§4), the pending authorization
/// expires with the request URI, and the code flow completes with the
/// state, PKCE and nonce that were pushed.
#[test]
fn pushed_authorization_request_code_flow() {
    let op = Op::start();
    let par_endpoint = format!("{}/request", op.issuer());
    assert_eq!(
        op.metadata.pushed_authorization_request_endpoint.as_deref(),
        Some(par_endpoint.as_str())
    );
    assert!(!op.metadata.require_pushed_authorization_requests);
    let client = op.par_client();
    assert!(client.profile().uses_pushed_authorization());
    // A plain URL would leak what the push keeps out of the browser.
    let refused = client
        .authorization_request(unix_now(), &authorization_entropy())
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Configuration);

    let options = AuthorizationOptions {
        extra_params: vec![("prompt".to_owned(), "consent".to_owned())],
        ..AuthorizationOptions::default()
    };
    let before = unix_now();
    let start = authflow_examples::driver::start_authorization(
        &client,
        &op.transport,
        &options,
        unix_now,
        &authorization_entropy(),
    )
    .unwrap();
    let after = unix_now();
    assert!(
        start.url.starts_with(&format!("{}/auth?", op.issuer())),
        "{}",
        start.url
    );
    assert_eq!(query_names(&start.url), ["client_id", "request_uri"]);
    assert_eq!(query_value(&start.url, "client_id"), Some(PAR_CLIENT.0));
    let request_uri = percent_decoded(query_value(&start.url, "request_uri").unwrap());
    assert!(
        request_uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{request_uri}"
    );
    // oidc-provider's request URIs live 60 s: the pending authorization
    // no longer than that, rather than its own 10 minutes.
    let expires_at = start.pending.expires_at();
    assert!(
        expires_at > before && expires_at <= after + 60,
        "{expires_at}"
    );

    let (callback_url, prompts) = user_at_browser(&start.url, Decision::Allow);
    assert_eq!(prompts, ["login", "consent"]);
    let callback = start.pending.validate(&callback_url, unix_now()).unwrap();
    let tokens = op.exchange(&client, callback).unwrap();
    assert!(tokens.refresh_token().is_some());
    // The nonce was pushed too: the ID token carries it.
    let check = op.id_token_check(&start.pending, &tokens);
    let mut keys = Keys::new(&op);
    let id_token = tokens.id_token().unwrap();
    let set = keys.for_token(&op, unix_now(), id_token);
    let claims = check
        .validate(
            id_token,
            &set,
            unix_now(),
            Some(tokens.access_token()),
            None,
        )
        .unwrap();
    assert_eq!(claims.sub, USER);
    assert_eq!(claims.nonce.as_deref(), start.pending.nonce());

    // §4: a request URI is used once; the server refuses it again.
    let (again, _) = user_at_browser_error(&start.url);
    assert!(again.contains("error="), "{again}");
}

/// RFC 9126 §4: the server's policy for this client is PAR only, so a
/// plain authorization URL (made here by a profile without PAR) comes back
/// as `invalid_request`, checked after the state and `iss` like any error.
#[test]
fn a_plain_authorization_request_is_refused_for_a_client_that_requires_par() {
    let op = Op::start();
    let client = op.client(PAR_CLIENT.0, Some(PAR_CLIENT.1));
    assert!(!client.profile().uses_pushed_authorization());
    let start = op.start_authorization(&client);
    let (callback_url, prompts) = user_at_browser_error(&start.url);
    assert!(prompts.is_empty(), "the user saw {prompts:?}");
    assert!(!callback_url.contains("code="), "{callback_url}");
    let error = start
        .pending
        .validate(&callback_url, unix_now())
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error}");
    let provider = error.provider().unwrap();
    assert_eq!(provider.code(), Some("invalid_request"));
    // Refused for the policy, not for something else in the request.
    let description = provider.description().unwrap_or_default();
    assert!(
        description.contains("Pushed Authorization Request must be used"),
        "{description}"
    );
}

/// The browser at `authorization_url` when the server answers with an error
/// redirect before any prompt: the callback URL, and the prompts seen (none).
fn user_at_browser_error(authorization_url: &str) -> (String, Vec<String>) {
    let mut browser = Browser::new();
    match browser.navigate(authorization_url, REDIRECT_URI) {
        Navigation::Callback(url) => (url, Vec::new()),
        Navigation::Page(page) => panic!(
            "no redirect: a page at {} ({}):\n{}",
            page.url, page.status, page.body
        ),
    }
}

/// `authflowkit login --par`: the CLI pushes the request (a public
/// client: `client_id` in the body, PKCE), prints a URL with `client_id`
/// and `request_uri` alone, takes the redirect on its loopback listener
/// and saves the tokens.
#[test]
fn cli_login_with_par_pushes_the_request() {
    let op = Op::start();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("tokens.json");
    let file_arg = token_file.to_str().unwrap().to_owned();
    // The URL no longer names the redirect URI: the test picks the port.
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let args: Vec<String> = [
        "--token-file",
        &file_arg,
        "--issuer",
        op.issuer(),
        "--client-id",
        "cli-client",
        "--scope",
        "openid",
        "--port",
        &port,
        "--no-browser",
        "--par",
    ]
    .map(str::to_owned)
    .to_vec();
    cli_browser_login(&op, args, Some(&redirect_uri), |url| {
        assert_eq!(query_names(&url), ["client_id", "request_uri"], "{url}");
        url
    });
    let saved = authflow_examples::token_file::load(&token_file, None).unwrap();
    assert_eq!(saved.tokens.id_token_claims().unwrap().unwrap().sub, USER);
}

/// RFC 9126 §2 with RFC 7523: the push is client-authenticated like a
/// token request, so a private_key_jwt client signs it (through the
/// driver's `Client::at`); the code exchange is signed too.
#[test]
fn a_private_key_jwt_client_signs_its_pushed_authorization_request() {
    let op = Op::start();
    let profile = op
        .metadata
        .profile()
        .unwrap()
        .with_pushed_authorization(true)
        .unwrap();
    let client = Client::new(profile, PKJWT_CLIENT)
        .with_redirect_uri(REDIRECT_URI)
        .unwrap()
        .with_scopes(["openid"])
        .with_signing_key(client_key("registered", 1));
    // Without Client::at the push is refused before it is sent.
    let unsigned = client
        .pushed_authorization_request(unix_now(), &authorization_entropy())
        .unwrap_err();
    assert_eq!(unsigned.kind(), ErrorKind::Configuration);
    let options = AuthorizationOptions {
        extra_params: vec![("prompt".to_owned(), "consent".to_owned())],
        ..AuthorizationOptions::default()
    };
    let start = authflow_examples::driver::start_authorization(
        &client,
        &op.transport,
        &options,
        unix_now,
        &authorization_entropy(),
    )
    .unwrap();
    assert_eq!(query_names(&start.url), ["client_id", "request_uri"]);
    let (callback_url, _) = user_at_browser(&start.url, Decision::Allow);
    let callback = start.pending.validate(&callback_url, unix_now()).unwrap();
    let tokens = op.exchange(&client, callback).unwrap();
    let info = op.introspect(&client, TokenRef::Access(tokens.access_token()));
    assert!(info.active);
    assert_eq!(info.client_id.as_deref(), Some(PKJWT_CLIENT));
}

// --- DPoP (RFC 9449) ---------------------------------------------------

/// server.mjs's DPoP client (public, PKCE, DPoP-bound tokens only).
const DPOP_CLIENT: &str = "dpop-client";

/// The test's DPoP key (P-256, ES256).
const DPOP_KEY: &str = r#"{"kty":"EC","crv":"P-256",
    "x":"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
    "y":"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E",
    "d":"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k"}"#;

/// A resource server for DPoP-bound tokens, on 127.0.0.1, written here:
/// it checks each request's proof as RFC 9449 §4.3 and §7.1 say (the
/// signature with the proof's own `jwk`, `typ`, `htm`, `htu`, `ath`, a
/// fresh `jti`, its own nonce, asked for with `use_dpop_nonce` as §9
/// says) and, by introspection at oidc-provider, that the token is
/// active, of type DPoP, and bound to that key (`cnf.jkt`).
struct DpopResourceServer {
    url: String,
    /// What it saw: one line per request ("nonce demanded", "ok jkt=…").
    seen: Arc<Mutex<Vec<String>>>,
}

impl DpopResourceServer {
    fn start(op: &Op) -> DpopResourceServer {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let introspector = op.client(BASIC_CLIENT.0, Some(BASIC_CLIENT.1));
        let (rs_url, log) = (url.clone(), seen.clone());
        std::thread::spawn(move || {
            let transport = Transport::new(Duration::from_secs(10));
            let mut jtis = HashSet::new();
            let mut nonce_count = 0u32;
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let mut parts = line.split_whitespace();
                let (method, target) = (
                    parts.next().unwrap_or("").to_owned(),
                    parts.next().unwrap_or("").to_owned(),
                );
                let mut headers = Vec::new();
                let mut length = 0usize;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    let header = header.trim_end();
                    if header.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':') {
                        if name.eq_ignore_ascii_case("content-length") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let header = |name: &str| {
                    headers
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.as_str())
                };
                let current_nonce = format!("rs-nonce-{nonce_count}");
                let verdict = check_dpop_request(
                    &method,
                    &format!("{}{}", rs_url.trim_end_matches('/'), target),
                    header("authorization"),
                    header("dpop"),
                    &current_nonce,
                    &mut jtis,
                    |token| {
                        let request = introspector
                            .introspection_request(TokenRef::Access(
                                &authflowkit_core::AccessToken::new(token),
                            ))
                            .unwrap();
                        introspector
                            .parse_introspection_response(
                                unix_now(),
                                &transport.send(&request).unwrap(),
                            )
                            .unwrap()
                    },
                );
                let (status, extra) = match &verdict {
                    Ok(jkt) => {
                        log.lock().unwrap().push(format!("ok jkt={jkt}"));
                        (200, String::new())
                    }
                    Err(Refusal::Nonce) => {
                        log.lock().unwrap().push("nonce demanded".into());
                        nonce_count += 1;
                        (
                            401,
                            format!(
                                "WWW-Authenticate: DPoP error=\"use_dpop_nonce\", \
                                 error_description=\"Resource server requires nonce in DPoP proof\", \
                                 algs=\"ES256\"\r\nDPoP-Nonce: rs-nonce-{nonce_count}\r\n"
                            ),
                        )
                    }
                    Err(Refusal::Invalid(why)) => {
                        log.lock().unwrap().push(format!("refused: {why}"));
                        (
                            401,
                            "WWW-Authenticate: DPoP error=\"invalid_token\", algs=\"ES256\"\r\n"
                                .to_owned(),
                        )
                    }
                };
                let body = if status == 200 {
                    r#"{"data":"for the key holder"}"#
                } else {
                    ""
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        DpopResourceServer { url, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

enum Refusal {
    Nonce,
    Invalid(String),
}

/// RFC 9449 §4.3 and §7.1, for a request of `method` to `url`. Returns
/// the key's thumbprint.
fn check_dpop_request(
    method: &str,
    url: &str,
    authorization: Option<&str>,
    proof: Option<&str>,
    nonce: &str,
    jtis: &mut HashSet<String>,
    introspect: impl FnOnce(&str) -> Introspection,
) -> Result<String, Refusal> {
    use p256::ecdsa::signature::Verifier as _;
    use sha2::Digest as _;
    let invalid = |why: &str| Refusal::Invalid(why.to_owned());
    let token = authorization
        .and_then(|a| a.strip_prefix("DPoP "))
        .ok_or_else(|| invalid("not the DPoP scheme"))?;
    let proof = proof.ok_or_else(|| invalid("no DPoP proof"))?;
    let parts: Vec<&str> = proof.split('.').collect();
    let [h, p, s] = parts[..] else {
        return Err(invalid("not a compact JWS"));
    };
    let part = |text: &str| -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).unwrap()).unwrap()
    };
    let (header, claims) = (part(h), part(p));
    if header["typ"] != "dpop+jwt" || header["alg"] != "ES256" {
        return Err(invalid("typ or alg"));
    }
    let jwk = &header["jwk"];
    if jwk.get("d").is_some() {
        return Err(invalid("a private key in the proof"));
    }
    let coordinate = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
    let point = p256::EncodedPoint::from_affine_coordinates(
        coordinate("x").as_slice().into(),
        coordinate("y").as_slice().into(),
        false,
    );
    let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point).map_err(|_| invalid("jwk"))?;
    let signature = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap())
        .map_err(|_| invalid("signature encoding"))?;
    key.verify(format!("{h}.{p}").as_bytes(), &signature)
        .map_err(|_| invalid("signature"))?;
    if claims["htm"] != method {
        return Err(invalid("htm"));
    }
    let without_query = url.split(['?', '#']).next().unwrap();
    if claims["htu"] != without_query {
        return Err(invalid(&format!("htu {} for {url}", claims["htu"])));
    }
    let ath = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token.as_bytes()));
    if claims["ath"] != ath.as_str() {
        return Err(invalid("ath"));
    }
    let iat = claims["iat"].as_u64().unwrap_or(0);
    if unix_now().abs_diff(iat) > 60 {
        return Err(invalid("iat"));
    }
    if claims["nonce"] != nonce {
        return Err(Refusal::Nonce);
    }
    if !jtis.insert(claims["jti"].as_str().unwrap_or("").to_owned()) {
        return Err(invalid("jti replayed"));
    }
    // RFC 7638: the thumbprint of the proof's key, as the token's cnf.jkt.
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap()
    );
    let jkt = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()));
    let introspection = introspect(token);
    if !introspection.active || introspection.token_type.as_deref() != Some("DPoP") {
        return Err(invalid("inactive or not DPoP"));
    }
    let bound = introspection
        .extra
        .get("cnf")
        .map(|cnf| serde_json::from_str::<serde_json::Value>(&cnf.to_json()).unwrap());
    if bound.as_ref().map(|cnf| &cnf["jkt"]) != Some(&serde_json::json!(jkt)) {
        return Err(invalid(&format!("cnf {bound:?} is not jkt {jkt}")));
    }
    Ok(jkt)
}

impl Op {
    /// Installs and starts the server with `args` (e.g. `--dpop-nonce`).
    fn start_with(args: &[&str]) -> Op {
        install();
        let mut all = vec!["server.mjs", "0"];
        all.extend_from_slice(args);
        let peer = Peer::start("oidc-provider", "node", &all, &peer_dir());
        let transport = Transport::new(Duration::from_secs(10));
        let request =
            discovery_request(&peer.issuer, DiscoveryDocument::OpenidConfiguration).unwrap();
        let response = transport.send(&request).unwrap();
        let metadata = parse_discovery_response(&peer.issuer, &response).unwrap();
        Op {
            peer,
            metadata,
            transport,
        }
    }
}

/// The whole DPoP life of a public client: `dpop_jkt` on the authorization
/// request, the code exchange proved (sent once more with the provider's
/// nonce when it asks), DPoP-bound tokens, a session's refresh proved with
/// the same key, and calls to a resource server that checks the proofs
/// and asks for its own nonce.
fn dpop_flow(nonce_required: bool) {
    let op = if nonce_required {
        Op::start_with(&["--dpop-nonce"])
    } else {
        Op::start_with(&[])
    };
    let rs = DpopResourceServer::start(&op);
    let profile = op
        .metadata
        .profile()
        .unwrap()
        .with_endpoint(EndpointRole::ApiBase, &rs.url)
        .unwrap();
    let key = authflowkit_core::SigningKey::from_jwk(DPOP_KEY).unwrap();
    let client = Client::new(profile, DPOP_CLIENT)
        .with_redirect_uri(REDIRECT_URI)
        .unwrap()
        .with_scopes(["openid", "offline_access"])
        .with_dpop_key(key)
        .unwrap()
        .with_dpop_jkt()
        .unwrap();
    let jkt = client.dpop_jkt().unwrap().to_owned();

    let start = op.start_authorization(&client);
    assert_eq!(query_value(&start.url, "dpop_jkt"), Some(jkt.as_str()));
    let (callback_url, _) = user_at_browser(&start.url, Decision::Allow);
    let callback = start.pending.validate(&callback_url, unix_now()).unwrap();

    // The code exchange, with the one retry a nonce demand earns.
    let mut nonces = authflowkit_core::DpopNonces::new();
    let at = || client.at(unix_now(), &assertion_entropy()).unwrap();
    let request = at()
        .with_dpop_nonces(&nonces)
        .exchange_request(callback)
        .unwrap();
    assert!(request.header("DPoP").is_some());
    let mut response = op.send(&request);
    let asked = nonces.handle_response(&request, &response);
    assert_eq!(asked, nonce_required, "{response:?}");
    if asked {
        let retry = at()
            .with_dpop_nonces(&nonces)
            .with_new_dpop_proof(request)
            .unwrap();
        response = op.send(&retry);
        // Its answer brings the next nonce, and asks for nothing more.
        assert!(!nonces.handle_response(&retry, &response));
    }
    let tokens = client
        .parse_token_response(GrantType::AuthorizationCode, unix_now(), &response)
        .unwrap();
    assert_eq!(tokens.token_type(), "DPoP");
    assert!(tokens.access_token().is_dpop_bound());

    // A session, from the nonces held: a forced refresh, proved with the
    // same key (oidc-provider binds a public client's refresh token to
    // it), then API calls.
    let mut session = Session::new(
        client.clone().with_dpop_nonces(&nonces),
        Some(tokens.clone()),
    )
    .with_entropy(&assertion_entropy());
    session.handle_unauthorized(tokens.access_token());
    let mut sent = 0;
    let token = loop {
        match session.poll_action(unix_now()) {
            SessionAction::Send(outgoing) => {
                sent += 1;
                assert!(outgoing.request.header("DPoP").is_some());
                let response = op.send(&outgoing.request);
                match session.handle_response(outgoing.id, unix_now(), &response) {
                    Ok(_) => {}
                    Err(error) => assert!(session.wants_renewal(unix_now()), "{error}"),
                }
            }
            SessionAction::UseToken(token) => break token,
            other => panic!("{other:?}"),
        }
    };
    // With a nonce required, the provider gave its next nonce with the
    // code's answer: the refresh carries it and needs no retry.
    assert_eq!(sent, 1, "one refresh request");
    assert!(token.is_dpop_bound());
    assert_ne!(&token, tokens.access_token());
    let refreshed = session.token_set().unwrap().clone();
    assert_eq!(refreshed.token_type(), "DPoP");

    // The API: the resource server asks for its nonce first, then takes
    // the proof; a second call carries the nonce at once.
    for call in 0..2 {
        let request = session
            .client_for_request(unix_now())
            .unwrap()
            .api_request(&token, Method::Get, "data?page=2", None)
            .unwrap();
        assert_eq!(
            request.header("Authorization"),
            Some(format!("DPoP {}", token.secret()).as_str())
        );
        let mut response = op.send(&request);
        if session.handle_dpop_response(&request, &response) {
            assert_eq!(call, 0, "only the first call is asked for a nonce");
            let retry = session
                .client_for_request(unix_now())
                .unwrap()
                .with_new_dpop_proof(request)
                .unwrap();
            response = op.send(&retry);
        }
        client.check_api_response(unix_now(), &response).unwrap();
        assert_eq!(
            response.body.as_slice(),
            br#"{"data":"for the key holder"}"#
        );
    }
    let seen = rs.seen();
    assert_eq!(
        seen,
        [
            "nonce demanded".to_owned(),
            format!("ok jkt={jkt}"),
            format!("ok jkt={jkt}")
        ],
        "{seen:?}"
    );
}

/// `authflowkit login --dpop` (a new key, kept beside the token file),
/// then `refresh --force` and `call` with proofs of that key, at a
/// provider that requires its nonce and a resource server that asks for
/// its own.
#[test]
fn cli_login_dpop_then_refresh_and_call_with_proofs() {
    let op = Op::start_with(&["--dpop-nonce"]);
    let rs = DpopResourceServer::start(&op);
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("tokens.json");
    let file_arg = token_file.to_str().unwrap().to_owned();
    let args: Vec<String> = [
        "--token-file",
        &file_arg,
        "--issuer",
        op.issuer(),
        "--client-id",
        "cli-client",
        "--scope",
        "openid",
        "--port",
        "0",
        "--no-browser",
        "--dpop",
        "--api-base",
        &rs.url,
    ]
    .map(str::to_owned)
    .to_vec();
    let mut opened = String::new();
    cli_browser_login(&op, args, None, |url| {
        assert!(url.contains("dpop_jkt="), "{url}");
        opened = url.clone();
        url
    });
    let url = opened;
    let saved = authflow_examples::token_file::load(&token_file, None).unwrap();
    assert_eq!(saved.tokens.token_type(), "DPoP");
    let jkt = saved.client.dpop_jkt().unwrap().to_owned();
    assert_eq!(query_value(&url, "dpop_jkt"), Some(jkt.as_str()));
    let key_file = authflow_examples::token_file::dpop_key_path(&token_file);
    assert!(key_file.exists());
    let stored = std::fs::read_to_string(&token_file).unwrap();
    assert!(
        !stored.contains("\"d\""),
        "the key stays out of the token file"
    );

    let run = |command: &str, more: &[&str]| {
        let mut args = vec!["--token-file".to_owned(), file_arg.clone()];
        args.extend(more.iter().map(|a| (*a).to_owned()));
        let mut out = Vec::new();
        authflow_examples::cli::run(command, &args, &mut out)
            .map_err(|e| e.0)
            .unwrap();
        String::from_utf8(out).unwrap()
    };
    run("refresh", &["--force"]);
    let refreshed = authflow_examples::token_file::load(&token_file, None).unwrap();
    assert_eq!(refreshed.tokens.token_type(), "DPoP");
    assert_ne!(refreshed.tokens.access_token(), saved.tokens.access_token());
    let out = run("call", &["data?page=2"]);
    assert!(out.contains(r#"{"data":"for the key holder"}"#), "{out}");
    assert_eq!(
        rs.seen(),
        ["nonce demanded".to_owned(), format!("ok jkt={jkt}")]
    );

    // Through a shared store (the fleet): a forced renewal, proved with
    // the same key (the provider asks for its nonce: one retry), then a call.
    let store = dir.path().join("store");
    std::fs::create_dir(&store).unwrap();
    let store_arg = store.to_str().unwrap();
    run("refresh", &["--store-dir", store_arg, "--force"]);
    let shared = authflow_examples::token_file::load(&token_file, None).unwrap();
    assert_eq!(shared.tokens.token_type(), "DPoP");
    assert_ne!(
        shared.tokens.access_token(),
        refreshed.tokens.access_token()
    );
    let out = run("call", &["--store-dir", store_arg, "data"]);
    assert!(out.contains(r#"{"data":"for the key holder"}"#), "{out}");
    assert_eq!(rs.seen().len(), 4, "{:?}", rs.seen());
    assert_eq!(rs.seen()[3], format!("ok jkt={jkt}"));
}

#[test]
fn dpop_bound_tokens_without_a_nonce() {
    dpop_flow(false);
}

#[test]
fn dpop_bound_tokens_with_the_providers_nonce() {
    dpop_flow(true);
}
// --- end DPoP ---

/// Issue 16's open point: a device login with DPoP (RFC 9449 §5) at a
/// provider that requires its nonce. Every poll carries a proof; the
/// first is answered `use_dpop_nonce` and sent once more at once with the
/// nonce; the tokens are bound to the key kept beside the token file
/// (introspection shows its thumbprint as `cnf.jkt`). `token` then refuses
/// the bound token and `status` says why.
#[test]
fn cli_device_login_with_dpop_at_a_provider_requiring_its_nonce() {
    let op = Op::start_with(&["--dpop-nonce"]);
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("tokens.json");
    let file_arg = token_file.to_str().unwrap().to_owned();
    let (_, saved) = cli_device_login(&op, &token_file, &["--grant", "device", "--dpop"]);
    assert!(
        saved
            .iter()
            .any(|l| l.starts_with("saved the token set to")),
        "{saved:?}"
    );
    let loaded = authflow_examples::token_file::load(&token_file, None).unwrap();
    assert_eq!(loaded.tokens.token_type(), "DPoP");
    assert!(loaded.tokens.access_token().is_dpop_bound());
    let jkt = loaded.client.dpop_jkt().unwrap().to_owned();
    let introspector = op.client(BASIC_CLIENT.0, Some(BASIC_CLIENT.1));
    let info = op.introspect(
        &introspector,
        TokenRef::Access(loaded.tokens.access_token()),
    );
    assert!(info.active);
    assert_eq!(info.token_type.as_deref(), Some("DPoP"));
    let cnf = info.extra.get("cnf").map(|cnf| cnf.to_json());
    assert_eq!(cnf, Some(format!(r#"{{"jkt":"{jkt}"}}"#)));

    let token = common::cli::authflow(&["token", "--token-file", &file_arg], &[]);
    assert_eq!(token.status.code(), Some(2));
    assert!(token.stdout.is_empty());
    assert!(
        common::cli::text(&token).contains("bound to a DPoP key"),
        "{}",
        common::cli::text(&token)
    );
    let status = common::cli::authflow(&["status", "--token-file", &file_arg], &[]);
    let said = common::cli::text(&status);
    assert!(said.contains(&format!("issuer: {}", op.issuer())), "{said}");
    assert!(said.contains("token type: DPoP (bound to"), "{said}");
    assert!(said.contains("refresh token: yes"), "{said}");
    let secret = loaded.tokens.access_token().secret();
    assert!(!said.contains(secret), "{said}");
}

/// `login --grant client-credentials` at an issuer (discovery finds the
/// revocation and introspection endpoints and saves them), then the
/// commands that print about the tokens: `status`, `introspect` (the
/// provider's answer, RFC 7662) and their errors never print the client
/// secret or a token; `revoke` (RFC 7009) ends the token at the provider
/// and removes the token file.
#[test]
fn cli_secrets_never_printed_by_status_introspect_or_errors() {
    let op = Op::start();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("cc.json");
    let file_arg = token_file.to_str().unwrap();
    let secret = [("AUTHFLOW_CLIENT_SECRET", CC_CLIENT.1)];
    let login = common::cli::authflow(
        &[
            "login",
            "--issuer",
            op.issuer(),
            "--grant",
            "client-credentials",
            "--client-id",
            CC_CLIENT.0,
            "--scope",
            "api:read",
            "--token-file",
            file_arg,
        ],
        &secret,
    );
    assert!(login.status.success(), "{}", common::cli::text(&login));
    let loaded = authflow_examples::token_file::load(&token_file, None).unwrap();
    let access = loaded.tokens.access_token().secret().to_owned();
    let never = |said: &str| {
        assert!(!said.contains(&access), "a token printed: {said}");
        assert!(!said.contains(CC_CLIENT.1), "the secret printed: {said}");
    };
    never(&common::cli::text(&login));

    let status = common::cli::authflow(&["status", "--token-file", file_arg], &[]);
    let said = common::cli::text(&status);
    assert!(said.contains("scopes: api:read"), "{said}");
    never(&said);

    let introspect = common::cli::authflow(&["introspect", "--token-file", file_arg], &secret);
    assert!(
        introspect.status.success(),
        "{}",
        common::cli::text(&introspect)
    );
    let said = String::from_utf8_lossy(&introspect.stdout).into_owned();
    let json = &said[..said.rfind('}').unwrap() + 1];
    let answer: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(answer["active"], true, "{said}");
    assert_eq!(answer["client_id"], CC_CLIENT.0, "{said}");
    assert_eq!(answer["scope"], "api:read", "{said}");
    assert!(said.contains("\nactive; expires in "), "{said}");
    never(&said);

    // A wrong secret: the provider's refusal, with neither secret nor token.
    let wrong = common::cli::authflow(
        &["introspect", "--token-file", file_arg],
        &[("AUTHFLOW_CLIENT_SECRET", "wrong-secret-0123456789")],
    );
    assert_eq!(wrong.status.code(), Some(2));
    let said = common::cli::text(&wrong);
    assert!(said.contains("invalid_client"), "{said}");
    assert!(said.contains("AUTHFLOW_CLIENT_SECRET"), "{said}");
    assert!(!said.contains("wrong-secret-0123456789"), "{said}");
    never(&said);

    let revoke = common::cli::authflow(&["revoke", "--token-file", file_arg], &secret);
    let said = common::cli::text(&revoke);
    assert!(revoke.status.success(), "{said}");
    assert!(
        said.starts_with(&format!(
            "revoked the access token at {}/token/revocation; removed {file_arg}",
            op.issuer()
        )),
        "{said}"
    );
    never(&said);
    assert!(!token_file.exists());
    let client = op.client(CC_CLIENT.0, Some(CC_CLIENT.1));
    let after = op.introspect(
        &client,
        TokenRef::Access(&authflowkit_core::AccessToken::new(access.as_str())),
    );
    assert!(!after.active, "revoked at the provider");
}

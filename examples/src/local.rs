//! authflow clients configured for the local providers
//! (`authflow-test-providers`), and the code flow driven the way a browser
//! would: GET the authorize URL, read the redirect's `Location`.

use crate::transport::Transport;
use authflow_test_providers::credentials::*;
use authflow_test_providers::Urls;
use authflowkit_core::{
    AuthorizationOptions, Client, ClientSecret, EndpointRole, Error, ErrorKind, GrantType,
    PendingAuthorization, Profile, TokenSet,
};

/// The redirect URI the demo registers (any loopback URI is accepted).
pub const REDIRECT_URI: &str = "http://127.0.0.1:8400/callback";

fn profile_with(profile: Profile, endpoints: &[(EndpointRole, &str)]) -> Result<Profile, Error> {
    endpoints
        .iter()
        .try_fold(profile, |p, (role, url)| p.with_endpoint(*role, url))
}

/// Makini Link at the local provider, for `client_id` / `secret`.
pub fn makini_link(urls: &Urls, client_id: &str, secret: Option<&str>) -> Result<Client, Error> {
    let link = &urls.makini_link;
    let profile = profile_with(
        Profile::makini_link(),
        &[
            (EndpointRole::Authorization, &link.authorization_endpoint),
            (EndpointRole::Token, &link.token_endpoint),
            (EndpointRole::ApiBase, &link.api_v4),
            (EndpointRole::LegacyApiBase, &link.api_v3),
        ],
    )?;
    let client = Client::new(profile, client_id).with_redirect_uri(REDIRECT_URI)?;
    Ok(match secret {
        Some(secret) => client.with_client_secret(ClientSecret::new(secret)),
        None => client,
    })
}

/// The confidential Makini Link client.
pub fn link_client(urls: &Urls) -> Result<Client, Error> {
    makini_link(urls, LINK_CLIENT_ID, Some(LINK_CLIENT_SECRET))
}

/// The Makini Admin client (`secret` lets a caller try a wrong one).
pub fn admin_client(urls: &Urls, secret: &str) -> Result<Client, Error> {
    let admin = &urls.makini_admin;
    let profile = profile_with(
        Profile::makini_admin(&admin.token_endpoint)?,
        &[(EndpointRole::ApiBase, &admin.api)],
    )?;
    Ok(Client::new(profile, ADMIN_CLIENT_ID).with_client_secret(ClientSecret::new(secret)))
}

/// The MakeShift client (API key and secret).
pub fn makeshift_client(urls: &Urls) -> Result<Client, Error> {
    let makeshift = &urls.makeshift;
    let profile = profile_with(
        Profile::makeshift(),
        &[
            (EndpointRole::Token, &makeshift.token_endpoint),
            (EndpointRole::TokenInfo, &makeshift.token_info_endpoint),
            (EndpointRole::ApiBase, &makeshift.api),
        ],
    )?;
    Ok(Client::new(profile, MAKESHIFT_KEY).with_client_secret(ClientSecret::new(MAKESHIFT_SECRET)))
}

/// What the user's trip through the authorize endpoint produced.
pub struct Authorized {
    /// The authorize URL the browser was sent to (no secret: the state and
    /// the PKCE challenge are public; the verifier stays in `pending`).
    pub url: String,
    /// The pending authorization, as kept across the redirect.
    pub pending: PendingAuthorization,
    /// The URL the provider redirected back to.
    pub redirect: String,
}

/// Sends the "browser" to the authorize URL and returns where it was
/// redirected. `login_hint` picks the local provider's test user.
pub fn authorize(
    transport: &Transport,
    client: &Client,
    now: u64,
    login_hint: Option<&str>,
) -> Result<Authorized, Error> {
    let entropy = crate::authorization_entropy();
    let options = AuthorizationOptions {
        extra_params: login_hint
            .map(|hint| vec![("login_hint".to_owned(), hint.to_owned())])
            .unwrap_or_default(),
        ..AuthorizationOptions::default()
    };
    let start = client.authorization_request_with(now, &entropy, &options)?;
    let request = authflowkit_core::HttpRequest {
        method: authflowkit_core::Method::Get,
        url: start.url.clone(),
        headers: vec![("Accept".into(), "text/html".into())],
        body: Default::default(),
    };
    let response = transport.send(&request)?;
    let url = start.url.clone();
    let redirect = response
        .header("Location")
        .filter(|_| (300..400).contains(&response.status))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::UnexpectedStatus,
                format!(
                    "the authorize endpoint answered {} without a redirect",
                    response.status
                ),
            )
        })?
        .to_owned();
    Ok(Authorized {
        url,
        pending: start.pending,
        redirect,
    })
}

/// The whole code flow: authorize, validate the redirect, exchange the code.
pub fn code_flow(transport: &Transport, client: &Client, now: u64) -> Result<TokenSet, Error> {
    let authorized = authorize(transport, client, now, None)?;
    let callback = authorized.pending.validate(&authorized.redirect, now)?;
    let response = transport.send(&client.exchange_request(callback)?)?;
    client.parse_token_response(GrantType::AuthorizationCode, now, &response)
}

//! The fixed test credentials every server accepts.
//!
//! They are constants, not configuration, so that tests in every language
//! can hard-code them (README.md lists them too).

/// Makini Link confidential client (`client_secret_post` or Basic).
pub const LINK_CLIENT_ID: &str = "link-client";
/// Secret of [`LINK_CLIENT_ID`].
pub const LINK_CLIENT_SECRET: &str = "link-secret";
/// Makini Link public client: no secret, PKCE S256 required.
pub const LINK_PUBLIC_CLIENT_ID: &str = "link-public";
/// Makini Link client whose token responses have the v4 guide's bare shape
/// `{"access_token","refresh_token"}` (no `token_type`, no `expires_in`).
pub const LINK_BARE_CLIENT_ID: &str = "link-bare";
/// Secret of [`LINK_BARE_CLIENT_ID`].
pub const LINK_BARE_CLIENT_SECRET: &str = "link-bare-secret";
/// Makini Admin API client (client credentials grant).
pub const ADMIN_CLIENT_ID: &str = "admin-client";
/// Secret of [`ADMIN_CLIENT_ID`].
pub const ADMIN_CLIENT_SECRET: &str = "admin-secret";
/// MakeShift API key (the password grant's `username`).
pub const MAKESHIFT_KEY: &str = "makeshift-key";
/// MakeShift API secret (the password grant's `password`).
pub const MAKESHIFT_SECRET: &str = "makeshift-secret";
/// The standards-following server's client (client credentials, HTTP Basic).
pub const STANDARD_CLIENT_ID: &str = "standard-client";
/// Secret of [`STANDARD_CLIENT_ID`].
pub const STANDARD_CLIENT_SECRET: &str = "standard-secret";
/// `login_hint` value that makes the Makini Link test user refuse.
pub const DENYING_LOGIN_HINT: &str = "deny";

/// A registered Makini Link client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkClient {
    /// Its id.
    pub(crate) id: &'static str,
    /// Its secret; `None` for the public client.
    pub(crate) secret: Option<&'static str>,
    /// Whether token responses use the bare `{access_token, refresh_token}` shape.
    pub(crate) bare: bool,
}

/// The Makini Link client registered under `id`.
pub(crate) fn link_client(id: &str) -> Option<LinkClient> {
    [
        LinkClient {
            id: LINK_CLIENT_ID,
            secret: Some(LINK_CLIENT_SECRET),
            bare: false,
        },
        LinkClient {
            id: LINK_PUBLIC_CLIENT_ID,
            secret: None,
            bare: false,
        },
        LinkClient {
            id: LINK_BARE_CLIENT_ID,
            secret: Some(LINK_BARE_CLIENT_SECRET),
            bare: true,
        },
    ]
    .into_iter()
    .find(|c| c.id == id)
}

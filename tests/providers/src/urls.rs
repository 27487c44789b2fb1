//! The URLs the servers answer on, as printed by the command.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Every URL a client under test needs. Serialised, this is the JSON line
/// the `authflow-providers` command prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Urls {
    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub base: String,
    /// The control API root, `<base>/__control`.
    pub control: String,
    /// Makini Link and the Makini v4/v3 APIs.
    pub makini_link: MakiniLinkUrls,
    /// The Makini Admin API.
    pub makini_admin: MakiniAdminUrls,
    /// MakeShift.
    pub makeshift: MakeshiftUrls,
    /// The standards-following server (discovery, introspection, revocation).
    pub standard: StandardUrls,
}

/// The standards-following server's URLs (RFC 8414 metadata names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardUrls {
    /// `<base>/standard`: the issuer, from which discovery finds the rest.
    pub issuer: String,
    /// `<base>/standard/token`.
    pub token_endpoint: String,
    /// `<base>/standard/introspect`.
    pub introspection_endpoint: String,
    /// `<base>/standard/revoke`.
    pub revocation_endpoint: String,
}

/// Makini Link URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakiniLinkUrls {
    /// `<base>/link/oauth/authorize`.
    pub authorization_endpoint: String,
    /// `<base>/link/token`.
    pub token_endpoint: String,
    /// `<base>/v4/`.
    pub api_v4: String,
    /// `<base>/api/` (v3, legacy).
    pub api_v3: String,
}

/// Makini Admin API URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakiniAdminUrls {
    /// `<base>/admin/oauth/token`.
    pub token_endpoint: String,
    /// `<base>/admin/v4/`.
    pub api: String,
}

/// MakeShift URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakeshiftUrls {
    /// `<base>/makeshift/oauth/token`.
    pub token_endpoint: String,
    /// `<base>/makeshift/oauth/token/info`.
    pub token_info_endpoint: String,
    /// `<base>/makeshift/api/public/v2/`.
    pub api: String,
}

/// Path prefixes: the real services are separate hosts, folded onto one
/// listener here (clients take full endpoint URLs, so prefixes are enough).
pub(crate) mod paths {
    pub(crate) const CONTROL: &str = "/__control";
    pub(crate) const LINK_AUTHORIZE: &str = "/link/oauth/authorize";
    pub(crate) const LINK_TOKEN: &str = "/link/token";
    pub(crate) const API_V4: &str = "/v4/";
    pub(crate) const API_V3: &str = "/api/";
    pub(crate) const ADMIN_TOKEN: &str = "/admin/oauth/token";
    pub(crate) const ADMIN_API: &str = "/admin/v4/";
    pub(crate) const MAKESHIFT_TOKEN: &str = "/makeshift/oauth/token";
    pub(crate) const MAKESHIFT_TOKEN_INFO: &str = "/makeshift/oauth/token/info";
    pub(crate) const MAKESHIFT_API: &str = "/makeshift/api/public/v2/";
    pub(crate) const STANDARD_ISSUER: &str = "/standard";
    /// RFC 8414 §3: the well-known path goes before the issuer's path.
    pub(crate) const STANDARD_METADATA: &str = "/.well-known/oauth-authorization-server/standard";
    pub(crate) const STANDARD_TOKEN: &str = "/standard/token";
    pub(crate) const STANDARD_INTROSPECT: &str = "/standard/introspect";
    pub(crate) const STANDARD_REVOKE: &str = "/standard/revoke";
}

impl Urls {
    /// The URLs of a server bound to `addr`.
    pub(crate) fn for_addr(addr: SocketAddr) -> Self {
        let base = format!("http://{addr}");
        let at = |path: &str| format!("{base}{path}");
        Self {
            control: at(paths::CONTROL),
            makini_link: MakiniLinkUrls {
                authorization_endpoint: at(paths::LINK_AUTHORIZE),
                token_endpoint: at(paths::LINK_TOKEN),
                api_v4: at(paths::API_V4),
                api_v3: at(paths::API_V3),
            },
            makini_admin: MakiniAdminUrls {
                token_endpoint: at(paths::ADMIN_TOKEN),
                api: at(paths::ADMIN_API),
            },
            makeshift: MakeshiftUrls {
                token_endpoint: at(paths::MAKESHIFT_TOKEN),
                token_info_endpoint: at(paths::MAKESHIFT_TOKEN_INFO),
                api: at(paths::MAKESHIFT_API),
            },
            standard: StandardUrls {
                issuer: at(paths::STANDARD_ISSUER),
                token_endpoint: at(paths::STANDARD_TOKEN),
                introspection_endpoint: at(paths::STANDARD_INTROSPECT),
                revocation_endpoint: at(paths::STANDARD_REVOKE),
            },
            base,
        }
    }
}

//! The CLI's token file: which provider and client the tokens belong to
//! (never the client secret), and the token set. Written atomically.

use authflow_core::{
    Client, ClientAuthMethod, EndpointRole, Error, ErrorKind, Profile, ProviderKind, TokenSet,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The version this code writes and reads.
const VERSION: u32 = 1;

/// What a token file holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    provider: String,
    client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    client_auth: String,
    endpoints: BTreeMap<String, String>,
    /// The token set's own versioned JSON form.
    tokens: serde_json::Value,
}

fn auth_name(method: ClientAuthMethod) -> &'static str {
    match method {
        ClientAuthMethod::ClientSecretPost => "client_secret_post",
        ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
        ClientAuthMethod::None => "none",
        ClientAuthMethod::Omitted => "omitted",
    }
}

fn invalid(why: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidStoredValue, why)
}

/// Writes the client's profile and `tokens` to `path`: to a temporary file
/// beside it, flushed to disk, then renamed over it, so a crash leaves the
/// old file or the new one, never half of either.
pub fn save(path: &Path, client: &Client, tokens: &TokenSet) -> std::io::Result<()> {
    let profile = client.profile();
    let endpoints = EndpointRole::ALL
        .into_iter()
        .filter_map(|role| {
            Some((
                role.as_str().to_owned(),
                profile.endpoint(role)?.as_str().to_owned(),
            ))
        })
        .collect();
    let stored = Stored {
        version: VERSION,
        provider: profile.kind().as_str().to_owned(),
        client_id: client.client_id().to_owned(),
        issuer: profile.issuer().map(str::to_owned),
        client_auth: auth_name(profile.client_auth()).to_owned(),
        endpoints,
        tokens: serde_json::from_str(&tokens.to_json()).map_err(std::io::Error::other)?,
    };
    let text =
        zeroize::Zeroizing::new(serde_json::to_vec_pretty(&stored).map_err(std::io::Error::other)?);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = open_private(&temporary)?;
        file.write_all(&text)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// A new file only the owner can read: it holds tokens.
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Reads a token file: the client (with `secret`, if given) and the tokens.
pub fn load(
    path: &Path,
    secret: Option<authflow_core::ClientSecret>,
) -> Result<(Client, TokenSet), Error> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        Error::new(
            ErrorKind::Configuration,
            format!("cannot read {}: {e}", path.display()),
        )
    })?);
    let stored: Stored =
        serde_json::from_str(&text).map_err(|_| invalid("the token file is malformed"))?;
    if stored.version != VERSION {
        return Err(invalid(format!(
            "unknown token file version {}",
            stored.version
        )));
    }
    let kind = ProviderKind::parse(&stored.provider).ok_or_else(|| invalid("unknown provider"))?;
    let endpoint = |role: EndpointRole| stored.endpoints.get(role.as_str()).map(String::as_str);
    let token_endpoint =
        endpoint(EndpointRole::Token).ok_or_else(|| invalid("no token endpoint"))?;
    let mut profile = match kind {
        ProviderKind::MakiniLink => Profile::makini_link(),
        ProviderKind::MakeShift => Profile::makeshift(),
        ProviderKind::MakiniAdmin => Profile::makini_admin(token_endpoint)?,
        ProviderKind::Generic => Profile::generic(None, token_endpoint)?,
    };
    for role in EndpointRole::ALL {
        if let Some(url) = endpoint(role) {
            profile = profile.with_endpoint(role, url)?;
        }
    }
    profile = profile.with_client_auth(match stored.client_auth.as_str() {
        "client_secret_post" => ClientAuthMethod::ClientSecretPost,
        "client_secret_basic" => ClientAuthMethod::ClientSecretBasic,
        "none" => ClientAuthMethod::None,
        "omitted" => ClientAuthMethod::Omitted,
        _ => return Err(invalid("unknown client authentication")),
    });
    if let Some(issuer) = &stored.issuer {
        profile = profile.with_issuer(issuer, false);
    }
    let mut client = Client::new(profile, stored.client_id);
    if let Some(secret) = secret {
        client = client.with_client_secret(secret);
    }
    let tokens = TokenSet::from_json(&stored.tokens.to_string())?;
    Ok((client, tokens))
}

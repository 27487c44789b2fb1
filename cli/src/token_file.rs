//! The CLI's token file: the client's whole configuration (never the client
//! secret), its token set, and a generation that every save bumps, so that
//! "newer" is decided by the file, never by clocks. Saves replace the file
//! atomically and durably, under the file's advisory lock
//! ([`authflowkit_store::secret_file`]): two runs at once (two cron jobs)
//! renew once, and never save a set without a refresh token over a newer
//! one.

use authflowkit_core::{
    BodyEncoding, Client, ClientAuthMethod, ClientSecret, EndpointRole, Error, ErrorKind,
    ExpiryRule, GrantType, JwsAlgorithm, Lifetimes, PkceMethod, Profile, ProviderKind,
    Reauthentication, SigningAlgorithm, SigningKey, StatusRule, StatusRuleScope, TokenSet,
};
use authflowkit_store::secret_file::{self, FileLock};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The version this code writes.
const VERSION: u32 = 2;
/// Version 1 files had no generation, scopes, redirect URI or profile
/// rules (the built-in profile's apply to them); they still load.
const FIRST_VERSION: u32 = 1;

/// What a token file holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    /// Bumped by every save (0 in a version 1 file).
    #[serde(default)]
    generation: u64,
    provider: String,
    client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    /// Whether a callback without `iss` is refused (RFC 9207).
    #[serde(default)]
    require_issuer: bool,
    client_auth: String,
    endpoints: BTreeMap<String, String>,
    /// The scopes every grant asks for: client credentials or the password
    /// grant repeated without the user must ask for them again.
    #[serde(default)]
    scopes: Vec<String>,
    /// The resources (RFC 8707) every grant asks for: refreshes and grants
    /// repeated without the user name them again. Absent when none (and in
    /// files written before they were kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
    /// Absent in version 1 files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rules: Option<Rules>,
    // --- DPoP (RFC 9449) ---
    /// Whether the client proves a DPoP key, kept beside this file in
    /// [`dpop_key_path`]: its tokens are bound to that key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    dpop: bool,
    // --- end DPoP ---
    /// For an OpenID Provider: the ID token algorithms accepted (JOSE
    /// names); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token_algorithms: Option<Vec<String>>,
    /// Where the private key of `private_key_jwt` is read from (never the
    /// key itself); absent for other clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_key: Option<KeySource>,
    /// Pushed authorization requests (RFC 9126): `required` when the
    /// server's metadata says so, `chosen` when the user asked for them;
    /// absent otherwise (and in files written before PAR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pushed_authorization: Option<String>,
    /// The token set's own versioned JSON form.
    tokens: serde_json::Value,
}

/// Where a client's signing key lives: a PEM or private JWK file, read
/// whenever the token file is loaded, so that the key is never copied
/// into the token file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySource {
    /// The key file (absolute).
    pub file: PathBuf,
    /// The algorithm (JOSE name) when not the key type's default (PS256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// The `kid` its assertions name, when not the JWK's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

impl KeySource {
    /// Reads the key: a JWK when the file holds a JSON object, else PEM.
    /// Errors name the file, never its content.
    pub fn load(&self) -> Result<SigningKey, Error> {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(&self.file).map_err(|e| {
            Error::new(
                ErrorKind::Configuration,
                format!("cannot read the private key {}: {e}", self.file.display()),
            )
        })?);
        let alg = match &self.alg {
            Some(name) => Some(SigningAlgorithm::parse(name).ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    format!("unknown key algorithm {name:?}"),
                )
            })?),
            None => None,
        };
        let key = SigningKey::parse(&text, alg).map_err(|e| {
            Error::new(
                ErrorKind::Configuration,
                format!("{}: {}", self.file.display(), e.message()),
            )
        })?;
        Ok(match &self.kid {
            Some(kid) => key.with_key_id(kid.clone()),
            None => key,
        })
    }
}

/// How the provider's tokens are requested and read: the profile's rules.
#[derive(Serialize, Deserialize)]
struct Rules {
    body_encoding: String,
    expiry: String,
    access_lifetime: Option<u64>,
    refresh_lifetime: Option<u64>,
    refresh_rotates: bool,
    reauthentication: String,
    pkce: Option<String>,
    status_rules: Vec<StoredStatusRule>,
}

/// A [`StatusRule`]: `on` is `token`, `token:<grant_type>` or `api`; `kind`
/// an [`ErrorKind`] name.
#[derive(Serialize, Deserialize)]
struct StoredStatusRule {
    on: String,
    status: u16,
    kind: String,
}

/// Just what a save checks in the file it replaces.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    generation: u64,
    #[serde(default)]
    signing_key: Option<KeySource>,
    #[serde(default)]
    tokens: serde_json::Value,
}

const BODY_ENCODINGS: [(BodyEncoding, &str); 2] =
    [(BodyEncoding::Form, "form"), (BodyEncoding::Json, "json")];

const EXPIRY_RULES: [(ExpiryRule, &str); 3] = [
    (ExpiryRule::Seconds, "seconds"),
    (ExpiryRule::AbsoluteTimestamp, "absolute_timestamp"),
    (
        ExpiryRule::CreatedAtPlusLifetime,
        "created_at_plus_lifetime",
    ),
];

const REAUTHENTICATIONS: [(Reauthentication, &str); 3] = [
    (Reauthentication::Never, "none"),
    (Reauthentication::ClientCredentials, "client_credentials"),
    (
        Reauthentication::PasswordWithClientCredentials,
        "password_with_client_credentials",
    ),
];

const GRANTS: [GrantType; 4] = [
    GrantType::AuthorizationCode,
    GrantType::RefreshToken,
    GrantType::ClientCredentials,
    GrantType::Password,
];

/// The name `table` gives `value`.
fn name_of<T: PartialEq>(table: &[(T, &'static str)], value: &T) -> io::Result<&'static str> {
    table
        .iter()
        .find(|(v, _)| v == value)
        .map(|(_, name)| *name)
        .ok_or_else(|| io::Error::other("a profile setting the token file cannot hold"))
}

/// The value `table` gives `name`.
fn value_of<T: Copy>(table: &[(T, &str)], name: &str, what: &str) -> Result<T, Error> {
    table
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(v, _)| *v)
        .ok_or_else(|| invalid(format!("unknown {what}")))
}

fn scope_name(on: StatusRuleScope) -> String {
    match on {
        StatusRuleScope::Token(None) => "token".to_owned(),
        StatusRuleScope::Token(Some(grant)) => format!("token:{}", grant.as_str()),
        StatusRuleScope::Api => "api".to_owned(),
    }
}

fn scope_of(name: &str) -> Result<StatusRuleScope, Error> {
    match name {
        "token" => Ok(StatusRuleScope::Token(None)),
        "api" => Ok(StatusRuleScope::Api),
        other => other
            .strip_prefix("token:")
            .and_then(|grant| GRANTS.into_iter().find(|g| g.as_str() == grant))
            .map(|grant| StatusRuleScope::Token(Some(grant)))
            .ok_or_else(|| invalid("unknown status rule scope")),
    }
}

fn invalid(why: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::InvalidStoredValue, why)
}

/// The file's form of `client` (its key read from `signing_key`) and
/// `tokens`, as `generation`.
fn stored(
    client: &Client,
    signing_key: Option<&KeySource>,
    tokens: &TokenSet,
    generation: u64,
) -> io::Result<Stored> {
    let profile = client.profile();
    let endpoints = EndpointRole::ALL
        .iter()
        .copied()
        .filter_map(|role| {
            Some((
                role.as_str().to_owned(),
                profile.endpoint(role)?.as_str().to_owned(),
            ))
        })
        .collect();
    let status_rules = profile
        .status_rules()
        .iter()
        .map(|rule| StoredStatusRule {
            on: scope_name(rule.on),
            status: rule.status,
            kind: rule.kind.as_str().to_owned(),
        })
        .collect();
    let lifetimes = profile.lifetimes();
    Ok(Stored {
        version: VERSION,
        generation,
        provider: profile.kind().as_str().to_owned(),
        client_id: client.client_id().to_owned(),
        issuer: profile.issuer().map(str::to_owned),
        require_issuer: profile.requires_issuer(),
        // The method this client uses (a key may have chosen it), so that
        // a later load does not depend on what discovery would pick.
        client_auth: client
            .client_auth_method()
            .map_err(|e| io::Error::other(e.to_string()))?
            .as_str()
            .to_owned(),
        endpoints,
        scopes: client.scopes().to_vec(),
        resources: client.resources().to_vec(),
        redirect_uri: client.redirect_uri().map(str::to_owned),
        dpop: client.uses_dpop(),
        rules: Some(Rules {
            body_encoding: name_of(&BODY_ENCODINGS, &profile.body_encoding())?.to_owned(),
            expiry: name_of(&EXPIRY_RULES, &profile.expiry())?.to_owned(),
            access_lifetime: lifetimes.access,
            refresh_lifetime: lifetimes.refresh,
            refresh_rotates: profile.refresh_rotates(),
            reauthentication: name_of(&REAUTHENTICATIONS, &profile.reauthentication())?.to_owned(),
            pkce: profile.pkce().map(|method| method.as_str().to_owned()),
            status_rules,
        }),
        id_token_algorithms: profile.is_openid().then(|| {
            profile
                .id_token_algorithms()
                .iter()
                .map(|alg| alg.as_str().to_owned())
                .collect()
        }),
        signing_key: signing_key.cloned(),
        pushed_authorization: if profile.requires_pushed_authorization() {
            Some("required".to_owned())
        } else {
            profile
                .uses_pushed_authorization()
                .then(|| "chosen".to_owned())
        },
        tokens: serde_json::from_str(&tokens.to_json()).map_err(io::Error::other)?,
    })
}

// --- DPoP (RFC 9449) ---
/// Where the DPoP key of the token file at `path` is kept: beside it,
/// `<name>.dpop.jwk` (a private JWK, written like the token file, owner
/// only), so that the tokens bound to it are refreshed and used with it.
pub fn dpop_key_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}.dpop.jwk"))
}

/// Keeps `key` as the DPoP key of the token file at `path`: P-256 or
/// Ed25519 (the keys that have a private JWK).
pub fn save_dpop_key(path: &Path, key: &authflowkit_core::SigningKey) -> Result<(), Error> {
    let jwk = key.private_jwk().ok_or_else(|| {
        Error::new(
            ErrorKind::Configuration,
            "a DPoP key for the CLI is a P-256 or Ed25519 key",
        )
    })?;
    secret_file::replace(&dpop_key_path(&real_path(path)), jwk.as_bytes()).map_err(|e| {
        Error::new(
            ErrorKind::Configuration,
            format!("cannot save the DPoP key: {e}"),
        )
    })
}

/// The DPoP key kept for the token file at `path`.
fn load_dpop_key(path: &Path) -> Result<authflowkit_core::SigningKey, Error> {
    let key_path = dpop_key_path(&real_path(path));
    let text = secret_file::read(&key_path)
        .ok()
        .flatten()
        .ok_or_else(|| invalid(format!("the DPoP key {} is missing", key_path.display())))?;
    let text = std::str::from_utf8(&text).map_err(|_| invalid("the DPoP key is not text"))?;
    authflowkit_core::SigningKey::from_jwk(text)
}
// --- end DPoP ---

/// The client `stored` describes, with `secret` if given.
fn client_of(stored: &Stored, secret: Option<ClientSecret>) -> Result<Client, Error> {
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
    for &role in EndpointRole::ALL {
        if let Some(url) = endpoint(role) {
            profile = profile.with_endpoint(role, url)?;
        }
    }
    profile = profile.with_client_auth(
        ClientAuthMethod::parse(&stored.client_auth)
            .ok_or_else(|| invalid("unknown client authentication"))?,
    );
    if let Some(issuer) = &stored.issuer {
        profile = profile.with_issuer(issuer, stored.require_issuer);
    }
    if let Some(rules) = &stored.rules {
        profile = with_rules(profile, rules)?;
    }
    if let Some(names) = &stored.id_token_algorithms {
        let algorithms = names
            .iter()
            .map(|name| {
                JwsAlgorithm::parse(name).ok_or_else(|| invalid("unknown ID token algorithm"))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        profile = profile
            .with_openid(true)
            .with_id_token_algorithms(algorithms);
    }
    profile = match stored.pushed_authorization.as_deref() {
        None => profile,
        Some("required") => profile.with_pushed_authorization_required(true)?,
        Some("chosen") => profile.with_pushed_authorization(true)?,
        Some(_) => return Err(invalid("unknown pushed_authorization")),
    };
    let mut client = Client::new(profile, stored.client_id.clone())
        .with_scopes(&stored.scopes)
        .with_resources(&stored.resources)?;
    if let Some(uri) = &stored.redirect_uri {
        client = client.with_redirect_uri(uri)?;
    }
    if let Some(secret) = secret {
        client = client.with_client_secret(secret);
    }
    if let Some(source) = &stored.signing_key {
        client = client.with_signing_key(source.load()?);
    }
    Ok(client)
}

/// `profile` with the stored `rules`. The stored status rules are the whole
/// list, built-in ones included; adding each in order gives that list.
fn with_rules(mut profile: Profile, rules: &Rules) -> Result<Profile, Error> {
    let pkce = match &rules.pkce {
        Some(name) => Some(PkceMethod::parse(name).ok_or_else(|| invalid("unknown PKCE method"))?),
        None => None,
    };
    profile = profile
        .with_body_encoding(value_of(
            &BODY_ENCODINGS,
            &rules.body_encoding,
            "body encoding",
        )?)
        .with_expiry(
            value_of(&EXPIRY_RULES, &rules.expiry, "expiry rule")?,
            Lifetimes {
                access: rules.access_lifetime,
                refresh: rules.refresh_lifetime,
            },
        )
        .with_refresh_rotation(rules.refresh_rotates)
        .with_reauthentication(value_of(
            &REAUTHENTICATIONS,
            &rules.reauthentication,
            "re-authentication",
        )?)
        .with_pkce(pkce);
    for rule in &rules.status_rules {
        profile = profile.with_status_rule(StatusRule {
            on: scope_of(&rule.on)?,
            status: rule.status,
            kind: ErrorKind::parse(&rule.kind).ok_or_else(|| invalid("unknown error kind"))?,
        });
    }
    Ok(profile)
}

/// A token file as read: the client (with the secret given to the reader),
/// its tokens, and the generation they were saved as.
pub struct Loaded {
    /// The client, as configured at login.
    pub client: Client,
    /// The token set.
    pub tokens: TokenSet,
    /// What the save that wrote them counted (0: a version 1 file).
    pub generation: u64,
}

/// Reads the token file at `path` without its lock (a save replaces the
/// file whole, so a read sees one save or another, never a mix): the
/// client, with `secret` if given, and the tokens.
pub fn load(path: &Path, secret: Option<ClientSecret>) -> Result<Loaded, Error> {
    load_with_endpoints(path, secret, &[])
}

/// [`load`], the client with `endpoints` in place of the stored ones of
/// the same role (a flag given to one command; the file keeps what login
/// saved).
pub fn load_with_endpoints(
    path: &Path,
    secret: Option<ClientSecret>,
    endpoints: &[(EndpointRole, &str)],
) -> Result<Loaded, Error> {
    let text = secret_file::read(path)
        .and_then(|text| text.ok_or_else(|| io::ErrorKind::NotFound.into()))
        .map_err(|e| {
            Error::new(
                ErrorKind::Configuration,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
    let mut stored: Stored =
        serde_json::from_slice(&text).map_err(|_| invalid("the token file is malformed"))?;
    for (role, url) in endpoints {
        stored
            .endpoints
            .insert(role.as_str().to_owned(), (*url).to_owned());
    }
    if ![FIRST_VERSION, VERSION].contains(&stored.version) {
        return Err(invalid(format!(
            "unknown token file version {}",
            stored.version
        )));
    }
    let mut client = client_of(&stored, secret)?;
    if stored.dpop {
        client = client.with_dpop_key(load_dpop_key(path)?)?;
    }
    Ok(Loaded {
        client,
        tokens: TokenSet::from_json(&stored.tokens.to_string())?,
        generation: stored.generation,
    })
}

/// What [`TokenFile::save`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The file now holds the tokens, as this generation.
    Written(u64),
    /// The file was left as it was: since the tokens were read, another
    /// process saved a set with a refresh token, and these have none (the
    /// loser of a race, which found the refresh token it read dead).
    KeptNewer,
}

/// A token file held under its lock (`.<name>.lock` beside it), for a
/// read-renew-save that no other run of the CLI interleaves with.
pub struct TokenFile {
    path: PathBuf,
    _lock: FileLock,
}

impl TokenFile {
    /// Waits for the lock of the token file at `path` (which need not
    /// exist yet). A link is followed, so that every path to one file
    /// takes one lock and a save replaces the file, not the link.
    pub fn lock(path: &Path) -> io::Result<TokenFile> {
        let path = real_path(path);
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
            .to_string_lossy()
            .into_owned();
        let lock = FileLock::acquire(&path.with_file_name(format!(".{name}.lock")))?;
        Ok(TokenFile { path, _lock: lock })
    }

    /// Reads the file, as [`load`] does.
    pub fn load(&self, secret: Option<ClientSecret>) -> Result<Loaded, Error> {
        load(&self.path, secret)
    }

    /// Reads the file, as [`load_with_endpoints`] does.
    pub fn load_with_endpoints(
        &self,
        secret: Option<ClientSecret>,
        endpoints: &[(EndpointRole, &str)],
    ) -> Result<Loaded, Error> {
        load_with_endpoints(&self.path, secret, endpoints)
    }

    /// Deletes the file and the DPoP key kept beside it, if any: nothing
    /// is left to use once its tokens are revoked.
    pub fn remove(&self) -> io::Result<()> {
        std::fs::remove_file(&self.path)?;
        match std::fs::remove_file(dpop_key_path(&self.path)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Saves `client` and `tokens` as the file's next generation.
    /// `read_from` is the generation the tokens derive from (`None`: new
    /// tokens, e.g. from a login). If the file has changed since then and
    /// holds a refresh token while `tokens` hold none, it is kept.
    pub fn save(
        &self,
        client: &Client,
        tokens: &TokenSet,
        read_from: Option<u64>,
    ) -> io::Result<Saved> {
        self.save_with_key(client, None, tokens, read_from)
    }

    /// [`TokenFile::save`] for a client whose signing key is read from
    /// `signing_key`; `None` keeps the file's own (a refresh's save).
    pub fn save_with_key(
        &self,
        client: &Client,
        signing_key: Option<&KeySource>,
        tokens: &TokenSet,
        read_from: Option<u64>,
    ) -> io::Result<Saved> {
        let current = secret_file::read(&self.path)?
            .and_then(|text| serde_json::from_slice::<Head>(&text).ok());
        let generation = current.as_ref().map_or(0, |head| head.generation);
        let changed = read_from.is_some_and(|read| read != generation);
        let holds_refresh = |head: &Head| {
            TokenSet::from_json(&head.tokens.to_string())
                .is_ok_and(|held| held.refresh_token().is_some())
        };
        if changed
            && tokens.refresh_token().is_none()
            && current.as_ref().is_some_and(holds_refresh)
        {
            return Ok(Saved::KeptNewer);
        }
        let next = generation.max(read_from.unwrap_or(0)) + 1;
        let text = zeroize::Zeroizing::new(
            serde_json::to_vec_pretty(&stored(
                client,
                signing_key.or(current.as_ref().and_then(|head| head.signing_key.as_ref())),
                tokens,
                next,
            )?)
            .map_err(io::Error::other)?,
        );
        secret_file::replace(&self.path, &text)?;
        Ok(Saved::Written(next))
    }
}

/// `path` with links resolved; for a file not made yet, its directory's
/// real path and its name.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let directory = path.parent().filter(|d| !d.as_os_str().is_empty());
    match (directory.map(std::fs::canonicalize), path.file_name()) {
        (Some(Ok(directory)), Some(name)) => directory.join(name),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tokens(access: &str, refresh: Option<&str>) -> TokenSet {
        let refresh = refresh.map_or(String::new(), |r| format!(r#""refresh_token":"{r}","#));
        TokenSet::from_json(&format!(
            r#"{{"v":1,"access_token":"{access}","token_type":"Bearer",{refresh}"issued_at":1000,"expires_at":5000}}"#
        ))
        .unwrap()
    }

    fn link_client() -> Client {
        Client::new(Profile::makini_link(), "id")
    }

    #[test]
    fn a_leftover_temporary_file_does_not_stop_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        // What a run killed mid-save left, under the name this process
        // would have used before (a container restarts with the same pid).
        let leftover = dir
            .path()
            .join(format!(".tokens.json.{}.tmp", std::process::id()));
        std::fs::write(&leftover, b"partial").unwrap();
        let file = TokenFile::lock(&path).unwrap();
        let saved = file.save(&link_client(), &tokens("at-1", Some("rt-1")), None);
        assert_eq!(saved.unwrap(), Saved::Written(1));
        let loaded = load(&path, None).unwrap();
        assert_eq!(loaded.tokens.access_token().secret(), "at-1");
    }

    /// RFC 8707: the resources the login asked for are kept, so that every
    /// refresh (and re-authentication) names them again; a file without
    /// any loads as before.
    #[test]
    fn resources_are_kept_for_the_refreshes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let profile = Profile::generic(None, "https://as.example/token").unwrap();
        let client = Client::new(profile.clone(), "id")
            .with_resources(["https://api.example/", "urn:example:inventory"])
            .unwrap();
        let file = TokenFile::lock(&path).unwrap();
        file.save(&client, &tokens("at-1", Some("rt-1")), None)
            .unwrap();
        let loaded = file.load(None).unwrap().client;
        assert_eq!(loaded.resources(), client.resources());
        let request = loaded
            .refresh_request(&authflowkit_core::RefreshToken::new("rt-1"))
            .unwrap();
        let body = String::from_utf8(request.body.to_vec()).unwrap();
        assert!(
            body.contains(
                "&resource=https%3A%2F%2Fapi.example%2F&resource=urn%3Aexample%3Ainventory"
            ),
            "{body}"
        );
        file.save(
            &Client::new(profile, "id"),
            &tokens("at-2", Some("rt-2")),
            None,
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("resources"), "{text}");
        assert!(file.load(None).unwrap().client.resources().is_empty());
    }

    #[test]
    fn the_whole_client_configuration_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let profile = Profile::generic(None, "https://as.example/token")
            .unwrap()
            .with_endpoint(EndpointRole::ApiBase, "https://api.example/v1/")
            .unwrap()
            .with_issuer("https://as.example", true)
            .with_client_auth(ClientAuthMethod::ClientSecretPost)
            .with_body_encoding(BodyEncoding::Json)
            .with_expiry(
                ExpiryRule::CreatedAtPlusLifetime,
                Lifetimes {
                    access: Some(600),
                    refresh: Some(7200),
                },
            )
            .with_refresh_rotation(true)
            .with_reauthentication(Reauthentication::ClientCredentials)
            .with_pkce(Some(PkceMethod::Plain))
            .with_status_rule(StatusRule {
                on: StatusRuleScope::Token(Some(GrantType::ClientCredentials)),
                status: 403,
                kind: ErrorKind::InvalidClient,
            });
        let client = Client::new(profile, "id")
            .with_scopes(["read", "write:all"])
            .with_redirect_uri("http://127.0.0.1:8400/callback")
            .unwrap();
        let file = TokenFile::lock(&path).unwrap();
        file.save(&client, &tokens("at-1", Some("rt-1")), None)
            .unwrap();
        let loaded = file.load(None).unwrap().client;
        assert_eq!(loaded.profile(), client.profile());
        assert_eq!(loaded.scopes(), client.scopes());
        assert_eq!(loaded.redirect_uri(), client.redirect_uri());
        assert_eq!(loaded.client_id(), "id");
        // A built-in profile's rules, with a change to one of them.
        let admin = Profile::makini_admin("https://admin.example/token")
            .unwrap()
            .with_status_rule(StatusRule {
                on: StatusRuleScope::Token(None),
                status: 400,
                kind: ErrorKind::InvalidGrant,
            })
            .with_pkce(None);
        let client = Client::new(admin, "admin").with_scopes(["connections:read"]);
        file.save(&client, &tokens("at-2", Some("rt-2")), None)
            .unwrap();
        let loaded = file.load(None).unwrap().client;
        assert_eq!(loaded.profile(), client.profile());
        assert_eq!(loaded.scopes(), ["connections:read"]);
        // An OpenID Provider's: its keys, UserInfo and logout endpoints and
        // the ID token algorithms, for the checks after a refresh.
        let openid = Profile::generic(Some("https://op.example/auth"), "https://op.example/token")
            .unwrap()
            .with_issuer("https://op.example", false)
            .with_endpoint(EndpointRole::Jwks, "https://op.example/jwks")
            .unwrap()
            .with_endpoint(EndpointRole::Userinfo, "https://op.example/me")
            .unwrap()
            .with_endpoint(EndpointRole::EndSession, "https://op.example/logout")
            .unwrap()
            .with_openid(true)
            .with_id_token_algorithms(vec![JwsAlgorithm::Es256, JwsAlgorithm::EdDsa]);
        let client = Client::new(openid.clone(), "rp").with_scopes(["openid"]);
        file.save(&client, &tokens("at-3", Some("rt-3")), None)
            .unwrap();
        let loaded = file.load(None).unwrap().client;
        // The file pins the method the client used (a generic profile's
        // was only a default, which a signing key would have overridden).
        assert!(!client.profile().client_auth_is_set());
        assert_eq!(
            loaded.profile(),
            &openid.with_client_auth(ClientAuthMethod::ClientSecretBasic)
        );
        assert!(loaded.profile().is_openid());
        // RFC 9126: the PAR endpoint, and PAR chosen or required.
        let par = |profile: Profile| {
            profile
                .with_endpoint(EndpointRole::PushedAuthorization, "https://op.example/par")
                .unwrap()
        };
        let generic = || {
            Profile::generic(Some("https://op.example/auth"), "https://op.example/token").unwrap()
        };
        for profile in [
            par(generic()).with_pushed_authorization(true).unwrap(),
            par(generic())
                .with_pushed_authorization_required(true)
                .unwrap(),
            par(generic()),
        ] {
            let client = Client::new(profile, "rp");
            file.save(&client, &tokens("at-4", Some("rt-4")), None)
                .unwrap();
            let loaded = file.load(None).unwrap().client;
            // The file pins the method the client used (above).
            let pinned = client
                .profile()
                .clone()
                .with_client_auth(ClientAuthMethod::ClientSecretBasic);
            assert_eq!(loaded.profile(), &pinned);
        }
    }

    /// A file the CLI wrote before it kept the whole configuration.
    #[test]
    fn version_1_files_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(
            &path,
            r#"{
  "version": 1,
  "provider": "makini_admin",
  "client_id": "admin-client",
  "client_auth": "client_secret_post",
  "endpoints": {
    "token_endpoint": "http://127.0.0.1:9/admin/oauth/token",
    "api_base": "http://127.0.0.1:9/admin/v4/"
  },
  "tokens": {"v":1,"access_token":"at-old","token_type":"bearer","refresh_token":"rt-old","issued_at":1000,"expires_at":5000}
}"#,
        )
        .unwrap();
        let loaded = load(&path, None).unwrap();
        let expected = Profile::makini_admin("http://127.0.0.1:9/admin/oauth/token")
            .unwrap()
            .with_endpoint(EndpointRole::ApiBase, "http://127.0.0.1:9/admin/v4/")
            .unwrap();
        assert_eq!(loaded.client.profile(), &expected);
        assert_eq!(loaded.client.client_id(), "admin-client");
        assert_eq!(loaded.tokens.refresh_token().unwrap().secret(), "rt-old");
        assert_eq!(loaded.generation, 0);
        // Saved again, it is a version 2 file of the next generation.
        let file = TokenFile::lock(&path).unwrap();
        let saved = file
            .save(&loaded.client, &loaded.tokens, Some(loaded.generation))
            .unwrap();
        assert_eq!(saved, Saved::Written(1));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
        assert_eq!(load(&path, None).unwrap().client.profile(), &expected);
    }

    /// Generations order saves; a set without a refresh token never
    /// replaces one saved since it was read (by a writer that did not take
    /// the lock), and replaces the file it was read from.
    #[test]
    fn a_newer_file_is_never_overwritten_by_a_set_without_refresh_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let client = link_client();
        let file = TokenFile::lock(&path).unwrap();
        assert_eq!(
            file.save(&client, &tokens("at-1", Some("rt-1")), None)
                .unwrap(),
            Saved::Written(1)
        );
        let read = file.load(None).unwrap().generation;
        assert_eq!(read, 1);
        // Another writer saves a rotated pair meanwhile.
        let other = stored(&client, None, &tokens("at-2", Some("rt-2")), 2).unwrap();
        std::fs::write(&path, serde_json::to_vec(&other).unwrap()).unwrap();

        let dropped = tokens("at-1", None);
        assert_eq!(
            file.save(&client, &dropped, Some(read)).unwrap(),
            Saved::KeptNewer
        );
        let kept = load(&path, None).unwrap();
        assert_eq!(kept.tokens.refresh_token().unwrap().secret(), "rt-2");
        assert_eq!(kept.generation, 2);

        // A pair is never dropped: it is written whatever changed.
        assert_eq!(
            file.save(&client, &tokens("at-3", Some("rt-3")), Some(read))
                .unwrap(),
            Saved::Written(3)
        );
        // Read from the file as it is, a set without refresh token is
        // written (a refresh token found dead must not be sent again).
        assert_eq!(
            file.save(&client, &dropped, Some(3)).unwrap(),
            Saved::Written(4)
        );
        assert!(load(&path, None).unwrap().tokens.refresh_token().is_none());
    }

    #[test]
    fn the_lock_is_held_until_the_token_file_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let held = TokenFile::lock(&path).unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || {
                let _file = TokenFile::lock(&path).unwrap();
                sender.send(()).unwrap();
            })
        };
        let waited = receiver.recv_timeout(std::time::Duration::from_millis(300));
        assert!(waited.is_err(), "a second holder got the lock");
        drop(held);
        receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        waiter.join().unwrap();
    }

    /// A token file reached through a link: the save replaces the file the
    /// link points to (the link stays), and both paths take one lock.
    #[cfg(unix)]
    #[test]
    fn a_linked_token_file_is_saved_where_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        let file = TokenFile::lock(&real).unwrap();
        file.save(&link_client(), &tokens("at-1", Some("rt-1")), None)
            .unwrap();
        drop(file);
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let file = TokenFile::lock(&link).unwrap();
        file.save(&link_client(), &tokens("at-2", Some("rt-2")), Some(1))
            .unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let loaded = load(&real, None).unwrap();
        assert_eq!(loaded.tokens.access_token().secret(), "at-2");
        assert!(dir.path().join(".real.json.lock").exists());
        assert!(!dir.path().join(".link.json.lock").exists());
    }

    #[test]
    fn files_are_private_and_hold_no_client_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let client = link_client().with_client_secret(ClientSecret::new("client-secret-value"));
        TokenFile::lock(&path)
            .unwrap()
            .save(&client, &tokens("at-1", Some("rt-1")), None)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("client-secret-value"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
    }
}

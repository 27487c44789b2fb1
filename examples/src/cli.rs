//! `authflow-demo login | refresh | call`: the demo binary used against a
//! real provider. `login` runs the flow (a browser and a loopback redirect
//! for Makini Link and generic servers, or with `--device` the device
//! authorization grant of RFC 8628; client credentials or the password
//! grant for Makini Admin and MakeShift) and saves the token set; `refresh`
//! is the scheduled job both Makini documents recommend; `call` makes an API
//! request with the saved tokens, refreshing first when due. With
//! `--store-dir`, `refresh` and `call` share the tokens with every other
//! process through a file store (`authflow-store`), one renewal per expiry.

use crate::token_file::{self, Loaded, Saved, TokenFile};
use crate::transport::Transport;
use authflow_core::fleet::{FleetSession, StoreKey};
use authflow_core::{
    discovery_request, parse_discovery_response, Client, ClientSecret, DevicePoll,
    DiscoveryDocument, EndpointRole, Error, ErrorKind, GrantType, IdTokenClaims, IdTokenValidation,
    LogoutOptions, Method, Profile, ProviderKind, Session, TokenSet,
};
use authflow_store::{FileStore, SharedFleetSession};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// The usage text.
pub const USAGE: &str = "usage:
  authflow-demo                     run the demo against local providers
  authflow-demo login   --token-file F (--profile P | --issuer URL) --client-id ID
                        [--scope S]... [--resource URI]... [--port N] [--ENDPOINT URL]...
                        [--no-browser] [--device] [--dpop | --dpop-key FILE]
                        [--show-secrets]
  authflow-demo refresh --token-file F [--store-dir D] [--force] [--show-secrets]
  authflow-demo call    --token-file F [--store-dir D] [--method M] PATH
  authflow-demo userinfo --token-file F [--show-secrets]
  authflow-demo logout  --token-file F [--post-logout-redirect-uri URL] [--state S]

  P is makini-link, makini-admin, makeshift or generic. ENDPOINT is one of
  authorization-endpoint, token-endpoint, revocation-endpoint,
  introspection-endpoint, token-info-endpoint, device-authorization-endpoint,
  api-base (required where the provider documents none: the Makini Admin
  token endpoint, generic servers). --device logs in without a browser on
  this machine (RFC 8628): it prints a code and where to enter it, on any
  other screen (and a QR code of the link that holds the code, when the
  provider gives one), and waits for the user's answer, a dot per poll.
  --store-dir D shares the tokens, through a file store in D, with every
  process that uses it (a server, other refresh or call runs): one refresh
  per expiry however many run at once; the token file then mirrors the store.
  --resource URI (repeatable) asks for tokens for that resource server (RFC
  8707: an absolute URI without a fragment, e.g. https://api.example/); it is
  saved in the token file and sent again with every renewal.
  --dpop binds the tokens to a new P-256 key (DPoP, RFC 9449; --dpop-key FILE
  to a given P-256 or Ed25519 key, PEM or JWK): the key is kept beside the
  token file (F.dpop.jwk, owner only), every token request and every call
  carries a proof of it, and a server's demand for a nonce gets one retry.
  The client secret is read from AUTHFLOW_CLIENT_SECRET (for MakeShift: the
  API secret; the API key is --client-id); it is never printed or saved.
  With an OpenID Provider (--issuer whose metadata says so) login checks the
  ID token (signature against the provider's keys, issuer, audience, nonce,
  times) before saving, and prints the subject (other claims redacted
  without --show-secrets); userinfo prints the UserInfo endpoint's claims
  about that subject; logout prints the provider's end-session URL to open
  (it holds the ID token as id_token_hint: do not share it).";

/// What went wrong, in words for the terminal; never a secret.
#[derive(Debug)]
pub struct CliError(pub String);

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError(e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError(e.to_string())
    }
}

fn usage(why: &str) -> CliError {
    CliError(format!("{why}\n{USAGE}"))
}

/// Parsed flags: repeated ones keep every value.
struct Flags {
    values: Vec<(String, String)>,
    switches: Vec<String>,
    positional: Vec<String>,
}

const SWITCHES: [&str; 6] = [
    "--no-browser",
    "--show-secrets",
    "--force",
    "--help",
    "--device",
    "--dpop",
];

impl Flags {
    fn parse(args: &[String]) -> Result<Flags, CliError> {
        let mut flags = Flags {
            values: Vec::new(),
            switches: Vec::new(),
            positional: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if SWITCHES.contains(&arg.as_str()) {
                flags.switches.push(arg.clone());
            } else if let Some(name) = arg.strip_prefix("--") {
                let (name, value) = match name.split_once('=') {
                    Some((n, v)) => (n.to_owned(), v.to_owned()),
                    None => (
                        name.to_owned(),
                        args.next()
                            .cloned()
                            .ok_or_else(|| usage(&format!("--{name} needs a value")))?,
                    ),
                };
                flags.values.push((name, value));
            } else {
                flags.positional.push(arg.clone());
            }
        }
        Ok(flags)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.values
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn require(&self, name: &str) -> Result<&str, CliError> {
        self.get(name)
            .ok_or_else(|| usage(&format!("--{name} is required")))
    }

    fn has(&self, switch: &str) -> bool {
        self.switches.iter().any(|s| s == switch)
    }

    fn check_known(&self, known: &[&str]) -> Result<(), CliError> {
        match self
            .values
            .iter()
            .find(|(n, _)| !known.contains(&n.as_str()))
        {
            Some((name, _)) => Err(usage(&format!("unknown flag --{name}"))),
            None => Ok(()),
        }
    }
}

/// Runs a subcommand; `out` receives what the user reads.
pub fn run(command: &str, args: &[String], out: &mut dyn Write) -> Result<(), CliError> {
    let flags = Flags::parse(args)?;
    if flags.has("--help") {
        writeln!(out, "{USAGE}")?;
        return Ok(());
    }
    let transport = Transport::default();
    match command {
        "login" => login(&flags, &transport, out),
        "refresh" => refresh(&flags, &transport, out),
        "call" => call(&flags, &transport, out),
        "userinfo" => userinfo(&flags, &transport, out),
        "logout" => logout(&flags, out),
        other => Err(usage(&format!("unknown command {other:?}"))),
    }
}

fn secret_from_env() -> Option<ClientSecret> {
    std::env::var("AUTHFLOW_CLIENT_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .map(ClientSecret::new)
}

const ENDPOINT_FLAGS: [(&str, EndpointRole); 7] = [
    ("authorization-endpoint", EndpointRole::Authorization),
    ("token-endpoint", EndpointRole::Token),
    ("revocation-endpoint", EndpointRole::Revocation),
    ("introspection-endpoint", EndpointRole::Introspection),
    ("token-info-endpoint", EndpointRole::TokenInfo),
    ("api-base", EndpointRole::ApiBase),
    (
        "device-authorization-endpoint",
        EndpointRole::DeviceAuthorization,
    ),
];

fn profile_from(flags: &Flags, transport: &Transport) -> Result<Profile, CliError> {
    let token_endpoint = flags.get("token-endpoint");
    let mut profile = match (flags.get("issuer"), flags.get("profile")) {
        (Some(issuer), _) => {
            let mut last = None;
            let mut found = None;
            for document in [
                DiscoveryDocument::AuthorizationServer,
                DiscoveryDocument::OpenidConfiguration,
            ] {
                let response = transport.send(&discovery_request(issuer, document)?)?;
                match parse_discovery_response(issuer, &response) {
                    Ok(metadata) => {
                        found = Some(metadata.profile()?);
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            match (found, last) {
                (Some(profile), _) => profile,
                (None, Some(e)) => return Err(CliError(format!("discovery failed: {e}"))),
                (None, None) => return Err(CliError("discovery failed".into())),
            }
        }
        (None, Some("makini-link")) => Profile::makini_link(),
        (None, Some("makeshift")) => Profile::makeshift(),
        (None, Some("makini-admin")) => {
            Profile::makini_admin(token_endpoint.ok_or_else(|| {
                usage("makini-admin needs --token-endpoint (its documents give none)")
            })?)?
        }
        (None, Some("generic")) => Profile::generic(
            flags.get("authorization-endpoint"),
            token_endpoint.ok_or_else(|| usage("generic needs --token-endpoint"))?,
        )?,
        (None, Some(other)) => return Err(usage(&format!("unknown profile {other:?}"))),
        (None, None) => return Err(usage("give --profile or --issuer")),
    };
    for (flag, role) in ENDPOINT_FLAGS {
        if let Some(url) = flags.get(flag) {
            profile = profile.with_endpoint(role, url)?;
        }
    }
    Ok(profile)
}

fn show_tokens(
    out: &mut dyn Write,
    tokens: &TokenSet,
    show_secrets: bool,
    now: u64,
) -> Result<(), CliError> {
    let when = |at: Option<u64>| match at {
        Some(at) => format!("at {at} (in {} h)", at.saturating_sub(now) / 3600),
        None => "unknown".to_owned(),
    };
    writeln!(out, "access token expires {}", when(tokens.expires_at()))?;
    match tokens.refresh_token() {
        Some(_) => writeln!(
            out,
            "refresh token expires {}",
            when(tokens.refresh_expires_at())
        )?,
        None => writeln!(out, "no refresh token")?,
    }
    if show_secrets {
        writeln!(out, "access_token: {}", tokens.access_token().secret())?;
        if let Some(refresh) = tokens.refresh_token() {
            writeln!(out, "refresh_token: {}", refresh.secret())?;
        }
    }
    Ok(())
}

fn login(flags: &Flags, transport: &Transport, out: &mut dyn Write) -> Result<(), CliError> {
    let mut known = vec![
        "token-file",
        "profile",
        "issuer",
        "client-id",
        "scope",
        "resource",
        "port",
        "dpop-key",
    ];
    known.extend(ENDPOINT_FLAGS.map(|(flag, _)| flag));
    flags.check_known(&known)?;
    let token_file = PathBuf::from(flags.require("token-file")?);
    let profile = profile_from(flags, transport)?;
    let mut client = Client::new(profile, flags.require("client-id")?)
        .with_scopes(flags.all("scope"))
        .with_resources(flags.all("resource"))?;
    if let Some(secret) = secret_from_env() {
        client = client.with_client_secret(secret);
    }
    // --- DPoP (RFC 9449) ---
    let dpop_key = dpop_key_from(flags)?;
    if let Some(key) = &dpop_key {
        if flags.has("--device") {
            return Err(usage("--dpop does not go with --device yet"));
        }
        client = client.with_dpop_key(key.clone())?.with_dpop_jkt()?;
    }
    // --- end DPoP ---
    let now = crate::unix_now();
    let tokens = if matches!(
        client.profile().kind(),
        ProviderKind::MakiniAdmin | ProviderKind::MakeShift
    ) {
        let mut session = session_for(&client, None)?;
        crate::driver::drive(&mut session, transport, now, &mut ())?;
        session
            .token_set()
            .cloned()
            .ok_or_else(|| CliError("no token set".into()))?
    } else if flags.has("--device") {
        device_login(&client, transport, out)?
    } else {
        browser_login(flags, &mut client, transport, out, now)?
    };
    // New tokens from the user or the credentials: saved whatever the file
    // held, under its lock so that no refresh run interleaves; the DPoP key
    // they are bound to first, beside it.
    let file = TokenFile::lock(&token_file)?;
    if let Some(key) = &dpop_key {
        token_file::save_dpop_key(&token_file, key)?;
    }
    file.save(&client, &tokens, None)?;
    writeln!(out, "saved the token set to {}", token_file.display())?;
    show_tokens(out, &tokens, flags.has("--show-secrets"), now)
}

/// The device authorization grant (RFC 8628): the code and where to enter
/// it go to the terminal (§3.3), then the token endpoint is polled as the
/// core's [`DevicePoll`] says until the user answers or the code expires.
fn device_login(
    client: &Client,
    transport: &Transport,
    out: &mut dyn Write,
) -> Result<TokenSet, CliError> {
    let response = transport.send(&client.device_authorization_request()?)?;
    let authorization = client.parse_device_authorization_response(crate::unix_now(), &response)?;
    writeln!(
        out,
        "on any device, open {} and enter the code {}",
        authorization.verification_uri,
        authorization.user_code.secret()
    )?;
    if let Some(complete) = &authorization.verification_uri_complete {
        writeln!(out, "(or open {complete})")?;
        // The same URL for a phone's camera; a URL too long for a QR code
        // goes without one.
        if let Ok(code) = qrcode::QrCode::new(complete.as_bytes()) {
            let picture = code
                .render::<qrcode::render::unicode::Dense1x2>()
                .dark_color(qrcode::render::unicode::Dense1x2::Light)
                .light_color(qrcode::render::unicode::Dense1x2::Dark)
                .build();
            writeln!(out, "{picture}")?;
        }
    }
    writeln!(
        out,
        "waiting for your answer (the code expires in {} min)",
        authorization
            .expires_at
            .saturating_sub(crate::unix_now())
            .div_ceil(60)
    )?;
    out.flush()?;
    let mut poll = DevicePoll::new(client.clone(), &authorization);
    // One dot per request: the user sees the wait is alive.
    let mut dots = Ok(());
    let tokens = crate::driver::drive_device(&mut poll, transport, crate::unix_now, || {
        if dots.is_ok() {
            dots = write!(out, ".").and_then(|()| out.flush());
        }
    });
    writeln!(out)?;
    dots?;
    let tokens = tokens?;
    let validation = client.id_token_after_device_login(&tokens)?;
    check_id_token(client, validation, transport, out, false)?;
    Ok(tokens)
}

/// The code flow with a loopback redirect (RFC 8252 §7.3).
fn browser_login(
    flags: &Flags,
    client: &mut Client,
    transport: &Transport,
    out: &mut dyn Write,
    now: u64,
) -> Result<TokenSet, CliError> {
    let port: u16 = flags
        .get("port")
        .unwrap_or("8400")
        .parse()
        .map_err(|_| usage("--port is a number"))?;
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    *client = client
        .clone()
        .with_redirect_uri(&format!("http://127.0.0.1:{port}/callback"))?;
    let entropy = crate::authorization_entropy();
    let start = client.authorization_request(now, &entropy)?;
    // Before the user signs in: an ID token that cannot be checked would
    // end the login after the code is spent.
    client.id_token_check_ready(&start.pending)?;
    writeln!(out, "open this URL to sign in:\n{}", start.url)?;
    out.flush()?;
    if !flags.has("--no-browser") {
        // Best effort: without a desktop the URL above is the way.
        let _ = std::process::Command::new("xdg-open")
            .arg(&start.url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
    let (mut stream, _) = listener.accept()?;
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let target = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let outcome = start.pending.validate(&target, crate::unix_now());
    let page = match &outcome {
        Ok(_) => "Signed in. You can close this window.",
        Err(_) => "Sign-in failed. See the terminal.",
    };
    write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{page}", page.len())?;
    let callback = outcome?;
    let now = crate::unix_now();
    let mut nonces = authflow_core::DpopNonces::new();
    let request = signing_client(client, now, &nonces)?.exchange_request(callback)?;
    let response = send_proved(client, transport, request, &mut nonces)?;
    let tokens = client.parse_token_response(GrantType::AuthorizationCode, now, &response)?;
    let validation = client.id_token_after_exchange(&start.pending, &tokens)?;
    check_id_token(
        client,
        validation,
        transport,
        out,
        flags.has("--show-secrets"),
    )?;
    Ok(tokens)
}

// --- DPoP (RFC 9449) ---
/// The DPoP key `login` binds the tokens to: a new P-256 key (`--dpop`)
/// or the one in `--dpop-key FILE` (PEM or JWK).
fn dpop_key_from(flags: &Flags) -> Result<Option<authflow_core::SigningKey>, CliError> {
    if let Some(file) = flags.get("dpop-key") {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError(format!("cannot read --dpop-key {file}: {e}")))?;
        let key = if text.trim_start().starts_with('{') {
            authflow_core::SigningKey::from_jwk(&text)?
        } else {
            authflow_core::SigningKey::from_pem(&text, None)?
        };
        return Ok(Some(key));
    }
    if !flags.has("--dpop") {
        return Ok(None);
    }
    let entropy = zeroize::Zeroizing::new(crate::authorization_entropy());
    Ok(Some(authflow_core::SigningKey::generate_es256(
        &entropy[..32],
    )?))
}

/// `client` for a request built at `now`: through `Client::at` (a DPoP
/// proof's time and `jti`), with the nonces servers gave.
fn signing_client(
    client: &Client,
    now: u64,
    nonces: &authflow_core::DpopNonces,
) -> Result<Client, CliError> {
    let entropy = zeroize::Zeroizing::new(crate::authorization_entropy());
    Ok(client.at(now, &entropy[..32])?.with_dpop_nonces(nonces))
}

/// Sends `request`, and once more with a new proof when the server asks
/// for a DPoP nonce (RFC 9449 §8, §9).
fn send_proved(
    client: &Client,
    transport: &Transport,
    request: authflow_core::HttpRequest,
    nonces: &mut authflow_core::DpopNonces,
) -> Result<authflow_core::HttpResponse, CliError> {
    let response = transport.send(&request)?;
    if !nonces.handle_response(&request, &response) {
        return Ok(response);
    }
    let retry = signing_client(client, crate::unix_now(), nonces)?.with_new_dpop_proof(request)?;
    Ok(transport.send(&retry)?)
}

/// A session for `client`: with entropy for its renewals when it signs
/// them (DPoP proofs, JWT client authentication).
fn session_for(client: &Client, tokens: Option<TokenSet>) -> Result<Session, CliError> {
    let session = Session::new(client.clone(), tokens);
    if !client.signs_requests() {
        return Ok(session);
    }
    let entropy = zeroize::Zeroizing::new(crate::authorization_entropy());
    Ok(session.with_entropy(&entropy[..32])?)
}
// --- end DPoP ---

/// Checks an OpenID Provider's ID token, when `validation` says there is
/// one, before anything is saved, and shows its claims.
fn check_id_token(
    client: &Client,
    validation: Option<IdTokenValidation>,
    transport: &Transport,
    out: &mut dyn Write,
    show_secrets: bool,
) -> Result<(), CliError> {
    if let Some(validation) = validation {
        let mut keys = client.jwks_cache()?;
        let claims =
            crate::driver::check_id_token(&validation, &mut keys, transport, crate::unix_now)?;
        show_claims(out, &claims, show_secrets)?;
    }
    Ok(())
}

/// The validated ID token's subject and issuer, and its other claims with
/// their values unless `show_secrets` (names, e-mail addresses: personal
/// data, not for a terminal's scrollback by default).
fn show_claims(
    out: &mut dyn Write,
    claims: &IdTokenClaims,
    show_secrets: bool,
) -> Result<(), CliError> {
    writeln!(
        out,
        "ID token valid: subject {} at {}",
        claims.sub, claims.iss
    )?;
    if let Some(auth_time) = claims.auth_time {
        writeln!(out, "authenticated at {auth_time}")?;
    }
    for (name, value) in claims.extra.iter() {
        if show_secrets {
            writeln!(out, "  {name}: {}", value.to_json())?;
        } else {
            writeln!(out, "  {name}: [redacted]")?;
        }
    }
    Ok(())
}

/// The UserInfo endpoint's claims about the token file's user: the `sub`
/// (checked against the saved ID token's), then the other claims, with
/// their values under `--show-secrets`.
fn userinfo(flags: &Flags, transport: &Transport, out: &mut dyn Write) -> Result<(), CliError> {
    flags.check_known(&["token-file"])?;
    let path = PathBuf::from(flags.require("token-file")?);
    let loaded = TokenFile::lock(&path)?.load(secret_from_env())?;
    let (client, tokens) = (&loaded.client, &loaded.tokens);
    let response = transport.send(&client.userinfo_request_for(tokens)?)?;
    let info = client.parse_userinfo_response_for(crate::unix_now(), &response, tokens)?;
    writeln!(out, "subject {}", info.sub)?;
    for (name, value) in info.claims.iter() {
        if flags.has("--show-secrets") {
            writeln!(out, "  {name}: {}", value.to_json())?;
        } else {
            writeln!(out, "  {name}: [redacted]")?;
        }
    }
    Ok(())
}

/// The provider's end-session URL for the token file's login (OpenID
/// Connect RP-Initiated Logout 1.0), to open in a browser. No IO.
fn logout(flags: &Flags, out: &mut dyn Write) -> Result<(), CliError> {
    flags.check_known(&["token-file", "post-logout-redirect-uri", "state"])?;
    let path = PathBuf::from(flags.require("token-file")?);
    let loaded = TokenFile::lock(&path)?.load(secret_from_env())?;
    let options = LogoutOptions {
        id_token_hint: loaded.tokens.id_token().cloned(),
        post_logout_redirect_uri: flags.get("post-logout-redirect-uri").map(str::to_owned),
        state: flags.get("state").map(str::to_owned),
        ui_locales: None,
    };
    let url = loaded.client.logout_url(&options)?;
    writeln!(out, "open this URL to log out at the provider:\n{url}")?;
    Ok(())
}

/// Saves every token set the session asks to store, as soon as it asks.
struct SaveTo<'a> {
    file: &'a TokenFile,
    client: &'a Client,
    /// The generation the session's tokens derive from.
    read_from: u64,
    failed: Option<std::io::Error>,
}

impl crate::driver::SessionObserver for SaveTo<'_> {
    fn persist(&mut self, tokens: &TokenSet) {
        match self.file.save(self.client, tokens, Some(self.read_from)) {
            Ok(Saved::Written(generation)) => self.read_from = generation,
            Ok(Saved::KeptNewer) => {
                self.failed = Some(std::io::Error::other(
                    "another process saved newer tokens meanwhile; they were kept",
                ));
            }
            Err(e) => self.failed = Some(e),
        }
    }
}

/// Drives `session` at `now`, saving what it asks to store to `file`
/// (whose tokens, read as generation `read_from`, it started from);
/// returns the usable token set.
fn renew_saving(
    session: &mut Session,
    transport: &Transport,
    now: u64,
    file: &TokenFile,
    read_from: u64,
    path: &Path,
) -> Result<TokenSet, CliError> {
    let client = session.client().clone();
    let mut save = SaveTo {
        file,
        client: &client,
        read_from,
        failed: None,
    };
    let renewed = crate::driver::drive(session, transport, now, &mut save);
    if let Some(e) = save.failed {
        return Err(CliError(format!("cannot save {}: {e}", path.display())));
    }
    renewed?;
    session
        .token_set()
        .cloned()
        .ok_or_else(|| CliError("no token set".into()))
}

/// What [`renew_locked`] ends with.
struct Renewed {
    client: Client,
    tokens: TokenSet,
    /// Another run renewed between this one's first read and its lock,
    /// and its tokens were used as they were.
    by_another: bool,
}

/// Renews the token file's tokens if due (`force`: if the access token
/// read at start, in `seen`, is still the file's), holding the file's lock
/// from reading it again to saving what changed: a run that waited for
/// another run's renewal takes its pair instead of sending the refresh
/// token that run already rotated.
fn renew_locked(
    seen: &Loaded,
    force: bool,
    transport: &Transport,
    path: &Path,
) -> Result<Renewed, CliError> {
    let file = TokenFile::lock(path)?;
    let current = file.load(secret_from_env())?;
    let mut session = session_for(&current.client, Some(current.tokens.clone()))?;
    if force {
        // Renews only if no other run replaced the token read at start.
        session.handle_unauthorized(seen.tokens.access_token());
    }
    // Whatever happens, what changed is saved at once: a rotated pair, or
    // a refresh token the provider refused (so it is never sent again).
    let now = crate::unix_now();
    let tokens = renew_saving(
        &mut session,
        transport,
        now,
        &file,
        current.generation,
        path,
    )?;
    let by_another = current.tokens.access_token() != seen.tokens.access_token()
        && tokens.access_token() == current.tokens.access_token();
    Ok(Renewed {
        client: current.client,
        tokens,
        by_another,
    })
}

/// Renews through the file store in `dir`, shared with every other process
/// that uses it: a stale token file here never sends a refresh token that
/// another process already rotated, and however many run at once, one
/// renews. The token file is brought up to date with what the store holds,
/// also when renewal failed (a refresh token found dead is dropped there too).
fn renew_shared(
    seen: &Loaded,
    dir: &Path,
    force: bool,
    transport: &Transport,
    token_file: &Path,
) -> Result<TokenSet, CliError> {
    let client = seen.client.clone();
    let session = session_for(&client, Some(seen.tokens.clone()))?;
    let loaded = Some(seen.tokens.access_token().clone());
    let owner = crate::lease_owner_id().map_err(|e| CliError(format!("no entropy: {e}")))?;
    let fleet = FleetSession::new(session, StoreKey::for_connection(&client, "cli"), owner);
    let sender = transport.clone();
    let shared = SharedFleetSession::new(fleet, FileStore::new(dir)?, move |request| {
        sender.send(request)
    });
    if let (true, Some(token)) = (force, &loaded) {
        // Renew unless another process already replaced the token read here.
        shared.unauthorized(token);
    }
    let renewed = shared.access_token();
    let tokens = shared
        .token_set()
        .ok_or_else(|| CliError("no token set".into()))?;
    // A newer file (another run saved a pair since this one read it) is
    // kept if the store's set has no refresh token.
    TokenFile::lock(token_file)?.save(&client, &tokens, Some(seen.generation))?;
    renewed?;
    Ok(tokens)
}

fn refresh(flags: &Flags, transport: &Transport, out: &mut dyn Write) -> Result<(), CliError> {
    flags.check_known(&["token-file", "store-dir"])?;
    let token_file = PathBuf::from(flags.require("token-file")?);
    let seen = token_file::load(&token_file, secret_from_env())?;
    let now = crate::unix_now();
    let force = flags.has("--force");
    let (client, tokens) = match flags.get("store-dir") {
        Some(dir) => {
            let tokens = renew_shared(&seen, Path::new(dir), force, transport, &token_file)?;
            (seen.client, tokens)
        }
        None => {
            let due = Session::new(seen.client.clone(), Some(seen.tokens.clone())).poll_timeout();
            if !force && due.is_some_and(|at| now < at) {
                writeln!(
                    out,
                    "not due; next refresh due at {} (in {} h)",
                    due.unwrap_or(0),
                    due.unwrap_or(0).saturating_sub(now) / 3600
                )?;
                return Ok(());
            }
            let renewed = renew_locked(&seen, force, transport, &token_file)?;
            if renewed.by_another {
                writeln!(
                    out,
                    "another process renewed the tokens meanwhile; using its pair"
                )?;
            }
            (renewed.client, renewed.tokens)
        }
    };
    show_tokens(out, &tokens, flags.has("--show-secrets"), now)?;
    if let Some(next) = Session::new(client, Some(tokens)).poll_timeout() {
        writeln!(
            out,
            "next refresh due at {next} (in {} h)",
            next.saturating_sub(now) / 3600
        )?;
    }
    Ok(())
}

fn call(flags: &Flags, transport: &Transport, out: &mut dyn Write) -> Result<(), CliError> {
    flags.check_known(&["token-file", "method", "store-dir"])?;
    let token_file = PathBuf::from(flags.require("token-file")?);
    let path = flags
        .positional
        .first()
        .ok_or_else(|| usage("call needs a PATH"))?;
    let method = Method::parse(flags.get("method").unwrap_or("GET"))
        .ok_or_else(|| usage("unknown --method"))?;
    let seen = token_file::load(&token_file, secret_from_env())?;
    let (client, tokens) = match flags.get("store-dir") {
        Some(dir) => {
            let tokens = renew_shared(&seen, Path::new(dir), false, transport, &token_file)?;
            (seen.client, tokens)
        }
        None => {
            let renewed = renew_locked(&seen, false, transport, &token_file)?;
            (renewed.client, renewed.tokens)
        }
    };
    let now = crate::unix_now();
    // A DPoP-bound token goes with a proof, and once more with the
    // resource server's nonce when it asks.
    let mut nonces = authflow_core::DpopNonces::new();
    let request = signing_client(&client, now, &nonces)?.api_request(
        tokens.access_token(),
        method,
        path,
        None,
    )?;
    let response = send_proved(&client, transport, request, &mut nonces)?;
    client
        .check_api_response(now, &response)
        .map_err(|e| match e.kind() {
            ErrorKind::Unauthorized => {
                CliError(format!("{e}\n(try `authflow-demo refresh --force`)"))
            }
            _ => e.into(),
        })?;
    writeln!(out, "{}", String::from_utf8_lossy(&response.body))?;
    Ok(())
}

//! `authflowkit`: the command-line client for real providers (the
//! workspace's `authflow-demo` runs the same commands). `login` runs a grant (a browser
//! and a loopback redirect, the device authorization grant of RFC 8628,
//! client credentials or the password grant) and saves the token set;
//! `refresh` is the scheduled job both Makini documents recommend; `call`
//! makes an API request with the saved tokens and `token` prints a fresh
//! access token for scripts, both refreshing first when due; `status`
//! shows what is stored; `revoke` (RFC 7009) and `introspect` (RFC 7662)
//! ask the provider about the stored tokens. With `--store-dir`,
//! `refresh`, `call` and `token` share the tokens with every other process
//! through a file store (`authflowkit-store`), one renewal per expiry.

use crate::token_file::{self, KeySource, Loaded, Saved, TokenFile};
use crate::transport::Transport;
use authflowkit_core::fleet::{FleetSession, StoreKey};
use authflowkit_core::{
    discovery_request, parse_discovery_response, Action, AuthorizationOptions, Client,
    ClientAuthMethod, ClientSecret, DevicePoll, DiscoveryDocument, EndpointRole, Error, ErrorKind,
    GrantType, HttpRequest, IdTokenClaims, IdTokenValidation, LogoutOptions, Method, Password,
    Profile, Reauthentication, Session, TokenRef, TokenSet,
};
use authflowkit_store::{FileStore, SharedFleetSession};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One command's help: what `authflowkit COMMAND --help` prints.
struct CommandHelp {
    name: &'static str,
    synopsis: &'static str,
    about: &'static str,
    example: &'static str,
}

const COMMANDS: [CommandHelp; 9] = [
    CommandHelp {
        name: "login",
        synopsis: "login --token-file F (--issuer URL | --token-endpoint URL | --profile P)
              --client-id ID [--grant code|device|client-credentials|password]
              [--username U] [--scope S]... [--resource URI]... [--param K=V]...
              [--auth-method M] [--private-key FILE [--key-alg A] [--key-id K]]
              [--ENDPOINT URL]... [--port N] [--redirect-uri URI] [--timeout SECONDS]
              [--no-browser] [--device] [--par] [--dpop | --dpop-key FILE] [--show-secrets]",
        about: "Gets tokens and saves them, with the client's configuration (never the
  secret), to F (mode 0600). --grant code (the default) opens the browser and
  takes the redirect on a loopback listener; device (--device) prints a code to
  enter on another screen (RFC 8628); client-credentials asks for the client's
  own tokens (and again when they expire); password sends --username and the
  password from AUTHFLOW_PASSWORD (or a prompt on a terminal; never argv).
  --param K=V adds K to the authorization (or device authorization) request
  and to login's token requests; names authflow sets itself are refused.",
        example:
            "authflowkit login --issuer https://as.example --client-id my-cli --scope openid \\
      --token-file tokens.json
  AUTHFLOW_CLIENT_SECRET=… authflowkit login --token-endpoint https://as.example/token \\
      --grant client-credentials --client-id svc --auth-method post --token-file svc.json",
    },
    CommandHelp {
        name: "refresh",
        synopsis: "refresh --token-file F [--store-dir D] [--force] [--show-secrets]",
        about: "Refreshes the tokens when due (--force: now), saves the new pair first and
  prints when the next refresh is due: the job to run from cron.",
        example: "authflowkit refresh --token-file tokens.json",
    },
    CommandHelp {
        name: "call",
        synopsis: "call --token-file F [--store-dir D] [--method M] PATH",
        about: "Sends a request with the access token (refreshed first when due) to PATH
  under the API base given at login (--api-base), or to an absolute URL under
  it, and prints the answer. Without an API base a relative PATH is an error.",
        example: "authflowkit call --token-file tokens.json users/me",
    },
    CommandHelp {
        name: "token",
        synopsis: "token --token-file F [--store-dir D]",
        about: "Prints a fresh access token, and only that (refreshed first when due), for
  scripts. A DPoP-bound token is refused: it is never usable as a Bearer token
  (use call).",
        example:
            "curl -H \"Authorization: Bearer $(authflowkit token --token-file tokens.json)\" \\
      https://api.example/v1/me",
    },
    CommandHelp {
        name: "status",
        synopsis: "status --token-file F",
        about: "Shows what is stored, without a request and without anything secret: the
  provider, the client id, the scopes, the token type, when the tokens expire
  and whether a refresh token is held.",
        example: "authflowkit status --token-file tokens.json",
    },
    CommandHelp {
        name: "revoke",
        synopsis: "revoke --token-file F [--revocation-endpoint URL]",
        about: "Revokes the stored refresh token, or the access token when there is none
  (RFC 7009), then removes the token file. The endpoint comes from the token
  file (discovery or --revocation-endpoint at login) or the flag.",
        example: "authflowkit revoke --token-file tokens.json",
    },
    CommandHelp {
        name: "introspect",
        synopsis: "introspect --token-file F [--introspection-endpoint URL]",
        about: "Asks the provider about the stored access token (RFC 7662) and prints its
  answer, the token itself redacted. The endpoint comes from the token file
  (discovery or --introspection-endpoint at login) or the flag.",
        example: "AUTHFLOW_CLIENT_SECRET=… authflowkit introspect --token-file tokens.json",
    },
    CommandHelp {
        name: "userinfo",
        synopsis: "userinfo --token-file F [--show-secrets]",
        about: "Prints the OpenID Provider's UserInfo claims about the logged-in subject
  (values redacted without --show-secrets).",
        example: "authflowkit userinfo --token-file tokens.json",
    },
    CommandHelp {
        name: "logout",
        synopsis: "logout --token-file F [--post-logout-redirect-uri URL] [--state S]",
        about: "Prints the OpenID Provider's end-session URL to open (it holds the ID token
  as id_token_hint: do not share it).",
        example: "authflowkit logout --token-file tokens.json",
    },
];

/// What every command shares, after the list of commands.
const DETAILS: &str = "  P is makini-link, makini-admin, makeshift or generic; without --profile,
  --issuer reads the provider's metadata (RFC 8414, OpenID Discovery) and
  --token-endpoint alone is a generic server. ENDPOINT is one of
  authorization-endpoint, token-endpoint, revocation-endpoint,
  introspection-endpoint, token-info-endpoint, device-authorization-endpoint,
  pushed-authorization-request-endpoint, api-base. The API base is only ever
  the one given (--api-base) or the one a named profile documents: a token is
  never sent to a server the user did not name.
  --device (or --grant device) logs in without a browser on this machine (RFC
  8628): it prints a code and where to enter it, on any other screen (and a
  QR code of the link that holds the code, when the provider gives one), and
  waits for the user's answer, a dot per poll.
  --par sends the authorization request's parameters to the provider's pushed
  authorization request endpoint first (RFC 9126; from discovery or
  --pushed-authorization-request-endpoint), so that the URL to open carries
  only the client id and a request_uri; a provider whose metadata requires it
  gets it without --par.
  --store-dir D shares the tokens, through a file store in D, with every
  process that uses it (a server, other refresh or call runs): one refresh per
  expiry however many run at once; the token file then mirrors the store.
  --resource URI (repeatable) asks for tokens for that resource server (RFC
  8707: an absolute URI without a fragment, e.g. https://api.example/); it is
  saved in the token file and sent again with every renewal.
  A browser login listens for the redirect on 127.0.0.1 port --port (8400; 0:
  any free port), path /callback, or where --redirect-uri says (a loopback
  http URL as registered: http://127.0.0.1[:PORT]/PATH,
  http://[::1][:PORT]/PATH, http://localhost[:PORT]/PATH); other requests (a
  browser's /favicon.ico) get a 404. It waits --timeout seconds (300), and
  tells the browser the outcome once the code is exchanged.
  --auth-method M chooses how the client authenticates: basic, post, none,
  private_key_jwt or client_secret_jwt (RFC 8414's names client_secret_basic
  and client_secret_post work too); without it, --issuer picks from the
  provider's list: private_key_jwt for a client with --private-key, else
  client_secret_basic (or the first it lists).
  --private-key FILE is the client's private key for private_key_jwt (RFC
  7523): a PEM file (PKCS#8, PKCS#1 or SEC1) or a private JWK; --key-alg PS256
  signs an RSA key with PSS (default: RS256, ES256 or EdDSA by key type),
  --key-id names the key's kid. The token file keeps the key's path, never the
  key: refresh and call read it again.
  --dpop binds the tokens to a new P-256 key (DPoP, RFC 9449; --dpop-key FILE
  to a given P-256 or Ed25519 key, PEM or JWK): the key is kept beside the
  token file (F.dpop.jwk, owner only), every token request (a device login's
  polls too) and every call carries a proof of it, and a server's demand for
  a nonce gets one retry.
  The client secret is read from AUTHFLOW_CLIENT_SECRET (for MakeShift: the
  API secret; the API key is --client-id); it is never printed or saved.
  With an OpenID Provider (--issuer whose metadata says so) login checks the
  ID token (signature against the provider's keys, issuer, audience, nonce,
  times) before saving, and prints the subject (other claims redacted without
  --show-secrets).";

/// The whole usage text: every command's synopsis, then [`DETAILS`].
pub fn usage_text() -> String {
    let mut text = String::from(
        "usage: authflowkit COMMAND [FLAGS]   (authflowkit COMMAND --help: that command, with an example)\n",
    );
    for command in &COMMANDS {
        text.push_str(&format!("  authflowkit {}\n", command.synopsis));
    }
    text.push('\n');
    text.push_str(DETAILS);
    text
}

/// `authflowkit COMMAND --help`: that command's synopsis, what it does and an
/// example.
fn command_help(name: &str) -> Option<String> {
    COMMANDS.iter().find(|c| c.name == name).map(|c| {
        format!(
            "usage: authflowkit {}\n\n  {}\n\nexample:\n  {}",
            c.synopsis, c.about, c.example
        )
    })
}

/// The command line's entry point, shared by `authflowkit` and
/// `authflow-demo`: runs `args` (a command and its flags), prints what
/// the user reads, and reports an error under `program`'s name.
pub fn main(program: &str, args: &[String]) -> ExitCode {
    let mut stdout = std::io::stdout();
    match args.first().map(String::as_str) {
        Some("-h" | "--help" | "help") => {
            // A reader gone (`| head`) is no failure.
            let _ = writeln!(stdout, "{}", usage_text());
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("{}", usage_text());
            ExitCode::from(2)
        }
        Some(command) => match run(command, &args[1..], &mut stdout) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("{program}: {}", error.0);
                ExitCode::from(2)
            }
        },
    }
}

/// What went wrong, in words for the terminal; never a secret.
#[derive(Debug)]
pub struct CliError(pub String);

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        // What the user does next, where the error's own action is not
        // specific enough for a terminal.
        let hint = match (e.kind(), e.action()) {
            (_, Action::AuthorizeAgain) => {
                Some("run `authflowkit login` again: the provider will not renew this grant")
            }
            (ErrorKind::InvalidClient, _) => Some(
                "check --client-id and the client secret in AUTHFLOW_CLIENT_SECRET (or the \
                 --private-key file)",
            ),
            (ErrorKind::Configuration, _) if e.message().contains("client secret") => {
                Some("set the client secret in AUTHFLOW_CLIENT_SECRET")
            }
            _ => None,
        };
        match hint {
            Some(hint) => CliError(format!("{e}\n({hint})")),
            None => CliError(e.to_string()),
        }
    }
}

/// `at` relative to `now`, as a person reads it: "in 54 min", "in 3 h 5
/// min", "in 12 days", "5 min ago".
pub fn relative(at: u64, now: u64) -> String {
    let (seconds, ago) = if at >= now {
        (at - now, false)
    } else {
        (now - at, true)
    };
    let words = match seconds {
        0..=59 => format!("{seconds} s"),
        60..=3_599 => format!("{} min", seconds / 60),
        3_600..=86_399 => match (seconds % 3_600) / 60 {
            0 => format!("{} h", seconds / 3_600),
            minutes => format!("{} h {minutes} min", seconds / 3_600),
        },
        _ => format!("{} days", seconds / 86_400),
    };
    if ago {
        format!("{words} ago")
    } else {
        format!("in {words}")
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError(e.to_string())
    }
}

/// A mistake in the command line: `why`, then where to read more.
fn usage(why: &str) -> CliError {
    CliError(format!(
        "{why}\n(authflowkit COMMAND --help shows a command's flags and an example)"
    ))
}

/// Parsed flags: repeated ones keep every value.
struct Flags {
    values: Vec<(String, String)>,
    switches: Vec<String>,
    positional: Vec<String>,
}

const SWITCHES: [&str; 7] = [
    "--no-browser",
    "--show-secrets",
    "--force",
    "--help",
    "--device",
    "--par",
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
        let help =
            command_help(command).ok_or_else(|| usage(&format!("unknown command {command:?}")))?;
        writeln!(out, "{help}")?;
        return Ok(());
    }
    let transport = Transport::default();
    match command {
        "login" => login(&flags, &transport, out),
        "refresh" => refresh(&flags, &transport, out),
        "call" => call(&flags, &transport, out),
        "token" => token(&flags, &transport, out),
        "status" => status(&flags, out),
        "revoke" => revoke(&flags, &transport, out),
        "introspect" => introspect(&flags, &transport, out),
        "userinfo" => userinfo(&flags, &transport, out),
        "logout" => logout(&flags, out),
        other => Err(usage(&format!(
            "unknown command {other:?} (login, refresh, call, token, status, revoke, \
             introspect, userinfo, logout)"
        ))),
    }
}

fn secret_from_env() -> Option<ClientSecret> {
    std::env::var("AUTHFLOW_CLIENT_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .map(ClientSecret::new)
}

const ENDPOINT_FLAGS: [(&str, EndpointRole); 8] = [
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
    (
        "pushed-authorization-request-endpoint",
        EndpointRole::PushedAuthorization,
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
        // A standards-following server known by its token endpoint alone.
        (None, None) => match token_endpoint {
            Some(url) => Profile::generic(flags.get("authorization-endpoint"), url)?,
            None => {
                return Err(usage(
                    "give --issuer URL (discovery), --token-endpoint URL or --profile P",
                ))
            }
        },
    };
    for (flag, role) in ENDPOINT_FLAGS {
        if let Some(url) = flags.get(flag) {
            profile = profile.with_endpoint(role, url)?;
        }
    }
    // RFC 9126: chosen here; a server that requires it has it already.
    if flags.has("--par") {
        profile = profile.with_pushed_authorization(true)?;
    }
    Ok(profile)
}

/// When the access token expires and whether a refresh token is held
/// (and when it expires), in relative time.
fn show_expiry(out: &mut dyn Write, tokens: &TokenSet, now: u64) -> Result<(), CliError> {
    let expiry = |at: Option<u64>| match at {
        Some(at) if at > now => format!("expires {}", relative(at, now)),
        Some(at) => format!("expired {}", relative(at, now)),
        None => "expiry unknown".to_owned(),
    };
    writeln!(out, "access token: {}", expiry(tokens.expires_at()))?;
    match tokens.refresh_token() {
        Some(_) => writeln!(
            out,
            "refresh token: yes, {}",
            expiry(tokens.refresh_expires_at())
        )?,
        None => writeln!(out, "refresh token: no")?,
    }
    Ok(())
}

fn show_tokens(
    out: &mut dyn Write,
    tokens: &TokenSet,
    show_secrets: bool,
    now: u64,
) -> Result<(), CliError> {
    show_expiry(out, tokens, now)?;
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
        "auth-method",
        "private-key",
        "key-alg",
        "key-id",
        "redirect-uri",
        "timeout",
        "dpop-key",
        "grant",
        "param",
        "username",
    ];
    known.extend(ENDPOINT_FLAGS.map(|(flag, _)| flag));
    flags.check_known(&known)?;
    let token_file = PathBuf::from(flags.require("token-file")?);
    let extra = extra_params(flags)?;
    let mut profile = profile_from(flags, transport)?;
    let grant = login_grant(flags, &profile)?;
    if grant == LoginGrant::ClientCredentials {
        // The tokens are the client's own: when they expire, `refresh`,
        // `call` and `token` ask for new ones the same way.
        profile = profile.with_reauthentication(Reauthentication::ClientCredentials);
    }
    if let Some(name) = flags.get("auth-method") {
        profile = profile.with_client_auth(auth_method(name)?);
    }
    let mut client = Client::new(profile, flags.require("client-id")?)
        .with_scopes(flags.all("scope"))
        .with_resources(flags.all("resource"))?;
    if let Some(secret) = secret_from_env() {
        client = client.with_client_secret(secret);
    }
    let key_source = key_source(flags)?;
    if let Some(source) = &key_source {
        client = client.with_signing_key(source.load()?);
    }
    // A method that cannot work with what was given fails before the
    // user signs in.
    match client.client_auth_method()? {
        ClientAuthMethod::PrivateKeyJwt if key_source.is_none() => {
            return Err(usage("private_key_jwt needs --private-key FILE"))
        }
        // A key the chosen method would leave unused is a mistake, not a no-op.
        method if key_source.is_some() && method != ClientAuthMethod::PrivateKeyJwt => {
            return Err(usage(&format!(
                "--private-key is for private_key_jwt, but the client authenticates with {} \
                 (add --auth-method private_key_jwt if the provider takes it)",
                method.as_str()
            )))
        }
        ClientAuthMethod::ClientSecretJwt
        | ClientAuthMethod::ClientSecretBasic
        | ClientAuthMethod::ClientSecretPost
            if !client.has_client_secret()
                && (flags.get("auth-method").is_some()
                    || grant == LoginGrant::ClientCredentials) =>
        {
            return Err(CliError(
                "this method needs the client secret in AUTHFLOW_CLIENT_SECRET".into(),
            ))
        }
        _ => {}
    }
    // --- DPoP (RFC 9449) ---
    let dpop_key = dpop_key_from(flags)?;
    if let Some(key) = &dpop_key {
        client = client.with_dpop_key(key.clone())?.with_dpop_jkt()?;
    }
    // --- end DPoP ---
    let now = crate::unix_now();
    let tokens = match grant {
        LoginGrant::ClientCredentials => request_tokens(
            &client,
            transport,
            GrantType::ClientCredentials,
            &extra,
            Client::client_credentials_request,
        )?,
        LoginGrant::Password => {
            let username = flags
                .get("username")
                .ok_or_else(|| usage("--grant password needs --username"))?;
            let password = password_from_user(username)?;
            request_tokens(&client, transport, GrantType::Password, &extra, |c| {
                c.password_request(username, &password)
            })?
        }
        LoginGrant::ProvidersOwn => {
            request_tokens(&client, transport, GrantType::Password, &extra, |c| {
                c.reauthentication_request().map(|(_, request)| request)
            })?
        }
        LoginGrant::Device => device_login(&client, transport, &extra, out)?,
        LoginGrant::Code => browser_login(flags, &mut client, transport, &extra, out)?,
    };
    // New tokens from the user or the credentials: saved whatever the file
    // held, under its lock so that no refresh run interleaves; the DPoP key
    // they are bound to first, beside it.
    let file = TokenFile::lock(&token_file)?;
    if let Some(key) = &dpop_key {
        token_file::save_dpop_key(&token_file, key)?;
    }
    file.save_with_key(&client, key_source.as_ref(), &tokens, None)?;
    writeln!(out, "saved the token set to {}", token_file.display())?;
    show_tokens(out, &tokens, flags.has("--show-secrets"), now)
}

/// How `login` gets its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoginGrant {
    /// The authorization code, through a browser and a loopback redirect.
    Code,
    /// The device authorization grant (RFC 8628).
    Device,
    /// The client's own tokens (RFC 6749 §4.4).
    ClientCredentials,
    /// The resource owner's password (RFC 6749 §4.3).
    Password,
    /// The grant the profile documents for getting tokens without a user
    /// (MakeShift: the password grant with the API key and secret).
    ProvidersOwn,
}

/// `--grant` (or `--device`), else what the profile does without a user,
/// else the code flow.
fn login_grant(flags: &Flags, profile: &Profile) -> Result<LoginGrant, CliError> {
    let named = match flags.get("grant") {
        Some("code" | "authorization-code" | "authorization_code") => Some(LoginGrant::Code),
        Some("device" | "device-code" | "device_code") => Some(LoginGrant::Device),
        Some("client-credentials" | "client_credentials") => Some(LoginGrant::ClientCredentials),
        Some("password") => Some(LoginGrant::Password),
        Some(other) => {
            return Err(usage(&format!(
                "unknown --grant {other:?} (code, device, client-credentials, password)"
            )))
        }
        None => None,
    };
    match (named, flags.has("--device")) {
        (Some(grant), true) if grant != LoginGrant::Device => {
            Err(usage("--device is --grant device: give one grant"))
        }
        (Some(grant), _) => Ok(grant),
        (None, true) => Ok(LoginGrant::Device),
        (None, false) => Ok(match profile.reauthentication() {
            Reauthentication::ClientCredentials => LoginGrant::ClientCredentials,
            Reauthentication::PasswordWithClientCredentials => LoginGrant::ProvidersOwn,
            Reauthentication::Never => LoginGrant::Code,
        }),
    }
}

/// Parameters authflow sends itself, and the flag (or variable) that sets
/// each where there is one: `--param` may not replace them. (An OpenID
/// request's `nonce` the core refuses itself: elsewhere it is an
/// extension parameter like any other.)
const RESERVED_PARAMS: [(&str, Option<&str>); 20] = [
    ("client_id", Some("--client-id")),
    ("scope", Some("--scope")),
    ("resource", Some("--resource")),
    ("redirect_uri", Some("--redirect-uri")),
    ("grant_type", Some("--grant")),
    ("username", Some("--username")),
    ("password", Some("AUTHFLOW_PASSWORD")),
    ("client_secret", Some("AUTHFLOW_CLIENT_SECRET")),
    ("client_assertion", Some("--private-key")),
    ("client_assertion_type", Some("--private-key")),
    ("dpop_jkt", Some("--dpop")),
    ("request_uri", Some("--par")),
    ("response_type", None),
    ("state", None),
    ("code", None),
    ("code_verifier", None),
    ("code_challenge", None),
    ("code_challenge_method", None),
    ("refresh_token", None),
    ("device_code", None),
];

/// The `--param K=V` pairs, in order; a name authflow sets itself is
/// refused (its value is not repeated: it may be anything).
fn extra_params(flags: &Flags) -> Result<Vec<(String, String)>, CliError> {
    flags
        .all("param")
        .into_iter()
        .map(|pair| {
            let (name, value) = pair
                .split_once('=')
                .filter(|(name, _)| !name.is_empty())
                .ok_or_else(|| usage("--param takes NAME=VALUE"))?;
            if let Some((_, flag)) = RESERVED_PARAMS.iter().find(|(n, _)| *n == name) {
                let instead = flag.map(|f| format!(" (use {f})")).unwrap_or_default();
                return Err(usage(&format!(
                    "--param {name}: authflow sets {name} itself{instead}"
                )));
            }
            Ok((name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Adds the `--param` pairs to the form body of `request` (a token or
/// device authorization request).
fn add_params(request: &mut HttpRequest, extra: &[(String, String)]) -> Result<(), CliError> {
    if extra.is_empty() {
        return Ok(());
    }
    if request.header("Content-Type") != Some("application/x-www-form-urlencoded") {
        return Err(CliError(
            "--param adds to form-encoded requests; this provider's token requests are not".into(),
        ));
    }
    let mut more = form_urlencoded::Serializer::new(String::new());
    more.extend_pairs(extra);
    let more = more.finish();
    // Sized once: a reallocation would leave an unwiped copy of the
    // body's secrets (a code, a password) behind.
    let mut body = zeroize::Zeroizing::new(Vec::with_capacity(request.body.len() + 1 + more.len()));
    body.extend_from_slice(&request.body);
    if !body.is_empty() {
        body.push(b'&');
    }
    body.extend_from_slice(more.as_bytes());
    request.body = body;
    Ok(())
}

/// Tokens from one token request that `build` makes (signed and proved
/// as the client needs, with `extra` added), sent once more when the
/// server asks for a DPoP nonce, read as `grant`'s answer.
fn request_tokens(
    client: &Client,
    transport: &Transport,
    grant: GrantType,
    extra: &[(String, String)],
    build: impl FnOnce(&Client) -> authflowkit_core::Result<HttpRequest>,
) -> Result<TokenSet, CliError> {
    let now = crate::unix_now();
    let mut nonces = authflowkit_core::DpopNonces::new();
    let mut request = build(&signing_client(client, now, &nonces)?)?;
    add_params(&mut request, extra)?;
    let response = send_proved(client, transport, request, &mut nonces)?;
    Ok(client.parse_token_response(grant, now, &response)?)
}

/// The password of `--grant password`: AUTHFLOW_PASSWORD, or typed at a
/// prompt (not echoed where `stty` can turn echo off). Never a flag: the
/// command line is visible to every user of the machine.
fn password_from_user(username: &str) -> Result<Password, CliError> {
    use std::io::IsTerminal;
    if let Some(password) = std::env::var("AUTHFLOW_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        return Ok(Password::new(password));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError(
            "--grant password reads the password from AUTHFLOW_PASSWORD, or from a prompt on a \
             terminal (never from the command line)"
                .into(),
        ));
    }
    eprint!("password for {username}: ");
    let stty = |setting: &str| {
        std::process::Command::new("stty")
            .arg(setting)
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|status| status.success())
    };
    let hidden = stty("-echo");
    let mut line = zeroize::Zeroizing::new(String::new());
    let read = std::io::stdin().read_line(&mut line);
    if hidden {
        stty("echo");
        eprintln!();
    }
    read?;
    Ok(Password::new(line.trim_end_matches(['\r', '\n'])))
}

/// The method `--auth-method` names: RFC 8414's names, and `basic` and
/// `post` for short.
fn auth_method(name: &str) -> Result<ClientAuthMethod, CliError> {
    let full = match name {
        "basic" => "client_secret_basic",
        "post" => "client_secret_post",
        other => other,
    };
    ClientAuthMethod::parse(full)
        .filter(|m| *m != ClientAuthMethod::Omitted)
        .ok_or_else(|| {
            usage(&format!(
                "unknown --auth-method {name:?} (basic, post, none, private_key_jwt, \
                 client_secret_jwt)"
            ))
        })
}

/// Where `--private-key` (with `--key-alg`, `--key-id`) says the key is.
fn key_source(flags: &Flags) -> Result<Option<KeySource>, CliError> {
    let Some(file) = flags.get("private-key") else {
        if flags.get("key-alg").is_some() || flags.get("key-id").is_some() {
            return Err(usage("--key-alg and --key-id go with --private-key"));
        }
        return Ok(None);
    };
    // Absolute, so that refresh and call find it from any directory.
    let file = std::fs::canonicalize(file)
        .map_err(|e| CliError(format!("cannot read the private key {file}: {e}")))?;
    Ok(Some(KeySource {
        file,
        alg: flags.get("key-alg").map(str::to_owned),
        kid: flags.get("key-id").map(str::to_owned),
    }))
}

/// The device authorization grant (RFC 8628): the code and where to enter
/// it go to the terminal (§3.3), then the token endpoint is polled as the
/// core's [`DevicePoll`] says until the user answers or the code expires.
fn device_login(
    client: &Client,
    transport: &Transport,
    extra: &[(String, String)],
    out: &mut dyn Write,
) -> Result<TokenSet, CliError> {
    let mut request = crate::client_now(client)?.device_authorization_request()?;
    add_params(&mut request, extra)?;
    let response = transport.send(&request)?;
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
    let mut poll =
        DevicePoll::new(client.clone(), &authorization).with_entropy(&crate::assertion_entropy());
    // One dot per request: the user sees the wait is alive.
    let mut dots = Ok(());
    let tokens = crate::driver::drive_device(&mut poll, transport, crate::unix_now, |request| {
        // The device authorization request took them (a form, as the
        // polls are): this cannot fail.
        let _ = add_params(request, extra);
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

/// The code flow with a loopback redirect (RFC 8252 §7.3). The listener
/// takes the browser's requests until one comes to the redirect URI's path
/// (anything else, a `/favicon.ico`, gets a 404), for at most `--timeout`
/// seconds; the browser is told the outcome after the code exchange and the
/// ID token's check, not before.
fn browser_login(
    flags: &Flags,
    client: &mut Client,
    transport: &Transport,
    extra: &[(String, String)],
    out: &mut dyn Write,
) -> Result<TokenSet, CliError> {
    let timeout = match flags.get("timeout") {
        Some(seconds) => std::time::Duration::from_secs(
            seconds
                .parse()
                .map_err(|_| usage("--timeout is a number of seconds"))?,
        ),
        None => DEFAULT_LOGIN_TIMEOUT,
    };
    let loopback = Loopback::bind(flags)?;
    *client = client.clone().with_redirect_uri(&loopback.redirect_uri)?;
    let entropy = crate::authorization_entropy();
    let options = AuthorizationOptions {
        extra_params: extra.to_vec(),
        ..AuthorizationOptions::default()
    };
    let start =
        crate::driver::start_authorization(client, transport, &options, crate::unix_now, &entropy)?;
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
    let (mut stream, target) = loopback.wait(timeout)?;
    let outcome = (|| -> Result<TokenSet, CliError> {
        let callback = start.pending.validate(&target, crate::unix_now())?;
        let tokens = request_tokens(
            client,
            transport,
            GrantType::AuthorizationCode,
            extra,
            |c| c.exchange_request(callback),
        )?;
        let validation = client.id_token_after_exchange(&start.pending, &tokens)?;
        check_id_token(
            client,
            validation,
            transport,
            out,
            flags.has("--show-secrets"),
        )?;
        Ok(tokens)
    })();
    let page = match &outcome {
        Ok(_) => "Signed in. You can close this window.",
        Err(_) => "Sign-in failed. See the terminal.",
    };
    // The terminal has the outcome either way: a browser gone meanwhile is no error.
    let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{page}", page.len());
    outcome
}

/// How long `login` waits for the browser to come back, unless `--timeout`.
const DEFAULT_LOGIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// The loopback listener of a browser login, and the redirect URI it serves.
struct Loopback {
    listener: TcpListener,
    redirect_uri: String,
    path: String,
}

impl Loopback {
    /// Listens where `--redirect-uri` (default `http://127.0.0.1/callback`)
    /// says, on its port or `--port` (default 8400; 0: any free one). RFC
    /// 8252 §7.3: plain http to a loopback address; `localhost` works
    /// (§8.3 prefers the IP literal: a name can resolve elsewhere).
    fn bind(flags: &Flags) -> Result<Loopback, CliError> {
        let given = flags
            .get("redirect-uri")
            .unwrap_or("http://127.0.0.1/callback");
        let loopback_error = || {
            usage(&format!(
                "--redirect-uri {given:?} is not a loopback http URL (http://127.0.0.1[:PORT]/PATH, \
                 http://[::1][:PORT]/PATH or http://localhost[:PORT]/PATH)"
            ))
        };
        let rest = given.strip_prefix("http://").ok_or_else(loopback_error)?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if path.contains(['?', '#']) {
            return Err(loopback_error());
        }
        let path = if path.is_empty() { "/" } else { path };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && !port.contains(']') => (
                host,
                Some(port.parse::<u16>().map_err(|_| loopback_error())?),
            ),
            _ => (authority, None),
        };
        let bind_host = match host {
            "127.0.0.1" | "localhost" => "127.0.0.1",
            "[::1]" => "::1",
            _ => return Err(loopback_error()),
        };
        let port = match (port, flags.get("port")) {
            (Some(port), None) => port,
            (Some(_), Some(_)) => {
                return Err(usage("give the port in --redirect-uri or --port, not both"))
            }
            (None, Some(port)) => port.parse().map_err(|_| usage("--port is a number"))?,
            (None, None) => 8400,
        };
        let listener = TcpListener::bind((bind_host, port)).map_err(|e| {
            CliError(format!(
                "cannot listen on {host}:{port} for the redirect ({e}); choose another port with \
                 --port (0: any free one) and make sure the provider accepts it"
            ))
        })?;
        let port = listener.local_addr()?.port();
        Ok(Loopback {
            listener,
            redirect_uri: format!("http://{host}:{port}{path}"),
            path: path.to_owned(),
        })
    }

    /// The first request to the redirect URI's path within `timeout`, and
    /// the connection to answer it on; other requests get a 404.
    fn wait(
        &self,
        timeout: std::time::Duration,
    ) -> Result<(std::net::TcpStream, String), CliError> {
        let deadline = std::time::Instant::now() + timeout;
        self.listener.set_nonblocking(true)?;
        loop {
            match self.listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false)?;
                    // A connection that says nothing does not hold up the next.
                    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
                    let mut request_line = String::new();
                    if BufReader::new(&stream)
                        .read_line(&mut request_line)
                        .is_err()
                    {
                        continue;
                    }
                    let target = request_line
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or_default()
                        .to_owned();
                    if target.split('?').next() == Some(self.path.as_str()) {
                        return Ok((stream, target));
                    }
                    let _ = write!(
                        stream,
                        "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
                    );
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if std::time::Instant::now() >= deadline {
                        return Err(CliError(format!(
                            "no sign-in came back to {} within {} s; run login again \
                             (--timeout SECONDS waits longer)",
                            self.redirect_uri,
                            timeout.as_secs()
                        )));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

// --- DPoP (RFC 9449) ---
/// The DPoP key `login` binds the tokens to: a new P-256 key (`--dpop`)
/// or the one in `--dpop-key FILE` (PEM or JWK).
fn dpop_key_from(flags: &Flags) -> Result<Option<authflowkit_core::SigningKey>, CliError> {
    if let Some(file) = flags.get("dpop-key") {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError(format!("cannot read --dpop-key {file}: {e}")))?;
        let key = authflowkit_core::SigningKey::parse(&text, None)?;
        return Ok(Some(key));
    }
    if !flags.has("--dpop") {
        return Ok(None);
    }
    let entropy = zeroize::Zeroizing::new(crate::assertion_entropy());
    Ok(Some(authflowkit_core::SigningKey::generate_es256(
        &*entropy,
    )?))
}

/// `client` for a request built at `now`: through `Client::at` (a DPoP
/// proof's time and `jti`), with the nonces servers gave.
fn signing_client(
    client: &Client,
    now: u64,
    nonces: &authflowkit_core::DpopNonces,
) -> Result<Client, CliError> {
    let entropy = zeroize::Zeroizing::new(crate::assertion_entropy());
    Ok(client.at(now, &*entropy)?.with_dpop_nonces(nonces))
}

/// Sends `request`, and once more with a new proof when the server asks
/// for a DPoP nonce (RFC 9449 §8, §9).
fn send_proved(
    client: &Client,
    transport: &Transport,
    request: authflowkit_core::HttpRequest,
    nonces: &mut authflowkit_core::DpopNonces,
) -> Result<authflowkit_core::HttpResponse, CliError> {
    let response = transport.send(&request)?;
    if !nonces.handle_response(&request, &response) {
        return Ok(response);
    }
    let retry = signing_client(client, crate::unix_now(), nonces)?.with_new_dpop_proof(request)?;
    Ok(transport.send(&retry)?)
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
    let mut session = crate::new_session(current.client.clone(), Some(current.tokens.clone()));
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
    let session = crate::new_session(client.clone(), Some(seen.tokens.clone()));
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
            if let Some(at) = due.filter(|at| !force && now < *at) {
                writeln!(out, "not due; next refresh due {}", relative(at, now))?;
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
        writeln!(out, "next refresh due {}", relative(next, now))?;
    }
    Ok(())
}

/// The token file's client and usable tokens: renewed first when due,
/// through the file store in `--store-dir` when given, else under the token
/// file's lock.
fn fresh_tokens(flags: &Flags, transport: &Transport) -> Result<(Client, TokenSet), CliError> {
    let token_file = PathBuf::from(flags.require("token-file")?);
    let seen = token_file::load(&token_file, secret_from_env())?;
    match flags.get("store-dir") {
        Some(dir) => {
            let tokens = renew_shared(&seen, Path::new(dir), false, transport, &token_file)?;
            Ok((seen.client, tokens))
        }
        None => {
            let renewed = renew_locked(&seen, false, transport, &token_file)?;
            Ok((renewed.client, renewed.tokens))
        }
    }
}

fn call(flags: &Flags, transport: &Transport, out: &mut dyn Write) -> Result<(), CliError> {
    flags.check_known(&["token-file", "method", "store-dir"])?;
    let path = flags
        .positional
        .first()
        .ok_or_else(|| usage("call needs a PATH"))?;
    let method = Method::parse(flags.get("method").unwrap_or("GET"))
        .ok_or_else(|| usage("unknown --method"))?;
    let (client, tokens) = fresh_tokens(flags, transport)?;
    // A relative path is resolved against the API base given at login,
    // and against nothing else: the token goes only where the user said.
    if !path.contains("://") && client.profile().endpoint(EndpointRole::ApiBase).is_none() {
        return Err(CliError(format!(
            "call {path}: the token file names no API base to resolve it against; log in again \
             with --api-base URL (the API the tokens are for)"
        )));
    }
    let now = crate::unix_now();
    // A DPoP-bound token goes with a proof, and once more with the
    // resource server's nonce when it asks.
    let mut nonces = authflowkit_core::DpopNonces::new();
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
                CliError(format!("{e}\n(try `authflowkit refresh --force`)"))
            }
            _ => e.into(),
        })?;
    writeln!(out, "{}", String::from_utf8_lossy(&response.body))?;
    Ok(())
}

/// Prints the access token, refreshed first when due, and nothing else:
/// for `$(authflowkit token ...)` in a script.
fn token(flags: &Flags, transport: &Transport, out: &mut dyn Write) -> Result<(), CliError> {
    flags.check_known(&["token-file", "store-dir"])?;
    let (_, tokens) = fresh_tokens(flags, transport)?;
    if tokens.access_token().is_dpop_bound() {
        return Err(CliError(
            "the access token is bound to a DPoP key (token_type DPoP): a server takes it only \
             with a proof of that key, never as a Bearer token; use `authflowkit call` instead"
                .into(),
        ));
    }
    writeln!(out, "{}", tokens.access_token().secret())?;
    Ok(())
}

/// What the token file holds, with no request and nothing secret.
fn status(flags: &Flags, out: &mut dyn Write) -> Result<(), CliError> {
    flags.check_known(&["token-file"])?;
    let path = PathBuf::from(flags.require("token-file")?);
    let loaded = token_file::load(&path, None)?;
    let (client, tokens) = (&loaded.client, &loaded.tokens);
    let profile = client.profile();
    let now = crate::unix_now();
    writeln!(out, "token file: {}", path.display())?;
    match profile.issuer() {
        Some(issuer) => writeln!(out, "issuer: {issuer}")?,
        None => writeln!(out, "provider: {}", profile.kind().as_str())?,
    }
    if let Some(endpoint) = profile.endpoint(EndpointRole::Token) {
        writeln!(out, "token endpoint: {}", endpoint.as_str())?;
    }
    let method = client
        .client_auth_method()
        .map_or("unknown", ClientAuthMethod::as_str);
    writeln!(
        out,
        "client id: {} (authenticates with {method})",
        client.client_id()
    )?;
    let scopes = tokens.scopes().unwrap_or(client.scopes());
    let scopes = if scopes.is_empty() {
        "none named".to_owned()
    } else {
        scopes.join(" ")
    };
    writeln!(out, "scopes: {scopes}")?;
    if !client.resources().is_empty() {
        writeln!(out, "resources: {}", client.resources().join(" "))?;
    }
    match profile.endpoint(EndpointRole::ApiBase) {
        Some(base) => writeln!(out, "API base: {}", base.as_str())?,
        None => writeln!(
            out,
            "API base: none (call needs one: log in with --api-base URL)"
        )?,
    }
    let bound = if tokens.access_token().is_dpop_bound() {
        " (bound to the DPoP key beside the token file: not usable as Bearer)"
    } else {
        ""
    };
    writeln!(out, "token type: {}{bound}", tokens.token_type())?;
    show_expiry(out, tokens, now)
}

/// The token file's client with the endpoint for `role` from the flag
/// `flag`, else from the file; an error naming both when neither has one.
fn client_with_endpoint(
    flags: &Flags,
    flag: &str,
    role: EndpointRole,
) -> Result<(TokenFile, Loaded, String), CliError> {
    let path = PathBuf::from(flags.require("token-file")?);
    let file = TokenFile::lock(&path)?;
    let given: Vec<(EndpointRole, &str)> =
        flags.get(flag).map(|url| (role, url)).into_iter().collect();
    let loaded = file.load_with_endpoints(secret_from_env(), &given)?;
    let endpoint = loaded
        .client
        .profile()
        .endpoint(role)
        .map(|e| e.as_str().to_owned())
        .ok_or_else(|| {
            usage(&format!(
                "the token file has no {} endpoint (discovery at login found none): give --{flag} URL",
                role.as_str()
            ))
        })?;
    Ok((file, loaded, endpoint))
}

/// Revokes the refresh token (the access token when there is none) at
/// the revocation endpoint (RFC 7009), then removes the token file.
fn revoke(flags: &Flags, transport: &Transport, out: &mut dyn Write) -> Result<(), CliError> {
    flags.check_known(&["token-file", "revocation-endpoint"])?;
    let (file, loaded, endpoint) =
        client_with_endpoint(flags, "revocation-endpoint", EndpointRole::Revocation)?;
    let (client, tokens) = (&loaded.client, &loaded.tokens);
    // RFC 7009 §2.1: revoking the refresh token revokes the grant.
    let (which, token) = match tokens.refresh_token() {
        Some(refresh) => ("refresh token", TokenRef::Refresh(refresh)),
        None => ("access token", TokenRef::Access(tokens.access_token())),
    };
    let now = crate::unix_now();
    let mut nonces = authflowkit_core::DpopNonces::new();
    let request = signing_client(client, now, &nonces)?.revocation_request(token)?;
    let response = send_proved(client, transport, request, &mut nonces)?;
    client.parse_revocation_response(now, &response)?;
    file.remove()?;
    writeln!(
        out,
        "revoked the {which} at {endpoint}; removed {}",
        flags.require("token-file")?
    )?;
    Ok(())
}

/// Asks the introspection endpoint (RFC 7662) about the access token and
/// prints its answer, with the tokens' values redacted wherever they
/// appear in it.
fn introspect(flags: &Flags, transport: &Transport, out: &mut dyn Write) -> Result<(), CliError> {
    flags.check_known(&["token-file", "introspection-endpoint"])?;
    let (_file, loaded, _) =
        client_with_endpoint(flags, "introspection-endpoint", EndpointRole::Introspection)?;
    let (client, tokens) = (&loaded.client, &loaded.tokens);
    let now = crate::unix_now();
    let mut nonces = authflowkit_core::DpopNonces::new();
    let request = signing_client(client, now, &nonces)?
        .introspection_request(TokenRef::Access(tokens.access_token()))?;
    let response = send_proved(client, transport, request, &mut nonces)?;
    let answer = client.parse_introspection_response(now, &response)?;
    let mut body: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|_| CliError("the introspection answer is not JSON".into()))?;
    let mut secrets = vec![tokens.access_token().secret()];
    secrets.extend(tokens.refresh_token().map(|t| t.secret()));
    redact(&mut body, &secrets);
    let pretty = serde_json::to_string_pretty(&body)
        .map_err(|_| CliError("the introspection answer cannot be shown".into()))?;
    writeln!(out, "{pretty}")?;
    match (answer.active, answer.exp) {
        (false, _) => writeln!(out, "the access token is not active")?,
        (true, Some(exp)) => writeln!(out, "active; expires {}", relative(exp, now))?,
        (true, None) => writeln!(out, "active")?,
    }
    Ok(())
}

/// Replaces every string in `value` that holds one of `secrets` with
/// "[redacted]".
fn redact(value: &mut serde_json::Value, secrets: &[&str]) {
    match value {
        serde_json::Value::String(text) if secrets.iter().any(|s| text.contains(s)) => {
            *text = "[redacted]".to_owned();
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| redact(v, secrets)),
        serde_json::Value::Object(members) => members.values_mut().for_each(|v| redact(v, secrets)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_a_person_says_them() {
        let now = 1_000_000;
        assert_eq!(relative(now + 54 * 60 + 10, now), "in 54 min");
        assert_eq!(relative(now + 3 * 3600 + 5 * 60, now), "in 3 h 5 min");
        assert_eq!(relative(now + 2 * 3600, now), "in 2 h");
        assert_eq!(relative(now + 12 * 86_400 + 7, now), "in 12 days");
        assert_eq!(relative(now + 30, now), "in 30 s");
        assert_eq!(relative(now - 300, now), "5 min ago");
    }

    #[test]
    fn errors_say_what_to_do_next() {
        let gone = Error::new(ErrorKind::InvalidGrant, "the refresh token was refused");
        assert_eq!(gone.action(), Action::AuthorizeAgain);
        assert!(CliError::from(gone)
            .0
            .contains("run `authflowkit login` again"));
        let client = Error::new(ErrorKind::InvalidClient, "the provider refused the client");
        assert!(CliError::from(client).0.contains("AUTHFLOW_CLIENT_SECRET"));
        let plain = Error::new(ErrorKind::Timeout, "no answer");
        assert_eq!(CliError::from(plain).0, "timeout: no answer; action: retry");
    }
}

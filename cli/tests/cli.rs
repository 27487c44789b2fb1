//! The CLI (`authflowkit`; `authflow-demo COMMAND` is the same code) against
//! the local providers and a token endpoint the tests serve on 127.0.0.1,
//! run as a user would run it.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

mod common;

use authflow_test_providers::credentials::*;
use authflow_test_providers::{Endpoint, Fault, FaultSpec, Providers};
use authflowkit_cli::Transport;
use common::cli::{assert_says, authflow, text};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], secret: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authflowkit"));
    command.args(args).env_remove("AUTHFLOW_CLIENT_SECRET");
    if let Some(secret) = secret {
        command.env("AUTHFLOW_CLIENT_SECRET", secret);
    }
    command.output().unwrap()
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authflow-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("tokens.json")
}

/// The scopes the saved token set was granted.
fn stored_scopes(path: &Path) -> Vec<String> {
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    stored["tokens"]["scopes"]
        .as_array()
        .map(|scopes| {
            scopes
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn stored_refresh_token(path: &Path) -> Option<String> {
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    stored["tokens"]["refresh_token"]
        .as_str()
        .map(str::to_owned)
}

/// `refresh --force` of the token file `file` with `secret`; must succeed.
fn forced_refresh(file: &Path, secret: &str) -> Output {
    let refreshed = run(
        &["refresh", "--token-file", file.to_str().unwrap(), "--force"],
        Some(secret),
    );
    assert!(refreshed.status.success(), "{}", text(&refreshed));
    refreshed
}

/// `login` with the local Makini Admin client into `file`, with `more`
/// flags; must succeed.
fn admin_login(p: &Providers, file: &Path, more: &[&str]) -> Output {
    let urls = p.urls();
    let mut args = vec![
        "login",
        "--profile",
        "makini-admin",
        "--client-id",
        ADMIN_CLIENT_ID,
        "--token-endpoint",
        &urls.makini_admin.token_endpoint,
        "--api-base",
        &urls.makini_admin.api,
        "--token-file",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    let login = run(&args, Some(ADMIN_CLIENT_SECRET));
    assert!(login.status.success(), "{}", text(&login));
    login
}

#[test]
fn admin_login_refresh_and_call() {
    let p = Providers::start().unwrap();
    let file = temp_file("admin");
    let file_arg = file.to_str().unwrap();
    let login = admin_login(&p, &file, &[]);
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        !saved.contains(ADMIN_CLIENT_SECRET),
        "the client secret was saved"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let first_refresh = stored_refresh_token(&file).unwrap();
    assert!(
        !text(&login).contains(&first_refresh),
        "login printed the refresh token"
    );

    let not_due = run(
        &["refresh", "--token-file", file_arg],
        Some(ADMIN_CLIENT_SECRET),
    );
    assert!(not_due.status.success(), "{}", text(&not_due));
    assert_says(&not_due, "not due");
    assert_eq!(stored_refresh_token(&file).unwrap(), first_refresh);

    let forced = forced_refresh(&file, ADMIN_CLIENT_SECRET);
    assert_says(&forced, "next refresh due in ");
    let rotated = stored_refresh_token(&file).unwrap();
    assert_ne!(
        rotated, first_refresh,
        "the rotated refresh token was not saved"
    );
    let stats = p.stats().client(ADMIN_CLIENT_ID);
    assert_eq!((stats.refreshes, stats.replays), (1, 0));

    let call = run(
        &["call", "--token-file", file_arg, "connections"],
        Some(ADMIN_CLIENT_SECRET),
    );
    assert!(call.status.success(), "{}", text(&call));
    assert!(
        String::from_utf8_lossy(&call.stdout).contains("conn_1"),
        "{}",
        text(&call)
    );

    let shown = run(
        &[
            "refresh",
            "--token-file",
            file_arg,
            "--force",
            "--show-secrets",
        ],
        Some(ADMIN_CLIENT_SECRET),
    );
    assert!(
        text(&shown).contains(&stored_refresh_token(&file).unwrap()),
        "--show-secrets shows the tokens"
    );
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

/// `login` with the local Makini Link client into `file`, through the
/// loopback redirect; must succeed.
fn link_login(p: &Providers, file: &Path) {
    let urls = p.urls();
    let mut child = Command::new(env!("CARGO_BIN_EXE_authflowkit"))
        .args([
            "login",
            "--profile",
            "makini-link",
            "--client-id",
            LINK_CLIENT_ID,
            "--port",
            "0",
            "--no-browser",
            "--authorization-endpoint",
            &urls.makini_link.authorization_endpoint,
            "--token-endpoint",
            &urls.makini_link.token_endpoint,
            "--api-base",
            &urls.makini_link.api_v4,
            "--token-file",
            file.to_str().unwrap(),
        ])
        .env("AUTHFLOW_CLIENT_SECRET", LINK_CLIENT_SECRET)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.starts_with("http"))
        .unwrap();
    // The "browser": the provider redirects to the CLI's loopback listener.
    let transport = Transport::default();
    let get = |url: &str| authflowkit_core::HttpRequest {
        method: authflowkit_core::Method::Get,
        url: url.to_owned(),
        headers: vec![],
        body: Default::default(),
    };
    let redirect = transport.send(&get(&url)).unwrap();
    let location = redirect.header("Location").unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    let page = transport.send(&get(&location)).unwrap();
    assert!(String::from_utf8_lossy(&page.body).contains("Signed in"));
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(child.wait().unwrap().success(), "{rest:?}");
}

#[test]
fn makini_link_login_through_the_loopback_redirect() {
    let p = Providers::start().unwrap();
    let file = temp_file("link");
    link_login(&p, &file);
    assert!(stored_refresh_token(&file).is_some());
    assert_eq!(p.stats().client(LINK_CLIENT_ID).codes_redeemed, 1);
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

#[test]
fn clear_errors_for_bad_flags_and_bad_credentials() {
    let unknown = run(&["login", "--bogus", "x"], None);
    assert_eq!(unknown.status.code(), Some(2));
    assert_says(&unknown, "unknown flag --bogus");
    let missing = run(
        &[
            "login",
            "--profile",
            "makini-admin",
            "--client-id",
            "x",
            "--token-file",
            "/tmp/x",
        ],
        None,
    );
    assert_says(&missing, "--token-endpoint");

    // Client authentication flags: an unknown method, key flags without a
    // key, private_key_jwt without one, and a key file that is not a key
    // (named, its content never shown).
    let admin = [
        "login",
        "--profile",
        "makini-admin",
        "--client-id",
        "x",
        "--token-endpoint",
        "https://admin.example/token",
        "--token-file",
        "/tmp/x",
    ];
    let with = |more: &[&str]| run(&[&admin[..], more].concat(), None);
    let said = text(&with(&["--auth-method", "private_key_jwts"]));
    assert!(
        said.contains("unknown --auth-method \"private_key_jwts\""),
        "{said}"
    );
    let said = text(&with(&["--key-alg", "PS256"]));
    assert!(
        said.contains("--key-alg and --key-id go with --private-key"),
        "{said}"
    );
    let said = text(&with(&["--auth-method", "private_key_jwt"]));
    assert!(
        said.contains("private_key_jwt needs --private-key FILE"),
        "{said}"
    );
    let not_a_key = temp_file("not-a-key");
    std::fs::write(&not_a_key, "secret-looking-content-0123456789").unwrap();
    let said = text(&with(&["--private-key", not_a_key.to_str().unwrap()]));
    assert!(said.contains("is not a PEM text"), "{said}");
    // Makini Admin's method is client_secret_post: a key would go unused.
    let keys: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/peers/oidc-provider/client-keys.json"),
        )
        .unwrap(),
    )
    .unwrap();
    std::fs::write(&not_a_key, keys["registered"][1].to_string()).unwrap();
    let said = text(&with(&["--private-key", not_a_key.to_str().unwrap()]));
    assert!(
        said.contains("--private-key is for private_key_jwt, but the client authenticates with client_secret_post"),
        "{said}"
    );
    assert!(!said.contains("secret-looking-content"), "{said}");
    std::fs::remove_dir_all(not_a_key.parent().unwrap()).unwrap();

    let p = Providers::start().unwrap();
    let file = temp_file("wrong");
    let wrong = run(
        &[
            "login",
            "--profile",
            "makini-admin",
            "--client-id",
            ADMIN_CLIENT_ID,
            "--token-endpoint",
            &p.urls().makini_admin.token_endpoint,
            "--token-file",
            file.to_str().unwrap(),
        ],
        Some("wrong-secret-value"),
    );
    assert_eq!(wrong.status.code(), Some(2));
    let said = text(&wrong);
    assert!(
        said.contains("invalid_client") && said.contains("fix_configuration"),
        "{said}"
    );
    assert!(!said.contains("wrong-secret-value"), "{said}");
    assert!(!file.exists());
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

/// Two holders of one connection (a server's token file and a cron job's
/// copy): through a shared store, the stale copy takes the other's rotated
/// pair instead of replaying the refresh token it holds; without the store,
/// the same stale copy replays it.
#[test]
fn a_stale_token_file_with_a_shared_store_takes_the_rotated_pair() {
    let p = Providers::start().unwrap();
    let server = temp_file("shared-server");
    let dir = server.parent().unwrap().to_owned();
    let (cron, unshared, store) = (
        dir.join("cron.json"),
        dir.join("unshared.json"),
        dir.join("store"),
    );
    admin_login(&p, &server, &[]);
    std::fs::copy(&server, &cron).unwrap();
    std::fs::copy(&server, &unshared).unwrap();
    let first = stored_refresh_token(&server).unwrap();
    let store_arg = store.to_str().unwrap();
    let refresh = |file: &Path, shared: bool| {
        let mut args = vec!["refresh", "--token-file", file.to_str().unwrap(), "--force"];
        if shared {
            args.extend(["--store-dir", store_arg]);
        }
        run(&args, Some(ADMIN_CLIENT_SECRET))
    };

    let renewed = refresh(&server, true);
    assert!(renewed.status.success(), "{}", text(&renewed));
    let rotated = stored_refresh_token(&server).unwrap();
    assert_ne!(rotated, first);
    // The cron job's copy still holds the first pair, which is dead now.
    assert_eq!(stored_refresh_token(&cron).unwrap(), first);
    let stale = refresh(&cron, true);
    assert!(stale.status.success(), "{}", text(&stale));
    assert_eq!(
        stored_refresh_token(&cron).unwrap(),
        rotated,
        "took the rotated pair"
    );
    let stats = p.stats().client(ADMIN_CLIENT_ID);
    assert_eq!(
        (stats.refreshes, stats.replays),
        (1, 0),
        "one refresh, no replay"
    );

    let call = run(
        &[
            "call",
            "--token-file",
            cron.to_str().unwrap(),
            "--store-dir",
            store_arg,
            "connections",
        ],
        Some(ADMIN_CLIENT_SECRET),
    );
    assert!(call.status.success(), "{}", text(&call));

    // The counter-case: the same stale copy without the store replays.
    let replayed = refresh(&unshared, false);
    assert_eq!(
        p.stats().client(ADMIN_CLIENT_ID).replays,
        1,
        "{}",
        text(&replayed)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two cron jobs run `refresh --force` on one token file at once (no
/// store): the token file's lock lets one refresh while the other waits,
/// and the other, reading the file again under the lock, takes the rotated
/// pair instead of replaying the refresh token both read at start. The
/// first refresh is made slow at the provider, so both processes have read
/// the file before either has written it.
#[test]
fn concurrent_forced_refreshes_of_one_token_file_refresh_once() {
    let p = Providers::start().unwrap();
    let file = temp_file("concurrent");
    let file_arg = file.to_str().unwrap();
    link_login(&p, &file);
    let first = stored_refresh_token(&file).unwrap();
    p.set_fault_spec(
        Endpoint::MakiniLinkToken,
        FaultSpec::new(Fault::Slow).delay_ms(2500),
    );
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_authflowkit"))
            .args(["refresh", "--token-file", file_arg, "--force"])
            .env("AUTHFLOW_CLIENT_SECRET", LINK_CLIENT_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (one, two) = (spawn(), spawn());
    let (one, two) = (
        one.wait_with_output().unwrap(),
        two.wait_with_output().unwrap(),
    );
    let stats = p.stats().client(LINK_CLIENT_ID);
    assert_eq!(
        (stats.refreshes, stats.replays),
        (1, 0),
        "one refresh, no replay:\n{}\n{}",
        text(&one),
        text(&two)
    );
    assert!(one.status.success(), "{}", text(&one));
    assert!(two.status.success(), "{}", text(&two));
    let said = format!("{}{}", text(&one), text(&two));
    assert!(
        said.contains("another process renewed the tokens"),
        "the loser says it used the fresh pair: {said}"
    );
    let newest = stored_refresh_token(&file).expect("the file keeps a refresh token");
    assert_ne!(newest, first);
    assert!(!said.contains(&newest), "a refresh token was printed");
    // The file holds the live pair: it calls, and it refreshes again.
    let call = run(
        &["call", "--token-file", file_arg, "sites"],
        Some(LINK_CLIENT_SECRET),
    );
    assert!(call.status.success(), "{}", text(&call));
    forced_refresh(&file, LINK_CLIENT_SECRET);
    let stats = p.stats().client(LINK_CLIENT_ID);
    assert_eq!((stats.refreshes, stats.replays), (2, 0));
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

/// Client credentials with `--scope`: when the CLI gets new tokens by
/// client credentials again (here: the refresh token died, as when a stale
/// copy refreshed, and the next `refresh --force` re-authenticates), it
/// asks for the scope again, so the API that needs it still answers.
#[test]
fn client_credentials_keep_their_scope_when_tokens_are_obtained_again() {
    const SCOPE: &str = "connections:read";
    let p = Providers::start().unwrap();
    p.set_admin_api_scope(Some(SCOPE));
    let file = temp_file("scope");
    let file_arg = file.to_str().unwrap();
    let stale = file.parent().unwrap().join("stale.json");
    admin_login(&p, &file, &["--scope", SCOPE]);
    let call = || {
        run(
            &["call", "--token-file", file_arg, "connections"],
            Some(ADMIN_CLIENT_SECRET),
        )
    };
    let first_call = call();
    assert!(first_call.status.success(), "{}", text(&first_call));
    assert_eq!(stored_scopes(&file), vec![SCOPE.to_owned()]);

    // A copy refreshes first, so the file's refresh token is dead: the
    // file's next renewal has to use client credentials.
    std::fs::copy(&file, &stale).unwrap();
    forced_refresh(&stale, ADMIN_CLIENT_SECRET);
    // One run: the refused refresh is followed by client credentials in
    // the same run (issue 13 item 2), which ask for the scope again.
    forced_refresh(&file, ADMIN_CLIENT_SECRET);
    let stats = p.stats().client(ADMIN_CLIENT_ID);
    assert_eq!(
        stats.token_requests_for("client_credentials"),
        2,
        "the CLI authenticated again: {stats:?}"
    );
    assert_eq!(
        stored_scopes(&file),
        vec![SCOPE.to_owned()],
        "the new token has the scope"
    );
    let second_call = call();
    assert!(second_call.status.success(), "{}", text(&second_call));
    assert!(
        String::from_utf8_lossy(&second_call.stdout).contains("conn_1"),
        "{}",
        text(&second_call)
    );
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

/// `login --resource` (RFC 8707): the resources go into the token file, so
/// that renewals ask for them again; one that is no absolute URI is refused
/// before anything is sent.
#[test]
fn login_resources_are_saved_for_every_renewal() {
    let p = Providers::start().unwrap();
    let file = temp_file("resources");
    // One: the local Makini Admin refuses any repeated parameter (RFC 6749
    // §3.2), as Makini does; RFC 8707 servers take several (the token
    // file's own test keeps two).
    let resources = ["https://api.example/"];
    admin_login(&p, &file, &["--resource", resources[0]]);
    let stored_resources = || {
        let stored: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        stored["resources"].clone()
    };
    assert_eq!(stored_resources(), serde_json::json!(resources));
    forced_refresh(&file, ADMIN_CLIENT_SECRET);
    assert_eq!(stored_resources(), serde_json::json!(resources));

    let urls = p.urls();
    let refused = run(
        &[
            "login",
            "--profile",
            "makini-admin",
            "--client-id",
            ADMIN_CLIENT_ID,
            "--token-endpoint",
            &urls.makini_admin.token_endpoint,
            "--token-file",
            file.to_str().unwrap(),
            "--resource",
            "https://api.example/#v1",
        ],
        Some(ADMIN_CLIENT_SECRET),
    );
    assert!(!refused.status.success());
    assert_says(&refused, "fragment");
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

/// The loopback listener (RFC 8252 §7.3): a request that is not the
/// redirect (a browser's /favicon.ico) gets a 404 and the login goes on;
/// the browser hears "Signed in" only after the exchange; `--redirect-uri`
/// with a path and `localhost`; a login nobody finishes stops after
/// `--timeout` naming the redirect URI; a port in use names the port and
/// `--port`.
#[test]
fn the_loopback_listener_waits_for_its_path_and_gives_up_in_time() {
    let p = Providers::start().unwrap();
    let urls = p.urls();
    let file = temp_file("loopback");
    let login = |more: &[&str]| {
        let mut args = vec![
            "login",
            "--profile",
            "makini-link",
            "--client-id",
            LINK_CLIENT_ID,
            "--no-browser",
            "--authorization-endpoint",
            &urls.makini_link.authorization_endpoint,
            "--token-endpoint",
            &urls.makini_link.token_endpoint,
            "--api-base",
            &urls.makini_link.api_v4,
            "--token-file",
            file.to_str().unwrap(),
        ];
        args.extend_from_slice(more);
        Command::new(env!("CARGO_BIN_EXE_authflowkit"))
            .args(args)
            .env("AUTHFLOW_CLIENT_SECRET", LINK_CLIENT_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let transport = Transport::default();
    let get = |url: &str| {
        transport
            .send(&authflowkit_core::HttpRequest {
                method: authflowkit_core::Method::Get,
                url: url.to_owned(),
                headers: vec![],
                body: Default::default(),
            })
            .unwrap()
    };

    let mut child = login(&["--redirect-uri", "http://localhost:0/cb/app"]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.starts_with("http"))
        .unwrap();
    let location = get(&url).header("Location").unwrap().to_owned();
    assert!(location.starts_with("http://localhost:"), "{location}");
    let origin = location
        .split("/cb/app")
        .next()
        .unwrap()
        .replace("localhost", "127.0.0.1");
    assert_eq!(get(&format!("{origin}/favicon.ico")).status, 404);
    let page = get(&location.replace("localhost", "127.0.0.1"));
    assert!(String::from_utf8_lossy(&page.body).contains("Signed in"));
    assert!(child.wait().unwrap().success());
    assert!(stored_refresh_token(&file).is_some());

    let gave_up = login(&["--port", "0", "--timeout", "1"])
        .wait_with_output()
        .unwrap();
    assert_eq!(gave_up.status.code(), Some(2));
    let said = String::from_utf8_lossy(&gave_up.stderr);
    assert!(
        said.contains("no sign-in came back to http://127.0.0.1:"),
        "{said}"
    );
    assert!(said.contains("within 1 s"), "{said}");

    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let in_use = login(&["--port", &port]).wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&in_use.stderr);
    assert!(
        said.contains(&format!("127.0.0.1:{port}")) && said.contains("--port"),
        "{said}"
    );

    let not_loopback = login(&["--redirect-uri", "http://example.com/cb"])
        .wait_with_output()
        .unwrap();
    let said = String::from_utf8_lossy(&not_loopback.stderr);
    assert!(said.contains("is not a loopback http URL"), "{said}");
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

/// A token endpoint on 127.0.0.1 that records every request's body (and
/// whether it carried a DPoP proof) and answers with `ACCESS_TOKEN`:
/// `token_type` DPoP for a proved request, Bearer otherwise; and, at
/// `/device`, a device authorization endpoint.
struct TokenEndpoint {
    url: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

const ACCESS_TOKEN: &str = "at-generic-0123456789abcdef";

impl TokenEndpoint {
    fn start() -> TokenEndpoint {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/oauth/token", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let (mut length, mut proved) = (0usize, false);
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    let header = header.trim_end().to_ascii_lowercase();
                    if header.is_empty() {
                        break;
                    }
                    if let Some(value) = header.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap();
                    }
                    proved |= header.starts_with("dpop:");
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                log.lock().unwrap().push(String::from_utf8(body).unwrap());
                let kind = if proved { "DPoP" } else { "Bearer" };
                // Its device authorization endpoint (RFC 8628 §3.2): the
                // user "approved" already, so the first poll gets tokens.
                let answer = if line.contains(" /device ") {
                    r#"{"device_code":"dc-0123456789","user_code":"ABCD-EFGH","verification_uri":"https://as.example/device","expires_in":600,"interval":1}"#.to_owned()
                } else {
                    format!(
                        r#"{{"access_token":"{ACCESS_TOKEN}","token_type":"{kind}","expires_in":3600,"scope":"read"}}"#
                    )
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        TokenEndpoint { url, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// A [`TokenEndpoint`], and where a token file `name` goes in a new
/// directory (removed when the guard drops).
fn generic_server(name: &str) -> (TokenEndpoint, tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    (TokenEndpoint::start(), dir, file)
}

/// `authflowkit login` at the token endpoint `url` alone (a generic server)
/// as `client_id`, into `file`, with `more` flags.
fn generic_login(
    url: &str,
    client_id: &str,
    file: &str,
    more: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut args = vec![
        "login",
        "--token-endpoint",
        url,
        "--client-id",
        client_id,
        "--token-file",
        file,
    ];
    args.extend_from_slice(more);
    authflow(&args, env)
}

/// Item 8 of issue 17 at a generic server known by its token endpoint
/// alone: client credentials with the client's method, `--scope` and
/// `--param` in the token request, no API base invented (a relative
/// `call` is refused before anything is sent), then `token` (the token
/// only) and `status` (nothing secret).
#[test]
fn client_credentials_at_a_generic_token_endpoint_then_token_and_status() {
    let (server, _dir, file) = generic_server("svc.json");
    let file_arg = file.to_str().unwrap();
    let secret = [("AUTHFLOW_CLIENT_SECRET", "svc-secret-0123456789")];
    let login = generic_login(
        &server.url,
        "svc",
        file_arg,
        &[
            "--grant",
            "client-credentials",
            "--auth-method",
            "post",
            "--scope",
            "read",
            "--param",
            "audience=https://api.example/",
            "--param",
            "tenant=t 1",
        ],
        &secret,
    );
    assert!(login.status.success(), "{}", text(&login));
    assert!(!text(&login).contains(ACCESS_TOKEN), "{}", text(&login));
    assert_eq!(
        server.seen(),
        ["grant_type=client_credentials&scope=read&client_id=svc&client_secret=svc-secret-0123456789&audience=https%3A%2F%2Fapi.example%2F&tenant=t+1"]
    );
    let stored = std::fs::read_to_string(&file).unwrap();
    assert!(!stored.contains("api_base"), "{stored}");

    let call = authflow(&["call", "--token-file", file_arg, "users/me"], &secret);
    assert_eq!(call.status.code(), Some(2));
    assert!(
        text(&call).contains("names no API base") && text(&call).contains("--api-base"),
        "{}",
        text(&call)
    );
    assert_eq!(server.seen().len(), 1, "nothing more was sent");

    let token = authflow(&["token", "--token-file", file_arg], &secret);
    assert!(token.status.success(), "{}", text(&token));
    assert_eq!(
        String::from_utf8_lossy(&token.stdout),
        format!("{ACCESS_TOKEN}\n")
    );

    // The client's own tokens are asked for again the same way when
    // renewed (there is no refresh token); `--param` was login's only.
    let renewed = authflow(&["refresh", "--token-file", file_arg, "--force"], &secret);
    assert!(renewed.status.success(), "{}", text(&renewed));
    assert_eq!(
        server.seen()[1..],
        ["grant_type=client_credentials&scope=read&client_id=svc&client_secret=svc-secret-0123456789"]
    );

    let status = authflow(&["status", "--token-file", file_arg], &[]);
    assert!(status.status.success(), "{}", text(&status));
    let said = text(&status);
    for line in [
        format!("token endpoint: {}", server.url),
        "client id: svc (authenticates with client_secret_post)".to_owned(),
        "scopes: read".to_owned(),
        "API base: none (call needs one: log in with --api-base URL)".to_owned(),
        "token type: Bearer".to_owned(),
        "refresh token: no".to_owned(),
    ] {
        assert!(said.lines().any(|l| l == line), "{line:?} in {said}");
    }
    // An hour's token, shown as a person reads it (not in seconds).
    assert!(
        said.lines()
            .any(|l| l.starts_with("access token: expires in ") && !l.ends_with(" s")),
        "{said}"
    );
    assert!(
        !said.contains(ACCESS_TOKEN) && !said.contains("svc-secret"),
        "{said}"
    );
}

/// `--param` never replaces what authflow sets (the error names the flag
/// that does, and is given before anything is sent); the password grant
/// reads the password from AUTHFLOW_PASSWORD only (no terminal here:
/// without it, an error naming the variable), sends `--username` and the
/// password, and prints neither.
#[test]
fn reserved_params_are_refused_and_the_password_comes_from_the_environment() {
    let (server, _dir, file) = generic_server("user.json");
    let file_arg = file.to_str().unwrap();
    let login = |more: &[&str], env: &[(&str, &str)]| {
        generic_login(&server.url, "app", file_arg, more, env)
    };
    for (param, named) in [
        ("client_id=evil", "(use --client-id)"),
        ("state=fixed", "authflow sets state itself"),
        ("code_verifier=x", "authflow sets code_verifier itself"),
        ("redirect_uri=https://evil.example/", "(use --redirect-uri)"),
        ("novalue", "--param takes NAME=VALUE"),
    ] {
        let refused = login(&["--grant", "password", "--param", param], &[]);
        assert_eq!(refused.status.code(), Some(2));
        assert!(
            text(&refused).contains(named),
            "{param}: {}",
            text(&refused)
        );
        assert!(!text(&refused).contains("evil"), "{}", text(&refused));
    }
    let no_password = login(&["--grant", "password", "--username", "alice"], &[]);
    assert_eq!(no_password.status.code(), Some(2));
    assert_says(&no_password, "AUTHFLOW_PASSWORD");
    assert!(server.seen().is_empty(), "{:?}", server.seen());

    let password = "pw-0123456789-wonderland";
    let signed_in = login(
        &[
            "--grant",
            "password",
            "--username",
            "alice",
            "--auth-method",
            "none",
        ],
        &[("AUTHFLOW_PASSWORD", password)],
    );
    assert!(signed_in.status.success(), "{}", text(&signed_in));
    assert!(!text(&signed_in).contains(password));
    assert_eq!(
        server.seen(),
        [format!(
            "grant_type=password&username=alice&password={password}&client_id=app"
        )]
    );
    assert!(!std::fs::read_to_string(&file).unwrap().contains(password));

    // --device is --grant device; a conflicting pair is a mistake.
    let both = login(&["--device", "--grant", "password"], &[]);
    assert_says(&both, "--device is --grant device");
}

/// `--param` with the device grant: in the device authorization request
/// and in its polls.
#[test]
fn device_login_sends_the_params_with_the_authorization_and_the_polls() {
    let (server, _dir, file) = generic_server("tv.json");
    let device_endpoint = server.url.replace("/oauth/token", "/device");
    let login = generic_login(
        &server.url,
        "tv",
        file.to_str().unwrap(),
        &[
            "--grant",
            "device",
            "--device-authorization-endpoint",
            &device_endpoint,
            "--param",
            "tenant=t1",
        ],
        &[],
    );
    assert!(login.status.success(), "{}", text(&login));
    assert_eq!(
        server.seen(),
        [
            "client_id=tv&tenant=t1",
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dc-0123456789&client_id=tv&tenant=t1"
        ]
    );
}

/// A DPoP-bound token is never printed for use as a Bearer token: `token`
/// refuses it and says to use `call`; `status` says it is bound.
#[test]
fn token_refuses_a_dpop_bound_token() {
    let (server, _dir, file) = generic_server("bound.json");
    let file_arg = file.to_str().unwrap();
    let secret = [("AUTHFLOW_CLIENT_SECRET", "svc-secret-0123456789")];
    let login = generic_login(
        &server.url,
        "svc",
        file_arg,
        &["--grant", "client-credentials", "--dpop"],
        &secret,
    );
    assert!(login.status.success(), "{}", text(&login));
    let token = authflow(&["token", "--token-file", file_arg], &secret);
    assert_eq!(token.status.code(), Some(2));
    assert!(token.stdout.is_empty());
    let said = text(&token);
    assert!(
        said.contains("bound to a DPoP key") && said.contains("never as a Bearer token"),
        "{said}"
    );
    assert!(!said.contains(ACCESS_TOKEN), "{said}");
    let status = authflow(&["status", "--token-file", file_arg], &[]);
    assert!(
        text(&status).contains("token type: DPoP (bound to the DPoP key"),
        "{}",
        text(&status)
    );
}

/// Every command's `--help` shows its flags and an example, under the
/// binary's name.
#[test]
fn every_command_has_help_with_an_example() {
    for command in [
        "login",
        "refresh",
        "call",
        "token",
        "status",
        "revoke",
        "introspect",
        "userinfo",
        "logout",
    ] {
        let help = authflow(&[command, "--help"], &[]);
        assert!(help.status.success());
        let said = String::from_utf8_lossy(&help.stdout);
        assert!(
            said.starts_with(&format!("usage: authflowkit {command} ")),
            "{said}"
        );
        let example = said.split("example:\n").nth(1).unwrap_or_default();
        assert!(
            example.contains(&format!("authflowkit {command} ")),
            "{said}"
        );
    }
    let overview = authflow(&["--help"], &[]);
    assert!(String::from_utf8_lossy(&overview.stdout).contains("authflowkit token --token-file F"));
    let nothing = authflow(&[], &[]);
    assert_eq!(nothing.status.code(), Some(2));
}

/// Issue 17 item 11, as the `authflow` binary says it: a missing secret
/// names AUTHFLOW_CLIENT_SECRET; a server that does not answer is named
/// by host and path (never a token or the query); tokens that cannot be
/// renewed say to run `authflowkit login` again.
#[test]
fn messages_say_what_to_do_next() {
    let (server, _dir, file) = generic_server("m.json");
    let file_arg = file.to_str().unwrap();
    let no_secret = generic_login(
        &server.url,
        "svc",
        file_arg,
        &["--grant", "client-credentials"],
        &[],
    );
    assert_eq!(no_secret.status.code(), Some(2));
    assert_says(&no_secret, "AUTHFLOW_CLIENT_SECRET");

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/oauth/token", listener.local_addr().unwrap())
    };
    let gone = generic_login(
        &format!("{closed}?tenant=x"),
        "svc",
        file_arg,
        &["--grant", "client-credentials"],
        &[("AUTHFLOW_CLIENT_SECRET", "svc-secret-0123456789")],
    );
    assert_eq!(gone.status.code(), Some(2));
    let said = text(&gone);
    assert!(
        said.contains(&format!("no answer from {closed}:")),
        "{said}"
    );
    assert!(
        !said.contains("svc-secret") && !said.contains("tenant"),
        "{said}"
    );

    // The password grant's answer has no refresh token: renewing it is
    // the user's to do.
    let login = generic_login(
        &server.url,
        "app",
        file_arg,
        &[
            "--grant",
            "password",
            "--username",
            "alice",
            "--auth-method",
            "none",
        ],
        &[("AUTHFLOW_PASSWORD", "pw-0123456789")],
    );
    assert!(login.status.success(), "{}", text(&login));
    let forced = authflow(&["refresh", "--token-file", file_arg, "--force"], &[]);
    assert_eq!(forced.status.code(), Some(2));
    assert_says(&forced, "run `authflowkit login` again");
}

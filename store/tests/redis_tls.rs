//! `rediss://` against a redis-server started here on 127.0.0.1 with TLS
//! only (`--port 0`: no plain TCP port), its certificate signed by a CA this
//! test makes with the openssl CLI (scripts/redis-tools.sh installs both).

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used)] // test code

use authflowkit_core::fleet::{owner_id, FleetSession, StoreKey};
use authflowkit_core::{Client, ClientSecret, Error, ErrorKind, Profile, Session};
use authflowkit_store::{RedisOptions, RedisStore, SharedFleetSession, TokenStore};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "tls-test-redis-password";
/// Written through TLS, then looked for in every error text.
const VALUE: &str = "stored-token-set-value-7f3a";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `openssl` in `dir` with `args` (split at spaces).
fn openssl(dir: &Path, args: &str) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args.split_whitespace())
        .output()
        .expect("openssl is installed (scripts/redis-tools.sh installs it)");
    assert!(
        output.status.success(),
        "openssl {args}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CA (`<name>-ca.pem`), and, signed by it, a server certificate for
/// `127.0.0.1` only (`<name>-server.pem`, `<name>-server.key`).
fn make_ca_and_server_certificate(dir: &Path, name: &str) {
    const NEW_KEY: &str = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    openssl(
        dir,
        &format!(
            "req -x509 {NEW_KEY} -keyout {name}-ca.key -out {name}-ca.pem -days 2 \
             -subj /CN=authflow-test-CA-{name} -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
    );
    openssl(
        dir,
        &format!(
            "req -new {NEW_KEY} -keyout {name}-server.key -out {name}-server.csr \
             -subj /CN=127.0.0.1"
        ),
    );
    std::fs::write(
        dir.join(format!("{name}-server.ext")),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &format!(
            "x509 -req -in {name}-server.csr -CA {name}-ca.pem -CAkey {name}-ca.key \
             -CAcreateserial -out {name}-server.pem -days 2 -extfile {name}-server.ext"
        ),
    );
}

/// A redis-server on 127.0.0.1 that speaks TLS only, with a password;
/// killed when dropped.
struct TlsRedis {
    port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl TlsRedis {
    fn start() -> TlsRedis {
        let dir = tempfile::tempdir().unwrap();
        make_ca_and_server_certificate(dir.path(), "good");
        make_ca_and_server_certificate(dir.path(), "other");
        let port = free_port();
        let child = Command::new("redis-server")
            .current_dir(dir.path())
            .args(["--port", "0", "--tls-port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--requirepass", PASSWORD])
            .args(["--tls-cert-file", "good-server.pem"])
            .args(["--tls-key-file", "good-server.key"])
            .args(["--tls-ca-cert-file", "good-ca.pem"])
            .args(["--tls-auth-clients", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/redis-tools.sh installs it)");
        let mut redis = TlsRedis { port, child, dir };
        // Listening is enough: the tests below are about what happens next.
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = redis.child.try_wait().unwrap() {
                panic!("redis-server exited ({status}): built without TLS?");
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn url(&self, scheme: &str, host: &str) -> String {
        format!("{scheme}://:{PASSWORD}@{host}:{}/0", self.port)
    }

    /// The PEM of CA `name` (`good` signed the server's certificate).
    fn ca(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(format!("{name}-ca.pem"))).unwrap()
    }

    /// A store over TLS that trusts the server's CA.
    fn trusted(&self) -> RedisStore {
        RedisStore::open_with(
            &self.url("rediss", "127.0.0.1"),
            RedisOptions::new().with_ca_pem(self.ca("good")),
        )
        .unwrap()
    }
}

/// No secret in a text the store or the fleet shows.
fn assert_no_secret(shown: &str) {
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(!shown.contains(VALUE), "{shown}");
}

/// The error a fleet session over `store` gives its callers: the store's
/// failure as `store_unavailable`, never a panic.
fn fleet_error(store: RedisStore) -> Error {
    let profile = Profile::makini_admin("https://admin.example/oauth/token").unwrap();
    let client = Client::new(profile, "tls-test-client")
        .with_client_secret(ClientSecret::new("tls-test-client-secret"));
    let key = StoreKey::for_connection(&client, "default");
    let fleet = FleetSession::new(Session::new(client, None), key, owner_id(&[7; 16]));
    let tokens = SharedFleetSession::new(fleet, store, |_| {
        panic!("no request is sent without the store")
    });
    tokens.access_token().unwrap_err()
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// `rediss://` with the server's CA: every store operation over TLS. The
/// server has no plain port (`--port 0`), so this is a TLS connection.
#[test]
fn rediss_with_its_ca_keeps_the_store_contract_over_tls() {
    let redis = TlsRedis::start();
    let store = redis.trusted();
    authflowkit_store::conformance::check(&store, "tls").unwrap();
    assert!(store.compare_and_set("tls:value", 0, 1, VALUE).unwrap());
    let read = store.get("tls:value").unwrap().unwrap();
    assert_eq!((read.generation, read.value.as_str()), (1, VALUE));
    let shown = format!("{store:?} {read:?}");
    assert_no_secret(&shown);
    assert!(shown.contains("tls: true"), "{shown}");
    assert!(shown.contains(&redis.port.to_string()), "{shown}");
}

/// The TLS port does not speak plain Redis: a `redis://` store fails (an
/// error in bounded time, not a hang), where `rediss://` works.
#[test]
fn plain_redis_to_the_tls_port_fails() {
    let redis = TlsRedis::start();
    let store = RedisStore::open(&redis.url("redis", "127.0.0.1")).unwrap();
    let started = Instant::now();
    let error = store.get("k").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "{error}");
    assert!(error.contains("127.0.0.1"), "{error}");
    assert_no_secret(&error);
    assert!(format!("{store:?}").contains("tls: false"));
    assert!(redis.trusted().get("k").unwrap().is_none());
}

/// A certificate the store does not trust (the system's roots, another CA)
/// or that names another host is an error that says so, through the fleet
/// `store_unavailable`. The first case panicked before the store installed
/// a crypto provider.
#[test]
fn an_untrusted_certificate_is_a_store_error_not_a_panic() {
    let redis = TlsRedis::start();
    assert!(redis.trusted().compare_and_set("k", 0, 1, VALUE).unwrap());
    let system_roots = RedisStore::open(&redis.url("rediss", "127.0.0.1")).unwrap();
    let other_ca = RedisStore::open_with(
        &redis.url("rediss", "127.0.0.1"),
        RedisOptions::new().with_ca_pem(redis.ca("other")),
    )
    .unwrap();
    // The certificate names 127.0.0.1 only.
    let other_name = RedisStore::open_with(
        &redis.url("rediss", "localhost"),
        RedisOptions::new().with_ca_pem(redis.ca("good")),
    )
    .unwrap();
    for (store, why) in [
        (system_roots, "UnknownIssuer"),
        (other_ca, "UnknownIssuer"),
        (other_name, "not valid for name"),
    ] {
        let error = store.get("k").unwrap_err();
        assert!(error.contains("TLS: invalid peer certificate"), "{error}");
        assert!(error.contains(why), "{error}");
        assert_no_secret(&error);
        let error = fleet_error(store);
        assert_eq!(error.kind(), ErrorKind::StoreUnavailable, "{error}");
        assert!(error.to_string().contains(why), "{error}");
        assert_no_secret(&format!("{error} {error:?}"));
    }
}

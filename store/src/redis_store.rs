//! A store in Redis, for processes anywhere.

use authflowkit_core::fleet::{StoredRecord, TokenStore};
use authflowkit_core::{Error, ErrorKind};
use redis::{Client, Connection, ConnectionAddr, ConnectionLike, Script, TlsCertificates};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use zeroize::Zeroizing;

/// Writes the value with a new generation only if the stored generation
/// (absent: 0) is the expected one: the compare-and-set in one atomic step.
const COMPARE_AND_SET: &str = r"
local current = redis.call('HGET', KEYS[1], 'g')
if not current then current = '0' end
if current == ARGV[1] then
  redis.call('HSET', KEYS[1], 'g', ARGV[2], 'v', ARGV[3])
  return 1
end
return 0
";

/// Takes the lease if free, or restarts its time to live if `owner` holds it.
const TAKE_LEASE: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
";

/// Deletes the lease only if `owner` holds it: a holder whose lease expired
/// must not release the next holder's.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Token sets in Redis hashes (`g`: generation, `v`: the token set's
/// versioned JSON form), leases as keys holding their owner with a `PX`
/// time to live; the compare-and-set, the lease and its release are Lua
/// scripts (one atomic step each). One connection per
/// store, re-opened after any error (a restarted server).
///
/// Redis holds live tokens, in clear (the values are the token sets' JSON
/// forms): give it a password or an ACL user, and use `rediss://` (TLS)
/// when it leaves the host. Plain `redis://` is accepted only to this host
/// (a loopback address, `localhost`, a Unix socket) unless
/// [`RedisOptions::allow_plaintext_remote`] says otherwise.
pub struct RedisStore {
    client: Client,
    connection: Mutex<Option<Connection>>,
    timeout: Duration,
    compare_and_set: Script,
    take_lease: Script,
    release: Script,
    /// Where it connects, without credentials: for `Debug` and errors.
    address: String,
    tls: bool,
}

/// How [`RedisStore::open_with`] connects: the CA that signed a private
/// Redis's certificate, and the opt-in to plain `redis://` to another host.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use authflowkit_store::{RedisOptions, RedisStore};
///
/// // A Redis whose certificate a private CA signed:
/// let ca = std::fs::read("/etc/redis/tls/ca.pem")?;
/// let store = RedisStore::open_with(
///     "rediss://:PASSWORD@redis.internal:6380/0",
///     RedisOptions::new().with_ca_pem(ca),
/// )?;
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct RedisOptions {
    ca_pem: Option<Vec<u8>>,
    allow_plaintext_remote: bool,
}

impl RedisOptions {
    /// The defaults: `rediss://` servers checked against the system's trust
    /// store, plain `redis://` only to this host.
    pub fn new() -> RedisOptions {
        RedisOptions::default()
    }

    /// Trusts the CA certificate(s) in `pem` (PEM, one or more `CERTIFICATE`
    /// blocks) for `rediss://`, instead of the system's trust store: for a
    /// Redis whose certificate a private CA signed. The server's
    /// certificate must still name the URL's host.
    pub fn with_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> RedisOptions {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Accepts plain `redis://` to a host other than this one. The password,
    /// the tokens and the leases then cross the network in clear: only for
    /// a network where nobody else can listen (a private link, a tunnel or
    /// a service mesh that encrypts); `rediss://` is the way otherwise.
    pub fn allow_plaintext_remote(mut self) -> RedisOptions {
        self.allow_plaintext_remote = true;
        self
    }
}

impl std::fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisOptions")
            .field("ca_pem", &self.ca_pem.is_some())
            .field("allow_plaintext_remote", &self.allow_plaintext_remote)
            .finish()
    }
}

impl RedisStore {
    /// A store at `url`: `redis://[[user]:password@]host[:port][/db]` or
    /// `rediss://…` for TLS (checked against the system's trust store), or
    /// `redis+unix:///path`. Plain `redis://` must point at this host (see
    /// [`RedisOptions::allow_plaintext_remote`]). Connects on first use;
    /// each operation gives up after 5 seconds.
    ///
    /// TLS is rustls with ring: the first `rediss://` store makes ring the
    /// process's rustls crypto provider, unless the application installed
    /// one before (`CryptoProvider::install_default`), which is then used.
    pub fn open(url: &str) -> Result<RedisStore, Error> {
        RedisStore::open_with(url, RedisOptions::new())
    }

    /// A store at `url` (as [`RedisStore::open`]) with `options`: a CA of
    /// your own for `rediss://`, or plain `redis://` to another host.
    pub fn open_with(url: &str, options: RedisOptions) -> Result<RedisStore, Error> {
        let configuration = |what: String| Error::new(ErrorKind::Configuration, what);
        let unusable =
            |e: redis::RedisError| configuration(format!("Redis URL not usable: {:?}", e.kind()));
        let client = match &options.ca_pem {
            None => Client::open(url).map_err(unusable)?,
            Some(pem) => {
                let client = Client::open(url).map_err(unusable)?;
                if !matches!(
                    client.get_connection_info().addr(),
                    ConnectionAddr::TcpTls { .. }
                ) {
                    return Err(configuration(
                        "Redis: a CA (RedisOptions::with_ca_pem) is for rediss:// URLs".to_owned(),
                    ));
                }
                // Zero certificates would trust nothing: every connection
                // would fail later, far from the mistake.
                let certificates = CertificateDer::pem_slice_iter(pem)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| configuration("Redis CA: not PEM certificates".to_owned()))?;
                if certificates.is_empty() {
                    return Err(configuration(
                        "Redis CA: no CERTIFICATE block in the PEM".to_owned(),
                    ));
                }
                let certificates = TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                };
                Client::build_with_tls(url, certificates)
                    .map_err(|e| configuration(format!("Redis CA not usable: {:?}", e.kind())))?
            }
        };
        let address = client.get_connection_info().addr().to_string();
        let tls = match client.get_connection_info().addr() {
            ConnectionAddr::Tcp(host, _) => {
                if !options.allow_plaintext_remote && !is_this_host(host) {
                    return Err(configuration(format!(
                        "Redis at {address}: plain redis:// to another host sends the password \
                         and the tokens in clear; use rediss:// (TLS), or opt in with \
                         RedisOptions::allow_plaintext_remote (Python: \
                         allow_plaintext_remote=True) on a network nobody else can read"
                    )));
                }
                false
            }
            ConnectionAddr::TcpTls { insecure: true, .. } => {
                return Err(configuration(format!(
                    "Redis at {address}: #insecure turns the certificate check off; give the \
                     CA that signed the server's certificate (RedisOptions::with_ca_pem) instead"
                )));
            }
            ConnectionAddr::TcpTls { .. } => {
                install_crypto_provider();
                true
            }
            _ => false,
        };
        Ok(RedisStore {
            client,
            connection: Mutex::new(None),
            timeout: Duration::from_secs(5),
            compare_and_set: Script::new(COMPARE_AND_SET),
            take_lease: Script::new(TAKE_LEASE),
            release: Script::new(RELEASE),
            address,
            tls,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<Connection>> {
        // The connection is replaced whole or dropped: nothing half-done.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `operation` on the connection, opening it first if needed; any
    /// error drops it, so the next operation connects afresh.
    fn with_connection<T>(
        &self,
        operation: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> Result<T, String> {
        let mut slot = self.lock();
        if slot.as_ref().is_none_or(|c| !c.is_open()) {
            let connection = self
                .client
                .get_connection_with_timeout(self.timeout)
                .and_then(|c| {
                    c.set_read_timeout(Some(self.timeout))?;
                    c.set_write_timeout(Some(self.timeout))?;
                    Ok(c)
                })
                .map_err(|e| self.describe(&e))?;
            *slot = Some(connection);
        }
        let Some(connection) = slot.as_mut() else {
            return Err(format!("Redis at {}: not connected", self.address));
        };
        operation(connection).map_err(|e| {
            *slot = None;
            self.describe(&e)
        })
    }

    /// The error's kind and code, never its whole text: a server's reply
    /// could echo what it was sent. A TLS failure says what failed (an
    /// untrusted certificate, one for another name): rustls's errors
    /// describe certificates and protocol steps, never data sent.
    fn describe(&self, error: &redis::RedisError) -> String {
        let detail = if let Some(tls) = tls_error(error) {
            format!("TLS: {tls}")
        } else if error.is_io_error() {
            "connection failed".to_owned()
        } else {
            format!("{:?}", error.kind())
        };
        format!("Redis at {}: {detail}", self.address)
    }
}

/// Makes ring the process's rustls crypto provider unless one is installed.
///
/// The redis crate builds its TLS configuration from the process default,
/// and rustls infers that default only when exactly one provider feature is
/// compiled in anywhere in the program: none (this crate alone) or two (an
/// application that also uses aws-lc-rs) made the first `rediss://`
/// connection panic. ring: already in the graph, builds with a C compiler
/// only, and has the suites Redis servers offer. An application that
/// installed its own provider first (e.g. a FIPS one) keeps it.
fn install_crypto_provider() {
    // Err only means a provider is installed already: the one to use.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The rustls error under a connection error, if the TLS handshake failed.
fn tls_error(error: &redis::RedisError) -> Option<&rustls::Error> {
    let mut next = std::error::Error::source(error);
    while let Some(mut current) = next {
        // The redis crate keeps the cause in an `Arc`, and `io::Error` its
        // own: neither's `source` is the error it holds.
        if let Some(shared) = current.downcast_ref::<Arc<dyn std::error::Error + Send + Sync>>() {
            current = shared.as_ref();
        }
        if let Some(inner) = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            current = inner;
        }
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        next = current.source();
    }
    None
}

/// Whether `host` (as the redis crate parsed it: IPv6 without brackets) is
/// this machine: a loopback address or `localhost`.
fn is_this_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("address", &self.address)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl TokenStore for RedisStore {
    fn get(&self, key: &str) -> Result<Option<StoredRecord>, String> {
        let (generation, value): (Option<u64>, Option<String>) =
            self.with_connection(|c| redis::cmd("HMGET").arg(key).arg("g").arg("v").query(c))?;
        Ok(match (generation, value) {
            (Some(generation), Some(value)) => Some(StoredRecord {
                generation,
                value: Zeroizing::new(value),
            }),
            _ => None,
        })
    }

    fn compare_and_set(
        &self,
        key: &str,
        expected: u64,
        new_generation: u64,
        value: &str,
    ) -> Result<bool, String> {
        let written: i64 = self.with_connection(|c| {
            self.compare_and_set
                .key(key)
                .arg(expected)
                .arg(new_generation)
                .arg(value)
                .invoke(c)
        })?;
        Ok(written == 1)
    }

    fn take_lease(&self, key: &str, owner: &str, ttl_ms: u64) -> Result<bool, String> {
        let taken: i64 = self.with_connection(|c| {
            self.take_lease
                .key(key)
                .arg(owner)
                .arg(ttl_ms.max(1))
                .invoke(c)
        })?;
        Ok(taken == 1)
    }

    fn release_lease(&self, key: &str, owner: &str) -> Result<(), String> {
        let _: i64 = self.with_connection(|c| self.release.key(key).arg(owner).invoke(c))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// TLS is compiled in (`rediss://` opens), and no URL's password shows.
    #[test]
    fn rediss_urls_open_and_passwords_never_show() {
        for (url, tls) in [
            ("rediss://:s3cret-pw@redis.internal:6380/0", true),
            ("redis://app-user:s3cret-pw@127.0.0.1:6379/2", false),
        ] {
            let store = RedisStore::open(url).unwrap();
            let shown = format!("{store:?}");
            assert!(!shown.contains("s3cret-pw"), "{shown}");
            assert!(shown.contains(&format!("tls: {tls}")), "{shown}");
        }
        let error = RedisStore::open("http://:s3cret-pw@x/").unwrap_err();
        assert!(!error.to_string().contains("s3cret-pw"), "{error}");
    }

    /// Plain `redis://` to a host other than this one sends the password
    /// and the tokens in clear: refused, naming the opt-in, unless opted in.
    #[test]
    fn plain_redis_to_another_host_is_refused_unless_allowed() {
        for url in [
            "redis://:s3cret-pw@10.0.0.5:6379/0",
            "redis://app-user:s3cret-pw@redis.internal/0",
            "redis://:s3cret-pw@[2001:db8::1]:6379",
            "redis://:s3cret-pw@127.0.0.1.example.com/0",
        ] {
            let error = RedisStore::open(url).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Configuration, "{url}");
            let shown = format!("{error} {error:?}");
            assert!(shown.contains("allow_plaintext_remote"), "{shown}");
            assert!(!shown.contains("s3cret-pw"), "{shown}");
            let allowed = RedisOptions::new().allow_plaintext_remote();
            let store = RedisStore::open_with(url, allowed).unwrap();
            assert!(format!("{store:?}").contains("tls: false"));
        }
        for url in [
            "redis://:s3cret-pw@127.0.0.1:6379/0",
            "redis://127.0.0.2",
            "redis://LOCALHOST:6379",
            "redis://[::1]:6379",
            "redis+unix:///run/redis.sock",
            "rediss://:s3cret-pw@redis.internal:6380/0",
        ] {
            RedisStore::open(url).unwrap();
        }
    }

    /// Mistakes in the TLS options are configuration errors at `open`, not
    /// connections that fail later.
    #[test]
    fn tls_options_are_checked_when_opened() {
        let ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let cases = [
            ("redis://:s3cret-pw@127.0.0.1/0", Some(ca), "rediss://"),
            (
                "rediss://:s3cret-pw@127.0.0.1/0",
                Some("not a PEM"),
                "no CERTIFICATE",
            ),
            ("rediss://:s3cret-pw@127.0.0.1/0", Some(ca), "CA not usable"),
            (
                "rediss://:s3cret-pw@127.0.0.1/#insecure",
                None,
                "with_ca_pem",
            ),
        ];
        for (url, ca, expected) in cases {
            let options = match ca {
                Some(pem) => RedisOptions::new().with_ca_pem(pem),
                None => RedisOptions::new(),
            };
            let error = RedisStore::open_with(url, options).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Configuration, "{url}");
            let shown = format!("{error} {error:?}");
            assert!(shown.contains(expected), "{shown}");
            assert!(!shown.contains("s3cret-pw"), "{shown}");
        }
    }
}

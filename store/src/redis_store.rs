//! A store in Redis, for processes anywhere.

use authflow_core::fleet::{StoredRecord, TokenStore};
use authflow_core::{Error, ErrorKind};
use redis::{Client, Connection, ConnectionLike, Script};
use std::sync::{Mutex, MutexGuard};
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
/// Redis holds the tokens: give it a password or an ACL user, and use
/// `rediss://` (TLS) when it leaves the host.
pub struct RedisStore {
    client: Client,
    connection: Mutex<Option<Connection>>,
    timeout: Duration,
    compare_and_set: Script,
    take_lease: Script,
    release: Script,
    /// Where it connects, without credentials: for `Debug` and errors.
    address: String,
}

impl RedisStore {
    /// A store at `url`: `redis://[[user]:password@]host[:port][/db]` or
    /// `rediss://…` for TLS. Connects on first use; each operation gives up
    /// after 5 seconds.
    pub fn open(url: &str) -> Result<RedisStore, Error> {
        let client = Client::open(url).map_err(|e| {
            Error::new(
                ErrorKind::Configuration,
                format!("Redis URL not usable: {:?}", e.kind()),
            )
        })?;
        let info = client.get_connection_info();
        let address = info.addr().to_string();
        Ok(RedisStore {
            client,
            connection: Mutex::new(None),
            timeout: Duration::from_secs(5),
            compare_and_set: Script::new(COMPARE_AND_SET),
            take_lease: Script::new(TAKE_LEASE),
            release: Script::new(RELEASE),
            address,
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
    /// could echo what it was sent.
    fn describe(&self, error: &redis::RedisError) -> String {
        let detail = if error.is_io_error() {
            "connection failed".to_owned()
        } else {
            format!("{:?}", error.kind())
        };
        format!("Redis at {}: {detail}", self.address)
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("address", &self.address)
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
        for url in [
            "rediss://:s3cret-pw@redis.internal:6380/0",
            "redis://app-user:s3cret-pw@127.0.0.1:6379/2",
        ] {
            let store = RedisStore::open(url).unwrap();
            let shown = format!("{store:?}");
            assert!(!shown.contains("s3cret-pw"), "{shown}");
        }
        let error = RedisStore::open("http://:s3cret-pw@x/").unwrap_err();
        assert!(!error.to_string().contains("s3cret-pw"), "{error}");
    }
}

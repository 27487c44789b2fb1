//! A store in a directory, for processes on one host (a server and the
//! CLI's scheduled `refresh` job).

use crate::secret_file::{read, replace, FileLock};
use crate::system_now_ms;
use authflowkit_core::fleet::{StoredRecord, TokenStore};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// One file per key in a directory. Every operation holds an exclusive lock
/// on the key's `.lock` file (an OS advisory lock: released when a process
/// dies); values are replaced atomically and durably
/// ([`crate::secret_file::replace`]), so a crash leaves the old value or the
/// new one. Files are created readable by their owner only. Leases expire
/// by the host's wall clock.
#[derive(Debug, Clone)]
pub struct FileStore {
    directory: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct ValueFile {
    generation: u64,
    value: Zeroizing<String>,
}

#[derive(Serialize, Deserialize)]
struct LeaseFile {
    owner: String,
    until_ms: u64,
}

impl FileStore {
    /// A store in `directory`, created if missing.
    pub fn new(directory: impl Into<PathBuf>) -> io::Result<FileStore> {
        let directory = directory.into();
        fs::create_dir_all(&directory)?;
        Ok(FileStore { directory })
    }

    /// The file for `key` with `extension`: the key with every byte outside
    /// `[A-Za-z0-9._-]` percent-encoded, so any key is one file name.
    fn path(&self, key: &str, extension: &str) -> PathBuf {
        let mut name = String::with_capacity(key.len() + extension.len());
        for byte in key.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
                name.push(char::from(byte));
            } else {
                name.push_str(&format!("%{byte:02X}"));
            }
        }
        name.push_str(extension);
        self.directory.join(name)
    }

    /// Runs `operation` holding the exclusive lock of `key`.
    fn locked<T>(&self, key: &str, operation: impl FnOnce() -> io::Result<T>) -> Result<T, String> {
        let _lock =
            FileLock::acquire(&self.path(key, ".lock")).map_err(|e| describe("lock", &e))?;
        operation().map_err(|e| describe("file", &e))
    }
}

fn describe(what: &str, error: &io::Error) -> String {
    format!("{what}: {}", error.kind())
}

fn read_value(path: &Path) -> io::Result<Option<ValueFile>> {
    let Some(bytes) = read(path)? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "malformed value file"))
}

/// The lease at `path`, if there is a readable one.
fn read_lease(path: &Path) -> io::Result<Option<LeaseFile>> {
    Ok(read(path)?.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

impl TokenStore for FileStore {
    fn get(&self, key: &str) -> Result<Option<StoredRecord>, String> {
        let path = self.path(key, ".json");
        let value = self.locked(key, || read_value(&path))?;
        Ok(value.map(|v| StoredRecord {
            generation: v.generation,
            value: v.value,
        }))
    }

    fn compare_and_set(
        &self,
        key: &str,
        expected: u64,
        new_generation: u64,
        value: &str,
    ) -> Result<bool, String> {
        let path = self.path(key, ".json");
        self.locked(key, || {
            let current = read_value(&path)?.map_or(0, |v| v.generation);
            if current != expected {
                return Ok(false);
            }
            let file = ValueFile {
                generation: new_generation,
                value: Zeroizing::new(value.to_owned()),
            };
            let json = Zeroizing::new(serde_json::to_vec(&file).map_err(io::Error::other)?);
            replace(&path, &json)?;
            Ok(true)
        })
    }

    fn take_lease(&self, key: &str, owner: &str, ttl_ms: u64) -> Result<bool, String> {
        let path = self.path(key, ".json");
        self.locked(key, || {
            let now = system_now_ms();
            let held = read_lease(&path)?
                .is_some_and(|lease| now < lease.until_ms && lease.owner != owner);
            if held {
                return Ok(false);
            }
            let lease = LeaseFile {
                owner: owner.to_owned(),
                until_ms: now.saturating_add(ttl_ms),
            };
            replace(
                &path,
                &serde_json::to_vec(&lease).map_err(io::Error::other)?,
            )?;
            Ok(true)
        })
    }

    fn release_lease(&self, key: &str, owner: &str) -> Result<(), String> {
        let path = self.path(key, ".json");
        self.locked(key, || {
            let mine = read_lease(&path)?.is_some_and(|lease| lease.owner == owner);
            if mine {
                fs::remove_file(&path)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keeps_the_store_contract() {
        let directory = tempfile::tempdir().unwrap();
        let store = FileStore::new(directory.path()).unwrap();
        crate::conformance::check(&store, "file").unwrap();
    }

    #[test]
    fn any_key_is_one_file_name_and_files_are_private() {
        let directory = tempfile::tempdir().unwrap();
        let store = FileStore::new(directory.path()).unwrap();
        let key = "authflow:v1:makini_link:https%3A//x/../y:client:user/1";
        assert!(store.compare_and_set(key, 0, 1, "secret-value").unwrap());
        let names: Vec<_> = fs::read_dir(directory.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(
            names.iter().all(|n| !n.contains('/') && !n.contains(':')),
            "{names:?}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path(key, ".json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner only");
        }
        assert_eq!(
            store.get(key).unwrap().unwrap().value.as_str(),
            "secret-value"
        );
    }

    /// What a killed writer may leave beside a value, under the name the
    /// store used for its temporary file: a world-readable file, or a link
    /// somewhere else. Neither gets the secret or widens who can read it.
    #[cfg(unix)]
    #[test]
    fn a_leftover_temporary_file_is_never_reused() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let store = FileStore::new(directory.path()).unwrap();
        let readable = store.path("readable", ".json.new");
        fs::write(&readable, b"").unwrap();
        fs::set_permissions(&readable, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(store
            .compare_and_set("readable", 0, 1, "secret-one")
            .unwrap());
        let mode = fs::metadata(store.path("readable", ".json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only");

        let elsewhere = directory.path().join("elsewhere");
        fs::write(&elsewhere, b"").unwrap();
        std::os::unix::fs::symlink(&elsewhere, store.path("linked", ".json.new")).unwrap();
        assert!(store.compare_and_set("linked", 0, 1, "secret-two").unwrap());
        assert_eq!(fs::read(&elsewhere).unwrap(), b"", "written through a link");
        assert_eq!(
            store.get("linked").unwrap().unwrap().value.as_str(),
            "secret-two"
        );
    }
}

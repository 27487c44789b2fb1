//! Files that hold secrets, for processes on one host: the file store's
//! values and the CLI's token file. They are created readable by their
//! owner only, replaced atomically and durably, and guarded by an advisory
//! lock that the operating system releases when a process dies.

use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use zeroize::Zeroizing;

/// How many temporary names [`replace`] tries before giving up: another
/// name is only needed when one is taken, which a random name makes rare.
const NAME_ATTEMPTS: u32 = 16;

/// An exclusive advisory lock on a lock file, held until dropped. Every
/// process that writes the guarded file takes it first; one that dies
/// holding it loses it at once.
#[derive(Debug)]
pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Waits for the exclusive lock on `path`, creating the file (readable
    /// by its owner only) if it is missing.
    pub fn acquire(path: &Path) -> io::Result<FileLock> {
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true).read(true);
        owner_only(&mut options);
        let file = options.open(path)?;
        file.lock()?;
        Ok(FileLock { file })
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlock first to say so.
        let _ = self.file.unlock();
    }
}

#[cfg(unix)]
fn owner_only(options: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(0o600);
}

#[cfg(not(unix))]
fn owner_only(_options: &mut OpenOptions) {}

/// Replaces `path` with `contents`, so that a crash at any point leaves the
/// old file or the new one, never half of either: the contents go to a new
/// file beside it (a name no other writer uses, created exclusively, so a
/// leftover of a killed run or a planted link is never written through),
/// are flushed to disk, renamed over `path`, and the directory is flushed
/// so that the rename itself survives a power loss.
pub fn replace(path: &Path, contents: &[u8]) -> io::Result<()> {
    let directory = directory_of(path);
    let (temporary, mut file) = create_temporary(path)?;
    let written = (|| {
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    sync_directory(directory)
}

/// Reads `path`, `None` if it does not exist; wiped when dropped.
pub fn read(path: &Path) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The directory `path` is in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A new owner-only file beside `path`, `.<name>.<unique>.tmp`.
fn create_temporary(path: &Path) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
        .to_string_lossy()
        .into_owned();
    let mut last = None;
    for _ in 0..NAME_ATTEMPTS {
        let temporary = directory_of(path).join(format!(".{name}.{}.tmp", unique_suffix()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        owner_only(&mut options);
        match options.open(&temporary) {
            Ok(file) => return Ok((temporary, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// A name part no other process or thread uses at the same time: the
/// process id (unique among live processes), a counter (unique within this
/// process) and a hash keyed by the operating system's random source (so
/// that a restarted process with the same id does not repeat itself).
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = RandomState::new().hash_one((std::process::id(), count));
    format!("{}-{count}-{random:016x}", std::process::id())
}

/// Flushes `directory` itself: its entries (a rename) are only durable
/// once it is. Windows has no such call for directories; NTFS journals
/// the rename.
#[cfg(unix)]
fn sync_directory(directory: &Path) -> io::Result<()> {
    File::open(directory)?.sync_all()
}

#[cfg(not(unix))]
fn sync_directory(_directory: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn replaces_whole_and_leaves_no_temporary_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("value.json");
        replace(&path, b"one").unwrap();
        replace(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(directory.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["value.json"]);
    }

    #[test]
    fn temporary_names_differ_every_time() {
        let names: std::collections::HashSet<_> = (0..1000).map(|_| unique_suffix()).collect();
        assert_eq!(names.len(), 1000);
    }

    /// The directory flush opens the directory: it is a real call, which
    /// fails where there is no directory to flush.
    #[cfg(unix)]
    #[test]
    fn the_directory_is_flushed() {
        let directory = tempfile::tempdir().unwrap();
        sync_directory(directory.path()).unwrap();
        assert!(sync_directory(&directory.path().join("missing")).is_err());
    }

    #[test]
    fn a_lock_is_exclusive_until_dropped() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("value.lock");
        let held = FileLock::acquire(&path).unwrap();
        let other = OpenOptions::new().write(true).open(&path).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(held);
        other.try_lock().unwrap();
    }
}

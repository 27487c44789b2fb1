//! A store in this process's memory.

use authflowkit_core::fleet::{StoredRecord, TokenStore};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

#[derive(Default)]
struct Contents {
    values: HashMap<String, StoredRecord>,
    leases: HashMap<String, (String, Instant)>,
}

/// Token sets and leases in memory: for the threads of one process, and
/// for tests. Leases expire by this process's monotonic clock.
#[derive(Default)]
pub struct MemoryStore {
    contents: Mutex<Contents>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Contents> {
        // Every change below is a single insert or remove: a panic while
        // holding the lock cannot leave half of one.
        self.contents
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets every value and lease, as a store restarted without
    /// persistence would.
    pub fn clear(&self) {
        let mut contents = self.lock();
        contents.values.clear();
        contents.leases.clear();
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("keys", &self.lock().values.len())
            .finish()
    }
}

impl TokenStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<StoredRecord>, String> {
        Ok(self.lock().values.get(key).cloned())
    }

    fn compare_and_set(
        &self,
        key: &str,
        expected: u64,
        new_generation: u64,
        value: &str,
    ) -> Result<bool, String> {
        let mut contents = self.lock();
        let current = contents.values.get(key).map_or(0, |r| r.generation);
        if current != expected {
            return Ok(false);
        }
        contents.values.insert(
            key.to_owned(),
            StoredRecord {
                generation: new_generation,
                value: Zeroizing::new(value.to_owned()),
            },
        );
        Ok(true)
    }

    fn take_lease(&self, key: &str, owner: &str, ttl_ms: u64) -> Result<bool, String> {
        let now = Instant::now();
        let mut contents = self.lock();
        if contents
            .leases
            .get(key)
            .is_some_and(|(held_by, until)| now < *until && held_by != owner)
        {
            return Ok(false);
        }
        let until = now + Duration::from_millis(ttl_ms);
        contents
            .leases
            .insert(key.to_owned(), (owner.to_owned(), until));
        Ok(true)
    }

    fn release_lease(&self, key: &str, owner: &str) -> Result<(), String> {
        let mut contents = self.lock();
        if contents
            .leases
            .get(key)
            .is_some_and(|(held_by, _)| held_by == owner)
        {
            contents.leases.remove(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keeps_the_store_contract() {
        crate::conformance::check(&MemoryStore::new(), "memory").unwrap();
    }
}

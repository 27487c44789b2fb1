//! The file store's value files (authflowkit-store `FileStore`), as another
//! process or a damaged disk may leave them: reading one never panics, a
//! value read is written back under the next generation and read again
//! unchanged, and the token set inside is read as the fleet reads it.
#![no_main]

use authflowkit_core::fleet::TokenStore;
use authflowkit_core::TokenSet;
use authflowkit_store::FileStore;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// One store directory for the run; key `k` lives in `k.json`.
fn store() -> &'static (tempfile::TempDir, FileStore) {
    static STORE: OnceLock<(tempfile::TempDir, FileStore)> = OnceLock::new();
    STORE.get_or_init(|| {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let store = FileStore::new(directory.path()).expect("a file store");
        (directory, store)
    })
}

fuzz_target!(|data: &[u8]| {
    let (directory, store) = store();
    std::fs::write(directory.path().join("k.json"), data).expect("the value file is written");
    let Ok(Some(record)) = store.get("k") else {
        return;
    };
    let _ = TokenSet::from_json(&record.value);
    let next = record.generation.wrapping_add(1);
    if next == 0 {
        return;
    }
    let written = store
        .compare_and_set("k", record.generation, next, &record.value)
        .expect("a value read can be written back");
    assert!(written, "the generation read is the file's");
    let again = store.get("k").expect("read again").expect("still there");
    assert_eq!(again.generation, next);
    assert_eq!(again.value.as_str(), record.value.as_str());
});

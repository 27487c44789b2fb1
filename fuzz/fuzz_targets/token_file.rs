//! The CLI's token file (the `authflowkit` crate's `token_file`), as an older
//! version, another tool or a damaged disk may leave it: loading never
//! panics, and what loads is saved and loaded again to the same client
//! configuration and token set.
#![no_main]

use authflowkit_cli::token_file::{self, Saved, TokenFile};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// One directory for the run: the file under test and its copy.
fn directory() -> &'static tempfile::TempDir {
    static DIRECTORY: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIRECTORY.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
}

fuzz_target!(|data: &[u8]| {
    let given = directory().path().join("tokens.json");
    std::fs::write(&given, data).expect("the token file is written");
    let Ok(loaded) = token_file::load(&given, None) else {
        return;
    };
    let copy = directory().path().join("copy.json");
    let _ = std::fs::remove_file(&copy);
    let file = TokenFile::lock(&copy).expect("the copy's lock");
    let saved = file
        .save(&loaded.client, &loaded.tokens, None)
        .expect("what loads can be saved");
    assert_eq!(saved, Saved::Written(1));
    let again = file.load(None).expect("what was saved loads");
    assert!(again.client.profile() == loaded.client.profile(), "the profile changed");
    assert_eq!(again.client.scopes(), loaded.client.scopes());
    assert_eq!(again.client.client_id(), loaded.client.client_id());
    assert_eq!(again.client.redirect_uri(), loaded.client.redirect_uri());
    assert!(again.tokens == loaded.tokens, "the token set changed");
});

//! The core's form reader and writer against `form_urlencoded` (the WHATWG
//! URL standard's `application/x-www-form-urlencoded`, which the core
//! followed through that crate before it read and wrote forms itself): on
//! the same bytes both read the same pairs (the reader of text, which a
//! redirect's query goes through, too), and both write the same text for
//! any value. Every callback, request body and query goes through them.
#![no_main]

use authflowkit_core::{form_encoded, form_pairs, form_pairs_of_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let theirs: Vec<(String, String)> = form_urlencoded::parse(data)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    assert_eq!(form_pairs(data), theirs);
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(form_pairs_of_text(text), theirs);
    }
    let text = String::from_utf8_lossy(data);
    let written: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
    assert_eq!(form_encoded(&text), written);
});

//! The core's JSON reader against serde_json on the same bytes: both accept
//! or both refuse, and what is read is the same value (the core's, written
//! back out and read by serde_json, equals serde_json's own reading).
//! serde_json alone refuses numbers beyond f64's range, which the core keeps
//! as text; the core alone refuses an object that names a member twice
//! (serde_json keeps the last). The reader of responses (one level deep,
//! borrowing) is held to the generic one: for every input it reads the same
//! object, or refuses the same input.
#![no_main]

use authflowkit_core::json::{parse_object, parse_object_shallow, Value};
use libfuzzer_sys::fuzz_target;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;

/// Whether every object in a document names each member once.
struct UniqueNames(bool);

impl<'de> Deserialize<'de> for UniqueNames {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueNamesVisitor)
    }
}

struct UniqueNamesVisitor;

impl<'de> Visitor<'de> for UniqueNamesVisitor {
    type Value = UniqueNames;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueNames, A::Error> {
        let (mut unique, mut seen) = (true, HashSet::new());
        while let Some(name) = map.next_key::<String>()? {
            unique &= map.next_value::<UniqueNames>()?.0 && seen.insert(name);
        }
        Ok(UniqueNames(unique))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueNames, A::Error> {
        let mut unique = true;
        while let Some(item) = seq.next_element::<UniqueNames>()? {
            unique &= item.0;
        }
        Ok(UniqueNames(unique))
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueNames, E> {
        Ok(UniqueNames(true))
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueNames, E> {
        Ok(UniqueNames(true))
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueNames, E> {
        Ok(UniqueNames(true))
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueNames, E> {
        Ok(UniqueNames(true))
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueNames, E> {
        Ok(UniqueNames(true))
    }
    fn visit_unit<E>(self) -> Result<UniqueNames, E> {
        Ok(UniqueNames(true))
    }
}

fuzz_target!(|data: &[u8]| {
    assert_eq!(
        parse_object_shallow(data),
        parse_object(data),
        "the response reader and the generic one disagree"
    );
    let ours = Value::parse(data);
    let reference = serde_json::from_slice::<serde_json::Value>(data);
    match (ours, reference) {
        (Some(ours), Ok(reference)) => {
            let written = ours.to_json();
            let again: serde_json::Value =
                serde_json::from_str(&written).expect("what the core writes is JSON");
            assert_eq!(again, reference, "the core read {written}");
            assert_eq!(
                Value::parse(written.as_bytes()).as_ref(),
                Some(&ours),
                "written and read again, the value changed"
            );
        }
        (None, Err(_)) => {}
        (Some(ours), Err(error)) => assert!(
            error.to_string().contains("number out of range"),
            "the core accepted what serde_json refuses ({error}): {ours:?}"
        ),
        (None, Ok(reference)) => assert!(
            serde_json::from_slice::<UniqueNames>(data).is_ok_and(|names| !names.0),
            "the core refused what serde_json reads: {reference}"
        ),
    }
});

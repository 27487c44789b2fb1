//! The core's JSON reader against serde_json on the same bytes: both accept
//! or both refuse, and what is read is the same value (the core's, written
//! back out and read by serde_json, equals serde_json's own reading).
//! serde_json alone refuses numbers beyond f64's range, which the core keeps
//! as text.
#![no_main]

use authflow_core::json::Value;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
        (None, Ok(reference)) => panic!("the core refused what serde_json reads: {reference}"),
    }
});

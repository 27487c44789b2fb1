//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1): each input line is one
//! field line. What parses must survive being written back in canonical
//! form (every parameter value quoted) and read again unchanged, and the
//! RFC 6750 error path that reads it must not panic.
#![no_main]

use authflowkit_core::{Challenge, Client, HttpResponse, Profile};
use libfuzzer_sys::fuzz_target;

/// A challenge list as a sender would write it: `Scheme token68` or
/// `Scheme name="value", …`, challenges joined by `, `.
fn write(challenges: &[Challenge]) -> String {
    let written: Vec<String> = challenges
        .iter()
        .map(|challenge| {
            if let Some(token68) = challenge.token68() {
                return format!("{} {token68}", challenge.scheme());
            }
            let params: Vec<String> = challenge
                .params()
                .iter()
                .map(|(name, value)| {
                    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
                    format!("{name}=\"{escaped}\"")
                })
                .collect();
            if params.is_empty() {
                challenge.scheme().to_owned()
            } else {
                format!("{} {}", challenge.scheme(), params.join(", "))
            }
        })
        .collect();
    written.join(", ")
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.split('\n').collect();
    if let Ok(challenges) = Challenge::parse_all(lines.iter().copied()) {
        for challenge in &challenges {
            assert!(!challenge.scheme().is_empty());
            assert!(challenge.token68().is_none() || challenge.params().is_empty());
            for (i, (name, _)) in challenge.params().iter().enumerate() {
                assert_eq!(
                    challenge.param(name),
                    Some(challenge.params()[i].1.as_str())
                );
            }
        }
        let written = write(&challenges);
        let again = Challenge::parse_all([written.as_str()]).expect("a written list parses");
        assert_eq!(again, challenges, "{written}");
        // One field line or several: the same list (RFC 9110 §5.3).
        let joined = lines.join(", ");
        assert_eq!(
            Challenge::parse_all([joined.as_str()]).ok(),
            Some(challenges)
        );
    }
    let headers: Vec<(String, String)> = lines
        .iter()
        .map(|line| ("WWW-Authenticate".to_owned(), (*line).to_owned()))
        .collect();
    let client = Client::new(Profile::makeshift(), "key");
    for status in [400u16, 401, 403] {
        let response = HttpResponse::new(status, headers.clone(), Vec::new());
        if let Err(error) = client.check_api_response(0, &response) {
            let _ = format!("{error} {error:?}");
        }
    }
});

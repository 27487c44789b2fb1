//! The ID token vectors (`tests/vectors/openid/id_token.json`) through the
//! path without signatures, `IdTokenCheck::validate_claims` and
//! `validate_refreshed_claims` (feature `openid-claims`, the browser
//! package's): every case gives what it gives with the signature checked,
//! but the cases about the signature or the key alone, whose tokens carry
//! valid claims and pass. So both paths make the same claim checks.
//!
//! Runs with the default features and with `--no-default-features
//! --features openid-claims` (no crypto crate compiled).

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

#[path = "support/id_token_check_spec.rs"]
mod id_token_check_spec;
use authflowkit_core::{
    json::object_to_json, AccessToken, AuthorizationCode, Error, IdToken, IdTokenCheck,
    IdTokenClaims, JwsAlgorithm,
};
use serde_json::{json, Value};

/// Cases about the signature or the key only: the path without signatures
/// does not look at either, and their claims are valid.
const SIGNATURE_ONLY: [&str; 4] = [
    "unknown_kid",
    "kid_of_a_key_of_another_type",
    "bad_signature",
    "tampered_payload",
];

fn cases() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/openid/id_token.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn claims_json(c: &IdTokenClaims) -> Value {
    let extra: Value = serde_json::from_str(&object_to_json(&c.extra)).unwrap();
    json!({
        "iss": c.iss, "sub": c.sub, "aud": c.aud, "exp": c.exp, "iat": c.iat, "nbf": c.nbf,
        "nonce": c.nonce, "azp": c.azp, "auth_time": c.auth_time, "at_hash": c.at_hash,
        "c_hash": c.c_hash, "acr": c.acr, "amr": c.amr, "sid": c.sid, "extra": extra,
    })
}

fn run(case: &Value) -> Result<IdTokenClaims, Error> {
    let input = &case["input"];
    let now = case["now"].as_u64().unwrap();
    let check = id_token_check_spec::id_token_check(&input["check"]);
    let token = |key: &str| IdToken::new(input[key].as_str().unwrap_or_default());
    let access = input["access_token"].as_str().map(AccessToken::new);
    match case["operation"].as_str().unwrap() {
        "validate_id_token" => {
            let code = input["code"].as_str().map(AuthorizationCode::new);
            check.validate_claims(&token("id_token"), now, access.as_ref(), code.as_ref())
        }
        "validate_refreshed_id_token" => {
            let original_now = input["original_now"].as_u64().unwrap_or(now);
            let original = check.validate_claims(&token("original"), original_now, None, None)?;
            check.validate_refreshed_claims(&token("id_token"), now, access.as_ref(), &original)
        }
        other => panic!("unexpected operation {other}"),
    }
}

#[test]
fn every_claim_check_is_made_without_the_signature() {
    let cases = cases();
    let mut ran = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let outcome = run(case);
        ran += 1;
        if SIGNATURE_ONLY.contains(&name) {
            let claims = outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(claims.iss, "https://op.example", "{name}");
            continue;
        }
        match (&case["expect"].get("error"), outcome) {
            (None, Ok(claims)) => {
                assert_eq!(claims_json(&claims), case["expect"]["result"], "{name}")
            }
            (None, Err(e)) => panic!("{name}: expected success, got {e}"),
            (Some(_), Ok(_)) => panic!("{name}: expected an error, got claims"),
            (Some(expected), Err(e)) => {
                assert_eq!(e.kind().as_str(), expected["kind"], "{name}");
                assert_eq!(e.action().as_str(), expected["action"], "{name}");
                let reason = case["reason"].as_str().unwrap();
                assert!(e.to_string().contains(reason), "{name}: {e}");
                let id_token = case["input"]["id_token"].as_str().unwrap();
                assert!(!e.to_string().contains(id_token), "{name}: the token shows");
            }
        }
    }
    assert_eq!(ran, 40, "every case of id_token.json");
}

/// §3.1.3.7 item 6 covers the signature only: an unsigned token (`alg`
/// `none`) and a MAC stay refused on the path without signatures, even
/// when the check lists every algorithm authflow knows.
#[test]
fn none_and_macs_are_refused_without_the_signature_too() {
    let check = IdTokenCheck {
        issuer: "https://op.example".into(),
        client_id: "rp-1".into(),
        nonce: None,
        max_age: None,
        algorithms: JwsAlgorithm::ALL.to_vec(),
        clock_skew: 0,
    };
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let payload = URL_SAFE_NO_PAD.encode(
        br#"{"iss":"https://op.example","sub":"u","aud":"rp-1","exp":2000000000,"iat":1700000000}"#,
    );
    for (alg, accepted) in [
        ("none", false),
        ("HS256", false),
        ("RS256", true),
        ("EdDSA", true),
    ] {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
        let token = IdToken::new(format!("{header}.{payload}.c2ln"));
        let outcome = check.validate_claims(&token, 1_700_000_000, None, None);
        assert_eq!(outcome.is_ok(), accepted, "{alg}: {outcome:?}");
    }
}

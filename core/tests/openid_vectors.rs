//! The generator of `tests/vectors/openid/id_token.json` and `jwks.json`:
//! test keys (RSA 2048, P-256, Ed25519) made from fixed seeds, ID tokens
//! signed with them, and one case per check of OpenID Connect Core 1.0
//! §3.1.3.7. The private keys are test-only: they come from the seeds
//! below and sign nothing but these vectors.
//!
//! `cargo test -p authflowkit-core --test openid_vectors -- --ignored`
//! rewrites the files (RS256, ES256 and EdDSA signatures are deterministic;
//! PS256's salt comes from the seeded RNG, so it is too). The vectors are
//! committed; `tests/vectors.rs` runs them like every other file.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_chacha::rand_core::SeedableRng;
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use sha2::Digest;

const ISS: &str = "https://op.example";
const CLIENT: &str = "rp-1";
const NOW: u64 = 1_713_082_414;
const NONCE: &str = "EBESExQVFhcYGRobHB0eHw";
const ACCESS: &str = "at-0123456789abcdef";
const CODE: &str = "c0de-c0de-c0de";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The test keys, from fixed seeds.
struct Keys {
    rsa: rsa::RsaPrivateKey,
    other_rsa: rsa::RsaPrivateKey,
    ec: p256::ecdsa::SigningKey,
    ed: ed25519_dalek::SigningKey,
    rng: rand_chacha::ChaCha20Rng,
}

impl Keys {
    fn new() -> Keys {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let rsa = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
        let other_rsa = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
        Keys {
            rsa,
            other_rsa,
            ec: p256::ecdsa::SigningKey::from_bytes(&[0x11u8; 32].into()).unwrap(),
            ed: ed25519_dalek::SigningKey::from_bytes(&[0x22u8; 32]),
            rng,
        }
    }

    fn rsa_jwk(key: &rsa::RsaPrivateKey, kid: &str) -> Value {
        let public = key.to_public_key();
        json!({"kty": "RSA", "kid": kid, "use": "sig",
               "n": b64(&public.n().to_bytes_be()), "e": b64(&public.e().to_bytes_be())})
    }

    /// The provider's set: its three signing keys and one key authflow
    /// skips (X25519 is for key agreement).
    fn jwks(&self) -> Value {
        let point = self.ec.verifying_key().to_encoded_point(false);
        json!({"keys": [
            Keys::rsa_jwk(&self.rsa, "rsa-1"),
            {"kty": "EC", "crv": "P-256", "kid": "ec-1", "alg": "ES256", "use": "sig",
             "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())},
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed-1", "alg": "EdDSA",
             "x": b64(self.ed.verifying_key().as_bytes())},
            {"kty": "OKP", "crv": "X25519", "kid": "x-1", "use": "enc",
             "x": b64(&[0x33u8; 32])},
        ]})
    }

    /// `header.payload.signature` signed with the key of `alg`
    /// (`other_rsa` for "RS256-other": a signature by a key not in the set).
    fn sign(&mut self, alg: &str, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = match alg {
            "RS256" => rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(self.rsa.clone())
                .sign(input.as_bytes())
                .to_vec(),
            "RS256-other" => rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(self.other_rsa.clone())
                .sign(input.as_bytes())
                .to_vec(),
            "PS256" => rsa::pss::SigningKey::<sha2::Sha256>::new(self.rsa.clone())
                .sign_with_rng(&mut self.rng, input.as_bytes())
                .to_vec(),
            "ES256" => {
                let signature: p256::ecdsa::Signature = self.ec.sign(input.as_bytes());
                signature.to_bytes().to_vec()
            }
            "EdDSA" => self.ed.sign(input.as_bytes()).to_bytes().to_vec(),
            "none" => Vec::new(),
            other => panic!("no key for {other}"),
        };
        format!("{input}.{}", b64(&signature))
    }
}

fn half_hash(alg: &str, value: &str) -> String {
    let digest = if alg == "EdDSA" {
        sha2::Sha512::digest(value.as_bytes()).to_vec()
    } else {
        sha2::Sha256::digest(value.as_bytes()).to_vec()
    };
    b64(&digest[..digest.len() / 2])
}

fn claims(alg: &str) -> Value {
    json!({
        "iss": ISS, "sub": "248289761001", "aud": CLIENT, "exp": NOW + 600, "iat": NOW,
        "nonce": NONCE, "auth_time": NOW - 30, "at_hash": half_hash(alg, ACCESS),
        "acr": "urn:mace:incommon:iap:silver", "amr": ["pwd", "otp"], "sid": "s-1",
        "email": "jane@example.com",
    })
}

fn header(alg: &str, kid: &str) -> Value {
    json!({"alg": alg, "kid": kid, "typ": "JWT"})
}

fn check() -> Value {
    json!({"issuer": ISS, "client_id": CLIENT, "nonce": NONCE,
           "provider_algorithms": ["RS256", "PS256", "ES256", "EdDSA"]})
}

/// The claims object the runners print for a validated token.
fn expected(claims: &Value) -> Value {
    let mut extra = claims.as_object().unwrap().clone();
    let mut take = |name: &str| extra.remove(name).unwrap_or(Value::Null);
    let aud = match take("aud") {
        Value::String(s) => json!([s]),
        other => other,
    };
    let mut result = json!({
        "iss": take("iss"), "sub": take("sub"), "aud": aud, "exp": take("exp"),
        "iat": take("iat"), "nbf": take("nbf"), "nonce": take("nonce"), "azp": take("azp"),
        "auth_time": take("auth_time"), "at_hash": take("at_hash"), "c_hash": take("c_hash"),
        "acr": take("acr"), "sid": take("sid"),
    });
    result["amr"] = match take("amr") {
        Value::Null => json!([]),
        amr => amr,
    };
    result["extra"] = Value::Object(extra);
    result
}

fn case(name: &str, input: Value, expect: Value) -> Value {
    json!({"name": name, "operation": "validate_id_token",
           "profile": {"kind": "generic", "token_endpoint": format!("{ISS}/token"), "issuer": ISS, "openid": true},
           "client": {"client_id": CLIENT}, "now": NOW + 5, "input": input, "expect": expect})
}

fn refused() -> Value {
    json!({"error": {"kind": "id_token_invalid", "action": "authorize_again"}})
}

/// The phrase of the error each refused case must fail with.
const REASONS: [(&str, &str); 32] = [
    ("wrong_iss", "iss is not the issuer"),
    ("wrong_aud", "aud does not contain"),
    ("several_audiences_without_azp", "no azp"),
    ("azp_of_another_client", "azp is not"),
    ("expired", "expired"),
    ("issued_in_the_future", "future (iat)"),
    ("not_valid_yet", "(nbf)"),
    ("nonce_mismatch", "nonce is not"),
    ("nonce_missing", "no nonce"),
    ("at_hash_mismatch", "at_hash"),
    ("c_hash_mismatch", "c_hash"),
    ("missing_sub", "no sub"),
    ("sub_longer_than_255", "sub is empty or longer"),
    ("exp_with_a_fraction", "exp is not a time in whole seconds"),
    ("auth_time_missing_with_max_age", "no auth_time"),
    ("auth_time_older_than_max_age", "longer ago than max_age"),
    ("alg_not_allowed", "not among the algorithms accepted"),
    ("alg_none", "alg \"none\""),
    ("alg_hs256", "alg \"HS256\""),
    ("unknown_kid", "has its kid"),
    ("kid_of_a_key_of_another_type", "has its kid"),
    ("bad_signature", "signature does not verify"),
    ("typ_of_an_access_token", "typ"),
    ("critical_header", "crit"),
    ("tampered_payload", "signature does not verify"),
    ("refreshed_other_sub", "another sub"),
    ("refreshed_other_aud", "another aud"),
    ("refreshed_other_auth_time", "another auth_time"),
    ("refreshed_other_nonce", "another nonce"),
    ("private_members_are_refused", "private key members"),
    (
        "rsa_keys_under_2048_bits_are_refused",
        "shorter than 2048 bits",
    ),
    ("no_keys_array", "no keys array"),
];

fn write(name: &str, description: &str, mut cases: Vec<Value>) {
    for case in &mut cases {
        let name = case["name"].as_str().unwrap_or_default().to_owned();
        if let Some((_, reason)) = REASONS.iter().find(|(n, _)| *n == name) {
            case["reason"] = json!(reason);
        }
        assert!(
            case["expect"].get("error").is_none() || case.get("reason").is_some(),
            "{name}: a refused case names its reason"
        );
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/openid")
        .join(name);
    let mut text = format!(
        "{{\n \"description\": {},\n \"cases\": [\n",
        json!(description)
    );
    let cases: Vec<String> = cases.iter().map(|c| format!("  {c}")).collect();
    text.push_str(&cases.join(",\n"));
    text.push_str("\n ]\n}\n");
    std::fs::write(path, text).unwrap();
}

#[test]
#[ignore = "rewrites tests/vectors/openid/id_token.json and jwks.json"]
fn regenerate() {
    let mut keys = Keys::new();
    let jwks = keys.jwks();
    let mut cases = Vec::new();
    let mut token_case = |keys: &mut Keys,
                          name: &str,
                          alg: &str,
                          header: Value,
                          claims: Value,
                          check: Value,
                          expect: Option<Value>| {
        let token = keys.sign(alg, &header, &claims);
        let input = json!({"id_token": token, "jwks": jwks, "check": check,
                           "access_token": ACCESS, "code": CODE});
        cases.push(case(
            name,
            input,
            expect.unwrap_or_else(|| json!({"result": expected(&claims)})),
        ));
    };
    for (alg, kid) in [
        ("RS256", "rsa-1"),
        ("PS256", "rsa-1"),
        ("ES256", "ec-1"),
        ("EdDSA", "ed-1"),
    ] {
        let name = format!("valid_{}", alg.to_ascii_lowercase());
        token_case(
            &mut keys,
            &name,
            alg,
            header(alg, kid),
            claims(alg),
            check(),
            None,
        );
    }
    let rs = |edit: &dyn Fn(&mut Value)| {
        let mut c = claims("RS256");
        edit(&mut c);
        c
    };
    let h = header("RS256", "rsa-1");
    let bad = Some(refused());
    let mut with = |name: &str, claims: Value, check: Value, expect: Option<Value>| {
        token_case(&mut keys, name, "RS256", h.clone(), claims, check, expect)
    };
    with(
        "wrong_iss",
        rs(&|c| c["iss"] = json!("https://op.example/")),
        check(),
        bad.clone(),
    );
    with(
        "wrong_aud",
        rs(&|c| c["aud"] = json!("rp-2")),
        check(),
        bad.clone(),
    );
    with(
        "several_audiences_without_azp",
        rs(&|c| c["aud"] = json!([CLIENT, "rp-2"])),
        check(),
        bad.clone(),
    );
    with(
        "several_audiences_with_azp",
        rs(&|c| {
            c["aud"] = json!([CLIENT, "rp-2"]);
            c["azp"] = json!(CLIENT);
        }),
        check(),
        None,
    );
    with(
        "azp_of_another_client",
        rs(&|c| c["azp"] = json!("rp-2")),
        check(),
        bad.clone(),
    );
    with(
        "expired",
        rs(&|c| c["exp"] = json!(NOW - 120)),
        check(),
        bad.clone(),
    );
    with(
        "expired_within_leeway",
        rs(&|c| c["exp"] = json!(NOW - 30)),
        check(),
        None,
    );
    with(
        "issued_in_the_future",
        rs(&|c| c["iat"] = json!(NOW + 600)),
        check(),
        bad.clone(),
    );
    with(
        "not_valid_yet",
        rs(&|c| c["nbf"] = json!(NOW + 600)),
        check(),
        bad.clone(),
    );
    with(
        "future_iat_in_local_time_but_not_the_providers",
        rs(&|c| c["iat"] = json!(NOW + 600)),
        {
            let mut skewed = check();
            skewed["clock_skew"] = json!(600);
            skewed
        },
        None,
    );
    with(
        "nonce_mismatch",
        rs(&|c| c["nonce"] = json!("AAAAAAAAAAAAAAAAAAAAAA")),
        check(),
        bad.clone(),
    );
    with(
        "nonce_missing",
        rs(&|c| {
            c.as_object_mut().unwrap().remove("nonce");
        }),
        check(),
        bad.clone(),
    );
    with(
        "at_hash_mismatch",
        rs(&|c| c["at_hash"] = json!(half_hash("RS256", "another"))),
        check(),
        bad.clone(),
    );
    with(
        "c_hash_matches",
        rs(&|c| c["c_hash"] = json!(half_hash("RS256", CODE))),
        check(),
        None,
    );
    with(
        "c_hash_mismatch",
        rs(&|c| c["c_hash"] = json!(half_hash("RS256", "another"))),
        check(),
        bad.clone(),
    );
    with(
        "missing_sub",
        rs(&|c| {
            c.as_object_mut().unwrap().remove("sub");
        }),
        check(),
        bad.clone(),
    );
    with(
        "sub_longer_than_255",
        rs(&|c| c["sub"] = json!("s".repeat(256))),
        check(),
        bad.clone(),
    );
    with(
        "exp_with_a_fraction",
        rs(&|c| c["exp"] = json!(1_713_083_014.5)),
        check(),
        bad.clone(),
    );
    let mut max_age = check();
    max_age["max_age"] = json!(60);
    with(
        "auth_time_within_max_age",
        claims("RS256"),
        max_age.clone(),
        None,
    );
    with(
        "auth_time_missing_with_max_age",
        rs(&|c| {
            c.as_object_mut().unwrap().remove("auth_time");
        }),
        max_age.clone(),
        bad.clone(),
    );
    with(
        "auth_time_older_than_max_age",
        rs(&|c| c["auth_time"] = json!(NOW - 3600)),
        max_age,
        bad.clone(),
    );
    let mut rs256_only = check();
    rs256_only["provider_algorithms"] = json!(["RS256"]);
    token_case(
        &mut keys,
        "alg_not_allowed",
        "ES256",
        header("ES256", "ec-1"),
        claims("ES256"),
        rs256_only,
        bad.clone(),
    );
    token_case(
        &mut keys,
        "alg_none",
        "none",
        json!({"alg": "none"}),
        claims("RS256"),
        check(),
        bad.clone(),
    );
    token_case(
        &mut keys,
        "alg_hs256",
        "RS256",
        header("HS256", "rsa-1"),
        claims("RS256"),
        check(),
        bad.clone(),
    );
    token_case(
        &mut keys,
        "unknown_kid",
        "RS256",
        header("RS256", "rsa-2"),
        claims("RS256"),
        check(),
        bad.clone(),
    );
    token_case(
        &mut keys,
        "kid_of_a_key_of_another_type",
        "RS256",
        header("RS256", "ec-1"),
        claims("RS256"),
        check(),
        bad.clone(),
    );
    token_case(
        &mut keys,
        "no_kid_tries_the_keys_of_the_type",
        "ES256",
        json!({"alg": "ES256"}),
        claims("ES256"),
        check(),
        None,
    );
    token_case(
        &mut keys,
        "bad_signature",
        "RS256-other",
        h.clone(),
        claims("RS256"),
        check(),
        bad.clone(),
    );
    token_case(
        &mut keys,
        "typ_of_an_access_token",
        "RS256",
        json!({"alg": "RS256", "kid": "rsa-1", "typ": "at+jwt"}),
        claims("RS256"),
        check(),
        bad.clone(),
    );
    token_case(
        &mut keys,
        "critical_header",
        "RS256",
        json!({"alg": "RS256", "kid": "rsa-1", "crit": ["exp"], "exp": 1}),
        claims("RS256"),
        check(),
        bad.clone(),
    );

    // A payload swapped under a valid signature.
    let genuine = keys.sign("RS256", &h, &claims("RS256"));
    let mut forged = claims("RS256");
    forged["sub"] = json!("admin");
    let parts: Vec<&str> = genuine.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged.to_string().as_bytes()),
        parts[2]
    );
    cases.push(case(
        "tampered_payload",
        json!({"id_token": tampered, "jwks": jwks, "check": check(), "access_token": ACCESS}),
        refused(),
    ));

    // §12.2: the refresh's ID token, without nonce, against the first.
    let refreshed = |keys: &mut Keys, edit: &dyn Fn(&mut Value)| {
        let mut c = claims("RS256");
        c.as_object_mut().unwrap().remove("nonce");
        c["iat"] = json!(NOW + 3600);
        c["exp"] = json!(NOW + 4200);
        c["at_hash"] = json!(half_hash("RS256", "at-refreshed-0123"));
        edit(&mut c);
        (keys.sign("RS256", &h, &c), c)
    };
    let original = keys.sign("RS256", &h, &claims("RS256"));
    for (name, edit, ok) in [
        (
            "refreshed_same_user",
            (&|_: &mut Value| {}) as &dyn Fn(&mut Value),
            true,
        ),
        (
            "refreshed_other_sub",
            &|c: &mut Value| c["sub"] = json!("someone-else"),
            false,
        ),
        (
            "refreshed_other_aud",
            &|c: &mut Value| {
                c["aud"] = json!([CLIENT, "rp-2"]);
                c["azp"] = json!(CLIENT);
            },
            false,
        ),
        (
            "refreshed_other_auth_time",
            &|c: &mut Value| c["auth_time"] = json!(NOW + 3000),
            false,
        ),
        (
            "refreshed_other_nonce",
            &|c: &mut Value| c["nonce"] = json!("AAAAAAAAAAAAAAAAAAAAAA"),
            false,
        ),
    ] {
        let (token, claims) = refreshed(&mut keys, edit);
        cases.push(json!({"name": name, "operation": "validate_refreshed_id_token",
            "profile": {"kind": "generic", "token_endpoint": format!("{ISS}/token"), "issuer": ISS, "openid": true},
            "client": {"client_id": CLIENT}, "now": NOW + 3605,
            "input": {"original": original, "original_now": NOW + 5, "id_token": token, "jwks": jwks,
                      "check": check(), "access_token": "at-refreshed-0123"},
            "expect": if ok { json!({"result": expected(&claims)}) } else { refused() }}));
    }
    write(
        "id_token.json",
        "ID token validation (OpenID Connect Core 1.0 §3.1.3.7, §3.1.3.8, §12.2) with test keys made by core/tests/openid_vectors.rs: one valid token per algorithm, then one case per check that fails.",
        cases,
    );

    let jwks_case = |name: &str, headers: Value, body: Value, select: Value, expect: Value| {
        json!({"name": name, "operation": "parse_jwks_response",
               "profile": {"kind": "generic", "token_endpoint": format!("{ISS}/token")},
               "client": {"client_id": CLIENT}, "now": NOW,
               "input": {"response": {"status": 200, "headers": headers, "body_json": body}, "select": select},
               "expect": expect})
    };
    let listed = json!([
        {"kid": "rsa-1", "kty": "RSA", "alg": null, "use": "sig"},
        {"kid": "ec-1", "kty": "EC", "alg": "ES256", "use": "sig"},
        {"kid": "ed-1", "kty": "OKP", "alg": "EdDSA", "use": null},
    ]);
    let mut with_private = jwks.clone();
    with_private["keys"][1]["d"] = json!(b64(&keys.ec.to_bytes()));
    let mut short_rsa = jwks.clone();
    short_rsa["keys"][0]["n"] = json!(b64(&[0xC3u8; 128]));
    let json_type = json!([["Content-Type", "application/json"]]);
    let jwks_cases = vec![
        jwks_case(
            "keys_are_read_and_others_skipped",
            json_type.clone(),
            jwks.clone(),
            json!({"alg": "RS256", "kid": "rsa-1"}),
            json!({"result": {"keys": listed, "skipped": 1, "max_age": 300, "selected": ["rsa-1"]}}),
        ),
        jwks_case(
            "max_age_from_cache_control",
            json!([
                ["Content-Type", "application/json"],
                ["Cache-Control", "public, max-age=3600"]
            ]),
            jwks.clone(),
            json!({"alg": "ES256"}),
            json!({"result": {"keys": listed, "skipped": 1, "max_age": 3600, "selected": ["ec-1"]}}),
        ),
        jwks_case(
            "no_store_is_not_cached",
            json!([["Cache-Control", "no-store"]]),
            jwks.clone(),
            json!({"alg": "PS256", "kid": "ec-1"}),
            json!({"result": {"keys": listed, "skipped": 1, "max_age": 0, "selected": []}}),
        ),
        jwks_case(
            "max_age_is_at_most_a_day",
            json!([["Cache-Control", "max-age=31536000"]]),
            jwks.clone(),
            json!({"alg": "EdDSA"}),
            json!({"result": {"keys": listed, "skipped": 1, "max_age": 86400, "selected": ["ed-1"]}}),
        ),
        jwks_case(
            "private_members_are_refused",
            json_type.clone(),
            with_private,
            json!(null),
            json!({"error": {"kind": "invalid_response", "action": "retry"}}),
        ),
        jwks_case(
            "rsa_keys_under_2048_bits_are_refused",
            json_type.clone(),
            short_rsa,
            json!(null),
            json!({"error": {"kind": "invalid_response", "action": "retry"}}),
        ),
        jwks_case(
            "no_keys_array",
            json_type.clone(),
            json!({"keys": {}}),
            json!(null),
            json!({"error": {"kind": "invalid_response", "action": "retry"}}),
        ),
        jwks_case(
            "an_empty_set_is_a_set",
            json_type,
            json!({"keys": []}),
            json!({"alg": "RS256"}),
            json!({"result": {"keys": [], "skipped": 0, "max_age": 300, "selected": []}}),
        ),
    ];
    write(
        "jwks.json",
        "JWK sets (RFC 7517 §5, RFC 7518 §6, RFC 8037 §2): the keys authflow verifies with, others skipped, private members refused, the cache lifetime from Cache-Control, and the keys a token's alg and kid select.",
        jwks_cases,
    );
}

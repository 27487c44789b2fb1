//! `input.check` of an ID token vector (tests/vectors/openid/id_token.json)
//! as an [`IdTokenCheck`]: shared by the vector runner and the claims-only
//! run of the same cases.

use authflowkit_core::{default_algorithms, IdTokenCheck, JwsAlgorithm};
use serde_json::Value;

/// The check of an ID token case: `input.check` as an [`IdTokenCheck`],
/// the algorithms given or derived from `provider_algorithms`.
pub fn id_token_check(spec: &Value) -> IdTokenCheck {
    let names = |key: &str| {
        spec[key].as_array().map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    };
    let algorithms = match names("algorithms") {
        Some(list) => list.iter().filter_map(|n| JwsAlgorithm::parse(n)).collect(),
        None => default_algorithms(&names("provider_algorithms").unwrap_or_default()),
    };
    IdTokenCheck {
        issuer: spec["issuer"].as_str().unwrap_or_default().to_owned(),
        client_id: spec["client_id"].as_str().unwrap_or_default().to_owned(),
        nonce: spec["nonce"].as_str().map(str::to_owned),
        max_age: spec["max_age"].as_u64(),
        algorithms,
        clock_skew: spec["clock_skew"].as_i64().unwrap_or(0),
    }
}

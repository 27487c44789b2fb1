//! The control API under `/__control`, for tests that drive the servers
//! from another process (Python, Kotlin, a browser). It mirrors the
//! methods of [`crate::Providers`].

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::fault::{Endpoint, Fault, FaultSpec};
use crate::http::{Request, Response};
use crate::params::Params;
use crate::state::State;
use crate::store::AuthorizeUser;
use crate::urls::paths;

/// Answers a request whose path starts with `/__control`.
pub(crate) fn handle(state: &State, req: &Request) -> Response {
    let route = req
        .path
        .strip_prefix(paths::CONTROL)
        .unwrap_or_default()
        .trim_end_matches('/');
    let result = match (req.method.as_str(), route) {
        ("GET", "" | "/urls") => to_json(&state.urls),
        ("GET", "/clock") => Ok(json!({"now": state.clock.now()})),
        ("POST", "/clock") => advance_clock(state, &req.body),
        ("GET", "/fault") => faults(state),
        ("POST", "/fault") => set_fault(state, &req.body),
        ("DELETE", "/fault") => clear_fault(state, &req.query),
        ("GET", "/stats") => to_json(&state.world().stats),
        ("GET", "/config") => to_json(&state.world().config),
        ("POST", "/config") => set_config(state, &req.body),
        ("POST", "/reset") => {
            state.reset();
            Ok(json!({"reset": true}))
        }
        (_, "" | "/urls" | "/clock" | "/fault" | "/stats" | "/config" | "/reset") => {
            return Response::json(405, &json!({"error": "method not allowed"}));
        }
        _ => return Response::json(404, &json!({"error": "no such control route"})),
    };
    match result {
        Ok(body) => Response::json(200, &body),
        Err(message) => Response::json(400, &json!({"error": message})),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    advance: i64,
}

fn advance_clock(state: &State, body: &[u8]) -> Result<Value, String> {
    let request: ClockRequest = parse(body)?;
    Ok(json!({"now": state.clock.advance(request.advance)}))
}

/// `POST /__control/fault` body. Unknown fields are refused so that a typo
/// in a test does not silently arm a different fault.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    endpoint: Endpoint,
    /// A string (`"503"`, `"drop"`) or, for the status faults, a number.
    fault: Value,
    times: Option<u32>,
    retry_after: Option<u64>,
    retry_after_date: Option<bool>,
    delay_ms: Option<u64>,
    clock_ahead_secs: Option<i64>,
}

fn set_fault(state: &State, body: &[u8]) -> Result<Value, String> {
    let request: FaultRequest = parse(body)?;
    let name = match &request.fault {
        Value::String(name) => name.clone(),
        Value::Number(number) => number.to_string(),
        other => return Err(format!("fault must be a string, not {other}")),
    };
    let fault: Fault = name.parse().map_err(|e| format!("{e}"))?;
    let mut spec = FaultSpec::new(fault);
    spec.times = request.times.unwrap_or(spec.times);
    spec.retry_after = request.retry_after.or(spec.retry_after);
    spec.retry_after_date = request.retry_after_date.unwrap_or(spec.retry_after_date);
    spec.delay_ms = request.delay_ms.unwrap_or(spec.delay_ms);
    spec.clock_ahead_secs = request.clock_ahead_secs.unwrap_or(spec.clock_ahead_secs);
    state.faults().set(request.endpoint, spec);
    faults(state)
}

/// `DELETE /__control/fault[?endpoint=name]`.
fn clear_fault(state: &State, query: &str) -> Result<Value, String> {
    let endpoint = match Params::from_urlencoded(query.as_bytes()).get("endpoint") {
        Some(name) => Some(name.parse::<Endpoint>().map_err(|e| format!("{e}"))?),
        None => None,
    };
    state.faults().clear(endpoint);
    faults(state)
}

/// The armed faults: `{"faults": {"<endpoint>": {spec with remaining times}}}`.
fn faults(state: &State) -> Result<Value, String> {
    let mut armed = serde_json::Map::new();
    for (endpoint, spec) in state.faults().snapshot() {
        armed.insert(endpoint.name().to_owned(), to_json(&spec)?);
    }
    Ok(json!({ "faults": armed }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigRequest {
    api_budget: Option<u64>,
    authorize_user: Option<AuthorizeUser>,
    /// A scope (`""` for none) the Makini Admin API requires.
    admin_api_scope: Option<String>,
}

fn set_config(state: &State, body: &[u8]) -> Result<Value, String> {
    let request: ConfigRequest = parse(body)?;
    let mut world = state.world();
    if let Some(budget) = request.api_budget {
        world.config.api_budget = budget;
    }
    if let Some(user) = request.authorize_user {
        world.config.authorize_user = user;
    }
    if let Some(scope) = request.admin_api_scope {
        world.config.admin_api_scope = Some(scope).filter(|s| !s.is_empty());
    }
    to_json(&world.config)
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| format!("cannot serialise: {e}"))
}

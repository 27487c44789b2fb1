//! The Makini Admin API (seed 004): client credentials grant, refresh with
//! rotation, and the bearer-protected `/admin/v4/` API.
//!
//! Errors follow the seed's troubleshooting table by status (400 bad
//! grant_type or body, 403 bad client credentials, 401 dead refresh token)
//! with Makini's error object as the body.

use serde_json::json;

use crate::credentials::{ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
use crate::http::{Request, Response};
use crate::makini_error::{api_data, makini_error, method_not_allowed, unauthenticated};
use crate::params::{client_credentials, Params};
use crate::state::{State, World};
use crate::store::{NoRandomness, Pair, Provider, TokenProblem};
use crate::urls::paths;

/// `POST /admin/oauth/token`.
pub(crate) fn token(state: &State, req: &Request, now: i64) -> Result<Response, NoRandomness> {
    let request_id = state.next_request_id();
    if req.method != "POST" {
        return Ok(method_not_allowed(&request_id, "POST"));
    }
    let bad_request = |code: &str, message: &str| {
        makini_error(400, code, "invalid_request_error", message, &request_id).no_store()
    };
    // The seed mentions a "malformed JSON/form body", so both encodings are
    // taken; anything else is a malformed request.
    let params = match req.media_type().as_deref() {
        Some("application/x-www-form-urlencoded") => Params::from_urlencoded(&req.body),
        Some("application/json") => match Params::from_json(&req.body) {
            Ok(params) => params,
            Err(problem) => return Ok(bad_request("invalid_request", &problem)),
        },
        _ => {
            return Ok(bad_request(
                "invalid_request",
                "The body must be application/x-www-form-urlencoded or application/json.",
            ))
        }
    };
    let credentials = match client_credentials(req.header("authorization"), &params) {
        Ok(credentials) => credentials,
        Err(problem) => return Ok(bad_request("invalid_request", problem)),
    };
    let known_client = credentials
        .id
        .as_deref()
        .filter(|id| *id == ADMIN_CLIENT_ID);
    let grant_type = params.get("grant_type");

    let mut world = state.world();
    world
        .stats
        .token_request(Provider::MakiniAdmin, known_client, grant_type);
    let response = if let Some(name) = params.repeated() {
        bad_request(
            "invalid_request",
            &format!("The {name} parameter is repeated."),
        )
    } else if !matches!(grant_type, Some("client_credentials" | "refresh_token")) {
        bad_request(
            "unsupported_grant_type",
            "grant_type must be client_credentials or refresh_token.",
        )
    } else if known_client.is_none() || credentials.secret.as_deref() != Some(ADMIN_CLIENT_SECRET) {
        makini_error(
            403,
            "invalid_client",
            "authorization_error",
            "client_id or client_secret is invalid",
            &request_id,
        )
        .no_store()
    } else if grant_type == Some("refresh_token") {
        refresh(&mut world, &params, now, &request_id)?
    } else {
        // RFC 6749 §4.4.2: the scope asked for is the scope granted.
        let scope = params.get("scope").filter(|s| !s.is_empty());
        let pair = world
            .store
            .issue_pair(Provider::MakiniAdmin, ADMIN_CLIENT_ID, scope, now)?;
        tokens(&pair)
    };
    if response.status >= 400 {
        world
            .stats
            .bump(Provider::MakiniAdmin, known_client, |c| c.token_errors += 1);
    }
    Ok(response)
}

fn refresh(
    world: &mut World,
    params: &Params,
    now: i64,
    request_id: &str,
) -> Result<Response, NoRandomness> {
    let Some(refresh_token) = params.get("refresh_token") else {
        return Ok(makini_error(
            400,
            "invalid_request",
            "invalid_request_error",
            "refresh_token is missing",
            request_id,
        )
        .no_store());
    };
    match world
        .store
        .rotate(Provider::MakiniAdmin, ADMIN_CLIENT_ID, refresh_token, now)?
    {
        Ok(pair) => {
            world
                .stats
                .bump(Provider::MakiniAdmin, Some(ADMIN_CLIENT_ID), |c| {
                    c.refreshes += 1;
                });
            Ok(tokens(&pair))
        }
        Err(problem) => {
            if matches!(problem, TokenProblem::Dead { .. }) {
                world
                    .stats
                    .bump(Provider::MakiniAdmin, Some(ADMIN_CLIENT_ID), |c| {
                        c.replays += 1;
                    });
            }
            Ok(makini_error(
                401,
                "unauthenticated",
                "authentication_error",
                "Refresh token expired or invalid",
                request_id,
            )
            .no_store())
        }
    }
}

/// Seed 004's response; `expires_in` is an absolute Unix timestamp. The
/// granted `scope`, when the client asked for one (RFC 6749 §5.1).
fn tokens(pair: &Pair) -> Response {
    let mut body = json!({
        "access_token": pair.access,
        "refresh_token": pair.refresh,
        "token_type": "bearer",
        "expires_in": pair.access_expires_at,
    });
    if let Some(scope) = &pair.scope {
        body["scope"] = json!(scope);
    }
    Response::json(200, &body).no_store()
}

/// `GET|POST /admin/v4/{anything}`.
pub(crate) fn api(state: &State, req: &Request, now: i64) -> Response {
    let request_id = state.next_request_id();
    if !matches!(req.method.as_str(), "GET" | "POST") {
        return method_not_allowed(&request_id, "GET, POST");
    }
    let mut world = state.world();
    let required = world.config.admin_api_scope.clone();
    let checked = match req.bearer_token() {
        None => Err(TokenProblem::Unknown),
        Some(token) => world
            .store
            .access(Provider::MakiniAdmin, token, now)
            .map(|record| {
                let scoped = required.as_deref().is_none_or(|s| record.has_scope(s));
                (record.client_id.clone(), scoped)
            }),
    };
    let (client, response) = match checked {
        Ok((client, false)) => (
            Some(client),
            insufficient_scope(required.as_deref().unwrap_or_default(), &request_id),
        ),
        Ok((client, true)) => {
            let connections = json!([{"id": "conn_1", "status": "active"}]);
            (
                Some(client),
                api_data(
                    &req.path,
                    paths::ADMIN_API,
                    "connections",
                    &connections,
                    &request_id,
                ),
            )
        }
        Err(problem) => (
            problem.client().map(str::to_owned),
            unauthenticated(&request_id),
        ),
    };
    let unauthorized = response.status == 401;
    world
        .stats
        .bump(Provider::MakiniAdmin, client.as_deref(), |c| {
            c.api_calls += 1;
            c.api_401 += u64::from(unauthorized);
        });
    response
}

/// 403 for a live token without the scope the API requires (RFC 6750 §3.1).
fn insufficient_scope(scope: &str, request_id: &str) -> Response {
    makini_error(
        403,
        "insufficient_scope",
        "authorization_error",
        "The access token does not grant the required scope",
        request_id,
    )
    .header(
        "WWW-Authenticate",
        &format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\""),
    )
}

//! MakeShift (seed 001): the JSON password grant with an API key and secret,
//! token info, and the bearer-protected public API.
//!
//! Tokens live exactly four hours; there is no refresh token and no
//! `expires_in` in the token response, only `created_at`.

use serde_json::json;

use crate::credentials::{MAKESHIFT_KEY, MAKESHIFT_SECRET};
use crate::http::{Request, Response};
use crate::params::Params;
use crate::state::State;
use crate::store::{NoRandomness, Provider, TokenProblem, MAKESHIFT_LIFETIME};
use crate::urls::paths;

/// The error description Doorkeeper (MakeShift's OAuth server) sends with
/// `invalid_grant`.
const INVALID_GRANT: &str = "The provided authorization grant is invalid, expired, revoked, \
does not match the redirection URI used in the authorization request, or was issued to another client.";

/// `POST /makeshift/oauth/token`.
pub(crate) fn token(state: &State, req: &Request, now: i64) -> Result<Response, NoRandomness> {
    if req.method != "POST" {
        return Ok(
            oauth_error(405, "invalid_request", "The token endpoint takes POST.")
                .header("Allow", "POST"),
        );
    }
    // Seed 001 sends JSON only; a form body is refused so that a client that
    // falls back to RFC 6749's form encoding is caught.
    let parsed = if req.media_type().as_deref() == Some("application/json") {
        Params::from_json(&req.body)
    } else {
        Err("The request body must be JSON (Content-Type: application/json).".to_owned())
    };
    let params = parsed.as_ref().ok();
    let grant_type = params.and_then(|p| p.get("grant_type"));
    let username = params.and_then(|p| p.get("username"));
    let known_key = username.filter(|u| *u == MAKESHIFT_KEY);

    let mut world = state.world();
    world
        .stats
        .token_request(Provider::Makeshift, known_key, grant_type);
    let response = match (&parsed, grant_type) {
        (Err(problem), _) => oauth_error(400, "invalid_request", problem),
        (Ok(_), None) => oauth_error(400, "invalid_request", "grant_type is missing."),
        (Ok(_), Some(grant)) if grant != "password" => oauth_error(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        ),
        (Ok(params), Some(_)) => match (username, params.get("password")) {
            (Some(_), None) | (None, _) => oauth_error(
                400,
                "invalid_request",
                "username and password are required.",
            ),
            (Some(_), Some(secret)) if known_key.is_some() && secret == MAKESHIFT_SECRET => {
                let token = world.store.issue_access(
                    Provider::Makeshift,
                    MAKESHIFT_KEY,
                    None,
                    now,
                    MAKESHIFT_LIFETIME,
                )?;
                Response::json(
                    200,
                    &json!({
                        "access_token": token,
                        "token_type": "bearer",
                        "created_at": now,
                        "user": {
                            "id": 7443,
                            "name": "api",
                            "role": "company_admin",
                            "email": "1d96d6787ce94e2af870d68d795d0201",
                            "employee_id": "1d96d6787ce94e2af870d68d795d0201",
                            "company_id": 269,
                        },
                    }),
                )
            }
            (Some(_), Some(_)) => oauth_error(401, "invalid_grant", INVALID_GRANT),
        },
    };
    if response.status >= 400 {
        world
            .stats
            .bump(Provider::Makeshift, known_key, |c| c.token_errors += 1);
    }
    Ok(response.no_store())
}

/// `GET /makeshift/oauth/token/info`.
pub(crate) fn token_info(state: &State, req: &Request, now: i64) -> Response {
    if req.method != "GET" {
        return method_not_allowed("GET");
    }
    let mut world = state.world();
    let (client, response) = match check(&mut world.store, req, now) {
        Ok((client, issued_at, expires_at)) => (
            Some(client),
            Response::json(
                200,
                &json!({
                    "resource_owner_id": 7443,
                    "scopes": [],
                    "expires_in_seconds": expires_at - now,
                    "application": {"uid": null},
                    "created_at": issued_at,
                }),
            ),
        ),
        Err(client) => (client, invalid_token()),
    };
    let unauthorized = response.status == 401;
    world
        .stats
        .bump(Provider::Makeshift, client.as_deref(), |c| {
            c.token_info_calls += 1;
            c.token_info_401 += u64::from(unauthorized);
        });
    response
}

/// `GET|POST /makeshift/api/public/v2/{anything}`.
pub(crate) fn api(state: &State, req: &Request, now: i64) -> Response {
    if !matches!(req.method.as_str(), "GET" | "POST") {
        return method_not_allowed("GET, POST");
    }
    let mut world = state.world();
    let (client, response) = match check(&mut world.store, req, now) {
        Ok((client, _, _)) => {
            let resource = req
                .path
                .strip_prefix(paths::MAKESHIFT_API)
                .unwrap_or_default();
            let body = if resource.trim_end_matches('/') == "employees" {
                json!({"data": [{"id": 1, "name": "Ada"}]})
            } else {
                json!({"data": [], "endpoint": req.path})
            };
            (Some(client), Response::json(200, &body))
        }
        Err(client) => (client, invalid_token()),
    };
    let status = response.status;
    world
        .stats
        .bump(Provider::Makeshift, client.as_deref(), |c| {
            c.api_calls += 1;
            c.api_401 += u64::from(status == 401);
        });
    response
}

/// The bearer token's (client, issued at, expires at), or the owning client
/// (when known) of a refused token.
fn check(
    store: &mut crate::store::Store,
    req: &Request,
    now: i64,
) -> Result<(String, i64, i64), Option<String>> {
    let token = req.bearer_token().ok_or(None)?;
    store
        .access(Provider::Makeshift, token, now)
        .map(|r| (r.client_id.clone(), r.issued_at, r.expires_at))
        .map_err(|problem: TokenProblem| problem.client().map(str::to_owned))
}

/// Seed 001's 401 body, for any invalid, expired or unknown token.
fn invalid_token() -> Response {
    Response::json(
        401,
        &json!({"errors": [{"title": "Token is invalid.", "status_code": 401}]}),
    )
    .header("WWW-Authenticate", "Bearer")
}

fn method_not_allowed(allow: &str) -> Response {
    Response::json(
        405,
        &json!({"errors": [{"title": "Method not allowed.", "status_code": 405}]}),
    )
    .header("Allow", allow)
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

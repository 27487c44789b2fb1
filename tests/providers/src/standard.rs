//! A standards-following authorization server, for what the three imitated
//! services do not offer: RFC 8414 metadata (discovery), the client
//! credentials grant with HTTP Basic authentication (RFC 6749 §2.3.1,
//! §4.4), RFC 7662 introspection and RFC 7009 revocation. Errors are RFC
//! 6749 §5.2's JSON objects.

use serde_json::json;

use crate::credentials::{STANDARD_CLIENT_ID, STANDARD_CLIENT_SECRET};
use crate::http::{Request, Response};
use crate::params::{client_credentials, Params};
use crate::state::State;
use crate::store::{NoRandomness, Provider};
use crate::urls::Urls;

/// Seconds the server's access tokens live (its `expires_in`).
pub(crate) const STANDARD_ACCESS_LIFETIME: i64 = 3600;

fn error(status: u16, code: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({"error": code, "error_description": description}),
    )
    .no_store()
}

/// `GET /.well-known/oauth-authorization-server/standard` (RFC 8414 §3:
/// the well-known path inserted before the issuer's path).
pub(crate) fn metadata(req: &Request, urls: &Urls) -> Response {
    if req.method != "GET" {
        return error(405, "invalid_request", "GET only.");
    }
    let standard = &urls.standard;
    Response::json(
        200,
        &json!({
            "issuer": standard.issuer,
            "token_endpoint": standard.token_endpoint,
            "revocation_endpoint": standard.revocation_endpoint,
            "introspection_endpoint": standard.introspection_endpoint,
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["read", "write"],
        }),
    )
}

/// The form body of a POST authenticated with the standard client's
/// credentials in HTTP Basic, or the error response.
fn authenticated(req: &Request) -> Result<Params, Response> {
    if req.method != "POST" {
        return Err(error(405, "invalid_request", "POST only."));
    }
    if req.media_type().as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(error(400, "invalid_request", "The body must be a form."));
    }
    let params = Params::from_urlencoded(&req.body);
    if let Some(name) = params.repeated() {
        return Err(error(
            400,
            "invalid_request",
            &format!("{name} is repeated."),
        ));
    }
    let credentials = client_credentials(req.header("authorization"), &params)
        .map_err(|problem| error(400, "invalid_request", problem))?;
    let valid = credentials.basic
        && credentials.id.as_deref() == Some(STANDARD_CLIENT_ID)
        && credentials.secret.as_deref() == Some(STANDARD_CLIENT_SECRET);
    if !valid {
        let mut refused = error(401, "invalid_client", "Client authentication failed.");
        refused.set_header("WWW-Authenticate", "Basic realm=\"standard\"");
        return Err(refused);
    }
    Ok(params)
}

/// `POST /standard/token`: the client credentials grant.
pub(crate) fn token(state: &State, req: &Request, now: i64) -> Result<Response, NoRandomness> {
    let params = match authenticated(req) {
        Ok(params) => params,
        Err(response) => return Ok(response),
    };
    let grant_type = params.get("grant_type");
    let mut world = state.world();
    world
        .stats
        .token_request(Provider::Standard, Some(STANDARD_CLIENT_ID), grant_type);
    if grant_type != Some("client_credentials") {
        return Ok(error(
            400,
            "unsupported_grant_type",
            "client_credentials only.",
        ));
    }
    let scope = params.get("scope").filter(|s| !s.is_empty());
    let token = world.store.issue_access(
        Provider::Standard,
        STANDARD_CLIENT_ID,
        scope,
        now,
        STANDARD_ACCESS_LIFETIME,
    )?;
    let mut body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": STANDARD_ACCESS_LIFETIME,
    });
    if let Some(scope) = scope {
        body["scope"] = json!(scope);
    }
    Ok(Response::json(200, &body).no_store())
}

/// `POST /standard/introspect` (RFC 7662 §2).
pub(crate) fn introspect(state: &State, req: &Request, now: i64) -> Response {
    let params = match authenticated(req) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let Some(token) = params.get("token") else {
        return error(400, "invalid_request", "token is missing.");
    };
    let mut world = state.world();
    // §2.2: anything not live, unknown or another server's is inactive,
    // and nothing else is said about it.
    match world.store.access(Provider::Standard, token, now) {
        Ok(record) => {
            let mut body = json!({
                "active": true,
                "client_id": record.client_id,
                "token_type": "Bearer",
                "iat": record.issued_at,
                "exp": record.expires_at,
            });
            if let Some(scope) = &record.scope {
                body["scope"] = json!(scope);
            }
            Response::json(200, &body).no_store()
        }
        Err(_) => Response::json(200, &json!({"active": false})).no_store(),
    }
}

/// `POST /standard/revoke` (RFC 7009 §2.1): 200 whether or not the token
/// was known (§2.2).
pub(crate) fn revoke(state: &State, req: &Request) -> Response {
    let params = match authenticated(req) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let Some(token) = params.get("token") else {
        return error(400, "invalid_request", "token is missing.");
    };
    state
        .world()
        .store
        .revoke(Provider::Standard, STANDARD_CLIENT_ID, token);
    Response::json(200, &json!({}))
}

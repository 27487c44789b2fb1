//! Maps paths to endpoints, applies armed faults around the handlers, and
//! stamps every response with a `Date` from the providers' clock.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::clock::http_date;
use crate::control;
use crate::cors;
use crate::fault::{truncate, Endpoint, Fault};
use crate::http::{Handler, Reply, Request, Response};
use crate::state::State;
use crate::store::NoRandomness;
use crate::urls::paths;
use crate::{makeshift, makini_admin, makini_link, standard};

/// The server's [`Handler`].
#[derive(Debug)]
pub(crate) struct Router {
    state: Arc<State>,
}

impl Router {
    pub(crate) fn new(state: Arc<State>) -> Self {
        Self { state }
    }
}

impl Handler for Router {
    fn handle(&self, req: Request) -> Reply {
        let state = &*self.state;
        let is_control = req.path == paths::CONTROL
            || req
                .path
                .strip_prefix(paths::CONTROL)
                .is_some_and(|rest| rest.starts_with('/'));
        if is_control {
            return send(control::handle(state, &req), state.clock.now());
        }
        let Some(endpoint) = endpoint_for(&req.path) else {
            let body = json!({"error": "not_found", "path": req.path});
            return send(Response::json(404, &body), state.clock.now());
        };
        if endpoint != Endpoint::MakiniLinkToken {
            return self.serve(endpoint, &req);
        }
        // A browser's preflight is no token request: no fault, no count.
        if req.method == "OPTIONS" {
            return send(cors::preflight(&req), state.clock.now());
        }
        match self.serve(endpoint, &req) {
            Reply::Send(mut response) => {
                cors::allow(&req, &mut response);
                Reply::Send(response)
            }
            Reply::Drop => Reply::Drop,
        }
    }
}

impl Router {
    /// Answers a request to a provider endpoint, applying its armed fault.
    fn serve(&self, endpoint: Endpoint, req: &Request) -> Reply {
        let state = &*self.state;
        let fault = state.faults().take(endpoint);
        if fault.is_some() {
            state.world().stats.fault(endpoint);
        }
        let mut now = state.clock.now();
        if let Some(spec) = &fault {
            match spec.fault {
                Fault::Drop => return Reply::Drop,
                Fault::Slow => state.sleep(Duration::from_millis(spec.delay_ms)),
                Fault::ClockAhead => now = now.saturating_add(spec.clock_ahead_secs),
                Fault::Truncated => {}
                _ => {
                    if let Some(response) = spec.canned_response(now) {
                        return send(response, now);
                    }
                }
            }
        }

        let response = dispatch(state, endpoint, req, now).unwrap_or_else(|e| {
            Response::json(
                500,
                &json!({"error": "server_error", "error_description": e.to_string()}),
            )
        });
        let response = match fault {
            Some(spec) if spec.fault == Fault::Truncated => truncate(response),
            _ => response,
        };
        send(response, now)
    }
}

fn send(mut response: Response, now: i64) -> Reply {
    if !response.has_header("Date") {
        response.set_header("Date", &http_date(now));
    }
    Reply::Send(response)
}

/// The endpoint a path belongs to.
fn endpoint_for(path: &str) -> Option<Endpoint> {
    let endpoint = match path {
        paths::LINK_AUTHORIZE => Endpoint::MakiniLinkAuthorize,
        paths::LINK_TOKEN => Endpoint::MakiniLinkToken,
        paths::ADMIN_TOKEN => Endpoint::MakiniAdminToken,
        paths::MAKESHIFT_TOKEN => Endpoint::MakeshiftToken,
        paths::MAKESHIFT_TOKEN_INFO => Endpoint::MakeshiftTokenInfo,
        paths::STANDARD_METADATA => Endpoint::StandardMetadata,
        paths::STANDARD_TOKEN => Endpoint::StandardToken,
        paths::STANDARD_INTROSPECT => Endpoint::StandardIntrospection,
        paths::STANDARD_REVOKE => Endpoint::StandardRevocation,
        _ if path.starts_with(paths::API_V4) || path.starts_with(paths::API_V3) => {
            Endpoint::MakiniLinkApi
        }
        _ if path.starts_with(paths::ADMIN_API) => Endpoint::MakiniAdminApi,
        _ if path.starts_with(paths::MAKESHIFT_API) => Endpoint::MakeshiftApi,
        _ => return None,
    };
    Some(endpoint)
}

fn dispatch(
    state: &State,
    endpoint: Endpoint,
    req: &Request,
    now: i64,
) -> Result<Response, NoRandomness> {
    Ok(match endpoint {
        Endpoint::MakiniLinkAuthorize => makini_link::authorize(state, req, now)?,
        Endpoint::MakiniLinkToken => makini_link::token(state, req, now)?,
        Endpoint::MakiniLinkApi => makini_link::api(state, req, now),
        Endpoint::MakiniAdminToken => makini_admin::token(state, req, now)?,
        Endpoint::MakiniAdminApi => makini_admin::api(state, req, now),
        Endpoint::MakeshiftToken => makeshift::token(state, req, now)?,
        Endpoint::MakeshiftTokenInfo => makeshift::token_info(state, req, now),
        Endpoint::MakeshiftApi => makeshift::api(state, req, now),
        Endpoint::StandardMetadata => standard::metadata(req, &state.urls),
        Endpoint::StandardToken => standard::token(state, req, now)?,
        Endpoint::StandardIntrospection => standard::introspect(state, req, now),
        Endpoint::StandardRevocation => standard::revoke(state, req),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_endpoints() {
        assert_eq!(endpoint_for("/link/token"), Some(Endpoint::MakiniLinkToken));
        assert_eq!(endpoint_for("/v4/sites"), Some(Endpoint::MakiniLinkApi));
        assert_eq!(endpoint_for("/api/sites"), Some(Endpoint::MakiniLinkApi));
        assert_eq!(
            endpoint_for("/admin/v4/connections"),
            Some(Endpoint::MakiniAdminApi)
        );
        assert_eq!(
            endpoint_for("/makeshift/oauth/token/info"),
            Some(Endpoint::MakeshiftTokenInfo)
        );
        assert_eq!(
            endpoint_for("/makeshift/api/public/v2/employees"),
            Some(Endpoint::MakeshiftApi)
        );
        assert_eq!(endpoint_for("/link/token/x"), None);
        assert_eq!(endpoint_for("/v4"), None);
    }
}

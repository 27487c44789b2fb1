//! Makini Link (seeds 000 and 002): the authorization endpoint with its
//! auto-approving test user, the token endpoint (code exchange, refresh with
//! rotation) and the bearer-protected v4 and v3 APIs.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::json;
use url::{Host, Url};

use crate::credentials::{link_client, LinkClient, DENYING_LOGIN_HINT};
use crate::http::{Request, Response};
use crate::makini_error::{api_data, method_not_allowed, rate_limited, unauthenticated};
use crate::params::{client_credentials, Params};
use crate::state::{State, World};
use crate::store::{AuthorizeUser, CodeProblem, NoRandomness, Pair, Provider, TokenProblem};
use crate::urls::paths;

const FORM: &str = "application/x-www-form-urlencoded";

// ---------------------------------------------------------------------------
// Authorization endpoint

/// `GET|POST /link/oauth/authorize`.
pub(crate) fn authorize(state: &State, req: &Request, now: i64) -> Result<Response, NoRandomness> {
    let params = match req.method.as_str() {
        "GET" => Params::from_urlencoded(req.query.as_bytes()),
        // The consent page's form posts back here.
        "POST" if req.media_type().as_deref() == Some(FORM) => Params::from_urlencoded(&req.body),
        "POST" => {
            return Ok(error_page(
                415,
                "The form must be sent as application/x-www-form-urlencoded.",
            ))
        }
        _ => return Ok(error_page(405, "Method not allowed.").header("Allow", "GET, POST")),
    };

    // Until client_id and redirect_uri are known good, errors go to the
    // user, never to the redirect URI (RFC 6749 §4.1.2.1).
    if let Some(name @ ("client_id" | "redirect_uri")) = params.repeated() {
        return Ok(error_page(
            400,
            &format!("The {name} parameter is repeated."),
        ));
    }
    let Some(client) = params.get("client_id").and_then(link_client) else {
        return Ok(error_page(400, "Unknown or missing client_id."));
    };
    let Some(redirect_uri) = params
        .get("redirect_uri")
        .filter(|uri| is_registered_redirect(uri))
    else {
        return Ok(error_page(
            400,
            "The redirect_uri is missing or not registered for this client.",
        ));
    };

    let state_param = params.get("state");
    let refuse = |error: &str, description: &str| {
        Response::redirect(&with_query(
            redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(description)),
                ("state", state_param),
            ],
        ))
    };
    if let Some(name) = params.repeated() {
        return Ok(refuse(
            "invalid_request",
            &format!("The {name} parameter is repeated."),
        ));
    }
    match params.get("response_type") {
        Some("code") => {}
        Some(_) => {
            return Ok(refuse(
                "unsupported_response_type",
                "Only response_type=code is supported.",
            ))
        }
        None => return Ok(refuse("invalid_request", "response_type is missing.")),
    }
    let challenge = params.get("code_challenge");
    if let Some(problem) = pkce_problem(&client, challenge, params.get("code_challenge_method")) {
        return Ok(refuse("invalid_request", problem));
    }

    if req.method == "GET" && params.get("prompt") == Some("consent") {
        return Ok(consent_page(&client, &params));
    }

    let mut world = state.world();
    let approve = match params.get("decision") {
        Some("approve") => true,
        Some("deny") => false,
        _ => {
            params.get("login_hint") != Some(DENYING_LOGIN_HINT)
                && world.config.authorize_user == AuthorizeUser::Approve
        }
    };
    if !approve {
        world
            .stats
            .bump(Provider::MakiniLink, Some(client.id), |c| {
                c.authorizations_denied += 1;
            });
        return Ok(refuse("access_denied", "The user denied access"));
    }
    let code = world
        .store
        .issue_code(client.id, redirect_uri, challenge, now)?;
    world
        .stats
        .bump(Provider::MakiniLink, Some(client.id), |c| {
            c.codes_issued += 1
        });
    Ok(Response::redirect(&with_query(
        redirect_uri,
        &[("code", Some(&code)), ("state", state_param)],
    )))
}

/// Loopback redirect URIs on any port are registered for every client, as
/// RFC 8252 §7.3 asks of native-app servers.
fn is_registered_redirect(uri: &str) -> bool {
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        Some(Host::Domain(name)) => name == "localhost",
        None => false,
    };
    // RFC 6749 §3.1.2: no fragment; credentials in a redirect URI make no sense.
    loopback
        && url.scheme() == "http"
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
}

/// Why the PKCE parameters are unacceptable, if they are.
fn pkce_problem(
    client: &LinkClient,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Option<&'static str> {
    match (challenge, method) {
        (None, Some(_)) => Some("code_challenge_method was sent without code_challenge."),
        // An absent method means "plain" (RFC 7636 §4.3), which is refused.
        (Some(_), method) if method != Some("S256") => {
            Some("Only code_challenge_method=S256 is supported.")
        }
        (Some(challenge), _) if !is_s256_challenge(challenge) => {
            Some("code_challenge must be 43 base64url characters (an S256 digest).")
        }
        (None, None) if client.secret.is_none() => {
            Some("PKCE with code_challenge_method=S256 is required for public clients.")
        }
        _ => None,
    }
}

fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `uri` with the present pairs appended to its query.
fn with_query(uri: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let Ok(mut url) = Url::parse(uri) else {
        // Only validated URIs get here; an unparsable one is not redirected to.
        return String::new();
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    url.into()
}

fn error_page(status: u16, message: &str) -> Response {
    Response::html(
        status,
        format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Makini Link: error</title></head>\n\
             <body><h1>Authorization error</h1><p id=\"error\">{}</p></body></html>\n",
            escape_html(message)
        ),
    )
}

/// The page a browser test clicks through when `prompt=consent` is sent.
fn consent_page(client: &LinkClient, params: &Params) -> Response {
    let hidden: String = params
        .iter()
        .filter(|(name, _)| !matches!(*name, "prompt" | "decision"))
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape_html(name),
                escape_html(value)
            )
        })
        .collect();
    Response::html(
        200,
        format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Makini Link: authorize</title></head>\n\
             <body><h1>Authorize {client}</h1>\n<p>{client} asks to access your Makini connection.</p>\n\
             <form method=\"post\" action=\"{action}\">\n{hidden}\
             <button type=\"submit\" id=\"approve\" name=\"decision\" value=\"approve\">Approve</button>\n\
             <button type=\"submit\" id=\"deny\" name=\"decision\" value=\"deny\">Deny</button>\n\
             </form></body></html>\n",
            client = escape_html(client.id),
            action = paths::LINK_AUTHORIZE,
        ),
    )
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Token endpoint

/// `POST /link/token`.
pub(crate) fn token(state: &State, req: &Request, now: i64) -> Result<Response, NoRandomness> {
    let params = Params::from_urlencoded(&req.body);
    let credentials = client_credentials(req.header("authorization"), &params);
    let client = credentials
        .as_ref()
        .ok()
        .and_then(|c| c.id.as_deref())
        .and_then(link_client);
    let grant_type = params.get("grant_type");

    let mut world = state.world();
    world
        .stats
        .token_request(Provider::MakiniLink, client.map(|c| c.id), grant_type);
    let response = token_response(&mut world, req, &params, now)?;
    if response.status >= 400 {
        world
            .stats
            .bump(Provider::MakiniLink, client.map(|c| c.id), |c| {
                c.token_errors += 1;
            });
    }
    Ok(response.no_store())
}

fn token_response(
    world: &mut World,
    req: &Request,
    params: &Params,
    now: i64,
) -> Result<Response, NoRandomness> {
    if req.method != "POST" {
        return Ok(
            oauth_error(405, "invalid_request", "The token endpoint takes POST.")
                .header("Allow", "POST"),
        );
    }
    if req.media_type().as_deref() != Some(FORM) {
        return Ok(oauth_error(
            400,
            "invalid_request",
            "The token request must be sent as application/x-www-form-urlencoded.",
        ));
    }
    if let Some(name) = params.repeated() {
        return Ok(oauth_error(
            400,
            "invalid_request",
            &format!("The {name} parameter is repeated."),
        ));
    }
    let credentials = match client_credentials(req.header("authorization"), params) {
        Ok(credentials) => credentials,
        Err(problem) => return Ok(oauth_error(400, "invalid_request", problem)),
    };
    let client = credentials.id.as_deref().and_then(link_client);
    let authenticated = client.is_some_and(|client| client.secret == credentials.secret.as_deref());
    let Some(client) = client.filter(|_| authenticated) else {
        let mut response = oauth_error(401, "invalid_client", "Client authentication failed.");
        if credentials.basic {
            // RFC 6749 §5.2: a failed Basic authentication gets a challenge.
            response.set_header("WWW-Authenticate", "Basic realm=\"Makini Link\"");
        }
        return Ok(response);
    };

    match params.get("grant_type") {
        Some("authorization_code") => exchange_code(world, &client, params, now),
        Some("refresh_token") => refresh(world, &client, params, now),
        Some(_) => Ok(oauth_error(
            400,
            "unsupported_grant_type",
            "Only authorization_code and refresh_token are supported.",
        )),
        None => Ok(oauth_error(
            400,
            "invalid_request",
            "grant_type is missing.",
        )),
    }
}

fn exchange_code(
    world: &mut World,
    client: &LinkClient,
    params: &Params,
    now: i64,
) -> Result<Response, NoRandomness> {
    let Some(code) = params.get("code") else {
        return Ok(oauth_error(400, "invalid_request", "code is missing."));
    };
    let redeemed = world.store.redeem_code(
        code,
        client.id,
        params.get("redirect_uri"),
        params.get("code_verifier"),
        now,
    );
    match redeemed {
        Ok(()) => {
            world
                .stats
                .bump(Provider::MakiniLink, Some(client.id), |c| {
                    c.codes_redeemed += 1
                });
            let pair = world
                .store
                .issue_pair(Provider::MakiniLink, client.id, None, now)?;
            Ok(tokens(client, &pair))
        }
        Err(problem) => {
            if problem == CodeProblem::AlreadyRedeemed {
                world
                    .stats
                    .bump(Provider::MakiniLink, Some(client.id), |c| {
                        c.code_replays += 1
                    });
            }
            Ok(oauth_error(400, "invalid_grant", &problem.to_string()))
        }
    }
}

fn refresh(
    world: &mut World,
    client: &LinkClient,
    params: &Params,
    now: i64,
) -> Result<Response, NoRandomness> {
    let Some(refresh_token) = params.get("refresh_token") else {
        return Ok(oauth_error(
            400,
            "invalid_request",
            "refresh_token is missing.",
        ));
    };
    match world
        .store
        .rotate(Provider::MakiniLink, client.id, refresh_token, now)?
    {
        Ok(pair) => {
            world
                .stats
                .bump(Provider::MakiniLink, Some(client.id), |c| c.refreshes += 1);
            Ok(tokens(client, &pair))
        }
        Err(problem) => {
            if matches!(problem, TokenProblem::Dead { .. }) {
                world
                    .stats
                    .bump(Provider::MakiniLink, Some(client.id), |c| c.replays += 1);
            }
            Ok(oauth_error(
                400,
                "invalid_grant",
                &format!("The refresh token is invalid: {problem}."),
            ))
        }
    }
}

/// The token response: seed 000's shape, whose `expires_in` is an absolute
/// Unix timestamp, or the v4 guide's bare pair for `link-bare`.
fn tokens(client: &LinkClient, pair: &Pair) -> Response {
    let body = if client.bare {
        json!({"access_token": pair.access, "refresh_token": pair.refresh})
    } else {
        json!({
            "access_token": pair.access,
            "refresh_token": pair.refresh,
            "token_type": "bearer",
            "expires_in": pair.access_expires_at,
        })
    };
    Response::json(200, &body)
}

/// An RFC 6749 §5.2 error body.
fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

// ---------------------------------------------------------------------------
// APIs

/// `GET|POST /v4/{anything}` and the legacy `/api/{anything}`.
pub(crate) fn api(state: &State, req: &Request, now: i64) -> Response {
    let request_id = state.next_request_id();
    if !matches!(req.method.as_str(), "GET" | "POST") {
        return method_not_allowed(&request_id, "GET, POST");
    }
    let accepts_json = req
        .header("accept")
        .is_some_and(|a| a.to_ascii_lowercase().contains("application/json"));

    let mut guard = state.world();
    let world = &mut *guard;
    let budget = world.config.api_budget;
    // Ok(client) = served; Err((client, response)) = refused.
    let outcome = match req.bearer_token() {
        None => Err((None, unauthenticated(&request_id))),
        Some(token) => match world.store.access(Provider::MakiniLink, token, now) {
            Err(problem) => Err((
                problem.client().map(str::to_owned),
                unauthenticated(&request_id),
            )),
            Ok(record) if record.api_used >= budget => {
                Err((Some(record.client_id.clone()), rate_limited(&request_id)))
            }
            Ok(record) => {
                record.api_used += 1;
                Ok(record.client_id.clone())
            }
        },
    };
    let (client, response) = match outcome {
        Ok(client) => {
            let prefix = if req.path.starts_with(paths::API_V4) {
                paths::API_V4
            } else {
                paths::API_V3
            };
            let sites = json!([{"id": "site_1", "name": "Plant 1"}]);
            (
                Some(client),
                api_data(&req.path, prefix, "sites", &sites, &request_id),
            )
        }
        Err(refused) => refused,
    };
    let status = response.status;
    world
        .stats
        .bump(Provider::MakiniLink, client.as_deref(), |c| {
            c.api_calls += 1;
            c.api_401 += u64::from(status == 401);
            c.api_429 += u64::from(status == 429);
            c.api_without_accept_json += u64::from(!accepts_json);
        });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_on_any_port_are_registered() {
        for uri in [
            "http://127.0.0.1:5000/callback",
            "http://127.0.0.1/cb?x=1",
            "http://localhost:8080/",
            "http://[::1]:9/cb",
        ] {
            assert!(is_registered_redirect(uri), "{uri}");
        }
        for uri in [
            "https://127.0.0.1:5000/callback",
            "http://127.0.0.2/cb",
            "http://example.com/cb",
            "http://localhost.evil.com/cb",
            "http://127.0.0.1/cb#frag",
            "http://user@127.0.0.1/cb",
            "not a url",
        ] {
            assert!(!is_registered_redirect(uri), "{uri}");
        }
    }

    #[test]
    fn redirect_query_is_appended_and_form_encoded() {
        assert_eq!(
            with_query(
                "http://127.0.0.1:1/cb?keep=1",
                &[("error", Some("access_denied")), ("error_description", Some("The user denied access")), ("state", None)]
            ),
            "http://127.0.0.1:1/cb?keep=1&error=access_denied&error_description=The+user+denied+access"
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}

//! Response shapes shared by the two Makini services (Link's APIs and the
//! Admin API): Makini's error object, request ids, and the canned API data.

use serde_json::json;

use crate::http::Response;

/// A Makini-style error: `{"error":{"code","type","message","request_id"}}`
/// with the request id echoed in `X-Request-Id`.
///
/// This is deliberately not RFC 6749's `{"error":"<code>"}`: a client must
/// go by the status, as seed 004's troubleshooting table does.
pub(crate) fn makini_error(
    status: u16,
    code: &str,
    kind: &str,
    message: &str,
    request_id: &str,
) -> Response {
    Response::json(
        status,
        &json!({"error": {
            "code": code,
            "type": kind,
            "message": message,
            "request_id": request_id,
        }}),
    )
    .header("X-Request-Id", request_id)
}

/// 401 for a missing, malformed, expired or dead bearer token.
pub(crate) fn unauthenticated(request_id: &str) -> Response {
    makini_error(
        401,
        "unauthenticated",
        "authentication_error",
        "Token expired or invalid",
        request_id,
    )
    .header("WWW-Authenticate", "Bearer")
}

/// 429 when an access token's request budget is spent.
pub(crate) fn rate_limited(request_id: &str) -> Response {
    makini_error(
        429,
        "rate_limited",
        "rate_limit_error",
        "Too many requests",
        request_id,
    )
    .header("Retry-After", "30")
}

/// 405 for a method an API path does not take.
pub(crate) fn method_not_allowed(request_id: &str, allow: &str) -> Response {
    makini_error(
        405,
        "method_not_allowed",
        "invalid_request_error",
        "Method not allowed",
        request_id,
    )
    .header("Allow", allow)
}

/// 200 with canned data: `{"data":[...]}` for the one resource a service
/// knows (`known`, relative to `prefix`), else `{"data":[],"endpoint":path}`.
pub(crate) fn api_data(
    path: &str,
    prefix: &str,
    known: &str,
    data: &serde_json::Value,
    request_id: &str,
) -> Response {
    let resource = path.strip_prefix(prefix).unwrap_or_default();
    let body = if resource.trim_end_matches('/') == known {
        json!({ "data": data })
    } else {
        json!({"data": [], "endpoint": path})
    };
    Response::json(200, &body).header("X-Request-Id", request_id)
}

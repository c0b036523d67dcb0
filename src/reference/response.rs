//! Building responses: JSON bodies with their media type, empty 202s, the OpenStack fault
//! wrapper shared by clouddb, clouddb-ha and ecs.

use axum::body::Body;
use axum::http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) const APPLICATION_JSON: &str = "application/json";

/// `bytes` with the given status and `Content-Type`.
pub(crate) fn raw(status: StatusCode, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// `value` serialized, labelled `application/json`.
pub(crate) fn json(status: StatusCode, value: &Value) -> Response {
    raw(status, APPLICATION_JSON, value.to_string().into_bytes())
}

/// An empty body labelled `application/json` with `Content-Length: 0`, as the clouddb
/// examples and OpenStack Nova answer 202.
pub(crate) fn accepted_empty() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::ACCEPTED;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(APPLICATION_JSON));
    headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}

/// The OpenStack fault wrapper: `{"<name>": {"code": <status>, "message": "..."}}`.
pub(crate) fn fault_wrapper(status: StatusCode, name: &str, message: &str) -> Response {
    json(
        status,
        &json!({ name: { "code": status.as_u16(), "message": message } }),
    )
}

/// Adds the `Allow` header a 405 should carry.
pub(crate) fn with_allow(mut response: Response, allow: &'static str) -> Response {
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allow));
    }
    response
}

/// keystonemiddleware's answer to a missing or bad token, in front of every OpenStack service:
/// `{"error": {"code": 401, "title": "Unauthorized", "message": ...}}` and `WWW-Authenticate`.
pub(crate) fn identity_401(identity: &str) -> Response {
    let mut response = json(
        StatusCode::UNAUTHORIZED,
        &json!({ "error": {
            "code": 401,
            "title": "Unauthorized",
            "message": "The request you have made requires authentication.",
        } }),
    );
    // keystonemiddleware names the identity endpoint a client should sign in at.
    if let Ok(value) = HeaderValue::from_str(&format!("Keystone uri=\"{identity}\"")) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// The web framework's (webob's) own JSON error, as Nova and Trove send for requests their
/// API code never sees: `{"code": "404 Not Found", "title": "Not Found", "message": ...}`.
pub(crate) fn framework_error(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    json(
        status,
        &json!({
            "code": format!("{} {title}", status.as_u16()),
            "title": title,
            "message": message,
        }),
    )
}

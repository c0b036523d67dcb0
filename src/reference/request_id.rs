//! The request ids real services put on every answer, so that a run's records can be matched
//! against the service's own logs: OpenStack services answer `X-Openstack-Request-Id:
//! req-<uuid>` (Nova adds `X-Compute-Request-Id` with the same value), Huawei Cloud's API
//! gateway answers `X-Request-Id: <32 hex digits>`.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The middleware: serves the request, then stamps the answer with its ids.
pub(crate) async fn stamp(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut resp = next.run(req).await;
    let id = uuid::Uuid::new_v4();
    let headers = resp.headers_mut();
    let openstack = |v: &str| HeaderValue::from_str(v).ok();
    if path.starts_with("/ecs") {
        if let Some(v) = openstack(&format!("req-{id}")) {
            headers.insert("x-openstack-request-id", v.clone());
            headers.insert("x-compute-request-id", v);
        }
    } else if path.starts_with("/clouddb") {
        if let Some(v) = openstack(&format!("req-{id}")) {
            headers.insert("x-openstack-request-id", v);
        }
    } else if let Some(v) = openstack(&id.simple().to_string()) {
        headers.insert("x-request-id", v);
    }
    resp
}

//! The five APIs, each nested under its id as a path prefix on the one listener.
//!
//! Every API module owns its routes, its request-body rules, its success body and its error
//! shape; what they share (token, content type, JSON parsing) is in `request`.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::faults::Fault;
use super::response;
use super::server::Shared;

mod clouddb;
mod clouddb_ha;
mod ddm;
mod ecs;
mod ecs_list;
mod modelarts;

/// All five APIs under `/ddm`, `/clouddb`, `/clouddb-ha`, `/modelarts` and `/ecs`; DDM and
/// ModelArts answer at the root as well. The Huawei Cloud SDKs keep only the scheme and
/// `host[:port]` of an endpoint override (huaweicloudsdkcore `Client._url_parse`), as their
/// real endpoints are hosts of their own; the two APIs' URIs (`/v1/{project_id}/instances/…`
/// and `/v1/{project_id}/demanager/instances/…`) do not overlap. The HA API answers under
/// `/clouddb` too, where Rackspace's catalog sends its clients (one Cloud Databases endpoint
/// for instances and HA instances); the two APIs' URIs do not overlap either.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let ecs = ecs::router(&shared, !shared.has(Fault::EcsV2Missing));
    Router::new()
        .nest("/ddm", ddm::router())
        .nest(
            "/clouddb",
            clouddb::router().merge(clouddb_ha::routes("/clouddb")),
        )
        .nest("/clouddb-ha", clouddb_ha::router())
        .nest("/modelarts", modelarts::router())
        .nest("/ecs", ecs)
        .merge(ddm::routes())
        .merge(modelarts::routes())
        .fallback(unknown_api)
        .with_state(shared)
}

/// A path outside every API prefix.
async fn unknown_api() -> Response {
    response::json(
        StatusCode::NOT_FOUND,
        &json!({ "error": {
            "code": 404,
            "message": "no API at this path; the APIs are under /ddm, /clouddb, /clouddb-ha, /modelarts and /ecs (DDM and ModelArts also at /v1)",
        } }),
    )
}

/// Under `accept-any-method`, what any method other than POST gets on an action URI.
fn any_method(shared: &Shared) -> Option<Response> {
    shared
        .has(Fault::AcceptAnyMethod)
        .then(|| response::json(StatusCode::OK, &json!({})))
}

/// Under `accept-all-no-restart`, every action request is accepted as it
/// comes, and nothing restarts.
fn lenient(shared: &Shared) -> bool {
    shared.has(Fault::AcceptAllNoRestart)
}

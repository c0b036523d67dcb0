//! ECS "List servers" and "List servers (detailed)", as clients use them to find a server by
//! name before restarting it (`openstack server reboot NAME` asks `GET /servers/detail?name=`).
//!
//! Nova "List Servers": `{"servers": [{"id", "name", "links"}]}`; the detailed list holds each
//! server's show body. The `name` filter is matched as a substring: Nova matches a regular
//! expression, and the names here hold no metacharacters. Other filters are ignored, as Nova
//! ignores the ones it does not know. A project in the path other than the token's is Nova's
//! 400 "Malformed request URL".

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::ecs;
use crate::reference::discovery;
use crate::reference::microversion::{self, Microversion};
use crate::reference::readback;
use crate::reference::request::{self, Refusal};
use crate::reference::response;
use crate::reference::server::Shared;
use crate::reference::state::{Api, ids};

type Filters = Query<HashMap<String, String>>;

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(project_id): Path<String>,
    Query(filters): Filters,
    version: Option<Extension<Microversion>>,
    headers: HeaderMap,
) -> Response {
    servers(&shared, &project_id, &filters, version, &headers, false)
}

pub(super) async fn list_here(
    State(shared): State<Arc<Shared>>,
    Query(filters): Filters,
    version: Option<Extension<Microversion>>,
    headers: HeaderMap,
) -> Response {
    servers(&shared, ids::PROJECT, &filters, version, &headers, false)
}

pub(super) async fn detail(
    State(shared): State<Arc<Shared>>,
    Path(project_id): Path<String>,
    Query(filters): Filters,
    version: Option<Extension<Microversion>>,
    headers: HeaderMap,
) -> Response {
    servers(&shared, &project_id, &filters, version, &headers, true)
}

pub(super) async fn detail_here(
    State(shared): State<Arc<Shared>>,
    Query(filters): Filters,
    version: Option<Extension<Microversion>>,
    headers: HeaderMap,
) -> Response {
    servers(&shared, ids::PROJECT, &filters, version, &headers, true)
}

fn servers(
    shared: &Shared,
    project_id: &str,
    filters: &HashMap<String, String>,
    version: Option<Extension<Microversion>>,
    headers: &HeaderMap,
    detailed: bool,
) -> Response {
    if !request::token_ok(shared, headers) {
        return ecs::refuse(shared, Refusal::Unauthorized, "");
    }
    if project_id != ids::PROJECT {
        return response::fault_wrapper(
            StatusCode::BAD_REQUEST,
            "badRequest",
            &format!(
                "Malformed request URL: URL's project_id '{project_id}' doesn't match Context's project_id '{}'",
                ids::PROJECT
            ),
        );
    }
    let base = format!("{}/ecs", discovery::origin(shared, headers));
    let version = version.map_or(microversion::MIN, |Extension(v)| v);
    let name_filter = filters.get("name").map(String::as_str).unwrap_or_default();
    let servers: Vec<Value> = shared
        .resources
        .ids(Api::Ecs)
        .iter()
        .filter(|id| ecs::server_name(shared, id).contains(name_filter))
        .map(|id| {
            let status = shared.resources.status(Api::Ecs, id);
            let name = ecs::server_name(shared, id);
            let mut show = readback::server(&base, id, &name, status, version);
            if detailed {
                show["server"].take()
            } else {
                json!({ "id": id, "name": name, "links": show["server"]["links"].take() })
            }
        })
        .collect();
    response::json(StatusCode::OK, &json!({ "servers": servers }))
}

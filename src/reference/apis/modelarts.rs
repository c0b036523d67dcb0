//! ModelArts, "Restarting an ML Studio Instance" (seed 003):
//! `POST /v1/{project_id}/demanager/instances/{instance_id}/action`.
//!
//! The body's `action` is mandatory and names the operation (`restart`). Success is 200 with
//! `current_status` and `previous_state`; errors are Huawei's `{"error_code", "error_msg"}`.
//! `GET /v1/{project_id}/demanager/instances/{instance_id}` shows `status`: `REBOOTING`, then
//! `ACTIVE`. A restart while rebooting is a 409 (the document is silent; Huawei's general
//! status codes list 409 for a conflicting state).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::reference::faults::Fault;
use crate::reference::readback;
use crate::reference::request::{self, BodyError, Refusal, Tolerance, Violation};
use crate::reference::response;
use crate::reference::server::Shared;
use crate::reference::state::{Api, Lasting, ids};

const REBOOTING: &str = "REBOOTING";

pub(super) fn router() -> Router<Arc<Shared>> {
    routes().fallback(unknown_path)
}

/// The action and status routes, without a fallback, so they can also be merged at the root.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/v1/{project_id}/demanager/instances/{instance_id}/action",
            post(action).fallback(action_other_method),
        )
        .route(
            "/v1/{project_id}/demanager/instances/{instance_id}",
            get(status).fallback(status_other_method),
        )
}

fn known(shared: &Shared, project_id: &str, instance_id: &str) -> bool {
    project_id == ids::PROJECT && shared.resources.known(Api::ModelArts, instance_id)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    response::json(status, &json!({ "error_code": code, "error_msg": message }))
}

fn refuse(shared: &Shared, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthorized => error(
            StatusCode::UNAUTHORIZED,
            "ModelArts.0102",
            "Authentication failed: X-Auth-Token is missing or invalid.",
        ),
        Refusal::NotFound => error(
            StatusCode::NOT_FOUND,
            "ModelArts.6404",
            "The instance does not exist.",
        ),
        Refusal::UnknownPath => error(
            StatusCode::NOT_FOUND,
            "ModelArts.0404",
            "The requested URI does not exist.",
        ),
        Refusal::BadMethod => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "ModelArts.0405",
            "The method is not allowed for this URI.",
        ),
        Refusal::MediaType => error(
            StatusCode::BAD_REQUEST,
            "ModelArts.0101",
            "Invalid parameter: Content-Type must be application/json.",
        ),
        Refusal::Body(_) if shared.has(Fault::ServerErrorOnBadBody) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ModelArts.0500",
            "Internal server error.",
        ),
        Refusal::Body(BodyError { message }) => error(
            StatusCode::BAD_REQUEST,
            "ModelArts.0101",
            &format!("Invalid parameter: {message}."),
        ),
        Refusal::Busy => error(
            StatusCode::CONFLICT,
            "ModelArts.6409",
            "The instance is rebooting and cannot be restarted now.",
        ),
    }
}

/// Table 2: `action`, mandatory, a string whose value is `restart`.
fn validate(body: &Value, tolerance: &Tolerance) -> Result<(), BodyError> {
    let Some(object) = body.as_object() else {
        return tolerance.allow(
            Violation::WrongType,
            "the request body must be a JSON object",
        );
    };
    match object.get("action") {
        None => tolerance.allow(Violation::Missing, "action is mandatory"),
        Some(Value::String(action)) if action == "restart" => Ok(()),
        Some(Value::String(action)) => tolerance.allow(
            Violation::BadEnum,
            format!("action must be restart, not {action:?}"),
        ),
        Some(_) => tolerance.allow(Violation::WrongType, "action must be a string"),
    }
}

fn restart(
    shared: &Shared,
    id: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Refusal> {
    if super::lenient(shared) {
        return Ok(());
    }
    request::admit(shared, headers, id.is_some())?;
    request::parse(shared, body, validate)?;
    if let Some(id) = id {
        shared
            .resources
            .restart(Api::ModelArts, id, REBOOTING, Lasting::Reboot, false)
            .map_err(|_| Refusal::Busy)?;
    }
    Ok(())
}

/// Table 3, as the sample shows it.
fn success(shared: &Shared) -> Response {
    let current_status = if shared.has(Fault::ModelartsWrongType) {
        json!(3)
    } else {
        json!(REBOOTING)
    };
    response::json(
        StatusCode::OK,
        &json!({ "current_status": current_status, "previous_state": Api::ModelArts.steady() }),
    )
}

async fn action(
    State(shared): State<Arc<Shared>>,
    Path((project_id, instance_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match restart(
        &shared,
        known(&shared, &project_id, &instance_id).then_some(instance_id.as_str()),
        &headers,
        &body,
    ) {
        Ok(()) => success(&shared),
        Err(refusal) => refuse(&shared, refusal),
    }
}

async fn action_other_method(State(shared): State<Arc<Shared>>) -> Response {
    super::any_method(&shared)
        .unwrap_or_else(|| response::with_allow(refuse(&shared, Refusal::BadMethod), "POST"))
}

/// Companion "Querying Details About a Development Environment Instance"
/// (`readback::modelarts_instance`).
async fn status(
    State(shared): State<Arc<Shared>>,
    Path((project_id, instance_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !request::token_ok(&shared, &headers) {
        return refuse(&shared, Refusal::Unauthorized);
    }
    if !known(&shared, &project_id, &instance_id) {
        return refuse(&shared, Refusal::NotFound);
    }
    let status = shared.resources.status(Api::ModelArts, &instance_id);
    response::json(
        StatusCode::OK,
        &readback::modelarts_instance(&instance_id, status),
    )
}

async fn status_other_method(State(shared): State<Arc<Shared>>) -> Response {
    response::with_allow(refuse(&shared, Refusal::BadMethod), "GET")
}

async fn unknown_path(State(shared): State<Arc<Shared>>) -> Response {
    refuse(&shared, Refusal::UnknownPath)
}

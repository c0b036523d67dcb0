//! Cloud Databases, "Restart instance" (seed 001): `POST /{version}/{accountId}/instances/{instanceId}/action`.
//!
//! The body is `{"restart": {}}`; success is 202 with an empty body. Errors use the OpenStack
//! fault wrapper named after the table's Name column (badRequest, unauthorized, itemNotFound,
//! badMethod, badMediaType, unprocessableEntity, instanceFault). The status comes from the
//! companion "List database instance status and details": `REBOOT`, then `ACTIVE`; a restart
//! during `REBOOT` is a 422, as Trove answers. The HA API shares the body rule and error shape.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::reference::discovery;
use crate::reference::faults::Fault;
use crate::reference::readback;
use crate::reference::request::{self, BodyError, Refusal, Tolerance, Violation};
use crate::reference::response;
use crate::reference::server::Shared;
use crate::reference::state::{Api, Lasting, ids};

pub(super) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/{version}/{account_id}/instances/{instance_id}/action",
            post(action).fallback(action_other_method),
        )
        .route(
            "/{version}/{account_id}/instances/{instance_id}",
            get(status).fallback(status_other_method),
        )
        .route("/{version}/{account_id}/instances", get(list))
        .fallback(unknown_path)
}

fn known(shared: &Shared, version: &str, account_id: &str, instance_id: &str) -> bool {
    version == ids::TROVE_VERSION
        && account_id == ids::TROVE_ACCOUNT
        && shared.resources.known(Api::CloudDb, instance_id)
}

/// The fault wrapper's name for a status, from the seeds' Name column.
fn fault_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        // Not in the seeds' tables; only the `clouddb-undocumented-status` fault answers it.
        409 => "conflictingRequest",
        413 => "overLimit",
        415 => "badMediaType",
        422 => "unprocessableEntity",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "instanceFault",
    }
}

/// An error of `api` (clouddb or clouddb-ha) in the fault wrapper.
pub(super) fn error(shared: &Shared, api: Api, status: StatusCode, message: &str) -> Response {
    if api == Api::CloudDb && shared.has(Fault::ClouddbBadErrorBody) {
        return response::raw(
            status,
            "text/plain",
            format!("{} {}", status.as_u16(), message).into_bytes(),
        );
    }
    response::fault_wrapper(status, fault_name(status), message)
}

/// The refusals of clouddb and clouddb-ha; `noun` names the resource in messages.
pub(super) fn refuse(shared: &Shared, api: Api, noun: &str, refusal: Refusal) -> Response {
    let (status, message) = match refusal {
        Refusal::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            "This server could not verify that you are authorized to access the document you requested.".to_owned(),
        ),
        Refusal::NotFound => (StatusCode::NOT_FOUND, format!("The {noun} could not be found.")),
        Refusal::UnknownPath => (
            StatusCode::NOT_FOUND,
            "The resource could not be found.".to_owned(),
        ),
        Refusal::BadMethod => (
            StatusCode::METHOD_NOT_ALLOWED,
            "The specified method is not allowed for the given resource.".to_owned(),
        ),
        // The instance table lists 415 badMediaType; the HA table does not, so HA says 400.
        Refusal::MediaType if api == Api::CloudDb => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The entity of the request is in a format not supported by the requested resource for the requested method.".to_owned(),
        ),
        Refusal::MediaType => (
            StatusCode::BAD_REQUEST,
            "The request body must be application/json.".to_owned(),
        ),
        Refusal::Body(_) if shared.has(Fault::ServerErrorOnBadBody) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("The {noun} has experienced a fault."),
        ),
        Refusal::Body(BodyError { message }) => (
            StatusCode::BAD_REQUEST,
            format!("Request body is invalid: {message}."),
        ),
        Refusal::Busy if api == Api::CloudDb && shared.has(Fault::ClouddbUndocumentedStatus) => (
            StatusCode::CONFLICT,
            format!("The {noun} is rebooting."),
        ),
        Refusal::Busy => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("The {noun} is not available for an action to be performed (status was REBOOT)."),
        ),
    };
    error(shared, api, status, &message)
}

/// The example body `{"restart": {}}`: an object holding a `restart` object.
pub(super) fn validate(body: &Value, tolerance: &Tolerance) -> Result<(), BodyError> {
    let Some(object) = body.as_object() else {
        return tolerance.allow(
            Violation::WrongType,
            "the request body must be a JSON object",
        );
    };
    match object.get("restart") {
        None => tolerance.allow(
            Violation::Missing,
            "the request body must contain a restart object",
        ),
        Some(Value::Object(_)) => Ok(()),
        Some(_) => tolerance.allow(Violation::WrongType, "restart must be an object"),
    }
}

/// The 202 of clouddb and clouddb-ha.
pub(super) fn accepted(shared: &Shared, api: Api) -> Response {
    if api == Api::CloudDb && shared.has(Fault::ClouddbBodyOn202) {
        return response::json(StatusCode::ACCEPTED, &json!({ "accepted": true }));
    }
    response::accepted_empty()
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
            .restart(Api::CloudDb, id, "REBOOT", Lasting::Reboot, false)
            .map_err(|_| Refusal::Busy)?;
    }
    Ok(())
}

/// Under `trove-like`, what Trove 26 answers before (or instead of) its API code: the
/// identity layer's 401, the framework's 415 and 400, and its 500 to a body without `restart`.
fn trove(shared: &Shared, known: bool, headers: &HeaderMap, body: &[u8]) -> Option<Response> {
    if !request::token_ok(shared, headers) {
        return Some(response::identity_401(&shared.identity_url()));
    }
    if !known {
        return None;
    }
    let text_plain = request::is_text_plain(headers);
    if text_plain {
        return Some(response::framework_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request media type text/plain is not supported by this server.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Err(_) => Some(response::framework_error(
            StatusCode::BAD_REQUEST,
            "Malformed request body.",
        )),
        // Trove's bug: `{}` reaches the action dispatcher, which finds no action.
        Ok(Value::Object(o)) if !o.contains_key("restart") => Some(error(
            shared,
            Api::CloudDb,
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server has either erred or is incapable of performing the requested operation.",
        )),
        Ok(_) => None,
    }
}

async fn action(
    State(shared): State<Arc<Shared>>,
    Path((version, account_id, instance_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let known = known(&shared, &version, &account_id, &instance_id).then_some(instance_id.as_str());
    if shared.has(Fault::TroveLike)
        && let Some(answer) = trove(&shared, known.is_some(), &headers, &body)
    {
        return answer;
    }
    match restart(&shared, known, &headers, &body) {
        Ok(()) => accepted(&shared, Api::CloudDb),
        Err(refusal) => refuse(&shared, Api::CloudDb, "instance", refusal),
    }
}

async fn action_other_method(State(shared): State<Arc<Shared>>) -> Response {
    if shared.has(Fault::TroveLike) {
        // Trove routes only POST on the action URI; its mapper answers anything else 404.
        return refuse(&shared, Api::CloudDb, "instance", Refusal::UnknownPath);
    }
    super::any_method(&shared).unwrap_or_else(|| {
        response::with_allow(
            refuse(&shared, Api::CloudDb, "instance", Refusal::BadMethod),
            "POST",
        )
    })
}

/// Companion "List database instance status and details" (`readback::trove_instance`).
async fn status(
    State(shared): State<Arc<Shared>>,
    Path((version, account_id, instance_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    if !request::token_ok(&shared, &headers) {
        return refuse(&shared, Api::CloudDb, "instance", Refusal::Unauthorized);
    }
    if !known(&shared, &version, &account_id, &instance_id) {
        return refuse(&shared, Api::CloudDb, "instance", Refusal::NotFound);
    }
    let status = shared.resources.status(Api::CloudDb, &instance_id);
    let root = format!("{}/clouddb", discovery::origin(&shared, &headers));
    let name = instance_name(&shared, &instance_id);
    response::json(
        StatusCode::OK,
        &readback::trove_instance(&root, &instance_id, &name, status),
    )
}

/// Each instance's own name (`readback::numbered`).
fn instance_name(shared: &Shared, instance_id: &str) -> String {
    readback::numbered(
        "json_rack_instance",
        shared.resources.index(Api::CloudDb, instance_id),
    )
}

/// "List all database instances", as troveclient reads it to find an instance by name.
async fn list(
    State(shared): State<Arc<Shared>>,
    Path((version, account_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !request::token_ok(&shared, &headers) {
        return refuse(&shared, Api::CloudDb, "instance", Refusal::Unauthorized);
    }
    if version != ids::TROVE_VERSION || account_id != ids::TROVE_ACCOUNT {
        return refuse(&shared, Api::CloudDb, "instance", Refusal::UnknownPath);
    }
    let root = format!("{}/clouddb", discovery::origin(&shared, &headers));
    let instances: Vec<Value> = shared
        .resources
        .ids(Api::CloudDb)
        .iter()
        .map(|id| {
            let status = shared.resources.status(Api::CloudDb, id);
            readback::trove_list_entry(&root, id, &instance_name(&shared, id), status)
        })
        .collect();
    response::json(StatusCode::OK, &json!({ "instances": instances }))
}

async fn status_other_method(State(shared): State<Arc<Shared>>) -> Response {
    response::with_allow(
        refuse(&shared, Api::CloudDb, "instance", Refusal::BadMethod),
        "GET",
    )
}

async fn unknown_path(State(shared): State<Arc<Shared>>) -> Response {
    refuse(&shared, Api::CloudDb, "instance", Refusal::UnknownPath)
}

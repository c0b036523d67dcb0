//! DDM, "Restarting a DDM Instance" (seed 000): `POST /v1/{project_id}/instances/{instance_id}/action`.
//!
//! The body and both its fields are optional; `restart.type` is `soft` or `hard`. Success is
//! 200 with `instanceId`, `instanceName` and `jobId`; errors are `{"errCode", "externalMessage"}`.
//! The status comes from the companion "Querying Details of a DDM Instance":
//! `RESTARTING` while restarting, `RUNNING` otherwise, and a restart while `RESTARTING` is a 400.
//! Most hostile faults live here, as they change one API only.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header::{LOCATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::reference::faults::Fault;
use crate::reference::readback;
use crate::reference::request::{self, BodyError, Refusal, Tolerance, Violation};
use crate::reference::response::{self, APPLICATION_JSON};
use crate::reference::server::{Shared, stopped};
use crate::reference::state::{Api, Lasting, ids};

pub(super) fn router() -> Router<Arc<Shared>> {
    routes().fallback(unknown_path)
}

/// The action and status routes, without a fallback, so they can also be merged at the root.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/v1/{project_id}/instances/{instance_id}/action",
            post(action).fallback(action_other_method),
        )
        .route(
            "/v1/{project_id}/instances/{instance_id}",
            get(status).fallback(status_other_method),
        )
}

fn known(shared: &Shared, project_id: &str, instance_id: &str) -> bool {
    project_id == ids::PROJECT && shared.resources.known(Api::Ddm, instance_id)
}

fn error(shared: &Shared, status: StatusCode, code: &str, message: &str) -> Response {
    if status == StatusCode::BAD_REQUEST && shared.has(Fault::DdmBadErrorBody) {
        return response::json(status, &json!({ "error": "bad request" }));
    }
    response::json(
        status,
        &json!({ "errCode": code, "externalMessage": message }),
    )
}

fn refuse(shared: &Shared, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthorized => error(
            shared,
            StatusCode::UNAUTHORIZED,
            "DBS.280003",
            "Authentication failed: X-Auth-Token is missing or invalid.",
        ),
        Refusal::NotFound => error(
            shared,
            StatusCode::NOT_FOUND,
            "DBS.280104",
            "The DDM instance does not exist.",
        ),
        Refusal::UnknownPath => error(
            shared,
            StatusCode::NOT_FOUND,
            "DBS.280404",
            "The requested URI does not exist.",
        ),
        Refusal::BadMethod => error(
            shared,
            StatusCode::METHOD_NOT_ALLOWED,
            "DBS.280405",
            "The method is not allowed for this URI.",
        ),
        // The document lists no 415: a media type it cannot read is a parameter error.
        Refusal::MediaType => error(
            shared,
            StatusCode::BAD_REQUEST,
            "DBS.280001",
            "Parameter error: Content-Type must be application/json.",
        ),
        Refusal::Body(_) if shared.has(Fault::ServerErrorOnBadBody) => error(
            shared,
            StatusCode::INTERNAL_SERVER_ERROR,
            "DBS.200412",
            "Server failure.",
        ),
        Refusal::Body(BodyError { message }) => error(
            shared,
            StatusCode::BAD_REQUEST,
            "DBS.280001",
            &format!("Parameter error: {message}."),
        ),
        Refusal::Busy => error(
            shared,
            StatusCode::BAD_REQUEST,
            "DBS.280238",
            "The DDM instance is restarting. Try again after the restart completes.",
        ),
    }
}

/// Table 3 and Table 4: an object whose `restart` and `restart.type` are both optional.
fn validate(body: &Value, tolerance: &Tolerance) -> Result<(), BodyError> {
    let Some(object) = body.as_object() else {
        return tolerance.allow(
            Violation::WrongType,
            "the request body must be a JSON object",
        );
    };
    match object.get("restart") {
        None => tolerance.allow(Violation::OptionalAbsent, "restart is required"),
        Some(Value::Object(restart)) => match restart.get("type") {
            None => tolerance.allow(Violation::OptionalAbsent, "restart.type is required"),
            Some(Value::String(kind)) if kind == "soft" || kind == "hard" => Ok(()),
            Some(Value::String(kind)) => tolerance.allow(
                Violation::BadEnum,
                format!("restart.type must be soft or hard, not {kind:?}"),
            ),
            Some(_) => tolerance.allow(Violation::WrongType, "restart.type must be a string"),
        },
        Some(_) => tolerance.allow(Violation::WrongType, "restart must be an object"),
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
            .restart(Api::Ddm, id, "RESTARTING", Lasting::Reboot, false)
            .map_err(|_| Refusal::Busy)?;
    }
    Ok(())
}

/// Table 5, with the success faults applied.
fn success(shared: &Shared, instance_id: &str) -> Response {
    let status = if shared.has(Fault::DdmWrongSuccessStatus) {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let content_type = if shared.has(Fault::JsonAsHtml) {
        "text/html"
    } else if shared.has(Fault::DdmTextPlain) {
        "text/plain"
    } else {
        APPLICATION_JSON
    };
    let job_id = uuid::Uuid::new_v4().to_string();
    let body = if shared.has(Fault::TruncatedJson) {
        br#"{"instanceId": "abc", "instanceNa"#.to_vec()
    } else if shared.has(Fault::InvalidUtf8) {
        let mut body = Vec::new();
        body.extend_from_slice(br#"{"instanceId":"#);
        body.extend_from_slice(Value::from(instance_id).to_string().as_bytes());
        body.extend_from_slice(br#","instanceName":"ddm-"#);
        body.extend_from_slice(&[0xff, 0xfe]);
        body.extend_from_slice(br#"","jobId":"#);
        body.extend_from_slice(Value::from(job_id).to_string().as_bytes());
        body.push(b'}');
        body
    } else {
        let mut object = Map::new();
        object.insert("instanceId".into(), instance_id.into());
        object.insert("instanceName".into(), ids::DDM_NAME.into());
        if !shared.has(Fault::DdmMissingJobId) {
            object.insert("jobId".into(), job_id.into());
        }
        Value::Object(object).to_string().into_bytes()
    };
    response::raw(status, content_type, body)
}

/// The `redirect` fault: the same path on another loopback host.
fn redirect(shared: &Shared, uri: &Uri) -> Response {
    let path = uri.path_and_query().map_or("/", |path| path.as_str());
    let location = format!("http://127.0.0.2:{}/ddm{path}", shared.port);
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

async fn action(
    State(shared): State<Arc<Shared>>,
    Path((project_id, instance_id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if shared.has(Fault::Hang) {
        // Answers only when the server shuts down, so that shutdown is not held up forever.
        stopped(shared.stop.clone()).await;
        return error(
            &shared,
            StatusCode::SERVICE_UNAVAILABLE,
            "DBS.200503",
            "The service is shutting down.",
        );
    }
    if shared.has(Fault::Redirect) {
        return redirect(&shared, &uri);
    }
    if shared.has(Fault::RetryAfter) && shared.resources.first_request(&instance_id) {
        let mut response = error(
            &shared,
            StatusCode::SERVICE_UNAVAILABLE,
            "DBS.200503",
            "The service is busy. Try again later.",
        );
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    match restart(
        &shared,
        known(&shared, &project_id, &instance_id).then_some(instance_id.as_str()),
        &headers,
        &body,
    ) {
        Ok(()) => success(&shared, &instance_id),
        Err(refusal) => refuse(&shared, refusal),
    }
}

async fn action_other_method(State(shared): State<Arc<Shared>>) -> Response {
    super::any_method(&shared)
        .unwrap_or_else(|| response::with_allow(refuse(&shared, Refusal::BadMethod), "POST"))
}

/// Companion "Querying Details of a DDM Instance" (ddm_api_01_0019), `readback::ddm_instance`.
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
    let status = shared.resources.status(Api::Ddm, &instance_id);
    response::json(
        StatusCode::OK,
        &readback::ddm_instance(&instance_id, status),
    )
}

async fn status_other_method(State(shared): State<Arc<Shared>>) -> Response {
    response::with_allow(refuse(&shared, Refusal::BadMethod), "GET")
}

async fn unknown_path(State(shared): State<Arc<Shared>>) -> Response {
    refuse(&shared, Refusal::UnknownPath)
}

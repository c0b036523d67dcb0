//! ECS, "Restarting an ECS" (seed 004): `POST /v2/{project_id}/servers/{server_id}/action`
//! and the same under `/v2.1/`.
//!
//! The body is `{"reboot": {"type": "SOFT" | "HARD"}}`, both mandatory. The API follows
//! OpenStack Nova, and so does this server where the seed is silent: the schema forbids other
//! properties, the type also takes Nova's case variants (`Soft`, `soft`, ...), success is 202
//! with an empty body labelled `application/json`, a missing or wrong token gets Keystone's
//! `{"error": {...}}`, other errors use the fault wrapper (badRequest, itemNotFound,
//! conflictingRequest...). The status shows `REBOOT` or `HARD_REBOOT`, then `ACTIVE`; a restart
//! while either runs is a 409. The v2.1 API negotiates Nova microversions and also serves the
//! server URIs without the project (`microversion`, `readback::server`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::Value;

use super::ecs_list;
use crate::reference::discovery;
use crate::reference::faults::Fault;
use crate::reference::microversion::{self, Microversion};
use crate::reference::readback;
use crate::reference::request::{self, BodyError, Refusal, Tolerance, Violation};
use crate::reference::response;
use crate::reference::server::Shared;
use crate::reference::state::{Api, Lasting, ids};

/// The `/v2/` paths are left out under `ecs-v2-missing`. The v2.1 paths also exist without
/// the project (`/v2.1/servers/{server_id}`), as Nova routes them and as clients reach them
/// from the version document; they negotiate a microversion (`microversion::negotiate`).
/// The server lists (`ecs_list`) let clients find a server by name.
pub(super) fn router(shared: &Arc<Shared>, with_v2: bool) -> Router<Arc<Shared>> {
    let v21 = Router::new()
        .route(
            "/v2.1/{project_id}/servers/{server_id}/action",
            post(action).fallback(action_other_method),
        )
        .route(
            "/v2.1/{project_id}/servers/{server_id}",
            get(status).fallback(status_other_method),
        )
        .route(
            "/v2.1/servers/{server_id}/action",
            post(action_here).fallback(action_other_method),
        )
        .route(
            "/v2.1/servers/{server_id}",
            get(status_here).fallback(status_other_method),
        )
        .route("/v2.1/{project_id}/servers", get(ecs_list::list))
        .route("/v2.1/{project_id}/servers/detail", get(ecs_list::detail))
        .route("/v2.1/servers", get(ecs_list::list_here))
        .route("/v2.1/servers/detail", get(ecs_list::detail_here))
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            microversion::negotiate,
        ));
    let mut router = Router::new().merge(v21);
    if with_v2 {
        router = router
            .route(
                "/v2/{project_id}/servers/{server_id}/action",
                post(action).fallback(action_other_method),
            )
            .route(
                "/v2/{project_id}/servers/{server_id}",
                get(status).fallback(status_other_method),
            )
            .route("/v2/{project_id}/servers", get(ecs_list::list))
            .route("/v2/{project_id}/servers/detail", get(ecs_list::detail));
    }
    router.fallback(unknown_path)
}

fn known(shared: &Shared, project_id: &str, server_id: &str) -> bool {
    project_id == ids::PROJECT && shared.resources.known(Api::Ecs, server_id)
}

/// Nova's fault names (`nova.api.openstack.wsgi.Fault`).
fn fault_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        409 => "conflictingRequest",
        413 => "overLimit",
        415 => "badMediaType",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "computeFault",
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    response::fault_wrapper(status, fault_name(status), message)
}

pub(super) fn refuse(shared: &Shared, refusal: Refusal, server_id: &str) -> Response {
    match refusal {
        // Keystone's auth middleware answers before Nova, in its own shape.
        Refusal::Unauthorized => response::identity_401(&shared.identity_url()),
        Refusal::NotFound => error(
            StatusCode::NOT_FOUND,
            &format!("Instance {server_id} could not be found."),
        ),
        Refusal::UnknownPath => error(StatusCode::NOT_FOUND, "The resource could not be found."),
        Refusal::BadMethod => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "The method is not allowed for this resource.",
        ),
        Refusal::MediaType => error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Content-Type",
        ),
        Refusal::Body(_) if shared.has(Fault::ServerErrorOnBadBody) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.",
        ),
        Refusal::Body(BodyError { message }) => error(StatusCode::BAD_REQUEST, &message),
        Refusal::Busy => error(
            StatusCode::CONFLICT,
            &format!("Cannot 'reboot' instance {server_id} while it is in task_state rebooting"),
        ),
    }
}

/// The reboot type; a tolerated violation reboots softly.
#[derive(Debug, Default, Clone, Copy)]
enum RebootType {
    #[default]
    Soft,
    Hard,
}

impl RebootType {
    fn state(self) -> &'static str {
        match self {
            RebootType::Soft => "REBOOT",
            RebootType::Hard => "HARD_REBOOT",
        }
    }
}

fn invalid(field: &str, value: &Value, reason: &str) -> String {
    format!("Invalid input for field/attribute {field}. Value: {value}. {reason}")
}

/// Tables 2 and 3, with Nova's schema: no other properties, case variants of the type.
fn validate(body: &Value, tolerance: &Tolerance) -> Result<RebootType, BodyError> {
    let Some(object) = body.as_object() else {
        tolerance.allow(
            Violation::WrongType,
            invalid("body", body, "The body is not of type 'object'"),
        )?;
        return Ok(RebootType::Soft);
    };
    if let Some(extra) = object.keys().find(|key| *key != "reboot") {
        tolerance.allow(
            Violation::Unexpected,
            format!("Additional properties are not allowed ('{extra}' was unexpected)"),
        )?;
    }
    let reboot = match object.get("reboot") {
        Some(Value::Object(reboot)) => reboot,
        None => {
            tolerance.allow(Violation::Missing, "'reboot' is a required property")?;
            return Ok(RebootType::Soft);
        }
        Some(other) => {
            tolerance.allow(
                Violation::WrongType,
                invalid("reboot", other, "It is not of type 'object'"),
            )?;
            return Ok(RebootType::Soft);
        }
    };
    if let Some(extra) = reboot.keys().find(|key| *key != "type") {
        tolerance.allow(
            Violation::Unexpected,
            invalid(
                "reboot",
                &Value::Object(reboot.clone()),
                &format!("Additional properties are not allowed ('{extra}' was unexpected)"),
            ),
        )?;
    }
    match reboot.get("type") {
        None => {
            tolerance.allow(
                Violation::Missing,
                invalid(
                    "reboot",
                    &Value::Object(reboot.clone()),
                    "'type' is a required property",
                ),
            )?;
            Ok(RebootType::Soft)
        }
        Some(Value::String(kind)) => match kind.as_str() {
            "SOFT" | "Soft" | "soft" => Ok(RebootType::Soft),
            "HARD" | "Hard" | "hard" => Ok(RebootType::Hard),
            _ => {
                tolerance.allow(
                    Violation::BadEnum,
                    invalid(
                        "type",
                        &Value::from(kind.as_str()),
                        "It is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']",
                    ),
                )?;
                Ok(RebootType::Soft)
            }
        },
        Some(other) => {
            tolerance.allow(
                Violation::WrongType,
                invalid("type", other, "It is not of type 'string'"),
            )?;
            Ok(RebootType::Soft)
        }
    }
}

/// Nova's WSGI layer takes `text/plain` for "no content type" and parses the body as JSON.
fn nova_headers(shared: &Shared, headers: &HeaderMap) -> HeaderMap {
    let mut headers = headers.clone();
    let text_plain = request::is_text_plain(&headers);
    if shared.has(Fault::NovaLike) && text_plain {
        headers.remove(CONTENT_TYPE);
    }
    headers
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
    request::admit(shared, &nova_headers(shared, headers), id.is_some())?;
    let kind = request::parse(shared, body, validate)?;
    if let Some(id) = id {
        shared
            .resources
            .restart(
                Api::Ecs,
                id,
                kind.state(),
                Lasting::Reboot,
                shared.has(Fault::EcsConcurrentAccepted),
            )
            .map_err(|_| Refusal::Busy)?;
    }
    Ok(())
}

async fn action(
    State(shared): State<Arc<Shared>>,
    Path((project_id, server_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    reboot(&shared, &project_id, &server_id, &headers, &body)
}

/// The action URI without the project: the token's project, the only one there is.
async fn action_here(
    State(shared): State<Arc<Shared>>,
    Path(server_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    reboot(&shared, ids::PROJECT, &server_id, &headers, &body)
}

fn reboot(
    shared: &Shared,
    project_id: &str,
    server_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    match restart(
        shared,
        known(shared, project_id, server_id).then_some(server_id),
        headers,
        body,
    ) {
        Ok(()) if shared.has(Fault::EcsSuccess200) => {
            let mut r = response::accepted_empty();
            *r.status_mut() = axum::http::StatusCode::OK;
            r
        }
        Ok(()) => response::accepted_empty(),
        Err(refusal) => refuse(shared, refusal, server_id),
    }
}

async fn action_other_method(State(shared): State<Arc<Shared>>) -> Response {
    if shared.has(Fault::NovaLike) {
        // Nova routes only POST on the action URI; anything else is the framework's 404.
        return response::framework_error(
            StatusCode::NOT_FOUND,
            "The resource could not be found.",
        );
    }
    super::any_method(&shared)
        .unwrap_or_else(|| response::with_allow(refuse(&shared, Refusal::BadMethod, ""), "POST"))
}

/// Companion "Show Server Details" (`readback::server`), at the negotiated microversion; the
/// v2 API has none and shows the 2.1 shape.
async fn status(
    State(shared): State<Arc<Shared>>,
    Path((project_id, server_id)): Path<(String, String)>,
    version: Option<Extension<Microversion>>,
    headers: HeaderMap,
) -> Response {
    show(&shared, &project_id, &server_id, version, &headers)
}

/// The status URI without the project.
async fn status_here(
    State(shared): State<Arc<Shared>>,
    Path(server_id): Path<String>,
    version: Option<Extension<Microversion>>,
    headers: HeaderMap,
) -> Response {
    show(&shared, ids::PROJECT, &server_id, version, &headers)
}

fn show(
    shared: &Shared,
    project_id: &str,
    server_id: &str,
    version: Option<Extension<Microversion>>,
    headers: &HeaderMap,
) -> Response {
    if !request::token_ok(shared, headers) {
        return refuse(shared, Refusal::Unauthorized, server_id);
    }
    if !known(shared, project_id, server_id) {
        return refuse(shared, Refusal::NotFound, server_id);
    }
    let base = format!("{}/ecs", discovery::origin(shared, headers));
    let version = version.map_or(microversion::MIN, |Extension(v)| v);
    let status = shared.resources.status(Api::Ecs, server_id);
    let name = server_name(shared, server_id);
    response::json(
        StatusCode::OK,
        &readback::server(&base, server_id, &name, status, version),
    )
}

/// Each server's own name (`readback::numbered`).
pub(super) fn server_name(shared: &Shared, server_id: &str) -> String {
    readback::numbered(
        "ecs-restart-test",
        shared.resources.index(Api::Ecs, server_id),
    )
}

async fn status_other_method(State(shared): State<Arc<Shared>>) -> Response {
    response::with_allow(refuse(&shared, Refusal::BadMethod, ""), "GET")
}

async fn unknown_path(State(shared): State<Arc<Shared>>) -> Response {
    refuse(&shared, Refusal::UnknownPath, "")
}

//! Cloud Databases, "Restart an HA instance" (seed 002): `POST /{version}/{accountId}/ha/{haId}/action`.
//!
//! Body, success and error shape as the instance API, except that the table has no 415, so a
//! non-JSON media type is a 400. The seed states the lifecycle itself: `REBOOT` during the
//! restart, `ACTIVE` after; `GET /{version}/{accountId}/ha/{haId}` shows it as
//! `ha_instance.state` (companion "List HA database instance details").
//!
//! Rackspace serves the HA API at the Cloud Databases endpoint (`rax:database`,
//! `…/v1.0/{account}/ha/…`), so it answers under `/clouddb` as well as under its own prefix.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};

use super::clouddb::{accepted, refuse, validate};
use crate::reference::discovery;
use crate::reference::faults::Fault;
use crate::reference::readback;
use crate::reference::request::{self, Refusal};
use crate::reference::response;
use crate::reference::server::Shared;
use crate::reference::state::{Api, Lasting, ids};

const NOUN: &str = "HA instance";

/// The API under its own prefix, `/clouddb-ha`.
pub(super) fn router() -> Router<Arc<Shared>> {
    routes("/clouddb-ha").fallback(unknown_path)
}

/// The HA routes, without a fallback, for nesting under `prefix`: the show body's links
/// start there.
pub(super) fn routes(prefix: &'static str) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/{version}/{account_id}/ha/{ha_id}/action",
            post(action).fallback(action_other_method),
        )
        .route(
            "/{version}/{account_id}/ha/{ha_id}",
            get(
                move |shared: State<Arc<Shared>>,
                      path: Path<(String, String, String)>,
                      headers: HeaderMap| status(shared, path, headers, prefix),
            )
            .fallback(status_other_method),
        )
}

fn known(shared: &Shared, version: &str, account_id: &str, ha_id: &str) -> bool {
    version == ids::TROVE_VERSION
        && account_id == ids::TROVE_ACCOUNT
        && shared.resources.known(Api::CloudDbHa, ha_id)
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
        let lasting = if shared.has(Fault::HaNoRebootState) {
            Lasting::Instant
        } else if shared.has(Fault::HaNeverActive) {
            Lasting::Forever
        } else {
            Lasting::Reboot
        };
        shared
            .resources
            .restart(Api::CloudDbHa, id, "REBOOT", lasting, false)
            .map_err(|_| Refusal::Busy)?;
    }
    Ok(())
}

async fn action(
    State(shared): State<Arc<Shared>>,
    Path((version, account_id, ha_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let known = known(&shared, &version, &account_id, &ha_id).then_some(ha_id.as_str());
    match restart(&shared, known, &headers, &body) {
        Ok(()) => accepted(&shared, Api::CloudDbHa),
        Err(refusal) => refuse(&shared, Api::CloudDbHa, NOUN, refusal),
    }
}

async fn action_other_method(State(shared): State<Arc<Shared>>) -> Response {
    super::any_method(&shared).unwrap_or_else(|| {
        response::with_allow(
            refuse(&shared, Api::CloudDbHa, NOUN, Refusal::BadMethod),
            "POST",
        )
    })
}

/// Companion "List HA database instance details" (`readback::ha_instance`).
async fn status(
    State(shared): State<Arc<Shared>>,
    Path((version, account_id, ha_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    prefix: &'static str,
) -> Response {
    if !request::token_ok(&shared, &headers) {
        return refuse(&shared, Api::CloudDbHa, NOUN, Refusal::Unauthorized);
    }
    if !known(&shared, &version, &account_id, &ha_id) {
        return refuse(&shared, Api::CloudDbHa, NOUN, Refusal::NotFound);
    }
    let state = shared.resources.status(Api::CloudDbHa, &ha_id);
    let root = format!("{}{prefix}", discovery::origin(&shared, &headers));
    response::json(StatusCode::OK, &readback::ha_instance(&root, &ha_id, state))
}

async fn status_other_method(State(shared): State<Arc<Shared>>) -> Response {
    response::with_allow(
        refuse(&shared, Api::CloudDbHa, NOUN, Refusal::BadMethod),
        "GET",
    )
}

async fn unknown_path(State(shared): State<Arc<Shared>>) -> Response {
    refuse(&shared, Api::CloudDbHa, NOUN, Refusal::UnknownPath)
}

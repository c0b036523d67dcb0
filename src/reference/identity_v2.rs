//! Rackspace Cloud Identity (Keystone v2.0) on the reference server, under `/identity/v2.0`.
//!
//! `POST /identity/v2.0/tokens` takes `RAX-KSKEY:apiKeyCredentials` (`username`, `apiKey`: the
//! configured user and password) or `passwordCredentials`, and answers 200 with
//! `access.token {id, expires, tenant}`, `access.user` and `access.serviceCatalog[]` of `{name,
//! type, endpoints[] {region, tenantId, publicURL, internalURL}}`. Cloud Databases is laid out
//! as Rackspace lays it out: one `rax:database` entry named `cloudDatabases`, whose endpoint
//! (`…/clouddb/v1.0/{account}`) serves instances and HA instances alike, and no entry of the
//! HA API's own. Tokens are those of the v3 endpoint: every API accepts them until they expire.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use super::identity::REGION;
use super::response;
use super::server::Shared;
use super::state::ids;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/identity/v2.0/tokens", post(tokens))
        .with_state(shared)
}

/// The v2.0 name and type of each entry of the v3 catalog: Cloud Databases is `rax:database`
/// (as Rackspace names it); the HA API's own entry has none, since Rackspace serves HA
/// instances at the Cloud Databases endpoint.
fn v2_entry(v3: &str) -> Option<(&str, &str)> {
    match v3 {
        "database" => Some(("cloudDatabases", "rax:database")),
        "database-ha" | "identity" => None,
        other => Some((other, other)),
    }
}

fn refusal(status: StatusCode, message: &str) -> Response {
    let key = if status == StatusCode::UNAUTHORIZED {
        "unauthorized"
    } else {
        "badRequest"
    };
    response::json(
        status,
        &json!({ key: { "code": status.as_u16(), "message": message } }),
    )
}

async fn tokens(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return refusal(StatusCode::BAD_REQUEST, "Invalid JSON request body.");
    };
    let c = shared.identity.config();
    let text = |p: &str| req.pointer(p).and_then(Value::as_str);
    let ok = if let Some(user) = text("/auth/RAX-KSKEY:apiKeyCredentials/username") {
        user == c.user && text("/auth/RAX-KSKEY:apiKeyCredentials/apiKey") == Some(&c.password)
    } else if let Some(user) = text("/auth/passwordCredentials/username") {
        user == c.user && text("/auth/passwordCredentials/password") == Some(&c.password)
    } else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "Expecting RAX-KSKEY:apiKeyCredentials or passwordCredentials.",
        );
    };
    if !ok {
        return refusal(StatusCode::UNAUTHORIZED, "Username or api key is invalid.");
    }
    let (token, ttl) = shared.identity.issue();
    let expires =
        chrono::Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1));
    let catalog: Vec<Value> = shared
        .identity
        .catalog
        .get()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|(kind, url)| {
            let (name, v2_type) = v2_entry(kind)?;
            // The tenant is the Rackspace account, not the Huawei project: the
            // compute URL names its project itself, as v2.0 catalogs do.
            let url = if kind == "compute" {
                format!("{url}/v2.1/{}", ids::PROJECT)
            } else {
                url.clone()
            };
            Some(json!({
                "name": name,
                "type": v2_type,
                "endpoints": [{
                    "region": REGION,
                    "tenantId": ids::TROVE_ACCOUNT,
                    "publicURL": url,
                    "internalURL": url,
                }],
            }))
        })
        .collect();
    response::json(
        StatusCode::OK,
        &json!({ "access": {
            "token": {
                "id": token,
                "expires": expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "tenant": { "id": ids::TROVE_ACCOUNT, "name": ids::TROVE_ACCOUNT },
                "RAX-AUTH:authenticatedBy": ["APIKEY"],
            },
            "user": { "id": "reference-user", "name": c.user, "roles": [{ "name": "identity:default" }] },
            "serviceCatalog": catalog,
        } }),
    )
}

//! Version discovery: the documents OpenStack clients fetch before their first real request.
//!
//! keystoneauth and openstacksdk read a version document at the auth URL and at every catalog
//! URL to find the versioned endpoint and, for compute, the microversion range. Each document
//! here is written from its service's API reference:
//!
//! - identity, Keystone API reference "Version discovery": `GET /` answers **300 Multiple
//!   Choices** with `{"versions": {"values": [...]}}` and a `Location` naming the preferred
//!   version; `GET /v3` answers 200 with `{"version": {...}}`. Each version has `id`, `status`,
//!   `updated`, `links` (`rel: self`) and `media-types`
//!   (`application/vnd.openstack.identity-v3+json`). Huawei Cloud IAM documents the same two
//!   answers ("Querying Keystone API Version Information", 300; "... Version 3.0", 200).
//! - compute, Nova API reference "API Versions": `GET /` lists `v2.0` and `v2.1` (200) with
//!   `version` and `min_version` (empty for v2.0, the microversion range for v2.1);
//!   `GET /v2.1/` and `GET /v2/` answer one `{"version": {...}}` with `media-types`
//!   (`application/vnd.openstack.compute+json;version=2.1`, `...;version=2`) and a
//!   `describedby` link. The ECS document follows it ("Selecting an API Type or Version":
//!   V2 and V2.1, microversions on V2.1 only).
//! - database, Rackspace Cloud Databases "List versions" (`GET /`) and "List version details"
//!   (`GET /{version}`), both 200, `id`, `links`, `status: CURRENT`, `updated`, as Trove answers.
//!
//! Discovery needs no token in any of the three services. Links are absolute, built from the
//! request's `Host`, as the services build them from the URL they were called at.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header::{HOST, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::faults::Fault;
use super::microversion;
use super::response;
use super::server::Shared;
use super::state::ids;

/// Keystone's current identity version (its discovery code, `v3.14`, Ussuri onwards).
const KEYSTONE_V3: &str = "v3.14";
const KEYSTONE_V3_UPDATED: &str = "2020-04-07T00:00:00Z";

/// The discovery routes of all three services, at the server's own API prefixes.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new();
    for path in ["/identity", "/identity/"] {
        router = router.route(path, get(identity_versions));
    }
    for path in ["/identity/v3", "/identity/v3/"] {
        router = router.route(path, get(identity_v3));
    }
    for path in ["/ecs", "/ecs/"] {
        router = router.route(path, get(compute_versions));
    }
    for path in ["/ecs/v2.1", "/ecs/v2.1/"] {
        router = router.route(path, get(compute_v21));
    }
    if !shared.has(Fault::EcsV2Missing) {
        for path in ["/ecs/v2", "/ecs/v2/"] {
            router = router.route(path, get(compute_v2));
        }
    }
    for prefix in ["/clouddb", "/clouddb-ha"] {
        for path in [prefix.to_owned(), format!("{prefix}/")] {
            router = router.route(
                &path,
                get(move |s: State<Arc<Shared>>, h: HeaderMap| database_versions(s, h, prefix)),
            );
        }
        let version = format!("{prefix}/{}", ids::TROVE_VERSION);
        for path in [version.clone(), format!("{version}/")] {
            router = router.route(
                &path,
                get(move |s: State<Arc<Shared>>, h: HeaderMap| database_version(s, h, prefix)),
            );
        }
    }
    router.with_state(shared)
}

/// `http://<Host>`: where the client reached the server (loopback when it sent no `Host`).
pub(crate) fn origin(shared: &Shared, headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .map_or_else(|| format!("127.0.0.1:{}", shared.port), str::to_owned);
    format!("http://{host}")
}

fn self_link(href: String) -> Value {
    json!({ "rel": "self", "href": href })
}

/// A Keystone v3 version object whose self link is `href`.
pub(crate) fn keystone_v3(href: String) -> Value {
    json!({
        "id": KEYSTONE_V3,
        "status": "stable",
        "updated": KEYSTONE_V3_UPDATED,
        "links": [self_link(href)],
        "media-types": [{ "base": "application/json", "type": "application/vnd.openstack.identity-v3+json" }],
    })
}

/// Keystone's `GET /`: 300, the version list, and `Location` at the preferred version.
async fn identity_versions(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let v3 = format!("{}/identity/v3/", origin(&shared, &headers));
    let mut r = response::json(
        StatusCode::MULTIPLE_CHOICES,
        &json!({ "versions": { "values": [keystone_v3(v3.clone())] } }),
    );
    if let Ok(v) = HeaderValue::from_str(&v3) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// Keystone's `GET /v3`: 200 and the one version.
async fn identity_v3(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let v3 = format!("{}/identity/v3/", origin(&shared, &headers));
    response::json(StatusCode::OK, &json!({ "version": keystone_v3(v3) }))
}

/// Nova's v2.1 version object: CURRENT, with the microversion range this server implements.
pub(crate) fn nova_v21(href: String) -> Value {
    json!({
        "id": "v2.1",
        "status": "CURRENT",
        "version": microversion::MAX.to_string(),
        "min_version": microversion::MIN.to_string(),
        "updated": "2013-07-23T11:33:21Z",
        "links": [self_link(href)],
    })
}

/// Nova's v2.0 version object: no microversions (`version` and `min_version` empty).
pub(crate) fn nova_v2(href: String) -> Value {
    json!({
        "id": "v2.0",
        "status": "SUPPORTED",
        "version": "",
        "min_version": "",
        "updated": "2011-01-21T11:33:21Z",
        "links": [self_link(href)],
    })
}

/// A version document: the list entry with Nova's `describedby` link and `media-types`.
fn nova_document(mut version: Value, media_version: &str) -> Value {
    if let Some(links) = version.get_mut("links").and_then(Value::as_array_mut) {
        links.push(
            json!({ "rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/" }),
        );
    }
    if let Some(object) = version.as_object_mut() {
        object.insert(
            "media-types".into(),
            json!([{ "base": "application/json", "type": format!("application/vnd.openstack.compute+json;version={media_version}") }]),
        );
    }
    json!({ "version": version })
}

/// Nova's `GET /`: 200 and both major versions (v2.1 alone under `ecs-v2-missing`).
async fn compute_versions(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let base = format!("{}/ecs", origin(&shared, &headers));
    let mut versions = Vec::new();
    if !shared.has(Fault::EcsV2Missing) {
        versions.push(nova_v2(format!("{base}/v2/")));
    }
    versions.push(nova_v21(format!("{base}/v2.1/")));
    response::json(StatusCode::OK, &json!({ "versions": versions }))
}

/// Nova's `GET /v2.1/`, negotiated like every v2.1 request (it carries the version headers).
async fn compute_v21(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let asked = match microversion::requested(&headers) {
        Ok(asked) => asked,
        Err(refusal) => return refusal.response(),
    };
    let href = format!("{}/ecs/v2.1/", origin(&shared, &headers));
    let mut r = response::json(StatusCode::OK, &nova_document(nova_v21(href), "2.1"));
    microversion::stamp(&mut r, asked);
    r
}

/// Nova's `GET /v2/`: the legacy API, without microversions.
async fn compute_v2(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let href = format!("{}/ecs/v2/", origin(&shared, &headers));
    response::json(StatusCode::OK, &nova_document(nova_v2(href), "2"))
}

/// The one Cloud Databases version, `v1.0`, whose self link is `href`.
pub(crate) fn trove_v1(href: String) -> Value {
    json!({
        "id": ids::TROVE_VERSION,
        "status": "CURRENT",
        "updated": "2012-01-01T00:00:00Z",
        "links": [self_link(href)],
    })
}

fn trove_href(shared: &Shared, headers: &HeaderMap, prefix: &str) -> String {
    format!(
        "{}{prefix}/{}/",
        origin(shared, headers),
        ids::TROVE_VERSION
    )
}

/// "List versions": 200 and `{"versions": [v1.0]}`.
async fn database_versions(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    prefix: &'static str,
) -> Response {
    let href = trove_href(&shared, &headers, prefix);
    response::json(StatusCode::OK, &json!({ "versions": [trove_v1(href)] }))
}

/// "List version details": 200 and `{"version": v1.0}`.
async fn database_version(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    prefix: &'static str,
) -> Response {
    let href = trove_href(&shared, &headers, prefix);
    response::json(StatusCode::OK, &json!({ "version": trove_v1(href) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::microversion::Microversion;

    #[test]
    fn keystone_version_has_links_and_media_types() {
        let v = keystone_v3("http://h/identity/v3/".into());
        assert_eq!(v["id"], "v3.14");
        assert_eq!(v["status"], "stable");
        assert_eq!(v["links"][0]["rel"], "self");
        assert_eq!(v["links"][0]["href"], "http://h/identity/v3/");
        assert_eq!(
            v["media-types"][0]["type"],
            "application/vnd.openstack.identity-v3+json"
        );
    }

    #[test]
    fn nova_documents_carry_the_microversion_range_only_on_v21() {
        let v21 = nova_document(nova_v21("http://h/ecs/v2.1/".into()), "2.1");
        assert_eq!(v21["version"]["min_version"], "2.1");
        assert_eq!(v21["version"]["version"], microversion::MAX.to_string());
        assert_eq!(v21["version"]["links"][1]["rel"], "describedby");
        assert_eq!(
            v21["version"]["media-types"][0]["type"],
            "application/vnd.openstack.compute+json;version=2.1"
        );
        let v2 = nova_document(nova_v2("http://h/ecs/v2/".into()), "2");
        assert_eq!(v2["version"]["version"], "");
        assert_eq!(v2["version"]["min_version"], "");
    }

    #[test]
    fn microversion_range_is_ordered() {
        assert!(Microversion::parse("2.1").is_ok_and(|v| v == microversion::MIN));
        assert!(microversion::MIN < microversion::MAX);
    }
}

//! The reference server over real HTTP: the conformant behaviour of each API, then each
//! fault's single change. This file holds the client side shared by the three suites.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Once};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};

use super::*;

mod conformant;
mod discovery;
mod faults;
mod hostile;
mod resources;

const TOKEN: &str = "reference-test-token-5c1e";
const REBOOT: Duration = Duration::from_millis(200);
const APIS: [&str; 5] = ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"];

fn client() -> reqwest::Client {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "status {}: body is not JSON ({error}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .map_or("", |value| value.to_str().unwrap())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }
}

struct Harness {
    server: ReferenceServer,
    client: reqwest::Client,
    apis: BTreeMap<&'static str, ReferenceApi>,
}

async fn start(faults: &[Fault]) -> Arc<Harness> {
    let config = ReferenceConfig {
        reboot: REBOOT,
        faults: faults.iter().copied().collect::<BTreeSet<_>>(),
        token: TOKEN.to_owned(),
        resources: crate::reference::DEFAULT_RESOURCES,
    };
    let server = ReferenceServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), config)
        .await
        .unwrap();
    let apis = server
        .apis()
        .into_iter()
        .map(|api| (api.api, api))
        .collect();
    Arc::new(Harness {
        server,
        client: client(),
        apis,
    })
}

fn action_template(api: &str) -> &'static str {
    match api {
        "ddm" => "/v1/{project_id}/instances/{instance_id}/action",
        "clouddb" => "/{version}/{accountId}/instances/{instanceId}/action",
        "clouddb-ha" => "/{version}/{accountId}/ha/{haId}/action",
        "modelarts" => "/v1/{project_id}/demanager/instances/{instance_id}/action",
        "ecs" => "/v2.1/{project_id}/servers/{server_id}/action",
        _ => unreachable!("unknown api {api}"),
    }
}

fn valid_body(api: &str) -> &'static str {
    match api {
        "ddm" => r#"{"restart":{"type":"soft"}}"#,
        "clouddb" | "clouddb-ha" => r#"{"restart":{}}"#,
        "modelarts" => r#"{"action":"restart"}"#,
        "ecs" => r#"{"reboot":{"type":"SOFT"}}"#,
        _ => unreachable!("unknown api {api}"),
    }
}

fn success_status(api: &str) -> u16 {
    match api {
        "ddm" | "modelarts" => 200,
        _ => 202,
    }
}

fn restarting_state(api: &str) -> &'static str {
    match api {
        "ddm" => "RESTARTING",
        "modelarts" => "REBOOTING",
        _ => "REBOOT",
    }
}

fn steady_state(api: &str) -> &'static str {
    if api == "ddm" { "RUNNING" } else { "ACTIVE" }
}

fn busy_status(api: &str) -> u16 {
    match api {
        "ddm" => 400,
        "clouddb" | "clouddb-ha" => 422,
        _ => 409,
    }
}

/// Asserts the API's documented error shape for an error `reply`.
fn assert_error_shape(api: &str, reply: &Reply) {
    assert_eq!(reply.content_type(), "application/json", "{api}");
    let body = reply.json();
    match api {
        "ddm" => {
            assert!(body["errCode"].is_string(), "{api}: {body}");
            assert!(body["externalMessage"].is_string(), "{api}: {body}");
        }
        "modelarts" => {
            assert!(body["error_code"].is_string(), "{api}: {body}");
            assert!(body["error_msg"].is_string(), "{api}: {body}");
        }
        _ => {
            let object = body.as_object().unwrap();
            assert_eq!(object.len(), 1, "{api}: {body}");
            let inner = object.values().next().unwrap();
            assert_eq!(inner["code"], json!(reply.status), "{api}: {body}");
            assert!(inner["message"].is_string(), "{api}: {body}");
        }
    }
}

/// The fault wrapper's name of an error `reply`.
fn fault_name(reply: &Reply) -> String {
    reply
        .json()
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone()
}

impl Harness {
    fn base(&self, api: &str) -> &ReferenceApi {
        &self.apis[api]
    }

    fn url(&self, api: &str, template: &str) -> String {
        let reference = self.base(api);
        let mut path = template.to_owned();
        for (name, value) in &reference.vars {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        format!("{}{path}", reference.base_url)
    }

    fn action_url(&self, api: &str) -> String {
        self.url(api, action_template(api))
    }

    fn status_url(&self, api: &str) -> String {
        let template = action_template(api);
        self.url(api, template.strip_suffix("/action").unwrap())
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut request = self.client.request(method, url);
        if let Some(token) = token {
            request = request.header("X-Auth-Token", token);
        }
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        let response = request.body(body.as_bytes().to_vec()).send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A POST to the action URI with the token and a JSON content type.
    async fn post(&self, api: &str, body: &str) -> Reply {
        let url = self.action_url(api);
        self.post_to(&url, body).await
    }

    async fn post_to(&self, url: &str, body: &str) -> Reply {
        self.send(
            Method::POST,
            url,
            Some(TOKEN),
            Some("application/json"),
            body,
        )
        .await
    }

    async fn state(&self, api: &str) -> String {
        let reply = self
            .send(Method::GET, &self.status_url(api), Some(TOKEN), None, "")
            .await;
        assert_eq!(reply.status, 200, "{api} status: {:?}", reply.json());
        let pointer = match api {
            "clouddb" => "/instance/status",
            "clouddb-ha" => "/ha_instance/state",
            "ecs" => "/server/status",
            _ => "/status",
        };
        reply
            .json()
            .pointer(pointer)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Polls until the resource is steady again; fails after two seconds.
    async fn wait_steady(&self, api: &str) {
        for _ in 0..40 {
            if self.state(api).await == steady_state(api) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{api} never returned to {}", steady_state(api));
    }
}

/// Bodies each API must refuse with 400.
fn bad_bodies(api: &str) -> &'static [&'static str] {
    match api {
        "ddm" => &[
            r#"{"restart":{"type":"MEDIUM"}}"#,
            r#"{"restart":{"type":1}}"#,
            r#"{"restart":"soft"}"#,
            r#"{"restart":null}"#,
            "[]",
            r#"{"restart":"#,
            "",
        ],
        "clouddb" | "clouddb-ha" => &[
            "{}",
            r#"{"restart":"now"}"#,
            r#"{"restart":null}"#,
            r#"["restart"]"#,
            r#"{"restart":"#,
            "",
        ],
        "modelarts" => &[
            "{}",
            r#"{"action":"explode"}"#,
            r#"{"action":1}"#,
            r#"{"action":"#,
            "",
        ],
        "ecs" => &[
            "{}",
            r#"{"reboot":{}}"#,
            r#"{"reboot":null}"#,
            r#"{"reboot":{"type":"MEDIUM"}}"#,
            r#"{"reboot":{"type":"sOfT"}}"#,
            r#"{"reboot":{"type":1}}"#,
            r#"{"reboot":"SOFT"}"#,
            r#"{"reboot":{"type":"SOFT","force":true}}"#,
            r#"{"reboot":{"type":"SOFT"},"extra":1}"#,
            r#"{"reboot":"#,
            "",
        ],
        _ => unreachable!("unknown api {api}"),
    }
}

/// Runs `check` for every API at once, each on its own task.
async fn for_every_api<F, Fut>(harness: &Arc<Harness>, check: F)
where
    F: Fn(Arc<Harness>, &'static str) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let tasks: Vec<_> = APIS
        .iter()
        .map(|&api| tokio::spawn(check(Arc::clone(harness), api)))
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

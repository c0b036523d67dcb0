//! The reference server as OpenStack client libraries walk it: keystoneauth's discovery from
//! the unversioned auth URL, the token and its catalog, Nova's version list and microversion
//! negotiation (openstacksdk), `server reboot --wait` polling the show until `ACTIVE`
//! (python-openstackclient), and troveclient's `instances.restart` then `instances.get`.
//! The same walk, step for step, that those clients were seen making against `serve`.

use std::time::Duration;

use reqwest::StatusCode;
use restart_conformance::reference::{IdentityConfig, ReferenceConfig, ReferenceServer};
use serde_json::{Value, json};

const PASSWORD: &str = "pw-clients-7Rk2";
const SERVER: &str = "9f1c6b3e-2d4a-4f8b-a7c5-6e0d1b2a3c4d";
const INSTANCE: &str = "d4603f69-ec7e-4e9b-803f-600b9205576f";

async fn start() -> ReferenceServer {
    let config = ReferenceConfig {
        reboot: Duration::from_secs(1),
        faults: Default::default(),
        token: "fixed-token-not-used-here".into(),
        resources: 1,
    };
    ReferenceServer::start_with_identity(
        ([127, 0, 0, 1], 0).into(),
        config,
        IdentityConfig::new(PASSWORD),
    )
    .await
    .unwrap()
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn self_href(version: &Value) -> String {
    version["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// keystoneauth: discovery at the auth URL without its version, then a password sign-in.
/// Returns the token and the catalog URL of each service type.
async fn sign_in(http: &reqwest::Client, server: &ReferenceServer) -> (String, Value) {
    let auth_url = server.identity_url();
    let root = auth_url.strip_suffix("/v3").unwrap();
    let versions = http.get(root).send().await.unwrap();
    assert_eq!(versions.status(), StatusCode::MULTIPLE_CHOICES);
    let versions: Value = versions.json().await.unwrap();
    let v3 = versions["versions"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"].as_str().unwrap().starts_with("v3"))
        .unwrap();
    let v3 = self_href(v3);
    assert_eq!(v3, format!("{auth_url}/"));
    let body = json!({ "auth": {
        "identity": { "methods": ["password"], "password": { "user": {
            "name": "demo", "domain": { "name": "Default" }, "password": PASSWORD } } },
        "scope": { "project": { "name": "demo", "domain": { "name": "Default" } } },
    } });
    let token = http
        .post(format!("{v3}auth/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), StatusCode::CREATED);
    let subject = token.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned();
    let token: Value = token.json().await.unwrap();
    let mut catalog = serde_json::Map::new();
    for service in token["token"]["catalog"].as_array().unwrap() {
        catalog.insert(
            service["type"].as_str().unwrap().to_owned(),
            service["endpoints"][0]["url"].clone(),
        );
    }
    (subject, Value::Object(catalog))
}

#[tokio::test]
async fn openstacksdk_discovers_compute_negotiates_and_follows_a_reboot_to_active() {
    let server = start().await;
    let http = client();
    let (token, catalog) = sign_in(&http, &server).await;

    // openstacksdk: the compute version list at the catalog URL, the CURRENT version's
    // link, and the highest microversion both sides know.
    let compute = catalog["compute"].as_str().unwrap();
    let versions: Value = http
        .get(compute)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let current = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["status"] == "CURRENT")
        .unwrap();
    let endpoint = self_href(current);
    let max = current["version"].as_str().unwrap().to_owned();
    assert!(endpoint.ends_with("/v2.1/"), "{endpoint}");
    let asked = format!("compute {max}");

    let show = format!("{endpoint}servers/{SERVER}");
    let get = || {
        http.get(&show)
            .header("X-Auth-Token", &token)
            .header("OpenStack-API-Version", &asked)
            .send()
    };
    let before = get().await.unwrap();
    assert_eq!(before.status(), StatusCode::OK);
    assert_eq!(before.headers()["openstack-api-version"], asked.as_str());
    let before: Value = before.json().await.unwrap();
    assert_eq!(before["server"]["status"], "ACTIVE");

    let reboot = http
        .post(format!("{show}/action"))
        .header("X-Auth-Token", &token)
        .header("OpenStack-API-Version", &asked)
        .json(&json!({ "reboot": { "type": "SOFT" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(reboot.status(), StatusCode::ACCEPTED);
    assert_eq!(
        reboot.headers()["x-openstack-nova-api-version"],
        max.as_str()
    );

    // python-openstackclient's `--wait`: poll the show until the status is ACTIVE.
    let mut seen = Vec::new();
    for _ in 0..300 {
        let body: Value = get().await.unwrap().json().await.unwrap();
        let status = body["server"]["status"].as_str().unwrap().to_owned();
        let task = body["server"]["OS-EXT-STS:task_state"].clone();
        if seen.last() != Some(&(status.clone(), task.clone())) {
            seen.push((status.clone(), task));
        }
        if status == "ACTIVE" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        seen,
        [
            ("REBOOT".to_owned(), json!("rebooting")),
            ("ACTIVE".to_owned(), Value::Null)
        ]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn troveclient_restarts_an_instance_and_reads_it_back_until_active() {
    let server = start().await;
    let http = client();
    let (token, catalog) = sign_in(&http, &server).await;

    // The database catalog URL holds the version and the account; its root lists the version.
    let database = catalog["database"].as_str().unwrap();
    let root = database.strip_suffix("/v1.0/1234").unwrap();
    let versions: Value = http.get(root).send().await.unwrap().json().await.unwrap();
    assert_eq!(self_href(&versions["versions"][0]), format!("{root}/v1.0/"));

    let instance = format!("{database}/instances/{INSTANCE}");
    let restart = http
        .post(format!("{instance}/action"))
        .header("X-Auth-Token", &token)
        .json(&json!({ "restart": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(restart.status(), StatusCode::ACCEPTED);
    let mut seen = Vec::new();
    for _ in 0..300 {
        let body: Value = http
            .get(&instance)
            .header("X-Auth-Token", &token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(self_href(&body["instance"]), instance);
        let status = body["instance"]["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "ACTIVE" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, ["REBOOT", "ACTIVE"]);
    server.shutdown().await;
}

const PROJECT: &str = "0b7a2f64c1e94d6c9f3e5a8d2c1b4e7f";
const DDM_INSTANCE: &str = "28e8841d0b9c4f6a9a30742ee60e1068in09";
const NOTEBOOK: &str = "47cf4ff3-0c59-44fe-9821-2840a34c02a9";

/// A request signed as huaweicloudsdkcore signs it: over every header it sends, its own
/// `User-Agent` and the API's `Content-Type` included.
async fn sdk_call(
    http: &reqwest::Client,
    signer: &restart_conformance::endpoint::AkSk,
    method: &str,
    url: &str,
    body: &str,
) -> (StatusCode, Value) {
    use restart_conformance::endpoint::Tamper;
    let url = url::Url::parse(url).unwrap();
    let content_type = if body.is_empty() {
        "application/json"
    } else {
        "application/json;charset=utf-8"
    };
    let sent = [
        ("User-Agent".to_owned(), "huaweicloud-usdk-python/3.0; os/Linux python/3.11.7 impl/CPython; app/74a58055-5ef2-47a6-9940-18657f211728".to_owned()),
        ("Content-Type".to_owned(), content_type.to_owned()),
    ];
    let signed = signer.sign(
        method,
        &url,
        &sent,
        body.as_bytes(),
        chrono::Utc::now(),
        Tamper::None,
    );
    let mut request = http.request(method.parse().unwrap(), url);
    for (name, value) in &signed.headers {
        request = request.header(name, value);
    }
    let response = request.body(body.to_owned()).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The Huawei Cloud SDKs keep only the scheme and `host[:port]` of an endpoint override
/// (huaweicloudsdkcore `Client._url_parse`), so DDM and ModelArts answer at the root as well
/// as under their prefixes: one resource, whichever way it is reached, and the gateway
/// verifies the root's signatures as it does the prefixed ones.
#[tokio::test]
async fn the_huawei_sdks_restart_ddm_and_modelarts_at_the_endpoint_root_with_aksk() {
    use restart_conformance::endpoint::{AkSk, Secret};
    let server = start().await;
    let http = client();
    let root = format!("http://{}", server.local_addr());
    let signer = |sk: &str| AkSk {
        ak: restart_conformance::reference::REFERENCE_AK.into(),
        sk: Secret::new(sk),
        project_id: Some(PROJECT.into()),
        security_token: None,
        ak_env: "HUAWEICLOUD_SDK_AK".into(),
        sk_env: "HUAWEICLOUD_SDK_SK".into(),
        security_token_env: "HUAWEICLOUD_SDK_SECURITY_TOKEN".into(),
    };
    let right = signer(PASSWORD);
    for (prefix, path, body, steady, busy) in [
        (
            "/ddm",
            format!("/v1/{PROJECT}/instances/{DDM_INSTANCE}"),
            r#"{"restart": {"type": "soft"}}"#,
            "RUNNING",
            "RESTARTING",
        ),
        (
            "/modelarts",
            format!("/v1/{PROJECT}/demanager/instances/{NOTEBOOK}"),
            r#"{"action": "restart"}"#,
            "ACTIVE",
            "REBOOTING",
        ),
    ] {
        // A wrong secret key is refused at the root too, before the API sees the request.
        let action = format!("{root}{path}/action");
        let (status, refused) = sdk_call(&http, &signer("not-the-sk"), "POST", &action, body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {refused}");
        assert_eq!(refused["error_code"], "APIGW.0301", "{refused}");
        let (status, shown) = sdk_call(&http, &right, "GET", &format!("{root}{path}"), "").await;
        assert_eq!(
            (status, shown["status"].as_str()),
            (StatusCode::OK, Some(steady)),
            "{shown}"
        );

        let (status, answer) = sdk_call(&http, &right, "POST", &action, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        let (_, shown) = sdk_call(&http, &right, "GET", &format!("{root}{path}"), "").await;
        assert_eq!(shown["status"], busy, "{shown}");
        // The same resource under the API's prefix.
        let prefixed: Value = http
            .get(format!("{root}{prefix}{path}"))
            .header("X-Auth-Token", "fixed-token-not-used-here")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(prefixed["status"], busy, "{prefixed}");
    }
    // Only the two APIs' URIs are at the root.
    let (status, _) = sdk_call(
        &http,
        &right,
        "GET",
        &format!("{root}/v1/{PROJECT}/servers"),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.shutdown().await;
}

//! What OpenStack clients read besides the action: version documents, microversion
//! negotiation, and the show bodies while a restart runs, over real HTTP.

use super::*;

fn root(harness: &Harness) -> String {
    format!("http://{}", harness.server.local_addr())
}

impl Harness {
    async fn get(&self, url: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.client.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.bytes().await.unwrap().to_vec(),
        }
    }

    async fn get_with_token(&self, url: &str, headers: &[(&str, &str)]) -> Reply {
        let mut all = vec![("X-Auth-Token", TOKEN)];
        all.extend_from_slice(headers);
        self.get(url, &all).await
    }
}

/// The `rel: self` link of a version object.
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

#[tokio::test]
async fn identity_root_is_300_with_the_v3_document_and_its_location() {
    let harness = start(&[]).await;
    let base = root(&harness);
    for path in ["/identity", "/identity/"] {
        let reply = harness.get(&format!("{base}{path}"), &[]).await;
        assert_eq!(reply.status, 300, "{path}");
        assert_eq!(reply.content_type(), "application/json");
        let body = reply.json();
        let values = body["versions"]["values"].as_array().unwrap();
        assert_eq!(values.len(), 1, "{body}");
        let v3 = &values[0];
        assert_eq!(v3["id"], "v3.14");
        assert_eq!(v3["status"], "stable");
        assert!(v3["updated"].is_string());
        assert_eq!(
            v3["media-types"],
            json!([{ "base": "application/json", "type": "application/vnd.openstack.identity-v3+json" }])
        );
        let href = self_href(v3);
        assert_eq!(href, format!("{base}/identity/v3/"));
        assert_eq!(reply.header("location"), Some(href.as_str()));
    }
    for path in ["/identity/v3", "/identity/v3/"] {
        let reply = harness.get(&format!("{base}{path}"), &[]).await;
        assert_eq!(reply.status, 200, "{path}");
        let version = &reply.json()["version"];
        assert_eq!(version["id"], "v3.14");
        assert_eq!(self_href(version), format!("{base}/identity/v3/"));
    }
    // The token endpoint under it is unchanged.
    let reply = harness
        .send(
            Method::POST,
            &format!("{base}/identity/v3/auth/tokens"),
            None,
            Some("application/json"),
            r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"name":"Default"},"password":"wrong"}}}}}"#,
        )
        .await;
    assert_eq!(reply.status, 401);
    assert!(reply.header("www-authenticate").is_some());
}

#[tokio::test]
async fn compute_root_lists_v2_and_v21_and_each_link_answers_its_document() {
    let harness = start(&[]).await;
    let base = root(&harness);
    let reply = harness.get(&format!("{base}/ecs"), &[]).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let versions = body["versions"].as_array().unwrap();
    let ids: Vec<&str> = versions.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["v2.0", "v2.1"]);
    let v21 = &versions[1];
    assert_eq!(v21["status"], "CURRENT");
    assert_eq!(v21["min_version"], "2.1");
    assert_eq!(v21["version"], "2.60");
    assert_eq!(versions[0]["version"], "");
    assert_eq!(versions[0]["min_version"], "");

    for (version, media) in versions.iter().zip(["2", "2.1"]) {
        let href = self_href(version);
        let doc = harness.get(&href, &[]).await;
        assert_eq!(doc.status, 200, "{href}");
        let doc = doc.json();
        assert_eq!(doc["version"]["id"], version["id"], "{href}");
        assert_eq!(self_href(&doc["version"]), href);
        assert_eq!(
            doc["version"]["media-types"][0]["type"],
            format!("application/vnd.openstack.compute+json;version={media}")
        );
    }
    // The same list at the root with a trailing slash.
    let slash = harness.get(&format!("{base}/ecs/"), &[]).await;
    assert_eq!(slash.json(), body);
}

#[tokio::test]
async fn without_v2_the_compute_root_lists_only_v21() {
    let harness = start(&[Fault::EcsV2Missing]).await;
    let base = root(&harness);
    let body = harness.get(&format!("{base}/ecs"), &[]).await.json();
    let versions = body["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "{body}");
    assert_eq!(versions[0]["id"], "v2.1");
    assert_eq!(
        harness.get(&format!("{base}/ecs/v2/"), &[]).await.status,
        404
    );
}

#[tokio::test]
async fn database_roots_list_v1_and_each_link_answers_its_document() {
    let harness = start(&[]).await;
    let base = root(&harness);
    for prefix in ["clouddb", "clouddb-ha"] {
        let reply = harness.get(&format!("{base}/{prefix}"), &[]).await;
        assert_eq!(reply.status, 200, "{prefix}");
        let body = reply.json();
        let versions = body["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 1, "{body}");
        assert_eq!(versions[0]["id"], "v1.0");
        assert_eq!(versions[0]["status"], "CURRENT");
        let href = self_href(&versions[0]);
        assert_eq!(href, format!("{base}/{prefix}/v1.0/"));
        let doc = harness.get(&href, &[]).await;
        assert_eq!(doc.status, 200, "{href}");
        assert_eq!(doc.json()["version"], versions[0]);
    }
}

#[tokio::test]
async fn a_microversion_request_is_answered_with_the_version_headers() {
    let harness = start(&[]).await;
    let url = harness.status_url("ecs");
    for asked in [
        ("OpenStack-API-Version", "compute 2.47"),
        ("X-OpenStack-Nova-API-Version", "2.47"),
    ] {
        let reply = harness.get_with_token(&url, &[asked]).await;
        assert_eq!(reply.status, 200, "{asked:?}");
        assert_eq!(reply.header("openstack-api-version"), Some("compute 2.47"));
        assert_eq!(reply.header("x-openstack-nova-api-version"), Some("2.47"));
        let vary: Vec<&str> = reply
            .headers
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(
            vary,
            ["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"]
        );
        // 2.47 embeds the flavor.
        assert_eq!(reply.json()["server"]["flavor"]["original_name"], "m1.tiny");
    }
    // No header: served at 2.1, in the 2.1 shape; `latest` is the maximum.
    let plain = harness.get_with_token(&url, &[]).await;
    assert_eq!(plain.header("openstack-api-version"), Some("compute 2.1"));
    assert_eq!(plain.json()["server"]["flavor"]["id"], "1");
    let latest = harness
        .get_with_token(&url, &[("OpenStack-API-Version", "compute latest")])
        .await;
    assert_eq!(latest.header("x-openstack-nova-api-version"), Some("2.60"));
    // The action is negotiated too.
    let reply = harness
        .client
        .post(harness.action_url("ecs"))
        .header("X-Auth-Token", TOKEN)
        .header("Content-Type", "application/json")
        .header("OpenStack-API-Version", "compute 2.26")
        .body(valid_body("ecs"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 202);
    assert_eq!(reply.headers()["openstack-api-version"], "compute 2.26");
}

#[tokio::test]
async fn unserved_or_malformed_microversions_are_refused_and_v2_has_none() {
    let harness = start(&[]).await;
    let url = harness.status_url("ecs");
    let far = harness
        .get_with_token(&url, &[("OpenStack-API-Version", "compute 2.61")])
        .await;
    assert_eq!(far.status, 406);
    assert_eq!(fault_name(&far), "computeFault");
    assert_error_shape("ecs", &far);
    let bad = harness
        .get_with_token(&url, &[("X-OpenStack-Nova-API-Version", "2.x")])
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(fault_name(&bad), "badRequest");
    // The identity layer answers before Nova reads the version.
    let unauthorized = harness
        .get(&url, &[("OpenStack-API-Version", "compute 2.61")])
        .await;
    assert_eq!(unauthorized.status, 401);
    assert_eq!(unauthorized.header("openstack-api-version"), None);
    // The v2 API ignores microversions.
    let v2 = harness
        .get_with_token(
            &url.replace("/v2.1/", "/v2/"),
            &[("OpenStack-API-Version", "compute 2.61")],
        )
        .await;
    assert_eq!(v2.status, 200);
    assert_eq!(v2.header("openstack-api-version"), None);
}

#[tokio::test]
async fn server_show_during_a_reboot_has_status_and_task_state_without_the_project() {
    let harness = start(&[]).await;
    let base = &harness.base("ecs").base_url;
    let server = &harness.base("ecs").resource;
    let show = format!("{base}/v2.1/servers/{server}");
    for (kind, status, task) in [
        ("SOFT", "REBOOT", "rebooting"),
        ("HARD", "HARD_REBOOT", "rebooting_hard"),
    ] {
        let body = format!(r#"{{"reboot":{{"type":"{kind}"}}}}"#);
        let reply = harness.post_to(&format!("{show}/action"), &body).await;
        assert_eq!(reply.status, 202, "{kind}");
        let during = harness.get_with_token(&show, &[]).await.json();
        assert_eq!(during["server"]["status"], status, "{during}");
        assert_eq!(during["server"]["OS-EXT-STS:task_state"], task);
        assert_eq!(during["server"]["OS-EXT-STS:vm_state"], "active");
        assert_eq!(during["server"]["id"], json!(server));
        assert_eq!(
            self_href(&during["server"]),
            format!(
                "{base}/v2.1/{}/servers/{server}",
                harness.base("ecs").vars["project_id"]
            )
        );
        // The URI with the project shows the same server.
        assert_eq!(harness.state("ecs").await, status);
        harness.wait_steady("ecs").await;
        let after = harness.get_with_token(&show, &[]).await.json();
        assert_eq!(after["server"]["status"], "ACTIVE");
        assert!(
            after["server"]["OS-EXT-STS:task_state"].is_null(),
            "{after}"
        );
    }
    let unknown = harness
        .get_with_token(&format!("{base}/v2.1/servers/nope"), &[])
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(fault_name(&unknown), "itemNotFound");
}

#[tokio::test]
async fn database_ddm_and_modelarts_shows_carry_the_restarting_state_in_the_documented_shape() {
    let harness = start(&[]).await;
    for_every_api(&harness, |harness, api| async move {
        if api == "ecs" {
            return;
        }
        let reply = harness.post(api, valid_body(api)).await;
        assert_eq!(reply.status, success_status(api), "{api}");
        let body = harness
            .get_with_token(&harness.status_url(api), &[])
            .await
            .json();
        let restarting = restarting_state(api);
        match api {
            "clouddb" => {
                let i = &body["instance"];
                assert_eq!(i["status"], restarting);
                assert_eq!(self_href(i), harness.status_url(api));
                assert!(i["flavor"]["links"].is_array() && i["datastore"]["type"].is_string());
            }
            "clouddb-ha" => {
                let ha = &body["ha_instance"];
                assert_eq!(ha["state"], restarting);
                assert!(ha["replica_source"][0]["id"].is_string());
                assert!(ha["networks"].is_array() && ha["acls"].is_array());
            }
            "ddm" => {
                assert_eq!(body["status"], restarting);
                assert_eq!(body["node_status"], restarting);
                assert_eq!(body["nodes"][0]["status"], restarting);
                assert!(body["access_ip"].is_string() && body["node_count"].is_u64());
            }
            _ => {
                assert_eq!(body["status"], restarting);
                assert_eq!(body["profile"]["de_type"], "Notebook");
                assert!(body["flavor_details"].is_object() && body["workspace"].is_object());
            }
        }
        harness.wait_steady(api).await;
    })
    .await;
}

#[tokio::test]
async fn servers_are_listed_and_found_by_name_with_and_without_the_project() {
    let harness = start(&[]).await;
    let base = &harness.base("ecs").base_url;
    let project = &harness.base("ecs").vars["project_id"];
    let ids = &harness.base("ecs").resources;
    for list in [
        format!("{base}/v2.1/servers"),
        format!("{base}/v2.1/{project}/servers"),
        format!("{base}/v2/{project}/servers"),
    ] {
        let body = harness.get_with_token(&list, &[]).await.json();
        let listed: Vec<&str> = body["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            listed,
            ids.iter().map(String::as_str).collect::<Vec<_>>(),
            "{list}"
        );
        assert!(body["servers"][0]["links"].is_array() && body["servers"][0]["name"].is_string());
        assert!(body["servers"][0].get("status").is_none(), "{list}: {body}");
    }
    // By name, detailed, as `openstack server reboot NAME` looks it up: each name is one
    // server (the filter is a substring, so the first name also matches the others).
    let second = harness
        .get_with_token(
            &format!("{base}/v2.1/servers/detail?name=ecs-restart-test-2"),
            &[],
        )
        .await
        .json();
    let found = second["servers"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{second}");
    assert_eq!(found[0]["id"], json!(ids[1]));
    assert_eq!(found[0]["status"], "ACTIVE");
    let none = harness
        .get_with_token(&format!("{base}/v2.1/servers/detail?name=nothing"), &[])
        .await
        .json();
    assert_eq!(none, json!({ "servers": [] }));
    // Another project in the path, and no token.
    let other = harness
        .get_with_token(&format!("{base}/v2.1/someone-else/servers/detail"), &[])
        .await;
    assert_eq!(other.status, 400);
    assert_eq!(fault_name(&other), "badRequest");
    let anonymous = harness.get(&format!("{base}/v2.1/servers"), &[]).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn database_instances_are_listed_with_a_name_each() {
    let harness = start(&[]).await;
    let list = harness
        .url("clouddb", "/{version}/{accountId}/instances")
        .to_owned();
    let body = harness.get_with_token(&list, &[]).await.json();
    let instances = body["instances"].as_array().unwrap();
    let ids: Vec<&str> = instances
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let expected = &harness.base("clouddb").resources;
    assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
    let names: BTreeSet<&str> = instances
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), instances.len(), "{body}");
    assert_eq!(self_href(&instances[0]), harness.status_url("clouddb"));
    assert_eq!(instances[0]["status"], "ACTIVE");
    assert_eq!(harness.get(&list, &[]).await.status, 401);
}

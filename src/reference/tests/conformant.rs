//! Each API as the documents describe it, with no fault active.

use super::*;

#[tokio::test]
async fn every_api_restarts_refuses_a_second_restart_and_returns_to_steady() {
    let harness = start(&[]).await;
    for_every_api(&harness, |harness, api| async move {
        assert_eq!(harness.state(api).await, steady_state(api));
        let reply = harness.post(api, valid_body(api)).await;
        assert_eq!(reply.status, success_status(api), "{api}");
        assert_eq!(harness.state(api).await, restarting_state(api), "{api}");

        let second = harness.post(api, valid_body(api)).await;
        assert_eq!(second.status, busy_status(api), "{api}");
        assert_error_shape(api, &second);

        harness.wait_steady(api).await;
        let again = harness.post(api, valid_body(api)).await;
        assert_eq!(again.status, success_status(api), "{api} after the restart");
        harness.wait_steady(api).await;
    })
    .await;
}

#[tokio::test]
async fn success_bodies_follow_the_documents() {
    let harness = start(&[]).await;

    let ddm = harness.post("ddm", "{}").await;
    assert_eq!(ddm.status, 200);
    assert_eq!(ddm.content_type(), "application/json");
    let body = ddm.json();
    for field in ["instanceId", "instanceName", "jobId"] {
        assert!(body[field].is_string(), "{field} in {body}");
    }
    assert_eq!(
        body["instanceId"],
        json!(harness.base("ddm").vars["instance_id"])
    );

    for api in ["clouddb", "clouddb-ha", "ecs"] {
        let reply = harness.post(api, valid_body(api)).await;
        assert_eq!(reply.status, 202, "{api}");
        assert!(reply.body.is_empty(), "{api}");
        assert_eq!(reply.header("content-length"), Some("0"), "{api}");
    }

    let modelarts = harness.post("modelarts", valid_body("modelarts")).await;
    assert_eq!(modelarts.status, 200);
    assert_eq!(modelarts.content_type(), "application/json");
    assert_eq!(
        modelarts.json(),
        json!({"current_status": "REBOOTING", "previous_state": "ACTIVE"})
    );
}

#[tokio::test]
async fn ddm_accepts_every_optional_form_of_the_body() {
    let harness = start(&[]).await;
    for body in [
        "{}",
        r#"{"restart":{}}"#,
        r#"{"restart":{"type":"soft"}}"#,
        r#"{"restart":{"type":"hard"}}"#,
    ] {
        let reply = harness.post("ddm", body).await;
        assert_eq!(reply.status, 200, "{body}");
        harness.wait_steady("ddm").await;
    }
}

#[tokio::test]
async fn ecs_hard_reboot_shows_hard_reboot_and_both_versions_work() {
    let harness = start(&[]).await;
    let reply = harness.post("ecs", r#"{"reboot":{"type":"HARD"}}"#).await;
    assert_eq!(reply.status, 202);
    assert_eq!(harness.state("ecs").await, "HARD_REBOOT");
    let during = harness.post("ecs", r#"{"reboot":{"type":"HARD"}}"#).await;
    assert_eq!(during.status, 409);
    assert_eq!(fault_name(&during), "conflictingRequest");
    harness.wait_steady("ecs").await;

    let v2 = harness.action_url("ecs").replace("/v2.1/", "/v2/");
    let reply = harness.post_to(&v2, r#"{"reboot":{"type":"soft"}}"#).await;
    assert_eq!(reply.status, 202, "Nova's lower-case variant on /v2/");
    let status_v2 = harness.status_url("ecs").replace("/v2.1/", "/v2/");
    let reply = harness
        .send(Method::GET, &status_v2, Some(TOKEN), None, "")
        .await;
    assert_eq!(reply.json()["server"]["status"], json!("REBOOT"));
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_in_each_apis_shape() {
    let harness = start(&[]).await;
    for api in APIS {
        for token in [None, Some("not-the-token")] {
            let reply = harness
                .send(
                    Method::POST,
                    &harness.action_url(api),
                    token,
                    Some("application/json"),
                    valid_body(api),
                )
                .await;
            assert_eq!(reply.status, 401, "{api} {token:?}");
            assert_eq!(reply.content_type(), "application/json");
            let body = reply.json();
            match api {
                "ecs" => {
                    assert_eq!(body["error"]["code"], json!(401));
                    assert_eq!(body["error"]["title"], json!("Unauthorized"));
                    // It names this server's own identity endpoint, port included.
                    let identity = harness.server.identity_url();
                    let root = identity.trim_end_matches("/v3");
                    assert_eq!(
                        reply.header("www-authenticate"),
                        Some(format!("Keystone uri=\"{root}\"").as_str())
                    );
                }
                "clouddb" | "clouddb-ha" => assert_eq!(fault_name(&reply), "unauthorized"),
                _ => assert_error_shape(api, &reply),
            }
            let status = harness
                .send(Method::GET, &harness.status_url(api), token, None, "")
                .await;
            assert_eq!(status.status, 401, "{api} status {token:?}");
        }
        assert_eq!(harness.state(api).await, steady_state(api), "{api}");
    }
}

#[tokio::test]
async fn unknown_ids_are_404_on_action_and_status() {
    let harness = start(&[]).await;
    for api in APIS {
        let reference = harness.base(api);
        let id_var = reference
            .vars
            .keys()
            .find(|name| !["project_id", "version", "accountId"].contains(&name.as_str()))
            .unwrap();
        let id = &reference.vars[id_var];
        let action = harness.action_url(api).replace(id.as_str(), "no-such-id");
        let reply = harness.post_to(&action, valid_body(api)).await;
        assert_eq!(reply.status, 404, "{api}");
        assert_error_shape(api, &reply);
        if api != "ddm" && api != "modelarts" {
            assert_eq!(fault_name(&reply), "itemNotFound", "{api}");
        }
        let status = harness.status_url(api).replace(id.as_str(), "no-such-id");
        let reply = harness
            .send(Method::GET, &status, Some(TOKEN), None, "")
            .await;
        assert_eq!(reply.status, 404, "{api} status");
        assert_error_shape(api, &reply);
    }
}

#[tokio::test]
async fn other_methods_on_the_action_uri_are_405() {
    let harness = start(&[]).await;
    for api in APIS {
        for method in [Method::GET, Method::PUT, Method::DELETE, Method::PATCH] {
            let reply = harness
                .send(
                    method.clone(),
                    &harness.action_url(api),
                    Some(TOKEN),
                    Some("application/json"),
                    valid_body(api),
                )
                .await;
            assert_eq!(reply.status, 405, "{api} {method}");
            assert_eq!(reply.header("allow"), Some("POST"));
            assert_error_shape(api, &reply);
            if api != "ddm" && api != "modelarts" {
                assert_eq!(fault_name(&reply), "badMethod", "{api}");
            }
        }
        assert_eq!(harness.state(api).await, steady_state(api), "{api}");
    }
}

#[tokio::test]
async fn non_json_media_type_is_refused() {
    let harness = start(&[]).await;
    let expected = [
        ("ddm", 400, None),
        ("clouddb", 415, Some("badMediaType")),
        ("clouddb-ha", 400, Some("badRequest")),
        ("modelarts", 400, None),
        ("ecs", 415, Some("badMediaType")),
    ];
    for (api, status, name) in expected {
        let reply = harness
            .send(
                Method::POST,
                &harness.action_url(api),
                Some(TOKEN),
                Some("text/plain"),
                valid_body(api),
            )
            .await;
        assert_eq!(reply.status, status, "{api}");
        assert_error_shape(api, &reply);
        if let Some(name) = name {
            assert_eq!(fault_name(&reply), name, "{api}");
        }
        assert_eq!(harness.state(api).await, steady_state(api), "{api}");
    }
    let reply = harness
        .send(
            Method::POST,
            &harness.action_url("ddm"),
            Some(TOKEN),
            Some("application/json; charset=utf-8"),
            "{}",
        )
        .await;
    assert_eq!(
        reply.status, 200,
        "parameters of a JSON media type are fine"
    );
}

#[tokio::test]
async fn invalid_bodies_are_400_and_change_nothing() {
    let harness = start(&[]).await;
    for api in APIS {
        for body in bad_bodies(api) {
            let reply = harness.post(api, body).await;
            assert_eq!(reply.status, 400, "{api} {body:?}");
            assert_error_shape(api, &reply);
            if api != "ddm" && api != "modelarts" {
                assert_eq!(fault_name(&reply), "badRequest", "{api}");
            }
        }
        assert_eq!(harness.state(api).await, steady_state(api), "{api}");
    }
}

#[tokio::test]
async fn unknown_paths_are_404_json() {
    let harness = start(&[]).await;
    let root = format!("http://{}", harness.server.local_addr());
    for url in [
        format!("{root}/nowhere"),
        format!("{root}/ddm/v1/x"),
        format!("{root}/clouddb/v1.0/1234/nothing"),
        format!("{root}/ecs/v3/p/servers/s/action"),
    ] {
        let reply = harness.send(Method::GET, &url, Some(TOKEN), None, "").await;
        assert_eq!(reply.status, 404, "{url}");
        assert_eq!(reply.content_type(), "application/json", "{url}");
        reply.json();
    }
}

#[tokio::test]
async fn apis_and_target_file_name_every_api_and_its_resource() {
    let harness = start(&[]).await;
    let apis = harness.server.apis();
    let ids: Vec<&str> = apis.iter().map(|api| api.api).collect();
    assert_eq!(ids, APIS);
    let addr = harness.server.local_addr();
    for api in &apis {
        assert_eq!(api.base_url, format!("http://{addr}/{}", api.api));
    }
    let expected_vars = [
        ("ddm", vec!["instance_id", "project_id"]),
        ("clouddb", vec!["accountId", "instanceId", "version"]),
        ("clouddb-ha", vec!["accountId", "haId", "version"]),
        ("modelarts", vec!["instance_id", "project_id"]),
        ("ecs", vec!["project_id", "server_id"]),
    ];
    for (api, vars) in expected_vars {
        let names: Vec<&str> = harness.base(api).vars.keys().map(String::as_str).collect();
        assert_eq!(names, vars, "{api}");
    }
    assert_eq!(harness.base("clouddb").vars["version"], "v1.0");

    let yaml = harness.server.target_yaml("OS_AUTH_TOKEN");
    let target: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(target["auth"]["token_env"], json!("OS_AUTH_TOKEN"));
    for api in &apis {
        let entry = &target["apis"][api.api];
        assert_eq!(entry["base_url"], json!(api.base_url), "{yaml}");
        // The resource variable lists every resource (`--resources N`), the others are plain.
        let mut vars = json!(api.vars);
        vars[api.resource_var] = json!(api.resources);
        assert_eq!(entry["vars"], vars, "{yaml}");
    }
}

#[tokio::test]
async fn shutdown_stops_the_listener() {
    let harness = start(&[]).await;
    let url = harness.status_url("ecs");
    let client = harness.client.clone();
    let harness = Arc::into_inner(harness).unwrap();
    harness.server.shutdown().await;
    assert!(client.get(&url).send().await.is_err());
}

/// Rackspace's catalog has one Cloud Databases endpoint (`rax:database`, `…/v1.0/{account}`)
/// for instances and HA instances alike: the HA API answers there too, on the same HA
/// instances as under its own prefix, and its show body links under the prefix asked.
#[tokio::test]
async fn the_ha_api_answers_under_the_cloud_databases_prefix_too() {
    let harness = start(&[]).await;
    let own = harness.action_url("clouddb-ha");
    let shared = own.replace("/clouddb-ha/", "/clouddb/");
    assert_ne!(own, shared);
    let reply = harness.post_to(&shared, valid_body("clouddb-ha")).await;
    assert_eq!(
        reply.status,
        202,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    // The same HA instance: restarting under its own prefix is refused while it reboots.
    assert_eq!(harness.state("clouddb-ha").await, "REBOOT");
    let busy = harness.post_to(&own, valid_body("clouddb-ha")).await;
    assert_eq!(busy.status, busy_status("clouddb-ha"));
    let status = shared.strip_suffix("/action").unwrap();
    let show = harness
        .send(Method::GET, status, Some(TOKEN), None, "")
        .await;
    assert_eq!(show.status, 200);
    let flavor = show.json()["ha_instance"]["flavor"]["links"][0]["href"].clone();
    assert!(
        flavor.as_str().unwrap().contains("/clouddb/v1.0/"),
        "{flavor}"
    );
    // Unknown paths under /clouddb still get Cloud Databases' own 404.
    let unknown = harness
        .send(
            Method::GET,
            &status.replace("/ha/", "/nope/"),
            Some(TOKEN),
            None,
            "",
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_error_shape("clouddb", &unknown);
}

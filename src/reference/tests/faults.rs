//! Each fault of the first two groups: one change to the conformant behaviour.

use super::*;

#[test]
fn fault_names_round_trip_and_errors_list_them() {
    let mut names = BTreeSet::new();
    for &fault in Fault::ALL {
        assert_eq!(fault.name().parse::<Fault>(), Ok(fault));
        assert_eq!(fault.to_string(), fault.name());
        assert!(!fault.description().is_empty());
        assert!(!fault.description().contains('\n'));
        assert!(names.insert(fault.name()), "duplicate {}", fault.name());
    }
    assert_eq!(Fault::ALL.len(), 40);
    let error = "ddm-wrong".parse::<Fault>().unwrap_err();
    assert!(error.contains("ddm-wrong"), "{error}");
    for name in names {
        assert!(error.contains(name), "{error}");
    }
}

#[tokio::test]
async fn ddm_wrong_success_status_answers_202_with_the_same_body() {
    let harness = start(&[Fault::DdmWrongSuccessStatus]).await;
    let reply = harness.post("ddm", valid_body("ddm")).await;
    assert_eq!(reply.status, 202);
    assert!(reply.json()["jobId"].is_string());
}

#[tokio::test]
async fn ddm_missing_job_id_drops_only_job_id() {
    let harness = start(&[Fault::DdmMissingJobId]).await;
    let body = harness.post("ddm", valid_body("ddm")).await.json();
    assert!(body.get("jobId").is_none(), "{body}");
    assert!(body["instanceId"].is_string() && body["instanceName"].is_string());
}

#[tokio::test]
async fn ddm_text_plain_labels_the_json_body_text_plain() {
    let harness = start(&[Fault::DdmTextPlain]).await;
    let reply = harness.post("ddm", valid_body("ddm")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "text/plain");
    assert!(reply.json()["jobId"].is_string());
}

#[tokio::test]
async fn ddm_bad_error_body_changes_only_400_bodies() {
    let harness = start(&[Fault::DdmBadErrorBody]).await;
    let reply = harness
        .post("ddm", r#"{"restart":{"type":"MEDIUM"}}"#)
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json(), json!({"error": "bad request"}));
    let unknown = harness.action_url("ddm").replace("in09", "in10");
    let reply = harness.post_to(&unknown, "{}").await;
    assert_eq!(reply.status, 404);
    assert_error_shape("ddm", &reply);
}

#[tokio::test]
async fn modelarts_wrong_type_makes_current_status_a_number() {
    let harness = start(&[Fault::ModelartsWrongType]).await;
    let body = harness
        .post("modelarts", valid_body("modelarts"))
        .await
        .json();
    assert_eq!(
        body,
        json!({"current_status": 3, "previous_state": "ACTIVE"})
    );
}

#[tokio::test]
async fn clouddb_body_on_202_adds_a_json_body() {
    let harness = start(&[Fault::ClouddbBodyOn202]).await;
    let reply = harness.post("clouddb", valid_body("clouddb")).await;
    assert_eq!(reply.status, 202);
    assert_eq!(reply.json(), json!({"accepted": true}));
    let ha = harness.post("clouddb-ha", valid_body("clouddb-ha")).await;
    assert!(ha.body.is_empty(), "HA is unchanged");
}

#[tokio::test]
async fn clouddb_bad_error_body_answers_plain_text() {
    let harness = start(&[Fault::ClouddbBadErrorBody]).await;
    let reply = harness.post("clouddb", "{}").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.content_type(), "text/plain");
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());
    let ha = harness.post("clouddb-ha", "{}").await;
    assert_eq!(fault_name(&ha), "badRequest", "HA is unchanged");
}

#[tokio::test]
async fn clouddb_undocumented_status_answers_409_during_reboot() {
    let harness = start(&[Fault::ClouddbUndocumentedStatus]).await;
    assert_eq!(
        harness.post("clouddb", valid_body("clouddb")).await.status,
        202
    );
    let reply = harness.post("clouddb", valid_body("clouddb")).await;
    assert_eq!(reply.status, 409);
    assert_eq!(fault_name(&reply), "conflictingRequest");
}

#[tokio::test]
async fn ha_never_active_stays_in_reboot() {
    let harness = start(&[Fault::HaNeverActive]).await;
    assert_eq!(
        harness
            .post("clouddb-ha", valid_body("clouddb-ha"))
            .await
            .status,
        202
    );
    tokio::time::sleep(REBOOT * 2).await;
    assert_eq!(harness.state("clouddb-ha").await, "REBOOT");
    harness.wait_steady("clouddb").await;
}

#[tokio::test]
async fn ha_no_reboot_state_never_shows_reboot() {
    let harness = start(&[Fault::HaNoRebootState]).await;
    assert_eq!(
        harness
            .post("clouddb-ha", valid_body("clouddb-ha"))
            .await
            .status,
        202
    );
    assert_eq!(harness.state("clouddb-ha").await, "ACTIVE");
}

#[tokio::test]
async fn ecs_concurrent_accepted_takes_a_restart_during_reboot() {
    let harness = start(&[Fault::EcsConcurrentAccepted]).await;
    assert_eq!(harness.post("ecs", valid_body("ecs")).await.status, 202);
    let reply = harness.post("ecs", r#"{"reboot":{"type":"HARD"}}"#).await;
    assert_eq!(reply.status, 202);
    assert_eq!(harness.state("ecs").await, "HARD_REBOOT");
}

#[tokio::test]
async fn ecs_v2_missing_answers_404_on_v2_only() {
    let harness = start(&[Fault::EcsV2Missing]).await;
    let v2 = harness.action_url("ecs").replace("/v2.1/", "/v2/");
    let reply = harness.post_to(&v2, valid_body("ecs")).await;
    assert_eq!(reply.status, 404);
    assert_eq!(fault_name(&reply), "itemNotFound");
    assert_eq!(harness.post("ecs", valid_body("ecs")).await.status, 202);
}

/// Posts `body`, expects a real restart: the success status, then the restarting state.
async fn assert_restarts(harness: &Harness, api: &str, body: &str) {
    let reply = harness.post(api, body).await;
    assert_eq!(reply.status, success_status(api), "{api} {body:?}");
    assert_eq!(
        harness.state(api).await,
        restarting_state(api),
        "{api} {body:?}"
    );
    harness.wait_steady(api).await;
}

#[tokio::test]
async fn accept_missing_required_restarts_on_a_body_without_the_field() {
    let harness = start(&[Fault::AcceptMissingRequired]).await;
    for (api, body) in [
        ("clouddb", "{}"),
        ("clouddb-ha", "{}"),
        ("modelarts", "{}"),
        ("ecs", "{}"),
        ("ecs", r#"{"reboot":{}}"#),
    ] {
        assert_restarts(&harness, api, body).await;
    }
    assert_eq!(
        harness
            .post("ecs", r#"{"reboot":{"type":"MEDIUM"}}"#)
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn accept_bad_enum_restarts_on_an_unknown_value() {
    let harness = start(&[Fault::AcceptBadEnum]).await;
    for (api, body) in [
        ("ddm", r#"{"restart":{"type":"MEDIUM"}}"#),
        ("modelarts", r#"{"action":"explode"}"#),
        ("ecs", r#"{"reboot":{"type":"MEDIUM"}}"#),
    ] {
        assert_restarts(&harness, api, body).await;
    }
    assert_eq!(harness.post("ecs", "{}").await.status, 400);
}

#[tokio::test]
async fn accept_wrong_type_restarts_on_a_mistyped_value() {
    let harness = start(&[Fault::AcceptWrongType]).await;
    for (api, body) in [
        ("ddm", r#"{"restart":{"type":1}}"#),
        ("ddm", r#"{"restart":"soft"}"#),
        ("clouddb", r#"{"restart":"now"}"#),
        ("clouddb-ha", r#"{"restart":"now"}"#),
        ("modelarts", r#"{"action":1}"#),
        ("ecs", r#"{"reboot":{"type":1}}"#),
        ("ecs", r#"{"reboot":"SOFT"}"#),
    ] {
        assert_restarts(&harness, api, body).await;
    }
    assert_eq!(harness.post("modelarts", "{}").await.status, 400);
}

#[tokio::test]
async fn accept_malformed_json_restarts_on_a_body_that_is_not_json() {
    let harness = start(&[Fault::AcceptMalformedJson]).await;
    for_every_api(&harness, |harness, api| async move {
        assert_restarts(&harness, api, "{not json").await;
    })
    .await;
}

#[tokio::test]
async fn accept_any_media_type_restarts_on_text_plain() {
    let harness = start(&[Fault::AcceptAnyMediaType]).await;
    for_every_api(&harness, |harness, api| async move {
        let reply = harness
            .send(
                Method::POST,
                &harness.action_url(api),
                Some(TOKEN),
                Some("text/plain"),
                valid_body(api),
            )
            .await;
        assert_eq!(reply.status, success_status(api), "{api}");
        assert_eq!(harness.state(api).await, restarting_state(api), "{api}");
    })
    .await;
}

#[tokio::test]
async fn accept_no_token_restarts_without_a_token() {
    let harness = start(&[Fault::AcceptNoToken]).await;
    for_every_api(&harness, |harness, api| async move {
        let url = harness.action_url(api);
        let wrong = harness
            .send(
                Method::POST,
                &url,
                Some("wrong"),
                Some("application/json"),
                valid_body(api),
            )
            .await;
        assert_eq!(wrong.status, 401, "{api}: a wrong token is still refused");
        let reply = harness
            .send(
                Method::POST,
                &url,
                None,
                Some("application/json"),
                valid_body(api),
            )
            .await;
        assert_eq!(reply.status, success_status(api), "{api}");
        assert_eq!(harness.state(api).await, restarting_state(api), "{api}");
    })
    .await;
}

#[tokio::test]
async fn accept_unknown_id_answers_success_for_any_id() {
    let harness = start(&[Fault::AcceptUnknownId]).await;
    let urls = [
        ("ddm", harness.action_url("ddm").replace("in09", "in10")),
        (
            "clouddb",
            harness
                .action_url("clouddb")
                .replace("d4603f69", "00000000"),
        ),
        (
            "clouddb-ha",
            harness
                .action_url("clouddb-ha")
                .replace("3a493f8c", "00000000"),
        ),
        (
            "modelarts",
            harness
                .action_url("modelarts")
                .replace("47cf4ff3", "00000000"),
        ),
        (
            "ecs",
            harness.action_url("ecs").replace("9f1c6b3e", "00000000"),
        ),
    ];
    for (api, url) in urls {
        let reply = harness.post_to(&url, valid_body(api)).await;
        assert_eq!(reply.status, success_status(api), "{api} {url}");
        assert_eq!(harness.state(api).await, steady_state(api), "{api}");
        let status = url.strip_suffix("/action").unwrap();
        let reply = harness
            .send(Method::GET, status, Some(TOKEN), None, "")
            .await;
        assert_eq!(reply.status, 404, "{api}: the status URI is unchanged");
    }
}

#[tokio::test]
async fn accept_any_method_answers_200_empty_object() {
    let harness = start(&[Fault::AcceptAnyMethod]).await;
    for api in APIS {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let reply = harness
                .send(method, &harness.action_url(api), Some(TOKEN), None, "")
                .await;
            assert_eq!(reply.status, 200, "{api}");
            assert_eq!(reply.json(), json!({}));
        }
    }
}

#[tokio::test]
async fn reject_optional_body_refuses_the_empty_forms() {
    let harness = start(&[Fault::RejectOptionalBody]).await;
    for body in ["{}", r#"{"restart":{}}"#] {
        let reply = harness.post("ddm", body).await;
        assert_eq!(reply.status, 400, "{body}");
        assert_error_shape("ddm", &reply);
    }
    assert_restarts(&harness, "ddm", r#"{"restart":{"type":"hard"}}"#).await;
}

#[tokio::test]
async fn server_error_on_bad_body_answers_500_in_each_shape() {
    let harness = start(&[Fault::ServerErrorOnBadBody]).await;
    for api in APIS {
        for body in bad_bodies(api) {
            let reply = harness.post(api, body).await;
            assert_eq!(reply.status, 500, "{api} {body:?}");
            assert_error_shape(api, &reply);
        }
        let reply = harness
            .send(
                Method::POST,
                &harness.action_url(api),
                None,
                None,
                valid_body(api),
            )
            .await;
        assert_eq!(reply.status, 401, "{api}: other refusals are unchanged");
    }
}

#[tokio::test]
async fn nova_like_answers_routing_404s_and_reads_text_plain_as_json() {
    let harness = start(&[Fault::NovaLike]).await;
    let url = harness.action_url("ecs");
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let reply = harness
            .send(method.clone(), &url, Some(TOKEN), None, "")
            .await;
        assert_eq!(reply.status, 404, "{method}");
        assert_eq!(reply.content_type(), "application/json");
        let body = reply.json();
        assert_eq!(body["code"], "404 Not Found", "{body}");
        assert_eq!(body["title"], "Not Found", "{body}");
        assert!(body["message"].is_string(), "{body}");
    }
    let reply = harness
        .send(
            Method::POST,
            &url,
            None,
            Some("application/json"),
            valid_body("ecs"),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"]["code"], 401);
    assert!(reply.header("www-authenticate").is_some());
    let reply = harness
        .send(
            Method::POST,
            &url,
            Some(TOKEN),
            Some("text/plain"),
            r#"{"reboot":{"type":"soft"}}"#,
        )
        .await;
    assert_eq!(reply.status, 202);
    assert_eq!(reply.content_type(), "application/json");
    assert!(reply.body.is_empty());
    assert_eq!(harness.state("ecs").await, "REBOOT");
    // Other APIs are untouched.
    let reply = harness
        .send(
            Method::GET,
            &harness.action_url("clouddb"),
            Some(TOKEN),
            None,
            "",
        )
        .await;
    assert_eq!(reply.status, 405);
}

#[tokio::test]
async fn trove_like_answers_as_trove_26_does() {
    let harness = start(&[Fault::TroveLike]).await;
    let url = harness.action_url("clouddb");
    let reply = harness.send(Method::GET, &url, Some(TOKEN), None, "").await;
    assert_eq!(reply.status, 404);
    assert_eq!(fault_name(&reply), "itemNotFound");
    let reply = harness
        .send(
            Method::POST,
            &url,
            None,
            Some("application/json"),
            "{\"restart\":{}}",
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"]["title"], "Unauthorized");
    assert!(reply.header("www-authenticate").is_some());
    let reply = harness.post("clouddb", "{\"restart\":{}").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["code"], "400 Bad Request");
    let reply = harness
        .send(
            Method::POST,
            &url,
            Some(TOKEN),
            Some("text/plain"),
            "{\"restart\":{}}",
        )
        .await;
    assert_eq!(reply.status, 415);
    assert_eq!(reply.json()["title"], "Unsupported Media Type");
    let reply = harness.post("clouddb", "{}").await;
    assert_eq!(reply.status, 500);
    assert_eq!(fault_name(&reply), "instanceFault");
    let reply = harness.post("clouddb", "{\"restart\":{}}").await;
    assert_eq!(reply.status, 202);
    assert_eq!(harness.state("clouddb").await, "REBOOT");
}

#[tokio::test]
async fn accept_all_no_restart_accepts_anything_and_never_restarts() {
    let harness = start(&[Fault::AcceptAllNoRestart]).await;
    for api in APIS {
        let valid = harness.post(api, valid_body(api)).await;
        assert_eq!(valid.status, success_status(api), "{api}");
        for body in bad_bodies(api) {
            let reply = harness.post(api, body).await;
            assert_eq!(reply.status, success_status(api), "{api} {body}");
        }
        let url = harness.action_url(api);
        let no_token = harness
            .send(Method::POST, &url, None, Some("text/plain"), "x")
            .await;
        assert_eq!(no_token.status, success_status(api), "{api} without token");
        // Nothing restarted: the state is still the steady one.
        assert_eq!(harness.state(api).await, steady_state(api), "{api}");
    }
}

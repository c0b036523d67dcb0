//! Several resources per API (`--resources N`): derived ids, each with its own state machine.

use super::*;

/// The status body's state, for any status URL.
async fn state_at(harness: &Harness, api: &str, url: &str) -> (String, Value) {
    let reply = harness.send(Method::GET, url, Some(TOKEN), None, "").await;
    assert_eq!(reply.status, 200, "{api} {url}");
    let body = reply.json();
    let pointer = match api {
        "clouddb" => "/instance/status",
        "clouddb-ha" => "/ha_instance/state",
        "ecs" => "/server/status",
        _ => "/status",
    };
    let state = body.pointer(pointer).unwrap().as_str().unwrap().to_owned();
    (state, body)
}

#[tokio::test]
async fn every_api_lists_two_distinct_derived_resources_by_default() {
    let harness = start(&[]).await;
    let again = start(&[]).await;
    for reference in harness.server.apis() {
        assert_eq!(
            reference.resources.len(),
            DEFAULT_RESOURCES,
            "{}",
            reference.api
        );
        assert_eq!(
            reference.resources[0], reference.vars[reference.resource_var],
            "{}: the first resource is the one in vars",
            reference.api
        );
        assert_ne!(
            reference.resources[0], reference.resources[1],
            "{}",
            reference.api
        );
        let other = &again.apis[reference.api];
        assert_eq!(
            reference.resources, other.resources,
            "ids are derived, not random"
        );
    }
    let yaml = harness.server.target_yaml("OS_AUTH_TOKEN");
    let ecs = &harness.apis["ecs"].resources;
    assert!(
        yaml.contains(&format!("server_id: [\"{}\", \"{}\"]", ecs[0], ecs[1])),
        "{yaml}"
    );
}

#[tokio::test]
async fn each_resource_restarts_independently() {
    let harness = start(&[]).await;
    for_every_api(&harness, |harness, api| async move {
        let reference = harness.base(api);
        let (first, second) = (&reference.resources[0], &reference.resources[1]);
        let action_b = harness.action_url(api).replace(first.as_str(), second);
        let status_b = harness.status_url(api).replace(first.as_str(), second);
        let status_a = harness.status_url(api);

        let reply = harness.post_to(&action_b, valid_body(api)).await;
        assert_eq!(reply.status, success_status(api), "{api}");
        let (state_b, body_b) = state_at(&harness, api, &status_b).await;
        assert_eq!(state_b, restarting_state(api), "{api}: the restarted one");
        assert!(
            body_b.to_string().contains(second.as_str()),
            "{api}: {body_b}"
        );
        let (state_a, _) = state_at(&harness, api, &status_a).await;
        assert_eq!(
            state_a,
            steady_state(api),
            "{api}: the other one stays steady"
        );

        // The other resource accepts its own restart while the first still restarts, and a
        // second restart of the busy one is still refused.
        let reply = harness.post(api, valid_body(api)).await;
        assert_eq!(reply.status, success_status(api), "{api}: not busy");
        let reply = harness.post_to(&action_b, valid_body(api)).await;
        assert_eq!(reply.status, busy_status(api), "{api}: still busy");
        harness.wait_steady(api).await;
        for _ in 0..40 {
            if state_at(&harness, api, &status_b).await.0 == steady_state(api) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{api}: the second resource never returned to steady");
    })
    .await;
}

#[tokio::test]
async fn an_id_beyond_the_configured_count_is_unknown() {
    let config = ReferenceConfig {
        reboot: REBOOT,
        faults: BTreeSet::new(),
        token: TOKEN.to_owned(),
        resources: 3,
    };
    let server = ReferenceServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), config)
        .await
        .unwrap();
    let three = server.apis();
    drop(server);
    let harness = start(&[]).await;
    for reference in three {
        assert_eq!(reference.resources.len(), 3, "{}", reference.api);
        let api = reference.api;
        let mine = &harness.base(api).resources;
        assert_eq!(
            reference.resources[..2],
            mine[..],
            "{api}: the same first two ids"
        );
        let status = harness
            .status_url(api)
            .replace(mine[0].as_str(), &reference.resources[2]);
        let reply = harness
            .send(Method::GET, &status, Some(TOKEN), None, "")
            .await;
        assert_eq!(reply.status, 404, "{api}: only two resources here");
    }
}

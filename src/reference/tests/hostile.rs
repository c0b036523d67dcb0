//! The hostile faults: answers a client must survive rather than judge.

use super::*;
use crate::reference::hostile::HUGE_BODY_BYTES;

#[tokio::test]
async fn hang_never_answers_until_shutdown() {
    let harness = start(&[Fault::Hang]).await;
    let request = harness
        .client
        .post(harness.action_url("ddm"))
        .header("X-Auth-Token", TOKEN)
        .body("{}")
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(request.unwrap_err().is_timeout());
    assert_eq!(
        harness.state("ddm").await,
        "RUNNING",
        "status URI still works"
    );

    let pending = tokio::spawn({
        let client = harness.client.clone();
        let url = harness.action_url("ddm");
        async move {
            client
                .post(url)
                .header("X-Auth-Token", TOKEN)
                .body("{}")
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let harness = Arc::into_inner(harness).unwrap();
    let shutdown = tokio::time::timeout(Duration::from_secs(2), harness.server.shutdown()).await;
    assert!(
        shutdown.is_ok(),
        "shutdown is not held up by a hanging request"
    );
    let _ = pending.await.unwrap();
}

#[tokio::test]
async fn truncated_json_cuts_the_body() {
    let harness = start(&[Fault::TruncatedJson]).await;
    let reply = harness.post("ddm", "{}").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(reply.body, br#"{"instanceId": "abc", "instanceNa"#);
}

#[tokio::test]
async fn invalid_utf8_puts_ff_fe_in_a_string() {
    let harness = start(&[Fault::InvalidUtf8]).await;
    let reply = harness.post("ddm", "{}").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "application/json");
    assert!(std::str::from_utf8(&reply.body).is_err());
    assert!(reply.body.windows(2).any(|pair| pair == [0xff, 0xfe]));
}

#[tokio::test]
async fn json_as_html_labels_the_body_text_html() {
    let harness = start(&[Fault::JsonAsHtml]).await;
    let reply = harness.post("ddm", "{}").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "text/html");
    assert!(reply.json()["jobId"].is_string());
}

#[tokio::test]
async fn redirect_points_at_another_host_with_the_same_path() {
    let harness = start(&[Fault::Redirect]).await;
    let url = harness.action_url("ddm");
    let reply = harness.post_to(&url, "{}").await;
    assert_eq!(reply.status, 307);
    let port = harness.server.local_addr().port();
    let expected = url.replace(&format!("127.0.0.1:{port}"), &format!("127.0.0.2:{port}"));
    assert_eq!(reply.header("location"), Some(expected.as_str()));
    assert_eq!(harness.state("ddm").await, "RUNNING");
}

#[tokio::test]
async fn retry_after_refuses_only_the_first_request_per_resource() {
    let harness = start(&[Fault::RetryAfter]).await;
    let first = harness.post("ddm", "{}").await;
    assert_eq!(first.status, 503);
    assert_eq!(first.header("retry-after"), Some("1"));
    assert_error_shape("ddm", &first);
    let second = harness.post("ddm", "{}").await;
    assert_eq!(second.status, 200);
}

#[tokio::test]
async fn huge_body_streams_200_mb_without_content_length() {
    let harness = start(&[Fault::HugeBody]).await;
    let ddm = harness.base("ddm").base_url.clone();
    assert!(
        !ddm.contains(&harness.server.local_addr().to_string()),
        "{ddm}"
    );
    assert_eq!(
        harness.state("ddm").await,
        "RUNNING",
        "the status URI passes through"
    );
    let unauthorized = harness
        .send(Method::POST, &harness.action_url("ddm"), None, None, "{}")
        .await;
    assert_eq!(unauthorized.status, 401, "refusals pass through unchanged");

    let mut response = harness
        .client
        .post(harness.action_url("ddm"))
        .header("X-Auth-Token", TOKEN)
        .header(CONTENT_TYPE, "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(CONTENT_LENGTH).is_none());
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    // Read the state before the 200 MB: streaming it in a debug build under
    // load can outlast the restart.
    assert_eq!(
        harness.state("ddm").await,
        "RESTARTING",
        "the restart really happened"
    );
    let mut total = 0;
    let mut start = Vec::new();
    let mut end = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        if start.len() < 64 {
            start.extend_from_slice(&chunk);
        }
        total += chunk.len();
        end.extend_from_slice(&chunk);
        end.drain(..end.len().saturating_sub(8));
    }
    assert_eq!(total, HUGE_BODY_BYTES);
    assert!(
        start.starts_with(br#"{"instanceId":"#),
        "{}",
        String::from_utf8_lossy(&start)
    );
    assert!(end.ends_with(br#"xx"}"#));
}

#[tokio::test]
async fn close_early_closes_every_ddm_connection() {
    let harness = start(&[Fault::CloseEarly]).await;
    let error = harness
        .client
        .post(harness.action_url("ddm"))
        .header("X-Auth-Token", TOKEN)
        .body("{}")
        .send()
        .await
        .unwrap_err();
    assert!(!error.is_timeout(), "{error}");
    assert_eq!(
        harness.post("ecs", valid_body("ecs")).await.status,
        202,
        "other APIs work"
    );
}

#[tokio::test]
async fn not_http_answers_garbage() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let harness = start(&[Fault::NotHttp]).await;
    let url = harness.action_url("ddm");
    assert!(harness.client.post(&url).body("{}").send().await.is_err());

    let authority = url
        .strip_prefix("http://")
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    stream
        .write_all(b"POST /ddm/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    assert_eq!(answer, b"garbage\r\n\r\n not http at all");
}

/// The seeded `drop-polls` front resets the first reachability probe of clouddb-ha and
/// modelarts (the seed is chosen so: a harness that never tries a probe twice loses both
/// APIs) and passes their second; the other probes and every action go through.
#[tokio::test]
async fn drop_polls_resets_seeded_reads_only() {
    let harness = start(&[Fault::DropPolls]).await;
    let main = harness.server.local_addr().to_string();
    for api in ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"] {
        assert!(
            !harness.base(api).base_url.contains(&main),
            "{api} is not behind the front"
        );
    }
    let probe = |api: &str| {
        harness
            .client
            .get(harness.base(api).base_url.clone())
            .send()
    };
    for api in ["clouddb-ha", "modelarts"] {
        let first = probe(api).await;
        assert!(first.is_err(), "{api}: the first probe is dropped");
        assert!(probe(api).await.is_ok(), "{api}: the second goes through");
    }
    for api in ["ddm", "clouddb", "ecs"] {
        assert!(probe(api).await.is_ok(), "{api}");
    }
    // Actions are never dropped under drop-polls.
    for _ in 0..20 {
        let reply = harness.post("ecs", valid_body("ecs")).await;
        assert!(
            reply.status == 202 || reply.status == 409,
            "{}",
            reply.status
        );
    }
}

/// Under `drop-requests` some actions are lost after the server served them: the answer is
/// gone, the restart happened.
#[tokio::test]
async fn drop_requests_loses_some_answers_after_serving_them() {
    let harness = start(&[Fault::DropRequests]).await;
    let mut lost_but_served = 0;
    for _ in 0..200 {
        let before = harness.server.action_requests();
        let sent = harness
            .client
            .post(harness.action_url("ecs"))
            .header("X-Auth-Token", TOKEN)
            .header(CONTENT_TYPE, "application/json")
            .body("{")
            .send()
            .await;
        if sent.is_err() && harness.server.action_requests() > before {
            lost_but_served += 1;
        }
    }
    assert!(lost_but_served > 0, "no answer was lost after serving");
    assert!(lost_but_served < 20, "{lost_but_served} of 200 lost");
}

/// Under `lose-poll-in-restart` the first read of a resource after its first accepted restart
/// is held until the restart is over, then reset; a refused request arms nothing, and the reads
/// and restarts after it go through.
#[tokio::test]
async fn lose_poll_in_restart_hides_only_the_first_restart_of_a_resource() {
    let harness = start(&[Fault::LosePollInRestart]).await;
    let read = || {
        harness
            .client
            .get(harness.status_url("ecs"))
            .header("X-Auth-Token", TOKEN)
            .send()
    };
    assert_eq!(harness.post("ecs", "{").await.status, 400);
    assert!(read().await.is_ok(), "a refused request arms nothing");

    assert_eq!(harness.post("ecs", valid_body("ecs")).await.status, 202);
    let held = std::time::Instant::now();
    assert!(
        read().await.is_err(),
        "the first read after the restart is reset"
    );
    assert!(held.elapsed() > REBOOT, "reset before the restart was over");
    assert_eq!(harness.state("ecs").await, "ACTIVE");

    assert_eq!(harness.post("ecs", valid_body("ecs")).await.status, 202);
    assert!(read().await.is_ok(), "only the first restart is hidden");
}

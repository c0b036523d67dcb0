//! The client's own tests: origins, pacing, redirects signed afresh, reads tried again.

use super::*;

#[test]
fn origins_compare_scheme_host_and_port() {
    assert_eq!(
        origin("http://a.example:80/x"),
        origin("http://a.example/y")
    );
    assert_ne!(origin("http://a.example/x"), origin("https://a.example/x"));
    assert_ne!(
        origin("http://127.0.0.1:8080/x"),
        origin("http://127.0.0.2:8080/x")
    );
    assert_ne!(
        origin("http://a.example:8080/x"),
        origin("http://a.example:8081/x")
    );
}

/// Under `--rate 4`, requests go out a quarter second apart (on a paused
/// clock, so the test measures no real time).
#[tokio::test(start_paused = true)]
async fn rate_spaces_requests() {
    let options = HttpOptions {
        rate: Some(4.0),
        ..HttpOptions::default()
    };
    let http = Http::new(
        Secret::new("t"),
        Duration::from_secs(1),
        1024,
        false,
        options,
    )
    .unwrap();
    let t0 = tokio::time::Instant::now();
    for _ in 0..5 {
        http.pace().await;
    }
    assert_eq!(t0.elapsed(), Duration::from_millis(1000));
}

/// A same-origin redirect is followed with a signature of its own: the
/// second request is signed over its own path, and the server sees the
/// headers the record shows.
#[tokio::test]
async fn a_followed_redirect_is_signed_afresh_over_its_own_path() {
    use axum::http::{HeaderMap as AxHeaders, StatusCode};
    use axum::routing::post;
    let app = axum::Router::new()
        .route(
            "/a",
            post(|| async { (StatusCode::TEMPORARY_REDIRECT, [("location", "/b")]) }),
        )
        .route(
            "/b",
            post(|h: AxHeaders| async move {
                let get = |n: &str| {
                    h.get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                format!(
                    "{}\n{}\n{}",
                    get("host"),
                    get("x-sdk-date"),
                    get("authorization")
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let key = AkSk {
        ak: "AK".into(),
        sk: Secret::new("SK"),
        project_id: Some("p".into()),
        security_token: None,
        ak_env: "A".into(),
        sk_env: "S".into(),
        security_token_env: "T".into(),
    };
    let options = HttpOptions {
        follow_redirects: true,
        ..HttpOptions::default()
    };
    let http = Http::new(
        Secret::new(""),
        Duration::from_secs(5),
        1024,
        false,
        options,
    )
    .unwrap();
    let url = format!("http://{addr}/a");
    let out = Outgoing {
        purpose: "request",
        method: "POST",
        url: &url,
        auth_header: Some("X-Auth-Token"),
        content_type: Some("application/json"),
        body: Some(b"{}"),
        signer: Some((&key, Tamper::None)),
    };
    let (records, received, _) = http.send_all(out, Instant::now()).await;
    server.abort();
    assert_eq!(records.len(), 2);
    let seen = String::from_utf8(received.unwrap().body).unwrap();
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines[0], format!("127.0.0.1:{}", addr.port()));
    let sent: Vec<(String, String)> = records[1].request.headers.clone();
    let value = |n: &str| {
        sent.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(value("X-Sdk-Date"), lines[1]);
    assert_eq!(value("Authorization"), lines[2]);
    assert!(sent.iter().all(|(k, _)| k != "X-Auth-Token"));
    // The signature the server saw is the one over /b with what was sent.
    let (canonical, names) = crate::endpoint::aksk::canonical_request(
        "POST",
        "/b",
        None,
        &sent,
        &crate::endpoint::aksk::hex_sha256(b"{}"),
    );
    let sig = crate::endpoint::aksk::signature(
        "SK",
        &crate::endpoint::aksk::string_to_sign(lines[1], &canonical),
    );
    assert_eq!(
        lines[2],
        crate::endpoint::aksk::authorization("AK", &names, &sig)
    );
    let first = records[0]
        .request
        .headers
        .iter()
        .find(|(k, _)| k == "Authorization");
    assert_ne!(first.map(|(_, v)| v.as_str()), Some(lines[2]));
}

/// A listener that closes its first `lost` connections unanswered, then answers `status`
/// to every request; counts the connections.
async fn closes_first(
    lost: usize,
    status: u16,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/status", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let n = count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            if n < lost {
                let _ = stream.set_zero_linger();
                continue;
            }
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (url, seen)
}

fn reader() -> Http {
    let options = HttpOptions {
        read_backoff: Duration::from_millis(5),
        ..HttpOptions::default()
    };
    Http::new(
        Secret::new(""),
        Duration::from_secs(5),
        1024,
        false,
        options,
    )
    .unwrap()
}

fn get(url: &str) -> Outgoing<'_> {
    Outgoing {
        purpose: "status",
        method: "GET",
        url,
        auth_header: None,
        content_type: None,
        body: None,
        signer: None,
    }
}

/// A read whose connection is reset is sent again: the third try's answer is the one
/// returned, and every try is recorded.
#[tokio::test]
async fn a_read_without_an_answer_is_tried_again() {
    let (url, seen) = closes_first(2, 200).await;
    let sent = reader()
        .send_read(get(&url), Instant::now(), &|| false)
        .await;
    assert_eq!(sent.received.map(|r| r.status).ok(), Some(200));
    assert_eq!(sent.records.len(), 3);
    assert_eq!(sent.lost.len(), 2);
    assert!(
        sent.lost.iter().all(|(_, e, _)| no_answer(e)),
        "{:?}",
        sent.lost
    );
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);

    // Three lost tries: the read is lost, after exactly three.
    let (url, seen) = closes_first(5, 200).await;
    let sent = reader()
        .send_read(get(&url), Instant::now(), &|| false)
        .await;
    assert!(sent.received.is_err());
    assert_eq!(sent.records.len(), READ_TRIES as usize);
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);
}

/// An answer is never tried again, whatever it says; nor is a read once the API is given up.
#[tokio::test]
async fn an_answer_or_a_given_up_api_is_not_tried_again() {
    let (url, seen) = closes_first(0, 500).await;
    let sent = reader()
        .send_read(get(&url), Instant::now(), &|| false)
        .await;
    assert_eq!(sent.received.map(|r| r.status).ok(), Some(500));
    assert_eq!(sent.records.len(), 1);
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);

    let (url, seen) = closes_first(5, 200).await;
    let sent = reader()
        .send_read(get(&url), Instant::now(), &|| true)
        .await;
    assert!(sent.received.is_err());
    assert_eq!(sent.records.len(), 1);
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
    assert_eq!(
        retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(Duration::ZERO)
    );
    assert_eq!(retry_after("soon"), None);
}

//! `--push URL`: the metrics of a run sent to a Prometheus Pushgateway.
//!
//! `POST URL/metrics/job/restart_conformance/target/<name>` with the text exposition format
//! (0.0.4): the gateway replaces the group's metrics of the same names. `<name>` comes from the
//! target: `embedded` for the embedded reference server, else the target file's stem
//! (`prod-eu` for `targets/prod-eu.yaml`), with any character but letters, digits, `-`, `_` and
//! `.` made `_`. The request goes to the gateway, never to the target under test; an answer
//! other than 2xx is an error naming the status and the start of the gateway's message.

use std::time::Duration;

/// The job label of every push.
pub const JOB: &str = "restart_conformance";
/// The target label the run stage gives the embedded reference server.
const EMBEDDED_LABEL: &str = "embedded reference server";
/// The most characters of the gateway's message that an error repeats.
const MESSAGE_MAX: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("`{url}` is not a Pushgateway URL: {why}")]
    BadUrl { url: String, why: String },
    #[error("cannot reach the Pushgateway at {url}: {why}")]
    Unreachable { url: String, why: String },
    #[error("the Pushgateway at {url} refused the metrics: {status}{}", if .message.is_empty() { String::new() } else { format!(": {}", .message) })]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
}

/// The grouping key's `target` value for a run's target label.
pub fn target_name(label: &str) -> String {
    // A merged report lists the partitions' targets with ", ".
    let first = label.split(", ").next().unwrap_or(label);
    let raw = if first == EMBEDDED_LABEL {
        "embedded".to_owned()
    } else {
        std::path::Path::new(first)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "unnamed".to_owned()
    } else {
        name
    }
}

/// The URL a push goes to: `base/metrics/job/restart_conformance/target/<target>`.
pub fn push_url(base: &str, target: &str) -> Result<url::Url, PushError> {
    let bad = |why: String| PushError::BadUrl {
        url: crate::redact::Redactor::default().redact_str(base),
        why,
    };
    let mut url = url::Url::parse(base).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https".into()));
    }
    url.path_segments_mut()
        .map_err(|()| bad("it cannot have a path".into()))?
        .pop_if_empty()
        .extend(["metrics", "job", JOB, "target", target]);
    Ok(url)
}

/// POSTs `metrics` to the gateway at `base` under `target`; `timeout` bounds the whole request.
/// Callable from any thread, a runtime's included.
pub fn push(base: &str, target: &str, metrics: &str, timeout: Duration) -> Result<(), PushError> {
    let url = push_url(base, target)?;
    // A gateway behind basic auth may carry `user:password@` in its URL: never shown.
    let shown = crate::redact::Redactor::default().redact_url(url.as_str());
    // The request runs on a thread of its own, with a runtime of its own: the caller may be on
    // a runtime's thread, where blocking on a second runtime panics.
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = crate::runtime::current_thread()
                    .map_err(|e| unreachable(&shown, &e.to_string()))?;
                rt.block_on(send(&url, &shown, metrics, timeout))
            })
            .join()
            .unwrap_or_else(|_| Err(unreachable(&shown, "the push stopped unexpectedly")))
    })
}

/// How often a push that got no answer is sent, and the wait before the second try (doubled
/// before the third).
const PUSH_TRIES: u32 = 3;
const PUSH_BACKOFF: Duration = Duration::from_millis(250);

fn unreachable(shown: &str, why: &str) -> PushError {
    PushError::Unreachable {
        url: shown.to_owned(),
        why: crate::redact::Redactor::default().redact_str(why),
    }
}

/// The POST itself; `shown` is the gateway's URL as errors print it.
async fn send(
    url: &url::Url,
    shown: &str,
    metrics: &str,
    timeout: Duration,
) -> Result<(), PushError> {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        // Another part of the process may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .retry(reqwest::retry::never())
        .redirect(reqwest::redirect::Policy::none());
    // A gateway on this machine is never reached through a proxy.
    if url
        .host_str()
        .is_some_and(|h| h == "localhost" || h == "127.0.0.1" || h == "[::1]")
    {
        builder = builder.no_proxy();
    }
    let client = builder
        .build()
        .map_err(|e| unreachable(shown, &e.to_string()))?;
    // A push that got no answer (a reset or refused connection) is sent again: the gateway
    // replaces the group's metrics, so a push that did arrive changes nothing the second time.
    // A timeout is not sent again: it would only make a lost cause wait longer.
    let mut backoff = PUSH_BACKOFF;
    let mut tries = 1;
    let response = loop {
        let sent = client
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )
            .body(metrics.to_owned())
            .send()
            .await;
        match sent {
            Ok(response) => break response,
            Err(e) if !e.is_timeout() && tries < PUSH_TRIES => {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                tries += 1;
            }
            Err(e) => {
                let why = crate::error_chain::one_line(&e);
                return Err(unreachable(
                    shown,
                    &if tries > 1 {
                        format!("{why} (tried {tries} times)")
                    } else {
                        why
                    },
                ));
            }
        }
    };
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    let message: String = body.trim().chars().take(MESSAGE_MAX).collect();
    Err(PushError::Refused {
        url: shown.to_owned(),
        status: status.as_u16(),
        message: message.replace('\n', " "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_come_from_the_file_stem() {
        assert_eq!(target_name(EMBEDDED_LABEL), "embedded");
        assert_eq!(target_name("targets/prod-eu.yaml"), "prod-eu");
        assert_eq!(target_name("a b/c d.yaml, other.yaml"), "c_d");
        assert_eq!(target_name(""), "unnamed");
    }

    #[test]
    fn the_url_names_job_and_target() -> Result<(), PushError> {
        assert_eq!(
            push_url("http://127.0.0.1:9091", "prod")?.as_str(),
            "http://127.0.0.1:9091/metrics/job/restart_conformance/target/prod"
        );
        assert_eq!(
            push_url("https://gw.example.test/base/", "x")?.as_str(),
            "https://gw.example.test/base/metrics/job/restart_conformance/target/x"
        );
        assert!(matches!(
            push_url("ftp://gw", "x"),
            Err(PushError::BadUrl { .. })
        ));
        assert!(matches!(
            push_url("gw:9091", "x"),
            Err(PushError::BadUrl { .. })
        ));
        Ok(())
    }

    #[test]
    fn a_password_in_the_gateway_url_is_never_shown() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(9);
        let err = push(
            &format!("http://ops:gw-secret-81@127.0.0.1:{port}"),
            "t",
            "",
            Duration::from_secs(2),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            err.contains("cannot reach the Pushgateway at http://ops:***@127.0.0.1"),
            "{err}"
        );
        assert!(!err.contains("gw-secret-81"));
    }

    #[test]
    fn a_push_from_a_runtime_thread_is_sent_not_a_panic() {
        // Interrupt handling and other async callers push from inside a runtime.
        let gateway = std::net::TcpListener::bind("127.0.0.1:0");
        let port = gateway
            .as_ref()
            .ok()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
            .unwrap_or(9);
        let answered = std::thread::spawn(move || {
            use std::io::{Read as _, Write as _};
            let (mut s, _) = gateway.ok()?.accept().ok()?;
            let mut seen = Vec::new();
            let mut buf = [0u8; 1024];
            while !String::from_utf8_lossy(&seen).contains("pushed_metric 1") {
                let n = s.read(&mut buf).ok().filter(|n| *n > 0)?;
                seen.extend_from_slice(&buf[..n]);
            }
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .ok()?;
            Some(String::from_utf8_lossy(&seen).into_owned())
        });
        let rt = crate::runtime::with_workers(1);
        let sent = rt.map(|rt| {
            rt.block_on(async {
                push(
                    &format!("http://127.0.0.1:{port}"),
                    "t",
                    "pushed_metric 1\n",
                    Duration::from_secs(10),
                )
            })
        });
        assert!(matches!(sent, Ok(Ok(()))), "{sent:?}");
        let seen = answered.join().ok().flatten().unwrap_or_default();
        assert!(
            seen.starts_with("POST /metrics/job/restart_conformance/target/t "),
            "{seen}"
        );
    }

    #[test]
    fn a_closed_port_is_unreachable_not_a_panic() {
        // Bind and drop to get a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(9);
        let err = push(
            &format!("http://127.0.0.1:{port}"),
            "t",
            "",
            Duration::from_secs(2),
        );
        assert!(matches!(err, Err(PushError::Unreachable { .. })), "{err:?}");
        assert!(format!("{err:?}").contains("tried 3 times"), "{err:?}");
    }

    /// A gateway whose first connection is dropped unanswered gets the push at the second.
    #[test]
    fn a_push_that_got_no_answer_is_sent_again() {
        let gateway = crate::stand_in::start(
            1,
            "metric_x 1",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
        );
        let pushed = push(&gateway.url, "t", "metric_x 1\n", Duration::from_secs(5));
        assert!(pushed.is_ok(), "{pushed:?}");
        let body = gateway
            .answered
            .recv_timeout(Duration::from_secs(5))
            .expect("the second connection was answered");
        assert!(body.starts_with("POST /metrics/job/restart_conformance/target/t"));
        assert_eq!(
            gateway
                .connections
                .load(std::sync::atomic::Ordering::SeqCst),
            2
        );
    }
}

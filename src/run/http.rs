//! The shared HTTP client and the recording of exchanges.
//!
//! One `reqwest` client serves every trial. Redirects are never followed (a
//! restart API that redirects is reported, and `X-Auth-Token` would follow a
//! redirect to another host), nothing is retried, every request has a
//! timeout, and bodies are read in chunks up to a cap.

use std::sync::Once;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::check::Received;
use crate::report::model::{ExchangeRecord, RequestRecord, ResponseRecord};
use crate::target::Secret;

/// How much of a body a report shows.
const REPORT_BODY_LIMIT: usize = 64 * 1024;

pub struct Http {
    client: reqwest::Client,
    token: Secret,
    timeout: Duration,
    max_body: usize,
}

/// One request to send.
pub struct Outgoing<'a> {
    pub purpose: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    /// Header carrying the token, when the request is to carry one.
    pub auth_header: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: Option<&'a [u8]>,
}

/// What came of one request: the record for the report, and either the
/// response to judge or the transport error.
pub struct Sent {
    pub record: ExchangeRecord,
    pub received: Result<Received, String>,
}

#[derive(Debug, thiserror::Error)]
#[error("failed to build the HTTP client: {0}")]
pub struct ClientError(#[source] reqwest::Error);

impl Http {
    pub fn new(
        token: Secret,
        timeout: Duration,
        max_body: usize,
        use_proxy: bool,
    ) -> Result<Http, ClientError> {
        static PROVIDER: Once = Once::new();
        PROVIDER.call_once(|| {
            // Another part of the process may have installed one already; either is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("restart-conformance/", env!("CARGO_PKG_VERSION")));
        if !use_proxy {
            builder = builder.no_proxy();
        }
        Ok(Http {
            client: builder.build().map_err(ClientError)?,
            token,
            timeout,
            max_body,
        })
    }

    pub fn token(&self) -> &Secret {
        &self.token
    }

    pub async fn send(&self, out: Outgoing<'_>, case_start: Instant) -> Sent {
        let at = case_start.elapsed();
        let started = Instant::now();
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let mut shown: Vec<(String, String)> = vec![("Accept".into(), "application/json".into())];
        if let Some(ct) = out.content_type
            && let Ok(v) = HeaderValue::from_str(ct)
        {
            headers.insert(reqwest::header::CONTENT_TYPE, v);
            shown.push(("Content-Type".into(), ct.into()));
        }
        if let Some(name) = out.auth_header
            && let (Ok(n), Ok(mut v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(self.token.expose()),
            )
        {
            v.set_sensitive(true);
            headers.insert(n, v);
            shown.push((name.into(), "***".into()));
        }
        let method =
            reqwest::Method::from_bytes(out.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut req = self.client.request(method, out.url).headers(headers);
        if let Some(b) = out.body {
            req = req.body(b.to_vec());
        }
        let request = RequestRecord {
            method: out.method.into(),
            url: self.token.redact(out.url),
            headers: shown,
            body: out
                .body
                .map(|b| self.token.redact(&String::from_utf8_lossy(b))),
        };
        let result = match req.send().await {
            Ok(resp) => self.read(resp).await,
            Err(e) => Err((describe(&e, self.timeout), None)),
        };
        let elapsed_ms = ms(started.elapsed());
        let (response, received, error) = match result {
            Ok(r) => (Some(self.response_record(&r, false)), Ok(r), None),
            Err((msg, partial)) => (
                partial.map(|p| self.response_record(&p, true)),
                Err(msg.clone()),
                Some(self.token.redact(&msg)),
            ),
        };
        Sent {
            record: ExchangeRecord {
                purpose: out.purpose.into(),
                request,
                response,
                error,
                at_ms: ms(at),
                elapsed_ms,
            },
            received,
        }
    }

    /// Reads the body chunk by chunk, stopping at the cap.
    async fn read(
        &self,
        mut resp: reqwest::Response,
    ) -> Result<Received, (String, Option<Received>)> {
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let over = |body: Vec<u8>, headers| {
            let cap = self.max_body;
            Err((
                format!(
                    "the response body is larger than the {} cap (--max-body); reading stopped there",
                    human(cap)
                ),
                Some(Received {
                    status,
                    headers,
                    body,
                }),
            ))
        };
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_body as u64)
        {
            return over(body, headers);
        }
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.max_body {
                        let keep = self.max_body.saturating_sub(body.len()).min(chunk.len());
                        body.extend_from_slice(&chunk[..keep]);
                        return over(body, headers);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err((
                        format!(
                            "the connection broke while reading the body after {} bytes: {}",
                            body.len(),
                            chain(&e)
                        ),
                        Some(Received {
                            status,
                            headers,
                            body,
                        }),
                    ));
                }
            }
        }
        Ok(Received {
            status,
            headers,
            body,
        })
    }

    fn response_record(&self, r: &Received, truncated: bool) -> ResponseRecord {
        let shown = &r.body[..r.body.len().min(REPORT_BODY_LIMIT)];
        ResponseRecord {
            status: r.status,
            headers: r
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), self.token.redact(v)))
                .collect(),
            body: self.token.redact(&String::from_utf8_lossy(shown)),
            body_truncated: truncated || shown.len() < r.body.len(),
        }
    }
}

pub fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn human(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes}-byte")
    }
}

/// The error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// A plain sentence for a transport error.
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!(
            "no response within {:.1} s (--request-timeout)",
            timeout.as_secs_f64()
        )
    } else if e.is_connect() {
        format!("could not connect: {}", chain(e))
    } else {
        format!("no valid HTTP response: {}", chain(e))
    }
}

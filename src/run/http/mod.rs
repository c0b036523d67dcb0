//! The shared HTTP client and the recording of exchanges.
//!
//! One `reqwest` client serves every trial. `reqwest` itself follows no
//! redirect: a restart API that redirects is reported, and with
//! `--follow-redirects` this layer follows it (up to [`MAX_REDIRECTS`] hops,
//! never carrying the token to another origin). Every request has a timeout,
//! and bodies are read in chunks up to a cap. Only requests that got no answer at all are
//! ever sent again, and only reads: [`Http::send_read`] tries a status poll or
//! the reachability probe up to [`READ_TRIES`] times. An answer, whatever it
//! says, is never retried here (a 429/503 with `Retry-After` and a 401 to an
//! expired token excepted, see [`Http::send_all`]); an action that got no
//! answer is sent again only by the runner, once the resource has shown
//! whether it arrived (`run::case`). A request to an API that signs is signed
//! last, over the headers set here (see [`crate::endpoint::AkSk::sign`]),
//! afresh for every hop and retry.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::endpoint::tls::{self, Tls, TlsPlan};
use crate::endpoint::{AkSk, Lease, Secret, Tamper, TokenSource};
use crate::model::Received;
use crate::model::{ExchangeRecord, RequestRecord, ResponseRecord};

mod failure;
use failure::{CUT_OFF, describe};
#[cfg(test)]
pub use failure::{NO_CONNECTION, NO_RESPONSE};
pub use failure::{no_answer, timed_out};

/// How much of a body a report shows.
const REPORT_BODY_LIMIT: usize = 64 * 1024;

pub struct Http {
    client: reqwest::Client,
    /// Clients of APIs whose TLS differs from `client`'s, by base URL (see
    /// [`Http::with_tls`]).
    tls_clients: Vec<(String, reqwest::Client)>,
    use_proxy: bool,
    /// The first token, for `curl` lines.
    token: Secret,
    /// Where each request's token comes from; a Keystone session renews it.
    tokens: TokenSource,
    timeout: Duration,
    max_body: usize,
    options: HttpOptions,
    /// When the next request may go out, under `--rate`.
    next_slot: tokio::sync::Mutex<Option<tokio::time::Instant>>,
}

/// Choices that change what goes over the wire.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpOptions {
    /// Follow redirects (at most [`MAX_REDIRECTS`]); the token goes only to
    /// the origin (scheme, host, port) of the first URL.
    pub follow_redirects: bool,
    /// Requests per second, all cases together.
    pub rate: Option<f64>,
    /// How long `Retry-After` on 429/503 may be waited for, in all.
    pub retry_budget: Duration,
    /// The wait before the second try of a read that got no answer; the
    /// third waits twice as long.
    pub read_backoff: Duration,
}

/// Tries of a status poll or a reachability probe that gets no answer
/// (reset, refused, timed out, cut off) before it counts as lost.
pub const READ_TRIES: u32 = 3;

/// A read sent with [`Http::send_read`]: every try's record, the last
/// answer or error, and the tries that got no answer and were followed by
/// another.
pub struct ReadSent {
    pub records: Vec<ExchangeRecord>,
    pub received: Result<Received, String>,
    /// `(when the lost try went out, why no answer came, the wait before the next)`.
    pub lost: Vec<(u64, String, Duration)>,
}

pub const MAX_REDIRECTS: usize = 5;

/// Where the next request of a [`Http::send_all`] chain goes, and what the
/// chain has spent so far.
struct Chain<'a> {
    url: String,
    method: String,
    body: Option<&'a [u8]>,
    content_type: Option<&'a str>,
    /// Time waited on `Retry-After`, against the retry budget.
    waited: Duration,
    /// Redirects followed.
    hops: usize,
    /// Signed in again after a 401 already.
    renewed: bool,
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
    /// The API signs with AK/SK: a request that is to carry credentials
    /// (`auth_header` set) is signed instead of carrying the token.
    pub signer: Option<(&'a AkSk, Tamper)>,
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
        tokens: impl Into<TokenSource>,
        timeout: Duration,
        max_body: usize,
        use_proxy: bool,
        options: HttpOptions,
    ) -> Result<Http, ClientError> {
        let tokens = tokens.into();
        let token = match &tokens {
            TokenSource::Static(s) => s.clone(),
            TokenSource::Keystone(_) => Secret::new(""),
        };
        Ok(Http {
            client: client(&Tls::default(), timeout, use_proxy)?,
            tls_clients: Vec::new(),
            use_proxy,
            token,
            tokens,
            timeout,
            max_body,
            options,
            next_slot: tokio::sync::Mutex::new(None),
        })
    }

    /// The clients built from `plan`: one per API whose TLS is its own
    /// (several APIs may share a host), the shared settings for everything else.
    pub fn with_tls(
        mut self,
        plan: &TlsPlan,
        apis: &std::collections::BTreeMap<String, crate::endpoint::ApiEndpoint>,
    ) -> Result<Http, ClientError> {
        if *plan.shared() != Tls::default() {
            self.client = client(plan.shared(), self.timeout, self.use_proxy)?;
        }
        self.tls_clients.clear();
        for (api, a) in apis {
            let tls = plan.for_api(api);
            if tls == plan.shared() {
                continue;
            }
            self.tls_clients.push((
                a.base_url.clone(),
                client(tls, self.timeout, self.use_proxy)?,
            ));
        }
        // The longest base URL first, so that `…/clouddb-ha` is not taken for `…/clouddb`.
        self.tls_clients
            .sort_by_key(|(base, _)| std::cmp::Reverse(base.len()));
        Ok(self)
    }

    /// The client for `url`: that of the API whose base URL it is under,
    /// else the shared one.
    fn client_for(&self, url: &str) -> &reqwest::Client {
        self.tls_clients
            .iter()
            .find(|(base, _)| {
                url.strip_prefix(base.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
            })
            .map_or(&self.client, |(_, c)| c)
    }

    /// The wait before a read that got no answer is sent again.
    pub fn read_backoff(&self) -> Duration {
        self.options.read_backoff
    }

    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// `text` with every token held so far, the sign-in secret and URL
    /// user information masked, for lines the run prints.
    pub fn redact(&self, text: &str) -> String {
        self.tokens.redact(text)
    }

    /// Waits for this request's slot under `--rate`.
    async fn pace(&self) {
        let Some(rate) = self.options.rate.filter(|r| *r > 0.0) else {
            return;
        };
        let gap = Duration::from_secs_f64(1.0 / rate);
        let mut next = self.next_slot.lock().await;
        let now = tokio::time::Instant::now();
        let slot = next.map_or(now, |n| n.max(now));
        *next = Some(slot + gap);
        drop(next);
        tokio::time::sleep_until(slot).await;
    }

    /// Sends `out`, then follows redirects (when enabled) and honours
    /// `Retry-After` on 429/503 (within the retry budget). Every request
    /// that went out is recorded; the last answer is the one judged.
    pub async fn send_all(
        &self,
        out: Outgoing<'_>,
        case_start: Instant,
    ) -> (Vec<ExchangeRecord>, Result<Received, String>, Vec<String>) {
        let mut records = Vec::new();
        let mut notes = Vec::new();
        let origin = origin(out.url);
        let mut chain = Chain {
            url: out.url.to_owned(),
            method: out.method.to_owned(),
            body: out.body,
            content_type: out.content_type,
            waited: Duration::ZERO,
            hops: 0,
            renewed: false,
        };
        loop {
            let same_origin = origin.is_some() && origin == self::origin(&chain.url);
            let this = Outgoing {
                purpose: out.purpose,
                method: &chain.method,
                url: &chain.url,
                auth_header: if same_origin { out.auth_header } else { None },
                content_type: chain.content_type,
                body: chain.body,
                signer: out.signer,
            };
            let (sent, lease) = self.send_leased(this, case_start).await;
            records.push(sent.record);
            if let Some(n) = lease.note {
                notes.push(n);
            }
            let r = match sent.received {
                Ok(r) => r,
                Err(e) => return (records, Err(e), notes),
            };
            // A signature is not renewed: a 401 to it is the answer.
            if same_origin
                && out.auth_header.is_some()
                && out.signer.is_none()
                && self
                    .renew_on_401(&r, &mut chain, lease.generation, &mut notes)
                    .await
            {
                continue;
            }
            if let Some(wait) = self.retry_wait(&r, &mut chain, &mut notes) {
                tokio::time::sleep(wait).await;
                continue;
            }
            if self.follow_redirect(&r, &mut chain, &origin, &mut notes) {
                continue;
            }
            return (records, Ok(r), notes);
        }
    }

    /// A token refused mid-run (expired, revoked): sign in again and send
    /// once more, once per request. True when the request is to be sent again.
    async fn renew_on_401(
        &self,
        r: &Received,
        chain: &mut Chain<'_>,
        generation: u64,
        notes: &mut Vec<String>,
    ) -> bool {
        if r.status != 401 || chain.renewed {
            return false;
        }
        chain.renewed = true;
        match self.tokens.refused(generation).await {
            Ok(true) => {
                notes.push(
                    "the token was refused with 401; signed in again and sent once more".into(),
                );
                true
            }
            Ok(false) => false,
            Err(e) => {
                notes.push(format!(
                    "the token was refused with 401 and signing in again failed: {}",
                    self.tokens.redact(&e)
                ));
                false
            }
        }
    }

    /// The wait a 429/503 asks for with `Retry-After`, when it fits in what
    /// is left of the retry budget.
    fn retry_wait(
        &self,
        r: &Received,
        chain: &mut Chain<'_>,
        notes: &mut Vec<String>,
    ) -> Option<Duration> {
        if !matches!(r.status, 429 | 503) {
            return None;
        }
        let wait = r.header("retry-after").and_then(retry_after)?;
        if chain.waited + wait > self.options.retry_budget {
            return None;
        }
        notes.push(format!(
            "{} answered {} with Retry-After; waited {:.1} s and sent again",
            self.tokens.redact(&chain.url),
            r.status,
            wait.as_secs_f64()
        ));
        chain.waited += wait;
        Some(wait)
    }

    /// Points `chain` at a redirect's target when redirects are followed;
    /// 301/302/303 become a GET without a body. True when there is one to follow.
    fn follow_redirect(
        &self,
        r: &Received,
        chain: &mut Chain<'_>,
        origin: &Option<(String, String, Option<u16>)>,
        notes: &mut Vec<String>,
    ) -> bool {
        if !self.options.follow_redirects
            || !matches!(r.status, 301 | 302 | 303 | 307 | 308)
            || chain.hops >= MAX_REDIRECTS
        {
            return false;
        }
        let Some(next) = r
            .header("location")
            .and_then(|l| reqwest::Url::parse(&chain.url).ok()?.join(l).ok())
        else {
            return false;
        };
        chain.hops += 1;
        if !matches!(r.status, 307 | 308) {
            chain.method = "GET".into();
            chain.body = None;
            chain.content_type = None;
        }
        let next = next.to_string();
        if *origin != self::origin(&next) {
            notes.push(format!(
                "followed a {} redirect to another origin without the token: {}",
                r.status,
                self.tokens.redact(&next)
            ));
        } else {
            notes.push(format!(
                "followed a {} redirect to {}",
                r.status,
                self.tokens.redact(&next)
            ));
        }
        chain.url = next;
        true
    }

    /// Sends a read (a status poll, the reachability probe): a try that
    /// gets no answer at all is sent again after a short backoff, up to
    /// [`READ_TRIES`] tries, unless `give_up` says the API is given up on.
    /// An answer of any kind ends it: a wrong one is a finding, not a
    /// glitch.
    pub async fn send_read(
        &self,
        out: Outgoing<'_>,
        case_start: Instant,
        give_up: &(dyn Fn() -> bool + Sync),
    ) -> ReadSent {
        let mut records = Vec::new();
        let mut lost = Vec::new();
        let mut backoff = self.options.read_backoff;
        let mut tries = 1;
        loop {
            let sent = self.send(Outgoing { ..out }, case_start).await;
            let at_ms = sent.record.at_ms;
            let shown = sent.record.error.clone();
            records.push(sent.record);
            match sent.received {
                Err(e) if no_answer(&e) && tries < READ_TRIES && !give_up() => {
                    lost.push((at_ms, shown.unwrap_or(e), backoff));
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    tries += 1;
                }
                received => {
                    return ReadSent {
                        records,
                        received,
                        lost,
                    };
                }
            }
        }
    }

    /// Sends one request. A 401 to a request carrying the token signs in
    /// again (when the token comes from a cloud) and sends it once more; the
    /// second answer is the one returned.
    pub async fn send(&self, out: Outgoing<'_>, case_start: Instant) -> Sent {
        let again = Outgoing { ..out };
        let (sent, lease) = self.send_leased(out, case_start).await;
        let refused = matches!(&sent.received, Ok(r) if r.status == 401);
        if refused
            && again.auth_header.is_some()
            && again.signer.is_none()
            && let Ok(true) = self.tokens.refused(lease.generation).await
        {
            return self.send_leased(again, case_start).await.0;
        }
        sent
    }

    /// Sends one request with the current token; also says which token.
    async fn send_leased(&self, out: Outgoing<'_>, case_start: Instant) -> (Sent, Lease) {
        let signing = out.auth_header.and(out.signer);
        let lease = if out.auth_header.is_some() && signing.is_none() {
            self.tokens.current().await
        } else {
            Lease {
                token: Secret::new(""),
                generation: 0,
                note: None,
            }
        };
        self.pace().await;
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
        if let Some((key, tamper)) = signing {
            // Signed last, over the headers set so far plus the ones the
            // signer adds; exactly these go on the wire.
            sign_into(key, tamper, &out, &mut headers, &mut shown);
        } else if let Some(name) = out.auth_header
            && let (Ok(n), Ok(mut v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(lease.token.expose()),
            )
        {
            v.set_sensitive(true);
            headers.insert(n, v);
            shown.push((name.into(), "***".into()));
        }
        let method =
            reqwest::Method::from_bytes(out.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut req = self
            .client_for(out.url)
            .request(method, out.url)
            .headers(headers);
        if let Some(b) = out.body {
            req = req.body(b.to_vec());
        }
        let request = RequestRecord {
            method: out.method.into(),
            url: self.tokens.redact(out.url),
            headers: shown,
            body: out
                .body
                .map(|b| self.tokens.redact(&String::from_utf8_lossy(b))),
        };
        let result = match req.send().await {
            Ok(resp) => self.read(resp).await,
            Err(e) => Err((describe(&e, self.timeout, out.url), None)),
        };
        let elapsed_ms = ms(started.elapsed());
        let (response, received, error) = match result {
            Ok(r) => (Some(self.response_record(&r, false)), Ok(r), None),
            Err((msg, partial)) => (
                partial.map(|p| self.response_record(&p, true)),
                Err(msg.clone()),
                Some(self.tokens.redact(&msg)),
            ),
        };
        let sent = Sent {
            record: ExchangeRecord {
                purpose: out.purpose.into(),
                request,
                response,
                error,
                at_ms: ms(at),
                elapsed_ms,
            },
            received,
        };
        (sent, lease)
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
                    // Grow towards the cap, never past it: a doubling Vec
                    // would hold up to twice the cap.
                    let needed = body.len() + chunk.len();
                    if needed > body.capacity() {
                        let target = needed.max(body.capacity() * 2).min(self.max_body);
                        body.reserve_exact(target - body.len());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err((
                        format!(
                            "{CUT_OFF} after {} bytes: {}",
                            body.len(),
                            crate::error_chain::one_line(&e)
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
                .map(|(k, v)| (k.clone(), self.tokens.redact(v)))
                .collect(),
            body: self.tokens.redact(&String::from_utf8_lossy(shown)),
            body_truncated: truncated || shown.len() < r.body.len(),
        }
    }
}

/// Signs the request as it stands (`headers`, the URL, the body) and adds
/// the signer's headers to it and to the record.
fn sign_into(
    key: &AkSk,
    tamper: Tamper,
    out: &Outgoing<'_>,
    headers: &mut HeaderMap,
    shown: &mut Vec<(String, String)>,
) {
    let Ok(url) = reqwest::Url::parse(out.url) else {
        return;
    };
    let set: Vec<(String, String)> = shown.clone();
    let signed = key.sign(
        out.method,
        &url,
        &set,
        out.body.unwrap_or_default(),
        chrono::Utc::now(),
        tamper,
    );
    for (name, value) in signed.headers.into_iter().skip(set.len()) {
        let (Ok(n), Ok(mut v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) else {
            continue;
        };
        let secret = name.eq_ignore_ascii_case("x-security-token");
        v.set_sensitive(secret || name.eq_ignore_ascii_case("authorization"));
        headers.insert(n, v);
        shown.push((name, if secret { "***".into() } else { value }));
    }
}

/// One client with the harness's transport rules and `tls`.
fn client(tls: &Tls, timeout: Duration, use_proxy: bool) -> Result<reqwest::Client, ClientError> {
    let mut builder = tls::client_builder(tls)
        .map_err(ClientError)?
        .connect_timeout(timeout)
        .timeout(timeout);
    if !use_proxy {
        builder = builder.no_proxy();
    }
    builder.build().map_err(ClientError)
}

/// `scheme://host:port` of a URL, the unit the token may be sent to.
fn origin(url: &str) -> Option<(String, String, Option<u16>)> {
    let u = reqwest::Url::parse(url).ok()?;
    Some((
        u.scheme().to_owned(),
        u.host_str()?.to_owned(),
        u.port_or_known_default(),
    ))
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
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

#[cfg(test)]
mod tests;

//! A small Keystone v3 client: sign in, keep the token fresh, read the
//! service catalog.
//!
//! `POST {auth_url}/auth/tokens` with a password, an application credential
//! or a token; the new token is the `X-Subject-Token` header and the body
//! holds `expires_at`, the project and the catalog. [`TokenSource`] hands the
//! current token to each request and signs in again shortly before
//! `expires_at`, or once when a request is refused with 401.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::Secret;
use super::cloud::{Cloud, Credential};

/// How long a sign-in may take.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a sign-in that got no answer is sent, and the wait before the second try
/// (doubled before the third).
const SIGN_IN_TRIES: u32 = 3;
const SIGN_IN_BACKOFF: Duration = Duration::from_millis(250);

#[derive(Debug, thiserror::Error)]
pub enum KeystoneError {
    #[error(
        "error: authentication failed at {auth_url}: {status} {message}\n  = help: check the user, password or application credential of cloud `{cloud}` ({source_of})"
    )]
    Refused {
        auth_url: String,
        status: u16,
        message: String,
        cloud: String,
        source_of: String,
    },
    #[error(
        "error: the auth URL {auth_url} cannot be reached: {reason}\n  = help: check auth_url (OS_AUTH_URL) of cloud `{cloud}` and the network"
    )]
    Unreachable {
        auth_url: String,
        reason: String,
        cloud: String,
    },
    #[error("error: {auth_url} did not answer as Keystone does: {what}")]
    Invalid { auth_url: String, what: String },
}

/// One catalog service.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Service {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub endpoints: Vec<CatalogEndpoint>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct CatalogEndpoint {
    pub interface: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub region_id: Option<String>,
    pub url: String,
}

#[derive(Debug, Deserialize)]
struct TokenBody {
    token: TokenInner,
}

#[derive(Debug, Deserialize)]
struct TokenInner {
    expires_at: Option<String>,
    issued_at: Option<String>,
    project: Option<Named>,
    user: Option<Named>,
    #[serde(default)]
    catalog: Vec<Service>,
}

#[derive(Debug, Clone, Deserialize)]
struct Named {
    id: Option<String>,
    name: Option<String>,
}

/// A token and what came with it.
#[derive(Debug, Clone)]
pub struct Token {
    pub value: Secret,
    /// When to sign in again: a little before `expires_at`.
    pub refresh_at: Option<Instant>,
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    pub user_name: Option<String>,
    pub catalog: Vec<Service>,
}

/// `{auth_url}/auth/tokens`, whether or not `auth_url` ends in `/v3`.
pub fn tokens_url(auth_url: &str) -> String {
    let base = auth_url.trim_end_matches('/');
    if base.ends_with("/v3") {
        format!("{base}/auth/tokens")
    } else {
        format!("{base}/v3/auth/tokens")
    }
}

/// The sign-in body. With `reveal` false, the secret is the placeholder
/// `$VAR` (for `--dry-run`), so the real one never leaves the process.
pub fn request_body(cloud: &Cloud, reveal: bool) -> Value {
    if cloud.identity_v2() {
        return super::identity_v2::request_body(cloud, reveal);
    }
    let secret = |s: &Secret| {
        if reveal {
            s.expose().to_owned()
        } else {
            format!("${}", cloud.credential.secret_env())
        }
    };
    let domain = |name: &Option<String>, id: &Option<String>| match (id, name) {
        (Some(id), _) => json!({ "id": id }),
        (None, Some(name)) => json!({ "name": name }),
        (None, None) => json!({ "name": "Default" }),
    };
    let identity = match &cloud.credential {
        Credential::Password {
            username,
            user_id,
            user_domain_name,
            user_domain_id,
            password,
        } => {
            let user = match (user_id, username) {
                (Some(id), _) => json!({ "id": id, "password": secret(password) }),
                (None, name) => json!({
                    "name": name,
                    "domain": domain(user_domain_name, user_domain_id),
                    "password": secret(password),
                }),
            };
            json!({ "methods": ["password"], "password": { "user": user } })
        }
        Credential::ApplicationCredential { id, secret: s } => json!({
            "methods": ["application_credential"],
            "application_credential": { "id": id, "secret": secret(s) },
        }),
        Credential::Token { token } => json!({
            "methods": ["token"],
            "token": { "id": secret(token) },
        }),
        // v2.0 only, and no sign-in at all.
        Credential::RackspaceApiKey { .. } | Credential::AkSk { .. } => json!({}),
    };
    let mut auth = json!({ "identity": identity });
    if let Some(p) = &cloud.project {
        let project = match (&p.id, &p.name) {
            (Some(id), _) => json!({ "id": id }),
            (None, name) => json!({ "name": name, "domain": domain(&p.domain_name, &p.domain_id) }),
        };
        auth["scope"] = json!({ "project": project });
    }
    json!({ "auth": auth })
}

/// The sign-in as a shell line; the secret stays a variable.
pub fn curl(cloud: &Cloud) -> String {
    let body = request_body(cloud, false).to_string();
    let var = format!("${}", cloud.credential.secret_env());
    // Close the single quotes around the variable so the shell expands it.
    let body = body.replace(&var, &format!("'\"{var}\"'"));
    format!(
        "curl -i -X POST '{}' -H 'Content-Type: application/json' -d '{body}'{}",
        sign_in_url(cloud),
        cloud.tls.curl_args()
    )
}

/// Where a cloud signs in: v3 `auth/tokens`, or v2.0 `tokens`.
pub fn sign_in_url(cloud: &Cloud) -> String {
    if cloud.identity_v2() {
        super::identity_v2::tokens_url(&cloud.auth_url)
    } else {
        tokens_url(&cloud.auth_url)
    }
}

/// Signs in once.
pub async fn sign_in(cloud: &Cloud) -> Result<Token, KeystoneError> {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let url = sign_in_url(cloud);
    let secret = cloud.credential.secret().clone();
    let unreachable = |reason: String| KeystoneError::Unreachable {
        auth_url: cloud.auth_url.clone(),
        reason: crate::redact::Redactor::new([secret.expose()]).redact_str(&reason),
        cloud: cloud.name.clone(),
    };
    let client = sign_in_client(&cloud.tls).map_err(|e| unreachable(e.to_string()))?;
    let body = request_body(cloud, true).to_string();
    let started = Instant::now();
    let (status, token, bytes) = exchange(&client, &url, &body).await.map_err(unreachable)?;
    let text = crate::redact::Redactor::new([secret.expose()])
        .redact_str(&String::from_utf8_lossy(&bytes));
    if !(200..300).contains(&status) {
        return Err(KeystoneError::Refused {
            auth_url: cloud.auth_url.clone(),
            status,
            message: refusal_message(&text),
            cloud: cloud.name.clone(),
            source_of: cloud.source.clone(),
        });
    }
    let invalid = |what: String| KeystoneError::Invalid {
        auth_url: cloud.auth_url.clone(),
        what,
    };
    if cloud.identity_v2() {
        return super::identity_v2::parse(&bytes, started).map_err(invalid);
    }
    let Some(value) = token.filter(|t| !t.is_empty()) else {
        return Err(invalid(format!(
            "{status} without an X-Subject-Token header"
        )));
    };
    let body: TokenBody = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("the token body is not as expected: {e}")))?;
    let t = body.token;
    let refresh_at = refresh_at(&t, started);
    Ok(Token {
        value: Secret::new(value),
        refresh_at,
        project_id: t.project.as_ref().and_then(|p| p.id.clone()),
        project_name: t.project.and_then(|p| p.name),
        user_name: t.user.and_then(|u| u.name.or(u.id)),
        catalog: t.catalog,
    })
}

/// The sign-in request, sent again when it got no answer (a reset or refused connection, a
/// body cut off), as a lost read is: a token never used does no harm. A TLS failure or a
/// timeout is not sent again: the one would fail the same way, the other would only make a
/// sign-in that cannot succeed wait longer. Returns the status, the `X-Subject-Token` header
/// and the body, or why no answer came.
async fn exchange(
    client: &reqwest::Client,
    url: &str,
    body: &str,
) -> Result<(u16, Option<String>, Vec<u8>), String> {
    let mut backoff = SIGN_IN_BACKOFF;
    let mut tries = 1;
    loop {
        let answer = async {
            let resp = client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body.to_owned())
                .send()
                .await?;
            let status = resp.status().as_u16();
            let token = resp
                .headers()
                .get("x-subject-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            Ok::<_, reqwest::Error>((status, token, resp.bytes().await?.to_vec()))
        }
        .await;
        let e = match answer {
            Ok(answer) => return Ok(answer),
            Err(e) => e,
        };
        let tls = super::tls::explain(&e, url);
        if tls.is_some() || e.is_timeout() || tries >= SIGN_IN_TRIES {
            let why = tls.unwrap_or_else(|| crate::error_chain::one_line(&e));
            return Err(if tries > 1 {
                format!("{why} (tried {tries} times)")
            } else {
                why
            });
        }
        tokio::time::sleep(backoff).await;
        backoff *= 2;
        tries += 1;
    }
}

/// The client of one sign-in. A fresh client each time: sign-ins are rare,
/// and a client's pooled connections belong to the runtime that opened them.
fn sign_in_client(tls: &super::tls::Tls) -> reqwest::Result<reqwest::Client> {
    super::tls::client_builder(tls)?
        .connect_timeout(SIGN_IN_TIMEOUT)
        .timeout(SIGN_IN_TIMEOUT)
        .build()
}

/// A refused sign-in's reason: Keystone's `title: message`, else the start
/// of the (already redacted) body.
fn refusal_message(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| {
            let e = v.get("error")?;
            Some(format!(
                "{}: {}",
                e.get("title").and_then(Value::as_str).unwrap_or(""),
                e.get("message").and_then(Value::as_str).unwrap_or("")
            ))
        })
        .unwrap_or_else(|| text.chars().take(200).collect())
}

/// When to sign in again: a quarter of the token's lifetime (at most a
/// minute) before it expires, counted from when the sign-in was sent.
fn refresh_at(t: &TokenInner, started: Instant) -> Option<Instant> {
    refresh_at_of(t.expires_at.as_deref(), t.issued_at.as_deref(), started)
}

/// [`refresh_at`] from the expiry and issue times as the server wrote them.
pub(super) fn refresh_at_of(
    expires: Option<&str>,
    issued: Option<&str>,
    started: Instant,
) -> Option<Instant> {
    let exp = chrono::DateTime::parse_from_rfc3339(expires?).ok()?;
    // The lifetime by the server's own clock, so skew does not matter.
    let issued = issued
        .and_then(|i| chrono::DateTime::parse_from_rfc3339(i).ok())
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    let life = (exp - issued).to_std().unwrap_or(Duration::ZERO);
    let margin = (life / 4).min(Duration::from_secs(60));
    Some(started + life.saturating_sub(margin))
}

/// Signs in from synchronous code (the command line, before the run).
pub fn sign_in_blocking(cloud: &Cloud) -> Result<Token, KeystoneError> {
    let rt = crate::runtime::current_thread().map_err(|e| KeystoneError::Unreachable {
        auth_url: cloud.auth_url.clone(),
        reason: format!("failed to start the async runtime: {e}"),
        cloud: cloud.name.clone(),
    })?;
    rt.block_on(sign_in(cloud))
}

/// Picks the endpoint of `service_type` for `interface` (and `region`, when
/// given) from a catalog. The error names what the catalog has instead.
pub fn find_endpoint(
    catalog: &[Service],
    service_type: &str,
    interface: &str,
    region: Option<&str>,
) -> Result<String, String> {
    let Some(service) = catalog.iter().find(|s| s.kind == service_type) else {
        let mut types: Vec<&str> = catalog.iter().map(|s| s.kind.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        return Err(format!(
            "the catalog has no service of type `{service_type}`; it has: {}",
            if types.is_empty() {
                "nothing".into()
            } else {
                types.join(", ")
            }
        ));
    };
    let interface = interface.trim_end_matches("URL");
    let found = service.endpoints.iter().find(|e| {
        e.interface == interface
            && region
                .is_none_or(|r| e.region_id.as_deref() == Some(r) || e.region.as_deref() == Some(r))
    });
    match found {
        Some(e) => Ok(e.url.trim_end_matches('/').to_owned()),
        None => Err(format!(
            "service `{service_type}` has no {interface} endpoint{}; it has: {}",
            region
                .map(|r| format!(" in region {r}"))
                .unwrap_or_default(),
            service
                .endpoints
                .iter()
                .map(|e| format!(
                    "{} in {}",
                    e.interface,
                    e.region_id
                        .as_deref()
                        .or(e.region.as_deref())
                        .unwrap_or("no region")
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A signed-in cloud whose token is renewed as needed.
pub struct Session {
    pub cloud: Cloud,
    state: Mutex<SessionState>,
    /// Held while signing in again, so concurrent requests sign in once.
    renewing: tokio::sync::Mutex<()>,
}

struct SessionState {
    token: Secret,
    refresh_at: Option<Instant>,
    generation: u64,
    /// Every token this run has held, for scrubbing text.
    seen: Vec<Secret>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("cloud", &self.cloud.name)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn new(cloud: Cloud, token: &Token) -> Session {
        Session {
            cloud,
            state: Mutex::new(SessionState {
                token: token.value.clone(),
                refresh_at: token.refresh_at,
                generation: 0,
                seen: vec![token.value.clone()],
            }),
            renewing: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Signs in again unless another request already did since `generation`.
    async fn renew(&self, generation: u64) -> Result<(), KeystoneError> {
        let _one = self.renewing.lock().await;
        if self.state().generation != generation {
            return Ok(());
        }
        let t = sign_in(&self.cloud).await?;
        let mut s = self.state();
        s.token = t.value.clone();
        s.refresh_at = t.refresh_at;
        s.generation += 1;
        s.seen.push(t.value);
        Ok(())
    }
}

/// Where each request's token comes from: a fixed token, or a Keystone
/// session that renews itself. Cheap to clone; clones share the session.
#[derive(Clone, Debug)]
pub enum TokenSource {
    Static(Secret),
    Keystone(Arc<Session>),
}

impl From<Secret> for TokenSource {
    fn from(s: Secret) -> TokenSource {
        TokenSource::Static(s)
    }
}

/// A token handed out for one request; `generation` says which sign-in it
/// came from, for [`TokenSource::refused`].
pub struct Lease {
    pub token: Secret,
    pub generation: u64,
    /// A failed renewal, to note in the report.
    pub note: Option<String>,
}

impl TokenSource {
    /// The token to send now, signing in again first when it is about to expire.
    pub async fn current(&self) -> Lease {
        match self {
            TokenSource::Static(s) => Lease {
                token: s.clone(),
                generation: 0,
                note: None,
            },
            TokenSource::Keystone(session) => {
                let (due, generation) = {
                    let s = session.state();
                    (
                        s.refresh_at.is_some_and(|at| Instant::now() >= at),
                        s.generation,
                    )
                };
                let note =
                    if due {
                        session.renew(generation).await.err().map(|e| {
                            format!("signing in again before the token expired failed: {e}")
                        })
                    } else {
                        None
                    };
                let s = session.state();
                Lease {
                    token: s.token.clone(),
                    generation: s.generation,
                    note,
                }
            }
        }
    }

    /// A request with the token of `generation` got 401: sign in again (once
    /// per token). True when a new token is there to retry with.
    pub async fn refused(&self, generation: u64) -> Result<bool, String> {
        match self {
            TokenSource::Static(_) => Ok(false),
            TokenSource::Keystone(session) => {
                session.renew(generation).await.map_err(|e| e.to_string())?;
                Ok(session.state().generation != generation)
            }
        }
    }

    /// The redactor for every token held so far and the sign-in secret.
    pub fn redactor(&self) -> crate::redact::Redactor {
        match self {
            TokenSource::Static(s) => crate::redact::Redactor::new([s.expose()]),
            TokenSource::Keystone(session) => {
                let mut secrets = vec![session.cloud.credential.secret().expose().to_owned()];
                secrets.extend(session.state().seen.iter().map(|t| t.expose().to_owned()));
                crate::redact::Redactor::new(secrets)
            }
        }
    }

    /// Replaces every token held so far, and the sign-in secret, with `***`.
    pub fn redact(&self, text: &str) -> String {
        self.redactor().redact_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::cloud::ProjectScope;

    fn cloud() -> Cloud {
        Cloud {
            name: "c".into(),
            source: "test".into(),
            auth_url: "http://id.example:5000".into(),
            credential: Credential::Password {
                username: Some("u".into()),
                user_id: None,
                user_domain_name: None,
                user_domain_id: None,
                password: Secret::new("pw-very-secret"),
            },
            project: Some(ProjectScope {
                name: Some("p".into()),
                ..ProjectScope::default()
            }),
            region: None,
            interface: "public".into(),
            identity_api_version: None,
            profile: None,
            tls_spec: Default::default(),
            tls: Default::default(),
        }
    }

    /// A stand-in Keystone that drops its first `drops` connections unanswered and answers
    /// the rest with a token.
    fn flaky_keystone(drops: usize) -> crate::stand_in::StandIn {
        let body = r#"{"token":{"expires_at":null,"user":{"name":"u"},"catalog":[]}}"#;
        crate::stand_in::start(
            drops,
            "\"auth\"",
            format!(
                "HTTP/1.1 201 Created\r\nX-Subject-Token: tok-from-flaky\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    }

    /// A sign-in whose connection was dropped is sent again; one that never gets an answer
    /// says how often it was tried.
    #[tokio::test]
    async fn a_sign_in_that_got_no_answer_is_sent_again() {
        use std::sync::atomic::Ordering;
        let keystone = flaky_keystone(2);
        let c = Cloud {
            auth_url: keystone.url.clone(),
            ..cloud()
        };
        let token = sign_in(&c).await.expect("third try answered");
        assert_eq!(token.value.expose(), "tok-from-flaky");
        assert_eq!(keystone.connections.load(Ordering::SeqCst), 3);

        let keystone = flaky_keystone(usize::MAX);
        let c = Cloud {
            auth_url: keystone.url.clone(),
            ..cloud()
        };
        let err = sign_in(&c).await.expect_err("never answered").to_string();
        assert!(err.contains("(tried 3 times)"), "{err}");
        assert!(!err.contains("pw-very-secret"), "{err}");
        assert_eq!(keystone.connections.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn tokens_url_handles_auth_urls_with_and_without_v3() {
        assert_eq!(tokens_url("http://h:5000"), "http://h:5000/v3/auth/tokens");
        assert_eq!(
            tokens_url("http://h:5000/v3/"),
            "http://h:5000/v3/auth/tokens"
        );
        assert_eq!(
            tokens_url("https://iam.example.com/identity/v3"),
            "https://iam.example.com/identity/v3/auth/tokens"
        );
    }

    #[test]
    fn the_request_body_is_keystones_and_the_curl_line_hides_the_password() {
        let c = cloud();
        let b = request_body(&c, true);
        assert_eq!(b["auth"]["identity"]["methods"], json!(["password"]));
        assert_eq!(
            b["auth"]["identity"]["password"]["user"]["domain"]["name"],
            "Default"
        );
        assert_eq!(b["auth"]["scope"]["project"]["name"], "p");
        let line = curl(&c);
        assert!(!line.contains("pw-very-secret"), "{line}");
        assert!(line.contains("'\"$OS_PASSWORD\"'"), "{line}");
        assert!(
            line.contains("http://id.example:5000/v3/auth/tokens"),
            "{line}"
        );
    }

    #[test]
    fn find_endpoint_names_what_the_catalog_has() {
        let catalog: Vec<Service> = serde_json::from_value(json!([
            {"type": "compute", "name": "nova", "endpoints": [
                {"interface": "public", "region": "R1", "region_id": "R1", "url": "http://c/v2.1/p/"},
                {"interface": "internal", "region_id": "R1", "url": "http://int/v2.1/p"}
            ]},
            {"type": "identity", "endpoints": []}
        ]))
        .unwrap();
        assert_eq!(
            find_endpoint(&catalog, "compute", "public", Some("R1")).as_deref(),
            Ok("http://c/v2.1/p")
        );
        assert_eq!(
            find_endpoint(&catalog, "compute", "internal", None).as_deref(),
            Ok("http://int/v2.1/p")
        );
        let e = find_endpoint(&catalog, "database", "public", None).unwrap_err();
        assert!(e.contains("compute, identity"), "{e}");
        let e = find_endpoint(&catalog, "compute", "public", Some("R2")).unwrap_err();
        assert!(e.contains("public in R1"), "{e}");
    }
}

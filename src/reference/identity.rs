//! The Keystone v3 subset of the reference server, under `/identity/v3`.
//!
//! `POST /identity/v3/auth/tokens` signs in with a password (project scope) or an
//! application credential and answers 201 with the token in `X-Subject-Token` and a body
//! holding `expires_at`, the project, the user and a catalog pointing at the server's own API
//! prefixes (Keystone's `%(tenant_id)s` already substituted). Issued tokens are accepted by
//! every API until they expire; a wrong credential gets Keystone's 401 body and
//! `WWW-Authenticate`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::response;
use super::server::Shared;
use super::state::ids;

/// The access key of the reference server; its secret key is the server's token.
pub const REFERENCE_AK: &str = "REFERENCEAK000000000";
/// The temporary access key; it needs `X-Security-Token: sts-<token>`.
pub const REFERENCE_STS_AK: &str = "REFERENCESTSAK000000";

/// One key pair the gateway knows.
pub(crate) struct GatewayKey {
    pub(crate) ak: String,
    pub(crate) sk: String,
    pub(crate) security_token: Option<String>,
}

/// The region every catalog endpoint is in.
pub const REGION: &str = "RegionOne";

/// Who may sign in, and for how long tokens last.
#[derive(Clone)]
pub struct IdentityConfig {
    pub user: String,
    pub user_domain: String,
    pub password: String,
    pub project_name: String,
    pub project_domain: String,
    pub app_credential_id: String,
    pub app_credential_secret: String,
    /// How long an issued token is accepted.
    pub token_ttl: Duration,
    /// The lifetime `expires_at` announces, when it is to differ from `token_ttl` (a token
    /// that dies early shows a client's renewal on 401).
    pub announced_ttl: Option<Duration>,
    /// The access key whose secret key is `password`, for AK/SK signatures.
    pub ak: String,
    /// A temporary access key (same secret key) and the security token it needs.
    pub sts_ak: String,
    pub sts_token: String,
}

impl IdentityConfig {
    /// User `demo` of domain `Default`, project `demo`, the given password; the application
    /// credential `reference-app-cred` has the same secret. Tokens last an hour.
    pub fn new(password: &str) -> IdentityConfig {
        IdentityConfig {
            user: "demo".into(),
            user_domain: "Default".into(),
            password: password.into(),
            project_name: "demo".into(),
            project_domain: "Default".into(),
            app_credential_id: "reference-app-cred".into(),
            app_credential_secret: password.into(),
            token_ttl: Duration::from_secs(3600),
            announced_ttl: None,
            ak: REFERENCE_AK.into(),
            sts_ak: REFERENCE_STS_AK.into(),
            sts_token: format!("sts-{password}"),
        }
    }
}

impl std::fmt::Debug for IdentityConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityConfig")
            .field("user", &self.user)
            .field("project_name", &self.project_name)
            .field("token_ttl", &self.token_ttl)
            .finish_non_exhaustive()
    }
}

/// Issued tokens and the catalog.
pub(crate) struct Identity {
    config: IdentityConfig,
    tokens: Mutex<HashMap<String, Instant>>,
    issued: AtomicUsize,
    /// (service type, URL), set once the server knows its addresses.
    pub(crate) catalog: OnceLock<Vec<(String, String)>>,
    pub(crate) base: OnceLock<String>,
}

impl Identity {
    pub(crate) fn new(config: IdentityConfig) -> Identity {
        Identity {
            config,
            tokens: Mutex::new(HashMap::new()),
            issued: AtomicUsize::new(0),
            catalog: OnceLock::new(),
            base: OnceLock::new(),
        }
    }

    /// True when `token` was issued here and has not expired.
    pub(crate) fn valid(&self, token: &[u8]) -> bool {
        let Ok(token) = std::str::from_utf8(token) else {
            return false;
        };
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.get(token).is_some_and(|exp| Instant::now() < *exp)
    }

    /// The key pairs signatures may be made with.
    pub(crate) fn keys(&self) -> Vec<GatewayKey> {
        let c = &self.config;
        vec![
            GatewayKey {
                ak: c.ak.clone(),
                sk: c.password.clone(),
                security_token: None,
            },
            GatewayKey {
                ak: c.sts_ak.clone(),
                sk: c.password.clone(),
                security_token: Some(c.sts_token.clone()),
            },
        ]
    }

    pub(crate) fn config(&self) -> &IdentityConfig {
        &self.config
    }

    pub(crate) fn issued(&self) -> usize {
        self.issued.load(Ordering::Relaxed)
    }

    pub(crate) fn issue(&self) -> (String, Duration) {
        let token = format!("gAAAA{}", uuid::Uuid::new_v4().simple());
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        tokens.retain(|_, exp| *exp > now);
        tokens.insert(token.clone(), now + self.config.token_ttl);
        self.issued.fetch_add(1, Ordering::Relaxed);
        (
            token,
            self.config.announced_ttl.unwrap_or(self.config.token_ttl),
        )
    }
}

/// The catalog the server answers: one service per API, ECS at its prefix (no version
/// segment, so the project comes from the token), the others with version and project.
pub(crate) fn catalog_for(addr: &str, ddm_addr: &str) -> Vec<(String, String)> {
    vec![
        (
            "ddm".into(),
            format!("http://{ddm_addr}/ddm/v1/{}", ids::PROJECT),
        ),
        (
            "database".into(),
            format!(
                "http://{addr}/clouddb/{}/{}",
                ids::TROVE_VERSION,
                ids::TROVE_ACCOUNT
            ),
        ),
        (
            "database-ha".into(),
            format!(
                "http://{addr}/clouddb-ha/{}/{}",
                ids::TROVE_VERSION,
                ids::TROVE_ACCOUNT
            ),
        ),
        (
            "modelarts".into(),
            format!("http://{addr}/modelarts/v1/{}", ids::PROJECT),
        ),
        ("compute".into(), format!("http://{addr}/ecs")),
        ("identity".into(), format!("http://{addr}/identity/v3")),
    ]
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/identity/v3/auth/tokens", post(tokens))
        .with_state(shared)
}

fn error(shared: &Shared, status: StatusCode, title: &str, message: &str) -> Response {
    let mut r = response::json(
        status,
        &json!({ "error": { "code": status.as_u16(), "title": title, "message": message } }),
    );
    if status == StatusCode::UNAUTHORIZED {
        let base = shared.identity.base.get().cloned().unwrap_or_default();
        if let Ok(v) = HeaderValue::from_str(&format!("Keystone uri=\"{base}\"")) {
            r.headers_mut().insert("www-authenticate", v);
        }
    }
    r
}

fn unauthorized(shared: &Shared) -> Response {
    error(
        shared,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "The request you have made requires authentication.",
    )
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// The name (or id) of a domain object, `Default` when absent.
fn domain_ok(v: &Value, pointer: &str, expected: &str) -> bool {
    match v.pointer(pointer) {
        None => true,
        Some(d) => {
            d.get("name").and_then(Value::as_str) == Some(expected)
                || d.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.eq_ignore_ascii_case(expected))
        }
    }
}

/// `POST /v3/auth/tokens`: checks the credential and scope, then issues a
/// token with the catalog (201 and `X-Subject-Token`).
async fn tokens(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return error(
            &shared,
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The request body is not JSON.",
        );
    };
    let methods: Vec<&str> = req
        .pointer("/auth/identity/methods")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match identify(&shared.identity.config, &req, &methods) {
        Identified::Yes => {}
        Identified::No => return unauthorized(&shared),
        Identified::NoProjectAccess => {
            return error(
                &shared,
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "User has no access to project.",
            );
        }
        Identified::NoMethod => {
            return error(
                &shared,
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "Expecting auth.identity.methods to hold password or application_credential.",
            );
        }
    }
    let id = &shared.identity;
    let (token, ttl) = id.issue();
    let body = token_body(&id.config, &methods, catalog(id), ttl);
    let mut r = response::json(StatusCode::CREATED, &body);
    if let Ok(v) = HeaderValue::from_str(&token) {
        r.headers_mut().insert("x-subject-token", v);
    }
    r
}

/// What a sign-in request proves.
enum Identified {
    Yes,
    No,
    /// The right user, with a project it may not use.
    NoProjectAccess,
    /// Neither `password` nor `application_credential`.
    NoMethod,
}

/// Whether the sign-in names the configured user (password, with a project
/// it may use) or application credential.
fn identify(c: &IdentityConfig, req: &Value, methods: &[&str]) -> Identified {
    let ok = if methods.contains(&"password") {
        let user_ok = str_at(req, "/auth/identity/password/user/name") == Some(&c.user)
            && domain_ok(req, "/auth/identity/password/user/domain", &c.user_domain)
            && str_at(req, "/auth/identity/password/user/password") == Some(&c.password);
        let project_ok = str_at(req, "/auth/scope/project/name") == Some(&c.project_name)
            && domain_ok(req, "/auth/scope/project/domain", &c.project_domain)
            || str_at(req, "/auth/scope/project/id") == Some(ids::PROJECT);
        if user_ok && !project_ok {
            return Identified::NoProjectAccess;
        }
        user_ok
    } else if methods.contains(&"application_credential") {
        str_at(req, "/auth/identity/application_credential/id") == Some(&c.app_credential_id)
            && str_at(req, "/auth/identity/application_credential/secret")
                == Some(&c.app_credential_secret)
    } else {
        return Identified::NoMethod;
    };
    if ok { Identified::Yes } else { Identified::No }
}

/// The catalog in Keystone's shape: one public endpoint per service.
fn catalog(id: &Identity) -> Vec<Value> {
    id.catalog
        .get()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|(kind, url)| {
            json!({
                "type": kind,
                "name": kind,
                "id": format!("{kind}-service"),
                "endpoints": [{
                    "id": format!("{kind}-public"),
                    "interface": "public",
                    "region": REGION,
                    "region_id": REGION,
                    "url": url,
                }],
            })
        })
        .collect()
}

/// The token body: methods, lifetime, user, project, roles and catalog.
fn token_body(c: &IdentityConfig, methods: &[&str], catalog: Vec<Value>, ttl: Duration) -> Value {
    let now = chrono::Utc::now();
    let expires = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1));
    let stamp =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    json!({ "token": {
        "methods": methods,
        "expires_at": stamp(expires),
        "issued_at": stamp(now),
        "user": { "id": "reference-user", "name": c.user, "domain": { "id": "default", "name": c.user_domain } },
        "project": { "id": ids::PROJECT, "name": c.project_name, "domain": { "id": "default", "name": c.project_domain } },
        "roles": [{ "id": "member", "name": "member" }],
        "catalog": catalog,
    } })
}

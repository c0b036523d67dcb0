//! The server's lifecycle: binding, the shared state handed to every handler, the list of
//! APIs with their base URLs and path variables, the target file, and shutdown.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fmt::Write as _;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::apis;
use super::counter::{self, Counter};
use super::discovery;
use super::faults::Fault;
use super::hostile::{self, FrontMode};
use super::identity::{self, Identity, IdentityConfig};
use super::state::{Api, Resources};
use super::tls::{self as server_tls, TlsFiles, TlsOptions};

/// How long `shutdown` waits for open connections before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// What the server is started with.
#[derive(Clone)]
pub struct ReferenceConfig {
    /// How long a restart keeps a resource in its restarting state.
    pub reboot: Duration,
    /// The deliberate departures from the documents; empty for a conformant server.
    pub faults: BTreeSet<Fault>,
    /// The only `X-Auth-Token` value accepted.
    pub token: String,
    /// How many resources each API has (at least one), each restarting independently.
    pub resources: usize,
}

/// Resources per API when nothing else is asked for.
pub const DEFAULT_RESOURCES: usize = 2;

impl fmt::Debug for ReferenceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReferenceConfig")
            .field("reboot", &self.reboot)
            .field("faults", &self.faults)
            .field("token", &"***")
            .field("resources", &self.resources)
            .finish()
    }
}

/// One API as a target file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceApi {
    /// The API id: `ddm`, `clouddb`, `clouddb-ha`, `modelarts` or `ecs`.
    pub api: &'static str,
    /// Where the API's documented paths start, e.g. `http://127.0.0.1:8080/ecs`.
    pub base_url: String,
    /// The path variables naming the API's first resource.
    pub vars: BTreeMap<String, String>,
    /// The variable naming the resource restarted (`server_id`, ...).
    pub resource_var: &'static str,
    /// Every resource id of the API, the one in `vars` first.
    pub resources: Vec<String>,
    /// The value of the resource variable among `vars` (the first resource).
    pub resource: String,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("faults", &self.faults)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// State shared by every handler.
pub(crate) struct Shared {
    pub(crate) faults: BTreeSet<Fault>,
    pub(crate) token: String,
    pub(crate) resources: Resources,
    /// The Keystone v3 subset: issued tokens and the catalog.
    pub(crate) identity: Identity,
    /// The port of the main listener, for the `redirect` fault's `Location`.
    pub(crate) port: u16,
    /// Turns true (or closes) when the server shuts down.
    pub(crate) stop: watch::Receiver<bool>,
    /// How many requests came, for tests that count what a run sent.
    pub(crate) counter: Counter,
}

impl Shared {
    pub(crate) fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Where the identity endpoint is, as a 401's `WWW-Authenticate` names it.
    pub(crate) fn identity_url(&self) -> String {
        self.identity.base.get().cloned().unwrap_or_default()
    }
}

/// Resolves once `stop` turns true or its sender is gone.
pub(crate) async fn stopped(mut stop: watch::Receiver<bool>) {
    // An error means the sender was dropped, which is a shutdown as well.
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// The embedded server: one listener serving all five APIs under their own path prefix.
///
/// Dropping it stops the server as `shutdown` does, without waiting.
#[derive(Debug)]
pub struct ReferenceServer {
    addr: SocketAddr,
    /// Every API's resource ids, in `Api::ALL` order.
    resources: Vec<Vec<String>>,
    /// Where the DDM API is reached: the main listener, or the raw-TCP front of a hostile fault.
    ddm_addr: SocketAddr,
    /// Every API is reached through the front (the drop faults), not only DDM.
    front_all: bool,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
    /// Set when serving HTTPS: the files a client needs.
    tls: Option<TlsFiles>,
}

/// The address a client dials: an unspecified listen address becomes loopback.
fn dialable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

impl ReferenceServer {
    /// Binds `listen` (port 0 = any free port) and serves until shutdown.
    pub async fn start(listen: SocketAddr, config: ReferenceConfig) -> io::Result<ReferenceServer> {
        let identity = IdentityConfig::new(&config.token);
        ReferenceServer::start_with_identity(listen, config, identity).await
    }

    /// As [`start`](Self::start), with who may sign in at `/identity/v3` and for how long
    /// tokens last. The configured token stays valid as well.
    pub async fn start_with_identity(
        listen: SocketAddr,
        config: ReferenceConfig,
        identity: IdentityConfig,
    ) -> io::Result<ReferenceServer> {
        ReferenceServer::start_inner(listen, config, identity, None).await
    }

    /// As [`start_with_identity`](Self::start_with_identity), over HTTPS with a throw-away
    /// CA (see [`TlsOptions`]); [`tls_files`](Self::tls_files) names the CA file. The DDM
    /// front of a hostile fault stays plain HTTP.
    pub async fn start_tls(
        listen: SocketAddr,
        config: ReferenceConfig,
        identity: IdentityConfig,
        tls: &TlsOptions,
    ) -> io::Result<ReferenceServer> {
        ReferenceServer::start_inner(listen, config, identity, Some(tls)).await
    }

    async fn start_inner(
        listen: SocketAddr,
        config: ReferenceConfig,
        identity: IdentityConfig,
        tls: Option<&TlsOptions>,
    ) -> io::Result<ReferenceServer> {
        let front_mode = FrontMode::from_faults(&config.faults, config.reboot);
        if tls.is_some() && front_mode.is_some_and(FrontMode::proxies) {
            // The raw-TCP front proxies plain HTTP to the main listener, which then speaks TLS.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the huge-body, drop and lose-poll-in-restart faults cannot be served over TLS",
            ));
        }
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            faults: config.faults,
            token: config.token,
            resources: Resources::new(config.reboot, config.resources),
            identity: Identity::new(identity),
            port: addr.port(),
            stop: stop_rx.clone(),
            counter: Counter::default(),
        });
        let resources = Api::ALL
            .iter()
            .map(|&api| shared.resources.ids(api))
            .collect();
        let mut tasks = Vec::new();
        let tls_files = serve(listener, router(&shared), tls, &stop_rx, &mut tasks)?;
        let scheme = if tls_files.is_some() { "https" } else { "http" };
        let ddm_addr = match front_mode {
            Some(mode) => serve_front(addr, mode, stop_rx, &mut tasks).await?,
            None => addr,
        };
        publish_identity(&shared, addr, ddm_addr, scheme);
        Ok(ReferenceServer {
            addr,
            resources,
            ddm_addr,
            front_all: front_mode.is_some_and(FrontMode::fronts_every_api),
            stop,
            tasks,
            shared,
            tls: tls_files,
        })
    }

    /// The CA file (and minted client certificate) when serving HTTPS.
    pub fn tls_files(&self) -> Option<&TlsFiles> {
        self.tls.as_ref()
    }

    /// `https` when serving HTTPS, else `http`.
    fn scheme_of(&self, addr: SocketAddr) -> &'static str {
        if self.tls.is_some() && addr == self.addr {
            "https"
        } else {
            "http"
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests the server received on action URIs (any method).
    pub fn action_requests(&self) -> usize {
        self.shared.counter.actions()
    }

    /// How many restarts the server accepted and started, on every resource: what a run cost
    /// the target (a refused second restart is no restart).
    pub fn accepted_restarts(&self) -> usize {
        self.shared.resources.started()
    }

    /// How many requests the server received in all.
    pub fn requests(&self) -> usize {
        self.shared.counter.all()
    }

    /// One entry per API id: "ddm", "clouddb", "clouddb-ha", "modelarts", "ecs" (in that order).
    pub fn apis(&self) -> Vec<ReferenceApi> {
        Api::ALL
            .iter()
            .zip(&self.resources)
            .map(|(&api, resources)| {
                let addr = if api == Api::Ddm || self.front_all {
                    self.ddm_addr
                } else {
                    self.addr
                };
                ReferenceApi {
                    api: api.id(),
                    base_url: format!("{}://{}/{}", self.scheme_of(addr), dialable(addr), api.id()),
                    vars: api
                        .vars()
                        .iter()
                        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                        .collect(),
                    resource_var: api.resource_var(),
                    resources: resources.clone(),
                    resource: api
                        .vars()
                        .last()
                        .map(|(_, value)| (*value).to_owned())
                        .unwrap_or_default(),
                }
            })
            .collect()
    }

    /// A ready-to-use target file (YAML) for this server; the token is read from env var `token_env`.
    /// With several resources per API, the resource variable lists them all (`server_id: [a, b]`).
    pub fn target_yaml(&self, token_env: &str) -> String {
        let mut yaml = format!("auth:\n  token_env: {}\n", quoted(token_env));
        yaml.push_str(&self.tls_yaml());
        yaml.push_str("apis:\n");
        for api in self.apis() {
            // Writing into a String cannot fail.
            let _ = writeln!(yaml, "  {}:", api.api);
            let _ = writeln!(yaml, "    base_url: {}", quoted(&api.base_url));
            let _ = writeln!(yaml, "    vars:");
            for (name, value) in &api.vars {
                if name == api.resource_var && api.resources.len() > 1 {
                    let ids: Vec<String> = api.resources.iter().map(|id| quoted(id)).collect();
                    let _ = writeln!(yaml, "      {name}: [{}]", ids.join(", "));
                } else {
                    let _ = writeln!(yaml, "      {name}: {}", quoted(value));
                }
            }
        }
        yaml
    }

    /// The Keystone v3 auth URL: `http://ADDR/identity/v3`.
    pub fn identity_url(&self) -> String {
        format!(
            "{}://{}/identity/v3",
            self.scheme_of(self.addr),
            dialable(self.addr)
        )
    }

    /// How many tokens the identity endpoint has issued.
    pub fn tokens_issued(&self) -> usize {
        self.shared.identity.issued()
    }

    /// A `clouds.yaml` with cloud `name` signing in to this server as user `demo`. The
    /// password is left out: it is the value of `password_env`, for `secure.yaml`.
    pub fn clouds_yaml(&self, name: &str, password_env: &str) -> String {
        format!("clouds:\n{}", self.keystone_cloud(name, password_env))
    }

    /// One `clouds.yaml` holding both ways in: cloud `keystone` (Keystone v3, a password)
    /// and cloud `rackspace` (Identity v2.0, an API key); both secrets are the value of
    /// `secret_env`, for `secure.yaml`.
    pub fn all_clouds_yaml(&self, keystone: &str, rackspace: &str, secret_env: &str) -> String {
        format!(
            "clouds:\n{}{}",
            self.keystone_cloud(keystone, secret_env),
            self.rackspace_cloud(rackspace, secret_env)
        )
    }

    /// The Keystone v3 entry of a `clouds.yaml`, indented under `clouds:`.
    fn keystone_cloud(&self, name: &str, password_env: &str) -> String {
        format!(
            "  {name}:\n    auth:\n      auth_url: {}\n      username: \"demo\"\n      user_domain_name: \"Default\"\n      project_name: \"demo\"\n      project_domain_name: \"Default\"\n      # password: the value of ${password_env}; put it in secure.yaml\n    region_name: {}\n    interface: public\n{}",
            quoted(&self.identity_url()),
            quoted(identity::REGION),
            self.cloud_tls_yaml(),
        )
    }

    /// A cloud entry's `cacert` (and minted `cert` and `key`) when serving HTTPS.
    fn cloud_tls_yaml(&self) -> String {
        let mut tls = String::new();
        if let Some(f) = &self.tls {
            let _ = writeln!(
                tls,
                "    cacert: {}",
                quoted(&f.ca_file.display().to_string())
            );
            if let Some((cert, key)) = &f.client {
                let _ = writeln!(tls, "    cert: {}", quoted(&cert.display().to_string()));
                let _ = writeln!(tls, "    key: {}", quoted(&key.display().to_string()));
            }
        }
        tls
    }

    /// A target file naming only the resources, for signing in with cloud `name`: the base
    /// URLs and the project come from the catalog. Each API goes by its usual service type;
    /// the HA API is found at the Cloud Databases endpoint, as on Rackspace, so the same
    /// file works with a Keystone v3 cloud and with a Rackspace v2.0 one.
    pub fn cloud_target_yaml(&self, name: &str) -> String {
        let mut yaml = format!("auth:\n  cloud: {}\napis:\n", quoted(name));
        for api in self.apis() {
            let ids: Vec<String> = api.resources.iter().map(|r| quoted(r)).collect();
            let _ = writeln!(
                yaml,
                "  {}: {{ vars: {{ {}: [{}] }} }}",
                api.api,
                api.resource_var,
                ids.join(", ")
            );
        }
        yaml
    }

    /// The Rackspace Identity v2.0 auth URL: `http://ADDR/identity/v2.0`.
    pub fn identity_v2_url(&self) -> String {
        format!(
            "{}://{}/identity/v2.0",
            self.scheme_of(self.addr),
            dialable(self.addr)
        )
    }

    /// The access key whose signatures the server accepts; its secret key is the token.
    pub fn access_key(&self) -> &str {
        &self.shared.identity.config().ak
    }

    /// A target file signing every API with AK/SK: the key pair is read from `ak_env` and
    /// `sk_env` (the secret key is the server's token).
    pub fn aksk_target_yaml(&self, ak_env: &str, sk_env: &str) -> String {
        let fixed = self.target_yaml("UNUSED");
        let apis = fixed.split_once("apis:\n").map_or("", |(_, rest)| rest);
        format!(
            "auth:\n  ak_env: {}\n  sk_env: {}\n{}apis:\n{apis}",
            quoted(ak_env),
            quoted(sk_env),
            self.tls_yaml(),
        )
    }

    /// A `clouds.yaml` with cloud `name` signing in to the v2.0 endpoint with a Rackspace
    /// API key (user `demo`); the key is the value of `key_env`, for `secure.yaml`.
    pub fn rackspace_clouds_yaml(&self, name: &str, key_env: &str) -> String {
        format!("clouds:\n{}", self.rackspace_cloud(name, key_env))
    }

    /// The Rackspace entry of a `clouds.yaml`, indented under `clouds:`.
    fn rackspace_cloud(&self, name: &str, key_env: &str) -> String {
        format!(
            "  {name}:\n    profile: rackspace\n    auth_type: rackspace_apikey\n    auth:\n      auth_url: {}\n      username: \"demo\"\n      # api_key: the value of ${key_env}; put it in secure.yaml\n    region_name: {}\n{}",
            quoted(&self.identity_v2_url()),
            quoted(identity::REGION),
            self.cloud_tls_yaml(),
        )
    }

    /// The target file's `tls` block when serving HTTPS (empty otherwise).
    fn tls_yaml(&self) -> String {
        let Some(f) = &self.tls else {
            return String::new();
        };
        let mut yaml = format!(
            "tls:\n  ca_file: {}\n",
            quoted(&f.ca_file.display().to_string())
        );
        if let Some((cert, key)) = &f.client {
            let _ = writeln!(yaml, "  cert_file: {}", quoted(&cert.display().to_string()));
            let _ = writeln!(yaml, "  key_file: {}", quoted(&key.display().to_string()));
        }
        yaml
    }

    /// Stops accepting connections, ends hanging requests, and waits (a few seconds at most)
    /// for open connections to finish.
    pub async fn shutdown(self) {
        self.stop.send_replace(true);
        for mut task in self.tasks {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

/// Every route of the server: the five APIs behind the AK/SK gate, each answer stamped with a
/// request id, the identity and discovery endpoints beside them, and every request counted.
fn router(shared: &Arc<Shared>) -> axum::Router {
    apis::router(shared.clone())
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            super::aksk::gate,
        ))
        .layer(axum::middleware::from_fn(super::request_id::stamp))
        .merge(identity::router(shared.clone()))
        .merge(super::identity_v2::router(shared.clone()))
        .merge(discovery::router(shared.clone()))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            counter::count,
        ))
}

/// Serves `router` on `listener`, over TLS when `tls` is given, until `stop`; the tasks it
/// starts go to `tasks`. The CA (and client certificate) files when serving HTTPS.
fn serve(
    listener: TcpListener,
    router: axum::Router,
    tls: Option<&TlsOptions>,
    stop: &watch::Receiver<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> io::Result<Option<TlsFiles>> {
    let addr = listener.local_addr()?;
    let serve_stop = stop.clone();
    match tls {
        None => {
            tasks.push(tokio::spawn(async move {
                // The only error axum reports is a failed accept loop; the server is gone then.
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(stopped(serve_stop))
                    .await;
            }));
            Ok(None)
        }
        Some(opts) => {
            let (acceptor, files) = server_tls::make(opts, addr)?;
            let (tls_listener, accepting) = server_tls::listen(listener, acceptor, stop.clone())?;
            tasks.push(accepting);
            tasks.push(tokio::spawn(async move {
                let _ = axum::serve(tls_listener, router)
                    .with_graceful_shutdown(stopped(serve_stop))
                    .await;
            }));
            Ok(Some(files))
        }
    }
}

/// Starts the raw-TCP front of a hostile fault mode beside the main listener at `addr`; the
/// front's address.
async fn serve_front(
    addr: SocketAddr,
    mode: FrontMode,
    stop: watch::Receiver<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> io::Result<SocketAddr> {
    let front = TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await?;
    let front_addr = front.local_addr()?;
    tasks.push(tokio::spawn(hostile::serve_front(
        front,
        mode,
        dialable(addr),
        stop,
    )));
    Ok(front_addr)
}

/// Sets the identity endpoint's catalog and base URL, once, before any request can read them:
/// the main listener's URLs in `scheme`, the DDM API's at `ddm_addr` (a hostile front, when one
/// runs).
fn publish_identity(shared: &Shared, addr: SocketAddr, ddm_addr: SocketAddr, scheme: &str) {
    let main = format!("http://{}/", dialable(addr));
    let catalog =
        identity::catalog_for(&dialable(addr).to_string(), &dialable(ddm_addr).to_string())
            .into_iter()
            .map(|(kind, url)| match url.strip_prefix("http://") {
                Some(rest) if url.starts_with(&main) => (kind, format!("{scheme}://{rest}")),
                _ => (kind, url),
            })
            .collect();
    let _ = shared.identity.catalog.set(catalog);
    let _ = shared
        .identity
        .base
        .set(format!("{scheme}://{}/identity", dialable(addr)));
}

/// A YAML double-quoted scalar; JSON's string escapes are a subset of YAML's.
fn quoted(value: &str) -> String {
    serde_json::Value::from(value).to_string()
}

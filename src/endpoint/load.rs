//! Reading a target file and checking it against the spec set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use std::sync::Arc;

use super::cloud::{self, Cloud, CloudError, Credential, Env, process_env};
use super::keystone::{self, KeystoneError, Session, TokenSource};
use super::signing::{self, KeyUnset};
use super::tls::{TlsError, TlsFile, TlsPlan, TlsSpec};
use super::{AkSk, Secret};
use crate::model::SignInInfo;
use crate::spec::SpecSet;
use crate::yaml::{Located, Pos, parse_yaml_file};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    #[serde(default)]
    auth: Option<AuthFile>,
    /// CA, client certificate and `verify` for every API and the sign-in.
    #[serde(default)]
    tls: Option<TlsFile>,
    apis: BTreeMap<String, Spanned<ApiFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthFile {
    #[serde(default)]
    token_env: Option<Spanned<String>>,
    /// A clouds.yaml entry to sign in with.
    #[serde(default)]
    cloud: Option<Spanned<String>>,
    /// AK/SK signing for every API: the variables holding the key pair.
    #[serde(default)]
    ak_env: Option<Spanned<String>>,
    #[serde(default)]
    sk_env: Option<Spanned<String>>,
    #[serde(default)]
    security_token_env: Option<Spanned<String>>,
    #[serde(default)]
    project_id_env: Option<Spanned<String>>,
}

impl AuthFile {
    /// The key pair's variables, when this section signs every API.
    fn key_names(&self) -> Option<signing::KeyNames> {
        signing::names(
            self.ak_env.as_ref(),
            self.sk_env.as_ref(),
            self.security_token_env.as_ref(),
            self.project_id_env.as_ref(),
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiFile {
    /// Wins over the catalog; needed when signing in with a fixed token.
    #[serde(default)]
    base_url: Option<Spanned<String>>,
    /// Catalog service type (default per API, see [`default_service_type`]).
    #[serde(default)]
    service_type: Option<Spanned<String>>,
    #[serde(default)]
    region: Option<Spanned<String>>,
    #[serde(default)]
    interface: Option<Spanned<String>>,
    #[serde(default)]
    vars: BTreeMap<String, Spanned<VarValue>>,
    /// This API signs its requests with AK/SK (the others keep the token).
    #[serde(default)]
    auth: Option<signing::ApiAuthFile>,
    /// This API's own TLS settings, over the file's top-level `tls`.
    #[serde(default)]
    tls: Option<TlsFile>,
}

/// A path variable's value: one string, or (for the resource variable) a
/// list of them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum VarValue {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for VarValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<VarValue, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = VarValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<VarValue, E> {
                Ok(VarValue::One(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<VarValue, E> {
                Ok(VarValue::One(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<VarValue, E> {
                Ok(VarValue::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<VarValue, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                Ok(VarValue::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl VarValue {
    fn values(&self) -> Vec<String> {
        match self {
            VarValue::One(v) => vec![v.clone()],
            VarValue::Many(v) => v.clone(),
        }
    }
}

/// The catalog service type each API is found under by default.
pub fn default_service_type(api: &str) -> &str {
    match api {
        "ecs" => "compute",
        "clouddb" | "clouddb-ha" => "database",
        other => other,
    }
}

/// Where one API lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiEndpoint {
    /// Base URL without a trailing slash; the spec's paths are appended.
    pub base_url: String,
    pub vars: BTreeMap<String, String>,
    /// The resource variable's values, in order (one for a plain string);
    /// `vars` holds the first.
    pub resources: Vec<String>,
    /// Requests to this API are signed with this AK/SK instead of carrying a token.
    pub signer: Option<Arc<AkSk>>,
}

/// A checked target: every configured API exists, has its variables and a
/// usable base URL, and the token has been read (or signed in for).
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The file it came from, or a label such as `embedded reference server`.
    pub label: String,
    pub apis: BTreeMap<String, ApiEndpoint>,
    /// The token of the first request (a fixed token, or the first sign-in's).
    pub token: Secret,
    /// The environment variable the token was read from (for `curl` lines).
    pub token_env: String,
    /// Set when the token comes from signing in to a cloud.
    pub sign_in: Option<SignIn>,
    /// The TLS each API's requests use.
    pub tls: TlsPlan,
}

/// A cloud sign-in: the cloud, and its session once signed in (none in a dry run).
#[derive(Debug, Clone)]
pub struct SignIn {
    pub cloud: Arc<Cloud>,
    pub session: Option<Arc<Session>>,
    /// The project the token is scoped to, as the token names it.
    pub project: Option<String>,
    pub user: Option<String>,
}

impl Endpoint {
    /// True when every base URL points at this machine.
    pub fn is_loopback(&self) -> bool {
        self.apis.values().all(|a| {
            reqwest::Url::parse(&a.base_url)
                .ok()
                .is_some_and(|u| match u.host() {
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    Some(url::Host::Domain(d)) => d == "localhost",
                    None => false,
                })
        })
    }

    /// Where each request's token comes from: the session when signed in.
    pub fn token_source(&self) -> TokenSource {
        match self.sign_in.as_ref().and_then(|s| s.session.clone()) {
            Some(session) => TokenSource::Keystone(session),
            None => TokenSource::Static(self.token.clone()),
        }
    }

    /// Auth URL, user, project and region, for the reports; never a secret.
    pub fn sign_in_info(&self) -> Option<SignInInfo> {
        let s = self.sign_in.as_ref()?;
        let c = &s.cloud;
        Some(SignInInfo {
            cloud: c.name.clone(),
            auth_url: c.auth_url.clone(),
            user: s.user.clone().unwrap_or_else(|| c.credential.user_label()),
            project: s.project.clone().or_else(|| {
                c.project
                    .as_ref()
                    .and_then(|p| p.name.clone().or_else(|| p.id.clone()))
            }),
            region: c.region.clone(),
        })
    }

    /// Who the run acts as, for a resumed run to compare with the run it
    /// continues: the sign-in's auth URL, region, user, user domain and
    /// project as configured, and each signing API's access key id. Never
    /// a password, a secret key or a token.
    pub fn identity(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut put = |key: String, value: Option<&String>| {
            if let Some(v) = value {
                out.insert(key, v.clone());
            }
        };
        if let Some(s) = &self.sign_in {
            let c = &s.cloud;
            put("sign-in auth URL".into(), Some(&c.auth_url));
            put("sign-in region".into(), c.region.as_ref());
            match &c.credential {
                Credential::Password {
                    username,
                    user_id,
                    user_domain_name,
                    user_domain_id,
                    password: _,
                } => {
                    put("sign-in user".into(), username.as_ref());
                    put("sign-in user id".into(), user_id.as_ref());
                    put("sign-in user domain".into(), user_domain_name.as_ref());
                    put("sign-in user domain id".into(), user_domain_id.as_ref());
                }
                Credential::ApplicationCredential { id, secret: _ } => {
                    put("sign-in application credential".into(), Some(id));
                }
                Credential::RackspaceApiKey {
                    username,
                    api_key: _,
                } => put("sign-in user".into(), Some(username)),
                Credential::AkSk { ak, .. } => put("sign-in access key".into(), Some(ak)),
                Credential::Token { token: _ } => {}
            }
            if let Some(p) = &c.project {
                put("sign-in project".into(), p.name.as_ref());
                put("sign-in project id".into(), p.id.as_ref());
                put("sign-in project domain".into(), p.domain_name.as_ref());
                put("sign-in project domain id".into(), p.domain_id.as_ref());
            }
        }
        for (api, key) in self
            .apis
            .iter()
            .filter_map(|(api, a)| Some((api, a.signer.as_ref()?)))
        {
            put(format!("{api} access key"), Some(&key.ak));
            put(format!("{api} signing project id"), key.project_id.as_ref());
        }
        out
    }

    /// Which APIs sign their requests with AK/SK, and the variables the keys
    /// come from (never a key).
    pub fn signing_info(&self) -> Option<crate::model::SigningInfo> {
        let mut info = crate::model::SigningInfo {
            algorithm: "SDK-HMAC-SHA256".into(),
            ..Default::default()
        };
        for (api, key) in self
            .apis
            .iter()
            .filter_map(|(api, a)| Some((api, a.signer.as_ref()?)))
        {
            info.apis.push(api.clone());
            let temporary = key
                .security_token
                .is_some()
                .then_some(&key.security_token_env);
            for source in [Some(&key.ak_env), Some(&key.sk_env), temporary]
                .into_iter()
                .flatten()
            {
                if !info.key_sources.contains(source) {
                    info.key_sources.push(source.clone());
                }
            }
        }
        (!info.apis.is_empty()).then_some(info)
    }

    /// Every secret value the run holds at the start (the token and the
    /// sign-in credential), for the redactor; empty ones left out.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = vec![self.token.expose().to_owned()];
        if let Some(s) = &self.sign_in {
            out.push(s.cloud.credential.secret().expose().to_owned());
        }
        for key in self.apis.values().filter_map(|a| a.signer.as_ref()) {
            out.push(key.sk.expose().to_owned());
            out.extend(key.security_token.as_ref().map(|t| t.expose().to_owned()));
        }
        out.retain(|v| !v.is_empty());
        out
    }

    /// The TLS the run uses, for the reports: the hosts whose certificates
    /// are not verified, the CA files and the client certificates. `None`
    /// when every client trusts the system roots only.
    pub fn tls_info(&self) -> Option<crate::model::TlsInfo> {
        let sign_in = self
            .sign_in
            .as_ref()
            .map(|s| (&s.cloud.auth_url, &s.cloud.tls));
        let apis = self
            .apis
            .iter()
            .map(|(api, a)| (&a.base_url, self.tls.for_api(api)));
        super::tls::info(sign_in.into_iter().chain(apis))
    }

    /// The sign-in request as a `curl` line with the secret as a variable.
    pub fn sign_in_curl(&self) -> Option<String> {
        self.sign_in.as_ref().map(|s| keystone::curl(&s.cloud))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("{}", .0.iter().map(Located::render).collect::<Vec<_>>().join("\n\n"))]
    Invalid(Vec<Located>),
    #[error("failed to read target file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the token variable `{0}` is not set\n  = help: export {0}=<your token> (the token is read from the environment, never from a file or flag), or sign in with auth.cloud / --cloud / OS_CLOUD"
    )]
    TokenUnset(String),
    #[error(transparent)]
    Cloud(#[from] CloudError),
    #[error(transparent)]
    Keystone(#[from] KeystoneError),
    #[error("error: {0}")]
    Catalog(String),
    #[error(transparent)]
    KeyUnset(#[from] KeyUnset),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// The raw file, parsed but not yet checked against specs.
pub struct ParsedEndpoint {
    path: PathBuf,
    text: String,
    file: TargetFile,
}

/// Reads and parses a target file.
pub fn load_file(path: &Path) -> Result<ParsedEndpoint, EndpointError> {
    let bytes = std::fs::read(path).map_err(|source| EndpointError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_bytes(path, &bytes)
}

/// Parses target file contents; `path` names them in messages.
pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<ParsedEndpoint, EndpointError> {
    let (file, text) = parse_yaml_file::<TargetFile>(path, bytes, "target file")
        .map_err(|e| EndpointError::Invalid(vec![e]))?;
    Ok(ParsedEndpoint {
        path: path.to_path_buf(),
        text,
        file,
    })
}

/// How [`resolve_with`] finds the token.
pub struct ResolveOptions<'a> {
    /// `--token-env`: a fixed token from this variable; wins over all else.
    pub token_env: Option<&'a str>,
    /// `--cloud`: a clouds.yaml entry; wins over the file's `auth`.
    pub cloud: Option<&'a str>,
    /// False for a dry run: no token is read and nobody signs in.
    pub require_token: bool,
    pub env: Env<'a>,
    /// `--region`: the region of the cloud signed in to.
    pub region: Option<&'a str>,
    /// `--insecure`: certificates are not verified.
    pub insecure: bool,
}

/// Checks a parsed target against the specs and reads the token from the
/// environment (`token_env_override` wins over the file's `auth.token_env`).
pub fn resolve(
    parsed: ParsedEndpoint,
    specs: &SpecSet,
    token_env_override: Option<&str>,
    require_token: bool,
) -> Result<Endpoint, EndpointError> {
    resolve_with(
        parsed,
        specs,
        &ResolveOptions {
            token_env: token_env_override,
            cloud: None,
            require_token,
            env: &process_env,
            region: None,
            insecure: false,
        },
    )
}

/// A dry run reads no token and signs in to nothing: it needs no secret.
fn secret_need(opts: &ResolveOptions<'_>) -> cloud::SecretNeed {
    if opts.require_token {
        cloud::SecretNeed::Required
    } else {
        cloud::SecretNeed::NotNeeded
    }
}

/// Where the token comes from, in the order of precedence.
enum AuthChoice {
    Token(String),
    Cloud(String),
    EnvVars,
    /// No `auth` and no token variable, but the Huawei SDKs' AK/SK variables.
    EnvAkSk,
}

fn auth_choice(file: &TargetFile, opts: &ResolveOptions<'_>) -> AuthChoice {
    let auth = file.auth.as_ref();
    if let Some(v) = opts.token_env {
        return AuthChoice::Token(v.to_owned());
    }
    if let Some(c) = opts.cloud {
        return AuthChoice::Cloud(c.to_owned());
    }
    if let Some(c) = auth.and_then(|a| a.cloud.as_ref()) {
        return AuthChoice::Cloud(c.value.clone());
    }
    if let Some(t) = auth.and_then(|a| a.token_env.as_ref()) {
        return AuthChoice::Token(t.value.clone());
    }
    if let Some(c) = (opts.env)("OS_CLOUD") {
        return AuthChoice::Cloud(c);
    }
    if (opts.env)("OS_AUTH_URL").is_some() {
        return AuthChoice::EnvVars;
    }
    if auth.is_none() && (opts.env)("OS_AUTH_TOKEN").is_none() && signing::in_env(opts.env) {
        return AuthChoice::EnvAkSk;
    }
    AuthChoice::Token("OS_AUTH_TOKEN".to_owned())
}

/// Located errors for one target file.
struct FileErrors<'a> {
    path: &'a Path,
    text: &'a str,
    errors: Vec<Located>,
}

impl FileErrors<'_> {
    /// An error at `pos`, with its label and help.
    fn at(
        &mut self,
        pos: &serde_saphyr::Location,
        title: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.errors.push(
            Located::new(self.path, self.text, Some(Pos::from_saphyr(pos)), title)
                .label(label)
                .help(help),
        );
    }
}

/// Where one configured API's base URL comes from.
enum Placement {
    /// The file gives it.
    Fixed(ApiEndpoint),
    /// The catalog gives it, once signed in.
    Catalog(Lookup),
}

/// Checks a parsed target against the specs, then reads the token or signs
/// in and takes the missing base URLs and variables from the catalog.
pub fn resolve_with(
    parsed: ParsedEndpoint,
    specs: &SpecSet,
    opts: &ResolveOptions<'_>,
) -> Result<Endpoint, EndpointError> {
    let ParsedEndpoint { path, text, file } = parsed;
    let mut errs = FileErrors {
        path: &path,
        text: &text,
        errors: Vec::new(),
    };
    let choice = auth_choice(&file, opts);
    let keys = key_names(&file, &choice);
    let signing_in = !matches!(choice, AuthChoice::Token(_) | AuthChoice::EnvAkSk);
    check_auth(&file, &mut errs);
    let mut apis = BTreeMap::new();
    let mut lookups: Vec<(String, Lookup)> = Vec::new();
    for (api, conf) in &file.apis {
        match check_api(api, conf, specs, signing_in, &mut errs) {
            Some(Placement::Fixed(endpoint)) => {
                apis.insert(api.clone(), endpoint);
            }
            Some(Placement::Catalog(lookup)) => lookups.push((api.clone(), lookup)),
            None => {}
        }
    }
    if !errs.errors.is_empty() {
        return Err(EndpointError::Invalid(errs.errors));
    }
    let label = path.display().to_string();
    let shared: Arc<str> = text.as_str().into();
    let (top, per_api) = tls_layers(&file, &path, &shared, opts)?;
    let mut cloud = match choice {
        AuthChoice::Token(token_env) => {
            if opts.region.is_some() {
                return Err(EndpointError::Catalog(
                    "--region applies when signing in to a cloud; with a fixed token every base URL is the file's\n  = help: drop --region, or sign in with `auth: { cloud: NAME }`, --cloud or OS_CLOUD".into(),
                ));
            }
            let tls = TlsPlan::load(&top, &per_api)?;
            sign_apis(&mut apis, &keys, opts)?;
            let all_signed = !apis.is_empty() && apis.values().all(|a| a.signer.is_some());
            // Every API signs and no token is set: none is needed.
            let no_token = ResolveOptions {
                require_token: false,
                ..*opts
            };
            let opts = if all_signed && (opts.env)(&token_env).is_none() {
                &no_token
            } else {
                opts
            };
            let mut endpoint = token_endpoint(label, apis, token_env, opts)?;
            endpoint.tls = tls;
            return Ok(endpoint);
        }
        AuthChoice::EnvAkSk => {
            let tls = TlsPlan::load(&top, &per_api)?;
            sign_apis(&mut apis, &keys, opts)?;
            let mut endpoint = token_endpoint(
                label,
                apis,
                "OS_AUTH_TOKEN".into(),
                &ResolveOptions {
                    require_token: false,
                    ..*opts
                },
            )?;
            endpoint.tls = tls;
            return Ok(endpoint);
        }
        AuthChoice::Cloud(name) => {
            cloud::from_clouds_yaml_for(&name, opts.region, opts.env, secret_need(opts))?
        }
        AuthChoice::EnvVars => {
            let mut c = cloud::from_env_for(opts.env, secret_need(opts))?;
            if let Some(r) = opts.region {
                c.region = Some(r.to_owned());
            }
            c
        }
    };
    let top = top.over(std::mem::take(&mut cloud.tls_spec));
    cloud.tls = top.load()?;
    let tls = TlsPlan::load(&top, &per_api)?;
    if let Some(key) = cloud::aksk_of(&cloud) {
        let mut endpoint = aksk_cloud_endpoint(label, apis, lookups, key, &keys, opts, &errs)?;
        endpoint.tls = tls;
        return Ok(endpoint);
    }
    let cloud = Arc::new(cloud);
    if !opts.require_token {
        let mut endpoint = dry_run_endpoint(label, apis, lookups, cloud);
        sign_apis(&mut endpoint.apis, &keys, opts)?;
        endpoint.tls = tls;
        return Ok(endpoint);
    }
    let token = keystone::sign_in_blocking(&cloud)?;
    for (api, l) in lookups {
        let endpoint = catalog_api(&api, l, &token, &cloud, &errs)?;
        apis.insert(api, endpoint);
    }
    sign_apis(&mut apis, &keys, opts)?;
    let session = Arc::new(Session::new((*cloud).clone(), &token));
    Ok(Endpoint {
        tls,
        label,
        apis,
        token: token.value.clone(),
        token_env: "OS_AUTH_TOKEN".into(),
        sign_in: Some(SignIn {
            cloud,
            session: Some(session),
            project: token.project_name.clone().or(token.project_id.clone()),
            user: token.user_name.clone(),
        }),
    })
}

/// The variables each API's key pair comes from, for the APIs that sign:
/// the API's own `auth`, else the file's, else (with no `auth` at all) the
/// Huawei SDKs' variables.
fn key_names(file: &TargetFile, choice: &AuthChoice) -> BTreeMap<String, signing::KeyNames> {
    let top = file
        .auth
        .as_ref()
        .and_then(AuthFile::key_names)
        .or_else(|| matches!(choice, AuthChoice::EnvAkSk).then(signing::KeyNames::default));
    file.apis
        .iter()
        .filter_map(|(api, conf)| {
            let own = conf
                .value
                .auth
                .as_ref()
                .and_then(signing::ApiAuthFile::names);
            Some((api.clone(), own.or_else(|| top.clone())?))
        })
        .collect()
}

/// Reads the key pair of every API that signs.
fn sign_apis(
    apis: &mut BTreeMap<String, ApiEndpoint>,
    keys: &BTreeMap<String, signing::KeyNames>,
    opts: &ResolveOptions<'_>,
) -> Result<(), EndpointError> {
    for (api, names) in keys {
        if let Some(a) = apis.get_mut(api) {
            let project = signing::project_var(&a.vars);
            a.signer = Some(signing::read(names, project, opts.env, opts.require_token)?);
        }
    }
    Ok(())
}

/// A `clouds.yaml` entry with `auth_type: aksk`: nobody signs in, every API
/// is signed with its key pair (an API's own `auth` wins) and needs its
/// base URL, since there is no catalog.
fn aksk_cloud_endpoint(
    label: String,
    mut apis: BTreeMap<String, ApiEndpoint>,
    lookups: Vec<(String, Lookup)>,
    key: Arc<AkSk>,
    keys: &BTreeMap<String, signing::KeyNames>,
    opts: &ResolveOptions<'_>,
    errs: &FileErrors<'_>,
) -> Result<Endpoint, EndpointError> {
    if let Some((api, l)) = lookups.into_iter().next() {
        return Err(EndpointError::Invalid(vec![
            Located::new(
                errs.path,
                errs.text,
                Some(Pos::from_saphyr(&l.pos)),
                format!("missing base_url for `{api}`"),
            )
            .label("an AK/SK cloud has no catalog to take it from")
            .help(format!("add `base_url: \"https://…\"` under `apis.{api}`")),
        ]));
    }
    for a in apis.values_mut() {
        let mut k = (*key).clone();
        if k.project_id.is_none() {
            k.project_id = signing::project_var(&a.vars).map(str::to_owned);
        }
        a.signer = Some(Arc::new(k));
    }
    sign_apis(&mut apis, keys, opts)?;
    Ok(Endpoint {
        // The caller sets the TLS it resolved.
        tls: TlsPlan::default(),
        label,
        apis,
        token: Secret::new(""),
        token_env: "OS_AUTH_TOKEN".into(),
        sign_in: None,
    })
}

/// `auth` names one token source: a variable or a cloud, not both.
fn check_auth(file: &TargetFile, errs: &mut FileErrors<'_>) {
    if let Some(a) = &file.auth
        && let (Some(_), Some(c)) = (&a.token_env, &a.cloud)
    {
        errs.at(
            &c.referenced,
            "both `token_env` and `cloud`",
            "the token comes either from a variable or from signing in",
            "keep one of the two",
        );
    }
    if let Some(a) = &file.auth
        && let (Some(_), Some(k)) = (&a.token_env, a.ak_env.as_ref().or(a.sk_env.as_ref()))
    {
        errs.at(
            &k.referenced,
            "both `token_env` and AK/SK",
            "`auth` at the top either sends a token or signs every API",
            "keep one of the two; to sign only some APIs, put `auth: { ak_env, sk_env }` under those APIs",
        );
    }
}

/// One `apis` entry: a known API, its base URL (or a catalog lookup when
/// signing in) and its variables. `None` when it cannot be placed.
fn check_api(
    api: &str,
    conf_spanned: &Spanned<ApiFile>,
    specs: &SpecSet,
    signing_in: bool,
    errs: &mut FileErrors<'_>,
) -> Option<Placement> {
    let conf = &conf_spanned.value;
    let api_pos = conf
        .base_url
        .as_ref()
        .map_or(&conf_spanned.referenced, |b| &b.referenced);
    let Some(spec) = specs.specs.iter().find(|s| s.api == api) else {
        let known: Vec<&str> = specs.specs.iter().map(|s| s.api.as_str()).collect();
        errs.at(
            api_pos,
            format!("unknown API `{api}`"),
            "no spec has this API id",
            format!("use one of {}", known.join(", ")),
        );
        return None;
    };
    let base_url = match &conf.base_url {
        Some(b) => Some(check_base_url(api, b, errs)),
        None if signing_in => None,
        None => {
            errs.at(
                &conf_spanned.referenced,
                format!("missing base_url for `{api}`"),
                "with a fixed token, every API needs its base URL",
                format!(
                    "add `base_url: \"https://…\"` under `apis.{api}`, or sign in with `auth: {{ cloud: NAME }}` so the catalog gives it"
                ),
            );
            return None;
        }
    };
    let (vars, resources) = file_vars(api, conf, spec, errs);
    // With a base URL every variable is the file's; from the catalog,
    // all but the resource may come from the URL or the token.
    for needed in &spec.target_vars {
        let needed_here = base_url.is_some() || needed == &spec.resource_var;
        if needed_here && !conf.vars.contains_key(needed) {
            errs.at(
                api_pos,
                format!("missing variable `{needed}` for `{api}`"),
                format!("`{api}` needs a value for `{{{needed}}}`"),
                format!("add `{needed}: \"…\"` under `apis.{api}.vars`"),
            );
        }
    }
    Some(match base_url {
        Some(base_url) => Placement::Fixed(ApiEndpoint {
            base_url,
            vars,
            resources,
            signer: None,
        }),
        None => Placement::Catalog(Lookup {
            service_type: conf
                .service_type
                .as_ref()
                .map_or_else(|| default_service_type(api).to_owned(), |s| s.value.clone()),
            region: conf.region.as_ref().map(|r| r.value.clone()),
            interface: conf.interface.as_ref().map(|r| r.value.clone()),
            vars,
            resources,
            uris: spec.uris.iter().map(|u| u.path.clone()).collect(),
            needed: spec.target_vars.clone(),
            pos: conf_spanned.referenced,
        }),
    })
}

/// A `base_url` without its trailing slash; it must be an http(s) URL.
fn check_base_url(api: &str, b: &Spanned<String>, errs: &mut FileErrors<'_>) -> String {
    let url = b.value.trim_end_matches('/').to_owned();
    match reqwest::Url::parse(&url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => errs.at(
            &b.referenced,
            format!("invalid base_url for `{api}`"),
            format!("`{}` is not an http(s) URL", b.value),
            "write e.g. `https://ecs.example.com` (paths from the spec are appended)",
        ),
    }
    url
}

/// An API's `vars`: each one used by the spec, a list only for the resource
/// variable, and values fit for a path. Returns the first value of each
/// variable and the resource variable's values.
fn file_vars(
    api: &str,
    conf: &ApiFile,
    spec: &crate::spec::Spec,
    errs: &mut FileErrors<'_>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut vars = BTreeMap::new();
    let mut resources = Vec::new();
    for (name, value) in &conf.vars {
        let pos = &value.referenced;
        if !spec.target_vars.contains(name) {
            errs.at(
                pos,
                format!("unknown variable `{name}` for `{api}`"),
                "the spec's URIs do not use it",
                format!(
                    "the variables of `{api}` are {}",
                    spec.target_vars.join(", ")
                ),
            );
        }
        let values = value.value.values();
        if matches!(value.value, VarValue::Many(_)) && name != &spec.resource_var {
            errs.at(
                pos,
                format!("a list for `{name}`"),
                format!(
                    "only the resource variable `{}` may list several values",
                    spec.resource_var
                ),
                "give one value",
            );
        }
        if values.is_empty() {
            errs.at(
                pos,
                format!("an empty list for `{name}`"),
                "no value to use",
                "list at least one id",
            );
        }
        if values
            .iter()
            .any(|v| v.is_empty() || v.contains(['/', '?', '#']))
        {
            errs.at(
                pos,
                format!("invalid value for `{name}`"),
                "a path variable cannot be empty or hold `/`, `?` or `#`",
                "give the bare id",
            );
        }
        if name == &spec.resource_var {
            resources = values.clone();
        }
        if let Some(first) = values.into_iter().next() {
            vars.insert(name.clone(), first);
        }
    }
    (vars, resources)
}

/// A fixed token read from `token_env`; every base URL is the file's.
fn token_endpoint(
    label: String,
    apis: BTreeMap<String, ApiEndpoint>,
    token_env: String,
    opts: &ResolveOptions<'_>,
) -> Result<Endpoint, EndpointError> {
    let token = match (opts.env)(&token_env) {
        Some(t) => Secret::new(t),
        // A dry run sends nothing and needs no token.
        None if !opts.require_token => Secret::new(""),
        None => return Err(EndpointError::TokenUnset(token_env)),
    };
    Ok(Endpoint {
        label,
        apis,
        token,
        token_env,
        sign_in: None,
        tls: TlsPlan::default(),
    })
}

/// The target file's TLS layers over the environment's (and `--insecure`
/// over all): the top-level one, and one per API that has its own.
fn tls_layers(
    file: &TargetFile,
    path: &Path,
    text: &Arc<str>,
    opts: &ResolveOptions<'_>,
) -> Result<(TlsSpec, BTreeMap<String, TlsSpec>), EndpointError> {
    let flag = if opts.insecure {
        TlsSpec::insecure_flag()
    } else {
        TlsSpec::default()
    };
    let env = TlsSpec::from_env(opts.env)?;
    let top = file
        .tls
        .as_ref()
        .map(|t| t.spec(path, text))
        .unwrap_or_default();
    let top = flag.clone().over(top).over(env);
    let per_api = file
        .apis
        .iter()
        .filter_map(|(api, conf)| {
            let own = conf.value.tls.as_ref()?.spec(path, text);
            Some((api.clone(), flag.clone().over(own)))
        })
        .collect();
    Ok((top, per_api))
}

/// Dry run: nobody signs in, so the catalog's parts stay placeholders.
fn dry_run_endpoint(
    label: String,
    mut apis: BTreeMap<String, ApiEndpoint>,
    lookups: Vec<(String, Lookup)>,
    cloud: Arc<Cloud>,
) -> Endpoint {
    for (api, l) in lookups {
        let mut vars = l.vars;
        for n in &l.needed {
            vars.entry(n.clone()).or_insert_with(|| format!("${n}"));
        }
        apis.insert(
            api,
            ApiEndpoint {
                base_url: format!("{{{} endpoint from the catalog}}", l.service_type),
                vars,
                resources: l.resources,
                signer: None,
            },
        );
    }
    Endpoint {
        label,
        apis,
        token: Secret::new(""),
        token_env: "OS_AUTH_TOKEN".into(),
        sign_in: Some(SignIn {
            cloud,
            session: None,
            project: None,
            user: None,
        }),
        tls: TlsPlan::default(),
    }
}

/// One API from the token's catalog: its endpoint, split into a base URL and
/// the variables the URL fills; the token's project fills project variables.
fn catalog_api(
    api: &str,
    l: Lookup,
    token: &keystone::Token,
    cloud: &Cloud,
    errs: &FileErrors<'_>,
) -> Result<ApiEndpoint, EndpointError> {
    let label = errs.path.display();
    let interface = l.interface.as_deref().unwrap_or(&cloud.interface);
    let region = l.region.as_deref().or(cloud.region.as_deref());
    // A vendor profile's service type, unless the file names one.
    let service_type = match cloud.service_type(api) {
        Some(t) if l.service_type == default_service_type(api) => t,
        _ => l.service_type.as_str(),
    };
    let url = keystone::find_endpoint(&token.catalog, service_type, interface, region)
        .map_err(|e| {
            EndpointError::Catalog(format!(
                "`{api}` has no endpoint: {e}\n  = help: set `service_type` (or `region`, `interface`) under `apis.{api}` in {label}, or give its `base_url`"
            ))
        })?;
    let (base_url, mut vars) = match split_catalog_url(&url, &l.uris) {
        Some((base, found)) => {
            let mut vars = found;
            vars.extend(l.vars);
            (base, vars)
        }
        None => (url.clone(), l.vars),
    };
    for n in &l.needed {
        if !vars.contains_key(n)
            && is_project_var(n)
            && let Some(p) = &token.project_id
        {
            vars.insert(n.clone(), p.clone());
        }
    }
    if let Some(n) = l.needed.iter().find(|n| !vars.contains_key(*n)) {
        return Err(EndpointError::Invalid(vec![
            Located::new(
                errs.path,
                errs.text,
                Some(Pos::from_saphyr(&l.pos)),
                format!("missing variable `{n}` for `{api}`"),
            )
            .label(format!("the catalog URL {url} does not give `{{{n}}}`"))
            .help(format!("add `{n}: \"…\"` under `apis.{api}.vars`")),
        ]));
    }
    Ok(ApiEndpoint {
        base_url,
        vars,
        resources: l.resources,
        signer: None,
    })
}

/// An API whose base URL comes from the catalog.
struct Lookup {
    service_type: String,
    region: Option<String>,
    interface: Option<String>,
    vars: BTreeMap<String, String>,
    resources: Vec<String>,
    uris: Vec<String>,
    needed: Vec<String>,
    pos: serde_saphyr::Location,
}

/// Variables that name the project or account, which the token's project fills.
fn is_project_var(name: &str) -> bool {
    matches!(
        name,
        "project_id" | "projectId" | "tenant_id" | "tenantId" | "accountId" | "account_id"
    )
}

fn looks_like_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v').or_else(|| s.strip_prefix('V')) else {
        return false;
    };
    !rest.is_empty()
        && rest
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Splits a catalog URL such as `https://h/v2.1/<project>` into the base URL
/// and the variables its trailing segments fill, by matching them against
/// the leading segments of one of the spec's URIs. At least one matched
/// segment must be a version (`v2.1`), so a URL that stops at the host root
/// (or a service prefix) is kept whole.
pub fn split_catalog_url(url: &str, uris: &[String]) -> Option<(String, BTreeMap<String, String>)> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let segs: Vec<&str> = parsed
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    for uri in uris {
        let tmpl: Vec<&str> = uri.split('/').filter(|p| !p.is_empty()).collect();
        for k in (1..=segs.len().min(tmpl.len())).rev() {
            let tail = &segs[segs.len() - k..];
            let mut vars = BTreeMap::new();
            let mut anchored = false;
            let ok = tail.iter().zip(&tmpl[..k]).all(|(s, t)| {
                match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    Some(name) => {
                        let version_var = name.to_ascii_lowercase().contains("version");
                        if version_var && !looks_like_version(s) {
                            return false;
                        }
                        anchored |= version_var;
                        vars.insert(name.to_owned(), (*s).to_owned());
                        true
                    }
                    None => {
                        anchored |= looks_like_version(t);
                        s == t
                    }
                }
            });
            if ok && anchored {
                let mut base = parsed.clone();
                let keep = &segs[..segs.len() - k];
                base.set_path(&keep.join("/"));
                base.set_query(None);
                let base = base.to_string().trim_end_matches('/').to_owned();
                return Some((base, vars));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn catalog_urls_fill_version_and_project_segments() {
        let ecs = s(&[
            "/v2/{project_id}/servers/{server_id}/action",
            "/v2.1/{project_id}/servers/{server_id}/action",
        ]);
        let (base, vars) = split_catalog_url("http://h:1/ecs/v2.1/abc", &ecs).unwrap();
        assert_eq!(base, "http://h:1/ecs");
        assert_eq!(vars.get("project_id").map(String::as_str), Some("abc"));
        let db = s(&["/{version}/{accountId}/instances/{instanceId}/action"]);
        let (base, vars) = split_catalog_url("https://db.example/v1.0/1234/", &db).unwrap();
        assert_eq!(base, "https://db.example");
        assert_eq!(vars.get("version").map(String::as_str), Some("v1.0"));
        assert_eq!(vars.get("accountId").map(String::as_str), Some("1234"));
        // A URL at the host root, or at a service prefix, stays whole.
        assert_eq!(split_catalog_url("http://h/clouddb", &db), None);
        assert_eq!(split_catalog_url("http://h/", &ecs), None);
        let ddm = s(&["/v1/{project_id}/instances/{instance_id}/action"]);
        let (base, _) = split_catalog_url("http://h/ddm/v1/p1", &ddm).unwrap();
        assert_eq!(base, "http://h/ddm");
    }

    fn specs() -> SpecSet {
        crate::spec::load_builtin().unwrap_or_else(|e| panic!("{e}"))
    }

    fn resolve_text(yaml: &str) -> Result<Endpoint, EndpointError> {
        let env = |k: &str| (k == "T").then(|| "tok".to_owned());
        let parsed = parse_bytes(Path::new("t.yaml"), yaml.as_bytes())?;
        resolve_with(
            parsed,
            &specs(),
            &ResolveOptions {
                token_env: None,
                cloud: None,
                require_token: true,
                env: &env,
                region: None,
                insecure: false,
            },
        )
    }

    #[test]
    fn a_resource_variable_may_list_several_ids() {
        let t = resolve_text(
            "auth: { token_env: T }\napis:\n  ecs: { base_url: \"http://h\", vars: { project_id: p, server_id: [a, b, c] } }\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let ecs = &t.apis["ecs"];
        assert_eq!(ecs.resources, s(&["a", "b", "c"]));
        assert_eq!(ecs.vars["server_id"], "a");
        let t = resolve_text(
            "auth: { token_env: T }\napis:\n  ecs: { base_url: \"http://h\", vars: { project_id: p, server_id: one } }\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.apis["ecs"].resources, s(&["one"]));
    }

    #[test]
    fn only_the_resource_variable_may_be_a_list() {
        let e = resolve_text(
            "auth: { token_env: T }\napis:\n  ecs: { base_url: \"http://h\", vars: { project_id: [p, q], server_id: [] } }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("a list for `project_id`") && e.contains("t.yaml:3:"),
            "{e}"
        );
        assert!(e.contains("an empty list for `server_id`"), "{e}");
    }

    fn resolve_env(
        yaml: &str,
        vars: &[(&str, &str)],
        require_token: bool,
    ) -> Result<Endpoint, EndpointError> {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let env = move |k: &str| vars.get(k).cloned();
        let parsed = parse_bytes(Path::new("t.yaml"), yaml.as_bytes())?;
        resolve_with(
            parsed,
            &specs(),
            &ResolveOptions {
                token_env: None,
                cloud: None,
                require_token,
                env: &env,
                region: None,
                insecure: false,
            },
        )
    }

    const TWO_APIS: &str = "  ddm: { base_url: \"http://h\", vars: { project_id: p1, instance_id: i } }\n  ecs: { base_url: \"http://h\", vars: { project_id: p2, server_id: s } }\n";

    #[test]
    fn an_api_of_its_own_signs_and_the_others_keep_the_token() {
        let yaml = format!(
            "auth: {{ token_env: T }}\napis:\n{}",
            TWO_APIS.replace(
                "instance_id: i }",
                "instance_id: i }, auth: { ak_env: A, sk_env: S }"
            )
        );
        let e = resolve_env(
            &yaml,
            &[("T", "tok"), ("A", "ak1"), ("S", "sk-Secret")],
            true,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let key = e.apis["ddm"].signer.as_ref().unwrap();
        assert_eq!(
            (key.ak.as_str(), key.project_id.as_deref()),
            ("ak1", Some("p1"))
        );
        assert!(e.apis["ecs"].signer.is_none());
        assert_eq!(e.token.expose(), "tok");
        assert!(e.secrets().contains(&"sk-Secret".to_owned()));
        // Every API signed: no token needed.
        let yaml = format!("auth: {{ ak_env: A, sk_env: S }}\napis:\n{TWO_APIS}");
        let e = resolve_env(&yaml, &[("A", "ak1"), ("S", "sk")], true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(e.apis.values().all(|a| a.signer.is_some()));
        // A dry run needs no key.
        let e = resolve_env(&yaml, &[], false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.apis["ddm"].signer.as_ref().unwrap().sk_env, "S");
        let e = resolve_env(&yaml, &[("A", "ak1")], true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`S` is not set"), "{e}");
    }

    /// Rackspace: a `rax:database` endpoint at the host root gives no
    /// account; the token's `tenant.id` does.
    #[test]
    fn the_account_comes_from_the_tenant_when_the_catalog_url_lacks_it() {
        let service: keystone::Service = serde_json::from_value(serde_json::json!({
            "type": "rax:database",
            "endpoints": [{"interface": "public", "region": "ORD", "url": "https://ord.db.example"}]
        }))
        .unwrap();
        let token = keystone::Token {
            value: Secret::new("t"),
            refresh_at: None,
            project_id: Some("123456".into()),
            project_name: None,
            user_name: None,
            catalog: vec![service],
        };
        let cloud = Cloud {
            name: "rax".into(),
            source: "test".into(),
            auth_url: "https://identity.api.rackspacecloud.com/v2.0/".into(),
            credential: cloud::Credential::RackspaceApiKey {
                username: "u".into(),
                api_key: Secret::new("k"),
            },
            project: None,
            region: Some("ORD".into()),
            interface: "public".into(),
            identity_api_version: Some("2".into()),
            profile: Some("rackspace".into()),
            tls_spec: Default::default(),
            tls: Default::default(),
        };
        let spec_set = specs();
        let spec = spec_set.specs.iter().find(|s| s.api == "clouddb").unwrap();
        let lookup = Lookup {
            service_type: default_service_type("clouddb").into(),
            region: None,
            interface: None,
            vars: [
                ("version".to_owned(), "v1.0".to_owned()),
                ("instanceId".to_owned(), "i1".to_owned()),
            ]
            .into_iter()
            .collect(),
            resources: vec!["i1".into()],
            uris: spec.uris.iter().map(|u| u.path.clone()).collect(),
            needed: spec.target_vars.clone(),
            pos: serde_saphyr::Location::UNKNOWN,
        };
        let errs = FileErrors {
            path: Path::new("t.yaml"),
            text: "",
            errors: Vec::new(),
        };
        let api =
            catalog_api("clouddb", lookup, &token, &cloud, &errs).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(api.base_url, "https://ord.db.example");
        assert_eq!(api.vars["accountId"], "123456");
    }

    #[test]
    fn a_token_and_a_key_pair_at_the_top_are_refused_where_written() {
        let yaml = format!("auth: {{ token_env: T, sk_env: S }}\napis:\n{TWO_APIS}");
        let e = resolve_env(&yaml, &[("T", "t"), ("S", "s")], true)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("both `token_env` and AK/SK") && e.contains("t.yaml:1:"),
            "{e}"
        );
        // A value in the file where a variable name belongs is refused and not shown.
        let yaml = format!(
            "apis:\n{}",
            TWO_APIS.replace(
                "instance_id: i }",
                "instance_id: i }, auth: { sk: sk-Value-9 }"
            )
        );
        let e = resolve_env(&yaml, &[], true).unwrap_err().to_string();
        assert!(e.contains("t.yaml:2:") && !e.contains("sk-Value-9"), "{e}");
    }

    #[test]
    fn tls_paths_start_at_the_target_files_folder_and_apis_may_have_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let ca = rcgen::generate_simple_self_signed(vec!["h".into()]).unwrap();
        std::fs::write(sub.join("ca.pem"), ca.cert.pem()).unwrap();
        let file = sub.join("t.yaml");
        let yaml = "auth: { token_env: T }\ntls: { ca_file: ca.pem }\napis:\n  ecs: { base_url: \"https://h\", vars: { project_id: p, server_id: s }, tls: { verify: false } }\n  ddm: { base_url: \"https://h/ddm\", vars: { project_id: p, instance_id: i } }\n";
        let env = |k: &str| (k == "T").then(|| "tok".to_owned());
        let parsed = parse_bytes(&file, yaml.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let opts = ResolveOptions {
            token_env: None,
            cloud: None,
            require_token: true,
            env: &env,
            region: None,
            insecure: false,
        };
        let t = resolve_with(parsed, &specs(), &opts).unwrap_or_else(|e| panic!("{e}"));
        let ecs = t.tls.for_api("ecs");
        assert_eq!(ecs.ca_file(), Some(sub.join("ca.pem").as_path()));
        assert!(!ecs.verifies());
        assert!(t.tls.for_api("ddm").verifies());
        let info = t.tls_info().unwrap();
        assert_eq!(info.not_verified, vec!["h:443".to_owned()]);
        // A fixed token has no region to choose.
        let parsed = parse_bytes(&file, yaml.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let e = resolve_with(
            parsed,
            &specs(),
            &ResolveOptions {
                region: Some("r"),
                ..opts
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--region applies when signing in"), "{e}");
    }

    #[test]
    fn a_fixed_token_needs_base_urls_and_a_cloud_does_not() {
        let e = resolve_text("auth: { token_env: T }\napis:\n  ecs: { vars: { server_id: s } }\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("missing base_url for `ecs`") && e.contains("cloud"),
            "{e}"
        );
        let env = |_: &str| None;
        let parsed = parse_bytes(
            Path::new("t.yaml"),
            b"auth: { cloud: c }\napis:\n  ecs: { vars: { server_id: s } }\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // No clouds.yaml anywhere this environment looks: the error says where it looked.
        let e = resolve_with(
            parsed,
            &specs(),
            &ResolveOptions {
                token_env: None,
                cloud: None,
                require_token: false,
                env: &env,
                region: None,
                insecure: false,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("no cloud named `c`") && e.contains("/etc/openstack"),
            "{e}"
        );
    }

    /// A cloud from `OS_*` variables, resolved for a dry run (nobody signs in).
    fn dry_run_cloud(vars: &[(&str, &str)]) -> Result<Endpoint, EndpointError> {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let env = move |k: &str| vars.get(k).cloned();
        let parsed = parse_bytes(
            Path::new("t.yaml"),
            b"apis:\n  ecs: { vars: { server_id: s } }\n",
        )?;
        resolve_with(
            parsed,
            &specs(),
            &ResolveOptions {
                token_env: None,
                cloud: None,
                require_token: false,
                env: &env,
                region: None,
                insecure: false,
            },
        )
    }

    const CLOUD: [(&str, &str); 6] = [
        ("OS_AUTH_URL", "http://id.example/v3"),
        ("OS_USERNAME", "alice"),
        ("OS_USER_DOMAIN_NAME", "Users"),
        ("OS_PROJECT_NAME", "demo"),
        ("OS_PROJECT_DOMAIN_NAME", "Projects"),
        ("OS_REGION_NAME", "RegionOne"),
    ];

    #[test]
    fn the_identity_names_who_signs_in_and_never_the_password() {
        let mut vars = CLOUD.to_vec();
        vars.push(("OS_PASSWORD", "pw-never-in-an-identity"));
        let t = dry_run_cloud(&vars).unwrap_or_else(|e| panic!("{e}"));
        let id = t.identity();
        for (key, value) in [
            ("sign-in auth URL", "http://id.example/v3"),
            ("sign-in user", "alice"),
            ("sign-in user domain", "Users"),
            ("sign-in project", "demo"),
            ("sign-in project domain", "Projects"),
            ("sign-in region", "RegionOne"),
        ] {
            assert_eq!(
                id.get(key).map(String::as_str),
                Some(value),
                "{key}: {id:?}"
            );
        }
        assert!(
            !format!("{id:?}").contains("pw-never-in-an-identity"),
            "{id:?}"
        );
    }

    #[test]
    fn a_dry_run_of_a_cloud_needs_no_password() {
        let t = dry_run_cloud(&CLOUD).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            t.secrets().is_empty(),
            "a made-up secret: {:?}",
            t.secrets()
        );
        assert_eq!(
            t.apis["ecs"].base_url,
            "{compute endpoint from the catalog}"
        );
    }
}

//! Where a cloud's sign-in details come from: `clouds.yaml` (with
//! `secure.yaml` merged) or the `OS_*` variables, read as openstacksdk reads
//! them.
//!
//! The environment is passed in as a function, so tests never touch the
//! process environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Secret;
use super::tls::{Given, Setting, Tls, TlsSpec};
use crate::yaml::{Pos, parse_yaml_file};

/// Reads one environment variable; `None` when unset or empty.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, as [`Env`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// How the user proves who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `password` / `v3password`.
    Password {
        username: Option<String>,
        user_id: Option<String>,
        user_domain_name: Option<String>,
        user_domain_id: Option<String>,
        password: Secret,
    },
    /// `v3applicationcredential`: scoped by the credential itself.
    ApplicationCredential { id: String, secret: Secret },
    /// `token` / `v3token`: an existing token exchanged for a scoped one.
    Token { token: Secret },
    /// `rackspace_apikey`: Rackspace Identity v2.0 with a username and an API key.
    RackspaceApiKey { username: String, api_key: Secret },
    /// `aksk`: no sign-in; every request is signed with the key pair.
    AkSk {
        ak: String,
        sk: Secret,
        security_token: Option<Secret>,
    },
}

impl Credential {
    /// The user as reports show it.
    pub fn user_label(&self) -> String {
        match self {
            Credential::Password {
                username, user_id, ..
            } => username
                .clone()
                .or_else(|| user_id.clone())
                .unwrap_or_default(),
            Credential::ApplicationCredential { id, .. } => format!("application credential {id}"),
            Credential::Token { .. } => "(existing token)".into(),
            Credential::RackspaceApiKey { username, .. } => username.clone(),
            Credential::AkSk { ak, .. } => format!("access key {ak}"),
        }
    }

    /// The secret this credential carries, for scrubbing text.
    pub fn secret(&self) -> &Secret {
        match self {
            Credential::Password { password, .. } => password,
            Credential::ApplicationCredential { secret, .. } => secret,
            Credential::Token { token } => token,
            Credential::RackspaceApiKey { api_key, .. } => api_key,
            Credential::AkSk { sk, .. } => sk,
        }
    }

    /// The variable a `curl` line names instead of the secret.
    pub fn secret_env(&self) -> &'static str {
        match self {
            Credential::Password { .. } => "OS_PASSWORD",
            Credential::ApplicationCredential { .. } => "OS_APPLICATION_CREDENTIAL_SECRET",
            Credential::Token { .. } => "OS_TOKEN",
            Credential::RackspaceApiKey { .. } => "OS_API_KEY",
            Credential::AkSk { .. } => super::signing::SK_ENV,
        }
    }
}

/// The project a password or token sign-in is scoped to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectScope {
    pub id: Option<String>,
    pub name: Option<String>,
    pub domain_name: Option<String>,
    pub domain_id: Option<String>,
}

/// One cloud, ready to sign in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    /// The clouds.yaml entry, or `OS_* variables`.
    pub name: String,
    /// Where it was read from: a file path or `the environment`.
    pub source: String,
    pub auth_url: String,
    pub credential: Credential,
    pub project: Option<ProjectScope>,
    pub region: Option<String>,
    /// `public`, `internal` or `admin`.
    pub interface: String,
    /// `identity_api_version` (`2`, `3`), as given or from the profile.
    pub identity_api_version: Option<String>,
    /// The vendor profile (`rackspace`, `otc`), when the entry names one.
    pub profile: Option<String>,
    /// The entry's `cacert`, `cert`, `key` and `verify`, as given.
    pub tls_spec: TlsSpec,
    /// The TLS the sign-in uses, once every layer is read (see `endpoint::tls`).
    pub tls: Tls,
}

impl Cloud {
    /// Keystone v2.0 (Rackspace Cloud Identity): by `identity_api_version`,
    /// an auth URL ending in `/v2.0`, or an API key credential.
    pub fn identity_v2(&self) -> bool {
        self.identity_api_version
            .as_deref()
            .is_some_and(|v| v == "2" || v.starts_with("2."))
            || self.auth_url.trim_end_matches('/').ends_with("/v2.0")
            || matches!(self.credential, Credential::RackspaceApiKey { .. })
    }

    /// The catalog service type of `api` under this cloud's profile, if it
    /// differs from the usual one.
    pub fn service_type(&self, api: &str) -> Option<&'static str> {
        super::profile::service_type(self.profile.as_deref()?, api)
    }
}

/// The key pair of an `auth_type: aksk` cloud, ready to sign with.
pub fn aksk_of(cloud: &Cloud) -> Option<std::sync::Arc<super::AkSk>> {
    let Credential::AkSk {
        ak,
        sk,
        security_token,
    } = &cloud.credential
    else {
        return None;
    };
    Some(std::sync::Arc::new(super::AkSk {
        ak: ak.clone(),
        sk: sk.clone(),
        project_id: cloud.project.as_ref().and_then(|p| p.id.clone()),
        security_token: security_token.clone(),
        ak_env: super::signing::AK_ENV.into(),
        sk_env: super::signing::SK_ENV.into(),
        security_token_env: super::signing::SECURITY_TOKEN_ENV.into(),
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error(
        "error: no cloud named `{name}`\n  = clouds found: {found}\n  = files searched: {searched}\n  = help: use one of the clouds found, or point OS_CLIENT_CONFIG_FILE at the clouds.yaml that has `{name}`"
    )]
    Unknown {
        name: String,
        found: String,
        searched: String,
    },
    /// A clouds.yaml or secure.yaml that cannot be read; already rendered
    /// with the secrets scrubbed.
    #[error("{0}")]
    File(String),
    #[error("error: cloud `{cloud}` ({source_of}) cannot be used: {what}\n  = help: {help}")]
    Incomplete {
        cloud: String,
        source_of: String,
        what: String,
        help: String,
    },
}

/// The parts of a clouds.yaml we read; every other key is left alone, as
/// openstacksdk leaves keys it does not know.
#[derive(Debug, Default, Deserialize)]
struct CloudsFile {
    #[serde(default)]
    clouds: BTreeMap<String, CloudEntry>,
}

#[derive(Debug, Default, Deserialize)]
struct CloudEntry {
    #[serde(default)]
    auth: AuthEntry,
    auth_type: Option<String>,
    region_name: Option<String>,
    interface: Option<String>,
    #[serde(default)]
    identity_api_version: Option<Version>,
    profile: Option<String>,
    /// A private CA's PEM file, added to the system roots.
    cacert: Option<Spanned<String>>,
    /// A client certificate and its key (PEM files).
    cert: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
    verify: Option<Spanned<bool>>,
    /// openstacksdk's `regions: [a, b]` or `[{name, values}]`.
    regions: Option<Vec<RegionEntry>>,
    /// The TLS keys above with the file they were read from; set after parsing.
    #[serde(skip)]
    tls: TlsSpec,
}

/// `identity_api_version`, written as a number (`2`, `3`) or a string.
#[derive(Debug, Clone, Default)]
struct Version(String);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Version;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a version such as 2 or 3")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Version, E> {
                Ok(Version(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Version, E> {
                Ok(Version(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Version, E> {
                Ok(Version(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// One `regions` item: a name, or a name with keys that override the entry's.
#[derive(Debug)]
struct RegionEntry {
    name: String,
    values: Option<CloudEntry>,
}

#[derive(Debug, Deserialize)]
struct RegionFull {
    name: String,
    #[serde(default)]
    values: Option<CloudEntry>,
}

impl<'de> Deserialize<'de> for RegionEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RegionEntry, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RegionEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a region name or a `{name, values}` mapping")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RegionEntry, E> {
                Ok(RegionEntry {
                    name: v.to_owned(),
                    values: None,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RegionEntry, A::Error> {
                let full =
                    RegionFull::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RegionEntry {
                    name: full.name,
                    values: full.values,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    auth_url: Option<String>,
    username: Option<String>,
    user_id: Option<String>,
    password: Option<String>,
    project_name: Option<String>,
    project_id: Option<String>,
    tenant_name: Option<String>,
    tenant_id: Option<String>,
    user_domain_name: Option<String>,
    user_domain_id: Option<String>,
    project_domain_name: Option<String>,
    project_domain_id: Option<String>,
    domain_name: Option<String>,
    application_credential_id: Option<String>,
    application_credential_secret: Option<String>,
    token: Option<String>,
    api_key: Option<String>,
    ak: Option<String>,
    sk: Option<String>,
    security_token: Option<String>,
}

impl AuthEntry {
    /// `self` with gaps filled from `other` (secure.yaml under clouds.yaml).
    fn or(self, o: AuthEntry) -> AuthEntry {
        AuthEntry {
            auth_url: self.auth_url.or(o.auth_url),
            username: self.username.or(o.username),
            user_id: self.user_id.or(o.user_id),
            password: self.password.or(o.password),
            project_name: self.project_name.or(o.project_name),
            project_id: self.project_id.or(o.project_id),
            tenant_name: self.tenant_name.or(o.tenant_name),
            tenant_id: self.tenant_id.or(o.tenant_id),
            user_domain_name: self.user_domain_name.or(o.user_domain_name),
            user_domain_id: self.user_domain_id.or(o.user_domain_id),
            project_domain_name: self.project_domain_name.or(o.project_domain_name),
            project_domain_id: self.project_domain_id.or(o.project_domain_id),
            domain_name: self.domain_name.or(o.domain_name),
            application_credential_id: self
                .application_credential_id
                .or(o.application_credential_id),
            application_credential_secret: self
                .application_credential_secret
                .or(o.application_credential_secret),
            token: self.token.or(o.token),
            api_key: self.api_key.or(o.api_key),
            ak: self.ak.or(o.ak),
            sk: self.sk.or(o.sk),
            security_token: self.security_token.or(o.security_token),
        }
    }
}

impl CloudEntry {
    fn or(self, o: CloudEntry) -> CloudEntry {
        CloudEntry {
            auth: self.auth.or(o.auth),
            auth_type: self.auth_type.or(o.auth_type),
            region_name: self.region_name.or(o.region_name),
            interface: self.interface.or(o.interface),
            identity_api_version: self.identity_api_version.or(o.identity_api_version),
            profile: self.profile.or(o.profile),
            cacert: None,
            cert: None,
            key: None,
            verify: None,
            regions: self.regions.or(o.regions),
            tls: self.tls.over(o.tls),
        }
    }

    /// Moves `cacert`, `cert`, `key` and `verify` into `tls`, each with
    /// where it was read, here and in every region's `values`.
    fn attach_tls(&mut self, path: &Path, text: &Arc<str>) {
        let given = |key: &str, at: &serde_saphyr::Location| Given::File {
            path: path.to_owned(),
            text: text.clone(),
            pos: Some(Pos::from_saphyr(at)),
            key: key.to_owned(),
        };
        let file = |key: &str, v: Option<Spanned<String>>| {
            v.map(|s| Setting::new(PathBuf::from(&s.value), given(key, &s.referenced)))
        };
        self.tls = TlsSpec {
            ca_file: file("cacert", self.cacert.take()),
            cert_file: file("cert", self.cert.take()),
            key_file: file("key", self.key.take()),
            verify: self
                .verify
                .take()
                .map(|v| Setting::new(v.value, given("verify", &v.referenced))),
        };
        for r in self.regions.iter_mut().flatten() {
            if let Some(v) = &mut r.values {
                v.attach_tls(path, text);
            }
        }
    }
}

/// Where openstacksdk looks for `file` (`clouds` or `secure`), in order.
pub fn search_paths(file: &str, env: Env<'_>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let var = if file == "clouds" {
        "OS_CLIENT_CONFIG_FILE"
    } else {
        "OS_CLIENT_SECURE_FILE"
    };
    if let Some(p) = env(var) {
        out.push(PathBuf::from(p));
    }
    let mut dirs = vec![PathBuf::from(".")];
    if let Some(home) = env("HOME") {
        dirs.push(Path::new(&home).join(".config/openstack"));
    }
    dirs.push(PathBuf::from("/etc/openstack"));
    for d in dirs {
        for ext in ["yaml", "yml"] {
            out.push(d.join(format!("{file}.{ext}")));
        }
    }
    out
}

fn read_clouds(path: &Path) -> Result<CloudsFile, CloudError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CloudError::File(format!("error: failed to read {}: {e}", path.display())))?;
    match parse_yaml_file::<CloudsFile>(path, &bytes, "clouds file") {
        Ok((mut f, text)) => {
            let text: Arc<str> = text.into();
            for entry in f.clouds.values_mut() {
                entry.attach_tls(path, &text);
            }
            Ok(f)
        }
        // The located error masks every credential the file holds, on its key's line or below.
        Err(e) => Err(CloudError::File(e.render())),
    }
}

fn first_existing(paths: &[PathBuf]) -> Option<&PathBuf> {
    paths.iter().find(|p| p.is_file())
}

/// Reads cloud `name` from the first clouds.yaml found, with the first
/// secure.yaml found merged over it.
pub fn from_clouds_yaml(name: &str, env: Env<'_>) -> Result<Cloud, CloudError> {
    from_clouds_yaml_in(name, None, env)
}

/// Whether a cloud entry must give its secret (password, API key, token,
/// secret key). A dry run signs in to nothing and sends nothing, so it
/// needs none: a missing one stands empty, and `curl` lines name its variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretNeed {
    Required,
    NotNeeded,
}

/// As [`from_clouds_yaml_in`], with the secret needed or not.
pub fn from_clouds_yaml_for(
    name: &str,
    region: Option<&str>,
    env: Env<'_>,
    need: SecretNeed,
) -> Result<Cloud, CloudError> {
    let (source, entry) = clouds_yaml_entry(name, region, env)?;
    build(name, &source, entry, need)
}

/// As [`from_clouds_yaml`], in `region` (`--region`) when given; an entry
/// with a `regions` list needs one of them, chosen here or by its
/// `region_name`, unless it lists only one.
pub fn from_clouds_yaml_in(
    name: &str,
    region: Option<&str>,
    env: Env<'_>,
) -> Result<Cloud, CloudError> {
    from_clouds_yaml_for(name, region, env, SecretNeed::Required)
}

/// Cloud `name`'s entry in its region, secure.yaml merged in, and the file it came from.
fn clouds_yaml_entry(
    name: &str,
    region: Option<&str>,
    env: Env<'_>,
) -> Result<(String, CloudEntry), CloudError> {
    let paths = search_paths("clouds", env);
    let searched = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let (mut clouds, path) = match first_existing(&paths) {
        Some(p) => (read_clouds(p)?, p.clone()),
        None => {
            return Err(CloudError::Unknown {
                name: name.into(),
                found: "none (no clouds.yaml)".into(),
                searched,
            });
        }
    };
    let Some(entry) = clouds.clouds.remove(name) else {
        let found = if clouds.clouds.is_empty() {
            format!("none in {}", path.display())
        } else {
            format!(
                "{} (in {})",
                clouds.clouds.keys().cloned().collect::<Vec<_>>().join(", "),
                path.display()
            )
        };
        return Err(CloudError::Unknown {
            name: name.into(),
            found,
            searched,
        });
    };
    let secure_paths = search_paths("secure", env);
    let entry = match first_existing(&secure_paths) {
        Some(p) => {
            let mut secure = read_clouds(p)?;
            match secure.clouds.remove(name) {
                Some(s) => s.or(entry),
                None => entry,
            }
        }
        None => entry,
    };
    let source = path.display().to_string();
    let entry = pick_region(name, &source, entry, region)?;
    Ok((source, secret_from_env(entry, env)))
}

/// The entry with the secret its auth type needs taken from the environment when neither
/// clouds.yaml nor secure.yaml gives it (`OS_PASSWORD`, `OS_API_KEY`,
/// `OS_APPLICATION_CREDENTIAL_SECRET`, `OS_TOKEN`), as OpenStack clients take `OS_PASSWORD` for
/// a cloud whose files hold no password. A secret the files give wins. The auth type is read
/// first, so a variable set for another cloud never changes it.
fn secret_from_env(mut e: CloudEntry, env: Env<'_>) -> CloudEntry {
    let kind = auth_type(&e);
    let a = &mut e.auth;
    let (slot, var) = match kind.as_str() {
        "password" | "v3password" => (&mut a.password, "OS_PASSWORD"),
        "rackspace_apikey" | "rackspace-apikey" => (&mut a.api_key, "OS_API_KEY"),
        "v3applicationcredential" | "applicationcredential" => (
            &mut a.application_credential_secret,
            "OS_APPLICATION_CREDENTIAL_SECRET",
        ),
        "token" | "v3token" => (&mut a.token, "OS_TOKEN"),
        _ => return e,
    };
    if slot.is_none() {
        *slot = env(var);
    }
    e
}

/// The entry in its region: `chosen`, else its `region_name`, else the only
/// one its `regions` lists; that region's `values` win over the entry's keys.
fn pick_region(
    name: &str,
    source: &str,
    mut entry: CloudEntry,
    chosen: Option<&str>,
) -> Result<CloudEntry, CloudError> {
    let regions = entry.regions.take().unwrap_or_default();
    let wanted = chosen.map(str::to_owned).or(entry.region_name.clone());
    if regions.is_empty() {
        entry.region_name = wanted;
        return Ok(entry);
    }
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let list = names.join(", ");
    let wanted = match wanted {
        Some(w) => w,
        None if regions.len() == 1 => names[0].to_owned(),
        None => {
            return Err(CloudError::Incomplete {
                cloud: name.into(),
                source_of: source.into(),
                what: format!("it lists several regions ({list}) and none is chosen"),
                help: format!(
                    "choose one with --region NAME or `region_name: {}` in the entry",
                    names[0]
                ),
            });
        }
    };
    let Some(found) = regions.into_iter().find(|r| r.name == wanted) else {
        return Err(CloudError::Incomplete {
            cloud: name.into(),
            source_of: source.into(),
            what: format!("it has no region `{wanted}`; its regions are {list}"),
            help: "choose one of its regions with --region NAME or `region_name`".into(),
        });
    };
    let mut entry = match found.values {
        Some(values) => values.or(entry),
        None => entry,
    };
    entry.region_name = Some(found.name);
    Ok(entry)
}

/// Reads the `OS_*` variables as openstacksdk's `envvars` cloud.
pub fn from_env(env: Env<'_>) -> Result<Cloud, CloudError> {
    from_env_for(env, SecretNeed::Required)
}

/// As [`from_env`], with the secret needed or not.
pub fn from_env_for(env: Env<'_>, need: SecretNeed) -> Result<Cloud, CloudError> {
    let auth = AuthEntry {
        auth_url: env("OS_AUTH_URL"),
        username: env("OS_USERNAME"),
        user_id: env("OS_USER_ID"),
        password: env("OS_PASSWORD"),
        project_name: env("OS_PROJECT_NAME"),
        project_id: env("OS_PROJECT_ID"),
        tenant_name: env("OS_TENANT_NAME"),
        tenant_id: env("OS_TENANT_ID"),
        user_domain_name: env("OS_USER_DOMAIN_NAME"),
        user_domain_id: env("OS_USER_DOMAIN_ID"),
        project_domain_name: env("OS_PROJECT_DOMAIN_NAME"),
        project_domain_id: env("OS_PROJECT_DOMAIN_ID"),
        domain_name: env("OS_DOMAIN_NAME"),
        application_credential_id: env("OS_APPLICATION_CREDENTIAL_ID"),
        application_credential_secret: env("OS_APPLICATION_CREDENTIAL_SECRET"),
        token: env("OS_TOKEN"),
        api_key: env("OS_API_KEY"),
        ak: None,
        sk: None,
        security_token: None,
    };
    let entry = CloudEntry {
        auth,
        auth_type: env("OS_AUTH_TYPE"),
        region_name: env("OS_REGION_NAME"),
        interface: env("OS_INTERFACE"),
        identity_api_version: env("OS_IDENTITY_API_VERSION").map(Version),
        profile: None,
        ..CloudEntry::default()
    };
    build("OS_* variables", "the environment", entry, need)
}

/// What a cloud entry lacks, and what to set.
struct Missing {
    what: String,
    help: &'static str,
}

fn missing(what: impl Into<String>, help: &'static str) -> Missing {
    Missing {
        what: what.into(),
        help,
    }
}

fn build(name: &str, source: &str, e: CloudEntry, need: SecretNeed) -> Result<Cloud, CloudError> {
    let incomplete = |m: Missing| CloudError::Incomplete {
        cloud: name.into(),
        source_of: source.into(),
        what: m.what,
        help: m.help.into(),
    };
    let e = apply_profile(e).map_err(incomplete)?;
    let a = &e.auth;
    let kind = auth_type(&e);
    // An AK/SK cloud signs requests itself: no sign-in, no auth URL.
    let auth_url = if kind == "aksk" {
        a.auth_url.clone().unwrap_or_default()
    } else {
        checked_auth_url(a).map_err(incomplete)?
    };
    let credential = credential(&kind, a, need).map_err(incomplete)?;
    let version = e.identity_api_version.clone().map(|v| v.0);
    let v2 = version.as_deref().is_some_and(|v| v.starts_with('2'))
        || auth_url.trim_end_matches('/').ends_with("/v2.0");
    let project = project_scope(&credential, a, v2).map_err(incomplete)?;
    Ok(Cloud {
        name: name.into(),
        source: source.into(),
        auth_url,
        credential,
        project,
        region: e.region_name,
        interface: e.interface.unwrap_or_else(|| "public".into()),
        identity_api_version: version,
        profile: e.profile,
        tls_spec: e.tls,
        tls: Tls::default(),
    })
}

/// The entry with the gaps its `profile` fills.
fn apply_profile(mut e: CloudEntry) -> Result<CloudEntry, Missing> {
    let Some(name) = e.profile.clone() else {
        return Ok(e);
    };
    let Some(p) = super::profile::find(&name) else {
        return Err(missing(
            format!("unknown profile `{name}`"),
            "use profile rackspace or otc, or give auth.auth_url yourself",
        ));
    };
    if e.auth.auth_url.is_none() {
        match super::profile::auth_url(p, e.region_name.as_deref()) {
            Some(url) => e.auth.auth_url = Some(url),
            None => {
                return Err(missing(
                    format!("profile `{name}` needs a region for its auth URL"),
                    "set region_name (OS_REGION_NAME), e.g. eu-de",
                ));
            }
        }
    }
    if e.identity_api_version.is_none() {
        e.identity_api_version = Some(Version(p.identity_api_version.into()));
    }
    Ok(e)
}

/// `auth_url`: present, and an http(s) URL.
fn checked_auth_url(a: &AuthEntry) -> Result<String, Missing> {
    let Some(auth_url) = a.auth_url.clone() else {
        return Err(missing(
            "no auth_url",
            "set auth.auth_url (OS_AUTH_URL), the Keystone v3 URL, e.g. https://iam.example.com/v3",
        ));
    };
    match reqwest::Url::parse(&auth_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(auth_url),
        _ => Err(missing(
            format!("auth_url `{auth_url}` is not an http(s) URL"),
            "write e.g. https://iam.example.com/v3",
        )),
    }
}

/// `auth_type`, or the one the credentials given imply.
fn auth_type(e: &CloudEntry) -> String {
    let a = &e.auth;
    e.auth_type.clone().unwrap_or_else(|| {
        if a.application_credential_id.is_some() {
            "v3applicationcredential".into()
        } else if a.password.is_none() && a.api_key.is_some() {
            "rackspace_apikey".into()
        } else if a.password.is_none() && a.ak.is_some() && a.sk.is_some() {
            "aksk".into()
        } else if a.password.is_none() && a.token.is_some() {
            "token".into()
        } else {
            "password".into()
        }
    })
}

/// The credential `auth_type` asks for, with every piece it needs.
fn credential(auth_type: &str, a: &AuthEntry, need: SecretNeed) -> Result<Credential, Missing> {
    let secret = |v: &Option<String>| {
        v.clone()
            .or_else(|| (need == SecretNeed::NotNeeded).then(String::new))
    };
    match auth_type {
        "password" | "v3password" => {
            let Some(password) = secret(&a.password) else {
                return Err(missing(
                    "no password",
                    "put auth.password in secure.yaml (or export OS_PASSWORD)",
                ));
            };
            if a.username.is_none() && a.user_id.is_none() {
                return Err(missing("no username", "set auth.username (OS_USERNAME)"));
            }
            Ok(Credential::Password {
                username: a.username.clone(),
                user_id: a.user_id.clone(),
                user_domain_name: a.user_domain_name.clone().or_else(|| a.domain_name.clone()),
                user_domain_id: a.user_domain_id.clone(),
                password: Secret::new(password),
            })
        }
        "v3applicationcredential" | "applicationcredential" => {
            let (Some(id), Some(secret)) = (
                a.application_credential_id.clone(),
                secret(&a.application_credential_secret),
            ) else {
                return Err(missing(
                    "an application credential needs both an id and a secret",
                    "set auth.application_credential_id and auth.application_credential_secret (OS_APPLICATION_CREDENTIAL_ID, OS_APPLICATION_CREDENTIAL_SECRET)",
                ));
            };
            Ok(Credential::ApplicationCredential {
                id,
                secret: Secret::new(secret),
            })
        }
        "token" | "v3token" => {
            let Some(token) = secret(&a.token) else {
                return Err(missing("no token", "set auth.token (OS_TOKEN)"));
            };
            Ok(Credential::Token {
                token: Secret::new(token),
            })
        }
        "rackspace_apikey" | "rackspace-apikey" => {
            let (Some(username), Some(api_key)) = (a.username.clone(), secret(&a.api_key)) else {
                return Err(missing(
                    "a Rackspace API key sign-in needs auth.username and auth.api_key",
                    "set auth.username, and put auth.api_key in secure.yaml (or export OS_API_KEY)",
                ));
            };
            Ok(Credential::RackspaceApiKey {
                username,
                api_key: Secret::new(api_key),
            })
        }
        "aksk" => {
            let (Some(ak), Some(sk)) = (a.ak.clone(), secret(&a.sk)) else {
                return Err(missing(
                    "an AK/SK cloud needs auth.ak and auth.sk",
                    "set auth.ak, and put auth.sk (and auth.security_token for temporary keys) in secure.yaml",
                ));
            };
            Ok(Credential::AkSk {
                ak,
                sk: Secret::new(sk),
                security_token: a.security_token.clone().map(Secret::new),
            })
        }
        other => Err(missing(
            format!("auth_type `{other}` is not supported"),
            "use password, v3applicationcredential, token, rackspace_apikey or aksk",
        )),
    }
}

/// The project a password or token sign-in is scoped to; an application
/// credential carries its own scope.
fn project_scope(
    credential: &Credential,
    a: &AuthEntry,
    v2: bool,
) -> Result<Option<ProjectScope>, Missing> {
    if let Credential::ApplicationCredential { .. } = credential {
        return Ok(None);
    }
    let scope = ProjectScope {
        id: a.project_id.clone().or(a.tenant_id.clone()),
        name: a.project_name.clone().or(a.tenant_name.clone()),
        domain_name: a
            .project_domain_name
            .clone()
            .or_else(|| a.domain_name.clone()),
        domain_id: a.project_domain_id.clone(),
    };
    // A v2.0 sign-in (and an AK/SK cloud) falls back to the user's default
    // tenant (or the API's project variable).
    let optional = v2
        || matches!(
            credential,
            Credential::RackspaceApiKey { .. } | Credential::AkSk { .. }
        );
    if scope.id.is_none() && scope.name.is_none() {
        if optional {
            return Ok(None);
        }
        return Err(missing(
            "no project",
            "set auth.project_name or auth.project_id (OS_PROJECT_NAME, OS_PROJECT_ID): the catalog comes with a project-scoped token",
        ));
    }
    Ok(Some(scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn os_variables_make_a_password_cloud() {
        let env = env_of(&[
            ("OS_AUTH_URL", "http://id.example/v3"),
            ("OS_USERNAME", "alice"),
            ("OS_PASSWORD", "pw-secret"),
            ("OS_PROJECT_NAME", "demo"),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_REGION_NAME", "RegionOne"),
        ]);
        let c = from_env(&env).unwrap();
        assert_eq!(c.auth_url, "http://id.example/v3");
        assert_eq!(c.region.as_deref(), Some("RegionOne"));
        assert_eq!(c.interface, "public");
        assert_eq!(c.credential.user_label(), "alice");
        assert_eq!(c.project.unwrap().name.as_deref(), Some("demo"));
        assert!(!format!("{:?}", c.credential).contains("pw-secret"));
    }

    #[test]
    fn application_credential_needs_no_project() {
        let env = env_of(&[
            ("OS_AUTH_URL", "http://id.example"),
            ("OS_AUTH_TYPE", "v3applicationcredential"),
            ("OS_APPLICATION_CREDENTIAL_ID", "ac1"),
            ("OS_APPLICATION_CREDENTIAL_SECRET", "s3cret"),
        ]);
        let c = from_env(&env).unwrap();
        assert!(
            matches!(c.credential, Credential::ApplicationCredential { ref id, .. } if id == "ac1")
        );
        assert_eq!(c.project, None);
    }

    #[test]
    fn missing_pieces_say_what_to_set() {
        let env = env_of(&[
            ("OS_AUTH_URL", "http://id.example/v3"),
            ("OS_USERNAME", "a"),
        ]);
        let e = from_env(&env).unwrap_err().to_string();
        assert!(
            e.contains("no password") && e.contains("OS_PASSWORD"),
            "{e}"
        );
        let e = from_env(&env_of(&[])).unwrap_err().to_string();
        assert!(e.contains("no auth_url"), "{e}");
    }

    #[test]
    fn clouds_yaml_merges_secure_yaml_and_names_the_clouds_found() {
        let dir = tempfile::tempdir().unwrap();
        let clouds = dir.path().join("clouds.yaml");
        let secure = dir.path().join("secure.yaml");
        std::fs::write(
            &clouds,
            "clouds:\n  mine:\n    auth:\n      auth_url: http://id.example/v3\n      username: bob\n      project_name: p\n    region_name: R1\n    verify: false\n",
        )
        .unwrap();
        std::fs::write(
            &secure,
            "clouds:\n  mine:\n    auth:\n      password: from-secure\n",
        )
        .unwrap();
        let c = clouds.display().to_string();
        let s = secure.display().to_string();
        let env = env_of(&[
            ("OS_CLIENT_CONFIG_FILE", c.as_str()),
            ("OS_CLIENT_SECURE_FILE", s.as_str()),
        ]);
        let cloud = from_clouds_yaml("mine", &env).unwrap();
        assert_eq!(cloud.credential.secret().expose(), "from-secure");
        assert_eq!(cloud.region.as_deref(), Some("R1"));
        let e = from_clouds_yaml("other", &env).unwrap_err().to_string();
        assert!(
            e.contains("no cloud named `other`") && e.contains("mine"),
            "{e}"
        );
        assert!(e.contains(&c), "{e}");
    }

    fn clouds(text: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let clouds = dir.path().join("clouds.yaml");
        std::fs::write(&clouds, text).unwrap();
        let c = clouds.display().to_string();
        (dir, c)
    }

    #[test]
    fn vendor_profiles_fill_the_auth_url_version_and_service_type() {
        let (_d, c) = clouds(
            "clouds:\n  rax:\n    profile: rackspace\n    auth_type: rackspace_apikey\n    auth:\n      username: alice\n      api_key: k-Secret-1\n    region_name: ORD\n  otc:\n    profile: otc\n    auth:\n      username: bob\n      password: pw\n      project_name: eu-de_demo\n      user_domain_name: OTC00000000001000000001\n    region_name: eu-de\n  otc-noregion:\n    profile: otc\n    auth: { username: bob, password: pw, project_name: p }\n",
        );
        let env = env_of(&[("OS_CLIENT_CONFIG_FILE", c.as_str())]);
        let rax = from_clouds_yaml("rax", &env).unwrap();
        assert_eq!(
            rax.auth_url,
            "https://identity.api.rackspacecloud.com/v2.0/"
        );
        assert!(rax.identity_v2());
        assert_eq!(rax.service_type("clouddb"), Some("rax:database"));
        assert_eq!(rax.project, None, "v2.0 falls back to the default tenant");
        assert!(
            matches!(rax.credential, Credential::RackspaceApiKey { ref username, .. } if username == "alice")
        );
        assert_eq!(rax.credential.secret().expose(), "k-Secret-1");
        let otc = from_clouds_yaml("otc", &env).unwrap();
        assert_eq!(otc.auth_url, "https://iam.eu-de.otc.t-systems.com/v3");
        assert!(!otc.identity_v2());
        assert_eq!(otc.service_type("ddm"), None);
        let e = from_clouds_yaml("otc-noregion", &env)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("needs a region") && e.contains("region_name"),
            "{e}"
        );
    }

    fn clouds_env(dir: &Path, text: &str) -> impl Fn(&str) -> Option<String> + use<> {
        let clouds = dir.join("clouds.yaml");
        std::fs::write(&clouds, text).unwrap();
        let c = clouds.display().to_string();
        env_of(&[("OS_CLIENT_CONFIG_FILE", c.as_str())])
    }

    const AUTH: &str =
        "    auth: { auth_url: http://id.example/v3, username: u, password: p, project_name: p }\n";

    #[test]
    fn a_regions_list_picks_the_chosen_region_and_its_values() {
        let dir = tempfile::tempdir().unwrap();
        let env = clouds_env(
            dir.path(),
            &format!(
                "clouds:\n  c:\n{AUTH}    regions:\n      - eu-de\n      - name: eu-nl\n        values: {{ interface: internal, cacert: nl-ca.pem }}\n"
            ),
        );
        let nl = from_clouds_yaml_in("c", Some("eu-nl"), &env).unwrap();
        assert_eq!(nl.region.as_deref(), Some("eu-nl"));
        assert_eq!(nl.interface, "internal");
        let ca = nl.tls_spec.ca_file.unwrap();
        assert_eq!(ca.value, PathBuf::from("nl-ca.pem"));
        assert!(
            ca.given.describe().starts_with("`cacert` in "),
            "{:?}",
            ca.given
        );
        let de = from_clouds_yaml_in("c", Some("eu-de"), &env).unwrap();
        assert_eq!(
            (de.region.as_deref(), de.interface.as_str()),
            (Some("eu-de"), "public")
        );
        assert_eq!(de.tls_spec.ca_file, None);
        let e = from_clouds_yaml("c", &env).unwrap_err().to_string();
        assert!(e.contains("several regions (eu-de, eu-nl)"), "{e}");
        let e = from_clouds_yaml_in("c", Some("us"), &env)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no region `us`; its regions are eu-de, eu-nl"),
            "{e}"
        );
    }

    #[test]
    fn an_aksk_cloud_needs_no_auth_url_and_both_keys() {
        let (_d, c) = clouds(
            "clouds:\n  hw:\n    auth_type: aksk\n    auth:\n      ak: AK1\n      sk: sk-Secret-2\n      project_id: p1\n  half:\n    auth_type: aksk\n    auth:\n      ak: AK1\n",
        );
        let env = env_of(&[("OS_CLIENT_CONFIG_FILE", c.as_str())]);
        let hw = from_clouds_yaml("hw", &env).unwrap();
        let key = aksk_of(&hw).unwrap();
        assert_eq!(
            (key.ak.as_str(), key.sk.expose(), key.project_id.as_deref()),
            ("AK1", "sk-Secret-2", Some("p1"))
        );
        assert!(!format!("{hw:?}").contains("sk-Secret-2"));
        let e = from_clouds_yaml("half", &env).unwrap_err().to_string();
        assert!(
            e.contains("auth.ak and auth.sk") && e.contains("secure.yaml"),
            "{e}"
        );
    }

    #[test]
    fn a_broken_clouds_yaml_hides_an_sk_and_an_api_key() {
        let (_d, c) = clouds(
            "clouds:\n  mine:\n    auth:\n      sk: skSECRETsk\n      api_key: apiSECRETkey\n      username: [unclosed\n",
        );
        let env = env_of(&[("OS_CLIENT_CONFIG_FILE", c.as_str())]);
        let e = from_clouds_yaml("mine", &env).unwrap_err().to_string();
        assert!(e.contains("clouds.yaml:"), "{e}");
        assert!(
            !e.contains("skSECRETsk") && !e.contains("apiSECRETkey"),
            "{e}"
        );
    }

    #[test]
    fn a_broken_clouds_or_secure_yaml_hides_a_value_below_its_key() {
        let head = "clouds:\n  mine:\n    auth:\n      auth_url: http://id.example/v3\n";
        // Each value breaks the file on the line given, where the error points.
        let shapes = [
            (
                "      password:\n        pw-below-4e1: x: y\n",
                "pw-below-4e1",
                6,
            ),
            (
                "      password:\n        - pw-seq-7c2: x: y\n",
                "pw-seq-7c2",
                6,
            ),
            (
                "      api_key:\n        value: pw-map-9d3: x\n",
                "pw-map-9d3",
                6,
            ),
            (
                "      password: |\n          pw-block-2b8\n        pw-block-2b8-next\n",
                "pw-block-2b8",
                7,
            ),
        ];
        let dir = tempfile::tempdir().unwrap();
        let (clouds, secure) = (
            dir.path().join("clouds.yaml"),
            dir.path().join("secure.yaml"),
        );
        let env = env_of(&[
            ("OS_CLIENT_CONFIG_FILE", &clouds.display().to_string()),
            ("OS_CLIENT_SECURE_FILE", &secure.display().to_string()),
        ]);
        for (broken, fine) in [(&clouds, &secure), (&secure, &clouds)] {
            for (value, secret, line) in shapes {
                std::fs::write(broken, format!("{head}{value}")).unwrap();
                std::fs::write(fine, head).unwrap();
                let e = from_clouds_yaml("mine", &env).unwrap_err().to_string();
                assert!(!e.contains(secret), "{e}");
                let place = format!("{}:{line}:", broken.display());
                assert!(e.contains(&place), "not at {place}: {e}");
            }
        }
    }

    #[test]
    fn the_environment_gives_the_secret_a_cloud_entry_lacks() {
        let (_d, c) = clouds(
            "clouds:\n  pw:\n    auth: { auth_url: http://id.example/v3, username: u, project_name: p }\n  pw-in-file:\n    auth: { auth_url: http://id.example/v3, username: u, password: from-file, project_name: p }\n  rax:\n    profile: rackspace\n    auth_type: rackspace_apikey\n    auth: { username: alice }\n  rax-implied:\n    profile: rackspace\n    auth: { username: alice, api_key: key-in-file }\n  ac:\n    auth_type: v3applicationcredential\n    auth: { auth_url: http://id.example/v3, application_credential_id: ac1 }\n  tok:\n    auth_type: token\n    auth: { auth_url: http://id.example/v3, project_name: p }\n",
        );
        let env = env_of(&[
            ("OS_CLIENT_CONFIG_FILE", c.as_str()),
            ("OS_PASSWORD", "pw-From-Env-1"),
            ("OS_API_KEY", "key-From-Env-2"),
            ("OS_APPLICATION_CREDENTIAL_SECRET", "ac-From-Env-3"),
            ("OS_TOKEN", "tok-From-Env-4"),
        ]);
        for (cloud, secret) in [("ac", "ac-From-Env-3"), ("tok", "tok-From-Env-4")] {
            let c = from_clouds_yaml(cloud, &env).unwrap();
            assert_eq!(c.credential.secret().expose(), secret);
        }
        let pw = from_clouds_yaml("pw", &env).unwrap();
        assert!(matches!(pw.credential, Credential::Password { .. }));
        assert_eq!(pw.credential.secret().expose(), "pw-From-Env-1");
        assert!(!format!("{pw:?}").contains("pw-From-Env-1"));
        let file = from_clouds_yaml("pw-in-file", &env).unwrap();
        assert_eq!(file.credential.secret().expose(), "from-file");
        let rax = from_clouds_yaml("rax", &env).unwrap();
        assert!(matches!(rax.credential, Credential::RackspaceApiKey { .. }));
        assert_eq!(rax.credential.secret().expose(), "key-From-Env-2");
        // OS_PASSWORD set for another cloud does not turn an API key entry into a password one.
        let implied = from_clouds_yaml("rax-implied", &env).unwrap();
        assert_eq!(implied.credential.secret().expose(), "key-in-file");
        // Without the variables, each entry still says what it lacks.
        let env = env_of(&[("OS_CLIENT_CONFIG_FILE", c.as_str())]);
        let e = from_clouds_yaml("rax", &env).unwrap_err().to_string();
        assert!(
            e.contains("auth.api_key") && e.contains("OS_API_KEY"),
            "{e}"
        );
        let e = from_clouds_yaml("pw", &env).unwrap_err().to_string();
        assert!(
            e.contains("no password") && e.contains("OS_PASSWORD"),
            "{e}"
        );
    }

    #[test]
    fn a_single_region_is_taken_and_region_name_must_be_listed() {
        let dir = tempfile::tempdir().unwrap();
        let env = clouds_env(
            dir.path(),
            &format!("clouds:\n  c:\n{AUTH}    regions: [only]\n"),
        );
        assert_eq!(
            from_clouds_yaml("c", &env).unwrap().region.as_deref(),
            Some("only")
        );
        let env = clouds_env(
            dir.path(),
            &format!("clouds:\n  c:\n{AUTH}    region_name: b\n    regions: [a, b]\n"),
        );
        assert_eq!(
            from_clouds_yaml("c", &env).unwrap().region.as_deref(),
            Some("b")
        );
        let env = clouds_env(
            dir.path(),
            &format!("clouds:\n  c:\n{AUTH}    region_name: z\n    regions: [a, b]\n"),
        );
        let e = from_clouds_yaml("c", &env).unwrap_err().to_string();
        assert!(e.contains("no region `z`"), "{e}");
    }

    #[test]
    fn a_broken_clouds_yaml_is_located_and_scrubbed() {
        let dir = tempfile::tempdir().unwrap();
        let clouds = dir.path().join("clouds.yaml");
        std::fs::write(
            &clouds,
            "clouds:\n  mine:\n    auth:\n      password: hunter2hunter\n      username: [unclosed\n",
        )
        .unwrap();
        let c = clouds.display().to_string();
        let env = env_of(&[("OS_CLIENT_CONFIG_FILE", c.as_str())]);
        let e = from_clouds_yaml("mine", &env).unwrap_err().to_string();
        assert!(e.contains("clouds.yaml:"), "{e}");
        assert!(!e.contains("hunter2hunter"), "{e}");
    }
}

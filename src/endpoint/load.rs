//! Reading a target file and checking it against the spec set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Secret;
use crate::spec::location::{Located, Pos};
use crate::spec::{SpecSet, parse_yaml_file};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    #[serde(default)]
    auth: Option<AuthFile>,
    apis: BTreeMap<String, ApiFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthFile {
    token_env: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiFile {
    base_url: Spanned<String>,
    #[serde(default)]
    vars: BTreeMap<String, Spanned<String>>,
}

/// Where one API lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiEndpoint {
    /// Base URL without a trailing slash; the spec's paths are appended.
    pub base_url: String,
    pub vars: BTreeMap<String, String>,
    /// Every resource the cases may restart: the values of the spec's resource variable.
    pub resources: Vec<String>,
}

/// A checked target: every configured API exists, has its variables and a
/// usable base URL, and the token has been read.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The file it came from, or a label such as `embedded reference server`.
    pub label: String,
    pub apis: BTreeMap<String, ApiEndpoint>,
    pub token: Secret,
    /// The environment variable the token was read from (for `curl` lines).
    pub token_env: String,
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
        "the token variable `{0}` is not set\n  = help: export {0}=<your token> (the token is read from the environment, never from a file or flag)"
    )]
    TokenUnset(String),
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

/// Checks a parsed target against the specs and reads the token from the
/// environment (`token_env_override` wins over the file's `auth.token_env`).
pub fn resolve(
    parsed: ParsedEndpoint,
    specs: &SpecSet,
    token_env_override: Option<&str>,
    require_token: bool,
) -> Result<Endpoint, EndpointError> {
    let ParsedEndpoint { path, text, file } = parsed;
    let mut errors = Vec::new();
    let at = |span_line: &serde_saphyr::Location| Some(Pos::from_saphyr(span_line));
    let mut apis = BTreeMap::new();
    let known: Vec<&str> = specs.specs.iter().map(|s| s.api.as_str()).collect();
    for (api, conf) in &file.apis {
        let Some(spec) = specs.specs.iter().find(|s| &s.api == api) else {
            errors.push(
                Located::new(
                    &path,
                    &text,
                    at(&conf.base_url.referenced),
                    format!("unknown API `{api}`"),
                )
                .label("no spec has this API id")
                .help(format!("use one of {}", known.join(", "))),
            );
            continue;
        };
        let url = conf.base_url.value.trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => errors.push(
                Located::new(
                    &path,
                    &text,
                    at(&conf.base_url.referenced),
                    format!("invalid base_url for `{api}`"),
                )
                .label(format!("`{}` is not an http(s) URL", conf.base_url.value))
                .help("write e.g. `https://ecs.example.com` (paths from the spec are appended)"),
            ),
        }
        for (name, value) in &conf.vars {
            if !spec.target_vars.contains(name) {
                errors.push(
                    Located::new(
                        &path,
                        &text,
                        at(&value.referenced),
                        format!("unknown variable `{name}` for `{api}`"),
                    )
                    .label("the spec's URIs do not use it")
                    .help(format!(
                        "the variables of `{api}` are {}",
                        spec.target_vars.join(", ")
                    )),
                );
            }
            if value.value.is_empty() || value.value.contains(['/', '?', '#']) {
                errors.push(
                    Located::new(
                        &path,
                        &text,
                        at(&value.referenced),
                        format!("invalid value for `{name}`"),
                    )
                    .label("a path variable cannot be empty or hold `/`, `?` or `#`")
                    .help("give the bare id"),
                );
            }
        }
        for needed in &spec.target_vars {
            if !conf.vars.contains_key(needed) {
                errors.push(
                    Located::new(
                        &path,
                        &text,
                        at(&conf.base_url.referenced),
                        format!("missing variable `{needed}` for `{api}`"),
                    )
                    .label(format!("`{api}` needs a value for `{{{needed}}}`"))
                    .help(format!("add `{needed}: \"…\"` under `apis.{api}.vars`")),
                );
            }
        }
        apis.insert(
            api.clone(),
            ApiEndpoint {
                base_url: url,
                vars: conf
                    .vars
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value.clone()))
                    .collect(),
                resources: conf
                    .vars
                    .get(&spec.resource_var)
                    .map(|v| vec![v.value.clone()])
                    .unwrap_or_default(),
            },
        );
    }
    if !errors.is_empty() {
        return Err(EndpointError::Invalid(errors));
    }
    let token_env = match (token_env_override, &file.auth) {
        (Some(v), _) => v.to_owned(),
        (None, Some(a)) => a.token_env.value.clone(),
        (None, None) => "OS_AUTH_TOKEN".to_owned(),
    };
    let token = match std::env::var(&token_env) {
        Ok(t) if !t.is_empty() => Secret::new(t),
        // A dry run sends nothing and needs no token.
        _ if !require_token => Secret::new(""),
        _ => return Err(EndpointError::TokenUnset(token_env)),
    };
    Ok(Endpoint {
        label: path.display().to_string(),
        apis,
        token,
        token_env,
    })
}

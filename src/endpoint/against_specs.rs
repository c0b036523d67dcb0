//! A target file checked against the spec set, with the place of every problem: each
//! configured API exists, names the variables its URIs need (one resource variable may list
//! several ids), and has a usable base URL unless the catalog will give it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_saphyr::Spanned;

use super::catalog::{Lookup, default_service_type};
use super::resolved::ApiEndpoint;
use super::target_file::{ApiFile, TargetFile, VarValue};
use crate::spec::SpecSet;
use crate::yaml::{Located, Pos};

/// Located errors for one target file.
pub(super) struct FileErrors<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
    pub(super) errors: Vec<Located>,
}

impl FileErrors<'_> {
    /// An error at `pos`, with its label and help.
    pub(super) fn at(
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
pub(super) enum Placement {
    /// The file gives it.
    Fixed(ApiEndpoint),
    /// The catalog gives it, once signed in.
    Catalog(Lookup),
}

/// `auth` names one token source: a variable or a cloud, not both.
pub(super) fn check_auth(file: &TargetFile, errs: &mut FileErrors<'_>) {
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
pub(super) fn check_api(
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
pub(super) fn check_base_url(api: &str, b: &Spanned<String>, errs: &mut FileErrors<'_>) -> String {
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
pub(super) fn file_vars(
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

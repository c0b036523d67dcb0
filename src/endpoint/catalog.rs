//! The service catalog of a sign-in: which entry each API is found under, and how its URL
//! splits into a base URL and the path variables it fills.

use std::collections::BTreeMap;

use super::against_specs::FileErrors;
use super::cloud::Cloud;
use super::keystone;
use super::resolved::{ApiEndpoint, EndpointError};
use crate::yaml::{Located, Pos};

/// The catalog service type each API is found under by default.
pub fn default_service_type(api: &str) -> &str {
    match api {
        "ecs" => "compute",
        "clouddb" | "clouddb-ha" => "database",
        other => other,
    }
}

/// One API from the token's catalog: its endpoint, split into a base URL and
/// the variables the URL fills; the token's project fills project variables.
pub(super) fn catalog_api(
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
pub(super) struct Lookup {
    pub(super) service_type: String,
    pub(super) region: Option<String>,
    pub(super) interface: Option<String>,
    pub(super) vars: BTreeMap<String, String>,
    pub(super) resources: Vec<String>,
    pub(super) uris: Vec<String>,
    pub(super) needed: Vec<String>,
    pub(super) pos: serde_saphyr::Location,
}

/// Variables that name the project or account, which the token's project fills.
pub(super) fn is_project_var(name: &str) -> bool {
    matches!(
        name,
        "project_id" | "projectId" | "tenant_id" | "tenantId" | "accountId" | "account_id"
    )
}

pub(super) fn looks_like_version(s: &str) -> bool {
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
    use crate::endpoint::Secret;
    use crate::endpoint::cloud;
    use crate::endpoint::keystone;
    use std::path::Path;

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

    fn specs() -> crate::spec::SpecSet {
        crate::spec::load_builtin().unwrap_or_else(|e| panic!("{e}"))
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
}

//! Resolving a parsed target file into an [`Endpoint`]: checked against the specs, then the
//! token read, or signed in for, and the base URLs the file leaves out taken from the catalog.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::against_specs::{FileErrors, Placement, check_api, check_auth};
use super::auth_choice::{AuthChoice, auth_choice, key_names, secret_need};
use super::catalog::{Lookup, catalog_api};
use super::cloud::{self, Cloud, Env, process_env};
use super::keystone::{self, Session};
use super::resolved::{ApiEndpoint, Endpoint, EndpointError, SignIn};
use super::signing;
use super::target_file::{ParsedEndpoint, TargetFile};
use super::tls::{TlsPlan, TlsSpec};
use super::{AkSk, Secret};
use crate::spec::SpecSet;
use crate::yaml::{Located, Pos};

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

impl<'a> ResolveOptions<'a> {
    /// No flag given: the target file decides, variables are read through `env`.
    pub fn from_file(env: Env<'a>, require_token: bool) -> ResolveOptions<'a> {
        ResolveOptions {
            token_env: None,
            cloud: None,
            require_token,
            env,
            region: None,
            insecure: false,
        }
    }
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
            ..ResolveOptions::from_file(&process_env, require_token)
        },
    )
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
    let (apis, lookups) = check_against_specs(&file, specs, signing_in, &mut errs)?;
    let shared: Arc<str> = text.as_str().into();
    let (top, per_api) = tls_layers(&file, &path, &shared, opts)?;
    let checked = Checked {
        label: path.display().to_string(),
        apis,
        lookups,
        keys,
        top,
        per_api,
    };
    let (endpoint, tls) = match choice {
        AuthChoice::Token(token_env) => {
            if opts.region.is_some() {
                return Err(EndpointError::Catalog(
                    "--region applies when signing in to a cloud; with a fixed token every base URL is the file's\n  = help: drop --region, or sign in with `auth: { cloud: NAME }`, --cloud or OS_CLOUD".into(),
                ));
            }
            fixed_token_endpoint(checked, token_env, opts, false)?
        }
        AuthChoice::EnvAkSk => fixed_token_endpoint(checked, "OS_AUTH_TOKEN".into(), opts, true)?,
        AuthChoice::Cloud(name) => {
            let cloud =
                cloud::from_clouds_yaml_for(&name, opts.region, opts.env, secret_need(opts))?;
            cloud_endpoint(checked, cloud, opts, &errs)?
        }
        AuthChoice::EnvVars => {
            let mut cloud = cloud::from_env_for(opts.env, secret_need(opts))?;
            if let Some(r) = opts.region {
                cloud.region = Some(r.to_owned());
            }
            cloud_endpoint(checked, cloud, opts, &errs)?
        }
    };
    Ok(Endpoint { tls, ..endpoint })
}

/// A target file checked against the specs, before any token is read: what each API's base
/// URL comes from, the variables each signing API's key pair is read from, and the TLS layers.
struct Checked {
    label: String,
    /// The APIs whose base URL the file gives.
    apis: BTreeMap<String, ApiEndpoint>,
    /// The APIs whose base URL the catalog gives, once signed in.
    lookups: Vec<(String, Lookup)>,
    keys: BTreeMap<String, signing::KeyNames>,
    top: TlsSpec,
    per_api: BTreeMap<String, TlsSpec>,
}

/// The APIs whose base URL the file gives, and those the catalog gives once signed in.
type Placed = (BTreeMap<String, ApiEndpoint>, Vec<(String, Lookup)>);

/// Checks `auth` and every configured API; the APIs placed by the file and those left to the
/// catalog, or every located error.
fn check_against_specs(
    file: &TargetFile,
    specs: &SpecSet,
    signing_in: bool,
    errs: &mut FileErrors<'_>,
) -> Result<Placed, EndpointError> {
    check_auth(file, errs);
    let mut apis = BTreeMap::new();
    let mut lookups: Vec<(String, Lookup)> = Vec::new();
    for (api, conf) in &file.apis {
        match check_api(api, conf, specs, signing_in, errs) {
            Some(Placement::Fixed(endpoint)) => {
                apis.insert(api.clone(), endpoint);
            }
            Some(Placement::Catalog(lookup)) => lookups.push((api.clone(), lookup)),
            None => {}
        }
    }
    if !errs.errors.is_empty() {
        return Err(EndpointError::Invalid(std::mem::take(&mut errs.errors)));
    }
    Ok((apis, lookups))
}

/// Nobody signs in: a fixed token read from `token_env`, and every base URL is the file's.
/// No token is needed when `token_optional` (the AK/SK variables chose this), nor when every
/// API signs and the variable is unset.
fn fixed_token_endpoint(
    checked: Checked,
    token_env: String,
    opts: &ResolveOptions<'_>,
    token_optional: bool,
) -> Result<(Endpoint, TlsPlan), EndpointError> {
    let Checked {
        label,
        mut apis,
        keys,
        top,
        per_api,
        ..
    } = checked;
    let tls = TlsPlan::load(&top, &per_api)?;
    sign_apis(&mut apis, &keys, opts)?;
    let all_signed = !apis.is_empty() && apis.values().all(|a| a.signer.is_some());
    let no_token = ResolveOptions {
        require_token: false,
        ..*opts
    };
    let opts = if token_optional || (all_signed && (opts.env)(&token_env).is_none()) {
        &no_token
    } else {
        opts
    };
    Ok((token_endpoint(label, apis, token_env, opts)?, tls))
}

/// Signed in to `cloud` (or, for a dry run, about to be): the catalog gives the base URLs the
/// file leaves out. A cloud with `auth_type: aksk` signs every request instead.
fn cloud_endpoint(
    checked: Checked,
    mut cloud: Cloud,
    opts: &ResolveOptions<'_>,
    errs: &FileErrors<'_>,
) -> Result<(Endpoint, TlsPlan), EndpointError> {
    let Checked {
        label,
        mut apis,
        lookups,
        keys,
        top,
        per_api,
    } = checked;
    let top = top.over(std::mem::take(&mut cloud.tls_spec));
    cloud.tls = top.load()?;
    let tls = TlsPlan::load(&top, &per_api)?;
    if let Some(key) = cloud::aksk_of(&cloud) {
        let endpoint = aksk_cloud_endpoint(label, apis, lookups, key, &keys, opts, errs)?;
        return Ok((endpoint, tls));
    }
    let cloud = Arc::new(cloud);
    if !opts.require_token {
        let mut endpoint = dry_run_endpoint(label, apis, lookups, cloud);
        sign_apis(&mut endpoint.apis, &keys, opts)?;
        return Ok((endpoint, tls));
    }
    let token = keystone::sign_in_blocking(&cloud)?;
    for (api, l) in lookups {
        let endpoint = catalog_api(&api, l, &token, &cloud, errs)?;
        apis.insert(api, endpoint);
    }
    sign_apis(&mut apis, &keys, opts)?;
    let session = Arc::new(Session::new((*cloud).clone(), &token));
    let endpoint = Endpoint {
        tls: TlsPlan::default(),
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
    };
    Ok((endpoint, tls))
}

/// Reads the key pair of every API that signs.
pub(super) fn sign_apis(
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
pub(super) fn aksk_cloud_endpoint(
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

/// A fixed token read from `token_env`; every base URL is the file's.
pub(super) fn token_endpoint(
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
pub(super) fn tls_layers(
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
pub(super) fn dry_run_endpoint(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::target_file::parse_bytes;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    fn specs() -> SpecSet {
        crate::spec::load_builtin().unwrap_or_else(|e| panic!("{e}"))
    }

    fn resolve_text(yaml: &str) -> Result<Endpoint, EndpointError> {
        let env = |k: &str| (k == "T").then(|| "tok".to_owned());
        let parsed = parse_bytes(Path::new("t.yaml"), yaml.as_bytes())?;
        resolve_with(parsed, &specs(), &ResolveOptions::from_file(&env, true))
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
            &ResolveOptions::from_file(&env, require_token),
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
        let e = resolve_with(parsed, &specs(), &ResolveOptions::from_file(&env, false))
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
        resolve_with(parsed, &specs(), &ResolveOptions::from_file(&env, false))
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

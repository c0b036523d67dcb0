//! Where a cloud's sign-in details come from: `clouds.yaml` (with
//! `secure.yaml` merged) or the `OS_*` variables, read as openstacksdk reads
//! them.
//!
//! The environment is passed in as a function, so tests never touch the
//! process environment. This file holds the cloud a sign-in uses and the two
//! ways to get one; the files' own shape and search is `clouds_file`, what
//! makes an entry usable is `credential`.

mod clouds_file;
mod credential;

use super::Secret;
use super::tls::{Tls, TlsSpec};
use clouds_file::{AuthEntry, CloudEntry, Version, clouds_yaml_entry};
use credential::build;

pub use clouds_file::search_paths;

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

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

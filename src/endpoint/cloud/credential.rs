//! A cloud entry made usable: its vendor profile applied, its auth URL checked, the credential
//! its `auth_type` asks for with every piece it needs, and the project it is scoped to; or
//! what the entry lacks, and what to set.

use super::super::Secret;
use super::super::tls::Tls;
use super::clouds_file::{AuthEntry, CloudEntry, Version};
use super::{Cloud, CloudError, Credential, ProjectScope, SecretNeed};

/// What a cloud entry lacks, and what to set.
pub(super) struct Missing {
    pub(super) what: String,
    pub(super) help: &'static str,
}

pub(super) fn missing(what: impl Into<String>, help: &'static str) -> Missing {
    Missing {
        what: what.into(),
        help,
    }
}

pub(super) fn build(
    name: &str,
    source: &str,
    e: CloudEntry,
    need: SecretNeed,
) -> Result<Cloud, CloudError> {
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
pub(super) fn apply_profile(mut e: CloudEntry) -> Result<CloudEntry, Missing> {
    let Some(name) = e.profile.clone() else {
        return Ok(e);
    };
    let Some(p) = super::super::profile::find(&name) else {
        return Err(missing(
            format!("unknown profile `{name}`"),
            "use profile rackspace or otc, or give auth.auth_url yourself",
        ));
    };
    if e.auth.auth_url.is_none() {
        match super::super::profile::auth_url(p, e.region_name.as_deref()) {
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
pub(super) fn checked_auth_url(a: &AuthEntry) -> Result<String, Missing> {
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
pub(super) fn auth_type(e: &CloudEntry) -> String {
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
pub(super) fn credential(
    auth_type: &str,
    a: &AuthEntry,
    need: SecretNeed,
) -> Result<Credential, Missing> {
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
pub(super) fn project_scope(
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

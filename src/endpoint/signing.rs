//! Where an API's access key pair comes from: the variables a target file
//! names (`auth: { ak_env, sk_env, security_token_env, project_id_env }`, at
//! the top for every API or under one API), the Huawei SDKs' own
//! `HUAWEICLOUD_SDK_*` variables, or a `clouds.yaml` entry with
//! `auth_type: aksk`. The file only ever names variables, never values.

use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::cloud::Env;
use super::{AkSk, Secret};

/// The Huawei SDKs' variables (huaweicloudsdkcore `EnvCredentialProvider`).
pub const AK_ENV: &str = "HUAWEICLOUD_SDK_AK";
pub const SK_ENV: &str = "HUAWEICLOUD_SDK_SK";
pub const PROJECT_ID_ENV: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
pub const SECURITY_TOKEN_ENV: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";

/// An API's own `auth`: AK/SK variables only (the token is the file's).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApiAuthFile {
    #[serde(default)]
    pub(super) ak_env: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) sk_env: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) security_token_env: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) project_id_env: Option<Spanned<String>>,
}

/// The variables one API's key pair is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KeyNames {
    pub(super) ak: String,
    pub(super) sk: String,
    pub(super) security_token: String,
    pub(super) project_id: String,
}

impl Default for KeyNames {
    fn default() -> KeyNames {
        KeyNames {
            ak: AK_ENV.into(),
            sk: SK_ENV.into(),
            security_token: SECURITY_TOKEN_ENV.into(),
            project_id: PROJECT_ID_ENV.into(),
        }
    }
}

/// The names given, the SDK's for the others; `None` when neither `ak_env`
/// nor `sk_env` is named (the API is not signed by this section).
pub(super) fn names(
    ak_env: Option<&Spanned<String>>,
    sk_env: Option<&Spanned<String>>,
    security_token_env: Option<&Spanned<String>>,
    project_id_env: Option<&Spanned<String>>,
) -> Option<KeyNames> {
    if ak_env.is_none() && sk_env.is_none() {
        return None;
    }
    let d = KeyNames::default();
    let or = |v: Option<&Spanned<String>>, d: String| v.map_or(d, |s| s.value.clone());
    Some(KeyNames {
        ak: or(ak_env, d.ak),
        sk: or(sk_env, d.sk),
        security_token: or(security_token_env, d.security_token),
        project_id: or(project_id_env, d.project_id),
    })
}

impl ApiAuthFile {
    pub(super) fn names(&self) -> Option<KeyNames> {
        names(
            self.ak_env.as_ref(),
            self.sk_env.as_ref(),
            self.security_token_env.as_ref(),
            self.project_id_env.as_ref(),
        )
    }
}

/// A variable the key pair needs is not set.
#[derive(Debug, thiserror::Error)]
#[error(
    "the {what} variable `{var}` is not set\n  = help: export {var}=<your {what}> (AK/SK are read from the environment, never from a file or flag)"
)]
pub struct KeyUnset {
    pub var: String,
    pub what: &'static str,
}

/// Reads the key pair named by `n`. The project id is the variable's, else
/// `project` (the API's `project_id`). In a dry run (`require` false)
/// missing values are left empty: nothing is signed then.
pub(super) fn read(
    n: &KeyNames,
    project: Option<&str>,
    env: Env<'_>,
    require: bool,
) -> Result<Arc<AkSk>, KeyUnset> {
    let get = |var: &str, what: &'static str| match env(var) {
        Some(v) => Ok(v),
        None if !require => Ok(String::new()),
        None => Err(KeyUnset {
            var: var.to_owned(),
            what,
        }),
    };
    let ak = get(&n.ak, "access key (AK)")?;
    let sk = get(&n.sk, "secret key (SK)")?;
    Ok(Arc::new(AkSk {
        ak,
        sk: Secret::new(sk),
        project_id: env(&n.project_id).or_else(|| project.map(str::to_owned)),
        security_token: env(&n.security_token).map(Secret::new),
        ak_env: n.ak.clone(),
        sk_env: n.sk.clone(),
        security_token_env: n.security_token.clone(),
    }))
}

/// True when the SDK's own variables hold a key pair.
pub(super) fn in_env(env: Env<'_>) -> bool {
    env(AK_ENV).is_some() && env(SK_ENV).is_some()
}

/// The variable among an API's path variables that names its project.
pub(super) fn project_var(vars: &std::collections::BTreeMap<String, String>) -> Option<&str> {
    ["project_id", "projectId", "tenant_id"]
        .iter()
        .find_map(|k| vars.get(*k))
        .map(String::as_str)
        .filter(|v| !v.starts_with('$'))
}

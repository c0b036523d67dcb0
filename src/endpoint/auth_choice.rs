//! Where the token comes from, in the order of precedence (`--token-env`, `--cloud`, the
//! file's `auth`, `OS_CLOUD`, `OS_*`, the AK/SK variables, `OS_AUTH_TOKEN`), and which
//! variables each signing API's key pair is read from.

use std::collections::BTreeMap;

use super::cloud;
use super::resolve::ResolveOptions;
use super::signing;
use super::target_file::{AuthFile, TargetFile};

/// A dry run reads no token and signs in to nothing: it needs no secret.
pub(super) fn secret_need(opts: &ResolveOptions<'_>) -> cloud::SecretNeed {
    if opts.require_token {
        cloud::SecretNeed::Required
    } else {
        cloud::SecretNeed::NotNeeded
    }
}

/// Where the token comes from, in the order of precedence.
pub(super) enum AuthChoice {
    Token(String),
    Cloud(String),
    EnvVars,
    /// No `auth` and no token variable, but the Huawei SDKs' AK/SK variables.
    EnvAkSk,
}

pub(super) fn auth_choice(file: &TargetFile, opts: &ResolveOptions<'_>) -> AuthChoice {
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

/// The variables each API's key pair comes from, for the APIs that sign:
/// the API's own `auth`, else the file's, else (with no `auth` at all) the
/// Huawei SDKs' variables.
pub(super) fn key_names(
    file: &TargetFile,
    choice: &AuthChoice,
) -> BTreeMap<String, signing::KeyNames> {
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

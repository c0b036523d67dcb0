//! The resolved endpoint: where each API lives, the token or the sign-in that gives it, the
//! key pairs that sign, the TLS to use; and what the reports may say about them (never a
//! secret).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::cloud::{Cloud, CloudError, Credential};
use super::keystone::{self, KeystoneError, Session, TokenSource};
use super::signing::KeyUnset;
use super::tls::{TlsError, TlsPlan};
use super::{AkSk, Secret};
use crate::model::SignInInfo;
use crate::yaml::Located;

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

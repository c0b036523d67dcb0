//! The target file as written: its serde types, and reading and parsing it into a
//! [`ParsedEndpoint`] (not yet checked against the specs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::resolved::EndpointError;
use super::signing;
use super::tls::TlsFile;
use crate::yaml::parse_yaml_file;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TargetFile {
    #[serde(default)]
    pub(super) auth: Option<AuthFile>,
    /// CA, client certificate and `verify` for every API and the sign-in.
    #[serde(default)]
    pub(super) tls: Option<TlsFile>,
    pub(super) apis: BTreeMap<String, Spanned<ApiFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AuthFile {
    #[serde(default)]
    pub(super) token_env: Option<Spanned<String>>,
    /// A clouds.yaml entry to sign in with.
    #[serde(default)]
    pub(super) cloud: Option<Spanned<String>>,
    /// AK/SK signing for every API: the variables holding the key pair.
    #[serde(default)]
    pub(super) ak_env: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) sk_env: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) security_token_env: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) project_id_env: Option<Spanned<String>>,
}

impl AuthFile {
    /// The key pair's variables, when this section signs every API.
    pub(super) fn key_names(&self) -> Option<signing::KeyNames> {
        signing::names(
            self.ak_env.as_ref(),
            self.sk_env.as_ref(),
            self.security_token_env.as_ref(),
            self.project_id_env.as_ref(),
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApiFile {
    /// Wins over the catalog; needed when signing in with a fixed token.
    #[serde(default)]
    pub(super) base_url: Option<Spanned<String>>,
    /// Catalog service type (default per API, see [`default_service_type`]).
    #[serde(default)]
    pub(super) service_type: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) region: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) interface: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) vars: BTreeMap<String, Spanned<VarValue>>,
    /// This API signs its requests with AK/SK (the others keep the token).
    #[serde(default)]
    pub(super) auth: Option<signing::ApiAuthFile>,
    /// This API's own TLS settings, over the file's top-level `tls`.
    #[serde(default)]
    pub(super) tls: Option<TlsFile>,
}

/// A path variable's value: one string, or (for the resource variable) a
/// list of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum VarValue {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for VarValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<VarValue, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = VarValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<VarValue, E> {
                Ok(VarValue::One(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<VarValue, E> {
                Ok(VarValue::One(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<VarValue, E> {
                Ok(VarValue::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<VarValue, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                Ok(VarValue::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl VarValue {
    pub(super) fn values(&self) -> Vec<String> {
        match self {
            VarValue::One(v) => vec![v.clone()],
            VarValue::Many(v) => v.clone(),
        }
    }
}

/// The raw file, parsed but not yet checked against specs.
pub struct ParsedEndpoint {
    pub(super) path: PathBuf,
    pub(super) text: String,
    pub(super) file: TargetFile,
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

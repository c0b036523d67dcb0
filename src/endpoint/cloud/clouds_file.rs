//! `clouds.yaml` and `secure.yaml` as openstacksdk reads them: the parts we read (every other
//! key left alone), where they are searched for, the entry of one cloud with secure.yaml merged
//! over it, its region chosen, and its secret taken from `OS_*` when the files give none.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::super::tls::{Given, Setting, TlsSpec};
use super::credential::auth_type;
use super::{CloudError, Env};
use crate::yaml::{Pos, parse_yaml_file};

/// The parts of a clouds.yaml we read; every other key is left alone, as
/// openstacksdk leaves keys it does not know.
#[derive(Debug, Default, Deserialize)]
pub(super) struct CloudsFile {
    #[serde(default)]
    pub(super) clouds: BTreeMap<String, CloudEntry>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct CloudEntry {
    #[serde(default)]
    pub(super) auth: AuthEntry,
    pub(super) auth_type: Option<String>,
    pub(super) region_name: Option<String>,
    pub(super) interface: Option<String>,
    #[serde(default)]
    pub(super) identity_api_version: Option<Version>,
    pub(super) profile: Option<String>,
    /// A private CA's PEM file, added to the system roots.
    pub(super) cacert: Option<Spanned<String>>,
    /// A client certificate and its key (PEM files).
    pub(super) cert: Option<Spanned<String>>,
    pub(super) key: Option<Spanned<String>>,
    pub(super) verify: Option<Spanned<bool>>,
    /// openstacksdk's `regions: [a, b]` or `[{name, values}]`.
    pub(super) regions: Option<Vec<RegionEntry>>,
    /// The TLS keys above with the file they were read from; set after parsing.
    #[serde(skip)]
    pub(super) tls: TlsSpec,
}

/// `identity_api_version`, written as a number (`2`, `3`) or a string.
#[derive(Debug, Clone, Default)]
pub(super) struct Version(pub(super) String);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Version;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a version such as 2 or 3")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Version, E> {
                Ok(Version(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Version, E> {
                Ok(Version(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Version, E> {
                Ok(Version(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// One `regions` item: a name, or a name with keys that override the entry's.
#[derive(Debug)]
pub(super) struct RegionEntry {
    pub(super) name: String,
    pub(super) values: Option<CloudEntry>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RegionFull {
    pub(super) name: String,
    #[serde(default)]
    pub(super) values: Option<CloudEntry>,
}

impl<'de> Deserialize<'de> for RegionEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RegionEntry, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RegionEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a region name or a `{name, values}` mapping")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RegionEntry, E> {
                Ok(RegionEntry {
                    name: v.to_owned(),
                    values: None,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RegionEntry, A::Error> {
                let full =
                    RegionFull::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RegionEntry {
                    name: full.name,
                    values: full.values,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AuthEntry {
    pub(super) auth_url: Option<String>,
    pub(super) username: Option<String>,
    pub(super) user_id: Option<String>,
    pub(super) password: Option<String>,
    pub(super) project_name: Option<String>,
    pub(super) project_id: Option<String>,
    pub(super) tenant_name: Option<String>,
    pub(super) tenant_id: Option<String>,
    pub(super) user_domain_name: Option<String>,
    pub(super) user_domain_id: Option<String>,
    pub(super) project_domain_name: Option<String>,
    pub(super) project_domain_id: Option<String>,
    pub(super) domain_name: Option<String>,
    pub(super) application_credential_id: Option<String>,
    pub(super) application_credential_secret: Option<String>,
    pub(super) token: Option<String>,
    pub(super) api_key: Option<String>,
    pub(super) ak: Option<String>,
    pub(super) sk: Option<String>,
    pub(super) security_token: Option<String>,
}

impl AuthEntry {
    /// `self` with gaps filled from `other` (secure.yaml under clouds.yaml).
    pub(super) fn or(self, o: AuthEntry) -> AuthEntry {
        AuthEntry {
            auth_url: self.auth_url.or(o.auth_url),
            username: self.username.or(o.username),
            user_id: self.user_id.or(o.user_id),
            password: self.password.or(o.password),
            project_name: self.project_name.or(o.project_name),
            project_id: self.project_id.or(o.project_id),
            tenant_name: self.tenant_name.or(o.tenant_name),
            tenant_id: self.tenant_id.or(o.tenant_id),
            user_domain_name: self.user_domain_name.or(o.user_domain_name),
            user_domain_id: self.user_domain_id.or(o.user_domain_id),
            project_domain_name: self.project_domain_name.or(o.project_domain_name),
            project_domain_id: self.project_domain_id.or(o.project_domain_id),
            domain_name: self.domain_name.or(o.domain_name),
            application_credential_id: self
                .application_credential_id
                .or(o.application_credential_id),
            application_credential_secret: self
                .application_credential_secret
                .or(o.application_credential_secret),
            token: self.token.or(o.token),
            api_key: self.api_key.or(o.api_key),
            ak: self.ak.or(o.ak),
            sk: self.sk.or(o.sk),
            security_token: self.security_token.or(o.security_token),
        }
    }
}

impl CloudEntry {
    pub(super) fn or(self, o: CloudEntry) -> CloudEntry {
        CloudEntry {
            auth: self.auth.or(o.auth),
            auth_type: self.auth_type.or(o.auth_type),
            region_name: self.region_name.or(o.region_name),
            interface: self.interface.or(o.interface),
            identity_api_version: self.identity_api_version.or(o.identity_api_version),
            profile: self.profile.or(o.profile),
            cacert: None,
            cert: None,
            key: None,
            verify: None,
            regions: self.regions.or(o.regions),
            tls: self.tls.over(o.tls),
        }
    }

    /// Moves `cacert`, `cert`, `key` and `verify` into `tls`, each with
    /// where it was read, here and in every region's `values`.
    pub(super) fn attach_tls(&mut self, path: &Path, text: &Arc<str>) {
        let given = |key: &str, at: &serde_saphyr::Location| Given::File {
            path: path.to_owned(),
            text: text.clone(),
            pos: Some(Pos::from_saphyr(at)),
            key: key.to_owned(),
        };
        let file = |key: &str, v: Option<Spanned<String>>| {
            v.map(|s| Setting::new(PathBuf::from(&s.value), given(key, &s.referenced)))
        };
        self.tls = TlsSpec {
            ca_file: file("cacert", self.cacert.take()),
            cert_file: file("cert", self.cert.take()),
            key_file: file("key", self.key.take()),
            verify: self
                .verify
                .take()
                .map(|v| Setting::new(v.value, given("verify", &v.referenced))),
        };
        for r in self.regions.iter_mut().flatten() {
            if let Some(v) = &mut r.values {
                v.attach_tls(path, text);
            }
        }
    }
}

/// Where openstacksdk looks for `file` (`clouds` or `secure`), in order.
pub fn search_paths(file: &str, env: Env<'_>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let var = if file == "clouds" {
        "OS_CLIENT_CONFIG_FILE"
    } else {
        "OS_CLIENT_SECURE_FILE"
    };
    if let Some(p) = env(var) {
        out.push(PathBuf::from(p));
    }
    let mut dirs = vec![PathBuf::from(".")];
    if let Some(home) = env("HOME") {
        dirs.push(Path::new(&home).join(".config/openstack"));
    }
    dirs.push(PathBuf::from("/etc/openstack"));
    for d in dirs {
        for ext in ["yaml", "yml"] {
            out.push(d.join(format!("{file}.{ext}")));
        }
    }
    out
}

pub(super) fn read_clouds(path: &Path) -> Result<CloudsFile, CloudError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CloudError::File(format!("error: failed to read {}: {e}", path.display())))?;
    match parse_yaml_file::<CloudsFile>(path, &bytes, "clouds file") {
        Ok((mut f, text)) => {
            let text: Arc<str> = text.into();
            for entry in f.clouds.values_mut() {
                entry.attach_tls(path, &text);
            }
            Ok(f)
        }
        // The located error masks every credential the file holds, on its key's line or below.
        Err(e) => Err(CloudError::File(e.render())),
    }
}

pub(super) fn first_existing(paths: &[PathBuf]) -> Option<&PathBuf> {
    paths.iter().find(|p| p.is_file())
}

/// Cloud `name`'s entry in its region, secure.yaml merged in, and the file it came from.
pub(super) fn clouds_yaml_entry(
    name: &str,
    region: Option<&str>,
    env: Env<'_>,
) -> Result<(String, CloudEntry), CloudError> {
    let paths = search_paths("clouds", env);
    let searched = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let (mut clouds, path) = match first_existing(&paths) {
        Some(p) => (read_clouds(p)?, p.clone()),
        None => {
            return Err(CloudError::Unknown {
                name: name.into(),
                found: "none (no clouds.yaml)".into(),
                searched,
            });
        }
    };
    let Some(entry) = clouds.clouds.remove(name) else {
        let found = if clouds.clouds.is_empty() {
            format!("none in {}", path.display())
        } else {
            format!(
                "{} (in {})",
                clouds.clouds.keys().cloned().collect::<Vec<_>>().join(", "),
                path.display()
            )
        };
        return Err(CloudError::Unknown {
            name: name.into(),
            found,
            searched,
        });
    };
    let secure_paths = search_paths("secure", env);
    let entry = match first_existing(&secure_paths) {
        Some(p) => {
            let mut secure = read_clouds(p)?;
            match secure.clouds.remove(name) {
                Some(s) => s.or(entry),
                None => entry,
            }
        }
        None => entry,
    };
    let source = path.display().to_string();
    let entry = pick_region(name, &source, entry, region)?;
    Ok((source, secret_from_env(entry, env)))
}

/// The entry with the secret its auth type needs taken from the environment when neither
/// clouds.yaml nor secure.yaml gives it (`OS_PASSWORD`, `OS_API_KEY`,
/// `OS_APPLICATION_CREDENTIAL_SECRET`, `OS_TOKEN`), as OpenStack clients take `OS_PASSWORD` for
/// a cloud whose files hold no password. A secret the files give wins. The auth type is read
/// first, so a variable set for another cloud never changes it.
pub(super) fn secret_from_env(mut e: CloudEntry, env: Env<'_>) -> CloudEntry {
    let kind = auth_type(&e);
    let a = &mut e.auth;
    let (slot, var) = match kind.as_str() {
        "password" | "v3password" => (&mut a.password, "OS_PASSWORD"),
        "rackspace_apikey" | "rackspace-apikey" => (&mut a.api_key, "OS_API_KEY"),
        "v3applicationcredential" | "applicationcredential" => (
            &mut a.application_credential_secret,
            "OS_APPLICATION_CREDENTIAL_SECRET",
        ),
        "token" | "v3token" => (&mut a.token, "OS_TOKEN"),
        _ => return e,
    };
    if slot.is_none() {
        *slot = env(var);
    }
    e
}

/// The entry in its region: `chosen`, else its `region_name`, else the only
/// one its `regions` lists; that region's `values` win over the entry's keys.
pub(super) fn pick_region(
    name: &str,
    source: &str,
    mut entry: CloudEntry,
    chosen: Option<&str>,
) -> Result<CloudEntry, CloudError> {
    let regions = entry.regions.take().unwrap_or_default();
    let wanted = chosen.map(str::to_owned).or(entry.region_name.clone());
    if regions.is_empty() {
        entry.region_name = wanted;
        return Ok(entry);
    }
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let list = names.join(", ");
    let wanted = match wanted {
        Some(w) => w,
        None if regions.len() == 1 => names[0].to_owned(),
        None => {
            return Err(CloudError::Incomplete {
                cloud: name.into(),
                source_of: source.into(),
                what: format!("it lists several regions ({list}) and none is chosen"),
                help: format!(
                    "choose one with --region NAME or `region_name: {}` in the entry",
                    names[0]
                ),
            });
        }
    };
    let Some(found) = regions.into_iter().find(|r| r.name == wanted) else {
        return Err(CloudError::Incomplete {
            cloud: name.into(),
            source_of: source.into(),
            what: format!("it has no region `{wanted}`; its regions are {list}"),
            help: "choose one of its regions with --region NAME or `region_name`".into(),
        });
    };
    let mut entry = match found.values {
        Some(values) => values.or(entry),
        None => entry,
    };
    entry.region_name = Some(found.name);
    Ok(entry)
}

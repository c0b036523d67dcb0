//! TLS as private clouds have it: a private certificate authority added to
//! the system roots, a client certificate for mutual TLS, and `verify: false`.
//!
//! Settings come in layers — a target file's `tls` for one API, its
//! top-level `tls`, the `OS_CACERT`/`OS_CERT`/`OS_KEY`/`OS_INSECURE`
//! variables (and `--insecure`), then the `clouds.yaml` entry's `cacert`,
//! `cert`, `key` and `verify` — stacked with [`TlsSpec::over`], then read
//! once with [`TlsSpec::load`] into a [`Tls`]. Every HTTP client of the
//! harness (the sign-in and the cases) starts from [`client_builder`], so a
//! setting cannot apply to one and not the other. [`explain`] turns a TLS
//! failure into a sentence that says which, for which host, and what to set.
//!
//! The key of a client certificate is a secret: its path may be shown, its
//! content never (`Debug` leaves it out, and no error quotes the file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

use super::Secret;
use super::cloud::Env;
use crate::yaml::{Located, Pos};

/// Where one setting was given, so that an error can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    /// A key of a YAML file (a target file or clouds.yaml).
    File {
        path: PathBuf,
        text: Arc<str>,
        pos: Option<Pos>,
        key: String,
    },
    /// An environment variable.
    Env(&'static str),
    /// A command-line flag.
    Flag(&'static str),
}

impl Given {
    /// How messages name it: "`cacert` in clouds.yaml", "OS_CACERT".
    pub fn describe(&self) -> String {
        match self {
            Given::File { path, key, .. } => format!("`{key}` in {}", path.display()),
            Given::Env(v) => (*v).to_owned(),
            Given::Flag(f) => (*f).to_owned(),
        }
    }
}

/// One setting and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub given: Given,
}

impl<T> Setting<T> {
    pub fn new(value: T, given: Given) -> Setting<T> {
        Setting { value, given }
    }
}

/// TLS settings as given; no file read yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSpec {
    /// PEM file of extra certificate authorities (added to the system roots).
    pub ca_file: Option<Setting<PathBuf>>,
    /// PEM file of the client certificate (and its chain).
    pub cert_file: Option<Setting<PathBuf>>,
    /// PEM file of the client certificate's private key.
    pub key_file: Option<Setting<PathBuf>>,
    /// `false` turns certificate verification off.
    pub verify: Option<Setting<bool>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A setting read from a file: drawn with the file, line and column.
    #[error("{}", .0.render())]
    Located(Box<Located>),
    #[error("error: {what} ({given})\n  = help: {help}")]
    Plain {
        what: String,
        given: String,
        help: String,
    },
}

fn fail(given: &Given, what: String, label: String, help: &str) -> TlsError {
    match given {
        Given::File {
            path, text, pos, ..
        } => TlsError::Located(Box::new(
            Located::new(path, text, *pos, what).label(label).help(help),
        )),
        Given::Env(_) | Given::Flag(_) => TlsError::Plain {
            what: format!("{what}: {label}"),
            given: format!("from {}", given.describe()),
            help: help.to_owned(),
        },
    }
}

impl TlsSpec {
    /// `self` with the settings it lacks taken from `lower`.
    pub fn over(self, lower: TlsSpec) -> TlsSpec {
        TlsSpec {
            ca_file: self.ca_file.or(lower.ca_file),
            cert_file: self.cert_file.or(lower.cert_file),
            key_file: self.key_file.or(lower.key_file),
            verify: self.verify.or(lower.verify),
        }
    }

    /// `OS_CACERT`, `OS_CERT`, `OS_KEY` and `OS_INSECURE`, as the OpenStack
    /// command-line tools read them.
    pub fn from_env(env: Env<'_>) -> Result<TlsSpec, TlsError> {
        let path = |var: &'static str| env(var).map(|v| Setting::new(v.into(), Given::Env(var)));
        let verify = match env("OS_INSECURE") {
            None => None,
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Some(false),
                "0" | "false" | "no" | "off" => Some(true),
                _ => {
                    return Err(fail(
                        &Given::Env("OS_INSECURE"),
                        "OS_INSECURE is neither true nor false".into(),
                        format!("`{v}` is not a boolean"),
                        "set OS_INSECURE=true to skip certificate verification, or unset it",
                    ));
                }
            },
        };
        Ok(TlsSpec {
            ca_file: path("OS_CACERT"),
            cert_file: path("OS_CERT"),
            key_file: path("OS_KEY"),
            verify: verify.map(|v| Setting::new(v, Given::Env("OS_INSECURE"))),
        })
    }

    /// `--insecure`: certificates are not verified, whatever else says.
    pub fn insecure_flag() -> TlsSpec {
        TlsSpec {
            verify: Some(Setting::new(false, Given::Flag("--insecure"))),
            ..TlsSpec::default()
        }
    }

    /// Reads the files: each CA file must hold a certificate, a client
    /// certificate needs its key (and the key its certificate), and the key
    /// must belong to the certificate.
    pub fn load(&self) -> Result<Tls, TlsError> {
        let ca = match &self.ca_file {
            Some(s) => Some((s.value.clone(), read_certs(s, "CA file")?)),
            None => None,
        };
        let client = match (&self.cert_file, &self.key_file) {
            (None, None) => None,
            (Some(c), None) => {
                return Err(fail(
                    &c.given,
                    "a client certificate without its key".into(),
                    format!("{} is set, its private key is not", c.value.display()),
                    "set `key` (clouds.yaml), OS_KEY or `key_file` (target file) as well",
                ));
            }
            (None, Some(k)) => {
                return Err(fail(
                    &k.given,
                    "a private key without its client certificate".into(),
                    format!("{} is set, the certificate is not", k.value.display()),
                    "set `cert` (clouds.yaml), OS_CERT or `cert_file` (target file) as well",
                ));
            }
            (Some(c), Some(k)) => Some(read_client(c, k)?),
        };
        let unverified = self
            .verify
            .as_ref()
            .filter(|v| !v.value)
            .map(|v| v.given.describe());
        Ok(Tls {
            ca,
            client,
            unverified,
        })
    }
}

/// The certificates of a PEM file; at least one.
fn read_certs(s: &Setting<PathBuf>, what: &str) -> Result<Vec<Vec<u8>>, TlsError> {
    let bytes = read(s, what)?;
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .map(|c| c.as_ref().to_vec())
        .collect();
    if certs.is_empty() {
        return Err(fail(
            &s.given,
            format!("the {what} {} holds no certificate", s.value.display()),
            "no `-----BEGIN CERTIFICATE-----` block in it".into(),
            "give the PEM file of the certificate authority that signed the server's certificate",
        ));
    }
    Ok(certs)
}

fn read(s: &Setting<PathBuf>, what: &str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(&s.value).map_err(|e| {
        fail(
            &s.given,
            format!("cannot read the {what} {}", s.value.display()),
            e.to_string(),
            "give the path of a PEM file (relative paths in a target file start at its folder)",
        )
    })
}

/// A client certificate and its key, checked to belong together.
fn read_client(c: &Setting<PathBuf>, k: &Setting<PathBuf>) -> Result<ClientCert, TlsError> {
    let certs = read_certs(c, "client certificate file")?;
    let key_bytes = read(k, "private key file")?;
    // Never quote the key file: whatever it holds may be the secret.
    let Ok(key) = PrivateKeyDer::from_pem_slice(&key_bytes) else {
        return Err(fail(
            &k.given,
            format!("the key file {} holds no private key", k.value.display()),
            "no PKCS#8, PKCS#1 (RSA) or SEC1 (EC) private key in PEM form".into(),
            "give the PEM file of the client certificate's private key",
        ));
    };
    let chain = certs
        .iter()
        .map(|d| CertificateDer::from(d.clone()))
        .collect();
    let provider = rustls::crypto::ring::default_provider();
    if let Err(e) = rustls::sign::CertifiedKey::from_der(chain, key, &provider) {
        return Err(fail(
            &k.given,
            format!(
                "the key {} does not fit the client certificate {}",
                k.value.display(),
                c.value.display()
            ),
            e.to_string(),
            "give the private key that was made with this certificate",
        ));
    }
    let (Ok(cert_pem), Ok(key_pem)) = (
        std::fs::read_to_string(&c.value),
        String::from_utf8(key_bytes),
    ) else {
        return Err(fail(
            &c.given,
            "a client certificate or key that is not PEM text".into(),
            format!("{} or {}", c.value.display(), k.value.display()),
            "give PEM files (text beginning with -----BEGIN)",
        ));
    };
    Ok(ClientCert {
        cert_file: c.value.clone(),
        key_file: k.value.clone(),
        pem: Secret::new(format!("{cert_pem}\n{key_pem}")),
    })
}

/// TLS settings read and checked: what every HTTP client is built with.
/// The default trusts the system roots only and verifies certificates.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// The CA file and the DER certificates it holds.
    ca: Option<(PathBuf, Vec<Vec<u8>>)>,
    client: Option<ClientCert>,
    /// Set when certificates are not verified: what said so.
    unverified: Option<String>,
}

#[derive(Clone, PartialEq, Eq)]
struct ClientCert {
    cert_file: PathBuf,
    key_file: PathBuf,
    /// The certificate and key, as reqwest takes them; never shown.
    pem: Secret,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("ca_file", &self.ca_file())
            .field("client_cert", &self.client_cert())
            .field("unverified", &self.unverified)
            .finish()
    }
}

impl Tls {
    /// The file of the extra certificate authorities, if any.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca.as_ref().map(|(p, _)| p.as_path())
    }

    /// The client certificate's file and its key's file, if any.
    pub fn client_cert(&self) -> Option<(&Path, &Path)> {
        self.client
            .as_ref()
            .map(|c| (c.cert_file.as_path(), c.key_file.as_path()))
    }

    /// True unless certificate verification is off.
    pub fn verifies(&self) -> bool {
        self.unverified.is_none()
    }

    /// What turned verification off (`--insecure`, `OS_INSECURE`, a file's key).
    pub fn unverified_by(&self) -> Option<&str> {
        self.unverified.as_deref()
    }

    /// The same settings as `curl` options (` --cacert FILE`, ` --cert FILE
    /// --key FILE`, ` -k`), so that a repeated request goes as this one did.
    pub fn curl_args(&self) -> String {
        let q = |p: &Path| {
            let s = p.display().to_string();
            shlex::try_quote(&s).map_or_else(|_| format!("'{s}'"), |c| c.into_owned())
        };
        let mut out = String::new();
        if let Some(ca) = self.ca_file() {
            out.push_str(&format!(" --cacert {}", q(ca)));
        }
        if let Some((cert, key)) = self.client_cert() {
            out.push_str(&format!(" --cert {} --key {}", q(cert), q(key)));
        }
        if !self.verifies() {
            out.push_str(" -k");
        }
        out
    }

    /// `builder` with these settings: the CA added to the system roots, the
    /// client certificate, and verification off when asked.
    pub fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> reqwest::Result<reqwest::ClientBuilder> {
        if let Some((_, certs)) = &self.ca {
            let roots = certs
                .iter()
                .map(|der| reqwest::Certificate::from_der(der))
                .collect::<reqwest::Result<Vec<_>>>()?;
            builder = builder.tls_certs_merge(roots);
        }
        if let Some(c) = &self.client {
            builder = builder.identity(reqwest::Identity::from_pem(c.pem.expose().as_bytes())?);
        }
        if self.unverified.is_some() {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        Ok(builder)
    }
}

/// Where every HTTP client of the harness starts: the crypto provider
/// installed, redirects not followed, nothing retried, our user agent, and
/// `tls` applied. Callers add their timeouts (and proxy choice).
pub fn client_builder(tls: &Tls) -> reqwest::Result<reqwest::ClientBuilder> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Another part of the process may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .user_agent(concat!("restart-conformance/", env!("CARGO_PKG_VERSION")));
    tls.apply(builder)
}

/// A target file's `tls` block, top level or under one API.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TlsFile {
    #[serde(default)]
    ca_file: Option<serde_saphyr::Spanned<String>>,
    #[serde(default)]
    cert_file: Option<serde_saphyr::Spanned<String>>,
    #[serde(default)]
    key_file: Option<serde_saphyr::Spanned<String>>,
    #[serde(default)]
    verify: Option<serde_saphyr::Spanned<bool>>,
}

impl TlsFile {
    /// The settings, located in the file at `path`; relative paths start
    /// at the file's folder.
    pub(crate) fn spec(&self, path: &Path, text: &Arc<str>) -> TlsSpec {
        let dir = path.parent().unwrap_or(Path::new(""));
        let given = |key: &str, at: &serde_saphyr::Location| Given::File {
            path: path.to_owned(),
            text: text.clone(),
            pos: Some(Pos::from_saphyr(at)),
            key: key.to_owned(),
        };
        let file = |key: &str, v: &Option<serde_saphyr::Spanned<String>>| {
            v.as_ref()
                .map(|s| Setting::new(dir.join(&s.value), given(key, &s.referenced)))
        };
        TlsSpec {
            ca_file: file("ca_file", &self.ca_file),
            cert_file: file("cert_file", &self.cert_file),
            key_file: file("key_file", &self.key_file),
            verify: self
                .verify
                .as_ref()
                .map(|v| Setting::new(v.value, given("verify", &v.referenced))),
        }
    }
}

/// The TLS of each API: its own settings over the shared ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsPlan {
    shared: Arc<Tls>,
    apis: BTreeMap<String, Arc<Tls>>,
}

impl TlsPlan {
    /// Reads the files of the shared layers `top` and of each API's own
    /// layer (over `top`).
    pub fn load(top: &TlsSpec, per_api: &BTreeMap<String, TlsSpec>) -> Result<TlsPlan, TlsError> {
        let shared = Arc::new(top.load()?);
        let mut apis = BTreeMap::new();
        for (api, own) in per_api {
            apis.insert(api.clone(), Arc::new(own.clone().over(top.clone()).load()?));
        }
        Ok(TlsPlan { shared, apis })
    }

    /// What requests to `api` use.
    pub fn for_api(&self, api: &str) -> &Tls {
        self.apis.get(api).unwrap_or(&self.shared)
    }

    /// What every other request uses (a redirect to another host, say).
    pub fn shared(&self) -> &Tls {
        &self.shared
    }
}

/// The run's TLS for the reports, from each URL and the TLS it is reached
/// with; `None` when nothing differs from the system's defaults.
pub fn info<'a>(
    used: impl IntoIterator<Item = (&'a String, &'a Tls)>,
) -> Option<crate::model::TlsInfo> {
    let mut out = crate::model::TlsInfo::default();
    for (url, tls) in used {
        let host = host_of(url);
        if let Some(by) = tls.unverified_by() {
            if !out.not_verified.contains(&host) {
                out.not_verified.push(host);
            }
            if !out.not_verified_by.iter().any(|b| b == by) {
                out.not_verified_by.push(by.to_owned());
            }
        }
        if let Some(ca) = tls.ca_file().map(|p| p.display().to_string())
            && !out.ca_files.contains(&ca)
        {
            out.ca_files.push(ca);
        }
        if let Some(cert) = tls.client_cert().map(|(c, _)| c.display().to_string())
            && !out.client_certificates.contains(&cert)
        {
            out.client_certificates.push(cert);
        }
    }
    let empty = out.not_verified.is_empty()
        && out.ca_files.is_empty()
        && out.client_certificates.is_empty();
    (!empty).then_some(out)
}

/// `host:port` of a URL, as the TLS sentences name it.
pub fn host_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port_or_known_default()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => url.to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

const SET_CA: &str = "set `cacert` (clouds.yaml), OS_CACERT or `tls: { ca_file }` (target file) to the PEM file of the certificate authority that signed it, or `verify: false` (OS_INSECURE, --insecure) to skip the check";
const SET_CERT: &str = "set `cert` and `key` (clouds.yaml), OS_CERT and OS_KEY, or `tls: { cert_file, key_file }` (target file)";

/// A TLS failure anywhere in `e`'s causes as a plain sentence: which
/// failure, for which host, and what to set. `None` when it is not one.
pub fn explain(e: &(dyn std::error::Error + 'static), url: &str) -> Option<String> {
    use rustls::{AlertDescription as A, CertificateError as C, Error as R};
    let tls = rustls_error(e)?;
    let host = host_of(url);
    let name = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| host.clone());
    Some(match tls {
        R::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => format!(
            "the certificate of {host} is signed by a certificate authority this machine does not trust (unknown CA); {SET_CA}"
        ),
        R::InvalidCertificate(C::NotValidForName) => format!(
            "the certificate of {host} is not valid for the name {name} (name mismatch); use a URL with a name the certificate holds, or `verify: false` to skip the check"
        ),
        R::InvalidCertificate(C::NotValidForNameContext { presented, .. }) => format!(
            "the certificate of {host} is not valid for the name {name} (name mismatch: it holds {}); use a URL with a name the certificate holds, or `verify: false` to skip the check",
            if presented.is_empty() {
                "no name".to_owned()
            } else {
                presented
                    .iter()
                    .map(|p| bare_name(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        R::InvalidCertificate(C::Expired) => format!(
            "the certificate of {host} has expired; renew it on the server, or set `verify: false` to skip the check"
        ),
        R::InvalidCertificate(C::ExpiredContext { not_after, .. }) => format!(
            "the certificate of {host} has expired (on {}); renew it on the server, or set `verify: false` to skip the check",
            unix_date(not_after.as_secs())
        ),
        R::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => format!(
            "the certificate of {host} is not valid yet (check this machine's clock); or set `verify: false` to skip the check"
        ),
        R::AlertReceived(A::CertificateRequired) => {
            format!("{host} requires a client certificate and none was sent; {SET_CERT}")
        }
        R::AlertReceived(
            a @ (A::BadCertificate
            | A::UnknownCA
            | A::CertificateUnknown
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::AccessDenied
            | A::HandshakeFailure),
        ) => format!(
            "{host} refused the TLS handshake ({a:?}): it wants a client certificate it trusts; {SET_CERT}, with a certificate its CA signed"
        ),
        other => format!("the TLS handshake with {host} failed: {other}"),
    })
}

/// `elsewhere.example` from rustls's `DnsName("elsewhere.example")`.
fn bare_name(presented: &str) -> &str {
    match (presented.find('"'), presented.rfind('"')) {
        (Some(a), Some(b)) if b > a => &presented[a + 1..b],
        _ => presented,
    }
}

fn unix_date(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(
            || format!("{secs} s after 1970"),
            |d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
}

/// The first rustls error among `e`'s causes; I/O errors are looked into,
/// since rustls's errors travel inside them.
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && let Some(r) = rustls_error(inner)
        {
            return Some(r);
        }
        next = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: std::collections::BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn layers_stack_setting_by_setting() {
        let file = TlsSpec {
            ca_file: Some(Setting::new("a.pem".into(), Given::Env("OS_CACERT"))),
            ..TlsSpec::default()
        };
        let env =
            TlsSpec::from_env(&env_of(&[("OS_CACERT", "b.pem"), ("OS_INSECURE", "true")])).unwrap();
        let s = file.over(env);
        assert_eq!(s.ca_file.unwrap().value, PathBuf::from("a.pem"));
        assert_eq!(s.verify.map(|v| v.value), Some(false));
        let e = TlsSpec::from_env(&env_of(&[("OS_INSECURE", "maybe")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("OS_INSECURE") && e.contains("maybe"), "{e}");
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let spec = |p: &Path| TlsSpec {
            ca_file: Some(Setting::new(p.to_owned(), Given::Env("OS_CACERT"))),
            ..TlsSpec::default()
        };
        let e = spec(&empty).load().unwrap_err().to_string();
        assert!(
            e.contains("holds no certificate") && e.contains("empty.pem"),
            "{e}"
        );
        assert!(e.contains("OS_CACERT"), "{e}");
        let gone = dir.path().join("gone.pem");
        let e = spec(&gone).load().unwrap_err().to_string();
        assert!(
            e.contains("cannot read the CA file") && e.contains("gone.pem"),
            "{e}"
        );
    }

    #[test]
    fn verify_false_says_who_said_so() {
        let t = TlsSpec::insecure_flag().load().unwrap();
        assert!(!t.verifies());
        assert_eq!(t.unverified_by(), Some("--insecure"));
        assert_eq!(t.curl_args(), " -k");
        assert!(Tls::default().verifies());
    }

    #[test]
    fn a_key_that_is_no_key_is_refused_without_quoting_it() {
        let dir = tempfile::tempdir().unwrap();
        let ca = rcgen::generate_simple_self_signed(vec!["client".into()]).unwrap();
        let cert = dir.path().join("c.pem");
        std::fs::write(&cert, ca.cert.pem()).unwrap();
        let key = dir.path().join("k.pem");
        std::fs::write(&key, "SECRET-LOOKING-LINE\n").unwrap();
        let spec = TlsSpec {
            cert_file: Some(Setting::new(cert.clone(), Given::Env("OS_CERT"))),
            key_file: Some(Setting::new(key.clone(), Given::Env("OS_KEY"))),
            ..TlsSpec::default()
        };
        let e = spec.load().unwrap_err().to_string();
        assert!(
            e.contains("holds no private key") && !e.contains("SECRET-LOOKING"),
            "{e}"
        );
        // Another key than the certificate's.
        let other = rcgen::KeyPair::generate().unwrap();
        std::fs::write(&key, other.serialize_pem()).unwrap();
        let e = spec.load().unwrap_err().to_string();
        assert!(e.contains("does not fit"), "{e}");
        assert!(!e.contains("PRIVATE KEY"), "{e}");
        // The right key: loaded, and its content is not in Debug.
        std::fs::write(&key, ca.signing_key.serialize_pem()).unwrap();
        let t = spec.load().unwrap();
        assert_eq!(t.client_cert().map(|(c, _)| c), Some(cert.as_path()));
        assert!(!format!("{t:?}").contains("PRIVATE KEY"));
        let half = TlsSpec {
            key_file: None,
            ..spec
        };
        assert!(
            half.load()
                .unwrap_err()
                .to_string()
                .contains("without its key")
        );
    }
}

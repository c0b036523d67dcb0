//! What `serve` prints once it listens: where, how long a restart lasts, the TLS files, then
//! each file a client needs, ready to use as printed.
//!
//! Each file starts at a comment line naming it (`# target.yaml: …`) and ends at the next empty
//! line, so that `sed -n '/^# target.yaml:/,/^$/p' serve.out > target.yaml` copies exactly one
//! (its comment line included, which YAML ignores). No two files share a name, and no file
//! holds an empty line. The last line, `# ready: …`, says that everything is printed. No
//! secret is printed: the token, the secret key and the API key are named by their variable.
//!
//! ```text
//! # reference server on http://127.0.0.1:8080; a restart lasts 5 s (--reboot-seconds)
//! # Each file below starts at its `# NAME:` line and ends at the next empty line: …
//!
//! # target.yaml: …
//! auth:
//!   token_env: "OS_AUTH_TOKEN"
//! apis:
//!   …
//!
//! # clouds.yaml: …
//! # cloud-target.yaml: …
//! # aksk-target.yaml: …
//! # Huawei Cloud SDKs …
//!
//! # ready: serving until Ctrl-C
//! ```

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::server::ReferenceServer;

/// The token target file: every API with its base URL and a fixed token.
pub const TARGET_FILE: &str = "target.yaml";
/// Both sign-ins: cloud `reference` (Keystone v3) and cloud `rackspace` (Identity v2.0).
pub const CLOUDS_FILE: &str = "clouds.yaml";
/// The resources only, for either cloud.
pub const CLOUD_TARGET_FILE: &str = "cloud-target.yaml";
/// Every API signed with AK/SK.
pub const AKSK_TARGET_FILE: &str = "aksk-target.yaml";
/// The cloud names in [`CLOUDS_FILE`].
pub const KEYSTONE_CLOUD: &str = "reference";
pub const RACKSPACE_CLOUD: &str = "rackspace";
/// The variables the AK/SK target file names, the Huawei Cloud SDKs' own.
const AK_ENV: &str = "HUAWEICLOUD_SDK_AK";
const SK_ENV: &str = "HUAWEICLOUD_SDK_SK";

/// What the banner says beside what the server knows.
#[derive(Debug, Clone, Copy)]
pub struct Banner<'a> {
    /// The variable holding the token (also the password, secret key and API key).
    pub token_env: &'a str,
    /// How long a restart lasts (`--reboot-seconds`).
    pub reboot: Duration,
    /// `--client-ca FILE`: client certificates must be signed by that CA.
    pub client_ca: Option<&'a Path>,
}

impl ReferenceServer {
    /// The text `serve` prints, ending with a newline.
    pub fn banner(&self, b: &Banner<'_>) -> String {
        let env = b.token_env;
        let scheme = if self.tls_files().is_some() {
            "https"
        } else {
            "http"
        };
        let addr = self.local_addr();
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = writeln!(
            out,
            "# reference server on {scheme}://{addr}; a restart lasts {} s (--reboot-seconds)",
            b.reboot.as_secs_f64()
        );
        if let Some(files) = self.tls_files() {
            let _ = writeln!(
                out,
                "# CA certificate (trust it with cacert, OS_CACERT or tls.ca_file): {}",
                files.ca_file.display()
            );
            match (&files.client, b.client_ca) {
                (Some((cert, key)), _) => {
                    let _ = writeln!(
                        out,
                        "# a client certificate is required; one is in {} (key: {})",
                        cert.display(),
                        key.display()
                    );
                }
                (None, Some(ca)) => {
                    let _ = writeln!(
                        out,
                        "# a client certificate signed by {} is required",
                        ca.display()
                    );
                }
                (None, None) => {}
            }
        }
        let _ = writeln!(
            out,
            "# Each file below starts at its `# NAME:` line and ends at the next empty line: sed -n '/^# {TARGET_FILE}:/,/^$/p' serve.out > {TARGET_FILE}\n"
        );
        block(
            &mut out,
            TARGET_FILE,
            &format!("a fixed token, the value of ${env}; run --target {TARGET_FILE}"),
            &self.target_yaml(env),
        );
        block(
            &mut out,
            CLOUDS_FILE,
            &format!(
                "cloud `{KEYSTONE_CLOUD}` signs in to Keystone v3 at {} (user demo, password), cloud `{RACKSPACE_CLOUD}` to Rackspace Identity v2.0 at {} (user demo, API key); the password and the API key are the value of ${env}, for secure.yaml",
                self.identity_url(),
                self.identity_v2_url()
            ),
            &self.all_clouds_yaml(KEYSTONE_CLOUD, RACKSPACE_CLOUD, env),
        );
        block(
            &mut out,
            CLOUD_TARGET_FILE,
            &format!(
                "the resources only, the base URLs from the catalog; run --target {CLOUD_TARGET_FILE} (cloud `{KEYSTONE_CLOUD}`), or add --cloud {RACKSPACE_CLOUD} for the API key"
            ),
            &self.cloud_target_yaml(KEYSTONE_CLOUD),
        );
        block(
            &mut out,
            AKSK_TARGET_FILE,
            &format!(
                "every request signed with AK/SK (SDK-HMAC-SHA256); export {AK_ENV}={} {SK_ENV}=\"${env}\", then run --target {AKSK_TARGET_FILE}",
                self.access_key()
            ),
            &self.aksk_target_yaml(AK_ENV, SK_ENV),
        );
        let _ = writeln!(
            out,
            "# Huawei Cloud SDKs (huaweicloudsdkddm, huaweicloudsdkmodelarts): with_endpoints([\"{scheme}://{addr}\"]) and BasicCredentials(ak, sk, project_id) with the key pair and project_id above; they keep only the endpoint's host, so DDM and ModelArts also answer at the root\n"
        );
        let _ = writeln!(out, "# ready: serving until Ctrl-C");
        out
    }
}

/// One file: its `# NAME: what` line, its text, an empty line.
fn block(out: &mut String, name: &str, what: &str, yaml: &str) {
    let _ = writeln!(out, "# {name}: {what}");
    out.push_str(yaml);
    if !yaml.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::reference::{IdentityConfig, ReferenceConfig, TlsOptions};

    fn config(token: &str) -> ReferenceConfig {
        ReferenceConfig {
            reboot: Duration::from_millis(300),
            faults: BTreeSet::new(),
            token: token.into(),
            resources: 2,
        }
    }

    /// The lines from `# NAME:` to the first empty line, as `sed -n '/^# NAME:/,/^$/p'` copies them.
    fn sed(text: &str, name: &str) -> String {
        let marker = format!("# {name}:");
        let mut copied = String::new();
        let mut inside = false;
        for line in text.lines() {
            if !inside && line.starts_with(&marker) {
                inside = true;
            }
            if inside {
                copied.push_str(line);
                copied.push('\n');
                if line.is_empty() {
                    inside = false;
                }
            }
        }
        copied
    }

    fn banner_of(server: &ReferenceServer) -> String {
        server.banner(&Banner {
            token_env: "OS_AUTH_TOKEN",
            reboot: Duration::from_millis(300),
            client_ca: None,
        })
    }

    #[tokio::test]
    async fn each_file_is_copied_alone_and_parses() {
        let server = ReferenceServer::start(([127, 0, 0, 1], 0).into(), config("tok-Banner-1"))
            .await
            .unwrap();
        let text = banner_of(&server);
        assert!(!text.contains("tok-Banner-1"), "{text}");
        assert!(text.contains("a restart lasts 0.3 s (--reboot-seconds)"));
        assert!(text.ends_with("# ready: serving until Ctrl-C\n"), "{text}");
        for name in [
            TARGET_FILE,
            CLOUDS_FILE,
            CLOUD_TARGET_FILE,
            AKSK_TARGET_FILE,
        ] {
            let copied = sed(&text, name);
            // One block: a single marker line, a single top-level key of each kind.
            assert_eq!(copied.matches(&format!("# {name}:")).count(), 1, "{copied}");
            let doc: serde_json::Value = serde_saphyr::from_str(&copied)
                .unwrap_or_else(|e| panic!("{name} does not parse: {e}\n{copied}"));
            assert!(doc.is_object(), "{name}: {copied}");
        }
        let clouds: serde_json::Value = serde_saphyr::from_str(&sed(&text, CLOUDS_FILE)).unwrap();
        assert!(clouds["clouds"][KEYSTONE_CLOUD].is_object(), "{clouds}");
        assert_eq!(clouds["clouds"][RACKSPACE_CLOUD]["profile"], "rackspace");
        server.shutdown().await;
    }

    /// Under `--tls --client-ca`, every file that reaches the server carries the CA and the
    /// minted client certificate: the token and AK/SK targets as `tls`, both clouds as `cacert`.
    #[tokio::test]
    async fn every_file_carries_the_ca_and_client_certificate_under_tls() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = TlsOptions::in_dir(dir.path().join("tls"));
        opts.client_ca = Some(crate::reference::ClientCa::Minted);
        let server = ReferenceServer::start_tls(
            ([127, 0, 0, 1], 0).into(),
            config("tok-Banner-2"),
            IdentityConfig::new("tok-Banner-2"),
            &opts,
        )
        .await
        .unwrap();
        let files = server.tls_files().unwrap().clone();
        let (cert, key) = files.client.clone().unwrap();
        let text = banner_of(&server);
        let path = |p: &std::path::Path| p.display().to_string();
        for name in [TARGET_FILE, AKSK_TARGET_FILE] {
            let doc: serde_json::Value = serde_saphyr::from_str(&sed(&text, name)).unwrap();
            assert_eq!(doc["tls"]["ca_file"], path(&files.ca_file), "{name}");
            assert_eq!(doc["tls"]["cert_file"], path(&cert), "{name}");
            assert_eq!(doc["tls"]["key_file"], path(&key), "{name}");
        }
        let clouds: serde_json::Value = serde_saphyr::from_str(&sed(&text, CLOUDS_FILE)).unwrap();
        for cloud in [KEYSTONE_CLOUD, RACKSPACE_CLOUD] {
            let c = &clouds["clouds"][cloud];
            assert_eq!(c["cacert"], path(&files.ca_file), "{cloud}");
            assert_eq!(c["cert"], path(&cert), "{cloud}");
            assert_eq!(c["key"], path(&key), "{cloud}");
            assert!(
                c["auth"]["auth_url"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://")
            );
        }
        server.shutdown().await;
    }
}

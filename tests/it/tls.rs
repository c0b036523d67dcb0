//! TLS as private clouds have it, against the embedded server over HTTPS
//! (`serve --tls` in-process): trusted through `tls.ca_file`, `OS_CACERT`
//! and clouds.yaml `cacert`; refused without them with a sentence and
//! nothing sent; mutual TLS with and without the client certificate;
//! `verify: false` said in every report; bad CA files; `regions:` lists.
//! Every output is searched for the password and the client key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use restart_conformance::reference::{
    ClientCa, IdentityConfig, ReferenceConfig, ReferenceServer, TlsOptions,
};

const PASSWORD: &str = "pw-Tls7-never-printed";
const TOKEN: &str = "fixed-token-Tls9-never-printed";
/// One real restart through TLS, with its status polls.
const ONE_CASE: &[&str] = &["--exact", "ecs::v2.1::reboot_soft"];

struct Https {
    rt: tokio::runtime::Runtime,
    server: Option<ReferenceServer>,
    dir: tempfile::TempDir,
}

impl Https {
    fn start(tweak: impl FnOnce(&mut TlsOptions)) -> Https {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut opts = TlsOptions::in_dir(dir.path().join("ca"));
        tweak(&mut opts);
        let config = ReferenceConfig {
            reboot: Duration::from_millis(100),
            faults: Default::default(),
            token: TOKEN.into(),
            resources: 1,
        };
        let server = rt
            .block_on(ReferenceServer::start_tls(
                ([127, 0, 0, 1], 0).into(),
                config,
                IdentityConfig::new(PASSWORD),
                &opts,
            ))
            .unwrap();
        let https = Https {
            rt,
            server: Some(server),
            dir,
        };
        https.write("target.yaml", &https.server().target_yaml("OS_AUTH_TOKEN"));
        https
    }

    fn server(&self) -> &ReferenceServer {
        self.server.as_ref().unwrap()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }

    fn ca_file(&self) -> String {
        self.server()
            .tls_files()
            .unwrap()
            .ca_file
            .display()
            .to_string()
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.server().local_addr().port())
    }

    /// The printed target file without its `tls` block (lines from `tls:` to `apis:`).
    fn target_without_tls(&self) -> String {
        let full = self.server().target_yaml("OS_AUTH_TOKEN");
        let mut out = String::new();
        let mut skipping = false;
        for line in full.lines() {
            if line == "tls:" {
                skipping = true;
            } else if !line.starts_with(' ') {
                skipping = false;
            }
            if !skipping {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    /// The printed clouds.yaml, the password in secure.yaml, the cloud target file.
    fn sign_in_files(&self, clouds: &str) {
        self.write("clouds.yaml", clouds);
        self.write(
            "secure.yaml",
            &format!("clouds:\n  reference:\n    auth:\n      password: \"{PASSWORD}\"\n"),
        );
        self.write("cloud.yaml", &self.server().cloud_target_yaml("reference"));
    }

    /// The binary, in the temporary folder, with a clean environment and the token set.
    fn cmd(&self, target: &str, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("restart-conformance").unwrap();
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("HOME", self.dir.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OS_AUTH_TOKEN", TOKEN)
            .arg("run")
            .args(["--target", target, "--report-dir", "reports"])
            .args(["--poll-interval", "0.02", "--restart-grace", "1"])
            .args(["--lifecycle-timeout", "10", "--request-timeout", "5"])
            .args(args);
        cmd
    }

    /// stdout, stderr and every report, checked for the secrets and the key.
    fn outputs(&self, out: &std::process::Output) -> String {
        let mut all = String::from_utf8_lossy(&out.stdout).into_owned();
        all.push_str(&String::from_utf8_lossy(&out.stderr));
        if let Ok(entries) = std::fs::read_dir(self.path("reports")) {
            for e in entries {
                all.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap_or_default());
            }
        }
        assert!(!all.contains(PASSWORD), "the password was printed:\n{all}");
        assert!(!all.contains(TOKEN), "the token was printed:\n{all}");
        if let Some((_, key)) = self.server().tls_files().and_then(|f| f.client.clone()) {
            assert_no_key_content(&key, &all);
        }
        all
    }

    fn report(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.path("reports/report.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn clean_reports(&self) {
        let _ = std::fs::remove_dir_all(self.path("reports"));
    }
}

impl Drop for Https {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

/// No line of the key's base64 body (nor the key whole) is in `text`.
fn assert_no_key_content(key: &Path, text: &str) {
    let pem = std::fs::read_to_string(key).unwrap();
    assert!(pem.contains("PRIVATE KEY"));
    for line in pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
    {
        assert!(!text.contains(line), "key content was printed:\n{text}");
    }
}

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output().unwrap()
}

fn code(out: &std::process::Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Every case ended without a single exchange: nothing was sent.
fn nothing_sent(report: &serde_json::Value) {
    let cases = report["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        assert_eq!(c["outcome"], "errored", "{c}");
        assert!(
            c["exchanges"].as_array().is_none_or(Vec::is_empty),
            "a request was sent: {c}"
        );
    }
}

#[test]
fn a_private_ca_is_trusted_through_tls_ca_file_and_os_cacert() {
    let h = Https::start(|_| {});
    let out = run(h.cmd("target.yaml", ONE_CASE).arg("-q"));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    let r = h.report();
    assert_eq!(r["summary"]["passed"], 1, "{r}");
    assert_eq!(r["run"]["tls"]["ca_files"][0], h.ca_file(), "{r}");
    assert_eq!(
        r["run"]["tls"]["not_verified"],
        serde_json::json!([]),
        "{r}"
    );

    h.clean_reports();
    h.write("plain.yaml", &h.target_without_tls());
    let out = run(h
        .cmd("plain.yaml", ONE_CASE)
        .arg("-q")
        .env("OS_CACERT", h.ca_file()));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    assert_eq!(h.report()["run"]["tls"]["ca_files"][0], h.ca_file());
}

#[test]
fn without_the_ca_the_reachability_line_says_so_and_nothing_is_sent() {
    let h = Https::start(|_| {});
    h.write("plain.yaml", &h.target_without_tls());
    let out = run(&mut h.cmd("plain.yaml", &["ecs::"]));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 1, "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error: ecs cannot be reached"))
        .unwrap_or_else(|| panic!("no reachability line:\n{stderr}"));
    assert!(line.contains(&h.host()), "{line}");
    assert!(line.contains("unknown CA"), "{line}");
    assert!(
        line.contains("cacert") && line.contains("OS_CACERT") && line.contains("verify: false"),
        "{line}"
    );
    nothing_sent(&h.report());
}

#[test]
fn signing_in_trusts_the_clouds_yaml_cacert_and_refuses_without_it() {
    let h = Https::start(|_| {});
    let clouds = h.server().clouds_yaml("reference", "X");
    assert!(clouds.contains("cacert:"), "{clouds}");
    h.sign_in_files(&clouds);
    let out = run(h.cmd("cloud.yaml", ONE_CASE).arg("-q"));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    let r = h.report();
    assert_eq!(r["run"]["sign_in"]["cloud"], "reference", "{r}");
    assert!(
        r["run"]["base_urls"]["ecs"]
            .as_str()
            .unwrap()
            .starts_with("https://"),
        "{r}"
    );

    // Without it the sign-in itself fails: a configuration error before any case.
    h.clean_reports();
    let without: String = clouds
        .lines()
        .filter(|l| !l.contains("cacert"))
        .map(|l| format!("{l}\n"))
        .collect();
    h.sign_in_files(&without);
    let out = run(&mut h.cmd("cloud.yaml", ONE_CASE));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 2, "{all}");
    assert!(
        all.contains("unknown CA") && all.contains("cacert"),
        "{all}"
    );
    assert!(!h.path("reports").exists(), "{all}");
}

#[test]
fn mutual_tls_runs_with_the_client_certificate_and_is_refused_without_it() {
    let h = Https::start(|o| o.client_ca = Some(ClientCa::Minted));
    let files = h.server().tls_files().unwrap().clone();
    let (cert, key) = files.client.clone().unwrap();
    assert!(files.requires_client_cert);
    // The printed target file names the certificate and key: it just works.
    let out = run(h.cmd("target.yaml", ONE_CASE).arg("-q"));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    let r = h.report();
    assert_eq!(
        r["run"]["tls"]["client_certificates"][0],
        cert.display().to_string(),
        "{r}"
    );
    // The case's curl line repeats the request as it went: CA, certificate and key.
    let curl = r["cases"][0]["curl"].as_str().unwrap();
    assert!(
        curl.ends_with(&format!(
            " --cacert {} --cert {} --key {}",
            h.ca_file(),
            cert.display(),
            key.display()
        )),
        "{curl}"
    );

    // OS_CERT and OS_KEY do the same.
    h.clean_reports();
    h.write("plain.yaml", &h.target_without_tls());
    let out = run(h
        .cmd("plain.yaml", ONE_CASE)
        .arg("-q")
        .env("OS_CACERT", h.ca_file())
        .env("OS_CERT", &cert)
        .env("OS_KEY", &key));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");

    // Without them: the sentence says a client certificate is required.
    h.clean_reports();
    let out = run(h
        .cmd("plain.yaml", &["ecs::"])
        .env("OS_CACERT", h.ca_file()));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 1, "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{} requires a client certificate and none was sent",
            h.host()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("OS_CERT and OS_KEY"), "{stderr}");
    nothing_sent(&h.report());

    // The sign-in sends it too, from clouds.yaml `cert` and `key`.
    h.clean_reports();
    let clouds = h.server().clouds_yaml("reference", "X");
    assert!(
        clouds.contains("cert:") && clouds.contains("key:"),
        "{clouds}"
    );
    h.sign_in_files(&clouds);
    let out = run(h.cmd("cloud.yaml", ONE_CASE).arg("-q"));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
}

#[test]
fn a_client_key_that_does_not_fit_is_a_configuration_error_that_hides_the_key() {
    let h = Https::start(|o| o.client_ca = Some(ClientCa::Minted));
    let (cert, key) = h.server().tls_files().unwrap().client.clone().unwrap();
    let other = rcgen::KeyPair::generate().unwrap().serialize_pem();
    h.write("other-key.pem", &other);
    let text = format!(
        "{}tls:\n  ca_file: {:?}\n  cert_file: {:?}\n  key_file: other-key.pem\n",
        h.target_without_tls(),
        h.ca_file(),
        cert.display().to_string()
    );
    h.write("wrong.yaml", &text);
    let out = run(&mut h.cmd("wrong.yaml", ONE_CASE));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 2, "{all}");
    assert!(all.contains("does not fit the client certificate"), "{all}");
    assert!(all.contains("wrong.yaml:"), "located: {all}");
    assert_no_key_content(&h.path("other-key.pem"), &all);
    assert_no_key_content(&key, &all);
}

#[test]
fn verify_false_runs_and_every_report_says_so() {
    let h = Https::start(|_| {});
    h.write("plain.yaml", &h.target_without_tls());
    let out = run(h.cmd("plain.yaml", ONE_CASE).args(["-q", "--insecure"]));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: TLS certificates are NOT verified for {} (--insecure)",
            h.host()
        )),
        "even under -q: {stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "warning: TLS certificates were NOT verified for {}",
            h.host()
        )),
        "again at the end: {stderr}"
    );
    let r = h.report();
    assert_eq!(r["run"]["tls"]["not_verified"][0], h.host(), "{r}");
    assert_eq!(r["run"]["tls"]["not_verified_by"][0], "--insecure", "{r}");
    let html = std::fs::read_to_string(h.path("reports/report.html")).unwrap();
    assert!(
        html.contains(&format!("TLS certificates NOT verified for {}", h.host())),
        "report.html"
    );
    assert!(
        html.contains("certificates were not verified"),
        "report.html"
    );
    let md = std::fs::read_to_string(h.path("reports/summary.md")).unwrap();
    assert!(
        md.starts_with("# ⚠️")
            && md.contains("**TLS certificates were not verified**")
            && md.contains(&h.host()),
        "{md}"
    );
    let junit = std::fs::read_to_string(h.path("reports/junit.xml")).unwrap();
    assert!(
        junit.contains(&format!(
            "<property name=\"tls_not_verified\" value=\"{}\"/>",
            h.host()
        )),
        "{junit}"
    );

    // OS_INSECURE and a target file's `verify: false` say so as well, naming themselves.
    h.clean_reports();
    let out = run(h
        .cmd("plain.yaml", ONE_CASE)
        .arg("-q")
        .env("OS_INSECURE", "true"));
    assert_eq!(code(&out), 0, "{}", h.outputs(&out));
    assert_eq!(
        h.report()["run"]["tls"]["not_verified_by"][0],
        "OS_INSECURE"
    );
    h.clean_reports();
    h.write(
        "unverified.yaml",
        &format!("{}tls: {{ verify: false }}\n", h.target_without_tls()),
    );
    let out = run(h.cmd("unverified.yaml", ONE_CASE).arg("-q"));
    assert_eq!(code(&out), 0, "{}", h.outputs(&out));
    let by = h.report()["run"]["tls"]["not_verified_by"][0].clone();
    assert!(
        by.as_str().unwrap().starts_with("`verify` in ")
            && by.as_str().unwrap().ends_with("unverified.yaml"),
        "{by}"
    );

    // clouds.yaml `verify: false` covers the sign-in too: the auth URL's host is listed.
    h.clean_reports();
    let clouds: String = h
        .server()
        .clouds_yaml("reference", "X")
        .lines()
        .map(|l| {
            if l.contains("cacert") {
                "    verify: false\n".to_owned()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    h.sign_in_files(&clouds);
    let out = run(h.cmd("cloud.yaml", ONE_CASE).arg("-q"));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    let tls = h.report()["run"]["tls"].clone();
    assert_eq!(tls["not_verified"], serde_json::json!([h.host()]), "{tls}");
    let by = tls["not_verified_by"][0].as_str().unwrap().to_owned();
    assert!(
        by.starts_with("`verify` in ") && by.ends_with("clouds.yaml"),
        "{by}"
    );

    // Without any of them, a verified run reports no TLS at all.
    h.clean_reports();
    let out = run(h.cmd("target.yaml", ONE_CASE).arg("-q"));
    assert_eq!(code(&out), 0);
    let md = std::fs::read_to_string(h.path("reports/summary.md")).unwrap();
    assert!(!md.contains("not verified"), "{md}");
}

#[test]
fn a_bad_ca_file_exits_2_naming_the_file() {
    let h = Https::start(|_| {});
    let plain = h.target_without_tls();
    // Missing, located in the target file.
    h.write(
        "missing.yaml",
        &format!("{plain}tls:\n  ca_file: nowhere/ca.pem\n"),
    );
    let out = run(&mut h.cmd("missing.yaml", ONE_CASE));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 2, "{all}");
    let line = plain.lines().count() + 2;
    assert!(
        all.contains("cannot read the CA file") && all.contains("nowhere/ca.pem"),
        "{all}"
    );
    assert!(all.contains(&format!("missing.yaml:{line}:")), "{all}");
    assert!(!h.path("reports").exists());
    // A file with no certificate in it, per API.
    h.write("not-a-ca.pem", "hello\n");
    let per_api = plain.replace("  ecs:\n", "  ecs:\n    tls: { ca_file: not-a-ca.pem }\n");
    h.write("per-api.yaml", &per_api);
    let out = run(&mut h.cmd("per-api.yaml", ONE_CASE));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 2, "{all}");
    assert!(
        all.contains("not-a-ca.pem holds no certificate") && all.contains("per-api.yaml:"),
        "{all}"
    );
    // From the environment: the variable is named.
    h.write("plain.yaml", &plain);
    let out = run(h.cmd("plain.yaml", ONE_CASE).env("OS_CACERT", "gone.pem"));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 2, "{all}");
    assert!(
        all.contains("gone.pem") && all.contains("OS_CACERT"),
        "{all}"
    );
    // From clouds.yaml: located there.
    let clouds = h
        .server()
        .clouds_yaml("reference", "X")
        .replace(&h.ca_file(), "/no/such/ca.pem");
    h.sign_in_files(&clouds);
    let out = run(h.cmd("cloud.yaml", ONE_CASE).arg("--dry-run"));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 2, "{all}");
    assert!(
        all.contains("/no/such/ca.pem") && all.contains("clouds.yaml:"),
        "{all}"
    );
}

#[test]
fn a_per_api_ca_applies_to_that_api_only() {
    let h = Https::start(|_| {});
    // Only ecs is given the CA: ecs runs, ddm is refused with the sentence.
    let text = h.target_without_tls().replace(
        "  ecs:\n",
        &format!("  ecs:\n    tls: {{ ca_file: {:?} }}\n", h.ca_file()),
    );
    h.write("per-api.yaml", &text);
    let out = run(&mut h.cmd("per-api.yaml", ONE_CASE));
    assert_eq!(code(&out), 0, "{}", h.outputs(&out));
    h.clean_reports();
    let out = run(&mut h.cmd("per-api.yaml", &["ddm::"]));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 1, "{all}");
    assert!(
        all.contains("error: ddm cannot be reached") && all.contains("unknown CA"),
        "{all}"
    );
}

#[test]
fn a_name_mismatch_and_an_expired_certificate_are_told_apart() {
    let h = Https::start(|o| o.names = Some(vec!["elsewhere.example".into()]));
    let out = run(&mut h.cmd("target.yaml", &["ecs::"]));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 1, "{all}");
    assert!(
        all.contains(&format!(
            "the certificate of {} is not valid for the name 127.0.0.1 (name mismatch: it holds elsewhere.example)",
            h.host()
        )) && all.contains("elsewhere.example"),
        "{all}"
    );
    nothing_sent(&h.report());
    drop(h);
    let h = Https::start(|o| o.expired = true);
    let out = run(&mut h.cmd("target.yaml", &["ecs::"]));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 1, "{all}");
    assert!(
        all.contains(&format!(
            "the certificate of {} has expired (on 2021-01-01",
            h.host()
        )),
        "{all}"
    );
}

#[test]
fn regions_lists_are_chosen_and_refused() {
    let h = Https::start(|_| {});
    // The cloud lists two regions; only RegionOne's values hold the CA.
    let clouds = h
        .server()
        .clouds_yaml("reference", "X")
        .replace("    region_name: \"RegionOne\"\n", "")
        .replace(
            &format!("    cacert: \"{}\"\n", h.ca_file()),
            &format!(
                "    regions:\n      - name: RegionOne\n        values:\n          cacert: \"{}\"\n      - eu-nl\n",
                h.ca_file()
            ),
        );
    assert!(clouds.contains("regions:"), "{clouds}");
    h.sign_in_files(&clouds);
    let out = run(h.cmd("cloud.yaml", ONE_CASE).arg("--dry-run"));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 2, "{all}");
    assert!(
        all.contains("lists several regions (RegionOne, eu-nl) and none is chosen")
            && all.contains("--region"),
        "{all}"
    );
    let out = run(h
        .cmd("cloud.yaml", ONE_CASE)
        .args(["--region", "eu-de", "--dry-run"]));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 2, "{all}");
    assert!(
        all.contains("has no region `eu-de`; its regions are RegionOne, eu-nl"),
        "{all}"
    );
    // Chosen: the region's values (its CA) apply, and the catalog's region is used.
    let out = run(h
        .cmd("cloud.yaml", ONE_CASE)
        .args(["-q", "--region", "RegionOne"]));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    assert_eq!(h.report()["run"]["sign_in"]["region"], "RegionOne");
    // A fixed token has no region to choose.
    let out = run(h
        .cmd("target.yaml", ONE_CASE)
        .args(["--region", "RegionOne"]));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 2, "{all}");
    assert!(all.contains("--region applies when signing in"), "{all}");
}

/// Under mutual TLS, the AK/SK target file and the Rackspace clouds.yaml carry the CA and the
/// client certificate, as the token target and the Keystone clouds.yaml do: each works as
/// printed.
#[test]
fn the_aksk_target_and_the_rackspace_cloud_carry_the_ca_and_client_certificate() {
    let h = Https::start(|o| o.client_ca = Some(ClientCa::Minted));
    h.write("aksk.yaml", &h.server().aksk_target_yaml("MY_AK", "MY_SK"));
    let out = run(h
        .cmd("aksk.yaml", ONE_CASE)
        .env("MY_AK", restart_conformance::reference::REFERENCE_AK)
        .env("MY_SK", PASSWORD));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    assert!(
        h.report()["run"]["base_urls"]["ecs"]
            .as_str()
            .unwrap()
            .starts_with("https://"),
        "{all}"
    );
    h.clean_reports();
    h.write(
        "clouds.yaml",
        &h.server().rackspace_clouds_yaml("rackspace", "X"),
    );
    h.write(
        "secure.yaml",
        &format!("clouds:\n  rackspace:\n    auth:\n      api_key: \"{PASSWORD}\"\n"),
    );
    h.write("cloud.yaml", &h.server().cloud_target_yaml("rackspace"));
    let out = run(&mut h.cmd("cloud.yaml", ONE_CASE));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    assert_eq!(
        h.report()["run"]["sign_in"]["auth_url"],
        h.server().identity_v2_url()
    );
}

/// `serve --tls --client-ca` as a user runs it: the CA path is printed beside a target
/// file that works as printed, and the minted key's content is printed nowhere.
#[test]
fn serve_tls_prints_the_ca_beside_a_target_file_that_works() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("restart-conformance");
    let mut child = std::process::Command::new(&bin)
        .args(["serve", "--tls", "--client-ca", "--listen", "127.0.0.1:0"])
        .args(["--reboot-seconds", "0.1", "--resources", "1", "--tls-dir"])
        .arg(dir.path().join("ca"))
        .env("OS_AUTH_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("# ready");
        printed.push_str(&line);
        printed.push('\n');
        if done {
            break;
        }
    }
    // Keep reading: a closed pipe would stop the server at its next line.
    let drain = std::thread::spawn(move || lines.count());
    let ca = dir.path().join("ca/ca.pem").display().to_string();
    assert!(
        printed.contains(&format!(
            "# CA certificate (trust it with cacert, OS_CACERT or tls.ca_file): {ca}"
        )),
        "{printed}"
    );
    assert!(
        printed.contains("a client certificate is required"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("    cacert: \"{ca}\"")),
        "clouds.yaml: {printed}"
    );
    let target: String = printed
        .lines()
        .skip_while(|l| !l.starts_with("auth:"))
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        target.contains(&format!("  ca_file: \"{ca}\"")) && target.contains("https://"),
        "{target}"
    );
    std::fs::write(dir.path().join("target.yaml"), &target).unwrap();
    let out = Command::cargo_bin("restart-conformance")
        .unwrap()
        .current_dir(dir.path())
        .env_clear()
        .env("OS_AUTH_TOKEN", TOKEN)
        .args([
            "run",
            "--target",
            "target.yaml",
            "--report-dir",
            "reports",
            "-q",
        ])
        .args(["--poll-interval", "0.02", "--restart-grace", "1"])
        .args(ONE_CASE)
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let _ = drain.join();
    let mut all = String::from_utf8_lossy(&out.stdout).into_owned();
    all.push_str(&String::from_utf8_lossy(&out.stderr));
    all.push_str(&printed);
    all.push_str(
        &std::fs::read_to_string(dir.path().join("reports/report.json")).unwrap_or_default(),
    );
    assert_eq!(code(&out), 0, "{all}");
    assert_no_key_content(&dir.path().join("ca/client-key.pem"), &all);
}

/// A client certificate and key signed by `issuer` (or self-signed), written to `dir`.
fn client_cert(
    dir: &Path,
    name: &str,
    issuer: Option<&rcgen::Issuer<'_, rcgen::KeyPair>>,
) -> (PathBuf, PathBuf) {
    let mut p = rcgen::CertificateParams::new(Vec::new()).unwrap();
    p.distinguished_name.push(rcgen::DnType::CommonName, name);
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = match issuer {
        Some(i) => p.signed_by(&key, i).unwrap(),
        None => p.self_signed(&key).unwrap(),
    };
    let (c, k) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}-key.pem")),
    );
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    (c, k)
}

#[test]
fn a_client_ca_file_accepts_what_it_signed_and_refuses_the_rest() {
    let mine = tempfile::tempdir().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let client_ca = mine.path().join("client-ca.pem");
    std::fs::write(&client_ca, ca_pem).unwrap();
    let (good_cert, good_key) = client_cert(mine.path(), "signed", Some(&issuer));
    let (bad_cert, bad_key) = client_cert(mine.path(), "stranger", None);

    let h = Https::start(|o| o.client_ca = Some(ClientCa::File(client_ca.clone())));
    assert!(h.server().tls_files().unwrap().client.is_none());
    let with = |cert: &Path, key: &Path| {
        format!(
            "{}tls: {{ ca_file: {:?}, cert_file: {:?}, key_file: {:?} }}\n",
            h.target_without_tls(),
            h.ca_file(),
            cert.display().to_string(),
            key.display().to_string()
        )
    };
    h.write("good.yaml", &with(&good_cert, &good_key));
    let out = run(h.cmd("good.yaml", ONE_CASE).arg("-q"));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 0, "{all}");
    assert_no_key_content(&good_key, &all);

    h.clean_reports();
    h.write("bad.yaml", &with(&bad_cert, &bad_key));
    let out = run(&mut h.cmd("bad.yaml", &["ecs::"]));
    let all = h.outputs(&out);
    assert_eq!(code(&out), 1, "{all}");
    assert!(
        all.contains(&format!("error: ecs cannot be reached at https://{}/ecs: could not connect: {} refused the TLS handshake", h.host(), h.host())),
        "{all}"
    );
    assert!(all.contains("with a certificate its CA signed"), "{all}");
    assert_no_key_content(&bad_key, &all);
    nothing_sent(&h.report());
}

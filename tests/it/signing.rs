//! Signing in as each vendor's clients do, end to end against the embedded server: AK/SK
//! signatures (target-file variables, the Huawei SDKs' variables, temporary keys, a
//! `clouds.yaml` AK/SK entry, one API signed beside a token), Rackspace Identity v2.0 with an
//! API key or a password (renewal before expiry and on 401), and the dry run. Every output
//! is searched for every secret.

use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;
use restart_conformance::reference::{
    IdentityConfig, REFERENCE_AK, REFERENCE_STS_AK, ReferenceConfig, ReferenceServer,
};
use serde_json::Value;

use crate::common::*;

/// The server's token, and so its secret key and API key.
const SK: &str = "sk-Pq93-never-printed";
const STS_TOKEN: &str = "sts-sk-Pq93-never-printed";

struct Gateway {
    rt: tokio::runtime::Runtime,
    server: Option<ReferenceServer>,
    dir: tempfile::TempDir,
}

impl Gateway {
    fn start(ttl: Duration, announced: Option<Duration>) -> Gateway {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = ReferenceConfig {
            reboot: Duration::from_millis(400),
            faults: Default::default(),
            token: SK.into(),
            resources: 1,
        };
        let mut identity = IdentityConfig::new(SK);
        identity.token_ttl = ttl;
        identity.announced_ttl = announced;
        let server = rt
            .block_on(ReferenceServer::start_with_identity(
                ([127, 0, 0, 1], 0).into(),
                config,
                identity,
            ))
            .unwrap();
        Gateway {
            rt,
            server: Some(server),
            dir: tempfile::tempdir().unwrap(),
        }
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

    fn cmd(&self, args: &[&str]) -> Command {
        crate::common::run_in(self.dir.path(), args)
    }

    /// stdout, stderr and every report, with no secret in any of them.
    fn outputs(&self, out: &std::process::Output) -> String {
        crate::common::outputs_without(out, &self.path("reports"), &[SK, STS_TOKEN])
    }

    fn report(&self) -> Value {
        let text = std::fs::read_to_string(self.path("reports/report.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

fn report_case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

fn headers(exchange: &Value) -> Vec<(String, String)> {
    exchange["request"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_ascii_lowercase(),
                h[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[test]
fn signed_requests_are_verified_from_the_bytes_received() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    g.write(
        "target.yaml",
        &g.server().aksk_target_yaml("MY_AK", "MY_SK"),
    );
    let out = g
        .cmd(&["ddm::"])
        .env("MY_AK", REFERENCE_AK)
        .env("MY_SK", SK)
        .output()
        .unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let report = g.report();
    assert_eq!(report["summary"]["failed"], 0, "{all}");
    let c = report_case(&report, "ddm::restart_soft");
    let exchanges = c["exchanges"].as_array().unwrap();
    assert!(exchanges.len() > 2, "the status polls are missing");
    let port = g.server().local_addr().port();
    for x in exchanges {
        let h = headers(x);
        // Every request, status polls included, is signed afresh and carries no token.
        assert!(header(&h, "x-auth-token").is_none(), "{h:?}");
        assert_eq!(
            header(&h, "host"),
            Some(format!("127.0.0.1:{port}").as_str())
        );
        assert!(header(&h, "x-sdk-date").is_some_and(|d| d.len() == 16 && d.ends_with('Z')));
        assert_eq!(
            header(&h, "x-project-id"),
            Some("0b7a2f64c1e94d6c9f3e5a8d2c1b4e7f")
        );
        let auth = header(&h, "authorization").unwrap();
        assert!(
            auth.starts_with(&format!(
                "SDK-HMAC-SHA256 Access={REFERENCE_AK}, SignedHeaders="
            )) && auth.ends_with("Signature=***"),
            "{auth}"
        );
    }
    // Both signature cases were refused by the gateway with 401 APIGW.0301.
    for name in [
        "ddm::negative::signature_mismatch",
        "ddm::negative::signature_expired",
    ] {
        let c = report_case(&report, name);
        assert_eq!(c["outcome"], "passed", "{name}");
        let r = &c["exchanges"][0]["response"];
        assert_eq!(r["status"], 401, "{name}");
        assert!(r["body"].as_str().unwrap().contains("APIGW.0301"), "{name}");
    }
    let body = report_case(&report, "ddm::negative::signature_mismatch")["exchanges"][0]
        ["response"]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        body.contains("verify aksk signature fail, canonicalRequest: POST|/ddm/v1/"),
        "{body}"
    );
    let stale = report_case(&report, "ddm::negative::signature_expired")["exchanges"][0]
        ["response"]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(stale.contains("signature expired"), "{stale}");
    // The no-credential case sends neither a token nor a signature.
    let h = headers(&report_case(&report, "ddm::negative::no_token")["exchanges"][0]);
    assert!(header(&h, "authorization").is_none() && header(&h, "x-auth-token").is_none());
}

#[test]
fn a_wrong_secret_key_is_refused_naming_the_canonical_request() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    g.write(
        "target.yaml",
        &g.server().aksk_target_yaml("MY_AK", "MY_SK"),
    );
    let out = g
        .cmd(&["--exact", "modelarts::restart"])
        .env("MY_AK", REFERENCE_AK)
        .env("MY_SK", "not-the-secret-key")
        .output()
        .unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(1), "{all}");
    assert!(!all.contains("not-the-secret-key"), "{all}");
    let report = g.report();
    let r = &report_case(&report, "modelarts::restart")["exchanges"][0]["response"];
    assert_eq!(r["status"], 401);
    let body = r["body"].as_str().unwrap();
    assert!(
        body.contains("canonicalRequest: POST|/modelarts/v1/0b7a2f64c1e94d6c9f3e5a8d2c1b4e7f/demanager/instances/"),
        "{body}"
    );
}

#[test]
fn the_huawei_sdk_variables_sign_when_the_file_has_no_auth() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    let target = g.server().target_yaml("UNUSED");
    let (_, apis) = target.split_once("apis:\n").unwrap();
    g.write("target.yaml", &format!("apis:\n{apis}"));
    let out = g
        .cmd(&["ddm::negative::"])
        .env("HUAWEICLOUD_SDK_AK", REFERENCE_AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", "project-from-env")
        .output()
        .unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let report = g.report();
    let h = headers(&report_case(&report, "ddm::negative::unknown_id")["exchanges"][0]);
    assert_eq!(header(&h, "x-project-id"), Some("project-from-env"));
}

#[test]
fn a_temporary_key_sends_its_security_token_and_fails_without_it() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    let yaml = g
        .server()
        .aksk_target_yaml("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK")
        .replace(
            "  sk_env: \"HUAWEICLOUD_SDK_SK\"\n",
            "  sk_env: \"HUAWEICLOUD_SDK_SK\"\n  security_token_env: STS\n",
        );
    g.write("target.yaml", &yaml);
    let run = |token: Option<&str>| {
        let mut cmd = g.cmd(&["--exact", "ddm::restart_soft"]);
        cmd.env("HUAWEICLOUD_SDK_AK", REFERENCE_STS_AK)
            .env("HUAWEICLOUD_SDK_SK", SK);
        if let Some(t) = token {
            cmd.env("STS", t);
        }
        let out = cmd.output().unwrap();
        let all = g.outputs(&out);
        (code(&out), all)
    };
    let (code_with, all) = run(Some(STS_TOKEN));
    assert_eq!(code_with, Some(0), "{all}");
    let report = g.report();
    assert_eq!(
        report["run"]["signing"]["key_sources"],
        serde_json::json!(["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "STS"])
    );
    let h = headers(&report_case(&report, "ddm::restart_soft")["exchanges"][0]);
    assert_eq!(header(&h, "x-security-token"), Some("***"));
    assert!(
        header(&h, "authorization").is_some_and(|a| a.contains("x-sdk-date;x-security-token")),
        "{h:?}"
    );
    let (code_without, all) = run(None);
    assert_eq!(code_without, Some(1), "{all}");
}

#[test]
fn an_aksk_cloud_signs_every_api_with_its_key_pair() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    g.write(
        "clouds.yaml",
        &format!("clouds:\n  hw:\n    auth_type: aksk\n    auth:\n      ak: {REFERENCE_AK}\n"),
    );
    g.write(
        "secure.yaml",
        &format!("clouds:\n  hw:\n    auth:\n      sk: \"{SK}\"\n"),
    );
    let target = g.server().target_yaml("UNUSED");
    let (_, apis) = target.split_once("apis:\n").unwrap();
    g.write("target.yaml", &format!("auth:\n  cloud: hw\napis:\n{apis}"));
    let out = g.cmd(&["clouddb::"]).output().unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let report = g.report();
    let h = headers(&report_case(&report, "clouddb::restart")["exchanges"][0]);
    assert!(header(&h, "authorization").is_some() && header(&h, "x-auth-token").is_none());
    assert_eq!(
        report_case(&report, "clouddb::negative::signature_mismatch")["outcome"],
        "passed"
    );
}

#[test]
fn one_api_signs_and_the_others_send_the_token() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    let yaml = g.server().target_yaml("TOKEN").replace(
        "  ddm:\n",
        "  ddm:\n    auth: { ak_env: MY_AK, sk_env: MY_SK }\n",
    );
    g.write("target.yaml", &yaml);
    let out = g
        .cmd(&["negative::"])
        .env("MY_AK", REFERENCE_AK)
        .env("MY_SK", SK)
        .env("TOKEN", SK)
        .output()
        .unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let report = g.report();
    let names: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // Only the signed API has the signature cases.
    assert!(names.contains(&"ddm::negative::signature_expired"));
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("ecs::negative::signature"))
    );
    let ddm = headers(&report_case(&report, "ddm::negative::unknown_id")["exchanges"][0]);
    let ecs = headers(&report_case(&report, "ecs::negative::unknown_id")["exchanges"][0]);
    assert!(header(&ddm, "authorization").is_some() && header(&ddm, "x-auth-token").is_none());
    assert!(header(&ecs, "authorization").is_none() && header(&ecs, "x-auth-token") == Some("***"));
    // The run metadata says which API signed, and with which variables.
    assert_eq!(report["run"]["signing"]["apis"], serde_json::json!(["ddm"]));
    assert_eq!(
        report["run"]["signing"]["key_sources"],
        serde_json::json!(["MY_AK", "MY_SK"])
    );
    let md = std::fs::read_to_string(g.path("reports/summary.md")).unwrap();
    assert!(
        md.contains("requests signed with SDK-HMAC-SHA256 for ddm (keys from `MY_AK`, `MY_SK`)"),
        "{md}"
    );
    let html = std::fs::read_to_string(g.path("reports/report.html")).unwrap();
    assert!(html.contains("<dt>signed requests</dt>"), "no signing line");
}

#[test]
fn a_dry_run_names_the_key_variables_and_needs_no_key() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    g.write(
        "target.yaml",
        &g.server()
            .aksk_target_yaml("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"),
    );
    let out = g.cmd(&["--dry-run", "ddm::restart_soft"]).output().unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Access='\"$HUAWEICLOUD_SDK_AK\"', SignedHeaders=accept;content-type;host;x-project-id;x-sdk-date, Signature=<hex HMAC-SHA256 of the canonical request, keyed with $HUAWEICLOUD_SDK_SK>'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-H \"X-Sdk-Date: $X_SDK_DATE\""),
        "{stdout}"
    );
    assert!(!stdout.contains("X-Auth-Token"), "{stdout}");
}

#[test]
fn a_resume_with_another_access_key_is_refused_naming_it() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    g.write(
        "target.yaml",
        &g.server().aksk_target_yaml("MY_AK", "MY_SK"),
    );
    let run = |ak: &str, extra: &[&str]| {
        let mut args = vec!["--exact", "ddm::restart_soft"];
        args.extend(extra);
        g.cmd(&args)
            .env("MY_AK", ak)
            .env("MY_SK", SK)
            .output()
            .unwrap()
    };
    let out = run(REFERENCE_AK, &[]);
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let before = g.server().requests();
    let out = run("AK-OF-SOMEONE-ELSE", &["--resume"]);
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(2), "{all}");
    assert!(
        all.contains(&format!(
            "its ddm access key is {REFERENCE_AK}, this run's is AK-OF-SOMEONE-ELSE"
        )),
        "{all}"
    );
    assert_eq!(g.server().requests(), before, "something was sent");
    // The same key pair resumes.
    let out = run(REFERENCE_AK, &["--resume"]);
    assert_eq!(code(&out), Some(0), "{}", g.outputs(&out));
}

#[test]
fn an_unset_key_variable_is_a_configuration_error() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    g.write(
        "target.yaml",
        &g.server().aksk_target_yaml("MY_AK", "MY_SK"),
    );
    let out = g.cmd(&[]).env("MY_AK", REFERENCE_AK).output().unwrap();
    g.outputs(&out);
    assert_eq!(code(&out), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("the secret key (SK) variable `MY_SK` is not set"),
        "{e}"
    );
}

/// The Rackspace API key cloud the server prints, with the key in secure.yaml.
fn rackspace_cloud(g: &Gateway) {
    g.write(
        "clouds.yaml",
        &g.server().rackspace_clouds_yaml("rackspace", "X"),
    );
    g.write(
        "secure.yaml",
        &format!("clouds:\n  rackspace:\n    auth:\n      api_key: \"{SK}\"\n"),
    );
    g.write("target.yaml", &g.server().cloud_target_yaml("rackspace"));
}

#[test]
fn a_rackspace_api_key_signs_in_to_identity_v2_and_the_catalog_gives_cloud_databases() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    rackspace_cloud(&g);
    // The whole suite: every API's endpoint comes from the v2.0 catalog.
    let out = g.cmd(&[]).output().unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let report = g.report();
    assert!(report["summary"]["passed"].as_u64().unwrap() > 50, "{all}");
    assert_eq!(
        report["run"]["sign_in"]["auth_url"],
        g.server().identity_v2_url()
    );
    assert_eq!(report["run"]["sign_in"]["user"], "demo");
    // rax:database from the profile; version and account split off the catalog URL.
    let addr = g.server().local_addr();
    assert_eq!(
        report["run"]["base_urls"]["clouddb"],
        format!("http://{addr}/clouddb")
    );
    assert_eq!(g.server().tokens_issued(), 1);
}

#[test]
fn os_api_key_gives_a_rackspace_cloud_entry_without_one_its_key() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    rackspace_cloud(&g);
    // No secure.yaml: the API key is only in the environment, as the entry's comment says.
    std::fs::remove_file(g.path("secure.yaml")).unwrap();
    let out = g
        .cmd(&["clouddb::"])
        .env("OS_API_KEY", SK)
        .output()
        .unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let report = g.report();
    assert_eq!(
        report["run"]["sign_in"]["auth_url"],
        g.server().identity_v2_url()
    );
    assert_eq!(report["run"]["sign_in"]["user"], "demo");
    assert_eq!(g.server().tokens_issued(), 1);
}

#[test]
fn a_v2_password_sign_in_by_its_auth_url() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    let url = g.server().identity_v2_url();
    g.write(
        "clouds.yaml",
        &format!(
            "clouds:\n  v2:\n    auth:\n      auth_url: \"{url}\"\n      username: demo\n      password: \"{SK}\"\n"
        ),
    );
    // Without the profile, Cloud Databases' type is named (both APIs live at its endpoint).
    let target = g
        .server()
        .cloud_target_yaml("v2")
        .replace(
            "clouddb: { vars",
            "clouddb: { service_type: \"rax:database\", vars",
        )
        .replace(
            "clouddb-ha: { vars",
            "clouddb-ha: { service_type: \"rax:database\", vars",
        );
    g.write("target.yaml", &target);
    let out = g.cmd(&["clouddb::"]).output().unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    // A dry run shows the v2.0 sign-in with the password as a variable.
    let out = g.cmd(&["--dry-run"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    g.outputs(&out);
    assert!(stdout.contains(&format!("{url}/tokens")), "{stdout}");
    assert!(stdout.contains("passwordCredentials"), "{stdout}");
}

#[test]
fn a_v2_token_is_renewed_before_it_expires_and_once_on_401() {
    // Tokens live 0.3 s; the Cloud Databases cases (restarts of 0.4 s, long enough to be seen on a loaded machine, on one
    // resource, one after another) take longer.
    let g = Gateway::start(Duration::from_millis(300), None);
    rackspace_cloud(&g);
    let out = g.cmd(&["--test-threads", "1", "clouddb"]).output().unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    assert!(g.server().tokens_issued() >= 2, "no renewal before expiry");
    // Announced for an hour, dropped after 0.2 s: only the 401 tells.
    let g = Gateway::start(Duration::from_millis(200), Some(Duration::from_secs(3600)));
    rackspace_cloud(&g);
    let out = g.cmd(&["--test-threads", "1", "clouddb"]).output().unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    assert!(g.server().tokens_issued() >= 2, "no renewal on 401");
}

#[test]
fn a_wrong_api_key_is_refused_at_sign_in() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    rackspace_cloud(&g);
    g.write(
        "secure.yaml",
        "clouds:\n  rackspace:\n    auth:\n      api_key: \"wrong-Key-55\"\n",
    );
    let out = g.cmd(&[]).output().unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(2), "{all}");
    assert!(!all.contains("wrong-Key-55"), "{all}");
    assert!(
        all.contains("authentication failed") && all.contains("401"),
        "{all}"
    );
}

/// The signature cases pass against the conformant gateway and fail against
/// each fault that lets a bad signature through.
#[test]
fn signature_cases_pass_against_the_conformant_server() {
    let report = run_signed(
        &[],
        settings(Duration::from_secs(2)),
        Some("::negative::signature_"),
    );
    assert_eq!(report.cases.len(), 10);
    assert!(failing(&report).is_empty(), "{:?}", failing(&report));
}

#[test]
fn serve_prints_how_to_sign_and_how_to_use_an_api_key_without_the_secret() {
    use std::io::{BufRead, BufReader};
    let bin = assert_cmd::cargo::cargo_bin("restart-conformance");
    let mut child = std::process::Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("OS_AUTH_TOKEN", SK)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut text = String::new();
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("# ready");
        text.push_str(&line);
        text.push('\n');
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!text.contains(SK), "{text}");
    assert!(
        text.contains(&format!(
            "export HUAWEICLOUD_SDK_AK={REFERENCE_AK} HUAWEICLOUD_SDK_SK=\"$OS_AUTH_TOKEN\""
        )),
        "{text}"
    );
    assert!(text.contains("ak_env: \"HUAWEICLOUD_SDK_AK\""), "{text}");
    assert!(
        text.contains("with_endpoints([\"http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("/identity/v2.0"), "{text}");
    assert!(text.contains("profile: rackspace"), "{text}");
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.ends_with("a restart lasts 5 s (--reboot-seconds)")),
        "{text}"
    );
}

/// The README's Rackspace target, no service type given: `clouddb-ha` is found at the Cloud
/// Databases endpoint (`rax:database`), where Rackspace puts it, as `clouddb` is.
#[test]
fn a_rackspace_cloud_finds_the_ha_api_at_the_cloud_databases_endpoint() {
    let g = Gateway::start(Duration::from_secs(3600), None);
    rackspace_cloud(&g);
    let apis = g.server().apis();
    let resource = |id: &str| {
        let api = apis.iter().find(|a| a.api == id).unwrap();
        format!("{}: \"{}\"", api.resource_var, api.resource)
    };
    g.write(
        "target.yaml",
        &format!(
            "auth: {{ cloud: rackspace }}\napis:\n  clouddb:    {{ vars: {{ {} }} }}\n  clouddb-ha: {{ vars: {{ {} }} }}\n",
            resource("clouddb"),
            resource("clouddb-ha")
        ),
    );
    let out = g.cmd(&["clouddb"]).output().unwrap();
    let all = g.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let report = g.report();
    let addr = g.server().local_addr();
    assert_eq!(
        report["run"]["base_urls"]["clouddb-ha"],
        format!("http://{addr}/clouddb"),
        "{all}"
    );
    let ha_cases = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"].as_str().unwrap().starts_with("clouddb-ha::"))
        .count();
    assert!(ha_cases > 5, "{all}");
}

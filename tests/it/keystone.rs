//! Signing in: clouds.yaml, secure.yaml and `OS_*` variables against the
//! embedded identity endpoint, the catalog giving every base URL, a token
//! that expires mid-run, and each sign-in error with its message and exit 2.
//! Every output is searched for the secrets.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use restart_conformance::reference::{IdentityConfig, ReferenceConfig, ReferenceServer};

const PASSWORD: &str = "pw-Zq81-never-printed";
const APP_SECRET: &str = "appsecret-Kx42-never-printed";
const API_TOKEN: &str = "fixed-token-Hh3-never-used";

struct Cloud {
    rt: tokio::runtime::Runtime,
    server: Option<ReferenceServer>,
    dir: tempfile::TempDir,
}

impl Cloud {
    fn start(ttl: Duration, announced: Option<Duration>) -> Cloud {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = ReferenceConfig {
            reboot: Duration::from_millis(150),
            faults: Default::default(),
            token: API_TOKEN.into(),
            // One resource per API, so that a run lasts longer than a token.
            resources: 1,
        };
        let mut identity = IdentityConfig::new(PASSWORD);
        identity.app_credential_secret = APP_SECRET.into();
        identity.token_ttl = ttl;
        identity.announced_ttl = announced;
        let server = rt
            .block_on(ReferenceServer::start_with_identity(
                ([127, 0, 0, 1], 0).into(),
                config,
                identity,
            ))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cloud = Cloud {
            rt,
            server: Some(server),
            dir,
        };
        // The target file names only the resources.
        cloud.write(
            "target.yaml",
            &cloud.server().cloud_target_yaml("reference"),
        );
        cloud
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

    /// The printed clouds.yaml with the password in secure.yaml, as a user keeps them.
    fn password_cloud(&self) {
        self.write("clouds.yaml", &self.server().clouds_yaml("reference", "X"));
        self.write(
            "secure.yaml",
            &format!("clouds:\n  reference:\n    auth:\n      password: \"{PASSWORD}\"\n"),
        );
    }

    /// The binary, run in the temporary folder with a clean environment.
    fn cmd(&self, args: &[&str]) -> Command {
        crate::common::run_in(self.dir.path(), args)
    }

    /// stdout, stderr and every report, checked for the secrets.
    fn outputs(&self, out: &std::process::Output) -> String {
        crate::common::outputs_without(out, &self.path("reports"), &[PASSWORD, APP_SECRET])
    }

    fn report(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.path("reports/report.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Cloud {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_password_cloud_signs_in_and_every_api_comes_from_the_catalog() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    c.password_cloud();
    let out = c.cmd(&["--cloud", "reference"]).output().unwrap();
    let all = c.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let report = c.report();
    let sign_in = &report["run"]["sign_in"];
    assert_eq!(sign_in["auth_url"], c.server().identity_url());
    assert_eq!(sign_in["user"], "demo");
    assert_eq!(sign_in["project"], "demo");
    assert_eq!(sign_in["region"], "RegionOne");
    let urls = &report["run"]["base_urls"];
    // Version and project segments were split off the catalog URLs.
    let addr = c.server().local_addr();
    assert_eq!(urls["clouddb"], format!("http://{addr}/clouddb"));
    assert_eq!(urls["ecs"], format!("http://{addr}/ecs"));
    assert_eq!(report["summary"]["failed"], 0, "{all}");
    assert!(report["summary"]["passed"].as_u64().unwrap() > 50);
    assert_eq!(c.server().tokens_issued(), 1);
}

#[test]
fn an_application_credential_cloud_signs_in() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    let url = c.server().identity_url();
    c.write(
        "clouds.yaml",
        &format!(
            "clouds:\n  appcred:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: \"{url}\"\n      application_credential_id: reference-app-cred\n      application_credential_secret: \"{APP_SECRET}\"\n"
        ),
    );
    let target = std::fs::read_to_string(c.path("target.yaml"))
        .unwrap()
        .replace("cloud: \"reference\"", "cloud: appcred");
    c.write("target.yaml", &target);
    let out = c.cmd(&["ddm::"]).output().unwrap();
    let all = c.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    assert_eq!(
        c.report()["run"]["sign_in"]["user"],
        "demo",
        "the token names the credential's user"
    );
}

#[test]
fn os_variables_sign_in_without_a_clouds_yaml() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    // No `auth` in the file and no clouds.yaml: the OS_* variables are the cloud. The auth
    // URL without its `/v3` works as well.
    let target = std::fs::read_to_string(c.path("target.yaml"))
        .unwrap()
        .replace("auth:\n  cloud: \"reference\"\n", "");
    c.write("target.yaml", &target);
    let auth_url = c.server().identity_url().replace("/v3", "");
    let out = c
        .cmd(&["clouddb::"])
        .env("OS_AUTH_URL", &auth_url)
        .env("OS_USERNAME", "demo")
        .env("OS_PASSWORD", PASSWORD)
        .env("OS_PROJECT_NAME", "demo")
        .env("OS_USER_DOMAIN_NAME", "Default")
        .env("OS_PROJECT_DOMAIN_NAME", "Default")
        .env("OS_REGION_NAME", "RegionOne")
        .env("OS_INTERFACE", "public")
        .output()
        .unwrap();
    let all = c.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    assert_eq!(c.report()["run"]["sign_in"]["cloud"], "OS_* variables");
}

#[test]
fn os_password_gives_a_cloud_entry_without_one_its_password() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    // The printed clouds.yaml and no secure.yaml: the password is only in the environment.
    c.write("clouds.yaml", &c.server().clouds_yaml("reference", "X"));
    let out = c
        .cmd(&["--cloud", "reference", "clouddb::"])
        .env("OS_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let all = c.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let sign_in = &c.report()["run"]["sign_in"];
    assert_eq!(sign_in["cloud"], "reference", "{all}");
    assert_eq!(sign_in["user"], "demo");
    assert_eq!(c.server().tokens_issued(), 1);
}

#[test]
fn a_token_expiring_mid_run_is_renewed_before_it_expires() {
    // Tokens live 0.3 s; the ECS cases (five restarts of 0.15 s on one
    // resource) take longer.
    let c = Cloud::start(Duration::from_millis(300), None);
    c.password_cloud();
    let out = c
        .cmd(&["--cloud", "reference", "--test-threads", "1", "ecs::"])
        .output()
        .unwrap();
    let all = c.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let duration = c.report()["run"]["duration_ms"].as_u64().unwrap();
    assert!(duration > 300, "the run was too short to test expiry");
    assert!(
        c.server().tokens_issued() >= 2,
        "no renewal in a {duration} ms run"
    );
}

#[test]
fn a_token_refused_mid_run_signs_in_again_once() {
    // The server announces an hour but drops each token after 0.2 s: only the 401 tells.
    let c = Cloud::start(Duration::from_millis(200), Some(Duration::from_secs(3600)));
    c.password_cloud();
    let out = c
        .cmd(&["--cloud", "reference", "--test-threads", "1", "ecs::"])
        .output()
        .unwrap();
    let all = c.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    assert!(c.server().tokens_issued() >= 2);
}

/// Runs a broken sign-in: exit 2, nothing sent, no report, no secret.
fn config_error(c: &Cloud, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = c.cmd(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    c.outputs(&out);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert!(!c.path("reports").exists(), "a report was written");
    stderr(&out)
}

#[test]
fn a_wrong_password_says_authentication_failed() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    c.password_cloud();
    c.write(
        "secure.yaml",
        "clouds:\n  reference:\n    auth:\n      password: \"wrong-Pw-77\"\n",
    );
    let e = config_error(&c, &["--cloud", "reference"], &[]);
    let expected = format!(
        "authentication failed at {}: 401",
        c.server().identity_url()
    );
    assert!(e.contains(&expected), "{e}");
    assert!(
        e.contains("401 Unauthorized: The request you have made"),
        "{e}"
    );
    assert!(!e.contains("wrong-Pw-77"), "{e}");
    assert_eq!(c.server().tokens_issued(), 0);
}

#[test]
fn an_unknown_cloud_names_the_clouds_and_the_files_searched() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    c.password_cloud();
    // No `auth` in the file: OS_CLOUD names the cloud.
    let target = std::fs::read_to_string(c.path("target.yaml"))
        .unwrap()
        .replace("auth:\n  cloud: \"reference\"\n", "");
    c.write("target.yaml", &target);
    let e = config_error(&c, &[], &[("OS_CLOUD", "nope")]);
    assert!(e.contains("no cloud named `nope`"), "{e}");
    assert!(e.contains("reference (in ./clouds.yaml)"), "{e}");
    assert!(
        e.contains(".config/openstack/clouds.yaml") && e.contains("/etc/openstack/clouds.yaml"),
        "{e}"
    );
}

#[test]
fn a_service_type_missing_from_the_catalog_lists_the_types() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    c.password_cloud();
    let target = std::fs::read_to_string(c.path("target.yaml"))
        .unwrap()
        .replace("ecs: { vars", "ecs: { service_type: nova, vars");
    c.write("target.yaml", &target);
    let e = config_error(&c, &["--cloud", "reference"], &[]);
    assert!(
        e.contains("the catalog has no service of type `nova`")
            && e.contains("compute, database, database-ha, ddm, identity, modelarts"),
        "{e}"
    );
}

#[test]
fn an_unreachable_auth_url_is_a_configuration_error() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/v3");
    let e = config_error(
        &c,
        &["--cloud", "reference"],
        &[
            ("OS_CLIENT_CONFIG_FILE", "elsewhere.yaml"),
            ("OS_CLOUD", "unused"),
        ],
    );
    // OS_CLIENT_CONFIG_FILE names a missing file: the error lists it first.
    assert!(e.contains("elsewhere.yaml"), "{e}");
    c.write(
        "clouds.yaml",
        &format!(
            "clouds:\n  reference:\n    auth:\n      auth_url: \"{url}\"\n      username: demo\n      password: \"{PASSWORD}\"\n      project_name: demo\n"
        ),
    );
    let e = config_error(&c, &["--cloud", "reference"], &[]);
    assert!(
        e.contains(&format!("the auth URL {url} cannot be reached")),
        "{e}"
    );
}

#[test]
fn a_dry_run_shows_the_sign_in_with_the_password_as_a_variable() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    c.password_cloud();
    let out = c
        .cmd(&["--cloud", "reference", "--dry-run"])
        .output()
        .unwrap();
    let all = c.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "curl -i -X POST '{}/auth/tokens'",
            c.server().identity_url()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"password\":\"'\"$OS_PASSWORD\"'\""),
        "{stdout}"
    );
    assert_eq!(c.server().tokens_issued(), 0, "a dry run signed in");
}

#[test]
fn a_dry_run_of_a_cloud_needs_no_password() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    // The clouds.yaml alone: no secure.yaml, no OS_PASSWORD.
    c.write("clouds.yaml", &c.server().clouds_yaml("reference", "X"));
    let out = c
        .cmd(&["--cloud", "reference", "--dry-run", "ecs::v2.1::"])
        .output()
        .unwrap();
    let all = c.outputs(&out);
    assert_eq!(code(&out), Some(0), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\"password\":\"'\"$OS_PASSWORD\"'\""),
        "{stdout}"
    );
    // Each selected case, its base URL naming the catalog service it would come from and
    // the token a variable.
    let cases: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("# ecs::"))
        .collect();
    assert!(cases.contains(&"# ecs::v2.1::reboot_hard"), "{stdout}");
    assert!(
        cases.iter().all(|c| c.starts_with("# ecs::v2.1::")),
        "{stdout}"
    );
    let curls: Vec<&str> = stdout.lines().filter(|l| l.starts_with("curl")).collect();
    // The sign-in and one line per case.
    assert_eq!(curls.len(), cases.len() + 1, "{stdout}");
    assert!(
        curls[1..].iter().all(|l| {
            l.contains("{compute endpoint from the catalog}/v2.1/")
                && l.contains("-H \"X-Auth-Token: $OS_AUTH_TOKEN\"")
        }),
        "{stdout}"
    );
    assert_eq!(c.server().tokens_issued(), 0, "a dry run signed in");
}

#[test]
fn cloud_without_a_target_file_is_refused() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    let out = Command::cargo_bin("restart-conformance")
        .unwrap()
        .current_dir(c.dir.path())
        .args(["run", "--cloud", "reference"])
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("--cloud needs --target"));
}

#[test]
fn serve_prints_a_clouds_yaml_without_the_password() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    let yaml = c.server().clouds_yaml("reference", "OS_AUTH_TOKEN");
    assert!(yaml.contains(&c.server().identity_url()), "{yaml}");
    assert!(!yaml.contains(PASSWORD), "{yaml}");
    assert!(Path::new(&c.path("target.yaml")).exists());
}

#[test]
fn the_identity_endpoint_refuses_as_keystone_does_and_its_tokens_open_the_apis() {
    let c = Cloud::start(Duration::from_secs(3600), None);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!("{}/auth/tokens", c.server().identity_url());
    let ecs = format!(
        "http://{}/ecs/v2.1/0b7a2f64c1e94d6c9f3e5a8d2c1b4e7f/servers/9f1c6b3e-2d4a-4f8b-a7c5-6e0d1b2a3c4d",
        c.server().local_addr()
    );
    let body = |password: &str| {
        serde_json::json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"}, "password": password}}},
            "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}})
        .to_string()
    };
    c.rt.block_on(async {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let r = http.post(&url).body(body("wrong")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Keystone uri=")
        );
        let e: serde_json::Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], 401);
        assert_eq!(e["error"]["title"], "Unauthorized");
        let r = http.post(&url).body(body(PASSWORD)).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let token = r.headers()["x-subject-token"].to_str().unwrap().to_owned();
        let t: serde_json::Value = r.json().await.unwrap();
        assert!(t["token"]["expires_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(t["token"]["project"]["name"], "demo");
        let status = |tok: &str| {
            let req = http.get(&ecs).header("x-auth-token", tok.to_owned());
            async move { req.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(status(&token).await, 200);
        assert_eq!(status("not-issued").await, 401);
    });
}

//! Shared helpers: running the harness in-process against the reference server.

use std::collections::BTreeSet;
use std::time::Duration;

use restart_conformance::pipeline::{self, SuiteOptions};
use restart_conformance::reference::Fault;
use restart_conformance::report::contract::{CaseOutcome, CaseReport, CheckOutcome, Report};
use restart_conformance::run::{self, EndpointChoice, Polling, Settings};
use restart_conformance::spec::{self, SpecSet};

pub fn builtin() -> SpecSet {
    spec::load_builtin().unwrap()
}

pub fn settings(lifecycle_timeout: Duration) -> Settings {
    let mut s = Settings::new(Polling {
        interval: Duration::from_millis(20),
        timeout: lifecycle_timeout,
        grace: Duration::from_millis(500),
    });
    s.request_timeout = Duration::from_secs(5);
    s
}

pub fn args(filter: Option<&str>) -> libtest_mimic::Arguments {
    libtest_mimic::Arguments {
        filter: filter.map(str::to_owned),
        quiet: true,
        ..Default::default()
    }
}

/// Runs the built-in specs against the embedded server with `faults`.
pub fn run_embedded(specs: &SpecSet, faults: &[&str], filter: Option<&str>) -> Report {
    let faults: BTreeSet<Fault> = faults.iter().map(|f| f.parse().unwrap()).collect();
    let choice = EndpointChoice::embedded(
        Duration::from_millis(200),
        faults,
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    run_choice(
        specs,
        choice,
        settings(Duration::from_secs(2)),
        args(filter),
    )
}

/// Runs the suite in-process, writing no report, and returns the report.
pub fn run_choice(
    specs: &SpecSet,
    choice: EndpointChoice,
    settings: Settings,
    args: libtest_mimic::Arguments,
) -> Report {
    let options = SuiteOptions::in_process(settings, args);
    let result = pipeline::run_suite(specs, choice, options).unwrap();
    result.report.unwrap()
}

pub fn case<'a>(report: &'a Report, name: &str) -> &'a CaseReport {
    report
        .cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no case {name} in {:?}",
                report.cases.iter().map(|c| &c.name).collect::<Vec<_>>()
            )
        })
}

pub fn failing(report: &Report) -> BTreeSet<String> {
    report
        .cases
        .iter()
        .filter(|c| matches!(c.outcome, CaseOutcome::Failed | CaseOutcome::Errored))
        .map(|c| c.name.clone())
        .collect()
}

/// Every non-passing check of a case, one per line, for assertion messages.
pub fn describe(c: &CaseReport) -> String {
    c.checks
        .iter()
        .filter(|k| k.outcome != CheckOutcome::Passed)
        .map(|k| format!("[{:?} {}] {}", k.outcome, k.id, k.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A reference server on its own runtime, for runs through a target.
pub struct Served {
    pub rt: tokio::runtime::Runtime,
    pub server: Option<restart_conformance::reference::ReferenceServer>,
    pub token: String,
}

impl Served {
    pub fn start(faults: &[&str], token: &str) -> Served {
        Served::start_with(faults, token, Duration::from_millis(200))
    }

    /// As [`Served::start`], with restarts lasting `reboot`.
    pub fn start_with(faults: &[&str], token: &str, reboot: Duration) -> Served {
        use restart_conformance::reference::{ReferenceConfig, ReferenceServer};
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = ReferenceConfig {
            reboot,
            faults: faults.iter().map(|f| f.parse().unwrap()).collect(),
            token: token.to_owned(),
            resources: restart_conformance::reference::DEFAULT_RESOURCES,
        };
        let server = rt
            .block_on(ReferenceServer::start(([127, 0, 0, 1], 0).into(), config))
            .unwrap();
        Served {
            rt,
            server: Some(server),
            token: token.to_owned(),
        }
    }

    /// A target file for this server with some base URLs replaced.
    pub fn target_yaml_with(&self, token_env: &str, base_urls: &[(&str, String)]) -> String {
        let mut yaml = format!("auth:\n  token_env: {token_env}\napis:\n");
        for a in self.server.as_ref().unwrap().apis() {
            let base = base_urls
                .iter()
                .find(|(api, _)| *api == a.api)
                .map_or(a.base_url.clone(), |(_, b)| b.clone());
            let vars: Vec<String> = a
                .vars
                .iter()
                .map(|(k, v)| format!("{k}: \"{v}\""))
                .collect();
            yaml.push_str(&format!(
                "  {}: {{ base_url: \"{base}\", vars: {{ {} }} }}\n",
                a.api,
                vars.join(", ")
            ));
        }
        yaml
    }

    pub fn target(&self) -> restart_conformance::endpoint::Endpoint {
        let token = restart_conformance::endpoint::Secret::new(self.token.clone());
        run::embedded_endpoint(self.server.as_ref().unwrap(), token)
    }
}

impl Served {
    /// An endpoint for this server with every API signed with its access key.
    pub fn signed_target(&self) -> restart_conformance::endpoint::Endpoint {
        use restart_conformance::endpoint::{AkSk, Secret};
        let mut e = self.target();
        for a in e.apis.values_mut() {
            a.signer = Some(std::sync::Arc::new(AkSk {
                ak: restart_conformance::reference::REFERENCE_AK.into(),
                sk: Secret::new(self.token.clone()),
                project_id: a.vars.get("project_id").cloned(),
                security_token: None,
                ak_env: "HUAWEICLOUD_SDK_AK".into(),
                sk_env: "HUAWEICLOUD_SDK_SK".into(),
                security_token_env: "HUAWEICLOUD_SDK_SECURITY_TOKEN".into(),
            }));
        }
        e
    }
}

/// Runs the suite with every API signed, against a server with `faults`.
pub fn run_signed(faults: &[&str], settings: Settings, filter: Option<&str>) -> Report {
    let served = Served::start(faults, "sk-of-the-run-Qw7");
    let choice = EndpointChoice::File(served.signed_target());
    run_choice(&builtin(), choice, settings, args(filter))
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

/// One message per `test NAME ... ok` line that a running harness prints on
/// its (piped) stdout; a thread keeps draining stdout until the child exits.
pub fn passed_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<()> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.ends_with("... ok") {
                let _ = tx.send(());
            }
        }
    });
    rx
}

/// The binary's `run` in `dir` with a clean environment, against
/// `dir/target.yaml`, reports in `dir/reports`, polled fast.
pub fn run_in(dir: &std::path::Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("restart-conformance").unwrap();
    cmd.current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .arg("run")
        .args(["--target", "target.yaml", "--report-dir", "reports"])
        .args(["--poll-interval", "0.02", "--lifecycle-timeout", "10", "-q"])
        .args(args);
    cmd
}

/// stdout, stderr and every file in `reports`, asserted to hold none of `secrets`.
pub fn outputs_without(
    out: &std::process::Output,
    reports: &std::path::Path,
    secrets: &[&str],
) -> String {
    let mut all = String::from_utf8_lossy(&out.stdout).into_owned();
    all.push_str(&String::from_utf8_lossy(&out.stderr));
    if let Ok(entries) = std::fs::read_dir(reports) {
        for e in entries {
            all.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap_or_default());
        }
    }
    for secret in secrets {
        assert!(!all.contains(secret), "a secret was printed:\n{all}");
    }
    all
}

/// CI sets this to `1`: then a real tool a test needs must be installed.
pub const REQUIRE_TOOLS: &str = "RESTART_CONFORMANCE_REQUIRE_TOOLS";

/// The path of the real tool `name` on PATH, from the Debian `package`; `None` (after saying
/// so) when it is absent and not required.
pub fn tool(name: &str, package: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var(REQUIRE_TOOLS).as_deref() != Ok("1"),
            "{name} is not installed and {REQUIRE_TOOLS}=1 requires it (Debian: apt-get install {package})"
        );
        eprintln!("skipped: {name} is not installed (Debian: apt-get install {package})");
    }
    found
}

/// The binary under test.
pub fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("restart-conformance").unwrap()
}

/// What a command printed, standard output then standard error.
pub fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts that the command exited with `code`, showing its standard error when it did not.
pub fn assert_exit(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

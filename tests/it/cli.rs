//! The real binary: exit codes 0, 1 and 2, the reports it writes, and the
//! token kept out of every output.

use std::path::Path;

use super::common::bin;
use crate::common::Served;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("report.json"))).unwrap()
}

/// Counts `<tag` openings in the JUnit file.
fn count(xml: &str, tag: &str) -> usize {
    xml.matches(&format!("<{tag}")).count()
}

#[test]
fn run_without_target_passes_and_writes_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["run", "--report-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for f in ["report.json", "junit.xml", "report.html", "summary.md"] {
        assert!(dir.path().join(f).is_file(), "{f} missing");
    }
    let r = report(dir.path());
    let cases = r["cases"].as_array().unwrap().len();
    assert!(cases > 60, "{cases} cases");
    assert_eq!(r["summary"]["failed"], 0);
    let xml = read(&dir.path().join("junit.xml"));
    assert_eq!(count(&xml, "testcase"), cases);
    assert_eq!(count(&xml, "failure") + count(&xml, "error "), 0);
    assert_eq!(count(&xml, "testsuite "), 5, "one suite per API");
}

#[test]
fn a_fault_fails_the_run_with_exit_1_and_still_writes_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["run", "--fault", "ddm-missing-job-id", "--report-dir"])
        .arg(dir.path())
        .arg("ddm::")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("[must body.schema]") && stdout.contains("jobId"),
        "{stdout}"
    );
    let r = report(dir.path());
    let failed = r["summary"]["failed"].as_u64().unwrap();
    assert!(failed >= 2);
    let xml = read(&dir.path().join("junit.xml"));
    assert_eq!(count(&xml, "failure") as u64, failed);
}

#[test]
fn bad_specs_exit_2_with_a_location_and_send_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["run", "--specs", "fixtures/specs-bad", "--report-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fixtures/specs-bad/unknown_key.yaml:28:"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("report.json").exists(),
        "nothing may run on a configuration error"
    );
    bin()
        .args(["specs", "check", "fixtures/specs-bad"])
        .assert()
        .code(2);
    bin()
        .args(["specs", "check"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("ecs"));
}

#[test]
fn bad_target_and_unset_token_exit_2() {
    bin()
        .args(["run", "--target", "fixtures/targets-bad/unknown_key.yaml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown_key.yaml:2:"));
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.yaml");
    std::fs::write(&t, "auth: { token_env: RC_NEVER_SET_TOKEN }\napis:\n  ecs: { base_url: \"http://127.0.0.1:9\", vars: { project_id: p, server_id: s } }\n").unwrap();
    bin()
        .args(["run", "--target"])
        .arg(&t)
        .env_remove("RC_NEVER_SET_TOKEN")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("RC_NEVER_SET_TOKEN"));
    bin()
        .args(["run", "--request-timeout", "soon"])
        .assert()
        .code(2);
    // No wait at all is no setting: every request would fail, or polls would hammer the API.
    for flag in ["--request-timeout", "--poll-interval"] {
        bin()
            .args(["run", flag, "0"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(format!(
                "'0' for '{flag} <S>': `0` is no wait at all"
            )));
    }
    bin()
        .args(["run", "--fault", "no-such-fault"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("valid faults"));
}

#[test]
fn list_shows_every_case_and_sends_nothing() {
    let out = bin().args(["run", "--list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for name in [
        "ecs::v2.1::reboot_hard: test",
        "ddm::negative::restart_type_not_in_enum: test",
        "clouddb-ha::restart: test",
    ] {
        assert!(stdout.contains(name), "{name} not listed");
    }
}

/// A target whose DDM endpoint refuses connections: DDM cases error, the
/// others pass, the token appears in no output.
#[test]
fn a_refused_connection_is_a_junit_error_and_the_rest_still_runs() {
    let token = "tok-9a7c-never-print-me";
    let served = Served::start(&[], token);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let yaml = served.target_yaml_with(
        "RC_IT_TOKEN",
        &[("ddm", format!("http://127.0.0.1:{port}/ddm"))],
    );
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("target.yaml");
    std::fs::write(&t, &yaml).unwrap();
    let reports = dir.path().join("reports");
    let out = bin()
        .args([
            "run",
            "--poll-interval",
            "0.02",
            "--request-timeout",
            "5",
            "--target",
        ])
        .arg(&t)
        .arg("--report-dir")
        .arg(&reports)
        .env("RC_IT_TOKEN", token)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r = report(&reports);
    for c in r["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let outcome = c["outcome"].as_str().unwrap();
        if name.starts_with("ddm::") {
            assert_eq!(outcome, "errored", "{name}");
            assert!(
                c["reason"].as_str().unwrap().contains("could not connect"),
                "{name}: {}",
                c["reason"]
            );
        } else {
            assert_eq!(outcome, "passed", "{name}: {}", c["checks"]);
        }
    }
    let xml = read(&reports.join("junit.xml"));
    assert!(
        count(&xml, "error ") >= 10,
        "transport errors are JUnit errors"
    );
    assert_eq!(count(&xml, "failure"), 0);
    // The token is in no output at all.
    for text in [
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ] {
        assert!(!text.contains(token), "token printed");
    }
    for f in std::fs::read_dir(&reports).unwrap() {
        let p = f.unwrap().path();
        assert!(!read(&p).contains(token), "token in {}", p.display());
    }
}

#[test]
fn report_diff_exits_1_on_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    bin()
        .args(["run", "--report-dir"])
        .arg(&old)
        .arg("clouddb::")
        .assert()
        .code(0);
    bin()
        .args([
            "run",
            "--fault",
            "clouddb-undocumented-status",
            "--strict",
            "--report-dir",
        ])
        .arg(&new)
        .arg("clouddb::")
        .assert()
        .code(1);
    bin()
        .args(["report", "diff"])
        .arg(old.join("report.json"))
        .arg(new.join("report.json"))
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "clouddb::restart_while_restarting",
        ));
    bin()
        .args(["report", "diff"])
        .arg(old.join("report.json"))
        .arg(old.join("report.json"))
        .assert()
        .code(0);
}

#[test]
fn dry_run_prints_curl_lines_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.yaml");
    // A port nothing listens on: a dry run must not need it.
    std::fs::write(&t, "auth: { token_env: RC_DRY_TOKEN }\napis:\n  ecs: { base_url: \"http://127.0.0.1:9\", vars: { project_id: p1, server_id: s1 } }\n").unwrap();
    let out = bin()
        .args(["run", "--dry-run", "--target"])
        .arg(&t)
        .arg("--report-dir")
        .arg(dir.path().join("reports"))
        .env("RC_DRY_TOKEN", "tok-dry-secret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("curl -i -X POST http://127.0.0.1:9/v2.1/p1/servers/s1/action -H \"X-Auth-Token: $RC_DRY_TOKEN\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("# ddm::restart_soft\n# skipped: `ddm` is not configured"),
        "{stdout}"
    );
    assert!(!stdout.contains("tok-dry-secret"));
    assert!(
        !dir.path().join("reports").exists(),
        "a dry run writes no report"
    );
    // The token is not needed for a dry run.
    bin()
        .args(["run", "--dry-run", "--target"])
        .arg(&t)
        .env_remove("RC_DRY_TOKEN")
        .assert()
        .code(0);
}

/// The case names a dry run prints, in order.
fn dry_run_cases(selection: &[&str]) -> Vec<String> {
    let out = bin()
        .args(["run", "--dry-run"])
        .args(selection)
        .output()
        .unwrap();
    super::common::assert_exit(&out, 0);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| !l.starts_with("skipped:"))
        .map(str::to_owned)
        .collect()
}

/// The case names a run's report holds, in order.
fn reported_cases(selection: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["run", "-q", "--report-dir"])
        .arg(dir.path())
        .args(selection)
        .output()
        .unwrap();
    super::common::assert_exit(&out, 0);
    let report = restart_conformance::report::load(&dir.path().join("report.json")).unwrap();
    report.cases.into_iter().map(|c| c.name).collect()
}

#[test]
fn dry_run_prints_exactly_the_cases_a_run_with_the_same_selection_sends() {
    let all = dry_run_cases(&[]);
    for selection in [
        &["ecs::v2.1::"][..],
        &["--exact", "ecs::v2.1::reboot_hard"],
        &["ecs::", "--skip", "negative", "--skip", "v2::"],
    ] {
        let printed = dry_run_cases(selection);
        assert!(
            !printed.is_empty() && printed.len() < all.len(),
            "{selection:?}: {printed:?}"
        );
        assert_eq!(printed, reported_cases(selection), "{selection:?}");
    }
    assert_eq!(
        dry_run_cases(&["--exact", "ecs::v2.1::reboot_hard"]),
        ["ecs::v2.1::reboot_hard"]
    );
}

/// A long lifecycle wait shows which resource is in which state, on stderr;
/// `-q` keeps it quiet.
#[test]
fn long_waits_show_progress_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "--fault",
        "ha-never-active",
        "--lifecycle-timeout",
        "3.5",
        "--exact",
        "clouddb-ha::restart",
        "--report-dir",
    ];
    let out = bin().args(args).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("waiting: clouddb-ha/") && stderr.contains(": REBOOT for 3 s"),
        "{stderr}"
    );
    let out = bin().args(args).arg(dir.path()).arg("-q").output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("waiting:"));
}

#[test]
fn report_diff_on_a_broken_file_names_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"format\": 1,\n  \"tool\": oops}\n").unwrap();
    let out = bin()
        .args(["report", "diff"])
        .arg(&bad)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: failed to load report ") && stderr.contains("bad.json"),
        "{stderr}"
    );
    assert!(
        stderr.contains("at line 2 column 11"),
        "the cause is lost: {stderr}"
    );
}

#[test]
fn a_report_directory_that_cannot_be_written_is_found_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the report directory should be.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "").unwrap();
    let reports = blocked.join("reports");
    let out = bin()
        .args(["run", "-q", "--report-dir"])
        .arg(&reports)
        .arg("ddm::negative::no_token")
        .output()
        .unwrap();
    // The journal is started first: the directory is refused before any case.
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    let expected = format!("error: cannot write reports to {}: ", reports.display());
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(
        stderr.contains("Not a directory"),
        "the cause is lost: {stderr}"
    );
}

//! Hostile targets: each misbehaviour is a finding in the affected cases, the
//! other cases still run, the run exits 1 with parseable reports, and the
//! token appears in no output.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

use crate::common::Served;

const TOKEN: &str = "tok-hostile-3b9e51-secret";

struct Run {
    out: Output,
    report: Value,
    dir: tempfile::TempDir,
}

impl Run {
    fn case(&self, name: &str) -> &Value {
        self.report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no case {name}"))
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    /// The outcome of every case outside `api`.
    fn others(&self, api: &str) -> Vec<(String, String)> {
        self.report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["api"] != api)
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_owned(),
                    c["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

/// Runs the binary against `served` through a target file; `extra` are more flags.
fn run(served: &Served, base_urls: &[(&str, String)], extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.yaml");
    std::fs::write(
        &target,
        served.target_yaml_with("RC_HOSTILE_TOKEN", base_urls),
    )
    .unwrap();
    let reports = dir.path().join("reports");
    let out = Command::cargo_bin("restart-conformance")
        .unwrap()
        .args([
            "run",
            "--poll-interval",
            "0.02",
            "--lifecycle-timeout",
            "5",
            "--target",
        ])
        .arg(&target)
        .arg("--report-dir")
        .arg(&reports)
        .args(extra)
        .env("RC_HOSTILE_TOKEN", TOKEN)
        .output()
        .unwrap();
    let report =
        serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap())
            .unwrap();
    let r = Run { out, report, dir };
    assert_no_token(&r);
    assert_junit_parses(&reports, &r.report);
    r
}

fn assert_no_token(r: &Run) {
    assert!(
        !String::from_utf8_lossy(&r.out.stdout).contains(TOKEN),
        "token on stdout"
    );
    assert!(!r.stderr().contains(TOKEN), "token on stderr");
    for f in walk(r.dir.path()) {
        if f.file_name().is_some_and(|n| n == "target.yaml") {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "token in {}",
            f.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

/// junit.xml agrees with report.json: a testcase per case, an error per
/// errored case, a failure per failed case.
fn assert_junit_parses(reports: &Path, report: &Value) {
    let xml = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(xml.starts_with("<?xml"), "junit.xml is not XML");
    let cases = report["cases"].as_array().unwrap();
    let count = |o: &str| cases.iter().filter(|c| c["outcome"] == o).count();
    assert_eq!(xml.matches("<testcase").count(), cases.len());
    assert_eq!(xml.matches("<error").count(), count("errored"));
    assert_eq!(xml.matches("<failure").count(), count("failed"));
}

fn assert_others_pass(r: &Run, api: &str) {
    for (name, outcome) in r.others(api) {
        assert_eq!(outcome, "passed", "{name} should be untouched");
    }
}

fn check(case: &Value, id: &str) -> Value {
    case["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{} has no {id}: {}", case["name"], case["checks"]))
}

#[test]
fn a_huge_body_is_cut_at_the_cap() {
    let served = Served::start(&["huge-body"], TOKEN);
    let r = run(&served, &[], &[]);
    assert_eq!(r.out.status.code(), Some(1));
    let c = r.case("ddm::restart_soft");
    assert_eq!(c["outcome"], "errored");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("larger than the 1 MiB cap"),
        "{}",
        c["reason"]
    );
    assert_eq!(r.case("ddm::negative::malformed_json")["outcome"], "passed");
    assert_others_pass(&r, "ddm");
}

#[test]
fn a_server_that_never_answers_times_out_per_request() {
    let served = Served::start(&["hang"], TOKEN);
    // Never give up on the API here: every case waits out its own timeout.
    let r = run(
        &served,
        &[],
        &["--request-timeout", "0.5", "--dead-after", "0", "ddm::"],
    );
    assert_eq!(r.out.status.code(), Some(1));
    let c = r.case("ddm::restart_soft");
    assert_eq!(c["outcome"], "errored");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("no response within 0.5 s"),
        "{}",
        c["reason"]
    );
    // Other methods on the action URI do not hang and still pass.
    assert_eq!(r.case("ddm::negative::method_get")["outcome"], "passed");
}

#[test]
fn a_dead_api_is_given_up_after_three_timeouts_in_a_row() {
    let served = Served::start(&["hang"], TOKEN);
    let r = run(&served, &[], &["--request-timeout", "2", "ddm::"]);
    assert_eq!(r.out.status.code(), Some(1));
    let cases = r.report["cases"].as_array().unwrap();
    let reason = |c: &Value| c["reason"].as_str().unwrap_or("").to_owned();
    // Every request sent, those of tries run again (a lost action is sent
    // again once the resource stayed steady) included.
    let sent = |c: &Value| {
        let mut all: Vec<Value> = c["exchanges"].as_array().cloned().unwrap_or_default();
        for t in c["retries"]["earlier_tries"]
            .as_array()
            .into_iter()
            .flatten()
        {
            all.extend(t["exchanges"].as_array().cloned().unwrap_or_default());
        }
        all
    };
    let timed_out = cases
        .iter()
        .flat_map(sent)
        .filter(|x| {
            x["error"]
                .as_str()
                .is_some_and(|e| e.contains("no response within 2.0 s"))
        })
        .count();
    let not_sent = cases
        .iter()
        .filter(|c| reason(c) == "not sent: ddm stopped answering (3 timeouts in a row)")
        .count();
    // Only the requests already in flight when the third timeout came wait
    // out their timeout (one wave, so about one request timeout in all);
    // every later case ends at once.
    let reasons: Vec<String> = cases.iter().map(reason).collect();
    assert!(
        (3..=6).contains(&timed_out),
        "{timed_out} requests timed out: {reasons:#?}"
    );
    assert!(not_sent >= 5, "{not_sent} not sent");
    for c in cases
        .iter()
        .filter(|c| c["outcome"] == "errored" && !reason(c).starts_with("not sent"))
    {
        assert!(
            reason(c).contains("no response within 2.0 s"),
            "a case that sent its request ends with its timeout: {c}"
        );
    }
    for c in cases.iter().filter(|c| c["outcome"] == "errored") {
        assert!(c["checks"][0]["id"] == "transport", "{c}");
    }
}

#[test]
fn a_connection_closed_early_is_one_line_and_errors_that_api_only() {
    let served = Served::start(&["close-early"], TOKEN);
    let r = run(&served, &[], &[]);
    assert_eq!(r.out.status.code(), Some(1));
    assert_eq!(
        r.stderr().matches("error: ddm cannot be reached").count(),
        1,
        "{}",
        r.stderr()
    );
    let c = r.case("ddm::restart_soft");
    assert_eq!(c["outcome"], "errored");
    assert!(
        c["exchanges"].as_array().unwrap().is_empty(),
        "nothing is sent to an unreachable API"
    );
    assert_others_pass(&r, "ddm");
}

#[test]
fn bytes_that_are_not_http_are_one_line_and_error_that_api_only() {
    let served = Served::start(&["not-http"], TOKEN);
    let r = run(&served, &[], &[]);
    assert_eq!(r.out.status.code(), Some(1));
    assert_eq!(
        r.stderr().matches("error: ddm cannot be reached").count(),
        1,
        "{}",
        r.stderr()
    );
    assert!(
        r.case("ddm::restart_hard")["reason"]
            .as_str()
            .unwrap()
            .contains("no valid HTTP response")
    );
    assert_others_pass(&r, "ddm");
}

/// A body the client cannot take as JSON, one fault each.
struct BadBody {
    fault: &'static str,
    /// What the `content_type.json` message of `ddm::restart_soft` must say.
    message: &'static str,
}

/// Each fault fails `content_type.json` of the cases that get the bad body, with a message
/// naming what is wrong, and leaves the cases it does not touch passing.
#[test]
fn bodies_that_are_not_json_fail_content_type() {
    let table = [
        BadBody {
            fault: "truncated-json",
            message: "not valid JSON",
        },
        BadBody {
            fault: "invalid-utf8",
            message: "not valid JSON",
        },
        BadBody {
            fault: "json-as-html",
            message: "text/html",
        },
    ];
    for row in table {
        let served = Served::start(&[row.fault], TOKEN);
        let r = run(&served, &[], &["ddm::"]);
        assert_eq!(r.out.status.code(), Some(1), "{}", row.fault);
        let c = r.case("ddm::restart_soft");
        assert_eq!(c["outcome"], "failed", "{}", row.fault);
        let k = check(c, "content_type.json");
        assert_eq!(k["outcome"], "failed", "{}", row.fault);
        assert!(
            k["message"].as_str().unwrap().contains(row.message),
            "{}: {k}",
            row.fault
        );
        // The cases that send nothing the fault touches still pass.
        for untouched in ["ddm::negative::no_token", "ddm::negative::method_get"] {
            assert_eq!(r.case(untouched)["outcome"], "passed", "{}", row.fault);
        }
    }
}

#[test]
fn a_redirect_is_reported_not_followed() {
    let served = Served::start(&["redirect"], TOKEN);
    let r = run(&served, &[], &["ddm::"]);
    assert_eq!(r.out.status.code(), Some(1));
    let k = check(r.case("ddm::restart_soft"), "status.expected");
    assert_eq!(k["outcome"], "failed");
    assert!(
        k["message"].as_str().unwrap().contains("a redirect")
            && k["message"].as_str().unwrap().contains("got 307"),
        "{k}"
    );
    assert_eq!(
        r.case("ddm::restart_soft")["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["purpose"] == "request")
            .count(),
        1
    );
    // Every POST is redirected, even one without a token; other methods are not.
    assert_eq!(r.case("ddm::negative::no_token")["outcome"], "failed");
    assert_eq!(r.case("ddm::negative::method_get")["outcome"], "passed");
}

/// With --follow-redirects the request goes on to the other host, without the token.
#[test]
fn a_followed_redirect_to_another_host_carries_no_token() {
    let served = Served::start(&["redirect"], TOKEN);
    let port = served.server.as_ref().unwrap().local_addr().port();
    let other = std::net::TcpListener::bind(("127.0.0.2", port)).unwrap();
    let capture = std::thread::spawn(move || {
        let (mut s, _) = other.accept().unwrap();
        let mut buf = vec![0u8; 16 * 1024];
        let n = s.read(&mut buf).unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let r = run(
        &served,
        &[],
        &["--follow-redirects", "--exact", "ddm::restart_soft"],
    );
    let request = capture.join().unwrap();
    assert!(request.starts_with("POST /ddm/"), "{request}");
    assert!(
        !request.to_ascii_lowercase().contains("x-auth-token"),
        "token sent to another host:\n{request}"
    );
    let c = r.case("ddm::restart_soft");
    assert!(
        c["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("another origin without the token")),
        "{}",
        c["notes"]
    );
    assert_eq!(
        c["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["purpose"] == "request")
            .count(),
        2
    );
}

#[test]
fn retry_after_is_honoured() {
    let served = Served::start(&["retry-after"], TOKEN);
    let r = run(&served, &[], &["--exact", "ddm::restart_soft"]);
    assert_eq!(
        r.out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.out.stdout)
    );
    let c = r.case("ddm::restart_soft");
    assert!(
        c["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("Retry-After")),
        "{}",
        c["notes"]
    );
}

#[test]
fn unreachable_hosts_give_one_line_per_api_and_no_retries() {
    let served = Served::start(&[], TOKEN);
    // A plain-HTTP port spoken to with TLS, a name that cannot resolve, a refused port.
    let http_port = served.server.as_ref().unwrap().local_addr().port();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = closed.local_addr().unwrap().port();
    drop(closed);
    let r = run(
        &served,
        &[
            ("ddm", format!("https://127.0.0.1:{http_port}/ddm")),
            (
                "modelarts",
                "http://no-such-host.invalid/modelarts".to_owned(),
            ),
            ("ecs", format!("http://127.0.0.1:{refused}/ecs")),
        ],
        &[],
    );
    assert_eq!(r.out.status.code(), Some(1));
    let err = r.stderr();
    assert!(
        err.contains("restarts real resources"),
        "a target off this machine is announced: {err}"
    );
    for api in ["ddm", "modelarts", "ecs"] {
        assert_eq!(
            err.matches(&format!("error: {api} cannot be reached"))
                .count(),
            1,
            "{err}"
        );
    }
    for (name, outcome) in r.others("none") {
        let expected = if name.starts_with("clouddb") {
            "passed"
        } else {
            "errored"
        };
        assert_eq!(outcome, expected, "{name}");
    }
}

#[test]
fn an_interrupted_run_leaves_a_report_of_what_finished() {
    interrupt_with("-INT");
}

#[test]
fn a_terminated_run_leaves_a_report_of_what_finished() {
    interrupt_with("-TERM");
}

fn interrupt_with(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restart-conformance"))
        .args([
            "run",
            "--fault",
            "hang",
            "--request-timeout",
            "60",
            "--test-threads",
            "4",
            "--report-dir",
        ])
        .arg(&reports)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some cases have finished (the hanging DDM ones never do).
    let rx = crate::common::passed_lines(&mut child);
    let some_passed = rx.recv_timeout(std::time::Duration::from_secs(120));
    assert!(some_passed.is_ok(), "no case finished within the deadline");
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(1));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["run"]["interrupted"], true);
    let cases = report["cases"].as_array().unwrap();
    assert!(
        cases.iter().any(|c| c["outcome"] == "passed"),
        "finished cases are kept"
    );
    let not_run: Vec<_> = cases
        .iter()
        .filter(|c| {
            c["reason"]
                .as_str()
                .is_some_and(|r| r.contains("interrupted"))
        })
        .collect();
    assert!(!not_run.is_empty() && not_run.iter().all(|c| c["outcome"] == "skipped"));
    assert_eq!(
        cases.len(),
        restart_conformance::plan::plan(&crate::common::builtin()).len(),
        "every case is accounted for"
    );
    let xml = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert_eq!(xml.matches("<testcase").count(), cases.len());
}

#[test]
fn a_password_in_a_base_url_is_never_printed_nor_reported() {
    const PASSWORD: &str = "pa55-in-url-7c1e";
    let served = Served::start(&[], TOKEN);
    let ddm = served
        .server
        .as_ref()
        .unwrap()
        .apis()
        .into_iter()
        .find(|a| a.api == "ddm")
        .unwrap();
    let with_password = ddm
        .base_url
        .replacen("http://", &format!("http://ops:{PASSWORD}@"), 1);
    // One API answers, the other is refused: both kinds of line name the URL.
    let closed = format!("http://ops:{PASSWORD}@127.0.0.1:9/ecs");
    let r = run(
        &served,
        &[("ddm", with_password), ("ecs", closed)],
        &["--request-timeout", "2"],
    );
    let mut outputs = vec![
        String::from_utf8_lossy(&r.out.stdout).into_owned(),
        r.stderr(),
    ];
    for f in walk(&r.dir.path().join("reports")) {
        outputs.push(String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned());
    }
    assert!(r.stderr().contains("ops:***@127.0.0.1:9"), "{}", r.stderr());
    for text in outputs {
        assert!(!text.contains(PASSWORD), "password printed:\n{text}");
    }
    assert_eq!(r.case("ddm::restart_soft")["outcome"], "passed");
}

#[test]
fn quiet_still_says_which_api_cannot_be_reached() {
    let served = Served::start(&[], TOKEN);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = closed.local_addr().unwrap().port();
    drop(closed);
    let r = run(
        &served,
        &[("ecs", format!("http://127.0.0.1:{refused}/ecs"))],
        &["-q", "ecs::"],
    );
    assert_eq!(r.out.status.code(), Some(1));
    // -q quiets progress, not the one line that explains the failure.
    let err = r.stderr();
    assert_eq!(
        err.matches(&format!(
            "error: ecs cannot be reached at http://127.0.0.1:{refused}/ecs"
        ))
        .count(),
        1,
        "{err}"
    );
}

//! Nightly reports with a memory: restart timings from real restarts of the embedded server, a
//! seeded history of nights with faults switched on and off, the history file through the real
//! binary, and the metrics checked by promtool and served back by a real Pushgateway.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use restart_conformance::model::{
    Bounds, CaseOutcome, CaseReport, Group, REPORT_FORMAT, Report, RestartTiming, RunInfo, Summary,
    ToolInfo,
};
use restart_conformance::report::history::{self, HistoryLine};
use restart_conformance::report::trend::{self, Flaky, NewFailure, Streak, TimeRegression};
use restart_conformance::report::{metrics, timing};
use restart_conformance::run::{EndpointChoice, Polling, Settings};

use crate::common;

fn bin() -> Command {
    Command::cargo_bin("restart-conformance").unwrap()
}

/// The embedded server restarts for 400 ms and is polled every 50 ms: every restart's time to
/// steady is bracketed by its bounds, and the upper bound is late by at most about one poll.
#[test]
fn timings_of_the_embedded_server_land_within_a_poll_interval_of_its_reboot_time() {
    let (reboot_ms, poll_ms) = (400u64, 50u64);
    let choice = EndpointChoice::embedded(
        Duration::from_millis(reboot_ms),
        Default::default(),
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    let mut settings = Settings::new(Polling {
        interval: Duration::from_millis(poll_ms),
        timeout: Duration::from_secs(5),
        grace: Duration::from_millis(500),
    });
    settings.request_timeout = Duration::from_secs(5);
    let report = common::run_choice(
        &common::builtin(),
        choice,
        settings,
        common::args(Some("ecs::")),
    );
    assert_eq!(report.run.poll_interval_ms, Some(poll_ms));

    let mut timed = 0;
    for case in &report.cases {
        let Some(t) = &case.restart else { continue };
        let Some(to_steady) = t.to_steady else {
            panic!("{}: a restart that never reached steady: {t:?}", case.name);
        };
        timed += 1;
        assert_eq!(t.poll_interval_ms, Some(poll_ms), "{}", case.name);
        let request = case
            .exchanges
            .iter()
            .rev()
            .find(|x| x.purpose == "request")
            .unwrap();
        let restarting = t.restarting.as_ref().unwrap();
        let steady = t.steady.as_ref().unwrap();
        assert!(
            ["REBOOT", "HARD_REBOOT"].contains(&restarting.state.as_str()),
            "{restarting:?}"
        );
        assert_eq!(steady.state, "ACTIVE");
        assert!(
            restarting.after_ms <= restarting.seen_ms && restarting.seen_ms <= restarting.by_ms
        );
        assert!(steady.after_ms < steady.seen_ms && steady.seen_ms <= steady.by_ms);
        // The server starts the restart while it handles the request, so the resource is
        // steady again between reboot - (request latency) and reboot after the answer; each
        // bound is in whole milliseconds (one more for rounding).
        assert!(
            to_steady.after_ms <= reboot_ms + 1,
            "{}: steady after {} ms, before the reboot time",
            case.name,
            to_steady.after_ms
        );
        assert!(
            to_steady.by_ms + request.elapsed_ms + 1 >= reboot_ms,
            "{}: steady by {} ms, before the reboot time",
            case.name,
            to_steady.by_ms
        );
        // Late by one poll interval and the two polls' own latency; one more interval of
        // slack for a scheduler on a loaded two-core machine.
        let latency: u64 = case
            .exchanges
            .iter()
            .filter(|x| x.purpose == "status" && x.at_ms >= steady.after_ms)
            .take(2)
            .map(|x| x.elapsed_ms)
            .sum();
        assert!(
            to_steady.by_ms <= reboot_ms + 2 * poll_ms + latency,
            "{}: steady by {} ms, more than a poll interval after the {reboot_ms} ms reboot",
            case.name,
            to_steady.by_ms
        );
    }
    assert!(timed >= 4, "only {timed} timed restarts");
    let ecs = report.restart_times.get("ecs").unwrap();
    assert_eq!(ecs.count, timed);
    assert!(ecs.median_ms >= reboot_ms - 10 && ecs.max_ms <= reboot_ms + 2 * poll_ms + 50);
    // The summary page and the Markdown say so too.
    let md = restart_conformance::report::to_markdown(&report, None);
    assert!(md.contains("## Restart times"), "{md}");
    assert!(md.contains(&format!("| ecs | {timed} |")), "{md}");
    let html = restart_conformance::report::to_html(&report, None).unwrap();
    assert!(html.contains("id=\"restart-times\""));
    assert!(
        html.contains("ms after the answer"),
        "each restart case shows its bounds"
    );
}

// ---------------------------------------------------------------------------------------------
// A seeded history: eight nights with faults switched on and off.

use CaseOutcome::{Errored as E, Failed as F, Passed as P, Skipped as S};

/// The cases of a night: name, outcome, time to steady (ms).
type Night = (&'static str, Vec<(&'static str, CaseOutcome, Option<u64>)>);

fn report_of(day: usize, (tool, cases): &Night) -> Report {
    let cases: Vec<CaseReport> = cases
        .iter()
        .map(|(name, outcome, t)| CaseReport {
            name: (*name).into(),
            api: name.split("::").next().unwrap().into(),
            group: Group::Success,
            outcome: *outcome,
            duration_ms: 500,
            started_ms: 0,
            source: String::new(),
            reason: None,
            checks: Vec::new(),
            exchanges: Vec::new(),
            lifecycle: Vec::new(),
            notes: Vec::new(),
            curl: None,
            resource: None,
            from_journal: false,
            restart: t.map(|t| RestartTiming {
                answered_ms: 3,
                poll_interval_ms: Some(100),
                polls: 5,
                restarting: None,
                steady: None,
                to_steady: Some(Bounds {
                    after_ms: t - 100,
                    by_ms: t,
                }),
            }),
        })
        .collect();
    Report {
        format: REPORT_FORMAT,
        tool: ToolInfo {
            name: "restart-conformance".into(),
            version: (*tool).into(),
        },
        run: RunInfo {
            started_at: format!("2026-11-{:02}T02:00:00Z", day + 1),
            duration_ms: 60_000,
            target: "nightly.yaml".into(),
            base_urls: BTreeMap::from([("ecs".into(), "https://ecs.example.test".into())]),
            spec_digest: "abcdef0123456789".into(),
            strict: false,
            filters: Vec::new(),
            interrupted: false,
            sign_in: None,
            signing: None,
            poll_interval_ms: Some(100),
            run_id: format!("night-{day}"),
            resumed_cases: 0,
            tls: None,
            profile_run: None,
        },
        summary: Summary::of(&cases),
        restart_times: timing::restart_times(&cases),
        cases,
    }
}

fn nights() -> Vec<Night> {
    let night = |tool, soft, neg_x, neg_y, reboot: (CaseOutcome, Option<u64>), clouddb| {
        (
            tool,
            vec![
                ("ddm::restart_soft", soft, Some(300)),
                ("ddm::negative::x", neg_x, None),
                ("ecs::reboot", reboot.0, reboot.1),
                ("ecs::negative::y", neg_y, None),
                ("clouddb::restart", P, Some(clouddb)),
            ],
        )
    };
    vec![
        // n0: an older tool, on which ddm::negative::x failed.
        night("0.0.9", P, F, P, (P, Some(300)), 300),
        night("0.1.0", P, P, P, (P, Some(300)), 300),
        // n2: a fault breaks ddm::restart_soft for one night.
        night("0.1.0", F, P, P, (P, Some(300)), 300),
        night("0.1.0", P, P, P, (P, Some(300)), 300),
        // n4: two faults from here on; ECS restarts get slow while ECS fails.
        night("0.1.0", P, F, F, (P, Some(700)), 300),
        // n5: clouddb restarts slowly for one night; ecs::negative::y skipped.
        night("0.1.0", P, F, S, (P, Some(700)), 900),
        // n6: the first fault is back.
        night("0.1.0", F, F, F, (P, Some(650)), 300),
        // n7: and ecs::reboot stops answering.
        night("0.1.0", F, F, F, (E, None), 310),
    ]
}

#[test]
fn a_seeded_history_gives_exact_flaky_new_failure_and_regression_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.jsonl");
    for (day, n) in nights().iter().enumerate() {
        history::append(&path, &report_of(day, n), 100).unwrap();
    }
    let h = history::read(&path).unwrap();
    assert!(h.skipped.is_empty());
    assert_eq!(h.runs.len(), 8);
    let t = trend::analyse(&h.runs, 10);

    // ddm::negative::x flips twice only with the older tool's night, which is not comparable:
    // over 0.1.0 it is a single regression. ecs::negative::y is a single regression too.
    assert_eq!(
        t.flaky,
        [Flaky {
            name: "ddm::restart_soft".into(),
            flips: 3,
            outcomes: "✓✗✓✓✓✗✗".into(),
        }]
    );
    assert_eq!(
        t.new_failures,
        [NewFailure {
            name: "ecs::reboot".into(),
            outcome: E,
        }]
    );
    let streak = |name: &str, runs, day: u32| Streak {
        name: name.into(),
        runs,
        since: format!("2026-11-{day:02}T02:00:00Z"),
    };
    assert_eq!(
        t.failing_longest,
        [
            streak("ddm::negative::x", 4, 5),
            // Skipped on n5: the streak neither breaks nor grows.
            streak("ecs::negative::y", 3, 5),
            streak("ddm::restart_soft", 2, 7),
            streak("ecs::reboot", 1, 8),
        ]
    );
    let regression = |run: usize, api: &str, median_ms, baseline_ms| TimeRegression {
        run,
        started_at: format!("2026-11-{:02}T02:00:00Z", run + 1),
        api: api.into(),
        median_ms,
        baseline_ms,
    };
    // ECS's slow nights stand out against the median of its passing nights (n4 failed, so it
    // is no baseline); clouddb's one slow night stands out, the night after it does not.
    assert_eq!(
        t.regressions,
        [
            regression(6, "ecs", 650, 300),
            regression(5, "clouddb", 900, 300),
            regression(5, "ecs", 700, 300),
            regression(4, "ecs", 700, 300),
        ]
    );
    assert_eq!(t.runs[1].changes, ["tool 0.0.9 → 0.1.0"]);
    assert!(t.runs.iter().skip(2).all(|r| r.changes.is_empty()));
    let ddm = t.apis.iter().find(|a| a.api == "ddm").unwrap();
    assert_eq!(ddm.pass_rate[7], Some(0.0));
    assert_eq!(ddm.pass_rate[1], Some(1.0));

    // The same rows reach both pages.
    let md = restart_conformance::report::trend_page::to_history_md(&t);
    assert!(md.contains("| `ddm::restart_soft` | 3 | ✓✗✓✓✓✗✗ |"), "{md}");
    assert!(md.contains("- `ecs::reboot` (errored)"), "{md}");
    assert!(
        md.contains("| 2026-11-06T02:00:00Z | clouddb | 900 ms | 300 ms |"),
        "{md}"
    );
    let html =
        restart_conformance::report::trend_page::to_history_html(&t, "history.jsonl").unwrap();
    assert!(html.contains("tool 0.0.9 → 0.1.0"));
    assert_eq!(html.matches("<circle class=\"regressed\"").count(), 4);
}

// ---------------------------------------------------------------------------------------------
// The history file through the real binary.

fn run_one(history: &Path, extra: &[&str]) -> std::process::Output {
    let dir = history.parent().unwrap().join("reports");
    bin()
        .args([
            "run",
            "-q",
            "--exact",
            "ecs::negative::no_token",
            "--report-dir",
        ])
        .arg(&dir)
        .arg("--history")
        .arg(history)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn history_keep_caps_the_file_and_a_corrupt_line_is_skipped_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.jsonl");
    for _ in 0..3 {
        let out = run_one(&path, &["--history-keep", "2"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Start times have whole seconds: a second apart, each run is a run of its own.
        std::thread::sleep(Duration::from_millis(1100));
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        history::parse(&text)
            .runs
            .iter()
            .all(|r| r.cases.len() == 1)
    );

    std::fs::write(
        &path,
        format!("{{\"not\": \"ours\"}}\n{text}this is not json\n"),
    )
    .unwrap();
    let out = run_one(&path, &["--history-keep", "2"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let shown = path.display().to_string();
    assert!(
        stderr.contains(&format!(
            "warning: {shown}:1: skipped: not a run of this tool"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("warning: {shown}:4: skipped: not JSON")),
        "{stderr}"
    );
    let after = history::read(&path).unwrap();
    assert!(after.skipped.is_empty(), "rewritten without the bad lines");
    assert_eq!(after.runs.len(), 2);

    // The trend page reads a file with a bad line too, with the same warning.
    std::fs::write(
        &path,
        format!(
            "{}\n{{broken",
            std::fs::read_to_string(&path).unwrap().trim_end()
        ),
    )
    .unwrap();
    let out_dir = tmp.path().join("trend");
    let out = bin()
        .args(["report", "history"])
        .arg(&path)
        .arg("--report-dir")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(":3: skipped: not JSON"));
    let html = std::fs::read_to_string(out_dir.join("history.html")).unwrap();
    assert!(html.contains("2 runs from"));
    assert!(out_dir.join("history.md").exists());
}

#[test]
fn report_history_without_a_file_is_a_configuration_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["report", "history"])
        .arg(tmp.path().join("missing.jsonl"))
        .arg("--report-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no history file"));
}

#[test]
fn a_merge_adds_one_line_for_the_partitioned_run() {
    let tmp = tempfile::tempdir().unwrap();
    let mut parts = Vec::new();
    for i in 1..=2 {
        let dir = tmp.path().join(format!("p{i}"));
        let out = bin()
            .args(["run", "-q", "ecs::negative", "--partition"])
            .arg(format!("count:{i}/2"))
            .arg("--report-dir")
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        parts.push(dir.join("report.json"));
    }
    let path = tmp.path().join("history.jsonl");
    let metrics = tmp.path().join("textfile").join("conformance.prom");
    let out = bin()
        .args(["report", "merge", "--report-dir"])
        .arg(tmp.path().join("merged"))
        .arg("--history")
        .arg(&path)
        .arg("--metrics")
        .arg(&metrics)
        .args(&parts)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h = history::read(&path).unwrap();
    assert_eq!(h.runs.len(), 1);
    assert_eq!(h.runs[0].partition, ["count:1/2", "count:2/2"]);
    assert_eq!(
        h.runs[0].cases.len(),
        12,
        "both partitions' cases in one line"
    );
    let text = std::fs::read_to_string(&metrics).unwrap();
    assert!(text.contains("restart_conformance_last_success_timestamp_seconds "));
}

// ---------------------------------------------------------------------------------------------
// Real tools: promtool and a Pushgateway. Absent tools skip, unless CI requires them.

const REQUIRE_TOOLS: &str = "RESTART_CONFORMANCE_REQUIRE_TOOLS";

/// The path of `tool` on PATH; `None` (after saying so) when it is absent and not required.
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var(REQUIRE_TOOLS).as_deref() != Ok("1"),
            "{name} is not installed and {REQUIRE_TOOLS}=1 requires it (Debian: apt-get install prometheus prometheus-pushgateway)"
        );
        eprintln!(
            "skipped: {name} is not installed (Debian: apt-get install prometheus prometheus-pushgateway)"
        );
    }
    found
}

/// A report with failures, skips and restart times, from a real run.
fn faulty_report() -> Report {
    common::run_embedded(&common::builtin(), &["ddm-missing-job-id"], Some("ddm::"))
}

#[test]
fn metrics_pass_promtool_check_metrics() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let report = faulty_report();
    assert!(report.summary.failed > 0 && !report.restart_times.is_empty());
    let history = [HistoryLine::from_report(&report)];
    let text = metrics::to_prometheus(&report, Some(&history));
    let mut child = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // And promtool does find a broken exposition: the check is not vacuous.
    let mut child = std::process::Command::new(tool("promtool").unwrap())
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"# TYPE restart_conformance_runs counter\nrestart_conformance_runs 3\n")
        .unwrap();
    assert!(!child.wait_with_output().unwrap().status.success());
}

/// A Pushgateway on a free loopback port, stopped when dropped.
struct Gateway {
    child: std::process::Child,
    url: String,
}

impl Gateway {
    fn start(binary: &Path) -> Gateway {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(binary)
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let gw = Gateway {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..100 {
            if get(&format!("{}/-/ready", gw.url)).is_some_and(|(s, _)| s == 200) {
                return gw;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the Pushgateway did not become ready on port {port}");
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP GET over a socket: status and body.
fn get(url: &str) -> Option<(u16, String)> {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut s = std::net::TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

#[test]
fn a_real_pushgateway_serves_the_pushed_series_back() {
    let Some(binary) = tool("prometheus-pushgateway") else {
        return;
    };
    let gw = Gateway::start(&binary);
    let report = faulty_report();
    let text = metrics::to_prometheus(&report, None);
    restart_conformance::push::push(&gw.url, "embedded", &text, Duration::from_secs(10)).unwrap();
    let (status, served) = get(&format!("{}/metrics", gw.url)).unwrap();
    assert_eq!(status, 200);
    let failed = report.cases.iter().find(|c| c.outcome == F).unwrap();
    let series = format!(
        "restart_conformance_case_passed{{api=\"ddm\",case=\"{}\",instance=\"\",job=\"restart_conformance\",target=\"embedded\"}} 0",
        failed.name
    );
    assert!(served.contains(&series), "{series} not in\n{served}");
    assert!(served.contains("restart_conformance_restart_to_steady_median_seconds{api=\"ddm\",instance=\"\",job=\"restart_conformance\",target=\"embedded\"}"));

    // A body the gateway cannot parse is refused, with its status and message.
    let err = restart_conformance::push::push(
        &gw.url,
        "embedded",
        "not { metrics",
        Duration::from_secs(10),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("refused the metrics: 400"), "{msg}");

    // Through the binary: a push that is refused fails the run with exit 1, a clear error.
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "run",
            "-q",
            "--exact",
            "ecs::negative::no_token",
            "--report-dir",
        ])
        .arg(tmp.path())
        .arg("--push")
        .arg(format!("{}/not-a-gateway-path/", gw.url))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The gateway answers an unknown path with 404 (or 405): refused either way.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refused the metrics"), "{stderr}");
}

#[test]
fn a_push_to_nothing_fails_the_run_with_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "run",
            "-q",
            "--exact",
            "ecs::negative::no_token",
            "--report-dir",
        ])
        .arg(tmp.path())
        .arg("--push")
        .arg(format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot reach the Pushgateway at http://127.0.0.1:"),
        "{stderr}"
    );
    // The reports were written before the push.
    assert!(tmp.path().join("report.json").exists());
    // And a push URL that is no URL is refused before anything is sent.
    let out = bin()
        .args(["run", "-q", "--push", "gateway:9091", "--report-dir"])
        .arg(tmp.path().join("never"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!tmp.path().join("never").exists());
}

#[test]
fn an_interrupted_run_adds_its_line_once_with_the_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.jsonl");
    let metrics = tmp.path().join("conformance.prom");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restart-conformance"))
        .args([
            "run",
            "--fault",
            "hang",
            "--request-timeout",
            "60",
            "--report-dir",
        ])
        .arg(tmp.path().join("reports"))
        .arg("--history")
        .arg(&path)
        .arg("--metrics")
        .arg(&metrics)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for several finished cases (the hanging DDM ones never finish), then stop the run.
    let rx = common::passed_lines(&mut child);
    for _ in 0..5 {
        assert!(
            rx.recv_timeout(Duration::from_secs(120)).is_ok(),
            "no case finished"
        );
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(child.wait().unwrap().code(), Some(1));
    let h = history::read(&path).unwrap();
    assert_eq!(h.runs.len(), 1);
    assert!(h.runs[0].interrupted && !h.runs[0].passed());
    let text = std::fs::read_to_string(&metrics).unwrap();
    assert!(text.contains("restart_conformance_cases{outcome=\"skipped\"} "));
    assert!(
        !text.contains("last_success"),
        "an interrupted run is no success"
    );
}

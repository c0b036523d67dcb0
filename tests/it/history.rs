//! Nightly reports with a memory: restart timings from real restarts of the embedded server, a
//! seeded history of nights with faults switched on and off, the history file through the real
//! binary, and the metrics checked by promtool and served back by a real Pushgateway.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use restart_conformance::model::{
    Bounds, CaseOutcome, CaseReport, Group, REPORT_FORMAT, Report, RestartTiming, RunInfo, Summary,
    ToolInfo,
};
use restart_conformance::records::history::{self, HistoryLine};
use restart_conformance::records::metrics;
use restart_conformance::records::trend::{self, Flaky, NewFailure, Streak, TimeRegression};
use restart_conformance::report::timing;
use restart_conformance::run::{EndpointChoice, Polling, Settings};

use crate::common;

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

use super::common::bin;
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
            flaky: false,
            retries: Default::default(),
            rode_on: None,
            restarts: 0,
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
        restarts: timing::restarts_by_resource(&cases),
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
    let md = restart_conformance::records::trend_page::to_history_md(&t);
    assert!(md.contains("| `ddm::restart_soft` | 3 | ✓✗✓✓✓✗✗ |"), "{md}");
    assert!(md.contains("- `ecs::reboot` (errored)"), "{md}");
    assert!(
        md.contains("| 2026-11-06T02:00:00Z | clouddb | 900 ms | 300 ms |"),
        "{md}"
    );
    let html =
        restart_conformance::records::trend_page::to_history_html(&t, "history.jsonl").unwrap();
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
        super::common::assert_exit(&out, 0);
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
    let kept: Vec<&[u8]> = after.skipped.iter().map(|s| s.raw.as_slice()).collect();
    assert_eq!(
        kept,
        [&b"{\"not\": \"ours\"}"[..], b"this is not json"],
        "lines it cannot read are kept as they were"
    );
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
    super::common::assert_exit(&out, 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains(":5: skipped: not JSON"));
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

/// A `run` of one quick case with its own report directory, adding to `history`.
fn quick_run(history: &Path, reports: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("restart-conformance"));
    cmd.args([
        "run",
        "-q",
        "--exact",
        "ecs::negative::no_token",
        "--report-dir",
    ])
    .arg(reports)
    .arg("--history")
    .arg(history)
    .args(extra);
    cmd
}

#[test]
fn runs_adding_to_one_history_at_once_all_pass_and_all_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.jsonl");
    let children: Vec<_> = (0..6)
        .map(|i| {
            quick_run(&path, &tmp.path().join(format!("reports-{i}")), &[])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        super::common::assert_exit(&out, 0);
    }
    let h = history::read(&path).unwrap();
    assert!(h.skipped.is_empty());
    let mut ids: Vec<&str> = h.runs.iter().map(|r| r.run_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "every run has its line");
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
}

#[test]
fn a_file_that_is_no_history_is_refused_before_anything_is_sent() {
    let tmp = tempfile::tempdir().unwrap();
    // A real journal, and a target file: neither holds a history line.
    let first = quick_run(
        &tmp.path().join("history.jsonl"),
        &tmp.path().join("reports"),
        &[],
    )
    .output()
    .unwrap();
    assert_eq!(first.status.code(), Some(0));
    let journal = tmp.path().join("reports").join("journal.jsonl");
    let target = tmp.path().join("target.yaml");
    std::fs::write(
        &target,
        "apis:\n  ecs:\n    base_url: https://ecs.example.test\n",
    )
    .unwrap();
    for file in [&journal, &target] {
        let before = std::fs::read(file).unwrap();
        let reports = tmp.path().join("never");
        let out = quick_run(file, &reports, &[]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "error: failed to use {} as a history: it is not a history file: none of its",
                file.display()
            )),
            "{stderr}"
        );
        assert!(stderr.contains("was left as it is"), "{stderr}");
        assert_eq!(
            std::fs::read(file).unwrap(),
            before,
            "the file is untouched"
        );
        assert!(!reports.exists(), "nothing ran");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("test "),
            "no case ran"
        );
    }
}

#[test]
fn a_line_that_is_not_utf8_is_skipped_with_a_warning_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.jsonl");
    let reports = tmp.path().join("reports");
    assert_eq!(
        quick_run(&path, &reports, &[])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"note\":\"caf\xe9\"}\n");
    std::fs::write(&path, &bytes).unwrap();

    let out = quick_run(&path, &reports, &[]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: {}:2: skipped: not UTF-8 (an invalid byte at column 13)",
            path.display()
        )),
        "{stderr}"
    );
    let after = std::fs::read(&path).unwrap();
    assert!(
        after.starts_with(b"{\"note\":\"caf\xe9\"}\n"),
        "kept as it was"
    );
    assert_eq!(history::read(&path).unwrap().runs.len(), 2);

    let out = bin()
        .args(["report", "history"])
        .arg(&path)
        .arg("--report-dir")
        .arg(tmp.path().join("trend"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(":1: skipped: not UTF-8"), "{stderr}");
    assert!(stderr.contains("history of 2 runs"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn history_and_metrics_behind_symbolic_links_are_written_through_them() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    let textfiles = tmp.path().join("textfile_collector");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::create_dir_all(&textfiles).unwrap();
    let history_link = tmp.path().join("history.jsonl");
    let metrics_link = tmp.path().join("conformance.prom");
    std::os::unix::fs::symlink(shared.join("history.jsonl"), &history_link).unwrap();
    std::os::unix::fs::symlink("textfile_collector/conformance.prom", &metrics_link).unwrap();

    for _ in 0..2 {
        let out = quick_run(
            &history_link,
            &tmp.path().join("reports"),
            &["--metrics", metrics_link.to_str().unwrap()],
        )
        .output()
        .unwrap();
        super::common::assert_exit(&out, 0);
    }
    for link in [&history_link, &metrics_link] {
        assert!(
            std::fs::symlink_metadata(link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{} is still a link",
            link.display()
        );
    }
    assert_eq!(
        history::read(&shared.join("history.jsonl"))
            .unwrap()
            .runs
            .len(),
        2
    );
    let metrics = std::fs::read_to_string(textfiles.join("conformance.prom")).unwrap();
    assert!(metrics.contains("restart_conformance_last_success_timestamp_seconds "));
    let in_textfiles: Vec<String> = std::fs::read_dir(&textfiles)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    assert_eq!(in_textfiles, ["conformance.prom"]);
}

#[test]
fn a_run_recorded_late_takes_its_place_by_start_time() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = nights();
    // The night of day 6 was killed and rebuilt only after night 7 was recorded.
    let path = tmp.path().join("history.jsonl");
    for day in [0, 1, 2, 3, 4, 5, 7, 6] {
        history::append(&path, &report_of(day, &nights[day]), 100).unwrap();
    }
    let out_dir = tmp.path().join("trend");
    let out = bin()
        .args(["report", "history"])
        .arg(&path)
        .arg("--report-dir")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = std::fs::read_to_string(out_dir.join("history.md")).unwrap();
    // Night 7 is the latest run: ecs::reboot's error is new, and the streaks end there.
    assert!(
        md.contains("## New failures (1)\n\n- `ecs::reboot` (errored)"),
        "{md}"
    );
    assert!(
        md.contains("`ecs::reboot` | 1 | 2026-11-08T02:00:00Z"),
        "{md}"
    );

    // --history-keep keeps the runs that started last, not the lines written last.
    let path = tmp.path().join("kept.jsonl");
    for day in [6, 7, 5] {
        history::append(&path, &report_of(day, &nights[day]), 2).unwrap();
    }
    let starts: Vec<String> = history::read(&path)
        .unwrap()
        .runs
        .iter()
        .map(|r| r.started_at.clone())
        .collect();
    assert_eq!(starts, ["2026-11-07T02:00:00Z", "2026-11-08T02:00:00Z"]);
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
    super::common::assert_exit(&out, 0);
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

/// promtool or the Pushgateway, from Debian's packages.
fn tool(name: &str) -> Option<PathBuf> {
    super::common::tool(name, "prometheus prometheus-pushgateway")
}

/// Each report is renamed into place, then its directory is flushed (a power cut after an
/// unflushed rename can bring the old file back). Seen with strace: after the rename of
/// `report.json`, the directory is opened and that descriptor synced.
#[test]
fn a_rename_into_the_report_directory_is_flushed_to_disk() {
    let Some(strace) = super::common::tool("strace", "strace") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let reports = tmp.path().join("reports");
    let trace = tmp.path().join("trace");
    let out = std::process::Command::new(strace)
        .args([
            "-f",
            "-e",
            "trace=openat,fsync,rename,renameat,renameat2",
            "-o",
        ])
        .arg(&trace)
        .arg(assert_cmd::cargo::cargo_bin("restart-conformance"))
        .args([
            "run",
            "-q",
            "--exact",
            "ecs::negative::no_token",
            "--report-dir",
        ])
        .arg(&reports)
        .output()
        .unwrap();
    super::common::assert_exit(&out, 0);
    let trace = std::fs::read_to_string(&trace).unwrap();
    let lines: Vec<&str> = trace.lines().collect();
    let report_json = format!("\"{}\")", reports.join("report.json").display());
    let renamed = lines
        .iter()
        .position(|l| l.contains("rename") && l.contains(&report_json) && l.ends_with("= 0"))
        .unwrap_or_else(|| panic!("no rename to report.json:\n{trace}"));
    let open_dir = format!("openat(AT_FDCWD, \"{}\", ", reports.display());
    let after = &lines[renamed + 1..];
    let fd = after
        .iter()
        .find(|l| l.contains(&open_dir))
        .and_then(|l| l.rsplit("= ").next())
        .unwrap_or_else(|| panic!("the directory is not opened after the rename:\n{trace}"));
    assert!(
        after.iter().any(|l| l.contains(&format!("fsync({fd})"))),
        "the directory is not synced after the rename:\n{trace}"
    );
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
    restart_conformance::records::push::push(&gw.url, "embedded", &text, Duration::from_secs(10))
        .unwrap();
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
    let err = restart_conformance::records::push::push(
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

/// A stand-in Pushgateway on loopback: each push it receives (request line, headers and body)
/// goes to the receiver. It answers 200, or, when `answer` is false, holds the connection open
/// without answering, as a stuck gateway would.
fn stand_in_gateway(answer: bool) -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::Write as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(request) = read_request(&mut stream) else {
                continue;
            };
            // Told before the answer: the test hears of a push before the run can end.
            if tx.send(request).is_err() {
                break;
            }
            if answer {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            } else {
                held.push(stream);
            }
        }
    });
    (url, rx)
}

/// One HTTP/1.1 request with a `content-length` body, as text.
fn read_request(stream: &mut std::net::TcpStream) -> Option<String> {
    use std::io::Read as _;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + len {
                return Some(String::from_utf8_lossy(&data).into_owned());
            }
        }
        let n = stream.read(&mut buf).ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&buf[..n]);
    }
}

/// A run of the embedded server with hanging DDM cases (so it never ends by itself) that pushes
/// to `gateway`, signalled with SIGTERM once a few cases have finished. Its stderr is read on a
/// thread until it exits.
struct Terminated {
    child: std::process::Child,
    stderr: Option<std::thread::JoinHandle<String>>,
    reports: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Terminated {
    fn start(gateway: &str) -> Terminated {
        use std::io::Read as _;
        let tmp = tempfile::tempdir().unwrap();
        let reports = tmp.path().join("reports");
        let mut child =
            std::process::Command::new(assert_cmd::cargo::cargo_bin("restart-conformance"))
                .args([
                    "run",
                    "--fault",
                    "hang",
                    "--request-timeout",
                    "60",
                    "--report-dir",
                ])
                .arg(&reports)
                .args(["--push", gateway])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        });
        let rx = common::passed_lines(&mut child);
        for _ in 0..3 {
            assert!(
                rx.recv_timeout(Duration::from_secs(120)).is_ok(),
                "no case finished"
            );
        }
        let run = Terminated {
            child,
            stderr: Some(stderr),
            reports,
            _tmp: tmp,
        };
        run.signal();
        run
    }

    fn signal(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The exit code and stderr; a run still going after two minutes is killed and fails the test.
    fn wait(&mut self) -> (Option<i32>, String) {
        let mut stderr = || self.stderr.take().unwrap().join().unwrap();
        for _ in 0..1200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), stderr());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("the run did not end after SIGTERM:\n{}", stderr());
    }

    fn report(&self) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.reports.join("report.json")).unwrap())
            .unwrap()
    }
}

#[test]
fn a_terminated_run_with_push_exits_1_and_pushes_once() {
    let (gateway, pushes) = stand_in_gateway(true);
    let mut run = Terminated::start(&gateway);
    let (code, stderr) = run.wait();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("interrupted: reports of the finished cases are in"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("metrics pushed to {gateway}")),
        "{stderr}"
    );
    let report = run.report();
    assert_eq!(report["run"]["interrupted"], true);
    let cases = report["cases"].as_array().unwrap();
    assert!(cases.iter().any(|c| c["outcome"] == "passed"));
    assert!(
        cases
            .iter()
            .any(|c| c["reason"] == "not run: the run was interrupted")
    );
    // Exactly one push, of the interrupted run's metrics.
    let push = pushes.try_recv().unwrap();
    assert!(
        push.starts_with("POST /metrics/job/restart_conformance/target/embedded "),
        "{push}"
    );
    assert!(
        push.contains("restart_conformance_cases{outcome=\"skipped\"} "),
        "{push}"
    );
    assert!(pushes.try_recv().is_err(), "pushed twice");
}

#[test]
fn a_second_signal_ends_a_terminated_run_stuck_in_its_push() {
    let (gateway, pushes) = stand_in_gateway(false);
    let mut run = Terminated::start(&gateway);
    // The push arrives and is never answered: the run waits for the gateway.
    let push = pushes.recv_timeout(Duration::from_secs(120)).unwrap();
    assert!(push.contains("restart_conformance_cases"), "{push}");
    let report = run.report();
    assert_eq!(report["run"]["interrupted"], true);
    run.signal();
    let (code, stderr) = run.wait();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("interrupted again: exiting now"),
        "{stderr}"
    );
    // Ended by the signal, not by the push giving up.
    assert!(!stderr.contains("Pushgateway"), "{stderr}");
}

#[test]
fn a_password_in_the_gateway_url_is_not_printed_when_the_push_succeeds() {
    const PASSWORD: &str = "gw-pass-3e91d";
    let (gateway, pushes) = stand_in_gateway(true);
    let url = gateway.replace("http://", &format!("http://ops:{PASSWORD}@"));
    let tmp = tempfile::tempdir().unwrap();
    let reports = tmp.path().join("reports");
    let out = bin()
        .args(["run", "-q", "--exact", "ecs::negative::no_token"])
        .arg("--report-dir")
        .arg(&reports)
        .args(["--push", &url])
        .output()
        .unwrap();
    let all = common::outputs_without(&out, &reports, &[PASSWORD]);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "metrics pushed to {}",
            gateway.replace("http://", "http://ops:***@")
        )),
        "{stderr}"
    );
    // The password still goes to the gateway, as basic auth.
    let push = pushes.try_recv().unwrap();
    assert!(
        push.to_ascii_lowercase()
            .contains("\r\nauthorization: basic "),
        "{push}"
    );
}

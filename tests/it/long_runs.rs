//! Long runs: a lenient target costs a bounded number of polls, not cases ×
//! grace; a killed run leaves a journal of its finished cases; `--resume`
//! sends nothing for them; `report rebuild` makes the reports from the
//! journal alone. Waits are counted in polls and requests, never timed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use restart_conformance::records::journal::{self, NOT_RUN};
use restart_conformance::report::contract::{CaseOutcome, Report};
use restart_conformance::report::journal::JOURNAL_JSONL;
use restart_conformance::run::EndpointChoice;

use crate::common::*;

const TOKEN: &str = "tok-long-run-5c2e9a-secret";
const TOKEN_ENV: &str = "RC_LONG_RUN_TOKEN";

fn status_polls(report: &Report) -> BTreeMap<String, usize> {
    let mut polls = BTreeMap::new();
    for c in &report.cases {
        if let Some(r) = &c.resource {
            *polls.entry(r.clone()).or_default() +=
                c.exchanges.iter().filter(|x| x.purpose == "status").count();
        }
    }
    polls
}

/// Against a target that accepts everything and never restarts, each
/// resource is polled for at most about three graces in all, whatever the
/// number of its cases; without the pacing rules each wrongly accepted
/// request would cost one grace.
#[test]
fn a_lenient_target_costs_a_bounded_number_of_polls() {
    lenient_polls_are_bounded(settings(Duration::from_secs(5)), "--restart-grace");
}

/// A lifecycle timeout shorter than the grace is the grace: a wait it ends
/// teaches the pacing as a whole grace does, so each resource is polled for
/// about three lifecycle timeouts in all, not one per wrongly accepted request.
#[test]
fn a_lifecycle_timeout_shorter_than_the_grace_bounds_the_waits() {
    let mut s = settings(Duration::from_millis(400));
    s.polling.grace = Duration::from_secs(5);
    lenient_polls_are_bounded(s, "--lifecycle-timeout");
}

/// Runs the suite against `accept-all-no-restart` and counts status polls
/// per resource against the bound the pacing promises, with the grace being
/// the shorter of `--restart-grace` and `--lifecycle-timeout` (`flag`).
fn lenient_polls_are_bounded(s: restart_conformance::run::Settings, flag: &str) {
    let grace = s.polling.grace.min(s.polling.timeout);
    let grace_polls = (grace.as_millis() / s.polling.interval.as_millis()) as usize;
    let choice = EndpointChoice::embedded(
        Duration::from_millis(200),
        ["accept-all-no-restart".parse().unwrap()]
            .into_iter()
            .collect(),
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    let report = run_choice(&builtin(), choice, s, args(None));
    let mut accepted_waits = BTreeMap::<String, usize>::new();
    for c in &report.cases {
        if let Some(r) = &c.resource
            && c.exchanges.iter().any(|x| x.purpose == "status")
        {
            *accepted_waits.entry(r.clone()).or_default() += 1;
        }
    }
    let polls = status_polls(&report);
    assert_eq!(polls.len(), 10, "{polls:?}");
    for (resource, n) in &polls {
        let waits = accepted_waits[resource];
        // The concurrency probe goes to each API's first resource, so a second resource may
        // hold two negatives only.
        assert!(waits >= 2, "{resource}: only {waits} waits");
        // At most two whole graces (the first of each kind), then settles.
        let bound = 2 * grace_polls + 5 * waits;
        assert!(
            *n <= bound,
            "{resource}: {n} status polls for {waits} waits, more than {bound}"
        );
    }
    // Unbounded, every wait would cost a whole grace.
    let (all_polls, all_waits): (usize, usize) =
        (polls.values().sum(), accepted_waits.values().sum());
    assert!(
        all_polls * 2 < all_waits * grace_polls,
        "{all_polls} polls for {all_waits} waits of {grace_polls} polls"
    );
    // Every shortened wait says so, and why.
    let shortened: Vec<&String> = report
        .cases
        .iter()
        .flat_map(|c| &c.notes)
        .filter(|n| n.contains(&format!("instead of {flag}")))
        .collect();
    assert!(shortened.len() >= 20, "{shortened:?}");
    assert!(
        shortened
            .iter()
            .all(|n| n.contains("stayed steady for the whole grace")),
        "{shortened:?}"
    );
}

/// On a target that really restarts, the learned waits change no verdict:
/// the conformant server passes with waits shortened from what it showed.
#[test]
fn shortened_waits_change_no_verdict_on_a_target_that_restarts() {
    let mut s = settings(Duration::from_secs(5));
    s.polling.grace = Duration::from_secs(2);
    s.strict = true;
    let choice = EndpointChoice::embedded(
        Duration::from_millis(300),
        Default::default(),
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    let report = run_choice(&builtin(), choice, s, args(None));
    assert!(failing(&report).is_empty(), "{:?}", failing(&report));
    // Concurrency cases whose restart had ended wait only a multiple of
    // the latency the API has shown; no case waited the whole 2 s grace
    // for nothing.
    let polls = status_polls(&report);
    assert!(polls.values().all(|n| *n < 400), "{polls:?}");
}

/// A target file for `served`, with the token in [`TOKEN_ENV`].
fn target(dir: &Path, served: &Served) -> PathBuf {
    let path = dir.join("target.yaml");
    std::fs::write(&path, served.target_yaml_with(TOKEN_ENV, &[])).unwrap();
    path
}

fn harness() -> Command {
    let mut cmd = Command::cargo_bin("restart-conformance").unwrap();
    cmd.env(TOKEN_ENV, TOKEN).timeout(Duration::from_secs(120));
    cmd
}

const PACE: [&str; 6] = [
    "--poll-interval",
    "0.02",
    "--restart-grace",
    "0.5",
    "--lifecycle-timeout",
    "10",
];

/// `run --resume` of the run against `target` with the cases of `filter`.
fn resume(filter: Option<&str>, target: &Path, reports: &Path) -> std::process::Output {
    resume_with(filter, target, reports, &PACE, &[])
}

/// As [`resume`], with `pace` for [`PACE`] and `extra` arguments.
fn resume_with(
    filter: Option<&str>,
    target: &Path,
    reports: &Path,
    pace: &[&str],
    extra: &[&str],
) -> std::process::Output {
    let mut cmd = harness();
    cmd.arg("run");
    if let Some(f) = filter {
        cmd.arg(f);
    }
    cmd.arg("--target")
        .arg(target)
        .arg("--report-dir")
        .arg(reports)
        .args(pace)
        .args(extra)
        .arg("--resume")
        .output()
        .unwrap()
}

/// Starts a run against `target` and kills it with SIGKILL once its
/// journal holds `lines` lines.
fn killed_run(target: &Path, reports: &Path, lines: usize) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restart-conformance"))
        .arg("run")
        .arg("--target")
        .arg(target)
        .arg("--report-dir")
        .arg(reports)
        .args(PACE)
        .arg("-q")
        .env(TOKEN_ENV, TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let journal = reports.join(JOURNAL_JSONL);
    for _ in 0..3000 {
        let n = std::fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if n >= lines {
            break;
        }
        if child.try_wait().unwrap().is_some() {
            panic!("the run ended before it could be killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

fn load(dir: &Path) -> Report {
    restart_conformance::report::load(&dir.join("report.json")).unwrap()
}

fn all_text_under(dir: &Path) -> String {
    let mut out = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    out
}

#[test]
fn a_killed_run_resumes_without_sending_its_finished_cases_again() {
    // One-second restarts make the run long enough to be killed mid-way.
    let served = Served::start_with(&[], TOKEN, Duration::from_secs(1));
    let tmp = tempfile::tempdir().unwrap();
    let target = target(tmp.path(), &served);
    let reports = tmp.path().join("reports");
    killed_run(&target, &reports, 8);

    // The journal: a header, then each finished case once, complete.
    let read = journal::read(&reports).unwrap();
    assert!(read.warnings.len() <= 1, "{:?}", read.warnings);
    let finished = read.cases.len();
    let total = read.header.cases.len();
    assert!(
        finished >= 7 && finished < total,
        "{finished} of {total} finished"
    );
    for c in read.cases.values() {
        assert_ne!(c.outcome, CaseOutcome::Skipped, "{}", c.name);
        assert!(!c.checks.is_empty(), "{} has no verdict", c.name);
    }
    assert!(!reports.join("report.json").exists());
    assert!(
        !all_text_under(&reports).contains(TOKEN),
        "token in the journal"
    );

    // Resume: only the unfinished cases are sent.
    let server = served.server.as_ref().unwrap();
    let before = server.action_requests();
    let out = resume(None, &target, &reports);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("are not sent again"), "{stderr}");
    let sent = server.action_requests() - before;

    let report = load(&reports);
    let names: BTreeSet<&str> = report.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), report.cases.len(), "a case twice");
    assert_eq!(report.cases.len(), total);
    assert_eq!(report.run.resumed_cases, finished);
    assert_eq!(report.run.run_id, read.header.run.run_id);
    let from_journal: Vec<_> = report.cases.iter().filter(|c| c.from_journal).collect();
    assert_eq!(from_journal.len(), finished);
    assert!(
        from_journal
            .iter()
            .all(|c| c.notes.iter().any(|n| n.contains("from the journal")))
    );
    // What this run sent on action URIs is exactly what its own cases recorded.
    let recorded_now: usize = report
        .cases
        .iter()
        .filter(|c| !c.from_journal)
        .flat_map(|c| &c.exchanges)
        .filter(|x| x.request.url.ends_with("/action"))
        .count();
    assert_eq!(sent, recorded_now);
    assert!(sent > 0);
    // Each resource was watched before its first case.
    assert!(report.cases.iter().any(|c| {
        c.notes
            .iter()
            .any(|n| n.starts_with("resumed run: watched"))
    }),);
    let md = std::fs::read_to_string(reports.join("summary.md")).unwrap();
    assert!(md.contains("from the journal"), "{md}");
    assert!(
        !all_text_under(&reports).contains(TOKEN),
        "token in a report"
    );
}

#[test]
fn report_rebuild_of_a_killed_run_marks_what_never_ran() {
    let served = Served::start_with(&[], TOKEN, Duration::from_secs(1));
    let tmp = tempfile::tempdir().unwrap();
    let target = target(tmp.path(), &served);
    let reports = tmp.path().join("reports");
    killed_run(&target, &reports, 5);
    let read = journal::read(&reports).unwrap();

    let history = tmp.path().join("history.jsonl");
    let out = harness()
        .args(["report", "rebuild"])
        .arg(&reports)
        .arg("--history")
        .arg(&history)
        .output()
        .unwrap();
    super::common::assert_exit(&out, 1);
    let report = load(&reports);
    assert_eq!(report.cases.len(), read.header.cases.len());
    assert!(report.run.interrupted);
    let not_run = report
        .cases
        .iter()
        .filter(|c| c.reason.as_deref() == Some(NOT_RUN))
        .count();
    assert_eq!(not_run, read.header.cases.len() - read.cases.len());
    for c in report.cases.iter().filter(|c| c.reason.is_none()) {
        assert_eq!(Some(c), read.cases.get(&c.name));
    }
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(junit.contains(NOT_RUN), "{junit}");
    // The killed run has its line in the history, once.
    let lines = std::fs::read_to_string(&history).unwrap();
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.contains(&read.header.run.run_id), "{lines}");
    assert!(
        std::fs::read_to_string(reports.join("report.html"))
            .unwrap()
            .contains("not run")
    );
}

/// A journal of a finished run, for the refusal tests.
fn journal_of_a_run(filter: &str) -> (Served, tempfile::TempDir, PathBuf, PathBuf) {
    let served = Served::start(&[], TOKEN);
    let tmp = tempfile::tempdir().unwrap();
    let target = target(tmp.path(), &served);
    let reports = tmp.path().join("reports");
    let out = harness()
        .arg("run")
        .arg(filter)
        .arg("--target")
        .arg(&target)
        .arg("--report-dir")
        .arg(&reports)
        .args(PACE)
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    (served, tmp, target, reports)
}

#[test]
fn a_journal_of_another_run_is_refused_naming_what_differs() {
    let (served, _tmp, target, reports) = journal_of_a_run("modelarts::");
    let before = served.server.as_ref().unwrap().requests();
    let out = resume(Some("ecs::"), &target, &reports);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is of another run"), "{stderr}");
    assert!(
        stderr.contains("its filter is modelarts::, this run's is ecs::"),
        "{stderr}"
    );
    assert_eq!(
        served.server.as_ref().unwrap().requests(),
        before,
        "something was sent"
    );

    // Another target: the embedded server instead of the file.
    let out = harness()
        .args(["run", "modelarts::", "--resume", "-q", "--report-dir"])
        .arg(&reports)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("its target is"), "{stderr}");

    // No journal at all.
    let empty = tempfile::tempdir().unwrap();
    let out = harness()
        .args(["run", "--resume", "-q", "--report-dir"])
        .arg(empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("there is no journal at"), "{stderr}");
}

#[test]
fn a_torn_last_line_is_skipped_with_a_warning() {
    let (served, _tmp, target, reports) = journal_of_a_run("modelarts::");
    let path = reports.join(JOURNAL_JSONL);
    let total = journal::read(&reports).unwrap().cases.len();
    // Cut the last entry in half, as a kill in the middle of a write would.
    let text = std::fs::read_to_string(&path).unwrap();
    let keep = text.trim_end().rfind('\n').unwrap() + 40;
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(&text.as_bytes()[..keep]).unwrap();
    drop(f);
    let before = served.server.as_ref().unwrap().action_requests();
    let out = resume(Some("modelarts::"), &target, &reports);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("ignored a torn last line"), "{stderr}");
    let report = load(&reports);
    assert_eq!(report.cases.len(), total);
    assert_eq!(report.run.resumed_cases, total - 1);
    // Only the torn case ran again.
    let again: Vec<_> = report.cases.iter().filter(|c| !c.from_journal).collect();
    assert_eq!(again.len(), 1);
    let sent = served.server.as_ref().unwrap().action_requests() - before;
    assert_eq!(
        sent,
        again[0]
            .exchanges
            .iter()
            .filter(|x| x.request.url.ends_with("/action"))
            .count()
    );
}

#[test]
fn resuming_a_finished_run_says_it_sends_nothing_even_under_quiet() {
    let (served, _tmp, target, reports) = journal_of_a_run("modelarts::");
    let total = journal::read(&reports).unwrap().cases.len();
    let before = served.server.as_ref().unwrap().requests();
    let out = harness()
        .args(["run", "modelarts::", "-q", "--resume", "--target"])
        .arg(&target)
        .arg("--report-dir")
        .arg(&reports)
        .args(PACE)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "resuming: all {total} cases are in the journal: the run had finished, nothing is sent"
        )),
        "{stderr}"
    );
    assert_eq!(
        served.server.as_ref().unwrap().requests(),
        before,
        "something was sent"
    );
    assert_eq!(load(&reports).run.resumed_cases, total);
}

/// Exit 2, naming `what`, and nothing sent to the server.
fn refused(out: &std::process::Output, served: &Served, before: usize, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    assert!(stderr.contains("is of another run"), "{stderr}");
    assert!(stderr.contains(what), "{what}: {stderr}");
    assert_eq!(
        served.server.as_ref().unwrap().requests(),
        before,
        "something was sent"
    );
}

#[test]
fn a_resume_with_other_settings_is_refused_naming_each() {
    let (served, _tmp, target, reports) = journal_of_a_run("modelarts::");
    let before = served.server.as_ref().unwrap().requests();
    let filter = Some("modelarts::");

    // A should-level finding fails a case under --strict only.
    let out = resume_with(filter, &target, &reports, &PACE, &["--strict"]);
    refused(
        &out,
        &served,
        before,
        "its --strict is false, this run's is true",
    );

    // A judging timeout.
    let mut pace = PACE;
    pace[5] = "5";
    let out = resume_with(filter, &target, &reports, &pace, &[]);
    refused(
        &out,
        &served,
        before,
        "its --lifecycle-timeout is 10 s, this run's is 5 s",
    );

    // The same file, with another project in it.
    let original = std::fs::read_to_string(&target).unwrap();
    let apis = served.server.as_ref().unwrap().apis();
    let modelarts = apis.iter().find(|a| a.api == "modelarts").unwrap();
    let project = &modelarts.vars["project_id"];
    std::fs::write(&target, original.replace(project.as_str(), "other-project")).unwrap();
    let out = resume(filter, &target, &reports);
    refused(
        &out,
        &served,
        before,
        &format!("its `modelarts` variable `project_id` is {project}, this run's is other-project"),
    );
    std::fs::write(&target, original).unwrap();

    // With every setting as it was, the run resumes.
    let out = resume(filter, &target, &reports);
    super::common::assert_exit(&out, 0);
    assert!(!load(&reports).run.strict);
}

#[test]
fn a_resume_with_another_embedded_fault_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        harness()
            .args(["run", "--exact", "ddm::restart_soft", "-q", "--report-dir"])
            .arg(tmp.path())
            .args(extra)
            .output()
            .unwrap()
    };
    assert_eq!(run(&[]).status.code(), Some(0));
    let out = run(&["--resume", "--fault", "ddm-text-plain"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("its embedded server --fault is none, this run's is ddm-text-plain"),
        "{stderr}"
    );
    let report = journal::read(tmp.path()).unwrap();
    assert_eq!(report.cases.len(), 1, "the journal was rewritten");
}

#[test]
fn a_relative_and_an_absolute_path_to_the_target_are_the_same_target() {
    let (served, tmp, _target, reports) = journal_of_a_run("modelarts::");
    let before = served.server.as_ref().unwrap().action_requests();
    // The run had the absolute path; the resume names the file from its folder.
    let out = harness()
        .current_dir(tmp.path())
        .args([
            "run",
            "modelarts::",
            "--target",
            "target.yaml",
            "--report-dir",
            "reports",
        ])
        .args(PACE)
        .arg("--resume")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // Every case was in the journal: nothing to send again.
    assert_eq!(
        served.server.as_ref().unwrap().action_requests(),
        before,
        "{stderr}"
    );
    let report = load(&reports);
    assert!(report.cases.iter().all(|c| c.from_journal));
}

//! The concurrency probe rides on a positive case's restart: a run causes as many restarts as
//! it has positive cases, and every verdict holds. Counted on the reference server itself.

use std::time::Duration;

use crate::common::*;
use restart_conformance::model::Group;
use restart_conformance::report::contract::{CaseOutcome, CheckOutcome, Report};
use restart_conformance::run::EndpointChoice;

const APIS: [&str; 5] = ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"];

/// Runs `filter` against `served` as a one-resource target.
fn run_one_resource(served: &Served, strict: bool, filter: Option<&str>, exact: bool) -> Report {
    let mut target = served.target();
    for api in target.apis.values_mut() {
        api.resources.truncate(1);
    }
    let mut s = settings(Duration::from_secs(2));
    s.strict = strict;
    let mut a = args(filter);
    a.exact = exact;
    run_choice(&builtin(), EndpointChoice::File(target), s, a)
}

fn restarts(served: &Served) -> usize {
    served.server.as_ref().unwrap().accepted_restarts()
}

fn concurrent_refused(report: &Report, name: &str) -> CheckOutcome {
    case(report, name)
        .checks
        .iter()
        .find(|k| k.id == "restart.concurrent_refused")
        .unwrap_or_else(|| panic!("{name} has no restart.concurrent_refused"))
        .outcome
}

#[test]
fn a_one_resource_target_restarts_once_per_positive_case() {
    for strict in [false, true] {
        let served = Served::start(&[], "tok-rides");
        let report = run_one_resource(&served, strict, None, false);
        let positives = report
            .cases
            .iter()
            .filter(|c| c.group == Group::Success)
            .count();
        assert_eq!(positives, 11);
        assert_eq!(restarts(&served), positives, "strict: {strict}");
        assert_eq!(report.restarts.values().sum::<usize>(), positives);
        assert_eq!(report.restarts.len(), 5, "{:?}", report.restarts);
        assert!(failing(&report).is_empty(), "{:?}", failing(&report));
        for api in APIS {
            let name = format!("{api}::restart_while_restarting");
            let probe = case(&report, &name);
            let host = probe
                .rode_on
                .as_deref()
                .unwrap_or_else(|| panic!("{name} did not ride"));
            assert_eq!(case(&report, host).api, api);
            assert_eq!(concurrent_refused(&report, &name), CheckOutcome::Passed);
            assert_eq!(probe.restarts, 0);
            assert!(
                case(&report, host).notes.iter().any(|n| n.contains(&name)),
                "{host} does not say that {name} rode on it"
            );
        }
    }
}

#[test]
fn a_probe_wrongly_accepted_fails_only_the_probe() {
    let served = Served::start(&["ecs-concurrent-accepted"], "tok-rides");
    let report = run_one_resource(&served, true, Some("ecs::"), false);
    let probe = case(&report, "ecs::restart_while_restarting");
    assert!(probe.rode_on.is_some(), "{:?}", probe.notes);
    assert_eq!(
        failing(&report),
        ["ecs::restart_while_restarting".to_owned()].into(),
        "{}",
        describe(probe)
    );
    assert_eq!(
        concurrent_refused(&report, "ecs::restart_while_restarting"),
        CheckOutcome::Warning
    );
    // Its accepted second restart is a restart it caused.
    assert_eq!(probe.restarts, 1);
    assert_eq!(restarts(&served), 5);
}

#[test]
fn a_restart_too_fast_to_see_falls_back_to_the_probes_own_restart() {
    let served = Served::start(&["ha-no-reboot-state"], "tok-rides");
    let report = run_one_resource(&served, false, Some("clouddb-ha::"), false);
    let probe = case(&report, "clouddb-ha::restart_while_restarting");
    assert_eq!(probe.rode_on, None);
    assert!(
        probe
            .notes
            .iter()
            .any(|n| n.contains("ran on its own restart")),
        "{:?}",
        probe.notes
    );
    // Judged as before: its own restart sent, the refusal not verifiable.
    assert!(probe.exchanges.iter().any(|x| x.purpose == "request"));
    assert_eq!(
        concurrent_refused(&report, "clouddb-ha::restart_while_restarting"),
        CheckOutcome::NotVerifiable
    );
    assert_eq!(failing(&report), ["clouddb-ha::restart".to_owned()].into());
    assert_eq!(restarts(&served), 2);
}

#[test]
fn a_probe_selected_alone_runs_on_its_own_restart() {
    let served = Served::start(&[], "tok-rides");
    let report = run_one_resource(&served, true, Some("ddm::restart_while_restarting"), true);
    assert_eq!(report.cases.len(), 1);
    let probe = case(&report, "ddm::restart_while_restarting");
    assert_eq!(probe.outcome, CaseOutcome::Passed, "{}", describe(probe));
    assert_eq!(probe.rode_on, None);
    assert_eq!(
        concurrent_refused(&report, "ddm::restart_while_restarting"),
        CheckOutcome::Passed
    );
    assert_eq!(restarts(&served), 1);
    assert_eq!(probe.restarts, 1);
}

#[test]
fn a_positive_case_selected_alone_sends_no_probe() {
    let served = Served::start(&[], "tok-rides");
    let report = run_one_resource(&served, true, Some("ddm::restart_soft"), true);
    assert_eq!(report.cases.len(), 1);
    let server = served.server.as_ref().unwrap();
    assert_eq!(server.action_requests(), 1);
    assert_eq!(server.accepted_restarts(), 1);
    assert!(
        !case(&report, "ddm::restart_soft")
            .notes
            .iter()
            .any(|n| n.contains("restart_while_restarting"))
    );
}

#[test]
fn a_dry_run_states_the_restarts_per_resource_before_anything_is_sent() {
    let out = assert_cmd::Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["run", "--dry-run", "--resources", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("## cost: 11 restarts on 5 resources; the longest chain is 4 restarts"),
        "{text}"
    );
    assert!(
        text.contains(": 4 restarts\n") && text.contains(": 1 restart\n"),
        "{text}"
    );
    assert!(!text.contains("estimated length"), "{text}");
}

#[test]
fn a_run_states_its_cost_first_and_a_history_gives_the_estimate() {
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("history.jsonl");
    let run = |extra: &[&str]| {
        assert_cmd::Command::cargo_bin("restart-conformance")
            .unwrap()
            .current_dir(tmp.path())
            .args(["run", "--resources", "1", "--history"])
            .arg(&history)
            .args(extra)
            .arg("clouddb::")
            .output()
            .unwrap()
    };
    // No history yet: the cost, no estimate.
    let out = run(&["--report-dir", "reports"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("cost: 1 restart on 1 resource; the longest chain is 1 restart"),
        "{stderr}"
    );
    assert!(!stderr.contains("estimated length"), "{stderr}");
    let report: Report = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("reports/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        report.restarts.values().sum::<usize>(),
        1,
        "{:?}",
        report.restarts
    );
    assert_eq!(
        case(&report, "clouddb::restart_while_restarting")
            .rode_on
            .as_deref(),
        Some("clouddb::restart")
    );
    // The history now holds a clouddb restart time.
    let out = run(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("## estimated length: about ") && stdout.contains("history.jsonl"),
        "{stdout}"
    );
}

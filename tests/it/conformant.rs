//! Against the conformant reference server every case passes.

use crate::common::*;
use restart_conformance::report::contract::{CaseOutcome, CheckOutcome};

#[test]
fn every_case_passes_against_the_reference_server() {
    let specs = builtin();
    let report = run_embedded(&specs, &[], None);
    let planned = restart_conformance::plan::plan(&specs).len();
    assert_eq!(report.cases.len(), planned);
    for c in &report.cases {
        assert_eq!(
            c.outcome,
            CaseOutcome::Passed,
            "{}:\n{}",
            c.name,
            describe(c)
        );
    }
    for api in ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"] {
        let positives: Vec<_> = report
            .cases
            .iter()
            .filter(|c| c.api == api && c.group == restart_conformance::model::Group::Success)
            .collect();
        assert!(!positives.is_empty(), "{api} has no positive case");
        // Every positive case watched the restart: restarting state seen, steady reached.
        for c in positives {
            for id in ["lifecycle.restarting_seen", "lifecycle.steady_reached"] {
                let k = c
                    .checks
                    .iter()
                    .find(|k| k.id == id)
                    .unwrap_or_else(|| panic!("{} lacks {id}", c.name));
                assert_eq!(k.outcome, CheckOutcome::Passed, "{}: {}", c.name, k.message);
            }
        }
    }
    // Both ECS URIs are exercised.
    case(&report, "ecs::v2::reboot_soft");
    case(&report, "ecs::v2.1::reboot_hard");
    // The DDM soft/hard promise is reported as not verifiable, never as passed.
    let ddm = case(&report, "ddm::restart_soft");
    let k = ddm
        .checks
        .iter()
        .find(|k| k.id == "restart.type_effect")
        .unwrap();
    assert_eq!(k.outcome, CheckOutcome::NotVerifiable);
    // The second restart is refused for every API.
    for api in ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"] {
        let c = case(&report, &format!("{api}::restart_while_restarting"));
        let k = c
            .checks
            .iter()
            .find(|k| k.id == "restart.concurrent_refused")
            .unwrap();
        assert_eq!(k.outcome, CheckOutcome::Passed, "{api}: {}", k.message);
    }
}

#[test]
fn the_token_never_reaches_the_report() {
    let token = "tok-5f1c9e-distinctive";
    let served = Served::start(&[], token);
    let choice = restart_conformance::run::EndpointChoice::File(served.target());
    let report = run_choice(
        &builtin(),
        choice,
        settings(std::time::Duration::from_secs(2)),
        args(Some("ddm::")),
    );
    assert!(
        report
            .cases
            .iter()
            .all(|c| c.outcome == CaseOutcome::Passed)
    );
    let text = serde_json::to_string(&report).unwrap();
    assert!(
        text.contains(r#"["X-Auth-Token","***"]"#),
        "token header not shown as ***"
    );
    assert!(!text.contains(token), "the token leaked into the report");
    let curl = case(&report, "ddm::restart_soft").curl.clone().unwrap();
    assert!(
        curl.contains("$OS_AUTH_TOKEN") && !curl.contains(token),
        "{curl}"
    );
}

#[test]
fn apis_left_out_of_the_target_are_skipped_as_not_configured() {
    let served = Served::start(&[], "tok-partial");
    let mut target = served.target();
    target.apis.retain(|api, _| api == "modelarts");
    let choice = restart_conformance::run::EndpointChoice::File(target);
    let report = run_choice(
        &builtin(),
        choice,
        settings(std::time::Duration::from_secs(2)),
        args(None),
    );
    for c in &report.cases {
        if c.api == "modelarts" {
            assert_eq!(c.outcome, CaseOutcome::Passed, "{}", c.name);
        } else {
            assert_eq!(c.outcome, CaseOutcome::Skipped, "{}", c.name);
            assert!(
                c.reason.as_deref().unwrap_or("").contains("not configured"),
                "{:?}",
                c.reason
            );
            assert!(c.exchanges.is_empty());
        }
    }
    assert_eq!(report.summary.failed, 0);
}

/// `run --strict` against the embedded server: every case passes and no
/// check warns, for one API at a time (codes on the vendor's general
/// status-code page count as documented).
fn strict_run_passes(api: &str) {
    let choice = restart_conformance::run::EndpointChoice::embedded(
        std::time::Duration::from_millis(200),
        Default::default(),
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    let mut s = settings(std::time::Duration::from_secs(2));
    s.strict = true;
    let filter = format!("{api}::");
    let report = run_choice(&builtin(), choice, s, args(Some(&filter)));
    assert!(
        report.cases.iter().any(|c| c.api == api),
        "no {api} case ran"
    );
    for c in &report.cases {
        assert_eq!(
            c.outcome,
            CaseOutcome::Passed,
            "{}:\n{}",
            c.name,
            describe(c)
        );
        assert!(
            c.checks.iter().all(|k| k.outcome != CheckOutcome::Warning),
            "{}:\n{}",
            c.name,
            describe(c)
        );
    }
}

#[test]
fn strict_run_passes_against_reference_ddm() {
    strict_run_passes("ddm");
}

#[test]
fn strict_run_passes_against_reference_clouddb() {
    strict_run_passes("clouddb");
}

#[test]
fn strict_run_passes_against_reference_clouddb_ha() {
    strict_run_passes("clouddb-ha");
}

#[test]
fn strict_run_passes_against_reference_modelarts() {
    strict_run_passes("modelarts");
}

#[test]
fn strict_run_passes_against_reference_ecs() {
    strict_run_passes("ecs");
}

//! Memory stays bounded against a server that streams a 200 MB body: the
//! body is read in chunks and reading stops at the cap. This is its own test
//! binary, so the process's peak resident memory is this run's alone.

use std::time::Duration;

use restart_conformance::pipeline::{self, SuiteOptions};
use restart_conformance::reference::ReferenceConfig;
use restart_conformance::report::contract::CaseOutcome;
use restart_conformance::run::{EndpointChoice, Polling, Settings};

/// Peak resident set size of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_200_mb_body_stays_under_64_mb_resident() {
    let config = ReferenceConfig {
        reboot: Duration::from_millis(100),
        faults: ["huge-body".parse().unwrap()].into_iter().collect(),
        token: "tok-memory".into(),
        resources: restart_conformance::reference::DEFAULT_RESOURCES,
    };
    let specs = restart_conformance::spec::load_builtin().unwrap();
    // The default cap (1 MiB), as a run without --max-body has it.
    let settings = Settings::new(Polling {
        interval: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
        grace: Duration::from_millis(500),
    });
    let args = libtest_mimic::Arguments {
        filter: Some("ddm::restart_".into()),
        quiet: true,
        ..Default::default()
    };
    let options = SuiteOptions::in_process(settings, args);
    let report = pipeline::run_suite(&specs, EndpointChoice::Embedded(config), options)
        .unwrap()
        .report
        .unwrap();
    let c = report
        .cases
        .iter()
        .find(|c| c.name == "ddm::restart_soft")
        .unwrap();
    assert_eq!(
        c.outcome,
        CaseOutcome::Errored,
        "the 200 MB body must be cut at the cap"
    );
    let peak = peak_rss_kib().unwrap();
    assert!(peak < 64 * 1024, "peak resident memory {peak} KiB");
    eprintln!("peak resident memory: {peak} KiB");
}

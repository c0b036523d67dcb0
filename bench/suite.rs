//! The whole suite against the embedded reference server, measured.
//!
//! `cargo bench --bench suite` runs the built-in specs with 0.3 s and 0.5 s
//! restarts and prints, for each: the wall time of the cases, the physical
//! limit (the longest chain of accepted restarts on one resource times the
//! restart time: no scheduler can beat it, since restarts on one resource
//! must not overlap), their ratio, the requests sent and the peak resident
//! memory of this process (harness and embedded server together).
//!
//! A second table runs the suite against a lenient target (the
//! `accept-all-no-restart` fault: every request accepted, no restart ever)
//! at the real-cloud defaults, `--restart-grace 60` and `--poll-interval 2`:
//! its wall time against the bound the pacing rules promise (about three
//! graces per resource, resources running side by side) and against what
//! the same run would cost if every accepted request waited the whole grace.
//! It takes about two minutes.
//!
//! A third table runs the suite behind a flaky network (the `drop-requests`
//! and `drop-polls` faults: a seeded 5 % of all requests, or 20 % of the
//! status polls and probes, have their connection reset; `lose-poll-in-restart`:
//! the first poll after each resource's first restart is lost while the
//! restart runs, so the case runs again) and prints its wall time against the
//! clean run's: what retrying lost requests costs.
//!
//! A fourth table runs the suite against one resource per API, with the
//! concurrency probe restarting the resource itself (before) and riding on
//! a positive case's restart (after): the restarts each API causes, and the
//! wall time against the physical limit. `cargo bench --bench suite --
//! restarts` prints this table alone, `-- flaky` the third.
//!
//! Timings live here, never in tests.

use std::collections::BTreeMap;
use std::time::Duration;

use restart_conformance::model::CaseReport;
use restart_conformance::pipeline::{self, SuiteOptions};
use restart_conformance::run::{EndpointChoice, Polling, Settings};

fn main() {
    let specs = match restart_conformance::spec::load_builtin() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot load the built-in specs: {e}");
            std::process::exit(2);
        }
    };
    if std::env::args().any(|a| a == "restarts") {
        restarts_per_api(&specs);
        return;
    }
    if std::env::args().any(|a| a == "flaky") {
        flaky_network(&specs);
        return;
    }
    println!(
        "{:>8} {:>9} {:>9} {:>6} {:>9} {:>9} {:>6}",
        "restart", "wall s", "limit s", "ratio", "requests", "peak MiB", "cases"
    );
    for reboot_ms in [300u64, 500] {
        let reboot = Duration::from_millis(reboot_ms);
        let settings = embedded_settings();
        let choice = EndpointChoice::embedded(
            reboot,
            Default::default(),
            restart_conformance::reference::DEFAULT_RESOURCES,
        );
        let report = run_quiet(&specs, choice, settings);
        let wall = report.run.duration_ms as f64 / 1000.0;
        let limit = longest_chain(&report.cases) as f64 * reboot.as_secs_f64();
        let requests: usize = report.cases.iter().map(|c| c.exchanges.len()).sum();
        println!(
            "{:>7.1}s {:>9.3} {:>9.3} {:>6.3} {:>9} {:>9.1} {:>6}",
            reboot.as_secs_f64(),
            wall,
            limit,
            wall / limit,
            requests,
            peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
            report.cases.len(),
        );
        if report.summary.failed > 0 {
            eprintln!("warning: {} cases failed", report.summary.failed);
        }
    }
    flaky_network(&specs);
    lenient(&specs);
    restarts_per_api(&specs);
}

/// The restart rows: one resource per API, 0.3 s restarts, the probe restarting the resource
/// itself and riding on a positive case's restart; restarts per API, in all, and the wall
/// time against the physical limit (the longest chain of restarts on one resource).
fn restarts_per_api(specs: &restart_conformance::spec::SpecSet) {
    const APIS: [&str; 5] = ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"];
    let reboot = Duration::from_millis(300);
    println!(
        "\none resource per API, {:.1} s restarts\n{:>7} {:>4} {:>8} {:>11} {:>10} {:>4} {:>6} {:>7} {:>8} {:>6} {:>7}",
        reboot.as_secs_f64(),
        "probe",
        "ddm",
        "clouddb",
        "clouddb-ha",
        "modelarts",
        "ecs",
        "total",
        "wall s",
        "limit s",
        "ratio",
        "failed"
    );
    for (label, rides) in [("before", false), ("after", true)] {
        let mut settings = embedded_settings();
        settings.probe_rides = rides;
        let choice = EndpointChoice::embedded(reboot, Default::default(), 1);
        let report = run_quiet(specs, choice, settings);
        let per_api = |api: &str| -> usize {
            report
                .restarts
                .iter()
                .filter(|(r, _)| r.split('/').next() == Some(api))
                .map(|(_, n)| n)
                .sum()
        };
        let chain = report.restarts.values().copied().max().unwrap_or(0);
        let limit = chain as f64 * reboot.as_secs_f64();
        let wall = report.run.duration_ms as f64 / 1000.0;
        println!(
            "{:>7} {:>4} {:>8} {:>11} {:>10} {:>4} {:>6} {:>7.3} {:>8.3} {:>6.3} {:>7}",
            label,
            per_api(APIS[0]),
            per_api(APIS[1]),
            per_api(APIS[2]),
            per_api(APIS[3]),
            per_api(APIS[4]),
            report.restarts.values().sum::<usize>(),
            wall,
            limit,
            wall / limit,
            report.summary.failed,
        );
    }
}

/// The flaky-network rows: the same suite clean, with 5 % of all requests dropped, with 20 %
/// of the reads dropped and with a poll lost during each resource's first restart; wall time, its ratio to the clean run, requests lost (and
/// tried again), flaky and failed cases.
fn flaky_network(specs: &restart_conformance::spec::SpecSet) {
    println!(
        "\nflaky network (0.3 s restarts, --restart-grace 1, --poll-interval 0.02)\n{:>20} {:>8} {:>6} {:>6} {:>6} {:>6}",
        "fault", "wall s", "ratio", "lost", "flaky", "failed"
    );
    let mut clean_wall = None;
    for fault in ["", "drop-requests", "drop-polls", "lose-poll-in-restart"] {
        let faults = match fault {
            "" => std::collections::BTreeSet::new(),
            name => match name.parse() {
                Ok(f) => std::collections::BTreeSet::from([f]),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(2);
                }
            },
        };
        let settings = embedded_settings();
        let choice = EndpointChoice::embedded(
            Duration::from_millis(300),
            faults,
            restart_conformance::reference::DEFAULT_RESOURCES,
        );
        let report = run_quiet(specs, choice, settings);
        let wall = report.run.duration_ms as f64 / 1000.0;
        let clean = *clean_wall.get_or_insert(wall);
        let lost: usize = report.cases.iter().map(|c| c.retries.lost.len()).sum();
        println!(
            "{:>20} {:>8.2} {:>6.2} {:>6} {:>6} {:>6}",
            if fault.is_empty() { "none" } else { fault },
            wall,
            wall / clean,
            lost,
            report.summary.flaky,
            report.summary.failed,
        );
    }
}

/// The settings every embedded row runs with: 20 ms polls, 30 s lifecycle timeout, 1 s grace.
fn embedded_settings() -> Settings {
    Settings::new(Polling {
        interval: Duration::from_millis(20),
        timeout: Duration::from_secs(30),
        grace: Duration::from_secs(1),
    })
}

/// The suite run quietly in this process; the bench stops (exit 1) when it did not run.
fn run_quiet(
    specs: &restart_conformance::spec::SpecSet,
    choice: EndpointChoice,
    settings: Settings,
) -> restart_conformance::report::Report {
    let args = libtest_mimic::Arguments {
        quiet: true,
        ..Default::default()
    };
    let result = pipeline::run_suite(specs, choice, SuiteOptions::in_process(settings, args));
    let Some(report) = result.ok().and_then(|r| r.report) else {
        eprintln!("the suite did not run");
        std::process::exit(1);
    };
    report
}

/// The lenient-target row: wall time, the promised bound and the unpaced cost.
fn lenient(specs: &restart_conformance::spec::SpecSet) {
    let grace = Duration::from_secs(60);
    let settings = Settings::new(Polling {
        interval: Duration::from_secs(2),
        timeout: Duration::from_secs(600),
        grace,
    });
    let args = libtest_mimic::Arguments {
        quiet: true,
        ..Default::default()
    };
    let faults = match "accept-all-no-restart".parse() {
        Ok(f) => std::collections::BTreeSet::from([f]),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let choice = EndpointChoice::embedded(
        Duration::from_millis(300),
        faults,
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    let result = pipeline::run_suite(specs, choice, SuiteOptions::in_process(settings, args));
    let Some(report) = result.ok().and_then(|r| r.report) else {
        eprintln!("the lenient suite did not run");
        std::process::exit(1);
    };
    // Every case that polled after its request waited for a restart.
    let mut waits: BTreeMap<&str, u32> = BTreeMap::new();
    for c in &report.cases {
        if let Some(r) = c.resource.as_deref()
            && c.exchanges.iter().any(|e| e.purpose == "status")
        {
            *waits.entry(r).or_default() += 1;
        }
    }
    let unpaced = waits.values().max().copied().unwrap_or(0) * grace;
    println!(
        "\nlenient target (accept-all-no-restart), --restart-grace {} s, --poll-interval 2 s",
        grace.as_secs()
    );
    println!(
        "{:>9} {:>12} {:>12} {:>6}",
        "wall s", "bound 3×g s", "unpaced s", "cases"
    );
    println!(
        "{:>9.1} {:>12.0} {:>12.0} {:>6}",
        report.run.duration_ms as f64 / 1000.0,
        (grace * 3).as_secs_f64(),
        unpaced.as_secs_f64(),
        report.cases.len(),
    );
}

/// The most accepted restarts on one resource: a 2xx to a case's restart
/// request or to a second restart.
fn longest_chain(cases: &[CaseReport]) -> usize {
    let mut per_resource: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cases {
        let Some(resource) = c.resource.as_deref() else {
            continue;
        };
        let accepted = c
            .exchanges
            .iter()
            .filter(|e| matches!(e.purpose.as_str(), "request" | "second restart"))
            .filter(|e| {
                e.response
                    .as_ref()
                    .is_some_and(|r| (200..300).contains(&r.status))
            })
            .count();
        *per_resource.entry(resource).or_default() += accepted;
    }
    per_resource.into_values().max().unwrap_or(0)
}

/// Peak resident set size of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

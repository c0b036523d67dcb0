//! Metrics for monitoring: the Prometheus text exposition format (0.0.4), for node_exporter's
//! textfile collector or a Pushgateway.
//!
//! ```text
//! # HELP restart_conformance_last_run_timestamp_seconds When the last run ended, in Unix time.
//! # TYPE restart_conformance_last_run_timestamp_seconds gauge
//! restart_conformance_last_run_timestamp_seconds 1764554461.5
//! restart_conformance_cases{outcome="failed"} 2
//! restart_conformance_case_passed{api="ecs",case="ecs::v2.1::reboot_hard"} 1
//! restart_conformance_restart_to_steady_median_seconds{api="ecs"} 0.31
//! restart_conformance_info{version="0.1.0",spec_digest="5f2b…"} 1
//! ```
//!
//! One prefix, base units (`_seconds`), no timestamps (the collector stamps the scrape), and
//! only bounded labels: `api`, `case` and `outcome`, plus the version and spec digest of the info
//! metric; never a message or an id that changes every run. The file is written through a
//! temporary file in the same folder and a rename ([`super::write_atomic`]), so the collector
//! never reads half a file (it only reads `*.prom`; the temporary name ends in `.tmp`).

use std::fmt::Write as _;

use super::history::HistoryLine;
use crate::report::contract::{CaseOutcome, Report};

const PREFIX: &str = "restart_conformance_";

/// The metrics of `report`; `history` (which should hold this run) gives the last success.
pub fn to_prometheus(report: &Report, history: Option<&[HistoryLine]>) -> String {
    let mut out = String::new();
    timestamps(&mut out, report, history);
    cases(&mut out, report);
    restart_times(&mut out, report);
    family(
        &mut out,
        "info",
        "The tool version and spec set digest of the last run; always 1.",
    );
    sample(
        &mut out,
        "info",
        &[
            ("version", &report.tool.version),
            ("spec_digest", &report.run.spec_digest),
        ],
        1.0,
    );
    out
}

/// When the last run ended, when the last passing run ended, how long the last run took.
fn timestamps(out: &mut String, report: &Report, history: Option<&[HistoryLine]>) {
    let this = HistoryLine::from_report(report);
    let ended = this.ended_unix_seconds();

    if let Some(t) = ended {
        family(
            out,
            "last_run_timestamp_seconds",
            "When the last run ended, in Unix time.",
        );
        sample(out, "last_run_timestamp_seconds", &[], t);
    }
    // From the history when there is one; else this run, when it passed.
    let last_success = match history {
        Some(runs) => runs
            .iter()
            .filter(|r| r.passed())
            .filter_map(HistoryLine::ended_unix_seconds)
            .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t)))),
        None => ended.filter(|_| this.passed()),
    };
    if let Some(t) = last_success {
        family(
            out,
            "last_success_timestamp_seconds",
            "When the last run in which every case passed ended, in Unix time.",
        );
        sample(out, "last_success_timestamp_seconds", &[], t);
    }

    family(out, "run_duration_seconds", "How long the last run took.");
    sample(
        out,
        "run_duration_seconds",
        &[],
        report.run.duration_ms as f64 / 1000.0,
    );
}

/// The last run's cases, by outcome and one by one.
fn cases(out: &mut String, report: &Report) {
    family(out, "cases", "Cases of the last run by outcome.");
    for outcome in [
        CaseOutcome::Passed,
        CaseOutcome::Failed,
        CaseOutcome::Errored,
        CaseOutcome::Skipped,
    ] {
        let n = report.cases.iter().filter(|c| c.outcome == outcome).count();
        sample(out, "cases", &[("outcome", outcome.as_str())], n as f64);
    }

    family(
        out,
        "case_passed",
        "1 when the case passed in the last run, 0 when it failed or errored; skipped cases are left out.",
    );
    for c in &report.cases {
        let v = match c.outcome {
            CaseOutcome::Passed => 1.0,
            CaseOutcome::Failed | CaseOutcome::Errored => 0.0,
            CaseOutcome::Skipped => continue,
        };
        sample(out, "case_passed", &[("api", &c.api), ("case", &c.name)], v);
    }
}

/// The last run's restart times per API.
fn restart_times(out: &mut String, report: &Report) {
    if !report.restart_times.is_empty() {
        family(
            out,
            "restart_to_steady_median_seconds",
            "Median over the last run's restarts of an API of the time from the accepting answer to the first poll that saw the steady state again (an upper bound).",
        );
        for (api, t) in &report.restart_times {
            sample(
                out,
                "restart_to_steady_median_seconds",
                &[("api", api)],
                t.median_ms as f64 / 1000.0,
            );
        }
        family(
            out,
            "restart_to_steady_max_seconds",
            "Longest time to steady over the last run's restarts of an API (an upper bound).",
        );
        for (api, t) in &report.restart_times {
            sample(
                out,
                "restart_to_steady_max_seconds",
                &[("api", api)],
                t.max_ms as f64 / 1000.0,
            );
        }
    }
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {PREFIX}{name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {PREFIX}{name} gauge");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    let _ = write!(out, "{PREFIX}{name}");
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {}", number(value));
}

/// A sample value: integers without a fraction, others as Rust prints them (never NaN here).
fn number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Label values escape backslash, double quote and line feed (format 0.0.4).
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// HELP text escapes backslash and line feed.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimeStats;
    use crate::report::sample as fixture;

    #[test]
    fn every_family_has_help_and_type_and_labels_are_escaped() {
        let mut report = fixture::report();
        report.cases[0].name = "ecs::we\"ird\\name\n".into();
        report.restart_times.insert(
            "ecs".into(),
            TimeStats {
                count: 3,
                median_ms: 310,
                p95_ms: 330,
                max_ms: 330,
            },
        );
        let text = to_prometheus(&report, None);
        assert!(
            text.contains(
                r#"restart_conformance_case_passed{api="ecs",case="ecs::we\"ird\\name\n"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "restart_conformance_restart_to_steady_median_seconds{api=\"ecs\"} 0.31\n"
            )
        );
        assert!(
            text.contains("restart_conformance_restart_to_steady_max_seconds{api=\"ecs\"} 0.33\n")
        );
        assert!(text.contains("restart_conformance_cases{outcome=\"failed\"} "));
        assert!(text.contains("restart_conformance_run_duration_seconds 12.345\n"));
        assert!(
            text.contains("restart_conformance_last_run_timestamp_seconds 1735787057.345\n"),
            "{text}"
        );
        // The sample report has a failure: no last success without a history.
        assert!(!text.contains("last_success"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap_or("");
            assert!(name.starts_with(PREFIX), "{line}");
            assert!(
                text.contains(&format!("# TYPE {name} gauge")),
                "{name} has no TYPE"
            );
            // No timestamp: a name (with labels) and one value.
            let after_labels = line.rsplit('}').next().unwrap_or(line);
            assert_eq!(
                after_labels.split_whitespace().count(),
                if line.contains('}') { 1 } else { 2 },
                "{line}"
            );
        }
    }

    #[test]
    fn the_last_success_comes_from_the_history() {
        let report = fixture::report();
        let mut ok = fixture::report();
        ok.run.started_at = "2025-01-01T00:00:00Z".into();
        ok.run.duration_ms = 1000;
        ok.cases
            .retain(|c| c.outcome != CaseOutcome::Failed && c.outcome != CaseOutcome::Errored);
        let history = [
            HistoryLine::from_report(&ok),
            HistoryLine::from_report(&report),
        ];
        let text = to_prometheus(&report, Some(&history));
        assert!(
            text.contains("restart_conformance_last_success_timestamp_seconds 1735689601\n"),
            "{text}"
        );
    }
}

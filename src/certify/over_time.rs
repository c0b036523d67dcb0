//! Conformance over time: a statement computed from the history (`run --history`) over the
//! runs of the same target, tool version and profiles in a window that ends with the bundled
//! run — "N of M runs passed every required case", the p95 restart time per API, the first and
//! last run, and how long the statement holds (`valid_until`: the last run plus the window).
//!
//! The bundle keeps the history lines it was computed from (`history.jsonl`), so `verify`
//! computes the statement again and compares.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::CaseOutcome;
use crate::records::history::HistoryLine;

/// `--window`: a span such as `30d`, `2w`, `12h`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub text: String,
    pub seconds: u64,
}

impl std::str::FromStr for Window {
    type Err = String;

    fn from_str(s: &str) -> Result<Window, String> {
        let t = s.trim();
        let bad = || format!("`{s}` is not a span such as 30d, 2w or 12h");
        let (digits, unit) = t.split_at(t.len().saturating_sub(1));
        let per = match unit {
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(bad());
        }
        Ok(Window {
            text: t.to_owned(),
            seconds: n.saturating_mul(per),
        })
    }
}

/// The statement a bundle carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverTime {
    /// `2 of 3 runs passed every required case`.
    pub statement: String,
    pub runs: usize,
    pub passed: usize,
    pub window: String,
    pub target: String,
    pub tool_version: String,
    pub profiles: Vec<String>,
    /// RFC 3339 starts of the first and last run counted.
    pub first_run: String,
    pub last_run: String,
    /// The last run's start plus the window.
    pub valid_until: String,
    /// API id → nearest-rank p95 of the time to steady (its upper bound), in milliseconds.
    pub p95_restart_ms: BTreeMap<String, u64>,
    /// The bundle file holding the lines counted.
    pub history_file: String,
}

/// Why no statement can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverTimeError {
    #[error(
        "the history holds no line of this run ({run_id})\n  = help: give the history file the run was recorded in (`run --history FILE`)"
    )]
    RunNotInHistory { run_id: String },
    #[error("the run's start time `{0}` cannot be read")]
    BadTime(String),
}

/// The runs the statement counts: those of the anchor's target, tool version and profiles that
/// started within `window` before the anchor (the bundled run, found by its id), the anchor
/// included, oldest first.
pub fn select(
    runs: &[HistoryLine],
    run_id: &str,
    window: &Window,
) -> Result<Vec<HistoryLine>, OverTimeError> {
    let anchor = runs
        .iter()
        .rev()
        .find(|r| r.run_id == run_id)
        .ok_or_else(|| OverTimeError::RunNotInHistory {
            run_id: run_id.to_owned(),
        })?;
    let end = start(anchor)?;
    let from = end - chrono::Duration::seconds(i64::try_from(window.seconds).unwrap_or(i64::MAX));
    let profiles = |r: &HistoryLine| r.profiles.iter().cloned().collect::<BTreeSet<_>>();
    let mut out: Vec<HistoryLine> = runs
        .iter()
        .filter(|r| {
            r.target == anchor.target
                && r.tool_version == anchor.tool_version
                && profiles(r) == profiles(anchor)
                && start(r).is_ok_and(|t| t >= from && t <= end)
        })
        .cloned()
        .collect();
    out.sort_by_key(|r| start(r).ok());
    Ok(out)
}

fn start(r: &HistoryLine) -> Result<chrono::DateTime<chrono::Utc>, OverTimeError> {
    chrono::DateTime::parse_from_rfc3339(&r.started_at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| OverTimeError::BadTime(r.started_at.clone()))
}

/// The statement over `runs` (as [`select`] returns them, names already following aliases),
/// for the `required` cases.
pub fn statement(
    runs: &[HistoryLine],
    required: &BTreeSet<String>,
    window: &Window,
    history_file: &str,
) -> Result<OverTime, OverTimeError> {
    let passed = runs.iter().filter(|r| passed_required(r, required)).count();
    let mut times: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for r in runs {
        for c in &r.cases {
            if let Some([_, by]) = c.to_steady_ms {
                times.entry(c.api().to_owned()).or_default().push(by);
            }
        }
    }
    let p95_restart_ms = times
        .into_iter()
        .filter_map(|(api, t)| Some((api, crate::report::timing::stats(t)?.p95_ms)))
        .collect();
    let first = runs.first();
    let last = runs.last();
    let last_start = match last {
        Some(r) => Some(start(r)?),
        None => None,
    };
    let valid_until = last_start
        .map(|t| {
            (t + chrono::Duration::seconds(i64::try_from(window.seconds).unwrap_or(i64::MAX)))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .unwrap_or_default();
    let mut profiles: Vec<String> = last.map(|r| r.profiles.clone()).unwrap_or_default();
    profiles.sort();
    Ok(OverTime {
        statement: format!("{passed} of {} runs passed every required case", runs.len()),
        runs: runs.len(),
        passed,
        window: window.text.clone(),
        target: last.map(|r| r.target.clone()).unwrap_or_default(),
        tool_version: last.map(|r| r.tool_version.clone()).unwrap_or_default(),
        profiles,
        first_run: first.map(|r| r.started_at.clone()).unwrap_or_default(),
        last_run: last.map(|r| r.started_at.clone()).unwrap_or_default(),
        valid_until,
        p95_restart_ms,
        history_file: history_file.to_owned(),
    })
}

/// A run passed when it was not interrupted and every required case is in it and passed.
fn passed_required(r: &HistoryLine, required: &BTreeSet<String>) -> bool {
    !r.interrupted
        && required.iter().all(|id| {
            r.cases
                .iter()
                .any(|c| c.name == *id && c.outcome == CaseOutcome::Passed)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::history::HistoryCase;

    fn line(id: &str, started: &str, target: &str, soft: CaseOutcome) -> HistoryLine {
        HistoryLine {
            history: crate::records::history::HISTORY_TAG.into(),
            run_id: id.into(),
            started_at: started.into(),
            duration_ms: 1000,
            tool_version: "0.1.0".into(),
            spec_digest: "d".into(),
            target: target.into(),
            partition: Vec::new(),
            interrupted: false,
            strict: false,
            poll_interval_ms: Some(20),
            profiles: vec!["ddm/2026.12".into()],
            cases: vec![
                HistoryCase {
                    name: "ddm::restart_soft".into(),
                    outcome: soft,
                    to_steady_ms: Some([100, 300]),
                    flaky: false,
                },
                HistoryCase {
                    name: "ddm::negative::no_token".into(),
                    outcome: CaseOutcome::Passed,
                    to_steady_ms: None,
                    flaky: false,
                },
            ],
        }
    }

    #[test]
    fn windows_read_hours_days_and_weeks() {
        assert_eq!("30d".parse::<Window>().unwrap().seconds, 30 * 86_400);
        assert_eq!("2w".parse::<Window>().unwrap().seconds, 14 * 86_400);
        assert_eq!("12h".parse::<Window>().unwrap().seconds, 12 * 3600);
        assert!("30".parse::<Window>().is_err());
        assert!("0d".parse::<Window>().is_err());
        assert!("d".parse::<Window>().is_err());
    }

    #[test]
    fn the_window_ends_with_the_run_and_keeps_its_target() {
        let runs = vec![
            line("old", "2026-10-01T02:00:00Z", "t", CaseOutcome::Passed),
            line("a", "2026-12-01T02:00:00Z", "t", CaseOutcome::Passed),
            line("b", "2026-12-02T02:00:00Z", "t", CaseOutcome::Failed),
            line(
                "other",
                "2026-12-02T03:00:00Z",
                "elsewhere",
                CaseOutcome::Passed,
            ),
            line("c", "2026-12-03T02:00:00Z", "t", CaseOutcome::Passed),
            line("later", "2026-12-04T02:00:00Z", "t", CaseOutcome::Passed),
        ];
        let w: Window = "30d".parse().unwrap();
        let picked = select(&runs, "c", &w).unwrap();
        let ids: Vec<&str> = picked.iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        let required: BTreeSet<String> = ["ddm::restart_soft".to_owned()].into();
        let s = statement(&picked, &required, &w, "history.jsonl").unwrap();
        assert_eq!(s.statement, "2 of 3 runs passed every required case");
        assert_eq!(s.first_run, "2026-12-01T02:00:00Z");
        assert_eq!(s.valid_until, "2027-01-02T02:00:00Z");
        assert_eq!(s.p95_restart_ms.get("ddm"), Some(&300));
        assert!(matches!(
            select(&runs, "nope", &w),
            Err(OverTimeError::RunNotInHistory { .. })
        ));
    }
}

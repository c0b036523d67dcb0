//! What a run history says: pass rate per API, each case's outcomes, flaky cases, new failures,
//! the cases failing longest, restart times per API and their regressions.
//!
//! The rules, stated once (the README repeats them):
//!
//! - **Order**: runs are ordered by start time; the latest run is the one that started last.
//! - **Comparable runs** share tool version, spec digest and target with the latest run.
//! - **Flaky**: over the latest `window` comparable runs, a case whose outcome (passed versus
//!   failed or errored; skipped and absent runs are left out) changes at least twice, or that
//!   passed only after a retry (`~`: a request got no answer and was tried again) in one of
//!   them. One change is a single regression or a single fix, not flakiness: `✓✓✗✗` is a
//!   regression, `✓✗✓` and `✓~✓` are flaky.
//! - **New failure**: failed or errored in the latest run, passed in the run before it.
//! - **Failing longest**: cases failing in the latest run, by how many runs in a row they have
//!   failed (runs where they were skipped or absent neither break nor lengthen the streak).
//! - **Restart-time regression**: a run whose median time to steady for an API is above twice
//!   the baseline and more than one poll interval above it; the baseline is the median of that
//!   API's medians over the previous `window` runs against the same target in which every case
//!   of that API that ran passed.
//! - **Markers**: a run whose tool version, spec digest or target differs from the run before
//!   is marked where it starts.
//!
//! A pure function from history lines to figures; [`super::trend_page`] draws them.

use std::collections::BTreeMap;

use super::history::{self, HistoryLine};
use crate::report::contract::{CaseOutcome, TimeStats};
use crate::report::timing::stats;

/// `report history --window`'s default: how many recent runs the flaky and baseline rules use.
pub const DEFAULT_WINDOW: usize = 10;
/// At most this many cases in the "failing longest" list.
const LONGEST_MAX: usize = 20;

/// The figures of a history.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub runs: Vec<RunPoint>,
    pub apis: Vec<ApiTrend>,
    pub cases: Vec<CaseStrip>,
    pub flaky: Vec<Flaky>,
    pub new_failures: Vec<NewFailure>,
    pub failing_longest: Vec<Streak>,
    pub regressions: Vec<TimeRegression>,
    pub window: usize,
}

/// One run of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPoint {
    pub started_at: String,
    pub duration_ms: u64,
    pub tool_version: String,
    pub spec_digest: String,
    pub target: String,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub interrupted: bool,
    pub poll_interval_ms: Option<u64>,
    /// What changed at this run: `tool 0.1.0 → 0.2.0`, `spec set … → …`, `target → …`.
    pub changes: Vec<String>,
}

/// One API over the runs; every vector has one entry per run.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiTrend {
    pub api: String,
    /// Passed cases over cases that ran (not skipped); `None` when none ran.
    pub pass_rate: Vec<Option<f64>>,
    /// Time to steady (the upper bound) over the run's restarts of this API.
    pub times: Vec<Option<TimeStats>>,
    /// The baseline median a run's median was compared with, when it had one.
    pub baseline_ms: Vec<Option<u64>>,
    pub regressed: Vec<bool>,
}

/// One case over the runs: its outcome in each (`None` where it did not appear).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseStrip {
    pub name: String,
    pub api: String,
    pub outcomes: Vec<Option<CaseOutcome>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flaky {
    pub name: String,
    /// Changes between passed and failed over the comparable runs.
    pub flips: usize,
    /// The outcomes considered, oldest first: `✓` passed, `~` passed after a retry, `✗` failed
    /// or errored.
    pub outcomes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFailure {
    pub name: String,
    pub outcome: CaseOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streak {
    pub name: String,
    /// Runs in a row in which the case failed, the latest included.
    pub runs: usize,
    /// Start of the first run of the streak.
    pub since: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRegression {
    /// Index of the run in [`Trend::runs`].
    pub run: usize,
    pub started_at: String,
    pub api: String,
    pub median_ms: u64,
    pub baseline_ms: u64,
}

/// The figures of `runs`, with the flaky and baseline rules over `window` runs. The runs are
/// taken in the order they started, whatever their order in the slice: the latest run is the
/// one that started last, not the one recorded last.
pub fn analyse(runs: &[HistoryLine], window: usize) -> Trend {
    let sorted: Vec<HistoryLine>;
    let runs = if history::sorted_by_start(runs) {
        runs
    } else {
        let mut copy = runs.to_vec();
        history::sort_by_start(&mut copy);
        sorted = copy;
        &sorted
    };
    let window = window.max(2);
    let (mut cases, index) = case_strips(runs);
    let api_names = api_names(&cases);
    // Per API and run: passed, ran, times, and whether every case that ran passed.
    let mut per_api: BTreeMap<&str, Vec<ApiRun>> = api_names
        .iter()
        .map(|a| (a.as_str(), vec![(0, 0, Vec::new()); runs.len()]))
        .collect();
    let points: Vec<RunPoint> = runs
        .iter()
        .enumerate()
        .map(|(r, run)| {
            let counts = tally(r, run, &index, &mut cases, &mut per_api);
            run_point(run, r.checked_sub(1).map(|p| &runs[p]), counts)
        })
        .collect();
    let mut apis = Vec::new();
    let mut regressions = Vec::new();
    for api in &api_names {
        let (trend, found) = api_trend(api, &per_api[api.as_str()], runs, window);
        apis.push(trend);
        regressions.extend(found);
    }
    regressions.sort_by(|a, b| b.run.cmp(&a.run).then_with(|| a.api.cmp(&b.api)));

    Trend {
        flaky: flaky(runs, &cases, window),
        new_failures: new_failures(&cases, runs.len()),
        failing_longest: failing_longest(&cases, &points),
        runs: points,
        apis,
        cases,
        regressions,
        window,
    }
}

/// Every case seen, the latest run's order first, each with an empty strip; and where each
/// case's strip is, by name.
fn case_strips(runs: &[HistoryLine]) -> (Vec<CaseStrip>, BTreeMap<&str, usize>) {
    let mut names: Vec<&str> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for run in runs.iter().rev() {
        for c in &run.cases {
            if !index.contains_key(c.name.as_str()) {
                index.insert(&c.name, names.len());
                names.push(&c.name);
            }
        }
    }
    let cases = names
        .iter()
        .map(|name| CaseStrip {
            name: (*name).to_owned(),
            api: name.split("::").next().unwrap_or(name).to_owned(),
            outcomes: vec![None; runs.len()],
        })
        .collect();
    (cases, index)
}

/// The APIs of `cases`, sorted.
fn api_names(cases: &[CaseStrip]) -> Vec<String> {
    let mut api_names: Vec<String> = Vec::new();
    for c in cases {
        if !api_names.contains(&c.api) {
            api_names.push(c.api.clone());
        }
    }
    api_names.sort();
    api_names
}

/// Run `r`'s cases into the strips and the per-API slots; its passed, failed and skipped.
fn tally(
    r: usize,
    run: &HistoryLine,
    index: &BTreeMap<&str, usize>,
    cases: &mut [CaseStrip],
    per_api: &mut BTreeMap<&str, Vec<ApiRun>>,
) -> (usize, usize, usize) {
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for c in &run.cases {
        if let Some(&i) = index.get(c.name.as_str()) {
            cases[i].outcomes[r] = Some(c.outcome);
        }
        let Some(slot) = per_api.get_mut(c.api()).and_then(|v| v.get_mut(r)) else {
            continue;
        };
        match c.outcome {
            CaseOutcome::Passed => {
                passed += 1;
                slot.0 += 1;
                slot.1 += 1;
            }
            CaseOutcome::Failed | CaseOutcome::Errored => {
                failed += 1;
                slot.1 += 1;
            }
            CaseOutcome::Skipped => skipped += 1,
        }
        if let Some([_, by]) = c.to_steady_ms {
            slot.2.push(by);
        }
    }
    (passed, failed, skipped)
}

/// One run's point, with what changed since the run before it.
fn run_point(
    run: &HistoryLine,
    prev: Option<&HistoryLine>,
    (passed, failed, skipped): (usize, usize, usize),
) -> RunPoint {
    let mut changes = Vec::new();
    if let Some(prev) = prev {
        if prev.tool_version != run.tool_version {
            changes.push(format!("tool {} → {}", prev.tool_version, run.tool_version));
        }
        if prev.spec_digest != run.spec_digest {
            changes.push(format!(
                "spec set {} → {}",
                short(&prev.spec_digest),
                short(&run.spec_digest)
            ));
        }
        if prev.target != run.target {
            changes.push(format!("target → {}", run.target));
        }
    }
    RunPoint {
        started_at: run.started_at.clone(),
        duration_ms: run.duration_ms,
        tool_version: run.tool_version.clone(),
        spec_digest: run.spec_digest.clone(),
        target: run.target.clone(),
        passed,
        failed,
        skipped,
        interrupted: run.interrupted,
        poll_interval_ms: run.poll_interval_ms,
        changes,
    }
}

/// One API's pass rates and restart times over the runs, and the runs in which its median
/// time to steady more than doubled against the baseline of the passing runs before.
fn api_trend(
    api: &str,
    slots: &[ApiRun],
    runs: &[HistoryLine],
    window: usize,
) -> (ApiTrend, Vec<TimeRegression>) {
    let n = runs.len();
    let times: Vec<Option<TimeStats>> = slots.iter().map(|s| stats(s.2.clone())).collect();
    let api_passed: Vec<bool> = slots.iter().map(|s| s.1 > 0 && s.0 == s.1).collect();
    let mut baseline_ms = vec![None; n];
    let mut regressed = vec![false; n];
    let mut regressions = Vec::new();
    for r in 0..n {
        let Some(now) = times[r] else { continue };
        let earlier: Vec<u64> = (0..r)
            .rev()
            .filter(|&q| api_passed[q] && runs[q].target == runs[r].target)
            .filter_map(|q| times[q].map(|t| t.median_ms))
            .take(window)
            .collect();
        let Some(base) = stats(earlier).map(|s| s.median_ms) else {
            continue;
        };
        baseline_ms[r] = Some(base);
        let interval = runs[r].poll_interval_ms.unwrap_or(0);
        if now.median_ms > 2 * base && now.median_ms - base > interval {
            regressed[r] = true;
            regressions.push(TimeRegression {
                run: r,
                started_at: runs[r].started_at.clone(),
                api: api.to_owned(),
                median_ms: now.median_ms,
                baseline_ms: base,
            });
        }
    }
    let trend = ApiTrend {
        api: api.to_owned(),
        pass_rate: slots
            .iter()
            .map(|s| (s.1 > 0).then(|| s.0 as f64 / s.1 as f64))
            .collect(),
        times,
        baseline_ms,
        regressed,
    };
    (trend, regressions)
}

/// One API in one run: cases passed, cases that ran (not skipped), times to steady.
type ApiRun = (usize, usize, Vec<u64>);

fn failed(o: CaseOutcome) -> bool {
    matches!(o, CaseOutcome::Failed | CaseOutcome::Errored)
}

/// The first 12 characters of a digest.
pub fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

fn flaky(runs: &[HistoryLine], cases: &[CaseStrip], window: usize) -> Vec<Flaky> {
    let Some(latest) = runs.last() else {
        return Vec::new();
    };
    let mut comparable: Vec<usize> = (0..runs.len())
        .rev()
        .filter(|&r| {
            let run = &runs[r];
            run.tool_version == latest.tool_version
                && run.spec_digest == latest.spec_digest
                && run.target == latest.target
        })
        .take(window)
        .collect();
    comparable.reverse();
    // Per comparable run, the cases that passed only after a retry.
    let retried: BTreeMap<usize, Vec<&str>> = comparable
        .iter()
        .map(|&r| {
            let names = runs[r].cases.iter().filter(|c| c.flaky);
            (r, names.map(|c| c.name.as_str()).collect())
        })
        .collect();
    let mut rows: Vec<Flaky> = cases
        .iter()
        .filter_map(|c| {
            let seq: Vec<(bool, bool)> = comparable
                .iter()
                .filter_map(|&r| {
                    let o = c.outcomes[r].filter(|&o| o != CaseOutcome::Skipped)?;
                    Some((failed(o), retried[&r].contains(&c.name.as_str())))
                })
                .collect();
            let flips = seq.windows(2).filter(|w| w[0].0 != w[1].0).count();
            let after_retry = seq.iter().any(|&(_, r)| r);
            (flips >= 2 || after_retry).then(|| Flaky {
                name: c.name.clone(),
                flips,
                outcomes: seq
                    .iter()
                    .map(|&(f, r)| match (f, r) {
                        (true, _) => '✗',
                        (false, true) => '~',
                        (false, false) => '✓',
                    })
                    .collect(),
            })
        })
        .collect();
    rows.sort_by(|a, b| b.flips.cmp(&a.flips).then_with(|| a.name.cmp(&b.name)));
    rows
}

fn new_failures(cases: &[CaseStrip], n: usize) -> Vec<NewFailure> {
    if n < 2 {
        return Vec::new();
    }
    let mut rows: Vec<NewFailure> = cases
        .iter()
        .filter_map(|c| {
            let now = c.outcomes[n - 1]?;
            (failed(now) && c.outcomes[n - 2] == Some(CaseOutcome::Passed)).then(|| NewFailure {
                name: c.name.clone(),
                outcome: now,
            })
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

fn failing_longest(cases: &[CaseStrip], runs: &[RunPoint]) -> Vec<Streak> {
    let Some(last) = runs.len().checked_sub(1) else {
        return Vec::new();
    };
    let mut rows: Vec<Streak> = cases
        .iter()
        .filter(|c| c.outcomes[last].is_some_and(failed))
        .map(|c| {
            let mut streak = 0;
            let mut since = last;
            for r in (0..=last).rev() {
                match c.outcomes[r] {
                    Some(o) if failed(o) => {
                        streak += 1;
                        since = r;
                    }
                    Some(CaseOutcome::Passed) => break,
                    _ => {}
                }
            }
            Streak {
                name: c.name.clone(),
                runs: streak,
                since: runs[since].started_at.clone(),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.runs.cmp(&a.runs).then_with(|| a.name.cmp(&b.name)));
    rows.truncate(LONGEST_MAX);
    rows
}

#[cfg(test)]
mod tests {
    use super::super::history::{HISTORY_TAG, HistoryCase};
    use super::*;

    fn run(day: u32, outcomes: &[(&str, CaseOutcome, Option<u64>)]) -> HistoryLine {
        HistoryLine {
            history: HISTORY_TAG.into(),
            run_id: String::new(),
            started_at: format!("2026-11-{day:02}T02:00:00Z"),
            duration_ms: 1000,
            tool_version: "0.1.0".into(),
            spec_digest: "d1".into(),
            target: "t".into(),
            partition: Vec::new(),
            interrupted: false,
            strict: false,
            poll_interval_ms: Some(100),
            profiles: Vec::new(),
            cases: outcomes
                .iter()
                .map(|(name, outcome, t)| HistoryCase {
                    name: (*name).into(),
                    outcome: *outcome,
                    to_steady_ms: t.map(|t| [t.saturating_sub(100), t]),
                    flaky: false,
                })
                .collect(),
        }
    }

    use CaseOutcome::{Failed as F, Passed as P, Skipped as S};

    #[test]
    fn one_change_is_no_flake_two_are() {
        let seq = [P, F, F, F];
        let flip = [P, F, P, S, F];
        let runs: Vec<HistoryLine> = (0..seq.len().max(flip.len()))
            .map(|i| {
                let mut v = Vec::new();
                if let Some(o) = seq.get(i) {
                    v.push(("a::regressed", *o, None));
                }
                if let Some(o) = flip.get(i) {
                    v.push(("a::flaky", *o, None));
                }
                run(i as u32 + 1, &v)
            })
            .collect();
        let t = analyse(&runs, 10);
        assert_eq!(
            t.flaky,
            [Flaky {
                name: "a::flaky".into(),
                flips: 3,
                outcomes: "✓✗✓✗".into()
            }]
        );
    }

    /// A pass after a retry counts as flaky at once, and shows as `~`.
    #[test]
    fn a_pass_after_a_retry_is_flaky() {
        let mut runs: Vec<HistoryLine> = (1..=3)
            .map(|day| run(day, &[("a::steady", P, None), ("a::retried", P, None)]))
            .collect();
        runs[1].cases[1].flaky = true;
        let t = analyse(&runs, 10);
        assert_eq!(
            t.flaky,
            [Flaky {
                name: "a::retried".into(),
                flips: 0,
                outcomes: "✓~✓".into()
            }]
        );
    }

    #[test]
    fn a_regression_needs_twice_the_baseline_and_more_than_a_poll() {
        let r = |day, t| run(day, &[("a::restart", P, Some(t))]);
        // Baseline 300: 650 is over twice it, and more than a 100 ms poll above it.
        let runs = vec![r(1, 300), r(2, 300), r(3, 650)];
        let t = analyse(&runs, 10);
        assert_eq!(t.regressions.len(), 1);
        assert_eq!(
            (t.regressions[0].median_ms, t.regressions[0].baseline_ms),
            (650, 300)
        );
        // Over twice an 80 ms baseline, but less than one poll above it: polling noise.
        let runs = vec![r(1, 80), r(2, 170)];
        assert!(analyse(&runs, 10).regressions.is_empty());
    }

    #[test]
    fn the_latest_run_is_the_one_that_started_last() {
        // Night 3 failed; night 1, killed, was rebuilt after it and so written last.
        let runs = vec![
            run(2, &[("a::x", P, None)]),
            run(3, &[("a::x", F, None)]),
            run(1, &[("a::x", P, None)]),
        ];
        let t = analyse(&runs, 10);
        let starts: Vec<&str> = t.runs.iter().map(|r| &r.started_at[8..10]).collect();
        assert_eq!(starts, ["01", "02", "03"]);
        assert_eq!(
            t.new_failures,
            [NewFailure {
                name: "a::x".into(),
                outcome: F
            }]
        );
        assert_eq!(t.failing_longest.len(), 1);
        assert_eq!(t.failing_longest[0].since, "2026-11-03T02:00:00Z");
    }
}

//! `report merge`: several `report.json` of one run's partitions ──► one report of their union.
//!
//! Partitions of a run execute on different CI machines, each writing its own reports; the
//! final job merges them. The cases are the union (each case must come from exactly one
//! input: the same name twice means the partitions overlapped, and is refused with the name),
//! the summary is recomputed from them, and the run metadata is combined: the earliest start,
//! the span from that start to the latest end as the duration, every base URL (partitions
//! against the embedded server each have their own port, so an API may list several), the
//! filters of every input, and `strict`/`interrupted` when any input says so. Inputs from
//! different spec sets are refused: their case names would not mean the same thing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use super::contract::{Report, RunInfo, Summary};

/// Why reports could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no report to merge")]
    Empty,
    #[error("case `{case}` is in both {} and {}\n  = help: each case must come from one partition; were the same partition's reports given twice, or did the partitions overlap?", .first.display(), .second.display())]
    DuplicateCase {
        case: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("{} and {} come from different spec sets ({first_digest} and {second_digest})\n  = help: merge only the partitions of one run, made with the same specs", .first.display(), .second.display())]
    SpecSetsDiffer {
        first: PathBuf,
        first_digest: String,
        second: PathBuf,
        second_digest: String,
    },
}

/// Merges `reports` (each with the path it was read from, for messages) into one report.
pub fn merge(reports: &[(PathBuf, Report)]) -> Result<Report, MergeError> {
    let Some((first_path, first)) = reports.first() else {
        return Err(MergeError::Empty);
    };
    let mut owner: BTreeMap<&str, &Path> = BTreeMap::new();
    let mut cases = Vec::new();
    for (path, report) in reports {
        if report.run.spec_digest != first.run.spec_digest {
            return Err(MergeError::SpecSetsDiffer {
                first: first_path.clone(),
                first_digest: first.run.spec_digest.clone(),
                second: path.clone(),
                second_digest: report.run.spec_digest.clone(),
            });
        }
        for case in &report.cases {
            if let Some(previous) = owner.insert(&case.name, path) {
                return Err(MergeError::DuplicateCase {
                    case: case.name.clone(),
                    first: previous.to_path_buf(),
                    second: path.clone(),
                });
            }
            cases.push(case.clone());
        }
    }
    let runs: Vec<&RunInfo> = reports.iter().map(|(_, r)| &r.run).collect();
    Ok(Report {
        format: first.format,
        tool: first.tool.clone(),
        run: merge_runs(&runs),
        summary: Summary::of(&cases),
        restart_times: super::timing::restart_times(&cases),
        restarts: super::timing::restarts_by_resource(&cases),
        cases,
    })
}

/// Combines the run metadata of the partitions; `runs` is not empty.
fn merge_runs(runs: &[&RunInfo]) -> RunInfo {
    let (started_at, duration_ms) = span(runs);
    let mut targets: Vec<&str> = Vec::new();
    let mut base_urls: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut filters: Vec<String> = Vec::new();
    for run in runs {
        if !targets.contains(&run.target.as_str()) {
            targets.push(&run.target);
        }
        for (api, url) in &run.base_urls {
            let urls = base_urls.entry(api.clone()).or_default();
            if !urls.contains(&url.as_str()) {
                urls.push(url);
            }
        }
        for filter in &run.filters {
            if !filters.contains(filter) {
                filters.push(filter.clone());
            }
        }
    }
    RunInfo {
        started_at,
        duration_ms,
        target: targets.join(", "),
        base_urls: base_urls
            .into_iter()
            .map(|(api, urls)| (api, urls.join(", ")))
            .collect(),
        spec_digest: runs
            .first()
            .map(|r| r.spec_digest.clone())
            .unwrap_or_default(),
        strict: runs.iter().any(|r| r.strict),
        filters,
        interrupted: runs.iter().any(|r| r.interrupted),
        sign_in: runs.iter().find_map(|r| r.sign_in.clone()),
        signing: merge_signing(runs),
        poll_interval_ms: runs.iter().filter_map(|r| r.poll_interval_ms).max(),
        // The partitions of one run each have their own id; the merged run
        // is known by the first.
        run_id: runs.first().map(|r| r.run_id.clone()).unwrap_or_default(),
        resumed_cases: runs.iter().map(|r| r.resumed_cases).sum(),
        tls: merge_tls(runs),
        profile_run: merge_profile_runs(runs),
    }
}

/// The partitions' profile runs in one, when every partition ran the same profiles with the
/// same settings (their command lines differ in `--partition` only); else none, so that a
/// bundle refuses the merge.
fn merge_profile_runs(runs: &[&RunInfo]) -> Option<crate::model::ProfileRun> {
    let first = runs.first()?.profile_run.as_ref()?;
    let mut merged = first.clone();
    for run in &runs[1..] {
        let p = run.profile_run.as_ref()?;
        if p.profiles != first.profiles || p.settings != first.settings {
            return None;
        }
        merged.command_lines.extend(p.command_lines.iter().cloned());
    }
    Some(merged)
}

/// Every partition's TLS in one: a host left unverified by any of them stays so.
fn merge_tls(runs: &[&RunInfo]) -> Option<crate::model::TlsInfo> {
    let mut out: Option<crate::model::TlsInfo> = None;
    for t in runs.iter().filter_map(|r| r.tls.as_ref()) {
        let o = out.get_or_insert_with(Default::default);
        for (into, from) in [
            (&mut o.not_verified, &t.not_verified),
            (&mut o.not_verified_by, &t.not_verified_by),
            (&mut o.ca_files, &t.ca_files),
            (&mut o.client_certificates, &t.client_certificates),
        ] {
            for v in from {
                if !into.contains(v) {
                    into.push(v.clone());
                }
            }
        }
    }
    out
}

/// Every API that signed in any partition, with every key source.
fn merge_signing(runs: &[&RunInfo]) -> Option<crate::model::SigningInfo> {
    let mut out: Option<crate::model::SigningInfo> = None;
    for s in runs.iter().filter_map(|r| r.signing.as_ref()) {
        let m = out.get_or_insert_with(|| crate::model::SigningInfo {
            algorithm: s.algorithm.clone(),
            ..Default::default()
        });
        for api in &s.apis {
            if !m.apis.contains(api) {
                m.apis.push(api.clone());
            }
        }
        for k in &s.key_sources {
            if !m.key_sources.contains(k) {
                m.key_sources.push(k.clone());
            }
        }
    }
    out
}

/// The earliest start and the time from it to the latest end. When a start time does not
/// parse (a hand-edited file), the first start and the longest duration stand in.
fn span(runs: &[&RunInfo]) -> (String, u64) {
    let parsed: Option<Vec<(DateTime<FixedOffset>, u64)>> = runs
        .iter()
        .map(|r| {
            DateTime::parse_from_rfc3339(&r.started_at)
                .ok()
                .map(|t| (t, r.duration_ms))
        })
        .collect();
    let longest = runs.iter().map(|r| r.duration_ms).max().unwrap_or(0);
    let fallback = || {
        let start = runs
            .first()
            .map(|r| r.started_at.clone())
            .unwrap_or_default();
        (start, longest)
    };
    let Some(parsed) = parsed else {
        return fallback();
    };
    let Some(start) = parsed.iter().map(|(t, _)| *t).min() else {
        return fallback();
    };
    let end = parsed
        .iter()
        .filter_map(|(t, ms)| {
            let ms = i64::try_from(*ms).ok()?;
            t.checked_add_signed(chrono::TimeDelta::try_milliseconds(ms)?)
        })
        .max()
        .unwrap_or(start);
    let span = u64::try_from((end - start).num_milliseconds()).unwrap_or(0);
    // The original spelling of the earliest start is kept (its offset and precision).
    let spelled = runs
        .iter()
        .find(|r| DateTime::parse_from_rfc3339(&r.started_at).ok() == Some(start))
        .map_or_else(|| start.to_rfc3339(), |r| r.started_at.clone());
    (spelled, span.max(longest))
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    fn split() -> (Report, Report) {
        let full = sample::report();
        let (mut a, mut b) = (full.clone(), full.clone());
        let half = full.cases.len() / 2;
        a.cases.truncate(half);
        b.cases.drain(..half);
        a.summary = Summary::of(&a.cases);
        b.summary = Summary::of(&b.cases);
        a.run.started_at = "2026-01-01T10:00:00Z".into();
        a.run.duration_ms = 1_000;
        a.run.base_urls = [("ddm".to_owned(), "http://127.0.0.1:1/ddm".to_owned())].into();
        a.run.filters = vec!["ddm::".into()];
        b.run.started_at = "2026-01-01T10:00:02Z".into();
        b.run.duration_ms = 3_000;
        b.run.base_urls = [
            ("ddm".to_owned(), "http://127.0.0.1:2/ddm".to_owned()),
            ("ecs".to_owned(), "http://127.0.0.1:2/ecs".to_owned()),
        ]
        .into();
        b.run.filters = vec!["--skip ddm::".into()];
        (a, b)
    }

    #[test]
    fn union_recomputes_the_summary_and_spans_the_runs() -> Result<(), MergeError> {
        let full = sample::report();
        let (a, b) = split();
        let merged = merge(&[("a.json".into(), a), ("b.json".into(), b)])?;
        let names = |r: &Report| r.cases.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&merged), names(&full));
        assert_eq!(merged.summary, Summary::of(&full.cases));
        assert_eq!(merged.run.started_at, "2026-01-01T10:00:00Z");
        assert_eq!(
            merged.run.duration_ms, 5_000,
            "from the first start to the last end"
        );
        assert_eq!(
            merged.run.base_urls.get("ddm").map(String::as_str),
            Some("http://127.0.0.1:1/ddm, http://127.0.0.1:2/ddm")
        );
        assert!(merged.run.base_urls.contains_key("ecs"));
        assert_eq!(merged.run.filters, ["ddm::", "--skip ddm::"]);
        Ok(())
    }

    #[test]
    fn a_case_in_two_inputs_is_refused_with_its_name() {
        let (a, _) = split();
        let name = a.cases[0].name.clone();
        let err = merge(&[("a.json".into(), a.clone()), ("again.json".into(), a)]);
        let Err(err) = err else {
            panic!("the same case twice must be refused");
        };
        let text = err.to_string();
        assert!(text.contains(&format!("`{name}`")), "{text}");
        assert!(
            text.contains("a.json") && text.contains("again.json"),
            "{text}"
        );
    }

    #[test]
    fn different_spec_sets_are_refused() {
        let (a, mut b) = split();
        b.run.spec_digest = "other".into();
        assert!(matches!(
            merge(&[("a.json".into(), a), ("b.json".into(), b)]),
            Err(MergeError::SpecSetsDiffer { .. })
        ));
        assert!(matches!(merge(&[]), Err(MergeError::Empty)));
    }

    #[test]
    fn unparsable_start_falls_back_to_the_longest_duration() {
        let (mut a, b) = split();
        a.run.started_at = "yesterday".into();
        let merged = merge(&[("a.json".into(), a), ("b.json".into(), b)]);
        let Ok(merged) = merged else {
            panic!("a bad start time is no reason to refuse");
        };
        assert_eq!(merged.run.started_at, "yesterday");
        assert_eq!(merged.run.duration_ms, 3_000);
    }
}

//! `history.html` and `history.md`: the trend page of a run history.
//!
//! The HTML page is an askama template (`templates/history.html`, with `report.css` and
//! `history.css` inlined), self-contained like `report.html`: inline SVG, no network, no
//! JavaScript. All coordinates are computed here; every string (case names, targets, versions,
//! all of which come from a history file) reaches the page through askama's escaping.
//!
//! From the top: the latest run and what changed; flaky cases, new failures and the cases
//! failing longest; pass rate per API; restart time per API (median and p95, regressions
//! marked); a strip per case; the runs as a table.

use std::fmt::Write as _;

use askama::Template;

use super::trend::{ApiTrend, Trend, short};
use crate::report::contract::CaseOutcome;
use crate::report::format::duration;
use crate::report::{ReportError, ReportErrorKind};

/// File names inside `--report-dir`.
pub const HISTORY_HTML: &str = "history.html";
pub const HISTORY_MD: &str = "history.md";

/// Width of the drawing area of every chart and strip, in SVG units.
const PLOT_W: f64 = 460.0;
const CHART_H: f64 = 64.0;
/// Room left of a chart for the y labels, and under it for the dates.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 16.0;

/// Renders `history.html`.
pub fn to_history_html(trend: &Trend, source: &str) -> Result<String, ReportError> {
    HistoryPage::new(trend, source)
        .render()
        .map_err(|e| ReportError::new("render history.html", ReportErrorKind::Template(e)))
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage<'a> {
    trend: &'a Trend,
    source: &'a str,
    title: String,
    verdict: &'static str,
    latest: Option<LatestView>,
    changes: Vec<(String, String)>,
    pass_rate: Vec<ChartView>,
    restart_times: Vec<ChartView>,
    strips: Vec<StripView>,
    runs: Vec<RunRow>,
    first_date: String,
    last_date: String,
}

struct LatestView {
    passed: usize,
    failed: usize,
    skipped: usize,
    tool_version: String,
    digest: String,
    target: String,
}

/// A chart: polylines and dots in a `width × height` picture.
struct ChartView {
    label: String,
    /// The latest value, as text beside the chart.
    latest: String,
    width: f64,
    height: f64,
    plot_left: f64,
    plot_right: f64,
    axis_y: f64,
    top_label: String,
    lines: Vec<LineView>,
    dots: Vec<DotView>,
    markers: Vec<f64>,
}

struct LineView {
    class: &'static str,
    points: String,
}

struct DotView {
    cx: String,
    cy: String,
    class: &'static str,
    title: String,
}

struct StripView {
    name: String,
    latest: &'static str,
    width: f64,
    segments: Vec<SegmentView>,
    markers: Vec<f64>,
}

struct SegmentView {
    x: String,
    width: String,
    class: &'static str,
    title: String,
}

struct RunRow {
    index: usize,
    started_at: String,
    passed: usize,
    failed: usize,
    skipped: usize,
    duration: String,
    tool_version: String,
    digest: String,
    changes: String,
    interrupted: bool,
}

fn outcome_class(o: Option<CaseOutcome>) -> &'static str {
    match o {
        Some(CaseOutcome::Passed) => "passed",
        Some(CaseOutcome::Failed) => "failed",
        Some(CaseOutcome::Errored) => "errored",
        Some(CaseOutcome::Skipped) => "skipped",
        None => "absent",
    }
}

/// The x of run `i` of `n`, in the middle of its slot.
fn x_of(i: usize, n: usize) -> f64 {
    LEFT + (i as f64 + 0.5) * PLOT_W / n.max(1) as f64
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

impl<'a> HistoryPage<'a> {
    fn new(trend: &'a Trend, source: &'a str) -> HistoryPage<'a> {
        let n = trend.runs.len();
        let markers: Vec<f64> = trend
            .runs
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.changes.is_empty())
            .map(|(i, _)| LEFT + i as f64 * PLOT_W / n.max(1) as f64)
            .collect();
        let latest = trend.runs.last().map(|r| LatestView {
            passed: r.passed,
            failed: r.failed,
            skipped: r.skipped,
            tool_version: r.tool_version.clone(),
            digest: short(&r.spec_digest).to_owned(),
            target: r.target.clone(),
        });
        let verdict = match trend.runs.last() {
            None => "warning",
            Some(r) if r.failed > 0 => "failed",
            Some(r) if r.interrupted => "warning",
            Some(_) => "passed",
        };
        let pass_rate = trend
            .apis
            .iter()
            .map(|a| pass_rate_chart(a, &markers, n))
            .collect();
        let restart_times = trend
            .apis
            .iter()
            .filter(|a| a.times.iter().any(Option::is_some))
            .map(|a| restart_time_chart(a, trend, &markers, n))
            .collect();
        let strips = trend
            .cases
            .iter()
            .map(|c| strip(&c.name, &c.outcomes, trend, &markers))
            .collect();
        let runs = run_rows(trend);
        let changes = trend
            .runs
            .iter()
            .filter(|r| !r.changes.is_empty())
            .map(|r| (r.started_at.clone(), r.changes.join("; ")))
            .collect();
        HistoryPage {
            trend,
            source,
            title: format!("restart-conformance history — {n} runs"),
            verdict,
            latest,
            changes,
            pass_rate,
            restart_times,
            strips,
            runs,
            first_date: trend
                .runs
                .first()
                .map(|r| r.started_at.clone())
                .unwrap_or_default(),
            last_date: trend
                .runs
                .last()
                .map(|r| r.started_at.clone())
                .unwrap_or_default(),
        }
    }
}

/// An API's pass rate over the runs.
fn pass_rate_chart(a: &ApiTrend, markers: &[f64], n: usize) -> ChartView {
    let values: Vec<Option<f64>> = a.pass_rate.clone();
    let mut chart = chart(&a.api, &values, None, 1.0, markers, n);
    chart.top_label = "100 %".into();
    chart.latest = values
        .last()
        .copied()
        .flatten()
        .map(|v| format!("{:.0} %", v * 100.0))
        .unwrap_or_else(|| "–".into());
    chart
}

/// An API's median and p95 time to steady over the runs, its regressions as red dots.
fn restart_time_chart(a: &ApiTrend, trend: &Trend, markers: &[f64], n: usize) -> ChartView {
    let median: Vec<Option<f64>> = a
        .times
        .iter()
        .map(|t| t.map(|t| t.median_ms as f64))
        .collect();
    let p95: Vec<Option<f64>> = a.times.iter().map(|t| t.map(|t| t.p95_ms as f64)).collect();
    let top = p95.iter().flatten().fold(1.0_f64, |m, v| m.max(*v));
    let mut c = chart(&a.api, &median, Some(&p95), top, markers, n);
    c.top_label = duration(top as u64);
    for (i, t) in a.times.iter().enumerate() {
        if let (true, Some(t)) = (a.regressed[i], t) {
            c.dots.push(DotView {
                cx: fmt(x_of(i, n)),
                cy: fmt(y_of(t.median_ms as f64, top)),
                class: "regressed",
                title: format!(
                    "{}: median {} against a baseline of {}",
                    trend.runs[i].started_at,
                    duration(t.median_ms),
                    a.baseline_ms[i].map(duration).unwrap_or_default()
                ),
            });
        }
    }
    c.latest = a
        .times
        .last()
        .copied()
        .flatten()
        .map(|t| {
            format!(
                "median {} · p95 {}",
                duration(t.median_ms),
                duration(t.p95_ms)
            )
        })
        .unwrap_or_else(|| "–".into());
    c
}

/// The table of runs, the latest first.
fn run_rows(trend: &Trend) -> Vec<RunRow> {
    trend
        .runs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, r)| RunRow {
            index: i + 1,
            started_at: r.started_at.clone(),
            passed: r.passed,
            failed: r.failed,
            skipped: r.skipped,
            duration: duration(r.duration_ms),
            tool_version: r.tool_version.clone(),
            digest: short(&r.spec_digest).to_owned(),
            changes: r.changes.join("; "),
            interrupted: r.interrupted,
        })
        .collect()
}

fn y_of(v: f64, top: f64) -> f64 {
    let top = if top > 0.0 { top } else { 1.0 };
    4.0 + (CHART_H - 8.0) * (1.0 - (v / top).clamp(0.0, 1.0))
}

fn polyline(values: &[Option<f64>], top: f64, n: usize) -> String {
    let mut points = String::new();
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            let _ = write!(points, "{:.1},{:.1} ", x_of(i, n), y_of(*v, top));
        }
    }
    points.trim_end().to_owned()
}

fn chart(
    label: &str,
    main: &[Option<f64>],
    second: Option<&[Option<f64>]>,
    top: f64,
    markers: &[f64],
    n: usize,
) -> ChartView {
    let mut lines = Vec::new();
    if let Some(second) = second {
        lines.push(LineView {
            class: "p95",
            points: polyline(second, top, n),
        });
    }
    lines.push(LineView {
        class: "main",
        points: polyline(main, top, n),
    });
    // A lone run draws no line; a dot per run keeps every value visible (few runs) or
    // nothing extra (many runs, where the line says it all).
    let dots = if n <= 60 {
        main.iter()
            .enumerate()
            .filter_map(|(i, v)| {
                Some(DotView {
                    cx: fmt(x_of(i, n)),
                    cy: fmt(y_of((*v)?, top)),
                    class: "main",
                    title: String::new(),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    ChartView {
        label: label.to_owned(),
        latest: String::new(),
        width: LEFT + PLOT_W + 4.0,
        height: CHART_H + BOTTOM,
        plot_left: LEFT,
        plot_right: LEFT + PLOT_W,
        axis_y: CHART_H,
        top_label: String::new(),
        lines,
        dots,
        markers: markers.to_vec(),
    }
}

/// A case's outcomes as runs of equal outcomes, one rectangle each.
fn strip(
    name: &str,
    outcomes: &[Option<CaseOutcome>],
    trend: &Trend,
    markers: &[f64],
) -> StripView {
    let n = outcomes.len();
    let w = PLOT_W / n.max(1) as f64;
    let mut segments = Vec::new();
    let mut start = 0;
    while start < n {
        let o = outcomes[start];
        let mut end = start;
        while end + 1 < n && outcomes[end + 1] == o {
            end += 1;
        }
        let when = if start == end {
            format!("run {} ({})", start + 1, trend.runs[start].started_at)
        } else {
            format!(
                "runs {}–{} ({} … {})",
                start + 1,
                end + 1,
                trend.runs[start].started_at,
                trend.runs[end].started_at
            )
        };
        segments.push(SegmentView {
            x: fmt(LEFT + start as f64 * w),
            width: fmt((end - start + 1) as f64 * w),
            class: outcome_class(o),
            title: format!(
                "{when}: {}",
                o.map_or("not in the run", CaseOutcome::as_str)
            ),
        });
        start = end + 1;
    }
    StripView {
        name: name.to_owned(),
        latest: outcome_class(outcomes.last().copied().flatten()),
        width: LEFT + PLOT_W + 4.0,
        segments,
        markers: markers.to_vec(),
    }
}

/// Renders `history.md`: the lists and the latest figures, for a CI job summary.
pub fn to_history_md(trend: &Trend) -> String {
    let mut out = String::new();
    let n = trend.runs.len();
    let _ = writeln!(out, "# restart-conformance history: {n} runs\n");
    if let Some(r) = trend.runs.last() {
        let _ = writeln!(
            out,
            "Latest run {}: {} passed, {} failed, {} skipped (tool {}, spec set `{}`, target {}).\n",
            md(&r.started_at),
            r.passed,
            r.failed,
            r.skipped,
            md(&r.tool_version),
            short(&r.spec_digest),
            md(&r.target)
        );
    }
    for r in trend.runs.iter().filter(|r| !r.changes.is_empty()) {
        let _ = writeln!(
            out,
            "- from {}: {}",
            md(&r.started_at),
            md(&r.changes.join("; "))
        );
    }
    if trend.runs.iter().any(|r| !r.changes.is_empty()) {
        out.push('\n');
    }
    md_cases(&mut out, trend);
    md_apis(&mut out, trend);
    out
}

/// The Markdown sections on cases: flaky, newly failing, failing longest.
fn md_cases(out: &mut String, trend: &Trend) {
    let _ = writeln!(
        out,
        "## Flaky cases ({})\n\nOutcome changed at least twice, or passed only after a retry (`~`), over the last {} runs with the latest run's tool version, spec set and target.\n",
        trend.flaky.len(),
        trend.window
    );
    if !trend.flaky.is_empty() {
        out.push_str("| case | changes | outcomes, oldest first |\n|---|---|---|\n");
        for f in &trend.flaky {
            let _ = writeln!(out, "| `{}` | {} | {} |", f.name, f.flips, f.outcomes);
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## New failures ({})\n", trend.new_failures.len());
    for f in &trend.new_failures {
        let _ = writeln!(out, "- `{}` ({})", f.name, f.outcome.as_str());
    }
    if !trend.new_failures.is_empty() {
        out.push('\n');
    }

    let _ = writeln!(
        out,
        "## Failing longest ({})\n",
        trend.failing_longest.len()
    );
    if !trend.failing_longest.is_empty() {
        out.push_str("| case | runs in a row | since |\n|---|---|---|\n");
        for s in &trend.failing_longest {
            let _ = writeln!(out, "| `{}` | {} | {} |", s.name, s.runs, md(&s.since));
        }
        out.push('\n');
    }
}

/// The Markdown sections on APIs: the latest pass rates and times, the time regressions.
fn md_apis(out: &mut String, trend: &Trend) {
    out.push_str("## Pass rate and restart time per API (latest run)\n\n| API | pass rate | median to steady | p95 | baseline |\n|---|---|---|---|---|\n");
    for a in &trend.apis {
        let rate = a
            .pass_rate
            .last()
            .copied()
            .flatten()
            .map_or("–".to_owned(), |v| format!("{:.0} %", v * 100.0));
        let t = a.times.last().copied().flatten();
        let base = a.baseline_ms.last().copied().flatten();
        let _ = writeln!(
            out,
            "| {} | {rate} | {} | {} | {}{} |",
            md(&a.api),
            t.map_or("–".into(), |t| duration(t.median_ms)),
            t.map_or("–".into(), |t| duration(t.p95_ms)),
            base.map_or("–".into(), duration),
            if a.regressed.last().copied().unwrap_or(false) {
                " ⚠️ regressed"
            } else {
                ""
            }
        );
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "## Restart-time regressions ({})\n\nA run's median time to steady above twice the baseline (the median over the previous {} passing runs of that API against the same target) and more than one poll interval above it.\n",
        trend.regressions.len(),
        trend.window
    );
    if !trend.regressions.is_empty() {
        out.push_str("| run | API | median | baseline |\n|---|---|---|---|\n");
        for r in &trend.regressions {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&r.started_at),
                md(&r.api),
                duration(r.median_ms),
                duration(r.baseline_ms)
            );
        }
        out.push('\n');
    }
}

/// Escapes Markdown and HTML punctuation in text from a history file.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::history::{HISTORY_TAG, HistoryCase, HistoryLine};
    use super::super::trend::analyse;
    use super::*;

    fn line(day: u32, name: &str, outcome: CaseOutcome) -> HistoryLine {
        HistoryLine {
            history: HISTORY_TAG.into(),
            run_id: String::new(),
            started_at: format!("2026-11-{day:02}T02:00:00Z"),
            duration_ms: 1000,
            tool_version: if day > 2 { "0.2.0" } else { "0.1.0" }.into(),
            spec_digest: "d".into(),
            target: "<script>alert(1)</script>".into(),
            partition: Vec::new(),
            interrupted: false,
            strict: false,
            poll_interval_ms: Some(20),
            profiles: Vec::new(),
            cases: vec![HistoryCase {
                name: name.into(),
                outcome,
                to_steady_ms: Some([280, 300 + u64::from(day)]),
                flaky: false,
            }],
        }
    }

    #[test]
    fn the_page_is_self_contained_escaped_and_marks_changes() -> Result<(), ReportError> {
        let runs = vec![
            line(1, "ecs::reboot", CaseOutcome::Passed),
            line(2, "ecs::reboot", CaseOutcome::Failed),
            line(3, "ecs::reboot", CaseOutcome::Passed),
        ];
        let html = to_history_html(&analyse(&runs, 10), "h.jsonl")?;
        assert!(!html.contains("<script>alert(1)"), "target is escaped");
        assert!(html.contains("&#60;script&#62;alert(1)"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(html.contains("tool 0.1.0 → 0.2.0"));
        assert!(html.contains("<svg"));
        assert!(
            html.contains("class=\"seg failed\""),
            "a strip segment per outcome"
        );
        let md = to_history_md(&analyse(&runs, 10));
        assert!(
            md.contains("from 2026-11-03T02:00:00Z: tool 0.1.0 → 0.2.0"),
            "{md}"
        );
        assert!(md.contains("\\<script\\>"));
        Ok(())
    }
}

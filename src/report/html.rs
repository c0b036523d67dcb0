//! `report.html`: one self-contained page, readable offline and without JavaScript.
//!
//! The page is an askama template (`templates/report.html`, with `report.css` and `report.js`
//! inlined at build time), so it loads nothing from the network. Everything in a report that came
//! from a target — bodies, headers, messages, even state names — is hostile, and reaches the page
//! only through askama's auto-escaping: the template uses no `|safe`. This module prepares plain
//! values for the template instead: diff lines with their colour class, pretty-printed bodies,
//! and the lifecycle timeline as SVG coordinates computed here.

use askama::Template;

use super::diff::ReportDiff;
use super::format::{duration, rank, warnings};
use super::matrix::{Column, Matrix};
use super::model::{CaseOutcome, CaseReport, CheckReport, ExchangeRecord, Observation, Report};
use super::{ReportError, ReportErrorKind};

/// Renders `report.html`, with the baseline comparison when one is given.
pub fn to_html(report: &Report, baseline: Option<&ReportDiff>) -> Result<String, ReportError> {
    Page::new(report, baseline)
        .render()
        .map_err(|e| ReportError::new("render report.html", ReportErrorKind::Template(e)))
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    title: String,
    verdict: &'static str,
    report: &'a Report,
    duration: String,
    base_urls: Vec<(&'a str, &'a str)>,
    columns: Vec<&'static str>,
    matrix: Vec<MatrixRowView>,
    baseline: Option<BaselineView>,
    apis: Vec<&'a str>,
    cases: Vec<CaseView<'a>>,
}

struct MatrixRowView {
    api: String,
    cells: Vec<CellView>,
}

struct CellView {
    state: &'static str,
    column: &'static str,
    text: String,
}

struct BaselineView {
    headline: String,
    regressions: bool,
    sections: Vec<SectionView>,
}

struct SectionView {
    label: &'static str,
    names: Vec<String>,
    /// Removed cases have no anchor on this page.
    linkable: bool,
}

struct CaseView<'a> {
    case: &'a CaseReport,
    outcome: &'static str,
    duration: String,
    warnings: usize,
    /// Failed and errored cases start unfolded: they are what the reader came for.
    open: bool,
    checks: Vec<CheckView<'a>>,
    exchanges: Vec<ExchangeView<'a>>,
    timeline: Option<Timeline<'a>>,
}

struct CheckView<'a> {
    check: &'a CheckReport,
    diff: Vec<DiffLine<'a>>,
}

/// One line of a unified diff and its colour class.
struct DiffLine<'a> {
    kind: &'static str,
    text: &'a str,
}

struct ExchangeView<'a> {
    exchange: &'a ExchangeRecord,
    request_body: Option<&'a str>,
    /// `None` when no response came back.
    status: Option<u16>,
    status_class: &'static str,
    response_headers: &'a [(String, String)],
    response_body: String,
    truncated: bool,
}

/// A lifecycle timeline as SVG coordinates; all numbers are computed here, all text escaped.
struct Timeline<'a> {
    width: u32,
    height: u32,
    segments: Vec<Segment<'a>>,
    points: Vec<Point<'a>>,
    start_label: String,
    end_label: String,
    /// Where the last poll's time is written, under its point.
    end_x: String,
    /// `end` near the right edge, so the label stays inside the picture.
    end_anchor: &'static str,
    axis_y: u32,
}

/// A run of polls that read the same state.
struct Segment<'a> {
    x: String,
    width: String,
    label_x: String,
    /// The label is drawn inside the bar only when it fits; the `<title>` always holds it.
    show_label: bool,
    state: &'a str,
    class: &'static str,
    /// `100–1100 ms`, or `from 3100 ms (last poll)` for the final state.
    range: String,
}

/// One poll, drawn on the axis and listed in the table under the picture.
struct Point<'a> {
    cx: String,
    at_ms: u64,
    state: &'a str,
    note: &'a str,
}

impl<'a> Page<'a> {
    fn new(report: &'a Report, baseline: Option<&ReportDiff>) -> Page<'a> {
        let s = &report.summary;
        let verdict = if s.failed > 0 {
            "failed"
        } else if report.run.interrupted {
            "warning"
        } else {
            "passed"
        };
        let title = format!(
            "{} {} — {} passed, {} failed, {} skipped, {} warnings",
            report.tool.name, report.tool.version, s.passed, s.failed, s.skipped, s.warnings
        );

        let matrix = Matrix::build(report);
        let mut apis: Vec<&str> = Vec::new();
        for case in &report.cases {
            if !apis.contains(&case.api.as_str()) {
                apis.push(&case.api);
            }
        }

        let mut cases: Vec<&CaseReport> = report.cases.iter().collect();
        // A stable sort keeps the report order within each rank.
        cases.sort_by_key(|c| rank(c));

        Page {
            title,
            verdict,
            report,
            duration: duration(report.run.duration_ms),
            base_urls: report
                .run
                .base_urls
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            columns: Column::ALL.iter().map(|c| c.label()).collect(),
            matrix: matrix
                .rows
                .into_iter()
                .map(|row| MatrixRowView {
                    cells: row
                        .columns()
                        .map(|(column, cell)| CellView {
                            state: cell.state().as_str(),
                            column: column.key(),
                            text: cell.counts_text(),
                        })
                        .collect(),
                    api: row.api,
                })
                .collect(),
            baseline: baseline.map(baseline_view),
            apis,
            cases: cases.into_iter().map(case_view).collect(),
        }
    }
}

fn baseline_view(diff: &ReportDiff) -> BaselineView {
    let headline = if diff.is_empty() {
        "No changes since the baseline.".to_owned()
    } else if diff.has_regressions() {
        format!("Regressions since the baseline: {}.", diff.counts_line())
    } else {
        format!("No regressions since the baseline: {}.", diff.counts_line())
    };
    BaselineView {
        headline,
        regressions: diff.has_regressions(),
        sections: diff
            .sections()
            .into_iter()
            .filter(|(_, names)| !names.is_empty())
            .map(|(label, names)| SectionView {
                label,
                names: names.to_vec(),
                linkable: label != "removed",
            })
            .collect(),
    }
}

fn case_view(case: &CaseReport) -> CaseView<'_> {
    CaseView {
        case,
        outcome: case.outcome.as_str(),
        duration: duration(case.duration_ms),
        warnings: warnings(case),
        open: matches!(case.outcome, CaseOutcome::Failed | CaseOutcome::Errored),
        checks: case
            .checks
            .iter()
            .map(|check| CheckView {
                check,
                diff: check.diff.as_deref().map(diff_lines).unwrap_or_default(),
            })
            .collect(),
        exchanges: case.exchanges.iter().map(exchange_view).collect(),
        timeline: timeline(&case.lifecycle),
    }
}

/// Splits a unified diff into lines tagged for colour: additions, deletions, hunk headers.
fn diff_lines(diff: &str) -> Vec<DiffLine<'_>> {
    diff.lines()
        .map(|text| {
            let kind = if text.starts_with("+++") || text.starts_with("---") {
                "d-file"
            } else if text.starts_with("@@") {
                "d-hunk"
            } else if text.starts_with('+') {
                "d-add"
            } else if text.starts_with('-') {
                "d-del"
            } else {
                "d-ctx"
            };
            DiffLine { kind, text }
        })
        .collect()
}

fn exchange_view(exchange: &ExchangeRecord) -> ExchangeView<'_> {
    let (status, status_class, response_headers, response_body, truncated) =
        match &exchange.response {
            Some(r) => (
                Some(r.status),
                match r.status {
                    200..=299 => "s-ok",
                    300..=399 => "s-redirect",
                    _ => "s-error",
                },
                r.headers.as_slice(),
                pretty(&r.body),
                r.body_truncated,
            ),
            None => (None, "s-error", &[][..], String::new(), false),
        };
    ExchangeView {
        exchange,
        // The request stays as sent: a negative case's point may be in its exact bytes.
        request_body: exchange.request.body.as_deref(),
        status,
        status_class,
        response_headers,
        response_body,
        truncated,
    }
}

/// The body pretty-printed when it is JSON, as received otherwise.
fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_owned())
}

const TIMELINE_WIDTH: f64 = 720.0;
const TIMELINE_PAD: f64 = 12.0;
/// Roughly the width of one character of the label font, to decide whether a label fits.
const CHAR_WIDTH: f64 = 7.5;
/// Colours for the distinct states of one timeline, in order of appearance.
const STATE_CLASSES: [&str; 4] = ["st-0", "st-1", "st-2", "st-3"];

fn timeline(observations: &[Observation]) -> Option<Timeline<'_>> {
    let mut sorted: Vec<&Observation> = observations.iter().collect();
    sorted.sort_by_key(|o| o.at_ms);
    let start = sorted.first()?.at_ms;
    let end = sorted.last()?.at_ms;
    // The last state is drawn for one typical poll interval, so it shows as a bar, not a line.
    let polls = sorted.len().saturating_sub(1).max(1) as u64;
    let tail = ((end - start) / polls).max(1);
    let span = (end - start + tail) as f64;
    let scale = (TIMELINE_WIDTH - 2.0 * TIMELINE_PAD) / span;
    let x_of = |at: u64| TIMELINE_PAD + (at.saturating_sub(start)) as f64 * scale;

    let mut distinct: Vec<&str> = Vec::new();
    let mut segments: Vec<Segment<'_>> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let state = sorted[i].state.as_deref();
        let mut j = i + 1;
        while j < sorted.len() && sorted[j].state.as_deref() == state {
            j += 1;
        }
        let from_ms = sorted[i].at_ms;
        let to_ms = sorted.get(j).map_or(end + tail, |o| o.at_ms);
        let (label, class) = match state {
            Some(s) => {
                let index = distinct.iter().position(|d| *d == s).unwrap_or_else(|| {
                    distinct.push(s);
                    distinct.len() - 1
                });
                (s, STATE_CLASSES[index % STATE_CLASSES.len()])
            }
            None => ("(no state)", "st-none"),
        };
        let x = x_of(from_ms);
        let width = (x_of(to_ms) - x).max(1.0);
        segments.push(Segment {
            x: format!("{x:.1}"),
            width: format!("{width:.1}"),
            label_x: format!("{:.1}", x + 4.0),
            show_label: (label.chars().count() as f64) * CHAR_WIDTH + 8.0 <= width,
            state: label,
            class,
            range: match sorted.get(j) {
                Some(next) => format!("{from_ms}–{} ms", next.at_ms),
                None => format!("from {from_ms} ms (last poll)"),
            },
        });
        i = j;
    }

    let points = sorted
        .iter()
        .map(|o| Point {
            cx: format!("{:.1}", x_of(o.at_ms)),
            at_ms: o.at_ms,
            state: o.state.as_deref().unwrap_or("(no state)"),
            note: &o.note,
        })
        .collect();

    let end_x = x_of(end);
    Some(Timeline {
        width: TIMELINE_WIDTH as u32,
        height: 78,
        segments,
        points,
        start_label: format!("{start} ms"),
        end_label: format!("{end} ms"),
        end_x: format!("{end_x:.1}"),
        end_anchor: if end_x > TIMELINE_WIDTH - 60.0 {
            "end"
        } else {
            "middle"
        },
        axis_y: 52,
    })
}

#[cfg(test)]
mod tests {
    use super::super::diff::compare;
    use super::super::sample;
    use super::*;

    fn render() -> Result<String, ReportError> {
        to_html(&sample::report(), None)
    }

    #[test]
    fn matrix_cells_have_state_classes() -> Result<(), ReportError> {
        let html = render()?;
        for (api, column, state) in [
            ("ecs", "success", "passed"),
            ("ecs", "schema", "failed"),
            ("ecs", "lifecycle", "passed"),
            ("ecs", "negative", "empty"),
            ("ddm", "negative", "passed"),
            ("ddm", "auth", "failed"),
            ("ddm", "errors", "warning"),
            ("clouddb", "success", "skipped"),
        ] {
            let needle =
                format!(r#"<td class="cell {state}" data-api="{api}" data-column="{column}""#);
            assert!(html.contains(&needle), "missing {needle}");
        }
        assert!(html.contains("1 failed · 1 warning"));
        Ok(())
    }

    #[test]
    fn diff_lines_are_coloured() -> Result<(), ReportError> {
        let html = render()?;
        assert!(html.contains(r#"<span class="d-hunk">@@ -1,3 +1,3 @@</span>"#));
        assert!(
            html.contains(r#"<span class="d-del">-  &#34;job_id&#34;: &#34;70a599e0&#34;</span>"#),
            "{html}"
        );
        assert!(html.contains(r#"<span class="d-add">+  &#34;job_id&#34;: 42</span>"#));
        assert!(html.contains(r#"<span class="d-file">+++ actual</span>"#));
        Ok(())
    }

    #[test]
    fn lifecycle_has_an_svg_timeline() -> Result<(), ReportError> {
        let html = render()?;
        assert_eq!(html.matches("<svg").count(), 1, "one case has observations");
        // ACTIVE → REBOOT → ACTIVE: three segments, four polls.
        assert_eq!(html.matches(r#"<rect class="seg "#).count(), 3);
        assert_eq!(html.matches("<circle ").count(), 4);
        assert!(html.contains(">REBOOT</text>"));
        Ok(())
    }

    #[test]
    fn timeline_geometry() {
        let obs: Vec<Observation> = [(0, "A"), (1000, "B"), (2000, "A")]
            .into_iter()
            .map(|(at_ms, s)| Observation {
                at_ms,
                state: Some(s.to_owned()),
                note: "200".to_owned(),
            })
            .collect();
        let Some(t) = timeline(&obs) else {
            panic!("observations give a timeline");
        };
        let xs: Vec<&str> = t.segments.iter().map(|s| s.x.as_str()).collect();
        assert_eq!(xs, ["12.0", "244.0", "476.0"]);
        let classes: Vec<&str> = t.segments.iter().map(|s| s.class).collect();
        assert_eq!(classes, ["st-0", "st-1", "st-0"], "same state, same colour");
        assert_eq!(t.segments[1].range, "1000–2000 ms");
        assert_eq!(t.segments[2].range, "from 2000 ms (last poll)");
        assert_eq!((t.end_x.as_str(), t.end_anchor), ("476.0", "middle"));
        assert!(timeline(&[]).is_none());
    }

    #[test]
    fn cases_are_anchored_and_ordered() -> Result<(), ReportError> {
        let html = render()?;
        let at = |name: &str| html.find(&format!(r#"id="{name}""#));
        for name in [
            sample::PASSED,
            sample::FAILED,
            sample::LIFECYCLE,
            sample::WARNING,
            sample::ERRORED,
            sample::SKIPPED,
        ] {
            assert!(at(name).is_some(), "no anchor for {name}");
        }
        // failed/errored, then warnings, then passed, then skipped.
        let order = [
            at(sample::FAILED),
            at(sample::ERRORED),
            at(sample::WARNING),
            at(sample::PASSED),
            at(sample::LIFECYCLE),
            at(sample::SKIPPED),
        ];
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        Ok(())
    }

    #[test]
    fn hostile_content_is_escaped_and_nothing_is_fetched() -> Result<(), ReportError> {
        let html = render()?;
        assert!(
            !html.contains("<script>alert"),
            "unescaped script from a body"
        );
        assert!(!html.contains("</script><script>alert"));
        assert!(html.contains("&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;"));
        for attr in [
            "src=\"http",
            "href=\"http",
            "src='http",
            "href='http",
            "url(http",
            "@import",
        ] {
            assert!(!html.contains(attr), "external reference {attr}");
        }
        // The redacted header value is shown as is.
        assert!(html.contains("X-Auth-Token"));
        assert!(html.contains("***"));
        // Exchanges show their URL as text.
        assert!(html.contains(">https://ecs.example.test/v2.1/p1/servers/s1/action<"));
        Ok(())
    }

    #[test]
    fn hostile_state_names_and_case_names_are_escaped() -> Result<(), ReportError> {
        let mut report = sample::report();
        for c in &mut report.cases {
            for o in &mut c.lifecycle {
                o.state = Some(sample::HOSTILE.to_owned());
            }
            c.api = format!("\"><script>alert(2)</script>{}", c.api);
        }
        report.run.target = sample::HOSTILE.to_owned();
        let html = to_html(&report, None)?;
        assert!(!html.contains("<script>alert"));
        Ok(())
    }

    #[test]
    fn response_json_is_pretty_printed() -> Result<(), ReportError> {
        let html = render()?;
        assert!(html.contains("{\n  &#34;job_id&#34;: 42,"), "{html}");
        Ok(())
    }

    #[test]
    fn metadata_and_baseline() -> Result<(), ReportError> {
        let old = sample::report();
        let mut new = sample::report();
        for c in new.cases.iter_mut().filter(|c| c.name == sample::PASSED) {
            c.outcome = CaseOutcome::Failed;
        }
        let diff = compare(&old, &new);
        let html = to_html(&new, Some(&diff))?;
        for text in [
            "5f2b9c0d",
            "target.yaml",
            "2025-01-02T03:04:05Z",
            "12.3 s",
            "ecs::",
        ] {
            assert!(html.contains(text), "metadata {text} missing");
        }
        assert!(html.contains("Regressions since the baseline"));
        assert!(html.contains(&format!(r##"<a href="#{}">"##, sample::PASSED)));
        Ok(())
    }
}

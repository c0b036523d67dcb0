//! `report.html`: one self-contained page, readable offline and without JavaScript.
//!
//! The page is an askama template (`templates/report.html`, with `exchange.html`, `report.css`
//! and `report.js` inlined at build time), so it loads nothing from the network. Everything in a
//! report that came from a target — bodies, headers, messages, even state names — is hostile, and
//! reaches the page only through askama's auto-escaping: the templates use no `|safe`. This module
//! prepares plain values for the template instead: diff lines with their colour class,
//! pretty-printed bodies, the status polls folded into a table, and the lifecycle timeline as SVG
//! coordinates computed here.
//!
//! Credentials are not this module's business: [`super::write_all_with`] hands every writer a
//! report already masked by the one [`crate::redact::Redactor`] (credential headers, URL user
//! information, `curl` header values, the run's secrets), so the page renders what it is given.

use askama::Template;

mod timeline;
use timeline::{Timeline, timeline};

use super::diff::ReportDiff;
use super::format::{duration, one_line, rank, warnings};
use super::matrix::{CellState, Column, Matrix, case_cells};
use super::model::{
    CaseOutcome, CaseReport, CheckOutcome, CheckReport, ExchangeRecord, Observation, Report,
};
use super::{ReportError, ReportErrorKind};

/// Renders `report.html`, with the baseline comparison when one is given.
pub fn to_html(report: &Report, baseline: Option<&ReportDiff>) -> Result<String, ReportError> {
    Page::new(report, baseline)
        .render()
        .map_err(|e| ReportError::new("render report.html", ReportErrorKind::Template(e)))
}

/// The `purpose` of the exchanges that poll the resource's state.
const STATUS_POLL: &str = "status";
/// Headline messages in a case's summary line are cut to this many characters.
const HEADLINE_MAX: usize = 160;
/// Response bodies in the status-poll table are cut to this many characters.
const POLL_BODY_MAX: usize = 120;
/// Besides the last one, at most this many polls with an unusual answer are shown in full.
const POLLS_IN_FULL: usize = 3;

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    title: String,
    verdict: &'static str,
    report: &'a Report,
    total: usize,
    duration: String,
    base_urls: Vec<(&'a str, &'a str)>,
    /// The first 12 hex digits of the spec set digest, for the header line.
    digest_short: &'a str,
    columns: Vec<&'static str>,
    matrix: Vec<MatrixRowView>,
    baseline: Option<BaselineView>,
    apis: Vec<&'a str>,
    cases: Vec<CaseView<'a>>,
    /// Per API, the time from an accepted restart's answer to the steady state.
    restart_times: Vec<RestartTimesRow>,
    /// `every 20 ms`, or empty when the report does not say.
    poll_interval: String,
}

/// One row of the restart-times table.
struct RestartTimesRow {
    api: String,
    count: usize,
    median: String,
    p95: String,
    max: String,
}

struct MatrixRowView {
    api: String,
    /// `11 cases · 2 failed`.
    cases: String,
    cells: Vec<CellView>,
}

struct CellView {
    state: &'static str,
    column: &'static str,
    /// A symbol that repeats the colour, for readers and screenshots without it.
    mark: &'static str,
    /// The worst count, first line of the cell: `2 failed`; `–` for an empty cell.
    lead: String,
    /// The other counts, second line: `4 warnings · 22 passed`.
    rest: String,
    /// The first case (in page order) that made a red or yellow cell so.
    href: Option<String>,
}

struct BaselineView {
    headline: String,
    regressions: bool,
    sections: Vec<SectionView>,
}

struct SectionView {
    label: &'static str,
    /// The label as a CSS class: `new-warnings`.
    key: String,
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
    /// Why the case is not clean, in one line for the folded summary.
    headline: Option<String>,
    checks: Vec<CheckView<'a>>,
    /// The case's own requests (restart, second restart, …), shown in full.
    exchanges: Vec<ExchangeView<'a>>,
    /// The status polls, folded into a table.
    polls: Option<PollsView<'a>>,
    /// The polls table lists every lifecycle observation, so the timeline needs no table.
    states_in_polls: bool,
    timeline: Option<Timeline<'a>>,
    curl: Option<&'a str>,
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
    url: &'a str,
    request_headers: Vec<(&'a str, &'a str)>,
    request_body: Option<&'a str>,
    /// `None` when no response came back.
    status: Option<u16>,
    status_class: &'static str,
    response_headers: Vec<(&'a str, &'a str)>,
    response_body: String,
    truncated: bool,
}

/// A case's status polls: one table row each, and the telling ones in full.
struct PollsView<'a> {
    /// `GET <url>` when every poll sent the same request.
    request: Option<String>,
    /// True when each poll has its lifecycle observation, so the table shows the state read.
    states: bool,
    rows: Vec<PollRow<'a>>,
    /// The last poll, and the first few whose answer differs from the first poll's.
    full: Vec<ExchangeView<'a>>,
}

struct PollRow<'a> {
    at_ms: u64,
    elapsed_ms: u64,
    /// The request, when the polls did not all send the same one.
    request: Option<String>,
    status: String,
    status_class: &'static str,
    state: &'a str,
    /// The start of the body; `None` when it is the same as the previous poll's.
    body: Option<String>,
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
            total: report.cases.len(),
            duration: duration(report.run.duration_ms),
            base_urls: report
                .run
                .base_urls
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            digest_short: report
                .run
                .spec_digest
                .get(..12)
                .unwrap_or(&report.run.spec_digest),
            columns: Column::ALL.iter().map(|c| c.label()).collect(),
            matrix: matrix_view(report, &cases),
            baseline: baseline.map(baseline_view),
            apis,
            cases: cases.into_iter().map(case_view).collect(),
            restart_times: report
                .restart_times
                .iter()
                .map(|(api, t)| RestartTimesRow {
                    api: api.clone(),
                    count: t.count,
                    median: duration(t.median_ms),
                    p95: duration(t.p95_ms),
                    max: duration(t.max_ms),
                })
                .collect(),
            poll_interval: report
                .run
                .poll_interval_ms
                .map(|ms| format!("every {}", duration(ms)))
                .unwrap_or_default(),
        }
    }
}

/// The matrix rows, each cell linked to the first case (in page order) of its colour.
fn matrix_view(report: &Report, page_order: &[&CaseReport]) -> Vec<MatrixRowView> {
    Matrix::build(report)
        .rows
        .into_iter()
        .map(|row| {
            let of_api: Vec<&CaseReport> = page_order
                .iter()
                .copied()
                .filter(|c| c.api == row.api)
                .collect();
            let failed = of_api
                .iter()
                .filter(|c| matches!(c.outcome, CaseOutcome::Failed | CaseOutcome::Errored))
                .count();
            let skipped = of_api
                .iter()
                .filter(|c| c.outcome == CaseOutcome::Skipped)
                .count();
            let mut cases = plural(of_api.len(), "case");
            if failed > 0 {
                cases.push_str(&format!(" · {failed} failed"));
            }
            if skipped > 0 {
                cases.push_str(&format!(" · {skipped} skipped"));
            }
            let per_case: Vec<(&CaseReport, [_; 6])> =
                of_api.iter().map(|c| (*c, case_cells(c))).collect();
            let cells = row
                .columns()
                .enumerate()
                .map(|(i, (column, cell))| {
                    let state = cell.state();
                    let counts = cell.counts();
                    let href = matches!(state, CellState::Failed | CellState::Warning)
                        .then(|| {
                            per_case
                                .iter()
                                .find(|(_, cells)| cells[i].state() == state)
                                .map(|(c, _)| format!("#{}", c.name))
                        })
                        .flatten();
                    CellView {
                        state: state.as_str(),
                        column: column.key(),
                        mark: match state {
                            CellState::Failed => "✗",
                            CellState::Warning => "!",
                            CellState::Passed => "✓",
                            CellState::Skipped => "○",
                            CellState::Empty => "",
                        },
                        lead: counts.first().cloned().unwrap_or_else(|| "–".to_owned()),
                        rest: counts.get(1..).unwrap_or_default().join(" · "),
                        href,
                    }
                })
                .collect();
            MatrixRowView {
                api: row.api,
                cases,
                cells,
            }
        })
        .collect()
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
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
                key: label.replace(' ', "-"),
                names: names.to_vec(),
                linkable: label != "removed",
            })
            .collect(),
    }
}

fn case_view(case: &CaseReport) -> CaseView<'_> {
    let (polls, own): (Vec<&ExchangeRecord>, Vec<&ExchangeRecord>) = case
        .exchanges
        .iter()
        .partition(|x| x.purpose == STATUS_POLL);
    let requests: Vec<(u64, &str)> = own.iter().map(|x| (x.at_ms, x.purpose.as_str())).collect();
    let folded = polls_view(&polls, &case.lifecycle);
    CaseView {
        case,
        outcome: case.outcome.as_str(),
        duration: duration(case.duration_ms),
        warnings: warnings(case),
        open: matches!(case.outcome, CaseOutcome::Failed | CaseOutcome::Errored),
        headline: headline(case),
        checks: case
            .checks
            .iter()
            .map(|check| CheckView {
                check,
                diff: check.diff.as_deref().map(diff_lines).unwrap_or_default(),
            })
            .collect(),
        exchanges: own.into_iter().map(exchange_view).collect(),
        states_in_polls: folded.as_ref().is_some_and(|p| p.states),
        polls: folded,
        timeline: timeline(&case.lifecycle, &requests),
        curl: case.curl.as_deref(),
    }
}

/// The first broken rule, the transport error or the skip reason, in one line.
fn headline(case: &CaseReport) -> Option<String> {
    let first = |outcome: CheckOutcome| {
        case.checks
            .iter()
            .find(|k| k.outcome == outcome)
            .map(|k| format!("{}: {}", k.id, k.message))
    };
    let text = match case.outcome {
        CaseOutcome::Failed => first(CheckOutcome::Failed).or_else(|| case.reason.clone()),
        CaseOutcome::Errored => case
            .reason
            .clone()
            .or_else(|| case.exchanges.iter().find_map(|x| x.error.clone()))
            .or_else(|| first(CheckOutcome::Failed)),
        CaseOutcome::Skipped => case.reason.clone(),
        CaseOutcome::Passed => first(CheckOutcome::Warning),
    }?;
    Some(one_line(&text, HEADLINE_MAX))
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

fn status_class(exchange: &ExchangeRecord) -> &'static str {
    match exchange.response.as_ref().map(|r| r.status) {
        Some(200..=299) => "s-ok",
        Some(300..=399) => "s-redirect",
        _ => "s-error",
    }
}

fn exchange_view(exchange: &ExchangeRecord) -> ExchangeView<'_> {
    let (status, response_headers, response_body, truncated) = match &exchange.response {
        Some(r) => (
            Some(r.status),
            headers(&r.headers),
            pretty(&r.body),
            r.body_truncated,
        ),
        None => (None, Vec::new(), String::new(), false),
    };
    ExchangeView {
        exchange,
        url: &exchange.request.url,
        request_headers: headers(&exchange.request.headers),
        // The request stays as sent: a negative case's point may be in its exact bytes.
        request_body: exchange.request.body.as_deref(),
        status,
        status_class: status_class(exchange),
        response_headers,
        response_body,
        truncated,
    }
}

/// The status polls, each joined with its lifecycle observation when both lists line up (same
/// length, same times); the runner records one observation per poll.
fn polls_view<'a>(
    polls: &[&'a ExchangeRecord],
    lifecycle: &'a [Observation],
) -> Option<PollsView<'a>> {
    let first = polls.first()?;
    let request_of = |x: &ExchangeRecord| format!("{} {}", x.request.method, x.request.url);
    let same = polls
        .iter()
        .all(|x| x.request.method == first.request.method && x.request.url == first.request.url);
    let answer = |x: &ExchangeRecord| x.response.as_ref().map(|r| r.status);
    let last = polls.len() - 1;
    let full = polls
        .iter()
        .enumerate()
        .filter(|(i, x)| *i != last && answer(x) != answer(first))
        .take(POLLS_IN_FULL)
        .chain(std::iter::once((last, &polls[last])))
        .map(|(_, x)| exchange_view(x))
        .collect();
    let states = polls.len() == lifecycle.len()
        && polls.iter().zip(lifecycle).all(|(x, o)| x.at_ms == o.at_ms);
    fn body_of(x: &ExchangeRecord) -> Option<&str> {
        x.response.as_ref().map(|r| r.body.as_str())
    }
    Some(PollsView {
        request: same.then(|| request_of(first)),
        states,
        rows: polls
            .iter()
            .enumerate()
            .map(|(i, x)| PollRow {
                at_ms: x.at_ms,
                elapsed_ms: x.elapsed_ms,
                request: (!same).then(|| request_of(x)),
                status: match (&x.response, &x.error) {
                    (Some(r), _) => r.status.to_string(),
                    (None, Some(e)) => one_line(e, POLL_BODY_MAX),
                    (None, None) => "no response".to_owned(),
                },
                status_class: status_class(x),
                state: lifecycle
                    .get(i)
                    .filter(|_| states)
                    .and_then(|o| o.state.as_deref())
                    .unwrap_or("(no state)"),
                body: match i.checked_sub(1).map(|p| body_of(polls[p])) {
                    Some(previous) if previous == body_of(x) => None,
                    _ => Some(
                        body_of(x)
                            .map(|b| one_line(b, POLL_BODY_MAX))
                            .unwrap_or_default(),
                    ),
                },
            })
            .collect(),
        full,
    })
}

/// The body pretty-printed when it is JSON, as received otherwise.
fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_owned())
}

/// Header pairs for display.
fn headers(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
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
        assert!(
            html.contains(
                r#"<span class="lead">1 failed</span><span class="rest">1 warning</span>"#
            )
        );
        assert!(
            html.contains(r#"<span class="lead">–</span>"#),
            "an empty cell"
        );
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

    /// The text of every tag (`<a href="…">`), outside the inline script and style, whose
    /// content is code rather than markup.
    fn tags(html: &str) -> Vec<&str> {
        let mut tags = Vec::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            let Some(len) = rest[open..].find('>') else {
                break;
            };
            let tag = &rest[open..open + len + 1];
            tags.push(tag);
            rest = &rest[open + len + 1..];
            for raw in ["<script", "<style"] {
                if tag.starts_with(raw) {
                    let close = format!("</{}", &raw[1..]);
                    rest = rest.find(&close).map_or("", |end| &rest[end..]);
                }
            }
        }
        tags
    }

    fn between<'h>(html: &'h str, from: &str, to: &str) -> &'h str {
        let start = html.find(from).unwrap_or(html.len());
        let end = html[start..].find(to).map_or(html.len(), |e| start + e);
        &html[start..end]
    }

    /// The page of a run with failures of every kind, checked for its structure: one walk down
    /// the page, top to bottom, reads better than ten small tests; each part of the page is
    /// checked by a function of its own.
    #[test]
    fn page_for_a_run_with_every_kind_of_failure() -> Result<(), ReportError> {
        let report = sample::every_kind();
        let mut baseline = sample::every_kind();
        for c in &mut baseline.cases {
            if c.name == sample::ACCEPTED {
                c.outcome = CaseOutcome::Passed;
            }
        }
        // What write_all renders: the report through the redactor.
        let report = super::super::redacted(&report, &crate::redact::Redactor::default());
        let diff = compare(&baseline, &report);
        let html = to_html(&report, Some(&diff))?;
        matrix_and_baseline_open_the_page(&html);
        failures_come_first_with_their_details(&html);
        timelines_and_polls_are_drawn(&html, &report);
        nothing_is_fetched(&html);
        no_token_is_shown(&html);
        Ok(())
    }

    fn matrix_and_baseline_open_the_page(html: &str) {
        // The matrix: one row per API, one cell per rule group, every state present.
        let matrix = between(html, r#"<table class="matrix">"#, "</table>");
        assert_eq!(matrix.matches(r#"<th scope="row">"#).count(), 4);
        assert_eq!(matrix.matches(r#"<td class="cell "#).count(), 4 * 6);
        for state in ["passed", "failed", "warning", "skipped", "empty"] {
            assert!(
                matrix.contains(&format!(r#"<td class="cell {state}""#)),
                "no {state} cell"
            );
        }
        // The baseline comparison opens the page, before the matrix.
        let baseline_at = html.find(r#"<section id="baseline""#);
        assert!(baseline_at.is_some() && baseline_at < html.find(r#"<section id="matrix""#));
        assert!(html.contains(&format!(r##"<a href="#{}">"##, sample::ACCEPTED)));
    }

    fn failures_come_first_with_their_details(html: &str) {
        // Failures first, each with its one-line reason in the folded summary.
        let first_case = between(html, "<details class=\"case ", ">");
        assert!(
            first_case.contains("data-outcome=\"failed\""),
            "{first_case}"
        );
        assert!(html.contains(
            r#"<span class="headline">lifecycle.steady_reached: did not return to ACTIVE within 2.0 s; last state REBOOT</span>"#
        ));

        // A coloured diff, schema errors with their instance paths, the source, the curl line.
        let diff_block = between(html, r#"<pre class="diff">"#, "</pre>");
        assert!(diff_block.contains(r#"<span class="d-del">"#));
        assert!(diff_block.contains(r#"<span class="d-add">"#));
        assert!(html.contains("<li><code>/job_id: 42 is not of type &#34;string&#34;</code></li>"));
        assert!(html.contains("source: ecs.md, Table 2"));
        assert!(html.contains(r#"<pre class="curl">curl -i -X POST"#));
    }

    fn timelines_and_polls_are_drawn(html: &str, report: &Report) {
        // A timeline per case with lifecycle observations, the restart drawn on it.
        let with_lifecycle = report
            .cases
            .iter()
            .filter(|c| !c.lifecycle.is_empty())
            .count();
        assert_eq!(html.matches("<svg ").count(), with_lifecycle);
        assert!(html.contains(r#"<text class="marker-label""#));
        assert!(
            html.contains(">request, second restart</text>"),
            "markers share a label"
        );

        // Status polls are folded into a table, only the main requests and the last poll in full.
        let timeout = between(
            html,
            &format!(r#"id="{}""#, sample::TIMEOUT),
            "</details>\n  <details",
        );
        assert!(timeout.contains("Status polls (5)"));
        assert_eq!(timeout.matches(r#"<div class="exchange">"#).count(), 2);
    }

    fn nothing_is_fetched(html: &str) {
        // Nothing is fetched: no tag refers to another document, the style and script load nothing.
        for tag in tags(html) {
            let lower = tag.to_ascii_lowercase();
            assert!(
                !lower.contains("http:") && !lower.contains("https:") && !lower.contains("//"),
                "external reference in {tag}"
            );
            assert!(
                !lower.starts_with("<link") && !lower.starts_with("<img"),
                "{tag}"
            );
            assert!(!lower.contains(" src="), "{tag}");
            if let Some(at) = lower.find("href=\"") {
                assert!(lower[at + 6..].starts_with('#'), "{tag}");
            }
        }
        let style = between(html, "<style>", "</style>");
        assert!(!style.contains("url(") && !style.contains("@import"));
        let script = between(html, "<script>", "</script>");
        for call in ["fetch(", "XMLHttpRequest", "import(", ".src", "http"] {
            assert!(!script.contains(call), "script uses {call}");
        }
    }

    fn no_token_is_shown(html: &str) {
        // No token: not from a header, not from the curl line, not from a base URL.
        assert!(!html.contains(sample::LEAKED_TOKEN));
        assert!(!html.contains(sample::LEAKED_PASSWORD));
        assert!(html.contains(r#"<tr><th scope="row">x-auth-token</th><td>***</td></tr>"#));
        assert!(html.contains(r#"<tr><th scope="row">Authorization</th><td>***</td></tr>"#));
        assert!(html.contains("https://admin:***@rds.example.test"));
        assert!(
            html.contains("$OS_AUTH_TOKEN"),
            "the variable in a curl line stays"
        );
    }

    #[test]
    fn red_and_yellow_cells_link_to_their_first_case() -> Result<(), ReportError> {
        let html = to_html(&sample::every_kind(), None)?;
        let cell = |api: &str, column: &str| {
            let start = format!(r#"data-api="{api}" data-column="{column}">"#);
            between(&html, &start, "</td>").to_owned()
        };
        assert!(cell("ecs", "schema").contains(&format!(r##"<a href="#{}">"##, sample::FAILED)));
        assert!(
            cell("ecs", "negative").contains(&format!(r##"<a href="#{}">"##, sample::ACCEPTED))
        );
        assert!(cell("ddm", "errors").contains(&format!(r##"<a href="#{}">"##, sample::WARNING)));
        assert!(
            !cell("ecs", "success").contains("<a "),
            "green cells need no link"
        );
        assert!(
            html.contains(
                r#"<th scope="row">ecs<span class="cases">5 cases · 2 failed</span></th>"#
            )
        );
        Ok(())
    }

    #[test]
    fn polls_are_joined_with_their_observations() {
        let report = sample::every_kind();
        let Some(case) = report.cases.iter().find(|c| c.name == sample::LIFECYCLE) else {
            panic!("the lifecycle case");
        };
        let view = case_view(case);
        assert!(view.states_in_polls);
        let Some(polls) = view.polls else {
            panic!("the lifecycle case polled");
        };
        let states: Vec<&str> = polls.rows.iter().map(|r| r.state).collect();
        assert_eq!(states, ["ACTIVE", "REBOOT", "REBOOT", "ACTIVE"]);
        // The third poll read the same body as the second one.
        let bodies: Vec<bool> = polls.rows.iter().map(|r| r.body.is_some()).collect();
        assert_eq!(bodies, [true, true, false, true]);
        assert_eq!(
            polls.request.as_deref(),
            Some("GET https://ecs.example.test/v2.1/p1/servers/s1")
        );
        assert_eq!(view.exchanges.len(), 1, "the restart itself in full");
        assert_eq!(polls.full.len(), 1, "and the last poll");

        // Lists that do not line up are not joined.
        let mut odd = case.clone();
        odd.lifecycle.pop();
        let view = case_view(&odd);
        assert!(!view.states_in_polls);
        assert!(view.polls.is_some_and(|p| !p.states));
    }

    #[test]
    fn polls_with_another_answer_are_shown_in_full() {
        let mut case = sample::case(
            "x::y",
            "x",
            crate::model::Group::Success,
            CaseOutcome::Passed,
        );
        let url = "https://x.example.test/s";
        for at in 0..10 {
            let (mut x, _) = sample::poll(url, at * 100, "BUSY");
            if at == 3 || at == 4 {
                x.response = None;
                x.error = Some("timed out".to_owned());
            }
            case.exchanges.push(x);
        }
        let Some(polls) = case_view(&case).polls else {
            panic!("polls");
        };
        let shown: Vec<u64> = polls.full.iter().map(|x| x.exchange.at_ms).collect();
        assert_eq!(shown, [300, 400, 900]);
        assert_eq!(polls.rows[3].status, "timed out");
        assert_eq!(polls.rows[3].status_class, "s-error");
    }

    #[test]
    fn headlines_say_why_in_one_line() {
        let report = sample::every_kind();
        let headline_of = |name: &str| {
            report
                .cases
                .iter()
                .find(|c| c.name == name)
                .and_then(headline)
        };
        assert_eq!(
            headline_of(sample::FAILED).as_deref(),
            Some("body.schema: response body does not match the schema: 2 errors")
        );
        assert_eq!(
            headline_of(sample::ERRORED).as_deref(),
            Some("connection refused (os error 111)")
        );
        assert_eq!(
            headline_of(sample::SKIPPED).as_deref(),
            Some("api `clouddb` is not configured in the target file")
        );
        assert_eq!(
            headline_of(sample::CONCURRENT).as_deref(),
            Some(
                "restart.concurrent_refused: a second restart during REBOOT was accepted with 202; expected 409"
            )
        );
        assert_eq!(headline_of(sample::PASSED), None);
    }
}

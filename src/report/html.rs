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

use super::contract::{
    CaseOutcome, CaseReport, CheckOutcome, CheckReport, ExchangeRecord, Observation, Report,
};
use super::diff::ReportDiff;
use super::format::{duration, one_line, rank, warnings};
use super::matrix::{CellState, Column, Matrix, case_cells};
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
    /// Per resource, the restarts the run caused on it.
    restarts: Vec<(String, usize)>,
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
            restarts: report.restarts.clone().into_iter().collect(),
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
mod tests;

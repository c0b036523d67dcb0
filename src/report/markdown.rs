//! `summary.md`: the run in a few lines, for a CI job summary or a pull-request comment.
//!
//! Layout: a title with the totals; the baseline comparison when there is one (regressions are
//! what a reviewer needs first); the conformance matrix; the failed cases with a one-line reason;
//! the flaky cases (passed after a retry) with what was lost; the warnings. Text from responses
//! ends up in check messages, so every such string is escaped: Markdown and HTML punctuation
//! is backslash-escaped, `|` and newlines too inside table cells, and lists are capped so a
//! broken target cannot produce a comment GitHub refuses to post.

use std::fmt::Write as _;

use super::contract::{CaseOutcome, CaseReport, CheckOutcome, Report};
use super::diff::ReportDiff;
use super::format::{duration, one_line, warnings};
use super::matrix::{CellState, Column, Matrix};

/// At most this many names per list; the rest is counted.
const LIST_MAX: usize = 50;
/// Messages are cut to this many characters.
const MESSAGE_MAX: usize = 200;

/// Renders `summary.md`.
pub fn to_markdown(report: &Report, baseline: Option<&ReportDiff>) -> String {
    let mut out = String::new();
    title(&mut out, report);
    if let Some(diff) = baseline {
        comparison(&mut out, diff);
    }
    matrix(&mut out, report);
    restart_times(&mut out, report);
    restarts_caused(&mut out, report);
    failed_cases(&mut out, report);
    flaky_cases(&mut out, report);
    warning_list(&mut out, report);
    footer(&mut out, report);
    out
}

fn title(out: &mut String, report: &Report) {
    let s = &report.summary;
    let unverified = report
        .run
        .tls
        .as_ref()
        .is_some_and(|t| !t.not_verified.is_empty());
    let mark = if s.failed > 0 {
        "❌"
    } else if report.run.interrupted || unverified {
        "⚠️"
    } else {
        "✅"
    };
    let _ = writeln!(
        out,
        "# {mark} {} {}: {} passed{}, {} failed, {} skipped, {} warning{}\n",
        text(&report.tool.name),
        text(&report.tool.version),
        s.passed,
        if s.flaky > 0 {
            format!(" ({} flaky)", s.flaky)
        } else {
            String::new()
        },
        s.failed,
        s.skipped,
        s.warnings,
        if s.warnings == 1 { "" } else { "s" },
    );
    if report.run.interrupted {
        out.push_str("> **Interrupted**: not every case finished; the counts are partial.\n\n");
    }
    if report.run.resumed_cases > 0 {
        let _ = writeln!(
            out,
            "> **Resumed**: {} of {} cases come from the journal of the interrupted run and were not sent again.\n",
            report.run.resumed_cases,
            report.cases.len()
        );
    }
    if let Some(t) = report
        .run
        .tls
        .as_ref()
        .filter(|t| !t.not_verified.is_empty())
    {
        let hosts: Vec<String> = t.not_verified.iter().map(|h| code(h)).collect();
        let _ = writeln!(
            out,
            "> **TLS certificates were not verified** for {} ({}): anyone on the path could have read the token and answered in the target's place.\n",
            hosts.join(", "),
            text(&t.not_verified_by.join(", "))
        );
    }
}

fn comparison(out: &mut String, diff: &ReportDiff) {
    out.push_str("## Compared with baseline\n\n");
    if diff.is_empty() {
        out.push_str("No changes: no regressions, fixes, added or removed cases.\n\n");
        return;
    }
    if diff.has_regressions() {
        let _ = writeln!(
            out,
            "**{} regressed**, {}\n",
            diff.regressed.len(),
            rest_counts(diff)
        );
    } else {
        let _ = writeln!(out, "No regressions. {}\n", diff.counts_line());
    }
    for (label, names) in diff.sections() {
        if names.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{label}** ({}):", names.len());
        for name in names.iter().take(LIST_MAX) {
            let _ = writeln!(out, "- {}", code(name));
        }
        more(out, names.len());
        out.push('\n');
    }
}

fn rest_counts(diff: &ReportDiff) -> String {
    diff.sections()
        .iter()
        .skip(1)
        .map(|(label, names)| format!("{} {label}", names.len()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn matrix(out: &mut String, report: &Report) {
    let matrix = Matrix::build(report);
    out.push_str("## Conformance matrix\n\n");
    if matrix.rows.is_empty() {
        out.push_str("No cases ran.\n\n");
        return;
    }
    out.push_str("| API |");
    for column in Column::ALL {
        let _ = write!(out, " {} |", column.label());
    }
    out.push_str("\n|---|");
    for _ in Column::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for row in &matrix.rows {
        let _ = write!(out, "| {} |", cell(&row.api));
        for (_, c) in row.columns() {
            let state = c.state();
            if state == CellState::Empty {
                out.push_str(" – |");
            } else {
                let _ = write!(out, " {} {} |", symbol(state), cell(&c.counts_text()));
            }
        }
        out.push('\n');
    }
    out.push('\n');
}

fn restart_times(out: &mut String, report: &Report) {
    if report.restart_times.is_empty() {
        return;
    }
    out.push_str(
        "## Restart times\n\n| API | restarts | median | p95 | max |\n|---|---|---|---|---|\n",
    );
    for (api, t) in &report.restart_times {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(api),
            t.count,
            duration(t.median_ms),
            duration(t.p95_ms),
            duration(t.max_ms)
        );
    }
    let interval = report
        .run
        .poll_interval_ms
        .map(|ms| format!(", polled every {}", duration(ms)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\nFrom the answer accepting a restart to the first poll that saw the steady state again{interval}: an upper bound, the true time is at most one poll interval earlier.\n"
    );
}

/// What the run cost the target: restarts per resource, and the probes that rode on another
/// case's restart instead of causing one.
fn restarts_caused(out: &mut String, report: &Report) {
    if report.restarts.is_empty() {
        return;
    }
    out.push_str(
        "## Restarts caused

| resource | restarts |
|---|---|
",
    );
    for (resource, n) in &report.restarts {
        let _ = writeln!(out, "| {} | {n} |", cell(resource));
    }
    let rode: Vec<String> = report
        .cases
        .iter()
        .filter_map(|c| {
            let host = c.rode_on.as_deref()?;
            Some(format!("{} on {}", code(&c.name), code(host)))
        })
        .collect();
    if !rode.is_empty() {
        let _ = writeln!(
            out,
            "
Rode on a positive case's restart (no restart of their own): {}.",
            rode.join(", ")
        );
    }
    out.push('\n');
}

fn symbol(state: CellState) -> &'static str {
    match state {
        CellState::Failed => "❌",
        CellState::Warning => "⚠️",
        CellState::Passed => "✅",
        CellState::Skipped => "⏭️",
        CellState::Empty => "–",
    }
}

fn failed_cases(out: &mut String, report: &Report) {
    let failed: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| matches!(c.outcome, CaseOutcome::Failed | CaseOutcome::Errored))
        .collect();
    if failed.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Failed cases ({})\n", failed.len());
    for case in failed.iter().take(LIST_MAX) {
        let _ = writeln!(out, "- {} — {}", code(&case.name), reason(case));
    }
    more(out, failed.len());
    out.push('\n');
}

/// The cases that passed only after a request that got no answer was tried again, each with
/// what was lost first and how often.
fn flaky_cases(out: &mut String, report: &Report) {
    let flaky: Vec<&CaseReport> = report.cases.iter().filter(|c| c.flaky).collect();
    if flaky.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Flaky cases ({}): passed after a retry\n",
        flaky.len()
    );
    for case in flaky.iter().take(LIST_MAX) {
        let lost = &case.retries.lost;
        let first = lost.first().map_or_else(String::new, |l| {
            format!(
                "try {}: {} at {} ms got no answer ({}); {}",
                l.try_number, l.purpose, l.at_ms, l.error, l.then
            )
        });
        let _ = writeln!(
            out,
            "- {} — {} request{} lost: {}",
            code(&case.name),
            lost.len(),
            if lost.len() == 1 { "" } else { "s" },
            text(&one_line(&first, MESSAGE_MAX))
        );
    }
    more(out, flaky.len());
    out.push('\n');
}

/// `[check id] message` for a failure, `errored: reason` for a transport error.
fn reason(case: &CaseReport) -> String {
    let check = case
        .checks
        .iter()
        .find(|k| k.outcome == CheckOutcome::Failed)
        .or_else(|| {
            case.checks
                .iter()
                .find(|k| k.outcome == CheckOutcome::Warning)
        });
    match (case.outcome, check) {
        (CaseOutcome::Errored, _) | (_, None) => {
            let reason = case
                .reason
                .as_deref()
                .or_else(|| case.exchanges.iter().find_map(|e| e.error.as_deref()))
                .unwrap_or("no reason recorded");
            format!("errored: {}", text(&one_line(reason, MESSAGE_MAX)))
        }
        (_, Some(check)) => format!(
            "{} {}",
            code(&format!("[{}]", check.id)),
            text(&one_line(&check.message, MESSAGE_MAX))
        ),
    }
}

fn warning_list(out: &mut String, report: &Report) {
    let total = report.summary.warnings;
    if total == 0 {
        return;
    }
    let cases: Vec<&CaseReport> = report.cases.iter().filter(|c| warnings(c) > 0).collect();
    let _ = writeln!(
        out,
        "## Warnings: {total} in {} case{}\n",
        cases.len(),
        if cases.len() == 1 { "" } else { "s" }
    );
    // Folded: warnings matter less than failures and can be many.
    out.push_str("<details><summary>Should-level findings</summary>\n\n");
    let mut shown = 0;
    for case in &cases {
        for check in case
            .checks
            .iter()
            .filter(|k| k.outcome == CheckOutcome::Warning)
        {
            shown += 1;
            if shown <= LIST_MAX {
                let _ = writeln!(
                    out,
                    "- {} — {} {}",
                    code(&case.name),
                    code(&format!("[{}]", check.id)),
                    text(&one_line(&check.message, MESSAGE_MAX))
                );
            }
        }
    }
    more(out, shown);
    out.push_str("\n</details>\n\n");
}

fn footer(out: &mut String, report: &Report) {
    let run = &report.run;
    let signed_in = run.sign_in.as_ref().map_or(String::new(), |s| {
        format!(
            " · signed in to {} at {} as {}{}{}",
            text(&s.cloud),
            text(&s.auth_url),
            text(&s.user),
            s.project
                .as_deref()
                .map_or(String::new(), |p| format!(", project {}", text(p))),
            s.region
                .as_deref()
                .map_or(String::new(), |r| format!(", region {}", text(r))),
        )
    });
    let signed = run.signing.as_ref().map_or(String::new(), |s| {
        format!(
            " · requests signed with {} for {} (keys from {})",
            text(&s.algorithm),
            text(&s.apis.join(", ")),
            s.key_sources
                .iter()
                .map(|k| code(k))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    let _ = writeln!(
        out,
        "<sub>target {}{signed_in}{signed} · spec digest {} · started {} · took {}{}</sub>",
        text(&run.target),
        code(&run.spec_digest),
        text(&run.started_at),
        duration(run.duration_ms),
        if run.strict { " · strict" } else { "" },
    );
}

fn more(out: &mut String, total: usize) {
    if total > LIST_MAX {
        let _ = writeln!(out, "- … and {} more", total - LIST_MAX);
    }
}

/// Escapes text for a Markdown paragraph or list item: no HTML, links, emphasis or mentions
/// can come out of it, and it stays on one line.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\r' | '\n' => out.push(' '),
            // Line-start syntax (`#`, `-`, `1.`) cannot occur: escaped text never starts a line.
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '@' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// Escapes text for a table cell: a `|` would end the cell and a newline the row.
pub fn cell(s: &str) -> String {
    s.split(['\r', '\n'])
        .filter(|l| !l.is_empty())
        .map(|l| l.replace('\\', "\\\\").replace('|', "\\|"))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// An inline code span that holds `s` verbatim, whatever backticks it contains.
pub fn code(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space on each side keeps a leading or trailing backtick apart from the fence.
    if s.starts_with('`') || s.ends_with('`') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::diff::compare;
    use super::super::sample;
    use super::*;

    #[test]
    fn summary_has_title_matrix_and_failed_cases() {
        let md = to_markdown(&sample::report(), None);
        assert!(
            md.starts_with(
                "# ❌ restart-conformance 0.1.0: 3 passed, 2 failed, 1 skipped, 2 warnings\n"
            ),
            "{md}"
        );
        assert!(md.contains(
            "| API | success response | body schema | negative cases | auth | lifecycle | error bodies |\n|---|---|---|---|---|---|---|\n"
        ));
        assert!(
            md.contains(
                "| ecs | ✅ 5 passed | ❌ 1 failed · 1 warning | – | – | ✅ 2 passed | – |\n"
            ),
            "{md}"
        );
        assert!(
            md.contains("| ddm | – | – | ✅ 1 passed | ❌ 1 errored | – | ⚠️ 1 warning |\n"),
            "{md}"
        );
        assert!(md.contains("| clouddb | ⏭️ 1 skipped | – | – | – | – | – |\n"));
        assert!(md.contains("## Failed cases (2)\n"));
        assert!(md.contains(
            "- `ecs::v2.1::reboot_hard` — `[body.schema]` response body does not match the schema: 2 errors\n"
        ), "{md}");
        assert!(
            md.contains(
                "- `ddm::auth::missing_token` — errored: connection refused (os error 111)\n"
            ),
            "{md}"
        );
        assert!(md.contains("## Warnings: 2 in 2 cases\n"));
        // The `|` of a message is escaped in the warning list.
        assert!(md.contains("no \\`error\\_code\\` \\| field"), "{md}");
        assert!(!md.contains("Compared with baseline"));
    }

    #[test]
    fn restarts_caused_are_listed_per_resource_with_the_probes_that_rode() {
        let mut report = sample::report();
        assert!(!to_markdown(&report, None).contains("## Restarts caused"));
        report.restarts.insert("ecs/srv-1".into(), 4);
        report.cases[0].rode_on = Some("ecs::v2::reboot_soft".into());
        let name = report.cases[0].name.clone();
        let md = to_markdown(&report, None);
        assert!(
            md.contains(
                "## Restarts caused\n\n| resource | restarts |\n|---|---|\n| ecs/srv-1 | 4 |\n"
            ),
            "{md}"
        );
        assert!(
            md.contains(&format!("`{name}` on `ecs::v2::reboot_soft`")),
            "{md}"
        );
    }

    /// A pass after a retry is counted in the title and listed with what was lost.
    #[test]
    fn flaky_cases_are_counted_and_listed() {
        let mut report = sample::report();
        let case = report
            .cases
            .iter_mut()
            .find(|c| c.outcome == CaseOutcome::Passed)
            .map(|c| {
                c.flaky = true;
                c.retries.lost.push(crate::model::LostRequest {
                    try_number: 1,
                    purpose: "request".into(),
                    at_ms: 12,
                    error: "no valid HTTP response: reset".into(),
                    then: "sent it again".into(),
                });
                c.name.clone()
            })
            .unwrap_or_default();
        report.summary = crate::model::Summary::of(&report.cases);
        let md = to_markdown(&report, None);
        assert!(md.contains(": 3 passed (1 flaky), 2 failed"), "{md}");
        assert!(
            md.contains("## Flaky cases (1): passed after a retry\n"),
            "{md}"
        );
        assert!(
            md.contains(&format!(
                "- `{case}` — 1 request lost: try 1: request at 12 ms got no answer (no valid HTTP response: reset); sent it again\n"
            )),
            "{md}"
        );
    }

    #[test]
    fn baseline_section_comes_first() {
        let old = sample::report();
        let mut new = sample::report();
        for c in new.cases.iter_mut().filter(|c| c.name == sample::PASSED) {
            c.outcome = CaseOutcome::Failed;
        }
        new.cases.retain(|c| c.name != sample::SKIPPED);
        let diff = compare(&old, &new);
        let md = to_markdown(&new, Some(&diff));
        let baseline_at = md.find("## Compared with baseline");
        let matrix_at = md.find("## Conformance matrix");
        assert!(baseline_at.is_some() && baseline_at < matrix_at, "{md}");
        assert!(md.contains("**1 regressed**, 0 fixed, 0 added, 1 removed, 0 new warnings\n"));
        assert!(md.contains("**regressed** (1):\n- `ecs::v2.1::reboot_soft`\n"));
        assert!(md.contains("**removed** (1):\n- `clouddb::v3::restart`\n"));
    }

    #[test]
    fn escapes_cells_text_and_code() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(text("<script>@x [l](u)\n"), "\\<script\\>\\@x \\[l\\](u) ");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("plain"), "`plain`");
    }

    #[test]
    fn hostile_message_cannot_inject_html() {
        let mut report = sample::report();
        for c in &mut report.cases {
            for k in &mut c.checks {
                k.message = format!("{}\n| x |", sample::HOSTILE);
            }
        }
        let md = to_markdown(&report, None);
        assert!(!md.contains("<script>"), "{md}");
    }
}

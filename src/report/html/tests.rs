//! The page checked as a page: its structure, its escaping, and that it fetches nothing.

use super::super::diff::compare;
use super::super::sample;
use super::*;

fn render() -> Result<String, ReportError> {
    to_html(&sample::report(), None)
}

#[test]
fn restarts_caused_are_a_table_per_resource() {
    let mut report = sample::report();
    assert!(!to_html(&report, None).unwrap().contains("Restarts caused"));
    report.restarts.insert("ecs/srv-1".into(), 4);
    let html = to_html(&report, None).unwrap();
    assert!(html.contains("<h2>Restarts caused</h2>"), "{html}");
    assert!(
        html.contains("<tr><th scope=\"row\">ecs/srv-1</th><td>4</td></tr>"),
        "{html}"
    );
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
        let needle = format!(r#"<td class="cell {state}" data-api="{api}" data-column="{column}""#);
        assert!(html.contains(&needle), "missing {needle}");
    }
    assert!(
        html.contains(r#"<span class="lead">1 failed</span><span class="rest">1 warning</span>"#)
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
    assert!(cell("ecs", "negative").contains(&format!(r##"<a href="#{}">"##, sample::ACCEPTED)));
    assert!(cell("ddm", "errors").contains(&format!(r##"<a href="#{}">"##, sample::WARNING)));
    assert!(
        !cell("ecs", "success").contains("<a "),
        "green cells need no link"
    );
    assert!(
        html.contains(r#"<th scope="row">ecs<span class="cases">5 cases · 2 failed</span></th>"#)
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

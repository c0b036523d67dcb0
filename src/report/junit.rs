//! `junit.xml`: one `<testsuite>` per API, one `<testcase>` per case, written with quick-junit.
//!
//! The testcase `name` is the case id and `classname` the API id, so a name copied from a CI
//! test tab can be pasted after `run --exact`. [`status_of`] holds the one exhaustive mapping
//! from case outcome to JUnit element: a broken rule is a `<failure>`, a missing answer an
//! `<error>`. A request that got no answer and was tried again adds a `<flakyError>` to a
//! passed case (it passed, flaky) and a `<rerunError>` to a failed one. Checks that passed are
//! not listed; a failure's text holds every finding with its schema errors and diff, and
//! `<system-out>` summarises the exchanges. A run that did not
//! verify TLS certificates adds `tls_not_verified` (the hosts) to every suite's properties.
//! A sample:
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <testsuites name="restart-conformance" tests="6" skipped="1" failures="1" errors="1" timestamp="2025-01-02T03:04:05.000+00:00" time="12.345">
//!     <testsuite name="ecs" tests="3" skipped="0" errors="0" failures="1" timestamp="2025-01-02T03:04:05.000+00:00" time="3.640">
//!         <properties>
//!             <property name="base_url" value="https://ecs.example.test"/>
//!             <property name="spec_digest" value="5f2b9c0d"/>
//!             <property name="target" value="target.yaml"/>
//!             <property name="strict" value="false"/>
//!         </properties>
//!         <testcase name="ecs::v2.1::reboot_hard" classname="ecs" time="0.120">
//!             <properties>
//!                 <property name="group" value="success"/>
//!                 <property name="source" value="ecs.md, Table 2"/>
//!             </properties>
//!             <failure message="response body does not match the schema: 2 errors" type="body.schema">[must body.schema] response body does not match the schema: 2 errors
//!     /job_id: 42 is not of type &quot;string&quot;
//! [should body.example] response body differs from the documented example
//!     --- expected
//!     +++ actual
//!     @@ -1,3 +1,3 @@
//!      {
//!     -  &quot;job_id&quot;: &quot;70a599e0&quot;
//!     +  &quot;job_id&quot;: 42
//!      }</failure>
//!             <system-out>restart: POST https://ecs.example.test/v2.1/p1/servers/s1/action → 202 (42 ms)
//! repeat: curl -X POST -H &apos;X-Auth-Token: $OS_AUTH_TOKEN&apos; &apos;https://ecs.example.test/v2.1/p1/servers/s1/action&apos;
//! </system-out>
//!         </testcase>
//!         <testcase name="ecs::lifecycle::reboot_soft" classname="ecs" time="3.400">
//!             <properties>…</properties>
//!             <system-out>restart: POST https://ecs.example.test/v2.1/p1/servers/s1/action → 202 (42 ms)
//! lifecycle: 100 ms ACTIVE, 1100 ms REBOOT, 2100 ms REBOOT, 3100 ms ACTIVE
//! </system-out>
//!         </testcase>
//!     </testsuite>
//!     <testsuite name="ddm" tests="2" skipped="0" errors="1" failures="0" …>
//!         <testcase name="ddm::auth::missing_token" classname="ddm" time="0.120">
//!             <properties>…</properties>
//!             <error message="connection refused (os error 111)" type="transport">connection refused (os error 111)</error>
//!             <system-out>restart: POST https://ddm.example.test/v1/p1/instances/i1/restart → error: connection refused (os error 111) (42 ms)
//! </system-out>
//!         </testcase>
//!     </testsuite>
//!     <testsuite name="clouddb" tests="1" skipped="1" errors="0" failures="0" …>
//!         <testcase name="clouddb::v3::restart" classname="clouddb" time="0.000">
//!             <properties>…</properties>
//!             <skipped message="api `clouddb` is not configured in the target file"/>
//!         </testcase>
//!     </testsuite>
//! </testsuites>
//! ```

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestRerun, TestSuite};

use super::contract::{CaseOutcome, CaseReport, CheckOutcome, CheckReport, Report};
use super::format::one_line;
use super::{ReportError, ReportErrorKind};

/// A `message` attribute is one line; long ones are cut, the full text is in the element body.
const MESSAGE_MAX: usize = 300;

/// Renders the JUnit XML for `report`.
pub fn to_junit(report: &Report) -> Result<String, ReportError> {
    to_junit_report(report)
        .to_string()
        .map_err(|e| ReportError::new("serialize junit.xml", ReportErrorKind::Junit(e)))
}

/// The quick-junit value behind [`to_junit`], for callers that want the counts.
pub fn to_junit_report(report: &Report) -> quick_junit::Report {
    let started = chrono::DateTime::parse_from_rfc3339(&report.run.started_at).ok();

    let mut suites: Vec<TestSuite> = Vec::new();
    for case in &report.cases {
        let index = match suites.iter().position(|s| s.name.as_str() == case.api) {
            Some(i) => i,
            None => {
                suites.push(new_suite(report, &case.api, started));
                suites.len() - 1
            }
        };
        suites[index].add_test_case(test_case(case));
    }
    for suite in &mut suites {
        // Cases run in parallel, so this is the time spent in cases, not wall-clock time.
        let total: Duration = suite.test_cases.iter().filter_map(|c| c.time).sum();
        suite.set_time(total);
    }

    let mut junit = quick_junit::Report::new(report.tool.name.as_str());
    if let Some(started) = started {
        junit.set_timestamp(started);
    }
    junit.set_time(Duration::from_millis(report.run.duration_ms));
    junit.add_test_suites(suites);
    junit
}

fn new_suite(
    report: &Report,
    api: &str,
    started: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> TestSuite {
    let mut suite = TestSuite::new(api);
    if let Some(started) = started {
        suite.set_timestamp(started);
    }
    if let Some(url) = report.run.base_urls.get(api) {
        suite.add_property(Property::new("base_url", url.as_str()));
    }
    suite.add_property(Property::new(
        "spec_digest",
        report.run.spec_digest.as_str(),
    ));
    suite.add_property(Property::new("target", report.run.target.as_str()));
    suite.add_property(Property::new("strict", report.run.strict.to_string()));
    if let Some(t) = report
        .run
        .tls
        .as_ref()
        .filter(|t| !t.not_verified.is_empty())
    {
        suite.add_property(Property::new("tls_not_verified", t.not_verified.join(", ")));
    }
    suite
}

fn test_case(case: &CaseReport) -> TestCase {
    let mut test_case = TestCase::new(case.name.as_str(), status_of(case));
    test_case.set_classname(case.api.as_str());
    test_case.set_time(Duration::from_millis(case.duration_ms));
    test_case.add_property(Property::new("group", case.group.as_str()));
    if let Some(resource) = &case.resource {
        test_case.add_property(Property::new("resource", resource.as_str()));
    }
    test_case.add_property(Property::new("source", case.source.as_str()));
    let out = system_out(case);
    if !out.is_empty() {
        test_case.set_system_out(out);
    }
    test_case
}

/// The one mapping from case outcome to JUnit status, with a rerun per request that got no
/// answer and was tried again: `<flakyError>` in a passed case (nextest's "flaky", read by
/// Jenkins, GitLab and the surefire format), `<rerunError>` in a failed or errored one.
pub fn status_of(case: &CaseReport) -> TestCaseStatus {
    let mut status = outcome_status(case);
    status.add_reruns(case.retries.lost.iter().map(|lost| {
        let mut rerun = TestRerun::new(NonSuccessKind::Error);
        rerun.set_message(one_line(
            &format!(
                "try {}: {} at {} ms got no answer: {}",
                lost.try_number, lost.purpose, lost.at_ms, lost.error
            ),
            MESSAGE_MAX,
        ));
        rerun.set_type("transport");
        rerun.set_description(format!("{}\n{}", lost.error, lost.then));
        rerun
    }));
    status
}

/// The mapping from case outcome alone. No `_` arm: a new outcome must be mapped here before
/// the crate compiles.
fn outcome_status(case: &CaseReport) -> TestCaseStatus {
    match case.outcome {
        CaseOutcome::Passed => TestCaseStatus::success(),
        CaseOutcome::Failed => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            // A failed case has a failed check, or under `--strict` a warning that failed it.
            let headline = case
                .checks
                .iter()
                .find(|k| k.outcome == CheckOutcome::Failed)
                .or_else(|| {
                    case.checks
                        .iter()
                        .find(|k| k.outcome == CheckOutcome::Warning)
                });
            match headline {
                Some(check) => {
                    status.set_message(one_line(&check.message, MESSAGE_MAX));
                    status.set_type(check.id.as_str());
                }
                None => {
                    status.set_message(one_line(
                        case.reason.as_deref().unwrap_or("case failed"),
                        MESSAGE_MAX,
                    ));
                }
            }
            let description = findings(case);
            if !description.is_empty() {
                status.set_description(description);
            }
            status
        }
        CaseOutcome::Errored => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            let reason = case
                .reason
                .as_deref()
                .or_else(|| case.exchanges.iter().find_map(|e| e.error.as_deref()))
                .unwrap_or("no complete response");
            status.set_message(one_line(reason, MESSAGE_MAX));
            status.set_type("transport");
            let mut description = reason.to_owned();
            let found = findings(case);
            if !found.is_empty() {
                description.push('\n');
                description.push_str(&found);
            }
            status.set_description(description);
            status
        }
        CaseOutcome::Skipped => {
            let mut status = TestCaseStatus::skipped();
            if let Some(reason) = &case.reason {
                status.set_message(one_line(reason, MESSAGE_MAX));
            }
            status
        }
    }
}

/// Every failed or warning check: `[<severity> <id>] <message>`, then its details and diff,
/// indented. Not-verifiable checks are not findings and stay out.
fn findings(case: &CaseReport) -> String {
    let mut out = String::new();
    for check in case.checks.iter().filter(|k| is_finding(k)) {
        let _ = writeln!(
            out,
            "[{} {}] {}",
            check.severity.as_str(),
            check.id,
            check.message
        );
        for line in &check.details {
            let _ = writeln!(out, "    {line}");
        }
        if let Some(diff) = &check.diff {
            for line in diff.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    // The element body reads better without a trailing newline before `</failure>`.
    out.truncate(out.trim_end().len());
    out
}

fn is_finding(check: &CheckReport) -> bool {
    match check.outcome {
        CheckOutcome::Failed | CheckOutcome::Warning => true,
        CheckOutcome::Passed | CheckOutcome::NotVerifiable => false,
    }
}

/// The exchanges, one line each (`purpose: METHOD URL → status (ms)`), then the lifecycle
/// observations, notes and the curl line.
fn system_out(case: &CaseReport) -> String {
    let mut out = String::new();
    for e in &case.exchanges {
        let _ = write!(
            out,
            "{}: {} {} → ",
            e.purpose, e.request.method, e.request.url
        );
        match (&e.response, &e.error) {
            (Some(r), _) => {
                let _ = writeln!(out, "{} ({} ms)", r.status, e.elapsed_ms);
            }
            (None, Some(error)) => {
                let _ = writeln!(out, "error: {error} ({} ms)", e.elapsed_ms);
            }
            (None, None) => {
                let _ = writeln!(out, "no response ({} ms)", e.elapsed_ms);
            }
        }
    }
    if !case.lifecycle.is_empty() {
        let states: Vec<String> = case
            .lifecycle
            .iter()
            .map(|o| format!("{} ms {}", o.at_ms, o.state.as_deref().unwrap_or(&o.note)))
            .collect();
        let _ = writeln!(out, "lifecycle: {}", states.join(", "));
    }
    for note in &case.notes {
        let _ = writeln!(out, "note: {note}");
    }
    if let Some(curl) = &case.curl {
        let _ = writeln!(out, "repeat: {curl}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn counts_match_the_report() -> Result<(), Box<dyn std::error::Error>> {
        let report = sample::report();
        let xml = to_junit(&report)?;

        let count = |tag: &str| xml.matches(tag).count();
        let outcomes = |o: CaseOutcome| report.cases.iter().filter(|c| c.outcome == o).count();
        assert_eq!(count("<testcase "), report.cases.len());
        assert_eq!(count("<failure "), outcomes(CaseOutcome::Failed));
        assert_eq!(count("<error "), outcomes(CaseOutcome::Errored));
        assert_eq!(count("<skipped "), outcomes(CaseOutcome::Skipped));
        assert_eq!(count("<testsuite "), 3);

        // Parsed back, quick-junit's own counts agree with report.json's summary.
        let parsed = quick_junit::Report::deserialize_from_str(&xml)?;
        assert_eq!(parsed.tests, report.cases.len());
        assert_eq!(parsed.failures, outcomes(CaseOutcome::Failed));
        assert_eq!(parsed.errors, outcomes(CaseOutcome::Errored));
        assert_eq!(
            parsed.failures + parsed.errors,
            report.summary.failed,
            "summary.failed counts failed and errored cases"
        );
        let skipped: usize = parsed.test_suites.iter().map(|s| s.skipped).sum();
        assert_eq!(skipped, report.summary.skipped);
        let suites: Vec<_> = parsed.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(suites, ["ecs", "ddm", "clouddb"]);
        Ok(())
    }

    fn lost(purpose: &str, at_ms: u64) -> crate::model::LostRequest {
        crate::model::LostRequest {
            try_number: 1,
            purpose: purpose.into(),
            at_ms,
            error: "no valid HTTP response: connection reset by peer".into(),
            then: "the resource stayed ACTIVE for 1.0 s, so the request had not arrived; sent it again".into(),
        }
    }

    /// A case that passed after a retry is a success with one `<flakyError>` per lost request;
    /// an errored one gets `<rerunError>`s. Neither changes the failure and error counts.
    #[test]
    fn lost_requests_are_flaky_errors_of_a_pass_and_reruns_of_a_failure()
    -> Result<(), Box<dyn std::error::Error>> {
        let mut report = sample::report();
        let clean = quick_junit::Report::deserialize_from_str(&to_junit(&report)?)?;
        let passed = report
            .cases
            .iter_mut()
            .find(|c| c.outcome == CaseOutcome::Passed)
            .ok_or("no passed case")?;
        passed.flaky = true;
        passed.retries.lost = vec![lost("request", 12), lost("status", 340)];
        let errored = report
            .cases
            .iter_mut()
            .find(|c| c.outcome == CaseOutcome::Errored)
            .ok_or("no errored case")?;
        errored.retries.lost = vec![lost("request", 7)];
        let xml = to_junit(&report)?;
        assert_eq!(xml.matches("<flakyError ").count(), 2, "{xml}");
        assert_eq!(xml.matches("<rerunError ").count(), 1, "{xml}");
        assert!(
            xml.contains("try 1: request at 12 ms got no answer"),
            "{xml}"
        );
        assert!(xml.contains("sent it again"), "{xml}");
        let parsed = quick_junit::Report::deserialize_from_str(&xml)?;
        assert_eq!(
            (parsed.failures, parsed.errors),
            (clean.failures, clean.errors)
        );
        Ok(())
    }

    #[test]
    fn failure_names_the_first_failed_check_and_lists_findings()
    -> Result<(), Box<dyn std::error::Error>> {
        let report = sample::report();
        let parsed = quick_junit::Report::deserialize_from_str(&to_junit(&report)?)?;
        let case = parsed
            .test_suites
            .iter()
            .flat_map(|s| &s.test_cases)
            .find(|c| c.name.as_str() == sample::FAILED);
        let Some(case) = case else {
            panic!("{} missing from junit.xml", sample::FAILED);
        };
        assert_eq!(case.classname.as_ref().map(|c| c.as_str()), Some("ecs"));
        assert_eq!(case.time, Some(Duration::from_millis(120)));
        let TestCaseStatus::NonSuccess {
            kind,
            message,
            ty,
            description,
            ..
        } = &case.status
        else {
            panic!("expected a failure, got {:?}", case.status);
        };
        assert_eq!(*kind, NonSuccessKind::Failure);
        assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("body.schema"));
        assert_eq!(
            message.as_ref().map(|m| m.as_str()),
            Some("response body does not match the schema: 2 errors")
        );
        let description = description.as_ref().map(|d| d.as_str()).unwrap_or("");
        assert!(description.starts_with("[must body.schema] response body does not match"));
        assert!(description.contains("\n    /job_id: 42 is not of type \"string\"\n"));
        assert!(description.contains("\n[should body.example] response body differs"));
        assert!(description.contains("\n    +  \"job_id\": 42\n"));
        assert!(
            !description.contains("status.expected"),
            "passed checks stay out"
        );
        let out = case.system_out.as_ref().map(|o| o.as_str()).unwrap_or("");
        assert!(out.contains(
            "restart: POST https://ecs.example.test/v2.1/p1/servers/s1/action → 202 (42 ms)"
        ));
        Ok(())
    }

    #[test]
    fn error_and_skip_carry_the_reason() -> Result<(), Box<dyn std::error::Error>> {
        let report = sample::report();
        let find = |name: &str| report.cases.iter().find(|c| c.name == name);
        let Some(errored) = find(sample::ERRORED) else {
            panic!("sample lacks the errored case");
        };
        match status_of(errored) {
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Error,
                message,
                ..
            } => assert_eq!(
                message.as_ref().map(|m| m.as_str()),
                Some("connection refused (os error 111)")
            ),
            other => panic!("expected an error, got {other:?}"),
        }
        let Some(skipped) = find(sample::SKIPPED) else {
            panic!("sample lacks the skipped case");
        };
        match status_of(skipped) {
            TestCaseStatus::Skipped { message, .. } => assert!(
                message
                    .as_ref()
                    .is_some_and(|m| m.as_str().contains("not configured"))
            ),
            other => panic!("expected a skip, got {other:?}"),
        }
        Ok(())
    }

    #[test]
    fn strict_failure_without_failed_check_names_the_warning() {
        let mut case = sample::case(
            "x::y",
            "x",
            crate::model::Group::Success,
            CaseOutcome::Failed,
        );
        case.checks = vec![sample::check(
            "status.documented",
            super::super::contract::Severity::Should,
            CheckOutcome::Warning,
            "409 is not documented",
        )];
        match status_of(&case) {
            TestCaseStatus::NonSuccess { ty, .. } => {
                assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("status.documented"));
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }
}

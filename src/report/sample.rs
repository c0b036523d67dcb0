//! A report with every kind of case, shared by the writers' unit tests.
//!
//! Three APIs, six cases: a clean pass, a failure with a schema error and an example diff whose
//! response body tries to break out of the HTML page, a lifecycle case (ACTIVE → REBOOT →
//! ACTIVE), a pass with a warning, a transport error and a skip. The expected matrix is spelled
//! out in `matrix.rs`'s tests.
//!
//! [`every_kind`] adds what a real run against a broken target produces on top: status polls, a
//! restart that never settles, a second restart that was accepted, a bad value that was accepted,
//! and a token that a careless runner failed to redact.

use std::collections::BTreeMap;

use super::contract::*;
use crate::redact::MASK;

pub const PASSED: &str = "ecs::v2.1::reboot_soft";
pub const FAILED: &str = "ecs::v2.1::reboot_hard";
pub const LIFECYCLE: &str = "ecs::lifecycle::reboot_soft";
pub const WARNING: &str = "ddm::negative::restart_type_not_in_enum";
pub const ERRORED: &str = "ddm::auth::missing_token";
pub const SKIPPED: &str = "clouddb::v3::restart";

/// What a hostile target put in a response body.
pub const HOSTILE: &str = "</script><script>alert(1)</script>";

pub fn check(id: &str, severity: Severity, outcome: CheckOutcome, message: &str) -> CheckReport {
    CheckReport {
        id: CheckId::parse(id),
        severity,
        outcome,
        message: message.to_owned(),
        details: Vec::new(),
        diff: None,
        expected: None,
        actual: None,
        schema_errors: Vec::new(),
    }
}

fn passed(id: &str) -> CheckReport {
    check(id, Severity::Must, CheckOutcome::Passed, "ok")
}

pub fn exchange(purpose: &str, url: &str, status: u16, body: &str, at_ms: u64) -> ExchangeRecord {
    ExchangeRecord {
        purpose: purpose.to_owned(),
        request: RequestRecord {
            method: "POST".to_owned(),
            url: url.to_owned(),
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("X-Auth-Token".to_owned(), MASK.to_owned()),
            ],
            body: Some(r#"{"reboot":{"type":"SOFT"}}"#.to_owned()),
        },
        response: Some(ResponseRecord {
            status,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.to_owned(),
            body_truncated: false,
        }),
        error: None,
        at_ms,
        elapsed_ms: 42,
    }
}

pub fn case(name: &str, api: &str, group: Group, outcome: CaseOutcome) -> CaseReport {
    CaseReport {
        name: name.to_owned(),
        api: api.to_owned(),
        group,
        outcome,
        duration_ms: 120,
        started_ms: 0,
        source: format!("{api}.md, Table 2"),
        reason: None,
        checks: Vec::new(),
        exchanges: Vec::new(),
        lifecycle: Vec::new(),
        notes: Vec::new(),
        curl: None,
        resource: None,
        restart: None,
        from_journal: false,
        flaky: false,
        retries: Default::default(),
        rode_on: None,
        restarts: 0,
    }
}

const ECS_URL: &str = "https://ecs.example.test/v2.1/p1/servers/s1/action";

// Long on purpose: a test fixture reads best as one list of cases, top to bottom.
pub fn report() -> Report {
    let cases = vec![
        passed_case(),
        failed_case(),
        lifecycle_case(),
        warning_case(),
        errored_case(),
        skipped_case(),
    ];
    Report {
        format: REPORT_FORMAT,
        tool: ToolInfo {
            name: "restart-conformance".to_owned(),
            version: "0.1.0".to_owned(),
        },
        run: RunInfo {
            started_at: "2025-01-02T03:04:05Z".to_owned(),
            duration_ms: 12_345,
            target: "target.yaml".to_owned(),
            base_urls: BTreeMap::from([
                ("ecs".to_owned(), "https://ecs.example.test".to_owned()),
                ("ddm".to_owned(), "https://ddm.example.test".to_owned()),
            ]),
            spec_digest: "5f2b9c0d".to_owned(),
            strict: false,
            filters: vec!["ecs::".to_owned()],
            interrupted: false,
            sign_in: None,
            signing: None,
            poll_interval_ms: None,
            run_id: String::new(),
            resumed_cases: 0,
            tls: None,
            profile_run: None,
        },
        summary: Summary::of(&cases),
        restart_times: BTreeMap::new(),
        restarts: BTreeMap::new(),
        cases,
    }
}

/// A case whose every check passed.
fn passed_case() -> CaseReport {
    let mut c = case(PASSED, "ecs", Group::Success, CaseOutcome::Passed);
    c.checks = vec![
        passed("status.expected"),
        passed("content_type.json"),
        passed("body.empty"),
    ];
    c.exchanges = vec![exchange("restart", ECS_URL, 202, "", 0)];
    c.curl = Some(format!(
        "curl -X POST -H 'X-Auth-Token: $OS_AUTH_TOKEN' '{ECS_URL}'"
    ));
    c
}

/// A case failing its body schema, with a hostile body and an example diff.
fn failed_case() -> CaseReport {
    let mut c = case(FAILED, "ecs", Group::Success, CaseOutcome::Failed);
    let mut schema = check(
        "body.schema",
        Severity::Must,
        CheckOutcome::Failed,
        "response body does not match the schema: 2 errors",
    );
    schema.details = vec![
        "/job_id: 42 is not of type \"string\"".to_owned(),
        format!("/note: {HOSTILE:?} is not allowed"),
    ];
    let mut example = check(
        "body.example",
        Severity::Should,
        CheckOutcome::Warning,
        "response body differs from the documented example",
    );
    example.diff = Some(
        "--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n {\n-  \"job_id\": \"70a599e0\"\n+  \"job_id\": 42\n }\n"
            .to_owned(),
    );
    c.checks = vec![passed("status.expected"), schema, example];
    c.exchanges = vec![exchange(
        "restart",
        ECS_URL,
        202,
        &format!(
            r#"{{"job_id":42,"note":"{}"}}"#,
            HOSTILE.replace('"', "\\\"")
        ),
        0,
    )];
    c.notes = vec!["waited 2 s for the server to be ACTIVE first".to_owned()];
    c.curl = Some(format!(
        "curl -X POST -H 'X-Auth-Token: $OS_AUTH_TOKEN' -d '{{\"reboot\":{{\"type\":\"HARD\"}}}}' '{ECS_URL}'"
    ));
    c
}

/// A case that watched the server go from ACTIVE through REBOOT and back.
fn lifecycle_case() -> CaseReport {
    let mut c = case(LIFECYCLE, "ecs", Group::Success, CaseOutcome::Passed);
    c.duration_ms = 3_400;
    c.checks = vec![
        passed("status.expected"),
        passed("lifecycle.restarting_seen"),
        passed("lifecycle.steady_reached"),
    ];
    c.exchanges = vec![exchange("restart", ECS_URL, 202, "", 0)];
    c.lifecycle = [
        (100, "ACTIVE"),
        (1_100, "REBOOT"),
        (2_100, "REBOOT"),
        (3_100, "ACTIVE"),
    ]
    .into_iter()
    .map(|(at_ms, state)| Observation {
        at_ms,
        state: Some(state.to_owned()),
        note: "200".to_owned(),
    })
    .collect();
    c
}

/// A negative case with a should-warning on its error shape.
fn warning_case() -> CaseReport {
    let mut c = case(WARNING, "ddm", Group::Negative, CaseOutcome::Passed);
    c.checks = vec![
        passed("status.expected"),
        check(
            "body.error_shape",
            Severity::Should,
            CheckOutcome::Warning,
            "error body has no `error_code` | field",
        ),
    ];
    c.exchanges = vec![exchange(
        "restart",
        "https://ddm.example.test/v1/p1/instances/i1/restart",
        400,
        r#"{"message":"bad type"}"#,
        0,
    )];
    c
}

/// A case that could not run: the connection was refused.
fn errored_case() -> CaseReport {
    let mut c = case(ERRORED, "ddm", Group::Auth, CaseOutcome::Errored);
    c.reason = Some("connection refused (os error 111)".to_owned());
    let mut e = exchange(
        "restart",
        "https://ddm.example.test/v1/p1/instances/i1/restart",
        0,
        "",
        0,
    );
    e.response = None;
    e.error = Some("connection refused (os error 111)".to_owned());
    c.exchanges = vec![e];
    c
}

/// A case of an API the target file does not configure.
fn skipped_case() -> CaseReport {
    let mut c = case(SKIPPED, "clouddb", Group::Success, CaseOutcome::Skipped);
    c.duration_ms = 0;
    c.reason = Some("api `clouddb` is not configured in the target file".to_owned());
    c
}

pub const TIMEOUT: &str = "clouddb-ha::restart";
pub const CONCURRENT: &str = "ecs::restart_while_restarting";
pub const ACCEPTED: &str = "ecs::negative::reboot_type_not_in_enum";

/// A token value that must never reach a page, and a password in a base URL.
pub const LEAKED_TOKEN: &str = "gAAAAAleakedTokenValue0123";
pub const LEAKED_PASSWORD: &str = "hunter2leaked";

const HA_URL: &str = "https://rds.example.test/v1.0/p1/ha/h1";

/// A status poll at `at_ms` that read `state`.
pub fn poll(url: &str, at_ms: u64, state: &str) -> (ExchangeRecord, Observation) {
    let mut x = exchange(
        "status",
        url,
        200,
        &format!(r#"{{"server":{{"id":"s1","status":"{state}"}}}}"#),
        at_ms,
    );
    x.request.method = "GET".to_owned();
    x.request.body = None;
    let o = Observation {
        at_ms,
        state: Some(state.to_owned()),
        note: "200".to_owned(),
    };
    (x, o)
}

/// [`report`] plus the failures a broken target adds: see the module documentation.
// Long on purpose, like `report`: one case after another, each with its comment.
pub fn every_kind() -> Report {
    let mut report = report();
    let status_url = "https://ecs.example.test/v2.1/p1/servers/s1";

    // The lifecycle case polled the server; one exchange per observation.
    for c in report.cases.iter_mut().filter(|c| c.name == LIFECYCLE) {
        let polls: Vec<(ExchangeRecord, Observation)> = c
            .lifecycle
            .iter()
            .map(|o| poll(status_url, o.at_ms, o.state.as_deref().unwrap_or("")))
            .collect();
        c.exchanges.extend(polls.into_iter().map(|(x, _)| x));
    }

    // A restart that never came back to ACTIVE.
    let mut c = case(TIMEOUT, "clouddb-ha", Group::Success, CaseOutcome::Failed);
    c.duration_ms = 2_000;
    c.checks = vec![
        passed("status.expected"),
        passed("lifecycle.restarting_seen"),
        check(
            "lifecycle.steady_reached",
            Severity::Must,
            CheckOutcome::Failed,
            "did not return to ACTIVE within 2.0 s; last state REBOOT",
        ),
    ];
    c.exchanges = vec![exchange("request", HA_URL, 202, "", 0)];
    for at_ms in [1, 500, 1_000, 1_500, 2_000] {
        let (x, o) = poll(HA_URL, at_ms, "REBOOT");
        c.exchanges.push(x);
        c.lifecycle.push(o);
    }
    c.curl = Some(format!(
        "curl -i -X POST {HA_URL}/action -H \"X-Auth-Token: $OS_AUTH_TOKEN\" --data-raw '{{\"restart\":{{}}}}'"
    ));
    report.cases.push(c);

    // A second restart during REBOOT was accepted where the document says 409.
    let mut c = case(CONCURRENT, "ecs", Group::Concurrency, CaseOutcome::Passed);
    c.checks = vec![
        passed("status.expected"),
        check(
            "restart.concurrent_refused",
            Severity::Should,
            CheckOutcome::Warning,
            "a second restart during REBOOT was accepted with 202; expected 409",
        ),
    ];
    let (first_poll, o1) = poll(status_url, 10, "REBOOT");
    let (last_poll, o2) = poll(status_url, 300, "ACTIVE");
    c.exchanges = vec![
        exchange("request", ECS_URL, 202, "", 0),
        first_poll,
        exchange("second restart", ECS_URL, 202, "", 20),
        last_poll,
    ];
    c.lifecycle = vec![o1, o2];
    report.cases.push(c);

    // A bad enum value was accepted; the exchange and the curl line carry a real token, as an
    // older runner might have written them, and the base URL a password.
    let mut c = case(ACCEPTED, "ecs", Group::Negative, CaseOutcome::Failed);
    c.checks = vec![check(
        "status.expected",
        Severity::Must,
        CheckOutcome::Failed,
        "the target accepted a request it must refuse; expected 400, got 202",
    )];
    let mut x = exchange("request", ECS_URL, 202, "", 0);
    x.request.headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("x-auth-token".to_owned(), LEAKED_TOKEN.to_owned()),
        ("Authorization".to_owned(), format!("Bearer {LEAKED_TOKEN}")),
    ];
    x.request.body = Some(r#"{"reboot":{"type":"MEDIUM"}}"#.to_owned());
    c.exchanges = vec![x];
    c.curl = Some(format!(
        "curl -i -X POST '{ECS_URL}' -H \"X-Auth-Token: {LEAKED_TOKEN}\" -H 'Content-Type: application/json' --data-raw '{{\"reboot\":{{\"type\":\"MEDIUM\"}}}}'"
    ));
    report.cases.push(c);

    report.run.base_urls.insert(
        "clouddb-ha".to_owned(),
        format!("https://admin:{LEAKED_PASSWORD}@rds.example.test"),
    );
    report.summary = Summary::of(&report.cases);
    report
}

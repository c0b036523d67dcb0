//! A report with every kind of case, shared by the writers' unit tests.
//!
//! Three APIs, six cases: a clean pass, a failure with a schema error and an example diff whose
//! response body tries to break out of the HTML page, a lifecycle case (ACTIVE → REBOOT →
//! ACTIVE), a pass with a warning, a transport error and a skip. The expected matrix is spelled
//! out in `matrix.rs`'s tests.

use std::collections::BTreeMap;

use super::model::*;

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
        id: id.to_owned(),
        severity,
        outcome,
        message: message.to_owned(),
        details: Vec::new(),
        diff: None,
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
                ("X-Auth-Token".to_owned(), "***".to_owned()),
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

pub fn case(name: &str, api: &str, group: &str, outcome: CaseOutcome) -> CaseReport {
    CaseReport {
        name: name.to_owned(),
        api: api.to_owned(),
        group: group.to_owned(),
        outcome,
        duration_ms: 120,
        source: format!("{api}.md, Table 2"),
        reason: None,
        checks: Vec::new(),
        exchanges: Vec::new(),
        lifecycle: Vec::new(),
        notes: Vec::new(),
        curl: None,
    }
}

const ECS_URL: &str = "https://ecs.example.test/v2.1/p1/servers/s1/action";

pub fn report() -> Report {
    let mut cases = Vec::new();

    let mut c = case(PASSED, "ecs", "success", CaseOutcome::Passed);
    c.checks = vec![
        passed("status.expected"),
        passed("content_type.json"),
        passed("body.empty"),
    ];
    c.exchanges = vec![exchange("restart", ECS_URL, 202, "", 0)];
    c.curl = Some(format!(
        "curl -X POST -H 'X-Auth-Token: $OS_AUTH_TOKEN' '{ECS_URL}'"
    ));
    cases.push(c);

    let mut c = case(FAILED, "ecs", "success", CaseOutcome::Failed);
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
    cases.push(c);

    let mut c = case(LIFECYCLE, "ecs", "lifecycle", CaseOutcome::Passed);
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
    cases.push(c);

    let mut c = case(WARNING, "ddm", "negative", CaseOutcome::Passed);
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
    cases.push(c);

    let mut c = case(ERRORED, "ddm", "auth", CaseOutcome::Errored);
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
    cases.push(c);

    let mut c = case(SKIPPED, "clouddb", "success", CaseOutcome::Skipped);
    c.duration_ms = 0;
    c.reason = Some("api `clouddb` is not configured in the target file".to_owned());
    cases.push(c);

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
        },
        summary: Summary::of(&cases),
        cases,
    }
}

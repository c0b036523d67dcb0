//! Wrong on purpose: each fault of the reference server makes exactly the
//! cases that depend on it fail, through the named check, with a message that
//! names the field, the code or the value sent.

use crate::common::*;
use restart_conformance::report::model::CheckOutcome;

/// (fault, filter, failing cases, (case, check id, outcome, message fragment)).
type Row = (
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
    &'static [(&'static str, &'static str, CheckOutcome, &'static str)],
);

use CheckOutcome::{Failed, Warning};

const TABLE: &[Row] = &[
    (
        "ddm-wrong-success-status",
        Some("ddm::"),
        &[
            "ddm::restart_soft",
            "ddm::restart_hard",
            "ddm::optional::restart_omitted",
            "ddm::optional::restart_type_omitted",
            "ddm::restart_while_restarting",
        ],
        &[(
            "ddm::restart_soft",
            "status.expected",
            Failed,
            "expected 200, got 202",
        )],
    ),
    (
        "ddm-missing-job-id",
        Some("ddm::"),
        &[
            "ddm::restart_soft",
            "ddm::restart_hard",
            "ddm::optional::restart_omitted",
            "ddm::optional::restart_type_omitted",
            "ddm::restart_while_restarting",
        ],
        &[
            ("ddm::restart_soft", "body.schema", Failed, "jobId"),
            ("ddm::restart_hard", "body.example", Warning, "/jobId"),
        ],
    ),
    (
        "ddm-text-plain",
        Some("ddm::"),
        &[
            "ddm::restart_soft",
            "ddm::restart_hard",
            "ddm::optional::restart_omitted",
            "ddm::optional::restart_type_omitted",
            "ddm::restart_while_restarting",
        ],
        &[(
            "ddm::restart_soft",
            "content_type.json",
            Failed,
            "text/plain",
        )],
    ),
    (
        "ddm-bad-error-body",
        Some("ddm::"),
        &[
            "ddm::negative::restart_type_not_in_enum",
            "ddm::negative::restart_type_not_string",
            "ddm::negative::restart_not_object",
            "ddm::negative::malformed_json",
            "ddm::negative::non_json_content_type",
            "ddm::restart_while_restarting",
        ],
        &[(
            "ddm::negative::restart_type_not_in_enum",
            "body.error_shape",
            Failed,
            "errCode",
        )],
    ),
    (
        "modelarts-wrong-type",
        Some("modelarts::"),
        &["modelarts::restart", "modelarts::restart_while_restarting"],
        &[(
            "modelarts::restart",
            "body.schema",
            Failed,
            "/current_status",
        )],
    ),
    (
        "clouddb-body-on-202",
        Some("clouddb::"),
        &[],
        &[("clouddb::restart", "body.empty", Warning, "body on 202")],
    ),
    (
        "clouddb-bad-error-body",
        Some("clouddb::"),
        &[],
        &[(
            "clouddb::negative::missing_restart",
            "body.error_shape",
            Warning,
            "not JSON",
        )],
    ),
    (
        "clouddb-undocumented-status",
        Some("clouddb::"),
        &[],
        &[
            (
                "clouddb::restart_while_restarting",
                "status.documented",
                Warning,
                "409 is not in the document's status table",
            ),
            (
                "clouddb::restart_while_restarting",
                "restart.concurrent_refused",
                Warning,
                "got 409; expected 422",
            ),
        ],
    ),
    (
        "ha-never-active",
        Some("clouddb-ha::"),
        &[
            "clouddb-ha::restart",
            "clouddb-ha::restart_while_restarting",
        ],
        &[(
            "clouddb-ha::restart",
            "lifecycle.steady_reached",
            Failed,
            "did not return to ACTIVE",
        )],
    ),
    (
        "ha-no-reboot-state",
        Some("clouddb-ha::"),
        &["clouddb-ha::restart"],
        &[(
            "clouddb-ha::restart",
            "lifecycle.restarting_seen",
            Failed,
            "never saw REBOOT",
        )],
    ),
    (
        "ecs-concurrent-accepted",
        Some("ecs::"),
        &[],
        &[(
            "ecs::restart_while_restarting",
            "restart.concurrent_refused",
            Warning,
            "accepted with 202",
        )],
    ),
    (
        "ecs-v2-missing",
        Some("ecs::"),
        &["ecs::v2::reboot_soft", "ecs::v2::reboot_hard"],
        &[("ecs::v2::reboot_soft", "status.expected", Failed, "got 404")],
    ),
    (
        "ecs-success-200",
        Some("ecs::"),
        &[],
        &[(
            "ecs::v2.1::reboot_soft",
            "status.preferred",
            Warning,
            "the documented code is 202, got 200",
        )],
    ),
];

fn check_row(row: &Row) {
    let (fault, filter, expected_failing, checks) = *row;
    let report = run_embedded(&builtin(), &[fault], filter);
    let failing = failing(&report);
    let expected: std::collections::BTreeSet<String> =
        expected_failing.iter().map(|s| s.to_string()).collect();
    let details: Vec<String> = failing
        .iter()
        .map(|n| format!("{n}:\n{}", describe(case(&report, n))))
        .collect();
    assert_eq!(
        failing,
        expected,
        "fault {fault}: failing cases differ\n{}",
        details.join("\n")
    );
    for (name, id, outcome, fragment) in checks {
        let c = case(&report, name);
        let k = c
            .checks
            .iter()
            .find(|k| k.id == *id && k.outcome == *outcome)
            .unwrap_or_else(|| {
                panic!(
                    "fault {fault}: {name} has no {outcome:?} {id}:\n{}",
                    describe(c)
                )
            });
        assert!(
            k.message.contains(fragment) || k.details.iter().any(|d| d.contains(fragment)),
            "fault {fault}: {name} {id}: `{}` lacks `{fragment}`",
            k.message
        );
    }
}

macro_rules! fault_tests {
    ($($name:ident => $index:expr,)*) => {$(
        #[test]
        fn $name() {
            check_row(&TABLE[$index]);
        }
    )*};
}

fault_tests! {
    ddm_wrong_success_status_fails_status_expected => 0,
    ddm_missing_job_id_fails_body_schema => 1,
    ddm_text_plain_fails_content_type => 2,
    ddm_bad_error_body_fails_error_shape => 3,
    modelarts_wrong_type_fails_body_schema => 4,
    clouddb_body_on_202_warns_body_empty => 5,
    clouddb_bad_error_body_warns_error_shape => 6,
    clouddb_undocumented_status_warns => 7,
    ha_never_active_fails_steady_reached => 8,
    ha_no_reboot_state_fails_restarting_seen => 9,
    ecs_concurrent_accepted_warns => 10,
    ecs_v2_missing_fails_v2_cases => 11,
    ecs_success_200_warns_status_preferred => 12,
}

#[test]
fn strict_turns_warnings_into_failures() {
    use std::time::Duration;
    let faults = ["clouddb-body-on-202".parse().unwrap()]
        .into_iter()
        .collect();
    let choice = restart_conformance::run::EndpointChoice::embedded(
        Duration::from_millis(200),
        faults,
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    let mut s = settings(Duration::from_secs(2));
    s.strict = true;
    let report = run_choice(&builtin(), choice, s, args(Some("clouddb::restart")));
    assert!(
        failing(&report).contains("clouddb::restart"),
        "{:?}",
        failing(&report)
    );
}

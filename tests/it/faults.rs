//! Wrong on purpose, as a specification: one table row per reference-server
//! fault says which cases fail and which checks say what. Each fault is run
//! against the embedded server; exactly the listed cases fail (or error), and
//! each listed check has the listed outcome with a message naming the field,
//! the code or the value sent. Two rows are real implementations rather than
//! defects (`nova-like`, `trove-like`): they show which of their answers are
//! findings and which are not.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::*;
use restart_conformance::model::CheckId;
use restart_conformance::reference::Fault;
use restart_conformance::report::contract::{CheckOutcome, Report};
use restart_conformance::run::EndpointChoice;

/// What a check of a case must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Is {
    Passed,
    Failed,
    Warning,
    /// The check is not made at all for this case.
    Absent,
}

/// One check of one case, and a fragment of its message (or details).
struct Seen {
    case: &'static str,
    check: &'static str,
    is: Is,
    fragment: &'static str,
}

/// One fault and what it does to a run.
struct Row {
    fault: &'static str,
    /// The `run` filter: the cases the fault can touch.
    filter: &'static str,
    /// Run with `--strict` (warnings fail their case).
    strict: bool,
    /// Exactly the cases that fail or error.
    failing: &'static [&'static str],
    checks: &'static [Seen],
}

const fn seen(case: &'static str, check: &'static str, is: Is, fragment: &'static str) -> Seen {
    Seen {
        case,
        check,
        is,
        fragment,
    }
}

const DDM_RESTARTS: &[&str] = &[
    "ddm::restart_soft",
    "ddm::restart_hard",
    "ddm::optional::restart_omitted",
    "ddm::optional::restart_type_omitted",
    "ddm::restart_while_restarting",
];

const TABLE: &[Row] = &[
    Row {
        fault: "ddm-wrong-success-status",
        filter: "ddm::",
        strict: false,
        failing: DDM_RESTARTS,
        checks: &[seen(
            "ddm::restart_soft",
            "status.expected",
            Is::Failed,
            "expected 200, got 202",
        )],
    },
    Row {
        fault: "ddm-missing-job-id",
        filter: "ddm::",
        strict: false,
        failing: DDM_RESTARTS,
        checks: &[
            seen("ddm::restart_soft", "body.schema", Is::Failed, "jobId"),
            seen("ddm::restart_hard", "body.example", Is::Warning, "/jobId"),
        ],
    },
    Row {
        fault: "ddm-text-plain",
        filter: "ddm::",
        strict: false,
        failing: DDM_RESTARTS,
        checks: &[seen(
            "ddm::restart_soft",
            "content_type.json",
            Is::Failed,
            "text/plain",
        )],
    },
    Row {
        fault: "ddm-bad-error-body",
        filter: "ddm::",
        strict: false,
        failing: &[
            "ddm::negative::restart_type_not_in_enum",
            "ddm::negative::restart_type_not_string",
            "ddm::negative::restart_not_object",
            "ddm::negative::malformed_json",
            "ddm::negative::non_json_content_type",
            "ddm::restart_while_restarting",
        ],
        checks: &[seen(
            "ddm::negative::restart_type_not_in_enum",
            "body.error_shape",
            Is::Failed,
            "errCode",
        )],
    },
    Row {
        fault: "modelarts-wrong-type",
        filter: "modelarts::",
        strict: false,
        failing: &["modelarts::restart", "modelarts::restart_while_restarting"],
        checks: &[seen(
            "modelarts::restart",
            "body.schema",
            Is::Failed,
            "/current_status",
        )],
    },
    Row {
        fault: "clouddb-body-on-202",
        filter: "clouddb::",
        strict: false,
        failing: &[],
        checks: &[seen(
            "clouddb::restart",
            "body.empty",
            Is::Warning,
            "body on 202",
        )],
    },
    Row {
        fault: "clouddb-bad-error-body",
        filter: "clouddb::",
        strict: false,
        failing: &[],
        checks: &[seen(
            "clouddb::negative::missing_restart",
            "body.error_shape",
            Is::Warning,
            "not JSON",
        )],
    },
    Row {
        fault: "clouddb-undocumented-status",
        filter: "clouddb::",
        strict: false,
        failing: &[],
        checks: &[
            seen(
                "clouddb::restart_while_restarting",
                "status.documented",
                Is::Warning,
                "409 is neither in the document's status table nor on the vendor's general page",
            ),
            seen(
                "clouddb::restart_while_restarting",
                "restart.concurrent_refused",
                Is::Warning,
                "got 409; expected 422",
            ),
        ],
    },
    Row {
        fault: "ha-never-active",
        filter: "clouddb-ha::",
        strict: false,
        // The concurrency case rides on the restart (REBOOT is seen) and is
        // judged on its own: only the restart that waits for ACTIVE fails.
        failing: &["clouddb-ha::restart"],
        checks: &[seen(
            "clouddb-ha::restart",
            "lifecycle.steady_reached",
            Is::Failed,
            "did not return to ACTIVE",
        )],
    },
    Row {
        fault: "ha-no-reboot-state",
        filter: "clouddb-ha::",
        strict: false,
        failing: &["clouddb-ha::restart"],
        checks: &[seen(
            "clouddb-ha::restart",
            "lifecycle.restarting_seen",
            Is::Failed,
            "never saw REBOOT",
        )],
    },
    Row {
        fault: "ecs-concurrent-accepted",
        filter: "ecs::",
        strict: false,
        failing: &[],
        checks: &[seen(
            "ecs::restart_while_restarting",
            "restart.concurrent_refused",
            Is::Warning,
            "accepted with 202",
        )],
    },
    Row {
        fault: "ecs-v2-missing",
        filter: "ecs::",
        strict: false,
        failing: &["ecs::v2::reboot_soft", "ecs::v2::reboot_hard"],
        checks: &[seen(
            "ecs::v2::reboot_soft",
            "status.expected",
            Is::Failed,
            "got 404",
        )],
    },
    Row {
        fault: "ecs-success-200",
        filter: "ecs::",
        strict: false,
        failing: &[],
        checks: &[seen(
            "ecs::v2.1::reboot_soft",
            "status.preferred",
            Is::Warning,
            "the documented code is 202, got 200",
        )],
    },
    Row {
        fault: "accept-missing-required",
        filter: "ecs::negative::missing",
        strict: false,
        failing: &[
            "ecs::negative::missing_reboot",
            "ecs::negative::missing_reboot_type",
        ],
        checks: &[seen(
            "ecs::negative::missing_reboot_type",
            "status.expected",
            Is::Failed,
            "`reboot.type` left out",
        )],
    },
    Row {
        fault: "accept-bad-enum",
        filter: "ddm::negative::",
        strict: false,
        failing: &["ddm::negative::restart_type_not_in_enum"],
        checks: &[seen(
            "ddm::negative::restart_type_not_in_enum",
            "status.expected",
            Is::Failed,
            "\"MEDIUM\"",
        )],
    },
    Row {
        fault: "accept-wrong-type",
        filter: "modelarts::negative::",
        strict: false,
        failing: &["modelarts::negative::action_not_string"],
        checks: &[seen(
            "modelarts::negative::action_not_string",
            "status.expected",
            Is::Failed,
            "12345",
        )],
    },
    Row {
        fault: "accept-malformed-json",
        filter: "clouddb-ha::negative::",
        strict: false,
        failing: &["clouddb-ha::negative::malformed_json"],
        checks: &[seen(
            "clouddb-ha::negative::malformed_json",
            "status.expected",
            Is::Failed,
            "not JSON",
        )],
    },
    // Only Rackspace documents a refusal of another media type (415
    // badMediaType); for the others accepting text/plain is no finding.
    Row {
        fault: "accept-any-media-type",
        filter: "::negative::non_json_content_type",
        strict: true,
        failing: &[
            "clouddb::negative::non_json_content_type",
            "clouddb-ha::negative::non_json_content_type",
        ],
        checks: &[
            seen(
                "clouddb::negative::non_json_content_type",
                "status.expected",
                Is::Failed,
                "expected 415, got 202",
            ),
            seen(
                "ddm::negative::non_json_content_type",
                "status.expected",
                Is::Passed,
                "answered 200",
            ),
        ],
    },
    Row {
        fault: "accept-no-token",
        filter: "::negative::no_token",
        strict: false,
        failing: &[
            "ddm::negative::no_token",
            "clouddb::negative::no_token",
            "clouddb-ha::negative::no_token",
            "modelarts::negative::no_token",
            "ecs::negative::no_token",
        ],
        checks: &[seen(
            "ddm::negative::no_token",
            "status.expected",
            Is::Failed,
            "X-Auth-Token",
        )],
    },
    Row {
        fault: "accept-unknown-id",
        filter: "modelarts::negative::unknown_id",
        strict: false,
        failing: &["modelarts::negative::unknown_id"],
        checks: &[seen(
            "modelarts::negative::unknown_id",
            "status.expected",
            Is::Failed,
            "fresh UUID",
        )],
    },
    Row {
        fault: "accept-any-method",
        filter: "clouddb::negative::method",
        strict: false,
        failing: &[
            "clouddb::negative::method_get",
            "clouddb::negative::method_put",
            "clouddb::negative::method_delete",
        ],
        checks: &[seen(
            "clouddb::negative::method_put",
            "status.expected",
            Is::Failed,
            "PUT instead of POST",
        )],
    },
    Row {
        fault: "reject-optional-body",
        filter: "ddm::optional::",
        strict: false,
        failing: &[
            "ddm::optional::restart_omitted",
            "ddm::optional::restart_type_omitted",
        ],
        checks: &[seen(
            "ddm::optional::restart_omitted",
            "status.expected",
            Is::Failed,
            "expected 200, got 400",
        )],
    },
    Row {
        fault: "server-error-on-bad-body",
        filter: "ecs::negative::",
        strict: false,
        failing: &[
            "ecs::negative::malformed_json",
            "ecs::negative::missing_reboot",
            "ecs::negative::missing_reboot_type",
            "ecs::negative::reboot_not_object",
            "ecs::negative::reboot_type_not_in_enum",
            "ecs::negative::reboot_type_not_string",
        ],
        checks: &[seen(
            "ecs::negative::missing_reboot",
            "status.expected",
            Is::Failed,
            "got 500",
        )],
    },
    Row {
        fault: "huge-body",
        filter: "ddm::restart_soft",
        strict: false,
        failing: &["ddm::restart_soft"],
        checks: &[seen(
            "ddm::restart_soft",
            "transport",
            Is::Failed,
            "larger than the 1 MiB cap",
        )],
    },
    Row {
        fault: "hang",
        filter: "ddm::restart_hard",
        strict: false,
        failing: &["ddm::restart_hard"],
        checks: &[seen(
            "ddm::restart_hard",
            "transport",
            Is::Failed,
            "no response within",
        )],
    },
    Row {
        fault: "truncated-json",
        filter: "ddm::restart_soft",
        strict: false,
        failing: &["ddm::restart_soft"],
        checks: &[seen(
            "ddm::restart_soft",
            "content_type.json",
            Is::Failed,
            "not valid JSON",
        )],
    },
    Row {
        fault: "invalid-utf8",
        filter: "ddm::restart_soft",
        strict: false,
        failing: &["ddm::restart_soft"],
        checks: &[seen(
            "ddm::restart_soft",
            "content_type.json",
            Is::Failed,
            "not valid JSON",
        )],
    },
    Row {
        fault: "json-as-html",
        filter: "ddm::restart_soft",
        strict: false,
        failing: &["ddm::restart_soft"],
        checks: &[seen(
            "ddm::restart_soft",
            "content_type.json",
            Is::Failed,
            "text/html",
        )],
    },
    Row {
        fault: "redirect",
        filter: "ddm::restart_soft",
        strict: false,
        failing: &["ddm::restart_soft"],
        checks: &[seen(
            "ddm::restart_soft",
            "status.expected",
            Is::Failed,
            "got 307",
        )],
    },
    // Retry-After is honoured: the case passes after the wait.
    Row {
        fault: "retry-after",
        filter: "ddm::restart_soft",
        strict: true,
        failing: &[],
        checks: &[seen(
            "ddm::restart_soft",
            "status.expected",
            Is::Passed,
            "answered 200",
        )],
    },
    Row {
        fault: "close-early",
        filter: "ddm::restart_soft",
        strict: false,
        failing: &["ddm::restart_soft"],
        checks: &[seen("ddm::restart_soft", "transport", Is::Failed, "ddm")],
    },
    Row {
        fault: "not-http",
        filter: "ddm::restart_soft",
        strict: false,
        failing: &["ddm::restart_soft"],
        checks: &[seen(
            "ddm::restart_soft",
            "transport",
            Is::Failed,
            "no valid HTTP response",
        )],
    },
    // Nova 34's answers where the documents are silent: no finding, not even
    // under --strict.
    Row {
        fault: "nova-like",
        filter: "ecs::",
        strict: true,
        failing: &[],
        checks: &[
            seen(
                "ecs::negative::method_get",
                "status.expected",
                Is::Passed,
                "answered 404",
            ),
            seen(
                "ecs::negative::method_get",
                "status.preferred",
                Is::Absent,
                "",
            ),
            seen(
                "ecs::negative::method_put",
                "body.error_shape",
                Is::Absent,
                "",
            ),
            seen(
                "ecs::negative::no_token",
                "body.error_shape",
                Is::Passed,
                "identity layer",
            ),
            seen(
                "ecs::negative::non_json_content_type",
                "status.expected",
                Is::Passed,
                "answered 202",
            ),
            seen(
                "ecs::negative::non_json_content_type",
                "body.empty",
                Is::Passed,
                "no body on 202",
            ),
        ],
    },
    // Trove 26: only its 500 to `{}` fails; its routing 404 is preferred 405
    // (a warning, since Rackspace documents 405), its framework bodies are
    // should-level findings, its identity-layer 401 is accepted.
    Row {
        fault: "trove-like",
        filter: "clouddb::",
        strict: false,
        failing: &["clouddb::negative::missing_restart"],
        checks: &[
            seen(
                "clouddb::negative::missing_restart",
                "status.expected",
                Is::Failed,
                "expected 400, got 500",
            ),
            seen(
                "clouddb::negative::method_get",
                "status.expected",
                Is::Passed,
                "answered 404",
            ),
            seen(
                "clouddb::negative::method_get",
                "status.preferred",
                Is::Warning,
                "the documented code is 405, got 404",
            ),
            seen(
                "clouddb::negative::method_get",
                "body.error_shape",
                Is::Absent,
                "",
            ),
            seen(
                "clouddb::negative::no_token",
                "body.error_shape",
                Is::Passed,
                "identity layer",
            ),
            seen(
                "clouddb::negative::malformed_json",
                "body.error_shape",
                Is::Warning,
                "badRequest",
            ),
            seen(
                "clouddb::negative::non_json_content_type",
                "body.error_shape",
                Is::Warning,
                "badMediaType",
            ),
        ],
    },
    // The lenient target of long runs: every refusal is missing, and no
    // restart ever shows (a should-level finding, as a short restart may
    // fall between two polls).
    Row {
        fault: "accept-all-no-restart",
        filter: "modelarts::",
        strict: false,
        failing: &[
            "modelarts::negative::missing_action",
            "modelarts::negative::action_not_in_enum",
            "modelarts::negative::action_not_string",
            "modelarts::negative::malformed_json",
            "modelarts::negative::no_token",
            "modelarts::negative::unknown_id",
        ],
        checks: &[
            seen(
                "modelarts::restart",
                "lifecycle.restarting_seen",
                Is::Warning,
                "never saw REBOOTING or RESTARTING",
            ),
            seen(
                "modelarts::negative::no_token",
                "status.expected",
                Is::Failed,
                "expected 4xx, got 200",
            ),
        ],
    },
    // A flaky network is no finding: what got no answer is tried again, and
    // every case passes (`retries` has the details).
    Row {
        fault: "drop-requests",
        filter: "ddm::",
        strict: false,
        failing: &[],
        checks: &[seen(
            "ddm::optional::restart_type_omitted",
            "status.expected",
            Is::Passed,
            "200",
        )],
    },
    Row {
        fault: "drop-polls",
        filter: "modelarts::",
        strict: false,
        failing: &[],
        checks: &[seen(
            "modelarts::restart",
            "lifecycle.steady_reached",
            Is::Passed,
            "ACTIVE",
        )],
    },
    // A poll lost during a restart proves no absence: the case runs again.
    Row {
        fault: "lose-poll-in-restart",
        filter: "modelarts::",
        strict: false,
        failing: &[],
        checks: &[seen(
            "modelarts::restart",
            "lifecycle.restarting_seen",
            Is::Passed,
            "REBOOTING",
        )],
    },
    // The two signature faults run with every API signed (see `run_row`).
    Row {
        fault: "accept-tampered-signature",
        filter: "::negative::signature_",
        strict: false,
        failing: &[
            "ddm::negative::signature_mismatch",
            "clouddb::negative::signature_mismatch",
            "clouddb-ha::negative::signature_mismatch",
            "modelarts::negative::signature_mismatch",
            "ecs::negative::signature_mismatch",
        ],
        checks: &[
            seen(
                "ddm::negative::signature_mismatch",
                "status.expected",
                Is::Failed,
                "the target accepted a request it must refuse",
            ),
            seen(
                "ddm::negative::signature_expired",
                "body.error_shape",
                Is::Passed,
                "gateway",
            ),
        ],
    },
    Row {
        fault: "accept-stale-signature",
        filter: "::negative::signature_",
        strict: false,
        failing: &[
            "ddm::negative::signature_expired",
            "clouddb::negative::signature_expired",
            "clouddb-ha::negative::signature_expired",
            "modelarts::negative::signature_expired",
            "ecs::negative::signature_expired",
        ],
        checks: &[seen(
            "modelarts::negative::signature_expired",
            "status.expected",
            Is::Failed,
            "X-Sdk-Date 20 minutes old",
        )],
    },
];

fn row(fault: &str) -> &'static Row {
    TABLE
        .iter()
        .find(|r| r.fault == fault)
        .unwrap_or_else(|| panic!("no row for fault {fault}"))
}

/// Runs the built-in specs against the embedded server with one fault.
fn run_row(r: &Row) -> Report {
    if r.fault.ends_with("-signature") {
        let mut s = settings(Duration::from_secs(2));
        s.strict = r.strict;
        return run_signed(&[r.fault], s, Some(r.filter));
    }
    let choice = EndpointChoice::embedded(
        Duration::from_millis(200),
        [r.fault.parse::<Fault>().unwrap()].into_iter().collect(),
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    let mut s = settings(Duration::from_secs(2));
    s.strict = r.strict;
    s.request_timeout = Duration::from_secs(2);
    run_choice(&builtin(), choice, s, args(Some(r.filter)))
}

fn check_row(fault: &str) {
    let r = row(fault);
    let report = run_row(r);
    assert!(!report.cases.is_empty(), "fault {fault}: no case ran");
    let failing = failing(&report);
    let expected: BTreeSet<String> = r.failing.iter().map(|s| s.to_string()).collect();
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
    for s in r.checks {
        let c = case(&report, s.case);
        let mut with_id = c.checks.iter().filter(|k| k.id == s.check).peekable();
        let outcome = match s.is {
            Is::Absent => {
                if let Some(k) = with_id.next() {
                    panic!(
                        "fault {fault}: {} should have no {}: {k:?}",
                        s.case, s.check
                    );
                }
                continue;
            }
            Is::Passed => CheckOutcome::Passed,
            Is::Failed => CheckOutcome::Failed,
            Is::Warning => CheckOutcome::Warning,
        };
        // A case may make a check twice (the second restart): one must match.
        let k = with_id.find(|k| k.outcome == outcome).unwrap_or_else(|| {
            panic!(
                "fault {fault}: {} has no {outcome:?} {}:\n{}",
                s.case,
                s.check,
                describe(c)
            )
        });
        assert!(
            k.message.contains(s.fragment) || k.details.iter().any(|d| d.contains(s.fragment)),
            "fault {fault}: {} {}: `{}` lacks `{}`",
            s.case,
            s.check,
            k.message,
            s.fragment
        );
    }
}

macro_rules! fault_tests {
    ($($name:ident => $fault:literal,)*) => {
        /// The faults that have a test below.
        const TESTED: &[&str] = &[$($fault),*];
        $(
            #[test]
            fn $name() {
                check_row($fault);
            }
        )*
    };
}

fault_tests! {
    ddm_wrong_success_status_fails_status_expected => "ddm-wrong-success-status",
    ddm_missing_job_id_fails_body_schema => "ddm-missing-job-id",
    ddm_text_plain_fails_content_type => "ddm-text-plain",
    ddm_bad_error_body_fails_error_shape => "ddm-bad-error-body",
    modelarts_wrong_type_fails_body_schema => "modelarts-wrong-type",
    clouddb_body_on_202_warns_body_empty => "clouddb-body-on-202",
    clouddb_bad_error_body_warns_error_shape => "clouddb-bad-error-body",
    clouddb_undocumented_status_warns => "clouddb-undocumented-status",
    ha_never_active_fails_steady_reached => "ha-never-active",
    ha_no_reboot_state_fails_restarting_seen => "ha-no-reboot-state",
    ecs_concurrent_accepted_warns => "ecs-concurrent-accepted",
    ecs_v2_missing_fails_v2_cases => "ecs-v2-missing",
    ecs_success_200_warns_status_preferred => "ecs-success-200",
    accept_missing_required_fails_status_expected => "accept-missing-required",
    accept_bad_enum_fails_status_expected => "accept-bad-enum",
    accept_wrong_type_fails_status_expected => "accept-wrong-type",
    accept_malformed_json_fails_status_expected => "accept-malformed-json",
    accept_any_media_type_fails_only_where_documented => "accept-any-media-type",
    accept_no_token_fails_status_expected => "accept-no-token",
    accept_unknown_id_fails_status_expected => "accept-unknown-id",
    accept_any_method_fails_status_expected => "accept-any-method",
    reject_optional_body_fails_optional_cases => "reject-optional-body",
    server_error_on_bad_body_fails_naming_500 => "server-error-on-bad-body",
    huge_body_errors_at_the_cap => "huge-body",
    hang_errors_with_a_timeout => "hang",
    truncated_json_fails_content_type => "truncated-json",
    invalid_utf8_fails_content_type => "invalid-utf8",
    json_as_html_fails_content_type => "json-as-html",
    redirect_fails_status_expected => "redirect",
    retry_after_is_waited_out => "retry-after",
    close_early_errors_the_api => "close-early",
    not_http_errors_the_api => "not-http",
    nova_like_ecs_passes_also_under_strict => "nova-like",
    trove_like_clouddb_fails_only_on_a_500 => "trove-like",
    accept_all_no_restart_fails_every_refusal => "accept-all-no-restart",
    accept_tampered_signature_fails_the_mismatch_cases => "accept-tampered-signature",
    accept_stale_signature_fails_the_expired_cases => "accept-stale-signature",
    drop_requests_fails_nothing => "drop-requests",
    drop_polls_fails_nothing => "drop-polls",
    lose_poll_in_restart_fails_nothing => "lose-poll-in-restart",
}

#[test]
fn every_fault_and_every_check_id_is_in_the_table() {
    let in_table: BTreeSet<&str> = TABLE.iter().map(|r| r.fault).collect();
    assert_eq!(in_table.len(), TABLE.len(), "a fault has two rows");
    for fault in Fault::ALL {
        assert!(
            in_table.contains(fault.name()),
            "fault {} has no row in the table",
            fault.name()
        );
    }
    let tested: BTreeSet<&str> = TESTED.iter().copied().collect();
    assert_eq!(tested, in_table, "every row has a test, every test a row");
    // Every check id is seen failing or warning in some row.
    let shown: BTreeSet<&str> = TABLE
        .iter()
        .flat_map(|r| r.checks)
        .filter(|s| matches!(s.is, Is::Failed | Is::Warning))
        .map(|s| s.check)
        .collect();
    for id in CheckId::ALL {
        assert!(
            shown.contains(id.as_str()),
            "check {id} is never shown failing in the table"
        );
    }
}

#[test]
fn nova_like_text_plain_is_recorded_as_a_note() {
    let report = run_row(&Row {
        fault: "nova-like",
        filter: "ecs::negative::non_json_content_type",
        strict: true,
        failing: &[],
        checks: &[],
    });
    let c = case(&report, "ecs::negative::non_json_content_type");
    assert!(
        c.notes.iter().any(|n| n.contains("accepted this request")),
        "{:?}",
        c.notes
    );
    assert!(failing(&report).is_empty(), "{}", describe(c));
}

#[test]
fn strict_turns_warnings_into_failures() {
    let mut r = Row {
        fault: "clouddb-body-on-202",
        filter: "clouddb::restart",
        strict: false,
        failing: &[],
        checks: &[],
    };
    assert!(failing(&run_row(&r)).is_empty());
    r.strict = true;
    let report = run_row(&r);
    assert!(
        failing(&report).contains("clouddb::restart"),
        "{:?}",
        failing(&report)
    );
}

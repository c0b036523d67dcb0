//! Generated negative cases: a reference server that accepts each class of
//! bad request makes exactly that class's cases fail, naming what was sent.

use crate::common::*;
use std::collections::BTreeSet;

const APIS: [&str; 5] = ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"];

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn each_api(what: &str) -> BTreeSet<String> {
    APIS.iter()
        .map(|a| format!("{a}::negative::{what}"))
        .collect()
}

/// Runs with `fault` and checks the failing set and one message per case.
fn assert_fault(
    fault: &str,
    expected: BTreeSet<String>,
    fragment: &dyn Fn(&str) -> Vec<&'static str>,
) {
    let report = run_embedded(&builtin(), &[fault], None);
    let got = failing(&report);
    let details: Vec<String> = got
        .iter()
        .map(|n| format!("{n}:\n{}", describe(case(&report, n))))
        .collect();
    assert_eq!(got, expected, "fault {fault}\n{}", details.join("\n"));
    for name in &expected {
        let c = case(&report, name);
        let k = c.checks.iter().find(|k| k.id == "status.expected").unwrap();
        for f in fragment(name) {
            assert!(
                k.message.contains(f),
                "fault {fault}: {name}: `{}` lacks `{f}`",
                k.message
            );
        }
    }
}

#[test]
fn accepting_a_missing_required_property_fails_its_cases() {
    let expected = names(&[
        "ecs::negative::missing_reboot",
        "ecs::negative::missing_reboot_type",
        "modelarts::negative::missing_action",
        "clouddb::negative::missing_restart",
        "clouddb-ha::negative::missing_restart",
    ]);
    assert_fault("accept-missing-required", expected, &|n| {
        if n.ends_with("missing_reboot_type") {
            vec!["`reboot.type` left out", "accepted"]
        } else {
            vec!["left out"]
        }
    });
}

#[test]
fn accepting_a_value_outside_the_enum_fails_its_cases() {
    let expected = names(&[
        "ddm::negative::restart_type_not_in_enum",
        "ecs::negative::reboot_type_not_in_enum",
        "modelarts::negative::action_not_in_enum",
    ]);
    assert_fault("accept-bad-enum", expected, &|n| {
        let field = if n.starts_with("ddm") {
            "restart.type"
        } else if n.starts_with("ecs") {
            "reboot.type"
        } else {
            "action"
        };
        vec![field, "\"MEDIUM\""]
    });
}

#[test]
fn accepting_a_wrong_json_type_fails_its_cases() {
    let expected = names(&[
        "ddm::negative::restart_type_not_string",
        "ddm::negative::restart_not_object",
        "ecs::negative::reboot_type_not_string",
        "ecs::negative::reboot_not_object",
        "modelarts::negative::action_not_string",
        "clouddb::negative::restart_not_object",
        "clouddb-ha::negative::restart_not_object",
    ]);
    assert_fault("accept-wrong-type", expected, &|n| {
        if n.ends_with("_not_string") {
            vec!["12345"]
        } else {
            vec!["not a object"]
        }
    });
}

#[test]
fn accepting_malformed_json_fails_its_cases() {
    assert_fault("accept-malformed-json", each_api("malformed_json"), &|_| {
        vec!["not JSON"]
    });
}

/// Only the Rackspace documents refuse another media type (415 badMediaType on
/// the Faults page); the other documents say nothing, and Nova accepts a
/// text/plain body holding JSON, so accepting it is no finding there.
#[test]
fn accepting_any_media_type_fails_only_where_a_document_refuses_it() {
    let expected = names(&[
        "clouddb::negative::non_json_content_type",
        "clouddb-ha::negative::non_json_content_type",
    ]);
    assert_fault("accept-any-media-type", expected, &|_| vec!["text/plain"]);
}

#[test]
fn accepting_a_request_without_token_fails_its_cases() {
    assert_fault("accept-no-token", each_api("no_token"), &|_| {
        vec!["X-Auth-Token"]
    });
}

#[test]
fn accepting_an_unknown_id_fails_its_cases() {
    assert_fault("accept-unknown-id", each_api("unknown_id"), &|_| {
        vec!["fresh UUID"]
    });
}

#[test]
fn accepting_any_method_fails_its_cases() {
    let mut expected = each_api("method_get");
    expected.extend(each_api("method_put"));
    expected.extend(each_api("method_delete"));
    assert_fault("accept-any-method", expected, &|n| {
        let m = n
            .rsplit('_')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        vec![if m == "GET" {
            "GET instead of POST"
        } else if m == "PUT" {
            "PUT instead of POST"
        } else {
            "DELETE instead of POST"
        }]
    });
}

#[test]
fn refusing_optional_bodies_fails_the_optional_cases() {
    let expected = names(&[
        "ddm::optional::restart_omitted",
        "ddm::optional::restart_type_omitted",
    ]);
    assert_fault("reject-optional-body", expected, &|_| {
        vec!["expected 200, got 400", "left out"]
    });
}

#[test]
fn a_server_error_fails_every_bad_body_case() {
    let report = run_embedded(&builtin(), &["server-error-on-bad-body"], None);
    let got = failing(&report);
    for name in [
        "ddm::negative::malformed_json",
        "ddm::negative::restart_type_not_in_enum",
        "ecs::negative::missing_reboot",
        "modelarts::negative::action_not_string",
        "clouddb::negative::missing_restart",
    ] {
        assert!(got.contains(name), "{name} should fail: {got:?}");
        let k = case(&report, name)
            .checks
            .iter()
            .find(|k| k.id == "status.expected")
            .unwrap();
        assert!(
            k.message.contains("server error") && k.message.contains("got 500"),
            "{name}: {}",
            k.message
        );
    }
    // Cases that send a valid body are untouched.
    assert!(got.iter().all(|n| n.contains("::negative::")), "{got:?}");
}

#[test]
fn an_accepted_bad_request_is_waited_out_and_said_in_the_report() {
    let report = run_embedded(&builtin(), &["accept-bad-enum"], Some("ecs::"));
    let c = case(&report, "ecs::negative::reboot_type_not_in_enum");
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("accepted this request") && n.contains("waited")),
        "{:?}",
        c.notes
    );
}

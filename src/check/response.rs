//! Checks on one response: its status (expected, preferred, documented) here, then the checks
//! of its body ([`super::body`]: content type, body schema, example, error shape).

use serde_json::Value;

use super::body::body_checks;
use super::{CheckId, Verdict, verdict};
use crate::model::Severity;
use crate::plan::{Case, CaseKind};
use crate::spec::StatusPattern;

pub use crate::model::Received;

pub(crate) fn list(patterns: &[StatusPattern]) -> String {
    let v: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
    match v.len() {
        0 => "nothing".into(),
        1 => v[0].clone(),
        _ => format!("one of {}", v.join(", ")),
    }
}

/// Every check that applies to the main response of `case`.
pub fn response(case: &Case, r: &Received) -> Vec<Verdict> {
    let spec = &case.spec;
    let mut out = Vec::new();
    let sent = case
        .mutation
        .as_deref()
        .map(|m| format!(" (sent: {m})"))
        .unwrap_or_default();

    // status.expected
    let ok = case.expect.status.iter().any(|p| p.matches(r.status));
    let msg = if ok {
        format!(
            "answered {}, as expected ({})",
            r.status,
            list(&case.expect.status)
        )
    } else {
        let what = match (r.status, case.kind) {
            (200..=299, CaseKind::Negative) => "the target accepted a request it must refuse; ",
            (500..=599, _) => "a server error; ",
            (300..=399, _) => "a redirect, which a restart API does not document; ",
            _ => "",
        };
        format!(
            "{what}expected {}, got {}{sent}",
            list(&case.expect.status),
            r.status
        )
    };
    let mut v = verdict(CheckId::StatusExpected, Severity::Must, ok, msg);
    v.expected = Some(patterns_value(&case.expect.status));
    v.actual = Some(Value::from(r.status));
    out.push(v);

    // status.preferred
    if ok && !case.expect.preferred.is_empty() {
        let pref = &case.expect.preferred;
        let hit = pref.contains(&r.status);
        let want: Vec<String> = pref.iter().map(u16::to_string).collect();
        let mut v = verdict(
            CheckId::StatusPreferred,
            Severity::Should,
            hit,
            if hit {
                format!("answered {}, the documented code", r.status)
            } else {
                format!(
                    "the documented code is {}, got {}",
                    want.join(" or "),
                    r.status
                )
            },
        );
        v.expected = Some(Value::from(pref.clone()));
        v.actual = Some(Value::from(r.status));
        out.push(v);
    }

    out.extend(documented(spec, r.status));
    out.extend(body_checks(case, r));
    out
}

/// The acceptable codes as a JSON value: numbers for exact codes, `"4xx"` for classes.
fn patterns_value(patterns: &[StatusPattern]) -> Value {
    Value::Array(
        patterns
            .iter()
            .map(|p| match p {
                StatusPattern::Exact(c) => Value::from(*c),
                StatusPattern::Class(_) => Value::String(p.to_string()),
            })
            .collect(),
    )
}

/// status.documented: the code is in the document's status table, or on the
/// vendor's general status-code page that the document refers to.
pub fn documented(spec: &crate::spec::Spec, status: u16) -> Option<Verdict> {
    let doc = spec.documented.as_ref()?;
    let in_table = doc.table.contains(&status);
    let hit = doc.contains(status);
    let all: Vec<String> = doc.all().iter().map(u16::to_string).collect();
    let general = doc.general_source.as_deref();
    let msg = match (in_table, hit, general) {
        (true, _, _) => format!("{status} is in the document's status table"),
        (false, true, Some(page)) => format!("{status} is on the vendor's general page ({page})"),
        (false, true, None) => format!("{status} is documented"),
        (false, false, Some(page)) => format!(
            "{status} is neither in the document's status table nor on the vendor's general page ({}; {}; {page})",
            all.join(", "),
            doc.source
        ),
        (false, false, None) => format!(
            "{status} is not in the document's status table ({}; {})",
            all.join(", "),
            doc.source
        ),
    };
    let mut v = verdict(CheckId::StatusDocumented, Severity::Should, hit, msg);
    v.expected = Some(Value::from(doc.all()));
    v.actual = Some(Value::from(status));
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckOutcome;

    fn cases() -> Vec<Case> {
        let specs = crate::spec::load_builtin().unwrap_or_else(|e| panic!("{e}"));
        crate::plan::plan_with(&specs, &|_| true)
    }

    fn case(name: &str) -> Case {
        cases()
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no case {name}"))
    }

    fn json(status: u16, ct: &str, body: &str) -> Received {
        Received {
            status,
            headers: vec![("Content-Type".into(), ct.into())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn outcome<'a>(v: &'a [Verdict], id: &str) -> &'a Verdict {
        v.iter()
            .find(|v| v.id == id)
            .unwrap_or_else(|| panic!("no {id} in {v:?}"))
    }

    const DDM_OK: &str = r#"{"instanceId":"i","instanceName":"n","jobId":"j"}"#;

    #[test]
    fn conformant_ddm_restart_passes_every_check() {
        let v = response(
            &case("ddm::restart_soft"),
            &json(200, "application/json", DDM_OK),
        );
        assert!(
            v.iter().all(|v| matches!(
                v.outcome,
                CheckOutcome::Passed | CheckOutcome::NotVerifiable
            )),
            "{v:?}"
        );
        assert_eq!(
            outcome(&v, "restart.type_effect").outcome,
            CheckOutcome::NotVerifiable
        );
        assert_eq!(outcome(&v, "body.example").outcome, CheckOutcome::Passed);
    }

    #[test]
    fn wrong_status_fails_status_expected() {
        let v = response(
            &case("ddm::restart_soft"),
            &json(202, "application/json", DDM_OK),
        );
        let s = outcome(&v, "status.expected");
        assert_eq!(s.outcome, CheckOutcome::Failed);
        assert!(s.message.contains("expected 200, got 202"), "{}", s.message);
    }

    #[test]
    fn missing_field_fails_body_schema_naming_it() {
        let v = response(
            &case("ddm::restart_soft"),
            &json(
                200,
                "application/json",
                r#"{"instanceId":"i","instanceName":"n"}"#,
            ),
        );
        let s = outcome(&v, "body.schema");
        assert_eq!(s.outcome, CheckOutcome::Failed);
        assert!(s.message.contains("jobId"), "{}", s.message);
        let e = outcome(&v, "body.example");
        assert_eq!(e.outcome, CheckOutcome::Warning);
        assert!(
            e.diff.as_deref().unwrap_or("").contains("-  \"jobId\""),
            "{:?}",
            e.diff
        );
    }

    #[test]
    fn wrong_type_fails_body_schema_with_instance_path() {
        let v = response(
            &case("modelarts::restart"),
            &json(
                200,
                "application/json",
                r#"{"current_status":3,"previous_state":"ACTIVE"}"#,
            ),
        );
        let s = outcome(&v, "body.schema");
        assert_eq!(s.outcome, CheckOutcome::Failed);
        assert!(
            s.details[0].starts_with("/current_status"),
            "{:?}",
            s.details
        );
    }

    #[test]
    fn json_labelled_text_fails_content_type() {
        let v = response(&case("ddm::restart_soft"), &json(200, "text/plain", DDM_OK));
        let s = outcome(&v, "content_type.json");
        assert_eq!(s.outcome, CheckOutcome::Failed);
        assert!(s.message.contains("text/plain"));
    }

    #[test]
    fn truncated_json_fails_content_type() {
        let v = response(
            &case("ddm::restart_soft"),
            &json(
                200,
                "application/json",
                r#"{"instanceId": "abc", "instanceNa"#,
            ),
        );
        assert_eq!(
            outcome(&v, "content_type.json").outcome,
            CheckOutcome::Failed
        );
        assert_eq!(outcome(&v, "body.schema").outcome, CheckOutcome::Failed);
    }

    #[test]
    fn nova_style_empty_202_passes_and_body_on_202_warns() {
        let c = case("ecs::v2.1::reboot_soft");
        let v = response(&c, &json(202, "application/json", ""));
        assert!(v.iter().all(|v| v.outcome == CheckOutcome::Passed), "{v:?}");
        let v = response(
            &case("clouddb::restart"),
            &json(202, "application/json", r#"{"accepted":true}"#),
        );
        assert_eq!(outcome(&v, "body.empty").outcome, CheckOutcome::Warning);
        let v = response(&c, &json(200, "application/json", ""));
        assert_eq!(outcome(&v, "status.expected").outcome, CheckOutcome::Passed);
        assert_eq!(
            outcome(&v, "status.preferred").outcome,
            CheckOutcome::Warning
        );
    }

    #[test]
    fn accepted_negative_names_field_and_value() {
        let c = case("ddm::negative::restart_type_not_in_enum");
        let v = response(&c, &json(200, "application/json", DDM_OK));
        let s = outcome(&v, "status.expected");
        assert_eq!(s.outcome, CheckOutcome::Failed);
        assert!(
            s.message.contains("restart.type") && s.message.contains("MEDIUM"),
            "{}",
            s.message
        );
    }

    #[test]
    fn server_error_fails_a_negative_case() {
        let c = case("modelarts::negative::missing_action");
        let v = response(
            &c,
            &json(
                500,
                "application/json",
                r#"{"error_code":"x","error_msg":"y"}"#,
            ),
        );
        let s = outcome(&v, "status.expected");
        assert_eq!(s.outcome, CheckOutcome::Failed);
        assert!(s.message.contains("server error"));
    }

    #[test]
    fn ddm_error_shape_is_a_must_and_others_a_should() {
        let c = case("ddm::negative::malformed_json");
        let v = response(&c, &json(400, "application/json", r#"{"error":"bad"}"#));
        assert_eq!(
            outcome(&v, "body.error_shape").outcome,
            CheckOutcome::Failed
        );
        let c = case("clouddb::negative::malformed_json");
        let v = response(&c, &json(400, "text/plain", "bad request"));
        assert_eq!(
            outcome(&v, "body.error_shape").outcome,
            CheckOutcome::Warning
        );
        let v = response(
            &c,
            &json(
                400,
                "application/json",
                r#"{"badRequest":{"code":400,"message":"m"}}"#,
            ),
        );
        assert_eq!(
            outcome(&v, "body.error_shape").outcome,
            CheckOutcome::Passed
        );
    }

    fn ids(v: &[Verdict]) -> Vec<&str> {
        v.iter().map(|v| v.id.as_str()).collect()
    }

    #[test]
    fn routing_level_answers_are_not_held_to_the_error_shape() {
        // Trove: 404 itemNotFound; Rackspace documents 405, so 405 is preferred.
        let c = case("clouddb::negative::method_get");
        let v = response(
            &c,
            &json(
                404,
                "application/json",
                r#"{"itemNotFound":{"code":404,"message":"m"}}"#,
            ),
        );
        assert_eq!(outcome(&v, "status.expected").outcome, CheckOutcome::Passed);
        let p = outcome(&v, "status.preferred");
        assert_eq!(p.outcome, CheckOutcome::Warning);
        assert!(p.message.contains("405, got 404"), "{}", p.message);
        assert!(!ids(&v).contains(&"body.error_shape"), "{v:?}");
        // Nova's framework JSON on DDM's or ECS's action URI: no finding at all.
        for name in ["ddm::negative::method_put", "ecs::negative::method_delete"] {
            let v = response(
                &case(name),
                &json(
                    404,
                    "application/json",
                    r#"{"code":"404 Not Found","title":"Not Found","message":"m"}"#,
                ),
            );
            assert!(
                v.iter().all(|v| v.outcome == CheckOutcome::Passed),
                "{name}: {v:?}"
            );
            assert!(!ids(&v).contains(&"body.error_shape"), "{name}: {v:?}");
            assert!(!ids(&v).contains(&"status.preferred"), "{name}: {v:?}");
        }
    }

    #[test]
    fn routing_level_success_or_server_error_fails() {
        let c = case("clouddb-ha::negative::method_get");
        for status in [200, 204, 500, 503] {
            let v = response(&c, &json(status, "application/json", "{}"));
            assert_eq!(
                outcome(&v, "status.expected").outcome,
                CheckOutcome::Failed,
                "{status}"
            );
        }
    }

    #[test]
    fn the_gateways_401_to_a_bad_signature_is_accepted_and_a_success_fails() {
        const APIGW: &str = r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail","request_id":"r"}"#;
        for name in [
            "ddm::negative::signature_mismatch",
            "modelarts::negative::signature_expired",
        ] {
            let c = case(name);
            let v = response(&c, &json(401, "application/json", APIGW));
            let k = outcome(&v, "body.error_shape");
            assert!(k.message.contains("gateway"), "{}", k.message);
            assert!(
                v.iter().all(|v| v.outcome == CheckOutcome::Passed),
                "{name}: {v:?}"
            );
            let v = response(&c, &json(200, "application/json", "{}"));
            assert_eq!(outcome(&v, "status.expected").outcome, CheckOutcome::Failed);
        }
        // Not the gateway's shape: held to the API's own error shape (for a
        // DDM 401, outside its table, a should).
        let c = case("ddm::negative::signature_mismatch");
        let v = response(&c, &json(401, "application/json", r#"{"error_code":"X"}"#));
        assert_eq!(
            outcome(&v, "body.error_shape").outcome,
            CheckOutcome::Warning
        );
    }

    #[test]
    fn the_identity_layer_401_is_accepted_for_every_api() {
        const KEYSTONE: &str = r#"{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}"#;
        for api in ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"] {
            let c = case(&format!("{api}::negative::no_token"));
            let v = response(&c, &json(401, "application/json", KEYSTONE));
            let k = outcome(&v, "body.error_shape");
            assert_eq!(k.outcome, CheckOutcome::Passed, "{api}: {}", k.message);
            assert!(k.message.contains("identity layer"), "{}", k.message);
            assert!(
                v.iter().all(|v| v.outcome == CheckOutcome::Passed),
                "{api}: {v:?}"
            );
        }
        // Another body on a 401 is still held to the API's error shape.
        let c = case("clouddb::negative::no_token");
        let v = response(&c, &json(401, "application/json", r#"{"error":"nope"}"#));
        assert_eq!(
            outcome(&v, "body.error_shape").outcome,
            CheckOutcome::Warning
        );
        // The identity shape is accepted on a 401 only.
        let c = case("clouddb::negative::unknown_id");
        let v = response(
            &c,
            &json(
                404,
                "application/json",
                r#"{"error":{"code":401,"message":"m"}}"#,
            ),
        );
        assert_eq!(
            outcome(&v, "body.error_shape").outcome,
            CheckOutcome::Warning
        );
    }

    #[test]
    fn codes_on_the_vendors_general_page_are_documented() {
        let v = response(
            &case("ddm::negative::unknown_id"),
            &json(
                404,
                "application/json",
                r#"{"errCode":"DBS.1","externalMessage":"m"}"#,
            ),
        );
        let k = outcome(&v, "status.documented");
        assert_eq!(k.outcome, CheckOutcome::Passed);
        assert!(k.message.contains("general page"), "{}", k.message);
        let v = response(
            &case("clouddb-ha::negative::non_json_content_type"),
            &json(
                415,
                "application/json",
                r#"{"badMediaType":{"code":415,"message":"m"}}"#,
            ),
        );
        assert!(v.iter().all(|v| v.outcome == CheckOutcome::Passed), "{v:?}");
        // 418 is on no page.
        let v = response(
            &case("modelarts::negative::unknown_id"),
            &json(
                418,
                "application/json",
                r#"{"error_code":"x","error_msg":"y"}"#,
            ),
        );
        assert_eq!(
            outcome(&v, "status.documented").outcome,
            CheckOutcome::Warning
        );
    }

    #[test]
    fn ecs_accepting_text_plain_json_is_no_finding() {
        let c = case("ecs::negative::non_json_content_type");
        let v = response(&c, &json(202, "application/json", ""));
        assert!(v.iter().all(|v| v.outcome == CheckOutcome::Passed), "{v:?}");
        let v = response(&c, &json(500, "application/json", "{}"));
        assert_eq!(outcome(&v, "status.expected").outcome, CheckOutcome::Failed);
    }

    #[test]
    fn trove_framework_bodies_are_a_should_finding() {
        let v = response(
            &case("clouddb::negative::malformed_json"),
            &json(
                400,
                "application/json",
                r#"{"message":"Malformed request body","code":"400 Bad Request","title":"Bad Request"}"#,
            ),
        );
        assert_eq!(outcome(&v, "status.expected").outcome, CheckOutcome::Passed);
        assert_eq!(
            outcome(&v, "body.error_shape").outcome,
            CheckOutcome::Warning
        );
        assert!(v.iter().all(|v| v.outcome != CheckOutcome::Failed), "{v:?}");
    }

    #[test]
    fn verdicts_carry_expected_and_actual_values_and_schema_error_records() {
        let v = response(
            &case("clouddb::negative::missing_restart"),
            &json(
                500,
                "application/json",
                r#"{"instanceFault":{"code":500,"message":"m"}}"#,
            ),
        );
        let k = outcome(&v, "status.expected");
        assert_eq!(k.expected, Some(serde_json::json!([400])));
        assert_eq!(k.actual, Some(serde_json::json!(500)));
        let v = response(
            &case("ecs::negative::no_token"),
            &json(400, "application/json", "{}"),
        );
        let k = outcome(&v, "status.expected");
        assert_eq!(k.expected, Some(serde_json::json!(["4xx"])));
        let v = response(
            &case("modelarts::restart"),
            &json(
                200,
                "application/json",
                r#"{"current_status":3,"previous_state":"ACTIVE"}"#,
            ),
        );
        let k = outcome(&v, "body.schema");
        assert_eq!(k.schema_errors.len(), 1, "{:?}", k.schema_errors);
        let e = &k.schema_errors[0];
        assert_eq!(e.instance_path, "/current_status");
        assert_eq!(e.keyword, "type");
        assert!(e.schema_path.ends_with("/type"), "{}", e.schema_path);
        assert_eq!(k.details.len(), 1, "details stay as lines");
        let json = serde_json::to_value(k).unwrap_or_default();
        assert_eq!(json["schema_errors"][0]["keyword"], "type");
    }

    #[test]
    fn nova_answers_pass_every_must_check() {
        // 401 from the identity layer and 404 HTML for another method.
        let c = case("ecs::negative::no_token");
        let v = response(
            &c,
            &json(
                401,
                "application/json",
                r#"{"error":{"code":401,"title":"Unauthorized","message":"m"}}"#,
            ),
        );
        assert!(v.iter().all(|v| v.outcome == CheckOutcome::Passed), "{v:?}");
        let c = case("ecs::negative::method_get");
        let v = response(&c, &json(404, "text/html", "<html>404</html>"));
        assert!(v.iter().all(|v| v.outcome != CheckOutcome::Failed), "{v:?}");
    }

    #[test]
    fn undocumented_status_warns() {
        let c = case("clouddb::negative::no_token");
        let v = response(&c, &json(409, "application/json", "{}"));
        assert_eq!(
            outcome(&v, "status.documented").outcome,
            CheckOutcome::Warning
        );
    }
}

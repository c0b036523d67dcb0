//! The checks of a response body: content type, body schema, empty body, example and error
//! shape. Pure: a case and what came back in, verdicts out.

use serde_json::Value;
use similar::{Algorithm, TextDiff};
use std::time::Duration;

use super::{CheckId, Verdict, not_verifiable, verdict};
use crate::model::{Received, SchemaError, Severity};
use crate::plan::{Case, CaseKind};
use crate::spec::{Compiled, ResponseDoc};

/// A request the API does not route at all (another method on the action
/// URI) is answered by the web framework, not by the API: Nova and Trove both
/// answer such requests with their framework's 404 body. Its body is not held
/// to the API's error shape (docs/book/src/conformance-rules.md, "Routing-level answers").
fn routing_level(case: &Case) -> bool {
    case.kind == CaseKind::Negative && !case.request.method.eq_ignore_ascii_case(&case.spec.method)
}

/// The identity layer's 401 (keystonemiddleware, in front of every
/// OpenStack-derived service, and of Huawei Cloud's IAM-fronted APIs):
/// `{"error": {"code": 401, "title": "Unauthorized", "message": …}}`.
fn identity_401(body: &Value) -> bool {
    let Some(e) = body.get("error").and_then(Value::as_object) else {
        return false;
    };
    e.get("code").and_then(Value::as_u64) == Some(401)
        && e.get("message").is_some_and(Value::is_string)
        && e.get("title").is_none_or(Value::is_string)
}

/// The API gateway's answer to a refused AK/SK signature, in front of every
/// Huawei Cloud API: `{"error_code": "APIGW.0301", "error_msg": …}` (Huawei API
/// signing guide, "Error codes").
fn gateway_401(body: &Value) -> bool {
    body.get("error_code")
        .and_then(Value::as_str)
        .is_some_and(|c| c.starts_with("APIG"))
        && body.get("error_msg").is_some_and(Value::is_string)
}

fn is_json_media_type(ct: &str) -> bool {
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// A response body read as JSON: `None` when there is no body.
type Parsed = Option<Result<Value, serde_json::Error>>;

/// Content type, body schema, empty body, example and error shape.
pub fn body_checks(case: &Case, r: &Received) -> Vec<Verdict> {
    let ct = r.header("content-type").unwrap_or("");
    let parsed: Parsed = r.has_body().then(|| serde_json::from_slice(&r.body));
    let mut out: Vec<Verdict> = content_type_check(ct, &parsed, r).into_iter().collect();
    if (200..300).contains(&r.status) {
        // A success the spec does not describe has nothing to compare, and
        // its declared promises are not reported either.
        let Some(doc) = case.spec.responses.get(&r.status) else {
            return out;
        };
        out.extend(success_body_checks(case, r, doc, &parsed, ct));
        out.extend(
            case.not_verifiable
                .iter()
                .map(|nv| not_verifiable(&nv.id, &nv.message)),
        );
    } else if r.status >= 400 && !routing_level(case) {
        out.extend(error_shape_check(case, r, &parsed, ct));
    }
    out
}

/// content_type.json: a JSON body is labelled JSON, and a body labelled JSON
/// parses. Bodies that are neither are left to the schema checks.
fn content_type_check(ct: &str, parsed: &Parsed, r: &Received) -> Option<Verdict> {
    match parsed {
        Some(Ok(_)) => {
            let ok = is_json_media_type(ct);
            let label = if ct.is_empty() {
                "no Content-Type".to_owned()
            } else {
                format!("Content-Type `{ct}`")
            };
            let mut v = verdict(
                CheckId::ContentTypeJson,
                Severity::Must,
                ok,
                if ok {
                    format!("JSON body labelled `{ct}`")
                } else {
                    format!("a JSON body with {label}; it must be labelled application/json")
                },
            );
            v.expected = Some(Value::from("application/json"));
            v.actual = Some(Value::from(ct));
            Some(v)
        }
        Some(Err(e)) if is_json_media_type(ct) => {
            let mut v = verdict(
                CheckId::ContentTypeJson,
                Severity::Must,
                false,
                format!("labelled `{ct}` but the body is not valid JSON: {e}"),
            );
            v.expected = Some(Value::from("a JSON body"));
            v.actual = Some(Value::from(String::from_utf8_lossy(&r.body).into_owned()));
            Some(v)
        }
        _ => None,
    }
}

/// body.schema, body.empty and body.example on a documented success.
fn success_body_checks(
    case: &Case,
    r: &Received,
    doc: &ResponseDoc,
    parsed: &Parsed,
    ct: &str,
) -> Vec<Verdict> {
    let mut out = Vec::new();
    if let Some(schema) = &doc.schema {
        out.push(schema_verdict(
            CheckId::BodySchema,
            doc.severity,
            schema,
            parsed,
            &doc.source,
            ct,
        ));
    }
    if doc.empty {
        out.push(empty_body_verdict(r, doc));
    }
    if case.example == Some(r.status)
        && let (Some(example), Some(Ok(actual))) = (&doc.example, parsed)
    {
        out.push(example_verdict(example, actual, &doc.source));
    }
    out
}

/// body.empty: no body where the document gives none.
fn empty_body_verdict(r: &Received, doc: &ResponseDoc) -> Verdict {
    let ok = !r.has_body();
    verdict(
        CheckId::BodyEmpty,
        doc.severity,
        ok,
        if ok {
            format!("no body on {}, as documented", r.status)
        } else {
            format!(
                "a {}-byte body on {}; the document gives none ({})",
                r.body.len(),
                r.status,
                doc.source
            )
        },
    )
}

/// body.error_shape: an error body follows its response's schema, else the
/// spec's `errors` schema; the identity layer's 401 is accepted for every API.
fn error_shape_check(case: &Case, r: &Received, parsed: &Parsed, ct: &str) -> Option<Verdict> {
    let spec = &case.spec;
    if r.status == 401
        && let Some(Ok(body)) = parsed
        && identity_401(body)
    {
        return Some(verdict(
            CheckId::BodyErrorShape,
            Severity::Should,
            true,
            "the identity layer's 401 body {\"error\": {\"code\": 401, …}} (keystonemiddleware), accepted for every API",
        ));
    }
    if r.status == 401
        && let Some(Ok(body)) = parsed
        && gateway_401(body)
    {
        return Some(verdict(
            CheckId::BodyErrorShape,
            Severity::Should,
            true,
            "the API gateway's 401 body {\"error_code\": \"APIGW.…\", \"error_msg\": …} (Huawei API signing guide), accepted for every API",
        ));
    }
    let doc = spec.responses.get(&r.status);
    let (schema, severity, source) =
        match doc.and_then(|d| d.schema.as_ref().map(|s| (s, d.severity, &d.source))) {
            Some(x) => x,
            None => (
                spec.errors.schema.as_ref()?,
                spec.errors.severity,
                &spec.errors.source,
            ),
        };
    Some(schema_verdict(
        CheckId::BodyErrorShape,
        severity,
        schema,
        parsed,
        source,
        ct,
    ))
}

fn schema_verdict(
    id: CheckId,
    severity: Severity,
    schema: &Compiled,
    parsed: &Parsed,
    source: &str,
    ct: &str,
) -> Verdict {
    match parsed {
        None => verdict(
            id,
            severity,
            false,
            format!("no body; the document describes one ({source})"),
        ),
        Some(Err(e)) => {
            let ct = if ct.is_empty() { "no Content-Type" } else { ct };
            verdict(
                id,
                severity,
                false,
                format!("the body is not JSON ({ct}): {e}; expected the shape of {source}"),
            )
        }
        Some(Ok(v)) => {
            if schema.validator.is_valid(v) {
                return verdict(id, severity, true, format!("body matches {source}"));
            }
            let records: Vec<SchemaError> = schema
                .validator
                .iter_errors(v)
                .map(|e| SchemaError {
                    instance_path: e.instance_path().to_string(),
                    schema_path: e.schema_path().to_string(),
                    keyword: e.kind().keyword().to_owned(),
                    message: e.to_string(),
                })
                .collect();
            let details: Vec<String> = records
                .iter()
                .map(|e| {
                    let path = if e.instance_path.is_empty() {
                        "/"
                    } else {
                        e.instance_path.as_str()
                    };
                    format!("{path}: {}", e.message)
                })
                .collect();
            let first = details.first().cloned().unwrap_or_default();
            let more = if details.len() > 1 {
                format!(" (and {} more)", details.len() - 1)
            } else {
                String::new()
            };
            let mut v = verdict(
                id,
                severity,
                false,
                format!("body does not match {source}: {first}{more}"),
            );
            v.details = details;
            v.schema_errors = records;
            v
        }
    }
}

/// Replaces leaf values by their JSON type, keeping the structure.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
        Value::String(_) => Value::String("<string>".into()),
        Value::Number(_) => Value::String("<number>".into()),
        Value::Bool(_) => Value::String("<boolean>".into()),
        Value::Null => Value::Null,
    }
}

/// Fields of `expected` absent from `actual` or of another type.
fn missing(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}/{k}");
                match a.get(k) {
                    Some(av) => missing(ev, av, &p, out),
                    None => out.push(format!("{p}: in the example, missing from the response")),
                }
            }
        }
        (e, a) if e != a => out.push(format!(
            "{}: {} in the example, {} in the response",
            if path.is_empty() { "/" } else { path },
            e,
            a
        )),
        _ => {}
    }
}

/// body.example: the response has the example's fields, with the example's
/// types. Values differ between any two restarts, so they are not compared;
/// the diff shows the shapes.
fn example_verdict(example: &Value, actual: &Value, source: &str) -> Verdict {
    let (e, a) = (shape(example), shape(actual));
    let mut gaps = Vec::new();
    missing(&e, &a, "", &mut gaps);
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    let (et, at) = (pretty(&e), pretty(&a));
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(Duration::from_millis(200))
        .diff_lines(&et, &at)
        .unified_diff()
        .context_radius(3)
        .header("example", "response")
        .to_string();
    let ok = gaps.is_empty();
    let mut v = verdict(
        CheckId::BodyExample,
        Severity::Should,
        ok,
        if ok {
            format!("the response has every field of the document's example ({source})")
        } else {
            format!(
                "the response differs from the document's example ({source}): {}",
                gaps[0]
            )
        },
    );
    v.details = gaps;
    if !diff.is_empty() {
        v.diff = Some(diff);
    }
    v
}

//! `specs export --openapi`: the document validates against the official OpenAPI 3.1 schema
//! (a copy in `fixtures/openapi/schema.json`, `$id` .../oas/3.1/schema/2022-10-07) and holds
//! every spec's action and status operations.

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::common::builtin;
use restart_conformance::openapi;

fn oas_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string("fixtures/openapi/schema.json").unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        schema["$id"], "https://spec.openapis.org/oas/3.1/schema/2022-10-07",
        "the fixture is the official 2022-10-07 schema"
    );
    // Its `$schema` is draft 2020-12 and its `$ref`s are internal: nothing is fetched.
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn export_validates_against_the_openapi_3_1_schema() {
    let doc = openapi::export(&builtin());
    let validator = oas_validator();
    let errs = errors(&validator, &doc);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    assert_eq!(doc["openapi"], "3.1.0");
}

#[test]
fn the_validator_refuses_a_broken_document() {
    let validator = oas_validator();
    let good = openapi::export(&builtin());
    // One change each: a path without its leading slash, a response without a description,
    // an unknown top-level key, no info.
    let mut no_slash = good.clone();
    let paths = no_slash["paths"].as_object_mut().unwrap();
    let (key, item) = paths
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap();
    paths.remove(&key);
    paths.insert(key.trim_start_matches('/').to_owned(), item);
    let mut no_description = good.clone();
    let first = no_description["paths"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap();
    let op = first.as_object_mut().unwrap().values_mut().next().unwrap();
    let response = op["responses"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap();
    response.as_object_mut().unwrap().remove("description");
    let mut unknown = good.clone();
    unknown["paths_typo"] = json!({});
    let mut no_info = good.clone();
    no_info.as_object_mut().unwrap().remove("info");
    for (what, doc) in [
        ("no slash", no_slash),
        ("no description", no_description),
        ("unknown key", unknown),
        ("no info", no_info),
    ] {
        assert!(
            !errors(&validator, &doc).is_empty(),
            "{what} must be refused"
        );
    }
}

#[test]
fn every_spec_operation_and_status_is_exported() {
    let specs = builtin();
    let doc = openapi::export(&specs);
    let paths = doc["paths"].as_object().unwrap();
    let mut operation_ids = Vec::new();
    for spec in &specs.specs {
        for uri in &spec.uris {
            let key = format!("/{}{}", spec.api, uri.path);
            let op = &paths.get(&key).unwrap_or_else(|| panic!("{key} missing"))
                [spec.method.to_ascii_lowercase()];
            assert_eq!(op["tags"], json!([spec.api]), "{key}");
            assert_eq!(op["description"], json!(uri.source), "{key}");
            assert_eq!(op["security"], json!([{ "X-Auth-Token": [] }]), "{key}");
            for status in spec.responses.keys() {
                assert!(
                    op["responses"].get(status.to_string()).is_some(),
                    "{key} {status}"
                );
            }
            for (status, doc) in &spec.responses {
                let content = &op["responses"][status.to_string()]["content"];
                assert_eq!(
                    content.is_null(),
                    doc.empty || doc.schema.is_none(),
                    "{key} {status}"
                );
            }
            assert!(
                op["responses"]["default"]["content"].is_object(),
                "{key}: error shape"
            );
            let body = &op["requestBody"]["content"][&spec.content_type]["schema"]["$ref"];
            assert_eq!(
                body,
                &json!(format!("#/components/schemas/{}.request", spec.api))
            );
            operation_ids.push(op["operationId"].as_str().unwrap().to_owned());
        }
        let lifecycle = spec.lifecycle.as_ref().unwrap();
        let key = format!("/{}{}", spec.api, lifecycle.uri.path);
        let get = &paths.get(&key).unwrap_or_else(|| panic!("{key} missing"))["get"];
        assert_eq!(get["description"], json!(lifecycle.source));
        operation_ids.push(get["operationId"].as_str().unwrap().to_owned());
        let request = &doc["components"]["schemas"][format!("{}.request", spec.api)];
        assert_eq!(request, &spec.request_schema.schema, "{}", spec.api);
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["X-Auth-Token"],
        json!({"type": "apiKey", "in": "header", "name": "X-Auth-Token",
               "description": doc["components"]["securitySchemes"]["X-Auth-Token"]["description"]})
    );
    let unique: std::collections::BTreeSet<_> = operation_ids.iter().collect();
    assert_eq!(unique.len(), operation_ids.len(), "{operation_ids:?}");
    assert!(operation_ids.contains(&"ecs.v2.1.restart".to_owned()));
    assert!(operation_ids.contains(&"ddm.status".to_owned()));
}

#[test]
fn cli_writes_the_document_to_a_file_or_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["specs", "export", "--openapi"])
        .arg(&file)
        .assert()
        .code(0);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let out = Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["specs", "export", "--openapi", "-", "--specs", "specs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(written, printed);
    assert!(errors(&oas_validator(), &printed).is_empty());
}

#[test]
fn cli_export_of_a_bad_spec_folder_exits_2_with_a_location() {
    let out = Command::cargo_bin("restart-conformance")
        .unwrap()
        .args([
            "specs",
            "export",
            "--openapi",
            "-",
            "--specs",
            "fixtures/specs-bad",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("-->"), "{stderr}");
}

//! Spec loading: the fixtures' base is valid, and cases derived from the schema with no code
//! change. The located errors of the broken fixtures are golden files, one trial each, in
//! `tests/golden.rs`.

use std::path::PathBuf;

use restart_conformance::plan::plan;
use restart_conformance::spec::load_sources;

#[test]
fn the_minimal_spec_the_bad_ones_are_cut_from_is_valid() {
    let path = PathBuf::from("fixtures/specs-mini/mini.yaml");
    let bytes = std::fs::read(&path).unwrap();
    let set = load_sources(vec![(path, bytes)]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.specs[0].api, "mini");
}

/// A spec written here, with a new required field and enum: its negative
/// cases appear with no code change.
#[test]
fn a_new_required_enum_field_yields_its_negative_cases() {
    let text = std::fs::read_to_string("specs/ecs.yaml").unwrap();
    let text = text
        .replace(
            "        required: [type]\n        properties:\n          type: { type: string, enum: [SOFT, HARD] }",
            "        required: [type, reason]\n        properties:\n          type: { type: string, enum: [SOFT, HARD] }\n          reason: { type: string, enum: [maintenance, upgrade] }",
        )
        .replace("  example: { reboot: { type: SOFT } }", "  example: { reboot: { type: SOFT, reason: upgrade } }")
        .replace("body: { reboot: { type: SOFT } }", "body: { reboot: { type: SOFT, reason: upgrade } }")
        .replace("body: { reboot: { type: HARD } }", "body: { reboot: { type: HARD, reason: upgrade } }");
    assert!(
        text.contains("reason: { type: string"),
        "the edit did not apply"
    );
    let set = load_sources(vec![(PathBuf::from("ecs.yaml"), text.into_bytes())])
        .unwrap_or_else(|e| panic!("{e}"));
    let cases = plan(&set);
    for name in [
        "ecs::negative::missing_reboot_reason",
        "ecs::negative::reboot_reason_not_in_enum",
        "ecs::negative::reboot_reason_not_string",
    ] {
        let c = cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name}"));
        let body: serde_json::Value =
            serde_json::from_slice(c.request.body.as_ref().unwrap()).unwrap();
        assert!(
            !set.specs[0].request_schema.validator.is_valid(&body),
            "{name} sends a valid body"
        );
    }
}

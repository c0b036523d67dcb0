//! Spec and target loading: located errors (golden files), and cases derived
//! from the schema with no code change.

use std::path::{Path, PathBuf};

use restart_conformance::endpoint;
use restart_conformance::plan::plan;
use restart_conformance::spec::{SpecError, load_sources};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new("fixtures").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

/// Compares `actual` with the golden `.err` file beside `yaml`; `BLESS=1`
/// rewrites the golden files instead.
fn golden(yaml: &Path, actual: &str, mismatches: &mut Vec<String>) {
    let err = yaml.with_extension("err");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&err, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&err).unwrap_or_default();
    if expected != actual {
        mismatches.push(format!(
            "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
            err.display()
        ));
    }
}

#[test]
fn bad_specs_give_located_errors() {
    let mut mismatches = Vec::new();
    for yaml in fixtures("specs-bad") {
        let bytes = std::fs::read(&yaml).unwrap();
        let rendered = match load_sources(vec![(yaml.clone(), bytes)]) {
            Ok(_) => panic!("{} loaded but is broken on purpose", yaml.display()),
            Err(SpecError::Invalid(errors)) => {
                for e in &errors {
                    assert!(
                        e.render().contains(&yaml.display().to_string()),
                        "{} names no file:\n{}",
                        yaml.display(),
                        e.render()
                    );
                }
                errors
                    .iter()
                    .map(|e| e.render())
                    .collect::<Vec<_>>()
                    .join("\n\n")
                    + "\n"
            }
            Err(e) => panic!("{}: {e}", yaml.display()),
        };
        golden(&yaml, &rendered, &mut mismatches);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}

#[test]
fn the_minimal_spec_the_bad_ones_are_cut_from_is_valid() {
    let path = PathBuf::from("fixtures/specs-mini/mini.yaml");
    let bytes = std::fs::read(&path).unwrap();
    let set = load_sources(vec![(path, bytes)]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.specs[0].api, "mini");
}

#[test]
fn bad_targets_give_located_errors() {
    let specs = restart_conformance::spec::load_builtin().unwrap();
    // SAFETY of the test: only this test reads this variable.
    // Setting an environment variable is unsafe in edition 2024, so the
    // files name a variable that is simply never set; resolution must fail
    // before reaching it.
    let mut mismatches = Vec::new();
    for yaml in fixtures("targets-bad") {
        let rendered = match endpoint::load_file(&yaml)
            .and_then(|p| endpoint::resolve(p, &specs, None, true))
        {
            Ok(_) => panic!("{} resolved but is broken on purpose", yaml.display()),
            Err(e) => e.to_string() + "\n",
        };
        assert!(
            rendered.contains(&yaml.display().to_string()),
            "{} names no file:\n{rendered}",
            yaml.display()
        );
        golden(&yaml, &rendered, &mut mismatches);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
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

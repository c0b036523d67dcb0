//! Body mutations derived from the request schema.
//!
//! Starting from the spec's full valid example body, each property the schema
//! describes is tried from the wrong side, one at a time: a required property
//! removed, an enum property given a value that is no case variant of an
//! allowed one, a typed property given another JSON type. Optional properties
//! are also removed one at a time, from the right side: those bodies must
//! still succeed. Nothing here is listed by hand, so a new enum value or
//! required field in a spec yields its cases with no code change.

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MutationClass {
    MissingRequired,
    NotInEnum,
    WrongType,
    /// An optional property left out: the body stays valid.
    OptionalOmitted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    pub class: MutationClass,
    /// Case name part, e.g. `missing_reboot_type` or `restart_type_not_in_enum`.
    pub name: String,
    pub body: Value,
    /// What was changed, naming the field and the value sent.
    pub description: String,
}

/// Values tried for an enum, in order; the first that is no case variant of
/// an allowed value is used (OpenStack accepts `soft` for `SOFT`, so a
/// lower-case variant would not be a fair negative).
const ENUM_CANDIDATES: &[&str] = &["MEDIUM", "explode", "not-a-documented-value"];

pub fn body_mutations(schema: &Value, example: &Value) -> Vec<Mutation> {
    let mut out = Vec::new();
    walk(schema, example, &mut Vec::new(), &mut out);
    out
}

fn walk(schema: &Value, example: &Value, path: &mut Vec<String>, out: &mut Vec<Mutation>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, sub) in props {
        path.push(name.clone());
        if get(example, path).is_some() {
            let dotted = path.join(".");
            let snake = path.join("_");
            let removed = remove(example, path);
            if required.contains(&name.as_str()) {
                out.push(Mutation {
                    class: MutationClass::MissingRequired,
                    name: format!("missing_{snake}"),
                    body: removed,
                    description: format!("required property `{dotted}` left out"),
                });
            } else {
                out.push(Mutation {
                    class: MutationClass::OptionalOmitted,
                    name: format!("{snake}_omitted"),
                    body: removed,
                    description: format!("optional property `{dotted}` left out"),
                });
            }
            if let Some(allowed) = sub.get("enum").and_then(Value::as_array)
                && let Some(bad) = outside_enum(allowed)
            {
                let shown: Vec<String> = allowed.iter().map(Value::to_string).collect();
                out.push(Mutation {
                    class: MutationClass::NotInEnum,
                    name: format!("{snake}_not_in_enum"),
                    body: replace(example, path, Value::String(bad.to_owned())),
                    description: format!("`{dotted}` = \"{bad}\" (allowed: {})", shown.join(", ")),
                });
            }
            if let Some(ty) = sub.get("type").and_then(Value::as_str)
                && let Some(wrong) = wrong_type_value(ty, name)
            {
                out.push(Mutation {
                    class: MutationClass::WrongType,
                    name: format!("{snake}_not_{ty}"),
                    description: format!(
                        "`{dotted}` = {wrong} (a {}, not a {ty})",
                        json_type(&wrong)
                    ),
                    body: replace(example, path, wrong),
                });
            }
            walk(sub, example, path, out);
        }
        path.pop();
    }
}

fn outside_enum(allowed: &[Value]) -> Option<&'static str> {
    ENUM_CANDIDATES.iter().copied().find(|c| {
        !allowed
            .iter()
            .any(|a| a.as_str().is_some_and(|s| s.eq_ignore_ascii_case(c)))
    })
}

fn wrong_type_value(ty: &str, name: &str) -> Option<Value> {
    Some(match ty {
        "string" => Value::from(12345),
        "object" | "array" => Value::String(name.to_owned()),
        "integer" | "number" => Value::String("12".to_owned()),
        "boolean" => Value::String("true".to_owned()),
        "null" => Value::from(0),
        _ => return None,
    })
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn get<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| cur.get(k))
}

fn parent_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Map<String, Value>> {
    let (_, parents) = path.split_last()?;
    parents
        .iter()
        .try_fold(v, |cur, k| cur.get_mut(k))?
        .as_object_mut()
}

fn remove(example: &Value, path: &[String]) -> Value {
    let mut body = example.clone();
    if let (Some(obj), Some(last)) = (parent_mut(&mut body, path), path.last()) {
        obj.remove(last);
    }
    body
}

fn replace(example: &Value, path: &[String], value: Value) -> Value {
    let mut body = example.clone();
    if let (Some(obj), Some(last)) = (parent_mut(&mut body, path), path.last()) {
        obj.insert(last.clone(), value);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ecs_schema() -> Value {
        json!({"type":"object","required":["reboot"],"properties":{"reboot":{"type":"object","required":["type"],"properties":{"type":{"type":"string","enum":["SOFT","HARD"]}}}}})
    }

    #[test]
    fn ecs_mutations_cover_every_rule() {
        let m = body_mutations(&ecs_schema(), &json!({"reboot":{"type":"SOFT"}}));
        let names: Vec<_> = m.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "missing_reboot",
                "reboot_not_object",
                "missing_reboot_type",
                "reboot_type_not_in_enum",
                "reboot_type_not_string"
            ]
        );
        let enum_case = &m[3];
        assert_eq!(enum_case.body, json!({"reboot":{"type":"MEDIUM"}}));
        assert!(
            enum_case.description.contains("reboot.type")
                && enum_case.description.contains("MEDIUM")
        );
        assert_eq!(m[1].body, json!({"reboot":"reboot"}));
        assert_eq!(m[4].body, json!({"reboot":{"type":12345}}));
    }

    #[test]
    fn optional_properties_are_omitted_from_the_right_side() {
        let schema = json!({"type":"object","properties":{"restart":{"type":"object","properties":{"type":{"type":"string","enum":["soft","hard"]}}}}});
        let m = body_mutations(&schema, &json!({"restart":{"type":"soft"}}));
        let omitted: Vec<_> = m
            .iter()
            .filter(|m| m.class == MutationClass::OptionalOmitted)
            .map(|m| m.body.clone())
            .collect();
        assert_eq!(omitted, [json!({}), json!({"restart":{}})]);
    }

    #[test]
    fn enum_value_is_no_case_variant_of_an_allowed_one() {
        let allowed = [json!("medium"), json!("soft")];
        assert_eq!(outside_enum(&allowed), Some("explode"));
    }

    proptest::proptest! {
        /// Whatever the enum, every negative body fails the schema and every
        /// omitted-optional body passes it.
        #[test]
        fn negative_bodies_fail_and_optional_bodies_pass(values in proptest::collection::btree_set("[a-zA-Z]{1,8}", 1..5), required in proptest::bool::ANY) {
            let values: Vec<String> = values.into_iter().collect();
            let mut schema = json!({"type":"object","properties":{"x":{"type":"object","properties":{"v":{"type":"string","enum": values}}}}});
            if required {
                schema["required"] = json!(["x"]);
                schema["properties"]["x"]["required"] = json!(["v"]);
            }
            let example = json!({"x":{"v": values[0]}});
            let validator = jsonschema::validator_for(&schema).unwrap();
            proptest::prop_assert!(validator.is_valid(&example));
            for m in body_mutations(&schema, &example) {
                let valid = validator.is_valid(&m.body);
                proptest::prop_assert_eq!(valid, m.class == MutationClass::OptionalOmitted, "{}", m.name);
            }
        }
    }
}

//! Parameter fields ──► JSON Schema: types, required, enums, nesting, and
//! the contradictions between a table and the page's example.

use serde_json::Value;

use super::facts::Field;
use super::fields::json_type;
use super::yaml::{Node, placeholder};

pub fn flow<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Node {
    Node::Flow(items.into_iter().map(Into::into).collect())
}

/// The JSON Schema of a list of fields; `all_required` when the table has no
/// Mandatory column and lists what a response holds.
pub fn schema_of(fields: &[Field], all_required: bool, example: Option<&Value>) -> Node {
    let mut required: Vec<&str> = Vec::new();
    let mut props = Node::map();
    let mut seen: Vec<&str> = Vec::new();
    for x in fields {
        if seen.contains(&x.name.as_str()) {
            continue;
        }
        seen.push(&x.name);
        if x.required.unwrap_or(all_required) {
            required.push(&x.name);
        }
        let ex = example.and_then(|e| e.get(&x.name));
        let mut p = property(x, all_required, ex);
        let again: Vec<String> = fields
            .iter()
            .filter(|y| y.name == x.name)
            .skip(1)
            .map(|y| y.cite.line.to_string())
            .collect();
        if !again.is_empty() {
            p = comment_type(
                p,
                &format!(
                    "contradiction: the page lists `{}` again (line {}); the first row (line {}) is kept",
                    x.name,
                    again.join(", "),
                    x.cite.line
                ),
            );
        }
        props = props.with(&x.name, p);
    }
    let mut node = Node::map().with("type", Node::str("object"));
    if !required.is_empty() {
        node = node.with("required", flow(required));
    }
    if fields.is_empty() {
        return node;
    }
    node.with("properties", props)
}

/// Adds a note to a property's `type`, beside any note it has.
fn comment_type(node: Node, note: &str) -> Node {
    let Node::Map(entries) = node else {
        return node;
    };
    Node::Map(
        entries
            .into_iter()
            .map(|(k, v)| {
                if k != "type" {
                    return (k, v);
                }
                let v = match v {
                    Node::Commented(inner, c) => Node::Commented(inner, format!("{c}; {note}")),
                    other => other.comment(note),
                };
                (k, v)
            })
            .collect(),
    )
}

pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn property(x: &Field, all_required: bool, example: Option<&Value>) -> Node {
    let page_type = x.type_text.as_deref().unwrap_or("");
    let t = if x.children.is_empty() {
        json_type(page_type)
    } else if x.array_of_objects {
        Some("array")
    } else {
        Some("object")
    };
    // "Type: None" for a field that takes `{}`: the page's example gives the type.
    let says_nothing = matches!(
        super::rst::plain(page_type).to_ascii_lowercase().as_str(),
        "none" | "n/a" | "null" | "-" | ""
    );
    if t.is_none()
        && says_nothing
        && let Some(ex) = example
    {
        let kind = json_kind(ex);
        let note = format!(
            "the page gives the type as `{page_type}` (line {}); its example sends {}",
            x.cite.line,
            serde_json::to_string(ex).unwrap_or_default()
        );
        let mut node = Node::map().with("type", Node::str(kind).comment(note));
        if !x.children.is_empty() && kind == "object" {
            let inner = schema_of(&x.children, all_required, Some(ex));
            if let Node::Map(entries) = inner {
                for (k, v) in entries.into_iter().filter(|(k, _)| k != "type") {
                    node = node.with(&k, v);
                }
            }
        }
        return node;
    }
    let Some(t) = t else {
        return Node::map().with(
            "type",
            placeholder(
                &format!(
                    "the JSON type of `{}` (the page says `{page_type}`, line {})",
                    x.name, x.cite.line
                ),
                "write string, integer, number, boolean, object or array",
            ),
        );
    };
    let mut type_node = Node::str(t);
    // Values the page states are kept even where its example contradicts the
    // table's type: the comment below shows both.
    let mut enum_ok = t == "string";
    if let Some(ex) = example {
        let kind = json_kind(ex);
        if kind != t && !(t == "number" && kind == "integer") {
            enum_ok |= kind == "string";
            type_node = type_node.comment(format!(
                "contradiction: {} says `{}` is {page_type} (line {}), but the page's example gives {}",
                x.cite.part,
                x.name,
                x.cite.line,
                serde_json::to_string(ex).unwrap_or_default()
            ));
        }
    }
    let mut node = Node::map().with("type", type_node);
    if !x.enum_values.is_empty() && enum_ok {
        node = node.with("enum", flow(x.enum_values.iter().cloned()));
    }
    if !x.children.is_empty() {
        let inner = schema_of(&x.children, all_required, example.filter(|e| e.is_object()));
        if x.array_of_objects {
            node = node.with("items", inner);
        } else if let Node::Map(entries) = inner {
            for (k, v) in entries.into_iter().filter(|(k, _)| k != "type") {
                node = node.with(&k, v);
            }
        }
    }
    node
}

/// A schema for a body the page shows but does not tabulate: each key of the
/// example, typed as the example types it, required as the example sends it.
pub fn schema_from_example(v: &Value) -> Node {
    match v {
        Value::Object(m) => {
            let mut s = Node::map().with("type", Node::str("object"));
            if !m.is_empty() {
                s = s.with("required", flow(m.keys().cloned()));
                let mut props = Node::map();
                for (k, v) in m {
                    props = props.with(k, schema_from_example(v));
                }
                s = s.with("properties", props);
            }
            s
        }
        other => Node::map().with("type", Node::str(json_kind(other))),
    }
}

/// Every distinct citation of a field tree, in page order.
pub fn cites(fields: &[Field], out: &mut Vec<String>) {
    for x in fields {
        if !out.contains(&x.cite.part) {
            out.push(x.cite.part.clone());
        }
        cites(&x.children, out);
    }
}

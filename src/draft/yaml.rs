//! The draft as YAML: a small ordered tree of nodes, written by serde-saphyr.
//!
//! Keys keep the order of a hand-written spec (the order `specs check` reports
//! errors in), short lists of scalars are written in flow style, and a scalar
//! may carry a comment (a citation note, a contradiction, what a placeholder
//! asks for). Strings stay on one line, so a placeholder is one line that the
//! spec loader can point at.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::spec::file::PLACEHOLDER_OPEN;

/// One node of the draft.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A JSON scalar (string, number, boolean, null).
    Scalar(Value),
    /// A block mapping, in this key order.
    Map(Vec<(String, Node)>),
    /// A block sequence.
    Seq(Vec<Node>),
    /// A flow sequence of scalars: `[200, 400]`.
    Flow(Vec<Value>),
    /// A scalar with an inline comment.
    Commented(Box<Node>, String),
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::Scalar(Value::String(s.into()))
    }

    pub fn map() -> Node {
        Node::Map(Vec::new())
    }

    /// Adds `key: value` to a mapping (no-op on other nodes).
    pub fn with(mut self, key: &str, value: Node) -> Node {
        if let Node::Map(entries) = &mut self {
            entries.push((key.to_owned(), value));
        }
        self
    }

    /// Adds `key: value` when `value` is `Some`.
    pub fn with_opt(self, key: &str, value: Option<Node>) -> Node {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }

    /// The same node with an inline comment; on a collection the comment is
    /// dropped by the writer, so callers put comments on scalars.
    pub fn comment(self, text: impl Into<String>) -> Node {
        Node::Commented(Box::new(self), text.into())
    }

    /// A JSON value as a node: objects as block maps, arrays of scalars in flow style.
    pub fn from_json(v: &Value) -> Node {
        match v {
            Value::Object(m) => Node::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), Node::from_json(v)))
                    .collect(),
            ),
            Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
                Node::Flow(a.clone())
            }
            Value::Array(a) => Node::Seq(a.iter().map(Node::from_json).collect()),
            other => Node::Scalar(other.clone()),
        }
    }

    /// Whether this node or one below it is a placeholder.
    pub fn placeholders(&self) -> usize {
        match self {
            Node::Scalar(Value::String(s)) => usize::from(s.starts_with(PLACEHOLDER_OPEN)),
            Node::Scalar(_) => 0,
            Node::Flow(items) => items
                .iter()
                .filter(|v| v.as_str().is_some_and(|s| s.starts_with(PLACEHOLDER_OPEN)))
                .count(),
            Node::Map(entries) => entries.iter().map(|(_, v)| v.placeholders()).sum(),
            Node::Seq(items) => items.iter().map(Node::placeholders).sum(),
            Node::Commented(inner, _) => inner.placeholders(),
        }
    }
}

/// A placeholder: a value the page does not give, saying what to write and
/// where such facts usually live. `specs check` refuses it where it stands.
pub fn placeholder(what: &str, where_: &str) -> Node {
    Node::str(format!("{PLACEHOLDER_OPEN}{what}; {where_}>"))
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Scalar(v) => v.serialize(s),
            Node::Map(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Node::Seq(items) => {
                let mut q = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    q.serialize_element(i)?;
                }
                q.end()
            }
            Node::Flow(items) => serde_saphyr::FlowSeq(items).serialize(s),
            Node::Commented(inner, c) => {
                serde_saphyr::Commented(inner.as_ref(), c.clone()).serialize(s)
            }
        }
    }
}

/// Writes a draft: a comment header, then the tree.
pub fn to_yaml(header: &[String], root: &Node) -> Result<String, serde_saphyr::SerializeError> {
    let opts = serde_saphyr::ser_options! {
        prefer_block_scalars: false,
    };
    let body = serde_saphyr::to_string_with_options(root, opts)?;
    let mut out = String::new();
    for line in header {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&body);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comments_flow_lists_and_placeholders_are_written() {
        let root = Node::map()
            .with("api", Node::str("ddm"))
            .with("codes", Node::from_json(&json!([200, 400])))
            .with(
                "schema",
                Node::from_json(&json!({"type": "object", "required": ["a"]})),
            )
            .with("type", Node::str("string").comment("the example says {}"))
            .with(
                "uri",
                placeholder("the status URI", "usually the details page"),
            );
        let text = to_yaml(&["a draft".into()], &root).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.starts_with("# a draft\napi: ddm\n"), "{text}");
        assert!(text.contains("codes: [200, 400]"), "{text}");
        assert!(
            text.contains("type: string # the example says {}"),
            "{text}"
        );
        assert!(
            text.contains("uri: \"<FILL IN: the status URI; usually the details page>\"")
                || text.contains("uri: '<FILL IN: the status URI; usually the details page>'"),
            "{text}"
        );
        assert_eq!(root.placeholders(), 1);
        let back: serde_json::Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back["schema"]["required"], json!(["a"]));
    }
}

//! What a run expects that the page may or may not say: the lifecycle, the
//! refusal of a concurrent restart, the positive cases and the answer to each
//! class of negative case. Each is drafted from the page where it says so, and
//! is a placeholder naming where such facts usually live where it does not.

use serde_json::{Value, json};

use super::build::{Ctx, WHERE_DETAILS};
use super::facts::Field;
use super::schema::flow;
use super::yaml::{Node, placeholder};

impl Ctx<'_> {
    pub(super) fn lifecycle(&self) -> Node {
        let (restarting, steady, severity) = match &self.f.states {
            Some(s) => (
                flow(s.restarting.iter().cloned()),
                flow(s.steady.iter().cloned()),
                Node::str("must").comment(format!(
                    "the page names the states ({}, line {})",
                    s.cite.part, s.cite.line
                )),
            ),
            None => (
                placeholder(
                    "the states the resource shows while it restarts (such as [REBOOT])",
                    WHERE_DETAILS,
                ),
                placeholder(
                    "the states of a resource at rest (such as [ACTIVE])",
                    WHERE_DETAILS,
                ),
                Node::str("should"),
            ),
        };
        Node::map()
            .with(
                "uri",
                placeholder("the status URI (GET) of the restarted resource, with the action URI's variables", WHERE_DETAILS),
            )
            .with(
                "pointer",
                placeholder("the JSON pointer to the state in that response body (such as /instance/status)", WHERE_DETAILS),
            )
            .with("restarting", restarting)
            .with("steady", steady)
            .with("severity", severity)
            .with("source", placeholder("where the status URI and its states are documented", "cite that page"))
    }

    pub(super) fn concurrent(&self, example: Option<&Value>) -> Node {
        let body = example.map_or_else(
            || placeholder("the body of both restarts", "the request example"),
            Node::from_json,
        );
        Node::map()
            .with("body", body)
            .with(
                "expect",
                placeholder(
                    "the codes that refuse a second restart while one runs (such as [409] or [4xx])",
                    "usually on the Error Codes page, or the restart page's status table",
                ),
            )
            .with("severity", Node::str("should"))
            .with("source", placeholder("where the refusal is documented", "cite that page"))
    }

    pub(super) fn cases(&self, example: Option<&Value>, success: Option<u16>) -> Node {
        let expect = match success {
            Some(c) => Node::map().with("status", flow([c])),
            None => Node::map().with(
                "status",
                placeholder(
                    "the code of a successful restart; the page states none",
                    "usually the Status Codes section",
                ),
            ),
        };
        let with_example = match success {
            Some(c) => self
                .f
                .responses
                .iter()
                .any(|r| {
                    r.status == Some(c) && r.example.as_ref().is_some_and(|e| e.body.is_some())
                })
                .then(|| Node::Scalar(json!(c))),
            None => self
                .f
                .responses
                .iter()
                .any(|r| r.status.is_none() && r.example.as_ref().is_some_and(|e| e.body.is_some()))
                .then(|| {
                    placeholder(
                        "the status whose example the response is compared with",
                        "the success code",
                    )
                }),
        };
        let ex_cite = self
            .f
            .request_example
            .as_ref()
            .map(|e| e.cite.part.clone())
            .unwrap_or_else(|| "request".into());
        let Some(example) = example else {
            return Node::Seq(vec![
                Node::map()
                    .with("name", Node::str("restart"))
                    .with(
                        "body",
                        placeholder("a valid restart body", "the request example"),
                    )
                    .with("expect", expect)
                    .with(
                        "source",
                        placeholder("where the restart body is documented", "cite it"),
                    ),
            ]);
        };
        let mut cases = Vec::new();
        let top = example
            .as_object()
            .and_then(|m| m.keys().next())
            .cloned()
            .unwrap_or_else(|| "restart".into());
        match enum_path(&self.f.body, &mut Vec::new()) {
            Some((path, field)) => {
                for v in &field.enum_values {
                    let mut body = example.clone();
                    set_path(&mut body, &path, Value::String(v.clone()));
                    let name = if field.enum_values.len() > 1 {
                        format!("{top}_{}", slug(v))
                    } else {
                        slug(v)
                    };
                    // Values that differ only in punctuation (`a-b`, `a_b`) get distinct names.
                    let taken = |n: &str| {
                        cases.iter().any(|c: &Node| matches!(c, Node::Map(e) if e.first().is_some_and(|(_, v)| *v == Node::str(n))))
                    };
                    let mut name = name;
                    let mut k = 2;
                    while taken(&name) {
                        name = format!(
                            "{}_{k}",
                            name.trim_end_matches(|c: char| c.is_ascii_digit())
                                .trim_end_matches('_')
                        );
                        k += 1;
                    }
                    cases.push(self.case(
                        &name,
                        &body,
                        &expect,
                        with_example.clone(),
                        &format!("{} ({}: {v})", field.cite.part, field.name),
                    ));
                }
            }
            None => cases.push(self.case(&slug(&top), example, &expect, with_example, &ex_cite)),
        }
        Node::Seq(cases)
    }

    fn case(
        &self,
        name: &str,
        body: &Value,
        expect: &Node,
        example: Option<Node>,
        part: &str,
    ) -> Node {
        Node::map()
            .with("name", Node::str(name))
            .with("body", Node::from_json(body))
            .with("expect", expect.clone())
            .with_opt("example", example)
            .with("source", self.src_text(part))
    }

    pub(super) fn negative(&self) -> Node {
        let row = |code: u16| self.f.statuses.iter().find(|s| s.code == code);
        let cite_row = |code: u16| {
            let cite = self.f.statuses_cite.clone().unwrap_or_default();
            let text = row(code).map(|r| r.text.clone()).unwrap_or_default();
            self.src_text(&format!("{} ({code} {})", cite.part, text.trim()))
        };
        let unnamed = |class: &str, hint: &str| {
            Node::map().with(
                "status",
                placeholder(
                    &format!("the expected code of `{class}` ({hint}); the page names none"),
                    "the vendor's general Status Codes page, or [4xx] for \"must not succeed\"",
                ),
            )
        };
        let exact = |code: u16| {
            Node::map()
                .with("status", flow([code]))
                .with("source", cite_row(code))
        };
        let mut n = Node::map();
        for (class, hint) in [
            ("missing_required", "a required property left out"),
            ("wrong_type", "a property of another JSON type"),
            ("not_in_enum", "a value outside an enumeration"),
            ("malformed_json", "a body that is not JSON"),
        ] {
            n = n.with(
                class,
                if row(400).is_some() {
                    exact(400)
                } else {
                    unnamed(class, hint)
                },
            );
        }
        n = n.with(
            "media_type",
            if row(415).is_some() {
                exact(415)
            } else {
                unnamed("media_type", "a text/plain body")
            },
        );
        n = n.with(
            "no_token",
            if row(401).is_some() {
                exact(401)
            } else {
                unnamed("no_token", "no token header")
            },
        );
        n = n.with(
            "unknown_id",
            if row(404).is_some() {
                exact(404)
            } else {
                unnamed("unknown_id", "an unknown resource id")
            },
        );
        let method = if row(405).is_some() {
            Node::map()
                .with("status", flow(["4xx"]))
                .with("preferred", flow([405]))
                .with("source", cite_row(405))
        } else {
            unnamed("method", "GET, PUT or DELETE on the action URI")
        };
        n.with("method", method)
    }
}

/// The first field (depth first) with an enumeration, and its path.
fn enum_path<'a>(
    fields: &'a [Field],
    prefix: &mut Vec<String>,
) -> Option<(Vec<String>, &'a Field)> {
    for x in fields {
        prefix.push(x.name.clone());
        if !x.enum_values.is_empty() && x.children.is_empty() {
            return Some((prefix.clone(), x));
        }
        if let Some(found) = enum_path(&x.children, prefix) {
            return Some(found);
        }
        prefix.pop();
    }
    None
}

fn set_path(v: &mut Value, path: &[String], new: Value) {
    let mut cur = v;
    for (i, key) in path.iter().enumerate() {
        if !cur.is_object() {
            *cur = json!({});
        }
        let Some(map) = cur.as_object_mut() else {
            return;
        };
        if i + 1 == path.len() {
            map.insert(key.clone(), new);
            return;
        }
        cur = map.entry(key.clone()).or_insert_with(|| json!({}));
    }
}

fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        "restart".into()
    } else {
        out
    }
}

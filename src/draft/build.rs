//! Facts ──► the draft: one function per part of a spec, in file order.
//!
//! Every value drafted here comes from the page, with a `source` naming the
//! document and the table or section. What the page does not say becomes a
//! placeholder that says what to write and where such facts usually live.
//! Shapes the spec format cannot hold are returned as [`Unsupported`], and
//! nothing is drafted for them.

use serde_json::{Value, json};

use super::facts::{Cite, Facts, Field, MethodLine, Response, Unsupported};
use super::schema::{cites, flow, schema_from_example, schema_of};
use super::yaml::{Node, placeholder};

/// Variables that scope a path (project, account, version) rather than name
/// the restarted resource.
const SCOPE_VARS: [&str; 8] = [
    "project_id",
    "tenant_id",
    "accountid",
    "account_id",
    "version",
    "domain_id",
    "projectid",
    "tenantid",
];

/// Where facts a reference page leaves out usually live, for placeholders.
pub(super) const WHERE_DETAILS: &str =
    "usually on the service's \"query instance details\" (show) page and its status table";
const WHERE_ERRORS: &str =
    "usually on the vendor's Error Codes, Faults or general Status Codes page";

pub(super) struct Ctx<'a> {
    pub(super) doc: &'a str,
    pub(super) f: &'a Facts,
}

impl Ctx<'_> {
    pub(super) fn src(&self, cite: &Cite) -> Node {
        Node::str(format!("{}, {}", self.doc, cite.part))
    }
    pub(super) fn src_text(&self, part: &str) -> Node {
        Node::str(format!("{}, {part}", self.doc))
    }
}

/// The draft of the page's one operation, or why the spec format cannot hold it.
pub fn build(f: &Facts, doc: &str, api: &str) -> Result<Node, Vec<Unsupported>> {
    let cx = Ctx { doc, f };
    let mut unsupported = f.unsupported.clone();
    let uris = operation(f, &mut unsupported);
    let resource = uris.first().and_then(|m| resource_var(&m.path));
    if let Some(first) = uris.first()
        && resource.is_none()
    {
        let mut what = format!(
            "the path `{}` names no resource: the spec format restarts one resource named in the path",
            first.path
        );
        if let Some(id) = id_field(&f.body) {
            what = format!(
                "the resource id is in the request body (`{}`, line {}), as in a batch restart; the spec format names the resource in the path",
                id.name, id.cite.line
            );
        }
        unsupported.push(Unsupported {
            what,
            line: first.cite.line,
        });
    }
    if let Some(sel) = f.body.iter().find(|x| {
        matches!(x.name.as_str(), "action" | "operation" | "op") && x.enum_values.len() > 1
    }) {
        unsupported.push(Unsupported {
            what: format!(
                "one endpoint doing several operations (`{}`: {}); the spec format holds one restart operation",
                sel.name,
                sel.enum_values.join(", ")
            ),
            line: sel.cite.line,
        });
    }
    if !unsupported.is_empty() {
        unsupported.sort_by_key(|u| u.line);
        return Err(unsupported);
    }
    let (Some(resource), Some(first)) = (resource, uris.first()) else {
        return Err(vec![Unsupported {
            what: "no method and path".into(),
            line: 1,
        }]);
    };
    let success = success_code(f);
    let example = f.request_example.as_ref().and_then(|e| e.body.clone());
    let root = Node::map()
        .with("api", Node::str(api))
        .with(
            "title",
            Node::str(f.title.clone().unwrap_or_else(|| api.to_owned())),
        )
        .with("document", Node::str(doc))
        .with("method", Node::str(first.method.clone()))
        .with("uris", cx.uris(&uris))
        .with("vars", cx.vars(first, &resource))
        .with("headers", cx.headers())
        .with("request", cx.request(example.as_ref()))
        .with("statuses", cx.statuses())
        .with("responses", cx.responses())
        .with("errors", cx.errors())
        .with("lifecycle", cx.lifecycle())
        .with("concurrent", cx.concurrent(example.as_ref()))
        .with("cases", cx.cases(example.as_ref(), success))
        .with("negative", cx.negative());
    Ok(root)
}

/// `/v2.1/x` ──► `/x`: URIs that differ only in their version are one operation.
fn unversioned(path: &str) -> &str {
    let rest = path.trim_start_matches('/');
    match rest.split_once('/') {
        Some((first, tail))
            if first.starts_with('v')
                && first[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
                && first.len() > 1 =>
        {
            &path[path.len() - tail.len() - 1..]
        }
        _ => path,
    }
}

/// The operation's URIs, or what stops it from being one operation.
fn operation(f: &Facts, unsupported: &mut Vec<Unsupported>) -> Vec<MethodLine> {
    let Some(first) = f.methods.first() else {
        unsupported.push(Unsupported {
            what: "no method and path (a line such as `POST /v1/{project_id}/instances/{instance_id}/action`)".into(),
            line: 1,
        });
        return Vec::new();
    };
    let mut uris = vec![first.clone()];
    for m in &f.methods[1..] {
        if uris
            .iter()
            .any(|u| u.method == m.method && u.path == m.path)
        {
            unsupported.push(Unsupported {
                what: format!(
                    "one endpoint doing several operations: `{} {}` is documented again (first at line {})",
                    m.method, m.path, first.cite.line
                ),
                line: m.cite.line,
            });
        } else if m.method == first.method && unversioned(&m.path) == unversioned(&first.path) {
            uris.push(m.clone());
        } else {
            unsupported.push(Unsupported {
                what: format!(
                    "several operations on one page: `{} {}` after `{} {}` (line {}); draft each operation from a page of its own",
                    m.method, m.path, first.method, first.path, first.cite.line
                ),
                line: m.cite.line,
            });
        }
    }
    uris
}

/// `{name}` variables of a path, in order.
pub fn path_vars(path: &str) -> Vec<String> {
    let mut vars: Vec<String> = Vec::new();
    for v in path
        .split('{')
        .skip(1)
        .filter_map(|p| p.split_once('}').map(|(v, _)| v.to_owned()))
    {
        if !vars.contains(&v) {
            vars.push(v);
        }
    }
    vars
}

/// The last path variable that is not a scope (project, account, version).
fn resource_var(path: &str) -> Option<String> {
    path_vars(path)
        .into_iter()
        .rev()
        .find(|v| !SCOPE_VARS.contains(&v.to_ascii_lowercase().as_str()))
}

/// A body field that holds resource ids (`instance_ids`, `servers[].id`).
fn id_field(fields: &[Field]) -> Option<&Field> {
    for x in fields {
        let n = x.name.to_ascii_lowercase();
        let snake = n == "id" || n == "ids" || n.ends_with("_id") || n.ends_with("_ids");
        let camel = x.name.ends_with("Id") || x.name.ends_with("Ids");
        if snake || camel {
            return Some(x);
        }
        if let Some(inner) = id_field(&x.children) {
            return Some(inner);
        }
    }
    None
}

/// The success code the page gives: its table's one 2xx, else the 2xx of a documented response.
fn success_code(f: &Facts) -> Option<u16> {
    let table: Vec<u16> = f
        .statuses
        .iter()
        .map(|s| s.code)
        .filter(|c| (200..300).contains(c))
        .collect();
    if table.len() == 1 {
        return table.first().copied();
    }
    f.responses
        .iter()
        .filter_map(|r| r.status)
        .find(|c| (200..300).contains(c))
}

/// ", its responses name 202" when the page gives codes outside a table.
fn named_codes(f: &Facts) -> String {
    let codes: Vec<String> = f
        .responses
        .iter()
        .filter_map(|r| r.status)
        .map(|c| c.to_string())
        .collect();
    if codes.is_empty() {
        String::new()
    } else {
        format!(", its responses name {}", codes.join(", "))
    }
}

impl Ctx<'_> {
    fn uris(&self, uris: &[MethodLine]) -> Node {
        // The URI the example request uses is the primary one; else the first.
        let first_seg = |p: &str| {
            p.trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("")
                .to_owned()
        };
        let target = self
            .f
            .request_example
            .as_ref()
            .and_then(|e| e.target.as_deref());
        let primary = target
            .and_then(|t| uris.iter().position(|u| first_seg(&u.path) == first_seg(t)))
            .unwrap_or(0);
        let several = uris.len() > 1;
        Node::Seq(
            uris.iter()
                .enumerate()
                .map(|(i, u)| {
                    let id = if several {
                        u.path
                            .trim_start_matches('/')
                            .split('/')
                            .next()
                            .unwrap_or("action")
                            .to_owned()
                    } else {
                        "action".to_owned()
                    };
                    let source = if several {
                        self.src_text(&format!("{} ({} {})", u.cite.part, u.method, u.path))
                    } else {
                        self.src(&u.cite)
                    };
                    let mut n = Node::map()
                        .with("id", Node::str(id))
                        .with("path", Node::str(u.path.clone()));
                    if i == primary {
                        n = n.with("primary", Node::Scalar(json!(true)));
                    }
                    n.with("source", source)
                })
                .collect(),
        )
    }

    fn vars(&self, first: &MethodLine, resource: &str) -> Node {
        let mut vars = Node::map();
        for v in path_vars(&first.path) {
            let row = self.f.uri_params.iter().find(|p| p.name == v);
            let source = match row {
                Some(r) => self.src(&r.cite),
                None => self.src(&first.cite),
            };
            let mut n = Node::map().with("from", Node::str("target"));
            if v == resource {
                n = n.with("resource", Node::Scalar(json!(true)));
            }
            vars = vars.with(&v, n.with("source", source));
        }
        vars
    }

    fn headers(&self) -> Node {
        let mut list = Vec::new();
        let is_auth = |n: &str| {
            n.eq_ignore_ascii_case("x-auth-token") || n.eq_ignore_ascii_case("authorization")
        };
        for h in &self.f.headers {
            let required = h.required.unwrap_or(false);
            let part = match h.required {
                Some(true) => format!("{} (Mandatory: Yes)", h.cite.part),
                Some(false) => format!("{} (Mandatory: No)", h.cite.part),
                None => h.cite.part.clone(),
            };
            let mut n = Node::map()
                .with("name", Node::str(h.name.clone()))
                .with("required", Node::Scalar(json!(required)));
            if is_auth(&h.name) {
                n = n.with("auth", Node::Scalar(json!(true)));
            }
            list.push(n.with("source", self.src_text(&part)));
        }
        if !list.is_empty() {
            return Node::Seq(list);
        }
        if let Some(ex) = &self.f.request_example
            && let Some((name, _)) = ex.headers.iter().find(|(k, _)| is_auth(k))
        {
            let row401 = if self.f.statuses.iter().any(|s| s.code == 401) {
                " and 401 row"
            } else {
                ""
            };
            list.push(
                Node::map()
                    .with("name", Node::str(name.clone()))
                    .with("required", Node::Scalar(json!(true)))
                    .with("auth", Node::Scalar(json!(true)))
                    .with(
                        "source",
                        self.src_text(&format!("{} ({name}){row401}", ex.cite.part)),
                    ),
            );
            return Node::Seq(list);
        }
        Node::Seq(vec![
            Node::map()
                .with(
                    "name",
                    placeholder(
                        "the header that carries the token (such as X-Auth-Token); the page names none",
                        "usually on the vendor's \"Making an API Request\" or authentication page",
                    ),
                )
                .with("required", Node::Scalar(json!(true)))
                .with("auth", Node::Scalar(json!(true)))
                .with(
                    "source",
                    placeholder("where the token header is documented", "cite that page"),
                ),
        ])
    }

    fn request(&self, example: Option<&Value>) -> Node {
        let f = self.f;
        let ex_headers = f
            .request_example
            .as_ref()
            .map(|e| e.headers.as_slice())
            .unwrap_or_default();
        let content_type = ex_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| Node::str(v.clone()))
            .or_else(|| {
                // A Content-Type row of the header table that names its value.
                let row = f
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-type"))?;
                let media = row
                    .description
                    .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '*')
                    .find(|w| w.contains('/') && w.split('/').all(|p| !p.is_empty()))?
                    .trim_end_matches('.');
                Some(Node::str(media).comment(format!("{}, line {}", row.cite.part, row.cite.line)))
            })
            .unwrap_or_else(|| {
                Node::str("application/json")
                    .comment("the page's request body is JSON; it names no media type")
            });
        let mut parts = Vec::new();
        cites(&f.body, &mut parts);
        let (schema, source) = if !f.body.is_empty() {
            (schema_of(&f.body, false, example), parts.join(" and "))
        } else if let Some(ex) = example {
            let part = f
                .request_example
                .as_ref()
                .map(|e| e.cite.part.clone())
                .unwrap_or_default();
            (schema_from_example(ex), part)
        } else {
            (
                Node::from_json(&json!({"type": "object"})),
                "no request body documented".into(),
            )
        };
        let mut source = self.src_text(&source);
        if let (Some(nb), Some(_)) = (&f.no_body, example) {
            source = source.comment(format!(
                "contradiction: the page says \"{}\" (line {}), yet its example request sends a body; the schema follows the example",
                nb.part, nb.line
            ));
        } else if f.body.is_empty() && example.is_some() {
            source = source.comment(
                "no parameter table: the schema is the example's keys and types, each required",
            );
        }
        let example = match example {
            Some(v) => Node::from_json(v),
            None if f.no_body.is_some() && f.body.is_empty() => Node::from_json(&json!({})),
            None => placeholder(
                "a full valid request body (every property present); the page gives no example",
                "negative cases are derived from it",
            ),
        };
        Node::map()
            .with("content_type", content_type)
            .with("source", source)
            .with("schema", schema)
            .with("example", example)
    }

    fn general(&self) -> Option<Node> {
        let g = self.f.general_ref.as_ref()?;
        Some(
            Node::map()
                .with(
                    "codes",
                    placeholder(
                        &format!(
                            "the codes of the shared page the document refers to ({}, line {})",
                            g.part, g.line
                        ),
                        "copy them from that page, such as the vendor's Appendix: Status Codes",
                    ),
                )
                .with("source", self.src(g)),
        )
    }

    fn statuses(&self) -> Node {
        let f = self.f;
        let named: Vec<u16> = f.responses.iter().filter_map(|r| r.status).collect();
        let node = if f.statuses.is_empty() && !named.is_empty() {
            // No status table, but the page gives its responses under their codes.
            let parts: Vec<String> = f
                .responses
                .iter()
                .filter(|r| r.status.is_some())
                .filter_map(|r| {
                    r.fields_cite
                        .as_ref()
                        .or(r.example.as_ref().map(|e| &e.cite))
                })
                .map(|c| c.part.clone())
                .collect();
            Node::map()
                .with("codes", flow(named))
                .with("source", self.src_text(&parts.join(" and ")))
        } else if f.statuses.is_empty() {
            let source = match &f.general_ref {
                Some(g) => self.src_text(&format!("no status table of its own; {}", g.part)),
                None => placeholder(
                    "where the operation's status codes are documented",
                    WHERE_ERRORS,
                ),
            };
            Node::map()
                .with(
                    "codes",
                    placeholder(
                        &format!(
                            "the operation's status codes (at least its success code); the page has no status table{}",
                            named_codes(f)
                        ),
                        "usually in the page's Status Codes section or the vendor's general page",
                    ),
                )
                .with("source", source)
        } else {
            let cite = f.statuses_cite.clone().unwrap_or_default();
            Node::map()
                .with("codes", flow(f.statuses.iter().map(|s| s.code)))
                .with("source", self.src(&cite))
        };
        node.with_opt("general", self.general())
    }

    fn response(&self, r: &Response) -> Node {
        let status = match r.status {
            Some(c) => Node::Scalar(json!(c)),
            None => placeholder(
                "the status code of this response; the page gives its body but not its code",
                "usually in the Status Codes section or the example response",
            ),
        };
        let mut n = Node::map().with("status", status);
        if r.empty.is_some() {
            n = n
                .with("empty", Node::Scalar(json!(true)))
                .with("severity", Node::str("should"));
        }
        let ex_body = r.example.as_ref().and_then(|e| e.body.as_ref());
        if !r.fields.is_empty() {
            n = n.with("schema", schema_of(&r.fields, true, ex_body));
        }
        if let Some(b) = ex_body {
            n = n.with("example", Node::from_json(b));
        }
        let cite = r
            .fields_cite
            .as_ref()
            .or(r.empty.as_ref())
            .or(r.example.as_ref().map(|e| &e.cite))
            .cloned()
            .unwrap_or_default();
        let mut part = cite.part.clone();
        if let (Some(e), Some(_)) = (&r.example, &r.fields_cite)
            && e.body.is_some()
        {
            part = format!("{part}; {}", e.cite.part);
        }
        n.with("source", self.src_text(&part))
    }

    fn responses(&self) -> Node {
        let mut list: Vec<&Response> = self
            .f
            .responses
            .iter()
            .filter(|r| {
                !r.fields.is_empty()
                    || r.empty.is_some()
                    || r.example.as_ref().is_some_and(|e| e.body.is_some())
            })
            .collect();
        list.sort_by_key(|r| r.status.unwrap_or(u16::MAX));
        Node::Seq(list.into_iter().map(|r| self.response(r)).collect())
    }

    fn errors(&self) -> Node {
        let errs: Vec<&Response> = self
            .f
            .responses
            .iter()
            .filter(|r| r.status.is_some_and(|c| c >= 400) && !r.fields.is_empty())
            .collect();
        let shapes: Vec<Node> = errs
            .iter()
            .map(|r| schema_of(&r.fields, true, None))
            .collect();
        let same = shapes.windows(2).all(|w| w[0] == w[1]);
        if let (Some(first), true) = (shapes.first(), same) {
            let tables: Vec<String> = errs
                .iter()
                .filter_map(|r| r.fields_cite.as_ref().map(|c| c.part.clone()))
                .collect();
            return Node::map()
                .with("severity", Node::str("should"))
                .with("schema", first.clone())
                .with(
                    "source",
                    self.src_text(&format!(
                        "{} (error shape of documented errors)",
                        tables.join(" and ")
                    )),
                );
        }
        Node::map()
            .with("severity", Node::str("should"))
            .with(
                "schema",
                placeholder(
                    "the JSON Schema of the API's error body; the page gives none",
                    WHERE_ERRORS,
                ),
            )
            .with(
                "source",
                placeholder("where the error shape is documented", "cite that page"),
            )
    }
}

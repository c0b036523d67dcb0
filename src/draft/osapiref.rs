//! OpenStack os-api-ref `.inc` sections: `.. rest_method::`,
//! `.. rest_status_code::` lists (or "Normal/Error response codes:" lines,
//! which may go on over several lines and name two codes in one fault, as in
//! `computeFault(400, 500)`), `.. rest_parameters::` lists resolved in a
//! `parameters.yaml` when given (`--parameters`), inline JSON examples. A
//! dotted parameter name (`reboot.type`) is a property of the object before
//! the dot; without the parameters file, a name the method's path holds as
//! `{name}` is a path parameter, not a body field.

use std::path::Path;

use serde_json::{Map, Value};

use super::facts::{Cite, Example, Facts, Field, MethodLine, StatusRow};
use super::fields::{enum_values, json_in, method_line, nest};
use super::huawei::response_for;
use super::input::read_page;
use super::rst;
use crate::yaml::Located;

pub const FORMAT: &str = "OpenStack os-api-ref (.inc)";

/// `parameters.yaml`: key ──► `{ in, required, type, description }`.
pub type Parameters = Map<String, Value>;

pub fn detect(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with(".. rest_method::") || t.starts_with(".. rest_parameters::")
    })
}

/// Reads a `parameters.yaml` (bounded, as pages are).
pub fn load_parameters(path: &Path) -> Result<Parameters, super::DraftError> {
    let text = read_page(path)?;
    let opts = serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_aliases: 100, max_depth: 32, max_nodes: 500_000, max_documents: 1 },
    };
    serde_saphyr::from_str_with_options::<Parameters>(&text, opts).map_err(|e| {
        let pos = e
            .location()
            .map(|l| crate::yaml::Pos::from_saphyr(&l))
            .filter(|p| p.line > 0);
        Located::new(path, &text, pos, "cannot read the parameters file")
            .label(e.without_snippet().to_string().lines().next().unwrap_or("").to_owned())
            .help("give an os-api-ref parameters.yaml: a mapping of keys to { in, required, type, description }")
            .into()
    })
}

fn codes_in(line: &str) -> Vec<u16> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|d| d.len() == 3)
        .filter_map(|d| d.parse().ok())
        .filter(|c| (100..600).contains(c))
        .collect()
}

/// What the reader carries from line to line: the codes of success seen so far.
struct State<'a> {
    lines: Vec<&'a str>,
    secs: Vec<rst::Section>,
    success: Vec<u16>,
}

impl State<'_> {
    fn section(&self, i: usize) -> String {
        rst::section_at(&self.secs, i)
            .map(|s| s.title.to_ascii_lowercase())
            .unwrap_or_default()
    }
    fn section_title(&self, i: usize) -> &str {
        rst::section_at(&self.secs, i).map_or("", |s| s.title.as_str())
    }
}

pub fn read(text: &str, params: Option<&Parameters>) -> Facts {
    let lines: Vec<&str> = text.lines().collect();
    let secs = rst::sections(&lines);
    let mut f = Facts {
        format: FORMAT,
        title: secs.first().map(|s| s.title.clone()),
        ..Facts::default()
    };
    if params.is_none() {
        f.notes.push("No parameters.yaml was given: parameter types are placeholders (pass --parameters FILE).".into());
    }
    let mut st = State {
        lines,
        secs,
        success: Vec::new(),
    };
    for i in 0..st.lines.len() {
        code_lines(&mut st, i, &mut f);
        if let Some((name, arg, body)) = rst::directive(&st.lines, i) {
            directive(&mut st, i, (name, arg, &body), params, &mut f);
        }
    }
    f
}

/// "Normal/Error response codes:" lines and "does not return content" prose.
fn code_lines(st: &mut State<'_>, i: usize, f: &mut Facts) {
    let t = st.lines[i].trim();
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("normal response codes:") || lower.starts_with("error response codes:") {
        let ok = lower.starts_with("normal");
        // The codes may go on over the next lines, up to a blank one.
        let mut said = t.to_owned();
        for next in st.lines.iter().skip(i + 1) {
            let n = next.trim();
            if n.is_empty() || n.contains(':') && !n.contains('(') {
                break;
            }
            said.push(' ');
            said.push_str(n);
        }
        for code in codes_in(&said) {
            if ok {
                st.success.push(code);
            }
            if !f.statuses.iter().any(|s| s.code == code) {
                f.statuses.push(StatusRow {
                    code,
                    text: t.split(':').next().unwrap_or("").to_owned(),
                    line: i + 1,
                });
            }
        }
        f.statuses_cite
            .get_or_insert(Cite::new("response codes", i + 1));
    }
    if st.section(i).contains("response")
        && (lower.contains("does not return content")
            || lower.contains("no response body")
            || lower.contains("does not return a response body"))
    {
        let code = st.success.first().copied();
        response_for(&mut f.responses, code).empty = Some(Cite::new(
            format!("Response ({})", t.trim_end_matches('.')),
            i + 1,
        ));
    }
}

/// One os-api-ref directive: `rest_method`, `rest_status_code`,
/// `rest_parameters`, `literalinclude`, `code-block`.
fn directive(
    st: &mut State<'_>,
    i: usize,
    (name, arg, body): (&str, &str, &[(usize, String)]),
    params: Option<&Parameters>,
    f: &mut Facts,
) {
    match name {
        "rest_method" => {
            if let Some((method, path)) = method_line(arg) {
                f.methods.push(MethodLine {
                    method,
                    path,
                    cite: Cite::new(format!("rest_method {arg}"), i + 1),
                });
            }
        }
        "rest_status_code" => status_list(st, i, arg, body, f),
        "rest_parameters" => parameter_list(st, i, body, params, f),
        "literalinclude" => f.notes.push(format!(
            "The page includes an example from `{arg}` (line {}): copy it into the draft where a placeholder asks for it.",
            i + 1
        )),
        "code-block" | "code" => code_example(st, i, body, f),
        _ => {}
    }
}

fn status_list(st: &mut State<'_>, i: usize, arg: &str, body: &[(usize, String)], f: &mut Facts) {
    let ok = arg.starts_with("success");
    for (n, l) in body {
        let item = l.trim().trim_start_matches('-').trim();
        if let Some(code) = item
            .split([':', ' '])
            .next()
            .and_then(|c| c.parse::<u16>().ok())
        {
            if ok {
                st.success.push(code);
            }
            f.statuses.push(StatusRow {
                code,
                text: format!("{} {item}", arg.split_whitespace().next().unwrap_or("")),
                line: *n,
            });
        }
    }
    f.statuses_cite
        .get_or_insert(Cite::new("rest_status_code", i + 1));
}

fn parameter_list(
    st: &mut State<'_>,
    i: usize,
    body: &[(usize, String)],
    params: Option<&Parameters>,
    f: &mut Facts,
) {
    let part = format!("rest_parameters ({})", st.section_title(i));
    let path_vars: Vec<String> = f
        .methods
        .last()
        .map(|m| super::build::path_vars(&m.path))
        .unwrap_or_default();
    let fields = parameters(body, params, &part, &path_vars, &mut f.notes);
    let (path, header, body_fields) = split_by_place(fields);
    f.uri_params.extend(path);
    f.headers.extend(header);
    if st.section(i).contains("response") {
        let r = response_for(&mut f.responses, st.success.first().copied());
        r.fields = nest(body_fields);
        r.fields_cite = Some(Cite::new(part, i + 1));
    } else if !body_fields.is_empty() {
        f.body = nest(body_fields);
        f.body_cite = Some(Cite::new(part, i + 1));
    }
}

fn code_example(st: &mut State<'_>, i: usize, body: &[(usize, String)], f: &mut Facts) {
    let json = json_in(
        &body
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let line = body.first().map_or(i + 1, |(n, _)| *n);
    let ex = Example {
        body: json,
        headers: Vec::new(),
        status: None,
        target: None,
        cite: Cite::new(format!("{} example", st.section_title(i)), line),
    };
    if st.section(i).contains("response") {
        response_for(&mut f.responses, st.success.first().copied()).example = Some(ex);
    } else if f.request_example.is_none() {
        f.request_example = Some(ex);
    }
}

/// Where a parameter goes: `in: path`, `in: header`, else the body.
fn split_by_place(fields: Vec<(String, Field)>) -> (Vec<Field>, Vec<Field>, Vec<Field>) {
    let (mut p, mut h, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for (place, x) in fields {
        match place.as_str() {
            "path" => p.push(x),
            "header" => h.push(x),
            "query" => {}
            _ => b.push(x),
        }
    }
    (p, h, b)
}

/// `- name: key` items resolved in the parameters file.
fn parameters(
    body: &[(usize, String)],
    params: Option<&Parameters>,
    part: &str,
    path_vars: &[String],
    notes: &mut Vec<String>,
) -> Vec<(String, Field)> {
    let mut out = Vec::new();
    for (line, l) in body {
        let Some(item) = l.trim().strip_prefix("- ") else {
            continue;
        };
        let Some((name, key)) = item.split_once(':') else {
            continue;
        };
        let (name, key) = (name.trim().to_owned(), key.trim().to_owned());
        let entry = params.and_then(|p| p.get(&key));
        if params.is_some() && entry.is_none() {
            notes.push(format!(
                "parameters.yaml has no key `{key}` (page line {line}): its type is a placeholder."
            ));
        }
        let get = |k: &str| entry.and_then(|e| e.get(k));
        let description = get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let place = get("in")
            .and_then(Value::as_str)
            // Without the parameters file, a name the method's path holds as
            // `{name}` (or a key ending in `_path`) is a path parameter.
            .unwrap_or(if key.ends_with("_path") || path_vars.contains(&name) {
                "path"
            } else {
                "body"
            })
            .to_owned();
        out.push((
            place,
            Field {
                name,
                type_text: Some(
                    get("type")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("unresolved key {key}"), str::to_owned),
                ),
                required: get("required").and_then(Value::as_bool),
                enum_values: enum_values(&description),
                children: Vec::new(),
                array_of_objects: false,
                description,
                cite: Cite::new(part, *line),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_code_lines_of_older_pages_are_read() {
        let page = "Reboot\n======\n\n.. rest_method:: POST /servers/{server_id}/action\n\nNormal response codes: 202\n\nError response codes: badRequest(400), unauthorized(401), itemNotFound(404), conflict(409)\n";
        let f = read(page, None);
        let codes: Vec<u16> = f.statuses.iter().map(|s| s.code).collect();
        assert_eq!(codes, [202, 400, 401, 404, 409]);
        assert_eq!(f.statuses[2].line, 8);
        assert_eq!(f.methods[0].path, "/servers/{server_id}/action");
    }
}

//! OpenStack os-api-ref `.inc` sections: `.. rest_method::`,
//! `.. rest_status_code::` lists (or "Normal/Error response codes:" lines),
//! `.. rest_parameters::` lists resolved in a `parameters.yaml` when given
//! (`--parameters`), inline JSON examples. A dotted parameter name
//! (`reboot.type`) is a property of the object before the dot.

use std::path::Path;

use serde_json::{Map, Value};

use super::facts::{Cite, Example, Facts, Field, MethodLine, Response, StatusRow};
use super::fields::{enum_values, json_in, method_line};
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
    let mut success: Vec<u16> = Vec::new();
    for i in 0..lines.len() {
        let sec = rst::section_at(&secs, i)
            .map(|s| s.title.to_ascii_lowercase())
            .unwrap_or_default();
        let t = lines[i].trim();
        let lower = t.to_ascii_lowercase();
        if lower.starts_with("normal response codes:") || lower.starts_with("error response codes:")
        {
            let ok = lower.starts_with("normal");
            for code in codes_in(t) {
                if ok {
                    success.push(code);
                }
                f.statuses.push(StatusRow {
                    code,
                    text: t.split(':').next().unwrap_or("").to_owned(),
                    line: i + 1,
                });
            }
            f.statuses_cite
                .get_or_insert(Cite::new("response codes", i + 1));
        }
        if sec.contains("response")
            && (lower.contains("does not return content")
                || lower.contains("no response body")
                || lower.contains("does not return a response body"))
        {
            let code = success.first().copied();
            response_for(&mut f.responses, code).empty = Some(Cite::new(
                format!("Response ({})", t.trim_end_matches('.')),
                i + 1,
            ));
        }
        let Some((name, arg, body)) = rst::directive(&lines, i) else {
            continue;
        };
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
            "rest_status_code" => {
                let ok = arg.starts_with("success");
                for (n, l) in &body {
                    let item = l.trim().trim_start_matches('-').trim();
                    if let Some(code) = item
                        .split([':', ' '])
                        .next()
                        .and_then(|c| c.parse::<u16>().ok())
                    {
                        if ok {
                            success.push(code);
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
            "rest_parameters" => {
                let part = format!(
                    "rest_parameters ({})",
                    rst::section_at(&secs, i).map_or("Request", |s| s.title.as_str())
                );
                let fields = parameters(&body, params, &part, &mut f.notes);
                let (path, header, body_fields): (Vec<_>, Vec<_>, Vec<_>) = split_by_place(fields);
                f.uri_params.extend(path);
                f.headers.extend(header);
                if sec.contains("response") {
                    let r: &mut Response = response_for(&mut f.responses, success.first().copied());
                    r.fields = nest(body_fields);
                    r.fields_cite = Some(Cite::new(part, i + 1));
                } else {
                    f.body = nest(body_fields);
                    f.body_cite = Some(Cite::new(part, i + 1));
                }
            }
            "literalinclude" => {
                f.notes.push(format!(
                    "The page includes an example from `{arg}` (line {}): copy it into the draft where a placeholder asks for it.",
                    i + 1
                ));
            }
            "code-block" | "code" => {
                let json = json_in(
                    &body
                        .iter()
                        .map(|(_, l)| l.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                let line = body.first().map_or(i + 1, |(n, _)| *n);
                let cite = Cite::new(
                    format!(
                        "{} example",
                        rst::section_at(&secs, i).map_or("", |s| s.title.as_str())
                    ),
                    line,
                );
                let ex = Example {
                    body: json,
                    headers: Vec::new(),
                    status: None,
                    target: None,
                    cite,
                };
                if sec.contains("response") {
                    response_for(&mut f.responses, success.first().copied()).example = Some(ex);
                } else if f.request_example.is_none() {
                    f.request_example = Some(ex);
                }
            }
            _ => {}
        }
    }
    f
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
            .unwrap_or(if key.ends_with("_path") {
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

/// `reboot` and `reboot.type` ──► `reboot { type }`.
fn nest(fields: Vec<Field>) -> Vec<Field> {
    let mut top: Vec<Field> = Vec::new();
    for mut x in fields {
        // Deeper than any real body: kept as one dotted name, so nesting stays bounded.
        let split = (x.name.matches('.').count() <= 8)
            .then(|| x.name.split_once('.'))
            .flatten()
            .map(|(p, c)| (p.to_owned(), c.to_owned()));
        match split {
            Some((parent, child)) if top.iter().any(|p| p.name == parent) => {
                x.name = child;
                if let Some(p) = top.iter_mut().rev().find(|p| p.name == parent) {
                    let inner = std::mem::take(&mut p.children);
                    let mut merged = inner;
                    merged.push(x);
                    p.children = nest(merged);
                }
            }
            _ => top.push(x),
        }
    }
    top
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

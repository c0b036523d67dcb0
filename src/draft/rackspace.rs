//! Rackspace reStructuredText pages: the method line in a `.. code::` block,
//! the response-code grid table, the URI parameter table, the body table
//! (dotted rows such as `reboot.\ **type**` are properties of `reboot`, and a
//! type cell may carry `*(Optional)*`), "does not accept a request body",
//! HTTP examples (request line, headers, body) after a bold "Example …"
//! caption, and values the prose gives a field ("either ``HARD`` or ``SOFT``").

use super::facts::{Cite, Example, Facts, Field};
use super::fields::{
    enum_values, json_in, method_line, nest, request_target, states_in, status_rows, table_fields,
};
use super::huawei::response_for;
use super::rst;

pub const FORMAT: &str = "Rackspace reStructuredText";

/// An rst title and a code block that holds a method line.
pub fn detect(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    !rst::sections(&lines).is_empty()
        && rst::code_blocks(&lines)
            .iter()
            .any(|c| c.lines.iter().any(|l| method_line(l.trim()).is_some()))
}

/// Header lines of an HTTP example, up to the body.
fn http_headers(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .skip(1)
        .take_while(|l| !l.trim().is_empty() && !l.trim_start().starts_with(['{', '[']))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

pub fn read(text: &str) -> Facts {
    let lines: Vec<&str> = text.lines().collect();
    let secs = rst::sections(&lines);
    let mut f = Facts {
        format: FORMAT,
        title: secs.first().map(|s| s.title.clone()),
        ..Facts::default()
    };
    let codes = rst::code_blocks(&lines);
    methods(&codes, &mut f);
    read_tables(&lines, &secs, &mut f);
    for (i, l) in lines.iter().enumerate() {
        if l.to_ascii_lowercase()
            .contains("does not accept a request body")
        {
            f.no_body = Some(Cite::new(l.trim(), i + 1));
        }
    }
    for code in &codes {
        example(&lines, code, &mut f);
    }
    prose_enums(&lines, &mut f.body);
    f.states = states_in(&lines, "description");
    f
}

/// Method lines in code blocks; example request lines end in `HTTP/1.1`.
fn methods(codes: &[rst::Code], f: &mut Facts) {
    for code in codes {
        for (k, l) in code.lines.iter().enumerate() {
            if !l.contains("HTTP/")
                && let Some((method, path)) = method_line(l.trim())
            {
                f.methods.push(super::facts::MethodLine {
                    cite: Cite::new(format!("{method} {path}"), code.first + k),
                    method,
                    path,
                });
            }
        }
    }
}

fn read_tables(lines: &[&str], secs: &[rst::Section], f: &mut Facts) {
    let no_lookup = |_: &str| None;
    for t in rst::tables(lines) {
        if let Some(code_col) = t.column(&["response code", "status code", "code"]) {
            f.statuses.extend(status_rows(&t, code_col, ": "));
            f.statuses_cite = Some(Cite::new("response codes table", t.line));
        } else if t
            .rows
            .iter()
            .any(|r| r.cells.first().is_some_and(|c| c.trim().starts_with('{')))
        {
            f.uri_params = table_fields(&t, "URI parameters table", &no_lookup, 0);
            f.uri_params_cite = Some(Cite::new("URI parameters table", t.line));
        } else if rst::section_at(secs, t.line - 1)
            .is_some_and(|s| s.title.eq_ignore_ascii_case("request"))
        {
            // `reboot.\ **type**` rows are properties of the `reboot` row.
            let rows = table_fields(&t, "request body table", &no_lookup, 0);
            f.body = nest([std::mem::take(&mut f.body), rows].concat());
        }
    }
}

/// A code block after a bold "Example …" caption: an HTTP request or response.
fn example(lines: &[&str], code: &rst::Code, f: &mut Facts) {
    let idx = code.line - 1;
    // The bold caption above the block: "**Example Restart instance: JSON request**".
    let caption = lines[..idx]
        .iter()
        .rev()
        // A caption may head two blocks: the headers, then the body.
        .take(14)
        .map(|l| l.trim())
        .find(|l| l.starts_with("**Example") && l.ends_with("**"))
        .map(rst::plain);
    let Some(caption) = caption else { return };
    let first = code
        .lines
        .first()
        .map(|l| l.trim().to_owned())
        .unwrap_or_default();
    let cite = Cite::new(caption.clone(), code.first);
    if first.starts_with("HTTP/") {
        let status = first
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse::<u16>().ok());
        let headers = http_headers(&code.lines);
        let empty = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("content-length") && v == "0");
        let body = json_in(&code.lines[1..].join("\n"));
        let r = response_for(&mut f.responses, status);
        if empty {
            r.empty = Some(Cite::new(
                format!("{caption} (Content-Length: 0)"),
                code.first,
            ));
        }
        r.example = Some(Example {
            body,
            headers,
            status,
            target: None,
            cite,
        });
    } else if caption.to_ascii_lowercase().contains("request") && f.request_example.is_none() {
        f.request_example = Some(Example {
            body: json_in(&code.text()),
            headers: http_headers(&code.lines),
            status: None,
            target: request_target(&code.text()),
            cite,
        });
    } else if let Some(ex) = f.request_example.as_mut().filter(|e| e.body.is_none())
        && caption.to_ascii_lowercase().contains("request")
    {
        // The headers in one block and the body in the next, under one caption.
        ex.body = json_in(&code.text());
    }
}

/// Values the operation's prose gives a body field that its table does not:
/// "the ``type`` attribute, either ``HARD`` or ``SOFT``" (the field is the
/// last one named before "either").
fn prose_enums(lines: &[&str], body: &mut [Field]) {
    let prose: String = lines
        .iter()
        .map(|l| l.trim())
        .take_while(|l| !l.starts_with('+') && !l.starts_with('|'))
        .collect::<Vec<_>>()
        .join(" ");
    for sentence in prose.split_inclusive('.') {
        let Some(at) = sentence.find(" either ") else {
            continue;
        };
        let (before, after) = sentence.split_at(at);
        let Some(name) = before.rsplit("``").nth(1) else {
            continue;
        };
        let values = enum_values(&format!("one of {after}"));
        if !values.is_empty() {
            give_enum(body, name, &values);
        }
    }
}

/// Sets the values of the fields named `name` that have none yet.
fn give_enum(fields: &mut [Field], name: &str, values: &[String]) {
    for x in fields {
        if x.name == name && x.enum_values.is_empty() {
            x.enum_values = values.to_vec();
        }
        give_enum(&mut x.children, name, values);
    }
}

//! Huawei Cloud / Open Telekom Cloud reStructuredText pages (`:original_name:`,
//! `.. table:: **Table N** …`): URI section, parameter tables with nested
//! `:ref:` tables, per-status response tables, example sections, the status
//! code table or a reference to the vendor's shared page.

use super::facts::{Cite, Example, Facts, Response};
use super::fields::{json_in, method_line, request_target, states_in, status_rows, table_fields};
use super::rst::{self, Table};

pub const FORMAT: &str = "Huawei Cloud / Open Telekom Cloud reStructuredText";

/// Whether the page looks like one of ours.
pub fn detect(text: &str) -> bool {
    text.contains(":original_name:") || text.contains(".. table:: **Table")
}

fn status_marker(line: &str) -> Option<u16> {
    let t = line.trim().strip_prefix("**")?.strip_suffix("**")?;
    let code = t.to_ascii_lowercase();
    code.strip_prefix("status code:")?.trim().parse().ok()
}

pub fn read(text: &str) -> Facts {
    let lines: Vec<&str> = text.lines().collect();
    let secs = rst::sections(&lines);
    let tables = rst::tables(&lines);
    let mut f = Facts {
        format: FORMAT,
        title: secs.first().map(|s| s.title.clone()),
        ..Facts::default()
    };
    let title_of = |idx: usize| {
        rst::section_at(&secs, idx)
            .map(|s| s.title.to_ascii_lowercase())
            .unwrap_or_default()
    };
    for (i, l) in lines.iter().enumerate() {
        if !l.starts_with(' ')
            && let Some((method, path)) = method_line(l.trim())
        {
            let part = rst::section_at(&secs, i).map_or("URI".to_owned(), |s| s.title.clone());
            f.methods.push(super::facts::MethodLine {
                method,
                path,
                cite: Cite::new(part, i + 1),
            });
        }
    }
    let markers: Vec<(usize, u16)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| status_marker(l).map(|c| (i, c)))
        .collect();
    let marker_before = |idx: usize| -> Option<u16> {
        let sec = rst::section_at(&secs, idx)?;
        markers
            .iter()
            .rev()
            .find(|(m, _)| *m < idx && *m >= sec.start)
            .map(|(_, c)| *c)
    };
    let referenced: Vec<String> = tables
        .iter()
        .flat_map(|t| t.rows.iter().flat_map(|r| r.cells.iter()))
        .filter_map(|c| rst::ref_target(c))
        .collect();
    let lookup = |anchor: &str| -> Option<&Table> {
        tables.iter().find(|t| t.anchor.as_deref() == Some(anchor))
    };
    for t in &tables {
        if t.anchor.as_ref().is_some_and(|a| referenced.contains(a)) {
            continue;
        }
        let idx = t.line - 1;
        let sec = title_of(idx);
        let caption = t.caption.clone().unwrap_or_else(|| {
            rst::section_at(&secs, idx).map_or("table".into(), |s| s.title.clone())
        });
        let cap = caption.to_ascii_lowercase();
        if let (Some(code_col), true) = (t.column(&["status code", "code"]), sec.contains("status"))
        {
            f.statuses.extend(status_rows(t, code_col, " "));
            f.statuses_cite = Some(Cite::new(caption_or(&t.caption, "Status Codes"), t.line));
            continue;
        }
        let fields = table_fields(t, &caption, &lookup, 0);
        if cap.contains("header") {
            f.headers.extend(fields);
            f.headers_cite = Some(Cite::new(caption, t.line));
        } else if cap.contains("path") || sec == "uri" {
            f.uri_params.extend(fields);
            f.uri_params_cite = Some(Cite::new(caption, t.line));
        } else if sec.contains("response") {
            let status = marker_before(idx);
            let cite = match status {
                Some(c) => format!("{caption} (status code {c})"),
                None => caption,
            };
            response_for(&mut f.responses, status).fields = fields;
            response_for(&mut f.responses, status).fields_cite = Some(Cite::new(cite, t.line));
        } else if sec.contains("request") || cap.contains("request") {
            f.body.extend(fields);
            if f.body_cite.is_none() {
                f.body_cite = Some(Cite::new(caption, t.line));
            }
        }
    }
    for code in rst::code_blocks(&lines) {
        let idx = code.line - 1;
        let Some(sec) = rst::section_at(&secs, idx) else {
            continue;
        };
        let title = sec.title.to_ascii_lowercase();
        let intro = lines[sec.start..idx]
            .iter()
            .rev()
            .map(|l| l.trim())
            .find(|l| !l.is_empty() && !l.starts_with(".."))
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = json_in(&code.text());
        let is_request = title.contains("example request")
            || (!title.contains("response") && intro.contains("request"));
        let is_response = title.contains("example response") || intro.contains("response");
        if is_request && f.request_example.is_none() {
            f.request_example = Some(Example {
                body,
                headers: Vec::new(),
                status: None,
                target: request_target(&code.text()),
                cite: Cite::new(sec.title.clone(), code.first),
            });
        } else if is_response {
            let status = marker_before(idx);
            let part = match status {
                Some(c) => format!("{} (status code {c})", sec.title),
                None => sec.title.clone(),
            };
            response_for(&mut f.responses, status).example = Some(Example {
                body,
                headers: Vec::new(),
                status,
                target: None,
                cite: Cite::new(part, code.first),
            });
        }
    }
    // "None" under a response section (after its status marker, if any): no body.
    for (i, l) in lines.iter().enumerate() {
        let Some(sec) = rst::section_at(&secs, i) else {
            continue;
        };
        let title = sec.title.to_ascii_lowercase();
        if l.trim().eq_ignore_ascii_case("none")
            && title.contains("response")
            && !title.contains("example")
        {
            let status = marker_before(i);
            let part = match status {
                Some(c) => format!("{} (status code {c}): None", sec.title),
                None => format!("{}: None", sec.title),
            };
            response_for(&mut f.responses, status).empty = Some(Cite::new(part, i + 1));
        }
    }
    for sec in &secs {
        let title = sec.title.to_ascii_lowercase();
        let body = &lines[sec.start..sec.end];
        let refers = body.iter().position(|l| l.contains(":ref:"));
        let has_table = tables
            .iter()
            .any(|t| t.line > sec.start && t.line <= sec.end);
        if let Some(k) = refers
            && !has_table
            && (title.contains("status code") || title.contains("error code"))
            && (f.general_ref.is_none() || title.contains("status"))
        {
            let target = rst::plain(body[k].trim());
            f.general_ref = Some(Cite::new(
                format!("{} ({target})", sec.title),
                sec.start + k + 1,
            ));
        }
    }
    f.states = states_in(&lines, "description");
    f
}

fn caption_or(caption: &Option<String>, default: &str) -> String {
    caption.clone().unwrap_or_else(|| default.to_owned())
}

/// The response entry for `status`, added when the page names it first here.
/// An example with no code goes to the one response whose code is not given.
pub fn response_for(list: &mut Vec<Response>, status: Option<u16>) -> &mut Response {
    let at = list.iter().position(|r| r.status == status);
    match at {
        Some(i) => &mut list[i],
        None => {
            list.push(Response {
                status,
                ..Response::default()
            });
            let last = list.len() - 1;
            &mut list[last]
        }
    }
}

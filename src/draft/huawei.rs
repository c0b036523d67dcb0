//! Huawei Cloud / Open Telekom Cloud reStructuredText pages (`:original_name:`,
//! `.. table:: **Table N** …`): URI section, parameter tables with nested
//! `:ref:` tables, per-status response tables, example sections, the status
//! code table or a reference to the vendor's shared page.
//!
//! The URI is read in the shapes these pages write it: a bare method line, a
//! list item with the scheme and an emphasised endpoint before the path
//! (`-  POST https://{*Endpoint*}/v3/…`), a code block, or `PATH:` and
//! `Method:` lines. Status codes are read from their table, from prose
//! (`Status Code:202.`) and from a bare code under a "Normal" item. A section
//! that says "None" (or "N/A") has no body.

use super::facts::{Cite, Example, Facts, MethodLine, Response, StatusRow};
use super::fields::{
    json_in, leading_code, method_line, path_and_method, request_target, states_in, status_rows,
    table_fields,
};
use super::rst::{self, Section, Table};

pub const FORMAT: &str = "Huawei Cloud / Open Telekom Cloud reStructuredText";

/// Whether the page looks like one of ours.
pub fn detect(text: &str) -> bool {
    text.contains(":original_name:") || text.contains(".. table:: **Table")
}

/// The page, cut into the pieces the readers below share.
struct Page<'a> {
    lines: Vec<&'a str>,
    secs: Vec<Section>,
    tables: Vec<Table>,
    /// `**Status code: 200**` markers: (line index, code).
    markers: Vec<(usize, u16)>,
}

impl Page<'_> {
    fn title_at(&self, idx: usize) -> String {
        rst::section_at(&self.secs, idx)
            .map(|s| s.title.to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// The code of the nearest status marker above `idx` in its section.
    fn marker_before(&self, idx: usize) -> Option<u16> {
        let sec = rst::section_at(&self.secs, idx)?;
        self.markers
            .iter()
            .rev()
            .find(|(m, _)| *m < idx && *m >= sec.start)
            .map(|(_, c)| *c)
    }
}

fn status_marker(line: &str) -> Option<u16> {
    let t = line.trim().strip_prefix("**")?.strip_suffix("**")?;
    let code = t.to_ascii_lowercase();
    code.strip_prefix("status code:")?.trim().parse().ok()
}

pub fn read(text: &str) -> Facts {
    let lines: Vec<&str> = text.lines().collect();
    let page = Page {
        secs: rst::sections(&lines),
        tables: rst::tables(&lines),
        markers: lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| status_marker(l).map(|c| (i, c)))
            .collect(),
        lines,
    };
    let mut f = Facts {
        format: FORMAT,
        title: page.secs.first().map(|s| s.title.clone()),
        ..Facts::default()
    };
    methods(&page, &mut f);
    tables(&page, &mut f);
    examples(&page, &mut f);
    absences(&page, &mut f);
    prose_codes(&page, &mut f);
    general_ref(&page, &mut f);
    settle_response_code(&mut f);
    f.states = states_in(&page.lines, "description");
    f
}

fn is_uri_section(title: &str) -> bool {
    let t = title.to_ascii_lowercase();
    t == "uri" || t.starts_with("uri ") || t.ends_with(" uri")
}

/// Method lines: anywhere in the URI section (list items and code blocks
/// included), else unindented lines anywhere on the page.
fn methods(page: &Page<'_>, f: &mut Facts) {
    let uri_secs: Vec<&Section> = page
        .secs
        .iter()
        .filter(|s| is_uri_section(&s.title))
        .collect();
    for sec in &uri_secs {
        let body = &page.lines[sec.start..sec.end];
        for (k, l) in body.iter().enumerate() {
            if let Some((method, path)) = method_line(l) {
                f.methods.push(MethodLine {
                    method,
                    path,
                    cite: Cite::new(sec.title.clone(), sec.start + k + 1),
                });
            }
        }
        if f.methods.is_empty()
            && let Some((method, path, k)) = path_and_method(body)
        {
            f.methods.push(MethodLine {
                method,
                path,
                cite: Cite::new(
                    format!("{} (PATH and Method)", sec.title),
                    sec.start + k + 1,
                ),
            });
        }
    }
    if !uri_secs.is_empty() {
        return;
    }
    for (i, l) in page.lines.iter().enumerate() {
        if !l.starts_with(' ')
            && let Some((method, path)) = method_line(l.trim())
        {
            let part = rst::section_at(&page.secs, i).map_or("URI".to_owned(), |s| s.title.clone());
            f.methods.push(MethodLine {
                method,
                path,
                cite: Cite::new(part, i + 1),
            });
        }
    }
}

/// Whether a table lists status codes: its column and the section say so.
fn status_column(t: &Table, sec: &str) -> Option<usize> {
    let col = t.column(&["status code", "code", "returned value", "returned values"])?;
    (sec.contains("status") || sec.contains("returned value")).then_some(col)
}

fn tables(page: &Page<'_>, f: &mut Facts) {
    let referenced: Vec<String> = page
        .tables
        .iter()
        .flat_map(|t| t.rows.iter().flat_map(|r| r.cells.iter()))
        .filter_map(|c| rst::ref_target(c))
        .collect();
    let lookup = |anchor: &str| -> Option<&Table> {
        page.tables
            .iter()
            .find(|t| t.anchor.as_deref() == Some(anchor))
    };
    for t in &page.tables {
        if t.anchor.as_ref().is_some_and(|a| referenced.contains(a)) {
            continue;
        }
        let idx = t.line - 1;
        let sec = page.title_at(idx);
        let caption = t.caption.clone().unwrap_or_else(|| {
            rst::section_at(&page.secs, idx).map_or("table".into(), |s| s.title.clone())
        });
        if let Some(code_col) = status_column(t, &sec) {
            f.statuses.extend(status_rows(t, code_col, " "));
            let cite = t.caption.clone().unwrap_or_else(|| "Status Codes".into());
            f.statuses_cite = Some(Cite::new(cite, t.line));
            continue;
        }
        let fields = table_fields(t, &caption, &lookup, 0);
        let cap = caption.to_ascii_lowercase();
        if cap.contains("header") {
            f.headers.extend(fields);
            f.headers_cite = Some(Cite::new(caption, t.line));
        } else if cap.contains("path") || is_uri_section(&sec) {
            f.uri_params.extend(fields);
            f.uri_params_cite = Some(Cite::new(caption, t.line));
        } else if sec.contains("response") {
            let status = page.marker_before(idx);
            let cite = match status {
                Some(c) => format!("{caption} (status code {c})"),
                None => caption,
            };
            let r = response_for(&mut f.responses, status);
            r.fields = fields;
            r.fields_cite = Some(Cite::new(cite, t.line));
        } else if sec.contains("request") || cap.contains("request") {
            f.body.extend(fields);
            f.body_cite.get_or_insert(Cite::new(caption, t.line));
        }
    }
}

/// Example request and response code blocks.
fn examples(page: &Page<'_>, f: &mut Facts) {
    for code in rst::code_blocks(&page.lines) {
        let idx = code.line - 1;
        let Some(sec) = rst::section_at(&page.secs, idx) else {
            continue;
        };
        if is_uri_section(&sec.title) {
            continue;
        }
        let title = sec.title.to_ascii_lowercase();
        let intro = page.lines[sec.start..idx]
            .iter()
            .rev()
            .map(|l| l.trim())
            .find(|l| !l.is_empty() && !l.starts_with(".."))
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = json_in(&code.text());
        let is_request = (title.contains("request") && !title.contains("response"))
            || (!title.contains("response") && intro.contains("request"));
        let is_response = title.contains("example response") || intro.contains("response");
        if is_request {
            request_example(
                f,
                body,
                &code.text(),
                Cite::new(sec.title.clone(), code.first),
            );
        } else if is_response {
            let status = page.marker_before(idx);
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
}

/// The first example request with a body; a request line before it gives its target.
fn request_example(f: &mut Facts, body: Option<serde_json::Value>, text: &str, cite: Cite) {
    let target = request_target(text);
    match &mut f.request_example {
        Some(ex) if ex.body.is_none() => {
            ex.body = body;
            if ex.target.is_none() {
                ex.target = target;
            }
            if ex.body.is_some() {
                ex.cite = cite;
            }
        }
        Some(_) => {}
        None => {
            f.request_example = Some(Example {
                body,
                headers: Vec::new(),
                status: None,
                target,
                cite,
            });
        }
    }
}

/// "None" or "N/A" as a request or response section's words: no body.
fn absences(page: &Page<'_>, f: &mut Facts) {
    for (i, l) in page.lines.iter().enumerate() {
        let word = l.trim().to_ascii_lowercase();
        if word != "none" && word != "n/a" {
            continue;
        }
        let Some(sec) = rst::section_at(&page.secs, i) else {
            continue;
        };
        let title = sec.title.to_ascii_lowercase();
        if title.contains("example") {
            continue;
        }
        let said = l.trim();
        if title.contains("response") {
            let status = page.marker_before(i);
            let part = match status {
                Some(c) => format!("{} (status code {c}): {said}", sec.title),
                None => format!("{}: {said}", sec.title),
            };
            response_for(&mut f.responses, status).empty = Some(Cite::new(part, i + 1));
        } else if title.contains("request") && f.body.is_empty() {
            f.no_body = Some(Cite::new(format!("{}: {said}", sec.title), i + 1));
        }
    }
}

/// Codes the status section states in prose: `Status Code:202.`, or a bare
/// `200` under a "Normal" item.
fn prose_codes(page: &Page<'_>, f: &mut Facts) {
    for sec in &page.secs {
        let title = sec.title.to_ascii_lowercase();
        if !(title.contains("status code") || title.contains("returned value")) {
            continue;
        }
        for (k, l) in page.lines[sec.start..sec.end].iter().enumerate() {
            let t = l.trim().trim_start_matches(['-', ' ']);
            if t.starts_with(['|', '+', '=']) {
                continue;
            }
            let lower = t.to_ascii_lowercase();
            let said = lower
                .strip_prefix("status code")
                .map(|r| r.trim_start_matches([':', ' ']))
                .unwrap_or(&lower);
            let bare = said.trim_end_matches('.');
            let Some(code) = leading_code(bare).filter(|_| bare.len() == 3) else {
                continue;
            };
            if f.statuses.iter().any(|s| s.code == code) {
                continue;
            }
            f.statuses.push(StatusRow {
                code,
                text: t.to_owned(),
                line: sec.start + k + 1,
            });
            f.statuses_cite
                .get_or_insert(Cite::new(format!("{} ({t})", sec.title), sec.start + k + 1));
        }
    }
}

/// A response the page gives without its code, on a page that states one
/// success code (`Status Code:202.`), is that code's response.
fn settle_response_code(f: &mut Facts) {
    let success: Vec<u16> = f
        .statuses
        .iter()
        .map(|s| s.code)
        .filter(|c| (200..300).contains(c))
        .collect();
    let [code] = success[..] else { return };
    if f.responses.iter().any(|r| r.status.is_some()) {
        return;
    }
    for r in f.responses.iter_mut().filter(|r| r.status.is_none()) {
        r.status = Some(code);
        if let Some(c) = r.fields_cite.as_mut() {
            c.part = format!(
                "{} (status code {code}, the page's one success code)",
                c.part
            );
        }
    }
}

/// A status or error code section that only refers to the vendor's shared page.
fn general_ref(page: &Page<'_>, f: &mut Facts) {
    for sec in &page.secs {
        let title = sec.title.to_ascii_lowercase();
        let body = &page.lines[sec.start..sec.end];
        let refers = body.iter().position(|l| l.contains(":ref:"));
        let has_table = page
            .tables
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

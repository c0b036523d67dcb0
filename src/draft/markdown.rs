//! Markdown pages with HTML tables (Huawei Cloud ECS style): `#` titles, URI
//! lines with Markdown escapes, `**Table N** caption` lines above `<table>`
//! blocks, nested field tables linked by `<a href="#anchor">`, fenced code
//! examples, "None" for no response body.
//!
//! The tables are read with a small tag scanner: these pages use a handful of
//! tags (`table`, `tr`, `th`, `td`, `p`, `a`, `strong`, `ul`, `li`), and the
//! scanner needs nothing an HTML parser would add beyond them.

use super::facts::{Cite, Example, Facts, MethodLine, StatusRow};
use super::fields::{json_in, method_line, request_target, states_in, table_fields};
use super::huawei::response_for;
use super::rst::{Row, Table};

pub const FORMAT: &str = "Markdown with HTML tables";

pub fn detect(text: &str) -> bool {
    text.contains("<table")
        && text
            .lines()
            .any(|l| l.starts_with("# ") || l.starts_with("## "))
}

/// Text with tags removed, entities decoded, `<strong>` as `**`, list items
/// as `- ` lines and in-page links as `[[anchor]]`.
fn cell_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match name.as_str() {
            "strong" | "b" => out.push_str("**"),
            "li" if !tag.starts_with('/') => out.push_str("\n- "),
            "p" | "br" | "ul" | "ol" if tag.starts_with('/') || name == "br" => out.push('\n'),
            "a" if !tag.starts_with('/') => {
                if let Some(h) = tag
                    .split("href=\"#")
                    .nth(1)
                    .and_then(|h| h.split('"').next())
                {
                    out.push_str(&format!(" [[{h}]] "));
                }
            }
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        .replace("** **", "")
        .replace("****", "")
}

/// Every `<table>` of the page, with the caption line and anchor above it.
fn tables(lines: &[&str]) -> Vec<Table> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].trim_start().starts_with("<table") {
            i += 1;
            continue;
        }
        let start = i;
        let mut rows: Vec<Row> = Vec::new();
        let mut cur: Option<(String, usize)> = None;
        while i < lines.len() {
            let l = lines[i];
            let mut rest = l;
            while !rest.is_empty() {
                if let Some((buf, _)) = cur.as_mut() {
                    match rest.find("</tr>") {
                        Some(end) => {
                            buf.push_str(&rest[..end]);
                            rest = &rest[end + 5..];
                            if let Some((html, line)) = cur.take() {
                                rows.push(Row {
                                    cells: cells(&html),
                                    line,
                                });
                            }
                        }
                        None => {
                            buf.push_str(rest);
                            buf.push('\n');
                            rest = "";
                        }
                    }
                } else if let Some(at) = rest.find("<tr") {
                    cur = Some((String::new(), i + 1));
                    rest = &rest[at + 3..];
                    if let Some(gt) = rest.find('>') {
                        rest = &rest[gt + 1..];
                    }
                } else {
                    rest = "";
                }
            }
            i += 1;
            if l.contains("</table>") {
                break;
            }
        }
        let header = if rows.is_empty() {
            Vec::new()
        } else {
            rows.remove(0).cells
        };
        let mut caption = None;
        let mut anchor = None;
        for l in lines[..start].iter().rev().take(4) {
            let t = l.trim();
            if let Some(a) = t
                .strip_prefix("<a name=\"")
                .and_then(|a| a.split('"').next())
            {
                anchor.get_or_insert_with(|| a.to_owned());
            } else if t.starts_with("**Table") {
                caption = Some(
                    t.replace("**", "")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                break;
            }
        }
        out.push(Table {
            caption,
            anchor,
            header,
            rows,
            line: start + 1,
        });
    }
    out
}

fn cells(row_html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = row_html;
    loop {
        let open = match (rest.find("<td"), rest.find("<th")) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => break,
        };
        let after = &rest[open + 3..];
        let Some(gt) = after.find('>') else { break };
        let body = &after[gt + 1..];
        let end = match (body.find("</td>"), body.find("</th>")) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => body.len(),
        };
        out.push(cell_text(&body[..end]));
        rest = &body[end..];
    }
    out
}

fn heading(line: &str) -> Option<String> {
    let t = line.strip_prefix('#')?;
    let t = t.trim_start_matches('#').trim();
    let t = t.split("<a ").next().unwrap_or(t).trim();
    Some(t.to_owned())
}

pub fn read(text: &str) -> Facts {
    let lines: Vec<&str> = text.lines().collect();
    // (title, first line index, end index)
    let mut secs: Vec<(String, usize, usize)> = Vec::new();
    let mut title = None;
    for (i, l) in lines.iter().enumerate() {
        if let Some(h) = heading(l) {
            if l.starts_with("# ") && title.is_none() {
                title = Some(h.clone());
            }
            if let Some(last) = secs.last_mut() {
                last.2 = i;
            }
            secs.push((h, i + 1, lines.len()));
        }
    }
    let sec_at = |idx: usize| secs.iter().rev().find(|s| s.1 <= idx && idx < s.2);
    let mut f = Facts {
        format: FORMAT,
        title,
        ..Facts::default()
    };
    let mut fence: Option<(usize, Vec<String>)> = None;
    let mut blocks: Vec<(usize, String)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("```") {
            match fence.take() {
                Some((start, body)) => blocks.push((start, body.join("\n"))),
                None => fence = Some((i + 1, Vec::new())),
            }
            continue;
        }
        if let Some((_, body)) = fence.as_mut() {
            body.push((*l).to_owned());
            continue;
        }
        if let Some((method, path)) = method_line(&l.replace('\\', "")) {
            let part = sec_at(i).map_or("URI".to_owned(), |s| s.0.clone());
            f.methods.push(MethodLine {
                method,
                path,
                cite: Cite::new(part, i + 1),
            });
        }
    }
    let tables = tables(&lines);
    let linked: Vec<String> = tables
        .iter()
        .flat_map(|t| t.rows.iter().flat_map(|r| r.cells.iter()))
        .filter_map(|c| {
            c.split("[[")
                .nth(1)
                .and_then(|r| r.split("]]").next())
                .map(str::to_owned)
        })
        .collect();
    let lookup = |a: &str| tables.iter().find(|t| t.anchor.as_deref() == Some(a));
    for t in &tables {
        if t.anchor.as_ref().is_some_and(|a| linked.contains(a)) {
            continue;
        }
        let sec = sec_at(t.line - 1)
            .map(|s| s.0.to_ascii_lowercase())
            .unwrap_or_default();
        let caption = t.caption.clone().unwrap_or_else(|| sec.clone());
        if let Some(code_col) = t.column(&["status code", "returned value"]) {
            for row in &t.rows {
                if let Some(code) = row
                    .cells
                    .get(code_col)
                    .and_then(|c| c.trim().parse::<u16>().ok())
                {
                    f.statuses.push(StatusRow {
                        code,
                        text: row
                            .cells
                            .iter()
                            .skip(1)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(" "),
                        line: row.line,
                    });
                }
            }
            f.statuses_cite = Some(Cite::new(caption, t.line));
            continue;
        }
        let fields = table_fields(t, &caption, &lookup, 0);
        if sec == "uri" {
            f.uri_params.extend(fields);
            f.uri_params_cite = Some(Cite::new(caption, t.line));
        } else if sec.contains("response") {
            let r = response_for(&mut f.responses, None);
            r.fields = fields;
            r.fields_cite = Some(Cite::new(caption, t.line));
        } else if sec.contains("request") {
            f.body.extend(fields);
            f.body_cite.get_or_insert(Cite::new(caption, t.line));
        }
    }
    for (name, start, end) in &secs {
        let lower = name.to_ascii_lowercase();
        let body: Vec<(usize, &str)> = (*start..*end)
            .map(|i| (i + 1, lines[i].trim()))
            .filter(|(_, l)| !l.is_empty())
            .collect();
        let says_none = body
            .first()
            .is_some_and(|(_, l)| l.eq_ignore_ascii_case("none"));
        if lower == "response" && says_none {
            let line = body.first().map_or(*start, |(n, _)| *n);
            response_for(&mut f.responses, None).empty = Some(Cite::new("Response: None", line));
        }
        if lower.contains("example request") {
            let mine: Vec<&(usize, String)> = blocks
                .iter()
                .filter(|(l, _)| l > start && *l <= *end)
                .collect();
            let target = mine.iter().find_map(|(_, b)| request_target(b));
            let body = mine.iter().find_map(|(_, b)| json_in(b));
            let line = mine.first().map_or(*start, |(l, _)| *l);
            f.request_example = Some(Example {
                body,
                headers: Vec::new(),
                status: None,
                target,
                cite: Cite::new(name.clone(), line),
            });
        }
        if lower.contains("example response") && !says_none {
            let mine: Vec<&(usize, String)> = blocks
                .iter()
                .filter(|(l, _)| l > start && *l <= *end)
                .collect();
            if let Some((line, b)) = mine.first() {
                response_for(&mut f.responses, None).example = Some(Example {
                    body: json_in(b),
                    headers: Vec::new(),
                    status: None,
                    target: None,
                    cite: Cite::new(name.clone(), *line),
                });
            }
        }
        if (lower.contains("returned value")
            || lower.contains("status code")
            || lower.contains("error code"))
            && f.statuses.is_empty()
            && let Some((line, l)) = body.iter().find(|(_, l)| l.contains("]("))
        {
            let target = l
                .split('[')
                .nth(1)
                .and_then(|r| r.split(']').next())
                .unwrap_or("");
            f.general_ref = Some(Cite::new(format!("{name} (refers to {target})"), *line));
        }
    }
    f.states = states_in(&lines, "description");
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_bold_lists_and_links() {
        let html = "<p id=\"a\">Type.</p>\n<ul><li><strong>SOFT</strong>: soft</li><li><strong id=\"b\"><a name=\"x\"></a>HARD</strong>: hard</li></ul> see <a href=\"#t3\">Table 3</a>";
        let t = cell_text(html);
        assert!(t.contains("- **SOFT**: soft"), "{t}");
        assert!(t.contains("- **HARD**: hard"), "{t}");
        assert!(t.contains("[[t3]]"), "{t}");
    }
}

//! Markdown pages with HTML tables (Huawei Cloud ECS style): `#` titles, URI
//! lines with Markdown escapes, `**Table N** caption` lines above `<table>`
//! blocks, nested field tables linked by `<a href="#anchor">`, fenced code
//! examples, "None" for no response body.
//!
//! Each `<table>` block is parsed with `scraper` (html5ever), so tags the
//! pages leave open, attribute quoting and every named or numeric character
//! reference are handled as a browser would. The parsed tree keeps no source
//! positions, so a short pass over the block's lines finds where each `<tr`
//! opens, for the row's line in citations and messages.

use super::facts::{Cite, Example, Facts, MethodLine, StatusRow};
use super::fields::{
    json_in, leading_code, method_line, path_and_method, request_target, states_in, table_fields,
};
use super::huawei::response_for;
use super::rst::{Row, Table};
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};

pub const FORMAT: &str = "Markdown with HTML tables";

pub fn detect(text: &str) -> bool {
    text.contains("<table")
        && text
            .lines()
            .any(|l| l.starts_with("# ") || l.starts_with("## "))
}

/// Text of a `<td>`/`<th>` cell: entities decoded by the parser, `<strong>`
/// and `<b>` as `**`, list items as `- ` lines, `</p>`, `<br>`, `</ul>` and
/// `</ol>` as line breaks, in-page links as `[[anchor]]`, whitespace collapsed
/// within each line and empty lines dropped.
fn cell_text(cell: ElementRef<'_>) -> String {
    let mut out = String::new();
    for edge in cell.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => match e.name() {
                    "strong" | "b" => out.push_str("**"),
                    "li" => out.push_str("\n- "),
                    "br" => out.push('\n'),
                    "a" => {
                        if let Some(h) = e.attr("href").and_then(|h| h.strip_prefix('#')) {
                            out.push_str(&format!(" [[{h}]] "));
                        }
                    }
                    _ => {}
                },
                _ => {}
            },
            Edge::Close(node) => match node.value().as_element().map(|e| e.name()) {
                Some("strong" | "b") => out.push_str("**"),
                Some("p" | "ul" | "ol") => out.push('\n'),
                _ => {}
            },
        }
    }
    out.lines()
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
        while i < lines.len() {
            i += 1;
            if lines[i - 1].contains("</table>") {
                break;
            }
        }
        let mut rows = rows(&lines[start..i], start + 1);
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

/// The rows of one `<table>` block whose first line is `first` (1-based).
/// Cells come from the parsed tree; each row's line is where its `<tr` opens,
/// found by [`tr_opens`] because the tree keeps no source positions.
fn rows(block: &[&str], first: usize) -> Vec<Row> {
    let opens: Vec<usize> = block
        .iter()
        .enumerate()
        .flat_map(|(n, l)| std::iter::repeat_n(first + n, tr_opens(l)))
        .collect();
    let html = Html::parse_fragment(&block.join("\n"));
    html.root_element()
        .descendent_elements()
        .filter(|e| e.value().name() == "tr")
        .enumerate()
        .map(|(k, tr)| Row {
            cells: tr
                .child_elements()
                .filter(|c| matches!(c.value().name(), "td" | "th"))
                .map(cell_text)
                .collect(),
            line: opens.get(k).copied().unwrap_or(first),
        })
        .collect()
}

/// How many `<tr` start tags open on `line` (not `<track`, `<tref`, ...).
fn tr_opens(line: &str) -> usize {
    let lower = line.to_ascii_lowercase();
    lower
        .match_indices("<tr")
        .filter(|(at, _)| {
            lower[at + 3..]
                .chars()
                .next()
                .is_none_or(|c| c.is_ascii_whitespace() || c == '>' || c == '/')
        })
        .count()
}

fn heading(line: &str) -> Option<String> {
    let t = line.strip_prefix('#')?;
    let t = t.trim_start_matches('#').trim();
    let t = t.split("<a ").next().unwrap_or(t).trim();
    Some(t.to_owned())
}

/// A `#` section: its title and the line indexes of its body.
struct Sec {
    title: String,
    start: usize,
    end: usize,
}

/// The page's `#` sections, in order.
fn sections(lines: &[&str]) -> Vec<Sec> {
    let mut secs: Vec<Sec> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some(h) = heading(l) {
            if let Some(last) = secs.last_mut() {
                last.end = i;
            }
            secs.push(Sec {
                title: h,
                start: i + 1,
                end: lines.len(),
            });
        }
    }
    secs
}

fn sec_at(secs: &[Sec], idx: usize) -> Option<&Sec> {
    secs.iter().rev().find(|s| s.start <= idx && idx < s.end)
}

/// Fenced code blocks: (1-based line of the opening fence, content).
fn fenced(lines: &[&str]) -> Vec<(usize, String)> {
    let mut fence: Option<(usize, Vec<&str>)> = None;
    let mut blocks = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("```") {
            match fence.take() {
                Some((start, body)) => blocks.push((start, body.join("\n"))),
                None => fence = Some((i + 1, Vec::new())),
            }
        } else if let Some((_, body)) = fence.as_mut() {
            body.push(l);
        }
    }
    blocks
}

fn in_fence(blocks: &[(usize, String)], idx: usize) -> bool {
    blocks
        .iter()
        .any(|(start, body)| idx + 1 >= *start && idx < start + body.lines().count() + 1)
}

pub fn read(text: &str) -> Facts {
    let lines: Vec<&str> = text.lines().collect();
    let secs = sections(&lines);
    let blocks = fenced(&lines);
    let mut f = Facts {
        format: FORMAT,
        title: lines
            .iter()
            .find(|l| l.starts_with("# "))
            .and_then(|l| heading(l)),
        ..Facts::default()
    };
    methods(&lines, &secs, &blocks, &mut f);
    read_tables(&lines, &secs, &mut f);
    for sec in &secs {
        section_facts(&lines, sec, &blocks, &mut f);
    }
    f.states = states_in(&lines, "description");
    f
}

/// Method lines (outside code fences) of the URI section, else of the page;
/// `PATH:` and `Method:` lines where the URI section has no method line.
fn methods(lines: &[&str], secs: &[Sec], blocks: &[(usize, String)], f: &mut Facts) {
    let uri = secs.iter().find(|s| s.title.eq_ignore_ascii_case("uri"));
    let range = uri.map_or(0..lines.len(), |s| s.start..s.end);
    for i in range.clone() {
        if in_fence(blocks, i) {
            continue;
        }
        if let Some((method, path)) = method_line(&lines[i].replace('\\', "")) {
            let part = sec_at(secs, i).map_or("URI".to_owned(), |s| s.title.clone());
            f.methods.push(MethodLine {
                method,
                path,
                cite: Cite::new(part, i + 1),
            });
        }
    }
    if f.methods.is_empty()
        && let Some((method, path, k)) = path_and_method(&lines[range.clone()])
    {
        let part = uri.map_or("URI".to_owned(), |s| s.title.clone());
        f.methods.push(MethodLine {
            method,
            path,
            cite: Cite::new(format!("{part} (PATH and Method)"), range.start + k + 1),
        });
    }
}

/// A table's code column, when it lists status codes.
fn status_rows_of(t: &Table) -> Option<Vec<StatusRow>> {
    let code_col = t.column(&["status code", "returned value"])?;
    let rows = t
        .rows
        .iter()
        .filter_map(|row| {
            let code = row.cells.get(code_col).and_then(|c| leading_code(c))?;
            Some(StatusRow {
                code,
                text: row
                    .cells
                    .iter()
                    .skip(1)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
                line: row.line,
            })
        })
        .collect();
    Some(rows)
}

fn read_tables(lines: &[&str], secs: &[Sec], f: &mut Facts) {
    let tables = tables(lines);
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
        let sec = sec_at(secs, t.line - 1)
            .map(|s| s.title.to_ascii_lowercase())
            .unwrap_or_default();
        let caption = t.caption.clone().unwrap_or_else(|| sec.clone());
        if let Some(rows) = status_rows_of(t) {
            f.statuses.extend(rows);
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
}

/// What one section says: "None" for no body, its examples, a shared page it refers to.
fn section_facts(lines: &[&str], sec: &Sec, blocks: &[(usize, String)], f: &mut Facts) {
    let lower = sec.title.to_ascii_lowercase();
    let body: Vec<(usize, &str)> = (sec.start..sec.end)
        .map(|i| (i + 1, lines[i].trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let says_none = body
        .first()
        .is_some_and(|(_, l)| l.eq_ignore_ascii_case("none"));
    if lower == "response" && says_none {
        let line = body.first().map_or(sec.start, |(n, _)| *n);
        response_for(&mut f.responses, None).empty = Some(Cite::new("Response: None", line));
    }
    let mine: Vec<&(usize, String)> = blocks
        .iter()
        .filter(|(l, _)| *l > sec.start && *l <= sec.end)
        .collect();
    let example_request = lower.contains("example request")
        || (lower.contains("request")
            && !lower.contains("response")
            && f.request_example.is_none());
    if example_request && !mine.is_empty() {
        let line = mine.first().map_or(sec.start, |(l, _)| *l);
        f.request_example = Some(Example {
            body: mine.iter().find_map(|(_, b)| json_in(b)),
            headers: Vec::new(),
            status: None,
            target: mine.iter().find_map(|(_, b)| request_target(b)),
            cite: Cite::new(sec.title.clone(), line),
        });
    }
    let example_response = lower.contains("example response")
        || (lower.contains("response") && !lower.contains("abnormal"));
    if example_response
        && !says_none
        && let Some((line, b)) = mine.first()
    {
        response_for(&mut f.responses, None).example = Some(Example {
            body: json_in(b),
            headers: Vec::new(),
            status: None,
            target: None,
            cite: Cite::new(sec.title.clone(), *line),
        });
    }
    let refers = lower.contains("returned value")
        || lower.contains("status code")
        || lower.contains("error code");
    if refers
        && f.statuses.is_empty()
        && let Some((line, l)) = body.iter().find(|(_, l)| l.contains("]("))
    {
        let target = l
            .split('[')
            .nth(1)
            .and_then(|r| r.split(']').next())
            .unwrap_or("");
        f.general_ref = Some(Cite::new(
            format!("{} (refers to {target})", sec.title),
            *line,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of the only cell of a one-row table around `html`.
    fn cell(html: &str) -> String {
        let page = format!("<table><tr><td>{html}</td></tr></table>");
        let lines: Vec<&str> = page.lines().collect();
        let rows = rows(&lines, 1);
        assert_eq!(rows.len(), 1, "{page}");
        rows[0].cells.join("|")
    }

    #[test]
    fn cells_keep_bold_lists_and_links() {
        let html = "<p id=\"a\">Type.</p>\n<ul><li><strong>SOFT</strong>: soft</li><li><strong id=\"b\"><a name=\"x\"></a>HARD</strong>: hard</li></ul> see <a href=\"#t3\">Table 3</a>";
        assert_eq!(
            cell(html),
            "Type.\n- **SOFT**: soft\n- **HARD**: hard\nsee [[t3]] Table 3"
        );
    }

    #[test]
    fn cells_decode_every_entity_and_nested_tags() {
        // Hex and named references beyond the five common ones, in text and
        // in attributes; a non-breaking space counts as whitespace.
        let html = "<p>Don&#x27;t &rarr; use &le;&nbsp;5 &amp; &lt;b&gt;&#160;x</p>\
                    <p><strong><em>Note</em></strong>: see <a href=\"#t&#x32;\"><code>T2</code></a></p>\
                    <ol><li><b>a</b><br/>b &mdash; c</li></ol>";
        assert_eq!(
            cell(html),
            "Don't → use ≤ 5 & <b> x\n**Note**: see [[t2]] T2\n- **a**\nb — c"
        );
    }

    #[test]
    fn rows_keep_the_line_their_tr_opens_on() {
        let page = "<table><thead><tr><th>Name</th><th>Type</th></tr></thead>\n\
                    <tbody><tr id=\"r1\"><td>a</td>\n\
                    <td>String</td></tr><tr><td>b</td><td>Integer</td></tr>\n\
                    <TR\n class=\"x\"><td>c<td>Boolean</TR>\n\
                    </tbody></table>";
        let lines: Vec<&str> = page.lines().collect();
        let got: Vec<(usize, String)> = rows(&lines, 10)
            .into_iter()
            .map(|r| (r.line, r.cells.join("|")))
            .collect();
        let want = [
            (10, "Name|Type"),
            (11, "a|String"),
            (12, "b|Integer"),
            (13, "c|Boolean"),
        ];
        assert_eq!(got, want.map(|(l, c)| (l, c.to_owned())).to_vec(), "{page}");
    }
}

//! The reStructuredText pieces vendor pages are made of: section titles, grid
//! and simple tables (with their `.. table::` caption and `.. _anchor:`
//! label), code blocks, directives with an indented body, and inline markup.
//!
//! Line numbers are 1-based, as a person reads them in an editor.

/// A section title and where its body starts and ends (line indexes, 0-based).
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub start: usize,
    pub end: usize,
}

/// A table: its header cells and rows, each cell's lines joined with `\n`.
#[derive(Debug, Clone)]
pub struct Table {
    /// "Table 4 RestarInstanceInfo" (markup removed).
    pub caption: Option<String>,
    pub anchor: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
    /// 1-based line of the table's first line.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub cells: Vec<String>,
    pub line: usize,
}

impl Table {
    /// Index of the first header cell matching one of `names` (case-insensitive).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.header.iter().position(|h| {
            let h = plain(h).to_ascii_lowercase();
            names.iter().any(|n| h == *n)
        })
    }
}

/// A code block's content, dedented.
#[derive(Debug, Clone)]
pub struct Code {
    pub lines: Vec<String>,
    /// 1-based line of the directive.
    pub line: usize,
    /// 1-based line of the first content line.
    pub first: usize,
}

impl Code {
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

fn indent(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ').count()
}

fn is_underline(line: &str, title: &str) -> bool {
    let t = line.trim_end();
    let Some(first) = t.chars().next() else {
        return false;
    };
    "=-~^\"'`#*+".contains(first)
        && t.chars().all(|c| c == first)
        && t.chars().count() >= 3
        && t.chars().count() + 2 >= title.trim().chars().count()
}

/// Section titles (a text line underlined with one repeated punctuation character).
pub fn sections(lines: &[&str]) -> Vec<Section> {
    let mut found: Vec<Section> = Vec::new();
    for i in 0..lines.len().saturating_sub(1) {
        let title = lines[i];
        if title.trim().is_empty() || title.starts_with(' ') || title.starts_with(['+', '|', '.']) {
            continue;
        }
        if is_underline(lines[i + 1], title) && !is_underline(title, title) {
            if let Some(prev) = found.last_mut() {
                prev.end = i;
            }
            found.push(Section {
                title: plain(title.trim()),
                start: i + 2,
                end: lines.len(),
            });
        }
    }
    found
}

/// The section that holds line index `idx`.
pub fn section_at(sections: &[Section], idx: usize) -> Option<&Section> {
    sections
        .iter()
        .rev()
        .find(|s| s.start <= idx && idx < s.end)
}

fn is_grid_border(t: &str) -> bool {
    t.starts_with('+') && t.len() > 2 && t.chars().all(|c| matches!(c, '+' | '-' | '='))
}

fn simple_border_runs(t: &str) -> Option<Vec<usize>> {
    if t.is_empty() || !t.chars().all(|c| c == '=' || c == ' ') {
        return None;
    }
    let chars: Vec<char> = t.chars().collect();
    let mut starts = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if *c == '=' && (i == 0 || chars[i - 1] == ' ') {
            starts.push(i);
        }
    }
    (starts.len() >= 2).then_some(starts)
}

/// Every grid and simple table of the page, with its caption and anchor.
pub fn tables(lines: &[&str]) -> Vec<Table> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        let parsed = if is_grid_border(t) {
            Some(grid(lines, i))
        } else if let Some(starts) = simple_border_runs(t) {
            simple(lines, i, &starts)
        } else {
            None
        };
        match parsed {
            Some((mut table, next)) => {
                label(lines, i, &mut table);
                out.push(table);
                i = next.max(i + 1);
            }
            None => i += 1,
        }
    }
    out
}

/// The `.. table::` caption and `.. _anchor:` label above the table at `start`.
fn label(lines: &[&str], start: usize, table: &mut Table) {
    let mut j = start;
    let mut seen_directive = false;
    while j > 0 {
        j -= 1;
        let t = lines[j].trim();
        if t.is_empty() {
            continue;
        }
        if let Some(cap) = t.strip_prefix(".. table::") {
            if seen_directive {
                break;
            }
            seen_directive = true;
            let cap = plain(cap.trim());
            if !cap.is_empty() {
                table.caption = Some(cap);
            }
            continue;
        }
        if let Some(a) = t.strip_prefix(".. _").and_then(|a| a.strip_suffix(':')) {
            table.anchor = Some(a.to_owned());
        }
        break;
    }
}

fn grid(lines: &[&str], start: usize) -> (Table, usize) {
    let base = indent(lines[start]);
    let border: Vec<char> = lines[start].chars().collect();
    let bounds: Vec<usize> = border
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == '+')
        .map(|(i, _)| i)
        .collect();
    let mut table = Table {
        caption: None,
        anchor: None,
        header: Vec::new(),
        rows: Vec::new(),
        line: start + 1,
    };
    let mut current: Option<(Vec<Vec<String>>, usize)> = None;
    let mut header_done = false;
    let mut i = start + 1;
    let finish = |cur: Option<(Vec<Vec<String>>, usize)>| {
        cur.map(|(cells, line)| Row {
            cells: cells.into_iter().map(|c| join_cell(&c)).collect(),
            line,
        })
    };
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if indent(line) != base || !(t.starts_with('+') || t.starts_with('|')) {
            break;
        }
        if is_grid_border(t) {
            if let Some(row) = finish(current.take()) {
                if !header_done && t.contains('=') {
                    table.header = row.cells;
                    header_done = true;
                } else {
                    table.rows.push(row);
                }
            } else if t.contains('=') {
                header_done = true;
            }
        } else {
            let chars: Vec<char> = line.chars().collect();
            let entry = current
                .get_or_insert_with(|| (vec![Vec::new(); bounds.len().saturating_sub(1)], i + 1));
            for (k, w) in bounds.windows(2).enumerate() {
                let from = (w[0] + 1).min(chars.len());
                let to = w[1].min(chars.len());
                let cell: String = chars[from..to].iter().collect();
                if let Some(col) = entry.0.get_mut(k) {
                    col.push(cell.trim().to_owned());
                }
            }
        }
        i += 1;
    }
    if let Some(row) = finish(current) {
        table.rows.push(row);
    }
    // A table with no `===` line has no header row: its first row is the header.
    if !header_done && !table.rows.is_empty() {
        table.header = table.rows.remove(0).cells;
    }
    (table, i)
}

fn join_cell(lines: &[String]) -> String {
    let mut out: Vec<&str> = lines.iter().map(String::as_str).collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    out.join("\n")
}

fn cut(chars: &[char], starts: &[usize], k: usize, base: usize) -> String {
    let from = (starts[k] + base).min(chars.len());
    let to = starts
        .get(k + 1)
        .map_or(chars.len(), |s| (s + base).min(chars.len()));
    chars[from..to.max(from)]
        .iter()
        .collect::<String>()
        .trim()
        .to_owned()
}

fn simple(lines: &[&str], start: usize, starts: &[usize]) -> Option<(Table, usize)> {
    let base = indent(lines[start]);
    let mut borders = vec![start];
    let mut i = start + 1;
    while i < lines.len() && borders.len() < 3 {
        let t = lines[i].trim();
        if simple_border_runs(t).is_some() {
            borders.push(i);
        } else if t.is_empty() && borders.len() < 2 {
            return None;
        } else if t.is_empty() || indent(lines[i]) < base {
            break;
        }
        i += 1;
    }
    if borders.len() < 3 {
        return None;
    }
    let split = |idx: usize| -> Vec<String> {
        let chars: Vec<char> = lines[idx].chars().collect();
        (0..starts.len())
            .map(|k| cut(&chars, starts, k, base))
            .collect()
    };
    let header = split(start + 1);
    let mut rows: Vec<Row> = Vec::new();
    for (idx, line) in lines
        .iter()
        .enumerate()
        .take(borders[2])
        .skip(borders[1] + 1)
    {
        if line.trim().is_empty() {
            continue;
        }
        let cells = split(idx);
        match rows.last_mut() {
            Some(prev) if cells[0].is_empty() => {
                for (p, c) in prev.cells.iter_mut().zip(cells) {
                    if !c.is_empty() {
                        p.push('\n');
                        p.push_str(&c);
                    }
                }
            }
            _ => rows.push(Row {
                cells,
                line: idx + 1,
            }),
        }
    }
    Some((
        Table {
            caption: None,
            anchor: None,
            header,
            rows,
            line: start + 1,
        },
        borders[2] + 1,
    ))
}

/// A directive's name, argument and body lines (1-based line, dedented text).
pub type Directive<'a> = (&'a str, &'a str, Vec<(usize, String)>);

/// A directive at line index `i`: its name, argument and indented body (dedented).
pub fn directive<'a>(lines: &[&'a str], i: usize) -> Option<Directive<'a>> {
    let line = lines[i];
    let t = line.trim_start().strip_prefix(".. ")?;
    let (name, arg) = t.split_once("::")?;
    if name.contains(' ') {
        return None;
    }
    let base = indent(line);
    let mut body: Vec<(usize, &str)> = Vec::new();
    let mut j = i + 1;
    while j < lines.len() {
        let l = lines[j];
        if !l.trim().is_empty() && indent(l) <= base {
            break;
        }
        body.push((j + 1, l));
        j += 1;
    }
    while body.last().is_some_and(|(_, l)| l.trim().is_empty()) {
        body.pop();
    }
    let min = body
        .iter()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(_, l)| indent(l))
        .min()
        .unwrap_or(0);
    let body = body
        .into_iter()
        .map(|(n, l)| {
            (
                n,
                l.chars()
                    .skip(min)
                    .collect::<String>()
                    .trim_end()
                    .to_owned(),
            )
        })
        .collect();
    Some((name.trim(), arg.trim(), body))
}

/// Every `.. code::` / `.. code-block::` block.
pub fn code_blocks(lines: &[&str]) -> Vec<Code> {
    let mut out = Vec::new();
    for i in 0..lines.len() {
        if let Some((name, _, body)) = directive(lines, i)
            && matches!(name, "code" | "code-block" | "sourcecode")
        {
            let body: Vec<(usize, String)> = body
                .into_iter()
                .skip_while(|(_, l)| l.trim().is_empty() || l.trim_start().starts_with(':'))
                .collect();
            let first = body.first().map_or(i + 1, |(n, _)| *n);
            out.push(Code {
                lines: body.into_iter().map(|(_, l)| l).collect(),
                line: i + 1,
                first,
            });
        }
    }
    out
}

/// Inline markup removed: `**x**`, ``` ``x`` ```, `:ref:`Text <target>``.
pub fn plain(s: &str) -> String {
    let mut out = s.replace("**", "").replace("``", "");
    while let Some(at) = out.find(":ref:`") {
        let rest = &out[at + 6..];
        let Some(end) = rest.find('`') else { break };
        let inner = &rest[..end];
        let text = inner.split('<').next().unwrap_or(inner).trim().to_owned();
        out = format!("{}{}{}", &out[..at], text, &rest[end + 1..]);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The target of the first `:ref:` in `s`.
pub fn ref_target(s: &str) -> Option<String> {
    let at = s.find(":ref:`")?;
    let rest = &s[at + 6..];
    let inner = &rest[..rest.find('`')?];
    let open = inner.find('<')?;
    let close = inner.find('>')?;
    Some(inner[open + 1..close].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_and_simple_tables_are_read_with_caption_and_anchor() {
        let text = "\
.. _t1:

.. table:: **Table 1** Things

   +------+-------+
   | Name | Type  |
   +======+=======+
   | a    | One   |
   |      | two   |
   +------+-------+
   | b    | Three |
   +------+-------+

==== =====
Code Text
==== =====
200  ok
     fine
400  bad
==== =====
";
        let lines: Vec<&str> = text.lines().collect();
        let t = tables(&lines);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].caption.as_deref(), Some("Table 1 Things"));
        assert_eq!(t[0].anchor.as_deref(), Some("t1"));
        assert_eq!(t[0].header, ["Name", "Type"]);
        assert_eq!(t[0].rows[0].cells, ["a", "One\ntwo"]);
        assert_eq!(t[0].rows[1].line, 11);
        assert_eq!(t[1].header, ["Code", "Text"]);
        assert_eq!(t[1].rows[0].cells, ["200", "ok\nfine"]);
        assert_eq!(t[1].rows[1].cells, ["400", "bad"]);
        assert_eq!(t[1].caption, None);
    }

    #[test]
    fn inline_markup_is_removed() {
        assert_eq!(plain(":ref:`Info <a_b>` object"), "Info object");
        assert_eq!(plain("can be **soft** or ``hard``"), "can be soft or hard");
        assert_eq!(
            ref_target(":ref:`Info <a_b>` object").as_deref(),
            Some("a_b")
        );
    }
}

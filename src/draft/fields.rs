//! Parameter tables ──► fields, shared by the table-based readers: names,
//! types, "Mandatory", enumerations given in prose, nested tables.

use serde_json::Value;

use super::facts::{Cite, Field, StatusRow};
use super::rst::{Table, plain, ref_target};

/// The rows of a status-code table whose `code_col` holds a code, each
/// with the other cells joined by `sep` as its text.
pub fn status_rows(t: &Table, code_col: usize, sep: &str) -> Vec<StatusRow> {
    t.rows
        .iter()
        .filter_map(|row| {
            let code = row.cells.get(code_col).and_then(|c| leading_code(c))?;
            let text = row
                .cells
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != code_col)
                .map(|(_, c)| plain(c))
                .collect::<Vec<_>>()
                .join(sep);
            Some(StatusRow {
                code,
                text,
                line: row.line,
            })
        })
        .collect()
}

/// The status code a cell starts with: `202`, `400 Bad Request`, `**204**`.
pub fn leading_code(cell: &str) -> Option<u16> {
    let t = plain(cell);
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let rest = &t[digits.len()..];
    let code: u16 = digits.parse().ok()?;
    ((100..600).contains(&code)
        && digits.len() == 3
        && !rest.starts_with(|c: char| c.is_alphanumeric()))
    .then_some(code)
}

/// JSON Schema type for a type cell as vendors spell it.
pub fn json_type(type_text: &str) -> Option<&'static str> {
    let t = plain(type_text).to_ascii_lowercase();
    let t = t.trim();
    if t.starts_with("array") || t.starts_with("list") || t.ends_with("[]") {
        Some("array")
    } else if t.starts_with("string") {
        Some("string")
    } else if t.starts_with("integer") || t.starts_with("int") || t.starts_with("long") {
        Some("integer")
    } else if t.starts_with("number") || t.starts_with("float") || t.starts_with("double") {
        Some("number")
    } else if t.starts_with("boolean") || t.starts_with("bool") {
        Some("boolean")
    } else if t.ends_with("object") || t.starts_with("object") || t.starts_with("dict") {
        Some("object")
    } else {
        None
    }
}

/// Values in bold (`**x**`) or literal (``` ``x`` ```) markup.
fn marked(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for mark in ["**", "``"] {
        for (k, inside) in s.split(mark).enumerate() {
            let v = inside.trim();
            if k % 2 == 1 && !v.is_empty() && !v.contains(' ') {
                out.push(v.to_owned());
            }
        }
    }
    out
}

/// Enumerated values stated in a description: an "Enumerated values" list,
/// else the marked values of a "can be …" / "valid values are …" sentence,
/// else a bullet list whose items start with a marked value and a colon.
pub fn enum_values(description: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |v: String, out: &mut Vec<String>| {
        if !out.contains(&v) {
            out.push(v);
        }
    };
    let lower = description.to_ascii_lowercase();
    if let Some(at) = lower.find("enumerated values") {
        for line in description[at..].lines().skip(1) {
            let t = line.trim();
            if let Some(item) = t
                .strip_prefix('-')
                .or_else(|| t.strip_prefix('*').filter(|r| r.starts_with(' ')))
            {
                let item = item.trim();
                let v = marked(item)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| plain(item));
                if !v.is_empty() {
                    push(v, &mut out);
                }
            } else if !t.is_empty() {
                break;
            }
        }
        if !out.is_empty() {
            return out;
        }
    }
    let flat = description.replace('\n', " ");
    for sentence in flat.split_inclusive(['.', ';']) {
        let l = sentence.to_ascii_lowercase();
        if [
            "can be",
            "valid values are",
            "possible values are",
            "value is",
            "values are",
            "one of",
            "set the value to",
            "can be set to",
            "value range",
            "options:",
        ]
        .iter()
        .any(|k| l.contains(k))
        {
            for v in marked(sentence) {
                push(v, &mut out);
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    for line in description.lines() {
        let t = line.trim().trim_start_matches(['-', '*']).trim_start();
        // `- **SOFT**: soft restart`, or an item that is the value alone: `- **start**`.
        let head = match t.split_once(':') {
            Some((head, _)) => head,
            None => t.trim_end_matches(['.', ',', ';']),
        };
        let whole = t.split_once(':').is_some()
            || marked(head)
                .first()
                .is_some_and(|v| head == format!("**{v}**"));
        if t.starts_with("**")
            && whole
            && let Some(v) = marked(head).into_iter().next()
        {
            push(v, &mut out);
        }
    }
    out
}

/// The fields of a parameter table; `lookup` finds a table a row refers to
/// (by `:ref:` anchor or by a "Table N" link) for nested objects.
pub fn table_fields<'a>(
    table: &Table,
    cite: &str,
    lookup: &dyn Fn(&str) -> Option<&'a Table>,
    depth: usize,
) -> Vec<Field> {
    let name_col = table.column(&["parameter", "name", "field"]).unwrap_or(0);
    let mand_col = table.column(&["mandatory", "required"]);
    let type_col = table.column(&["type"]);
    let desc_col = table.column(&["description"]);
    let mut fields = Vec::new();
    for row in &table.rows {
        let cell = |c: Option<usize>| {
            c.and_then(|c| row.cells.get(c))
                .cloned()
                .unwrap_or_default()
        };
        let name = plain(&cell(Some(name_col))).replace("\\ ", "");
        let name = name.trim_matches(['{', '}']).to_owned();
        if name.is_empty() {
            continue;
        }
        let type_cell = type_col.map(|_| cell(type_col));
        let description = cell(desc_col);
        let required = mand_col
            .map(|_| cell(mand_col).trim().eq_ignore_ascii_case("yes"))
            .or_else(|| type_cell.as_deref().and_then(marked_required));
        let type_text = type_cell.map(|t| strip_marks(&t));
        let target = type_text
            .as_deref()
            .and_then(ref_target)
            .or_else(|| type_text.as_deref().and_then(table_link))
            .or_else(|| ref_target(&description))
            .or_else(|| table_link(&description));
        let mut children = Vec::new();
        let mut array_of_objects = false;
        if let Some(t) = target.as_deref().and_then(lookup)
            && depth < 8
        {
            let sub_cite = t.caption.clone().unwrap_or_else(|| cite.to_owned());
            children = table_fields(t, &sub_cite, lookup, depth + 1);
            array_of_objects = type_text.as_deref().and_then(json_type) == Some("array");
        }
        fields.push(Field {
            name,
            enum_values: enum_values(&description),
            type_text: type_text.map(|t| plain(&t)),
            required,
            children,
            array_of_objects,
            description: plain(&description),
            cite: Cite::new(cite, row.line),
        });
    }
    fields
}

/// Rackspace marks a type cell `String *(Required)*` or `Object *(Optional)*`.
fn marked_required(type_cell: &str) -> Option<bool> {
    let t = type_cell.to_ascii_lowercase();
    if t.contains("(required)") {
        Some(true)
    } else if t.contains("(optional)") {
        Some(false)
    } else {
        None
    }
}

/// The type cell without its `*(Optional)*` / `*(Required)*` mark.
fn strip_marks(type_cell: &str) -> String {
    let mut t = type_cell.to_owned();
    for mark in ["*(Optional)*", "*(Required)*", "(Optional)", "(Required)"] {
        t = t.replace(mark, "");
    }
    t.trim().to_owned()
}

/// "For details, see Table 3" or an `<a href="#anchor">` link turned into `[[anchor]]`.
fn table_link(description: &str) -> Option<String> {
    let at = description.find("[[")?;
    let rest = &description[at + 2..];
    Some(rest[..rest.find("]]")?].to_owned())
}

/// The first JSON value in a code block, after any request line and headers.
pub fn json_in(text: &str) -> Option<Value> {
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with(['{', '[']) {
            start = Some(offset);
            break;
        }
        offset += line.len();
    }
    // Pages copied from a browser carry no-break spaces and line separators
    // in their examples; JSON allows neither as whitespace.
    let candidate = text[start?..]
        .replace(['\u{a0}', '\u{feff}'], " ")
        .replace(['\u{2028}', '\u{2029}'], "\n");
    let candidate = candidate.trim();
    if let Ok(v) = serde_json::from_str(candidate) {
        return Some(v);
    }
    // A body followed by prose or a second block: read the first value only.
    let mut stream = serde_json::Deserializer::from_str(candidate).into_iter::<Value>();
    stream.next().and_then(Result::ok)
}

/// `POST /v1/{project_id}/instances/{instance_id}/action` ──► (method, path).
///
/// The path may follow a scheme and host (`POST https://{*Endpoint*}/v3/…`),
/// carry emphasis (`/projects/**{project_id}**/…`) or Markdown escapes
/// (`\{project\_id\}`), and a list bullet may come first.
pub fn method_line(line: &str) -> Option<(String, String)> {
    let line = line.trim().trim_start_matches(['-', '*', ' ']);
    let mut parts = line.split_whitespace();
    let method = parts.next()?;
    let target = parts.next()?;
    let rest = parts.next();
    if !METHODS.contains(&method) || rest.is_some_and(|r| !r.starts_with("HTTP/")) {
        return None;
    }
    let target = target.replace(['\\', '*'], "");
    let path = match target.split_once("://") {
        Some((scheme, after)) if scheme.chars().all(|c| c.is_ascii_alphabetic()) => {
            &after[after.find('/')?..]
        }
        _ => target.as_str(),
    };
    path.starts_with('/')
        .then(|| (method.to_owned(), path.to_owned()))
}

/// The methods a method line may start with.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// A `PATH: /x` line and a `Method: POST` line near it (within three lines):
/// (method, path, index of the PATH line).
pub fn path_and_method(lines: &[&str]) -> Option<(String, String, usize)> {
    let clean = |l: &str| {
        l.trim()
            .trim_start_matches(['-', '*', ' '])
            .replace('\\', "")
    };
    let (at, path) = lines.iter().enumerate().find_map(|(i, l)| {
        let c = clean(l);
        let p = c
            .strip_prefix("PATH:")
            .or_else(|| c.strip_prefix("Path:"))?;
        let p = p.trim();
        p.starts_with('/').then(|| (i, p.to_owned()))
    })?;
    let near = lines.iter().skip(at.saturating_sub(3)).take(7);
    let method = near.filter_map(|l| {
        let c = clean(l);
        let m = c.strip_prefix("Method:")?.trim().to_owned();
        METHODS.contains(&m.as_str()).then_some(m)
    });
    method.into_iter().next().map(|m| (m, path, at))
}

/// States a page's prose gives for the restart: "goes into a ``REBOOT``
/// state", then "the status changes to ``ACTIVE``".
pub fn states_in(lines: &[&str], cite: &str) -> Option<super::facts::States> {
    let joined: Vec<(usize, String)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect();
    let text: String = joined
        .iter()
        .map(|(_, l)| l.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let lower = text.to_ascii_lowercase();
    let pick = |key: &str| -> Option<String> {
        let at = lower.find(key)?;
        marked(&text[at + key.len()..]).into_iter().next()
    };
    let restarting = pick("goes into a ").or_else(|| pick("enters the "))?;
    let steady = pick("changes to ").or_else(|| pick("returns to "))?;
    let line = joined
        .iter()
        .find(|(_, l)| {
            l.to_ascii_lowercase().contains("goes into")
                || l.to_ascii_lowercase().contains("enters the")
        })
        .map_or(1, |(n, _)| *n);
    Some(super::facts::States {
        restarting: vec![restarting],
        steady: vec![steady],
        cite: Cite::new(cite, line),
    })
}

/// The path of an example's request line: `POST https://{endpoint}/v2.1/x`
/// or `POST /v1.0/x HTTP/1.1` ──► `/v2.1/x`, `/v1.0/x`.
pub fn request_target(text: &str) -> Option<String> {
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let (Some(m), Some(url)) = (parts.next(), parts.next()) else {
            continue;
        };
        if !METHODS.contains(&m) {
            continue;
        }
        let path = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or("/"),
            None => url,
        };
        return Some(path.to_owned());
    }
    None
}

/// `reboot` and `reboot.type` ──► `reboot { type }`.
pub fn nest(fields: Vec<Field>) -> Vec<Field> {
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
    fn enums_come_from_lists_sentences_and_bullets() {
        let listed = "Restart type.\n\nEnumerated values:\n\n-  **soft**\n-  **hard**";
        assert_eq!(enum_values(listed), ["soft", "hard"]);
        assert_eq!(enum_values("The value can be **restart**."), ["restart"]);
        assert_eq!(
            enum_values("The valid values are ``HARD`` and ``SOFT``."),
            ["HARD", "SOFT"]
        );
        assert_eq!(
            enum_values("The type.\n- **SOFT**: soft restart\n- **HARD**: forcible"),
            ["SOFT", "HARD"]
        );
        assert!(
            enum_values("User token. The value of **X-Subject-Token** is the token.").is_empty()
        );
    }

    #[test]
    fn uri_lines_are_read_in_the_shapes_pages_write_them() {
        let want = |p: &str| Some(("POST".to_owned(), p.to_owned()));
        let path = "/v3/{project_id}/instances/{instance_id}/action";
        assert_eq!(method_line(&format!("POST {path}")), want(path));
        assert_eq!(
            method_line(&format!("   -  POST https://{{*Endpoint*}}{path}")),
            want(path)
        );
        assert_eq!(
            method_line("POST /v2/projects/**{project_id}**/nodes/**{node_id}**/reload"),
            want("/v2/projects/{project_id}/nodes/{node_id}/reload")
        );
        assert_eq!(
            method_line(r"POST /rds/v1/\{project\_id\}/action"),
            want("/rds/v1/{project_id}/action")
        );
        assert_eq!(method_line("POST /x HTTP/1.1"), want("/x"));
        assert_eq!(method_line("POST the request"), None);
        assert_eq!(method_line("- **204**: Instance restarted"), None);
        let lines = [
            "-  URI format",
            "",
            "   PATH: /rds/v1/{project_id}/x",
            "",
            "   Method: POST",
        ];
        assert_eq!(
            path_and_method(&lines),
            Some(("POST".into(), "/rds/v1/{project_id}/x".into(), 2))
        );
        assert_eq!(path_and_method(&lines[..3]), None);
    }

    #[test]
    fn codes_lead_their_cells() {
        assert_eq!(leading_code("400 Bad Request"), Some(400));
        assert_eq!(leading_code("**204**"), Some(204));
        assert_eq!(leading_code("202"), Some(202));
        assert_eq!(leading_code("2024-01-01"), None);
        assert_eq!(leading_code("4000"), None);
        assert_eq!(leading_code("Bad Request"), None);
        assert_eq!(
            enum_values("Set the value to **mongos** if mongos nodes restart."),
            ["mongos"]
        );
        assert_eq!(enum_values("It can be set to **cdm** only."), ["cdm"]);
        assert_eq!(
            enum_values("The options are as follows:\n\n-  **start**\n-  **stop**"),
            ["start", "stop"]
        );
        assert!(enum_values("-  **Note** that this restarts the node.").is_empty());
    }

    #[test]
    fn vendor_types_map_to_json_types() {
        assert_eq!(json_type("String"), Some("string"));
        assert_eq!(json_type(":ref:`Info <a>` object"), Some("object"));
        assert_eq!(json_type("Array of :ref:`Info <a>` objects"), Some("array"));
        assert_eq!(json_type("Integer"), Some("integer"));
        assert_eq!(json_type("Widget"), None);
    }

    #[test]
    fn the_json_of_an_http_example_is_found() {
        let v = json_in("POST /x HTTP/1.1\nX: y\n\n{\"a\": {}}\n").unwrap_or_default();
        assert_eq!(v, serde_json::json!({"a": {}}));
        assert_eq!(json_in("HTTP/1.1 202 Accepted\nContent-Length: 0"), None);
    }
}

//! Credentials written in a YAML file we read (target file, `clouds.yaml`, `secure.yaml`), found
//! so that a located error can show the file without them.
//!
//! Everything under a credential key ([`is_credential_key`]) is a credential: a plain or quoted
//! value on the key's line, a value on the next lines, a block scalar (`|`, `>`), a sequence, a
//! nested or flow mapping, a quoted string over several lines. Errors are shown when a file is
//! broken, so the structure is read twice and the two readings are joined:
//!
//! - by indentation, line by line, which works on any text: a key's value is what follows it on
//!   its line and every following line indented deeper than the key (and, when the key's line
//!   holds no value, the `- ` items at the key's own indentation), and a quoted value runs to its
//!   closing quote;
//! - by the YAML parser's events, as far as the file parses: the exact span of every node under
//!   a credential key, and its value as a parsed string (what error messages quote).
//!
//! Knows nothing about the files' meaning, nor about how errors are drawn.

use std::ops::Range;

use serde_saphyr::granit_parser::{Event, Parser};

use super::{CREDENTIAL_WORDS, MASK};

/// Values shorter than this are left alone in error messages: masking `p` in every title would
/// hide more than it protects. The file's line still shows them masked.
const MIN_VALUE_CHARS: usize = 3;

/// Whether a YAML key names a credential: it contains one of the credential words (`token`,
/// `password`, `secret`, …) or `key` (`api_key`, `application_credential_secret`, `auth_token`,
/// …), compared without case, or it is an AK/SK secret key (`sk`, `…_sk`). A key containing
/// `env` (`token_env`, or a misspelt `token_envv`) names an environment variable, and one ending
/// in `_file` names a file: neither is the secret, and the error is often about that very name.
pub fn is_credential_key(key: &str) -> bool {
    let lower = key.trim().to_ascii_lowercase();
    if lower.contains("env") || lower.ends_with("_file") {
        return false;
    }
    // `sk` is a secret key (AK/SK); as a word it would match too much (`disk`).
    lower == "sk"
        || lower.ends_with("_sk")
        || lower.contains("key")
        || CREDENTIAL_WORDS.iter().any(|w| lower.contains(w))
}

/// The credentials of one YAML text: where they are, and the strings they read as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YamlSecrets {
    /// Byte ranges of the text, each within one line and without surrounding blanks; sorted,
    /// not overlapping.
    spans: Vec<Range<usize>>,
    /// As the file writes them and as a parser reads them; longest first.
    values: Vec<String>,
}

impl YamlSecrets {
    /// Finds every credential of `source`, a YAML text that need not parse.
    pub fn find(source: &str) -> YamlSecrets {
        let mut spans = by_indentation(source);
        let mut values = Vec::new();
        by_events(source, &mut spans, &mut values);
        let spans = per_line(source, spans);
        for span in &spans {
            values.extend(pieces(&source[span.clone()]));
        }
        values.retain(|v| v.chars().count() >= MIN_VALUE_CHARS && v != MASK);
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        YamlSecrets { spans, values }
    }

    /// `text` (a title, a label, a hint about the file) with every credential value masked.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), MASK);
            }
        }
        out
    }

    /// The credential parts of `range` of the text (one line), relative to its start.
    pub fn spans_within(&self, range: Range<usize>) -> Vec<Range<usize>> {
        self.spans
            .iter()
            .filter(|s| s.start < range.end && s.end > range.start)
            .map(|s| s.start.max(range.start) - range.start..s.end.min(range.end) - range.start)
            .collect()
    }
}

/// The lines of `source` as (byte offset, text without its line break).
fn lines(source: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for raw in source.split_inclusive('\n') {
        let text = raw.trim_end_matches('\n').trim_end_matches('\r');
        out.push((at, text));
        at += raw.len();
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// One credential key on a line, as [`line_keys`] finds it.
struct Key {
    /// Byte column of the key's first character.
    column: usize,
    /// Inside a flow collection (`{ password: x }`).
    flow: bool,
    /// The value on the key's line, if any (a block scalar or collection opener is none).
    inline: Option<Range<usize>>,
    /// The value opens a quote that this line does not close.
    open_quote: Option<char>,
}

/// The credential keys of one line, block (`token: abc`, `- token: abc`) or flow style
/// (`{ user: u, password: "p w" }`), with the value each has on the line. A value runs to the
/// end of the line (before a comment), in flow style to the next `,`, `}` or `]`; a quoted one
/// to its closing quote, a flow collection to its closing bracket.
fn line_keys(line: &str) -> Vec<Key> {
    let bytes = line.as_bytes();
    let mut keys = Vec::new();
    let mut i = 0;
    while let Some(found) = line[i..].find(':') {
        let colon = i + found;
        i = colon + 1;
        // A mapping key is followed by a space or the end of the line.
        if !matches!(bytes.get(colon + 1), None | Some(b' ' | b'\t')) {
            continue;
        }
        let before = line[..colon].trim_end();
        let key_start = before
            .rfind([' ', '\t', '{', ',', '-', '?'])
            .map_or(0, |k| k + 1);
        let key = before[key_start..].trim_matches(['"', '\'']);
        if key.is_empty() || !is_credential_key(key) {
            continue;
        }
        let flow = line[..key_start].contains(['{', '[']);
        let after = &line[colon + 1..];
        let start = colon + 1 + (after.len() - after.trim_start().len());
        let rest = &line[start..];
        let mut open_quote = None;
        let len = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => match closing_quote(&rest[1..], q) {
                Some(e) => e + 2,
                None => {
                    open_quote = Some(q);
                    rest.len()
                }
            },
            Some('{' | '[') => flow_end(rest).unwrap_or(rest.len()),
            Some('#') => 0,
            Some(_) if flow => rest.find([',', '}', ']']).unwrap_or(rest.len()),
            Some(_) => rest.find(" #").unwrap_or(rest.len()),
            None => 0,
        };
        let value = rest[..len].trim_end();
        let inline =
            (!value.is_empty() && !is_indicator(value)).then(|| start..start + value.len());
        keys.push(Key {
            column: key_start,
            flow,
            inline,
            open_quote,
        });
        i = i.max(start + len);
    }
    keys
}

/// A block scalar header (`|`, `>-`, `|2+`) or a lone flow opener: syntax, not a value.
fn is_indicator(value: &str) -> bool {
    matches!(value, "{" | "[")
        || (value.starts_with(['|', '>'])
            && value[1..]
                .chars()
                .all(|c| matches!(c, '-' | '+' | '1'..='9')))
}

/// The byte offset in `s` (the text after an opening quote `q`) of the closing quote: `\"` is
/// escaped in double quotes, `''` in single ones.
fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if q == '"' && c == '\\' {
            chars.next();
        } else if c == q {
            if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                chars.next();
            } else {
                return Some(i);
            }
        }
    }
    None
}

/// The length of the flow collection `s` opens, up to its closing bracket, if this text holds it.
fn flow_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            '"' | '\'' => {
                let close = closing_quote(&s[i + 1..], c)?;
                let skip_to = i + 1 + close;
                while chars.next().is_some_and(|(j, _)| j < skip_to) {}
            }
            _ => {}
        }
    }
    None
}

/// Credential spans read by indentation, line by line; see the module documentation.
fn by_indentation(source: &str) -> Vec<Range<usize>> {
    let lines = lines(source);
    let mut spans = Vec::new();
    // Lines before this one are already masked whole, their keys' values with them.
    let mut masked_to = 0;
    // A quote char found unclosed once stays unclosed to the end: no need to look again.
    let mut unclosed: Vec<char> = Vec::new();
    for (n, &(at, line)) in lines.iter().enumerate() {
        if n < masked_to {
            continue;
        }
        for key in line_keys(line) {
            if let Some(v) = &key.inline {
                spans.push(at + v.start..at + v.end);
            }
            // What follows the key's line belongs to it when indented deeper than the key (in
            // flow style, deeper than the line).
            let threshold = if key.flow { indent(line) } else { key.column };
            let mut next = n + 1;
            if let Some(q) = key.open_quote.filter(|q| !unclosed.contains(q)) {
                // A quoted value runs to its closing quote, whatever the indentation.
                let end =
                    (n + 1..lines.len()).find_map(|m| closing_quote(lines[m].1, q).map(|e| (m, e)));
                if end.is_none() {
                    unclosed.push(q);
                }
                if let Some(end) = end {
                    for &(a, l) in &lines[n + 1..end.0] {
                        spans.push(a..a + l.len());
                    }
                    spans.push(lines[end.0].0..lines[end.0].0 + end.1 + 1);
                    next = end.0 + 1;
                }
            }
            let items = key.inline.is_none() && key.open_quote.is_none() && !key.flow;
            while let Some(&(a, l)) = lines.get(next) {
                let t = l.trim_start();
                let ind = indent(l);
                let item = items && ind == threshold && (t == "-" || t.starts_with("- "));
                if t.is_empty() || (t.starts_with('#') && ind <= threshold) {
                    // Blank lines and comments do not end a value.
                } else if ind > threshold || item {
                    spans.push(a..a + l.len());
                } else {
                    break;
                }
                next += 1;
            }
            masked_to = masked_to.max(next);
        }
    }
    spans
}

/// A collection the parser is inside of.
struct Frame {
    /// For a mapping, whether a key or a value comes next; `None` for a sequence.
    map: Option<MapState>,
    /// The collection is itself (inside) a credential.
    secret: bool,
    /// Where it starts, in bytes.
    start: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MapState {
    Key,
    /// The value of the key just read, which may name a credential.
    Value {
        credential: bool,
    },
}

impl Frame {
    /// Whether the next node in this collection is (inside) a credential.
    fn next_is_secret(&self) -> bool {
        self.secret || self.map == Some(MapState::Value { credential: true })
    }
}

/// A node ended in the collection on top of `stack`: a mapping moves between key and value.
fn node_done(stack: &mut [Frame], key_is_credential: bool) {
    if let Some(top) = stack.last_mut() {
        top.map = match top.map {
            Some(MapState::Key) => Some(MapState::Value {
                credential: key_is_credential,
            }),
            Some(MapState::Value { .. }) => Some(MapState::Key),
            None => None,
        };
    }
}

/// Credential spans and values read from the parser's events, as far as `source` parses.
fn by_events(source: &str, spans: &mut Vec<Range<usize>>, values: &mut Vec<String>) {
    let mut parser = Parser::new_from_str(source);
    let mut stack: Vec<Frame> = Vec::new();
    while let Some(item) = parser.next_event() {
        let (event, span) = match item {
            Ok(ok) => ok,
            Err(e) => {
                // A credential collection cut short by the error: mask up to where it broke.
                let at = e.marker().byte_offset().unwrap_or(source.len());
                if let Some(start) = stack.iter().find(|f| f.secret).and_then(|f| f.start) {
                    spans.push(start..at.max(start));
                }
                return;
            }
        };
        let (start, end) = (span.start.byte_offset(), span.end.byte_offset());
        let secret = stack.last().is_some_and(Frame::next_is_secret);
        let is_key = stack.last().is_some_and(|f| f.map == Some(MapState::Key));
        match event {
            Event::Scalar(value, ..) => {
                if secret {
                    if let (Some(s), Some(e)) = (start, end) {
                        spans.push(s..e);
                    }
                    let quoted = format!("{value:?}");
                    values.push(quoted[1..quoted.len() - 1].to_owned());
                    values.push(value.into_owned());
                    node_done(&mut stack, false);
                } else {
                    node_done(&mut stack, is_key && is_credential_key(&value));
                }
            }
            Event::Alias(..) | Event::UnresolvedAlias(..) => node_done(&mut stack, false),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let map = matches!(event, Event::MappingStart(..)).then_some(MapState::Key);
                stack.push(Frame { map, secret, start });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(f) = stack.pop()
                    && f.secret
                    && let (Some(s), Some(e)) = (f.start, end)
                {
                    spans.push(s..e.max(s));
                }
                node_done(&mut stack, false);
            }
            _ => {}
        }
    }
}

/// `spans` cut at line breaks, each piece without surrounding blanks, sorted and merged.
fn per_line(source: &str, spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut pieces: Vec<Range<usize>> = Vec::new();
    for span in spans {
        let (start, end) = (span.start.min(source.len()), span.end.min(source.len()));
        if start >= end || !source.is_char_boundary(start) || !source.is_char_boundary(end) {
            continue;
        }
        let mut at = start;
        for part in source[start..end].split_inclusive('\n') {
            let trimmed = part.trim_start();
            let s = at + (part.len() - trimmed.len());
            let e = s + trimmed.trim_end().len();
            if s < e {
                pieces.push(s..e);
            }
            at += part.len();
        }
    }
    pieces.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for p in pieces {
        match merged.last_mut() {
            Some(last) if p.start <= last.end => last.end = last.end.max(p.end),
            _ => merged.push(p),
        }
    }
    merged
}

/// The strings a masked piece of a line may be quoted as: the piece, without its sequence dash,
/// quotes or flow punctuation, and the value of a `key: value` in it.
fn pieces(piece: &str) -> Vec<String> {
    let bare = |s: &str| {
        s.trim()
            .trim_start_matches(['-', ' '])
            .trim_matches(['"', '\'', ',', '{', '}', '[', ']', ' '])
            .to_owned()
    };
    let mut out = vec![piece.trim().to_owned(), bare(piece)];
    if let Some((_, value)) = piece.split_once(": ") {
        out.push(bare(value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of `source` with every credential span replaced by the mask.
    fn masked(source: &str) -> String {
        let s = YamlSecrets::find(source);
        let mut out = String::new();
        let mut copied = 0;
        for span in &s.spans {
            out.push_str(&source[copied..span.start]);
            out.push_str(MASK);
            copied = span.end;
        }
        out.push_str(&source[copied..]);
        out
    }

    #[test]
    fn credential_keys_are_recognised_and_env_names_kept() {
        for key in [
            "token",
            "auth_token",
            "Password",
            "application_credential_secret",
            "api_key",
            "credential",
            "sk",
            "os_sk",
        ] {
            assert!(is_credential_key(key), "{key}");
        }
        for key in [
            "token_env",
            "token_envv",
            "base_url",
            "vars",
            "auth",
            "project_id",
            "key_file",
            "disk",
        ] {
            assert!(!is_credential_key(key), "{key}");
        }
    }

    #[test]
    fn a_value_on_the_key_line_is_masked_in_block_and_flow_style() {
        assert_eq!(
            masked("  apis: { x: { api_key: k1, y: 2 }, secret: 's, t' }\n"),
            "  apis: { x: { api_key: ***, y: 2 }, secret: *** }\n"
        );
        assert_eq!(
            masked("auth:\n  token: abc # note\n"),
            "auth:\n  token: *** # note\n"
        );
        assert_eq!(
            masked("auth:\n  token_env: OS_X\n"),
            "auth:\n  token_env: OS_X\n"
        );
        assert_eq!(
            masked("a: { password: \"x\\\"y\", b: c }\n"),
            "a: { password: ***, b: c }\n"
        );
    }

    #[test]
    fn every_shape_of_value_under_a_key_is_masked_up_to_the_next_sibling() {
        let shapes = [
            "auth:\n  password:\n    next-line-value\n  username: u\n",
            "auth:\n  password:\n    - in-a-sequence\n  username: u\n",
            "auth:\n  password:\n  - at-key-indent\n  username: u\n",
            "auth:\n  password:\n    inner: nested-map-value\n  username: u\n",
            "auth:\n  password: |\n    block-line-1\n    block-line-2\n  username: u\n",
            "auth:\n  password: >-\n    folded-1\n\n    folded-2\n  username: u\n",
            "auth:\n  password: [flow-a,\n    flow-b]\n  username: u\n",
            "auth:\n  password: \"quoted-1\n    quoted-2\"\n  username: u\n",
            "auth:\n  - password:\n      item-map-value\n  - username: u\n",
        ];
        for src in shapes {
            let out = masked(src);
            for word in [
                "next-line-value",
                "in-a-sequence",
                "at-key-indent",
                "nested-map-value",
                "block-line",
                "folded",
                "flow-",
                "quoted-",
                "item-map-value",
            ] {
                assert!(!out.contains(word), "{src:?} became {out:?}");
            }
            assert!(out.contains("username: u"), "{src:?} became {out:?}");
            assert_eq!(out.lines().count(), src.lines().count(), "{out:?}");
        }
    }

    #[test]
    fn a_broken_file_is_masked_by_indentation_after_the_break() {
        // The parser gives up at the unclosed bracket; indentation still reads the rest.
        let src = "clouds:\n  c:\n    auth:\n      username: [unclosed\n      password:\n        broken-after\n      project_name: p\n";
        let out = masked(src);
        assert!(!out.contains("broken-after"), "{out}");
        assert!(
            out.contains("project_name: p") && out.contains("[unclosed"),
            "{out}"
        );
        // An unclosed quote runs to its closing quote, even at a lower indentation.
        let src = "password: \"starts here\nends-here\" \nuser: u\n";
        let out = masked(src);
        assert!(
            !out.contains("starts") && !out.contains("ends-here"),
            "{out}"
        );
        assert!(out.contains("user: u"), "{out}");
    }

    #[test]
    fn values_are_found_as_written_and_as_parsed() {
        let s = YamlSecrets::find("password: |\n  line-one\n  line-two\nuser: \"bob\"\n");
        let shown = s.mask("invalid value \"line-one\\nline-two\\n\" and line-two; user bob");
        assert_eq!(shown, "invalid value \"***\" and ***; user bob");
        let s = YamlSecrets::find("auth:\n  password:\n    - seq-Value-9\n");
        assert_eq!(s.mask("got seq-Value-9"), "got ***");
    }

    proptest::proptest! {
        /// Whatever breaks the file after it, no line of the file shows a value written under
        /// a credential key once masked, nor does a message quoting it; and no text panics.
        #[test]
        fn a_value_under_a_key_stays_hidden_whatever_follows(
            value in "Zq[a-z0-9]{4,10}",
            shape in 0usize..8,
            junk in "[a-z:\\[\\]{}|>\"' #,\n-]{0,40}",
        ) {
            let under = match shape {
                0 => format!("  password: {value}\n"),
                1 => format!("  password:\n    {value}\n"),
                2 => format!("  password:\n    - {value}\n"),
                3 => format!("  password:\n  - {value}\n"),
                4 => format!("  password:\n    a: {value}\n"),
                5 => format!("  password: |\n    {value}\n"),
                6 => format!("  password: [a,\n    {value}]\n"),
                _ => format!("  password: \"a\n {value}\"\n"),
            };
            let src = format!("auth:\n{under}{junk}");
            let s = YamlSecrets::find(&src);
            for (at, line) in lines(&src) {
                let mut shown = line.to_owned();
                for r in s.spans_within(at..at + line.len()).iter().rev() {
                    shown.replace_range(r.clone(), MASK);
                }
                proptest::prop_assert!(!shown.contains(&value), "{:?} shows {:?}", src, shown);
            }
            let quoted = s.mask(&format!("got {value}"));
            proptest::prop_assert!(!quoted.contains(&value), "{}", quoted);
            YamlSecrets::find(&junk);
        }
    }

    #[test]
    fn spans_within_a_line_are_relative_to_it() {
        let src = "a: 1\ntoken: abcd\n";
        let s = YamlSecrets::find(src);
        assert_eq!(s.spans_within(5..16), vec![Range { start: 7, end: 11 }]);
        assert!(s.spans_within(0..4).is_empty());
    }
}

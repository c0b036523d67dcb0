//! Located diagnostics: a message pointing at a line and column of a file we read.
//!
//! Spec and target files share this renderer, so every configuration error
//! looks the same: a title, the file, line and column, the offending line with
//! a caret, and a sentence that says what to change.
//!
//! A target or clouds file may hold a credential, written there by mistake or on purpose, and
//! its errors end up in CI logs. So the value of every credential-looking key (`token`,
//! `password`, `secret`, `key`, `credential`, …, see [`is_credential_key`]) is shown as `***`:
//! in the snippet line, and wherever the same value appears in the title, label or help.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use std::fmt;
use std::path::{Path, PathBuf};

/// A 1-based position in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub fn new(line: u64, column: u64) -> Pos {
        Pos {
            line: usize::try_from(line).unwrap_or(usize::MAX).max(1),
            column: usize::try_from(column).unwrap_or(usize::MAX).max(1),
        }
    }

    pub fn from_saphyr(loc: &serde_saphyr::Location) -> Pos {
        Pos::new(loc.line(), loc.column())
    }
}

/// One configuration error found in a file, ready to show to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub path: PathBuf,
    pub pos: Option<Pos>,
    /// Short title: "unknown key", "invalid JSON Schema", …
    pub title: String,
    /// What is wrong at that place.
    pub label: String,
    /// What to change.
    pub help: Option<String>,
    /// The file's text, kept to draw the snippet.
    source: String,
}

impl Located {
    pub fn new(path: &Path, source: &str, pos: Option<Pos>, title: impl Into<String>) -> Located {
        Located {
            path: path.to_path_buf(),
            pos,
            title: title.into(),
            label: String::new(),
            help: None,
            source: source.to_owned(),
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Located {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Located {
        self.help = Some(help.into());
        self
    }

    /// `path:line:column`, the part a person pastes into an editor.
    pub fn place(&self) -> String {
        match self.pos {
            Some(p) => format!("{}:{}:{}", self.path.display(), p.line, p.column),
            None => self.path.display().to_string(),
        }
    }

    /// Plain text rendering (no colour), used for files, tests and non-terminals.
    ///
    /// Credential values found in the file are masked; see the module documentation.
    pub fn render(&self) -> String {
        let secrets = credential_values(&self.source);
        let mask = |text: &str| mask_values(text, &secrets);
        let (title, label) = (mask(&self.title), mask(&self.label));
        let help = self.help.as_deref().map(mask);
        let path = self.path.display().to_string();
        let snippet = self.pos.and_then(|p| line_span(&self.source, p));
        let mut out = match snippet {
            Some((line_text, line_no, range)) => {
                let (line_text, range) = mask_line(line_text, range);
                let snippet = Snippet::source(line_text.as_str())
                    .line_start(line_no)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(range).label(label.as_str()));
                let mut group = Level::ERROR.primary_title(title.as_str()).element(snippet);
                if let Some(help) = &help {
                    group = group.element(Level::HELP.message(help.as_str()));
                }
                Renderer::plain().render(&[group])
            }
            None => {
                let mut s = format!("error: {title}\n  --> {}", self.place());
                if !label.is_empty() {
                    s.push_str(&format!("\n   = {label}"));
                }
                if let Some(help) = &help {
                    s.push_str(&format!("\n   = help: {help}"));
                }
                s
            }
        };
        // The snippet header shows `path:line:column`; say it once more in the
        // first line so a one-line log still carries the place.
        if !out.contains(&self.place()) {
            out.push_str(&format!("\n  at {}", self.place()));
        }
        out
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Located {}

/// Whether a YAML key names a credential: it contains `token`, `password`, `passwd`,
/// `secret`, `credential` or `key` (`api_key`, `application_credential_secret`, `auth_token`,
/// …), compared without case. A key containing `env` (`token_env`, or a misspelt `token_envv`)
/// names an environment variable, not a value, and stays visible: the error is often about that
/// very name.
pub fn is_credential_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    if lower.contains("env") {
        return false;
    }
    // `sk` is a secret key (AK/SK); a word would match too much (`disk`).
    lower == "sk"
        || lower.ends_with("_sk")
        || ["token", "password", "passwd", "secret", "credential", "key"]
            .iter()
            .any(|w| lower.contains(w))
}

/// Byte ranges of the values of credential-looking keys on one line, block (`token: abc`) or
/// flow style (`{ user: u, password: "p w" }`). A value runs to the end of the line, or in flow
/// style to the next `,` or `}`; a quoted one to its closing quote.
fn credential_spans(line: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
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
            .rfind([' ', '\t', '{', ',', '-'])
            .map_or(0, |k| k + 1);
        let key = before[key_start..].trim_matches(['"', '\'']);
        if key.is_empty() || !is_credential_key(key) {
            continue;
        }
        let in_flow = line[..key_start].contains('{');
        let start = colon + 1 + (line.len() - colon - 1 - line[colon + 1..].trim_start().len());
        let rest = &line[start..];
        let len = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].find(q).map_or(rest.len(), |e| e + 2),
            Some(_) if in_flow => rest.find([',', '}']).unwrap_or(rest.len()),
            Some(_) => rest.find(" #").unwrap_or(rest.len()),
            None => 0,
        };
        let value = rest[..len].trim_end();
        // A nested mapping (`auth:` then an indented block) or an empty value holds no secret.
        if !value.is_empty() && !matches!(value, "{" | "[" | "|" | ">") {
            spans.push(start..start + value.len());
        }
        i = i.max(start + len);
    }
    spans
}

/// Every credential value in `source`, unquoted, longest first.
fn credential_values(source: &str) -> Vec<String> {
    let mut values: Vec<String> = source
        .lines()
        .flat_map(|l| {
            credential_spans(l)
                .into_iter()
                .map(move |r| l[r].trim_matches(['"', '\'']).to_owned())
        })
        .filter(|v| v.chars().count() >= 3)
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    values
}

fn mask_values(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .fold(text.to_owned(), |t, s| t.replace(s.as_str(), MASK))
}

const MASK: &str = "***";

/// `line` with its credential values masked, and `caret` moved to follow the text it marked.
fn mask_line(line: &str, caret: std::ops::Range<usize>) -> (String, std::ops::Range<usize>) {
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    // Maps an offset of `line` to one of `out`, for the caret.
    let mut shifts: Vec<(usize, usize, usize)> = Vec::new();
    for span in credential_spans(line) {
        out.push_str(&line[copied..span.start]);
        shifts.push((span.start, span.end, out.len()));
        out.push_str(MASK);
        copied = span.end;
    }
    out.push_str(&line[copied..]);
    let map = |at: usize| {
        let mut delta: isize = 0;
        for &(start, end, new_start) in &shifts {
            if at >= end {
                delta = (new_start + MASK.len()) as isize - end as isize;
            } else if at >= start {
                // Inside a masked value: point at the mask.
                return new_start + (at - start).min(MASK.len() - 1);
            }
        }
        at.saturating_add_signed(delta)
    };
    let (start, end) = (map(caret.start), map(caret.end));
    let end = end.max(start + 1).min(out.len().max(start + 1));
    (out, start..end)
}

/// The text of line `pos.line`, its number, and the byte range of the token at
/// `pos.column` within it (up to the next space or `:`; at least one character).
fn line_span(source: &str, pos: Pos) -> Option<(&str, usize, std::ops::Range<usize>)> {
    let line = source.lines().nth(pos.line.checked_sub(1)?)?;
    // Columns count characters; the snippet wants bytes.
    let start = line
        .char_indices()
        .nth(pos.column.saturating_sub(1))
        .map(|(i, _)| i)
        .unwrap_or(line.len());
    let rest = &line[start..];
    let len = rest
        .find(|c: char| c.is_whitespace() || c == ':' || c == ',')
        .unwrap_or(rest.len())
        .max(rest.chars().next().map_or(0, char::len_utf8));
    Some((line, pos.line, start..start + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_points_at_line_and_column() {
        let src = "api: ecs\nresponses:\n  - stauts: 202\n";
        let e = Located::new(
            Path::new("specs/ecs.yaml"),
            src,
            Some(Pos::new(3, 5)),
            "unknown key `stauts`",
        )
        .label("not a field of a response")
        .help("did you mean `status`?");
        let text = e.render();
        assert!(text.contains("specs/ecs.yaml:3:5"), "{text}");
        assert!(text.contains("stauts: 202"), "{text}");
        assert!(text.contains("^^^^^^"), "{text}");
        assert!(text.contains("did you mean `status`?"), "{text}");
    }

    #[test]
    fn render_without_position_still_names_the_file() {
        let e = Located::new(Path::new("t.yaml"), "", None, "empty file").help("write a target");
        let text = e.render();
        assert!(text.contains("t.yaml"));
        assert!(text.contains("write a target"));
    }

    #[test]
    fn credential_values_are_masked_in_the_snippet() {
        let src = "auth:\n  token: abc123\n";
        let e = Located::new(
            Path::new("t.yaml"),
            src,
            Some(Pos::new(2, 3)),
            "unknown key",
        )
        .label("unknown field `token`");
        let text = e.render();
        assert!(!text.contains("abc123"), "{text}");
        assert!(text.contains("token: ***"), "{text}");
        assert!(text.contains("^^^^^"), "{text}");
    }

    #[test]
    fn a_caret_on_a_masked_value_points_at_the_mask() {
        let src = "apis: { ecs: { password: \"hunter22 x\", base_url: u } }\n";
        let e = Located::new(Path::new("t.yaml"), src, Some(Pos::new(1, 26)), "bad value")
            .label("invalid type: string \"hunter22 x\"");
        let text = e.render();
        assert!(!text.contains("hunter22"), "{text}");
        assert!(text.contains("password: ***, base_url: u"), "{text}");
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
        ] {
            assert!(!is_credential_key(key), "{key}");
        }
        assert_eq!(
            credential_spans("  apis: { x: { api_key: k1, y: 2 }, secret: 's, t' }")
                .into_iter()
                .map(|r| &"  apis: { x: { api_key: k1, y: 2 }, secret: 's, t' }"[r])
                .collect::<Vec<_>>(),
            ["k1", "'s, t'"]
        );
        assert!(credential_spans("auth:").is_empty());
        assert!(credential_spans("  token_env: OS_AUTH_TOKEN").is_empty());
    }

    #[test]
    fn position_past_the_end_does_not_panic() {
        let e = Located::new(Path::new("x"), "a\n", Some(Pos::new(40, 90)), "t");
        assert!(e.render().contains("x:40:90"));
    }
}

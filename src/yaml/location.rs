//! Located diagnostics: a message pointing at a line and column of a file we read.
//!
//! Every file we read shares this renderer, so every configuration error
//! looks the same: a title, the file, line and column, the offending line with
//! a caret, and a sentence that says what to change.
//!
//! A target or clouds file may hold a credential, written there by mistake or on purpose, and
//! its errors end up in CI logs. So whatever a credential-looking key (`token`, `password`,
//! `secret`, `key`, `credential`, …, see [`crate::redact::is_credential_key`]) holds, on its
//! line or below it, is shown as `***`: in the snippet line, and wherever the same value
//! appears in the title, label or help (see [`crate::redact::YamlSecrets`]). Spec files hold no
//! credentials: their errors are shown as written ([`Located::unmasked`]).

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use std::fmt;
use std::ops::Range;

use crate::redact::{MASK, YamlSecrets};
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

    /// Where a parsed value was written, when the parser knows.
    pub fn of<T>(value: &serde_saphyr::Spanned<T>) -> Option<Pos> {
        Some(Pos::from_saphyr(&value.referenced)).filter(|p| p.line > 0)
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
    /// Whether the credentials written in the file are masked (see the module documentation).
    masked: bool,
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
            masked: true,
        }
    }

    /// This error shown as the file is written, for a file that holds no credentials by
    /// design: a spec file, whose keys such as `no_token` or a schema's `password` property name
    /// things rather than hold them, and would otherwise hide the very lines an error is about.
    pub fn unmasked(mut self) -> Located {
        self.masked = false;
        self
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
        let secrets = if self.masked {
            YamlSecrets::find(&self.source)
        } else {
            YamlSecrets::default()
        };
        let mask = |text: &str| secrets.mask(text);
        let (title, label) = (mask(&self.title), mask(&self.label));
        let help = self.help.as_deref().map(mask);
        let path = self.path.display().to_string();
        let snippet = self.pos.and_then(|p| line_span(&self.source, p));
        let mut out = match snippet {
            Some((line_text, line_no, line_at, range)) => {
                let hidden = secrets.spans_within(line_at..line_at + line_text.len());
                let (line_text, range) = mask_line(line_text, &hidden, range);
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

/// Every error of a file set, drawn one after the other with a blank line between.
pub fn render_all(errors: &[Located]) -> String {
    errors
        .iter()
        .map(Located::render)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `line` with its `hidden` ranges masked, and `caret` moved to follow the text it marked.
fn mask_line(line: &str, hidden: &[Range<usize>], caret: Range<usize>) -> (String, Range<usize>) {
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    // Maps an offset of `line` to one of `out`, for the caret.
    let mut shifts: Vec<(usize, usize, usize)> = Vec::new();
    for span in hidden.iter().cloned() {
        out.push_str(&line[copied..span.start]);
        shifts.push((span.start, span.end, out.len()));
        out.push_str(MASK);
        copied = span.end;
    }
    out.push_str(&line[copied..]);
    // A caret end (`is_end`) at a masked value's end is inside it, a caret start is not.
    let map = |at: usize, is_end: bool| {
        let mut delta: isize = 0;
        for &(start, end, new_start) in &shifts {
            if at > end || (at == end && !is_end) {
                delta = (new_start + MASK.len()) as isize - end as isize;
            } else if at > start || (at == start && !is_end) {
                // Inside a masked value: mark the whole mask.
                return new_start + if is_end { MASK.len() } else { 0 };
            }
        }
        at.saturating_add_signed(delta)
    };
    let (start, end) = (map(caret.start, false), map(caret.end, true));
    let end = end.max(start + 1).min(out.len().max(start + 1));
    (out, start..end)
}

/// The text of line `pos.line`, its number, its byte offset in `source`, and the byte range of
/// the token at `pos.column` within it (up to the next space or `:`; at least one character).
fn line_span(source: &str, pos: Pos) -> Option<(&str, usize, usize, Range<usize>)> {
    let mut line_at = 0;
    let mut found = None;
    for (n, raw) in source.split_inclusive('\n').enumerate() {
        if n + 1 == pos.line {
            found = Some(raw.trim_end_matches('\n').trim_end_matches('\r'));
            break;
        }
        line_at += raw.len();
    }
    let line = found?;
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
    Some((line, pos.line, line_at, start..start + len))
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
    fn a_value_below_its_key_is_masked_on_every_line_of_the_snippet() {
        // Each shape breaks on its value's last line, where the error points.
        let shapes = [
            (
                "auth:\n  password:\n    Next-Line-Pw1: [\n",
                3,
                "Next-Line-Pw1",
            ),
            ("auth:\n  password:\n    - Seq-Pw2\n    - [\n", 4, "Seq-Pw2"),
            (
                "auth:\n  password:\n    inner: Nested-Pw3\n    x: [\n",
                4,
                "Nested-Pw3",
            ),
            ("auth:\n  password: |\n    Block-Pw4\n  [\n", 4, "Block-Pw4"),
        ];
        for (src, line, secret) in shapes {
            for shown in line - 1..=line {
                let at = Some(Pos::new(shown as u64, 5));
                let e = Located::new(Path::new("s.yaml"), src, at, "bad")
                    .label(format!("found {secret}"));
                let text = e.render();
                assert!(!text.contains(secret), "{src:?}\n{text}");
                assert!(text.contains(&format!("s.yaml:{shown}:5")), "{text}");
                assert!(text.contains(&format!("{shown} |")), "{text}");
                if src
                    .lines()
                    .nth(shown - 1)
                    .is_some_and(|l| l.contains(secret))
                {
                    assert!(
                        text.contains("^^^"),
                        "the caret marks the whole mask:\n{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_unmasked_error_shows_the_file_as_written() {
        let src = "negative:\n  no_token:\n    stauts: [401]\n";
        let e = Located::new(
            Path::new("spec.yaml"),
            src,
            Some(Pos::new(3, 5)),
            "unknown key `stauts`",
        );
        assert!(!e.render().contains("stauts: [401]"), "{}", e.render());
        let text = e.unmasked().render();
        assert!(
            text.contains("stauts: [401]") && text.contains("unknown key `stauts`"),
            "{text}"
        );
    }

    #[test]
    fn position_past_the_end_does_not_panic() {
        let e = Located::new(Path::new("x"), "a\n", Some(Pos::new(40, 90)), "t");
        assert!(e.render().contains("x:40:90"));
    }
}

//! Located diagnostics: a message pointing at a line and column of a file we read.
//!
//! Spec and target files share this renderer, so every configuration error
//! looks the same: a title, the file, line and column, the offending line with
//! a caret, and a sentence that says what to change.

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
    pub fn render(&self) -> String {
        let path = self.path.display().to_string();
        let mut out = match self.pos.and_then(|p| line_span(&self.source, p)) {
            Some((line_text, line_no, range)) => {
                let snippet = Snippet::source(line_text)
                    .line_start(line_no)
                    .path(path.as_str())
                    .annotation(
                        AnnotationKind::Primary
                            .span(range)
                            .label(self.label.as_str()),
                    );
                let mut group = Level::ERROR
                    .primary_title(self.title.as_str())
                    .element(snippet);
                if let Some(help) = &self.help {
                    group = group.element(Level::HELP.message(help.as_str()));
                }
                Renderer::plain().render(&[group])
            }
            None => {
                let mut s = format!("error: {}\n  --> {}", self.title, self.place());
                if !self.label.is_empty() {
                    s.push_str(&format!("\n   = {}", self.label));
                }
                if let Some(help) = &self.help {
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
    fn position_past_the_end_does_not_panic() {
        let e = Located::new(Path::new("x"), "a\n", Some(Pos::new(40, 90)), "t");
        assert!(e.render().contains("x:40:90"));
    }
}

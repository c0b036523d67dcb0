//! Spec drafting: an API reference page ──► a spec draft (YAML) in today's format.
//!
//! One reader per page format turns the page into [`facts::Facts`], every fact
//! with its page line and citation; `build` turns them into the draft, which
//! [`yaml`] writes. Formats are told apart by their content, never by the file
//! name: Huawei Cloud / Open Telekom Cloud reStructuredText, Rackspace
//! reStructuredText, Markdown with HTML tables, OpenStack os-api-ref `.inc`
//! sections, and reStructuredText whose title is the method line. What the
//! page states is drafted with its `source`; what it does not is a
//! placeholder that `specs check` refuses at its line; a shape
//! the spec format cannot hold is refused with the page line that shows it.
//!
//! This room reads page text only. It shares the spec's types (the
//! placeholder marker) with the loader and none of the loader's code: a draft
//! is checked the way a hand-written spec is, by `specs check`.

mod build;
mod expect;
pub mod facts;
mod fields;
mod huawei;
pub mod input;
mod markdown;
mod osapiref;
mod rackspace;
mod rst;
mod schema;
mod titled;
pub mod yaml;

use std::path::{Path, PathBuf};

pub use osapiref::Parameters;

use crate::yaml::{Located, Pos};

/// What `specs draft` was asked for.
#[derive(Debug, Clone, Default)]
pub struct DraftOptions {
    /// The API id; derived from the file name when absent.
    pub api: Option<String>,
    /// An os-api-ref `parameters.yaml` to resolve parameter keys.
    pub parameters: Option<PathBuf>,
}

/// A finished draft.
#[derive(Debug, Clone)]
pub struct Drafted {
    pub yaml: String,
    /// The page format it was read as.
    pub format: &'static str,
    /// How many values are left for a person to fill in.
    pub placeholders: usize,
}

/// Why a page could not be drafted from; every message is located.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(Located::render).collect::<Vec<_>>().join("\n\n"))]
pub struct DraftError(pub Vec<Located>);

impl From<Located> for DraftError {
    fn from(e: Located) -> DraftError {
        DraftError(vec![e])
    }
}

/// Drafts a spec from the page at `path`.
pub fn draft_file(path: &Path, opts: &DraftOptions) -> Result<Drafted, DraftError> {
    let text = input::read_page(path)?;
    let parameters = match &opts.parameters {
        Some(p) => Some(osapiref::load_parameters(p)?),
        None => None,
    };
    draft_text(path, &text, opts, parameters.as_ref())
}

/// The page formats, in the order they are tried.
pub const FORMATS: [&str; 5] = [
    osapiref::FORMAT,
    markdown::FORMAT,
    huawei::FORMAT,
    rackspace::FORMAT,
    titled::FORMAT,
];

/// Drafts a spec from a page's text; `path` names it in messages and `document`.
pub fn draft_text(
    path: &Path,
    text: &str,
    opts: &DraftOptions,
    parameters: Option<&Parameters>,
) -> Result<Drafted, DraftError> {
    let facts = if osapiref::detect(text) {
        osapiref::read(text, parameters)
    } else if markdown::detect(text) {
        markdown::read(text)
    } else if huawei::detect(text) {
        huawei::read(text)
    } else if rackspace::detect(text) {
        rackspace::read(text)
    } else if titled::detect(text) {
        titled::read(text)
    } else {
        return Err(Located::new(path, text, None, "unrecognised page format")
            .label("no format's markers were found")
            .help(format!("draft from one of: {}", FORMATS.join("; ")))
            .into());
    };
    let document = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let api = match &opts.api {
        Some(a) => {
            if a.is_empty()
                || !a
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(
                    Located::new(path, "", None, format!("invalid API id `{a}`"))
                        .help("use lowercase letters, digits and `-`, e.g. `clouddb-ha`")
                        .into(),
                );
            }
            a.clone()
        }
        None => api_from_name(&document),
    };
    let root = build::build(&facts, &document, &api).map_err(|list| {
        DraftError(
            list.into_iter()
                .map(|u| {
                    Located::new(path, text, Some(Pos { line: u.line.max(1), column: 1 }), "the spec format cannot hold this page")
                        .label(u.what)
                        .help("nothing was drafted; docs/book/src/drafting.md lists the shapes the spec format would need next")
                })
                .collect(),
        )
    })?;
    let placeholders = root.placeholders();
    let mut header = vec![
        format!("Draft of a spec for {document} ({}), written by `restart-conformance specs draft`.", facts.format),
        "Each value cites the page it comes from. Each \"<FILL IN: …>\" is a fact the page does not".into(),
        "give: `specs check` refuses the file, at its line, until every one is replaced.".into(),
    ];
    header.extend(facts.notes.iter().cloned());
    let yaml = yaml::to_yaml(&header, &root)
        .map_err(|e| Located::new(path, "", None, "cannot write the draft").label(e.to_string()))?;
    Ok(Drafted {
        yaml,
        format: facts.format,
        placeholders,
    })
}

/// `000_6f98ee3eae5e0145.txt` ──► `000-6f98ee3eae5e0145`.
fn api_from_name(name: &str) -> String {
    let stem = name.split('.').next().unwrap_or(name);
    let id: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let id = id.trim_matches('-').to_owned();
    if id.is_empty() { "draft".into() } else { id }
}

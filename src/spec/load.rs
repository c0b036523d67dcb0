//! Loading spec files: the built-in set, a folder, or (path, bytes) pairs ──► a [`SpecSet`].
//!
//! Parsing is strict (unknown keys, duplicate keys and non-boolean `yes`/`no`
//! are errors, see [`crate::yaml::read`]); a draft's placeholders are refused
//! first, and every rule that serde cannot express is then checked by
//! [`super::checker`]. The set's digest covers every file's name and bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};

use super::checked::{Spec, SpecSet};
use super::checker;
use super::file::{self, SpecFile};
use crate::yaml::{
    Located, MAX_FILE_BYTES, Pos, builtin_sources, is_yaml_file, parse_yaml_file, render_all,
};

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/specs");

/// How built-in specs are named in messages.
pub const BUILTIN_SPECS_LABEL: &str = "specs";

/// Every located problem found while loading a spec set.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{}", render_all(.0))]
    Invalid(Vec<Located>),
    #[error("failed to read spec directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Loads the specs built into the binary.
pub fn load_builtin() -> Result<SpecSet, SpecError> {
    load_sources(builtin_sources(&BUILTIN, BUILTIN_SPECS_LABEL))
}

/// Loads every `*.yaml`/`*.yml` file of `dir`.
pub fn load_dir(dir: &Path) -> Result<SpecSet, SpecError> {
    let io = |source| SpecError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() && is_yaml_file(&path) {
            let bytes = std::fs::read(&path).map_err(|source| SpecError::Io {
                path: path.clone(),
                source,
            })?;
            sources.push((path, bytes));
        }
    }
    if sources.is_empty() {
        return Err(SpecError::Invalid(vec![
            Located::new(dir, "", None, "no spec files")
                .label("the directory holds no *.yaml file")
                .help("point --specs at a folder of spec files, such as the project's specs/"),
        ]));
    }
    load_sources(sources)
}

/// Parses and checks spec files given as (path, bytes).
pub fn load_sources(mut sources: Vec<(PathBuf, Vec<u8>)>) -> Result<SpecSet, SpecError> {
    sources.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hasher = Sha256::new();
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    let mut apis: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (path, bytes) in &sources {
        hasher.update(
            path.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        hasher.update([0]);
        hasher.update(bytes);
        match load_one(path, bytes) {
            Ok(spec) => {
                if let Some(first) = apis.get(&spec.api) {
                    errors.push(
                        Located::new(
                            path,
                            "",
                            None,
                            format!("API `{}` is defined twice", spec.api),
                        )
                        .label(format!("also defined in {}", first.display()))
                        .help("give each spec file its own `api` id"),
                    );
                } else {
                    apis.insert(spec.api.clone(), path.clone());
                    specs.push(spec);
                }
            }
            Err(e) => errors.extend(e.into_iter().map(Located::unmasked)),
        }
    }
    if errors.is_empty() {
        let digest = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(SpecSet { specs, digest })
    } else {
        Err(SpecError::Invalid(errors))
    }
}

/// Every placeholder a draft left (see [`file::PLACEHOLDER_OPEN`]), each at
/// its line and column, with what to write there and where to look: a draft
/// cannot run until a person has filled in what its page did not say.
/// Comment lines are skipped, so a note about a placeholder is no placeholder.
fn refuse_placeholders(path: &Path, text: &str) -> Vec<Located> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut from = 0;
        while let Some(at) = line[from..].find(file::PLACEHOLDER_OPEN) {
            let start = from + at;
            let inner = &line[start + file::PLACEHOLDER_OPEN.len()..];
            let inner = inner
                .split('>')
                .next()
                .unwrap_or(inner)
                .replace("\\\"", "\"");
            let (what, where_) = inner.split_once("; ").unwrap_or((&inner, ""));
            let column = line[..start].chars().count() + 1;
            let mut e = Located::new(
                path,
                text,
                Some(Pos {
                    line: i + 1,
                    column,
                }),
                "placeholder left in a draft",
            )
            .label(format!("fill in {what}"));
            if !where_.is_empty() {
                e = e.help(where_.to_owned());
            }
            found.push(e);
            from = start + file::PLACEHOLDER_OPEN.len();
        }
    }
    found
}

/// Parses one spec file and checks it part by part, in file order, so errors
/// come out in the order a reader meets them.
fn load_one(path: &Path, bytes: &[u8]) -> Result<Spec, Vec<Located>> {
    if let (true, Ok(text)) = (bytes.len() <= MAX_FILE_BYTES, std::str::from_utf8(bytes)) {
        let left = refuse_placeholders(path, text);
        if !left.is_empty() {
            return Err(left);
        }
    }
    let (file, text) =
        parse_yaml_file::<SpecFile>(path, bytes, "spec file").map_err(|e| vec![e])?;
    checker::check(path, &text, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_page_codes_are_documented_and_checked() {
        let set = load_builtin().unwrap_or_else(|e| panic!("{e}"));
        let ha = set
            .specs
            .iter()
            .find(|s| s.api == "clouddb-ha")
            .and_then(|s| s.documented.clone())
            .unwrap_or_else(|| panic!("clouddb-ha has a status table"));
        assert!(!ha.table.contains(&415) && ha.contains(415));
        assert!(
            ha.general_source
                .as_deref()
                .is_some_and(|s| s.contains("Faults"))
        );
        assert!(!ha.contains(409));

        let text = String::from_utf8_lossy(include_bytes!("../../specs/modelarts.yaml"))
            .replace("codes: [200]", "codes: [200, 2000]");
        let err = load_sources(vec![("specs/modelarts.yaml".into(), text.into_bytes())])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("2000 is not an HTTP status code"), "{err}");
    }

    #[test]
    fn builtin_specs_load() {
        let set = load_builtin().unwrap_or_else(|e| panic!("{e}"));
        let apis: Vec<_> = set.specs.iter().map(|s| s.api.as_str()).collect();
        assert_eq!(apis, ["clouddb-ha", "clouddb", "ddm", "ecs", "modelarts"]);
        assert_eq!(set.digest.len(), 64);
    }
}

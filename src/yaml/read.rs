//! Reading a YAML file we were given: bounded, strict, and every error located.
//!
//! Spec, target, clouds, profile and product files are all read here, with the same caps (a
//! hostile file cannot exhaust memory or the stack), the same strictness (unknown keys,
//! duplicate keys and non-boolean `yes`/`no` are errors) and the same wording of a parse
//! error. What a file means, and the rules serde cannot express, belong to its reader.

use std::path::{Path, PathBuf};

use include_dir::Dir;

use super::location::{Located, Pos};

/// Caps that keep a hostile file from exhausting memory or the stack.
fn parse_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_aliases: 100,
            max_depth: 64,
            max_nodes: 200_000,
            max_documents: 1,
        },
    }
}

/// The largest spec or target file we read; real ones are a few kilobytes.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// Parses YAML into `T`, turning a parse error into a located one.
#[expect(
    clippy::result_large_err,
    reason = "a configuration error ends the run; its size is of no consequence"
)]
pub fn parse_yaml_file<T: serde::de::DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    what: &str,
) -> Result<(T, String), Located> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Located::new(path, "", None, format!("{what} is too large"))
            .label(format!(
                "{} bytes; the limit is {MAX_FILE_BYTES}",
                bytes.len()
            ))
            .help(format!(
                "a {what} is a few kilobytes of YAML; check that this is the right file"
            )));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let text = String::from_utf8_lossy(valid).into_owned();
            let line = text.matches('\n').count() + 1;
            let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(Located::new(
                path,
                &text,
                Some(Pos { line, column }),
                format!("{what} is not UTF-8 text"),
            )
            .label("invalid byte here")
            .help(format!(
                "a {what} is YAML text; check that this is the right file"
            )));
        }
    };
    if text.trim().is_empty() {
        return Err(
            Located::new(path, &text, None, format!("{what} is empty")).help(format!(
                "write the {what} as YAML; see {} for an example",
                guide(what)
            )),
        );
    }
    match serde_saphyr::from_str_with_options::<T>(&text, parse_options()) {
        Ok(v) => Ok((v, text)),
        Err(err) => {
            let pos = err
                .location()
                .map(|l| Pos::from_saphyr(&l))
                .filter(|p| p.line > 0);
            let message = clean_saphyr_message(&err.without_snippet().to_string());
            let help = help_for(&message, what);
            let mut e = Located::new(path, &text, pos, title_for(&message)).label(message);
            if let Some(h) = help {
                e = e.help(h);
            }
            Err(e)
        }
    }
}

/// serde-saphyr appends the position to its message; we show it separately.
fn clean_saphyr_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message).trim();
    let first = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    // The parser's hint about its own options means nothing to a reader of the file.
    first
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(first)
        .to_owned()
}

fn title_for(message: &str) -> String {
    if message.contains("unknown field") {
        "unknown key".into()
    } else if message.contains("missing field") {
        "missing key".into()
    } else if message.contains("duplicate") {
        "duplicate key".into()
    } else if message.contains("budget") || message.contains("depth") || message.contains("alias") {
        "file too complex".into()
    } else {
        "invalid file".into()
    }
}

fn help_for(message: &str, what: &str) -> Option<String> {
    if message.contains("unknown field `token`") {
        return Some("the token is never read from a file: set `auth.token_env` to the name of the environment variable that holds it".into());
    }
    for (key, var) in [
        ("sk", "sk_env"),
        ("ak", "ak_env"),
        ("security_token", "security_token_env"),
    ] {
        if message.contains(&format!("unknown field `{key}`")) {
            return Some(format!(
                "AK/SK are never read from a target file: set `{var}` to the name of the environment variable that holds it"
            ));
        }
    }
    if message.contains("duplicate mapping key") {
        return Some("keep one of the two entries".into());
    }
    if message.contains("budget") || message.contains("depth") || message.contains("nesting") {
        return Some(format!(
            "a {what} is a few levels deep; check that this is the right file"
        ));
    }
    if let Some(rest) = message.split("expected one of ").nth(1) {
        return Some(format!("use one of {rest}"));
    }
    if message.contains("unknown field") {
        return Some(format!(
            "remove the key or fix its spelling; {} lists the keys of a {what}",
            guide(what)
        ));
    }
    if message.contains("missing field") {
        return Some(format!(
            "add the key; {} lists the keys of a {what}",
            guide(what)
        ));
    }
    None
}

/// Where the keys of a `what` are documented: the book's chapter for a spec, profile or
/// product file, the README's target file for the others.
fn guide(what: &str) -> &'static str {
    match what {
        "spec file" => "docs/book/src/specs.md",
        "profile file" | "PRODUCT.yaml" => "docs/book/src/certification.md",
        _ => "the README (\"Pointing it at a real endpoint\")",
    }
}

/// Whether `path` names a YAML file (`*.yaml` or `*.yml`).
pub fn is_yaml_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// The YAML files of a folder built into the binary, as (path, bytes), each path under `label`
/// (the name messages give that folder).
pub fn builtin_sources(dir: &Dir<'_>, label: &str) -> Vec<(PathBuf, Vec<u8>)> {
    dir.files()
        .filter(|f| is_yaml_file(f.path()))
        .map(|f| (Path::new(label).join(f.path()), f.contents().to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::help_for;

    #[test]
    fn a_misspelt_key_points_at_where_the_file_is_documented() {
        for (what, guide) in [
            ("spec file", "docs/book/src/specs.md"),
            ("profile file", "docs/book/src/certification.md"),
            ("PRODUCT.yaml", "docs/book/src/certification.md"),
            (
                "target file",
                "the README (\"Pointing it at a real endpoint\")",
            ),
        ] {
            let help = help_for("unknown field `x`", what).unwrap_or_default();
            assert!(help.contains(guide), "{what}: {help}");
        }
    }
}

//! `specs check`, `specs export`, `specs draft`, and the generated `completions` and `man`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Outcome, config, config_msg, load_specs};
use crate::exit;
use crate::report::write_atomic;

/// `specs check`: one line per spec with its case count, then the set's digest.
pub fn check(dir: Option<&Path>) -> Outcome {
    let set = load_specs(dir)?;
    let cases = crate::plan::plan(&set);
    let mut out = std::io::stdout().lock();
    for s in &set.specs {
        let n = cases.iter().filter(|c| c.api == s.api).count();
        writeln!(out, "ok   {:12} {} ({n} cases)", s.api, s.path.display())?;
    }
    writeln!(out, "spec set digest {}", set.digest)?;
    Ok(exit::SUCCESS)
}

/// `specs export`: the OpenAPI 3.1 document to a file or standard output (`-`).
pub fn export(out: &Path, dir: Option<&Path>) -> Outcome {
    let set = load_specs(dir)?;
    let text = crate::openapi::to_json(&set)?;
    if out == Path::new("-") {
        std::io::stdout().lock().write_all(text.as_bytes())?;
    } else {
        write_atomic(out, text.as_bytes())?;
        eprintln!("OpenAPI 3.1 document: {}", out.display());
    }
    Ok(exit::SUCCESS)
}

/// `specs draft`: the page's draft to a file or standard output; exit 2 when the page cannot
/// be read or holds a shape the spec format cannot.
pub fn draft(doc: &Path, api: Option<String>, out: &Path, parameters: Option<PathBuf>) -> Outcome {
    let opts = crate::draft::DraftOptions { api, parameters };
    let d = crate::draft::draft_file(doc, &opts).map_err(config)?;
    if out == Path::new("-") {
        std::io::stdout().lock().write_all(d.yaml.as_bytes())?;
    } else {
        write_atomic(out, d.yaml.as_bytes())?;
        eprintln!("draft ({}): {}", d.format, out.display());
    }
    eprintln!(
        "{} placeholders to fill in; `restart-conformance specs check DIR` shows each at its line",
        d.placeholders
    );
    Ok(exit::SUCCESS)
}

/// `completions SHELL`: the script on standard output.
pub fn completions(shell: clap_complete::Shell) -> Outcome {
    let script = crate::generate::completions(shell);
    std::io::stdout().lock().write_all(&script)?;
    Ok(exit::SUCCESS)
}

/// `man`: the page on standard output, or every page into a folder (exit 2 when it cannot be
/// written).
pub fn man(out_dir: Option<&Path>) -> Outcome {
    use crate::generate;
    let Some(dir) = out_dir else {
        std::io::stdout().lock().write_all(&generate::man_page()?)?;
        return Ok(exit::SUCCESS);
    };
    let files = generate::man_pages(dir).map_err(|e| {
        config_msg(format!(
            "error: cannot write manual pages to {}: {e}",
            dir.display()
        ))
    })?;
    eprintln!("{} manual pages in {}", files.len(), dir.display());
    Ok(exit::SUCCESS)
}

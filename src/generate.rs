//! Shell completion scripts and manual pages, generated from the clap
//! definitions in `cli.rs` (never written by hand, so they cannot drift from
//! the flags). Both are rendered into memory first: the generators' own
//! writers panic on a write error, and a closed pipe must stay an error.

use std::io;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The command name the scripts complete and the pages document.
const BIN: &str = "restart-conformance";

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut out);
    out
}

/// The command as the pages show it. `run` blanks libtest's after-help (`after_help = ""`),
/// which the page would render as an empty EXTRA section: here it is removed instead.
fn man_command() -> clap::Command {
    Cli::command().mut_subcommand("run", |run| run.after_help(None::<&str>))
}

/// The manual page of the whole tool (roff, section 1).
pub fn man_page() -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(man_command()).render(&mut out)?;
    Ok(out)
}

/// Writes one page per command into `dir` (created if missing): `restart-conformance.1`,
/// `restart-conformance-run.1`, `restart-conformance-report-merge.1`, …; returns the
/// files written, sorted.
pub fn man_pages(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(man_command(), dir)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(BIN) && n.ends_with(".1"))
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_with_the_subcommands_and_run_options() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Elvish,
        ] {
            let script = String::from_utf8(completions(shell)).unwrap();
            for word in ["merge", "completions", "partition", "report-dir"] {
                assert!(script.contains(word), "{shell} lacks {word}");
            }
        }
    }

    #[test]
    fn every_command_gets_a_page_and_run_shows_its_headings() {
        let dir = tempfile::tempdir().unwrap();
        let files = man_pages(&dir.path().join("man1")).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for name in [
            "restart-conformance.1",
            "restart-conformance-run.1",
            "restart-conformance-report-merge.1",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
        }
        let run =
            std::fs::read_to_string(dir.path().join("man1/restart-conformance-run.1")).unwrap();
        assert!(run.contains(".TH restart-conformance-run 1"), "{run}");
        assert!(
            run.contains(".SH SELECTION") && run.contains(".SH TIMING"),
            "{run}"
        );
        assert!(!run.contains(".SH EXTRA"), "an empty section: {run}");
    }
}

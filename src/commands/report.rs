//! `report diff`, `report merge`, `report history` and `report rebuild`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{
    Failure, Outcome, check_records, config, config_msg, follow_aliases, keep_records,
    lock_report_dir,
};
use crate::exit;
use crate::records::keep::Records;
use crate::records::{history, journal, trend, trend_page};
use crate::redact::Redactor;
use crate::report::{self, write_atomic};

/// `report diff OLD NEW`: exit 1 when a case regressed.
pub fn diff(old: &Path, new: &Path) -> Outcome {
    let old = follow_aliases(report::json::load(old).map_err(config)?);
    let new = follow_aliases(report::json::load(new).map_err(config)?);
    // Case names are all the comparison prints; they go through the redactor like every report.
    let (old, new) = (
        report::redacted(&old, &Redactor::default()),
        report::redacted(&new, &Redactor::default()),
    );
    let d = report::diff::compare(&old, &new);
    write!(std::io::stdout().lock(), "{}", d.render_text())?;
    Ok(if d.has_regressions() {
        exit::TESTS_FAILED
    } else {
        exit::SUCCESS
    })
}

/// `report merge`: exit 2 when an input cannot be read or the inputs overlap, else as `run`
/// would for the union (1 when a case failed).
pub fn merge(dir: &Path, paths: &[PathBuf], records: &Records) -> Outcome {
    check_records(records)?;
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        let rep = report::json::load(path).map_err(config)?;
        reports.push((path.clone(), rep));
    }
    let merged = report::merge::merge(&reports).map_err(config)?;
    let _lock = lock_report_dir(dir, "report merge")?;
    let written =
        report::write_all(&merged, dir, None).map_err(|error| Failure::write(dir, &error))?;
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!(
        "merged {} reports ({} cases): {}",
        reports.len(),
        merged.cases.len(),
        names.join(", ")
    );
    keep_records(&merged, records, &Redactor::default())?;
    Ok(if merged.summary.failed > 0 {
        exit::TESTS_FAILED
    } else {
        exit::SUCCESS
    })
}

/// `report history`: the trend page and its Markdown from a history file; exit 2 when the
/// file cannot be read or holds no run.
pub fn history(file: &Path, dir: &Path, window: usize) -> Outcome {
    if !file.exists() {
        return Err(config_msg(format!(
            "error: no history file {}\n  = help: `run --history {0}` or `report merge --history {0}` writes one",
            file.display()
        )));
    }
    let mut history = history::read(file).map_err(config)?;
    if let Ok(profiles) = crate::profile::load_builtin() {
        for run in &mut history.runs {
            profiles.follow_aliases(run.cases.iter_mut().map(|c| &mut c.name));
        }
    }
    let redactor = Redactor::default();
    for warning in history.warnings(file) {
        eprintln!("{}", redactor.redact_str(&warning));
    }
    let trend = trend::analyse(&history.runs, window);
    let html = trend_page::to_history_html(&trend, &file.display().to_string())
        .map_err(|error| Failure::write(dir, &error))?;
    let md = trend_page::to_history_md(&trend);
    let mut written = Vec::new();
    for (name, text) in [
        (trend_page::HISTORY_HTML, html),
        (trend_page::HISTORY_MD, md),
    ] {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes()).map_err(|error| Failure::write(dir, &error))?;
        written.push(path.display().to_string());
    }
    eprintln!(
        "history of {} runs: {}",
        history.runs.len(),
        written.join(", ")
    );
    Ok(exit::SUCCESS)
}

/// `report rebuild DIR`: the four reports from the journal alone. Exit 2 when the journal
/// cannot be read, 1 when a case failed or never ran, else 0.
pub fn rebuild(dir: &Path, records: &Records) -> Outcome {
    check_records(records)?;
    // A directory that is not there holds no journal: the reader says so, and none is made.
    let _lock = match dir.is_dir() {
        true => Some(lock_report_dir(dir, "report rebuild")?),
        false => None,
    };
    let read = journal::read(dir).map_err(config)?;
    let redactor = Redactor::default();
    for w in &read.warnings {
        eprintln!("warning: {}", redactor.redact_str(w));
    }
    let rebuilt = journal::rebuild(&read);
    let written =
        report::write_all(&rebuilt, dir, None).map_err(|error| Failure::write(dir, &error))?;
    let not_run = rebuilt
        .cases
        .iter()
        .filter(|c| c.reason.as_deref() == Some(journal::NOT_RUN))
        .count();
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!(
        "rebuilt from {}: {} cases, {not_run} not run: {}",
        read.path.display(),
        rebuilt.cases.len(),
        names.join(", ")
    );
    // The killed run's line in the history, keyed by its run id like any other.
    keep_records(&rebuilt, records, &redactor)?;
    Ok(if rebuilt.summary.failed > 0 || not_run > 0 {
        exit::TESTS_FAILED
    } else {
        exit::SUCCESS
    })
}

//! The work of each subcommand: what `main` dispatches to once the command line is parsed.
//!
//! Each function takes its checked configuration (`config`) or clap's arguments where there is
//! nothing to cross-check, calls the rooms that do the work, prints what a person running it
//! reads, and returns the exit code ([`crate::exit`]) or a [`Failure`] whose text is final:
//! already through the run's redactor, so `main` only prints it. This is the one place beside
//! `main` where `anyhow` carries errors that have nothing more to say than their chain.

pub mod certify;
pub mod profiles;
pub mod report;
pub mod run;
pub mod serve;
pub mod specs;

use std::path::Path;

use crate::config::ConfigError;
use crate::error_chain::one_line;
use crate::redact::Redactor;
use crate::report::ReportError;
use crate::spec;

/// Why a command stopped, as printed; the exit code follows from the kind.
#[derive(Debug)]
pub enum Failure {
    /// The user's to fix: exit 2, nothing sent.
    Config(String),
    /// The run happened and its verdict is lost with the reports (they could not be written),
    /// or a record could not be kept: exit 1.
    Failed(String),
    /// The reader of standard output went away (`| head`): not an error of ours, exit 0.
    BrokenPipe,
}

impl Failure {
    /// The failure with every secret of the run masked.
    pub fn redacted(self, redactor: &Redactor) -> Failure {
        match self {
            Failure::Config(msg) => Failure::Config(redactor.redact_str(&msg)),
            Failure::Failed(msg) => Failure::Failed(redactor.redact_str(&msg)),
            Failure::BrokenPipe => Failure::BrokenPipe,
        }
    }

    /// `error: cannot write reports to DIR: <cause>`, exit 1.
    pub fn write(dir: &Path, error: &ReportError) -> Failure {
        Failure::Failed(write_error(dir, error))
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Failure {
        let e: anyhow::Error = e.into();
        // A refused configuration (`config`) is the user's to fix, whatever carried it here.
        if let Some(c) = e.downcast_ref::<ConfigError>() {
            return Failure::Config(c.0.clone());
        }
        let broken_pipe = e
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe);
        if broken_pipe {
            Failure::BrokenPipe
        } else {
            Failure::Failed(format!("error: {e:#}"))
        }
    }
}

/// The result of a command: an exit code, or why it stopped.
pub type Outcome = Result<u8, Failure>;

/// A configuration error, with every cause in its chain: a loader's "failed to load report
/// old.json" keeps the line and column its source knows.
pub fn config(e: impl std::error::Error) -> Failure {
    let text = one_line(&e);
    let text = if text.starts_with("error") {
        text
    } else {
        format!("error: {text}")
    };
    Failure::Config(text)
}

/// A configuration error given as a message.
pub fn config_msg(msg: impl std::fmt::Display) -> Failure {
    Failure::Config(msg.to_string())
}

/// `error: cannot write reports to DIR: <cause>`.
pub fn write_error(dir: &Path, error: &ReportError) -> String {
    format!(
        "error: cannot write reports to {}: {}",
        dir.display(),
        one_line(error)
    )
}

/// The spec set: `--specs DIR`, else the built-in specs.
fn load_specs(dir: Option<&Path>) -> Result<spec::SpecSet, Failure> {
    match dir {
        Some(d) => spec::load_dir(d),
        None => spec::load_builtin(),
    }
    .map_err(config)
}

/// A report with renamed cases under the ids they have now (the profiles' `aliases`), so an
/// old baseline compares case by case with a new run.
fn follow_aliases(mut rep: crate::report::Report) -> crate::report::Report {
    if let Ok(profiles) = crate::profile::load_builtin() {
        profiles.follow_aliases(rep.cases.iter_mut().map(|c| &mut c.name));
    }
    rep
}

/// Refuses record options that could only fail after the run (exit 2, nothing sent).
fn check_records(
    records: &crate::records::keep::Records,
) -> Result<Option<crate::records::history::History>, Failure> {
    crate::records::keep::check(records).map_err(Failure::Config)
}

/// Keeps the run's records, printing where each went.
fn keep_records(
    rep: &crate::report::Report,
    records: &crate::records::keep::Records,
    redactor: &Redactor,
) -> Result<(), Failure> {
    crate::records::keep::keep(rep, records, redactor, &mut |line| eprintln!("{line}"))
        .map_err(|e| Failure::Failed(format!("error: {}", one_line(&e))))
}

/// Locks a report directory for `command` (`report merge`, `report rebuild`), or refuses it,
/// exit 2, naming the run that holds it.
fn lock_report_dir(dir: &Path, command: &str) -> Result<crate::report::lock::DirLock, Failure> {
    use crate::report::lock::{DirLock, LockError};
    let lock = DirLock::acquire(dir, command).map_err(|e| match e {
        LockError::Io { .. } => config_msg(format!(
            "error: cannot write reports to {}: {}",
            dir.display(),
            one_line(&e)
        )),
        busy => config(busy),
    })?;
    if let Some(warning) = lock.take_over_warning() {
        eprintln!("{warning}");
    }
    Ok(lock)
}

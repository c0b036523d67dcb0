//! What a finished run leaves behind, as asked: its line in the history file, the metrics
//! file, and the push to a Pushgateway, in that order.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{history, metrics, push};
use crate::error_chain::one_line;
use crate::redact::Redactor;
use crate::report::{Report, ReportError, write_atomic};

/// How long a push may take before it counts as failed.
const PUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// The records a run keeps (`--history`, `--history-keep`, `--metrics`, `--push`).
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub history: Option<PathBuf>,
    /// The most runs the history file holds.
    pub history_keep: usize,
    pub metrics: Option<PathBuf>,
    pub push: Option<String>,
}

/// A record that could not be kept; the run's reports are written by then.
#[derive(Debug, thiserror::Error)]
pub enum KeepError {
    #[error("cannot add the run to the history {}: {}", .path.display(), one_line(.error))]
    History { path: PathBuf, error: ReportError },
    #[error("cannot write the metrics to {}: {}", .path.display(), one_line(.error))]
    Metrics { path: PathBuf, error: ReportError },
    #[error(transparent)]
    Push(#[from] push::PushError),
}

/// Refuses records that could only fail after the run: a push URL that is no URL, a history
/// file that cannot be read or is no history (a journal, a target file). Reads the history
/// file, never writes it, and returns what it read.
pub fn check(records: &Records) -> Result<Option<history::History>, String> {
    if let Some(url) = &records.push {
        push::push_url(url, "check").map_err(|e| format!("error: {}", one_line(&e)))?;
    }
    let Some(path) = &records.history else {
        return Ok(None);
    };
    history::check(path).map(Some).map_err(|e| {
        format!(
            "error: {}\n  = help: --history takes a history file of this tool, or a path where none is yet; {} was left as it is",
            one_line(&e),
            path.display()
        )
    })
}

/// Keeps `rep`'s records; `say` gets each line for the person running it (warnings about the
/// history file, where each record went), already through `redactor`.
pub fn keep(
    rep: &Report,
    records: &Records,
    redactor: &Redactor,
    say: &mut dyn FnMut(&str),
) -> Result<(), KeepError> {
    let runs = match &records.history {
        Some(path) => Some(keep_history(
            rep,
            path,
            records.history_keep,
            redactor,
            say,
        )?),
        None => None,
    };
    if records.metrics.is_none() && records.push.is_none() {
        return Ok(());
    }
    let text = metrics::to_prometheus(rep, runs.as_deref());
    if let Some(path) = &records.metrics {
        write_atomic(path, text.as_bytes()).map_err(|error| KeepError::Metrics {
            path: path.clone(),
            error,
        })?;
        say(&format!("metrics: {}", path.display()));
    }
    if let Some(url) = &records.push {
        let target = push::target_name(&rep.run.target);
        push::push(url, &target, &text, PUSH_TIMEOUT)?;
        // A gateway behind basic auth carries its password in the URL.
        say(&format!(
            "metrics pushed to {} (job {}, target {target})",
            redactor.redact_url(url),
            push::JOB
        ));
    }
    Ok(())
}

fn keep_history(
    rep: &Report,
    path: &Path,
    keep: usize,
    redactor: &Redactor,
    say: &mut dyn FnMut(&str),
) -> Result<Vec<history::HistoryLine>, KeepError> {
    let h = history::append(path, rep, keep).map_err(|error| KeepError::History {
        path: path.to_owned(),
        error,
    })?;
    for warning in h.warnings(path) {
        say(&redactor.redact_str(&warning));
    }
    say(&format!(
        "history: {} ({} runs)",
        path.display(),
        h.runs.len()
    ));
    Ok(h.runs)
}

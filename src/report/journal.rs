//! The journal: every finished case, on disk as soon as it finishes.
//!
//! A run against a real cloud lasts tens of minutes; the four reports are
//! written at its end. So that a run killed on the way (a CI time limit, an
//! OOM kill, a lost machine) loses nothing but the cases in flight, each
//! case's entry, exactly as `report.json` holds it (already through the
//! run's redactor), is appended to `<report-dir>/journal.jsonl` as it ends,
//! and flushed to disk:
//!
//! ```text
//! {"journal":1,"run_id":"…","run":{…RunInfo…},"target_identity":"…","settings":{…},"selection":{…},"cases":[{"name":…,"api":…,"group":…,"source":…},…]}
//! {"name":"ddm::restart_soft","api":"ddm","outcome":"passed",…}     one CaseReport per line
//! {"name":"ddm::negative::…",…}
//! ```
//!
//! The first line says what run this is: the tool, the spec digest, the
//! target, every setting that changes a request or a verdict (`--strict`,
//! the judging timeouts, the resolved path variables, who signs in, the
//! embedded server's faults), the case selection (filters, partition) and
//! every case selected. It holds no secret: the sign-in is named by its
//! auth URL, user, domains, project and access key id, never by a password,
//! a key or a token. `run --resume` reads it back, refuses a journal of
//! another run, naming each difference, and runs
//! only the cases it lacks; `report rebuild` makes the four reports from it
//! alone. This module holds the journal's format and writes it; its reader and `report
//! rebuild` are in [`crate::records::journal`]. It never runs anything.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::contract::{CaseReport, Group, RunInfo};
use super::{ReportError, ReportErrorKind, ToolInfo};

/// File name of the journal inside the report directory.
pub const JOURNAL_JSONL: &str = "journal.jsonl";

/// Version of the journal layout.
pub const JOURNAL_FORMAT: u32 = 1;

/// The first line of a journal: which run this is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalHeader {
    /// Layout version ([`JOURNAL_FORMAT`]); also what tells a journal's
    /// first line from any other JSON.
    pub journal: u32,
    pub tool: ToolInfo,
    /// The run's metadata as `report.json` will hold it (its duration is
    /// known only at the end).
    pub run: RunInfo,
    /// What the cases were sent to: the target file and its base URLs, or
    /// the embedded server with its fault modes and resource count.
    pub target_identity: String,
    /// What else decides the requests and the verdicts. `None` in a journal
    /// written before it was recorded: such a run cannot be resumed.
    #[serde(default)]
    pub settings: Option<RunSettings>,
    pub selection: Selection,
    /// Every case selected for the run, in plan order.
    pub cases: Vec<PlannedCase>,
}

/// The settings that change a request or a verdict: a resumed run must
/// have every one of them as the interrupted run had it, or its report
/// would mix verdicts reached under two sets of rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunSettings {
    /// `--strict`: should-level findings fail their case.
    pub strict: bool,
    /// `--request-timeout`, in milliseconds.
    pub request_timeout_ms: u64,
    /// `--lifecycle-timeout`, in milliseconds.
    pub lifecycle_timeout_ms: u64,
    /// `--restart-grace`, in milliseconds.
    pub restart_grace_ms: u64,
    /// `--poll-interval`, in milliseconds.
    pub poll_interval_ms: u64,
    /// `--max-body`, in bytes.
    pub max_body: usize,
    /// `--follow-redirects`.
    pub follow_redirects: bool,
    /// `--dead-after`.
    pub dead_after: usize,
    /// `--retries`: with none left, a restart a lost poll may have hidden is not verifiable.
    /// Journals written before it was recorded ran with the default.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// The embedded reference server, when the run used it.
    #[serde(default)]
    pub embedded: Option<EmbeddedSettings>,
    /// API id → its path variables as resolved (from the target file or
    /// the catalog), for a target file.
    #[serde(default)]
    pub variables: BTreeMap<String, ApiVariables>,
    /// Who signs in, or signs the requests: auth URL, user, domains,
    /// project, region, access key ids. Never a secret.
    #[serde(default)]
    pub identity: BTreeMap<String, String>,
}

/// `--retries` as it defaults.
fn default_retries() -> u32 {
    2
}

/// How the embedded reference server was made.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmbeddedSettings {
    /// `--fault` names, sorted.
    pub faults: Vec<String>,
    /// `--resources`.
    pub resources: usize,
    /// `--reboot-seconds`, in milliseconds.
    pub reboot_ms: u64,
}

/// One API's path variables.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiVariables {
    /// Each variable's (first) value.
    pub vars: BTreeMap<String, String>,
    /// The resource variable's values, in order.
    pub resources: Vec<String>,
}

/// How the cases were chosen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Selection {
    #[serde(default)]
    pub filter: Option<String>,
    #[serde(default)]
    pub skip: Vec<String>,
    #[serde(default)]
    pub exact: bool,
    #[serde(default)]
    pub partition: Option<String>,
}

/// A case as the plan had it, before it ran.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlannedCase {
    pub name: String,
    pub api: String,
    pub group: Group,
    pub source: String,
}

impl PlannedCase {
    pub fn new(name: &str, api: &str, group: Group, source: &str) -> PlannedCase {
        PlannedCase {
            name: name.to_owned(),
            api: api.to_owned(),
            group,
            source: source.to_owned(),
        }
    }
}

/// The journal being written: one line per finished case, flushed to disk.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl Journal {
    /// Starts a new journal in `dir` with `header`, replacing any earlier one.
    pub fn create(dir: &Path, header: &JournalHeader) -> Result<Journal, ReportError> {
        Journal::start(dir, header, std::iter::empty())
    }

    /// Rewrites the journal in `dir` with `header` and the `cases` already
    /// finished (dropping a torn line), then appends from there.
    pub fn reopen<'a>(
        dir: &Path,
        header: &JournalHeader,
        cases: impl IntoIterator<Item = &'a CaseReport>,
    ) -> Result<Journal, ReportError> {
        Journal::start(dir, header, cases.into_iter())
    }

    fn start<'a>(
        dir: &Path,
        header: &JournalHeader,
        cases: impl Iterator<Item = &'a CaseReport>,
    ) -> Result<Journal, ReportError> {
        let path = dir.join(JOURNAL_JSONL);
        let mut text = line(header).map_err(|e| io_error(&path, "write", e))?;
        for case in cases {
            text.push_str(&line(case).map_err(|e| io_error(&path, "write", e))?);
        }
        super::write_atomic(&path, text.as_bytes())?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| io_error(&path, "open", e))?;
        Ok(Journal {
            path,
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one finished case and flushes it to disk.
    pub fn append(&self, case: &CaseReport) -> Result<(), ReportError> {
        let text = line(case).map_err(|e| io_error(&self.path, "write", e))?;
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // One write per line, so a kill tears at most the last line.
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| io_error(&self.path, "write", e))
    }
}

fn line<T: Serialize>(value: &T) -> std::io::Result<String> {
    let mut s = serde_json::to_string(value).map_err(std::io::Error::other)?;
    s.push('\n');
    Ok(s)
}

pub(crate) fn io_error(path: &Path, verb: &str, e: std::io::Error) -> ReportError {
    ReportError::new(
        format!("{verb} the journal {}", path.display()),
        ReportErrorKind::Io(e),
    )
}

/// What differs between the journal's run and the run at hand; empty when
/// the journal may be resumed.
pub fn differences(journal: &JournalHeader, now: &JournalHeader) -> Vec<String> {
    let mut out = Vec::new();
    if journal.run.spec_digest != now.run.spec_digest {
        out.push(format!(
            "its spec digest is {}, this run's is {}",
            journal.run.spec_digest, now.run.spec_digest
        ));
    }
    if journal.target_identity != now.target_identity {
        out.push(format!(
            "its target is {}, this run's is {}",
            journal.target_identity, now.target_identity
        ));
    }
    match (&journal.settings, &now.settings) {
        (Some(a), Some(b)) => out.extend(setting_differences(a, b)),
        (None, Some(_)) => out.push(
            "it does not record the settings its verdicts depend on (an older version wrote it)"
                .into(),
        ),
        (_, None) => {}
    }
    let (a, b) = (&journal.selection, &now.selection);
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    if a.filter != b.filter {
        out.push(format!(
            "its filter is {}, this run's is {}",
            shown(&a.filter),
            shown(&b.filter)
        ));
    }
    if a.skip != b.skip {
        out.push(format!(
            "its --skip is [{}], this run's is [{}]",
            a.skip.join(", "),
            b.skip.join(", ")
        ));
    }
    if a.exact != b.exact {
        out.push(format!(
            "its --exact is {}, this run's is {}",
            a.exact, b.exact
        ));
    }
    if a.partition != b.partition {
        out.push(format!(
            "its partition is {}, this run's is {}",
            shown(&a.partition),
            shown(&b.partition)
        ));
    }
    if out.is_empty() {
        let names = |h: &JournalHeader| h.cases.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        if names(journal) != names(now) {
            out.push(format!(
                "it selected {} cases, this run selects {} others",
                journal.cases.len(),
                now.cases.len()
            ));
        }
    }
    out
}

/// Each setting that differs, said as `its --strict is false, this run's is true`.
fn setting_differences(a: &RunSettings, b: &RunSettings) -> Vec<String> {
    let mut out = Vec::new();
    let mut differ = |what: &str, x: String, y: String| {
        if x != y {
            out.push(format!("its {what} is {x}, this run's is {y}"));
        }
    };
    let secs = |ms: u64| format!("{} s", Duration::from_millis(ms).as_secs_f64());
    differ("--strict", a.strict.to_string(), b.strict.to_string());
    for (flag, x, y) in [
        (
            "--request-timeout",
            a.request_timeout_ms,
            b.request_timeout_ms,
        ),
        (
            "--lifecycle-timeout",
            a.lifecycle_timeout_ms,
            b.lifecycle_timeout_ms,
        ),
        ("--restart-grace", a.restart_grace_ms, b.restart_grace_ms),
        ("--poll-interval", a.poll_interval_ms, b.poll_interval_ms),
    ] {
        differ(flag, secs(x), secs(y));
    }
    differ("--max-body", a.max_body.to_string(), b.max_body.to_string());
    differ(
        "--follow-redirects",
        a.follow_redirects.to_string(),
        b.follow_redirects.to_string(),
    );
    differ(
        "--dead-after",
        a.dead_after.to_string(),
        b.dead_after.to_string(),
    );
    differ("--retries", a.retries.to_string(), b.retries.to_string());
    if let (Some(x), Some(y)) = (&a.embedded, &b.embedded) {
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                v.join(", ")
            }
        };
        differ("embedded server --fault", list(&x.faults), list(&y.faults));
        differ(
            "embedded server --resources",
            x.resources.to_string(),
            y.resources.to_string(),
        );
        differ(
            "embedded server --reboot-seconds",
            secs(x.reboot_ms),
            secs(y.reboot_ms),
        );
    }
    let shown = |v: Option<&String>| v.cloned().unwrap_or_else(|| "unset".into());
    for api in union(&a.variables, &b.variables) {
        let (x, y) = (a.variables.get(api), b.variables.get(api));
        let empty = BTreeMap::new();
        let (xv, yv) = (x.map_or(&empty, |v| &v.vars), y.map_or(&empty, |v| &v.vars));
        for var in union(xv, yv) {
            differ(
                &format!("`{api}` variable `{var}`"),
                shown(xv.get(var)),
                shown(yv.get(var)),
            );
        }
        let resources = |v: Option<&ApiVariables>| {
            format!(
                "[{}]",
                v.map(|v| v.resources.join(", ")).unwrap_or_default()
            )
        };
        differ(
            &format!("`{api}` resource list"),
            resources(x),
            resources(y),
        );
    }
    for key in union(&a.identity, &b.identity) {
        differ(key, shown(a.identity.get(key)), shown(b.identity.get(key)));
    }
    out
}

/// The keys of two maps, each once, in order.
fn union<'a, V>(a: &'a BTreeMap<String, V>, b: &'a BTreeMap<String, V>) -> Vec<&'a String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys
}

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
//! alone. A torn last line (the process died mid-write) is skipped with a
//! warning. This module only reads and writes the file: it never runs
//! anything.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::model::{CaseOutcome, CaseReport, Group, REPORT_FORMAT, Report, RunInfo, Summary};
use super::{ReportError, ReportErrorKind, ToolInfo};

/// File name of the journal inside the report directory.
pub const JOURNAL_JSONL: &str = "journal.jsonl";

/// Version of the journal layout.
pub const JOURNAL_FORMAT: u32 = 1;

/// The longest line read back: a case entry is capped by the body cap of
/// its exchanges, so a longer line is not one of ours.
const MAX_LINE: u64 = 256 * 1024 * 1024;

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

/// A journal read back.
#[derive(Debug, Clone)]
pub struct JournalRead {
    pub path: PathBuf,
    pub header: JournalHeader,
    /// The finished cases, by name (a case written twice keeps its last entry).
    pub cases: BTreeMap<String, CaseReport>,
    /// Lines that were skipped, each saying why.
    pub warnings: Vec<String>,
}

/// Why a journal cannot be used for the run at hand.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(
        "{} is not a journal of a run: {why}\n  = help: it is written by `run` into its --report-dir; give the directory of the run to resume or rebuild",
        .path.display()
    )]
    NotAJournal { path: PathBuf, why: String },
    #[error(
        "there is no journal at {}\n  = help: `--resume` continues a run that wrote its journal into the same --report-dir; run without --resume to start afresh",
        .path.display()
    )]
    Missing { path: PathBuf },
    #[error(
        "the journal at {} is of another run: {}\n  = help: resume with the same specs, target, settings, filters and partition as the interrupted run, or run without --resume to start afresh",
        .path.display(),
        .differences.join("; ")
    )]
    Mismatch {
        path: PathBuf,
        differences: Vec<String>,
    },
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

fn io_error(path: &Path, verb: &str, e: std::io::Error) -> ReportError {
    ReportError::new(
        format!("{verb} the journal {}", path.display()),
        ReportErrorKind::Io(e),
    )
}

/// Reads `dir/journal.jsonl`: its header and every finished case.
pub fn read(dir: &Path) -> Result<JournalRead, JournalError> {
    let path = dir.join(JOURNAL_JSONL);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(JournalError::Missing { path });
        }
        Err(e) => return Err(io_error(&path, "read", e).into()),
    };
    let mut lines = Lines {
        reader: BufReader::new(file),
        path: &path,
        number: 0,
    };
    let Some(first) = lines.next_line()? else {
        return Err(JournalError::NotAJournal {
            path: path.clone(),
            why: "it is empty".into(),
        });
    };
    let header = serde_json::from_slice::<JournalHeader>(&first)
        .ok()
        .filter(|h| h.journal == JOURNAL_FORMAT)
        .ok_or_else(|| JournalError::NotAJournal {
            path: path.clone(),
            why: format!("its first line is not a journal header of format {JOURNAL_FORMAT}"),
        })?;
    let mut cases = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    while let Some(bytes) = lines.next_line()? {
        // A bad line followed by a good one is damage, not a torn end.
        if let Some((n, why)) = pending.take() {
            warnings.push(format!(
                "{}:{n}: skipped a line that is not a case entry ({why})",
                path.display()
            ));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<CaseReport>(&bytes) {
            Ok(case) => {
                cases.insert(case.name.clone(), case);
            }
            Err(e) => pending = Some((lines.number, e.to_string())),
        }
    }
    if let Some((n, _)) = pending {
        warnings.push(format!(
            "{}:{n}: ignored a torn last line (the run was stopped while writing it); its case runs again",
            path.display()
        ));
    }
    Ok(JournalRead {
        path,
        header,
        cases,
        warnings,
    })
}

struct Lines<'a> {
    reader: BufReader<File>,
    path: &'a Path,
    number: usize,
}

impl Lines<'_> {
    fn next_line(&mut self) -> Result<Option<Vec<u8>>, JournalError> {
        let mut buf = Vec::new();
        let n = Read::take(&mut self.reader, MAX_LINE)
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_error(self.path, "read", e))?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        Ok(Some(buf))
    }
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

/// The reason given to a case the journal does not hold.
pub const NOT_RUN: &str = "not run: the run stopped before this case finished";

/// The report of a journal alone: its finished cases, and every other
/// selected case marked not run (`report rebuild`).
pub fn rebuild(read: &JournalRead) -> Report {
    let header = &read.header;
    let mut missing = 0;
    let cases: Vec<CaseReport> = header
        .cases
        .iter()
        .map(|p| match read.cases.get(&p.name) {
            Some(c) => c.clone(),
            None => {
                missing += 1;
                not_run(p)
            }
        })
        .collect();
    let mut run = header.run.clone();
    run.duration_ms = cases
        .iter()
        .map(|c| c.started_ms.saturating_add(c.duration_ms))
        .max()
        .unwrap_or(0);
    run.interrupted = run.interrupted || missing > 0;
    Report {
        format: REPORT_FORMAT,
        tool: header.tool.clone(),
        run,
        summary: Summary::of(&cases),
        restart_times: super::timing::restart_times(&cases),
        restarts: super::timing::restarts_by_resource(&cases),
        cases,
    }
}

/// The entry of a selected case that never finished.
pub fn not_run(p: &PlannedCase) -> CaseReport {
    CaseReport {
        name: p.name.clone(),
        api: p.api.clone(),
        group: p.group,
        outcome: CaseOutcome::Skipped,
        duration_ms: 0,
        started_ms: 0,
        source: p.source.clone(),
        reason: Some(NOT_RUN.into()),
        checks: Vec::new(),
        exchanges: Vec::new(),
        lifecycle: Vec::new(),
        notes: Vec::new(),
        curl: None,
        resource: None,
        from_journal: false,
        restart: None,
        flaky: false,
        retries: Default::default(),
        rode_on: None,
        restarts: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    fn header(report: &Report) -> JournalHeader {
        JournalHeader {
            journal: JOURNAL_FORMAT,
            tool: report.tool.clone(),
            run: report.run.clone(),
            target_identity: "embedded reference server".into(),
            settings: Some(RunSettings::default()),
            selection: Selection::default(),
            cases: report
                .cases
                .iter()
                .map(|c| PlannedCase::new(&c.name, &c.api, c.group, &c.source))
                .collect(),
        }
    }

    #[test]
    fn appended_cases_read_back_and_a_torn_last_line_is_skipped()
    -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let report = sample::report();
        let h = header(&report);
        let journal = Journal::create(tmp.path(), &h)?;
        journal.append(&report.cases[0])?;
        journal.append(&report.cases[1])?;
        // A kill in the middle of a write.
        let mut f = OpenOptions::new().append(true).open(journal.path())?;
        f.write_all(b"{\"name\":\"ddm::tor")?;
        drop(f);

        let read = read(tmp.path())?;
        assert_eq!(read.header, h);
        assert_eq!(read.cases.len(), 2);
        assert_eq!(
            read.cases.get(&report.cases[1].name),
            Some(&report.cases[1])
        );
        assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
        assert!(read.warnings[0].contains("torn last line"));
        assert!(read.warnings[0].contains(":4:"), "{:?}", read.warnings);

        // Reopening drops the torn line and appends after the good ones.
        let again = Journal::reopen(tmp.path(), &h, read.cases.values())?;
        again.append(&report.cases[2])?;
        let read = super::read(tmp.path())?;
        assert_eq!(read.cases.len(), 3);
        assert!(read.warnings.is_empty(), "{:?}", read.warnings);
        Ok(())
    }

    #[test]
    fn a_damaged_middle_line_is_skipped_with_its_line_number()
    -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let report = sample::report();
        let journal = Journal::create(tmp.path(), &header(&report))?;
        let mut f = OpenOptions::new().append(true).open(journal.path())?;
        f.write_all(b"not json\n")?;
        drop(f);
        journal.append(&report.cases[0])?;
        let read = read(tmp.path())?;
        assert_eq!(read.cases.len(), 1);
        assert!(
            read.warnings[0].contains(":2: skipped a line"),
            "{:?}",
            read.warnings
        );
        Ok(())
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let Err(JournalError::Missing { .. }) = read(tmp.path()) else {
            panic!("a missing journal should be refused");
        };
        std::fs::write(tmp.path().join(JOURNAL_JSONL), "")?;
        let Err(e @ JournalError::NotAJournal { .. }) = read(tmp.path()) else {
            panic!("an empty journal should be refused");
        };
        assert!(e.to_string().contains("empty"), "{e}");
        std::fs::write(tmp.path().join(JOURNAL_JSONL), "{\"format\":1}\n")?;
        let Err(e @ JournalError::NotAJournal { .. }) = read(tmp.path()) else {
            panic!("a report.json is not a journal");
        };
        assert!(e.to_string().contains("first line"), "{e}");
        Ok(())
    }

    #[test]
    fn differences_name_each_part_of_the_run_that_changed() {
        let report = sample::report();
        let a = header(&report);
        assert!(differences(&a, &a).is_empty());
        let mut b = a.clone();
        b.run.spec_digest = "other".into();
        b.target_identity = "target.yaml".into();
        b.selection.filter = Some("ecs::".into());
        b.selection.partition = Some("count:1/2".into());
        let d = differences(&a, &b).join("; ");
        for part in [
            "spec digest",
            "target",
            "filter is none, this run's is ecs::",
            "partition",
        ] {
            assert!(d.contains(part), "{part}: {d}");
        }
        let mut c = a.clone();
        c.cases.pop();
        assert!(differences(&a, &c)[0].contains("selected"));
    }

    #[test]
    fn differences_name_each_setting_that_changes_a_verdict_or_a_request() {
        let report = sample::report();
        let a = header(&report);
        let mut b = a.clone();
        let mut ecs = ApiVariables::default();
        ecs.vars.insert("project_id".into(), "p2".into());
        ecs.resources = vec!["s1".into()];
        let s = b.settings.get_or_insert_default();
        s.strict = true;
        s.lifecycle_timeout_ms = 10_500;
        s.variables.insert("ecs".into(), ecs);
        s.identity.insert("sign-in user".into(), "alice".into());
        let d = differences(&a, &b).join("; ");
        for part in [
            "its --strict is false, this run's is true",
            "its --lifecycle-timeout is 0 s, this run's is 10.5 s",
            "its `ecs` variable `project_id` is unset, this run's is p2",
            "its `ecs` resource list is [], this run's is [s1]",
            "its sign-in user is unset, this run's is alice",
        ] {
            assert!(d.contains(part), "{part}: {d}");
        }
        assert_eq!(differences(&a, &b).len(), 5, "{d}");
        // Embedded server settings are compared when both runs used it.
        let (mut c, mut e) = (a.clone(), a.clone());
        c.settings.get_or_insert_default().embedded = Some(EmbeddedSettings::default());
        e.settings.get_or_insert_default().embedded = Some(EmbeddedSettings {
            faults: vec!["wrong-status".into()],
            ..EmbeddedSettings::default()
        });
        let d = differences(&c, &e).join("; ");
        assert!(
            d.contains("its embedded server --fault is none, this run's is wrong-status"),
            "{d}"
        );
        // A journal that does not record its settings cannot be resumed.
        let mut old = a.clone();
        old.settings = None;
        assert!(differences(&old, &a)[0].contains("does not record the settings"));
    }

    #[test]
    fn a_journal_header_without_settings_still_reads() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let mut h = header(&sample::report());
        h.settings = None;
        let mut value = serde_json::to_value(&h)?;
        if let Some(map) = value.as_object_mut() {
            map.remove("settings");
        }
        std::fs::write(tmp.path().join(JOURNAL_JSONL), format!("{value}\n"))?;
        assert_eq!(read(tmp.path())?.header.settings, None);
        Ok(())
    }

    #[test]
    fn rebuild_marks_what_never_ran() {
        let report = sample::report();
        let h = header(&report);
        let mut cases = BTreeMap::new();
        cases.insert(report.cases[0].name.clone(), report.cases[0].clone());
        let read = JournalRead {
            path: PathBuf::from("journal.jsonl"),
            header: h,
            cases,
            warnings: Vec::new(),
        };
        let rebuilt = rebuild(&read);
        assert_eq!(rebuilt.cases.len(), report.cases.len());
        assert_eq!(rebuilt.cases[0], report.cases[0]);
        assert!(rebuilt.run.interrupted);
        let not_run: Vec<_> = rebuilt
            .cases
            .iter()
            .filter(|c| c.reason.as_deref() == Some(NOT_RUN))
            .collect();
        assert_eq!(not_run.len(), report.cases.len() - 1);
        assert!(not_run.iter().all(|c| c.outcome == CaseOutcome::Skipped));
    }
}

//! The journal read back: `run --resume` and `report rebuild`.
//!
//! [`read`] takes `<report-dir>/journal.jsonl` (its format and writer are in
//! [`crate::report::journal`]): the header, then every finished case. A torn last line (the
//! process died mid-write) is skipped with a warning, as is a damaged line in the middle, with
//! its line number. [`rebuild`] makes a run's report from the journal alone.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::report::ReportError;
use crate::report::contract::{CaseOutcome, CaseReport, REPORT_FORMAT, Report, Summary};
use crate::report::journal::{JOURNAL_FORMAT, JOURNAL_JSONL, JournalHeader, PlannedCase, io_error};

/// The most bytes one line may hold.
const MAX_LINE: u64 = 256 * 1024 * 1024;

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
        restart_times: crate::report::timing::restart_times(&cases),
        restarts: crate::report::timing::restarts_by_resource(&cases),
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
    use crate::report::journal::*;
    use crate::report::sample;
    use std::fs::OpenOptions;
    use std::io::Write;

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
        s.retries = 5;
        let d = differences(&a, &b).join("; ");
        for part in [
            "its --strict is false, this run's is true",
            "its --lifecycle-timeout is 0 s, this run's is 10.5 s",
            "its `ecs` variable `project_id` is unset, this run's is p2",
            "its `ecs` resource list is [], this run's is [s1]",
            "its sign-in user is unset, this run's is alice",
            "its --retries is 0, this run's is 5",
        ] {
            assert!(d.contains(part), "{part}: {d}");
        }
        assert_eq!(differences(&a, &b).len(), 6, "{d}");
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

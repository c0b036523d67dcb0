//! The run history: one compact JSON line per run, appended by `run --history FILE` and
//! `report merge --history FILE`, read by `report history` and the metrics.
//!
//! ```text
//! {"history":"restart-conformance/1","started_at":"2026-12-01T02:00:00Z","duration_ms":41230,
//!  "tool_version":"0.1.0","spec_digest":"5f2b…","target":"embedded reference server",
//!  "partition":[],"poll_interval_ms":2000,"cases":[{"name":"ddm::restart_soft",
//!  "outcome":"passed","to_steady_ms":[286,309]},…]}
//! ```
//!
//! (one line in the file; wrapped here). `to_steady_ms` holds the two bounds of the time from
//! the answer accepting a restart to the steady state (see [`super::timing`]).
//!
//! Runs are ordered by their start time, never by when their line was written: a killed run
//! rebuilt after a later night was recorded is still the older run, for the trend and for
//! `--history-keep`, which keeps the `keep` runs that started last. The file is rewritten
//! atomically (a temporary file and a rename), so a crash leaves the old history or the new
//! one, and under a lock beside it ([`super::lock::FileLock`]), so that two runs adding a line
//! at once both keep theirs. A line that cannot be read (not UTF-8, not JSON, another tool's,
//! another history format) is skipped with a warning naming its line, and kept in the file as
//! it is, at its top. A file that holds lines but not one of them a history line is no history:
//! it is refused, never rewritten. A run that is recorded again (same run id and partition: a
//! resumed run) replaces its earlier line instead of adding one.
//!
//! This module reads reports and writes one file; it never runs anything.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::contract::{CaseOutcome, Report, RunInfo};
use crate::report::lock::FileLock;
use crate::report::write::final_target;
use crate::report::{ReportError, ReportErrorKind, write_atomic};

/// The tag of every history line this tool writes; other lines are foreign.
pub const HISTORY_TAG: &str = "restart-conformance/1";
/// `--history-keep`'s default.
pub const DEFAULT_KEEP: usize = 100;

/// One run, as the history keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HistoryLine {
    /// Always [`HISTORY_TAG`].
    pub history: String,
    /// The run's id, kept when the run is resumed (empty in reports that predate it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub run_id: String,
    /// RFC 3339 start time.
    pub started_at: String,
    pub duration_ms: u64,
    pub tool_version: String,
    pub spec_digest: String,
    /// The target's identity: its label, and the origins of base URLs not on this machine.
    pub target: String,
    /// The `--partition` values of the run (several for a merged run; none for a whole run).
    #[serde(default)]
    pub partition: Vec<String>,
    #[serde(default)]
    pub interrupted: bool,
    #[serde(default)]
    pub strict: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval_ms: Option<u64>,
    /// The profiles of a `run --profile` (`ddm/2026.12`); none for other runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    pub cases: Vec<HistoryCase>,
}

/// One case of a recorded run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HistoryCase {
    pub name: String,
    pub outcome: CaseOutcome,
    /// Bounds of the time from the restart's answer to the steady state, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_steady_ms: Option<[u64; 2]>,
    /// Passed only after a request that got no answer was tried again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
}

impl HistoryCase {
    /// The API id: the case id up to its first `::`.
    pub fn api(&self) -> &str {
        self.name.split("::").next().unwrap_or(&self.name)
    }

    pub fn failed(&self) -> bool {
        matches!(self.outcome, CaseOutcome::Failed | CaseOutcome::Errored)
    }
}

impl HistoryLine {
    /// The line for `report`.
    pub fn from_report(report: &Report) -> HistoryLine {
        HistoryLine {
            history: HISTORY_TAG.to_owned(),
            run_id: report.run.run_id.clone(),
            started_at: report.run.started_at.clone(),
            duration_ms: report.run.duration_ms,
            tool_version: report.tool.version.clone(),
            spec_digest: report.run.spec_digest.clone(),
            target: target_identity(&report.run),
            partition: report
                .run
                .filters
                .iter()
                .filter_map(|f| f.strip_prefix("--partition "))
                .map(str::to_owned)
                .collect(),
            interrupted: report.run.interrupted,
            strict: report.run.strict,
            poll_interval_ms: report.run.poll_interval_ms,
            profiles: report
                .run
                .profile_run
                .iter()
                .flat_map(|p| p.profiles.iter().map(|r| r.name.clone()))
                .collect(),
            cases: report
                .cases
                .iter()
                .map(|c| HistoryCase {
                    name: c.name.clone(),
                    outcome: c.outcome,
                    to_steady_ms: c
                        .restart
                        .as_ref()
                        .and_then(|r| r.to_steady)
                        .map(|b| [b.after_ms, b.by_ms]),
                    flaky: c.flaky,
                })
                .collect(),
        }
    }

    /// True when no case failed or errored (and the run was not interrupted).
    pub fn passed(&self) -> bool {
        !self.interrupted && !self.cases.iter().any(HistoryCase::failed)
    }

    /// When the run ended, in seconds since the Unix epoch; `None` for a bad start time.
    pub fn ended_unix_seconds(&self) -> Option<f64> {
        let start = chrono::DateTime::parse_from_rfc3339(&self.started_at).ok()?;
        let end_ms = start.timestamp_millis() + i64::try_from(self.duration_ms).ok()?;
        Some(end_ms as f64 / 1000.0)
    }

    /// Two lines record the same run when they share the run id (kept by `--resume`) and the
    /// partition; lines without an id, when they share start, target and partition.
    fn same_run(&self, other: &HistoryLine) -> bool {
        let same_id = if self.run_id.is_empty() || other.run_id.is_empty() {
            self.started_at == other.started_at && self.target == other.target
        } else {
            self.run_id == other.run_id
        };
        same_id && self.partition == other.partition
    }

    /// When the run started; `None` for a start time that is not RFC 3339 (sorted first).
    pub fn started(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        chrono::DateTime::parse_from_rfc3339(&self.started_at).ok()
    }
}

/// The target of a run as the history compares it: the label (`embedded reference server`, the
/// target file) and, for base URLs not on this machine, their origins. Loopback URLs are left
/// out: the embedded server listens on a new port every run.
pub fn target_identity(run: &RunInfo) -> String {
    let mut origins: Vec<String> = Vec::new();
    for list in run.base_urls.values() {
        // A merged report lists the partitions' URLs of one API with ", ".
        for raw in list.split(", ") {
            let Ok(url) = url::Url::parse(raw) else {
                continue;
            };
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => true,
            };
            let origin = url.origin().ascii_serialization();
            if !loopback && !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    origins.sort();
    if origins.is_empty() {
        run.target.clone()
    } else {
        format!("{} ({})", run.target, origins.join(", "))
    }
}

/// Sorts runs by start time, oldest first; runs that started at the same instant keep their
/// order.
pub fn sort_by_start(runs: &mut [HistoryLine]) {
    runs.sort_by_cached_key(HistoryLine::started);
}

/// True when `runs` are oldest first.
pub fn sorted_by_start(runs: &[HistoryLine]) -> bool {
    runs.is_sorted_by_key(HistoryLine::started)
}

/// A history line that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    pub why: String,
    /// The line as it is in the file (without its line break): written back unchanged.
    pub raw: Vec<u8>,
    /// The line carries a history tag of this tool (another format version, or a record with
    /// fields missing): the file is a history all the same.
    pub tagged: bool,
}

/// What a history file holds: the runs, oldest first, and the lines skipped.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub runs: Vec<HistoryLine>,
    pub skipped: Vec<Skipped>,
}

impl History {
    /// One warning line per skipped line: `warning: FILE:3: skipped: …`.
    pub fn warnings(&self, path: &Path) -> Vec<String> {
        self.skipped
            .iter()
            .map(|s| format!("warning: {}:{}: skipped: {}", path.display(), s.line, s.why))
            .collect()
    }

    /// False for a file with lines of which none is a history line (a journal, a target file):
    /// adding a run to it would bury what it holds. An empty file is a history yet to begin.
    pub fn is_history(&self) -> bool {
        !self.runs.is_empty() || self.skipped.is_empty() || self.skipped.iter().any(|s| s.tagged)
    }

    /// The error refusing this file, when it is no history.
    fn refusal(&self) -> Option<ReportErrorKind> {
        if self.is_history() {
            return None;
        }
        let first = self.skipped.first()?;
        Some(ReportErrorKind::NotHistory {
            lines: self.skipped.len(),
            first_line: first.line,
            first_why: first.why.clone(),
        })
    }
}

/// Parses history text; a line that is not a run of this tool is skipped, never an error.
pub fn parse(text: &str) -> History {
    parse_bytes(text.as_bytes())
}

/// Parses a history file's bytes: a line that is not UTF-8 is skipped like any other bad line.
/// The runs come out oldest first, whatever their order in the file.
pub fn parse_bytes(bytes: &[u8]) -> History {
    let mut history = History::default();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let skip = |why: String, tagged: bool| Skipped {
            line: line_no,
            why,
            raw: raw.to_vec(),
            tagged,
        };
        let line = match std::str::from_utf8(raw) {
            Ok(line) => line,
            Err(e) => {
                if !raw.iter().all(u8::is_ascii_whitespace) {
                    history.skipped.push(skip(
                        format!(
                            "not UTF-8 (an invalid byte at column {})",
                            e.valid_up_to() + 1
                        ),
                        false,
                    ));
                }
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        // The common case in one pass; the slower path below only explains a bad line.
        if let Ok(run) = serde_json::from_str::<HistoryLine>(line)
            && run.history == HISTORY_TAG
        {
            history.runs.push(run);
            continue;
        }
        // The tag first: a line of another tool should say so, not report a missing field.
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                history.skipped.push(skip(format!("not JSON ({e})"), false));
                continue;
            }
        };
        match value.get("history").and_then(|t| t.as_str()) {
            Some(HISTORY_TAG) => {}
            Some(other) => {
                let ours = other.starts_with("restart-conformance/");
                history.skipped.push(skip(
                    format!(
                        "a history line of another format (`{other}`; this version reads `{HISTORY_TAG}`)"
                    ),
                    ours,
                ));
                continue;
            }
            None => {
                history.skipped.push(skip(
                    format!("not a run of this tool (no \"history\": \"{HISTORY_TAG}\")"),
                    false,
                ));
                continue;
            }
        }
        match serde_json::from_value::<HistoryLine>(value) {
            Ok(run) => history.runs.push(run),
            Err(e) => history
                .skipped
                .push(skip(format!("not a complete run record ({e})"), true)),
        }
    }
    sort_by_start(&mut history.runs);
    history
}

/// Reads a history file; a missing file is an empty history.
pub fn read(path: &Path) -> Result<History, ReportError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(parse_bytes(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(History::default()),
        Err(e) => Err(ReportError::new(
            format!("read history {}", path.display()),
            ReportErrorKind::Io(e),
        )),
    }
}

/// Reads the history file at `path` to see that a run can be added to it: an error for a file
/// that cannot be read, and for one that is no history (see [`History::is_history`]).
pub fn check(path: &Path) -> Result<History, ReportError> {
    let history = read(path)?;
    match history.refusal() {
        Some(kind) => Err(ReportError::new(
            format!("use {} as a history", path.display()),
            kind,
        )),
        None => Ok(history),
    }
}

/// Renders runs as the file's text: one compact JSON line each.
pub fn render(runs: &[HistoryLine]) -> Result<String, ReportError> {
    let mut text = String::new();
    for run in runs {
        let line = serde_json::to_string(run)
            .map_err(|e| ReportError::new("serialize a history line", ReportErrorKind::Json(e)))?;
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
}

/// The file's bytes: the lines that could not be read, as they were, then the runs.
fn render_file(history: &History) -> Result<Vec<u8>, ReportError> {
    let mut bytes = Vec::new();
    for s in &history.skipped {
        bytes.extend_from_slice(&s.raw);
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(render(&history.runs)?.as_bytes());
    Ok(bytes)
}

/// Adds `line` to `runs` (oldest first): it replaces a line of the same run, else takes its
/// place by start time; then only the `keep` runs that started last stay.
pub fn add(runs: &mut Vec<HistoryLine>, line: HistoryLine, keep: usize) {
    runs.retain(|r| !r.same_run(&line));
    sort_by_start(runs);
    let started = line.started();
    // After the runs that started at the same instant: among equals, the newest line is last.
    let at = runs.partition_point(|r| r.started() <= started);
    runs.insert(at, line);
    let excess = runs.len().saturating_sub(keep.max(1));
    runs.drain(..excess);
}

/// Adds the run of `report` to the history file at `path`, keeping the `keep` runs that started
/// last, and rewrites the file atomically under its lock. A symbolic link at `path` is
/// followed. Returns the history as written (with the lines that were skipped while reading
/// it, for warnings); a file that is no history is refused and left as it is.
pub fn append(path: &Path, report: &Report, keep: usize) -> Result<History, ReportError> {
    let io = |e| ReportError::new(format!("lock {}", path.display()), ReportErrorKind::Io(e));
    // The lock and the rename go beside the file itself, not beside a link to it.
    let target = final_target(path).map_err(io)?;
    let _lock = FileLock::beside(&target).map_err(io)?;
    let mut history = check(&target)?;
    add(&mut history.runs, HistoryLine::from_report(report), keep);
    write_atomic(&target, &render_file(&history)?)?;
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    fn run_at(started_at: &str) -> Report {
        let mut r = sample::report();
        r.run.started_at = started_at.to_owned();
        r
    }

    #[test]
    fn a_report_becomes_one_compact_line_that_reads_back() -> Result<(), ReportError> {
        let mut report = sample::report();
        report.run.filters.push("--partition count:2/3".into());
        report.cases[0].restart = Some(crate::model::RestartTiming {
            answered_ms: 5,
            poll_interval_ms: Some(20),
            polls: 3,
            restarting: None,
            steady: None,
            to_steady: Some(crate::model::Bounds {
                after_ms: 280,
                by_ms: 301,
            }),
        });
        let line = HistoryLine::from_report(&report);
        assert_eq!(line.partition, ["count:2/3"]);
        assert_eq!(line.cases[0].to_steady_ms, Some([280, 301]));
        assert_eq!(
            line.target,
            "target.yaml (https://ddm.example.test, https://ecs.example.test)"
        );
        let text = render(std::slice::from_ref(&line))?;
        assert_eq!(text.lines().count(), 1);
        let back = parse(&text);
        assert!(back.skipped.is_empty());
        assert_eq!(back.runs, [line]);
        Ok(())
    }

    #[test]
    fn loopback_base_urls_are_not_part_of_the_target() {
        let mut run = sample::report().run;
        run.target = "embedded reference server".into();
        run.base_urls = [("ecs".to_owned(), "http://127.0.0.1:40123".to_owned())].into();
        assert_eq!(target_identity(&run), "embedded reference server");
    }

    #[test]
    fn keep_caps_the_runs_and_the_oldest_go_first() {
        let mut runs = Vec::new();
        for day in 1..=5 {
            let line = HistoryLine::from_report(&run_at(&format!("2026-11-0{day}T02:00:00Z")));
            add(&mut runs, line, 3);
        }
        let starts: Vec<&str> = runs.iter().map(|r| r.started_at.as_str()).collect();
        assert_eq!(
            starts,
            [
                "2026-11-03T02:00:00Z",
                "2026-11-04T02:00:00Z",
                "2026-11-05T02:00:00Z"
            ]
        );
    }

    #[test]
    fn a_run_recorded_twice_keeps_one_line_the_newest() {
        let mut runs = Vec::new();
        let mut interrupted = run_at("2026-11-01T02:00:00Z");
        interrupted.run.interrupted = true;
        add(&mut runs, HistoryLine::from_report(&interrupted), 10);
        add(
            &mut runs,
            HistoryLine::from_report(&run_at("2026-11-01T02:00:00Z")),
            10,
        );
        assert_eq!(runs.len(), 1);
        assert!(!runs[0].interrupted);
        // With run ids, the id decides: a resumed run keeps its id, another run has its own.
        let mut first = run_at("2026-11-02T02:00:00Z");
        first.run.run_id = "run-a".into();
        first.run.interrupted = true;
        let mut resumed = run_at("2026-11-02T02:30:00Z");
        resumed.run.run_id = "run-a".into();
        let mut other = run_at("2026-11-02T02:30:00Z");
        other.run.run_id = "run-b".into();
        for r in [&first, &resumed, &other] {
            add(&mut runs, HistoryLine::from_report(r), 10);
        }
        let ids: Vec<(&str, bool)> = runs
            .iter()
            .map(|r| (r.run_id.as_str(), r.interrupted))
            .collect();
        assert_eq!(ids, [("", false), ("run-a", false), ("run-b", false)]);
    }

    #[test]
    fn corrupt_and_foreign_lines_are_skipped_with_their_line_numbers() -> Result<(), ReportError> {
        let good = render(&[HistoryLine::from_report(&sample::report())])?;
        let text = format!(
            "{good}{{\"history\": \"restart-conformance/1\", \"started_at\": \n\
             {{\"level\":\"info\",\"msg\":\"someone else's log\"}}\n\
             {{\"history\":\"restart-conformance/9\"}}\n\
             {{\"history\":\"restart-conformance/1\",\"started_at\":\"x\"}}\n\
             \n{good}"
        );
        let h = parse(&text);
        assert_eq!(h.runs.len(), 2);
        let lines: Vec<usize> = h.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert!(h.skipped[0].why.starts_with("not JSON"), "{:?}", h.skipped);
        assert!(h.skipped[1].why.contains("not a run of this tool"));
        assert!(h.skipped[2].why.contains("another format"));
        assert!(h.skipped[3].why.contains("missing field"));
        let w = h.warnings(Path::new("h.jsonl"));
        assert!(
            w[0].starts_with("warning: h.jsonl:2: skipped: not JSON"),
            "{w:?}"
        );
        Ok(())
    }

    fn tmp_dir() -> Result<tempfile::TempDir, ReportError> {
        tempfile::tempdir().map_err(|e| ReportError::new("tmp", ReportErrorKind::Io(e)))
    }

    #[test]
    fn append_creates_then_caps_the_file_and_keeps_lines_it_cannot_read() -> Result<(), ReportError>
    {
        let tmp = tmp_dir()?;
        let path = tmp.path().join("nightly").join("history.jsonl");
        for day in 1..=4 {
            append(&path, &run_at(&format!("2026-11-0{day}T02:00:00Z")), 3)?;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(text.lines().count(), 3);
        let mut bytes = b"garbage\n{\"history\":\"restart-conformance/9\"}\n".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        std::fs::write(&path, &bytes).unwrap_or_default();
        let h = append(&path, &run_at("2026-11-05T02:00:00Z"), 3)?;
        assert_eq!(h.skipped.len(), 2);
        let after = read(&path)?;
        let kept: Vec<&[u8]> = after.skipped.iter().map(|s| s.raw.as_slice()).collect();
        assert_eq!(
            kept,
            [&b"garbage"[..], b"{\"history\":\"restart-conformance/9\"}"],
            "lines it cannot read stay as they were"
        );
        assert_eq!(after.runs.len(), 3);
        assert_eq!(after.runs[2].started_at, "2026-11-05T02:00:00Z");
        let entries: Vec<String> = std::fs::read_dir(tmp.path().join("nightly"))
            .map(|d| {
                d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| !n.ends_with(".lock"))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(entries, ["history.jsonl"], "no temporary file is left");
        Ok(())
    }

    #[test]
    fn a_line_that_is_not_utf8_is_skipped_and_kept() -> Result<(), ReportError> {
        let tmp = tmp_dir()?;
        let path = tmp.path().join("history.jsonl");
        append(&path, &run_at("2026-11-01T02:00:00Z"), 10)?;
        let mut bytes = std::fs::read(&path).unwrap_or_default();
        bytes.extend_from_slice(b"{\"history\":\"caf\xe9\"}\n");
        std::fs::write(&path, &bytes).unwrap_or_default();

        let h = read(&path)?;
        assert_eq!(h.runs.len(), 1);
        assert_eq!(
            h.warnings(Path::new("h.jsonl")),
            ["warning: h.jsonl:2: skipped: not UTF-8 (an invalid byte at column 16)"]
        );
        let h = append(&path, &run_at("2026-11-02T02:00:00Z"), 10)?;
        assert_eq!(h.runs.len(), 2);
        let after = std::fs::read(&path).unwrap_or_default();
        assert!(
            after.starts_with(b"{\"history\":\"caf\xe9\"}\n"),
            "the line is kept byte for byte"
        );
        Ok(())
    }

    #[test]
    fn a_file_that_is_no_history_is_refused_and_left_alone() -> Result<(), ReportError> {
        let tmp = tmp_dir()?;
        let path = tmp.path().join("journal.jsonl");
        let journal = "{\"journal\":1,\"run\":{}}\n{\"name\":\"ecs::x\"}\n";
        std::fs::write(&path, journal).unwrap_or_default();
        let Err(e) = append(&path, &run_at("2026-11-01T02:00:00Z"), 10) else {
            panic!("a journal is no history");
        };
        let text = crate::error_chain::one_line(&e);
        assert!(
            text.contains("journal.jsonl as a history: it is not a history file: none of its 2 lines is a run of this tool (line 1: not a run of this tool"),
            "{text}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), journal);
        // Empty, or blank lines only: a history yet to begin.
        std::fs::write(&path, "\n\n").unwrap_or_default();
        assert!(check(&path).is_ok());
        Ok(())
    }

    #[test]
    fn runs_are_ordered_by_start_and_keep_drops_the_earliest_started() {
        let line =
            |day: u32| HistoryLine::from_report(&run_at(&format!("2026-11-0{day}T02:00:00Z")));
        let mut runs = Vec::new();
        // Night 2 and 3 recorded, then night 1 rebuilt from its journal.
        for day in [2, 3, 1] {
            add(&mut runs, line(day), 10);
        }
        let starts = |runs: &[HistoryLine]| -> Vec<String> {
            runs.iter()
                .map(|r| r.started_at[8..10].to_owned())
                .collect()
        };
        assert_eq!(starts(&runs), ["01", "02", "03"]);
        // At the cap, the run that started first goes, not the line written first.
        add(&mut runs, line(4), 3);
        assert_eq!(starts(&runs), ["02", "03", "04"]);
        add(&mut runs, line(1), 3);
        assert_eq!(
            starts(&runs),
            ["02", "03", "04"],
            "an older run than all kept is not kept"
        );
        // A file in write order reads back in start order; other time zones compare as instants.
        let mut late = line(2);
        late.started_at = "2026-11-02T01:00:00-02:00".into(); // 03:00Z
        let text = render(&[line(3), late, line(2)]).unwrap_or_default();
        let read_back: Vec<String> = parse(&text)
            .runs
            .iter()
            .map(|r| r.started_at.clone())
            .collect();
        assert_eq!(
            read_back,
            [
                "2026-11-02T02:00:00Z",
                "2026-11-02T01:00:00-02:00",
                "2026-11-03T02:00:00Z"
            ]
        );
    }
}

//! Reports: `report.json`, `junit.xml`, `report.html` and `summary.md`, written atomically.
//!
//! This stage owns turning a finished [`Report`] into files and comparing two reports. It reads
//! the `report.json` contract in [`model`] and nothing else: it must not know how the results were
//! obtained (no HTTP, no specs, no checks). Every writer is a pure function from a `Report` to a
//! string; [`write_all`] renders all four before touching the disk, so a rendering error leaves
//! the previous set of files in place, and each file is then replaced atomically.

pub mod build;
pub mod contract;
pub mod diff;
pub(crate) mod format;
pub mod html;
pub mod journal;
pub mod json;
pub mod junit;
pub mod lock;
pub mod markdown;
pub mod matrix;
pub mod merge;
pub mod timing;
pub mod write;

#[cfg(test)]
pub(crate) mod sample;

use std::path::{Path, PathBuf};

use crate::redact::Redactor;
pub use build::{RunMeta, build};

pub use contract::{
    CaseOutcome, CaseReport, CheckOutcome, CheckReport, ExchangeRecord, Observation, REPORT_FORMAT,
    Report, RequestRecord, ResponseRecord, RunInfo, Severity, Summary, ToolInfo,
};
pub use diff::{ReportDiff, compare};
pub use html::to_html;
pub use json::{load, to_json};
pub use junit::to_junit;
pub use markdown::to_markdown;
pub use matrix::{Cell, CellState, Column, Matrix, MatrixRow};
pub use write::write_atomic;

/// File name of the machine-readable report inside the report directory.
pub const REPORT_JSON: &str = "report.json";
/// File name of the JUnit XML report.
pub const JUNIT_XML: &str = "junit.xml";
/// File name of the self-contained HTML page.
pub const REPORT_HTML: &str = "report.html";
/// File name of the Markdown summary (CI job summary, PR comment).
pub const SUMMARY_MD: &str = "summary.md";

/// A report could not be rendered, written or read.
///
/// `context` reads well after "failed to": `write reports/junit.xml`, `load report old.json`.
#[derive(Debug, thiserror::Error)]
#[error("failed to {context}")]
pub struct ReportError {
    pub context: String,
    #[source]
    pub kind: ReportErrorKind,
}

/// What went wrong, with the underlying cause kept as the error source.
#[derive(Debug, thiserror::Error)]
pub enum ReportErrorKind {
    #[error(transparent)]
    Io(std::io::Error),
    /// `report.json` is not valid JSON or does not match the contract. serde_json's message
    /// already ends with "at line L column C"; `line` and `column` are kept for programs.
    #[error("{error}")]
    Parse {
        line: usize,
        column: usize,
        error: serde_json::Error,
    },
    /// A report written by a tool with another layout version.
    #[error("report format {found} is not supported (this version reads format {expected})")]
    UnsupportedFormat { found: u32, expected: u32 },
    #[error("cannot serialize the report as JSON")]
    Json(#[source] serde_json::Error),
    #[error("cannot serialize the JUnit XML")]
    Junit(#[source] quick_junit::SerializeError),
    #[error("cannot render the HTML template")]
    Template(#[source] askama::Error),
    /// A `--history` file that holds something else: rewriting it would destroy it.
    #[error(
        "it is not a history file: none of its {lines} lines is a run of this tool (line {first_line}: {first_why})"
    )]
    NotHistory {
        lines: usize,
        first_line: usize,
        first_why: String,
    },
}

impl ReportError {
    pub(crate) fn new(context: impl Into<String>, kind: ReportErrorKind) -> ReportError {
        ReportError {
            context: context.into(),
            kind,
        }
    }
}

/// Writes `report.json`, `junit.xml`, `report.html` and `summary.md` into `dir`, creating it.
///
/// The report is redacted first (see [`write_all_with`]) with what it reveals itself: the values
/// of its credential headers and URL user information. A caller that knows the run's secrets
/// should call [`write_all_with`] and pass them.
pub fn write_all(
    report: &Report,
    dir: &Path,
    baseline: Option<&Report>,
) -> Result<Vec<PathBuf>, ReportError> {
    write_all_with(report, dir, baseline, &Redactor::default())
}

/// Writes the four reports into `dir` through `redactor`, creating the directory.
///
/// Every writer renders a copy of `report` (and of the `baseline`) masked by `redactor`, which
/// also learns the values of the report's own credential headers and URL user information: a
/// report whose exchanges carry a raw token is still written without it, in every file. With a
/// `baseline` (usually the previous nightly `report.json`), the HTML page and the Markdown
/// summary open with the comparison `compare(baseline, report)`. Returns the written paths in
/// the order above.
pub fn write_all_with(
    report: &Report,
    dir: &Path,
    baseline: Option<&Report>,
    redactor: &Redactor,
) -> Result<Vec<PathBuf>, ReportError> {
    let report = &redacted(report, redactor);
    let baseline = baseline.map(|b| redacted(b, redactor));
    let comparison = baseline.as_ref().map(|old| compare(old, report));

    // Render everything first: a template or serializer error must not leave a mix of new and
    // old files behind.
    let files = [
        (REPORT_JSON, to_json(report)?),
        (JUNIT_XML, to_junit(report)?),
        (REPORT_HTML, to_html(report, comparison.as_ref())?),
        (SUMMARY_MD, to_markdown(report, comparison.as_ref())),
    ];

    std::fs::create_dir_all(dir).map_err(|e| {
        ReportError::new(
            format!("create report directory {}", dir.display()),
            ReportErrorKind::Io(e),
        )
    })?;

    let mut written = Vec::with_capacity(files.len());
    for (name, contents) in files {
        let path = dir.join(name);
        write_atomic(&path, contents.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// A copy of `report` masked by `redactor` and by what the report itself reveals (see
/// [`Redactor::learning`]). Every writer's input goes through here; so does `report diff`.
pub fn redacted(report: &Report, redactor: &Redactor) -> Report {
    let redactor = redactor.clone().learning(report);
    let mut copy = report.clone();
    redactor.redact_report(&mut copy);
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_all_writes_four_files_and_no_temp_file() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path().join("nested").join("reports");
        let report = sample::report();
        let mut baseline = sample::report();
        baseline.cases.retain(|c| c.name != sample::FAILED);

        let paths = write_all(&report, &dir, Some(&baseline))?;

        let names: Vec<_> = paths
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect();
        assert_eq!(names, [REPORT_JSON, JUNIT_XML, REPORT_HTML, SUMMARY_MD]);
        let mut entries: Vec<String> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        entries.sort();
        assert_eq!(
            entries,
            ["junit.xml", "report.html", "report.json", "summary.md"]
        );
        for path in &paths {
            assert!(
                std::fs::metadata(path)?.len() > 0,
                "{} is empty",
                path.display()
            );
        }

        // report.json round-trips through the loader.
        assert_eq!(load(&dir.join(REPORT_JSON))?, report);
        // The baseline comparison reached the summary: the failed case is new.
        let md = std::fs::read_to_string(dir.join(SUMMARY_MD))?;
        assert!(md.contains("Compared with baseline"));
        Ok(())
    }

    /// Every file of the report set, written from a report that carries a secret in a header,
    /// in URL user information, in a body and in a message, holds none of them.
    #[test]
    fn no_report_file_holds_a_secret() -> Result<(), Box<dyn std::error::Error>> {
        const RUN_TOKEN: &str = "run-token-7d1f0c";
        const HEADER_ONLY: &str = "raw-header-cred-55a2";
        const PASSWORD: &str = "url-pass-93be";
        let mut report = sample::every_kind();
        let case = &mut report.cases[0];
        case.checks[0].message = format!("the target echoed {RUN_TOKEN}");
        case.notes
            .push(format!("retried with https://ops:{PASSWORD}@h.test/x"));
        let mut x = sample::exchange("request", "https://h.test/x", 200, "", 0);
        x.request.url = format!("https://ops:{PASSWORD}@h.test/x");
        x.request
            .headers
            .push(("X-Auth-Token".to_owned(), RUN_TOKEN.to_owned()));
        x.request
            .headers
            .push(("X-Client-Secret".to_owned(), HEADER_ONLY.to_owned()));
        if let Some(r) = &mut x.response {
            r.body = format!("{{\"token\": \"{RUN_TOKEN}\", \"again\": \"{HEADER_ONLY}\"}}");
        }
        case.exchanges.push(x);
        case.curl = Some(format!(
            "curl -H 'X-Auth-Token: {RUN_TOKEN}' https://h.test/x"
        ));
        let mut baseline = report.clone();
        baseline.cases.truncate(2);

        let tmp = tempfile::tempdir()?;
        let paths = write_all_with(
            &report,
            tmp.path(),
            Some(&baseline),
            &Redactor::new([RUN_TOKEN]),
        )?;
        assert_eq!(paths.len(), 4);
        for path in &paths {
            let text = std::fs::read_to_string(path)?;
            for secret in [
                RUN_TOKEN,
                HEADER_ONLY,
                PASSWORD,
                sample::LEAKED_TOKEN,
                sample::LEAKED_PASSWORD,
            ] {
                assert!(!text.contains(secret), "{secret} in {}", path.display());
            }
        }
        // The masks are there, the user name stays.
        let json = std::fs::read_to_string(tmp.path().join(REPORT_JSON))?;
        assert!(json.contains("https://ops:***@h.test/x"), "{json}");
        assert!(json.contains("the target echoed ***"));
        Ok(())
    }

    #[test]
    fn write_all_replaces_previous_files() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        std::fs::write(tmp.path().join(REPORT_JSON), "old contents")?;
        write_all(&sample::report(), tmp.path(), None)?;
        let json = std::fs::read_to_string(tmp.path().join(REPORT_JSON))?;
        assert!(json.starts_with('{'));
        Ok(())
    }

    #[test]
    fn errors_read_after_failed_to() {
        let err = ReportError::new(
            "load report old.json",
            ReportErrorKind::UnsupportedFormat {
                found: 7,
                expected: 1,
            },
        );
        assert_eq!(err.to_string(), "failed to load report old.json");
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(
            source.as_deref(),
            Some("report format 7 is not supported (this version reads format 1)")
        );
    }
}

#[cfg(test)]
mod sign_in_and_resource_tests {
    use super::*;

    #[test]
    fn every_page_names_the_sign_in_and_the_resource_of_a_case() {
        let mut report = sample::report();
        report.run.sign_in = Some(contract::SignInInfo {
            cloud: "mycloud".into(),
            auth_url: "https://keystone.example.test/v3".into(),
            user: "alice".into(),
            project: Some("demo".into()),
            region: Some("RegionOne".into()),
        });
        report.cases[0].resource = Some("ecs/server-b".into());
        let html = to_html(&report, None).unwrap_or_default();
        assert!(html.contains("cloud <code>mycloud</code> at https://keystone.example.test/v3 as alice, project demo, region RegionOne"), "{html}");
        assert!(html.contains("resource <code>ecs/server-b</code>"));
        let md = to_markdown(&report, None);
        assert!(md.contains("signed in to mycloud at https://keystone.example.test/v3 as alice, project demo, region RegionOne"), "{md}");
        let junit = to_junit(&report).unwrap_or_default();
        assert!(
            junit.contains(r#"<property name="resource" value="ecs/server-b"/>"#),
            "{junit}"
        );
    }
}

//! `report.json`: the contract in [`model`](super::contract), serialized and read back.
//!
//! Writing is plain serde (pretty, with a final newline so the file diffs well). Reading is for
//! `report diff` and nightly baselines: a bad file yields an error naming the path, with
//! serde_json's line and column, and a report from another layout version is refused instead of
//! being half understood.

use std::path::Path;

use super::contract::{REPORT_FORMAT, Report};
use super::{ReportError, ReportErrorKind};

/// Serializes `report` as pretty-printed JSON, ending with a newline.
pub fn to_json(report: &Report) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(report)
        .map_err(|e| ReportError::new("serialize report.json", ReportErrorKind::Json(e)))?;
    text.push('\n');
    Ok(text)
}

/// Reads a `report.json` written by this tool.
pub fn load(path: &Path) -> Result<Report, ReportError> {
    let context = || format!("load report {}", path.display());
    let text = std::fs::read_to_string(path)
        .map_err(|e| ReportError::new(context(), ReportErrorKind::Io(e)))?;
    let report: Report = serde_json::from_str(&text).map_err(|error| {
        ReportError::new(
            context(),
            ReportErrorKind::Parse {
                line: error.line(),
                column: error.column(),
                error,
            },
        )
    })?;
    if report.format != REPORT_FORMAT {
        return Err(ReportError::new(
            context(),
            ReportErrorKind::UnsupportedFormat {
                found: report.format,
                expected: REPORT_FORMAT,
            },
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn round_trips_through_a_file() -> Result<(), Box<dyn std::error::Error>> {
        let report = sample::report();
        let text = to_json(&report)?;
        assert!(text.ends_with("}\n"));
        assert!(text.contains("\n  \"format\": 1,"), "pretty-printed");
        let tmp = tempfile::tempdir()?;
        let path = tmp.path().join("report.json");
        std::fs::write(&path, &text)?;
        assert_eq!(load(&path)?, report);
        Ok(())
    }

    #[test]
    fn bad_json_names_path_line_and_column() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let path = tmp.path().join("old.json");
        std::fs::write(&path, "{\n  \"format\": 1,\n  \"tool\": ]\n}\n")?;
        let Err(err) = load(&path) else {
            panic!("invalid JSON must not load");
        };
        assert!(err.to_string().contains("old.json"), "{err}");
        match &err.kind {
            ReportErrorKind::Parse { line, column, .. } => assert_eq!((*line, *column), (3, 11)),
            other => panic!("expected a parse error, got {other:?}"),
        }
        assert!(
            err.kind.to_string().contains("line 3 column 11"),
            "{}",
            err.kind
        );
        Ok(())
    }

    #[test]
    fn missing_field_is_a_parse_error() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let path = tmp.path().join("report.json");
        std::fs::write(&path, "{\"format\": 1}")?;
        let Err(err) = load(&path) else {
            panic!("an incomplete report must not load");
        };
        assert!(
            err.kind.to_string().contains("missing field"),
            "{}",
            err.kind
        );
        Ok(())
    }

    #[test]
    fn other_format_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let mut report = sample::report();
        report.format = REPORT_FORMAT + 1;
        let tmp = tempfile::tempdir()?;
        let path = tmp.path().join("report.json");
        std::fs::write(&path, to_json(&report)?)?;
        let Err(err) = load(&path) else {
            panic!("a newer format must be refused");
        };
        assert!(matches!(
            err.kind,
            ReportErrorKind::UnsupportedFormat { found: 2, .. }
        ));
        Ok(())
    }

    #[test]
    fn missing_file_names_the_path() {
        let Err(err) = load(Path::new("/nonexistent/dir/report.json")) else {
            panic!("a missing file must not load");
        };
        assert!(matches!(err.kind, ReportErrorKind::Io(_)));
        assert!(err.to_string().contains("/nonexistent/dir/report.json"));
    }
}

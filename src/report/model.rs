//! The `report.json` contract: what a run found, case by case.
//!
//! `run` fills these values; every writer in `report` (JSON, JUnit, HTML,
//! Markdown) reads them and nothing else. Field names are public API for
//! whoever consumes `report.json`: rename nothing without a version bump.

use serde::{Deserialize, Serialize};

pub use crate::model::{
    CaseOutcome, CaseReport, CheckId, CheckOutcome, CheckReport, ExchangeRecord, Group,
    Observation, RequestRecord, ResponseRecord, Severity, Verdict,
};

/// Version of the `report.json` layout.
pub const REPORT_FORMAT: u32 = 1;

/// One whole run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub format: u32,
    pub tool: ToolInfo,
    pub run: RunInfo,
    pub summary: Summary,
    pub cases: Vec<CaseReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// Where and how the run happened. Never holds the token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    /// RFC 3339 start time.
    pub started_at: String,
    pub duration_ms: u64,
    /// `embedded reference server` or the target file's path.
    pub target: String,
    /// API id → base URL, for the configured APIs.
    pub base_urls: std::collections::BTreeMap<String, String>,
    /// Hex digest of the spec set that produced the cases.
    pub spec_digest: String,
    pub strict: bool,
    /// libtest filters and `--skip` values, as given.
    pub filters: Vec<String>,
    /// True when the run was interrupted before every case finished.
    #[serde(default)]
    pub interrupted: bool,
    /// Set when the token came from signing in to a cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<SignInInfo>,
}

/// Who signed in where; never a password or secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignInInfo {
    /// The clouds.yaml entry, or `OS_* variables`.
    pub cloud: String,
    pub auth_url: String,
    pub user: String,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Should-level findings (warnings) across all cases.
    pub warnings: usize,
}

impl Summary {
    pub fn of(cases: &[CaseReport]) -> Summary {
        let mut s = Summary::default();
        for c in cases {
            match c.outcome {
                CaseOutcome::Passed => s.passed += 1,
                CaseOutcome::Failed | CaseOutcome::Errored => s.failed += 1,
                CaseOutcome::Skipped => s.skipped += 1,
            }
            s.warnings += c
                .checks
                .iter()
                .filter(|k| k.outcome == CheckOutcome::Warning)
                .count();
        }
        s
    }
}

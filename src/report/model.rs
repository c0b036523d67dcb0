//! The `report.json` contract: what a run found, case by case.
//!
//! `run` fills these values; every writer in `report` (JSON, JUnit, HTML,
//! Markdown) reads them and nothing else. Field names are public API for
//! whoever consumes `report.json`: rename nothing without a version bump.

use serde::{Deserialize, Serialize};

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
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Should-level findings (warnings) across all cases.
    pub warnings: usize,
}

/// The outcome of one case, as in the JUnit file.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CaseOutcome {
    Passed,
    /// A check failed: a broken rule.
    Failed,
    /// No complete answer came back: a transport error.
    Errored,
    Skipped,
}

impl CaseOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseOutcome::Passed => "passed",
            CaseOutcome::Failed => "failed",
            CaseOutcome::Errored => "errored",
            CaseOutcome::Skipped => "skipped",
        }
    }
}

/// How serious a broken rule is (`conformance-rules.md`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Must,
    Should,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Must => "must",
            Severity::Should => "should",
        }
    }
}

/// The verdict of one check.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Passed,
    /// A must-check did not hold.
    Failed,
    /// A should-check did not hold (fails the case only under `--strict`).
    Warning,
    /// The API gives no way to observe the promise from outside.
    NotVerifiable,
}

impl CheckOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Passed => "passed",
            CheckOutcome::Failed => "failed",
            CheckOutcome::Warning => "warning",
            CheckOutcome::NotVerifiable => "not_verifiable",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckReport {
    /// Stable check id such as `status.expected` or `body.schema`.
    pub id: String,
    pub severity: Severity,
    pub outcome: CheckOutcome,
    pub message: String,
    /// Schema errors, one per line with its instance path, and similar detail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// Unified diff (expected vs actual) where the check compared two bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseReport {
    /// The case id, also the libtest trial name: paste it after `run --exact`.
    pub name: String,
    pub api: String,
    /// Rule group for the conformance matrix: `success`, `negative`, `auth`,
    /// `lifecycle`, `concurrency`.
    pub group: String,
    pub outcome: CaseOutcome,
    pub duration_ms: u64,
    /// Where the rule comes from: seed document and table or section.
    pub source: String,
    /// Why the case was skipped, or the transport error that stopped it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub checks: Vec<CheckReport>,
    pub exchanges: Vec<ExchangeRecord>,
    /// Lifecycle observations: the resource's state over time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lifecycle: Vec<Observation>,
    /// Things the runner did that a reader should know (waits, recoveries).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A shell line that repeats the case's main request; the token is `$OS_AUTH_TOKEN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
}

/// One request and what came back. The token is shown as `***`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExchangeRecord {
    /// What this exchange was for: `restart`, `second restart`, `status`, …
    pub purpose: String,
    pub request: RequestRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    /// Set when no complete response came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds since the case started, when the request went out.
    pub at_ms: u64,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy where it is not UTF-8), cut at the body cap.
    pub body: String,
    #[serde(default)]
    pub body_truncated: bool,
}

/// The resource's state at one poll.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Observation {
    /// Milliseconds since the case started.
    pub at_ms: u64,
    /// The state read at the spec's JSON pointer, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// HTTP status of the poll, or the transport error.
    pub note: String,
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

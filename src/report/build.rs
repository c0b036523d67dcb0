//! Assembling a [`Report`] from the cases of one run and its metadata.

use std::collections::BTreeMap;
use std::time::Duration;

use super::contract::{CaseReport, REPORT_FORMAT, Report, RunInfo, SignInInfo, Summary, ToolInfo};

/// What a report says about the run itself.
#[derive(Debug, Clone)]
pub struct RunMeta {
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub duration: Duration,
    /// `embedded reference server` or the target file's path.
    pub target: String,
    /// API id → base URL, for the configured APIs.
    pub base_urls: BTreeMap<String, String>,
    pub spec_digest: String,
    pub strict: bool,
    /// libtest filters, `--skip` values, `--exact` and `--partition`, as given.
    pub filters: Vec<String>,
    pub interrupted: bool,
    /// How the run signed in, when it did (never a secret).
    pub sign_in: Option<SignInInfo>,
    /// Which APIs signed with AK/SK (never a key).
    pub signing: Option<crate::model::SigningInfo>,
    /// `--poll-interval` in milliseconds, for the restart timings.
    pub poll_interval_ms: Option<u64>,
    /// The run's id, kept across `--resume`.
    pub run_id: String,
    /// Cases taken from the journal of an interrupted run.
    pub resumed_cases: usize,
    /// The TLS the run used, when not the system's defaults (never a key).
    pub tls: Option<crate::model::TlsInfo>,
    /// The profiles of a `run --profile` and its settings.
    pub profile_run: Option<crate::model::ProfileRun>,
}

/// The report of `cases` (in plan order), with the summary counted.
pub fn build(mut cases: Vec<CaseReport>, meta: RunMeta) -> Report {
    super::timing::annotate(&mut cases, meta.poll_interval_ms);
    Report {
        format: REPORT_FORMAT,
        tool: ToolInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        run: RunInfo {
            started_at: meta
                .started_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            duration_ms: u64::try_from(meta.duration.as_millis()).unwrap_or(u64::MAX),
            target: meta.target,
            base_urls: meta.base_urls,
            spec_digest: meta.spec_digest,
            strict: meta.strict,
            filters: meta.filters,
            interrupted: meta.interrupted,
            sign_in: meta.sign_in,
            signing: meta.signing,
            poll_interval_ms: meta.poll_interval_ms,
            run_id: meta.run_id,
            resumed_cases: meta.resumed_cases,
            tls: meta.tls,
            profile_run: meta.profile_run,
        },
        summary: Summary::of(&cases),
        restart_times: super::timing::restart_times(&cases),
        restarts: super::timing::restarts_by_resource(&cases),
        cases,
    }
}

//! The `report.json` contract: what a run found, case by case.
//!
//! The types live in [`crate::model`], which every stage may read; this
//! module names them for the writers in `report`, which read them and
//! nothing else. Field names are public API for whoever consumes
//! `report.json`: rename nothing without a version bump.

pub use crate::model::{Bounds, RestartTiming, TimeStats, Transition};
pub use crate::model::{
    CaseOutcome, CaseReport, CheckId, CheckOutcome, CheckReport, ExchangeRecord, Group,
    Observation, REPORT_FORMAT, Report, RequestRecord, ResponseRecord, RunInfo, Severity,
    SignInInfo, Summary, ToolInfo, Verdict,
};
pub use crate::model::{EarlierTry, LostRequest, Retries};

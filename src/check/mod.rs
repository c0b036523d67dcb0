//! Checks: (case, recorded response) ──► verdicts. Pure functions, no I/O.
//!
//! Each check has a stable id (see [`CheckId`]); its severity comes from the
//! spec, as the conformance rules (`docs/book/src/conformance-rules.md`) assign it.

mod body;
mod judge;
mod lifecycle;
mod response;

pub use body::body_checks;
pub use judge::{judge, outcome};
pub use lifecycle::{LifecycleRun, concurrent_refused, lifecycle};
pub use response::{Received, documented, response};

pub use crate::model::{CheckId, Verdict};
use crate::model::{CheckOutcome, CheckReport, Severity};

/// Builds a verdict: `ok` decides pass, otherwise the severity decides
/// between failed (must) and warning (should).
pub fn verdict(id: CheckId, severity: Severity, ok: bool, message: impl Into<String>) -> Verdict {
    CheckReport {
        id,
        severity,
        outcome: match (ok, severity) {
            (true, _) => CheckOutcome::Passed,
            (false, Severity::Must) => CheckOutcome::Failed,
            (false, Severity::Should) => CheckOutcome::Warning,
        },
        message: message.into(),
        details: Vec::new(),
        diff: None,
        expected: None,
        actual: None,
        schema_errors: Vec::new(),
    }
}

/// A promise the API gives no way to observe.
pub fn not_verifiable(id: &str, message: &str) -> Verdict {
    CheckReport {
        id: CheckId::parse(id),
        severity: Severity::Should,
        outcome: CheckOutcome::NotVerifiable,
        message: format!("not verifiable: {message}"),
        details: Vec::new(),
        diff: None,
        expected: None,
        actual: None,
        schema_errors: Vec::new(),
    }
}

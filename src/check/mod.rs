//! Checks: (case, recorded response) ──► verdicts. Pure functions, no I/O.
//!
//! Each check has a stable id (see [`CheckId`]); its severity comes from the
//! spec, as `conformance-rules.md` assigns it.

mod lifecycle;
mod response;

pub use lifecycle::{LifecycleRun, concurrent_refused, lifecycle};
pub use response::{Received, body_checks, documented, response};

use crate::report::model::{CheckOutcome, CheckReport, Severity};

/// A check's verdict; the same shape that `report.json` carries.
pub type Verdict = CheckReport;

/// Every check id the harness emits. Renaming one breaks `report.json` readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckId {
    StatusExpected,
    StatusPreferred,
    StatusDocumented,
    ContentTypeJson,
    BodySchema,
    BodyEmpty,
    BodyExample,
    BodyErrorShape,
    LifecycleRestartingSeen,
    LifecycleSteadyReached,
    RestartConcurrentRefused,
    Transport,
}

impl CheckId {
    pub const ALL: &'static [CheckId] = &[
        CheckId::StatusExpected,
        CheckId::StatusPreferred,
        CheckId::StatusDocumented,
        CheckId::ContentTypeJson,
        CheckId::BodySchema,
        CheckId::BodyEmpty,
        CheckId::BodyExample,
        CheckId::BodyErrorShape,
        CheckId::LifecycleRestartingSeen,
        CheckId::LifecycleSteadyReached,
        CheckId::RestartConcurrentRefused,
        CheckId::Transport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::StatusExpected => "status.expected",
            CheckId::StatusPreferred => "status.preferred",
            CheckId::StatusDocumented => "status.documented",
            CheckId::ContentTypeJson => "content_type.json",
            CheckId::BodySchema => "body.schema",
            CheckId::BodyEmpty => "body.empty",
            CheckId::BodyExample => "body.example",
            CheckId::BodyErrorShape => "body.error_shape",
            CheckId::LifecycleRestartingSeen => "lifecycle.restarting_seen",
            CheckId::LifecycleSteadyReached => "lifecycle.steady_reached",
            CheckId::RestartConcurrentRefused => "restart.concurrent_refused",
            CheckId::Transport => "transport",
        }
    }
}

/// Builds a verdict: `ok` decides pass, otherwise the severity decides
/// between failed (must) and warning (should).
pub fn verdict(id: CheckId, severity: Severity, ok: bool, message: impl Into<String>) -> Verdict {
    CheckReport {
        id: id.as_str().to_owned(),
        severity,
        outcome: match (ok, severity) {
            (true, _) => CheckOutcome::Passed,
            (false, Severity::Must) => CheckOutcome::Failed,
            (false, Severity::Should) => CheckOutcome::Warning,
        },
        message: message.into(),
        details: Vec::new(),
        diff: None,
    }
}

/// A promise the API gives no way to observe.
pub fn not_verifiable(id: &str, message: &str) -> Verdict {
    CheckReport {
        id: id.to_owned(),
        severity: Severity::Should,
        outcome: CheckOutcome::NotVerifiable,
        message: format!("not verifiable: {message}"),
        details: Vec::new(),
        diff: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_pinned() {
        let ids: Vec<_> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            ids,
            [
                "status.expected",
                "status.preferred",
                "status.documented",
                "content_type.json",
                "body.schema",
                "body.empty",
                "body.example",
                "body.error_shape",
                "lifecycle.restarting_seen",
                "lifecycle.steady_reached",
                "restart.concurrent_refused",
                "transport",
            ]
        );
    }
}

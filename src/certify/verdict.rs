//! The verdict of a run for a profile, from its `report.json` alone.
//!
//! - **not conformant**: a required case is missing, was skipped or errored, or failed a
//!   must-check;
//! - **conformant (core)**: every required case passed its must-checks;
//! - **conformant (extended)**: core, and no required or advisory case has any finding — a
//!   should-level check that did not hold, or an advisory case that failed — as `--strict`.
//!
//! Flagged cases are listed with their outcome and count in neither level. The verdict reads
//! the checks' severities, not the cases' outcomes, so `--strict` on the run changes nothing.

use serde::{Deserialize, Serialize};

use crate::model::{CaseOutcome, CaseReport, CheckOutcome, Report, Severity};
use crate::profile::{Profile, Section};

/// How far a run conforms to a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    NotConformant,
    Core,
    Extended,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::NotConformant => "not conformant",
            Level::Core => "conformant (core)",
            Level::Extended => "conformant (extended)",
        }
    }

    pub fn conformant(self) -> bool {
        self != Level::NotConformant
    }
}

/// One case that keeps a level from being reached, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub case: String,
    pub why: String,
}

/// A flagged case and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedOutcome {
    pub case: String,
    pub outcome: String,
}

/// The verdict for one profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileVerdict {
    pub profile: String,
    pub verdict: Level,
    pub required: usize,
    pub required_passed: usize,
    pub advisory: usize,
    /// Required cases that break core.
    pub failed: Vec<Finding>,
    /// What keeps core from being extended.
    pub findings: Vec<Finding>,
    pub flagged: Vec<FlaggedOutcome>,
}

/// Judges `report` (whose case names already follow the aliases) against `profile`.
pub fn judge(profile: &Profile, report: &Report) -> ProfileVerdict {
    let find = |id: &str| report.cases.iter().find(|c| c.name == id);
    let required = profile.section(Section::Required);
    let advisory = profile.section(Section::Advisory);
    let mut failed = Vec::new();
    let mut findings = Vec::new();
    for id in &required {
        match find(id).map(|c| (c, core_failure(c))) {
            None => failed.push(finding(id, "not in the report: the run did not plan it")),
            Some((_, Some(why))) => failed.push(finding(id, &why)),
            Some((c, None)) => findings.extend(should_findings(c)),
        }
    }
    for id in &advisory {
        match find(id).map(|c| (c, core_failure(c))) {
            None => findings.push(finding(id, "not in the report: the run did not plan it")),
            Some((_, Some(why))) => findings.push(finding(id, &why)),
            Some((c, None)) => findings.extend(should_findings(c)),
        }
    }
    let flagged = profile
        .section(Section::Flagged)
        .into_iter()
        .map(|id| FlaggedOutcome {
            outcome: find(&id).map_or("not run", |c| outcome_word(c)).to_owned(),
            case: id,
        })
        .collect();
    let verdict = if !failed.is_empty() {
        Level::NotConformant
    } else if findings.is_empty() {
        Level::Extended
    } else {
        Level::Core
    };
    ProfileVerdict {
        profile: profile.name.clone(),
        verdict,
        required: required.len(),
        required_passed: required.len() - failed.len(),
        advisory: advisory.len(),
        failed,
        findings,
        flagged,
    }
}

fn finding(case: &str, why: &str) -> Finding {
    Finding {
        case: case.to_owned(),
        why: why.to_owned(),
    }
}

/// What a case's must-level record says: `None` when it holds.
fn core_failure(c: &CaseReport) -> Option<String> {
    match c.outcome {
        CaseOutcome::Skipped => {
            return Some(format!(
                "skipped: {}",
                c.reason.as_deref().unwrap_or("not run")
            ));
        }
        CaseOutcome::Errored => {
            return Some(format!(
                "no complete answer: {}",
                c.reason.as_deref().unwrap_or("transport error")
            ));
        }
        CaseOutcome::Passed | CaseOutcome::Failed => {}
    }
    let broken: Vec<String> = c
        .checks
        .iter()
        .filter(|k| k.severity == Severity::Must && k.outcome == CheckOutcome::Failed)
        .map(|k| format!("{}: {}", k.id, k.message))
        .collect();
    if !broken.is_empty() {
        return Some(broken.join("; "));
    }
    // A failed case with no failed must-check and no should-level finding has no record of
    // why it failed: say so rather than pass it.
    let warned = c.checks.iter().any(|k| {
        k.severity == Severity::Should
            && matches!(k.outcome, CheckOutcome::Failed | CheckOutcome::Warning)
    });
    if c.outcome == CaseOutcome::Failed && !warned {
        return Some(format!(
            "failed: {}",
            c.reason.as_deref().unwrap_or("no check says why")
        ));
    }
    None
}

/// The should-level checks of a case that did not hold.
fn should_findings(c: &CaseReport) -> Vec<Finding> {
    c.checks
        .iter()
        .filter(|k| {
            k.severity == Severity::Should
                && matches!(k.outcome, CheckOutcome::Failed | CheckOutcome::Warning)
        })
        .map(|k| finding(&c.name, &format!("{} (should): {}", k.id, k.message)))
        .collect()
}

fn outcome_word(c: &CaseReport) -> &'static str {
    c.outcome.as_str()
}

//! Comparing two reports: what a nightly run changed against the previous one.
//!
//! Cases are matched by name, which is stable across runs because ids are derived from the specs.
//! A regression is a case that passed before and now fails or cannot run; a fix is the reverse.
//! Transitions to or from `skipped` are neither: a skip says the target was not configured for
//! that case, not that it got better or worse. `failed` ↔ `errored` is not a change of verdict.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::contract::{CaseOutcome, CaseReport, CheckOutcome, Report};

/// Case names, sorted, by kind of change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDiff {
    /// Passed before, failed or errored now.
    pub regressed: Vec<String>,
    /// Failed or errored before, passed now.
    pub fixed: Vec<String>,
    /// Only in the new report.
    pub added: Vec<String>,
    /// Only in the old report.
    pub removed: Vec<String>,
    /// Cases with a warning now that they did not have before (a check id newly at `warning`).
    pub new_warnings: Vec<String>,
}

/// What changed from `old` to `new`.
pub fn compare(old: &Report, new: &Report) -> ReportDiff {
    let old_cases: BTreeMap<&str, &CaseReport> =
        old.cases.iter().map(|c| (c.name.as_str(), c)).collect();
    let new_cases: BTreeMap<&str, &CaseReport> =
        new.cases.iter().map(|c| (c.name.as_str(), c)).collect();

    let mut diff = ReportDiff::default();
    for (name, now) in &new_cases {
        let Some(before) = old_cases.get(name) else {
            diff.added.push((*name).to_owned());
            if !warned_checks(now).is_empty() {
                diff.new_warnings.push((*name).to_owned());
            }
            continue;
        };
        if is_pass(before.outcome) && is_failure(now.outcome) {
            diff.regressed.push((*name).to_owned());
        } else if is_failure(before.outcome) && is_pass(now.outcome) {
            diff.fixed.push((*name).to_owned());
        }
        if !warned_checks(now).is_subset(&warned_checks(before)) {
            diff.new_warnings.push((*name).to_owned());
        }
    }
    diff.removed = old_cases
        .keys()
        .filter(|name| !new_cases.contains_key(*name))
        .map(|name| (*name).to_owned())
        .collect();
    // BTreeMap iteration already sorts by name; nothing else to do.
    diff
}

fn is_pass(outcome: CaseOutcome) -> bool {
    outcome == CaseOutcome::Passed
}

fn is_failure(outcome: CaseOutcome) -> bool {
    matches!(outcome, CaseOutcome::Failed | CaseOutcome::Errored)
}

fn warned_checks(case: &CaseReport) -> BTreeSet<&str> {
    case.checks
        .iter()
        .filter(|k| k.outcome == CheckOutcome::Warning)
        .map(|k| k.id.as_str())
        .collect()
}

impl ReportDiff {
    pub fn has_regressions(&self) -> bool {
        !self.regressed.is_empty()
    }

    /// True when nothing changed at all.
    pub fn is_empty(&self) -> bool {
        self.regressed.is_empty()
            && self.fixed.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.new_warnings.is_empty()
    }

    /// The sections in display order, with their headings.
    pub fn sections(&self) -> [(&'static str, &[String]); 5] {
        [
            ("regressed", &self.regressed),
            ("fixed", &self.fixed),
            ("added", &self.added),
            ("removed", &self.removed),
            ("new warnings", &self.new_warnings),
        ]
    }

    /// One line of counts: `2 regressed, 1 fixed, 0 added, 0 removed, 1 new warnings`.
    pub fn counts_line(&self) -> String {
        self.sections()
            .iter()
            .map(|(label, names)| format!("{} {label}", names.len()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Plain text for a terminal, as printed by `report diff`.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        if self.has_regressions() {
            out.push_str(&format!(
                "{} regression{}\n",
                self.regressed.len(),
                if self.regressed.len() == 1 { "" } else { "s" }
            ));
        } else {
            out.push_str("no regressions\n");
        }
        if self.is_empty() {
            out.push_str("no other changes\n");
            return out;
        }
        out.push_str(&self.counts_line());
        out.push('\n');
        for (label, names) in self.sections() {
            if names.is_empty() {
                continue;
            }
            out.push('\n');
            out.push_str(label);
            out.push_str(":\n");
            for name in names {
                out.push_str("  ");
                out.push_str(name);
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::contract::Severity;
    use super::super::sample::{self, case, check};
    use super::*;

    fn named(names: &[String]) -> Vec<&str> {
        names.iter().map(String::as_str).collect()
    }

    #[test]
    fn finds_regressed_fixed_added_removed_and_new_warnings() {
        let old = sample::report();
        let mut new = sample::report();
        let outcome_of = |r: &mut Report, name: &str, outcome: CaseOutcome| {
            for c in r.cases.iter_mut().filter(|c| c.name == name) {
                c.outcome = outcome;
            }
        };
        outcome_of(&mut new, sample::PASSED, CaseOutcome::Failed); // passed → failed
        outcome_of(&mut new, sample::LIFECYCLE, CaseOutcome::Errored); // passed → errored
        outcome_of(&mut new, sample::FAILED, CaseOutcome::Passed); // failed → passed
        outcome_of(&mut new, sample::ERRORED, CaseOutcome::Skipped); // errored → skipped: neither
        outcome_of(&mut new, sample::SKIPPED, CaseOutcome::Failed); // skipped → failed: neither
        new.cases.retain(|c| c.name != sample::WARNING);
        let mut added = case(
            "ecs::v2.1::reboot_twice",
            "ecs",
            crate::model::Group::Concurrency,
            CaseOutcome::Passed,
        );
        added.checks = vec![check(
            "status.documented",
            Severity::Should,
            CheckOutcome::Warning,
            "409 is not documented",
        )];
        new.cases.push(added);
        for c in new.cases.iter_mut().filter(|c| c.name == sample::PASSED) {
            c.checks.push(check(
                "content_type.charset",
                Severity::Should,
                CheckOutcome::Warning,
                "no charset",
            ));
        }

        let diff = compare(&old, &new);
        assert_eq!(named(&diff.regressed), [sample::LIFECYCLE, sample::PASSED]);
        assert_eq!(named(&diff.fixed), [sample::FAILED]);
        assert_eq!(named(&diff.added), ["ecs::v2.1::reboot_twice"]);
        assert_eq!(named(&diff.removed), [sample::WARNING]);
        assert_eq!(
            named(&diff.new_warnings),
            [sample::PASSED, "ecs::v2.1::reboot_twice"]
        );
        assert!(diff.has_regressions());

        let text = diff.render_text();
        assert!(text.starts_with("2 regressions\n"), "{text}");
        assert!(
            text.contains(
                "\nregressed:\n  ecs::lifecycle::reboot_soft\n  ecs::v2.1::reboot_soft\n"
            )
        );
        assert!(text.contains("\nremoved:\n  ddm::negative::restart_type_not_in_enum\n"));
    }

    #[test]
    fn same_report_has_no_changes() {
        let report = sample::report();
        let diff = compare(&report, &report);
        assert!(diff.is_empty());
        assert!(!diff.has_regressions());
        assert_eq!(diff.render_text(), "no regressions\nno other changes\n");
    }

    #[test]
    fn fewer_warnings_are_not_new_warnings() {
        let old = sample::report();
        let mut new = sample::report();
        for c in &mut new.cases {
            c.checks.retain(|k| k.outcome != CheckOutcome::Warning);
        }
        let diff = compare(&old, &new);
        assert!(diff.new_warnings.is_empty());
        assert!(diff.render_text().starts_with("no regressions\n"));
    }
}

//! Judging one case: everything the run stage recorded ──► verdicts.

use super::lifecycle::LifecycleRun;
use super::{
    CheckId, Verdict, body_checks, concurrent_refused, documented, lifecycle, response, verdict,
};
use crate::model::{CaseOutcome, CaseRun, CheckOutcome, Severity};
use crate::plan::{Case, CaseKind};

/// Every verdict on `run`, the record of `case`. A case that was not sent
/// has none; a case without a complete answer has a failed `transport`.
pub fn judge(case: &Case, run: &CaseRun) -> Vec<Verdict> {
    let mut out = Vec::new();
    if run.skipped.is_some() {
        return out;
    }
    if let Some(main) = &run.main {
        out.extend(response(case, main));
    }
    if let Some(e) = &run.transport_error {
        out.push(verdict(
            CheckId::Transport,
            Severity::Must,
            false,
            e.clone(),
        ));
    }
    let Some(w) = &run.watch else {
        return out;
    };
    match (case.kind, &case.spec.lifecycle) {
        (CaseKind::Restart, Some(lc)) => out.extend(lifecycle(
            lc,
            LifecycleRun {
                observations: &w.observations,
                timed_out: w.timed_out,
                timeout: w.timeout,
                unanswered: w.unanswered.as_ref(),
            },
        )),
        (CaseKind::Concurrent, _) => out.extend(second_restart(case, run, w.restarting.as_deref())),
        _ => {}
    }
    out
}

/// Concurrency cases: the second restart refused, its status documented
/// and, when refused, its error body.
fn second_restart(case: &Case, run: &CaseRun, restarting: Option<&str>) -> Vec<Verdict> {
    let mut out = Vec::new();
    let second = match &run.second {
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => {
            out.push(verdict(
                CheckId::Transport,
                Severity::Must,
                false,
                e.clone(),
            ));
            None
        }
        None => None,
    };
    if let Some(k) = case.concurrent_expect()
        && (second.is_some() || restarting.is_none())
    {
        out.push(concurrent_refused(k, restarting, second));
    }
    if let Some(r) = second {
        if let Some(v) = documented(&case.spec, r.status) {
            out.push(prefixed(v));
        }
        if r.status >= 400 {
            out.extend(body_checks(case, r).into_iter().map(prefixed));
        }
    }
    out
}

fn prefixed(mut v: Verdict) -> Verdict {
    v.message = format!("second restart: {}", v.message);
    v
}

/// A case's outcome from its verdicts: errored when no complete answer
/// came back, failed on any failed check (and on a warning under
/// `--strict`), skipped when it was not sent.
pub fn outcome(run: &CaseRun, checks: &[Verdict], strict: bool) -> CaseOutcome {
    if run.skipped.is_some() {
        return CaseOutcome::Skipped;
    }
    let errored = run.transport_error.is_some() || matches!(run.second, Some(Err(_)));
    let failed = checks.iter().any(|c| {
        c.outcome == CheckOutcome::Failed || (strict && c.outcome == CheckOutcome::Warning)
    });
    match (errored, failed) {
        (true, _) => CaseOutcome::Errored,
        (false, true) => CaseOutcome::Failed,
        (false, false) => CaseOutcome::Passed,
    }
}

//! Lifecycle checks: the restarting state seen, the steady state reached, a
//! second restart refused while the first runs.

use std::time::Duration;

use super::response::{Received, list};
use super::{CheckId, Verdict, not_verifiable, verdict};
use crate::model::Observation;
use crate::spec::{Concurrent, Lifecycle};

/// What the runner saw while watching one restart.
#[derive(Debug, Clone, Copy)]
pub struct LifecycleRun<'a> {
    pub observations: &'a [Observation],
    /// The lifecycle timeout ran out before the steady state came back.
    pub timed_out: bool,
    pub timeout: Duration,
    /// A status poll that went unanswered long enough to have missed a
    /// restart, in a watch that saw none: `(when it went out, why)`.
    pub unanswered: Option<&'a (u64, String)>,
}

fn summary(obs: &[Observation]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for o in obs {
        let s = o.state.clone().unwrap_or_else(|| o.note.clone());
        if parts.last() != Some(&s) {
            parts.push(s);
        }
    }
    if parts.is_empty() {
        "no poll".into()
    } else {
        parts.join(" → ")
    }
}

pub fn lifecycle(lc: &Lifecycle, run: LifecycleRun<'_>) -> Vec<Verdict> {
    let obs = run.observations;
    let states: Vec<&str> = obs.iter().filter_map(|o| o.state.as_deref()).collect();
    let restarting = lc.restarting.join(" or ");
    let steady = lc.steady.join(" or ");
    if states.is_empty() {
        let why = obs
            .last()
            .map(|o| o.note.clone())
            .unwrap_or_else(|| "no poll was made".into());
        let msg = format!(
            "the status URI gave no state at `{}` ({why}; {})",
            lc.pointer, lc.source
        );
        return vec![
            verdict(
                CheckId::LifecycleRestartingSeen,
                lc.severity,
                false,
                msg.clone(),
            ),
            verdict(CheckId::LifecycleSteadyReached, lc.severity, false, msg),
        ];
    }
    let first_restart = states
        .iter()
        .position(|s| lc.restarting.iter().any(|r| r == s));
    let seen = first_restart.is_some();
    let last = states.last().copied().unwrap_or_default();
    let reached = lc.steady.iter().any(|s| s == last) && !run.timed_out;
    let mut out = vec![match run.unanswered {
        // The restart may have come and gone while the poll went unanswered.
        Some((at_ms, why)) if !seen => not_verifiable(
            CheckId::LifecycleRestartingSeen.as_str(),
            &format!(
                "never saw {restarting} after the restart, but the status poll sent at {at_ms} ms got no answer ({why}) and the restart may have shown then; polls showed {}",
                summary(obs)
            ),
        ),
        _ => verdict(
            CheckId::LifecycleRestartingSeen,
            lc.severity,
            seen,
            if seen {
                format!("saw {restarting} after the restart ({})", summary(obs))
            } else {
                format!(
                    "never saw {restarting} after the restart; polls showed {} ({})",
                    summary(obs),
                    lc.source
                )
            },
        ),
    }];
    out.push(verdict(
        CheckId::LifecycleSteadyReached,
        lc.severity,
        reached,
        if reached {
            format!("back to {last} ({})", summary(obs))
        } else {
            format!(
                "did not return to {steady} within {:.1} s; last state {last} ({})",
                run.timeout.as_secs_f64(),
                summary(obs)
            )
        },
    ));
    out
}

/// restart.concurrent_refused: `second` is the answer to a restart sent while
/// the first was running; `None` when the restarting state was never seen.
pub fn concurrent_refused(
    k: &Concurrent,
    restarting_state: Option<&str>,
    second: Option<&Received>,
) -> Verdict {
    let (Some(state), Some(r)) = (restarting_state, second) else {
        return not_verifiable(
            CheckId::RestartConcurrentRefused.as_str(),
            "the resource was never seen restarting, so no second restart could be sent during one",
        );
    };
    let ok = k.expect.iter().any(|p| p.matches(r.status));
    let msg = if ok {
        format!(
            "a second restart during {state} was refused with {}",
            r.status
        )
    } else if (200..300).contains(&r.status) {
        format!(
            "a second restart during {state} was accepted with {}; expected {} ({})",
            r.status,
            list(&k.expect),
            k.source
        )
    } else {
        format!(
            "a second restart during {state} got {}; expected {} ({})",
            r.status,
            list(&k.expect),
            k.source
        )
    };
    verdict(CheckId::RestartConcurrentRefused, k.severity, ok, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckOutcome, Severity};
    use crate::spec::StatusPattern;

    fn lc(severity: Severity) -> Lifecycle {
        Lifecycle {
            uri: crate::spec::UriTemplate {
                id: "status".into(),
                path: "/x".into(),
                source: String::new(),
            },
            pointer: "/ha_instance/state".into(),
            restarting: vec!["REBOOT".into()],
            steady: vec!["ACTIVE".into()],
            severity,
            source: "seed".into(),
        }
    }

    fn obs(states: &[&str]) -> Vec<Observation> {
        states
            .iter()
            .enumerate()
            .map(|(i, s)| Observation {
                at_ms: i as u64 * 100,
                state: Some((*s).into()),
                note: "200".into(),
            })
            .collect()
    }

    fn run(o: &[Observation], timed_out: bool) -> LifecycleRun<'_> {
        LifecycleRun {
            observations: o,
            timed_out,
            timeout: Duration::from_secs(1),
            unanswered: None,
        }
    }

    #[test]
    fn reboot_then_active_passes() {
        let o = obs(&["REBOOT", "REBOOT", "ACTIVE"]);
        let v = lifecycle(&lc(Severity::Must), run(&o, false));
        assert!(v.iter().all(|v| v.outcome == CheckOutcome::Passed), "{v:?}");
        assert!(v[0].message.contains("REBOOT → ACTIVE"));
    }

    #[test]
    fn never_active_fails_steady_reached() {
        let o = obs(&["REBOOT", "REBOOT"]);
        let v = lifecycle(&lc(Severity::Must), run(&o, true));
        assert_eq!(v[1].outcome, CheckOutcome::Failed);
        assert!(
            v[1].message.contains("did not return to ACTIVE")
                && v[1].message.contains("last state REBOOT")
        );
    }

    #[test]
    fn no_reboot_state_fails_restarting_seen_as_warning_when_should() {
        let o = obs(&["ACTIVE", "ACTIVE"]);
        let v = lifecycle(&lc(Severity::Should), run(&o, false));
        assert_eq!(v[0].outcome, CheckOutcome::Warning);
        assert!(v[0].message.contains("never saw REBOOT"));
    }

    /// A lost poll before the steady states proves no absence: not verifiable,
    /// whatever the severity; a restart seen despite a lost poll still passes.
    #[test]
    fn no_reboot_state_after_an_unanswered_poll_is_not_verifiable() {
        let lost = (120, "no answer: connection reset".to_owned());
        let after_lost = |states: &[&str]| {
            let o = obs(states);
            lifecycle(
                &lc(Severity::Must),
                LifecycleRun {
                    unanswered: Some(&lost),
                    ..run(&o, false)
                },
            )
        };
        let v = after_lost(&["ACTIVE", "ACTIVE"]);
        assert_eq!(v[0].outcome, CheckOutcome::NotVerifiable, "{v:?}");
        assert!(
            v[0].message.contains("sent at 120 ms got no answer"),
            "{v:?}"
        );
        assert_eq!(v[1].outcome, CheckOutcome::Passed, "{v:?}");

        let v = after_lost(&["REBOOT", "ACTIVE"]);
        assert_eq!(v[0].outcome, CheckOutcome::Passed, "{v:?}");
    }

    #[test]
    fn no_state_at_pointer_fails_both() {
        let o = vec![Observation {
            at_ms: 0,
            state: None,
            note: "404".into(),
        }];
        let v = lifecycle(&lc(Severity::Must), run(&o, false));
        assert!(v.iter().all(|v| v.outcome == CheckOutcome::Failed));
        assert!(v[0].message.contains("/ha_instance/state"));
    }

    #[test]
    fn concurrent_restart_verdicts() {
        let k = Concurrent {
            body: serde_json::json!({}),
            expect: vec![StatusPattern::Exact(409)],
            severity: Severity::Should,
            source: "nova".into(),
        };
        let r = |status| Received {
            status,
            headers: vec![],
            body: vec![],
        };
        assert_eq!(
            concurrent_refused(&k, Some("REBOOT"), Some(&r(409))).outcome,
            CheckOutcome::Passed
        );
        let accepted = concurrent_refused(&k, Some("REBOOT"), Some(&r(202)));
        assert_eq!(accepted.outcome, CheckOutcome::Warning);
        assert!(accepted.message.contains("accepted with 202"));
        assert_eq!(
            concurrent_refused(&k, None, None).outcome,
            CheckOutcome::NotVerifiable
        );
    }
}

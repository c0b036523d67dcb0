//! How long to wait for a restart after an accepted request, learned from
//! what each API has shown so far in the run.
//!
//! After an accepted request the runner watches the status URI until the
//! resource has restarted and is steady again, or until it has stayed
//! steady for the grace period (`--restart-grace`) without restarting. On a
//! lenient target (one that accepts requests it must refuse, and does not
//! restart for them) every such request would cost the whole grace, so a
//! long suite would cost cases × grace. Two facts, learned per API, bound it:
//!
//! 1. **Restarts show within T.** Once a restart has been seen, the time
//!    from the accepted answer to the first poll that showed the restarting
//!    state is an upper bound on how long the API takes to leave its steady
//!    state. Later waits need only [`LATENCY_MULTIPLE`] × the longest such T,
//!    never less than [`SETTLE_POLLS`] polls, never more than the grace.
//! 2. **Accepted, and nothing happened.** Once an accepted request of one
//!    kind has left a resource steady for the whole grace (no restart ever
//!    seen on the API), later accepted requests of that kind need only a
//!    settle of [`SETTLE_POLLS`] polls. A valid restart that never showed
//!    settles the negatives too; a negative that never showed does not
//!    settle the valid restarts, whose wait is what tells a slow restart
//!    from a missing one.
//!
//! So a target that accepts everything and never restarts costs one full
//! grace per kind and API (two, when several resources start at once), and
//! settles afterwards. A target that really restarts keeps its verdicts: its
//! first restart is watched with the whole grace, and every later wait is a
//! safe multiple of what it has shown. Only waits in which no restart was
//! seen teach the second rule, and only full-grace waits do.
//!
//! The grace is the shorter of `--restart-grace` and `--lifecycle-timeout`:
//! a wait also ends at the lifecycle timeout, and one that ended there with
//! the resource steady all along is a wait whose grace ran out.
//!
//! The watch after an action that got no answer ([`Accepted::Lost`]: did
//! it arrive?) is paced the same way: once a lost action (or a valid
//! restart) has left the API steady for the whole grace, later lost actions
//! settle in a few polls. It teaches no latency: the moment the answer was
//! lost says nothing of when the target took the request.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use super::lifecycle::Polling;

/// Later waits are this many times the longest time a restart took to show.
pub const LATENCY_MULTIPLE: u32 = 3;

/// The shortest wait, in polls: enough to see a state that shows late.
pub const SETTLE_POLLS: u32 = 3;

/// What an accepted request was, for the pacing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// A valid restart (also the first of a concurrency case).
    Restart,
    /// A request the target should have refused.
    Negative,
    /// An action that got no answer: the watch tells whether it arrived.
    Lost,
}

/// What the API has shown so far.
#[derive(Debug, Clone, Default)]
struct Learned {
    /// The longest time from an accepted answer to the first poll that
    /// showed a restarting state.
    latency: Option<Duration>,
    /// The first case whose valid restart left the resource steady for the
    /// whole grace.
    silent_restart: Option<String>,
    /// The first case whose wrongly accepted request did the same.
    silent_negative: Option<String>,
    /// The first case whose action got no answer and left the resource
    /// steady for the whole grace.
    silent_lost: Option<String>,
}

/// How long one wait may last before it concludes that no restart came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    pub grace: Duration,
    /// Why the wait is shorter than `--restart-grace`; `None` for the full grace.
    pub shortened: Option<String>,
}

/// The pacing of one run, shared by every case.
#[derive(Debug)]
pub struct Pacing {
    polling: Polling,
    learned: Mutex<BTreeMap<String, Learned>>,
}

impl Pacing {
    pub fn new(polling: Polling) -> Pacing {
        Pacing {
            polling,
            learned: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Learned>> {
        // Every update is a plain assignment: a panic cannot leave it half-done.
        self.learned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn settle(&self) -> Duration {
        self.polling.interval * SETTLE_POLLS
    }

    /// The whole grace, named as the flag that set it.
    fn full(&self) -> (Duration, &'static str) {
        let full = self.polling.effective_grace();
        let flag = if full < self.polling.grace {
            "--lifecycle-timeout"
        } else {
            "--restart-grace"
        };
        (full, flag)
    }

    /// The wait for a restart after an accepted request of `kind` on `api`.
    pub fn wait_for(&self, api: &str, kind: Accepted) -> Wait {
        let (full, flag) = self.full();
        let learned = self.lock().get(api).cloned().unwrap_or_default();
        let grace_s = full.as_secs_f64();
        if let Some(t) = learned.latency {
            let grace = (t * LATENCY_MULTIPLE).max(self.settle()).min(full);
            return Wait {
                shortened: (grace < full).then(|| {
                    format!(
                        "waited up to {:.1} s for a restart instead of {flag} {grace_s:.1} s: restarts on {api} showed within {:.2} s of the answer ({LATENCY_MULTIPLE} × that, at least {SETTLE_POLLS} polls)",
                        grace.as_secs_f64(),
                        t.as_secs_f64()
                    )
                }),
                grace,
            };
        }
        let evidence = match kind {
            Accepted::Restart => learned.silent_restart.map(|c| (c, "accepted a restart")),
            Accepted::Negative => learned
                .silent_negative
                .or(learned.silent_restart)
                .map(|c| (c, "accepted a request")),
            Accepted::Lost => learned
                .silent_lost
                .map(|c| (c, "lost an action"))
                .or(learned.silent_restart.map(|c| (c, "accepted a restart"))),
        };
        match evidence {
            Some((case, what)) if self.settle() < full => Wait {
                grace: self.settle(),
                shortened: Some(format!(
                    "waited {SETTLE_POLLS} polls ({:.1} s) instead of {flag} {grace_s:.1} s: {api} had already {what} and stayed steady for the whole grace without restarting ({case})",
                    self.settle().as_secs_f64()
                )),
            },
            _ => Wait {
                grace: full,
                shortened: None,
            },
        }
    }

    /// Learns from one finished wait: `restart_showed` is the time from the
    /// accepted answer to the first poll that saw the restarting state, or
    /// `None` when the resource stayed steady for the whole `wait`.
    pub fn learn(
        &self,
        api: &str,
        case: &str,
        kind: Accepted,
        wait: &Wait,
        restart_showed: Option<Duration>,
    ) {
        let mut all = self.lock();
        let learned = all.entry(api.to_owned()).or_default();
        match restart_showed {
            // A lost answer says nothing of when the request was taken.
            Some(_) if kind == Accepted::Lost => {}
            Some(t) => learned.latency = Some(learned.latency.map_or(t, |old| old.max(t))),
            // Only a full wait in which nothing happened is evidence.
            None if wait.shortened.is_none() => {
                let slot = match kind {
                    Accepted::Restart => &mut learned.silent_restart,
                    Accepted::Negative => &mut learned.silent_negative,
                    Accepted::Lost => &mut learned.silent_lost,
                };
                slot.get_or_insert_with(|| case.to_owned());
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacing() -> Pacing {
        Pacing::new(Polling {
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(600),
            grace: Duration::from_secs(60),
        })
    }

    const FULL: Duration = Duration::from_secs(60);

    #[test]
    fn the_first_wait_of_each_kind_is_the_whole_grace() {
        let p = pacing();
        for kind in [Accepted::Restart, Accepted::Negative] {
            let w = p.wait_for("ddm", kind);
            assert_eq!(w.grace, FULL);
            assert!(w.shortened.is_none());
        }
    }

    #[test]
    fn a_silent_negative_settles_later_negatives_but_not_restarts() {
        let p = pacing();
        let w = p.wait_for("ddm", Accepted::Negative);
        p.learn("ddm", "ddm::negative::a", Accepted::Negative, &w, None);
        let next = p.wait_for("ddm", Accepted::Negative);
        assert_eq!(next.grace, Duration::from_secs(6));
        let why = next.shortened.unwrap_or_default();
        assert!(why.contains("ddm::negative::a"), "{why}");
        assert_eq!(p.wait_for("ddm", Accepted::Restart).grace, FULL);
        // Another API has learned nothing.
        assert_eq!(p.wait_for("ecs", Accepted::Negative).grace, FULL);
    }

    #[test]
    fn a_silent_restart_settles_both_kinds() {
        let p = pacing();
        let w = p.wait_for("ecs", Accepted::Restart);
        p.learn("ecs", "ecs::v2.1::reboot_soft", Accepted::Restart, &w, None);
        assert_eq!(
            p.wait_for("ecs", Accepted::Restart).grace,
            Duration::from_secs(6)
        );
        assert_eq!(
            p.wait_for("ecs", Accepted::Negative).grace,
            Duration::from_secs(6)
        );
    }

    #[test]
    fn a_seen_restart_bounds_later_waits_by_a_multiple_of_its_latency() {
        let p = pacing();
        let w = p.wait_for("ecs", Accepted::Restart);
        p.learn(
            "ecs",
            "x",
            Accepted::Restart,
            &w,
            Some(Duration::from_secs(5)),
        );
        let next = p.wait_for("ecs", Accepted::Negative);
        assert_eq!(next.grace, Duration::from_secs(15));
        assert!(next.shortened.is_some());
        // A slower restart later raises the bound; a faster one does not lower it.
        p.learn(
            "ecs",
            "y",
            Accepted::Restart,
            &next,
            Some(Duration::from_secs(12)),
        );
        p.learn(
            "ecs",
            "z",
            Accepted::Restart,
            &next,
            Some(Duration::from_secs(1)),
        );
        assert_eq!(
            p.wait_for("ecs", Accepted::Restart).grace,
            Duration::from_secs(36)
        );
        // Never above the grace, never below the settle.
        p.learn("ecs", "w", Accepted::Restart, &next, Some(FULL));
        let capped = p.wait_for("ecs", Accepted::Restart);
        assert_eq!(capped.grace, FULL);
        assert!(capped.shortened.is_none());
        let q = pacing();
        q.learn(
            "ddm",
            "v",
            Accepted::Restart,
            &w,
            Some(Duration::from_millis(10)),
        );
        assert_eq!(
            q.wait_for("ddm", Accepted::Restart).grace,
            Duration::from_secs(6)
        );
    }

    /// A wait also ends at the lifecycle timeout: when that is shorter than the grace, it is
    /// the whole grace, and a wait it ended teaches the settle rule.
    #[test]
    fn a_lifecycle_timeout_shorter_than_the_grace_is_the_grace() {
        let p = Pacing::new(Polling {
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(10),
            grace: Duration::from_secs(60),
        });
        let w = p.wait_for("ddm", Accepted::Restart);
        assert_eq!(w.grace, Duration::from_secs(10));
        assert!(w.shortened.is_none());
        p.learn("ddm", "ddm::restart_soft", Accepted::Restart, &w, None);
        let next = p.wait_for("ddm", Accepted::Negative);
        assert_eq!(next.grace, Duration::from_secs(6));
        let why = next.shortened.unwrap_or_default();
        assert!(
            why.contains("instead of --lifecycle-timeout 10.0 s"),
            "{why}"
        );
    }

    /// The watch after a lost action: settled by an earlier lost action (or a valid restart)
    /// that showed nothing for the whole grace; never a lesson about latency, nor about the
    /// waits after accepted requests.
    #[test]
    fn lost_actions_settle_after_a_silent_one_and_teach_no_latency() {
        let p = pacing();
        let w = p.wait_for("ddm", Accepted::Lost);
        assert_eq!(w.grace, FULL);
        p.learn("ddm", "a", Accepted::Lost, &w, Some(Duration::from_secs(1)));
        assert_eq!(p.wait_for("ddm", Accepted::Restart).grace, FULL);
        assert_eq!(p.wait_for("ddm", Accepted::Lost).grace, FULL);
        p.learn("ddm", "ddm::negative::b", Accepted::Lost, &w, None);
        let next = p.wait_for("ddm", Accepted::Lost);
        assert_eq!(next.grace, Duration::from_secs(6));
        let why = next.shortened.unwrap_or_default();
        assert!(
            why.contains("lost an action") && why.contains("ddm::negative::b"),
            "{why}"
        );
        assert_eq!(p.wait_for("ddm", Accepted::Restart).grace, FULL);
        assert_eq!(p.wait_for("ddm", Accepted::Negative).grace, FULL);

        let q = pacing();
        let w = q.wait_for("ecs", Accepted::Restart);
        q.learn("ecs", "ecs::v2.1::reboot_soft", Accepted::Restart, &w, None);
        assert_eq!(
            q.wait_for("ecs", Accepted::Lost).grace,
            Duration::from_secs(6)
        );
    }

    #[test]
    fn a_shortened_wait_without_a_restart_teaches_nothing() {
        let p = pacing();
        let w = p.wait_for("ddm", Accepted::Restart);
        p.learn(
            "ddm",
            "a",
            Accepted::Restart,
            &w,
            Some(Duration::from_secs(1)),
        );
        let short = p.wait_for("ddm", Accepted::Negative);
        p.learn("ddm", "b", Accepted::Negative, &short, None);
        let q = p.lock().get("ddm").cloned().unwrap_or_default();
        assert!(q.silent_negative.is_none());
    }
}

//! Restart timings as figures: when an accepted restart was answered, when a poll first saw the
//! restarting state, when a poll first saw the steady state again, and per API the time to steady.
//!
//! Everything here is derived from what a case entry already records: the exchanges (with the
//! time each request went out and how long its answer took) and the lifecycle observations. The
//! harness only sees the resource when it polls, so a change of state is bounded by two polls,
//! never pinned to one moment:
//!
//! ```text
//! request ──► answer         poll      poll      poll      poll
//!   sent      answered_ms    REBOOT    REBOOT    REBOOT    ACTIVE
//!   │            │           │                   │         │    │
//!   └ restarting after       └ restarting by     └ steady after  └ steady by (its answer)
//! ```
//!
//! The per-API summary uses the upper bound (`to_steady.by_ms`): the time by which the resource
//! was surely steady again. The true time is at most one poll interval (plus the polls' own
//! latency) earlier.

use std::collections::BTreeMap;

use super::contract::{Bounds, CaseReport, RestartTiming, TimeStats, Transition};

/// The `purpose` of the case's own request and of the status polls.
const REQUEST: &str = "request";
const STATUS: &str = "status";

/// The timing of `case`'s restart, when its request was accepted (2xx) and polls followed.
/// `restarting` and `steady` are the spec's state names.
pub fn restart_timing(
    case: &CaseReport,
    restarting: &[String],
    steady: &[String],
) -> Option<RestartTiming> {
    // The last answer to the case's own request: retries after 429 or 401 come before it.
    let request = case.exchanges.iter().rev().find(|x| x.purpose == REQUEST)?;
    let status = request.response.as_ref()?.status;
    if !(200..300).contains(&status) {
        return None;
    }
    let answered_ms = request.at_ms + request.elapsed_ms;
    // Each observation after the answer, with the time its poll's answer came back.
    let mut used = vec![false; case.exchanges.len()];
    let polls: Vec<(u64, u64, Option<&str>)> = case
        .lifecycle
        .iter()
        .filter(|o| o.at_ms >= answered_ms)
        .map(|o| {
            let back = case
                .exchanges
                .iter()
                .enumerate()
                .find(|(i, x)| !used[*i] && x.purpose == STATUS && x.at_ms == o.at_ms)
                .map(|(i, x)| {
                    used[i] = true;
                    x.at_ms + x.elapsed_ms
                })
                .unwrap_or(o.at_ms);
            (o.at_ms, back, o.state.as_deref())
        })
        .collect();
    if polls.is_empty() {
        return None;
    }
    let is = |names: &[String], s: Option<&str>| s.is_some_and(|s| names.iter().any(|n| n == s));

    let first_restarting = polls.iter().position(|p| is(restarting, p.2));
    let restarting_t = first_restarting.map(|i| transition(&polls, i, request.at_ms));
    let steady_t = first_restarting.and_then(|i| {
        let j = i + polls[i..].iter().position(|p| is(steady, p.2))?;
        Some(transition(&polls, j, request.at_ms))
    });
    let to_steady = steady_t.as_ref().map(|s| Bounds {
        after_ms: s.after_ms.saturating_sub(answered_ms),
        by_ms: s.by_ms.saturating_sub(answered_ms),
    });
    Some(RestartTiming {
        answered_ms,
        poll_interval_ms: None,
        polls: polls.len(),
        restarting: restarting_t,
        steady: steady_t,
        to_steady,
    })
}

/// The transition seen by poll `i`: after the poll before it was sent (or the request, for the
/// first poll), by the time poll `i`'s answer came back.
fn transition(polls: &[(u64, u64, Option<&str>)], i: usize, request_ms: u64) -> Transition {
    let (seen_ms, by_ms, state) = polls[i];
    let after_ms = match i.checked_sub(1) {
        Some(prev) => polls[prev].0,
        None => request_ms,
    };
    Transition {
        state: state.unwrap_or_default().to_owned(),
        seen_ms,
        after_ms,
        by_ms,
    }
}

/// Per resource (`api/id`), the restarts the cases started on it: what a run cost the target.
pub fn restarts_by_resource(cases: &[CaseReport]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in cases.iter().filter(|c| c.restarts > 0) {
        if let Some(resource) = &c.resource {
            *out.entry(resource.clone()).or_default() += c.restarts;
        }
    }
    out
}

/// Per API, the figures of `to_steady.by_ms` over the cases whose restart reached steady.
pub fn restart_times(cases: &[CaseReport]) -> BTreeMap<String, TimeStats> {
    let mut by_api: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for case in cases {
        if let Some(t) = case.restart.as_ref().and_then(|r| r.to_steady) {
            by_api.entry(case.api.clone()).or_default().push(t.by_ms);
        }
    }
    by_api
        .into_iter()
        .filter_map(|(api, times)| Some((api, stats(times)?)))
        .collect()
}

/// Count, median, nearest-rank p95 and max of `times`; `None` when there are none.
pub fn stats(mut times: Vec<u64>) -> Option<TimeStats> {
    if times.is_empty() {
        return None;
    }
    times.sort_unstable();
    let n = times.len();
    let median_ms = if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    };
    // Nearest rank: the smallest value with at least 95 % of the values at or below it.
    let rank = (n * 95).div_ceil(100).max(1);
    Some(TimeStats {
        count: n,
        median_ms,
        p95_ms: times[rank - 1],
        max_ms: times[n - 1],
    })
}

/// Sets the run's poll interval on every restart timing and counts the per-API figures.
pub fn annotate(cases: &mut [CaseReport], poll_interval_ms: Option<u64>) {
    for case in cases {
        if let Some(t) = &mut case.restart
            && t.poll_interval_ms.is_none()
        {
            t.poll_interval_ms = poll_interval_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;
    use crate::model::{CaseOutcome, Group};

    const URL: &str = "https://ecs.example.test/v2.1/p/servers/s/action";

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    /// A restart answered at 10 ms (sent at 0), polls every 100 ms from 12 ms.
    fn restarted(states: &[&str], status: u16) -> CaseReport {
        let mut c = sample::case("ecs::reboot", "ecs", Group::Success, CaseOutcome::Passed);
        let mut x = sample::exchange(REQUEST, URL, status, "", 0);
        x.elapsed_ms = 10;
        c.exchanges.push(x);
        // The state before the request, read by the gate: not a poll of the restart.
        let (_, before) = sample::poll(URL, 0, "ACTIVE");
        c.lifecycle.push(before);
        for (i, s) in states.iter().enumerate() {
            let (mut x, o) = sample::poll(URL, 12 + 100 * i as u64, s);
            x.elapsed_ms = 3;
            c.exchanges.push(x);
            c.lifecycle.push(o);
        }
        c
    }

    #[test]
    fn transitions_are_bounded_by_the_polls_around_them() {
        let c = restarted(&["ACTIVE", "REBOOT", "REBOOT", "ACTIVE"], 202);
        let t = restart_timing(&c, &names(&["REBOOT"]), &names(&["ACTIVE"])).unwrap();
        assert_eq!(t.answered_ms, 10);
        assert_eq!(t.polls, 4);
        assert_eq!(
            t.restarting,
            Some(Transition {
                state: "REBOOT".into(),
                seen_ms: 112,
                after_ms: 12,
                by_ms: 115
            })
        );
        assert_eq!(
            t.steady,
            Some(Transition {
                state: "ACTIVE".into(),
                seen_ms: 312,
                after_ms: 212,
                by_ms: 315
            })
        );
        assert_eq!(
            t.to_steady,
            Some(Bounds {
                after_ms: 202,
                by_ms: 305
            })
        );
    }

    #[test]
    fn restarting_seen_at_the_first_poll_is_bounded_by_the_request() {
        let c = restarted(&["REBOOT", "ACTIVE"], 202);
        let t = restart_timing(&c, &names(&["REBOOT"]), &names(&["ACTIVE"])).unwrap();
        assert_eq!(t.restarting.map(|r| (r.after_ms, r.by_ms)), Some((0, 15)));
    }

    #[test]
    fn a_restart_never_seen_or_never_steady_has_no_time_to_steady() {
        let never = restarted(&["ACTIVE", "ACTIVE"], 202);
        let t = restart_timing(&never, &names(&["REBOOT"]), &names(&["ACTIVE"])).unwrap();
        assert_eq!((t.restarting, t.steady, t.to_steady), (None, None, None));
        let stuck = restarted(&["REBOOT", "REBOOT"], 202);
        let t = restart_timing(&stuck, &names(&["REBOOT"]), &names(&["ACTIVE"])).unwrap();
        assert!(t.restarting.is_some());
        assert_eq!((t.steady, t.to_steady), (None, None));
    }

    #[test]
    fn a_refused_request_is_no_restart() {
        let c = restarted(&["ACTIVE"], 400);
        assert_eq!(
            restart_timing(&c, &names(&["REBOOT"]), &names(&["ACTIVE"])),
            None
        );
        let mut no_polls = restarted(&[], 202);
        no_polls.lifecycle.clear();
        assert_eq!(
            restart_timing(&no_polls, &names(&["REBOOT"]), &names(&["ACTIVE"])),
            None
        );
    }

    #[test]
    fn stats_use_the_middle_and_the_nearest_rank() {
        assert_eq!(stats(Vec::new()), None);
        let s = stats(vec![300]).unwrap();
        assert_eq!(
            (s.count, s.median_ms, s.p95_ms, s.max_ms),
            (1, 300, 300, 300)
        );
        let s = stats(vec![400, 100, 300, 200]).unwrap();
        assert_eq!((s.median_ms, s.p95_ms, s.max_ms), (250, 400, 400));
        // 20 values 1..=20: rank ceil(19) = 19.
        let s = stats((1..=20).collect()).unwrap();
        assert_eq!((s.median_ms, s.p95_ms, s.max_ms), (10, 19, 20));
    }

    #[test]
    fn restart_times_count_only_restarts_that_reached_steady() {
        let mut a = restarted(&["REBOOT", "ACTIVE"], 202);
        a.restart = restart_timing(&a, &names(&["REBOOT"]), &names(&["ACTIVE"]));
        let mut b = restarted(&["REBOOT", "REBOOT", "REBOOT", "ACTIVE"], 202);
        b.restart = restart_timing(&b, &names(&["REBOOT"]), &names(&["ACTIVE"]));
        let mut stuck = restarted(&["REBOOT"], 202);
        stuck.restart = restart_timing(&stuck, &names(&["REBOOT"]), &names(&["ACTIVE"]));
        let times = restart_times(&[a, b, stuck]);
        let ecs = times.get("ecs").unwrap();
        assert_eq!((ecs.count, ecs.max_ms), (2, 305));
        assert_eq!(ecs.median_ms, (105 + 305) / 2);
    }
}

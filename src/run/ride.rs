//! The concurrency probe rides on a restart that happens anyway.
//!
//! Each API's `restart_while_restarting` case needs a restart running to send its second
//! restart into. On a real cloud every restart costs seconds to minutes of a resource's time,
//! so the probe does not start one of its own when it can avoid it: while a positive case of
//! the same API restarts the same resource (after the restarting state was seen, before the
//! steady state is back), the probe's second restart is sent, and its answer is the probe's
//! record. The positive case keeps its own record and verdict: it only notes that the probe
//! rode on it, and its lifecycle is watched to the end as always.
//!
//! The probe falls back to its own restart, run in its place in the chain, when no positive
//! case before it on its resource showed the restarting state (a target that restarts too fast
//! to be seen, or not at all), when its second restart got no answer, and whenever no positive
//! case shares its run and resource (filters, `--partition`, a resumed run whose positive cases
//! finished earlier).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use super::Runner;
use super::http::{Outgoing, ms, no_answer};
use super::lifecycle::{Poller, Stop};
use super::pace::Accepted;
use crate::model::{CaseRun, LostRequest, Watched};
use crate::plan::{Case, CaseKind};

/// The purpose of a concurrency case's restart sent during the first.
pub(super) const SECOND_RESTART: &str = "second restart";

/// Where one resource's probe stands.
enum Slot {
    /// Waiting for a positive case's restart.
    Waiting(Box<Case>),
    /// Rode on a restart: the probe's whole record.
    Rode(Box<CaseRun>),
    /// Its second restart got no answer: it runs on its own restart, with this lost request.
    Lost(LostRequest),
}

/// The probes that may ride, by resource (`api/id`): one chain runs per resource, so a slot is
/// only ever used by the cases of one chain, one at a time.
#[derive(Default)]
pub(super) struct Rides {
    slots: Mutex<BTreeMap<String, Slot>>,
}

/// What the probe's turn in its chain finds.
pub(super) enum Turn {
    /// It rode: here is its record.
    Rode(Box<CaseRun>),
    /// It was to ride and could not: it runs on its own restart, noting why.
    Fallback(String, Option<LostRequest>),
    /// It was never to ride: it runs as planned.
    Alone,
}

impl Rides {
    /// The rides `cases` allow (the selected cases, in chain order): a probe rides when a
    /// positive restart of its API comes before it on its resource.
    pub(super) fn plan(cases: &[Case]) -> Rides {
        let mut slots = BTreeMap::new();
        for (i, probe) in cases.iter().enumerate() {
            if probe.kind != CaseKind::Concurrent || probe.bound.is_none() {
                continue;
            }
            let key = probe.resource_key();
            let host = cases[..i].iter().any(|c| {
                c.kind == CaseKind::Restart
                    && c.touches_resource
                    && c.api == probe.api
                    && c.bound.is_some()
                    && c.resource_key() == key
            });
            if host {
                slots.insert(key, Slot::Waiting(Box::new(probe.clone())));
            }
        }
        Rides {
            slots: Mutex::new(slots),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Slot>> {
        // Every update is one assignment: a panic elsewhere leaves no half-written slot.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The probe waiting on `resource`, if any.
    fn waiting(&self, resource: &str) -> Option<Case> {
        match self.lock().get(resource) {
            Some(Slot::Waiting(probe)) => Some((**probe).clone()),
            _ => None,
        }
    }

    fn set(&self, resource: &str, slot: Slot) {
        self.lock().insert(resource.to_owned(), slot);
    }

    /// The probe's turn: what happened to its ride.
    pub(super) fn take(&self, probe: &Case) -> Turn {
        match self.lock().remove(&probe.resource_key()) {
            Some(Slot::Rode(run)) => Turn::Rode(run),
            Some(Slot::Lost(lost)) => Turn::Fallback(
                "its second restart, sent during a positive case's restart, got no answer; ran the case on its own restart".into(),
                Some(lost),
            ),
            Some(Slot::Waiting(_)) => Turn::Fallback(
                "no positive case's restart on this resource was seen restarting, so the case ran on its own restart".into(),
                None,
            ),
            None => Turn::Alone,
        }
    }
}

impl Runner {
    /// A case in its chain: the probe takes its ride's record when it rode, and runs on its
    /// own restart otherwise.
    pub(super) async fn run_scheduled(&self, case: &Case, first: bool) -> CaseRun {
        if case.kind != CaseKind::Concurrent {
            return self.run_case(case, first).await;
        }
        match self.rides.take(case) {
            Turn::Rode(run) => *run,
            Turn::Alone => self.run_case(case, first).await,
            Turn::Fallback(why, lost) => {
                let mut run = self.run_case(case, first).await;
                run.notes.insert(0, why);
                if let Some(l) = lost {
                    run.notes.push(format!(
                        "try {}: the {} sent at {} ms got no answer ({}); {}",
                        l.try_number, l.purpose, l.at_ms, l.error, l.then
                    ));
                    run.retries.lost.insert(0, l);
                }
                run
            }
        }
    }

    /// A positive case's restart, accepted: watched to its end, with the probe of its resource
    /// riding on it when one waits. Returns false when no probe waits (watch as usual).
    pub(super) async fn watch_with_rider(
        &self,
        case: &Case,
        p: &Poller<'_>,
        run: &mut CaseRun,
        start: Instant,
    ) -> bool {
        let Some(probe) = self.rides.waiting(p.resource) else {
            return false;
        };
        let w = self
            .paced_watch(case, p, Accepted::Restart, true, run)
            .await;
        let stopped_restarting = w.stop == Stop::Restarting;
        let mut watched = self.watched(w, run);
        if stopped_restarting {
            let ridden = self.send_rider(&probe, case, run, &watched, start).await;
            run.notes.push(ridden);
            self.watch_to_steady(case, p, run, &mut watched).await;
        }
        run.watch = Some(watched);
        true
    }

    /// Sends the probe's second restart while `host`'s restart runs, and leaves the probe's
    /// record in its slot. Returns the note for the host's record.
    async fn send_rider(
        &self,
        probe: &Case,
        host: &Case,
        run: &CaseRun,
        watched: &Watched,
        start: Instant,
    ) -> String {
        let resource = run.resource.clone().unwrap_or_default();
        let Some(bound) = &probe.bound else {
            return String::new();
        };
        let out = Outgoing {
            purpose: SECOND_RESTART,
            ..self.request(probe, &bound.url)
        };
        let tls = self.endpoint.tls.for_api(&probe.api).curl_args();
        let curl = super::case::curl(&out, self.http.token(), &self.endpoint.token_env) + &tls;
        let (records, received, notes) = self.http.send_all(out, start).await;
        self.health
            .record_action(&probe.api, received.as_ref().err());
        let at_ms = records.last().map_or(0, |r| r.at_ms);
        let state = watched.restarting.clone().unwrap_or_default();
        if let Err(e) = &received
            && no_answer(e)
        {
            self.rides.set(
                &resource,
                Slot::Lost(LostRequest {
                    try_number: 1,
                    purpose: SECOND_RESTART.into(),
                    at_ms,
                    error: e.clone(),
                    then: format!(
                        "sent during `{}`'s restart; ran the case on its own restart",
                        host.name
                    ),
                }),
            );
            return format!(
                "`{}` sent its second restart during this restart ({state}) at {at_ms} ms; it got no answer, so that case runs on its own restart",
                probe.name
            );
        }
        let accepted = received
            .as_ref()
            .is_ok_and(|r| (200..300).contains(&r.status));
        let first = run
            .main
            .as_ref()
            .map_or_else(String::new, |r| format!(" (answered {})", r.status));
        // The first restart is the host's: its exchanges stay in the host's record, so that
        // every request sent is recorded once.
        let mut probe_notes = vec![format!(
            "rode on `{}`: its restart{first} is this case's first restart, and the second restart was sent while it showed {state}, so this case caused no restart of its own; times are since that case started",
            host.name
        )];
        probe_notes.extend(notes);
        let probe_run = CaseRun {
            main: run.main.clone(),
            before: run.before.clone(),
            watch: Some(Watched {
                observations: watched.observations.clone(),
                restarting: watched.restarting.clone(),
                timed_out: false,
                timeout: self.polling.timeout,
                unanswered: None,
            }),
            second: Some(received.map_err(|e| format!("second restart: {e}"))),
            exchanges: records,
            notes: probe_notes,
            curl: Some(curl),
            resource: run.resource.clone(),
            started_ms: run.started_ms,
            duration_ms: ms(start.elapsed()),
            rode_on: Some(host.name.clone()),
            restarts: usize::from(accepted),
            ..CaseRun::default()
        };
        self.rides.set(&resource, Slot::Rode(Box::new(probe_run)));
        format!(
            "`{}` sent its second restart during this restart ({state}) at {at_ms} ms and is judged on its own; this case's lifecycle was watched to its end as always",
            probe.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::{ApiEndpoint, Endpoint, Secret};

    /// The built-in plan of `api` bound to one resource.
    fn plan(api: &str) -> Vec<Case> {
        let set = crate::spec::load_builtin().unwrap_or_else(|e| panic!("{e}"));
        let spec = set.specs.iter().find(|s| s.api == api).unwrap();
        let vars = spec
            .uris
            .iter()
            .chain(spec.lifecycle.as_ref().map(|lc| &lc.uri))
            .flat_map(|u| u.vars())
            .map(|v| (v.clone(), format!("{v}-1")))
            .collect();
        let endpoint = Endpoint {
            label: "t".into(),
            apis: [(
                api.to_owned(),
                ApiEndpoint {
                    base_url: "http://t.test".into(),
                    vars,
                    resources: Vec::new(),
                    signer: None,
                },
            )]
            .into(),
            token: Secret::new("t".to_owned()),
            token_env: "OS_AUTH_TOKEN".into(),
            sign_in: None,
            tls: Default::default(),
        };
        crate::plan::bind(crate::plan::plan(&set), &endpoint, "unknown")
            .into_iter()
            .filter(|c| c.api == api)
            .collect()
    }

    fn probe(cases: &[Case]) -> &Case {
        cases
            .iter()
            .find(|c| c.kind == CaseKind::Concurrent)
            .unwrap()
    }

    #[test]
    fn a_probe_after_a_positive_case_waits_to_ride_and_falls_back_without_one() {
        let cases = plan("clouddb");
        let rides = Rides::plan(&cases);
        let key = probe(&cases).resource_key();
        assert!(rides.waiting(&key).is_some());
        // No positive restart was seen restarting: the probe runs on its own restart.
        assert!(
            matches!(rides.take(probe(&cases)), Turn::Fallback(why, None) if why.contains("own restart"))
        );
    }

    #[test]
    fn a_probe_without_its_positive_case_runs_alone() {
        // As after a filter, a partition or a resume that left the positive case out.
        let cases = plan("clouddb");
        let alone: Vec<Case> = cases
            .iter()
            .filter(|c| c.kind != CaseKind::Restart)
            .cloned()
            .collect();
        let rides = Rides::plan(&alone);
        assert!(rides.waiting(&probe(&alone).resource_key()).is_none());
        assert!(matches!(rides.take(probe(&alone)), Turn::Alone));
    }

    #[test]
    fn a_probe_that_rode_takes_its_record() {
        let cases = plan("ddm");
        let rides = Rides::plan(&cases);
        let key = probe(&cases).resource_key();
        rides.set(
            &key,
            Slot::Rode(Box::new(CaseRun {
                rode_on: Some("ddm::restart_soft".into()),
                ..CaseRun::default()
            })),
        );
        assert!(rides.waiting(&key).is_none());
        match rides.take(probe(&cases)) {
            Turn::Rode(run) => assert_eq!(run.rode_on.as_deref(), Some("ddm::restart_soft")),
            _ => panic!("the probe did not take its ride"),
        }
        // Taken once: a second look finds nothing.
        assert!(matches!(rides.take(probe(&cases)), Turn::Alone));
    }
}

//! Driving one case: the gate, the request, the lifecycle watch, and the
//! tries again when the case's own request got no answer. Records what
//! happened as a [`CaseRun`]; deciding whether it was right is `check`'s job.
//!
//! An action that got no answer (reset, refused, timed out, cut off) may
//! or may not have reached the target, so it is never simply sent again.
//! The resource is watched first, paced as the wait after an accepted
//! request is ([`Accepted::Lost`]): if it shows its restarting state, the
//! request arrived, and the case runs again once the resource is steady; if
//! it stays steady through the grace, the request did not arrive, and the
//! case runs again. At most `--retries` times. An answer is never a reason
//! to try again, whatever it says: a wrong status, a body that fails its
//! schema or a missing restart is a finding at the first try.

use std::time::Instant;

use super::Runner;
use super::http::{Outgoing, ms, no_answer};
use super::lifecycle::{Poller, Stop, Watch};
use super::pace::Accepted;
use super::ride::SECOND_RESTART;
use crate::endpoint::Secret;
use crate::model::{CaseRun, EarlierTry, LostRequest, Observation, Retries, Watched};
use crate::plan::{Bound, Case, CaseKind};
use crate::redact::Redactor;

/// The purpose of a [`LostAction`] that stands for a status poll: the
/// restart was accepted and no restarting state showed, but a poll went
/// unanswered long enough to have missed one (see `lifecycle::BLIND_FLOOR`).
const UNSEEN_RESTART: &str = "status";

/// What follows such a poll, said in its [`LostRequest`].
const UNSEEN_THEN: &str = "no restarting state showed after it, and the restart may have shown while it went unanswered; the case ran again";

/// A case's own request (or its second restart) that got no answer, or a
/// status poll whose loss leaves an accepted restart unproven.
struct LostAction {
    purpose: &'static str,
    at_ms: u64,
    error: String,
}

impl Runner {
    /// Runs `case` against the endpoint and records what it saw; `first`
    /// when it is the first case on its resource. A try whose own request
    /// got no answer is run again, at most `--retries` times; the record is
    /// that of the last try, with the earlier ones and every lost request
    /// in `retries`.
    pub(super) async fn run_case(&self, case: &Case, first: bool) -> CaseRun {
        let start = Instant::now();
        let Some(bound) = &case.bound else {
            return CaseRun {
                started_ms: ms(start.duration_since(self.started)),
                skipped: Some(format!(
                    "`{}` is not configured in the target file",
                    case.api
                )),
                ..CaseRun::default()
            };
        };
        let resource = bound.resource_key(&case.api);
        let mut retries = Retries::default();
        let mut try_number = 1;
        // Restarts the earlier tries started: their records are kept apart.
        let mut restarted = 0;
        loop {
            let poller = self.poller(case, bound, &resource, start, try_number);
            let settle = first && try_number == 1;
            let (mut run, lost) = self
                .run_try(case, bound, &resource, poller.as_ref(), settle, start)
                .await;
            let mut watched = Vec::new();
            let again = match lost {
                Some(lost) => {
                    let next = self
                        .after_lost(case, poller.as_ref(), &lost, &mut run, try_number)
                        .await;
                    next.map(|(then, observations)| {
                        watched = observations;
                        LostRequest {
                            try_number,
                            purpose: lost.purpose.into(),
                            at_ms: lost.at_ms,
                            error: lost.error,
                            then,
                        }
                    })
                }
                None => None,
            };
            if let Some(p) = &poller {
                retries.lost.extend(p.take_lost());
            }
            let Some(lost) = again else {
                run.restarts += restarted;
                return self.finish(run, retries, start);
            };
            // A lost action that the resource answered by restarting arrived.
            let arrived = watched.iter().any(|o| {
                case.spec
                    .lifecycle
                    .as_ref()
                    .is_some_and(|lc| o.state.as_ref().is_some_and(|s| lc.restarting.contains(s)))
            });
            restarted += run.restarts + usize::from(arrived);
            let same_poll = retries.lost.iter_mut().find(|l| {
                l.purpose == lost.purpose
                    && l.try_number == lost.try_number
                    && l.at_ms == lost.at_ms
            });
            match same_poll {
                Some(poll) => poll.then = format!("{}; {}", poll.then, lost.then),
                None => retries.lost.push(lost),
            }
            retries.earlier_tries.push(EarlierTry {
                try_number,
                lifecycle: run
                    .before
                    .into_iter()
                    .chain(run.watch.into_iter().flat_map(|w| w.observations))
                    .chain(watched)
                    .collect(),
                exchanges: run.exchanges,
                notes: run.notes,
            });
            try_number += 1;
        }
    }

    /// The last try's record, with what the earlier ones lost: every lost
    /// request is also a note, saying when and what followed.
    fn finish(&self, mut run: CaseRun, mut retries: Retries, start: Instant) -> CaseRun {
        retries.lost.sort_by_key(|l| (l.try_number, l.at_ms));
        run.notes.extend(retries.lost.iter().map(|l| {
            format!(
                "try {}: the {} sent at {} ms got no answer ({}); {}",
                l.try_number,
                if l.purpose == "status" {
                    "status poll"
                } else {
                    l.purpose.as_str()
                },
                l.at_ms,
                l.error,
                l.then
            )
        }));
        run.retries = retries;
        run.duration_ms = ms(start.elapsed());
        run
    }

    /// One try of the case: the gate, the request, what follows an
    /// accepted one. Also returns the action when it got no answer.
    async fn run_try(
        &self,
        case: &Case,
        bound: &Bound,
        resource: &str,
        poller: Option<&Poller<'_>>,
        settle: bool,
        start: Instant,
    ) -> (CaseRun, Option<LostAction>) {
        let mut run = CaseRun {
            started_ms: ms(start.duration_since(self.started)),
            resource: Some(resource.to_owned()),
            ..CaseRun::default()
        };
        if let Some(why) = self.health.refusal(&case.api) {
            run.transport_error = Some(why);
            return (run, None);
        }
        if case.touches_resource
            && let Some(p) = poller
        {
            if settle && self.settle_first {
                run.notes.push(self.settle(p).await);
            }
            let (note, last) = p.wait_not_restarting().await;
            run.notes.extend(note);
            run.before = last;
            // The API may have died while the gate polled.
            if let Some(why) = self.health.refusal(&case.api) {
                run.transport_error = Some(why);
                run.duration_ms = ms(start.elapsed());
                return (run, None);
            }
        }

        let outgoing = self.request(case, &bound.url);
        let tls = self.endpoint.tls.for_api(&case.api).curl_args();
        run.curl = Some(curl(&outgoing, self.http.token(), &self.endpoint.token_env) + &tls);
        let (records, received, notes) = self.http.send_all(outgoing, start).await;
        self.health
            .record_action(&case.api, received.as_ref().err());
        let at_ms = records.last().map_or(0, |r| r.at_ms);
        run.exchanges.extend(records);
        run.notes.extend(notes);
        let mut lost = None;
        match received {
            Ok(r) => {
                let accepted = (200..300).contains(&r.status);
                run.main = Some(r);
                if accepted && let Some(p) = poller {
                    lost = self.after_accepted(case, bound, p, &mut run, start).await;
                }
                run.restarts = restarts_caused(case, &run, accepted);
            }
            Err(e) => {
                lost = no_answer(&e).then(|| LostAction {
                    purpose: "request",
                    at_ms,
                    error: e.clone(),
                });
                run.transport_error = Some(e);
            }
        }
        run.duration_ms = ms(start.elapsed());
        (run, lost)
    }

    /// After try `try_number` lost its action: whether to run the case
    /// again, and why (with the states the watch saw), or `None` with a
    /// note saying why not.
    async fn after_lost(
        &self,
        case: &Case,
        poller: Option<&Poller<'_>>,
        lost: &LostAction,
        run: &mut CaseRun,
        try_number: u32,
    ) -> Option<(String, Vec<Observation>)> {
        if let Some(why) = self.health.refusal(&case.api) {
            run.notes.push(format!("not tried again: {why}"));
            return None;
        }
        if try_number > self.retries {
            run.notes.push(if self.retries == 0 {
                "not tried again: --retries 0".to_owned()
            } else {
                format!("not tried again: --retries {} used up", self.retries)
            });
            return None;
        }
        if !case.touches_resource {
            tokio::time::sleep(self.http.read_backoff()).await;
            if let Some(why) = self.health.refusal(&case.api) {
                run.notes.push(format!("not tried again: {why}"));
                return None;
            }
            return Some((
                "sent again: the request names no real resource, so it cannot have changed one"
                    .into(),
                Vec::new(),
            ));
        }
        let Some(p) = poller else {
            run.notes.push(
                "not sent again: without a status URI there is no telling whether the request arrived"
                    .into(),
            );
            return None;
        };
        if lost.purpose == SECOND_RESTART {
            return self.after_lost_second(case, run);
        }
        if lost.purpose == UNSEEN_RESTART {
            // The watch ended steady after the grace: the next try may start at once.
            return Some((UNSEEN_THEN.into(), Vec::new()));
        }
        self.watch_lost(case, p, run).await
    }

    /// A concurrency case whose second restart got no answer: run again once the resource
    /// was steady after the first restart, which the watch already followed to its end.
    fn after_lost_second(
        &self,
        case: &Case,
        run: &mut CaseRun,
    ) -> Option<(String, Vec<Observation>)> {
        let last = run
            .watch
            .as_ref()
            .and_then(|w| w.observations.last())
            .and_then(|o| o.state.clone());
        let steady = last.filter(|s| {
            case.spec
                .lifecycle
                .as_ref()
                .is_some_and(|lc| lc.steady.contains(s))
        });
        match steady {
            Some(s) => Some((
                format!("the resource was {s} again after the first restart; ran the case again"),
                Vec::new(),
            )),
            None => {
                run.notes.push(
                    "not run again: the resource was not seen steady again after the first restart"
                        .into(),
                );
                None
            }
        }
    }

    /// A lost action on a resource with a status URI: the resource is watched, paced as after
    /// an accepted request, and what it shows says whether the request arrived.
    async fn watch_lost(
        &self,
        case: &Case,
        p: &Poller<'_>,
        run: &mut CaseRun,
    ) -> Option<(String, Vec<Observation>)> {
        let wait = self.pacing.wait_for(&case.api, Accepted::Lost);
        let w = p.watch(false, wait.grace).await;
        if w.stop == Stop::SteadyNotSeen || w.restarting.is_some() {
            self.pacing.learn(
                &case.api,
                &case.name,
                Accepted::Lost,
                &wait,
                w.restarting_after,
            );
        }
        if w.stop == Stop::SteadyNotSeen
            && let Some(why) = &wait.shortened
        {
            run.notes.push(why.clone());
        }
        run.exchanges.extend(w.exchanges);
        let states = states(&w.observations);
        let last = w
            .observations
            .iter()
            .rev()
            .find_map(|o| o.state.clone())
            .unwrap_or_else(|| "no state".into());
        let stop = if self.health.refusal(&case.api).is_some() {
            Stop::Dead
        } else {
            w.stop
        };
        let watched = (stop, w.restarting.as_deref(), wait.grace);
        let then = self.lost_then(case, run, watched, (&last, &states));
        then.map(|then| (then, w.observations))
    }

    /// What follows a lost action, from how the watch after it stopped: the reason to run
    /// the case again, or `None` with a note saying why not.
    fn lost_then(
        &self,
        case: &Case,
        run: &mut CaseRun,
        (stop, restarting, grace): (Stop, Option<&str>, std::time::Duration),
        (last, states): (&str, &str),
    ) -> Option<String> {
        let then = match (stop, restarting) {
            (Stop::Steady, Some(r)) => format!(
                "the resource went to {r}, so the request had arrived; ran the case again once it was {last} ({states})"
            ),
            (Stop::SteadyNotSeen, _) => format!(
                "the resource stayed {last} for {:.1} s, so the request had not arrived; sent it again",
                grace.as_secs_f64()
            ),
            (Stop::Dead, _) => {
                let why = self.health.refusal(&case.api).unwrap_or_default();
                run.notes.push(format!("not tried again: {why}"));
                return None;
            }
            (Stop::Blind, _) => {
                run.notes.push(format!(
                    "not sent again: the status URI gave no state, so there is no telling whether the request arrived ({states})"
                ));
                return None;
            }
            (_, Some(r)) => {
                run.notes.push(format!(
                    "not run again: the resource went to {r}, so the request had arrived, and was not steady again within {:.1} s (--lifecycle-timeout; {states})",
                    self.polling.timeout.as_secs_f64()
                ));
                return None;
            }
            (_, None) => {
                run.notes.push(format!(
                    "not sent again: the resource showed {last}, neither steady nor restarting, so there is no telling whether the request arrived ({states})"
                ));
                return None;
            }
        };
        Some(then)
    }

    fn poller<'a>(
        &'a self,
        case: &'a Case,
        bound: &'a Bound,
        resource: &'a str,
        start: Instant,
        try_number: u32,
    ) -> Option<Poller<'a>> {
        let (url, lifecycle) = (bound.status_url.as_deref()?, case.spec.lifecycle.as_ref()?);
        Some(Poller {
            http: &self.http,
            health: &self.health,
            api: &case.api,
            resource,
            progress: self.progress.clone(),
            url,
            auth_header: case.spec.auth_header.as_ref().map(|(h, _)| h.as_str()),
            signer: self.signer(case),
            lifecycle,
            polling: self.polling,
            case_start: start,
            try_number,
            lost: Default::default(),
        })
    }

    /// What follows an accepted request: a restart watched to its end, a
    /// wrongly accepted negative waited out, or a second restart sent
    /// while the first runs.
    async fn after_accepted(
        &self,
        case: &Case,
        bound: &Bound,
        p: &Poller<'_>,
        run: &mut CaseRun,
        start: Instant,
    ) -> Option<LostAction> {
        match case.kind {
            CaseKind::Restart => {
                if !self.watch_with_rider(case, p, run, start).await {
                    let w = self
                        .paced_watch(case, p, Accepted::Restart, false, run)
                        .await;
                    run.watch = Some(self.watched(w, run));
                }
                // No restart seen, but a poll went unanswered while it may have shown.
                let (at_ms, error) = run.watch.as_ref()?.unanswered.clone()?;
                Some(LostAction {
                    purpose: UNSEEN_RESTART,
                    at_ms,
                    error,
                })
            }
            CaseKind::Negative if case.touches_resource => {
                let w = self
                    .paced_watch(case, p, Accepted::Negative, false, run)
                    .await;
                let last = w
                    .observations
                    .iter()
                    .rev()
                    .find_map(|o| o.state.clone())
                    .unwrap_or_else(|| "no state".into());
                run.notes.push(match &w.restarting {
                    Some(s) => format!(
                        "the target accepted this request and the resource went to {s}; waited for {last} before the next case"
                    ),
                    None => format!("the target accepted this request; the resource showed {last}, no restart was seen"),
                });
                run.watch = Some(self.watched(w, run));
                None
            }
            CaseKind::Negative => None,
            CaseKind::Concurrent => self.second_restart(case, bound, p, run, start).await,
        }
    }

    /// Watches for a restart with the wait the API's pacing allows, notes a
    /// shortened wait, and teaches the pacing what the watch saw.
    pub(super) async fn paced_watch(
        &self,
        case: &Case,
        p: &Poller<'_>,
        kind: Accepted,
        stop_at_restarting: bool,
        run: &mut CaseRun,
    ) -> Watch {
        let wait = self.pacing.wait_for(&case.api, kind);
        let w = p.watch(stop_at_restarting, wait.grace).await;
        let silent = w.stop == Stop::SteadyNotSeen;
        // A silent watch with an unanswered poll may have missed the restart: it teaches nothing.
        let proves = !silent || w.unanswered.is_none();
        if (silent || w.restarting.is_some()) && proves {
            self.pacing
                .learn(&case.api, &case.name, kind, &wait, w.restarting_after);
        }
        if silent
            && proves
            && let Some(why) = wait.shortened
        {
            run.notes.push(why);
        }
        w
    }

    /// A resumed run's first look at a resource: watched for the whole
    /// grace, or through the restart it shows, before its first case.
    async fn settle(&self, p: &Poller<'_>) -> String {
        let w = p.watch(false, self.polling.effective_grace()).await;
        format!(
            "resumed run: watched the resource for {:.1} s before its first case, in case the interrupted run left it restarting ({})",
            w.observations
                .last()
                .map_or(0.0, |o| o.at_ms as f64 / 1000.0),
            states(&w.observations)
        )
    }

    /// Concurrency cases: waits for the restarting state, sends the same
    /// restart again, then waits for the steady state. Returns the second
    /// restart when it got no answer.
    async fn second_restart(
        &self,
        case: &Case,
        bound: &Bound,
        p: &Poller<'_>,
        run: &mut CaseRun,
        start: Instant,
    ) -> Option<LostAction> {
        let w = self
            .paced_watch(case, p, Accepted::Restart, true, run)
            .await;
        let stopped_restarting = w.stop == Stop::Restarting;
        let restarting = w.restarting.is_some();
        let mut watched = self.watched(w, run);
        let mut lost = None;
        if restarting {
            let out = Outgoing {
                purpose: SECOND_RESTART,
                ..self.request(case, &bound.url)
            };
            let (records, received, notes) = self.http.send_all(out, start).await;
            self.health
                .record_action(&case.api, received.as_ref().err());
            if let Err(e) = &received
                && no_answer(e)
            {
                lost = Some(LostAction {
                    purpose: SECOND_RESTART,
                    at_ms: records.last().map_or(0, |r| r.at_ms),
                    error: e.clone(),
                });
            }
            run.exchanges.extend(records);
            run.notes.extend(notes);
            run.second = Some(received.map_err(|e| format!("second restart: {e}")));
        } else if let Some((at_ms, error)) = watched.unanswered.clone() {
            // A lost poll may have hidden the restart the second one was to go into.
            lost = Some(LostAction {
                purpose: UNSEEN_RESTART,
                at_ms,
                error,
            });
        }
        if stopped_restarting {
            self.watch_to_steady(case, p, run, &mut watched).await;
        }
        run.watch = Some(watched);
        lost
    }

    /// A restart seen restarting, watched on to its steady state. The resource will come
    /// back; a shortened wait would only matter if a wrongly accepted second restart started
    /// another one, which the steady state then shows.
    pub(super) async fn watch_to_steady(
        &self,
        case: &Case,
        p: &Poller<'_>,
        run: &mut CaseRun,
        watched: &mut Watched,
    ) {
        let rest = p
            .watch(
                false,
                self.pacing.wait_for(&case.api, Accepted::Restart).grace,
            )
            .await;
        run.exchanges.extend(rest.exchanges);
        watched.observations.extend(rest.observations);
        watched.timed_out = rest.stop == Stop::TimedOut;
    }

    /// Moves a watch's exchanges into the run and keeps its observations.
    pub(super) fn watched(&self, w: Watch, run: &mut CaseRun) -> Watched {
        run.exchanges.extend(w.exchanges);
        let silent = w.stop == Stop::SteadyNotSeen && w.restarting.is_none();
        Watched {
            observations: w.observations,
            restarting: w.restarting,
            timed_out: w.stop == Stop::TimedOut,
            timeout: self.polling.timeout,
            unanswered: w.unanswered.filter(|_| silent),
        }
    }

    /// The case's own request, as planned.
    pub(super) fn request<'a>(&'a self, case: &'a Case, url: &'a str) -> Outgoing<'a> {
        let req = &case.request;
        let auth = case.spec.auth_header.as_ref().map(|(h, _)| h.as_str());
        Outgoing {
            purpose: "request",
            method: &req.method,
            url,
            auth_header: if req.send_token { auth } else { None },
            content_type: req.content_type.as_deref(),
            body: req.body.as_deref(),
            signer: self.signer(case).map(|k| (k, req.tamper)),
        }
    }

    /// The key pair of the case's API, when it signs.
    fn signer(&self, case: &Case) -> Option<&crate::endpoint::AkSk> {
        self.endpoint.apis.get(&case.api)?.signer.as_deref()
    }
}

/// The restarts a try's requests started: an accepted restart, an accepted second restart,
/// and an accepted negative that the resource answered by restarting.
fn restarts_caused(case: &Case, run: &CaseRun, accepted: bool) -> usize {
    if !case.touches_resource || !accepted {
        return 0;
    }
    let main = match case.kind {
        CaseKind::Restart | CaseKind::Concurrent => true,
        CaseKind::Negative => run.watch.as_ref().is_some_and(|w| w.restarting.is_some()),
    };
    let second = matches!(&run.second, Some(Ok(r)) if (200..300).contains(&r.status));
    usize::from(main) + usize::from(second)
}

/// The states `observations` read, each run of one state once: `ACTIVE → REBOOT → ACTIVE`.
fn states(observations: &[Observation]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in observations.iter().filter_map(|o| o.state.as_deref()) {
        if seen.last() != Some(&s) {
            seen.push(s);
        }
    }
    if seen.is_empty() {
        "no state read".to_owned()
    } else {
        seen.join(" → ")
    }
}

/// A shell line that repeats the request; the token stays a variable.
pub(super) fn curl(o: &Outgoing<'_>, token: &Secret, token_env: &str) -> String {
    let q = |s: &str| {
        shlex::try_quote(s)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| format!("'{}'", s.replace(['\'', '\0'], "")))
    };
    let redactor = Redactor::new([token.expose()]);
    let mut line = format!("curl -i -X {} {}", o.method, q(&redactor.redact_url(o.url)));
    match (o.auth_header, o.signer) {
        (Some(_), Some((key, _))) => {
            let mut set = vec![("Accept".to_owned(), "application/json".to_owned())];
            set.extend(
                o.content_type
                    .map(|ct| ("Content-Type".to_owned(), ct.to_owned())),
            );
            if let Ok(url) = reqwest::Url::parse(o.url) {
                for h in key.curl_headers(&url, &set) {
                    line.push(' ');
                    line.push_str(&h);
                }
            }
        }
        (Some(h), None) => line.push_str(&format!(" -H \"{h}: ${token_env}\"")),
        (None, _) => {}
    }
    if let Some(ct) = o.content_type {
        line.push_str(&format!(" -H {}", q(&format!("Content-Type: {ct}"))));
    }
    if let Some(b) = o.body {
        line.push_str(&format!(
            " --data-raw {}",
            q(&redactor.redact_str(&String::from_utf8_lossy(b)))
        ));
    }
    line
}

//! Driving one case: the gate, the request, the lifecycle watch. Records
//! what happened as a [`CaseRun`]; deciding whether it was right is
//! `check`'s job.

use std::time::Instant;

use super::Runner;
use super::http::{Outgoing, ms};
use super::lifecycle::{Poller, Stop, Watch};
use super::pace::Accepted;
use crate::endpoint::Secret;
use crate::model::{CaseRun, Watched};
use crate::plan::{Bound, Case, CaseKind};
use crate::redact::Redactor;

impl Runner {
    /// Runs `case` against the endpoint and records what it saw; `first`
    /// when it is the first case on its resource.
    pub(super) async fn run_case(&self, case: &Case, first: bool) -> CaseRun {
        let start = Instant::now();
        let mut run = CaseRun {
            started_ms: ms(start.duration_since(self.started)),
            ..CaseRun::default()
        };
        let Some(bound) = &case.bound else {
            run.skipped = Some(format!(
                "`{}` is not configured in the target file",
                case.api
            ));
            return run;
        };
        let resource = bound.resource_key(&case.api);
        run.resource = Some(resource.clone());
        if let Some(why) = self.health.refusal(&case.api) {
            run.transport_error = Some(why);
            return run;
        }
        let poller = self.poller(case, bound, &resource, start);
        if case.touches_resource
            && let Some(p) = &poller
        {
            if first && self.settle_first {
                run.notes.push(self.settle(p).await);
            }
            let (note, last) = p.wait_not_restarting().await;
            run.notes.extend(note);
            run.before = last;
            // The API may have died while the gate polled.
            if let Some(why) = self.health.refusal(&case.api) {
                run.transport_error = Some(why);
                run.duration_ms = ms(start.elapsed());
                return run;
            }
        }

        let outgoing = self.request(case, &bound.url);
        let tls = self.endpoint.tls.for_api(&case.api).curl_args();
        run.curl = Some(curl(&outgoing, self.http.token(), &self.endpoint.token_env) + &tls);
        let (records, received, notes) = self.http.send_all(outgoing, start).await;
        self.health
            .record_action(&case.api, received.as_ref().err());
        run.exchanges.extend(records);
        run.notes.extend(notes);
        match received {
            Ok(r) => {
                let accepted = (200..300).contains(&r.status);
                run.main = Some(r);
                if accepted && let Some(p) = &poller {
                    self.after_accepted(case, bound, p, &mut run, start).await;
                }
            }
            Err(e) => run.transport_error = Some(e),
        }
        run.duration_ms = ms(start.elapsed());
        run
    }

    fn poller<'a>(
        &'a self,
        case: &'a Case,
        bound: &'a Bound,
        resource: &'a str,
        start: Instant,
    ) -> Option<Poller<'a>> {
        let (url, lifecycle) = (bound.status_url.as_deref()?, case.spec.lifecycle.as_ref()?);
        Some(Poller {
            http: &self.http,
            health: &self.health,
            api: &case.api,
            resource,
            progress: self.progress,
            url,
            auth_header: case.spec.auth_header.as_ref().map(|(h, _)| h.as_str()),
            signer: self.signer(case),
            lifecycle,
            polling: self.polling,
            case_start: start,
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
    ) {
        match case.kind {
            CaseKind::Restart => {
                let w = self
                    .paced_watch(case, p, Accepted::Restart, false, run)
                    .await;
                run.watch = Some(self.watched(w, run));
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
            }
            CaseKind::Negative => {}
            CaseKind::Concurrent => self.second_restart(case, bound, p, run, start).await,
        }
    }

    /// Watches for a restart with the wait the API's pacing allows, notes a
    /// shortened wait, and teaches the pacing what the watch saw.
    async fn paced_watch(
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
        if silent || w.restarting.is_some() {
            self.pacing
                .learn(&case.api, &case.name, kind, &wait, w.restarting_after);
        }
        if silent && let Some(why) = wait.shortened {
            run.notes.push(why);
        }
        w
    }

    /// A resumed run's first look at a resource: watched for the whole
    /// grace, or through the restart it shows, before its first case.
    async fn settle(&self, p: &Poller<'_>) -> String {
        let w = p.watch(false, self.polling.effective_grace()).await;
        let states: Vec<String> =
            w.observations
                .iter()
                .filter_map(|o| o.state.clone())
                .fold(Vec::new(), |mut v, s| {
                    if v.last() != Some(&s) {
                        v.push(s);
                    }
                    v
                });
        format!(
            "resumed run: watched the resource for {:.1} s before its first case, in case the interrupted run left it restarting ({})",
            w.observations
                .last()
                .map_or(0.0, |o| o.at_ms as f64 / 1000.0),
            if states.is_empty() {
                "no state read".to_owned()
            } else {
                states.join(" → ")
            }
        )
    }

    /// Concurrency cases: waits for the restarting state, sends the same
    /// restart again, then waits for the steady state.
    async fn second_restart(
        &self,
        case: &Case,
        bound: &Bound,
        p: &Poller<'_>,
        run: &mut CaseRun,
        start: Instant,
    ) {
        let w = self
            .paced_watch(case, p, Accepted::Restart, true, run)
            .await;
        let stopped_restarting = w.stop == Stop::Restarting;
        let restarting = w.restarting.is_some();
        let mut watched = self.watched(w, run);
        if restarting {
            let out = Outgoing {
                purpose: "second restart",
                ..self.request(case, &bound.url)
            };
            let (records, received, notes) = self.http.send_all(out, start).await;
            self.health
                .record_action(&case.api, received.as_ref().err());
            run.exchanges.extend(records);
            run.notes.extend(notes);
            run.second = Some(received.map_err(|e| format!("second restart: {e}")));
        }
        if stopped_restarting {
            // The resource is restarting: it will come back; a shortened
            // wait would only matter if a wrongly accepted second restart
            // started another one, which the steady state then shows.
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
        run.watch = Some(watched);
    }

    /// Moves a watch's exchanges into the run and keeps its observations.
    fn watched(&self, w: Watch, run: &mut CaseRun) -> Watched {
        run.exchanges.extend(w.exchanges);
        Watched {
            observations: w.observations,
            restarting: w.restarting,
            timed_out: w.stop == Stop::TimedOut,
            timeout: self.polling.timeout,
        }
    }

    /// The case's own request, as planned.
    fn request<'a>(&'a self, case: &'a Case, url: &'a str) -> Outgoing<'a> {
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

//! Driving one case: gate, request, checks, lifecycle, and the report entry.

use std::time::Instant;

use super::Runner;
use super::http::{Outgoing, ms};
use super::lifecycle::{Poller, Stop};
use crate::check::{self, CheckId, LifecycleRun, Verdict, verdict};
use crate::model::{CaseOutcome, CaseReport, CheckOutcome, Severity};
use crate::plan::{Case, CaseKind};

impl Runner {
    /// Runs `case` against the target and returns its report entry.
    pub(super) async fn run_case(&self, case: &Case) -> CaseReport {
        let start = Instant::now();
        let mut report = blank(case, CaseOutcome::Passed, None);
        let Some(url) = case.url(&self.target, &self.unknown_id) else {
            let why = format!("`{}` is not configured in the target file", case.api);
            return blank(case, CaseOutcome::Skipped, Some(why));
        };
        if let Some(why) = self.unreachable.get(&case.api) {
            return errored(case, why.clone(), 0);
        }
        let auth = case.spec.auth_header.as_ref().map(|(h, _)| h.as_str());
        let status_url = case.status_url(&self.target);
        let resource = case
            .resource_key(&self.target)
            .unwrap_or_else(|| case.api.clone());
        let poller = match (&status_url, &case.spec.lifecycle) {
            (Some(u), Some(lc)) => Some(Poller {
                http: &self.http,
                resource: &resource,
                progress: self.progress,
                url: u,
                auth_header: auth,
                lifecycle: lc,
                polling: self.polling,
                case_start: start,
            }),
            _ => None,
        };

        let mut before = None;
        if case.touches_resource
            && let Some(p) = &poller
        {
            let (note, last) = p.wait_not_restarting().await;
            report.notes.extend(note);
            before = last;
        }

        let req = &case.request;
        let outgoing = Outgoing {
            purpose: "request",
            method: &req.method,
            url: &url,
            auth_header: if req.send_token { auth } else { None },
            content_type: req.content_type.as_deref(),
            body: req.body.as_deref(),
        };
        report.curl = Some(curl(&outgoing, self.http.token(), &self.target.token_env));
        let (records, received, notes) = self.http.send_all(outgoing, start).await;
        report.exchanges.extend(records);
        report.notes.extend(notes);
        let received = match received {
            Ok(r) => r,
            Err(e) => {
                report.checks.push(verdict(
                    CheckId::Transport,
                    Severity::Must,
                    false,
                    e.clone(),
                ));
                report.outcome = CaseOutcome::Errored;
                report.reason = Some(e);
                report.duration_ms = ms(start.elapsed());
                return report;
            }
        };
        report.checks.extend(check::response(case, &received));
        let accepted = (200..300).contains(&received.status);

        match (case.kind, &poller, accepted) {
            (CaseKind::Restart, Some(p), true) => {
                let w = p.watch(false).await;
                report.exchanges.extend(w.exchanges);
                report.checks.extend(check::lifecycle(
                    p.lifecycle,
                    LifecycleRun {
                        observations: &w.observations,
                        timed_out: w.stop == Stop::TimedOut,
                        timeout: self.polling.timeout,
                    },
                ));
                report.lifecycle = before.iter().cloned().chain(w.observations).collect();
            }
            (CaseKind::Negative, Some(p), true) if case.touches_resource => {
                let w = p.watch(false).await;
                report.exchanges.extend(w.exchanges);
                let last = w
                    .observations
                    .iter()
                    .rev()
                    .find_map(|o| o.state.clone())
                    .unwrap_or_else(|| "no state".into());
                report.notes.push(match w.restarting {
                    Some(s) => format!(
                        "the target accepted this request and the resource went to {s}; waited for {last} before the next case"
                    ),
                    None => format!("the target accepted this request; the resource showed {last}, no restart was seen"),
                });
                report.lifecycle = before.iter().cloned().chain(w.observations).collect();
            }
            (CaseKind::Concurrent, Some(p), true) => {
                let w = p.watch(true).await;
                report.exchanges.extend(w.exchanges);
                let mut observations = w.observations;
                let second = match &w.restarting {
                    Some(_) => {
                        let out = Outgoing {
                            purpose: "second restart",
                            ..self.reissue(case, &url, auth)
                        };
                        Some(self.http.send_all(out, start).await)
                    }
                    None => None,
                };
                let mut second_received = None;
                if let Some((records, received, notes)) = second {
                    report.exchanges.extend(records);
                    report.notes.extend(notes);
                    match received {
                        Ok(r) => second_received = Some(r),
                        Err(e) => {
                            report.checks.push(verdict(
                                CheckId::Transport,
                                Severity::Must,
                                false,
                                format!("second restart: {e}"),
                            ));
                            report.outcome = CaseOutcome::Errored;
                            report.reason = Some(e);
                        }
                    }
                }
                if let Some(k) = case.concurrent_expect()
                    && (second_received.is_some() || w.restarting.is_none())
                {
                    report.checks.push(check::concurrent_refused(
                        k,
                        w.restarting.as_deref(),
                        second_received.as_ref(),
                    ));
                }
                if let Some(r) = &second_received {
                    if let Some(v) = check::documented(&case.spec, r.status) {
                        report.checks.push(prefixed(v));
                    }
                    if r.status >= 400 {
                        report
                            .checks
                            .extend(check::body_checks(case, r).into_iter().map(prefixed));
                    }
                }
                if w.stop == Stop::Restarting {
                    let rest = p.watch(false).await;
                    report.exchanges.extend(rest.exchanges);
                    observations.extend(rest.observations);
                }
                report.lifecycle = before.into_iter().chain(observations).collect();
            }
            _ => {}
        }

        report.duration_ms = ms(start.elapsed());
        if report.outcome != CaseOutcome::Errored {
            report.outcome = outcome(&report.checks, self.strict);
        }
        report
    }

    fn reissue<'a>(&self, case: &'a Case, url: &'a str, auth: Option<&'a str>) -> Outgoing<'a> {
        Outgoing {
            purpose: "request",
            method: &case.request.method,
            url,
            auth_header: auth,
            content_type: case.request.content_type.as_deref(),
            body: case.request.body.as_deref(),
        }
    }
}

/// A report entry for `case` with nothing recorded yet.
pub(super) fn blank(case: &Case, outcome: CaseOutcome, reason: Option<String>) -> CaseReport {
    CaseReport {
        name: case.name.clone(),
        api: case.api.clone(),
        group: case.group,
        outcome,
        duration_ms: 0,
        source: case.source.clone(),
        reason,
        checks: Vec::new(),
        exchanges: Vec::new(),
        lifecycle: Vec::new(),
        notes: Vec::new(),
        curl: None,
    }
}

/// A case that got no complete answer, before any exchange was recorded.
pub(super) fn errored(case: &Case, reason: String, duration_ms: u64) -> CaseReport {
    let mut report = blank(case, CaseOutcome::Errored, Some(reason.clone()));
    report.duration_ms = duration_ms;
    report
        .checks
        .push(verdict(CheckId::Transport, Severity::Must, false, reason));
    report
}

/// A shell line that repeats the request; the token stays a variable.
pub(super) fn curl(o: &Outgoing<'_>, token: &crate::endpoint::Secret, token_env: &str) -> String {
    let q = |s: &str| {
        shlex::try_quote(s)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| format!("'{}'", s.replace(['\'', '\0'], "")))
    };
    let mut line = format!("curl -i -X {} {}", o.method, q(&token.redact(o.url)));
    if let Some(h) = o.auth_header {
        line.push_str(&format!(" -H \"{h}: ${token_env}\""));
    }
    if let Some(ct) = o.content_type {
        line.push_str(&format!(" -H {}", q(&format!("Content-Type: {ct}"))));
    }
    if let Some(b) = o.body {
        line.push_str(&format!(
            " --data-raw {}",
            q(&token.redact(&String::from_utf8_lossy(b)))
        ));
    }
    line
}

fn prefixed(mut v: Verdict) -> Verdict {
    v.message = format!("second restart: {}", v.message);
    v
}

/// A case fails on any failed check, and on a warning under `--strict`.
pub fn outcome(checks: &[Verdict], strict: bool) -> CaseOutcome {
    let failed = checks.iter().any(|c| {
        c.outcome == CheckOutcome::Failed || (strict && c.outcome == CheckOutcome::Warning)
    });
    if failed {
        CaseOutcome::Failed
    } else {
        CaseOutcome::Passed
    }
}

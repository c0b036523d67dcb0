//! Lifecycle polling: reading the resource's state from its status URI.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::health::Health;
use super::http::{Http, Outgoing, ms, no_answer};
use super::progress::{Progress, Tick};
use crate::model::{ExchangeRecord, LostRequest, Observation};
use crate::spec::Lifecycle;

/// After this many polls in a row without a state, the status URI is taken
/// to be unusable and watching stops early instead of waiting out the timeout.
const MAX_BLIND_POLLS: usize = 5;

/// A watch blinded by unanswered polls for less than this (or twice the poll
/// interval, if longer) still proves a restart absent: a reset retried at
/// once costs a fraction of it, and a restart takes longer.
const BLIND_FLOOR: Duration = Duration::from_secs(1);

/// Which tries of one poll went unanswered.
struct Blindness {
    /// The first try that got no answer: `(when it went out, why)`.
    first_unanswered: Option<(u64, String)>,
    /// When the try that was answered went out.
    answered_at: Option<u64>,
}

/// Polling settings.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    pub interval: Duration,
    pub timeout: Duration,
    /// How long the steady state may hold after an accepted restart, with
    /// no restarting state seen, before the runner concludes that the
    /// restart was not seen (`--restart-grace`). Real clouds may take
    /// seconds to leave the steady state, so this is time, not a poll count.
    pub grace: Duration,
}

impl Polling {
    /// The grace a wait really has: a wait also ends at the lifecycle
    /// timeout, so a timeout shorter than `--restart-grace` is the grace.
    pub fn effective_grace(&self) -> Duration {
        self.grace.min(self.timeout)
    }
}

pub struct Poller<'a> {
    pub http: &'a Http,
    /// Told of every poll; watching stops once the API is given up on.
    pub health: &'a Health,
    pub api: &'a str,
    /// `api/resource-id`, for progress lines.
    pub resource: &'a str,
    pub progress: Progress,
    pub url: &'a str,
    pub auth_header: Option<&'a str>,
    /// The API's key pair, when its requests are signed.
    pub signer: Option<&'a crate::endpoint::AkSk>,
    pub lifecycle: &'a Lifecycle,
    pub polling: Polling,
    pub case_start: Instant,
    /// The try of the case the polls belong to (1 for the first).
    pub try_number: u32,
    /// Polls that got no answer and were sent again, since the last [`Poller::take_lost`].
    pub lost: Mutex<Vec<LostRequest>>,
}

/// Why watching stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Back in a steady state after a restarting one.
    Steady,
    /// Steady for the grace period without a restarting state.
    SteadyNotSeen,
    /// The caller asked to stop at the first restarting state.
    Restarting,
    /// The status URI gave no state several times in a row.
    Blind,
    /// The API stopped answering (see `run::health`).
    Dead,
    TimedOut,
}

pub struct Watch {
    pub observations: Vec<Observation>,
    pub exchanges: Vec<ExchangeRecord>,
    pub stop: Stop,
    /// The first restarting state seen.
    pub restarting: Option<String>,
    /// When the first poll that showed the restarting state was answered,
    /// since watching started: an upper bound on when the restart began.
    pub restarting_after: Option<Duration>,
    /// A poll before any restarting state showed that went unanswered for
    /// longer than the blind limit: `(when it went out, why)`. While it went
    /// unanswered the resource may have shown its restarting state and left
    /// it again.
    pub unanswered: Option<(u64, String)>,
}

impl Poller<'_> {
    /// The polls lost (and sent again) since the last call.
    pub fn take_lost(&self) -> Vec<LostRequest> {
        std::mem::take(&mut *self.lost.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// One status read, tried again when it gets no answer; the API's
    /// health hears of it once, after its retries. Also returns which of
    /// its tries went unanswered and when the answered one went out.
    async fn poll(&self) -> (Observation, Vec<ExchangeRecord>, Blindness) {
        let give_up = || self.health.refusal(self.api).is_some();
        let sent = self
            .http
            .send_read(
                Outgoing {
                    purpose: "status",
                    method: "GET",
                    url: self.url,
                    auth_header: self.auth_header,
                    content_type: None,
                    body: None,
                    signer: self.signer.map(|k| (k, crate::endpoint::Tamper::None)),
                },
                self.case_start,
                &give_up,
            )
            .await;
        self.health
            .record_poll(self.api, sent.received.as_ref().err());
        let last_at = sent.records.last().map_or(0, |r| r.at_ms);
        let blindness = Blindness {
            first_unanswered: match (sent.lost.first(), &sent.received) {
                (Some((at_ms, error, _)), _) => Some((*at_ms, error.clone())),
                (None, Err(e)) if no_answer(e) => Some((last_at, e.clone())),
                _ => None,
            },
            answered_at: sent.received.is_ok().then_some(last_at),
        };
        if !sent.lost.is_empty() {
            let mut lost = self.lost.lock().unwrap_or_else(|e| e.into_inner());
            lost.extend(
                sent.lost
                    .into_iter()
                    .map(|(at_ms, error, wait)| LostRequest {
                        try_number: self.try_number,
                        purpose: "status".into(),
                        at_ms,
                        error,
                        then: format!("sent again after {} ms", ms(wait)),
                    }),
            );
        }
        let at_ms = sent.records.last().map_or(0, |r| r.at_ms);
        let obs = match &sent.received {
            Ok(r) => {
                let state = serde_json::from_slice::<serde_json::Value>(&r.body)
                    .ok()
                    .and_then(|v| {
                        v.pointer(&self.lifecycle.pointer)
                            .and_then(|s| s.as_str().map(str::to_owned))
                    });
                let note = match &state {
                    Some(_) => r.status.to_string(),
                    None => format!("{} with no string at {}", r.status, self.lifecycle.pointer),
                };
                Observation { at_ms, state, note }
            }
            Err(e) => Observation {
                at_ms,
                state: None,
                note: e.clone(),
            },
        };
        (obs, sent.records, blindness)
    }

    /// How long an unanswered poll may blind a watch before the watch can no longer
    /// tell a restart that did not happen from one that came and went unseen.
    fn blind_limit(&self) -> Duration {
        (self.polling.interval * 2).max(BLIND_FLOOR)
    }

    fn is_restarting(&self, s: &str) -> bool {
        self.lifecycle.restarting.iter().any(|r| r == s)
    }

    fn is_steady(&self, s: &str) -> bool {
        self.lifecycle.steady.iter().any(|r| r == s)
    }

    /// Polls from now on until the resource is steady again after a restart
    /// (or, with `stop_at_restarting`, until the restarting state shows), or
    /// until it has stayed steady for `grace` without restarting.
    pub async fn watch(&self, stop_at_restarting: bool, grace: Duration) -> Watch {
        let started = Instant::now();
        let mut w = Watch {
            observations: Vec::new(),
            exchanges: Vec::new(),
            stop: Stop::TimedOut,
            restarting: None,
            restarting_after: None,
            unanswered: None,
        };
        let mut steady_since: Option<Instant> = None;
        let mut blind = 0;
        // The first try that went unanswered since the last answered poll.
        let mut blind_from: Option<(u64, String)> = None;
        let mut tick = Tick::default();
        let w = loop {
            let (obs, records, blindness) = self.poll().await;
            if blind_from.is_none() {
                blind_from = blindness.first_unanswered;
            }
            if let Some(answered) = blindness.answered_at
                && let Some((from, why)) = blind_from.take()
                && w.restarting.is_none()
                && w.unanswered.is_none()
                && Duration::from_millis(answered.saturating_sub(from)) > self.blind_limit()
            {
                w.unanswered = Some((from, why));
            }
            let state = obs.state.clone();
            self.progress.tick(
                &mut tick,
                self.resource,
                state.as_deref().unwrap_or(&obs.note),
                started.elapsed(),
            );
            w.observations.push(obs);
            w.exchanges.extend(records);
            match state.as_deref() {
                Some(s) if self.is_restarting(s) => {
                    blind = 0;
                    steady_since = None;
                    if w.restarting.is_none() {
                        w.restarting = Some(s.to_owned());
                        w.restarting_after = Some(started.elapsed());
                    }
                    if stop_at_restarting {
                        w.stop = Stop::Restarting;
                        break w;
                    }
                }
                Some(s) if self.is_steady(s) => {
                    blind = 0;
                    if w.restarting.is_some() {
                        w.stop = Stop::Steady;
                        break w;
                    }
                    if steady_since.get_or_insert_with(Instant::now).elapsed() >= grace {
                        w.stop = Stop::SteadyNotSeen;
                        break w;
                    }
                }
                Some(_) => blind = 0,
                None => {
                    blind += 1;
                    if blind >= MAX_BLIND_POLLS {
                        w.stop = Stop::Blind;
                        break w;
                    }
                }
            }
            if started.elapsed() >= self.polling.timeout {
                // Steady all along: the lifecycle timeout cut the grace
                // short, and a grace that ran out is what this wait saw.
                let steady_now = state.as_deref().is_some_and(|s| self.is_steady(s));
                w.stop = if w.restarting.is_none() && steady_now {
                    Stop::SteadyNotSeen
                } else {
                    Stop::TimedOut
                };
                break w;
            }
            if self.health.refusal(self.api).is_some() {
                w.stop = Stop::Dead;
                break w;
            }
            tokio::time::sleep(self.polling.interval).await;
        };
        self.progress.done(&tick, self.resource);
        w
    }

    /// Waits until the resource is in no restarting state, so that a case
    /// never runs during a restart (DDM answers 400 both for "restarting" and
    /// for a bad body). Returns a note when it had to wait or gave up, and
    /// the last observation (the state before the case's request).
    pub async fn wait_not_restarting(&self) -> (Option<String>, Option<Observation>) {
        let started = Instant::now();
        let mut polls = 0;
        let mut tick = Tick::default();
        let mut last: Option<Observation>;
        let note = loop {
            let (obs, _, _) = self.poll().await;
            polls += 1;
            last = Some(obs.clone());
            self.progress.tick(
                &mut tick,
                self.resource,
                obs.state.as_deref().unwrap_or(&obs.note),
                started.elapsed(),
            );
            match obs.state.as_deref() {
                Some(s) if self.is_restarting(s) => {}
                Some(s) => {
                    break (polls > 1).then(|| {
                        format!("waited {} ms for {s} before sending", ms(started.elapsed()))
                    });
                }
                None if self.health.refusal(self.api).is_some() => break None,
                None => {
                    break Some(format!(
                        "could not read the state before sending ({}); sent anyway",
                        obs.note
                    ));
                }
            }
            if started.elapsed() >= self.polling.timeout {
                break Some(format!(
                    "the resource was still restarting after {:.1} s (--lifecycle-timeout); sent anyway",
                    self.polling.timeout.as_secs_f64()
                ));
            }
            tokio::time::sleep(self.polling.interval).await;
        };
        self.progress.done(&tick, self.resource);
        (note, last)
    }
}

//! The run stage: bound cases ──► what happened to each ([`CaseRun`]).
//!
//! [`Session::open`] makes the one tokio runtime, the one `reqwest` client
//! and, without a target file, the embedded reference server. [`execute`]
//! then starts every selected case at once as tokio tasks: the cases bound
//! to one resource form a chain that runs one case at a time (each starts
//! on a steady resource), chains of different resources run side by side,
//! and cases that touch no resource run freely. Each case becomes a
//! `libtest-mimic` trial named after it, so filters, `--exact`, `--skip`,
//! `--list` and `--test-threads` behave as in `cargo test`; a trial only
//! waits for its case's result, so the wall time is the longest chain's,
//! whatever `--test-threads` is. Knows nothing about how checks decide:
//! the caller's judge turns each [`CaseRun`] into a [`CaseReport`].

mod case;
mod footer;
mod health;
mod http;
mod interrupt;
mod lifecycle;
mod pace;
mod progress;
mod ride;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Completion, Conclusion, Trial};
use tokio::sync::{Semaphore, oneshot, watch};

use health::Health;
use http::{Http, HttpOptions, Outgoing};
use interrupt::{NOT_RUN, Signals};
pub use lifecycle::Polling;
use progress::Progress;

use crate::endpoint::{ApiEndpoint, Endpoint, Secret};
use crate::model::{CaseOutcome, CaseReport, CaseRun, CheckOutcome};
use crate::plan::Case;
use crate::reference::{Fault, ReferenceConfig, ReferenceServer};

/// Cases that touch no resource (an unknown id, no token) run at most this
/// many at a time: they are quick, and a real API should not see a burst.
const FREE_CASES_AT_ONCE: usize = 8;

/// How the run talks to its target.
#[derive(Debug, Clone)]
pub struct Settings {
    pub strict: bool,
    pub request_timeout: Duration,
    pub polling: Polling,
    pub max_body: usize,
    /// Follow redirects; the token goes only to the target's own origin.
    pub follow_redirects: bool,
    /// Requests per second, all cases together.
    pub rate: Option<f64>,
    /// Requests in a row without an answer (a status poll counted after
    /// its own retries) after which an API's remaining cases are not sent
    /// (`--dead-after`); 0 never gives up.
    pub dead_after: usize,
    /// How often a case whose own request got no answer is run again
    /// (`--retries`); 0 never.
    pub retries: u32,
    /// Before the first case on each resource, watch it for the whole
    /// grace: a resumed run's resources may still be restarting, or about
    /// to, from the request the interrupted run sent last.
    pub settle_first: bool,
    /// Restart times per API from a history file, for the estimate the run starts with.
    pub restart_times: Option<crate::plan::RestartTimes>,
    /// The concurrency probe rides on a positive case's restart when it can (the default);
    /// when false it always restarts the resource itself, which a benchmark compares.
    pub probe_rides: bool,
}

impl Settings {
    /// Defaults for a run against `polling`, as the command line has them.
    pub fn new(polling: Polling) -> Settings {
        Settings {
            strict: false,
            request_timeout: Duration::from_secs(30),
            polling,
            max_body: 1024 * 1024,
            follow_redirects: false,
            rate: None,
            dead_after: 3,
            retries: 2,
            settle_first: false,
            restart_times: None,
            probe_rides: true,
        }
    }
}

/// Called with each case's entry as the case finishes (the journal).
pub type FinishedHook = Arc<dyn Fn(&CaseReport) + Send + Sync>;

/// Who else hears of the cases as they end, and what ended before.
#[derive(Default)]
pub struct Hooks {
    /// Stop on SIGINT or SIGTERM and return what finished ([`Executed::interrupted`]);
    /// without it a signal ends the process as it would any program.
    pub stop_on_signal: bool,
    pub on_finished: Option<FinishedHook>,
    /// The entries of cases an interrupted run finished (`--resume`): each
    /// is a trial with its recorded outcome, and nothing is sent for it.
    pub recorded: Vec<CaseReport>,
}

/// Turns what a case saw into its report entry: checks and outcome. Given
/// by the caller, so that the run stage never decides a verdict itself.
pub type Judge = Arc<dyn Fn(&Case, CaseRun) -> CaseReport + Send + Sync>;

/// Where the cases go.
pub enum EndpointChoice {
    /// A checked target file.
    File(Endpoint),
    /// The embedded reference server, started on loopback for this run.
    Embedded(ReferenceConfig),
}

impl EndpointChoice {
    /// The embedded server with `reboot`-long restarts, `faults` and
    /// `resources` resources per API; its
    /// token is made up for the run.
    pub fn embedded(reboot: Duration, faults: BTreeSet<Fault>, resources: usize) -> EndpointChoice {
        EndpointChoice::Embedded(ReferenceConfig {
            reboot,
            faults,
            resources,
            token: format!("ref-{}", uuid::Uuid::new_v4().simple()),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("failed to start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error("failed to start the embedded reference server")]
    Reference(#[source] std::io::Error),
    #[error(transparent)]
    Client(#[from] http::ClientError),
}

/// The runtime, the endpoint and, when embedded, the reference server.
pub struct Session {
    rt: tokio::runtime::Runtime,
    endpoint: Endpoint,
    server: Option<ReferenceServer>,
}

impl Session {
    /// Starts the runtime and, for [`EndpointChoice::Embedded`], the
    /// reference server on a free loopback port. This is the one place the
    /// embedded server is started for a run, a dry run or a test.
    pub fn open(choice: EndpointChoice) -> Result<Session, RunError> {
        let rt = crate::runtime::with_workers(2).map_err(RunError::Runtime)?;
        let (endpoint, server) = match choice {
            EndpointChoice::File(e) => (e, None),
            EndpointChoice::Embedded(config) => {
                let token = Secret::new(config.token.clone());
                let server = rt
                    .block_on(ReferenceServer::start(([127, 0, 0, 1], 0).into(), config))
                    .map_err(RunError::Reference)?;
                (embedded_endpoint(&server, token), Some(server))
            }
        };
        Ok(Session {
            rt,
            endpoint,
            server,
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// True when the cases go to the embedded reference server.
    pub fn is_embedded(&self) -> bool {
        self.server.is_some()
    }

    /// Stops the embedded server, if any.
    pub fn close(self) {
        if let Some(server) = self.server {
            self.rt.block_on(server.shutdown());
        }
    }
}

/// What [`execute`] produced.
pub struct Executed {
    /// One entry per selected case, in plan order; when interrupted, the
    /// cases that did not finish are skipped as not run.
    pub cases: Vec<CaseReport>,
    /// SIGINT or SIGTERM stopped the run before every case finished.
    pub interrupted: bool,
    pub conclusion: Conclusion,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub duration: Duration,
}

pub(crate) struct Runner {
    http: Http,
    endpoint: Endpoint,
    polling: Polling,
    /// Watch each resource for the grace before its first case (`--resume`).
    settle_first: bool,
    /// How long to wait for restarts, learned from what each API showed.
    pacing: pace::Pacing,
    /// How often a case whose own request got no answer runs again.
    retries: u32,
    health: Health,
    progress: Progress,
    /// When the cases started, for each case's `started_ms`.
    started: Instant,
    /// The concurrency probes that ride on a positive case's restart.
    rides: ride::Rides,
}

/// Lists the cases as `--list` does, running nothing.
pub fn list(cases: &[Case], args: &Arguments) -> Conclusion {
    let trials = cases
        .iter()
        .map(|c| Trial::test(c.name.clone(), || Ok(())))
        .collect();
    libtest_mimic::run(args, trials)
}

/// Runs every case that the libtest arguments select.
pub fn execute(
    session: &Session,
    cases: Vec<Case>,
    settings: &Settings,
    args: &Arguments,
    judge: Judge,
    hooks: Hooks,
) -> Result<Executed, RunError> {
    let http = client(session, settings)?;
    let (selected, left_out): (Vec<Case>, Vec<Case>) =
        cases.into_iter().partition(|c| is_selected(args, &c.name));
    if !args.quiet && args.format.is_none() {
        for line in crate::plan::describe_cost(&selected, settings.restart_times.as_ref()) {
            eprintln!("{line}");
        }
    }
    let rt = &session.rt;
    let health = reachable(session, &http, &selected, settings.dead_after);
    let runner = Arc::new(Runner {
        http,
        endpoint: session.endpoint.clone(),
        polling: settings.polling,
        settle_first: settings.settle_first,
        pacing: pace::Pacing::new(settings.polling),
        retries: settings.retries,
        health,
        progress: progress_mode(args, &selected),
        started: Instant::now(),
        rides: if settings.probe_rides {
            ride::Rides::plan(&selected)
        } else {
            ride::Rides::default()
        },
    });

    let started_at = chrono::Utc::now();
    let start = Instant::now();
    let sink: Arc<Mutex<BTreeMap<usize, CaseReport>>> = Arc::default();
    let budget = case_budget(settings);
    // Listening starts here, before any case: a signal that comes while the
    // first cases run is not lost.
    let signals = hooks.stop_on_signal.then(listen).flatten();
    let stop = signals.as_ref().map(Signals::watch);
    let waiting = schedule(
        rt,
        &runner,
        &selected,
        Finish {
            judge: judge.clone(),
            sink: sink.clone(),
            hook: hooks.on_finished,
        },
        budget,
        stop.clone(),
    );
    let recorded = hooks
        .recorded
        .into_iter()
        .map(|report| Trial::ignorable_test(report.name.clone(), move || trial_result(&report)));
    let trials = selected
        .iter()
        .zip(waiting)
        .map(|(case, rx)| waiting_trial(rt, case, rx, stop.clone()))
        .chain(recorded)
        .chain(left_out.into_iter().map(filtered_out))
        .collect();
    let conclusion = libtest_mimic::run(&colored(args, &runner.progress), trials);
    runner.progress.finish();
    let interrupted = signals.as_ref().is_some_and(Signals::end);
    let cases = if interrupted {
        finished_or_not_run(&sink, &selected, &judge)
    } else {
        std::mem::take(&mut *sink.lock().unwrap_or_else(|e| e.into_inner()))
            .into_values()
            .collect()
    };
    Ok(Executed {
        cases,
        interrupted,
        conclusion,
        started_at,
        duration: start.elapsed(),
    })
}

type TrialOutcome = Result<Completion, libtest_mimic::Failed>;

/// The one HTTP client of the run, with its TLS settings.
fn client(session: &Session, settings: &Settings) -> Result<Http, RunError> {
    let options = HttpOptions {
        follow_redirects: settings.follow_redirects,
        rate: settings.rate,
        retry_budget: settings.polling.timeout,
        read_backoff: read_backoff(settings.polling.interval),
    };
    Ok(Http::new(
        session.endpoint.token_source(),
        settings.request_timeout,
        settings.max_body,
        !session.is_embedded(),
        options,
    )?
    .with_tls(&session.endpoint.tls, &session.endpoint.apis)?)
}

/// The health of the APIs of `selected`, each given up on at once when it cannot be reached.
fn reachable(session: &Session, http: &Http, selected: &[Case], dead_after: usize) -> Health {
    let apis: BTreeSet<String> = selected.iter().map(|c| c.api.clone()).collect();
    let unreachable = session
        .rt
        .block_on(preflight(http, &session.endpoint, &apis));
    let health = Health::new(dead_after);
    for (api, why) in &unreachable {
        health.give_up(api, why);
    }
    health
}

/// How long a case may take: each try this long, and a case runs at most `retries` times
/// again.
fn case_budget(settings: &Settings) -> Duration {
    (settings.polling.timeout.saturating_mul(3))
        .saturating_add(settings.request_timeout.saturating_mul(6))
        .saturating_mul(settings.retries.saturating_add(1))
        .saturating_add(Duration::from_secs(10))
}

/// Listens for SIGINT and SIGTERM; a run that cannot says so and goes on without.
fn listen() -> Option<Signals> {
    match Signals::listen() {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!(
                "warning: cannot listen for SIGINT and SIGTERM ({e}): a signal ends the run without reports"
            );
            None
        }
    }
}

/// The trial of a scheduled case: it waits for the case's outcome, or for a stop.
fn waiting_trial(
    rt: &tokio::runtime::Runtime,
    case: &Case,
    rx: oneshot::Receiver<TrialOutcome>,
    stop: Option<watch::Receiver<interrupt::State>>,
) -> Trial {
    let handle = rt.handle().clone();
    Trial::ignorable_test(case.name.clone(), move || {
        handle.block_on(async {
            tokio::select! {
                biased;
                outcome = rx => match outcome {
                    Ok(outcome) => outcome,
                    // Its task was dropped when the run stopped.
                    Err(_) if interrupt::is_stopped(stop.as_ref()) => not_run(),
                    Err(_) => Err("the case's task stopped without a result".into()),
                },
                () = interrupt::stopped(stop.clone()) => not_run(),
            }
        })
    })
}

/// A trial whose case did not run because a signal stopped the run.
fn not_run() -> TrialOutcome {
    Ok(Completion::ignored_with(NOT_RUN))
}

/// What happens to a case's record once it ran: judged, kept, told.
#[derive(Clone)]
struct Finish {
    judge: Judge,
    sink: Arc<Mutex<BTreeMap<usize, CaseReport>>>,
    hook: Option<FinishedHook>,
}

/// Starts every case as a task: one chain per resource for the cases that
/// touch it, the rest on their own. Returns, per case, where its trial
/// outcome will arrive. Once `stop` says a signal came, no case starts and
/// the cases in flight are dropped, each without a result.
fn schedule(
    rt: &tokio::runtime::Runtime,
    runner: &Arc<Runner>,
    cases: &[Case],
    finish: Finish,
    budget: Duration,
    stop: Option<watch::Receiver<interrupt::State>>,
) -> Vec<oneshot::Receiver<TrialOutcome>> {
    let mut chains: BTreeMap<String, Vec<(usize, oneshot::Sender<TrialOutcome>)>> = BTreeMap::new();
    let mut free = Vec::new();
    let mut receivers = Vec::with_capacity(cases.len());
    for (index, case) in cases.iter().enumerate() {
        let (tx, rx) = oneshot::channel();
        receivers.push(rx);
        if case.touches_resource && case.bound.is_some() {
            chains
                .entry(case.resource_key())
                .or_default()
                .push((index, tx));
        } else {
            free.push((index, tx));
        }
    }
    let cases: Arc<Vec<Case>> = Arc::new(cases.to_vec());
    let runner = runner.clone();
    let one = move |index: usize, first: bool, tx: oneshot::Sender<TrialOutcome>| {
        let (runner, cases, finish) = (runner.clone(), cases.clone(), finish.clone());
        let stop = stop.clone();
        async move {
            let case = &cases[index];
            let run = tokio::select! {
                // Checked first: a stopped run starts no case.
                biased;
                () = interrupt::stopped(stop) => return,
                run = tokio::time::timeout(budget, runner.run_scheduled(case, first)) => {
                    run.unwrap_or_else(|_| timed_out(budget))
                }
            };
            let report = (finish.judge)(case, run);
            let outcome = trial_result(&report);
            if let Some(hook) = &finish.hook {
                hook(&report);
            }
            runner
                .progress
                .finished(&report, resource_of(case).as_deref());
            finish
                .sink
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(index, report);
            // The trial may be gone (filtered by libtest itself): nothing to tell.
            let _ = tx.send(outcome);
        }
    };
    for chain in chains.into_values() {
        let one = one.clone();
        rt.spawn(async move {
            for (n, (index, tx)) in chain.into_iter().enumerate() {
                one(index, n == 0, tx).await;
            }
        });
    }
    let gate = Arc::new(Semaphore::new(FREE_CASES_AT_ONCE));
    for (index, tx) in free {
        let (one, gate) = (one.clone(), gate.clone());
        rt.spawn(async move {
            let _permit = gate.acquire().await;
            one(index, false, tx).await;
        });
    }
    receivers
}

/// The reports of the cases that finished, then the others marked not run.
fn finished_or_not_run(
    sink: &Mutex<BTreeMap<usize, CaseReport>>,
    cases: &[Case],
    judge: &Judge,
) -> Vec<CaseReport> {
    let done = sink.lock().unwrap_or_else(|e| e.into_inner()).clone();
    cases
        .iter()
        .enumerate()
        .map(|(i, c)| match done.get(&i) {
            Some(r) => r.clone(),
            None => judge(
                c,
                CaseRun {
                    skipped: Some(NOT_RUN.into()),
                    ..CaseRun::default()
                },
            ),
        })
        .collect()
}

/// The wait before a read that got no answer is sent again: short next to
/// a restart (a poll every `interval`), never more than a quarter second.
fn read_backoff(interval: Duration) -> Duration {
    interval
        .min(Duration::from_millis(250))
        .max(Duration::from_millis(5))
}

/// The footer on a terminal, plain lines elsewhere, nothing under `-q` or `--format`.
fn progress_mode(args: &Arguments, selected: &[Case]) -> Progress {
    use std::io::IsTerminal;
    if args.quiet || args.format.is_some() || args.list {
        return Progress::Off;
    }
    if !std::io::stderr().is_terminal() {
        return Progress::Lines;
    }
    let restarts = crate::plan::planned_restarts(selected);
    // Standard output is drawn above the footer only when it shares the terminal.
    let capture = std::io::stdout().is_terminal();
    match footer::Footer::start(selected.len(), restarts, capture) {
        Some(f) => Progress::Footer(Arc::new(f)),
        None => Progress::Lines,
    }
}

/// libtest's arguments, with colours kept when its output goes through the footer's pipe to
/// a terminal (libtest would see a pipe and drop them).
fn colored(args: &Arguments, progress: &Progress) -> Arguments {
    let mut args = args.clone();
    if let Progress::Footer(footer) = progress
        && footer.captures()
        && args.color.is_none()
    {
        args.color = Some(libtest_mimic::ColorSetting::Always);
    }
    args
}

/// The resource a case is bound to, when it touches one.
fn resource_of(case: &Case) -> Option<String> {
    (case.touches_resource && case.bound.is_some()).then(|| case.resource_key())
}

/// An endpoint for a running reference server, labelled as embedded.
pub fn embedded_endpoint(server: &ReferenceServer, token: Secret) -> Endpoint {
    let apis = server
        .apis()
        .into_iter()
        .map(|a| {
            (
                a.api.to_owned(),
                ApiEndpoint {
                    base_url: a.base_url,
                    vars: a.vars,
                    resources: a.resources,
                    signer: None,
                },
            )
        })
        .collect();
    Endpoint {
        label: "embedded reference server".into(),
        apis,
        token,
        token_env: "OS_AUTH_TOKEN".into(),
        sign_in: None,
        tls: Default::default(),
    }
}

/// A trial for a case the filters leave out, so that libtest counts it as "filtered out", as
/// `cargo test` does. libtest filters it by the same rules and never runs it; were it run all
/// the same, it fails rather than pass a case that sent nothing.
fn filtered_out(case: Case) -> Trial {
    Trial::test(case.name, || {
        Err("left out by the filters, yet run: nothing was sent".into())
    })
}

/// Whether libtest's filters select `name` (mirrors its rules).
pub fn is_selected(args: &Arguments, name: &str) -> bool {
    !is_filtered_out(args, name)
}

/// Whether libtest's filters leave `name` out (mirrors its rules).
fn is_filtered_out(args: &Arguments, name: &str) -> bool {
    let matches = |f: &str| {
        if args.exact {
            name == f
        } else {
            name.contains(f)
        }
    };
    args.filter.as_deref().is_some_and(|f| !matches(f)) || args.skip.iter().any(|s| matches(s))
}

/// One request per configured API before any case: an API that cannot be
/// reached (refused, DNS, TLS, timeout) gets one line on stderr and its
/// cases fail at once with that reason, instead of one timeout per case.
/// The line is printed under `-q` too: it may be all that explains a failed run. The probe is
/// tried again on no answer, as a status poll is, so one connection reset does not end an API.
async fn preflight(
    http: &Http,
    endpoint: &Endpoint,
    apis: &BTreeSet<String>,
) -> BTreeMap<String, String> {
    let start = Instant::now();
    let mut out = BTreeMap::new();
    for (api, t) in endpoint.apis.iter().filter(|(a, _)| apis.contains(*a)) {
        let probe = Outgoing {
            purpose: "reachability",
            method: "GET",
            url: &t.base_url,
            auth_header: None,
            content_type: None,
            body: None,
            signer: None,
        };
        if let Err(e) = http.send_read(probe, start, &|| false).await.received {
            let why = http.redact(&format!("{api} cannot be reached at {}: {e}", t.base_url));
            eprintln!("error: {why}");
            out.insert(api.clone(), why);
        }
    }
    out
}

/// The bound cases as shell lines, one per case; nothing is sent.
pub fn dry_run(cases: &[Case], endpoint: &Endpoint) -> Vec<(String, String)> {
    cases
        .iter()
        .map(|c| {
            let line = match &c.bound {
                None => format!(
                    "# skipped: `{}` is not configured in the target file",
                    c.api
                ),
                Some(b) => {
                    let auth = c
                        .spec
                        .auth_header
                        .as_ref()
                        .filter(|_| c.request.send_token)
                        .map(|(h, _)| h.as_str());
                    let out = Outgoing {
                        purpose: "request",
                        method: &c.request.method,
                        url: &b.url,
                        auth_header: auth,
                        content_type: c.request.content_type.as_deref(),
                        body: c.request.body.as_deref(),
                        signer: endpoint
                            .apis
                            .get(&c.api)
                            .and_then(|a| a.signer.as_deref())
                            .map(|k| (k, c.request.tamper)),
                    };
                    case::curl(&out, &endpoint.token, &endpoint.token_env)
                        + &endpoint.tls.for_api(&c.api).curl_args()
                }
            };
            (c.name.clone(), line)
        })
        .collect()
}

fn trial_result(report: &CaseReport) -> TrialOutcome {
    match report.outcome {
        CaseOutcome::Passed => Ok(Completion::Completed),
        CaseOutcome::Skipped => Ok(Completion::ignored_with(
            report.reason.clone().unwrap_or_default(),
        )),
        CaseOutcome::Failed | CaseOutcome::Errored => {
            let mut lines: Vec<String> = report
                .checks
                .iter()
                .filter(|c| matches!(c.outcome, CheckOutcome::Failed | CheckOutcome::Warning))
                .map(|c| format!("[{} {}] {}", c.severity.as_str(), c.id, c.message))
                .collect();
            if let Some(curl) = &report.curl {
                lines.push(format!("repeat with: {curl}"));
            }
            Err(lines.join("\n").into())
        }
    }
}

fn timed_out(budget: Duration) -> CaseRun {
    CaseRun {
        transport_error: Some(format!(
            "the case did not finish within {:.0} s",
            budget.as_secs_f64()
        )),
        duration_ms: http::ms(budget),
        ..CaseRun::default()
    }
}

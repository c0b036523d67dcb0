//! The runner: cases ──► trials ──► case reports.
//!
//! Each case becomes a `libtest-mimic` trial named after it, so filters,
//! `--exact`, `--skip`, `--list` and `--test-threads` behave as in `cargo
//! test`. One multi-thread tokio runtime serves every trial (and the embedded
//! reference server); trials block on it. Cases on the same resource hold
//! that resource's lock for their whole run, so restarts never overlap and
//! every case starts on a steady resource. Knows nothing about how checks
//! decide.

mod case;
mod http;
mod lifecycle;
mod progress;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Completion, Conclusion, Trial};

pub use case::outcome;
use http::{Http, HttpOptions, Outgoing};
pub use lifecycle::Polling;
use progress::Progress;

use crate::endpoint::{ApiEndpoint, Endpoint, Secret};
use crate::model::{CaseOutcome, CaseReport, CheckOutcome};
use crate::plan::{Case, plan};
use crate::reference::{Fault, ReferenceConfig, ReferenceServer};
use crate::report::model::{REPORT_FORMAT, Report, RunInfo, Summary, ToolInfo};
use crate::spec::SpecSet;

/// Threads when `--test-threads` is not given: cases mostly wait on the
/// network and on polling, so the core count would be far too few.
const DEFAULT_THREADS: usize = 16;

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
        }
    }
}

/// Called with the report of what finished when SIGINT or SIGTERM stops the
/// run; cases that did not finish are marked not run. The process exits
/// after the call.
pub type InterruptHook = Box<dyn Fn(&Report) + Send + Sync>;

/// Where the cases go.
pub enum EndpointChoice {
    /// A checked target file.
    File(Endpoint),
    /// The embedded reference server, started on loopback for this run.
    Embedded {
        reboot: Duration,
        faults: BTreeSet<Fault>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("failed to start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("failed to start the embedded reference server: {0}")]
    Reference(#[source] std::io::Error),
    #[error(transparent)]
    Client(#[from] http::ClientError),
}

/// What a run produced.
pub struct RunResult {
    /// `None` for `--list`, which runs nothing.
    pub report: Option<Report>,
    pub conclusion: Conclusion,
}

pub(crate) struct Runner {
    http: Http,
    target: Endpoint,
    polling: Polling,
    strict: bool,
    /// The id used by unknown-resource cases, fresh for each run.
    unknown_id: String,
    progress: Progress,
    /// APIs that could not be reached at the start, with the reason.
    unreachable: BTreeMap<String, String>,
}

/// Runs every planned case that the libtest arguments select.
pub fn execute(
    specs: &SpecSet,
    choice: EndpointChoice,
    settings: Settings,
    mut args: Arguments,
    on_interrupt: Option<InterruptHook>,
) -> Result<RunResult, RunError> {
    let cases = plan(specs);
    if args.list {
        let trials = cases
            .iter()
            .map(|c| Trial::test(c.name.clone(), || Ok(())))
            .collect();
        return Ok(RunResult {
            report: None,
            conclusion: libtest_mimic::run(&args, trials),
        });
    }
    if args.test_threads.is_none() {
        args.test_threads = Some(DEFAULT_THREADS);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;

    let (target, server, use_proxy) = match choice {
        EndpointChoice::File(t) => (t, None, true),
        EndpointChoice::Embedded { reboot, faults } => {
            let token = format!("ref-{}", uuid::Uuid::new_v4().simple());
            let config = ReferenceConfig {
                reboot,
                faults,
                token: token.clone(),
            };
            let server = rt
                .block_on(ReferenceServer::start(([127, 0, 0, 1], 0).into(), config))
                .map_err(RunError::Reference)?;
            let target = embedded_endpoint(&server, Secret::new(token));
            (target, Some(server), false)
        }
    };
    let options = HttpOptions {
        follow_redirects: settings.follow_redirects,
        rate: settings.rate,
        retry_budget: settings.polling.timeout,
    };
    let http = Http::new(
        target.token_source(),
        settings.request_timeout,
        settings.max_body,
        use_proxy,
        options,
    )?;
    let selected: BTreeSet<String> = cases
        .iter()
        .filter(|c| !is_filtered_out(&args, &c.name))
        .map(|c| c.api.clone())
        .collect();
    let unreachable = rt.block_on(preflight(&http, &target, &selected, args.quiet));
    let progress = if args.quiet || args.format.is_some() {
        Progress::Off
    } else if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        Progress::Terminal
    } else {
        Progress::Lines
    };
    let runner = Arc::new(Runner {
        http,
        target,
        polling: settings.polling,
        strict: settings.strict,
        unknown_id: uuid::Uuid::new_v4().to_string(),
        progress,
        unreachable,
    });

    let started_at = chrono::Utc::now();
    let start = Instant::now();
    let sink: Arc<Mutex<BTreeMap<usize, CaseReport>>> = Arc::default();
    let mut locks: BTreeMap<String, Arc<Mutex<()>>> = BTreeMap::new();
    let budget =
        settings.polling.timeout * 3 + settings.request_timeout * 6 + Duration::from_secs(10);
    let mut trials = Vec::with_capacity(cases.len());
    for (index, case) in cases.iter().cloned().enumerate() {
        let lock = case
            .touches_resource
            .then(|| case.resource_key(&runner.target))
            .flatten()
            .map(|k| locks.entry(k).or_default().clone());
        let (runner, sink, handle) = (runner.clone(), sink.clone(), rt.handle().clone());
        trials.push(Trial::ignorable_test(case.name.clone(), move || {
            let _guard = lock
                .as_ref()
                .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()));
            let report = handle
                .block_on(async { tokio::time::timeout(budget, runner.run_case(&case)).await })
                .unwrap_or_else(|_| timed_out(&case, budget));
            let result = trial_result(&report);
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(index, report);
            result
        }));
    }

    if let Some(hook) = on_interrupt {
        let (sink, runner, args, cases, digest) = (
            sink.clone(),
            runner.clone(),
            args.clone(),
            cases.clone(),
            specs.digest.clone(),
        );
        let strict = settings.strict;
        rt.spawn(async move {
            interrupted().await;
            let results = sink.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let mut report = build_report(
                &digest,
                &runner.target,
                &args,
                strict,
                started_at,
                start.elapsed(),
                results,
            );
            report.run.interrupted = true;
            let done: BTreeSet<&str> = report.cases.iter().map(|c| c.name.as_str()).collect();
            let missing: Vec<CaseReport> = cases
                .iter()
                .filter(|c| !done.contains(c.name.as_str()) && !is_filtered_out(&args, &c.name))
                .map(|c| not_run(c, "not run: the run was interrupted"))
                .collect();
            report.cases.extend(missing);
            report.summary = Summary::of(&report.cases);
            hook(&report);
        });
    }
    let conclusion = libtest_mimic::run(&args, trials);
    let results = std::mem::take(&mut *sink.lock().unwrap_or_else(|e| e.into_inner()));
    let report = build_report(
        &specs.digest,
        &runner.target,
        &args,
        settings.strict,
        started_at,
        start.elapsed(),
        results,
    );
    if let Some(server) = server {
        rt.block_on(server.shutdown());
    }
    Ok(RunResult {
        report: Some(report),
        conclusion,
    })
}

/// A target for a running reference server, labelled as embedded.
pub fn embedded_endpoint(server: &ReferenceServer, token: Secret) -> Endpoint {
    let apis = server
        .apis()
        .into_iter()
        .map(|a| {
            (
                a.api.to_owned(),
                ApiEndpoint {
                    base_url: a.base_url,
                    resources: vec![a.resource],
                    vars: a.vars,
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
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        match term {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
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

fn not_run(case: &Case, reason: &str) -> CaseReport {
    case::blank(case, CaseOutcome::Skipped, Some(reason.to_owned()))
}

/// One request per configured API before any case: an API that cannot be
/// reached (refused, DNS, TLS, timeout) gets one line on stderr and its
/// cases fail at once with that reason, instead of one timeout per case.
async fn preflight(
    http: &Http,
    target: &Endpoint,
    apis: &BTreeSet<String>,
    quiet: bool,
) -> BTreeMap<String, String> {
    let start = Instant::now();
    let mut out = BTreeMap::new();
    for (api, t) in target.apis.iter().filter(|(a, _)| apis.contains(*a)) {
        let probe = Outgoing {
            purpose: "reachability",
            method: "GET",
            url: &t.base_url,
            auth_header: None,
            content_type: None,
            body: None,
        };
        if let Err(e) = http.send(probe, start).await.received {
            let why = format!("{api} cannot be reached at {}: {e}", t.base_url);
            if !quiet {
                eprintln!("error: {why}");
            }
            out.insert(api.clone(), why);
        }
    }
    out
}

/// The plan as shell lines, one per case; nothing is sent.
pub fn dry_run(specs: &SpecSet, target: &Endpoint) -> Vec<(String, String)> {
    let unknown = "00000000-0000-4000-8000-000000000000";
    plan(specs)
        .into_iter()
        .map(|c| {
            let line = match c.url(target, unknown) {
                None => format!(
                    "# skipped: `{}` is not configured in the target file",
                    c.api
                ),
                Some(url) => {
                    let auth = c
                        .spec
                        .auth_header
                        .as_ref()
                        .filter(|_| c.request.send_token)
                        .map(|(h, _)| h.as_str());
                    let out = Outgoing {
                        purpose: "request",
                        method: &c.request.method,
                        url: &url,
                        auth_header: auth,
                        content_type: c.request.content_type.as_deref(),
                        body: c.request.body.as_deref(),
                    };
                    case::curl(&out, &target.token, &target.token_env)
                }
            };
            (c.name, line)
        })
        .collect()
}

fn trial_result(report: &CaseReport) -> Result<Completion, libtest_mimic::Failed> {
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

fn timed_out(case: &Case, budget: Duration) -> CaseReport {
    let reason = format!(
        "the case did not finish within {:.0} s",
        budget.as_secs_f64()
    );
    case::errored(case, reason, http::ms(budget))
}

fn build_report(
    spec_digest: &str,
    target: &Endpoint,
    args: &Arguments,
    strict: bool,
    started_at: chrono::DateTime<chrono::Utc>,
    duration: Duration,
    results: BTreeMap<usize, CaseReport>,
) -> Report {
    let cases: Vec<CaseReport> = results.into_values().collect();
    let mut filters: Vec<String> = args.filter.iter().cloned().collect();
    filters.extend(args.skip.iter().map(|s| format!("--skip {s}")));
    if args.exact {
        filters.push("--exact".into());
    }
    Report {
        format: REPORT_FORMAT,
        tool: ToolInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        run: RunInfo {
            started_at: started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            duration_ms: http::ms(duration),
            target: target.label.clone(),
            base_urls: target
                .apis
                .iter()
                .map(|(k, v)| (k.clone(), v.base_url.clone()))
                .collect(),
            spec_digest: spec_digest.to_owned(),
            strict,
            filters,
            interrupted: false,
            sign_in: target.sign_in_info(),
        },
        summary: Summary::of(&cases),
        cases,
    }
}

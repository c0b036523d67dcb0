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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Completion, Conclusion, Trial};

pub use case::outcome;
use http::Http;
pub use lifecycle::Polling;

use crate::plan::{Case, plan};
use crate::reference::{Fault, ReferenceConfig, ReferenceServer};
use crate::report::model::{
    CaseOutcome, CaseReport, CheckOutcome, REPORT_FORMAT, Report, RunInfo, Summary, ToolInfo,
};
use crate::spec::SpecSet;
use crate::target::{ApiTarget, Secret, Target};

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
}

/// Where the cases go.
pub enum TargetChoice {
    /// A checked target file.
    File(Target),
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
    target: Target,
    polling: Polling,
    strict: bool,
    /// The id used by unknown-resource cases, fresh for each run.
    unknown_id: String,
}

/// Runs every planned case that the libtest arguments select.
pub fn execute(
    specs: &SpecSet,
    choice: TargetChoice,
    settings: Settings,
    mut args: Arguments,
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
        TargetChoice::File(t) => (t, None, true),
        TargetChoice::Embedded { reboot, faults } => {
            let token = format!("ref-{}", uuid::Uuid::new_v4().simple());
            let config = ReferenceConfig {
                reboot,
                faults,
                token: token.clone(),
            };
            let server = rt
                .block_on(ReferenceServer::start(([127, 0, 0, 1], 0).into(), config))
                .map_err(RunError::Reference)?;
            let apis = server
                .apis()
                .into_iter()
                .map(|a| {
                    (
                        a.api.to_owned(),
                        ApiTarget {
                            base_url: a.base_url,
                            vars: a.vars,
                        },
                    )
                })
                .collect();
            let target = Target {
                label: "embedded reference server".into(),
                apis,
                token: Secret::new(token),
                token_env: "OS_AUTH_TOKEN".into(),
            };
            (target, Some(server), false)
        }
    };
    let http = Http::new(
        target.token.clone(),
        settings.request_timeout,
        settings.max_body,
        use_proxy,
    )?;
    let runner = Arc::new(Runner {
        http,
        target,
        polling: settings.polling,
        strict: settings.strict,
        unknown_id: uuid::Uuid::new_v4().to_string(),
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

    let conclusion = libtest_mimic::run(&args, trials);
    let results = std::mem::take(&mut *sink.lock().unwrap_or_else(|e| e.into_inner()));
    let report = build_report(
        specs,
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
    CaseReport {
        name: case.name.clone(),
        api: case.api.clone(),
        group: case.group.as_str().to_owned(),
        outcome: CaseOutcome::Errored,
        duration_ms: http::ms(budget),
        source: case.source.clone(),
        reason: Some(reason.clone()),
        checks: vec![crate::check::verdict(
            crate::check::CheckId::Transport,
            crate::report::model::Severity::Must,
            false,
            reason,
        )],
        exchanges: Vec::new(),
        lifecycle: Vec::new(),
        notes: Vec::new(),
        curl: None,
    }
}

fn build_report(
    specs: &SpecSet,
    target: &Target,
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
            spec_digest: specs.digest.clone(),
            strict,
            filters,
            interrupted: false,
        },
        summary: Summary::of(&cases),
        cases,
    }
}

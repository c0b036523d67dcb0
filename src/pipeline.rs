//! The whole suite in one function, stage by stage:
//!
//! ```text
//! SpecSet + EndpointChoice
//!   ──► run::Session::open      the endpoint (target file, or the embedded server)
//!   ──► plan::plan + plan::bind  Vec<Case>, each with its URLs and resource
//!   ──► Partition::select        this partition's resources, with all their cases
//!   ──► run::execute             CaseRun per case: exchanges, observations, no verdict
//!         └─ judge: check::judge + check::outcome ──► CaseReport
//!   ──► report::build            Report
//!   ──► report::write_all        report.json, junit.xml, report.html, summary.md
//! ```
//!
//! [`run_suite`] is that list; every stage is a module of its own, and none
//! of them imports a later one. This module is the only place that knows
//! them all.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use libtest_mimic::{Arguments, Conclusion};

use crate::check;
use crate::model::{CaseReport, CaseRun};
use crate::plan::{self, Case, Partition};
use crate::redact::Redactor;
use crate::report::{self, Report, RunMeta};
use crate::run::{self, EndpointChoice, Judge, Session, Settings};
use crate::spec::SpecSet;

/// Everything a suite run needs besides the specs and the endpoint.
pub struct SuiteOptions {
    pub settings: Settings,
    pub args: Arguments,
    pub partition: Option<Partition>,
    /// Where the four reports go; `None` writes nothing (in-process callers).
    pub report_dir: Option<PathBuf>,
    /// An earlier `report.json` to compare with at the top of the pages.
    pub baseline: Option<Report>,
    /// What else keeps a record of the run (history, metrics): called with the report of an
    /// interrupted run once its reports are written. A finished run's report is the caller's.
    pub keep: Option<KeepHook>,
}

/// Called with the report of an interrupted run, after its reports are written.
pub type KeepHook = Arc<dyn Fn(&Report) + Send + Sync>;

impl SuiteOptions {
    /// Options for an in-process run that writes no report.
    pub fn in_process(settings: Settings, args: Arguments) -> SuiteOptions {
        SuiteOptions {
            settings,
            args,
            partition: None,
            report_dir: None,
            baseline: None,
            keep: None,
        }
    }
}

/// What a suite run produced.
pub struct SuiteResult {
    /// `None` for `--list`, which runs nothing.
    pub report: Option<Report>,
    pub written: Vec<PathBuf>,
    pub conclusion: Conclusion,
}

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error(transparent)]
    Run(#[from] run::RunError),
    /// The run finished but its reports could not be written.
    #[error("cannot write the reports to {dir}")]
    Write {
        dir: PathBuf,
        #[source]
        source: report::ReportError,
    },
}

/// Runs the suite: plan, run, check, report, write.
pub fn run_suite(
    specs: &SpecSet,
    choice: EndpointChoice,
    opts: SuiteOptions,
) -> Result<SuiteResult, SuiteError> {
    let session = Session::open(choice)?;
    let cases = planned(specs, &session, opts.partition);
    if opts.args.list {
        let conclusion = run::list(&cases, &opts.args);
        session.close();
        return Ok(SuiteResult {
            report: None,
            written: Vec::new(),
            conclusion,
        });
    }
    let strict = opts.settings.strict;
    // Every report and every terminal line about a case goes through one
    // redactor that knows the run's secrets.
    let redactor = Redactor::new(session.endpoint().secrets());
    let judge: Judge = {
        let redactor = redactor.clone();
        Arc::new(move |case, observed| {
            let mut entry = judge_case(case, observed, strict);
            redactor.redact_case(&mut entry);
            entry
        })
    };
    let meta = run_meta(specs, &session, &opts);
    let on_interrupt = opts
        .report_dir
        .as_ref()
        .map(|dir| interrupt_hook(meta.clone(), dir, &opts, redactor.clone()));
    let executed = run::execute(
        &session,
        cases,
        &opts.settings,
        &opts.args,
        judge,
        on_interrupt,
    )?;
    session.close();
    let report = report::build(
        executed.cases,
        RunMeta {
            started_at: executed.started_at,
            duration: executed.duration,
            ..meta
        },
    );
    let written = match &opts.report_dir {
        Some(dir) => write(&report, dir, opts.baseline.as_ref(), &redactor)?,
        None => Vec::new(),
    };
    Ok(SuiteResult {
        report: Some(report),
        written,
        conclusion: executed.conclusion,
    })
}

/// The plan stage: every case of the specs, bound to the session's
/// endpoint, cut to the partition.
fn planned(specs: &SpecSet, session: &Session, partition: Option<Partition>) -> Vec<Case> {
    // A fresh id per run for the unknown-resource cases.
    let unknown_id = uuid::Uuid::new_v4().to_string();
    let cases = plan::bind(plan::plan(specs), session.endpoint(), &unknown_id);
    match partition {
        Some(p) => p.select(cases),
        None => cases,
    }
}

/// The check stage for one case, and its report entry.
pub fn judge_case(case: &Case, observed: CaseRun, strict: bool) -> CaseReport {
    let checks = check::judge(case, &observed);
    let outcome = check::outcome(&observed, &checks, strict);
    let reason = observed.skipped.clone().or_else(|| {
        observed
            .transport_error
            .clone()
            .or_else(|| observed.second.as_ref()?.as_ref().err().cloned())
    });
    let mut entry = CaseReport {
        name: case.name.clone(),
        api: case.api.clone(),
        group: case.group,
        outcome,
        duration_ms: observed.duration_ms,
        started_ms: observed.started_ms,
        source: case.source.clone(),
        reason,
        checks,
        exchanges: observed.exchanges,
        lifecycle: observed
            .before
            .into_iter()
            .chain(observed.watch.into_iter().flat_map(|w| w.observations))
            .collect(),
        notes: observed.notes,
        curl: observed.curl,
        resource: observed.resource,
        restart: None,
    };
    if let Some(lc) = &case.spec.lifecycle {
        entry.restart = report::timing::restart_timing(&entry, &lc.restarting, &lc.steady);
    }
    entry
}

fn run_meta(specs: &SpecSet, session: &Session, opts: &SuiteOptions) -> RunMeta {
    let args = &opts.args;
    let mut filters: Vec<String> = args.filter.iter().cloned().collect();
    filters.extend(args.skip.iter().map(|s| format!("--skip {s}")));
    if args.exact {
        filters.push("--exact".into());
    }
    if let Some(p) = opts.partition {
        filters.push(format!("--partition {p}"));
    }
    let endpoint = session.endpoint();
    RunMeta {
        started_at: chrono::Utc::now(),
        duration: std::time::Duration::ZERO,
        target: endpoint.label.clone(),
        base_urls: endpoint
            .apis
            .iter()
            .map(|(k, v)| (k.clone(), v.base_url.clone()))
            .collect(),
        spec_digest: specs.digest.clone(),
        strict: opts.settings.strict,
        filters,
        interrupted: false,
        sign_in: endpoint.sign_in_info(),
        poll_interval_ms: Some(
            u64::try_from(opts.settings.polling.interval.as_millis()).unwrap_or(u64::MAX),
        ),
    }
}

/// On SIGINT or SIGTERM: write what finished, the rest marked not run.
fn interrupt_hook(
    meta: RunMeta,
    dir: &Path,
    opts: &SuiteOptions,
    redactor: Redactor,
) -> run::InterruptHook {
    let (dir, baseline) = (dir.to_owned(), opts.baseline.clone());
    let keep = opts.keep.clone();
    let started = std::time::Instant::now();
    Box::new(move |cases| {
        let report = report::build(
            cases,
            RunMeta {
                duration: started.elapsed(),
                interrupted: true,
                ..meta.clone()
            },
        );
        match write(&report, &dir, baseline.as_ref(), &redactor) {
            Ok(_) => eprintln!(
                "\ninterrupted: reports of the finished cases are in {}",
                dir.display()
            ),
            Err(e) => eprintln!(
                "\ninterrupted: {}",
                redactor.redact_str(&crate::error_chain::one_line(&e))
            ),
        }
        if let Some(keep) = &keep {
            keep(&report);
        }
        // The trials are still blocked on cases that will not finish: end
        // here, with the code of a run that did not pass.
        std::process::exit(i32::from(crate::exit::TESTS_FAILED));
    })
}

fn write(
    report: &Report,
    dir: &Path,
    baseline: Option<&Report>,
    redactor: &Redactor,
) -> Result<Vec<PathBuf>, SuiteError> {
    report::write_all_with(report, dir, baseline, redactor).map_err(|source| SuiteError::Write {
        dir: dir.to_owned(),
        source,
    })
}

/// The plan as shell lines for `run --dry-run`; nothing is sent.
pub fn dry_run(
    specs: &SpecSet,
    choice: EndpointChoice,
    partition: Option<Partition>,
) -> Result<Vec<(String, String)>, SuiteError> {
    let session = Session::open(choice)?;
    let cases = planned(specs, &session, partition);
    let lines = run::dry_run(&cases, session.endpoint());
    session.close();
    Ok(lines)
}

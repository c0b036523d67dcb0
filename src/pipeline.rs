//! The whole suite in one function, stage by stage:
//!
//! ```text
//! SpecSet + EndpointChoice
//!   ──► report::lock             the report directory, for this run alone
//!   ──► run::Session::open      the endpoint (target file, or the embedded server)
//!   ──► plan::plan + plan::bind  Vec<Case>, each with its URLs and resource
//!   ──► Partition::select        this partition's resources, with all their cases
//!   ──► journal (resume)         the cases an interrupted run finished, left out
//!   ──► run::execute             CaseRun per case: exchanges, observations, no verdict
//!         └─ judge: check::judge + check::outcome ──► CaseReport
//!              └─ journal::append  each entry on disk as its case ends
//!   ──► report::build            Report
//!   ──► report::write_all        report.json, junit.xml, report.html, summary.md
//! ```
//!
//! [`run_suite`] is that list; every stage is a module of its own, and none
//! of them imports a later one. This module is the only place that knows
//! them all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use libtest_mimic::{Arguments, Conclusion};

use crate::check;
use crate::model::{CaseOutcome, CaseReport, CaseRun};
use crate::plan::{self, Case, Partition};
use crate::records::journal::{self as journal_read, JournalError};
use crate::redact::Redactor;
use crate::report::journal::{
    self, ApiVariables, EmbeddedSettings, Journal, JournalHeader, PlannedCase, RunSettings,
    Selection,
};
use crate::report::lock::{DirLock, LockError};
use crate::report::{self, Report, RunMeta};
use crate::run::{self, EndpointChoice, Hooks, Judge, Session, Settings};
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
    /// Continue the run whose journal is in `report_dir` (`run --resume`).
    pub resume: bool,
    /// `run --profile`: only these case ids run, and the report records the profiles.
    pub profiles: Option<ProfileSelection>,
}

/// The cases of the profiles a run was asked for, and what the report says about them.
#[derive(Debug, Clone)]
pub struct ProfileSelection {
    pub cases: std::collections::BTreeSet<String>,
    pub record: crate::model::ProfileRun,
}

impl SuiteOptions {
    /// Options for an in-process run that writes no report.
    pub fn in_process(settings: Settings, args: Arguments) -> SuiteOptions {
        SuiteOptions {
            settings,
            args,
            partition: None,
            report_dir: None,
            baseline: None,
            resume: false,
            profiles: None,
        }
    }
}

/// What a suite run produced.
pub struct SuiteResult {
    /// `None` for `--list`, which runs nothing. `run.interrupted` says that
    /// SIGINT or SIGTERM stopped the run (only when it writes reports): its
    /// reports hold what finished, the rest not run.
    pub report: Option<Report>,
    pub written: Vec<PathBuf>,
    pub conclusion: Conclusion,
}

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error(transparent)]
    Run(#[from] run::RunError),
    /// The journal cannot be started, or not resumed: nothing was sent.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The report directory is another run's, or cannot be locked: nothing was sent.
    #[error(transparent)]
    Lock(#[from] LockError),
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
    mut opts: SuiteOptions,
) -> Result<SuiteResult, SuiteError> {
    // One run per report directory, from before anything starts to after the last report.
    let lock = match &opts.report_dir {
        Some(dir) if !opts.args.list => {
            let lock = DirLock::acquire(dir, "run")?;
            if let Some(warning) = lock.take_over_warning() {
                eprintln!("{warning}");
            }
            Some(Arc::new(lock))
        }
        _ => None,
    };
    let identity = target_identity(&choice);
    let embedded = embedded_settings(&choice);
    let session = Session::open(choice)?;
    let mut cases = planned(specs, &session, opts.partition);
    if let Some(p) = &opts.profiles {
        cases.retain(|c| p.cases.contains(&c.name));
    }
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
    let mut meta = run_meta(specs, &session, &opts);
    let settings = run_settings(&opts.settings, embedded, &session, &redactor);
    let header = journal_header(
        &meta,
        (&redactor.redact_str(&identity), settings),
        &opts,
        &cases,
        &redactor,
    );
    // The selected cases in plan order, as the journal lists them.
    let order: Vec<String> = header.cases.iter().map(|c| c.name.clone()).collect();
    let (journal, recorded) = match opts.report_dir.clone() {
        Some(dir) => open_journal(&dir, header, &mut meta, &mut opts)?,
        None => (None, BTreeMap::new()),
    };
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| !recorded.contains_key(&c.name))
        .collect();
    let hooks = Hooks {
        // A run that writes reports writes them for an interrupted run too.
        stop_on_signal: opts.report_dir.is_some(),
        on_finished: journal.map(journal_hook),
        recorded: recorded.values().cloned().collect(),
    };
    let executed = run::execute(&session, cases, &opts.settings, &opts.args, judge, hooks)?;
    session.close();
    let report = report::build(
        in_plan_order(&order, executed.cases, &recorded),
        RunMeta {
            started_at: if meta.resumed_cases > 0 {
                meta.started_at
            } else {
                executed.started_at
            },
            duration: executed.duration + recorded_span(&recorded),
            interrupted: executed.interrupted,
            ..meta
        },
    );
    let written = match &opts.report_dir {
        Some(dir) => write(&report, dir, opts.baseline.as_ref(), &redactor)?,
        None => Vec::new(),
    };
    drop(lock);
    Ok(SuiteResult {
        report: Some(report),
        written,
        conclusion: executed.conclusion,
    })
}

/// What the cases go to, as the journal records it: a resumed run must go
/// to the same place. A target file is named by its absolute path, so that
/// `t.yaml` and `/work/t.yaml` are the same target; the embedded server's
/// faults and size are among the [`RunSettings`].
fn target_identity(choice: &EndpointChoice) -> String {
    match choice {
        EndpointChoice::File(e) => {
            let urls: Vec<String> = e
                .apis
                .iter()
                .map(|(api, t)| format!("{api}={}", t.base_url))
                .collect();
            let path = std::fs::canonicalize(&e.label)
                .map_or_else(|_| e.label.clone(), |p| p.display().to_string());
            format!("{path} ({})", urls.join(", "))
        }
        EndpointChoice::Embedded(_) => "embedded reference server".to_owned(),
    }
}

/// The embedded server's faults, size and restart time, when it is used.
fn embedded_settings(choice: &EndpointChoice) -> Option<EmbeddedSettings> {
    match choice {
        EndpointChoice::File(_) => None,
        EndpointChoice::Embedded(c) => Some(EmbeddedSettings {
            faults: c.faults.iter().map(|f| f.name().to_owned()).collect(),
            resources: c.resources,
            reboot_ms: millis(c.reboot),
        }),
    }
}

/// Every setting that changes a request or a verdict, as the journal
/// records it; what holds no secret still goes through the redactor.
fn run_settings(
    settings: &Settings,
    embedded: Option<EmbeddedSettings>,
    session: &Session,
    redactor: &Redactor,
) -> RunSettings {
    let endpoint = session.endpoint();
    let r = |v: &String| redactor.redact_str(v);
    // The embedded server's variables are its own, made afresh each time it starts.
    let variables = if session.is_embedded() {
        BTreeMap::new()
    } else {
        endpoint
            .apis
            .iter()
            .map(|(api, a)| {
                let vars = ApiVariables {
                    vars: a.vars.iter().map(|(k, v)| (k.clone(), r(v))).collect(),
                    resources: a.resources.iter().map(r).collect(),
                };
                (api.clone(), vars)
            })
            .collect()
    };
    RunSettings {
        strict: settings.strict,
        request_timeout_ms: millis(settings.request_timeout),
        lifecycle_timeout_ms: millis(settings.polling.timeout),
        restart_grace_ms: millis(settings.polling.grace),
        poll_interval_ms: millis(settings.polling.interval),
        max_body: settings.max_body,
        follow_redirects: settings.follow_redirects,
        dead_after: settings.dead_after,
        retries: settings.retries,
        embedded,
        variables,
        identity: endpoint
            .identity()
            .into_iter()
            .map(|(k, v)| (k, r(&v)))
            .collect(),
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The journal's first line for this run.
fn journal_header(
    meta: &RunMeta,
    (target_identity, settings): (&str, RunSettings),
    opts: &SuiteOptions,
    cases: &[Case],
    redactor: &Redactor,
) -> JournalHeader {
    // The header goes through the redactor as every case entry does.
    let mut shell = report::build(Vec::new(), meta.clone());
    redactor.redact_report(&mut shell);
    JournalHeader {
        journal: journal::JOURNAL_FORMAT,
        tool: shell.tool,
        run: shell.run,
        target_identity: target_identity.to_owned(),
        settings: Some(settings),
        selection: Selection {
            filter: opts.args.filter.clone(),
            skip: opts.args.skip.clone(),
            exact: opts.args.exact,
            partition: opts.partition.map(|p| p.to_string()),
        },
        cases: cases
            .iter()
            .filter(|c| run::is_selected(&opts.args, &c.name))
            .map(|c| PlannedCase::new(&c.name, &c.api, c.group, &c.source))
            .collect(),
    }
}

/// A new journal, or (`--resume`) the interrupted run's, checked against
/// this run, with the cases it finished.
fn open_journal(
    dir: &Path,
    header: JournalHeader,
    meta: &mut RunMeta,
    opts: &mut SuiteOptions,
) -> Result<(Option<Journal>, BTreeMap<String, CaseReport>), SuiteError> {
    if !opts.resume {
        let journal = Journal::create(dir, &header).map_err(JournalError::from)?;
        return Ok((Some(journal), BTreeMap::new()));
    }
    let read = journal_read::read(dir)?;
    let differences = journal::differences(&read.header, &header);
    if !differences.is_empty() {
        return Err(JournalError::Mismatch {
            path: read.path,
            differences,
        }
        .into());
    }
    for w in &read.warnings {
        eprintln!("warning: {w}");
    }
    let started = read.header.run.started_at.clone();
    let mut recorded = read.cases;
    recorded.retain(|name, _| header.cases.iter().any(|c| &c.name == name));
    // The resumed run is the interrupted one, continued.
    meta.run_id = read.header.run.run_id.clone();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&started) {
        meta.started_at = t.with_timezone(&chrono::Utc);
    }
    meta.resumed_cases = recorded.len();
    opts.settings.settle_first = true;
    let journal =
        Journal::reopen(dir, &read.header, recorded.values()).map_err(JournalError::from)?;
    let to_run = header.cases.len() - recorded.len();
    if to_run == 0 && !recorded.is_empty() {
        // Said under -q too: a run that sends nothing must say why.
        eprintln!(
            "resuming: all {} cases are in the journal: the run had finished, nothing is sent; the reports are written again from the journal",
            recorded.len()
        );
    } else if !opts.args.quiet {
        eprintln!(
            "resuming: {} of {} cases are in the journal and are not sent again; {to_run} to run",
            recorded.len(),
            header.cases.len(),
        );
    }
    for case in recorded.values_mut() {
        case.from_journal = true;
        case.notes.push(format!(
            "from the journal: finished in the interrupted run started {started}, not sent again"
        ));
    }
    Ok((Some(journal), recorded))
}

/// Appends each finished case to the journal; a failed write is said once
/// and the run goes on (the reports at the end still hold every case).
fn journal_hook(journal: Journal) -> run::FinishedHook {
    let warned = AtomicBool::new(false);
    Arc::new(move |case| {
        if let Err(e) = journal.append(case)
            && !warned.swap(true, Ordering::Relaxed)
        {
            eprintln!(
                "warning: {}; the run goes on, but a killed run cannot be resumed",
                crate::error_chain::one_line(&e)
            );
        }
    })
}

/// The run's entries in plan order: those that ran now and those from the
/// journal.
fn in_plan_order(
    order: &[String],
    executed: Vec<CaseReport>,
    recorded: &BTreeMap<String, CaseReport>,
) -> Vec<CaseReport> {
    if recorded.is_empty() {
        return executed;
    }
    let mut now: BTreeMap<String, CaseReport> =
        executed.into_iter().map(|c| (c.name.clone(), c)).collect();
    order
        .iter()
        .filter_map(|n| now.remove(n).or_else(|| recorded.get(n).cloned()))
        .collect()
}

/// How long the interrupted run spent on the cases it finished.
fn recorded_span(recorded: &BTreeMap<String, CaseReport>) -> std::time::Duration {
    let ms = recorded
        .values()
        .map(|c| c.started_ms.saturating_add(c.duration_ms))
        .max()
        .unwrap_or(0);
    std::time::Duration::from_millis(ms)
}

/// The plan stage: every case of the specs, bound to the session's
/// endpoint, cut to the partition.
fn planned(specs: &SpecSet, session: &Session, partition: Option<Partition>) -> Vec<Case> {
    // A fresh id per run for the unknown-resource cases.
    let unknown_id = uuid::Uuid::new_v4().to_string();
    let endpoint = session.endpoint();
    let signed = |api: &str| endpoint.apis.get(api).is_some_and(|a| a.signer.is_some());
    let cases = plan::bind(plan::plan_with(specs, &signed), endpoint, &unknown_id);
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
        from_journal: false,
        restart: None,
        flaky: outcome == CaseOutcome::Passed && !observed.retries.lost.is_empty(),
        retries: observed.retries,
        rode_on: observed.rode_on,
        restarts: observed.restarts,
    };
    if let Some(lc) = &case.spec.lifecycle {
        entry.restart = report::timing::restart_timing(&entry, &lc.restarting, &lc.steady);
    }
    entry
}

/// A run's case selection as `report.json` records it (`run.filters`): the libtest filter,
/// `--skip VALUE`, `--exact` and `--partition KIND:M/N`.
pub fn filters_of(args: &Arguments, partition: Option<Partition>) -> Vec<String> {
    let mut filters: Vec<String> = args.filter.iter().cloned().collect();
    filters.extend(args.skip.iter().map(|s| format!("--skip {s}")));
    if args.exact {
        filters.push("--exact".into());
    }
    if let Some(p) = partition {
        filters.push(format!("--partition {p}"));
    }
    filters
}

fn run_meta(specs: &SpecSet, session: &Session, opts: &SuiteOptions) -> RunMeta {
    let filters = filters_of(&opts.args, opts.partition);
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
        signing: endpoint.signing_info(),
        poll_interval_ms: Some(
            u64::try_from(opts.settings.polling.interval.as_millis()).unwrap_or(u64::MAX),
        ),
        run_id: uuid::Uuid::new_v4().to_string(),
        resumed_cases: 0,
        tls: endpoint.tls_info(),
        profile_run: opts.profiles.as_ref().map(|p| p.record.clone()),
    }
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

/// What `run --dry-run` prints: the cost of the plan, then its cases as shell lines.
pub struct DryRun {
    /// Restarts per resource and, with restart times, the estimated length.
    pub cost: Vec<String>,
    /// Per case, its id and a shell line that repeats its request.
    pub lines: Vec<(String, String)>,
}

/// The plan as shell lines for `run --dry-run`: the cases a run with the
/// same partition, filter, `--exact`, `--skip` and profiles would send, and
/// what they will cost; nothing is sent.
pub fn dry_run(
    specs: &SpecSet,
    choice: EndpointChoice,
    partition: Option<Partition>,
    args: &Arguments,
    profiles: Option<&ProfileSelection>,
    times: Option<&plan::RestartTimes>,
) -> Result<DryRun, SuiteError> {
    let session = Session::open(choice)?;
    let cases: Vec<Case> = planned(specs, &session, partition)
        .into_iter()
        .filter(|c| run::is_selected(args, &c.name))
        .filter(|c| profiles.is_none_or(|p| p.cases.contains(&c.name)))
        .collect();
    let lines = run::dry_run(&cases, session.endpoint());
    session.close();
    Ok(DryRun {
        cost: plan::describe_cost(&cases, times),
        lines,
    })
}

/// Restart times per API from a history file (the median time to steady of its restarts),
/// for the estimate a run starts with; `None` without a readable history file.
pub fn restart_times(
    history: &crate::records::history::History,
    path: &Path,
) -> Option<plan::RestartTimes> {
    // A history that is not there yet holds nothing to estimate from.
    if !path.exists() {
        return None;
    }
    let runs = &history.runs;
    let mut per_api: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for case in runs.iter().flat_map(|r| &r.cases) {
        if let Some([_, by]) = case.to_steady_ms {
            per_api.entry(case.api().to_owned()).or_default().push(by);
        }
    }
    Some(plan::RestartTimes {
        source: path.display().to_string(),
        per_api: per_api
            .into_iter()
            .map(|(api, mut ms)| {
                ms.sort_unstable();
                let median = ms.get(ms.len() / 2).copied().unwrap_or(0);
                (api, std::time::Duration::from_millis(median))
            })
            .collect(),
    })
}

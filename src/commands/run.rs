//! `run`: the suite against a target file or the embedded server, then the records.

use std::io::Write;

use super::{
    Failure, Outcome, check_records, config, config_msg, follow_aliases, keep_records, load_specs,
    write_error,
};
use crate::config::{RunConfig, TargetConfig};
use crate::error_chain::one_line;
use crate::exit;
use crate::pipeline::{self, ProfileSelection, SuiteError, SuiteOptions};
use crate::profile::{self, Profile};
use crate::redact::Redactor;
use crate::report;
use crate::run::EndpointChoice;
use crate::{endpoint, spec};

/// `run`: exit 0 when every must-check passed, 1 when a case failed or the run was
/// interrupted, 2 when the configuration is refused (nothing sent).
pub fn run(cfg: RunConfig) -> Outcome {
    // Secrets are known once the target is resolved; every line printed after goes through
    // the run's own redactor, errors included.
    let mut redactor = Redactor::default();
    run_with(cfg, &mut redactor).map_err(|f| f.redacted(&redactor))
}

fn run_with(mut cfg: RunConfig, redactor: &mut Redactor) -> Outcome {
    // One read of --history: a run refuses a file that is no history before anything is sent
    // (a sign-in included); a dry run writes no history, so it only reads what it can.
    let history = if cfg.dry_run {
        cfg.records
            .history
            .as_deref()
            .and_then(|p| crate::records::history::read(p).ok())
    } else {
        check_records(&cfg.records)?
    };
    // The restart times the history holds, for the estimate of the run's length.
    cfg.settings.restart_times = history
        .as_ref()
        .zip(cfg.records.history.as_deref())
        .and_then(|(h, path)| pipeline::restart_times(h, path));
    let specs = load_specs(cfg.specs.as_deref())?;
    let baseline = match &cfg.baseline {
        Some(p) => Some(follow_aliases(report::json::load(p).map_err(config)?)),
        None => None,
    };
    // Checked before the endpoint: a sign-in is a request too.
    let chosen = profiles_for_run(&cfg, &specs)?;
    let choice = endpoint_choice(&cfg, &specs, redactor)?;
    let profiles = chosen
        .map(|p| profile_selection(&p, &cfg, &choice, redactor))
        .transpose()?;
    if cfg.dry_run {
        return dry_run(&specs, choice, &cfg, profiles.as_ref());
    }
    let report_dir = cfg.report_dir.clone();
    let options = SuiteOptions {
        settings: cfg.settings,
        args: cfg.libtest,
        partition: cfg.partition,
        report_dir: Some(cfg.report_dir),
        baseline,
        resume: cfg.resume,
        profiles,
    };
    let result =
        pipeline::run_suite(&specs, choice, options).map_err(|e| suite_failure(e, &report_dir))?;
    let Some(rep) = result.report else {
        return Ok(exit::SUCCESS);
    };
    if rep.run.interrupted {
        eprintln!(
            "\ninterrupted: reports of the finished cases are in {}",
            report_dir.display()
        );
    } else {
        let names: Vec<String> = result
            .written
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        eprintln!("reports: {}", names.join(", "));
    }
    if let Some(line) = flaky_line(&rep) {
        eprintln!("{line}");
    }
    // Said again at the end, where a long run's first lines have scrolled away.
    if let Some(tls) = rep.run.tls.as_ref().filter(|t| !t.not_verified.is_empty()) {
        eprintln!(
            "warning: TLS certificates were NOT verified for {}",
            tls.not_verified.join(", ")
        );
    }
    // An interrupted run is recorded too (a resumed run replaces its line).
    keep_records(&rep, &cfg.records, redactor)?;
    let failed = result.conclusion.has_failed() || rep.summary.failed > 0 || rep.run.interrupted;
    Ok(if failed {
        exit::TESTS_FAILED
    } else {
        exit::SUCCESS
    })
}

/// The cases that passed only after a lost request was tried again, said where the libtest
/// lines (which show them as plain passes) end.
fn flaky_line(rep: &crate::model::Report) -> Option<String> {
    let flaky: Vec<&str> = rep
        .cases
        .iter()
        .filter(|c| c.flaky)
        .map(|c| c.name.as_str())
        .collect();
    (!flaky.is_empty()).then(|| {
        format!(
            "flaky: {} passed only after a request that got no answer was tried again: {} (what was lost: summary.md, or `retries` in report.json)",
            match flaky.len() {
                1 => "1 case".to_owned(),
                n => format!("{n} cases"),
            },
            flaky.join(", ")
        )
    })
}

/// What the pipeline's error means to the person running it.
fn suite_failure(e: SuiteError, report_dir: &std::path::Path) -> Failure {
    use crate::records::journal::JournalError;
    use crate::report::lock::LockError;
    match e {
        SuiteError::Write { dir, source } => Failure::write(&dir, &source),
        // The journal is started before any case is sent: a report directory that cannot be
        // written is found then, and nothing was sent.
        SuiteError::Journal(JournalError::Report(error)) => config_msg(format!(
            "{}\n  = help: nothing was sent; give a --report-dir that can be written",
            write_error(report_dir, &error)
        )),
        SuiteError::Journal(e) => config(e),
        SuiteError::Lock(e @ LockError::Io { .. }) => config_msg(format!(
            "error: cannot write reports to {}: {}\n  = help: nothing was sent; give a --report-dir that can be written",
            report_dir.display(),
            one_line(&e)
        )),
        SuiteError::Lock(e) => config(e),
        other => Failure::from(other),
    }
}

/// The endpoint: the embedded server, or the target file read and resolved against the specs.
fn endpoint_choice(
    cfg: &RunConfig,
    specs: &spec::SpecSet,
    redactor: &mut Redactor,
) -> Result<EndpointChoice, Failure> {
    let (path, token_env, cloud, region, insecure) = match &cfg.target {
        TargetConfig::Embedded {
            reboot,
            faults,
            resources,
        } => {
            return Ok(EndpointChoice::embedded(
                *reboot,
                faults.clone(),
                *resources,
            ));
        }
        TargetConfig::File {
            path,
            token_env,
            cloud,
            region,
            insecure,
        } => (path, token_env, cloud, region, *insecure),
    };
    let parsed = endpoint::load_file(path).map_err(config)?;
    let options = endpoint::ResolveOptions {
        token_env: token_env.as_deref(),
        cloud: cloud.as_deref(),
        require_token: cfg.sends_requests(),
        env: &endpoint::cloud::process_env,
        region: region.as_deref(),
        insecure,
    };
    let t = endpoint::resolve_with(parsed, specs, &options).map_err(config)?;
    *redactor = Redactor::new(t.secrets());
    // Not verifying certificates is allowed, never silent: even under -q.
    if let Some(tls) = t.tls_info()
        && !tls.not_verified.is_empty()
    {
        eprintln!(
            "warning: TLS certificates are NOT verified for {} ({}): anyone on the path can read the token and answer in the target's place",
            tls.not_verified.join(", "),
            tls.not_verified_by.join(", ")
        );
    }
    if !t.is_loopback() && cfg.sends_requests() {
        eprintln!(
            "note: {} is not on this machine: this run restarts real resources ({}).",
            t.label,
            t.apis.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(EndpointChoice::File(t))
}

/// `run --dry-run`: the plan as curl lines; nothing is sent.
fn dry_run(
    specs: &spec::SpecSet,
    choice: EndpointChoice,
    cfg: &RunConfig,
    profiles: Option<&ProfileSelection>,
) -> Outcome {
    let mut out = std::io::stdout().lock();
    if let EndpointChoice::File(t) = &choice
        && let Some(line) = t.sign_in_curl()
    {
        writeln!(
            out,
            "# sign-in (its X-Subject-Token header is the token; the base URLs come from its catalog)\n{line}"
        )?;
    }
    let plan = pipeline::dry_run(
        specs,
        choice,
        cfg.partition,
        &cfg.libtest,
        profiles,
        cfg.settings.restart_times.as_ref(),
    )?;
    for line in plan.cost {
        writeln!(out, "## {line}")?;
    }
    for (name, line) in plan.lines {
        writeln!(out, "# {name}\n{line}")?;
    }
    Ok(exit::SUCCESS)
}

/// `run --profile`: the profiles named, once the run's settings are known to keep within
/// their caps (exit 2 otherwise, before anything is sent, the sign-in included).
fn profiles_for_run(
    cfg: &RunConfig,
    specs: &spec::SpecSet,
) -> Result<Option<Vec<Profile>>, Failure> {
    if cfg.profiles.is_empty() {
        return Ok(None);
    }
    let set = profile::load_builtin().map_err(config)?;
    let chosen: Vec<Profile> = set
        .select(&cfg.profiles)
        .map_err(config)?
        .into_iter()
        .cloned()
        .collect();
    let filters = pipeline::filters_of(&cfg.libtest, cfg.partition);
    // --insecure is known now; a target file's `verify: false` once it is read.
    let insecure = matches!(cfg.target, TargetConfig::File { insecure: true, .. });
    let (hosts, by) = if insecure {
        (
            vec!["every host of the target".to_owned()],
            vec!["--insecure".to_owned()],
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let refs: Vec<&Profile> = chosen.iter().collect();
    let violations = profile::violations(
        &refs,
        &profile::Facts {
            settings: &cfg.record,
            filters: &filters,
            tls_not_verified: &hosts,
            tls_not_verified_by: &by,
            spec_digest: &specs.digest,
        },
    );
    outside_caps(&violations)?;
    Ok(Some(chosen))
}

/// The exit-2 error for settings outside the caps, one line per departure.
fn outside_caps(violations: &[String]) -> Result<(), Failure> {
    if violations.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = violations.iter().map(|v| format!("  - {v}")).collect();
    Err(config_msg(format!(
        "error: this run is outside the caps of its profiles; nothing was sent\n{}\n  = help: change the settings above, or run without --profile (such a run certifies nothing)",
        lines.join("\n")
    )))
}

/// The cases the profiles select and what the report records of them; a target file whose
/// TLS is not verified is refused here (exit 2, no case sent).
fn profile_selection(
    chosen: &[Profile],
    cfg: &RunConfig,
    choice: &EndpointChoice,
    redactor: &Redactor,
) -> Result<ProfileSelection, Failure> {
    let refs: Vec<&Profile> = chosen.iter().collect();
    if let EndpointChoice::File(t) = choice
        && let Some(tls) = t.tls_info()
        && !tls.not_verified.is_empty()
    {
        let violations = profile::violations(
            &refs,
            &profile::Facts {
                settings: &cfg.record,
                filters: &[],
                tls_not_verified: &tls.not_verified,
                tls_not_verified_by: &tls.not_verified_by,
                spec_digest: &refs
                    .first()
                    .map(|p| p.spec_digest.clone())
                    .unwrap_or_default(),
            },
        );
        outside_caps(&violations)?;
    }
    let argv: Vec<String> = std::env::args().collect();
    let line = shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| argv.join(" "));
    Ok(ProfileSelection {
        cases: chosen.iter().flat_map(Profile::case_ids).collect(),
        record: crate::model::ProfileRun {
            profiles: chosen
                .iter()
                .map(|p| crate::model::ProfileRef {
                    name: p.name.clone(),
                    sha256: p.sha256.clone(),
                })
                .collect(),
            settings: cfg.record.clone(),
            command_lines: vec![redactor.redact_str(&line)],
        },
    })
}

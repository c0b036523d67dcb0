//! The binary: parse the command line, call one function per subcommand,
//! turn the outcome into an exit code (`exit.rs`).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

use clap::Parser;
use restart_conformance::cli::{
    Cli, Command, ProfilesCommand, RecordArgs, ReportCommand, RunArgs, ServeArgs, SpecsCommand,
};
use restart_conformance::error_chain::one_line;
use restart_conformance::exit;
use restart_conformance::pipeline::{self, SuiteError, SuiteOptions};
use restart_conformance::plan::Partition;
use restart_conformance::redact::Redactor;
use restart_conformance::reference::{
    Banner, ClientCa, DEFAULT_RESOURCES, Fault, IdentityConfig, ReferenceConfig, ReferenceServer,
    TlsOptions,
};
use restart_conformance::run::{EndpointChoice, Polling, Settings};
use restart_conformance::{endpoint, report, spec};

/// An error that is the user's to fix: printed as is, exit 2, nothing sent.
struct ConfigError(String);

/// Masks the run's secrets in every line this file prints; set once the token is known.
static REDACTOR: OnceLock<Redactor> = OnceLock::new();

fn redact(text: &str) -> String {
    match REDACTOR.get() {
        Some(r) => r.redact_str(text),
        None => Redactor::default().redact_str(text),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd_run(*args),
        Command::Serve(args) => cmd_serve(args),
        Command::Specs {
            command: SpecsCommand::Check { dir },
        } => cmd_specs_check(dir),
        Command::Specs {
            command: SpecsCommand::Export { openapi, specs },
        } => cmd_specs_export(&openapi, specs.as_deref()),
        Command::Specs {
            command:
                SpecsCommand::Draft {
                    doc,
                    api,
                    out,
                    parameters,
                },
        } => cmd_specs_draft(&doc, api, &out, parameters),
        Command::Report {
            command: ReportCommand::Diff { old, new },
        } => cmd_report_diff(&old, &new),
        Command::Report {
            command:
                ReportCommand::Merge {
                    report_dir,
                    reports,
                    records,
                },
        } => cmd_report_merge(&report_dir, &reports, &records),
        Command::Report {
            command:
                ReportCommand::History {
                    file,
                    report_dir,
                    window,
                },
        } => cmd_report_history(&file, &report_dir, window),
        Command::Report {
            command: ReportCommand::Rebuild { dir, records },
        } => cmd_report_rebuild(&dir, &records),
        Command::Completions { shell } => cmd_completions(shell),
        Command::Man { out_dir } => cmd_man(out_dir.as_deref()),
        Command::Profiles {
            command: ProfilesCommand::List,
        } => cmd_profiles_list(),
        Command::Profiles {
            command: ProfilesCommand::Show { name },
        } => cmd_profiles_show(&name),
        Command::Report {
            command:
                ReportCommand::Bundle {
                    report_dir,
                    product,
                    out,
                    sign,
                    history,
                    window,
                },
        } => cmd_report_bundle(report_dir, product, out, sign, history, &window),
        Command::Verify(args) => cmd_verify(&args.bundle, args.allowed_signers.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Config(ConfigError(msg))) => {
            eprintln!("{}", redact(&msg));
            ExitCode::from(exit::CONFIG_ERROR)
        }
        // The run happened and its verdict is lost with the reports: that fails the run.
        Err(Failure::Write { dir, error }) => {
            eprintln!("{}", redact(&write_error(&dir, &error)));
            ExitCode::from(exit::TESTS_FAILED)
        }
        // A reader that stopped early (`| head`) is not an error of ours.
        Err(Failure::Other(e))
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::from(exit::SUCCESS)
        }
        Err(Failure::Other(e)) => {
            eprintln!("{}", redact(&format!("error: {e:#}")));
            ExitCode::from(exit::TESTS_FAILED)
        }
    }
}

enum Failure {
    Config(ConfigError),
    /// The reports could not be written: an environment error (disk full, no permission).
    Write {
        dir: PathBuf,
        error: report::ReportError,
    },
    Other(anyhow::Error),
}

/// A configuration error, with every cause in its chain: a loader's "failed to load report
/// old.json" keeps the line and column its source knows.
fn config(e: impl std::error::Error) -> Failure {
    let text = one_line(&e);
    let text = if text.starts_with("error") {
        text
    } else {
        format!("error: {text}")
    };
    Failure::Config(ConfigError(text))
}

/// A configuration error given as a message.
fn config_msg(msg: impl std::fmt::Display) -> Failure {
    Failure::Config(ConfigError(msg.to_string()))
}

/// `error: cannot write reports to DIR: <cause>`.
fn write_error(dir: &Path, error: &report::ReportError) -> String {
    format!(
        "error: cannot write reports to {}: {}",
        dir.display(),
        one_line(error)
    )
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure::Other(e.into())
    }
}

fn load_specs(dir: Option<&std::path::Path>) -> Result<spec::SpecSet, Failure> {
    match dir {
        Some(d) => spec::load_dir(d),
        None => spec::load_builtin(),
    }
    .map_err(config)
}

fn parse_faults(names: &[String]) -> Result<BTreeSet<Fault>, Failure> {
    names
        .iter()
        .map(|n| n.parse::<Fault>().map_err(config_msg))
        .collect()
}

fn cmd_run(args: RunArgs) -> Result<u8, Failure> {
    let specs = load_specs(args.specs.as_deref())?;
    let baseline = match &args.baseline {
        Some(p) => Some(follow_aliases(report::json::load(p).map_err(config)?)),
        None => None,
    };
    let settings = run_settings(&args);
    // Checked before the endpoint: a sign-in is a request too.
    let chosen = profiles_for_run(&args, &settings, &specs)?;
    let choice = endpoint_choice(&args, &specs)?;
    let profiles = chosen
        .map(|p| profile_selection(&p, &args, &settings, &choice))
        .transpose()?;
    if args.dry_run {
        return dry_run(
            &specs,
            choice,
            args.partition,
            &args.libtest,
            profiles.as_ref(),
            settings.restart_times.as_ref(),
        );
    }
    check_records(&args.records)?;
    let report_dir = args.report_dir.clone();
    let options = SuiteOptions {
        settings,
        args: args.libtest,
        partition: args.partition,
        report_dir: Some(args.report_dir),
        baseline,
        resume: args.resume,
        profiles,
    };
    let result = pipeline::run_suite(&specs, choice, options).map_err(|e| match e {
        SuiteError::Write { dir, source } => Failure::Write { dir, error: source },
        // The journal is started before any case is sent: a report directory that cannot be
        // written is found then, and nothing was sent.
        SuiteError::Journal(report::journal::JournalError::Report(error)) => config_msg(format!(
            "{}\n  = help: nothing was sent; give a --report-dir that can be written",
            write_error(&report_dir, &error)
        )),
        SuiteError::Journal(e) => config(e),
        SuiteError::Lock(e @ report::lock::LockError::Io { .. }) => config_msg(format!(
            "error: cannot write reports to {}: {}\n  = help: nothing was sent; give a --report-dir that can be written",
            report_dir.display(),
            one_line(&e)
        )),
        SuiteError::Lock(e) => config(e),
        other => Failure::from(other),
    })?;
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
    // Said again at the end, where a long run's first lines have scrolled away.
    if let Some(tls) = rep.run.tls.as_ref().filter(|t| !t.not_verified.is_empty()) {
        eprintln!(
            "warning: TLS certificates were NOT verified for {}",
            tls.not_verified.join(", ")
        );
    }
    // An interrupted run is recorded too (a resumed run replaces its line).
    keep_records(&rep, &args.records)?;
    let failed = result.conclusion.has_failed() || rep.summary.failed > 0 || rep.run.interrupted;
    Ok(if failed {
        exit::TESTS_FAILED
    } else {
        exit::SUCCESS
    })
}

/// `run`'s endpoint: the target file, resolved against the specs, or the
/// embedded server; flags that apply to the other one are refused.
fn endpoint_choice(args: &RunArgs, specs: &spec::SpecSet) -> Result<EndpointChoice, Failure> {
    let Some(path) = &args.target else {
        if args.region.is_some() || args.insecure {
            return Err(config_msg(
                "error: --region and --insecure apply to a target (--target FILE); the embedded reference server is plain HTTP on this machine",
            ));
        }
        if args.cloud.is_some() {
            return Err(config_msg(
                "error: --cloud needs --target: the target file names the resources to restart\n  = help: write `apis: { ecs: { vars: { server_id: \"…\" } } }` in a file and pass --target FILE",
            ));
        }
        return Ok(EndpointChoice::embedded(
            args.reboot_seconds,
            parse_faults(&args.fault)?,
            args.resources.unwrap_or(DEFAULT_RESOURCES),
        ));
    };
    if !args.fault.is_empty() {
        return Err(config_msg(
            "error: --fault applies to the embedded reference server only; drop --target or --fault",
        ));
    }
    if args.resources.is_some() {
        return Err(config_msg(
            "error: --resources applies to the embedded reference server only; list several ids in the target file's resource variable instead",
        ));
    }
    let parsed = endpoint::load_file(path).map_err(config)?;
    let options = endpoint::ResolveOptions {
        token_env: args.token_env.as_deref(),
        cloud: args.cloud.as_deref(),
        require_token: !args.dry_run && !args.libtest.list,
        env: &endpoint::cloud::process_env,
        region: args.region.as_deref(),
        insecure: args.insecure,
    };
    let t = endpoint::resolve_with(parsed, specs, &options).map_err(config)?;
    let _ = REDACTOR.set(Redactor::new(t.secrets()));
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
    if !t.is_loopback() && !args.libtest.list && !args.dry_run {
        eprintln!(
            "note: {} is not on this machine: this run restarts real resources ({}).",
            t.label,
            t.apis.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(EndpointChoice::File(t))
}

/// `run`'s timing and transport settings, with defaults for the endpoint kind.
fn run_settings(args: &RunArgs) -> Settings {
    // Real clouds are polled every 2 s and may take a while to leave the
    // steady state; the embedded server restarts in a fraction of a second.
    let (poll, grace) = if args.target.is_none() {
        (Duration::from_millis(20), Duration::from_secs(1))
    } else {
        (Duration::from_secs(2), Duration::from_secs(60))
    };
    let mut settings = Settings::new(Polling {
        interval: args.poll_interval.unwrap_or(poll),
        timeout: args.lifecycle_timeout,
        grace: args.restart_grace.unwrap_or(grace),
    });
    settings.strict = args.strict;
    settings.request_timeout = args.request_timeout;
    settings.max_body = args.max_body;
    settings.follow_redirects = args.follow_redirects;
    settings.rate = args.rate;
    settings.dead_after = args.dead_after;
    settings.retries = args.retries;
    settings.restart_times = pipeline::restart_times(args.records.history.as_deref());
    settings
}

/// `run --dry-run`: the plan as curl lines; nothing is sent.
fn dry_run(
    specs: &spec::SpecSet,
    choice: EndpointChoice,
    partition: Option<Partition>,
    selection: &libtest_mimic::Arguments,
    profiles: Option<&pipeline::ProfileSelection>,
    times: Option<&restart_conformance::plan::RestartTimes>,
) -> Result<u8, Failure> {
    let mut out = std::io::stdout().lock();
    if let EndpointChoice::File(t) = &choice
        && let Some(line) = t.sign_in_curl()
    {
        writeln!(
            out,
            "# sign-in (its X-Subject-Token header is the token; the base URLs come from its catalog)\n{line}"
        )?;
    }
    let plan = pipeline::dry_run(specs, choice, partition, selection, profiles, times)?;
    for line in plan.cost {
        writeln!(out, "## {line}")?;
    }
    for (name, line) in plan.lines {
        writeln!(out, "# {name}\n{line}")?;
    }
    Ok(exit::SUCCESS)
}

fn cmd_serve(args: ServeArgs) -> Result<u8, Failure> {
    if args.fault.iter().any(|f| f == "list") {
        let mut out = std::io::stdout().lock();
        for f in Fault::ALL {
            writeln!(out, "{:28} {}", f.name(), f.description())?;
        }
        return Ok(exit::SUCCESS);
    }
    let faults = parse_faults(&args.fault)?;
    if let Some(f) = faults
        .iter()
        .find(|f| args.tls && matches!(f, Fault::HugeBody | Fault::DropRequests | Fault::DropPolls))
    {
        return Err(config_msg(format!(
            "error: --fault {f} cannot be served with --tls (its raw-TCP front speaks plain HTTP); drop one of the two",
        )));
    }
    if let Some(Some(ca)) = &args.client_ca {
        let holds_cert = std::fs::read_to_string(ca)
            .is_ok_and(|pem| pem.contains("-----BEGIN CERTIFICATE-----"));
        if !holds_cert {
            return Err(config_msg(format!(
                "error: --client-ca {} is not a readable PEM file with a certificate\n  = help: give the CA that signs the client certificates, or --client-ca alone to have one minted",
                ca.display()
            )));
        }
    }
    let token = std::env::var(&args.token_env)
        .ok()
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(config_msg(format!(
            "error: the token variable `{0}` is not set\n  = help: export {0}=<any value>; the server accepts only that token",
            args.token_env
        )));
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let config = ReferenceConfig {
            reboot: args.reboot_seconds,
            faults,
            token,
            resources: args.resources,
        };
        let server = match serve_tls_options(&args) {
            None => ReferenceServer::start(args.listen, config).await?,
            Some(opts) => {
                let identity = IdentityConfig::new(&config.token);
                ReferenceServer::start_tls(args.listen, config, identity, &opts)
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!("failed to set up TLS in {}: {e}", opts.dir.display())
                    })?
            }
        };
        let banner = server.banner(&Banner {
            token_env: &args.token_env,
            reboot: args.reboot_seconds,
            client_ca: args.client_ca.as_ref().and_then(Option::as_deref),
        });
        let mut out = std::io::stdout().lock();
        out.write_all(banner.as_bytes())?;
        out.flush()?;
        drop(out);
        tokio::signal::ctrl_c().await?;
        server.shutdown().await;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(exit::SUCCESS)
}

/// `serve --tls`: where the throw-away CA goes and which client certificates are required.
fn serve_tls_options(args: &ServeArgs) -> Option<TlsOptions> {
    if !args.tls {
        return None;
    }
    let dir = args.tls_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "restart-conformance-tls-{}",
            uuid::Uuid::new_v4().simple()
        ))
    });
    let mut opts = TlsOptions::in_dir(dir);
    opts.client_ca = args.client_ca.as_ref().map(|f| match f {
        Some(path) => ClientCa::File(path.clone()),
        None => ClientCa::Minted,
    });
    Some(opts)
}

fn cmd_specs_check(dir: Option<std::path::PathBuf>) -> Result<u8, Failure> {
    let set = load_specs(dir.as_deref())?;
    let cases = restart_conformance::plan::plan(&set);
    let mut out = std::io::stdout().lock();
    for s in &set.specs {
        let n = cases.iter().filter(|c| c.api == s.api).count();
        writeln!(out, "ok   {:12} {} ({n} cases)", s.api, s.path.display())?;
    }
    writeln!(out, "spec set digest {}", set.digest)?;
    Ok(exit::SUCCESS)
}

fn cmd_report_diff(old: &std::path::Path, new: &std::path::Path) -> Result<u8, Failure> {
    let old = follow_aliases(report::json::load(old).map_err(config)?);
    let new = follow_aliases(report::json::load(new).map_err(config)?);
    // Case names are all the comparison prints; they go through the redactor like every report.
    let (old, new) = (
        report::redacted(&old, &Redactor::default()),
        report::redacted(&new, &Redactor::default()),
    );
    let d = report::diff::compare(&old, &new);
    write!(std::io::stdout().lock(), "{}", d.render_text())?;
    Ok(if d.has_regressions() {
        exit::TESTS_FAILED
    } else {
        exit::SUCCESS
    })
}

fn cmd_specs_export(out: &std::path::Path, dir: Option<&std::path::Path>) -> Result<u8, Failure> {
    let set = load_specs(dir)?;
    let text = restart_conformance::openapi::to_json(&set)?;
    if out == std::path::Path::new("-") {
        std::io::stdout().lock().write_all(text.as_bytes())?;
    } else {
        report::write_atomic(out, text.as_bytes())?;
        eprintln!("OpenAPI 3.1 document: {}", out.display());
    }
    Ok(exit::SUCCESS)
}

/// `completions SHELL`: the script on standard output.
fn cmd_completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let script = restart_conformance::generate::completions(shell);
    std::io::stdout().lock().write_all(&script)?;
    Ok(exit::SUCCESS)
}

/// `man`: the page on standard output, or every page into a folder (exit 2 when it
/// cannot be written).
fn cmd_man(out_dir: Option<&Path>) -> Result<u8, Failure> {
    use restart_conformance::generate;
    let Some(dir) = out_dir else {
        std::io::stdout().lock().write_all(&generate::man_page()?)?;
        return Ok(exit::SUCCESS);
    };
    let files = generate::man_pages(dir).map_err(|e| {
        config_msg(format!(
            "error: cannot write manual pages to {}: {e}",
            dir.display()
        ))
    })?;
    eprintln!("{} manual pages in {}", files.len(), dir.display());
    Ok(exit::SUCCESS)
}

/// `specs draft`: the page's draft to a file or standard output; exit 2 when
/// the page cannot be read or holds a shape the spec format cannot.
fn cmd_specs_draft(
    doc: &Path,
    api: Option<String>,
    out: &Path,
    parameters: Option<PathBuf>,
) -> Result<u8, Failure> {
    let opts = restart_conformance::draft::DraftOptions { api, parameters };
    let d = restart_conformance::draft::draft_file(doc, &opts).map_err(config)?;
    if out == Path::new("-") {
        std::io::stdout().lock().write_all(d.yaml.as_bytes())?;
    } else {
        report::write_atomic(out, d.yaml.as_bytes())?;
        eprintln!("draft ({}): {}", d.format, out.display());
    }
    eprintln!(
        "{} placeholders to fill in; `restart-conformance specs check DIR` shows each at its line",
        d.placeholders
    );
    Ok(exit::SUCCESS)
}

/// `report merge`: exit 2 when an input cannot be read or the inputs overlap, else as `run`
/// would for the union (1 when a case failed).
fn cmd_report_merge(
    dir: &std::path::Path,
    paths: &[std::path::PathBuf],
    records: &RecordArgs,
) -> Result<u8, Failure> {
    check_records(records)?;
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        let rep = report::json::load(path).map_err(config)?;
        reports.push((path.clone(), rep));
    }
    let merged = report::merge::merge(&reports).map_err(config)?;
    let _lock = lock_report_dir(dir, "report merge")?;
    let written = report::write_all(&merged, dir, None).map_err(|error| Failure::Write {
        dir: dir.to_owned(),
        error,
    })?;
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!(
        "merged {} reports ({} cases): {}",
        reports.len(),
        merged.cases.len(),
        names.join(", ")
    );
    keep_records(&merged, records)?;
    Ok(if merged.summary.failed > 0 {
        exit::TESTS_FAILED
    } else {
        exit::SUCCESS
    })
}

/// Refuses record options that could only fail after the run: a push URL that is no URL, a
/// `--history` file that cannot be read or is no history (a journal, a target file).
fn check_records(records: &RecordArgs) -> Result<(), Failure> {
    if let Some(url) = &records.push {
        restart_conformance::push::push_url(url, "check").map_err(config)?;
    }
    if let Some(path) = &records.history {
        report::history::check(path).map_err(|e| {
            config_msg(format!(
                "error: {}\n  = help: --history takes a history file of this tool, or a path where none is yet; {} was left as it is",
                one_line(&e),
                path.display()
            ))
        })?;
    }
    Ok(())
}

/// Locks a report directory for `command` (`report merge`, `report rebuild`), or refuses it,
/// exit 2, naming the run that holds it.
fn lock_report_dir(dir: &Path, command: &str) -> Result<report::lock::DirLock, Failure> {
    let lock = report::lock::DirLock::acquire(dir, command).map_err(|e| match e {
        report::lock::LockError::Io { .. } => config_msg(format!(
            "error: cannot write reports to {}: {}",
            dir.display(),
            one_line(&e)
        )),
        busy => config(busy),
    })?;
    if let Some(warning) = lock.take_over_warning() {
        eprintln!("{warning}");
    }
    Ok(lock)
}

/// After the reports: the history line, the metrics file and the push, as asked.
fn keep_records(rep: &report::Report, records: &RecordArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let history = match &records.history {
        Some(path) => {
            let h = report::history::append(path, rep, records.history_keep)
                .with_context(|| format!("cannot add the run to the history {}", path.display()))?;
            for warning in h.warnings(path) {
                eprintln!("{}", redact(&warning));
            }
            eprintln!("history: {} ({} runs)", path.display(), h.runs.len());
            Some(h.runs)
        }
        None => None,
    };
    if records.metrics.is_none() && records.push.is_none() {
        return Ok(());
    }
    let text = report::metrics::to_prometheus(rep, history.as_deref());
    if let Some(path) = &records.metrics {
        report::write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write the metrics to {}", path.display()))?;
        eprintln!("metrics: {}", path.display());
    }
    if let Some(url) = &records.push {
        let target = restart_conformance::push::target_name(&rep.run.target);
        restart_conformance::push::push(url, &target, &text, Duration::from_secs(30))?;
        // A gateway behind basic auth carries its password in the URL.
        eprintln!(
            "metrics pushed to {} (job {}, target {target})",
            redact(url),
            restart_conformance::push::JOB
        );
    }
    Ok(())
}

/// `report history`: the trend page and its Markdown from a history file; exit 2 when the file
/// cannot be read or holds no run.
fn cmd_report_history(file: &Path, dir: &Path, window: usize) -> Result<u8, Failure> {
    if !file.exists() {
        return Err(config_msg(format!(
            "error: no history file {}\n  = help: `run --history {0}` or `report merge --history {0}` writes one",
            file.display()
        )));
    }
    let mut history = report::history::read(file).map_err(config)?;
    if let Ok(profiles) = restart_conformance::profile::load_builtin() {
        for run in &mut history.runs {
            profiles.follow_aliases(run.cases.iter_mut().map(|c| &mut c.name));
        }
    }
    for warning in history.warnings(file) {
        eprintln!("{}", redact(&warning));
    }
    let trend = report::trend::analyse(&history.runs, window);
    let html = report::trend_page::to_history_html(&trend, &file.display().to_string()).map_err(
        |error| Failure::Write {
            dir: dir.to_owned(),
            error,
        },
    )?;
    let md = report::trend_page::to_history_md(&trend);
    let mut written = Vec::new();
    for (name, text) in [
        (report::trend_page::HISTORY_HTML, html),
        (report::trend_page::HISTORY_MD, md),
    ] {
        let path = dir.join(name);
        report::write_atomic(&path, text.as_bytes()).map_err(|error| Failure::Write {
            dir: dir.to_owned(),
            error,
        })?;
        written.push(path.display().to_string());
    }
    eprintln!(
        "history of {} runs: {}",
        history.runs.len(),
        written.join(", ")
    );
    Ok(exit::SUCCESS)
}

/// `report rebuild DIR`: the four reports from the journal alone. Exit 2 when the journal
/// cannot be read, 1 when a case failed or never ran, else 0.
fn cmd_report_rebuild(dir: &std::path::Path, records: &RecordArgs) -> Result<u8, Failure> {
    check_records(records)?;
    // A directory that is not there holds no journal: the reader says so, and none is made.
    let _lock = match dir.is_dir() {
        true => Some(lock_report_dir(dir, "report rebuild")?),
        false => None,
    };
    let read = report::journal::read(dir).map_err(config)?;
    for w in &read.warnings {
        eprintln!("warning: {}", redact(w));
    }
    let rebuilt = report::journal::rebuild(&read);
    let written = report::write_all(&rebuilt, dir, None).map_err(|error| Failure::Write {
        dir: dir.to_owned(),
        error,
    })?;
    let not_run = rebuilt
        .cases
        .iter()
        .filter(|c| c.reason.as_deref() == Some(report::journal::NOT_RUN))
        .count();
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!(
        "rebuilt from {}: {} cases, {not_run} not run: {}",
        read.path.display(),
        rebuilt.cases.len(),
        names.join(", ")
    );
    // The killed run's line in the history, keyed by its run id like any other.
    keep_records(&rebuilt, records)?;
    Ok(if rebuilt.summary.failed > 0 || not_run > 0 {
        exit::TESTS_FAILED
    } else {
        exit::SUCCESS
    })
}

/// `run --profile`: the profiles named, once the run's settings are known to keep within
/// their caps (exit 2 otherwise, before anything is sent, the sign-in included).
fn profiles_for_run(
    args: &RunArgs,
    settings: &Settings,
    specs: &spec::SpecSet,
) -> Result<Option<Vec<restart_conformance::profile::Profile>>, Failure> {
    use restart_conformance::profile;
    if args.profile.is_empty() {
        return Ok(None);
    }
    let set = profile::load_builtin().map_err(config)?;
    let chosen: Vec<profile::Profile> = set
        .select(&args.profile)
        .map_err(config)?
        .into_iter()
        .cloned()
        .collect();
    let record = run_settings_record(args, settings);
    let filters = pipeline::filters_of(&args.libtest, args.partition);
    // --insecure is known now; a target file's `verify: false` once it is read.
    let (hosts, by) = if args.insecure {
        (
            vec!["every host of the target".to_owned()],
            vec!["--insecure".to_owned()],
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let refs: Vec<&profile::Profile> = chosen.iter().collect();
    let violations = profile::violations(
        &refs,
        &profile::Facts {
            settings: &record,
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

/// The settings of a run that bear on a verdict, as its report records them.
fn run_settings_record(
    args: &RunArgs,
    settings: &Settings,
) -> restart_conformance::model::RunSettings {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    restart_conformance::model::RunSettings {
        lifecycle_timeout_ms: ms(settings.polling.timeout),
        request_timeout_ms: ms(settings.request_timeout),
        restart_grace_ms: ms(settings.polling.grace),
        poll_interval_ms: ms(settings.polling.interval),
        follow_redirects: settings.follow_redirects,
        strict: settings.strict,
        specs: match &args.specs {
            Some(dir) => dir.display().to_string(),
            None => "built in".to_owned(),
        },
        faults: args.fault.clone(),
    }
}

/// The cases the profiles select and what the report records of them; a target file whose
/// TLS is not verified is refused here (exit 2, no case sent).
fn profile_selection(
    chosen: &[restart_conformance::profile::Profile],
    args: &RunArgs,
    settings: &Settings,
    choice: &EndpointChoice,
) -> Result<pipeline::ProfileSelection, Failure> {
    use restart_conformance::profile;
    let refs: Vec<&profile::Profile> = chosen.iter().collect();
    if let EndpointChoice::File(t) = choice
        && let Some(tls) = t.tls_info()
        && !tls.not_verified.is_empty()
    {
        let record = run_settings_record(args, settings);
        let violations = profile::violations(
            &refs,
            &profile::Facts {
                settings: &record,
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
    Ok(pipeline::ProfileSelection {
        cases: chosen.iter().flat_map(profile::Profile::case_ids).collect(),
        record: restart_conformance::model::ProfileRun {
            profiles: chosen
                .iter()
                .map(|p| restart_conformance::model::ProfileRef {
                    name: p.name.clone(),
                    sha256: p.sha256.clone(),
                })
                .collect(),
            settings: run_settings_record(args, settings),
            command_lines: vec![redact(&line)],
        },
    })
}

/// `profiles list`: one line per built-in profile, its name first.
fn cmd_profiles_list() -> Result<u8, Failure> {
    use restart_conformance::profile::{Section, load_builtin};
    let set = load_builtin().map_err(config)?;
    let mut out = std::io::stdout().lock();
    for p in &set.profiles {
        writeln!(
            out,
            "{:20} {} cases: {} required, {} advisory, {} flagged; {} (specs {})",
            p.name,
            p.cases.len(),
            p.section(Section::Required).len(),
            p.section(Section::Advisory).len(),
            p.section(Section::Flagged).len(),
            p.title,
            &p.spec_digest[..12.min(p.spec_digest.len())]
        )?;
    }
    Ok(exit::SUCCESS)
}

/// `profiles show NAME`: the caps, then each case with the sentence its rule rests on.
fn cmd_profiles_show(name: &str) -> Result<u8, Failure> {
    use restart_conformance::profile::{Section, load_builtin};
    let set = load_builtin().map_err(config)?;
    let p = *set
        .select(&[name.to_owned()])
        .map_err(config)?
        .first()
        .ok_or_else(|| config_msg(format!("error: unknown profile `{name}`")))?;
    let specs = spec::load_builtin().map_err(config)?;
    let sources: std::collections::BTreeMap<String, String> =
        restart_conformance::plan::plan(&specs)
            .into_iter()
            .map(|c| (c.name, c.source))
            .collect();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "profile {} — {} ({})",
        p.name,
        p.title,
        p.path.display()
    )?;
    writeln!(out, "file sha256 {}", p.sha256)?;
    writeln!(
        out,
        "written for the specs with the digest {}",
        p.spec_digest
    )?;
    writeln!(
        out,
        "caps: --lifecycle-timeout at most {} s, --request-timeout at most {} s, --follow-redirects {}, TLS verification {}; no filter, --skip or --exact; every partition, merged",
        p.caps.lifecycle_timeout_s,
        p.caps.request_timeout_s,
        if p.caps.allow_follow_redirects {
            "allowed"
        } else {
            "off"
        },
        if p.caps.allow_insecure {
            "optional"
        } else {
            "on"
        },
    )?;
    writeln!(
        out,
        "core: every required case passes its must-checks; extended: core, and no should-level finding in any required or advisory case"
    )?;
    for section in [Section::Required, Section::Advisory, Section::Flagged] {
        let ids = p.section(section);
        writeln!(out, "\n{} ({})", section.as_str(), ids.len())?;
        for id in ids {
            let source = sources
                .get(&id)
                .map_or("(not in the built-in specs)", String::as_str);
            let rule = if section == Section::Advisory {
                "SHOULD"
            } else {
                "MUST"
            };
            writeln!(out, "  {id}\n      {rule}: {source}")?;
            if let Some(f) = p.flag(&id) {
                writeln!(
                    out,
                    "      flagged since {}: {}\n      action: {}",
                    f.since, f.reason, f.action
                )?;
            }
        }
    }
    if !p.aliases.is_empty() {
        writeln!(out, "\naliases")?;
        for (old, new) in &p.aliases {
            writeln!(out, "  {old} -> {new}")?;
        }
    }
    Ok(exit::SUCCESS)
}

/// `report bundle`: exit 2 when the run cannot certify (nothing written), 1 when the bundle is
/// written and a profile is not conformant, else 0.
fn cmd_report_bundle(
    report_dir: PathBuf,
    product: PathBuf,
    out: PathBuf,
    sign: Option<PathBuf>,
    history: Option<PathBuf>,
    window: &str,
) -> Result<u8, Failure> {
    use restart_conformance::certify::{self, over_time::Window};
    let history = match history {
        Some(path) => {
            let w: Window = window
                .parse()
                .map_err(|e| config_msg(format!("error: --window {e}")))?;
            Some((path, w))
        }
        None => None,
    };
    let req = certify::BundleRequest {
        report_dir,
        product,
        out: out.clone(),
        sign,
        history,
    };
    let done = certify::bundle(&req).map_err(config)?;
    let mut err = std::io::stderr().lock();
    for v in &done.manifest.verdicts {
        writeln!(err, "{:20} {}", v.profile, v.verdict.as_str())?;
        for f in &v.failed {
            writeln!(err, "  {} fails: {}", f.case, f.why)?;
        }
    }
    if let Some(o) = &done.manifest.over_time {
        writeln!(
            err,
            "over time: {} (valid until {})",
            o.statement, o.valid_until
        )?;
    }
    writeln!(
        err,
        "bundle: {} ({} files{})",
        out.display(),
        done.manifest.files.len() + 1,
        if done.signed {
            ", manifest.json.sig"
        } else {
            ", not signed"
        }
    )?;
    let conformant = done
        .manifest
        .verdicts
        .iter()
        .all(|v| v.verdict.conformant());
    Ok(if conformant {
        exit::SUCCESS
    } else {
        exit::TESTS_FAILED
    })
}

/// `verify BUNDLE`: 0 conformant, 1 not conformant, tampered or badly signed, 2 not a bundle.
fn cmd_verify(bundle: &Path, allowed_signers: Option<&Path>) -> Result<u8, Failure> {
    let v = restart_conformance::certify::verify(bundle, allowed_signers, chrono::Utc::now())
        .map_err(config)?;
    std::io::stdout().lock().write_all(v.render().as_bytes())?;
    Ok(if v.conformant() {
        exit::SUCCESS
    } else {
        exit::TESTS_FAILED
    })
}

/// A report with renamed cases under the ids they have now (the profiles' `aliases`), so an
/// old baseline compares case by case with a new run.
fn follow_aliases(mut rep: report::Report) -> report::Report {
    if let Ok(profiles) = restart_conformance::profile::load_builtin() {
        profiles.follow_aliases(rep.cases.iter_mut().map(|c| &mut c.name));
    }
    rep
}

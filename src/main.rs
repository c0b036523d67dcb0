//! The binary: parse the command line, call one function per subcommand,
//! turn the outcome into an exit code (`exit.rs`).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

use clap::Parser;
use restart_conformance::cli::{Cli, Command, ReportCommand, RunArgs, ServeArgs, SpecsCommand};
use restart_conformance::exit;
use restart_conformance::redact::Redactor;
use restart_conformance::reference::{Fault, ReferenceConfig, ReferenceServer};
use restart_conformance::run::{self, EndpointChoice, Polling, Settings};
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
        Command::Report {
            command: ReportCommand::Diff { old, new },
        } => cmd_report_diff(&old, &new),
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
    let text = chain(&e);
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
        chain(error)
    )
}

/// The error and its sources, `: `-separated. A source whose text the message already holds
/// (a located error renders its cause itself) is not repeated.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
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
        Some(p) => Some(report::json::load(p).map_err(config)?),
        None => None,
    };
    let (choice, poll_default) = match &args.target {
        Some(path) => {
            if !args.fault.is_empty() {
                return Err(config_msg(
                    "error: --fault applies to the embedded reference server only; drop --target or --fault",
                ));
            }
            let parsed = endpoint::load_file(path).map_err(config)?;
            let t = endpoint::resolve(parsed, &specs, args.token_env.as_deref(), !args.dry_run)
                .map_err(config)?;
            let _ = REDACTOR.set(Redactor::new([t.token.expose()]));
            if !t.is_loopback() && !args.libtest.list {
                eprintln!(
                    "note: {} is not on this machine: this run restarts real resources ({}).",
                    t.label,
                    t.apis.keys().cloned().collect::<Vec<_>>().join(", ")
                );
            }
            (EndpointChoice::File(t), Duration::from_secs(2))
        }
        None => {
            let faults = parse_faults(&args.fault)?;
            (
                EndpointChoice::Embedded {
                    reboot: args.reboot_seconds,
                    faults,
                },
                Duration::from_millis(50),
            )
        }
    };
    if args.dry_run {
        return dry_run(&specs, choice);
    }
    let mut settings = Settings::new(Polling {
        interval: args.poll_interval.unwrap_or(poll_default),
        timeout: args.lifecycle_timeout,
    });
    settings.strict = args.strict;
    settings.request_timeout = args.request_timeout;
    settings.max_body = args.max_body;
    settings.follow_redirects = args.follow_redirects;
    settings.rate = args.rate;
    // On SIGINT/SIGTERM: write what finished, mark the rest not run, exit 1.
    let (dir, base) = (args.report_dir.clone(), baseline.clone());
    let hook: run::InterruptHook = Box::new(move |rep| {
        let redactor = REDACTOR.get().cloned().unwrap_or_default();
        match report::write_all_with(rep, &dir, base.as_ref(), &redactor) {
            Ok(_) => eprintln!(
                "\ninterrupted: reports of the finished cases are in {}",
                dir.display()
            ),
            Err(e) => eprintln!("\ninterrupted: {}", redact(&write_error(&dir, &e))),
        }
        std::process::exit(i32::from(exit::TESTS_FAILED));
    });
    let result = run::execute(&specs, choice, settings, args.libtest, Some(hook))?;
    let Some(rep) = result.report else {
        return Ok(exit::SUCCESS);
    };
    let redactor = REDACTOR.get().cloned().unwrap_or_default();
    let written = report::write_all_with(&rep, &args.report_dir, baseline.as_ref(), &redactor)
        .map_err(|error| Failure::Write {
            dir: args.report_dir.clone(),
            error,
        })?;
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!("reports: {}", names.join(", "));
    let failed = result.conclusion.has_failed() || rep.summary.failed > 0;
    Ok(if failed {
        exit::TESTS_FAILED
    } else {
        exit::SUCCESS
    })
}

/// `run --dry-run`: the plan as curl lines; nothing is sent.
fn dry_run(specs: &spec::SpecSet, choice: EndpointChoice) -> Result<u8, Failure> {
    let lines = match choice {
        EndpointChoice::File(t) => run::dry_run(specs, &t),
        EndpointChoice::Embedded { reboot, faults } => {
            // The embedded server is bound only to learn its URLs.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let config = ReferenceConfig {
                    reboot,
                    faults,
                    token: String::new(),
                };
                let server = ReferenceServer::start(([127, 0, 0, 1], 0).into(), config).await?;
                let t = run::embedded_endpoint(&server, endpoint::Secret::new(""));
                server.shutdown().await;
                Ok::<_, anyhow::Error>(run::dry_run(specs, &t))
            })?
        }
    };
    let mut out = std::io::stdout().lock();
    for (name, line) in lines {
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
        };
        let server = ReferenceServer::start(args.listen, config).await?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "# reference server on http://{}; Ctrl-C stops it",
            server.local_addr()
        )?;
        writeln!(out, "{}", server.target_yaml(&args.token_env))?;
        out.flush()?;
        drop(out);
        tokio::signal::ctrl_c().await?;
        server.shutdown().await;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(exit::SUCCESS)
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
    let old = report::json::load(old).map_err(config)?;
    let new = report::json::load(new).map_err(config)?;
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

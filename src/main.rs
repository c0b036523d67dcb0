//! The binary: parse the command line, check it (`config`), call one command (`commands`),
//! and turn the outcome into an exit code (`exit`). It does no work of its own.

use std::process::ExitCode;

use clap::Parser;
use restart_conformance::cli::{Cli, Command, ProfilesCommand, ReportCommand, SpecsCommand};
use restart_conformance::commands::{self, Failure, Outcome, certify::BundleArgs};
use restart_conformance::config::{self, RunConfig, ServeConfig};
use restart_conformance::exit;
use restart_conformance::redact::Redactor;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (msg, code) = match dispatch(cli.command) {
        Ok(code) => return ExitCode::from(code),
        Err(Failure::Config(msg)) => (msg, exit::CONFIG_ERROR),
        Err(Failure::Failed(msg)) => (msg, exit::TESTS_FAILED),
        Err(Failure::BrokenPipe) => return ExitCode::from(exit::SUCCESS),
    };
    // A failure's text is final (the run's secrets already masked); URLs are masked again
    // here, for the commands that have no secrets of their own.
    eprintln!("{}", Redactor::default().redact_str(&msg));
    ExitCode::from(code)
}

/// One command per subcommand; the configuration is checked before any of them starts.
fn dispatch(command: Command) -> Outcome {
    match command {
        Command::Run(args) => commands::run::run(RunConfig::from_args(*args)?),
        Command::Serve(args) => {
            let env = |name: &str| std::env::var(name).ok();
            commands::serve::serve(ServeConfig::from_args(args, &env)?)
        }
        Command::Specs { command } => specs(command),
        Command::Report { command } => report(command),
        Command::Completions { shell } => commands::specs::completions(shell),
        Command::Man { out_dir } => commands::specs::man(out_dir.as_deref()),
        Command::Profiles {
            command: ProfilesCommand::List,
        } => commands::profiles::list(),
        Command::Profiles {
            command: ProfilesCommand::Show { name },
        } => commands::profiles::show(&name),
        Command::Verify(args) => {
            commands::certify::verify(&args.bundle, args.allowed_signers.as_deref())
        }
    }
}

fn specs(command: SpecsCommand) -> Outcome {
    match command {
        SpecsCommand::Check { dir } => commands::specs::check(dir.as_deref()),
        SpecsCommand::Export { openapi, specs } => {
            commands::specs::export(&openapi, specs.as_deref())
        }
        SpecsCommand::Draft {
            doc,
            api,
            out,
            parameters,
        } => commands::specs::draft(&doc, api, &out, parameters),
    }
}

fn report(command: ReportCommand) -> Outcome {
    match command {
        ReportCommand::Diff { old, new } => commands::report::diff(&old, &new),
        ReportCommand::Merge {
            report_dir,
            reports,
            records,
        } => commands::report::merge(&report_dir, &reports, &config::run::records(records)),
        ReportCommand::History {
            file,
            report_dir,
            window,
        } => commands::report::history(&file, &report_dir, window),
        ReportCommand::Rebuild { dir, records } => {
            commands::report::rebuild(&dir, &config::run::records(records))
        }
        ReportCommand::Bundle {
            report_dir,
            product,
            out,
            sign,
            history,
            window,
        } => commands::certify::bundle(BundleArgs {
            report_dir,
            product,
            out,
            sign,
            history,
            window,
        }),
    }
}

//! `run`'s configuration: the endpoint kind and the flags that apply to it, the timing
//! settings with the defaults for that kind, and the records to keep.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigError, parse_faults};
use crate::cli::{RecordArgs, RunArgs};
use crate::model::RunSettings;
use crate::plan::Partition;
use crate::records::keep::Records;
use crate::reference::{DEFAULT_RESOURCES, Fault};
use crate::run::{Polling, Settings};

/// Where the run's requests go.
#[derive(Debug, Clone)]
pub enum TargetConfig {
    /// The embedded reference server, started on loopback for this run.
    Embedded {
        reboot: Duration,
        faults: BTreeSet<Fault>,
        resources: usize,
    },
    /// A target file, read and resolved against the specs when the run starts.
    File {
        path: PathBuf,
        token_env: Option<String>,
        cloud: Option<String>,
        region: Option<String>,
        insecure: bool,
    },
}

/// A checked `run`.
#[derive(Debug)]
pub struct RunConfig {
    /// `--specs DIR`, else the built-in specs.
    pub specs: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub target: TargetConfig,
    pub settings: Settings,
    /// The settings that bear on a verdict, as the report records them.
    pub record: RunSettings,
    /// `--profile` names, in the order given.
    pub profiles: Vec<String>,
    pub dry_run: bool,
    pub resume: bool,
    pub partition: Option<Partition>,
    pub report_dir: PathBuf,
    pub records: Records,
    /// The case selection and output flags libtest reads.
    pub libtest: libtest_mimic::Arguments,
}

impl RunConfig {
    /// Accepts `args` or says which flags do not go together.
    pub fn from_args(args: RunArgs) -> Result<RunConfig, ConfigError> {
        let target = target(&args)?;
        let settings = settings(&args);
        let record = record(&args, &settings);
        Ok(RunConfig {
            specs: args.specs,
            baseline: args.baseline,
            target,
            settings,
            record,
            profiles: args.profile,
            dry_run: args.dry_run,
            resume: args.resume,
            partition: args.partition,
            report_dir: args.report_dir,
            records: records(args.records),
            libtest: args.libtest,
        })
    }

    /// Whether the run sends requests (not `--dry-run`, not `--list`): only such a run needs
    /// the token.
    pub fn sends_requests(&self) -> bool {
        !self.dry_run && !self.libtest.list
    }
}

/// The records flags, as the records room takes them.
pub fn records(args: RecordArgs) -> Records {
    Records {
        history: args.history,
        history_keep: args.history_keep,
        metrics: args.metrics,
        push: args.push,
    }
}

/// The endpoint kind; flags that apply to the other kind are refused.
fn target(args: &RunArgs) -> Result<TargetConfig, ConfigError> {
    let Some(path) = &args.target else {
        if args.region.is_some() || args.insecure {
            return Err(ConfigError::new(
                "error: --region and --insecure apply to a target (--target FILE); the embedded reference server is plain HTTP on this machine",
            ));
        }
        if args.cloud.is_some() {
            return Err(ConfigError::new(
                "error: --cloud needs --target: the target file names the resources to restart\n  = help: write `apis: { ecs: { vars: { server_id: \"…\" } } }` in a file and pass --target FILE",
            ));
        }
        return Ok(TargetConfig::Embedded {
            reboot: args.reboot_seconds,
            faults: parse_faults(&args.fault)?,
            resources: args.resources.unwrap_or(DEFAULT_RESOURCES),
        });
    };
    if !args.fault.is_empty() {
        return Err(ConfigError::new(
            "error: --fault applies to the embedded reference server only; drop --target or --fault",
        ));
    }
    if args.resources.is_some() {
        return Err(ConfigError::new(
            "error: --resources applies to the embedded reference server only; list several ids in the target file's resource variable instead",
        ));
    }
    Ok(TargetConfig::File {
        path: path.clone(),
        token_env: args.token_env.clone(),
        cloud: args.cloud.clone(),
        region: args.region.clone(),
        insecure: args.insecure,
    })
}

/// The timing and transport settings, with defaults for the endpoint kind.
fn settings(args: &RunArgs) -> Settings {
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
    settings
}

/// The settings of a run that bear on a verdict, as its report records them.
fn record(args: &RunArgs, settings: &Settings) -> RunSettings {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    RunSettings {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn config(line: &[&str]) -> Result<RunConfig, ConfigError> {
        let argv = ["restart-conformance", "run"].iter().chain(line);
        let Command::Run(args) = Cli::try_parse_from(argv).expect("parses").command else {
            panic!("not a run");
        };
        RunConfig::from_args(*args)
    }

    #[test]
    fn flags_of_the_other_endpoint_kind_are_refused() {
        for (line, says) in [
            (&["--region", "eu"][..], "--region and --insecure"),
            (&["--insecure"][..], "--region and --insecure"),
            (&["--cloud", "prod"][..], "--cloud needs --target"),
            (
                &["--target", "t.yaml", "--fault", "reject-all"][..],
                "--fault applies",
            ),
            (
                &["--target", "t.yaml", "--resources", "2"][..],
                "--resources applies",
            ),
            (&["--fault", "no-such-fault"][..], "no-such-fault"),
        ] {
            let err = config(line).expect_err(says);
            assert!(err.0.contains(says), "{line:?}: {}", err.0);
        }
    }

    #[test]
    fn defaults_follow_the_endpoint_kind() -> Result<(), ConfigError> {
        let embedded = config(&[])?;
        assert_eq!(
            embedded.settings.polling.interval,
            Duration::from_millis(20)
        );
        assert!(
            matches!(embedded.target, TargetConfig::Embedded { resources, .. } if resources == DEFAULT_RESOURCES)
        );
        let file = config(&["--target", "t.yaml", "--poll-interval", "5"])?;
        assert_eq!(file.settings.polling.interval, Duration::from_secs(5));
        assert_eq!(file.settings.polling.grace, Duration::from_secs(60));
        assert_eq!(file.record.poll_interval_ms, 5000);
        assert!(matches!(file.target, TargetConfig::File { .. }));
        assert!(file.sends_requests());
        assert!(!config(&["--dry-run"])?.sends_requests());
        Ok(())
    }
}

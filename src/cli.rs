//! The command line, as clap structs.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Arg, Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "restart-conformance",
    version,
    about = "Conformance harness for cloud restart-instance APIs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suite (against the embedded reference server when no --target is given).
    #[command(
        help_template = "{about}\n\n{usage-heading} {usage}\n\n{all-args}",
        after_help = "",
        override_usage = "restart-conformance run [OPTIONS] [FILTER]"
    )]
    Run(Box<RunArgs>),
    /// Serve the embedded reference server and print a ready target file.
    #[command(after_help = fault_list())]
    Serve(ServeArgs),
    /// Work with spec files.
    Specs {
        #[command(subcommand)]
        command: SpecsCommand,
    },
    /// Work with reports.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Print a completion script for SHELL, e.g. `restart-conformance completions bash >
    /// ~/.local/share/bash-completion/completions/restart-conformance`.
    Completions {
        /// The shell the script is for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output, or write one page per command to DIR.
    Man {
        /// Write restart-conformance.1, restart-conformance-run.1, … into DIR instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Conformance profiles: the versioned lists of required, advisory and flagged cases.
    Profiles {
        #[command(subcommand)]
        command: ProfilesCommand,
    },
    /// Check a results bundle (`report bundle`) offline: digests, signature, verdicts, caps.
    Verify(VerifyArgs),
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// One line per built-in profile: its name, then a summary.
    List,
    /// A profile's caps and cases, each with the sentence its rule rests on.
    Show {
        /// The profile, e.g. `ddm/2026.12`.
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle folder (`report bundle --out DIR`).
    pub bundle: PathBuf,
    /// Who may sign, in git's allowed_signers format (`principal[,principal] [options] keytype base64key`);
    /// without it the signature is not checked.
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SpecsCommand {
    /// Load and check spec files; sends nothing.
    Check {
        /// Folder of spec files (default: the built-in specs).
        dir: Option<PathBuf>,
    },
    /// Write the APIs as one OpenAPI 3.1 document (JSON); sends nothing.
    Export {
        /// Where the document goes; `-` writes it to standard output.
        #[arg(long, value_name = "FILE")]
        openapi: PathBuf,
        /// Folder of spec files instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        specs: Option<PathBuf>,
    },
    /// Draft a spec from an API reference page, every value cited; sends nothing.
    Draft {
        /// The page: Huawei/OTC or Rackspace reStructuredText, Markdown with HTML tables, or an os-api-ref .inc file.
        doc: PathBuf,
        /// API id of the draft [default: from the file name].
        #[arg(long, value_name = "ID")]
        api: Option<String>,
        /// Where the draft goes; `-` writes it to standard output.
        #[arg(long, value_name = "FILE", default_value = "-")]
        out: PathBuf,
        /// os-api-ref parameters.yaml resolving the page's parameter keys.
        #[arg(long, value_name = "parameters.yaml")]
        parameters: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Compare two report.json files: what regressed, what was fixed, what was added or removed.
    Diff { old: PathBuf, new: PathBuf },
    /// Write the four reports for the union of several report.json (partitions of one run).
    Merge {
        /// Where report.json, junit.xml, report.html and summary.md go.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        report_dir: PathBuf,
        /// The report.json files to merge; the same case in two of them is an error.
        #[arg(value_name = "REPORT.json", required = true, num_args = 1..)]
        reports: Vec<PathBuf>,
        #[command(flatten)]
        records: RecordArgs,
    },
    /// Write the four reports from DIR/journal.jsonl alone, for a run that was killed and
    /// cannot be resumed: the cases it never finished are marked "not run".
    Rebuild {
        /// The report directory of the run (where its journal.jsonl is).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        records: RecordArgs,
    },
    /// Write a results bundle a vendor can submit: the reports, the journal, the profiles,
    /// PRODUCT.yaml, a README and a manifest of digests, optionally SSH-signed.
    Bundle {
        /// The report directory of a finished `run --profile` (or of its `report merge`).
        #[arg(value_name = "REPORT_DIR")]
        report_dir: PathBuf,
        /// What was tested: vendor, name, version, type, website_url (required),
        /// documentation_url, contact_email_address, description.
        #[arg(long, value_name = "PRODUCT.yaml")]
        product: PathBuf,
        /// The bundle folder to write (new, or empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Sign manifest.json with this OpenSSH private key (SSHSIG, namespace restart-conformance).
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
        /// Add a statement of conformance over time from this history file (`run --history`).
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        /// How far back the statement looks, e.g. `30d`, `2w`, `12h`.
        #[arg(long, value_name = "SPAN", default_value = "30d", requires = "history")]
        window: String,
    },
    /// Write history.html and history.md from a history file (`run --history FILE`).
    History {
        /// The history file (JSON Lines, one run a line).
        file: PathBuf,
        /// Where history.html and history.md go.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        report_dir: PathBuf,
        /// How many recent runs the flaky-case and restart-time baseline rules look at.
        #[arg(long, value_name = "N", default_value_t = crate::records::trend::DEFAULT_WINDOW, value_parser = window)]
        window: usize,
    },
}

/// What else keeps a record of a run: the history file, the metrics, the Pushgateway.
#[derive(Debug, Clone, Args)]
pub struct RecordArgs {
    /// Append this run to a history file (JSON Lines, one run a line), for `report history`.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Keep at most N runs in the history file (the oldest go first).
    #[arg(long, value_name = "N", default_value_t = crate::records::history::DEFAULT_KEEP, value_parser = keep)]
    pub history_keep: usize,
    /// Write Prometheus metrics (text format 0.0.4) to FILE, e.g. for node_exporter's textfile collector.
    #[arg(long, value_name = "FILE")]
    pub metrics: Option<PathBuf>,
    /// Push the same metrics to a Prometheus Pushgateway at URL (job restart_conformance).
    #[arg(long, value_name = "URL")]
    pub push: Option<String>,
}

/// Parses `--history-keep`: at least one run.
fn keep(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{s}` is not a number of runs (1 or more)")),
    }
}

/// Parses `--window`: two runs at least, or no change could be seen.
fn window(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 2 => Ok(n),
        _ => Err(format!("`{s}` is not a number of runs (2 or more)")),
    }
}

// `run --help` groups its options, as cargo and nextest do.
const SELECTION: &str = "Selection";
const TARGET: &str = "Target and sign-in";
const TIMING: &str = "Timing";
const REPORTS: &str = "Reports and records";
const EMBEDDED: &str = "Embedded server";
const OUTPUT: &str = "Output";

/// Puts libtest's flags, which carry no heading of their own, under ours; the rest of them
/// (`--quiet`, `--format`, `--color`, …) stay under [`OUTPUT`].
fn libtest_heading(arg: Arg) -> Arg {
    match arg.get_id().as_str() {
        "filter" | "exact" | "skip" | "list" | "ignored" | "include_ignored" | "test" | "bench" => {
            arg.help_heading(SELECTION)
        }
        "test_threads" => arg.help_heading(TIMING),
        _ => arg,
    }
}

#[derive(Debug, Args)]
#[command(mut_args = libtest_heading)]
pub struct RunArgs {
    /// Target file (YAML); without it the embedded reference server is used.
    #[arg(long, value_name = "FILE", help_heading = TARGET)]
    pub target: Option<PathBuf>,
    /// Folder of spec files instead of the built-in ones.
    #[arg(long, value_name = "DIR", help_heading = SELECTION)]
    pub specs: Option<PathBuf>,
    /// Where report.json, junit.xml, report.html and summary.md go.
    #[arg(long, value_name = "DIR", default_value = "reports", help_heading = REPORTS)]
    pub report_dir: PathBuf,
    /// Compare with an earlier report.json at the top of the HTML and Markdown reports.
    #[arg(long, value_name = "OLD.json", help_heading = REPORTS)]
    pub baseline: Option<PathBuf>,
    /// Continue the interrupted run whose journal is in --report-dir: its finished cases are
    /// not sent again, the rest run, and the reports cover the whole run.
    #[arg(long, help_heading = REPORTS)]
    pub resume: bool,
    /// Should-level findings fail the run too.
    #[arg(long, help_heading = REPORTS)]
    pub strict: bool,
    /// Seconds to wait for one response.
    #[arg(long, value_name = "S", default_value = "30", value_parser = positive_seconds, help_heading = TIMING)]
    pub request_timeout: Duration,
    /// Seconds to wait for a resource to be steady again after a restart.
    #[arg(long, value_name = "S", default_value = "600", value_parser = seconds, help_heading = TIMING)]
    pub lifecycle_timeout: Duration,
    /// Seconds between status polls [default: 2; 0.02 against the embedded server].
    #[arg(long, value_name = "S", value_parser = positive_seconds, help_heading = TIMING)]
    pub poll_interval: Option<Duration>,
    /// Seconds the steady state may hold after an accepted restart, with no restarting state
    /// seen, before "restart not seen" [default: 60; 1 against the embedded server].
    #[arg(long, value_name = "S", value_parser = seconds, help_heading = TIMING)]
    pub restart_grace: Option<Duration>,
    /// Requests in a row that got no answer (timeouts, refused or closed connections; a status
    /// poll counted after its own retries) after which an API's remaining cases are not sent;
    /// 0 never gives up.
    #[arg(long, value_name = "N", default_value_t = 3, help_heading = TIMING)]
    pub dead_after: usize,
    /// Run a case again, at most N times, when its own request got no answer (reset, refused,
    /// timed out), once the resource has shown whether the request arrived; a case that then
    /// passes is "passed, flaky". An answer, right or wrong, is never retried; 0 turns this off.
    #[arg(long, value_name = "N", default_value_t = 2, help_heading = TIMING)]
    pub retries: u32,
    /// Run one share of the cases, as nextest does: `count:M/N` or `hash:M/N`. The unit dealt
    /// out is a resource with all its cases, so partitions never restart the same resource.
    #[arg(long, value_name = "KIND:M/N", help_heading = SELECTION)]
    pub partition: Option<crate::plan::Partition>,
    /// Environment variable holding the token (overrides the target file's auth.token_env).
    #[arg(long, value_name = "VAR", help_heading = TARGET)]
    pub token_env: Option<String>,
    /// Sign in with this clouds.yaml entry (Keystone v3) instead of a fixed token; the base
    /// URLs come from the catalog. Overrides auth.cloud and OS_CLOUD.
    #[arg(long, value_name = "NAME", help_heading = TARGET)]
    pub cloud: Option<String>,
    /// The region of the cloud signed in to; picks one of a clouds.yaml `regions` list.
    #[arg(long, value_name = "NAME", help_heading = TARGET)]
    pub region: Option<String>,
    /// Do not verify TLS certificates (as `verify: false`, OS_INSECURE); every report says so.
    #[arg(long, help_heading = TARGET)]
    pub insecure: bool,
    /// Largest response body read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024, help_heading = TARGET)]
    pub max_body: usize,
    /// Follow redirects (at most 5); X-Auth-Token is sent only to the target's own scheme, host and port.
    #[arg(long, help_heading = TARGET)]
    pub follow_redirects: bool,
    /// Limit requests per second, all cases together (e.g. 0.5).
    #[arg(long, value_name = "N", value_parser = rate, help_heading = TIMING)]
    pub rate: Option<f64>,
    /// Print each case's request as a curl line and send nothing.
    #[arg(long, help_heading = SELECTION)]
    pub dry_run: bool,
    /// Run exactly the cases of this conformance profile (repeatable, e.g. `ddm/2026.12`);
    /// settings outside its caps are refused before anything is sent.
    #[arg(long, value_name = "NAME", help_heading = SELECTION)]
    pub profile: Vec<String>,
    /// Embedded server only: seconds a restart lasts.
    #[arg(long, value_name = "S", default_value = "0.3", value_parser = seconds, help_heading = EMBEDDED)]
    pub reboot_seconds: Duration,
    /// Embedded server only: make it wrong on purpose (repeatable; `serve --fault list` prints the names).
    #[arg(long, value_name = "NAME", help_heading = EMBEDDED)]
    pub fault: Vec<String>,
    /// Embedded server only: resources per API, each restarting on its own [default: 2].
    #[arg(long, value_name = "N", value_parser = resource_count, help_heading = EMBEDDED)]
    pub resources: Option<usize>,
    #[command(flatten, next_help_heading = REPORTS)]
    pub records: RecordArgs,
    #[command(flatten, next_help_heading = OUTPUT)]
    pub libtest: libtest_mimic::Arguments,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Seconds a restart lasts.
    #[arg(long, value_name = "S", default_value = "5", value_parser = seconds)]
    pub reboot_seconds: Duration,
    /// Make the server wrong on purpose (repeatable). `--fault list` prints the names.
    #[arg(long, value_name = "NAME")]
    pub fault: Vec<String>,
    /// Resources per API, each restarting on its own; the target file lists them all.
    #[arg(long, value_name = "N", default_value = "2", value_parser = resource_count)]
    pub resources: usize,
    /// Environment variable named in the printed target file.
    #[arg(long, value_name = "VAR", default_value = "OS_AUTH_TOKEN")]
    pub token_env: String,
    /// Serve HTTPS with a throw-away CA and server certificate; the CA file is printed.
    #[arg(long)]
    pub tls: bool,
    /// With --tls: require a client certificate. Without FILE, the throw-away CA mints one
    /// (printed beside the CA); with FILE, any certificate that FILE's CA signed.
    #[arg(long, value_name = "FILE", num_args = 0..=1, requires = "tls")]
    pub client_ca: Option<Option<PathBuf>>,
    /// With --tls: where the CA (and client certificate) files go [default: a new temporary folder].
    #[arg(long, value_name = "DIR", requires = "tls")]
    pub tls_dir: Option<PathBuf>,
}

/// `serve --help`'s list of the fault names, as `serve --fault list` prints them.
fn fault_list() -> String {
    let mut text = String::from("Faults (--fault NAME):\n");
    for f in crate::reference::Fault::ALL {
        text.push_str(&format!("  {:28} {}\n", f.name(), f.description()));
    }
    text
}

/// The most resources per API the embedded server offers: enough to spread any suite.
pub const MAX_RESOURCES: usize = 64;

/// Parses a number of resources per API, 1 to [`MAX_RESOURCES`].
fn resource_count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_RESOURCES).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}` is not a number of resources from 1 to {MAX_RESOURCES}"
        )),
    }
}

/// Parses a positive request rate.
fn rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "`{s}` is not a positive number of requests per second"
        )),
    }
}

/// Parses seconds, fractional allowed (`0.1`).
fn seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !v.is_finite() || !(0.0..=1e9).contains(&v) {
        return Err(format!("`{s}` is not a usable number of seconds"));
    }
    Ok(Duration::from_secs_f64(v))
}

/// Seconds for a wait that cannot be nothing: a request timeout of 0 fails every request,
/// a poll interval of 0 polls a real API as fast as it answers.
fn positive_seconds(s: &str) -> Result<Duration, String> {
    let d = seconds(s)?;
    if d.is_zero() {
        return Err(format!("`{s}` is no wait at all; give more than 0 seconds"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_accept_fractions_and_refuse_nonsense() {
        assert_eq!(seconds("0.1"), Ok(Duration::from_millis(100)));
        assert_eq!(seconds("600"), Ok(Duration::from_secs(600)));
        assert!(seconds("-1").is_err());
        assert!(seconds("abc").is_err());
        assert!(seconds("NaN").is_err());
        assert_eq!(seconds("0"), Ok(Duration::ZERO));
        assert!(positive_seconds("0").unwrap_err().contains("more than 0"));
        assert!(positive_seconds("0.0000000001").is_err());
        assert_eq!(positive_seconds("0.02"), Ok(Duration::from_millis(20)));
    }

    #[test]
    fn resource_counts_are_positive_and_bounded() {
        assert_eq!(resource_count("3"), Ok(3));
        assert!(resource_count("0").is_err());
        assert!(resource_count("65").is_err());
        assert!(resource_count("two").is_err());
    }

    #[test]
    fn every_run_option_sits_under_a_heading() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let run = cli.find_subcommand("run").unwrap();
        let loose: Vec<_> = run
            .get_arguments()
            .filter(|a| a.get_id() != "help" && a.get_help_heading().is_none())
            .map(|a| a.get_id().to_string())
            .collect();
        assert!(loose.is_empty(), "options with no heading: {loose:?}");
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

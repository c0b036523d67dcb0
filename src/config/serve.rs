//! `serve`'s configuration: the faults it may serve, the token it accepts, and where its
//! throw-away TLS material goes.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigError, parse_faults};
use crate::cli::ServeArgs;
use crate::reference::{ClientCa, Fault, TlsOptions};

/// What `serve` was asked to do.
#[derive(Debug)]
pub enum ServeCommand {
    /// `--fault list`: name every fault and stop.
    ListFaults,
    Serve(Box<ServeConfig>),
}

/// A checked `serve`.
#[derive(Debug)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub reboot: Duration,
    pub faults: BTreeSet<Fault>,
    pub resources: usize,
    /// The variable the token was read from, for the banner.
    pub token_env: String,
    /// The one token the server accepts.
    pub token: String,
    /// `--tls`: the CA's folder and the client certificates required.
    pub tls: Option<TlsOptions>,
    /// `--client-ca FILE`: a CA file given (read when the server starts).
    pub client_ca_file: Option<PathBuf>,
}

impl ServeConfig {
    /// Accepts `args`, reading the token from `env` (the process environment in the binary).
    pub fn from_args(
        args: ServeArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ServeCommand, ConfigError> {
        if args.fault.iter().any(|f| f == "list") {
            return Ok(ServeCommand::ListFaults);
        }
        let faults = parse_faults(&args.fault)?;
        if let Some(f) = faults.iter().find(|f| {
            args.tls
                && matches!(
                    f,
                    Fault::HugeBody
                        | Fault::DropRequests
                        | Fault::DropPolls
                        | Fault::LosePollInRestart
                )
        }) {
            return Err(ConfigError(format!(
                "error: --fault {f} cannot be served with --tls (its raw-TCP front speaks plain HTTP); drop one of the two",
            )));
        }
        let Some(token) = env(&args.token_env).filter(|t| !t.is_empty()) else {
            return Err(ConfigError(format!(
                "error: the token variable `{0}` is not set\n  = help: export {0}=<any value>; the server accepts only that token",
                args.token_env
            )));
        };
        let tls = tls_options(&args);
        Ok(ServeCommand::Serve(Box::new(ServeConfig {
            listen: args.listen,
            reboot: args.reboot_seconds,
            faults,
            resources: args.resources,
            token_env: args.token_env,
            token,
            tls,
            client_ca_file: args.client_ca.flatten(),
        })))
    }
}

/// `serve --tls`: where the throw-away CA goes and which client certificates are required.
fn tls_options(args: &ServeArgs) -> Option<TlsOptions> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn config(line: &[&str], token: Option<&str>) -> Result<ServeCommand, ConfigError> {
        let argv = ["restart-conformance", "serve"].iter().chain(line);
        let Command::Serve(args) = Cli::try_parse_from(argv).expect("parses").command else {
            panic!("not serve");
        };
        let token = token.map(str::to_owned);
        ServeConfig::from_args(args, &move |_| token.clone())
    }

    #[test]
    fn a_raw_tcp_fault_is_refused_with_tls_and_a_token_is_required() {
        let err = config(&["--tls", "--fault", "drop-polls"], Some("t")).expect_err("tls");
        assert!(
            err.0
                .contains("--fault drop-polls cannot be served with --tls"),
            "{}",
            err.0
        );
        let err = config(&[], None).expect_err("no token");
        assert!(err.0.contains("`OS_AUTH_TOKEN` is not set"), "{}", err.0);
        let err = config(&[], Some("")).expect_err("empty token");
        assert!(err.0.contains("is not set"), "{}", err.0);
        assert!(matches!(
            config(&["--fault", "list"], None),
            Ok(ServeCommand::ListFaults)
        ));
    }

    #[test]
    fn tls_options_follow_the_flags() -> Result<(), ConfigError> {
        let ServeCommand::Serve(c) = config(&["--tls", "--client-ca"], Some("t"))? else {
            panic!("serves");
        };
        let tls = c.tls.expect("tls");
        assert!(matches!(tls.client_ca, Some(ClientCa::Minted)));
        assert_eq!(c.client_ca_file, None);
        let ServeCommand::Serve(plain) = config(&[], Some("t"))? else {
            panic!("serves");
        };
        assert!(plain.tls.is_none());
        Ok(())
    }
}

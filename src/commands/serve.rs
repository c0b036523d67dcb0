//! `serve`: the reference server for real clients, until Ctrl-C.

use std::io::Write;

use super::{Outcome, config_msg};
use crate::config::{ServeCommand, ServeConfig};
use crate::exit;
use crate::reference::{Banner, Fault, IdentityConfig, ReferenceConfig, ReferenceServer};

/// `serve`: exit 0 once stopped, 2 when the configuration is refused.
pub fn serve(cmd: ServeCommand) -> Outcome {
    let cfg = match cmd {
        ServeCommand::ListFaults => return list_faults(),
        ServeCommand::Serve(cfg) => cfg,
    };
    if let Some(ca) = &cfg.client_ca_file {
        let holds_cert = std::fs::read_to_string(ca)
            .is_ok_and(|pem| pem.contains("-----BEGIN CERTIFICATE-----"));
        if !holds_cert {
            return Err(config_msg(format!(
                "error: --client-ca {} is not a readable PEM file with a certificate\n  = help: give the CA that signs the client certificates, or --client-ca alone to have one minted",
                ca.display()
            )));
        }
    }
    let rt = crate::runtime::multi_thread()?;
    rt.block_on(serve_until_stopped(*cfg))?;
    Ok(exit::SUCCESS)
}

fn list_faults() -> Outcome {
    let mut out = std::io::stdout().lock();
    for f in Fault::ALL {
        writeln!(out, "{:28} {}", f.name(), f.description())?;
    }
    Ok(exit::SUCCESS)
}

async fn serve_until_stopped(cfg: ServeConfig) -> anyhow::Result<()> {
    let config = ReferenceConfig {
        reboot: cfg.reboot,
        faults: cfg.faults,
        token: cfg.token,
        resources: cfg.resources,
    };
    let server = match &cfg.tls {
        None => ReferenceServer::start(cfg.listen, config).await?,
        Some(opts) => {
            let identity = IdentityConfig::new(&config.token);
            ReferenceServer::start_tls(cfg.listen, config, identity, opts)
                .await
                .map_err(|e| {
                    anyhow::anyhow!("failed to set up TLS in {}: {e}", opts.dir.display())
                })?
        }
    };
    let banner = server.banner(&Banner {
        token_env: &cfg.token_env,
        reboot: cfg.reboot,
        client_ca: cfg.client_ca_file.as_deref(),
    });
    let mut out = std::io::stdout().lock();
    out.write_all(banner.as_bytes())?;
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}

//! `report bundle` and `verify`: a signed results bundle, and its offline check.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Outcome, config, config_msg};
use crate::certify::{self, over_time::Window};
use crate::exit;

/// What `report bundle` was given.
#[derive(Debug, Clone)]
pub struct BundleArgs {
    pub report_dir: PathBuf,
    pub product: PathBuf,
    pub out: PathBuf,
    pub sign: Option<PathBuf>,
    pub history: Option<PathBuf>,
    /// `--window`, as written: `30d`, `20runs`.
    pub window: String,
}

/// `report bundle`: exit 2 when the run cannot certify (nothing written), 1 when the bundle is
/// written and a profile is not conformant, else 0.
pub fn bundle(args: BundleArgs) -> Outcome {
    let history = match args.history {
        Some(path) => {
            let w: Window = args
                .window
                .parse()
                .map_err(|e| config_msg(format!("error: --window {e}")))?;
            Some((path, w))
        }
        None => None,
    };
    let req = certify::BundleRequest {
        report_dir: args.report_dir,
        product: args.product,
        out: args.out.clone(),
        sign: args.sign,
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
        args.out.display(),
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
pub fn verify(bundle: &Path, allowed_signers: Option<&Path>) -> Outcome {
    let v = certify::verify(bundle, allowed_signers, chrono::Utc::now()).map_err(config)?;
    std::io::stdout().lock().write_all(v.render().as_bytes())?;
    Ok(if v.conformant() {
        exit::SUCCESS
    } else {
        exit::TESTS_FAILED
    })
}

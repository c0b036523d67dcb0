//! The checked configuration: between the command line (`cli`, clap's types) and the work
//! (`commands`), every flag combination is accepted or refused here, before anything is read
//! or sent. A config reads flags and the environment, never a file or the network.

pub mod run;
pub mod serve;

pub use run::{RunConfig, TargetConfig};
pub use serve::{ServeCommand, ServeConfig};

/// A flag combination that cannot work: the user's to fix (exit 2, nothing sent). The text is
/// the whole message as printed, `error: …` first, with a `= help:` line where one helps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl ConfigError {
    pub fn new(msg: impl Into<String>) -> ConfigError {
        ConfigError(msg.into())
    }
}

/// The embedded server's fault names, each checked.
fn parse_faults(
    names: &[String],
) -> Result<std::collections::BTreeSet<crate::reference::Fault>, ConfigError> {
    names
        .iter()
        .map(|n| n.parse().map_err(ConfigError))
        .collect()
}

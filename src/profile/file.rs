//! The profile file as written: `profiles/<api>-<version>.yaml`, parsed strictly.
//!
//! ```yaml
//! profile: ddm/2026.12            # <api>/<version>, the file's name with a slash
//! api: ddm
//! title: Restarting a DDM Instance
//! spec_digest: 09562b1f…          # the spec set digest the profile was written for
//! caps:                           # what a certifying run may use, at most
//!   lifecycle_timeout_s: 600
//!   request_timeout_s: 60
//!   allow_follow_redirects: false
//!   allow_insecure: false
//! required: [ddm::restart_soft, …]   # core: their must-checks pass
//! advisory: [ddm::restart_while_restarting, …]   # extended: with required, no finding at all
//! flagged:                        # run and reported, kept out of both levels
//!   - { case: …, since: "2026.12", reason: …, action: … }
//! aliases: { old-case-id: current-case-id }
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub profile: Spanned<String>,
    pub api: Spanned<String>,
    pub title: String,
    pub spec_digest: Spanned<String>,
    pub caps: CapsFile,
    pub required: Vec<Spanned<String>>,
    #[serde(default)]
    pub advisory: Vec<Spanned<String>>,
    #[serde(default)]
    pub flagged: Vec<FlagFile>,
    #[serde(default)]
    pub aliases: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapsFile {
    pub lifecycle_timeout_s: Spanned<u64>,
    pub request_timeout_s: Spanned<u64>,
    pub allow_follow_redirects: bool,
    pub allow_insecure: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagFile {
    pub case: Spanned<String>,
    pub since: String,
    pub reason: String,
    pub action: String,
}

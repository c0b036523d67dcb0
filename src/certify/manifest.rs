//! `manifest.json`: what a bundle holds and says, in one file that the signature covers.
//!
//! ```text
//! { "bundle": "restart-conformance-bundle/1",
//!   "tool": { "name", "version", "commit", "executable_sha256" },
//!   "product": { PRODUCT.yaml, checked },
//!   "spec_digest": "…",
//!   "profiles": [ { "name": "ddm/2026.12", "file": "profiles/ddm-2026.12.yaml", "sha256", "spec_digest" } ],
//!   "run": { "run_id", "started_at", "ended_at", "target", "base_urls", "command_lines",
//!            "settings": { "lifecycle_timeout_ms", … }, "filters", "tls_not_verified", … },
//!   "verdicts": [ { "profile", "verdict": "extended" | "core" | "not-conformant",
//!                   "required", "required_passed", "failed": [ { "case", "why" } ], … } ],
//!   "request_ids": [ { "case", "purpose", "method", "status", "date",
//!                      "ids": { "X-Openstack-Request-Id": "req-…" } } ],
//!   "over_time": { "statement": "2 of 3 runs passed every required case", … },
//!   "files": [ { "path": "report.json", "size", "sha256" } ] }
//! ```
//!
//! Everything but `tool` and `files` is derived from the bundle's own files ([`derive()`]), so
//! `verify` derives it again and compares.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::over_time::OverTime;
use super::product::Product;
use super::verdict::{self, ProfileVerdict};
use crate::model::{Report, RunSettings};
use crate::profile::Profile;

/// The layout version of a bundle.
pub const BUNDLE_FORMAT: &str = "restart-conformance-bundle/1";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.sig";
pub const PRODUCT: &str = "PRODUCT.yaml";
pub const README: &str = "README.md";
pub const HISTORY: &str = "history.jsonl";
pub const PROFILES_DIR: &str = "profiles";

/// Response headers that carry a vendor's own request id, as gateways log them.
pub const REQUEST_ID_HEADERS: &[&str] = &[
    "x-openstack-request-id",
    "x-compute-request-id",
    "x-request-id",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub bundle: String,
    pub tool: ToolRecord,
    pub product: Product,
    pub spec_digest: String,
    pub profiles: Vec<ProfileRecord>,
    pub run: RunRecord,
    pub verdicts: Vec<ProfileVerdict>,
    pub request_ids: Vec<RequestIds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_time: Option<OverTime>,
    pub files: Vec<FileRecord>,
}

impl Manifest {
    pub fn new(tool: ToolRecord, d: Derived, files: Vec<FileRecord>) -> Manifest {
        Manifest {
            bundle: BUNDLE_FORMAT.to_owned(),
            tool,
            product: d.product,
            spec_digest: d.spec_digest,
            profiles: d.profiles,
            run: d.run,
            verdicts: d.verdicts,
            request_ids: d.request_ids,
            over_time: d.over_time,
            files,
        }
    }

    /// The part of the manifest that the bundle's files say too.
    pub fn derived(&self) -> Derived {
        Derived {
            product: self.product.clone(),
            spec_digest: self.spec_digest.clone(),
            profiles: self.profiles.clone(),
            run: self.run.clone(),
            verdicts: self.verdicts.clone(),
            request_ids: self.request_ids.clone(),
            over_time: self.over_time.clone(),
        }
    }
}

/// The build of the tool that made the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolRecord {
    pub name: String,
    pub version: String,
    /// The git commit it was built from, or `unknown`.
    pub commit: String,
    /// SHA-256 of the executable that wrote the bundle.
    pub executable_sha256: String,
}

/// What the manifest says that the bundle's files say too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    pub product: Product,
    pub spec_digest: String,
    pub profiles: Vec<ProfileRecord>,
    pub run: RunRecord,
    pub verdicts: Vec<ProfileVerdict>,
    pub request_ids: Vec<RequestIds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_time: Option<OverTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileRecord {
    pub name: String,
    pub file: String,
    pub sha256: String,
    pub spec_digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    pub run_id: String,
    pub started_at: String,
    pub ended_at: String,
    pub target: String,
    pub base_urls: BTreeMap<String, String>,
    /// Redacted: no secret is ever on a command line, and none is kept.
    pub command_lines: Vec<String>,
    pub settings: RunSettings,
    pub filters: Vec<String>,
    pub tls_not_verified: Vec<String>,
    pub resumed_cases: usize,
    pub cases: usize,
}

/// The vendor's own ids of one exchange, as the response gave them, with its `Date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestIds {
    pub case: String,
    pub purpose: String,
    pub method: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub ids: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The bundle file of a profile.
pub fn profile_file(p: &Profile) -> String {
    format!("{PROFILES_DIR}/{}", p.file_name())
}

/// Everything the manifest derives from the run's report (case names following aliases), the
/// profiles, the product and the statement over time.
pub fn derive(
    report: &Report,
    profiles: &[&Profile],
    product: &Product,
    over_time: Option<OverTime>,
) -> Derived {
    let run = &report.run;
    let ended_at = chrono::DateTime::parse_from_rfc3339(&run.started_at)
        .map(|t| {
            (t + chrono::Duration::milliseconds(i64::try_from(run.duration_ms).unwrap_or(0)))
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
        .unwrap_or_default();
    let profile_run = run.profile_run.clone().unwrap_or_default();
    Derived {
        product: product.clone(),
        spec_digest: run.spec_digest.clone(),
        profiles: profiles
            .iter()
            .map(|p| ProfileRecord {
                name: p.name.clone(),
                file: profile_file(p),
                sha256: p.sha256.clone(),
                spec_digest: p.spec_digest.clone(),
            })
            .collect(),
        run: RunRecord {
            run_id: run.run_id.clone(),
            started_at: run.started_at.clone(),
            ended_at,
            target: run.target.clone(),
            base_urls: run.base_urls.clone(),
            command_lines: profile_run.command_lines,
            settings: profile_run.settings,
            filters: run.filters.clone(),
            tls_not_verified: run
                .tls
                .as_ref()
                .map(|t| t.not_verified.clone())
                .unwrap_or_default(),
            resumed_cases: run.resumed_cases,
            cases: report.cases.len(),
        },
        verdicts: profiles.iter().map(|p| verdict::judge(p, report)).collect(),
        request_ids: request_ids(report),
        over_time,
    }
}

/// Every exchange that got a response, with the vendor's request ids and `Date` it carried.
pub fn request_ids(report: &Report) -> Vec<RequestIds> {
    let mut out = Vec::new();
    for case in &report.cases {
        for x in &case.exchanges {
            let Some(resp) = &x.response else { continue };
            let mut ids = BTreeMap::new();
            let mut date = None;
            for (name, value) in &resp.headers {
                let lower = name.to_ascii_lowercase();
                if REQUEST_ID_HEADERS.contains(&lower.as_str()) {
                    ids.insert(name.clone(), value.clone());
                } else if lower == "date" {
                    date = Some(value.clone());
                }
            }
            out.push(RequestIds {
                case: case.name.clone(),
                purpose: x.purpose.clone(),
                method: x.request.method.clone(),
                status: resp.status,
                date,
                ids,
            });
        }
    }
    out
}

/// The fields of two derivations that differ, by name (`verdicts`, `run.settings`, …).
pub fn differing_fields(a: &Derived, b: &Derived) -> Vec<String> {
    let mut out = Vec::new();
    if a.product != b.product {
        out.push("product (PRODUCT.yaml)".to_owned());
    }
    if a.spec_digest != b.spec_digest {
        out.push("spec_digest".to_owned());
    }
    if a.profiles != b.profiles {
        out.push("profiles".to_owned());
    }
    let (r, s) = (&a.run, &b.run);
    for (field, same) in [
        ("run.run_id", r.run_id == s.run_id),
        ("run.started_at", r.started_at == s.started_at),
        ("run.ended_at", r.ended_at == s.ended_at),
        ("run.target", r.target == s.target),
        ("run.base_urls", r.base_urls == s.base_urls),
        ("run.command_lines", r.command_lines == s.command_lines),
        ("run.settings", r.settings == s.settings),
        ("run.filters", r.filters == s.filters),
        (
            "run.tls_not_verified",
            r.tls_not_verified == s.tls_not_verified,
        ),
        ("run.resumed_cases", r.resumed_cases == s.resumed_cases),
        ("run.cases", r.cases == s.cases),
    ] {
        if !same {
            out.push(field.to_owned());
        }
    }
    for (va, vb) in a.verdicts.iter().zip(&b.verdicts) {
        if va != vb {
            out.push(format!("verdicts ({})", va.profile));
        }
    }
    if a.verdicts.len() != b.verdicts.len() {
        out.push("verdicts".to_owned());
    }
    if a.request_ids != b.request_ids {
        out.push("request_ids".to_owned());
    }
    if a.over_time != b.over_time {
        out.push("over_time".to_owned());
    }
    out
}

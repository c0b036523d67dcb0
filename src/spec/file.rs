//! The spec file model: what a spec YAML file may say, as serde types.
//!
//! Every struct refuses unknown keys, so a misspelt key is a located error
//! rather than a silently ignored line. Fields whose meaning is checked after
//! parsing (ids, status codes, URI templates, embedded schemas) keep their
//! position with [`Spanned`].

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;

use crate::model::Severity;

/// Opens a placeholder: a value a spec draft could not take from its page
/// (`restart-conformance specs draft`), written as `"<FILL IN: what; where>"`.
/// The loader refuses a file that still holds one, at its line and column.
pub const PLACEHOLDER_OPEN: &str = "<FILL IN: ";

/// A whole spec file: one API's restart operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// API id used in case names, target files and reports (`ddm`, `clouddb-ha`, …).
    pub api: Spanned<String>,
    pub title: String,
    /// The seed document the spec is written from.
    pub document: String,
    pub method: Spanned<String>,
    pub uris: Vec<UriSpec>,
    pub vars: BTreeMap<String, VarSpec>,
    #[serde(default)]
    pub headers: Vec<HeaderSpec>,
    pub request: RequestSpec,
    /// The document's status code table; absent when the document lists none.
    #[serde(default)]
    pub statuses: Option<StatusTable>,
    #[serde(default)]
    pub responses: Vec<ResponseSpec>,
    pub errors: ErrorSpec,
    #[serde(default)]
    pub lifecycle: Option<LifecycleSpec>,
    #[serde(default)]
    pub concurrent: Option<ConcurrentSpec>,
    pub cases: Vec<CaseSpec>,
    #[serde(default)]
    pub negative: NegativeSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UriSpec {
    /// Short id that appears in case names when an API has several URIs (`v2.1`).
    pub id: Spanned<String>,
    pub path: Spanned<String>,
    /// Negative and lifecycle-only cases use the primary URI.
    #[serde(default)]
    pub primary: bool,
    pub source: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VarFrom {
    /// The value comes from the target file's `vars`.
    Target,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarSpec {
    pub from: VarFrom,
    /// This variable names the resource being restarted; the unknown-id case
    /// replaces it with a fresh UUID.
    #[serde(default)]
    pub resource: bool,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderSpec {
    pub name: String,
    pub required: bool,
    /// The header carries the token (`X-Auth-Token`).
    #[serde(default)]
    pub auth: bool,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub content_type: String,
    /// JSON Schema of the request body.
    pub schema: Spanned<serde_json::Value>,
    /// A full valid body (every property present): the base that negative
    /// cases mutate one property at a time.
    pub example: Spanned<serde_json::Value>,
    pub source: String,
}

/// The codes the document lists for this operation, and the vendor's general
/// status-code page where the document refers to one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusTable {
    /// The operation's own table (or the codes its text names).
    #[serde(default)]
    pub codes: Vec<Spanned<u16>>,
    pub source: String,
    /// The vendor's page of codes shared by every API (Huawei Cloud "Status
    /// Codes", Rackspace Cloud Databases "Faults"): a code listed there is
    /// documented for this API too.
    #[serde(default)]
    pub general: Option<GeneralPage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneralPage {
    pub codes: Vec<Spanned<u16>>,
    /// The page's title and where the seed (or its companion) refers to it.
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    pub status: Spanned<u16>,
    /// Severity of the body checks for this status.
    #[serde(default = "must")]
    pub severity: Severity,
    /// JSON Schema of the body, when the document gives one.
    #[serde(default)]
    pub schema: Option<Spanned<serde_json::Value>>,
    /// The document says there is no body.
    #[serde(default)]
    pub empty: bool,
    /// The document's example body.
    #[serde(default)]
    pub example: Option<serde_json::Value>,
    pub source: String,
}

/// The API's general error shape, for error statuses with no row of their own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    pub severity: Severity,
    pub schema: Spanned<serde_json::Value>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleSpec {
    /// Status URI template (GET), with the same variables as the action URI.
    pub uri: Spanned<String>,
    /// JSON Pointer to the state field in the status body.
    pub pointer: Spanned<String>,
    pub restarting: Vec<String>,
    pub steady: Vec<String>,
    pub severity: Severity,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConcurrentSpec {
    /// Body of both restarts.
    pub body: serde_json::Value,
    /// Codes that refuse the second restart.
    pub expect: Vec<Spanned<StatusPattern>>,
    pub severity: Severity,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    pub name: Spanned<String>,
    /// URI ids to run the case on; all of them when absent.
    #[serde(default)]
    pub uris: Option<Vec<Spanned<String>>>,
    pub body: serde_json::Value,
    pub expect: ExpectSpec,
    /// Compare the body with the document's example for this status.
    #[serde(default)]
    pub example: Option<Spanned<u16>>,
    /// Promises the document makes that no request can observe.
    #[serde(default)]
    pub not_verifiable: Vec<UnverifiableSpec>,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnverifiableSpec {
    pub id: String,
    pub message: String,
}

/// What a case expects back.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// Acceptable codes (must): exact codes or classes such as `4xx`.
    pub status: Vec<Spanned<StatusPattern>>,
    /// The code the document names, when a class is acceptable (should).
    #[serde(default)]
    pub preferred: Vec<Spanned<u16>>,
    /// Where the expectation comes from; the case's own source when absent.
    #[serde(default)]
    pub source: Option<String>,
}

/// Expected outcome per class of generated negative case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegativeSpec {
    #[serde(default)]
    pub missing_required: Option<ExpectSpec>,
    #[serde(default)]
    pub not_in_enum: Option<ExpectSpec>,
    #[serde(default)]
    pub wrong_type: Option<ExpectSpec>,
    #[serde(default)]
    pub malformed_json: Option<ExpectSpec>,
    #[serde(default)]
    pub media_type: Option<ExpectSpec>,
    #[serde(default)]
    pub no_token: Option<ExpectSpec>,
    #[serde(default)]
    pub unknown_id: Option<ExpectSpec>,
    #[serde(default)]
    pub method: Option<ExpectSpec>,
}

fn must() -> Severity {
    Severity::Must
}

/// An exact status code or a class (`2xx`, `4xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StatusPattern {
    Exact(u16),
    Class(u16),
}

impl StatusPattern {
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Exact(c) => c == status,
            StatusPattern::Class(k) => status / 100 == k,
        }
    }
}

impl fmt::Display for StatusPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusPattern::Exact(c) => write!(f, "{c}"),
            StatusPattern::Class(k) => write!(f, "{k}xx"),
        }
    }
}

impl<'de> Deserialize<'de> for StatusPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StatusPattern;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status code (100-599) or a class such as \"4xx\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusPattern, E> {
                match u16::try_from(v) {
                    Ok(c) if (100..=599).contains(&c) => Ok(StatusPattern::Exact(c)),
                    _ => Err(E::custom(format!(
                        "{v} is not an HTTP status code (100-599)"
                    ))),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusPattern, E> {
                match u64::try_from(v) {
                    Ok(u) => self.visit_u64(u),
                    Err(_) => Err(E::custom(format!(
                        "{v} is not an HTTP status code (100-599)"
                    ))),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusPattern, E> {
                let lower = v.to_ascii_lowercase();
                if let Some(k) = lower.strip_suffix("xx")
                    && let Ok(k) = k.parse::<u16>()
                    && (1..=5).contains(&k)
                {
                    return Ok(StatusPattern::Class(k));
                }
                match v.parse::<u64>() {
                    Ok(u) => self.visit_u64(u),
                    Err(_) => Err(E::custom(format!(
                        "`{v}` is neither a status code nor a class such as \"4xx\""
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

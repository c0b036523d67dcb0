//! The checked spec: what a spec file says once every rule holds, schemas compiled (once per
//! run) and statuses resolved. This is what the other stages read; the file's own shape is
//! [`super::file`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use super::file::{self, StatusPattern};
use crate::model::Severity;

/// A compiled JSON Schema and the schema itself (kept for generation and reports).
#[derive(Debug, Clone)]
pub struct Compiled {
    pub schema: Value,
    pub validator: Arc<Validator>,
}

/// A URI template such as `/v2.1/{project_id}/servers/{server_id}/action`.
#[derive(Debug, Clone)]
pub struct UriTemplate {
    pub id: String,
    pub path: String,
    pub source: String,
}

impl UriTemplate {
    /// Variable names in order of appearance.
    pub fn vars(&self) -> Vec<String> {
        template_vars(&self.path).unwrap_or_default()
    }
}

/// The status codes documented for an API: its own table, then the vendor's
/// general page.
#[derive(Debug, Clone)]
pub struct Documented {
    pub table: Vec<u16>,
    pub source: String,
    pub general: Vec<u16>,
    pub general_source: Option<String>,
}

impl Documented {
    /// Every documented code, the table's first.
    pub fn all(&self) -> Vec<u16> {
        let mut all = self.table.clone();
        all.extend(self.general.iter().filter(|c| !self.table.contains(c)));
        all
    }

    pub fn contains(&self, code: u16) -> bool {
        self.table.contains(&code) || self.general.contains(&code)
    }
}

#[derive(Debug, Clone)]
pub struct Expect {
    pub status: Vec<StatusPattern>,
    pub preferred: Vec<u16>,
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ResponseDoc {
    pub severity: Severity,
    pub schema: Option<Compiled>,
    pub empty: bool,
    pub example: Option<Value>,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub uri: UriTemplate,
    pub pointer: String,
    pub restarting: Vec<String>,
    pub steady: Vec<String>,
    pub severity: Severity,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Concurrent {
    pub body: Value,
    pub expect: Vec<StatusPattern>,
    pub severity: Severity,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct SpecCase {
    pub name: String,
    pub uris: Vec<String>,
    pub body: Value,
    pub expect: Expect,
    pub example: Option<u16>,
    pub not_verifiable: Vec<file::UnverifiableSpec>,
    pub source: String,
}

/// Expected outcome for each class of generated negative case.
#[derive(Debug, Clone)]
pub struct Negative {
    pub missing_required: Option<Expect>,
    pub not_in_enum: Option<Expect>,
    pub wrong_type: Option<Expect>,
    pub malformed_json: Option<Expect>,
    pub media_type: Option<Expect>,
    pub no_token: Option<Expect>,
    pub unknown_id: Option<Expect>,
    pub method: Option<Expect>,
}

/// One API's restart operation, checked and with its schemas compiled.
#[derive(Debug, Clone)]
pub struct Spec {
    pub api: String,
    pub title: String,
    pub document: String,
    /// Where the spec was read from (for messages).
    pub path: PathBuf,
    pub method: String,
    pub uris: Vec<UriTemplate>,
    /// Index into `uris` of the URI used by negative and concurrency cases.
    pub primary_uri: usize,
    /// Variables whose values come from the target file.
    pub target_vars: Vec<String>,
    /// The variable naming the restarted resource.
    pub resource_var: String,
    /// Name of the header that carries the token, and where the rule comes from.
    pub auth_header: Option<(String, String)>,
    pub content_type: String,
    pub request_schema: Compiled,
    pub request_example: Value,
    pub request_source: String,
    pub documented: Option<Documented>,
    pub responses: BTreeMap<u16, ResponseDoc>,
    pub errors: ResponseDoc,
    pub lifecycle: Option<Lifecycle>,
    pub concurrent: Option<Concurrent>,
    pub cases: Vec<SpecCase>,
    pub negative: Negative,
}

/// Every spec of a run, in file-name order, and a digest of their text.
#[derive(Debug, Clone)]
pub struct SpecSet {
    pub specs: Vec<Spec>,
    /// SHA-256 of the spec files' names and bytes, hex.
    pub digest: String,
}

/// `{name}` variables of a URI template; `None` when braces do not pair up.
pub(super) fn template_vars(path: &str) -> Option<Vec<String>> {
    let mut vars = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return None;
        }
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return None;
        }
        vars.push(name.to_owned());
        rest = &after[close + 1..];
    }
    Some(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_vars_are_found_in_order() {
        assert_eq!(
            template_vars("/v2.1/{project_id}/servers/{server_id}/action").unwrap(),
            vec!["project_id", "server_id"]
        );
        assert!(template_vars("/v1/{a/b").is_none());
        assert!(template_vars("/v1/a}/b").is_none());
    }
}

//! Loading and validating spec files.
//!
//! Parsing is strict (unknown keys, duplicate keys and non-boolean `yes`/`no`
//! are errors), and every rule that serde cannot express is checked here with
//! the position of the offending value: URI variables need a value source,
//! statuses named by cases must be documented, embedded schemas must be valid
//! JSON Schema and positive bodies must satisfy the request schema.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{Dir, include_dir};
use jsonschema::Validator;
use serde_json::Value;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

use super::model::{self, SpecFile, StatusPattern};
use crate::model::Severity;
use crate::yaml::{
    Located, MAX_FILE_BYTES, Pos, builtin_sources, is_yaml_file, parse_yaml_file, render_all,
};

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/specs");

/// How built-in specs are named in messages.
pub const BUILTIN_SPECS_LABEL: &str = "specs";

/// Every located problem found while loading a spec set.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{}", render_all(.0))]
    Invalid(Vec<Located>),
    #[error("failed to read spec directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

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
    pub not_verifiable: Vec<model::UnverifiableSpec>,
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

/// Loads the specs built into the binary.
pub fn load_builtin() -> Result<SpecSet, SpecError> {
    load_sources(builtin_sources(&BUILTIN, BUILTIN_SPECS_LABEL))
}

/// Loads every `*.yaml`/`*.yml` file of `dir`.
pub fn load_dir(dir: &Path) -> Result<SpecSet, SpecError> {
    let io = |source| SpecError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() && is_yaml_file(&path) {
            let bytes = std::fs::read(&path).map_err(|source| SpecError::Io {
                path: path.clone(),
                source,
            })?;
            sources.push((path, bytes));
        }
    }
    if sources.is_empty() {
        return Err(SpecError::Invalid(vec![
            Located::new(dir, "", None, "no spec files")
                .label("the directory holds no *.yaml file")
                .help("point --specs at a folder of spec files, such as the project's specs/"),
        ]));
    }
    load_sources(sources)
}

/// Parses and checks spec files given as (path, bytes).
pub fn load_sources(mut sources: Vec<(PathBuf, Vec<u8>)>) -> Result<SpecSet, SpecError> {
    sources.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hasher = Sha256::new();
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    let mut apis: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (path, bytes) in &sources {
        hasher.update(
            path.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        hasher.update([0]);
        hasher.update(bytes);
        match load_one(path, bytes) {
            Ok(spec) => {
                if let Some(first) = apis.get(&spec.api) {
                    errors.push(
                        Located::new(
                            path,
                            "",
                            None,
                            format!("API `{}` is defined twice", spec.api),
                        )
                        .label(format!("also defined in {}", first.display()))
                        .help("give each spec file its own `api` id"),
                    );
                } else {
                    apis.insert(spec.api.clone(), path.clone());
                    specs.push(spec);
                }
            }
            Err(e) => errors.extend(e.into_iter().map(Located::unmasked)),
        }
    }
    if errors.is_empty() {
        let digest = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(SpecSet { specs, digest })
    } else {
        Err(SpecError::Invalid(errors))
    }
}

/// `{name}` variables of a URI template; `None` when braces do not pair up.
fn template_vars(path: &str) -> Option<Vec<String>> {
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

/// Collects located errors for one file.
struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    errors: Vec<Located>,
}

impl Checker<'_> {
    fn at<T>(
        &mut self,
        span: &Spanned<T>,
        title: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.errors.push(
            Located::new(
                self.path,
                self.text,
                Some(Pos::from_saphyr(&span.referenced)),
                title,
            )
            .label(label)
            .help(help),
        );
    }

    fn compile(&mut self, schema: &Spanned<Value>, what: &str) -> Option<Compiled> {
        if let Err(e) = jsonschema::meta::validate(&schema.value) {
            self.at(
                schema,
                format!("invalid JSON Schema in {what}"),
                format!("{e} (at {})", e.instance_path()),
                "fix the schema; it is read as JSON Schema 2020-12",
            );
            return None;
        }
        match jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(false)
            .build(&schema.value)
        {
            Ok(v) => Some(Compiled {
                schema: schema.value.clone(),
                validator: Arc::new(v),
            }),
            Err(e) => {
                self.at(
                    schema,
                    format!("invalid JSON Schema in {what}"),
                    e.to_string(),
                    "fix the schema; remote `$ref`s are not fetched, keep schemas self-contained",
                );
                None
            }
        }
    }

    fn statuses(
        &mut self,
        patterns: &[Spanned<StatusPattern>],
        documented: Option<&[u16]>,
        what: &str,
    ) -> Vec<StatusPattern> {
        if patterns.is_empty() {
            self.errors.push(
                Located::new(
                    self.path,
                    self.text,
                    None,
                    format!("{what} lists no status"),
                )
                .help(
                    "list the codes that answer this case, e.g. `status: [400]` or `status: [4xx]`",
                ),
            );
        }
        for p in patterns {
            if let (StatusPattern::Exact(code), Some(doc)) = (p.value, documented)
                && !doc.contains(&code)
            {
                self.at(
                    p,
                    format!("{what} names undocumented status {code}"),
                    format!("{code} is not in the document's status table"),
                    format!(
                        "use a documented code ({}) or a class such as 4xx",
                        join(doc)
                    ),
                );
            }
        }
        patterns.iter().map(|p| p.value).collect()
    }

    fn expect(&mut self, e: &model::ExpectSpec, documented: Option<&[u16]>, what: &str) -> Expect {
        let status = self.statuses(&e.status, documented, what);
        for p in &e.preferred {
            if let Some(doc) = documented
                && !doc.contains(&p.value)
            {
                self.at(
                    p,
                    format!("{what} prefers undocumented status {}", p.value),
                    "not in the document's status table",
                    format!("use a documented code ({})", join(doc)),
                );
            }
        }
        Expect {
            status,
            preferred: e.preferred.iter().map(|p| p.value).collect(),
            source: e.source.clone(),
        }
    }
}

fn join(codes: &[u16]) -> String {
    codes
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `uris` part, with the ids it declares and the variables marked
/// `resource: true`.
struct UriPart {
    uris: Vec<UriTemplate>,
    primary: Option<usize>,
    ids: BTreeSet<String>,
    resource_vars: Vec<String>,
}

/// What a case is checked against: the parts loaded before `cases`.
struct CaseContext<'a> {
    uris: &'a UriPart,
    doc: Option<&'a [u16]>,
    responses: &'a BTreeMap<u16, ResponseDoc>,
    request_schema: Option<&'a Compiled>,
}

impl Checker<'_> {
    /// The `api` id: lowercase letters, digits and `-`.
    fn api_id(&mut self, api: &Spanned<String>) -> String {
        let id = api.value.clone();
        if id.is_empty()
            || !id
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        {
            self.at(
                api,
                "invalid API id",
                format!("`{id}` is not a lowercase id"),
                "use lowercase letters, digits and `-`, e.g. `clouddb-ha`",
            );
        }
        id
    }

    /// The `method`, upper-cased; only methods an action API can use.
    fn method(&mut self, method: &Spanned<String>) -> String {
        let upper = method.value.to_ascii_uppercase();
        if !["POST", "PUT", "PATCH", "DELETE", "GET"].contains(&upper.as_str()) {
            self.at(
                method,
                "unknown HTTP method",
                format!("`{}`", method.value),
                "use POST, PUT, PATCH, DELETE or GET",
            );
        }
        upper
    }

    /// One URI template: braces pair up, the path is absolute and every
    /// `{name}` has a value source under `vars`.
    fn template(
        &mut self,
        t: &Spanned<String>,
        what: &str,
        vars: &BTreeMap<String, model::VarSpec>,
    ) {
        let Some(names) = template_vars(&t.value) else {
            self.at(
                t,
                format!("malformed URI template in {what}"),
                "braces do not pair up",
                "write variables as `{name}`",
            );
            return;
        };
        if !t.value.starts_with('/') {
            self.at(
                t,
                format!("URI template in {what} must start with `/`"),
                "relative path",
                "start the path with `/`",
            );
        }
        for v in names {
            if !vars.contains_key(&v) {
                self.at(
                    t,
                    format!("URI variable `{v}` has no value source"),
                    format!("`{{{v}}}` is not declared under `vars`"),
                    format!(
                        "add `{v}: {{ from: target, source: \"…\" }}` under `vars`, or fix the spelling"
                    ),
                );
            }
        }
    }

    /// The `uris` and `vars` parts: templates, unique ids, at least one URI
    /// and exactly one resource variable.
    fn uris(&mut self, file: &SpecFile) -> UriPart {
        let resource_vars: Vec<String> = file
            .vars
            .iter()
            .filter(|(_, var)| var.resource)
            .map(|(name, _)| name.clone())
            .collect();
        let mut part = UriPart {
            uris: Vec::new(),
            primary: None,
            ids: BTreeSet::new(),
            resource_vars,
        };
        for (i, u) in file.uris.iter().enumerate() {
            self.template(&u.path, "`uris`", &file.vars);
            if !part.ids.insert(u.id.value.clone()) {
                self.at(
                    &u.id,
                    "duplicate URI id",
                    format!("`{}` is used twice", u.id.value),
                    "give each URI its own id",
                );
            }
            if u.primary {
                part.primary = Some(i);
            }
            part.uris.push(UriTemplate {
                id: u.id.value.clone(),
                path: u.path.value.clone(),
                source: u.source.clone(),
            });
        }
        if part.uris.is_empty() {
            self.errors.push(
                Located::new(self.path, self.text, None, "no URI")
                    .help("list the action URI under `uris`"),
            );
        }
        if part.resource_vars.len() != 1 {
            self.at(
                &file.api,
                "one variable must name the resource",
                format!(
                    "{} variables have `resource: true`",
                    part.resource_vars.len()
                ),
                "mark exactly one variable (the instance or server id) with `resource: true`",
            );
        }
        part
    }

    /// The `statuses` part: every code is an HTTP status; the documented table.
    fn documented(&mut self, table: Option<&model::StatusTable>) -> Option<Documented> {
        let t = table?;
        let general = t.general.iter().flat_map(|g| g.codes.iter());
        for code in t.codes.iter().chain(general) {
            if !(100..=599).contains(&code.value) {
                self.at(
                    code,
                    format!("{} is not an HTTP status code", code.value),
                    "not in 100-599",
                    "list the codes as the document prints them",
                );
            }
        }
        Some(Documented {
            table: t.codes.iter().map(|s| s.value).collect(),
            source: t.source.clone(),
            general: t
                .general
                .iter()
                .flat_map(|g| g.codes.iter().map(|s| s.value))
                .collect(),
            general_source: t.general.as_ref().map(|g| g.source.clone()),
        })
    }

    /// The `request.example`: a full valid body, since negative cases are
    /// derived from it.
    fn request_example(&mut self, schema: Option<&Compiled>, example: &Spanned<Value>) {
        if let Some(rs) = schema
            && !rs.validator.is_valid(&example.value)
        {
            self.at(
                example,
                "request example does not match `request.schema`",
                "not a valid body",
                "make the example a full valid body: negative cases are derived from it",
            );
        }
    }

    /// The `responses` part: documented statuses, compiled schemas, examples
    /// that match them, one entry per status.
    fn responses(
        &mut self,
        list: &[model::ResponseSpec],
        doc: Option<&[u16]>,
    ) -> BTreeMap<u16, ResponseDoc> {
        let mut responses = BTreeMap::new();
        for r in list {
            if let Some(d) = doc
                && !d.contains(&r.status.value)
            {
                self.at(
                    &r.status,
                    format!("response {} is not documented", r.status.value),
                    "not in `statuses.codes` nor `statuses.general.codes`",
                    "add it to `statuses.codes` or remove the response",
                );
            }
            let schema = r
                .schema
                .as_ref()
                .and_then(|s| self.compile(s, &format!("response {}", r.status.value)));
            if let (Some(s), Some(ex)) = (&schema, &r.example)
                && !s.validator.is_valid(ex)
            {
                self.at(
                    &r.status,
                    format!(
                        "example of response {} does not match its schema",
                        r.status.value
                    ),
                    "example and schema disagree",
                    "fix the example or the schema",
                );
            }
            if responses.contains_key(&r.status.value) {
                self.at(
                    &r.status,
                    "duplicate response",
                    format!("{} is described twice", r.status.value),
                    "keep one entry per status",
                );
            }
            responses.insert(
                r.status.value,
                ResponseDoc {
                    severity: r.severity,
                    schema,
                    empty: r.empty,
                    example: r.example.clone(),
                    source: r.source.clone(),
                },
            );
        }
        responses
    }

    /// The `errors` part: the schema every error body follows.
    fn errors_doc(&mut self, e: &model::ErrorSpec) -> ResponseDoc {
        ResponseDoc {
            severity: e.severity,
            schema: self.compile(&e.schema, "`errors.schema`"),
            empty: false,
            example: None,
            source: e.source.clone(),
        }
    }

    /// The `lifecycle` part: the status URI, the JSON pointer and both state lists.
    fn lifecycle(
        &mut self,
        l: &model::LifecycleSpec,
        vars: &BTreeMap<String, model::VarSpec>,
    ) -> Lifecycle {
        self.template(&l.uri, "`lifecycle.uri`", vars);
        if !l.pointer.value.is_empty() && !l.pointer.value.starts_with('/') {
            self.at(
                &l.pointer,
                "invalid JSON pointer",
                "a pointer starts with `/`",
                "write e.g. `/server/status`",
            );
        }
        if l.steady.is_empty() || l.restarting.is_empty() {
            self.at(
                &l.uri,
                "lifecycle needs both state lists",
                "`restarting` and `steady` must each name a state",
                "list the documented states",
            );
        }
        Lifecycle {
            uri: UriTemplate {
                id: "status".into(),
                path: l.uri.value.clone(),
                source: l.source.clone(),
            },
            pointer: l.pointer.value.clone(),
            restarting: l.restarting.clone(),
            steady: l.steady.clone(),
            severity: l.severity,
            source: l.source.clone(),
        }
    }

    /// The `concurrent` part: documented statuses for a second restart.
    fn concurrent(&mut self, k: &model::ConcurrentSpec, doc: Option<&[u16]>) -> Concurrent {
        Concurrent {
            body: k.body.clone(),
            expect: self.statuses(&k.expect, doc, "`concurrent.expect`"),
            severity: k.severity,
            source: k.source.clone(),
        }
    }

    /// The `cases` part: unique well-formed names, then each case's own rules.
    fn cases(&mut self, list: &[model::CaseSpec], ctx: &CaseContext<'_>) -> Vec<SpecCase> {
        let mut cases = Vec::new();
        let mut names = BTreeSet::new();
        for cs in list {
            let name = cs.name.value.clone();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                self.at(
                    &cs.name,
                    "invalid case name",
                    format!("`{name}`"),
                    "use letters, digits and `_`, e.g. `reboot_soft`",
                );
            }
            if !names.insert(name.clone()) {
                self.at(
                    &cs.name,
                    "duplicate case name",
                    format!("`{name}` is used twice"),
                    "give each case its own name",
                );
            }
            cases.push(self.case(cs, name, ctx));
        }
        cases
    }

    /// One case: its URI ids, expectation, example, body and declared
    /// unverifiable promises.
    fn case(&mut self, cs: &model::CaseSpec, name: String, ctx: &CaseContext<'_>) -> SpecCase {
        let uris = self.case_uris(cs.uris.as_deref(), ctx.uris);
        let expect = self.expect(&cs.expect, ctx.doc, &format!("case `{name}`"));
        if let Some(ex) = &cs.example
            && ctx
                .responses
                .get(&ex.value)
                .and_then(|r| r.example.as_ref())
                .is_none()
        {
            self.at(
                ex,
                "no example to compare with",
                format!("response {} has no `example`", ex.value),
                "add the document's example under that response, or drop `example`",
            );
        }
        if let Some(rs) = ctx.request_schema
            && expect
                .status
                .iter()
                .any(|s| matches!(s, StatusPattern::Exact(200..=299) | StatusPattern::Class(2)))
            && !rs.validator.is_valid(&cs.body)
        {
            self.at(
                &cs.name,
                format!("body of case `{name}` does not match `request.schema`"),
                "a case expecting success sends an invalid body",
                "fix the body or the schema",
            );
        }
        self.not_verifiable(cs, &name);
        SpecCase {
            name,
            uris,
            body: cs.body.clone(),
            expect,
            example: cs.example.as_ref().map(|e| e.value),
            not_verifiable: cs.not_verifiable.clone(),
            source: cs.source.clone(),
        }
    }

    /// A case's `uris`: all of them when absent, else ids declared under `uris`.
    fn case_uris(&mut self, list: Option<&[Spanned<String>]>, part: &UriPart) -> Vec<String> {
        let Some(list) = list else {
            return part.uris.iter().map(|u| u.id.clone()).collect();
        };
        for u in list {
            if !part.ids.contains(&u.value) {
                self.at(
                    u,
                    "unknown URI id",
                    format!("`{}` is not an id under `uris`", u.value),
                    format!(
                        "use one of {}",
                        part.ids.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
        list.iter().map(|u| u.value.clone()).collect()
    }

    /// A case's `not_verifiable` ids: dotted lowercase, and not one of the
    /// harness's own check ids.
    fn not_verifiable(&mut self, cs: &model::CaseSpec, name: &str) {
        for nv in &cs.not_verifiable {
            let id = nv.id.as_str();
            let well_formed = id.contains('.')
                && !id.starts_with('.')
                && !id.ends_with('.')
                && id.chars().all(|ch| {
                    ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_' || ch == '.'
                });
            // Ids the harness's own checks use: a declared promise must not
            // masquerade as one of them in reports.
            let reserved = [
                "status.",
                "content_type.",
                "body.",
                "lifecycle.",
                "transport",
            ]
            .iter()
            .any(|p| id.starts_with(p))
                || id == "restart.concurrent_refused";
            if !well_formed || reserved {
                self.at(
                    &cs.name,
                    format!("invalid `not_verifiable` id `{id}` in case `{name}`"),
                    if reserved {
                        "this id belongs to one of the harness's own checks"
                    } else {
                        "not a dotted lowercase id"
                    },
                    "name the promise like `restart.type_effect`",
                );
            }
        }
    }

    /// The `negative` part: the expected answer to each generated class.
    fn negative(&mut self, n: &model::NegativeSpec, doc: Option<&[u16]>) -> Negative {
        let mut neg = |e: &Option<model::ExpectSpec>, class: &str| {
            e.as_ref()
                .map(|e| self.expect(e, doc, &format!("`negative.{class}`")))
        };
        Negative {
            missing_required: neg(&n.missing_required, "missing_required"),
            not_in_enum: neg(&n.not_in_enum, "not_in_enum"),
            wrong_type: neg(&n.wrong_type, "wrong_type"),
            malformed_json: neg(&n.malformed_json, "malformed_json"),
            media_type: neg(&n.media_type, "media_type"),
            no_token: neg(&n.no_token, "no_token"),
            unknown_id: neg(&n.unknown_id, "unknown_id"),
            method: neg(&n.method, "method"),
        }
    }
}

/// Every placeholder a draft left (see [`model::PLACEHOLDER_OPEN`]), each at
/// its line and column, with what to write there and where to look: a draft
/// cannot run until a person has filled in what its page did not say.
/// Comment lines are skipped, so a note about a placeholder is no placeholder.
fn refuse_placeholders(path: &Path, text: &str) -> Vec<Located> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut from = 0;
        while let Some(at) = line[from..].find(model::PLACEHOLDER_OPEN) {
            let start = from + at;
            let inner = &line[start + model::PLACEHOLDER_OPEN.len()..];
            let inner = inner
                .split('>')
                .next()
                .unwrap_or(inner)
                .replace("\\\"", "\"");
            let (what, where_) = inner.split_once("; ").unwrap_or((&inner, ""));
            let column = line[..start].chars().count() + 1;
            let mut e = Located::new(
                path,
                text,
                Some(Pos {
                    line: i + 1,
                    column,
                }),
                "placeholder left in a draft",
            )
            .label(format!("fill in {what}"));
            if !where_.is_empty() {
                e = e.help(where_.to_owned());
            }
            found.push(e);
            from = start + model::PLACEHOLDER_OPEN.len();
        }
    }
    found
}

/// Parses one spec file and checks it part by part, in file order, so errors
/// come out in the order a reader meets them.
fn load_one(path: &Path, bytes: &[u8]) -> Result<Spec, Vec<Located>> {
    if let (true, Ok(text)) = (bytes.len() <= MAX_FILE_BYTES, std::str::from_utf8(bytes)) {
        let left = refuse_placeholders(path, text);
        if !left.is_empty() {
            return Err(left);
        }
    }
    let (file, text) =
        parse_yaml_file::<SpecFile>(path, bytes, "spec file").map_err(|e| vec![e])?;
    let mut c = Checker {
        path,
        text: &text,
        errors: Vec::new(),
    };

    let api = c.api_id(&file.api);
    let method = c.method(&file.method);
    let uri_part = c.uris(&file);
    let request_schema = c.compile(&file.request.schema, "`request.schema`");
    let documented = c.documented(file.statuses.as_ref());
    let doc_codes = documented.as_ref().map(Documented::all);
    let doc = doc_codes.as_deref();
    c.request_example(request_schema.as_ref(), &file.request.example);
    let responses = c.responses(&file.responses, doc);
    let errors = c.errors_doc(&file.errors);
    let lifecycle = file.lifecycle.as_ref().map(|l| c.lifecycle(l, &file.vars));
    let concurrent = file.concurrent.as_ref().map(|k| c.concurrent(k, doc));
    let cases = c.cases(
        &file.cases,
        &CaseContext {
            uris: &uri_part,
            doc,
            responses: &responses,
            request_schema: request_schema.as_ref(),
        },
    );
    let negative = c.negative(&file.negative, doc);

    let auth_header = file
        .headers
        .iter()
        .find(|h| h.auth)
        .map(|h| (h.name.clone(), h.source.clone()));
    let target_vars = file.vars.keys().cloned().collect();

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let UriPart {
        uris,
        primary,
        resource_vars,
        ..
    } = uri_part;
    let (Some(request_schema), Some(resource_var)) =
        (request_schema, resource_vars.into_iter().next())
    else {
        return Err(vec![Located::new(path, &text, None, "spec is incomplete")]);
    };
    Ok(Spec {
        api,
        title: file.title,
        document: file.document,
        path: path.to_path_buf(),
        method,
        uris,
        primary_uri: primary.unwrap_or(0),
        target_vars,
        resource_var,
        auth_header,
        content_type: file.request.content_type,
        request_schema,
        request_example: file.request.example.value,
        request_source: file.request.source,
        documented,
        responses,
        errors,
        lifecycle,
        concurrent,
        cases,
        negative,
    })
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

    #[test]
    fn general_page_codes_are_documented_and_checked() {
        let set = load_builtin().unwrap_or_else(|e| panic!("{e}"));
        let ha = set
            .specs
            .iter()
            .find(|s| s.api == "clouddb-ha")
            .and_then(|s| s.documented.clone())
            .unwrap_or_else(|| panic!("clouddb-ha has a status table"));
        assert!(!ha.table.contains(&415) && ha.contains(415));
        assert!(
            ha.general_source
                .as_deref()
                .is_some_and(|s| s.contains("Faults"))
        );
        assert!(!ha.contains(409));

        let text = String::from_utf8_lossy(include_bytes!("../../specs/modelarts.yaml"))
            .replace("codes: [200]", "codes: [200, 2000]");
        let err = load_sources(vec![("specs/modelarts.yaml".into(), text.into_bytes())])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("2000 is not an HTTP status code"), "{err}");
    }

    #[test]
    fn builtin_specs_load() {
        let set = load_builtin().unwrap_or_else(|e| panic!("{e}"));
        let apis: Vec<_> = set.specs.iter().map(|s| s.api.as_str()).collect();
        assert_eq!(apis, ["clouddb-ha", "clouddb", "ddm", "ecs", "modelarts"]);
        assert_eq!(set.digest.len(), 64);
    }
}

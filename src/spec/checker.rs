//! The rules of a spec file that serde cannot express, each checked with the position of the
//! offending value: URI variables need a value source, statuses named by cases must be
//! documented, embedded schemas must be valid JSON Schema and positive bodies must satisfy the
//! request schema. A parsed [`SpecFile`] in, a checked [`Spec`] or every located error out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use serde_saphyr::Spanned;

use super::checked::{
    Compiled, Concurrent, Documented, Expect, Lifecycle, Negative, ResponseDoc, Spec, SpecCase,
    UriTemplate, template_vars,
};
use super::file::{self, SpecFile, StatusPattern};
use crate::yaml::{Located, Pos};

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

    fn expect(&mut self, e: &file::ExpectSpec, documented: Option<&[u16]>, what: &str) -> Expect {
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
        vars: &BTreeMap<String, file::VarSpec>,
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
    fn documented(&mut self, table: Option<&file::StatusTable>) -> Option<Documented> {
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
        list: &[file::ResponseSpec],
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
    fn errors_doc(&mut self, e: &file::ErrorSpec) -> ResponseDoc {
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
        l: &file::LifecycleSpec,
        vars: &BTreeMap<String, file::VarSpec>,
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
    fn concurrent(&mut self, k: &file::ConcurrentSpec, doc: Option<&[u16]>) -> Concurrent {
        Concurrent {
            body: k.body.clone(),
            expect: self.statuses(&k.expect, doc, "`concurrent.expect`"),
            severity: k.severity,
            source: k.source.clone(),
        }
    }

    /// The `cases` part: unique well-formed names, then each case's own rules.
    fn cases(&mut self, list: &[file::CaseSpec], ctx: &CaseContext<'_>) -> Vec<SpecCase> {
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
    fn case(&mut self, cs: &file::CaseSpec, name: String, ctx: &CaseContext<'_>) -> SpecCase {
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
    fn not_verifiable(&mut self, cs: &file::CaseSpec, name: &str) {
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
    fn negative(&mut self, n: &file::NegativeSpec, doc: Option<&[u16]>) -> Negative {
        let mut neg = |e: &Option<file::ExpectSpec>, class: &str| {
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

/// Checks a parsed spec file part by part, in file order, so errors come out in the order a
/// reader meets them; the checked [`Spec`] when nothing is wrong.
pub(super) fn check(path: &Path, text: &str, file: SpecFile) -> Result<Spec, Vec<Located>> {
    let mut c = Checker {
        path,
        text,
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
        return Err(vec![Located::new(path, text, None, "spec is incomplete")]);
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

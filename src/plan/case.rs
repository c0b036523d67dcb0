//! Cases: one request (or restart sequence) with its expected outcome.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::negative::{MutationClass, body_mutations};
use super::uri::fill;
use crate::endpoint::{Endpoint, Tamper};
pub use crate::model::Group;
use crate::spec::{Expect, Spec, SpecSet, StatusPattern, UriTemplate};

/// What a case does, which decides how the runner drives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// A restart that must be accepted; its lifecycle is watched.
    Restart,
    /// A request that must be refused.
    Negative,
    /// A restart, then a second one while the first is running.
    Concurrent,
}

/// The request a case sends, before the base URL is known.
#[derive(Debug, Clone)]
pub struct RequestTemplate {
    pub method: String,
    pub uri: UriTemplate,
    /// Raw body bytes: negative cases may send bytes that are not JSON.
    pub body: Option<Vec<u8>>,
    pub content_type: Option<String>,
    pub send_token: bool,
    /// Replace the resource variable with an id the target cannot know.
    pub unknown_resource: bool,
    /// How a signed API's request is signed: right, or wrong on purpose.
    pub tamper: Tamper,
}

#[derive(Debug, Clone)]
pub struct Case {
    /// `<api>::<case>`, `<api>::<uri>::<case>` or `<api>::negative::<what>`.
    pub name: String,
    pub api: String,
    pub kind: CaseKind,
    pub group: Group,
    pub source: String,
    pub request: RequestTemplate,
    pub expect: Expect,
    /// Compare the body with the document's example for this status.
    pub example: Option<u16>,
    /// What a negative case changed, naming the field and the value sent.
    pub mutation: Option<String>,
    pub not_verifiable: Vec<crate::spec::file::UnverifiableSpec>,
    /// The case names the real resource, so it runs only while that resource
    /// is steady, one case at a time.
    pub touches_resource: bool,
    pub spec: Arc<Spec>,
    /// URLs and resource on the endpoint; `None` until [`bind`], and for an
    /// API the endpoint does not configure.
    pub bound: Option<Bound>,
}

/// Where a case goes on a configured endpoint, fixed when the plan is bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The main request's URL.
    pub url: String,
    /// The status URL of the case's resource, when the spec has a lifecycle.
    pub status_url: Option<String>,
    /// The resource id the case names (the resource variable's value).
    pub resource: String,
}

impl Bound {
    /// `api/resource-id`: the unit of ordering and of partitions.
    pub fn resource_key(&self, api: &str) -> String {
        format!("{api}/{}", self.resource)
    }
}

impl Case {
    /// The expected refusal of a restart during a restart.
    pub fn concurrent_expect(&self) -> Option<&crate::spec::Concurrent> {
        self.spec.concurrent.as_ref()
    }

    /// `api/resource-id` once bound; the API id alone for an unconfigured API.
    pub fn resource_key(&self) -> String {
        match &self.bound {
            Some(b) => b.resource_key(&self.api),
            None => self.api.clone(),
        }
    }
}

/// Binds planned cases to an endpoint: each case of a configured API gets
/// its URLs and a resource. With several resources per API the cases are
/// dealt out round-robin, restarts and other cases separately, so each
/// resource gets its share of the (slow) accepted restarts. Cases of an API
/// the endpoint does not configure stay unbound (they are skipped).
/// `unknown_id` replaces the resource id in unknown-resource cases.
pub fn bind(cases: Vec<Case>, endpoint: &Endpoint, unknown_id: &str) -> Vec<Case> {
    let mut dealt: BTreeMap<(String, bool), usize> = BTreeMap::new();
    cases
        .into_iter()
        // The signature cases are for APIs that sign (see `plan_with`).
        .filter(|case| {
            case.request.tamper == Tamper::None
                || endpoint
                    .apis
                    .get(&case.api)
                    .is_some_and(|a| a.signer.is_some())
        })
        .map(|mut case| {
            let Some(api) = endpoint.apis.get(&case.api) else {
                return case;
            };
            let spec = case.spec.clone();
            let resources: Vec<String> = if api.resources.is_empty() {
                api.vars
                    .get(&spec.resource_var)
                    .cloned()
                    .into_iter()
                    .collect()
            } else {
                api.resources.clone()
            };
            let Some(resource) = deal(&mut dealt, &case, &resources) else {
                return case;
            };
            let mut vars = api.vars.clone();
            vars.insert(spec.resource_var.clone(), resource.clone());
            let status_url = spec
                .lifecycle
                .as_ref()
                .and_then(|lc| fill(&lc.uri.path, &vars))
                .map(|p| format!("{}{p}", api.base_url));
            if case.request.unknown_resource {
                vars.insert(spec.resource_var.clone(), unknown_id.to_owned());
            }
            case.bound = fill(&case.request.uri.path, &vars).map(|p| Bound {
                url: format!("{}{p}", api.base_url),
                status_url,
                resource,
            });
            case
        })
        .collect()
}

/// The resource `case` goes to: restarts and other cases are dealt out
/// round-robin, each kind on its own. The concurrency probe is not dealt: it
/// goes to the first resource, where the API's first restart goes, so that
/// it can send its second restart while that restart runs instead of
/// causing one of its own (`run` falls back when it cannot).
fn deal(
    dealt: &mut BTreeMap<(String, bool), usize>,
    case: &Case,
    resources: &[String],
) -> Option<String> {
    if case.kind == CaseKind::Concurrent {
        return resources.first().cloned();
    }
    let turn = dealt
        .entry((case.api.clone(), case.kind == CaseKind::Restart))
        .or_default();
    let resource = resources.get(*turn % resources.len().max(1)).cloned()?;
    *turn += 1;
    Some(resource)
}

pub(super) fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// Fallback when a spec declares no expectation for a class of negative
/// case: the general rule "must not succeed" (any 4xx).
fn must_not_succeed() -> Expect {
    Expect {
        status: vec![StatusPattern::Class(4)],
        preferred: Vec::new(),
        source: Some(
            "conformance rules: where no code is documented, any 4xx (must not succeed)".into(),
        ),
    }
}

/// Every case of every spec, in spec order, for an endpoint that signs no API.
pub fn plan(specs: &SpecSet) -> Vec<Case> {
    plan_with(specs, &|_| false)
}

/// Every case of every spec, in spec order; the APIs for which `signed`
/// is true also get the cases only signing has.
pub fn plan_with(specs: &SpecSet, signed: &dyn Fn(&str) -> bool) -> Vec<Case> {
    let mut out = Vec::new();
    for spec in &specs.specs {
        let signs = signed(&spec.api);
        plan_spec(Arc::new(spec.clone()), signs, &mut out);
    }
    out
}

/// Every case of one spec, class by class; the order is that of reports.
fn plan_spec(spec: Arc<Spec>, signed: bool, out: &mut Vec<Case>) {
    let success = spec.cases.first().map(|c| c.expect.clone());
    positive_cases(&spec, out);
    body_mutation_cases(&spec, success.as_ref(), out);
    out.push(malformed_json_case(&spec));
    out.push(media_type_case(&spec));
    out.extend(no_token_case(&spec));
    if signed {
        out.extend(super::signing::signature_cases(&spec));
    }
    out.push(unknown_id_case(&spec));
    out.extend(method_cases(&spec));
    out.extend(concurrency_case(&spec, success.as_ref()));
}

/// The URI negative and concurrency cases use.
pub(super) fn primary_uri(spec: &Spec) -> &UriTemplate {
    &spec.uris[spec.primary_uri.min(spec.uris.len().saturating_sub(1))]
}

/// The spec's request on `uri`, with the token; a body brings the spec's
/// content type.
pub(super) fn request(spec: &Spec, uri: &UriTemplate, body: Option<Vec<u8>>) -> RequestTemplate {
    RequestTemplate {
        method: spec.method.clone(),
        uri: uri.clone(),
        content_type: body.as_ref().map(|_| spec.content_type.clone()),
        body,
        send_token: true,
        unknown_resource: false,
        tamper: Tamper::None,
    }
}

/// A case with no example, mutation or declared promise, touching the resource.
fn new_case(
    spec: &Arc<Spec>,
    name: String,
    kind: CaseKind,
    group: Group,
    source: String,
    request: RequestTemplate,
    expect: Expect,
) -> Case {
    Case {
        name,
        api: spec.api.clone(),
        kind,
        group,
        source,
        request,
        expect,
        example: None,
        mutation: None,
        not_verifiable: Vec::new(),
        touches_resource: true,
        spec: spec.clone(),
        bound: None,
    }
}

/// Where an expectation comes from: its own source, else the request section.
fn expect_source(spec: &Spec, expect: &Expect) -> String {
    expect
        .source
        .clone()
        .unwrap_or_else(|| spec.request_source.clone())
}

/// The spec's own positive cases, on each URI they name.
fn positive_cases(spec: &Arc<Spec>, out: &mut Vec<Case>) {
    let api = &spec.api;
    let multi_uri = spec.uris.len() > 1;
    let uri_by_id: BTreeMap<&str, &UriTemplate> =
        spec.uris.iter().map(|u| (u.id.as_str(), u)).collect();
    for c in &spec.cases {
        for uri_id in &c.uris {
            let Some(uri) = uri_by_id.get(uri_id.as_str()) else {
                continue;
            };
            let name = if multi_uri {
                format!("{api}::{uri_id}::{}", c.name)
            } else {
                format!("{api}::{}", c.name)
            };
            let mut case = new_case(
                spec,
                name,
                CaseKind::Restart,
                Group::Success,
                c.source.clone(),
                request(spec, uri, Some(json_bytes(&c.body))),
                c.expect.clone(),
            );
            case.example = c.example;
            case.not_verifiable = c.not_verifiable.clone();
            out.push(case);
        }
    }
}

/// Bodies derived from the request example: optional properties left out
/// (must still succeed, like the first case) and mutations that must be
/// refused. One pass, since the mutations come interleaved in schema order.
fn body_mutation_cases(spec: &Arc<Spec>, success: Option<&Expect>, out: &mut Vec<Case>) {
    let neg = &spec.negative;
    for m in body_mutations(&spec.request_schema.schema, &spec.request_example) {
        let (kind, group, prefix, expect) = match m.class {
            MutationClass::OptionalOmitted => match success {
                Some(s) => (CaseKind::Restart, Group::Success, "optional", s.clone()),
                None => continue,
            },
            MutationClass::MissingRequired => (
                CaseKind::Negative,
                Group::Negative,
                "negative",
                neg.missing_required
                    .clone()
                    .unwrap_or_else(must_not_succeed),
            ),
            MutationClass::NotInEnum => (
                CaseKind::Negative,
                Group::Negative,
                "negative",
                neg.not_in_enum.clone().unwrap_or_else(must_not_succeed),
            ),
            MutationClass::WrongType => (
                CaseKind::Negative,
                Group::Negative,
                "negative",
                neg.wrong_type.clone().unwrap_or_else(must_not_succeed),
            ),
        };
        let mut case = new_case(
            spec,
            format!("{}::{prefix}::{}", spec.api, m.name),
            kind,
            group,
            expect_source(spec, &expect),
            request(spec, primary_uri(spec), Some(json_bytes(&m.body))),
            expect,
        );
        case.mutation = Some(m.description);
        out.push(case);
    }
}

/// A negative case `<api>::negative::<what>` on the primary URI; without a
/// declared expectation it must not succeed.
pub(super) fn negative_case(
    spec: &Arc<Spec>,
    what: &str,
    expect: Option<&Expect>,
    group: Group,
    req: RequestTemplate,
    mutation: String,
) -> Case {
    let expect = expect.cloned().unwrap_or_else(must_not_succeed);
    let mut case = new_case(
        spec,
        format!("{}::negative::{what}", spec.api),
        CaseKind::Negative,
        group,
        expect_source(spec, &expect),
        req,
        expect,
    );
    case.mutation = Some(mutation);
    case
}

/// The request example cut short by one byte, so it is not JSON.
fn malformed_json_case(spec: &Arc<Spec>) -> Case {
    let mut malformed = json_bytes(&spec.request_example);
    malformed.truncate(malformed.len().saturating_sub(1).max(1));
    let mutation = format!(
        "a body that is not JSON: `{}`",
        String::from_utf8_lossy(&malformed)
    );
    negative_case(
        spec,
        "malformed_json",
        spec.negative.malformed_json.as_ref(),
        Group::Negative,
        request(spec, primary_uri(spec), Some(malformed)),
        mutation,
    )
}

/// The request example labelled `text/plain`.
fn media_type_case(spec: &Arc<Spec>) -> Case {
    let mut req = request(
        spec,
        primary_uri(spec),
        Some(json_bytes(&spec.request_example)),
    );
    req.content_type = Some("text/plain".into());
    negative_case(
        spec,
        "non_json_content_type",
        spec.negative.media_type.as_ref(),
        Group::Negative,
        req,
        "Content-Type: text/plain on a JSON body".into(),
    )
}

/// The request example without the token, when the spec names its header.
fn no_token_case(spec: &Arc<Spec>) -> Option<Case> {
    let (header, _) = spec.auth_header.as_ref()?;
    let mut req = request(
        spec,
        primary_uri(spec),
        Some(json_bytes(&spec.request_example)),
    );
    req.send_token = false;
    Some(negative_case(
        spec,
        "no_token",
        spec.negative.no_token.as_ref(),
        Group::Auth,
        req,
        format!("no `{header}` header"),
    ))
}

/// The request example on a resource id no endpoint can know; it does not
/// touch the real resource.
fn unknown_id_case(spec: &Arc<Spec>) -> Case {
    let mut req = request(
        spec,
        primary_uri(spec),
        Some(json_bytes(&spec.request_example)),
    );
    req.unknown_resource = true;
    let mut case = negative_case(
        spec,
        "unknown_id",
        spec.negative.unknown_id.as_ref(),
        Group::Negative,
        req,
        format!(
            "`{}` set to a fresh UUID no target can know",
            spec.resource_var
        ),
    );
    case.touches_resource = false;
    case
}

/// The action URI with each other method, without a body.
fn method_cases(spec: &Arc<Spec>) -> Vec<Case> {
    ["GET", "PUT", "DELETE"]
        .into_iter()
        .filter(|method| *method != spec.method)
        .map(|method| {
            let mut req = request(spec, primary_uri(spec), None);
            req.method = method.to_owned();
            negative_case(
                spec,
                &format!("method_{}", method.to_ascii_lowercase()),
                spec.negative.method.as_ref(),
                Group::Negative,
                req,
                format!("{method} instead of {} on the action URI", spec.method),
            )
        })
        .collect()
}

/// A restart while one is running, when the spec documents the refusal.
fn concurrency_case(spec: &Arc<Spec>, success: Option<&Expect>) -> Option<Case> {
    let (Some(k), Some(success)) = (&spec.concurrent, success) else {
        return None;
    };
    Some(new_case(
        spec,
        format!("{}::restart_while_restarting", spec.api),
        CaseKind::Concurrent,
        Group::Concurrency,
        k.source.clone(),
        request(spec, primary_uri(spec), Some(json_bytes(&k.body))),
        success.clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        let set = crate::spec::load_builtin().unwrap_or_else(|e| panic!("{e}"));
        plan(&set).into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn case_names_follow_the_documented_scheme() {
        let n = names();
        for expected in [
            "ecs::v2.1::reboot_hard",
            "ecs::v2::reboot_soft",
            "ddm::restart_soft",
            "ddm::optional::restart_omitted",
            "ddm::optional::restart_type_omitted",
            "ddm::negative::restart_type_not_in_enum",
            "ddm::negative::restart_not_object",
            "ecs::negative::missing_reboot",
            "ecs::negative::missing_reboot_type",
            "modelarts::negative::missing_action",
            "modelarts::negative::action_not_in_enum",
            "clouddb::negative::no_token",
            "clouddb-ha::negative::method_get",
            "clouddb::restart_while_restarting",
        ] {
            assert!(
                n.iter().any(|x| x == expected),
                "missing {expected} in {n:?}"
            );
        }
        let mut sorted = n.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), n.len(), "case names must be unique");
    }
}

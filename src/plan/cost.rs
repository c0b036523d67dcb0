//! What a plan costs its target, said before anything is sent.
//!
//! On a real cloud the cost of a run is its restarts: each takes a resource down for seconds to
//! minutes, and the cases of one resource run one after another, so a run lasts at least as
//! long as the longest chain of restarts on one resource. A positive case restarts its
//! resource; the concurrency probe rides on a positive case's restart when one comes before it
//! on its resource, and restarts the resource itself otherwise. A negative case restarts
//! nothing on a conformant target.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Case, CaseKind};

/// Restart times per API, read from a history of earlier runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestartTimes {
    /// Where the times come from (the history file), for the line that cites them.
    pub source: String,
    /// API id → the median time from an accepted restart to the steady state.
    pub per_api: BTreeMap<String, Duration>,
}

/// Resource (`api/id`) → the restarts `cases` will cause on it, for the cases bound to a
/// resource; `cases` are those a run selects, in plan order.
pub fn planned_restarts(cases: &[Case]) -> BTreeMap<String, usize> {
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        if case.bound.is_none() || !case.touches_resource {
            continue;
        }
        let key = case.resource_key();
        let restarts = match case.kind {
            CaseKind::Restart => 1,
            CaseKind::Negative => 0,
            CaseKind::Concurrent => {
                let rides = cases[..i].iter().any(|c| {
                    c.kind == CaseKind::Restart
                        && c.touches_resource
                        && c.bound.is_some()
                        && c.resource_key() == key
                });
                usize::from(!rides)
            }
        };
        *out.entry(key).or_default() += restarts;
    }
    out
}

/// The run's length as its restarts make it: per resource, its restarts times its API's
/// restart time; the longest of these, with its resource. `None` when no resource with
/// restarts has a known restart time.
pub fn estimate(
    restarts: &BTreeMap<String, usize>,
    times: &RestartTimes,
) -> Option<(Duration, String)> {
    restarts
        .iter()
        .filter_map(|(resource, n)| {
            let api = resource.split('/').next().unwrap_or(resource);
            let each = times.per_api.get(api)?;
            Some((
                each.saturating_mul(u32::try_from(*n).unwrap_or(u32::MAX)),
                resource.clone(),
            ))
        })
        .max()
}

/// The lines a run and a dry run start with: restarts per resource, and the estimate when
/// restart times are known.
pub fn describe(cases: &[Case], times: Option<&RestartTimes>) -> Vec<String> {
    let restarts = planned_restarts(cases);
    let total: usize = restarts.values().sum();
    let longest = restarts.values().copied().max().unwrap_or(0);
    let mut lines = vec![format!(
        "cost: {total} restart{} on {} resource{}; the longest chain is {longest} restart{} on one resource",
        plural(total),
        restarts.len(),
        plural(restarts.len()),
        plural(longest)
    )];
    lines.extend(
        restarts
            .iter()
            .map(|(resource, n)| format!("  {resource}: {n} restart{}", plural(*n))),
    );
    match times.map(|t| (t, estimate(&restarts, t))) {
        Some((t, Some((length, resource)))) => lines.push(format!(
            "estimated length: about {:.1} s, the restarts of {resource} at the median restart time of {} in {}",
            length.as_secs_f64(),
            resource.split('/').next().unwrap_or(&resource),
            t.source
        )),
        Some((t, None)) => lines.push(format!(
            "estimated length: unknown, {} holds no restart time of these APIs",
            t.source
        )),
        None => {}
    }
    lines
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::{ApiEndpoint, Endpoint, Secret};

    /// The built-in plan bound to one resource per API.
    fn one_resource_plan() -> Vec<Case> {
        let set = crate::spec::load_builtin().unwrap_or_else(|e| panic!("{e}"));
        let apis = set
            .specs
            .iter()
            .map(|s| {
                let vars = s
                    .uris
                    .iter()
                    .chain(s.lifecycle.as_ref().map(|lc| &lc.uri))
                    .flat_map(|u| u.vars())
                    .map(|v| (v.clone(), format!("{v}-1")))
                    .collect();
                (
                    s.api.clone(),
                    ApiEndpoint {
                        base_url: format!("http://{}.test", s.api),
                        vars,
                        resources: Vec::new(),
                        signer: None,
                    },
                )
            })
            .collect();
        let endpoint = Endpoint {
            label: "t".into(),
            apis,
            token: Secret::new("t".to_owned()),
            token_env: "OS_AUTH_TOKEN".into(),
            sign_in: None,
            tls: Default::default(),
        };
        super::super::bind(super::super::plan(&set), &endpoint, "unknown")
    }

    #[test]
    fn a_probe_after_a_positive_case_adds_no_restart() {
        let cases = one_resource_plan();
        let restarts = planned_restarts(&cases);
        let per_api: BTreeMap<&str, usize> = restarts
            .iter()
            .map(|(k, n)| (k.split('/').next().unwrap_or(k), *n))
            .collect();
        assert_eq!(
            per_api,
            BTreeMap::from([
                ("clouddb", 1),
                ("clouddb-ha", 1),
                ("ddm", 4),
                ("ecs", 4),
                ("modelarts", 1)
            ])
        );
        // The probe alone restarts the resource itself.
        let alone: Vec<Case> = cases
            .into_iter()
            .filter(|c| c.name == "ddm::restart_while_restarting")
            .collect();
        assert_eq!(planned_restarts(&alone).values().sum::<usize>(), 1);
    }

    #[test]
    fn the_estimate_is_the_longest_chain_at_the_history_times() {
        let cases = one_resource_plan();
        let times = RestartTimes {
            source: "h.jsonl".into(),
            per_api: BTreeMap::from([
                ("ddm".to_owned(), Duration::from_secs(10)),
                ("clouddb".to_owned(), Duration::from_secs(100)),
            ]),
        };
        let (length, resource) = estimate(&planned_restarts(&cases), &times).unwrap();
        assert_eq!(length, Duration::from_secs(100));
        assert!(resource.starts_with("clouddb/"), "{resource}");
        let lines = describe(&cases, Some(&times));
        assert!(
            lines[0].starts_with("cost: 11 restarts on 5 resources"),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("about 100.0 s") && l.contains("h.jsonl")),
            "{lines:?}"
        );
        assert!(
            !describe(&cases, None)
                .iter()
                .any(|l| l.contains("estimated"))
        );
    }
}

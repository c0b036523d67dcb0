//! Partitions and resources: every case lands in exactly one partition, a
//! resource never in two, and cases are spread over the listed resources.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::*;
use restart_conformance::endpoint::{Endpoint, Secret};
use restart_conformance::plan::{self, Case, Partition};

/// An endpoint for every built-in API with `n` resources each.
fn endpoint(n: usize) -> Endpoint {
    let specs = builtin();
    let mut apis = BTreeMap::new();
    for spec in &specs.specs {
        let vars: BTreeMap<String, String> = spec
            .target_vars
            .iter()
            .map(|v| (v.clone(), format!("{v}-value")))
            .collect();
        let resources = (0..n).map(|i| format!("{}-r{i}", spec.api)).collect();
        apis.insert(
            spec.api.clone(),
            restart_conformance::endpoint::ApiEndpoint {
                base_url: format!("http://127.0.0.1:9/{}", spec.api),
                vars,
                resources,
            },
        );
    }
    Endpoint {
        label: "test".into(),
        apis,
        token: Secret::new("t"),
        token_env: "OS_AUTH_TOKEN".into(),
        sign_in: None,
    }
}

fn bound(n: usize) -> Vec<Case> {
    plan::bind(plan::plan(&builtin()), &endpoint(n), "unknown")
}

#[test]
fn partitions_cover_every_case_once_and_never_share_a_resource() {
    let all: Vec<String> = bound(3).iter().map(|c| c.name.clone()).collect();
    for kind in ["count", "hash"] {
        for n in [1, 2, 3, 7] {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            let mut owner: BTreeMap<String, usize> = BTreeMap::new();
            for m in 1..=n {
                let p: Partition = format!("{kind}:{m}/{n}").parse().unwrap();
                for c in p.select(bound(3)) {
                    *seen.entry(c.name.clone()).or_default() += 1;
                    let previous = owner.insert(c.resource_key(), m);
                    assert!(
                        previous.is_none_or(|o| o == m),
                        "{kind}:{m}/{n}: resource {} also in partition {previous:?}",
                        c.resource_key()
                    );
                }
            }
            assert_eq!(
                seen.len(),
                all.len(),
                "{kind} over {n}: some case is in no partition"
            );
            assert!(
                seen.values().all(|&k| k == 1),
                "{kind} over {n}: a case twice"
            );
        }
    }
}

#[test]
fn count_partitions_deal_resources_round_robin() {
    let p: Partition = "count:2/2".parse().unwrap();
    let keys: BTreeSet<String> = p.select(bound(2)).iter().map(Case::resource_key).collect();
    // Units in plan order: ddm/ddm-r0, ddm/ddm-r1, clouddb/…-r0, …: every second one.
    assert!(keys.iter().all(|k| k.ends_with("-r1")), "{keys:?}");
}

#[test]
fn cases_are_spread_over_the_resources_with_restarts_shared_evenly() {
    let cases = bound(2);
    for api in ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"] {
        let restarts = |r: &str| {
            cases
                .iter()
                .filter(|c| c.api == api && c.bound.as_ref().is_some_and(|b| b.resource == r))
                .filter(|c| c.kind != plan::CaseKind::Negative)
                .count()
        };
        let (a, b) = (
            restarts(&format!("{api}-r0")),
            restarts(&format!("{api}-r1")),
        );
        assert!(
            a.abs_diff(b) <= 1 && a + b > 0,
            "{api}: {a} and {b} restarts"
        );
        for c in cases.iter().filter(|c| c.api == api) {
            let b = c.bound.as_ref().unwrap();
            if !c.request.unknown_resource {
                assert!(b.url.contains(&b.resource), "{}: {}", c.name, b.url);
            }
        }
    }
}

#[test]
fn list_with_a_partition_names_only_its_cases() {
    let out = |extra: &[&str]| {
        let o = assert_cmd::Command::cargo_bin("restart-conformance")
            .unwrap()
            .args(["run", "--list"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_suffix(": test").map(str::to_owned))
            .collect::<BTreeSet<_>>()
    };
    let all = out(&[]);
    let one = out(&["--partition", "count:1/2"]);
    let two = out(&["--partition", "count:2/2"]);
    assert!(!one.is_empty() && !two.is_empty());
    assert!(one.is_disjoint(&two));
    assert_eq!(one.union(&two).cloned().collect::<BTreeSet<_>>(), all);
    let bad = assert_cmd::Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["run", "--list", "--partition", "count:3/2"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("M must be between 1 and N"));
}

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
                signer: None,
            },
        );
    }
    Endpoint {
        label: "test".into(),
        apis,
        token: Secret::new("t"),
        token_env: "OS_AUTH_TOKEN".into(),
        sign_in: None,
        tls: Default::default(),
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
    assert_eq!(keys.len(), 5, "{keys:?}");
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
                .filter(|c| c.kind == plan::CaseKind::Restart)
                .count()
        };
        // The probe rides on the API's first restart, on the first resource.
        let probe = cases
            .iter()
            .find(|c| c.api == api && c.kind == plan::CaseKind::Concurrent)
            .unwrap();
        assert_eq!(probe.bound.as_ref().unwrap().resource, format!("{api}-r0"));
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

/// A target file listing every resource of the reference server in `served`.
fn target_with_lists(served: &Served, token_env: &str) -> String {
    let mut yaml = format!("auth:\n  token_env: {token_env}\napis:\n");
    for a in served.server.as_ref().unwrap().apis() {
        let mut vars: Vec<String> = a
            .vars
            .iter()
            .filter(|(k, _)| k.as_str() != a.resource_var)
            .map(|(k, v)| format!("{k}: \"{v}\""))
            .collect();
        let ids: Vec<String> = a.resources.iter().map(|r| format!("\"{r}\"")).collect();
        vars.push(format!("{}: [{}]", a.resource_var, ids.join(", ")));
        yaml.push_str(&format!(
            "  {}: {{ base_url: \"{}\", vars: {{ {} }} }}\n",
            a.api,
            a.base_url,
            vars.join(", ")
        ));
    }
    yaml
}

fn run_cli(
    dir: &std::path::Path,
    target: &str,
    extra: &[&str],
    out: &str,
) -> (i32, serde_json::Value) {
    let file = dir.join("target.yaml");
    std::fs::write(&file, target).unwrap();
    let reports = dir.join(out);
    let o = assert_cmd::Command::cargo_bin("restart-conformance")
        .unwrap()
        .env("RC_LIST_TOKEN", "tok-lists")
        .args([
            "run",
            "-q",
            "--poll-interval",
            "0.02",
            "--restart-grace",
            "0.5",
        ])
        .arg("--target")
        .arg(&file)
        .arg("--report-dir")
        .arg(&reports)
        .args(extra)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(reports.join("report.json")).unwrap();
    (
        o.status.code().unwrap(),
        serde_json::from_str(&text).unwrap(),
    )
}

#[test]
fn listed_resources_share_the_cases_and_each_runs_one_case_at_a_time() {
    let served = Served::start(&[], "tok-lists");
    let dir = tempfile::tempdir().unwrap();
    let (code, report) = run_cli(
        dir.path(),
        &target_with_lists(&served, "RC_LIST_TOKEN"),
        &[],
        "all",
    );
    assert_eq!(code, 0, "{}", report["summary"]);
    let cases = report["cases"].as_array().unwrap();
    let mut spans: BTreeMap<String, Vec<(u64, u64, String)>> = BTreeMap::new();
    for c in cases {
        let Some(resource) = c["resource"].as_str() else {
            continue;
        };
        let start = c["started_ms"].as_u64().unwrap();
        let end = start + c["duration_ms"].as_u64().unwrap();
        spans.entry(resource.to_owned()).or_default().push((
            start,
            end,
            c["name"].as_str().unwrap().to_owned(),
        ));
    }
    for api in ["ddm", "clouddb", "clouddb-ha", "modelarts", "ecs"] {
        let used = spans
            .keys()
            .filter(|k| k.starts_with(&format!("{api}/")))
            .count();
        assert_eq!(
            used,
            2,
            "{api}: cases on {used} resources: {:?}",
            spans.keys()
        );
    }
    // Cases that name their resource never overlap on it.
    let touching: BTreeSet<&str> = cases
        .iter()
        .filter(|c| {
            c["exchanges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["purpose"] == "status")
        })
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for (resource, mut list) in spans {
        list.retain(|(_, _, n)| touching.contains(n.as_str()));
        list.sort();
        for w in list.windows(2) {
            assert!(
                w[0].1 <= w[1].0,
                "{resource}: {} and {} overlap",
                w[0].2,
                w[1].2
            );
        }
    }
}

#[test]
fn merged_partitions_equal_a_full_run() {
    let served = Served::start(&[], "tok-lists");
    let dir = tempfile::tempdir().unwrap();
    let target = target_with_lists(&served, "RC_LIST_TOKEN");
    let (full_code, full) = run_cli(dir.path(), &target, &[], "full");
    let (_, one) = run_cli(dir.path(), &target, &["--partition", "hash:1/2"], "p1");
    let (_, two) = run_cli(dir.path(), &target, &["--partition", "hash:2/2"], "p2");
    assert_eq!(full_code, 0);
    let names = |r: &serde_json::Value| -> BTreeSet<String> {
        r["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(names(&one).is_disjoint(&names(&two)));
    let merged_dir = dir.path().join("merged");
    let o = assert_cmd::Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["report", "merge", "--report-dir"])
        .arg(&merged_dir)
        .arg(dir.path().join("p1/report.json"))
        .arg(dir.path().join("p2/report.json"))
        .output()
        .unwrap();
    super::common::assert_exit(&o, 0);
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(names(&merged), names(&full));
    assert_eq!(merged["summary"]["passed"], full["summary"]["passed"]);
    assert_eq!(merged["summary"]["failed"], full["summary"]["failed"]);
    for f in ["junit.xml", "report.html", "summary.md"] {
        assert!(merged_dir.join(f).exists(), "{f}");
    }
}

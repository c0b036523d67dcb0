//! The Kubernetes recipe, `deploy/kubernetes/cronjob.yaml`: its container script run
//! with `sh` once per index of the Indexed Job, as the pods would run it, against the
//! embedded server behind a target file, with the environment the manifest gives.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{Served, outputs_without};

/// The CronJob's container as JSON.
fn container() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes/cronjob.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let cronjob: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let job = &cronjob["spec"]["jobTemplate"]["spec"];
    assert_eq!(job["completionMode"], "Indexed");
    job["template"]["spec"]["containers"][0].clone()
}

/// The manifest's plain `value` environment variables.
fn plain_env(container: &serde_json::Value) -> Vec<(String, String)> {
    container["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_owned(),
                e["value"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

struct Night {
    dir: tempfile::TempDir,
    served: Served,
    script: String,
    env: Vec<(String, String)>,
    parts: usize,
}

impl Night {
    fn new(faults: &[&str], run_args: &str) -> Night {
        let served = Served::start(faults, "k8s-night-token-Vb8");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("target.yaml"),
            served.target_yaml_with("OS_AUTH_TOKEN", &[]),
        )
        .unwrap();
        let c = container();
        let script = c["args"][0].as_str().unwrap().to_owned();
        let mut env = plain_env(&c);
        let parts: usize = env
            .iter()
            .find(|(k, _)| k == "PARTS")
            .unwrap()
            .1
            .parse()
            .unwrap();
        // What the cluster provides (the volumes, the Job's name) and a fast poll.
        let reports = dir.path().join("volume").display().to_string();
        let target = dir.path().join("target.yaml").display().to_string();
        env.retain(|(k, _)| {
            ![
                "REPORTS_DIR",
                "TARGET_FILE",
                "RUN_ARGS",
                "MERGE_WAIT_SECONDS",
            ]
            .contains(&k.as_str())
        });
        env.extend([
            ("REPORTS_DIR".into(), reports),
            ("TARGET_FILE".into(), target),
            ("RUN_ARGS".into(), run_args.into()),
            ("MERGE_WAIT_SECONDS".into(), "0".into()),
            ("JOB_NAME".into(), "restart-conformance-29420000".into()),
        ]);
        Night {
            dir,
            served,
            script,
            env,
            parts,
        }
    }

    /// The pod of Job index `index`.
    fn pod(&self, index: usize) -> Output {
        let bin = Path::new(env!("CARGO_BIN_EXE_restart-conformance"))
            .parent()
            .unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&self.script)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("OS_AUTH_TOKEN", &self.served.token)
            .output()
            .unwrap()
    }

    fn night_dir(&self) -> PathBuf {
        self.dir
            .path()
            .join("volume/runs/restart-conformance-29420000")
    }

    fn report(&self, sub: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.night_dir().join(sub).join("report.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

fn names(report: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_manifest_runs_one_pod_per_partition_and_one_to_merge_with_secrets_from_a_secret() {
    let cronjob_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes/cronjob.yaml"),
    )
    .unwrap();
    let cronjob: serde_json::Value = serde_saphyr::from_str(&cronjob_text).unwrap();
    let job = &cronjob["spec"]["jobTemplate"]["spec"];
    let parts: u64 = plain_env(&container())
        .into_iter()
        .find(|(k, _)| k == "PARTS")
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert_eq!(
        job["completions"],
        parts + 1,
        "a pod per partition and one to merge"
    );
    assert_eq!(
        job["parallelism"],
        parts + 1,
        "the merge waits beside the partitions"
    );
    assert_eq!(cronjob["spec"]["concurrencyPolicy"], "Forbid");
    // The token comes from a Secret, never from the manifest.
    let token = container()["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "OS_AUTH_TOKEN")
        .unwrap()
        .clone();
    assert!(token["value"].is_null(), "{token}");
    assert_eq!(token["valueFrom"]["secretKeyRef"]["key"], "OS_AUTH_TOKEN");
}

#[test]
fn the_pods_run_every_partition_and_the_merge_writes_the_night_the_history_and_the_trend() {
    let night = Night::new(
        &[],
        "--poll-interval 0.02 --restart-grace 1 --lifecycle-timeout 10",
    );
    let mut parted = Vec::new();
    for index in 0..night.parts {
        let out = night.pod(index);
        assert_eq!(out.status.code(), Some(0), "partition {index}: {out:?}");
        outputs_without(&out, &night.night_dir(), &[&night.served.token]);
        let part = night.report(&format!("part-{}", index + 1));
        assert!(!names(&part).is_empty(), "partition {index} ran nothing");
        parted.extend(names(&part));
    }
    let out = night.pod(night.parts);
    assert_eq!(out.status.code(), Some(0), "merge: {out:?}");
    outputs_without(
        &out,
        &night.night_dir().join("merged"),
        &[&night.served.token],
    );
    parted.sort();
    assert_eq!(
        names(&night.report("merged")),
        parted,
        "the merge is the union of the parts"
    );
    let history = std::fs::read_to_string(night.dir.path().join("volume/history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 1, "one line for the whole night");
    assert!(night.dir.path().join("volume/trend/history.html").is_file());
    assert!(night.night_dir().join("merged/conformance.prom").is_file());
}

#[test]
fn a_failing_case_passes_its_partition_pod_and_fails_the_merge() {
    // DDM only: two resources dealt over three partitions leave one empty.
    let night = Night::new(
        &["ddm-missing-job-id"],
        "--poll-interval 0.02 --restart-grace 1 --lifecycle-timeout 10 ddm::",
    );
    let mut codes = Vec::new();
    for index in 0..night.parts {
        let out = night.pod(index);
        assert_eq!(out.status.code(), Some(0), "partition {index}: {out:?}");
        let dir = night.night_dir().join(format!("part-{}", index + 1));
        codes.push(
            std::fs::read_to_string(dir.join("exit-code"))
                .unwrap()
                .trim()
                .to_owned(),
        );
    }
    assert!(codes.iter().any(|c| c == "1"), "{codes:?}");
    let out = night.pod(night.parts);
    assert_eq!(out.status.code(), Some(1), "merge: {out:?}");
    assert_ne!(night.report("merged")["summary"]["failed"], 0);
}

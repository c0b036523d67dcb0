//! The GitHub Action's script, `ci/github-action.sh`, run as the action runs it
//! (inputs in `INPUT_*`, outputs and the job summary in the files GitHub names)
//! with the harness built here on PATH, against the embedded server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The folder holding the harness binary, to put first on PATH.
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_restart-conformance"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A run of the action's script in a fresh folder.
struct ActionRun {
    dir: tempfile::TempDir,
    out: Output,
}

impl ActionRun {
    /// `ci/github-action.sh MODE` with `inputs` (`("REPORT_DIR", "r")` → `INPUT_REPORT_DIR=r`)
    /// and nothing else from this environment but PATH.
    fn start(mode: &str, inputs: &[(&str, &str)]) -> ActionRun {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/github-action.sh");
        let path = format!(
            "{}:{}",
            bin_dir().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = std::process::Command::new("bash");
        cmd.arg(script)
            .arg(mode)
            .current_dir(dir.path())
            .env_clear()
            .env("HOME", dir.path())
            .env("PATH", path)
            .env("GITHUB_OUTPUT", dir.path().join("github-output"))
            .env("GITHUB_STEP_SUMMARY", dir.path().join("step-summary"))
            .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"));
        for (name, value) in inputs {
            cmd.env(format!("INPUT_{name}"), value);
        }
        let out = cmd.output().unwrap();
        ActionRun { dir, out }
    }

    fn code(&self) -> Option<i32> {
        self.out.status.code()
    }

    /// What the script wrote to $GITHUB_OUTPUT, as name → value.
    fn outputs(&self) -> BTreeMap<String, String> {
        let text =
            std::fs::read_to_string(self.dir.path().join("github-output")).unwrap_or_default();
        text.lines()
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("not k=v: {l}"));
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    fn step_summary(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("step-summary")).unwrap_or_default()
    }

    fn report(&self, report_dir: &str) -> serde_json::Value {
        let text =
            std::fs::read_to_string(self.dir.path().join(report_dir).join("report.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// stdout and stderr, for assertion messages.
    fn log(&self) -> String {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&self.out.stdout),
            String::from_utf8_lossy(&self.out.stderr)
        )
    }
}

/// The four counts in the outputs equal report.json's summary.
fn assert_counts_match(run: &ActionRun, report_dir: &str) {
    let outputs = run.outputs();
    let summary = &run.report(report_dir)["summary"];
    for key in ["passed", "failed", "skipped", "warnings"] {
        assert_eq!(
            outputs.get(key).map(String::as_str),
            Some(summary[key].to_string().as_str()),
            "{key}: {outputs:?} against {summary}"
        );
    }
}

#[test]
fn a_passing_run_writes_the_summary_and_the_outputs_and_exits_0() {
    let run = ActionRun::start(
        "run",
        &[
            ("FILTER", "ddm::"),
            ("STRICT", "true"),
            ("REPORT_DIR", "gate"),
        ],
    );
    assert_eq!(run.code(), Some(0), "{}", run.log());
    let outputs = run.outputs();
    assert_eq!(outputs["exit-code"], "0");
    assert_eq!(outputs["report-dir"], "gate");
    assert_counts_match(&run, "gate");
    assert_ne!(outputs["passed"], "0", "the filter selects the DDM cases");
    // The filter and --strict reached the harness.
    let report = run.report("gate");
    assert_eq!(report["run"]["strict"], true, "{}", report["run"]);
    let names: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.iter().all(|n| n.starts_with("ddm::")), "{names:?}");
    // The job summary is the harness's summary.md.
    let summary_md = std::fs::read_to_string(run.dir.path().join("gate/summary.md")).unwrap();
    assert!(!summary_md.trim().is_empty());
    assert!(
        run.step_summary().contains(summary_md.trim()),
        "{}",
        run.step_summary()
    );
}

#[test]
fn a_failing_fault_exits_1_as_the_harness_does_with_the_failures_counted() {
    let run = ActionRun::start(
        "run",
        &[("FILTER", "ddm::"), ("ARGS", "--fault ddm-missing-job-id")],
    );
    assert_eq!(run.code(), Some(1), "{}", run.log());
    let outputs = run.outputs();
    assert_eq!(outputs["exit-code"], "1");
    assert_eq!(
        outputs["report-dir"], "reports",
        "the default report folder"
    );
    assert_counts_match(&run, "reports");
    assert_ne!(outputs["failed"], "0");
    // The job summary names the failed cases.
    let report = run.report("reports");
    let failed = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outcome"] == "failed")
        .unwrap();
    let name = failed["name"].as_str().unwrap();
    assert!(
        run.step_summary().contains(name),
        "{name}: {}",
        run.step_summary()
    );
}

#[test]
fn a_usage_error_exits_2_with_no_counts_and_args_are_split_but_never_evaluated() {
    // A quoted word with a space stays one argument, and `$(…)` is not run.
    let run = ActionRun::start(
        "run",
        &[(
            "ARGS",
            r#"--baseline "no such $(touch evaluated) dir/old.json""#,
        )],
    );
    assert_eq!(run.code(), Some(2), "{}", run.log());
    assert!(
        run.log()
            .contains("no such $(touch evaluated) dir/old.json"),
        "{}",
        run.log()
    );
    assert!(
        !run.dir.path().join("evaluated").exists(),
        "args were evaluated"
    );
    let outputs = run.outputs();
    assert_eq!(outputs["exit-code"], "2");
    assert!(!outputs.contains_key("passed"), "{outputs:?}");
    assert!(
        run.step_summary().contains("exited 2"),
        "{}",
        run.step_summary()
    );
}

#[test]
fn a_bad_strict_input_is_a_usage_error() {
    let run = ActionRun::start("run", &[("STRICT", "maybe")]);
    assert_eq!(run.code(), Some(2), "{}", run.log());
    assert!(run.log().contains("strict"), "{}", run.log());
    assert!(!run.dir.path().join("reports").exists(), "nothing may run");
}

#[test]
fn locate_finds_the_harness_on_path_unless_another_version_is_asked_for() {
    let on_path = ActionRun::start("locate", &[]);
    assert_eq!(on_path.code(), Some(0), "{}", on_path.log());
    let outputs = on_path.outputs();
    assert_eq!(outputs["install"], "false");
    assert!(
        outputs["cache-key"].starts_with("restart-conformance-"),
        "{outputs:?}"
    );
    let other = ActionRun::start("locate", &[("VERSION", "0.0.0-never")]);
    assert_eq!(other.code(), Some(0), "{}", other.log());
    let outputs = other.outputs();
    assert_eq!(outputs["install"], "true");
    assert!(
        outputs["cache-key"].ends_with("crates-io-0.0.0-never"),
        "{outputs:?}"
    );
}

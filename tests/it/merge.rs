//! `report merge`: the reports of complementary partitions merge into the reports of a full
//! run, and overlapping partitions are refused.

use std::path::Path;

use super::common::bin;
use restart_conformance::report::{self, Report};

/// Runs the suite against the embedded server into `dir`, with extra libtest arguments.
fn run(dir: &Path, extra: &[&str]) -> Report {
    let out = bin()
        .args(["run", "-q", "--report-dir"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    report::load(&dir.join("report.json")).unwrap()
}

fn names(r: &Report) -> std::collections::BTreeSet<String> {
    r.cases.iter().map(|c| c.name.clone()).collect()
}

#[test]
fn merged_partitions_equal_a_full_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, full, out) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("full"),
        tmp.path().join("merged"),
    );
    let ra = run(&a, &["ddm::"]);
    let rb = run(&b, &["--skip", "ddm::"]);
    let rf = run(&full, &[]);
    assert!(!ra.cases.is_empty() && !rb.cases.is_empty());
    let merged = bin()
        .args(["report", "merge", "--report-dir"])
        .arg(&out)
        .arg(a.join("report.json"))
        .arg(b.join("report.json"))
        .output()
        .unwrap();
    super::common::assert_exit(&merged, 0);
    for f in ["report.json", "junit.xml", "report.html", "summary.md"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let rm = report::load(&out.join("report.json")).unwrap();
    assert_eq!(names(&rm), names(&rf));
    assert_eq!(rm.cases.len(), rf.cases.len());
    assert_eq!(rm.summary, rf.summary);
    assert_eq!(rm.run.spec_digest, rf.run.spec_digest);
    assert!(rm.run.started_at <= rb.run.started_at && rm.run.started_at == ra.run.started_at);
    assert!(rm.run.duration_ms >= ra.run.duration_ms.max(rb.run.duration_ms));
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase").count(), rf.cases.len());
    assert_eq!(junit.matches("<testsuite ").count(), 5, "one suite per API");
}

#[test]
fn the_same_case_twice_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let ra = run(&a, &["--exact", "ddm::restart_soft"]);
    assert_eq!(ra.cases.len(), 1);
    let copy = tmp.path().join("copy.json");
    std::fs::copy(a.join("report.json"), &copy).unwrap();
    let out_dir = tmp.path().join("merged");
    let out = bin()
        .args(["report", "merge", "--report-dir"])
        .arg(&out_dir)
        .arg(a.join("report.json"))
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`ddm::restart_soft`"), "{stderr}");
    assert!(stderr.contains("copy.json"), "{stderr}");
    assert!(!out_dir.exists(), "nothing is written");
}

#[test]
fn an_unreadable_input_exits_2_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"format\": 1,").unwrap();
    let out = bin()
        .args(["report", "merge", "--report-dir"])
        .arg(tmp.path().join("out"))
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.json") && stderr.contains("line 1"),
        "{stderr}"
    );
}

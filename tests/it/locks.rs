//! One run per report directory: a second run, merge or rebuild on a directory in use is
//! refused (exit 2) naming the holder; the lock of a killed run is taken over with a warning;
//! the lock of an interrupted run is not taken for a killed one.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common;

fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("restart-conformance"))
}

/// A child process, killed if a failed assertion leaves it running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A run whose DDM cases hang, in `reports`, once a few of its cases have finished (so it is
/// surely past taking the lock).
fn hanging_run(reports: &Path) -> Running {
    let mut child = bin()
        .args([
            "run",
            "--fault",
            "hang",
            "--request-timeout",
            "60",
            "--report-dir",
        ])
        .arg(reports)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = common::passed_lines(&mut child);
    for _ in 0..2 {
        assert!(
            rx.recv_timeout(Duration::from_secs(120)).is_ok(),
            "no case finished"
        );
    }
    Running(child)
}

/// A quick run of one case in `reports`.
fn quick_run(reports: &Path) -> std::process::Output {
    bin()
        .args([
            "run",
            "-q",
            "--exact",
            "ecs::negative::no_token",
            "--report-dir",
        ])
        .arg(reports)
        .output()
        .unwrap()
}

fn signal(child: &Running, name: &str) {
    let status = Command::new("kill")
        .args([name, &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn host() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

#[test]
fn a_second_run_on_a_busy_report_directory_exits_2_naming_the_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let reports = tmp.path().join("reports");
    let mut first = hanging_run(&reports);
    let holder = format!("`run` (process {} on host {}, since ", first.0.id(), host());

    let out = quick_run(&reports);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: the report directory {} is in use by {holder}",
            reports.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("test "),
        "no case ran"
    );
    // `report rebuild` and `report merge` on it are refused the same way.
    let other = tmp.path().join("other");
    assert_eq!(quick_run(&other).status.code(), Some(0));
    let rebuild = bin()
        .args(["report", "rebuild"])
        .arg(&reports)
        .output()
        .unwrap();
    let merge = bin()
        .args(["report", "merge", "--report-dir"])
        .arg(&reports)
        .arg(other.join("report.json"))
        .output()
        .unwrap();
    for out in [rebuild, merge] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&holder), "{stderr}");
    }

    // Interrupted, the run writes its reports and ends; it was not killed, so the next run
    // finds no leftover.
    signal(&first, "-TERM");
    assert_eq!(first.0.wait().unwrap().code(), Some(1));
    let out = quick_run(&reports);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("left locked"), "{stderr}");
}

#[test]
fn the_lock_of_a_killed_run_is_taken_over_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let reports = tmp.path().join("reports");
    let mut killed = hanging_run(&reports);
    let pid = killed.0.id();
    signal(&killed, "-KILL");
    killed.0.wait().unwrap();

    let out = quick_run(&reports);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: {} was left locked by `run` (process {pid} on host {}, since ",
            reports.join(".lock").display(),
            host()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("which is gone; taking it over"), "{stderr}");
    // The run that took it over ended cleanly: the one after it has nothing to take over.
    let out = quick_run(&reports);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("left locked"), "{stderr}");
}

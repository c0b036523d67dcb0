//! Progress a person can read: a live footer in a real terminal (tmux), plain lines in a pipe.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::common::tool;

/// Restarts long enough for a wait to show (waits under 3 s print nothing).
const REBOOT: &str = "4";

/// One API with one resource: two restarts, about ten seconds.
fn run_args(reports: &Path) -> Vec<String> {
    [
        "run",
        "--reboot-seconds",
        REBOOT,
        "--resources",
        "1",
        "--report-dir",
        reports.to_str().unwrap(),
        "clouddb-ha::",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The footer is on the screen while the run waits, with the count, the clock and the waiting
/// resource; results scroll above it; once the run ends it is gone.
#[test]
fn the_footer_shows_in_a_terminal_and_leaves_with_the_run() {
    let Some(_) = tool("tmux", "tmux") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let session = format!("rc-footer-{}", std::process::id());
    let socket = tmp.path().join("tmux.sock");
    let socket = socket.to_str().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("restart-conformance");
    let line = format!(
        "{} {}; echo EXITED $?; sleep 60",
        bin.display(),
        run_args(&tmp.path().join("reports")).join(" ")
    );
    tmux(&[
        "-S",
        socket,
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "150",
        "-y",
        "60",
        &line,
    ]);
    let screen = || tmux(&["-S", socket, "capture-pane", "-p", "-t", &session]);
    let started = Instant::now();
    let (mut footer, mut waiting) = (None, None);
    let end = loop {
        let text = screen();
        if footer.is_none() {
            footer = text
                .lines()
                .find(|l| {
                    l.starts_with("cases ") && l.contains(" passed · ") && l.contains(" failed · ")
                })
                .map(str::to_owned);
        }
        if waiting.is_none() {
            waiting = text
                .lines()
                .find(|l| l.starts_with("  clouddb-ha/") && l.contains(" for "))
                .map(str::to_owned);
        }
        if text.contains("EXITED") {
            break text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run never ended:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    tmux(&["-S", socket, "kill-server"]);
    let footer = footer.unwrap_or_else(|| panic!("no footer seen; last screen:\n{end}"));
    assert!(footer.contains("/"), "{footer}");
    let waiting =
        waiting.unwrap_or_else(|| panic!("no waiting resource seen; last screen:\n{end}"));
    assert!(waiting.contains(": "), "{waiting}");
    // The results and libtest's summary are on the screen; the footer is not.
    assert!(end.contains("test clouddb-ha::"), "{end}");
    assert!(end.contains("test result: ok."), "{end}");
    assert!(end.contains("EXITED 0"), "{end}");
    assert!(
        !end.lines()
            .any(|l| l.starts_with("cases ") && l.contains(" passed · ")),
        "the footer stayed after the run:\n{end}"
    );
    // No result line was torn by the footer: each starts a line of its own.
    for l in end.lines().filter(|l| l.contains(" ... ")) {
        assert!(l.starts_with("test "), "a torn line: {l:?}\n{end}");
    }
}

/// Off a terminal: one plain line per change of a waiting resource, never a control character.
#[test]
fn a_pipe_gets_plain_lines_without_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(run_args(&tmp.path().join("reports")))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("waiting: clouddb-ha/")),
        "{stderr}"
    );
    assert!(
        !stderr.contains(" passed · "),
        "no footer in a pipe: {stderr}"
    );
    for text in [&stdout, &stderr] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "a control character in piped output: {text:?}"
        );
    }
}

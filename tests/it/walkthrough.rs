//! What a newcomer follows: the README's `serve` walk-through, run with `sh` exactly as the
//! README writes it (only the listen ports are swapped for free ones), and what `run` and
//! `serve` say about themselves (`--help`, the filtered-out count).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;

const START: &str = "<!-- serve-walkthrough";
const END: &str = "<!-- /serve-walkthrough -->";
/// The listen addresses the README's commands use.
const README_ADDRS: [&str; 2] = ["127.0.0.1:8080", "127.0.0.1:8443"];
/// A safety net for a walk-through that hangs (a `serve` that never prints `# ready`); the
/// walk-through itself takes seconds.
const HANG: Duration = Duration::from_secs(300);

/// The fenced `sh` blocks between the walk-through's markers, in order.
fn walkthrough_blocks(readme: &str) -> Vec<String> {
    let Some(start) = readme.find(START) else {
        panic!("README.md lost its `{START}` marker");
    };
    let Some(len) = readme[start..].find(END) else {
        panic!("README.md lost its `{END}` marker");
    };
    let end = start + len;
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme[start..end].lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(
        current.is_none(),
        "an unclosed sh block in the walk-through"
    );
    blocks
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Ends every process of the group `pgid` (the script, and any `serve` it left running).
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

#[test]
fn the_readme_serve_walkthrough_runs_as_written() {
    use std::os::unix::process::CommandExt as _;
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let blocks = walkthrough_blocks(&readme);
    assert!(blocks.len() >= 2, "{blocks:?}");
    let mut script = blocks.join("\n");
    for addr in README_ADDRS {
        assert!(
            script.contains(addr),
            "the walk-through no longer listens on {addr}"
        );
        script = script.replace(addr, &format!("127.0.0.1:{}", free_port()));
    }
    // What the walk-through must show, each at least once.
    for shown in [
        "serve --tls",
        "--reboot-seconds",
        "--target target.yaml",
        "--target cloud-target.yaml --poll",
        "--cloud rackspace",
        "--target aksk-target.yaml",
    ] {
        assert!(script.contains(shown), "the walk-through lost `{shown}`");
    }
    let runs = script.matches("restart-conformance run ").count();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("walkthrough.sh"), &script).unwrap();
    let bin = cargo_bin("restart-conformance");
    let bin_dir = bin.parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let stdout = std::fs::File::create(dir.path().join("stdout")).unwrap();
    let stderr = std::fs::File::create(dir.path().join("stderr")).unwrap();
    // `-e`: the first command that fails ends the walk-through with its exit code; `-x` shows
    // which one it was.
    let mut child = Command::new("sh")
        .args(["-ex", "walkthrough.sh"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir.path())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .unwrap();
    let pgid = child.id();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > HANG {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    kill_group(pgid);
    let _ = child.wait();

    let out = read(dir.path(), "stdout");
    let err = read(dir.path(), "stderr");
    let served = read(dir.path(), "serve.out") + &read(dir.path(), "serve-tls.out");
    let all = format!("{out}\n--- stderr\n{err}\n--- serve output\n{served}");
    let Some(status) = status else {
        panic!("the walk-through hung:\n{all}");
    };
    assert_eq!(status.code(), Some(0), "{all}");
    // Each `run` got as far as its verdict, and each passed cases.
    let results: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("test result:"))
        .collect();
    assert_eq!(results.len(), runs, "{all}");
    for r in &results {
        assert!(r.starts_with("test result: ok."), "{all}");
        assert!(!r.starts_with("test result: ok. 0 passed"), "{all}");
    }
    // The walk-through's token is printed nowhere (the `-x` trace on stderr aside).
    let token = script
        .split("export OS_AUTH_TOKEN=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    let mut printed = out.clone() + &served;
    for report in std::fs::read_dir(dir.path().join("reports")).unwrap() {
        printed.push_str(&std::fs::read_to_string(report.unwrap().path()).unwrap_or_default());
    }
    assert!(!printed.contains(token), "the token was printed:\n{all}");
}

/// The cases a run's filter leaves out are counted, as `cargo test` counts them.
#[test]
fn a_filtered_run_says_how_many_cases_it_left_out() {
    let listed = assert_cmd::Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["run", "--list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&listed.stdout);
    let all = list.lines().filter(|l| l.ends_with(": test")).count();
    let kept = list
        .lines()
        .filter(|l| l.ends_with(": test") && l.contains("clouddb-ha::"))
        .count();
    assert!(kept > 0 && all > kept, "{list}");
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["run", "--report-dir"])
        .arg(dir.path())
        .arg("clouddb-ha::")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("test result:"))
        .unwrap_or_default();
    assert!(
        summary.contains(&format!(" {kept} passed;"))
            && summary.contains(&format!("; {} filtered out;", all - kept)),
        "{stdout}"
    );
}

/// `run --help` sends the reader where the fault names are, and `serve --help` lists them.
#[test]
fn the_help_says_where_the_fault_names_are() {
    let help = |sub: &str| {
        let out = assert_cmd::Command::cargo_bin("restart-conformance")
            .unwrap()
            .args([sub, "--help"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let run = help("run");
    assert!(!run.contains("serve --help"), "{run}");
    assert!(
        run.contains("`serve --fault list` prints the names"),
        "{run}"
    );
    let serve = help("serve");
    for fault in restart_conformance::reference::Fault::ALL {
        assert!(
            serve
                .lines()
                .any(|l| l.trim_start().starts_with(fault.name())),
            "{} missing from serve --help:\n{serve}",
            fault.name()
        );
    }
}

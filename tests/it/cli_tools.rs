//! What a command-line tool is expected to have: completion scripts a shell
//! accepts, a manual page, and `run --help` grouped under headings.

use std::collections::BTreeMap;

use assert_cmd::Command;

fn stdout_of(args: &[&str]) -> String {
    let out = Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_bash_completion_script_is_valid_bash_and_completes_the_subcommands() {
    let script = stdout_of(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("restart-conformance.bash");
    std::fs::write(&file, &script).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .unwrap();
    assert!(check.status.success(), "bash -n: {check:?}");
    // Sourced, it completes `restart-conformance re` to report (and nothing else).
    // The completion function is whatever `complete -p` says the script registered.
    let probe = format!(
        "source '{}'; f=$(complete -p restart-conformance | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p'); \
         COMP_WORDS=(restart-conformance re); COMP_CWORD=1; \
         \"$f\" restart-conformance re restart-conformance; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &probe])
        .output()
        .unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        words.split_whitespace().collect::<Vec<_>>(),
        ["report"],
        "{out:?}"
    );
}

#[test]
fn every_other_shell_gets_its_script_and_an_unknown_shell_is_a_usage_error() {
    assert!(stdout_of(&["completions", "zsh"]).starts_with("#compdef restart-conformance"));
    assert!(stdout_of(&["completions", "fish"]).contains("complete -c restart-conformance"));
    assert!(stdout_of(&["completions", "powershell"]).contains("Register-ArgumentCompleter"));
    Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("possible values"));
}

#[test]
fn man_prints_a_roff_page_with_a_title() {
    let page = stdout_of(&["man"]);
    assert!(page.contains("\n.TH restart-conformance 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
}

#[test]
fn man_out_dir_writes_a_page_per_command_and_an_unwritable_dir_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("share/man/man1");
    Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["man", "--out-dir"])
        .arg(&out)
        .assert()
        .code(0);
    let run = std::fs::read_to_string(out.join("restart-conformance-run.1")).unwrap();
    assert!(run.contains(".TH restart-conformance-run 1"), "{run}");
    assert!(run.contains("partition"), "{run}");
    // A file where the folder should be.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "").unwrap();
    Command::cargo_bin("restart-conformance")
        .unwrap()
        .args(["man", "--out-dir"])
        .arg(blocked.join("man1"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot write manual pages"));
}

/// `run --help` as heading → the options and arguments listed under it.
fn help_sections(help: &str) -> BTreeMap<String, Vec<String>> {
    let mut sections: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in help.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            current = line.trim_end_matches(':').to_owned();
            continue;
        }
        // An entry starts two or six spaces in; its help text, ten.
        if current.is_empty() || !line.starts_with("  ") || line.starts_with("        ") {
            continue;
        }
        // `-q, --quiet` and `--target <FILE>` are both named by the long form; `-Z` has none.
        let mut words = line.split_whitespace();
        let Some(first) = words.clone().next() else {
            continue;
        };
        let name = words
            .find(|w| w.starts_with("--") || w.starts_with('['))
            .unwrap_or(first);
        sections
            .entry(current.clone())
            .or_default()
            .push(name.trim_end_matches(',').to_owned());
    }
    sections
}

#[test]
fn run_help_groups_its_options_under_headings() {
    let help = stdout_of(&["run", "--help"]);
    let sections = help_sections(&help);
    for (heading, members) in [
        (
            "Selection",
            &["[FILTER]", "--exact", "--skip", "--partition", "--list"][..],
        ),
        (
            "Target and sign-in",
            &["--target", "--token-env", "--cloud", "--insecure"][..],
        ),
        (
            "Timing",
            &[
                "--request-timeout",
                "--lifecycle-timeout",
                "--rate",
                "--test-threads",
            ][..],
        ),
        (
            "Reports and records",
            &["--report-dir", "--baseline", "--history", "--metrics"][..],
        ),
        ("Embedded server", &["--fault", "--resources"][..]),
        ("Output", &["--quiet", "--format"][..]),
    ] {
        let listed = sections
            .get(heading)
            .unwrap_or_else(|| panic!("no heading {heading} in {sections:?}"));
        for m in members {
            assert!(
                listed.iter().any(|l| l == m),
                "{m} not under {heading}: {sections:?}"
            );
        }
    }
    // Only --help is left under the generic heading.
    assert_eq!(
        sections.get("Options").map(Vec::len),
        Some(1),
        "{sections:?}"
    );
}

/// Every file under `dir` (relative to the crate root), with `/` separators.
fn files_under(dir: &str) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

#[test]
fn the_package_holds_what_the_build_embeds_and_no_fixtures_or_tests() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let listed = String::from_utf8(out.stdout).unwrap();
    let listed: Vec<&str> = listed.lines().collect();
    // The built-in specs and profiles and the report templates are compiled in.
    let embedded: Vec<String> = ["specs", "profiles", "templates"]
        .iter()
        .flat_map(|d| files_under(d))
        .collect();
    assert!(embedded.iter().any(|f| f.starts_with("specs/")));
    for f in embedded
        .iter()
        .map(String::as_str)
        .chain(["Cargo.lock", "src/main.rs"])
    {
        assert!(listed.contains(&f), "{f} is not packaged: {listed:?}");
    }
    for l in &listed {
        assert!(
            ![
                "fixtures/",
                "tests/",
                "bench/",
                "docs/",
                "deploy/",
                ".github/",
                "ci/"
            ]
            .iter()
            .any(|p| l.starts_with(p)),
            "{l} is packaged"
        );
    }
}

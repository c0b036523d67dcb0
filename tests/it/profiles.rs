//! Conformance profiles: the built-in files against the built-in specs, `profiles list` and
//! `profiles show`, and `run --profile`: exactly the profiles' cases, and settings outside
//! their caps refused before anything is sent.

use restart_conformance::profile::{self, Section};

use super::common::bin;
use super::common::text;
use crate::common::*;

const TOKEN: &str = "tok-profiles-Hd83kq";
const PROFILES: [&str; 5] = [
    "ddm/2026.12",
    "clouddb/2026.12",
    "clouddb-ha/2026.12",
    "modelarts/2026.12",
    "ecs/2026.12",
];

#[test]
fn every_case_of_every_profile_exists_in_the_builtin_specs() {
    let specs = builtin();
    let set = profile::load_builtin().unwrap();
    let mut names: Vec<&str> = set.profiles.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let mut want = PROFILES.to_vec();
    want.sort_unstable();
    assert_eq!(names, want);
    for p in &set.profiles {
        let errors: Vec<String> = p.check_against(&specs).iter().map(|e| e.render()).collect();
        assert!(errors.is_empty(), "{}:\n{}", p.name, errors.join("\n"));
        // The newest profile of each API is for the specs built in, and decides every case.
        let newest = set
            .profiles
            .iter()
            .filter(|q| q.api == p.api)
            .max_by(|a, b| a.version.cmp(&b.version))
            .unwrap();
        if newest.name == p.name {
            assert_eq!(p.spec_digest, specs.digest, "{} names other specs", p.name);
            assert!(
                p.unlisted(&specs).is_empty(),
                "{} leaves out {:?}",
                p.name,
                p.unlisted(&specs)
            );
        }
        assert!(!p.section(Section::Required).is_empty());
    }
}

#[test]
fn profiles_list_puts_each_name_first_and_show_cites_each_case() {
    let out = bin().args(["profiles", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let firsts: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for p in PROFILES {
        assert!(firsts.contains(&p), "{p} not first on a line of\n{stdout}");
    }
    assert!(stdout.contains("2 flagged"), "{stdout}");

    let out = bin()
        .args(["profiles", "show", "clouddb/2026.12"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let show = String::from_utf8_lossy(&out.stdout);
    for want in [
        "clouddb::restart\n      MUST: 001_b7d2d52a262763b2.txt, This operation returns a 202 Accepted response",
        "clouddb::restart_while_restarting\n      SHOULD:",
        "flagged (2)",
        "does not accept a request body",
        "--lifecycle-timeout at most 600 s",
    ] {
        assert!(show.contains(want), "{want:?} not in\n{show}");
    }
    let out = bin()
        .args(["profiles", "show", "ddm/1999.01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unknown profile `ddm/1999.01`"),
        "{}",
        text(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// run --profile

#[test]
fn a_profile_run_selects_exactly_the_profiles_cases() {
    let out = bin()
        .args([
            "run",
            "--list",
            "--profile",
            "clouddb/2026.12",
            "--profile",
            "ddm/2026.12",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect();
    listed.sort();
    let set = profile::load_builtin().unwrap();
    let mut want: Vec<String> = ["clouddb/2026.12", "ddm/2026.12"]
        .iter()
        .flat_map(|n| set.get(n).unwrap().case_ids())
        .collect();
    want.sort();
    assert_eq!(listed, want);
    assert!(
        listed
            .iter()
            .any(|c| c == "clouddb::negative::missing_restart"),
        "flagged cases run too"
    );
    let out = bin()
        .args(["run", "--list", "--profile", "ddm/1999.01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unknown profile `ddm/1999.01`"),
        "{}",
        text(&out)
    );
}

#[test]
fn settings_outside_the_caps_are_refused_before_anything_is_sent() {
    let served = Served::start(&[], TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let server = served.server.as_ref().unwrap();
    std::fs::write(
        dir.path().join("target.yaml"),
        server.target_yaml("OS_AUTH_TOKEN"),
    )
    .unwrap();
    let cases: [(&[&str], &str); 7] = [
        (
            &["--lifecycle-timeout", "900"],
            "--lifecycle-timeout is 900 s; profile ddm/2026.12 allows at most 600 s",
        ),
        (&["--request-timeout", "120"], "--request-timeout is 120 s"),
        (&["ddm::negative"], "cases are selected by `ddm::negative`"),
        (
            &["--skip", "ddm::restart_soft"],
            "`--skip ddm::restart_soft`",
        ),
        (&["--exact", "ddm::restart_soft"], "`--exact`"),
        (&["--follow-redirects"], "--follow-redirects is on"),
        (
            &["--insecure"],
            "TLS certificates are not verified for every host of the target (--insecure)",
        ),
    ];
    let run = |extra: &[&str]| {
        let mut cmd = bin();
        cmd.current_dir(dir.path())
            .args([
                "run",
                "--target",
                "target.yaml",
                "--report-dir",
                "reports",
                "-q",
            ])
            .args(["--profile", "ddm/2026.12"])
            .args(extra);
        cmd
    };
    for (extra, want) in cases {
        let out = run(extra).env("OS_AUTH_TOKEN", TOKEN).output().unwrap();
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {all}");
        assert!(
            all.contains("outside the caps") && all.contains(want),
            "{extra:?}: {all}"
        );
    }
    // A target file that turns TLS verification off is refused before any case.
    let insecure = server
        .target_yaml("OS_AUTH_TOKEN")
        .replace("apis:\n", "tls: { verify: false }\napis:\n");
    std::fs::write(dir.path().join("target.yaml"), insecure).unwrap();
    let out = run(&[]).env("OS_AUTH_TOKEN", TOKEN).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("target.yaml"), "{}", text(&out));
    assert_eq!(server.action_requests(), 0, "a refused run sent a restart");
    // Specs other than the profile's.
    let specs = dir.path().join("specs");
    std::fs::create_dir(&specs).unwrap();
    for e in std::fs::read_dir(env!("CARGO_MANIFEST_DIR").to_owned() + "/specs").unwrap() {
        let e = e.unwrap();
        let body = std::fs::read_to_string(e.path()).unwrap() + "\n# edited\n";
        std::fs::write(specs.join(e.file_name()), body).unwrap();
    }
    let out = bin()
        .args(["run", "--profile", "ddm/2026.12", "--specs"])
        .arg(&specs)
        .args(["--report-dir"])
        .arg(dir.path().join("r"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("was written for the specs with the digest"),
        "{}",
        text(&out)
    );
    assert_eq!(server.requests(), 0);
}

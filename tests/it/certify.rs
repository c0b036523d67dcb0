//! Certifying: profiles, `run --profile` and its caps, results bundles, SSH signatures (ours
//! and OpenSSH's, both ways), `verify`, and the statement over time.
//!
//! One shared run (every profile, through a target file to a reference server with a
//! distinctive token, recorded in a history) feeds most tests; each test copies what it
//! changes.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use restart_conformance::certify::verdict::Level;
use restart_conformance::certify::{self, BundleRequest, Signature};
use restart_conformance::profile;
use restart_conformance::records::history::{self, HistoryLine};

use super::common::bin;
use super::common::text;
use crate::common::*;

const TOKEN: &str = "tok-certify-Zq81vX4uNm";
const PROFILES: [&str; 5] = [
    "ddm/2026.12",
    "clouddb/2026.12",
    "clouddb-ha/2026.12",
    "modelarts/2026.12",
    "ecs/2026.12",
];
const PRODUCT: &str = "vendor: Example Cloud GmbH\nname: Example Compute\nversion: \"2026.12\"\ntype: public-cloud\nwebsite_url: https://cloud.example.com/\ncontact_email_address: conformance@cloud.example.com\n";

/// The shared run: every profile, through a target file, with a history.
struct Shared {
    dir: tempfile::TempDir,
}

impl Shared {
    fn reports(&self) -> PathBuf {
        self.dir.path().join("reports")
    }
    fn history(&self) -> PathBuf {
        self.dir.path().join("history.jsonl")
    }
    fn product(&self) -> PathBuf {
        self.dir.path().join("PRODUCT.yaml")
    }
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let served = Served::start(&[], TOKEN);
        let target = served.server.as_ref().unwrap().target_yaml("OS_AUTH_TOKEN");
        std::fs::write(dir.path().join("target.yaml"), target).unwrap();
        std::fs::write(dir.path().join("PRODUCT.yaml"), PRODUCT).unwrap();
        let mut cmd = run_in(
            dir.path(),
            &["--restart-grace", "1", "--history", "history.jsonl"],
        );
        for p in PROFILES {
            cmd.args(["--profile", p]);
        }
        let out = cmd.env("OS_AUTH_TOKEN", TOKEN).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        drop(served);
        Shared { dir }
    })
}

/// A bundle of the shared run in a new folder, made by the library.
fn bundle_of_shared(
    sign: Option<&Path>,
    with_history: Option<&Path>,
) -> (tempfile::TempDir, PathBuf) {
    let s = shared();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bundle");
    let req = BundleRequest {
        report_dir: s.reports(),
        product: s.product(),
        out: out.clone(),
        sign: sign.map(Path::to_owned),
        history: with_history.map(|h| (h.to_owned(), "30d".parse().unwrap())),
    };
    certify::bundle(&req).unwrap();
    (tmp, out)
}

fn verify(dir: &Path, signers: Option<&Path>) -> certify::Verified {
    certify::verify(dir, signers, chrono::Utc::now()).unwrap()
}

/// A copy of the shared report directory whose report.json is changed by `edit`.
fn edited_reports(edit: impl FnOnce(&mut serde_json::Value)) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(shared().reports()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
    }
    let path = tmp.path().join("report.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    tmp
}

fn bundle_cli(report_dir: &Path, out: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["report", "bundle"])
        .arg(report_dir)
        .arg("--product")
        .arg(shared().product())
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// run --profile

#[test]
fn a_profile_run_runs_exactly_its_cases_and_records_them() {
    let report =
        restart_conformance::report::json::load(&shared().reports().join("report.json")).unwrap();
    let set = profile::load_builtin().unwrap();
    let mut want: Vec<String> = set
        .select(&PROFILES.map(str::to_owned))
        .unwrap()
        .iter()
        .flat_map(|p| p.case_ids())
        .collect();
    want.sort();
    let mut ran: Vec<String> = report.cases.iter().map(|c| c.name.clone()).collect();
    ran.sort();
    assert_eq!(ran, want);
    let pr = report.run.profile_run.as_ref().unwrap();
    assert_eq!(
        pr.profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        PROFILES
    );
    assert_eq!(pr.settings.lifecycle_timeout_ms, 10_000);
    assert!(
        pr.command_lines[0].contains("--profile ddm/2026.12"),
        "{:?}",
        pr.command_lines
    );
    // The journal records them too, and the history line names the profiles.
    let journal = std::fs::read_to_string(shared().reports().join("journal.jsonl")).unwrap();
    assert!(journal.lines().next().unwrap().contains("\"profile_run\""));
    let h = history::read(&shared().history()).unwrap();
    assert_eq!(h.runs.last().unwrap().profiles, PROFILES);
}

// ---------------------------------------------------------------------------------------------
// Bundles and verify

#[test]
fn each_profile_passes_on_the_reference_server_and_the_bundle_verifies() {
    let (_tmp, out) = bundle_of_shared(None, None);
    let v = verify(&out, None);
    assert!(v.conformant(), "{}", v.render());
    assert_eq!(v.verdicts.len(), 5);
    for verdict in &v.verdicts {
        assert_eq!(verdict.verdict, Level::Extended, "{}", v.render());
    }
    let flagged = v
        .verdicts
        .iter()
        .find(|x| x.profile == "clouddb/2026.12")
        .unwrap();
    assert_eq!(flagged.flagged.len(), 2);
    let shown = v.render();
    assert!(shown.contains("signature: not checked"), "{shown}");
    assert!(shown.contains("result: conformant"), "{shown}");
    for name in [
        "PRODUCT.yaml",
        "README.md",
        "report.json",
        "junit.xml",
        "report.html",
        "summary.md",
        "journal.jsonl",
        "profiles/ecs-2026.12.yaml",
        "manifest.json",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    // The same through the binary: exit 0.
    let cli = bin().arg("verify").arg(&out).output().unwrap();
    assert_eq!(cli.status.code(), Some(0), "{}", text(&cli));
}

#[test]
fn the_manifest_keeps_the_vendors_request_ids_and_the_readme_says_how_to_run_again() {
    let (_tmp, out) = bundle_of_shared(None, None);
    let m: certify::manifest::Manifest =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m.tool.executable_sha256.len(), 64);
    assert!(!m.tool.commit.is_empty());
    assert_eq!(m.spec_digest, builtin().digest);
    let ecs = m
        .request_ids
        .iter()
        .find(|r| r.case == "ecs::v2.1::reboot_soft")
        .unwrap();
    let id = &ecs.ids["x-openstack-request-id"];
    assert!(id.starts_with("req-"), "{ecs:?}");
    assert_eq!(ecs.ids["x-compute-request-id"], *id);
    assert!(ecs.date.is_some());
    let ddm = m
        .request_ids
        .iter()
        .find(|r| r.case == "ddm::restart_soft")
        .unwrap();
    assert_eq!(ddm.ids["x-request-id"].len(), 32);
    // Every exchange with an answer is there, its ids as report.json has them.
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    let answered = report.matches("\"status\":").count();
    assert!(m.request_ids.len() > 60 && answered >= m.request_ids.len());
    assert!(report.contains(id.as_str()));
    let files: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    assert!(files.contains(&"journal.jsonl") && !files.contains(&"manifest.json"));

    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    for want in [
        "Example Cloud GmbH Example Compute 2026.12",
        "--profile ddm/2026.12",
        "server_id: [\"",
        "a token in the environment variable the target file names",
        "ssh-keygen -Y verify",
        "| `ecs/2026.12` | conformant (extended) | 15 of 15",
        "auth: { token_env: OS_AUTH_TOKEN }",
        "project_id: \"…\", server_id: [\"",
    ] {
        assert!(readme.contains(want), "{want:?} not in\n{readme}");
    }
}

#[test]
fn no_secret_is_anywhere_in_a_bundle() {
    let (_tmp, out) = bundle_of_shared(None, Some(&shared().history()));
    for f in certify::bundle::files_under(&out).unwrap() {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(TOKEN), "the token is in {}", f.display());
    }
}

/// One table row per must-breaking fault: the profile it is run for and a case it fails.
const FAULTS: &[(&str, &str, &str)] = &[
    (
        "ddm-wrong-success-status",
        "ddm/2026.12",
        "ddm::restart_soft",
    ),
    ("ddm-missing-job-id", "ddm/2026.12", "ddm::restart_hard"),
    ("ddm-text-plain", "ddm/2026.12", "ddm::restart_soft"),
    (
        "ddm-bad-error-body",
        "ddm/2026.12",
        "ddm::negative::restart_type_not_in_enum",
    ),
    (
        "modelarts-wrong-type",
        "modelarts/2026.12",
        "modelarts::restart",
    ),
    (
        "ha-never-active",
        "clouddb-ha/2026.12",
        "clouddb-ha::restart",
    ),
    (
        "ha-no-reboot-state",
        "clouddb-ha/2026.12",
        "clouddb-ha::restart",
    ),
    ("ecs-v2-missing", "ecs/2026.12", "ecs::v2::reboot_soft"),
    (
        "accept-missing-required",
        "ecs/2026.12",
        "ecs::negative::missing_reboot_type",
    ),
    (
        "accept-bad-enum",
        "ddm/2026.12",
        "ddm::negative::restart_type_not_in_enum",
    ),
    (
        "accept-wrong-type",
        "modelarts/2026.12",
        "modelarts::negative::action_not_string",
    ),
    (
        "accept-malformed-json",
        "clouddb/2026.12",
        "clouddb::negative::malformed_json",
    ),
    (
        "accept-any-media-type",
        "clouddb/2026.12",
        "clouddb::negative::non_json_content_type",
    ),
    (
        "accept-no-token",
        "clouddb-ha/2026.12",
        "clouddb-ha::negative::no_token",
    ),
    (
        "accept-unknown-id",
        "ecs/2026.12",
        "ecs::negative::unknown_id",
    ),
    (
        "accept-any-method",
        "modelarts/2026.12",
        "modelarts::negative::method_get",
    ),
    (
        "reject-optional-body",
        "ddm/2026.12",
        "ddm::optional::restart_omitted",
    ),
    (
        "server-error-on-bad-body",
        "ecs/2026.12",
        "ecs::negative::malformed_json",
    ),
    ("huge-body", "ddm/2026.12", "ddm::restart_soft"),
    ("hang", "ddm/2026.12", "ddm::restart_soft"),
    ("truncated-json", "ddm/2026.12", "ddm::restart_soft"),
    ("invalid-utf8", "ddm/2026.12", "ddm::restart_soft"),
    ("json-as-html", "ddm/2026.12", "ddm::restart_soft"),
    ("redirect", "ddm/2026.12", "ddm::restart_soft"),
    ("close-early", "ddm/2026.12", "ddm::restart_soft"),
    ("not-http", "ddm/2026.12", "ddm::restart_soft"),
    (
        "accept-all-no-restart",
        "modelarts/2026.12",
        "modelarts::negative::no_token",
    ),
];

/// `run --profile PROFILE --fault FAULT` against the embedded server, then bundled and verified.
fn fault_bundle(fault: &str, profile: &str) -> (tempfile::TempDir, certify::Verified) {
    let tmp = tempfile::tempdir().unwrap();
    let reports = tmp.path().join("reports");
    let out = bin()
        .args([
            "run",
            "-q",
            "--profile",
            profile,
            "--fault",
            fault,
            "--reboot-seconds",
            "0.2",
        ])
        // Faults that keep a resource from its steady state would wait the whole timeout.
        .args([
            "--request-timeout",
            "2",
            "--lifecycle-timeout",
            "2",
            "--report-dir",
        ])
        .arg(&reports)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{fault}: {}",
        text(&out)
    );
    let bundle = tmp.path().join("bundle");
    certify::bundle(&BundleRequest {
        report_dir: reports,
        product: shared().product(),
        out: bundle.clone(),
        sign: None,
        history: None,
    })
    .unwrap();
    let v = verify(&bundle, None);
    (tmp, v)
}

#[test]
fn each_must_breaking_fault_bundles_and_verifies_not_conformant_naming_the_case() {
    let known: Vec<&str> = restart_conformance::reference::Fault::ALL
        .iter()
        .map(|f| f.name())
        .collect();
    std::thread::scope(|scope| {
        for chunk in FAULTS.chunks(FAULTS.len().div_ceil(3)) {
            scope.spawn(move || {
                for (fault, profile, case) in chunk {
                    let (_tmp, v) = fault_bundle(fault, profile);
                    assert!(v.trustworthy(), "{fault}: {}", v.render());
                    assert!(!v.conformant(), "{fault}: {}", v.render());
                    let verdict = &v.verdicts[0];
                    assert_eq!(verdict.verdict, Level::NotConformant, "{fault}");
                    assert!(
                        verdict.failed.iter().any(|f| f.case == *case),
                        "{fault}: {case} not named in\n{}",
                        v.render()
                    );
                    let shown = v.render();
                    assert!(
                        shown.contains(&format!("{profile}: {case} fails")),
                        "{shown}"
                    );
                    assert!(shown.contains("result: NOT conformant"), "{shown}");
                }
            });
        }
    });
    for (fault, _, _) in FAULTS {
        assert!(known.contains(fault), "{fault} is no fault");
    }
}

#[test]
fn should_level_faults_and_flagged_cases_leave_core_standing() {
    // ECS answering 200 instead of 202: a should-level finding, so core but not extended.
    let (_a, v) = fault_bundle("ecs-success-200", "ecs/2026.12");
    assert!(v.conformant(), "{}", v.render());
    assert_eq!(v.verdicts[0].verdict, Level::Core);
    assert!(
        v.verdicts[0]
            .findings
            .iter()
            .any(|f| f.why.contains("status.preferred"))
    );
    // Trove's 500 to `{}` fails a flagged case only: reported, not counted.
    let (_b, v) = fault_bundle("trove-like", "clouddb/2026.12");
    assert!(v.conformant(), "{}", v.render());
    let flagged = &v.verdicts[0].flagged;
    assert!(
        flagged
            .iter()
            .any(|f| f.case == "clouddb::negative::missing_restart" && f.outcome == "failed"),
        "{flagged:?}"
    );
    // Nova 34 passes every level, as --strict does.
    let (_c, v) = fault_bundle("nova-like", "ecs/2026.12");
    assert_eq!(v.verdicts[0].verdict, Level::Extended, "{}", v.render());
}

/// A change to report.json, as another way of running would have made it.
type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;

#[test]
fn runs_that_cannot_certify_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let refused: [(Edit, &str); 5] = [
        (
            Box::new(|v| v["run"]["filters"] = serde_json::json!(["ddm::"])),
            "cases are selected by `ddm::`",
        ),
        (
            Box::new(
                |v| v["run"]["tls"] = serde_json::json!({"not_verified": ["ddm.example:443"], "not_verified_by": ["--insecure"]}),
            ),
            "TLS certificates are not verified for ddm.example:443",
        ),
        (
            Box::new(|v| v["run"]["interrupted"] = serde_json::json!(true)),
            "the run was interrupted",
        ),
        (
            Box::new(|v| v["run"]["filters"] = serde_json::json!(["--partition count:1/2"])),
            "the partitions count:1/2 only",
        ),
        (
            Box::new(|v| {
                v["run"].as_object_mut().unwrap().remove("profile_run");
            }),
            "made without --profile",
        ),
    ];
    for (i, (edit, want)) in refused.into_iter().enumerate() {
        let reports = edited_reports(edit);
        let out_dir = tmp.path().join(format!("b{i}"));
        let out = bundle_cli(reports.path(), &out_dir, &[]);
        assert_eq!(out.status.code(), Some(2), "{want}: {}", text(&out));
        assert!(text(&out).contains(want), "{want}: {}", text(&out));
        assert!(
            !out_dir.exists(),
            "{want}: a refused bundle wrote {}",
            out_dir.display()
        );
    }
    // A bad PRODUCT.yaml is located.
    let bad = tmp.path().join("PRODUCT.yaml");
    std::fs::write(
        &bad,
        "vendor: x\nname: y\nversion: \"1\"\ntype: cloud\nwebsite_url: https://x.example/\n",
    )
    .unwrap();
    let out = bin()
        .args(["report", "bundle"])
        .arg(shared().reports())
        .arg("--product")
        .arg(&bad)
        .arg("--out")
        .arg(tmp.path().join("p"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("PRODUCT.yaml:4:7"), "{}", text(&out));
}

#[test]
fn partitions_bundle_only_once_merged() {
    let tmp = tempfile::tempdir().unwrap();
    let part = |i: u32| {
        let dir = tmp.path().join(format!("part-{i}"));
        let out = bin()
            .args([
                "run",
                "-q",
                "--profile",
                "clouddb/2026.12",
                "--reboot-seconds",
                "0.2",
            ])
            .args(["--partition", &format!("count:{i}/2"), "--report-dir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        dir
    };
    let (one, two) = (part(1), part(2));
    let out = bundle_cli(&one, &tmp.path().join("b1"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("run every partition and merge them"),
        "{}",
        text(&out)
    );
    let merged = tmp.path().join("merged");
    let out = bin()
        .args(["report", "merge", "--report-dir"])
        .arg(&merged)
        .arg(one.join("report.json"))
        .arg(two.join("report.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let bundle = tmp.path().join("b2");
    let out = bundle_cli(&merged, &bundle, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = verify(&bundle, None);
    assert!(v.conformant(), "{}", v.render());
    assert_eq!(v.manifest.run.command_lines.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Signatures

/// A key pair: by ssh-keygen when it is there, else written here from a fixed seed.
fn keypair(dir: &Path, name: &str) -> (PathBuf, String) {
    use ssh_key::private::{Ed25519Keypair, KeypairData};
    let seed = name.bytes().fold([7u8; 32], |mut acc, b| {
        acc[usize::from(b) % 32] ^= b;
        acc
    });
    let private =
        ssh_key::PrivateKey::new(KeypairData::Ed25519(Ed25519Keypair::from_seed(&seed)), name)
            .unwrap();
    let path = dir.join(name);
    std::fs::write(
        &path,
        private
            .to_openssh(ssh_key::LineEnding::LF)
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    set_private(&path);
    (path, private.public_key().to_openssh().unwrap())
}

fn set_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// ssh-keygen, or `None` (after saying so) when it is absent and CI does not require it.
fn ssh_keygen() -> Option<PathBuf> {
    super::common::tool("ssh-keygen", "openssh-client")
}

#[test]
fn a_signed_bundle_verifies_here_and_with_ssh_keygen() {
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = keypair(keys.path(), "alice");
    let signers = keys.path().join("allowed_signers");
    std::fs::write(
        &signers,
        format!("alice@example.com namespaces=\"restart-conformance\" {public}\n"),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bundle");
    let cli = bundle_cli(
        &shared().reports(),
        &out,
        &["--sign", key.to_str().unwrap()],
    );
    assert_eq!(cli.status.code(), Some(0), "{}", text(&cli));
    let v = verify(&out, Some(&signers));
    assert!(v.conformant(), "{}", v.render());
    assert!(matches!(&v.signature, Signature::Good(by) if by.principals == ["alice@example.com"]));
    let cli = bin()
        .arg("verify")
        .arg(&out)
        .arg("--allowed-signers")
        .arg(&signers)
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(0), "{}", text(&cli));
    assert!(
        text(&cli).contains("signature: good, by alice@example.com"),
        "{}",
        text(&cli)
    );
    let Some(keygen) = ssh_keygen() else { return };
    let manifest = std::fs::File::open(out.join("manifest.json")).unwrap();
    let ok = std::process::Command::new(&keygen)
        .args(["-Y", "verify", "-f"])
        .arg(&signers)
        .args(["-I", "alice@example.com", "-n", "restart-conformance", "-s"])
        .arg(out.join("manifest.json.sig"))
        .stdin(manifest)
        .output()
        .unwrap();
    assert!(ok.status.success(), "ssh-keygen -Y verify: {}", text(&ok));
    assert!(
        text(&ok).contains("Good \"restart-conformance\" signature for alice@example.com"),
        "{}",
        text(&ok)
    );
}

#[test]
fn a_bundle_signed_by_ssh_keygen_verifies_here_and_an_encrypted_key_says_how() {
    let Some(keygen) = ssh_keygen() else { return };
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("bob");
    let made = std::process::Command::new(&keygen)
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bob", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));
    let public = std::fs::read_to_string(keys.path().join("bob.pub")).unwrap();
    let signers = keys.path().join("allowed_signers");
    std::fs::write(&signers, format!("bob@example.com {public}")).unwrap();
    let (_tmp, out) = bundle_of_shared(None, None);
    let signed = std::process::Command::new(&keygen)
        .args(["-Y", "sign", "-f"])
        .arg(&key)
        .args(["-n", "restart-conformance"])
        .arg(out.join("manifest.json"))
        .output()
        .unwrap();
    assert!(signed.status.success(), "{}", text(&signed));
    let v = verify(&out, Some(&signers));
    assert!(
        matches!(&v.signature, Signature::Good(by) if by.principals == ["bob@example.com"]),
        "{}",
        v.render()
    );
    assert!(v.conformant());

    let locked = keys.path().join("locked");
    let made = std::process::Command::new(&keygen)
        .args(["-q", "-t", "ed25519", "-N", "a passphrase", "-f"])
        .arg(&locked)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));
    let tmp = tempfile::tempdir().unwrap();
    let cli = bundle_cli(
        &shared().reports(),
        &tmp.path().join("b"),
        &["--sign", locked.to_str().unwrap()],
    );
    assert_eq!(cli.status.code(), Some(2), "{}", text(&cli));
    let all = text(&cli);
    assert!(
        all.contains("is encrypted") && all.contains("ssh-keygen -Y sign -f"),
        "{all}"
    );
}

#[test]
fn a_changed_byte_an_edited_manifest_or_a_foreign_key_each_fail_naming_what() {
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = keypair(keys.path(), "carol");
    let (_, mallory) = keypair(keys.path(), "mallory");
    let signers = keys.path().join("allowed_signers");
    std::fs::write(&signers, format!("carol@example.com {public}\n")).unwrap();
    let (_tmp, out) = bundle_of_shared(Some(&key), Some(&shared().history()));
    assert!(verify(&out, Some(&signers)).conformant());
    let manifest: certify::manifest::Manifest =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    // One changed byte in any file names that file.
    for f in &manifest.files {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(&out, copy.path());
        let path = copy.path().join(&f.path);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
        let v = verify(copy.path(), Some(&signers));
        assert!(!v.conformant(), "{}: {}", f.path, v.render());
        assert!(
            v.file_problems
                .iter()
                .any(|p| p.starts_with(&format!("{}: changed", f.path))),
            "{}",
            v.render()
        );
        assert!(
            v.render().contains("result: REJECTED (tampered"),
            "{}",
            v.render()
        );
    }
    // An edited manifest: the signature no longer holds; unsigned, the files disagree with it.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&out, copy.path());
    let text_m = std::fs::read_to_string(copy.path().join("manifest.json")).unwrap();
    let edited = text_m
        .replacen("\"not-conformant\"", "\"extended\"", 1)
        .replacen(
            "runs passed every required case",
            "runs passed every required case ",
            1,
        );
    std::fs::write(copy.path().join("manifest.json"), &edited).unwrap();
    let v = verify(copy.path(), Some(&signers));
    assert!(
        matches!(&v.signature, Signature::Bad(why) if why.contains("does not match manifest.json")),
        "{}",
        v.render()
    );
    std::fs::remove_file(copy.path().join("manifest.json.sig")).unwrap();
    let v = verify(copy.path(), None);
    assert!(!v.conformant());
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("disagrees") && p.contains("over_time")),
        "{}",
        v.render()
    );
    let v = verify(copy.path(), Some(&signers));
    assert!(
        matches!(&v.signature, Signature::Bad(why) if why.contains("not signed")),
        "{}",
        v.render()
    );
    // A signature by a key the allowed signers do not hold.
    let other = keys.path().join("other_signers");
    std::fs::write(&other, format!("mallory@example.com {mallory}\n")).unwrap();
    let v = verify(&out, Some(&other));
    assert!(
        matches!(&v.signature, Signature::Bad(why) if why.contains("not in the allowed signers")),
        "{}",
        v.render()
    );
    let cli = bin()
        .arg("verify")
        .arg(&out)
        .arg("--allowed-signers")
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(1), "{}", text(&cli));
    assert!(
        text(&cli).contains("signature: BAD: signed by a key that is not in the allowed signers"),
        "{}",
        text(&cli)
    );
    // A file added after bundling is named too.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&out, copy.path());
    std::fs::write(copy.path().join("extra.txt"), "x").unwrap();
    let v = verify(copy.path(), None);
    assert!(
        v.file_problems
            .iter()
            .any(|p| p.starts_with("extra.txt: not in the manifest"))
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for f in certify::bundle::files_under(from).unwrap() {
        let rel = f.strip_prefix(from).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&f, dest).unwrap();
    }
}

#[test]
fn a_folder_that_is_no_bundle_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin().arg("verify").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("is not a results bundle"),
        "{}",
        text(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// Over time

#[test]
fn a_history_of_three_runs_with_one_failing_says_2_of_3() {
    let h = history::read(&shared().history()).unwrap();
    let last: HistoryLine = h.runs.last().unwrap().clone();
    let start = chrono::DateTime::parse_from_rfc3339(&last.started_at).unwrap();
    let earlier = |days: i64, run_id: &str, fail: bool| {
        let mut l = last.clone();
        l.run_id = run_id.to_owned();
        l.started_at = (start - chrono::Duration::days(days))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if fail {
            let c = l
                .cases
                .iter_mut()
                .find(|c| c.name == "ecs::v2::reboot_soft")
                .unwrap();
            c.outcome = restart_conformance::model::CaseOutcome::Failed;
        }
        l
    };
    // Outside the window, another target: neither is counted.
    let mut elsewhere = earlier(1, "elsewhere", false);
    elsewhere.target = "prod-eu.yaml (https://ecs.example)".into();
    let lines = vec![
        earlier(45, "long-ago", true),
        earlier(2, "night-1", false),
        earlier(1, "night-2", true),
        elsewhere,
        last.clone(),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("history.jsonl");
    std::fs::write(&file, history::render(&lines).unwrap()).unwrap();
    let out = tmp.path().join("bundle");
    let cli = bundle_cli(
        &shared().reports(),
        &out,
        &["--history", file.to_str().unwrap(), "--window", "30d"],
    );
    assert_eq!(cli.status.code(), Some(0), "{}", text(&cli));
    assert!(
        text(&cli).contains("over time: 2 of 3 runs passed every required case"),
        "{}",
        text(&cli)
    );
    let v = verify(&out, None);
    assert!(v.conformant(), "{}", v.render());
    let o = v.over_time.as_ref().unwrap();
    assert_eq!((o.passed, o.runs), (2, 3));
    assert_eq!(o.first_run, earlier(2, "", false).started_at);
    assert_eq!(o.last_run, last.started_at);
    assert!(o.p95_restart_ms.contains_key("clouddb-ha"), "{o:?}");
    assert!(
        v.render()
            .contains("over time: 2 of 3 runs passed every required case"),
        "{}",
        v.render()
    );
    // The lines counted are in the bundle; a history without the run is refused.
    assert_eq!(
        history::read(&out.join("history.jsonl"))
            .unwrap()
            .runs
            .len(),
        3
    );
    std::fs::write(&file, history::render(&lines[..2]).unwrap()).unwrap();
    let cli = bundle_cli(
        &shared().reports(),
        &tmp.path().join("b2"),
        &["--history", file.to_str().unwrap()],
    );
    assert_eq!(cli.status.code(), Some(2), "{}", text(&cli));
    assert!(
        text(&cli).contains("the history holds no line of this run"),
        "{}",
        text(&cli)
    );
}

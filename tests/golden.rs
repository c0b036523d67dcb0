//! Golden files, one trial per fixture: each broken spec in `fixtures/specs-bad/` and each broken
//! target in `fixtures/targets-bad/` must be refused with the located error in the `.err` file
//! beside it, and the binary run on it must print no secret the fixture holds.
//!
//! `BLESS=1 cargo test --test golden` rewrites the `.err` files instead of comparing. A trial
//! per file (libtest-mimic, as its `examples/tidy.rs` does) names the fixture that broke and lets
//! `cargo test --test golden token_in_file` rerun one.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use restart_conformance::endpoint;
use restart_conformance::spec::{self, SpecError, SpecSet, load_sources};

/// The credential values the fixtures hold on purpose; none may reach any output.
const FIXTURE_SECRETS: [&str; 8] = [
    "abc123",
    "hunter22-flow",
    "appcred-s3cr3t-77",
    // Below their key, in a file that breaks there (`secret_*.yaml`).
    "pw-below-key-4e1",
    "pw-in-sequence-7c2",
    "pw-nested-map-9d3",
    "pw-block-first-2b8",
    "pw-block-second-2b8",
];
/// The token the binary runs get from the environment.
const ENV_TOKEN: &str = "golden-env-token-6c0d";
const TOKEN_ENV: &str = "RC_GOLDEN_TOKEN";

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    match trials_for_all() {
        Ok(t) => trials.extend(t),
        Err(e) => trials.push(Trial::test("golden::setup", move || Err(e.into()))),
    }
    libtest_mimic::run(&args, trials).exit();
}

fn trials_for_all() -> Result<Vec<Trial>, String> {
    let specs = std::sync::Arc::new(spec::load_builtin().map_err(|e| e.to_string())?);
    let mut trials = vec![Trial::test(
        "secrets::every_listed_secret_is_in_a_fixture",
        every_listed_secret_is_in_a_fixture,
    )];
    for yaml in fixtures("specs-bad")? {
        let name = stem(&yaml);
        let y = yaml.clone();
        trials.push(Trial::test(format!("specs_bad::{name}"), move || {
            golden(&y, &spec_error(&y)?)
        }));
        trials.push(Trial::test(
            format!("secrets::specs_bad::{name}"),
            move || binary_prints_no_secret(&yaml, Kind::Spec),
        ));
    }
    for yaml in fixtures("targets-bad")? {
        let name = stem(&yaml);
        let (y, s) = (yaml.clone(), specs.clone());
        trials.push(Trial::test(format!("targets_bad::{name}"), move || {
            golden(&y, &target_error(&y, &s)?)
        }));
        trials.push(Trial::test(
            format!("secrets::targets_bad::{name}"),
            move || binary_prints_no_secret(&yaml, Kind::Target),
        ));
    }
    Ok(trials)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn fixtures(dir: &str) -> Result<Vec<PathBuf>, String> {
    let dir = Path::new("fixtures").join(dir);
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut v: Vec<PathBuf> = entries
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    Ok(v)
}

/// The located errors of a broken spec, as the golden file holds them.
fn spec_error(yaml: &Path) -> Result<String, Failed> {
    let bytes = std::fs::read(yaml).map_err(|e| format!("{}: {e}", yaml.display()))?;
    match load_sources(vec![(yaml.to_path_buf(), bytes)]) {
        Ok(_) => Err(format!("{} loaded but is broken on purpose", yaml.display()).into()),
        Err(SpecError::Invalid(errors)) => {
            let rendered: Vec<String> = errors.iter().map(|e| e.render()).collect();
            if let Some(e) = rendered
                .iter()
                .find(|r| !r.contains(&yaml.display().to_string()))
            {
                return Err(format!("{} names no file:\n{e}", yaml.display()).into());
            }
            Ok(rendered.join("\n\n") + "\n")
        }
        Err(e) => Err(format!("{}: {e}", yaml.display()).into()),
    }
}

/// The error of a broken target file, as the golden file holds it. The files name a token
/// variable that is never set; resolution must fail before reaching it.
fn target_error(yaml: &Path, specs: &SpecSet) -> Result<String, Failed> {
    match endpoint::load_file(yaml).and_then(|p| endpoint::resolve(p, specs, None, true)) {
        Ok(_) => Err(format!("{} resolved but is broken on purpose", yaml.display()).into()),
        Err(e) => {
            let rendered = e.to_string() + "\n";
            if !rendered.contains(&yaml.display().to_string()) {
                return Err(format!("{} names no file:\n{rendered}", yaml.display()).into());
            }
            Ok(rendered)
        }
    }
}

/// Compares `actual` with the golden `.err` file beside `yaml`; `BLESS=1` rewrites it instead.
fn golden(yaml: &Path, actual: &str) -> Result<(), Failed> {
    let err = yaml.with_extension("err");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&err, actual).map_err(|e| format!("{}: {e}", err.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&err).unwrap_or_default();
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{} differs (BLESS=1 rewrites it):\n--- expected\n{expected}\n--- actual\n{actual}",
            err.display()
        )
        .into())
    }
}

fn every_listed_secret_is_in_a_fixture() -> Result<(), Failed> {
    let mut all = String::new();
    for dir in ["specs-bad", "targets-bad"] {
        for f in fixtures(dir)? {
            all.push_str(&std::fs::read_to_string(&f).unwrap_or_default());
        }
    }
    match FIXTURE_SECRETS.iter().find(|s| !all.contains(*s)) {
        Some(s) => Err(format!("{s} is in no fixture: the secret test checks nothing").into()),
        None => Ok(()),
    }
}

enum Kind {
    Spec,
    Target,
}

/// Runs the binary on the fixture (`specs check` on a folder holding only it, or `run` and
/// `run --dry-run` with it as the target) and greps stdout and stderr for every secret.
fn binary_prints_no_secret(yaml: &Path, kind: Kind) -> Result<(), Failed> {
    let bin = env!("CARGO_BIN_EXE_restart-conformance");
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let runs: Vec<Vec<std::ffi::OsString>> = match kind {
        Kind::Spec => {
            let copy = tmp.path().join(yaml.file_name().unwrap_or_default());
            std::fs::copy(yaml, &copy).map_err(|e| e.to_string())?;
            vec![vec!["specs".into(), "check".into(), tmp.path().into()]]
        }
        Kind::Target => {
            let base: Vec<std::ffi::OsString> = vec![
                "run".into(),
                "--report-dir".into(),
                tmp.path().join("reports").into(),
                "--token-env".into(),
                TOKEN_ENV.into(),
                "--target".into(),
                yaml.into(),
            ];
            let mut dry = base.clone();
            dry.push("--dry-run".into());
            vec![base, dry]
        }
    };
    for args in runs {
        let out = Command::new(bin)
            .args(&args)
            .env(TOKEN_ENV, ENV_TOKEN)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.code() != Some(2) {
            return Err(format!("{args:?} exited {:?}, not 2", out.status.code()).into());
        }
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        for secret in FIXTURE_SECRETS.iter().chain([&ENV_TOKEN]) {
            if text.contains(secret) {
                return Err(format!("{args:?} printed the secret {secret}:\n{text}").into());
            }
        }
    }
    Ok(())
}

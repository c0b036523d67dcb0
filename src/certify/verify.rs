//! `verify BUNDLE`: offline, from the bundle's files alone.
//!
//! 1. every file's size and SHA-256 against `manifest.json` (a changed byte names its file; a
//!    file the manifest does not list is named too);
//! 2. the signature, against the allowed signers when given (else "not checked");
//! 3. the profiles: each the built-in one of this tool, when it knows the name;
//! 4. the run: not interrupted, made with `--profile`, every partition merged, inside the
//!    caps, on the profiles' specs;
//! 5. the manifest against the files: everything it derives (verdicts, run, request ids,
//!    the statement over time) is derived again and compared;
//! 6. the verdict per profile.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::bundle::{files_under, relative, required_of, sha256_file};
use super::manifest::{self, BUNDLE_FORMAT, HISTORY, MANIFEST, Manifest, PRODUCT, SIGNATURE};
use super::over_time::{self, OverTime, Window};
use super::product;
use super::sshsig::{self, SignedBy};
use super::verdict::{Level, ProfileVerdict};
use crate::profile::{self, Profile, ProfileSet};
use crate::records::history;
use crate::report;

/// What became of the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// No `--allowed-signers`: whether the bundle carries a signature at all.
    NotChecked {
        present: bool,
    },
    Good(SignedBy),
    Bad(String),
}

/// The findings of `verify`.
#[derive(Debug, Clone)]
pub struct Verified {
    pub bundle: PathBuf,
    pub manifest: Manifest,
    pub files_checked: usize,
    /// Files changed, missing or not listed: each names its file.
    pub file_problems: Vec<String>,
    pub signature: Signature,
    /// Anything else that makes the bundle untrustworthy or its run uncertifiable.
    pub problems: Vec<String>,
    /// The verdicts derived from the bundle's report.
    pub verdicts: Vec<ProfileVerdict>,
    pub over_time: Option<OverTime>,
}

impl Verified {
    /// The bundle is intact, correctly signed when checked, and its run certifiable.
    pub fn trustworthy(&self) -> bool {
        self.file_problems.is_empty()
            && self.problems.is_empty()
            && !matches!(self.signature, Signature::Bad(_))
    }

    /// Trustworthy, and every profile conformant (core at least).
    pub fn conformant(&self) -> bool {
        self.trustworthy()
            && !self.verdicts.is_empty()
            && self.verdicts.iter().all(|v| v.verdict.conformant())
    }

    /// The table and lines `verify` prints.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let m = &self.manifest;
        let _ = writeln!(
            s,
            "bundle {} ({}; made by {} {}, commit {})",
            self.bundle.display(),
            m.bundle,
            m.tool.name,
            m.tool.version,
            m.tool.commit
        );
        let _ = writeln!(
            s,
            "product: {} {} {} ({})",
            m.product.vendor, m.product.name, m.product.version, m.product.kind
        );
        self.files_line(&mut s);
        self.signature_line(&mut s);
        self.run_and_verdicts(&mut s);
        if let Some(o) = &self.over_time {
            let _ = writeln!(
                s,
                "\nover time: {}, {} to {} (window {}), valid until {}",
                o.statement, o.first_run, o.last_run, o.window, o.valid_until
            );
            if !o.p95_restart_ms.is_empty() {
                let times: Vec<String> = o
                    .p95_restart_ms
                    .iter()
                    .map(|(api, ms)| format!("{api} {ms} ms"))
                    .collect();
                let _ = writeln!(s, "  p95 time to steady: {}", times.join(", "));
            }
        }
        if !self.problems.is_empty() {
            s.push_str("\nproblems:\n");
            for p in &self.problems {
                let _ = writeln!(s, "  - {p}");
            }
        }
        let _ = writeln!(s, "\nresult: {}", self.result());
        s
    }

    /// Whether every file matches the manifest, and those that do not.
    fn files_line(&self, s: &mut String) {
        if self.file_problems.is_empty() {
            let _ = writeln!(s, "files: {} match {MANIFEST}", self.files_checked);
        } else {
            let _ = writeln!(
                s,
                "files: {} of {} do not match {MANIFEST}",
                self.file_problems.len(),
                self.files_checked
            );
            for p in &self.file_problems {
                let _ = writeln!(s, "  - {p}");
            }
        }
    }

    /// Whether the signature was checked, and by whom it was made.
    fn signature_line(&self, s: &mut String) {
        match &self.signature {
            Signature::NotChecked { present } => {
                let _ = writeln!(
                    s,
                    "signature: not checked (no --allowed-signers){}",
                    if *present {
                        format!("; {SIGNATURE} is present")
                    } else {
                        format!("; the bundle has no {SIGNATURE}")
                    }
                );
            }
            Signature::Good(by) => {
                let _ = writeln!(
                    s,
                    "signature: good, by {} ({})",
                    by.principals.join(", "),
                    by.key
                );
            }
            Signature::Bad(why) => {
                let _ = writeln!(s, "signature: BAD: {why}");
            }
        }
    }

    /// The run, and one row per profile with the required cases it failed.
    fn run_and_verdicts(&self, s: &mut String) {
        let m = &self.manifest;
        let _ = writeln!(
            s,
            "run: {}, {} to {}, {}",
            m.run.run_id, m.run.started_at, m.run.ended_at, m.run.target
        );
        let _ = writeln!(
            s,
            "\n{:20} {:24} {:>16} {:>9} {:>8}",
            "profile", "verdict", "required passed", "findings", "flagged"
        );
        for v in &self.verdicts {
            let _ = writeln!(
                s,
                "{:20} {:24} {:>16} {:>9} {:>8}",
                v.profile,
                v.verdict.as_str(),
                format!("{} of {}", v.required_passed, v.required),
                v.findings.len(),
                v.flagged.len()
            );
        }
        for v in &self.verdicts {
            for f in &v.failed {
                let _ = writeln!(s, "  {}: {} fails: {}", v.profile, f.case, one_line(&f.why));
            }
        }
    }

    /// The last line's verdict: rejected and why, conformant, or not and for which profiles.
    fn result(&self) -> String {
        if !self.trustworthy() {
            let mut why = Vec::new();
            if !self.file_problems.is_empty() {
                why.push("tampered: files differ from the manifest");
            }
            if matches!(self.signature, Signature::Bad(_)) {
                why.push("badly signed");
            }
            if !self.problems.is_empty() {
                why.push("the manifest or the run does not hold");
            }
            format!("REJECTED ({})", why.join("; "))
        } else if self.conformant() {
            "conformant".to_owned()
        } else {
            let failing: Vec<&str> = self
                .verdicts
                .iter()
                .filter(|v| v.verdict == Level::NotConformant)
                .map(|v| v.profile.as_str())
                .collect();
            format!("NOT conformant ({})", failing.join(", "))
        }
    }
}

fn one_line(text: &str) -> String {
    crate::report::markdown::text(text).replace('\n', " ")
}

/// Why a folder is no bundle, or the allowed signers cannot be read (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("error: {} is not a results bundle: {why}\n  = help: give the --out folder of `report bundle`", .dir.display())]
    NotABundle { dir: PathBuf, why: String },
    #[error("error: cannot read the allowed signers {}: {source}", .path.display())]
    ReadSigners {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Signers(#[from] sshsig::SignersError),
}

/// Checks the bundle in `dir`.
pub fn verify(
    dir: &Path,
    allowed_signers: Option<&Path>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Verified, VerifyError> {
    let not_a_bundle = |why: String| VerifyError::NotABundle {
        dir: dir.to_owned(),
        why,
    };
    let manifest_bytes = std::fs::read(dir.join(MANIFEST))
        .map_err(|e| not_a_bundle(format!("no readable {MANIFEST} ({e})")))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| not_a_bundle(format!("{MANIFEST} is not a bundle manifest ({e})")))?;
    if manifest.bundle != BUNDLE_FORMAT {
        return Err(not_a_bundle(format!(
            "its format is `{}`, this tool reads `{BUNDLE_FORMAT}`",
            manifest.bundle
        )));
    }
    let signers = match allowed_signers {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|source| VerifyError::ReadSigners {
                    path: path.to_owned(),
                    source,
                })?;
            Some(sshsig::parse_allowed_signers(path, &text)?)
        }
        None => None,
    };
    let file_problems = check_files(dir, &manifest);
    let sig_path = dir.join(SIGNATURE);
    let signature = match &signers {
        None => Signature::NotChecked {
            present: sig_path.is_file(),
        },
        Some(signers) => match std::fs::read_to_string(&sig_path) {
            Err(_) => Signature::Bad(format!("the bundle has no {SIGNATURE}: it is not signed")),
            Ok(armored) => match sshsig::verify(&armored, &manifest_bytes, signers, now) {
                Ok(by) => Signature::Good(by),
                Err(e) => Signature::Bad(e.to_string()),
            },
        },
    };
    let mut v = Verified {
        bundle: dir.to_owned(),
        files_checked: manifest.files.len(),
        manifest,
        file_problems,
        signature,
        problems: Vec::new(),
        verdicts: Vec::new(),
        over_time: None,
    };
    check_contents(dir, &mut v);
    Ok(v)
}

/// Each listed file against its size and digest; each file on disk against the list.
fn check_files(dir: &Path, manifest: &Manifest) -> Vec<String> {
    let mut out = Vec::new();
    for f in &manifest.files {
        let path = dir.join(&f.path);
        match sha256_file(&path) {
            Err(_) => out.push(format!("{}: missing", f.path)),
            Ok((size, sha)) if size != f.size || sha != f.sha256 => out.push(format!(
                "{}: changed since it was bundled (SHA-256 {sha}, {size} bytes; the manifest says {}, {} bytes)",
                f.path, f.sha256, f.size
            )),
            Ok(_) => {}
        }
    }
    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    if let Ok(files) = files_under(dir) {
        let mut extra: Vec<String> = files
            .iter()
            .map(|p| relative(dir, p))
            .filter(|r| r != MANIFEST && r != SIGNATURE && !listed.contains(r.as_str()))
            .collect();
        extra.sort();
        for r in extra {
            out.push(format!("{r}: not in the manifest (added after bundling)"));
        }
    }
    out
}

/// The profiles, the run, the manifest's derived fields and the verdicts.
fn check_contents(dir: &Path, v: &mut Verified) {
    let builtin = profile::load_builtin().unwrap_or_default();
    let mut profiles: Vec<Profile> = Vec::new();
    for r in &v.manifest.profiles {
        let bytes = match std::fs::read(dir.join(&r.file)) {
            Ok(b) => b,
            Err(_) => {
                v.problems
                    .push(format!("profile {}: {} is missing", r.name, r.file));
                continue;
            }
        };
        match profile::load_sources(vec![(PathBuf::from(&r.file), bytes)]) {
            Ok(set) => match set.profiles.into_iter().next() {
                Some(p) if p.name == r.name => {
                    if let Some(known) = builtin.get(&p.name)
                        && known.sha256 != p.sha256
                    {
                        v.problems.push(format!(
                            "profile {}: the bundle's copy (SHA-256 {}) is not this tool's (SHA-256 {})",
                            p.name, p.sha256, known.sha256
                        ));
                    }
                    profiles.push(p);
                }
                _ => v.problems.push(format!(
                    "profile {}: {} holds another profile",
                    r.name, r.file
                )),
            },
            Err(e) => v.problems.push(format!(
                "profile {}: {} cannot be read: {}",
                r.name,
                r.file,
                crate::error_chain::one_line(&e)
            )),
        }
    }
    let set = ProfileSet {
        profiles: profiles.clone(),
    };
    let refs: Vec<&Profile> = profiles.iter().collect();
    let mut report = match report::json::load(&dir.join(report::REPORT_JSON)) {
        Ok(r) => r,
        Err(e) => {
            v.problems.push(format!(
                "report.json cannot be read: {}",
                crate::error_chain::one_line(&e)
            ));
            return;
        }
    };
    set.follow_aliases(report.cases.iter_mut().map(|c| &mut c.name));
    check_run(&report, &refs, &v.manifest, &mut v.problems);
    let product = match std::fs::read(dir.join(PRODUCT)) {
        Ok(bytes) => match product::parse(Path::new(PRODUCT), &bytes) {
            Ok(p) => Some(p),
            Err(e) => {
                let text: Vec<String> = e.iter().map(|l| l.render()).collect();
                v.problems
                    .push(format!("{PRODUCT} does not hold: {}", text.join("; ")));
                None
            }
        },
        Err(_) => {
            v.problems.push(format!("{PRODUCT} is missing"));
            None
        }
    };
    let over_time = v.manifest.over_time.as_ref().and_then(|claimed| {
        recompute_over_time(dir, claimed, &report, &refs, &set, &mut v.problems)
    });
    if let Some(product) = product {
        let derived = manifest::derive(&report, &refs, &product, over_time.clone());
        let differ = manifest::differing_fields(&v.manifest.derived(), &derived);
        if !differ.is_empty() {
            v.problems.push(format!(
                "{MANIFEST} disagrees with the bundle's files in: {}",
                differ.join(", ")
            ));
        }
        v.verdicts = derived.verdicts;
    }
    v.over_time = over_time;
}

/// What makes a run uncertifiable, read from its report.
fn check_run(
    report: &report::Report,
    profiles: &[&Profile],
    m: &Manifest,
    problems: &mut Vec<String>,
) {
    let run = &report.run;
    if run.interrupted {
        problems.push("the run was interrupted".to_owned());
    }
    let Some(pr) = &run.profile_run else {
        problems.push("the run was made without --profile".to_owned());
        return;
    };
    let recorded: Vec<(&str, &str)> = pr
        .profiles
        .iter()
        .map(|p| (p.name.as_str(), p.sha256.as_str()))
        .collect();
    let bundled: Vec<(&str, &str)> = m
        .profiles
        .iter()
        .map(|p| (p.name.as_str(), p.sha256.as_str()))
        .collect();
    if recorded != bundled {
        problems.push(format!(
            "the run's profiles ({}) are not the bundle's ({})",
            recorded.iter().map(|p| p.0).collect::<Vec<_>>().join(", "),
            bundled.iter().map(|p| p.0).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Err(why) = profile::partitions_complete(&run.filters) {
        problems.push(why);
    }
    let tls = run.tls.clone().unwrap_or_default();
    for why in profile::violations(
        profiles,
        &profile::Facts {
            settings: &pr.settings,
            filters: &run.filters,
            tls_not_verified: &tls.not_verified,
            tls_not_verified_by: &tls.not_verified_by,
            spec_digest: &run.spec_digest,
        },
    ) {
        problems.push(format!("outside the caps: {why}"));
    }
}

/// The statement over time, computed again from the bundle's history lines.
fn recompute_over_time(
    dir: &Path,
    claimed: &OverTime,
    report: &report::Report,
    profiles: &[&Profile],
    set: &ProfileSet,
    problems: &mut Vec<String>,
) -> Option<OverTime> {
    let text = match std::fs::read_to_string(dir.join(HISTORY)) {
        Ok(t) => t,
        Err(_) => {
            problems.push(format!("the statement over time has no {HISTORY}"));
            return None;
        }
    };
    let window: Window = match claimed.window.parse() {
        Ok(w) => w,
        Err(e) => {
            problems.push(format!("over time: {e}"));
            return None;
        }
    };
    let mut h = history::parse(&text);
    for s in &h.skipped {
        problems.push(format!("{HISTORY}:{}: {}", s.line, s.why));
    }
    for r in &mut h.runs {
        set.follow_aliases(r.cases.iter_mut().map(|c| &mut c.name));
    }
    let lines = match over_time::select(&h.runs, &report.run.run_id, &window) {
        Ok(l) => l,
        Err(e) => {
            problems.push(format!("over time: {e}"));
            return None;
        }
    };
    if lines.len() != h.runs.len() {
        problems.push(format!(
            "{HISTORY} holds {} lines the statement does not count",
            h.runs.len() - lines.len()
        ));
    }
    // The bundled run's own line says what its report says.
    let mut own = history::HistoryLine::from_report(report);
    set.follow_aliases(own.cases.iter_mut().map(|c| &mut c.name));
    let outcomes = |l: &history::HistoryLine| {
        l.cases
            .iter()
            .map(|c| (c.name.clone(), c.outcome))
            .collect::<Vec<_>>()
    };
    if let Some(line) = lines.iter().find(|l| l.run_id == report.run.run_id)
        && outcomes(line) != outcomes(&own)
    {
        problems.push(format!(
            "{HISTORY}: the line of the run {} does not say what report.json says",
            report.run.run_id
        ));
    }
    match over_time::statement(&lines, &required_of(profiles), &window, HISTORY) {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push(format!("over time: {e}"));
            None
        }
    }
}

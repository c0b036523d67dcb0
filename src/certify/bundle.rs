//! `report bundle`: a finished report directory in, a folder a vendor can submit out.
//!
//! ```text
//! OUT/
//!   PRODUCT.yaml            as given, checked
//!   README.md               what was run, and how anyone can run it again
//!   report.json junit.xml report.html summary.md journal.jsonl
//!   profiles/ddm-2026.12.yaml …
//!   history.jsonl           with --history: the lines the statement over time counts
//!   manifest.json           the tool, the run, the verdicts, request ids, every file's SHA-256
//!   manifest.json.sig       with --sign: SSHSIG over manifest.json
//! ```
//!
//! A run that cannot certify anything is refused before a byte is written: one interrupted,
//! filtered, partitioned without a merge, made without `--profile`, or outside its profiles'
//! caps. This room reads reports and writes files; it never sends a request.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{
    self, FileRecord, HISTORY, MANIFEST, Manifest, PRODUCT, README, SIGNATURE, ToolRecord,
};
use super::over_time::{self, OverTime, Window};
use super::product;
use super::readme;
use super::sshsig;
use crate::model::Report;
use crate::profile::{self, Profile, ProfileSet, Section};
use crate::records::history;
use crate::report;
use crate::yaml::Located;

/// The commit the binary was built from, or `unknown` (see `build.rs`).
pub const COMMIT: &str = env!("RESTART_CONFORMANCE_COMMIT");

/// What `report bundle` is asked to do.
#[derive(Debug, Clone)]
pub struct BundleRequest {
    pub report_dir: PathBuf,
    pub product: PathBuf,
    pub out: PathBuf,
    pub sign: Option<PathBuf>,
    pub history: Option<(PathBuf, Window)>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Bundled {
    pub manifest: Manifest,
    pub signed: bool,
}

/// Why no bundle was written (nothing was, except when writing itself failed).
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("error: cannot bundle {}: {why}\n  = help: {help}", .dir.display())]
    Refused {
        dir: PathBuf,
        why: String,
        help: String,
    },
    #[error("{}", .0.iter().map(Located::render).collect::<Vec<_>>().join("\n\n"))]
    Product(Vec<Located>),
    #[error(transparent)]
    Profile(#[from] profile::ProfileError),
    #[error(transparent)]
    Sign(#[from] sshsig::SignError),
    #[error("error: cannot write the bundle {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("error: cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn refused(dir: &Path, why: impl Into<String>, help: impl Into<String>) -> BundleError {
    BundleError::Refused {
        dir: dir.to_owned(),
        why: why.into(),
        help: help.into(),
    }
}

/// The report files a bundle carries, all four required.
const REPORTS: [&str; 4] = [
    report::REPORT_JSON,
    report::JUNIT_XML,
    report::REPORT_HTML,
    report::SUMMARY_MD,
];

/// Writes the bundle `req` asks for.
pub fn bundle(req: &BundleRequest) -> Result<Bundled, BundleError> {
    let dir = &req.report_dir;
    let report_path = dir.join(report::REPORT_JSON);
    if !report_path.is_file() {
        return Err(refused(
            dir,
            "it holds no report.json",
            "give the --report-dir of a finished `run --profile` (or of its `report merge`)",
        ));
    }
    let mut report = report::json::load(&report_path).map_err(|e| {
        refused(
            dir,
            format!(
                "its report.json cannot be read: {}",
                crate::error_chain::one_line(&e)
            ),
            "give the report directory of a finished run",
        )
    })?;
    let builtin = profile::load_builtin()?;
    let profiles = certifiable(dir, &report, &builtin)?;
    let refs: Vec<&Profile> = profiles.iter().collect();
    builtin.follow_aliases(report.cases.iter_mut().map(|c| &mut c.name));
    let product_bytes = read(&req.product)?;
    let product = product::parse(&req.product, &product_bytes).map_err(BundleError::Product)?;
    let journal = journal_of(dir, &report)?;
    let history = match &req.history {
        Some((path, window)) => Some(history_lines(path, window, &report, &refs, &builtin)?),
        None => None,
    };
    for name in REPORTS {
        if !dir.join(name).is_file() {
            return Err(refused(
                dir,
                format!("{name} is missing"),
                "a bundle carries the four reports of the run; `report rebuild` writes them again from the journal",
            ));
        }
    }
    prepare_out(&req.out)?;
    let out = &req.out;
    for name in REPORTS {
        copy(&dir.join(name), &out.join(name))?;
    }
    if let Some(journal) = &journal {
        copy(journal, &out.join(report::journal::JOURNAL_JSONL))?;
    }
    write(&out.join(PRODUCT), &product_bytes)?;
    std::fs::create_dir_all(out.join(manifest::PROFILES_DIR)).map_err(|source| {
        BundleError::Write {
            path: out.join(manifest::PROFILES_DIR),
            source,
        }
    })?;
    for p in &refs {
        write(&out.join(manifest::profile_file(p)), &p.bytes)?;
    }
    let over_time = match history {
        Some((lines, statement)) => {
            let text = history::render(&lines).map_err(|e| BundleError::Write {
                path: out.join(HISTORY),
                source: std::io::Error::other(e.to_string()),
            })?;
            write(&out.join(HISTORY), text.as_bytes())?;
            Some(statement)
        }
        None => None,
    };
    let derived = manifest::derive(&report, &refs, &product, over_time);
    let tool = ToolRecord {
        name: env!("CARGO_PKG_NAME").to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: COMMIT.to_owned(),
        executable_sha256: executable_sha256(),
    };
    let readme = readme::render(&report, &refs, &product, &derived, &tool, journal.is_some());
    write(&out.join(README), readme.as_bytes())?;
    let files = file_records(out)?;
    let manifest = Manifest::new(tool, derived, files);
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| BundleError::Write {
        path: out.join(MANIFEST),
        source: std::io::Error::other(e),
    })?;
    let text = format!("{text}\n");
    write(&out.join(MANIFEST), text.as_bytes())?;
    let signed = match &req.sign {
        Some(key) => {
            let sig = sshsig::sign(key, &out.join(MANIFEST), text.as_bytes())?;
            write(&out.join(SIGNATURE), sig.as_bytes())?;
            true
        }
        None => false,
    };
    Ok(Bundled { manifest, signed })
}

/// The built-in profiles of a run that can certify, or why it cannot.
fn certifiable(
    dir: &Path,
    report: &Report,
    builtin: &ProfileSet,
) -> Result<Vec<Profile>, BundleError> {
    let run = &report.run;
    if run.interrupted {
        return Err(refused(
            dir,
            "the run was interrupted: some cases never finished",
            "resume it (`run --resume` with the same --report-dir), then bundle",
        ));
    }
    let Some(profile_run) = &run.profile_run else {
        return Err(refused(
            dir,
            "the run was made without --profile, so nothing says which cases were required",
            "run again with `run --profile NAME` (`restart-conformance profiles list` names them)",
        ));
    };
    let mut out = Vec::new();
    for r in &profile_run.profiles {
        match builtin.get(&r.name) {
            Some(p) if p.sha256 == r.sha256 => out.push(p.clone()),
            Some(p) => {
                return Err(refused(
                    dir,
                    format!(
                        "the run used profile {} with the SHA-256 {}, this tool's is {}",
                        r.name, r.sha256, p.sha256
                    ),
                    "bundle with the build of the tool that ran it",
                ));
            }
            None => {
                return Err(refused(
                    dir,
                    format!("this tool has no profile {}", r.name),
                    "bundle with the build of the tool that ran it",
                ));
            }
        }
    }
    profile::partitions_complete(&run.filters).map_err(|why| {
        refused(
            dir,
            why,
            "run every partition and merge them: `report merge --report-dir DIR part-*/report.json`",
        )
    })?;
    let refs: Vec<&Profile> = out.iter().collect();
    let tls = run.tls.clone().unwrap_or_default();
    let violations = profile::violations(
        &refs,
        &profile::Facts {
            settings: &profile_run.settings,
            filters: &run.filters,
            tls_not_verified: &tls.not_verified,
            tls_not_verified_by: &tls.not_verified_by,
            spec_digest: &run.spec_digest,
        },
    );
    if !violations.is_empty() {
        return Err(refused(
            dir,
            format!(
                "the run is outside the caps of its profiles: {}",
                violations.join("; ")
            ),
            "run again within the caps (`restart-conformance profiles show NAME` lists them)",
        ));
    }
    Ok(out)
}

/// The run's journal: required, except for a merge of partitions (each partition has its own).
fn journal_of(dir: &Path, report: &Report) -> Result<Option<PathBuf>, BundleError> {
    let path = dir.join(report::journal::JOURNAL_JSONL);
    let merged = report
        .run
        .filters
        .iter()
        .any(|f| f.starts_with("--partition "));
    if !path.is_file() {
        if merged {
            return Ok(None);
        }
        return Err(refused(
            dir,
            "it holds no journal.jsonl",
            "bundle the --report-dir the run wrote",
        ));
    }
    let read = crate::records::journal::read(dir).map_err(|e| {
        refused(
            dir,
            format!(
                "its journal cannot be read: {}",
                crate::error_chain::one_line(&e)
            ),
            "bundle the --report-dir the run wrote",
        )
    })?;
    if read.header.run.run_id != report.run.run_id {
        if merged {
            return Ok(None);
        }
        return Err(refused(
            dir,
            format!(
                "its journal is of the run {}, its report.json of the run {}",
                read.header.run.run_id, report.run.run_id
            ),
            "bundle the --report-dir of one run, as the run left it",
        ));
    }
    Ok(Some(path))
}

/// The history lines of the statement over time, and the statement.
fn history_lines(
    path: &Path,
    window: &Window,
    report: &Report,
    profiles: &[&Profile],
    builtin: &ProfileSet,
) -> Result<(Vec<history::HistoryLine>, OverTime), BundleError> {
    let dir = path;
    let h = history::read(path).map_err(|e| {
        refused(
            dir,
            format!(
                "the history cannot be read: {}",
                crate::error_chain::one_line(&e)
            ),
            "give the file that `run --history FILE` writes",
        )
    })?;
    let mut runs = h.runs;
    for r in &mut runs {
        builtin.follow_aliases(r.cases.iter_mut().map(|c| &mut c.name));
    }
    let lines = over_time::select(&runs, &report.run.run_id, window).map_err(|e| {
        refused(
            dir,
            e.to_string(),
            "the statement counts the runs of one history file",
        )
    })?;
    let statement =
        over_time::statement(&lines, &required_of(profiles), window, HISTORY).map_err(|e| {
            refused(
                dir,
                e.to_string(),
                "give the file that `run --history FILE` writes",
            )
        })?;
    Ok((lines, statement))
}

/// The required cases of every profile.
pub fn required_of(profiles: &[&Profile]) -> BTreeSet<String> {
    profiles
        .iter()
        .flat_map(|p| p.section(Section::Required))
        .collect()
}

fn prepare_out(out: &Path) -> Result<(), BundleError> {
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(refused(
                out,
                "the --out folder exists and is not empty",
                "give a new folder: a bundle holds its own files and nothing else",
            ));
        }
    }
    std::fs::create_dir_all(out).map_err(|source| BundleError::Write {
        path: out.to_owned(),
        source,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, BundleError> {
    std::fs::read(path).map_err(|source| BundleError::Read {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    std::fs::write(path, bytes).map_err(|source| BundleError::Write {
        path: path.to_owned(),
        source,
    })
}

fn copy(from: &Path, to: &Path) -> Result<(), BundleError> {
    let bytes = read(from)?;
    write(to, &bytes)
}

/// Every file of the bundle but the manifest and its signature, by path.
pub fn file_records(dir: &Path) -> Result<Vec<FileRecord>, BundleError> {
    let mut out = Vec::new();
    for path in files_under(dir).map_err(|source| BundleError::Read {
        path: dir.to_owned(),
        source,
    })? {
        let rel = relative(dir, &path);
        if rel == MANIFEST || rel == SIGNATURE {
            continue;
        }
        let (size, sha256) = sha256_file(&path).map_err(|source| BundleError::Read {
            path: path.clone(),
            source,
        })?;
        out.push(FileRecord {
            path: rel,
            size,
            sha256,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                todo.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    Ok(out)
}

/// `profiles/ddm-2026.12.yaml`: the path inside the bundle, with `/`.
pub fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The size and SHA-256 (hex) of a file, read in chunks.
pub fn sha256_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// The SHA-256 of the running executable, or `unknown` when it cannot be read; read once per
/// process, since the file does not change under a running program.
pub fn executable_sha256() -> String {
    static SHA256: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SHA256
        .get_or_init(|| {
            std::env::current_exe()
                .and_then(|p| sha256_file(&p))
                .map_or_else(|_| "unknown".to_owned(), |(_, h)| h)
        })
        .clone()
}

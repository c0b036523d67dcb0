//! Atomic file replacement for the report directory.
//!
//! A CI job may upload the report directory while a run is still writing, and a crash must not
//! leave a half-written `report.json` that the next nightly `report diff` chokes on. So every file
//! is written to `<name>.tmp` beside its target, flushed to disk, then renamed over the target:
//! on one file system a rename is atomic, readers see the old file or the new one, never a mix.
//!
//! ```text
//! reports/                  --report-dir, created when missing
//! ├── report.json           the contract (model.rs); read back by `report diff`
//! ├── junit.xml             one <testsuite> per API, for CI test tabs
//! ├── report.html           one self-contained page: matrix, cases, exchanges, timelines
//! ├── summary.md            CI job summary / PR comment
//! ├── journal.jsonl         appended as each case ends (journal.rs), read by --resume
//! └── report.json.tmp       only while that file is being written, renamed over report.json
//! ```

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ReportError, ReportErrorKind};

/// Writes `bytes` to `path` through `<name>.tmp` and a rename, creating the parent directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let fail = |e| ReportError::new(format!("write {}", path.display()), ReportErrorKind::Io(e));

    let Some(name) = path.file_name() else {
        return Err(fail(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path names no file",
        )));
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        // A bare file name is relative to the working directory.
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).map_err(fail)?;

    let tmp = temp_path(parent, name);
    let result = write_and_sync(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        // Best effort: the original error is the one worth reporting.
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

fn temp_path(parent: &Path, name: &std::ffi::OsStr) -> PathBuf {
    let mut tmp_name = OsString::from(name);
    tmp_name.push(".tmp");
    parent.join(tmp_name)
}

fn write_and_sync(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    // Without the sync, a power loss after the rename can leave an empty file under the final
    // name on some file systems; four small files make the cost negligible.
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_file_creates_parent_and_leaves_no_temp() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let path = tmp.path().join("a").join("b").join("report.json");
        write_atomic(&path, b"first")?;
        write_atomic(&path, b"second")?;
        assert_eq!(std::fs::read_to_string(&path)?, "second");
        let entries: Vec<_> = std::fs::read_dir(tmp.path().join("a").join("b"))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        assert_eq!(entries, ["report.json"]);
        Ok(())
    }

    #[test]
    fn error_names_the_path() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        // A directory where the file should go makes the rename fail.
        let path = tmp.path().join("report.json");
        std::fs::create_dir(&path)?;
        std::fs::write(path.join("keep"), "x")?;
        let Err(err) = write_atomic(&path, b"x") else {
            panic!("writing over a non-empty directory should fail");
        };
        assert!(err.to_string().contains("report.json"), "{err}");
        assert!(!tmp.path().join("report.json.tmp").exists());
        Ok(())
    }
}

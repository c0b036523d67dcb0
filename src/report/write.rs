//! Atomic file replacement for the report directory and the records.
//!
//! A CI job may upload the report directory while a run is still writing, and a crash must not
//! leave a half-written `report.json` that the next nightly `report diff` chokes on. So every file
//! is written to a temporary file of its own beside its target (a unique name per writer, so two
//! processes writing one file never share a temporary), flushed to disk, then renamed over the
//! target: on one file system a rename is atomic, readers see the old file or the new one, never a
//! mix. The directory is flushed after the rename, or a power cut could forget it.
//!
//! A target that is a symbolic link is written through the link: the file it points to is
//! replaced, in that file's directory, and the link stays (a shared history, a node_exporter
//! textfile directory).
//!
//! ```text
//! reports/                  --report-dir, created when missing
//! ├── report.json           the contract (model.rs); read back by `report diff`
//! ├── junit.xml             one <testsuite> per API, for CI test tabs
//! ├── report.html           one self-contained page: matrix, cases, exchanges, timelines
//! ├── summary.md            CI job summary / PR comment
//! ├── journal.jsonl         appended as each case ends (journal.rs), read by --resume
//! ├── .lock                 who runs on this directory (lock.rs); empty when nobody does
//! └── .report.json.*.tmp    only while that file is being written, renamed over report.json
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ReportError, ReportErrorKind};

/// Symbolic links followed at most, as the kernel's own limit (`ELOOP`).
const MAX_LINKS: usize = 40;

/// Writes `bytes` to `path` through a temporary file and a rename, creating the parent
/// directory. A symbolic link at `path` is followed: the file it points to is replaced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let fail = |e| ReportError::new(format!("write {}", path.display()), ReportErrorKind::Io(e));

    let target = final_target(path).map_err(fail)?;
    let Some(name) = target.file_name() else {
        return Err(fail(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path names no file",
        )));
    };
    let parent = parent_of(&target);
    std::fs::create_dir_all(parent).map_err(fail)?;

    // `.NAME.…tmp`: hidden, and never ending like the target (node_exporter reads `*.prom`).
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // As `File::create` would: readable by others unless the umask says otherwise (a metrics
    // collector runs as another user). The temporary file's default is the owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(parent).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    // Without the sync, a power loss after the rename can leave an empty file under the final
    // name on some file systems; a few small files make the cost negligible.
    tmp.as_file().sync_all().map_err(fail)?;
    // On error the temporary file is removed when `tmp` (returned inside the error) drops.
    tmp.persist(&target).map_err(|e| fail(e.error))?;
    sync_dir(parent).map_err(fail)
}

/// The file `path` names once every symbolic link is followed; `path` itself when it is no
/// link (or does not exist yet). A dangling link gives the missing file it points to.
pub fn final_target(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                // A relative link is relative to the directory that holds it.
                current = if link.is_absolute() {
                    link
                } else {
                    parent_of(&current).join(link)
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("more than {MAX_LINKS} symbolic links in a row"),
    ))
}

/// The directory of `path`; a bare file name is relative to the working directory.
pub(crate) fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Flushes a directory's entries, so that a rename in it survives a power cut.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems cannot sync a directory; the rename is done all the same.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Windows cannot open a directory as a file; its rename is flushed with the file system's log.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
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
        assert_eq!(
            names_in(tmp.path())?,
            ["report.json"],
            "no temporary file is left"
        );
        Ok(())
    }

    fn names_in(dir: &Path) -> std::io::Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        Ok(names)
    }

    #[test]
    fn writers_of_one_file_at_once_all_succeed() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let path = tmp.path().join("history.jsonl");
        // With one shared temporary name, a writer renames away the file another is about to
        // rename, and that one fails with "No such file or directory".
        let failures: usize = std::thread::scope(|s| {
            let writers: Vec<_> = (0..4)
                .map(|w| {
                    let path = &path;
                    s.spawn(move || {
                        (0..200)
                            .filter(|i| write_atomic(path, format!("{w} {i}").as_bytes()).is_err())
                            .count()
                    })
                })
                .collect();
            writers.into_iter().map(|h| h.join().unwrap_or(1)).sum()
        });
        assert_eq!(failures, 0);
        assert_eq!(names_in(tmp.path())?, ["history.jsonl"]);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_written_through() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let shared = tmp.path().join("shared");
        let textfiles = tmp.path().join("textfiles");
        std::fs::create_dir_all(&shared)?;
        std::fs::create_dir_all(&textfiles)?;
        std::fs::write(shared.join("history.jsonl"), "old")?;
        // An absolute link, and a relative one to a file that does not exist yet.
        let absolute = tmp.path().join("history.jsonl");
        std::os::unix::fs::symlink(shared.join("history.jsonl"), &absolute)?;
        let relative = tmp.path().join("conformance.prom");
        std::os::unix::fs::symlink("textfiles/conformance.prom", &relative)?;

        write_atomic(&absolute, b"new")?;
        write_atomic(&relative, b"metrics")?;

        assert_eq!(
            std::fs::read_to_string(shared.join("history.jsonl"))?,
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(textfiles.join("conformance.prom"))?,
            "metrics"
        );
        for link in [&absolute, &relative] {
            assert!(std::fs::symlink_metadata(link)?.file_type().is_symlink());
        }
        assert_eq!(names_in(&shared)?, ["history.jsonl"]);
        assert_eq!(names_in(&textfiles)?, ["conformance.prom"]);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_written_file_is_as_readable_as_a_created_one() -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir()?;
        let created = tmp.path().join("created");
        std::fs::File::create(&created)?;
        let written = tmp.path().join("written.prom");
        write_atomic(&written, b"x")?;
        let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode(&written)?, mode(&created)?);
        Ok(())
    }
}

//! Locks: one run per report directory, one writer of a history file at a time.
//!
//! Both are advisory locks of the operating system (`flock` on Unix, `LockFileEx` on Windows,
//! through `fs4`), never a lock file whose mere existence means "taken": the system releases a
//! lock when its process ends, however it ends, so a killed run cannot leave a directory locked.
//!
//! ```text
//! reports/.lock      {"pid":4242,"host":"ci-runner-7","command":"run","since":"2026-12-01T02:00:00Z"}
//! ```
//!
//! The report directory's `.lock` is locked for the whole run (`run`, `report merge`,
//! `report rebuild`), and holds who locked it, so that a second run refused with exit 2 can
//! name the holder. A clean end empties it. A run that finds the lock free but the file still
//! naming a holder knows that holder ended without releasing it (killed): it takes the lock over
//! and says so. A history file is locked through `.NAME.lock` beside it while a run is added,
//! since the history itself is replaced by a rename and a lock on it would go with the old file.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The lock file in a report directory.
pub const LOCK_FILE: &str = ".lock";

/// A lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the report directory.
    #[error(
        "the report directory {} is in use by {holder}\n  = help: nothing was sent; wait for it to end, or give another --report-dir",
        dir.display()
    )]
    Busy { dir: PathBuf, holder: String },
    #[error("failed to lock {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Who holds a report directory, as its `.lock` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    /// `run`, `report merge`, `report rebuild`.
    pub command: String,
    /// RFC 3339, when it took the lock.
    pub since: String,
}

impl Holder {
    fn this_process(command: &str) -> Holder {
        Holder {
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            command: command.to_owned(),
            since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }

    /// `` `run` (process 4242 on host ci-runner-7, since 2026-12-01T02:00:00Z) ``.
    fn describe(text: &str) -> String {
        match serde_json::from_str::<Holder>(text.trim()) {
            Ok(h) => format!(
                "`{}` (process {} on host {}, since {})",
                h.command, h.pid, h.host, h.since
            ),
            // Taken a moment ago, and not yet written; or written by something else.
            Err(_) => "another process (it has not said which)".to_owned(),
        }
    }
}

/// The lock of a report directory, held until dropped (or until the process ends).
#[derive(Debug)]
pub struct DirLock {
    file: File,
    path: PathBuf,
    taken_over: Option<String>,
}

impl DirLock {
    /// Locks `dir` (created when missing) for `command`, or says who holds it.
    pub fn acquire(dir: &Path, command: &str) -> Result<DirLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = open_lock_file(&path).map_err(io)?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                return Err(LockError::Busy {
                    dir: dir.to_owned(),
                    holder: Holder::describe(&text),
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(io(e)),
        }
        // Ours now. A holder still named in the file ended without emptying it: it was killed.
        let mut previous = String::new();
        // An unreadable leftover (not UTF-8) is a leftover all the same.
        let read = file.read_to_string(&mut previous);
        let taken_over = match read {
            Ok(_) if previous.trim().is_empty() => None,
            _ => Some(Holder::describe(&previous)),
        };
        let lock = DirLock {
            file,
            path: path.clone(),
            taken_over,
        };
        lock.write_holder(&Holder::this_process(command))
            .map_err(io)?;
        Ok(lock)
    }

    /// The holder that was killed while it held this directory, when this lock took its place.
    pub fn taken_over(&self) -> Option<&str> {
        self.taken_over.as_deref()
    }

    /// The warning to print when [`Self::taken_over`] is set.
    pub fn take_over_warning(&self) -> Option<String> {
        self.taken_over.as_ref().map(|h| {
            format!(
                "warning: {} was left locked by {h}, which is gone; taking it over",
                self.path.display()
            )
        })
    }

    /// Empties the file while the lock is still held: for a process about to exit without
    /// dropping this lock (the system then releases it), which did not die.
    pub fn clear_holder(&self) {
        // Best effort: a leftover name only makes the next run warn.
        let _ = self.file.set_len(0);
    }

    fn write_holder(&self, holder: &Holder) -> std::io::Result<()> {
        let mut file = &self.file;
        file.set_len(0)?;
        file.rewind()?;
        let mut text = serde_json::to_string(holder).map_err(std::io::Error::other)?;
        text.push('\n');
        file.write_all(text.as_bytes())?;
        file.flush()
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        self.clear_holder();
        // Unlock before closing: a child process may briefly hold a copy of the descriptor, and
        // the lock would live on with it.
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// An exclusive lock on a file's companion `.NAME.lock`, waited for, held until dropped.
#[derive(Debug)]
pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Waits for the lock of `target` (a file path, its links already followed).
    pub fn beside(target: &Path) -> std::io::Result<FileLock> {
        let Some(name) = target.file_name() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the path names no file",
            ));
        };
        let dir = super::write::parent_of(target);
        std::fs::create_dir_all(dir)?;
        let mut lock_name = std::ffi::OsString::from(".");
        lock_name.push(name);
        lock_name.push(".lock");
        let file = open_lock_file(&dir.join(lock_name))?;
        fs4::FileExt::lock(&file)?;
        Ok(FileLock { file })
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

fn open_lock_file(path: &Path) -> std::io::Result<File> {
    // Never truncated on open: the holder's name is read before it is replaced.
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_directory_is_refused_naming_the_holder() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path().join("reports");
        let first = DirLock::acquire(&dir, "run")?;
        assert_eq!(first.taken_over(), None);
        let Err(LockError::Busy { holder, .. }) = DirLock::acquire(&dir, "report merge") else {
            panic!("a second lock of a held directory should be refused");
        };
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        assert!(
            holder.starts_with(&format!(
                "`run` (process {} on host {host}, since ",
                std::process::id()
            )),
            "{holder}"
        );
        drop(first);
        let again = DirLock::acquire(&dir, "run")?;
        assert_eq!(again.taken_over(), None, "a released lock is no leftover");
        Ok(())
    }

    #[test]
    fn a_free_lock_that_still_names_a_holder_is_taken_over()
    -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let left = r#"{"pid":4242,"host":"ci-7","command":"run","since":"2026-12-01T02:00:00Z"}"#;
        std::fs::write(tmp.path().join(LOCK_FILE), left)?;
        let lock = DirLock::acquire(tmp.path(), "run")?;
        assert_eq!(
            lock.taken_over(),
            Some("`run` (process 4242 on host ci-7, since 2026-12-01T02:00:00Z)")
        );
        let written: Holder =
            serde_json::from_str(&std::fs::read_to_string(tmp.path().join(LOCK_FILE))?)?;
        assert_eq!(written.pid, std::process::id());
        drop(lock);
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(LOCK_FILE))?,
            "",
            "a clean end empties the file"
        );
        Ok(())
    }
}

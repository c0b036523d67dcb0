//! Records the commit the binary was built from, for the bundle's manifest
//! (`RESTART_CONFORMANCE_COMMIT`): the variable of that name when the build sets it, else the
//! commit cargo recorded when it packaged the crate (`.cargo_vcs_info.json`: a crate built from
//! its package has no git of its own), else `git rev-parse HEAD`, else `unknown`.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The commit `cargo package` recorded beside the manifest, when this is a packaged crate.
fn packaged_commit() -> Option<String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let path = std::path::Path::new(&dir).join(".cargo_vcs_info.json");
    // Watched only where it exists: a missing watched file would rerun this script every build.
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    let info: serde_json::Value = serde_json::from_str(&text).ok()?;
    info.pointer("/git/sha1")?.as_str().map(str::to_owned)
}

fn main() {
    println!("cargo:rerun-if-env-changed=RESTART_CONFORMANCE_COMMIT");
    // A new commit moves HEAD or the branch it names; watch both (and packed refs), so the
    // recorded commit follows without rebuilding on every file change.
    for what in ["HEAD", "packed-refs"] {
        if let Some(path) = git(&["rev-parse", "--git-path", what]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(path) = git(&["rev-parse", "--git-path", &branch])
    {
        println!("cargo:rerun-if-changed={path}");
    }
    let commit = std::env::var("RESTART_CONFORMANCE_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(packaged_commit)
        .or_else(|| git(&["rev-parse", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=RESTART_CONFORMANCE_COMMIT={commit}");
}

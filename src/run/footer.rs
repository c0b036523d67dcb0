//! The live footer on a terminal: how far the run is, and which resources it waits for.
//!
//! ```text
//! test ddm::restart_soft ... ok                      results scroll above the footer
//! cases 12/66 · 11 passed · 1 failed · 0:42 · about 1:30 left
//!   ecs/srv-1: REBOOT for 12 s
//!   ddm/ddm-2: RESTARTING for 4 s
//! ```
//!
//! The case lines are libtest's, written to standard output; the footer is drawn on standard
//! error. Two writers on one terminal tear each other's lines, so while the footer is shown,
//! standard output goes into a pipe and each complete line read from it is printed above the
//! footer. The estimate is the longest chain of restarts still planned on one resource times
//! the median restart seen so far in this run; before the first restart there is none.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::OwnedFd;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::CaseReport;

/// How often the footer is redrawn while nothing changes (its clocks move).
const TICK: Duration = Duration::from_millis(500);

/// The live footer of one run.
pub struct Footer {
    multi: MultiProgress,
    summary: ProgressBar,
    waits: Mutex<BTreeMap<String, ProgressBar>>,
    tally: Mutex<Tally>,
    capture: Mutex<Option<Capture>>,
}

impl std::fmt::Debug for Footer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Footer").finish_non_exhaustive()
    }
}

/// What the summary line counts.
#[derive(Debug, Default)]
struct Tally {
    total: usize,
    done: usize,
    passed: usize,
    failed: usize,
    /// Restarts still planned, per resource.
    restarts_left: BTreeMap<String, usize>,
    /// Times from an accepted restart to steady seen so far, in milliseconds.
    restart_ms: Vec<u64>,
}

/// Standard output, sent into a pipe while the footer is shown.
struct Capture {
    saved: OwnedFd,
    reader: JoinHandle<()>,
}

impl Footer {
    /// Shows the footer for `total` cases with `restarts` planned per resource; with
    /// `capture`, standard output (which shares the terminal) is printed above it. `None` when
    /// standard output cannot be captured: the caller then prints plain lines.
    pub fn start(total: usize, restarts: BTreeMap<String, usize>, capture: bool) -> Option<Footer> {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let summary = multi.add(ProgressBar::new_spinner());
        // The clock is drawn at each tick; the counts and the estimate when a case ends.
        let style = ProgressStyle::with_template("{prefix} · {clock}{msg}")
            .ok()?
            .with_key(
                "clock",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&clock(state.elapsed()));
                },
            );
        summary.set_style(style);
        let footer = Footer {
            multi,
            summary,
            waits: Mutex::default(),
            tally: Mutex::new(Tally {
                total,
                restarts_left: restarts,
                ..Tally::default()
            }),
            capture: Mutex::new(None),
        };
        if capture {
            *lock(&footer.capture) = Some(capture_stdout(footer.multi.clone()).ok()?);
        }
        footer.redraw();
        footer.summary.enable_steady_tick(TICK);
        Some(footer)
    }

    /// Whether standard output goes through the footer (it shares the terminal).
    pub fn captures(&self) -> bool {
        lock(&self.capture).is_some()
    }

    /// Counts a finished case, and the restarts it caused on `resource`.
    pub fn finished(&self, report: &CaseReport, resource: Option<&str>) {
        {
            let mut t = lock(&self.tally);
            t.done += 1;
            match report.outcome {
                crate::model::CaseOutcome::Passed => t.passed += 1,
                crate::model::CaseOutcome::Failed | crate::model::CaseOutcome::Errored => {
                    t.failed += 1
                }
                crate::model::CaseOutcome::Skipped => {}
            }
            if let Some(left) = resource.and_then(|r| t.restarts_left.get_mut(r)) {
                *left = left.saturating_sub(report.restarts);
            }
            if let Some(b) = report.restart.as_ref().and_then(|r| r.to_steady.as_ref()) {
                t.restart_ms.push(b.by_ms);
            }
        }
        self.redraw();
    }

    /// Shows that `resource` has been in `state` for `waited`.
    pub fn waiting(&self, resource: &str, state: &str, waited: Duration) {
        let mut waits = lock(&self.waits);
        let bar = waits.entry(resource.to_owned()).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template("  {msg}") {
                bar.set_style(style);
            }
            bar
        });
        bar.set_message(format!("{resource}: {state} for {} s", waited.as_secs()));
    }

    /// `resource` is no longer waited for.
    pub fn wait_over(&self, resource: &str) {
        if let Some(bar) = lock(&self.waits).remove(resource) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
    }

    /// Gives standard output back, prints what was still in the pipe, and clears the footer.
    pub fn finish(&self) {
        if let Some(capture) = lock(&self.capture).take() {
            // Restoring fd 1 closes the pipe's last writer: the reader sees the end.
            let _ = std::io::stdout().flush();
            let _ = rustix::stdio::dup2_stdout(&capture.saved);
            let _ = capture.reader.join();
        }
        for (_, bar) in std::mem::take(&mut *lock(&self.waits)) {
            bar.finish_and_clear();
        }
        self.summary.finish_and_clear();
        let _ = self.multi.clear();
    }

    fn redraw(&self) {
        let t = lock(&self.tally);
        self.summary.set_prefix(t.counts());
        self.summary.set_message(t.estimate_text());
    }
}

impl Drop for Footer {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Tally {
    /// `cases 12/66 · 11 passed · 1 failed · 0:42 · about 1:30 left`.
    #[cfg(test)]
    fn line(&self, elapsed: Duration) -> String {
        format!(
            "{} · {}{}",
            self.counts(),
            clock(elapsed),
            self.estimate_text()
        )
    }

    /// `cases 12/66 · 11 passed · 1 failed`.
    fn counts(&self) -> String {
        format!(
            "cases {}/{} · {} passed · {} failed",
            self.done, self.total, self.passed, self.failed
        )
    }

    /// ` · about 1:30 left`; nothing before the first restart, nor under a second.
    fn estimate_text(&self) -> String {
        self.estimate()
            .filter(|left| left.as_secs() >= 1)
            .map(|left| format!(" · about {} left", clock(left)))
            .unwrap_or_default()
    }

    /// The longest chain of restarts still planned on one resource, times the median restart
    /// seen so far.
    fn estimate(&self) -> Option<Duration> {
        let chain = self.restarts_left.values().copied().max().unwrap_or(0);
        let mut seen = self.restart_ms.clone();
        seen.sort_unstable();
        let median = *seen.get(seen.len() / 2)?;
        Some(Duration::from_millis(median.saturating_mul(chain as u64)))
    }
}

/// `m:ss`, or `h:mm:ss` from an hour on.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Points fd 1 at a pipe whose lines a thread prints above the footer.
fn capture_stdout(multi: MultiProgress) -> std::io::Result<Capture> {
    use std::os::fd::AsFd;
    std::io::stdout().flush()?;
    let saved = std::io::stdout().as_fd().try_clone_to_owned()?;
    let (reader, writer) = std::io::pipe()?;
    rustix::stdio::dup2_stdout(&writer)?;
    drop(writer);
    let reader = std::thread::Builder::new()
        .name("footer-stdout".into())
        .spawn(move || {
            let mut lines = BufReader::new(reader);
            let mut line = String::new();
            while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
                let text = line.trim_end_matches('\n');
                if multi.println(text).is_err() {
                    eprintln!("{text}");
                }
                line.clear();
            }
        })?;
    Ok(Capture { saved, reader })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_longest_chain_left_times_the_median_restart() {
        let mut t = Tally {
            total: 10,
            restarts_left: [("ecs/a".to_owned(), 3), ("ddm/b".to_owned(), 1)].into(),
            ..Tally::default()
        };
        assert_eq!(t.estimate(), None, "no restart seen yet");
        assert_eq!(
            t.line(Duration::from_secs(42)),
            "cases 0/10 · 0 passed · 0 failed · 0:42"
        );
        t.restart_ms = vec![4000, 1000, 9000];
        assert_eq!(t.estimate(), Some(Duration::from_secs(12)));
        t.done = 4;
        t.passed = 3;
        t.failed = 1;
        assert_eq!(
            t.line(Duration::from_secs(3725)),
            "cases 4/10 · 3 passed · 1 failed · 1:02:05 · about 0:12 left"
        );
    }
}

//! Progress for long lifecycle waits, on stderr.
//!
//! Against a real cloud a restart takes minutes; while a case waits, the
//! terminal shows which resource is in which state and for how long. On a
//! terminal that is a line of the live footer ([`super::footer`]), under the
//! run's count and estimate; elsewhere (CI logs) a plain line is printed when
//! the state changes and every half minute, with no control characters. Short
//! waits (the embedded server's) print nothing, and neither do `-q` and
//! `--format json`.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::footer::Footer;

/// Waits shorter than this print nothing.
const THRESHOLD: Duration = Duration::from_secs(3);
/// In line mode, a reminder this often while the state holds.
const REMINDER: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub enum Progress {
    Off,
    /// The live footer on a terminal.
    Footer(Arc<Footer>),
    Lines,
}

/// Per-wait bookkeeping.
#[derive(Debug, Default)]
pub struct Tick {
    last_state: Option<String>,
    last_print: Option<Instant>,
    printed: bool,
}

impl Progress {
    /// Reports the state of `resource` after `waited` of waiting.
    pub fn tick(&self, t: &mut Tick, resource: &str, state: &str, waited: Duration) {
        let changed = t.last_state.as_deref() != Some(state);
        t.last_state = Some(state.to_owned());
        if waited < THRESHOLD {
            return;
        }
        match self {
            Progress::Footer(footer) => {
                footer.waiting(resource, state, waited);
                t.printed = true;
            }
            Progress::Lines => {
                if changed || t.last_print.is_none_or(|p| p.elapsed() >= REMINDER) {
                    let line = format!("{resource}: {state} for {} s", waited.as_secs());
                    let _ = writeln!(std::io::stderr().lock(), "waiting: {line}");
                    t.last_print = Some(Instant::now());
                }
            }
            Progress::Off => {}
        }
    }

    /// Takes `resource`'s line out of the footer at the end of a wait.
    pub fn done(&self, t: &Tick, resource: &str) {
        if let (Progress::Footer(footer), true) = (self, t.printed) {
            footer.wait_over(resource);
        }
    }

    /// Counts a finished case in the footer.
    pub fn finished(&self, report: &crate::model::CaseReport, resource: Option<&str>) {
        if let Progress::Footer(footer) = self {
            footer.finished(report, resource);
        }
    }

    /// Clears the footer and gives standard output back.
    pub fn finish(&self) {
        if let Progress::Footer(footer) = self {
            footer.finish();
        }
    }
}

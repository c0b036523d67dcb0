//! Progress for long lifecycle waits, on stderr.
//!
//! Against a real cloud a restart takes minutes; while a case waits, the
//! terminal shows which resource is in which state and for how long. On a
//! terminal one line is rewritten in place; elsewhere (CI logs) a plain line
//! is printed when the state changes and every half minute. Short waits (the
//! embedded server's) print nothing, and neither do `-q` and `--format json`.

use std::io::Write;
use std::time::{Duration, Instant};

/// Waits shorter than this print nothing.
const THRESHOLD: Duration = Duration::from_secs(3);
/// In line mode, a reminder this often while the state holds.
const REMINDER: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Off,
    Terminal,
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
    pub fn tick(self, t: &mut Tick, resource: &str, state: &str, waited: Duration) {
        let changed = t.last_state.as_deref() != Some(state);
        t.last_state = Some(state.to_owned());
        if self == Progress::Off || waited < THRESHOLD {
            return;
        }
        let line = format!("{resource}: {state} for {} s", waited.as_secs());
        let mut err = std::io::stderr().lock();
        match self {
            Progress::Terminal => {
                let _ = write!(err, "\r\x1b[2K{line}");
                let _ = err.flush();
                t.printed = true;
            }
            Progress::Lines => {
                if changed || t.last_print.is_none_or(|p| p.elapsed() >= REMINDER) {
                    let _ = writeln!(err, "waiting: {line}");
                    t.last_print = Some(Instant::now());
                }
            }
            Progress::Off => {}
        }
    }

    /// Clears the rewritten line at the end of a wait.
    pub fn done(self, t: &Tick) {
        if self == Progress::Terminal && t.printed {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

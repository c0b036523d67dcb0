//! SIGINT (Ctrl-C) and SIGTERM while a run goes on.
//!
//! The first signal stops the run: no case starts after it, the cases in
//! flight are dropped, their trials end as not run, and [`super::execute`]
//! returns what finished, for the caller to report as an interrupted run.
//! Any later signal (a second one while the interrupted run writes its
//! reports or pushes its metrics, or one after the cases have ended) ends
//! the process at once with exit 1, as the signal would have without a
//! handler: tokio keeps its handler for the life of the process, so without
//! this a later signal would be ignored.
//!
//! The signals are listened for on a thread of its own with a runtime of its
//! own, so that they are still heard once the run's runtime is gone.

use tokio::sync::watch;

/// Where the run is, as the signals see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Running,
    /// A signal came while the cases ran.
    Interrupted,
    /// The cases have ended (or were stopped): the next signal ends the process.
    Ended,
}

/// The reason a trial gives for a case that was not run.
pub(crate) const NOT_RUN: &str = "not run: the run was interrupted";

/// Listens for SIGINT and SIGTERM from [`Signals::listen`] on.
pub(crate) struct Signals {
    state: watch::Sender<State>,
}

impl Signals {
    /// Starts listening; returns once the handlers are in place, so that no
    /// signal sent after the call is lost.
    pub(crate) fn listen() -> std::io::Result<Signals> {
        let (state, _) = watch::channel(State::Running);
        let heard = state.clone();
        let (ready, started) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let rt = match crate::runtime::current_thread() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let mut signals = match Stream::new() {
                        Ok(s) => {
                            let _ = ready.send(Ok(()));
                            s
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e));
                            return;
                        }
                    };
                    loop {
                        signals.next().await;
                        if !heard.send_if_modified(stop) {
                            eprintln!("\ninterrupted again: exiting now");
                            std::process::exit(i32::from(crate::exit::TESTS_FAILED));
                        }
                    }
                });
            })?;
        started
            .recv()
            .unwrap_or_else(|_| Err(std::io::Error::other("the signal thread did not start")))?;
        Ok(Signals { state })
    }

    /// The state, for [`stopped`] and [`is_stopped`].
    pub(crate) fn watch(&self) -> watch::Receiver<State> {
        self.state.subscribe()
    }

    /// The cases have ended: from now on a signal ends the process. True
    /// when a signal stopped the run.
    pub(crate) fn end(&self) -> bool {
        let mut interrupted = false;
        self.state.send_modify(|s| {
            interrupted = *s == State::Interrupted;
            *s = State::Ended;
        });
        interrupted
    }
}

/// A signal's effect on the state: a running run is interrupted (true);
/// otherwise nothing changes (false) and the process is to end.
fn stop(state: &mut State) -> bool {
    if *state == State::Running {
        *state = State::Interrupted;
        true
    } else {
        false
    }
}

/// Resolves once a signal has stopped the run; never, when nothing listens.
pub(crate) async fn stopped(state: Option<watch::Receiver<State>>) {
    match state {
        Some(mut rx) => {
            // Ended after Interrupted still means stopped; Ended alone comes
            // only after every trial has returned.
            if rx.wait_for(|s| *s != State::Running).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

/// True when a signal has stopped the run.
pub(crate) fn is_stopped(state: Option<&watch::Receiver<State>>) -> bool {
    state.is_some_and(|rx| *rx.borrow() != State::Running)
}

/// Both signals as one stream.
struct Stream {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Stream {
    /// Must be called inside a runtime.
    fn new() -> std::io::Result<Stream> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Stream {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Stream {})
        }
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.int.recv() => {}
                _ = self.term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_signal_of_a_running_run_stops_it() {
        let mut state = State::Running;
        assert!(stop(&mut state));
        assert_eq!(state, State::Interrupted);
        // A second signal: the process ends.
        assert!(!stop(&mut state));
        let mut ended = State::Ended;
        assert!(!stop(&mut ended));
        assert_eq!(ended, State::Ended);
    }
}

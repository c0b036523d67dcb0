//! Counts what the server was asked, so a test can tell how many requests a
//! run sent (a resumed run must not send its finished cases again).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::server::Shared;

/// Requests received, by kind; counters only, so a long `serve` stays small.
#[derive(Debug, Default)]
pub(crate) struct Counter {
    all: AtomicUsize,
    /// Requests on an action URI (any method): the restarts and their negatives.
    actions: AtomicUsize,
}

impl Counter {
    pub(crate) fn all(&self) -> usize {
        self.all.load(Ordering::Relaxed)
    }

    pub(crate) fn actions(&self) -> usize {
        self.actions.load(Ordering::Relaxed)
    }
}

/// The middleware: counts the request, then serves it.
pub(crate) async fn count(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    shared.counter.all.fetch_add(1, Ordering::Relaxed);
    if req.uri().path().trim_end_matches('/').ends_with("/action") {
        shared.counter.actions.fetch_add(1, Ordering::Relaxed);
    }
    next.run(req).await
}

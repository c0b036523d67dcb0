//! The one place that builds an async runtime: the run's, `serve`'s, and the small ones that a
//! sign-in or a push starts on a thread of its own.

use tokio::runtime::{Builder, Runtime};

/// A runtime with worker threads, for a run or the server.
pub fn multi_thread() -> std::io::Result<Runtime> {
    Builder::new_multi_thread().enable_all().build()
}

/// A runtime on the calling thread, for one blocking exchange (a sign-in, a push).
pub fn current_thread() -> std::io::Result<Runtime> {
    Builder::new_current_thread().enable_all().build()
}

/// A runtime with `workers` worker threads.
pub fn with_workers(workers: usize) -> std::io::Result<Runtime> {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
}

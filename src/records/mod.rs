//! Records: what reads many runs or outlives one.
//!
//! `report` writes one run's reports; this room keeps what a run leaves for the runs after it
//! and for the people who watch them: the history file and its trend (page and Markdown), the
//! Prometheus metrics and their push, and the journal's reader, which rebuilds a killed run's
//! reports. Reports and history lines in, files out: nothing here sends a request to a target.

pub mod history;
pub mod journal;
pub mod keep;
pub mod metrics;
pub mod push;
pub mod trend;
pub mod trend_page;

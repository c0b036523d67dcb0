//! The plan: (specs, target) ──► [`Case`]s.
//!
//! Turns each spec into the cases to run: the spec's own positive cases (on
//! every URI they name), the optional properties left out one at a time,
//! negative cases derived from the request body schema and the header table,
//! and one restart-while-restarting case; and what the plan will cost its
//! target in restarts. Knows nothing about HTTP.

mod case;
mod cost;
mod negative;
mod partition;
mod signing;
mod uri;

pub use case::{Bound, Case, CaseKind, Group, RequestTemplate, bind, plan, plan_with};
pub use cost::{RestartTimes, describe as describe_cost, estimate, planned_restarts};
pub use negative::{Mutation, body_mutations};
pub use partition::{Partition, PartitionError};
pub use uri::fill;

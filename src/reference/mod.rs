//! The embedded reference server: all five restart APIs, in memory, on one listener.
//!
//! It is a second, independent reading of the vendor documents and of
//! `docs/book/src/conformance-rules.md`: it shares no code with `spec`, `plan` or `check`, so that a
//! misreading in one shows up as a disagreement with the other. Each API is nested under its
//! id (`/ddm`, `/clouddb`, `/clouddb-ha`, `/modelarts`, `/ecs`) and serves its action URI and
//! the status URI of its companion document, with `--resources N` known resources (two by
//! default) whose states go, each on its own, from steady to restarting and back. Beside them,
//! what OpenStack clients read around a restart: version documents (`discovery`), compute
//! microversions (`microversion`) and the documented show bodies (`readback`). Fault modes
//! make it wrong on purpose, one change each, so that every conformance check can be seen
//! failing.

mod aksk;
mod apis;
pub mod banner;
mod counter;
mod discovery;
mod faults;
mod hostile;
mod identity;
mod identity_v2;
mod microversion;
mod readback;
mod request;
mod request_id;
mod response;
mod server;
mod state;
mod tls;

#[cfg(test)]
mod tests;

pub use banner::Banner;
pub use faults::Fault;
pub use identity::{IdentityConfig, REFERENCE_AK, REFERENCE_STS_AK};
pub use server::{DEFAULT_RESOURCES, ReferenceApi, ReferenceConfig, ReferenceServer};
pub use tls::{ClientCa, TlsFiles, TlsOptions};

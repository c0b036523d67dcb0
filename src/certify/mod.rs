//! Certifying an implementation: a finished report directory in, a results bundle or a
//! verdict out.
//!
//! `report bundle` ([`mod@bundle`]) copies a `run --profile`'s reports, journal and profiles
//! beside the vendor's `PRODUCT.yaml`, a `README.md` and a `manifest.json` that names every
//! file's SHA-256, the verdict per profile and the vendor's request ids, and signs the manifest
//! in OpenSSH's SSHSIG format ([`sshsig`]). `verify` ([`mod@verify`]) checks all of it offline.
//! With a history file, the bundle also carries a statement of conformance over time
//! ([`over_time`]).
//!
//! This room reads reports, journals, profiles and histories; it never sends a request and
//! never runs a case.

pub mod bundle;
pub mod manifest;
pub mod over_time;
pub mod product;
mod readme;
pub mod sshsig;
pub mod verdict;
pub mod verify;

pub use bundle::{BundleError, BundleRequest, Bundled, bundle};
pub use verify::{Signature, Verified, VerifyError, verify};
